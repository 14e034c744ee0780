"""Every error case of docs/api.md: HTTP status, error.code, error.field, JSON body, and
nothing written into `report` by a refused request."""

import json

import pytest

from harness import (API, assert_error, offset, psql, raw_exchange, rings_of, unchanged_reports)

# Hôtel de Ville: inside Paris, far from the boundary.
LAT, LON = 48.8566, 2.3522
VERSAILLES = (48.8049, 2.1204)


def post_raw(client, data, content_type="application/json", headers=None):
    h = {"Content-Type": content_type}
    h.update(headers or {})
    return client.post(f"{API}/reports", data=data, headers=h)


def body_with(cat_id, **changes):
    body = {"category_id": cat_id, "lat": LAT, "lon": LON}
    for k, v in changes.items():
        if v is DROP:
            body.pop(k, None)
        else:
            body[k] = v
    return body


DROP = object()

# (id, changes to a valid body, expected status, code, field)
FIELD_CASES = [
    ("missing_category", {"category_id": DROP}, 422, "missing_field", "category_id"),
    ("missing_lat", {"lat": DROP}, 422, "missing_field", "lat"),
    ("missing_lon", {"lon": DROP}, 422, "missing_field", "lon"),
    ("null_lat", {"lat": None}, 422, "missing_field", "lat"),
    ("null_category", {"category_id": None}, 422, "missing_field", "category_id"),
    ("lat_string", {"lat": "48.85"}, 422, "invalid_field", "lat"),
    ("lon_bool", {"lon": True}, 422, "invalid_field", "lon"),
    ("category_float", {"category_id": 1.5}, 422, "invalid_field", "category_id"),
    ("category_string", {"category_id": "x"}, 422, "invalid_field", "category_id"),
    ("category_object", {"category_id": {"id": 1}}, 422, "invalid_field", "category_id"),
    ("lat_91", {"lat": 91}, 422, "invalid_field", "lat"),
    ("lat_minus_91", {"lat": -91.0}, 422, "invalid_field", "lat"),
    ("lon_minus_181", {"lon": -181}, 422, "invalid_field", "lon"),
    ("lon_181", {"lon": 181.5}, 422, "invalid_field", "lon"),
    ("description_4001", {"description": "a" * 4001}, 422, "invalid_field", "description"),
    ("description_4001_accents", {"description": "é" * 4001}, 422, "invalid_field",
     "description"),
    ("description_number", {"description": 12}, 422, "invalid_field", "description"),
    ("address_501", {"address": "b" * 501}, 422, "invalid_field", "address"),
    ("priority_0", {"priority": 0}, 422, "invalid_field", "priority"),
    ("priority_4", {"priority": 4}, 422, "invalid_field", "priority"),
    ("priority_string", {"priority": "1"}, 422, "invalid_field", "priority"),
    ("priority_float", {"priority": 1.5}, 422, "invalid_field", "priority"),
    ("email_no_at", {"email": "not-an-email"}, 422, "invalid_field", "email"),
    ("email_no_domain", {"email": "someone@"}, 422, "invalid_field", "email"),
    ("email_spaces", {"email": "some one@example.org"}, 422, "invalid_field", "email"),
    ("email_too_long", {"email": "a" * 243 + "@example.org"}, 422, "invalid_field", "email"),
    ("email_number", {"email": 5}, 422, "invalid_field", "email"),
    ("channel_unknown", {"channel": "fax"}, 422, "invalid_field", "channel"),
    ("unknown_category", {"category_id": 99999999}, 422, "unknown_category", "category_id"),
    ("negative_category", {"category_id": -1}, 422, "unknown_category", "category_id"),
    ("versailles", {"lat": VERSAILLES[0], "lon": VERSAILLES[1]}, 422,
     "outside_service_area", None),
    ("null_island", {"lat": 0, "lon": 0}, 422, "outside_service_area", None),
]


@pytest.mark.parametrize("changes,status,code,field",
                         [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_bad_field(client, cat_a, changes, status, code, field):
    with unchanged_reports():
        r = client.post(f"{API}/reports", body_with(cat_a["id"], **changes))
        assert_error(r, status, code, field)


MALFORMED = [
    ("truncated", b'{"category_id": 1001, "lat": 48.85,'),
    ("array", b'[{"category_id": 1001, "lat": 48.85, "lon": 2.35}]'),
    ("null", b"null"),
    ("string", b'"hello"'),
    ("number", b"42"),
    ("empty", b""),
    ("trailing_garbage", b'{"category_id": 1001, "lat": 48.85, "lon": 2.35} xyz'),
    ("nan_literal", b'{"category_id": 1001, "lat": NaN, "lon": 2.35}'),
    ("single_quotes", b"{'category_id': 1001}"),
]


@pytest.mark.parametrize("data", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_json(client, data):
    with unchanged_reports():
        assert_error(post_raw(client, data), 400, "malformed_json")


def test_huge_number(client, cat_a):
    """1e400 is valid JSON syntax but no finite double: invalid_field (lat), or malformed_json
    if the parser refuses it; either way a clear 4xx and nothing written."""
    data = b'{"category_id": %d, "lat": 1e400, "lon": 2.35}' % cat_a["id"]
    with unchanged_reports():
        r = post_raw(client, data)
        if r.status == 422:
            assert_error(r, 422, "invalid_field", "lat")
        else:
            assert_error(r, 400, "malformed_json")


def test_top_category(client, cat_a):
    with unchanged_reports():
        r = client.post(f"{API}/reports", body_with(cat_a["parent_id"]))
        assert_error(r, 422, "unknown_category", "category_id")


def test_agent_only_category(client, agent_only_leaf):
    with unchanged_reports():
        r = client.post(f"{API}/reports", body_with(agent_only_leaf["id"]))
        assert_error(r, 422, "agent_only_category", "category_id")


@pytest.fixture
def inactive_leaf(leaves, cat_a, cat_b):
    leaf = [c for c in leaves if not c["agent_only"] and c["id"] not in (cat_a["id"], cat_b["id"])][-1]
    psql(f"UPDATE category SET active = false WHERE id = {int(leaf['id'])}")
    try:
        yield leaf
    finally:
        psql(f"UPDATE category SET active = true WHERE id = {int(leaf['id'])}")


def test_inactive_category(client, inactive_leaf):
    with unchanged_reports():
        r = client.post(f"{API}/reports", body_with(inactive_leaf["id"]))
        assert_error(r, 422, "inactive_category", "category_id")


def test_inactive_category_left_out_of_list(client, inactive_leaf):
    r = client.get(f"{API}/categories")
    assert r.status == 200
    ids = {c["id"] for top in r.body["categories"] for c in top["children"]}
    assert inactive_leaf["id"] not in ids


def test_invalid_utf8(client, cat_a):
    data = (b'{"category_id": %d, "lat": %r, "lon": %r, "description": "abc\xff\xfe def"}'
            % (cat_a["id"], LAT, LON))
    with unchanged_reports():
        assert_error(post_raw(client, data), 422, "invalid_utf8", "description")


def test_invalid_utf8_overlong_and_surrogate(client, cat_a):
    # An overlong encoding of "/" and a UTF-8-encoded surrogate are not valid UTF-8 either.
    for bad in (b"\xc0\xaf", b"\xed\xa0\x80"):
        data = (b'{"category_id": %d, "lat": %r, "lon": %r, "address": "x%sy"}'
                % (cat_a["id"], LAT, LON, bad))
        with unchanged_reports():
            assert_error(post_raw(client, data), 422, "invalid_utf8", "address")


# ---------------------------------------------------------------- the 50 m service-area edge


@pytest.fixture(scope="module")
def west_edge(client):
    """The westernmost vertex of Paris (Bois de Boulogne, 16th) from /api/v1/areas: a point
    d metres due west of it is exactly d metres from Paris."""
    fc = client.get(f"{API}/areas", {"kind": "arrondissement"}).body
    best = None
    for f in fc["features"]:
        for poly in rings_of(f["geometry"]):
            for ring in poly:
                for lon, lat in (p[:2] for p in ring):
                    if best is None or lon < best[1]:
                        best = (lat, lon, f["properties"]["arrondissement"])
    return best


def test_30_m_outside_is_accepted(client, cat_a, west_edge):
    lat, lon, arr = west_edge
    assert arr == 16
    plat, plon = offset(lat, lon, east_m=-30)
    r = client.get(f"{API}/route", {"category_id": cat_a["id"], "lat": plat, "lon": plon})
    assert r.status == 200, r
    assert r.body["arrondissement"] == arr
    created = client.post(f"{API}/reports", body_with(cat_a["id"], lat=plat, lon=plon))
    assert created.status == 201, created
    assert created.body["arrondissement"] == arr


@pytest.mark.parametrize("metres", [100, 200])
def test_far_outside_is_refused(client, cat_a, west_edge, metres):
    lat, lon, _ = west_edge
    plat, plon = offset(lat, lon, east_m=-metres)
    with unchanged_reports():
        assert_error(client.post(f"{API}/reports", body_with(cat_a["id"], lat=plat, lon=plon)),
                     422, "outside_service_area")
        assert_error(client.get(f"{API}/route", {"category_id": cat_a["id"], "lat": plat,
                                                 "lon": plon}), 422, "outside_service_area")


# ----------------------------------------------------------------------- body size and type


def big_body(cat_id, size):
    head = json.dumps(body_with(cat_id))[:-1].encode() + b', "description": "'
    tail = b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def test_body_too_large(dmrd, cat_a):
    data = big_body(cat_a["id"], 1024 * 1024 + 1)
    head = (b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data))
    with unchanged_reports():
        assert_error(raw_exchange(dmrd.port, head, data), 413, "body_too_large")


def test_body_too_large_chunked(dmrd, cat_a):
    data = big_body(cat_a["id"], 1024 * 1024 + 4096)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + 8192]), data[i:i + 8192])
                      for i in range(0, len(data), 8192)) + b"0\r\n\r\n"
    head = (b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    with unchanged_reports():
        assert_error(raw_exchange(dmrd.port, head, chunks), 413, "body_too_large")


def test_body_of_exactly_1_mib_is_read(client, cat_a):
    """1 MiB is within the limit: the body is parsed, and its 1 MiB description refused."""
    with unchanged_reports():
        r = post_raw(client, big_body(cat_a["id"], 1024 * 1024))
        assert_error(r, 422, "invalid_field", "description")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_unsupported_media_type(client, cat_a, content_type):
    data = json.dumps(body_with(cat_a["id"])).encode()
    with unchanged_reports():
        assert_error(post_raw(client, data, content_type=content_type),
                     415, "unsupported_media_type")


def test_bad_idempotency_key(client, cat_a):
    """A key of 201 characters breaks the documented rule (1 to 200 printable ASCII): the
    error code is not documented, but it must be a clear 4xx and write nothing."""
    with unchanged_reports():
        r = client.post(f"{API}/reports", body_with(cat_a["id"]),
                        headers={"Idempotency-Key": "k" * 201})
        assert r.status in (400, 422), r
        assert r.headers.get("Content-Type", "").startswith("application/json")
        assert r.body["error"]["code"] and r.body["error"]["message"]


# ------------------------------------------------------------------------- paths and methods


@pytest.mark.parametrize("path", ["/api/v1/nope", "/nope", "/api/v2/categories",
                                  "/api/v1/categories/extra", "/api/v1/reports/abc",
                                  "/api/v1/reports/999999999", "/api/v1/reports/-1",
                                  "/api/v1/reports/1.5", "/api/v1/reports/0",
                                  "/api/v1/reports/99999999999999999999999"])
def test_not_found(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/api/v1/categories", {"GET"}),
    ("POST", "/api/v1/categories", {"GET"}),
    ("PUT", "/api/v1/reports", {"GET", "POST"}),
    ("DELETE", "/api/v1/services", {"GET"}),
    ("POST", "/healthz", {"GET"}),
])
def test_method_not_allowed(client, method, path, allowed):
    with unchanged_reports():
        data = b"{}" if method in ("POST", "PUT") else None
        r = client.request(method, path, data=data)
        assert_error(r, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert allowed <= allow, f"Allow: {r.headers.get('Allow')!r}"


# ------------------------------------------------------------------------ query parameters


ROUTE_CASES = [
    ("lat_nan", {"lat": "nan"}, 400, "invalid_parameter", "lat"),
    ("lat_NaN", {"lat": "NaN"}, 400, "invalid_parameter", "lat"),
    ("lon_inf", {"lon": "inf"}, 400, "invalid_parameter", "lon"),
    ("lon_minus_infinity", {"lon": "-Infinity"}, 400, "invalid_parameter", "lon"),
    ("lat_missing", {"lat": DROP}, 400, "invalid_parameter", "lat"),
    ("lon_missing", {"lon": DROP}, 400, "invalid_parameter", "lon"),
    ("lat_word", {"lat": "north"}, 400, "invalid_parameter", "lat"),
    ("lat_trailing", {"lat": "48.85abc"}, 400, "invalid_parameter", "lat"),
    ("lat_empty", {"lat": ""}, 400, "invalid_parameter", "lat"),
    ("lat_huge", {"lat": "1e400"}, 400, "invalid_parameter", "lat"),
    ("category_missing", {"category_id": DROP}, 400, "invalid_parameter", "category_id"),
    ("category_word", {"category_id": "abc"}, 400, "invalid_parameter", "category_id"),
    ("category_float", {"category_id": "1.5"}, 400, "invalid_parameter", "category_id"),
    ("lat_91", {"lat": "91"}, 422, "invalid_field", "lat"),
    ("lon_minus_181", {"lon": "-181"}, 422, "invalid_field", "lon"),
    ("versailles", {"lat": VERSAILLES[0], "lon": VERSAILLES[1]}, 422, "outside_service_area",
     None),
    ("unknown_category", {"category_id": 99999999}, 422, "unknown_category", "category_id"),
]


@pytest.mark.parametrize("changes,status,code,field", [c[1:] for c in ROUTE_CASES],
                         ids=[c[0] for c in ROUTE_CASES])
def test_route_errors(client, cat_a, changes, status, code, field):
    params = body_with(cat_a["id"], **changes)
    assert_error(client.get(f"{API}/route", params), status, code, field)


def test_route_top_category(client, cat_a):
    assert_error(client.get(f"{API}/route", body_with(cat_a["parent_id"])),
                 422, "unknown_category", "category_id")


SEARCH_CASES = [
    ("limit_1001", {"limit": "1001"}, "limit"),
    ("limit_0", {"limit": "0"}, "limit"),
    ("limit_negative", {"limit": "-1"}, "limit"),
    ("limit_word", {"limit": "ten"}, "limit"),
    ("limit_float", {"limit": "2.5"}, "limit"),
    ("near_word", {"near": "here"}, "near"),
    ("near_one_number", {"near": "48.85"}, "near"),
    ("near_nan", {"near": "nan,2.35"}, "near"),
    ("near_three_numbers", {"near": "48.85,2.35,1"}, "near"),
    ("radius_word", {"near": "48.85,2.35", "radius": "far"}, "radius"),
    ("bbox_three", {"bbox": "2.3,48.8,2.4"}, "bbox"),
    ("bbox_words", {"bbox": "a,b,c,d"}, "bbox"),
    ("bbox_inf", {"bbox": "2.3,48.8,inf,48.9"}, "bbox"),
    ("status_unknown", {"status": "lost"}, "status"),
    ("status_one_unknown", {"status": "new,lost"}, "status"),
    ("since_word", {"since": "yesterday"}, "since"),
    ("since_bad_date", {"since": "2024-13-45"}, "since"),
    ("since_february_30", {"since": "2024-02-30"}, "since"),
    ("since_bad_hour", {"since": "2024-02-03T25:00:00Z"}, "since"),
    ("cursor_garbage", {"cursor": "%%%garbage%%%"}, "cursor"),
    ("category_word", {"category_id": "abc"}, "category_id"),
]


@pytest.mark.parametrize("params,field", [c[1:] for c in SEARCH_CASES],
                         ids=[c[0] for c in SEARCH_CASES])
def test_search_errors(client, params, field):
    assert_error(client.get(f"{API}/reports", params), 400, "invalid_parameter", field)


# Well-formed values out of range are 422, as for the coordinates of /route.
SEARCH_RANGE_CASES = [
    ("radius_negative", {"near": "48.85,2.35", "radius": "-5"}, "radius"),
    ("radius_5001", {"near": "48.85,2.35", "radius": "5001"}, "radius"),
    ("near_lat_91", {"near": "91,2.35"}, "lat"),
    ("bbox_lon_200", {"bbox": "2.3,48.8,200,48.9"}, "lon"),
]


@pytest.mark.parametrize("params,field", [c[1:] for c in SEARCH_RANGE_CASES],
                         ids=[c[0] for c in SEARCH_RANGE_CASES])
def test_search_out_of_range(client, params, field):
    assert_error(client.get(f"{API}/reports", params), 422, "invalid_field", field)


def test_search_near_and_bbox_together(client):
    r = client.get(f"{API}/reports", {"near": "48.85,2.35", "bbox": "2.3,48.8,2.4,48.9"})
    assert_error(r, 400, "invalid_parameter")
