/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak limiter (dsp/limiter.h) measured: its output with our true-peak meter at 16x
 * (dsp/truepeak.h), which sees twice the points of the limiter's 8x detector, and its detector.
 *  - the ceiling: for ceilings of -1 and -0.3 dBTP at 44.1, 48 and 96 kHz, the output's true
 *    peak is at or under the ceiling on EBU Tech 3341 cases 15-23 with 6 dB more gain, a 5 kHz
 *    sine driven 12 dB into a hard clip (a near-square at full scale) plus white noise at
 *    -20 dBFS RMS, full-scale white noise, bass bursts (40-100 Hz with clicks) at +20 dB, and
 *    sample patterns whose true peak is 9 dB over their samples; also at the fastest settings
 *    (2 ms look-ahead, 1 ms release); the worst figure per signal is printed;
 *  - the detector: the largest gain reduction is exactly what a plain point-by-point detector
 *    finds, never under the reference meter's grid, and the analytic peak over the threshold
 *    within 0.01 dB at 8x and 16x (0.05 dB at 4x);
 *  - extremes: white noise at +90 dBFS stays under the ceiling, silence stays silence.
 * The stage's behaviour (transparency, release, hold, link, alignment, blocks) is in
 * test-limiter-stage.c.
 */
#include "dsp/limiter.h"
#include "dsp/truepeak.h"

#include "../tap.h"
#include "ebu3341.h"
#include "limiter-common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GAIN_6DB 1.9952623149688795 /* 10^(6/20) */

/* ---------------------------------------------------------------------------------------------
 * The ceiling on hard signals.
 */

enum {
    SIG_EBU15,
    SIG_EBU23 = SIG_EBU15 + 8,
    SIG_SQUARE,
    SIG_NOISE,
    SIG_BASS,
    SIG_SIGNS,
    SIGNALS
};

static void signal_name(int kind, char *name, size_t size)
{
    if (kind <= SIG_EBU23)
        snprintf(name, size, "Tech 3341 case %d +6 dB", 15 + kind);
    else if (kind == SIG_SQUARE)
        snprintf(name, size, "clipped 5 kHz square + noise");
    else if (kind == SIG_NOISE)
        snprintf(name, size, "full-scale white noise");
    else if (kind == SIG_BASS)
        snprintf(name, size, "bass bursts +20 dB");
    else
        snprintf(name, size, "sign patterns, 9 dB between samples");
}

/* 5 kHz driven 12 dB into a hard clip at full scale, plus white noise at -20 dBFS RMS. */
static void make_square(double rate, uint64_t *rng, size_t n, double *l, double *r)
{
    double noise = 0.1 * sqrt(3.0); /* uniform in +-a has RMS a / sqrt 3 */
    for (size_t i = 0; i < n; i++) {
        double s = 4.0 * sin(2 * PI * 5000.0 * (double)i / rate);
        s = s > 1.0 ? 1.0 : s < -1.0 ? -1.0 : s;
        l[i] = s + noise * uniform(rng);
        r[i] = s + noise * uniform(rng);
    }
}

/* Signal `kind` at rate: new buffers in *l, *r of *n frames. burst4x is case 20's source. */
static void make_signal(int kind, double rate, uint64_t *rng, const double *burst4x, double **l,
                        double **r, size_t *n)
{
    if (kind <= SIG_EBU23) {
        *n = (size_t)(rate / 2);
        *l = frames_new(*n);
        *r = frames_new(*n);
        if (kind < 5) {
            const ebu_sine_case *c = &ebu_sines[kind];
            double *x = ebu_tone(rate, rate / c->divisor, c->amplitude, c->phase_deg, *n);
            for (size_t i = 0; i < *n; i++)
                (*l)[i] = (*r)[i] = GAIN_6DB * x[i];
            free(x);
        } else {
            size_t offset = (size_t)(kind - 5);
            for (size_t i = 0; i < *n; i++)
                (*l)[i] = (*r)[i] = GAIN_6DB * burst4x[4 * i + offset];
        }
        return;
    }
    *n = kind == SIG_BASS ? (size_t)(2 * rate) : (size_t)rate;
    *l = frames_new(*n);
    *r = frames_new(*n);
    if (kind == SIG_SQUARE) {
        make_square(rate, rng, *n, *l, *r);
    } else if (kind == SIG_NOISE) {
        for (size_t i = 0; i < *n; i++) {
            (*l)[i] = uniform(rng);
            (*r)[i] = uniform(rng);
        }
    } else if (kind == SIG_BASS) {
        make_bass(rate, rng, *n, *l, *r);
    } else {
        make_signs(rng, *n, *l, *r);
    }
}

static void test_ceiling(uint64_t *rng)
{
    double worst[SIGNALS];
    for (int s = 0; s < SIGNALS; s++)
        worst[s] = -INFINITY;
    for (size_t ri = 0; ri < NRATES; ri++) {
        double rate = rates[ri];
        double *burst4x = ebu_burst_4x(rate, (size_t)(rate / 2));
        for (int kind = 0; kind < SIGNALS; kind++) {
            double *l, *r;
            size_t n;
            char name[64];
            signal_name(kind, name, sizeof name);
            make_signal(kind, rate, rng, burst4x, &l, &r, &n);
            double in_dbtp = truepeak16_dbtp(l, r, n);
            double *out_l = frames_new(n), *out_r = frames_new(n);
            for (size_t ci = 0; ci < NCEILINGS; ci++) {
                pm_limiter_config cfg = config_with(ceilings_dbtp[ci]);
                run_figures fig;
                if (!limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig))
                    continue;
                double out_dbtp = truepeak16_dbtp(out_l, out_r, n);
                worst[kind] = fmax(worst[kind], out_dbtp - cfg.ceiling_dbtp);
                ok(out_dbtp <= cfg.ceiling_dbtp,
                   "%g kHz, ceiling %.1f dBTP, %s: in %+.2f dBTP, out %.3f dBTP at 16x, largest "
                   "reduction %.2f dB",
                   rate / 1000, cfg.ceiling_dbtp, name, in_dbtp, out_dbtp, fig.max_reduction_db);
            }
            free(out_l);
            free(out_r);
            free(l);
            free(r);
        }
        free(burst4x);
    }
    /* The fastest settings: 2 ms of look-ahead, 1 ms of release, where the gain has the least
     * time to fall and the most to rise again between peaks. */
    static const int fast[] = {SIG_EBU15 + 5, SIG_SQUARE, SIG_NOISE, SIG_BASS, SIG_SIGNS};
    double *burst4x = ebu_burst_4x(44100, 22050);
    for (size_t k = 0; k < sizeof fast / sizeof fast[0]; k++) {
        double *l, *r, *out_l, *out_r;
        size_t n;
        char name[64];
        signal_name(fast[k], name, sizeof name);
        make_signal(fast[k], 44100, rng, burst4x, &l, &r, &n);
        out_l = frames_new(n);
        out_r = frames_new(n);
        pm_limiter_config cfg = config_with(-1.0);
        cfg.lookahead_sec = PM_LIMITER_LOOKAHEAD_MIN_SEC;
        cfg.release_sec = PM_LIMITER_RELEASE_MIN_SEC;
        run_figures fig;
        if (limit(&cfg, 44100, 2, l, r, n, 4096, 4096, out_l, out_r, &fig)) {
            double out_dbtp = truepeak16_dbtp(out_l, out_r, n);
            worst[fast[k]] = fmax(worst[fast[k]], out_dbtp - cfg.ceiling_dbtp);
            ok(out_dbtp <= cfg.ceiling_dbtp,
               "44.1 kHz, 2 ms look-ahead, 1 ms release, %s: out %.3f dBTP at 16x, largest "
               "reduction %.2f dB",
               name, out_dbtp, fig.max_reduction_db);
        }
        free(l);
        free(r);
        free(out_l);
        free(out_r);
    }
    free(burst4x);
    diag("worst true peak at 16x relative to the ceiling, over both ceilings, three rates and "
         "the fastest settings:");
    for (int kind = 0; kind < SIGNALS; kind++) {
        char name[64];
        signal_name(kind, name, sizeof name);
        diag("  %-36s %+.3f dB", name, worst[kind]);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The detector: the largest reduction is the signal's peak over the threshold.
 */

/*
 * Three sines between 0.3 and 0.45 fs, about +6 dBTP, with raised-cosine fades over the first
 * and last 240 frames: peaks between the samples that only an oversampled detector sees. The
 * analytic peak, found on a grid 1/128 of a sample fine, is returned.
 */
static double make_highs(double rate, uint64_t *rng, size_t n, double *x)
{
    double f[3], ph[3], peak = 0.0;
    for (int s = 0; s < 3; s++) {
        f[s] = rate * (0.375 + 0.075 * uniform(rng));
        ph[s] = PI * uniform(rng);
    }
    for (size_t j = 0; j <= 128 * (n - 1); j++) {
        double t = (double)j / 128.0, v = 0.0;
        double edge = fmin(t, (double)(n - 1) - t) / 240.0;
        double env = edge < 1.0 ? 0.5 - 0.5 * cos(PI * edge) : 1.0;
        for (int s = 0; s < 3; s++)
            v += 0.7 * env * sin(2 * PI * f[s] * t / rate + ph[s]);
        if (j % 128 == 0)
            x[j / 128] = v;
        peak = fmax(peak, fabs(v));
    }
    return peak;
}

/*
 * The detector written plainly, point by point, as dsp/limiter.h describes it: the sample, and
 * the other phases in mirrored pairs (p and factor-p) from the window's mirrored sums and
 * differences, with single-precision half-sum and half-difference taps of the meter's kernel,
 * summed in order, and the parabola's vertex at every local maximum of the grid. Returns the largest peak over the whole
 * signal (preceded and followed by silence).
 */
static float plain_largest_peak(const double *x, size_t n, int factor)
{
    enum { TAPS = PM_TRUEPEAK_TAPS, HALF = PM_TRUEPEAK_TAPS / 2 };
    /* phase p's half-sum and half-difference taps: phase p is A + B, phase factor-p A - B */
    static float a[PM_TRUEPEAK_MAX_FACTOR][HALF], b[PM_TRUEPEAK_MAX_FACTOR][HALF];
    for (int p = 1; p <= factor / 2; p++) {
        double taps[TAPS];
        pm_truepeak_design_phase(factor, p, taps);
        for (int k = 0; k < HALF; k++) {
            a[p][k] = (float)((taps[k] + taps[TAPS - 1 - k]) / 2.0);
            b[p][k] = p < factor / 2 ? (float)((taps[k] - taps[TAPS - 1 - k]) / 2.0) : 0.0f;
        }
    }
    long long frames = (long long)n;
    float largest = 0.0f, last_phase = 0.0f; /* of the point before: silence */
    for (long long j = -HALF - 1; j < frames + HALF - 1; j++) {
        float grid[PM_TRUEPEAK_MAX_FACTOR + 2];
        grid[1] = j >= 0 && j < frames ? fabsf((float)x[j]) : 0.0f; /* phase 0: the sample */
        float w[TAPS];
        for (int k = 0; k < TAPS; k++) {
            long long i = j - HALF + 1 + k;
            w[k] = i >= 0 && i < frames ? (float)x[i] : 0.0f;
        }
        for (int p = 1; p <= factor / 2; p++) {
            float a_sum = 0.0f, b_sum = 0.0f;
            for (int k = 0; k < HALF; k++) {
                a_sum += a[p][k] * (w[k] + w[TAPS - 1 - k]);
                b_sum += b[p][k] * (w[k] - w[TAPS - 1 - k]);
            }
            grid[p + 1] = fabsf(a_sum + b_sum);
            grid[factor - p + 1] = fabsf(a_sum - b_sum);
        }
        grid[0] = fabsf(last_phase);
        grid[factor + 1] = j + 1 >= 0 && j + 1 < frames ? fabsf((float)x[j + 1]) : 0.0f;
        last_phase = grid[factor];
        if (j < -HALF)
            continue; /* only its last phase was wanted */
        for (int p = 1; p <= factor; p++) {
            float l = grid[p - 1], m = grid[p], r = grid[p + 1], top = m;
            if (l <= m && r <= m && l - 2.0f * m + r < 0.0f) {
                float slope = l - r;
                top = m + slope * slope / (8.0f * ((m - l) + (m - r)));
            }
            largest = top > largest ? top : largest;
        }
    }
    return largest;
}

/*
 * The largest reduction, in dB over the threshold, is exactly what a plain point-by-point
 * detector finds; it is never under the reference meter's peak at the same factor (the grid),
 * and it is within 0.01 dB of the analytic peak at 8x and 16x (the parabola between the grid
 * points reads a sine at 0.45 fs low by at most 0.003 dB, the kernel high by up to 0.01 dB), on
 * random sums of sines and on one peak half-way between two grid points, where the grid alone
 * reads 0.14 dB low at 8x; at 4x the parabola may read 0.05 dB low.
 */
static void test_detector(uint64_t *rng)
{
    /* At 48 kHz with 3 ms the ramp is long: the margin is the plain one. */
    double rate = 48000, ceiling_dbtp = -1.0, threshold_dbtp = ceiling_dbtp - PM_LIMITER_MARGIN_DB;
    size_t n = 4800;
    double *x = frames_new(n), *y = frames_new(n);
    double under[3] = {0}, lo[3] = {0}, hi[3] = {0};
    for (int trial = 0; trial < 6; trial++) {
        double exact_dbtp = pm_db_from_linear(make_highs(rate, rng, n, x));
        for (int f = 0; f < 3; f++) {
            pm_limiter_config cfg = config_with(ceiling_dbtp);
            cfg.oversampling = 4 << f;
            run_figures fig;
            if (!limit(&cfg, rate, 1, x, NULL, n, 4096, 4096, y, NULL, &fig))
                continue;
            double detected_dbtp = threshold_dbtp + fig.max_reduction_db;
            double grid_dbtp = pm_db_from_linear(pm_truepeak_reference(x, n, cfg.oversampling));
            under[f] = fmax(under[f], grid_dbtp - detected_dbtp);
            lo[f] = fmin(lo[f], detected_dbtp - exact_dbtp);
            hi[f] = fmax(hi[f], detected_dbtp - exact_dbtp);
        }
    }
    /* Exactly the plain detector: the smoothed gain at the largest peak is its required gain
     * rounded down to a step of 2^-32. */
    double worst_plain = 0.0;
    for (int f = 0; f < 3; f++) {
        pm_limiter_config cfg = config_with(ceiling_dbtp);
        cfg.oversampling = 4 << f;
        run_figures fig;
        make_highs(rate, rng, n, x);
        if (!limit(&cfg, rate, 1, x, NULL, n, 4096, 4096, y, NULL, &fig))
            continue;
        double threshold = pow(10.0, threshold_dbtp / 20);
        double required = threshold / (double)plain_largest_peak(x, n, cfg.oversampling);
        double expected_db = -pm_db_from_linear(floor(required * 4294967296.0) / 4294967296.0);
        worst_plain = fmax(worst_plain, fabs(fig.max_reduction_db - expected_db));
    }
    ok(worst_plain <= 1e-9,
       "4x, 8x, 16x: the vectorised detector finds what the plain one does (off by %.2g dB)",
       worst_plain);
    /* The worst place for a grid: one peak of 0.45 fs half-way between two grid points. */
    for (int f = 0; f < 3; f++) {
        pm_limiter_config cfg = config_with(ceiling_dbtp);
        cfg.oversampling = 4 << f;
        double top = (double)n / 2 + 0.5 / cfg.oversampling, amplitude = 1.4;
        for (size_t i = 0; i < n; i++) {
            double t = (double)i - top;
            x[i] = amplitude * exp(-t * t / 512.0) * cos(2 * PI * 0.45 * t);
        }
        run_figures fig;
        if (!limit(&cfg, rate, 1, x, NULL, n, 4096, 4096, y, NULL, &fig))
            continue;
        double error = threshold_dbtp + fig.max_reduction_db - pm_db_from_linear(amplitude);
        lo[f] = fmin(lo[f], error);
        hi[f] = fmax(hi[f], error);
    }
    for (int f = 0; f < 3; f++) {
        double allowed_lo = f == 0 ? -0.05 : -0.01;
        ok(under[f] <= 1e-4 && lo[f] >= allowed_lo && hi[f] <= 0.01,
           "%dx: the largest reduction reads the peak %+.4f to %+.4f dB from the analytic one "
           "(allowed %+.2f to +0.01), never under the %dx grid (by %.2g dB)",
           4 << f, lo[f], hi[f], allowed_lo, 4 << f, under[f]);
    }
    free(x);
    free(y);
}

/* Far outside any sane level, and nothing at all. */
static void test_extremes(uint64_t *rng)
{
    double rate = 48000;
    size_t n = 24000;
    double *l = frames_new(n), *r = frames_new(n), *out_l = frames_new(n), *out_r = frames_new(n);
    for (size_t i = 0; i < n; i++) {
        l[i] = 31622.8 * uniform(rng); /* +90 dBFS */
        r[i] = 31622.8 * uniform(rng);
    }
    pm_limiter_config cfg = config_with(-1.0);
    run_figures fig;
    if (limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig)) {
        double out_dbtp = truepeak16_dbtp(out_l, out_r, n);
        ok(out_dbtp <= cfg.ceiling_dbtp,
           "white noise at +90 dBFS: out %.3f dBTP at 16x, largest reduction %.2f dB", out_dbtp,
           fig.max_reduction_db);
    }
    memset(l, 0, n * sizeof *l);
    memset(r, 0, n * sizeof *r);
    if (limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig))
        ok(!memcmp(out_l, l, n * sizeof *l) && !memcmp(out_r, r, n * sizeof *r) &&
               fig.reduced_frames == 0,
           "silence comes out as silence, unreduced");
    free(l);
    free(r);
    free(out_l);
    free(out_r);
}

/*
 * The detector in double, point by point: the double taps of every phase, the parabola's
 * vertex at every local maximum of the grid. Returns the largest peak over the signal
 * (preceded and followed by silence) and, in *window_max, the kernel's gain bound (the largest
 * sum of a phase's |taps|) times the largest sample.
 */
static double double_largest_peak(const double *x, size_t n, int factor, double *window_max)
{
    enum { TAPS = PM_TRUEPEAK_TAPS, HALF = PM_TRUEPEAK_TAPS / 2 };
    static double coef[PM_TRUEPEAK_MAX_FACTOR][TAPS];
    double bound = 1.0, largest_sample = 0.0;
    for (int p = 0; p < factor; p++) {
        double abs_sum = 0.0;
        pm_truepeak_design_phase(factor, p, coef[p]);
        for (int k = 0; k < TAPS; k++)
            abs_sum += fabs(coef[p][k]);
        bound = fmax(bound, abs_sum);
    }
    for (size_t i = 0; i < n; i++)
        largest_sample = fmax(largest_sample, fabs(x[i]));
    *window_max = bound * largest_sample;
    long long frames = (long long)n;
    double largest = 0.0;
    for (long long j = -HALF - 1; j < frames + HALF; j++) {
        double grid[PM_TRUEPEAK_MAX_FACTOR + 1];
        for (int p = 0; p <= factor; p++) {
            long long at = p < factor ? j : j + 1;
            double acc = 0.0;
            for (int k = 0; k < TAPS; k++) {
                long long i = at - HALF + 1 + k;
                acc += coef[p % factor][k] * (i >= 0 && i < frames ? x[i] : 0.0);
            }
            grid[p] = fabs(acc);
        }
        for (int p = 1; p < factor; p++) {
            double l = grid[p - 1], m = grid[p], r = grid[p + 1], top = m;
            if (l <= m && r <= m && (m - l) + (m - r) > 0.0)
                top = m + (l - r) * (l - r) / (8.0 * ((m - l) + (m - r)));
            largest = fmax(largest, top);
        }
        largest = fmax(largest, grid[0]);
    }
    return largest;
}

/* The threshold of the default -1 dBTP ceiling at 44.1 kHz with the default look-ahead. */
#define LIMITING_THRESHOLD pow(10.0, (-1.0 - PM_LIMITER_MARGIN_DB) / 20)

/* The largest reduction in dB that the default limiter at 44.1 kHz and this oversampling
 * makes on x (n frames, mono; out gets the output), or NaN where it failed (a failed test
 * says why). */
static double reduction_at(int factor, const double *x, size_t n, double *out)
{
    pm_limiter_config cfg = config_with(-1.0);
    cfg.oversampling = factor;
    run_figures fig;
    if (!limit(&cfg, 44100, 1, x, NULL, n, 4096, 4096, out, NULL, &fig))
        return NAN;
    return fig.max_reduction_db;
}

/* Frame i of two tones at 0.49 and 0.485 fs: peaks between the samples, up to 0.95. */
static double tones_near_half_rate(size_t i)
{
    return 0.5 * sin(PI * 0.98 * (double)i + 0.3) + 0.45 * sin(PI * 0.97 * (double)i);
}

/*
 * On hard material (full-scale white noise, a clipped square, tones at 0.49 fs) the largest
 * reduction reads the peak that the detector, evaluated in double, finds, to within the
 * single-precision detector's rounding: 1e-5 of the kernel's gain bound times the largest
 * sample (DETECT_ROUNDING in limiter.c), and the gain's step of 2^-32.
 */
static void test_detector_rounding(uint64_t *rng)
{
    size_t n = 2400;
    double *x = frames_new(n), *y = frames_new(n);
    double worst = 0.0;
    for (int material = 0; material < 3; material++) {
        for (size_t i = 0; i < n; i++) {
            if (material == 0)
                x[i] = 2.0 * uniform(rng) - 1.0;
            else if (material == 1)
                x[i] = fmax(-1.0, fmin(1.0, 4.0 * sin(2 * PI * 5000.0 * (double)i / 44100.0)));
            else
                x[i] = tones_near_half_rate(i);
        }
        for (int f = 0; f < 3; f++) {
            double reduction_db = reduction_at(4 << f, x, n, y);
            if (isnan(reduction_db))
                continue;
            double window_max, exact = double_largest_peak(x, n, 4 << f, &window_max);
            double detected = LIMITING_THRESHOLD / pow(10.0, -reduction_db / 20);
            double allowed = 1e-5 * 1.125 * window_max + exact * 0x1p-32 / LIMITING_THRESHOLD * 2;
            worst = fmax(worst, fabs(detected - exact) / allowed);
        }
    }
    ok(worst <= 1.0,
       "noise, clipped square, 0.49 fs tones at 4x, 8x, 16x: the detector reads the "
       "double evaluation within its rounding allowance (at %.2g of it)",
       worst);
    free(x);
    free(y);
}

/*
 * The skip never skips a point over the threshold: tones at 0.49 fs whose samples stay far
 * under it, scaled so that the peak between them (in double) is 1e-4 over it, are reduced.
 */
static void test_skip_keeps_peaks(void)
{
    size_t n = 2400;
    double *x = frames_new(n), *y = frames_new(n);
    int missed = 0;
    for (int f = 0; f < 3; f++) {
        for (size_t i = 0; i < n; i++)
            x[i] = tones_near_half_rate(i);
        double window_max, peak = double_largest_peak(x, n, 4 << f, &window_max);
        for (size_t i = 0; i < n; i++)
            x[i] *= LIMITING_THRESHOLD * (1.0 + 1e-4) / peak;
        double reduction_db = reduction_at(4 << f, x, n, y);
        missed += !isnan(reduction_db) && !(reduction_db > 0.0);
    }
    ok(missed == 0,
       "4x, 8x, 16x: a peak 1e-4 over the threshold between small samples is "
       "reduced (%d missed)",
       missed);
    free(x);
    free(y);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_ceiling(&rng);
    test_detector(&rng);
    test_detector_rounding(&rng);
    test_skip_keeps_peaks();
    test_extremes(&rng);
    return done_testing();
}
