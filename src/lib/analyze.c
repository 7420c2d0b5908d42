/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `premaster analyze`: every file through the meter (dsp/meter.h), and the table or JSON. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "audiofile.h"
#include "diag.h"
#include "dsp/meter.h"
#include "dsp/truepeak.h"
#include "strbuf.h"
#include "units.h"

enum { BLOCK = 4096 };

typedef struct analysed_file {
    char *path;
    char format[96];
    pm_meter_result r;
} analysed_file;

struct pm_analysis {
    analysed_file *files;
    size_t count;
    int album;
    double album_integrated_lufs, album_range_lu;
};

void pm_analysis_free(pm_analysis *analysis)
{
    if (!analysis)
        return;
    for (size_t i = 0; i < analysis->count; i++)
        free(analysis->files[i].path);
    free(analysis->files);
    free(analysis);
}

/* Measure one file into *file and leave its meter in *meter (for the album figures). */
static pm_status analyse_one(const char *path, analysed_file *file, pm_meter **meter,
                             pm_diag *diag)
{
    char why[256];
    pm_audiofile *audio = NULL;
    pm_status status = pm_audiofile_open(path, BLOCK, &audio, why, sizeof why);
    if (status != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot be read as audio: %s", why);
        return status == PM_ERR_NOMEM ? status : PM_ERR_INVALID;
    }
    const SF_INFO *info = pm_audiofile_info(audio);
    pm_audiofile_describe(info, file->format, sizeof file->format);
    double *planar[PM_METER_MAX_CHANNELS] = {0};
    if (info->channels > PM_METER_MAX_CHANNELS) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "has %d channels; analyze measures files of 1 to %d channels",
                    info->channels, PM_METER_MAX_CHANNELS);
        status = PM_ERR_INVALID;
        goto done;
    }
    status = pm_meter_new(info->channels, info->samplerate, PM_METER_EBUR128_TRUE_PEAK, meter);
    if (status == PM_ERR_INVALID)
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "has a rate of %d Hz; analyze measures 8 kHz to 384 kHz", info->samplerate);
    if (status != PM_OK)
        goto done;
    status = PM_ERR_NOMEM;
    for (int c = 0; c < info->channels; c++)
        if (!(planar[c] = pm_alloc_array(BLOCK, sizeof(double))))
            goto done;
    status = PM_OK;
    size_t got;
    long long frames_read = 0;
    while (status == PM_OK && (got = pm_audiofile_read(audio, planar, BLOCK)) > 0) {
        status = pm_meter_process(*meter, (const double *const *)planar, got);
        frames_read += (long long)got;
    }
    if (status == PM_OK && pm_audiofile_failed(audio)) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "read error after %lld of %lld frames: the file is damaged or truncated",
                    frames_read, (long long)info->frames);
        status = PM_ERR_INVALID;
    }
    if (status == PM_OK)
        status = pm_meter_finish(*meter, &file->r);
done:
    for (int c = 0; c < PM_METER_MAX_CHANNELS; c++)
        free(planar[c]);
    pm_audiofile_close(audio);
    return status;
}

pm_status pm_analyze_files(const char *const *paths, size_t count, int album, pm_diag *diag,
                           pm_analysis **out)
{
    *out = NULL;
    pm_analysis *a = pm_alloc_zeroed(1, sizeof *a);
    analysed_file *files = pm_alloc_zeroed(count ? count : 1, sizeof *files);
    pm_meter **meters = pm_alloc_zeroed(count ? count : 1, sizeof *meters);
    pm_status status = PM_ERR_NOMEM;
    if (!a || !files || !meters)
        goto fail;
    a->files = files;
    a->album = album;
    int any_failed = 0;
    for (size_t i = 0; i < count; i++) {
        analysed_file *f = &a->files[a->count];
        memset(f, 0, sizeof *f);
        pm_meter *meter = NULL;
        pm_status s = analyse_one(paths[i], f, &meter, diag);
        if (s == PM_ERR_NOMEM) {
            pm_meter_free(meter);
            goto fail;
        }
        if (s != PM_OK) {
            pm_meter_free(meter);
            any_failed = 1;
            continue;
        }
        if (!(f->path = pm_strdup(paths[i]))) {
            pm_meter_free(meter);
            goto fail;
        }
        meters[a->count++] = meter;
    }
    a->album_integrated_lufs = a->album_range_lu = NAN;
    if (album && a->count > 0) {
        status = pm_meter_album(meters, a->count, &a->album_integrated_lufs, &a->album_range_lu);
        if (status != PM_OK)
            goto fail;
    }
    for (size_t i = 0; i < a->count; i++)
        pm_meter_free(meters[i]);
    free(meters);
    if (a->count == 0) {
        pm_analysis_free(a);
        return PM_ERR_INVALID;
    }
    *out = a;
    return any_failed ? PM_ERR_INVALID : PM_OK;
fail:
    for (size_t i = 0; meters && i < count; i++)
        pm_meter_free(meters[i]);
    free(meters);
    if (a)
        pm_analysis_free(a);
    else
        free(files);
    return status;
}

/* ---- figures shared by the table and JSON --------------------------------------------------- */

static double max_of(const double *v, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static double file_true_peak(const pm_meter_result *r)
{
    return max_of(r->true_peak, r->channels);
}

/* The largest |DC| of any channel, in dBFS. */
static double worst_dc_db(const pm_meter_result *r)
{
    double worst = 0.0;
    for (int c = 0; c < r->channels; c++)
        worst = fabs(r->dc[c]) > worst ? fabs(r->dc[c]) : worst;
    return pm_db_from_linear(worst);
}

static uint64_t total_clipped(const pm_meter_result *r)
{
    uint64_t n = 0;
    for (int c = 0; c < r->channels; c++)
        n += r->clipped[c];
    return n;
}

typedef struct album_figures {
    double max_momentary, max_shortterm, sample_peak, true_peak, true_peak_ebur128;
    double min_lf, min_lf_sec;
    const char *min_lf_file;
    uint64_t clipped;
    double seconds;
} album_figures;

static album_figures album_of(const pm_analysis *a)
{
    album_figures f = {-HUGE_VAL, -HUGE_VAL, 0, 0, 0, NAN, NAN, NULL, 0, 0};
    for (size_t i = 0; i < a->count; i++) {
        const pm_meter_result *r = &a->files[i].r;
        f.max_momentary = fmax(f.max_momentary, r->max_momentary_lufs);
        f.max_shortterm = fmax(f.max_shortterm, r->max_shortterm_lufs);
        f.sample_peak = fmax(f.sample_peak, max_of(r->sample_peak, r->channels));
        f.true_peak = fmax(f.true_peak, file_true_peak(r));
        f.true_peak_ebur128 = fmax(f.true_peak_ebur128, max_of(r->true_peak_ebur128, r->channels));
        if (!isnan(r->min_lf_correlation) && (isnan(f.min_lf) || r->min_lf_correlation < f.min_lf)) {
            f.min_lf = r->min_lf_correlation;
            f.min_lf_sec = r->min_lf_correlation_sec;
            f.min_lf_file = a->files[i].path;
        }
        f.clipped += total_clipped(r);
        f.seconds += (double)r->frames / r->rate_hz;
    }
    return f;
}

/* ---- the table ------------------------------------------------------------------------------ */

/* A figure in a column of `width`, or "-" where it has no value (silence, mono). */
static void cell(pm_strbuf *out, double value, int width, int decimals)
{
    if (isfinite(value))
        pm_strbuf_printf(out, " %*.*f", width, decimals, value);
    else
        pm_strbuf_printf(out, " %*s", width, isinf(value) && value < 0 ? "-inf" : "-");
}

static void lf_cell(pm_strbuf *out, double r, double sec)
{
    char at[32] = "";
    if (!isnan(r)) {
        char t[24];
        pm_format_seconds(sec, t, sizeof t);
        snprintf(at, sizeof at, "%5.2f @ %s", r, t);
    } else
        snprintf(at, sizeof at, "-");
    pm_strbuf_printf(out, " %-18s", at);
}

char *pm_analysis_to_text(const pm_analysis *a)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    pm_strbuf_append(&out, "  I LUFS  LRA LU  max M  max S  peak dBFS  TP dBTP  TP ebur128  PLR dB"
                           "  DC dBFS   corr  corr<300Hz min     clipped  duration    rate  ch  "
                           "format / file\n");
    for (size_t i = 0; i < a->count; i++) {
        const analysed_file *f = &a->files[i];
        const pm_meter_result *r = &f->r;
        double tp = pm_db_from_linear(file_true_peak(r));
        cell(&out, r->integrated_lufs, 7, 2);
        cell(&out, r->range_lu, 6, 1);
        cell(&out, r->max_momentary_lufs, 6, 1);
        cell(&out, r->max_shortterm_lufs, 6, 1);
        cell(&out, pm_db_from_linear(max_of(r->sample_peak, r->channels)), 10, 2);
        cell(&out, tp, 8, 2);
        cell(&out, pm_db_from_linear(max_of(r->true_peak_ebur128, r->channels)), 11, 2);
        cell(&out, tp - r->integrated_lufs, 7, 2);
        cell(&out, worst_dc_db(r), 8, 1);
        cell(&out, r->correlation, 6, 2);
        lf_cell(&out, r->min_lf_correlation, r->min_lf_correlation_sec);
        char duration[24];
        pm_format_seconds((double)r->frames / r->rate_hz, duration, sizeof duration);
        pm_strbuf_printf(&out, " %8llu  %-9s %6.0f  %2d  %s  %s\n",
                         (unsigned long long)total_clipped(r), duration, r->rate_hz, r->channels,
                         f->format, f->path);
    }
    if (a->album && a->count > 0) {
        album_figures f = album_of(a);
        double tp = pm_db_from_linear(f.true_peak);
        cell(&out, a->album_integrated_lufs, 7, 2);
        cell(&out, a->album_range_lu, 6, 1);
        cell(&out, f.max_momentary, 6, 1);
        cell(&out, f.max_shortterm, 6, 1);
        cell(&out, pm_db_from_linear(f.sample_peak), 10, 2);
        cell(&out, tp, 8, 2);
        cell(&out, pm_db_from_linear(f.true_peak_ebur128), 11, 2);
        cell(&out, tp - a->album_integrated_lufs, 7, 2);
        pm_strbuf_printf(&out, " %8s %6s", "", "");
        lf_cell(&out, f.min_lf, f.min_lf_sec);
        char duration[24];
        pm_format_seconds(f.seconds, duration, sizeof duration);
        pm_strbuf_printf(&out, " %8llu  %-9s %6s  %2s  album of %zu file%s\n",
                         (unsigned long long)f.clipped, duration, "", "", a->count,
                         a->count == 1 ? "" : "s");
    }
    return pm_strbuf_take(&out);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

static void json_channels_db(pm_strbuf *out, const char *key, const double *v, int n)
{
    pm_strbuf_printf(out, "\"%s\": [", key);
    for (int c = 0; c < n; c++) {
        pm_strbuf_append(out, c ? ", " : "");
        pm_strbuf_json_number(out, pm_db_from_linear(fabs(v[c])), 3);
    }
    pm_strbuf_append(out, "]");
}

char *pm_analysis_to_json(const pm_analysis *a)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    pm_strbuf_append(&out, "{\"files\": [");
    for (size_t i = 0; i < a->count; i++) {
        const analysed_file *f = &a->files[i];
        const pm_meter_result *r = &f->r;
        double tp = pm_db_from_linear(file_true_peak(r));
        pm_strbuf_append(&out, i ? ",\n  {" : "\n  {");
        pm_strbuf_append(&out, "\"path\": ");
        pm_strbuf_json_string(&out, f->path);
        pm_strbuf_append(&out, ", \"format\": ");
        pm_strbuf_json_string(&out, f->format);
        pm_strbuf_printf(&out, ", \"rate_hz\": %.0f, \"channels\": %d, \"frames\": %lld, ",
                         r->rate_hz, r->channels, (long long)r->frames);
        json_num(&out, "duration_sec", (double)r->frames / r->rate_hz, 6);
        pm_strbuf_append(&out, ",\n   ");
        json_num(&out, "integrated_lufs", r->integrated_lufs, 2);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "range_lu", r->range_lu, 2);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "max_momentary_lufs", r->max_momentary_lufs, 2);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "max_shortterm_lufs", r->max_shortterm_lufs, 2);
        pm_strbuf_append(&out, ",\n   ");
        json_num(&out, "sample_peak_dbfs", pm_db_from_linear(max_of(r->sample_peak, r->channels)),
                 3);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "true_peak_dbtp", tp, 3);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "true_peak_ebur128_dbtp",
                 pm_db_from_linear(max_of(r->true_peak_ebur128, r->channels)), 3);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "plr_db", tp - r->integrated_lufs, 2);
        pm_strbuf_append(&out, ",\n   ");
        json_channels_db(&out, "sample_peak_dbfs_per_channel", r->sample_peak, r->channels);
        pm_strbuf_append(&out, ", ");
        json_channels_db(&out, "true_peak_dbtp_per_channel", r->true_peak, r->channels);
        pm_strbuf_append(&out, ", \"true_peak_frame_per_channel\": [");
        for (int c = 0; c < r->channels; c++)
            pm_strbuf_printf(&out, "%s%lld", c ? ", " : "", (long long)r->true_peak_frame[c]);
        pm_strbuf_append(&out, "],\n   \"dc_per_channel\": [");
        for (int c = 0; c < r->channels; c++) {
            pm_strbuf_append(&out, c ? ", " : "");
            pm_strbuf_json_number(&out, r->dc[c], 9);
        }
        pm_strbuf_append(&out, "], \"clipped_per_channel\": [");
        for (int c = 0; c < r->channels; c++)
            pm_strbuf_printf(&out, "%s%llu", c ? ", " : "", (unsigned long long)r->clipped[c]);
        pm_strbuf_append(&out, "],\n   ");
        json_num(&out, "correlation", r->correlation, 4);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "min_correlation_below_300hz", r->min_lf_correlation, 4);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "min_correlation_below_300hz_at_sec", r->min_lf_correlation_sec, 3);
        pm_strbuf_append(&out, "}");
    }
    pm_strbuf_append(&out, "\n]");
    if (a->album) {
        album_figures f = album_of(a);
        double tp = pm_db_from_linear(f.true_peak);
        pm_strbuf_append(&out, ",\n\"album\": {");
        pm_strbuf_printf(&out, "\"files\": %zu, ", a->count);
        json_num(&out, "duration_sec", f.seconds, 6);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "integrated_lufs", a->album_integrated_lufs, 2);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "range_lu", a->album_range_lu, 2);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "max_momentary_lufs", f.max_momentary, 2);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "max_shortterm_lufs", f.max_shortterm, 2);
        pm_strbuf_append(&out, ",\n  ");
        json_num(&out, "sample_peak_dbfs", pm_db_from_linear(f.sample_peak), 3);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "true_peak_dbtp", tp, 3);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "true_peak_ebur128_dbtp", pm_db_from_linear(f.true_peak_ebur128), 3);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "plr_db", tp - a->album_integrated_lufs, 2);
        pm_strbuf_printf(&out, ", \"clipped\": %llu, ", (unsigned long long)f.clipped);
        json_num(&out, "min_correlation_below_300hz", f.min_lf, 4);
        pm_strbuf_append(&out, ", \"min_correlation_below_300hz_file\": ");
        pm_strbuf_json_string(&out, f.min_lf_file);
        pm_strbuf_append(&out, ", ");
        json_num(&out, "min_correlation_below_300hz_at_sec", f.min_lf_sec, 3);
        pm_strbuf_append(&out, "}");
    }
    pm_strbuf_append(&out, "}\n");
    return pm_strbuf_take(&out);
}
