#ifndef DMR_PHOTO_PHOTO_H
#define DMR_PHOTO_PHOTO_H

/*
 * The photo pipeline: untrusted bytes in, a clean JPEG and its thumbnail out.
 *
 * photo_process() accepts only JPEG (decided from the bytes, never from a Content-Type), refuses
 * what is too big before decoding a pixel, decodes with libjpeg-turbo at the smallest DCT scale
 * that still covers the target, turns the picture upright from its EXIF orientation, resizes it
 * with a Lanczos-3 filter to at most max_side on the long side (never enlarging), and encodes it
 * at `quality` with optimised Huffman tables, 4:2:0 for colour, grayscale kept grayscale. The
 * thumbnail is made from the resized picture. Both outputs carry no metadata at all: no EXIF,
 * XMP, ICC profile, comment or IPTC block (a JFIF APP0 header only). The EXIF GPS position is
 * read before it is dropped, so that the caller can offer it as the report's location.
 *
 * Errors (all with field "photo"):
 *   413 photo_too_large          more than max_bytes bytes
 *   415 unsupported_media_type   not a JPEG (the message names HEIC, PNG, GIF, WebP... when
 *                                recognised), or a JPEG variant libjpeg-turbo cannot decode
 *   422 photo_too_many_pixels    declared dimensions above max_pixels, decided from the header
 *                                before any pixel buffer exists
 *   422 photo_corrupt            empty, truncated or damaged data, or zero width or height: libjpeg's "corrupt data" and
 *                                "premature end" warnings count as errors, so a half-grey picture
 *                                is never produced
 *   500 internal_error           out of memory, or limits that make no sense
 *
 * Thread-safe: no global state. Memory: a 12 MP baseline photo peaks at about 9 MB of heap (the
 * decoded picture is never stored whole: rows stream through the resizer); progressive files
 * add libjpeg's whole-image coefficient buffer, 2 bytes per stored sample (56 MB at 12 MP).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct photo_limits {
	size_t max_bytes;    /* input size; default 15 MB */
	uint64_t max_pixels; /* declared width x height; default 50 MP */
	int max_side;        /* long side of the output; default 1600 */
	int thumb_side;      /* long side of the thumbnail; default 320 */
	int quality;         /* JPEG quality of both outputs, 1..100; default 80 */
};

/* The defaults above. */
void photo_limits_default(struct photo_limits *l);

struct photo_output {
	unsigned char *jpeg; /* malloc'd, owned by the output */
	size_t jpeg_len;
	int width, height;
	unsigned char *thumb; /* malloc'd, owned by the output */
	size_t thumb_len;
	int thumb_width, thumb_height;
	bool has_gps; /* a plausible EXIF GPS position was found in the input */
	double gps_lat, gps_lon; /* WGS 84 degrees, south and west negative */
};

/*
 * Processes in[0..len). On success fills *out (free it with photo_output_free) and returns true;
 * on failure fills *err, leaves *out empty (nothing to free) and returns false.
 */
bool photo_process(const unsigned char *in, size_t len, const struct photo_limits *lim,
		   struct photo_output *out, struct dmr_error *err);

/* Frees both JPEGs and empties *out; safe on an empty or already freed output. */
void photo_output_free(struct photo_output *out);

#endif
