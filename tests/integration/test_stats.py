"""Statistics (GET /api/v1/stats) and the CSV export (GET /api/v1/reports.csv): the figures
equal counts made here in SQL, the CSV parses back, every bad parameter has its 4xx, the
export is for supervisors and admins and never carries an e-mail or a device id."""

import csv
import datetime
import io
import random
import socket
import uuid

import pytest

import harness
from harness import API, assert_error, bearer, moved, psql, unchanged_reports

# The reports of this module are moved back to creation dates in a window of 12 days drawn
# in the past (Paris time), far from the reports other tests make today and from those of
# earlier runs on the same database, so that a period picks exactly them.
_START = datetime.date(random.randrange(2001, 2024), random.randrange(1, 13),
                       random.randrange(1, 16))
WINDOW = (_START.isoformat(), (_START + datetime.timedelta(days=15)).isoformat())
DESCRIPTION = 'Il a dit "non"; puis, à 8h,\nrien.\r\nFin'
FIGURES = ("count", "open", "overdue", "resolved", "rejected", "acknowledge_hours_median",
           "acknowledge_hours_p90", "resolve_hours_median", "resolve_hours_p90",
           "resolved_on_time_share")


@pytest.fixture(scope="module")
def window_reports(client, token, cat_a, arrondissements):
    """Twelve reports of cat_a in three arrondissements: some acknowledged, resolved or
    rejected, then moved back in time (one day apart, deadlines following) so that their
    delays differ. Returns their ids."""
    rng = random.Random(12)
    agent = token("agent", cat_a["service"])
    ids = []
    for i in range(12):
        lat, lon, _ = arrondissements.random_spot(rng)
        body = {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                "description": DESCRIPTION, "email": f"stats-{uuid.uuid4().hex}@example.org",
                "device_id": f"device-{uuid.uuid4().hex}"}
        r = client.post(f"{API}/reports", body)
        assert r.status == 201, r
        rid = r.body["id"]
        ids.append(rid)
        if i % 4 >= 1:
            moved(client, rid, agent, to="acknowledged")
        if i % 4 == 2:
            moved(client, rid, agent, to="resolved")
        if i % 4 == 3:
            moved(client, rid, agent, to="rejected", reason="not_found")
    # The i-th report is created on day i of the window at 10:00, Paris time.
    psql(f"""UPDATE report r SET created_at = d.at, expected_at = d.at + interval '168 hours'
             FROM (SELECT id, (date '{WINDOW[0]}' + (n - 1) * interval '1 day'
                               + interval '10 hours') AT TIME ZONE 'Europe/Paris' AS at
                   FROM unnest(ARRAY{ids}::bigint[]) WITH ORDINALITY AS u (id, n)) d
             WHERE r.id = d.id""")
    return ids


def stats(client, secret=None, headers=None, **params):
    r = client.get(f"{API}/stats", params=params, headers=dict(bearer(secret), **(headers or {})))
    assert r.status == 200, r
    return r


def sql_figures(group_sql, where_sql):
    """The figures per group, computed here in SQL: {key: {figure: value}}."""
    out = psql(f"""
        SELECT {group_sql}, count(*),
               count(*) FILTER (WHERE s.is_open),
               count(*) FILTER (WHERE s.is_open AND r.expected_at < now()),
               count(*) FILTER (WHERE r.status = 'resolved'
                                   OR (r.status = 'archived' AND r.resolved_at IS NOT NULL)),
               count(*) FILTER (WHERE r.status = 'rejected'
                                   OR (r.status = 'archived' AND r.resolved_at IS NULL)),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY
                   extract(epoch FROM r.acknowledged_at - r.created_at) / 3600),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY
                   extract(epoch FROM r.acknowledged_at - r.created_at) / 3600),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY
                   extract(epoch FROM r.resolved_at - r.created_at) / 3600),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY
                   extract(epoch FROM r.resolved_at - r.created_at) / 3600),
               sum(CASE WHEN r.resolved_at <= r.expected_at THEN 1.0 ELSE 0 END)
                   / nullif(count(r.resolved_at), 0)
        FROM report r JOIN report_status s ON s.status = r.status
        WHERE {where_sql}
        GROUP BY 1""")
    result = {}
    for line in out.splitlines():
        key, *values = line.split("|")
        result[key] = {name: (float(v) if v else None) for name, v in zip(FIGURES, values)}
    return result


def assert_same_figures(row, expected):
    for name in FIGURES:
        want, got = expected[name], row[name]
        if want is None:
            assert got is None, (name, row, expected)
        elif name in FIGURES[:5]:
            assert got == int(want), (name, row, expected)
        else:
            assert got == pytest.approx(want, abs=0.006), (name, row, expected)


def window_where(cat_id):
    return (f"r.category_id = {cat_id}"
            f" AND r.created_at >= '{WINDOW[0]}'::timestamp AT TIME ZONE 'Europe/Paris'"
            f" AND r.created_at < ('{WINDOW[1]}'::date + 1)::timestamp"
            f" AT TIME ZONE 'Europe/Paris'")


def test_stats_by_arrondissement_equal_sql(client, window_reports, cat_a):
    r = stats(client, by="arrondissement", category=cat_a["id"], **{"from": WINDOW[0]},
              to=WINDOW[1])
    assert r.headers["Content-Type"].startswith("application/json"), r
    rows = r.body["rows"]
    expected = sql_figures("r.arrondissement", window_where(cat_a["id"]))
    assert sum(row["count"] for row in rows) == 12, rows
    assert {str(row["arrondissement"]) for row in rows} == set(expected), (rows, expected)
    for row in rows:
        assert set(row) == {"arrondissement", *FIGURES}, row
        assert_same_figures(row, expected[str(row["arrondissement"])])
    assert [row["arrondissement"] for row in rows] == sorted(row["arrondissement"]
                                                             for row in rows)


def test_stats_two_groupings_equal_sql(client, window_reports, cat_a):
    r = stats(client, by="status,day", category=cat_a["id"], **{"from": WINDOW[0]},
              to=WINDOW[1])
    expected = sql_figures(
        "r.status || '/' || to_char(r.created_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD')",
        window_where(cat_a["id"]))
    rows = r.body["rows"]
    assert {f"{row['status']}/{row['day']}" for row in rows} == set(expected), rows
    for row in rows:
        assert_same_figures(row, expected[f"{row['status']}/{row['day']}"])
    order = ["new", "acknowledged", "resolved", "rejected"]
    assert [order.index(row["status"]) for row in rows] == \
        sorted(order.index(row["status"]) for row in rows), rows


def test_stats_default_period_is_the_last_12_months(client, window_reports, cat_a):
    """Without from and to: the reports created in the 12 months up to now, whatever their
    status (not the map's default view)."""
    rows = stats(client, by="top_category", category=cat_a["id"]).body["rows"]
    expected = psql(f"""SELECT count(*) FROM report r WHERE r.category_id = {cat_a['id']}
                        AND r.created_at >= now() - interval '12 months'""")
    assert len(rows) == 1 and rows[0]["count"] == int(expected), rows
    assert rows[0]["top_category"] == cat_a["parent_id"], rows
    assert rows[0]["top_category_label"], rows


@pytest.mark.parametrize("by,key,label", [
    ("arrondissement", "arrondissement", None), ("quartier", "quartier", "quartier_name"),
    ("service", "service", "service_name"), ("sector", "sector", "sector_name"),
    ("top_category", "top_category", "top_category_label"),
    ("category", "category", "category_label"), ("status", "status", None),
    ("day", "day", None), ("week", "week", None), ("month", "month", None)])
def test_stats_every_grouping(client, window_reports, cat_a, by, key, label):
    rows = stats(client, by=by, category=cat_a["id"], **{"from": WINDOW[0]},
                 to=WINDOW[1]).body["rows"]
    assert sum(row["count"] for row in rows) == 12, rows
    for row in rows:
        assert set(row) == {key, *FIGURES} | ({label} if label else set()), row
    if by == "week":
        year, week, _ = _START.isocalendar()
        assert rows[0]["week"] == f"{year}-W{week:02d}", rows
    if by == "month":
        assert [row["month"] for row in rows] == [WINDOW[0][:7]], rows


def test_stats_csv(client, window_reports, cat_a):
    params = dict(by="service,arrondissement", category=cat_a["id"], to=WINDOW[1],
                  **{"from": WINDOW[0]})
    as_json = stats(client, **params).body["rows"]
    r = stats(client, headers={"Accept": "text/csv"}, **params)
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8", r
    table = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8"), newline="")))
    assert list(table[0]) == ["service", "service_name", "arrondissement", *FIGURES], table
    assert len(table) == len(as_json), (table, as_json)
    for row, j in zip(table, as_json):
        assert row["service"] == j["service"] and int(row["arrondissement"]) == \
            j["arrondissement"] and int(row["count"]) == j["count"], (row, j)
        assert (float(row["acknowledge_hours_median"]) if row["acknowledge_hours_median"]
                else None) == j["acknowledge_hours_median"], (row, j)


def test_stats_excel_form(client, window_reports, cat_a):
    r = stats(client, by="arrondissement", category=cat_a["id"], excel=1, to=WINDOW[1],
              **{"from": WINDOW[0]})
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8", r
    assert r.raw.startswith(b"\xef\xbb\xbf"), r
    table = list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert table[0] == ["arrondissement", *FIGURES], table
    share = [row[-1] for row in table[1:] if row[-1]]
    assert share and all("." not in v for v in share), table


def test_stats_public_leave_out_agent_only(client, token, cat_a, agent_only_leaf):
    """A report moved into an agent-only category counts for the staff, not the public."""
    rid = harness.report_here(client, category_id=cat_a["id"])["id"]
    psql(f"UPDATE report SET category_id = {agent_only_leaf['id']} WHERE id = {rid}")
    public = stats(client, by="category").body["rows"]
    staff = stats(client, token("supervisor"), by="category").body["rows"]
    assert agent_only_leaf["id"] not in [row["category"] for row in public], public
    assert [row["count"] for row in staff if row["category"] == agent_only_leaf["id"]] \
        == [int(psql(f"""SELECT count(*) FROM report WHERE category_id = {agent_only_leaf['id']}
                         AND created_at >= now() - interval '12 months'"""))]
    only = client.get(f"{API}/stats", params={"by": "day", "category": agent_only_leaf["id"]})
    assert only.status == 200 and only.body["rows"] == [], only


@pytest.mark.parametrize("params,field", [
    ({}, "by"),
    ({"by": ""}, "by"),
    ({"by": "colour"}, "by"),
    ({"by": "day,colour"}, "by"),
    ({"by": "arrondissement,service,day"}, "by"),
    ({"by": "day,day"}, "by"),
    ({"by": "day", "from": "2026-02-01", "to": "2026-01-01"}, "from"),
    ({"by": "day", "from": "2026-02-01", "to": "2026-02-01T00:00:00+01:00"}, "from"),
    ({"by": "day", "from": "yesterday"}, "from"),
    ({"by": "day", "to": "2026-13-45"}, "to"),
    ({"by": "day", "from": "2026-01-01", "since": "2026-01-01"}, "since"),
    ({"by": "day", "to": "2026-01-01", "until": "2026-01-02"}, "until"),
    ({"by": "day", "status": "lost"}, "status"),
    ({"by": "day", "service": "NOPE"}, "service"),
    ({"by": "day", "arrondissement": "21"}, "arrondissement"),
    ({"by": "day", "overdue": "maybe"}, "overdue"),
    ({"by": "day", "excel": "2"}, "excel"),
])
def test_stats_bad_parameters(client, params, field):
    with unchanged_reports():
        r = client.get(f"{API}/stats", params=params)
    assert_error(r, 400, "invalid_parameter", field)


def test_stats_unknown_token(client):
    assert_error(client.get(f"{API}/stats", params={"by": "day"},
                            headers=bearer("dmr_" + "0" * 64)), 401, "unauthorized")


# ------------------------------------------------------------------------------------ export


def export(client, secret, **params):
    r = client.get(f"{API}/reports.csv", params=params, headers=bearer(secret))
    assert r.status == 200, r
    return r


def test_export_needs_supervisor_or_admin(client, token):
    assert_error(client.get(f"{API}/reports.csv"), 401, "unauthorized")
    assert_error(client.get(f"{API}/reports.csv", headers=bearer("dmr_" + "1" * 64)), 401,
                 "unauthorized")
    for role in ("agent", "contractor", "client"):
        services = ("Ramen",) if role in ("agent", "contractor") else ()
        assert_error(client.get(f"{API}/reports.csv", headers=bearer(token(role, *services))),
                     403, "forbidden")
    for role in ("supervisor", "admin"):
        r = export(client, token(role), status="closed", since="2026-01-01", until="2026-01-01")
        assert r.raw.startswith(b"id,number,status,"), r


@pytest.mark.parametrize("params,field", [
    ({"status": "lost"}, "status"),
    ({"sector": "NOPE"}, "sector"),
    ({"category": "0"}, "category"),
    ({"category": "999999"}, "category"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "since"),
    ({"priority": "4"}, "priority"),
    ({"excel": "yes"}, "excel"),
])
def test_export_bad_parameters(client, token, params, field):
    with unchanged_reports():
        r = client.get(f"{API}/reports.csv", params=params, headers=bearer(token("supervisor")))
    assert_error(r, 400, "invalid_parameter", field)


def parse(raw, excel=False):
    if excel:
        assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""),
                                   delimiter=";"))
    assert not raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


@pytest.mark.parametrize("excel", [False, True])
def test_export_parses_back(client, token, window_reports, cat_a, excel):
    params = dict(category=cat_a["id"], since=WINDOW[0], until=WINDOW[1])
    if excel:
        params["excel"] = 1
    r = export(client, token("supervisor"), **params)
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8", r
    assert r.headers["Transfer-Encoding"] == "chunked", r
    rows = parse(r.raw, excel)
    assert len(rows) == int(psql(f"SELECT count(*) FROM report r WHERE "
                                 f"{window_where(cat_a['id'])}")), rows
    assert [int(row["id"]) for row in rows] == sorted(window_reports), rows
    for row in rows:
        assert row["description"] == DESCRIPTION, row
        assert row["category_id"] == str(cat_a["id"]) and row["channel"] == "web", row
        assert row["created_at"][:7] == WINDOW[0][:7] and row["expected_at"], row
    resolved = [row for row in rows if row["status"] == "resolved"]
    assert resolved and all(row["resolved_at"] and row["last_transition"] == "resolved"
                            for row in resolved), rows
    lat = rows[0]["lat"]
    assert ("," in lat and "." not in lat) if excel else ("." in lat), lat


def test_export_staff_fields_and_no_personal_data(client, token, cat_a):
    """The address typed and the client are there; the reporter's e-mail and device id, and
    the followers', never."""
    email, device = f"secret-{uuid.uuid4().hex}@example.org", f"dev-{uuid.uuid4().hex}"
    body = harness.report_here(client, category_id=cat_a["id"], email=email, device_id=device,
                               address="12 rue Imaginaire")
    follow = client.post(f"{API}/reports/{body['id']}/followers",
                         {"device_id": device + "-f", "email": "f-" + email})
    assert follow.status in (200, 201, 202), follow
    r = export(client, token("admin"), status="new", category=cat_a["id"])
    assert email.encode() not in r.raw and device.encode() not in r.raw, r
    assert b"example.org" not in r.raw, r
    row = next(row for row in parse(r.raw) if row["id"] == str(body["id"]))
    assert row["address_given"] == "12 rue Imaginaire", row
    assert row["last_transition"] == "new" and row["last_transition_at"], row
    assert not any("mail" in name or "device" in name for name in row), list(row)


def test_export_excel_shows_formulas_as_text(client, token, cat_a):
    """A description a spreadsheet would run as a formula is prefixed with a quote in the
    spreadsheet form, and left as it is in RFC 4180."""
    formula = '=HYPERLINK("http://evil.example";"clic")'
    rid = harness.report_here(client, category_id=cat_a["id"], description=formula)["id"]
    params = dict(status="new", category=cat_a["id"])
    excel = parse(export(client, token("supervisor"), excel=1, **params).raw, excel=True)
    plain = parse(export(client, token("supervisor"), **params).raw)
    assert next(r for r in excel if r["id"] == str(rid))["description"] == "'" + formula
    assert next(r for r in plain if r["id"] == str(rid))["description"] == formula


def test_export_duplicate_and_rejection(client, token, cat_a):
    agent = token("agent", cat_a["service"])
    original = harness.report_here(client, category_id=cat_a["id"])
    duplicate = harness.report_here(client, category_id=cat_a["id"])
    moved(client, duplicate["id"], agent, to="rejected", duplicate_of=original["id"])
    rows = parse(export(client, token("supervisor"), status="rejected",
                        category=cat_a["id"]).raw)
    row = next(row for row in rows if row["id"] == str(duplicate["id"]))
    assert row["duplicate_of"] == original["number"] and row["reject_reason"] == "duplicate", row
    assert row["reject_label"] and row["closed_at"] and row["overdue"] == "false", row
    assert row["last_transition"] == "rejected" and row["acknowledged_at"], row


def test_export_default_view(client, token, cat_a):
    """Without status nor since: the open reports and those closed in the last 30 days."""
    rows = parse(export(client, token("supervisor"), category=cat_a["id"]).raw)
    expected = psql(f"""SELECT count(*) FROM report r JOIN report_status s USING (status)
                        WHERE r.category_id = {cat_a['id']}
                          AND (s.is_open OR r.closed_at >= now() - interval '30 days')""")
    assert len(rows) == int(expected), len(rows)


@pytest.fixture
def many_reports(cat_a):
    """5,000 reports with a 4 kB description (20 MB of CSV), written without their triggers
    (no events, no notifications), removed after the test."""
    marker = f"bulk-{uuid.uuid4().hex}"
    psql(f"""SET session_replication_role = replica;
             INSERT INTO report (number, category_id, service_id, sector_id, arrondissement,
                                 description, point, channel, routing_rule, expected_at)
             SELECT 'T' || r.id || '-' || g, r.category_id, r.service_id, r.sector_id,
                    r.arrondissement, '{marker} ' || repeat('x', 4000), r.point, 'S',
                    r.routing_rule, now() + interval '7 days'
             FROM (SELECT * FROM report WHERE category_id = {cat_a['id']} LIMIT 1) r,
                  generate_series(1, 5000) g""")
    yield marker
    psql(f"DELETE FROM report WHERE description LIKE '{marker} %'")


def open_export(port, secret):
    """A raw export request whose answer is left unread: the export stays under way."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {API}/reports.csv?status=open HTTP/1.1\r\nHost: x\r\n"
              f"Authorization: Bearer {secret}\r\n\r\n".encode())
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    assert s.recv(12) == b"HTTP/1.1 200", "the export did not start"
    return s


def test_export_limit_and_departure(nodes, token, many_reports):
    """With a pool of 4 connections one export runs at a time: a second one is 503 busy with
    Retry-After while the first is under way; a client that goes away frees its slot (and its
    connection: the node still answers a statistics request from its pool)."""
    node = nodes(DMR_DB_POOL="4", DMR_THREADS="4")
    secret = token("supervisor")
    c = node.client()
    first = open_export(node.port, secret)
    try:
        busy = c.get(f"{API}/reports.csv", params={"status": "open"}, headers=bearer(secret))
        assert_error(busy, 503, "busy")
        assert busy.headers.get("Retry-After"), busy
        assert c.get(f"{API}/stats", params={"by": "day"}).status == 200
    finally:
        first.close()

    def again():
        r = c.get(f"{API}/reports.csv", params={"status": "closed", "since": "2026-01-01",
                                                 "until": "2026-01-01"},
                  headers=bearer(secret))
        return r if r.status == 200 else None
    harness.wait_until("the export's slot is free again", again)
    whole = c.get(f"{API}/reports.csv", params={"status": "open"}, headers=bearer(secret))
    assert whole.status == 200, whole
    assert sum(1 for row in parse(whole.raw) if row["description"].startswith(many_reports)) \
        == 5000
    c.close()
