#ifndef DMR_PHOTO_RESIZE_KERNEL_H
#define DMR_PHOTO_RESIZE_KERNEL_H

/*
 * The one inner loop of the resizer: a weighted sum of n whole rows, element by element.
 * Both resize passes use it (the second works on a transposed picture), so it is the only code
 * that must be fast: it runs over contiguous bytes, channel-blind, and is written with SSE2
 * (every x86-64) and AVX2 (picked at run time) intrinsics, because gcc -O2 does not vectorise
 * the widening multiply-add of the portable version (measured: 3x slower).
 *
 * Weights are Q14 fixed point (1.0 = 16384) and each output's weights sum to 16384. Every
 * implementation computes exactly clamp((16384/2 + sum(w[k] * rows[k][i])) >> 14, 0, 255), so
 * they give identical bytes and the tests can compare them.
 */

#include <stddef.h>
#include <stdint.h>

#define RESIZE_ONE 16384 /* 1.0 in the weights' fixed point */

enum resize_isa {
	RESIZE_ISA_PORTABLE, /* plain C */
	RESIZE_ISA_SSE2,
	RESIZE_ISA_AVX2,
};

/* The best implementation this CPU runs. */
enum resize_isa resize_kernel_best(void);

/*
 * out[i] = sum over k < n of w[k] * rows[k][i], for i < len, rounded and clamped (n >= 1).
 * isa must be one this CPU runs (at most resize_kernel_best()).
 */
void resize_kernel(enum resize_isa isa, unsigned char *out, const unsigned char *const *rows,
		   const int16_t *w, int n, size_t len);

#endif
