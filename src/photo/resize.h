#ifndef DMR_PHOTO_RESIZE_H
#define DMR_PHOTO_RESIZE_H

/*
 * Lanczos-3 resizing of one plane (a windowed sinc, the usual choice of photo thumbnailers:
 * sharp, little ringing), separable, with precomputed Q14 weights.
 *
 * Pass 1 filters columns: each output row is a weighted sum of a few input rows, computed as
 * soon as the decoder has delivered them (input rows live in a small ring: the decoded plane is
 * never stored whole). Its rows are stored transposed, so pass 2, which filters along the other
 * axis, is again a sum of whole rows: one contiguous vectorised kernel (resize_kernel.h) does all
 * the arithmetic. Pass 2 writes through an orient transform that undoes the transpose and
 * applies the EXIF orientation in the same copy.
 *
 * Axes usually shrink; they may grow (chroma planes subsampled more than 4:2:0), which the same
 * filter handles at its natural width.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "photo/image.h"
#include "photo/orient.h"

struct resize_scaler;

/*
 * A scaler from an in_width x in_height plane to out_width x out_height, writing the result
 * transformed by o into dst (allocated by the caller with orient_dims of the output size).
 * Input rows arrive in batches of at most `batch` rows, each row slot holding at least
 * row_bytes (>= in_width) bytes, for decoders that write whole blocks. 500 internal_error when
 * out of memory.
 */
struct resize_scaler *resize_scaler_new(int in_width, int in_height, int out_width,
					int out_height, struct orient o, struct photo_plane *dst,
					int batch, size_t row_bytes, struct dmr_error *err);

/* Where the next n (<= batch) input rows go: rows[i] receives row (rows pushed so far + i). */
void resize_scaler_reserve(struct resize_scaler *s, int n, unsigned char **rows);

/* The next n rows are written (rows past in_height are ignored); filters what they complete. */
void resize_scaler_push(struct resize_scaler *s, int n);

/* After all in_height rows are pushed: the second pass, which fills dst. */
void resize_scaler_finish(struct resize_scaler *s);

void resize_scaler_free(struct resize_scaler *s);

/*
 * A resized copy of a whole plane into dst (allocated by the caller). Large reductions first
 * average blocks of k rows (k = the reduction / 2, rounded down): a Lanczos filter 30 taps wide
 * costs much and gains nothing visible on a thumbnail.
 */
bool resize_plane(const struct photo_plane *src, struct photo_plane *dst, struct dmr_error *err);

/*
 * The size of a width x height picture that fits in side x side keeping its aspect ratio, never
 * enlarged, never zero.
 */
void resize_fit(int width, int height, int side, int *out_width, int *out_height);

#endif
