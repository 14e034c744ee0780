#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void dmr_log(const char *level, const char *fmt, ...)
{
	char line[1024];
	char stamp[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* One event, one line: libpq and others end their messages with newlines. */
	for (char *c = line; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	/* One fprintf call per line: stdio locks the stream, so lines of threads never interleave. */
	fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, now.tv_nsec / 1000000, level, line);
}
