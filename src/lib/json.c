/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The strict JSON reader (json.h), by the grammar of RFC 8259 sections 2-8. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "json.h"
#include "strbuf.h"

typedef struct reader {
    const char *at, *end;
    int line;
    const char *name;
    pm_diag *diag;
    pm_status status; /* the first failure; once set, parsing unwinds */
} reader;

static void fail(reader *r, const char *what)
{
    if (r->status != PM_OK)
        return;
    r->status = PM_ERR_INVALID;
    if (r->at >= r->end)
        pm_diag_add(r->diag, PM_SEV_ERROR, r->name, r->line, NULL,
                    "is not valid JSON: %s, at the end of the file", what);
    else if ((unsigned char)*r->at >= 0x20 && (unsigned char)*r->at < 0x7f)
        pm_diag_add(r->diag, PM_SEV_ERROR, r->name, r->line, NULL,
                    "is not valid JSON: %s, at '%c'", what, *r->at);
    else
        pm_diag_add(r->diag, PM_SEV_ERROR, r->name, r->line, NULL,
                    "is not valid JSON: %s, at byte 0x%02x", what, (unsigned char)*r->at);
}

static void nomem(reader *r)
{
    if (r->status == PM_OK)
        r->status = PM_ERR_NOMEM;
}

/* RFC 8259 section 2: whitespace is space, tab, line feed and carriage return only. */
static void skip_space(reader *r)
{
    for (; r->at < r->end; r->at++) {
        if (*r->at == '\n')
            r->line++;
        else if (*r->at != ' ' && *r->at != '\t' && *r->at != '\r')
            break;
    }
}

static int literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->at) < n || memcmp(r->at, word, n) != 0)
        return 0;
    r->at += n;
    return 1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static void parse_number(reader *r, pm_json *v)
{
    const char *start = r->at;
    if (r->at < r->end && *r->at == '-')
        r->at++;
    if (r->at < r->end && *r->at == '0')
        r->at++;
    else if (r->at < r->end && is_digit(*r->at))
        while (r->at < r->end && is_digit(*r->at))
            r->at++;
    else
        return fail(r, "a digit was expected");
    if (r->at < r->end && *r->at == '.') {
        r->at++;
        if (r->at >= r->end || !is_digit(*r->at))
            return fail(r, "a digit was expected after the decimal point");
        while (r->at < r->end && is_digit(*r->at))
            r->at++;
    }
    if (r->at < r->end && (*r->at == 'e' || *r->at == 'E')) {
        r->at++;
        if (r->at < r->end && (*r->at == '+' || *r->at == '-'))
            r->at++;
        if (r->at >= r->end || !is_digit(*r->at))
            return fail(r, "a digit was expected in the exponent");
        while (r->at < r->end && is_digit(*r->at))
            r->at++;
    }
    size_t n = (size_t)(r->at - start);
    v->type = PM_JSON_NUMBER;
    if (!(v->text = pm_alloc_array(n + 1, 1)))
        return nomem(r);
    memcpy(v->text, start, n);
    v->text[n] = '\0';
    v->number = strtod(v->text, NULL);
}

static int hex4(const char *p, unsigned *out)
{
    unsigned value = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        value = value * 16 + (unsigned)d;
    }
    *out = value;
    return 0;
}

static void put_utf8(pm_strbuf *out, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12);
        b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18);
        b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    pm_strbuf_append_n(out, b, n);
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629 section 4: no overlong forms,
 * no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
    if (p[0] < 0xC2 || p[0] > 0xF4 || (size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
        return 0;
    return n;
}

/* Section 7. The opening quote is at r->at. */
static void parse_string(reader *r, char **text, size_t *length)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    r->at++;
    for (;;) {
        if (r->at >= r->end) {
            fail(r, "the string is not closed");
            break;
        }
        unsigned char c = (unsigned char)*r->at;
        if (c == '"') {
            r->at++;
            break;
        }
        if (c < 0x20) {
            fail(r, "a control character must be escaped in a string");
            break;
        }
        if (c >= 0x80) {
            size_t n = utf8_length((const unsigned char *)r->at, (const unsigned char *)r->end);
            if (!n) {
                fail(r, "a string holds invalid UTF-8");
                break;
            }
            pm_strbuf_append_n(&out, r->at, n);
            r->at += n;
            continue;
        }
        if (c != '\\') {
            pm_strbuf_append_n(&out, r->at++, 1);
            continue;
        }
        r->at++;
        if (r->at >= r->end) {
            fail(r, "the string is not closed");
            break;
        }
        static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
        const char *k = strchr(plain, *r->at);
        if (*r->at && k) {
            pm_strbuf_append_n(&out, &meant[k - plain], 1);
            r->at++;
            continue;
        }
        unsigned cp, low;
        if (*r->at != 'u' || r->end - r->at < 5 || hex4(r->at + 1, &cp) != 0) {
            fail(r, "an escape is \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u and four hex "
                    "digits");
            break;
        }
        r->at += 5;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(r, "a \\u escape holds a low surrogate with no high one before it");
            break;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* a character past U+FFFF: a high and a low surrogate, each escaped */
            if (r->end - r->at < 6 || r->at[0] != '\\' || r->at[1] != 'u' ||
                hex4(r->at + 2, &low) != 0 || low < 0xDC00 || low > 0xDFFF) {
                fail(r, "a \\u escape holds a high surrogate with no low one after it");
                break;
            }
            r->at += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        put_utf8(&out, cp);
    }
    *length = out.length;
    char *s = pm_strbuf_take(&out);
    if (r->status != PM_OK) {
        free(s);
        return;
    }
    if (!s)
        return nomem(r);
    *text = s;
}

static void parse_value(reader *r, pm_json *v, int depth);

/* Grow a container's arrays by one; *capacity doubles. */
static int grow(reader *r, pm_json *v, size_t *capacity, int with_keys)
{
    if (v->count < *capacity)
        return 0;
    size_t n = *capacity ? *capacity * 2 : 4;
    pm_json *items = pm_realloc_array(v->items, n, sizeof *items);
    if (items)
        v->items = items;
    char **keys = with_keys ? pm_realloc_array(v->keys, n, sizeof *keys) : NULL;
    if (keys)
        v->keys = keys;
    if (!items || (with_keys && !keys)) {
        nomem(r);
        return -1;
    }
    *capacity = n;
    return 0;
}

/* Sections 4 and 5: an object or an array, its opening bracket at r->at. */
static void parse_container(reader *r, pm_json *v, int depth)
{
    int object = *r->at == '{';
    char close = object ? '}' : ']';
    v->type = object ? PM_JSON_OBJECT : PM_JSON_ARRAY;
    if (depth >= PM_JSON_MAX_DEPTH)
        return fail(r, "the values nest too deep");
    r->at++;
    skip_space(r);
    if (r->at < r->end && *r->at == close) {
        r->at++;
        return;
    }
    size_t capacity = 0;
    for (;;) {
        if (grow(r, v, &capacity, object) != 0)
            return;
        pm_json *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        if (object) {
            char *key = NULL;
            size_t key_length = 0;
            if (r->at >= r->end || *r->at != '"')
                return fail(r, "a member's name in double quotes was expected");
            parse_string(r, &key, &key_length);
            if (r->status != PM_OK)
                return;
            v->keys[v->count] = key;
            v->count++; /* counted with its key, so that both are freed */
            if (strlen(key) != key_length)
                return fail(r, "a member's name holds \\u0000");
            for (size_t k = 0; k + 1 < v->count; k++)
                if (strcmp(v->keys[k], key) == 0)
                    return fail(r, "a member's name is given twice in one object");
            skip_space(r);
            if (r->at >= r->end || *r->at != ':')
                return fail(r, "':' was expected after a member's name");
            r->at++;
            skip_space(r);
        } else {
            v->count++;
        }
        parse_value(r, item, depth + 1);
        if (r->status != PM_OK)
            return;
        skip_space(r);
        if (r->at < r->end && *r->at == ',') {
            r->at++;
            skip_space(r);
            continue;
        }
        if (r->at < r->end && *r->at == close) {
            r->at++;
            return;
        }
        return fail(r, object ? "',' or '}' was expected" : "',' or ']' was expected");
    }
}

static void parse_value(reader *r, pm_json *v, int depth)
{
    v->line = r->line;
    if (r->at >= r->end)
        return fail(r, "a value was expected");
    switch (*r->at) {
    case '{':
    case '[':
        return parse_container(r, v, depth);
    case '"':
        v->type = PM_JSON_STRING;
        return parse_string(r, &v->text, &v->length);
    case 't':
        v->type = PM_JSON_TRUE;
        return literal(r, "true") ? (void)0 : fail(r, "a value was expected");
    case 'f':
        v->type = PM_JSON_FALSE;
        return literal(r, "false") ? (void)0 : fail(r, "a value was expected");
    case 'n':
        v->type = PM_JSON_NULL;
        return literal(r, "null") ? (void)0 : fail(r, "a value was expected");
    default:
        if (*r->at == '-' || is_digit(*r->at))
            return parse_number(r, v);
        return fail(r, "a value was expected");
    }
}

static void json_fini(pm_json *v)
{
    free(v->text);
    for (size_t i = 0; i < v->count; i++) {
        json_fini(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

void pm_json_free(pm_json *value)
{
    if (!value)
        return;
    json_fini(value);
    free(value);
}

pm_status pm_json_parse(const char *text, size_t size, const char *name, pm_diag *diag,
                        pm_json **out)
{
    *out = NULL;
    reader r = {.at = text, .end = text + size, .line = 1, .name = name, .diag = diag};
    pm_json *v = pm_alloc_zeroed(1, sizeof *v);
    if (!v)
        return PM_ERR_NOMEM;
    skip_space(&r);
    parse_value(&r, v, 0);
    skip_space(&r);
    if (r.status == PM_OK && r.at < r.end)
        fail(&r, "the value is followed by more text");
    if (r.status != PM_OK) {
        pm_json_free(v);
        return r.status;
    }
    *out = v;
    return PM_OK;
}

const pm_json *pm_json_get(const pm_json *value, const char *key)
{
    if (!value || value->type != PM_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < value->count; i++)
        if (strcmp(value->keys[i], key) == 0)
            return &value->items[i];
    return NULL;
}

int pm_json_int64(const pm_json *value, int64_t *out)
{
    if (!value || value->type != PM_JSON_NUMBER || strpbrk(value->text, ".eE"))
        return -1;
    errno = 0;
    char *end;
    long long n = strtoll(value->text, &end, 10);
    if (errno || *end)
        return -1;
    *out = n;
    return 0;
}

const char *pm_json_type_name(pm_json_type type)
{
    static const char *const names[] = {"null", "false", "true", "a number", "a string",
                                        "an array", "an object"};
    return type <= PM_JSON_OBJECT ? names[type] : "?";
}
