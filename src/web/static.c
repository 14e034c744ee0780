#include "web/static.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/app.h"
#include "base/text.h"

#define FILE_CACHE "public, max-age=300"
#define FINGERPRINTED_CACHE "public, max-age=31536000, immutable"

struct static_file {
	char *path; /* below the tree, "css/app.css" */
	char *bytes;
	size_t len;
	const char *type;
	char etag[TEXT_SHA256_HEX_SIZE + 2];
	bool fingerprinted;
};

struct static_files {
	struct static_file *files;
	size_t count, cap, bytes;
};

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
	{".json", "application/json"},          {".map", "application/json"},
	{".txt", "text/plain; charset=utf-8"},  {".svg", "image/svg+xml"},
	{".png", "image/png"},                  {".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},                {".webp", "image/webp"},
	{".ico", "image/x-icon"},               {".woff2", "font/woff2"},
	{".woff", "font/woff"},                 {".pbf", "application/x-protobuf"},
	{".wasm", "application/wasm"},
};

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static bool lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "app.3f9a1c2b.js": at least 8 hexadecimal digits between the last two dots of the name. */
static bool fingerprinted(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *ext = strrchr(name, '.');
	const char *start = ext;

	if (!ext)
		return false;
	while (start > name && lower_hex(start[-1]))
		start--;
	return ext - start >= 8 && start > name && start[-1] == '.';
}

static bool add_file(struct static_files *f, const char *path, char *bytes, size_t len,
		     struct dmr_error *err)
{
	struct static_file *file;

	if (f->count == STATIC_MAX_FILES || f->bytes + len > STATIC_MAX_BYTES) {
		free(bytes);
		return dmr_fail(err, "invalid_config", NULL,
				"web/ holds more than %d files or %u bytes", STATIC_MAX_FILES,
				STATIC_MAX_BYTES);
	}
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		struct static_file *grown = realloc(f->files, cap * sizeof *grown);

		if (!grown) {
			free(bytes);
			return dmr_fail(err, "out_of_memory", NULL, "out of memory");
		}
		f->files = grown;
		f->cap = cap;
	}
	file = &f->files[f->count];
	file->path = strdup(path);
	if (!file->path) {
		free(bytes);
		return dmr_fail(err, "out_of_memory", NULL, "out of memory");
	}
	file->bytes = bytes;
	file->len = len;
	file->type = type_of(path);
	file->fingerprinted = fingerprinted(path);
	file->etag[0] = '"';
	text_sha256_hex(bytes, len, file->etag + 1);
	strcat(file->etag, "\"");
	f->count++;
	f->bytes += len;
	return true;
}

/* The bytes of a regular file opened without following a link; NULL with err. */
static char *read_file(int dirfd, const char *name, size_t *len, struct dmr_error *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *bytes = NULL;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > STATIC_MAX_BYTES || !(bytes = malloc((size_t)st.st_size + 1))) {
		if (fd >= 0)
			close(fd);
		dmr_fail(err, "invalid_config", NULL, "cannot read web/%s", name);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, bytes + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return bytes;
}

/* Reads the regular files below dirfd (whose path below the tree is prefix) into f. */
static bool load_dir(struct static_files *f, int dirfd, const char *prefix, int depth,
		     struct dmr_error *err)
{
	DIR *dir = fdopendir(dirfd);
	struct dirent *e;
	bool ok = dir != NULL && depth < 16;

	while (ok && (e = readdir(dir))) {
		char path[512];
		struct stat st;

		if (e->d_name[0] == '.' || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s%s", prefix, e->d_name) >= sizeof path - 1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			strcat(path, "/");
			ok = sub >= 0 && load_dir(f, sub, path, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			size_t len;
			char *bytes = read_file(dirfd, e->d_name, &len, err);

			ok = bytes && add_file(f, path, bytes, len, err);
		}
	}
	if (dir)
		closedir(dir);
	else
		close(dirfd);
	return ok;
}

struct static_files *static_files_load(const char *dir, struct dmr_error *err)
{
	struct static_files *f = calloc(1, sizeof *f);
	int fd;

	if (!f) {
		dmr_fail(err, "out_of_memory", NULL, "out of memory");
		return NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !load_dir(f, fd, "", 0, err)) {
		static_files_free(f);
		return NULL;
	}
	return f;
}

void static_files_free(struct static_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->files[i].path);
		free(f->files[i].bytes);
	}
	free(f->files);
	free(f);
}

size_t static_files_count(const struct static_files *f)
{
	return f->count;
}

size_t static_files_bytes(const struct static_files *f)
{
	return f->bytes;
}

static const struct static_file *find(const struct static_files *f, const char *path)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->files[i].path, path) == 0)
			return &f->files[i];
	return NULL;
}

bool static_files_has(const struct static_files *f, const char *path)
{
	return find(f, path) != NULL;
}

static bool get_file(void *app, const struct http_request *req, struct http_response *res,
		     struct dmr_error *err)
{
	struct dmr_app *a = app;
	const struct static_file *file = find(a->static_files, req->params[0]);
	const char *if_none_match = http_header(req, "If-None-Match");

	if (!file)
		return dmr_fail(err, "not_found", NULL, "no such file");
	http_add_header(res, "ETag", file->etag);
	http_add_header(res, "Cache-Control", file->fingerprinted ? FINGERPRINTED_CACHE : FILE_CACHE);
	if (if_none_match && strstr(if_none_match, file->etag)) {
		http_respond_text(res, 304, NULL, "", 0);
		return true;
	}
	http_respond_static(res, 200, file->type, file->bytes, file->len);
	return true;
}

static const struct http_route routes[] = {
	{"GET", "/static/{*}", get_file, false},
};

/* Fonts and scripts may be loaded by pages of other origins (a city's own site). */
static const struct http_cors cors = {"If-None-Match"};

const struct http_mount static_mount = {
	"static", "/static", routes, sizeof routes / sizeof routes[0], http_render_json_error,
	&cors, 4096,
};
