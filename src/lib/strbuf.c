/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void pm_strbuf_init(pm_strbuf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void pm_strbuf_fini(pm_strbuf *buf)
{
    free(buf->data);
    pm_strbuf_init(buf);
}

static int reserve(pm_strbuf *buf, size_t extra)
{
    if (buf->failed)
        return -1;
    if (buf->length + extra + 1 <= buf->capacity)
        return 0;
    size_t wanted = buf->capacity ? buf->capacity : 256;
    while (wanted < buf->length + extra + 1)
        wanted *= 2;
    char *grown = pm_realloc_array(buf->data, wanted, 1);
    if (!grown) {
        buf->failed = 1;
        return -1;
    }
    buf->data = grown;
    buf->capacity = wanted;
    return 0;
}

void pm_strbuf_append_n(pm_strbuf *buf, const char *text, size_t n)
{
    if (reserve(buf, n) != 0)
        return;
    memcpy(buf->data + buf->length, text, n);
    buf->length += n;
    buf->data[buf->length] = '\0';
}

void pm_strbuf_append(pm_strbuf *buf, const char *text)
{
    pm_strbuf_append_n(buf, text, strlen(text));
}

void pm_strbuf_vprintf(pm_strbuf *buf, const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int needed = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (needed < 0) {
        buf->failed = 1;
        return;
    }
    if (reserve(buf, (size_t)needed) != 0)
        return;
    vsnprintf(buf->data + buf->length, (size_t)needed + 1, fmt, args);
    buf->length += (size_t)needed;
}

void pm_strbuf_printf(pm_strbuf *buf, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    pm_strbuf_vprintf(buf, fmt, args);
    va_end(args);
}

void pm_strbuf_json_string(pm_strbuf *buf, const char *text)
{
    if (!text) {
        pm_strbuf_append(buf, "null");
        return;
    }
    pm_strbuf_append(buf, "\"");
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '"': pm_strbuf_append(buf, "\\\""); break;
        case '\\': pm_strbuf_append(buf, "\\\\"); break;
        case '\n': pm_strbuf_append(buf, "\\n"); break;
        case '\r': pm_strbuf_append(buf, "\\r"); break;
        case '\t': pm_strbuf_append(buf, "\\t"); break;
        default:
            if (*p < 0x20)
                pm_strbuf_printf(buf, "\\u%04x", *p);
            else
                pm_strbuf_append_n(buf, (const char *)p, 1);
        }
    }
    pm_strbuf_append(buf, "\"");
}

char *pm_strbuf_take(pm_strbuf *buf)
{
    if (buf->failed) {
        pm_strbuf_fini(buf);
        return NULL;
    }
    if (!buf->data) {
        /* nothing was appended: the empty string, terminated like any other */
        if (reserve(buf, 0) != 0)
            return NULL;
        buf->data[0] = '\0';
    }
    char *out = buf->data;
    pm_strbuf_init(buf);
    return out;
}

void pm_strbuf_json_number(pm_strbuf *buf, double value, int decimals)
{
    if (isfinite(value))
        pm_strbuf_printf(buf, "%.*f", decimals, value);
    else
        pm_strbuf_append(buf, "null");
}
