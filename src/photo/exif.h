#ifndef DMR_PHOTO_EXIF_H
#define DMR_PHOTO_EXIF_H

/*
 * The two EXIF facts the pipeline uses, read with libexif from the APP1 segment the decoder
 * saved: the orientation (to turn the picture upright before the metadata is dropped) and the
 * GPS position (offered to the caller, never written out).
 *
 * A photo is never refused for its metadata: unreadable, truncated or absurd EXIF reads as
 * "orientation 1, no GPS", like a photo without EXIF.
 */

#include <stdbool.h>
#include <stddef.h>

struct exif_facts {
	int orientation; /* 1..8 */
	bool has_gps;
	double lat, lon; /* degrees, south and west negative */
};

/*
 * Reads app1[0..len), the payload of an APP1 segment starting with "Exif\0\0"; other payloads
 * (XMP shares the marker) and NULL give the defaults.
 */
void exif_read(const unsigned char *app1, size_t len, struct exif_facts *facts);

#endif
