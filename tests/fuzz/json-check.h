/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the JSON fuzz target and its corpus replay both check on any input: the reader accepts
 * it or refuses it with a message (never another status but memory), and what it accepts,
 * written out again, reads back to the same tree (the reader and our JSON writing agree).
 */
#ifndef PM_TEST_JSON_CHECK_H
#define PM_TEST_JSON_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"

/* value written as JSON; strings through pm_strbuf_json_string, numbers as they were read. */
static void json_check_write(pm_strbuf *out, const pm_json *v)
{
    static const char *const words[] = {"null", "false", "true"};
    switch (v->type) {
    case PM_JSON_NULL:
    case PM_JSON_FALSE:
    case PM_JSON_TRUE:
        pm_strbuf_append(out, words[v->type]);
        break;
    case PM_JSON_NUMBER:
        pm_strbuf_append(out, v->text);
        break;
    case PM_JSON_STRING:
        pm_strbuf_json_string(out, v->text);
        break;
    case PM_JSON_ARRAY:
    case PM_JSON_OBJECT:
        pm_strbuf_append(out, v->type == PM_JSON_ARRAY ? "[" : "{");
        for (size_t i = 0; i < v->count; i++) {
            if (i)
                pm_strbuf_append(out, ",");
            if (v->keys) {
                pm_strbuf_json_string(out, v->keys[i]);
                pm_strbuf_append(out, ":");
            }
            json_check_write(out, &v->items[i]);
        }
        pm_strbuf_append(out, v->type == PM_JSON_ARRAY ? "]" : "}");
        break;
    }
}

static int json_check_same(const pm_json *a, const pm_json *b)
{
    if (a->type != b->type || a->count != b->count)
        return 0;
    if ((a->type == PM_JSON_NUMBER || a->type == PM_JSON_STRING) && strcmp(a->text, b->text) != 0)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if ((a->keys && strcmp(a->keys[i], b->keys[i]) != 0) ||
            !json_check_same(&a->items[i], &b->items[i]))
            return 0;
    return 1;
}

/* Whether an embedded NUL cuts a string short: the writer takes C strings, so such a tree is
 * not written again. */
static int json_check_has_nul(const pm_json *v)
{
    if (v->type == PM_JSON_STRING && strlen(v->text) != v->length)
        return 1;
    for (size_t i = 0; i < v->count; i++)
        if (json_check_has_nul(&v->items[i]))
            return 1;
    return 0;
}

/* 1 when the reader behaved on data: *accepted says whether it took it. */
static int json_check(const char *data, size_t size, int *accepted)
{
    pm_diag *diag = pm_diag_new();
    pm_json *v = NULL;
    pm_status s = pm_json_parse(data, size, "fuzz.json", diag, &v);
    int good = (s == PM_OK) == (v != NULL) &&
               (s == PM_OK || s == PM_ERR_NOMEM || (s == PM_ERR_INVALID && pm_diag_count(diag)));
    *accepted = s == PM_OK;
    if (good && v && !json_check_has_nul(v)) {
        pm_strbuf out;
        pm_strbuf_init(&out);
        json_check_write(&out, v);
        char *again = pm_strbuf_take(&out);
        pm_json *w = NULL;
        if (again && pm_json_parse(again, strlen(again), "again.json", NULL, &w) == PM_OK)
            good = json_check_same(v, w);
        else if (again)
            good = 0;
        pm_json_free(w);
        free(again);
    }
    pm_json_free(v);
    pm_diag_free(diag);
    return good;
}

#endif
