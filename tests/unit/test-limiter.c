/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak limiter (dsp/limiter.h), measured with our true-peak meter at 16x
 * (dsp/truepeak.h), which sees twice the points the limiter's 8x detector does:
 *  - the ceiling: for ceilings of -1 and -0.3 dBTP at 44.1, 48 and 96 kHz, the output's true
 *    peak is at or under the ceiling on EBU Tech 3341 cases 15-23 with 6 dB more gain, a 5 kHz
 *    sine driven 12 dB into a hard clip (a near-square at full scale) plus white noise at
 *    -20 dBFS RMS, full-scale white noise, bass bursts (40-100 Hz with clicks) at +20 dB, and
 *    sample patterns whose true peak is 9 dB over their samples; also at the fastest settings
 *    (2 ms look-ahead, 1 ms release); the worst figure per signal is printed;
 *  - the detector: the largest gain reduction on a band-limited signal is its analytic peak over
 *    the threshold within 0.01 dB at 8x and 16x, and never under the reference meter's grid;
 *  - transparency: a signal peaking 1 dB under the ceiling comes out bit-identical, and so does
 *    the quiet part after a loud burst once the gain has recovered;
 *  - release: after a burst the gain is back within 0.1 dB of unity after 0.5 to 5 times the
 *    release time, and within 10 % of when an exponential would be (measured on a DC pilot,
 *    where output / input is the gain);
 *  - hold: around a peak the gain is flat at its lowest over the kernel's reach, 32 frames
 *    either side;
 *  - stereo link: a peak on the left only gives the right the same gain;
 *  - alignment: impulse trains come out at the frames they went in, under and over the
 *    ceiling; the delay is swallowed by process and given back by drain;
 *  - block sizes 1, 13 and 4096, a short output, and in-place processing give identical output,
 *    on dense limiting and on sparse peaks between silences;
 *  - latency() is the look-ahead in frames; parameters out of range are refused.
 */
#include "dsp/limiter.h"
#include "dsp/truepeak.h"

#include "../tap.h"
#include "ebu3341.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define GAIN_6DB 1.9952623149688795 /* 10^(6/20) */

static const double rates[] = {44100, 48000, 96000};
static const double ceilings_dbtp[] = {-1.0, -0.3};
#define NRATES (sizeof rates / sizeof rates[0])
#define NCEILINGS (sizeof ceilings_dbtp / sizeof ceilings_dbtp[0])

static double *frames_new(size_t n)
{
    double *x = calloc(n ? n : 1, sizeof *x);
    if (!x)
        bail_out("out of memory");
    return x;
}

/* A uniform random number in [-1, 1). */
static double uniform(uint64_t *rng)
{
    return (double)(tap_rand(rng) >> 11) / 4503599627370496.0 - 1.0;
}

typedef struct run_figures {
    double max_reduction_db;
    uint64_t reduced_frames;
    size_t latency;
    size_t produced_by_process; /* frames process gave before drain */
} run_figures;

/*
 * A fresh limiter over l, r (n frames; r unused with one channel) in input blocks of `block`
 * frames with room for `room` output frames per call, into out_l, out_r (n frames each; they
 * may be l, r). Returns 1 when every frame came out exactly once, else a failed test says why.
 */
static int limit(const pm_limiter_config *cfg, double rate, int channels, const double *l,
                 const double *r, size_t n, size_t block, size_t room, double *out_l,
                 double *out_r, run_figures *fig)
{
    pm_stage *st = NULL;
    pm_stage_format in = {rate, channels, block}, out;
    if (pm_limiter_new(cfg, &st, NULL) != PM_OK || pm_stage_start(st, &in, &out, NULL) != PM_OK) {
        ok(0, "the limiter starts at %g Hz", rate);
        pm_stage_free(st);
        return 0;
    }
    size_t at = 0, made = 0;
    while (at < n) {
        size_t len = n - at < block ? n - at : block, used = 0, produced = 0;
        size_t space = n - made < room ? n - made : room;
        const double *ci[2] = {l + at, r ? r + at : NULL};
        double *co[2] = {out_l + made, out_r ? out_r + made : NULL};
        pm_stage_process(st, ci, len, &used, co, space, &produced);
        if (used == 0 && produced == 0) {
            ok(0, "the limiter took nothing and gave nothing at frame %zu", at);
            break;
        }
        at += used;
        made += produced;
    }
    fig->produced_by_process = made;
    for (;;) {
        size_t produced = 0, space = n - made < room ? n - made : room;
        double *co[2] = {out_l + made, out_r ? out_r + made : NULL};
        if (space == 0)
            break;
        pm_stage_drain(st, co, space, &produced);
        if (produced == 0)
            break;
        made += produced;
    }
    double spare_l[16], spare_r[16];
    double *spare[2] = {spare_l, spare_r};
    size_t extra = 0;
    pm_stage_drain(st, spare, 16, &extra);
    fig->max_reduction_db = pm_limiter_max_reduction_db(st);
    fig->reduced_frames = pm_limiter_reduced_frames(st);
    fig->latency = pm_stage_latency(st);
    pm_stage_free(st);
    if (made != n || extra != 0) {
        ok(0, "the limiter gave %zu frames and %zu more, for %zu in", made, extra, n);
        return 0;
    }
    return 1;
}

static pm_limiter_config config_with(double ceiling_dbtp)
{
    pm_limiter_config cfg;
    pm_limiter_config_init(&cfg);
    cfg.ceiling_dbtp = ceiling_dbtp;
    return cfg;
}

/* The true peak of l and r at 16x, in dBTP. */
static double truepeak16_dbtp(const double *l, const double *r, size_t n)
{
    pm_truepeak *m = NULL;
    if (pm_truepeak_new(2, 16, &m) != PM_OK)
        bail_out("cannot make a meter");
    const double *in[2] = {l, r};
    pm_truepeak_process(m, in, n);
    pm_truepeak_finish(m);
    double peak = fmax(pm_truepeak_max(m, 0), pm_truepeak_max(m, 1));
    pm_truepeak_free(m);
    return pm_db_from_linear(peak);
}

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

/*
 * Kick-like bursts every 250 ms: a 40-100 Hz sine with a 0.5 ms attack and an 80 ms decay,
 * and a click of white noise decaying in 2 ms at its start, peaking about -6 dBFS, then +20 dB.
 * The channels differ a little (the click is independent on each).
 */
static void make_bass(double rate, uint64_t *rng, size_t n, double *l, double *r)
{
    size_t every = (size_t)(0.25 * rate);
    double freq = 60, phase = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t_frames = i % every;
        if (t_frames == 0) {
            freq = 40 + 60 * (uniform(rng) + 1) / 2;
            phase = PI * (uniform(rng) + 1);
        }
        double t = (double)t_frames / rate;
        double attack = t < 0.0005 ? t / 0.0005 : 1.0;
        double body = 0.4 * sin(2 * PI * freq * t + phase) * exp(-t / 0.08) * attack;
        double decay = exp(-t / 0.002);
        l[i] = 10.0 * (body + 0.3 * decay * uniform(rng));
        r[i] = 10.0 * (0.9 * body + 0.3 * decay * uniform(rng));
    }
}

/*
 * The worst case for samples under a true peak: 64 samples of +-a whose signs follow the
 * interpolation kernel's half-sample phase (..., -a, +a, +a, -a, ...), so that the point
 * between the middle two reads a times the kernel's absolute sum, 2.83 a (+9 dB). Patterns of
 * 0.3 to 0.5 every 997 frames, with silence between: the samples look 5 dB under the ceiling
 * where the peaks are 3 to 8 dB over it.
 */
static void make_signs(uint64_t *rng, size_t n, double *l, double *r)
{
    for (size_t centre = 500; centre + 32 < n; centre += 997) {
        double a = 0.4 + 0.1 * uniform(rng);
        for (size_t i = centre - 32; i < centre + 32; i++) {
            size_t away = i < centre ? centre - 1 - i : i - centre;
            l[i] = away % 2 ? -a : a;
            r[i] = i % 5 == 0 ? 0.2 : 0.0; /* a little on the right too */
        }
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
 * The detector written plainly, point by point, as dsp/limiter.h describes it: single-precision
 * taps of the meter's kernel summed in order, the parabola's vertex at every local maximum of
 * the grid. Returns the largest peak over the whole signal (preceded and followed by silence).
 */
static float plain_largest_peak(const double *x, size_t n, int factor)
{
    enum { TAPS = PM_TRUEPEAK_TAPS, HALF = PM_TRUEPEAK_TAPS / 2 };
    static float coef[PM_TRUEPEAK_MAX_FACTOR][TAPS];
    for (int p = 0; p < factor; p++) {
        double taps[TAPS];
        pm_truepeak_design_phase(factor, p, taps);
        for (int k = 0; k < TAPS; k++)
            coef[p][k] = (float)taps[k];
    }
    long long frames = (long long)n;
    float largest = 0.0f, last_phase = 0.0f; /* of the point before: silence */
    for (long long j = -HALF - 1; j < frames + HALF - 1; j++) {
        float grid[PM_TRUEPEAK_MAX_FACTOR + 2];
        for (int p = 0; p < factor; p++) {
            float acc = 0.0f;
            for (int k = 0; k < TAPS; k++) {
                long long i = j - HALF + 1 + k;
                float v = i >= 0 && i < frames ? (float)x[i] : 0.0f;
                acc += coef[p][k] * v;
            }
            grid[p + 1] = fabsf(acc);
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
                top = m + slope * slope / (8.0f * (2.0f * m - l - r));
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

/* ---------------------------------------------------------------------------------------------
 * Transparency.
 */

/* Low-passed noise plus a 3 kHz tone on each channel, scaled to peak at peak_dbtp at 16x. */
static void make_music(double rate, uint64_t *rng, size_t n, double peak_dbtp, double *l,
                       double *r)
{
    double a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = 0.8 * a + 0.2 * uniform(rng);
        b = 0.8 * b + 0.2 * uniform(rng);
        double tone = 0.2 * sin(2 * PI * 3000.0 * (double)i / rate);
        l[i] = a + tone;
        r[i] = b - tone;
    }
    double scale = pow(10.0, (peak_dbtp - truepeak16_dbtp(l, r, n)) / 20.0);
    for (size_t i = 0; i < n; i++) {
        l[i] *= scale;
        r[i] *= scale;
    }
}

static void test_transparency(uint64_t *rng)
{
    for (size_t ri = 0; ri < NRATES; ri++) {
        double rate = rates[ri];
        size_t n = (size_t)rate;
        double *l = frames_new(n), *r = frames_new(n), *out_l = frames_new(n),
               *out_r = frames_new(n);
        for (size_t ci = 0; ci < NCEILINGS; ci++) {
            pm_limiter_config cfg = config_with(ceilings_dbtp[ci]);
            make_music(rate, rng, n, cfg.ceiling_dbtp - 1.0, l, r);
            run_figures fig;
            if (!limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig))
                continue;
            ok(!memcmp(out_l, l, n * sizeof *l) && !memcmp(out_r, r, n * sizeof *r) &&
                   fig.reduced_frames == 0 && fig.max_reduction_db == 0.0,
               "%g kHz, ceiling %.1f dBTP: a signal peaking 1 dB under it comes out "
               "bit-identical, aligned (%llu frames reduced)",
               rate / 1000, cfg.ceiling_dbtp, (unsigned long long)fig.reduced_frames);
        }
        free(l);
        free(r);
        free(out_l);
        free(out_r);
    }

    /* A loud burst, then quiet music: once the gain is back, the output is the input again. */
    double rate = 48000;
    size_t n = (size_t)(3 * rate), burst = (size_t)(0.1 * rate), tail = (size_t)rate;
    double *l = frames_new(n), *r = frames_new(n), *out_l = frames_new(n), *out_r = frames_new(n);
    make_music(rate, rng, n, -7.0, l, r);
    for (size_t i = 0; i < burst; i++) {
        l[i] *= 10.0;
        r[i] *= 10.0;
    }
    pm_limiter_config cfg = config_with(-1.0);
    run_figures fig;
    if (limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig)) {
        size_t from = n - tail;
        ok(fig.max_reduction_db > 10.0 && !memcmp(out_l + from, l + from, tail * sizeof *l) &&
               !memcmp(out_r + from, r + from, tail * sizeof *r),
           "after a burst reduced by %.1f dB, the last second (from 2 s) is bit-identical",
           fig.max_reduction_db);
    }
    free(l);
    free(r);
    free(out_l);
    free(out_r);
}

/* ---------------------------------------------------------------------------------------------
 * Release and stereo link, read on DC pilots, where output / input is the gain.
 */

/* A 1 kHz sine of amplitude 2 from `start` for `len` frames, with 1 ms raised-cosine edges. */
static double burst_at(double rate, size_t i, size_t start, size_t len)
{
    if (i < start || i >= start + len)
        return 0.0;
    double t = (double)(i - start), edge = 0.001 * rate, from_end = (double)(start + len - 1 - i);
    double env = 1.0;
    if (t < edge)
        env = 0.5 - 0.5 * cos(PI * t / edge);
    else if (from_end < edge)
        env = 0.5 - 0.5 * cos(PI * from_end / edge);
    return 2.0 * env * sin(2 * PI * 1000.0 * t / rate);
}

static void test_release(void)
{
    static const double releases_sec[] = {0.05, 0.2};
    double rate = 48000, pilot = 0.25, within = pow(10.0, -0.1 / 20);
    size_t start = (size_t)(0.2 * rate), len = (size_t)(0.1 * rate), n = (size_t)(2.0 * rate);
    double *x = frames_new(n), *y = frames_new(n);
    for (size_t i = 0; i < n; i++)
        x[i] = pilot + burst_at(rate, i, start, len);
    for (size_t k = 0; k < sizeof releases_sec / sizeof releases_sec[0]; k++) {
        pm_limiter_config cfg = config_with(-1.0);
        cfg.release_sec = releases_sec[k];
        run_figures fig;
        if (!limit(&cfg, rate, 1, x, NULL, n, 4096, 4096, y, NULL, &fig))
            continue;
        /* The last frame still more than 0.1 dB down, counted from the burst's end. */
        size_t end = start + len, last_down = end;
        for (size_t i = end; i < n; i++)
            if (y[i] / pilot < within)
                last_down = i + 1;
        double recovery_sec = (double)(last_down - end) / rate;
        double ratio = recovery_sec / cfg.release_sec;
        /* An exponential from the lowest gain g reaches 0.1 dB from unity after
         * ln((1 - g) / (1 - 10^(-0.1/20))) time constants. */
        double lowest = pow(10.0, -fig.max_reduction_db / 20);
        double predicted = log((1 - lowest) / (1 - within));
        ok(ratio >= 0.5 && ratio <= 5.0 && fabs(ratio / predicted - 1) <= 0.1 &&
               fig.max_reduction_db > 6.0,
           "release %g s: after %.1f dB of reduction, within 0.1 dB of unity %.1f ms after the "
           "burst (%.2f release times; allowed 0.5 to 5, and %.2f +-10 %% for an exponential)",
           cfg.release_sec, fig.max_reduction_db, recovery_sec * 1000, ratio, predicted);
    }
    free(x);
    free(y);
}

/*
 * The hold: the gain is at its lowest over the whole reach of the interpolation kernel around a
 * peak (32 frames either side), not only on the peak, and nowhere else; read with a fast
 * release on a DC pilot.
 */
static void test_hold(void)
{
    double rate = 48000, pilot = 0.1;
    size_t n = 4800, at = 2400, reach = PM_TRUEPEAK_TAPS / 2;
    double *l = frames_new(n), *r = frames_new(n), *out_l = frames_new(n), *out_r = frames_new(n);
    for (size_t i = 0; i < n; i++)
        r[i] = pilot;
    l[at] = 2.0;
    pm_limiter_config cfg = config_with(-1.0);
    cfg.release_sec = PM_LIMITER_RELEASE_MIN_SEC;
    run_figures fig;
    if (limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig)) {
        double lowest = out_r[at];
        size_t first = at, last = at;
        for (size_t i = 0; i < n; i++) {
            if (out_r[i] < lowest) {
                lowest = out_r[i];
                first = last = i;
            } else if (out_r[i] == lowest) {
                first = i < first ? i : first;
                last = i > last ? i : last;
            }
        }
        int flat = 1;
        for (size_t i = first; i <= last; i++)
            flat &= out_r[i] == lowest;
        ok(flat && first == at - reach && last == at + reach,
           "an impulse: the gain is lowest (%.2f dB) from %lld to %+lld frames around it "
           "(expected -%zu to +%zu)",
           fig.max_reduction_db, (long long)first - (long long)at,
           (long long)last - (long long)at, reach, reach);
    }
    free(l);
    free(r);
    free(out_l);
    free(out_r);
}

static void test_stereo_link(void)
{
    static const char *const side[2] = {"left", "right"};
    double rate = 48000, pilot = 0.1;
    size_t start = (size_t)(0.2 * rate), len = (size_t)(0.1 * rate), n = (size_t)(0.6 * rate);
    double *in[2] = {frames_new(n), frames_new(n)}, *out[2] = {frames_new(n), frames_new(n)};
    pm_limiter_config cfg = config_with(-1.0);
    run_figures fig;
    for (int loud = 0; loud < 2; loud++) {
        int quiet = 1 - loud;
        for (size_t i = 0; i < n; i++) {
            in[loud][i] = burst_at(rate, i, start, len);
            in[quiet][i] = pilot;
        }
        if (!limit(&cfg, rate, 2, in[0], in[1], n, 4096, 4096, out[0], out[1], &fig))
            continue;
        double worst = 0.0, lowest = 1.0;
        for (size_t i = 0; i < n; i++) {
            double gain = out[quiet][i] / pilot;
            lowest = fmin(lowest, gain);
            if (fabs(in[loud][i]) > 0.05)
                worst = fmax(worst, fabs(out[loud][i] / in[loud][i] - gain));
        }
        ok(lowest < pow(10.0, -6.0 / 20) && worst <= 1e-12,
           "a peak on the %s only: the %s goes down to %.2f dB with the %s's gain (largest "
           "difference %.2g)",
           side[loud], side[quiet], pm_db_from_linear(lowest), side[loud], worst);
        /* The quiet side alone is under the ceiling and passes untouched. */
        memset(in[loud], 0, n * sizeof *in[loud]);
        if (limit(&cfg, rate, 2, in[0], in[1], n, 4096, 4096, out[0], out[1], &fig))
            ok(!memcmp(out[quiet], in[quiet], n * sizeof *in[quiet]),
               "without the %s's peak the %s is untouched", side[loud], side[quiet]);
    }
    for (int c = 0; c < 2; c++) {
        free(in[c]);
        free(out[c]);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Alignment, block sizes, latency.
 */

static void test_alignment(void)
{
    double rate = 48000;
    size_t n = (size_t)rate;
    double *l = frames_new(n), *r = frames_new(n), *out_l = frames_new(n), *out_r = frames_new(n);
    pm_limiter_config cfg = config_with(-1.0);
    run_figures fig;

    /* Under the ceiling: out == in, so every impulse is on its frame. */
    for (size_t i = 17; i < n; i += 1000)
        l[i] = 0.5;
    for (size_t i = 500; i < n; i += 1000)
        r[i] = -0.3;
    if (limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig))
        ok(!memcmp(out_l, l, n * sizeof *l) && !memcmp(out_r, r, n * sizeof *r),
           "an impulse train under the ceiling comes out at the same frames, unchanged");

    /* Over it: reduced, on the same frames, and nothing anywhere else. */
    memset(l, 0, n * sizeof *l);
    memset(r, 0, n * sizeof *r);
    for (size_t i = 100; i < n; i += 4800)
        l[i] = r[i] = 2.0;
    if (limit(&cfg, rate, 2, l, r, n, 4096, 4096, out_l, out_r, &fig)) {
        int same = 1;
        for (size_t i = 0; i < n; i++)
            same &= (out_l[i] != 0.0) == (l[i] != 0.0) && (out_r[i] != 0.0) == (r[i] != 0.0);
        double out_dbtp = truepeak16_dbtp(out_l, out_r, n);
        ok(same && out_dbtp <= cfg.ceiling_dbtp,
           "impulses of +6 dBFS come out reduced by %.2f dB to %.3f dBTP on the same frames",
           fig.max_reduction_db, out_dbtp);
    }

    /* The delay: process keeps L frames back, drain gives exactly those. */
    for (size_t i = 0; i < n; i++)
        l[i] = r[i] = 0.25 * sin(2 * PI * 440.0 * (double)i / rate);
    if (limit(&cfg, rate, 2, l, r, n, n, n, out_l, out_r, &fig))
        is_int((long long)fig.produced_by_process, (long long)(n - fig.latency),
               "one call of process gives all but the latency's frames; drain the rest");
    free(l);
    free(r);
    free(out_l);
    free(out_r);
}

/*
 * Block sizes: dense limiting (bass bursts and noise at +20 dB), and sparse peaks between
 * silences (sign patterns), where the detector skips stretches and must not depend on where
 * the blocks cut them.
 */
static void test_blocks(uint64_t *rng)
{
    static const struct {
        size_t block, room;
        int in_place;
        const char *what;
    } runs[] = {
        {1, 1, 0, "blocks of 1"},
        {13, 13, 0, "blocks of 13"},
        {13, 5, 0, "blocks of 13 with room for 5"},
        {4096, 4096, 1, "blocks of 4096 in place"},
    };
    double rate = 44100;
    size_t n = (size_t)(1.5 * rate);
    double *l = frames_new(n), *r = frames_new(n), *ref_l = frames_new(n),
           *ref_r = frames_new(n), *out_l = frames_new(n), *out_r = frames_new(n);
    for (int sparse = 0; sparse < 2; sparse++) {
        memset(l, 0, n * sizeof *l);
        memset(r, 0, n * sizeof *r);
        if (sparse) {
            make_signs(rng, n, l, r);
        } else {
            make_bass(rate, rng, n, l, r);
            for (size_t i = 0; i < n; i++) /* and some highs, for the detector */
                l[i] += 0.5 * uniform(rng);
        }
        pm_limiter_config cfg = config_with(-1.0);
        run_figures ref_fig, fig;
        if (!limit(&cfg, rate, 2, l, r, n, 4096, 4096, ref_l, ref_r, &ref_fig))
            continue;
        for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
            int done_ok;
            if (runs[k].in_place) {
                memcpy(out_l, l, n * sizeof *l);
                memcpy(out_r, r, n * sizeof *r);
                done_ok = limit(&cfg, rate, 2, out_l, out_r, n, runs[k].block, runs[k].room,
                                out_l, out_r, &fig);
            } else {
                done_ok = limit(&cfg, rate, 2, l, r, n, runs[k].block, runs[k].room, out_l,
                                out_r, &fig);
            }
            if (!done_ok)
                continue;
            ok(!memcmp(out_l, ref_l, n * sizeof *l) && !memcmp(out_r, ref_r, n * sizeof *r) &&
                   fig.reduced_frames == ref_fig.reduced_frames &&
                   fig.max_reduction_db == ref_fig.max_reduction_db,
               "%s, %s: output and statistics identical to blocks of 4096 (%.2f dB, %llu "
               "frames reduced)",
               sparse ? "sparse peaks" : "dense limiting", runs[k].what, fig.max_reduction_db,
               (unsigned long long)fig.reduced_frames);
        }
    }
    free(l);
    free(r);
    free(ref_l);
    free(ref_r);
    free(out_l);
    free(out_r);
}

static void test_latency(void)
{
    static const double lookaheads_sec[] = {0.002, 0.003, 0.005};
    int all = 1;
    for (size_t ri = 0; ri < NRATES; ri++) {
        for (size_t k = 0; k < sizeof lookaheads_sec / sizeof lookaheads_sec[0]; k++) {
            pm_limiter_config cfg = config_with(-1.0);
            cfg.lookahead_sec = lookaheads_sec[k];
            pm_stage *st = NULL;
            pm_stage_format in = {rates[ri], 2, 4096}, out;
            if (pm_limiter_new(&cfg, &st, NULL) != PM_OK ||
                pm_stage_start(st, &in, &out, NULL) != PM_OK) {
                all = 0;
            } else {
                size_t expected = (size_t)lround(cfg.lookahead_sec * rates[ri]);
                if (pm_stage_latency(st) != expected) {
                    diag("%g ms at %g Hz: latency %zu, expected %zu", cfg.lookahead_sec * 1000,
                         rates[ri], pm_stage_latency(st), expected);
                    all = 0;
                }
            }
            pm_stage_free(st);
        }
    }
    ok(all, "latency() is the look-ahead in frames: 2, 3 and 5 ms at 44.1, 48 and 96 kHz");
}

static void test_parameters(void)
{
    pm_limiter_config cfg;
    pm_limiter_config_init(&cfg);
    ok(cfg.ceiling_dbtp == -1.0 && cfg.release_sec == 0.05 && cfg.lookahead_sec == 0.003 &&
           cfg.oversampling == 8,
       "defaults: -1 dBTP, 50 ms release, 3 ms look-ahead, 8x");
    pm_diag *problems = pm_diag_new();
    pm_stage *st = NULL;
    cfg.ceiling_dbtp = 0.5;
    cfg.release_sec = 0.0;
    cfg.lookahead_sec = 0.010;
    cfg.oversampling = 6;
    ok(pm_limiter_new(&cfg, &st, problems) == PM_ERR_INVALID && !st &&
           pm_diag_count_severity(problems, PM_SEV_ERROR) == 4,
       "a ceiling over 0 dBTP, no release, 10 ms of look-ahead and 6x are four errors");
    pm_diag_free(problems);
    pm_limiter_config_init(&cfg);
    cfg.ceiling_dbtp = NAN;
    ok(pm_limiter_new(&cfg, &st, NULL) == PM_ERR_INVALID, "a NaN ceiling is refused");

    /* 2 ms at 22.05 kHz is 44 frames: too few for the detector and the hold. */
    problems = pm_diag_new();
    pm_limiter_config_init(&cfg);
    cfg.lookahead_sec = 0.002;
    pm_stage_format in = {22050, 2, 4096}, out;
    if (pm_limiter_new(&cfg, &st, NULL) != PM_OK)
        bail_out("cannot make a limiter");
    ok(pm_stage_start(st, &in, &out, problems) == PM_ERR_INVALID &&
           pm_diag_count_severity(problems, PM_SEV_ERROR) == 1,
       "a look-ahead too short for the rate is refused at start");
    if (pm_diag_count(problems))
        diag("%s", pm_diag_get(problems, 0)->message);
    pm_diag_free(problems);
    pm_stage_free(st);
    pm_stage_free(NULL);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_ceiling(&rng);
    test_detector(&rng);
    test_transparency(&rng);
    test_release();
    test_hold();
    test_stereo_link();
    test_alignment();
    test_blocks(&rng);
    test_latency();
    test_parameters();
    return done_testing();
}
