/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The resampler stage (dsp/resample.h), both engines, at 96k -> 44.1k, 48k -> 44.1k, 44.1k ->
 * 48k and 44.1k -> 96k, with signals generated here and figures measured, not golden files:
 *   pass band   steady-state sine gain at 13 frequencies from 20 Hz to 20 kHz, by a
 *               least-squares fit at the known output frequency, within 0.01 dB of unity;
 *               the residual after the fit (noise, images) as an SNR
 *   aliasing    tones between the output and the input Nyquist frequency: output RMS over
 *               input RMS below -140 dB
 *   timing      an impulse's centroid and the fitted tones' phases land on the input's time
 *               within 0.05 output samples
 *   length      round(N * out / in) frames, halves up, for many N including the half cases
 *   blocks      the same bits for input blocks of 1, 100, 4096 and random blocks with random
 *               output capacities; the stage contract checked on every call
 *   reset       a stream after a reset equals the same stream on a fresh stage
 * and pass-through, refused arguments, allocation failures and the absence of heap allocation
 * after start. Measured figures are printed as "# " lines.
 */
#include "dsp/resample.h"

#include "../tap.h"
#include "alloc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCK 4096
#define TWO_PI 6.283185307179586476925286766559

static const pm_resampler_engine engines[] = {PM_RESAMPLER_SOXR, PM_RESAMPLER_LIBSAMPLERATE};
static const int64_t pairs[][2] = {{96000, 44100}, {48000, 44100}, {44100, 48000}, {44100, 96000}};
#define NENGINES (sizeof engines / sizeof engines[0])
#define NPAIRS (sizeof pairs / sizeof pairs[0])

/* ---------------------------------------------------------------------------------------------
 * Running a stream through a stage and checking the contract on every call.
 */
typedef struct output {
    double *ch[PM_STAGE_MAX_CHANNELS];
    size_t frames, capacity;
    size_t in_max;       /* the stage's input max_block_frames */
    size_t out_max;      /* the stage's output max_block_frames */
    size_t latency;      /* latency() */
    size_t drained;      /* frames drain gave */
    double held_max;     /* most frames held back (in * out / in - produced) after a call */
    int violations;      /* calls that broke the contract */
} output;

static void output_free(output *o)
{
    for (int c = 0; c < PM_STAGE_MAX_CHANNELS; c++)
        free(o->ch[c]);
    memset(o, 0, sizeof *o);
}

static void output_reserve(output *o, int channels, size_t more)
{
    if (o->frames + more <= o->capacity)
        return;
    size_t cap = 2 * (o->frames + more);
    for (int c = 0; c < channels; c++) {
        double *p = realloc(o->ch[c], cap * sizeof(double));
        if (!p)
            bail_out("out of memory");
        o->ch[c] = p;
    }
    o->capacity = cap;
}

/* An output capacity: fixed, the stage's own maximum (0), or random from 1 to past it (-1). */
static size_t pick_capacity(long capacity, size_t out_max, uint64_t *rng)
{
    if (capacity > 0)
        return (size_t)capacity;
    if (capacity == 0)
        return out_max;
    return 1 + (size_t)tap_rand_below(rng, out_max + 64);
}

/*
 * Feed x (channels x n frames) in blocks of block frames (0: random up to the stage's most) and
 * drain, appending to o. Counts calls that break the contract: more used or produced than
 * offered, input left over while the output had room, a drain that stops early.
 */
static void stream(pm_stage *st, int channels, int64_t in_rate, int64_t out_rate,
                   double *const *x, size_t n, size_t block, long capacity, uint64_t *rng,
                   output *o)
{
    size_t pos = 0, start_frames = o->frames;
    o->latency = pm_stage_latency(st);
    while (pos < n) {
        size_t b = block ? block : (size_t)tap_rand_below(rng, o->in_max + 1);
        if (b > n - pos)
            b = n - pos;
        size_t cap = pick_capacity(capacity, o->out_max, rng);
        output_reserve(o, channels, cap);
        const double *in[PM_STAGE_MAX_CHANNELS];
        double *out[PM_STAGE_MAX_CHANNELS];
        for (int c = 0; c < channels; c++) {
            in[c] = x[c] + pos;
            out[c] = o->ch[c] + o->frames;
        }
        size_t used = 0, produced = 0;
        pm_stage_process(st, in, b, &used, out, cap, &produced);
        if (used > b || produced > cap || (used < b && produced < cap)) {
            if (!o->violations++)
                diag("process(%zu frames, room %zu) used %zu, produced %zu", b, cap, used,
                     produced);
            if (used == 0 && produced == 0)
                break;
        }
        pos += used;
        o->frames += produced;
        if (cap >= o->out_max && produced < cap) {
            double held = (double)pos * (double)out_rate / (double)in_rate -
                          (double)(o->frames - start_frames);
            if (held > o->held_max)
                o->held_max = held;
        }
    }
    o->drained = 0;
    for (int guard = 0; guard < 1000000; guard++) {
        size_t cap = pick_capacity(capacity, o->out_max, rng);
        output_reserve(o, channels, cap);
        double *out[PM_STAGE_MAX_CHANNELS];
        for (int c = 0; c < channels; c++)
            out[c] = o->ch[c] + o->frames;
        size_t produced = 0;
        pm_stage_drain(st, out, cap, &produced);
        if (produced > cap && !o->violations++)
            diag("drain(room %zu) produced %zu", cap, produced);
        o->frames += produced;
        o->drained += produced;
        if (produced < cap)
            break; /* a drain that stops short of its room must have nothing left */
    }
    size_t extra = 0;
    double *out[PM_STAGE_MAX_CHANNELS];
    output_reserve(o, channels, 16);
    for (int c = 0; c < channels; c++)
        out[c] = o->ch[c] + o->frames;
    pm_stage_drain(st, out, 16, &extra);
    if (extra && !o->violations++)
        diag("drain gave %zu more frames after it had stopped short", extra);
}

static pm_stage *make_stage(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate,
                            int channels, size_t max_block, output *o)
{
    pm_stage *st = NULL;
    pm_stage_format in = {(double)in_rate, channels, max_block}, out;
    if (pm_resample_new(engine, (double)out_rate, &st, NULL) != PM_OK ||
        pm_stage_start(st, &in, &out, NULL) != PM_OK)
        bail_out("cannot start %s for %lld -> %lld Hz", pm_resample_engine_name(engine),
                 (long long)in_rate, (long long)out_rate);
    if (o) {
        memset(o, 0, sizeof *o);
        o->in_max = max_block;
        o->out_max = out.max_block_frames;
    }
    return st;
}

/* A whole conversion on a fresh stage. */
static void convert(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate, int channels,
                    double *const *x, size_t n, size_t block, long capacity, uint64_t *rng,
                    output *o)
{
    pm_stage *st = make_stage(engine, in_rate, out_rate, channels, MAX_BLOCK, o);
    stream(st, channels, in_rate, out_rate, x, n, block, capacity, rng, o);
    pm_stage_free(st);
}

/* ---------------------------------------------------------------------------------------------
 * Signals and measurements.
 */

/* amp * sin(2 pi f i / rate + phase), the argument reduced exactly in integers. */
static void make_tone(double *x, size_t n, int64_t rate, int64_t f_hz, double amp, double phase)
{
    for (size_t i = 0; i < n; i++)
        x[i] = amp * sin(TWO_PI * (double)(((uint64_t)f_hz * i) % (uint64_t)rate) /
                         (double)rate + phase);
}

static void make_noise(double *x, size_t n, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5 * ((double)(tap_rand(rng) >> 11) / 9007199254740992.0 - 0.5);
}

/*
 * Least-squares fit of a sin + b cos + c at frequency f over y[m0..m1): amplitude, phase
 * (of amp * sin(w m + phase)) and the RMS of what the fit leaves.
 */
static void fit_tone(const double *y, size_t m0, size_t m1, int64_t rate, int64_t f_hz,
                     double *amp, double *phase, double *resid_rms)
{
    double a[3][4] = {{0}};
    for (size_t m = m0; m < m1; m++) {
        double w = TWO_PI * (double)(((uint64_t)f_hz * m) % (uint64_t)rate) / (double)rate;
        double v[3] = {sin(w), cos(w), 1.0};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++)
                a[i][j] += v[i] * v[j];
            a[i][3] += v[i] * y[m];
        }
    }
    /* Gaussian elimination; the normal matrix is well conditioned over many periods. */
    for (int i = 0; i < 3; i++)
        for (int k = i + 1; k < 3; k++) {
            double f = a[k][i] / a[i][i];
            for (int j = i; j < 4; j++)
                a[k][j] -= f * a[i][j];
        }
    double s[3];
    for (int i = 2; i >= 0; i--) {
        double t = a[i][3];
        for (int j = i + 1; j < 3; j++)
            t -= a[i][j] * s[j];
        s[i] = t / a[i][i];
    }
    *amp = hypot(s[0], s[1]);
    *phase = atan2(s[1], s[0]);
    double e2 = 0;
    for (size_t m = m0; m < m1; m++) {
        double w = TWO_PI * (double)(((uint64_t)f_hz * m) % (uint64_t)rate) / (double)rate;
        double e = y[m] - (s[0] * sin(w) + s[1] * cos(w) + s[2]);
        e2 += e * e;
    }
    *resid_rms = sqrt(e2 / (double)(m1 - m0));
}

static double db(double ratio)
{
    return 20 * log10(ratio);
}

/* ---------------------------------------------------------------------------------------------
 * Pass band, noise and timing from steady tones; the two channels carry different tones.
 */
static const int64_t passband_hz[] = {20,   50,   100,   200,   500,   1000, 2000,
                                      5000, 10000, 15000, 18000, 19000, 20000};
#define NPASS (sizeof passband_hz / sizeof passband_hz[0])

static void test_passband(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate)
{
    const char *name = pm_resample_engine_name(engine);
    size_t n = (size_t)in_rate / 2; /* 0.5 s; the fit uses 0.1 s to 0.4 s of output */
    size_t m0 = (size_t)out_rate / 10, m1 = (size_t)out_rate * 4 / 10;
    double amp_in = 0.5, worst_db = 0, worst_offset = 0, worst_snr = 1e9;
    int64_t worst_db_f = 0, worst_offset_f = 0, worst_snr_f = 0;
    char gains[512];
    size_t len = 0;
    double *x[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
    if (!x[0] || !x[1])
        bail_out("out of memory");
    for (size_t k = 0; k < NPASS; k += 2) {
        int64_t f[2] = {passband_hz[k], passband_hz[k + 1 < NPASS ? k + 1 : 0]};
        double ph[2] = {0.3 + 0.1 * (double)k, 1.1 + 0.1 * (double)k};
        for (int c = 0; c < 2; c++)
            make_tone(x[c], n, in_rate, f[c], amp_in, ph[c]);
        output o;
        convert(engine, in_rate, out_rate, 2, x, n, MAX_BLOCK, 0, NULL, &o);
        for (int c = 0; c < 2 && o.frames >= m1; c++) {
            double amp, phase, resid;
            fit_tone(o.ch[c], m0, m1, out_rate, f[c], &amp, &phase, &resid);
            double g_db = db(amp / amp_in);
            /* The output should be amp sin(w m + ph): a phase lead d means an early output. */
            double dphi = remainder(phase - ph[c], TWO_PI);
            double offset = -dphi / (TWO_PI * (double)f[c] / (double)out_rate);
            double snr = db(amp / sqrt(2.0) / resid);
            if (c == 0 || k + 1 < NPASS) {
                if (fabs(g_db) > fabs(worst_db) || !worst_db_f)
                    worst_db = g_db, worst_db_f = f[c];
                if (fabs(offset) > fabs(worst_offset) || !worst_offset_f)
                    worst_offset = offset, worst_offset_f = f[c];
                if (snr < worst_snr)
                    worst_snr = snr, worst_snr_f = f[c];
                len += (size_t)snprintf(gains + len, sizeof gains - len, " %lld:%+.6f",
                                        (long long)f[c], g_db);
            }
        }
        output_free(&o);
    }
    diag("%s %lld -> %lld gain dB at Hz:%s", name, (long long)in_rate, (long long)out_rate, gains);
    ok(fabs(worst_db) <= 0.01, "%s %lld -> %lld: flat within 0.01 dB from 20 Hz to 20 kHz "
       "(worst %+.6f dB at %lld Hz)", name, (long long)in_rate, (long long)out_rate, worst_db,
       (long long)worst_db_f);
    ok(fabs(worst_offset) <= 0.05, "%s %lld -> %lld: tone phases on time within 0.05 samples "
       "(worst %+.2e at %lld Hz)", name, (long long)in_rate, (long long)out_rate, worst_offset,
       (long long)worst_offset_f);
    /* libsamplerate converts through float (about 150 dB) with a 144 dB design; soxr VHQ is
     * 28-bit. The residual holds the noise, the aliases or images of the tone and crosstalk. */
    double min_snr = engine == PM_RESAMPLER_SOXR ? 160 : 135;
    ok(worst_snr >= min_snr, "%s %lld -> %lld: tone SNR (noise, images, aliases) at least %.0f dB "
       "(worst %.1f dB at %lld Hz)", name, (long long)in_rate, (long long)out_rate, min_snr,
       worst_snr, (long long)worst_snr_f);
    free(x[0]);
    free(x[1]);
}

/*
 * Tones between the output and the input Nyquist frequency must not come through. 23950 Hz
 * stands for 24 kHz at 48 kHz: at the Nyquist frequency itself a sine's samples depend on its
 * phase, so its RMS is not amplitude / sqrt(2).
 */
static void test_alias(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate)
{
    static const int64_t at96[] = {24000, 26000, 30000, 40000, 46000};
    static const int64_t at48[] = {23000, 24000 - 50};
    const int64_t *tones = in_rate == 96000 ? at96 : at48;
    size_t count = in_rate == 96000 ? sizeof at96 / sizeof at96[0] : sizeof at48 / sizeof at48[0];
    const char *name = pm_resample_engine_name(engine);
    size_t n = (size_t)in_rate / 2;
    size_t m0 = (size_t)out_rate / 10, m1 = (size_t)out_rate * 4 / 10;
    double amp_in = 0.5, worst = -1000;
    int64_t worst_f = 0;
    char figures[256];
    size_t len = 0;
    double *x[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
    if (!x[0] || !x[1])
        bail_out("out of memory");
    for (size_t k = 0; k < count; k += 2) {
        int64_t f[2] = {tones[k], tones[k + 1 < count ? k + 1 : k]};
        for (int c = 0; c < 2; c++)
            make_tone(x[c], n, in_rate, f[c], amp_in, 0.7 * c);
        output o;
        convert(engine, in_rate, out_rate, 2, x, n, MAX_BLOCK, 0, NULL, &o);
        for (int c = 0; c < 2 && (c == 0 || k + 1 < count); c++) {
            double e2 = 0;
            for (size_t m = m0; m < m1 && m < o.frames; m++)
                e2 += o.ch[c][m] * o.ch[c][m];
            double level = db(sqrt(e2 / (double)(m1 - m0)) / (amp_in / sqrt(2.0)));
            if (o.frames < m1)
                level = 0;
            if (level > worst)
                worst = level, worst_f = f[c];
            len += (size_t)snprintf(figures + len, sizeof figures - len, " %lld:%.1f",
                                    (long long)f[c], level);
        }
        output_free(&o);
    }
    diag("%s %lld -> %lld alias level dB at Hz:%s", name, (long long)in_rate,
         (long long)out_rate, figures);
    ok(worst < -140, "%s %lld -> %lld: aliases below -140 dB (worst %.1f dB at %lld Hz)", name,
       (long long)in_rate, (long long)out_rate, worst, (long long)worst_f);
    free(x[0]);
    free(x[1]);
}

/*
 * An impulse at input frame k lands at output time k * out / in. For a band-limited symmetric
 * pulse the first moment of the samples equals that of the continuous pulse (the sampled sums
 * of y(t) and t y(t) are exact for a spectrum below half the rate), so the centroid is exact.
 */
static void test_impulse(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate)
{
    const char *name = pm_resample_engine_name(engine);
    size_t n = (size_t)in_rate / 4, k = n / 2 + 7;
    double *x = calloc(n, sizeof(double));
    if (!x)
        bail_out("out of memory");
    x[k] = 1.0;
    output o;
    convert(engine, in_rate, out_rate, 1, &x, n, MAX_BLOCK, 0, NULL, &o);
    double s0 = 0, s1 = 0;
    for (size_t m = 0; m < o.frames; m++) {
        s0 += o.ch[0][m];
        s1 += (double)m * o.ch[0][m];
    }
    double expected = (double)k * (double)out_rate / (double)in_rate;
    double got = s0 != 0 ? s1 / s0 : 0;
    ok(fabs(got - expected) <= 0.05, "%s %lld -> %lld: impulse at input frame %zu lands at "
       "output %.4f (off by %+.2e samples)", name, (long long)in_rate, (long long)out_rate, k,
       expected, got - expected);
    output_free(&o);
    free(x);
}

/* ---------------------------------------------------------------------------------------------
 * Lengths, blocks, contract, reset.
 */
static uint64_t expected_frames(uint64_t n, int64_t in_rate, int64_t out_rate)
{
    /* round(n * out / in), halves up; exact for the small n and rates used here. */
    return (2 * n * (uint64_t)out_rate + (uint64_t)in_rate) / (2 * (uint64_t)in_rate);
}

static void test_lengths(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate,
                         uint64_t *rng)
{
    const char *name = pm_resample_engine_name(engine);
    size_t lengths[24] = {0, 1, 2, 3, 7, 146, 147, 160, 161, 319, 320, 321, 1000, 4095, 4096,
                          4097, 12345, 44100, 48000};
    size_t count = 19;
    /* The half cases, where n * out / in ends in exactly .5: the rounding rule shows there. */
    for (size_t n = 1; n < 5000 && count < 22; n++)
        if ((2 * n * (uint64_t)out_rate) % (2 * (uint64_t)in_rate) == (uint64_t)in_rate)
            lengths[count++] = n;
    int bad = 0, halves = (int)count - 19, too_much_drain = 0;
    double *x = malloc(48000 * sizeof(double));
    if (!x)
        bail_out("out of memory");
    make_noise(x, 48000, rng);
    for (size_t i = 0; i < count; i++) {
        output o;
        /* Random blocks and output room, to exercise the contract at every length. */
        convert(engine, in_rate, out_rate, 1, &x, lengths[i], 0, -1, rng, &o);
        uint64_t want = expected_frames(lengths[i], in_rate, out_rate);
        if (o.frames != want || pm_resample_count_frames(lengths[i], in_rate, out_rate) != want ||
            o.violations) {
            if (!bad++)
                diag("%zu frames in: %zu out, expected %llu (pm_resample_count_frames %llu), "
                     "%d contract violations", lengths[i], o.frames, (unsigned long long)want,
                     (unsigned long long)pm_resample_count_frames(lengths[i], in_rate, out_rate),
                     o.violations);
        }
        if (o.drained > o.latency + 1)
            too_much_drain++;
        output_free(&o);
    }
    free(x);
    ok(bad == 0, "%s %lld -> %lld: exactly round(N * out / in) frames for %zu lengths from 0 to "
       "48000 (%d half cases), random blocks and room", name, (long long)in_rate,
       (long long)out_rate, count, halves);
    ok(too_much_drain == 0, "%s %lld -> %lld: drain gives back at most latency + 1 frames", name,
       (long long)in_rate, (long long)out_rate);
}

static int same_output(const output *a, const output *b, int channels, double *max_diff)
{
    *max_diff = a->frames == b->frames ? 0 : INFINITY;
    int same = a->frames == b->frames;
    for (int c = 0; c < channels && a->frames == b->frames; c++) {
        if (memcmp(a->ch[c], b->ch[c], a->frames * sizeof(double)))
            same = 0;
        for (size_t i = 0; i < a->frames; i++)
            *max_diff = fmax(*max_diff, fabs(a->ch[c][i] - b->ch[c][i]));
    }
    return same;
}

static void test_blocks(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate,
                        uint64_t *rng)
{
    const char *name = pm_resample_engine_name(engine);
    size_t n = (size_t)in_rate / 5;
    double *x[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
    if (!x[0] || !x[1])
        bail_out("out of memory");
    make_noise(x[0], n, rng);
    make_tone(x[1], n, in_rate, 997, 0.9, 0.25);
    output ref;
    convert(engine, in_rate, out_rate, 2, x, n, MAX_BLOCK, 0, NULL, &ref);
    static const size_t blocks[] = {1, 100, 0};
    int all_same = 1, violations = ref.violations, held_over = ref.held_max > ref.latency + 1;
    double worst_held = ref.held_max;
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        output o;
        convert(engine, in_rate, out_rate, 2, x, n, blocks[i], blocks[i] ? 0 : -1, rng, &o);
        double diff;
        if (!same_output(&ref, &o, 2, &diff)) {
            all_same = 0;
            diag("blocks of %zu: %zu frames (reference %zu), largest difference %g",
                 blocks[i], o.frames, ref.frames, diff);
        }
        violations += o.violations;
        held_over += o.held_max > o.latency + 1;
        worst_held = fmax(worst_held, o.held_max);
        output_free(&o);
    }
    ok(all_same, "%s %lld -> %lld: the same bits for input blocks of 1, 100, 4096 and random "
       "blocks with random output room", name, (long long)in_rate, (long long)out_rate);
    ok(violations == 0, "%s %lld -> %lld: every call uses all its input unless its output is "
       "full", name, (long long)in_rate, (long long)out_rate);
    ok(ref.latency > 0 && held_over == 0, "%s %lld -> %lld: latency %zu frames, never more held "
       "back (most seen %.1f)", name, (long long)in_rate, (long long)out_rate, ref.latency,
       worst_held);
    output_free(&ref);
    free(x[0]);
    free(x[1]);
}

/*
 * After a reset, mid-stream or after a drain, a stream comes out as on a fresh stage. soxr is
 * reset by running silence through it, so its filter blocks fall elsewhere in the stream:
 * the same to rounding, not to the bit. libsamplerate resets exactly.
 */
static void test_reset(pm_resampler_engine engine, int64_t in_rate, int64_t out_rate,
                       uint64_t *rng)
{
    const char *name = pm_resample_engine_name(engine);
    size_t n = (size_t)in_rate / 10;
    double *x = malloc(n * sizeof(double)), *z = malloc(n * sizeof(double));
    if (!x || !z)
        bail_out("out of memory");
    make_noise(x, n, rng);
    make_tone(z, n, in_rate, 3000, 0.8, 0.0);
    output fresh, o;
    convert(engine, in_rate, out_rate, 1, &z, n, MAX_BLOCK, 0, NULL, &fresh);
    pm_stage *st = make_stage(engine, in_rate, out_rate, 1, MAX_BLOCK, &o);
    double worst = 0;
    int length_ok = 1, identical = 1;
    for (int round = 0; round < 3; round++) {
        if (round)
            pm_stage_reset(st); /* after the last round's stream */
        if (round == 1) {
            /* Part of another stream, its output held back in the filter, no drain. */
            size_t used = 0, produced = 0;
            const double *in[1] = {x};
            double *out[1] = {o.ch[0]};
            pm_stage_process(st, in, 3000, &used, out, o.capacity, &produced);
            length_ok &= used == 3000;
        }
        if (round == 2) /* another whole stream, with its drain */
            stream(st, 1, in_rate, out_rate, &x, n, 777, 0, NULL, &o);
        if (round)
            pm_stage_reset(st);
        o.frames = 0;
        stream(st, 1, in_rate, out_rate, &z, n, 1000, 0, NULL, &o);
        double diff;
        identical &= same_output(&fresh, &o, 1, &diff);
        length_ok &= o.frames == fresh.frames && !o.violations;
        worst = fmax(worst, diff);
    }
    pm_stage_free(st);
    diag("%s %lld -> %lld: after reset, largest difference from a fresh stage %.3g (%s)", name,
         (long long)in_rate, (long long)out_rate, worst, identical ? "identical" : "not bitwise");
    ok(length_ok && (engine == PM_RESAMPLER_SOXR ? worst <= 1e-12 : identical),
       "%s %lld -> %lld: a stream after reset (mid-stream, after drain) equals a fresh stage's%s",
       name, (long long)in_rate, (long long)out_rate,
       engine == PM_RESAMPLER_SOXR ? " within 1e-12" : ", bit for bit");
    output_free(&fresh);
    output_free(&o);
    free(x);
    free(z);
}

/* ---------------------------------------------------------------------------------------------
 * Pass-through, arguments, allocation.
 */
static void test_pass_through(pm_resampler_engine engine, uint64_t *rng)
{
    const char *name = pm_resample_engine_name(engine);
    static const int64_t rates[] = {44100, 96000};
    for (size_t i = 0; i < 2; i++) {
        size_t n = 30011;
        double *x[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
        if (!x[0] || !x[1])
            bail_out("out of memory");
        make_noise(x[0], n, rng);
        make_noise(x[1], n, rng);
        output o;
        pm_stage *st = make_stage(engine, rates[i], rates[i], 2, MAX_BLOCK, &o);
        int in_place = st->in_place;
        stream(st, 2, rates[i], rates[i], x, n, 0, -1, rng, &o);
        pm_stage_free(st);
        int same = o.frames == n && !o.violations && !memcmp(o.ch[0], x[0], n * sizeof(double)) &&
                   !memcmp(o.ch[1], x[1], n * sizeof(double));
        ok(same && o.latency == 0 && in_place, "%s %lld -> %lld: a bit-exact pass-through, "
           "no latency, in place", name, (long long)rates[i], (long long)rates[i]);
        output_free(&o);
        free(x[0]);
        free(x[1]);
    }
}

static void test_arguments(void)
{
    pm_stage *st = (pm_stage *)1;
    pm_diag *d = pm_diag_new();
    is_int(pm_resample_new((pm_resampler_engine)7, 44100, &st, d), PM_ERR_USAGE,
           "an unknown engine is refused");
    ok(st == NULL, "and *out is NULL");
    is_int(pm_resample_new(PM_RESAMPLER_SOXR, 44100.5, &st, d), PM_ERR_USAGE,
           "an output rate of 44100.5 Hz is refused");
    is_int(pm_resample_new(PM_RESAMPLER_SOXR, 0, &st, d), PM_ERR_USAGE,
           "an output rate of 0 Hz is refused");
    is_int(pm_resample_new(PM_RESAMPLER_SOXR, 44100, &st, d), PM_OK, "44100 Hz is accepted");
    pm_stage_format in = {48000.25, 2, 512}, out;
    is_int(pm_stage_start(st, &in, &out, d), PM_ERR_INVALID, "an input rate of 48000.25 Hz is "
           "refused at start");
    pm_stage_free(st);
    is_int(pm_resample_new(PM_RESAMPLER_LIBSAMPLERATE, 300000, &st, d), PM_OK,
           "libsamplerate to 300 kHz is created");
    in.rate_hz = 1000;
    is_int(pm_stage_start(st, &in, &out, d), PM_ERR_INVALID, "but 1 kHz to 300 kHz (over 256 "
           "times) is refused at start");
    pm_stage_free(st);
    ok(pm_diag_count_severity(d, PM_SEV_ERROR) == 5, "each refusal left an error in the diag "
       "(%zu)", pm_diag_count_severity(d, PM_SEV_ERROR));
    pm_diag_free(d);
    pm_stage_free(NULL);
    is_str(pm_resample_engine_name(PM_RESAMPLER_SOXR), "soxr", "the soxr engine's name");
    is_str(pm_resample_engine_name(PM_RESAMPLER_LIBSAMPLERATE), "libsamplerate",
           "the libsamplerate engine's name");
    is_int((long long)pm_resample_count_frames(96000, 96000, 44100), 44100,
           "one second at 96 kHz is 44100 frames at 44.1 kHz");
    is_int((long long)pm_resample_count_frames(160, 48000, 44100), 147, "160 -> 147 frames");
    is_int((long long)pm_resample_count_frames(80, 48000, 44100), 74,
           "80 -> 73.5, rounded up to 74");
    is_int((long long)pm_resample_count_frames(79, 48000, 44100), 73, "79 -> 72.58 -> 73");
    is_int((long long)pm_resample_count_frames(5, 0, 44100), 0, "a rate of 0 gives 0");
}

/* Random frame counts to 2^36 against the plain formula, which is exact at that size. */
static void test_count_frames(uint64_t *rng)
{
    static const int64_t rates[] = {8000, 22050, 32000, 44100, 48000, 88200, 96000, 176400,
                                    192000};
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t a = rates[tap_rand_below(rng, 9)], b = rates[tap_rand_below(rng, 9)];
        uint64_t n = tap_rand_below(rng, (uint64_t)1 << 36);
        if (pm_resample_count_frames(n, a, b) != expected_frames(n, a, b) && !bad++)
            diag("%llu frames %lld -> %lld Hz: %llu, expected %llu", (unsigned long long)n,
                 (long long)a, (long long)b,
                 (unsigned long long)pm_resample_count_frames(n, a, b),
                 (unsigned long long)expected_frames(n, a, b));
    }
    ok(bad == 0, "pm_resample_count_frames at 200000 random lengths and rate pairs");
}

/* Every allocation in new and start may fail: each failure is PM_ERR_NOMEM, nothing crashes. */
static void test_alloc_failures(pm_resampler_engine engine)
{
    const char *name = pm_resample_engine_name(engine);
    int wrong = 0, k;
    for (k = 1; k < 100; k++) {
        pm_stage *st = NULL;
        pm_stage_format in = {96000, 2, MAX_BLOCK}, out;
        pm_alloc_fail_after((unsigned long)k);
        pm_status s = pm_resample_new(engine, 44100, &st, NULL);
        if (s == PM_OK)
            s = pm_stage_start(st, &in, &out, NULL);
        pm_alloc_fail_after(0);
        pm_stage_free(st);
        if (s == PM_OK)
            break;
        wrong += s != PM_ERR_NOMEM;
    }
    ok(wrong == 0 && k > 1 && k < 100, "%s: each of the %d allocations of new and start fails "
       "cleanly with PM_ERR_NOMEM", name, k - 1);
}

/*
 * No heap allocation after start (stage.h), in this code or in either library: counted by
 * replacing the C library's allocator entry points for the whole program with counters that
 * call glibc's own (__libc_malloc ...). Skipped under AddressSanitizer (it owns malloc), on
 * other C libraries, and when a tool such as valgrind replaces malloc first (a malloc of our
 * own must be counted).
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#endif

#if defined(__GLIBC__) && !defined(TEST_UNDER_ASAN)
#define HEAP_COUNTING 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static unsigned long *heap_calls(void)
{
    static unsigned long calls;
    return &calls;
}

void *malloc(size_t size)
{
    ++*heap_calls();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    ++*heap_calls();
    return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size)
{
    ++*heap_calls();
    return __libc_realloc(ptr, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    ++*heap_calls();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    ++*heap_calls();
    void *p = __libc_memalign(alignment, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
#endif

static void test_heap(pm_resampler_engine engine, uint64_t *rng)
{
    const char *name = pm_resample_engine_name(engine);
#ifdef HEAP_COUNTING
    unsigned long before = *heap_calls();
    void *volatile probe = malloc(16);
    free(probe);
    if (*heap_calls() == before) {
        diag("%s: heap allocations cannot be counted here; not tested", name);
        return;
    }
    unsigned long calls = 0;
    size_t n = 40000;
    double *x[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
    if (!x[0] || !x[1])
        bail_out("out of memory");
    make_noise(x[0], n, rng);
    make_noise(x[1], n, rng);
    /* The four pairs, and two with other block sizes (libsoxr's needs depend on both). */
    static const int64_t cases[][3] = {{96000, 44100, MAX_BLOCK}, {48000, 44100, MAX_BLOCK},
                                       {44100, 48000, MAX_BLOCK}, {44100, 96000, MAX_BLOCK},
                                       {44100, 192000, 1000},     {48000, 88200, 333}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t in_rate = cases[k][0], out_rate = cases[k][1];
        output o;
        pm_stage *st = make_stage(engine, in_rate, out_rate, 2, (size_t)cases[k][2], &o);
        /* Room for both streams and the largest random output request, reserved beforehand. */
        output_reserve(&o, 2, 2 * (size_t)pm_resample_count_frames(n, in_rate, out_rate) +
                                  2 * o.out_max + 256);
        size_t reserved = o.capacity;
        unsigned long start = *heap_calls();
        stream(st, 2, in_rate, out_rate, x, n, 0, -1, rng, &o);
        pm_stage_reset(st);
        stream(st, 2, in_rate, out_rate, x, n, 0, -1, rng, &o);
        unsigned long used = *heap_calls() - start;
        if (o.capacity != reserved)
            used = ULONG_MAX; /* the test itself grew its buffer: not a fair count */
        if (used || o.violations)
            diag("%s %lld -> %lld, blocks of up to %lld: %lu allocations after start, %d "
                 "contract violations", name, (long long)in_rate, (long long)out_rate,
                 (long long)cases[k][2], used, o.violations);
        calls += used + (unsigned long)o.violations;
        pm_stage_free(st);
        output_free(&o);
    }
    free(x[0]);
    free(x[1]);
    ok(calls == 0, "%s: process, drain and reset allocate nothing, with random blocks and room, "
       "at six rate pairs and block sizes", name);
#else
    (void)rng;
    diag("%s: heap allocations cannot be counted in this build; not tested", name);
#endif
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_arguments();
    test_count_frames(&rng);
    for (size_t e = 0; e < NENGINES; e++) {
        test_pass_through(engines[e], &rng);
        test_alloc_failures(engines[e]);
        test_heap(engines[e], &rng);
        for (size_t p = 0; p < NPAIRS; p++) {
            int64_t in_rate = pairs[p][0], out_rate = pairs[p][1];
            test_passband(engines[e], in_rate, out_rate);
            if (in_rate > out_rate)
                test_alias(engines[e], in_rate, out_rate);
            test_impulse(engines[e], in_rate, out_rate);
            test_lengths(engines[e], in_rate, out_rate, &rng);
            test_blocks(engines[e], in_rate, out_rate, &rng);
            test_reset(engines[e], in_rate, out_rate, &rng);
        }
    }
    return done_testing();
}
