#ifndef DMR_WEB_STATIC_H
#define DMR_WEB_STATIC_H

/*
 * The static files of the web pages (stylesheets, scripts, images, fonts): the files under
 * <DMR_SHARE_DIR>/web, served at /static/<their path below web/>.
 *
 * They are read once, at start: the regular files of that tree (no link is followed, no
 * dot-file is taken), at most STATIC_MAX_FILES of them and STATIC_MAX_BYTES in all, each with
 * its content type (by its extension) and the SHA-256 of its bytes as a strong ETag. A
 * request names one of them or gets 404: no path from a request ever reaches the file
 * system, so no path can walk out of the tree. A fingerprinted file, whose name carries at
 * least 8 hexadecimal digits before its extension ("app.3f9a1c2b.js"), never changes: it is
 * cached for a year (immutable); any other for 5 minutes, then revalidated (304).
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "http/server.h"

#define STATIC_MAX_FILES 4096
#define STATIC_MAX_BYTES (256u << 20)

struct static_files;

/* Reads the tree (a missing folder is an empty tree); NULL with err past the limits. */
struct static_files *static_files_load(const char *dir, struct dmr_error *err);
void static_files_free(struct static_files *files);

/* How many files were read, and their bytes. */
size_t static_files_count(const struct static_files *files);
size_t static_files_bytes(const struct static_files *files);

/* Whether the tree holds the file at this path below web/ ("vendor/lib/lib.js"). */
bool static_files_has(const struct static_files *files, const char *path);

/* The door /static: it serves the files of the app's `static_files`. */
extern const struct http_mount static_mount;

#endif
