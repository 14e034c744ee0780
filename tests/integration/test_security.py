"""The promises of docs/security.md, tried as an attacker would: a replayed Idempotency-Key, the
staff history, followers and their addresses, e-mails to strangers, duplicates across
services, photos of closed reports, the SMTP password, malformed tokens, and a scan of every
answer, as each role, for another party's data. Each test names the finding it closes."""

import json
import re
import time
import uuid

import pytest

import harness
from harness import (API, HOTEL_DE_VILLE, assert_error, bearer, history, move, moved, offset,
                     psql, raw_exchange, report_here)
from sinks import SmtpSink

PHOTO = f"{harness.env('DMR_SHARED')}/testdata/photos/camera/Canon_40D.jpg"
LINK_RE = re.compile(r"(https://dansmarue\.test(/email/(confirm|unsubscribe))\?token=([\w.]+))")


def photo_bytes():
    with open(PHOTO, "rb") as f:
        return f.read()


def secret_key():
    return f"key-{uuid.uuid4()}"


def create(client, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{API}/reports", body, headers=headers)


def body_here(**fields):
    return dict({"category_id": 7001, "lat": HOTEL_DE_VILLE[0], "lon": HOTEL_DE_VILLE[1]},
                **fields)


def put_photo(client, report_id, view, secret):
    return client.request("PUT", f"{API}/reports/{report_id}/photos/{view}", data=photo_bytes(),
                          headers=dict(bearer(secret), **{"Content-Type": "image/jpeg"}))


def delete_photo(client, report_id, view, secret):
    return client.request("DELETE", f"{API}/reports/{report_id}/photos/{view}",
                          headers=bearer(secret))


def follow(client, report_id, **who):
    return client.post(f"{API}/reports/{report_id}/followers", who)


def unfollow(client, report_id, **who):
    return client.request("DELETE", f"{API}/reports/{report_id}/followers", json_body=who)


def followers(client, report_id):
    r = client.get(f"{API}/reports/{report_id}")
    assert r.status == 200, r
    return r.body["followers"]


def unique_address(tag):
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.org"


def links_in(mail):
    """{"confirm" | "unsubscribe": (full URL, path, token)} of the links in an e-mail's body."""
    return {m[2]: (m[0], m[1], m[3]) for m in LINK_RE.findall(mail.body)}


def form_post(client, path, fields, query_token=None):
    body = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
    params = {"token": query_token} if query_token else None
    return client.request("POST", path, params=params, data=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


# ------------------------------------------------------------------------------------------
# Finding 1: replaying an Idempotency-Key took the report over.


def test_a_replay_gives_back_the_same_edit_token_and_invalidates_nothing(client):
    key = secret_key()
    first = create(client, body_here(description=key), key)
    assert first.status == 201, first
    replay = create(client, body_here(description=key), key)
    assert replay.status == 201 and replay.headers.get("Idempotent-Replayed") == "true", replay
    assert replay.body["id"] == first.body["id"]
    assert replay.body["edit_token"] == first.body["edit_token"], \
        "a replay handed out another token"
    assert re.fullmatch(r"[0-9a-f]{64}", first.body["edit_token"]), first.body
    # The reporter's token still holds the report: photos, history, resolution.
    assert put_photo(client, first.body["id"], "far", first.body["edit_token"]).status == 200
    assert history(client, first.body["id"], first.body["edit_token"])["view"] == "reporter"
    assert moved(client, first.body["id"], first.body["edit_token"], to="resolved")


def test_a_token_stands_for_its_key_alone(client):
    """Two reports with two keys have two tokens; a report without a key a random one."""
    a = create(client, body_here(description="a"), secret_key())
    b = create(client, body_here(description="a"), secret_key())
    c, d = create(client, body_here()), create(client, body_here())
    tokens = {r.body["edit_token"] for r in (a, b, c, d)}
    assert len(tokens) == 4, tokens


@pytest.mark.parametrize("key,status", [("k" * 15, 400), ("short-key", 400), ("k" * 16, 201),
                                        ("k" * 200, 201), ("k" * 201, 400)],
                         ids=["15", "9", "16", "200", "201"])
def test_keys_too_short_to_be_secret_are_refused(client, key, status):
    key = key[:-8] + uuid.uuid4().hex[:8] if len(key) >= 16 else key
    before = harness.report_count()
    r = create(client, body_here(), key)
    if status == 400:
        assert_error(r, 400, "invalid_parameter", "Idempotency-Key")
        assert harness.report_count() == before
    else:
        assert r.status == 201, r


def test_bodies_are_compared_by_their_sha256(client):
    key = secret_key()
    first = create(client, body_here(description="sha"), key)
    assert first.status == 201, first
    stored = psql(f"SELECT request_hash FROM idempotency_key WHERE report_id = {first.body['id']}")
    assert re.fullmatch(r"[0-9a-f]{64}", stored), stored
    assert_error(create(client, body_here(description="sha2"), key), 409,
                 "idempotency_key_reused")


def test_a_key_expires_after_24_hours(client):
    key = secret_key()
    first = create(client, body_here(description="expiring"), key)
    psql(f"UPDATE idempotency_key SET created_at = created_at - interval '24 hours 1 minute'"
         f" WHERE report_id = {first.body['id']}")
    again = create(client, body_here(description="expiring"), key)
    assert again.status == 201 and again.headers.get("Idempotent-Replayed") is None, again
    assert again.body["id"] != first.body["id"], "an expired key still replayed"


def test_the_cleanup_job_removes_expired_keys(client, nodes):
    old, fresh = (create(client, body_here(), secret_key()).body["id"] for _ in range(2))
    psql(f"UPDATE idempotency_key SET created_at = now() - interval '25 hours'"
         f" WHERE report_id = {old}")
    nodes(DMR_HOUSEKEEPING_SECONDS="1")

    def keys():
        return psql(f"SELECT string_agg(report_id::text, ',' ORDER BY report_id)"
                    f" FROM idempotency_key WHERE report_id IN ({old}, {fresh})")

    harness.wait_until("the expired key removed", lambda: keys() == str(fresh), timeout=30)


def test_dmrctl_housekeeping_removes_expired_keys(client):
    rid = create(client, body_here(), secret_key()).body["id"]
    psql(f"UPDATE idempotency_key SET created_at = now() - interval '25 hours'"
         f" WHERE report_id = {rid}")
    p = harness.run_dmrctl("housekeeping")
    assert p.returncode == 0, p.stderr
    assert psql(f"SELECT count(*) FROM idempotency_key WHERE report_id = {rid}") == "0"


# ------------------------------------------------------------------------------------------
# Finding 2: any API token saw the staff history of every report.


def test_staff_history_is_for_the_report_s_services(client, token, cat_a, cat_b):
    name = f"Agent Ramen {uuid.uuid4().hex[:6]}"
    ours = harness.new_token("agent", cat_a["service"], name=name)
    note = f"note interne {uuid.uuid4().hex}"
    rep = report_here(client)
    moved(client, rep["id"], ours, to="acknowledged", note=note, message="Vu")

    def seen(secret):
        view = history(client, rep["id"], secret)
        raw = json.dumps(view, ensure_ascii=False)
        return view["view"], note in raw, name in raw

    outsider_services = [cat_b["service"]]
    for role in ("agent", "contractor"):
        for service in outsider_services:
            assert seen(token(role, service)) == ("public", False, False), (role, service)
    assert seen(token("agent", cat_a["service"])) == ("staff", True, True)
    assert seen(token("contractor", cat_a["service"])) == ("staff", True, True)
    assert seen(token("supervisor")) == ("staff", True, True)
    assert seen(token("admin")) == ("staff", True, True)
    assert seen(None) == ("public", False, False)

    # A transfer makes the receiving service staff of the report; the one it left stays so.
    moved(client, rep["id"], token("supervisor"), to="transferred", service=cat_b["service"])
    assert seen(token("agent", cat_b["service"])) == ("staff", True, True)
    assert seen(token("agent", cat_a["service"])) == ("staff", True, True)


def test_the_reporter_sees_its_own_notes_not_the_staff_s(client, token, cat_a):
    rep = report_here(client)
    staff_note = f"interne {uuid.uuid4().hex}"
    moved(client, rep["id"], token("agent", cat_a["service"]), to="acknowledged",
          note=staff_note)
    moved(client, rep["id"], rep["edit_token"], to="resolved", note="enlevé ce matin")
    view = history(client, rep["id"], rep["edit_token"])
    assert view["view"] == "reporter", view
    assert [e["note"] for e in view["events"]] == [None, None, "enlevé ce matin"], view


# ------------------------------------------------------------------------------------------
# Finding 3: followers: the count told whether an address follows; anyone could unfollow.


def test_following_answers_alike_whether_the_address_is_there_or_not(client):
    reporter = unique_address("reporter")
    rep = report_here(client, email=reporter)
    count = followers(client, rep["id"])
    answers = []
    for address in (reporter, unique_address("stranger"), reporter.upper()):
        r = follow(client, rep["id"], email=address)
        answers.append((r.status, r.body))
        assert followers(client, rep["id"]) == count, f"following as {address} moved the count"
    assert answers[0] == answers[1] == answers[2], answers
    assert answers[0][0] == 202, answers
    assert answers[0][1] == {"report_id": rep["id"], "followers": count,
                             "pending": "email_confirmation"}, answers


def test_unfollowing_by_e_mail_alone_is_refused(client):
    reporter = unique_address("reporter")
    rep = report_here(client, email=reporter)
    before = followers(client, rep["id"])
    assert_error(unfollow(client, rep["id"], email=reporter), 403, "forbidden", "email")
    assert followers(client, rep["id"]) == before
    assert psql(f"SELECT count(*) FROM follower WHERE report_id = {rep['id']}"
                f" AND lower(email) = lower('{reporter}')") == "1"


def test_a_device_unfollows_itself(client):
    device = f"phone-{uuid.uuid4().hex}"
    rep = report_here(client)
    r = follow(client, rep["id"], device_id=device)
    assert r.status == 200 and r.body == {"report_id": rep["id"], "followers": 1}, r
    r = unfollow(client, rep["id"], device_id=device)
    assert r.status == 200 and r.body == {"report_id": rep["id"], "followers": 0}, r


def test_every_e_mail_carries_a_one_click_unsubscribe(client, mailer, confirmed, token):
    reporter = confirmed("reporter")
    rep = report_here(client, email=reporter)
    [receipt] = mailer.mails_to(reporter, ["receipt"])["receipt"]
    url, path, tok = links_in(receipt)["unsubscribe"]
    assert receipt.message["List-Unsubscribe"] == f"<{url}>", receipt.message
    assert receipt.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert followers(client, rep["id"]) == 1

    # A mail client's one-click POST (RFC 8058), with the token in the URL.
    r = form_post(client, path, {"List-Unsubscribe": "One-Click"}, query_token=tok)
    assert r.status == 200, r
    assert followers(client, rep["id"]) == 0
    moved(client, rep["id"], token("agent", "Ramen"), to="resolved")
    assert psql(f"SELECT count(*) FROM outbox WHERE report_id = {rep['id']}"
                f" AND channel = 'email' AND kind = 'resolved'") == "0"


def test_unsubscribe_links_are_signed_and_expire(client, mailer, confirmed):
    reporter = confirmed("reporter")
    rep = report_here(client, email=reporter)
    [receipt] = mailer.mails_to(reporter, ["receipt"])["receipt"]
    _, path, tok = links_in(receipt)["unsubscribe"]
    follower_id, expiry, mac = tok.split(".")[1:]
    forged = [f"u.{int(follower_id) + 1}.{expiry}.{mac}",
              f"u.{follower_id}.{int(expiry) + 86400}.{mac}",
              f"u.{follower_id}.{expiry}.{'0' * len(mac)}",
              f"c.{follower_id}.{expiry}.{mac}", "u", "", "u.1.2.3.4"]
    for bad in forged:
        r = form_post(client, path, {"token": bad})
        assert r.status == 404, (bad, r)
        assert r.headers["Content-Type"].startswith("text/html"), r
    assert followers(client, rep["id"]) == 1
    stale = f"u.{follower_id}.{int(time.time()) - 60}."
    assert form_post(client, path, {"token": stale + mac}).status == 404
    expired = psql(f"SELECT dmr_link_token('u', {follower_id}, -1)")
    r = form_post(client, path, {"token": expired})
    assert r.status == 410 and "expiré".encode() in r.body, r
    assert client.get(path).status == 404, "a page without its token"
    page = client.get(path, {"token": tok})
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html"), page
    assert followers(client, rep["id"]) == 1, "a GET (a link checker) unsubscribed"
    assert b'method="post"' in page.body and tok.encode() in page.body, page.body
    assert form_post(client, path, {"token": tok}).status == 200
    assert followers(client, rep["id"]) == 0


# ------------------------------------------------------------------------------------------
# Finding 4: the city's mailer could be pointed at anyone.


def test_an_unconfirmed_address_gets_one_fixed_text_message_a_day(client, mailer):
    stranger = unique_address("stranger")
    typed = f"Achetez ici {uuid.uuid4().hex}"
    first = report_here(client, email=stranger, description=typed, address=typed)
    second = report_here(client, email=stranger, description=typed, address=typed)
    assert first["status"] == second["status"] == "new" and first["service"], \
        "reports are created and routed at once"
    [prompt] = mailer.mails_to(stranger, ["confirm_email"])["confirm_email"]
    assert typed not in prompt.body and typed not in prompt.subject, prompt.body
    assert first["number"] in prompt.body, prompt.body
    assert "unsubscribe" not in links_in(prompt)
    assert mailer.states(stranger) == ["confirm_email:sent", "receipt:held", "receipt:held"]
    follow(client, report_here(client)["id"], email=stranger)
    assert mailer.states(stranger) == ["confirm_email:sent", "receipt:held", "receipt:held"], \
        "a second message within a day"

    # The owner confirms: what was held goes out, and the address is remembered, hashed.
    _, path, tok = links_in(prompt)["confirm"]
    page = client.get(path, {"token": tok})
    assert page.status == 200 and b'method="post"' in page.body, page
    assert mailer.states(stranger)[1:] == ["receipt:held", "receipt:held"], \
        "a GET (a link checker) confirmed"
    assert form_post(client, path, {"token": tok}).status == 200
    receipts = mailer.mails_to(stranger, ["confirm_email", "receipt", "receipt"])["receipt"]
    assert {first["number"], second["number"]} == \
        {n for m in receipts for n in (first["number"], second["number"]) if n in m.subject}
    # The place of a report is the address of its position, never the text its client typed.
    assert all(f"Adresse : {first['address']}\n" in m.body and typed not in m.body
               for m in receipts), receipts
    third = report_here(client, email=stranger)
    last = mailer.mails_to(stranger, ["confirm_email"] + ["receipt"] * 3)["receipt"][-1]
    assert third["number"] in last.subject, last
    stored = psql("SELECT string_agg(email_hash, ',') FROM email_contact")
    assert stranger not in stored and stranger.split("@")[0] not in stored
    assert psql("SELECT string_agg(column_name, ',' ORDER BY column_name)"
                " FROM information_schema.columns WHERE table_name = 'email_contact'") == \
        "confirmed_at,email_hash,id,prompted_at,prompts", "the contacts keep no address"


def test_a_follow_by_e_mail_counts_once_confirmed(client, mailer):
    voisin = unique_address("voisin")
    rep = report_here(client)
    r = follow(client, rep["id"], email=voisin)
    assert r.status == 202 and r.body["followers"] == 0, r
    [prompt] = mailer.mails_to(voisin, ["confirm_follow"])["confirm_follow"]
    assert rep["number"] in prompt.body
    _, path, tok = links_in(prompt)["confirm"]
    assert form_post(client, path, {"token": tok}).status == 200
    assert followers(client, rep["id"]) == 1
    assert form_post(client, path, {"token": tok}).status == 200, "a second click is harmless"
    assert followers(client, rep["id"]) == 1


# ------------------------------------------------------------------------------------------
# Finding 5: a contractor could attach any report to any other.


def test_a_duplicate_s_original_is_near_recent_and_of_its_kind(client, token, cat_a, cat_b,
                                                               spot):
    lat, lon, _ = spot
    contractor = token("contractor", cat_a["service"])
    radius = cat_a["duplicate_radius_m"]

    def report_at(north_m=0.0, category=cat_a):
        r = create(client, {"category_id": category["id"],
                            "lat": offset(lat, lon, north_m=north_m)[0], "lon": lon})
        assert r.status == 201, r
        return r.body

    dup = report_at()
    far = report_at(north_m=radius * 3 + 20)
    assert_error(move(client, dup["id"], contractor, to="rejected", duplicate_of=far["id"]),
                 422, "invalid_field", "duplicate_of")
    other_kind = report_at(north_m=2, category=cat_b)
    moved(client, other_kind["id"], token("supervisor"), to="transferred",
          service=cat_a["service"])
    assert_error(move(client, dup["id"], contractor, to="rejected",
                      duplicate_of=other_kind["id"]), 422, "invalid_field", "duplicate_of")
    old = report_at(north_m=3)
    moved(client, old["id"], contractor, to="resolved")
    psql(f"UPDATE report SET closed_at = closed_at - interval '31 days' WHERE id = {old['id']}")
    assert_error(move(client, dup["id"], contractor, to="rejected", duplicate_of=old["id"]),
                 422, "invalid_field", "duplicate_of")
    recent = report_at(north_m=4)
    moved(client, recent["id"], contractor, to="resolved")
    near = report_at(north_m=radius * 3 - 20)
    assert moved(client, dup["id"], contractor, to="rejected", duplicate_of=near["id"])
    again = report_at(north_m=1)
    assert moved(client, again["id"], contractor, to="rejected", duplicate_of=recent["id"])


def test_a_service_attaches_only_to_a_report_it_can_see(client, token, cat_a, leaves):
    """The original was never with the contractor's service: 403, even though it is near and
    of the same kind."""
    lat, lon = HOTEL_DE_VILLE
    sibling = next((c for c in leaves if c["parent_id"] == cat_a["parent_id"]
                    and c["service"] != cat_a["service"] and not c["agent_only"]), None)
    if sibling is None:
        pytest.skip("no sub-category of the same kind in another service")
    theirs = create(client, {"category_id": sibling["id"], "lat": lat, "lon": lon}).body
    assert theirs["service"]["code"] != cat_a["service"], theirs
    ours = report_here(client)
    contractor = token("contractor", cat_a["service"])
    assert_error(move(client, ours["id"], contractor, to="rejected", duplicate_of=theirs["id"]),
                 403, "forbidden", "duplicate_of")
    assert moved(client, ours["id"], token("supervisor"), to="transferred",
                 service=sibling["service"])
    assert moved(client, theirs["id"], token("agent", sibling["service"]), to="rejected",
                 duplicate_of=ours["id"])


# ------------------------------------------------------------------------------------------
# Finding 6: a reporter could still change the photos of a closed report.


@pytest.mark.parametrize("status", ["resolved", "rejected", "archived"])
def test_photos_of_a_closed_report_are_frozen(client, token, cat_a, status):
    rep = report_here(client)
    agent = token("agent", cat_a["service"])
    assert put_photo(client, rep["id"], "close", rep["edit_token"]).status == 200
    moved(client, rep["id"], agent, **({"to": "rejected", "reason": "not_found"}
                                       if status == "rejected" else {"to": "resolved"}))
    if status == "archived":
        moved(client, rep["id"], token("admin"), to="archived")
    before = client.get(f"{API}/reports/{rep['id']}").body["photos"]
    for view in ("close", "far"):
        assert_error(put_photo(client, rep["id"], view, rep["edit_token"]), 409, "report_closed")
    assert_error(delete_photo(client, rep["id"], "close", rep["edit_token"]), 409,
                 "report_closed")
    assert client.get(f"{API}/reports/{rep['id']}").body["photos"] == before
    assert put_photo(client, rep["id"], "done", agent).status == 200, "the service's photo"


# ------------------------------------------------------------------------------------------
# Finding 7: over smtp:// the relay password crossed in plain text when STARTTLS was stripped.


@pytest.fixture
def service_mailbox(cat_b):
    """cat_b's service hears of its new reports at a fresh address (no confirmation: the
    admins set it) for the test."""
    address = unique_address("service")
    p = harness.run_dmrctl("service", "notify", cat_b["service"], "--email", address)
    assert p.returncode == 0, p.stderr
    yield address
    psql(f"UPDATE outbox SET state = 'dead', last_error = 'its test ended'"
         f" WHERE recipient = '{address}' AND state = 'pending'")
    p = harness.run_dmrctl("service", "notify", cat_b["service"], "--no-email")
    assert p.returncode == 0, p.stderr


def test_credentials_never_cross_without_tls(client, nodes, cat_b, service_mailbox):
    relay = SmtpSink(auth=True).start()
    try:
        node = nodes(DMR_SMTP_URL=relay.url, DMR_SMTP_USER="dmr",
                     DMR_SMTP_PASSWORD="relay-password-of-the-tests")
        rep = report_here(client, category_id=cat_b["id"])
        where = f"report_id = {rep['id']} AND recipient = '{service_mailbox}'"
        harness.wait_until("two attempts over",
                           lambda: psql(f"SELECT count(*) FROM outbox WHERE {where}"
                                        f" AND (attempts >= 2 OR state = 'sent')"
                                        f" AND locked_until IS NULL") == "1", timeout=20)
        assert relay.logins == [] and relay.received == [], "the password crossed in clear"
        assert "TLS" in psql(f"SELECT last_error FROM outbox WHERE {where}")
        assert node.alive()
    finally:
        relay.stop()


def test_plain_smtp_with_credentials_only_when_told_so(client, nodes, cat_b, service_mailbox):
    relay = SmtpSink(auth=True).start()
    try:
        node = nodes(DMR_SMTP_URL=relay.url, DMR_SMTP_USER="dmr",
                     DMR_SMTP_PASSWORD="relay-password-of-the-tests", DMR_SMTP_INSECURE="1")
        harness.wait_until("the warning at start", lambda: "DMR_SMTP_INSECURE" in node.tail())
        rep = report_here(client, category_id=cat_b["id"])
        relay.wait_for(lambda got: any(rep["number"] in m.subject for m in got), timeout=20)
        assert relay.logins[0] == ("dmr", "relay-password-of-the-tests"), relay.logins
    finally:
        relay.stop()


# ------------------------------------------------------------------------------------------
# Finding 8: a token that is not UTF-8 got 400 with PostgreSQL's message.


@pytest.mark.parametrize("path,method", [(f"{API}/reports/1/events", "GET"),
                                         (f"{API}/queue", "GET"),
                                         (f"{API}/reports/1/transitions", "POST"),
                                         (f"{API}/outbox", "GET")])
def test_a_token_that_is_not_utf8_is_unknown(dmrd, path, method):
    body = b'{"to": "resolved"}' if method == "POST" else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n").encode() + \
        b"Authorization: Bearer \xff\xfe\xc3\r\nConnection: close\r\n\r\n"
    r = raw_exchange(dmrd.port, head + body)
    err = assert_error(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate") == "Bearer", r
    assert "UTF8" not in err["message"] and "byte" not in err["message"], err


def test_no_database_message_reaches_a_client(dmrd, client):
    r = raw_exchange(dmrd.port, b"GET /api/v1/reports?service=%FF%FE HTTP/1.1\r\nHost: x\r\n"
                                b"Connection: close\r\n\r\n")
    err = assert_error(r, 400, "invalid_parameter")
    for word in ("UTF8", "encoding", "byte sequence", "syntax"):
        assert word not in err["message"], err


# ------------------------------------------------------------------------------------------
# The authorization matrix, continued (test_lifecycle.py has the transitions): history views,
# followers, and the scope of duplicates.

HISTORY_VIEWS = [("anonymous", "public"), ("reporter", "reporter"), ("agent", "staff"),
                 ("contractor", "staff"), ("agent_other", "public"),
                 ("contractor_other", "public"), ("supervisor", "staff"), ("admin", "staff"),
                 ("other_reporter", 401), ("unknown_token", 401), ("not_utf8", 401)]


@pytest.mark.parametrize("role,view", HISTORY_VIEWS, ids=[r for r, _ in HISTORY_VIEWS])
def test_history_view_matrix(client, dmrd, token, cat_a, cat_b, role, view):
    rep = report_here(client)
    note = f"matrix-{uuid.uuid4().hex}"
    moved(client, rep["id"], token("agent", cat_a["service"]), to="acknowledged", note=note)
    secret = {"anonymous": None, "reporter": rep["edit_token"],
              "agent": token("agent", cat_a["service"]),
              "contractor": token("contractor", cat_a["service"]),
              "agent_other": token("agent", cat_b["service"]),
              "contractor_other": token("contractor", cat_b["service"]),
              "supervisor": token("supervisor"), "admin": token("admin"),
              "other_reporter": report_here(client)["edit_token"],
              "unknown_token": "dmr_" + "0" * 64}.get(role)
    if role == "not_utf8":
        r = raw_exchange(dmrd.port, f"GET {API}/reports/{rep['id']}/events HTTP/1.1\r\n"
                         f"Host: x\r\nConnection: close\r\n".encode() +
                         b"Authorization: Bearer \xe9t\xe9\r\n\r\n")
    else:
        r = client.get(f"{API}/reports/{rep['id']}/events", headers=bearer(secret))
    if view == 401:
        assert_error(r, 401, "unauthorized")
        return
    assert r.status == 200 and r.body["view"] == view, r
    assert (note in r.raw.decode()) == (view == "staff"), r


FOLLOWER_MOVES = [
    ("device_follows", "POST", {"device_id": "D"}, 200),
    ("email_follows_later", "POST", {"email": "E"}, 202),
    ("both", "POST", {"email": "E", "device_id": "D"}, 202),
    ("nobody", "POST", {}, 422),
    ("device_unfollows", "DELETE", {"device_id": "D"}, 200),
    ("email_cannot_unfollow", "DELETE", {"email": "E"}, 403),
    ("email_and_device_cannot", "DELETE", {"email": "E", "device_id": "D"}, 403),
    ("nobody_unfollows", "DELETE", {}, 422),
]


@pytest.mark.parametrize("method,body,status", [m[1:] for m in FOLLOWER_MOVES],
                         ids=[m[0] for m in FOLLOWER_MOVES])
def test_follower_matrix(client, method, body, status):
    """Whoever sends it (no token is needed), with what proof."""
    device, address = f"phone-{uuid.uuid4().hex}", unique_address("matrix")
    rep = report_here(client, email=address, device_id=device)
    body = {k: {"D": device, "E": address}[v] for k, v in body.items()}
    before = psql(f"SELECT count(*) FROM follower WHERE report_id = {rep['id']}")
    r = client.request(method, f"{API}/reports/{rep['id']}/followers", json_body=body)
    assert r.status == status, r
    after = psql(f"SELECT count(*) FROM follower WHERE report_id = {rep['id']}")
    if method == "DELETE" and status == 200:
        assert after == "0", "the reporter's device row went"
    else:
        assert after == before, "nothing changed"


# Who marks a duplicate, and where the original has been: (role, original's story, answer).
DUPLICATE_SCOPE = [
    ("agent", "ours", 200), ("contractor", "ours", 200),
    ("agent", "theirs", 403), ("contractor", "theirs", 403),
    ("agent", "left_us", 200), ("contractor", "came_to_us", 200),
]


@pytest.mark.parametrize("role,story,status", DUPLICATE_SCOPE,
                         ids=[f"{r}-{s}" for r, s, _ in DUPLICATE_SCOPE])
def test_duplicate_scope_matrix(client, token, cat_a, leaves, role, story, status):
    sibling = next((c for c in leaves if c["parent_id"] == cat_a["parent_id"]
                    and c["service"] != cat_a["service"] and not c["agent_only"]), None)
    if sibling is None:
        pytest.skip("no sub-category of the same kind in another service")
    ours, theirs = cat_a["service"], sibling["service"]
    category = cat_a if story in ("ours", "left_us") else sibling
    original = report_here(client, category_id=category["id"])
    if story == "left_us":
        moved(client, original["id"], token("supervisor"), to="transferred", service=theirs)
    if story == "came_to_us":
        moved(client, original["id"], token("supervisor"), to="transferred", service=ours)
    dup = report_here(client)
    r = move(client, dup["id"], token(role, ours), to="rejected", duplicate_of=original["id"])
    if status == 200:
        assert r.status == 200 and r.body["duplicate_of"]["id"] == original["id"], r
    else:
        assert_error(r, status, "forbidden", "duplicate_of")


# ------------------------------------------------------------------------------------------
# Every answer, as each role: nobody else's personal data, no other service's notes.


def test_no_answer_carries_another_party_s_data(client, dmrd, token, cat_a, cat_b):
    tag = uuid.uuid4().hex[:12]
    secrets = [f"scan-reporter-{tag}@leak.example", f"scan-device-{tag}",
               f"scan-follower-{tag}@leak.example", f"scan-phone-{tag}"]
    note, name = f"scan-note-{tag}", f"scan-name-{tag}"
    ramen_agent = harness.new_token("agent", cat_a["service"], name=name)
    rep = report_here(client, email=secrets[0], device_id=secrets[1])
    follow(client, rep["id"], email=secrets[2])
    follow(client, rep["id"], device_id=secrets[3])
    moved(client, rep["id"], ramen_agent, to="acknowledged", note=note, message="Vu")
    other = report_here(client)
    roles = {"anonymous": None, "other_reporter": other["edit_token"],
             "agent_other": token("agent", cat_b["service"]),
             "contractor_other": token("contractor", cat_b["service"]),
             "agent": token("agent", cat_a["service"]), "supervisor": token("supervisor"),
             "admin": token("admin")}
    staff = {"agent", "supervisor", "admin"}
    for role, secret in roles.items():
        headers = bearer(secret)
        answers = [client.get(f"{API}/reports/{rep['id']}", headers=headers),
                   client.get(f"{API}/reports", {"near": f"{HOTEL_DE_VILLE[0]},{HOTEL_DE_VILLE[1]}",
                                                 "radius": 5, "limit": 1000}, headers=headers),
                   client.get(f"{API}/reports/suggestions",
                              {"lat": HOTEL_DE_VILLE[0], "lon": HOTEL_DE_VILLE[1],
                               "category_id": cat_a["id"]}, headers=headers)]
        events = client.get(f"{API}/reports/{rep['id']}/events", headers=headers)
        if role == "other_reporter":
            # Another report's edit token is no token for this one.
            assert_error(events, 401, "unauthorized")
            assert_error(answers.pop(0), 401, "unauthorized")
        else:
            answers.append(events)
        if role in ("agent", "supervisor", "agent_other", "contractor_other"):
            answers.append(client.get(f"{API}/queue", {"limit": 500}, headers=headers))
        for r in answers:
            assert r.status == 200, (role, r)
            raw = r.raw.decode("utf-8")
            for secret_value in secrets:
                assert secret_value not in raw, f"{role} read {secret_value} in {r!r}"
            if role not in staff:
                assert note not in raw and name not in raw, f"{role} read the staff note: {r!r}"
