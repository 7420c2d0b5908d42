/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The formats this build offers (format.h), in the order render runs them. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "cd.h"
#include "format.h"

/* Each format's header defines its own struct pm_format_stage, so this file, which holds them
 * all, names only their tables. */
extern const pm_format_ops pm_vinyl_format;
extern const pm_format_ops pm_streaming_format;

const pm_format_ops *const pm_formats[] = {
    &pm_cd_format,
    &pm_vinyl_format,
    &pm_streaming_format,
    NULL,
};

int pm_format_check_add(pm_format_check *checks, size_t max, size_t *count, pm_diag *diag,
                        const char *file, int line, int ok, const char *fmt, ...)
{
    char what[sizeof checks[0].what];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (*count < max) {
        snprintf(checks[*count].what, sizeof checks[*count].what, "%s", what);
        checks[(*count)++].ok = ok;
    }
    if (!ok)
        pm_diag_add(diag, PM_SEV_ERROR, file, line, NULL, "verification failed: %s", what);
    return ok;
}

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

void pm_format_target_json(pm_strbuf *out, const pm_target_result *result)
{
    pm_strbuf_printf(out, "\"met\": %s, \"passes\": %d, \"ceiling_used_dbtp\": ",
                     result->met ? "true" : "false", result->passes);
    pm_strbuf_json_number(out, result->ceiling_used_dbtp, 3);
    pm_strbuf_append(out, ", \"gain_db\": ");
    pm_strbuf_json_number(out, result->gain_db, 2);
    pm_strbuf_append(out, ", \"limiter_reduction_db\": ");
    pm_strbuf_json_number(out, result->measure.limiter_reduction_db, 2);
    pm_strbuf_printf(out, ", \"clipped\": %llu", (unsigned long long)result->measure.clipped);
}
