/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak limiter (dsp/limiter.h) as a stage (dsp/stage.h):
 *  - transparency: a signal peaking 1 dB under the ceiling comes out bit-identical, and so does
 *    the quiet part after a loud burst once the gain has recovered;
 *  - release: after a burst the gain is back within 0.1 dB of unity after 0.5 to 5 times the
 *    release time, and within 10 % of when an exponential would be (measured on a DC pilot,
 *    where output / input is the gain);
 *  - hold: around a peak the gain is flat at its lowest over the kernel's reach, 32 frames
 *    either side;
 *  - stereo link: a peak on one side only gives the other side the same gain;
 *  - alignment: impulse trains come out at the frames they went in, under and over the
 *    ceiling; the delay is swallowed by process and given back by drain;
 *  - block sizes 1, 13 and 4096, a short output, and in-place processing give identical output,
 *    on dense limiting and on sparse peaks between silences;
 *  - latency() is the look-ahead in frames; the threshold is 0.05 dB under the ceiling, more
 *    with a short ramp; parameters out of range are refused.
 * What the output measures at 16x, and the detector, are in test-limiter.c.
 */
#include "dsp/limiter.h"
#include "dsp/truepeak.h"

#include "../tap.h"
#include "limiter-common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

    /* The threshold: the plain margin with a long ramp, a larger one with a short ramp (2 ms at
     * 44.1 kHz is 88 frames, of which the ramp gets 25). */
    pm_limiter_config cfg = config_with(-1.0);
    pm_stage *st = NULL;
    pm_stage_format in = {48000, 2, 4096}, out;
    if (pm_limiter_new(&cfg, &st, NULL) != PM_OK)
        bail_out("cannot make a limiter");
    double before = pm_limiter_threshold_dbtp(st);
    double long_ramp = NAN, short_ramp = NAN;
    if (pm_stage_start(st, &in, &out, NULL) == PM_OK)
        long_ramp = pm_limiter_threshold_dbtp(st);
    pm_stage_free(st);
    cfg.lookahead_sec = 0.002;
    in.rate_hz = 44100;
    if (pm_limiter_new(&cfg, &st, NULL) != PM_OK)
        bail_out("cannot make a limiter");
    if (pm_stage_start(st, &in, &out, NULL) == PM_OK)
        short_ramp = pm_limiter_threshold_dbtp(st);
    pm_stage_free(st);
    double expected = -1.0 - PM_LIMITER_MARGIN_DB * PM_LIMITER_MARGIN_RAMP_FRAMES / 25.0;
    ok(isnan(before) && fabs(long_ramp + 1.0 + PM_LIMITER_MARGIN_DB) < 1e-12 &&
           fabs(short_ramp - expected) < 1e-12,
       "threshold %.3f dBTP for 3 ms at 48 kHz, %.3f dBTP for 2 ms at 44.1 kHz (%.3f), none "
       "before start",
       long_ramp, short_ramp, expected);
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
