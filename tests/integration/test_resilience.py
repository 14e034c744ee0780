"""Faults: SIGTERM drains in-flight requests; the database going away and coming back.

The database test is marked `disruptive`: conftest runs it after every other test."""

import http.client
import signal
import socket
import threading
import time

import pytest

from harness import API, Dmrd, assert_error, report_count, run_local


@pytest.fixture
def second_dmrd(tmp_path):
    server = Dmrd(tmp_path / "dmrd-drain.log")
    try:
        server.wait_healthy(timeout=20)
        yield server
    finally:
        server.kill()


def test_sigterm_drains_in_flight_search(second_dmrd):
    """A large search sent when SIGTERM arrives still completes with 200; then exit 0."""
    s = socket.create_connection(("127.0.0.1", second_dmrd.port), timeout=30)
    outcome = {}
    try:
        # One request first, so that the connection is surely accepted and kept alive.
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        warm = http.client.HTTPResponse(s)
        warm.begin()
        warm.read()
        assert warm.status == 200

        def search():
            try:
                s.sendall(b"GET /api/v1/reports?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Accept: application/geo+json\r\nConnection: close\r\n\r\n")
                resp = http.client.HTTPResponse(s)
                resp.begin()
                outcome["status"], outcome["body"] = resp.status, resp.read()
                s.close()
            except Exception as e:  # noqa: BLE001 - reported below
                outcome["status"] = e

        t = threading.Thread(target=search)
        t.start()
        time.sleep(0.02)
        code = second_dmrd.terminate(timeout=10)
        t.join(timeout=30)
    finally:
        s.close()
    assert outcome.get("status") == 200, f"in-flight search: {outcome.get('status')!r}"
    assert b"FeatureCollection" in outcome["body"]
    assert code == 0, f"dmrd exit status after SIGTERM: {code}\n{second_dmrd.tail()}"


def test_sigterm_completes_a_slow_upload(second_dmrd, cat_a, spot):
    """A report whose body is still arriving when SIGTERM comes is completed and stored."""
    lat, lon, _ = spot
    body = (b'{"category_id": %d, "lat": %r, "lon": %r, "description": "slow upload"}'
            % (cat_a["id"], lat, lon))
    half = len(body) // 2
    before = report_count()
    s = socket.create_connection(("127.0.0.1", second_dmrd.port), timeout=30)
    try:
        s.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                  % (len(body), body[:half]))
        time.sleep(0.3)
        second_dmrd.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        s.sendall(body[half:])
        resp = http.client.HTTPResponse(s)
        resp.begin()
        resp.read()
        status = resp.status
    finally:
        s.close()
    code = second_dmrd.terminate(timeout=10)
    assert status == 201, f"the in-flight upload got {status}"
    assert code == 0, f"dmrd exit status after SIGTERM: {code}\n{second_dmrd.tail()}"
    assert report_count() == before + 1


def test_new_connections_refused_after_exit(second_dmrd):
    port = second_dmrd.port
    assert second_dmrd.terminate(timeout=10) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.disruptive
def test_database_restart(client, cat_a, dmrd):
    """Stop PostgreSQL: readiness and writes say 503 database_unavailable while dmrd stays up;
    start it again: dmrd recovers by itself within 15 s."""
    lat, lon = 48.8566, 2.3522
    body = {"category_id": cat_a["id"], "lat": lat, "lon": lon}
    assert client.get("/readyz").status == 200
    stop = run_local("stop")
    assert stop.returncode == 0, f"deploy/local stop: {stop.stdout}\n{stop.stderr}"
    try:
        r = client.get("/readyz")
        assert_error(r, 503, "database_unavailable")
        r = client.post(f"{API}/reports", body)
        assert_error(r, 503, "database_unavailable")
        assert r.headers.get("Retry-After", "").strip().isdigit(), \
            f"Retry-After: {r.headers.get('Retry-After')!r}"
        assert_error(client.get(f"{API}/reports/1"), 503, "database_unavailable")
        assert_error(client.get(f"{API}/route", {"category_id": cat_a["id"], "lat": lat,
                                                 "lon": lon}), 503, "database_unavailable")
        health = client.get("/healthz")
        assert health.status == 200, health
        assert dmrd.alive()
    finally:
        start = run_local("start-db")
    assert start.returncode == 0, f"deploy/local start-db: {start.stdout}\n{start.stderr}"

    deadline = time.monotonic() + 15
    ready = None
    while time.monotonic() < deadline:
        ready = client.get("/readyz")
        if ready.status == 200:
            break
        time.sleep(0.2)
    assert ready.status == 200, f"not ready 15 s after the database came back: {ready!r}"
    before = report_count()
    r = client.post(f"{API}/reports", body)
    assert r.status == 201, r
    assert report_count() == before + 1
    assert dmrd.alive()
