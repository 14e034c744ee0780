#ifndef DMR_API_MEDIA_H
#define DMR_API_MEDIA_H

/*
 * The photos, /photos/<sha256>.jpg and /photos/<sha256>_thumb.jpg: named by their content, so
 * what a URL answers never changes and caches keep it for a year.
 */

#include "http/server.h"

bool api_photo_get(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* The door: /photos, JSON errors, CORS open to every origin. */
extern const struct http_mount api_media_mount;

#endif
