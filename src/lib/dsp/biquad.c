/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/biquad.h"

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Our own constants: M_PI and friends are XSI extensions that strict C11 headers omit. */
#define PI 3.14159265358979323846
#define SQRT1_2 0.70710678118654752440 /* 1/sqrt(2): the 2nd-order Butterworth Q */

/* A frequency the bilinear transform can place: strictly between 0 and Nyquist. */
static int valid_freq(double rate_hz, double freq_hz)
{
    return isfinite(rate_hz) && rate_hz > 0 && isfinite(freq_hz) && freq_hz > 0 &&
           freq_hz < rate_hz / 2;
}

static int valid_q(double q)
{
    return isfinite(q) && q > 0;
}

/* Divide through by a0 so the section runs with a0 = 1. */
static void normalise(pm_biquad *out, double b0, double b1, double b2, double a0, double a1,
                      double a2)
{
    out->b0 = b0 / a0;
    out->b1 = b1 / a0;
    out->b2 = b2 / a0;
    out->a1 = a1 / a0;
    out->a2 = a2 / a0;
}

/*
 * The cookbook's intermediates: w0 = 2 pi f0 / Fs, cos(w0), alpha = sin(w0) / (2Q). 1 - cos(w0)
 * is formed as 2 sin^2(w0/2), which keeps its precision at low w0 (20 Hz at 192 kHz gives 2e-7,
 * where 1 - cos would lose 9 digits).
 */
typedef struct rbj_terms {
    double cosw, one_minus_cosw, alpha;
} rbj_terms;

static rbj_terms rbj(double rate_hz, double freq_hz, double q)
{
    double w0 = 2 * PI * freq_hz / rate_hz;
    double s = sin(w0 / 2);
    rbj_terms t = {cos(w0), 2 * s * s, sin(w0) / (2 * q)};
    return t;
}

pm_status pm_biquad_design_peak(pm_biquad *out, double rate_hz, double freq_hz, double gain_db,
                                double q)
{
    if (!valid_freq(rate_hz, freq_hz) || !valid_q(q) || !isfinite(gain_db))
        return PM_ERR_INVALID;
    /* Cookbook, peakingEQ: H(s) = (s^2 + s (A/Q) + 1) / (s^2 + s / (A Q) + 1), A = 10^(dB/40). */
    double a = pow(10, gain_db / 40);
    rbj_terms t = rbj(rate_hz, freq_hz, q);
    normalise(out, 1 + t.alpha * a, -2 * t.cosw, 1 - t.alpha * a, 1 + t.alpha / a, -2 * t.cosw,
              1 - t.alpha / a);
    return PM_OK;
}

pm_status pm_biquad_design_lowshelf(pm_biquad *out, double rate_hz, double freq_hz, double gain_db,
                                    double q)
{
    if (!valid_freq(rate_hz, freq_hz) || !valid_q(q) || !isfinite(gain_db))
        return PM_ERR_INVALID;
    /* Cookbook, lowShelf: H(s) = A (s^2 + (sqrt(A)/Q) s + A) / (A s^2 + (sqrt(A)/Q) s + 1). */
    double a = pow(10, gain_db / 40);
    rbj_terms t = rbj(rate_hz, freq_hz, q);
    double k = 2 * sqrt(a) * t.alpha;
    normalise(out, a * ((a + 1) - (a - 1) * t.cosw + k), 2 * a * ((a - 1) - (a + 1) * t.cosw),
              a * ((a + 1) - (a - 1) * t.cosw - k), (a + 1) + (a - 1) * t.cosw + k,
              -2 * ((a - 1) + (a + 1) * t.cosw), (a + 1) + (a - 1) * t.cosw - k);
    return PM_OK;
}

pm_status pm_biquad_design_highshelf(pm_biquad *out, double rate_hz, double freq_hz, double gain_db,
                                     double q)
{
    if (!valid_freq(rate_hz, freq_hz) || !valid_q(q) || !isfinite(gain_db))
        return PM_ERR_INVALID;
    /* Cookbook, highShelf: H(s) = A (A s^2 + (sqrt(A)/Q) s + 1) / (s^2 + (sqrt(A)/Q) s + A). */
    double a = pow(10, gain_db / 40);
    rbj_terms t = rbj(rate_hz, freq_hz, q);
    double k = 2 * sqrt(a) * t.alpha;
    normalise(out, a * ((a + 1) + (a - 1) * t.cosw + k), -2 * a * ((a - 1) + (a + 1) * t.cosw),
              a * ((a + 1) + (a - 1) * t.cosw - k), (a + 1) - (a - 1) * t.cosw + k,
              2 * ((a - 1) - (a + 1) * t.cosw), (a + 1) - (a - 1) * t.cosw - k);
    return PM_OK;
}

pm_status pm_biquad_shelf_q(double gain_db, double slope, double *q)
{
    if (!isfinite(gain_db) || !isfinite(slope) || !(slope > 0))
        return PM_ERR_INVALID;
    /* Cookbook: 1/Q = sqrt((A + 1/A)(1/S - 1) + 2). */
    double a = pow(10, gain_db / 40);
    double inv_q_sq = (a + 1 / a) * (1 / slope - 1) + 2;
    if (!(inv_q_sq > 0))
        return PM_ERR_INVALID;
    *q = 1 / sqrt(inv_q_sq);
    return PM_OK;
}

pm_status pm_biquad_design_notch(pm_biquad *out, double rate_hz, double freq_hz, double q)
{
    if (!valid_freq(rate_hz, freq_hz) || !valid_q(q))
        return PM_ERR_INVALID;
    /* Cookbook, notch: H(s) = (s^2 + 1) / (s^2 + s/Q + 1). */
    rbj_terms t = rbj(rate_hz, freq_hz, q);
    normalise(out, 1, -2 * t.cosw, 1, 1 + t.alpha, -2 * t.cosw, 1 - t.alpha);
    return PM_OK;
}

pm_status pm_biquad_design_lowpass(pm_biquad *out, double rate_hz, double freq_hz, double q)
{
    if (!valid_freq(rate_hz, freq_hz) || !valid_q(q))
        return PM_ERR_INVALID;
    /* Cookbook, LPF: H(s) = 1 / (s^2 + s/Q + 1). */
    rbj_terms t = rbj(rate_hz, freq_hz, q);
    normalise(out, t.one_minus_cosw / 2, t.one_minus_cosw, t.one_minus_cosw / 2, 1 + t.alpha,
              -2 * t.cosw, 1 - t.alpha);
    return PM_OK;
}

pm_status pm_biquad_design_highpass(pm_biquad *out, double rate_hz, double freq_hz, double q)
{
    if (!valid_freq(rate_hz, freq_hz) || !valid_q(q))
        return PM_ERR_INVALID;
    /* Cookbook, HPF: H(s) = s^2 / (s^2 + s/Q + 1); 1 + cos(w0) = 2 - (1 - cos(w0)). */
    rbj_terms t = rbj(rate_hz, freq_hz, q);
    double one_plus_cosw = 2 - t.one_minus_cosw;
    normalise(out, one_plus_cosw / 2, -one_plus_cosw, one_plus_cosw / 2, 1 + t.alpha, -2 * t.cosw,
              1 - t.alpha);
    return PM_OK;
}

pm_status pm_biquad_design_first_order(pm_biquad *out, pm_biquad_pass pass, double rate_hz,
                                       double freq_hz)
{
    if (!valid_freq(rate_hz, freq_hz) || (pass != PM_BIQUAD_LOWPASS && pass != PM_BIQUAD_HIGHPASS))
        return PM_ERR_INVALID;
    /*
     * H(s) = 1 / (s + 1) (low) or s / (s + 1) (high) through s = (1/K)(1 - z^-1)/(1 + z^-1) with
     * K = tan(w0/2): the bilinear transform pre-warped so the -3.01 dB point lands on freq_hz.
     */
    double k = tan(PI * freq_hz / rate_hz);
    if (pass == PM_BIQUAD_LOWPASS)
        normalise(out, k, k, 0, k + 1, (k - 1), 0);
    else
        normalise(out, 1, -1, 0, k + 1, (k - 1), 0);
    return PM_OK;
}

pm_status pm_biquad_design_butterworth(pm_biquad *sections, size_t *count, pm_biquad_pass pass,
                                       int order, double rate_hz, double freq_hz)
{
    if (order < 1 || order > PM_BIQUAD_MAX_ORDER || !valid_freq(rate_hz, freq_hz) ||
        (pass != PM_BIQUAD_LOWPASS && pass != PM_BIQUAD_HIGHPASS))
        return PM_ERR_INVALID;
    /*
     * The order-N Butterworth poles lie on the unit circle at angles (2k + 1) pi / (2N) from the
     * imaginary axis; the pair k has Q = 1 / (2 sin((2k + 1) pi / (2N))), k = 0 .. N/2 - 1, and an
     * odd order adds the real pole at -1 (a first-order section). Every section is pre-warped at
     * the same frequency, so the digital magnitude is exactly the analog 1 / sqrt(1 + W^2N) at
     * W = tan(pi f / rate) / tan(pi f0 / rate): -3.01 dB at f0 for every order.
     */
    pm_biquad designed[PM_BIQUAD_MAX_SECTIONS];
    size_t n = 0;
    for (int k = 0; k < order / 2; k++) {
        double q = 1 / (2 * sin((2 * k + 1) * PI / (2 * order)));
        pm_status status = pass == PM_BIQUAD_LOWPASS
                               ? pm_biquad_design_lowpass(&designed[n], rate_hz, freq_hz, q)
                               : pm_biquad_design_highpass(&designed[n], rate_hz, freq_hz, q);
        if (status != PM_OK)
            return status;
        n++;
    }
    if (order % 2) {
        pm_status status = pm_biquad_design_first_order(&designed[n], pass, rate_hz, freq_hz);
        if (status != PM_OK)
            return status;
        n++;
    }
    memcpy(sections, designed, n * sizeof *sections);
    *count = n;
    return PM_OK;
}

pm_status pm_biquad_design_lr4(pm_biquad *sections, pm_biquad_pass pass, double rate_hz,
                               double freq_hz)
{
    /*
     * LR4 = (2nd-order Butterworth)^2: -3.01 dB squared is -6.02 dB at the crossover, and the
     * low- and high-pass outputs are in phase there, so they sum to an all-pass (flat magnitude).
     */
    pm_biquad s;
    pm_status status =
        pass == PM_BIQUAD_LOWPASS    ? pm_biquad_design_lowpass(&s, rate_hz, freq_hz, SQRT1_2)
        : pass == PM_BIQUAD_HIGHPASS ? pm_biquad_design_highpass(&s, rate_hz, freq_hz, SQRT1_2)
                                     : PM_ERR_INVALID;
    if (status != PM_OK)
        return status;
    sections[0] = s;
    sections[1] = s;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * CD de-emphasis.
 *
 * The bilinear transform cannot follow the analog 50/15 us shelf at 44.1 kHz: it squeezes the
 * whole analog axis into 0 .. Nyquist, so at 20 kHz the digital curve has already reached the
 * shelf floor (-10.46 dB) that the analog network only approaches (-9.49 dB at 20 kHz): 0.9 dB
 * off. Pre-warping the pole and the zero does not help at the top, and no first-order digital
 * section does better than 0.12 dB (its |H|^2 has only three free coefficients).
 *
 * So we fit one biquad to the analog magnitude directly. On the unit circle the squared magnitude
 * of a biquad is a ratio of two quadratics in u = 1 - cos(w) (0 at DC, 2 at Nyquist):
 *     |H|^2 = P(u) / Q(u),  P(u) = 1 + p1 u + p2 u^2,  Q(u) = 1 + q1 u + q2 u^2,
 * with P(0) = Q(0) = 1 pinning 0 dB at DC. Fitting P/Q to the target D(u) = |H_analog|^2 on a
 * log-spaced grid from 10 Hz to 0.49 x rate is linear in (p1, p2, q1, q2) once the error is
 * written as P - D Q. We solve that by least squares (Householder QR; in u, unlike in cos(w),
 * the low-frequency rows do not cancel), re-weighting each point by 1 / (D Q_previous) so that
 * the weighted equation error approaches the relative error of |H|^2 (the Sanathanan-Koerner
 * iteration). The result stays within 0.02 dB of the analog curve from DC to 20 kHz at every
 * rate from 44.1 kHz up (0.015 dB at 44.1 kHz, where a first-order fit cannot get under
 * 0.12 dB), and is checked below.
 *
 * A quadratic in u becomes a biquad polynomial by spectral factorisation: a root u_r of P
 * corresponds to a zero r of 1 - r z^-1 with |1 - r e^-jw|^2 = (1 - r)^2 + 2 r u, that is
 * u_r = -(1 - r)^2 / (2r). Of the two r for each u_r (r and 1/r) we keep the one inside the unit
 * circle, which makes the section minimum phase and stable, like the analog network.
 */

#define DEEMPH_TAU_POLE_S 50e-6
#define DEEMPH_TAU_ZERO_S 15e-6
#define DEEMPH_GRID 200
#define DEEMPH_ITERATIONS 20
#define DEEMPH_CHECK_DB 0.05 /* the design's own acceptance bound, 20 Hz .. 20 kHz */

double pm_biquad_deemphasis_analog(double freq_hz)
{
    double w = 2 * PI * freq_hz;
    double z = w * DEEMPH_TAU_ZERO_S, p = w * DEEMPH_TAU_POLE_S;
    return sqrt((1 + z * z) / (1 + p * p));
}

/*
 * Least squares: minimise |A x - b| for rows x cols (cols <= 4) by Householder QR, in place.
 * Returns 0, or -1 when A is rank deficient.
 */
static int least_squares(double (*a)[4], double *b, int rows, int cols, double *x)
{
    for (int k = 0; k < cols; k++) {
        double norm = 0;
        for (int i = k; i < rows; i++)
            norm += a[i][k] * a[i][k];
        norm = sqrt(norm);
        if (!(norm > 0))
            return -1;
        /* Reflect column k onto alpha e_k; the sign choice avoids cancellation in v0. */
        double alpha = a[k][k] > 0 ? -norm : norm;
        double v0 = a[k][k] - alpha;
        double vv = v0 * v0;
        for (int i = k + 1; i < rows; i++)
            vv += a[i][k] * a[i][k];
        if (!(vv > 0))
            return -1;
        for (int j = k + 1; j <= cols; j++) {
            /* Column j of A, then (j == cols) the right-hand side. */
            double dot = v0 * (j < cols ? a[k][j] : b[k]);
            for (int i = k + 1; i < rows; i++)
                dot += a[i][k] * (j < cols ? a[i][j] : b[i]);
            double f = 2 * dot / vv;
            if (j < cols) {
                a[k][j] -= f * v0;
                for (int i = k + 1; i < rows; i++)
                    a[i][j] -= f * a[i][k];
            } else {
                b[k] -= f * v0;
                for (int i = k + 1; i < rows; i++)
                    b[i] -= f * a[i][k];
            }
        }
        a[k][k] = alpha;
    }
    for (int k = cols - 1; k >= 0; k--) {
        double s = b[k];
        for (int j = k + 1; j < cols; j++)
            s -= a[k][j] * x[j];
        x[k] = s / a[k][k];
    }
    return 0;
}

/*
 * The polynomial 1 + c1 z^-1 + c2 z^-2 with both roots inside the unit circle whose squared
 * magnitude on the unit circle is proportional to 1 + k1 u + k2 u^2. Returns -1 when a root lies
 * on the unit circle (the quadratic touches zero inside 0 <= u <= 2: not a magnitude).
 */
static int spectral_factor(double k1, double k2, double *c1, double *c2)
{
    /*
     * Work with v = 1/u, the roots of v^2 + k1 v + k2 (monic, so a vanishing k2 is just a root
     * v = 0, u at infinity, r = 0). From u_r = -(1 - r)^2 / (2r): v r^2 - 2 (v - 1) r + v = 0,
     * whose roots multiply to 1; the smaller is r = v / ((v - 1) -+ sqrt(1 - 2v)), taking the
     * sign that makes the denominator larger.
     */
    double complex disc = csqrt((double complex)(k1 * k1 - 4 * k2));
    double complex v[2] = {(-k1 + disc) / 2, (-k1 - disc) / 2};
    double complex r[2];
    for (int i = 0; i < 2; i++) {
        double complex root = csqrt(1 - 2 * v[i]);
        double complex d1 = (v[i] - 1) + root, d2 = (v[i] - 1) - root;
        double complex d = cabs(d1) > cabs(d2) ? d1 : d2;
        r[i] = v[i] / d;
        if (!(cabs(r[i]) < 1 - 1e-12))
            return -1;
    }
    /* (1 - r0 z^-1)(1 - r1 z^-1); a complex pair gives real coefficients. */
    *c1 = -creal(r[0] + r[1]);
    *c2 = creal(r[0] * r[1]);
    return 0;
}

pm_status pm_biquad_design_deemphasis(pm_biquad *out, double rate_hz)
{
    if (!isfinite(rate_hz) || rate_hz < 8000)
        return PM_ERR_INVALID;
    double u[DEEMPH_GRID], target[DEEMPH_GRID];
    double f_lo = 10, f_hi = 0.49 * rate_hz;
    for (int i = 0; i < DEEMPH_GRID; i++) {
        double f = f_lo * pow(f_hi / f_lo, (double)i / (DEEMPH_GRID - 1));
        double s = sin(PI * f / rate_hz);
        u[i] = 2 * s * s; /* 1 - cos(w) */
        double h = pm_biquad_deemphasis_analog(f);
        target[i] = h * h;
    }

    double p1 = 0, p2 = 0, q1 = 0, q2 = 0;
    for (int it = 0; it < DEEMPH_ITERATIONS; it++) {
        double a[DEEMPH_GRID][4], b[DEEMPH_GRID], x[4];
        for (int i = 0; i < DEEMPH_GRID; i++) {
            /* 1 / (D Q_previous): the equation error becomes the relative error of |H|^2. */
            double w = 1 / (target[i] * (1 + q1 * u[i] + q2 * u[i] * u[i]));
            /* P(u) - D Q(u) = 0  <=>  p1 u + p2 u^2 - D q1 u - D q2 u^2 = D - 1 */
            a[i][0] = w * u[i];
            a[i][1] = w * u[i] * u[i];
            a[i][2] = -w * target[i] * u[i];
            a[i][3] = -w * target[i] * u[i] * u[i];
            b[i] = w * (target[i] - 1);
        }
        if (least_squares(a, b, DEEMPH_GRID, 4, x) != 0)
            return PM_ERR_INTERNAL;
        p1 = x[0];
        p2 = x[1];
        q1 = x[2];
        q2 = x[3];
    }

    double n1, n2, d1, d2;
    if (spectral_factor(p1, p2, &n1, &n2) != 0 || spectral_factor(q1, q2, &d1, &d2) != 0)
        return PM_ERR_INTERNAL;
    /* The factors fix the shape; the gain makes H(1) = 1 (0 dB at DC, as P(0)/Q(0) = 1). */
    double g = (1 + d1 + d2) / (1 + n1 + n2);
    pm_biquad s = {g, g * n1, g * n2, d1, d2};

    /* Check what we built against the analog curve over the audio band before handing it out. */
    double top = fmin(20000, 0.49 * rate_hz);
    for (int i = 0; i <= 100; i++) {
        double f = 20 * pow(top / 20, i / 100.0);
        double err_db =
            20 * log10(pm_biquad_magnitude(&s, 1, rate_hz, f) / pm_biquad_deemphasis_analog(f));
        if (!(fabs(err_db) <= DEEMPH_CHECK_DB))
            return PM_ERR_INTERNAL;
    }
    *out = s;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Response and processing.
 */

double pm_biquad_magnitude(const pm_biquad *sections, size_t count, double rate_hz, double freq_hz)
{
    /* |B(e^jw)| / |A(e^jw)| with e^-jw = cos w - j sin w, section by section. */
    double w = 2 * PI * freq_hz / rate_hz;
    double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    double mag = 1;
    for (size_t i = 0; i < count; i++) {
        const pm_biquad *s = &sections[i];
        double nr = s->b0 + s->b1 * c1 + s->b2 * c2, ni = -(s->b1 * s1 + s->b2 * s2);
        double dr = 1 + s->a1 * c1 + s->a2 * c2, di = -(s->a1 * s1 + s->a2 * s2);
        mag *= sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
    }
    return mag;
}

void pm_biquad_clear(pm_biquad_state *states, size_t count)
{
    for (size_t i = 0; i < count; i++)
        states[i].z1 = states[i].z2 = 0;
}

/* The state after a block, reset to rest when a NaN or an infinity reached it. */
static void keep_state(pm_biquad_state *state, double z1, double z2)
{
    if (!isfinite(z1) || !isfinite(z2))
        z1 = z2 = 0;
    state->z1 = z1;
    state->z2 = z2;
}

void pm_biquad_process(const pm_biquad *section, pm_biquad_state *state, double *restrict x,
                       size_t frames)
{
    pm_biquad s = *section;
    double z1 = state->z1, z2 = state->z2;
    for (size_t i = 0; i < frames; i++)
        x[i] = pm_biquad_tick(&s, &z1, &z2, x[i]);
    /* A NaN or infinity in the input would otherwise stay in the state for ever. */
    keep_state(state, z1, z2);
}

void pm_biquad_process_cascade(const pm_biquad *sections, pm_biquad_state *states, size_t count,
                               double *x, size_t frames)
{
    for (size_t i = 0; i < count; i++)
        pm_biquad_process(&sections[i], &states[i], x, frames);
}

/* Four doubles: one AVX register, or two SSE2 ones in the baseline build. */
typedef double bq_v4 __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t bq_v4i __attribute__((vector_size(4 * sizeof(int64_t))));

/*
 * The four filters of a cascade of two sections over two channels, in the lanes of one vector:
 * (first section, channel a), (first, b), (second, a), (second, b), the second section one
 * sample behind the first so that its input is ready. Every lane does pm_biquad_tick's
 * operations in pm_biquad_tick's order (no fused multiply-add: -ffp-contract=off), so the
 * output is the scalar cascade's bit for bit; the lanes' chains run at once instead of being
 * interleaved by the processor.
 */
typedef struct lanes {
    pm_biquad s0, s1;
    pm_biquad_state *a_states, *b_states;
    double *a, *b;
    bq_v4 b0, b1, b2, a1, a2, z1, z2;
    double first_a, first_b; /* the first section's last output, for the second */
} lanes;

static inline __attribute__((always_inline)) lanes
lanes_begin(const pm_biquad sections[2], pm_biquad_state a_states[2],
            pm_biquad_state b_states[2], double *a, double *b)
{
    lanes l = {.s0 = sections[0], .s1 = sections[1], .a_states = a_states,
               .b_states = b_states, .a = a, .b = b};
    double a01 = a_states[0].z1, a02 = a_states[0].z2;
    double b01 = b_states[0].z1, b02 = b_states[0].z2;
    /* the first sample through the first section alone: the second has no input yet */
    l.first_a = pm_biquad_tick(&l.s0, &a01, &a02, a[0]);
    l.first_b = pm_biquad_tick(&l.s0, &b01, &b02, b[0]);
    l.b0 = (bq_v4){l.s0.b0, l.s0.b0, l.s1.b0, l.s1.b0};
    l.b1 = (bq_v4){l.s0.b1, l.s0.b1, l.s1.b1, l.s1.b1};
    l.b2 = (bq_v4){l.s0.b2, l.s0.b2, l.s1.b2, l.s1.b2};
    l.a1 = (bq_v4){l.s0.a1, l.s0.a1, l.s1.a1, l.s1.a1};
    l.a2 = (bq_v4){l.s0.a2, l.s0.a2, l.s1.a2, l.s1.a2};
    l.z1 = (bq_v4){a01, b01, a_states[1].z1, b_states[1].z1};
    l.z2 = (bq_v4){a02, b02, a_states[1].z2, b_states[1].z2};
    return l;
}

/* Sample i through the first section, sample i - 1 through the second. */
static inline __attribute__((always_inline)) void lanes_step(lanes *l, size_t i)
{
    const bq_v4 flush = {PM_BIQUAD_FLUSH, PM_BIQUAD_FLUSH, PM_BIQUAD_FLUSH, PM_BIQUAD_FLUSH};
    bq_v4 x = {l->a[i], l->b[i], l->first_a, l->first_b};
    bq_v4 y = l->b0 * x + l->z1;
    /* pm_biquad_tick's flush of a tail under PM_BIQUAD_FLUSH (a NaN passes) */
    bq_v4i tiny = (y < flush) & (y > -flush);
    y = (bq_v4)((bq_v4i)y & ~tiny);
    l->z1 = l->b1 * x - l->a1 * y + l->z2;
    l->z2 = l->b2 * x - l->a2 * y;
    l->a[i - 1] = y[2];
    l->b[i - 1] = y[3];
    l->first_a = y[0];
    l->first_b = y[1];
}

/* The last sample through the second section alone; keep the states. */
static inline __attribute__((always_inline)) void lanes_end(lanes *l, size_t frames)
{
    double a01 = l->z1[0], b01 = l->z1[1], a11 = l->z1[2], b11 = l->z1[3];
    double a02 = l->z2[0], b02 = l->z2[1], a12 = l->z2[2], b12 = l->z2[3];
    l->a[frames - 1] = pm_biquad_tick(&l->s1, &a11, &a12, l->first_a);
    l->b[frames - 1] = pm_biquad_tick(&l->s1, &b11, &b12, l->first_b);
    keep_state(&l->a_states[0], a01, a02);
    keep_state(&l->a_states[1], a11, a12);
    keep_state(&l->b_states[0], b01, b02);
    keep_state(&l->b_states[1], b11, b12);
}

__attribute__((target_clones("avx2", "default"))) void
pm_biquad_process_cascade2_pair(const pm_biquad sections[2], pm_biquad_state a_states[2],
                                pm_biquad_state b_states[2], double *restrict a,
                                double *restrict b, size_t frames)
{
    if (frames == 0)
        return;
    lanes l = lanes_begin(sections, a_states, b_states, a, b);
    for (size_t i = 1; i < frames; i++)
        lanes_step(&l, i);
    lanes_end(&l, frames);
}

void pm_biquad_process_cascade_pair(const pm_biquad *sections, size_t count,
                                    pm_biquad_state *a_states, pm_biquad_state *b_states,
                                    double *restrict a, double *restrict b, size_t frames)
{
    size_t k = 0;
    for (; k + 2 <= count; k += 2)
        pm_biquad_process_cascade2_pair(&sections[k], &a_states[k], &b_states[k], a, b, frames);
    if (k == count)
        return;
    /* one section left: the two channels' chains side by side */
    pm_biquad s = sections[k];
    double a1 = a_states[k].z1, a2 = a_states[k].z2, b1 = b_states[k].z1, b2 = b_states[k].z2;
    for (size_t i = 0; i < frames; i++) {
        a[i] = pm_biquad_tick(&s, &a1, &a2, a[i]);
        b[i] = pm_biquad_tick(&s, &b1, &b2, b[i]);
    }
    keep_state(&a_states[k], a1, a2);
    keep_state(&b_states[k], b1, b2);
}

/* Two independent sets of lanes in one loop: neither waits on the other, so the processor runs
 * the second in the first's latency, nearly for free. */
__attribute__((target_clones("avx2", "default"))) void
pm_biquad_process_cascade2_two_pairs(const pm_biquad sections[2], pm_biquad_state a_states[2],
                                     pm_biquad_state b_states[2], double *restrict a,
                                     double *restrict b, const pm_biquad other_sections[2],
                                     pm_biquad_state c_states[2], pm_biquad_state d_states[2],
                                     double *restrict c, double *restrict d, size_t frames)
{
    if (frames == 0)
        return;
    lanes l = lanes_begin(sections, a_states, b_states, a, b);
    lanes m = lanes_begin(other_sections, c_states, d_states, c, d);
    for (size_t i = 1; i < frames; i++) {
        lanes_step(&l, i);
        lanes_step(&m, i);
    }
    lanes_end(&l, frames);
    lanes_end(&m, frames);
}
