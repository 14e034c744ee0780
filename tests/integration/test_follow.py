"""Following a report ("je suis aussi concerné"), duplicate suggestions, the merge of a
duplicate's followers into its original, and the promise that no e-mail or device id reaches a
public answer (docs/api.md, "Followers", "Duplicate suggestions")."""

import uuid

import pytest

import harness
from harness import API, assert_error, bearer, offset


def follow(client, report_id, **who):
    return client.post(f"{API}/reports/{report_id}/followers", who)


def unfollow(client, report_id, **who):
    return client.request("DELETE", f"{API}/reports/{report_id}/followers", json_body=who)


def followed(response, report_id, followers):
    assert response.status == 200, response
    assert response.body == {"report_id": report_id, "followers": followers}, response
    return response.body


def awaiting(response, report_id, followers):
    """An e-mail follow, accepted: it counts once its owner confirms it."""
    assert response.status == 202, response
    assert response.body == {"report_id": report_id, "followers": followers,
                             "pending": "email_confirmation"}, response
    return response.body


def followers(client, report_id):
    r = client.get(f"{API}/reports/{report_id}")
    assert r.status == 200, r
    return r.body["followers"]


def stored_followers(report_id, counted=False):
    """The follower rows of the report; counted: only those its count includes."""
    confirmed = " AND confirmed_at IS NOT NULL" if counted else ""
    return int(harness.psql(f"SELECT count(*) FROM follower WHERE report_id = {report_id}"
                            f"{confirmed}"))


def suggestions(client, lat, lon, category_id):
    r = client.get(f"{API}/reports/suggestions", {"lat": lat, "lon": lon,
                                                  "category_id": category_id})
    assert r.status == 200, r
    return r.body["suggestions"]


def unique_email(tag):
    return f"{tag}.{uuid.uuid4().hex[:10]}@example.net"


@pytest.fixture
def aged():
    """aged(report_id, days): the report seems created `days` days earlier, for one test only
    (searches list reports newest first by id: creation times are put back afterwards)."""
    reports = []

    def age(report_id, days):
        reports.append((report_id, days))
        harness.psql(f"UPDATE report SET created_at = created_at - interval '{days} days'"
                     f" WHERE id = {report_id}")

    yield age
    for report_id, days in reports:
        harness.psql(f"UPDATE report SET created_at = created_at + interval '{days} days'"
                     f" WHERE id = {report_id}")


# ---------------------------------------------------------------------------------- follow


@pytest.mark.parametrize("who,count", [({}, 0), ({"email": "rep@example.net"}, 1),
                                       ({"device_id": "phone-1"}, 1),
                                       ({"email": "rep@example.net", "device_id": "phone-1"}, 1)],
                         ids=["anonymous", "email", "device", "both"])
def test_the_reporter_who_can_be_reached_follows(client, spot, cat_a, who, count):
    lat, lon, _ = spot
    r = client.post(f"{API}/reports", dict({"category_id": cat_a["id"], "lat": lat, "lon": lon},
                                           **who))
    assert r.status == 201, r
    assert r.body["followers"] == count, r
    assert followers(client, r.body["id"]) == count
    assert stored_followers(r.body["id"]) == count


def test_follow_and_unfollow(client, new_report, spot):
    rid = new_report(*spot[:2])["id"]
    device, other = f"device-{uuid.uuid4().hex}", f"another-{uuid.uuid4().hex}"
    followed(follow(client, rid, device_id=device), rid, 1)
    followed(follow(client, rid, device_id=device), rid, 1)
    email = unique_email("voisin")
    awaiting(follow(client, rid, email=email), rid, 1)
    awaiting(follow(client, rid, email=unique_email("both"), device_id=other), rid, 2)
    assert followers(client, rid) == 2 == stored_followers(rid, counted=True)
    assert harness.follow_confirmed(client, rid, email)["followers"] == 3
    assert stored_followers(rid) == 4, "the follow of 'both' waits for its owner's click"

    followed(unfollow(client, rid, device_id="nobody-s-phone"), rid, 3)
    followed(unfollow(client, rid, device_id=device), rid, 2)
    followed(unfollow(client, rid, device_id=device), rid, 2)
    assert_error(unfollow(client, rid, email=email), 403, "forbidden", "email")
    assert_error(unfollow(client, rid), 422, "missing_field", "device_id")
    assert followers(client, rid) == 2 == stored_followers(rid, counted=True)


FOLLOW_ERRORS = [
    ("nobody", {}, 422, "missing_field", "email"),
    ("nulls", {"email": None, "device_id": None}, 422, "missing_field", "email"),
    ("email_no_at", {"email": "not-an-email"}, 422, "invalid_field", "email"),
    ("email_spaces", {"email": "some one@example.org"}, 422, "invalid_field", "email"),
    ("email_too_long", {"email": "a" * 243 + "@example.org"}, 422, "invalid_field", "email"),
    ("email_number", {"email": 5}, 422, "invalid_field", "email"),
    ("device_empty", {"device_id": ""}, 422, "invalid_field", "device_id"),
    ("device_201", {"device_id": "d" * 201}, 422, "invalid_field", "device_id"),
    ("device_not_ascii", {"device_id": "téléphone"}, 422, "invalid_field", "device_id"),
    ("bad_email_good_device", {"email": "x@", "device_id": "phone-2"}, 422, "invalid_field",
     "email"),
    ("unknown_member", {"email": "a@example.org", "phone": "0600"}, 422, "invalid_field",
     "phone"),
]


@pytest.mark.parametrize("who,status,code,field", [c[1:] for c in FOLLOW_ERRORS],
                         ids=[c[0] for c in FOLLOW_ERRORS])
def test_follow_errors(client, new_report, spot, who, status, code, field):
    rid = new_report(*spot[:2], email="reporter@example.net")["id"]
    assert_error(follow(client, rid, **who), status, code, field)
    assert followers(client, rid) == 1 == stored_followers(rid)


def test_follow_bad_bodies_and_unknown_report(client, new_report, spot):
    rid = new_report(*spot[:2])["id"]
    for body in (b'{"email": ', b'["a@example.org"]', b""):
        assert_error(client.post(f"{API}/reports/{rid}/followers", data=body), 400,
                     "malformed_json")
    assert followers(client, rid) == 0 == stored_followers(rid)
    assert_error(follow(client, 999999999, email="a@example.org"), 404, "not_found")
    assert_error(unfollow(client, 999999999, device_id="a-phone"), 404, "not_found")


@pytest.mark.parametrize("status", ["resolved", "rejected"])
def test_a_closed_report_cannot_be_followed(client, new_report, spot, token, cat_a, status):
    rid = new_report(*spot[:2], email="reporter@example.net")["id"]
    members = {"to": status, "reason": "already_done"} if status == "rejected" else {"to": status}
    r = client.post(f"{API}/reports/{rid}/transitions", members,
                    headers=bearer(token("agent", cat_a["service"])))
    assert r.status == 200, r
    assert_error(follow(client, rid, email=unique_email("late")), 409, "report_closed")
    assert followers(client, rid) == 1 == stored_followers(rid)


# ----------------------------------------------------------------------------- suggestions


def test_suggestions_within_the_category_radius(client, new_report, spot, cat_a):
    lat, lon, _ = spot
    radius = cat_a["duplicate_radius_m"]
    inside = new_report(*offset(lat, lon, east_m=radius * 0.9))["id"]
    outside = new_report(*offset(lat, lon, east_m=radius * 1.1))["id"]
    for category in (cat_a["id"], cat_a["parent_id"]):
        found = suggestions(client, lat, lon, category)
        got = [x["id"] for x in found]
        assert inside in got and outside not in got, (category, got)
        near = next(x for x in found if x["id"] == inside)
        assert abs(near["distance_m"] - radius * 0.9) < 1, near
        assert all(x["distance_m"] <= radius for x in found), found


def test_suggestions_keep_to_the_top_category(client, new_report, spot, cat_a, cat_b, leaves):
    lat, lon, _ = spot
    sibling = next(c for c in leaves if c["parent_id"] == cat_a["parent_id"]
                   and c["id"] != cat_a["id"] and not c["agent_only"])
    same = new_report(lat, lon, category_id=cat_a["id"])["id"]
    cousin = new_report(*offset(lat, lon, north_m=5), category_id=sibling["id"])["id"]
    stranger = new_report(*offset(lat, lon, north_m=-5), category_id=cat_b["id"])["id"]
    got = [x["id"] for x in suggestions(client, lat, lon, cat_a["id"])]
    assert same in got and cousin in got and stranger not in got, got
    got = [x["id"] for x in suggestions(client, lat, lon, cat_b["id"])]
    assert stranger in got and same not in got and cousin not in got, got


def test_suggestions_leave_out_closed_and_old_reports(client, new_report, spot, token, cat_a,
                                                     aged):
    lat, lon, _ = spot
    agent = token("agent", cat_a["service"])
    closed = {}
    for i, status in enumerate(("acknowledged", "on_hold", "resolved", "rejected")):
        rid = new_report(*offset(lat, lon, north_m=i + 1))["id"]
        members = {"to": status, "reason": "not_found"} if status == "rejected" else {"to": status}
        r = client.post(f"{API}/reports/{rid}/transitions", members, headers=bearer(agent))
        assert r.status == 200, r
        closed[status] = rid
    recent = new_report(*offset(lat, lon, east_m=6))["id"]
    old = new_report(*offset(lat, lon, east_m=7))["id"]
    aged(recent, 29)
    aged(old, 31)
    got = [x["id"] for x in suggestions(client, lat, lon, cat_a["id"])]
    assert closed["acknowledged"] in got and closed["on_hold"] in got, "open reports are kept"
    assert closed["resolved"] not in got and closed["rejected"] not in got, got
    assert recent in got and old not in got, got


def test_at_most_five_suggestions_nearest_first(client, new_report, spot, cat_a):
    lat, lon, _ = spot
    made = {}
    for d in (12, 3, 18, 6, 15, 9, 21):
        made[d] = new_report(*offset(lat, lon, north_m=d))["id"]
    found = suggestions(client, lat, lon, cat_a["id"])
    assert [x["id"] for x in found] == [made[d] for d in (3, 6, 9, 12, 15)], found
    for x, d in zip(found, (3, 6, 9, 12, 15)):
        assert abs(x["distance_m"] - d) < 0.5, x
        assert x["status"] == "new" and "email" not in x


def test_the_creation_answer_suggests_the_others(client, new_report, spot, cat_a):
    lat, lon, _ = spot
    first = new_report(lat, lon)
    assert first["id"] not in [x["id"] for x in first["suggestions"]]
    plat, plon = offset(lat, lon, east_m=10)
    second = new_report(plat, plon)
    got = [x["id"] for x in second["suggestions"]]
    assert first["id"] in got and second["id"] not in got, got
    listed = [x["id"] for x in suggestions(client, plat, plon, cat_a["id"])]
    others = [i for i in listed if i != second["id"]]
    # The same order; with five others or more nearby, the answer has one more than the
    # list (which gives five, the new report among them).
    assert got[:len(others)] == others and len(got) <= 5, (got, listed)


SUGGESTION_ERRORS = [
    ("unknown_category", {"category_id": 99999999}, 422, "unknown_category", "category_id"),
    ("category_zero", {"category_id": 0}, 422, "unknown_category", "category_id"),
    ("category_missing", {"category_id": None}, 400, "invalid_parameter", "category_id"),
    ("category_word", {"category_id": "abc"}, 400, "invalid_parameter", "category_id"),
    ("lat_missing", {"lat": None}, 400, "invalid_parameter", "lat"),
    ("lat_word", {"lat": "north"}, 400, "invalid_parameter", "lat"),
    ("lon_nan", {"lon": "nan"}, 400, "invalid_parameter", "lon"),
    ("lat_91", {"lat": "91"}, 422, "invalid_field", "lat"),
    ("lon_minus_181", {"lon": "-181"}, 422, "invalid_field", "lon"),
]


@pytest.mark.parametrize("changes,status,code,field", [c[1:] for c in SUGGESTION_ERRORS],
                         ids=[c[0] for c in SUGGESTION_ERRORS])
def test_suggestion_errors(client, cat_a, changes, status, code, field):
    params = {"lat": 48.8566, "lon": 2.3522, "category_id": cat_a["id"]}
    params.update(changes)
    params = {k: v for k, v in params.items() if v is not None}
    assert_error(client.get(f"{API}/reports/suggestions", params), status, code, field)


# -------------------------------------------------------------------------- duplicate merge


def test_a_duplicate_s_followers_move_to_its_original(client, new_report, spot, token, cat_a):
    lat, lon, _ = spot
    agent = token("agent", cat_a["service"])
    f1, shared, pending = (unique_email(t) for t in ("f1", "shared", "pending"))
    original = new_report(lat, lon, device_id=f"rb-{uuid.uuid4().hex}")["id"]
    dup = new_report(*offset(lat, lon, east_m=8), email=unique_email("ra"))["id"]
    assert harness.follow_confirmed(client, dup, f1)["followers"] == 2
    followed(follow(client, dup, device_id=f"f2-{uuid.uuid4().hex}"), dup, 3)
    assert harness.follow_confirmed(client, dup, shared)["followers"] == 4
    awaiting(follow(client, dup, email=pending), dup, 4)
    assert harness.follow_confirmed(client, original, shared)["followers"] == 2

    r = client.post(f"{API}/reports/{dup}/transitions",
                    {"to": "rejected", "duplicate_of": original}, headers=bearer(agent))
    assert r.status == 200, r
    assert r.body["followers"] == 0 and stored_followers(dup) == 0, r
    assert followers(client, original) == 5 == stored_followers(original, counted=True), \
        "four followers join two, one of them already there"
    assert stored_followers(original) == 6, "the waiting follow moved too"

    # The waiting follow's link still works once it moved: it counts on the original.
    harness.confirm_by_link(client, pending)
    assert followers(client, original) == 6
    awaiting(follow(client, dup, email=unique_email("newcomer")), original, 6)
    device = f"late-{uuid.uuid4().hex}"
    followed(follow(client, dup, device_id=device), original, 7)
    followed(unfollow(client, dup, device_id=device), original, 6)
    assert followers(client, dup) == 0


def test_a_duplicate_of_a_duplicate_joins_the_first_original(client, new_report, spot, token,
                                                             cat_a):
    lat, lon, _ = spot
    agent = token("agent", cat_a["service"])
    root = new_report(lat, lon, email=unique_email("root"))["id"]
    middle = new_report(*offset(lat, lon, east_m=5), email=unique_email("middle"))["id"]
    last = new_report(*offset(lat, lon, east_m=10), email=unique_email("last"))["id"]
    for rid, original in ((middle, root), (last, middle)):
        r = client.post(f"{API}/reports/{rid}/transitions",
                        {"to": "rejected", "duplicate_of": original}, headers=bearer(agent))
        assert r.status == 200, r
    assert [followers(client, rid) for rid in (root, middle, last)] == [3, 0, 0]
    followed(follow(client, last, device_id=f"late-{uuid.uuid4().hex}"), root, 4)


# ------------------------------------------------------------------------ no personal data


def test_no_personal_data_in_any_public_answer(client, spot, token, cat_a):
    lat, lon, _ = spot
    tag = uuid.uuid4().hex[:12]
    secrets = [f"pd-reporter-{tag}@leak.example", f"pd-device-{tag}",
               f"pd-follower-{tag}@leak.example", f"pd-phone-{tag}",
               f"pd-second-{tag}@leak.example", f"pd-gone-{tag}@leak.example"]
    agent, supervisor = token("agent", cat_a["service"]), token("supervisor")
    answers = []

    def keep(response, status=200):
        assert response.status == status, response
        answers.append(response)
        return response.body

    first = keep(client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat, "lon": lon,
                                                "priority": 1, "email": secrets[0],
                                                "device_id": secrets[1]}), 201)
    keep(follow(client, first["id"], email=secrets[2], device_id=secrets[3]), 202)
    keep(follow(client, first["id"], email=secrets[5]), 202)
    assert_error(unfollow(client, first["id"], email=secrets[5]), 403, "forbidden", "email")
    keep(unfollow(client, first["id"], device_id=secrets[3]))
    second = keep(client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": lat,
                                                 "lon": lon, "email": secrets[4]}), 201)
    assert first["id"] in [x["id"] for x in second["suggestions"]]
    keep(client.post(f"{API}/reports/{first['id']}/transitions",
                     {"to": "acknowledged", "message": "Vu"}, headers=bearer(agent)))
    keep(client.post(f"{API}/reports/{second['id']}/transitions",
                     {"to": "rejected", "duplicate_of": first["id"]}, headers=bearer(agent)))
    assert harness.psql(f"SELECT count(*) FROM follower WHERE report_id = {first['id']}"
                        f" AND (email LIKE '%{tag}%' OR device_id LIKE '%{tag}%')") == "4", \
        "the reporters and the waiting e-mail follows are stored, the second report's" \
        " reporter moved to the first"

    for rep in (first, second):
        keep(client.get(f"{API}/reports/{rep['id']}"))
        for secret in (None, agent, supervisor, rep["edit_token"]):
            keep(client.get(f"{API}/reports/{rep['id']}/events", headers=bearer(secret)))
    near = {"near": f"{lat},{lon}", "radius": 20, "limit": 1000}
    box = {"bbox": f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}", "limit": 1000}
    for params in (near, box, {"limit": 1000}):
        listed = keep(client.get(f"{API}/reports", params))
        assert first["id"] in [x["id"] for x in listed["reports"]], params
        keep(client.get(f"{API}/reports", params, headers={"Accept": "application/geo+json"}))
    listed = keep(client.get(f"{API}/queue", {"service": cat_a["service"], "status": "acknowledged",
                                             "limit": 500}, headers=bearer(supervisor)))
    assert first["id"] in [x["id"] for x in listed["reports"]]
    listed = keep(client.get(f"{API}/reports/suggestions", {"lat": lat, "lon": lon,
                                                            "category_id": cat_a["id"]}))
    assert first["id"] in [x["id"] for x in listed["suggestions"]]

    for answer in answers:
        raw = answer.raw.decode("utf-8")
        for secret in secrets + [tag, "leak.example"]:
            assert secret not in raw, f"{secret} leaked into {answer!r}"
        for key in ('"email"', '"device_id"'):
            assert key not in raw, f"{key} in {answer!r}"
