/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Second-order IIR sections ("biquads") in double precision: their designs and their processing.
 *
 * A section is H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), normalised so that
 * a0 = 1. A first-order section is a biquad with b2 = a2 = 0. A filter of higher order is a
 * cascade of sections applied one after the other.
 *
 * Designs (every one is exact to its formula; none allocates):
 *   peak, lowshelf, highshelf, notch, lowpass, highpass - the RBJ "Audio EQ Cookbook" (R.
 *       Bristow-Johnson, W3C Working Group Note 2021-06-08): the analog prototype mapped by the
 *       bilinear transform pre-warped at the set frequency, so the digital response at frequency
 *       f equals the analog prototype's at s = j tan(pi f / rate) / tan(pi f0 / rate).
 *   butterworth - high- or low-pass of order 1 to 8: second-order sections with the Butterworth
 *       pole Qs and, for an odd order, one first-order section; -3.01 dB at the set frequency.
 *   lr4 - the 4th-order Linkwitz-Riley low- or high-pass: two identical 2nd-order Butterworth
 *       sections; -6.02 dB at the crossover, and low-pass + high-pass is an all-pass.
 *   deemphasis - the CD de-emphasis (50/15 us; IEC 60908) as one section whose response is
 *       within 0.02 dB of the analog curve from 0 Hz to 0.49 x rate at 44.1 kHz and above
 *       (see biquad.c for how).
 *
 * Every design returns PM_OK, or PM_ERR_INVALID when a parameter is out of range: a rate that is
 * not a positive finite number, a frequency not strictly between 0 and rate / 2, a Q or a slope
 * that is not positive, a gain that is not finite, an order outside 1..8. On failure *out is left
 * untouched.
 *
 * Processing is transposed direct form II: two state values per section and channel, kept by the
 * caller in a pm_biquad_state. A section's output under PM_BIQUAD_FLUSH in magnitude is replaced
 * by zero, so a decaying tail reaches exact zeros in finite time instead of crawling through
 * subnormal numbers (which are slow on x86); the state, built from outputs and inputs, then never
 * holds one either. The result of a sample depends only on the coefficients, the state and the
 * input, never on how the stream is cut into blocks, so output is bit-exact whatever the block
 * size.
 */
#ifndef PM_BIQUAD_H
#define PM_BIQUAD_H

#include <stddef.h>

#include "premaster.h"

/* The highest Butterworth order offered, and the sections any single design can produce. */
#define PM_BIQUAD_MAX_ORDER 8
#define PM_BIQUAD_MAX_SECTIONS ((PM_BIQUAD_MAX_ORDER + 1) / 2)

/*
 * Section outputs smaller than this (-600 dB) become exact zeros. A threshold rather than the
 * add-and-subtract-an-offset trick: the offset quantises small values to a fixed grid, which lets
 * a lightly damped section sustain a zero-input limit cycle a few grid steps high for ever, where
 * a threshold leaves the decay untouched (relative rounding only) until it ends in zeros.
 */
#define PM_BIQUAD_FLUSH 1e-30

typedef struct pm_biquad {
    double b0, b1, b2; /* feed-forward */
    double a1, a2;     /* feedback, with a0 = 1 */
} pm_biquad;

/* The memory of one section on one channel. All zeros is the rest state. */
typedef struct pm_biquad_state {
    double z1, z2;
} pm_biquad_state;

typedef enum pm_biquad_pass { PM_BIQUAD_LOWPASS = 0, PM_BIQUAD_HIGHPASS = 1 } pm_biquad_pass;

/* RBJ peakingEQ: gain_db at freq_hz, bandwidth set by q (> 0). */
pm_status pm_biquad_design_peak(pm_biquad *out, double rate_hz, double freq_hz, double gain_db,
                                double q) PM_WARN_UNUSED;
/*
 * RBJ lowShelf / highShelf: gain_db below (above) freq_hz, the mid-point of the transition (where
 * the gain is gain_db / 2). q sets the steepness; pm_biquad_shelf_q converts a shelf slope.
 */
pm_status pm_biquad_design_lowshelf(pm_biquad *out, double rate_hz, double freq_hz, double gain_db,
                                    double q) PM_WARN_UNUSED;
pm_status pm_biquad_design_highshelf(pm_biquad *out, double rate_hz, double freq_hz, double gain_db,
                                     double q) PM_WARN_UNUSED;
/*
 * The Q of a shelf of gain_db with the RBJ shelf slope S (> 0): 1/Q = sqrt((A + 1/A)(1/S - 1) + 2)
 * with A = 10^(gain_db/40). S = 1 is the steepest slope with a monotonic response (Q = 1/sqrt 2);
 * a larger S overshoots. Returns PM_ERR_INVALID when slope is not positive or is so large for
 * this gain that the square root has no real value.
 */
pm_status pm_biquad_shelf_q(double gain_db, double slope, double *q) PM_WARN_UNUSED;
/* RBJ notch: zero gain at freq_hz, width set by q (> 0), unity gain far from it. */
pm_status pm_biquad_design_notch(pm_biquad *out, double rate_hz, double freq_hz,
                                 double q) PM_WARN_UNUSED;
/* RBJ LPF / HPF: second order, q (> 0) at freq_hz; q = 1/sqrt 2 is 2nd-order Butterworth. */
pm_status pm_biquad_design_lowpass(pm_biquad *out, double rate_hz, double freq_hz,
                                   double q) PM_WARN_UNUSED;
pm_status pm_biquad_design_highpass(pm_biquad *out, double rate_hz, double freq_hz,
                                    double q) PM_WARN_UNUSED;
/* First-order low- or high-pass (bilinear, pre-warped): -3.01 dB at freq_hz, 6 dB/octave. */
pm_status pm_biquad_design_first_order(pm_biquad *out, pm_biquad_pass pass, double rate_hz,
                                       double freq_hz) PM_WARN_UNUSED;

/*
 * Butterworth low- or high-pass of order 1..PM_BIQUAD_MAX_ORDER at freq_hz (the -3.01 dB point).
 * Writes (order + 1) / 2 sections to sections[] (room for PM_BIQUAD_MAX_SECTIONS) and their
 * number to *count.
 */
pm_status pm_biquad_design_butterworth(pm_biquad *sections, size_t *count, pm_biquad_pass pass,
                                       int order, double rate_hz, double freq_hz) PM_WARN_UNUSED;

/* Linkwitz-Riley 4th order: writes 2 sections to sections[]. */
pm_status pm_biquad_design_lr4(pm_biquad *sections, pm_biquad_pass pass, double rate_hz,
                               double freq_hz) PM_WARN_UNUSED;

/*
 * CD de-emphasis: the analog H(s) = (1 + s 15e-6) / (1 + s 50e-6) as one section at rate_hz
 * (8 kHz or more), 0 dB at DC, minimum phase like the analog network. Returns PM_ERR_INVALID for a
 * rate under 8 kHz or not finite, PM_ERR_INTERNAL if the fit failed its own accuracy check.
 */
pm_status pm_biquad_design_deemphasis(pm_biquad *out, double rate_hz) PM_WARN_UNUSED;

/* The analog de-emphasis magnitude |H(j 2 pi f)| (linear), the curve the design follows. */
double pm_biquad_deemphasis_analog(double freq_hz);

/*
 * The magnitude (linear) of the cascade of count sections at freq_hz, from the coefficients:
 * the product of |H(e^jw)| with w = 2 pi freq_hz / rate_hz.
 */
double pm_biquad_magnitude(const pm_biquad *sections, size_t count, double rate_hz, double freq_hz);

/* Zero count states: back to rest. */
void pm_biquad_clear(pm_biquad_state *states, size_t count);

/*
 * Filter frames samples of x in place through one section. A state that came out of the block
 * non-finite (a NaN or an infinity reached the input) is reset to rest, so the filter recovers on
 * the next block.
 */
void pm_biquad_process(const pm_biquad *section, pm_biquad_state *state, double *x, size_t frames);

/* Filter x in place through count sections in order, each with its own state. */
void pm_biquad_process_cascade(const pm_biquad *sections, pm_biquad_state *states, size_t count,
                               double *x, size_t frames);

/*
 * Two channels a and b in place through the same cascade of two sections (a_states and
 * b_states: each channel's two states). The output is that of pm_biquad_process_cascade on each
 * channel, bit for bit; the four filters run side by side in the lanes of one vector, sample by
 * sample, so that their dependency chains (each sample waits on the one before) overlap: 3.5x
 * faster than the four run interleaved in scalar code. For the meters' K-weighting and their
 * 300 Hz low-pass.
 */
void pm_biquad_process_cascade2_pair(const pm_biquad sections[2], pm_biquad_state a_states[2],
                                     pm_biquad_state b_states[2], double *a, double *b,
                                     size_t frames);

/*
 * Two channels a and b in place through the same cascade of count sections (a_states and
 * b_states: each channel's count states): pm_biquad_process_cascade on each channel, bit for
 * bit, with the sections taken two at a time by pm_biquad_process_cascade2_pair and a last odd
 * one on both channels in one loop. For the EQ stage's stereo.
 */
void pm_biquad_process_cascade_pair(const pm_biquad *sections, size_t count,
                                    pm_biquad_state *a_states, pm_biquad_state *b_states,
                                    double *a, double *b, size_t frames);

/*
 * pm_biquad_process_cascade2_pair twice - channels a and b through sections, c and d through
 * other_sections - in one loop, with the same output bit for bit. Each pair's recursion is
 * latency-bound, so the second pair costs little: for a meter's K-weighting beside its 300 Hz
 * low-pass.
 */
void pm_biquad_process_cascade2_two_pairs(const pm_biquad sections[2],
                                          pm_biquad_state a_states[2],
                                          pm_biquad_state b_states[2], double *a, double *b,
                                          const pm_biquad other_sections[2],
                                          pm_biquad_state c_states[2],
                                          pm_biquad_state d_states[2], double *c, double *d,
                                          size_t frames);

/*
 * One sample through one section (TDF-II), for loops that interleave other work per sample; z1
 * and z2 are the state, best held in the caller's locals. The same arithmetic as
 * pm_biquad_process, so either gives identical output.
 */
static inline double pm_biquad_tick(const pm_biquad *s, double *z1, double *z2, double x)
{
    double y = s->b0 * x + *z1;
    /* A tail under -600 dB ends here, before it can reach the subnormal range (NaN passes). */
    if (y < PM_BIQUAD_FLUSH && y > -PM_BIQUAD_FLUSH)
        y = 0;
    *z1 = s->b1 * x - s->a1 * y + *z2;
    *z2 = s->b2 * x - s->a2 * y;
    return y;
}

#endif
