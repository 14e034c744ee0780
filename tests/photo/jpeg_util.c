#include "jpeg_util.h"

#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

bool util_read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long size;

	*data = NULL;
	*len = 0;
	if (!f)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return false;
	}
	*data = malloc((size_t)size + 1);
	if (!*data || fread(*data, 1, (size_t)size, f) != (size_t)size) {
		free(*data);
		*data = NULL;
		fclose(f);
		return false;
	}
	*len = (size_t)size;
	fclose(f);
	return true;
}

struct util_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void util_error_exit(j_common_ptr c)
{
	longjmp(((struct util_err *)c->err)->jump, 1);
}

static void util_quiet(j_common_ptr c, int level)
{
	(void)c;
	(void)level;
}

void util_rgb_free(struct rgb *img)
{
	free(img->px);
	memset(img, 0, sizeof *img);
}

/* The decoder and the output, kept in memory for the longjmp. */
struct util_dec {
	struct jpeg_decompress_struct c;
	struct util_err e;
	struct rgb *out;
};

static bool decode_into(struct util_dec *d, const unsigned char *data, size_t len,
			int *components)
{
	if (setjmp(d->e.jump))
		return false;
	jpeg_create_decompress(&d->c);
	jpeg_mem_src(&d->c, data, (unsigned long)len);
	jpeg_read_header(&d->c, TRUE);
	*components = d->c.num_components;
	d->c.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d->c);
	d->out->width = (int)d->c.output_width;
	d->out->height = (int)d->c.output_height;
	d->out->px = malloc((size_t)d->out->width * (size_t)d->out->height * 3);
	if (!d->out->px)
		return false;
	while (d->c.output_scanline < d->c.output_height) {
		JSAMPROW row = d->out->px + (size_t)d->c.output_scanline * (size_t)d->out->width * 3;

		jpeg_read_scanlines(&d->c, &row, 1);
	}
	jpeg_finish_decompress(&d->c);
	return true;
}

bool util_decode(const unsigned char *data, size_t len, struct rgb *out, int *components)
{
	struct util_dec *d = calloc(1, sizeof *d);
	bool ok;

	memset(out, 0, sizeof *out);
	if (!d)
		return false;
	d->out = out;
	d->c.err = jpeg_std_error(&d->e.mgr);
	d->e.mgr.error_exit = util_error_exit;
	d->e.mgr.emit_message = util_quiet;
	ok = decode_into(d, data, len, components);
	jpeg_destroy_decompress(&d->c);
	free(d);
	if (!ok)
		util_rgb_free(out);
	return ok;
}

bool util_rgb_resize(const struct rgb *src, int width, int height, struct rgb *out)
{
	out->width = width;
	out->height = height;
	out->px = malloc((size_t)width * (size_t)height * 3);
	if (!out->px)
		return false;
	for (int y = 0; y < height; y++) {
		double fy = (y + 0.5) * src->height / height - 0.5;
		int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < src->height ? y0 + 1 : y0;
		double wy = fy < 0 ? 0 : fy - y0;

		for (int x = 0; x < width; x++) {
			double fx = (x + 0.5) * src->width / width - 0.5;
			int x0 = fx < 0 ? 0 : (int)fx, x1 = x0 + 1 < src->width ? x0 + 1 : x0;
			double wx = fx < 0 ? 0 : fx - x0;

			for (int c = 0; c < 3; c++) {
				double a = src->px[((size_t)y0 * src->width + x0) * 3 + c],
				       b = src->px[((size_t)y0 * src->width + x1) * 3 + c],
				       d = src->px[((size_t)y1 * src->width + x0) * 3 + c],
				       e = src->px[((size_t)y1 * src->width + x1) * 3 + c];
				double v = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;

				out->px[((size_t)y * width + x) * 3 + c] = (unsigned char)lround(v);
			}
		}
	}
	return true;
}

/* RGB to Adobe-style inverted CMYK: the most black that the pixel allows. */
static void to_cmyk(const unsigned char *rgb, unsigned char *cmyk, int width)
{
	for (int x = 0; x < width; x++, rgb += 3, cmyk += 4) {
		int maxc = rgb[0] > rgb[1] ? rgb[0] : rgb[1];

		maxc = maxc > rgb[2] ? maxc : rgb[2];
		for (int c = 0; c < 3; c++) {
			int ink = maxc == 0 ? 0 : (maxc - rgb[c]) * 255 / maxc;

			cmyk[c] = (unsigned char)(255 - ink);
		}
		cmyk[3] = (unsigned char)maxc; /* 255 - K */
	}
}

struct util_enc {
	struct jpeg_compress_struct c;
	struct util_err e;
	unsigned char *buf;
	unsigned long len;
	unsigned char *row4;
	jpeg_scan_info scans[66];
};

/* A legal but long progression: DC, then each luma AC coefficient alone, then the chroma AC. */
static void many_scans(struct util_enc *x)
{
	jpeg_scan_info *s = x->scans;

	s[0] = (jpeg_scan_info){3, {0, 1, 2, 0}, 0, 0, 0, 0};
	for (int k = 1; k <= 63; k++)
		s[k] = (jpeg_scan_info){1, {0, 0, 0, 0}, k, k, 0, 0};
	s[64] = (jpeg_scan_info){1, {1, 0, 0, 0}, 1, 63, 0, 0};
	s[65] = (jpeg_scan_info){1, {2, 0, 0, 0}, 1, 63, 0, 0};
	x->c.scan_info = x->scans;
	x->c.num_scans = 66;
}

static bool encode_into(struct util_enc *x, const struct rgb *img, const struct util_variant *v)
{
	bool four = v->space == UTIL_CMYK || v->space == UTIL_YCCK;

	if (setjmp(x->e.jump))
		return false;
	jpeg_create_compress(&x->c);
	jpeg_mem_dest(&x->c, &x->buf, &x->len);
	x->c.image_width = (JDIMENSION)img->width;
	x->c.image_height = (JDIMENSION)img->height;
	x->c.input_components = four ? 4 : 3;
	x->c.in_color_space = four ? JCS_CMYK : JCS_RGB;
	jpeg_set_defaults(&x->c);
	jpeg_set_quality(&x->c, 85, TRUE);
	switch (v->space) {
	case UTIL_GRAY:
		jpeg_set_colorspace(&x->c, JCS_GRAYSCALE);
		break;
	case UTIL_RGB:
		jpeg_set_colorspace(&x->c, JCS_RGB);
		break;
	case UTIL_CMYK:
		jpeg_set_colorspace(&x->c, JCS_CMYK);
		break;
	case UTIL_YCCK:
		jpeg_set_colorspace(&x->c, JCS_YCCK);
		break;
	default:
		break;
	}
	if (v->space == UTIL_YCC || v->space == UTIL_YCCK) {
		x->c.comp_info[0].h_samp_factor = v->h;
		x->c.comp_info[0].v_samp_factor = v->v;
		if (v->space == UTIL_YCCK) {
			x->c.comp_info[3].h_samp_factor = v->h;
			x->c.comp_info[3].v_samp_factor = v->v;
		}
	}
	if (v->progressive)
		jpeg_simple_progression(&x->c);
	if (v->many_scans)
		many_scans(x);
	x->c.restart_in_rows = v->restart_rows;
	x->c.arith_code = v->arithmetic;
	x->row4 = malloc((size_t)img->width * 4);
	if (!x->row4)
		return false;
	jpeg_start_compress(&x->c, TRUE);
	while (x->c.next_scanline < x->c.image_height) {
		JSAMPROW row = img->px + (size_t)x->c.next_scanline * (size_t)img->width * 3;

		if (four) {
			to_cmyk(row, x->row4, img->width);
			row = x->row4;
		}
		jpeg_write_scanlines(&x->c, &row, 1);
	}
	jpeg_finish_compress(&x->c);
	return true;
}

unsigned char *util_encode(const struct rgb *img, const struct util_variant *v, size_t *len)
{
	struct util_enc *x = calloc(1, sizeof *x);
	unsigned char *out = NULL;

	*len = 0;
	if (!x)
		return NULL;
	x->c.err = jpeg_std_error(&x->e.mgr);
	x->e.mgr.error_exit = util_error_exit;
	if (encode_into(x, img, v)) {
		out = x->buf;
		*len = x->len;
	} else {
		free(x->buf);
	}
	jpeg_destroy_compress(&x->c);
	free(x->row4);
	free(x);
	return out;
}

int util_markers(const unsigned char *d, size_t len, unsigned char *markers, int max)
{
	size_t i = 0;
	int n = 0;

	while (i + 1 < len) {
		unsigned m;
		size_t seg;

		if (d[i] != 0xFF)
			return -1;
		m = d[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (n < max)
			markers[n] = (unsigned char)m;
		n++;
		i += 2;
		if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01)
			continue;
		if (m == 0xD9)
			return n;
		if (i + 2 > len)
			return -1;
		seg = (size_t)d[i] << 8 | d[i + 1];
		if (seg < 2 || i + seg > len)
			return -1;
		i += seg;
		if (m == 0xDA) { /* entropy-coded data: up to a marker that is not RSTn or stuffing */
			while (i + 1 < len && !(d[i] == 0xFF && d[i + 1] != 0 &&
						!(d[i + 1] >= 0xD0 && d[i + 1] <= 0xD7)))
				i++;
		}
	}
	return -1;
}

size_t util_sof_offset(const unsigned char *d, size_t len)
{
	size_t i = 2;

	while (i + 9 < len && d[i] == 0xFF) {
		unsigned m = d[i + 1];

		if (m == 0xC0 || m == 0xC1 || m == 0xC2)
			return i + 5;
		if (m == 0xDA)
			return 0;
		i += 2 + ((size_t)d[i + 2] << 8 | d[i + 3]);
	}
	return 0;
}

bool util_sof(const unsigned char *d, size_t len, int *width, int *height, int *components,
	      int *h0, int *v0)
{
	size_t at = util_sof_offset(d, len);

	if (!at || at + 7 > len)
		return false;
	*height = d[at] << 8 | d[at + 1];
	*width = d[at + 2] << 8 | d[at + 3];
	*components = d[at + 4];
	*h0 = d[at + 6] >> 4;
	*v0 = d[at + 6] & 15;
	return true;
}

void util_grid(const struct rgb *img, int gw, int gh, double *out)
{
	for (int gy = 0; gy < gh; gy++) {
		int y0 = gy * img->height / gh, y1 = (gy + 1) * img->height / gh;

		for (int gx = 0; gx < gw; gx++) {
			int x0 = gx * img->width / gw, x1 = (gx + 1) * img->width / gw;
			double sum[3] = {0, 0, 0};
			double n = (double)(y1 - y0) * (x1 - x0);

			for (int y = y0; y < y1; y++)
				for (int x = x0; x < x1; x++)
					for (int c = 0; c < 3; c++)
						sum[c] += img->px[((size_t)y * img->width + x) * 3 + c];
			for (int c = 0; c < 3; c++)
				out[(gy * gw + gx) * 3 + c] = n > 0 ? sum[c] / n : 0;
		}
	}
}

double util_mad(const double *a, const double *b, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += fabs(a[i] - b[i]);
	return sum / n;
}
