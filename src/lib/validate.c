/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The semantic rules of the project file that need more than one element: sources and the
 * times inside them, how tracks join, Red Book, CD-TEXT, vinyl sides. Each problem is reported
 * at the line of the element concerned, saying what is wrong and what would be right.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "audiofile.h"
#include "cdtext.h"
#include "cdtime.h"
#include "plan.h"
#include "project.h"
#include "strbuf.h"
#include "tags.h"

static void report(pm_diag *diag, const pm_project *p, pm_severity severity, int line,
                   const char *fmt, ...) PM_PRINTF(5, 6);

static void report(pm_diag *diag, const pm_project *p, pm_severity severity, int line,
                   const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    pm_diag_vadd(diag, severity, p->path, line, NULL, fmt, args);
    va_end(args);
}

#define ERROR(line, ...) report(diag, p, PM_SEV_ERROR, line, __VA_ARGS__)
#define WARNING(line, ...) report(diag, p, PM_SEV_WARNING, line, __VA_ARGS__)
#define NOTE(line, ...) report(diag, p, PM_SEV_NOTE, line, __VA_ARGS__)

/* "track 3" or "the hidden track", for messages. */
static const char *item_name(const pm_project *p, const pm_track *t, char *buf, size_t n)
{
    if (t->is_htoa)
        snprintf(buf, n, "the hidden track");
    else
        snprintf(buf, n, "track %d", (int)(t - p->tracks) + 1);
    return buf;
}

static void fmt_time(double seconds, char *buf, int n)
{
    pm_format_seconds(seconds, buf, n);
}

/* ---- sources ------------------------------------------------------------------------------- */

/* What a source must be, from the file itself or from a render's plan.json. */
static void check_source_info(const pm_project *p, pm_track *t, pm_diag *diag)
{
    char name[32];
    item_name(p, t, name, sizeof name);
    int ok = 1;
    if (t->source.channels != 1 && t->source.channels != 2) {
        ERROR(t->line, "%s: source \"%s\" has %d channels; premaster takes mono or stereo mixes",
              name, t->src, t->source.channels);
        ok = 0;
    }
    if (t->source.rate < 44100 || t->source.rate > 192000) {
        ERROR(t->line, "%s: source \"%s\" is at %d Hz; sources must be 44.1 to 192 kHz", name,
              t->src, t->source.rate);
        ok = 0;
    }
    if (t->source.frames <= 0) {
        ERROR(t->line, "%s: source \"%s\" holds no audio", name, t->src);
        ok = 0;
    }
    t->source.ok = ok;
}

static void check_source(const pm_project *p, pm_track *t, pm_diag *diag)
{
    char name[32];
    item_name(p, t, name, sizeof name);
    if (!t->src_path)
        return;
    struct stat st;
    if (stat(t->src_path, &st) != 0) {
        ERROR(t->line, "%s: source \"%s\" cannot be found (%s); paths are relative to the "
              "project file's folder", name, t->src, strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        ERROR(t->line, "%s: source \"%s\" is not a file", name, t->src);
        return;
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *f = sf_open(t->src_path, SFM_READ, &info);
    if (!f) {
        ERROR(t->line, "%s: source \"%s\" cannot be read as audio: %s; use WAV, AIFF, FLAC, W64, "
              "RF64, CAF or Ogg", name, t->src, sf_strerror(NULL));
        return;
    }
    sf_close(f);
    pm_audiofile_describe(&info, t->source.format, sizeof t->source.format);
    t->source.rate = info.samplerate;
    t->source.channels = info.channels;
    t->source.frames = info.frames;
    check_source_info(p, t, diag);
}

/* Trims, fades and indexes inside their track. */
static void check_times(const pm_project *p, const pm_track *t, pm_diag *diag)
{
    char name[32], a[32], b[32];
    item_name(p, t, name, sizeof name);
    if (!t->source.ok)
        return;
    double duration = (double)t->source.frames / t->source.rate;
    double half_sample = 0.5 / t->source.rate;
    double start = t->has_start ? t->start.seconds : 0;
    double end = t->has_end ? t->end.seconds : duration;
    fmt_time(duration, b, sizeof b);
    if (t->has_start && start >= duration) {
        fmt_time(start, a, sizeof a);
        ERROR(t->line, "%s: start=%s is at or past the end of \"%s\", which lasts %s", name, a,
              t->src, b);
        return;
    }
    if (t->has_end && end > duration + half_sample) {
        fmt_time(end, a, sizeof a);
        ERROR(t->line, "%s: end=%s is past the end of \"%s\", which lasts %s", name, a, t->src, b);
        return;
    }
    if (end <= start) {
        ERROR(t->line, "%s: end is not after start; the trimmed track must hold audio", name);
        return;
    }
    double length = end - start;
    fmt_time(length, b, sizeof b);
    if (t->fade_in.seconds + t->fade_out.seconds > length + half_sample) {
        fmt_time(t->fade_in.seconds + t->fade_out.seconds, a, sizeof a);
        ERROR(t->line, "%s: fade-in and fade-out together last %s, longer than the track (%s); "
              "shorten them", name, a, b);
    }
    double previous_at = 0;
    for (size_t k = 0; k < t->index_count; k++) {
        const pm_index_mark *m = &t->indexes[k];
        if (!m->valid)
            continue;
        fmt_time(m->at.seconds, a, sizeof a);
        if (m->at.seconds <= 0)
            ERROR(m->line, "%s: index %zu at=%s is at the track's start, where index 1 is; "
                  "indexes 2-99 go inside the track", name, k + 2, a);
        else if (m->at.seconds >= length)
            ERROR(m->line, "%s: index %zu at=%s is at or past the end of the track (%s)", name,
                  k + 2, a, b);
        else if (m->at.seconds <= previous_at)
            ERROR(m->line, "%s: index %zu at=%s is not after index %zu; indexes must increase",
                  name, k + 2, a, k + 1);
        previous_at = m->at.seconds > previous_at ? m->at.seconds : previous_at;
    }
    if (t->index_count > PM_CD_MAX_INDEX - 1)
        ERROR(t->indexes[PM_CD_MAX_INDEX - 1].line, "%s has %zu <index> marks; a track has at "
              "most 99 indexes, so at most 98 marks (indexes 2-99)", name, t->index_count);
}

static double track_length_sec(const pm_track *t)
{
    double duration = (double)t->source.frames / t->source.rate;
    double start = t->has_start ? t->start.seconds : 0;
    double end = t->has_end ? t->end.seconds : duration;
    return end - start;
}

/* How each track joins the one before. */
static void check_joins(const pm_project *p, pm_diag *diag)
{
    char a[32], b[32];
    for (size_t i = 0; i < p->track_count; i++) {
        const pm_track *t = &p->tracks[i];
        if (i == 0) {
            if (t->has_crossfade || t->has_pregap_audio)
                ERROR(t->line, "track 1 has %s, but no track plays before it; use gap for the "
                      "silence before track 1", t->has_crossfade ? "crossfade" : "pregap-audio");
            if (p->cd.line && !p->htoa && t->has_gap && t->gap.seconds < 2.0 - 1e-9) {
                fmt_time(t->gap.seconds, a, sizeof a);
                ERROR(t->line, "track 1: gap=%s is shorter than the 2 s pause a CD needs before "
                      "track 1 (Red Book); use gap=\"2\" or more", a);
            }
            continue;
        }
        const pm_track *prev = &p->tracks[i - 1];
        if (!t->source.ok || !prev->source.ok)
            continue;
        double overlap = t->has_crossfade ? t->crossfade.seconds
                         : t->has_pregap_audio ? t->pregap_audio.seconds : 0;
        const char *what = t->has_crossfade ? "crossfade" : "pregap-audio";
        if (overlap <= 0 && (t->has_crossfade || t->has_pregap_audio))
            ERROR(t->line, "track %zu: %s=0 joins nothing; leave it out (the tracks then meet "
                  "with no gap)", i + 1, what);
        if (overlap > track_length_sec(prev)) {
            fmt_time(overlap, a, sizeof a);
            fmt_time(track_length_sec(prev), b, sizeof b);
            ERROR(t->line, "track %zu: %s=%s is longer than track %zu (%s)", i + 1, what, a, i, b);
        }
        if (t->has_crossfade && overlap > track_length_sec(t)) {
            fmt_time(overlap, a, sizeof a);
            fmt_time(track_length_sec(t), b, sizeof b);
            ERROR(t->line, "track %zu: crossfade=%s is longer than the track itself (%s)", i + 1,
                  a, b);
        }
    }
}

/* ---- identification ------------------------------------------------------------------------ */

static void check_isrcs(const pm_project *p, pm_diag *diag)
{
    for (size_t i = 0; i < pm_project_item_count(p); i++) {
        const pm_track *t = pm_project_item(p, i);
        if (!t->isrc[0])
            continue;
        for (size_t j = 0; j < i; j++) {
            const pm_track *u = pm_project_item(p, j);
            if (strcmp(t->isrc, u->isrc) == 0) {
                char a[32], b[32];
                WARNING(t->line, "%s has the ISRC %s of %s (line %d); each recording needs its "
                        "own ISRC unless it really is the same recording",
                        item_name(p, t, a, sizeof a), t->isrc, item_name(p, u, b, sizeof b),
                        u->line);
                break;
            }
        }
    }
    if (p->cd.line && !p->album.upc[0] && p->album.line)
        NOTE(p->album.line, "the album has no upc, so the CD carries no catalog number (MCN)");
}

/* The artwork as the streaming files will embed it (tags.h): JPEG or PNG, whole, or an error;
 * the stores' warnings (not square, under 3000 x 3000) only when a streaming target will carry
 * it. pm_artwork_load names the picture file; here each message goes to the <album> line. */
static void check_artwork(const pm_project *p, pm_diag *diag)
{
    const pm_album *a = &p->album;
    if (!a->artwork_path)
        return;
    pm_diag *found = pm_diag_new();
    pm_artwork art;
    if (!found || pm_artwork_load(a->artwork_path, &art, found) == PM_ERR_NOMEM) {
        ERROR(a->line, "<album> artwork \"%s\" could not be checked: out of memory", a->artwork);
    } else {
        for (size_t i = 0; i < pm_diag_count(found); i++) {
            const pm_diag_entry *e = pm_diag_get(found, i);
            if (e->severity == PM_SEV_ERROR || p->streaming_count > 0)
                report(diag, p, e->severity, a->line, "<album> artwork \"%s\": %s", a->artwork,
                       e->message);
        }
        pm_artwork_fini(&art);
    }
    pm_diag_free(found);
}

/* ---- CD-TEXT ------------------------------------------------------------------------------- */

static const char *const text_fields[PM_CDTEXT_TYPE_COUNT] = {
    "title", "artist", "songwriter", "composer", "arranger", "message"};

static const char *text_field(const pm_text *t, int type)
{
    const char *const fields[PM_CDTEXT_TYPE_COUNT] = {t->title,    t->artist,   t->songwriter,
                                                      t->composer, t->arranger, t->message};
    return fields[type];
}

/* One text of CD-TEXT: representable in ISO-8859-1 and within Sony's 160 bytes. */
static void check_cdtext_field(const pm_project *p, pm_diag *diag, int line, const char *owner,
                               const char *field, const char *text)
{
    if (!text)
        return;
    size_t bytes;
    unsigned long bad;
    char bad_utf8[5];
    int r = pm_cdtext_latin1(text, &bytes, &bad, bad_utf8);
    if (r == 0)
        ERROR(line, "%s %s \"%s\": the character '%s' (U+%04lX) cannot be written in CD-TEXT, "
              "which is ISO-8859-1; spell it without, or set cdtext=\"no\" on <cd>", owner, field,
              text, bad_utf8, bad);
    else if (r < 0)
        ERROR(line, "%s %s is not valid UTF-8", owner, field);
    else if (bytes > PM_CDTEXT_MAX_TEXT_BYTES)
        ERROR(line, "%s %s is %zu bytes in CD-TEXT, over the 160 a field may hold; shorten it, "
              "or set cdtext=\"no\" on <cd>", owner, field, bytes);
    else if (strcmp(text, "\t") == 0)
        ERROR(line, "%s %s is a lone TAB, which CD-TEXT readers take for \"the same as the "
              "previous track\"; write the text out, or set cdtext=\"no\" on <cd>", owner, field);
}

static int is_ascii(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c >= 0x80)
            return 0;
    return 1;
}

static void check_cdtext_fields(const pm_project *p, pm_diag *diag, int line, const char *owner,
                                const pm_text *text)
{
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
        check_cdtext_field(p, diag, line, owner, text_fields[type], text_field(text, type));
}

static void check_cdtext_languages(const pm_project *p, pm_diag *diag)
{
    const pm_album *a = &p->album;
    if (pm_cdtext_language_code(a->language) < 0)
        ERROR(a->line, "<album> language=\"%s\" has no CD-TEXT language code; use a language "
              "CD-TEXT knows (en, de, fr, es, it, nl, ja, ...) or cdtext=\"no\" on <cd>",
              a->language);
    for (size_t b = 0; b < a->cdtext_count; b++) {
        const pm_cdtext_block *block = &a->cdtext[b];
        if (!block->language[0])
            continue;
        if (pm_cdtext_language_code(block->language) < 0)
            ERROR(block->line, "<cdtext> language=\"%s\" has no CD-TEXT language code",
                  block->language);
        if (strcmp(block->language, a->language) == 0)
            ERROR(block->line, "<cdtext> language=\"%s\" is the album's own language; each "
                  "block needs a language of its own", block->language);
        for (size_t c = 0; c < b; c++)
            if (strcmp(block->language, a->cdtext[c].language) == 0)
                ERROR(block->line, "a second <cdtext> in language \"%s\" (the first is on line "
                      "%d)", block->language, a->cdtext[c].line);
    }
    for (size_t i = 0; i < p->track_count; i++) {
        const pm_track *t = &p->tracks[i];
        for (size_t k = 0; k < t->cdtext_count; k++) {
            int found = 0;
            for (size_t b = 0; b < a->cdtext_count; b++)
                found |= strcmp(t->cdtext[k].language, a->cdtext[b].language) == 0;
            if (!found && t->cdtext[k].language[0])
                ERROR(t->cdtext[k].line, "track %zu has <cdtext language=\"%s\">, but the album "
                      "has no block in that language; add <cdtext language=\"%s\" .../> to "
                      "<album>", i + 1, t->cdtext[k].language, t->cdtext[k].language);
        }
    }
}

static void check_cdtext(const pm_project *p, pm_diag *diag)
{
    if (!p->cd.line || !p->cd.cdtext || !p->album.line)
        return;
    const pm_album *a = &p->album;
    size_t blocks = 1 + a->cdtext_count;
    if (blocks > PM_CDTEXT_MAX_BLOCKS)
        ERROR(a->cdtext[PM_CDTEXT_MAX_BLOCKS - 1].line, "CD-TEXT has %zu blocks (the album's "
              "text and %zu <cdtext>); a disc holds at most 8", blocks, a->cdtext_count);
    check_cdtext_languages(p, diag);

    char owner[64];
    check_cdtext_fields(p, diag, a->line, "<album>", &a->text);
    check_cdtext_field(p, diag, a->line, "<album>", "genre", a->genre);
    /* The genre's text is ASCII in CD-TEXT: libcdio reads it so, and a Latin-1 letter comes
     * back as nothing there (cdtext.h). */
    if (a->genre && pm_cdtext_latin1(a->genre, NULL, NULL, NULL) == 1 && !is_ascii(a->genre))
        ERROR(a->line, "<album> genre \"%s\" goes to CD-TEXT, which keeps the genre in ASCII; "
              "spell it without accents, or set cdtext=\"no\" on <cd>", a->genre);
    for (size_t b = 0; b < a->cdtext_count; b++) {
        snprintf(owner, sizeof owner, "<album> <cdtext language=\"%s\">", a->cdtext[b].language);
        check_cdtext_fields(p, diag, a->cdtext[b].line, owner, &a->cdtext[b].text);
    }
    for (size_t i = 0; i < p->track_count; i++) {
        const pm_track *t = &p->tracks[i];
        snprintf(owner, sizeof owner, "track %zu", i + 1);
        check_cdtext_fields(p, diag, t->line, owner, &t->text);
        for (size_t k = 0; k < t->cdtext_count; k++) {
            snprintf(owner, sizeof owner, "track %zu <cdtext language=\"%s\">", i + 1,
                     t->cdtext[k].language);
            check_cdtext_fields(p, diag, t->cdtext[k].line, owner, &t->cdtext[k].text);
        }
    }
    if (p->track_count > PM_CD_MAX_TRACKS || blocks > PM_CDTEXT_MAX_BLOCKS)
        return;

    /* Each block's size in packs, from the very input the encoder is given (cdtext_project.c). */
    pm_cdtext_input in;
    if (pm_cdtext_input_from_project(p, &in, NULL) == PM_OK) {
        for (int b = 0; b < in.block_count; b++) {
            size_t packs = pm_cdtext_block_packs(&in.blocks[b]);
            if (packs > PM_CDTEXT_MAX_BLOCK_PACKS)
                ERROR(b ? a->cdtext[b - 1].line : a->line, "the CD-TEXT block in language "
                      "\"%s\" needs %zu packs, over the 256 a block may hold; shorten the texts "
                      "(a message on every track costs most) or set cdtext=\"no\" on <cd>",
                      b ? a->cdtext[b - 1].language : a->language, packs);
        }
    }
    pm_cdtext_input_fini(&in);
}

/* ---- targets ------------------------------------------------------------------------------- */

/* "3", "3 and 5", "3-5, 7": the tracks flagged in missing[1..count]. */
static void track_set_text(const unsigned char *missing, int count, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int n = 1; n <= count && used < size; n++) {
        if (!missing[n])
            continue;
        int last = n;
        while (last < count && missing[last + 1])
            last++;
        int w = last > n ? snprintf(out + used, size - used, "%s%d-%d", used ? ", " : "", n, last)
                         : snprintf(out + used, size - used, "%s%d", used ? ", " : "", n);
        used += w > 0 ? (size_t)w : 0;
        n = last;
    }
}

/* Sides as written: every track once, in order, and no crossfaded pair split. */
static void check_sides(const pm_project *p, pm_diag *diag)
{
    const pm_vinyl_target *v = &p->vinyl;
    if (!v->line || !v->side_count)
        return;
    int count = (int)p->track_count;
    unsigned char *seen = pm_alloc_zeroed((size_t)count + 1, 1);
    char *side_of = pm_alloc_zeroed((size_t)count + 1, 1);
    if (!seen || !side_of) {
        free(seen);
        free(side_of);
        return;
    }
    int complete = 1; /* every side's list could be read: only then judge coverage */
    int previous = 0; /* the last track listed, in side order */
    for (size_t s = 0; s < v->side_count; s++) {
        const pm_side *side = &v->sides[s];
        char letter = (char)('A' + s);
        if (!side->track_count)
            complete = 0;
        for (int k = 0; k < side->track_count; k++) {
            int n = side->tracks[k];
            if (n < 1 || n > count) {
                ERROR(side->line, "side %c lists track %d, but the project has %d track%s",
                      letter, n, count, count == 1 ? "" : "s");
                complete = 0;
                continue;
            }
            if (seen[n]) {
                if (side_of[n] == letter)
                    ERROR(side->line, "side %c lists track %d twice; each track goes on one "
                          "side, once", letter, n);
                else
                    ERROR(side->line, "side %c lists track %d again, after side %c; each track "
                          "goes on one side, once", letter, n, side_of[n]);
                continue;
            }
            if (n < previous)
                ERROR(side->line, "side %c lists track %d after track %d: out of order; sides "
                      "hold the tracks in play order, A from track 1 on", letter, n, previous);
            seen[n] = 1;
            side_of[n] = letter;
            previous = n;
        }
        /* The first track of a side after the first must not be crossfaded into. */
        int first = side->track_count ? side->tracks[0] : 0;
        if (s > 0 && first >= 1 && first <= count && p->tracks[first - 1].has_crossfade)
            ERROR(side->line, "side %c starts with track %d, which is crossfaded with track %d; "
                  "a crossfaded pair stays on one side", letter, first, first - 1);
    }
    if (complete) {
        unsigned char *missing = seen; /* reuse: flag the tracks not seen */
        int any = 0;
        for (int n = 1; n <= count; n++) {
            missing[n] = !seen[n];
            any |= missing[n];
        }
        if (any) {
            char list[200];
            int several = 0;
            for (int n = 1, found = 0; n <= count; n++)
                if (missing[n] && found++)
                    several = 1;
            track_set_text(missing, count, list, sizeof list);
            ERROR(v->sides[v->side_count - 1].line, "track%s %s %s on no side; every track goes "
                  "on one side: add %s to a <side>", several ? "s" : "", list,
                  several ? "are" : "is", several ? "them" : "it");
        }
    }
    free(seen);
    free(side_of);
    if (p->htoa)
        NOTE(v->line, "the hidden track is a CD feature and is not cut to vinyl");
}

static void check_streaming(const pm_project *p, pm_diag *diag)
{
    for (size_t i = 0; i < p->streaming_count; i++) {
        const pm_streaming_target *s = &p->streaming[i];
        if ((s->formats & (PM_FORMAT_WAV | PM_FORMAT_FLAC)) == 0 && s->has_rate)
            WARNING(s->line, "<streaming> rate applies to wav and flac, and this target has "
                    "neither; mp3 and opus choose their own rate");
        if (s->normalize == PM_NORMALIZE_TRACK && !s->has_loudness)
            WARNING(s->line, "<streaming> normalize=\"track\" without a loudness target does "
                    "nothing; give loudness or a preset");
    }
}

static void check_cd(const pm_project *p, pm_diag *diag)
{
    if (!p->cd.line)
        return;
    if (p->track_count > PM_CD_MAX_TRACKS)
        ERROR(p->tracks[PM_CD_MAX_TRACKS].line, "the project has %zu tracks; a CD holds at most "
              "99 (Red Book)", p->track_count);
    if (p->htoa && p->cd.preroll.seconds > 0)
        NOTE(p->cd.line, "preroll is not applied into the hidden track: track 1's index 1 stays "
             "after its audio");
}

/* The rules of the project; sources_known: the sources' info was filled from a render's
 * plan.json, so that no file is opened. */
static void validate(pm_project *p, int sources_known, pm_diag *diag)
{
    for (size_t i = 0; i < pm_project_item_count(p); i++) {
        pm_track *t = (pm_track *)pm_project_item(p, i);
        if (sources_known)
            check_source_info(p, t, diag);
        else
            check_source(p, t, diag);
        check_times(p, t, diag);
    }
    if (!p->has_rate) {
        /* Mixed rates are converted to the highest; say so, since it costs a conversion. */
        int lowest = 0, highest = 0;
        for (size_t i = 0; i < pm_project_item_count(p); i++) {
            const pm_track *t = pm_project_item(p, i);
            if (!t->source.ok)
                continue;
            if (!lowest || t->source.rate < lowest)
                lowest = t->source.rate;
            if (t->source.rate > highest)
                highest = t->source.rate;
        }
        if (lowest && lowest != highest)
            NOTE(0, "the sources mix %d Hz and %d Hz; all are converted to "
                 "%d Hz, the working rate (set <premaster rate> to choose)", lowest, highest,
                 highest);
    }
    check_joins(p, diag);
    check_isrcs(p, diag);
    check_artwork(p, diag);
    check_cd(p, diag);
    check_cdtext(p, diag);
    check_sides(p, diag);
    check_streaming(p, diag);
}

void pm_project_validate(pm_project *p, pm_diag *diag)
{
    validate(p, 0, diag);
}

void pm_project_validate_known(pm_project *p, pm_diag *diag)
{
    validate(p, 1, diag);
}

/* ---- rules on the plan --------------------------------------------------------------------- */

/*
 * The plan's rules follow from what the file says: where a line already has an error, a rule on
 * the plan that fails there is that error seen again (an index that does not increase also
 * lands on the same CD frame), so it is not said twice.
 */
#undef ERROR
#define ERROR(line, ...)                                                                          \
    do {                                                                                          \
        if (!pm_diag_has_error_at(diag, p->path, (line)))                                         \
            report(diag, p, PM_SEV_ERROR, line, __VA_ARGS__);                                     \
    } while (0)

static void check_red_book(const pm_project *p, const pm_plan *plan, pm_diag *diag)
{
    char a[16], b[16];
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        const pm_track *t = it->track;
        /* Not positive: a pause or crossfade longer than the track, reported as such. */
        if (it->cd_length_cdf > 0 && it->cd_length_cdf < PM_CD_TRACK_MIN_CDF) {
            pm_cdf_format(it->cd_length_cdf, a, sizeof a);
            ERROR(t->line, "track %d is %s long on the CD, measured from its index 1 to the next "
                  "track's first mark as cdrdao does; Red Book tracks last at least 4 s "
                  "(00:04:00)", it->number, a);
        }
        /* The next track's first mark ends this one: a pregap-audio pause starts over the end
         * of this track's audio, and an index there would belong to no track (cdrdao refuses
         * the TOC: "Index beyond track end"). */
        const pm_plan_item *next = i + 1 < plan->item_count ? &plan->items[i + 1] : NULL;
        int64_t end = !next ? plan->leadout_cdf
                            : next->has_index0 ? next->index0.cdf : next->index1.cdf;
        for (size_t k = 0; k < t->index_count; k++) {
            int64_t before = k ? it->indexes[k - 1].cdf : it->index1.cdf;
            if (it->indexes[k].cdf <= before) {
                pm_cdf_format(it->indexes[k].cdf, a, sizeof a);
                ERROR(t->indexes[k].line, "track %d: index %zu lands on %s, the same CD frame "
                      "as index %zu or before it; move it at least 1/75 s later", it->number,
                      k + 2, a, k + 1);
            } else if (next && it->indexes[k].cdf >= end) {
                pm_cdf_format(it->indexes[k].cdf, a, sizeof a);
                pm_cdf_format(end, b, sizeof b);
                ERROR(t->indexes[k].line, "track %d: index %zu lands on %s, inside track %d, "
                      "whose pause starts at %s; move the index before it, or shorten track "
                      "%d's pregap-audio", it->number, k + 2, a, next->number, b, next->number);
            }
        }
        if (it->preroll_limited)
            WARNING(t->line, "track %d: the preroll was shortened to %lld frames to keep the %s",
                 it->number, (long long)(pm_cdf_floor(it->start, plan->rate) - it->index1.cdf),
                 i == plan->first_track ? "2 s pause before track 1"
                                        : "previous track at least 4 s long");
        if (it->index0_dropped)
            NOTE(t->line, "track %d: the pause before it is shorter than one CD frame (1/75 s) "
                 "on the grid, so it gets no index 0", it->number);
    }
    const pm_plan_item *first = &plan->items[plan->first_track];
    if (!p->htoa && first->index1.cdf < PM_CD_PAUSE_MIN_CDF) {
        pm_cdf_format(first->index1.cdf, a, sizeof a);
        ERROR(first->track->line, "track 1 starts at %s; a CD needs at least 2 s (00:02:00) "
              "before track 1 (Red Book)", a);
    }
    pm_cdf_format(plan->leadout_cdf, a, sizeof a);
    if (plan->leadout_cdf > PM_CD_PROGRAM_MAX_CDF) {
        pm_cdf_format(PM_CD_PROGRAM_MAX_CDF, b, sizeof b);
        ERROR(p->cd.line, "the CD program lasts %s, past the %s a disc can hold; shorten the "
              "sequence or split it over two discs", a, b);
    } else if (plan->leadout_cdf > PM_CD_PROGRAM_WARN_CDF) {
        WARNING(p->cd.line, "the CD program lasts %s, past 74:00:00; some plants and older "
                "players refuse discs this long: ask the plant", a);
    }
}

static void check_side_lengths(const pm_project *p, const pm_plan *plan, pm_diag *diag)
{
    const pm_vinyl_target *v = &p->vinyl;
    char a[32], b[32], c[32];
    if (plan->sides_automatic && !plan->side_count) {
        fmt_time(plan->side_max_sec, b, sizeof b);
        ERROR(v->line, "the sequence cannot be split into %d\" %d rpm sides of at most %s each "
              "at track boundaries; a track (or crossfaded pair) is longer than a side", v->size_in,
              v->speed_rpm, b);
        return;
    }
    for (size_t s = 0; s < plan->side_count; s++) {
        const pm_plan_side *side = &plan->sides[s];
        double length = (double)(side->end - side->start) / (double)plan->rate;
        int line = side->line ? side->line : v->line;
        fmt_time(length, a, sizeof a);
        fmt_time(plan->side_recommended_sec, b, sizeof b);
        fmt_time(plan->side_max_sec, c, sizeof c);
        if (length > plan->side_max_sec)
            ERROR(line, "side %c lasts %s, past the %s maximum of a %d\" record at %d rpm%s; "
                  "move a track to another side%s", side->letter, a, c, v->size_in, v->speed_rpm,
                  v->has_max_side ? " (max-side)" : "",
                  v->has_max_side ? "" : ", or set max-side if the plant agrees");
        else if (length > plan->side_recommended_sec)
            WARNING(line, "side %c lasts %s, past the recommended %s for a %d\" record at %d "
                    "rpm: the cut loses about %.1f dB of level", side->letter, a, b, v->size_in,
                    v->speed_rpm, (length - plan->side_recommended_sec) / 60.0);
    }
    if (plan->side_count == 1)
        NOTE(v->line, "1 side makes 1 record with its second side blank");
    else if (plan->side_count % 2)
        NOTE(v->line, "%zu sides make %zu records with the last side blank", plan->side_count,
             (plan->side_count + 1) / 2);
}

void pm_plan_validate(const pm_project *p, pm_diag *diag)
{
    const pm_plan *plan = p->plan;
    if (!plan)
        return;
    if (plan->has_cd && p->track_count <= PM_CD_MAX_TRACKS)
        check_red_book(p, plan, diag);
    if (plan->has_vinyl)
        check_side_lengths(p, plan, diag);
}
