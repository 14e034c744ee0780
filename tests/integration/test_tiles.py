"""Vector tiles: GET /api/v1/tiles/reports/{z}/{x}/{y}.mvt and /api/v1/tiles/areas/...

Tiles are decoded with mvt.py, a protobuf reader of its own; counts are checked against SQL
that the test writes without the tiles' columns (ST_Transform and ST_TileEnvelope)."""

import math

import pytest

import mvt
from harness import API, assert_error, bearer, psql, unchanged_reports

MVT = "application/vnd.mapbox-vector-tile"
# A z11 tile that holds the centre of Paris.
CENTRE = (11, 1037, 704)


def tile_of(lat, lon, z):
    """The tile holding the position, and the position's pixel in it (extent 4096)."""
    n = 2 ** z
    x = (lon + 180) / 360 * n
    lat_r = math.radians(lat)
    y = (1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * n
    return (z, int(x), int(y)), ((x - int(x)) * 4096, (y - int(y)) * 4096)


def fetch(client, kind, address, params=None, headers=None):
    z, x, y = address
    r = client.get(f"{API}/tiles/{kind}/{z}/{x}/{y}.mvt", params=params, headers=headers)
    assert r.status == 200, r
    assert r.headers["Content-Type"] == MVT, r.headers
    return r, mvt.decode(r.raw)


def points(client, address, params=None, headers=None):
    """The features of the layer reports, by report id."""
    _, layers = fetch(client, "reports", address, params, headers)
    assert set(layers) <= {"reports"}, layers.keys()
    return {f["properties"]["id"]: f for f in layers.get("reports", {"features": []})["features"]}


def clusters(client, address, params=None, headers=None):
    _, layers = fetch(client, "reports", address, params, headers)
    assert set(layers) <= {"clusters"}, layers.keys()
    return layers.get("clusters", {"features": []})["features"]


def total(features, name="count"):
    return sum(f["properties"][name] for f in features)


def sql_count(address, where="true", public=True):
    """The reports of the default view in the tile, counted by SQL of the test's own."""
    z, x, y = address
    return int(psql(f"""
        SELECT count(*) FROM report r
        JOIN category c ON c.id = r.category_id
        JOIN report_status s ON s.status = r.status,
        LATERAL (SELECT ST_Transform(r.point, 3857) AS p, ST_TileEnvelope({z}, {x}, {y}) AS t) g
        WHERE ST_X(g.p) >= ST_XMin(g.t) AND ST_X(g.p) < ST_XMax(g.t)
          AND ST_Y(g.p) > ST_YMin(g.t) AND ST_Y(g.p) <= ST_YMax(g.t)
          AND (s.is_open OR r.closed_at >= now() - interval '30 days')
          AND ({'NOT c.agent_only' if public else 'true'}) AND ({where})"""))


@pytest.fixture
def placed(spot, new_report):
    """A new report at a fresh place: (its creation answer, lat, lon)."""
    lat, lon, _ = spot
    return new_report(lat, lon), lat, lon


# ------------------------------------------------------------------------- the report layer

def test_a_report_is_a_point_at_its_pixel_with_its_fields(client, placed, cat_a):
    report, lat, lon = placed
    address, (px, py) = tile_of(lat, lon, 16)
    feature = points(client, address)[report["id"]]
    assert feature["type"] == "Point"
    assert feature["id"] == report["id"]
    [[(x, y)]] = feature["geometry"]
    assert abs(x - px) <= 1 and abs(y - py) <= 1, (x, y, px, py)
    assert feature["properties"] == {
        "id": report["id"], "number": report["number"], "status": "new",
        "top_category": cat_a["parent_id"], "category": cat_a["id"],
        "service": report["service"]["code"], "priority": report["priority"],
        "overdue": False, "created_at": report["created_at"], "followers": report["followers"],
    }


def test_zoom_15_and_up_shows_reports_and_below_clusters(client, placed):
    _, lat, lon = placed
    for z in (15, 18, 22):
        _, layers = fetch(client, "reports", tile_of(lat, lon, z)[0])
        assert set(layers) == {"reports"}, (z, layers.keys())
        assert layers["reports"]["version"] == 2 and layers["reports"]["extent"] == 4096
    for z in (0, 5, 14):
        _, layers = fetch(client, "reports", tile_of(lat, lon, z)[0])
        assert set(layers) == {"clusters"}, (z, layers.keys())


def test_a_point_near_the_edge_is_in_both_tiles(client, spot, new_report):
    """A margin of 64 pixels: a symbol on an edge is drawn whole on both sides."""
    lat, lon, _ = spot
    (z, x, y), _ = tile_of(lat, lon, 18)
    edge_lon = (x + 16 / 4096) / 2 ** z * 360 - 180
    report = new_report(lat, edge_lon)
    [[(px, _)]] = points(client, (z, x, y))[report["id"]]["geometry"]
    assert abs(px - 16) <= 1, px
    [[(px, _)]] = points(client, (z, x - 1, y))[report["id"]]["geometry"]
    assert abs(px - 4096 - 16) <= 1, px
    assert report["id"] not in points(client, (z, x - 2, y))


def test_the_filters_choose_the_reports(client, placed, cat_a, cat_b):
    report, lat, lon = placed
    address = tile_of(lat, lon, 16)[0]
    rid = report["id"]
    service = report["service"]["code"]
    arr = report["arrondissement"]
    kept = [{"category": cat_a["id"]}, {"top_category": cat_a["parent_id"]},
            {"service": service}, {"status": "new"}, {"status": "open"},
            {"arrondissement": arr}, {"priority": report["priority"]}, {"overdue": "false"},
            {"since": report["created_at"][:10]}, {"until": report["created_at"][:10]}]
    dropped = [{"category": cat_b["id"]}, {"status": "closed"}, {"status": "acknowledged"},
               {"arrondissement": arr % 20 + 1}, {"priority": report["priority"] % 3 + 1},
               {"overdue": "true"}, {"until": "2020-01-01"}]
    for params in kept:
        assert rid in points(client, address, params), params
    for params in dropped:
        assert rid not in points(client, address, params), params


def test_overdue_is_shown_and_filtered(client, placed):
    report, lat, lon = placed
    address = tile_of(lat, lon, 16)[0]
    psql(f"UPDATE report SET expected_at = now() - interval '1 hour' WHERE id = {report['id']}")
    assert points(client, address)[report["id"]]["properties"]["overdue"] is True
    assert report["id"] in points(client, address, {"overdue": "true"})
    assert report["id"] not in points(client, address, {"overdue": "false"})


def test_closed_reports_leave_the_default_view_after_30_days(client, placed):
    report, lat, lon = placed
    address = tile_of(lat, lon, 16)[0]
    psql(f"UPDATE report SET status = 'resolved', closed_at = now() - interval '29 days'"
         f" WHERE id = {report['id']}")
    assert points(client, address)[report["id"]]["properties"]["status"] == "resolved"
    psql(f"UPDATE report SET closed_at = now() - interval '31 days' WHERE id = {report['id']}")
    assert report["id"] not in points(client, address)
    assert report["id"] in points(client, address, {"status": "closed"})


def test_the_public_never_sees_agent_only_categories(client, placed, agent_only_leaf, token):
    report, lat, lon = placed
    address = tile_of(lat, lon, 16)[0]
    psql(f"UPDATE report SET category_id = {agent_only_leaf['id']} WHERE id = {report['id']}")
    assert report["id"] not in points(client, address)
    assert report["id"] not in points(client, address, {"category": agent_only_leaf["id"]})
    staff = bearer(token("supervisor"))
    seen = points(client, address, headers=staff)
    assert seen[report["id"]]["properties"]["category"] == agent_only_leaf["id"]
    cluster_address = tile_of(lat, lon, 13)[0]
    assert total(clusters(client, cluster_address)) == sql_count(cluster_address)
    assert total(clusters(client, cluster_address, headers=staff)) == \
        sql_count(cluster_address, public=False)
    assert total(clusters(client, cluster_address, headers=staff)) > \
        total(clusters(client, cluster_address))


# ------------------------------------------------------------------------------ clusters

@pytest.mark.parametrize("z", [11, 13, 14])
def test_cluster_counts_add_up_to_the_reports_of_the_tile(client, placed, z):
    _, lat, lon = placed
    address = tile_of(lat, lon, z)[0]
    features = clusters(client, address)
    assert total(features) == sql_count(address) > 0
    assert total(features, "open") == sql_count(address, "s.is_open")
    assert total(features, "overdue") == sql_count(address, "s.is_open AND r.expected_at < now()")
    for f in features:
        props = f["properties"]
        tops = sum(v for k, v in props.items() if k.startswith("top_"))
        assert tops == props["count"] > 0, props
        [[(x, y)]] = f["geometry"]
        assert 0 <= x <= 4096 and 0 <= y <= 4096, f
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids))


def test_cluster_counts_follow_the_filters(client, placed, cat_a):
    report, lat, lon = placed
    address = tile_of(lat, lon, 12)[0]
    service = report["service"]["code"]
    assert total(clusters(client, address, {"service": service})) == \
        sql_count(address, f"r.service_id = (SELECT id FROM service WHERE code = '{service}')")
    assert total(clusters(client, address, {"category": cat_a["id"]})) == \
        sql_count(address, f"r.category_id = {cat_a['id']}")
    top = f"top_{cat_a['parent_id']}"
    by_top = clusters(client, address, {"top_category": cat_a["parent_id"]})
    assert total(by_top) == total(by_top, top) == \
        sql_count(address, f"c.parent_id = {cat_a['parent_id']}")


def test_a_new_report_is_counted_at_once(client, placed, new_report):
    """The cached cluster tiles follow every write to the reports."""
    _, lat, lon = placed
    address = tile_of(lat, lon, 11)[0]
    before = total(clusters(client, address))
    new_report(lat, lon)
    assert total(clusters(client, address)) == before + 1


# ---------------------------------------------------------------------------------- caching

def test_report_tiles_have_an_etag_and_a_short_lifetime(client, placed, token):
    _, lat, lon = placed
    for z in (12, 16):
        address = tile_of(lat, lon, z)[0]
        r, _ = fetch(client, "reports", address)
        assert r.headers["Cache-Control"] == "public, max-age=30"
        assert "Authorization" in r.headers["Vary"]
        etag = r.headers["ETag"]
        again = client.get(f"{API}/tiles/reports/{'/'.join(map(str, address))}.mvt",
                           headers={"If-None-Match": etag})
        assert again.status == 304 and again.raw == b"", again
        staff, _ = fetch(client, "reports", address, headers=bearer(token("supervisor")))
        assert staff.headers["Cache-Control"] == "private, max-age=30"


def test_an_empty_tile_is_an_empty_body(client):
    r, layers = fetch(client, "reports", (16, 0, 0))
    assert r.raw == b"" and layers == {}


# ----------------------------------------------------------------------------- area tiles

def test_area_tiles_carry_the_reference_layers(client):
    address = tile_of(48.8566, 2.3522, 13)[0]
    r, layers = fetch(client, "areas", address)
    assert set(layers) == {"arrondissements", "quartiers", "parks", "sectors"}, layers.keys()
    arr = {f["properties"]["arrondissement"] for f in layers["arrondissements"]["features"]}
    assert 4 in arr, arr
    for name, layer in layers.items():
        for f in layer["features"]:
            assert f["type"] == "Polygon", (name, f["properties"])
            assert f["properties"]["code"] and f["properties"]["name"], (name, f)
    assert {"code", "name", "service"} == set(layers["sectors"]["features"][0]["properties"])
    assert "park_type" in layers["parks"]["features"][0]["properties"]
    assert r.headers["Cache-Control"] == "public, max-age=86400"
    again = client.get(f"{API}/tiles/areas/{'/'.join(map(str, address))}.mvt",
                       headers={"If-None-Match": r.headers["ETag"]})
    assert again.status == 304, again


def test_the_arrondissements_are_where_they_belong(client):
    """The Hôtel de Ville lies inside the 4th arrondissement's polygon of its tile."""
    address, (px, py) = tile_of(48.8566, 2.3522, 14)
    _, layers = fetch(client, "areas", address)
    [fourth] = [f for f in layers["arrondissements"]["features"]
                if f["properties"]["arrondissement"] == 4]
    assert any(_inside(px, py, ring) for ring in fourth["geometry"]), fourth["geometry"][0][:5]


def _inside(x, y, ring):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_area_tiles_filter_the_sectors_by_service(client):
    address = tile_of(48.8566, 2.3522, 12)[0]
    code = psql("SELECT v.code FROM sector s JOIN service v ON v.id = s.service_id"
                " GROUP BY v.code ORDER BY count(*) DESC LIMIT 1")
    _, layers = fetch(client, "areas", address, {"service": code})
    services = {f["properties"]["service"] for f in layers["sectors"]["features"]}
    assert services == {code}


def test_area_tiles_change_with_the_reference_data(client):
    address = tile_of(48.8566, 2.3522, 12)[0]
    r, _ = fetch(client, "areas", address)
    psql("UPDATE area SET name = name WHERE kind = 'arrondissement' AND code = '4'")
    again, _ = fetch(client, "areas", address)
    assert again.headers["ETag"] != r.headers["ETag"]


# ------------------------------------------------------------------------- bad parameters

@pytest.mark.parametrize("kind", ["reports", "areas"])
@pytest.mark.parametrize("path, field", [
    ("23/0/0", "z"), ("-1/0/0", "z"), ("a/0/0", "z"), ("99999999999999999999/0/0", "z"),
    ("11/2048/0", "x"), ("11/-1/0", "x"), ("11/1e3/0", "x"),
    ("11/0/2048", "y"), ("0/0/1", "y"), ("11/0/7x", "y"),
])
def test_a_tile_out_of_range_is_400(client, kind, path, field):
    with unchanged_reports():
        r = client.get(f"{API}/tiles/{kind}/{path}.mvt")
    assert_error(r, 400, "invalid_parameter", field)


@pytest.mark.parametrize("params, field", [
    ({"status": "lost"}, "status"), ({"service": "NO-SUCH"}, "service"),
    ({"sector": "NO-SUCH"}, "sector"), ({"category": 99999999}, "category"),
    ({"category": "x"}, "category"), ({"top_category": 0}, "top_category"),
    ({"arrondissement": 21}, "arrondissement"), ({"priority": 4}, "priority"),
    ({"since": "yesterday"}, "since"), ({"until": "2026-13-01"}, "until"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "since"), ({"overdue": "maybe"}, "overdue"),
])
@pytest.mark.parametrize("z", [11, 16])
def test_a_bad_filter_is_400(client, params, field, z):
    r = client.get(f"{API}/tiles/reports/{z}/0/0.mvt", params=params)
    assert_error(r, 400, "invalid_parameter", field)


def test_an_unknown_token_is_401(client):
    for z in (11, 16):
        r = client.get(f"{API}/tiles/reports/{z}/0/0.mvt", headers=bearer("dmr_" + "0" * 64))
        assert_error(r, 401, "unauthorized")


def test_an_unknown_service_of_the_area_tiles_is_400(client):
    r = client.get(f"{API}/tiles/areas/12/2074/1409.mvt", params={"service": "NO-SUCH"})
    assert_error(r, 400, "invalid_parameter", "service")


def test_a_path_without_mvt_is_404(client):
    assert_error(client.get(f"{API}/tiles/reports/11/1037/704.png"), 404, "not_found")
