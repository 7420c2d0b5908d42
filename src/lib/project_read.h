/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the parts of the project parser share (project.c reads the document, the album, the
 * chains and the tracks; project_deliver.c the deliverables). Internal to the parser.
 */
#ifndef PM_PROJECT_READ_H
#define PM_PROJECT_READ_H

#include <libxml/tree.h>

#include "project.h"
#include "xmlattr.h"

/* A NULL-terminated list of names, for the attribute and element checks. */
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The longest time the format accepts anywhere. */
#define MAX_TIME_SEC (6.0 * 3600.0)

/* The working rates <premaster rate> and the targets' rate accept. */
#define PM_KNOWN_RATE_COUNT 6
extern const long pm_known_rates[PM_KNOWN_RATE_COUNT];

/* Out of memory while reading: reported once, PM_ERR_NOMEM. */
pm_status pm_project_oom(pm_xml_reader *r);
/* A release time (limiter, compressor): at least 1 ms, quoted as written when refused. */
void pm_project_read_release(pm_xml_reader *r, const xmlNode *node, double *out);
/* <deliver> and its targets. */
pm_status pm_project_read_deliver(pm_xml_reader *r, pm_project *p, const xmlNode *node,
                                  size_t *streaming_capacity);

#endif
