#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ctl/ctl.h"

/*
 * dmrctl token create|list|revoke. A token is "dmr_" and 64 hexadecimal digits of the kernel's
 * randomness; it is printed once and only its hash is stored (dmr_token_hash).
 */

#define TOKEN_SIZE (4 + 64 + 1)
#define MAX_SERVICES 64

static const char usage_text[] =
	"usage: dmrctl token create --role agent|contractor|supervisor|admin|client --name NAME\n"
	"                           [--service CODE]... [--expires-days DAYS]\n"
	"       dmrctl token list\n"
	"       dmrctl token revoke ID\n";

struct token_request {
	const char *role, *name, *expires_days;
	const char *services[MAX_SERVICES];
	int nservices;
};

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static bool new_secret(char out[TOKEN_SIZE])
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return false;
	memcpy(out, "dmr_", 4);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 4 + 2 * i, 3, "%02x", raw[i]);
	return true;
}

/* Options come in pairs: --role R --name N [--service CODE]... [--expires-days D]. */
static bool parse_create(int argc, char **argv, struct token_request *r)
{
	memset(r, 0, sizeof *r);
	if (argc % 2)
		return false;
	for (int i = 0; i < argc; i += 2) {
		const char *value = argv[i + 1];

		if (strcmp(argv[i], "--role") == 0)
			r->role = value;
		else if (strcmp(argv[i], "--name") == 0)
			r->name = value;
		else if (strcmp(argv[i], "--expires-days") == 0)
			r->expires_days = value;
		else if (strcmp(argv[i], "--service") == 0 && r->nservices < MAX_SERVICES)
			r->services[r->nservices++] = value;
		else
			return false;
	}
	return r->role && r->name && *r->name;
}

/* Agents and contractors act for services; supervisors and admins for none in particular. */
static bool roles_and_services_agree(const struct token_request *r)
{
	bool scoped = strcmp(r->role, "agent") == 0 || strcmp(r->role, "contractor") == 0;
	bool global = strcmp(r->role, "supervisor") == 0 || strcmp(r->role, "admin") == 0 ||
		      strcmp(r->role, "client") == 0;

	if (!scoped && !global) {
		fprintf(stderr, "dmrctl: unknown role %s\n", r->role);
		return false;
	}
	if (scoped != (r->nservices > 0)) {
		fprintf(stderr, "dmrctl: %s\n", scoped ? "agents and contractors need --service"
						       : "supervisors, admins and clients take no "
							 "--service");
		return false;
	}
	if (r->expires_days && (atoi(r->expires_days) < 1 || atoi(r->expires_days) > 3650)) {
		fprintf(stderr, "dmrctl: --expires-days must be 1 to 3650\n");
		return false;
	}
	return true;
}

/* "{A,B}" for a text[] parameter; service codes hold no braces, commas or quotes. */
static bool services_array(const struct token_request *r, char *out, size_t size)
{
	size_t used = 0;

	out[used++] = '{';
	for (int i = 0; i < r->nservices; i++) {
		if (strpbrk(r->services[i], "{},\"\\ ") ||
		    used + strlen(r->services[i]) + 3 > size) {
			fprintf(stderr, "dmrctl: unknown service %s\n", r->services[i]);
			return false;
		}
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "," : "",
					 r->services[i]);
	}
	snprintf(out + used, size - used, "}");
	return true;
}

static bool insert_token(PGconn *conn, const struct token_request *r, const char *secret,
			 const char *services)
{
	const char *params[5] = {r->name, r->role, secret, r->expires_days, services};
	PGresult *res = ctl_query(
		conn,
		"WITH t AS (INSERT INTO api_token (name, role, token_hash, expires_at)"
		" VALUES ($1, $2, dmr_token_hash($3),"
		"  now() + make_interval(days => $4::int)) RETURNING id),"
		" s AS (INSERT INTO api_token_service (token_id, service_id)"
		"  SELECT t.id, s.id FROM t, service s WHERE s.code = ANY ($5::text[]) RETURNING 1)"
		" SELECT (SELECT id FROM t), (SELECT count(*) FROM s),"
		"  cardinality($5::text[])",
		5, params);
	bool ok;

	if (!res)
		return false;
	ok = strcmp(PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2)) == 0;
	if (!ok)
		fprintf(stderr, "dmrctl: a --service names no known service; no token created\n");
	else
		fprintf(stderr, "token %s created for %s (%s); it is shown once:\n",
			PQgetvalue(res, 0, 0), r->name, r->role);
	PQclear(res);
	return ok;
}

static int create(PGconn *conn, int argc, char **argv)
{
	struct token_request r;
	char secret[TOKEN_SIZE], services[2048];
	bool ok;

	if (!parse_create(argc, argv, &r))
		return usage();
	if (!roles_and_services_agree(&r) || !services_array(&r, services, sizeof services))
		return 2;
	if (!new_secret(secret)) {
		fprintf(stderr, "dmrctl: no randomness available\n");
		return 1;
	}
	ok = ctl_exec(conn, "BEGIN") && insert_token(conn, &r, secret, services) &&
	     ctl_exec(conn, "COMMIT");
	if (!ok) {
		ctl_exec(conn, "ROLLBACK");
		return 1;
	}
	printf("%s\n", secret);
	return 0;
}

static int list(PGconn *conn)
{
	PGresult *res = ctl_query(
		conn,
		"SELECT t.id, t.role, coalesce(string_agg(s.code, ',' ORDER BY s.code), '-'),"
		" CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'"
		"  WHEN t.expires_at <= now() THEN 'expired' ELSE 'active' END,"
		" to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
		" coalesce(to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-'), t.name"
		" FROM api_token t LEFT JOIN api_token_service ts ON ts.token_id = t.id"
		" LEFT JOIN service s ON s.id = ts.service_id GROUP BY t.id ORDER BY t.id",
		0, NULL);

	if (!res)
		return 1;
	printf("%-5s %-11s %-24s %-8s %-10s %-10s %s\n", "id", "role", "services", "state",
	       "created", "expires", "name");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-5s %-11s %-24s %-8s %-10s %-10s %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
	PQclear(res);
	return 0;
}

static int revoke(PGconn *conn, const char *id)
{
	const char *params[1] = {id};
	PGresult *res;
	int rc;

	if (strspn(id, "0123456789") != strlen(id) || !*id || strlen(id) > 9)
		return usage();
	res = ctl_query(conn,
			"UPDATE api_token SET revoked_at = coalesce(revoked_at, now())"
			" WHERE id = $1::int RETURNING id",
			1, params);
	if (!res)
		return 1;
	rc = PQntuples(res) == 1 ? 0 : 1;
	if (rc == 0)
		printf("token %s revoked\n", id);
	else
		fprintf(stderr, "dmrctl: no token has id %s\n", id);
	PQclear(res);
	return rc;
}

int ctl_token(PGconn *conn, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "create") == 0)
		return create(conn, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return list(conn);
	if (argc == 2 && strcmp(argv[0], "revoke") == 0)
		return revoke(conn, argv[1]);
	return usage();
}
