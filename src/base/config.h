#ifndef DMR_BASE_CONFIG_H
#define DMR_BASE_CONFIG_H

/*
 * Process configuration, read once from the environment at start-up and read-only afterwards.
 *
 *   DMR_LISTEN      host:port to listen on            (127.0.0.1:8080; [::1]:8080 for IPv6)
 *   DMR_DATABASE    libpq conninfo or URI             ("dbname=dansmarue")
 *   DMR_THREADS     HTTP event threads                (8)
 *   DMR_DB_POOL     PostgreSQL connections, and handler workers (same as DMR_THREADS)
 *   DMR_MAX_BODY    largest request body, in bytes    (1048576)
 *   DMR_MAX_UPLOAD  largest body carrying photos      (50331648: three 15 MB photos and more)
 *   DMR_PHOTO_THREADS  photo workers, lower priority  (the number of online CPUs)
 *   DMR_SHARE_DIR   folder holding sql/, geo/ and templates/ (the install's datadir/dansmarue)
 *   DMR_ACCESS_LOG  1: a line per request on standard error; 0: none (1)
 *   DMR_HOUSEKEEPING_SECONDS  how often expired keys, held e-mails and unconfirmed follows
 *                   are deleted (600)
 *   DMR_OPEN311_CONTACT  the contact of Open311's discovery ("Dans ma rue, <DMR_PUBLIC_URL>")
 *   DMR_BASEMAP_STYLE  the http(s) URL of a MapLibre style drawn under the map /carte's own
 *                   layers (none: the map shows only this server's tiles, and works offline)
 *   DMR_SESSION_HOURS  how long a staff session of the web pages lasts (12)
 *
 * Notifications (notify/outbox.h):
 *   DMR_PUBLIC_URL  the service's address, for links  (http://<DMR_LISTEN>); http:// or
 *                   https://. Its origin is the one the writes of a session must come from,
 *                   and https makes the session cookie Secure.
 *   DMR_SMTP_URL    smtp://host:port or smtps://...   (none: e-mails wait in the outbox)
 *   DMR_SMTP_FROM   sender, "Name <address>"          ("Dans ma rue <noreply@localhost>")
 *   DMR_SMTP_USER, DMR_SMTP_PASSWORD or DMR_SMTP_PASSWORD_FILE   relay credentials
 *   DMR_SMTP_INSECURE  1: send credentials over smtp:// even without STARTTLS (0)
 *   DMR_PUSH_URL, DMR_PUSH_SECRET   the push gateway  (none: push messages wait)
 *   DMR_NOTIFY_THREADS        delivery threads        (2)
 *   DMR_NOTIFY_TIMEOUT_MS     one delivery, at most   (10000)
 *   DMR_NOTIFY_RETRY_MS       first retry delay       (30000), doubled at each attempt
 *   DMR_NOTIFY_RETRY_MAX_MS   longest retry delay     (21600000: 6 hours)
 *   DMR_NOTIFY_MAX_ATTEMPTS   attempts before a message is dead (12)
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct notify_config {
	char public_url[256];
	const char *smtp_url; /* NULL: no relay */
	const char *smtp_from;
	const char *smtp_user;
	char smtp_password[256]; /* never logged */
	bool smtp_insecure;      /* credentials may cross in plain text (DMR_SMTP_INSECURE=1) */
	const char *push_url;    /* NULL: no push gateway */
	const char *push_secret;
	int threads;
	int timeout_ms;
	int retry_ms;
	int retry_max_ms;
	int max_attempts;
};

struct dmr_config {
	char listen_host[64];
	unsigned short listen_port;
	const char *database;
	int threads;
	int db_pool;
	size_t max_body;
	size_t max_upload;
	int photo_threads;
	int housekeeping_seconds;
	bool access_log;
	char open311_contact[512];
	const char *basemap_style; /* NULL: none */
	char basemap_origin[256];  /* its origin (config_origin_of), for the map's policy */
	int session_hours;
	/*
	 * DMR_PUBLIC_URL's origin, "scheme://host[:port]" in lower case without a default port;
	 * empty when DMR_PUBLIC_URL is not set (each request's Host then names the service).
	 */
	char origin[256];
	bool secure_cookies; /* DMR_PUBLIC_URL is https */
	const char *share_dir;
	struct notify_config notify;
};

/* Fills cfg from the environment; on a malformed value, fills err (field = variable name). */
bool config_from_env(struct dmr_config *cfg, struct dmr_error *err);

/*
 * The origin of an http:// or https:// URL, as a browser's Origin header writes it: the
 * scheme and the authority in lower case, without the default port (80, 443), path or query.
 * False for another scheme, an empty host, user information or a result longer than size.
 */
bool config_origin_of(const char *url, char *out, size_t size);

/* Splits "host:port" or "[v6]:port". */
bool config_parse_listen(const char *s, char *host, size_t host_size, unsigned short *port);

#endif
