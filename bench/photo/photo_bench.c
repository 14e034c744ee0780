/*
 * photo_bench: CPU time of photo_process per photo.
 *
 *     photo_bench [-n N] [-o DIR] FILE...
 *
 * Reads every file into memory, processes each once to warm up, then N times (default 20),
 * timing each run with CLOCK_PROCESS_CPUTIME_ID (CPU time of this process: the pipeline is
 * single-threaded, so that is one core's time). Prints one line per file with the median and
 * the minimum in milliseconds, then "mean_ms_per_photo <x>", the mean over all files of their
 * medians. With -o, writes each output as DIR/<name>.jpg and DIR/<name>.thumb.jpg (<name>:
 * the file name up to its first dot).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "photo/photo.h"

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

static int write_file(const char *dir, const char *path, const char *suffix,
		      const unsigned char *data, size_t len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[4096];
	FILE *f;

	snprintf(name, sizeof name, "%s/%.*s%s", dir, (int)strcspn(base, "."), base, suffix);
	f = fopen(name, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "photo_bench: cannot write %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct photo_limits lim;
	const char *outdir = NULL;
	int n = 20, opt, files = 0;
	double sum_median = 0;
	double *runs;

	while ((opt = getopt(argc, argv, "n:o:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'o')
			outdir = optarg;
		else
			return 2;
	}
	if (optind >= argc || n < 1) {
		fprintf(stderr, "usage: photo_bench [-n N] [-o DIR] FILE...\n");
		return 2;
	}
	photo_limits_default(&lim);
	runs = malloc((size_t)n * sizeof *runs);
	if (!runs)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct photo_output out;
		struct dmr_error err;
		size_t len;
		unsigned char *in = slurp(argv[i], &len);

		if (!in) {
			fprintf(stderr, "photo_bench: cannot read %s\n", argv[i]);
			return 1;
		}
		if (!photo_process(in, len, &lim, &out, &err)) {
			fprintf(stderr, "photo_bench: %s: %d %s: %s\n", argv[i], err.http_status,
				err.code, err.message);
			return 1;
		}
		if (outdir && (write_file(outdir, argv[i], ".jpg", out.jpeg, out.jpeg_len) ||
			       write_file(outdir, argv[i], ".thumb.jpg", out.thumb, out.thumb_len)))
			return 1;
		printf("%-40s %5dx%-5d %7zu B  thumb %3dx%-3d %6zu B", argv[i], out.width,
		       out.height, out.jpeg_len, out.thumb_width, out.thumb_height, out.thumb_len);
		photo_output_free(&out);
		for (int r = 0; r < n; r++) {
			double t0 = cpu_ms();

			if (!photo_process(in, len, &lim, &out, &err))
				return 1;
			runs[r] = cpu_ms() - t0;
			photo_output_free(&out);
		}
		qsort(runs, (size_t)n, sizeof *runs, cmp_double);
		printf("  median %7.2f ms  min %7.2f ms\n", runs[n / 2], runs[0]);
		sum_median += runs[n / 2];
		files++;
		free(in);
	}
	printf("mean_ms_per_photo %.2f\n", sum_median / files);
	free(runs);
	return 0;
}
