/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak signals of EBU Tech 3341 (cases 15-23; dsp-notes.md 1.3), synthesised, for the
 * unit tests that measure or limit true peaks. Header-only, like tap.h.
 *
 *   ebu_tone(rate, freq, amplitude, phase_deg, n)
 *       cases 15-19: a new buffer of n frames of a sine with 10 ms raised-cosine fades at both
 *       ends; the caller frees it
 *   ebu_burst_4x(rate, n)
 *       cases 20-23: a new buffer of 4 n frames at 4 rate: an fs/6 carrier at 0.5 FFS holding
 *       one period of fs/4 at full scale in the middle, phase-continuous, low-passed to fs/2 of
 *       the final rate; case 20 + offset is x[i] = burst[4 i + offset], offset 0..3. Its true
 *       peak is 0 dBTP. The caller frees it
 *   ebu_sines[]
 *       the parameters of cases 15-19 (frequency as a divisor of the rate)
 *
 * Allocation failure bails out.
 */
#ifndef PM_TEST_EBU3341_H
#define PM_TEST_EBU3341_H

#include <math.h>
#include <stdlib.h>

#define EBU_PI 3.14159265358979323846

typedef struct ebu_sine_case {
    int number;
    double divisor, amplitude, phase_deg, expected_dbtp;
} ebu_sine_case;

static const ebu_sine_case ebu_sines[] = {
    {15, 4, 0.50, 0.0, -6.0},  {16, 4, 0.50, 45.0, -6.0}, {17, 6, 0.50, 60.0, -6.0},
    {18, 8, 0.50, 67.5, -6.0}, {19, 4, 1.41, 45.0, 3.0},
};
#define EBU_SINE_CASES (sizeof ebu_sines / sizeof ebu_sines[0])

static inline double *ebu_tone(double rate, double freq, double amplitude, double phase_deg,
                               size_t n)
{
    double *x = malloc(n * sizeof *x);
    if (!x)
        bail_out("out of memory");
    size_t fade = (size_t)(0.010 * rate);
    for (size_t i = 0; i < n; i++) {
        double g = 1.0;
        if (i < fade)
            g = 0.5 - 0.5 * cos(EBU_PI * (double)i / (double)fade);
        else if (i >= n - fade)
            g = 0.5 - 0.5 * cos(EBU_PI * (double)(n - 1 - i) / (double)fade);
        double angle = 2 * EBU_PI * freq * (double)i / rate + phase_deg * EBU_PI / 180.0;
        x[i] = g * amplitude * sin(angle);
    }
    return x;
}

static inline double *ebu_burst_4x(double rate, size_t n)
{
    double hi_rate = 4 * rate;
    size_t n_hi = 4 * n, lp_half = 512;
    double *hi = malloc(n_hi * sizeof *hi), *lp = calloc(n_hi, sizeof *lp);
    if (!hi || !lp)
        bail_out("out of memory");
    double phase = 0.0;
    size_t burst_start = n_hi / 2, burst_len = 16; /* one period of fs/4 at 4 fs */
    for (size_t i = 0; i < n_hi; i++) {
        int in_burst = i >= burst_start && i < burst_start + burst_len;
        double freq = in_burst ? rate / 4 : rate / 6, amplitude = in_burst ? 1.0 : 0.5;
        hi[i] = amplitude * sin(phase);
        phase += 2 * EBU_PI * freq / hi_rate; /* phase-continuous through the burst */
    }
    /* Low-pass at fs/2 (of the final rate) with a long Blackman-windowed sinc. */
    double *taps = malloc((2 * lp_half + 1) * sizeof *taps);
    if (!taps)
        bail_out("out of memory");
    for (size_t k = 0; k <= 2 * lp_half; k++) {
        double t = (double)k - (double)lp_half, w = 2 * EBU_PI * (double)k / (2.0 * lp_half);
        double window = 0.42 - 0.5 * cos(w) + 0.08 * cos(2 * w);
        double sinc = t == 0 ? 1.0 : sin(EBU_PI * t / 4) / (EBU_PI * t / 4);
        taps[k] = sinc * window;
    }
    for (size_t i = lp_half; i + lp_half < n_hi; i++) {
        double y = 0.0;
        for (size_t k = 0; k <= 2 * lp_half; k++)
            y += hi[i + lp_half - k] * taps[k] / 4;
        lp[i] = y;
    }
    free(taps);
    free(hi);
    return lp;
}

#endif
