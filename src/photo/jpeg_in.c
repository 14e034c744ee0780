#include "photo/jpeg_in.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "photo/jpeg_err.h"

/*
 * A progressive file may hold any number of scans, each a pass over the whole picture (about
 * 20 ms at 49 MP): a few hundred kilobytes could then cost seconds. Encoders write 3 to 20.
 */
#define MAX_SCANS 64

/* libjpeg's own memory (a progressive file's coefficients: 2 bytes per sample) per pixel. */
#define DECODER_BYTES_PER_PIXEL 8
#define DECODER_BYTES_EXTRA (16L << 20)

/* Rows per raw-mode call: max_v_samp_factor (<= 4) times the scaled DCT size (<= 8). */
#define MAX_RAW_ROWS 32

enum path {
	PATH_RAW,  /* gray or YCbCr: planes as stored */
	PATH_RGB,  /* RGB rows, converted to Y, Cb, Cr */
	PATH_CMYK, /* CMYK rows (libjpeg turns YCCK into CMYK), to RGB, to Y, Cb, Cr */
};

struct jpeg_in {
	struct jpeg_decompress_struct cinfo; /* first: progress monitors get a pointer to it */
	struct jpeg_fail fail;
	struct jpeg_progress_mgr progress;
	bool created;
	enum path path;
	bool inverted;   /* Adobe CMYK: 255 means no ink */
	JSAMPROW pixels; /* one decoded RGB or CMYK row, in libjpeg's pool */
};

void jpeg_in_close(struct jpeg_in *d)
{
	if (!d)
		return;
	if (d->created)
		jpeg_destroy_decompress(&d->cinfo);
	free(d);
}

static void count_scans(j_common_ptr cinfo)
{
	j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;

	if (dinfo->input_scan_number > MAX_SCANS)
		jpeg_fail_limit(cinfo,
				"the photo has more progressive scans than any encoder makes");
}

/* The first APP1 segment holding EXIF (XMP uses APP1 too), as saved by jpeg_save_markers. */
static void find_exif(j_decompress_ptr cinfo, struct jpeg_in_header *hdr)
{
	for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
		if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 &&
		    memcmp(m->data, "Exif\0\0", 6) == 0) {
			hdr->exif = m->data;
			hdr->exif_len = m->data_length;
			return;
		}
	}
}

/* How the pixels come out of libjpeg, from the colour model the file declares. */
static bool pick_path(struct jpeg_in *d, struct jpeg_in_header *hdr, struct dmr_error *err)
{
	j_decompress_ptr c = &d->cinfo;

	hdr->planes = 3;
	switch (c->jpeg_color_space) {
	case JCS_GRAYSCALE:
		hdr->planes = 1;
		d->path = PATH_RAW;
		return true;
	case JCS_YCbCr:
		d->path = PATH_RAW;
		return true;
	case JCS_RGB:
		d->path = PATH_RGB;
		return true;
	case JCS_CMYK:
	case JCS_YCCK:
		d->path = PATH_CMYK;
		/* Photoshop, which wrote most CMYK JPEGs, stores inverted ink (Adobe marker). */
		d->inverted = c->saw_Adobe_marker;
		return true;
	default:
		return dmr_fail(err, "unsupported_media_type", "photo",
				"JPEG with %d colour components is not supported: send an ordinary "
				"colour or grayscale JPEG",
				c->num_components);
	}
}

/* The declared size against the limit, before any pixel memory exists. */
static bool check_pixels(j_decompress_ptr c, uint64_t max_pixels, struct dmr_error *err)
{
	uint64_t pixels = (uint64_t)c->image_width * c->image_height;

	if (pixels == 0)
		return dmr_fail(err, "photo_corrupt", "photo",
				"the photo declares no pixels (a zero width or height)");
	if (pixels > max_pixels)
		return dmr_fail(err, "photo_too_many_pixels", "photo",
				"the photo declares %ux%u pixels, more than the %llu accepted",
				c->image_width, c->image_height, (unsigned long long)max_pixels);
	return true;
}

/* libjpeg may hold a progressive file's coefficients: bound that by the pixel limit. */
static long memory_budget(uint64_t max_pixels)
{
	if (max_pixels > (uint64_t)LONG_MAX / (2 * DECODER_BYTES_PER_PIXEL))
		return LONG_MAX;
	return (long)max_pixels * DECODER_BYTES_PER_PIXEL + DECODER_BYTES_EXTRA;
}

static bool read_header(struct jpeg_in *d, const unsigned char *data, size_t len,
			uint64_t max_pixels, struct jpeg_in_header *hdr, struct dmr_error *err)
{
	if (setjmp(d->fail.jump))
		return jpeg_fail_report(&d->fail, err);
	jpeg_create_decompress(&d->cinfo);
	d->created = true;
	d->cinfo.mem->max_memory_to_use = memory_budget(max_pixels);
	jpeg_mem_src(&d->cinfo, data, (unsigned long)len);
	jpeg_save_markers(&d->cinfo, JPEG_APP0 + 1, 0xFFFF);
	d->fail.in_header = true;
	jpeg_read_header(&d->cinfo, TRUE);
	d->fail.in_header = false;
	hdr->width = (int)d->cinfo.image_width;
	hdr->height = (int)d->cinfo.image_height;
	if (!check_pixels(&d->cinfo, max_pixels, err) || !pick_path(d, hdr, err))
		return false;
	find_exif(&d->cinfo, hdr);
	return true;
}

struct jpeg_in *jpeg_in_open(const unsigned char *data, size_t len, uint64_t max_pixels,
			     struct jpeg_in_header *hdr, struct dmr_error *err)
{
	struct jpeg_in *d = calloc(1, sizeof *d);

	memset(hdr, 0, sizeof *hdr);
	if (!d) {
		dmr_fail(err, "internal_error", "photo", "out of memory");
		return NULL;
	}
	d->cinfo.err = jpeg_fail_init(&d->fail);
	if (!read_header(d, data, len, max_pixels, hdr, err)) {
		jpeg_in_close(d);
		return NULL;
	}
	return d;
}

int jpeg_in_scale_for(int long_side, int target)
{
	for (int m = 1; m < 8; m++)
		if (((long)long_side * m + 7) / 8 >= target) /* libjpeg rounds scaled sizes up */
			return m;
	return 8;
}

/* Raw mode: each component as libjpeg stores it, in whole scaled DCT blocks. */
static void describe_raw(j_decompress_ptr c, struct jpeg_in_planes *p)
{
	for (int i = 0; i < c->num_components; i++) {
		const jpeg_component_info *ci = &c->comp_info[i];

		p->width[i] = (int)ci->downsampled_width;
		p->height[i] = (int)ci->downsampled_height;
		p->batch[i] = ci->v_samp_factor * ci->DCT_scaled_size;
		p->row_bytes[i] = (size_t)ci->width_in_blocks * (size_t)ci->DCT_scaled_size;
	}
}

/* Converted rows: three full-size planes, one row at a time. */
static void describe_rows(j_decompress_ptr c, struct jpeg_in_planes *p)
{
	for (int i = 0; i < 3; i++) {
		p->width[i] = (int)c->output_width;
		p->height[i] = (int)c->output_height;
		p->batch[i] = 1;
		p->row_bytes[i] = c->output_width;
	}
}

bool jpeg_in_start(struct jpeg_in *d, int scale, struct jpeg_in_planes *p,
		   struct dmr_error *err)
{
	j_decompress_ptr c = &d->cinfo;

	memset(p, 0, sizeof *p);
	if (setjmp(d->fail.jump))
		return jpeg_fail_report(&d->fail, err);
	c->scale_num = (unsigned int)scale;
	c->scale_denom = 8;
	c->dct_method = JDCT_ISLOW;
	c->raw_data_out = d->path == PATH_RAW;
	c->out_color_space = d->path == PATH_CMYK ? JCS_CMYK
			     : d->path == PATH_RGB ? JCS_RGB
						   : c->jpeg_color_space;
	d->progress.progress_monitor = count_scans;
	c->progress = &d->progress;
	jpeg_start_decompress(c);
	if (d->path == PATH_RAW) {
		describe_raw(c, p);
		return true;
	}
	d->pixels = c->mem->alloc_large((j_common_ptr)c, JPOOL_IMAGE,
					(size_t)c->output_width * (size_t)c->output_components);
	describe_rows(c, p);
	return true;
}

/* (a * b) / 255 rounded, exactly, without a division. */
static inline unsigned mul255(unsigned a, unsigned b)
{
	unsigned t = a * b + 128;

	return (t + (t >> 8)) >> 8;
}

static inline unsigned char clamp255(int v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/*
 * One decoded row to Y, Cb, Cr (JFIF, full range, 16-bit fixed point). CMYK is first turned
 * into light: each of R, G, B is what C, M, Y and K leave of white.
 */
static void row_to_ycc(const unsigned char *px, int width, int channels, bool inverted,
		       unsigned char *y, unsigned char *cb, unsigned char *cr)
{
	unsigned flip = inverted ? 0 : 255; /* inverted data already holds 255 - ink */

	for (int x = 0; x < width; x++, px += channels) {
		int r = px[0], g = px[1], b = px[2];

		if (channels == 4) {
			unsigned k = px[3] ^ flip;

			r = (int)mul255(px[0] ^ flip, k);
			g = (int)mul255(px[1] ^ flip, k);
			b = (int)mul255(px[2] ^ flip, k);
		}
		y[x] = clamp255((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
		cb[x] = clamp255(((-11059 * r - 21709 * g + 32768 * b + 32768) >> 16) + 128);
		cr[x] = clamp255(((32768 * r - 27439 * g - 5329 * b + 32768) >> 16) + 128);
	}
}

static bool read_raw(j_decompress_ptr c, struct resize_scaler *const *s)
{
	JSAMPROW rows[PHOTO_MAX_PLANES][MAX_RAW_ROWS];
	JSAMPARRAY planes[PHOTO_MAX_PLANES];

	for (int i = 0; i < c->num_components; i++)
		planes[i] = rows[i];
	while (c->output_scanline < c->output_height) {
		for (int i = 0; i < c->num_components; i++) {
			const jpeg_component_info *ci = &c->comp_info[i];

			int n = ci->v_samp_factor * ci->DCT_scaled_size;

			resize_scaler_reserve(s[i], n, rows[i]);
		}
		if (jpeg_read_raw_data(c, planes, (JDIMENSION)(c->max_v_samp_factor *
							       c->min_DCT_scaled_size)) == 0)
			return false; /* suspended: cannot happen with a memory source */
		for (int i = 0; i < c->num_components; i++) {
			const jpeg_component_info *ci = &c->comp_info[i];

			resize_scaler_push(s[i], ci->v_samp_factor * ci->DCT_scaled_size);
		}
	}
	return true;
}

static bool read_rows(struct jpeg_in *d, struct resize_scaler *const *s)
{
	j_decompress_ptr c = &d->cinfo;

	while (c->output_scanline < c->output_height) {
		unsigned char *y, *cb, *cr;

		if (jpeg_read_scanlines(c, &d->pixels, 1) != 1)
			return false;
		resize_scaler_reserve(s[0], 1, &y);
		resize_scaler_reserve(s[1], 1, &cb);
		resize_scaler_reserve(s[2], 1, &cr);
		row_to_ycc(d->pixels, (int)c->output_width, c->output_components, d->inverted,
			   y, cb, cr);
		for (int i = 0; i < 3; i++)
			resize_scaler_push(s[i], 1);
	}
	return true;
}

bool jpeg_in_read(struct jpeg_in *d, struct resize_scaler *const *s, struct dmr_error *err)
{
	if (setjmp(d->fail.jump))
		return jpeg_fail_report(&d->fail, err);
	if (!(d->path == PATH_RAW ? read_raw(&d->cinfo, s) : read_rows(d, s)))
		return dmr_fail(err, "photo_corrupt", "photo", "the photo is truncated");
	/* No jpeg_finish_decompress: what follows the last row is not our business. */
	return true;
}
