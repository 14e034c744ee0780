"""The live stream of report events, GET /api/v1/events/stream (docs/notifications.md, "The
live stream"): Server-Sent Events read over a raw socket, how fast they come, whose events a
token sees, the resumption with Last-Event-ID, the errors, many idle streams, and SIGTERM."""

import datetime
import http.client
import json
import socket
import time

import pytest

from harness import API, Dmrd, assert_error, history, moved, query, raw_exchange, report_here

RAMEN = "Ramen"
EVENT_KEYS = {"id", "report_id", "number", "at", "from", "to", "actor_role", "service",
              "from_service", "priority", "category_id", "arrondissement"}


def request_head(secret=None, service=None, last_event_id=None):
    path = f"{API}/events/stream" + (query({"service": service}) if service else "")
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: text/event-stream"]
    if secret:
        lines.append(f"Authorization: Bearer {secret}")
    if last_event_id is not None:
        lines.append(f"Last-Event-ID: {last_event_id}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Stream:
    """One open stream: its answer's status and headers, then its events one by one."""

    def __init__(self, port, secret, service=None, last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(request_head(secret, service, last_event_id))
        self.response = http.client.HTTPResponse(self.sock)
        self.response.begin()
        assert self.response.status == 200, (self.response.status, self.response.read())

    def next(self, timeout=5.0, reports=None):
        """The next event as {"id", "event", "data"} (data parsed), comment lines skipped,
        and events of reports not in `reports` (when given) too: other tests' events that
        became final as the stream opened. EOFError when the server ended the stream."""
        while True:
            event = self._read(timeout)
            if reports is None or event["data"]["report_id"] in reports:
                return event

    def _read(self, timeout):
        self.sock.settimeout(timeout)
        fields = {}
        while True:
            line = self.response.readline()
            if not line:
                raise EOFError("the server ended the stream")
            line = line.decode("utf-8").rstrip("\n")
            if line.startswith(":"):
                continue
            if not line:
                if fields:
                    fields["data"] = json.loads(fields["data"])
                    return fields
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value

    def close(self):
        self.response.close()
        self.sock.close()


@pytest.fixture
def streams(dmrd):
    """streams(secret, **options): a Stream on the session dmrd, closed after the test."""
    opened = []

    def open_stream(secret, **options):
        s = Stream(dmrd.port, secret, **options)
        opened.append(s)
        return s

    yield open_stream
    for s in opened:
        s.close()


def position(event):
    """The SSE id "<xid>.<event id>" as numbers, in stream order."""
    xid, event_id = event["id"].split(".")
    return int(xid), int(event_id)


def test_a_transition_within_a_second(client, streams, token):
    agent = token("agent", RAMEN)
    s = streams(token("supervisor"))
    assert s.response.getheader("Content-Type").startswith("text/event-stream")
    assert s.response.getheader("Cache-Control") == "no-store"
    rep = report_here(client)
    created = s.next(reports={rep["id"]})
    assert created["event"] == "report" and created["data"]["report_id"] == rep["id"], created

    start = time.monotonic()
    moved(client, rep["id"], agent, to="acknowledged")
    event = s.next(reports={rep["id"]})
    elapsed = time.monotonic() - start
    assert elapsed < 1.0, f"the transition reached the stream after {elapsed:.2f} s"

    [_, acknowledged] = history(client, rep["id"])["events"]
    data = event["data"]
    assert set(data) == EVENT_KEYS, data
    assert event["id"].endswith(f".{acknowledged['id']}") and position(event) > position(created)
    assert (data["id"], data["report_id"], data["number"], data["from"], data["to"],
            data["actor_role"], data["service"], data["from_service"], data["category_id"],
            data["priority"], data["arrondissement"]) == \
        (acknowledged["id"], rep["id"], rep["number"], "new", "acknowledged", "agent", RAMEN,
         None, 7001, rep["priority"], rep["arrondissement"]), data
    assert data["at"] == acknowledged["at"], data


def test_each_stream_sees_its_services(client, streams, token, cat_b):
    other = cat_b["service"]
    assert other != RAMEN
    ours = streams(token("agent", RAMEN))
    theirs = streams(token("agent", other))
    narrowed = streams(token("supervisor"), service=other)
    a, b = report_here(client), report_here(client, cat_b["id"])
    assert b["service"]["code"] == other, b
    moved(client, b["id"], token("supervisor"), to="transferred", service=RAMEN)

    mine = {a["id"], b["id"]}
    assert (ours.next(reports=mine)["data"]["report_id"],
            ours.next(reports=mine)["data"]["to"]) == \
        (a["id"], "transferred"), "Ramen's agent saw another service's report"
    for s in (theirs, narrowed):
        created, transfer = s.next(reports=mine)["data"], s.next(reports=mine)["data"]
        assert (created["report_id"], created["to"]) == (b["id"], "new"), created
        assert (transfer["report_id"], transfer["to"], transfer["service"],
                transfer["from_service"]) == (b["id"], "transferred", RAMEN, other), transfer


def test_last_event_id_resumes_without_a_gap(client, streams, token, cat_b):
    agent = token("agent", RAMEN)
    s = streams(agent)
    rep = report_here(client)
    created = s.next(reports={rep["id"]})
    assert created["data"]["report_id"] == rep["id"], created
    s.close()

    moved(client, rep["id"], agent, to="acknowledged")
    report_here(client, cat_b["id"])
    moved(client, rep["id"], agent, to="scheduled",
          scheduled_for=(datetime.date.today() + datetime.timedelta(days=7)).isoformat())
    moved(client, rep["id"], agent, to="resolved")
    back = streams(agent, last_event_id=created["id"])
    missed = [back.next(reports={rep["id"]}) for _ in range(3)]
    moved(client, rep["id"], agent, to="acknowledged")
    live = back.next(reports={rep["id"]})

    events = history(client, rep["id"])["events"]
    assert [e["data"]["id"] for e in missed + [live]] == [e["id"] for e in events[1:]], \
        (missed, live)
    assert [e["data"]["to"] for e in missed + [live]] == \
        ["acknowledged", "scheduled", "resolved", "acknowledged"]
    order = [position(e) for e in [created] + missed + [live]]
    assert order == sorted(order) and len(set(order)) == len(order), order


@pytest.mark.parametrize("last_event_id", ["abc", "12", "12.", ".12", "1.2.3", "-1.2", "1.x"])
def test_malformed_last_event_id(dmrd, token, last_event_id):
    r = raw_exchange(dmrd.port, request_head(token("supervisor"), last_event_id=last_event_id))
    assert_error(r, 400, "invalid_parameter", "Last-Event-ID")


def test_stream_errors(dmrd, token, cat_b):
    def answer(secret, **options):
        return raw_exchange(dmrd.port, request_head(secret, **options))

    assert_error(answer(None), 401, "unauthorized")
    r = answer("dmr_" + "0" * 64)
    assert_error(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate") == "Bearer", r
    assert_error(answer(token("admin")), 403, "forbidden")
    assert_error(answer(token("agent", RAMEN), service=cat_b["service"]), 403, "forbidden")
    assert_error(answer(token("supervisor"), service="NO-SUCH-SERVICE"), 422, "unknown_service",
                 "service")


def test_an_idle_stream_opens_at_once(dmrd, token):
    """The answer's headers and a first comment come before any event or heartbeat (15 s):
    a browser's EventSource is open at once, and a page can say it is live."""
    s = Stream(dmrd.port, token("agent", RAMEN))
    try:
        s.sock.settimeout(10)
        first = s.response.readline().decode()
        assert first.startswith((":", "id: ")), first
    finally:
        s.close()


def test_idle_streams_hold_no_thread(tmp_path, token):
    """40 open streams on a dmrd of 4 HTTP threads: ordinary requests still answer at once,
    and every stream gets the next event."""
    server = Dmrd(tmp_path / "dmrd-streams.log", {"DMR_THREADS": "4"})
    opened = []
    try:
        server.wait_healthy()
        supervisor = token("supervisor")
        opened = [Stream(server.port, supervisor) for _ in range(40)]
        c = server.client()
        start = time.monotonic()
        assert c.get(f"{API}/categories").status == 200
        rep = report_here(c)
        elapsed = time.monotonic() - start
        assert elapsed < 1.0, f"two requests took {elapsed:.2f} s with 40 streams open"
        for s in opened:
            assert s.next(reports={rep["id"]})["data"]["report_id"] == rep["id"]
    finally:
        for s in opened:
            s.close()
        server.kill()


def test_sigterm_ends_the_streams_and_exits(tmp_path, token):
    server = Dmrd(tmp_path / "dmrd-sigterm.log")
    opened = []
    try:
        server.wait_healthy()
        opened = [Stream(server.port, token("supervisor")) for _ in range(3)]
        start = time.monotonic()
        code = server.terminate(timeout=10)
        elapsed = time.monotonic() - start
        assert code == 0, f"exit {code} after SIGTERM with streams open:\n{server.tail()}"
        for s in opened:
            with pytest.raises(EOFError):
                s.next()
        assert elapsed < 2, f"dmrd took {elapsed:.1f} s to stop with 3 streams open"
    finally:
        for s in opened:
            s.close()
        server.kill()
