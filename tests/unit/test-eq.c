/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * EQ (biquad.h, eq.h) measured with signals: a sine goes through the filter, and once the
 * transient has died away the output's amplitude at that frequency is fitted by least squares
 * (a cos + b sin at the known frequency over a whole window; exact for a steady-state sinusoid,
 * whatever the number of cycles). The references are written here from the formulas, apart from
 * the library: the RBJ cookbook's analog prototypes evaluated at the pre-warped frequency, the
 * Butterworth magnitude 1 / sqrt(1 + W^2N), and the analog 50/15 us de-emphasis network.
 *
 * Tolerances (from the design brief, documented with each test):
 *   RBJ and Butterworth   measured within 0.05 dB of the reference, 16 frequencies 20 Hz-20 kHz
 *   Butterworth -3.01 dB  measured within 1 % of the set frequency, orders 1-8
 *   LR4                   -6.02 dB +-0.1 at the crossover; LP + HP flat within 0.01 dB
 *   de-emphasis           within 0.1 dB of the analog curve, 20 Hz-20 kHz
 *   mono bass             L == R passes within 1e-9; side -6.02 +-0.5 dB at the crossover,
 *                         >= 24 dB down an octave under it, within 0.1 dB two octaves above
 *   block sizes 1, 7, 4096 give bit-identical output
 */
#include "alloc.h"
#include "dsp/biquad.h"
#include "dsp/eq.h"

#include "../tap.h"
#include "measure.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMP 0.5  /* test sine amplitude */
#define NFREQ 16 /* log-spaced measuring frequencies, 20 Hz to 20 kHz */
/*
 * Far down a stopband (an 8th-order low-pass at 1 kHz is -316 dB at 20 kHz) the output is a few
 * ulps of the filter's state and its measurement loses meaning. Under FLOOR_DB the test asks only
 * that the measurement is at least FLOOR_DB + 5 dB down, which still fails a filter that does
 * not reject.
 */
#define FLOOR_DB -200.0

static const double rates[] = {44100, 96000};
#define NRATES (sizeof rates / sizeof rates[0])

static double freq_at(int i)
{
    return 20 * pow(1000, (double)i / (NFREQ - 1));
}

/* Measured gain in dB of a section cascade at freq, fed in engine-sized blocks. */
static double measure_cascade_db(const pm_biquad *s, size_t count, double rate, double freq,
                                 double settle_sec)
{
    measure_span sp = measure_span_for(rate, freq, settle_sec);
    size_t n = sp.settle + sp.window;
    double *x = measure_sine(n, rate, freq, AMP, 0);
    pm_biquad_state st[2 * PM_BIQUAD_MAX_SECTIONS];
    pm_biquad_clear(st, count);
    for (size_t at = 0; at < n; at += MEASURE_BLOCK)
        pm_biquad_process_cascade(s, st, count, x + at,
                                  n - at < MEASURE_BLOCK ? n - at : MEASURE_BLOCK);
    double g = measure_db(measure_fit_amplitude(x, sp.settle, sp.window, rate, freq) / AMP);
    free(x);
    return g;
}

/* How many measurements the floor rule judged, for the summary. */
static int *floor_count(void)
{
    static int count;
    return &count;
}

/* |measured - reference| in dB, with the floor rule; a failed measurement is infinite. */
static double deviation(double measured, double reference)
{
    if (!isfinite(measured))
        return INFINITY;
    if (reference < FLOOR_DB) {
        ++*floor_count();
        return measured < FLOOR_DB + 5 ? 0 : INFINITY;
    }
    return fabs(measured - reference);
}

/*
 * Measured gain in dB of a one-band EQ stage at freq: L gets a sine, R a cosine a third as loud,
 * and the larger deviation of the two channels' gains from reference_db is returned (both
 * channels must be filtered alike).
 */
static double measure_eq_dev(const pm_eq_band *band, double rate, double freq, double settle_sec,
                             double reference_db)
{
    pm_stage *st = NULL;
    if (pm_eq_new(band, 1, &st, NULL) != PM_OK || measure_start_stage(st, rate, 2, NULL) != PM_OK) {
        pm_stage_free(st);
        return INFINITY;
    }
    measure_span sp = measure_span_for(rate, freq, settle_sec);
    size_t n = sp.settle + sp.window;
    double *l = measure_sine(n, rate, freq, AMP, 0),
           *r = measure_sine(n, rate, freq, AMP / 3, MEASURE_PI / 2);
    measure_run_stage(st, l, r, n, MEASURE_BLOCK);
    double gl = measure_db(measure_fit_amplitude(l, sp.settle, sp.window, rate, freq) / AMP);
    double gr = measure_db(measure_fit_amplitude(r, sp.settle, sp.window, rate, freq) / (AMP / 3));
    free(l);
    free(r);
    pm_stage_free(st);
    return fmax(deviation(gl, reference_db), deviation(gr, reference_db));
}

/* ---------------------------------------------------------------------------------------------
 * References, from the formulas (not from the library's coefficients).
 */

/* RBJ prototypes: the analog H(s) at s = j W, W = tan(pi f / fs) / tan(pi f0 / fs). */
static double ref_rbj_db(pm_eq_type type, double rate, double f0, double gain_db, double q,
                         double f)
{
    double complex s = I * tan(MEASURE_PI * f / rate) / tan(MEASURE_PI * f0 / rate);
    double a = pow(10, gain_db / 40), ra = sqrt(a);
    double complex h;
    switch (type) {
    case PM_EQ_PEAK: h = (s * s + s * (a / q) + 1) / (s * s + s / (a * q) + 1); break;
    case PM_EQ_LOWSHELF: h = a * (s * s + ra / q * s + a) / (a * s * s + ra / q * s + 1); break;
    case PM_EQ_HIGHSHELF: h = a * (a * s * s + ra / q * s + 1) / (s * s + ra / q * s + a); break;
    case PM_EQ_NOTCH: h = (s * s + 1) / (s * s + s / q + 1); break;
    default: return NAN;
    }
    return measure_db(cabs(h));
}

static double ref_butterworth_db(int highpass, int order, double rate, double fc, double f)
{
    double w = tan(MEASURE_PI * f / rate) / tan(MEASURE_PI * fc / rate);
    return -10 * log10(1 + pow(highpass ? 1 / w : w, 2 * order));
}

static double ref_deemphasis_db(double f)
{
    double w = 2 * MEASURE_PI * f;
    return measure_db(cabs((1 + I * w * 15e-6) / (1 + I * w * 50e-6)));
}

/* ---------------------------------------------------------------------------------------------
 * RBJ bands through the EQ stage.
 */

typedef struct rbj_case {
    pm_eq_type type;
    double freq_hz, gain_db, q, slope;
} rbj_case;

static const rbj_case rbj_cases[] = {
    {PM_EQ_PEAK, 1000, 6, 1.41, 0},      {PM_EQ_PEAK, 100, -9, 4, 0},
    {PM_EQ_PEAK, 8000, 3, 0.5, 0},       {PM_EQ_LOWSHELF, 90, 4, 0.7, 0},
    {PM_EQ_LOWSHELF, 300, -6, 0, 1},     {PM_EQ_HIGHSHELF, 8000, -5, 0.9, 0},
    {PM_EQ_HIGHSHELF, 12000, 6, 0, 0.5}, {PM_EQ_NOTCH, 60, 0, 5, 0},
    {PM_EQ_NOTCH, 3000, 0, 2, 0},
};

/* The cookbook's Q for a shelf slope, written here again: 1/Q = sqrt((A + 1/A)(1/S - 1) + 2). */
static double ref_shelf_q(double gain_db, double slope)
{
    double a = pow(10, gain_db / 40);
    return 1 / sqrt((a + 1 / a) * (1 / slope - 1) + 2);
}

static void test_rbj(double *worst)
{
    for (size_t k = 0; k < sizeof rbj_cases / sizeof rbj_cases[0]; k++) {
        const rbj_case *c = &rbj_cases[k];
        pm_eq_band band = {c->type, c->freq_hz, c->gain_db, c->q, c->slope, 0};
        double q = c->slope ? ref_shelf_q(c->gain_db, c->slope) : c->q;
        for (size_t r = 0; r < NRATES; r++) {
            double dev = 0, at = 0, lib_dev = 0;
            pm_biquad s;
            int designed = 0;
            switch (c->type) {
            case PM_EQ_PEAK:
                designed = pm_biquad_design_peak(&s, rates[r], c->freq_hz, c->gain_db, q) == 0;
                break;
            case PM_EQ_LOWSHELF:
                designed = pm_biquad_design_lowshelf(&s, rates[r], c->freq_hz, c->gain_db, q) == 0;
                break;
            case PM_EQ_HIGHSHELF:
                designed = pm_biquad_design_highshelf(&s, rates[r], c->freq_hz, c->gain_db, q) == 0;
                break;
            default: designed = pm_biquad_design_notch(&s, rates[r], c->freq_hz, q) == 0; break;
            }
            for (int i = 0; i < NFREQ; i++) {
                double f = freq_at(i);
                double ref = ref_rbj_db(c->type, rates[r], c->freq_hz, c->gain_db, q, f);
                double d = measure_eq_dev(&band, rates[r], f, 1.0, ref);
                if (d > dev)
                    dev = d, at = f;
                if (designed)
                    lib_dev =
                        fmax(lib_dev,
                             deviation(measure_db(pm_biquad_magnitude(&s, 1, rates[r], f)), ref));
            }
            *worst = fmax(*worst, dev);
            ok(dev <= 0.05,
               "%s %g Hz %+g dB q %g at %g Hz: measured within 0.05 dB of the RBJ prototype at 16 "
               "frequencies (worst %.2g dB at %.0f Hz)",
               pm_eq_type_name(c->type), c->freq_hz, c->gain_db, q, rates[r], dev, at);
            ok(designed && lib_dev <= 1e-6,
               "%s %g Hz at %g Hz: pm_biquad_magnitude agrees with the prototype within 1e-6 dB "
               "(%.2g)",
               pm_eq_type_name(c->type), c->freq_hz, rates[r], lib_dev);
        }
    }
}

static void test_shelf_q(void)
{
    double q = 0;
    ok(pm_biquad_shelf_q(9, 1, &q) == PM_OK && fabs(q - sqrt(0.5)) < 1e-15,
       "a shelf slope of 1 is Q = 1/sqrt 2 (%.17g)", q);
    ok(pm_biquad_shelf_q(-6, 0.5, &q) == PM_OK && fabs(q - ref_shelf_q(-6, 0.5)) < 1e-15,
       "shelf slope 0.5 at -6 dB gives the cookbook Q");
    ok(pm_biquad_shelf_q(12, 10, &q) == PM_ERR_INVALID, "shelf slope 10 at 12 dB is refused");
    ok(pm_biquad_shelf_q(3, 0, &q) == PM_ERR_INVALID, "shelf slope 0 is refused");
}

/* ---------------------------------------------------------------------------------------------
 * Butterworth.
 */

static void test_butterworth_response(double *worst)
{
    for (int hp = 0; hp <= 1; hp++)
        for (int order = 1; order <= PM_BIQUAD_MAX_ORDER; order++)
            for (size_t r = 0; r < NRATES; r++) {
                pm_eq_band band = {hp ? PM_EQ_HIGHPASS : PM_EQ_LOWPASS, 1000, 0, 0, 0, order};
                double dev = 0, at = 0;
                for (int i = 0; i < NFREQ; i++) {
                    double f = freq_at(i);
                    double d = measure_eq_dev(&band, rates[r], f, 0.2,
                                              ref_butterworth_db(hp, order, rates[r], 1000, f));
                    if (d > dev)
                        dev = d, at = f;
                }
                *worst = fmax(*worst, dev);
                ok(dev <= 0.05,
                   "Butterworth %s order %d, 1 kHz at %g Hz: measured within 0.05 dB of "
                   "1/sqrt(1+W^2N) at 16 frequencies (worst %.2g dB at %.0f Hz)",
                   hp ? "high-pass" : "low-pass", order, rates[r], dev, at);
            }
}

/* The frequency where the measured response crosses -3.0103 dB, by bisection. */
static double measure_3db_point(const pm_biquad *s, size_t count, int hp, double rate, double fc)
{
    double target = -10 * log10(2), lo = 0.8 * fc, hi = 1.25 * fc;
    /* Ample settling: the highest pole Q is 2.56 (order 8), a time constant under 0.82/fc. */
    double settle = fmax(0.05, 40 / fc);
    for (int it = 0; it < 20; it++) {
        double mid = sqrt(lo * hi), g = measure_cascade_db(s, count, rate, mid, settle);
        /* A high-pass rises through -3 dB with frequency, a low-pass falls. */
        if ((g < target) == (hp != 0))
            lo = mid;
        else
            hi = mid;
    }
    return sqrt(lo * hi);
}

static void test_butterworth_corner(double *worst)
{
    static const double corners[] = {40, 1000, 15000};
    for (int hp = 0; hp <= 1; hp++)
        for (int order = 1; order <= PM_BIQUAD_MAX_ORDER; order++)
            for (size_t r = 0; r < NRATES; r++) {
                double dev = 0;
                int designed = 1;
                for (size_t k = 0; k < 3; k++) {
                    pm_biquad s[PM_BIQUAD_MAX_SECTIONS];
                    size_t count = 0;
                    designed &= pm_biquad_design_butterworth(
                                    s, &count, hp ? PM_BIQUAD_HIGHPASS : PM_BIQUAD_LOWPASS, order,
                                    rates[r], corners[k]) == PM_OK &&
                                count == (size_t)(order + 1) / 2;
                    if (!designed)
                        break;
                    double f = measure_3db_point(s, count, hp, rates[r], corners[k]);
                    dev = fmax(dev, fabs(f / corners[k] - 1));
                }
                *worst = fmax(*worst, dev);
                ok(designed && dev < 0.01,
                   "Butterworth %s order %d at %g Hz: measured -3.01 dB point within 1%% of 40 Hz, "
                   "1 kHz and 15 kHz (worst %.2g %%)",
                   hp ? "high-pass" : "low-pass", order, rates[r], 100 * dev);
            }
}

/* ---------------------------------------------------------------------------------------------
 * Linkwitz-Riley and de-emphasis.
 */

static void test_lr4(double *worst_point, double *worst_sum)
{
    static const double crossovers[] = {150, 2000};
    for (size_t k = 0; k < 2; k++)
        for (size_t r = 0; r < NRATES; r++) {
            double fc = crossovers[k], rate = rates[r];
            pm_biquad lp[2], hp[2];
            if (pm_biquad_design_lr4(lp, PM_BIQUAD_LOWPASS, rate, fc) != PM_OK ||
                pm_biquad_design_lr4(hp, PM_BIQUAD_HIGHPASS, rate, fc) != PM_OK) {
                ok(0, "LR4 at %g Hz designs at %g Hz", fc, rate);
                continue;
            }
            double glp = measure_cascade_db(lp, 2, rate, fc, 0.5);
            double ghp = measure_cascade_db(hp, 2, rate, fc, 0.5);
            double ref = -20 * log10(2);
            *worst_point = fmax(*worst_point, fmax(fabs(glp - ref), fabs(ghp - ref)));
            ok(fabs(glp - ref) <= 0.1 && fabs(ghp - ref) <= 0.1,
               "LR4 %g Hz at %g Hz: low-pass %.4f dB, high-pass %.4f dB at the crossover (-6.02 "
               "+-0.1)",
               fc, rate, glp, ghp);

            /* Both filters on the same sine, outputs summed: an all-pass, flat in magnitude. */
            double dev = 0, at = 0;
            for (int i = 0; i < NFREQ; i++) {
                double f = freq_at(i);
                measure_span sp = measure_span_for(rate, f, 0.5);
                size_t n = sp.settle + sp.window;
                double *a = measure_sine(n, rate, f, AMP, 0), *b = measure_sine(n, rate, f, AMP, 0);
                pm_biquad_state sa[2], sb[2];
                pm_biquad_clear(sa, 2);
                pm_biquad_clear(sb, 2);
                pm_biquad_process_cascade(lp, sa, 2, a, n);
                pm_biquad_process_cascade(hp, sb, 2, b, n);
                for (size_t j = 0; j < n; j++)
                    a[j] += b[j];
                double d =
                    fabs(measure_db(measure_fit_amplitude(a, sp.settle, sp.window, rate, f) / AMP));
                if (d > dev)
                    dev = d, at = f;
                free(a);
                free(b);
            }
            *worst_sum = fmax(*worst_sum, dev);
            ok(dev <= 0.01,
               "LR4 %g Hz at %g Hz: low-pass + high-pass flat within 0.01 dB at 16 frequencies "
               "(worst %.2g dB at %.0f Hz)",
               fc, rate, dev, at);
        }
}

static void test_deemphasis(double *worst)
{
    static const double de_rates[] = {44100, 48000, 88200, 96000, 176400, 192000};
    for (size_t r = 0; r < sizeof de_rates / sizeof de_rates[0]; r++) {
        double rate = de_rates[r], dev = 0, at = 0, lib_dev = 0;
        pm_eq_band band = {PM_EQ_DEEMPHASIS, 0, 0, 0, 0, 0};
        pm_biquad s;
        int designed = pm_biquad_design_deemphasis(&s, rate) == PM_OK;
        for (int i = 0; i < 24; i++) {
            double f = 20 * pow(1000, i / 23.0), ref = ref_deemphasis_db(f);
            double d = measure_eq_dev(&band, rate, f, 0.1, ref);
            if (d > dev)
                dev = d, at = f;
            if (designed)
                lib_dev =
                    fmax(lib_dev, fabs(measure_db(pm_biquad_magnitude(&s, 1, rate, f)) - ref));
        }
        *worst = fmax(*worst, dev);
        ok(dev <= 0.1,
           "de-emphasis at %g Hz: measured within 0.1 dB of the analog 50/15 us curve at 24 "
           "frequencies, 20 Hz-20 kHz (worst %.3f dB at %.0f Hz)",
           rate, dev, at);
        ok(designed && fabs(lib_dev - dev) < 1e-4,
           "de-emphasis at %g Hz: the coefficients' response agrees with the measurement (%.3f dB)",
           rate, lib_dev);
        /* The network's own landmarks: 0 dB at DC, -10.46 dB (15/50) far above the zero. */
        ok(designed && fabs(measure_db(pm_biquad_magnitude(&s, 1, rate, 0))) < 1e-12,
           "de-emphasis at %g Hz: 0 dB at DC", rate);
    }
    pm_biquad s;
    ok(pm_biquad_design_deemphasis(&s, 4000) == PM_ERR_INVALID, "de-emphasis refuses 4 kHz");
}

/* ---------------------------------------------------------------------------------------------
 * Mono bass and width.
 */

static void test_monobass(double *worst_mono, double *worst_xover, double *worst_below,
                          double *worst_above)
{
    static const double belows[] = {75, 150, 300};
    uint64_t rng = 12345;
    for (size_t k = 0; k < 3; k++)
        for (size_t r = 0; r < NRATES; r++) {
            double fc = belows[k], rate = rates[r];
            pm_stage *st = NULL;
            if (pm_monobass_new(fc, &st, NULL) != PM_OK ||
                measure_start_stage(st, rate, 2, NULL) != PM_OK) {
                ok(0, "monobass %g Hz starts at %g Hz", fc, rate);
                pm_stage_free(st);
                continue;
            }
            /* Mono: noise plus a bass sine, the same on both sides. */
            size_t n = (size_t)rate;
            double *l = measure_sine(n, rate, 0.5 * fc, AMP, 0),
                   *rr = measure_alloc(n * sizeof *rr);
            for (size_t i = 0; i < n; i++) {
                l[i] += 0.2 * ((double)tap_rand_below(&rng, 2000001) / 1e6 - 1);
                rr[i] = l[i];
            }
            double *l0 = measure_alloc(n * sizeof *l0);
            memcpy(l0, l, n * sizeof *l0);
            measure_run_stage(st, l, rr, n, MEASURE_BLOCK);
            double dev = 0;
            for (size_t i = 0; i < n; i++)
                dev = fmax(dev, fmax(fabs(l[i] - l0[i]), fabs(rr[i] - l0[i])));
            *worst_mono = fmax(*worst_mono, dev);
            ok(dev <= 1e-9, "monobass %g Hz at %g Hz: a mono signal passes within 1e-9 (%.2g)", fc,
               rate, dev);
            free(l);
            free(rr);
            free(l0);

            /* Side only (R = -L): the side gain at fc / 2, fc and 4 fc. */
            double g[3];
            static const double at[3] = {0.5, 1, 4};
            double mid_left = 0;
            for (int j = 0; j < 3; j++) {
                pm_stage_reset(st);
                double f = at[j] * fc;
                measure_span sp = measure_span_for(rate, f, 0.5);
                size_t m = sp.settle + sp.window;
                double *a = measure_sine(m, rate, f, AMP, 0),
                       *b = measure_sine(m, rate, f, -AMP, 0);
                measure_run_stage(st, a, b, m, MEASURE_BLOCK);
                for (size_t i = 0; i < m; i++) {
                    mid_left = fmax(mid_left, fabs(a[i] + b[i]));
                    a[i] = 0.5 * (a[i] - b[i]);
                }
                g[j] = measure_db(measure_fit_amplitude(a, sp.settle, sp.window, rate, f) / AMP);
                free(a);
                free(b);
            }
            double ref = -20 * log10(2);
            *worst_xover = fmax(*worst_xover, fabs(g[1] - ref));
            *worst_below = fmax(*worst_below, g[0]);
            *worst_above = fmax(*worst_above, fabs(g[2]));
            ok(fabs(g[1] - ref) <= 0.5,
               "monobass %g Hz at %g Hz: side %.3f dB at the crossover (-6.02 +-0.5)", fc, rate,
               g[1]);
            ok(g[0] <= -24, "monobass %g Hz at %g Hz: side %.2f dB an octave below (<= -24)", fc,
               rate, g[0]);
            ok(fabs(g[2]) <= 0.1,
               "monobass %g Hz at %g Hz: side %.4f dB two octaves above (0 +-0.1)", fc, rate, g[2]);
            ok(mid_left == 0, "monobass %g Hz at %g Hz: a side-only input stays side-only", fc,
               rate);
            pm_stage_free(st);
        }
    pm_diag *diag = pm_diag_new();
    pm_stage *st = NULL;
    ok(pm_monobass_new(0, &st, diag) == PM_ERR_INVALID && !st && pm_diag_count(diag) == 1,
       "monobass below=0 is refused with a message");
    ok(pm_monobass_new(30000, &st, diag) == PM_OK &&
           measure_start_stage(st, 44100, 2, diag) == PM_ERR_INVALID && pm_diag_count(diag) == 2 &&
           strstr(pm_diag_get(diag, 1)->message, "Nyquist"),
       "monobass at 30 kHz refuses to start at 44.1 kHz, naming the Nyquist frequency");
    pm_stage_free(st);
    pm_diag_free(diag);
}

static void test_width(void)
{
    size_t n = 10000;
    uint64_t rng = 99;
    double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
    double *l0 = measure_alloc(n * sizeof *l), *r0 = measure_alloc(n * sizeof *r);
    static const double widths[] = {1, 0, 0.5, 2};
    for (size_t k = 0; k < 4; k++) {
        for (size_t i = 0; i < n; i++) {
            l0[i] = l[i] = (double)tap_rand_below(&rng, 2000001) / 1e6 - 1;
            r0[i] = r[i] = (double)tap_rand_below(&rng, 2000001) / 1e6 - 1;
        }
        pm_stage *st = NULL;
        if (pm_width_new(widths[k], &st, NULL) != PM_OK ||
            measure_start_stage(st, 48000, 2, NULL)) {
            ok(0, "width %g starts", widths[k]);
            pm_stage_free(st);
            continue;
        }
        measure_run_stage(st, l, r, n, 333);
        double w = widths[k], mid_dev = 0, side_dev = 0;
        int same = 1;
        for (size_t i = 0; i < n; i++) {
            mid_dev = fmax(mid_dev, fabs((l[i] + r[i]) / 2 - (l0[i] + r0[i]) / 2));
            side_dev = fmax(side_dev, fabs((l[i] - r[i]) / 2 - w * (l0[i] - r0[i]) / 2));
            same &= w == 0 ? l[i] == r[i] : 1;
        }
        if (w == 1)
            ok(!memcmp(l, l0, n * sizeof *l) && !memcmp(r, r0, n * sizeof *r),
               "width 1 is transparent, bit for bit");
        if (w == 0)
            ok(same, "width 0 gives L == R exactly");
        ok(mid_dev <= 1e-15 && side_dev <= 1e-15,
           "width %g: mid kept, side x %g (errors %.2g, %.2g)", w, w, mid_dev, side_dev);
        pm_stage_free(st);
    }
    pm_diag *diag = pm_diag_new();
    pm_stage *st = NULL;
    ok(pm_width_new(-0.1, &st, diag) == PM_ERR_INVALID &&
           pm_width_new(2.01, &st, diag) == PM_ERR_INVALID &&
           pm_width_new(NAN, &st, diag) == PM_ERR_INVALID && !st && pm_diag_count(diag) == 3,
       "width -0.1, 2.01 and NaN are refused, each with a message");
    pm_diag_free(diag);
    free(l);
    free(r);
    free(l0);
    free(r0);
}

/* ---------------------------------------------------------------------------------------------
 * The EQ stage: refusals, allocation failure, block sizes, reset, recovery, denormals.
 */

static void test_eq_refusals(void)
{
    pm_diag *d = pm_diag_new();
    pm_stage *st = NULL;
    pm_eq_band ok_bands[] = {{PM_EQ_PEAK, 1000, 3, 1, 0, 0}, {PM_EQ_PEAK, 24000, 3, 1, 0, 0}};
    ok(pm_eq_new(ok_bands, 2, &st, d) == PM_OK && st, "a band at 24 kHz is accepted before "
                                                      "the rate is known");
    ok(measure_start_stage(st, 48000, 2, d) == PM_ERR_INVALID, "... and refused at 48 kHz");
    const pm_diag_entry *e = pm_diag_count(d) == 1 ? pm_diag_get(d, 0) : NULL;
    ok(e && e->severity == PM_SEV_ERROR && strstr(e->message, "eq band 2") &&
           strstr(e->message, "Nyquist") && strstr(e->message, "24000"),
       "the message names band 2, its frequency and the Nyquist frequency: %s",
       e ? e->message : "(none)");
    ok(measure_start_stage(st, 96000, 2, d) == PM_OK && pm_diag_count(d) == 1,
       "the same stage starts at 96 kHz");
    pm_stage_free(st);

    pm_eq_band edge = {PM_EQ_LOWPASS, 22050, 0, 0, 0, 2};
    ok(pm_eq_new(&edge, 1, &st, d) == PM_OK &&
           measure_start_stage(st, 44100, 2, d) == PM_ERR_INVALID,
       "a low-pass at exactly 22050 Hz is refused at 44.1 kHz");
    pm_stage_free(st);
    edge.freq_hz = 22049;
    ok(pm_eq_new(&edge, 1, &st, NULL) == PM_OK && measure_start_stage(st, 44100, 2, NULL) == PM_OK,
       "a low-pass at 22049 Hz starts at 44.1 kHz");
    pm_stage_free(st);

    pm_diag_free(d);
    d = pm_diag_new();
    pm_eq_band bad[] = {
        {PM_EQ_PEAK, 1000, 3, 0, 0, 0},        {PM_EQ_HIGHPASS, 30, 0, 0, 0, 9},
        {PM_EQ_PEAK, 1000, 60, 1, 0, 0},       {PM_EQ_LOWSHELF, 100, 12, 0.7, 10, 0},
        {PM_EQ_NOTCH, -5, 0, 1, 0, 0},         {PM_EQ_DEEMPHASIS, 0, 0, 0, 0, 0},
        {PM_EQ_HIGHSHELF, 9000, 2, 0.7, 0, 0}, {(pm_eq_type)42, 100, 0, 1, 0, 0},
    };
    st = NULL;
    ok(pm_eq_new(bad, 8, &st, d) == PM_ERR_INVALID && !st, "bad bands are refused");
    int named = pm_diag_count(d) == 6;
    static const char *const expect[] = {"band 1", "band 2", "band 3",
                                         "band 4", "band 5", "band 8"};
    for (size_t i = 0; named && i < 6; i++)
        named = strstr(pm_diag_get(d, i)->message, expect[i]) != NULL;
    ok(named, "each of the 6 bad bands has its own message (q 0, order 9, +60 dB, slope 10, "
              "-5 Hz, unknown type), and the good ones none");
    for (size_t i = 0; i < pm_diag_count(d); i++)
        diag("%s", pm_diag_get(d, i)->message);
    pm_diag_free(d);
}

static void test_eq_alloc_failure(void)
{
    pm_eq_band band = {PM_EQ_PEAK, 1000, 3, 1, 0, 0};
    int all = 1;
    pm_stage dummy = {0};
    for (unsigned long k = 1; k <= 4; k++) {
        pm_stage *st = &dummy;
        pm_alloc_fail_after(k);
        all &= pm_eq_new(&band, 1, &st, NULL) == PM_ERR_NOMEM && st == NULL;
        pm_alloc_fail_after(0);
    }
    ok(all, "pm_eq_new reports PM_ERR_NOMEM for each of its 4 allocations failing");
    pm_stage *st = NULL;
    pm_alloc_fail_after(1);
    all = pm_width_new(1, &st, NULL) == PM_ERR_NOMEM &&
          pm_monobass_new(100, &st, NULL) == PM_ERR_NOMEM;
    pm_alloc_fail_after(0);
    ok(all && !st, "pm_width_new and pm_monobass_new report PM_ERR_NOMEM");
}

/* A chain with every band type, a width and a mono bass, as the mastering chain would hold. */
static const pm_eq_band chain_bands[] = {
    {PM_EQ_HIGHPASS, 25, 0, 0, 0, 5},     {PM_EQ_LOWSHELF, 90, 2, 0.7, 0, 0},
    {PM_EQ_PEAK, 3200, -1.5, 1.4, 0, 0},  {PM_EQ_NOTCH, 50, 0, 8, 0, 0},
    {PM_EQ_HIGHSHELF, 12000, 1, 0, 1, 0}, {PM_EQ_LOWPASS, 19000, 0, 0, 0, 3},
    {PM_EQ_DEEMPHASIS, 0, 0, 0, 0, 0},
};

typedef struct chain {
    pm_stage *st[3];
} chain;

static int chain_new(chain *c, double rate)
{
    memset(c, 0, sizeof *c);
    return pm_eq_new(chain_bands, sizeof chain_bands / sizeof chain_bands[0], &c->st[0], NULL) ==
               PM_OK &&
           pm_width_new(1.3, &c->st[1], NULL) == PM_OK &&
           pm_monobass_new(120, &c->st[2], NULL) == PM_OK &&
           measure_start_stage(c->st[0], rate, 2, NULL) == PM_OK &&
           measure_start_stage(c->st[1], rate, 2, NULL) == PM_OK &&
           measure_start_stage(c->st[2], rate, 2, NULL) == PM_OK;
}

static void chain_free(chain *c)
{
    for (int i = 0; i < 3; i++)
        pm_stage_free(c->st[i]);
}

/* Run the chain over l, r in place in blocks of block frames; out-of-place when a copy is given. */
static void chain_run(chain *c, double *l, double *r, size_t n, size_t block, int out_of_place)
{
    double bl[MEASURE_BLOCK], br[MEASURE_BLOCK];
    for (size_t at = 0; at < n; at += block) {
        size_t len = n - at < block ? n - at : block, used, produced;
        for (int s = 0; s < 3; s++) {
            double *ch[2] = {l + at, r + at};
            if (out_of_place) {
                double *o[2] = {bl, br};
                pm_stage_process(c->st[s], (const double *const *)ch, len, &used, o, MEASURE_BLOCK,
                                 &produced);
                memcpy(l + at, bl, len * sizeof *bl);
                memcpy(r + at, br, len * sizeof *br);
            } else {
                pm_stage_process(c->st[s], (const double *const *)ch, len, &used, ch, len,
                                 &produced);
            }
            if (used != len || produced != len)
                ok(0, "%s took %zu and gave %zu of %zu frames", c->st[s]->ops->name, used, produced,
                   len);
        }
    }
}

static void test_block_sizes(void)
{
    size_t n = 20000;
    uint64_t rng = 7;
    double *src[2], *ref[2], *got[2];
    for (int c = 0; c < 2; c++) {
        src[c] = measure_alloc(n * sizeof(double));
        ref[c] = measure_alloc(n * sizeof(double));
        got[c] = measure_alloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++)
            src[c][i] = 0.3 * sin(2 * MEASURE_PI * (40 + 30 * c) * (double)i / 44100) +
                        0.3 * ((double)tap_rand_below(&rng, 2000001) / 1e6 - 1);
    }
    chain ch;
    int started = chain_new(&ch, 44100);
    ok(started, "a chain of every band type, width and mono bass starts at 44.1 kHz");
    for (int c = 0; c < 2; c++)
        memcpy(ref[c], src[c], n * sizeof(double));
    chain_run(&ch, ref[0], ref[1], n, MEASURE_BLOCK, 0);
    double peak = 0;
    for (size_t i = 0; i < n; i++)
        peak = fmax(peak, fabs(ref[0][i] - src[0][i]));
    ok(peak > 0.01, "the chain changes the signal (by up to %.3f)", peak);

    static const size_t blocks[] = {1, 7, 4096, 4000};
    for (size_t k = 0; k < 4; k++)
        for (int oop = 0; oop <= 1; oop++) {
            for (int s = 0; s < 3; s++)
                pm_stage_reset(ch.st[s]);
            for (int c = 0; c < 2; c++)
                memcpy(got[c], src[c], n * sizeof(double));
            chain_run(&ch, got[0], got[1], n, blocks[k], oop);
            ok(!memcmp(got[0], ref[0], n * sizeof(double)) &&
                   !memcmp(got[1], ref[1], n * sizeof(double)),
               "blocks of %zu frames%s after reset: bit-identical to blocks of 4096", blocks[k],
               oop ? ", out of place" : "");
        }
    for (int s = 0; s < 3; s++)
        ok(pm_stage_latency(ch.st[s]) == 0 && ch.st[s]->in_place, "%s: no latency, in place",
           ch.st[s]->ops->name);
    size_t produced = 1;
    double *o[2] = {got[0], got[1]};
    pm_stage_drain(ch.st[0], o, MEASURE_BLOCK, &produced);
    ok(produced == 0, "eq drains nothing");
    chain_free(&ch);
    for (int c = 0; c < 2; c++) {
        free(src[c]);
        free(ref[c]);
        free(got[c]);
    }
}

/* Two channels through a two-section cascade side by side give each channel's cascade bit for
 * bit, across blocks, and recover from a NaN the same way. */
static void test_cascade_pair(void)
{
    pm_biquad k[2];
    if (pm_biquad_design_lr4(k, PM_BIQUAD_LOWPASS, 48000, 300) != PM_OK)
        bail_out("no LR4 design");
    enum { N = 3000 };
    static double a[N], b[N], ra[N], rb[N];
    pm_biquad_state sa[2] = {{0, 0}, {0, 0}}, sb[2] = {{0, 0}, {0, 0}};
    pm_biquad_state ta[2] = {{0, 0}, {0, 0}}, tb[2] = {{0, 0}, {0, 0}};
    int same = 1;
    for (int block = 0; block < 3; block++) {
        for (size_t i = 0; i < N; i++) {
            a[i] = ra[i] = sin(0.001 * (double)(i * (size_t)(block + 1))) * 0.9;
            b[i] = rb[i] = cos(0.37 * (double)i) * 0.3;
        }
        if (block == 1)
            a[5] = ra[5] = NAN;
        pm_biquad_process_cascade2_pair(k, sa, sb, a, b, N);
        pm_biquad_process_cascade(k, ta, 2, ra, N);
        pm_biquad_process_cascade(k, tb, 2, rb, N);
        for (size_t i = 0; i < N; i++)
            same &= (isnan(a[i]) && isnan(ra[i])) || (a[i] == ra[i] && b[i] == rb[i]);
        same &= memcmp(sa, ta, sizeof sa) == 0 && memcmp(sb, tb, sizeof sb) == 0;
    }
    ok(same, "two channels through a cascade side by side equal each channel's cascade, bit for "
       "bit, also after a NaN");
    /* blocks of 0, 1, 2 and 7 frames (the first and last samples take their own path), and a
     * signal decaying through the flush level, so that the flushed tail is compared too */
    static const size_t sizes[] = {1, 0, 2, 7, 1, 400, 3};
    double level = 1.0;
    same = 1;
    for (size_t n = 0; n < sizeof sizes / sizeof sizes[0] * 40; n++) {
        size_t m = sizes[n % (sizeof sizes / sizeof sizes[0])];
        for (size_t i = 0; i < m; i++) {
            a[i] = ra[i] = level * sin(0.3 * (double)(n + i));
            b[i] = rb[i] = -level * cos(0.2 * (double)(n + i));
            level *= 0.5;
        }
        pm_biquad_process_cascade2_pair(k, sa, sb, a, b, m);
        pm_biquad_process_cascade(k, ta, 2, ra, m);
        pm_biquad_process_cascade(k, tb, 2, rb, m);
        for (size_t i = 0; i < m; i++)
            same &= a[i] == ra[i] && b[i] == rb[i];
        same &= memcmp(sa, ta, sizeof sa) == 0 && memcmp(sb, tb, sizeof sb) == 0;
    }
    ok(same && level == 0.0 && sa[1].z1 == 0.0 && sb[1].z2 == 0.0,
       "so do blocks of 0 to 7 frames, and a tail flushed to exact zeros");
}

/* Two channels through a cascade of any length (the EQ stage's stereo) give each channel's
 * cascade bit for bit, whether its sections go in pairs or one is left over, across blocks of 0
 * to 400 frames, through a NaN and a tail decaying towards the flush level. */
static void test_cascade_any_pair(void)
{
    pm_biquad sections[6];
    if (pm_biquad_design_lr4(sections, PM_BIQUAD_LOWPASS, 48000, 300) != PM_OK ||
        pm_biquad_design_lr4(sections + 2, PM_BIQUAD_HIGHPASS, 48000, 60) != PM_OK ||
        pm_biquad_design_lr4(sections + 4, PM_BIQUAD_LOWPASS, 48000, 9000) != PM_OK)
        bail_out("no LR4 design");
    enum { N = 400 };
    static double a[N], b[N], ra[N], rb[N];
    static const size_t sizes[] = {1, 0, 2, 7, 1, 400, 3, 399};
    size_t kinds = sizeof sizes / sizeof sizes[0];
    for (size_t count = 1; count <= 6; count++) {
        pm_biquad_state sa[6] = {{0, 0}}, sb[6] = {{0, 0}}, ta[6] = {{0, 0}}, tb[6] = {{0, 0}};
        double level = 1.0;
        int same = 1;
        for (size_t n = 0; n < kinds * 40; n++) {
            size_t m = sizes[n % kinds];
            for (size_t i = 0; i < m; i++) {
                a[i] = ra[i] = n == 30 && i == 2 ? NAN : level * sin(0.3 * (double)(n + i));
                b[i] = rb[i] = -level * cos(0.2 * (double)(n * i));
                if (n > kinds * 20)
                    level *= 0.5;
            }
            pm_biquad_process_cascade_pair(sections, count, sa, sb, a, b, m);
            pm_biquad_process_cascade(sections, ta, count, ra, m);
            pm_biquad_process_cascade(sections, tb, count, rb, m);
            for (size_t i = 0; i < m; i++)
                same &= ((isnan(a[i]) && isnan(ra[i])) || a[i] == ra[i]) && b[i] == rb[i];
            same &= memcmp(sa, ta, sizeof sa) == 0 && memcmp(sb, tb, sizeof sb) == 0;
        }
        ok(same && level == 0.0,
           "two channels through a cascade of %zu section%s side by side equal each channel's "
           "cascade, bit for bit, across blocks, a NaN and a decaying tail",
           count, count == 1 ? "" : "s");
    }
}

/* Two pairs in one loop (a meter's K-weighting beside its low-pass) give each pair's own
 * output bit for bit, across blocks of 0 to 400 frames, through a NaN and a flushed tail. */
static void test_cascade_two_pairs(void)
{
    pm_biquad k[2], lf[2];
    if (pm_biquad_design_lr4(lf, PM_BIQUAD_LOWPASS, 48000, 300) != PM_OK ||
        pm_biquad_design_lr4(k, PM_BIQUAD_HIGHPASS, 48000, 60) != PM_OK)
        bail_out("no LR4 design");
    enum { N = 400 };
    static double a[N], b[N], c[N], d[N], ra[N], rb[N], rc[N], rd[N];
    pm_biquad_state s[4][2] = {{{0, 0}}}, t[4][2] = {{{0, 0}}};
    static const size_t sizes[] = {1, 0, 2, 7, 1, 400, 3, 399};
    size_t count = sizeof sizes / sizeof sizes[0];
    double level = 1.0;
    int same = 1;
    for (size_t n = 0; n < count * 40; n++) {
        size_t m = sizes[n % count];
        for (size_t i = 0; i < m; i++) {
            a[i] = ra[i] = level * sin(0.3 * (double)(n + i));
            b[i] = rb[i] = -level * cos(0.2 * (double)(n + i));
            c[i] = rc[i] = level * sin(0.01 * (double)(n * i));
            d[i] = rd[i] = n == 50 && i == 1 ? NAN : level * cos(0.7 * (double)i);
            if (n > count * 20)
                level *= 0.5;
        }
        pm_biquad_process_cascade2_two_pairs(k, s[0], s[1], a, b, lf, s[2], s[3], c, d, m);
        pm_biquad_process_cascade(k, t[0], 2, ra, m);
        pm_biquad_process_cascade(k, t[1], 2, rb, m);
        pm_biquad_process_cascade(lf, t[2], 2, rc, m);
        pm_biquad_process_cascade(lf, t[3], 2, rd, m);
        for (size_t i = 0; i < m; i++)
            same &= a[i] == ra[i] && b[i] == rb[i] && c[i] == rc[i] &&
                    ((isnan(d[i]) && isnan(rd[i])) || d[i] == rd[i]);
        same &= memcmp(s, t, sizeof s) == 0;
    }
    ok(same && level == 0.0 && s[3][1].z1 == 0.0,
       "two pairs of channels through two cascades in one loop equal each one's cascade, bit for "
       "bit, across blocks of 0 to 400 frames, a NaN and a tail flushed to zeros");
}

/* A NaN in one block must not poison the next; a tail must reach exact zeros, not subnormals. */
static void test_recovery_and_denormals(void)
{
    chain ch;
    int started = chain_new(&ch, 44100);
    size_t n = 1000;
    double l[1000], r[1000];
    for (size_t i = 0; i < n; i++)
        l[i] = r[i] = 0;
    l[10] = NAN;
    r[20] = INFINITY;
    chain_run(&ch, l, r, n, n, 0);
    for (size_t i = 0; i < n; i++) {
        l[i] = 0.5 * sin(2 * MEASURE_PI * 1000 * (double)i / 44100);
        r[i] = 0.5 * cos(2 * MEASURE_PI * 1000 * (double)i / 44100);
    }
    chain_run(&ch, l, r, n, n, 0);
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        finite &= isfinite(l[i]) && isfinite(r[i]) && fabs(l[i]) < 2 && fabs(r[i]) < 2;
    ok(started && finite, "after a block with a NaN and an infinity, the next block is finite");

    /* An impulse, then 20 s of silence, 1000 frames at a time. */
    for (int s = 0; s < 3; s++)
        pm_stage_reset(ch.st[s]);
    int subnormal = 0, zero_tail = 1;
    for (int b = 0; b < 882; b++) {
        memset(l, 0, sizeof l);
        memset(r, 0, sizeof r);
        if (b == 0) {
            l[0] = 1; /* mid and side both excited */
            r[0] = -0.5;
        }
        chain_run(&ch, l, r, n, n, 0);
        for (size_t i = 0; i < n; i++) {
            subnormal += fpclassify(l[i]) == FP_SUBNORMAL || fpclassify(r[i]) == FP_SUBNORMAL;
            if (b == 881)
                zero_tail &= l[i] == 0 && r[i] == 0;
        }
    }
    ok(subnormal == 0,
       "an impulse's tail through the chain never produces a subnormal sample (%d did)", subnormal);
    ok(zero_tail, "20 s after an impulse the chain's output is exactly zero");
    chain_free(&ch);

    /*
     * A fast section (poles well inside the unit circle) whose unflushed tail would pass through
     * the subnormal range within a few thousand samples.
     */
    pm_eq_band shelf = {PM_EQ_HIGHSHELF, 8000, -6, 0.7, 0, 0};
    pm_stage *st = NULL;
    subnormal = 0;
    size_t first_zero = 0;
    if (pm_eq_new(&shelf, 1, &st, NULL) == PM_OK &&
        measure_start_stage(st, 44100, 2, NULL) == PM_OK) {
        for (int b = 0; b < 44; b++) {
            memset(l, 0, sizeof l);
            memset(r, 0, sizeof r);
            l[0] = r[0] = b == 0;
            measure_run_stage(st, l, r, n, n);
            for (size_t i = 0; i < n; i++) {
                subnormal += fpclassify(l[i]) == FP_SUBNORMAL;
                if (l[i] != 0)
                    first_zero = b * n + i + 1;
            }
        }
    }
    ok(subnormal == 0 && first_zero > 0 && first_zero < 44 * n,
       "a high shelf's impulse tail ends in exact zeros (from frame %zu) without a subnormal "
       "sample (%d)",
       first_zero, subnormal);
    pm_stage_free(st);
}

int main(void)
{
    double rbj = 0, bw = 0, bw3 = 0, lr_point = 0, lr_sum = 0, deemph = 0, mono = 0, xover = 0;
    double below = -INFINITY, above = 0;
    test_shelf_q();
    test_rbj(&rbj);
    test_butterworth_response(&bw);
    test_butterworth_corner(&bw3);
    test_lr4(&lr_point, &lr_sum);
    test_deemphasis(&deemph);
    test_monobass(&mono, &xover, &below, &above);
    test_width();
    test_eq_refusals();
    test_eq_alloc_failure();
    test_block_sizes();
    test_recovery_and_denormals();
    test_cascade_pair();
    test_cascade_two_pairs();
    test_cascade_any_pair();
    diag("worst cases: RBJ %.2g dB, Butterworth %.2g dB (%d points under %g dB judged by the floor "
         "rule), Butterworth -3 dB point %.2g %%, LR4 at crossover %.2g dB, LR4 sum %.2g dB, "
         "de-emphasis %.4f dB, mono pass %.2g, mono-bass side at crossover off by %.2g dB, an "
         "octave below %.2f dB, two octaves above %.4f dB",
         rbj, bw, *floor_count(), FLOOR_DB, 100 * bw3, lr_point, lr_sum, deemph, mono, xover, below,
         above);
    return done_testing();
}
