/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD sheets (formats/cd_sheets.h) on a disc built by hand, so that every mark is known: the
 * cue's INDEX lines and the TOC's spans at the .bin positions worked out here from ddp-notes.md
 * 3.2 (the absolute time less 150 frames), the TOC's spans tiling the .bin, text escaped for each
 * reader, no CD-TEXT with cdtext="no"; then the contract: NULL and planless projects refused,
 * every allocation failure giving PM_ERR_NOMEM and no part of a text, the same bytes each call.
 */
#include "cd_sheets.h"

#include "../tap.h"
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct disc {
    pm_project p;
    struct pm_plan plan;
    pm_track tracks[3];
    pm_plan_item items[3];
    pm_index_mark index_marks[1];
    pm_plan_mark track2_indexes[1];
} disc;

static void mark(pm_plan_mark *m, int number, int64_t cdf)
{
    m->number = number;
    m->cdf = cdf;
}

/*
 * Three tracks, absolute frames: 1 pause 0-150, index 1 at 150; 2 index 0 at 900, 1 at 1000,
 * index 2 at 1200, pre-emphasis, a title with a quote and a backslash; 3 index 1 at 1500 (no
 * pause), copy permitted, no ISRC, a title with U+20AC (beyond ISO-8859-1); lead-out 2000.
 */
static void build(disc *d, int long_pause)
{
    memset(d, 0, sizeof *d);
    pm_project *p = &d->p;
    p->path = "hand.xml";
    p->album.text.title = "Hand \"Made\"";
    p->album.text.artist = "Maker";
    memcpy(p->album.language, "en", 3);
    memcpy(p->album.upc, "0123456789012", 14);
    p->album.catalog = "HM-1";
    d->tracks[0].text.title = "Caf\xc3\xa9";
    d->tracks[0].text.artist = "Maker";
    memcpy(d->tracks[0].isrc, "GBEXM2600001", 13);
    d->tracks[1].text.title = "Back\\slash \"q\"";
    d->tracks[1].text.artist = "Maker";
    memcpy(d->tracks[1].isrc, "GBEXM2600002", 13);
    d->tracks[1].emphasis = 1;
    d->tracks[1].index_count = 1;
    d->tracks[1].indexes = d->index_marks;
    d->tracks[2].text.title = "Euro \xe2\x82\xac";
    d->tracks[2].text.artist = "Maker";
    d->tracks[2].copy = 1;
    p->tracks = d->tracks;
    p->track_count = 3;
    p->cd.line = 1;
    p->cd.cdtext = 1;

    struct pm_plan *plan = &d->plan;
    plan->rate = 44100;
    plan->items = d->items;
    plan->item_count = 3;
    plan->has_cd = 1;
    plan->leadout_cdf = 2000;
    int64_t index1[3] = {long_pause ? 300 : 150, 1000, 1500};
    for (int i = 0; i < 3; i++) {
        d->items[i].track = &d->tracks[i];
        d->items[i].number = i + 1;
        mark(&d->items[i].index1, 1, index1[i]);
    }
    d->items[0].has_index0 = 1;
    mark(&d->items[0].index0, 0, 0);
    d->items[1].has_index0 = 1;
    mark(&d->items[1].index0, 0, 900);
    d->items[1].indexes = d->track2_indexes;
    mark(&d->track2_indexes[0], 2, 1200);
    d->items[0].cd_length_cdf = 900 - index1[0];
    d->items[1].cd_length_cdf = 500;
    d->items[2].cd_length_cdf = 500;
    p->plan = plan;
}

/* The text a function makes for d, or NULL (with its status in *status). */
static char *text(pm_status (*make)(const pm_project *, pm_strbuf *), const disc *d,
                  pm_status *status)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    *status = make(&d->p, &out);
    return pm_strbuf_take(&out);
}

typedef pm_status (*maker)(const pm_project *, pm_strbuf *);

/* d built (with a long first pause or not, CD-TEXT or not) and the text make gives for it. */
static char *made(disc *d, int long_pause, int cdtext, maker make, const char *what)
{
    build(d, long_pause);
    d->p.cd.cdtext = cdtext;
    pm_status s;
    char *t = text(make, d, &s);
    ok(s == PM_OK && t, "%s: made", what);
    return t;
}

static const char *name = "hand";
static pm_status cue(const pm_project *p, pm_strbuf *out)
{
    return pm_cd_cue_text(p, name, 1, out);
}
static pm_status toc(const pm_project *p, pm_strbuf *out)
{
    return pm_cd_toc_text(p, name, out);
}

static void test_cue(void)
{
    disc d;
    char *t = made(&d, 0, 1, cue, "cue");
    ok(t && strstr(t, "CATALOG 0123456789012\nCDTEXTFILE \"hand.cdt\"\nTITLE \"Hand 'Made'\"\n"
                      "PERFORMER \"Maker\"\nFILE \"hand.bin\" BINARY\n"),
       "cue: CATALOG, CDTEXTFILE, the disc's text with the quote made single, FILE BINARY");
    ok(t && strstr(t, "  TRACK 01 AUDIO\n    TITLE \"Caf\xe9\"\n    PERFORMER \"Maker\"\n"
                      "    ISRC GBEXM2600001\n    INDEX 01 00:00:00\n  TRACK 02"),
       "cue: track 1 in ISO-8859-1, no FLAGS, no INDEX 00 after a 2 s pause, INDEX 01 at 0");
    ok(t && strstr(t, "    FLAGS PRE\n    INDEX 00 00:10:00\n    INDEX 01 00:11:25\n"
                      "    INDEX 02 00:14:00\n"),
       "cue: track 2 at 900, 1000 and 1200 less 150 frames: 10:00, 11:25, 14:00");
    ok(t && strstr(t, "  TRACK 03 AUDIO\n    TITLE \"Euro ?\"\n    PERFORMER \"Maker\"\n"
                      "    FLAGS DCP\n    INDEX 01 00:18:00\n"),
       "cue: track 3 without ISRC or pause, DCP, a character beyond ISO-8859-1 as '?'");
    free(t);

    t = made(&d, 1, 1, cue, "cue with a long first pause");
    ok(t && strstr(t, "ISRC GBEXM2600001\n    INDEX 00 00:00:00\n    INDEX 01 00:02:00\n"),
       "cue: a 4 s first pause gives track 1 INDEX 00 00:00:00 and INDEX 01 at 00:02:00");
    is_int(pm_cd_bin_index0(&d.plan, 0), 0, "bin_index0: track 1 with a long pause: 0");
    is_int(pm_cd_bin_index0(&d.plan, 2), -1, "bin_index0: track 3 without a pause: -1");
    free(t);

    t = made(&d, 0, 0, cue, "cue without CD-TEXT");
    ok(t && !strstr(t, "TITLE") && !strstr(t, "PERFORMER"), "cue: no CD-TEXT with cdtext=no");
    free(t);
}

/* The AUDIOFILE spans of a TOC, in frames: each starts where the one before ends. */
static int spans_tile(const char *t, int64_t *total)
{
    int64_t at = 0;
    const char *s = t;
    while ((s = strstr(s, "SWAP ")) != NULL) {
        int m1, s1, f1, m2, s2, f2;
        if (sscanf(s, "SWAP %d:%d:%d %d:%d:%d", &m1, &s1, &f1, &m2, &s2, &f2) != 6)
            return 0;
        if ((m1 * 60 + s1) * 75 + f1 != at)
            return 0;
        at += (m2 * 60 + s2) * 75 + f2;
        s += 5;
    }
    *total = at;
    return 1;
}

static void test_toc(void)
{
    disc d;
    char *t = made(&d, 0, 1, toc, "toc");
    int64_t total = -1;
    int tiled = t && spans_tile(t, &total);
    ok(tiled && total == 1850,
       "toc: the AUDIOFILE spans tile the .bin, 2000 - 150 frames (got %lld)", (long long)total);
    ok(t && strstr(t, "CD_DA\nCATALOG \"0123456789012\"\nCD_TEXT {\n  LANGUAGE_MAP { 0 : EN }\n"
                      "  LANGUAGE 0 {\n    TITLE \"Hand \\\"Made\\\"\"\n"),
       "toc: CD_DA, CATALOG, then CD_TEXT with the map; a quote as \\\"");
    ok(t && strstr(t, "  AUDIOFILE \"hand.bin\" SWAP 00:00:00 00:10:00\n\n"),
       "toc: track 1 spans 0 to track 2's index 0, with no START after a 2 s pause");
    ok(t && strstr(t, "  NO COPY\n  PRE_EMPHASIS\n  TWO_CHANNEL_AUDIO\n  ISRC \"GBEXM2600002\"\n"),
       "toc: track 2's flags and ISRC");
    ok(t && strstr(t, "TITLE \"Back\\134slash \\\"q\\\"\""),
       "toc: a backslash as \\134, quotes as \\\"");
    ok(t && strstr(t, "TITLE \"Caf\\351\""), "toc: a Latin-1 letter as octal");
    ok(t && strstr(t, "SWAP 00:10:00 00:08:00\n  START 00:01:25\n  INDEX 00:02:50\n"),
       "toc: track 2 from its index 0 for 8 s, START 1:25 (its pause), INDEX 2:50 after index 1");
    const char *third = t ? strstr(t, "// track 03") : NULL;
    ok(third && strstr(third, "  COPY\n  NO PRE_EMPHASIS\n") &&
           strstr(third, "SWAP 00:18:00 00:06:50\n") && !strstr(third, "  ISRC"),
       "toc: track 3 copy permitted, from 18:00 for 6:50, no ISRC line");
    free(t);

    t = made(&d, 1, 1, toc, "toc with a long first pause");
    ok(t && strstr(t, "SWAP 00:00:00 00:10:00\n  START 00:02:00\n"),
       "toc: a 4 s first pause gives track 1 START 00:02:00");
    free(t);

    t = made(&d, 0, 0, toc, "toc without CD-TEXT");
    ok(t && !strstr(t, "CD_TEXT"), "toc: no CD_TEXT with cdtext=no");
    free(t);
}

static void test_pq(void)
{
    disc d;
    char *t = made(&d, 0, 1, pm_cd_pq_sheet_text, "pq sheet");
    ok(t && strstr(t, "  02     01     00:13:25     1000  00:02:50      200\n"),
       "pq sheet: track 2's index 1 at 13:25 (1000), 200 frames to index 2");
    ok(t && strstr(t, "  02     02     00:16:00     1200  00:04:00      300\n"),
       "pq sheet: index 2 at 1200 runs 300 frames to track 3");
    ok(t && strstr(t, "  AA     01     00:26:50     2000  (lead-out)\n"), "pq sheet: the lead-out");
    ok(t && strstr(t, "  02     00:13:25  00:01:25  00:06:50      500  GBEXM2600002  PRE      "
                      "Back\\slash \"q\" / Maker\n"),
       "pq sheet: track 2's start, pause, length, ISRC, flags, title (UTF-8, as written)");
    ok(t && strstr(t, "Total time      00:26:50 (2000 frames)"), "pq sheet: the total time");
    ok(t && strstr(t, "Euro \xe2\x82\xac"), "pq sheet: the text in UTF-8");
    free(t);

    t = made(&d, 0, 1, pm_cd_pq_json, "pq json");
    ok(t && strstr(t, "\"total\": {\"msf\": \"00:26:50\", \"cd_frames\": 2000}") &&
           strstr(t, "{\"track\": 2, \"index\": 2, \"msf\": \"00:16:00\", \"cd_frames\": 1200, "
                     "\"length_cd_frames\": 300}") &&
           strstr(t, "\"title\": \"Back\\\\slash \\\"q\\\"\""),
       "pq json: the total, index 2 and an escaped title");
    free(t);

    t = made(&d, 0, 0, pm_cd_pq_sheet_text, "pq sheet without CD-TEXT");
    ok(t && strstr(t, "CD-TEXT: none"), "pq sheet: says there is no CD-TEXT with cdtext=no");
    free(t);
}

static void test_contract(void)
{
    static const maker makers[4] = {cue, toc, pm_cd_pq_sheet_text, pm_cd_pq_json};
    static const char *const names[4] = {"cue", "toc", "pq sheet", "pq json"};
    disc d;
    for (int k = 0; k < 4; k++) {
        build(&d, 0);
        pm_status s;
        char *want = text(makers[k], &d, &s);
        char *again = text(makers[k], &d, &s);
        ok(want && again && strcmp(want, again) == 0, "%s: the same bytes on a second call",
           names[k]);
        free(again);

        pm_strbuf out;
        pm_strbuf_init(&out);
        ok(makers[k](NULL, &out) == PM_ERR_USAGE, "%s: no project: PM_ERR_USAGE", names[k]);
        d.p.plan = NULL;
        ok(makers[k](&d.p, &out) == PM_ERR_USAGE, "%s: no plan: PM_ERR_USAGE", names[k]);
        d.p.plan = &d.plan;
        d.plan.has_cd = 0;
        ok(makers[k](&d.p, &out) == PM_ERR_USAGE, "%s: no CD: PM_ERR_USAGE", names[k]);
        ok(out.length == 0 && !out.failed, "%s: and nothing written", names[k]);
        d.plan.has_cd = 1;

        /* Allocation n fails, for every n until the text is made: NOMEM and only the prefix. */
        int all = 1;
        unsigned long n;
        for (n = 1; n < 10000; n++) {
            pm_strbuf_fini(&out);
            pm_strbuf_append(&out, "prefix");
            pm_alloc_fail_after(n);
            s = makers[k](&d.p, &out);
            pm_alloc_fail_after(0);
            if (s == PM_OK) {
                all = all && out.length == 6 + strlen(want) && strcmp(out.data + 6, want) == 0;
                break;
            }
            all = all && s == PM_ERR_NOMEM && out.failed && out.length == 6;
        }
        ok(all && n > 1 && n < 10000,
           "%s: each of %lu allocation failures gives PM_ERR_NOMEM and no part of the text",
           names[k], n - 1);
        pm_strbuf_fini(&out);
        free(want);
    }
    is_int(pm_cd_cue_text(&d.p, NULL, 0, &(pm_strbuf){0}), PM_ERR_USAGE,
           "cue: no name: PM_ERR_USAGE");
    size_t count = 0;
    is_int(pm_cd_cue_verify(NULL, "x.cue", NULL, 0, &count, NULL), PM_ERR_USAGE,
           "cue verify: no project: PM_ERR_USAGE");
    d.p.plan = NULL;
    is_int(pm_cd_cue_verify(&d.p, "x.cue", NULL, 0, &count, NULL), PM_ERR_USAGE,
           "cue verify: no plan: PM_ERR_USAGE");
}

int main(void)
{
    test_cue();
    test_toc();
    test_pq();
    test_contract();
    return done_testing();
}
