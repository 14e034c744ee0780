#ifndef DMR_TESTS_TAP_H
#define DMR_TESTS_TAP_H

/* A minimal Test Anything Protocol writer for meson's `protocol : 'tap'`. */

#include <stdio.h>

static int tap_count;
static int tap_failed;

#define ok(cond, name)                                                                  \
	do {                                                                            \
		tap_count++;                                                            \
		if (cond) {                                                             \
			printf("ok %d - %s\n", tap_count, name);                        \
		} else {                                                                \
			tap_failed++;                                                   \
			printf("not ok %d - %s (%s:%d)\n", tap_count, name, __FILE__,   \
			       __LINE__);                                               \
		}                                                                       \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
