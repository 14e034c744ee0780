"""Creating, reading and finding reports (docs/api.md, "Reports")."""

import datetime
import re
import threading
import uuid

import harness
from harness import API, assert_error, bearer, offset, report_count, unchanged_reports

NUMBER_RE = re.compile(r"^[SGA]\d{4}[A-L]\d{6,}$")
CREATED_AT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
RULES = {"override_sector", "park_override", "category_sector", "nearest_sector",
         "service_queue"}
SECRET_EMAIL = "secret.person@example.org"


def parse_ts(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def month_letters(created_at):
    """Year+month letter of the number: UTC or Paris time (UTC+1/UTC+2) are both fine."""
    ts = parse_ts(created_at)
    out = set()
    for hours in (0, 1, 2):
        t = ts + datetime.timedelta(hours=hours)
        out.add(f"{t.year:04d}{'ABCDEFGHIJKL'[t.month - 1]}")
    return out


def check_public_report(rep, category, lat, lon, arrondissement=None):
    assert isinstance(rep["id"], int) and rep["id"] > 0, rep
    assert NUMBER_RE.match(rep["number"]), rep["number"]
    assert rep["number"][1:6] in month_letters(rep["created_at"]), (rep["number"], rep["created_at"])
    assert rep["status"] == "new"
    assert rep["category"]["id"] == category["id"]
    assert rep["category"]["label"] == category["label"]
    assert rep["category"]["parent"] == {"id": category["parent_id"],
                                         "label": category["parent_label"]}
    assert isinstance(rep["service"]["code"], str) and rep["service"]["code"], rep
    assert isinstance(rep["service"]["name"], str) and rep["service"]["name"], rep
    assert "sector" in rep, rep
    if rep["sector"] is not None:
        assert rep["sector"]["code"] and rep["sector"]["name"], rep
    assert isinstance(rep["arrondissement"], int) and 1 <= rep["arrondissement"] <= 20, rep
    if arrondissement is not None:
        assert rep["arrondissement"] == arrondissement, rep
    assert rep["priority"] in (1, 2, 3)
    assert abs(rep["lat"] - lat) < 1e-6 and abs(rep["lon"] - lon) < 1e-6, rep
    assert rep["channel"] in ("web", "android", "ios")
    assert CREATED_AT_RE.match(rep["created_at"]), rep["created_at"]
    assert rep["routing"]["rule"] in RULES, rep
    assert "distance_m" in rep["routing"], rep
    if rep["routing"]["rule"] == "nearest_sector":
        assert isinstance(rep["routing"]["distance_m"], (int, float)), rep
    if rep["routing"]["rule"] == "category_sector":
        assert rep["service"]["code"] == category["service"], rep
    for key in ("email", "device_id", "reporter"):
        assert key not in rep, f"{key} in a public report: {rep}"


# ------------------------------------------------------------------------------------ create


def test_create_report(client, spot, cat_a):
    lat, lon, arr = spot
    before = report_count()
    body = {"category_id": cat_a["id"], "lat": lat, "lon": lon,
            "description": "Un matelas sur le trottoir", "address": "1 rue de Test, Paris"}
    r = client.post(f"{API}/reports", body)
    assert r.status == 201, r
    assert r.headers.get("Content-Type", "").split(";")[0] == "application/json"
    rep = r.body
    check_public_report(rep, cat_a, lat, lon, arr)
    location = r.headers.get("Location", "")
    assert location == f"/api/v1/reports/{rep['id']}" or (
        location.startswith("http") and location.endswith(f"/api/v1/reports/{rep['id']}")), \
        f"Location: {location!r}"
    assert rep["number"][0] == "S" and rep["channel"] == "web"
    assert rep["priority"] == 3
    assert rep["description"] == body["description"]
    assert rep["address"] != body["address"] and "address_given" not in rep, \
        "the address is the position's, and the one typed is the staff's only"
    assert report_count() == before + 1

    got = client.get(f"{API}/reports/{rep['id']}")
    assert got.status == 200, got
    assert len(rep.pop("edit_token")) == 64, "the creation answer gives the reporter a token"
    assert isinstance(rep.pop("suggestions"), list), "the creation answer lists suggestions"
    assert got.body == rep, "the public report is the creation answer without its token"


def test_numbers_keep_every_digit_of_the_counter():
    """Paris has had about 1.5 million reports: the counter grows past six digits, uncut."""
    assert harness.psql("SELECT dmr_report_number('S', 1000000, '2026-07-14T12:00:00Z')"
                        " || ' ' || dmr_report_number('G', 42, '2026-01-01T12:00:00Z')") \
        == "S2026G1000000 G2026A000042"


def test_unicode_round_trip(client, spot, cat_a, token):
    lat, lon, _ = spot
    text = "Matelas abandonné près du café « Chez Zoé » — ça gêne 🛏️🚮 ÀÉÎÕÜ ñ 漢字 \"quoted\" \\ /"
    address = "12 rue de l'Évangile, 75018 Paris ✓"
    r = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                                       "description": text, "address": address})
    assert r.status == 201, r
    assert r.body["description"] == text
    got = client.get(f"{API}/reports/{r.body['id']}").body
    assert got["description"] == text
    staff = client.get(f"{API}/reports/{r.body['id']}", headers=bearer(token("supervisor")))
    assert staff.body["address_given"] == address, staff


def test_channels_and_priority(client, spot, cat_a):
    lat, lon, _ = spot
    letters = {"web": "S", "android": "G", "ios": "A"}
    numbers = set()
    for channel, letter in letters.items():
        r = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                                           "channel": channel, "priority": 1})
        assert r.status == 201, r
        assert r.body["channel"] == channel and r.body["number"][0] == letter, r.body
        assert r.body["priority"] == 1
        numbers.add(r.body["number"])
    assert len(numbers) == 3


def test_content_type_with_charset(client, spot, cat_a):
    lat, lon, _ = spot
    r = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon},
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 201, r


def test_description_4000_characters_accepted(client, spot, cat_a):
    lat, lon, _ = spot
    text = "é" * 4000  # 4000 characters, 8000 bytes: the limit counts characters
    r = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                                       "description": text})
    assert r.status == 201, r
    assert r.body["description"] == text


def test_get_unknown_report(client):
    assert_error(client.get(f"{API}/reports/999999999"), 404, "not_found")


# ------------------------------------------------------------------------------- idempotency


def test_idempotency_replay(client, spot, cat_a):
    lat, lon, _ = spot
    key = f"test-{uuid.uuid4()}"
    body = {"category_id": cat_a["id"], "lat": lat, "lon": lon, "description": key}
    before = report_count()
    first = client.post(f"{API}/reports", body, headers={"Idempotency-Key": key})
    assert first.status == 201, first
    assert first.headers.get("Idempotent-Replayed", "false").lower() != "true"
    second = client.post(f"{API}/reports", body, headers={"Idempotency-Key": key})
    assert second.status == 201, second
    assert second.headers.get("Idempotent-Replayed", "").lower() == "true", second.headers
    assert second.body["id"] == first.body["id"]
    assert second.body["number"] == first.body["number"]
    assert second.headers.get("Location") == first.headers.get("Location")
    assert report_count() == before + 1


def test_idempotency_key_reused_with_other_body(client, spot, cat_a):
    lat, lon, _ = spot
    key = f"test-{uuid.uuid4()}"
    first = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon},
                        headers={"Idempotency-Key": key})
    assert first.status == 201, first
    with unchanged_reports():
        r = client.post(f"{API}/reports",
                        {"category_id": cat_a["id"], "lat": lat, "lon": lon, "priority": 1},
                        headers={"Idempotency-Key": key})
        assert_error(r, 409, "idempotency_key_reused")


def test_idempotency_concurrent(dmrd, spot, cat_a):
    lat, lon, _ = spot
    key = f"test-{uuid.uuid4()}"
    body = {"category_id": cat_a["id"], "lat": lat, "lon": lon, "description": key}
    n = 10
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        c = dmrd.client()
        try:
            c.get("/healthz")  # connect first, so that the posts really start together
            barrier.wait(timeout=10)
            results[i] = c.post(f"{API}/reports", body, headers={"Idempotency-Key": key})
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = e
        finally:
            c.close()

    before = report_count()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = [getattr(r, "status", r) for r in results]
    assert all(s == 201 for s in statuses), statuses
    ids = {r.body["id"] for r in results}
    assert len(ids) == 1, ids
    replayed = [r.headers.get("Idempotent-Replayed", "").lower() == "true" for r in results]
    assert replayed.count(False) == 1, replayed
    assert report_count() == before + 1


# ------------------------------------------------------------------------------------ search


def ids_of(resp):
    assert resp.status == 200, resp
    return [r["id"] for r in resp.body["reports"]]


def test_search_near(client, new_report, spot):
    lat, lon, _ = spot
    made = {}
    for d in (120, 0, 300, 50):  # created out of order on purpose
        plat, plon = offset(lat, lon, north_m=d)
        made[d] = new_report(plat, plon)["id"]
    r = client.get(f"{API}/reports", {"near": f"{lat},{lon}", "radius": 200, "limit": 1000})
    assert r.status == 200, r
    reps = r.body["reports"]
    dists = [x["distance_m"] for x in reps]
    assert dists == sorted(dists), f"not nearest first: {dists}"
    assert all(d <= 200.5 for d in dists), dists
    got = [x["id"] for x in reps]
    mine = [i for i in got if i in made.values()]
    assert mine == [made[0], made[50], made[120]], (mine, made)
    by_id = {x["id"]: x for x in reps}
    for d in (0, 50, 120):
        assert abs(by_id[made[d]]["distance_m"] - d) < 3, (d, by_id[made[d]]["distance_m"])
    assert made[300] not in got

    wide = client.get(f"{API}/reports", {"near": f"{lat},{lon}", "radius": 500, "limit": 1000})
    wide_ids = ids_of(wide)
    assert made[300] in wide_ids
    assert [i for i in wide_ids if i in made.values()] == [made[0], made[50], made[120], made[300]]

    default = ids_of(client.get(f"{API}/reports", {"near": f"{lat},{lon}", "limit": 1000}))
    assert made[120] in default and made[300] not in default, "default radius is not 200 m"


def test_search_bbox(client, new_report, spot):
    lat, lon, _ = spot
    inside = new_report(lat, lon)["id"]
    out_lat, out_lon = offset(lat, lon, east_m=150)
    outside = new_report(out_lat, out_lon)["id"]
    s, w = offset(lat, lon, north_m=-50, east_m=-50)
    n, e = offset(lat, lon, north_m=50, east_m=50)
    r = client.get(f"{API}/reports", {"bbox": f"{w},{s},{e},{n}", "limit": 1000})
    got = ids_of(r)
    assert inside in got and outside not in got
    for x in r.body["reports"]:
        assert w <= x["lon"] <= e and s <= x["lat"] <= n, x
    stamps = [x["created_at"] for x in r.body["reports"]]
    assert stamps == sorted(stamps, reverse=True), "bbox results are not newest first"


def test_search_filters(client, new_report, spot, cat_a, cat_b):
    lat, lon, _ = spot
    a = new_report(lat, lon, category_id=cat_a["id"])
    b = new_report(*offset(lat, lon, north_m=5), category_id=cat_b["id"])
    base = {"near": f"{lat},{lon}", "radius": 30, "limit": 1000}

    def search(**extra):
        r = client.get(f"{API}/reports", dict(base, **extra))
        assert r.status == 200, (extra, r)
        return r.body["reports"]

    leaf = search(category_id=cat_a["id"])
    assert a["id"] in [x["id"] for x in leaf] and b["id"] not in [x["id"] for x in leaf]
    assert all(x["category"]["id"] == cat_a["id"] for x in leaf)

    top = search(category_id=cat_a["parent_id"])
    assert a["id"] in [x["id"] for x in top] and b["id"] not in [x["id"] for x in top]
    assert all(x["category"]["parent"]["id"] == cat_a["parent_id"] for x in top)

    top_b = search(category_id=cat_b["parent_id"])
    assert b["id"] in [x["id"] for x in top_b] and a["id"] not in [x["id"] for x in top_b]

    new = [x["id"] for x in search(status="new")]
    assert a["id"] in new and b["id"] in new
    assert not {a["id"], b["id"]} & {x["id"] for x in search(status="resolved")}
    assert not {a["id"], b["id"]} & {x["id"] for x in search(status="resolved,rejected")}
    both = {x["id"] for x in search(status="resolved,new")}
    assert {a["id"], b["id"]} <= both

    svc = a["service"]["code"]
    by_service = search(service=svc)
    assert a["id"] in [x["id"] for x in by_service]
    assert all(x["service"]["code"] == svc for x in by_service)
    if b["service"]["code"] != svc:
        assert b["id"] not in [x["id"] for x in by_service]


def test_search_since(client, new_report, spot):
    lat, lon, _ = spot
    rep = new_report(lat, lon)
    base = {"near": f"{lat},{lon}", "radius": 20, "limit": 1000}
    created = parse_ts(rep["created_at"])

    def ids(since):
        return ids_of(client.get(f"{API}/reports", dict(base, since=since)))

    assert rep["id"] in ids(rep["created_at"]), "since is 'created at or after'"
    assert rep["id"] in ids((created - datetime.timedelta(days=1)).date().isoformat())
    assert rep["id"] in ids((created - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert rep["id"] in ids((created + datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S+02:00"))  # same instant minus one hour
    assert rep["id"] not in ids((created + datetime.timedelta(days=2)).date().isoformat())
    assert rep["id"] not in ids((created + datetime.timedelta(seconds=2)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"))


def walk(client, params, headers=None, max_pages=100):
    """Every page of a search; returns (list of pages of reports, list of page sizes)."""
    pages = []
    cursor = None
    for _ in range(max_pages):
        p = dict(params)
        if cursor is not None:
            p["cursor"] = cursor
        r = client.get(f"{API}/reports", p, headers=headers)
        assert r.status == 200, (p, r)
        assert "next_cursor" in r.body, r
        pages.append(r.body["reports"])
        cursor = r.body["next_cursor"]
        if cursor is None:
            return pages
        assert isinstance(cursor, str) and cursor
    raise AssertionError(f"more than {max_pages} pages")


def test_pagination_bbox(client, new_report, spot):
    lat, lon, _ = spot
    made = set()
    for i in range(25):
        plat, plon = offset(lat, lon, north_m=(i % 5) * 8 - 16, east_m=(i // 5) * 8 - 16)
        made.add(new_report(plat, plon)["id"])
    s, w = offset(lat, lon, north_m=-30, east_m=-30)
    n, e = offset(lat, lon, north_m=30, east_m=30)
    params = {"bbox": f"{w},{s},{e},{n}", "limit": 7}
    pages = walk(client, params)
    assert all(len(p) <= 7 for p in pages), [len(p) for p in pages]
    assert all(len(p) == 7 for p in pages[:-1]), [len(p) for p in pages]
    seen = [x["id"] for p in pages for x in p]
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"
    assert made <= set(seen), f"missing: {made - set(seen)}"
    everything = ids_of(client.get(f"{API}/reports", dict(params, limit=1000)))
    assert seen == everything, "pages differ from the single-page answer"
    stamps = [x["created_at"] for p in pages for x in p]
    assert stamps == sorted(stamps, reverse=True), "not newest first across pages"


def test_pagination_near(client, new_report, spot):
    lat, lon, _ = spot
    made = set()
    for i in range(20):
        made.add(new_report(*offset(lat, lon, north_m=i * 3, east_m=(i % 3) * 2))["id"])
    params = {"near": f"{lat},{lon}", "radius": 100, "limit": 7}
    pages = walk(client, params)
    seen = [x["id"] for p in pages for x in p]
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"
    assert made <= set(seen), f"missing: {made - set(seen)}"
    dists = [x["distance_m"] for p in pages for x in p]
    assert dists == sorted(dists), "not nearest first across pages"


def test_pagination_all_reports(client):
    """Without near/bbox, pages walk every report, newest first (compared with the table)."""
    pages = walk(client, {"limit": 1000}, max_pages=1000)
    seen = [x["id"] for p in pages for x in p]
    assert len(seen) == len(set(seen)), "duplicates across pages"
    assert len(seen) == report_count(), "every report is listed"
    stamps = [x["created_at"] for p in pages for x in p]
    assert stamps == sorted(stamps, reverse=True), "not newest first"


def test_limit_bounds(client):
    assert_error(client.get(f"{API}/reports", {"limit": 1001}), 400, "invalid_parameter", "limit")
    assert_error(client.get(f"{API}/reports", {"limit": 0}), 400, "invalid_parameter", "limit")
    r = client.get(f"{API}/reports", {"limit": 1000})
    assert r.status == 200 and len(r.body["reports"]) <= 1000
    r = client.get(f"{API}/reports", {"limit": 1})
    assert r.status == 200 and len(r.body["reports"]) <= 1


def test_default_limit_is_50(client, new_report, spot):
    lat, lon, _ = spot
    while report_count() < 51:
        new_report(lat, lon)
    r = client.get(f"{API}/reports")
    assert r.status == 200
    assert len(r.body["reports"]) == 50
    assert r.body["next_cursor"]


def test_geojson(client, new_report, spot):
    lat, lon, _ = spot
    rep = new_report(lat, lon, description="geojson")
    r = client.get(f"{API}/reports", {"near": f"{lat},{lon}", "radius": 20},
                   headers={"Accept": "application/geo+json"})
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").split(";")[0].strip() == "application/geo+json"
    fc = r.body
    assert fc["type"] == "FeatureCollection"
    assert "next_cursor" in fc
    feats = {f["properties"]["id"]: f for f in fc["features"]}
    assert rep["id"] in feats
    f = feats[rep["id"]]
    assert f["type"] == "Feature"
    assert f["geometry"]["type"] == "Point"
    flon, flat = f["geometry"]["coordinates"][:2]
    assert abs(flon - lon) < 1e-6 and abs(flat - lat) < 1e-6, "coordinates must be [lon, lat]"
    props = f["properties"]
    assert "lat" not in props and "lon" not in props
    assert props["number"] == rep["number"] and props["description"] == "geojson"

    bbox = client.get(f"{API}/reports", {"bbox": f"{lon - 0.001},{lat - 0.001},{lon + 0.001},"
                                                 f"{lat + 0.001}", "limit": 1000},
                      headers={"Accept": "application/geo+json"})
    assert bbox.status == 200 and bbox.body["type"] == "FeatureCollection"
    assert rep["id"] in [x["properties"]["id"] for x in bbox.body["features"]]


def test_no_personal_data(client, spot, cat_a):
    lat, lon, _ = spot
    r = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                                       "email": SECRET_EMAIL, "description": "private"})
    assert r.status == 201, r
    rid = r.body["id"]
    answers = [r, client.get(f"{API}/reports/{rid}")]
    near = {"near": f"{lat},{lon}", "radius": 20, "limit": 1000}
    bbox = {"bbox": f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}", "limit": 1000}
    for params in (near, bbox, {"limit": 1000}):
        answers.append(client.get(f"{API}/reports", params))
        answers.append(client.get(f"{API}/reports", params,
                                  headers={"Accept": "application/geo+json"}))
    for a in answers:
        assert a.status in (200, 201), a
        raw = a.raw.decode("utf-8")
        assert "secret.person" not in raw, f"the e-mail leaked into a public answer: {a!r}"
        assert "example.org" not in raw, f"the e-mail leaked into a public answer: {a!r}"
    # The report itself was in the near and bbox answers (JSON and GeoJSON).
    for a in answers[2:6]:
        listed = [x["id"] for x in a.body.get("reports", [])] + \
            [x["properties"]["id"] for x in a.body.get("features", [])]
        assert rid in listed, a


# ---------------------------------------------------------------------------- route preview


def test_route_preview(client, spot, cat_a, agent_only_leaf):
    lat, lon, arr = spot
    with unchanged_reports():
        r = client.get(f"{API}/route", {"category_id": cat_a["id"], "lat": lat, "lon": lon})
        assert r.status == 200, r
        assert r.body["category_id"] == cat_a["id"]
        assert r.body["arrondissement"] == arr
        assert r.body["service"]["code"] and r.body["service"]["name"]
        assert "sector" in r.body
        assert r.body["routing"]["rule"] in RULES
        if r.body["routing"]["rule"] == "category_sector":
            assert r.body["service"]["code"] == cat_a["service"]
        agent = client.get(f"{API}/route", {"category_id": agent_only_leaf["id"],
                                            "lat": lat, "lon": lon})
        assert agent.status == 200, agent
        assert agent.body["category_id"] == agent_only_leaf["id"]


def test_route_matches_created_report(client, new_report, spot, cat_b):
    lat, lon, _ = spot
    preview = client.get(f"{API}/route", {"category_id": cat_b["id"], "lat": lat, "lon": lon})
    assert preview.status == 200, preview
    rep = new_report(lat, lon, category_id=cat_b["id"])
    for key in ("service", "sector", "arrondissement", "routing"):
        assert rep[key] == preview.body[key], key
