/* The photo pipeline's parts: transforms, the resize kernel, the resizer, sniffing, scales. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tap.h"
#include "photo/jpeg_in.h"
#include "photo/orient.h"
#include "photo/resize.h"
#include "photo/resize_kernel.h"
#include "photo/sniff.h"

static uint32_t rng = 12345;

static unsigned next_random(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void fill_plane(struct photo_plane *p, int w, int h)
{
	p->width = w;
	p->height = h;
	p->stride = (size_t)w + 7; /* deliberately not a multiple of 16 */
	p->px = malloc(p->stride * (size_t)h);
	for (size_t i = 0; i < p->stride * (size_t)h; i++)
		p->px[i] = (unsigned char)next_random();
}

/* Where (x, y) of a w x h picture goes under o, computed the slow, obvious way. */
static void map_point(struct orient o, int w, int h, int x, int y, int *u, int *v)
{
	int dw, dh;

	orient_dims(o, w, h, &dw, &dh);
	*u = o.transpose ? y : x;
	*v = o.transpose ? x : y;
	if (o.flip_x)
		*u = dw - 1 - *u;
	if (o.flip_y)
		*v = dh - 1 - *v;
}

/* orient_put_rows, in slices of `slice` rows, against map_point for every sample. */
static bool put_matches(struct orient o, int w, int h, int slice)
{
	struct photo_plane src, dst;
	bool same = true;

	fill_plane(&src, w, h);
	orient_dims(o, w, h, &dst.width, &dst.height);
	dst.stride = (size_t)dst.width + 3;
	dst.px = calloc(dst.stride, (size_t)dst.height);
	for (int y = 0; y < h; y += slice)
		orient_put_rows(&dst, o, w, y, h - y < slice ? h - y : slice,
				src.px + (size_t)y * src.stride, src.stride);
	for (int y = 0; y < h && same; y++)
		for (int x = 0; x < w && same; x++) {
			int u, v;

			map_point(o, w, h, x, y, &u, &v);
			same = dst.px[(size_t)v * dst.stride + (size_t)u] ==
			       src.px[(size_t)y * src.stride + (size_t)x];
		}
	free(src.px);
	free(dst.px);
	return same;
}

static bool same_orient(struct orient a, struct orient b)
{
	return a.transpose == b.transpose && a.flip_x == b.flip_x && a.flip_y == b.flip_y;
}

static void test_orient(void)
{
	static const int sizes[][3] = {{1, 1, 1}, {16, 16, 16}, {37, 53, 16}, {64, 33, 32},
				       {130, 17, 5}, {5, 140, 32}};
	bool all = true, composed = true;
	char name[128];

	for (int e = 1; e <= 8; e++) {
		all = true;
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
			all = all && put_matches(orient_from_exif(e), sizes[i][0], sizes[i][1],
						 sizes[i][2]);
		snprintf(name, sizeof name, "EXIF orientation %d: block and edge copies land right", e);
		ok(all, name);
	}
	ok(same_orient(orient_from_exif(0), orient_identity()) &&
		   same_orient(orient_from_exif(9), orient_identity()),
	   "orientations outside 1..8 read as 1");
	/* Composition: applying a then b point by point equals orient_then(a, b). */
	for (int a = 1; a <= 8; a++)
		for (int b = 1; b <= 8; b++) {
			struct orient oa = orient_from_exif(a), ob = orient_from_exif(b),
				      ab = orient_then(oa, ob);
			int w = 5, h = 3, aw, ah;

			orient_dims(oa, w, h, &aw, &ah);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					int u, v, u2, v2, u3, v3;

					map_point(oa, w, h, x, y, &u, &v);
					map_point(ob, aw, ah, u, v, &u2, &v2);
					map_point(ab, w, h, x, y, &u3, &v3);
					composed = composed && u2 == u3 && v2 == v3;
				}
		}
	ok(composed, "orient_then composes all 64 pairs like applying one after the other");
	ok(same_orient(orient_then(orient_from_exif(6), orient_from_exif(8)), orient_identity()),
	   "rotating right then left is the identity");
}

static void test_kernel(void)
{
	enum resize_isa best = resize_kernel_best();
	size_t len = 1000;
	unsigned char *rows[9], out[3][1000];
	int16_t w[9];
	bool same = true;

	for (int k = 0; k < 9; k++) {
		rows[k] = malloc(len);
		for (size_t i = 0; i < len; i++)
			rows[k][i] = (unsigned char)next_random();
	}
	for (int trial = 0; trial < 50 && same; trial++) {
		int n = 1 + trial % 9, sum = 0;

		for (int k = 0; k < n; k++) {
			w[k] = (int16_t)((int)(next_random() % 12000) - 3000);
			sum += w[k];
		}
		w[0] = (int16_t)(w[0] + RESIZE_ONE - sum);
		for (int isa = RESIZE_ISA_PORTABLE; isa <= (int)best; isa++)
			resize_kernel((enum resize_isa)isa, out[isa], (const unsigned char *const *)rows,
				      w, n, len - (size_t)trial);
		for (int isa = RESIZE_ISA_PORTABLE + 1; isa <= (int)best; isa++)
			same = same && memcmp(out[0], out[isa], len - (size_t)trial) == 0;
	}
	printf("# resize kernel: best implementation on this CPU is %s\n",
	       best == RESIZE_ISA_AVX2 ? "AVX2" : best == RESIZE_ISA_SSE2 ? "SSE2" : "portable");
	ok(same, "the SIMD kernels give the same bytes as the portable one, odd taps and tails too");
	for (int k = 0; k < 9; k++)
		free(rows[k]);
}

/* Resizes a flat plane and a plane with a vertical edge; checks values and the edge position. */
static void test_resize(void)
{
	struct photo_plane src, dst;
	struct dmr_error err;
	bool flat = true, edge = true;

	fill_plane(&src, 400, 300);
	memset(src.px, 77, src.stride * 300);
	dst.width = 123;
	dst.height = 45;
	dst.stride = 128;
	dst.px = malloc(dst.stride * 45);
	ok(resize_plane(&src, &dst, &err), "a plane resizes");
	for (int y = 0; y < 45; y++)
		for (int x = 0; x < 123; x++)
			flat = flat && dst.px[(size_t)y * dst.stride + (size_t)x] == 77;
	ok(flat, "a flat plane stays exactly flat (weights sum to one)");
	for (int y = 0; y < 300; y++)
		for (int x = 0; x < 400; x++)
			src.px[(size_t)y * src.stride + (size_t)x] = x < 200 ? 0 : 255;
	dst.width = 100;
	dst.height = 10;
	ok(resize_plane(&src, &dst, &err), "a 4x reduction with box pre-averaging runs");
	for (int y = 0; y < 10; y++) {
		const unsigned char *r = dst.px + (size_t)y * dst.stride;

		edge = edge && r[40] < 5 && r[59] > 250 && r[49] < 128 && r[50] > 128;
	}
	ok(edge, "a sharp edge stays sharp and in place");
	dst.width = 800;
	dst.height = 600;
	free(dst.px);
	dst.stride = 800;
	dst.px = malloc(800 * 600);
	ok(resize_plane(&src, &dst, &err) && dst.px[0] < 5 && dst.px[799] > 250,
	   "enlarging (for chroma planes) works too");
	free(src.px);
	free(dst.px);
}

static void test_fit_and_scale(void)
{
	int w, h;

	resize_fit(4032, 3024, 1600, &w, &h);
	ok(w == 1600 && h == 1200, "4032x3024 fits as 1600x1200");
	resize_fit(3024, 4032, 1600, &w, &h);
	ok(w == 1200 && h == 1600, "3024x4032 fits as 1200x1600");
	resize_fit(800, 600, 1600, &w, &h);
	ok(w == 800 && h == 600, "a small picture is never enlarged");
	resize_fit(60000, 2, 1600, &w, &h);
	ok(w == 1600 && h == 1, "a thin strip keeps one row");
	ok(jpeg_in_scale_for(4032, 1600) == 4, "4032 px decode at 1/2 for 1600");
	ok(jpeg_in_scale_for(3200, 1600) == 4, "3200 px decode at 4/8 exactly");
	ok(jpeg_in_scale_for(3201, 1600) == 4, "3201 px decode at 4/8 (3/8 gives 1201)");
	ok(jpeg_in_scale_for(2400, 1600) == 6, "2400 px decode at 6/8");
	ok(jpeg_in_scale_for(1600, 1600) == 8, "1600 px decode at full size");
	ok(jpeg_in_scale_for(600, 1600) == 8, "small pictures decode at full size");
	ok(jpeg_in_scale_for(64000, 1600) == 1, "huge pictures decode at 1/8");
}

static void sniffs(const char *bytes, size_t len, int status, const char *word, const char *name)
{
	struct dmr_error err;
	bool accepted;

	dmr_error_clear(&err);
	accepted = sniff_jpeg((const unsigned char *)bytes, len, &err);
	ok(status == 0 ? accepted
		       : !accepted && err.http_status == status && strstr(err.message, word) &&
				 strcmp(err.field, "photo") == 0,
	   name);
}

static void test_sniff(void)
{
	sniffs("\xff\xd8\xff\xe0", 4, 0, "", "JPEG magic is accepted");
	sniffs("", 0, 422, "empty", "empty data is 422");
	sniffs("\xff\xd8", 2, 422, "cut off", "a cut-off JPEG signature is 422");
	sniffs("\0\0\0\x18" "ftypheic\0\0\0\0", 16, 415, "HEIC", "HEIC is named");
	sniffs("\0\0\0\x18" "ftypmif1\0\0\0\0", 16, 415, "HEIF", "HEIF is named");
	sniffs("\0\0\0\x18" "ftypavif\0\0\0\0", 16, 415, "AVIF", "AVIF is named");
	sniffs("\x89PNG\r\n\x1a\n\0\0", 10, 415, "PNG", "PNG is named");
	sniffs("GIF89a..", 8, 415, "GIF", "GIF is named");
	sniffs("RIFF\0\0\0\0WEBPVP8 ", 16, 415, "WebP", "WebP is named");
	sniffs("II*\0\x08\0\0\0", 8, 415, "TIFF", "TIFF is named");
	sniffs("%PDF-1.7", 8, 415, "PDF", "PDF is named");
	sniffs("\0\0\0\x18" "ftypisom\0\0\0\0", 16, 415, "video", "MP4 is named as a video");
	sniffs("hello world", 11, 415, "not a JPEG", "anything else is 415");
}

int main(void)
{
	test_orient();
	test_kernel();
	test_resize();
	test_fit_and_scale();
	test_sniff();
	return tap_done();
}
