#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "ctl/ctl.h"

/*
 * dmrctl service notify CODE ...: where a service hears of the reports routed or transferred
 * to it. A webhook gets a secret, printed once when it is made, with which the service checks
 * the signature of each request (X-Dansmarue-Signature, docs/notifications.md).
 */

static const char usage_text[] =
	"usage: dmrctl service notify CODE [--email ADDRESS | --no-email]\n"
	"                                  [--webhook URL | --no-webhook] [--new-secret]\n";

struct notify_request {
	const char *code;
	bool set_email, set_webhook, new_secret;
	const char *email, *webhook;
};

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static bool parse(int argc, char **argv, struct notify_request *r)
{
	memset(r, 0, sizeof *r);
	if (argc < 2 || strcmp(argv[0], "notify") != 0)
		return false;
	r->code = argv[1];
	for (int i = 2; i < argc; i++) {
		bool has_value = i + 1 < argc;

		if (strcmp(argv[i], "--email") == 0 && has_value) {
			r->set_email = true;
			r->email = argv[++i];
		} else if (strcmp(argv[i], "--no-email") == 0) {
			r->set_email = true;
			r->email = NULL;
		} else if (strcmp(argv[i], "--webhook") == 0 && has_value) {
			r->set_webhook = true;
			r->webhook = argv[++i];
		} else if (strcmp(argv[i], "--no-webhook") == 0) {
			r->set_webhook = true;
			r->webhook = NULL;
		} else if (strcmp(argv[i], "--new-secret") == 0) {
			r->new_secret = true;
		} else {
			return false;
		}
	}
	return true;
}

static bool new_secret(char out[65])
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return false;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}

int ctl_service(PGconn *conn, int argc, char **argv)
{
	struct notify_request r;
	char secret[65];
	PGresult *res;
	int rc = 0;

	if (!parse(argc, argv, &r))
		return usage();
	if (!new_secret(secret)) {
		fprintf(stderr, "dmrctl: no randomness available\n");
		return 1;
	}
	const char *params[7] = {r.code, r.set_email ? "true" : "false", r.email,
				 r.set_webhook ? "true" : "false", r.webhook, secret,
				 r.new_secret ? "true" : "false"};
	/* A secret is made with the first webhook, and on --new-secret; kept otherwise. */
	res = ctl_query(conn,
			"UPDATE service SET"
			" email = CASE WHEN $2::boolean THEN $3 ELSE email END,"
			" webhook_url = CASE WHEN $4::boolean THEN $5 ELSE webhook_url END,"
			" webhook_secret = CASE"
			"   WHEN ($4::boolean AND $5 IS NULL)"
			"     OR (NOT $4::boolean AND webhook_url IS NULL) THEN NULL"
			"   WHEN webhook_secret IS NULL OR $7::boolean THEN $6"
			"   ELSE webhook_secret END"
			" WHERE code = $1"
			" RETURNING webhook_secret IS NOT DISTINCT FROM $6 AND webhook_url IS NOT NULL,"
			"  coalesce(email, '-'), coalesce(webhook_url, '-')",
			7, params);
	if (!res)
		return 1;
	if (PQntuples(res) == 0) {
		fprintf(stderr, "dmrctl: no service has code %s\n", r.code);
		rc = 1;
	} else {
		fprintf(stderr, "service %s: e-mail %s, webhook %s\n", r.code, PQgetvalue(res, 0, 1),
			PQgetvalue(res, 0, 2));
		if (PQgetvalue(res, 0, 0)[0] == 't') {
			fprintf(stderr, "its new webhook secret, shown once:\n");
			printf("%s\n", secret);
		}
	}
	PQclear(res);
	return rc;
}
