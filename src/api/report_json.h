#ifndef DMR_API_REPORT_JSON_H
#define DMR_API_REPORT_JSON_H

/* The public report of the native API as JSON, and the GeoJSON Feature that carries it. */

#include <jansson.h>

#include "core/report.h"

json_t *report_json(const struct report_view *v);
json_t *report_feature(const struct report_view *v);

/* {"code":..,"name":..} or JSON null when code is NULL. */
json_t *code_name_json(const char *code, const char *name);

/* {"rule":..,"distance_m":..|null}. */
json_t *routing_json(const char *rule, bool has_distance, double distance_m);

#endif
