/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DDP reader and verifier (formats/ddp_read.h, premaster.h pm_ddp_*) on filesets built in
 * memory by tests/ddpgen.h from ddp-notes.md's layouts: every field of the default disc; the
 * notes' own cue2ddp map packets; what section 0 says to accept (zero- or space-padded numbers,
 * names from DSI, one or two lead-outs, the user text at byte 93 or 94, a trailing NUL after the
 * CD-TEXT packs); each rule verify applies, failing with the file and the field named; the
 * checksum files of each writer of 1.9; and garbage, truncated and randomly damaged filesets,
 * which must give errors and never a crash (PM_TEST_SEED repeats a run).
 */
#include "ddp_read.h"
#include "md5.h"
#include "premaster.h"

#include "../ddpgen.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>

/* A fileset in memory: ddpgen's files, the image described by its size, and extra files. */
typedef struct mem {
    gen_fileset fs;
    pm_ddp_memfile files[12];
    size_t count;
    char extra_names[6][64];
    char extra[6][4096];
    int extra_count;
} mem;

static void mem_build(const gen_disc *d, mem *m)
{
    memset(m, 0, sizeof *m);
    gen_build(d, &m->fs, 0);
    for (int i = 0; i < m->fs.count; i++) {
        const gen_file *g = &m->fs.files[i];
        int image = strcmp(g->name, d->image_name) == 0;
        m->files[m->count++] = (pm_ddp_memfile){g->name, g->data, g->size,
                                                image ? (uint64_t)d->sectors * GEN_SECTOR
                                                      : g->size};
    }
}

static void mem_add(mem *m, const char *name, const char *text)
{
    int k = m->extra_count++;
    snprintf(m->extra_names[k], sizeof m->extra_names[k], "%s", name);
    snprintf(m->extra[k], sizeof m->extra[k], "%s", text);
    m->files[m->count++] = (pm_ddp_memfile){m->extra_names[k], (unsigned char *)m->extra[k],
                                            strlen(m->extra[k]), strlen(m->extra[k])};
}

static pm_ddp_memfile *mem_file(mem *m, const char *name)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->files[i].name, name) == 0)
            return &m->files[i];
    return NULL;
}

/* The MD5 of a file of the fileset (zeros past what is stored, as the reader sees it). */
static void md5_of(const pm_ddp_memfile *f, char hex[33])
{
    pm_md5 h;
    pm_md5_init(&h);
    pm_md5_update(&h, f->data, f->stored);
    static const unsigned char zeros[65536];
    for (uint64_t left = f->size - f->stored; left > 0;) {
        size_t n = left < sizeof zeros ? (size_t)left : sizeof zeros;
        pm_md5_update(&h, zeros, n);
        left -= n;
    }
    pm_md5_final(&h, hex);
}

/* CHECKSUM.MD5 as cue2ddp writes it (1.9): "<md5> *NAME", LF. */
static void add_checksums(mem *m, const char *sep, const char *eol)
{
    char text[4096] = "";
    size_t n = m->count;
    for (size_t i = 0; i < n; i++) {
        char hex[33], line[256];
        md5_of(&m->files[i], hex);
        snprintf(line, sizeof line, "%s%s%s%s", hex, sep, m->files[i].name, eol);
        strcat(text, line);
    }
    mem_add(m, "CHECKSUM.MD5", text);
}

/* Whether the diag holds an entry of this severity whose file ends with file (NULL: any) and
 * whose message holds text. */
static int has(const pm_diag *diag, pm_severity severity, const char *file, const char *text)
{
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        const pm_diag_entry *e = pm_diag_get(diag, i);
        size_t fl = file && e->file ? strlen(file) : 0, el = e->file ? strlen(e->file) : 0;
        if (e->severity == severity && (!file || (e->file && el >= fl &&
                                                  strcmp(e->file + el - fl, file) == 0)) &&
            strstr(e->message, text))
            return 1;
    }
    return 0;
}

static void show(const pm_diag *found)
{
    for (size_t i = 0; i < pm_diag_count(found); i++) {
        char *line = pm_diag_format(pm_diag_get(found, i));
        diag("%s", line ? line : "?");
        free(line);
    }
}

/* Read and verify; the diag (fresh) is returned for the checks, the status in *status. */
static pm_diag *read_verify(mem *m, pm_status *status)
{
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    pm_status s = pm_ddp_read_memory(m->files, m->count, diag, &ddp);
    if (ddp) {
        pm_status v = pm_ddp_verify(ddp, diag);
        if (s == PM_OK)
            s = v;
    }
    pm_ddp_free(ddp);
    *status = s;
    return diag;
}

/* Verify a variant and expect an error (or warning) naming file and holding text. */
static void expect(mem *m, pm_severity severity, const char *file, const char *text,
                   const char *name)
{
    pm_status status;
    pm_diag *diag = read_verify(m, &status);
    int pass = has(diag, severity, file, text) &&
               (severity != PM_SEV_ERROR || status == PM_ERR_INVALID);
    if (!ok(pass, "%s", name))
        show(diag);
    pm_diag_free(diag);
}

static void expect_clean(mem *m, const char *name)
{
    pm_status status;
    pm_diag *diag = read_verify(m, &status);
    size_t bad = pm_diag_count_severity(diag, PM_SEV_ERROR) +
                 pm_diag_count_severity(diag, PM_SEV_WARNING);
    if (!ok(status == PM_OK && bad == 0, "%s", name))
        show(diag);
    pm_diag_free(diag);
}

static void test_fixtures(void)
{
    int crcs = 1;
    for (int i = 0; i < 17; i++)
        crcs &= gen_pack_crc_ok(gen_cdtext_vector1[i]);
    ok(crcs, "the 17 packs of golden vector 1 (ddp-notes 1.8) were copied with their CRCs");
    /* ddp-notes 1.4: cue2ddp 1.1's packets, exp 009, offsets 0-127. */
    static const char *pq_line = "VVVMS0             320        PQ DESCR                      "
                                 "            17SD";
    static const char *d0_line = "VVVMD0             750                DA71     225          "
                                 "            17IMAGE.DAT";
    unsigned char want[128], got[128];
    memset(want, ' ', 128);
    memcpy(want, pq_line, strlen(pq_line));
    gen_map(got, "S0", 320, -1, "PQ DESCR", NULL, ' ', ' ', -1, NULL, "SD", ' ');
    ok(memcmp(want, got, 128) == 0, "ddpgen writes the notes' cue2ddp PQ packet byte for byte");
    memset(want, ' ', 128);
    memcpy(want, d0_line, strlen(d0_line));
    gen_map(got, "D0", 750, -1, NULL, "DA", '7', '1', 225, NULL, "IMAGE.DAT", ' ');
    ok(memcmp(want, got, 128) == 0, "ddpgen writes the notes' cue2ddp D0 packet byte for byte");
    /* ddp-notes 1.5: "VVVS0200  00100001" is track 2 index 00 at 00:10:00, CB1 01. */
    gen_pq(got, "02", 0, 750, "01", NULL, NULL);
    ok(memcmp(got, "VVVS0200  00100001", 18) == 0, "ddpgen writes the notes' PQ packet");
}

static void test_fields(void)
{
    gen_disc *d = malloc(sizeof *d);
    mem *m = malloc(sizeof *m);
    gen_default(d);
    mem_build(d, m);
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    pm_status status = pm_ddp_read_memory(m->files, m->count, diag, &ddp);
    if (!ok(status == PM_OK && ddp, "the default fileset reads")) {
        show(diag);
        bail_out("cannot go on");
    }
    is_str(ddp->id.level, "DDP 2.00", "DDPID level");
    is_str(ddp->id.upc, "0123456789012", "DDPID UPC (bytes 8-20)");
    is_str(ddp->id.mid, "PM-TEST-001", "DDPID master ID");
    is_str(ddp->id.type, "CD", "DDPID type");
    is_int((long long)ddp->map_count, 3, "three map packets");
    ok(ddp->cdtext_map == 0 && ddp->pq_map == 1 && ddp->audio == 2,
       "found by DST/SUB/CDM: CD-TEXT, PQ, audio");
    const pm_ddp_map *a = &ddp->maps[2];
    ok(a->dsl == 1500 && a->dss == 0 && a->pre2 == 150 && a->ssm == '7' && a->scr == '0' &&
           strcmp(a->cdm, "DA") == 0 && strcmp(a->dsi, "IMAGE.DAT") == 0 && a->siz == 17,
       "D0: DSL 1500, DSS 0, PRE2 150, SSM 7, SCR 0, CDM DA, SIZ 17, DSI IMAGE.DAT");
    ok(ddp->maps[1].dsl == 576 && strcmp(ddp->maps[0].trk, "00") == 0,
       "S0: the PQ stream's DSL in bytes; the CD-TEXT packet's TRK 00");
    is_int((long long)ddp->pq_count, 9, "nine PQ entries");
    const pm_ddp_pq *q = ddp->pq;
    ok(q[0].track == 0 && q[0].index == 0 && q[0].cdf == 0 && !strcmp(q[0].upc, "0123456789012"),
       "the lead-in entry at 00:00:00 carries the UPC");
    ok(q[2].track == 1 && q[2].index == 1 && q[2].cdf == 150 && q[2].minutes == 0 &&
           q[2].seconds == 2 && q[2].frames == 0 && !strcmp(q[2].isrc, "USABC2400001") &&
           q[2].control == 2 && q[2].adr == '1' && q[2].hours == -1,
       "track 01 index 01: 00:02:00, 150 frames, its ISRC, copy permitted (CB1 21), HRS blank");
    ok(q[4].track == 2 && q[4].index == 1 && q[4].cdf == 750 && q[4].control == 1,
       "track 02 index 01 at 00:10:00 with pre-emphasis");
    ok(q[7].track == PM_DDP_LEADOUT && q[8].track == PM_DDP_LEADOUT && q[8].cdf == 1500,
       "two lead-out entries at 00:20:00");
    ok(ddp->cdtext_size == 306 && ddp->cdtext_packs == 17 &&
           memcmp(ddp->cdtext, gen_cdtext_vector1, 306) == 0,
       "the CD-TEXT bytes, 17 packs");
    is_int(ddp->image_size, 1500 * 2352, "the image's size");
    pm_ddp_layout l;
    if (ok(pm_ddp_layout_build(ddp, &l, diag) == PM_OK, "the entries lay out as tracks")) {
        ok(l.track_count == 3 && l.leadout_cdf == 1500 && !strcmp(l.upc, "0123456789012"),
           "3 tracks, the lead-out at 1500, the MCN");
        ok(l.tracks[0].end_cdf == 600 && l.tracks[0].next_cdf == 750 &&
               l.tracks[1].end_cdf == 1125 && l.tracks[1].next_cdf == 1125 &&
               l.tracks[2].end_cdf == 1500 && l.tracks[2].index_cdf[2] == 1275,
           "each track's end (next first entry) and next start (next index 01)");
        pm_ddp_layout_fini(&l);
    }
    char *text = pm_ddp_to_text(ddp), *json = pm_ddp_to_json(ddp);
    ok(text && strstr(text, "  02        01     00:10:00      750  USABC2400002  pre-emphasis\n"),
       "info lists track 02 index 01 with its time, frames, ISRC and flags");
    ok(text && strstr(text, "CD-TEXT: CDTEXT.BIN, 17 packs (306 bytes), 1 block\n") &&
           strstr(text, "    track 01  title \"One\"; performer \"Artist One\"; songwriter "
                        "\"Writer One\"\n"),
       "info shows the CD-TEXT's packs and its texts, decoded");
    ok(ddp->cdtext_text && ddp->cdtext_text->block_count == 1, "the CD-TEXT decodes: one block");
    ok(json && strstr(json, "\"track_count\": 3") && strstr(json, "\"leadout_frames\": 1500"),
       "the JSON has the track count and the lead-out");
    free(text);
    free(json);
    pm_ddp_free(ddp);
    pm_diag_free(diag);
    gen_free(&m->fs);
    free(m);
    free(d);
}

/* ddp-notes section 0: what writers disagree on, accepted either way. */
static void test_accepted(void)
{
    gen_disc *d = malloc(sizeof *d);
    mem *m = malloc(sizeof *m);
    gen_default(d);
    mem_build(d, m);
    add_checksums(m, " *", "\n");
    expect_clean(m, "the default fileset with cue2ddp's CHECKSUM.MD5 verifies clean");
    gen_free(&m->fs);

    gen_default(d);
    d->pad = ' ';
    d->dss = -1;
    d->scr = '1';
    d->leadouts = 1;
    mem_build(d, m);
    add_checksums(m, "  ", "\r\n");
    expect_clean(m, "space-padded numbers, DSS blank, SCR 1, one lead-out, md5sum text mode "
                    "with CRLF (HOFA, audio-distillery)");
    gen_free(&m->fs);

    /* The notes' cue2ddp packets themselves (1.4), with PQ named SD and PRE2 225. */
    gen_default(d);
    d->pad = ' ';
    d->dss = -1;
    d->scr = '1';
    d->pre2 = 225;
    d->pq_name = "SD";
    d->sectors = 750;
    d->cdtext = 0;
    d->upc = d->pq_upc = NULL;
    d->track_count = 1;
    d->tracks[0].index_cdf[1] = 225;
    d->tracks[0].isrc = NULL;
    d->tracks[0].cb1 = "01";
    mem_build(d, m);
    add_checksums(m, " *", "\n");
    expect_clean(m, "cue2ddp's exp 009 fileset (SD, PRE2 225, track 1 at 00:03:00)");
    gen_free(&m->fs);

    /* Zero- or space-padded PQ numbers, an 'AA' in lowercase, HRS 00. */
    gen_default(d);
    d->cdtext = 0;
    mem_build(d, m);
    pm_ddp_memfile *pq = mem_file(m, "PQDESCR");
    unsigned char *p = (unsigned char *)pq->data;
    memcpy(p + 2 * 64 + 4, " 1 1 0 0 2 0", 12);
    memcpy(p + 2 * 64 + 8, "00", 2);
    memcpy(p + 8 * 64 + 4, "aa", 2);
    add_checksums(m, " *", "\n");
    expect_clean(m, "PQ numbers padded with spaces, HRS 00, lead-out 'aa'");
    gen_free(&m->fs);

    /* The ISRC on index 01 only (cue2ddp, Sonoris), and on both (REAPER, Pyramix). */
    gen_default(d);
    d->tracks[0].isrc_on_index0 = d->tracks[1].isrc_on_index0 = 0;
    mem_build(d, m);
    add_checksums(m, " *", "\n");
    expect_clean(m, "ISRCs on the index 01 entries only");
    gen_free(&m->fs);

    /* DSI names other than the usual ones; a name whose case differs in the folder. */
    gen_default(d);
    d->pq_name = "PQ_DESCR";
    d->image_name = "IMAGE01.DAT";
    mem_build(d, m);
    add_checksums(m, " *", "\n");
    expect_clean(m, "the PQ file and the image named by DSI (PQ_DESCR, IMAGE01.DAT)");
    gen_free(&m->fs);
    gen_default(d);
    mem_build(d, m);
    snprintf(m->fs.files[3].name, sizeof m->fs.files[3].name, "image.dat");
    m->files[3].name = m->fs.files[3].name;
    expect(m, PM_SEV_WARNING, "IMAGE.DAT", "is named \"image.dat\" in the folder",
           "a name whose case differs from DSI is found, with a warning");
    gen_free(&m->fs);

    /* The DDPID user text at byte 93 (ddpLib) or 94 (Sonoris, HOFA). */
    for (int at = 93; at <= 94; at++) {
        gen_default(d);
        mem_build(d, m);
        unsigned char *id = (unsigned char *)m->files[0].data;
        memcpy(id + at, "05HELLO", 7);
        pm_ddp *ddp = NULL;
        pm_status s = pm_ddp_read_memory(m->files, m->count, NULL, &ddp);
        ok(s == PM_OK && ddp && !strcmp(ddp->id.text, "HELLO") && ddp->id.text_at == at + 2,
           "DDPID user text with its length at byte %d", at);
        pm_ddp_free(ddp);
        gen_free(&m->fs);
    }

    /* CD-TEXT with one trailing NUL (Sonoris), DSL counting it. */
    gen_default(d);
    mem_build(d, m);
    static unsigned char cdtext[307];
    memcpy(cdtext, gen_cdtext_vector1, 306);
    pm_ddp_memfile *t = mem_file(m, "CDTEXT.BIN");
    t->data = cdtext;
    t->stored = t->size = 307;
    memcpy((unsigned char *)m->files[1].data + 14, "00000307", 8);
    add_checksums(m, " *", "\n");
    expect_clean(m, "a trailing NUL after the CD-TEXT packs is tolerated (Sonoris)");
    gen_free(&m->fs);
    free(m);
    free(d);
}

/* Structure and PQ faults, each named with its file and field. */
static void test_faults(void)
{
    gen_disc *d = malloc(sizeof *d);
    mem *m = malloc(sizeof *m);
#define VARIANT(change, severity, file, text, name)                                               \
    do {                                                                                          \
        gen_default(d);                                                                           \
        change;                                                                                   \
        mem_build(d, m);                                                                          \
        expect(m, severity, file, text, name);                                                    \
        gen_free(&m->fs);                                                                         \
    } while (0)
    VARIANT(d->tracks[2].index_cdf[1] = 975, PM_SEV_ERROR, "PQDESCR",
            "track 02 is 00:03:00 long", "a track under 4 s");
    VARIANT((d->tracks[0].index_cdf[1] = 100, d->pre2 = 100), PM_SEV_ERROR, "PQDESCR",
            "track 01 starts (index 01) at 00:01:25", "less than 2 s before track 1");
    VARIANT(d->pre2 = 160, PM_SEV_ERROR, "DDPMS", "PRE2 is 160 sectors", "PRE2 unlike track 1's "
            "pause");
    VARIANT(d->tracks[0].index_cdf[0] = -1, PM_SEV_ERROR, "PQDESCR",
            "track 01 has no index 00 entry", "track 1 without index 00");
    VARIANT((d->tracks[2].index_cdf[2] = -1, d->tracks[2].index_cdf[3] = 1275), PM_SEV_ERROR,
            "PQDESCR", "track 03: index 02 is missing", "index numbers skipping one");
    VARIANT(d->leadouts = 3, PM_SEV_ERROR, "PQDESCR", "3 lead-out entries",
            "three lead-out entries");
    VARIANT(d->leadouts = 0, PM_SEV_ERROR, "PQDESCR", "no lead-out entry", "no lead-out");
    VARIANT(d->tracks[0].isrc = "USABC24O0001", PM_SEV_ERROR, "PQDESCR",
            "packet 3 (track 01 index 01 at 00:02:00): ISRC \"USABC24O0001\" is not an ISRC",
            "an ISRC with a letter where a digit goes");
    VARIANT(d->tracks[1].isrc = "usabc2400002", PM_SEV_ERROR, "PQDESCR",
            "is written as USABC2400002", "a lowercase ISRC");
    VARIANT(d->upc = d->pq_upc = "0123456789013", PM_SEV_ERROR, "DDPID",
            "UPC/EAN 0123456789013 has check digit 3 where its first 12 digits call for 2",
            "a UPC with a wrong check digit, in DDPID");
    VARIANT(d->upc = d->pq_upc = "0123456789013", PM_SEV_ERROR, "PQDESCR", "check digit 3",
            "the same in the PQ lead-in entry");
    VARIANT(d->pq_upc = "5012345678900", PM_SEV_ERROR, "PQDESCR", "is not DDPID's",
            "the PQ's UPC differs from DDPID's");
    VARIANT(d->pq_upc = NULL, PM_SEV_WARNING, "PQDESCR", "the disc will have no MCN",
            "a UPC in DDPID only");
    VARIANT(d->tracks[0].cb1 = "41", PM_SEV_ERROR, "PQDESCR", "data bit",
            "the data bit on an audio track");
    VARIANT(d->tracks[1].cb1 = "2S", PM_SEV_WARNING, "PQDESCR", "SCMS together with digital copy",
            "SCMS with copy permitted");
    VARIANT(d->ssm = '3', PM_SEV_ERROR, "DDPMS", "SSM is '3'", "an interleaved SSM");
    /* Program length: a lead-out past 79:57:74, and past 74:00:00 (the image only a size). */
    VARIANT((d->sectors = 359850, d->leadouts = 2), PM_SEV_ERROR, "PQDESCR",
            "the program lasts 79:58:00 (the lead-out), past the 79:57:74", "a program too long");
    VARIANT(d->sectors = 333075, PM_SEV_WARNING, "PQDESCR", "past 74:00:00",
            "a program past 74 minutes");
#undef VARIANT

    /* CD-TEXT through the decoder: a pack's CRC, and texts for fewer tracks than the disc has. */
    gen_default(d);
    mem_build(d, m);
    static unsigned char packs[306];
    memcpy(packs, gen_cdtext_vector1, 306);
    packs[3 * 18 + 5] ^= 0x20; /* "Test Artist" becomes "TEst Artist": the CRC no longer fits */
    mem_file(m, "CDTEXT.BIN")->data = packs;
    expect(m, PM_SEV_ERROR, "CDTEXT.BIN", "CD-TEXT pack 3 at byte 54", "a bad CD-TEXT CRC names "
           "the file and the pack");
    gen_free(&m->fs);
    gen_default(d);
    d->track_count = 2;
    d->leadouts = 2;
    d->sectors = 1125;
    mem_build(d, m);
    expect(m, PM_SEV_ERROR, "CDTEXT.BIN", "CD-TEXT gives texts for tracks 1 to 3, but the disc has "
           "tracks 1 to 2", "CD-TEXT for another track count than the PQ's");
    gen_free(&m->fs);

    /* A PQ entry out of order: track 02 index 01 swapped with track 03 index 01. */
    gen_default(d);
    mem_build(d, m);
    unsigned char *p = (unsigned char *)mem_file(m, "PQDESCR")->data, tmp[64];
    memcpy(tmp, p + 4 * 64, 64);
    memcpy(p + 4 * 64, p + 5 * 64, 64);
    memcpy(p + 5 * 64, tmp, 64);
    expect(m, PM_SEV_ERROR, "PQDESCR", "packet 6 (track 02 index 01 at 00:10:00): comes after "
           "track 03 index 01: the entries are out of order", "a PQ entry out of order");
    gen_free(&m->fs);
    /* Times going back within the order. */
    gen_default(d);
    d->tracks[1].index_cdf[1] = 580;
    mem_build(d, m);
    expect(m, PM_SEV_ERROR, "PQDESCR", "PQ times only increase", "a time going back");
    gen_free(&m->fs);
    /* Out of range times. */
    gen_default(d);
    mem_build(d, m);
    memcpy((unsigned char *)mem_file(m, "PQDESCR")->data + 4 * 64 + 14, "80", 2);
    expect(m, PM_SEV_ERROR, "PQDESCR", "SEC 10 FRM 80 out of range", "frames past 74");
    gen_free(&m->fs);

    /* Sizes against DDPMS. */
    gen_default(d);
    mem_build(d, m);
    mem_file(m, "IMAGE.DAT")->size -= 1000;
    expect(m, PM_SEV_ERROR, "IMAGE.DAT", "not a whole number of 2352-byte sectors",
           "a truncated image: not whole sectors");
    expect(m, PM_SEV_ERROR, "IMAGE.DAT", "it is truncated", "a truncated image: shorter than DSL");
    mem_file(m, "CDTEXT.BIN")->size = mem_file(m, "CDTEXT.BIN")->stored = 300;
    expect(m, PM_SEV_ERROR, "CDTEXT.BIN", "is 300 bytes, but DSL of map packet 1",
           "CD-TEXT shorter than its DSL");
    gen_free(&m->fs);
    gen_default(d);
    mem_build(d, m);
    m->count = 4; /* no CDTEXT.BIN */
    expect(m, PM_SEV_ERROR, "CDTEXT.BIN", "is missing: map packet 1 (S0 CDTEXT) names it",
           "a file named by DSI that is missing");
    gen_free(&m->fs);
    gen_default(d);
    d->cdtext_name = "../CDTEXT";
    mem_build(d, m);
    expect(m, PM_SEV_ERROR, "DDPMS", "DSI \"../CDTEXT\" is not a file name",
           "a DSI that is a path is refused");
    gen_free(&m->fs);
    free(m);
    free(d);
}

/* The checksum files of 1.9, each writer's layout. */
static void test_checksums(void)
{
    gen_disc *d = malloc(sizeof *d);
    mem *m = malloc(sizeof *m);
    gen_default(d);
    mem_build(d, m);
    char md5[5][33], text[4096];
    for (int i = 0; i < 5; i++)
        md5_of(&m->files[i], md5[i]);
    /* BSD layout, a WaveLab-like free layout and SFV-less CRC entries parse; digests compare. */
    snprintf(text, sizeof text, "MD5 (DDPID) = %s\nMD5 (DDPMS) = %s\n", md5[0], md5[1]);
    mem_add(m, "MD5-Checksum.md5", text);
    snprintf(text, sizeof text, "Checksums\r\nPQDESCR : %s\r\nIMAGE.DAT : %s\r\n"
             "CDTEXT.BIN: %s\r\n", md5[2], md5[3], md5[4]);
    mem_add(m, "Checksum.txt", text);
    mem_add(m, "CHECKSUM.TXT", "[CRC32 Checksum]\nDDPID=00000000\n");
    expect(m, PM_SEV_ERROR, "DDPID", "does not match CHECKSUM.TXT line 2: its CRC-32 is",
           "a CRC-32 that does not match names the file and the checksum line");
    pm_ddp *ddp = NULL;
    pm_status s = pm_ddp_read_memory(m->files, m->count, NULL, &ddp);
    ok(s == PM_OK && ddp && ddp->sumfile_count == 3, "three checksum files found");
    size_t total = 0;
    for (size_t f = 0; ddp && f < ddp->sumfile_count; f++)
        total += ddp->sumfiles[f].count;
    is_int((long long)total, 6, "six entries: BSD, free layout, CRC-32");
    pm_ddp_free(ddp);
    m->count--; /* drop CHECKSUM.TXT */
    expect_clean(m, "BSD and free-layout MD5 lines all match");
    char *digit = m->extra[1] + strlen("Checksums\r\nPQDESCR : "); /* PQDESCR's MD5 */
    *digit = *digit == '0' ? '1' : '0';
    expect(m, PM_SEV_ERROR, "PQDESCR", "does not match Checksum.txt line 2",
           "a changed digest is caught");
    gen_free(&m->fs);

    gen_default(d);
    mem_build(d, m);
    add_checksums(m, " *", "\n");
    mem_add(m, "other.md5", "d41d8cd98f00b204e9800998ecf8427e *GONE.DAT\n");
    expect(m, PM_SEV_ERROR, "other.md5", "names GONE.DAT, which is not in the folder",
           "an entry naming a file that is not there");
    gen_free(&m->fs);

    /* Flip a byte in each file in turn: verify names that file. */
    static const char *names[] = {"DDPID", "DDPMS", "PQDESCR", "IMAGE.DAT", "CDTEXT.BIN"};
    for (int i = 0; i < 5; i++) {
        gen_default(d);
        mem_build(d, m);
        add_checksums(m, " *", "\n");
        pm_ddp_memfile *f = mem_file(m, names[i]);
        static unsigned char copy[4096];
        size_t n = f->stored < sizeof copy ? f->stored : sizeof copy;
        memcpy(copy, f->data, n);
        if (n) {
            copy[n / 2 + 40 < n ? n / 2 + 40 : n - 1] ^= 0x01;
            f->data = copy;
        } else {
            static const unsigned char one = 1; /* the image is zeros: make its first byte 1 */
            f->data = &one;
            f->stored = 1;
        }
        char text2[160];
        snprintf(text2, sizeof text2, "does not match CHECKSUM.MD5 line %d", i + 1);
        expect(m, PM_SEV_ERROR, names[i], text2, names[i]);
        gen_free(&m->fs);
    }
    free(m);
    free(d);
}

/* Garbage, truncation and random damage: errors, never a crash. */
static void test_garbage(void)
{
    static unsigned char junk[2048];
    uint64_t state = tap_seed();
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)tap_rand(&state);
    pm_ddp_memfile files[] = {{"DDPID", junk, 128, 128}, {"DDPMS", junk + 128, 1024, 1024}};
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    pm_status s = pm_ddp_read_memory(files, 2, diag, &ddp);
    ok(s == PM_ERR_INVALID && !ddp && has(diag, PM_SEV_ERROR, "DDPID", "not a DDP fileset") &&
           has(diag, PM_SEV_ERROR, "DDPMS", "VVVM"),
       "random DDPID and DDPMS: invalid, saying why");
    pm_diag_free(diag);
    diag = pm_diag_new();
    s = pm_ddp_read_memory(files, 0, diag, &ddp);
    ok(s == PM_ERR_INVALID && !ddp && has(diag, PM_SEV_ERROR, "DDPID", "is missing"),
       "an empty folder: DDPID is missing");
    pm_diag_free(diag);

    gen_disc *d = malloc(sizeof *d);
    mem *m = malloc(sizeof *m);
    gen_default(d);
    mem_build(d, m);
    m->files[1].size = m->files[1].stored = 200;
    diag = pm_diag_new();
    s = pm_ddp_read_memory(m->files, m->count, diag, &ddp);
    ok(s == PM_ERR_INVALID && has(diag, PM_SEV_ERROR, "DDPMS", "not a whole number of 128-byte"),
       "a truncated DDPMS is an error");
    pm_ddp_free(ddp);
    pm_diag_free(diag);
    gen_free(&m->fs);

    /* Random damage to every file but the image, read, verified, printed. */
    int survived = 1, rejected = 0;
    const int rounds = 3000;
    for (int r = 0; r < rounds; r++) {
        gen_default(d);
        d->leadouts = 1 + (int)tap_rand_below(&state, 2);
        mem_build(d, m);
        int hits = 1 + (int)tap_rand_below(&state, 8);
        for (int h = 0; h < hits; h++) {
            gen_file *g = &m->fs.files[tap_rand_below(&state, (uint64_t)m->fs.count)];
            if (g->size == 0)
                continue;
            size_t at = (size_t)tap_rand_below(&state, g->size);
            g->data[at] = tap_rand_below(&state, 2) ? (unsigned char)tap_rand(&state)
                                                   : (unsigned char)"0 9AVS-"[at % 7];
        }
        if (tap_rand_below(&state, 4) == 0) {
            size_t k = (size_t)tap_rand_below(&state, m->count);
            if (m->files[k].stored)
                m->files[k].stored = m->files[k].size =
                    (size_t)tap_rand_below(&state, m->files[k].stored);
        }
        diag = pm_diag_new();
        s = pm_ddp_read_memory(m->files, m->count, diag, &ddp);
        if (ddp) {
            pm_status v = pm_ddp_verify(ddp, diag);
            char *text = pm_ddp_to_text(ddp), *json = pm_ddp_to_json(ddp);
            survived &= text && json && (v == PM_OK || v == PM_ERR_INVALID);
            rejected += v != PM_OK || s != PM_OK;
            free(text);
            free(json);
        } else {
            survived &= s == PM_ERR_INVALID && pm_diag_count_severity(diag, PM_SEV_ERROR) > 0;
            rejected++;
        }
        pm_ddp_free(ddp);
        pm_diag_free(diag);
        gen_free(&m->fs);
    }
    ok(survived, "%d randomly damaged filesets read, verified and printed without a crash",
       rounds);
    ok(rejected > rounds / 2, "most of them are refused (%d of %d)", rejected, rounds);
    free(m);
    free(d);
}

int main(void)
{
    test_fixtures();
    test_fields();
    test_accepted();
    test_faults();
    test_checksums();
    test_garbage();
    return done_testing();
}
