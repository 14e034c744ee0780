"""The five routing rules of DESIGN.md, each forced with sectors loaded by `dmrctl load-geo`.

The test services and categories are made with SQL and their sectors as GeoJSON files, as a
city would load its own sector polygons. Override sectors are removed afterwards so that they
do not change the routing of the other tests."""

import json

import pytest

import harness
from harness import API

LUXEMBOURG = (48.8462, 2.3372)      # inside the Jardin du Luxembourg box below
ODEON = (48.8510, 2.3390)           # 6th arrondissement, outside that box
EIFFEL = (48.8584, 2.2945)
BAGNOLET_BOX = (2.405, 48.860, 2.410, 48.865)  # min lon, min lat, max lon, max lat (20th)


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
