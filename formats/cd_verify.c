/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD format's verification from disk (DESIGN.md "Verification: CD"), what finish ends with
 * and what `premaster verify` runs again: the DDP through our reader and its rules
 * (pm_ddp_verify: structure, checksums, PQ order and ranges, Red Book, UPC/ISRC syntax, CD-TEXT
 * CRCs), its PQ entries against the plan, IMAGE.DAT against the .bin, the CD-TEXT files decoded
 * back to the project's text, and the true peak of the audio at 8x. Nothing comes from the
 * render's memory: every figure is read from the files.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cd.h"
#include "cdtext.h"
#include "cd_sheets.h"
#include "cdtime.h"
#include "ddp_read.h"
#include "dsp/truepeak.h"
#include "fsutil.h"
#include "plan.h"

enum { READ_FRAMES = 4096, TRUE_PEAK_FACTOR = 8 };

typedef struct verifier {
    const pm_project *p;
    const char *dir;
    pm_cd_files files;
    pm_format_check *checks;
    size_t max_checks, *check_count;
    pm_diag *diag;
} verifier;

/* One check; a failure is also an error in diag naming the file (path, under dir). */
static void add_check(verifier *v, int ok, const char *file, const char *fmt, ...) PM_PRINTF(4, 5);
static void add_check(verifier *v, int ok, const char *file, const char *fmt, ...)
{
    char what[150], path[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (*v->check_count < v->max_checks) {
        pm_format_check *c = &v->checks[(*v->check_count)++];
        snprintf(c->what, sizeof c->what, "cd/%s: %s", file, what);
        c->ok = ok;
    }
    if (!ok) {
        snprintf(path, sizeof path, "%s/%s", v->dir, file);
        pm_diag_add(v->diag, PM_SEV_ERROR, path, 0, NULL, "verification failed: %s", what);
    }
}

/* ---- the PQ entries against the plan --------------------------------------------------------- */

/* Where the plan puts index n of item it, or -1 when it has none. */
static int64_t planned_index(const pm_plan_item *it, int n)
{
    if (n == 0)
        return it->has_index0 ? it->index0.cdf : -1;
    if (n == 1)
        return it->index1.cdf;
    for (size_t k = 0; k < it->track->index_count; k++)
        if (it->indexes[k].number == n)
            return it->indexes[k].cdf;
    return -1;
}

/* The first PQ entry of track t, index n, or NULL. */
static const pm_ddp_pq *entry_of(const pm_ddp *ddp, int t, int n)
{
    for (size_t i = 0; i < ddp->pq_count; i++)
        if (ddp->pq[i].track == t && ddp->pq[i].index == n)
            return &ddp->pq[i];
    return NULL;
}

/* What differs between the fileset's track k (layout) and plan item it, into why; 0 if none. */
static int track_differs(const pm_ddp *ddp, const pm_ddp_track *tr, const pm_plan_item *it,
                         char *why, size_t size)
{
    char a[16], b[16];
    for (int n = 0; n < 100; n++) {
        int64_t want = planned_index(it, n);
        if (tr->index_cdf[n] == want)
            continue;
        pm_cdf_format(want < 0 ? 0 : want, a, sizeof a);
        pm_cdf_format(tr->index_cdf[n] < 0 ? 0 : tr->index_cdf[n], b, sizeof b);
        snprintf(why, size, "track %02d index %02d is %s where the plan has %s", it->number, n,
                 tr->index_cdf[n] < 0 ? "missing" : b, want < 0 ? "none" : a);
        return 1;
    }
    unsigned control = pm_cd_track_control(it->track);
    if (tr->control != control || tr->adr != '1') {
        snprintf(why, size, "track %02d has control %X (ADR %c) where the plan has %X (ADR 1)",
                 it->number, tr->control, tr->adr, control);
        return 1;
    }
    /* the ISRC on the index 00 entry (when the track has one) and on the index 01 entry */
    for (int n = 0; n < 2; n++) {
        const pm_ddp_pq *q = entry_of(ddp, it->number, n);
        if (q && strcmp(q->isrc, it->track->isrc) != 0) {
            snprintf(why, size,
                     "track %02d index %02d carries ISRC \"%s\" where the project has "
                     "\"%s\"",
                     it->number, n, q->isrc, it->track->isrc);
            return 1;
        }
    }
    return 0;
}

static pm_status check_pq(verifier *v, const pm_ddp *ddp, const char *pq_file)
{
    const pm_plan *plan = v->p->plan;
    pm_ddp_layout layout;
    pm_diag *quiet = pm_diag_new(); /* pm_ddp_verify already reported why a layout fails */
    if (!quiet)
        return PM_ERR_NOMEM;
    pm_status status = pm_ddp_layout_build(ddp, &layout, quiet);
    pm_diag_free(quiet);
    if (status == PM_ERR_NOMEM)
        return status;
    char why[160] = "";
    size_t tracks = plan->item_count - plan->first_track;
    if (status != PM_OK)
        snprintf(why, sizeof why, "the entries cannot be laid out as tracks");
    else if ((size_t)layout.track_count != tracks)
        snprintf(why, sizeof why, "%d tracks where the plan has %zu", layout.track_count, tracks);
    else if (layout.leadout_cdf != plan->leadout_cdf)
        snprintf(why, sizeof why, "the lead-out is at sector %lld where the plan has %lld",
                 (long long)layout.leadout_cdf, (long long)plan->leadout_cdf);
    else if (strcmp(layout.upc, v->p->album.upc) != 0 || strcmp(ddp->id.upc, v->p->album.upc))
        snprintf(why, sizeof why, "the UPC is \"%s\" (DDPID \"%s\") where the project has \"%s\"",
                 layout.upc, ddp->id.upc, v->p->album.upc);
    for (size_t k = 0; status == PM_OK && !*why && k < tracks; k++)
        (void)track_differs(ddp, &layout.tracks[k], &plan->items[plan->first_track + k], why,
                            sizeof why);
    add_check(v, !*why, pq_file, "%s%s",
              *why ? ""
                   : "the PQ entries (track and index starts, "
                     "ISRCs, MCN, flags, lead-out) equal the plan",
              why);
    if (status == PM_OK)
        pm_ddp_layout_fini(&layout);
    return PM_OK;
}

/* ---- the audio: IMAGE.DAT, the .bin, the true peak ------------------------------------------- */

typedef struct audio_pass {
    FILE *image, *bin;
    int64_t image_bytes, bin_bytes;
    int64_t mismatch_at; /* the first byte of the .bin that differs from the image, or -1 */
    double peak;
} audio_pass;

static int64_t file_bytes(FILE *f)
{
    if (!f || fseek(f, 0, SEEK_END) != 0)
        return -1;
    long n = ftell(f);
    rewind(f);
    return n;
}

/* Read the image (or the .bin alone) once: compare the .bin with the image after its first 150
 * sectors, and meter the true peak of the samples. */
static pm_status read_audio(audio_pass *a, pm_diag *diag)
{
    pm_truepeak *meter = NULL;
    unsigned char *buf = pm_alloc_array(READ_FRAMES, 4), *other = pm_alloc_array(READ_FRAMES, 4);
    double *left = pm_alloc_array(READ_FRAMES, sizeof(double));
    double *right = pm_alloc_array(READ_FRAMES, sizeof(double));
    pm_status status = buf && other && left && right ? PM_OK : PM_ERR_NOMEM;
    if (status == PM_OK)
        status = pm_truepeak_new(2, TRUE_PEAK_FACTOR, &meter);
    (void)diag;
    FILE *main = a->image ? a->image : a->bin;
    int64_t skip = (int64_t)PM_CD_BIN_OFFSET_CDF * PM_CD_BYTES_PER_SECTOR, at = 0;
    a->mismatch_at = -1;
    while (status == PM_OK) {
        size_t got = fread(buf, 1, (size_t)READ_FRAMES * 4, main);
        if (got == 0)
            break;
        size_t frames = got / 4;
        for (size_t i = 0; i < frames; i++) {
            const unsigned char *s = buf + 4 * i;
            left[i] = (double)(int16_t)(uint16_t)(s[0] | s[1] << 8) / 32768.0;
            right[i] = (double)(int16_t)(uint16_t)(s[2] | s[3] << 8) / 32768.0;
        }
        pm_truepeak_process(meter, (const double *const[]){left, right}, frames);
        /* the .bin's bytes for the same stretch of the image */
        if (a->image && a->bin && at + (int64_t)got > skip && a->mismatch_at < 0) {
            size_t from = at >= skip ? 0 : (size_t)(skip - at);
            size_t n = got - from;
            size_t have = fread(other, 1, n, a->bin);
            if (have != n || memcmp(other, buf + from, n) != 0) {
                size_t k = 0;
                while (k < have && other[k] == buf[from + k])
                    k++;
                a->mismatch_at = at + (int64_t)from - skip + (int64_t)k;
            }
        }
        at += (int64_t)got;
    }
    if (status == PM_OK && (ferror(main) || (a->bin && ferror(a->bin))))
        status = PM_ERR_IO;
    if (status == PM_OK) {
        pm_truepeak_finish(meter);
        a->peak = fmax(pm_truepeak_max(meter, 0), pm_truepeak_max(meter, 1));
        /* a .bin longer than the image's tail: its extra bytes differ */
        if (a->image && a->bin && a->mismatch_at < 0 && fgetc(a->bin) != EOF)
            a->mismatch_at = a->image_bytes - skip;
    }
    pm_truepeak_free(meter);
    free(buf);
    free(other);
    free(left);
    free(right);
    return status;
}

static pm_status check_audio(verifier *v)
{
    const pm_plan *plan = v->p->plan;
    char image_file[64], bin_file[256], path[4200];
    snprintf(image_file, sizeof image_file, "%s/%s", PM_CD_DDP_DIR, PM_CD_IMAGE_NAME);
    snprintf(bin_file, sizeof bin_file, "%s.bin", v->files.name);
    audio_pass a = {0};
    int64_t sector = PM_CD_BYTES_PER_SECTOR, want = plan->leadout_cdf * sector;
    int64_t bin_want = want - (int64_t)PM_CD_BIN_OFFSET_CDF * sector;
    if (v->files.ddp) {
        snprintf(path, sizeof path, "%s/%s", v->dir, image_file);
        a.image = fopen(path, "rb");
        a.image_bytes = file_bytes(a.image);
        add_check(v, a.image_bytes == want, image_file,
                  "%lld bytes: %s%lld whole 2352-byte "
                  "sectors ending at the lead-out",
                  (long long)a.image_bytes, a.image_bytes == want ? "" : "not the ",
                  (long long)plan->leadout_cdf);
    }
    if (v->files.bin) {
        snprintf(path, sizeof path, "%s/%s", v->dir, bin_file);
        a.bin = fopen(path, "rb");
        a.bin_bytes = file_bytes(a.bin);
        add_check(v, a.bin_bytes == bin_want, bin_file,
                  "%lld bytes: %sthe image less its first "
                  "150 sectors (%lld)",
                  (long long)a.bin_bytes, a.bin_bytes == bin_want ? "" : "not ",
                  (long long)bin_want);
    }
    pm_status status = PM_OK;
    if (a.image || a.bin) {
        status = read_audio(&a, v->diag);
        if (status == PM_OK && a.image && a.bin)
            add_check(v, a.mismatch_at < 0, bin_file, "%s",
                      a.mismatch_at < 0
                          ? "equals IMAGE.DAT after its first 150 sectors, byte for byte"
                          : "differs from IMAGE.DAT after its first 150 sectors");
        if (status == PM_OK) {
            double tp = pm_db_from_linear(a.peak);
            const char *file = a.image ? image_file : bin_file;
            if (v->p->cd.has_ceiling)
                add_check(v, tp <= v->p->cd.ceiling_dbtp, file,
                          "true peak %.2f dBTP at %dx, %s "
                          "the %.2f dBTP ceiling",
                          tp, TRUE_PEAK_FACTOR, tp <= v->p->cd.ceiling_dbtp ? "within" : "over",
                          v->p->cd.ceiling_dbtp);
            else
                add_check(v, 1, file, "true peak %.2f dBTP at %dx (no ceiling)", tp,
                          TRUE_PEAK_FACTOR);
        }
        if (status == PM_ERR_IO)
            add_check(v, 0, a.image ? image_file : bin_file, "cannot be read");
    } else if (v->files.ddp || v->files.bin) {
        add_check(v, 0, v->files.ddp ? image_file : bin_file, "is missing");
    }
    if (a.image)
        fclose(a.image);
    if (a.bin)
        fclose(a.bin);
    return status == PM_ERR_NOMEM ? status : PM_OK;
}

/* ---- CD-TEXT -------------------------------------------------------------------------------- */

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* What differs between the decoded packs and the project's CD-TEXT, into why; 0 if none. */
static int cdtext_differs(const pm_cdtext_decoded *d, const pm_cdtext_input *in, char *why,
                          size_t size)
{
    if (d->block_count != in->block_count) {
        snprintf(why, size, "%d blocks where the project has %d", d->block_count, in->block_count);
        return 1;
    }
    for (int b = 0; b < in->block_count; b++) {
        const pm_cdtext_decoded_block *db = &d->blocks[b];
        const pm_cdtext_block_text *want = &in->blocks[b];
        if (db->language != in->languages[b] || db->first_track != 1 ||
            db->last_track != want->track_count) {
            snprintf(why, size,
                     "block %d: language %d, tracks %d-%d where the project has "
                     "language %d, tracks 1-%d",
                     b, db->language, db->first_track, db->last_track, in->languages[b],
                     want->track_count);
            return 1;
        }
        for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
            for (int k = 0; k <= want->track_count; k++) {
                const char *expected =
                    text_or_empty(want->texts[type] ? want->texts[type][k] : NULL);
                const char *got = text_or_empty(db->texts[type] ? db->texts[type][k] : NULL);
                if (strcmp(expected, got) != 0) {
                    snprintf(why, size,
                             "block %d, %s of %s%.0d: \"%.40s\" where the project has "
                             "\"%.40s\"",
                             b, pm_cdtext_type_name((pm_cdtext_type)type),
                             k ? "track " : "the disc", k, got, expected);
                    return 1;
                }
            }
        if (strcmp(text_or_empty(db->genre), text_or_empty(want->genre)) != 0) {
            snprintf(why, size, "block %d: genre \"%.40s\" where the project has \"%.40s\"", b,
                     text_or_empty(db->genre), text_or_empty(want->genre));
            return 1;
        }
        for (int k = 0; want->codes && k <= want->track_count; k++)
            if (!db->codes || strcmp(text_or_empty(db->codes[k]), text_or_empty(want->codes[k]))) {
                snprintf(why, size, "block %d: the %s code differs from the project's", b,
                         k ? "ISRC" : "UPC/EAN");
                return 1;
            }
    }
    return 0;
}

/* One CD-TEXT file decoded with our decoder and compared with the project's text; its bytes
 * into *data (caller frees) for the comparison of the two files. */
static pm_status check_cdtext_file(verifier *v, const char *file, const pm_cdtext_input *in,
                                   char **data, size_t *size)
{
    char path[4200], why[160] = "";
    snprintf(path, sizeof path, "%s/%s", v->dir, file);
    if (pm_read_file(path, data, size) != PM_OK) {
        add_check(v, 0, file, "is missing or cannot be read");
        return PM_OK;
    }
    pm_cdtext_decoded *d = NULL;
    pm_status status = pm_cdtext_decode((const unsigned char *)*data, *size, path, &d, v->diag);
    if (status == PM_ERR_NOMEM)
        return status;
    if (status != PM_OK)
        snprintf(why, sizeof why, "does not decode (CRC, sequence or size information)");
    else
        (void)cdtext_differs(d, in, why, sizeof why);
    pm_cdtext_decoded_free(d);
    add_check(v, !*why, file, "%s", *why ? why : "decodes with valid CRCs to the project's text");
    return PM_OK;
}

static pm_status check_cdtext(verifier *v)
{
    if (!v->files.cdtext || (!v->files.ddp && !v->files.cdt))
        return PM_OK;
    pm_cdtext_input in;
    pm_status status = pm_cdtext_input_from_project(v->p, &in, v->diag);
    char *ddp_bytes = NULL, *cdt_bytes = NULL;
    size_t ddp_size = 0, cdt_size = 0;
    char ddp_file[64], cdt_file[256];
    snprintf(ddp_file, sizeof ddp_file, "%s/%s", PM_CD_DDP_DIR, PM_CD_CDTEXT_NAME);
    snprintf(cdt_file, sizeof cdt_file, "%s.cdt", v->files.name);
    if (status == PM_OK && v->files.ddp)
        status = check_cdtext_file(v, ddp_file, &in, &ddp_bytes, &ddp_size);
    if (status == PM_OK && v->files.cdt)
        status = check_cdtext_file(v, cdt_file, &in, &cdt_bytes, &cdt_size);
    if (status == PM_OK && ddp_bytes && cdt_bytes)
        add_check(v, ddp_size == cdt_size && memcmp(ddp_bytes, cdt_bytes, ddp_size) == 0, cdt_file,
                  "holds the same packs as %s", ddp_file);
    free(ddp_bytes);
    free(cdt_bytes);
    pm_cdtext_input_fini(&in);
    return status == PM_ERR_NOMEM ? status : PM_OK;
}

/* ---- the DDP fileset ---------------------------------------------------------------------- */

static pm_status check_ddp(verifier *v)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", v->dir, PM_CD_DDP_DIR);
    pm_ddp *ddp = NULL;
    pm_status status = pm_ddp_read(path, v->diag, &ddp);
    if (status == PM_ERR_NOMEM) {
        pm_ddp_free(ddp);
        return status;
    }
    if (status == PM_OK)
        status = pm_ddp_verify(ddp, v->diag);
    if (status == PM_ERR_NOMEM) {
        pm_ddp_free(ddp);
        return status;
    }
    add_check(
        v, status == PM_OK, PM_CD_DDP_DIR, "%s",
        status == PM_OK
            ? "reads and passes the DDP 2.00 rules (structure, checksums, PQ order, Red Book, "
              "codes, CD-TEXT CRCs)"
            : "fails the DDP 2.00 rules (see the errors naming its files)");
    if (ddp && ddp->pq) {
        char pq_file[64];
        snprintf(pq_file, sizeof pq_file, "%s/%s", PM_CD_DDP_DIR,
                 ddp->pq_map >= 0 && ddp->maps[ddp->pq_map].file ? ddp->maps[ddp->pq_map].file
                                                                 : PM_CD_PQ_NAME);
        status = check_pq(v, ddp, pq_file);
    } else {
        status = PM_OK;
        add_check(v, 0, PM_CD_DDP_DIR "/" PM_CD_PQ_NAME, "cannot be read: no PQ entries");
    }
    pm_ddp_free(ddp);
    return status;
}

/* ---- the sheets ------------------------------------------------------------------------------ */

/* Each sheet on disk against the text the project and its plan give, and the cue sheet read back
 * through libcdio (cd_sheets.h). */
static pm_status check_sheets(verifier *v)
{
    char path[4200];
    pm_status status = PM_OK;
    for (int i = 0; status == PM_OK && i < PM_CD_SHEETS; i++) {
        char name[256];
        pm_strbuf want;
        pm_strbuf_init(&want);
        status = pm_cd_sheet_text(v->p, &v->files, i, name, &want);
        if (status == PM_OK && want.failed)
            status = PM_ERR_NOMEM;
        if (status == PM_OK && *name) {
            char *text = NULL;
            size_t size = 0;
            snprintf(path, sizeof path, "%s/%s", v->dir, name);
            int readable = pm_read_file(path, &text, &size) == PM_OK;
            add_check(v, readable && size == want.length && memcmp(text, want.data, size) == 0,
                      name, "%s",
                      readable ? "is the text the project and its plan give"
                               : "is missing or cannot be read");
            free(text);
        }
        pm_strbuf_fini(&want);
    }
    if (status == PM_OK && v->files.cue) {
        snprintf(path, sizeof path, "%s/%s.cue", v->dir, v->files.name);
        status = pm_cd_cue_verify(v->p, path, v->checks, v->max_checks, v->check_count, v->diag);
    }
    return status == PM_ERR_NOMEM ? status : PM_OK;
}

pm_status pm_cd_verify(const pm_project *p, const char *dir, pm_format_check *checks,
                       size_t max_checks, size_t *check_count, pm_diag *diag)
{
    if (!p->plan || !p->plan->has_cd)
        return PM_ERR_USAGE;
    verifier v = {.p = p,
                  .dir = dir,
                  .checks = checks,
                  .max_checks = max_checks,
                  .check_count = check_count,
                  .diag = diag};
    pm_cd_files_of(p, &v.files);
    pm_status status = v.files.ddp ? check_ddp(&v) : PM_OK;
    if (status == PM_OK)
        status = check_audio(&v);
    if (status == PM_OK)
        status = check_cdtext(&v);
    if (status == PM_OK)
        status = check_sheets(&v);
    return status;
}
