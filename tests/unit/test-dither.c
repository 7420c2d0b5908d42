/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The quantiser (dither.h), measured against theory (Lipshitz, Wannamaker and Vanderkooy, JAES
 * 1992): the configuration and the shaping fallback at rates without a filter; rounding exact on
 * the grid; TPDF error moments and the absence of noise modulation; seeds, block sizes and reset;
 * clipping and its counts; 24-bit ranges; and a round trip through libsndfile's sf_writef_int.
 * The shaped spectra are measured in test-dither-shaping.c.
 *
 * Errors are in LSB of the output word: e = code - x * 2^(bits - 1). Randomised inputs come from
 * tap_seed() (PM_TEST_SEED=... repeats a run); tolerances are several standard errors wide.
 */
#include "dither-common.h"

#include <sndfile.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

static uint64_t test_seed;

static void test_config(void)
{
    pm_diag *dg = pm_diag_new();
    pm_ditherer *d = NULL;
    pm_dither_config bad[] = {
        {PM_DITHER_MODE_TPDF, 20, 2, 44100, 1}, {PM_DITHER_MODE_TPDF, 8, 2, 44100, 1},
        {PM_DITHER_MODE_TPDF, 16, 0, 44100, 1}, {PM_DITHER_MODE_TPDF, 16, 2, 0, 1},
        {PM_DITHER_MODE_TPDF, 16, 2, NAN, 1},   {(pm_dither_mode)7, 16, 2, 44100, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t before = pm_diag_count(dg);
        pm_status st = pm_dither_new(&bad[i], dg, &d);
        ok(st == PM_ERR_USAGE && !d && pm_diag_count(dg) == before + 1,
           "bad configuration %zu refused with one message", i);
    }
    for (size_t i = 0; i < pm_diag_count(dg); i++)
        diag("  %s", pm_diag_get(dg, i)->message);
    pm_diag_free(dg);

    static const struct {
        pm_dither_mode mode;
        double rate;
        pm_dither_mode used;
        int fell_back;
        const char *filter;
    } cases[] = {
        {PM_DITHER_MODE_SHAPED, 44100, PM_DITHER_MODE_SHAPED, 0, "lipshitz-e-weighted-5"},
        {PM_DITHER_MODE_SHAPED, 48000, PM_DITHER_MODE_SHAPED, 0, "wannamaker-f-weighted-9"},
        {PM_DITHER_MODE_SHAPED, 96000, PM_DITHER_MODE_TPDF, 1, NULL},
        {PM_DITHER_MODE_SHAPED, 88200, PM_DITHER_MODE_TPDF, 1, NULL},
        {PM_DITHER_MODE_SHAPED, 32000, PM_DITHER_MODE_TPDF, 1, NULL},
        {PM_DITHER_MODE_TPDF, 96000, PM_DITHER_MODE_TPDF, 0, NULL},
        {PM_DITHER_MODE_NONE, 44100, PM_DITHER_MODE_NONE, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        d = make(cases[i].mode, 16, 2, cases[i].rate, 1);
        const char *f = pm_dither_filter_name(d);
        int same = f && cases[i].filter ? strcmp(f, cases[i].filter) == 0 : f == cases[i].filter;
        ok(pm_dither_mode_used(d) == cases[i].used && pm_dither_fell_back(d) == cases[i].fell_back
               && same,
           "mode %d at %g Hz: uses mode %d, fell back %d, filter %s", (int)cases[i].mode,
           cases[i].rate, (int)cases[i].used, cases[i].fell_back,
           cases[i].filter ? cases[i].filter : "none");
        pm_dither_free(d);
    }
    pm_dither_free(NULL);

    pm_dither_config good = {PM_DITHER_MODE_SHAPED, 16, 2, 44100, 1};
    for (unsigned long n = 1; n <= 2; n++) {
        d = NULL;
        pm_alloc_fail_after(n);
        pm_status st = pm_dither_new(&good, NULL, &d);
        pm_alloc_fail_after(0);
        ok(st == PM_ERR_NOMEM && !d, "allocation %lu failing gives PM_ERR_NOMEM", n);
    }
}

/* Rounding without dither is exact for values on the grid, and halves go up. */
static void test_round_grid(void)
{
    pm_ditherer *d = make(PM_DITHER_MODE_NONE, 16, 1, 44100, 1);
    size_t n = 65536;
    double *x = xalloc(n, sizeof *x);
    int32_t *out = xalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        x[i] = ((double)i - 32768) / 32768;
    run(d, &x, 1, n, out, 0);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += out[i] != ((int32_t)i - 32768) * 65536;
    ok(bad == 0, "16-bit rounding: every code -32768..32767 given exactly is written as itself "
                 "(%zu wrong)", bad);
    is_int((long long)pm_dither_clipped_samples(d, 0), 0, "... and none of them counts as clipped");

    double probe[] = {0.5, 0.49999, -0.5, -0.50001, 100.5, -100.5, 0.25, 32766.5};
    long long want[] = {1, 0, 0, -1, 101, -100, 0, 32767};
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
        x[i] = probe[i] / 32768;
    run(d, &x, 1, sizeof probe / sizeof probe[0], out, 0);
    bad = 0;
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        if (pm_dither_code(out[i], 16) != want[i]) {
            bad++;
            diag("%g LSB rounds to %d, expected %lld", probe[i], pm_dither_code(out[i], 16),
                 want[i]);
        }
    }
    ok(bad == 0, "rounding goes to the nearest code, halves up");
    pm_dither_free(d);

    /* 24 bits: every code of the word, in blocks. */
    d = make(PM_DITHER_MODE_NONE, 24, 1, 48000, 1);
    bad = 0;
    for (long base = -8388608; base < 8388608; base += (long)n) {
        for (size_t i = 0; i < n; i++)
            x[i] = (double)(base + (long)i) / 8388608;
        run(d, &x, 1, n, out, 0);
        for (size_t i = 0; i < n; i++)
            bad += out[i] != (int32_t)(base + (long)i) * 256;
    }
    ok(bad == 0, "24-bit rounding: every code -8388608..8388607 is written as itself (%zu wrong)",
       bad);
    pm_dither_free(d);
    free(x);
    free(out);
}

/* TPDF: mean 0, variance 1/4 LSB^2 (1/6 dither + 1/12 rounding), bounded, uncorrelated. */
static void test_tpdf_moments(int bits)
{
    size_t n = (size_t)1 << 20;
    uint64_t rng = test_seed ^ (uint64_t)bits;
    double *x[2] = {xalloc(n, sizeof(double)), xalloc(n, sizeof(double))};
    double *e[2] = {xalloc(n, sizeof(double)), xalloc(n, sizeof(double))};
    int32_t *out = xalloc(2 * n, sizeof *out);
    fill_programme(x[0], n, 44100, &rng);
    memcpy(x[1], x[0], n * sizeof(double)); /* the same signal in both: streams must differ */
    pm_ditherer *d = make(PM_DITHER_MODE_TPDF, bits, 2, 44100, test_seed);
    run(d, x, 2, n, out, 1000);
    ok(codes_valid(out, 2 * n, bits), "%d-bit TPDF: every value is a left-justified code in range",
       bits);
    for (int c = 0; c < 2; c++) {
        double mean, var, peak = 0;
        errors(out, x[c], n, 2, c, bits, e[c]);
        moments(e[c], n, &mean, &var);
        for (size_t i = 0; i < n; i++)
            peak = fabs(e[c][i]) > peak ? fabs(e[c][i]) : peak;
        double r = correlation(e[c], x[c], n);
        diag("%d-bit TPDF channel %d: error mean %+.5f LSB, variance %.5f LSB^2 (theory 0.25, "
             "%+.2f %%), peak %.4f LSB, correlation with the signal %+.5f",
             bits, c, mean, var, (var / 0.25 - 1) * 100, peak, r);
        /* Standard errors over 2^20 samples: mean 0.0005, variance 0.1 %, correlation 0.001. */
        is_double(mean, 0, 0.01, "TPDF error mean is 0 within 0.01 LSB");
        is_double(var, 0.25, 0.03 * 0.25, "TPDF error variance is 1/4 LSB^2 within 3 %");
        ok(peak < 1.5, "TPDF error stays within 1.5 LSB (1 dither + 1/2 rounding)");
        ok(fabs(r) < 0.01, "TPDF error is uncorrelated with the signal (|r| < 0.01)");
    }
    double r01 = correlation(e[0], e[1], n);
    diag("%d-bit TPDF: correlation between the channels' errors %+.5f", bits, r01);
    ok(fabs(r01) < 0.01, "the two channels' dither streams are independent (|r| < 0.01)");
    uint64_t held = 0;
    for (int c = 0; c < 2; c++)
        held += pm_dither_clipped_samples(d, c) + pm_dither_saturated_samples(d, c);
    is_int((long long)held, 0, "a programme peaking at -7 dBFS clips nothing");
    pm_dither_free(d);
    for (int c = 0; c < 2; c++) {
        free(x[c]);
        free(e[c]);
    }
    free(out);
}

/*
 * Noise modulation: the error of a quantiser at several DC levels (in LSB, at and between codes)
 * and in the quarters of a low-level sine's position between codes. TPDF dither makes its
 * variance the same everywhere and its mean 0. Plain rounding does not: its error is a
 * deterministic function of the level, so its power (mean square) swings with the level, which
 * shows the measurement can see modulation.
 */
typedef struct modulation {
    double variance_spread; /* (max - min) / (1/4 LSB^2) of the variance over all levels */
    double power_spread;    /* the same for the mean square */
    double worst_mean;      /* the largest |mean| */
} modulation;

static void note_level(modulation *m, double *lo, double mean, double var)
{
    double power = var + mean * mean;
    lo[0] = var < lo[0] ? var : lo[0];
    lo[1] = var > lo[1] ? var : lo[1];
    lo[2] = power < lo[2] ? power : lo[2];
    lo[3] = power > lo[3] ? power : lo[3];
    m->worst_mean = fabs(mean) > m->worst_mean ? fabs(mean) : m->worst_mean;
}

static modulation measure_modulation(pm_dither_mode mode, const char *label)
{
    static const double dc_lsb[] = {0, 0.25, 0.5, 0.75, -100.5, 1000.3, -7.9};
    size_t ndc = sizeof dc_lsb / sizeof dc_lsb[0];
    size_t n = (size_t)1 << 18;
    double *x = xalloc(n, sizeof *x), *e = xalloc(n, sizeof *e);
    int32_t *out = xalloc(n, sizeof *out);
    modulation m = {0, 0, 0};
    double range[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY}; /* var min, max; power ... */
    char line[768];
    int len = snprintf(line, sizeof line, "%s error variance (mean) in LSB^2 (LSB): DC", label);
    for (size_t k = 0; k < ndc; k++) {
        pm_ditherer *d = make(mode, 16, 1, 44100, test_seed + k);
        for (size_t i = 0; i < n; i++)
            x[i] = dc_lsb[k] / 32768;
        run(d, &x, 1, n, out, 0);
        errors(out, x, n, 1, 0, 16, e);
        double mean, var;
        moments(e, n, &mean, &var);
        note_level(&m, range, mean, var);
        len += snprintf(line + len, sizeof line - (size_t)len, " %g: %.4f (%+.4f),", dc_lsb[k],
                        var, mean);
        pm_dither_free(d);
    }
    /* A 997 Hz sine of 3.3 LSB: the error by where the signal sits between codes. */
    pm_ditherer *d = make(mode, 16, 1, 44100, test_seed + 100);
    for (size_t i = 0; i < n; i++)
        x[i] = 3.3 * sin(2 * TEST_PI * 997 * (double)i / 44100) / 32768;
    run(d, &x, 1, n, out, 0);
    errors(out, x, n, 1, 0, 16, e);
    double s[4] = {0}, s2[4] = {0}, cnt[4] = {0};
    for (size_t i = 0; i < n; i++) {
        double pos = x[i] * 32768 - floor(x[i] * 32768);
        int q = (int)(pos * 4);
        s[q] += e[i];
        s2[q] += e[i] * e[i];
        cnt[q]++;
    }
    len += snprintf(line + len, sizeof line - (size_t)len, " sine by quarter between codes:");
    for (int q = 0; q < 4; q++) {
        double mean = s[q] / cnt[q], var = s2[q] / cnt[q] - mean * mean;
        note_level(&m, range, mean, var);
        len += snprintf(line + len, sizeof line - (size_t)len, " %.4f (%+.4f)", var, mean);
    }
    diag("%s", line);
    m.variance_spread = (range[1] - range[0]) / 0.25;
    m.power_spread = (range[3] - range[2]) / 0.25;
    pm_dither_free(d);
    free(x);
    free(e);
    free(out);
    return m;
}

static void test_noise_modulation(void)
{
    modulation tpdf = measure_modulation(PM_DITHER_MODE_TPDF, "TPDF");
    modulation none = measure_modulation(PM_DITHER_MODE_NONE, "rounding");
    diag("over 7 DC levels and 4 sine quarters, (max - min) / (1/4 LSB^2): TPDF variance %.2f %%, "
         "power %.2f %%; rounding power %.0f %%. Largest |mean|: TPDF %.4f, rounding %.4f LSB",
         tpdf.variance_spread * 100, tpdf.power_spread * 100, none.power_spread * 100,
         tpdf.worst_mean, none.worst_mean);
    /* Each variance over 2^18 samples (2^16 per quarter) has a standard error under 0.7 %. */
    ok(tpdf.variance_spread < 0.05 && tpdf.power_spread < 0.05,
       "TPDF: error variance and power the same within 5 %% at 7 DC levels and across a sine");
    ok(tpdf.worst_mean < 0.01, "TPDF: error mean 0 within 0.01 LSB at every level (no distortion)");
    ok(none.power_spread > 0.5 && none.worst_mean > 0.1,
       "rounding alone: the same measurements see the modulation and the distortion");
}

/* ----------------------------------------------------------------------------------------- */

static int same_output(pm_dither_mode a, pm_dither_mode b, int bits, double rate_hz,
                       uint64_t seed_a, uint64_t seed_b, size_t block_a, size_t block_b,
                       size_t *differing)
{
    size_t n = 50000;
    uint64_t rng = test_seed;
    double *x[2] = {xalloc(n, sizeof(double)), xalloc(n, sizeof(double))};
    int32_t *oa = xalloc(2 * n, sizeof *oa), *ob = xalloc(2 * n, sizeof *ob);
    fill_programme(x[0], n, rate_hz, &rng);
    fill_programme(x[1], n, rate_hz, &rng);
    pm_ditherer *da = make(a, bits, 2, rate_hz, seed_a), *db_ = make(b, bits, 2, rate_hz, seed_b);
    run(da, x, 2, n, oa, block_a);
    run(db_, x, 2, n, ob, block_b);
    size_t diff = 0;
    for (size_t i = 0; i < 2 * n; i++)
        diff += oa[i] != ob[i];
    if (differing)
        *differing = diff;
    pm_dither_free(da);
    pm_dither_free(db_);
    free(x[0]);
    free(x[1]);
    free(oa);
    free(ob);
    return diff == 0;
}

static void test_fallback(void)
{
    ok(same_output(PM_DITHER_MODE_SHAPED, PM_DITHER_MODE_TPDF, 16, 96000, 7, 7, 0, 0, NULL),
       "shaped at 96 kHz writes exactly what TPDF writes");
    size_t diff;
    same_output(PM_DITHER_MODE_SHAPED, PM_DITHER_MODE_TPDF, 16, 44100, 7, 7, 0, 0, &diff);
    ok(diff > 30000, "shaped at 44.1 kHz does not (%zu of 100000 samples differ)", diff);
}

static void test_seeds_and_blocks(void)
{
    static const struct {
        pm_dither_mode mode;
        double rate;
        const char *name;
    } modes[] = {
        {PM_DITHER_MODE_NONE, 44100, "rounding"},
        {PM_DITHER_MODE_TPDF, 44100, "TPDF"},
        {PM_DITHER_MODE_SHAPED, 44100, "shaped 44.1 kHz"},
        {PM_DITHER_MODE_SHAPED, 48000, "shaped 48 kHz"},
    };
    static const size_t blocks[] = {1, 13, 4096};
    uint64_t seed = test_seed;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        for (int bits = 16; bits <= 24; bits += 8) {
            pm_dither_mode mode = modes[m].mode;
            double rate = modes[m].rate;
            ok(same_output(mode, mode, bits, rate, seed, seed, 0, 0, NULL),
               "%s %d-bit: the same seed gives the same output", modes[m].name, bits);
            if (mode != PM_DITHER_MODE_NONE) {
                size_t diff;
                same_output(mode, mode, bits, rate, seed, seed + 1, 0, 0, &diff);
                /* Two independent TPDF draws round to the same code about 55 % of the time. */
                ok(diff > 30000, "%s %d-bit: another seed gives another output (%zu of 100000 "
                   "differ)", modes[m].name, bits, diff);
            }
            int all = 1;
            for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
                all &= same_output(mode, mode, bits, rate, seed, seed, 0, blocks[b], NULL);
            ok(all, "%s %d-bit: blocks of 1, 13 and 4096 frames give the output of one call",
               modes[m].name, bits);
        }
    }

    /* Blocks of random sizes, 0 included, and reset restarting the stream. */
    size_t n = 30000;
    uint64_t rng = test_seed;
    double *x[2] = {xalloc(n, sizeof(double)), xalloc(n, sizeof(double))};
    int32_t *whole = xalloc(2 * n, sizeof *whole), *parts = xalloc(2 * n, sizeof *parts);
    fill_programme(x[0], n, 44100, &rng);
    fill_programme(x[1], n, 44100, &rng);
    pm_ditherer *d = make(PM_DITHER_MODE_SHAPED, 16, 2, 44100, seed);
    run(d, x, 2, n, whole, 0);
    pm_dither_reset(d);
    const double *ptr[2];
    for (size_t done = 0; done < n;) {
        size_t len = (size_t)tap_rand_below(&rng, 700);
        len = len > n - done ? n - done : len;
        ptr[0] = x[0] + done;
        ptr[1] = x[1] + done;
        pm_dither_process(d, ptr, len, parts + 2 * done, NULL);
        done += len;
    }
    ok(memcmp(whole, parts, 2 * n * sizeof *whole) == 0,
       "after reset, blocks of random sizes 0-699 repeat the first output exactly");
    pm_dither_free(d);
    free(x[0]);
    free(x[1]);
    free(whole);
    free(parts);
}

/*
 * The decoded output: with it asked for, the codes are the same as without, and every decoded
 * sample is its code times 2^-31 exactly - in every mode, at both word lengths, with channels
 * in pairs and one alone, through clipping, saturation and NaN, in blocks of random sizes.
 */
static void test_decoded(void)
{
    static const struct {
        pm_dither_mode mode;
        double rate_hz;
        const char *name;
    } modes[] = {{PM_DITHER_MODE_NONE, 44100, "rounding"},
                 {PM_DITHER_MODE_TPDF, 44100, "TPDF"},
                 {PM_DITHER_MODE_SHAPED, 44100, "shaped 44.1 kHz"},
                 {PM_DITHER_MODE_SHAPED, 48000, "shaped 48 kHz"}};
    enum { CHANNELS = 3 };
    size_t n = 20000;
    uint64_t rng = test_seed;
    double *x[CHANNELS], *decoded[CHANNELS];
    for (int c = 0; c < CHANNELS; c++) {
        x[c] = xalloc(n, sizeof(double));
        decoded[c] = xalloc(n, sizeof(double));
        fill_programme(x[c], n, 44100, &rng);
        /* full scale, beyond it, and NaN, on every channel */
        for (size_t i = 0; i < n; i += 997)
            x[c][i] = (i / 997) % 3 == 0 ? 1.0 : (i / 997) % 3 == 1 ? -1.7 : NAN;
    }
    int32_t *plain = xalloc(CHANNELS * n, sizeof *plain);
    int32_t *with = xalloc(CHANNELS * n, sizeof *with);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        for (int bits = 16; bits <= 24; bits += 8) {
            pm_ditherer *a = make(modes[m].mode, bits, CHANNELS, modes[m].rate_hz, 5);
            pm_ditherer *b = make(modes[m].mode, bits, CHANNELS, modes[m].rate_hz, 5);
            run(a, x, CHANNELS, n, plain, 0);
            const double *in[CHANNELS];
            double *out[CHANNELS];
            for (size_t done = 0; done < n;) {
                size_t len = (size_t)tap_rand_below(&rng, 500);
                len = len > n - done ? n - done : len;
                for (int c = 0; c < CHANNELS; c++) {
                    in[c] = x[c] + done;
                    out[c] = decoded[c] + done;
                }
                pm_dither_process(b, in, len, with + CHANNELS * done, out);
                done += len;
            }
            size_t wrong = 0;
            for (size_t i = 0; i < n; i++)
                for (int c = 0; c < CHANNELS; c++)
                    wrong += decoded[c][i] != (double)with[i * CHANNELS + (size_t)c] * 0x1.0p-31;
            ok(memcmp(plain, with, CHANNELS * n * sizeof *plain) == 0 && wrong == 0,
               "%s %d-bit, %d channels: the same codes with the decoded samples asked for, and "
               "each decoded sample its code * 2^-31 exactly (%zu wrong)",
               modes[m].name, bits, CHANNELS, wrong);
            pm_dither_free(a);
            pm_dither_free(b);
        }
    }
    for (int c = 0; c < CHANNELS; c++) {
        free(x[c]);
        free(decoded[c]);
    }
    free(plain);
    free(with);
}

/* Full scale and beyond: clipped before rounding to the end code, counted exactly per channel. */
static void test_clipping(pm_dither_mode mode, double rate_hz, int bits, const char *name)
{
    enum { N = 4000 };
    static double x0[N], x1[N];
    double *x[2] = {x0, x1};
    static int32_t out[2 * N];
    double scale = ldexp(1.0, bits - 1);
    int32_t unit = (int32_t)1 << (32 - bits);
    int32_t top = (int32_t)(scale - 1) * unit;
    int32_t bottom = INT32_MIN; /* -2^(bits-1) * 2^(32-bits) at either word length */
    double largest = (scale - 1) / scale; /* the top code: representable, not a clip */
    /* Channel 0: 10 at +1.0, 5 at +1.5, 3 just below -1, 1 each at +inf, -inf, NaN. */
    for (int i = 0; i < N; i++) {
        x0[i] = 0.25 * sin(i * 0.01);
        x1[i] = 0.25 * cos(i * 0.013);
    }
    for (int i = 0; i < 10; i++)
        x0[100 + 37 * i] = 1.0;
    for (int i = 0; i < 5; i++)
        x0[1000 + 11 * i] = 1.5;
    for (int i = 0; i < 3; i++)
        x0[2000 + 5 * i] = -1.0 - 1e-6;
    x0[3000] = INFINITY;
    x0[3001] = -INFINITY;
    x0[3002] = NAN;
    x0[3003] = -1.0; /* the bottom code: representable */
    x0[3004] = largest;
    /* Channel 1: 7 beyond +1 by a hair, 2 at -2. */
    for (int i = 0; i < 7; i++)
        x1[500 + 3 * i] = 1.0 + 1e-9;
    x1[3500] = -2.0;
    x1[3600] = -2.0;

    pm_ditherer *d = make(mode, bits, 2, rate_hz, test_seed);
    run(d, x, 2, N, out, 333);
    is_int((long long)pm_dither_clipped_samples(d, 0), 10 + 5 + 3 + 3,
           "clipped count, channel 0 (+1.0 x10, +1.5 x5, below -1 x3, +-inf, NaN)");
    is_int((long long)pm_dither_clipped_samples(d, 1), 9, "clipped count, channel 1");
    int right = 1;
    for (int i = 0; i < 10; i++)
        right &= out[2 * (100 + 37 * i)] == top;
    for (int i = 0; i < 5; i++)
        right &= out[2 * (1000 + 11 * i)] == top;
    for (int i = 0; i < 3; i++)
        right &= out[2 * (2000 + 5 * i)] == bottom;
    right &= out[2 * 3000] == top && out[2 * 3001] == bottom && out[2 * 3002] == 0;
    for (int i = 0; i < 7; i++)
        right &= out[2 * (500 + 3 * i) + 1] == top;
    right &= out[2 * 3500 + 1] == bottom && out[2 * 3600 + 1] == bottom;
    ok(right, "%s %d-bit: clipped samples are the end codes exactly (%d, %d), NaN is 0", name, bits,
       top / unit, bottom / unit);
    ok(codes_valid(out, 2 * N, bits), "%s %d-bit: every value a code in range", name, bits);
    pm_dither_free(d);
}

/* Dither at the very ends of the range: held at the end code and counted as saturated. */
static void test_saturation(void)
{
    size_t n = 80000;
    double *x = xalloc(n, sizeof *x);
    int32_t *out = xalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        x[i] = -1.0;
    pm_ditherer *d = make(PM_DITHER_MODE_TPDF, 16, 1, 44100, test_seed);
    run(d, &x, 1, n, out, 0);
    /* round(-32768 + d) < -32768 exactly when d < -1/2: 1/8 of a triangular draw's mass. */
    double share = (double)pm_dither_saturated_samples(d, 0) / (double)n;
    diag("TPDF at -1.0: %.4f of samples held at -32768 (theory 0.125)", share);
    is_int((long long)pm_dither_clipped_samples(d, 0), 0, "-1.0 is the bottom code, not a clip");
    is_double(share, 0.125, 0.01, "TPDF at -1.0: dither below the bottom code held there, 1/8 "
              "of samples counted as saturated");
    ok(codes_valid(out, n, 16), "... and every value stays a code in range");
    pm_dither_free(d);
    free(x);
    free(out);
}

/*
 * Shaping at the top of the range: the feedback pushes codes past the ends, which are held and
 * counted; the loop feeds back the error before holding, so the error stays within its bound,
 * sum |h| * 1.5 + 1.5 LSB (33.6 LSB for the 9-tap filter), and never runs away.
 */
static void test_shaped_near_full_scale(void)
{
    size_t n = 96000;
    double *x = xalloc(n, sizeof *x), *e = xalloc(n, sizeof *e);
    int32_t *out = xalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        x[i] = 32766.0 / 32768 * sin(2 * TEST_PI * 997 * (double)i / 48000);
    pm_ditherer *d = make(PM_DITHER_MODE_SHAPED, 16, 1, 48000, test_seed);
    run(d, &x, 1, n, out, 0);
    errors(out, x, n, 1, 0, 16, e);
    double peak = 0;
    for (size_t i = 0; i < n; i++)
        peak = fabs(e[i]) > peak ? fabs(e[i]) : peak;
    uint64_t held = pm_dither_saturated_samples(d, 0);
    diag("shaped 48 kHz, sine 2 LSB below full scale: %llu samples held at an end, peak error "
         "%.2f LSB", (unsigned long long)held, peak);
    ok(held > 0 && pm_dither_clipped_samples(d, 0) == 0,
       "shaped near full scale: codes past the ends are held and counted, nothing clipped");
    ok(peak <= 1.5 * (2.412 + 3.370 + 3.937 + 4.174 + 3.353 + 2.205 + 1.281 + 0.569 + 0.0847) + 1.5,
       "shaped near full scale: the error stays within sum |h| * 1.5 + 1.5 LSB");
    ok(codes_valid(out, n, 16), "... and every value is a code in range");
    pm_dither_free(d);
    free(x);
    free(e);
    free(out);
}

/* 24-bit: the error in 24-bit LSB, and the whole code range reached. */
static void test_24bit_range(void)
{
    size_t n = (size_t)1 << 18;
    uint64_t rng = test_seed ^ 24;
    double *x = xalloc(n, sizeof *x), *e = xalloc(n, sizeof *e);
    int32_t *out = xalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        x[i] = 2 * ((double)(tap_rand(&rng) >> 11) * 0x1.0p-53) - 1;
    x[0] = -1.0;
    x[1] = 8388607.0 / 8388608;
    pm_ditherer *d = make(PM_DITHER_MODE_SHAPED, 24, 1, 48000, test_seed);
    run(d, &x, 1, n, out, 4096);
    pm_dither_free(d);
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < n; i++) {
        lo = out[i] < lo ? out[i] : lo;
        hi = out[i] > hi ? out[i] : hi;
    }
    diag("24-bit shaped, full-range noise: codes %d to %d", pm_dither_code(lo, 24),
         pm_dither_code(hi, 24));
    ok(codes_valid(out, n, 24), "24-bit: every value is a code in -8388608..8388607, low byte 0");
    ok(pm_dither_code(lo, 24) < -8388000 && pm_dither_code(hi, 24) > 8388000,
       "24-bit: the ends of the range are reached");

    d = make(PM_DITHER_MODE_TPDF, 24, 1, 48000, test_seed);
    run(d, &x, 1, n, out, 0);
    pm_dither_free(d);
    errors(out, x, n, 1, 0, 24, e);
    double mean, var;
    moments(e, n, &mean, &var);
    diag("24-bit TPDF: error mean %+.5f, variance %.5f (24-bit LSB^2)", mean, var);
    is_double(var, 0.25, 0.03 * 0.25, "24-bit TPDF error variance is 1/4 LSB^2 of 24 bits");
    free(x);
    free(e);
    free(out);
}

/* ----------------------------------------------------------------------------------------- */
/* libsndfile: what the writer will do with the output, through a file held in memory. */

typedef struct memfile {
    unsigned char data[1 << 16];
    sf_count_t length, pos;
} memfile;

static sf_count_t mf_length(void *user)
{
    return ((memfile *)user)->length;
}

static sf_count_t mf_seek(sf_count_t offset, int whence, void *user)
{
    memfile *m = user;
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->length : 0;
    if (base + offset < 0 || base + offset > (sf_count_t)sizeof m->data)
        return -1;
    m->pos = base + offset;
    return m->pos;
}

static sf_count_t mf_read(void *ptr, sf_count_t count, void *user)
{
    memfile *m = user;
    if (count > m->length - m->pos)
        count = m->length - m->pos;
    memcpy(ptr, m->data + m->pos, (size_t)count);
    m->pos += count;
    return count;
}

static sf_count_t mf_write(const void *ptr, sf_count_t count, void *user)
{
    memfile *m = user;
    if (count > (sf_count_t)sizeof m->data - m->pos)
        count = (sf_count_t)sizeof m->data - m->pos;
    memcpy(m->data + m->pos, ptr, (size_t)count);
    m->pos += count;
    if (m->pos > m->length)
        m->length = m->pos;
    return count;
}

static sf_count_t mf_tell(void *user)
{
    return ((memfile *)user)->pos;
}

static void test_sndfile_round_trip(int bits)
{
    enum { FRAMES = 4000 };
    static memfile file;
    static double x0[FRAMES], x1[FRAMES];
    static int32_t out[2 * FRAMES], back[2 * FRAMES];
    static short back16[2 * FRAMES];
    double *x[2] = {x0, x1};
    SF_VIRTUAL_IO io = {mf_length, mf_seek, mf_read, mf_write, mf_tell};
    uint64_t rng = test_seed;
    for (int i = 0; i < FRAMES; i++) {
        x0[i] = 2 * ((double)(tap_rand(&rng) >> 11) * 0x1.0p-53) - 1;
        x1[i] = 0.001 * sin(i * 0.05);
    }
    x0[0] = -1.0;
    x0[1] = 1.0;
    pm_ditherer *d = make(PM_DITHER_MODE_SHAPED, bits, 2, 44100, test_seed);
    run(d, x, 2, FRAMES, out, 0);
    pm_dither_free(d);

    memset(&file, 0, sizeof file);
    SF_INFO info = {0};
    info.samplerate = 44100;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | (bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24);
    SNDFILE *sf = sf_open_virtual(&io, SFM_WRITE, &info, &file);
    if (!sf)
        bail_out("sf_open_virtual for writing: %s", sf_strerror(NULL));
    sf_count_t written = sf_writef_int(sf, out, FRAMES);
    sf_close(sf);
    file.pos = 0;
    memset(&info, 0, sizeof info);
    sf = sf_open_virtual(&io, SFM_READ, &info, &file);
    if (!sf)
        bail_out("sf_open_virtual for reading: %s", sf_strerror(NULL));
    int same = 1;
    if (bits == 16) {
        sf_count_t got = sf_readf_short(sf, back16, FRAMES);
        same = got == FRAMES;
        for (int i = 0; i < 2 * FRAMES && same; i++)
            same = back16[i] == pm_dither_code(out[i], 16);
    } else {
        sf_count_t got = sf_readf_int(sf, back, FRAMES);
        same = got == FRAMES && memcmp(back, out, sizeof out) == 0;
    }
    sf_close(sf);
    ok(written == FRAMES && same, "libsndfile PCM_%d WAV: sf_writef_int of the output stores each "
       "code unchanged (read back %s)", bits, bits == 16 ? "as shorts" : "as ints");
}

int main(void)
{
    test_seed = tap_seed();
    test_config();
    test_round_grid();
    test_tpdf_moments(16);
    test_tpdf_moments(24);
    test_noise_modulation();
    test_fallback();
    test_seeds_and_blocks();
    test_decoded();
    test_clipping(PM_DITHER_MODE_NONE, 44100, 16, "rounding");
    test_clipping(PM_DITHER_MODE_TPDF, 44100, 16, "TPDF");
    test_clipping(PM_DITHER_MODE_SHAPED, 44100, 16, "shaped 44.1 kHz");
    test_clipping(PM_DITHER_MODE_SHAPED, 48000, 24, "shaped 48 kHz");
    test_saturation();
    test_shaped_near_full_scale();
    test_24bit_range();
    test_sndfile_round_trip(16);
    test_sndfile_round_trip(24);
    return done_testing();
}
