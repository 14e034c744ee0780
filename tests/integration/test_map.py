"""The map page /carte (src/web/map.c, docs/web.md) as HTTP sees it: the French page, its
Content-Security-Policy, MapLibre served from web/vendor/, the basemap setting, and a clear
503 with a line in the log when MapLibre is missing. What the page draws is
test_map_browser.py's."""

import os
import re
import shutil
import subprocess

import pytest

import harness

SHARE = harness.env("DMR_SHARE_DIR")
VENDOR = os.path.join(SHARE, "web", "vendor", "maplibre-gl")


def test_the_page_is_french_html_under_a_strict_policy(client):
    r = client.get("/carte")
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "text/html; charset=utf-8", r
    html = r.raw.decode("utf-8")
    assert '<html lang="fr">' in html and "Carte des signalements" in html
    assert '<script type="module" src="/static/carte.js"></script>' in html
    assert 'href="/static/vendor/maplibre-gl/maplibre-gl.css"' in html
    # Without DMR_BASEMAP_STYLE the page names no basemap, and reaches nothing else.
    assert "dmr-basemap-style" not in html
    policy = r.headers["Content-Security-Policy"]
    assert "default-src 'self'; script-src 'self'" in policy, policy
    assert "connect-src 'self';" in policy and "frame-ancestors 'none'" in policy, policy
    assert "https:" not in policy and "unsafe" not in policy, policy
    assert r.headers["Cache-Control"] == "no-store", r
    # Its sign-out form must carry its origin: under no-referrer a browser sends Origin: null.
    assert r.headers["Referrer-Policy"] == "same-origin", r
    head = client.request("HEAD", "/carte")
    assert head.status == 200 and head.raw == b"", head


def test_every_label_of_the_form_names_a_field(client):
    html = client.get("/carte").raw.decode("utf-8")
    labels = set(re.findall(r'<label for="([^"]+)"', html))
    ids = set(re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html))
    assert ids and ids <= labels, f"fields without a label: {ids - labels}"


@pytest.mark.parametrize("name,content_type", [
    ("maplibre-gl.mjs", "text/javascript; charset=utf-8"),
    ("maplibre-gl-worker.mjs", "text/javascript; charset=utf-8"),
    ("maplibre-gl.css", "text/css; charset=utf-8"),
])
def test_maplibre_is_served_from_the_vendor_folder(client, name, content_type):
    with open(os.path.join(VENDOR, name), "rb") as f:
        data = f.read()
    r = client.get(f"/static/vendor/maplibre-gl/{name}")
    assert r.status == 200 and r.raw == data, r
    assert r.headers["Content-Type"] == content_type, r


def test_the_page_script_and_style_are_served(client):
    for path, kind in (("/static/carte.js", "text/javascript"), ("/static/carte.css", "text/css")):
        r = client.get(path)
        assert r.status == 200 and r.headers["Content-Type"].startswith(kind), r
    script = client.get("/static/carte.js").raw.decode("utf-8")
    # Every module the page loads comes from this server: no CDN.
    assert "from '/static/vendor/maplibre-gl/maplibre-gl.mjs'" in script
    assert "https://" not in script and "http://" not in script


def test_below_the_page_is_an_html_404(client):
    r = client.get("/carte/nope")
    assert r.status == 404 and r.headers["Content-Type"].startswith("text/html"), r
    r = client.post("/carte", {})
    assert r.status == 405 and "GET" in r.headers["Allow"], r


def test_a_basemap_goes_into_the_page_and_its_policy(nodes):
    url = "https://tiles.example.org/styles/paris.json?key=abc"
    node = nodes(DMR_BASEMAP_STYLE=url)
    r = node.client().get("/carte")
    assert r.status == 200, r
    html = r.raw.decode("utf-8")
    assert '<meta name="dmr-basemap-style" content="https://tiles.example.org/styles/paris.json' \
           '?key=abc">' in html, html
    policy = r.headers["Content-Security-Policy"]
    assert "connect-src 'self' https: https://tiles.example.org;" in policy, policy
    assert "img-src 'self' data: blob: https: https://tiles.example.org;" in policy, policy
    assert "script-src 'self';" in policy, policy


@pytest.mark.parametrize("value", [
    "tiles.example.org/style.json", "ftp://tiles.example.org/style.json", "https://",
    "https:///style.json", 'https://x.org/"onload="alert(1)', "https://x.org/a b",
    "https://x.org/s.json; script-src *", "https://x.org/<script>", "javascript:alert(1)",
    "https://x.org/é.json",
])
def test_a_bad_basemap_stops_dmrd_at_start(value):
    environ = dict(os.environ, DMR_LISTEN=f"127.0.0.1:{harness.free_port()}",
                   DMR_BASEMAP_STYLE=value)
    p = subprocess.run([os.path.join(harness.env("DMR_BUILD_DIR"), "dmrd")], env=environ,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "DMR_BASEMAP_STYLE" in p.stderr, p.stderr


@pytest.fixture
def share_without_maplibre(tmp_path):
    """The project's share folder, but for a web/ that lacks web/vendor/."""
    root = tmp_path / "share"
    root.mkdir()
    for name in ("sql", "geo", "templates"):
        os.symlink(os.path.join(SHARE, name), root / name)
    shutil.copytree(os.path.join(SHARE, "web"), root / "web",
                    ignore=shutil.ignore_patterns("vendor"))
    return root


def test_without_maplibre_the_page_says_so(nodes, share_without_maplibre):
    node = nodes(DMR_SHARE_DIR=str(share_without_maplibre))
    # dmrd says it once it serves, which may be just after its first answer.
    line = harness.wait_until("the log line of the missing MapLibre", lambda: next(
        (l for l in node.tail().splitlines() if "the map /carte answers 503" in l), None))
    assert "web/vendor/maplibre-gl/ lacks MapLibre GL JS" in line and "docs/web.md" in line
    r = node.client().get("/carte")
    assert r.status == 503 and r.headers["Content-Type"].startswith("text/html"), r
    html = r.raw.decode("utf-8")
    assert "<title>Carte indisponible – Dans ma rue</title>" in html, html
    assert "MapLibre" in html, html
    # The rest of the server serves as before.
    assert node.client().get("/static/carte.js").status == 200
    assert node.client().get("/api/v1/categories").status == 200
