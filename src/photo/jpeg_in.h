#ifndef DMR_PHOTO_JPEG_IN_H
#define DMR_PHOTO_JPEG_IN_H

/*
 * JPEG decoding with libjpeg-turbo, in stages so that the caller decides between them:
 *   jpeg_in_open   reads the header only (no pixel memory yet) and refuses what is too big;
 *   jpeg_in_start  picks the DCT scale M/8 and starts the decoder;
 *   jpeg_in_read   streams every decoded row into one resize_scaler per plane;
 *   jpeg_in_close  frees everything, at any stage.
 *
 * Gray and YCbCr files (nearly all) are decoded in libjpeg's raw mode: the planes come out as
 * stored, without upsampling or colour conversion, and the resizer takes each to its final size
 * directly. RGB, CMYK and YCCK files are decoded to RGB and converted to full-size Y, Cb, Cr
 * planes here (Adobe's inverted CMYK included).
 *
 * Every failure fills a dmr_error (codes in jpeg_err.h) and leaves the decoder to be closed.
 * The input buffer must outlive the decoder; it is never modified.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "photo/image.h"
#include "photo/resize.h"

struct jpeg_in;

struct jpeg_in_header {
	int width, height;         /* as declared in the frame header */
	int planes;                /* 1 for gray, 3 for colour */
	const unsigned char *exif; /* first APP1 "Exif" payload or NULL; owned by the decoder */
	size_t exif_len;
};

/* What jpeg_in_read will deliver, plane by plane. */
struct jpeg_in_planes {
	int width[PHOTO_MAX_PLANES], height[PHOTO_MAX_PLANES];
	int batch[PHOTO_MAX_PLANES];        /* rows written per call */
	size_t row_bytes[PHOTO_MAX_PLANES]; /* bytes written per row (whole DCT blocks) */
};

/*
 * Reads the header of data[0..len) and fills *hdr. Refuses 422 photo_too_many_pixels when
 * width * height > max_pixels, 415 for colour models other than gray, YCbCr, RGB, CMYK, YCCK.
 * Returns NULL on failure (nothing to close).
 */
struct jpeg_in *jpeg_in_open(const unsigned char *data, size_t len, uint64_t max_pixels,
			     struct jpeg_in_header *hdr, struct dmr_error *err);

/*
 * The smallest M in 1..8 such that decoding at M/8 keeps a long side of at least target
 * (8 when the picture is no bigger than target): the DCT then does most of the reduction for
 * free, and the filter only the last factor below 2.
 */
int jpeg_in_scale_for(int long_side, int target);

/* Starts decoding at scale M/8 and describes the planes jpeg_in_read will deliver. */
bool jpeg_in_start(struct jpeg_in *d, int scale, struct jpeg_in_planes *p,
		   struct dmr_error *err);

/* Decodes everything into s[0..planes), made for the sizes and batches jpeg_in_start gave. */
bool jpeg_in_read(struct jpeg_in *d, struct resize_scaler *const *s, struct dmr_error *err);

void jpeg_in_close(struct jpeg_in *d);

#endif
