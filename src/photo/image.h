#ifndef DMR_PHOTO_IMAGE_H
#define DMR_PHOTO_IMAGE_H

/*
 * A picture as planes of 8-bit samples: one (gray) or three (JFIF Y, Cb, Cr). Everything between
 * decoder and encoder works on single planes, so every loop is channel-blind and the colour
 * never round-trips through RGB (resizing commutes with the affine YCbCr<->RGB transform, so
 * that would only cost time).
 *
 * A whole picture is stored 4:2:0, as it will be encoded: chroma planes are half the luma size,
 * rounded up. Rows are padded to a multiple of 16 samples, which the encoder reads.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

#define PHOTO_MAX_PLANES 3

struct photo_plane {
	int width, height;
	size_t stride; /* bytes from one row to the next, >= width */
	unsigned char *px;
};

struct photo_image {
	int planes; /* 1: gray, 3: Y, Cb, Cr */
	struct photo_plane plane[PHOTO_MAX_PLANES];
};

/* The size of chroma planes for a width x height luma plane (4:2:0: half, rounded up). */
int photo_chroma_size(int luma_size);

/*
 * Allocates an uninitialised picture of `planes` planes (1 or 3) with a width x height luma
 * plane. 500 internal_error when out of memory.
 */
bool photo_image_alloc(struct photo_image *img, int planes, int width, int height,
		       struct dmr_error *err);

/* Frees the pixels and empties *img; safe twice. */
void photo_image_free(struct photo_image *img);

#endif
