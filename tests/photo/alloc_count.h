#ifndef DMR_TESTS_PHOTO_ALLOC_COUNT_H
#define DMR_TESTS_PHOTO_ALLOC_COUNT_H

/*
 * The peak of heap bytes in use between alloc_count_start() and alloc_count_peak(), counting
 * every malloc of the process (libjpeg's and libexif's too). Plain builds replace malloc and
 * friends, forwarding to glibc; AddressSanitizer builds use its allocation hooks.
 */

#include <stddef.h>

void alloc_count_start(void);
size_t alloc_count_peak(void);

#endif
