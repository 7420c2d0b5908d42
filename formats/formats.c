/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The formats this build offers (format.h), in the order render runs them. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>

#include "format.h"
#include "vinyl.h"

const pm_format_ops *const pm_formats[] = {
    &pm_vinyl_format,
    NULL,
};

void pm_release_name(const pm_project *p, char *out, size_t size)
{
    const char *from = p->album.catalog && *p->album.catalog ? p->album.catalog
                                                             : p->album.text.title;
    size_t n = 0;
    for (const char *c = from ? from : ""; *c && n + 1 < size; c++) {
        unsigned char u = (unsigned char)*c;
        out[n++] = isalnum(u) || u == '-' || u == '.' || u == '_' ? (char)u : '_';
    }
    out[n] = '\0';
    if (n == 0 || out[0] == '.')
        snprintf(out, size, "album");
}
