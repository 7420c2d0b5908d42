/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The streaming platform presets of templates/platforms.xml, compiled in as text. */
#include "config.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "project.h"
#include "units.h"

const char *pm_platforms_text(void); /* platforms.c, generated from templates/platforms.xml */

static xmlDoc *read_platforms(void)
{
    const char *text = pm_platforms_text();
    return xmlReadMemory(text, (int)strlen(text), "platforms.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static void copy_attr(const xmlNode *node, const char *name, char *out, size_t n)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    snprintf(out, n, "%s", value ? (const char *)value : "");
    xmlFree(value);
}

int pm_preset_find(const char *name, pm_preset *out)
{
    xmlDoc *doc = read_platforms();
    int result = -1;
    for (xmlNode *n = doc ? xmlDocGetRootElement(doc)->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        pm_preset p;
        memset(&p, 0, sizeof p);
        copy_attr(n, "name", p.name, sizeof p.name);
        if (strcmp(p.name, name) != 0)
            continue;
        char value[32];
        copy_attr(n, "loudness", value, sizeof value);
        p.has_loudness = *value && pm_parse_number(value, NULL, &p.loudness_lufs) == 0;
        copy_attr(n, "ceiling", value, sizeof value);
        if (pm_parse_number(value, NULL, &p.ceiling_dbtp))
            p.ceiling_dbtp = -1;
        copy_attr(n, "boost", value, sizeof value);
        if (pm_parse_bool(value, &p.boost))
            p.boost = 0;
        copy_attr(n, "boost-until-peak", value, sizeof value);
        p.has_boost_limit = *value && pm_parse_number(value, NULL, &p.boost_limit_dbtp) == 0;
        copy_attr(n, "mode", p.mode, sizeof p.mode);
        copy_attr(n, "source", p.source, sizeof p.source);
        if (out)
            *out = p;
        result = 0;
        break;
    }
    xmlFreeDoc(doc);
    return result;
}

void pm_preset_names(char *buf, size_t n)
{
    xmlDoc *doc = read_platforms();
    size_t used = 0;
    buf[0] = '\0';
    for (xmlNode *node = doc ? xmlDocGetRootElement(doc)->children : NULL; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
        if (name && used < n) {
            int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (const char *)name);
            used += w > 0 ? (size_t)w : 0;
        }
        xmlFree(name);
    }
    xmlFreeDoc(doc);
}
