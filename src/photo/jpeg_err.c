#include "photo/jpeg_err.h"

#include <string.h>

#include <jerror.h>

/* The error is fatal: keep its text and leave through the caller's setjmp. */
static void fail_exit(j_common_ptr cinfo)
{
	struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;

	f->code = f->mgr.msg_code;
	f->mgr.format_message(cinfo, f->text);
	longjmp(f->jump, 1);
}

/*
 * Warnings that do not touch the pixels: an unknown JFIF version, an odd Adobe transform code,
 * a bad ICC profile (dropped anyway), and stray bytes between header segments (some cameras pad
 * their metadata). Every other warning says the compressed data is damaged.
 */
static bool harmless(const struct jpeg_fail *f, int code)
{
	return code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC ||
	       (code == JWRN_EXTRANEOUS_DATA && f->in_header);
}

/* level < 0 is a warning, level >= 0 trace output; nothing is ever printed. */
static void fail_message(j_common_ptr cinfo, int level)
{
	struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;

	if (level >= 0)
		return;
	f->mgr.num_warnings++;
	if (!harmless(f, f->mgr.msg_code))
		fail_exit(cinfo);
}

static void fail_output(j_common_ptr cinfo)
{
	(void)cinfo;
}

struct jpeg_error_mgr *jpeg_fail_init(struct jpeg_fail *f)
{
	memset(f, 0, sizeof *f);
	jpeg_std_error(&f->mgr);
	f->mgr.error_exit = fail_exit;
	f->mgr.emit_message = fail_message;
	f->mgr.output_message = fail_output;
	return &f->mgr;
}

void jpeg_fail_limit(j_common_ptr cinfo, const char *why)
{
	struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;

	f->code = JPEG_FAIL_LIMIT;
	snprintf(f->text, sizeof f->text, "%s", why);
	longjmp(f->jump, 1);
}

bool jpeg_fail_report(const struct jpeg_fail *f, struct dmr_error *err)
{
	switch (f->code) {
	case JPEG_FAIL_LIMIT:
		return dmr_fail(err, "photo_corrupt", "photo", "%s", f->text);
	case JERR_EMPTY_IMAGE:
		return dmr_fail(err, "photo_corrupt", "photo",
				"the photo declares no pixels (a zero width or height)");
	case JERR_IMAGE_TOO_BIG:
	case JERR_WIDTH_OVERFLOW:
		return dmr_fail(err, "photo_too_many_pixels", "photo",
				"the photo declares dimensions beyond %ld pixels",
				(long)JPEG_MAX_DIMENSION);
	case JERR_NO_BACKING_STORE:
		return dmr_fail(err, "photo_too_many_pixels", "photo",
				"the photo needs too much memory to decode");
	case JERR_BAD_PRECISION:
	case JERR_SOF_UNSUPPORTED:
	case JERR_NOT_COMPILED:
		return dmr_fail(err, "unsupported_media_type", "photo",
				"this kind of JPEG is not supported (%s): send an ordinary JPEG",
				f->text);
	case JERR_OUT_OF_MEMORY:
		return dmr_fail(err, "internal_error", "photo", "out of memory: %s", f->text);
	default:
		return dmr_fail(err, "photo_corrupt", "photo",
				"the photo is damaged or truncated (%s)", f->text);
	}
}
