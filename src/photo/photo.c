#include "photo/photo.h"

#include <stdlib.h>
#include <string.h>

#include "photo/exif.h"
#include "photo/image.h"
#include "photo/jpeg_in.h"
#include "photo/jpeg_out.h"
#include "photo/orient.h"
#include "photo/resize.h"
#include "photo/sniff.h"

void photo_limits_default(struct photo_limits *l)
{
	l->max_bytes = 15u * 1000 * 1000;
	l->max_pixels = 50u * 1000 * 1000;
	l->max_side = 1600;
	l->thumb_side = 320;
	l->quality = 80;
}

void photo_output_free(struct photo_output *out)
{
	free(out->jpeg);
	free(out->thumb);
	memset(out, 0, sizeof *out);
}

static bool limits_valid(const struct photo_limits *l, struct dmr_error *err)
{
	if (l->max_side < 1 || l->thumb_side < 1 || l->quality < 1 || l->quality > 100 ||
	    l->max_pixels < 1)
		return dmr_fail(err, "internal_error", "photo",
				"photo limits out of range (max_side %d, thumb_side %d, "
				"quality %d)",
				l->max_side, l->thumb_side, l->quality);
	return true;
}

/* Plane i's size in the stored orientation, for a luma plane of width x height. */
static void plane_size(int i, int width, int height, int *w, int *h)
{
	*w = i == 0 ? width : photo_chroma_size(width);
	*h = i == 0 ? height : photo_chroma_size(height);
}

/* One scaler per plane, from the decoded plane to its place in *img. */
static bool make_scalers(const struct jpeg_in_planes *p, int width, int height, struct orient o,
			 struct photo_image *img, struct resize_scaler **s, struct dmr_error *err)
{
	for (int i = 0; i < img->planes; i++) {
		int w, h;

		plane_size(i, width, height, &w, &h);
		s[i] = resize_scaler_new(p->width[i], p->height[i], w, h, o, &img->plane[i],
					 p->batch[i], p->row_bytes[i], err);
		if (!s[i])
			return false;
	}
	return true;
}

/*
 * Decodes, orients and resizes into *img: the header first (refusing what is too big), then the
 * DCT scale, then rows streamed through the scalers, so that no full-size plane ever exists.
 */
static bool decode(const unsigned char *in, size_t len, const struct photo_limits *lim,
		   struct photo_image *img, struct exif_facts *facts, struct dmr_error *err)
{
	struct jpeg_in_header hdr;
	struct jpeg_in_planes planes;
	struct jpeg_in *dec = jpeg_in_open(in, len, lim->max_pixels, &hdr, err);
	struct resize_scaler *s[PHOTO_MAX_PLANES] = {NULL};
	struct orient o;
	int fit_w, fit_h, out_w, out_h;
	bool ok = false;

	if (!dec)
		return false;
	exif_read(hdr.exif, hdr.exif_len, facts);
	o = orient_from_exif(facts->orientation);
	/* Sizes in the stored orientation: the long side does not care about rotation. */
	resize_fit(hdr.width, hdr.height, lim->max_side, &fit_w, &fit_h);
	orient_dims(o, fit_w, fit_h, &out_w, &out_h);
	if (jpeg_in_start(dec,
			  jpeg_in_scale_for(hdr.width > hdr.height ? hdr.width : hdr.height,
					    fit_w > fit_h ? fit_w : fit_h),
			  &planes, err) &&
	    photo_image_alloc(img, hdr.planes, out_w, out_h, err) &&
	    make_scalers(&planes, fit_w, fit_h, o, img, s, err) && jpeg_in_read(dec, s, err)) {
		for (int i = 0; i < img->planes; i++)
			resize_scaler_finish(s[i]);
		ok = true;
	}
	for (int i = 0; i < PHOTO_MAX_PLANES; i++)
		resize_scaler_free(s[i]);
	jpeg_in_close(dec);
	if (!ok)
		photo_image_free(img);
	return ok;
}

/* The thumbnail: a resized copy, or the main JPEG itself when the picture is small already. */
static bool make_thumb(const struct photo_image *img, const struct photo_limits *lim,
		       struct photo_output *out, struct dmr_error *err)
{
	struct photo_image thumb;
	bool ok;

	resize_fit(img->plane[0].width, img->plane[0].height, lim->thumb_side, &out->thumb_width,
		   &out->thumb_height);
	if (out->thumb_width == img->plane[0].width && out->thumb_height == img->plane[0].height) {
		out->thumb = malloc(out->jpeg_len);
		if (!out->thumb)
			return dmr_fail(err, "internal_error", "photo", "out of memory");
		memcpy(out->thumb, out->jpeg, out->jpeg_len);
		out->thumb_len = out->jpeg_len;
		return true;
	}
	if (!photo_image_alloc(&thumb, img->planes, out->thumb_width, out->thumb_height, err))
		return false;
	ok = true;
	for (int i = 0; ok && i < img->planes; i++)
		ok = resize_plane(&img->plane[i], &thumb.plane[i], err);
	ok = ok && jpeg_out_encode(&thumb, lim->quality, &out->thumb, &out->thumb_len, err);
	photo_image_free(&thumb);
	return ok;
}

bool photo_process(const unsigned char *in, size_t len, const struct photo_limits *lim,
		   struct photo_output *out, struct dmr_error *err)
{
	struct photo_image img = {0};
	struct exif_facts facts;

	memset(out, 0, sizeof *out);
	if (!limits_valid(lim, err))
		return false;
	if (len > lim->max_bytes)
		return dmr_fail(err, "photo_too_large", "photo",
				"the photo has %zu bytes, more than the %zu accepted", len,
				lim->max_bytes);
	if (!sniff_jpeg(in, len, err) || !decode(in, len, lim, &img, &facts, err))
		return false;
	out->width = img.plane[0].width;
	out->height = img.plane[0].height;
	if (!jpeg_out_encode(&img, lim->quality, &out->jpeg, &out->jpeg_len, err) ||
	    !make_thumb(&img, lim, out, err)) {
		photo_image_free(&img);
		photo_output_free(out);
		return false;
	}
	photo_image_free(&img);
	out->has_gps = facts.has_gps;
	out->gps_lat = facts.lat;
	out->gps_lon = facts.lon;
	return true;
}
