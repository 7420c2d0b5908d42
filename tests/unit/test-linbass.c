/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The linear-phase mono-bass stage (linbass.h), measured with signals at 44.1, 48 and 96 kHz and
 * crossovers of 75, 150 and 300 Hz (plus the format's extremes, 10 Hz and 1 kHz). The reference
 * filter is written here from its formula (a Kaiser-windowed sinc normalised to a DC gain of 1),
 * apart from the library, and only its length is taken from pm_monobass_linear_design.
 *
 * Tolerances (from the design brief):
 *   mono         L == R comes out equal to the input, bit for bit
 *   side         -6.02 +-0.5 dB at the crossover; <= -24 dB an octave under it; 0 +-0.1 dB two
 *                octaves above; a side-only input stays side-only (L + R == 0 exactly)
 *   phase        an L-only tone (equal mid and side) from 2x the crossover to 20 kHz: the side
 *                within 1 degree of the mid
 *   alignment    an impulse on L at frame n gives its mid part (0.5) at frame n and nowhere else,
 *                and a side part symmetric about n within 1e-12; the first process calls give
 *                latency frames fewer than they take and drain gives them back
 *   exactness    the side output equals the direct convolution with the reference taps within
 *                1e-12 (the FFT's rounding, far under the 24-bit floor)
 *   blocks       blocks of 1, 7, 4000 and 4096 frames, in place or not, and a small output room,
 *                give bit-identical output
 *   engine       a project with <monobass phase="linear"> on a track and on the album renders
 *                the plan's length, and a mono source comes out on its planned frames unchanged
 */
#include "alloc.h"
#include "chain.h"
#include "dsp/linbass.h"
#include "engine.h"
#include "plan.h"
#include "project.h"

#include "../tap.h"
#include "capture.h"
#include "measure.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMP 0.5

typedef struct config {
    double rate, below;
} config;

static const config configs[] = {
    {44100, 75},  {44100, 150}, {44100, 300}, {48000, 75},  {48000, 150},
    {48000, 300}, {96000, 75},  {96000, 150}, {96000, 300},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])
/* The format's extremes: measured for response and phase too. */
static const config extremes[] = {{96000, 10}, {44100, 1000}};

/* Worst figures over every configuration, for the summary line. */
typedef struct worst {
    double xover_dev, below_db, above_dev, phase_deg, conv_err, symmetry_err;
} worst;

static pm_stage *new_started(double rate, double below, int channels)
{
    pm_stage *st = NULL;
    if (pm_monobass_linear_new(below, &st, NULL) != PM_OK ||
        measure_start_stage(st, rate, channels, NULL) != PM_OK) {
        pm_stage_free(st);
        bail_out("monobass-linear %g Hz does not start at %g Hz", below, rate);
    }
    return st;
}

/*
 * Run a whole stream through st: n frames in blocks of block, the output given room for room
 * frames (or the block itself, in place, when room is 0), then drain. The output goes to
 * outl, outr (room for n frames); returns the frames produced. *swallowed gets how many
 * fewer frames than it took the stage gave before drain.
 */
static size_t run_stream(pm_stage *st, const double *l, const double *r, size_t n, size_t block,
                         size_t room, double *outl, double *outr, size_t *swallowed)
{
    size_t cap = room ? room : block, at = 0, total = 0, used, produced;
    double *bl = measure_alloc(cap * sizeof *bl), *br = measure_alloc(cap * sizeof *br);
    double *o[2] = {bl, br};
    while (at < n) {
        size_t len = n - at < block ? n - at : block;
        if (room) {
            const double *in[2] = {l + at, r + at};
            pm_stage_process(st, in, len, &used, o, cap, &produced);
        } else {
            memcpy(bl, l + at, len * sizeof *bl);
            memcpy(br, r + at, len * sizeof *br);
            pm_stage_process(st, (const double *const *)o, len, &used, o, len, &produced);
            if (used != len)
                ok(0, "in place, a block of %zu was not used whole (%zu)", len, used);
        }
        if ((used == 0 && produced == 0) || total + produced > n)
            bail_out("the stage stalled or overran at frame %zu", at);
        memcpy(outl + total, bl, produced * sizeof *bl);
        memcpy(outr + total, br, produced * sizeof *br);
        total += produced;
        at += used;
    }
    *swallowed = at - total;
    do {
        pm_stage_drain(st, o, cap, &produced);
        if (total + produced > n)
            bail_out("drain overran");
        memcpy(outl + total, bl, produced * sizeof *bl);
        memcpy(outr + total, br, produced * sizeof *br);
        total += produced;
    } while (produced);
    free(bl);
    free(br);
    return total;
}

/* Noise in [-amp, amp] from the generator. */
static double *noise(size_t n, double amp, uint64_t *rng)
{
    double *x = measure_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = amp * ((double)tap_rand_below(rng, 2000001) / 1e6 - 1);
    return x;
}

/* ---------------------------------------------------------------------------------------------
 * The reference low-pass, from the formula.
 */

static double ref_i0(double x)
{
    double sum = 1, term = 1;
    for (int k = 1; k < 1000; k++) {
        term *= (x / 2) * (x / 2) / ((double)k * k);
        sum += term;
    }
    return sum;
}

/* h[n] = sinc at below (a fraction 2 below / rate of Nyquist) times Kaiser(beta 5.653), sum 1. */
static double *ref_lowpass(size_t taps, double rate, double below)
{
    double *h = measure_alloc(taps * sizeof *h), centre = (double)(taps - 1) / 2, sum = 0;
    double fc = 2 * below / rate, beta = 0.1102 * (60 - 8.7);
    for (size_t i = 0; i < taps; i++) {
        double m = (double)i - centre, x = m / centre;
        double ideal = m == 0 ? fc : sin(MEASURE_PI * fc * m) / (MEASURE_PI * m);
        h[i] = ideal * ref_i0(beta * sqrt(fmax(0, 1 - x * x))) / ref_i0(beta);
        sum += h[i];
    }
    for (size_t i = 0; i < taps; i++)
        h[i] /= sum;
    return h;
}

/* ---------------------------------------------------------------------------------------------
 * Alignment, latency and exactness.
 */

static void test_impulse(const config *c, const pm_monobass_linear_shape *shape, worst *w)
{
    pm_stage *st = new_started(c->rate, c->below, 2);
    /* The group delay of the FIR as applied: the low-pass's centre behind block - 1 zeros. */
    size_t half = (shape->taps - 1) / 2, lat = half + shape->block_frames - 1;
    ok(pm_stage_latency(st) == lat && shape->latency_frames == lat && shape->taps % 2 == 1,
       "%g Hz at %g Hz: latency %zu frames = (%zu taps - 1) / 2 + block %zu - 1 (%.1f ms)",
       c->below, c->rate, pm_stage_latency(st), shape->taps, shape->block_frames,
       1000.0 * (double)lat / c->rate);
    /* An impulse on L away from any block boundary, in a stream that runs on past its reach. */
    size_t n0 = lat + 3 * shape->block_frames / 2 + 17, n = n0 + half + 2 * shape->block_frames;
    double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
    double *ol = measure_alloc(n * sizeof *ol), *orr = measure_alloc(n * sizeof *orr);
    l[n0] = 1;
    size_t swallowed,
        got = run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, ol, orr, &swallowed);
    ok(got == n && swallowed == lat,
       "%g Hz at %g Hz: %zu frames in, %zu out; process held back %zu (the latency), drain gave "
       "them back",
       c->below, c->rate, n, got, swallowed);
    /* The mid part: 0.5 at n0, exactly 0 elsewhere. */
    int mid_elsewhere = 0;
    for (size_t i = 0; i < n; i++)
        if (i != n0 && ol[i] + orr[i] != 0)
            mid_elsewhere++;
    ok(fabs(0.5 * (ol[n0] + orr[n0]) - 0.5) <= 1e-15 && mid_elsewhere == 0,
       "%g Hz at %g Hz: the impulse's mid part comes out at its own frame (%.17g) and nowhere "
       "else (%d frames)",
       c->below, c->rate, 0.5 * (ol[n0] + orr[n0]), mid_elsewhere);
    /* The side part: the reference high-pass centred on n0. */
    double *h = ref_lowpass(shape->taps, c->rate, c->below);
    double dev = 0, sym = 0, outside = 0;
    size_t peak = 0;
    for (size_t i = 0; i < n; i++) {
        double side = 0.5 * (ol[i] - orr[i]), ref = 0;
        if (i + half >= n0 && i <= n0 + half)
            ref = 0.5 * ((i == n0) - h[i + half - n0]);
        else
            outside = fmax(outside, fabs(side));
        dev = fmax(dev, fabs(side - ref));
        if (fabs(side) > fabs(0.5 * (ol[peak] - orr[peak])))
            peak = i;
        if (i <= n0 && 2 * n0 - i < n)
            sym = fmax(sym, fabs(side - 0.5 * (ol[2 * n0 - i] - orr[2 * n0 - i])));
    }
    w->symmetry_err = fmax(w->symmetry_err, sym);
    ok(peak == n0 && sym <= 1e-12,
       "%g Hz at %g Hz: the side part peaks at the impulse's frame and is symmetric about it "
       "within %.2g: the latency is the group delay",
       c->below, c->rate, sym);
    ok(dev <= 1e-12 && outside <= 1e-12,
       "%g Hz at %g Hz: the side part is the reference high-pass within %.2g (%.2g outside its "
       "%zu taps)",
       c->below, c->rate, dev, outside, shape->taps);
    free(l);
    free(r);
    free(ol);
    free(orr);

    /* Noise on the side against the direct convolution. */
    uint64_t rng = 99;
    n = lat + 4 * shape->block_frames + 333;
    l = noise(n, AMP, &rng);
    r = noise(n, AMP, &rng);
    ol = measure_alloc(n * sizeof *ol);
    orr = measure_alloc(n * sizeof *orr);
    pm_stage_reset(st);
    run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, ol, orr, &swallowed);
    double err = 0;
    for (size_t i = 0; i < n; i++) {
        double low = 0;
        for (size_t k = 0; k < shape->taps; k++) {
            size_t j = i + half - k; /* wraps past the ends: silence */
            if (j < n)
                low += h[k] * 0.5 * (l[j] - r[j]);
        }
        err = fmax(err, fabs(0.5 * (ol[i] - orr[i]) - (0.5 * (l[i] - r[i]) - low)));
        err = fmax(err, fabs(0.5 * (ol[i] + orr[i]) - 0.5 * (l[i] + r[i])));
    }
    w->conv_err = fmax(w->conv_err, err);
    ok(err <= 1e-12, "%g Hz at %g Hz: noise matches the direct convolution within %.2g", c->below,
       c->rate, err);
    free(h);
    free(l);
    free(r);
    free(ol);
    free(orr);
    pm_stage_free(st);
}

/* ---------------------------------------------------------------------------------------------
 * Responses.
 */

static void test_mono(const config *c, const pm_monobass_linear_shape *shape)
{
    pm_stage *st = new_started(c->rate, c->below, 2);
    uint64_t rng = 4242;
    size_t n = shape->latency_frames + 5 * shape->block_frames + 1001, swallowed;
    double *l = noise(n, 0.3, &rng), *r = measure_alloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        l[i] += 0.4 * sin(2 * MEASURE_PI * 0.5 * c->below * (double)i / c->rate);
        r[i] = l[i];
    }
    double *ol = measure_alloc(n * sizeof *ol), *orr = measure_alloc(n * sizeof *orr);
    size_t got = run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, ol, orr, &swallowed);
    ok(got == n && !memcmp(ol, l, n * sizeof *l) && !memcmp(orr, r, n * sizeof *r),
       "%g Hz at %g Hz: a mono signal (noise and a sine at half the crossover) comes out "
       "bit for bit, frame for frame",
       c->below, c->rate);
    free(l);
    free(r);
    free(ol);
    free(orr);
    pm_stage_free(st);
}

/* Least squares y ~ a cos(wn) + b sin(wn) over y[start .. start + n): y = amp sin(wn + phase). */
static void fit(const double *y, size_t start, size_t n, double rate, double freq, double *amp,
                double *phase)
{
    double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0, w = 2 * MEASURE_PI * freq / rate;
    for (size_t i = start; i < start + n; i++) {
        double co = cos(w * (double)i), si = sin(w * (double)i);
        cc += co * co;
        ss += si * si;
        cs += co * si;
        yc += y[i] * co;
        ys += y[i] * si;
    }
    double det = cc * ss - cs * cs, a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
    *amp = hypot(a, b);
    *phase = atan2(a, b);
}

/*
 * A tone at freq through the stage: L = AMP sin and R = side_only ? -L : 0 (an L-only tone is
 * equal mid and side). Fills the side's and the mid's gain (dB against AMP / 2 for L-only) and
 * phase; *leak gets max |L + R| (the mid a side-only input leaks).
 */
static void tone(const config *c, const pm_monobass_linear_shape *shape, double freq, int side_only,
                 double *side_db, double *phase_deg, double *leak)
{
    pm_stage *st = new_started(c->rate, c->below, 2);
    /* Settle past the filter's reach, fit, and stop before the tail after the end. */
    measure_span sp = measure_span_for(c->rate, freq, 0.02 + (double)shape->taps / c->rate);
    size_t n = sp.settle + sp.window + shape->taps, swallowed;
    double *l = measure_sine(n, c->rate, freq, AMP, 0), *r = measure_alloc(n * sizeof *r);
    for (size_t i = 0; side_only && i < n; i++)
        r[i] = -l[i];
    double *ol = measure_alloc(n * sizeof *ol), *orr = measure_alloc(n * sizeof *orr);
    run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, ol, orr, &swallowed);
    *leak = 0;
    for (size_t i = 0; i < n; i++) {
        *leak = fmax(*leak, fabs(ol[i] + orr[i]));
        double mid = 0.5 * (ol[i] + orr[i]);
        l[i] = 0.5 * (ol[i] - orr[i]); /* the side, in place of the input */
        r[i] = mid;
    }
    double side_amp, side_phase, mid_amp, mid_phase;
    fit(l, sp.settle, sp.window, c->rate, freq, &side_amp, &side_phase);
    fit(r, sp.settle, sp.window, c->rate, freq, &mid_amp, &mid_phase);
    *side_db = measure_db(side_amp / (side_only ? AMP : AMP / 2));
    double d = (side_phase - mid_phase) * 180 / MEASURE_PI;
    *phase_deg = side_only ? 0 : fabs(remainder(d, 360));
    free(l);
    free(r);
    free(ol);
    free(orr);
    pm_stage_free(st);
}

static void test_response(const config *c, const pm_monobass_linear_shape *shape, worst *w)
{
    static const double at[3] = {0.5, 1, 4};
    double g[3], phase, leak, worst_leak = 0;
    for (int j = 0; j < 3; j++) {
        tone(c, shape, at[j] * c->below, 1, &g[j], &phase, &leak);
        worst_leak = fmax(worst_leak, leak);
    }
    double ref = -20 * log10(2);
    w->xover_dev = fmax(w->xover_dev, fabs(g[1] - ref));
    w->below_db = fmax(w->below_db, g[0]);
    w->above_dev = fmax(w->above_dev, fabs(g[2]));
    ok(fabs(g[1] - ref) <= 0.5, "%g Hz at %g Hz: side %.3f dB at the crossover (-6.02 +-0.5)",
       c->below, c->rate, g[1]);
    ok(g[0] <= -24, "%g Hz at %g Hz: side %.2f dB an octave below (<= -24)", c->below, c->rate,
       g[0]);
    ok(fabs(g[2]) <= 0.1, "%g Hz at %g Hz: side %.4f dB two octaves above (0 +-0.1)", c->below,
       c->rate, g[2]);
    ok(worst_leak == 0, "%g Hz at %g Hz: a side-only input stays side-only (L + R == 0)", c->below,
       c->rate);

    /* Phase of the side against the mid, 2x the crossover to 20 kHz, 8 log-spaced points. */
    double worst_phase = 0, worst_gain = 0, f_worst = 0;
    for (int k = 0; k < 8; k++) {
        double f = 2 * c->below * pow(20000 / (2 * c->below), k / 7.0), db;
        tone(c, shape, f, 0, &db, &phase, &leak);
        worst_gain = fmax(worst_gain, fabs(db));
        if (phase >= worst_phase) {
            worst_phase = phase;
            f_worst = f;
        }
    }
    w->phase_deg = fmax(w->phase_deg, worst_phase);
    ok(worst_phase <= 1,
       "%g Hz at %g Hz: side in phase with mid from %g Hz to 20 kHz: worst "
       "%.2g degrees (at %.0f Hz; <= 1), gain within %.4f dB",
       c->below, c->rate, 2 * c->below, worst_phase, f_worst, worst_gain);
}

/* ---------------------------------------------------------------------------------------------
 * Blocks, recovery, refusals, memory.
 */

static void test_blocks(const config *c, const pm_monobass_linear_shape *shape)
{
    pm_stage *st = new_started(c->rate, c->below, 2);
    uint64_t rng = 7;
    size_t n = shape->latency_frames + 4 * shape->block_frames + 1234, swallowed;
    double *l = noise(n, AMP, &rng), *r = noise(n, AMP, &rng);
    for (size_t i = 0; i < n; i++)
        l[i] += 0.4 * sin(2 * MEASURE_PI * 0.6 * c->below * (double)i / c->rate);
    double *refl = measure_alloc(n * sizeof *refl), *refr = measure_alloc(n * sizeof *refr);
    double *gl = measure_alloc(n * sizeof *gl), *gr = measure_alloc(n * sizeof *gr);
    run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, refl, refr, &swallowed);
    static const struct {
        size_t block, room;
    } runs[] = {{1, 1}, {7, 7}, {4000, 4000}, {1, 0}, {7, 0}, {4096, 0}, {4096, 100}};
    int same = 1;
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        pm_stage_reset(st);
        memset(gl, 0, n * sizeof *gl);
        size_t got = run_stream(st, l, r, n, runs[k].block, runs[k].room, gl, gr, &swallowed);
        int this =
            got == n && !memcmp(gl, refl, n * sizeof *gl) && !memcmp(gr, refr, n * sizeof *gr);
        if (!this)
            diag("blocks of %zu, room %zu: differs", runs[k].block, runs[k].room);
        same &= this;
    }
    ok(same,
       "%g Hz at %g Hz: blocks of 1, 7, 4000 and 4096, in place or not, and 100 frames of "
       "output room give output bit-identical to blocks of 4096",
       c->below, c->rate);
    free(l);
    free(r);
    free(refl);
    free(refr);
    free(gl);
    free(gr);
    pm_stage_free(st);
}

static void test_recovery(void)
{
    pm_monobass_linear_shape shape;
    if (pm_monobass_linear_design(150, 48000, &shape) != PM_OK)
        bail_out("no design for 150 Hz at 48 kHz");
    pm_stage *st = new_started(48000, 150, 2);
    uint64_t rng = 5;
    size_t n = 48000, n0 = 20000, reach = shape.taps + 2 * shape.block_frames, swallowed;
    double *l = noise(n, AMP, &rng), *r = noise(n, AMP, &rng);
    double *cl = measure_alloc(n * sizeof *cl), *cr = measure_alloc(n * sizeof *cr);
    double *ol = measure_alloc(n * sizeof *ol), *orr = measure_alloc(n * sizeof *orr);
    run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, cl, cr, &swallowed);
    l[n0] = NAN;
    r[n0 + 5] = INFINITY;
    pm_stage_reset(st);
    run_stream(st, l, r, n, MEASURE_BLOCK, MEASURE_BLOCK, ol, orr, &swallowed);
    int clean = 1, spoiled = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + reach < n0 || i > n0 + 5 + reach)
            clean &= ol[i] == cl[i] && orr[i] == cr[i];
        spoiled += !isfinite(ol[i]);
    }
    ok(clean && spoiled > 0,
       "a NaN and an infinity spoil only the frames within %zu of them (%d frames); the rest is "
       "bit-identical to a clean run",
       reach, spoiled);
    free(l);
    free(r);
    free(cl);
    free(cr);
    free(ol);
    free(orr);
    pm_stage_free(st);

    /* One channel: a copy with no latency. */
    st = new_started(48000, 150, 1);
    double x[100], y[100];
    for (int i = 0; i < 100; i++)
        x[i] = sin(i);
    double *in[1] = {x}, *out[1] = {y};
    size_t used, produced;
    pm_stage_process(st, (const double *const *)in, 100, &used, out, 100, &produced);
    ok(used == 100 && produced == 100 && !memcmp(x, y, sizeof x) && pm_stage_latency(st) == 0,
       "one channel passes through with no latency");
    pm_stage_free(st);
}

static void test_refusals(void)
{
    pm_diag *diag = pm_diag_new();
    pm_stage *st = NULL;
    ok(pm_monobass_linear_new(9.9, &st, diag) == PM_ERR_INVALID && !st &&
           pm_monobass_linear_new(1001, &st, diag) == PM_ERR_INVALID &&
           pm_monobass_linear_new(NAN, &st, diag) == PM_ERR_INVALID && !st &&
           pm_diag_count(diag) == 3 && strstr(pm_diag_get(diag, 0)->message, "10 to 1000 Hz"),
       "crossovers under 10 Hz, over 1 kHz and NaN are refused with the range");
    ok(pm_monobass_linear_new(1000, &st, diag) == PM_OK &&
           measure_start_stage(st, 2500, 2, diag) == PM_ERR_INVALID && pm_diag_count(diag) == 4 &&
           strstr(pm_diag_get(diag, 3)->message, "Nyquist"),
       "1 kHz refuses to start at 2.5 kHz, naming the Nyquist frequency");
    pm_stage_free(st);
    pm_monobass_linear_shape shape = {0};
    ok(pm_monobass_linear_design(300, 0, &shape) == PM_ERR_INVALID &&
           pm_monobass_linear_design(5, 48000, &shape) == PM_ERR_INVALID && shape.taps == 0,
       "the design refuses a rate of 0 and a crossover of 5 Hz");
    pm_diag_free(diag);

    /* Every allocation can fail: the constructor's, then each of start's in turn. */
    pm_alloc_fail_after(1);
    pm_status status = pm_monobass_linear_new(150, &st, NULL);
    pm_alloc_fail_after(0);
    int all = status == PM_ERR_NOMEM && !st, fails = 0;
    for (unsigned long k = 1; k < 40; k++) {
        if (pm_monobass_linear_new(150, &st, NULL) != PM_OK)
            bail_out("cannot make the stage");
        pm_alloc_fail_after(k);
        status = measure_start_stage(st, 48000, 2, NULL);
        pm_alloc_fail_after(0);
        if (status == PM_OK) {
            pm_stage_free(st);
            break;
        }
        all &= status == PM_ERR_NOMEM;
        fails++;
        pm_stage_free(st);
    }
    ok(all && fails >= 11,
       "an allocation failure in the constructor or in any of start's %d "
       "allocations is PM_ERR_NOMEM, and the stage frees cleanly",
       fails);
}

/* The project's <monobass phase="linear"> builds this stage through the chain. */
static void test_chain(void)
{
    pm_proc procs[2] = {{.kind = PM_PROC_MONOBASS, .freq_hz = 150, .phase = PM_PHASE_LINEAR},
                        {.kind = PM_PROC_MONOBASS, .freq_hz = 150, .phase = PM_PHASE_MINIMUM}};
    pm_chain chain = {procs, 2, 1};
    pm_stage **stages = NULL;
    size_t count = 0;
    pm_diag *diag = pm_diag_new();
    pm_status status = pm_chain_stages(&chain, "test.xml", diag, &stages, &count);
    ok(status == PM_OK && count == 2 && !strcmp(stages[0]->ops->name, "monobass-linear") &&
           !strcmp(stages[1]->ops->name, "monobass"),
       "phase=\"linear\" builds monobass-linear, phase=\"minimum\" the LR4 stage");
    pm_chain_stages_free(stages, count);
    procs[0].freq_hz = 5;
    status = pm_chain_stages(&chain, "test.xml", diag, &stages, &count);
    ok(status == PM_ERR_INVALID && pm_diag_count(diag) == 2,
       "a crossover out of range is refused at the processor's line");
    pm_diag_free(diag);
}

/* ---------------------------------------------------------------------------------------------
 * Through the engine: the stage inside a track's chain and the album's.
 */

static void test_engine(void)
{
    char dir[] = "/tmp/pm-linbass.XXXXXX", path[600];
    if (!mkdtemp(dir))
        bail_out("cannot make a folder");
    /* 5 s of mono noise in a stereo 48 kHz float file (a CD track lasts 4 s at least). */
    size_t frames = 240000;
    float *src = measure_alloc(2 * frames * sizeof *src);
    uint64_t rng = 11;
    for (size_t i = 0; i < frames; i++)
        src[2 * i] = src[2 * i + 1] = (float)(0.3 * ((double)tap_rand_below(&rng, 2001) / 1e3 - 1));
    snprintf(path, sizeof path, "%s/mono.wav", dir);
    SF_INFO info = {.samplerate = 48000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f || sf_writef_float(f, src, (sf_count_t)frames) != (sf_count_t)frames)
        bail_out("cannot write %s", path);
    sf_close(f);
    snprintf(path, sizeof path, "%s/linear.xml", dir);
    FILE *x = fopen(path, "w");
    if (!x)
        bail_out("cannot write %s", path);
    fprintf(x, "<premaster version=\"1\" rate=\"48000\">\n"
               "  <album title=\"Linear\" artist=\"Test\"/>\n"
               "  <master><monobass below=\"150\" phase=\"linear\"/></master>\n"
               "  <tracks>\n"
               "    <track src=\"mono.wav\" title=\"One\" gap=\"2\">\n"
               "      <master><monobass below=\"10\" phase=\"linear\"/></master>\n"
               "    </track>\n"
               "  </tracks>\n"
               "  <deliver><cd/></deliver>\n"
               "</premaster>\n");
    fclose(x);
    pm_project *project = NULL;
    pm_diag *d = pm_diag_new();
    pm_status status = pm_project_load(path, d, &project);
    show_diag(d);
    if (status != PM_OK || !project)
        bail_out("the test project does not load");
    capture c = {0};
    d = pm_diag_new();
    status = pm_engine_master(project, capture_block, &c, "test", NULL, NULL, d);
    show_diag(d);
    const pm_plan *plan = project->plan;
    int64_t start = plan->items[0].start;
    int exact = status == PM_OK && c.n == (size_t)plan->total && start >= 0 &&
                (size_t)start + frames <= c.n;
    for (size_t i = 0; exact && i < c.n; i++) {
        double want = i >= (size_t)start && i < (size_t)start + frames
                          ? (double)src[2 * (i - (size_t)start)]
                          : 0.0;
        exact &= c.l[i] == want && c.r[i] == want;
    }
    ok(exact,
       "a project with linear mono bass on the track (10 Hz) and the album (150 Hz) "
       "renders %zu frames (the plan: %lld), the mono track bit for bit on its planned frames",
       c.n, (long long)plan->total);
    free(c.l);
    free(c.r);
    free(src);
    pm_project_free(project);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    if (system(path) != 0)
        diag("could not remove %s", dir);
}

int main(void)
{
    worst w = {0, -INFINITY, 0, 0, 0, 0};
    for (size_t k = 0; k < NCONFIGS + 2; k++) {
        const config *c = k < NCONFIGS ? &configs[k] : &extremes[k - NCONFIGS];
        pm_monobass_linear_shape shape;
        if (pm_monobass_linear_design(c->below, c->rate, &shape) != PM_OK)
            bail_out("no design for %g Hz at %g Hz", c->below, c->rate);
        diag("%g Hz at %g Hz: %zu taps, blocks of %zu frames, %zu partitions, latency %zu "
             "frames (%.1f ms)",
             c->below, c->rate, shape.taps, shape.block_frames, shape.partitions,
             shape.latency_frames, 1000.0 * (double)shape.latency_frames / c->rate);
        test_response(c, &shape, &w);
        if (k >= NCONFIGS)
            continue;
        test_impulse(c, &shape, &w);
        test_mono(c, &shape);
        test_blocks(c, &shape);
    }
    test_recovery();
    test_refusals();
    test_chain();
    test_engine();
    diag("worst cases: side at the crossover off by %.3f dB, an octave below %.2f dB, two "
         "octaves above off by %.4f dB, side-mid phase %.2g degrees, against direct "
         "convolution %.2g, impulse symmetry %.2g",
         w.xover_dev, w.below_db, w.above_dev, w.phase_deg, w.conv_err, w.symmetry_err);
    return done_testing();
}
