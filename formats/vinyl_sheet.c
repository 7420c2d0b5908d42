/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vinyl format's finish (vinyl.h): every side file read back from disk and proved (DESIGN.md
 * "Verification: Vinyl"), the checks of issue 6 with their figures, cutting-sheet.txt and the
 * format's object in report.json. Everything the sheet and the report say is measured on the
 * files as written, not on the stream that was sent to them.
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

typedef struct side_read {
    int opened;
    int64_t frames;
    int rate, channels;
    uint32_t cue_count;
    int64_t cues[100];
    pm_meter_result whole;
    pm_meter_result *tracks;
    double *track_hf_db; /* the 4-10 kHz band's energy against the whole band's, per track */
    pm_vinyl_scan scan;
} side_read;

typedef struct finish_ctx {
    pm_format_stage *st;
    pm_format_check *checks;
    size_t max_checks, *check_count;
    pm_diag *diag;
    pm_strbuf warnings; /* JSON strings, comma-separated */
    size_t warning_count;
    int failed;
} finish_ctx;

static void add_check(finish_ctx *f, int ok, const char *fmt, ...) PM_PRINTF(3, 4);
static void add_check(finish_ctx *f, int ok, const char *fmt, ...)
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
    if (!ok) {
        f->failed = 1;
        pm_diag_add(f->diag, PM_SEV_ERROR, f->st->p->path, f->st->p->vinyl.line, NULL,
                    "verification failed: %s", what);
    }
}

static void warn(finish_ctx *f, const char *fmt, ...) PM_PRINTF(2, 3);
static void warn(finish_ctx *f, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pm_diag_add(f->diag, PM_SEV_WARNING, f->st->p->path, f->st->p->vinyl.line, NULL, "vinyl: %s",
                text);
    pm_strbuf_append(&f->warnings, f->warning_count++ ? ",\n      " : "\n      ");
    pm_strbuf_json_string(&f->warnings, text);
}

/* frames at rate as m:ss.sss (minutes past 59 stay minutes: a side is under half an hour). */
static void clock_text(char *out, size_t size, int64_t frames, long rate)
{
    int64_t ms = (frames * 1000 + rate / 2) / rate;
    snprintf(out, size, "%02lld:%02lld.%03lld", (long long)(ms / 60000),
             (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

static void seconds_text(char *out, size_t size, double sec)
{
    long s = lround(sec);
    snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

static double peak_dbtp(const pm_meter_result *r)
{
    return pm_db_from_linear(fmax(r->true_peak[0], r->true_peak[1]));
}

/* Read side i back: its format, cues, figures per track and the checks' scan. */
static pm_status read_side(finish_ctx *f, size_t i, side_read *r)
{
    pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_vinyl_target *v = &st->p->vinyl;
    size_t tracks = s->last - s->first + 1;
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(s->path, SFM_READ, &info);
    if (!sf) {
        pm_diag_add(f->diag, PM_SEV_ERROR, s->path, 0, NULL, "cannot be read back: %s",
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
    if (!buf || !lr || !cum || !r->tracks || !r->track_hf_db || info.channels != 2)
        goto done;
    status = pm_vinyl_scan_init(&r->scan, info.samplerate, v->deess_threshold_db + PM_VINYL_SIB_MARGIN_DB,
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

/* The checks that are warnings: correlation, sibilance, infrasonic, late tracks. */
static void side_warnings(finish_ctx *f, size_t i, const side_read *r)
{
    pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    char letter = plan->sides[i].letter, at[32];
    /* side lengths past the recommendation are warned about by the plan's validation */
    const pm_vinyl_scan *sc = &r->scan;
    for (size_t k = 0; k < sc->stretch_count && k < PM_VINYL_MAX_STRETCHES; k++) {
        clock_text(at, sizeof at, sc->stretches[k].start, st->rate);
        warn(f, "side %c: the correlation below 300 Hz is negative from %s for %.1f s (down to "
             "%.2f): out-of-phase bass cuts a vertical groove", letter, at,
             (double)sc->stretches[k].frames / (double)st->rate, sc->stretches[k].min_correlation);
    }
    if (sc->stretch_count > PM_VINYL_MAX_STRETCHES)
        warn(f, "side %c: and %zu more stretches of negative correlation below 300 Hz (%.1f s in "
             "all)", letter, sc->stretch_count - PM_VINYL_MAX_STRETCHES, sc->negative_sec);
    if (sc->sib_moments) {
        clock_text(at, sizeof at, sc->sib_loudest_at, st->rate);
        warn(f, "side %c: the 4-10 kHz band passes %.1f dBFS RMS %zu time%s (%.2f s in all)%s, the "
             "loudest %.1f dBFS RMS at %s", letter, sc->sib_threshold_db, sc->sib_moments,
             sc->sib_moments == 1 ? "" : "s", sc->sib_over_sec,
             st->p->vinyl.has_deess ? " after de-essing" : " (no de-esser asked for)",
             sc->sib_loudest_db, at);
    }
    double infra = pm_vinyl_scan_db(sc->infra_energy, r->frames, 2);
    if (infra >= PM_VINYL_INFRA_WARN_DBFS)
        warn(f, "side %c: %.1f dBFS RMS below 20 Hz (a warning from %.0f dBFS): infrasonic energy "
             "wastes groove excursion; a high-pass would remove it", letter, infra,
             PM_VINYL_INFRA_WARN_DBFS);
    /* late tracks against the tracks of the side's first half */
    size_t tracks = s->last - s->first + 1;
    double ref_e = 0.0, ref_hf = -HUGE_VAL;
    int64_t half = r->frames / 2;
    size_t refs = 0;
    for (size_t k = 0; k < tracks && s->track_start[k] < half; k++, refs++) {
        if (isfinite(r->tracks[k].integrated_lufs))
            ref_e = fmax(ref_e, pow(10.0, r->tracks[k].integrated_lufs / 10.0));
        ref_hf = fmax(ref_hf, r->track_hf_db[k]);
    }
    double ref_lufs = ref_e > 0.0 ? 10.0 * log10(ref_e) : -HUGE_VAL;
    for (size_t k = refs; k < tracks && refs; k++) {
        double l = r->tracks[k].integrated_lufs, hf = r->track_hf_db[k];
        clock_text(at, sizeof at, s->track_start[k], st->rate);
        if (isfinite(l) && isfinite(ref_lufs) && l > ref_lufs + PM_VINYL_LATE_LOUD_LU)
            warn(f, "%c%zu (at %s) is %.1f LUFS, %.1f LU louder than the loudest of the side's "
                 "first half (margin %.0f LU): loud tracks belong on the outer grooves", letter,
                 k + 1, at, l, l - ref_lufs, PM_VINYL_LATE_LOUD_LU);
        if (isfinite(hf) && isfinite(ref_hf) && hf > ref_hf + PM_VINYL_LATE_BRIGHT_DB)
            warn(f, "%c%zu (at %s) has %.1f dB more 4-10 kHz energy than the brightest of the "
                 "side's first half (margin %.0f dB): the inner grooves distort bright material",
                 letter, k + 1, at, hf - ref_hf, PM_VINYL_LATE_BRIGHT_DB);
    }
}

/* The checks that prove a side (DESIGN.md "Verification: Vinyl"). */
static void side_checks(finish_ctx *f, size_t i, const side_read *r)
{
    pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    size_t tracks = s->last - s->first + 1;
    int64_t want = s->end - s->start;
    add_check(f, r->opened && r->frames == want && r->rate == st->rate && r->channels == 2,
              "vinyl/%s: %lld samples at %d Hz, as the cutting sheet says (%lld)", s->name,
              (long long)r->frames, r->rate, (long long)want);
    int cues_ok = r->opened && r->cue_count == tracks;
    for (size_t k = 0; cues_ok && k < tracks; k++)
        cues_ok = r->cues[k] == s->track_start[k];
    add_check(f, cues_ok, "vinyl/%s: %u cue markers, on the %zu track starts of the sheet",
              s->name, r->cue_count, tracks);
    double sec = (double)r->frames / (double)st->rate;
    char len[32], max[32];
    clock_text(len, sizeof len, r->frames, st->rate);
    seconds_text(max, sizeof max, plan->side_max_sec);
    add_check(f, sec <= plan->side_max_sec, "vinyl/%s: side %c is %s, within the maximum %s",
              s->name, plan->sides[i].letter, len, max);
    double tp = peak_dbtp(&r->whole);
    add_check(f, r->opened && tp <= st->p->vinyl.ceiling_dbtp + PEAK_TOLERANCE_DB,
              "vinyl/%s: true peak %.2f dBTP (8x), within the %.1f dBTP ceiling", s->name, tp,
              st->p->vinyl.ceiling_dbtp);
}

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* The sheet and the report's sides. */
static void write_side(finish_ctx *f, size_t i, const side_read *r, pm_strbuf *sheet,
                       pm_strbuf *json)
{
    pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    const pm_vinyl_target *v = &st->p->vinyl;
    char letter = plan->sides[i].letter, a[32], b[32], c[32], rec[32], max[32];
    const char *etching = NULL;
    /* written sides are planned one for one, in order (plan.c) */
    if (!plan->sides_automatic && i < v->side_count)
        etching = v->sides[i].etching;
    size_t tracks = s->last - s->first + 1;
    double sec = (double)r->frames / (double)st->rate;
    clock_text(a, sizeof a, r->frames, st->rate);
    seconds_text(rec, sizeof rec, plan->side_recommended_sec);
    seconds_text(max, sizeof max, plan->side_max_sec);
    pm_strbuf_printf(sheet, "\nSIDE %c   %s\n", letter, s->name);
    pm_strbuf_printf(sheet, "  %-4s %-32s %-24s %-24s %s\n", "Pos", "Title", "Start", "End",
                     "Length");
    pm_strbuf_printf(json, "%s\n    {\"side\": \"%c\", \"file\": ", i ? "," : "", letter);
    pm_strbuf_json_string(json, s->name);
    pm_strbuf_printf(json, ", \"samples\": %lld, ", (long long)r->frames);
    json_num(json, "seconds", sec, 3);
    pm_strbuf_append(json, ", ");
    json_num(json, "recommended_sec", plan->side_recommended_sec, 0);
    pm_strbuf_append(json, ", ");
    json_num(json, "max_sec", plan->side_max_sec, 0);
    pm_strbuf_append(json, ", \"tracks\": [");
    for (size_t k = 0; k < tracks; k++) {
        const pm_plan_item *it = &plan->items[s->first + k];
        int64_t t0 = s->track_start[k], t1 = s->track_end[k];
        char pos[32], sa[48], sb[48];
        snprintf(pos, sizeof pos, "%c%zu", letter, k + 1);
        clock_text(b, sizeof b, t0, st->rate);
        clock_text(c, sizeof c, t1, st->rate);
        snprintf(sa, sizeof sa, "%s (%lld)", b, (long long)t0);
        snprintf(sb, sizeof sb, "%s (%lld)", c, (long long)t1);
        clock_text(c, sizeof c, t1 - t0, st->rate);
        pm_strbuf_printf(sheet, "  %-4s %-32s %-24s %-24s %s\n", pos,
                         text_or_empty(it->track->text.title), sa, sb, c);
        pm_strbuf_printf(json, "%s\n      {\"position\": \"%s\", \"number\": %d, \"title\": ",
                         k ? "," : "", pos, it->number);
        pm_strbuf_json_string(json, text_or_empty(it->track->text.title));
        pm_strbuf_printf(json, ", \"start\": %lld, \"end\": %lld, \"length\": %lld, ",
                         (long long)t0, (long long)t1, (long long)(t1 - t0));
        json_num(json, "integrated_lufs", r->tracks[k].integrated_lufs, 2);
        pm_strbuf_append(json, ", ");
        json_num(json, "true_peak_dbtp", peak_dbtp(&r->tracks[k]), 2);
        pm_strbuf_append(json, ", ");
        json_num(json, "hf_4k_10k_db", r->track_hf_db[k], 2);
        pm_strbuf_append(json, "}");
    }
    const char *verdict = sec > plan->side_max_sec ? "OVER THE MAXIMUM"
                          : sec > plan->side_recommended_sec ? "past the recommendation"
                                                             : "within";
    pm_strbuf_printf(sheet, "  Side total: %s (%lld samples); recommended %s, maximum %s: %s\n",
                     a, (long long)r->frames, rec, max, verdict);
    double tp = peak_dbtp(&r->whole), side_lf = -HUGE_VAL;
    char lufs[32] = "silent", corr[48] = "none (no level there)";
    if (isfinite(r->whole.integrated_lufs))
        snprintf(lufs, sizeof lufs, "%.1f LUFS", r->whole.integrated_lufs);
    if (!isnan(r->scan.min_correlation))
        snprintf(corr, sizeof corr, "%.2f", r->scan.min_correlation);
    pm_strbuf_printf(sheet, "  Peak: %.2f dBTP (8x); loudness: %s; minimum correlation below "
                     "300 Hz: %s\n", tp, lufs, corr);
    if (r->scan.side_lf)
        side_lf = pm_vinyl_scan_db(r->scan.side_lf_energy, r->frames, 2);
    pm_strbuf_printf(sheet, "  Format: %ld Hz, %d bit, stereo WAV\n", st->rate, st->bits);
    pm_strbuf_printf(sheet, "  Run-out etching: %s\n", etching ? etching : "(none)");
    pm_strbuf_append(json, "\n    ], ");
    json_num(json, "true_peak_dbtp", tp, 2);
    pm_strbuf_append(json, ", ");
    json_num(json, "integrated_lufs", r->whole.integrated_lufs, 2);
    pm_strbuf_append(json, ", ");
    json_num(json, "min_lf_correlation", r->scan.min_correlation, 3);
    pm_strbuf_append(json, ", ");
    json_num(json, "lf_negative_sec", r->scan.negative_sec, 2);
    pm_strbuf_append(json, ", ");
    json_num(json, "side_lf_dbfs", side_lf, 1);
    pm_strbuf_append(json, ", ");
    json_num(json, "infrasonic_dbfs", pm_vinyl_scan_db(r->scan.infra_energy, r->frames, 2), 1);
    pm_strbuf_printf(json, ", \"sibilant_moments\": %zu, \"etching\": ", r->scan.sib_moments);
    if (etching)
        pm_strbuf_json_string(json, etching);
    else
        pm_strbuf_append(json, "null");
    pm_strbuf_append(json, "}");
}

/* The mono-bass promise over all sides: their side channel below half the crossover against
 * the stream's before the vinyl stages, as energy sums (the dropped gaps are silence). */
static void mono_check(finish_ctx *f, const side_read *reads, pm_strbuf *json)
{
    pm_format_stage *st = f->st;
    const pm_vinyl_target *v = &st->p->vinyl;
    const pm_vinyl_probe_figures *k = &st->kept;
    double out = 0.0;
    int64_t frames = 0;
    for (size_t i = 0; i < st->side_count; i++) {
        out += reads[i].scan.side_lf_energy;
        frames += reads[i].frames;
    }
    double in = k->before.side_lf_energy;
    double down = in > 0.0 && out > 0.0 ? 10.0 * log10(in / out) : HUGE_VAL;
    double out_db = pm_vinyl_scan_db(out, frames, 2);
    double in_db = pm_vinyl_scan_db(in, k->frames, 2);
    json_num(json, "side_lf_before_dbfs", in_db, 1);
    pm_strbuf_append(json, ", ");
    json_num(json, "side_lf_after_dbfs", out_db, 1);
    pm_strbuf_append(json, ", ");
    if (!v->has_mono_below)
        return;
    add_check(f, k->valid && (down >= PM_VINYL_SIDE_LF_DOWN_DB ||
                              out_db <= PM_VINYL_SIDE_LF_FLOOR_DBFS),
              "vinyl: the side channel below %.0f Hz is %.1f dB under the master's (%.1f dBFS), "
              "at least %.0f dB or under %.0f dBFS", v->mono_below_hz / 2.0, down, out_db,
              PM_VINYL_SIDE_LF_DOWN_DB, PM_VINYL_SIDE_LF_FLOOR_DBFS);
}

/* The sides hold every track once, in order: A starts at track 1, each side goes on where the
 * last stopped, the last ends with the last track. */
static void cover_check(finish_ctx *f)
{
    const pm_plan *plan = f->st->p->plan;
    size_t next = plan->first_track;
    int ok = 1;
    for (size_t i = 0; i < plan->side_count; i++) {
        ok &= plan->sides[i].first == next && plan->sides[i].last >= plan->sides[i].first;
        next = plan->sides[i].last + 1;
    }
    ok &= next == plan->item_count;
    add_check(f, ok, "vinyl: the %zu sides hold all %zu tracks once, in order", plan->side_count,
              plan->item_count - plan->first_track);
}

pm_status pm_vinyl_finish(pm_format_stage *st, const pm_target_result *results,
                          pm_strbuf *report, pm_format_check *checks, size_t max_checks,
                          size_t *check_count, pm_diag *diag)
{
    const pm_project *p = st->p;
    const pm_vinyl_target *v = &p->vinyl;
    const pm_target_result *res = &results[0];
    finish_ctx f = {.st = st, .checks = checks, .max_checks = max_checks,
                    .check_count = check_count, .diag = diag};
    pm_strbuf_init(&f.warnings);
    side_read *reads = pm_alloc_zeroed(st->side_count, sizeof *reads);
    if (!reads)
        return PM_ERR_NOMEM;
    pm_status status = PM_OK;
    for (size_t i = 0; status == PM_OK && i < st->side_count; i++)
        status = read_side(&f, i, &reads[i]);
    pm_strbuf sheet;
    pm_strbuf_init(&sheet);
    if (status == PM_OK) {
        pm_strbuf_printf(&sheet, "CUTTING SHEET\n\nCatalog:  %s\nArtist:   %s\nAlbum:    %s\n",
                         p->album.catalog ? p->album.catalog : "(none)",
                         text_or_empty(p->album.text.artist), text_or_empty(p->album.text.title));
        pm_strbuf_printf(&sheet, "Record:   %d\" at %s rpm, %zu side%s\n", v->size_in,
                         v->speed_rpm == 33 ? "33 1/3" : "45", st->side_count,
                         st->side_count == 1 ? "" : "s");
        pm_strbuf_printf(&sheet, "Masters:  %ld Hz, %d bit WAV, one per side, a cue marker at "
                         "each track start\n", st->rate, st->bits);
        pm_strbuf_printf(&sheet, "Ceiling:  %.1f dBTP (limiter release %.0f ms)", v->ceiling_dbtp,
                         v->release_sec * 1000.0);
        if (v->has_mono_below)
            pm_strbuf_printf(&sheet, "; mono below %.0f Hz", v->mono_below_hz);
        if (v->has_deess)
            pm_strbuf_printf(&sheet, "; de-esser at %.0f Hz (%.0f dB, range %.0f dB)", v->deess_hz,
                             v->deess_threshold_db, v->deess_range_db);
        pm_strbuf_append(&sheet, "\n");
        pm_strbuf_append(report, "{\"format\": \"vinyl\", ");
        pm_strbuf_printf(report, "\"size\": %d, \"speed\": %d, \"rate\": %ld, \"bits\": %d, ",
                         v->size_in, v->speed_rpm, st->rate, st->bits);
        json_num(report, "ceiling_dbtp", v->ceiling_dbtp, 2);
        pm_strbuf_append(report, ", ");
        pm_format_target_json(report, res);
        pm_strbuf_append(report, ",\n  \"sheet\": \"cutting-sheet.txt\",\n  ");
        const pm_vinyl_probe_figures *k = &st->kept;
        pm_strbuf_append(report, "\"fixed\": {");
        mono_check(&f, reads, report);
        json_num(report, "min_lf_correlation_before", k->before.min_correlation, 3);
        pm_strbuf_append(report, ", ");
        json_num(report, "lf_negative_sec_before", k->before.negative_sec, 2);
        pm_strbuf_printf(report, ", \"sibilant_moments_before\": %zu, ", k->before.sib_moments);
        json_num(report, "deess_active_sec", k->deess_active_sec, 3);
        pm_strbuf_append(report, ", ");
        json_num(report, "deess_max_reduction_db", k->deess_max_reduction_db, 2);
        pm_strbuf_append(report, "},\n  \"sides\": [");
        double negative_after = 0.0;
        size_t sib_after = 0;
        for (size_t i = 0; i < st->side_count; i++) {
            side_checks(&f, i, &reads[i]);
            side_warnings(&f, i, &reads[i]);
            write_side(&f, i, &reads[i], &sheet, report);
            negative_after += reads[i].scan.negative_sec;
            sib_after += reads[i].scan.sib_moments;
        }
        cover_check(&f);
        if (k->valid && (v->has_mono_below || v->has_deess))
            pm_diag_add(diag, PM_SEV_NOTE, p->path, v->line, NULL,
                        "vinyl: correlation below 300 Hz negative for %.1f s in the master, %.1f s "
                        "on the sides; sibilant moments %zu in the master, %zu on the sides (the "
                        "de-esser reduced %.2f s by up to %.1f dB)",
                        k->before.negative_sec, negative_after, k->before.sib_moments, sib_after,
                        k->deess_active_sec, k->deess_max_reduction_db);
        char *w = pm_strbuf_take(&f.warnings);
        pm_strbuf_printf(report, "\n  ],\n  \"warnings\": [%s%s]}", w ? w : "",
                         f.warning_count ? "\n    " : "");
        free(w);
        char path[4096];
        char *text = pm_strbuf_take(&sheet);
        if (!text)
            status = PM_ERR_NOMEM;
        else if (pm_path_join(path, sizeof path, st->dir, "cutting-sheet.txt") != 0)
            status = PM_ERR_IO;
        else
            status = pm_write_file_atomic(path, text, strlen(text), diag);
        free(text);
        if (status == PM_OK && report->failed)
            status = PM_ERR_NOMEM;
    }
    pm_strbuf_fini(&sheet);
    pm_strbuf_fini(&f.warnings);
    for (size_t i = 0; i < st->side_count; i++) {
        free(reads[i].tracks);
        free(reads[i].track_hf_db);
    }
    free(reads);
    return status;
}
