"""Notifications (docs/notifications.md): who gets which message with which text, over a real
SMTP sink and a real HTTP sink; delivery through a relay or an endpoint that is down, a node
killed with SIGKILL and two nodes on one database; the webhook signature; the admin view of
the outbox and /metrics.

The session dmrd has no DMR_SMTP_URL and no DMR_PUSH_URL: e-mails and push messages wait in the
outbox until a dmrd started here delivers them. It does deliver webhooks, so a webhook may come
from it as well as from the nodes of a test."""

import collections
import datetime
import email.utils
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import time
import uuid
import zoneinfo

import pytest

import harness
from harness import (API, assert_error, bearer, follow_confirmed, metric, moved, psql,
                     report_here, run_dmrctl, wait_until)
from sinks import SmtpSink

RAMEN = "Ramen"
PUSH_SECRET = "push-gateway-secret-of-the-tests"
PHOTO = os.path.join(harness.env("DMR_SHARED"), "testdata", "photos", "camera", "Canon_40D.jpg")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def verify(secret, header, body):
    """The receiver's check, as docs/notifications.md gives it."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    mac = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), fields["v1"])


def unique_address(tag):
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.org"


def unique_device(tag):
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def paris_day(days=0):
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date() + \
        datetime.timedelta(days=days)


def link(report_id):
    return f"{harness.PUBLIC_URL}/api/v1/reports/{report_id}"


def outbox(condition):
    """The outbox rows matching an SQL condition, oldest first."""
    return json.loads(psql(f"SELECT coalesce(json_agg(o ORDER BY o.id), '[]') FROM outbox o"
                           f" WHERE {condition}"))


def sql_list(values):
    return ", ".join(f"'{v}'" for v in values)


def rows_settled(condition, state="sent", count=None, timeout=10.0):
    """The rows matching condition once they are all in `state` (and `count` of them)."""
    def settled():
        rows = outbox(condition)
        if rows and all(r["state"] == state for r in rows) and count in (None, len(rows)):
            return rows
        return None
    return wait_until(f"outbox rows where {condition} all {state}", settled, timeout)


def mail_id(mail):
    found = UUID_RE.search(mail.message_id)
    return found.group(0) if found else None


def inbox(relay, expected, timeout=10.0):
    """expected: {address: [kind, ...]}, each address's e-mails in the order of the events.
    Asserts that the outbox holds exactly those e-mails for those addresses, that each reached
    the relay once, for that address alone, and that no e-mail carries another address of
    `expected`. Returns {address: [Mail, ...]}."""
    rows = outbox(f"channel = 'email' AND recipient IN ({sql_list(expected)})")
    assert {a: [r["kind"] for r in rows if r["recipient"] == a] for a in expected} == expected
    ids = [r["message_id"] for r in rows]
    relay.wait_for(lambda mails: set(ids) <= {mail_id(m) for m in mails}, timeout)
    copies = collections.Counter(mail_id(m) for m in relay.received)
    assert all(copies[i] == 1 for i in ids), f"e-mails delivered more than once: {copies}"
    mails = {mail_id(m): m for m in relay.received}
    for row in rows:
        mail = mails[row["message_id"]]
        assert mail.rcpt == [row["recipient"]], mail.rcpt
        assert email.utils.getaddresses([str(mail.message["To"])]) == [("", row["recipient"])]
        assert row["message_id"] in mail.message_id, (row, mail.message_id)
        head = mail.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        for other in set(expected) - {row["recipient"]}:
            assert other not in head + mail.subject + mail.body, \
                f"the {row['kind']} e-mail to {row['recipient']} carries {other}"
        assert (mail.message.get_content_type(), mail.message.get_content_charset()) == \
            ("text/plain", "utf-8"), head
        assert mail.message["Content-Transfer-Encoding"] == "quoted-printable", head
        lines = mail.raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
        assert all(len(line) <= 76 for line in lines), "a quoted-printable line over 76"
        assert mail.message["Auto-Submitted"] == "auto-generated", head
    return {a: [mails[r["message_id"]] for r in rows if r["recipient"] == a] for a in expected}


def follow(client, report_id, **who):
    r = client.post(f"{API}/reports/{report_id}/followers", who)
    assert r.status == 200, r


def put_photo(client, report_id, view, secret):
    with open(PHOTO, "rb") as f:
        r = client.request("PUT", f"{API}/reports/{report_id}/photos/{view}", data=f.read(),
                           headers=dict(bearer(secret), **{"Content-Type": "image/jpeg"}))
    assert r.status == 200, r
    return r.body


def set_aside(recipient):
    """Marks dead the messages to `recipient` that still wait, until no node holds one: once
    its webhook is removed, no dmrd may claim a message to it (a dmrd that does crashes, see
    test_a_webhook_removed_while_its_message_waits)."""
    def idle():
        psql(f"UPDATE outbox SET state = 'dead', last_error = 'its test ended'"
             f" WHERE recipient = '{recipient}' AND state = 'pending'")
        return not outbox(f"recipient = '{recipient}'"
                          f" AND (state = 'pending' OR locked_until > now())")
    wait_until(f"no message to {recipient} held", idle, timeout=15)


@pytest.fixture(scope="module", autouse=True)
def backlog_set_aside():
    """The e-mails and push messages that other tests left pending would go to the sinks of
    this file: they are marked dead (and say why) before its first test."""
    psql("UPDATE outbox SET state = 'dead', last_error = 'set aside by test_notify.py'"
         " WHERE state = 'pending' AND channel IN ('email', 'push')")


@pytest.fixture
def session_paused(dmrd):
    """The session dmrd stopped (SIGSTOP) during the test, so that only the nodes of the test
    deliver webhooks (with their own retry delays); it goes on (SIGCONT) afterwards. The test
    talks to its nodes, not to `client`."""
    dmrd.proc.send_signal(signal.SIGSTOP)
    yield
    dmrd.proc.send_signal(signal.SIGCONT)


@pytest.fixture
def node(nodes, relay, gateway):
    """A dmrd delivering e-mails to `relay` and push messages to `gateway`."""
    return nodes(DMR_SMTP_URL=relay.url, DMR_PUSH_URL=gateway.url("/push"),
                 DMR_PUSH_SECRET=PUSH_SECRET)


@pytest.fixture
def ramen(gateway):
    """Ramen hears of its reports at a fresh e-mail address and by webhook at the gateway;
    returns (address, webhook secret). Both are removed after the test."""
    address, url = unique_address("ramen"), gateway.url("/ramen")
    p = run_dmrctl("service", "notify", RAMEN, "--email", address, "--webhook", url,
                   "--new-secret")
    assert p.returncode == 0, p.stderr
    secret = p.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret), p.stdout
    yield address, secret
    set_aside(url)
    p = run_dmrctl("service", "notify", RAMEN, "--no-email", "--no-webhook")
    assert p.returncode == 0, p.stderr


# ---------------------------------------------------------------------- who gets what


def test_receipt_and_service_new(client, node, relay, gateway, ramen, cat_a, confirmed):
    service_address, _ = ramen
    reporter = confirmed("reporter")
    rep = report_here(client, email=reporter, address="12 rue de l'Hôtel-de-Ville")
    place = rep["address"]
    assert place, rep
    got = inbox(relay, {reporter: ["receipt"], service_address: ["service_new"]})

    receipt = got[reporter][0]
    assert receipt.subject == f"Signalement {rep['number']} bien reçu", receipt.raw
    assert f"sous le numéro {rep['number']}." in receipt.body, receipt.body
    assert f"Type : {cat_a['label']}\n" in receipt.body, receipt.body
    assert f"Adresse : {place}\n" in receipt.body, receipt.body
    assert f"Pour le suivre : {link(rep['id'])}\n" in receipt.body, receipt.body
    assert receipt.mail_from == "noreply@localhost"
    raw_subject = re.search(rb"^Subject: (.*(\r\n[ \t].*)*)", receipt.raw, re.M).group(1)
    assert raw_subject.startswith(b"=?UTF-8?B?") and b"\xc3" not in raw_subject, raw_subject
    assert b"=C3=A9" in receipt.raw and "é".encode() not in receipt.raw, \
        "the body is not quoted-printable"

    new = got[service_address][0]
    assert new.subject == \
        f"[Dans ma rue] Nouveau signalement {rep['number']} : {cat_a['label']}", new.raw
    for line in (f"Numéro : {rep['number']}", f"Type : {cat_a['label']}",
                 f"Adresse : {place}", "Statut : Nouveau",
                 f"Fiche : {link(rep['id'])}"):
        assert line + "\n" in new.body, (line, new.body)
    hooks = gateway.wait_for(lambda got: any(h.taken and h.json["event"]["report_id"] == rep["id"]
                                             for h in got))
    assert [h.json["kind"] for h in hooks if h.json["event"]["report_id"] == rep["id"]] == \
        ["service_new"]


def test_reporter_hears_of_each_move(client, node, relay, token, cat_a, confirmed):
    reporter, follower = confirmed("reporter"), unique_address("follower")
    agent = token("agent", RAMEN)
    rep = report_here(client, email=reporter, address="3 quai de Gesvres")
    follow_confirmed(client, rep["id"], follower)
    moved(client, rep["id"], agent, to="acknowledged", message="Nous passerons cette semaine.")
    day = paris_day(3)
    moved(client, rep["id"], agent, to="scheduled", scheduled_for=day.isoformat())
    done_url = put_photo(client, rep["id"], "done", agent)["photos"]["done"]["url"]
    moved(client, rep["id"], agent, to="resolved", message="Les encombrants ont été enlevés.")
    got = inbox(relay, {reporter: ["receipt", "acknowledged", "scheduled", "resolved"],
                        follower: ["follower_resolved"]})
    number, photo_link = rep["number"], harness.PUBLIC_URL + done_url

    _, acknowledged, scheduled, resolved = got[reporter]
    assert acknowledged.subject == f"Signalement {number} pris en compte"
    assert "Nous passerons cette semaine.\n" in acknowledged.body, acknowledged.body
    assert f"Pour le suivre : {link(rep['id'])}\n" in acknowledged.body, acknowledged.body

    date = day.strftime("%d/%m/%Y")
    assert scheduled.subject == f"Signalement {number} : intervention programmée le {date}"
    assert f"Une intervention est programmée le {date} pour votre signalement {number}" \
        in scheduled.body, scheduled.body

    assert resolved.subject == f"Signalement {number} traité"
    assert "Message du service : Les encombrants ont été enlevés.\n" in resolved.body
    assert f"Photo après intervention : {photo_link}\n" in resolved.body, resolved.body
    assert client.get(done_url).status == 200

    told = got[follower][0]
    assert told.subject == f"Le signalement {number} que vous suivez a été traité"
    assert f"Photo après intervention : {photo_link}\n" in told.body, told.body
    assert "Message du service : Les encombrants ont été enlevés.\n" in told.body


def test_rejections_and_a_bare_resolution(client, node, relay, token, confirmed):
    reasons = {x["code"]: x["label"] for x in client.get(f"{API}/reject-reasons").body["reasons"]}
    agent = token("agent", RAMEN)
    listed, free, bare = (confirmed(t) for t in ("listed", "free", "bare"))
    follower = unique_address("follower")
    a = report_here(client, email=listed)
    follow_confirmed(client, a["id"], follower)
    moved(client, a["id"], agent, to="rejected", reason="private_property")
    b = report_here(client, email=free)
    text = "Le dépôt a été enlevé par son propriétaire"
    moved(client, b["id"], agent, to="rejected", reason=text)
    c = report_here(client, email=bare)
    moved(client, c["id"], agent, to="resolved")
    got = inbox(relay, {listed: ["receipt", "rejected"], follower: ["follower_rejected"],
                        free: ["receipt", "rejected"], bare: ["receipt", "resolved"]})

    rejected = got[listed][1]
    assert rejected.subject == f"Signalement {a['number']} clos sans intervention"
    assert f"Motif : {reasons['private_property']}\n" in rejected.body, rejected.body
    assert "Message du service" not in rejected.body, rejected.body
    told = got[follower][0]
    assert told.subject == f"Le signalement {a['number']} que vous suivez a été clos"
    assert f"Motif : {reasons['private_property']}\n" in told.body, told.body
    assert f"Motif : {text}\n" in got[free][1].body, got[free][1].body

    resolved = got[bare][1]
    assert resolved.subject == f"Signalement {c['number']} traité"
    assert "Photo après intervention" not in resolved.body, resolved.body
    assert "Message du service" not in resolved.body, resolved.body
    assert f"Pour le consulter : {link(c['id'])}\n" in resolved.body, resolved.body


def test_the_reporter_s_own_resolution_tells_only_the_followers(client, node, relay,
                                                                confirmed):
    reporter, follower = confirmed("reporter"), unique_address("follower")
    rep = report_here(client, email=reporter)
    follow_confirmed(client, rep["id"], follower)
    moved(client, rep["id"], rep["edit_token"], to="resolved")
    got = inbox(relay, {reporter: ["receipt"], follower: ["follower_resolved"]})
    assert got[follower][0].subject == \
        f"Le signalement {rep['number']} que vous suivez a été traité"


def test_a_transfer_tells_the_receiving_service(client, node, relay, gateway, ramen, token,
                                                cat_b, confirmed):
    service_address, _ = ramen
    reporter = confirmed("reporter")
    rep = report_here(client, category_id=cat_b["id"], email=reporter)
    assert rep["service"]["code"] != RAMEN, rep
    moved(client, rep["id"], token("supervisor"), to="transferred", service=RAMEN)
    moved(client, rep["id"], token("contractor", RAMEN), to="acknowledged")
    got = inbox(relay, {reporter: ["receipt", "acknowledged"],
                        service_address: ["service_transferred"]})
    mail = got[service_address][0]
    assert mail.subject == (f"[Dans ma rue] Signalement {rep['number']} transféré à votre"
                            f" service : {cat_b['label']}"), mail.raw
    assert "Statut : Transféré à un tiers\n" in mail.body, mail.body
    hooks = gateway.wait_for(lambda got: any(h.json["event"]["report_id"] == rep["id"] and
                                             h.taken for h in got))
    assert [h.json["kind"] for h in hooks if h.json["event"]["report_id"] == rep["id"]] == \
        ["service_transferred"]


def test_a_value_never_changes_the_structure(client, node, relay, token, confirmed):
    reporter = confirmed("reporter")
    message = ("1 rue X\r\n.\r\nRCPT TO:<intruder@hostile.invalid>\r\nDATA\r\nSubject: autre\r\n"
               "\r\n" + "é" * 80 + " ")
    rep = report_here(client, email=reporter)
    moved(client, rep["id"], token("agent", RAMEN), to="acknowledged", message=message)
    _, acknowledged = inbox(relay, {reporter: ["receipt", "acknowledged"]})[reporter]
    assert acknowledged.subject == f"Signalement {rep['number']} pris en compte", \
        acknowledged.raw
    assert message.replace("\r", "") in acknowledged.body.replace("\r", ""), acknowledged.body
    assert all(m.rcpt != ["intruder@hostile.invalid"] for m in relay.received), relay.received


def test_dmrctl_shows_a_webhook_secret_once():
    def notify(*options):
        p = run_dmrctl("service", "notify", RAMEN, *options)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()

    def stored():
        return psql(f"SELECT coalesce(webhook_secret, '-') FROM service WHERE code = '{RAMEN}'")

    try:
        first = notify("--webhook", "http://127.0.0.1:9/first")
        assert re.fullmatch(r"[0-9a-f]{64}", first) and stored() == first
        assert notify("--webhook", "http://127.0.0.1:9/second") == "" and stored() == first
        renewed = notify("--new-secret")
        assert re.fullmatch(r"[0-9a-f]{64}", renewed) and renewed != first
        assert stored() == renewed
        assert notify("--no-webhook") == "" and stored() == "-"
    finally:
        notify("--no-webhook")
    p = run_dmrctl("service", "notify", "NO-SUCH-SERVICE", "--no-webhook")
    assert p.returncode != 0 and "NO-SUCH-SERVICE" in p.stderr, p.stderr


# ------------------------------------------------------------------------- push, webhooks


def test_push_messages(client, node, gateway, token):
    reporter, follower = unique_device("phone"), unique_device("phone")
    rep = report_here(client, device_id=reporter)
    follow(client, rep["id"], device_id=follower)
    agent = token("agent", RAMEN)
    moved(client, rep["id"], agent, to="acknowledged")
    moved(client, rep["id"], agent, to="resolved", message="C'est fait.")
    rows = rows_settled(f"report_id = {rep['id']} AND channel = 'push'", count=4)
    assert {d: [r["kind"] for r in rows if r["recipient"] == d] for d in (reporter, follower)} == \
        {reporter: ["receipt", "acknowledged", "resolved"], follower: ["follower_resolved"]}
    hooks = gateway.wait_for(lambda got: {r["message_id"] for r in rows} <=
                             {h.id for h in got if h.ended})
    number = rep["number"]
    titles = {"receipt": f"Signalement {number} bien reçu",
              "acknowledged": f"Signalement {number} pris en compte",
              "resolved": f"Signalement {number} traité",
              "follower_resolved": f"Le signalement {number} que vous suivez a été traité"}
    for row in rows:
        [hook] = [h for h in hooks if h.id == row["message_id"]]
        assert hook.path == "/push" and hook.headers["Content-Type"] == "application/json"
        assert verify(PUSH_SECRET, hook.headers["X-Dansmarue-Signature"], hook.raw), hook.headers
        body = hook.json
        assert set(body) == {"id", "kind", "device_id", "title", "body", "event"}, body
        assert (body["id"], body["kind"], body["device_id"], body["title"]) == \
            (row["message_id"], row["kind"], row["recipient"], titles[row["kind"]]), body
        assert rep["number"] in body["body"] and link(rep["id"]) in body["body"], body
        assert body["event"]["number"] == rep["number"], body
        other = follower if row["recipient"] == reporter else reporter
        assert other.encode() not in hook.raw, f"{row['kind']} to {row['recipient']} names {other}"
    assert "Message du service : C'est fait.\n" in \
        next(h.json["body"] for h in hooks if h.json["kind"] == "resolved")


def test_webhook_body_and_signature(client, node, gateway, ramen, token, cat_b):
    _, secret = ramen
    rep = report_here(client, category_id=cat_b["id"], description="Un canapé")
    put_photo(client, rep["id"], "close", rep["edit_token"])
    moved(client, rep["id"], token("supervisor"), to="transferred", service=RAMEN)
    [row] = rows_settled(f"report_id = {rep['id']} AND channel = 'webhook'")
    hooks = gateway.wait_for(lambda got: any(h.id == row["message_id"] for h in got))
    [hook] = [h for h in hooks if h.id == row["message_id"]]
    assert hook.path == "/ramen" and hook.headers["Content-Type"] == "application/json"

    body = hook.json
    assert set(body) == {"id", "kind", "event", "report"}, body
    assert (body["id"], body["kind"]) == (row["message_id"], "service_transferred"), body
    public = client.get(f"{API}/reports/{rep['id']}").body
    assert body["report"] == public, body["report"]
    assert set(public["photos"]) == {"close"}, public
    assert body["event"] == {
        "report_id": rep["id"], "number": rep["number"], "category": cat_b["label"],
        "address": public["address"], "arrondissement": public["arrondissement"],
        "quartier": public["quartier"]["name"], "park": public["park"],
        "status": "Transféré à un tiers", "date": None,
        "reason": None, "message": None, "done_photo": None, "link": link(rep["id"]),
        "photo_link": None}, body["event"]

    header = hook.headers["X-Dansmarue-Signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header), header
    assert abs(int(header[2:header.index(",")]) - time.time()) < 60, header
    assert verify(secret, header, hook.raw)
    assert not verify(secret[::-1], header, hook.raw)
    assert not verify(secret, header, hook.raw.replace(b"Transf", b"transf"))
    stamp = int(header[2:header.index(",")])
    assert not verify(secret, header.replace(f"t={stamp}", f"t={stamp + 1}"), hook.raw)


# ------------------------------------------------------------------- admins, monitoring


def test_without_a_relay_e_mails_wait_in_the_outbox(client, token, confirmed):
    """The session dmrd has no DMR_SMTP_URL (and the nodes of this file are stopped)."""
    admin = token("admin")
    address = confirmed("waiting")
    rep = report_here(client, email=address)
    r = client.get(f"{API}/outbox", {"state": "pending"}, headers=bearer(admin))
    assert r.status == 200, r
    assert r.headers["Cache-Control"] == "private, no-store", r
    assert address not in r.raw.decode(), "the admin list shows a full address"
    [mine] = [m for m in r.body["messages"] if m["report_id"] == rep["id"]]
    assert set(mine) == {"id", "message_id", "report_id", "kind", "channel", "recipient",
                         "state", "attempts", "next_attempt_at", "last_error", "created_at",
                         "sent_at"}, mine
    assert (mine["kind"], mine["channel"], mine["recipient"], mine["state"], mine["attempts"],
            mine["sent_at"]) == ("receipt", "email", "w***@example.org", "pending", 0, None)
    assert [m["id"] for m in r.body["messages"]] == \
        sorted((m["id"] for m in r.body["messages"]), reverse=True)

    page = client.get(f"{API}/outbox", {"limit": 1}, headers=bearer(admin)).body["messages"]
    assert len(page) == 1 and page[0]["id"] >= mine["id"], page
    older = client.get(f"{API}/outbox", {"before": mine["id"], "state": "pending"},
                       headers=bearer(admin)).body["messages"]
    assert all(m["id"] < mine["id"] and m["state"] == "pending" for m in older), older

    metrics = client.get("/metrics")
    assert metrics.status == 200, metrics
    assert metrics.headers["Content-Type"].startswith("text/plain"), metrics
    text = metrics.body.decode()
    assert metric(text, "dmr_outbox_messages", state="pending", channel="email") >= 1
    assert metric(text, "dmr_outbox_oldest_seconds", state="pending", channel="email") >= 0
    for state in ("pending", "sent", "dead", "held"):
        for channel in ("email", "webhook", "push"):
            metric(text, "dmr_outbox_messages", state=state, channel=channel)
    assert address not in text and "@" not in text
    assert outbox(f"id = {mine['id']}")[0]["state"] == "pending"


def test_outbox_admin_errors(client, token):
    admin, agent = token("admin"), token("agent", RAMEN)
    assert_error(client.get(f"{API}/outbox"), 401, "unauthorized")
    assert_error(client.get(f"{API}/outbox", headers=bearer(agent)), 403, "forbidden")
    assert_error(client.get(f"{API}/outbox", {"state": "lost"}, headers=bearer(admin)), 400,
                 "invalid_parameter", "state")
    for limit in ("0", "501", "ten"):
        assert_error(client.get(f"{API}/outbox", {"limit": limit}, headers=bearer(admin)), 400,
                     "invalid_parameter", "limit")
    assert_error(client.get(f"{API}/outbox", {"before": "-1"}, headers=bearer(admin)), 400,
                 "invalid_parameter", "before")
    assert_error(client.post(f"{API}/outbox/1/retry"), 401, "unauthorized")
    assert_error(client.post(f"{API}/outbox/1/retry", headers=bearer(agent)), 403, "forbidden")
    for unknown in ("999999999999", "abc"):
        assert_error(client.post(f"{API}/outbox/{unknown}/retry", headers=bearer(admin)), 404,
                     "not_found")


def test_dead_after_the_last_attempt_then_retried(client, nodes, token, confirmed):
    admin = token("admin")
    relay = SmtpSink()
    address = confirmed("dead")
    nodes(DMR_SMTP_URL=relay.url, DMR_NOTIFY_MAX_ATTEMPTS="3")
    rep = report_here(client, email=address)
    [row] = rows_settled(f"report_id = {rep['id']} AND channel = 'email'", state="dead")
    assert row["attempts"] == 3 and row["last_error"], row

    listed = client.get(f"{API}/outbox", {"state": "dead"}, headers=bearer(admin)).body
    [mine] = [m for m in listed["messages"] if m["id"] == row["id"]]
    assert (mine["state"], mine["attempts"], mine["last_error"], mine["recipient"]) == \
        ("dead", 3, row["last_error"], "d***@example.org"), mine
    text = client.get("/metrics").body.decode()
    assert metric(text, "dmr_outbox_messages", state="dead", channel="email") >= 1

    relay.start()
    try:
        r = client.post(f"{API}/outbox/{row['id']}/retry", headers=bearer(admin))
        assert r.status == 200 and r.body == {"id": row["id"], "state": "pending"}, r
        inbox(relay, {address: ["receipt"]}, timeout=3)
        [row] = outbox(f"id = {row['id']}")
        assert (row["state"], row["attempts"]) == ("sent", 1), row
        assert_error(client.post(f"{API}/outbox/{row['id']}/retry", headers=bearer(admin)), 409,
                     "already_sent")
    finally:
        relay.stop()


# ---------------------------------------------------------------------------- failures


def test_relay_down_then_back(client, nodes, confirmed):
    relay = SmtpSink()
    addresses = [confirmed("down") for _ in range(3)]
    nodes(DMR_SMTP_URL=relay.url)
    reports = [report_here(client, email=a)["id"] for a in addresses]
    where = f"channel = 'email' AND report_id IN ({sql_list(reports)})"
    wait_until("two failed attempts each",
               lambda: all(r["attempts"] >= 2 and r["state"] == "pending" and r["last_error"]
                           for r in outbox(where)))
    back = SmtpSink(port=relay.port).start()
    try:
        inbox(back, {a: ["receipt"] for a in addresses})
        rows_settled(where, count=3)
    finally:
        back.stop()


def test_endpoint_failing_then_healthy(session_paused, nodes, relay, gateway, ramen):
    """The endpoint answers 500 (after 0.1 s): the message is tried again after the retry delay
    (200 ms doubled, at most 1 s, times 0.5 to 1), then taken once when it answers 200."""
    gateway.status, gateway.delay = 500, 0.1
    node = nodes(DMR_SMTP_URL=relay.url)
    rep = report_here(node.client())
    [row] = outbox(f"channel = 'webhook' AND report_id = {rep['id']}")
    refused = gateway.wait_for(lambda got: len([h for h in got if h.ended]) >= 3, timeout=3)
    for one, two in zip(refused, refused[1:]):
        assert two.started - one.ended < 1.5, \
            f"tried again {two.started - one.ended:.1f} s after a failure"
    gateway.status = 200
    [row] = rows_settled(f"id = {row['id']}")
    assert row["attempts"] >= 4 and "500" in row["last_error"], row
    assert [h.status for h in gateway.received].count(200) == 1, gateway.received
    assert {h.id for h in gateway.received} == {row["message_id"]}


def test_a_webhook_removed_while_its_message_waits(session_paused, nodes, gateway):
    """dmrctl service notify --no-webhook while a message to that webhook waits for its next
    attempt: the node that comes to it keeps running. (No other dmrd runs: the message is set
    aside before the session dmrd goes on.)"""
    p = run_dmrctl("service", "notify", RAMEN, "--webhook", gateway.url("/removed"),
                   "--new-secret")
    assert p.returncode == 0, p.stderr
    gateway.status = 500
    node = nodes()
    where = f"channel = 'webhook' AND report_id = {report_here(node.client())['id']}"
    try:
        wait_until("a first attempt", lambda: any(r["attempts"] >= 1 and not r["locked_until"]
                                                  for r in outbox(where)))
        p = run_dmrctl("service", "notify", RAMEN, "--no-webhook")
        assert p.returncode == 0, p.stderr
        # Due now, whichever delay the first attempt set, and the node told so.
        psql(f"UPDATE outbox SET next_attempt_at = now() WHERE {where} AND state = 'pending';"
             f" SELECT pg_notify('dmr_outbox', '')")
        try:
            wait_until("another attempt, finished",
                       lambda: not node.alive() or any(r["attempts"] >= 2 and not r["locked_until"]
                                                       for r in outbox(where)))
        except AssertionError as e:
            raise AssertionError(f"{e}; rows: {outbox(where)}; the gateway got"
                                 f" {[(h.path, h.status) for h in gateway.received]}") from None
        assert node.alive(), f"dmrd exited with {node.proc.returncode}:\n{node.tail()}"
        assert node.client().get("/healthz").status == 200
    finally:
        node.kill()
        psql(f"UPDATE outbox SET state = 'dead', last_error = 'its test ended'"
             f" WHERE {where} AND state = 'pending'")
        p = run_dmrctl("service", "notify", RAMEN, "--no-webhook")
        assert p.returncode == 0, p.stderr


def test_sigkill_during_delivery_loses_nothing(client, nodes, gateway):
    """Three push messages wait; a node claims them and is killed while the gateway holds the
    first request (0.3 s). The node started again delivers every message, the interrupted one
    again, with the same id, once the lease (3 x 500 ms + 5 s) has run out."""
    gateway.delay = 0.3
    lease = 3 * 0.5 + 5
    settings = dict(DMR_PUSH_URL=gateway.url("/push"), DMR_PUSH_SECRET=PUSH_SECRET,
                    DMR_NOTIFY_TIMEOUT_MS="500")
    devices = [unique_device("killed") for _ in range(3)]
    reports = [report_here(client, device_id=d)["id"] for d in devices]
    where = f"channel = 'push' AND report_id IN ({sql_list(reports)})"
    ids = {r["message_id"] for r in outbox(where)}
    assert len(ids) == 3, ids
    first = nodes(**settings)
    gateway.wait_for(lambda got: any(h.id in ids for h in got), timeout=5)
    interrupted = [h for h in gateway.received if h.id in ids and h.ended is None]
    first.proc.kill()
    first.proc.wait()
    assert interrupted, "no request was in flight at the kill"

    nodes(**settings)
    rows_settled(where, count=3, timeout=lease + 5)
    hooks = gateway.wait_for(lambda got: all(h.ended for h in got if h.id in ids))
    hooks = [h for h in hooks if h.id in ids]
    assert {h.id for h in hooks} == ids, "a message was lost"
    assert {h.json["device_id"] for h in hooks} == set(devices)
    for cut in interrupted:
        again = [h for h in hooks if h.id == cut.id and h is not cut]
        assert len(again) == 1, hooks
        assert again[0].json["id"] == cut.id and again[0].json["device_id"] == \
            cut.json["device_id"], again[0].json
        assert again[0].started - cut.started > lease - 0.5, \
            "delivered again before the lease ran out"


def test_two_nodes_never_hold_one_message_at_once(client, nodes, relay, gateway, ramen):
    """Two nodes (and the session dmrd, for webhooks) deliver 30 webhooks and 30 e-mails from
    one database; the gateway takes 0.1 s per request. No message is delivered twice."""
    service_address, _ = ramen
    gateway.delay = 0.1
    for name in ("a", "b"):
        nodes(DMR_SMTP_URL=relay.url, DMR_NOTIFY_THREADS="4",
              DMR_PUBLIC_URL=f"https://{name}.dansmarue.test")
    reports = [report_here(client)["id"] for _ in range(30)]
    rows = rows_settled(f"channel = 'webhook' AND report_id IN ({sql_list(reports)})", count=30,
                        timeout=20)
    ids = {r["message_id"] for r in rows}
    hooks = gateway.wait_for(lambda got: all(h.ended for h in got if h.id in ids))
    by_id = collections.defaultdict(list)
    for h in hooks:
        if h.id in ids:
            by_id[h.id].append(h)
    for message_id, requests in by_id.items():
        requests.sort(key=lambda h: h.started)
        for one, two in zip(requests, requests[1:]):
            assert two.started >= one.ended, f"{message_id} delivered twice at once"
    assert set(by_id) == ids and all(len(r) == 1 for r in by_id.values()), by_id
    senders = {h.json["event"]["link"].split("/api/")[0] for h in hooks if h.id in ids}
    assert {"https://a.dansmarue.test", "https://b.dansmarue.test"} <= senders, senders
    inbox(relay, {service_address: ["service_new"] * 30}, timeout=20)


def test_a_slow_endpoint_never_holds_one_message_twice(client, nodes, gateway):
    """Two nodes never hold the same message at the same moment, even when the endpoint is slow:
    it takes 6.75 s per push request, under the delivery timeout of 7 s (so the lease is
    3 x 7 + 5 = 26 s). Four messages wait when a node of one delivery thread starts and claims
    them; a second node starts while the first delivers them."""
    gateway.delay = 6.75
    settings = dict(DMR_PUSH_URL=gateway.url("/push"), DMR_PUSH_SECRET=PUSH_SECRET,
                    DMR_NOTIFY_TIMEOUT_MS="7000", DMR_NOTIFY_THREADS="1")
    reports = [report_here(client, device_id=unique_device("slow"))["id"] for _ in range(4)]
    where = f"channel = 'push' AND report_id IN ({sql_list(reports)})"
    ids = {r["message_id"] for r in outbox(where)}
    nodes(**settings)
    gateway.wait_for(lambda got: any(h.id in ids for h in got), timeout=5)
    nodes(**settings)
    rows_settled(where, count=4, timeout=40)
    for message_id in ids:
        requests = sorted((h for h in gateway.received if h.id == message_id),
                          key=lambda h: h.started)
        for one, two in zip(requests, requests[1:]):
            assert one.ended is not None and two.started >= one.ended, \
                f"{message_id} held by two nodes at once: {one.started:.2f}-{one.ended} and" \
                f" from {two.started:.2f}"
        assert len(requests) == 1, f"{message_id} delivered {len(requests)} times"


@pytest.mark.parametrize("settings,variable", [
    ({"DMR_PUSH_URL": "http://127.0.0.1:9/push"}, "DMR_PUSH_SECRET"),
    ({"DMR_SMTP_PASSWORD_FILE": "/nonexistent/dmr-smtp-password"}, "DMR_SMTP_PASSWORD_FILE"),
    ({"DMR_NOTIFY_THREADS": "0"}, "DMR_NOTIFY_THREADS"),
    ({"DMR_NOTIFY_MAX_ATTEMPTS": "many"}, "DMR_NOTIFY_MAX_ATTEMPTS"),
])
def test_a_bad_notification_setting_stops_dmrd_at_start(settings, variable):
    environ = dict(os.environ, DMR_LISTEN=f"127.0.0.1:{harness.free_port()}", **settings)
    p = subprocess.run([os.path.join(harness.env("DMR_BUILD_DIR"), "dmrd")], env=environ,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert variable in p.stderr, p.stderr
