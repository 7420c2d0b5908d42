/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/eq.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/biquad.h"

const char *pm_eq_type_name(pm_eq_type type)
{
    switch (type) {
    case PM_EQ_PEAK: return "peak";
    case PM_EQ_LOWSHELF: return "lowshelf";
    case PM_EQ_HIGHSHELF: return "highshelf";
    case PM_EQ_NOTCH: return "notch";
    case PM_EQ_HIGHPASS: return "highpass";
    case PM_EQ_LOWPASS: return "lowpass";
    case PM_EQ_DEEMPHASIS: return "deemphasis";
    }
    return "unknown";
}

/* Copy the frames a zero-latency stage passes through when it is not working in place. */
static void copy_channels(const double *const *in, double *const *out, int channels, size_t n)
{
    for (int c = 0; c < channels; c++)
        if (n && out[c] != in[c])
            memcpy(out[c], in[c], n * sizeof(double));
}

static size_t frames_to_do(size_t in_frames, size_t out_capacity)
{
    return in_frames < out_capacity ? in_frames : out_capacity;
}

/* ---------------------------------------------------------------------------------------------
 * EQ: a cascade of bands.
 */

typedef struct eq_stage {
    pm_stage base;
    pm_eq_band *bands;
    size_t band_count;
    pm_biquad *sections; /* all bands' sections in order, designed at start */
    size_t section_count;
    pm_biquad_state *states; /* [channel * section_count + section] */
    int channels;
} eq_stage;

/* How many sections a band needs; known before the rate is. */
static size_t band_sections(const pm_eq_band *band)
{
    if (band->type == PM_EQ_HIGHPASS || band->type == PM_EQ_LOWPASS)
        return (size_t)(band->order + 1) / 2;
    return 1;
}

/*
 * Add an error about band i, counted from 1 in the message as the user counts them, named by its
 * type and frequency so it can be found in the project.
 */
static PM_PRINTF(4, 5) void band_error(pm_diag *diag, size_t i, const pm_eq_band *band,
                                       const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (band->type == PM_EQ_DEEMPHASIS)
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "eq band %zu (deemphasis): %s", i + 1, what);
    else
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "eq band %zu (%s at %g Hz): %s", i + 1,
                    pm_eq_type_name(band->type), band->freq_hz, what);
}

/* Check one band's parameters that do not depend on the rate; 1 when valid. */
static int band_is_valid(const pm_eq_band *band, size_t i, pm_diag *diag)
{
    int valid = 1;
    switch (band->type) {
    case PM_EQ_PEAK:
    case PM_EQ_LOWSHELF:
    case PM_EQ_HIGHSHELF:
    case PM_EQ_NOTCH:
    case PM_EQ_HIGHPASS:
    case PM_EQ_LOWPASS:
        if (!(isfinite(band->freq_hz) && band->freq_hz > 0)) {
            band_error(diag, i, band, "the frequency must be a positive number of Hz");
            valid = 0;
        }
        break;
    case PM_EQ_DEEMPHASIS: return 1;
    default:
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "eq band %zu: unknown type %d; use peak, lowshelf, highshelf, notch, "
                    "highpass, lowpass or deemphasis",
                    i + 1, (int)band->type);
        return 0;
    }
    int shelf = band->type == PM_EQ_LOWSHELF || band->type == PM_EQ_HIGHSHELF;
    if (band->type == PM_EQ_PEAK || shelf) {
        if (!(fabs(band->gain_db) <= PM_EQ_MAX_GAIN_DB)) {
            band_error(diag, i, band, "gain %g dB is out of range; use -%g to %g dB", band->gain_db,
                       PM_EQ_MAX_GAIN_DB, PM_EQ_MAX_GAIN_DB);
            valid = 0;
        }
    }
    if (shelf && band->slope != 0) {
        double q;
        if (valid && pm_biquad_shelf_q(band->gain_db, band->slope, &q) != PM_OK) {
            band_error(diag, i, band,
                       "shelf slope %g has no real Q at %g dB; use a slope above 0 and at most "
                       "1 for a monotonic shelf",
                       band->slope, band->gain_db);
            valid = 0;
        }
    } else if (band->type == PM_EQ_PEAK || shelf || band->type == PM_EQ_NOTCH) {
        if (!(isfinite(band->q) && band->q > 0)) {
            band_error(diag, i, band, "q %g must be a positive number (0.7 is a broad band)",
                       band->q);
            valid = 0;
        }
    }
    if ((band->type == PM_EQ_HIGHPASS || band->type == PM_EQ_LOWPASS) &&
        (band->order < 1 || band->order > PM_BIQUAD_MAX_ORDER)) {
        band_error(diag, i, band, "order %d is out of range; use 1 to %d", band->order,
                   PM_BIQUAD_MAX_ORDER);
        valid = 0;
    }
    return valid;
}

/* Design band's sections at rate into sections[]; the band was validated at construction. */
static pm_status band_design(const pm_eq_band *band, double rate_hz, pm_biquad *sections)
{
    size_t count;
    double q = band->q;
    switch (band->type) {
    case PM_EQ_PEAK:
        return pm_biquad_design_peak(sections, rate_hz, band->freq_hz, band->gain_db, band->q);
    case PM_EQ_LOWSHELF:
    case PM_EQ_HIGHSHELF:
        if (band->slope != 0 && pm_biquad_shelf_q(band->gain_db, band->slope, &q) != PM_OK)
            return PM_ERR_INVALID;
        return band->type == PM_EQ_LOWSHELF
                   ? pm_biquad_design_lowshelf(sections, rate_hz, band->freq_hz, band->gain_db, q)
                   : pm_biquad_design_highshelf(sections, rate_hz, band->freq_hz, band->gain_db, q);
    case PM_EQ_NOTCH: return pm_biquad_design_notch(sections, rate_hz, band->freq_hz, band->q);
    case PM_EQ_HIGHPASS:
    case PM_EQ_LOWPASS:
        return pm_biquad_design_butterworth(
            sections, &count, band->type == PM_EQ_HIGHPASS ? PM_BIQUAD_HIGHPASS : PM_BIQUAD_LOWPASS,
            band->order, rate_hz, band->freq_hz);
    case PM_EQ_DEEMPHASIS: return pm_biquad_design_deemphasis(sections, rate_hz);
    }
    return PM_ERR_INVALID;
}

static pm_status eq_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                          pm_diag *diag)
{
    eq_stage *eq = (eq_stage *)stage;
    double nyquist_hz = in->rate_hz / 2;
    pm_status status = PM_OK;
    size_t at = 0;
    /* Check every band before giving up, so the user sees all the problems at once. */
    for (size_t i = 0; i < eq->band_count; i++) {
        const pm_eq_band *band = &eq->bands[i];
        if (band->type != PM_EQ_DEEMPHASIS && band->freq_hz >= nyquist_hz) {
            band_error(diag, i, band,
                       "the frequency is at or above the Nyquist frequency (%g Hz at a rate of "
                       "%g Hz); use a frequency below %g Hz",
                       nyquist_hz, in->rate_hz, nyquist_hz);
            status = PM_ERR_INVALID;
        } else if (status == PM_OK) {
            pm_status designed = band_design(band, in->rate_hz, &eq->sections[at]);
            if (designed != PM_OK) {
                band_error(diag, i, band, "cannot be designed at a rate of %g Hz", in->rate_hz);
                status = designed;
            }
        }
        at += band_sections(band);
    }
    if (status != PM_OK)
        return status;
    eq->channels = in->channels;
    pm_biquad_clear(eq->states, PM_STAGE_MAX_CHANNELS * eq->section_count);
    return pm_stage_start_same_format(stage, in, out, diag);
}

static void eq_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                       double *const *out, size_t out_capacity, size_t *produced)
{
    eq_stage *eq = (eq_stage *)stage;
    size_t n = frames_to_do(in_frames, out_capacity);
    copy_channels(in, out, eq->channels, n);
    /* Section by section over the whole block, so that each pass stays in cache; channels in
     * pairs, whose filters run side by side (the same bits as one channel at a time). */
    int c = 0;
    for (; c + 1 < eq->channels; c += 2)
        pm_biquad_process_cascade_pair(eq->sections, eq->section_count,
                                       eq->states + (size_t)c * eq->section_count,
                                       eq->states + (size_t)(c + 1) * eq->section_count, out[c],
                                       out[c + 1], n);
    if (c < eq->channels)
        pm_biquad_process_cascade(eq->sections, eq->states + (size_t)c * eq->section_count,
                                  eq->section_count, out[c], n);
    *used = *produced = n;
}

static void eq_reset(pm_stage *stage)
{
    eq_stage *eq = (eq_stage *)stage;
    pm_biquad_clear(eq->states, PM_STAGE_MAX_CHANNELS * eq->section_count);
}

static void eq_free(pm_stage *stage)
{
    eq_stage *eq = (eq_stage *)stage;
    free(eq->bands);
    free(eq->sections);
    free(eq->states);
    free(eq);
}

static const pm_stage_ops eq_ops = {
    .name = "eq",
    .start = eq_start,
    .process = eq_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = eq_reset,
    .free = eq_free,
};

pm_status pm_eq_new(const pm_eq_band *bands, size_t count, pm_stage **out, pm_diag *diag)
{
    pm_status status = PM_OK;
    eq_stage *eq = NULL;
    *out = NULL;
    if (count && !bands)
        return PM_ERR_USAGE;
    size_t sections = 0;
    int valid = 1;
    for (size_t i = 0; i < count; i++) {
        if (!band_is_valid(&bands[i], i, diag))
            valid = 0;
        else
            sections += band_sections(&bands[i]);
    }
    if (!valid)
        return PM_ERR_INVALID;

    eq = pm_alloc_zeroed(1, sizeof *eq);
    if (!eq) {
        status = PM_ERR_NOMEM;
        goto fail;
    }
    eq->base.ops = &eq_ops;
    eq->base.in_place = 1;
    eq->bands = pm_alloc_array(count, sizeof *eq->bands);
    eq->sections = pm_alloc_zeroed(sections, sizeof *eq->sections);
    eq->states = pm_alloc_zeroed(sections, PM_STAGE_MAX_CHANNELS * sizeof *eq->states);
    if (!eq->bands || !eq->sections || !eq->states) {
        status = PM_ERR_NOMEM;
        goto fail;
    }
    if (count)
        memcpy(eq->bands, bands, count * sizeof *bands);
    eq->band_count = count;
    eq->section_count = sections;
    *out = &eq->base;
    return PM_OK;

fail:
    if (eq)
        eq_free(&eq->base);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * Width: mid/side scaling.
 */

typedef struct width_stage {
    pm_stage base;
    double width;
    int channels;
} width_stage;

static pm_status width_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                             pm_diag *diag)
{
    ((width_stage *)stage)->channels = in->channels;
    return pm_stage_start_same_format(stage, in, out, diag);
}

static void width_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                          double *const *out, size_t out_capacity, size_t *produced)
{
    width_stage *ws = (width_stage *)stage;
    size_t n = frames_to_do(in_frames, out_capacity);
    /* Width 1 is the identity by definition: copy, so that the chain keeps every bit. */
    if (ws->channels < 2 || ws->width == 1) {
        copy_channels(in, out, ws->channels, n);
    } else {
        const double *l = in[0], *r = in[1];
        double *outl = out[0], *outr = out[1];
        double w = ws->width;
        for (size_t i = 0; i < n; i++) {
            /* Read both before writing: out may be in. S * 0 = 0, so width 0 gives L == R == M. */
            double mid = 0.5 * (l[i] + r[i]), side = 0.5 * (l[i] - r[i]) * w;
            outl[i] = mid + side;
            outr[i] = mid - side;
        }
    }
    *used = *produced = n;
}

static void width_free(pm_stage *stage)
{
    free(stage);
}

static const pm_stage_ops width_ops = {
    .name = "width",
    .start = width_start,
    .process = width_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = NULL /* stateless */,
    .free = width_free,
};

pm_status pm_width_new(double width, pm_stage **out, pm_diag *diag)
{
    *out = NULL;
    if (!(width >= PM_WIDTH_MIN && width <= PM_WIDTH_MAX)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "width amount %g is out of range; use %g (mono) to %g (1 leaves the stereo "
                    "image unchanged)",
                    width, PM_WIDTH_MIN, PM_WIDTH_MAX);
        return PM_ERR_INVALID;
    }
    width_stage *ws = pm_alloc_zeroed(1, sizeof *ws);
    if (!ws)
        return PM_ERR_NOMEM;
    ws->base.ops = &width_ops;
    ws->base.in_place = 1;
    ws->width = width;
    *out = &ws->base;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Gain: one factor on every channel.
 */

typedef struct gain_stage {
    pm_stage base;
    double factor;
    int channels;
} gain_stage;

static pm_status gain_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                            pm_diag *diag)
{
    ((gain_stage *)stage)->channels = in->channels;
    return pm_stage_start_same_format(stage, in, out, diag);
}

static void gain_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                         double *const *out, size_t out_capacity, size_t *produced)
{
    gain_stage *gs = (gain_stage *)stage;
    size_t n = frames_to_do(in_frames, out_capacity);
    for (int c = 0; c < gs->channels; c++) {
        const double *x = in[c];
        double *y = out[c], g = gs->factor;
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] * g;
    }
    *used = *produced = n;
}

static const pm_stage_ops gain_ops = {
    .name = "gain",
    .start = gain_start,
    .process = gain_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = NULL /* stateless */,
    .free = width_free,
};

pm_status pm_gain_new(double gain_db, pm_stage **out, pm_diag *diag)
{
    *out = NULL;
    if (!(fabs(gain_db) <= PM_EQ_MAX_GAIN_DB)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "gain %g dB is out of range; use -%g to %g dB", gain_db, PM_EQ_MAX_GAIN_DB,
                    PM_EQ_MAX_GAIN_DB);
        return PM_ERR_INVALID;
    }
    gain_stage *gs = pm_alloc_zeroed(1, sizeof *gs);
    if (!gs)
        return PM_ERR_NOMEM;
    gs->base.ops = &gain_ops;
    gs->base.in_place = 1;
    gs->factor = pow(10.0, gain_db / 20.0);
    *out = &gs->base;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Mono bass: the side channel through an LR4 high-pass.
 */

typedef struct monobass_stage {
    pm_stage base;
    double below_hz;
    pm_biquad hp[2];          /* LR4 high-pass: two 2nd-order Butterworth sections */
    pm_biquad_state state[2]; /* the side channel's */
    int channels;
} monobass_stage;

static pm_status monobass_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                                pm_diag *diag)
{
    monobass_stage *mb = (monobass_stage *)stage;
    if (mb->below_hz >= in->rate_hz / 2) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "monobass below=%g Hz is at or above the Nyquist frequency (%g Hz at a rate "
                    "of %g Hz); use a crossover below it (75 to 300 Hz is usual)",
                    mb->below_hz, in->rate_hz / 2, in->rate_hz);
        return PM_ERR_INVALID;
    }
    pm_status status = pm_biquad_design_lr4(mb->hp, PM_BIQUAD_HIGHPASS, in->rate_hz, mb->below_hz);
    if (status != PM_OK)
        return status;
    mb->channels = in->channels;
    pm_biquad_clear(mb->state, 2);
    return pm_stage_start_same_format(stage, in, out, diag);
}

static void monobass_process(pm_stage *stage, const double *const *in, size_t in_frames,
                             size_t *used, double *const *out, size_t out_capacity,
                             size_t *produced)
{
    monobass_stage *mb = (monobass_stage *)stage;
    size_t n = frames_to_do(in_frames, out_capacity);
    if (mb->channels < 2) {
        copy_channels(in, out, mb->channels, n);
        *used = *produced = n;
        return;
    }
    const double *l = in[0], *r = in[1];
    double *outl = out[0], *outr = out[1];
    pm_biquad s0 = mb->hp[0], s1 = mb->hp[1];
    double a1 = mb->state[0].z1, a2 = mb->state[0].z2;
    double b1 = mb->state[1].z1, b2 = mb->state[1].z2;
    for (size_t i = 0; i < n; i++) {
        /*
         * M/S with halves, so that L == R gives M == L exactly and S == 0, which the filter
         * keeps at 0: a mono signal comes out bit-identical.
         */
        double mid = 0.5 * (l[i] + r[i]), side = 0.5 * (l[i] - r[i]);
        side = pm_biquad_tick(&s0, &a1, &a2, side);
        side = pm_biquad_tick(&s1, &b1, &b2, side);
        outl[i] = mid + side;
        outr[i] = mid - side;
    }
    if (!isfinite(a1) || !isfinite(a2) || !isfinite(b1) || !isfinite(b2))
        a1 = a2 = b1 = b2 = 0;
    mb->state[0].z1 = a1;
    mb->state[0].z2 = a2;
    mb->state[1].z1 = b1;
    mb->state[1].z2 = b2;
    *used = *produced = n;
}

static void monobass_reset(pm_stage *stage)
{
    pm_biquad_clear(((monobass_stage *)stage)->state, 2);
}

static void monobass_free(pm_stage *stage)
{
    free(stage);
}

static const pm_stage_ops monobass_ops = {
    .name = "monobass",
    .start = monobass_start,
    .process = monobass_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = monobass_reset,
    .free = monobass_free,
};

pm_status pm_monobass_new(double below_hz, pm_stage **out, pm_diag *diag)
{
    *out = NULL;
    if (!(isfinite(below_hz) && below_hz > 0)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "monobass below=%g must be a positive frequency in Hz (75 to 300 is usual)",
                    below_hz);
        return PM_ERR_INVALID;
    }
    monobass_stage *mb = pm_alloc_zeroed(1, sizeof *mb);
    if (!mb)
        return PM_ERR_NOMEM;
    mb->base.ops = &monobass_ops;
    mb->base.in_place = 1;
    mb->below_hz = below_hz;
    *out = &mb->base;
    return PM_OK;
}
