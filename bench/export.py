#!/usr/bin/env python3
"""bench/run's client of the CSV export: GET URL with a bearer token, read the whole answer
in 64 kB blocks, and print "FIRST_ROW_MS TOTAL_MS ROWS BYTES": when the first report's row
(after the header) had come in, when the last byte had, the rows after the header (CRLF
line ends: the bench's descriptions hold no line break) and the bytes.
usage: export.py URL TOKEN"""

import http.client
import sys
import time
import urllib.parse


def main(url, token):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    start = time.monotonic()
    conn.request("GET", u.path + "?" + u.query, headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    if resp.status != 200:
        sys.exit(f"export.py: HTTP {resp.status}: {resp.read()[:300]!r}")
    lines = size = 0
    first_row = None
    last = b""
    while True:
        block = resp.read(65536)
        if not block:
            break
        size += len(block)
        lines += block.count(b"\r\n") + (last == b"\r" and block[:1] == b"\n")
        last = block[-1:]
        if first_row is None and lines >= 2:
            first_row = time.monotonic()
    end = time.monotonic()
    ms = lambda t: round((t - start) * 1000) if t else -1
    print(ms(first_row), ms(end), lines - 1, size)


if __name__ == "__main__":
    main(*sys.argv[1:])
