#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

/*
 * Loads a GeoJSON FeatureCollection of polygons as areas or as service sectors. Geometries are
 * made valid and turned into MultiPolygons by PostGIS. Rows are upserted by (kind, code) or
 * sector code and only rewritten when something differs, all in one transaction.
 */

struct geo_counts {
	int inserted, updated, unchanged;
};

static const char upsert_area[] =
	"WITH g AS (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid("
	"  ST_SetSRID(ST_GeomFromGeoJSON($5), 4326)), 3)) AS geom)"
	" INSERT INTO area (kind, code, name, arrondissement, geom)"
	" SELECT $1, $2, $3, $4::smallint, g.geom FROM g"
	" ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name,"
	"  arrondissement = excluded.arrondissement, geom = excluded.geom"
	" WHERE (area.name, area.arrondissement) IS DISTINCT FROM"
	"  (excluded.name, excluded.arrondissement) OR NOT ST_Equals(area.geom, excluded.geom)"
	" RETURNING xmax = 0";

static const char upsert_sector[] =
	"WITH g AS (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid("
	"  ST_SetSRID(ST_GeomFromGeoJSON($6), 4326)), 3)) AS geom)"
	" INSERT INTO sector (service_id, code, name, priority, overrides_category, geom, area_m2)"
	" SELECT s.id, $2, $3, $4::int, $5::boolean, g.geom, ST_Area(g.geom::geography)"
	" FROM g, service s WHERE s.code = $1"
	CTL_SECTOR_UPSERT;

/* The first of the named properties that is present, as text; NULL when none is. */
static const char *property(json_t *props, const char *const *names, char *buf, size_t size)
{
	for (; *names; names++) {
		json_t *v = json_object_get(props, *names);

		if (json_is_string(v))
			return json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			return buf;
		}
		if (json_is_boolean(v))
			return json_is_true(v) ? "true" : "false";
	}
	return NULL;
}

static const char *const code_props[] = {"code", "c_quinsee", "c_ar", "no_consqrt", NULL};
static const char *const name_props[] = {"name", "l_qu", "l_ar", "nom_quart", NULL};
static const char *const arr_props[] = {"arrondissement", "c_ar", "nar", NULL};
static const char *const service_props[] = {"service", NULL};
static const char *const priority_props[] = {"priority", NULL};
static const char *const override_props[] = {"overrides_category", NULL};

/* A sector must name a known service; the upsert would otherwise skip it silently. */
static bool service_exists(PGconn *conn, const char *service, const char *sector)
{
	const char *params[1] = {service};
	PGresult *res;
	bool found;

	if (!service) {
		fprintf(stderr, "dmrctl: sector %s names no service (property or --service)\n",
			sector);
		return false;
	}
	res = ctl_query(conn, "SELECT 1 FROM service WHERE code = $1", 1, params);
	found = res && PQntuples(res) == 1;
	if (res && !found)
		fprintf(stderr, "dmrctl: sector %s names unknown service %s\n", sector, service);
	PQclear(res);
	return found;
}

static bool count_row(PGresult *res, struct geo_counts *n)
{
	if (!res)
		return false;
	if (PQntuples(res) == 0)
		n->unchanged++;
	else if (PQgetvalue(res, 0, 0)[0] == 't')
		n->inserted++;
	else
		n->updated++;
	PQclear(res);
	return true;
}

static bool load_feature(PGconn *conn, json_t *feature, const char *kind, const char *service,
			 struct geo_counts *n)
{
	json_t *props = json_object_get(feature, "properties");
	char code_buf[64], name_buf[64], arr_buf[16], svc_buf[64], prio_buf[16], over_buf[16];
	const char *code = property(props, code_props, code_buf, sizeof code_buf);
	const char *name = property(props, name_props, name_buf, sizeof name_buf);
	char *geometry = json_dumps(json_object_get(feature, "geometry"), JSON_COMPACT);
	PGresult *res;

	if (!code || !geometry) {
		fprintf(stderr, "dmrctl: a feature has no code property or no geometry\n");
		free(geometry);
		return false;
	}
	if (strcmp(kind, "sector") == 0) {
		const char *svc =
			service ? service : property(props, service_props, svc_buf, sizeof svc_buf);
		const char *prio = property(props, priority_props, prio_buf, sizeof prio_buf);
		const char *over = property(props, override_props, over_buf, sizeof over_buf);
		const char *params[6] = {svc, code, name ? name : code, prio ? prio : "0",
					 over ? over : "false", geometry};

		res = service_exists(conn, svc, code) ? ctl_query(conn, upsert_sector, 6, params)
						      : NULL;
	} else {
		const char *arr = property(props, arr_props, arr_buf, sizeof arr_buf);
		const char *params[5] = {kind, code, name ? name : code, arr, geometry};

		res = ctl_query(conn, upsert_area, 5, params);
	}
	free(geometry);
	return count_row(res, n);
}

static bool kind_known(const char *kind)
{
	return strcmp(kind, "arrondissement") == 0 || strcmp(kind, "quartier") == 0 ||
	       strcmp(kind, "conseil_quartier") == 0 || strcmp(kind, "sector") == 0;
}

static int load_file(PGconn *conn, const char *path, const char *kind, const char *service)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	json_t *features = json_object_get(doc, "features");
	struct geo_counts n = {0};
	size_t i;
	json_t *f;
	bool ok;

	if (!json_is_array(features)) {
		fprintf(stderr, "dmrctl: %s is not a GeoJSON FeatureCollection (%s)\n", path,
			doc ? "no features" : jerr.text);
		json_decref(doc);
		return 1;
	}
	ok = ctl_exec(conn, "BEGIN");
	json_array_foreach(features, i, f) {
		if (ok)
			ok = load_feature(conn, f, kind, service, &n);
	}
	json_decref(doc);
	if (!ctl_commit_load(conn, ok, path) || !ctl_exec(conn, "ANALYZE area, sector"))
		return 1;
	printf("%s: %d %s features, %d inserted, %d updated, %d unchanged\n", path,
	       n.inserted + n.updated + n.unchanged, kind, n.inserted, n.updated, n.unchanged);
	return 0;
}

int ctl_load_geo(PGconn *conn, int argc, char **argv)
{
	const char *file = NULL, *kind = NULL, *service = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
			kind = argv[++i];
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
			service = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, kind = NULL, i = argc;
	}
	if (!file || !kind || !kind_known(kind)) {
		fprintf(stderr, "usage: dmrctl load-geo FILE --kind arrondissement|quartier|"
				"conseil_quartier|sector [--service CODE]\n");
		return 2;
	}
	return load_file(conn, file, kind, service);
}

/* The polygons of Paris that geo/ ships, in the order they load. */
static const struct {
	const char *file, *kind;
} paris_areas[] = {
	{"paris_arrondissements.geojson", "arrondissement"},
	{"paris_quartiers_administratifs.geojson", "quartier"},
	{"paris_conseils_quartiers_2014.geojson", "conseil_quartier"},
};

int ctl_load_paris(PGconn *conn, const char *share_dir)
{
	char path[4096];
	int rc;

	for (size_t i = 0; i < sizeof paris_areas / sizeof paris_areas[0]; i++) {
		snprintf(path, sizeof path, "%s/geo/%s", share_dir, paris_areas[i].file);
		rc = load_file(conn, path, paris_areas[i].kind, NULL);
		if (rc)
			return rc;
	}
	snprintf(path, sizeof path, "%s/geo", share_dir);
	rc = ctl_load_reference(conn, path);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/geo/%s", share_dir, CTL_PARIS_ADDRESSES);
	rc = ctl_load_addresses(conn, path);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/geo/paris_espaces_verts_2021-03.shp.zip", share_dir);
	return ctl_load_parks_file(conn, path, "DEVE");
}
