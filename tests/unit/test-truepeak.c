/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak meter (dsp/truepeak.h), measured:
 *  - the fast meter equals the plain reference on random signals, for every factor and block
 *    size (the exact skip must never change a result);
 *  - EBU Tech 3341 cases 15-23, synthesised here, within the spec's +0.2/-0.4 dB, and cases
 *    15-19 (pure sines, whose true peak is known exactly) within 0.02 dB;
 *  - band-limited sums of sines up to 0.45 fs against their analytic peak (found on a dense
 *    grid): 8x within -0.14/+0.01 dB, 16x within -0.04/+0.01 dB (the grid error of sampling a
 *    sine at 0.45 fs every 1/8 sample is 20 log10 cos(pi 0.45 / 8) = -0.137 dB);
 *  - threshold counting, the peak's position, silence;
 *  - the 8x meter's single-precision screen never changes a result: the largest point, its
 *    frame and the count over a threshold equal those of a plain double evaluation exactly, on
 *    signals made to defeat it (a peak that grows block after block, so that the exact path
 *    runs often; equal peaks that repeat; full-scale noise; a sine near fs/2; denormals;
 *    values too large for float; NaN).
 */
#include "dsp/truepeak.h"

#include "../tap.h"
#include "ebu3341.h"

#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

static double measure(const double *x, size_t n, int factor, size_t block)
{
    pm_truepeak *m = NULL;
    if (pm_truepeak_new(1, factor, &m) != PM_OK)
        return -1.0;
    for (size_t i = 0; i < n; i += block) {
        const double *in[1] = {x + i};
        pm_truepeak_process(m, in, n - i < block ? n - i : block);
    }
    pm_truepeak_finish(m);
    double peak = pm_truepeak_max(m, 0);
    pm_truepeak_free(m);
    return peak;
}

static void test_fast_equals_reference(uint64_t *rng)
{
    static const int factors[] = {1, 2, 4, 8, 16};
    static const size_t blocks[] = {1, 17, 1000, 4096};
    size_t n = 3000;
    double *x = malloc(n * sizeof *x);
    for (int trial = 0; trial < 3; trial++) {
        /* white noise with a few isolated spikes, so the skip has something to skip */
        for (size_t i = 0; i < n; i++)
            x[i] = ((double)tap_rand_below(rng, 2000001) / 1e6 - 1.0) * 0.1;
        for (int s = 0; s < 4; s++)
            x[tap_rand_below(rng, n)] = (tap_rand_below(rng, 2) ? 0.9 : -0.9) - 0.02 * s;
        for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
            double ref = pm_truepeak_reference(x, n, factors[f]);
            int same = 1;
            double worst = 0.0;
            for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
                double got = measure(x, n, factors[f], blocks[b]);
                worst = fmax(worst, fabs(got - ref));
                same &= got == ref;
            }
            ok(same, "trial %d, %dx: the fast meter equals the reference at block sizes 1, 17, "
               "1000, 4096 (worst difference %.3g)", trial, factors[f], worst);
        }
    }
    /* Block-size independence is exact, not only close. */
    double a = measure(x, n, 8, 1), b = measure(x, n, 8, 4096);
    ok(a == b, "8x: block sizes 1 and 4096 give bit-identical peaks");
    free(x);
}

/* The result of a meter, or of the plain evaluation below, on one channel. */
typedef struct reading {
    double max;
    int64_t frame;
    uint64_t over;
} reading;

/*
 * The plain double evaluation, point by point in time order and phase by phase, with the
 * meter's rules: the first largest point wins, and a point counts when its magnitude is over
 * the threshold (when the threshold is positive).
 */
static reading plain(const double *x, size_t n, int factor, double threshold)
{
    enum { TAPS = PM_TRUEPEAK_TAPS, HALF = TAPS / 2 };
    double taps[PM_TRUEPEAK_MAX_FACTOR][TAPS];
    for (int p = 0; p < factor; p++)
        pm_truepeak_design_phase(factor, p, taps[p]);
    reading r = {0.0, 0, 0};
    for (int64_t m = -HALF; m < (int64_t)n + HALF - 1; m++) {
        for (int p = 0; p < factor; p++) {
            double y = 0.0;
            for (int k = 0; k < TAPS; k++) {
                int64_t i = m - HALF + 1 + k;
                if (i >= 0 && i < (int64_t)n)
                    y += taps[p][k] * x[i];
            }
            double a = fabs(y);
            if (a > r.max) {
                r.max = a;
                r.frame = m;
            }
            if (threshold > 0.0 && a > threshold)
                r.over++;
        }
    }
    return r;
}

/* The meter on two channels (x, and x reversed in time so that the channels differ) fed in
 * blocks of `block` frames; its reading of channel 0, and whether channel 1 read `reversed`. */
static reading metered(const double *x, size_t n, int factor, size_t block, double threshold,
                       reading reversed, int *channel1_same)
{
    reading r = {-1.0, -1, 0};
    double *back = malloc(n * sizeof *back);
    pm_truepeak *m = NULL;
    if (!back || pm_truepeak_new(2, factor, &m) != PM_OK)
        bail_out("cannot make a meter");
    for (size_t i = 0; i < n; i++)
        back[i] = x[n - 1 - i];
    pm_truepeak_set_threshold(m, threshold);
    for (size_t i = 0; i < n; i += block) {
        const double *in[2] = {x + i, back + i};
        pm_truepeak_process(m, in, n - i < block ? n - i : block);
    }
    pm_truepeak_finish(m);
    r.max = pm_truepeak_max(m, 0);
    r.frame = pm_truepeak_max_frame(m, 0);
    r.over = pm_truepeak_count_over(m) - reversed.over;
    *channel1_same = pm_truepeak_max(m, 1) == reversed.max &&
                     pm_truepeak_max_frame(m, 1) == reversed.frame;
    pm_truepeak_free(m);
    free(back);
    return r;
}

/* The 8x meter against the plain evaluation on x, without a threshold and with two. */
static void check_screen(const char *what, const double *x, size_t n)
{
    static const size_t blocks[] = {1, 17, 1000, 4096};
    reading whole = plain(x, n, 8, 0.0);
    ok(whole.max == pm_truepeak_reference(x, n, 8),
       "8x, %s: the plain evaluation here finds the reference's peak", what);
    double thresholds[3] = {0.0, whole.max * 0.9, whole.max};
    double *back = malloc(n * sizeof *back);
    for (size_t i = 0; i < n; i++)
        back[i] = x[n - 1 - i];
    for (int t = 0; t < 3; t++) {
        reading want = plain(x, n, 8, thresholds[t]), want_back = plain(back, n, 8, thresholds[t]);
        int same = 1;
        reading got = want;
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            int channel1_same = 0;
            got = metered(x, n, 8, blocks[b], thresholds[t], want_back, &channel1_same);
            same &= channel1_same && got.max == want.max && got.frame == want.frame &&
                    got.over == want.over;
        }
        ok(same, "8x, %s, threshold %.17g: max %a at frame %lld, %llu over, as the plain double "
           "evaluation (got %a at %lld, %llu over)", what, thresholds[t], want.max,
           (long long)want.frame, (unsigned long long)want.over, got.max, (long long)got.frame,
           (unsigned long long)got.over);
    }
    free(back);
}

static double uniform(uint64_t *rng)
{
    return (double)tap_rand_below(rng, 2000001) / 1e6 - 1.0;
}

static void test_screen(uint64_t *rng)
{
    size_t n = 6000;
    double *x = malloc(n * sizeof *x);
    /* A peak that grows over the whole signal: most blocks hold a new largest point. */
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng) * (0.05 + 0.9 * (double)i / (double)n);
    check_screen("noise under a rising envelope", x, n);
    /* Steps a hair apart: every block's peak is within the screen's error of the last one. */
    for (size_t i = 0; i < n; i++)
        x[i] = (i % 2 ? -0.7 : 0.7) * (1.0 + 1e-9 * (double)(i / 64));
    check_screen("fs/2 steps 1e-9 apart", x, n);
    /* A pattern that comes back every 64 frames 1e-9 louder: each time a new peak, by less
     * than float's precision, so that the screen's float values hardly change while the double
     * ones grow. Whether a float value falls under its point's double value is a coin toss:
     * sixteen patterns, so that a screen that trusted float within less than its error would be
     * caught out (each pattern alone catches it about half the time). */
    for (int trial = 0; trial < 16; trial++) {
        for (size_t i = 0; i < 64; i++)
            x[i] = uniform(rng) * 0.8;
        for (size_t i = 64; i < n; i++)
            x[i] = x[i % 64] * (1.0 + 1e-9 * (double)(i / 64));
        check_screen("a pattern of 64 frames 1e-9 louder each time", x, n);
    }
    /* A pattern that repeats every 64 frames: the same largest value comes back exactly, and
     * the first time must stay the peak's frame. */
    for (size_t i = 0; i < 64; i++)
        x[i] = uniform(rng) * 0.8;
    for (size_t i = 64; i < n; i++)
        x[i] = x[i - 64];
    check_screen("a period of 64 frames", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = tap_rand_below(rng, 2) ? 1.0 : -1.0;
    check_screen("full-scale random signs", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng);
    check_screen("full-scale noise", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.9 * sin(PI * 0.499 * (double)i + 0.3);
    check_screen("a sine at 0.4995 fs", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.0;
    check_screen("silence", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng) * 1e-310;
    check_screen("double denormals", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng) * 1e-42 * (1.0 + (double)i / 100.0);
    check_screen("float denormals, rising into normal floats", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng) * (i < n / 2 ? 1e-300 : 1e300);
    check_screen("values out of float's range", x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(rng) * 0.5;
    x[n / 3] = NAN;
    check_screen("noise with a NaN", x, n);
    free(x);
}

static void test_ebu_3341_sines(void)
{
    const ebu_sine_case *cases = ebu_sines;
    double rate = 48000;
    size_t n = 48000;
    for (size_t c = 0; c < EBU_SINE_CASES; c++) {
        double *x = ebu_tone(rate, rate / cases[c].divisor, cases[c].amplitude,
                             cases[c].phase_deg, n);
        for (int factor = 8; factor <= 16; factor *= 2) {
            double db = pm_db_from_linear(measure(x, n, factor, 4096));
            double exact = pm_db_from_linear(cases[c].amplitude);
            ok(db <= cases[c].expected_dbtp + 0.2 && db >= cases[c].expected_dbtp - 0.4 &&
                   fabs(db - exact) <= 0.02,
               "Tech 3341 case %d at %dx: %.3f dBTP (spec %.1f +0.2/-0.4; the sine's peak %.3f "
               "within 0.02)", cases[c].number, factor, db, cases[c].expected_dbtp, exact);
        }
        free(x);
    }
}

/*
 * Cases 20-23: an fs/6 carrier at 0.5 FFS holding one period of fs/4 at full scale, made at
 * 4 fs, low-passed to fs/2 and decimated with offsets 0-3. Its true peak is 0 dBTP; a 4x meter
 * reads it differently at each offset, an 8x meter nearly the same.
 */
static void test_ebu_3341_bursts(void)
{
    double rate = 48000;
    double *lp = ebu_burst_4x(rate, 48000);
    double readings[4];
    size_t n = 48000;
    double *x = malloc(n * sizeof *x);
    for (int offset = 0; offset < 4; offset++) {
        for (size_t i = 0; i < n; i++)
            x[i] = lp[4 * i + (size_t)offset];
        readings[offset] = pm_db_from_linear(measure(x, n, 8, 4096));
        ok(readings[offset] <= 0.2 && readings[offset] >= -0.4,
           "Tech 3341 case %d at 8x: %.3f dBTP (spec 0.0 +0.2/-0.4)", 20 + offset,
           readings[offset]);
    }
    double lo = readings[0], hi_read = readings[0];
    for (int i = 1; i < 4; i++) {
        lo = fmin(lo, readings[i]);
        hi_read = fmax(hi_read, readings[i]);
    }
    ok(hi_read - lo <= 0.1, "cases 20-23 at 8x agree within 0.1 dB whatever the offset "
       "(spread %.3f dB)", hi_read - lo);
    free(x);
    free(lp);
}

static double envelope(double t, size_t n)
{
    double edge = 200.0, from_end = (double)(n - 1) - t;
    if (t < edge)
        return 0.5 - 0.5 * cos(PI * t / edge);
    if (from_end < edge)
        return 0.5 - 0.5 * cos(PI * from_end / edge);
    return 1.0;
}

/* Sums of three sines between 0.3 and 0.45 fs with random phases against their analytic peak. */
static void test_band_limited_accuracy(uint64_t *rng)
{
    double rate = 44100;
    size_t n = 4410;
    double *x = malloc(n * sizeof *x);
    double worst8_lo = 0, worst8_hi = -1, worst16_lo = 0, worst16_hi = -1;
    for (int trial = 0; trial < 20; trial++) {
        double f[3], a[3], ph[3];
        for (int s = 0; s < 3; s++) {
            f[s] = rate * (0.30 + 0.15 * (double)tap_rand_below(rng, 10001) / 10000.0);
            a[s] = 0.2 + 0.1 * s;
            ph[s] = 2 * PI * (double)tap_rand_below(rng, 10000) / 10000.0;
        }
        /* A raised-cosine envelope over the first and last 200 samples, so that the signal
         * starts and ends smoothly and stays band-limited; the analytic peak of the enveloped
         * sum is found on a grid 1/128 of a sample fine (at most 0.001 dB low). */
        double exact = 0.0;
        for (size_t j = 0; j < 128 * (n - 1); j++) {
            double t = (double)j / 128.0, v = 0.0;
            for (int s = 0; s < 3; s++)
                v += a[s] * sin(2 * PI * f[s] * t / rate + ph[s]);
            exact = fmax(exact, fabs(v * envelope(t, n)));
        }
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            for (int s = 0; s < 3; s++)
                v += a[s] * sin(2 * PI * f[s] * (double)i / rate + ph[s]);
            x[i] = v * envelope((double)i, n);
        }
        double e8 = pm_db_from_linear(measure(x, n, 8, 512)) - pm_db_from_linear(exact);
        double e16 = pm_db_from_linear(measure(x, n, 16, 512)) - pm_db_from_linear(exact);
        worst8_lo = fmin(worst8_lo, e8);
        worst8_hi = fmax(worst8_hi, e8);
        worst16_lo = fmin(worst16_lo, e16);
        worst16_hi = fmax(worst16_hi, e16);
    }
    ok(worst8_lo >= -0.14 && worst8_hi <= 0.01,
       "8x on content to 0.45 fs: error %+.4f to %+.4f dB (allowed -0.14 to +0.01)", worst8_lo,
       worst8_hi);
    ok(worst16_lo >= -0.04 && worst16_hi <= 0.01,
       "16x on content to 0.45 fs: error %+.4f to %+.4f dB (allowed -0.04 to +0.01)", worst16_lo,
       worst16_hi);
    free(x);
}

static void test_details(void)
{
    pm_truepeak *m = NULL;
    ok(pm_truepeak_new(2, 3, &m) == PM_ERR_INVALID && !m, "factor 3 is refused");
    ok(pm_truepeak_new(0, 8, &m) == PM_ERR_INVALID && !m, "0 channels are refused");
    if (pm_truepeak_new(2, 8, &m) != PM_OK)
        bail_out("cannot make a meter");
    double left[1000] = {0}, right[1000] = {0};
    const double *in[2] = {left, right};
    pm_truepeak_process(m, in, 1000);
    pm_truepeak_finish(m);
    ok(pm_truepeak_max(m, 0) == 0.0 && pm_truepeak_max(m, 1) == 0.0, "silence reads 0");
    ok(isinf(pm_db_from_linear(0.0)) && pm_db_from_linear(0.0) < 0, "0 is -inf dB");
    pm_truepeak_reset(m);
    /* One full-scale sample at frame 1500 on the right: the peak is on it. */
    pm_truepeak_process(m, in, 1000);
    right[500] = -1.0;
    pm_truepeak_process(m, in, 1000);
    pm_truepeak_finish(m);
    ok(pm_truepeak_max(m, 1) == 1.0 && pm_truepeak_max(m, 0) == 0.0,
       "an impulse reads its own height exactly (%.17g), on its channel only",
       pm_truepeak_max(m, 1));
    is_int(pm_truepeak_max_frame(m, 1), 1500, "the peak is placed at its frame");
    /* Counting: a 0.5 sine at fs/4 and 45 degrees has samples at 0.354 and peaks at 0.5. */
    pm_truepeak_reset(m);
    pm_truepeak_set_threshold(m, 0.45);
    double *x = ebu_tone(48000, 12000, 0.5, 45, 4800);
    const double *both[2] = {x, x};
    pm_truepeak_process(m, both, 4800);
    pm_truepeak_finish(m);
    uint64_t over = pm_truepeak_count_over(m);
    ok(over > 0, "points over a threshold that no sample passes are counted (%llu)",
       (unsigned long long)over);
    free(x);
    pm_truepeak_free(m);
    pm_truepeak_free(NULL);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_fast_equals_reference(&rng);
    test_screen(&rng);
    test_ebu_3341_sines();
    test_ebu_3341_bursts();
    test_band_limited_accuracy(&rng);
    test_details();
    return done_testing();
}
