#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

/*
 * Loads the reference CSV files (docs/data.md) in one transaction: each file is sent with
 * COPY FROM STDIN into a temporary staging table, then merged into the real table so that
 * rows are only rewritten when something differs. Sectors are built in the database as the
 * union of the arrondissements their mapping names; load the arrondissements first. The park
 * overrides the file no longer lists are removed, unless an admin set them (source admin),
 * which no load changes.
 */

struct stage {
	const char *file;
	const char *create; /* the staging table */
	const char *copy;
	const char *merge;  /* returns one row per inserted (t) or updated (f) row */
	const char *orphans; /* counts staged rows the merge could not place */
	const char *prune;   /* NULL, or deletes the rows the file no longer has */
};

static const struct stage stages[] = {
	{
		"services.csv",
		"CREATE TEMP TABLE stage_service (code text, name text, kind text) ON COMMIT DROP",
		"COPY stage_service FROM STDIN (FORMAT csv, HEADER true)",
		"INSERT INTO service (code, name, kind) SELECT code, name, kind FROM stage_service"
		" ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind"
		" WHERE (service.name, service.kind) IS DISTINCT FROM (excluded.name, excluded.kind)"
		" RETURNING xmax = 0",
		"SELECT 0",
		NULL,
	},
	{
		"categories.csv",
		"CREATE TEMP TABLE stage_category (id integer, parent_id integer, label text,"
		" service_code text, agent_only boolean) ON COMMIT DROP",
		"COPY stage_category FROM STDIN (FORMAT csv, HEADER true)",
		"INSERT INTO category (id, parent_id, label, service_id, agent_only)"
		" SELECT c.id, c.parent_id, c.label, s.id, c.agent_only"
		" FROM stage_category c LEFT JOIN service s ON s.code = c.service_code"
		" ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, label = excluded.label,"
		"  service_id = excluded.service_id, agent_only = excluded.agent_only"
		" WHERE (category.parent_id, category.label, category.service_id, category.agent_only)"
		"  IS DISTINCT FROM (excluded.parent_id, excluded.label, excluded.service_id,"
		"  excluded.agent_only)"
		" RETURNING xmax = 0",
		"SELECT count(*) FROM stage_category c LEFT JOIN service s ON s.code = c.service_code"
		" WHERE c.service_code IS NOT NULL AND s.id IS NULL",
		NULL,
	},
	{
		"sectors.csv",
		"CREATE TEMP TABLE stage_sector (service_code text, code text, name text,"
		" arrondissements text, priority integer, overrides_category boolean) ON COMMIT DROP",
		"COPY stage_sector FROM STDIN (FORMAT csv, HEADER true)",
		"WITH built AS ("
		" SELECT s.id AS service_id, x.code, x.name, x.priority, x.overrides_category,"
		"  u.geom, ST_Area(u.geom::geography) AS area_m2"
		" FROM stage_sector x JOIN service s ON s.code = x.service_code"
		" CROSS JOIN LATERAL (SELECT ST_Multi(ST_Union(a.geom ORDER BY a.code)) AS geom"
		"  FROM area a WHERE a.kind = 'arrondissement'"
		"  AND a.code = ANY (string_to_array(x.arrondissements, ' '))) u"
		" WHERE u.geom IS NOT NULL)"
		" INSERT INTO sector (service_id, code, name, priority, overrides_category, geom, area_m2)"
		" SELECT * FROM built"
		CTL_SECTOR_UPSERT,
		"SELECT count(*) FROM stage_sector x LEFT JOIN service s ON s.code = x.service_code"
		" WHERE s.id IS NULL OR NOT EXISTS (SELECT 1 FROM area a WHERE a.kind = 'arrondissement'"
		"  AND a.code = ANY (string_to_array(x.arrondissements, ' ')))",
		NULL,
	},
	{
		"category_area_overrides.csv",
		"CREATE TEMP TABLE stage_override (category_id integer, area_kind text,"
		" service_code text, inside integer, handled integer) ON COMMIT DROP",
		"COPY stage_override FROM STDIN (FORMAT csv, HEADER true)",
		"INSERT INTO category_area_override (category_id, area_kind, service_id, source)"
		" SELECT o.category_id, o.area_kind, s.id, 'reference'"
		" FROM stage_override o JOIN service s ON s.code = o.service_code"
		" ON CONFLICT (category_id, area_kind) DO UPDATE"
		"  SET service_id = excluded.service_id, updated_at = now()"
		" WHERE category_area_override.source = 'reference'"
		"  AND category_area_override.service_id IS DISTINCT FROM excluded.service_id"
		" RETURNING xmax = 0",
		"SELECT count(*) FROM stage_override o"
		" LEFT JOIN service s ON s.code = o.service_code"
		" LEFT JOIN category c ON c.id = o.category_id AND c.parent_id IS NOT NULL"
		" WHERE s.id IS NULL OR c.id IS NULL",
		"DELETE FROM category_area_override x WHERE x.source = 'reference' AND NOT EXISTS"
		" (SELECT 1 FROM stage_override o WHERE (o.category_id, o.area_kind) ="
		"  (x.category_id, x.area_kind))",
	},
};

static bool copy_file(PGconn *conn, const char *copy_sql, const char *path)
{
	size_t len;
	char *data = ctl_read_file(path, &len);
	PGresult *res;
	bool ok;

	if (!data)
		return false;
	res = PQexec(conn, copy_sql);
	ok = PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	ok = ok && PQputCopyData(conn, data, (int)len) == 1 && PQputCopyEnd(conn, NULL) == 1;
	free(data);
	res = PQgetResult(conn);
	ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "dmrctl: %s: %s", path, PQerrorMessage(conn));
	PQclear(res);
	while ((res = PQgetResult(conn)))
		PQclear(res);
	return ok;
}

static bool no_orphans(PGconn *conn, const struct stage *st)
{
	PGresult *res = ctl_query(conn, st->orphans, 0, NULL);
	long orphans;

	if (!res)
		return false;
	orphans = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (orphans)
		fprintf(stderr, "dmrctl: %s: %ld rows name an unknown service, sub-category or"
				" arrondissement\n", st->file, orphans);
	return orphans == 0;
}

static bool load_stage(PGconn *conn, const char *dir, const struct stage *st)
{
	char path[4096];
	PGresult *res, *pruned = NULL;
	int inserted = 0, updated = 0;

	snprintf(path, sizeof path, "%s/%s", dir, st->file);
	if (!ctl_exec(conn, st->create) || !copy_file(conn, st->copy, path) ||
	    !no_orphans(conn, st) || !(res = ctl_query(conn, st->merge, 0, NULL)))
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetvalue(res, i, 0)[0] == 't')
			inserted++;
		else
			updated++;
	}
	PQclear(res);
	if (st->prune && !(pruned = ctl_query(conn, st->prune, 0, NULL)))
		return false;
	printf("%s: %d inserted, %d updated%s%s%s\n", path, inserted, updated,
	       pruned ? ", " : "", pruned ? PQcmdTuples(pruned) : "", pruned ? " removed" : "");
	PQclear(pruned);
	return true;
}

int ctl_load_reference(PGconn *conn, const char *geo_dir)
{
	bool ok = ctl_exec(conn, "BEGIN");

	for (size_t i = 0; ok && i < sizeof stages / sizeof stages[0]; i++)
		ok = load_stage(conn, geo_dir, &stages[i]);
	if (!ctl_commit_load(conn, ok, "reference data"))
		return 1;
	/* Too few rows change for autovacuum to analyze these tables: the planner needs it. */
	return ctl_exec(conn, "ANALYZE service, category, sector, category_area_override") ? 0 : 1;
}
