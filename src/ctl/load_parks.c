#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <limits.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"

/*
 * Loads the City's green spaces, a zipped ESRI shapefile read with GDAL (docs/data.md), as
 * areas of kind park, and builds from them the sectors of the parks service: one per workshop,
 * and one per division for the parks without a workshop (the woods). Only the types of green
 * space that are parks are kept (park_types). Everything runs in one transaction: the
 * features are staged, then merged so that rows are only rewritten when something differs,
 * and the parks no longer in the file are removed.
 */

/* The values of type_ev that are parks; wall plantings, road decorations, the ring road's
 * verges and sports grounds are not. */
static const char *const park_types[] = {
	"Promenades ouvertes", "Bois", "Cimetières", "Jardinets décoratifs",
	"Ephémères, partagés, pédagogiques", "Jardins privatifs", NULL,
};

enum park_field { F_CODE, F_NAME, F_TYPE, F_DIVISION, F_WORKSHOP, F_POSTCODE, F_COUNT };

static const char *const field_names[F_COUNT] = {
	"nsq_espace_", "nom_ev", "type_ev", "id_division", "id_atelier_", "adresse_cod",
};

struct park_counts {
	int read, kept, no_geometry;
};

static const char create_stage[] =
	"CREATE TEMP TABLE stage_park (code text, name text, type text, division integer,"
	" workshop integer, postcode text, wkb text) ON COMMIT DROP";

static const char insert_stage[] =
	"INSERT INTO stage_park VALUES ($1, $2, $3, $4::int, $5::int, $6, $7)";

/* The arrondissement is the postcode's (75116 is the 16th); none outside Paris. */
static const char merge_parks[] =
	"WITH g AS (SELECT code, coalesce(nullif(name, ''), code) AS name, type, division,"
	"  workshop, CASE WHEN postcode ~ '^750(0[1-9]|1[0-9]|20)$'"
	"   THEN right(postcode, 2)::smallint"
	"  WHEN postcode = '75116' THEN 16 END AS arrondissement,"
	"  ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB(decode(wkb, 'hex'), 4326)),"
	"  3)) AS geom FROM stage_park)"
	" INSERT INTO area (kind, code, name, arrondissement, geom, park_type, park_division,"
	"  park_workshop)"
	" SELECT 'park', code, name, arrondissement, geom, type, division, workshop FROM g"
	" ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name,"
	"  arrondissement = excluded.arrondissement, geom = excluded.geom,"
	"  park_type = excluded.park_type, park_division = excluded.park_division,"
	"  park_workshop = excluded.park_workshop"
	" WHERE (area.name, area.arrondissement, area.park_type, area.park_division,"
	"  area.park_workshop) IS DISTINCT FROM (excluded.name, excluded.arrondissement,"
	"  excluded.park_type, excluded.park_division, excluded.park_workshop)"
	"  OR NOT ST_Equals(area.geom, excluded.geom)"
	" RETURNING xmax = 0";

static const char remove_parks[] =
	"DELETE FROM area a WHERE a.kind = 'park'"
	" AND NOT EXISTS (SELECT 1 FROM stage_park s WHERE s.code = a.code)";

/*
 * A sector per workshop, the union of its parks; the parks without workshop make one per
 * division. Priority 1, above the service's sectors by arrondissement (0), so that a report
 * inside a park reaches the workshop's queue.
 */
static const char merge_sectors[] =
	"WITH p AS (SELECT code, name, geom, park_division, park_workshop AS workshop,"
	"  CASE WHEN park_workshop IS NULL THEN park_division END AS division"
	"  FROM area WHERE kind = 'park' AND num_nulls(park_workshop, park_division) < 2),"
	" w AS (SELECT CASE WHEN workshop IS NOT NULL"
	"   THEN format('%s-ATELIER-%s', $1::text, workshop)"
	"   ELSE format('%s-DIVISION-%s', $1::text, division) END AS code,"
	"  CASE WHEN workshop IS NOT NULL"
	"   THEN format('%s – atelier %s, division%s %s', $1::text, workshop,"
	"    CASE WHEN count(DISTINCT park_division) > 1 THEN 's' ELSE '' END,"
	"    array_to_string(array_agg(DISTINCT park_division ORDER BY park_division), ', '))"
	"   ELSE format('%s – division %s', $1::text, division)"
	"    || CASE WHEN count(*) = 1 THEN ' : ' || min(name) ELSE '' END END AS name,"
	"  ST_Multi(ST_CollectionExtract(ST_Union(geom ORDER BY code), 3)) AS geom"
	"  FROM p GROUP BY workshop, division)"
	" INSERT INTO sector (service_id, code, name, priority, overrides_category, geom, area_m2)"
	" SELECT s.id, w.code, w.name, 1, false, w.geom, ST_Area(w.geom::geography)"
	" FROM w, service s WHERE s.code = $1"
	CTL_SECTOR_UPSERT;

static bool is_park_type(const char *type)
{
	for (const char *const *t = park_types; *t; t++)
		if (strcmp(*t, type) == 0)
			return true;
	return false;
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

/* The entry of the zip named stem + suffix (any case), or NULL. */
static const char *zip_entry(char **names, const char *stem, size_t stem_len, const char *suffix)
{
	for (char **n = names; *n; n++)
		if (strlen(*n) == stem_len + strlen(suffix) && strncmp(*n, stem, stem_len) == 0 &&
		    has_suffix(*n, suffix))
			return *n;
	return NULL;
}

/*
 * The GDAL path of the zip's one shapefile ("/vsizip//abs/FILE.zip/NAME.shp", caller frees
 * with CPLFree), once its .shx (index) and .dbf (attributes) are found beside it; NULL with a
 * message otherwise.
 */
static char *shapefile_in_zip(const char *path)
{
	char real[PATH_MAX], zip[PATH_MAX + 16];
	char **names = NULL;
	const char *shp = NULL;
	char *found = NULL;
	int shps = 0;

	if (!realpath(path, real)) {
		fprintf(stderr, "dmrctl: cannot open %s\n", path);
		return NULL;
	}
	snprintf(zip, sizeof zip, "/vsizip/%s", real);
	names = VSIReadDirRecursive(zip);
	for (char **n = names; n && *n; n++)
		if (has_suffix(*n, ".shp") && ++shps == 1)
			shp = *n;
	if (!names)
		fprintf(stderr, "dmrctl: %s is not a zip archive that can be read\n", path);
	else if (shps != 1)
		fprintf(stderr, "dmrctl: %s holds %s shapefile (.shp): expected one\n", path,
			shps ? "more than one" : "no");
	else if (!zip_entry(names, shp, strlen(shp) - 4, ".shx"))
		fprintf(stderr, "dmrctl: %s: %s has no .shx part (its index)\n", path, shp);
	else if (!zip_entry(names, shp, strlen(shp) - 4, ".dbf"))
		fprintf(stderr, "dmrctl: %s: %s has no .dbf part (its attributes)\n", path, shp);
	else
		found = CPLStrdup(CPLSPrintf("%s/%s", zip, shp));
	CSLDestroy(names);
	return found;
}

/* The layer's fields that the loader reads, or false with a message naming a missing one. */
static bool find_fields(OGRLayerH layer, const char *path, int index[F_COUNT])
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);

	for (int i = 0; i < F_COUNT; i++) {
		index[i] = OGR_FD_GetFieldIndex(defn, field_names[i]);
		if (index[i] < 0) {
			fprintf(stderr, "dmrctl: %s has no field %s: is it the City's"
					" green spaces?\n", path, field_names[i]);
			return false;
		}
	}
	return true;
}

/* Coordinates must be WGS84 longitude/latitude, as the database keeps them. */
static bool wgs84(OGRLayerH layer, const char *path)
{
	OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
	OGRSpatialReferenceH ref;
	bool same;

	if (!srs)
		return true;
	ref = OSRNewSpatialReference(NULL);
	same = OSRImportFromEPSG(ref, 4326) == OGRERR_NONE && OSRIsGeographic(srs) &&
	       OSRIsSameGeogCS(srs, ref);
	OSRDestroySpatialReference(ref);
	if (!same)
		fprintf(stderr, "dmrctl: %s is not in WGS84 longitude/latitude (EPSG:4326):"
				" convert it first, e.g. ogr2ogr -t_srs EPSG:4326\n", path);
	return same;
}

/* A whole number field as text in buf, or NULL when unset. */
static const char *whole_number(OGRFeatureH f, int field, char *buf, size_t size)
{
	if (!OGR_F_IsFieldSetAndNotNull(f, field))
		return NULL;
	snprintf(buf, size, "%.0f", OGR_F_GetFieldAsDouble(f, field));
	return buf;
}

/* The geometry as hexadecimal WKB (caller frees), or NULL when the feature has none. */
static char *geometry_hex(OGRFeatureH f)
{
	OGRGeometryH g = OGR_F_GetGeometryRef(f);
	unsigned char *wkb;
	char *hex;
	int size;

	if (!g || OGR_G_IsEmpty(g))
		return NULL;
	size = OGR_G_WkbSize(g);
	wkb = malloc((size_t)size);
	hex = malloc((size_t)size * 2 + 1);
	if (wkb && hex && OGR_G_ExportToIsoWkb(g, wkbNDR, wkb) == OGRERR_NONE) {
		for (int i = 0; i < size; i++)
			snprintf(hex + 2 * i, 3, "%02x", wkb[i]);
	} else {
		free(hex);
		hex = NULL;
	}
	free(wkb);
	return hex;
}

static bool stage_feature(PGconn *conn, OGRFeatureH f, const int index[F_COUNT],
			  struct park_counts *n)
{
	char code[32], division[32], workshop[32];
	const char *params[7];
	PGresult *res;
	char *hex;

	n->read++;
	if (!is_park_type(OGR_F_GetFieldAsString(f, index[F_TYPE])))
		return true;
	params[0] = whole_number(f, index[F_CODE], code, sizeof code);
	if (!params[0]) {
		fprintf(stderr, "dmrctl: green space %lld has no %s\n",
			(long long)OGR_F_GetFID(f), field_names[F_CODE]);
		return false;
	}
	hex = geometry_hex(f);
	if (!hex) {
		n->no_geometry++;
		return true;
	}
	params[1] = OGR_F_GetFieldAsString(f, index[F_NAME]);
	params[2] = OGR_F_GetFieldAsString(f, index[F_TYPE]);
	params[3] = whole_number(f, index[F_DIVISION], division, sizeof division);
	params[4] = whole_number(f, index[F_WORKSHOP], workshop, sizeof workshop);
	params[5] = OGR_F_IsFieldSetAndNotNull(f, index[F_POSTCODE])
			    ? OGR_F_GetFieldAsString(f, index[F_POSTCODE]) : NULL;
	params[6] = hex;
	res = ctl_query(conn, insert_stage, 7, params);
	free(hex);
	PQclear(res);
	n->kept += res != NULL;
	return res != NULL;
}

/* Stages the parks of the layer; false (message printed) when the file cannot be read. */
static bool stage_layer(PGconn *conn, OGRLayerH layer, const char *path, struct park_counts *n)
{
	int index[F_COUNT];
	OGRFeatureH f;
	bool ok;

	if (!find_fields(layer, path, index) || !wgs84(layer, path) ||
	    !ctl_exec(conn, create_stage))
		return false;
	ok = true;
	CPLErrorReset();
	OGR_L_ResetReading(layer);
	while (ok && (f = OGR_L_GetNextFeature(layer))) {
		ok = stage_feature(conn, f, index, n);
		OGR_F_Destroy(f);
	}
	if (ok && CPLGetLastErrorType() >= CE_Failure) {
		fprintf(stderr, "dmrctl: %s: the shapefile cannot be read (GDAL: %s)\n", path,
			CPLGetLastErrorMsg());
		ok = false;
	}
	return ok;
}

/* Runs a merge that returns one row per inserted (t) or updated (f) row. */
static bool merge(PGconn *conn, const char *sql, int nparams, const char *const *params,
		  int *inserted, int *updated)
{
	PGresult *res = ctl_query(conn, sql, nparams, params);

	if (!res)
		return false;
	*inserted = *updated = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetvalue(res, i, 0)[0] == 't')
			(*inserted)++;
		else
			(*updated)++;
	}
	PQclear(res);
	return true;
}

static bool service_known(PGconn *conn, const char *service)
{
	const char *params[1] = {service};
	PGresult *res = ctl_query(conn, "SELECT 1 FROM service WHERE code = $1", 1, params);
	bool found = res && PQntuples(res) == 1;

	if (res && !found)
		fprintf(stderr, "dmrctl: no service has code %s (load the reference data first)\n",
			service);
	PQclear(res);
	return found;
}

/* Stages, merges and prints, inside the caller's transaction. */
static bool load_layer(PGconn *conn, OGRLayerH layer, const char *path, const char *service)
{
	struct park_counts n = {0};
	const char *params[1] = {service};
	int parks_in, parks_up, sectors_in, sectors_up;
	PGresult *removed;

	if (!service_known(conn, service) || !stage_layer(conn, layer, path, &n) ||
	    !merge(conn, merge_parks, 0, NULL, &parks_in, &parks_up) ||
	    !(removed = ctl_query(conn, remove_parks, 0, NULL)))
		return false;
	printf("%s: %d green spaces, %d parks (%d without geometry left out), %d inserted,"
	       " %d updated, %s removed\n", path, n.read, n.kept, n.no_geometry, parks_in,
	       parks_up, PQcmdTuples(removed));
	PQclear(removed);
	if (!merge(conn, merge_sectors, 1, params, &sectors_in, &sectors_up))
		return false;
	printf("%s sectors of its workshops: %d inserted, %d updated\n", service, sectors_in,
	       sectors_up);
	return true;
}

int ctl_load_parks_file(PGconn *conn, const char *path, const char *service)
{
	char *shp;
	GDALDatasetH ds = NULL;
	const char *const drivers[] = {"ESRI Shapefile", NULL};
	/* The .dbf is UTF-8 but names no encoding (no .cpg): say so rather than let GDAL guess. */
	const char *const options[] = {"ENCODING=UTF-8", NULL};
	bool ok;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	GDALAllRegister();
	shp = shapefile_in_zip(path);
	if (shp) {
		ds = GDALOpenEx(shp, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, NULL);
		if (!ds || GDALDatasetGetLayerCount(ds) != 1)
			fprintf(stderr, "dmrctl: %s: the shapefile cannot be read (GDAL: %s)\n",
				path, CPLGetLastErrorMsg());
	}
	ok = ds && GDALDatasetGetLayerCount(ds) == 1 && ctl_exec(conn, "BEGIN");
	if (ok) {
		ok = load_layer(conn, GDALDatasetGetLayer(ds, 0), path, service) &&
		     ctl_exec(conn, "COMMIT");
		if (!ok)
			ctl_exec(conn, "ROLLBACK");
	}
	if (ds)
		GDALClose(ds);
	CPLFree(shp);
	CPLPopErrorHandler();
	GDALDestroy();
	if (!ok) {
		fprintf(stderr, "dmrctl: %s not loaded; nothing changed\n", path);
		return 1;
	}
	return ctl_exec(conn, "ANALYZE area, sector") ? 0 : 1;
}

int ctl_load_parks(PGconn *conn, int argc, char **argv)
{
	const char *file = NULL, *service = "DEVE";

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
			service = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file) {
		fprintf(stderr, "usage: dmrctl load-parks FILE.shp.zip [--service CODE]\n");
		return 2;
	}
	return ctl_load_parks_file(conn, file, service);
}
