/*
 * libFuzzer target for the photo pipeline: any bytes through photo_process with the default
 * limits. A crash, a sanitizer report, a leak or a malloc above -malloc_limit_mb is a finding;
 * refusals are the expected outcome for most inputs. Build and run with tests/fuzz/run.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "photo/photo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct photo_limits lim;
	struct photo_output out;
	struct dmr_error err;

	photo_limits_default(&lim);
	if (photo_process(data, size, &lim, &out, &err)) {
		/* Touch the outputs so that a wrong length shows up under ASan. */
		volatile unsigned char sink = 0;

		if (out.jpeg_len)
			sink ^= out.jpeg[out.jpeg_len - 1];
		if (out.thumb_len)
			sink ^= out.thumb[out.thumb_len - 1];
		(void)sink;
		photo_output_free(&out);
	} else if (err.http_status < 400 || err.code[0] == '\0' || out.jpeg || out.thumb) {
		__builtin_trap(); /* a refusal must say why, and leave nothing behind */
	}
	return 0;
}
