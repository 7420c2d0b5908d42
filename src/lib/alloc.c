/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Failure injection for tests (pm_alloc_fail_after); zero means off. */
static unsigned long fail_at_count;
static unsigned long alloc_count;

static int should_fail(void)
{
    if (fail_at_count == 0)
        return 0;
    return ++alloc_count >= fail_at_count;
}

void pm_alloc_fail_after(unsigned long fail_at)
{
    fail_at_count = fail_at;
    alloc_count = 0;
}

void *pm_alloc_array(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return malloc(count && size ? count * size : 1);
}

void *pm_alloc_zeroed(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *pm_realloc_array(void *ptr, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return realloc(ptr, count && size ? count * size : 1);
}

char *pm_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *copy = pm_alloc_array(n + 1, 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *pm_strdup(const char *s)
{
    return s ? pm_strndup(s, strlen(s)) : NULL;
}

int pm_grow(void **items, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return 0;
    size_t wanted = *capacity ? *capacity * 2 : 8;
    void *grown = pm_realloc_array(*items, wanted, size);
    if (!grown)
        return -1;
    *items = grown;
    *capacity = wanted;
    return 0;
}
