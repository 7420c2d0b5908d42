/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "xmlattr.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "strbuf.h"

const char *pm_xml_name(const xmlNode *node)
{
    return (const char *)node->name;
}

int pm_xml_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp(pm_xml_name(node), name) == 0;
}

static void report(pm_xml_reader *r, pm_severity severity, const xmlNode *node, const char *fmt,
                   va_list args) PM_PRINTF(4, 0);

static void report(pm_xml_reader *r, pm_severity severity, const xmlNode *node, const char *fmt,
                   va_list args)
{
    pm_strbuf text;
    pm_strbuf_init(&text);
    pm_strbuf_vprintf(&text, fmt, args);
    char *message = pm_strbuf_take(&text);
    xmlChar *path = node ? xmlGetNodePath(node) : NULL;
    pm_diag_add(r->diag, severity, r->file, node ? (int)xmlGetLineNo(node) : 0,
                (const char *)path, "%s", message ? message : "(out of memory)");
    xmlFree(path);
    free(message);
    if (severity == PM_SEV_ERROR)
        r->errors++;
}

void pm_xml_error(pm_xml_reader *r, const xmlNode *node, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    report(r, PM_SEV_ERROR, node, fmt, args);
    va_end(args);
}

void pm_xml_warning(pm_xml_reader *r, const xmlNode *node, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    report(r, PM_SEV_WARNING, node, fmt, args);
    va_end(args);
}

static int listed(const char *name, const char *const *names)
{
    for (; names && *names; names++)
        if (strcmp(name, *names) == 0)
            return 1;
    return 0;
}

/* "a, b or c", for messages. */
static char *join_names(const char *const *names, const char *before, const char *after)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    size_t n = 0;
    while (names && names[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        if (i)
            pm_strbuf_append(&out, i + 1 == n ? " or " : ", ");
        pm_strbuf_printf(&out, "%s%s%s", before, names[i], after);
    }
    return pm_strbuf_take(&out);
}

void pm_xml_check_names(pm_xml_reader *r, const xmlNode *node, const char *const *allowed,
                        const char *const *children)
{
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        const char *name = (const char *)a->name;
        if (listed(name, allowed))
            continue;
        char *names = join_names(allowed, "", "");
        if (names && *names)
            pm_xml_error(r, node, "<%s> has no attribute '%s'; the attributes of <%s> are %s",
                         pm_xml_name(node), name, pm_xml_name(node), names);
        else
            pm_xml_error(r, node, "<%s> takes no attributes, but has '%s'", pm_xml_name(node),
                         name);
        free(names);
    }
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (!xmlIsBlankNode(c))
                pm_xml_error(r, c, "<%s> holds text, which has no meaning there: values go in "
                             "attributes", pm_xml_name(node));
            continue;
        }
        if (c->type != XML_ELEMENT_NODE || listed(pm_xml_name(c), children))
            continue;
        char *names = join_names(children, "<", ">");
        if (names && *names)
            pm_xml_error(r, c, "<%s> is not allowed inside <%s>; allowed there: %s",
                         pm_xml_name(c), pm_xml_name(node), names);
        else
            pm_xml_error(r, c, "<%s> is not allowed inside <%s>, which takes no elements",
                         pm_xml_name(c), pm_xml_name(node));
        free(names);
    }
}

char *pm_xml_attr(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    if (!value)
        return NULL;
    char *copy = pm_strdup((const char *)value);
    xmlFree(value);
    return copy;
}

char *pm_xml_attr_required(pm_xml_reader *r, const xmlNode *node, const char *name)
{
    char *value = pm_xml_attr(node, name);
    if (value && value[strspn(value, " \t\n")] != '\0')
        return value;
    if (value)
        pm_xml_error(r, node, "<%s> has an empty %s; it needs one", pm_xml_name(node), name);
    else
        pm_xml_error(r, node, "<%s> needs the attribute %s", pm_xml_name(node), name);
    free(value);
    return NULL;
}

int pm_xml_time(pm_xml_reader *r, const xmlNode *node, const char *name, double max_sec,
                pm_time *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    pm_time t;
    int result = 1;
    if (pm_parse_time(text, &t)) {
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not a time; write %s", pm_xml_name(node), name,
                     text, PM_TIME_FORMS);
        result = -1;
    } else if (t.seconds > max_sec) {
        char buf[32];
        pm_format_seconds(max_sec, buf, sizeof buf);
        pm_xml_error(r, node, "<%s> %s=\"%s\" is too long: at most %s", pm_xml_name(node), name,
                     text, buf);
        result = -1;
    } else {
        *out = t;
    }
    free(text);
    return result;
}

/* The "out of range" message shared by the numeric attributes. */
static int out_of_range(pm_xml_reader *r, const xmlNode *node, const char *name,
                        const char *text, double min, double max, const char *unit)
{
    pm_xml_error(r, node, "<%s> %s=\"%s\" is out of range: use %g to %g%s%s", pm_xml_name(node),
                 name, text, min, max, unit ? " " : "", unit ? unit : "");
    return -1;
}

int pm_xml_number(pm_xml_reader *r, const xmlNode *node, const char *name, const char *unit,
                  double min, double max, double *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    double value;
    int result = 1;
    if (pm_parse_number(text, unit, &value)) {
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not a number%s%s", pm_xml_name(node), name, text,
                     unit ? " of " : "", unit ? unit : "");
        result = -1;
    } else if (value < min || value > max) {
        result = out_of_range(r, node, name, text, min, max, unit);
    } else {
        *out = value;
    }
    free(text);
    return result;
}

int pm_xml_frequency(pm_xml_reader *r, const xmlNode *node, const char *name, double min,
                     double max, double *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    double value;
    int result = 1;
    if (pm_parse_frequency(text, &value)) {
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not a frequency; write Hz (6500) or kHz (6.5k)",
                     pm_xml_name(node), name, text);
        result = -1;
    } else if (value < min || value > max) {
        result = out_of_range(r, node, name, text, min, max, "Hz");
    } else {
        *out = value;
    }
    free(text);
    return result;
}

int pm_xml_integer(pm_xml_reader *r, const xmlNode *node, const char *name, long min, long max,
                   long *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    long value;
    int result = 1;
    if (pm_parse_integer(text, &value)) {
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not a whole number", pm_xml_name(node), name,
                     text);
        result = -1;
    } else if (value < min || value > max) {
        result = out_of_range(r, node, name, text, (double)min, (double)max, NULL);
    } else {
        *out = value;
    }
    free(text);
    return result;
}

int pm_xml_choice(pm_xml_reader *r, const xmlNode *node, const char *name,
                  const char *const *values, int *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    int result = -1;
    for (int i = 0; values[i]; i++) {
        if (strcmp(text, values[i]) == 0) {
            *out = i;
            result = 1;
        }
    }
    if (result < 0) {
        char *names = join_names(values, "", "");
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not known; use %s", pm_xml_name(node), name,
                     text, names ? names : "");
        free(names);
    }
    free(text);
    return result;
}

int pm_xml_integer_choice(pm_xml_reader *r, const xmlNode *node, const char *name,
                          const long *values, int count, long *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    long value;
    int result = -1;
    if (pm_parse_integer(text, &value) == 0) {
        for (int i = 0; i < count; i++)
            if (values[i] == value)
                result = 1;
    }
    if (result < 0) {
        pm_strbuf list;
        pm_strbuf_init(&list);
        for (int i = 0; i < count; i++)
            pm_strbuf_printf(&list, "%s%ld", i == 0 ? "" : i + 1 == count ? " or " : ", ",
                             values[i]);
        char *names = pm_strbuf_take(&list);
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not allowed; use %s", pm_xml_name(node), name,
                     text, names ? names : "");
        free(names);
    } else {
        *out = value;
    }
    free(text);
    return result;
}

int pm_xml_bool(pm_xml_reader *r, const xmlNode *node, const char *name, int *out)
{
    char *text = pm_xml_attr(node, name);
    if (!text)
        return 0;
    int result = 1;
    if (pm_parse_bool(text, out)) {
        pm_xml_error(r, node, "<%s> %s=\"%s\" is not yes or no (also true/false, 1/0)",
                     pm_xml_name(node), name, text);
        result = -1;
    }
    free(text);
    return result;
}
