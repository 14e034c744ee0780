#include "photo/orient.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

struct orient orient_identity(void)
{
	return (struct orient){false, false, false};
}

struct orient orient_transpose(void)
{
	return (struct orient){true, false, false};
}

struct orient orient_from_exif(int exif_orientation)
{
	/* EXIF 0x0112: 1 top-left (as stored), 2 mirrored, 3 rotated 180, 4 flipped, 5 transposed,
	 * 6 needs 90 degrees clockwise, 7 transversed, 8 needs 90 degrees counter-clockwise. */
	static const struct orient table[9] = {
		[1] = {false, false, false}, [2] = {false, true, false}, [3] = {false, true, true},
		[4] = {false, false, true},  [5] = {true, false, false}, [6] = {true, true, false},
		[7] = {true, true, true},    [8] = {true, false, true},
	};

	if (exif_orientation < 1 || exif_orientation > 8)
		exif_orientation = 1;
	return table[exif_orientation];
}

/*
 * As a 2x2 signed permutation matrix acting on (x, y): M = F * P, P swapping the axes when
 * transposing, F = diag(flip_x ? -1 : 1, flip_y ? -1 : 1). Composition is a matrix product.
 */
struct matrix {
	int a, b, c, d; /* [a b; c d] */
};

static struct matrix to_matrix(struct orient o)
{
	int fx = o.flip_x ? -1 : 1, fy = o.flip_y ? -1 : 1;

	return o.transpose ? (struct matrix){0, fx, fy, 0} : (struct matrix){fx, 0, 0, fy};
}

static struct orient from_matrix(struct matrix m)
{
	if (m.a == 0)
		return (struct orient){true, m.b < 0, m.c < 0};
	return (struct orient){false, m.a < 0, m.d < 0};
}

struct orient orient_then(struct orient first, struct orient second)
{
	struct matrix f = to_matrix(first), s = to_matrix(second);

	return from_matrix((struct matrix){
		s.a * f.a + s.b * f.c, s.a * f.b + s.b * f.d,
		s.c * f.a + s.d * f.c, s.c * f.b + s.d * f.d,
	});
}

void orient_dims(struct orient o, int width, int height, int *out_width, int *out_height)
{
	*out_width = o.transpose ? height : width;
	*out_height = o.transpose ? width : height;
}

/* Where source sample (x, y) lands: dst->px + base + x * step_x + y * step_y. */
struct placement {
	ptrdiff_t base, step_x, step_y;
};

static struct placement place(const struct photo_plane *dst, struct orient o)
{
	ptrdiff_t row = (ptrdiff_t)dst->stride;
	ptrdiff_t across = o.flip_x ? -1 : 1, down = o.flip_y ? -row : row;
	ptrdiff_t base = (o.flip_x ? dst->width - 1 : 0) + (o.flip_y ? (dst->height - 1) * row : 0);

	if (o.transpose)
		return (struct placement){base, down, across};
	return (struct placement){base, across, down};
}

static void put_sample(unsigned char *dst, struct placement p, int x, int y, unsigned char v)
{
	dst[p.base + (ptrdiff_t)x * p.step_x + (ptrdiff_t)y * p.step_y] = v;
}

#ifdef HAVE_SSE2

/* The 16 bytes of v in reverse order. */
static inline __m128i reverse16(__m128i v)
{
	v = _mm_shuffle_epi32(v, 0x1B);
	v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, 0xB1), 0xB1);
	return _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
}

/*
 * Transposes a 16x16 byte block in place. Each round interleaves row i with row i + 8, which
 * rotates the 8-bit index (row bits, column bits) left by one; four rounds swap row and column.
 * Written out in full: as loops, compilers keep the temporaries on the stack.
 */
#define INTERLEAVE(t, r)                                                                          \
	do {                                                                                      \
		t##0 = _mm_unpacklo_epi8(r##0, r##8);                                             \
		t##1 = _mm_unpackhi_epi8(r##0, r##8);                                             \
		t##2 = _mm_unpacklo_epi8(r##1, r##9);                                             \
		t##3 = _mm_unpackhi_epi8(r##1, r##9);                                             \
		t##4 = _mm_unpacklo_epi8(r##2, r##10);                                            \
		t##5 = _mm_unpackhi_epi8(r##2, r##10);                                            \
		t##6 = _mm_unpacklo_epi8(r##3, r##11);                                            \
		t##7 = _mm_unpackhi_epi8(r##3, r##11);                                            \
		t##8 = _mm_unpacklo_epi8(r##4, r##12);                                            \
		t##9 = _mm_unpackhi_epi8(r##4, r##12);                                            \
		t##10 = _mm_unpacklo_epi8(r##5, r##13);                                           \
		t##11 = _mm_unpackhi_epi8(r##5, r##13);                                           \
		t##12 = _mm_unpacklo_epi8(r##6, r##14);                                           \
		t##13 = _mm_unpackhi_epi8(r##6, r##14);                                           \
		t##14 = _mm_unpacklo_epi8(r##7, r##15);                                           \
		t##15 = _mm_unpackhi_epi8(r##7, r##15);                                           \
	} while (0)

static inline void transpose16(__m128i r[16])
{
	__m128i a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5], a6 = r[6],
		a7 = r[7], a8 = r[8], a9 = r[9], a10 = r[10], a11 = r[11], a12 = r[12],
		a13 = r[13], a14 = r[14], a15 = r[15];
	__m128i b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15;

	INTERLEAVE(b, a);
	INTERLEAVE(a, b);
	INTERLEAVE(b, a);
	INTERLEAVE(a, b);
	r[0] = a0, r[1] = a1, r[2] = a2, r[3] = a3, r[4] = a4, r[5] = a5, r[6] = a6, r[7] = a7;
	r[8] = a8, r[9] = a9, r[10] = a10, r[11] = a11, r[12] = a12, r[13] = a13, r[14] = a14;
	r[15] = a15;
}

/* Source block (x, y)..(x+15, y+15) of the slice, transposed into dst: one store per column. */
static void put_block16(unsigned char *dst, struct placement p, int x, int y,
			const unsigned char *src, size_t stride)
{
	__m128i r[16];

	for (int k = 0; k < 16; k++)
		r[k] = _mm_loadu_si128((const __m128i *)(src + (size_t)k * stride));
	transpose16(r);
	for (int j = 0; j < 16; j++) {
		unsigned char *d =
			dst + p.base + (ptrdiff_t)(x + j) * p.step_x + (ptrdiff_t)y * p.step_y;

		if (p.step_y == 1)
			_mm_storeu_si128((__m128i *)d, r[j]);
		else
			_mm_storeu_si128((__m128i *)(d - 15), reverse16(r[j]));
	}
}

#endif

/* Rows become columns: blocks of 16x16 through registers, the ragged edges one by one. */
static void put_transposed(unsigned char *dst, struct placement p, int width, int y0, int rows,
			   const unsigned char *slice, size_t stride)
{
	int bw = 0, bh = 0;

#ifdef HAVE_SSE2
	bw = width & ~15;
	bh = rows & ~15;
	for (int y = 0; y < bh; y += 16)
		for (int x = 0; x < bw; x += 16)
			put_block16(dst, p, x, y0 + y, slice + (size_t)y * stride + (size_t)x,
				    stride);
#endif
	for (int y = 0; y < rows; y++) {
		const unsigned char *s = slice + (size_t)y * stride;

		for (int x = y < bh ? bw : 0; x < width; x++)
			put_sample(dst, p, x, y0 + y, s[x]);
	}
}

/* Mirrors one row of width bytes: d[-x] = s[x]. */
static void copy_reversed(unsigned char *d, const unsigned char *s, int width)
{
	int x = 0;

#ifdef HAVE_SSE2
	for (; x + 16 <= width; x += 16)
		_mm_storeu_si128((__m128i *)(d - x - 15),
				 reverse16(_mm_loadu_si128((const __m128i *)(s + x))));
#endif
	for (; x < width; x++)
		d[-x] = s[x];
}

void orient_put_rows(struct photo_plane *dst, struct orient o, int src_width, int y0, int rows,
		     const unsigned char *slice, size_t slice_stride)
{
	struct placement p = place(dst, o);

	if (o.transpose) {
		put_transposed(dst->px, p, src_width, y0, rows, slice, slice_stride);
		return;
	}
	for (int r = 0; r < rows; r++) {
		unsigned char *d = dst->px + p.base + (ptrdiff_t)(y0 + r) * p.step_y;

		if (p.step_x == 1)
			memcpy(d, slice + (size_t)r * slice_stride, (size_t)src_width);
		else
			copy_reversed(d, slice + (size_t)r * slice_stride, src_width);
	}
}
