/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The project parser's deliverables: <deliver>, <cd>, <vinyl> with its sides, <streaming>. */
#include "config.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cdtime.h"
#include "codes.h"
#include "diag.h"
#include "plan.h"
#include "project.h"
#include "project_read.h"
#include "xmlattr.h"

/* ---- deliverables -------------------------------------------------------------------------- */

static int read_ceiling(pm_xml_reader *r, const xmlNode *node, double *out)
{
    return pm_xml_number(r, node, "ceiling", "dBTP", -20, 0, out);
}

static void read_loudness(pm_xml_reader *r, const xmlNode *node, int *has, double *out)
{
    if (pm_xml_number(r, node, "loudness", "LUFS", -40, -5, out) == 1)
        *has = 1;
}

static void read_cd(pm_xml_reader *r, pm_project *p, const xmlNode *node)
{
    pm_cd_target *cd = &p->cd;
    if (cd->line) {
        pm_xml_error(r, node, "a second <cd>; one CD target renders every CD deliverable");
        return;
    }
    cd->line = (int)xmlGetLineNo(node);
    pm_xml_check_names(r, node, NAMES("ddp", "cue", "toc", "cdtext", "cdtext-isrc", "ceiling",
                                      "dither", "preroll", "loudness", "release"), NULL);
    cd->ddp = cd->cue = cd->toc = cd->cdtext = 1;
    pm_xml_bool(r, node, "ddp", &cd->ddp);
    pm_xml_bool(r, node, "cue", &cd->cue);
    pm_xml_bool(r, node, "toc", &cd->toc);
    pm_xml_bool(r, node, "cdtext", &cd->cdtext);
    pm_xml_bool(r, node, "cdtext-isrc", &cd->cdtext_isrc);
    if (!cd->ddp && !cd->cue && !cd->toc)
        pm_xml_error(r, node, "<cd> asks for no deliverable: ddp, cue and toc are all no");
    cd->has_ceiling = 1;
    cd->ceiling_dbtp = -0.3;
    char *ceiling = pm_xml_attr(node, "ceiling");
    if (ceiling && strcmp(ceiling, "off") == 0)
        cd->has_ceiling = 0;
    else if (ceiling)
        read_ceiling(r, node, &cd->ceiling_dbtp);
    free(ceiling);
    int dither;
    if (pm_xml_choice(r, node, "dither", NAMES("shaped", "tpdf", "none"), &dither) == 1)
        cd->dither = (pm_dither)dither;
    pm_xml_time(r, node, "preroll", 2.0, &cd->preroll);
    read_loudness(r, node, &cd->has_loudness, &cd->loudness_lufs);
    cd->release_sec = 0.050;
    pm_project_read_release(r, node, &cd->release_sec);
}

static pm_status read_vinyl(pm_xml_reader *r, pm_project *p, const xmlNode *node)
{
    pm_vinyl_target *v = &p->vinyl;
    if (v->line) {
        pm_xml_error(r, node, "a second <vinyl>; list every side of the release in one");
        return PM_OK;
    }
    v->line = (int)xmlGetLineNo(node);
    pm_xml_check_names(r, node,
                       NAMES("size", "speed", "mono-below", "deess", "deess-range",
                             "deess-threshold", "ceiling", "rate", "bits", "loudness",
                             "max-side", "release"),
                       NAMES("side"));
    static const long sizes[] = {7, 10, 12}, speeds[] = {33, 45}, bits[] = {16, 24};
    long value;
    if (pm_xml_integer_choice(r, node, "size", sizes, 3, &value) == 1)
        v->size_in = (int)value;
    else if (!xmlHasProp(node, (const xmlChar *)"size"))
        pm_xml_error(r, node, "<vinyl> needs size: 7, 10 or 12 (inches)");
    if (pm_xml_integer_choice(r, node, "speed", speeds, 2, &value) == 1)
        v->speed_rpm = (int)value;
    else if (!xmlHasProp(node, (const xmlChar *)"speed"))
        pm_xml_error(r, node, "<vinyl> needs speed: 33 or 45 (rpm)");
    v->has_mono_below = pm_xml_frequency(r, node, "mono-below", 10, 1000, &v->mono_below_hz) == 1;
    v->has_deess = pm_xml_frequency(r, node, "deess", 1000, 20000, &v->deess_hz) == 1;
    v->deess_range_db = 6;
    v->deess_threshold_db = -30;
    pm_xml_number(r, node, "deess-range", "dB", 0, 24, &v->deess_range_db);
    pm_xml_number(r, node, "deess-threshold", "dB", -60, 0, &v->deess_threshold_db);
    v->ceiling_dbtp = -1;
    read_ceiling(r, node, &v->ceiling_dbtp);
    v->has_rate = pm_xml_integer_choice(r, node, "rate", pm_known_rates, PM_KNOWN_RATE_COUNT,
                                        &v->rate) == 1;
    v->bits = 24;
    pm_xml_integer_choice(r, node, "bits", bits, 2, &v->bits);
    read_loudness(r, node, &v->has_loudness, &v->loudness_lufs);
    v->has_max_side = pm_xml_time(r, node, "max-side", 60 * 60, &v->max_side) == 1;
    v->release_sec = 0.200;
    pm_project_read_release(r, node, &v->release_sec);

    size_t capacity = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!pm_xml_is(c, "side"))
            continue;
        pm_xml_check_names(r, c, NAMES("tracks", "etching"), NULL);
        if (pm_grow((void **)&v->sides, &capacity, v->side_count, sizeof *v->sides))
            return pm_project_oom(r);
        pm_side *s = &v->sides[v->side_count++];
        memset(s, 0, sizeof *s);
        s->line = (int)xmlGetLineNo(c);
        s->etching = pm_xml_attr(c, "etching");
        char *list = pm_xml_attr_required(r, c, "tracks");
        if (!list)
            continue;
        s->tracks = pm_alloc_array(PM_CD_MAX_TRACKS, sizeof *s->tracks);
        if (!s->tracks) {
            free(list);
            return pm_project_oom(r);
        }
        s->track_count = pm_parse_track_list(list, s->tracks, PM_CD_MAX_TRACKS);
        if (s->track_count < 0) {
            pm_xml_error(r, c, "<side> tracks=\"%s\" is not a track list: numbers and ranges "
                         "such as 1-3,5", list);
            s->track_count = 0;
        }
        free(list);
    }
    return PM_OK;
}

/* A folder name that is the same on every file system: letters, digits, '.', '-', '_'. */
static int safe_folder_name(const char *name)
{
    if (!*name || name[0] == '.')
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '-' || *c == '_'))
            return 0;
    return strlen(name) <= 64;
}

static unsigned read_formats(pm_xml_reader *r, const xmlNode *node)
{
    static const char *const names[] = {"wav", "flac", "mp3", "opus", "ogg", NULL};
    char *text = pm_xml_attr(node, "formats");
    if (!text)
        return PM_FORMAT_FLAC;
    unsigned formats = 0;
    int unknown = 0;
    char *save = NULL;
    for (char *word = strtok_r(text, " ,\t\n", &save); word; word = strtok_r(NULL, " ,\t\n", &save)) {
        int found = -1;
        for (int i = 0; names[i]; i++)
            if (strcmp(word, names[i]) == 0)
                found = i;
        if (found < 0) {
            pm_xml_error(r, node, "<streaming> formats: '%s' is not a format premaster writes; "
                         "use any of wav flac mp3 opus ogg", word);
            unknown = 1;
        }
        else if (formats & (1u << found))
            pm_xml_error(r, node, "<streaming> formats lists '%s' twice", word);
        else
            formats |= 1u << found;
    }
    free(text);
    if (!formats && !unknown)
        pm_xml_error(r, node, "<streaming> formats is empty; use any of wav flac mp3 opus ogg");
    return formats;
}

static pm_status read_streaming(pm_xml_reader *r, pm_project *p, const xmlNode *node,
                                size_t *capacity)
{
    if (pm_grow((void **)&p->streaming, capacity, p->streaming_count, sizeof *p->streaming))
        return pm_project_oom(r);
    pm_streaming_target *s = &p->streaming[p->streaming_count++];
    memset(s, 0, sizeof *s);
    s->line = (int)xmlGetLineNo(node);
    pm_xml_check_names(r, node,
                       NAMES("name", "preset", "loudness", "ceiling", "normalize", "boost",
                             "rate", "bits", "formats", "codec-check", "release", "mp3"),
                       NULL);
    s->ceiling_dbtp = -1;
    s->boost = 1;
    s->preset = pm_xml_attr(node, "preset");
    if (s->preset) {
        pm_preset preset;
        if (pm_preset_find(s->preset, &preset) == 0) {
            s->has_loudness = preset.has_loudness;
            s->loudness_lufs = preset.loudness_lufs;
            s->ceiling_dbtp = preset.ceiling_dbtp;
            s->boost = preset.boost;
        } else {
            char names[256];
            pm_preset_names(names, sizeof names);
            pm_xml_error(r, node, "<streaming> preset=\"%s\" is not known; the presets are %s",
                         s->preset, names);
        }
    }
    s->name = pm_xml_attr(node, "name");
    if (!s->name && s->preset)
        s->name = pm_strdup(s->preset);
    if (!s->name)
        pm_xml_error(r, node, "<streaming> needs a name (its folder) or a preset");
    else if (!safe_folder_name(s->name))
        pm_xml_error(r, node, "<streaming> name=\"%s\" cannot name a folder everywhere: use "
                     "letters, digits, '.', '-' and '_' (at most 64, not starting with '.')",
                     s->name);
    read_loudness(r, node, &s->has_loudness, &s->loudness_lufs);
    read_ceiling(r, node, &s->ceiling_dbtp);
    int normalize;
    if (pm_xml_choice(r, node, "normalize", NAMES("album", "track", "none"), &normalize) == 1)
        s->normalize = (pm_normalize)normalize;
    pm_xml_bool(r, node, "boost", &s->boost);
    s->has_rate = pm_xml_integer_choice(r, node, "rate", pm_known_rates, PM_KNOWN_RATE_COUNT,
                                        &s->rate) == 1;
    static const long bits[] = {16, 24, 32};
    s->bits = 24;
    pm_xml_integer_choice(r, node, "bits", bits, 3, &s->bits);
    s->formats = read_formats(r, node);
    if (s->bits == 32 && (s->formats & PM_FORMAT_FLAC))
        pm_xml_error(r, node, "<streaming> bits=\"32\" (float) is for wav only; FLAC holds at "
                     "most 24 bits: use bits=\"24\", or a separate target for the wav");
    s->codec_check = 1;
    pm_xml_bool(r, node, "codec-check", &s->codec_check);
    int mp3 = 0;
    if (pm_xml_choice(r, node, "mp3", NAMES("cbr", "vbr"), &mp3) == 1)
        s->mp3_vbr = mp3 == 1;
    s->release_sec = 0.050;
    pm_project_read_release(r, node, &s->release_sec);
    /* Only when normalize was asked for: the default on a preset without a target is no
     * request at all. */
    if (xmlHasProp(node, BAD_CAST "normalize") && s->normalize != PM_NORMALIZE_NONE &&
        !s->has_loudness && s->preset &&
        pm_preset_find(s->preset, NULL) == 0)
        pm_xml_warning(r, node, "<streaming> preset \"%s\" has no loudness target, so "
                       "normalize has nothing to do; give loudness to normalise", s->preset);
    return PM_OK;
}

pm_status pm_project_read_deliver(pm_xml_reader *r, pm_project *p, const xmlNode *node,
                              size_t *streaming_capacity)
{
    pm_xml_check_names(r, node, NULL, NAMES("cd", "vinyl", "streaming"));
    for (const xmlNode *c = node->children; c; c = c->next) {
        pm_status status = PM_OK;
        if (pm_xml_is(c, "cd"))
            read_cd(r, p, c);
        else if (pm_xml_is(c, "vinyl"))
            status = read_vinyl(r, p, c);
        else if (pm_xml_is(c, "streaming"))
            status = read_streaming(r, p, c, streaming_capacity);
        if (status != PM_OK)
            return status;
    }
    for (size_t i = 0; i < p->streaming_count; i++)
        for (size_t j = 0; j < i; j++)
            if (p->streaming[i].name && p->streaming[j].name &&
                strcmp(p->streaming[i].name, p->streaming[j].name) == 0)
                pm_diag_add(r->diag, PM_SEV_ERROR, r->file, p->streaming[i].line, NULL,
                            "<streaming> name \"%s\" is already used on line %d; each target "
                            "needs its own folder: give name=\"...\"",
                            p->streaming[i].name, p->streaming[j].line), r->errors++;
    return PM_OK;
}

