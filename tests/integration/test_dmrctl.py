"""dmrctl: migrating and loading again changes nothing; migrate applies the function files
in one transaction and drops the stale functions."""

import os
import shutil

from harness import env, psql, run_dmrctl

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
    "category_area_override": "SELECT count(*) || ':' || md5(string_agg(concat_ws('/',"
                              " category_id, area_kind, service_id, source), ','"
                              " ORDER BY category_id, area_kind)) FROM category_area_override",
    "report": "SELECT count(*) FROM report",
}


# What the function files define: the dmr_ functions, and the triggers and the view that call
# them.
DEFINITIONS = {
    "functions": "SELECT count(*) || ':' || md5(string_agg(p.oid::regprocedure::text || "
                 "pg_get_functiondef(p.oid), ',' ORDER BY p.oid::regprocedure::text))"
                 " FROM pg_proc p WHERE p.proname LIKE 'dmr\\_%'",
    "triggers": "SELECT count(*) || ':' || md5(string_agg(pg_get_triggerdef(oid), ','"
                " ORDER BY tgname)) FROM pg_trigger WHERE NOT tgisinternal",
    "report_public": "SELECT md5(pg_get_viewdef('report_public'))",
}
# The transaction that wrote each function's row (xmin): it changes when a function is rewritten,
# even to the same text.
WRITTEN_BY = "SELECT md5(string_agg(p.xmin::text, ',' ORDER BY p.oid)) FROM pg_proc p" \
             " WHERE p.proname LIKE 'dmr\\_%'"


def snapshot():
    return {name: psql(sql) for name, sql in SNAPSHOT.items()}


def definitions():
    return {name: psql(sql) for name, sql in DEFINITIONS.items()}


def function_files():
    folder = os.path.join(env("DMR_SHARE_DIR"), "sql", "functions")
    return sorted(name for name in os.listdir(folder) if name.endswith(".sql"))


def test_load_paris_twice_changes_nothing():
    before = snapshot()
    assert not before["area"].startswith("0:"), "load-paris has not been run on this database"
    p = run_dmrctl("load-paris")
    assert p.returncode == 0, f"dmrctl load-paris exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    after = snapshot()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"a second load-paris changed: {changed}"


def test_migrate_twice_changes_nothing():
    before, defined = snapshot(), definitions()
    assert defined["functions"].split(":")[0] != "0", "this database was never migrated"
    p = run_dmrctl("migrate")
    assert p.returncode == 0, f"dmrctl migrate exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert p.stdout.splitlines() == [f"applied functions ({len(function_files())} files)",
                                     "schema up to date (0 migrations applied now)"], p.stdout
    assert snapshot() == before
    assert definitions() == defined


def test_migrate_drops_a_stale_function():
    defined = definitions()
    psql("CREATE FUNCTION dmr_stale_test(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1'")
    p = run_dmrctl("migrate")
    assert p.returncode == 0, f"dmrctl migrate exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert "dropped stale function dmr_stale_test(integer)" in p.stdout.splitlines(), p.stdout
    assert psql("SELECT count(*) FROM pg_proc WHERE proname = 'dmr_stale_test'") == "0"
    assert definitions() == defined


def test_migrate_keeps_a_stale_function_still_in_use():
    """No CASCADE: a stale function that a view still calls stops the migration, which then
    changes no function at all."""
    psql("CREATE FUNCTION dmr_stale_used() RETURNS integer LANGUAGE sql AS 'SELECT 1';"
         "CREATE VIEW stale_user AS SELECT dmr_stale_used() AS one")
    try:
        written = psql(WRITTEN_BY)
        p = run_dmrctl("migrate")
        assert p.returncode == 1, p
        assert "dmr_stale_used()" in p.stderr, p.stderr
        assert psql("SELECT one FROM stale_user") == "1"
        assert psql(WRITTEN_BY) == written, "a failed migrate rewrote functions"
    finally:
        psql("DROP VIEW IF EXISTS stale_user; DROP FUNCTION IF EXISTS dmr_stale_used()")


def test_a_failing_function_file_changes_no_function(tmp_path):
    """The function files run in one transaction: when one fails, those before it are rolled
    back too, and the message names the file."""
    shutil.copytree(os.path.join(env("DMR_SHARE_DIR"), "sql"), tmp_path / "sql")
    broken = tmp_path / "sql" / "functions" / "55_broken.sql"
    broken.write_text("CREATE OR REPLACE FUNCTION dmr_duplicate_reach() RETURNS integer\n"
                      "LANGUAGE sql IMMUTABLE AS $$ SELECT 4 $$;\n"
                      "CREATE OR REPLACE FUNCTION dmr_broken_test() RETURNS integer\n"
                      "LANGUAGE sql AS $$ SELECT no_such_column FROM report $$;\n")
    defined, written = definitions(), psql(WRITTEN_BY)
    p = run_dmrctl("migrate", share_dir=str(tmp_path))
    assert p.returncode == 1, p
    assert str(broken) in p.stderr and "no_such_column" in p.stderr, p.stderr
    assert "applied functions" not in p.stdout, p.stdout
    assert definitions() == defined
    assert psql(WRITTEN_BY) == written, "a failed migrate rewrote functions"
    assert psql("SELECT dmr_duplicate_reach()") == "3"
    assert psql("SELECT count(*) FROM pg_proc WHERE proname = 'dmr_broken_test'") == "0"


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
