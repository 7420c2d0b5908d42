/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The compressor and the de-esser (dynamics.h) measured with signals. Gains are read in two
 * ways: in steady state by fitting the output's amplitude at the tone's frequency (measure.h),
 * and sample by sample as out / in where the input is a constant (DC steps). References are
 * written here from the formulas, apart from the library.
 *
 * Compressor (tolerances from the design brief):
 *   static curve   steady sines from -60 to 0 dBFS in 3 dB steps, 5 curves (thresholds, ratios,
 *                  knees, makeup and auto makeup), peak and RMS detection, at 48 kHz (1 kHz: a
 *                  sample on every crest, 10 cycles in the RMS window) and 44.1 kHz (997 Hz: no
 *                  such luck): the output level within 0.1 dB of the formula plus makeup. Peak
 *                  detection: the formula at the sine's peak level 20 log10(A). RMS detection:
 *                  at its RMS level 20 log10(A / sqrt 2).
 *   timing         DC steps from 20 dB under the threshold to 20 dB over and back: the reduction
 *                  reaches 63 % (1 - 1/e) of its change within 10 % of the attack time, and
 *                  recovers 63 % within 10 % of the release time (the peak hold included)
 *   stereo link    a tone on one side only reduces the quiet other side by the same gain
 *                  (per-sample gains equal within 1e-12; the steady gain as the curve says)
 *   ratio 1        transparent, bit for bit
 *   block sizes    1, 7, 4096 and 4000 frames, in place or not, after reset: bit-identical
 * De-esser:
 *   a 7 kHz burst 18 dB over the threshold (freq 7k, threshold -30, range 6): reduced by the
 *   range +-1 dB in steady state; a burst 3 dB over is reduced by 3 dB (+-0.25), down to the
 *   threshold; range 3, 6, 12 cap the reduction (+-0.1 dB); a loud 1 kHz tone, alone or under a
 *   burst, keeps its level within 0.1 dB; below the threshold the output equals the input within
 *   1e-9; stereo link; statistics; block sizes.
 */
#include "alloc.h"
#include "dsp/dynamics.h"

#include "../tap.h"
#include "measure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double from_db(double db)
{
    return pow(10, db / 20);
}

/* ---------------------------------------------------------------------------------------------
 * References.
 */

/* The static curve as the brief gives it: the gain in dB (<= 0) at level x. */
static double ref_gain_db(double t, double r, double w, double x)
{
    if (x < t - w / 2)
        return 0;
    if (x > t + w / 2)
        return (t + (x - t) / r) - x;
    return (1 / r - 1) * (x - t + w / 2) * (x - t + w / 2) / (2 * w);
}

/* Half the reduction at 0 dB. */
static double ref_auto_makeup_db(double t, double r, double w)
{
    return -ref_gain_db(t, r, w, 0) / 2;
}

static pm_stage *compressor_started(const pm_compressor_params *p, double rate)
{
    pm_stage *st = NULL;
    if (pm_compressor_new(p, &st, NULL) != PM_OK || measure_start_stage(st, rate, 2, NULL)) {
        pm_stage_free(st);
        return NULL;
    }
    return st;
}

static pm_stage *deess_started(double freq, double threshold, double range, double rate)
{
    pm_stage *st = NULL;
    if (pm_deess_new(freq, threshold, range, &st, NULL) != PM_OK ||
        measure_start_stage(st, rate, 2, NULL)) {
        pm_stage_free(st);
        return NULL;
    }
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Compressor: static curve.
 */

typedef struct curve_case {
    double threshold_db, ratio, knee_db, makeup_db;
    int makeup_auto;
} curve_case;

static const curve_case curves[] = {
    {-20, 4, 0, 0, 0}, {-30, 2, 6, 3, 0}, {-12, 10, 12, 0, 1}, {-40, 1.5, 24, 0, 0},
    {-6, 100, 0, -1, 0},
};

static void test_static_curve(double *worst)
{
    static const double rates[] = {48000, 44100}, freqs[] = {1000, 997};
    for (size_t k = 0; k < sizeof curves / sizeof curves[0]; k++)
        for (int det = 0; det <= 1; det++)
            for (int ri = 0; ri < 2; ri++) {
                const curve_case *cc = &curves[k];
                double rate = rates[ri], f = freqs[ri];
                pm_compressor_params p = {cc->threshold_db, cc->ratio, 0.010, 0.100, cc->knee_db,
                                          cc->makeup_db, cc->makeup_auto,
                                          det ? PM_COMPRESSOR_RMS : PM_COMPRESSOR_PEAK};
                double makeup = cc->makeup_auto ? ref_auto_makeup_db(cc->threshold_db, cc->ratio,
                                                                     cc->knee_db)
                                                : cc->makeup_db;
                pm_stage *st = compressor_started(&p, rate);
                double dev = 0, at = 0;
                /* 0.4 s: 40 attack times and 40 RMS windows; fitted over the last 0.1 s. */
                size_t n = (size_t)(0.4 * rate), window = (size_t)(0.1 * rate);
                for (int step = 0; st && step <= 20; step++) {
                    double level = -60 + 3 * step, amp = from_db(level);
                    double *l = measure_sine(n, rate, f, amp, 0);
                    /*
                     * The right channel in phase and 6 dB down: the left sets the level, and
                     * both must get its gain. (In quadrature the two channels would hide a
                     * detector that follows the waveform: max(|sin|, |cos|) hardly dips.)
                     */
                    double *r = measure_sine(n, rate, f, amp / 2, 0);
                    pm_stage_reset(st);
                    measure_run_stage(st, l, r, n, MEASURE_BLOCK);
                    double x = det ? level - 10 * log10(2) : level;
                    double want = ref_gain_db(cc->threshold_db, cc->ratio, cc->knee_db, x) + makeup;
                    for (int c = 0; c < 2; c++) {
                        double got = measure_db(
                            measure_fit_amplitude(c ? r : l, n - window, window, rate, f) /
                            (c ? amp / 2 : amp));
                        if (!(fabs(got - want) <= dev))
                            dev = fabs(got - want), at = level;
                    }
                    free(l);
                    free(r);
                }
                *worst = fmax(*worst, dev);
                ok(st && dev <= 0.1,
                   "static curve T %g R %g W %g makeup %s%g, %s, %g Hz at %g Hz: 21 levels within "
                   "0.1 dB of the formula (worst %.2g dB at %g dBFS)",
                   cc->threshold_db, cc->ratio, cc->knee_db, cc->makeup_auto ? "auto " : "",
                   makeup, det ? "rms" : "peak", f, rate, dev, at);
                pm_stage_free(st);
            }
}

static void test_makeup_rule(void)
{
    pm_compressor_params p = {-20, 4, 0.01, 0.1, 0, 5, 1, PM_COMPRESSOR_PEAK};
    double hard = pm_compressor_makeup_db(&p);
    p.threshold_db = -3;
    p.ratio = 2;
    p.knee_db = 12; /* 0 dB lies inside the knee */
    double knee = pm_compressor_makeup_db(&p);
    p.makeup_auto = 0;
    double given = pm_compressor_makeup_db(&p);
    ok(fabs(hard - 7.5) < 1e-12 && fabs(knee - ref_auto_makeup_db(-3, 2, 12)) < 1e-12 &&
           given == 5,
       "auto makeup is half the reduction at 0 dB: %g dB at -20/4:1, %g dB in a knee; a given "
       "makeup is kept (%g)",
       hard, knee, given);
}

/* ---------------------------------------------------------------------------------------------
 * Compressor: attack and release.
 */

/* The reduction in dB of each sample of a DC input: -20 log10(out / in). */
static void reduction_of(const double *in, const double *out, double *red, size_t n)
{
    for (size_t i = 0; i < n; i++)
        red[i] = -measure_db(out[i] / in[i]);
}

/* Samples from `from` until red first passes `mark` (upwards when rising), counting the first. */
static double frames_to_cross(const double *red, size_t from, size_t n, double mark, int rising)
{
    for (size_t i = from; i < n; i++)
        if (rising ? red[i] >= mark : red[i] <= mark) {
            /* Linear interpolation between the two samples around the mark. */
            double prev = red[i - 1]; /* from >= 1: the sample before the step */
            double frac = red[i] != prev ? (mark - prev) / (red[i] - prev) : 1;
            return (double)(i - from) + frac;
        }
    return INFINITY;
}

static void test_timing(double *worst_attack, double *worst_release)
{
    static const double times[][2] = {
        {0.001, 0.050}, {0.010, 0.100}, {0.030, 0.250}, {0.100, 1.0}, {0.005, 0.010},
    };
    double rate = 48000, t = -30, ratio = 4;
    double full = 20 * (1 - 1 / ratio); /* DC 20 dB over the threshold: 15 dB */
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        double attack = times[k][0], release = times[k][1];
        pm_compressor_params p = {t, ratio, attack, release, 0, 0, 0, PM_COMPRESSOR_PEAK};
        pm_stage *st = compressor_started(&p, rate);
        size_t up = (size_t)(0.1 * rate), down = up + (size_t)(fmax(0.5, 15 * attack) * rate);
        size_t n = down + (size_t)(12 * release * rate);
        double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
        double *in = measure_alloc(n * sizeof *in), *red = measure_alloc(n * sizeof *red);
        for (size_t i = 0; i < n; i++)
            in[i] = l[i] = r[i] = from_db(i >= up && i < down ? t + 20 : t - 20);
        if (st)
            measure_run_stage(st, l, r, n, MEASURE_BLOCK);
        reduction_of(in, l, red, n);
        double ta = frames_to_cross(red, up, n, (1 - exp(-1)) * full, 1) / rate;
        double tr = frames_to_cross(red, down, n, exp(-1) * full, 0) / rate;
        double ea = fabs(ta / attack - 1), er = fabs(tr / release - 1);
        *worst_attack = fmax(*worst_attack, ea);
        *worst_release = fmax(*worst_release, er);
        ok(st && ea <= 0.1 && fabs(red[down - 1] - full) < 1e-4,
           "attack %g ms: 63 %% of the 15 dB step in %.3f ms (%.1f %% off)", 1000 * attack,
           1000 * ta, 100 * ea);
        ok(st && er <= 0.1 && red[n - 1] < 1e-3,
           "release %g ms: 63 %% recovered in %.3f ms (%.1f %% off)", 1000 * release, 1000 * tr,
           100 * er);
        free(l);
        free(r);
        free(in);
        free(red);
        pm_stage_free(st);
    }
    /* Attack 0: the whole reduction on the first loud sample. */
    pm_compressor_params p = {t, ratio, 0, 0.1, 0, 0, 0, PM_COMPRESSOR_PEAK};
    pm_stage *st = compressor_started(&p, rate);
    double l[4] = {0.001, 0.001, 1, 1}, r[4] = {0, 0, 0, 0};
    if (st)
        measure_run_stage(st, l, r, 4, 4);
    ok(st && l[1] == 0.001 && fabs(measure_db(l[2]) + 22.5) < 1e-9,
       "attack 0: the full reduction at once (%.6f dB at 0 dBFS, 22.5 wanted)", measure_db(l[2]));
    pm_stage_free(st);
}

/* ---------------------------------------------------------------------------------------------
 * Compressor: stereo link, ratio 1.
 */

static void test_stereo_link(double *worst)
{
    double rate = 48000;
    size_t n = (size_t)(0.5 * rate), window = (size_t)(0.1 * rate);
    for (int det = 0; det <= 1; det++)
        for (int loud = 0; loud <= 1; loud++) {
            pm_compressor_params p = {-30, 4, 0.005, 0.05, 0, 0, 0,
                                      det ? PM_COMPRESSOR_RMS : PM_COMPRESSOR_PEAK};
            pm_stage *st = compressor_started(&p, rate);
            /* The loud side: 1 kHz 24 dB over; the quiet side: 1.5 kHz 20 dB under. */
            double amp = from_db(-6), quiet = from_db(-50);
            double *a = measure_sine(n, rate, 1000, amp, 0);
            double *b = measure_sine(n, rate, 1500, quiet, 0);
            double *a0 = measure_alloc(n * sizeof *a0), *b0 = measure_alloc(n * sizeof *b0);
            memcpy(a0, a, n * sizeof *a);
            memcpy(b0, b, n * sizeof *b);
            if (st)
                measure_run_stage(st, loud ? b : a, loud ? a : b, n, MEASURE_BLOCK);
            double diff = 0;
            for (size_t i = 0; i < n; i++)
                if (fabs(a0[i]) > 1e-3 * amp && fabs(b0[i]) > 1e-3 * quiet)
                    diff = fmax(diff, fabs(a[i] / a0[i] - b[i] / b0[i]));
            double x = det ? -6 - 10 * log10(2) : -6, want = ref_gain_db(-30, 4, 0, x);
            double got =
                measure_db(measure_fit_amplitude(b, n - window, window, rate, 1500) / quiet);
            *worst = fmax(*worst, diff);
            ok(st && diff <= 1e-12 && fabs(got - want) <= 0.1,
               "%s, tone on the %s only: the quiet side is turned down by %.3f dB (%.3f wanted), "
               "per-sample gains equal within %.2g",
               det ? "rms" : "peak", loud ? "right" : "left", -got, -want, diff);
            free(a);
            free(b);
            free(a0);
            free(b0);
            pm_stage_free(st);
        }
}

/* Stereo test material: noise under bursts from -50 to 0 dBFS, a tone in the gaps. */
static void material(double *l, double *r, size_t n, double rate, uint64_t seed)
{
    uint64_t rng = seed;
    double level = 0.001;
    for (size_t i = 0; i < n; i++) {
        if (i % (size_t)(0.05 * rate) == 0)
            level = from_db(-50 + (double)tap_rand_below(&rng, 51));
        double u = (double)tap_rand_below(&rng, 2000001) / 1e6 - 1;
        double v = (double)tap_rand_below(&rng, 2000001) / 1e6 - 1;
        double tone = 0.1 * sin(2 * MEASURE_PI * 7000 * (double)i / rate);
        l[i] = level * u + ((i / 4000) % 3 == 0 ? tone : 0);
        r[i] = level * (0.5 * u + 0.5 * v);
    }
}

static void test_ratio_one(void)
{
    size_t n = 48000;
    double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
    double *l0 = measure_alloc(n * sizeof *l), *r0 = measure_alloc(n * sizeof *r);
    for (int det = 0; det <= 1; det++) {
        material(l0, r0, n, 48000, 5);
        memcpy(l, l0, n * sizeof *l);
        memcpy(r, r0, n * sizeof *r);
        pm_compressor_params p = {-40, 1, 0.001, 0.05, 12, 0, 1,
                                  det ? PM_COMPRESSOR_RMS : PM_COMPRESSOR_PEAK};
        pm_stage *st = compressor_started(&p, 48000);
        if (st)
            measure_run_stage(st, l, r, n, 1000);
        ok(st && !memcmp(l, l0, n * sizeof *l) && !memcmp(r, r0, n * sizeof *r),
           "%s: ratio 1 (auto makeup, knee 12 dB, threshold -40) is transparent, bit for bit",
           det ? "rms" : "peak");
        pm_stage_free(st);
    }
    free(l);
    free(r);
    free(l0);
    free(r0);
}

/* ---------------------------------------------------------------------------------------------
 * Both stages: block sizes, reset, recovery, refusals, allocation failure.
 */

static void run_blocks(pm_stage *st, double *l, double *r, size_t n, size_t block, int oop)
{
    double bl[MEASURE_BLOCK], br[MEASURE_BLOCK];
    for (size_t at = 0; at < n; at += block) {
        size_t len = n - at < block ? n - at : block, used = 0, produced = 0;
        double *ch[2] = {l + at, r + at}, *o[2] = {bl, br};
        pm_stage_process(st, (const double *const *)ch, len, &used, oop ? o : ch, len, &produced);
        if (oop) {
            memcpy(l + at, bl, len * sizeof *bl);
            memcpy(r + at, br, len * sizeof *br);
        }
        if (used != len || produced != len)
            ok(0, "%s took %zu and gave %zu of %zu frames", st->ops->name, used, produced, len);
    }
}

static void test_block_sizes(pm_stage *st, const char *what)
{
    size_t n = 30000;
    double *src[2], *ref[2], *got[2];
    for (int c = 0; c < 2; c++) {
        src[c] = measure_alloc(n * sizeof(double));
        ref[c] = measure_alloc(n * sizeof(double));
        got[c] = measure_alloc(n * sizeof(double));
    }
    material(src[0], src[1], n, 44100, 11);
    for (int c = 0; c < 2; c++)
        memcpy(ref[c], src[c], n * sizeof(double));
    run_blocks(st, ref[0], ref[1], n, MEASURE_BLOCK, 0);
    double change = 0;
    for (size_t i = 0; i < n; i++)
        change = fmax(change, fabs(ref[0][i] - src[0][i]));
    ok(change > 1e-3, "%s changes the test material (by up to %.3f)", what, change);
    static const size_t blocks[] = {1, 7, 4096, 4000};
    int same = 1;
    for (size_t k = 0; k < 4; k++)
        for (int oop = 0; oop <= 1; oop++) {
            pm_stage_reset(st);
            for (int c = 0; c < 2; c++)
                memcpy(got[c], src[c], n * sizeof(double));
            run_blocks(st, got[0], got[1], n, blocks[k], oop);
            int s = !memcmp(got[0], ref[0], n * sizeof(double)) &&
                    !memcmp(got[1], ref[1], n * sizeof(double));
            if (!s)
                diag("%s: blocks of %zu%s differ", what, blocks[k], oop ? " out of place" : "");
            same &= s;
        }
    ok(same, "%s: blocks of 1, 7, 4096 and 4000 frames, in place or not, after reset: "
             "bit-identical",
       what);
    ok(pm_stage_latency(st) == 0 && st->in_place, "%s: no latency, in place", what);
    for (int c = 0; c < 2; c++) {
        free(src[c]);
        free(ref[c]);
        free(got[c]);
    }
}

/*
 * A NaN and an infinity in one block: the next block is finite. Then a tail of 6.8 s of silence:
 * no subnormal sample, and afterwards a quiet tone comes out exactly as from a stage just reset
 * (the reduction has ended at 0, not crawled towards it).
 */
static void test_recovery(pm_stage *st, const char *what)
{
    enum { N = 1000 };
    double l[N], r[N], q[N], ql[N], qr[N], l2[N], r2[N];
    for (size_t i = 0; i < N; i++)
        q[i] = ql[i] = qr[i] = l2[i] = r2[i] = 1e-4 * sin(2 * MEASURE_PI * 440 * (double)i / 44100);
    pm_stage_reset(st);
    measure_run_stage(st, ql, qr, N, N);
    pm_stage_reset(st);
    for (size_t i = 0; i < N; i++)
        l[i] = r[i] = 0.5 * sin(2 * MEASURE_PI * 7000 * (double)i / 44100);
    l[10] = NAN;
    r[20] = INFINITY;
    measure_run_stage(st, l, r, N, N);
    int finite = 1, subnormal = 0;
    for (int b = 0; b < 302; b++) {
        for (size_t i = 0; i < N; i++)
            l[i] = r[i] = b < 2 ? 0.5 * sin(2 * MEASURE_PI * 7000 * (double)(i + 1) / 44100) : 0;
        measure_run_stage(st, l, r, N, N);
        for (size_t i = 0; i < N; i++) {
            finite &= isfinite(l[i]) && isfinite(r[i]) && fabs(l[i]) < 1;
            subnormal += fpclassify(l[i]) == FP_SUBNORMAL || fpclassify(r[i]) == FP_SUBNORMAL;
        }
    }
    measure_run_stage(st, l2, r2, N, N);
    ok(finite && subnormal == 0 && !memcmp(l2, ql, sizeof q) && !memcmp(r2, qr, sizeof q),
       "%s: after a NaN and an infinity the output is finite, a tail has no subnormal sample "
       "(%d), and the reduction ends at exactly 0",
       what, subnormal);
}

static void test_stage_common(void)
{
    pm_compressor_params peak = {-30, 3, 0.005, 0.08, 6, 0, 1, PM_COMPRESSOR_PEAK};
    pm_compressor_params rms = {-36, 2, 0.02, 0.2, 0, 2, 0, PM_COMPRESSOR_RMS};
    pm_stage *st[3] = {compressor_started(&peak, 44100), compressor_started(&rms, 44100),
                       deess_started(6500, -40, 9, 44100)};
    static const char *const names[3] = {"compressor (peak)", "compressor (rms)", "deess"};
    for (int k = 0; k < 3; k++) {
        if (!st[k]) {
            ok(0, "%s starts", names[k]);
            continue;
        }
        test_block_sizes(st[k], names[k]);
        test_recovery(st[k], names[k]);
        size_t produced = 1;
        double buf[1], *o[2] = {buf, buf};
        pm_stage_drain(st[k], o, 1, &produced);
        ok(produced == 0, "%s drains nothing", names[k]);
        pm_stage_free(st[k]);
    }
}

/* One channel: the same as stereo with a silent right channel, which adds nothing to the level. */
static void test_mono(void)
{
    size_t n = 20000;
    double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
    double *m = measure_alloc(n * sizeof *m), *z = measure_alloc(n * sizeof *z);
    for (int kind = 0; kind < 3; kind++) {
        material(l, r, n, 44100, 21);
        memcpy(m, l, n * sizeof *m);
        memset(z, 0, n * sizeof *z);
        pm_compressor_params p = {-30, 3, 0.002, 0.05, 3, 0, 0,
                                  kind ? PM_COMPRESSOR_RMS : PM_COMPRESSOR_PEAK};
        pm_stage *st = NULL, *mono = NULL;
        int made = kind == 2 ? pm_deess_new(7000, -40, 10, &st, NULL) == PM_OK &&
                                   pm_deess_new(7000, -40, 10, &mono, NULL) == PM_OK
                             : pm_compressor_new(&p, &st, NULL) == PM_OK &&
                                   pm_compressor_new(&p, &mono, NULL) == PM_OK;
        int same = 0;
        if (made && measure_start_stage(st, 44100, 2, NULL) == PM_OK &&
            measure_start_stage(mono, 44100, 1, NULL) == PM_OK) {
            measure_run_stage(st, l, z, n, 1000);
            for (size_t at = 0; at < n; at += 1000) {
                size_t used, produced;
                double *ch[1] = {m + at};
                pm_stage_process(mono, (const double *const *)ch, 1000, &used, ch, 1000, &produced);
            }
            same = !memcmp(l, m, n * sizeof *m);
        }
        ok(same, "%s on one channel: as on stereo with a silent right channel, bit for bit",
           kind == 2 ? "deess" : kind ? "compressor (rms)" : "compressor (peak)");
        pm_stage_free(st);
        pm_stage_free(mono);
    }
    free(l);
    free(r);
    free(m);
    free(z);
}

static void test_refusals(void)
{
    pm_diag *d = pm_diag_new();
    pm_stage *st = NULL;
    pm_compressor_params bad = {3, 0.5, -1, NAN, 60, 50, 0, (pm_compressor_detection)7};
    ok(pm_compressor_new(&bad, &st, d) == PM_ERR_INVALID && !st && pm_diag_count(d) == 7,
       "a compressor with 7 bad parameters is refused with a message for each");
    for (size_t i = 0; i < pm_diag_count(d); i++)
        diag("%s", pm_diag_get(d, i)->message);
    pm_diag_free(d);
    d = pm_diag_new();
    ok(pm_deess_new(100, 1, -2, &st, d) == PM_ERR_INVALID && !st && pm_diag_count(d) == 3,
       "a de-esser at 100 Hz, threshold +1, range -2 is refused with 3 messages");
    ok(pm_deess_new(30000, -30, 6, &st, d) == PM_OK &&
           measure_start_stage(st, 44100, 2, d) == PM_ERR_INVALID && pm_diag_count(d) == 4 &&
           strstr(pm_diag_get(d, 3)->message, "Nyquist"),
       "a de-esser at 30 kHz refuses to start at 44.1 kHz, naming the Nyquist frequency");
    pm_deess_stats stats;
    ok(pm_deess_get_stats(st, &stats) == PM_ERR_USAGE, "no statistics before start");
    ok(measure_start_stage(st, 96000, 2, d) == PM_OK && pm_deess_get_stats(st, &stats) == PM_OK,
       "... the same stage starts at 96 kHz and has statistics");
    pm_stage_free(st);
    pm_compressor_params p = {-20, 2, 0.01, 0.1, 0, 0, 0, PM_COMPRESSOR_PEAK};
    st = compressor_started(&p, 48000);
    ok(st && pm_deess_get_stats(st, &stats) == PM_ERR_USAGE,
       "a compressor has no de-esser statistics");
    pm_stage_free(st);
    pm_diag_free(d);
}

static void test_alloc_failure(void)
{
    int all = 1;
    pm_stage dummy = {0}, *st;
    pm_compressor_params p = {-20, 2, 0.01, 0.1, 0, 0, 0, PM_COMPRESSOR_PEAK};
    pm_alloc_fail_after(1);
    st = &dummy;
    all &= pm_compressor_new(&p, &st, NULL) == PM_ERR_NOMEM && !st;
    st = &dummy;
    all &= pm_deess_new(7000, -30, 6, &st, NULL) == PM_ERR_NOMEM && !st;
    pm_alloc_fail_after(0);
    ok(all, "the constructors report PM_ERR_NOMEM");
    /* start: the peak hold (2 arrays), the RMS windows (1 per channel), the de-esser's hold. */
    for (int kind = 0; kind < 3; kind++) {
        int refused = 1;
        for (unsigned long k = 1; k <= 2; k++) {
            p.detection = kind == 1 ? PM_COMPRESSOR_RMS : PM_COMPRESSOR_PEAK;
            st = NULL;
            pm_status made = kind == 2 ? pm_deess_new(7000, -30, 6, &st, NULL)
                                       : pm_compressor_new(&p, &st, NULL);
            pm_alloc_fail_after(k);
            refused &= made == PM_OK && measure_start_stage(st, 48000, 2, NULL) == PM_ERR_NOMEM;
            pm_alloc_fail_after(0);
            pm_stage_free(st);
        }
        ok(refused, "%s: start reports PM_ERR_NOMEM for each of its allocations failing",
           kind == 2 ? "deess" : kind ? "compressor (rms)" : "compressor (peak)");
    }
}

/* ---------------------------------------------------------------------------------------------
 * De-esser.
 */

typedef struct burst_result {
    double sib_db;  /* steady gain at the burst's frequency, both channels' worst */
    double tone_db; /* steady gain of the 1 kHz tone (0 when none) */
    pm_deess_stats stats;
} burst_result;

/*
 * Silence 0.1 s, a 7 kHz burst at burst_db for 0.3 s, then 0.3 s of silence, with a 1 kHz tone
 * at tone_db throughout (none when tone_db is -INFINITY). The gains are fitted over the burst's
 * last 0.15 s.
 */
static burst_result run_burst(double rate, double range, double burst_db, double tone_db)
{
    burst_result res = {INFINITY, 0, {0, 0, 0, 0}};
    pm_stage *st = deess_started(7000, -30, range, rate);
    size_t on = (size_t)(0.1 * rate), off = (size_t)(0.4 * rate), n = (size_t)(0.7 * rate);
    size_t window = (size_t)(0.15 * rate);
    double amp = from_db(burst_db), tamp = from_db(tone_db);
    double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        double w = 2 * MEASURE_PI * (double)i / rate;
        double s = i >= on && i < off ? amp * sin(7000 * w) : 0;
        l[i] = s + tamp * sin(1000 * w);
        r[i] = s + tamp * cos(1000 * w);
    }
    if (st) {
        measure_run_stage(st, l, r, n, MEASURE_BLOCK);
        double sl = measure_fit_amplitude(l, off - window, window, rate, 7000);
        double sr = measure_fit_amplitude(r, off - window, window, rate, 7000);
        res.sib_db = measure_db(fmax(sl, sr) / amp);
        if (tone_db > -INFINITY) {
            double tl = measure_fit_amplitude(l, off - window, window, rate, 1000) / tamp;
            double tr = measure_fit_amplitude(r, off - window, window, rate, 1000) / tamp;
            tl = measure_db(tl);
            tr = measure_db(tr);
            res.tone_db = fabs(tl) > fabs(tr) ? tl : tr;
        }
        if (pm_deess_get_stats(st, &res.stats) != PM_OK)
            res.sib_db = INFINITY;
    }
    free(l);
    free(r);
    pm_stage_free(st);
    return res;
}

static void test_deess_burst(double *worst_range, double *worst_tone)
{
    static const double rates[] = {44100, 48000, 96000};
    for (int k = 0; k < 3; k++) {
        double rate = rates[k];
        burst_result b = run_burst(rate, 6, -12, -INFINITY);
        *worst_range = fmax(*worst_range, fabs(b.sib_db + 6));
        ok(fabs(b.sib_db + 6) <= 1,
           "deess 7 kHz, -30 dB, range 6 at %g Hz: a burst 18 dB over is reduced by %.3f dB "
           "(6 +-1)",
           rate, -b.sib_db);
        ok(fabs(b.stats.max_reduction_db - 6) < 1e-9 && b.stats.active_sec >= 0.3 &&
               b.stats.active_sec <= 0.45 && b.stats.frames == (uint64_t)(0.7 * rate),
           "... statistics: largest reduction %.6f dB, de-essing for %.3f s of the 0.3 s burst "
           "(release tail included), %llu frames",
           b.stats.max_reduction_db, b.stats.active_sec, (unsigned long long)b.stats.frames);

        b = run_burst(rate, 6, -27, -INFINITY);
        ok(fabs(b.sib_db + 3) <= 0.25,
           "... a burst 3 dB over the threshold is brought down to it: reduced by %.3f dB "
           "(3 +-0.25)",
           -b.sib_db);

        b = run_burst(rate, 6, -12, -3);
        *worst_tone = fmax(*worst_tone, fabs(b.tone_db));
        *worst_range = fmax(*worst_range, fabs(b.sib_db + 6));
        ok(fabs(b.tone_db) <= 0.1 && fabs(b.sib_db + 6) <= 1,
           "... with a 1 kHz tone at -3 dBFS under the burst: the burst is reduced by %.3f dB, "
           "the tone changes by %.4f dB (within 0.1)",
           -b.sib_db, b.tone_db);
        b = run_burst(rate, 6, -INFINITY, -3);
        *worst_tone = fmax(*worst_tone, fabs(b.tone_db));
        ok(fabs(b.tone_db) <= 0.1,
           "... a 1 kHz tone at -3 dBFS alone changes by %.4f dB (within 0.1)", b.tone_db);
    }
    static const double ranges[] = {3, 12, 0};
    for (int k = 0; k < 3; k++) {
        burst_result b = run_burst(48000, ranges[k], -6, -INFINITY);
        ok(fabs(b.sib_db + ranges[k]) <= 0.1 && b.stats.max_reduction_db <= ranges[k],
           "range %g caps the reduction of a burst 24 dB over: %.3f dB (largest %.6f)", ranges[k],
           -b.sib_db, b.stats.max_reduction_db);
    }
}

static void test_deess_below_threshold(double *worst)
{
    double rate = 44100;
    size_t n = (size_t)rate;
    uint64_t rng = 3;
    double *l = measure_alloc(n * sizeof *l), *r = measure_alloc(n * sizeof *r);
    double *l0 = measure_alloc(n * sizeof *l), *r0 = measure_alloc(n * sizeof *r);
    /*
     * 1 kHz at -20 dBFS (-40 dB in the band), 7 kHz at -46, noise peaking at -54 dBFS; every tone
     * starts at a zero crossing, since a step would ring through the band over the threshold.
     */
    for (size_t i = 0; i < n; i++) {
        double w = 2 * MEASURE_PI * (double)i / rate;
        double u = 0.002 * ((double)tap_rand_below(&rng, 2000001) / 1e6 - 1);
        l0[i] = l[i] = 0.1 * sin(1000 * w) + 0.005 * sin(7000 * w) + u;
        r0[i] = r[i] = -0.07 * sin(1000 * w) - 0.005 * sin(7000 * w) - u;
    }
    pm_stage *st = deess_started(7000, -30, 6, rate);
    pm_deess_stats stats = {0, 0, 0, -1};
    if (st) {
        measure_run_stage(st, l, r, n, MEASURE_BLOCK);
        if (pm_deess_get_stats(st, &stats) != PM_OK)
            stats.max_reduction_db = -1;
    }
    double dev = 0;
    for (size_t i = 0; i < n; i++)
        dev = fmax(dev, fmax(fabs(l[i] - l0[i]), fabs(r[i] - r0[i])));
    *worst = dev;
    ok(st && dev <= 1e-9 && stats.max_reduction_db == 0 && stats.active_frames == 0,
       "deess: a band below the threshold passes within 1e-9 (%.2g), with no reduction recorded",
       dev);
    pm_stage_free(st);
    free(l);
    free(r);
    free(l0);
    free(r0);
}

static void test_deess_link(void)
{
    double rate = 48000;
    size_t n = (size_t)(0.3 * rate), window = (size_t)(0.1 * rate);
    for (int loud = 0; loud <= 1; loud++) {
        pm_stage *st = deess_started(7000, -30, 6, rate);
        double quiet = from_db(-50);
        double *a = measure_sine(n, rate, 7000, from_db(-12), 0),
               *b = measure_sine(n, rate, 7000, quiet, 1);
        if (st)
            measure_run_stage(st, loud ? b : a, loud ? a : b, n, MEASURE_BLOCK);
        double got = measure_db(measure_fit_amplitude(b, n - window, window, rate, 7000) / quiet);
        ok(st && fabs(got + 6) <= 0.1,
           "deess, sibilance on the %s only: the quiet side's band is reduced by %.3f dB too (6)",
           loud ? "right" : "left", -got);
        free(a);
        free(b);
        pm_stage_free(st);
    }
}

int main(void)
{
    double curve = 0, attack = 0, release = 0, link = 0, range = 0, tone = 0, below = 0;
    test_static_curve(&curve);
    test_makeup_rule();
    test_timing(&attack, &release);
    test_stereo_link(&link);
    test_ratio_one();
    test_deess_burst(&range, &tone);
    test_deess_below_threshold(&below);
    test_deess_link();
    test_stage_common();
    test_mono();
    test_refusals();
    test_alloc_failure();
    diag("worst cases: static curve %.2g dB, attack %.1f %%, release %.1f %%, stereo-link gain "
         "difference %.2g; deess reduction off the range by %.3f dB, 1 kHz tone moved %.4f dB, "
         "below-threshold difference %.2g",
         curve, 100 * attack, 100 * release, link, range, tone, below);
    return done_testing();
}
