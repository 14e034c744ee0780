/*
 * photo_process end to end, on the shared test photos ($DMR_SHARED/testdata/photos), the
 * fixtures next to this file, variants encoded here, and crafted or damaged inputs.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tap.h"
#include "alloc_count.h"
#include "jpeg_util.h"
#include "photo/photo.h"

#ifndef DMR_TEST_SHARED
#define DMR_TEST_SHARED "/work/shared"
#endif
#ifndef DMR_TEST_FIXTURES
#define DMR_TEST_FIXTURES "tests/photo/fixtures"
#endif

/* Mean absolute difference, per channel value 0..255, below which two pictures look alike. */
#define ALIKE 3.0

static char photos[1024];
static struct photo_limits lim;

static void path_of(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Processes a file; on failure *err says why. The output must be freed by the caller. */
static bool process_file(const char *path, struct photo_output *out, struct dmr_error *err)
{
	unsigned char *data;
	size_t len;
	bool done;

	dmr_error_clear(err);
	if (!util_read_file(path, &data, &len)) {
		printf("# cannot read %s\n", path);
		memset(out, 0, sizeof *out);
		return dmr_fail(err, "test_cannot_read", NULL, "cannot read %s", path);
	}
	done = photo_process(data, len, &lim, out, err);
	free(data);
	return done;
}

/* True when the JPEG holds no metadata segment: only APP0 (JFIF) among APPn, no COM. */
static bool clean_markers(const unsigned char *jpeg, size_t len)
{
	unsigned char m[256];
	int n = util_markers(jpeg, len, m, 256);

	if (n < 3 || n > 256 || m[0] != 0xD8 || m[n - 1] != 0xD9)
		return false;
	for (int i = 0; i < n; i++)
		if ((m[i] >= 0xE1 && m[i] <= 0xEF) || m[i] == 0xFE)
			return false;
	return true;
}

/* The short side that resize_fit gives for a long side scaled from src_long to out_long. */
static int scaled_short(int src_short, int src_long, int out_long)
{
	int s = (int)lround((double)src_short * out_long / src_long);

	return out_long == src_long ? src_short : s < 1 ? 1 : s;
}

/* The checks every successful output must pass; src_w x src_h is the declared input size. */
static void check_output(const char *name, const struct photo_output *out, int src_w, int src_h)
{
	char label[512];
	int w, h, comps, h0, v0, tw, th, tcomps, th0, tv0;
	int src_long = src_w > src_h ? src_w : src_h, src_short = src_w > src_h ? src_h : src_w;
	int out_long = out->width > out->height ? out->width : out->height;
	int out_short = out->width > out->height ? out->height : out->width;
	int thumb_long = out->thumb_width > out->thumb_height ? out->thumb_width : out->thumb_height;
	int thumb_short = out->thumb_width > out->thumb_height ? out->thumb_height
							       : out->thumb_width;
	bool sof = util_sof(out->jpeg, out->jpeg_len, &w, &h, &comps, &h0, &v0) &&
		   util_sof(out->thumb, out->thumb_len, &tw, &th, &tcomps, &th0, &tv0);

	snprintf(label, sizeof label, "%s: output and thumbnail hold no APP1/APP2/APP13/COM", name);
	ok(clean_markers(out->jpeg, out->jpeg_len) && clean_markers(out->thumb, out->thumb_len),
	   label);
	snprintf(label, sizeof label,
		 "%s: %dx%d -> %dx%d, thumb %dx%d: at most 1600 and 320, never enlarged, aspect kept",
		 name, src_w, src_h, out->width, out->height, out->thumb_width, out->thumb_height);
	ok(sof && w == out->width && h == out->height && tw == out->thumb_width &&
		   th == out->thumb_height && out_long == (src_long < 1600 ? src_long : 1600) &&
		   out_short == scaled_short(src_short, src_long, out_long) &&
		   thumb_long == (out_long < 320 ? out_long : 320) &&
		   thumb_short == scaled_short(out_short, out_long, thumb_long) &&
		   (out->width > out->height) == (tw > th),
	   label);
	snprintf(label, sizeof label, "%s: baseline 4:2:0 colour or 1-component gray", name);
	ok(sof && (comps == 1 || (comps == 3 && h0 == 2 && v0 == 2)) && comps == tcomps, label);
}

/* Every .jpg of a folder: processed, checked, and (for landscape/portrait) kept for later. */
static void process_folder(const char *folder)
{
	char dir[1200], path[1500], label[600];
	struct dirent **names;
	int n;

	path_of(dir, sizeof dir, photos, folder);
	n = scandir(dir, &names, NULL, alphasort);
	ok(n > 2, folder);
	for (int i = 0; i < n; i++) {
		struct photo_output out;
		struct dmr_error err;
		unsigned char *data;
		size_t len;
		int w = 0, h = 0, c, h0, v0;
		const char *name = names[i]->d_name;

		if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".jpg") == 0) {
			path_of(path, sizeof path, dir, name);
			if (util_read_file(path, &data, &len)) {
				util_sof(data, len, &w, &h, &c, &h0, &v0);
				free(data);
			}
			snprintf(label, sizeof label, "%s/%s is processed", folder, name);
			if (!process_file(path, &out, &err))
				printf("# %d %s: %s\n", err.http_status, err.code, err.message);
			ok(out.jpeg != NULL, label);
			if (out.jpeg) {
				snprintf(label, sizeof label, "%s/%s", folder, name);
				check_output(label, &out, w, h);
			}
			photo_output_free(&out);
		}
		free(names[i]);
	}
	free(names);
}

/* The output of a file, decoded, averaged over a gw x gh grid. */
static bool output_grid(const char *path, int gw, int gh, double *grid, int *w, int *h)
{
	struct photo_output out;
	struct dmr_error err;
	struct rgb img;
	int comps;
	bool done = process_file(path, &out, &err) &&
		    util_decode(out.jpeg, out.jpeg_len, &img, &comps);

	if (done) {
		util_grid(&img, gw, gh, grid);
		*w = img.width;
		*h = img.height;
		util_rgb_free(&img);
	}
	photo_output_free(&out);
	return done;
}

/* g (gw x gh grid) mirrored left-right and/or top-bottom into out. */
static void mirror_grid(const double *g, int gw, int gh, bool mx, bool my, double *out)
{
	for (int y = 0; y < gh; y++)
		for (int x = 0; x < gw; x++)
			for (int c = 0; c < 3; c++)
				out[(y * gw + x) * 3 + c] =
					g[((my ? gh - 1 - y : y) * gw + (mx ? gw - 1 - x : x)) * 3 + c];
}

/*
 * landscape_N and portrait_N come out upright: the right shape, alike each other, and alike
 * N = 1 in their upright position much more than mirrored or upside down. (N = 1 is a slightly
 * different picture from 2..8 in the sample set: its originals differ by about 13 on average,
 * while 2..8 differ from each other by less than 1.)
 */
static void test_orientation(const char *kind, bool landscape)
{
	char dir[1200], path[1500], label[300];
	int gw = landscape ? 16 : 12, gh = landscape ? 12 : 16, n = gw * gh * 3, w = 0, h = 0;
	double ref1[16 * 12 * 3], ref2[16 * 12 * 3], grid[16 * 12 * 3], turned[16 * 12 * 3];

	path_of(dir, sizeof dir, photos, "orientation");
	snprintf(path, sizeof path, "%s/%s_1.jpg", dir, kind);
	ok(output_grid(path, gw, gh, ref1, &w, &h), kind);
	snprintf(path, sizeof path, "%s/%s_2.jpg", dir, kind);
	ok(output_grid(path, gw, gh, ref2, &w, &h), kind);
	for (int o = 1; o <= 8; o++) {
		double upright = 1e9, alike = 1e9, best_other = 0;
		bool shaped = false;

		snprintf(path, sizeof path, "%s/%s_%d.jpg", dir, kind, o);
		if (output_grid(path, gw, gh, grid, &w, &h)) {
			upright = util_mad(ref1, grid, n);
			alike = o == 1 ? 0 : util_mad(ref2, grid, n);
			shaped = landscape ? w > h : h > w;
			best_other = 1e9;
			for (int m = 1; m < 4; m++) {
				double d;

				mirror_grid(grid, gw, gh, m & 1, m & 2, turned);
				d = util_mad(ref1, turned, n);
				best_other = d < best_other ? d : best_other;
			}
		}
		snprintf(label, sizeof label,
			 "%s_%d comes out upright: %dx%d, differs from %s_1 by %.2f (mirrored or "
			 "turned: %.2f at least), from %s_2 by %.2f",
			 kind, o, w, h, kind, upright, best_other, kind, alike);
		ok(shaped && upright < 20 && best_other > upright + 8 && alike < ALIKE / 2, label);
	}
}

struct place {
	const char *file;
	double lat, lon;
};

static void test_gps(void)
{
	/* Read with exif(1) from the originals: degrees + minutes / 60 + seconds / 3600. */
	static const struct place places[] = {
		{"gps/DSCN0010.jpg", 43.467448, 11.885127},
		{"gps/DSCN0012.jpg", 43.467157, 11.885395},
		{"gps/DSCN0021.jpg", 43.467082, 11.884538},
		{"gps/DSCN0025.jpg", 43.468365, 11.881635},
		{"gps/DSCN0027.jpg", 43.468442, 11.881515},
		{"gps/DSCN0029.jpg", 43.468243, 11.880172},
		{"gps/DSCN0038.jpg", 43.467255, 11.879213},
		{"gps/DSCN0040.jpg", 43.466012, 11.879112},
		{"gps/DSCN0042.jpg", 43.464455, 11.881478},
		{"mobile/HMD_Nokia_8.3_5G.jpg", 60.146706, 24.906772},
		{"mobile/iphone_hdr_NO.jpg", 40.446972, -3.724753}, /* west: negative */
	};
	static const char *const without[] = {"camera/no_exif.jpg", "camera/Canon_40D.jpg",
					      "mobile/jolla.jpg", "orientation/landscape_6.jpg"};
	char path[1500], label[512];

	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
		struct photo_output out;
		struct dmr_error err;
		bool done;

		path_of(path, sizeof path, photos, places[i].file);
		done = process_file(path, &out, &err);
		snprintf(label, sizeof label, "%s: GPS %.6f, %.6f (expected %.6f, %.6f), not in output",
			 places[i].file, out.gps_lat, out.gps_lon, places[i].lat, places[i].lon);
		ok(done && out.has_gps && fabs(out.gps_lat - places[i].lat) < 1e-5 &&
			   fabs(out.gps_lon - places[i].lon) < 1e-5 &&
			   clean_markers(out.jpeg, out.jpeg_len),
		   label);
		photo_output_free(&out);
	}
	for (size_t i = 0; i < sizeof without / sizeof without[0]; i++) {
		struct photo_output out;
		struct dmr_error err;

		path_of(path, sizeof path, photos, without[i]);
		snprintf(label, sizeof label, "%s: no GPS position", without[i]);
		ok(process_file(path, &out, &err) && !out.has_gps, label);
		photo_output_free(&out);
	}
}

static void expect_error(const char *label, const unsigned char *data, size_t len, int status,
			 const char *code)
{
	struct photo_output out;
	struct dmr_error err;
	char full[600];
	bool done;

	dmr_error_clear(&err);
	done = photo_process(data, len, &lim, &out, &err);
	snprintf(full, sizeof full, "%s: %d %s (%s)", label, err.http_status, err.code,
		 err.message);
	ok(!done && err.http_status == status && strcmp(err.code, code) == 0 &&
		   strcmp(err.field, "photo") == 0 && out.jpeg == NULL && out.thumb == NULL,
	   full);
	if (done)
		photo_output_free(&out);
}

static void expect_file_error(const char *rel, int status, const char *code)
{
	char path[1500];
	unsigned char *data;
	size_t len;

	path_of(path, sizeof path, photos, rel);
	if (!util_read_file(path, &data, &len)) {
		ok(false, rel);
		return;
	}
	expect_error(rel, data, len, status, code);
	free(data);
}

static void test_refused_files(void)
{
	/* image0*.jpg of invalid/ are sound JPEGs whose APP1 holds XMP, not EXIF (the EXIF
	 * sample set calls them invalid for that): the picture is fine, so they are accepted,
	 * and their XMP dropped. corrupted.jpg has damaged entropy-coded data. */
	static const char *const xmp_only[] = {"image00971.jpg", "image01088.jpg", "image01137.jpg",
					       "image01551.jpg", "image01713.jpg", "image01980.jpg",
					       "image02206.jpg"};
	char path[1500], label[600];

	expect_file_error("invalid/corrupted.jpg", 422, "photo_corrupt");
	for (size_t i = 0; i < sizeof xmp_only / sizeof xmp_only[0]; i++) {
		struct photo_output out;
		struct dmr_error err;

		snprintf(path, sizeof path, "%s/invalid/%s", photos, xmp_only[i]);
		snprintf(label, sizeof label, "invalid/%s (XMP in APP1, sound picture) is accepted clean",
			 xmp_only[i]);
		ok(process_file(path, &out, &err) && clean_markers(out.jpeg, out.jpeg_len) &&
			   !out.has_gps,
		   label);
		photo_output_free(&out);
	}
	expect_file_error("heic/IMG_5195.HEIC", 415, "unsupported_media_type");
	expect_file_error("heic/iphone_13_pro_max.HEIC", 415, "unsupported_media_type");
}

/* A real photo whose frame header is rewritten to claim width x height. */
static unsigned char *with_size(const char *rel, int width, int height, size_t *len)
{
	char path[1500];
	unsigned char *data;
	size_t at;

	path_of(path, sizeof path, photos, rel);
	if (!util_read_file(path, &data, len))
		return NULL;
	at = util_sof_offset(data, *len);
	if (!at) {
		free(data);
		return NULL;
	}
	data[at] = (unsigned char)(height >> 8);
	data[at + 1] = (unsigned char)height;
	data[at + 2] = (unsigned char)(width >> 8);
	data[at + 3] = (unsigned char)width;
	return data;
}

/* A progressive file with more scans than any encoder writes is refused. */
static void test_scan_limit(void)
{
	struct util_variant v = {"66 scans", UTIL_YCC, 2, 2, false, 0, false, true};
	struct rgb img = {64, 48, NULL};
	unsigned char *data;
	size_t len;

	img.px = malloc(64 * 48 * 3);
	for (int i = 0; i < 64 * 48 * 3; i++)
		img.px[i] = (unsigned char)(i * 13);
	data = util_encode(&img, &v, &len);
	ok(data != NULL, "a 66-scan progressive JPEG is made");
	if (data)
		expect_error("66 progressive scans", data, len, 422, "photo_corrupt");
	free(data);
	free(img.px);
}

static void test_limits(void)
{
	struct photo_output out;
	struct dmr_error err;
	unsigned char *data;
	size_t len, peak;
	char label[300];

	data = with_size("orientation/landscape_1.jpg", 60000, 60000, &len);
	ok(data != NULL, "a 60000x60000 header is crafted");
	alloc_count_start();
	expect_error("60000x60000 declared", data, len, 422, "photo_too_many_pixels");
	peak = alloc_count_peak();
	/* Zero means the counter saw nothing, not even libjpeg's tables: valgrind has replaced
	 * malloc. ASan and plain builds count. */
	snprintf(label, sizeof label,
		 "refused from the header: at most %zu bytes allocated (10.8 GB would be needed)%s",
		 peak, peak == 0 ? " # SKIP the allocation counter is not active" : "");
	ok(peak < 1024 * 1024, label);
	free(data);

	data = with_size("orientation/landscape_1.jpg", 600, 0, &len);
	expect_error("a zero height", data, len, 422, "photo_corrupt");
	free(data);

	/* Under the pixel limit, but the data is for 600x450: it runs out. */
	data = with_size("orientation/landscape_1.jpg", 7000, 7000, &len);
	expect_error("7000x7000 declared over 600x450 data", data, len, 422, "photo_corrupt");
	free(data);

	data = with_size("orientation/landscape_1.jpg", 600, 450, &len);
	lim.max_pixels = 600 * 450 - 1;
	expect_error("one pixel over a lowered limit", data, len, 422, "photo_too_many_pixels");
	lim.max_pixels = 600 * 450;
	ok(photo_process(data, len, &lim, &out, &err), "exactly at the pixel limit is accepted");
	photo_output_free(&out);
	photo_limits_default(&lim);

	lim.max_bytes = len - 1;
	expect_error("one byte over max_bytes", data, len, 413, "photo_too_large");
	photo_limits_default(&lim);
	free(data);

	/* JPEG processes libjpeg-turbo (8-bit build) does not decode: 12-bit and lossless. */
	data = with_size("orientation/landscape_1.jpg", 600, 450, &len);
	data[util_sof_offset(data, len) - 1] = 12;
	expect_error("a 12-bit JPEG", data, len, 415, "unsupported_media_type");
	data[util_sof_offset(data, len) - 1] = 8;
	data[util_sof_offset(data, len) - 4] = 0xC3;
	expect_error("a lossless JPEG (SOF3)", data, len, 415, "unsupported_media_type");
	free(data);

	test_scan_limit();

	/* The byte limit comes first: 16 MB of zeros are too large, not "not a JPEG". */
	data = calloc(16u * 1000 * 1000, 1);
	expect_error("16 MB of zeros", data, 16u * 1000 * 1000, 413, "photo_too_large");
	free(data);

	expect_error("empty input", (const unsigned char *)"", 0, 422, "photo_corrupt");
	expect_error("a PNG", (const unsigned char *)"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, 415,
		     "unsupported_media_type");
	expect_error("SOI and nothing else", (const unsigned char *)"\xff\xd8\xff\xd9", 4, 422,
		     "photo_corrupt");

	lim.max_side = 0;
	expect_error("limits that make no sense", (const unsigned char *)"\xff\xd8\xff", 3, 500,
		     "internal_error");
	photo_limits_default(&lim);
}

/* Cut-off and damaged copies of a photo: always a clean 422 or a clean picture, never a crash. */
static void test_damage(void)
{
	char path[1500], label[200];
	unsigned char *data;
	size_t len;
	bool all = true, clean = true;

	path_of(path, sizeof path, photos, "orientation/landscape_3.jpg");
	if (!util_read_file(path, &data, &len)) {
		ok(false, "landscape_3.jpg is read");
		return;
	}
	for (int i = 1; i < 40; i++) {
		size_t cut = len * (size_t)i / 40;
		struct photo_output out;
		struct dmr_error err;

		dmr_error_clear(&err);
		if (photo_process(data, cut, &lim, &out, &err)) {
			all = false;
			photo_output_free(&out);
			printf("# cut at %zu of %zu accepted\n", cut, len);
		} else if (err.http_status != 422 || strcmp(err.code, "photo_corrupt") != 0) {
			all = false;
			printf("# cut at %zu: %d %s\n", cut, err.http_status, err.code);
		}
	}
	ok(all, "39 truncations of a photo are each 422 photo_corrupt (no half-grey picture)");
	for (int i = 0; i < 60; i++) {
		unsigned char *copy = malloc(len);
		struct photo_output out;
		struct dmr_error err;
		size_t at = len / 3 + (size_t)i * (len / 2) / 60;

		memcpy(copy, data, len);
		copy[at] ^= (unsigned char)(0x5A + i);
		copy[at + 7] ^= 0xFF;
		if (photo_process(copy, len, &lim, &out, &err)) {
			clean = clean && clean_markers(out.jpeg, out.jpeg_len);
			photo_output_free(&out);
		} else {
			clean = clean && err.http_status == 422;
		}
		free(copy);
	}
	snprintf(label, sizeof label,
		 "60 bit-damaged copies each give a clean picture or a 422, and no crash");
	ok(clean, label);
	free(data);
}

/* Processes data and compares its output with the truth, over a 16x12 grid. */
/* A colour grid to the gray levels a grayscale JPEG of it holds (JFIF luma). */
static void grid_to_gray(double *g, int cells)
{
	for (int i = 0; i < cells; i++) {
		double y = 0.299 * g[i * 3] + 0.587 * g[i * 3 + 1] + 0.114 * g[i * 3 + 2];

		g[i * 3] = g[i * 3 + 1] = g[i * 3 + 2] = y;
	}
}

static void expect_alike(const char *label, const unsigned char *data, size_t len,
			 const struct rgb *truth, int components)
{
	struct photo_output out;
	struct dmr_error err;
	struct rgb img = {0};
	double a[16 * 12 * 3], b[16 * 12 * 3], mad = 1e9;
	int comps = 0, w = 0, h = 0, c, h0, v0;
	char full[400];

	dmr_error_clear(&err);
	if (photo_process(data, len, &lim, &out, &err) &&
	    util_decode(out.jpeg, out.jpeg_len, &img, &comps)) {
		util_grid(truth, 16, 12, a);
		if (components == 1)
			grid_to_gray(a, 16 * 12);
		util_grid(&img, 16, 12, b);
		mad = util_mad(a, b, 16 * 12 * 3);
		util_sof(out.jpeg, out.jpeg_len, &w, &h, &c, &h0, &v0);
	}
	snprintf(full, sizeof full, "%s: %dx%d, %d component(s), difference %.2f %s", label, w, h,
		 comps, mad, err.code);
	ok(mad < ALIKE && comps == components && clean_markers(out.jpeg, out.jpeg_len) &&
		   w <= 1600 && h <= 1600,
	   full);
	util_rgb_free(&img);
	photo_output_free(&out);
}

/* Variants encoded here from a test photo, small and large (large ones use DCT scaling). */
static void test_variants(void)
{
	static const struct util_variant variants[] = {
		{"baseline 4:2:0", UTIL_YCC, 2, 2, false, 0, false, false},
		{"4:4:4", UTIL_YCC, 1, 1, false, 0, false, false},
		{"4:2:2", UTIL_YCC, 2, 1, false, 0, false, false},
		{"4:4:0", UTIL_YCC, 1, 2, false, 0, false, false},
		{"4:1:1", UTIL_YCC, 4, 1, false, 0, false, false},
		{"progressive 4:2:0", UTIL_YCC, 2, 2, true, 0, false, false},
		{"restart markers every row", UTIL_YCC, 2, 2, false, 1, false, false},
		{"progressive with restart markers", UTIL_YCC, 2, 1, true, 2, false, false},
		{"arithmetic coded", UTIL_YCC, 2, 2, false, 0, true, false},
		{"grayscale", UTIL_GRAY, 1, 1, false, 0, false, false},
		{"RGB (no colour transform)", UTIL_RGB, 1, 1, false, 0, false, false},
		{"Adobe CMYK (inverted)", UTIL_CMYK, 1, 1, false, 0, false, false},
		{"Adobe YCCK", UTIL_YCCK, 2, 2, false, 0, false, false},
	};
	static const int sizes[][2] = {{600, 450}, {2000, 1500}, {3300, 2475}};
	char path[1500], label[300];
	unsigned char *data;
	size_t len;
	struct rgb small, truth;
	int comps;

	path_of(path, sizeof path, photos, "orientation/landscape_1.jpg");
	if (!util_read_file(path, &data, &len) || !util_decode(data, len, &small, &comps)) {
		ok(false, "landscape_1.jpg decodes");
		return;
	}
	free(data);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		if (!util_rgb_resize(&small, sizes[s][0], sizes[s][1], &truth))
			continue;
		for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
			/* The largest size only for a few, to keep the test quick under valgrind. */
			if (s == 2 && i != 0 && i != 2 && i != 5 && i != 11)
				continue;
			data = util_encode(&truth, &variants[i], &len);
			snprintf(label, sizeof label, "%s %dx%d", variants[i].name, sizes[s][0],
				 sizes[s][1]);
			if (!data) {
				ok(false, label);
				continue;
			}
			expect_alike(label, data, len, &truth, variants[i].space == UTIL_GRAY ? 1 : 3);
			free(data);
		}
		util_rgb_free(&truth);
	}
	util_rgb_free(&small);
}

static void test_fixtures(void)
{
	static const struct {
		const char *file, *what;
		int components;
	} fixtures[] = {
		{"progressive_restart.jpg", "jpegtran -progressive -restart 1", 3},
		{"gray.jpg", "jpegtran -grayscale", 1},
		{"s444.jpg", "cjpeg -sample 1x1", 3},
		{"cmyk.jpg", "ImageMagick -colorspace CMYK", 3},
	};
	char path[1500], label[300];
	unsigned char *data;
	size_t len;
	struct rgb truth;
	int comps;

	path_of(path, sizeof path, photos, "orientation/landscape_1.jpg");
	if (!util_read_file(path, &data, &len) || !util_decode(data, len, &truth, &comps)) {
		ok(false, "landscape_1.jpg decodes");
		return;
	}
	free(data);
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const char *dir = getenv("DMR_PHOTO_FIXTURES");

		path_of(path, sizeof path, dir ? dir : DMR_TEST_FIXTURES, fixtures[i].file);
		snprintf(label, sizeof label, "fixture %s (%s)", fixtures[i].file, fixtures[i].what);
		if (!util_read_file(path, &data, &len)) {
			printf("# cannot read %s\n", path);
			ok(false, label);
			continue;
		}
		expect_alike(label, data, len, &truth, fixtures[i].components);
		free(data);
	}
	util_rgb_free(&truth);
}

/* Pictures at the edges of the size range. */
static void test_shapes(void)
{
	static const int shapes[][2] = {{1, 1}, {7, 3}, {3000, 9}, {9, 3000}, {1601, 1601},
					{1599, 17}, {16, 16}};
	struct util_variant v = {"4:2:0", UTIL_YCC, 2, 2, false, 0, false, false};
	char label[200];

	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		struct rgb img = {shapes[i][0], shapes[i][1], NULL};
		struct photo_output out;
		struct dmr_error err;
		unsigned char *data;
		size_t len, n = (size_t)img.width * img.height * 3;

		img.px = malloc(n);
		for (size_t p = 0; p < n; p++)
			img.px[p] = (unsigned char)(p * 7 + p / 3);
		data = util_encode(&img, &v, &len);
		snprintf(label, sizeof label, "a %dx%d picture", img.width, img.height);
		ok(data && photo_process(data, len, &lim, &out, &err), label);
		if (data && out.jpeg)
			check_output(label, &out, img.width, img.height);
		photo_output_free(&out);
		free(data);
		free(img.px);
	}
}

int main(void)
{
	const char *shared = getenv("DMR_SHARED");

	snprintf(photos, sizeof photos, "%s/testdata/photos", shared ? shared : DMR_TEST_SHARED);
	printf("# photos from %s\n", photos);
	photo_limits_default(&lim);
	process_folder("camera");
	process_folder("mobile");
	process_folder("gps");
	process_folder("orientation");
	test_orientation("landscape", true);
	test_orientation("portrait", false);
	test_gps();
	test_refused_files();
	test_limits();
	test_damage();
	test_variants();
	test_fixtures();
	test_shapes();
	return tap_done();
}
