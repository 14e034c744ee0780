"""The routing rules of docs/architecture.md (Routing). Rules 2 and 4 to 6 are forced with
sectors loaded by `dmrctl load-geo`: the test services and categories are made with SQL and
their sectors as GeoJSON files, as a city would load its own sector polygons, and override
sectors are removed afterwards so that they do not change the routing of the other tests.
Rule 3 (park_override) runs on the parks and the override table that load-paris loads."""

import json

import pytest

import harness
from harness import API, HOTEL_DE_VILLE, bearer, moved

LUXEMBOURG = (48.8462, 2.3372)      # inside the Jardin du Luxembourg box below
ODEON = (48.8510, 2.3390)           # 6th arrondissement, outside that box
EIFFEL = (48.8584, 2.2945)
BAGNOLET_BOX = (2.405, 48.860, 2.410, 48.865)  # min lon, min lat, max lon, max lat (20th)
BUTTES_CHAUMONT = (48.8800, 2.3825)  # in the Parc des Buttes-Chaumont
VINCENNES = (48.8330, 2.4360)        # in the Bois de Vincennes, a wood without workshop
# Overridden inside parks in geo/category_area_overrides.csv: the parks staff mend the
# street furniture of their parks. A streetlight is never theirs.
FURNITURE = "Autres : Autre mobilier urbain détérioré"
STREETLIGHT = "Éclairage public éteint la nuit"


def box(min_lon, min_lat, max_lon, max_lat):
    return {"type": "Polygon", "coordinates": [[
        [min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat],
        [min_lon, min_lat]]]}


def feature(code, geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": dict(code=code, **props)}


def load_sectors(tmp_path, name, features, *extra):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    p = harness.run_dmrctl("load-geo", str(path), "--kind", "sector", *extra)
    assert p.returncode == 0, p.stderr
    return p.stdout


def route(client, category_id, lat, lon):
    r = client.get(f"{API}/route", params={"category_id": category_id, "lat": lat, "lon": lon})
    assert r.status == 200, r
    return r.body


@pytest.fixture(scope="module")
def test_services():
    harness.psql(
        "INSERT INTO service (code, name, kind) VALUES"
        " ('TEST-PARKS', 'Parcs (test)', 'direction'),"
        " ('TEST-NEAR', 'Service à secteur lointain (test)', 'contractor'),"
        " ('TEST-QUEUE', 'Service sans secteur (test)', 'external'),"
        " ('TEST-PRIO', 'Secteurs superposés (test)', 'direction')"
        " ON CONFLICT (code) DO NOTHING;"
        "INSERT INTO category (id, parent_id, label, service_id)"
        " SELECT v.id, 1000, v.label, s.id FROM (VALUES"
        "  (1901, 'Test : secteur lointain', 'TEST-NEAR'),"
        "  (1902, 'Test : sans secteur', 'TEST-QUEUE'),"
        "  (1903, 'Test : secteurs superposés', 'TEST-PRIO')) v(id, label, code)"
        " JOIN service s ON s.code = v.code"
        " ON CONFLICT (id) DO NOTHING")
    yield
    harness.psql("DELETE FROM sector WHERE code LIKE 'TEST-%' AND NOT EXISTS"
                 " (SELECT 1 FROM report r WHERE r.sector_id = sector.id)")


def test_override_sector_takes_every_category(client, leaves, test_services, tmp_path):
    out = load_sectors(tmp_path, "parks.geojson", [
        feature("TEST-PARK-LUX", box(2.3320, 48.8440, 2.3400, 48.8490),
                name="Jardin du Luxembourg", service="TEST-PARKS", overrides_category=True)])
    assert "1 inserted" in out or "1 updated" in out, out
    try:
        public = [leaf for leaf in leaves if not leaf["agent_only"]]
        for leaf in public[::40]:
            inside = route(client, leaf["id"], *LUXEMBOURG)
            assert inside["routing"]["rule"] == "override_sector", inside
            assert inside["service"]["code"] == "TEST-PARKS"
            assert inside["sector"]["code"] == "TEST-PARK-LUX"
            outside = route(client, leaf["id"], *ODEON)
            assert outside["service"]["code"] == leaf["service"], outside
            assert outside["routing"]["rule"] != "override_sector"
        created = client.post(f"{API}/reports", json_body={
            "category_id": public[0]["id"], "lat": LUXEMBOURG[0], "lon": LUXEMBOURG[1]})
        assert created.status == 201, created
        assert created.body["service"]["code"] == "TEST-PARKS"
        assert created.body["routing"] == {"rule": "override_sector", "distance_m": None}
    finally:
        harness.psql("UPDATE sector SET overrides_category = false"
                     " WHERE code = 'TEST-PARK-LUX'")


def test_loading_sectors_twice_changes_nothing(test_services, tmp_path):
    features = [feature("TEST-PRIO-A", box(2.40, 48.85, 2.41, 48.86), service="TEST-PRIO")]
    load_sectors(tmp_path, "once.geojson", features)
    out = load_sectors(tmp_path, "twice.geojson", features)
    assert "0 inserted, 0 updated, 1 unchanged" in out, out


def test_nearest_sector_when_none_covers_the_point(client, test_services, tmp_path):
    load_sectors(tmp_path, "near.geojson", [
        feature("TEST-NEAR-BAGNOLET", box(*BAGNOLET_BOX), name="Porte de Bagnolet")],
        "--service", "TEST-NEAR")
    answer = route(client, 1901, *EIFFEL)
    assert answer["routing"]["rule"] == "nearest_sector", answer
    assert answer["sector"]["code"] == "TEST-NEAR-BAGNOLET"
    expected = float(harness.psql(
        "SELECT ST_Distance(geom::geography,"
        f" ST_SetSRID(ST_MakePoint({EIFFEL[1]}, {EIFFEL[0]}), 4326)::geography)"
        " FROM sector WHERE code = 'TEST-NEAR-BAGNOLET'"))
    assert expected > 8000
    assert abs(answer["routing"]["distance_m"] - expected) < 1, (answer, expected)
    inside = route(client, 1901, 48.8625, 2.4075)
    assert inside["routing"] == {"rule": "category_sector", "distance_m": None}, inside


def test_service_without_sector_still_takes_the_report(client, test_services):
    answer = route(client, 1902, *EIFFEL)
    assert answer["routing"] == {"rule": "service_queue", "distance_m": None}, answer
    assert answer["service"]["code"] == "TEST-QUEUE" and answer["sector"] is None
    created = client.post(f"{API}/reports",
                          json_body={"category_id": 1902, "lat": EIFFEL[0], "lon": EIFFEL[1]})
    assert created.status == 201, created
    assert created.body["sector"] is None and created.body["service"]["code"] == "TEST-QUEUE"
    assert created.body["arrondissement"] == 7


def test_priority_then_smallest_sector_wins(client, test_services, tmp_path):
    big = box(2.370, 48.855, 2.390, 48.870)
    small = box(2.378, 48.860, 2.382, 48.864)
    point = (48.862, 2.380)
    load_sectors(tmp_path, "prio.geojson", [
        feature("TEST-PRIO-BIG", big, priority=0), feature("TEST-PRIO-SMALL", small, priority=0)],
        "--service", "TEST-PRIO")
    assert route(client, 1903, *point)["sector"]["code"] == "TEST-PRIO-SMALL"
    load_sectors(tmp_path, "prio2.geojson", [feature("TEST-PRIO-BIG", big, priority=5)],
                 "--service", "TEST-PRIO")
    assert route(client, 1903, *point)["sector"]["code"] == "TEST-PRIO-BIG"


def test_sector_file_naming_an_unknown_service_changes_nothing(test_services, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        feature("TEST-OK", box(2.30, 48.85, 2.31, 48.86), service="TEST-PRIO"),
        feature("TEST-BAD", box(2.30, 48.85, 2.31, 48.86), service="NO-SUCH-SERVICE")]}))
    p = harness.run_dmrctl("load-geo", str(path), "--kind", "sector")
    assert p.returncode != 0
    assert "NO-SUCH-SERVICE" in p.stderr or "service" in p.stderr, p.stderr
    assert harness.psql("SELECT count(*) FROM sector WHERE code IN ('TEST-OK', 'TEST-BAD')") == "0"


# ------------------------------------------------------------------ rule 3: park_override


def leaf_labelled(leaves, label):
    return next(leaf for leaf in leaves if leaf["label"] == label)


def workshop_sector(lat, lon):
    """The sector of the workshop (for the woods, the division) of the park holding the point,
    read from the park's own columns."""
    return harness.psql(
        "SELECT CASE WHEN park_workshop IS NOT NULL THEN 'DEVE-ATELIER-' || park_workshop"
        " ELSE 'DEVE-DIVISION-' || park_division END FROM area"
        f" WHERE id = (dmr_park_of(ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326))).park_id")


def overridden_ids(client):
    r = client.get(f"{API}/area-overrides")
    assert r.status == 200, r
    return {o["category_id"] for o in r.body["overrides"]
            if o["area_kind"] == "park" and o["service"]}


def test_park_override_sends_the_category_to_the_workshop(client, leaves):
    furniture = leaf_labelled(leaves, FURNITURE)
    assert furniture["service"] == "DVD"
    for point in (BUTTES_CHAUMONT, VINCENNES):
        answer = route(client, furniture["id"], *point)
        assert answer["service"]["code"] == "DEVE", answer
        assert answer["sector"]["code"] == workshop_sector(*point), answer
        assert answer["routing"] == {"rule": "park_override", "distance_m": None}, answer
    assert workshop_sector(*VINCENNES) == "DEVE-DIVISION-7"


def test_a_streetlight_in_a_park_keeps_its_service(client, leaves):
    streetlight = leaf_labelled(leaves, STREETLIGHT)
    assert streetlight["id"] not in overridden_ids(client)
    for point in (BUTTES_CHAUMONT, VINCENNES):
        answer = route(client, streetlight["id"], *point)
        assert answer["service"]["code"] == streetlight["service"] == "CIELIS", answer
        assert answer["routing"]["rule"] == "category_sector", answer


def test_outside_parks_nothing_changes(client, leaves):
    """Every category, the overridden ones included, goes to its own service in a street;
    in a park, only the overridden ones change."""
    overridden = overridden_ids(client)
    assert len(overridden) >= 5, overridden
    for leaf in leaves:
        street = route(client, leaf["id"], *HOTEL_DE_VILLE)
        assert street["service"]["code"] == leaf["service"], (leaf, street)
        assert street["routing"]["rule"] != "park_override", (leaf, street)
        park = route(client, leaf["id"], *BUTTES_CHAUMONT)
        expected = "DEVE" if leaf["id"] in overridden else leaf["service"]
        assert park["service"]["code"] == expected, (leaf, park)
        assert (park["routing"]["rule"] == "park_override") == (leaf["id"] in overridden)


def test_a_report_in_a_park_reaches_the_workshop_queue(client, leaves, token):
    furniture = leaf_labelled(leaves, FURNITURE)
    sector = workshop_sector(*BUTTES_CHAUMONT)
    created = client.post(f"{API}/reports", json_body={
        "category_id": furniture["id"], "lat": BUTTES_CHAUMONT[0], "lon": BUTTES_CHAUMONT[1]})
    assert created.status == 201, created
    assert created.body["service"]["code"] == "DEVE"
    assert created.body["sector"]["code"] == sector
    assert created.body["routing"] == {"rule": "park_override", "distance_m": None}
    queue = client.get(f"{API}/queue", {"service": "DEVE", "sector": sector, "limit": 500},
                       headers=bearer(token("agent", "DEVE")))
    assert queue.status == 200, queue
    assert created.body["id"] in [r["id"] for r in queue.body["reports"]]


def test_a_report_transferred_to_the_parks_service_reaches_the_workshop(client, leaves, token,
                                                                       cat_a):
    """A transfer routes again inside the receiving service as a creation would: in a park,
    the parks service's sector is the park's workshop."""
    assert cat_a["id"] not in overridden_ids(client)
    created = client.post(f"{API}/reports", json_body={
        "category_id": cat_a["id"], "lat": VINCENNES[0], "lon": VINCENNES[1]})
    assert created.status == 201, created
    assert created.body["service"]["code"] == cat_a["service"]
    after = moved(client, created.body["id"], token("agent", cat_a["service"]),
                  to="transferred", service="DEVE")
    assert after["service"]["code"] == "DEVE"
    assert after["sector"]["code"] == "DEVE-DIVISION-7", after
