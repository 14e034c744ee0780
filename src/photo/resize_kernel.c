#include "photo/resize_kernel.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

static inline unsigned char clamp_q14(int32_t acc)
{
	acc >>= 14;
	return (unsigned char)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
}

/* Elements [from, len) in plain C: the tails of the vector versions, and the portable version. */
static void sum_rows_c(unsigned char *out, const unsigned char *const *rows, const int16_t *w,
		       int n, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++) {
		int32_t acc = RESIZE_ONE / 2;

		for (int k = 0; k < n; k++)
			acc += w[k] * rows[k][i];
		out[i] = clamp_q14(acc);
	}
}

#ifdef HAVE_X86

/* Weights k and k + 1 side by side in 32 bits (w[k] low), as pmaddwd pairs them. */
static inline int32_t weight_pair(const int16_t *w, int k)
{
	return (int32_t)((uint32_t)(uint16_t)w[k + 1] << 16 | (uint16_t)w[k]);
}

/* acc + (pairs of v) * (pairs of w): pmaddwd, then add. */
static inline __m128i madd(__m128i acc, __m128i v, __m128i w)
{
	return _mm_add_epi32(acc, _mm_madd_epi16(v, w));
}

__attribute__((target("avx2"))) static inline __m256i madd256(__m256i acc, __m256i v,
								__m256i w)
{
	return _mm256_add_epi32(acc, _mm256_madd_epi16(v, w));
}

/*
 * 16 elements at a time from element i. Two rows are interleaved byte by byte, widened to 16
 * bits, and pmaddwd multiplies each (row k, row k+1) pair by (w[k], w[k+1]) and adds them:
 * 8 products per instruction, exact 32-bit sums. An odd last row is paired with a zero weight.
 * Returns where it stopped.
 */
static size_t sum_rows_sse2(unsigned char *out, const unsigned char *const *rows,
			    const int16_t *w, int n, size_t i, size_t len)
{
	const __m128i zero = _mm_setzero_si128(), half = _mm_set1_epi32(RESIZE_ONE / 2);
	const __m128i last = _mm_set1_epi32((uint16_t)w[n - 1]);

	for (; i + 16 <= len; i += 16) {
		__m128i a0 = half, a1 = half, a2 = half, a3 = half, lo, hi;
		int k = 0;

		for (; k + 1 < n; k += 2) {
			__m128i wk = _mm_set1_epi32(weight_pair(w, k));
			__m128i s0 = _mm_loadu_si128((const __m128i *)(rows[k] + i));
			__m128i s1 = _mm_loadu_si128((const __m128i *)(rows[k + 1] + i));

			lo = _mm_unpacklo_epi8(s0, s1);
			hi = _mm_unpackhi_epi8(s0, s1);
			a0 = madd(a0, _mm_unpacklo_epi8(lo, zero), wk);
			a1 = madd(a1, _mm_unpackhi_epi8(lo, zero), wk);
			a2 = madd(a2, _mm_unpacklo_epi8(hi, zero), wk);
			a3 = madd(a3, _mm_unpackhi_epi8(hi, zero), wk);
		}
		if (k < n) {
			__m128i s0 = _mm_loadu_si128((const __m128i *)(rows[k] + i));

			lo = _mm_unpacklo_epi8(s0, zero);
			hi = _mm_unpackhi_epi8(s0, zero);
			a0 = madd(a0, _mm_unpacklo_epi16(lo, zero), last);
			a1 = madd(a1, _mm_unpackhi_epi16(lo, zero), last);
			a2 = madd(a2, _mm_unpacklo_epi16(hi, zero), last);
			a3 = madd(a3, _mm_unpackhi_epi16(hi, zero), last);
		}
		a0 = _mm_srai_epi32(a0, 14);
		a1 = _mm_srai_epi32(a1, 14);
		a2 = _mm_srai_epi32(a2, 14);
		a3 = _mm_srai_epi32(a3, 14);
		_mm_storeu_si128((__m128i *)(out + i),
				 _mm_packus_epi16(_mm_packs_epi32(a0, a1),
						  _mm_packs_epi32(a2, a3)));
	}
	return i;
}

/* The same, 32 elements at a time. AVX2 unpacks and packs work within 128-bit lanes, so the
 * lane-wise unpack order and the lane-wise pack order cancel out. */
__attribute__((target("avx2"))) static size_t sum_rows_avx2(unsigned char *out,
							    const unsigned char *const *rows,
							    const int16_t *w, int n, size_t i,
							    size_t len)
{
	const __m256i zero = _mm256_setzero_si256(), half = _mm256_set1_epi32(RESIZE_ONE / 2);
	const __m256i last = _mm256_set1_epi32((uint16_t)w[n - 1]);

	for (; i + 32 <= len; i += 32) {
		__m256i a0 = half, a1 = half, a2 = half, a3 = half, lo, hi;
		int k = 0;

		for (; k + 1 < n; k += 2) {
			__m256i wk = _mm256_set1_epi32(weight_pair(w, k));
			__m256i s0 = _mm256_loadu_si256((const __m256i *)(rows[k] + i));
			__m256i s1 = _mm256_loadu_si256((const __m256i *)(rows[k + 1] + i));

			lo = _mm256_unpacklo_epi8(s0, s1);
			hi = _mm256_unpackhi_epi8(s0, s1);
			a0 = madd256(a0, _mm256_unpacklo_epi8(lo, zero), wk);
			a1 = madd256(a1, _mm256_unpackhi_epi8(lo, zero), wk);
			a2 = madd256(a2, _mm256_unpacklo_epi8(hi, zero), wk);
			a3 = madd256(a3, _mm256_unpackhi_epi8(hi, zero), wk);
		}
		if (k < n) {
			__m256i s0 = _mm256_loadu_si256((const __m256i *)(rows[k] + i));

			lo = _mm256_unpacklo_epi8(s0, zero);
			hi = _mm256_unpackhi_epi8(s0, zero);
			a0 = madd256(a0, _mm256_unpacklo_epi16(lo, zero), last);
			a1 = madd256(a1, _mm256_unpackhi_epi16(lo, zero), last);
			a2 = madd256(a2, _mm256_unpacklo_epi16(hi, zero), last);
			a3 = madd256(a3, _mm256_unpackhi_epi16(hi, zero), last);
		}
		a0 = _mm256_srai_epi32(a0, 14);
		a1 = _mm256_srai_epi32(a1, 14);
		a2 = _mm256_srai_epi32(a2, 14);
		a3 = _mm256_srai_epi32(a3, 14);
		_mm256_storeu_si256((__m256i *)(out + i),
				    _mm256_packus_epi16(_mm256_packs_epi32(a0, a1),
							_mm256_packs_epi32(a2, a3)));
	}
	return i;
}

#endif

enum resize_isa resize_kernel_best(void)
{
#ifdef HAVE_X86
	if (__builtin_cpu_supports("avx2"))
		return RESIZE_ISA_AVX2;
	return RESIZE_ISA_SSE2;
#else
	return RESIZE_ISA_PORTABLE;
#endif
}

void resize_kernel(enum resize_isa isa, unsigned char *out, const unsigned char *const *rows,
		   const int16_t *w, int n, size_t len)
{
	size_t done = 0;

	if (n == 1 && w[0] == RESIZE_ONE) {
		memcpy(out, rows[0], len); /* an axis that keeps its size */
		return;
	}
#ifdef HAVE_X86
	if (isa == RESIZE_ISA_AVX2)
		done = sum_rows_avx2(out, rows, w, n, 0, len);
	if (isa >= RESIZE_ISA_SSE2)
		done = sum_rows_sse2(out, rows, w, n, done, len); /* the last 16..31 for AVX2 */
#else
	(void)isa;
#endif
	sum_rows_c(out, rows, w, n, done, len);
}
