#ifndef DMR_CORE_REPORT_JSON_H
#define DMR_CORE_REPORT_JSON_H

/*
 * The public report as JSON, and the GeoJSON Feature that carries it: the form of the native
 * API, which the notifications to services and contractors carry too.
 */

#include <jansson.h>
#include <libpq-fe.h>

#include "core/report.h"

json_t *report_json(const struct report_view *v);
json_t *report_feature(const struct report_view *v);

/* The name of a channel letter as the API writes it: "web", "android", "open311"... */
const char *report_channel_name(char letter);

/* {"code":..,"name":..} or JSON null when code is NULL. */
json_t *code_name_json(const char *code, const char *name);

/* A JSON string, or JSON null when s is NULL. */
json_t *json_text_or_null(const char *s);

/* {"id":..,"number":..}, or JSON null when id is 0: the original of a duplicate. */
json_t *report_ref_json(long long id, const char *number);

/* {"code":..|null,"label":..}, or JSON null when label is NULL: a rejection reason. */
json_t *reason_json(const char *code, const char *label);

/* {"rule":..,"distance_m":..|null}. */
json_t *routing_json(const char *rule, bool has_distance, double distance_m);

#endif
