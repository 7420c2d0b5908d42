/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/truepeak.h"

enum {
    TAPS = PM_TRUEPEAK_TAPS,
    HALF = TAPS / 2,
    CHUNK = 1024,     /* input frames interpolated per pass */
    SKIP_BLOCK = 64,  /* points tested together for the exact skip (bits of a uint64_t) */
    SCREEN_POINTS = 8 /* points screened together in single precision, one per float lane */
};

/*
 * The single-precision screen at 8x (see screen_block()): |f - d| <= (SCREEN_REL * gain_bound +
 * screen_asym) * max|x| + SCREEN_ABS for every phase of every point, f the screen's float value
 * and d the double value the meter reports, max|x| over the point's window.
 *
 * The screen computes y_p = sum_k c[k] x[k] of phase p as sum over k < 32 of a[k] s[k] + b[k]
 * t[k], with a = (c[k] + c[63-k]) / 2, b = (c[k] - c[63-k]) / 2, s = x[k] + x[63-k] and t = x[k]
 * - x[63-k] (an identity), and y_(8-p) as the same sums subtracted: phase 8-p is phase p
 * mirrored. Phase 4 is its own mirror, so its b is 0. Where the double taps are mirrors only to
 * within rounding, the difference, times max|x|, is screen_asym.
 *
 * The error, with u = 2^-24 the unit roundoff of float: let N = sum over k < 32 of
 * max(|c[k]|, |c[63-k]|) (|x[k]| + |x[63-k]|) <= 2 gain_bound max|x|; as |a| + |b| =
 * max(|c[k]|, |c[63-k]|), N bounds sum |a s| + |b t| too. Rounding the inputs to float and
 * forming s and t err by 2u (|x[k]| + |x[63-k]|) per term, 2u N in all; rounding a and b to
 * float (after their double rounding) u N; the 32 products and 31 additions of each sum at most
 * gamma_32 = 32u / (1 - 32u) < 32.1u of N (the standard bound for a sum of products, whatever
 * the order); the final addition u N. With the double sum's own error (gamma_64 in double, under
 * 2^-47 N), under 36.2u N <= 72.4u gain_bound max|x|: SCREEN_REL = 2^-16 = 256u leaves a factor
 * of 3.5 for the rounding of the bound itself and of the limits that it moves (the peak or the
 * threshold minus or plus the bound, 2^-53 of it: covered unless the peak or the threshold is
 * 2^37 times gain_bound max|x|, and then no point comes near it). Under FLT_MIN values lose
 * relative precision in float: each conversion, product and addition errs by at most 2^-150
 * absolutely, under 2^-140 in all, and products under DBL_MIN by 2^-1075 in double: SCREEN_ABS
 * = 2^-120 covers both. Inputs over SCREEN_LIMIT (or infinite) are not screened, so nothing
 * overflows in float.
 */
#define SCREEN_REL 0x1p-16
#define SCREEN_ABS 0x1p-120
#define SCREEN_LIMIT 0x1p64

/* Kaiser window shape: 80 dB of image rejection with TAPS = 64 (beta = 0.1102 (A - 8.7)). */
#define KAISER_BETA 8.0
#define PI 3.14159265358979323846

typedef struct channel_state {
    double buffer[TAPS - 1 + CHUNK]; /* the last TAPS-1 frames, then the new ones */
    /* buffer in float for the screen at 8x; the last group of points may read past the end */
    float buffer_float[TAPS - 1 + CHUNK + SCREEN_POINTS];
    size_t fill; /* new frames in buffer after the history */
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
    /* at 8x, for the screen: screen_coef[k * 8 + j] for k < TAPS/2, j = 0..6 the a and b of
     * phases 1, 2, 3, then the a of phase 4, in float (phase 0 is the sample itself) */
    float screen_coef[HALF * 8];
    double screen_asym; /* how far the double taps are from mirror images, summed */
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

/* The screen's taps (see SCREEN_REL) from the double ones in coef, at 8x. */
static void design_screen(pm_truepeak *m)
{
    double asym[8] = {0};
    for (int k = 0; k < HALF; k++) {
        for (int p = 1; p <= 4; p++) {
            double c = m->coef[k * 8 + p], mirror = m->coef[(TAPS - 1 - k) * 8 + p];
            m->screen_coef[k * 8 + 2 * (p - 1)] = (float)((c + mirror) / 2.0);
            if (p < 4)
                m->screen_coef[k * 8 + 2 * p - 1] = (float)((c - mirror) / 2.0);
            else
                asym[4] += fabs(c - mirror); /* taken for 0 */
        }
        for (int p = 1; p < 4; p++) {
            /* phase 8-p is taken for phase p mirrored, at tap k and at tap 63-k */
            asym[8 - p] += fabs(m->coef[k * 8 + 8 - p] - m->coef[(TAPS - 1 - k) * 8 + p]);
            asym[8 - p] += fabs(m->coef[(TAPS - 1 - k) * 8 + 8 - p] - m->coef[k * 8 + p]);
        }
    }
    m->screen_asym = 0.0;
    for (int p = 0; p < 8; p++)
        m->screen_asym = asym[p] > m->screen_asym ? asym[p] : m->screen_asym;
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
    if (factor == 8)
        design_screen(m);
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
        memset(ch->buffer_float, 0, sizeof ch->buffer_float);
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
static inline __attribute__((always_inline)) void judge_point(const double *acc, int factor,
                                                              size_t m, double *peak,
                                                              size_t *peak_at, double threshold,
                                                              uint64_t *over)
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
static inline __attribute__((always_inline)) void
interpolate(const double *restrict coef, int factor, const double *restrict x, size_t first,
            size_t count, double *peak, size_t *peak_at, double threshold, uint64_t *over)
{
    for (size_t m = first; m < first + count; m++) {
        double acc[PM_TRUEPEAK_MAX_FACTOR];
        for (int p = 0; p < factor; p++)
            acc[p] = 0.0;
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
 * The same at 8x (the factor of every meter in the render) for the points m = points[0..n),
 * in that order, four side by side. Each phase of each point still accumulates tap after tap
 * in order, so the result is interpolate()'s bit for bit; the points are computed together only
 * because their sums do not depend on each other: one point alone waits for its previous
 * addition at every tap, four fill the adder's pipeline. The eight sums are named so that they
 * stay in registers.
 */
static inline __attribute__((always_inline)) void
interpolate_8x(const double *restrict coef, const double *restrict x, const size_t *points,
               size_t n, double *peak, size_t *peak_at, double threshold, uint64_t *over)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0}, a2 = {0}, b2 = {0}, a3 = {0}, b3 = {0};
        const double *w0 = x + points[i] + 1 - HALF, *w1 = x + points[i + 1] + 1 - HALF;
        const double *w2 = x + points[i + 2] + 1 - HALF, *w3 = x + points[i + 3] + 1 - HALF;
        for (int k = 0; k < TAPS; k++) {
            v4d lo, hi;
            memcpy(&lo, coef + 8 * k, sizeof lo);
            memcpy(&hi, coef + 8 * k + 4, sizeof hi);
            v4d v0 = {w0[k], w0[k], w0[k], w0[k]}, v1 = {w1[k], w1[k], w1[k], w1[k]};
            v4d v2 = {w2[k], w2[k], w2[k], w2[k]}, v3 = {w3[k], w3[k], w3[k], w3[k]};
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
            judge_point(point + 8 * j, 8, points[i + j], peak, peak_at, threshold, over);
    }
    for (; i < n; i++)
        interpolate(coef, 8, x, points[i], 1, peak, peak_at, threshold, over);
}

/* Built for AVX2 and for the baseline; the loader picks one. Both round alike (no fused
 * multiply-add: -ffp-contract=off), so the result does not depend on the machine. At 8x the
 * points m = points[0..n), in increasing order, of the block first..first+count-1; at the
 * other factors, which are not screened, every point of the block. */
__attribute__((target_clones("avx2", "default"))) static void
interpolate_any(const pm_truepeak *meter, const double *x, size_t first, size_t count,
                const size_t *points, size_t n, double *peak, size_t *peak_at, uint64_t *over)
{
    const double *coef = meter->coef;
    double t = meter->threshold;
    switch (meter->factor) {
    case 1: interpolate(coef, 1, x, first, count, peak, peak_at, t, over); break;
    case 2: interpolate(coef, 2, x, first, count, peak, peak_at, t, over); break;
    case 4: interpolate(coef, 4, x, first, count, peak, peak_at, t, over); break;
    case 8: interpolate_8x(coef, x, points, n, peak, peak_at, t, over); break;
    default: interpolate(coef, 16, x, first, count, peak, peak_at, t, over); break;
    }
}

/* Eight floats: one vector register with AVX2, two without. */
typedef float v8f __attribute__((vector_size(8 * sizeof(float))));
typedef int32_t v8i __attribute__((vector_size(8 * sizeof(int32_t))));

/* What a block's screen may conclude from a float value f of a point: |f| <= below_peak means
 * the point cannot beat the peak; |f| <= below_threshold that it is not over the threshold,
 * |f| > above_threshold that it is. Otherwise the point is computed in double. */
typedef struct screen_limits {
    float below_peak, below_threshold, above_threshold;
} screen_limits;

/*
 * The screen: the points after frames m = first..first+count-1 (count <= SKIP_BLOCK) of fx
 * (the float copy of the buffer), in single precision, eight points side by side in the lanes
 * of a vector (phase 0 is the sample itself and needs no sum; the others are computed from
 * three mirrored pairs and phase 4, see SCREEN_REL). Returns a mask of the points (bit j for
 * m = first + j) that the limits cannot decide; adds the points over the threshold among the
 * others to *over.
 */
static inline __attribute__((always_inline)) uint64_t
screen_block(const float *restrict fcoef, const float *restrict fx, size_t first, size_t count,
             screen_limits limits, uint64_t *over)
{
    const v8i magnitude = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
                           0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    uint64_t undecided = 0;
    for (size_t g = 0; g < count; g += SCREEN_POINTS) {
        size_t m = first + g;
        const float *w = fx + m + 1 - HALF;
        v8f a1 = {0}, b1 = {0}, a2 = {0}, b2 = {0}, a3 = {0}, b3 = {0}, a4 = {0};
        for (int k = 0; k < HALF; k++) {
            v8f near, far;
            memcpy(&near, w + k, sizeof near);
            memcpy(&far, w + TAPS - 1 - k, sizeof far);
            v8f sum = near + far, difference = near - far;
            const float *c = fcoef + 8 * k;
            a1 += c[0] * sum;
            b1 += c[1] * difference;
            a2 += c[2] * sum;
            b2 += c[3] * difference;
            a3 += c[4] * sum;
            b3 += c[5] * difference;
            a4 += c[6] * sum;
        }
        v8f sample;
        memcpy(&sample, fx + m, sizeof sample);
        v8f phases[8] = {sample, a1 + b1, a2 + b2, a3 + b3, a4, a3 - b3, a2 - b2, a1 - b1};
        v8i decided = ~(v8i){0}, counted = {0};
        for (int p = 0; p < 8; p++) {
            v8f a = (v8f)((v8i)phases[p] & magnitude);
            /* NaN compares false everywhere: undecided, and left to the double path */
            v8i is_over = a > limits.above_threshold;
            decided &= (a <= limits.below_peak) & ((a <= limits.below_threshold) | is_over);
            counted -= is_over;
        }
        size_t lanes = count - g < SCREEN_POINTS ? count - g : SCREEN_POINTS;
        for (size_t j = 0; j < lanes; j++) {
            if (decided[j])
                *over += (uint64_t)counted[j];
            else
                undecided |= (uint64_t)1 << (g + j);
        }
    }
    return undecided;
}

__attribute__((target_clones("avx2", "default"))) static uint64_t
screen_any(const pm_truepeak *meter, const float *fx, size_t first, size_t count,
           screen_limits limits, uint64_t *over)
{
    return screen_block(meter->screen_coef, fx, first, count, limits, over);
}

/* The largest float at or under v, and the smallest at or over it. IEEE conversion (C11 Annex
 * F) rounds to nearest and overflows to infinity. */
static float float_below(double v)
{
    if (v >= FLT_MAX)
        return FLT_MAX;
    float f = (float)v;
    return (double)f > v ? nextafterf(f, -INFINITY) : f;
}

static float float_above(double v)
{
    if (v > FLT_MAX)
        return INFINITY;
    float f = (float)v;
    return (double)f < v ? nextafterf(f, INFINITY) : f;
}

/*
 * Which points of a block at 8x need the double path, given the largest input magnitude in the
 * block's windows (in_max <= SCREEN_LIMIT): those whose float value, within the screen's error
 * bound, might beat the peak or might lie on either side of the threshold.
 */
static uint64_t screen(pm_truepeak *meter, const channel_state *ch, size_t first, size_t count,
                       double in_max)
{
    double error = (SCREEN_REL * meter->gain_bound + meter->screen_asym) * in_max + SCREEN_ABS;
    screen_limits limits = {float_below(ch->max - error), INFINITY, INFINITY};
    if (meter->threshold > 0.0) {
        limits.below_threshold = float_below(meter->threshold - error);
        limits.above_threshold = float_above(meter->threshold + error);
    }
    return screen_any(meter, ch->buffer_float, first, count, limits, &meter->over);
}

typedef int64_t v4l __attribute__((vector_size(4 * sizeof(int64_t))));
typedef float v4f __attribute__((vector_size(4 * sizeof(float))));

/* The largest |x[i]| for i < n, NaN left out (it compares false), as the plain loop would
 * find it; eight at a time, in two independent running maxima. */
__attribute__((target_clones("avx2", "default"))) static double
largest_magnitude(const double *restrict x, size_t n)
{
    const v4l magnitude = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    v4d run0 = {0}, run1 = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v4d a0, a1;
        memcpy(&a0, x + i, sizeof a0);
        memcpy(&a1, x + i + 4, sizeof a1);
        a0 = (v4d)((v4l)a0 & magnitude);
        a1 = (v4d)((v4l)a1 & magnitude);
        v4l up0 = a0 > run0, up1 = a1 > run1;
        run0 = (v4d)(((v4l)a0 & up0) | ((v4l)run0 & ~up0));
        run1 = (v4d)(((v4l)a1 & up1) | ((v4l)run1 & ~up1));
    }
    double largest = 0.0;
    for (int j = 0; j < 4; j++) {
        largest = run0[j] > largest ? run0[j] : largest;
        largest = run1[j] > largest ? run1[j] : largest;
    }
    for (; i < n; i++) {
        double a = fabs(x[i]);
        largest = a > largest ? a : largest;
    }
    return largest;
}

/* f[i] = x[i] rounded to float, for i < n. IEEE conversion (C11 Annex F) rounds to nearest and
 * overflows to infinity; such blocks are not screened. */
__attribute__((target_clones("avx2", "default"))) static void
round_to_float(const double *restrict x, float *restrict f, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d d;
        memcpy(&d, x + i, sizeof d);
        v4f r = __builtin_convertvector(d, v4f);
        memcpy(f + i, &r, sizeof r);
    }
    for (; i < n; i++)
        f[i] = (float)x[i];
}

/* Interpolate every point whose window lies in the buffer, then keep the last TAPS-1 frames.
 * Buffer index i is input frame base + i. */
static void run_channel(pm_truepeak *meter, channel_state *ch, int64_t base)
{
    size_t n = ch->fill; /* points m = HALF-1 .. HALF-2+n have their whole window */
    const double *x = ch->buffer;
    int screening = meter->factor == 8;
    if (screening)
        round_to_float(x + TAPS - 1, ch->buffer_float + TAPS - 1, n);
    /* Points over the threshold may not be skipped, nor points that may beat the peak. */
    double ceiling = ch->max;
    if (meter->threshold > 0.0 && meter->threshold < ceiling)
        ceiling = meter->threshold;
    for (size_t start = 0; start < n; start += SKIP_BLOCK) {
        size_t count = n - start < SKIP_BLOCK ? n - start : SKIP_BLOCK;
        size_t first = HALF - 1 + start;
        /* The exact skip: no point of this block can pass the ceiling, as no point exceeds its
         * largest input times gain_bound, up to the absolute rounding of products under
         * DBL_MIN (64 times 2^-1075 at most). NaN inputs are left out of in_max: every point
         * whose window holds one is NaN, which never counts. */
        double in_max = largest_magnitude(x + first + 1 - HALF, count + TAPS - 1);
        if (in_max == 0.0 || in_max * meter->gain_bound + DBL_MIN <= ceiling)
            continue;
        uint64_t undecided = count == SKIP_BLOCK ? ~(uint64_t)0 : ((uint64_t)1 << count) - 1;
        if (screening && in_max <= SCREEN_LIMIT)
            undecided = screen(meter, ch, first, count, in_max);
        size_t points[SKIP_BLOCK], n_points = 0;
        for (; undecided; undecided &= undecided - 1)
            points[n_points++] = first + (size_t)__builtin_ctzll(undecided);
        if (n_points == 0)
            continue;
        double peak = ch->max;
        size_t peak_at = 0;
        interpolate_any(meter, x, first, count, points, n_points, &peak, &peak_at, &meter->over);
        if (peak > ch->max) {
            ch->max = peak;
            ch->max_frame = base + (int64_t)peak_at;
            ceiling = meter->threshold > 0.0 && meter->threshold < peak ? meter->threshold : peak;
        }
    }
    memmove(ch->buffer, ch->buffer + n, (TAPS - 1) * sizeof ch->buffer[0]);
    memmove(ch->buffer_float, ch->buffer_float + n, (TAPS - 1) * sizeof ch->buffer_float[0]);
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
