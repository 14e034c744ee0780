#include "photo/resize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "photo/resize_kernel.h"

#define LOBES 3         /* Lanczos-3 */
#define SLICE_ROWS 32   /* output rows filtered before they are copied through a transform */
#define PI 3.14159265358979323846
#define STEPS 256       /* filter samples per unit: linear interpolation is then within 2e-5 */

/* The contributions along one axis: output i = sum of w[i * taps + k] * input[start[i] + k]. */
struct axis {
	int taps;
	int *start;
	int16_t *w;
};

struct resize_scaler {
	int in_width, in_height, out_width, out_height;
	enum resize_isa isa;
	struct axis down;          /* pass 1: input rows to output rows */
	struct axis across;        /* pass 2: input columns to output columns */
	struct orient place;       /* from pass 2's transposed result to dst */
	struct photo_plane *dst;
	struct photo_plane mid;    /* pass 1's output transposed: in_width rows of out_height */
	unsigned char *ring;       /* the last ring_rows input rows */
	int ring_rows;
	size_t ring_stride;
	int rows_in, rows_out;
	unsigned char *slice;      /* SLICE_ROWS output rows of either pass */
	size_t slice_stride;
	const unsigned char **picks; /* the rows that one output row sums */
};

/* 3 sin(pi x) sin(pi x / 3) / (pi x)^2, with sin(3a) = 3 sin(a) - 4 sin^3(a): one sin call. */
static double lanczos(double x)
{
	double px, s;

	x = fabs(x);
	if (x < 1e-9)
		return 1.0;
	if (x >= LOBES)
		return 0.0;
	px = PI * x;
	s = sin(px / LOBES);
	return LOBES * (3 * s - 4 * s * s * s) * s / (px * px);
}

/* The filter sampled once per axis, so that the weights cost no trigonometry. */
struct filter_table {
	double v[LOBES * STEPS + 2];
};

static void table_init(struct filter_table *t)
{
	for (int i = 0; i < LOBES * STEPS + 2; i++)
		t->v[i] = lanczos((double)i / STEPS);
}

static double table_at(const struct filter_table *t, double x)
{
	double at = fabs(x) * STEPS;
	int i;

	if (at >= LOBES * STEPS)
		return 0.0;
	i = (int)at;
	return t->v[i] + (t->v[i + 1] - t->v[i]) * (at - i);
}

static void axis_free(struct axis *a)
{
	free(a->start);
	free(a->w);
	memset(a, 0, sizeof *a);
}

/* The input samples [*lo, *hi) whose centres lie within the filter's support around center. */
static void reach(double center, double support, int in, int *lo, int *hi)
{
	double a = floor(center - support + 0.5), b = floor(center + support + 0.5);

	*lo = a < 0 ? 0 : (int)a;
	*hi = b > in ? in : (int)b;
}

/* Rounds one output's weights to Q14 so that they sum to exactly 1.0: a flat area stays flat. */
static void quantize(const double *f, int taps, int16_t *w)
{
	double sum = 0;
	int total = 0, biggest = 0;

	for (int k = 0; k < taps; k++)
		sum += f[k];
	for (int k = 0; k < taps; k++) {
		double v = f[k] / sum * RESIZE_ONE;

		w[k] = (int16_t)(v < 0 ? v - 0.5 : v + 0.5); /* round half away from zero */
		total += w[k];
		if (abs(w[k]) > abs(w[biggest]))
			biggest = k;
	}
	w[biggest] = (int16_t)(w[biggest] + RESIZE_ONE - total);
}

/* The widest reach over all outputs: every output then uses this many taps. */
static int axis_taps(int in, int out, double scale, double support)
{
	int taps = 1;

	for (int i = 0; i < out; i++) {
		int lo, hi;

		reach((i + 0.5) * scale, support, in, &lo, &hi);
		if (hi - lo > taps)
			taps = hi - lo;
	}
	return taps;
}

/*
 * Precomputes the weights from in samples to out. The filter is stretched by the reduction
 * (so that it also low-passes), never narrowed when enlarging. Windows are shifted inside
 * [0, in) at the edges, where the extra taps get zero weight.
 */
static bool axis_init(struct axis *a, int in, int out)
{
	double scale = (double)in / out, stretch = scale > 1 ? scale : 1, support = LOBES * stretch;
	struct filter_table table;
	double *f;

	memset(a, 0, sizeof *a);
	a->taps = in == out ? 1 : axis_taps(in, out, scale, support);
	a->start = malloc((size_t)out * sizeof *a->start);
	a->w = malloc((size_t)out * (size_t)a->taps * sizeof *a->w);
	f = malloc((size_t)a->taps * sizeof *f);
	if (!a->start || !a->w || !f) {
		free(f);
		axis_free(a);
		return false;
	}
	table_init(&table);
	for (int i = 0; i < out; i++) {
		double center = (i + 0.5) * scale;
		int lo, hi, first;

		if (in == out) {
			a->start[i] = i;
			a->w[i] = RESIZE_ONE;
			continue;
		}
		reach(center, support, in, &lo, &hi);
		first = lo < in - a->taps ? lo : in - a->taps;
		a->start[i] = first;
		for (int k = 0; k < a->taps; k++) {
			int x = first + k;

			double at = (x + 0.5 - center) / stretch;

			f[k] = x >= lo && x < hi ? table_at(&table, at) : 0.0;
		}
		quantize(f, a->taps, a->w + (size_t)i * (size_t)a->taps);
	}
	free(f);
	return true;
}

void resize_scaler_free(struct resize_scaler *s)
{
	if (!s)
		return;
	axis_free(&s->down);
	axis_free(&s->across);
	free(s->mid.px);
	free(s->ring);
	free(s->slice);
	free(s->picks);
	free(s);
}

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* The buffers, once the axes are known. */
static bool scaler_buffers(struct resize_scaler *s, int batch, size_t row_bytes)
{
	int taps = s->down.taps > s->across.taps ? s->down.taps : s->across.taps;
	size_t widest = (size_t)(s->in_width > s->out_height ? s->in_width : s->out_height);

	s->mid.width = s->out_height;
	s->mid.height = s->in_width;
	s->mid.stride = round16((size_t)s->out_height);
	s->mid.px = malloc(s->mid.stride * (size_t)s->in_width);
	/* While a batch is written, the rows the next output needs must stay: taps + batch - 1. */
	s->ring_rows = s->down.taps + batch - 1;
	s->ring_stride = round16(row_bytes);
	s->ring = malloc((size_t)s->ring_rows * s->ring_stride);
	s->slice_stride = round16(widest);
	s->slice = malloc(SLICE_ROWS * s->slice_stride);
	s->picks = malloc((size_t)taps * sizeof *s->picks);
	return s->mid.px && s->ring && s->slice && s->picks;
}

struct resize_scaler *resize_scaler_new(int in_width, int in_height, int out_width,
					int out_height, struct orient o, struct photo_plane *dst,
					int batch, size_t row_bytes, struct dmr_error *err)
{
	struct resize_scaler *s;

	if (in_width < 1 || in_height < 1 || out_width < 1 || out_height < 1 || batch < 1 ||
	    row_bytes < (size_t)in_width) {
		dmr_fail(err, "internal_error", "photo", "cannot resize %dx%d to %dx%d",
			 in_width, in_height, out_width, out_height);
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		goto oom;
	s->in_width = in_width;
	s->in_height = in_height;
	s->out_width = out_width;
	s->out_height = out_height;
	s->isa = resize_kernel_best();
	s->place = orient_then(orient_transpose(), o);
	s->dst = dst;
	if (!axis_init(&s->down, in_height, out_height) ||
	    !axis_init(&s->across, in_width, out_width) || !scaler_buffers(s, batch, row_bytes))
		goto oom;
	return s;
oom:
	resize_scaler_free(s);
	dmr_fail(err, "internal_error", "photo", "out of memory to resize %dx%d to %dx%d",
		 in_width, in_height, out_width, out_height);
	return NULL;
}

static unsigned char *ring_row(const struct resize_scaler *s, int y)
{
	return s->ring + (size_t)(y % s->ring_rows) * s->ring_stride;
}

void resize_scaler_reserve(struct resize_scaler *s, int n, unsigned char **rows)
{
	for (int i = 0; i < n; i++)
		rows[i] = ring_row(s, s->rows_in + i);
}

/* Pass 1 for output row y, whose input rows are all in the ring. */
static void filter_down(struct resize_scaler *s, int y)
{
	const struct axis *a = &s->down;
	int first = a->start[y], in_slice = y % SLICE_ROWS;

	for (int k = 0; k < a->taps; k++)
		s->picks[k] = ring_row(s, first + k);
	resize_kernel(s->isa, s->slice + (size_t)in_slice * s->slice_stride, s->picks,
		      a->w + (size_t)y * (size_t)a->taps, a->taps, (size_t)s->in_width);
	if (in_slice == SLICE_ROWS - 1 || y == s->out_height - 1)
		orient_put_rows(&s->mid, orient_transpose(), s->in_width, y - in_slice,
				in_slice + 1, s->slice, s->slice_stride);
}

void resize_scaler_push(struct resize_scaler *s, int n)
{
	s->rows_in = s->in_height - s->rows_in < n ? s->in_height : s->rows_in + n;
	while (s->rows_out < s->out_height &&
	       s->down.start[s->rows_out] + s->down.taps <= s->rows_in)
		filter_down(s, s->rows_out++);
}

void resize_scaler_finish(struct resize_scaler *s)
{
	const struct axis *a = &s->across;

	for (int x = 0; x < s->out_width; x++) {
		int first = a->start[x], in_slice = x % SLICE_ROWS;

		for (int k = 0; k < a->taps; k++)
			s->picks[k] = s->mid.px + (size_t)(first + k) * s->mid.stride;
		resize_kernel(s->isa, s->slice + (size_t)in_slice * s->slice_stride, s->picks,
			      a->w + (size_t)x * (size_t)a->taps, a->taps, (size_t)s->out_height);
		if (in_slice == SLICE_ROWS - 1 || x == s->out_width - 1)
			orient_put_rows(s->dst, s->place, s->out_height, x - in_slice, in_slice + 1,
					s->slice, s->slice_stride);
	}
}

/* Rows averaged by the box pre-reduction of resize_plane: half the reduction, at least 1. */
static int box_rows(int in_height, int out_height)
{
	int k = in_height / out_height / 2;

	return k < 1 ? 1 : k;
}

/* Equal Q14 weights for n rows, summing to exactly 1.0. */
static void box_weights(int16_t *w, int n)
{
	for (int k = 0; k < n; k++)
		w[k] = (int16_t)(RESIZE_ONE / n + (k < RESIZE_ONE % n ? 1 : 0));
}

bool resize_plane(const struct photo_plane *src, struct photo_plane *dst, struct dmr_error *err)
{
	int k = box_rows(src->height, dst->height), boxed = (src->height + k - 1) / k;
	enum resize_isa isa = resize_kernel_best();
	struct resize_scaler *s;
	const unsigned char **rows = malloc((size_t)k * sizeof *rows);
	int16_t *w = malloc((size_t)k * sizeof *w);
	unsigned char *slot;

	s = resize_scaler_new(src->width, boxed, dst->width, dst->height, orient_identity(), dst, 1,
			      (size_t)src->width, err);
	if (!s || !rows || !w) {
		if (s)
			dmr_fail(err, "internal_error", "photo", "out of memory to resize");
		resize_scaler_free(s);
		free(rows);
		free(w);
		return false;
	}
	for (int y = 0; y < boxed; y++) {
		int n = src->height - y * k < k ? src->height - y * k : k;

		for (int r = 0; r < n; r++)
			rows[r] = src->px + (size_t)(y * k + r) * src->stride;
		box_weights(w, n);
		resize_scaler_reserve(s, 1, &slot);
		resize_kernel(isa, slot, rows, w, n, (size_t)src->width);
		resize_scaler_push(s, 1);
	}
	resize_scaler_finish(s);
	resize_scaler_free(s);
	free(rows);
	free(w);
	return true;
}

void resize_fit(int width, int height, int side, int *out_width, int *out_height)
{
	*out_width = width;
	*out_height = height;
	if (width <= side && height <= side)
		return;
	if (width >= height) {
		*out_width = side;
		*out_height = (int)lround((double)height * side / width);
	} else {
		*out_height = side;
		*out_width = (int)lround((double)width * side / height);
	}
	if (*out_width < 1)
		*out_width = 1;
	if (*out_height < 1)
		*out_height = 1;
}
