#include "photo/jpeg_out.h"

#include <stdlib.h>
#include <string.h>

#include "photo/jpeg_err.h"

#include <jerror.h>

/* Luma rows per raw-mode call for 4:2:0 (two 8-row block rows); chroma gets half. */
#define IMCU_ROWS 16

/*
 * A growing memory destination. libjpeg's jpeg_mem_dest cannot be used: on an error after it
 * regrew its buffer, the caller's pointer still names the old, freed one.
 */
struct dest {
	struct jpeg_destination_mgr pub; /* first: libjpeg hands back a pointer to it */
	unsigned char *buf;
	size_t cap;
};

/* The encoder and what must survive a longjmp out of libjpeg, kept in memory, not registers. */
struct jpeg_out {
	struct jpeg_compress_struct cinfo;
	struct jpeg_fail fail;
	struct dest dest;
	bool created;
};

static void dest_init(j_compress_ptr c)
{
	struct dest *d = (struct dest *)c->dest;

	d->pub.next_output_byte = d->buf;
	d->pub.free_in_buffer = d->cap;
}

static boolean dest_grow(j_compress_ptr c)
{
	struct dest *d = (struct dest *)c->dest;
	unsigned char *bigger = realloc(d->buf, d->cap * 2);

	if (!bigger)
		ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
	d->buf = bigger;
	d->pub.next_output_byte = bigger + d->cap;
	d->pub.free_in_buffer = d->cap;
	d->cap *= 2;
	return TRUE;
}

static void dest_term(j_compress_ptr c)
{
	(void)c; /* the length is cap - free_in_buffer, read by the caller */
}

/* Repeats the last sample of each row up to the next multiple of 8 (within the stride). */
static void pad_right(struct photo_plane *p)
{
	size_t padded = ((size_t)p->width + 7) & ~(size_t)7;

	for (int y = 0; y < p->height; y++) {
		unsigned char *row = p->px + (size_t)y * p->stride;

		memset(row + p->width, row[p->width - 1], padded - (size_t)p->width);
	}
}

static void setup(struct jpeg_out *e, const struct photo_image *img, int quality)
{
	j_compress_ptr c = &e->cinfo;

	e->dest.pub.init_destination = dest_init;
	e->dest.pub.empty_output_buffer = dest_grow;
	e->dest.pub.term_destination = dest_term;
	c->dest = &e->dest.pub;
	c->image_width = (JDIMENSION)img->plane[0].width;
	c->image_height = (JDIMENSION)img->plane[0].height;
	c->input_components = img->planes;
	c->in_color_space = img->planes == 1 ? JCS_GRAYSCALE : JCS_YCbCr;
	/* Defaults: YCbCr, 2x2 luma sampling (4:2:0) for colour, JFIF header, no other marker. */
	jpeg_set_defaults(c);
	jpeg_set_quality(c, quality, TRUE);
	c->optimize_coding = TRUE;
	c->dct_method = JDCT_ISLOW;
	c->raw_data_in = TRUE;
}

/* Row y of plane p, or its last row below the picture (the encoder reads whole blocks). */
static JSAMPROW row_at(const struct photo_plane *p, int y)
{
	return p->px + (size_t)(y < p->height ? y : p->height - 1) * p->stride;
}

static void write_planes(j_compress_ptr c, const struct photo_image *img)
{
	JSAMPROW rows[PHOTO_MAX_PLANES][IMCU_ROWS];
	JSAMPARRAY planes[PHOTO_MAX_PLANES];
	int luma_rows = c->max_v_samp_factor * DCTSIZE;

	for (int i = 0; i < img->planes; i++)
		planes[i] = rows[i];
	for (int y = 0; y < img->plane[0].height; y += luma_rows) {
		for (int i = 0; i < img->planes; i++) {
			int n = c->comp_info[i].v_samp_factor * DCTSIZE;
			int first = y / luma_rows * n;

			for (int r = 0; r < n; r++)
				rows[i][r] = row_at(&img->plane[i], first + r);
		}
		jpeg_write_raw_data(c, planes, (JDIMENSION)luma_rows);
	}
}

static bool encode(struct jpeg_out *e, const struct photo_image *img, int quality,
		   struct dmr_error *err)
{
	e->cinfo.err = jpeg_fail_init(&e->fail);
	if (setjmp(e->fail.jump))
		return dmr_fail(err, "internal_error", "photo", "JPEG encoding failed: %s",
				e->fail.text);
	jpeg_create_compress(&e->cinfo);
	e->created = true;
	setup(e, img, quality);
	jpeg_start_compress(&e->cinfo, TRUE);
	write_planes(&e->cinfo, img);
	jpeg_finish_compress(&e->cinfo);
	return true;
}

bool jpeg_out_encode(struct photo_image *img, int quality, unsigned char **out, size_t *len,
		     struct dmr_error *err)
{
	struct jpeg_out *e = calloc(1, sizeof *e);
	bool ok = false;

	*out = NULL;
	*len = 0;
	for (int i = 0; i < img->planes; i++)
		pad_right(&img->plane[i]);
	if (e) {
		/* A quarter byte per pixel holds a quality-80 photo, so it rarely regrows. */
		size_t pixels = (size_t)img->plane[0].width * (size_t)img->plane[0].height;

		e->dest.cap = pixels / 4 + 16384;
		e->dest.buf = malloc(e->dest.cap);
	}
	if (!e || !e->dest.buf)
		dmr_fail(err, "internal_error", "photo", "out of memory to encode");
	else
		ok = encode(e, img, quality, err);
	if (e) {
		if (e->created)
			jpeg_destroy_compress(&e->cinfo);
		if (ok) {
			*len = e->dest.cap - e->dest.pub.free_in_buffer;
			*out = realloc(e->dest.buf, *len); /* give back the spare capacity */
			if (!*out)
				*out = e->dest.buf;
		} else {
			free(e->dest.buf);
		}
	}
	free(e);
	return ok;
}
