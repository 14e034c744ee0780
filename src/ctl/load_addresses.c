#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ctl/ctl.h"

/*
 * dmrctl load-addresses FILE: the address points of a Base Adresse Nationale export (a CSV
 * file separated by ';' with a header line, gzipped or not; docs/data.md) replace the table
 * address, in one transaction. The file goes through zlib (which reads a plain file as it is)
 * and COPY FROM STDIN into a temporary table; there it is checked, and only a file that passes
 * every check is merged: points are matched by the BAN's id, so that a point keeps its id from
 * one load to the next, rows are only rewritten when something differs, and the points the
 * file no longer has are deleted. A file that is cut, lacks a column, holds a number that does
 * not parse or a position outside France changes nothing.
 */

#define HEADER_MAX 8192
#define COLUMNS_MAX 64
#define CHUNK (64 * 1024)

/* The columns read, by their name in the BAN's header; the others are ignored. */
static const char *const wanted[] = {
	"id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "lon", "lat",
};
#define WANTED (sizeof wanted / sizeof wanted[0])

/* Positions of the wanted columns in the file (1-based), and how many columns it has. */
struct ban_header {
	int position[WANTED];
	int columns;
};

/*
 * The first problem of the file, by line (the header is line 1), or no row. Metropolitan
 * France with Corsica lies within longitude -5.5 to 10 and latitude 41 to 51.5.
 */
static const char check_rows[] =
	"SELECT line + 1, problem FROM (SELECT line, CASE"
	" WHEN coalesce(id, '') = '' THEN 'id is empty'"
	" WHEN coalesce(numero, '') !~ '^[0-9]{1,6}$'"
	"  THEN format('numero %s is not a house number', quote_nullable(numero))"
	" WHEN coalesce(nom_voie, '') = '' THEN 'nom_voie is empty'"
	" WHEN coalesce(code_postal, '') !~ '^[0-9]{5}$'"
	"  THEN format('code_postal %s is not a postcode', quote_nullable(code_postal))"
	" WHEN coalesce(code_insee, '') !~ '^[0-9][0-9AB][0-9]{3}$'"
	"  THEN format('code_insee %s is not an INSEE code', quote_nullable(code_insee))"
	" WHEN coalesce(lon, '') !~ '^-?[0-9]{1,3}([.][0-9]+)?$'"
	"  THEN format('lon %s is not a number', quote_nullable(lon))"
	" WHEN coalesce(lat, '') !~ '^-?[0-9]{1,2}([.][0-9]+)?$'"
	"  THEN format('lat %s is not a number', quote_nullable(lat))"
	" WHEN lon::float8 NOT BETWEEN -5.5 AND 10 OR lat::float8 NOT BETWEEN 41 AND 51.5"
	"  THEN format('the position lat %s, lon %s is outside France (metropolitan France and"
	" Corsica: longitude -5.5 to 10, latitude 41 to 51.5)', lat, lon)"
	" END AS problem FROM address_stage) p"
	" WHERE problem IS NOT NULL ORDER BY line LIMIT 1";

/* The second line of an id that is on two lines. */
static const char check_ids[] =
	"SELECT line + 1, format('id %s is also on an earlier line', id) FROM ("
	" SELECT line, id, row_number() OVER (PARTITION BY id ORDER BY line) AS k"
	" FROM address_stage) s WHERE k = 2 ORDER BY line LIMIT 1";

/* Streets first: each address points at its street (address_street.middle is deferred). */
static const char merge_streets[] =
	"INSERT INTO address_street (street, postcode, insee, norm, kind, key)"
	" SELECT s.street, s.postcode, s.insee, n.norm, dmr_address_kind(n.norm),"
	"  dmr_address_key(n.norm)"
	" FROM (SELECT nom_voie AS street, code_postal AS postcode, min(code_insee) AS insee"
	"  FROM address_stage GROUP BY 1, 2) s"
	" CROSS JOIN LATERAL (SELECT dmr_address_norm(s.street) AS norm) n"
	" ON CONFLICT (street, postcode) DO UPDATE SET insee = excluded.insee,"
	"  norm = excluded.norm, kind = excluded.kind, key = excluded.key"
	" WHERE (address_street.insee, address_street.norm, address_street.kind, address_street.key)"
	"  IS DISTINCT FROM (excluded.insee, excluded.norm, excluded.kind, excluded.key)";

/* One row per point inserted (t) or rewritten (f). */
static const char merge_addresses[] =
	"INSERT INTO address (ban_id, number, suffix, street, postcode, insee, point, label,"
	" street_norm, street_id)"
	" SELECT s.id, s.numero::integer, x.suffix, s.nom_voie, s.code_postal, s.code_insee,"
	"  ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326),"
	"  dmr_address_label(s.numero::integer, x.suffix, s.nom_voie, s.code_postal), t.norm, t.id"
	" FROM address_stage s"
	" CROSS JOIN LATERAL (SELECT dmr_address_suffix(s.rep) AS suffix) x"
	" JOIN address_street t ON t.street = s.nom_voie AND t.postcode = s.code_postal"
	" ON CONFLICT (ban_id) DO UPDATE SET number = excluded.number, suffix = excluded.suffix,"
	"  street = excluded.street, postcode = excluded.postcode, insee = excluded.insee,"
	"  point = excluded.point, label = excluded.label, street_norm = excluded.street_norm,"
	"  street_id = excluded.street_id"
	" WHERE (address.number, address.suffix, address.street, address.postcode, address.insee,"
	"  address.point, address.label, address.street_norm, address.street_id)"
	"  IS DISTINCT FROM (excluded.number, excluded.suffix, excluded.street, excluded.postcode,"
	"  excluded.insee, excluded.point, excluded.label, excluded.street_norm, excluded.street_id)"
	" RETURNING xmax = 0";

static const char delete_addresses[] =
	"DELETE FROM address a WHERE NOT EXISTS (SELECT 1 FROM address_stage s WHERE s.id = a.ban_id)";

static const char delete_streets[] =
	"DELETE FROM address_street s"
	" WHERE NOT EXISTS (SELECT 1 FROM address a WHERE a.street_id = s.id)";

/* The middle address of each street: the median of its points in the order of numbers. */
static const char set_middles[] =
	"UPDATE address_street s SET middle = r.id"
	" FROM (SELECT id, street_id, row_number() OVER w AS k,"
	"  count(*) OVER (PARTITION BY street_id) AS n FROM address"
	"  WINDOW w AS (PARTITION BY street_id ORDER BY number, suffix NULLS FIRST, id)) r"
	" WHERE r.street_id = s.id AND r.k = (r.n + 1) / 2 AND s.middle IS DISTINCT FROM r.id";

/* "name;name;...\n" into the positions of the wanted columns (writes into line). */
static bool read_header(const char *path, char *line, struct ban_header *h)
{
	char *p = line;
	size_t len = strlen(line);

	if (len == 0 || line[len - 1] != '\n') {
		fprintf(stderr, "dmrctl: %s: no header line\n", path);
		return false;
	}
	line[--len] = '\0';
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	memset(h, 0, sizeof *h);
	for (char *name; (name = strsep(&p, ";"));) {
		if (++h->columns > COLUMNS_MAX) {
			fprintf(stderr, "dmrctl: %s: more than %d columns\n", path, COLUMNS_MAX);
			return false;
		}
		for (size_t i = 0; i < WANTED; i++)
			if (strcmp(name, wanted[i]) == 0 && !h->position[i])
				h->position[i] = h->columns;
	}
	for (size_t i = 0; i < WANTED; i++) {
		if (!h->position[i]) {
			fprintf(stderr, "dmrctl: %s: the header has no column %s (a BAN export has"
					" id;numero;rep;nom_voie;code_postal;code_insee;...;lon;lat;...)\n",
				path, wanted[i]);
			return false;
		}
	}
	return true;
}

/* The name of column c (1-based) in the temporary table: its own if wanted, else cN. */
static void column_name(const struct ban_header *h, int c, char *out, size_t size)
{
	for (size_t i = 0; i < WANTED; i++) {
		if (h->position[i] == c) {
			snprintf(out, size, "%s", wanted[i]);
			return;
		}
	}
	snprintf(out, size, "c%d", c);
}

/*
 * The temporary table that receives the file, one text column per column of the file, and
 * the number of each row in the order of the file; then COPY into it, header included.
 */
static bool start_copy(PGconn *conn, const struct ban_header *h)
{
	char create[4096], copy[2048], name[32];
	int used_create, used_copy;
	PGresult *res;
	bool ok;

	used_create = snprintf(create, sizeof create,
			       "CREATE TEMP TABLE address_stage (line bigint GENERATED ALWAYS AS"
			       " IDENTITY");
	used_copy = snprintf(copy, sizeof copy, "COPY address_stage (");
	for (int c = 1; c <= h->columns; c++) {
		column_name(h, c, name, sizeof name);
		used_create += snprintf(create + used_create, sizeof create - (size_t)used_create,
					", %s text", name);
		used_copy += snprintf(copy + used_copy, sizeof copy - (size_t)used_copy, "%s%s",
				      c > 1 ? ", " : "", name);
	}
	snprintf(create + used_create, sizeof create - (size_t)used_create, ") ON COMMIT DROP");
	snprintf(copy + used_copy, sizeof copy - (size_t)used_copy,
		 ") FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)");
	if (!ctl_exec(conn, create))
		return false;
	res = PQexec(conn, copy);
	ok = PQresultStatus(res) == PGRES_COPY_IN;
	if (!ok)
		fprintf(stderr, "dmrctl: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

/*
 * Ends the COPY: normally, or, when the file was found faulty (reason not NULL), by making
 * the server refuse it. True when the server took the rows.
 */
static bool end_copy(PGconn *conn, const char *path, const char *reason)
{
	PGresult *res;
	bool ok;

	if (PQputCopyEnd(conn, reason) != 1) {
		fprintf(stderr, "dmrctl: %s", PQerrorMessage(conn));
		return false;
	}
	res = PQgetResult(conn);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok && !reason)
		fprintf(stderr, "dmrctl: %s: %s", path, PQerrorMessage(conn));
	PQclear(res);
	while ((res = PQgetResult(conn)))
		PQclear(res);
	return ok;
}

/* Whether zlib met the end of a gzip stream cut short, or damaged data; fills reason. */
static bool gzip_failed(gzFile in, const char **reason)
{
	int zerr;

	gzerror(in, &zerr);
	if (zerr == Z_OK)
		return false;
	*reason = zerr == Z_BUF_ERROR ? "the gzip stream is cut short"
				      : "the gzip stream is damaged";
	return true;
}

/*
 * Sends the file to the COPY: the header line already read, then the rest as zlib gives it.
 * Fills reason when the file is cut: a gzip stream that ends early, or a last line without
 * its line break.
 */
static bool send_file(PGconn *conn, gzFile in, const char *header, const char **reason)
{
	char chunk[CHUNK];
	char last = '\n';
	int n;

	*reason = NULL;
	if (PQputCopyData(conn, header, (int)strlen(header)) != 1)
		return false;
	while ((n = gzread(in, chunk, sizeof chunk)) > 0) {
		last = chunk[n - 1];
		if (PQputCopyData(conn, chunk, n) != 1)
			return false;
	}
	if (gzip_failed(in, reason))
		return true;
	if (n < 0)
		*reason = "the file cannot be read";
	else if (last != '\n')
		*reason = "the last line is cut (the file does not end with a line break)";
	return true;
}

/* Reads the file into address_stage; false (message printed) when it cannot be taken whole. */
static bool stage_file(PGconn *conn, const char *path)
{
	gzFile in = gzopen(path, "rb");
	char header[HEADER_MAX], names[HEADER_MAX];
	struct ban_header h;
	const char *reason = NULL;
	bool ok;

	if (!in) {
		fprintf(stderr, "dmrctl: cannot open %s\n", path);
		return false;
	}
	gzbuffer(in, CHUNK);
	if (!gzgets(in, header, sizeof header)) {
		header[0] = '\0';
		if (gzip_failed(in, &reason)) {
			fprintf(stderr, "dmrctl: %s: %s\n", path, reason);
			gzclose(in);
			return false;
		}
	}
	snprintf(names, sizeof names, "%s", header);
	ok = read_header(path, names, &h) && start_copy(conn, &h);
	if (ok) {
		ok = send_file(conn, in, header, &reason);
		ok = end_copy(conn, path, reason) && ok && !reason;
		if (reason)
			fprintf(stderr, "dmrctl: %s: %s\n", path, reason);
	}
	gzclose(in);
	return ok;
}

/* Runs a check that returns (line, problem) rows: true when it returns none. */
static bool passes(PGconn *conn, const char *path, const char *check)
{
	PGresult *res = ctl_query(conn, check, 0, NULL);
	bool ok = res && PQntuples(res) == 0;

	if (res && !ok)
		fprintf(stderr, "dmrctl: %s: line %s: %s\n", path, PQgetvalue(res, 0, 0),
			PQgetvalue(res, 0, 1));
	PQclear(res);
	return ok;
}

static long rows_of(PGconn *conn, const char *sql)
{
	PGresult *res = ctl_query(conn, sql, 0, NULL);
	long n = res ? atol(PQcmdTuples(res)) : -1;

	PQclear(res);
	return n;
}

struct address_counts {
	long inserted, updated, deleted, streets;
};

static bool merge(PGconn *conn, struct address_counts *n)
{
	PGresult *res;

	if (rows_of(conn, merge_streets) < 0 || !(res = ctl_query(conn, merge_addresses, 0, NULL)))
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetvalue(res, i, 0)[0] == 't')
			n->inserted++;
		else
			n->updated++;
	}
	PQclear(res);
	n->deleted = rows_of(conn, delete_addresses);
	if (n->deleted < 0 || rows_of(conn, delete_streets) < 0 || rows_of(conn, set_middles) < 0)
		return false;
	res = ctl_query(conn, "SELECT count(*) FROM address_street", 0, NULL);
	if (!res)
		return false;
	n->streets = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

static long staged(PGconn *conn)
{
	PGresult *res = ctl_query(conn, "SELECT count(*) FROM address_stage", 0, NULL);
	long n = res ? atol(PQgetvalue(res, 0, 0)) : -1;

	PQclear(res);
	return n;
}

int ctl_load_addresses(PGconn *conn, const char *path)
{
	struct address_counts n = {0};
	long total = -1;
	bool ok = ctl_exec(conn, "BEGIN") && stage_file(conn, path);

	if (ok && (total = staged(conn)) == 0)
		fprintf(stderr, "dmrctl: %s: no address after the header\n", path);
	ok = ok && total > 0 && passes(conn, path, check_rows) && passes(conn, path, check_ids) &&
	     merge(conn, &n);
	/*
	 * At once, rather than when autovacuum comes by, maybe under load: the planner needs the
	 * statistics of the new rows, and the rows replaced or deleted leave dead tuples that the
	 * first searches would wade through.
	 */
	if (!ctl_commit_load(conn, ok, path) ||
	    !ctl_exec(conn, "VACUUM (ANALYZE) address, address_street"))
		return 1;
	printf("%s: %ld addresses in %ld streets, %ld inserted, %ld updated, %ld deleted\n", path,
	       total, n.streets, n.inserted, n.updated, n.deleted);
	return 0;
}
