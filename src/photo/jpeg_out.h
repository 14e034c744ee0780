#ifndef DMR_PHOTO_JPEG_OUT_H
#define DMR_PHOTO_JPEG_OUT_H

/*
 * JPEG encoding with libjpeg-turbo: baseline, optimised Huffman tables, 4:2:0 for colour,
 * grayscale kept grayscale, from the planes as they are (raw mode: no colour conversion, no
 * downsampling). Nothing but the picture is written: a JFIF APP0 header (which only says
 * "YCbCr, square pixels"), no EXIF, XMP, ICC, IPTC or comment.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "photo/image.h"

/*
 * Encodes img (1 plane, or 3 in 4:2:0) at quality 1..100 into a new malloc'd buffer *out of
 * *len bytes. Fills the padding at the right of each row (the encoder reads whole 8x8 blocks)
 * by repeating the last sample, so edge blocks compress cleanly.
 */
bool jpeg_out_encode(struct photo_image *img, int quality, unsigned char **out, size_t *len,
		     struct dmr_error *err);

#endif
