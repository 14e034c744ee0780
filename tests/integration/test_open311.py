"""Open311 GeoReport v2 at /open311, as a client written from the spec alone uses it: discovery,
services and their definitions, requests created with an api_key (and a photo) and read back in
JSON and XML, their status followed through requests and FixMyStreet's servicerequestupdates.
Every JSON answer is validated against ../shared/open311/schema, every XML answer is compared
field by field with its JSON twin, and every error path answers the spec's error list in the
request's format."""

import json
import os
import re
import socket
import urllib.parse
import xml.etree.ElementTree as ET

import jsonschema
import pytest

import harness
from harness import (API, HOTEL_DE_VILLE, assert_clean_jpeg, bearer, history, moved,
                     multipart, new_token, photo, psql, run_dmrctl, unchanged_reports)

V2 = "/open311/v2"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
# The spec's arrays and the element of each of their items in XML.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute", "values": "value", "notes": "note",
         "endpoints": "endpoint", "formats": "format",
         "service_requests_updates": "request_update"}
# Characters XML 1.0 cannot hold, which the XML answers replace with U+FFFD.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
RAMEN_CATEGORY = 7001
APP_NAME = "Open311 test application"


# ------------------------------------------------------------------------ schemas and formats


def schema(name):
    """A schema of ../shared/open311/schema with its file $refs inlined, so that every version
    of jsonschema reads it alike."""
    folder = os.path.join(harness.env("DMR_SHARED"), "open311", "schema")

    def inline(node):
        if isinstance(node, dict):
            if set(node) >= {"$ref"} and node["$ref"].endswith(".json"):
                return inline(schema_file(node["$ref"]))
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    def schema_file(file):
        with open(os.path.join(folder, file), encoding="utf-8") as f:
            return json.load(f)

    return inline(schema_file(name))


def validate(value, name):
    jsonschema.validate(value, schema(name))


def xml_value(elem, name):
    """An XML element as the JSON it stands for: the spec's arrays as lists, other elements
    with children as objects, text as text ('' for an empty element)."""
    children = list(elem)
    if name in ITEMS:
        assert all(c.tag == ITEMS[name] for c in children), (name, [c.tag for c in children])
        return [xml_value(c, c.tag) for c in children]
    if children:
        tags = [c.tag for c in children]
        assert len(tags) == len(set(tags)), f"repeated elements in <{name}>: {tags}"
        return {c.tag: xml_value(c, c.tag) for c in children}
    return elem.text or ""


def same_as_json(xml, value, where="$"):
    """The XML twin says what the JSON says: same members in the same order, same values."""
    if isinstance(value, dict):
        assert isinstance(xml, dict) and list(xml) == list(value), (where, xml, value)
        for k in value:
            same_as_json(xml[k], value[k], f"{where}.{k}")
    elif isinstance(value, list):
        assert isinstance(xml, list) and len(xml) == len(value), (where, xml, value)
        for i, v in enumerate(value):
            same_as_json(xml[i], v, f"{where}[{i}]")
    elif isinstance(value, bool):
        assert xml == ("true" if value else "false"), (where, xml, value)
    elif value is None:
        assert xml == "", (where, xml)
    elif isinstance(value, (int, float)):
        assert float(xml) == value, (where, xml, value)
    else:
        assert xml == XML_FORBIDDEN.sub("\ufffd", value), (where, xml, value)


def parse_xml(r, root):
    assert r.raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), r
    elem = ET.fromstring(r.raw)
    assert elem.tag == root, (elem.tag, root)
    return xml_value(elem, root)


def fetch(client, path, root, params=None, schema_name=None, status=200, types=None):
    """GET path.json and path.xml: the JSON (schema-valid when schema_name is given), after
    checking that the XML twin says the same."""
    json_type, xml_type = types or (JSON_TYPE, XML_TYPE)
    r = client.get(f"{path}.json", params=params)
    assert r.status == status, r
    assert r.headers["Content-Type"] == json_type, r
    body = json.loads(r.raw)
    if schema_name:
        validate(body, schema_name)
    x = client.get(f"{path}.xml", params=params)
    assert x.status == status, x
    assert x.headers["Content-Type"] == xml_type, x
    same_as_json(parse_xml(x, root), body)
    return body


def errors_of(r, fmt, status):
    """The spec's error list: [{"code": status, "description": ...}] or <errors>; its
    descriptions."""
    assert r.status == status, r
    if fmt == "json":
        assert r.headers["Content-Type"] == JSON_TYPE, r
        body = json.loads(r.raw)
    else:
        assert r.headers["Content-Type"] == XML_TYPE, r
        body = [{"code": int(e["code"]), "description": e["description"]}
                for e in parse_xml(r, "errors")]
    assert isinstance(body, list) and body, r
    for e in body:
        assert set(e) == {"code", "description"}, e
        assert e["code"] == status and isinstance(e["description"], str) and e["description"]
    return " ".join(e["description"] for e in body)


def assert_error(client, method, path, status, fragment, params=None, form=None,
                 headers=None):
    """The request, sent for .json and .xml, answers the error list with `status`, in its
    format, saying `fragment`; nothing is written."""
    for fmt in ("json", "xml"):
        with unchanged_reports():
            if method == "GET":
                r = client.get(f"{path}.{fmt}", params=params, headers=headers)
            else:
                r = post_form(client, f"{path}.{fmt}", form, headers=headers, params=params)
        text = errors_of(r, fmt, status)
        assert fragment in text, (fragment, text)


# ----------------------------------------------------------------------------------- posting


def post_form(client, path, form, headers=None, params=None, media=None):
    """POST the fields of `form` urlencoded, or multipart with the photo bytes `media`
    ({field: bytes})."""
    if media:
        fields = {k: (None, str(v).encode()) for k, v in form.items()}
        fields.update({k: ("image/jpeg", data) for k, data in media.items()})
        ctype, body = multipart(fields)
    else:
        ctype = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(form).encode()
    return client.post(path, data=body, params=params,
                       headers=dict(headers or {}, **{"Content-Type": ctype}))


@pytest.fixture(scope="module")
def api_key():
    return new_token("client", name=APP_NAME)


def request_form(api_key, **fields):
    form = {"api_key": api_key, "service_code": str(RAMEN_CATEGORY),
            "lat": HOTEL_DE_VILLE[0], "long": HOTEL_DE_VILLE[1]}
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def created(client, form, fmt="json", status=201, **kwargs):
    """POST requests.{fmt}; the service_request_id of the answer."""
    r = post_form(client, f"{V2}/requests.{fmt}", form, **kwargs)
    assert r.status == status, r
    if fmt == "json":
        body = json.loads(r.raw)
    else:
        body = parse_xml(r, "service_requests")
    assert isinstance(body, list) and len(body) == 1, r
    assert set(body[0]) == {"service_request_id", "service_notice"}, body
    assert re.fullmatch(r"[1-9]\d*", body[0]["service_request_id"]), body
    assert r.headers["Location"] == f"{V2}/requests/{body[0]['service_request_id']}.{fmt}"
    return body[0]["service_request_id"], body[0]["service_notice"], r


def one_request(client, request_id, params=None):
    body = fetch(client, f"{V2}/requests/{request_id}", "service_requests", params=params,
                 schema_name="requests.json")
    assert len(body) == 1 and body[0]["service_request_id"] == request_id, body
    return body[0]


# ------------------------------------------------------------------------------- discovery


def test_a_person_who_opens_open311_is_pointed_to_the_docs(client):
    r = client.get("/open311")
    assert r.status == 200 and r.body["docs"] == "docs/open311.md", r


def test_discovery_in_both_formats_with_bare_content_types(client):
    d = fetch(client, "/open311/discovery", "discovery",
              types=("application/json", "text/xml"))
    assert list(d)[:3] == ["changeset", "contact", "key_service"], d
    assert W3C.match(d["changeset"]) and d["contact"] and d["key_service"], d
    assert len(d["endpoints"]) >= 2, d
    assert {e["type"] for e in d["endpoints"]} >= {"production", "test"}, d
    for e in d["endpoints"]:
        assert e["specification"] == "http://wiki.open311.org/GeoReport_v2", e
        assert e["url"] == f"{harness.PUBLIC_URL}/open311/v2", e
        assert W3C.match(e["changeset"]), e
        assert e["formats"] == ["application/json", "text/xml"], e


# -------------------------------------------------------------------------------- services


def test_services_are_the_public_sub_categories(client, categories, leaves):
    services = fetch(client, f"{V2}/services", "services", schema_name="services.json")
    tops = {c["id"]: c["label"] for c in categories}
    public = {str(c["id"]): c for c in leaves if not c["agent_only"]}
    assert [s["service_code"] for s in services] == list(public), "one per public leaf"
    for s in services:
        c = public[s["service_code"]]
        assert s["service_name"] == c["label"], s
        assert s["group"] == tops[c["parent_id"]], s
        assert s["metadata"] is True and s["type"] == "realtime", s
        assert s["keywords"].startswith(s["group"]) and s["description"], s


def test_agent_only_and_top_categories_are_no_service(client, categories, agent_only_leaf):
    for code in (agent_only_leaf["id"], categories[0]["id"], 99999999, "abc"):
        assert_error(client, "GET", f"{V2}/services/{code}", 404, "no service has the code")


def test_every_service_defines_its_priority(client):
    d = fetch(client, f"{V2}/services/{RAMEN_CATEGORY}", "service_definition",
              schema_name="service-definition.json")
    assert d["service_code"] == str(RAMEN_CATEGORY), d
    (priority,) = d["attributes"]
    assert (priority["code"], priority["datatype"], priority["variable"],
            priority["required"]) == ("priority", "singlevaluelist", True, False), priority
    assert priority["values"] == [{"key": "1", "name": "dangereux"},
                                  {"key": "2", "name": "très gênant"},
                                  {"key": "3", "name": "gênant"}], priority


def test_the_jurisdiction_is_paris_or_none(client):
    for value in ("", "paris.fr"):
        fetch(client, f"{V2}/services", "services", params={"jurisdiction_id": value})
    assert_error(client, "GET", f"{V2}/services", 404, "paris.fr",
                 params={"jurisdiction_id": "lyon.fr"})
    assert_error(client, "GET", f"{V2}/requests", 404, "paris.fr",
                 params={"jurisdiction_id": "lyon.fr"})


# -------------------------------------------------------------------------------- creation


def test_a_request_posted_is_read_back_through_open311_and_v1(client, api_key, token):
    form = request_form(api_key, description="Matelas <abandonné> & sommier",
                        **{"attribute[priority]": "1", "email": "open311.reader@example.org",
                           "first_name": "Jeanne", "last_name": "Dupont",
                           "phone": "+33 6 12 34 56 78", "device_id": "o311-device-1",
                           "address_string": "Place de l'Hôtel de Ville"})
    request_id, notice, _ = created(client, form)
    assert "Ramen" in notice, notice
    r = one_request(client, request_id)
    assert (r["status"], r["service_code"], r["description"], r["lat"], r["long"]) == \
        ("open", str(RAMEN_CATEGORY), form["description"], *HOTEL_DE_VILLE), r
    assert r["zipcode"] == "75004" and r["media_url"] is None, r
    assert r["address"] == "Place de l'Hôtel de Ville", r
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(r[key]), (key, r)
    v1 = client.get(f"{API}/reports/{request_id}")
    assert v1.status == 200, v1
    assert (v1.body["category"]["id"], v1.body["priority"], v1.body["channel"],
            v1.body["description"]) == (RAMEN_CATEGORY, 1, "open311", form["description"])
    assert v1.body["number"].startswith("O"), v1.body
    assert r["agency_responsible"] == v1.body["service"]["name"], r
    public = [client.get(f"{API}/reports/{request_id}").raw,
              client.get(f"{V2}/requests/{request_id}.json").raw,
              client.get(f"{V2}/requests/{request_id}.xml", params={"extensions": "true"}).raw,
              client.get(f"{API}/reports/{request_id}/events").raw]
    for secret in ("open311.reader", "Jeanne", "Dupont", "12 34", "o311-device", APP_NAME):
        assert not any(secret.encode() in body for body in public), secret
    staff = history(client, int(request_id), token("supervisor"))
    assert staff["events"][0]["actor_name"] == APP_NAME, staff
    assert psql(f"SELECT first_name || ' ' || last_name || ' ' || phone FROM reporter "
                f"WHERE report_id = {request_id}") == "Jeanne Dupont +33 6 12 34 56 78"


def test_a_request_posted_in_xml_answers_in_xml(client, api_key):
    request_id, notice, _ = created(client, request_form(api_key), fmt="xml")
    assert one_request(client, request_id)["service_code"] == str(RAMEN_CATEGORY)


@pytest.mark.parametrize("field", ["media", "media[]"])
def test_the_media_photo_goes_through_the_photo_pipeline(client, api_key, field):
    """The photo of `media` is processed; a media_url is never fetched: a listening socket
    named by it sees no connection by the time the answer is in (any fetch would come first)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/photo.jpg"
        request_id, notice, _ = created(
            client, request_form(api_key, media_url=url),
            media={field: photo("gps/" + sorted(os.listdir(os.path.join(
                harness.photos_dir(), "gps")))[0])})
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert "media_url" in notice, notice
    r = one_request(client, request_id)
    assert r["media_url"].startswith(f"{harness.PUBLIC_URL}/photos/"), r
    jpeg = client.get(r["media_url"][len(harness.PUBLIC_URL):])
    assert jpeg.status == 200, jpeg
    assert_clean_jpeg(jpeg.raw, 4096)


def test_an_idempotency_key_replays_the_same_request(client, api_key):
    key = {"Idempotency-Key": "open311-" + os.urandom(12).hex()}
    form = request_form(api_key, description="rejoué")
    first, _, r1 = created(client, form, headers=key)
    again, _, r2 = created(client, form, headers=key)
    assert first == again and r2.headers["Idempotent-Replayed"] == "true", (r1, r2)
    assert_error(client, "POST", f"{V2}/requests", 400, "Idempotency-Key",
                 form=request_form(api_key, description="autre"), headers=key)


def test_api_keys_are_clients_tokens_only(client, token):
    revoked = new_token("client", name="revoked application")
    token_id = psql("SELECT id FROM api_token WHERE name = 'revoked application' "
                    "ORDER BY id DESC LIMIT 1")
    assert run_dmrctl("token", "revoke", token_id).returncode == 0
    for key, fragment in ((None, "api_key is required"), ("", "api_key is required"),
                          ("dmr_" + "0" * 64, "unknown or revoked"),
                          (revoked, "unknown or revoked"),
                          (token("supervisor"), "unknown or revoked")):
        assert_error(client, "POST", f"{V2}/requests", 403, fragment,
                     form=request_form(key))


@pytest.mark.parametrize("fields,status,fragment", [
    ({"service_code": None}, 400, "service_code is required"),
    ({"service_code": "99999999"}, 404, "no service has the code"),
    ({"service_code": "top"}, 404, "no service has the code"),
    ({"lat": None, "long": None}, 400, "a position is required"),
    ({"lat": None, "long": None, "address_string": "12 rue de Rivoli"}, 400,
     "an address alone cannot be placed"),
    ({"lat": "48.85.1"}, 400, "lat must be a number"),
    ({"long": None}, 400, "long must be a number"),
    ({"lat": 43.2965, "long": 5.3698}, 400, "outside"),
    ({"attribute[priority]": "4"}, 400, "attribute[priority]"),
    ({"description": "x" * 4001}, 400, "description"),
    ({"email": "not-an-address"}, 400, "email"),
    ({"jurisdiction_id": "lyon.fr"}, 404, "paris.fr"),
])
def test_a_refused_request_says_what_to_fix(client, api_key, categories, fields, status,
                                            fragment):
    if fields.get("service_code") == "top":
        fields = {"service_code": categories[0]["id"]}
    assert_error(client, "POST", f"{V2}/requests", status, fragment,
                 form=request_form(api_key, **fields))


def test_an_agent_only_category_is_no_service_to_post(client, api_key, agent_only_leaf):
    assert_error(client, "POST", f"{V2}/requests", 404, "no service has the code",
                 form=request_form(api_key, service_code=agent_only_leaf["id"]))


def test_a_photo_that_is_not_a_jpeg_is_refused(client, api_key):
    for fmt in ("json", "xml"):
        with unchanged_reports():
            r = post_form(client, f"{V2}/requests.{fmt}", request_form(api_key),
                          media={"media": b"GIF89a" + b"\0" * 64})
        assert "media" in errors_of(r, fmt, 400)


def test_a_body_that_is_not_a_form_is_refused(client, api_key):
    for fmt in ("json", "xml"):
        r = client.post(f"{V2}/requests.{fmt}", json_body=request_form(api_key))
        assert "x-www-form-urlencoded" in errors_of(r, fmt, 400)


# --------------------------------------------------------------------------------- reading


def test_a_v1_report_reads_through_open311(client, cat_a):
    lat, lon = 48.8606, 2.3376
    rep = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                                         "description": "lu par Open311",
                                         "address": "Louvre"}).body
    r = one_request(client, str(rep["id"]), params={"extensions": "true"})
    assert (r["service_code"], r["service_name"], r["agency_responsible"], r["address"],
            r["zipcode"], r["lat"], r["long"]) == \
        (str(cat_a["id"]), rep["category"]["label"], rep["service"]["name"], "Louvre",
         f"750{rep['arrondissement']:02d}", lat, lon), r
    ext = r["extended_attributes"]
    assert ext == {"number": rep["number"], "arrondissement": rep["arrondissement"],
                   "photos": {"close": None, "far": None, "done": None},
                   "followers": rep["followers"]}, ext
    assert [n["type"] for n in r["notes"]] == ["creation"], r["notes"]


def test_unknown_requests_and_tokens_are_404(client):
    assert_error(client, "GET", f"{V2}/requests/999999999", 404, "no request has the id")
    assert_error(client, "GET", f"{V2}/requests/abc", 404, "no request has the id")
    assert_error(client, "GET", f"{V2}/tokens/123", 404, "no token is issued")
    assert_error(client, "GET", f"{V2}/nothing", 404, "no such resource")
    r = client.get(f"{V2}/services.html")
    assert "json or .xml" in errors_of(r, "json", 404)


def test_an_agent_transition_shows_in_requests_and_updates(client, api_key, token):
    start = psql("SELECT dmr_w3c(now() - interval '1 second')")
    request_id, _, _ = created(client, request_form(api_key))
    agent = token("agent", "Ramen")
    moved(client, int(request_id), agent, to="acknowledged", message="Pris en charge")
    with open(os.path.join(harness.photos_dir(), "orientation", "landscape_1.jpg"),
              "rb") as f:
        done = client.request("PUT", f"{API}/reports/{request_id}/photos/done", data=f.read(),
                              headers=dict(bearer(agent), **{"Content-Type": "image/jpeg"}))
    assert done.status == 200, done
    moved(client, int(request_id), agent, to="resolved", message="Enlevé ce matin")
    r = one_request(client, request_id)
    assert (r["status"], r["status_notes"]) == ("closed", "Enlevé ce matin"), r
    assert r["updated_datetime"] >= r["requested_datetime"], r
    updates = fetch(client, f"{V2}/servicerequestupdates", "service_requests_updates",
                    params={"start_date": start,
                            "end_date": psql("SELECT dmr_w3c(now() + interval '1 minute')")})
    mine = [u for u in updates if u["service_request_id"] == request_id]
    assert [(u["status"], u["external_status_code"], u["description"]) for u in mine] == \
        [("open", "acknowledged", "Pris en charge"), ("closed", "resolved", "Enlevé ce matin")]
    for u in mine:
        assert set(u) == {"update_id", "service_request_id", "status", "external_status_code",
                          "updated_datetime", "description", "media_url"}, u
        assert W3C.match(u["updated_datetime"]) and re.fullmatch(r"\d+", u["update_id"]), u
        assert u["media_url"].startswith(f"{harness.PUBLIC_URL}/photos/"), u
    closed = fetch(client, f"{V2}/requests", "service_requests", schema_name="requests.json",
                   params={"service_request_id": request_id, "status": "closed"})
    assert [c["service_request_id"] for c in closed] == [request_id]


def test_list_filters(client, api_key, cat_b):
    mine = [created(client, request_form(api_key))[0] for _ in range(3)]
    ids = ",".join(mine)
    listed = fetch(client, f"{V2}/requests", "service_requests", schema_name="requests.json",
                   params={"service_request_id": ids, "service_code": cat_b["id"]})
    assert [r["service_request_id"] for r in listed] == mine[::-1], "ids override the rest"
    coded = fetch(client, f"{V2}/requests", "service_requests", schema_name="requests.json",
                  params={"service_code": f"{cat_b['id']},{RAMEN_CATEGORY}",
                          "page_size": 500})
    assert set(mine) <= {r["service_request_id"] for r in coded}
    assert {r["service_code"] for r in coded} <= {str(cat_b["id"]), str(RAMEN_CATEGORY)}
    page1 = fetch(client, f"{V2}/requests", "service_requests",
                  params={"service_request_id": ids, "page_size": 2})
    page2 = fetch(client, f"{V2}/requests", "service_requests",
                  params={"service_request_id": ids, "page_size": 2, "page": 2})
    assert [r["service_request_id"] for r in page1 + page2] == mine[::-1]
    lat, lon = HOTEL_DE_VILLE
    inside = fetch(client, f"{V2}/requests", "service_requests",
                   params={"bbox": f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}",
                           "page_size": 500})
    assert set(mine) <= {r["service_request_id"] for r in inside}
    assert all(abs(r["lat"] - lat) <= 0.001 for r in inside)
    elsewhere = fetch(client, f"{V2}/requests", "service_requests",
                      params={"bbox": "2.25,48.82,2.26,48.83"})
    assert not set(mine) & {r["service_request_id"] for r in elsewhere}


def test_the_default_period_is_the_last_90_days(client, api_key):
    """The report made old gets its date back afterwards: the other tests list reports newest
    first, in the order of their ids."""
    old, _, _ = created(client, request_form(api_key))
    recent, _, _ = created(client, request_form(api_key))
    was = psql(f"SELECT created_at FROM report WHERE id = {old}")
    psql(f"UPDATE report SET created_at = now() - interval '100 days' WHERE id = {old}")
    try:
        listed = {r["service_request_id"] for r in fetch(
            client, f"{V2}/requests", "service_requests",
            params={"service_code": RAMEN_CATEGORY})}
        assert recent in listed and old not in listed
        then = psql("SELECT to_char(now() - interval '120 days', 'YYYY-MM-DD')")
        found = {r["service_request_id"] for r in fetch(
            client, f"{V2}/requests", "service_requests",
            params={"start_date": then, "service_code": RAMEN_CATEGORY})}
        assert old in found and recent not in found
    finally:
        psql(f"UPDATE report SET created_at = '{was}' WHERE id = {old}")


def test_updated_after_and_before(client, api_key, token):
    request_id, _, _ = created(client, request_form(api_key))
    mark = psql("SELECT dmr_w3c(now())")
    moved(client, int(request_id), token("agent", "Ramen"), to="acknowledged")
    after = fetch(client, f"{V2}/requests", "service_requests",
                  params={"updated_after": mark, "service_code": RAMEN_CATEGORY})
    before = fetch(client, f"{V2}/requests", "service_requests",
                   params={"updated_before": mark, "service_code": RAMEN_CATEGORY})
    assert request_id in {r["service_request_id"] for r in after}
    assert request_id not in {r["service_request_id"] for r in before}


@pytest.mark.parametrize("params,fragment", [
    ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "more than 90 days"),
    ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "comes before"),
    ({"start_date": "yesterday"}, "start_date must be a date"),
    ({"end_date": "2026-02-30"}, "end_date must be a date"),
    ({"updated_after": "2026-13-01"}, "updated_after must be a date"),
    ({"status": "pending"}, "status must be open or closed"),
    ({"page_size": 501}, "page_size must be 1 to 500"),
    ({"page": 0}, "page must be"),
    ({"page": "x"}, "page"),
    ({"bbox": "2.3,48.8,2.2,48.9"}, "bbox"),
    ({"bbox": "2.3,48.8"}, "bbox"),
    ({"service_request_id": "1,x"}, "service_request_id must be"),
    ({"service_code": "7001,"}, "service_code must be"),
    ({"extensions": "yes"}, "extensions must be true or false"),
])
def test_bad_list_parameters_are_400(client, params, fragment):
    assert_error(client, "GET", f"{V2}/requests", 400, fragment, params=params)


def test_updates_take_a_period_of_90_days_at_most(client):
    assert_error(client, "GET", f"{V2}/servicerequestupdates", 400, "more than 90 days",
                 params={"start_date": "2026-01-01", "end_date": "2026-12-01"})


def test_an_offset_sent_unencoded_is_understood(client, api_key):
    request_id, _, _ = created(client, request_form(api_key))
    since = psql("SELECT dmr_w3c(now() - interval '1 hour')")
    r = client.get(f"{V2}/requests.json?start_date={since}&service_code={RAMEN_CATEGORY}")
    assert r.status == 200, r
    assert request_id in {x["service_request_id"] for x in json.loads(r.raw)}


def test_text_that_xml_cannot_hold_is_replaced(client, cat_a):
    rep = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": 48.8606,
                                         "lon": 2.3376,
                                         "description": "a\x01b <c> & d\r\n"}).body
    x = client.get(f"{V2}/requests/{rep['id']}.xml")
    assert x.status == 200, x
    (request,) = parse_xml(x, "service_requests")
    assert request["description"] == "a\ufffdb <c> & d\r\n", request


def test_an_api_key_opens_nothing_of_the_staff(client, api_key):
    request_id, _, _ = created(client, request_form(api_key))
    key = bearer(api_key)
    assert history(client, int(request_id), api_key)["view"] == "public"
    for method, path, body in (("GET", f"{API}/queue", None),
                               ("GET", f"{API}/outbox", None),
                               ("GET", f"{API}/events/stream", None),
                               ("POST", f"{API}/reports/{request_id}/transitions",
                                {"to": "acknowledged"})):
        r = client.request(method, path, json_body=body, headers=key)
        harness.assert_error(r, 403, "forbidden")
    with open(os.path.join(harness.photos_dir(), "orientation", "landscape_1.jpg"),
              "rb") as f:
        r = client.request("PUT", f"{API}/reports/{request_id}/photos/done", data=f.read(),
                           headers=dict(key, **{"Content-Type": "image/jpeg"}))
    harness.assert_error(r, 403, "forbidden")
