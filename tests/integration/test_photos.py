"""Reports that carry photos: multipart creation, the edit token, photo URLs, and every kind
of photo a phone may send (../shared/testdata/photos), over real HTTP."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

import harness
from harness import (API, assert_clean_jpeg, assert_error, multipart, photo, photos_dir,
                     unchanged_reports)

PARIS = (48.8606, 2.3376)


def create(client, report, photos=None, headers=None):
    fields = {"report": ("application/json", json.dumps(report).encode())}
    for view, data in (photos or {}).items():
        fields[f"photo_{view}"] = ("image/jpeg", data)
    ctype, body = multipart(fields)
    return client.post(f"{API}/reports", data=body,
                       headers=dict(headers or {}, **{"Content-Type": ctype}))


@pytest.fixture(scope="module")
def paris_gps_photo(tmp_path_factory):
    """A GPS-tagged phone photo moved to the Louvre with exiftool."""
    if not shutil.which("exiftool"):
        pytest.fail("exiftool is missing: deploy/local installs libimage-exiftool-perl")
    out = tmp_path_factory.mktemp("gps") / "louvre.jpg"
    subprocess.run(["exiftool", "-q", "-GPSLatitude=48.8606", "-GPSLatitudeRef=N",
                    "-GPSLongitude=2.3376", "-GPSLongitudeRef=E", "-o", str(out),
                    os.path.join(photos_dir(), "gps", "DSCN0010.jpg")], check=True)
    return out.read_bytes()


def test_create_with_two_photos(client, cat_a):
    r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
               {"close": photo("camera/42_IndexError.jpg"),
                "far": photo("orientation/portrait_6.jpg")})
    assert r.status == 201, r
    assert set(r.body["photos"]) == {"close", "far"}
    assert len(r.body["edit_token"]) == 64
    close = client.get(r.body["photos"]["close"]["url"])
    assert close.status == 200 and close.headers["Content-Type"] == "image/jpeg"
    assert "immutable" in close.headers["Cache-Control"]
    assert close.headers["ETag"].strip('"').startswith(
        r.body["photos"]["close"]["url"].split("/")[-1][:64])
    assert assert_clean_jpeg(close.body, 1600) == (1600, 1200)
    thumb = client.get(r.body["photos"]["close"]["thumbnail_url"])
    assert thumb.status == 200
    assert max(assert_clean_jpeg(thumb.body, 320)) == 320
    far = client.get(r.body["photos"]["far"]["url"])
    w, h = assert_clean_jpeg(far.body, 1600)
    assert h > w, "portrait_6 must come out upright, taller than wide"
    again = client.get(r.body["photos"]["close"]["url"],
                       headers={"If-None-Match": close.headers["ETag"]})
    assert again.status == 304 and again.raw == b""
    public = client.get(f"{API}/reports/{r.body['id']}")
    assert public.body["photos"] == r.body["photos"]
    assert "edit_token" not in public.body


@pytest.mark.parametrize("folder", ["camera", "mobile", "gps", "orientation"])
def test_every_test_photo_comes_out_clean(client, cat_a, folder):
    for name in sorted(os.listdir(os.path.join(photos_dir(), folder))):
        if not name.lower().endswith(".jpg"):
            continue
        r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
                   {"close": photo(f"{folder}/{name}")})
        assert r.status == 201, (name, r)
        out = client.get(r.body["photos"]["close"]["url"])
        assert out.status == 200, name
        assert_clean_jpeg(out.body, 1600)
        assert b"Exif" not in out.body[:4096] and b"GPS" not in out.body, name


def test_photo_position_places_a_report_without_coordinates(client, cat_a, paris_gps_photo):
    r = create(client, {"category_id": cat_a["id"]}, {"close": paris_gps_photo})
    assert r.status == 201, r
    assert abs(r.body["lat"] - 48.8606) < 1e-6 and abs(r.body["lon"] - 2.3376) < 1e-6
    assert r.body["arrondissement"] == 1
    out = client.get(r.body["photos"]["close"]["url"]).body
    assert_clean_jpeg(out, 1600)


def test_photo_position_outside_paris_is_refused(client, cat_a):
    with unchanged_reports():
        r = create(client, {"category_id": cat_a["id"]}, {"close": photo("gps/DSCN0010.jpg")})
    assert_error(r, 422, "outside_service_area")


def test_no_position_and_no_geotag(client, cat_a):
    with unchanged_reports():
        r = create(client, {"category_id": cat_a["id"]}, {"close": photo("camera/no_exif.jpg")})
    assert_error(r, 422, "missing_field", "lat")


def test_truncated_photo_leaves_nothing(client, cat_a):
    with unchanged_reports():
        r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
                   {"close": photo("orientation/landscape_1.jpg"),
                    "far": photo("invalid/corrupted.jpg")})
    assert_error(r, 422, "photo_corrupt", "photo_far")
    assert client.get("/healthz").status == 200


def test_xmp_only_photos_are_sound_and_stripped(client, cat_a):
    """invalid/image0*.jpg hold an XMP packet where EXIF readers expect EXIF: their pictures
    are sound (djpeg decodes them without a warning), so they are taken, and the XMP goes."""
    folder = os.path.join(photos_dir(), "invalid")
    names = sorted(n for n in os.listdir(folder) if n.startswith("image"))
    assert names
    for name in names:
        data = photo(f"invalid/{name}")
        assert b"http://ns.adobe.com/xap/1.0/" in data[:200]
        r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
                   {"close": data})
        assert r.status == 201, (name, r)
        out = client.get(r.body["photos"]["close"]["url"]).body
        assert_clean_jpeg(out, 1600)
        assert b"ns.adobe.com" not in out, name


@pytest.mark.parametrize("name", ["IMG_5195.HEIC", "iphone_13_pro_max.HEIC"])
def test_heic_is_unsupported(client, cat_a, name):
    with unchanged_reports():
        r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
                   {"close": photo(f"heic/{name}")})
    assert_error(r, 415, "unsupported_media_type", "photo_close")
    assert "HEIC" in r.body["error"]["message"]


def test_declared_60000_by_60000_is_refused(client, cat_a):
    data = bytearray(photo("orientation/landscape_1.jpg"))
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    data[i + 5:i + 9] = (60000).to_bytes(2, "big") * 2
    with unchanged_reports():
        r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
                   {"close": bytes(data)})
    assert_error(r, 422, "photo_too_many_pixels", "photo_close")


def test_photo_over_15_megabytes(client, cat_a):
    big = photo("orientation/landscape_1.jpg") + b"\0" * (15 * 1000 * 1000 + 1)
    with unchanged_reports():
        r = create(client, {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]},
                   {"close": big})
    assert_error(r, 413, "photo_too_large", "photo_close")


def test_multipart_without_report_part(client):
    ctype, body = multipart({"photo_close": ("image/jpeg", photo("orientation/landscape_1.jpg"))})
    with unchanged_reports():
        r = client.post(f"{API}/reports", data=body, headers={"Content-Type": ctype})
    assert_error(r, 422, "missing_field", "report")


def test_multipart_with_bad_report_json(client):
    ctype, body = multipart({"report": ("application/json", b'{"category_id": ')})
    with unchanged_reports():
        r = client.post(f"{API}/reports", data=body, headers={"Content-Type": ctype})
    assert_error(r, 400, "malformed_json")


def test_multipart_without_boundary(client):
    with unchanged_reports():
        r = client.post(f"{API}/reports", data=b"--x\r\n",
                        headers={"Content-Type": "multipart/form-data"})
    assert_error(r, 400, "malformed_multipart")


def test_idempotent_multipart_creates_one_report(client, cat_a):
    key = f"photos-{uuid.uuid4()}"
    report = {"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]}
    photos = {"close": photo("mobile/jolla.jpg")}
    first = create(client, report, photos, {"Idempotency-Key": key})
    before = harness.report_count()
    second = create(client, report, photos, {"Idempotency-Key": key})
    assert first.status == second.status == 201
    assert second.body["id"] == first.body["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert harness.report_count() == before
    assert second.body["photos"] == first.body["photos"]
    # The replay gives back the same token, which still holds the report.
    assert second.body["edit_token"] == first.body["edit_token"]
    url = f"{API}/reports/{first.body['id']}/photos/far"
    jpeg = {"Content-Type": "image/jpeg"}
    r = client.request("PUT", url, data=photo("mobile/jolla.jpg"),
                       headers=dict(jpeg, Authorization=f"Bearer {first.body['edit_token']}"))
    assert r.status == 200, r


def test_put_photo_with_the_edit_token(client, cat_a):
    created = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": PARIS[0],
                                             "lon": PARIS[1]}).body
    url = f"{API}/reports/{created['id']}/photos/close"
    auth = {"Authorization": f"Bearer {created['edit_token']}", "Content-Type": "image/jpeg"}
    r = client.request("PUT", url, data=photo("orientation/landscape_3.jpg"), headers=auth)
    assert r.status == 200, r
    first = r.body["photos"]["close"]["url"]
    ctype, body = multipart({"file": ("image/jpeg", photo("mobile/canon_hdr_NO.jpg"))})
    r = client.request("PUT", url, data=body, headers=dict(auth, **{"Content-Type": ctype}))
    assert r.status == 200, r
    assert r.body["photos"]["close"]["url"] != first, "a second photo replaces the first"
    assert list(r.body["photos"]) == ["close"]
    assert orphan_photos() == 0, "a replaced photo no report uses is deleted"
    r = client.request("DELETE", url, headers=auth)
    assert r.status == 200 and r.body["photos"] == {}, r
    assert orphan_photos() == 0, "a removed photo no report uses is deleted"
    assert_error(client.request("DELETE", url, headers=auth), 404, "not_found")
    assert_error(client.request("DELETE", url), 401, "unauthorized")


def orphan_photos():
    return int(harness.psql("SELECT count(*) FROM photo_blob b WHERE NOT EXISTS"
                            " (SELECT 1 FROM report_photo p WHERE p.sha256 = b.sha256)"))


def test_full_size_photo_as_octet_stream(client, cat_a):
    created = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": PARIS[0],
                                             "lon": PARIS[1]}).body
    data = photo("camera/42_IndexError.jpg")
    assert len(data) > 1024 * 1024
    r = client.request("PUT", f"{API}/reports/{created['id']}/photos/far", data=data,
                       headers={"Authorization": f"Bearer {created['edit_token']}",
                                "Content-Type": "application/octet-stream"})
    assert r.status == 200, r
    assert "far" in r.body["photos"]


def test_unknown_form_part_is_refused(client, cat_a):
    report = json.dumps({"category_id": cat_a["id"], "lat": PARIS[0], "lon": PARIS[1]})
    ctype, body = multipart({"report": ("application/json", report.encode()),
                             "photo": ("image/jpeg", photo("orientation/landscape_1.jpg"))})
    with unchanged_reports():
        r = client.post(f"{API}/reports", data=body, headers={"Content-Type": ctype})
    assert_error(r, 422, "invalid_field", "photo")


def test_put_photo_errors(client, cat_a):
    created = client.post(f"{API}/reports", {"category_id": cat_a["id"], "lat": PARIS[0],
                                             "lon": PARIS[1]}).body
    base = f"{API}/reports/{created['id']}/photos"
    data = photo("orientation/landscape_1.jpg")
    good = {"Authorization": f"Bearer {created['edit_token']}"}
    assert_error(client.request("PUT", f"{base}/close", data=data), 401, "unauthorized")
    assert_error(client.request("PUT", f"{base}/close", data=data,
                                headers={"Authorization": "Bearer " + "0" * 64}),
                 403, "forbidden")
    assert_error(client.request("PUT", f"{API}/reports/999999999/photos/close", data=data,
                                headers=good), 404, "not_found")
    assert_error(client.request("PUT", f"{base}/side", data=data, headers=good),
                 404, "not_found")
    assert_error(client.request("PUT", f"{base}/done", data=data, headers=good),
                 403, "forbidden")
    assert_error(client.request("PUT", f"{base}/close", data=photo("heic/IMG_5195.HEIC"),
                                headers=good), 415, "unsupported_media_type")
    assert client.get(f"{API}/reports/{created['id']}").body["photos"] == {}


def test_unknown_photo_urls(client):
    assert_error(client.get("/photos/" + "0" * 64 + ".jpg"), 404, "not_found")
    assert_error(client.get("/photos/" + "0" * 64 + ".png"), 404, "not_found")
    assert_error(client.get("/photos/../../etc/passwd"), 404, "not_found")
