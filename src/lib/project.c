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
#include "project_read.h"
#include "xmlattr.h"

const char *pm_schema_text(void); /* schema.c, generated from doc/premaster.rng */

/* The longest time any attribute may hold: longer than any record or disc. */

const long pm_known_rates[PM_KNOWN_RATE_COUNT] = {44100, 48000, 88200, 96000, 176400, 192000};

/* libxml2 hands out unsigned char strings; the model keeps plain C strings. */

pm_status pm_project_oom(pm_xml_reader *r)
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
        return pm_project_oom(r);
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
void pm_project_read_release(pm_xml_reader *r, const xmlNode *node, double *out)
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
        pm_project_read_release(r, node, &p->release_sec);
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
            return pm_project_oom(r);
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
                return pm_project_oom(r);
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
                return pm_project_oom(r);
        } else if (pm_xml_is(c, "track")) {
            if (pm_grow((void **)&p->tracks, &capacity, p->track_count, sizeof *p->tracks))
                return pm_project_oom(r);
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
    p->has_rate = pm_xml_integer_choice(r, root, "rate", pm_known_rates, PM_KNOWN_RATE_COUNT,
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
                status = pm_project_read_deliver(r, p, c, &streaming_capacity);
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
        return pm_project_oom(&reader);
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
        status = pm_project_oom(&reader);
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
            status = pm_project_oom(&reader);
            goto fail;
        }
    }
    if (p->album.artwork && !(p->album.artwork_path = resolve_path(p->dir, p->album.artwork))) {
        status = pm_project_oom(&reader);
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
