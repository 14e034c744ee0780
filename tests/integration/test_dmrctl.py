"""dmrctl: migrating and loading again changes nothing."""

from harness import psql, run_dmrctl

SNAPSHOT = {
    "area": "SELECT count(*) || ':' || md5(string_agg(kind || '/' || code || '/' || name || '/' "
            "|| coalesce(arrondissement::text, '') || '/' || md5(ST_AsBinary(geom)::text), ','"
            " ORDER BY kind, code)) FROM area",
    "category": "SELECT count(*) || ':' || md5(string_agg(id::text || label || "
                "coalesce(parent_id::text, '') || agent_only::text || active::text, ','"
                " ORDER BY id)) FROM category",
    "service": "SELECT count(*) || ':' || md5(string_agg(code || name || kind, ','"
               " ORDER BY code)) FROM service",
    "sector": "SELECT count(*) || ':' || md5(string_agg(code || name || priority::text || "
              "overrides_category::text || md5(ST_AsBinary(geom)::text), ',' ORDER BY code))"
              " FROM sector",
    "category ids": "SELECT md5(string_agg(id::text || label, ',' ORDER BY id)) FROM category",
    "report": "SELECT count(*) FROM report",
}


def snapshot():
    return {name: psql(sql) for name, sql in SNAPSHOT.items()}


def test_load_paris_twice_changes_nothing():
    before = snapshot()
    assert not before["area"].startswith("0:"), "load-paris has not been run on this database"
    p = run_dmrctl("load-paris")
    assert p.returncode == 0, f"dmrctl load-paris exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    after = snapshot()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"a second load-paris changed: {changed}"


def test_migrate_twice_changes_nothing():
    before = snapshot()
    p = run_dmrctl("migrate")
    assert p.returncode == 0, f"dmrctl migrate exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert snapshot() == before


def test_unknown_command_fails():
    p = run_dmrctl("no-such-command")
    assert p.returncode != 0
    assert p.stderr.strip(), "no message on stderr"


def test_service_notify_refuses_what_it_cannot_do():
    before = psql("SELECT md5(string_agg(code || coalesce(email, '') || coalesce(webhook_url, ''),"
                  " ',' ORDER BY code)) FROM service")
    unknown = run_dmrctl("service", "notify", "NO-SUCH-SERVICE", "--email", "a@example.net")
    assert unknown.returncode == 1 and "NO-SUCH-SERVICE" in unknown.stderr, unknown.stderr
    assert unknown.stdout == "", "no secret is printed for an unknown service"
    for args in (["service"], ["service", "notify"], ["service", "drop", "Ramen"],
                 ["service", "notify", "Ramen", "--webhook"],
                 ["service", "notify", "Ramen", "--colour", "blue"]):
        p = run_dmrctl(*args)
        assert p.returncode == 2 and "usage" in p.stderr, (args, p.stderr)
    bad_url = run_dmrctl("service", "notify", "Ramen", "--webhook", "ftp://example.net/hook")
    assert bad_url.returncode == 1 and bad_url.stdout == "", bad_url
    after = psql("SELECT md5(string_agg(code || coalesce(email, '') || coalesce(webhook_url, ''),"
                 " ',' ORDER BY code)) FROM service")
    assert after == before, "a refused command changed a service"
