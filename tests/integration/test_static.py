"""The static files of the pages, /static (web/static.h): read once from DMR_SHARE_DIR/web,
served with their content type, a strong ETag and 304, cached for a year when fingerprinted;
no path from a request reaches the file system."""

import hashlib
import os

import pytest

import harness
from harness import assert_error, raw_exchange

CSS = os.path.join(harness.env("DMR_SHARE_DIR"), "web", "dansmarue.css")


def test_a_file_with_its_type_etag_and_cache(client):
    with open(CSS, "rb") as f:
        data = f.read()
    r = client.get("/static/dansmarue.css")
    assert r.status == 200 and r.raw == data, r
    assert r.headers["Content-Type"] == "text/css; charset=utf-8", r
    etag = f'"{hashlib.sha256(data).hexdigest()}"'
    assert r.headers["ETag"] == etag, r
    assert r.headers["Cache-Control"] == "public, max-age=300", r
    again = client.get("/static/dansmarue.css", headers={"If-None-Match": etag})
    assert again.status == 304 and again.raw == b"" and again.headers["ETag"] == etag, again
    head = client.request("HEAD", "/static/dansmarue.css")
    assert head.status == 200 and head.raw == b"", head


@pytest.mark.parametrize("path", [b"/static/../README.md", b"/static/%2e%2e/README.md",
                                  b"/static/..%2fREADME.md", b"/static//etc/passwd",
                                  b"/static/nope.css", b"/static/", b"/static"])
def test_nothing_but_the_files(dmrd, path):
    r = raw_exchange(dmrd.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n"
                                b"Connection: close\r\n\r\n")
    assert_error(r, 404, "not_found")


@pytest.fixture
def share(tmp_path):
    """A share folder whose web/ holds a fingerprinted file, a folder, a dot-file and a link
    out of the tree; the rest is the project's."""
    root = tmp_path / "share"
    root.mkdir()
    for name in ("sql", "geo", "templates"):
        os.symlink(os.path.join(harness.env("DMR_SHARE_DIR"), name), root / name)
    web = root / "web"
    (web / "lib").mkdir(parents=True)
    (web / "app.0123abcd.js").write_text("console.log('dans ma rue');\n")
    (web / "lib" / "icon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (web / ".secret").write_text("never served")
    os.symlink("/etc/hostname", web / "linked.txt")
    return root


def test_fingerprints_folders_dot_files_and_links(nodes, share):
    node = nodes(DMR_SHARE_DIR=str(share))
    c = node.client()
    r = c.get("/static/app.0123abcd.js")
    assert r.status == 200 and r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable", r
    r = c.get("/static/lib/icon.svg")
    assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml", r
    for path in ("/static/.secret", "/static/linked.txt", "/static/lib"):
        assert_error(c.get(path), 404, "not_found")
    assert "2 static files" in node.tail(), node.tail()
