/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A small, strict JSON reader (RFC 8259) for the files premaster writes and reads back:
 * plan.json, when `premaster verify` rebuilds a render's plan without its sources. Strict means
 * that anything RFC 8259 does not allow is refused with the file, line and what was expected:
 * comments, trailing commas, single quotes, leading zeros, NaN, control characters or invalid
 * UTF-8 in strings, lone surrogates in \u escapes, a key given twice in one object, anything
 * after the value. Nesting deeper than PM_JSON_MAX_DEPTH is refused (no input can exhaust the
 * stack).
 *
 * The tree owns everything in it; pm_json_free frees it all. Numbers keep their text, so that
 * an integer of 64 bits is read exactly (pm_json_int64), not through a double.
 */
#ifndef PM_JSON_H
#define PM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "premaster.h"

#define PM_JSON_MAX_DEPTH 64

typedef enum pm_json_type {
    PM_JSON_NULL,
    PM_JSON_FALSE,
    PM_JSON_TRUE,
    PM_JSON_NUMBER,
    PM_JSON_STRING,
    PM_JSON_ARRAY,
    PM_JSON_OBJECT
} pm_json_type;

typedef struct pm_json pm_json;
struct pm_json {
    pm_json_type type;
    int line;       /* where the value starts, from 1 */
    char *text;     /* STRING: the UTF-8 text, NUL-terminated (a \u0000 in it ends it early:
                       use length); NUMBER: the number as written */
    size_t length;  /* STRING: bytes in text */
    double number;  /* NUMBER: its value (strtod) */
    pm_json *items; /* ARRAY: the elements; OBJECT: the members' values, in file order */
    char **keys;    /* OBJECT: the members' names, one per item */
    size_t count;   /* ARRAY, OBJECT: how many */
};

/*
 * Parse size bytes of text (which need not be NUL-terminated) into a new tree *out. name is the
 * file's name for messages (pm_diag entries "NAME:LINE: error: ..."). PM_OK; PM_ERR_INVALID
 * with one error naming the line when the text is not strict JSON; PM_ERR_NOMEM. *out is NULL
 * on failure.
 */
pm_status pm_json_parse(const char *text, size_t size, const char *name, pm_diag *diag,
                        pm_json **out) PM_WARN_UNUSED;
void pm_json_free(pm_json *value);

/* The member key of an object, or NULL when value is not an object or has no such member. The
 * pointer is borrowed from the tree. */
const pm_json *pm_json_get(const pm_json *value, const char *key);
/* value as an integer of 64 bits: 0 when it is a number written as an integer ("-12", not
 * "12.0" or "1e3") that fits, -1 otherwise. */
int pm_json_int64(const pm_json *value, int64_t *out);
/* "a string", "an object" ... for messages. */
const char *pm_json_type_name(pm_json_type type);

#endif
