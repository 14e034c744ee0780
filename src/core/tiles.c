#include "core/tiles.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/text.h"
#include "db/statements.h"

/* Slots of the cache: a tile goes to the slot of its key's fingerprint, replacing another. */
enum { CACHE_SLOTS = 2048 };

struct cache_entry {
	char *key;         /* NULL: an empty slot */
	long long version; /* of the data the tile was made from */
	double made;       /* monotonic seconds */
	struct tile tile;
};

struct tile_cache {
	pthread_mutex_t lock;
	struct cache_entry slots[CACHE_SLOTS];
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tile_free(struct tile *t)
{
	free(t->data);
	t->data = NULL;
	t->size = 0;
}

static bool tile_copy(struct tile *to, const struct tile *from)
{
	*to = *from;
	to->data = NULL;
	if (!from->size)
		return true;
	to->data = malloc(from->size);
	if (!to->data)
		return false;
	memcpy(to->data, from->data, from->size);
	return true;
}

struct tile_cache *tile_cache_create(void)
{
	struct tile_cache *cache = calloc(1, sizeof *cache);

	if (cache && pthread_mutex_init(&cache->lock, NULL)) {
		free(cache);
		return NULL;
	}
	return cache;
}

void tile_cache_destroy(struct tile_cache *cache)
{
	if (!cache)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		free(cache->slots[i].key);
		tile_free(&cache->slots[i].tile);
	}
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

static struct cache_entry *slot_of(struct tile_cache *cache, const char *key)
{
	return &cache->slots[text_fingerprint(key, strlen(key)) % CACHE_SLOTS];
}

/* A copy of the tile cached under key, made from version and still fresh; false when none. */
static bool cache_get(struct tile_cache *cache, const char *key, long long version,
		      struct tile *out)
{
	struct cache_entry *e;
	bool found;

	pthread_mutex_lock(&cache->lock);
	e = slot_of(cache, key);
	found = e->key && !strcmp(e->key, key) && e->version == version &&
		now_seconds() - e->made < TILE_CACHE_SECONDS && tile_copy(out, &e->tile);
	pthread_mutex_unlock(&cache->lock);
	return found;
}

/* Keeps a copy of t under key and version; when memory runs short, the cache keeps nothing. */
static void cache_put(struct tile_cache *cache, const char *key, long long version,
		      const struct tile *t)
{
	struct cache_entry fresh = {.version = version, .made = now_seconds()};
	struct cache_entry *e, old;

	fresh.key = strdup(key);
	if (!fresh.key || !tile_copy(&fresh.tile, t)) {
		free(fresh.key);
		return;
	}
	pthread_mutex_lock(&cache->lock);
	e = slot_of(cache, key);
	old = *e;
	*e = fresh;
	pthread_mutex_unlock(&cache->lock);
	free(old.key);
	tile_free(&old.tile);
}

bool tile_address_check(const struct tile_address *t, struct dmr_error *err)
{
	long long n;

	if (t->z < 0 || t->z > TILE_ZOOM_MAX)
		return dmr_fail(err, "invalid_parameter", "z", "z must be between 0 and %d",
				TILE_ZOOM_MAX);
	n = 1LL << t->z;
	if (t->x < 0 || t->x >= n)
		return dmr_fail(err, "invalid_parameter", "x",
				"x must be between 0 and %lld at zoom %lld", n - 1, t->z);
	if (t->y < 0 || t->y >= n)
		return dmr_fail(err, "invalid_parameter", "y",
				"y must be between 0 and %lld at zoom %lld", n - 1, t->z);
	return true;
}

/* Runs the statement that makes a tile (one bytea, in binary form) into out. */
static bool make_tile(struct db_pool *pool, PGconn *conn, int stmt, const char *const *values,
		      struct tile *out, struct dmr_error *err)
{
	struct db_params params = {.values = values};
	PGresult *res = db_run_binary(pool, conn, stmt, &params, true, err);
	int len;

	if (!res)
		return false;
	len = PQgetlength(res, 0, 0);
	out->data = len > 0 ? malloc((size_t)len) : NULL;
	if (len > 0 && !out->data) {
		PQclear(res);
		return dmr_fail(err, "out_of_memory", NULL, "out of memory for a tile");
	}
	if (len > 0)
		memcpy(out->data, PQgetvalue(res, 0, 0), (size_t)len);
	out->size = (size_t)len;
	PQclear(res);
	return true;
}

/* The tile made by stmt, from the cache when it holds one of key made from version. */
static bool cached_tile(struct db_pool *pool, PGconn *conn, struct tile_cache *cache,
			const char *key, long long version, int stmt, const char *const *values,
			struct tile *out, struct dmr_error *err)
{
	if (cache_get(cache, key, version, out))
		return true;
	if (!make_tile(pool, conn, stmt, values, out, err))
		return false;
	cache_put(cache, key, version, out);
	return true;
}

/* What a cached tile is made from: a kind, the statement's values, the staff flag. */
static bool cache_key(struct buf *key, char kind, const char *const *values, int from, int to,
		      bool staff, struct dmr_error *err)
{
	char head[4] = {kind, staff ? 's' : 'p', '\0'};

	buf_puts(key, head);
	for (int i = from; i < to; i++) {
		buf_puts(key, "\x1f");
		buf_puts(key, values[i] ? values[i] : "\x1e");
	}
	if (key->failed)
		return dmr_fail(err, "out_of_memory", NULL, "out of memory for a tile");
	return true;
}

static void etag_of(struct tile *t, const char *text, size_t len)
{
	snprintf(t->etag, sizeof t->etag, "\"%016" PRIx64 "\"", text_fingerprint(text, len));
}

/* A cluster tile: the caller's class (staff or public) and the data's version first. */
static bool cluster_tile(struct db_pool *pool, PGconn *conn, struct tile_cache *cache,
			 const char *const *values, int nvalues, struct tile *out,
			 struct dmr_error *err)
{
	PGresult *res = db_run(pool, conn, STMT_TILE_STATE, values, err);
	struct buf key = {0};
	long long version;
	bool staff, ok;

	if (!res)
		return false;
	staff = PQgetvalue(res, 0, 0)[0] == 't';
	version = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	ok = cache_key(&key, 'r', values, 1, nvalues, staff, err) &&
	     cached_tile(pool, conn, cache, key.s, version, STMT_TILE_REPORTS, values, out, err);
	buf_free(&key);
	return ok;
}

/* The address's three numbers as statement parameters, after the first `at` ones. */
static void address_params(const struct tile_address *t, char text[3][24], const char **values,
			   int at)
{
	snprintf(text[0], sizeof text[0], "%lld", t->z);
	snprintf(text[1], sizeof text[1], "%lld", t->x);
	snprintf(text[2], sizeof text[2], "%lld", t->y);
	for (int i = 0; i < 3; i++)
		values[at + i] = text[i];
}

bool tiles_reports(struct db_pool *pool, struct tile_cache *cache, const struct report_filter *f,
		   const struct tile_address *t, struct tile *out, struct dmr_error *err)
{
	enum { NVALUES = REPORT_FILTER_NPARAMS + 3 };
	struct report_filter_text text;
	char numbers[3][24];
	const char *values[NVALUES];
	PGconn *conn;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!tile_address_check(t, err) || !report_filter_check(f, err))
		return false;
	report_filter_params(f, &text, values);
	address_params(t, numbers, values, REPORT_FILTER_NPARAMS);
	conn = db_acquire(pool, err);
	if (!conn)
		return false;
	ok = t->z >= TILE_POINTS_ZOOM
		     ? make_tile(pool, conn, STMT_TILE_REPORTS, values, out, err)
		     : cluster_tile(pool, conn, cache, values, NVALUES, out, err);
	db_release(pool, conn);
	if (!ok)
		return false;
	etag_of(out, out->data ? out->data : "", out->size);
	out->personal = f->token != NULL;
	return true;
}

bool tiles_areas(struct db_pool *pool, struct tile_cache *cache, const char *service,
		 const struct tile_address *t, struct tile *out, struct dmr_error *err)
{
	char numbers[3][24];
	const char *values[4] = {service};
	struct buf key = {0};
	PGresult *res;
	PGconn *conn;
	long long version = 0;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!tile_address_check(t, err))
		return false;
	address_params(t, numbers, values, 1);
	conn = db_acquire(pool, err);
	if (!conn)
		return false;
	res = db_run(pool, conn, STMT_TILE_REFERENCE_VERSION, NULL, err);
	ok = res != NULL;
	if (ok) {
		version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		ok = cache_key(&key, 'a', values, 0, 4, false, err) &&
		     cached_tile(pool, conn, cache, key.s, version, STMT_TILE_AREAS, values, out,
				 err);
	}
	db_release(pool, conn);
	if (ok) {
		char version_text[24];

		snprintf(version_text, sizeof version_text, "\x1d%lld", version);
		buf_puts(&key, version_text);
		etag_of(out, key.s, key.len);
	}
	buf_free(&key);
	return ok;
}
