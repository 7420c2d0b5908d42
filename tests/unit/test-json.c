/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The strict JSON reader (json.h): documents RFC 8259 allows, read to the right tree; every
 * kind of input it forbids refused with the line of the fault; 64-bit integers read exactly;
 * \u escapes and surrogate pairs decoded to UTF-8; strings our writer (strbuf.h) escapes read
 * back to the same bytes; nesting past the limit refused without recursion to the end.
 */
#include "json.h"
#include "strbuf.h"

#include "../tap.h"

#include <stdlib.h>
#include <string.h>

static pm_json *parse(const char *text, pm_diag *errors)
{
    pm_json *v = NULL;
    return pm_json_parse(text, strlen(text), "t.json", errors, &v) == PM_OK ? v : NULL;
}

/* text is refused at line, with a message holding want. */
static void refused(const char *text, int line, const char *want, const char *name)
{
    pm_diag *dg = pm_diag_new();
    pm_json *v = NULL;
    pm_status s = pm_json_parse(text, strlen(text), "t.json", dg, &v);
    const pm_diag_entry *e = pm_diag_count(dg) ? pm_diag_get(dg, 0) : NULL;
    if (!ok(s == PM_ERR_INVALID && !v && e && e->line == line && e->file &&
                strcmp(e->file, "t.json") == 0 && strstr(e->message, want),
            "refused: %s", name))
        diag("status %d, line %d, message: %s", s, e ? e->line : 0, e ? e->message : "(none)");
    pm_json_free(v);
    pm_diag_free(dg);
}

int main(void)
{
    pm_diag *errors = pm_diag_new();
    pm_json *v = parse("{\n  \"a\": [1, -2.5e3, true, false, null],\n  \"b\": {\"c\": \"d\"},"
                       "\n  \"\": 0\n}\n", errors);
    ok(v && v->type == PM_JSON_OBJECT && v->count == 3, "an object of three members");
    const pm_json *a = pm_json_get(v, "a");
    ok(a && a->type == PM_JSON_ARRAY && a->count == 5 && a->line == 2, "its array, on line 2");
    ok(a && a->items[0].type == PM_JSON_NUMBER && a->items[0].number == 1.0 &&
           a->items[1].number == -2500.0 && a->items[2].type == PM_JSON_TRUE &&
           a->items[3].type == PM_JSON_FALSE && a->items[4].type == PM_JSON_NULL,
       "numbers, true, false, null");
    const pm_json *c = pm_json_get(pm_json_get(v, "b"), "c");
    is_str(c ? c->text : NULL, "d", "a nested member");
    ok(pm_json_get(v, "") != NULL && pm_json_get(v, "z") == NULL, "the empty name; no such one");
    pm_json_free(v);

    /* integers of 64 bits, exactly */
    v = parse("[9007199254740993, -9223372036854775808, 12.0, 1e3, 9223372036854775808]", errors);
    int64_t n = 0;
    ok(v && pm_json_int64(&v->items[0], &n) == 0 && n == 9007199254740993LL,
       "2^53 + 1 is read exactly");
    ok(v && pm_json_int64(&v->items[1], &n) == 0 && n == INT64_MIN, "INT64_MIN");
    ok(v && pm_json_int64(&v->items[2], &n) == -1 && pm_json_int64(&v->items[3], &n) == -1,
       "12.0 and 1e3 are not integers");
    ok(v && pm_json_int64(&v->items[4], &n) == -1, "2^63 does not fit");
    pm_json_free(v);

    /* escapes: \u, a surrogate pair, and raw UTF-8 */
    v = parse("[\"\\u00e9\\uD834\\uDD1E\\n\\t\\\"\\\\\\/\", "
              "\"\xc3\xa9\xe2\x82\xac\", \"a\\u0000b\"]",
              errors);
    is_str(v ? v->items[0].text : NULL, "\xc3\xa9\xf0\x9d\x84\x9e\n\t\"\\/",
           "\\u00e9, U+1D11E from a surrogate pair, the short escapes");
    is_str(v ? v->items[1].text : NULL, "\xc3\xa9\xe2\x82\xac", "raw UTF-8 kept");
    ok(v && v->items[2].length == 3 && memcmp(v->items[2].text, "a\0b", 3) == 0,
       "\\u0000 kept, with the length");
    pm_json_free(v);

    /* what our writer escapes reads back to the same bytes */
    static const char *texts[] = {"plain", "quote \" back \\ slash", "tab\tnew\nline\x01\x1f",
                                  "UTF-8 \xc3\xa9t\xc3\xa9 \xe2\x82\xac", ""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        pm_strbuf b;
        pm_strbuf_init(&b);
        pm_strbuf_json_string(&b, texts[i]);
        char *json = pm_strbuf_take(&b);
        v = json ? parse(json, errors) : NULL;
        ok(v && v->type == PM_JSON_STRING && strcmp(v->text, texts[i]) == 0,
           "written by strbuf, read back: %s", json ? json : "(nomem)");
        pm_json_free(v);
        free(json);
    }
    ok(pm_diag_count(errors) == 0, "no message for good documents");

    refused("{\"a\": 1,}", 1, "member's name", "a trailing comma in an object");
    refused("[1,\n2,\n]", 3, "a value was expected", "a trailing comma in an array, line 3");
    refused("// c\n1", 1, "a value was expected", "a comment");
    refused("{'a': 1}", 1, "member's name", "single quotes");
    refused("[01]", 1, "',' or ']'", "a leading zero");
    refused("[1.]", 1, "after the decimal point", "a bare decimal point");
    refused("[1e]", 1, "exponent", "an empty exponent");
    refused("[-]", 1, "digit", "a lone minus");
    refused("[NaN]", 1, "a value was expected", "NaN");
    refused("[+1]", 1, "a value was expected", "a plus sign");
    refused("[tru]", 1, "a value was expected", "a cut literal");
    refused("\n\n\"a\tb\"", 3, "control character", "a raw tab in a string, line 3");
    refused("\"\\x41\"", 1, "an escape is", "an unknown escape");
    refused("\"\\u12G4\"", 1, "an escape is", "a \\u escape with a bad digit");
    refused("\"\\uD834\"", 1, "high surrogate", "a lone high surrogate");
    refused("\"\\uDD1E\"", 1, "low surrogate", "a lone low surrogate");
    refused("\"\xc0\xaf\"", 1, "invalid UTF-8", "an overlong form");
    refused("\"\xed\xa0\x80\"", 1, "invalid UTF-8", "a surrogate in UTF-8");
    refused("\"\xe2\x82\"", 1, "invalid UTF-8", "a cut sequence");
    refused("{\"a\": 1,\n \"a\": 2}", 2, "twice", "a name given twice, line 2");
    refused("{\"a\" 1}", 1, "':'", "a missing colon");
    refused("[1] [2]", 1, "followed by more text", "text after the value");
    refused("", 1, "at the end of the file", "an empty file");
    refused("[\"abc", 1, "not closed", "a string not closed");
    refused("{\"a\": [1, 2", 1, "',' or ']'", "an array not closed");

    /* nesting: the limit is allowed, one more is refused */
    char deep[2 * PM_JSON_MAX_DEPTH + 8];
    memset(deep, '[', PM_JSON_MAX_DEPTH);
    memset(deep + PM_JSON_MAX_DEPTH, ']', PM_JSON_MAX_DEPTH);
    deep[2 * PM_JSON_MAX_DEPTH] = '\0';
    v = parse(deep, errors);
    ok(v != NULL, "%d arrays deep are read", PM_JSON_MAX_DEPTH);
    pm_json_free(v);
    char *deeper = malloc(200001);
    if (deeper) {
        memset(deeper, '[', 200000);
        deeper[200000] = '\0';
        refused(deeper, 1, "nest too deep", "200000 arrays deep, refused at the limit");
        free(deeper);
    }
    pm_diag_free(errors);
    return done_testing();
}
