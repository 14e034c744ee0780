#ifndef DMR_PHOTO_SNIFF_H
#define DMR_PHOTO_SNIFF_H

/*
 * What the first bytes of an upload say it is. Clients mislabel files (an iPhone's HEIC sent as
 * "image/jpeg", a PNG renamed .jpg), so the pipeline trusts only the magic numbers.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/*
 * True when data[0..len) starts like a JPEG (FF D8 FF). Otherwise fills err: 422 photo_corrupt
 * for empty data or a cut-off JPEG signature, 415 unsupported_media_type for anything else, with
 * a message naming the format when it is recognised (HEIC/HEIF, AVIF, PNG, GIF, WebP, TIFF, BMP,
 * JPEG 2000, JPEG XL, PDF, video).
 */
bool sniff_jpeg(const unsigned char *data, size_t len, struct dmr_error *err);

#endif
