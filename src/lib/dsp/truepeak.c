/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/truepeak.h"

enum {
    TAPS = PM_TRUEPEAK_TAPS,
    HALF = TAPS / 2,
    CHUNK = 1024, /* input frames interpolated per pass */
    SKIP_BLOCK = 64 /* points tested together for the exact skip */
};

/* Kaiser window shape: 80 dB of image rejection with TAPS = 64 (beta = 0.1102 (A - 8.7)). */
#define KAISER_BETA 8.0
#define PI 3.14159265358979323846

typedef struct channel_state {
    double buffer[TAPS - 1 + CHUNK]; /* the last TAPS-1 frames, then the new ones */
    size_t fill;                     /* new frames in buffer after the history */
    double max;
    int64_t max_frame;
} channel_state;

struct pm_truepeak {
    int channels;
    int factor;
    double gain_bound; /* max over phases of the sum of |tap|: no point exceeds input * this */
    double threshold;
    uint64_t over;
    int64_t frames_in; /* input frames consumed (excluding the flush) */
    /* coef[k * factor + p]: tap k of phase p, phases interleaved so the inner loop runs over p */
    double coef[TAPS * PM_TRUEPEAK_MAX_FACTOR];
    channel_state ch[];
};

/* Zeroth-order modified Bessel function of the first kind, by its power series. */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 64; k++) {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}

/* The interpolation kernel at t original samples from its centre: sinc(t) times a Kaiser
 * window spanning +-HALF samples. */
static double kernel(double t)
{
    double r = t / HALF;
    if (r <= -1.0 || r >= 1.0)
        return 0.0;
    double window = bessel_i0(KAISER_BETA * sqrt(1.0 - r * r)) / bessel_i0(KAISER_BETA);
    double sinc = t == 0.0 ? 1.0 : sin(PI * t) / (PI * t);
    return sinc * window;
}

/* Normalised to unit gain at DC so that a constant reads as itself. Phase 0 is the unit impulse
 * itself, not the sinc evaluated at the integers (which is it only to within 1e-16): the point on
 * a sample is that sample exactly, so that the meter never reads under the sample peak and a
 * faster path may take the sample for it. */
void pm_truepeak_design_phase(int factor, int p, double taps[PM_TRUEPEAK_TAPS])
{
    if (p == 0) {
        memset(taps, 0, TAPS * sizeof taps[0]);
        taps[HALF - 1] = 1.0;
        return;
    }
    double d = (double)p / factor, sum = 0.0;
    for (int k = 0; k < TAPS; k++) {
        taps[k] = kernel(d + (HALF - 1) - k);
        sum += taps[k];
    }
    for (int k = 0; k < TAPS; k++)
        taps[k] /= sum;
}

pm_status pm_truepeak_new(int channels, int factor, pm_truepeak **out)
{
    *out = NULL;
    if (channels < 1 || channels > PM_TRUEPEAK_MAX_CHANNELS ||
        (factor != 1 && factor != 2 && factor != 4 && factor != 8 && factor != 16))
        return PM_ERR_INVALID;
    pm_truepeak *m = pm_alloc_zeroed(1, sizeof *m + (size_t)channels * sizeof(channel_state));
    if (!m)
        return PM_ERR_NOMEM;
    m->channels = channels;
    m->factor = factor;
    m->gain_bound = 1.0;
    for (int p = 0; p < factor; p++) {
        double taps[TAPS], abs_sum = 0.0;
        pm_truepeak_design_phase(factor, p, taps);
        for (int k = 0; k < TAPS; k++) {
            m->coef[k * factor + p] = taps[k];
            abs_sum += fabs(taps[k]);
        }
        if (abs_sum > m->gain_bound)
            m->gain_bound = abs_sum;
    }
    /* A rounding margin, so that the skip test stays exact with floating-point sums. */
    m->gain_bound *= 1.0 + 1e-12;
    pm_truepeak_reset(m);
    *out = m;
    return PM_OK;
}

void pm_truepeak_free(pm_truepeak *meter)
{
    free(meter);
}

void pm_truepeak_reset(pm_truepeak *meter)
{
    meter->over = 0;
    meter->frames_in = 0;
    for (int c = 0; c < meter->channels; c++) {
        channel_state *ch = &meter->ch[c];
        memset(ch->buffer, 0, sizeof ch->buffer);
        ch->fill = 0;
        ch->max = 0.0;
        ch->max_frame = 0;
    }
}

void pm_truepeak_set_threshold(pm_truepeak *meter, double threshold)
{
    meter->threshold = threshold;
}

/* The peak bookkeeping of one point's phases, in phase order. */
static inline __attribute__((always_inline)) void judge_point(const double *acc, int factor, size_t m, double *peak,
                               size_t *peak_at, double threshold, uint64_t *over)
{
    for (int p = 0; p < factor; p++) {
        double a = fabs(acc[p]);
        if (a > *peak) {
            *peak = a;
            *peak_at = m;
        }
        if (threshold > 0.0 && a > threshold)
            (*over)++;
    }
}

/*
 * The interpolated points after frames m = first..first+count-1 of x (x indexed so that the
 * window of m is x[m-HALF+1 .. m+HALF]); the largest magnitude and where, and points over the
 * threshold. `factor` is a constant at each call site so that the phase loop unrolls and
 * vectorises: every phase accumulates independently, with no reassociation of sums.
 */
static inline __attribute__((always_inline)) void interpolate(const double *restrict coef, int factor, const double *restrict x,
                               size_t first, size_t count, double *peak, size_t *peak_at,
                               double threshold, uint64_t *over)
{
    for (size_t m = first; m < first + count; m++) {
        double acc[PM_TRUEPEAK_MAX_FACTOR] = {0};
        const double *window = x + m + 1 - HALF;
        for (int k = 0; k < TAPS; k++) {
            double v = window[k];
            for (int p = 0; p < factor; p++)
                acc[p] += coef[k * factor + p] * v;
        }
        judge_point(acc, factor, m, peak, peak_at, threshold, over);
    }
}

/* Four doubles: one vector register with AVX2, two without. */
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));

/*
 * The same at 8x (the factor of every meter in the render), four points side by side. Each
 * phase of each point still accumulates tap after tap in order, so the result is
 * interpolate()'s bit for bit; the points are computed together only because their sums do not
 * depend on each other: one point alone waits for its previous addition at every tap, four
 * fill the adder's pipeline. The eight sums are named so that they stay in registers.
 */
static inline __attribute__((always_inline)) void interpolate_8x(
    const double *restrict coef, const double *restrict x, size_t first, size_t count,
    double *peak, size_t *peak_at, double threshold, uint64_t *over)
{
    size_t m = first, stop = first + count;
    for (; m + 4 <= stop; m += 4) {
        v4d a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0}, a2 = {0}, b2 = {0}, a3 = {0}, b3 = {0};
        const double *w = x + m + 1 - HALF;
        for (int k = 0; k < TAPS; k++) {
            v4d lo, hi;
            memcpy(&lo, coef + 8 * k, sizeof lo);
            memcpy(&hi, coef + 8 * k + 4, sizeof hi);
            v4d v0 = {w[k], w[k], w[k], w[k]}, v1 = {w[k + 1], w[k + 1], w[k + 1], w[k + 1]};
            v4d v2 = {w[k + 2], w[k + 2], w[k + 2], w[k + 2]};
            v4d v3 = {w[k + 3], w[k + 3], w[k + 3], w[k + 3]};
            a0 += lo * v0;
            b0 += hi * v0;
            a1 += lo * v1;
            b1 += hi * v1;
            a2 += lo * v2;
            b2 += hi * v2;
            a3 += lo * v3;
            b3 += hi * v3;
        }
        v4d sums[8] = {a0, b0, a1, b1, a2, b2, a3, b3};
        double point[8 * 4];
        memcpy(point, sums, sizeof point);
        for (size_t j = 0; j < 4; j++)
            judge_point(point + 8 * j, 8, m + j, peak, peak_at, threshold, over);
    }
    if (m < stop)
        interpolate(coef, 8, x, m, stop - m, peak, peak_at, threshold, over);
}

/* Built for AVX2 and for the baseline; the loader picks one. Both round alike (no fused
 * multiply-add: -ffp-contract=off), so the result does not depend on the machine. */
__attribute__((target_clones("avx2", "default"))) static void interpolate_any(const pm_truepeak *meter, const double *x, size_t first, size_t count,
                            double *peak, size_t *peak_at, uint64_t *over)
{
    const double *coef = meter->coef;
    double t = meter->threshold;
    switch (meter->factor) {
    case 1: interpolate(coef, 1, x, first, count, peak, peak_at, t, over); break;
    case 2: interpolate(coef, 2, x, first, count, peak, peak_at, t, over); break;
    case 4: interpolate(coef, 4, x, first, count, peak, peak_at, t, over); break;
    case 8: interpolate_8x(coef, x, first, count, peak, peak_at, t, over); break;
    default: interpolate(coef, 16, x, first, count, peak, peak_at, t, over); break;
    }
}

/* Interpolate every point whose window lies in the buffer, then keep the last TAPS-1 frames.
 * Buffer index i is input frame base + i. */
static void run_channel(pm_truepeak *meter, channel_state *ch, int64_t base)
{
    size_t n = ch->fill; /* points m = HALF-1 .. HALF-2+n have their whole window */
    const double *x = ch->buffer;
    for (size_t start = 0; start < n; start += SKIP_BLOCK) {
        size_t count = n - start < SKIP_BLOCK ? n - start : SKIP_BLOCK;
        size_t first = HALF - 1 + start;
        if (meter->threshold <= 0.0) {
            /* The exact skip: no point of this block can beat the peak already found. */
            double in_max = 0.0;
            for (size_t i = first + 1 - HALF; i < first + count + HALF; i++) {
                double a = fabs(x[i]);
                in_max = a > in_max ? a : in_max;
            }
            if (in_max * meter->gain_bound <= ch->max)
                continue;
        }
        double peak = ch->max;
        size_t peak_at = 0;
        interpolate_any(meter, x, first, count, &peak, &peak_at, &meter->over);
        if (peak > ch->max) {
            ch->max = peak;
            ch->max_frame = base + (int64_t)peak_at;
        }
    }
    memmove(ch->buffer, ch->buffer + n, (TAPS - 1) * sizeof ch->buffer[0]);
    ch->fill = 0;
}

static void feed(pm_truepeak *meter, const double *const *in, size_t frames)
{
    size_t done = 0;
    while (done < frames) {
        size_t room = CHUNK - meter->ch[0].fill;
        size_t n = frames - done < room ? frames - done : room;
        for (int c = 0; c < meter->channels; c++) {
            channel_state *ch = &meter->ch[c];
            if (in)
                memcpy(ch->buffer + TAPS - 1 + ch->fill, in[c] + done, n * sizeof(double));
            else
                memset(ch->buffer + TAPS - 1 + ch->fill, 0, n * sizeof(double));
            ch->fill += n;
        }
        done += n;
        if (meter->ch[0].fill == CHUNK) {
            /* buffer index TAPS-1 is the first frame of this chunk */
            int64_t base = meter->frames_in + (int64_t)done - CHUNK - (TAPS - 1);
            for (int c = 0; c < meter->channels; c++)
                run_channel(meter, &meter->ch[c], base);
        }
    }
}

void pm_truepeak_process(pm_truepeak *meter, const double *const *in, size_t frames)
{
    feed(meter, in, frames);
    meter->frames_in += (int64_t)frames;
}

void pm_truepeak_finish(pm_truepeak *meter)
{
    /* TAPS-1 frames of silence bring every point up to the last frame's window through. */
    feed(meter, NULL, TAPS - 1);
    size_t fill = meter->ch[0].fill;
    if (fill > 0) {
        int64_t base = meter->frames_in + (int64_t)(TAPS - 1) - (int64_t)fill - (TAPS - 1);
        for (int c = 0; c < meter->channels; c++)
            run_channel(meter, &meter->ch[c], base);
    }
    /* The flush frames are not input: the next process continues the count. */
}

double pm_truepeak_max(const pm_truepeak *meter, int channel)
{
    return meter->ch[channel].max;
}

int64_t pm_truepeak_max_frame(const pm_truepeak *meter, int channel)
{
    return meter->ch[channel].max_frame;
}

uint64_t pm_truepeak_count_over(const pm_truepeak *meter)
{
    return meter->over;
}

double pm_truepeak_reference(const double *samples, size_t frames, int factor)
{
    double peak = 0.0;
    /* Every point from HALF frames before the signal to HALF-1 frames after it. */
    double taps[PM_TRUEPEAK_MAX_FACTOR][TAPS];
    for (int p = 0; p < factor; p++)
        pm_truepeak_design_phase(factor, p, taps[p]);
    for (int64_t m = -HALF; m < (int64_t)frames + HALF - 1; m++) {
        for (int p = 0; p < factor; p++) {
            double y = 0.0;
            for (int k = 0; k < TAPS; k++) {
                int64_t i = m - HALF + 1 + k;
                if (i >= 0 && i < (int64_t)frames)
                    y += taps[p][k] * samples[i];
            }
            if (fabs(y) > peak)
                peak = fabs(y);
        }
    }
    return peak;
}

double pm_db_from_linear(double linear)
{
    return linear > 0.0 ? 20.0 * log10(linear) : -INFINITY;
}
