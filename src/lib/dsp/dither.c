/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/dither.h"

#include <math.h>
#include <stdlib.h>

#include "alloc.h"
#include "dsp/rng.h"

/*
 * Same seed, same bytes (DESIGN.md): the feedback sum must be evaluated the same way everywhere,
 * so no fused multiply-add where the target has one. GCC in ISO C mode (-std=c11) does not
 * contract; clang does within an expression unless told otherwise.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* The longest shaping filter. */
#define MAX_TAPS 9

/*
 * Error-feedback noise shaping (Lipshitz, Vanderkooy and Wannamaker, "Minimally Audible Noise
 * Shaping", JAES 39(11), pp. 836-852, 1991): the total error of each sample, dither included,
 * e[n] = y[n] - v[n], is filtered by h and subtracted from the following input,
 *     v[n] = x[n] - sum_k h[k] e[n-1-k],    y[n] = round(v[n] + dither[n]),
 * so y = x + (1 - H(z)) e, with H(z) = sum_k h[k] z^-(k+1). With TPDF dither inside the loop, e
 * is white with variance 1/4 LSB^2 whatever the signal (the survey's result for non-subtractive
 * TPDF dither), and the output noise spectrum is 1/4 |1 - H(e^jw)|^2. The filters below are the
 * published h[k]. Their 1 - H is monic and minimum phase, so the average of log |1 - H|^2 over
 * the band is 0 (Gerzon and Craven, "Optimal Noise Shaping and Dither of Digital Signals", AES
 * preprint 2822, 1989): the dip where the ear is most sensitive (1-5 kHz) is paid for by a rise
 * at the top of the band (above about 13 kHz at 44.1 kHz, 16 kHz at 48), and the total noise
 * power goes up.
 */
typedef struct shaping_filter {
    const char *name;
    double rate_hz; /* the rate it is used at */
    int taps;
    double h[MAX_TAPS];
} shaping_filter;

static const shaping_filter filters[] = {
    /*
     * Lipshitz, Vanderkooy and Wannamaker (JAES 1991): the 5-tap E-weighted "minimally audible"
     * filter for 44.1 kHz. 1 - H is -16.6 dB at DC, about -27 dB near 4 kHz and +19.4 dB at
     * Nyquist; noise power x16.6 (+12.2 dB).
     */
    {"lipshitz-e-weighted-5", 44100.0, 5, {2.033, -2.165, 1.959, -1.590, 0.6149}},
    /*
     * Wannamaker, "Psychoacoustically Optimal Noise Shaping" (JAES 40(7/8), pp. 611-620, 1992):
     * the 9-tap F-weighted filter, designed for a 46 kHz rate; 48 kHz is within the 5 % that sox
     * allows around it. At 48 kHz about -24 dB at 3-5 kHz, +26 dB at Nyquist; noise power x69
     * (+18.4 dB).
     */
    {"wannamaker-f-weighted-9", 48000.0, 9,
     {2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847}},
};
#define FILTER_COUNT (sizeof filters / sizeof filters[0])

/* How far the rate may be from a filter's; a working rate is an integer, so this is generous. */
#define RATE_TOLERANCE 0.01

/* err[k] is the error of the sample k + 1 before the next one. */
typedef struct channel_state {
    pm_rng rng;
    double err[MAX_TAPS];
    uint64_t clipped, saturated;
} channel_state;

struct pm_ditherer {
    pm_dither_config config;
    pm_dither_mode mode; /* in use */
    const shaping_filter *filter; /* NULL unless shaping */
    int fell_back;
    double scale;  /* 2^(bits - 1): full scale in LSB */
    double code_to_sample; /* 1 / scale, exactly */
    double lo, hi; /* the end codes, -2^(bits-1) and 2^(bits-1) - 1 */
    int32_t unit;  /* 2^(32 - bits): left-justifies a code for sf_writef_int */
    channel_state *channels;
};

static const shaping_filter *filter_for_rate(double rate_hz)
{
    for (size_t i = 0; i < FILTER_COUNT; i++) {
        if (fabs(rate_hz - filters[i].rate_hz) <= RATE_TOLERANCE * filters[i].rate_hz)
            return &filters[i];
    }
    return NULL;
}

pm_status pm_dither_new(const pm_dither_config *config, pm_diag *diag, pm_ditherer **out)
{
    pm_status status = PM_OK;
    pm_ditherer *d = NULL;
    *out = NULL;
    if (config->bits != 16 && config->bits != 24) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "dither: %d-bit output was asked for; the quantiser writes 16 or 24 bits",
                    config->bits);
        status = PM_ERR_USAGE;
    }
    if (config->channels < 1) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "dither: %d channels were asked for; at least 1 is needed", config->channels);
        status = PM_ERR_USAGE;
    }
    if (!(config->rate_hz > 0) || !isfinite(config->rate_hz)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "dither: the sample rate %g Hz is not a positive number", config->rate_hz);
        status = PM_ERR_USAGE;
    }
    if (config->mode != PM_DITHER_MODE_NONE && config->mode != PM_DITHER_MODE_TPDF &&
        config->mode != PM_DITHER_MODE_SHAPED) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "dither: mode %d is unknown; none, tpdf or shaped", (int)config->mode);
        status = PM_ERR_USAGE;
    }
    if (status != PM_OK)
        goto fail;

    status = PM_ERR_NOMEM;
    d = pm_alloc_zeroed(1, sizeof *d);
    if (!d)
        goto fail;
    d->channels = pm_alloc_zeroed((size_t)config->channels, sizeof *d->channels);
    if (!d->channels)
        goto fail;
    d->config = *config;
    d->mode = config->mode;
    if (d->mode == PM_DITHER_MODE_SHAPED) {
        d->filter = filter_for_rate(config->rate_hz);
        if (!d->filter) {
            /* No published filter for this rate: shaping with a filter designed for another one
             * would put its dip in the wrong place (dsp-notes.md 3.6), so plain TPDF. */
            d->mode = PM_DITHER_MODE_TPDF;
            d->fell_back = 1;
        }
    }
    d->scale = ldexp(1.0, config->bits - 1);
    d->code_to_sample = ldexp(1.0, 1 - config->bits);
    d->lo = -d->scale;
    d->hi = d->scale - 1.0;
    d->unit = (int32_t)1 << (32 - config->bits);
    pm_dither_reset(d);
    *out = d;
    return PM_OK;

fail:
    if (status == PM_ERR_NOMEM)
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "dither: out of memory");
    pm_dither_free(d);
    return status;
}

void pm_dither_free(pm_ditherer *dither)
{
    if (!dither)
        return;
    free(dither->channels);
    free(dither);
}

void pm_dither_reset(pm_ditherer *dither)
{
    pm_rng rng;
    pm_rng_init(&rng, dither->config.seed);
    for (int c = 0; c < dither->config.channels; c++) {
        channel_state *st = &dither->channels[c];
        /* Channel c's stream starts 2^128 * c draws into the seed's: independent, never shared. */
        st->rng = rng;
        pm_rng_jump(&rng);
        for (int k = 0; k < MAX_TAPS; k++)
            st->err[k] = 0.0;
        st->clipped = 0;
        st->saturated = 0;
    }
}

/*
 * Clip before rounding (STYLE.md): a value outside the codes is not representable, so it becomes
 * the end code as it stands, without dither; NaN becomes 0. Returns 1 when it did either.
 */
static inline int clip_to_codes(double s, double lo, double hi, double *code)
{
    if (s >= lo && s <= hi)
        return 0;
    *code = s > hi ? hi : s < lo ? lo : 0.0;
    return 1;
}

/* Round to nearest, halves up: floor is exact, and unlike rint it ignores the rounding mode. */
static void quantise_round(const pm_ditherer *d, channel_state *st, const double *restrict x,
                           size_t frames, int32_t *restrict out, size_t stride,
                           double *restrict decoded)
{
    const double scale = d->scale, lo = d->lo, hi = d->hi;
    const int32_t unit = d->unit;
    uint64_t clipped = st->clipped;
    for (size_t i = 0; i < frames; i++) {
        double s = x[i] * scale, code;
        if (clip_to_codes(s, lo, hi, &code))
            clipped++;
        else
            code = floor(s + 0.5);
        out[i * stride] = (int32_t)code * unit;
        if (decoded)
            decoded[i] = code * d->code_to_sample;
    }
    st->clipped = clipped;
}

/* The code, as a double (-2^(bits-1) .. 2^(bits-1) - 1), for the sample x. */
static inline __attribute__((always_inline)) double tpdf_step(const pm_ditherer *d,
                                                              channel_state *q, double x)
{
    double s = x * d->scale, code;
    /* Drawn for every sample, clipped or not, so that sample n always gets draw n. */
    double dither = pm_rng_triangular(&q->rng);
    if (clip_to_codes(s, d->lo, d->hi, &code)) {
        q->clipped++;
    } else {
        code = floor(s + dither + 0.5);
        if (code > d->hi || code < d->lo) {
            code = code > d->hi ? d->hi : d->lo;
            q->saturated++;
        }
    }
    return code;
}

/*
 * taps is a constant at every call, so the feedback sum and the shift of the past errors are
 * unrolled: the errors stay in registers, and the newest reaches the next sample's sum without a
 * trip through memory, which would lengthen the one chain the loop waits on.
 */
static inline __attribute__((always_inline)) double shaped_step(const pm_ditherer *d,
                                                                channel_state *q, double x, int taps)
{
    const double *restrict h = d->filter->h;
    double s = x * d->scale, code, e;
    double dither = pm_rng_triangular(&q->rng);
    if (clip_to_codes(s, d->lo, d->hi, &code)) {
        /* The clip's error is not the quantiser's: feeding it back would make the loop ring
         * for many samples after one over. */
        q->clipped++;
        e = 0.0;
    } else {
        /* Oldest first: only the last product waits for the previous sample's error, so the
         * rest of the sum overlaps with it. A fixed order keeps the result exact. */
        double feedback = 0.0;
#pragma GCC unroll 9
        for (int k = taps - 1; k >= 0; k--)
            feedback += h[k] * q->err[k];
        double v = s - feedback;
        code = floor(v + dither + 0.5);
        /* The error before holding at the end code: always within 1.5 LSB, so the loop stays
         * bounded even when the output saturates. */
        e = code - v;
        if (code > d->hi || code < d->lo) {
            code = code > d->hi ? d->hi : d->lo;
            q->saturated++;
        }
    }
    /* Only the filter's taps move: the rest are never read by this filter. */
#pragma GCC unroll 9
    for (int k = taps - 1; k > 0; k--)
        q->err[k] = q->err[k - 1];
    q->err[0] = e;
    return code;
}

/* A code to out, left-justified, and to decoded (when there is one) as the sample it stands for:
 * code * 2^(1 - bits) is exactly the left-justified int32 times 2^-31. */
static inline __attribute__((always_inline)) void put(const pm_ditherer *d, double code,
                                                      int32_t *o, double *decoded)
{
    *o = (int32_t)code * d->unit;
    if (decoded)
        *decoded = code * d->code_to_sample;
}

/*
 * Quantise channels c and c + 1 (pair) or channel c alone of interleaved out (and of decoded,
 * when it is not NULL): TPDF when taps is 0, else shaped with a filter of that many taps. Each
 * channel's state is held in a local copy while the block is quantised, where the compiler
 * keeps it in registers. Each channel's loop waits on its own previous sample (the noise
 * generator, the shaping filter's error), so a pair runs side by side, each channel's
 * arithmetic exactly what it is alone; the stores and the decoded values fill the wait.
 */
static inline __attribute__((always_inline)) void
quantise_with(const pm_ditherer *d, int c, int pair, const double *const *in, size_t frames,
              int32_t *restrict out, double *const *decoded, int taps)
{
    size_t stride = (size_t)d->config.channels;
    channel_state a = d->channels[c];
    channel_state b = pair ? d->channels[c + 1] : a;
    const double *restrict x = in[c], *restrict y = pair ? in[c + 1] : in[c];
    double *restrict dx = decoded ? decoded[c] : NULL;
    double *restrict dy = decoded && pair ? decoded[c + 1] : NULL;
    int32_t *restrict o = out + c;
    if (taps && pair)
        for (size_t i = 0; i < frames; i++) {
            put(d, shaped_step(d, &a, x[i], taps), &o[i * stride], dx ? dx + i : NULL);
            put(d, shaped_step(d, &b, y[i], taps), &o[i * stride + 1], dy ? dy + i : NULL);
        }
    else if (taps)
        for (size_t i = 0; i < frames; i++)
            put(d, shaped_step(d, &a, x[i], taps), &o[i * stride], dx ? dx + i : NULL);
    else if (pair)
        for (size_t i = 0; i < frames; i++) {
            put(d, tpdf_step(d, &a, x[i]), &o[i * stride], dx ? dx + i : NULL);
            put(d, tpdf_step(d, &b, y[i]), &o[i * stride + 1], dy ? dy + i : NULL);
        }
    else
        for (size_t i = 0; i < frames; i++)
            put(d, tpdf_step(d, &a, x[i]), &o[i * stride], dx ? dx + i : NULL);
    d->channels[c] = a;
    if (pair)
        d->channels[c + 1] = b;
}

/*
 * One function per loop, each with the filter length fixed so that its sum and shift unroll and
 * its registers are its own. Each is built for AVX2 beside the default: there floor is one
 * instruction (SSE4.1's round), where plain x86-64 assembles it from conversions, and the loop
 * waits on floor every sample. Both give the same bits.
 */
#define QUANTISE_ARGS                                                                            \
    const pm_ditherer *d, int c, int pair, const double *const *in, size_t frames,               \
        int32_t *restrict out, double *const *decoded
__attribute__((target_clones("avx2", "default"))) static void quantise_tpdf(QUANTISE_ARGS)
{
    quantise_with(d, c, pair, in, frames, out, decoded, 0);
}

__attribute__((target_clones("avx2", "default"))) static void quantise_shaped_5(QUANTISE_ARGS)
{
    quantise_with(d, c, pair, in, frames, out, decoded, 5);
}

__attribute__((target_clones("avx2", "default"))) static void quantise_shaped_9(QUANTISE_ARGS)
{
    quantise_with(d, c, pair, in, frames, out, decoded, 9);
}

/* Any other length: correct, not unrolled. */
static void quantise_shaped_any(QUANTISE_ARGS)
{
    quantise_with(d, c, pair, in, frames, out, decoded, d->filter->taps);
}
#undef QUANTISE_ARGS

void pm_dither_process(pm_ditherer *dither, const double *const *in, size_t frames,
                       int32_t *out, double *const *decoded)
{
    size_t stride = (size_t)dither->config.channels;
    int channels = dither->config.channels;
    if (dither->mode == PM_DITHER_MODE_NONE) {
        for (int c = 0; c < channels; c++)
            quantise_round(dither, &dither->channels[c], in[c], frames, out + c, stride,
                           decoded ? decoded[c] : NULL);
        return;
    }
    int taps = dither->mode == PM_DITHER_MODE_SHAPED ? dither->filter->taps : 0;
    void (*quantise)(const pm_ditherer *, int, int, const double *const *, size_t, int32_t *,
                     double *const *) =
        taps == 0   ? quantise_tpdf
        : taps == 5 ? quantise_shaped_5
        : taps == 9 ? quantise_shaped_9
                    : quantise_shaped_any;
    for (int c = 0; c < channels; c += 2)
        quantise(dither, c, c + 1 < channels, in, frames, out, decoded);
}

pm_dither_mode pm_dither_mode_used(const pm_ditherer *dither)
{
    return dither->mode;
}

int pm_dither_fell_back(const pm_ditherer *dither)
{
    return dither->fell_back;
}

const char *pm_dither_filter_name(const pm_ditherer *dither)
{
    return dither->filter ? dither->filter->name : NULL;
}

uint64_t pm_dither_clipped_samples(const pm_ditherer *dither, int channel)
{
    return dither->channels[channel].clipped;
}

uint64_t pm_dither_saturated_samples(const pm_ditherer *dither, int channel)
{
    return dither->channels[channel].saturated;
}
