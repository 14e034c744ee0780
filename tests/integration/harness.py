"""Helpers shared by the integration tests: the dmrd process, an HTTP client, dmrctl, psql,
and a little plane geometry to pick places in Paris.

Only the Python standard library is used."""

import http.client
import json
import math
import os
import re
import random
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from collections import namedtuple

API = "/api/v1"
# DMR_PUBLIC_URL of the session dmrd and of the nodes the tests start: the links of the
# notifications, whichever dmrd delivers them.
PUBLIC_URL = "https://dansmarue.test"
# The settings of the nodes the tests start (conftest's `nodes`): quick retries.
NODE_SETTINGS = {"DMR_NOTIFY_RETRY_MS": "200", "DMR_NOTIFY_RETRY_MAX_MS": "1000",
                 "DMR_NOTIFY_TIMEOUT_MS": "1000", "DMR_NOTIFY_MAX_ATTEMPTS": "50",
                 "DMR_PUBLIC_URL": PUBLIC_URL}


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(
            f"{name} is not set: run the suite through `deploy/local test` "
            "(it sets DMR_BUILD_DIR, DMR_DATABASE, DMR_HOME, DMR_SHARE_DIR, DMR_SHARED, DMR_LOCAL)")
    return value


# --------------------------------------------------------------------------------------------
# HTTP client


class Response(namedtuple("Response", "status headers body")):
    """(status, headers, body): body is the parsed JSON for JSON answers, else bytes.
    `raw` keeps the bytes of every answer."""

    raw = b""

    def __repr__(self):
        body = self.raw[:600]
        return f"<HTTP {self.status} {dict(self.headers)!r} {body!r}>"


def _is_json(content_type):
    ct = (content_type or "").split(";")[0].strip().lower()
    return ct == "application/json" or ct.endswith("+json")


def query(params):
    """Query string that keeps ',' and ':' readable (near=48.8,2.3, dates)."""
    if not params:
        return ""
    return "?" + urllib.parse.urlencode(params, safe=",:")


class Client:
    """One keep-alive connection (http.client.HTTPConnection) to dmrd. After any failure of a
    request (a timeout, a reset, an answer cut short) the connection is dropped, so that one
    failing request never makes the next ones fail."""

    def __init__(self, host, port, timeout=30):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None
        self.used = False

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self.used = False

    def _connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.used = False

    def request(self, method, path, params=None, json_body=None, data=None, headers=None):
        hdrs = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = data
            hdrs.setdefault("Content-Type", "application/json")
        url = path + query(params)
        for attempt in (1, 2):
            self._connect()
            reused = self.used
            try:
                self.conn.request(method, url, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.BadStatusLine):
                # The server may close an idle keep-alive connection: retry once on a new one,
                # as every HTTP client does, but only if this connection had served before.
                self.close()
                if attempt == 1 and reused:
                    continue
                raise
            except BaseException:
                # A timeout or any other failure leaves the connection in an unknown state
                # (a request half sent, an answer half read): the next request, of this test
                # or of another, starts on a new one.
                self.close()
                raise
            self.used = True
            if resp.will_close:
                self.close()
            parsed = raw
            if _is_json(resp.getheader("Content-Type")) and raw:
                try:
                    parsed = json.loads(raw.decode("utf-8"))
                except ValueError:
                    parsed = raw
            r = Response(resp.status, resp.msg, parsed)
            r.raw = raw
            return r

    def get(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers)

    def post(self, path, json_body=None, data=None, headers=None, params=None):
        return self.request("POST", path, params=params, json_body=json_body, data=data,
                            headers=headers)


def assert_error(resp, status, code, field=None):
    """Every error is {"error": {"code", "message"[, "field"]}} in JSON."""
    assert resp.status == status, f"expected {status} {code}, got {resp!r}"
    ct = resp.headers.get("Content-Type", "")
    assert ct.split(";")[0].strip() == "application/json", f"error Content-Type {ct!r}: {resp!r}"
    assert isinstance(resp.body, dict), f"error body is not a JSON object: {resp!r}"
    err = resp.body.get("error")
    assert isinstance(err, dict), f"no error object: {resp!r}"
    assert err.get("code") == code, f"expected error.code {code!r}: {resp!r}"
    assert isinstance(err.get("message"), str) and err["message"].strip(), \
        f"error.message missing or empty: {resp!r}"
    if field is not None:
        assert err.get("field") == field, f"expected error.field {field!r}: {resp!r}"
    return err


# --------------------------------------------------------------------------------------------
# dmrd process


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Logs of every dmrd started by the tests; conftest prints their tails when a test fails.
DMRD_LOGS = []
# Folders of the browser tests' screenshots; conftest prints them at the end of the run.
SCREENSHOT_DIRS = set()


class Dmrd:
    def __init__(self, log_path, extra_env=None):
        self.port = free_port()
        self.log_path = str(log_path)
        environ = dict(os.environ)
        environ.update({
            "DMR_DATABASE": env("DMR_DATABASE"),
            "DMR_SHARE_DIR": env("DMR_SHARE_DIR"),
            "DMR_LISTEN": f"127.0.0.1:{self.port}",
        })
        environ.update(extra_env or {})
        self.log = open(self.log_path, "wb")
        DMRD_LOGS.append(self.log_path)
        self.proc = subprocess.Popen([os.path.join(env("DMR_BUILD_DIR"), "dmrd")],
                                     env=environ, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)

    def client(self, timeout=30):
        return Client("127.0.0.1", self.port, timeout=timeout)

    def tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dmrd exited with {self.proc.returncode} before serving; "
                                     f"stderr:\n{self.tail()}")
            c = self.client(timeout=2)
            try:
                r = c.get("/healthz")
                if r.status == 200:
                    return
                last = r
            except OSError as e:
                last = e
            finally:
                c.close()
            time.sleep(0.1)
        raise AssertionError(f"dmrd did not answer GET /healthz within {timeout} s "
                             f"(last: {last!r}); stderr:\n{self.tail()}")

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=10.0):
        """SIGTERM, then the exit code (None if still running after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --------------------------------------------------------------------------------------------
# dmrctl, psql and deploy/local


def run_dmrctl(*args, timeout=300, share_dir=None):
    environ = dict(os.environ)
    environ["DMR_DATABASE"] = env("DMR_DATABASE")
    environ["DMR_SHARE_DIR"] = share_dir or env("DMR_SHARE_DIR")
    return subprocess.run([os.path.join(env("DMR_BUILD_DIR"), "dmrctl"), *args], env=environ,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def new_token(role, *services, name=None):
    """A new API token (`dmrctl token create`); returns its secret."""
    args = ["token", "create", "--role", role, "--name", name or f"test {role}"]
    for code in services:
        args += ["--service", code]
    p = run_dmrctl(*args)
    assert p.returncode == 0, p.stderr
    secret = p.stdout.strip()
    assert secret.startswith("dmr_"), p.stdout
    return secret


def bearer(secret):
    """The Authorization header for `secret`; no header for None."""
    return {} if secret is None else {"Authorization": f"Bearer {secret}"}


# Category 7001 at the Hôtel de Ville (4th arrondissement) goes to Ramen, a contractor.
HOTEL_DE_VILLE = (48.8566, 2.3522)


def report_here(client, category_id=7001, **fields):
    """A new report at the Hôtel de Ville; the creation answer's body."""
    r = client.post(f"{API}/reports", dict({"category_id": category_id,
                                            "lat": HOTEL_DE_VILLE[0],
                                            "lon": HOTEL_DE_VILLE[1]}, **fields))
    assert r.status == 201, r
    return r.body


def move(client, report_id, secret, **members):
    """POST a transition with the bearer `secret`; the raw answer."""
    return client.post(f"{API}/reports/{report_id}/transitions", members,
                       headers=bearer(secret))


def moved(client, report_id, secret, **members):
    """A transition that must succeed; the report after it."""
    r = move(client, report_id, secret, **members)
    assert r.status == 200, (members, r)
    assert r.body["status"] == members["to"], r
    return r.body


def history(client, report_id, secret=None):
    """GET the report's events as `secret` may see them; the answer's body."""
    r = client.get(f"{API}/reports/{report_id}/events", headers=bearer(secret))
    assert r.status == 200, r
    return r.body


def psql(sql):
    """Run SQL through psql "$DMR_DATABASE"; the unaligned, tuples-only output."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", env("DMR_DATABASE"), "-c", sql],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"psql failed ({p.returncode}) on {sql!r}: {p.stderr}"
    return p.stdout.strip()


def confirm_by_link(client, address, kind="confirm_follow"):
    """What the owner of `address` does with the newest prompt of that kind we sent it: the
    POST of the button of its link's page. The prompt is taken from the outbox, and removed
    from it, so that no test counts it among the e-mails. Returns the page's answer."""
    prompt = json.loads(psql(
        f"SELECT json_build_object('id', id, 'token', vars->>'token') FROM outbox"
        f" WHERE recipient = '{address}' AND kind = '{kind}' ORDER BY id DESC LIMIT 1"))
    psql(f"DELETE FROM outbox WHERE id = {prompt['id']}")
    r = client.request("POST", "/email/confirm", data=f"token={prompt['token']}".encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    return r


def follow_confirmed(client, report_id, address):
    """A follow by e-mail that its owner confirmed; the report's public form afterwards."""
    r = client.post(f"{API}/reports/{report_id}/followers", {"email": address})
    assert r.status == 202, r
    confirm_by_link(client, address)
    r = client.get(f"{API}/reports/{report_id}")
    assert r.status == 200, r
    return r.body


def report_count():
    return int(psql("SELECT count(*) FROM report"))


class unchanged_reports:
    """`with unchanged_reports():` asserts that the block writes no row into `report`."""

    def __enter__(self):
        self.before = report_count()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            after = report_count()
            assert after == self.before, \
                f"a refused request wrote into report: {self.before} rows before, {after} after"
        return False


def metric(text, name, **labels):
    """The value of the series `name{labels}` in the Prometheus text `text`; it must be there."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{name}{{{re.escape(want)}}} (\S+)$", text, re.M)
    assert found, f"{name}{{{want}}} not in /metrics:\n{text}"
    return float(found.group(1))


def wait_until(what, check, timeout=10.0):
    """check()'s value once it is true; AssertionError naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def run_local(command, timeout=120):
    environ = dict(os.environ)
    environ["DMR_HOME"] = env("DMR_HOME")
    return subprocess.run([env("DMR_LOCAL"), command], env=environ, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------------------------
# Geometry: metres on a local plane, good to a few centimetres over a few hundred metres.

M_PER_DEG_LAT = 111_195.0


def m_per_deg_lon(lat):
    return M_PER_DEG_LAT * math.cos(math.radians(lat))


def offset(lat, lon, north_m=0.0, east_m=0.0):
    return lat + north_m / M_PER_DEG_LAT, lon + east_m / m_per_deg_lon(lat)


def rings_of(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    raise ValueError(geometry["type"])


def point_in_polygon(lat, lon, polygon):
    """Even-odd rule over every ring of one polygon (outer ring and holes)."""
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > lat) != (y2 > lat):
                x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if x > lon:
                    inside = not inside
    return inside


def distance_to_rings_m(lat, lon, polygon):
    kx, ky = m_per_deg_lon(lat), M_PER_DEG_LAT
    best = float("inf")
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            ax, ay = (x1 - lon) * kx, (y1 - lat) * ky
            bx, by = (x2 - lon) * kx, (y2 - lat) * ky
            dx, dy = bx - ax, by - ay
            n = dx * dx + dy * dy
            t = 0.0 if n == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / n))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


class Arrondissements:
    """The 20 arrondissement polygons of $DMR_SHARED/geo/paris_arrondissements.geojson."""

    def __init__(self, path=None):
        path = path or os.path.join(env("DMR_SHARED"), "geo", "paris_arrondissements.geojson")
        with open(path, encoding="utf-8") as f:
            fc = json.load(f)
        self.polygons = []  # (arrondissement, polygon rings)
        for feat in fc["features"]:
            for poly in rings_of(feat["geometry"]):
                self.polygons.append((int(feat["properties"]["c_ar"]), poly))

    def locate(self, lat, lon):
        for arr, poly in self.polygons:
            if point_in_polygon(lat, lon, poly):
                return arr
        return None

    def random_spot(self, rng=None, margin_m=400.0):
        """A random point of Paris at least `margin_m` from any arrondissement boundary, so
        that reports around it stay in one arrondissement; (lat, lon, arrondissement)."""
        rng = rng or random.Random()
        for _ in range(10_000):
            lat = rng.uniform(48.816, 48.902)
            lon = rng.uniform(2.225, 2.47)
            for arr, poly in self.polygons:
                if point_in_polygon(lat, lon, poly):
                    if distance_to_rings_m(lat, lon, poly) >= margin_m:
                        return round(lat, 7), round(lon, 7), arr
                    break
        raise RuntimeError("no spot found")


# --------------------------------------------------------------------------------------------
# Raw HTTP exchanges, for bodies that a server may refuse before reading them.


# --------------------------------------------------------------------------------------------
# photos and forms


def photos_dir():
    return os.path.join(env("DMR_SHARED"), "testdata", "photos")


def photo(path):
    with open(os.path.join(photos_dir(), path), "rb") as f:
        return f.read()


def multipart(fields):
    """fields: {name: (content_type, bytes)} -> (content type, body). A content type of None
    makes a plain text field; image/... a file."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, (ctype, data) in fields.items():
        out += f"--{boundary}\r\n".encode()
        filename = f'; filename="{name}.jpg"' if (ctype or "").startswith("image/") else ""
        out += f'Content-Disposition: form-data; name="{name}"{filename}\r\n'.encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


def jpeg_markers(data):
    """The marker codes of a JPEG up to the start of scan."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, i = [], 2
    while i < len(data):
        assert data[i] == 0xFF, f"bad marker at {i}"
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        length = int.from_bytes(data[i + 2:i + 4], "big")
        i += 2 + length
    return markers


def jpeg_size(data):
    """(width, height) from the SOF marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise AssertionError("no SOF marker")


def assert_clean_jpeg(data, max_side):
    markers = jpeg_markers(data)
    for forbidden, what in ((0xE1, "APP1 (EXIF/XMP)"), (0xE2, "APP2 (ICC)"),
                            (0xED, "APP13 (IPTC)"), (0xFE, "COM")):
        assert forbidden not in markers, f"output carries {what}"
    w, h = jpeg_size(data)
    assert max(w, h) <= max_side, (w, h)
    return w, h



def raw_exchange(port, head, body=b"", step=65536, timeout=15):
    """Send `head` (request line and headers, ending with a blank line) then `body` in steps,
    stopping as soon as the server answers; returns a Response (the connection is closed)."""
    import select

    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head)
        sent = 0
        while sent < len(body):
            readable, _, _ = select.select([s], [], [], 0.3 if sent == 0 else 0)
            if readable:
                break  # the server answered early: stop sending
            try:
                s.sendall(body[sent:sent + step])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += step
        resp = http.client.HTTPResponse(s)
        resp.begin()
        raw = resp.read()
        parsed = raw
        if _is_json(resp.getheader("Content-Type")) and raw:
            try:
                parsed = json.loads(raw.decode("utf-8"))
            except ValueError:
                pass
        r = Response(resp.status, resp.msg, parsed)
        r.raw = raw
        return r
    finally:
        s.close()
