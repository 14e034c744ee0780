"""Local receivers for the notifications: an SMTP sink and an HTTP sink, each on a free port
of 127.0.0.1, started and stopped by the tests (stopped, the port refuses connections, like a
relay or an endpoint that is down)."""

import base64
import email
import email.policy
import http.server
import json
import socket
import socketserver
import threading
import time


class _Store:
    def __init__(self):
        self.items = []
        self.cond = threading.Condition()

    def add(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def touch(self, change):
        """Apply change() to an item already stored, waking the waiters."""
        with self.cond:
            change()
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=10.0):
        """The items once predicate(items) holds, or AssertionError after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.items):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not received within {timeout} s; got {self.items!r}")
                self.cond.wait(left)
            return list(self.items)


class Mail:
    def __init__(self, mail_from, rcpt, data):
        self.mail_from = mail_from
        self.rcpt = rcpt
        self.raw = data
        self.message = email.message_from_bytes(data, policy=email.policy.default)
        self.subject = str(self.message["Subject"])
        self.body = self.message.get_content().replace("\r\n", "\n")  # decoded, "\n" ends
        self.message_id = str(self.message["Message-ID"])

    def __repr__(self):
        return f"Mail(to={self.rcpt}, subject={self.subject!r})"


class _SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def login(self, verb):
        """AUTH PLAIN (inline or on the next line) or AUTH LOGIN: the (user, password) sent."""
        words = verb.split()
        if len(words) >= 2 and words[1].upper() == "PLAIN":
            if len(words) == 2:
                self.reply("334 ")
                words.append(self.rfile.readline().decode("ascii").strip())
            _, user, password = base64.b64decode(words[2]).decode().split("\0")
            return user, password
        self.reply("334 VXNlcm5hbWU6")
        user = base64.b64decode(self.rfile.readline().strip()).decode()
        self.reply("334 UGFzc3dvcmQ6")
        return user, base64.b64decode(self.rfile.readline().strip()).decode()

    def handle(self):
        self.reply("220 sink ESMTP")
        mail_from, rcpt = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith("EHLO"):
                auth = b"250-AUTH PLAIN LOGIN\r\n" if self.server.sink.auth else b""
                self.wfile.write(b"250-sink\r\n" + auth + b"250-8BITMIME\r\n250 SIZE 10000000\r\n")
            elif upper.startswith("AUTH ") and self.server.sink.auth:
                self.server.sink.logins.append(self.login(verb))
                self.reply("235 authenticated")
            elif upper.startswith("HELO"):
                self.reply("250 sink")
            elif upper.startswith("MAIL FROM:"):
                mail_from, rcpt = verb[10:].strip().strip("<>"), []
                self.reply("250 OK")
            elif upper.startswith("RCPT TO:"):
                rcpt.append(verb[8:].strip().strip("<>"))
                self.reply("250 OK")
            elif upper == "DATA":
                self.reply("354 end with .")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.store.add(Mail(mail_from, rcpt, b"".join(data)))
                self.reply("250 queued")
            elif upper in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif upper == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 unknown")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    handler = None

    def __init__(self, port=None):
        self.port = port or free_port()
        self.store = _Store()
        self.server = None

    def start(self):
        self.server = _Server(("127.0.0.1", self.port), self.handler)
        self.server.store = self.store
        self.server.sink = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def received(self):
        with self.store.cond:
            return list(self.store.items)

    def wait_for(self, predicate, timeout=10.0):
        return self.store.wait_for(predicate, timeout)


class SmtpSink(_Sink):
    """An SMTP relay without TLS. With auth=True it offers AUTH PLAIN and LOGIN, as a relay
    whose STARTTLS an attacker stripped would, and keeps every (user, password) it is sent in
    `logins`."""

    handler = _SmtpHandler

    def __init__(self, port=None, auth=False):
        super().__init__(port)
        self.auth = auth
        self.logins = []

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"


class Hook:
    """One request to the HTTP sink: what came, the status answered, and when (monotonic
    clock) the request arrived (`started`) and its answer was written (`ended`, None until
    then)."""

    def __init__(self, path, headers, body, status, started):
        self.path = path
        self.headers = headers
        self.raw = body
        self.json = json.loads(body)
        self.status = status
        self.started = started
        self.ended = None

    @property
    def id(self):
        return self.headers.get("X-Dansmarue-Id")

    @property
    def taken(self):
        return 200 <= self.status < 300

    def __repr__(self):
        return f"Hook({self.path}, {self.json.get('kind')!r}, {self.status}, {self.id})"


class _HttpHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        started = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        sink = self.server.sink
        hook = Hook(self.path, dict(self.headers), body, sink.status, started)
        self.server.store.add(hook)
        time.sleep(sink.delay)
        try:
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except ConnectionError:
            pass  # the sender was killed while the sink held its request
        self.server.store.touch(lambda: setattr(hook, "ended", time.monotonic()))

    def log_message(self, *args):
        pass


class HttpSink(_Sink):
    """Answers `status` (200 by default) to every POST, after `delay` seconds, and keeps every
    request it got (`taken`: those answered 2xx)."""

    handler = _HttpHandler

    def __init__(self, port=None):
        super().__init__(port)
        self.status = 200
        self.delay = 0.0

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"
