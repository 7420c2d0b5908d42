/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Statuses and the diagnostics list of premaster.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diag.h"
#include "premaster.h"
#include "strbuf.h"

struct pm_diag {
    pm_diag_entry *entries;
    size_t count;
    size_t capacity;
};

const char *pm_strerror(pm_status status)
{
    switch (status) {
    case PM_OK: return "success";
    case PM_ERR_INVALID: return "the input broke a rule";
    case PM_ERR_IO: return "a file could not be read or written";
    case PM_ERR_NOMEM: return "out of memory";
    case PM_ERR_USAGE: return "invalid arguments";
    case PM_ERR_UNSUPPORTED: return "not supported by this build";
    case PM_ERR_EXISTS: return "the target already exists";
    case PM_ERR_INTERNAL: return "internal error";
    case PM_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

const char *pm_version(void)
{
    return PACKAGE_VERSION;
}

const char *pm_severity_name(pm_severity severity)
{
    switch (severity) {
    case PM_SEV_ERROR: return "error";
    case PM_SEV_WARNING: return "warning";
    case PM_SEV_NOTE: return "note";
    }
    return "error";
}

pm_diag *pm_diag_new(void)
{
    return pm_alloc_zeroed(1, sizeof(pm_diag));
}

void pm_diag_free(pm_diag *diag)
{
    if (!diag)
        return;
    for (size_t i = 0; i < diag->count; i++) {
        free((char *)diag->entries[i].file);
        free((char *)diag->entries[i].path);
        free((char *)diag->entries[i].message);
    }
    free(diag->entries);
    free(diag);
}

size_t pm_diag_count(const pm_diag *diag)
{
    return diag ? diag->count : 0;
}

size_t pm_diag_count_severity(const pm_diag *diag, pm_severity severity)
{
    size_t n = 0;
    for (size_t i = 0; i < pm_diag_count(diag); i++)
        n += diag->entries[i].severity == severity;
    return n;
}

const pm_diag_entry *pm_diag_get(const pm_diag *diag, size_t i)
{
    return diag && i < diag->count ? &diag->entries[i] : NULL;
}

int pm_diag_has_error_at(const pm_diag *diag, const char *file, int line)
{
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        const pm_diag_entry *e = &diag->entries[i];
        if (e->severity == PM_SEV_ERROR && e->line == line &&
            ((!e->file && !file) || (e->file && file && strcmp(e->file, file) == 0)))
            return 1;
    }
    return 0;
}

pm_status pm_diag_add(pm_diag *diag, pm_severity severity, const char *file, int line,
                      const char *path, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    pm_status status = pm_diag_vadd(diag, severity, file, line, path, fmt, args);
    va_end(args);
    return status;
}

pm_status pm_diag_vadd(pm_diag *diag, pm_severity severity, const char *file, int line,
                       const char *path, const char *fmt, va_list args)
{
    if (!diag)
        return PM_OK;
    if (pm_grow((void **)&diag->entries, &diag->capacity, diag->count, sizeof *diag->entries))
        return PM_ERR_NOMEM;
    pm_strbuf text;
    pm_strbuf_init(&text);
    pm_strbuf_vprintf(&text, fmt, args);
    pm_diag_entry entry = {
        .severity = severity,
        .file = pm_strdup(file),
        .line = line,
        .path = pm_strdup(path),
        .message = pm_strbuf_take(&text),
    };
    if (!entry.message || (file && !entry.file) || (path && !entry.path)) {
        free((char *)entry.file);
        free((char *)entry.path);
        free((char *)entry.message);
        return PM_ERR_NOMEM;
    }
    diag->entries[diag->count++] = entry;
    return PM_OK;
}

pm_status pm_diag_move(pm_diag *to, pm_diag *from)
{
    if (!from || from->count == 0)
        return PM_OK;
    if (to) {
        size_t need = to->count + from->count;
        if (need > to->capacity) {
            pm_diag_entry *grown = pm_realloc_array(to->entries, need, sizeof *grown);
            if (!grown)
                return PM_ERR_NOMEM;
            to->entries = grown;
            to->capacity = need;
        }
        memcpy(to->entries + to->count, from->entries, from->count * sizeof *from->entries);
        to->count = need;
    } else {
        for (size_t i = 0; i < from->count; i++) {
            free((char *)from->entries[i].file);
            free((char *)from->entries[i].path);
            free((char *)from->entries[i].message);
        }
    }
    from->count = 0;
    return PM_OK;
}

char *pm_diag_format(const pm_diag_entry *entry)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    if (entry->file) {
        pm_strbuf_append(&out, entry->file);
        if (entry->line > 0)
            pm_strbuf_printf(&out, ":%d", entry->line);
        if (entry->line > 0 && entry->column > 0)
            pm_strbuf_printf(&out, ":%d", entry->column);
        pm_strbuf_append(&out, ": ");
    }
    pm_strbuf_printf(&out, "%s: %s", pm_severity_name(entry->severity), entry->message);
    return pm_strbuf_take(&out);
}

char *pm_diag_to_json(const pm_diag *diag)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    pm_strbuf_append(&out, "[");
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        const pm_diag_entry *e = &diag->entries[i];
        pm_strbuf_append(&out, i ? ",\n  {" : "\n  {");
        pm_strbuf_append(&out, "\"severity\": ");
        pm_strbuf_json_string(&out, pm_severity_name(e->severity));
        pm_strbuf_append(&out, ", \"file\": ");
        pm_strbuf_json_string(&out, e->file);
        pm_strbuf_printf(&out, ", \"line\": %d, \"column\": %d, \"path\": ", e->line, e->column);
        pm_strbuf_json_string(&out, e->path);
        pm_strbuf_append(&out, ", \"message\": ");
        pm_strbuf_json_string(&out, e->message);
        pm_strbuf_append(&out, "}");
    }
    pm_strbuf_append(&out, pm_diag_count(diag) ? "\n]" : "]");
    return pm_strbuf_take(&out);
}

void pm_diag_set_last_column(pm_diag *diag, int column)
{
    if (diag && diag->count)
        diag->entries[diag->count - 1].column = column;
}
