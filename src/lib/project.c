/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The project file (PROJECT-FORMAT.md, version 1) read into the model of project.h. Every
 * element is checked for the attributes and children allowed there and every value for its form
 * and range; everything that needs more than one element (times against sources, Red Book,
 * sides) is validate.c's.
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cdtime.h"
#include "codes.h"
#include "diag.h"
#include "plan.h"
#include "project.h"
#include "xmlattr.h"

const char *pm_schema_text(void); /* schema.c, generated from doc/premaster.rng */

/* The longest time any attribute may hold: longer than any record or disc. */
#define MAX_TIME_SEC (6.0 * 3600.0)

static const long known_rates[] = {44100, 48000, 88200, 96000, 176400, 192000};
#define KNOWN_RATE_COUNT 6

/* libxml2 hands out unsigned char strings; the model keeps plain C strings. */
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static pm_status oom(pm_xml_reader *r)
{
    pm_diag_add(r->diag, PM_SEV_ERROR, r->file, 0, NULL, "out of memory while reading the project");
    return PM_ERR_NOMEM;
}

/* ---- text ---------------------------------------------------------------------------------- */

static void read_text(const xmlNode *node, pm_text *text)
{
    text->title = pm_xml_attr(node, "title");
    text->artist = pm_xml_attr(node, "artist");
    text->songwriter = pm_xml_attr(node, "songwriter");
    text->composer = pm_xml_attr(node, "composer");
    text->arranger = pm_xml_attr(node, "arranger");
    text->message = pm_xml_attr(node, "message");
}

static void free_text(pm_text *text)
{
    free(text->title);
    free(text->artist);
    free(text->songwriter);
    free(text->composer);
    free(text->arranger);
    free(text->message);
}

/* An ISO 639-1 code: two lowercase letters. */
static int read_language(pm_xml_reader *r, const xmlNode *node, char out[3])
{
    char *text = pm_xml_attr(node, "language");
    if (!text)
        return 0;
    int ok = strlen(text) == 2 && text[0] >= 'a' && text[0] <= 'z' && text[1] >= 'a' &&
             text[1] <= 'z';
    if (ok)
        memcpy(out, text, 3);
    else
        pm_xml_error(r, node, "<%s> language=\"%s\" is not an ISO 639-1 code: two lowercase "
                     "letters such as en, de, fr, ja", pm_xml_name(node), text);
    free(text);
    return ok ? 1 : -1;
}

static pm_status read_cdtext(pm_xml_reader *r, const xmlNode *node, pm_cdtext_block **blocks,
                             size_t *count, size_t *capacity)
{
    pm_xml_check_names(r, node, NAMES("language", "title", "artist", "songwriter", "composer",
                                      "arranger", "message"), NULL);
    if (pm_grow((void **)blocks, capacity, *count, sizeof **blocks))
        return oom(r);
    pm_cdtext_block *b = &(*blocks)[(*count)++];
    memset(b, 0, sizeof *b);
    b->line = (int)xmlGetLineNo(node);
    if (read_language(r, node, b->language) == 0)
        pm_xml_error(r, node, "<cdtext> needs a language (ISO 639-1, such as de)");
    read_text(node, &b->text);
    return PM_OK;
}

/* ---- chains -------------------------------------------------------------------------------- */

/* A release time (limiter, compressor): at least 1 ms, quoted as written when refused. */
static void read_release(pm_xml_reader *r, const xmlNode *node, double *out)
{
    pm_time t;
    if (pm_xml_time(r, node, "release", 5.0, &t) != 1)
        return;
    if (t.seconds < 0.001) {
        char *text = pm_xml_attr(node, "release");
        pm_xml_error(r, node, "<%s> release=\"%s\" is too short: at least 1ms",
                     pm_xml_name(node), text ? text : "");
        free(text);
    } else
        *out = t.seconds;
}

static void read_proc(pm_xml_reader *r, const xmlNode *node, pm_proc *p)
{
    static const char *const kinds[] = {"gain", "highpass", "lowpass", "eq", "compressor",
                                        "width", "deess", "monobass", NULL};
    for (int i = 0; kinds[i]; i++)
        if (pm_xml_is(node, kinds[i]))
            p->kind = (pm_proc_kind)i;
    p->line = (int)xmlGetLineNo(node);
    p->order = 2;
    p->q = 0.7071067811865476;
    p->ratio = 1.0;
    p->attack_sec = 0.010;
    p->release_sec = 0.100;
    p->range_db = 6.0;
    p->threshold_db = -30.0;
    pm_time t;
    switch (p->kind) {
    case PM_PROC_GAIN:
        pm_xml_check_names(r, node, NAMES("db"), NULL);
        if (pm_xml_number(r, node, "db", "dB", -60, 24, &p->gain_db) == 0)
            pm_xml_error(r, node, "<gain> needs db, the gain in dB (-60 to 24)");
        break;
    case PM_PROC_HIGHPASS:
    case PM_PROC_LOWPASS:
        pm_xml_check_names(r, node, NAMES("freq", "order"), NULL);
        if (pm_xml_frequency(r, node, "freq", 10, 20000, &p->freq_hz) == 0)
            pm_xml_error(r, node, "<%s> needs freq, the corner frequency (10 Hz to 20 kHz)",
                         pm_xml_name(node));
        long order;
        if (pm_xml_integer(r, node, "order", 1, 8, &order) == 1)
            p->order = (int)order;
        break;
    case PM_PROC_EQ: {
        pm_xml_check_names(r, node, NAMES("type", "freq", "gain", "q"), NULL);
        int type;
        if (pm_xml_choice(r, node, "type", NAMES("peak", "lowshelf", "highshelf", "notch"),
                          &type) == 0)
            pm_xml_error(r, node, "<eq> needs a type: peak, lowshelf, highshelf or notch");
        else
            p->eq_type = (pm_band_type)type;
        if (pm_xml_frequency(r, node, "freq", 10, 20000, &p->freq_hz) == 0)
            pm_xml_error(r, node, "<eq> needs freq, its centre or corner (10 Hz to 20 kHz)");
        int has_gain = pm_xml_number(r, node, "gain", "dB", -24, 24, &p->gain_db);
        if (has_gain == 0 && p->eq_type != PM_BAND_NOTCH)
            pm_xml_error(r, node, "<eq type=\"%s\"> needs gain in dB (-24 to 24)",
                         p->eq_type == PM_BAND_PEAK       ? "peak"
                         : p->eq_type == PM_BAND_LOWSHELF ? "lowshelf"
                                                        : "highshelf");
        pm_xml_number(r, node, "q", NULL, 0.1, 20, &p->q);
        break;
    }
    case PM_PROC_COMPRESSOR: {
        pm_xml_check_names(r, node, NAMES("threshold", "ratio", "attack", "release", "knee",
                                          "makeup"), NULL);
        if (pm_xml_number(r, node, "threshold", "dB", -60, 0, &p->threshold_db) == 0)
            pm_xml_error(r, node, "<compressor> needs threshold in dB (-60 to 0)");
        if (pm_xml_number(r, node, "ratio", NULL, 1, 100, &p->ratio) == 0)
            pm_xml_error(r, node, "<compressor> needs ratio, at least 1 (1.5 means 1.5:1)");
        if (pm_xml_time(r, node, "attack", 1.0, &t) == 1)
            p->attack_sec = t.seconds;
        read_release(r, node, &p->release_sec);
        pm_xml_number(r, node, "knee", "dB", 0, 24, &p->knee_db);
        char *makeup = pm_xml_attr(node, "makeup");
        if (makeup && strcmp(makeup, "auto") == 0)
            p->makeup_auto = 1;
        else if (makeup)
            pm_xml_number(r, node, "makeup", "dB", -24, 24, &p->makeup_db);
        free(makeup);
        break;
    }
    case PM_PROC_WIDTH:
        pm_xml_check_names(r, node, NAMES("amount"), NULL);
        if (pm_xml_number(r, node, "amount", NULL, 0, 2, &p->amount) == 0)
            pm_xml_error(r, node, "<width> needs amount: 1 unchanged, 0 mono, up to 2");
        break;
    case PM_PROC_DEESS:
        pm_xml_check_names(r, node, NAMES("freq", "range", "threshold"), NULL);
        if (pm_xml_frequency(r, node, "freq", 1000, 20000, &p->freq_hz) == 0)
            pm_xml_error(r, node, "<deess> needs freq, the centre of the sibilance (1 to 20 kHz)");
        pm_xml_number(r, node, "range", "dB", 0, 24, &p->range_db);
        pm_xml_number(r, node, "threshold", "dB", -60, 0, &p->threshold_db);
        break;
    case PM_PROC_MONOBASS: {
        pm_xml_check_names(r, node, NAMES("below", "phase"), NULL);
        if (pm_xml_frequency(r, node, "below", 10, 1000, &p->freq_hz) == 0)
            pm_xml_error(r, node, "<monobass> needs below, the crossover (10 to 1000 Hz)");
        int phase;
        if (pm_xml_choice(r, node, "phase", NAMES("minimum", "linear"), &phase) == 1)
            p->phase = (pm_phase)phase;
        break;
    }
    }
}

static pm_status read_chain(pm_xml_reader *r, const xmlNode *node, pm_chain *chain)
{
    static const char *const procs[] = {"gain", "highpass", "lowpass", "eq", "compressor",
                                        "width", "deess", "monobass", NULL};
    if (chain->line) {
        pm_xml_error(r, node, "a second <master> here; put every processor in one <master>");
        return PM_OK;
    }
    chain->line = (int)xmlGetLineNo(node);
    pm_xml_check_names(r, node, NULL, procs);
    size_t capacity = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        int known = 0;
        for (int i = 0; procs[i]; i++)
            known |= pm_xml_is(c, procs[i]);
        if (!known)
            continue;
        if (pm_grow((void **)&chain->procs, &capacity, chain->count, sizeof *chain->procs))
            return oom(r);
        pm_proc *p = &chain->procs[chain->count++];
        memset(p, 0, sizeof *p);
        read_proc(r, c, p);
    }
    return PM_OK;
}

/* ---- album --------------------------------------------------------------------------------- */

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD or YYYY; returns the year, or 0 when the text is not a date. */
static int parse_date(const char *text, int allow_full)
{
    int y, m, d;
    char tail;
    if (strlen(text) == 4 && sscanf(text, "%4d%c", &y, &tail) == 1 && y >= 1000)
        return y;
    if (allow_full && strlen(text) == 10 && text[4] == '-' && text[7] == '-' &&
        sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 1000 && m >= 1 &&
        m <= 12 && d >= 1 && d <= days_in_month(y, m))
        return y;
    return 0;
}

static pm_status read_album(pm_xml_reader *r, pm_project *p, const xmlNode *node)
{
    pm_album *a = &p->album;
    if (a->line) {
        pm_xml_error(r, node, "a second <album>; a project describes one release");
        return PM_OK;
    }
    a->line = (int)xmlGetLineNo(node);
    pm_xml_check_names(r, node,
                       NAMES("title", "artist", "upc", "catalog", "label", "date", "year",
                             "genre", "composer", "songwriter", "arranger", "message",
                             "copyright", "p-line", "disc", "discs", "language", "artwork"),
                       NAMES("cdtext"));
    read_text(node, &a->text);
    if (!a->text.title || !*a->text.title)
        pm_xml_error(r, node, "<album> needs a title");
    if (!a->text.artist || !*a->text.artist)
        pm_xml_error(r, node, "<album> needs an artist");

    char *upc = pm_xml_attr(node, "upc");
    if (upc) {
        int check = 0;
        switch (pm_upc_normalize(upc, a->upc, &check)) {
        case PM_CODE_OK:
            break;
        case PM_CODE_CHECK_DIGIT:
            pm_xml_error(r, node, "<album> upc=\"%s\" has the wrong check digit: the digits "
                         "before it call for %d (a typing error, or a different barcode?)",
                         upc, check);
            a->upc[0] = '\0';
            break;
        default:
            pm_xml_error(r, node, "<album> upc=\"%s\" is not a barcode: give 12 digits (UPC-A) "
                         "or 13 digits (EAN-13), digits only", upc);
            a->upc[0] = '\0';
        }
        free(upc);
    }
    a->catalog = pm_xml_attr(node, "catalog");
    a->label = pm_xml_attr(node, "label");
    a->genre = pm_xml_attr(node, "genre");
    a->copyright = pm_xml_attr(node, "copyright");
    a->p_line = pm_xml_attr(node, "p-line");
    a->date = pm_xml_attr(node, "date");
    if (a->date) {
        a->year = parse_date(a->date, 1);
        if (!a->year)
            pm_xml_error(r, node, "<album> date=\"%s\" is not a date: write YYYY-MM-DD or YYYY",
                         a->date);
    }
    char *year = pm_xml_attr(node, "year");
    if (year) {
        int y = parse_date(year, 0);
        if (!y)
            pm_xml_error(r, node, "<album> year=\"%s\" is not a year: write YYYY", year);
        else if (a->year && a->year != y)
            pm_xml_error(r, node, "<album> year=\"%s\" disagrees with date=\"%s\"; give one of "
                         "them", year, a->date);
        else
            a->year = y;
        free(year);
    }
    a->disc = a->discs = 1;
    pm_xml_integer(r, node, "disc", 1, 99, &a->disc);
    pm_xml_integer(r, node, "discs", 1, 99, &a->discs);
    if (a->disc > a->discs)
        pm_xml_error(r, node, "<album> disc=\"%ld\" is past discs=\"%ld\"", a->disc, a->discs);
    memcpy(a->language, "en", 3);
    read_language(r, node, a->language);
    a->artwork = pm_xml_attr(node, "artwork");

    size_t capacity = 0;
    for (const xmlNode *c = node->children; c; c = c->next)
        if (pm_xml_is(c, "cdtext") &&
            read_cdtext(r, c, &a->cdtext, &a->cdtext_count, &capacity) != PM_OK)
            return PM_ERR_NOMEM;
    return PM_OK;
}

/* ---- tracks -------------------------------------------------------------------------------- */

static pm_status read_track(pm_xml_reader *r, const xmlNode *node, pm_track *t, int is_htoa)
{
    t->line = (int)xmlGetLineNo(node);
    t->is_htoa = is_htoa;
    if (is_htoa)
        pm_xml_check_names(r, node,
                           NAMES("src", "title", "artist", "composer", "songwriter", "arranger",
                                 "message", "isrc", "start", "end", "gain", "fade-in",
                                 "fade-out", "fade-curve", "emphasis", "copy", "streaming"),
                           NAMES("master", "cdtext"));
    else
        pm_xml_check_names(r, node,
                           NAMES("src", "title", "artist", "composer", "songwriter", "arranger",
                                 "message", "isrc", "start", "end", "gain", "fade-in",
                                 "fade-out", "fade-curve", "gap", "pregap-audio", "crossfade",
                                 "emphasis", "copy"),
                           NAMES("index", "master", "cdtext"));
    t->src = pm_xml_attr_required(r, node, "src");
    read_text(node, &t->text);
    if (!t->text.title || !*t->text.title)
        pm_xml_error(r, node, "<%s> needs a title", pm_xml_name(node));

    char *isrc = pm_xml_attr(node, "isrc");
    if (isrc) {
        char normal[13];
        switch (pm_isrc_normalize(isrc, normal)) {
        case PM_CODE_OK:
            memcpy(t->isrc, normal, 13);
            break;
        case PM_CODE_LOWERCASE:
            pm_xml_error(r, node, "<%s> isrc=\"%s\" has lowercase letters; ISRCs are uppercase: "
                         "write \"%s\"", pm_xml_name(node), isrc, normal);
            break;
        default:
            pm_xml_error(r, node, "<%s> isrc=\"%s\" is not an ISRC: 12 characters, country (2 "
                         "letters), registrant (3 letters or digits), year (2 digits), "
                         "designation (5 digits), as GBEXM2600001 or GB-EXM-26-00001",
                         pm_xml_name(node), isrc);
        }
        free(isrc);
    }
    t->has_start = pm_xml_time(r, node, "start", MAX_TIME_SEC, &t->start) == 1;
    t->has_end = pm_xml_time(r, node, "end", MAX_TIME_SEC, &t->end) == 1;
    pm_xml_number(r, node, "gain", "dB", -60, 24, &t->gain_db);
    pm_xml_time(r, node, "fade-in", MAX_TIME_SEC, &t->fade_in);
    pm_xml_time(r, node, "fade-out", MAX_TIME_SEC, &t->fade_out);
    int curve;
    if (pm_xml_choice(r, node, "fade-curve", NAMES("scurve", "linear", "log", "exp"), &curve) == 1)
        t->fade_curve = (pm_fade_curve)curve;
    pm_xml_bool(r, node, "emphasis", &t->emphasis);
    pm_xml_bool(r, node, "copy", &t->copy);
    if (is_htoa) {
        int mode;
        if (pm_xml_choice(r, node, "streaming", NAMES("separate", "omit"), &mode) == 1)
            t->htoa_streaming = (pm_htoa_streaming)mode;
    } else {
        t->has_gap = pm_xml_time(r, node, "gap", MAX_TIME_SEC, &t->gap) == 1;
        t->has_pregap_audio =
            pm_xml_time(r, node, "pregap-audio", MAX_TIME_SEC, &t->pregap_audio) == 1;
        t->has_crossfade = pm_xml_time(r, node, "crossfade", MAX_TIME_SEC, &t->crossfade) == 1;
        if (t->has_gap + t->has_pregap_audio + t->has_crossfade > 1)
            pm_xml_error(r, node, "<track> has more than one of gap, crossfade and pregap-audio; "
                         "a track joins the previous one in one way: keep one");
    }

    size_t index_capacity = 0, cdtext_capacity = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (pm_xml_is(c, "index") && !is_htoa) {
            pm_xml_check_names(r, c, NAMES("at"), NULL);
            if (pm_grow((void **)&t->indexes, &index_capacity, t->index_count,
                        sizeof *t->indexes))
                return oom(r);
            pm_index_mark *m = &t->indexes[t->index_count++];
            memset(m, 0, sizeof *m);
            m->line = (int)xmlGetLineNo(c);
            int got = pm_xml_time(r, c, "at", MAX_TIME_SEC, &m->at);
            if (got == 0)
                pm_xml_error(r, c, "<index> needs at, a time from the track's first sample");
            m->valid = got == 1;
        } else if (pm_xml_is(c, "master")) {
            if (read_chain(r, c, &t->chain) != PM_OK)
                return PM_ERR_NOMEM;
        } else if (pm_xml_is(c, "cdtext")) {
            if (read_cdtext(r, c, &t->cdtext, &t->cdtext_count, &cdtext_capacity) != PM_OK)
                return PM_ERR_NOMEM;
        }
    }
    return PM_OK;
}

static pm_status read_tracks(pm_xml_reader *r, pm_project *p, const xmlNode *node)
{
    if (p->tracks || p->htoa) {
        pm_xml_error(r, node, "a second <tracks>; put the whole sequence in one");
        return PM_OK;
    }
    pm_xml_check_names(r, node, NULL, NAMES("htoa", "track"));
    size_t capacity = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (pm_xml_is(c, "htoa")) {
            if (p->htoa) {
                pm_xml_error(r, c, "a second <htoa>; a disc has one hidden track at most");
                continue;
            }
            if (p->track_count)
                pm_xml_error(r, c, "<htoa> comes after a <track>; the hidden track plays before "
                             "track 1, so put it first in <tracks>");
            p->htoa = pm_alloc_zeroed(1, sizeof *p->htoa);
            if (!p->htoa || read_track(r, c, p->htoa, 1) != PM_OK)
                return oom(r);
        } else if (pm_xml_is(c, "track")) {
            if (pm_grow((void **)&p->tracks, &capacity, p->track_count, sizeof *p->tracks))
                return oom(r);
            pm_track *t = &p->tracks[p->track_count++];
            memset(t, 0, sizeof *t);
            if (read_track(r, c, t, 0) != PM_OK)
                return PM_ERR_NOMEM;
        }
    }
    if (!p->track_count)
        pm_xml_error(r, node, "<tracks> has no <track>; a release needs at least one");
    return PM_OK;
}

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
    read_release(r, node, &cd->release_sec);
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
    v->has_rate = pm_xml_integer_choice(r, node, "rate", known_rates, KNOWN_RATE_COUNT,
                                        &v->rate) == 1;
    v->bits = 24;
    pm_xml_integer_choice(r, node, "bits", bits, 2, &v->bits);
    read_loudness(r, node, &v->has_loudness, &v->loudness_lufs);
    v->has_max_side = pm_xml_time(r, node, "max-side", 60 * 60, &v->max_side) == 1;
    v->release_sec = 0.200;
    read_release(r, node, &v->release_sec);

    size_t capacity = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!pm_xml_is(c, "side"))
            continue;
        pm_xml_check_names(r, c, NAMES("tracks", "etching"), NULL);
        if (pm_grow((void **)&v->sides, &capacity, v->side_count, sizeof *v->sides))
            return oom(r);
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
            return oom(r);
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
        return oom(r);
    pm_streaming_target *s = &p->streaming[p->streaming_count++];
    memset(s, 0, sizeof *s);
    s->line = (int)xmlGetLineNo(node);
    pm_xml_check_names(r, node,
                       NAMES("name", "preset", "loudness", "ceiling", "normalize", "boost",
                             "rate", "bits", "formats", "codec-check", "release"),
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
    s->has_rate = pm_xml_integer_choice(r, node, "rate", known_rates, KNOWN_RATE_COUNT,
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
    s->release_sec = 0.050;
    read_release(r, node, &s->release_sec);
    /* Only when normalize was asked for: the default on a preset without a target is no
     * request at all. */
    if (xmlHasProp(node, BAD_CAST "normalize") && s->normalize != PM_NORMALIZE_NONE &&
        !s->has_loudness && s->preset &&
        pm_preset_find(s->preset, NULL) == 0)
        pm_xml_warning(r, node, "<streaming> preset \"%s\" has no loudness target, so "
                       "normalize has nothing to do; give loudness to normalise", s->preset);
    return PM_OK;
}

static pm_status read_deliver(pm_xml_reader *r, pm_project *p, const xmlNode *node,
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

/* ---- the document -------------------------------------------------------------------------- */

/* libxml2 reports syntax and schema errors through a callback; this gathers them as diags. */
typedef struct xml_errors {
    pm_xml_reader *reader;
    int suppress_where_reported; /* schema errors on a line already reported are left out */
    int count;
} xml_errors;

static void on_xml_error(void *data, xmlErrorPtr error)
{
    xml_errors *e = data;
    if (!error || error->level == XML_ERR_NONE)
        return;
    const char *file = e->reader->file;
    if (e->suppress_where_reported && pm_diag_has_error_at(e->reader->diag, file, error->line))
        return;
    /* libxml2's messages end with a newline and sometimes name its own internals; keep the text
     * and drop the newline. */
    char message[512];
    snprintf(message, sizeof message, "%s", error->message ? error->message : "malformed XML");
    size_t n = strlen(message);
    while (n && (message[n - 1] == '\n' || message[n - 1] == ' '))
        message[--n] = '\0';
    /* One diagnostic, one line: libxml2 continues some messages on a second line. */
    for (char *c = message; *c; c++)
        if (*c == '\n')
            *c = ';';
    pm_severity severity = error->level == XML_ERR_WARNING ? PM_SEV_WARNING : PM_SEV_ERROR;
    const char *what = e->suppress_where_reported ? "does not follow the project schema" :
                                                    "is not well-formed XML";
    pm_diag_add(e->reader->diag, severity, file, error->line, NULL, "the project %s: %s", what,
                message);
    if (!e->suppress_where_reported && error->int2 > 0)
        pm_diag_set_last_column(e->reader->diag, error->int2);
    if (severity == PM_SEV_ERROR) {
        e->reader->errors++;
        e->count++;
    }
}

/* Validate against the compiled-in RELAX NG schema (doc/premaster.rng). */
static void validate_schema(pm_xml_reader *r, xmlDoc *doc)
{
    xml_errors errors = {r, 1, 0};
    const char *text = pm_schema_text();
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewMemParserCtxt(text, (int)strlen(text));
    xmlRelaxNGPtr schema = pctx ? xmlRelaxNGParse(pctx) : NULL;
    xmlRelaxNGValidCtxtPtr vctx = schema ? xmlRelaxNGNewValidCtxt(schema) : NULL;
    if (!vctx) {
        pm_diag_add(r->diag, PM_SEV_ERROR, r->file, 0, NULL,
                    "internal error: the built-in project schema could not be loaded");
        r->errors++;
    } else {
        xmlRelaxNGSetValidStructuredErrors(vctx, on_xml_error, &errors);
        xmlRelaxNGValidateDoc(vctx, doc);
    }
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctx);
}

const char *pm_project_schema(void)
{
    return pm_schema_text();
}

static char *resolve_path(const char *dir, const char *path)
{
    if (!path)
        return NULL;
    if (path[0] == '/' || !dir || !*dir)
        return pm_strdup(path);
    size_t n = strlen(dir) + strlen(path) + 2;
    char *out = pm_alloc_array(n, 1);
    if (out)
        snprintf(out, n, "%s/%s", dir, path);
    return out;
}

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return pm_strdup(".");
    if (slash == path)
        return pm_strdup("/");
    return pm_strndup(path, (size_t)(slash - path));
}

static pm_status read_root(pm_xml_reader *r, pm_project *p, const xmlNode *root)
{
    pm_xml_check_names(r, root, NAMES("version", "rate", "resampler", "seed"),
                       NAMES("album", "master", "tracks", "deliver"));
    p->has_rate = pm_xml_integer_choice(r, root, "rate", known_rates, KNOWN_RATE_COUNT,
                                        &p->rate) == 1;
    int resampler;
    if (pm_xml_choice(r, root, "resampler", NAMES("soxr", "libsamplerate"), &resampler) == 1)
        p->resampler_libsamplerate = resampler == 1;
    char *seed = pm_xml_attr(root, "seed");
    if (seed) {
        char *end = NULL;
        errno = 0;
        unsigned long long value = strtoull(seed, &end, 10);
        if (!*seed || *end || seed[0] < '0' || seed[0] > '9' || errno == ERANGE)
            pm_xml_error(r, root, "<premaster> seed=\"%s\" is not a whole number (0 to "
                         "18446744073709551615)", seed);
        else {
            p->has_seed = 1;
            p->seed = value;
        }
        free(seed);
    }
    size_t streaming_capacity = 0;
    int seen_tracks = 0, seen_deliver = 0;
    for (const xmlNode *c = root->children; c; c = c->next) {
        pm_status status = PM_OK;
        if (pm_xml_is(c, "album"))
            status = read_album(r, p, c);
        else if (pm_xml_is(c, "master"))
            status = read_chain(r, c, &p->master);
        else if (pm_xml_is(c, "tracks")) {
            seen_tracks = 1;
            status = read_tracks(r, p, c);
        } else if (pm_xml_is(c, "deliver")) {
            if (seen_deliver++)
                pm_xml_error(r, c, "a second <deliver>; list every target in one");
            else
                status = read_deliver(r, p, c, &streaming_capacity);
        }
        if (status != PM_OK)
            return status;
    }
    if (!p->album.line)
        pm_xml_error(r, root, "the project has no <album>; it needs one with title and artist");
    if (!seen_tracks)
        pm_xml_error(r, root, "the project has no <tracks>; it needs the sequence of tracks");
    if (!p->cd.line && !p->vinyl.line && !p->streaming_count)
        pm_xml_warning(r, root, "the project asks for no deliverable: add <deliver> with <cd>, "
                       "<vinyl> or <streaming> to render anything");
    return PM_OK;
}

pm_status pm_project_parse(const char *path, pm_diag *diag, pm_project **out)
{
    pm_status status = PM_OK;
    pm_xml_reader reader = {diag, path, 0};
    xml_errors syntax = {&reader, 0, 0};
    xmlDoc *doc = NULL;
    pm_project *p = NULL;
    *out = NULL;

    FILE *f = fopen(path, "rb");
    if (!f) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot read the project file: %s",
                    strerror(errno));
        return PM_ERR_IO;
    }
    fclose(f);

    /* No network, no entity expansion, no DTD loading: a project file is plain data. Big line
     * numbers, so that messages past line 65535 still name the right line. */
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx)
        return oom(&reader);
    xmlSetStructuredErrorFunc(&syntax, on_xml_error);
    doc = xmlCtxtReadFile(ctx, path, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES |
                                           XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlFreeParserCtxt(ctx);
    if (!doc || syntax.count) {
        if (!syntax.count)
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "the project is not well-formed XML");
        status = PM_ERR_INVALID;
        goto fail;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !pm_xml_is(root, "premaster")) {
        pm_diag_add(diag, PM_SEV_ERROR, path, root ? (int)xmlGetLineNo(root) : 1, NULL,
                    "this is not a premaster project: its root element is <%s>, where "
                    "<premaster version=\"1\"> was expected",
                    root ? pm_xml_name(root) : "(none)");
        status = PM_ERR_INVALID;
        goto fail;
    }
    char *version = pm_xml_attr(root, "version");
    int known = version && strcmp(version, "1") == 0;
    if (!known)
        pm_diag_add(diag, PM_SEV_ERROR, path, (int)xmlGetLineNo(root), NULL,
                    version ? "project format version \"%s\" is not known to premaster %s; "
                              "this version reads version=\"1\""
                            : "<premaster> needs version=\"1\" (the project format version)%s%s",
                    version ? version : "", version ? pm_version() : "");
    free(version);
    if (!known) {
        status = PM_ERR_INVALID;
        goto fail;
    }

    p = pm_alloc_zeroed(1, sizeof *p);
    if (!p || !(p->path = pm_strdup(path)) || !(p->dir = folder_of(path))) {
        status = oom(&reader);
        goto fail;
    }
    status = read_root(&reader, p, root);
    if (status != PM_OK)
        goto fail;
    /* The reader's own messages say more than the schema's; the schema speaks only when the
     * reader found nothing, as the safety net that keeps the two in step. */
    if (reader.errors == 0)
        validate_schema(&reader, doc);

    for (size_t i = 0; i < pm_project_item_count(p); i++) {
        pm_track *t = (pm_track *)pm_project_item(p, i);
        if (t->src && !(t->src_path = resolve_path(p->dir, t->src))) {
            status = oom(&reader);
            goto fail;
        }
    }
    if (p->album.artwork && !(p->album.artwork_path = resolve_path(p->dir, p->album.artwork))) {
        status = oom(&reader);
        goto fail;
    }
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeDoc(doc);
    *out = p;
    return reader.errors ? PM_ERR_INVALID : PM_OK;

fail:
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeDoc(doc);
    pm_project_free(p);
    return status;
}

size_t pm_project_item_count(const pm_project *project)
{
    return project->track_count + (project->htoa ? 1 : 0);
}

const pm_track *pm_project_item(const pm_project *project, size_t i)
{
    if (project->htoa)
        return i == 0 ? project->htoa : &project->tracks[i - 1];
    return &project->tracks[i];
}

/* ---- freeing ------------------------------------------------------------------------------- */

static void free_blocks(pm_cdtext_block *blocks, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free_text(&blocks[i].text);
    free(blocks);
}

static void free_track(pm_track *t)
{
    free(t->src);
    free(t->src_path);
    free_text(&t->text);
    free(t->indexes);
    free(t->chain.procs);
    free_blocks(t->cdtext, t->cdtext_count);
}

void pm_project_free(pm_project *p)
{
    if (!p)
        return;
    pm_plan_free(p->plan);
    free(p->path);
    free(p->dir);
    pm_album *a = &p->album;
    free_text(&a->text);
    free(a->catalog);
    free(a->label);
    free(a->date);
    free(a->genre);
    free(a->copyright);
    free(a->p_line);
    free(a->artwork);
    free(a->artwork_path);
    free_blocks(a->cdtext, a->cdtext_count);
    free(p->master.procs);
    if (p->htoa) {
        free_track(p->htoa);
        free(p->htoa);
    }
    for (size_t i = 0; i < p->track_count; i++)
        free_track(&p->tracks[i]);
    free(p->tracks);
    for (size_t i = 0; i < p->vinyl.side_count; i++) {
        free(p->vinyl.sides[i].tracks);
        free(p->vinyl.sides[i].etching);
    }
    free(p->vinyl.sides);
    for (size_t i = 0; i < p->streaming_count; i++) {
        free(p->streaming[i].name);
        free(p->streaming[i].preset);
    }
    free(p->streaming);
    free(p);
}

pm_status pm_project_load(const char *path, pm_diag *diag, pm_project **out)
{
    pm_project *p = NULL;
    *out = NULL;
    pm_status status = pm_project_parse(path, diag, &p);
    if (!p)
        return status;
    /* The rules that need the sources and the whole model run even when the file had errors,
     * so that one run reports every problem; the plan is made only when the parts it rests on
     * could be read. */
    pm_project_validate(p, diag);
    pm_status plan_status = pm_plan_make(p, diag);
    if (plan_status == PM_ERR_NOMEM)
        status = PM_ERR_NOMEM;
    else if (pm_diag_count_severity(diag, PM_SEV_ERROR))
        status = PM_ERR_INVALID;
    *out = p;
    return status;
}
