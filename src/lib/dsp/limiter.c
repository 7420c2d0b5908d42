/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/limiter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/truepeak.h"

enum {
    TAPS = PM_TRUEPEAK_TAPS,
    HALF = TAPS / 2, /* future frames the detector needs */
    HOLD = HALF,     /* frames the hold reaches either side of a peak: the kernel's half-width */
    CHUNK = 512,     /* input frames per pass: every scratch array stays in L1 */
    TILE = 32,       /* detection points per skip test */
    GROUP = 8        /* detection points summed side by side (detect_tile) */
};

/* The smoothing sums count the gain in steps of 2^-32 (2.3e-10): exact integers never drift,
 * and two boxes of up to 2^15 frames each still fit in 63 bits. */
#define FIXED_ONE 4294967296.0
/* A recovering gain this close to 1 becomes 1, so that the output is again the exact input
 * (x + (1 - x) k can stall one ulp under 1 for ever). */
#define SNAP_BELOW 1e-9
/*
 * The single-precision detector's worst rounding, relative, with room: the skip bound is raised
 * by it so that the skip stays exact. With u = 2^-24, G = skip_gain's bound (see design_pairs)
 * and M the window's largest magnitude, a phase is A + B or A - B (see sum_pairs); exactly,
 * |A +- B| <= G M. Let N = sum over k < HALF of (|a| + |b|) (|x[k]| + |x[TAPS-1-k]|) <= 2 G M
 * (|a| + |b| = max(|a + b|, |a - b|)). Forming s and d errs by u N in all; each sum of 32
 * products by gamma_32 = 32u / (1 - 32u) < 32.1u of its terms' magnitudes, 32.1u N for both; the
 * final A +- B u N: under 34.2u N <= 68.4u G M. The vertex: m - l and m - r are exact or
 * rounded once (no cancellation: both are differences of magnitudes under m, which is why the
 * depth is summed from them rather than from 2m - l - r, where a tie could round it to 0 beside
 * a slope of one ulp and lift a grid point by 10^15); the lift, at most m/8 exactly, gains at
 * most 6u, the final addition u: a detected peak is at most 1.125 G M (1 + 71u). The test rounds
 * in_max * skip_gain and skip_gain itself once each (2u): DETECT_ROUNDING = 1e-5 = 168u covers
 * the 73u with more than twice as much to spare. Values under FLT_MIN err absolutely by 2^-140
 * at most, far under any threshold. Against the double kernel the taps' and samples' rounding
 * to float add 2u N, and phase F-p's double taps are the mirror of phase p's to within 1e-16:
 * the detector reads a point within 72.4u G M (4.3e-6 G M) of its double evaluation, checked on
 * hard material by test-limiter.
 */
#define DETECT_ROUNDING 1e-5

typedef struct limiter {
    pm_stage base;
    pm_limiter_config config;
    /* fixed by start */
    int channels;
    size_t latency;    /* L: the delay, in frames */
    size_t ramp;       /* W = L - HALF - HOLD + 1 */
    size_t box1, box2; /* the two moving averages: box1 + box2 - 1 = ramp */
    double margin_db;  /* see PM_LIMITER_MARGIN_DB */
    double threshold;  /* linear: the ceiling lowered by the margin */
    float threshold_f;
    double release_step; /* per frame: 1 - exp(-1 / (release_sec * rate)) */
    float skip_gain;     /* no detected peak exceeds max |window| * this */
    int factor;          /* oversampling */
    /* the mirrored pairs' taps, see sum_pairs */
    float sym[(PM_TRUEPEAK_MAX_FACTOR - 1) * HALF];
    /* buffers, allocated by start */
    double *delay[PM_STAGE_MAX_CHANNELS]; /* the last L frames, up to CHUNK new, 8 spare */
    float *detect[PM_STAGE_MAX_CHANNELS]; /* the last TAPS frames, CHUNK new, TILE spare */
    float before[PM_STAGE_MAX_CHANNELS];  /* the last phase of the last point, or NaN */
    float *peak;                          /* CHUNK: detected peak of each new frame */
    double *gain;                         /* CHUNK: gain of each frame leaving the delay */
    int64_t *dq_index;                    /* the hold's monotonic deque, circular */
    double *dq_value;
    size_t dq_capacity, dq_head, dq_count;
    int64_t *ring1, *ring2; /* the moving averages' histories */
    size_t pos1, pos2;
    int64_t sum1, sum2, full2;
    double per_full2; /* 1 / full2 */
    double envelope;  /* the held gain after the release, before smoothing */
    /* the stream */
    int64_t frames_in;  /* input frames taken, drain's silence included */
    size_t silence_fed; /* frames of silence drain has fed */
    double min_gain;
    uint64_t reduced;
} limiter;

void pm_limiter_config_init(pm_limiter_config *config)
{
    config->ceiling_dbtp = -1.0;
    config->release_sec = 0.050;
    config->lookahead_sec = 0.003;
    config->oversampling = 8;
}

/* The kernel's phase F-p is phase p mirrored (tap k of one is tap TAPS-1-k of the other), and
 * phase F/2 is its own mirror. So with s[k] = x[k] + x[TAPS-1-k] and d[k] = x[k] - x[TAPS-1-k]
 * for k < HALF, a[k] and b[k] the half-sum and half-difference of phase p's taps k and TAPS-1-k,
 * A = sum a s and B = sum b d (an identity), phase p is A + B and phase F-p is A - B: half the
 * products. sym[k * (F-1) + j] holds, for pair p = 1 .. F/2-1, a at j = 2(p-1) and b at
 * j = 2p-1, and phase F/2's a at j = F-2 (its b is 0). */

/* Phase F-1 of the point whose window starts at x, summed exactly as the lanes of sum_pairs. */
static inline float last_phase(const float *restrict sym, int factor, const float *restrict x)
{
    float a_sum = 0.0f, b_sum = 0.0f;
    for (int k = 0; k < HALF; k++) {
        a_sum += sym[k * (factor - 1)] * (x[k] + x[TAPS - 1 - k]);
        b_sum += sym[k * (factor - 1) + 1] * (x[k] - x[TAPS - 1 - k]);
    }
    return a_sum - b_sum;
}

/* GROUP floats, one vector (two on the baseline): the sums' accumulators must stay in registers,
 * which the compiler's own vectorisation of arrays of GROUP did not do (at 8x it kept one in
 * memory, inside the loop's dependency chain). */
typedef float group_v __attribute__((vector_size(GROUP * sizeof(float))));

/* The phases that sym's columns column (a) and column + 1 (b) make: p = column / 2 + 1 is
 * A + B and factor - p is A - B; the last column, phase factor / 2, is A alone. */
__attribute__((always_inline)) static inline void
put_phases(float rows[][GROUP], const int factor, const int column, const group_v *a,
           const group_v *b)
{
    const int p = column / 2 + 1;
    if (column == factor - 2) {
        memcpy(rows[p], a, sizeof *a);
        return;
    }
    group_v plus = *a + *b, minus = *a - *b;
    memcpy(rows[p], &plus, sizeof plus);
    memcpy(rows[factor - p], &minus, sizeof minus);
}

/*
 * rows[p][g] of the phases that columns first .. first + count - 1 of sym make (count 1 to 8,
 * first even: whole pairs), over the GROUP points whose windows start at xs + g: the points
 * side by side in the lanes of a vector, each column's sum a named accumulator, the columns of
 * one k contiguous. Every lane sums its terms in order of k, so the vector code (AVX2 or the
 * baseline), the plain code and last_phase() round alike.
 */
__attribute__((always_inline)) static inline void
sum_pairs(const float *restrict sym, const int factor, const int first, const int count,
          const float *restrict xs, float rows[][GROUP])
{
    group_v r0 = {0}, r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0}, r5 = {0}, r6 = {0}, r7 = {0};
    for (int k = 0; k < HALF; k++) {
        const float *c = sym + k * (factor - 1) + first;
        group_v near, far;
        memcpy(&near, xs + k, sizeof near);
        memcpy(&far, xs + TAPS - 1 - k, sizeof far);
        const group_v s = near + far, d = near - far;
        /* count and first are constants at every call, so the tests fold away: even columns
         * are a (on s), odd ones b (on d); phase F/2's a is at the even F-2. */
        r0 += c[0] * s;
        if (count > 1)
            r1 += c[1] * d;
        if (count > 2)
            r2 += c[2] * s;
        if (count > 3)
            r3 += c[3] * d;
        if (count > 4)
            r4 += c[4] * s;
        if (count > 5)
            r5 += c[5] * d;
        if (count > 6)
            r6 += c[6] * s;
        if (count > 7)
            r7 += c[7] * d;
    }
    put_phases(rows, factor, first, &r0, &r1);
    if (count > 2)
        put_phases(rows, factor, first + 2, &r2, &r3);
    if (count > 4)
        put_phases(rows, factor, first + 4, &r4, &r5);
    if (count > 6)
        put_phases(rows, factor, first + 6, &r6, &r7);
}

/*
 * TILE detection points from x, where x[t .. t + TAPS - 1] is the window of point t (the
 * points between frame x[t + HALF - 1] and the next) and x[-1] exists: the peak of each point,
 * raised into peak[0 .. count). before is the last phase of the point before (NaN when it was
 * not computed); returns that of the last point.
 *
 * The peak between the grid points: each local maximum of the grid's magnitudes (phase 0 is
 * the sample; the frame before's last phase and the next frame's sample are the neighbours at
 * the ends) is lifted to the vertex of the parabola through it and its two neighbours, and the
 * largest is the point's peak. On a sine the grid alone reads low by up to 0.17 dB at 8x
 * (0.69 dB at 4x) at fs/2, which a 16x meter finds; the vertex reads low by at most 0.005 dB
 * at 8x (0.05 dB at 4x up to 0.45 fs, 0.07 dB at fs/2). The lift is never negative and at
 * most 1/8 of the maximum (VERTEX_MAX_GAIN), which the skip allows for.
 *
 * The loops over the points are elementwise, so they vectorise like the sums: which points are
 * local maxima is decided by comparisons feeding products, not by branches (they would be
 * random, and the compiler cannot vectorise a branch).
 */
#define VERTEX_MAX_GAIN 1.125

__attribute__((always_inline)) static inline float
detect_tile(const float *restrict sym, const int factor, const float *restrict x,
            float *restrict peak, size_t count, float before)
{
    for (size_t t0 = 0; t0 < count; t0 += GROUP) {
        float rows[PM_TRUEPEAK_MAX_FACTOR][GROUP];
        const float *xs = x + t0;
        /* Phase 0 is the sample (the kernel's phase 0 is the unit impulse): taken as it is,
         * which saves a sum. Then the others in mirrored pairs, 8 sums at most at a time. */
        for (int g = 0; g < GROUP; g++)
            rows[0][g] = xs[g + HALF - 1];
        if (factor == 16) {
            sum_pairs(sym, factor, 0, 8, xs, rows);
            sum_pairs(sym, factor, 8, 7, xs, rows);
        } else {
            sum_pairs(sym, factor, 0, factor - 1, xs, rows);
        }
        if (isnan(before))
            before = last_phase(sym, factor, xs - 1);

        /* The magnitudes on the grid, each phase with its neighbours: the frame before's
         * last phase, the next frame's sample. */
        float mag[PM_TRUEPEAK_MAX_FACTOR + 2][GROUP], value[GROUP];
        mag[0][0] = fabsf(before);
        for (int g = 1; g < GROUP; g++)
            mag[0][g] = fabsf(rows[factor - 1][g - 1]);
        for (int p = 0; p < factor; p++)
            for (int g = 0; g < GROUP; g++)
                mag[p + 1][g] = fabsf(rows[p][g]);
        for (int g = 0; g < GROUP; g++) {
            mag[factor + 1][g] = fabsf(xs[g + HALF]);
            value[g] = 0.0f;
        }
        /* Where a neighbour is larger the lift is multiplied by 0. Selects are between
         * constants only: the compiler turns a select of a computed value into a branch
         * around the computation (which might trap). With both neighbours not larger the
         * depth is positive, or 0 with no slope either. The grid point itself counts too, so
         * that a lift that overflows (beyond +85 dBFS) cannot hide it. */
        for (int p = 1; p <= factor; p++) {
            for (int g = 0; g < GROUP; g++) {
                float l = mag[p - 1][g], m = mag[p][g], r = mag[p + 1][g];
                float depth = 8.0f * ((m - l) + (m - r)), slope = l - r;
                float larger = l > r ? l : r;
                float keep = larger > m ? 0.0f : 1.0f;
                depth = depth > 1e-30f ? depth : 1e-30f;
                float top = m + keep * (slope * slope) / depth;
                value[g] = m > value[g] ? m : value[g];
                value[g] = top > value[g] ? top : value[g];
            }
        }
        size_t n = count - t0 < GROUP ? count - t0 : GROUP;
        if (n == GROUP) { /* a constant count, so that it vectorises */
            for (size_t g = 0; g < GROUP; g++)
                peak[t0 + g] = value[g] > peak[t0 + g] ? value[g] : peak[t0 + g];
        } else {
            for (size_t g = 0; g < n; g++)
                peak[t0 + g] = value[g] > peak[t0 + g] ? value[g] : peak[t0 + g];
        }
        before = rows[factor - 1][n - 1];
    }
    return before;
}

/* The largest |x[i]| for i < n (NaNs ignored), GROUP lanes side by side so that it
 * vectorises: a maximum does not depend on the order it is taken in. */
__attribute__((always_inline)) static inline float largest_magnitude(const float *restrict x,
                                                                     size_t n)
{
    float lane[GROUP] = {0};
    size_t i = 0;
    for (; i + GROUP <= n; i += GROUP) {
        for (int g = 0; g < GROUP; g++) {
            float a = fabsf(x[i + (size_t)g]);
            lane[g] = a > lane[g] ? a : lane[g];
        }
    }
    for (; i < n; i++) {
        float a = fabsf(x[i]);
        lane[0] = a > lane[0] ? a : lane[0];
    }
    float largest = 0.0f;
    for (int g = 0; g < GROUP; g++)
        largest = lane[g] > largest ? lane[g] : largest;
    return largest;
}

/* Built for AVX2 and the baseline; both round alike (no fused multiply-add anywhere:
 * -ffp-contract=off), so the output does not depend on the machine. */
__attribute__((target_clones("avx2", "default"))) static float
detect_tiles(const limiter *lim, const float *x, size_t n, float *peak, float before)
{
    for (size_t t0 = 0; t0 < n; t0 += TILE) {
        size_t count = n - t0 < TILE ? n - t0 : TILE;
        /* The exact skip: when no point of the tile can reach the threshold, its peak cannot
         * change any gain, so where tiles start does not matter. */
        float in_max = largest_magnitude(x + t0, count + TAPS - 1);
        if (in_max * lim->skip_gain <= lim->threshold_f) {
            before = NAN;
            continue;
        }
        /* A constant factor at each call, so that the phase loops unroll. */
        const float *c = lim->sym;
        switch (lim->factor) {
        case 4: before = detect_tile(c, 4, x + t0, peak + t0, count, before); break;
        case 8: before = detect_tile(c, 8, x + t0, peak + t0, count, before); break;
        default: before = detect_tile(c, 16, x + t0, peak + t0, count, before); break;
        }
    }
    return before;
}

/* The taps of sum_pairs from the kernel's phases 1 .. F/2 in double. Returns the skip's gain
 * bound: the largest over the phases, and 1 for phase 0, of what the float taps can make of a
 * window of magnitudes up to 1, sum over k < HALF of |a + b| + |a - b| (for A + B, and as
 * much for A - B: A + B is (a + b) x[k] + (a - b) x[TAPS-1-k]). */
static double design_pairs(limiter *lim)
{
    const int factor = lim->factor, columns = factor - 1;
    double bound = 1.0;
    for (int p = 1; p <= factor / 2; p++) {
        double taps[TAPS], abs_sum = 0.0;
        pm_truepeak_design_phase(factor, p, taps);
        for (int k = 0; k < HALF; k++) {
            float a = (float)((taps[k] + taps[TAPS - 1 - k]) / 2.0);
            float b = (float)((taps[k] - taps[TAPS - 1 - k]) / 2.0);
            if (p < factor / 2) {
                lim->sym[k * columns + 2 * p - 2] = a;
                lim->sym[k * columns + 2 * p - 1] = b;
            } else {
                lim->sym[k * columns + factor - 2] = a;
                b = 0.0f;
            }
            abs_sum += fabs((double)a + (double)b) + fabs((double)a - (double)b);
        }
        bound = abs_sum > bound ? abs_sum : bound;
    }
    return bound;
}

/* peak[t] for the n new frames: the largest magnitude over the channels of the points from
 * frame t - HALF to the next frame (0 where it cannot reach the threshold). */
static void detect(limiter *lim, size_t n)
{
    for (size_t t = 0; t < n; t++)
        lim->peak[t] = 0.0f;
    for (int c = 0; c < lim->channels; c++)
        lim->before[c] = detect_tiles(lim, lim->detect[c] + 1, n, lim->peak, lim->before[c]);
}

/*
 * gain[t] for the n new frames: the gain of the frame leaving the delay as frame t comes in
 * (the output frame t - L of the stream). Returns how many of the first frames are still
 * inside the start-up delay (no output). State in locals for the loop.
 */
static size_t compute_gains(limiter *lim, size_t n)
{
    const int64_t i0 = lim->frames_in, latency = (int64_t)lim->latency;
    const int64_t lag = HOLD + (int64_t)lim->ramp - 1; /* from a detected frame to its gain's */
    const double threshold = lim->threshold, step = lim->release_step;
    const size_t capacity = lim->dq_capacity, box1 = lim->box1, box2 = lim->box2;
    const int64_t full2 = lim->full2;
    const double per_full2 = lim->per_full2;
    const float *restrict peak = lim->peak;
    double *restrict gain = lim->gain;
    int64_t *restrict dq_index = lim->dq_index, *restrict ring1 = lim->ring1,
                      *restrict ring2 = lim->ring2;
    double *restrict dq_value = lim->dq_value;
    size_t head = lim->dq_head, count = lim->dq_count, pos1 = lim->pos1, pos2 = lim->pos2;
    int64_t sum1 = lim->sum1, sum2 = lim->sum2;
    double envelope = lim->envelope, min_gain = lim->min_gain;
    uint64_t reduced = lim->reduced;
    size_t swallowed = i0 >= latency ? 0 : (size_t)(latency - i0);
    if (swallowed > n)
        swallowed = n;

    for (size_t t = 0; t < n; t++) {
        int64_t j = i0 + (int64_t)t - HALF; /* the frame whose peak is now known */
        int64_t frame = j - lag;             /* the frame whose gain is now known */
        while (count && dq_index[head] < frame - HOLD) {
            head = head + 1 == capacity ? 0 : head + 1;
            count--;
        }
        if (peak[t] > threshold) {
            /* Required gains of 1 are never stored: an empty deque means 1. */
            double r = threshold / peak[t];
            /* head + count < 2 capacity: one subtraction wraps, where % would divide. */
            size_t back = head + count;
            while (count && dq_value[back - 1 - (back - 1 < capacity ? 0 : capacity)] >= r) {
                count--;
                back--;
            }
            back = back < capacity ? back : back - capacity;
            dq_index[back] = j;
            dq_value[back] = r;
            count++;
        }
        /* With nothing held, the envelope at 1 and every history full of unity, nothing
         * moves and the gain is exactly 1. */
        double g = 1.0;
        if (count || envelope != 1.0 || sum2 != full2) {
            double held = count ? dq_value[head] : 1.0;
            double recovered = envelope + (1.0 - envelope) * step;
            if (recovered > 1.0 - SNAP_BELOW)
                recovered = 1.0;
            envelope = held < recovered ? held : recovered;
            /* Rounded down, so the smoothed gain never exceeds what each frame allows. */
            int64_t q = (int64_t)(envelope * FIXED_ONE);
            sum1 += q - ring1[pos1];
            ring1[pos1] = q;
            pos1 = pos1 + 1 == box1 ? 0 : pos1 + 1;
            sum2 += sum1 - ring2[pos2];
            ring2[pos2] = sum1;
            pos2 = pos2 + 1 == box2 ? 0 : pos2 + 1;
            if (sum2 != full2)
                g = (double)sum2 * per_full2;
        }
        gain[t] = g;
        if (g < 1.0 && t >= swallowed) {
            reduced++;
            min_gain = g < min_gain ? g : min_gain;
        }
    }

    lim->dq_head = head;
    lim->dq_count = count;
    lim->pos1 = pos1;
    lim->pos2 = pos2;
    lim->sum1 = sum1;
    lim->sum2 = sum2;
    lim->envelope = envelope;
    lim->min_gain = min_gain;
    lim->reduced = reduced;
    return swallowed;
}

/*
 * Take n <= CHUNK frames of input (silence when in is NULL) from in[c] + in_at and write the
 * frames that leave the delay to out[c] + out_at; returns how many. Input is copied before any
 * output is written, and out_at <= in_at, so out may be in.
 */
static size_t run(limiter *lim, const double *const *in, size_t in_at, size_t n,
                  double *const *out, size_t out_at)
{
    const size_t latency = lim->latency;
    for (int c = 0; c < lim->channels; c++) {
        double *restrict fresh = lim->delay[c] + latency;
        float *restrict fresh_f = lim->detect[c] + TAPS;
        if (in)
            memcpy(fresh, in[c] + in_at, n * sizeof *fresh);
        else
            memset(fresh, 0, n * sizeof *fresh);
        /* In blocks of 8 (the buffer has room past n): loops of a known count vectorise. */
        for (size_t t = 0; t < n; t += 8)
            for (size_t i = 0; i < 8; i++)
                fresh_f[t + i] = (float)fresh[t + i];
    }
    detect(lim, n);
    size_t first = compute_gains(lim, n);
    const double *restrict gain = lim->gain;
    for (int c = 0; c < lim->channels; c++) {
        const double *restrict leaving = lim->delay[c] + first;
        const double *restrict g = gain + first;
        double *restrict dst = out[c] + out_at;
        size_t m = n - first, t = 0;
        for (; t + 8 <= m; t += 8)
            for (size_t i = 0; i < 8; i++)
                dst[t + i] = leaving[t + i] * g[t + i];
        for (; t < m; t++)
            dst[t] = leaving[t] * g[t];
        memmove(lim->delay[c], lim->delay[c] + n, latency * sizeof(double));
        memmove(lim->detect[c], lim->detect[c] + n, TAPS * sizeof(float));
    }
    lim->frames_in += (int64_t)n;
    return n - first;
}

/* Input frames that can be taken when out has room for capacity frames. */
static size_t frames_to_take(const limiter *lim, size_t available, size_t capacity)
{
    size_t swallow =
        lim->frames_in >= (int64_t)lim->latency ? 0 : lim->latency - (size_t)lim->frames_in;
    if (capacity <= SIZE_MAX - swallow && available > capacity + swallow)
        return capacity + swallow;
    return available;
}

static void lim_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                        double *const *out, size_t out_capacity, size_t *produced)
{
    limiter *lim = (limiter *)stage;
    size_t take = frames_to_take(lim, in_frames, out_capacity), done = 0, made = 0;
    while (done < take) {
        size_t n = take - done < CHUNK ? take - done : CHUNK;
        made += run(lim, in, done, n, out, made);
        done += n;
    }
    *used = done;
    *produced = made;
}

/* L frames of silence push the last input frames out of the delay. */
static void lim_drain(pm_stage *stage, double *const *out, size_t out_capacity, size_t *produced)
{
    limiter *lim = (limiter *)stage;
    size_t take = frames_to_take(lim, lim->latency - lim->silence_fed, out_capacity);
    size_t done = 0, made = 0;
    while (done < take) {
        size_t n = take - done < CHUNK ? take - done : CHUNK;
        made += run(lim, NULL, 0, n, out, made);
        done += n;
    }
    lim->silence_fed += done;
    *produced = made;
}

static size_t lim_latency(const pm_stage *stage)
{
    return ((const limiter *)stage)->latency;
}

static void lim_reset(pm_stage *stage)
{
    limiter *lim = (limiter *)stage;
    for (int c = 0; c < lim->channels; c++) {
        memset(lim->delay[c], 0, (lim->latency + CHUNK + 8) * sizeof(double));
        memset(lim->detect[c], 0, (TAPS + CHUNK + TILE) * sizeof(float));
        lim->before[c] = NAN;
    }
    lim->dq_head = lim->dq_count = 0;
    /* Unity before the stream: every history full. */
    int64_t one = (int64_t)FIXED_ONE;
    for (size_t i = 0; i < lim->box1; i++)
        lim->ring1[i] = one;
    lim->sum1 = one * (int64_t)lim->box1;
    for (size_t i = 0; i < lim->box2; i++)
        lim->ring2[i] = lim->sum1;
    lim->sum2 = lim->full2 = lim->sum1 * (int64_t)lim->box2;
    lim->per_full2 = 1.0 / (double)lim->full2;
    lim->pos1 = lim->pos2 = 0;
    lim->envelope = 1.0;
    lim->frames_in = 0;
    lim->silence_fed = 0;
    lim->min_gain = 1.0;
    lim->reduced = 0;
}

static void free_buffers(limiter *lim)
{
    for (int c = 0; c < PM_STAGE_MAX_CHANNELS; c++) {
        free(lim->delay[c]);
        free(lim->detect[c]);
        lim->delay[c] = NULL;
        lim->detect[c] = NULL;
    }
    free(lim->peak);
    free(lim->gain);
    free(lim->dq_index);
    free(lim->dq_value);
    free(lim->ring1);
    free(lim->ring2);
    lim->peak = NULL;
    lim->gain = lim->dq_value = NULL;
    lim->dq_index = lim->ring1 = lim->ring2 = NULL;
}

static pm_status lim_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                           pm_diag *diag)
{
    limiter *lim = (limiter *)stage;
    const pm_limiter_config *cfg = &lim->config;
    double frames = floor(cfg->lookahead_sec * in->rate_hz + 0.5);
    double min_frames = HALF + HOLD - 1 + PM_LIMITER_MIN_RAMP_FRAMES;
    if (frames < min_frames || frames > 65536.0) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "limiter look-ahead %g ms is %g frames at %g Hz, where the detector and the "
                    "hold need %g; use at least %.2f ms at this rate, or a rate of 44.1 kHz or "
                    "more",
                    cfg->lookahead_sec * 1000, frames, in->rate_hz, min_frames,
                    ceil(min_frames / in->rate_hz * 1e5) / 100);
        return PM_ERR_INVALID;
    }
    free_buffers(lim);
    lim->channels = in->channels;
    lim->latency = (size_t)frames;
    lim->ramp = lim->latency - HALF - HOLD + 1;
    lim->box1 = (lim->ramp + 1) / 2;
    lim->box2 = lim->ramp + 1 - lim->box1;
    lim->dq_capacity = 2 * HOLD + lim->ramp;
    /* A shorter ramp is a steeper one: its gain varies more under the kernel around a peak
     * and moves the interpolated output more, so the margin grows with its steepness. */
    double short_ramp = (double)PM_LIMITER_MARGIN_RAMP_FRAMES / (double)lim->ramp;
    lim->margin_db = PM_LIMITER_MARGIN_DB * (short_ramp > 1.0 ? short_ramp : 1.0);
    lim->threshold = pow(10.0, (cfg->ceiling_dbtp - lim->margin_db) / 20.0);
    /* Rounded down into single precision, so the float comparison never lets more through. */
    lim->threshold_f = (float)lim->threshold;
    if ((double)lim->threshold_f > lim->threshold)
        lim->threshold_f = nextafterf(lim->threshold_f, 0.0f);
    lim->release_step = -expm1(-1.0 / (cfg->release_sec * in->rate_hz));

    lim->factor = cfg->oversampling;
    double bound = design_pairs(lim);
    lim->skip_gain = (float)(bound * VERTEX_MAX_GAIN * (1.0 + DETECT_ROUNDING));

    for (int c = 0; c < lim->channels; c++) {
        lim->delay[c] = pm_alloc_zeroed(lim->latency + CHUNK + 8, sizeof(double));
        lim->detect[c] = pm_alloc_zeroed(TAPS + CHUNK + TILE, sizeof(float));
        if (!lim->delay[c] || !lim->detect[c])
            goto fail;
    }
    lim->peak = pm_alloc_array(CHUNK, sizeof(float));
    lim->gain = pm_alloc_array(CHUNK, sizeof(double));
    lim->dq_index = pm_alloc_array(lim->dq_capacity, sizeof(int64_t));
    lim->dq_value = pm_alloc_array(lim->dq_capacity, sizeof(double));
    lim->ring1 = pm_alloc_array(lim->box1, sizeof(int64_t));
    lim->ring2 = pm_alloc_array(lim->box2, sizeof(int64_t));
    if (!lim->peak || !lim->gain || !lim->dq_index || !lim->dq_value || !lim->ring1 || !lim->ring2)
        goto fail;
    lim_reset(stage);
    return pm_stage_start_same_format(stage, in, out, diag);

fail:
    free_buffers(lim);
    return PM_ERR_NOMEM;
}

static void lim_free(pm_stage *stage)
{
    limiter *lim = (limiter *)stage;
    free_buffers(lim);
    free(lim);
}

static const pm_stage_ops limiter_ops = {
    .name = "limiter",
    .start = lim_start,
    .process = lim_process,
    .drain = lim_drain,
    .latency = lim_latency,
    .reset = lim_reset,
    .free = lim_free,
};

pm_status pm_limiter_new(const pm_limiter_config *config, pm_stage **out, pm_diag *diag)
{
    *out = NULL;
    if (!config)
        return PM_ERR_USAGE;
    int valid = 1;
    if (!(config->ceiling_dbtp >= PM_LIMITER_CEILING_MIN_DBTP &&
          config->ceiling_dbtp <= PM_LIMITER_CEILING_MAX_DBTP)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "limiter ceiling %g dBTP is out of range; use %g to %g dBTP (-1 is usual)",
                    config->ceiling_dbtp, PM_LIMITER_CEILING_MIN_DBTP, PM_LIMITER_CEILING_MAX_DBTP);
        valid = 0;
    }
    if (!(config->release_sec >= PM_LIMITER_RELEASE_MIN_SEC &&
          config->release_sec <= PM_LIMITER_RELEASE_MAX_SEC)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "limiter release %g s is out of range; use %g to %g s (0.05 is usual)",
                    config->release_sec, PM_LIMITER_RELEASE_MIN_SEC, PM_LIMITER_RELEASE_MAX_SEC);
        valid = 0;
    }
    if (!(config->lookahead_sec >= PM_LIMITER_LOOKAHEAD_MIN_SEC &&
          config->lookahead_sec <= PM_LIMITER_LOOKAHEAD_MAX_SEC)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "limiter look-ahead %g s is out of range; use %g to %g s",
                    config->lookahead_sec, PM_LIMITER_LOOKAHEAD_MIN_SEC,
                    PM_LIMITER_LOOKAHEAD_MAX_SEC);
        valid = 0;
    }
    if (config->oversampling != 4 && config->oversampling != 8 && config->oversampling != 16) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "limiter oversampling %d is not offered; use 4, 8 or 16 (8 is the default)",
                    config->oversampling);
        valid = 0;
    }
    if (!valid)
        return PM_ERR_INVALID;
    limiter *lim = pm_alloc_zeroed(1, sizeof *lim);
    if (!lim)
        return PM_ERR_NOMEM;
    lim->base.ops = &limiter_ops;
    lim->base.in_place = 1;
    lim->config = *config;
    *out = &lim->base;
    return PM_OK;
}

double pm_limiter_max_reduction_db(const pm_stage *stage)
{
    const limiter *lim = (const limiter *)stage;
    if (stage->ops != &limiter_ops || !lim->reduced)
        return 0.0;
    return -20.0 * log10(lim->min_gain);
}

double pm_limiter_threshold_dbtp(const pm_stage *stage)
{
    const limiter *lim = (const limiter *)stage;
    if (stage->ops != &limiter_ops || !stage->started)
        return NAN;
    return lim->config.ceiling_dbtp - lim->margin_db;
}

uint64_t pm_limiter_reduced_frames(const pm_stage *stage)
{
    if (stage->ops != &limiter_ops)
        return 0;
    return ((const limiter *)stage)->reduced;
}
