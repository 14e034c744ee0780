"""Session fixtures: one dmrd for the whole suite, a keep-alive client, reference data.

Run by `deploy/local test` as `/usr/bin/python3 -m pytest -q tests/integration` with
DMR_BUILD_DIR, DMR_DATABASE, DMR_HOME, DMR_SHARE_DIR, DMR_SHARED and DMR_LOCAL set."""

import json
import os
import random

import pytest

import harness
from harness import API, Arrondissements, Dmrd, psql
from sinks import HttpSink, SmtpSink


def pytest_configure(config):
    config.addinivalue_line("markers", "disruptive: stops the shared database; runs last")
    config.addinivalue_line("markers", "browser: drives chromium; deploy/local test runs them "
                                       "in the release pass only")


def pytest_collection_modifyitems(config, items):
    # Tests that stop the database run after everything else, whatever the file order.
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for path in harness.DMRD_LOGS:
            try:
                with open(path, "rb") as f:
                    lines = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            rep.sections.append((f"dmrd stderr ({os.path.basename(path)}, last 40 lines)",
                                 "\n".join(lines[-40:])))


def pytest_terminal_summary(terminalreporter):
    for folder in sorted(harness.SCREENSHOT_DIRS):
        terminalreporter.write_line(f"browser screenshots: {folder}")


@pytest.fixture(scope="session")
def dmrd(tmp_path_factory):
    for name in ("DMR_BUILD_DIR", "DMR_DATABASE", "DMR_SHARE_DIR", "DMR_SHARED"):
        if not os.environ.get(name):
            pytest.fail(f"{name} is not set: run the suite through `deploy/local test`",
                        pytrace=False)
    server = Dmrd(tmp_path_factory.mktemp("dmrd") / "dmrd.log",
                  {"DMR_PUBLIC_URL": harness.PUBLIC_URL})
    try:
        server.wait_healthy(timeout=20)
    except BaseException:
        server.kill()
        raise
    yield server
    code = server.terminate(timeout=10)
    tail = server.tail()
    server.kill()
    assert code == 0, f"dmrd did not exit 0 within 10 s of SIGTERM (exit: {code}):\n{tail}"


@pytest.fixture(scope="session")
def client(dmrd):
    c = dmrd.client()
    yield c
    c.close()


@pytest.fixture(scope="session")
def categories(client):
    r = client.get(f"{API}/categories")
    assert r.status == 200, r
    return r.body["categories"]


@pytest.fixture(scope="session")
def leaves(categories):
    """Every sub-category, with its parent's id and label added."""
    out = []
    for top in categories:
        for child in top["children"]:
            out.append(dict(child, parent_id=top["id"], parent_label=top["label"]))
    return out


def _public_leaf(leaves, top_label, preferred):
    candidates = [c for c in leaves if c["parent_label"] == top_label and not c["agent_only"]]
    for c in candidates:
        if c["label"] == preferred:
            return c
    assert candidates, f"no public sub-category under {top_label!r}"
    return candidates[0]


@pytest.fixture(scope="session")
def cat_a(leaves):
    """A public sub-category of 'Objets abandonnés' (Ramen's bulky items if present)."""
    return _public_leaf(leaves, "Objets abandonnés", "Autres objets encombrants abandonnés")


@pytest.fixture(scope="session")
def cat_b(leaves, cat_a):
    """A public sub-category of another top category, with another service if possible."""
    candidates = [c for c in leaves if not c["agent_only"] and c["parent_id"] != cat_a["parent_id"]]
    for c in candidates:
        if c["parent_label"].startswith("Graffitis") and c["service"] != cat_a["service"]:
            return c
    for c in candidates:
        if c["service"] != cat_a["service"]:
            return c
    return candidates[0]


@pytest.fixture(scope="session")
def agent_only_leaf(leaves):
    agent = [c for c in leaves if c["agent_only"]]
    assert agent, "no agent-only sub-category in /api/v1/categories"
    return agent[0]


@pytest.fixture(scope="session")
def arrondissements():
    return Arrondissements()


@pytest.fixture
def spot(arrondissements):
    """A fresh random place in Paris (lat, lon, arrondissement), 400 m from any boundary."""
    return arrondissements.random_spot(random.Random())


@pytest.fixture
def new_report(client, cat_a):
    """Create a report; returns the 201 answer's body."""

    def make(lat, lon, category_id=None, **fields):
        body = {"category_id": category_id or cat_a["id"], "lat": lat, "lon": lon}
        body.update(fields)
        r = client.post(f"{API}/reports", body)
        assert r.status == 201, f"creating {body}: {r!r}"
        return r.body

    return make


@pytest.fixture(scope="session")
def token():
    """token(role, *services): an API token of that role and services, made once a session."""
    made = {}

    def get(role, *services):
        if (role, services) not in made:
            made[role, services] = harness.new_token(role, *services)
        return made[role, services]

    return get


# ------------------------------------------------------------------- other dmrd, sinks, mail


@pytest.fixture
def relay():
    """An SMTP sink, stopped after the test."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def gateway():
    """The HTTP sink: the push gateway at /push, Ramen's webhook at /ramen."""
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def nodes(tmp_path):
    """nodes(**env): a new dmrd with quick retries and `env`; each is stopped after the test."""
    started = []

    def start(**environ):
        server = Dmrd(tmp_path / f"dmrd-{len(started)}.log",
                      dict(harness.NODE_SETTINGS, **environ))
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.terminate()
        server.kill()


@pytest.fixture(scope="session")
def confirm_target(client, arrondissements, cat_b):
    """An open report that the addresses of `confirmed` follow, away from every other test's
    spots, in a service that hears of nothing by e-mail."""
    lat, lon, _ = arrondissements.random_spot(random.Random())
    r = client.post(f"{API}/reports", {"category_id": cat_b["id"], "lat": lat, "lon": lon})
    assert r.status == 201, r
    return r.body["id"]


@pytest.fixture
def confirmed(client, confirm_target):
    """confirmed(tag): a new e-mail address that its owner confirmed, through the link of the
    message that following a report sends (taken from the outbox, then removed from it)."""

    def make(tag):
        address = f"{tag}-{os.urandom(5).hex()}@example.org"
        harness.follow_confirmed(client, confirm_target, address)
        return address

    return make


class Mailer:
    """A dmrd that delivers e-mails to an SMTP sink, and what reached it, per address."""

    def __init__(self, relay):
        self.relay = relay

    @staticmethod
    def rows(address):
        return json.loads(psql(f"SELECT coalesce(json_agg(o ORDER BY o.id), '[]') FROM outbox o"
                               f" WHERE channel = 'email' AND recipient = '{address}'"))

    def states(self, address):
        """"kind:state" of every e-mail to the address, sorted."""
        return sorted(f"{r['kind']}:{r['state']}" for r in self.rows(address))

    def mails_to(self, address, kinds, timeout=20.0):
        """Once the e-mails to the address that are not held are those of `kinds` (in any
        order), all sent and all received: {kind: [Mail, ...]} in the order of the outbox."""
        def delivered():
            rows = [r for r in self.rows(address) if r["state"] != "held"]
            if sorted(r["kind"] for r in rows) != sorted(kinds) or \
                    any(r["state"] != "sent" for r in rows):
                return None
            got = {m.message_id: m for m in self.relay.received if m.rcpt == [address]}
            found = {}
            for r in rows:
                mail = next((m for i, m in got.items() if r["message_id"] in i), None)
                if mail is None:
                    return None
                found.setdefault(r["kind"], []).append(mail)
            return found

        return harness.wait_until(f"e-mails {kinds} to {address}", delivered, timeout)


@pytest.fixture
def mailer(nodes, relay):
    nodes(DMR_SMTP_URL=relay.url)
    return Mailer(relay)
