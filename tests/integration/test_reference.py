"""Reference data: categories, services, areas, health (docs/api.md, "Reference data")."""

from harness import API, assert_error

TOP_LABELS = {
    "Activités commerciales et professionnelles",
    "Arbres, végétaux et animaux",
    "Autos, motos, vélos, trottinettes...",
    "Eau",
    "Graffitis, tags, affiches et autocollants",
    "Mobiliers urbains",
    "Objets abandonnés",
    "Propreté",
    "Voirie et espace public",
    "Éclairage / Électricité",
}


def assert_json_ok(r):
    assert r.status == 200, r
    ct = r.headers.get("Content-Type", "")
    assert ct.split(";")[0].strip() == "application/json", ct


def test_healthz(client):
    r = client.get("/healthz")
    assert_json_ok(r)
    assert r.body == {"status": "ok"}


def test_readyz(client):
    r = client.get("/readyz")
    assert_json_ok(r)
    assert r.body == {"status": "ready"}


def test_json_content_type_has_charset(client):
    r = client.get(f"{API}/services")
    assert r.headers.get("Content-Type", "").replace(" ", "").lower() == \
        "application/json;charset=utf-8"


def test_categories_tree(client):
    r = client.get(f"{API}/categories")
    assert_json_ok(r)
    assert isinstance(r.body.get("version"), str) and r.body["version"]
    tops = r.body["categories"]
    assert len(tops) == 10, [t["label"] for t in tops]
    assert {t["label"] for t in tops} == TOP_LABELS
    ids = set()
    for top in tops:
        assert isinstance(top["id"], int) and top["id"] not in ids
        ids.add(top["id"])
        assert top["children"], f"{top['label']} has no sub-category"
        for child in top["children"]:
            assert isinstance(child["id"], int) and not isinstance(child["id"], bool), child
            assert child["id"] not in ids, f"duplicate id {child['id']}"
            ids.add(child["id"])
            assert isinstance(child["label"], str) and child["label"].strip(), child
            assert isinstance(child["service"], str) and child["service"], child
            assert isinstance(child["agent_only"], bool), child


def test_categories_agent_only(categories):
    children = [c for top in categories for c in top["children"]]
    agent = [c for c in children if c["agent_only"]]
    assert agent, "no agent-only sub-category"
    assert len(agent) < len(children)
    bad = [c["label"] for c in agent if not c["label"].startswith("[")]
    assert not bad, f"agent-only labels not starting with '[': {bad}"


def test_categories_services_exist(client, categories):
    codes = {s["code"] for s in client.get(f"{API}/services").body["services"]}
    missing = {c["service"] for top in categories for c in top["children"]} - codes
    assert not missing, f"categories name unknown services: {missing}"


def test_categories_etag(client):
    r = client.get(f"{API}/categories")
    etag = r.headers.get("ETag")
    assert etag, f"no ETag: {r!r}"
    assert not etag.startswith("W/"), f"weak ETag {etag}"
    assert etag.startswith('"') and etag.endswith('"'), etag
    assert r.body["version"] in etag
    again = client.get(f"{API}/categories", headers={"If-None-Match": etag})
    assert again.status == 304, again
    assert again.raw == b"", f"304 with a body: {again.raw[:200]!r}"
    assert again.headers.get("ETag") == etag
    other = client.get(f"{API}/categories", headers={"If-None-Match": '"not-the-version"'})
    assert other.status == 200 and other.body["categories"]


def test_services(client):
    r = client.get(f"{API}/services")
    assert_json_ok(r)
    services = r.body["services"]
    codes = [s["code"] for s in services]
    assert len(codes) == len(set(codes)), "duplicate service codes"
    for s in services:
        assert isinstance(s["code"], str) and s["code"], s
        assert isinstance(s["name"], str) and s["name"], s
        assert s["kind"] in ("direction", "contractor", "external"), s
    for code in ("Ramen", "DPE-STPP-DT", "graffitis", "DVD", "CIELIS"):
        assert code in codes, f"service {code} missing"


def check_areas(r, kind, count):
    assert r.status == 200, r
    ct = r.headers.get("Content-Type", "")
    assert ct.split(";")[0].strip() == "application/geo+json", ct
    fc = r.body
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == count
    codes = set()
    for f in fc["features"]:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        p = f["properties"]
        assert p["kind"] == kind, p
        assert isinstance(p["code"], str) and p["code"] and p["code"] not in codes, p
        codes.add(p["code"])
        assert isinstance(p["name"], str) and p["name"], p
        assert isinstance(p["arrondissement"], int) and 1 <= p["arrondissement"] <= 20, p
    return fc


def test_areas_arrondissements(client):
    fc = check_areas(client.get(f"{API}/areas", {"kind": "arrondissement"}), "arrondissement", 20)
    assert sorted(f["properties"]["arrondissement"] for f in fc["features"]) == list(range(1, 21))
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][:2] \
        if fc["features"][0]["geometry"]["type"] == "Polygon" \
        else fc["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert 2.2 < lon < 2.5 and 48.8 < lat < 48.91, "coordinates are not [lon, lat] in Paris"


def test_areas_quartiers(client):
    fc = check_areas(client.get(f"{API}/areas", {"kind": "quartier"}), "quartier", 80)
    per = {}
    for f in fc["features"]:
        per[f["properties"]["arrondissement"]] = per.get(f["properties"]["arrondissement"], 0) + 1
    assert per == {a: 4 for a in range(1, 21)}


def test_areas_conseils_de_quartier(client):
    """Loaded with the Paris data: the 121 conseils de quartier of 2014, in every
    arrondissement."""
    fc = check_areas(client.get(f"{API}/areas", {"kind": "conseil_quartier"}),
                     "conseil_quartier", 121)
    assert {f["properties"]["arrondissement"] for f in fc["features"]} == set(range(1, 21))


def test_areas_kind_required(client):
    assert_error(client.get(f"{API}/areas"), 400, "invalid_parameter", "kind")


def test_areas_kind_unknown(client):
    assert_error(client.get(f"{API}/areas", {"kind": "planet"}), 400, "invalid_parameter", "kind")
