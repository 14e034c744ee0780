#ifndef DMR_TESTS_PHOTO_JPEG_UTIL_H
#define DMR_TESTS_PHOTO_JPEG_UTIL_H

/*
 * Test helpers built on libjpeg directly, independent of the code under test: read files,
 * decode to RGB, encode test variants (sampling, progressive, restart markers, gray, RGB,
 * CMYK, YCCK, arithmetic coding), walk markers, and compare pictures at a coarse scale.
 */

#include <stdbool.h>
#include <stddef.h>

struct rgb {
	int width, height;
	unsigned char *px; /* width * height * 3 */
};

/* A whole file in memory (malloc'd). */
bool util_read_file(const char *path, unsigned char **data, size_t *len);

/* Decodes any JPEG libjpeg reads to RGB; *components gets the file's component count. */
bool util_decode(const unsigned char *data, size_t len, struct rgb *out, int *components);

void util_rgb_free(struct rgb *img);

/* A bilinear resize, to make large test pictures from small ones. */
bool util_rgb_resize(const struct rgb *src, int width, int height, struct rgb *out);

enum util_space { UTIL_YCC, UTIL_GRAY, UTIL_RGB, UTIL_CMYK, UTIL_YCCK };

struct util_variant {
	const char *name;
	enum util_space space;
	int h, v;          /* luma sampling factors (YCC and YCCK) */
	bool progressive;
	int restart_rows;  /* 0: none */
	bool arithmetic;
	bool many_scans;   /* progressive, one scan per AC coefficient of luma: 66 scans */
};

/* Encodes img as that variant at quality 85 (malloc'd; CMYK is stored inverted, as Adobe). */
unsigned char *util_encode(const struct rgb *img, const struct util_variant *v, size_t *len);

/*
 * The markers of a JPEG in order (the byte after 0xFF: 0xD8 SOI, 0xE1 APP1...), restart markers
 * and the entropy-coded data skipped. Returns how many, or -1 if the structure is broken.
 */
int util_markers(const unsigned char *data, size_t len, unsigned char *markers, int max);

/* The frame header's dimensions, sampling of component 0 and component count. */
bool util_sof(const unsigned char *data, size_t len, int *width, int *height, int *components,
	      int *h0, int *v0);

/* Offset of the SOF segment's height field (for crafting headers), or 0. */
size_t util_sof_offset(const unsigned char *data, size_t len);

/* The average colour over a gw x gh grid: out has gw * gh * 3 values. */
void util_grid(const struct rgb *img, int gw, int gh, double *out);

/* Mean absolute difference per value. */
double util_mad(const double *a, const double *b, int n);

#endif
