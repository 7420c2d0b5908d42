/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading one element of the project file: its attributes, checked against the names allowed
 * there and parsed into values, each problem reported at the element's line with what would be
 * right. Used by project.c; libxml2 stays inside src/lib.
 */
#ifndef PM_XMLATTR_H
#define PM_XMLATTR_H

#include <libxml/tree.h>

#include "premaster.h"
#include "units.h"

typedef struct pm_xml_reader {
    pm_diag *diag;
    const char *file;
    int errors; /* errors reported through this reader */
} pm_xml_reader;

/* Report at node's line; the element path goes with it. */
void pm_xml_error(pm_xml_reader *r, const xmlNode *node, const char *fmt, ...) PM_PRINTF(3, 4);
void pm_xml_warning(pm_xml_reader *r, const xmlNode *node, const char *fmt, ...)
    PM_PRINTF(3, 4);

/*
 * Report every attribute of node not in allowed (NULL-terminated), naming the ones allowed,
 * and every element child not in children (NULL-terminated; NULL allows none), naming those.
 * Text other than white space inside the element is reported too.
 */
void pm_xml_check_names(pm_xml_reader *r, const xmlNode *node, const char *const *allowed,
                        const char *const *children);

/* The attribute's text, borrowed from a static-free copy the caller frees with free(); NULL
 * when absent. */
char *pm_xml_attr(const xmlNode *node, const char *name);
/* A required attribute: reported when absent or empty. */
char *pm_xml_attr_required(pm_xml_reader *r, const xmlNode *node, const char *name);

/*
 * Typed attributes. Each returns 1 when the attribute is present and valid (out set), 0 when it
 * is absent (out untouched), -1 when present but invalid (reported). Ranges are inclusive.
 */
int pm_xml_time(pm_xml_reader *r, const xmlNode *node, const char *name, double max_sec,
                pm_time *out);
int pm_xml_number(pm_xml_reader *r, const xmlNode *node, const char *name, const char *unit,
                  double min, double max, double *out);
int pm_xml_frequency(pm_xml_reader *r, const xmlNode *node, const char *name, double min,
                     double max, double *out);
int pm_xml_integer(pm_xml_reader *r, const xmlNode *node, const char *name, long min, long max,
                   long *out);
/* One of values (NULL-terminated); *out is its index. */
int pm_xml_choice(pm_xml_reader *r, const xmlNode *node, const char *name,
                  const char *const *values, int *out);
/* One of the listed whole numbers (e.g. 44100 48000 ...), count of them. */
int pm_xml_integer_choice(pm_xml_reader *r, const xmlNode *node, const char *name,
                          const long *values, int count, long *out);
int pm_xml_bool(pm_xml_reader *r, const xmlNode *node, const char *name, int *out);

/* The element's name, as a plain C string. */
const char *pm_xml_name(const xmlNode *node);
/* Whether node is an element named name. */
int pm_xml_is(const xmlNode *node, const char *name);

#endif
