/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vinyl format's verification (vinyl.h; DESIGN.md "Verification: Vinyl"): every side file
 * read back from disk and proved against the project, its plan and cutting-sheet.txt, and
 * nothing else - no figure from the render's memory - so that `premaster verify` runs exactly
 * what render's finish ran, on a copied folder, without the sources.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "alloc.h"
#include "dsp/truepeak.h"
#include "fsutil.h"
#include "segmeter.h"
#include "vinyl.h"

enum { BLOCK = 4096 };

/* Peaks are compared with the ceiling after the file's own rounding: a 24-bit word is within
 * 2^-23 of what the limiter measured, far under this. */
#define PEAK_TOLERANCE_DB 0.001

/* Read side i back: its format, cues, figures per track, the checks' scan; record (may be NULL)
 * measures the sides joined. */
static pm_status read_side(const pm_format_stage *st, size_t i, pm_vinyl_side_read *r,
                           pm_meter *record, pm_diag *diag)
{
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_vinyl_target *v = &st->p->vinyl;
    size_t tracks = s->last - s->first + 1;
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(s->path, SFM_READ, &info);
    if (!sf) {
        pm_diag_add(diag, PM_SEV_ERROR, s->path, 0, NULL, "cannot be read back: %s",
                    sf_strerror(NULL));
        return PM_OK; /* r->opened stays 0: every check on it fails */
    }
    r->opened = 1;
    r->rate = info.samplerate;
    r->channels = info.channels;
    uint32_t n = 0;
    if (sf_command(sf, SFC_GET_CUE_COUNT, &n, (int)sizeof n) && n > 0) {
        SF_CUES *cues = pm_alloc_zeroed(1, sizeof *cues);
        if (!cues) {
            sf_close(sf);
            return PM_ERR_NOMEM;
        }
        if (sf_command(sf, SFC_GET_CUE, cues, (int)sizeof *cues) == SF_TRUE) {
            r->cue_count = cues->cue_count > 100 ? 100 : cues->cue_count;
            for (uint32_t k = 0; k < r->cue_count; k++)
                r->cues[k] = cues->cue_points[k].sample_offset;
        }
        free(cues);
    }
    double *buf = pm_alloc_array(BLOCK * 2, sizeof *buf);
    double *lr = pm_alloc_array(BLOCK * 2, sizeof *lr);
    double *cum = pm_alloc_zeroed(2 * (tracks + 1), sizeof *cum);
    r->tracks = pm_alloc_zeroed(tracks, sizeof *r->tracks);
    r->track_hf_db = pm_alloc_zeroed(tracks, sizeof *r->track_hf_db);
    pm_segmeter m = {0};
    pm_status status = PM_ERR_NOMEM;
    if (!buf || !lr || !cum || !r->tracks || !r->track_hf_db)
        goto done;
    if (info.channels != 2 || info.samplerate != st->rate) {
        status = PM_OK; /* the length check says what it is */
        goto done;
    }
    status = pm_vinyl_scan_init(&r->scan, info.samplerate,
                                v->deess_threshold_db + PM_VINYL_SIB_MARGIN_DB,
                                v->has_mono_below ? v->mono_below_hz / 2.0 : 0.0);
    if (status == PM_OK)
        status = pm_segmeter_init(&m, info.samplerate, s->track_start, s->track_end, tracks);
    /* brightness per track over [its start, the next track's start) */
    size_t next = 1;
    for (sf_count_t got; status == PM_OK;) {
        sf_count_t want = BLOCK;
        if (next < tracks && s->track_start[next] - r->frames < want)
            want = (sf_count_t)(s->track_start[next] - r->frames);
        got = want > 0 ? sf_readf_double(sf, buf, want) : 0;
        if (got > 0) {
            double *l = lr, *rr = lr + BLOCK;
            for (sf_count_t k = 0; k < got; k++) {
                l[k] = buf[2 * k];
                rr[k] = buf[2 * k + 1];
            }
            const double *planar[2] = {l, rr};
            status = pm_segmeter_process(&m, planar, (size_t)got);
            if (status == PM_OK && record)
                status = pm_meter_process(record, planar, (size_t)got);
            pm_vinyl_scan_process(&r->scan, l, rr, (size_t)got);
            r->frames += got;
        }
        while (next < tracks && r->frames >= s->track_start[next]) {
            cum[2 * next] = r->scan.energy;
            cum[2 * next + 1] = r->scan.band_energy;
            next++;
        }
        if (got <= 0 && (want > 0 || next >= tracks))
            break;
    }
    for (; next <= tracks; next++) {
        cum[2 * next] = r->scan.energy;
        cum[2 * next + 1] = r->scan.band_energy;
    }
    for (size_t k = 0; k < tracks; k++) {
        double e = cum[2 * (k + 1)] - cum[2 * k], b = cum[2 * (k + 1) + 1] - cum[2 * k + 1];
        r->track_hf_db[k] = e > 0.0 && b > 0.0 ? 10.0 * log10(b / e) : -HUGE_VAL;
    }
    pm_vinyl_scan_finish(&r->scan);
    if (status == PM_OK)
        status = pm_segmeter_finish(&m, &r->whole, r->tracks);
done:
    if (m.whole)
        pm_segmeter_fini(&m);
    sf_close(sf);
    free(buf);
    free(lr);
    free(cum);
    return status;
}

pm_status pm_vinyl_read_sides(const pm_format_stage *st, pm_vinyl_reads *reads, pm_diag *diag)
{
    memset(reads, 0, sizeof *reads);
    reads->record_lufs = -HUGE_VAL;
    reads->sides = pm_alloc_zeroed(st->side_count, sizeof *reads->sides);
    if (!reads->sides)
        return PM_ERR_NOMEM;
    reads->count = st->side_count;
    pm_meter *record = NULL;
    pm_status status = PM_OK;
    if (st->p->vinyl.has_loudness)
        status = pm_meter_new(2, (double)st->rate, 0, &record);
    for (size_t i = 0; status == PM_OK && i < st->side_count; i++) {
        /* joined as the target's loop joined them (segmeter.h) */
        if (record && i > 0)
            status = pm_segmeter_join_silence(record);
        if (status == PM_OK)
            status = read_side(st, i, &reads->sides[i], record, diag);
    }
    if (status == PM_OK && record) {
        pm_meter_result r;
        status = pm_meter_finish(record, &r);
        reads->record_lufs = r.integrated_lufs;
    }
    pm_meter_free(record);
    return status;
}

void pm_vinyl_reads_fini(pm_vinyl_reads *reads)
{
    for (size_t i = 0; reads->sides && i < reads->count; i++) {
        free(reads->sides[i].tracks);
        free(reads->sides[i].track_hf_db);
    }
    free(reads->sides);
    memset(reads, 0, sizeof *reads);
}

/* ---- the checks ----------------------------------------------------------------------------- */

typedef struct prove_ctx {
    const pm_format_stage *st;
    pm_format_check *checks;
    size_t max_checks, *check_count;
    pm_diag *diag;
} prove_ctx;

/* A check; a failure is an error naming file (the project's <vinyl> when NULL). */
static void add_check(prove_ctx *f, const char *file, int ok, const char *fmt, ...)
    PM_PRINTF(4, 5);
static void add_check(prove_ctx *f, const char *file, int ok, const char *fmt, ...)
{
    char what[sizeof f->checks[0].what];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (*f->check_count < f->max_checks) {
        pm_format_check *c = &f->checks[(*f->check_count)++];
        snprintf(c->what, sizeof c->what, "%s", what);
        c->ok = ok;
    }
    if (!ok)
        pm_diag_add(f->diag, PM_SEV_ERROR, file ? file : f->st->p->path,
                    file ? 0 : f->st->p->vinyl.line, NULL, "verification failed: %s", what);
}

/* The checks that prove a side. */
static void side_checks(prove_ctx *f, size_t i, const pm_vinyl_side_read *r)
{
    const pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    size_t tracks = s->last - s->first + 1;
    int64_t want = s->end - s->start;
    add_check(f, s->path, r->opened && r->frames == want && r->rate == st->rate && r->channels == 2,
              "vinyl/%s: %lld samples at %d Hz, as the plan says (%lld)", s->name,
              (long long)r->frames, r->rate, (long long)want);
    int cues_ok = r->opened && r->cue_count == tracks;
    for (size_t k = 0; cues_ok && k < tracks; k++)
        cues_ok = r->cues[k] == s->track_start[k];
    add_check(f, s->path, cues_ok, "vinyl/%s: %u cue markers, on the %zu planned track starts",
              s->name, r->cue_count, tracks);
    double sec = (double)r->frames / (double)st->rate;
    char len[32], max[32];
    pm_vinyl_clock_text(len, sizeof len, r->frames, st->rate);
    pm_vinyl_minutes_text(max, sizeof max, plan->side_max_sec);
    add_check(f, s->path, sec <= plan->side_max_sec, "vinyl/%s: side %c is %s, within the "
              "maximum %s", s->name, plan->sides[i].letter, len, max);
    double tp = pm_db_from_linear(fmax(r->whole.true_peak[0], r->whole.true_peak[1]));
    add_check(f, s->path, r->opened && tp <= st->p->vinyl.ceiling_dbtp + PEAK_TOLERANCE_DB,
              "vinyl/%s: true peak %.2f dBTP (8x), within the %.1f dBTP ceiling", s->name, tp,
              st->p->vinyl.ceiling_dbtp);
}

/* The sides hold every track once, in order: A starts at track 1, each side goes on where the
 * last stopped, the last ends with the last track. */
static void cover_check(prove_ctx *f)
{
    const pm_plan *plan = f->st->p->plan;
    size_t next = plan->first_track;
    int ok = 1;
    for (size_t i = 0; i < plan->side_count; i++) {
        ok &= plan->sides[i].first == next && plan->sides[i].last >= plan->sides[i].first;
        next = plan->sides[i].last + 1;
    }
    ok &= next == plan->item_count;
    add_check(f, NULL, ok, "vinyl: the %zu sides hold all %zu tracks once, in order",
              plan->side_count, plan->item_count - plan->first_track);
}

/* The mono-bass promise on side i: its side channel below half the crossover against the
 * master's over the side's span before the vinyl stages (the sheet's figure), as energy sums
 * over the same length. */
static void mono_check(prove_ctx *f, size_t i, const pm_vinyl_side_read *r, const char *sheet,
                       const char *sheet_path)
{
    const pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_vinyl_target *v = &st->p->vinyl;
    char letter = st->p->plan->sides[i].letter;
    double in = 0.0, out = r->scan.side_lf_energy;
    if (pm_vinyl_sheet_mono_before(sheet, letter, s->end - s->start, &in) != 0) {
        add_check(f, sheet_path, 0, "vinyl/cutting-sheet.txt: side %c has no \"Mono bass:\" line "
                  "with the master's side channel below %.0f Hz", letter, v->mono_below_hz / 2.0);
        return;
    }
    double down = in > 0.0 && out > 0.0 ? 10.0 * log10(in / out) : HUGE_VAL;
    double out_db = pm_vinyl_scan_db(out, r->frames, 2);
    add_check(f, s->path, r->opened && (down >= PM_VINYL_SIDE_LF_DOWN_DB ||
                                         out_db <= PM_VINYL_SIDE_LF_FLOOR_DBFS),
              "vinyl/%s: the side channel below %.0f Hz is %.1f dB under the master's (%.1f "
              "dBFS), at least %.0f dB or under %.0f dBFS", s->name, v->mono_below_hz / 2.0, down,
              out_db, PM_VINYL_SIDE_LF_DOWN_DB, PM_VINYL_SIDE_LF_FLOOR_DBFS);
}

/* The record's loudness: the sides joined, within the target's tolerance (vinyl.h). */
static void loudness_check(prove_ctx *f, const pm_vinyl_reads *reads)
{
    const pm_vinyl_target *v = &f->st->p->vinyl;
    double miss = reads->record_lufs - v->loudness_lufs;
    add_check(f, NULL, isfinite(miss) && fabs(miss) <= PM_TARGET_LOUDNESS_TOLERANCE_LU,
              "vinyl: the %zu sides joined measure %.2f LUFS, within %.1f LU of the %.1f LUFS "
              "target", reads->count, reads->record_lufs, PM_TARGET_LOUDNESS_TOLERANCE_LU,
              v->loudness_lufs);
}

/* The line (from 1) where a and b first differ. */
static int first_difference(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        if (*a == '\n')
            line++;
    return line;
}

pm_status pm_vinyl_prove(const pm_format_stage *st, const pm_vinyl_reads *reads,
                         pm_format_check *checks, size_t max_checks, size_t *check_count,
                         pm_diag *diag)
{
    const pm_vinyl_target *v = &st->p->vinyl;
    prove_ctx f = {.st = st, .checks = checks, .max_checks = max_checks,
                   .check_count = check_count, .diag = diag};
    for (size_t i = 0; i < reads->count; i++)
        side_checks(&f, i, &reads->sides[i]);
    cover_check(&f);
    char path[4096], *sheet = NULL;
    size_t size = 0;
    if (pm_path_join(path, sizeof path, st->dir, "cutting-sheet.txt") != 0 ||
        pm_read_file(path, &sheet, &size) != PM_OK || strlen(sheet) != size) {
        add_check(&f, path, 0, "vinyl/cutting-sheet.txt: can be read");
        free(sheet);
        return PM_OK;
    }
    /* the master's figures, side by side, as the sheet gives them */
    double *energy = pm_alloc_zeroed(reads->count ? reads->count : 1, sizeof *energy);
    if (!energy) {
        free(sheet);
        return PM_ERR_NOMEM;
    }
    int known = 1;
    for (size_t i = 0; i < reads->count; i++) {
        known &= pm_vinyl_sheet_mono_before(sheet, st->p->plan->sides[i].letter,
                                            st->sides[i].end - st->sides[i].start,
                                            &energy[i]) == 0;
        if (v->has_mono_below)
            mono_check(&f, i, &reads->sides[i], sheet, path);
    }
    if (v->has_loudness)
        loudness_check(&f, reads);
    /* every time and figure on the sheet, made again from the plan and the files */
    char *again = NULL;
    pm_vinyl_mono_before before = {energy};
    pm_status status = pm_vinyl_sheet_text(st, reads, known ? &before : NULL, &again);
    free(energy);
    if (status == PM_OK && strcmp(again, sheet) == 0)
        add_check(&f, path, 1, "vinyl/cutting-sheet.txt: every time and figure follows from the "
                  "plan and the side files");
    else if (status == PM_OK)
        add_check(&f, path, 0, "vinyl/cutting-sheet.txt: line %d does not follow from the plan "
                  "and the side files", first_difference(sheet, again));
    free(again);
    free(sheet);
    return status;
}

pm_status pm_vinyl_verify(const pm_project *p, const char *dir, pm_format_check *checks,
                          size_t max_checks, size_t *check_count, pm_diag *diag)
{
    pm_format_stage *st = NULL;
    pm_status status = pm_vinyl_stage_new(p, dir, &st, diag);
    if (status != PM_OK)
        return status; /* said in diag */
    pm_vinyl_reads reads;
    status = pm_vinyl_read_sides(st, &reads, diag);
    if (status == PM_OK)
        status = pm_vinyl_prove(st, &reads, checks, max_checks, check_count, diag);
    pm_vinyl_reads_fini(&reads);
    pm_vinyl_stage_free(st);
    return status;
}
