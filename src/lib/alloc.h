/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Overflow-checked allocation. Every allocation in the library goes through these so that a
 * size computation can never wrap, and so that tests can make the n-th allocation fail.
 */
#ifndef PM_ALLOC_H
#define PM_ALLOC_H

#include <stddef.h>

/* malloc(count * size), or NULL when the product overflows or memory is exhausted. */
void *pm_alloc_array(size_t count, size_t size);
/* calloc(count, size) with the same failure rules. */
void *pm_alloc_zeroed(size_t count, size_t size);
/* realloc(ptr, count * size); on failure ptr is left untouched and NULL returned. */
void *pm_realloc_array(void *ptr, size_t count, size_t size);
/* strdup; NULL in gives NULL out. */
char *pm_strdup(const char *s);
/* The first n bytes of s as a new string. */
char *pm_strndup(const char *s, size_t n);

/*
 * Grow *items (holding *count elements of size bytes in *capacity slots) so that one more fits.
 * Returns 0, or -1 when memory is exhausted (then nothing changed).
 */
int pm_grow(void **items, size_t *capacity, size_t count, size_t size);

/*
 * For tests: make the allocation numbered fail_at (counted from 1 after this call) and every one
 * after it fail; 0 switches failure injection off. Not thread-safe; tests only.
 */
void pm_alloc_fail_after(unsigned long fail_at);

#endif
