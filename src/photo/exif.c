#include "photo/exif.h"

#include <math.h>
#include <string.h>

#include <libexif/exif-data.h>

/*
 * Rational number i of entry e, or NAN when missing or divided by zero. Some phones write the
 * GPS triples as SRATIONAL instead of RATIONAL; both are read.
 */
static double rational_at(const ExifEntry *e, ExifByteOrder order, unsigned long i)
{
	if (!e || e->components <= i || e->size < (i + 1) * 8)
		return NAN;
	if (e->format == EXIF_FORMAT_RATIONAL) {
		ExifRational r = exif_get_rational(e->data + i * 8, order);

		return r.denominator == 0 ? NAN : (double)r.numerator / r.denominator;
	}
	if (e->format == EXIF_FORMAT_SRATIONAL) {
		ExifSRational r = exif_get_srational(e->data + i * 8, order);

		return r.denominator == 0 ? NAN : (double)r.numerator / r.denominator;
	}
	return NAN;
}

/*
 * Degrees from the GPS triple (degrees, minutes, seconds), as a magnitude: the hemisphere is in
 * the reference letter. NAN when unreadable. Some writers give only degrees, or degrees and
 * decimal minutes.
 */
static double gps_degrees(const ExifEntry *e, ExifByteOrder order)
{
	double d = rational_at(e, order, 0), m = rational_at(e, order, 1),
	       s = rational_at(e, order, 2);

	if (isnan(d) || m < 0 || s < 0)
		return NAN;
	return fabs(d) + (isnan(m) ? 0 : m / 60) + (isnan(s) ? 0 : s / 3600);
}

/* The first letter of an ASCII entry ('N', 'S', 'E', 'W'), or 0. */
static char ref_letter(const ExifEntry *e)
{
	if (!e || e->format != EXIF_FORMAT_ASCII || e->size < 1)
		return 0;
	return (char)e->data[0];
}

static void read_gps(ExifData *ed, struct exif_facts *facts)
{
	ExifContent *gps = ed->ifd[EXIF_IFD_GPS];
	ExifByteOrder order = exif_data_get_byte_order(ed);
	char lat_ref, lon_ref;
	double lat, lon;

	if (!gps)
		return;
	lat_ref = ref_letter(exif_content_get_entry(gps, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF));
	lon_ref = ref_letter(exif_content_get_entry(gps, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF));
	lat = gps_degrees(exif_content_get_entry(gps, (ExifTag)EXIF_TAG_GPS_LATITUDE), order);
	lon = gps_degrees(exif_content_get_entry(gps, (ExifTag)EXIF_TAG_GPS_LONGITUDE), order);
	if ((lat_ref != 'N' && lat_ref != 'S') || (lon_ref != 'E' && lon_ref != 'W'))
		return;
	if (!(lat >= 0 && lat <= 90 && lon >= 0 && lon <= 180))
		return; /* also refuses NAN */
	/* Cameras without a fix often write an all-zero position: that is no position. */
	if (lat == 0 && lon == 0)
		return;
	facts->has_gps = true;
	facts->lat = lat_ref == 'S' ? -lat : lat;
	facts->lon = lon_ref == 'W' ? -lon : lon;
}

static void read_orientation(ExifData *ed, struct exif_facts *facts)
{
	ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	int value;

	if (!e || e->format != EXIF_FORMAT_SHORT || e->components < 1 || e->size < 2)
		return;
	value = exif_get_short(e->data, exif_data_get_byte_order(ed));
	if (value >= 1 && value <= 8)
		facts->orientation = value;
}

void exif_read(const unsigned char *app1, size_t len, struct exif_facts *facts)
{
	static const unsigned char header[6] = {'E', 'x', 'i', 'f', 0, 0};
	ExifData *ed;

	memset(facts, 0, sizeof *facts);
	facts->orientation = 1;
	if (!app1 || len <= sizeof header || memcmp(app1, header, sizeof header) != 0)
		return;
	ed = exif_data_new();
	if (!ed)
		return;
	/* Read only: FOLLOW_SPECIFICATION would add and "fix" entries we then ignore. */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, app1, (unsigned int)len);
	read_orientation(ed, facts);
	read_gps(ed, facts);
	exif_data_unref(ed);
}
