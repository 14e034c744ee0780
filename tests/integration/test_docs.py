"""The docs and the code agree: docs/openapi.yaml describes exactly the routes of the doors
dmrd serves (the `routes` tables of src/api/ and src/web/), docs/api.md's error table is the
registry of error codes, docs/security.md names tests that exist, and docs/api.md's routing
preview example has the members of a real answer."""

import json
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


DOORS = [("src", "api", "ops.c"), ("src", "api", "media.c"), ("src", "api", "v1", "routes.c"),
         ("src", "web", "web.c")]


def served_routes():
    routes = set()
    for door in DOORS:
        with open(os.path.join(ROOT, *door), encoding="utf-8") as f:
            table = f.read().split(" routes[] = {", 1)[1].split("};", 1)[0]
        for method, pattern in re.findall(r'\{"([A-Z]+)", "([^"]+)"', table):
            routes.add((method.lower(), pattern))
    return routes


def documented_routes():
    with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    routes = set()
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "delete", "patch"):
                routes.add((method, re.sub(r"\{[^}]+\}", "{}", path)))
    return routes


def test_every_served_route_is_documented():
    missing = served_routes() - documented_routes()
    assert not missing, f"served but not in docs/openapi.yaml: {sorted(missing)}"


def test_every_documented_route_is_served():
    extra = documented_routes() - served_routes()
    assert not extra, f"in docs/openapi.yaml but not served: {sorted(extra)}"


def test_the_threat_model_names_tests_that_exist():
    """docs/security.md proves each promise with a test: each one it names must exist."""
    with open(os.path.join(ROOT, "docs", "security.md"), encoding="utf-8") as f:
        text = f.read()
    names = set()
    current = None
    # `file.py::test_a`, then `test_b` in the same cell: test_b is in the file named before.
    for file, name in re.findall(r"`(?:(test_\w+\.py)::)?(test_\w+)`", text):
        current = file or current
        names.add((current, name))
    assert len(names) > 30, names
    missing = []
    for file, name in sorted(names):
        with open(os.path.join(ROOT, "tests", "integration", file), encoding="utf-8") as f:
            if not re.search(rf"^def {name}\(", f.read(), re.M):
                missing.append(f"{file}::{name}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"


def error_registry():
    """The codes of src/base/error.c's registry that answers carry, with their status."""
    with open(os.path.join(ROOT, "src", "base", "error.c"), encoding="utf-8") as f:
        table = f.read().split("registry[] = {", 1)[1].split("/* Failures that never", 1)[0]
    return {code: int(status) for code, status in re.findall(r'\{"([a-z0-9_]+)", (\d+)\}', table)}


def test_the_error_table_of_the_docs_is_the_registry():
    with open(os.path.join(ROOT, "docs", "api.md"), encoding="utf-8") as f:
        text = f.read()
    documented = {}
    for status, code in re.findall(r"^\| (\d{3}) \| `([a-z0-9_]+)` \|", text, re.M):
        assert documented.get(code, int(status)) == int(status), f"{code} has two statuses"
        documented[code] = int(status)
    assert documented == error_registry()


def sql_files():
    """(path from the root, text) of sql/migrations/ then sql/functions/, in the order
    dmrctl migrate applies them."""
    files = []
    for folder in ("migrations", "functions"):
        for name in sorted(os.listdir(os.path.join(ROOT, "sql", folder))):
            path = f"sql/{folder}/{name}"
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                files.append((path, f.read()))
    return files


def test_the_errors_sql_raises_are_in_the_registry():
    """A SQL function raises 'DM' + status with the code as HINT: the status is the code's."""
    registry = error_registry()
    raised = set()
    for name, text in sql_files():
        for status, code in re.findall(r"ERRCODE = 'DM(\d{3})', HINT = '([a-z0-9_]+)'", text):
            raised.add((code, int(status), name))
    assert raised
    wrong = [(c, s, n) for c, s, n in raised if registry.get(c) != s]
    assert not wrong, f"SQL raises codes with another status than the registry's: {wrong}"


def shape(value):
    """The members of a JSON value, nested; what an example and an answer must share."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return None


def test_the_routing_preview_example_has_the_members_of_an_answer(client):
    with open(os.path.join(ROOT, "docs", "api.md"), encoding="utf-8") as f:
        section = f.read().split("## Routing preview", 1)[1]
    example = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    r = client.get("/api/v1/route?category_id=7001&lat=48.8566&lon=2.3522")
    assert r.status == 200, r
    assert shape(example) == shape(r.body)
