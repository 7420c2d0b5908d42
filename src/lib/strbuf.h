/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A growable string for building text and JSON output. Once an append fails the buffer
 * remembers it, later appends do nothing, and pm_strbuf_take returns NULL: callers check once.
 */
#ifndef PM_STRBUF_H
#define PM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "premaster.h"

typedef struct pm_strbuf {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
} pm_strbuf;

void pm_strbuf_init(pm_strbuf *buf);
void pm_strbuf_fini(pm_strbuf *buf);
void pm_strbuf_append(pm_strbuf *buf, const char *text);
void pm_strbuf_append_n(pm_strbuf *buf, const char *text, size_t n);
void pm_strbuf_printf(pm_strbuf *buf, const char *fmt, ...) PM_PRINTF(2, 3);
void pm_strbuf_vprintf(pm_strbuf *buf, const char *fmt, va_list args) PM_PRINTF(2, 0);
/* text as a JSON string literal, quotes included; NULL gives null. */
void pm_strbuf_json_string(pm_strbuf *buf, const char *text);
/* value with `decimals` digits after the point; a value that is not finite gives null. */
void pm_strbuf_json_number(pm_strbuf *buf, double value, int decimals);
/* The string, now owned by the caller (free()), or NULL if any append failed. Resets buf. */
char *pm_strbuf_take(pm_strbuf *buf);

#endif
