"""Staff sessions of the web pages: /connexion takes a staff token once and sets the session
cookie, which the API then takes as it takes the token; /deconnexion ends the session; a
write made with the cookie must come from the service's own pages (Origin)."""

import html
import re
import urllib.parse
import uuid

import pytest

import harness
from harness import API, assert_error, psql

# The session dmrd's DMR_PUBLIC_URL is https://dansmarue.test: its own pages' origin.
ORIGIN = harness.PUBLIC_URL
COOKIE = "dmr_session"
FORM = "application/x-www-form-urlencoded"


def new_token(role, *services):
    return harness.new_token(role, *services, name=f"session {role} {uuid.uuid4().hex[:6]}")


def token_id(secret):
    return psql(f"SELECT id FROM api_token WHERE token_hash = dmr_token_hash('{secret}')")


def sign_in(client, token, next_path=None, origin=ORIGIN):
    """POST /connexion as the form of the page does; the raw answer."""
    fields = {"token": token}
    if next_path is not None:
        fields["next"] = next_path
    headers = {"Content-Type": FORM}
    if origin is not None:
        headers["Origin"] = origin
    return client.request("POST", "/connexion", data=urllib.parse.urlencode(fields).encode(),
                          headers=headers)


def set_cookie(r):
    """The session cookie an answer sets: (value, {attribute: value}); the one header."""
    headers = [h for h in r.headers.get_all("Set-Cookie") or [] if h.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, r
    first, *attributes = [part.strip() for part in headers[0].split(";")]
    attrs = {}
    for a in attributes:
        name, _, value = a.partition("=")
        attrs[name.lower()] = value
    return first.split("=", 1)[1], attrs


def page(r):
    """The text of an HTML answer, its character references read."""
    return html.unescape(r.body.decode())


def session_of(client, token):
    """A new session of that token: the cookie's value."""
    r = sign_in(client, token)
    assert r.status == 303, r
    return set_cookie(r)[0]


def cookie(secret, origin=None):
    headers = {"Cookie": f"{COOKIE}={secret}"}
    if origin is not None:
        headers["Origin"] = origin
    return headers


def sessions_of(token):
    return int(psql(f"SELECT count(*) FROM staff_session WHERE token_id = {token_id(token)}"))


def secret_hash(secret):
    return psql(f"SELECT dmr_token_hash('{secret}')")


def acknowledge(client, report_id, headers):
    return client.post(f"{API}/reports/{report_id}/transitions", {"to": "acknowledged"},
                       headers=headers)


def status_and_events(client, report_id):
    r = client.get(f"{API}/reports/{report_id}")
    assert r.status == 200, r
    events = psql(f"SELECT count(*) FROM report_event WHERE report_id = {report_id}")
    return r.body["status"], events


def refused_unchanged(client, report_id, headers):
    """Acknowledging the report with these headers is 403 forbidden and writes nothing."""
    before = status_and_events(client, report_id)
    assert_error(acknowledge(client, report_id, headers), 403, "forbidden")
    assert status_and_events(client, report_id) == before


@pytest.fixture
def agent(cat_a):
    """A new agent token of cat_a's service."""
    return new_token("agent", cat_a["service"])


@pytest.fixture
def report(new_report, spot):
    lat, lon, _ = spot
    return new_report(lat, lon)


# ------------------------------------------------------------------------------ the pages


def test_the_sign_in_page_is_a_form_in_french(client):
    r = client.get("/connexion", params={"next": "/carte?status=open"})
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/html"), r
    assert r.headers["Cache-Control"] == "no-store"
    # Under "no-referrer" a browser posts a form with "Origin: null", which is refused.
    assert r.headers["Referrer-Policy"] == "same-origin", r
    text = page(r)
    assert '<html lang="fr">' in text
    assert '<label for="token">Jeton d\'accès</label>' in text, text
    assert '<input type="password" id="token" name="token"' in text, text
    assert '<form method="post" action="/connexion">' in text
    assert '<input type="hidden" name="next" value="/carte?status=open">' in text


def test_the_sign_in_page_keeps_no_next_that_leaves_the_site(client):
    text = page(client.get("/connexion", params={"next": "https://evil.example/"}))
    assert 'name="next"' not in text and "evil" not in text, text


def test_the_session_pages_answer_errors_as_pages(client):
    r = client.get("/deconnexion")
    assert r.status == 405 and r.headers["Allow"] == "POST, OPTIONS", r
    assert r.headers["Content-Type"] == "text/html; charset=utf-8", r
    r = client.get("/connexion/autre")
    assert r.status == 404 and r.headers["Content-Type"] == "text/html; charset=utf-8", r


def test_signing_in_sets_the_session_cookie_and_goes_on(client, agent):
    r = sign_in(client, agent, next_path="/carte?service=x")
    assert r.status == 303, r
    assert r.headers["Location"] == "/carte?service=x"
    assert r.headers["Cache-Control"] == "no-store"
    value, attrs = set_cookie(r)
    assert re.fullmatch(r"dms_[0-9a-f]{64}", value), value
    # 12 hours by default; Secure since DMR_PUBLIC_URL is https.
    assert attrs == {"path": "/", "max-age": "43200", "httponly": "", "samesite": "Strict",
                     "secure": ""}
    row = psql(f"SELECT token_id, round(extract(epoch FROM expires_at - created_at))"
               f" FROM staff_session WHERE secret_hash = '{secret_hash(value)}'")
    assert row == f"{token_id(agent)}|43200", row


def test_signing_in_goes_to_the_map_by_default(client, agent):
    r = sign_in(client, agent)
    assert r.status == 303 and r.headers["Location"] == "/carte", r


def test_only_the_hash_of_the_secret_is_stored(client, agent):
    value = session_of(client, agent)
    dump = psql(f"SELECT row_to_json(s)::text FROM staff_session s"
                f" WHERE token_id = {token_id(agent)}")
    assert secret_hash(value) in dump and value[4:] not in dump, dump


@pytest.mark.parametrize("next_path", [
    "https://evil.example/", "//evil.example/carte", "/\\evil.example", "/carte\\..\\x",
    "http:/evil.example", "javascript:alert(1)", "carte", "/carte\r\nSet-Cookie: a=b",
    "/carte ", "/" + "a" * 600,
])
def test_next_never_leaves_the_site(client, agent, next_path):
    r = sign_in(client, agent, next_path=next_path)
    assert r.status == 303, r
    assert r.headers["Location"] == "/carte", r
    assert len(r.headers.get_all("Set-Cookie")) == 1, r


def test_an_unknown_token_shows_the_form_again(client, agent):
    before = sessions_of(agent)
    r = sign_in(client, agent + "0")
    assert r.status == 401, r
    text = page(r)
    assert "Ce jeton n'est pas reconnu" in text and 'type="password"' in text, text
    assert "Set-Cookie" not in r.headers
    assert sessions_of(agent) == before


def test_an_empty_or_missing_token_shows_the_form_again(client):
    count = psql("SELECT count(*) FROM staff_session")
    for body in (b"token=", b"next=/carte", b""):
        r = client.request("POST", "/connexion", data=body,
                           headers={"Content-Type": FORM, "Origin": ORIGIN})
        assert r.status == 401, (body, r)
        assert "Ce jeton n'est pas reconnu" in page(r)
    assert psql("SELECT count(*) FROM staff_session") == count


def test_a_token_that_is_not_printable_ascii_shows_the_form_again(client):
    count = psql("SELECT count(*) FROM staff_session")
    r = client.request("POST", "/connexion", data="token=dmr_\u00e9t\u00e9".encode("latin-1"),
                       headers={"Content-Type": FORM, "Origin": ORIGIN})
    assert r.status == 401, r
    assert psql("SELECT count(*) FROM staff_session") == count


def test_a_client_token_opens_no_session(client):
    app = new_token("client")
    r = sign_in(client, app)
    assert r.status == 403, r
    assert "la connexion est réservée aux agents" in page(r)
    assert "Set-Cookie" not in r.headers
    assert sessions_of(app) == 0


def test_a_session_opens_no_other_session(client, agent):
    value = session_of(client, agent)
    before = sessions_of(agent)
    r = sign_in(client, value)
    assert r.status == 401, r
    assert sessions_of(agent) == before


def test_a_revoked_token_opens_no_session(client, agent):
    assert harness.run_dmrctl("token", "revoke", token_id(agent)).returncode == 0
    r = sign_in(client, agent)
    assert r.status == 401, r
    assert sessions_of(agent) == 0


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null",
                                    "http://dansmarue.test", "https://dansmarue.test.evil.example"])
def test_the_sign_in_form_is_taken_from_our_pages_only(client, agent, origin):
    r = sign_in(client, agent, origin=origin)
    assert r.status == 403, r
    assert r.headers["Content-Type"].startswith("text/html"), r
    assert "Set-Cookie" not in r.headers
    assert sessions_of(agent) == 0


# ------------------------------------------------------------------------- the API with it


def test_the_cookie_has_the_token_s_rights(client, agent, report):
    value = session_of(client, agent)
    r = client.get(f"{API}/queue", headers=cookie(value))
    assert r.status == 200, r
    assert r.body == client.get(f"{API}/queue", headers=harness.bearer(agent)).body
    assert_error(client.get(f"{API}/queue"), 401, "unauthorized")
    # The staff's view of the history: who acted is shown to the staff only.
    r = acknowledge(client, report["id"], cookie(value, ORIGIN))
    assert r.status == 200 and r.body["status"] == "acknowledged", r
    events = client.get(f"{API}/reports/{report['id']}/events", headers=cookie(value)).body
    assert events["view"] == "staff", events
    public = client.get(f"{API}/reports/{report['id']}/events").body
    assert public["view"] == "public", public


def test_the_cookie_has_no_more_than_the_token_s_rights(client, cat_a, report):
    other = new_token("agent", "DVD" if cat_a["service"] != "DVD" else "CIELIS")
    refused_unchanged(client, report["id"], cookie(session_of(client, other), ORIGIN))


def test_who_the_caller_is(client, cat_a, agent):
    value = session_of(client, agent)
    r = client.get(f"{API}/session", headers=cookie(value))
    assert r.status == 200, r
    assert r.headers["Cache-Control"] == "private, no-store"
    assert r.body["role"] == "agent" and r.body["services"] == [cat_a["service"]], r
    assert r.body["name"].startswith("session agent "), r
    expires = psql(f"SELECT dmr_utc_text(expires_at) FROM staff_session"
                   f" WHERE secret_hash = '{secret_hash(value)}'")
    assert r.body["session_expires_at"] == expires, r
    r = client.get(f"{API}/session", headers=harness.bearer(agent))
    assert r.status == 200 and r.body["session_expires_at"] is None, r
    assert r.body["role"] == "agent", r


def test_nobody_is_401(client):
    r = client.get(f"{API}/session")
    assert_error(r, 401, "unauthorized")
    assert "Set-Cookie" not in r.headers


def test_signing_out_ends_the_session(client, agent):
    value = session_of(client, agent)
    assert client.get(f"{API}/session", headers=cookie(value)).status == 200
    r = client.request("POST", "/deconnexion", headers=cookie(value, ORIGIN))
    assert r.status == 303 and r.headers["Location"] == "/connexion", r
    cleared, attrs = set_cookie(r)
    assert cleared == "" and attrs["max-age"] == "0", r
    assert psql(f"SELECT ended_at IS NOT NULL FROM staff_session"
                f" WHERE secret_hash = '{secret_hash(value)}'") == "t"
    assert_error(client.get(f"{API}/queue", headers=cookie(value)), 401, "unauthorized")
    # The token itself still works: signing out ends the session, not the token.
    assert client.get(f"{API}/queue", headers=harness.bearer(agent)).status == 200


def test_signing_out_is_taken_from_our_pages_only(client, agent):
    value = session_of(client, agent)
    r = client.request("POST", "/deconnexion", headers=cookie(value, "https://evil.example"))
    assert r.status == 403, r
    assert "Set-Cookie" not in r.headers
    assert client.get(f"{API}/session", headers=cookie(value)).status == 200


def test_signing_out_without_a_session_clears_the_cookie(client):
    r = client.request("POST", "/deconnexion", headers={"Origin": ORIGIN})
    assert r.status == 303 and r.headers["Location"] == "/connexion", r
    assert set_cookie(r)[0] == ""


def test_a_dead_session_s_cookie_is_cleared_by_api_session(client, agent):
    value = session_of(client, agent)
    client.request("POST", "/deconnexion", headers=cookie(value, ORIGIN))
    r = client.get(f"{API}/session", headers=cookie(value))
    assert_error(r, 401, "unauthorized")
    cleared, attrs = set_cookie(r)
    assert cleared == "" and attrs["max-age"] == "0" and "secure" in attrs, r


def test_an_expired_session_is_refused(client, agent):
    value = session_of(client, agent)
    where = f"WHERE secret_hash = '{secret_hash(value)}'"
    psql(f"UPDATE staff_session SET created_at = created_at - interval '13 hours',"
         f" expires_at = expires_at - interval '13 hours' {where}")
    try:
        assert_error(client.get(f"{API}/queue", headers=cookie(value)), 401, "unauthorized")
    finally:
        psql(f"UPDATE staff_session SET created_at = created_at + interval '13 hours',"
             f" expires_at = expires_at + interval '13 hours' {where}")
    assert client.get(f"{API}/queue", headers=cookie(value)).status == 200


def test_revoking_the_token_ends_its_sessions(client, agent):
    first, second = session_of(client, agent), session_of(client, agent)
    for value in (first, second):
        assert client.get(f"{API}/queue", headers=cookie(value)).status == 200
    assert harness.run_dmrctl("token", "revoke", token_id(agent)).returncode == 0
    for value in (first, second):
        assert_error(client.get(f"{API}/queue", headers=cookie(value)), 401, "unauthorized")


def test_an_expired_token_ends_its_sessions(client, agent):
    value = session_of(client, agent)
    tid = token_id(agent)
    psql(f"UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = {tid}")
    assert_error(client.get(f"{API}/queue", headers=cookie(value)), 401, "unauthorized")


def test_the_housekeeping_deletes_sessions_that_ended(client, agent):
    live, ended, expired = (session_of(client, agent) for _ in range(3))
    client.request("POST", "/deconnexion", headers=cookie(ended, ORIGIN))
    psql(f"UPDATE staff_session SET created_at = now() - interval '13 hours',"
         f" expires_at = now() - interval '1 hour' WHERE secret_hash = '{secret_hash(expired)}'")
    p = harness.run_dmrctl("housekeeping")
    assert p.returncode == 0, p.stderr
    assert re.search(r"^deleted [1-9]\d* ended staff sessions$", p.stdout, re.M), p.stdout
    left = psql(f"SELECT string_agg(secret_hash, ',') FROM staff_session"
                f" WHERE token_id = {token_id(agent)}")
    assert left == secret_hash(live), left


def test_the_housekeeping_deletes_the_sessions_of_a_revoked_token(client, agent):
    session_of(client, agent)
    assert harness.run_dmrctl("token", "revoke", token_id(agent)).returncode == 0
    assert harness.run_dmrctl("housekeeping").returncode == 0
    assert sessions_of(agent) == 0


# ------------------------------------------------------------------------------------ CSRF


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://dansmarue.test",
                                    "https://dansmarue.test:8443"])
def test_a_cross_origin_write_with_the_cookie_is_refused(client, agent, report, origin):
    refused_unchanged(client, report["id"], cookie(session_of(client, agent), origin))


def test_a_write_with_the_cookie_and_no_origin_is_refused(client, agent, report):
    refused_unchanged(client, report["id"], cookie(session_of(client, agent)))


def test_a_delete_with_the_cookie_from_elsewhere_is_refused(client, agent, report):
    """Every method but GET, HEAD and OPTIONS is a write."""
    value = session_of(client, agent)
    r = client.request("DELETE", f"{API}/reports/{report['id']}/photos/done",
                       headers=cookie(value, "https://evil.example"))
    assert_error(r, 403, "forbidden")


def test_a_bearer_write_needs_no_origin(client, agent, report):
    r = acknowledge(client, report["id"], harness.bearer(agent))
    assert r.status == 200 and r.body["status"] == "acknowledged", r


def test_a_bearer_token_goes_before_the_cookie(client, agent, report, cat_a):
    """A browser never adds an Authorization header by itself: with one, the cookie is not
    the credential, and no Origin is asked for."""
    stranger = session_of(client, new_token("supervisor"))
    headers = dict(cookie(stranger, "https://evil.example"), **harness.bearer(agent))
    r = acknowledge(client, report["id"], headers)
    assert r.status == 200, r
    r = client.get(f"{API}/session", headers=headers)
    assert r.body["role"] == "agent", r


def test_a_malformed_cookie_is_unknown_and_cleared(client):
    r = client.get(f"{API}/categories", headers={"Cookie": f"{COOKIE}=dms_\u00e9"})
    assert_error(r, 401, "unauthorized")
    cleared, attrs = set_cookie(r)
    assert cleared == "" and attrs["max-age"] == "0", r


def test_reading_with_the_cookie_needs_no_origin(client, agent):
    value = session_of(client, agent)
    assert client.get(f"{API}/queue", headers=cookie(value, "https://evil.example")).status == 200


# ----------------------------------------------------------------- another configuration


def test_without_a_public_url_the_origin_is_the_host_s(nodes, agent, report):
    """Without DMR_PUBLIC_URL the cookie is not Secure, and writes come from http:// and the
    Host the browser asked for; DMR_SESSION_HOURS sets the lifetime."""
    node = nodes(DMR_PUBLIC_URL="", DMR_SESSION_HOURS="2")
    c = node.client()
    own = f"http://127.0.0.1:{node.port}"
    try:
        assert sign_in(c, agent, origin=ORIGIN).status == 403
        r = sign_in(c, agent, origin=own)
        assert r.status == 303, r
        value, attrs = set_cookie(r)
        assert "secure" not in attrs and attrs["max-age"] == "7200", attrs
        assert_error(acknowledge(c, report["id"], cookie(value, f"https://127.0.0.1:{node.port}")),
                     403, "forbidden")
        r = acknowledge(c, report["id"], cookie(value, own))
        assert r.status == 200 and r.body["status"] == "acknowledged", r
    finally:
        c.close()


def test_a_session_never_outlives_its_token(nodes, cat_a):
    node = nodes(DMR_SESSION_HOURS="48")
    token = new_token("agent", cat_a["service"])
    psql(f"UPDATE api_token SET expires_at = now() + interval '3 hours'"
         f" WHERE id = {token_id(token)}")
    c = node.client()
    try:
        r = sign_in(c, token)
        assert r.status == 303, r
        max_age = int(set_cookie(r)[1]["max-age"])
        assert 3 * 3600 - 60 <= max_age <= 3 * 3600, max_age
    finally:
        c.close()


def test_a_public_url_that_is_not_http_is_refused(tmp_path):
    node = harness.Dmrd(tmp_path / "dmrd.log", {"DMR_PUBLIC_URL": "ftp://dansmarue.test"})
    try:
        assert node.proc.wait(timeout=10) == 2
        assert "DMR_PUBLIC_URL must be an http:// or https:// URL" in node.tail()
    finally:
        node.kill()
