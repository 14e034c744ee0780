#ifndef DMR_PHOTO_ORIENT_H
#define DMR_PHOTO_ORIENT_H

/*
 * The eight ways a picture can lie on its pixel grid (the dihedral group of the rectangle), as
 * used by EXIF orientation. A transform is "transpose or not, then mirror the destination's x
 * and/or y"; every rotation and flip is one of these, and so is any composition of them.
 *
 * The resizer writes its output through a transform: its second pass works on a transposed
 * plane (so that both passes are the same vectorised vertical filter), and undoing that
 * transpose and applying the EXIF orientation are folded into a single copy. Transposing copies
 * move 16x16 blocks through SSE2 registers.
 */

#include <stdbool.h>
#include <stddef.h>

#include "photo/image.h"

struct orient {
	bool transpose; /* source x becomes destination y */
	bool flip_x;    /* then mirror the destination left-right */
	bool flip_y;    /* and/or top-bottom */
};

/* The identity and the plain transpose. */
struct orient orient_identity(void);
struct orient orient_transpose(void);

/*
 * The transform that makes a picture stored with this EXIF orientation (1..8) upright.
 * Values outside 1..8 are treated as 1, the EXIF default.
 */
struct orient orient_from_exif(int exif_orientation);

/* The transform "first, then second". */
struct orient orient_then(struct orient first, struct orient second);

/* The size of a width x height picture once transformed. */
void orient_dims(struct orient o, int width, int height, int *out_width, int *out_height);

/*
 * Copies rows [y0, y0 + rows) of a plane src_width samples wide into dst, which holds the whole
 * plane transformed by o (dst has orient_dims of the source size). Row r of the slice starts at
 * slice + r * slice_stride. Samples outside the slice are untouched, so a plane can be delivered
 * in slices in any order.
 */
void orient_put_rows(struct photo_plane *dst, struct orient o, int src_width, int y0, int rows,
		     const unsigned char *slice, size_t slice_stride);

#endif
