"""The test client itself: one failing request must not make the next ones fail, whichever
test sends them (a timeout once broke every later test that shared the connection)."""

import socket
import threading

import pytest

from harness import Client


class StallingServer:
    """Answers 200 on keep-alive connections, except that the first request is never answered
    (the client times out in the middle of it)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.connection, args=(conn,), daemon=True).start()

    def connection(self, conn):
        with conn, conn.makefile("rb") as f:
            while True:
                line = f.readline()
                if not line:
                    return
                while f.readline() not in (b"\r\n", b""):
                    pass
                with self.lock:
                    self.requests += 1
                    first = self.requests == 1
                if first:
                    continue  # read, never answered: the client's timeout ends it
                body = b'{"ok":true}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def close(self):
        self.sock.close()


def test_a_timed_out_request_leaves_the_next_ones_a_fresh_connection():
    server = StallingServer()
    client = Client("127.0.0.1", server.port, timeout=0.5)
    try:
        with pytest.raises(TimeoutError):
            client.get("/stalls")
        for _ in range(3):
            r = client.get("/answers")
            assert r.status == 200 and r.body == {"ok": True}, r
    finally:
        client.close()
        server.close()
