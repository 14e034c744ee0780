"""Parks and woods: `dmrctl load-parks` (the City's green spaces, a zipped shapefile), the
sectors of the parks service's workshops, and dmr_park_of (docs/data.md, "Parks")."""

import os
import subprocess
import zipfile

import pytest
from osgeo import osr

from harness import API, HOTEL_DE_VILLE, assert_error, bearer, env, psql, run_dmrctl

GREEN_SPACES = "paris_espaces_verts_2021-03.shp.zip"

# The green spaces of the file that are parks, by type_ev (src/ctl/load_parks.c); the file's
# other 1,244 are wall plantings, road decorations, ring-road verges and sports grounds.
PARK_COUNTS = {
    "Promenades ouvertes": 576,
    "Bois": 2,
    "Cimetières": 21,
    "Jardinets décoratifs": 116,
    "Ephémères, partagés, pédagogiques": 141,
    "Jardins privatifs": 14,
}
# 65 workshops, and the two woods, which have a division and no workshop.
WORKSHOP_SECTORS = 67

VINCENNES = (48.8330, 2.4360)
BUTTES_CHAUMONT = (48.8800, 2.3825)
# The Jardin du Luxembourg is the Senate's, not the City's: it is in no green space of the
# file, so no park holds it.
LUXEMBOURG = (48.8462, 2.3372)
HOTEL_DE_VILLE_STREET = (48.8566, 2.3522)

SNAPSHOT = (
    "SELECT count(*) || ':' || md5(string_agg(concat_ws('/', code, name, park_type,"
    " park_division, park_workshop, arrondissement, md5(ST_AsBinary(geom)::text)), ','"
    " ORDER BY code)) FROM area WHERE kind = 'park'",
    "SELECT count(*) || ':' || md5(string_agg(concat_ws('/', code, name, priority,"
    " md5(ST_AsBinary(geom)::text)), ',' ORDER BY code)) FROM sector"
    " WHERE code ~ '^DEVE-(ATELIER|DIVISION)-'",
)


def green_spaces():
    return os.path.join(env("DMR_SHARE_DIR"), "geo", GREEN_SPACES)


def snapshot():
    return tuple(psql(sql) for sql in SNAPSHOT)


def load(path):
    return run_dmrctl("load-parks", str(path))


def park_of(lat, lon):
    return psql(f"SELECT concat_ws('|', park_id, park_name) FROM dmr_park_of("
                f"ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326))")


def rewritten(tmp_path, name, change):
    """A copy of the green spaces zip whose parts go through change(name, bytes) -> bytes
    (None leaves the part out)."""
    path = tmp_path / name
    with zipfile.ZipFile(green_spaces()) as source, zipfile.ZipFile(path, "w") as out:
        for part in source.namelist():
            data = change(part, source.read(part))
            if data is not None:
                out.writestr(part, data)
    return path


# ---------------------------------------------------------------------------------- loading


def test_parks_by_type():
    rows = psql("SELECT park_type || '=' || count(*) FROM area WHERE kind = 'park'"
                " GROUP BY park_type").splitlines()
    assert dict(r.split("=") for r in rows) == {t: str(n) for t, n in PARK_COUNTS.items()}
    assert psql("SELECT count(*) FROM area WHERE kind = 'park' AND park_workshop IS NULL") == "2"
    assert psql("SELECT count(*) FROM area WHERE kind = 'park' AND NOT ST_IsValid(geom)") == "0"
    assert psql("SELECT count(*) FROM area WHERE kind = 'park' AND arrondissement IS NULL") == \
        "9", "the 9 parks outside Paris (cemeteries and gardens in 92, 93, 94)"
    # The .dbf is UTF-8 without a .cpg: read as such, names keep their accents.
    assert psql("SELECT name FROM area WHERE kind = 'park' AND code = ("
                "SELECT min(code) FROM area WHERE kind = 'park' AND name LIKE '%’%')") \
        .count("’") >= 1
    assert "Ã" not in psql("SELECT string_agg(name || park_type, '') FROM area"
                           " WHERE kind = 'park'")


def test_workshop_sectors():
    assert psql("SELECT count(*) FROM sector s JOIN service v ON v.id = s.service_id"
                " WHERE v.code = 'DEVE' AND s.priority = 1") == str(WORKSHOP_SECTORS)
    assert psql("SELECT name FROM sector WHERE code = 'DEVE-DIVISION-7'") == \
        "DEVE – division 7 : BOIS DE VINCENNES"
    # Each park lies in the sector of its workshop (or, for the woods, its division).
    assert psql(
        "SELECT count(*) FROM area a JOIN sector s ON s.code = CASE"
        " WHEN a.park_workshop IS NOT NULL THEN 'DEVE-ATELIER-' || a.park_workshop"
        " ELSE 'DEVE-DIVISION-' || a.park_division END"
        " WHERE a.kind = 'park' AND ST_Covers(s.geom, ST_PointOnSurface(a.geom))") == \
        str(sum(PARK_COUNTS.values()))


def test_reload_changes_nothing():
    before = snapshot()
    p = load(green_spaces())
    assert p.returncode == 0, p.stderr
    assert "870 parks (0 without geometry left out), 0 inserted, 0 updated, 0 removed" \
        in p.stdout, p.stdout
    assert "DEVE sectors of its workshops: 0 inserted, 0 updated" in p.stdout, p.stdout
    assert snapshot() == before


def test_reload_puts_back_what_changed():
    """A park renamed, one deleted and one the file does not have: the load puts the file's
    back and removes the other."""
    before = snapshot()
    psql("UPDATE area SET name = 'renamed' WHERE kind = 'park' AND code = ("
         "SELECT min(code) FROM area WHERE kind = 'park');"
         "DELETE FROM area WHERE kind = 'park' AND code = ("
         "SELECT max(code) FROM area WHERE kind = 'park' AND park_type = 'Jardinets décoratifs');"
         "INSERT INTO area (kind, code, name, geom, park_type) VALUES ('park', 'test-0',"
         " 'Parc de test', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326),"
         " 0.0005)), 'Bois')")
    p = load(green_spaces())
    assert p.returncode == 0, p.stderr
    assert "1 inserted, 1 updated, 1 removed" in p.stdout, p.stdout
    assert snapshot() == before


@pytest.mark.parametrize("part, message", [
    (".shp", "no shapefile (.shp)"),
    (".shx", "has no .shx part"),
    (".dbf", "has no .dbf part"),
])
def test_a_zip_missing_a_part_is_refused(tmp_path, part, message):
    before = snapshot()
    path = rewritten(tmp_path, f"no{part[1:]}.shp.zip",
                     lambda name, data: None if name.endswith(part) else data)
    p = load(path)
    assert p.returncode == 1, p
    assert message in p.stderr and "nothing changed" in p.stderr, p.stderr
    assert p.stdout == ""
    assert snapshot() == before


def test_an_unreadable_shapefile_is_refused(tmp_path):
    """A .dbf cut in the middle: the parks already read are not kept."""
    before = snapshot()
    path = rewritten(tmp_path, "cut.shp.zip", lambda name, data:
                     data[:len(data) // 2] if name.endswith(".dbf") else data)
    p = load(path)
    assert p.returncode == 1, p
    assert "cannot be read" in p.stderr and "nothing changed" in p.stderr, p.stderr
    assert snapshot() == before


@pytest.mark.parametrize("content, message", [
    (None, "cannot open"),
    (b"PK\x03\x04 not a zip", "not a zip archive"),
])
def test_a_file_that_is_no_zip_is_refused(tmp_path, content, message):
    before = snapshot()
    path = tmp_path / "parks.shp.zip"
    if content is not None:
        path.write_bytes(content)
    p = load(path)
    assert p.returncode == 1 and message in p.stderr, p
    assert snapshot() == before


def test_another_shapefile_is_refused(tmp_path):
    """A shapefile without the green spaces' fields is named as such."""
    before = snapshot()
    path = rewritten(tmp_path, "renamed.shp.zip", lambda name, data:
                     data.replace(b"type_ev", b"kind_ev") if name.endswith(".dbf") else data)
    p = load(path)
    assert p.returncode == 1 and "has no field type_ev" in p.stderr, p.stderr
    assert snapshot() == before


def test_a_shapefile_in_another_projection_is_refused(tmp_path):
    """The green spaces with a .prj saying Lambert-93 (EPSG:2154), in which the City also
    publishes them: the loader asks for WGS84."""
    lambert93 = osr.SpatialReference()
    lambert93.ImportFromEPSG(2154)
    lambert93.MorphToESRI()
    prj = lambert93.ExportToWkt().encode()
    before = snapshot()
    path = rewritten(tmp_path, "lambert93.shp.zip", lambda name, data:
                     prj if name.endswith(".prj") else data)
    p = load(path)
    assert p.returncode == 1 and "is not in WGS84" in p.stderr, p.stderr
    assert snapshot() == before


def test_load_parks_usage():
    for args in ([], ["--service"], ["a.zip", "b.zip"]):
        p = run_dmrctl("load-parks", *args)
        assert p.returncode == 2 and "usage: dmrctl load-parks" in p.stderr, (args, p)


def test_load_parks_needs_the_service():
    before = snapshot()
    p = run_dmrctl("load-parks", green_spaces(), "--service", "NO-SUCH-SERVICE")
    assert p.returncode == 1 and "no service has code NO-SUCH-SERVICE" in p.stderr, p
    assert snapshot() == before


# ------------------------------------------------------------------------------ dmr_park_of


def test_park_of_a_wood():
    park_id, name = park_of(*VINCENNES).split("|")
    assert name == "BOIS DE VINCENNES"
    assert psql(f"SELECT park_type FROM area WHERE id = {park_id}") == "Bois"


def test_park_of_a_park():
    assert park_of(*BUTTES_CHAUMONT).split("|")[1] == "PARC DES BUTTES CHAUMONT"


def test_park_of_the_luxembourg_is_none():
    assert park_of(*LUXEMBOURG) == ""


def test_park_of_a_street_is_none():
    assert park_of(*HOTEL_DE_VILLE_STREET) == ""
    assert psql("SELECT num_nulls(park_id, park_name) FROM dmr_park_of("
                "ST_SetSRID(ST_MakePoint(2.3522, 48.8566), 4326))") == "2"


def test_park_of_nested_parks_is_the_smallest():
    """Where green spaces nest, the smallest that holds the point answers."""
    outer, lon, lat = psql(
        "SELECT concat_ws('|', a.id, ST_X(p), ST_Y(p)) FROM area a JOIN area b"
        " ON a.kind = 'park' AND b.kind = 'park' AND a.id <> b.id"
        " AND ST_Area(b.geom) < ST_Area(a.geom) AND ST_Contains(a.geom, b.geom)"
        " CROSS JOIN LATERAL ST_PointOnSurface(b.geom) p ORDER BY b.code LIMIT 1").split("|")
    found = park_of(lat, lon).split("|")[0]
    assert found != outer
    assert psql(f"SELECT count(*) FROM area a, area f WHERE f.id = {found} AND a.kind = 'park'"
                f" AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326))"
                f" AND ST_Area(a.geom) < ST_Area(f.geom)") == "0"


def test_park_of_reads_the_index():
    """The plan of the function's query, as auto_explain prints it inside the function."""
    p = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", env("DMR_DATABASE"),
         "-c", "LOAD 'auto_explain'", "-c", "SET auto_explain.log_min_duration = 0",
         "-c", "SET auto_explain.log_nested_statements = on",
         "-c", "SET auto_explain.log_level = notice", "-c", "SET client_min_messages = notice",
         "-c", "SELECT * FROM dmr_park_of(ST_SetSRID(ST_MakePoint(2.4360, 48.8330), 4326))"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    inner = p.stderr.split("FROM area a", 1)[1]
    assert "Index Scan using area_park_geom_idx" in inner, p.stderr
    assert "Seq Scan" not in inner, p.stderr


# ----------------------------------------------------------------- the override table, admins

OVERRIDES = ("SELECT count(*) || ':' || md5(string_agg(concat_ws('/', category_id, area_kind,"
             " service_id, source), ',' ORDER BY category_id, area_kind))"
             " FROM category_area_override")
REFERENCE_OVERRIDES = os.path.join("geo", "category_area_overrides.csv")


def reference_overrides():
    with open(os.path.join(env("DMR_SHARE_DIR"), REFERENCE_OVERRIDES), encoding="utf-8") as f:
        rows = [line.split(",") for line in f.read().splitlines()[1:]]
    return {(int(r[0]), r[1]): r[2] for r in rows}


@pytest.fixture
def overrides_restored():
    """Whatever a test sets as an admin, the reference overrides come back after it."""
    before = psql(OVERRIDES)
    yield
    psql("DELETE FROM category_area_override WHERE source = 'admin'")
    p = run_dmrctl("load-reference")
    assert p.returncode == 0, p.stderr
    assert psql(OVERRIDES) == before


def routed(client, category_id, lat, lon):
    r = client.get(f"{API}/route", {"category_id": category_id, "lat": lat, "lon": lon})
    assert r.status == 200, r
    return r.body["service"]["code"], r.body["routing"]["rule"]


def test_the_overrides_are_listed(client):
    r = client.get(f"{API}/area-overrides")
    assert r.status == 200, r
    listed = {(o["category_id"], o["area_kind"]): o for o in r.body["overrides"]}
    expected = reference_overrides()
    assert {key: o["service"] for key, o in listed.items()} == expected
    assert all(o["source"] == "reference" and o["category_label"] for o in listed.values())


def test_load_reference_removes_an_override_the_file_no_longer_has(leaves,
                                                                   overrides_restored):
    leaf = next(c for c in leaves if (c["id"], "park") not in reference_overrides())
    psql("INSERT INTO category_area_override (category_id, area_kind, service_id, source)"
         f" SELECT {leaf['id']}, 'park', id, 'reference' FROM service WHERE code = 'DEVE'")
    p = run_dmrctl("load-reference")
    assert p.returncode == 0, p.stderr
    assert "category_area_overrides.csv: 0 inserted, 0 updated, 1 removed" in p.stdout, p.stdout


def test_an_admin_changes_an_override(client, leaves, token, overrides_restored):
    """An admin turns an override off, and sets a new one; a load of the reference data then
    changes neither."""
    admin = token("admin")
    furniture = next(c for c in leaves if c["label"] == "Autres : Autre mobilier urbain détérioré")
    bulky = next(c for c in leaves if c["label"] == "Autres objets encombrants abandonnés")
    assert routed(client, furniture["id"], *BUTTES_CHAUMONT) == ("DEVE", "park_override")
    assert routed(client, bulky["id"], *BUTTES_CHAUMONT) == ("Ramen", "category_sector")

    def put(category, service):
        return client.request("PUT", f"{API}/area-overrides/park/{category['id']}",
                              json_body={"service": service}, headers=bearer(admin))

    r = put(furniture, None)
    assert r.status == 200, r
    assert r.body == {"area_kind": "park", "category_id": furniture["id"], "service": None,
                      "source": "admin"}
    r = put(bulky, "DEVE")
    assert r.status == 201 and r.body["service"] == "DEVE", r
    for _ in range(2):
        assert routed(client, furniture["id"], *BUTTES_CHAUMONT) == ("DVD", "category_sector")
        assert routed(client, bulky["id"], *BUTTES_CHAUMONT) == ("DEVE", "park_override")
        assert routed(client, bulky["id"], *HOTEL_DE_VILLE) == ("Ramen", "category_sector")
        p = run_dmrctl("load-reference")
        assert p.returncode == 0, p.stderr
        assert "category_area_overrides.csv: 0 inserted, 0 updated, 0 removed" in p.stdout
    listed = {o["category_id"]: o for o in client.get(f"{API}/area-overrides").body["overrides"]}
    assert listed[furniture["id"]]["service"] is None
    assert listed[bulky["id"]]["source"] == "admin"


@pytest.mark.parametrize("who, path, body, status, code, field", [
    (None, "park/6004", {"service": "DEVE"}, 401, "unauthorized", None),
    ("agent", "park/6004", {"service": "DEVE"}, 403, "forbidden", None),
    ("supervisor", "park/6004", {"service": "DEVE"}, 403, "forbidden", None),
    ("admin", "planet/6004", {"service": "DEVE"}, 404, "not_found", None),
    ("admin", "park/99999999", {"service": "DEVE"}, 404, "not_found", None),
    ("admin", "park/6000", {"service": "DEVE"}, 404, "not_found", None),
    ("admin", "park/lamp", {"service": "DEVE"}, 404, "not_found", None),
    ("admin", "park/6004", {}, 422, "missing_field", "service"),
    ("admin", "park/6004", {"service": 5}, 422, "invalid_field", "service"),
    ("admin", "park/6004", {"service": "NO-SUCH-SERVICE"}, 422, "unknown_service", "service"),
    ("admin", "park/6004", {"service": "DEVE", "colour": 1}, 422, "invalid_field", "colour"),
    ("admin", "park/6004", "[1]", 400, "malformed_json", None),
], ids=["no-token", "agent", "supervisor", "kind", "category", "top-category", "id",
        "missing", "number", "unknown-service", "member", "not-an-object"])
def test_a_bad_override_change_is_refused(client, token, who, path, body, status, code, field):
    before = psql(OVERRIDES)
    headers = bearer(token(who, "DEVE") if who == "agent" else token(who) if who else None)
    if isinstance(body, str):
        r = client.request("PUT", f"{API}/area-overrides/{path}", data=body.encode(),
                           headers=headers)
    else:
        r = client.request("PUT", f"{API}/area-overrides/{path}", json_body=body,
                           headers=headers)
    assert_error(r, status, code, field)
    assert psql(OVERRIDES) == before


# ------------------------------------------------------------------------- the map layer


def vertices(geometry):
    """The number of positions of a Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" \
        else geometry["coordinates"]
    return sum(len(ring) for polygon in polygons for ring in polygon)


def park_layer(client, **params):
    r = client.get(f"{API}/areas", dict(kind="park", **params))
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").split(";")[0] == "application/geo+json"
    features = r.body["features"]
    assert len(features) == sum(PARK_COUNTS.values())
    return {f["properties"]["code"]: f for f in features}


def test_the_park_layer(client):
    parks = park_layer(client)
    vincennes = next(f for f in parks.values() if f["properties"]["name"] == "BOIS DE VINCENNES")
    assert vincennes["id"] == f"park:{vincennes['properties']['code']}"
    assert vincennes["properties"] == {
        "code": vincennes["properties"]["code"], "name": "BOIS DE VINCENNES", "kind": "park",
        "arrondissement": 12, "park_type": "Bois", "division": 7, "workshop": None}
    assert {f["properties"]["park_type"] for f in parks.values()} == set(PARK_COUNTS)
    for f in parks.values():
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon"), f["properties"]


def test_the_park_layer_simplified_for_a_zoom(client):
    """The farther out, the fewer positions; no park is lost, none grows."""
    full = park_layer(client)
    previous = None
    for zoom in (16, 12, 8, 0):
        parks = park_layer(client, zoom=zoom)
        assert parks.keys() == full.keys()
        sizes = {code: vertices(f["geometry"]) for code, f in parks.items()}
        assert all(4 <= sizes[code] <= vertices(f["geometry"]) for code, f in full.items())
        if previous:
            assert sum(sizes.values()) <= sum(previous.values()), zoom
            assert all(sizes[code] <= previous[code] for code in sizes), zoom
        previous = sizes
    assert sum(previous.values()) < sum(vertices(f["geometry"]) for f in full.values()) / 4


def test_other_areas_take_a_zoom_too(client):
    r = client.get(f"{API}/areas", {"kind": "arrondissement", "zoom": 11})
    assert r.status == 200 and len(r.body["features"]) == 20, r
    full = client.get(f"{API}/areas", {"kind": "arrondissement"}).body["features"]
    assert sum(vertices(f["geometry"]) for f in r.body["features"]) < \
        sum(vertices(f["geometry"]) for f in full)


@pytest.mark.parametrize("zoom, status, code", [
    ("25", 422, "invalid_field"),
    ("-1", 422, "invalid_field"),
    ("1.5", 400, "invalid_parameter"),
    ("twelve", 400, "invalid_parameter"),
    ("", 400, "invalid_parameter"),
])
def test_a_bad_zoom_is_refused(client, zoom, status, code):
    assert_error(client.get(f"{API}/areas", {"kind": "park", "zoom": zoom}), status, code, "zoom")
