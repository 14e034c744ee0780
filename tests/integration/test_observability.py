"""What dmrd tells its operators about requests: a latency histogram per door, route and
status class and the requests in flight in /metrics, and an access log line per request that
holds no path value, no token and no query string, and that DMR_ACCESS_LOG=0 turns off."""

import re

from harness import API, bearer, metric, new_token, wait_until

DURATION = "dmr_http_request_duration_seconds"
ROUTE = "GET /api/v1/reports/{}"


def metrics(client):
    r = client.get("/metrics")
    assert r.status == 200, r
    return r.body.decode()


def count(text, door, route, status):
    """The requests of a series so far, 0 for a series that has seen none."""
    try:
        return metric(text, f"{DURATION}_count", door=door, route=route, status=status)
    except AssertionError:
        return 0


def test_each_route_counts_its_requests_per_status_class(client):
    before = metrics(client)
    for _ in range(3):
        assert client.get(f"{API}/categories").status == 200
    assert client.get(f"{API}/reports/999999999").status == 404
    assert client.get(f"{API}/no-such-thing").status == 404
    after = metrics(client)
    for route, status, more in [("GET /api/v1/categories", "2xx", 3), (ROUTE, "4xx", 1),
                                ("none", "4xx", 1)]:
        assert count(after, "v1", route, status) >= count(before, "v1", route, status) + more, \
            (route, status)


def test_the_histogram_is_cumulative_and_ends_with_its_count(client):
    client.get(f"{API}/categories")
    text = metrics(client)
    labels = 'door="v1",route="GET /api/v1/categories",status="2xx"'
    buckets = re.findall(rf'^{DURATION}_bucket{{{re.escape(labels)},le="([^"]+)"}} (\d+)$',
                         text, re.M)
    assert [le for le, _ in buckets][-1] == "+Inf", buckets
    values = [int(v) for _, v in buckets]
    assert values == sorted(values) and values[-1] >= 1, buckets
    assert values[-1] == metric(text, f"{DURATION}_count", door="v1",
                                route="GET /api/v1/categories", status="2xx")
    assert metric(text, f"{DURATION}_sum", door="v1", route="GET /api/v1/categories",
                  status="2xx") > 0


def test_the_metrics_request_itself_is_in_flight(client):
    text = metrics(client)
    assert metric(text, "dmr_http_requests_in_flight", door="root") >= 1
    for door in ("media", "v1", "web", "signin", "signout", "static"):
        assert metric(text, "dmr_http_requests_in_flight", door=door) >= 0


def access_lines(node):
    return [line for line in node.tail(10000).splitlines() if " access " in line]


def test_the_access_log_names_the_route_never_the_values(nodes):
    node = nodes()
    secret = new_token("supervisor")
    c = node.client()
    try:
        r = c.get(f"{API}/reports/424242?who=someone@example.org", headers=bearer(secret))
        assert r.status == 404, r
        r = c.get(f"{API}/categories")
        assert r.status == 200, r
    finally:
        c.close()
    # A line is written once its answer is sent, so the client can be faster than the log;
    # the node's own /healthz at start writes one more.
    lines = wait_until("the access line of the last request",
                       lambda: any("/api/v1/categories" in line for line in access_lines(node))
                       and access_lines(node))
    text = "\n".join(lines)
    for hidden in ("424242", "someone", "example.org", secret):
        assert hidden not in text, (hidden, text)
    assert re.search(r'access v1 "GET /api/v1/reports/\{\}" 404 [\d.]+ ms \d+ bytes$', text,
                     re.M), text
    found = re.search(r'access v1 "GET /api/v1/categories" 200 [\d.]+ ms (\d+) bytes$', text,
                      re.M)
    assert found and int(found.group(1)) == int(r.headers["Content-Length"]), text


def test_no_access_log_when_turned_off(nodes):
    node = nodes(DMR_ACCESS_LOG="0")
    c = node.client()
    try:
        assert c.get(f"{API}/categories").status == 200
        assert c.get(f"{API}/nope").status == 404
    finally:
        c.close()
    node.terminate()
    assert access_lines(node) == [], node.tail()
