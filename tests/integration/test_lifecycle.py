"""The work on a report (docs/api.md, "Tokens and roles", "Lifecycle", "Queues", "Reference data
for admins"): who may move a report where, what each move needs and writes, the history,
deadlines, queues, and the reference data the admins keep."""

import datetime
import re
import threading
import uuid
import zoneinfo

import pytest

import harness
from harness import API, assert_error, bearer, history, move, moved

# Every report of this file stands on one spot of the 4th arrondissement, so that they stay out
# of the duplicate suggestions of the tests that pick random places.
HERE = harness.HOTEL_DE_VILLE
UNKNOWN_TOKEN = "dmr_" + "0" * 64
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

OPEN = ["new", "acknowledged", "scheduled", "transferred", "on_hold"]
STATUSES = OPEN + ["resolved", "rejected", "archived"]

# docs/api.md, "Lifecycle": for each role, the statuses it moves reports to, and from where.
# A contractor moves a report to acknowledged (sends it back) only when it was transferred to
# its service.
MOVES = {
    "agent": {"acknowledged": {"new", "transferred", "on_hold", "resolved", "rejected"},
              "scheduled": set(OPEN),
              "transferred": set(OPEN),
              "on_hold": set(OPEN) - {"on_hold"},
              "resolved": set(OPEN),
              "rejected": set(OPEN)},
    "contractor": {to: {"new", "transferred", "scheduled"}
                   for to in ("acknowledged", "scheduled", "resolved", "rejected")},
    "supervisor": {"transferred": set(OPEN)},
    "admin": {"archived": {"resolved", "rejected"}},
    "reporter": {"resolved": set(OPEN)},
}
OUTSIDERS = ["agent_other", "contractor_other", "no_token", "unknown_token", "revoked_token"]

PUBLIC_EVENT_KEYS = {"id", "at", "from", "to", "actor_role", "message", "scheduled_for",
                     "reason", "duplicate_of", "service", "from_service"}


def paris_day(days=0):
    """Today in Paris (scheduled_for's calendar), plus `days`, as YYYY-MM-DD."""
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()
    return (today + datetime.timedelta(days=days)).isoformat()


def parse_ts(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def allowed_moves(role, status, transferred_to_it):
    """The `allowed` of a 409: the role's moves from `status`, in lifecycle order."""
    return [to for to in STATUSES
            if status in MOVES[role].get(to, ())
            and not (role == "contractor" and to == "acknowledged" and not transferred_to_it)]


def snapshot(client, report_id):
    """What a transition may change: the public report and the length of its history."""
    r = client.get(f"{API}/reports/{report_id}")
    assert r.status == 200, r
    return r.body, len(history(client, report_id)["events"])


def refused(client, report_id, secret, status, code, field=None, **members):
    """A transition that must fail with that error and leave the report as it was."""
    before = snapshot(client, report_id)
    r = move(client, report_id, secret, **members)
    err = assert_error(r, status, code, field)
    if status == 401:
        assert r.headers.get("WWW-Authenticate") == "Bearer", r
    assert snapshot(client, report_id) == before, f"the refused {members} changed the report"
    return err


def queue(client, secret, **params):
    r = client.get(f"{API}/queue", params, headers=bearer(secret))
    assert r.status == 200, (params, r)
    return r.body


def ids(reports):
    return [x["id"] for x in reports]


@pytest.fixture
def report_in(client, token, cat_a, cat_b):
    """report_in(status): a new report in cat_a's service, moved to `status` by the staff; a
    transferred one was created in cat_b's service and transferred to cat_a's. Returns the
    public report with the reporter's edit_token."""
    agent = token("agent", cat_a["service"])
    steps = {
        "new": [],
        "acknowledged": [(agent, {"to": "acknowledged"})],
        "scheduled": [(agent, {"to": "scheduled", "scheduled_for": paris_day()})],
        "transferred": [(token("agent", cat_b["service"]),
                         {"to": "transferred", "service": cat_a["service"]})],
        "on_hold": [(agent, {"to": "on_hold"})],
        "resolved": [(agent, {"to": "resolved"})],
        "rejected": [(agent, {"to": "rejected", "reason": "not_found"})],
        "archived": [(agent, {"to": "resolved"}), (token("admin"), {"to": "archived"})],
    }

    def make(status, **fields):
        category = cat_b if status == "transferred" else cat_a
        r = client.post(f"{API}/reports", dict({"category_id": category["id"], "lat": HERE[0],
                                                "lon": HERE[1]}, **fields))
        assert r.status == 201, r
        rep = r.body
        for secret, members in steps[status]:
            rep = dict(moved(client, rep["id"], secret, **members), edit_token=rep["edit_token"])
        assert rep["service"]["code"] == cat_a["service"], rep
        return rep

    return make


@pytest.fixture(scope="module")
def revoked_token(cat_a):
    secret = harness.new_token("agent", cat_a["service"], name="test revoked agent")
    token_id = harness.psql(f"SELECT id FROM api_token"
                            f" WHERE token_hash = dmr_token_hash('{secret}')")
    p = harness.run_dmrctl("token", "revoke", token_id)
    assert p.returncode == 0, p.stderr
    return secret


@pytest.fixture
def delays(client, token):
    """delays(category_id, **values): sets a category's delays as an admin; each category set
    inherits again after the test."""
    touched = []

    def put(category_id, **values):
        touched.append(category_id)
        r = client.request("PUT", f"{API}/categories/{category_id}/delays", json_body=values,
                           headers=bearer(token("admin")))
        assert r.status == 200, r
        return r.body

    yield put
    for category_id in touched:
        r = client.request("PUT", f"{API}/categories/{category_id}/delays",
                           json_body={"sla_hours": None, "duplicate_radius_m": None},
                           headers=bearer(token("admin")))
        assert r.status == 200, r


# ------------------------------------------------------------------- authorization matrix


MATRIX = ([(role, frm, to) for role in MOVES for frm in STATUSES for to in STATUSES] +
          [(role, frm, to) for role in OUTSIDERS for frm in ("new", "resolved") for to in STATUSES])


@pytest.mark.parametrize("role,frm,to", MATRIX, ids=[f"{r}-{f}-{t}" for r, f, t in MATRIX])
def test_authorization_matrix(client, report_in, token, cat_a, cat_b, revoked_token, role, frm,
                              to):
    rep = report_in(frm)
    secret = {
        "agent": token("agent", cat_a["service"]),
        "contractor": token("contractor", cat_a["service"]),
        "supervisor": token("supervisor"),
        "admin": token("admin"),
        "reporter": rep["edit_token"],
        "agent_other": token("agent", cat_b["service"]),
        "contractor_other": token("contractor", cat_b["service"]),
        "no_token": None,
        "unknown_token": UNKNOWN_TOKEN,
        "revoked_token": revoked_token,
    }[role]
    needs = {"scheduled": {"scheduled_for": paris_day()}, "rejected": {"reason": "not_found"},
             "transferred": {"service": cat_b["service"]}}
    members = dict({"to": to}, **needs.get(to, {}))
    if role in ("no_token", "unknown_token", "revoked_token"):
        refused(client, rep["id"], secret, 401, "unauthorized", **members)
    elif role in ("agent_other", "contractor_other") or to not in MOVES[role]:
        refused(client, rep["id"], secret, 403, "forbidden", **members)
    else:
        allowed = allowed_moves(role, frm, transferred_to_it=frm == "transferred")
        if to in allowed:
            after = moved(client, rep["id"], secret, **members)
            assert after["version"] == rep["version"] + 1, after
        else:
            err = refused(client, rep["id"], secret, 409, "transition_not_allowed", **members)
            assert err["status"] == frm and err["allowed"] == allowed, err


# --------------------------------------------------------------------------- requirements


def test_scheduling_needs_a_date_from_today(client, report_in, token, cat_a):
    rep = report_in("new")
    agent = token("agent", cat_a["service"])
    refused(client, rep["id"], agent, 422, "missing_field", "scheduled_for", to="scheduled")
    refused(client, rep["id"], agent, 422, "invalid_field", "scheduled_for", to="scheduled",
            scheduled_for=paris_day(-1))
    for bad in ("2026-02-30", "tomorrow", "27/11/2026", f"{paris_day()}T10:00:00Z"):
        refused(client, rep["id"], agent, 422, "invalid_field", "scheduled_for", to="scheduled",
                scheduled_for=bad)
    refused(client, rep["id"], agent, 422, "invalid_field", "scheduled_for", to="scheduled",
            scheduled_for=20261201)
    assert moved(client, rep["id"], agent, to="scheduled",
                 scheduled_for=paris_day())["scheduled_for"] == paris_day()
    later = moved(client, rep["id"], agent, to="scheduled", scheduled_for=paris_day(7))
    assert later["scheduled_for"] == paris_day(7) and later["version"] == 3, later


def test_rejection_reasons(client, report_in, token, cat_a):
    reasons = {x["code"]: x["label"] for x in client.get(f"{API}/reject-reasons").body["reasons"]}
    agent = token("agent", cat_a["service"])
    rep = report_in("new")
    refused(client, rep["id"], agent, 422, "missing_field", "reason", to="rejected")
    refused(client, rep["id"], agent, 422, "missing_field", "reason", to="rejected", reason=" ")
    refused(client, rep["id"], agent, 422, "invalid_field", "reason", to="rejected",
            reason="x" * 501)
    refused(client, rep["id"], agent, 422, "missing_field", "duplicate_of", to="rejected",
            reason="duplicate")
    listed = moved(client, rep["id"], agent, to="rejected", reason="not_found")
    assert listed["rejection"] == {"code": "not_found", "label": reasons["not_found"]}, listed
    assert listed["duplicate_of"] is None
    assert history(client, rep["id"])["events"][-1]["reason"] == listed["rejection"]

    text = "Le dépôt a été enlevé par le propriétaire"
    free = moved(client, report_in("new")["id"], agent, to="rejected", reason=text)
    assert free["rejection"] == {"code": None, "label": text}, free
    assert history(client, free["id"])["events"][-1]["reason"] == {"code": None, "label": text}


def test_duplicate_of_names_another_report(client, report_in, token, cat_a):
    agent = token("agent", cat_a["service"])
    a, b = report_in("new"), report_in("new")
    refused(client, a["id"], agent, 422, "invalid_field", "duplicate_of", to="rejected",
            duplicate_of=a["id"])
    refused(client, a["id"], agent, 422, "invalid_field", "duplicate_of", to="rejected",
            duplicate_of=str(b["id"]))
    refused(client, a["id"], agent, 422, "invalid_field", "reason", to="rejected",
            duplicate_of=b["id"], reason="not_found")
    dup = moved(client, a["id"], agent, to="rejected", duplicate_of=b["id"])
    assert dup["duplicate_of"] == {"id": b["id"], "number": b["number"]}, dup
    assert dup["rejection"]["code"] == "duplicate", dup
    event = history(client, a["id"])["events"][-1]
    assert event["duplicate_of"] == {"id": b["id"], "number": b["number"]}, event
    assert event["reason"]["code"] == "duplicate", event
    refused(client, b["id"], agent, 422, "invalid_field", "duplicate_of", to="rejected",
            duplicate_of=a["id"])


@pytest.mark.parametrize("original", [999999999, 0, -1], ids=["unknown", "zero", "negative"])
def test_duplicate_of_no_report(client, report_in, token, cat_a, original):
    refused(client, report_in("new")["id"], token("agent", cat_a["service"]), 422,
            "invalid_field", "duplicate_of", to="rejected", duplicate_of=original)


def test_transfer_routes_the_report_again(client, report_in, token, cat_a, leaves):
    dvd_leaf = next(c for c in leaves if c["service"] == "DVD" and not c["agent_only"])
    ours, theirs = token("agent", cat_a["service"]), token("agent", "DVD")
    rep = report_in("scheduled")
    refused(client, rep["id"], ours, 422, "missing_field", "service", to="transferred")
    refused(client, rep["id"], ours, 422, "unknown_service", "service", to="transferred",
            service="NO-SUCH-SERVICE")
    refused(client, rep["id"], ours, 422, "invalid_field", "service", to="transferred",
            service=cat_a["service"])
    refused(client, rep["id"], theirs, 403, "forbidden", to="acknowledged")

    preview = client.get(f"{API}/route", {"category_id": dvd_leaf["id"], "lat": HERE[0],
                                          "lon": HERE[1]})
    assert preview.status == 200 and preview.body["service"]["code"] == "DVD", preview
    after = moved(client, rep["id"], ours, to="transferred", service="DVD", note="pour la voirie")
    assert after["service"]["code"] == "DVD", after
    assert after["sector"] == preview.body["sector"] != rep["sector"], after
    assert after["routing"] == preview.body["routing"], after
    assert after["scheduled_for"] is None, "a transfer clears the date"
    event = history(client, rep["id"])["events"][-1]
    assert (event["from"], event["to"], event["service"], event["from_service"]) == \
        ("scheduled", "transferred", "DVD", cat_a["service"]), event

    refused(client, rep["id"], ours, 403, "forbidden", to="acknowledged")
    assert moved(client, rep["id"], theirs, to="acknowledged")["service"]["code"] == "DVD"


TRANSITION_ERRORS = [
    ("to_missing", {"note": "rien"}, "missing_field", "to"),
    ("to_null", {"to": None}, "missing_field", "to"),
    ("to_unknown", {"to": "closed"}, "invalid_field", "to"),
    ("to_number", {"to": 2}, "invalid_field", "to"),
    ("unknown_member", {"to": "acknowledged", "colour": "blue"}, "invalid_field", "colour"),
    ("note_number", {"to": "acknowledged", "note": 12}, "invalid_field", "note"),
    ("note_2001", {"to": "acknowledged", "note": "n" * 2001}, "invalid_field", "note"),
    ("message_2001", {"to": "acknowledged", "message": "é" * 2001}, "invalid_field", "message"),
    ("version_string", {"to": "acknowledged", "version": "1"}, "invalid_field", "version"),
    ("scheduled_for_with_resolved", {"to": "resolved", "scheduled_for": "2099-01-01"},
     "invalid_field", "scheduled_for"),
    ("reason_with_acknowledged", {"to": "acknowledged", "reason": "not_found"},
     "invalid_field", "reason"),
    ("duplicate_of_with_resolved", {"to": "resolved", "duplicate_of": 1}, "invalid_field",
     "duplicate_of"),
    ("service_with_on_hold", {"to": "on_hold", "service": "DVD"}, "invalid_field", "service"),
    ("service_with_scheduled", {"to": "scheduled", "scheduled_for": "2099-01-01",
                                "service": "DVD"}, "invalid_field", "service"),
]


@pytest.mark.parametrize("members,code,field", [c[1:] for c in TRANSITION_ERRORS],
                         ids=[c[0] for c in TRANSITION_ERRORS])
def test_transition_members(client, report_in, token, cat_a, members, code, field):
    rep = report_in("new")
    refused(client, rep["id"], token("agent", cat_a["service"]), 422, code, field, **members)


def test_bad_bodies_and_unknown_reports(client, report_in, token, cat_a):
    agent = token("agent", cat_a["service"])
    rep = report_in("new")
    before = snapshot(client, rep["id"])
    for body in (b'{"to": "acknowledged"', b'["acknowledged"]', b"", b"to=acknowledged"):
        r = client.post(f"{API}/reports/{rep['id']}/transitions", data=body, headers=bearer(agent))
        assert_error(r, 400, "malformed_json")
    assert snapshot(client, rep["id"]) == before
    assert_error(move(client, 999999999, agent, to="acknowledged"), 404, "not_found")
    assert_error(move(client, 999999999, rep["edit_token"], to="resolved"), 404, "not_found")


def test_version(client, report_in, token, cat_a):
    agent = token("agent", cat_a["service"])
    rep = report_in("new")
    assert rep["version"] == 1
    after = moved(client, rep["id"], agent, to="acknowledged", version=1)
    assert after["version"] == 2, after
    for stale in (1, 3):
        err = refused(client, rep["id"], agent, 409, "version_conflict", to="on_hold",
                      version=stale)
        assert err["version"] == 2 and err["status"] == "acknowledged", err
    assert moved(client, rep["id"], agent, to="on_hold", version=2)["version"] == 3


@pytest.mark.parametrize("version", [0, -1])
def test_version_below_one(client, report_in, token, cat_a, version):
    refused(client, report_in("new")["id"], token("agent", cat_a["service"]), 422,
            "invalid_field", "version", to="acknowledged", version=version)


# ---------------------------------------------------------------------- roles in practice


def test_contractor_sends_back_a_transferred_report(client, report_in, token, cat_a, cat_b):
    contractor = token("contractor", cat_a["service"])
    rep = report_in("transferred")
    moved(client, rep["id"], contractor, to="scheduled", scheduled_for=paris_day(2))
    back = moved(client, rep["id"], contractor, to="acknowledged", note="pas pour nous")
    assert back["service"]["code"] == cat_b["service"], back
    assert back["scheduled_for"] is None, back
    event = history(client, rep["id"])["events"][-1]
    assert (event["actor_role"], event["from"], event["to"], event["service"],
            event["from_service"]) == ("contractor", "scheduled", "acknowledged",
                                       cat_b["service"], cat_a["service"]), event
    refused(client, rep["id"], contractor, 403, "forbidden", to="resolved")
    assert moved(client, rep["id"], token("agent", cat_b["service"]), to="resolved")


def test_contractor_cannot_send_back_a_report_routed_to_it(client, report_in, token, cat_a):
    contractor = token("contractor", cat_a["service"])
    rep = report_in("new")
    err = refused(client, rep["id"], contractor, 409, "transition_not_allowed", to="acknowledged")
    assert err["status"] == "new" and err["allowed"] == ["scheduled", "resolved", "rejected"], err
    moved(client, rep["id"], contractor, to="scheduled", scheduled_for=paris_day())
    err = refused(client, rep["id"], contractor, 409, "transition_not_allowed", to="acknowledged")
    assert err["status"] == "scheduled", err
    assert err["allowed"] == ["scheduled", "resolved", "rejected"], err


def test_reporter_declares_resolved(client, report_in):
    rep = report_in("new")
    edit = rep["edit_token"]
    refused(client, rep["id"], edit, 422, "invalid_field", "message", to="resolved",
            message="C'est fait")
    refused(client, rep["id"], edit, 403, "forbidden", to="scheduled", scheduled_for=paris_day())
    refused(client, rep["id"], edit, 403, "forbidden", to="acknowledged")
    done = moved(client, rep["id"], edit, to="resolved", note="enlevé ce matin")
    assert done["resolved_at"] and done["acknowledged_at"] is None, done
    seen = history(client, rep["id"], edit)
    assert seen["view"] == "reporter", seen
    last = seen["events"][-1]
    assert (last["actor_role"], last["from"], last["to"], last["note"]) == \
        ("reporter", "new", "resolved", "enlevé ce matin"), last
    assert all(set(e) == PUBLIC_EVENT_KEYS | {"note"} for e in seen["events"]), seen


def test_another_reports_edit_token_is_unknown_here(client, report_in):
    rep, other = report_in("new"), report_in("new")
    refused(client, rep["id"], other["edit_token"], 401, "unauthorized", to="resolved")
    r = client.get(f"{API}/reports/{rep['id']}/events", headers=bearer(other["edit_token"]))
    assert_error(r, 401, "unauthorized")


# -------------------------------------------------------------------------------- history


def test_history_views(client, report_in, token, cat_a):
    name = f"Équipe test {uuid.uuid4().hex[:6]}"
    agent = harness.new_token("agent", cat_a["service"], name=name)
    note, message = f"note interne {uuid.uuid4().hex}", "Nous passons cette semaine"
    rep = report_in("new")
    moved(client, rep["id"], agent, to="acknowledged", note=note, message=message)

    public = client.get(f"{API}/reports/{rep['id']}/events")
    assert public.status == 200 and public.body["view"] == "public", public
    assert public.body["report_id"] == rep["id"]
    creation, ack = public.body["events"]
    assert all(set(e) == PUBLIC_EVENT_KEYS for e in public.body["events"]), public
    assert creation == dict(creation, **{
        "from": None, "to": "new", "actor_role": "reporter", "message": None,
        "scheduled_for": None, "reason": None, "duplicate_of": None,
        "service": cat_a["service"], "from_service": None}), creation
    assert creation["at"] == rep["created_at"], creation
    assert (ack["from"], ack["to"], ack["actor_role"], ack["message"]) == \
        ("new", "acknowledged", "agent", message), ack
    assert ack["id"] > creation["id"] and TIMESTAMP_RE.match(ack["at"]), ack
    raw = public.raw.decode("utf-8")
    assert note not in raw and name not in raw, "the public history shows a note or a name"

    staff = history(client, rep["id"], token("admin"))
    assert staff["view"] == "staff", staff
    assert all(set(e) == PUBLIC_EVENT_KEYS | {"note", "actor_name"} for e in staff["events"])
    assert [(e["note"], e["actor_name"]) for e in staff["events"]] == [(None, None), (note, name)]

    reporter = history(client, rep["id"], rep["edit_token"])
    assert reporter["view"] == "reporter", reporter
    assert [e["note"] for e in reporter["events"]] == [None, None], "a staff note is internal"
    assert all("actor_name" not in e for e in reporter["events"])
    for strip in (staff, reporter):
        assert [{k: e[k] for k in PUBLIC_EVENT_KEYS} for e in strip["events"]] == \
            public.body["events"]

    assert_error(client.get(f"{API}/reports/{rep['id']}/events", headers=bearer(UNKNOWN_TOKEN)),
                 401, "unauthorized")
    assert_error(client.get(f"{API}/reports/999999999/events"), 404, "not_found")


def test_a_refused_transition_writes_no_event(client, report_in, token, cat_a):
    agent = token("agent", cat_a["service"])
    rep = report_in("acknowledged")
    assert harness.psql(f"SELECT count(*) FROM report_event WHERE report_id = {rep['id']}") == "2"
    assert_error(move(client, rep["id"], agent, to="acknowledged"), 409, "transition_not_allowed")
    assert_error(move(client, rep["id"], agent, to="scheduled"), 422, "missing_field",
                 "scheduled_for")
    assert_error(move(client, rep["id"], agent, to="archived"), 403, "forbidden")
    assert_error(move(client, rep["id"], agent, to="rejected", duplicate_of=rep["id"]), 422,
                 "invalid_field", "duplicate_of")
    assert harness.psql(f"SELECT count(*), max(version) FROM report_event e JOIN report r"
                        f" ON r.id = e.report_id WHERE r.id = {rep['id']}") == "2|2"


# ---------------------------------------------------------------------- end-to-end paths


def test_lifecycle_path(client, report_in, token, cat_a):
    agent, admin = token("agent", cat_a["service"]), token("admin")
    rep = report_in("new")
    assert (rep["acknowledged_at"], rep["scheduled_for"], rep["resolved_at"]) == (None,) * 3

    ack = moved(client, rep["id"], agent, to="acknowledged")
    assert TIMESTAMP_RE.match(ack["acknowledged_at"]), ack
    assert parse_ts(ack["acknowledged_at"]) >= parse_ts(rep["created_at"])
    sched = moved(client, rep["id"], agent, to="scheduled", scheduled_for=paris_day(1),
                  message="Passage demain")
    assert sched["scheduled_for"] == paris_day(1), sched
    done = moved(client, rep["id"], agent, to="resolved")
    assert TIMESTAMP_RE.match(done["resolved_at"]) and done["overdue"] is False, done
    assert done["scheduled_for"] == paris_day(1), "resolving keeps the date"
    reopened = moved(client, rep["id"], agent, to="acknowledged")
    assert reopened["resolved_at"] is None and reopened["scheduled_for"] is None, reopened
    assert reopened["acknowledged_at"] == ack["acknowledged_at"], "the first time stays"
    moved(client, rep["id"], agent, to="resolved")
    archived = moved(client, rep["id"], admin, to="archived")
    assert archived["version"] == 7 and archived["resolved_at"], archived

    events = history(client, rep["id"])["events"]
    assert [(e["from"], e["to"], e["actor_role"]) for e in events] == [
        (None, "new", "reporter"), ("new", "acknowledged", "agent"),
        ("acknowledged", "scheduled", "agent"), ("scheduled", "resolved", "agent"),
        ("resolved", "acknowledged", "agent"), ("acknowledged", "resolved", "agent"),
        ("resolved", "archived", "admin")]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[2]["scheduled_for"] == paris_day(1)
    assert events[2]["message"] == "Passage demain"


def test_reopening_a_rejected_duplicate_clears_the_rejection(client, report_in, token, cat_a):
    agent = token("agent", cat_a["service"])
    original, rep = report_in("new"), report_in("new")
    dup = moved(client, rep["id"], agent, to="rejected", duplicate_of=original["id"])
    assert dup["duplicate_of"] and dup["rejection"], dup
    reopened = moved(client, rep["id"], agent, to="acknowledged")
    assert reopened["duplicate_of"] is None and reopened["rejection"] is None, reopened


# ------------------------------------------------------------------------------ concurrency


def race(dmrd, calls):
    """Run every call (a function of a Client) at the same moment, each thread on its own
    connection; their results in order (a Response, or the exception raised)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i):
        c = dmrd.client()
        try:
            c.get("/healthz")  # connect first, so that the requests really start together
            barrier.wait(timeout=30)
            results[i] = calls[i](c)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            results[i] = e
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_two_concurrent_transitions(dmrd, client, report_in, token, cat_a):
    agent = token("agent", cat_a["service"])
    reports = [report_in("new")["id"] for _ in range(20)]
    calls = []
    for rid in reports:
        calls.append(lambda c, rid=rid: move(c, rid, agent, to="resolved"))
        calls.append(lambda c, rid=rid: move(c, rid, agent, to="rejected", reason="not_found"))
    results = race(dmrd, calls)
    for i, rid in enumerate(reports):
        pair = results[2 * i:2 * i + 2]
        statuses = sorted(getattr(r, "status", r) for r in pair)
        assert statuses == [200, 409], (rid, pair)
        winner = next(r for r in pair if r.status == 200)
        loser = next(r for r in pair if r.status == 409)
        err = assert_error(loser, 409, "transition_not_allowed")
        assert err["status"] == winner.body["status"], (winner, loser)
        assert client.get(f"{API}/reports/{rid}").body["version"] == 2
    counts = harness.psql(
        f"SELECT string_agg(n::text, ',') FROM (SELECT count(*) AS n FROM report_event"
        f" WHERE report_id IN ({','.join(map(str, reports))}) AND from_status IS NOT NULL"
        f" GROUP BY report_id) c")
    assert counts == ",".join(["1"] * len(reports)), "one move, one event per report"


def test_two_reports_marked_duplicates_of_each_other_at_once(dmrd, client, report_in, token,
                                                            cat_a):
    agent = token("agent", cat_a["service"])
    pairs = [(report_in("new")["id"], report_in("new")["id"]) for _ in range(10)]
    calls = []
    for a, b in pairs:
        calls.append(lambda c, a=a, b=b: move(c, a, agent, to="rejected", duplicate_of=b))
        calls.append(lambda c, a=a, b=b: move(c, b, agent, to="rejected", duplicate_of=a))
    results = race(dmrd, calls)
    for i, (a, b) in enumerate(pairs):
        pair = results[2 * i:2 * i + 2]
        assert sorted(getattr(r, "status", r) for r in pair) == [200, 422], (a, b, pair)
        assert_error(next(r for r in pair if r.status == 422), 422, "invalid_field",
                     "duplicate_of")
        states = [client.get(f"{API}/reports/{x}").body for x in (a, b)]
        assert sorted(s["status"] for s in states) == ["new", "rejected"], states
        dup = next(s for s in states if s["status"] == "rejected")
        assert dup["duplicate_of"]["id"] == ({a, b} - {dup["id"]}).pop(), dup


# --------------------------------------------------------------------- deadlines, overdue


def test_deadline_is_creation_plus_the_category_delay(client, report_in, cat_a):
    rep = report_in("new")
    assert parse_ts(rep["expected_at"]) - parse_ts(rep["created_at"]) == \
        datetime.timedelta(hours=cat_a["sla_hours"]), rep
    assert rep["overdue"] is False


def test_overdue(client, leaves, cat_a, token, delays):
    sibling = next(c for c in leaves if c["service"] == cat_a["service"] and not c["agent_only"]
                   and c["id"] != cat_a["id"])
    agent = token("agent", cat_a["service"])
    assert delays(sibling["id"], sla_hours=1) == {"id": sibling["id"], "sla_hours": 1,
                                                  "duplicate_radius_m": None}
    r = client.post(f"{API}/reports", {"category_id": sibling["id"], "lat": HERE[0],
                                       "lon": HERE[1]})
    assert r.status == 201, r
    rep = r.body
    assert parse_ts(rep["expected_at"]) - parse_ts(rep["created_at"]) == \
        datetime.timedelta(hours=1), rep
    assert rep["overdue"] is False
    scope = {"service": cat_a["service"]}
    before = queue(client, agent, limit=1, **scope)["counts"]
    assert rep["id"] not in ids(queue(client, agent, overdue="true", limit=500, **scope)["reports"])

    harness.psql(f"UPDATE report SET expected_at = now() - interval '1 hour'"
                 f" WHERE id = {rep['id']}")
    assert client.get(f"{API}/reports/{rep['id']}").body["overdue"] is True
    late = queue(client, agent, overdue="true", limit=500, **scope)
    assert rep["id"] in ids(late["reports"]), late
    assert all(x["overdue"] for x in late["reports"]), late
    counts = late["counts"]
    assert counts["new"] == {"total": before["new"]["total"],
                             "overdue": before["new"]["overdue"] + 1}, (before, counts)

    done = moved(client, rep["id"], agent, to="resolved")
    assert done["overdue"] is False, done
    after = queue(client, agent, overdue="true", limit=500, **scope)
    assert rep["id"] not in ids(after["reports"])
    assert after["counts"]["new"] == {"total": before["new"]["total"] - 1,
                                      "overdue": before["new"]["overdue"]}, after["counts"]


# ---------------------------------------------------------------------------------- queues


def test_queue(client, leaves, token, cat_a):
    horo = next(c for c in leaves if c["service"] == "SUBDI_HORO" and not c["agent_only"])
    svc = horo["service"]
    agent = token("agent", svc)
    before = queue(client, agent, service=svc, limit=1)["counts"]

    def create(priority):
        r = client.post(f"{API}/reports", {"category_id": horo["id"], "lat": HERE[0],
                                           "lon": HERE[1], "priority": priority})
        assert r.status == 201, r
        return r.body

    fresh, late, urgent, seen, watched = (create(p) for p in (3, 3, 1, 3, 3))
    moved(client, seen["id"], agent, to="acknowledged")
    moved(client, watched["id"], agent, to="on_hold")
    harness.psql(f"UPDATE report SET expected_at = now() - interval '1 day'"
                 f" WHERE id = {late['id']}")
    mine = [urgent["id"], late["id"], fresh["id"], seen["id"], watched["id"]]

    def listed(secret=agent, **params):
        return [i for i in ids(queue(client, secret, limit=500, **params)["reports"]) if i in mine]

    whole = queue(client, agent, service=svc, limit=500)
    assert [i for i in ids(whole["reports"]) if i in mine] == mine, "priority, then deadline"
    assert all(x["service"]["code"] == svc and x["status"] in OPEN for x in whole["reports"])
    assert listed() == mine, "an agent's default queue is its services'"
    assert listed(token("supervisor"), service=svc) == mine
    assert listed(sector=fresh["sector"]["code"]) == mine
    assert listed(status="acknowledged") == [seen["id"]]
    assert listed(status="new,on_hold") == [urgent["id"], late["id"], fresh["id"], watched["id"]]
    overdue = queue(client, agent, overdue="true", limit=500)["reports"]
    assert [i for i in ids(overdue) if i in mine] == [late["id"]]
    assert all(x["overdue"] for x in overdue)

    counts = whole["counts"]
    assert set(counts) == set(OPEN), counts
    grew = {"new": (3, 1), "acknowledged": (1, 0), "on_hold": (1, 0)}
    for status in OPEN:
        total, late_ones = grew.get(status, (0, 0))
        assert counts[status] == {"total": before[status]["total"] + total,
                                  "overdue": before[status]["overdue"] + late_ones}, \
            (status, before, counts)
    assert queue(client, agent, service=svc, status="resolved", limit=1)["counts"] == counts

    pages, cursor = [], None
    while cursor is not None or not pages:
        body = queue(client, agent, service=svc, limit=2, **({"cursor": cursor} if cursor else {}))
        pages.append(ids(body["reports"]))
        cursor = body["next_cursor"]
        assert len(pages) <= 250, "the cursor does not advance"
    assert all(len(p) == 2 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 2, pages
    assert [i for p in pages for i in p] == ids(whole["reports"]), "pages differ from one page"

    for rid in mine:
        moved(client, rid, agent, to="resolved")
    assert listed() == []


def test_queue_errors(client, token, cat_a):
    agent = token("agent", "SUBDI_HORO")
    other_sector = client.get(f"{API}/route", {"category_id": cat_a["id"], "lat": HERE[0],
                                               "lon": HERE[1]}).body["sector"]["code"]
    cases = [
        (None, {}, 401, "unauthorized", None),
        (UNKNOWN_TOKEN, {}, 401, "unauthorized", None),
        (token("admin"), {}, 403, "forbidden", None),
        (agent, {"service": cat_a["service"]}, 403, "forbidden", None),
        (token("contractor", cat_a["service"]), {"service": "SUBDI_HORO"}, 403, "forbidden",
         None),
        (agent, {"sector": other_sector}, 403, "forbidden", None),
        (agent, {"service": "NO-SUCH-SERVICE"}, 422, "unknown_service", "service"),
        (token("supervisor"), {"sector": "NO-SUCH-SECTOR"}, 422, "unknown_sector", "sector"),
        (agent, {"cursor": "garbage"}, 400, "invalid_parameter", "cursor"),
        (agent, {"cursor": "3,yesterday,12"}, 400, "invalid_parameter", "cursor"),
        (agent, {"limit": 0}, 400, "invalid_parameter", "limit"),
        (agent, {"limit": 501}, 400, "invalid_parameter", "limit"),
        (agent, {"limit": "ten"}, 400, "invalid_parameter", "limit"),
        (agent, {"status": "closed"}, 400, "invalid_parameter", "status"),
        (agent, {"overdue": "yes"}, 400, "invalid_parameter", "overdue"),
    ]
    for secret, params, status, code, field in cases:
        r = client.get(f"{API}/queue", params, headers=bearer(secret))
        assert_error(r, status, code, field)
        if status == 401:
            assert r.headers.get("WWW-Authenticate") == "Bearer", r
    assert set(queue(client, token("contractor", cat_a["service"]), limit=1)["counts"]) == \
        set(OPEN), "a contractor reads its service's queue"


# ----------------------------------------------------------------------- admin reference data


def test_reject_reasons_admin(client, report_in, token, cat_a):
    code = f"test_{uuid.uuid4().hex[:8]}"
    path = f"{API}/reject-reasons/{code}"
    admin = token("admin")

    def put(secret, body, at=path):
        return client.request("PUT", at, json_body=body, headers=bearer(secret))

    def listed():
        r = client.get(f"{API}/reject-reasons")
        assert r.status == 200, r
        return {x["code"]: x["label"] for x in r.body["reasons"]}

    def stored():
        return harness.psql(f"SELECT count(*) FROM reject_reason WHERE code = '{code}'")

    r = put(None, {"label": "x"})
    assert_error(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate") == "Bearer", r
    assert_error(put(token("agent", cat_a["service"]), {"label": "x"}), 403, "forbidden")
    assert_error(put(token("supervisor"), {"label": "x"}), 403, "forbidden")
    assert_error(put(admin, {"label": "x"}, at=f"{API}/reject-reasons/Bad-Code"), 422,
                 "invalid_field", "code")
    assert_error(put(admin, {"label": "x"}, at=f"{API}/reject-reasons/{'a' * 41}"), 422,
                 "invalid_field", "code")
    assert_error(put(admin, {}), 422, "missing_field", "label")
    assert_error(put(admin, {"label": "x", "active": "yes"}), 422, "invalid_field", "active")
    assert_error(put(admin, {"label": "x", "colour": 1}), 422, "invalid_field", "colour")
    assert stored() == "0"

    r = put(admin, {"label": "Motif de test"})
    assert r.status == 201 and r.body == {"code": code, "label": "Motif de test",
                                          "active": True}, r
    assert listed()[code] == "Motif de test"
    r = put(admin, {"label": "Motif de test révisé", "active": True})
    assert r.status == 200 and r.body["label"] == "Motif de test révisé", r
    assert listed()[code] == "Motif de test révisé"

    rep = report_in("new")
    rejected = moved(client, rep["id"], token("agent", cat_a["service"]), to="rejected",
                     reason=code)
    assert rejected["rejection"] == {"code": code, "label": "Motif de test révisé"}, rejected
    r = put(admin, {"label": "Motif de test révisé", "active": False})
    assert r.status == 200 and r.body["active"] is False, r
    assert code not in listed()
    assert client.get(f"{API}/reports/{rep['id']}").body["rejection"] == rejected["rejection"]


def test_category_delays_admin(client, leaves, token, delays):
    first, second = [c for c in leaves if c["service"] == "DPMP-SCOP" and not c["agent_only"]][:2]
    assert first["parent_id"] == second["parent_id"]
    path = f"{API}/categories/{first['id']}/delays"

    def put(secret, body, at=path):
        return client.request("PUT", at, json_body=body, headers=bearer(secret))

    def effective(category):
        r = client.get(f"{API}/categories")
        assert r.status == 200, r
        leaf = next(c for top in r.body["categories"] for c in top["children"]
                    if c["id"] == category["id"])
        return leaf["sla_hours"], leaf["duplicate_radius_m"]

    before = effective(first)
    assert before == effective(second) == (168, 50), "the defaults: 7 days and 50 m"
    assert_error(put(None, {"sla_hours": 72}), 401, "unauthorized")
    assert_error(put(token("agent", "DPMP-SCOP"), {"sla_hours": 72}), 403, "forbidden")
    assert_error(put(token("admin"), {"sla_hours": 72}, at=f"{API}/categories/99999999/delays"),
                 404, "not_found")
    for body, field in (({"sla_hours": 0}, "sla_hours"), ({"sla_hours": 8761}, "sla_hours"),
                        ({"sla_hours": 1.5}, "sla_hours"), ({"sla_hours": "72"}, "sla_hours"),
                        ({"duplicate_radius_m": 0}, "duplicate_radius_m"),
                        ({"duplicate_radius_m": -5}, "duplicate_radius_m"),
                        ({"duplicate_radius_m": 1000.5}, "duplicate_radius_m"),
                        ({"duplicate_radius_m": "30"}, "duplicate_radius_m"),
                        ({"colour": 1}, "colour")):
        assert_error(put(token("admin"), body), 422, "invalid_field", field)
    assert effective(first) == before

    assert delays(first["id"], sla_hours=72, duplicate_radius_m=30) == \
        {"id": first["id"], "sla_hours": 72, "duplicate_radius_m": 30}
    assert effective(first) == (72, 30)
    assert effective(second) == (168, 50)
    delays(first["parent_id"], sla_hours=24, duplicate_radius_m=80)
    assert effective(first) == (72, 30), "a sub-category's own delay comes first"
    assert effective(second) == (24, 80), "else its top category's"
    assert delays(first["id"], sla_hours=8760, duplicate_radius_m=1000) == \
        {"id": first["id"], "sla_hours": 8760, "duplicate_radius_m": 1000}
    assert delays(first["id"]) == {"id": first["id"], "sla_hours": None,
                                   "duplicate_radius_m": None}
    assert effective(first) == (24, 80), "null inherits"
