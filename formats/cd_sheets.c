/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cue sheet, the cdrdao TOC and the PQ sheet (cd_sheets.h), written from the plan's PQ marks.
 *
 * Cue sheet (ddp-notes.md 3.1, CDRWIN): one FILE "<name>.bin" BINARY (BINARY is little-endian,
 * which the .bin is), commands in the order of the tested cue of ddp-notes 3.4. libcdio takes
 * each track's start from its INDEX 01 and its pregap from INDEX 00, as file positions (3.5).
 *
 * TOC (ddp-notes 3.3, cdrdao's TocParser.g): raw audio defaults to big-endian in cdrdao, hence
 * SWAP; the global CD_TEXT after CD_DA and CATALOG; every CD-TEXT type that appears anywhere is
 * given for the disc and every track (cdrdao refuses to write it otherwise), which is also the
 * encoder's rule (cdtext.h), so the TOC's CD-TEXT is the .cdt's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_sheets.h"
#include "cdtext.h"
#include "cdtime.h"

/* ---- shared ------------------------------------------------------------------------------- */

size_t pm_cd_track_marks(const pm_plan_item *it, const pm_plan_mark **marks)
{
    size_t n = 0;
    if (it->has_index0)
        marks[n++] = &it->index0;
    marks[n++] = &it->index1;
    for (size_t k = 0; k < it->track->index_count && n < PM_CD_MAX_INDEX + 1; k++)
        marks[n++] = &it->indexes[k];
    return n;
}

int64_t pm_cd_bin_index0(const pm_plan *plan, size_t item)
{
    const pm_plan_item *it = &plan->items[item];
    if (item == plan->first_track)
        return it->index1.cdf > PM_CD_BIN_OFFSET_CDF ? 0 : -1;
    return it->has_index0 ? it->index0.cdf - PM_CD_BIN_OFFSET_CDF : -1;
}

/* What a writer of one of the files needs: the project (with a CD plan), the text the CD-TEXT
 * encoder writes, <name> and whether the cue names the .cdt. */
typedef struct sheet {
    const pm_project *p;
    const pm_plan *plan;
    const pm_cdtext_input *in;
    const char *name;
    int with_cdt;
} sheet;

/*
 * Check the arguments, build the CD-TEXT input, run write into a buffer of its own, and append
 * the text to out whole, or nothing (cd_sheets.h).
 */
static pm_status write_text(const pm_project *p, const char *name, int with_cdt, pm_strbuf *out,
                            void (*write)(pm_strbuf *text, const sheet *sh))
{
    if (!p || !out || !p->plan || !p->plan->has_cd)
        return PM_ERR_USAGE;
    size_t tracks = p->plan->item_count - p->plan->first_track;
    if (tracks < 1 || tracks > PM_CD_MAX_TRACKS || tracks != p->track_count)
        return PM_ERR_INVALID;
    pm_cdtext_input in;
    pm_status status = pm_cdtext_input_from_project(p, &in, NULL);
    pm_strbuf text;
    pm_strbuf_init(&text);
    if (status == PM_OK) {
        sheet sh = {p, p->plan, &in, name, with_cdt};
        write(&text, &sh);
        if (text.failed)
            status = PM_ERR_NOMEM;
    }
    pm_cdtext_input_fini(&in);
    if (status == PM_OK) {
        pm_strbuf_append_n(out, text.data ? text.data : "", text.length);
        if (out->failed)
            status = PM_ERR_NOMEM;
    } else if (status == PM_ERR_NOMEM) {
        out->failed = 1;
    }
    pm_strbuf_fini(&text);
    return status;
}

/* A text of block 0 (the album's language) for the disc (item 0) or track k (item k). */
static const char *text_of(const pm_cdtext_input *in, pm_cdtext_type type, size_t item)
{
    const char *const *texts = in->blocks[0].texts[type];
    return texts && texts[item] ? texts[item] : "";
}

/*
 * UTF-8 text as ISO-8859-1, one character at a time through put: the character set of CD-TEXT,
 * and the one libcdio reads cue text in (it converts TITLE and the rest from ISO-8859-1) and
 * cdrdao copies TOC text into the packs in. A character beyond U+00FF, which `check` refuses in
 * CD-TEXT before any render, would become '?'.
 */
static void put_latin1(pm_strbuf *out, const char *utf8, void (*put)(pm_strbuf *, unsigned))
{
    int latin1 = pm_cdtext_latin1(utf8, NULL, NULL, NULL) == 1;
    for (const unsigned char *c = (const unsigned char *)utf8; *c; c++) {
        if (*c < 0x80)
            put(out, *c);
        else if (*c >= 0xC0) /* a lead byte; its continuation bytes are skipped */
            put(out, latin1 ? (unsigned)((c[0] & 0x1F) << 6 | (c[1] & 0x3F)) : '?');
    }
}

/* ---- cue sheet ---------------------------------------------------------------------------- */

/* A cue string has no escape: a double quote becomes a single one, a control character a
 * space (the CDRWIN syntax ends a string at the quote and a command at the line's end). */
static void put_cue_char(pm_strbuf *out, unsigned c)
{
    char b = c == '"' ? '\'' : c < 0x20 ? ' ' : (char)c;
    pm_strbuf_append_n(out, &b, 1);
}

static void cue_string(pm_strbuf *cue, const char *indent, const char *keyword, const char *text)
{
    if (!*text)
        return;
    pm_strbuf_printf(cue, "%s%s \"", indent, keyword);
    put_latin1(cue, text, put_cue_char);
    pm_strbuf_append(cue, "\"\n");
}

/* TITLE, PERFORMER and SONGWRITER: the CD-TEXT a burner writes from a cue sheet. */
static void cue_texts(pm_strbuf *cue, const pm_project *p, const pm_cdtext_input *in, size_t item,
                      const char *indent)
{
    if (!p->cd.cdtext)
        return;
    cue_string(cue, indent, "TITLE", text_of(in, PM_CDTEXT_TITLE, item));
    cue_string(cue, indent, "PERFORMER", text_of(in, PM_CDTEXT_PERFORMER, item));
    cue_string(cue, indent, "SONGWRITER", text_of(in, PM_CDTEXT_SONGWRITER, item));
}

static void cue_index(pm_strbuf *cue, int number, int64_t bin_cdf)
{
    char t[16];
    pm_cdf_format(bin_cdf, t, sizeof t);
    pm_strbuf_printf(cue, "    INDEX %02d %s\n", number, t);
}

static void write_cue(pm_strbuf *cue, const sheet *sh)
{
    const pm_project *p = sh->p;
    const pm_cdtext_input *in = sh->in;
    const pm_plan *plan = sh->plan;
    if (p->album.genre && *p->album.genre) {
        pm_strbuf_append(cue, "REM GENRE \"");
        put_latin1(cue, p->album.genre, put_cue_char);
        pm_strbuf_append(cue, "\"\n");
    }
    if (p->album.year)
        pm_strbuf_printf(cue, "REM DATE %d\n", p->album.year);
    if (p->album.upc[0])
        pm_strbuf_printf(cue, "CATALOG %s\n", p->album.upc);
    if (sh->with_cdt)
        pm_strbuf_printf(cue, "CDTEXTFILE \"%s.cdt\"\n", sh->name);
    cue_texts(cue, p, in, 0, "");
    pm_strbuf_printf(cue, "FILE \"%s.bin\" BINARY\n", sh->name);
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        const pm_track *t = it->track;
        pm_strbuf_printf(cue, "  TRACK %02d AUDIO\n", it->number);
        cue_texts(cue, p, in, (size_t)it->number, "    ");
        if (t->isrc[0])
            pm_strbuf_printf(cue, "    ISRC %s\n", t->isrc);
        if (t->copy || t->emphasis)
            pm_strbuf_printf(cue, "    FLAGS%s%s\n", t->copy ? " DCP" : "",
                             t->emphasis ? " PRE" : "");
        int64_t index0 = pm_cd_bin_index0(plan, i);
        if (index0 >= 0)
            cue_index(cue, 0, index0);
        cue_index(cue, 1, it->index1.cdf - PM_CD_BIN_OFFSET_CDF);
        for (size_t k = 0; k < t->index_count; k++)
            cue_index(cue, it->indexes[k].number, it->indexes[k].cdf - PM_CD_BIN_OFFSET_CDF);
    }
}

pm_status pm_cd_cue_text(const pm_project *p, const char *name, int with_cdt, pm_strbuf *out)
{
    return name ? write_text(p, name, with_cdt, out, write_cue) : PM_ERR_USAGE;
}

/* ---- cdrdao TOC --------------------------------------------------------------------------- */

/* A TOC string: \" for a quote; anything but printable ASCII, and the backslash, as a
 * three-digit octal escape, which cdrdao's lexer reads back as that byte (a lone backslash
 * would be kept as it is, but an escape is unambiguous). */
static void put_toc_char(pm_strbuf *out, unsigned c)
{
    if (c == '"')
        pm_strbuf_append(out, "\\\"");
    else if (c < 0x20 || c > 0x7E || c == '\\')
        pm_strbuf_printf(out, "\\%03o", c);
    else {
        char b = (char)c;
        pm_strbuf_append_n(out, &b, 1);
    }
}

static const char *const toc_keywords[PM_CDTEXT_TYPE_COUNT] = {
    "TITLE", "PERFORMER", "SONGWRITER", "COMPOSER", "ARRANGER", "MESSAGE"};

/* Whether the disc or any of tracks has text in texts: then every item gets an entry. */
static int type_used(const char *const *texts, int tracks)
{
    for (int i = 0; texts && i <= tracks; i++)
        if (texts[i] && *texts[i])
            return 1;
    return 0;
}

static void toc_item(pm_strbuf *toc, int indent, const char *keyword, const char *text)
{
    pm_strbuf_printf(toc, "%*s%s \"", indent, "", keyword);
    put_latin1(toc, text ? text : "", put_toc_char);
    pm_strbuf_append(toc, "\"\n");
}

/* One LANGUAGE block of the disc (item 0) or of track item, indented by indent spaces. */
static void toc_language(pm_strbuf *toc, const pm_cdtext_input *in, int b, size_t item, int indent)
{
    const pm_cdtext_block_text *block = &in->blocks[b];
    pm_strbuf_printf(toc, "%*sLANGUAGE %d {\n", indent, "", b);
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
        if (type_used(block->texts[type], block->track_count))
            toc_item(toc, indent + 2, toc_keywords[type], block->texts[type][item]);
    if (item == 0 && block->genre && *block->genre) {
        /* GENRE is binary in the packs (ddp-notes 1.8, 0x87): the 2-byte code, then the text
         * and its NUL, as the CD-TEXT encoder writes it. The genre text is ASCII. */
        int code = pm_cdtext_genre_code(block->genre);
        pm_strbuf_printf(toc, "%*sGENRE { %d, %d", indent + 2, "", code >> 8, code & 0xFF);
        for (const unsigned char *c = (const unsigned char *)block->genre; *c; c++)
            pm_strbuf_printf(toc, ", %d", *c);
        pm_strbuf_append(toc, ", 0 }\n");
    }
    if (type_used(block->codes, block->track_count))
        toc_item(toc, indent + 2, item ? "ISRC" : "UPC_EAN", block->codes[item]);
    pm_strbuf_printf(toc, "%*s}\n", indent, "");
}

static void toc_cdtext(pm_strbuf *toc, const pm_cdtext_input *in, size_t item, int indent)
{
    pm_strbuf_printf(toc, "%*sCD_TEXT {\n", indent, "");
    if (item == 0) {
        /* On one line: libcdio's TOC reader wants the mappings there (ddp-notes 3.5). */
        pm_strbuf_printf(toc, "%*sLANGUAGE_MAP {", indent + 2, "");
        for (int b = 0; b < in->block_count; b++) {
            if (in->languages[b] == 0x09)
                pm_strbuf_printf(toc, " %d : EN", b);
            else
                pm_strbuf_printf(toc, " %d : %d", b, in->languages[b]);
        }
        pm_strbuf_append(toc, " }\n");
    }
    for (int b = 0; b < in->block_count; b++)
        toc_language(toc, in, b, item, indent + 2);
    pm_strbuf_printf(toc, "%*s}\n", indent, "");
}

/* The .bin position where track item's AUDIOFILE span starts: its first mark in the cue. */
static int64_t span_start(const pm_plan *plan, size_t item)
{
    int64_t index0 = pm_cd_bin_index0(plan, item);
    return index0 >= 0 ? index0 : plan->items[item].index1.cdf - PM_CD_BIN_OFFSET_CDF;
}

static void write_toc(pm_strbuf *toc, const sheet *sh)
{
    const pm_project *p = sh->p;
    const pm_cdtext_input *in = sh->in;
    const pm_plan *plan = sh->plan;
    pm_strbuf_printf(toc,
                     "// %s.toc: the disc for cdrdao, over %s.bin (16-bit little-endian "
                     "stereo, hence SWAP)\n// from 00:02:00 of the disc: times are disc times "
                     "less the 2 s a burner adds before track 1\n",
                     sh->name, sh->name);
    pm_strbuf_append(toc, "CD_DA\n");
    if (p->album.upc[0])
        pm_strbuf_printf(toc, "CATALOG \"%s\"\n", p->album.upc);
    if (p->cd.cdtext)
        toc_cdtext(toc, in, 0, 0);
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        const pm_track *t = it->track;
        char msf[16], from[16], length[16];
        pm_cdf_format(it->index1.cdf, msf, sizeof msf);
        pm_strbuf_printf(toc, "\n// track %02d: index 01 at %s on the disc\nTRACK AUDIO\n",
                         it->number, msf);
        pm_strbuf_printf(toc, "  %s\n  %s\n  TWO_CHANNEL_AUDIO\n", t->copy ? "COPY" : "NO COPY",
                         t->emphasis ? "PRE_EMPHASIS" : "NO PRE_EMPHASIS");
        if (t->isrc[0])
            pm_strbuf_printf(toc, "  ISRC \"%s\"\n", t->isrc);
        if (p->cd.cdtext)
            toc_cdtext(toc, in, (size_t)it->number, 2);
        int64_t from_cdf = span_start(plan, i);
        int64_t to_cdf = i + 1 < plan->item_count ? span_start(plan, i + 1)
                                                  : plan->leadout_cdf - PM_CD_BIN_OFFSET_CDF;
        pm_cdf_format(from_cdf, from, sizeof from);
        pm_cdf_format(to_cdf - from_cdf, length, sizeof length);
        pm_strbuf_printf(toc, "  AUDIOFILE \"%s.bin\" SWAP %s %s\n", sh->name, from, length);
        int64_t pause = it->index1.cdf - PM_CD_BIN_OFFSET_CDF - from_cdf;
        if (pause > 0) {
            pm_cdf_format(pause, msf, sizeof msf);
            pm_strbuf_printf(toc, "  START %s\n", msf);
        }
        /* INDEX counts from the track's start, its index 01 (cdrdao(1)). */
        for (size_t k = 0; k < t->index_count; k++) {
            pm_cdf_format(it->indexes[k].cdf - it->index1.cdf, msf, sizeof msf);
            pm_strbuf_printf(toc, "  INDEX %s\n", msf);
        }
    }
}

pm_status pm_cd_toc_text(const pm_project *p, const char *name, pm_strbuf *out)
{
    return name ? write_text(p, name, 0, out, write_toc) : PM_ERR_USAGE;
}

/* ---- PQ sheet ----------------------------------------------------------------------------- */

static const char *const pq_type_names[PM_CDTEXT_TYPE_COUNT] = {
    "Title", "Performer", "Songwriter", "Composer", "Arranger", "Message"};

/* The frame after a mark: the next mark of the track, else the next track's first, else the
 * lead-out. */
static int64_t next_mark_cdf(const pm_plan *plan, size_t item, size_t mark)
{
    const pm_plan_mark *marks[PM_CD_MAX_INDEX + 1];
    size_t n = pm_cd_track_marks(&plan->items[item], marks);
    if (mark + 1 < n)
        return marks[mark + 1]->cdf;
    if (item + 1 < plan->item_count) {
        const pm_plan_item *next = &plan->items[item + 1];
        return next->has_index0 ? next->index0.cdf : next->index1.cdf;
    }
    return plan->leadout_cdf;
}

/* A track's pause: its index 0 to its index 1 (0 without an index 0). */
static int64_t pause_cdf(const pm_plan_item *it)
{
    return it->has_index0 ? it->index1.cdf - it->index0.cdf : 0;
}

static const char *flags_text(const pm_track *t)
{
    return t->copy && t->emphasis ? "DCP PRE" : t->copy ? "DCP" : t->emphasis ? "PRE" : "-";
}

static void pq_marks(pm_strbuf *pq, const pm_plan *plan)
{
    pm_strbuf_append(pq, "PQ entries (every mark; a length runs to the next mark)\n");
    pm_strbuf_printf(pq, "  %-5s  %-5s  %-8s  %7s  %-8s  %7s\n", "Track", "Index", "Start",
                     "Frames", "Length", "Frames");
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_mark *marks[PM_CD_MAX_INDEX + 1];
        size_t n = pm_cd_track_marks(&plan->items[i], marks);
        for (size_t m = 0; m < n; m++) {
            char at[16], length[16];
            int64_t to = next_mark_cdf(plan, i, m);
            pm_cdf_format(marks[m]->cdf, at, sizeof at);
            pm_cdf_format(to - marks[m]->cdf, length, sizeof length);
            pm_strbuf_printf(pq, "  %-5.2d  %-5.2d  %s  %7lld  %s  %7lld\n", plan->items[i].number,
                             marks[m]->number, at, (long long)marks[m]->cdf, length,
                             (long long)(to - marks[m]->cdf));
        }
    }
    char at[16];
    pm_cdf_format(plan->leadout_cdf, at, sizeof at);
    pm_strbuf_printf(pq, "  %-5s  %-5s  %s  %7lld  (lead-out)\n\n", "AA", "01", at,
                     (long long)plan->leadout_cdf);
}

static void pq_tracks(pm_strbuf *pq, const pm_plan *plan, const pm_cdtext_input *in)
{
    pm_strbuf_append(pq, "Tracks (start: index 01; length: index 01 to the next track's first "
                         "mark)\n");
    pm_strbuf_printf(pq, "  %-5s  %-8s  %-8s  %-8s  %7s  %-12s  %-7s  %s\n", "Track", "Start",
                     "Pause", "Length", "Frames", "ISRC", "Flags", "Title / Performer");
    int64_t pauses = 0, lengths = 0;
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        char at[16], pause[16], length[16];
        pm_cdf_format(it->index1.cdf, at, sizeof at);
        pm_cdf_format(pause_cdf(it), pause, sizeof pause);
        pm_cdf_format(it->cd_length_cdf, length, sizeof length);
        pm_strbuf_printf(pq, "  %-5.2d  %s  %s  %s  %7lld  %-12s  %-7s  %s / %s\n", it->number, at,
                         pause, length, (long long)it->cd_length_cdf,
                         it->track->isrc[0] ? it->track->isrc : "-", flags_text(it->track),
                         text_of(in, PM_CDTEXT_TITLE, (size_t)it->number),
                         text_of(in, PM_CDTEXT_PERFORMER, (size_t)it->number));
        pauses += pause_cdf(it);
        lengths += it->cd_length_cdf;
    }
    char pause[16], length[16], total[16];
    pm_cdf_format(pauses, pause, sizeof pause);
    pm_cdf_format(lengths, length, sizeof length);
    pm_cdf_format(pauses + lengths, total, sizeof total);
    pm_strbuf_printf(pq,
                     "  %-5s  %-8s  %s  %s  %7lld  (pauses %lld frames; together %s, "
                     "%lld frames)\n",
                     "Sum", "", pause, length, (long long)lengths, (long long)pauses, total,
                     (long long)(pauses + lengths));
    pm_strbuf_append(pq, "  Flags: DCP digital copy permitted, PRE pre-emphasis (50/15 us); "
                         "- neither\n\n");
}

/* The hidden track's span on the frame grid: from the frame at or before its first sample to
 * the frame at or after its last, inside track 1's index 0. */
static void hidden_span(const pm_plan *plan, int64_t *from, int64_t *to)
{
    const pm_plan_item *h = &plan->items[0];
    *from = pm_cdf_floor(h->start, plan->rate);
    *to = pm_cdf_ceil(h->end, plan->rate);
}

/* The hidden track's title and performer (the album's, as for any track without its own). */
static const char *hidden_title(const pm_project *p)
{
    return p->htoa->text.title ? p->htoa->text.title : "";
}

static const char *hidden_performer(const pm_project *p)
{
    const char *artist = p->htoa->text.artist ? p->htoa->text.artist : p->album.text.artist;
    return artist ? artist : "";
}

static void pq_hidden(pm_strbuf *pq, const pm_project *p)
{
    const pm_plan *plan = p->plan;
    if (!p->htoa || plan->first_track == 0)
        return;
    int64_t from, to;
    hidden_span(plan, &from, &to);
    char a[16], b[16];
    pm_cdf_format(from, a, sizeof a);
    pm_cdf_format(to, b, sizeof b);
    pm_strbuf_printf(pq,
                     "Hidden track, in track 01's index 00 (before its index 01):\n"
                     "  %s (%lld) to %s (%lld), %s / %s, ISRC %s (not in the subcode: a track "
                     "has one ISRC, track 01's)\n\n",
                     a, (long long)from, b, (long long)to, hidden_title(p), hidden_performer(p),
                     p->htoa->isrc[0] ? p->htoa->isrc : "-");
}

static const char *block_language(const pm_project *p, int b)
{
    return b ? p->album.cdtext[b - 1].language : p->album.language;
}

static void pq_cdtext(pm_strbuf *pq, const pm_project *p, const pm_cdtext_input *in)
{
    if (!p->cd.cdtext) {
        pm_strbuf_append(pq, "CD-TEXT: none (<cd cdtext=\"no\">)\n");
        return;
    }
    pm_strbuf_printf(pq, "CD-TEXT: %d block%s, ISO-8859-1%s\n", in->block_count,
                     in->block_count == 1 ? "" : "s",
                     p->cd.cdtext_isrc ? ", with the UPC/EAN and ISRC packs" : "");
    for (int b = 0; b < in->block_count; b++) {
        const pm_cdtext_block_text *block = &in->blocks[b];
        pm_strbuf_printf(pq, "  Block %d, language %s (code 0x%02X)\n", b, block_language(p, b),
                         (unsigned)in->languages[b]);
        for (int item = 0; item <= block->track_count; item++) {
            const char *label = item ? "" : "Disc";
            char number[16];
            if (item) {
                snprintf(number, sizeof number, "%02d", item);
                label = number;
            }
            for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
                const char *text = block->texts[type] ? block->texts[type][item] : NULL;
                if (!text || !*text)
                    continue;
                pm_strbuf_printf(pq, "    %-5s %-11s %s\n", label, pq_type_names[type], text);
                label = "";
            }
            if (item == 0 && block->genre && *block->genre)
                pm_strbuf_printf(pq, "    %-5s %-11s %s (code %d)\n", label, "Genre", block->genre,
                                 pm_cdtext_genre_code(block->genre));
        }
    }
}

static void write_pq_sheet(pm_strbuf *pq, const sheet *sh)
{
    const pm_project *p = sh->p;
    const pm_cdtext_input *in = sh->in;
    const pm_plan *plan = sh->plan;
    char total[16];
    pm_cdf_format(plan->leadout_cdf, total, sizeof total);
    pm_strbuf_printf(pq, "PQ sheet: %s / %s\n\n", text_of(in, PM_CDTEXT_TITLE, 0),
                     text_of(in, PM_CDTEXT_PERFORMER, 0));
    if (p->album.catalog && *p->album.catalog)
        pm_strbuf_printf(pq, "Catalog number  %s\n", p->album.catalog);
    pm_strbuf_printf(pq, "UPC/EAN (MCN)   %s\n", p->album.upc[0] ? p->album.upc : "none");
    pm_strbuf_printf(pq, "Tracks          %zu\n", plan->item_count - plan->first_track);
    pm_strbuf_printf(pq, "Total time      %s (%lld frames), the start of the lead-out\n", total,
                     (long long)plan->leadout_cdf);
    if (plan->preroll_cdf > 0)
        pm_strbuf_printf(pq, "Pre-roll        %lld frames before each track's first sample\n",
                         (long long)plan->preroll_cdf);
    pm_strbuf_append(pq, "Times           absolute, 75 frames a second; 00:00:00 is the first "
                         "byte of IMAGE.DAT, which holds the pause before track 01\n\n");
    pq_marks(pq, plan);
    pq_tracks(pq, plan, in);
    pq_hidden(pq, p);
    pq_cdtext(pq, p, in);
}

pm_status pm_cd_pq_sheet_text(const pm_project *p, pm_strbuf *out)
{
    return write_text(p, NULL, 0, out, write_pq_sheet);
}

/* ---- PQ figures as JSON ------------------------------------------------------------------- */

static void json_time(pm_strbuf *js, const char *key, int64_t cdf)
{
    char msf[16];
    pm_cdf_format(cdf, msf, sizeof msf);
    pm_strbuf_printf(js, "\"%s\": {\"msf\": \"%s\", \"cd_frames\": %lld}", key, msf,
                     (long long)cdf);
}

static void json_text(pm_strbuf *js, const char *key, const char *text)
{
    pm_strbuf_printf(js, "\"%s\": ", key);
    pm_strbuf_json_string(js, text);
}

static void json_marks(pm_strbuf *js, const pm_plan *plan)
{
    pm_strbuf_append(js, ",\n  \"marks\": [");
    int first = 1;
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_mark *marks[PM_CD_MAX_INDEX + 1];
        size_t n = pm_cd_track_marks(&plan->items[i], marks);
        for (size_t m = 0; m < n; m++) {
            char msf[16];
            pm_cdf_format(marks[m]->cdf, msf, sizeof msf);
            pm_strbuf_printf(js,
                             "%s{\"track\": %d, \"index\": %d, \"msf\": \"%s\", \"cd_frames\""
                             ": %lld, \"length_cd_frames\": %lld}",
                             first ? "\n    " : ",\n    ", plan->items[i].number, marks[m]->number,
                             msf, (long long)marks[m]->cdf,
                             (long long)(next_mark_cdf(plan, i, m) - marks[m]->cdf));
            first = 0;
        }
    }
    pm_strbuf_append(js, "\n  ]");
}

static void json_tracks(pm_strbuf *js, const pm_plan *plan, const pm_cdtext_input *in)
{
    pm_strbuf_append(js, ",\n  \"tracks\": [");
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        char length[16];
        pm_cdf_format(it->cd_length_cdf, length, sizeof length);
        pm_strbuf_printf(js, "%s{\"number\": %d, ", i > plan->first_track ? ",\n    " : "\n    ",
                         it->number);
        json_time(js, "start", it->index1.cdf);
        pm_strbuf_printf(js,
                         ", \"pause_cd_frames\": %lld, \"length_cd_frames\": %lld, "
                         "\"length_msf\": \"%s\", ",
                         (long long)pause_cdf(it), (long long)it->cd_length_cdf, length);
        json_text(js, "isrc", it->track->isrc[0] ? it->track->isrc : NULL);
        pm_strbuf_printf(js, ", \"pre_emphasis\": %s, \"copy_permitted\": %s, ",
                         it->track->emphasis ? "true" : "false",
                         it->track->copy ? "true" : "false");
        json_text(js, "title", text_of(in, PM_CDTEXT_TITLE, (size_t)it->number));
        pm_strbuf_append(js, ", ");
        json_text(js, "performer", text_of(in, PM_CDTEXT_PERFORMER, (size_t)it->number));
        pm_strbuf_append(js, "}");
    }
    pm_strbuf_append(js, "\n  ]");
}

static void json_hidden(pm_strbuf *js, const pm_project *p)
{
    pm_strbuf_append(js, ",\n  \"hidden_track\": ");
    if (!p->htoa || p->plan->first_track == 0) {
        pm_strbuf_append(js, "null");
        return;
    }
    int64_t from, to;
    hidden_span(p->plan, &from, &to);
    pm_strbuf_append(js, "{");
    json_text(js, "title", hidden_title(p));
    pm_strbuf_append(js, ", ");
    json_text(js, "performer", hidden_performer(p));
    pm_strbuf_append(js, ", ");
    json_text(js, "isrc", p->htoa->isrc[0] ? p->htoa->isrc : NULL);
    pm_strbuf_append(js, ", ");
    json_time(js, "start", from);
    pm_strbuf_append(js, ", ");
    json_time(js, "end", to);
    pm_strbuf_append(js, "}");
}

static void json_cdtext_item(pm_strbuf *js, const pm_cdtext_block_text *block, int item)
{
    pm_strbuf_append(js, "{");
    int n = 0;
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
        const char *text = block->texts[type] ? block->texts[type][item] : NULL;
        if (!text || !*text)
            continue;
        pm_strbuf_append(js, n++ ? ", " : "");
        json_text(js, pm_cdtext_type_name((pm_cdtext_type)type), text);
    }
    if (item == 0 && block->genre && *block->genre) {
        pm_strbuf_append(js, n++ ? ", " : "");
        json_text(js, "genre", block->genre);
    }
    pm_strbuf_append(js, "}");
}

static void json_cdtext(pm_strbuf *js, const pm_project *p, const pm_cdtext_input *in)
{
    pm_strbuf_append(js, ",\n  \"cdtext\": ");
    if (!p->cd.cdtext) {
        pm_strbuf_append(js, "null");
        return;
    }
    pm_strbuf_append(js, "[");
    for (int b = 0; b < in->block_count; b++) {
        const pm_cdtext_block_text *block = &in->blocks[b];
        pm_strbuf_append(js, b ? ",\n    {" : "\n    {");
        json_text(js, "language", block_language(p, b));
        pm_strbuf_append(js, ", \"disc\": ");
        json_cdtext_item(js, block, 0);
        pm_strbuf_append(js, ", \"tracks\": [");
        for (int item = 1; item <= block->track_count; item++) {
            pm_strbuf_append(js, item > 1 ? ", " : "");
            json_cdtext_item(js, block, item);
        }
        pm_strbuf_append(js, "]}");
    }
    pm_strbuf_append(js, "\n  ]");
}

static void write_pq_json(pm_strbuf *js, const sheet *sh)
{
    const pm_project *p = sh->p;
    const pm_cdtext_input *in = sh->in;
    const pm_plan *plan = sh->plan;
    pm_strbuf_append(js, "{\n  ");
    json_text(js, "upc", p->album.upc[0] ? p->album.upc : NULL);
    pm_strbuf_printf(js, ",\n  \"track_count\": %zu,\n  \"preroll_cd_frames\": %lld,\n  ",
                     plan->item_count - plan->first_track, (long long)plan->preroll_cdf);
    json_time(js, "total", plan->leadout_cdf);
    json_marks(js, plan);
    json_tracks(js, plan, in);
    json_hidden(js, p);
    json_cdtext(js, p, in);
    pm_strbuf_append(js, "\n}");
}

pm_status pm_cd_pq_json(const pm_project *p, pm_strbuf *out)
{
    return write_text(p, NULL, 0, out, write_pq_json);
}
