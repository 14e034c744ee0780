#ifndef DMR_PHOTO_JPEG_ERR_H
#define DMR_PHOTO_JPEG_ERR_H

/*
 * libjpeg's error handling made safe for a server. libjpeg reports fatal errors by calling
 * error_exit, whose default prints to stderr and calls exit(); here it longjmps back to the
 * caller's setjmp, which destroys the codec (that frees all of libjpeg's memory) and turns the
 * message code into a dmr_error. Warnings about corrupt data would otherwise let libjpeg carry
 * on and paint the rest of the picture grey; they stop the work the same way.
 *
 * Use:
 *     struct jpeg_fail fail;
 *     cinfo.err = jpeg_fail_init(&fail);
 *     if (setjmp(fail.jump)) { ...destroy cinfo, jpeg_fail_report(&fail, err)... }
 * The setjmp must be in a function that is still running when libjpeg is called, so every entry
 * point that calls libjpeg arms it again.
 */

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jpeglib.h> /* needs size_t and FILE declared first */

#include "base/error.h"

struct jpeg_fail {
	struct jpeg_error_mgr mgr; /* first: libjpeg hands back a pointer to it */
	jmp_buf jump;
	int code;                  /* the libjpeg message code that stopped the work, or 0 */
	bool in_header;            /* stray bytes between header segments are harmless there */
	char text[JMSG_LENGTH_MAX];
};

/* Prepares *f and returns the error manager to store in cinfo.err. */
struct jpeg_error_mgr *jpeg_fail_init(struct jpeg_fail *f);

/* A code of our own: the photo broke one of the decoder's limits (the text says which). */
#define JPEG_FAIL_LIMIT (-1)

/* Stops the codec now (from a progress monitor, say) with JPEG_FAIL_LIMIT and text `why`. */
void jpeg_fail_limit(j_common_ptr cinfo, const char *why);

/*
 * Fills err from what stopped the decoder: photo_too_many_pixels for impossible dimensions,
 * unsupported_media_type for JPEG variants libjpeg-turbo does not decode (12-bit, lossless,
 * hierarchical), internal_error for memory, photo_corrupt for the rest (JPEG_FAIL_LIMIT too).
 * Returns false.
 */
bool jpeg_fail_report(const struct jpeg_fail *f, struct dmr_error *err);

#endif
