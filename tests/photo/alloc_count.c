#include "alloc_count.h"

#include <stdbool.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif

static size_t live, peak;
static bool counting;

static void note_alloc(size_t n)
{
	if (!counting)
		return;
	live += n;
	if (live > peak)
		peak = live;
}

static void note_free(size_t n)
{
	if (counting)
		live = live > n ? live - n : 0;
}

#ifdef UNDER_ASAN

/* From <sanitizer/allocator_interface.h>, which gcc does not install; libasan has both. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	note_alloc(n);
}

static void on_free(const volatile void *p)
{
	if (p)
		note_free(__sanitizer_get_allocated_size(p));
}

static void install(void)
{
	static bool installed;

	if (!installed)
		__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	installed = true;
}

#else

#include <malloc.h>

/* glibc's own entry points, which its malloc, free... call. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static void install(void)
{
}

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (p)
		note_alloc(malloc_usable_size(p));
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	if (p)
		note_alloc(malloc_usable_size(p));
	return p;
}

void *realloc(void *p, size_t n)
{
	size_t before = p ? malloc_usable_size(p) : 0;
	void *q = __libc_realloc(p, n);

	if (q || n == 0)
		note_free(before);
	if (q)
		note_alloc(malloc_usable_size(q));
	return q;
}

void free(void *p)
{
	if (p)
		note_free(malloc_usable_size(p));
	__libc_free(p);
}

#endif

void alloc_count_start(void)
{
	install();
	live = 0;
	peak = 0;
	counting = true;
}

size_t alloc_count_peak(void)
{
	counting = false;
	return peak;
}
