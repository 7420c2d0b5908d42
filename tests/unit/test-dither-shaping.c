/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Noise shaping (dither.h, mode shaped), measured: the spectrum of the shaped error against the
 * published filters' 1/4 |1 - H|^2 in every 1 kHz band, the 1-5 kHz and 15-20 kHz bands and the
 * total power against TPDF, at 44.1 kHz (Lipshitz, Vanderkooy and Wannamaker, JAES 1991) and 48
 * kHz (Wannamaker, JAES 1992). The spectra come from our own FFT: Hann-windowed periodograms of
 * 2048 points averaged over 2^19 samples.
 *
 * Errors are in LSB: e = code - x * 2^15. The programme and the dither seed come from tap_seed()
 * (PM_TEST_SEED=... repeats a run).
 */
#include "dither-common.h"

#include <stdio.h>
#include <string.h>

/* The published coefficients (dither.c cites the papers), restated here to compute the theory. */
static const double lipshitz_h[] = {2.033, -2.165, 1.959, -1.590, 0.6149};
static const double fweighted_h[] = {2.412, -3.370, 3.937, -4.174, 3.353,
                                     -2.205, 1.281, -0.569, 0.0847};

static uint64_t test_seed;

#define SEG 2048

static void fft(double *re, double *im, size_t n)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        double ang = -2 * TEST_PI / (double)len;
        for (size_t i = 0; i < n; i += len) {
            for (size_t k = 0; k < len / 2; k++) {
                double wr = cos(ang * (double)k), wi = sin(ang * (double)k);
                double *ar = &re[i + k], *ai = &im[i + k];
                double br = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
                double bi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
                re[i + k + len / 2] = *ar - br;
                im[i + k + len / 2] = *ai - bi;
                *ar += br;
                *ai += bi;
            }
        }
    }
}

/*
 * psd[k] for k = 0..SEG/2: the mean of |X_k|^2 / sum(w^2), which for white noise of variance v
 * is v at every bin: a flat TPDF error reads 0.25 everywhere.
 */
static void measure_psd(const double *e, size_t n, double *psd)
{
    double re[SEG], im[SEG], w[SEG], w2 = 0;
    for (size_t i = 0; i < SEG; i++) {
        w[i] = 0.5 - 0.5 * cos(2 * TEST_PI * (double)i / SEG);
        w2 += w[i] * w[i];
    }
    for (size_t k = 0; k <= SEG / 2; k++)
        psd[k] = 0;
    size_t segments = n / SEG;
    for (size_t s = 0; s < segments; s++) {
        for (size_t i = 0; i < SEG; i++) {
            re[i] = e[s * SEG + i] * w[i];
            im[i] = 0;
        }
        fft(re, im, SEG);
        for (size_t k = 0; k <= SEG / 2; k++)
            psd[k] += (re[k] * re[k] + im[k] * im[k]) / w2;
    }
    for (size_t k = 0; k <= SEG / 2; k++)
        psd[k] /= (double)segments;
}

/* |1 - H(f)|^2 of a published filter. */
static double ntf_power(const double *h, int taps, double f_hz, double rate_hz)
{
    double re = 1, im = 0;
    for (int k = 0; k < taps; k++) {
        double ang = -2 * TEST_PI * f_hz / rate_hz * (k + 1);
        re -= h[k] * cos(ang);
        im -= h[k] * sin(ang);
    }
    return re * re + im * im;
}

typedef struct band {
    double measured; /* mean psd over the band */
    double theory;   /* mean of 0.25 |1 - H|^2 over the same bins (0.25 for flat) */
} band;

static band band_mean(const double *psd, double rate_hz, double f1, double f2, const double *h,
                      int taps)
{
    band b = {0, 0};
    int bins = 0;
    for (size_t k = 0; k <= SEG / 2; k++) {
        double f = (double)k * rate_hz / SEG;
        if (f < f1 || f >= f2)
            continue;
        b.measured += psd[k];
        b.theory += h ? 0.25 * ntf_power(h, taps, f, rate_hz) : 0.25;
        bins++;
    }
    b.measured /= bins;
    b.theory /= bins;
    return b;
}

static double db(double power_ratio)
{
    return 10 * log10(power_ratio);
}

static void test_shaped_spectrum(double rate_hz, const double *h, int taps, const char *name)
{
    size_t n = (size_t)1 << 19;
    uint64_t rng = test_seed ^ (uint64_t)rate_hz;
    double *x = xalloc(n, sizeof *x), *e = xalloc(n, sizeof *e);
    double *psd_t = xalloc(SEG / 2 + 1, sizeof *psd_t), *psd_s = xalloc(SEG / 2 + 1, sizeof *psd_s);
    int32_t *out = xalloc(n, sizeof *out);
    fill_programme(x, n, rate_hz, &rng);

    pm_ditherer *d = make(PM_DITHER_MODE_TPDF, 16, 1, rate_hz, test_seed);
    run(d, &x, 1, n, out, 4096);
    pm_dither_free(d);
    errors(out, x, n, 1, 0, 16, e);
    double mean, var_t, var_s;
    moments(e, n, &mean, &var_t);
    measure_psd(e, n, psd_t);

    d = make(PM_DITHER_MODE_SHAPED, 16, 1, rate_hz, test_seed);
    ok(pm_dither_filter_name(d) && strcmp(pm_dither_filter_name(d), name) == 0,
       "shaped at %g Hz uses %s", rate_hz, name);
    run(d, &x, 1, n, out, 4096);
    int clean = pm_dither_clipped_samples(d, 0) == 0 && pm_dither_saturated_samples(d, 0) == 0;
    pm_dither_free(d);
    ok(codes_valid(out, n, 16) && clean, "shaped at %g Hz: codes in range, nothing held at an end",
       rate_hz);
    errors(out, x, n, 1, 0, 16, e);
    moments(e, n, &mean, &var_s);
    measure_psd(e, n, psd_s);

    /* Per 1 kHz band up to Nyquist: the measured spectrum follows 0.25 |1 - H|^2. */
    double worst_shaped = 0, worst_flat = 0;
    char line[1024];
    int len = snprintf(line, sizeof line, "%g Hz shaped error per 1 kHz band, dB re TPDF "
                       "(theory):", rate_hz);
    for (double f = 0; f + 1000 <= rate_hz / 2; f += 1000) {
        band s = band_mean(psd_s, rate_hz, f, f + 1000, h, taps);
        band t = band_mean(psd_t, rate_hz, f, f + 1000, NULL, 0);
        double dev = fabs(db(s.measured / s.theory)), flat = fabs(db(t.measured / t.theory));
        worst_shaped = dev > worst_shaped ? dev : worst_shaped;
        worst_flat = flat > worst_flat ? flat : worst_flat;
        if ((int)f % 2000 == 0 && len < (int)sizeof line - 40)
            len += snprintf(line + len, sizeof line - (size_t)len, " %gk %+.1f (%+.1f)", f / 1000,
                            db(s.measured / t.measured), db(s.theory / 0.25));
    }
    diag("%s", line);

    band s15 = band_mean(psd_s, rate_hz, 1000, 5000, h, taps);
    band t15 = band_mean(psd_t, rate_hz, 1000, 5000, NULL, 0);
    band shf = band_mean(psd_s, rate_hz, 15000, 20000, h, taps);
    band thf = band_mean(psd_t, rate_hz, 15000, 20000, NULL, 0);
    double gain15 = db(s15.measured / t15.measured), theory15 = db(s15.theory / 0.25);
    double gainhf = db(shf.measured / thf.measured), theoryhf = db(shf.theory / 0.25);
    double total = db(var_s / var_t), theory_total = 0;
    for (int k = 0; k < taps; k++)
        theory_total += h[k] * h[k];
    theory_total = db(1 + theory_total);
    diag("%g Hz %s: 1-5 kHz %+.2f dB re TPDF (theory %+.2f), 15-20 kHz %+.2f dB (theory %+.2f), "
         "total %+.2f dB (theory %+.2f); TPDF variance %.4f, shaped %.3f LSB^2; worst 1 kHz band "
         "off theory: shaped %.2f dB, TPDF %.2f dB",
         rate_hz, name, gain15, theory15, gainhf, theoryhf, total, theory_total, var_t, var_s,
         worst_shaped, worst_flat);

    /*
     * Theory puts the 1-5 kHz noise 17.5 dB (44.1 kHz) and 18.8 dB (48 kHz) below TPDF; the
     * estimate's standard error is under 0.1 dB. Asking for 12 dB leaves room for nothing but a
     * wrong filter, sign or rate; the closeness to theory is asserted apart.
     */
    ok(gain15 <= -12, "shaped at %g Hz: 1-5 kHz noise at least 12 dB below TPDF (%.1f dB)",
       rate_hz, gain15);
    is_double(gain15, theory15, 0.5, "... and within 0.5 dB of the filter's |1 - H|^2");
    ok(gainhf >= 6, "shaped at %g Hz: 15-20 kHz noise above TPDF (%.1f dB)", rate_hz, gainhf);
    is_double(gainhf, theoryhf, 0.5, "... and within 0.5 dB of theory");
    ok(total > 6, "shaped at %g Hz: total noise power higher than TPDF (%+.1f dB)", rate_hz, total);
    is_double(total, theory_total, 0.3, "... by 1 + sum h^2 within 0.3 dB");
    /* 1 kHz bands hold 46 bins x 256 segments: standard error about 1.3 % (0.06 dB). */
    ok(worst_shaped < 0.5, "every 1 kHz band of the shaped error within 0.5 dB of theory "
                           "(worst %.2f dB)", worst_shaped);
    ok(worst_flat < 0.5, "every 1 kHz band of the TPDF error flat at 1/4 LSB^2 within 0.5 dB "
                         "(worst %.2f dB)", worst_flat);
    free(x);
    free(e);
    free(psd_t);
    free(psd_s);
    free(out);
}

int main(void)
{
    test_seed = tap_seed();
    test_shaped_spectrum(44100, lipshitz_h, 5, "lipshitz-e-weighted-5");
    test_shaped_spectrum(48000, fweighted_h, 9, "wannamaker-f-weighted-9");
    return done_testing();
}
