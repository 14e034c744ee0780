"""The HTTP layer's doors (mounts): each answers its paths' 404, 405, 413 and malformed tokens
in its own form (JSON for the API, operations and photos; HTML pages for /email), with its
own CORS policy and body limit; / and /api/v1 point a person to the documentation."""

import subprocess
import threading

import pytest

import harness
from harness import API, assert_error, bearer, raw_exchange, report_here

V1_HEADERS = "Content-Type, Authorization, Idempotency-Key, If-None-Match, Last-Event-ID"


def is_page(r, status):
    assert r.status == status, r
    assert r.headers["Content-Type"] == "text/html; charset=utf-8", r
    assert r.body.startswith(b"<!doctype html>"), r
    return r.body.decode()


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/reports/1/nope", "/nope",
                                  "/api/v1x", "/emailx", "/photos", "/photos/a/b"])
def test_json_doors_answer_404_in_json(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_the_pages_answer_404_and_405_as_pages(client):
    assert "Lien non valable" in is_page(client.get("/email/nope"), 404)
    r = client.request("DELETE", "/email/confirm")
    is_page(r, 405)
    assert r.headers["Allow"] == "GET, POST, OPTIONS, HEAD", r


def test_405_in_json_with_allow(client):
    r = client.request("PATCH", f"{API}/reports/1")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, OPTIONS, HEAD", r


@pytest.mark.parametrize("path,cors", [(f"{API}/categories", True), ("/photos/x.jpg", True),
                                       ("/healthz", False), ("/email/confirm", False),
                                       ("/", False)])
def test_each_door_has_its_cors_policy(client, path, cors):
    r = client.get(path)
    assert ("Access-Control-Allow-Origin" in r.headers) == cors, r
    if cors:
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["X-Content-Type-Options"] == "nosniff", r


def test_preflights(client):
    r = client.request("OPTIONS", f"{API}/reports")
    assert r.status == 204, r
    assert r.headers["Access-Control-Allow-Headers"] == V1_HEADERS, r
    assert r.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS, HEAD", r
    r = client.request("OPTIONS", "/email/confirm")
    assert r.status == 204 and r.headers["Allow"] == "GET, POST, OPTIONS, HEAD", r
    assert "Access-Control-Allow-Origin" not in r.headers, r


def test_each_door_has_its_body_limit(dmrd):
    """/email takes 16 kB (a form's token); the API its DMR_MAX_BODY (1 MiB)."""
    head = ("POST /email/confirm HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 20000\r\nConnection: close\r\n\r\n").encode()
    r = raw_exchange(dmrd.port, head, b"token=" + b"x" * 19994)
    is_page(r, 413)
    head = (f"POST {API}/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 20000\r\nConnection: close\r\n\r\n").encode()
    r = raw_exchange(dmrd.port, head, b" " * 20000)
    assert_error(r, 400, "malformed_json")


def test_a_401_of_the_api_says_how_to_send_a_token(client, dmrd):
    err = assert_error(client.get(f"{API}/queue"), 401, "unauthorized")
    assert "Authorization: Bearer" in err["message"], err
    r = raw_exchange(dmrd.port, b"GET /email/confirm?token=x HTTP/1.1\r\nHost: x\r\n"
                                b"Authorization: Bearer \xff\r\nConnection: close\r\n\r\n")
    assert "Authorization" not in is_page(r, 401)


def test_the_start_points_to_the_docs(client):
    r = client.get("/")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain"), r
    assert b"/api/v1" in r.body and b"docs/api.md" in r.body, r
    r = client.get(API)
    assert r.status == 200 and "docs/api.md" in r.body["docs"], r
    assert all(client.get(path).status == 200 for path in r.body["start"]), r.body


def test_a_request_waiting_for_the_database_holds_no_event_thread(nodes, token):
    """One event thread: a transition waits for a row that a transaction holds locked, and
    meanwhile other requests are answered; the held one is answered once the lock goes."""
    node = nodes(DMR_THREADS="1", DMR_DB_POOL="4")
    c = node.client()
    rep = report_here(c)
    holder = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               "-d", harness.env("DMR_DATABASE")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    held = {}
    try:
        holder.stdin.write(f"BEGIN;\nSELECT 'locked' FROM report WHERE id = {rep['id']}"
                           f" FOR UPDATE;\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "locked"

        def transition():
            held["answer"] = node.client(timeout=60).post(
                f"{API}/reports/{rep['id']}/transitions", {"to": "acknowledged"},
                headers=bearer(token("agent", "Ramen")))

        waiting = threading.Thread(target=transition)
        waiting.start()
        harness.wait_until("the transition waiting for the lock", lambda: harness.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE '%dmr_transition%'") == "1")
        for path in ("/healthz", f"{API}/categories", f"{API}/reports/{rep['id']}"):
            assert node.client(timeout=10).get(path).status == 200, path
        assert waiting.is_alive() and "answer" not in held, "the held request was answered"
        holder.stdin.write("COMMIT;\n")
        holder.stdin.close()
        waiting.join(timeout=30)
        assert held["answer"].status == 200, held
    finally:
        holder.kill()
        holder.wait()
