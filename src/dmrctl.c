/*
 * dmrctl: the administrator's tool. Connects to DMR_DATABASE and finds the schema and the
 * Paris data under DMR_SHARE_DIR (see base/config.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "ctl/ctl.h"
#include "db/pool.h"

static const char usage[] =
	"usage: dmrctl COMMAND [ARGS]\n"
	"\n"
	"  migrate                      apply the schema migrations not applied yet, then every\n"
	"                               function file again; drop the dmr_ functions they no\n"
	"                               longer define\n"
	"  load-paris                   load the Paris areas, services, categories, sectors,\n"
	"                               park overrides, addresses, then the parks and their\n"
	"                               sectors\n"
	"  load-reference [DIR]         load services.csv, categories.csv, sectors.csv,\n"
	"                               category_area_overrides.csv\n"
	"                               (default DIR: $DMR_SHARE_DIR/geo)\n"
	"  load-addresses FILE          replace the addresses with those of a Base Adresse\n"
	"                               Nationale CSV export (gzipped or not)\n"
	"  load-geo FILE --kind KIND [--service CODE]\n"
	"                               load GeoJSON polygons; KIND is arrondissement, quartier,\n"
	"                               conseil_quartier or sector\n"
	"  load-parks FILE.shp.zip [--service CODE]\n"
	"                               load the City's green spaces (a zipped shapefile) as\n"
	"                               parks, and the sectors of the parks service's\n"
	"                               workshops (default CODE: DEVE)\n"
	"  token create --role ROLE --name NAME [--service CODE]... [--expires-days DAYS]\n"
	"                               create an API token (printed once); ROLE is agent or\n"
	"                               contractor (with their services), supervisor, admin,\n"
	"                               or client (an Open311 application)\n"
	"  token list                   list the tokens (never their secret)\n"
	"  token revoke ID              revoke a token at once\n"
	"  service notify CODE [--email ADDRESS | --no-email] [--webhook URL | --no-webhook]\n"
	"                 [--new-secret]\n"
	"                               where a service hears of its reports; a webhook's\n"
	"                               secret is printed once, when it is made\n"
	"  housekeeping                 delete what expired: idempotency keys (24 h), e-mails\n"
	"                               held and follows unconfirmed for 7 days (dmrd does it\n"
	"                               every DMR_HOUSEKEEPING_SECONDS)\n"
	"  fill-places [--batch N]      give the reports stored before places existed their\n"
	"                               address, quartier and park, N a transaction (2000)\n"
	"\n"
	"environment: DMR_DATABASE (libpq conninfo), DMR_SHARE_DIR (folder holding sql/ and geo/)\n";

int main(int argc, char **argv)
{
	struct dmr_config cfg;
	struct dmr_error err;
	const char *command;
	char geo_dir[4096];
	PGconn *conn;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!config_from_env(&cfg, &err)) {
		fprintf(stderr, "dmrctl: %s\n", err.message);
		return 2;
	}
	command = argv[1];
	if (strcmp(command, "migrate") && strcmp(command, "load-paris") &&
	    strcmp(command, "load-reference") && strcmp(command, "load-geo") &&
	    strcmp(command, "load-parks") &&
	    strcmp(command, "load-addresses") &&
	    strcmp(command, "token") && strcmp(command, "service") &&
	    strcmp(command, "housekeeping") && strcmp(command, "fill-places")) {
		fprintf(stderr, "dmrctl: unknown command '%s'\n\n%s", command, usage);
		return 2;
	}
	if (strcmp(command, "load-addresses") == 0 && argc != 3) {
		fputs("usage: dmrctl load-addresses FILE\n", stderr);
		return 2;
	}
	conn = db_connect(cfg.database, &err);
	if (!conn) {
		fprintf(stderr, "dmrctl: cannot connect to the database (DMR_DATABASE)\n");
		return 1;
	}
	/*
	 * The server's 15 s bound keeps a stuck query from holding a worker thread; an
	 * operator's load or migration is long by nature (the addresses took more than 15 s on
	 * a busy machine), and dmrctl has no thread to protect.
	 */
	PQclear(PQexec(conn, "SET statement_timeout = 0"));
	snprintf(geo_dir, sizeof geo_dir, "%s/geo", cfg.share_dir);
	if (strcmp(command, "migrate") == 0)
		rc = ctl_migrate(conn, cfg.share_dir);
	else if (strcmp(command, "load-paris") == 0)
		rc = ctl_load_paris(conn, cfg.share_dir);
	else if (strcmp(command, "load-addresses") == 0)
		rc = ctl_load_addresses(conn, argv[2]);
	else if (strcmp(command, "load-reference") == 0)
		rc = ctl_load_reference(conn, argc > 2 ? argv[2] : geo_dir);
	else if (strcmp(command, "load-parks") == 0)
		rc = ctl_load_parks(conn, argc - 2, argv + 2);
	else if (strcmp(command, "token") == 0)
		rc = ctl_token(conn, argc - 2, argv + 2);
	else if (strcmp(command, "service") == 0)
		rc = ctl_service(conn, argc - 2, argv + 2);
	else if (strcmp(command, "housekeeping") == 0)
		rc = ctl_housekeeping(conn);
	else if (strcmp(command, "fill-places") == 0)
		rc = ctl_fill_places(conn, argc - 2, argv + 2);
	else
		rc = ctl_load_geo(conn, argc - 2, argv + 2);
	PQfinish(conn);
	return rc;
}
