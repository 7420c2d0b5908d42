/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vinyl format's finish (vinyl.h): the sides read back from disk, cutting-sheet.txt, the
 * warnings of the checks that are advice (correlation, sibilance, infrasonic, late tracks) and
 * the format's object in report.json; then the proof of vinyl_verify.c on what was read back.
 * Everything the sheet and the report say is measured on the files as written, not on the
 * stream that was sent to them - but for the one figure of the master that the mono-bass check
 * compares with, which the sheet carries for verify.
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

typedef struct finish_ctx {
    pm_format_stage *st;
    pm_diag *diag;
    pm_strbuf warnings; /* JSON strings, comma-separated */
    size_t warning_count;
} finish_ctx;

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

void pm_vinyl_clock_text(char *out, size_t size, int64_t frames, long rate)
{
    int64_t ms = (frames * 1000 + rate / 2) / rate;
    snprintf(out, size, "%02lld:%02lld.%03lld", (long long)(ms / 60000),
             (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

void pm_vinyl_minutes_text(char *out, size_t size, double sec)
{
    long s = lround(sec);
    snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

static double peak_dbtp(const pm_meter_result *r)
{
    return pm_db_from_linear(fmax(r->true_peak[0], r->true_peak[1]));
}

/* The checks that are warnings: correlation, sibilance, infrasonic, late tracks. */
static void side_warnings(finish_ctx *f, size_t i, const pm_vinyl_side_read *r)
{
    pm_format_stage *st = f->st;
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    char letter = plan->sides[i].letter, at[32];
    /* side lengths past the recommendation are warned about by the plan's validation */
    const pm_vinyl_scan *sc = &r->scan;
    for (size_t k = 0; k < sc->stretch_count && k < PM_VINYL_MAX_STRETCHES; k++) {
        pm_vinyl_clock_text(at, sizeof at, sc->stretches[k].start, st->rate);
        warn(f, "side %c: the correlation below 300 Hz is negative from %s for %.1f s (down to "
             "%.2f): out-of-phase bass cuts a vertical groove", letter, at,
             (double)sc->stretches[k].frames / (double)st->rate, sc->stretches[k].min_correlation);
    }
    if (sc->stretch_count > PM_VINYL_MAX_STRETCHES)
        warn(f, "side %c: and %zu more stretches of negative correlation below 300 Hz (%.1f s in "
             "all)", letter, sc->stretch_count - PM_VINYL_MAX_STRETCHES, sc->negative_sec);
    if (sc->sib_moments) {
        pm_vinyl_clock_text(at, sizeof at, sc->sib_loudest_at, st->rate);
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
        pm_vinyl_clock_text(at, sizeof at, s->track_start[k], st->rate);
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

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* Side i's run-out etching, or NULL. */
static const char *etching_of(const pm_format_stage *st, size_t i)
{
    const pm_plan *plan = st->p->plan;
    /* written sides are planned one for one, in order (plan.c) */
    if (!plan->sides_automatic && i < st->p->vinyl.side_count)
        return st->p->vinyl.sides[i].etching;
    return NULL;
}

/* A level in dBFS RMS for the sheet, or "silent". */
static void level_text(char *out, size_t size, double energy, int64_t frames)
{
    double db = pm_vinyl_scan_db(energy, frames, 2);
    if (isfinite(db))
        snprintf(out, size, "%.2f dBFS RMS", db);
    else
        snprintf(out, size, "silent");
}

#define MONO_LINE "Mono bass: the side channel below "

/* Side i on the sheet. */
static void sheet_side(const pm_format_stage *st, size_t i, const pm_vinyl_side_read *r,
                       const pm_vinyl_mono_before *before, pm_strbuf *sheet)
{
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    char letter = plan->sides[i].letter, a[32], b[32], c[32], rec[32], max[32];
    const char *etching = etching_of(st, i);
    size_t tracks = s->last - s->first + 1;
    double sec = (double)r->frames / (double)st->rate;
    pm_vinyl_clock_text(a, sizeof a, r->frames, st->rate);
    pm_vinyl_minutes_text(rec, sizeof rec, plan->side_recommended_sec);
    pm_vinyl_minutes_text(max, sizeof max, plan->side_max_sec);
    pm_strbuf_printf(sheet, "\nSIDE %c   %s\n", letter, s->name);
    pm_strbuf_printf(sheet, "  %-4s %-32s %-24s %-24s %s\n", "Pos", "Title", "Start", "End",
                     "Length");
    for (size_t k = 0; k < tracks; k++) {
        const pm_plan_item *it = &plan->items[s->first + k];
        int64_t t0 = s->track_start[k], t1 = s->track_end[k];
        char pos[32], sa[48], sb[48];
        snprintf(pos, sizeof pos, "%c%zu", letter, k + 1);
        pm_vinyl_clock_text(b, sizeof b, t0, st->rate);
        pm_vinyl_clock_text(c, sizeof c, t1, st->rate);
        snprintf(sa, sizeof sa, "%s (%lld)", b, (long long)t0);
        snprintf(sb, sizeof sb, "%s (%lld)", c, (long long)t1);
        pm_vinyl_clock_text(c, sizeof c, t1 - t0, st->rate);
        pm_strbuf_printf(sheet, "  %-4s %-32s %-24s %-24s %s\n", pos,
                         text_or_empty(it->track->text.title), sa, sb, c);
    }
    const char *verdict = sec > plan->side_max_sec ? "OVER THE MAXIMUM"
                          : sec > plan->side_recommended_sec ? "past the recommendation"
                                                             : "within";
    pm_strbuf_printf(sheet, "  Side total: %s (%lld samples); recommended %s, maximum %s: %s\n",
                     a, (long long)r->frames, rec, max, verdict);
    char lufs[32] = "silent", corr[48] = "none (no level there)";
    if (isfinite(r->whole.integrated_lufs))
        snprintf(lufs, sizeof lufs, "%.1f LUFS", r->whole.integrated_lufs);
    if (!isnan(r->scan.min_correlation))
        snprintf(corr, sizeof corr, "%.2f", r->scan.min_correlation);
    pm_strbuf_printf(sheet, "  Peak: %.2f dBTP (8x); loudness: %s; minimum correlation below "
                     "300 Hz: %s\n", peak_dbtp(&r->whole), lufs, corr);
    if (st->p->vinyl.has_mono_below) {
        /* the master's level over the side's span comes from the render: verify reads it back
         * from this line; both levels are over the side's planned length */
        char in_text[48] = "unknown", out_text[48];
        int64_t frames = s->end - s->start;
        if (before)
            level_text(in_text, sizeof in_text, before->energy[i], frames);
        level_text(out_text, sizeof out_text, r->scan.side_lf_energy, frames);
        pm_strbuf_printf(sheet, "  " MONO_LINE "%.0f Hz: %s in the master, %s here\n",
                         st->p->vinyl.mono_below_hz / 2.0, in_text, out_text);
    }
    pm_strbuf_printf(sheet, "  Format: %ld Hz, %d bit, stereo WAV\n", st->rate, st->bits);
    pm_strbuf_printf(sheet, "  Run-out etching: %s\n", etching ? etching : "(none)");
}

pm_status pm_vinyl_sheet_text(const pm_format_stage *st, const pm_vinyl_reads *reads,
                              const pm_vinyl_mono_before *before, char **text)
{
    const pm_project *p = st->p;
    const pm_vinyl_target *v = &p->vinyl;
    pm_strbuf sheet;
    pm_strbuf_init(&sheet);
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
    if (v->has_loudness)
        pm_strbuf_printf(&sheet, "Loudness: %.1f LUFS for the record: its sides joined measure "
                         "%.2f LUFS\n", v->loudness_lufs, reads->record_lufs);
    for (size_t i = 0; i < reads->count; i++)
        sheet_side(st, i, &reads->sides[i], before, &sheet);
    *text = pm_strbuf_take(&sheet);
    return *text ? PM_OK : PM_ERR_NOMEM;
}

int pm_vinyl_sheet_mono_before(const char *sheet, char letter, int64_t frames, double *energy)
{
    char head[16];
    snprintf(head, sizeof head, "\nSIDE %c ", letter);
    const char *side = strstr(sheet, head);
    const char *next = side ? strstr(side + 1, "\nSIDE ") : NULL;
    const char *line = side ? strstr(side, "\n  " MONO_LINE) : NULL;
    const char *at = line ? strstr(line, " Hz: ") : NULL;
    const char *eol = line ? strchr(line + 1, '\n') : NULL;
    if (!at || (next && line > next) || (eol && at > eol))
        return -1;
    at += strlen(" Hz: ");
    double db = -HUGE_VAL;
    if (strncmp(at, "silent", 6) == 0) {
        at += 6;
    } else {
        char *end;
        db = strtod(at, &end);
        if (end == at || !isfinite(db) || strncmp(end, " dBFS RMS", 9) != 0)
            return -1;
        at = end + 9;
    }
    if (strncmp(at, " in the master,", 15) != 0)
        return -1;
    /* back to a sum of squares over both channels, as pm_vinyl_scan_db took it */
    *energy = isfinite(db) ? pow(10.0, db / 10.0) * (double)frames * 2.0 : 0.0;
    return 0;
}

/* Side i in the report. */
static void json_side(const pm_format_stage *st, size_t i, const pm_vinyl_side_read *r,
                      pm_strbuf *json)
{
    const pm_vinyl_side_out *s = &st->sides[i];
    const pm_plan *plan = st->p->plan;
    const char *etching = etching_of(st, i);
    size_t tracks = s->last - s->first + 1;
    pm_strbuf_printf(json, "%s\n    {\"side\": \"%c\", \"file\": ", i ? "," : "",
                     plan->sides[i].letter);
    pm_strbuf_json_string(json, s->name);
    pm_strbuf_printf(json, ", \"samples\": %lld, ", (long long)r->frames);
    json_num(json, "seconds", (double)r->frames / (double)st->rate, 3);
    pm_strbuf_append(json, ", ");
    json_num(json, "recommended_sec", plan->side_recommended_sec, 0);
    pm_strbuf_append(json, ", ");
    json_num(json, "max_sec", plan->side_max_sec, 0);
    pm_strbuf_append(json, ", \"tracks\": [");
    for (size_t k = 0; k < tracks; k++) {
        const pm_plan_item *it = &plan->items[s->first + k];
        int64_t t0 = s->track_start[k], t1 = s->track_end[k];
        pm_strbuf_printf(json, "%s\n      {\"position\": \"%c%zu\", \"number\": %d, \"title\": ",
                         k ? "," : "", plan->sides[i].letter, k + 1, it->number);
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
    double side_lf = r->scan.side_lf ? pm_vinyl_scan_db(r->scan.side_lf_energy, r->frames, 2)
                                     : -HUGE_VAL;
    pm_strbuf_append(json, "\n    ], ");
    json_num(json, "true_peak_dbtp", peak_dbtp(&r->whole), 2);
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

/* The report's "fixed": what the vinyl stages changed, the master's figures against the
 * sides'. */
static void json_fixed(const pm_format_stage *st, const pm_vinyl_reads *reads, pm_strbuf *json)
{
    const pm_vinyl_probe_figures *k = &st->kept;
    double out = 0.0;
    int64_t frames = 0;
    for (size_t i = 0; i < reads->count; i++) {
        out += reads->sides[i].scan.side_lf_energy;
        frames += reads->sides[i].frames;
    }
    pm_strbuf_append(json, "\"fixed\": {");
    json_num(json, "side_lf_before_dbfs", pm_vinyl_scan_db(k->before.side_lf_energy, k->frames, 2),
             1);
    pm_strbuf_append(json, ", ");
    json_num(json, "side_lf_after_dbfs", pm_vinyl_scan_db(out, frames, 2), 1);
    pm_strbuf_append(json, ", ");
    json_num(json, "min_lf_correlation_before", k->before.min_correlation, 3);
    pm_strbuf_append(json, ", ");
    json_num(json, "lf_negative_sec_before", k->before.negative_sec, 2);
    pm_strbuf_printf(json, ", \"sibilant_moments_before\": %zu, ", k->before.sib_moments);
    json_num(json, "deess_active_sec", k->deess_active_sec, 3);
    pm_strbuf_append(json, ", ");
    json_num(json, "deess_max_reduction_db", k->deess_max_reduction_db, 2);
    pm_strbuf_append(json, "}");
}

pm_status pm_vinyl_finish(pm_format_stage *st, const pm_target_result *results,
                          pm_strbuf *report, pm_format_check *checks, size_t max_checks,
                          size_t *check_count, pm_diag *diag)
{
    const pm_project *p = st->p;
    const pm_vinyl_target *v = &p->vinyl;
    const pm_target_result *res = &results[0];
    const pm_vinyl_probe_figures *k = &st->kept;
    finish_ctx f = {.st = st, .diag = diag};
    pm_strbuf_init(&f.warnings);
    pm_vinyl_reads reads;
    char *sheet = NULL, path[4096];
    pm_status status = pm_vinyl_read_sides(st, &reads, diag);
    pm_vinyl_mono_before before = {st->side_lf_kept};
    if (status == PM_OK)
        status = pm_vinyl_sheet_text(st, &reads, k->valid ? &before : NULL, &sheet);
    if (status == PM_OK && pm_path_join(path, sizeof path, st->dir, "cutting-sheet.txt") != 0)
        status = PM_ERR_IO;
    if (status == PM_OK)
        status = pm_write_file_atomic(path, sheet, strlen(sheet), diag);
    /* the proof reads the sheet back from disk, as verify does */
    if (status == PM_OK)
        status = pm_vinyl_prove(st, &reads, checks, max_checks, check_count, diag);
    if (status == PM_OK) {
        pm_strbuf_append(report, "{\"format\": \"vinyl\", ");
        pm_strbuf_printf(report, "\"size\": %d, \"speed\": %d, \"rate\": %ld, \"bits\": %d, ",
                         v->size_in, v->speed_rpm, st->rate, st->bits);
        json_num(report, "ceiling_dbtp", v->ceiling_dbtp, 2);
        pm_strbuf_append(report, ", ");
        pm_format_target_json(report, res);
        pm_strbuf_append(report, ", ");
        json_num(report, "record_lufs", reads.record_lufs, 2);
        pm_strbuf_append(report, ",\n  \"sheet\": \"cutting-sheet.txt\",\n  ");
        json_fixed(st, &reads, report);
        pm_strbuf_append(report, ",\n  \"sides\": [");
        double negative_after = 0.0;
        size_t sib_after = 0;
        for (size_t i = 0; i < st->side_count; i++) {
            side_warnings(&f, i, &reads.sides[i]);
            json_side(st, i, &reads.sides[i], report);
            negative_after += reads.sides[i].scan.negative_sec;
            sib_after += reads.sides[i].scan.sib_moments;
        }
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
        if (report->failed)
            status = PM_ERR_NOMEM;
    }
    free(sheet);
    pm_strbuf_fini(&f.warnings);
    pm_vinyl_reads_fini(&reads);
    return status;
}
