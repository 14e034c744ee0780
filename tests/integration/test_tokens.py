"""API tokens made with `dmrctl token`, and the first right they carry: the service's "after"
photo (view done) of a report routed to one of the token's services."""

import os
import uuid

import pytest

import harness
from harness import API, assert_error

PARIS = (48.8606, 2.3376)


def dmrctl_token(*args):
    return harness.run_dmrctl("token", *args)


def new_token(role, *services, name=None, expires_days=None):
    args = ["create", "--role", role, "--name", name or f"test {role} {uuid.uuid4().hex[:6]}"]
    for code in services:
        args += ["--service", code]
    if expires_days is not None:
        args += ["--expires-days", str(expires_days)]
    p = dmrctl_token(*args)
    assert p.returncode == 0, p.stderr
    secret = p.stdout.strip()
    assert secret.startswith("dmr_") and len(secret) == 68, p.stdout
    return secret


def token_id(secret):
    return harness.psql(f"SELECT id FROM api_token WHERE token_hash = dmr_token_hash('{secret}')")


def jpeg():
    with open(os.path.join(harness.env("DMR_SHARED"), "testdata", "photos", "orientation",
                           "landscape_1.jpg"), "rb") as f:
        return f.read()


@pytest.fixture
def report(client, cat_a):
    r = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": PARIS[0],
                                       "lon": PARIS[1]})
    assert r.status == 201, r
    return r.body


def put_done(client, report, secret):
    headers = {"Content-Type": "image/jpeg"}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.request("PUT", f"{API}/reports/{report['id']}/photos/done", data=jpeg(),
                          headers=headers)


def test_agent_of_the_service_adds_and_removes_the_done_photo(client, report):
    secret = new_token("agent", report["service"]["code"])
    r = put_done(client, report, secret)
    assert r.status == 200, r
    assert set(r.body["photos"]) == {"done"}
    assert client.get(r.body["photos"]["done"]["url"]).status == 200
    r = client.request("DELETE", f"{API}/reports/{report['id']}/photos/done",
                       headers={"Authorization": f"Bearer {secret}"})
    assert r.status == 200 and r.body["photos"] == {}, r


def test_contractor_of_the_service_too(client, report):
    assert put_done(client, report, new_token("contractor", report["service"]["code"])).status \
        == 200


@pytest.mark.parametrize("role,services", [("agent", ["DVD"]), ("contractor", ["CIELIS"]),
                                           ("supervisor", []), ("admin", [])])
def test_others_are_forbidden(client, report, role, services):
    assert report["service"]["code"] not in services
    assert_error(put_done(client, report, new_token(role, *services)), 403, "forbidden")


def test_the_reporter_takes_close_and_far_but_not_done(client, report):
    assert_error(put_done(client, report, report["edit_token"]), 403, "forbidden")


def test_unknown_revoked_and_expired_tokens_are_401(client, report):
    code = report["service"]["code"]
    r = put_done(client, report, "dmr_" + "0" * 64)
    assert_error(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate") == "Bearer"
    assert_error(put_done(client, report, None), 401, "unauthorized")
    revoked = new_token("agent", code)
    p = dmrctl_token("revoke", token_id(revoked))
    assert p.returncode == 0, p.stderr
    assert_error(put_done(client, report, revoked), 401, "unauthorized")
    expired = new_token("agent", code, expires_days=1)
    harness.psql(f"UPDATE api_token SET expires_at = now() - interval '1 second'"
                 f" WHERE id = {token_id(expired)}")
    assert_error(put_done(client, report, expired), 401, "unauthorized")


def test_token_of_an_unknown_report(client):
    secret = new_token("agent", "Ramen")
    r = client.request("PUT", f"{API}/reports/999999999/photos/done", data=jpeg(),
                       headers={"Authorization": f"Bearer {secret}",
                                "Content-Type": "image/jpeg"})
    assert_error(r, 404, "not_found")


def test_only_the_hash_is_stored_and_list_never_shows_secrets():
    secret = new_token("agent", "Ramen", "DVD", name="Équipe de test")
    assert harness.psql(f"SELECT count(*) FROM api_token WHERE token_hash = '{secret}'") == "0"
    p = dmrctl_token("list")
    assert p.returncode == 0, p.stderr
    assert secret not in p.stdout and secret[4:] not in p.stdout
    line = next(l for l in p.stdout.splitlines() if l.endswith("Équipe de test"))
    assert "agent" in line and "DVD,Ramen" in line and "active" in line


@pytest.mark.parametrize("args,status", [
    (["create", "--role", "agent", "--name", "no service"], 2),
    (["create", "--role", "supervisor", "--name", "scoped", "--service", "DVD"], 2),
    (["create", "--role", "king", "--name", "unknown role"], 2),
    (["create", "--role", "agent", "--name", "bad service", "--service", "NO-SUCH"], 1),
    (["create", "--role", "agent", "--name", "bad expiry", "--service", "DVD",
      "--expires-days", "0"], 2),
    (["create", "--name", "no role"], 2),
    (["revoke", "999999"], 1),
    (["revoke", "abc"], 2),
    (["burn"], 2),
])
def test_bad_token_commands_change_nothing(args, status):
    before = harness.psql("SELECT count(*) FROM api_token")
    p = dmrctl_token(*args)
    assert p.returncode == status, (p.returncode, p.stdout, p.stderr)
    assert p.stdout == "" or args[0] == "revoke", p.stdout
    assert harness.psql("SELECT count(*) FROM api_token") == before
