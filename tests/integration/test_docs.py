"""The docs and the code agree: docs/openapi.yaml describes exactly the routes of the doors
dmrd serves (the `routes` tables of src/api/ and src/web/), docs/api.md's error table is the
registry of error codes, docs/security.md names tests that exist, docs/api.md's routing
preview example has the members of a real answer, the SQL files the docs cite exist and
define the functions cited with them, and docs/open311.md lists the routes of the Open311
door."""

import json
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


DOORS = [("src", "api", "ops.c"), ("src", "api", "media.c"), ("src", "api", "v1", "routes.c"),
         ("src", "web", "web.c"), ("src", "web", "session.c"), ("src", "web", "map.c")]


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


SQL_FUNCTION = re.compile(r"^CREATE (?:OR REPLACE )?FUNCTION (dmr_\w+)", re.M)
SQL_PATH = re.compile(r"(?<![\w-])sql/[\w./-]*[\w/]")
# A function followed, in the same sentence, by the file that defines it in parentheses:
# "`dmr_attach_photo(...)` per photo (`sql/functions/50_photos.sql`)".
FUNCTION_THEN_FILE = re.compile(r"`(dmr_\w+)[^`]*`[^`.;:]*?\(`(sql/[^`]+\.sql)`")


def function_files():
    """Each function's file: the last one that defines it, in the order of dmrctl migrate."""
    where = {}
    for path, text in sql_files():
        for name in SQL_FUNCTION.findall(text):
            where[name] = path
    return where


def doc_texts():
    names = ["README.md"] + [os.path.join("docs", name)
                             for name in sorted(os.listdir(os.path.join(ROOT, "docs")))
                             if name.endswith(".md")]
    for name in names:
        with open(os.path.join(ROOT, name), encoding="utf-8") as f:
            yield name, f.read()


def test_each_function_is_defined_once_in_the_function_files():
    """A function lives in one file of sql/functions/, so no stale copy is left anywhere."""
    seen = {}
    for path, text in sql_files():
        for name in SQL_FUNCTION.findall(text):
            seen.setdefault(name, []).append(path)
    assert len(seen) > 50, seen
    wrong = {name: paths for name, paths in seen.items()
             if len(paths) != 1 or not paths[0].startswith("sql/functions/")}
    assert not wrong, f"functions defined elsewhere than in one file of sql/functions/: {wrong}"


def test_the_sql_files_the_docs_cite_exist():
    cited = [(doc, path) for doc, text in doc_texts() for path in SQL_PATH.findall(text)]
    assert len(cited) > 5, cited
    missing = [(doc, path) for doc, path in cited if not os.path.exists(os.path.join(ROOT, path))]
    assert not missing, f"the docs cite SQL files that do not exist: {missing}"


def test_the_docs_cite_each_function_with_its_file():
    """A function cited with a file, "`dmr_x` (`sql/...sql`)", or in a section whose heading
    cites files, is defined in that file (in one of those files)."""
    where = function_files()
    checked, wrong = 0, []
    for doc, text in doc_texts():
        for section in re.split(r"^(?=#{1,6} )", text, flags=re.M):
            heading_files = [path for path in SQL_PATH.findall(section.split("\n", 1)[0])
                             if path.endswith(".sql")]
            cited_with_file = set()
            for name, path in FUNCTION_THEN_FILE.findall(section):
                if name in where:
                    cited_with_file.add(name)
                    checked += 1
                    if where[name] != path:
                        wrong.append((doc, name, path, where[name]))
            for name in sorted(set(re.findall(r"`(dmr_\w+)", section)) - cited_with_file):
                if heading_files and name in where:
                    checked += 1
                    if where[name] not in heading_files:
                        wrong.append((doc, name, heading_files, where[name]))
    assert checked > 20, checked
    assert not wrong, f"the docs cite functions with a file that does not define them " \
                      f"(doc, function, cited, defined in): {wrong}"


def test_the_open311_routes_are_those_of_docs_open311():
    with open(os.path.join(ROOT, "src", "api", "open311", "routes.c"), encoding="utf-8") as f:
        table = f.read().split(" routes[] = {", 1)[1].split("};", 1)[0]
    served = set(re.findall(r'\{"([A-Z]+)", "([^"]+)"', table))
    with open(os.path.join(ROOT, "docs", "open311.md"), encoding="utf-8") as f:
        routes = f.read().split("## Routes", 1)[1].split("\n## ", 1)[0]
    documented = {(m, re.sub(r"\{[^}]+\}", "{}", p))
                  for m, p in re.findall(r"^\| `([A-Z]+) (/open311[^`]*)`", routes, re.M)}
    assert served == documented, (sorted(served - documented), sorted(documented - served))
