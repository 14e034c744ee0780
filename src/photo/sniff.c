#include "photo/sniff.h"

#include <string.h>

/* Names that are not photo formats get a different message. */
static const char VIDEO[] = "an MP4/QuickTime video";
static const char PDF[] = "a PDF document";

static bool starts_with(const unsigned char *data, size_t len, const void *magic, size_t n)
{
	return len >= n && memcmp(data, magic, n) == 0;
}

/* The ISO base media file format (HEIF, AVIF, MP4, QuickTime) opens with a "ftyp" box. */
static const char *iso_bmff_name(const unsigned char *data, size_t len)
{
	static const struct {
		const char brand[5];
		const char *name;
	} brands[] = {
		{"heic", "HEIC"}, {"heix", "HEIC"}, {"heim", "HEIC"}, {"heis", "HEIC"},
		{"hevc", "HEIC"}, {"hevx", "HEIC"}, {"mif1", "HEIF"}, {"msf1", "HEIF"},
		{"avif", "AVIF"}, {"avis", "AVIF"},
	};

	if (len < 12 || memcmp(data + 4, "ftyp", 4) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
		if (memcmp(data + 8, brands[i].brand, 4) == 0)
			return brands[i].name;
	return VIDEO;
}

/* A name for data that is recognisably not JPEG, or NULL. */
static const char *other_format_name(const unsigned char *data, size_t len)
{
	const char *bmff = iso_bmff_name(data, len);

	if (bmff)
		return bmff;
	if (starts_with(data, len, "\x89PNG\r\n\x1a\n", 8))
		return "PNG";
	if (starts_with(data, len, "GIF87a", 6) || starts_with(data, len, "GIF89a", 6))
		return "GIF";
	if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
		return "WebP";
	if (starts_with(data, len, "II*\0", 4) || starts_with(data, len, "MM\0*", 4))
		return "TIFF (or camera RAW)";
	if (starts_with(data, len, "BM", 2))
		return "BMP";
	if (starts_with(data, len, "\0\0\0\x0cjP  \r\n\x87\n", 12) ||
	    starts_with(data, len, "\xff\x4f\xff\x51", 4))
		return "JPEG 2000";
	if (starts_with(data, len, "\xff\x0a", 2) ||
	    starts_with(data, len, "\0\0\0\x0cJXL \r\n\x87\n", 12))
		return "JPEG XL";
	if (starts_with(data, len, "%PDF", 4))
		return PDF;
	return NULL;
}

bool sniff_jpeg(const unsigned char *data, size_t len, struct dmr_error *err)
{
	static const unsigned char soi[3] = {0xFF, 0xD8, 0xFF};
	const char *name;

	if (len == 0)
		return dmr_fail(err, "photo_corrupt", "photo", "the photo is empty");
	if (len >= sizeof soi && memcmp(data, soi, sizeof soi) == 0)
		return true;
	if (len < sizeof soi && memcmp(data, soi, len) == 0)
		return dmr_fail(err, "photo_corrupt", "photo",
				"the photo is a JPEG cut off after %zu byte%s", len,
				len == 1 ? "" : "s");
	name = other_format_name(data, len);
	if (name == VIDEO || name == PDF)
		return dmr_fail(err, "unsupported_media_type", "photo",
				"the file is %s, not a photo: send JPEG", name);
	if (name)
		return dmr_fail(err, "unsupported_media_type", "photo",
				"%s photos are not accepted yet: send JPEG", name);
	return dmr_fail(err, "unsupported_media_type", "photo",
			"the photo is not a JPEG image: send JPEG");
}
