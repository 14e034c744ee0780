#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef DMR_DEFAULT_SHARE_DIR
#define DMR_DEFAULT_SHARE_DIR "/usr/local/share/dansmarue"
#endif

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static bool parse_long_in(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool env_long(const char *name, long fallback, long min, long max, long *out,
		     struct dmr_error *err)
{
	const char *v = getenv(name);

	*out = fallback;
	if (!v || !*v)
		return true;
	if (!parse_long_in(v, min, max, out))
		return dmr_fail(err, "invalid_config", name, "%s must be an integer in [%ld, %ld]",
				name, min, max);
	return true;
}

bool config_parse_listen(const char *s, char *host, size_t host_size, unsigned short *port)
{
	const char *colon;
	const char *host_start = s;
	size_t host_len;
	long p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return false;
		host_start = s + 1;
		host_len = (size_t)(close - host_start);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		host_len = (size_t)(colon - s);
	}
	if (host_len == 0 || host_len >= host_size || !parse_long_in(colon + 1, 1, 65535, &p))
		return false;
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	*port = (unsigned short)p;
	return true;
}

/*
 * DMR_BASEMAP_STYLE goes into the map page and its Content-Security-Policy: an http(s) URL of
 * visible ASCII, without what could end an HTML attribute or a CSP directive.
 */
static bool basemap_from_env(struct dmr_config *cfg, struct dmr_error *err)
{
	const char *url = env_or("DMR_BASEMAP_STYLE", NULL);
	bool ok;

	cfg->basemap_style = url;
	cfg->basemap_origin[0] = '\0';
	if (!url)
		return true;
	ok = strlen(url) <= 2000 &&
	     config_origin_of(url, cfg->basemap_origin, sizeof cfg->basemap_origin);
	for (const char *c = url; ok && *c; c++)
		ok = *c > ' ' && *c <= '~' && !strchr("\"'<>;,`\\", *c);
	if (!ok)
		return dmr_fail(err, "invalid_config", "DMR_BASEMAP_STYLE",
				"DMR_BASEMAP_STYLE must be an http:// or https:// URL of printable "
				"ASCII without spaces, quotes, angle brackets, backslashes, ';' or ','");
	return true;
}

bool config_origin_of(const char *url, char *out, size_t size)
{
	static const struct {
		const char *scheme, *default_port;
	} schemes[] = {{"http://", ":80"}, {"https://", ":443"}};

	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t len = strlen(schemes[i].scheme), port = strlen(schemes[i].default_port);
		const char *authority = url + len;
		size_t n;

		if (strncasecmp(url, schemes[i].scheme, len) != 0)
			continue;
		n = strcspn(authority, "/?#");
		if (n > port && strncmp(authority + n - port, schemes[i].default_port, port) == 0)
			n -= port;
		if (n == 0 || memchr(authority, '@', n) || len + n >= size)
			return false;
		memcpy(out, schemes[i].scheme, len);
		for (size_t c = 0; c < n; c++)
			out[len + c] = (char)tolower((unsigned char)authority[c]);
		out[len + n] = '\0';
		return true;
	}
	return false;
}

/* The first line of a file, without its line end: secrets are kept out of the environment. */
static bool read_secret_file(const char *path, char *out, size_t size, struct dmr_error *err)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return dmr_fail(err, "invalid_config", "DMR_SMTP_PASSWORD_FILE",
				"cannot read DMR_SMTP_PASSWORD_FILE");
	ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

static bool notify_from_env(struct dmr_config *cfg, struct dmr_error *err)
{
	struct notify_config *n = &cfg->notify;
	const char *password_file = env_or("DMR_SMTP_PASSWORD_FILE", NULL);
	long threads, timeout, retry, retry_max, attempts, insecure;

	if (!env_long("DMR_SMTP_INSECURE", 0, 0, 1, &insecure, err))
		return false;
	if (!env_long("DMR_NOTIFY_THREADS", 2, 1, 64, &threads, err) ||
	    !env_long("DMR_NOTIFY_TIMEOUT_MS", 10000, 100, 600000, &timeout, err) ||
	    !env_long("DMR_NOTIFY_RETRY_MS", 30000, 10, 86400000, &retry, err) ||
	    !env_long("DMR_NOTIFY_RETRY_MAX_MS", 21600000, 10, 604800000, &retry_max, err) ||
	    !env_long("DMR_NOTIFY_MAX_ATTEMPTS", 12, 1, 100, &attempts, err))
		return false;
	n->threads = (int)threads;
	n->timeout_ms = (int)timeout;
	n->retry_ms = (int)retry;
	n->retry_max_ms = (int)retry_max;
	n->max_attempts = (int)attempts;
	n->smtp_insecure = insecure == 1;
	snprintf(n->public_url, sizeof n->public_url, "%s",
		 env_or("DMR_PUBLIC_URL", ""));
	if (!n->public_url[0])
		snprintf(n->public_url, sizeof n->public_url, "http://%s:%u", cfg->listen_host,
			 cfg->listen_port);
	if (n->public_url[strlen(n->public_url) - 1] == '/')
		n->public_url[strlen(n->public_url) - 1] = '\0';
	n->smtp_url = env_or("DMR_SMTP_URL", NULL);
	n->smtp_from = env_or("DMR_SMTP_FROM", "Dans ma rue <noreply@localhost>");
	n->smtp_user = env_or("DMR_SMTP_USER", NULL);
	snprintf(n->smtp_password, sizeof n->smtp_password, "%s",
		 env_or("DMR_SMTP_PASSWORD", ""));
	if (password_file &&
	    !read_secret_file(password_file, n->smtp_password, sizeof n->smtp_password, err))
		return false;
	n->push_url = env_or("DMR_PUSH_URL", NULL);
	n->push_secret = env_or("DMR_PUSH_SECRET", NULL);
	if (n->push_url && !n->push_secret)
		return dmr_fail(err, "invalid_config", "DMR_PUSH_SECRET",
				"DMR_PUSH_URL needs DMR_PUSH_SECRET, the key of its signatures");
	return true;
}

/* The staff sessions of the web pages: how long they last, whose writes they accept. */
static bool session_from_env(struct dmr_config *cfg, struct dmr_error *err)
{
	const char *public_url = env_or("DMR_PUBLIC_URL", NULL);
	long hours;

	if (!env_long("DMR_SESSION_HOURS", 12, 1, 720, &hours, err))
		return false;
	cfg->session_hours = (int)hours;
	if (public_url && !config_origin_of(public_url, cfg->origin, sizeof cfg->origin))
		return dmr_fail(err, "invalid_config", "DMR_PUBLIC_URL",
				"DMR_PUBLIC_URL must be an http:// or https:// URL");
	cfg->secure_cookies = strncmp(cfg->origin, "https:", 6) == 0;
	return true;
}

bool config_from_env(struct dmr_config *cfg, struct dmr_error *err)
{
	const char *listen = env_or("DMR_LISTEN", "127.0.0.1:8080");
	long threads, pool, max_body, max_upload, photo_threads, housekeeping, access_log;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof *cfg);
	if (!config_parse_listen(listen, cfg->listen_host, sizeof cfg->listen_host,
				 &cfg->listen_port))
		return dmr_fail(err, "invalid_config", "DMR_LISTEN",
				"DMR_LISTEN must be host:port, got '%s'", listen);
	if (!env_long("DMR_THREADS", 8, 1, 1024, &threads, err))
		return false;
	if (!env_long("DMR_DB_POOL", threads, 1, 1024, &pool, err))
		return false;
	if (!env_long("DMR_MAX_BODY", 1L << 20, 1024, 1L << 30, &max_body, err))
		return false;
	if (!env_long("DMR_MAX_UPLOAD", 48L << 20, 1024, 1L << 30, &max_upload, err))
		return false;
	if (!env_long("DMR_PHOTO_THREADS", cpus > 0 ? cpus : 1, 1, 256, &photo_threads, err))
		return false;
	if (!env_long("DMR_HOUSEKEEPING_SECONDS", 600, 1, 86400, &housekeeping, err))
		return false;
	cfg->housekeeping_seconds = (int)housekeeping;
	if (!env_long("DMR_ACCESS_LOG", 1, 0, 1, &access_log, err))
		return false;
	cfg->access_log = access_log == 1;
	cfg->photo_threads = (int)photo_threads;
	cfg->threads = (int)threads;
	cfg->max_upload = (size_t)max_upload;
	cfg->db_pool = (int)pool;
	cfg->max_body = (size_t)max_body;
	cfg->database = env_or("DMR_DATABASE", "dbname=dansmarue");
	cfg->share_dir = env_or("DMR_SHARE_DIR", DMR_DEFAULT_SHARE_DIR);
	if (!notify_from_env(cfg, err) || !session_from_env(cfg, err))
		return false;
	snprintf(cfg->open311_contact, sizeof cfg->open311_contact, "%s",
		 env_or("DMR_OPEN311_CONTACT", ""));
	if (!cfg->open311_contact[0])
		snprintf(cfg->open311_contact, sizeof cfg->open311_contact, "Dans ma rue, %s",
			 cfg->notify.public_url);
	return basemap_from_env(cfg, err);
}
