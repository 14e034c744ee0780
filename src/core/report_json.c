#include "core/report_json.h"

#include <stdio.h>
#include <string.h>

const char *report_channel_name(char letter)
{
	switch (letter) {
	case CHANNEL_ANDROID:
		return "android";
	case CHANNEL_IOS:
		return "ios";
	case CHANNEL_WEB:
		return "web";
	case CHANNEL_OPEN311:
		return "open311";
	default:
		return "back_office";
	}
}

json_t *code_name_json(const char *code, const char *name)
{
	if (!code)
		return json_null();
	return json_pack("{s:s, s:s}", "code", code, "name", name ? name : "");
}

json_t *routing_json(const char *rule, bool has_distance, double distance_m)
{
	return json_pack("{s:s, s:o}", "rule", rule,
			 "distance_m", has_distance ? json_real(distance_m) : json_null());
}

/* {"close": {"url": .., "thumbnail_url": ..}, ...} from "view:sha256" pairs. */
static json_t *photos_json(const char *pairs)
{
	json_t *photos = json_object();

	while (pairs && *pairs) {
		size_t len = strcspn(pairs, ",");
		const char *colon = memchr(pairs, ':', len);

		if (colon) {
			char view[16], sha[80], url[128], thumb[128];

			snprintf(view, sizeof view, "%.*s", (int)(colon - pairs), pairs);
			snprintf(sha, sizeof sha, "%.*s", (int)(pairs + len - colon - 1), colon + 1);
			snprintf(url, sizeof url, "/photos/%s.jpg", sha);
			snprintf(thumb, sizeof thumb, "/photos/%s_thumb.jpg", sha);
			json_object_set_new(photos, view, json_pack("{s:s, s:s}", "url", url,
								    "thumbnail_url", thumb));
		}
		pairs += len;
		if (*pairs == ',')
			pairs++;
	}
	return photos;
}

json_t *json_text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *report_ref_json(long long id, const char *number)
{
	if (!id)
		return json_null();
	return json_pack("{s:I, s:s}", "id", (json_int_t)id, "number", number ? number : "");
}

json_t *reason_json(const char *code, const char *label)
{
	if (!label)
		return json_null();
	return json_pack("{s:o, s:s}", "code", json_text_or_null(code), "label", label);
}

/* The lifecycle members: dates, deadline, followers, duplicate and rejection. */
static void add_lifecycle(json_t *o, const struct report_view *v)
{
	json_object_set_new(o, "version", json_integer(v->version));
	json_object_set_new(o, "expected_at", json_string(v->expected_at));
	json_object_set_new(o, "overdue", json_boolean(v->overdue));
	json_object_set_new(o, "acknowledged_at", json_text_or_null(v->acknowledged_at));
	json_object_set_new(o, "scheduled_for", json_text_or_null(v->scheduled_for));
	json_object_set_new(o, "resolved_at", json_text_or_null(v->resolved_at));
	json_object_set_new(o, "followers", json_integer(v->followers));
	json_object_set_new(o, "duplicate_of",
			    report_ref_json(v->duplicate_of, v->duplicate_of_number));
	json_object_set_new(o, "rejection", reason_json(v->reject_reason, v->reject_label));
}

/*
 * Where the report is: the label of the nearest address point (null beyond 150 m) and how
 * far it is, the quartier, and the park or wood.
 */
static void add_place(json_t *o, const struct report_view *v)
{
	json_object_set_new(o, "address", json_text_or_null(*v->address ? v->address : NULL));
	json_object_set_new(o, "address_distance_m", v->has_address_distance
				? json_real(v->address_distance_m) : json_null());
	json_object_set_new(o, "quartier", code_name_json(v->quartier_code, v->quartier_name));
	json_object_set_new(o, "park", json_text_or_null(v->park));
}

/* Everything but the position, shared by the JSON report and the GeoJSON properties. */
static json_t *report_properties(const struct report_view *v)
{
	json_t *o = json_pack(
		"{s:I, s:s, s:s, s:{s:i, s:s, s:{s:i, s:s}}, s:o, s:o, s:i, s:i, s:s, s:s,"
		" s:s, s:o, s:o}",
		"id", (json_int_t)v->id, "number", v->number, "status", v->status,
		"category", "id", v->category_id, "label", v->category_label,
		"parent", "id", v->parent_id, "label", v->parent_label,
		"service", code_name_json(v->service_code, v->service_name),
		"sector", code_name_json(v->sector_code, v->sector_name),
		"arrondissement", v->arrondissement, "priority", v->priority,
		"description", v->description,
		"channel", report_channel_name(v->channel), "created_at", v->created_at,
		"photos", photos_json(v->photos),
		"routing", routing_json(v->routing_rule, v->has_routing_distance,
					v->routing_distance_m));

	if (o) {
		add_lifecycle(o, v);
		add_place(o, v);
	}
	if (o && v->has_distance)
		json_object_set_new(o, "distance_m", json_real(v->distance_m));
	return o;
}

json_t *report_json(const struct report_view *v)
{
	json_t *o = report_properties(v);

	if (o) {
		json_object_set_new(o, "lat", json_real(v->lat));
		json_object_set_new(o, "lon", json_real(v->lon));
	}
	return o;
}

json_t *report_feature(const struct report_view *v)
{
	return json_pack("{s:s, s:I, s:{s:s, s:[f, f]}, s:o}", "type", "Feature",
			 "id", (json_int_t)v->id, "geometry", "type", "Point", "coordinates",
			 v->lon, v->lat, "properties", report_properties(v));
}
