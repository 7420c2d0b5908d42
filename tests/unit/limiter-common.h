/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the limiter's tests share (test-limiter.c, test-limiter-stage.c): running a fresh
 * limiter in blocks, the true peak at 16x, and hard test signals. Include tap.h first.
 */
#ifndef PM_TEST_LIMITER_COMMON_H
#define PM_TEST_LIMITER_COMMON_H

#include "dsp/limiter.h"
#include "dsp/truepeak.h"
#include "measure.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

static const double rates[] = {44100, 48000, 96000};
static const double ceilings_dbtp[] = {-1.0, -0.3};
#define NRATES (sizeof rates / sizeof rates[0])
#define NCEILINGS (sizeof ceilings_dbtp / sizeof ceilings_dbtp[0])

static inline double *frames_new(size_t n)
{
    double *x = calloc(n ? n : 1, sizeof *x);
    if (!x)
        bail_out("out of memory");
    return x;
}

/* A uniform random number in [-1, 1). */
static inline double uniform(uint64_t *rng)
{
    return (double)(tap_rand(rng) >> 11) / 4503599627370496.0 - 1.0;
}

typedef struct run_figures {
    double max_reduction_db;
    uint64_t reduced_frames;
    size_t latency;
    size_t produced_by_process; /* frames process gave before drain */
} run_figures;

/*
 * A fresh limiter over l, r (n frames; r unused with one channel) in input blocks of `block`
 * frames with room for `room` output frames per call, into out_l, out_r (n frames each; they
 * may be l, r). Returns 1 when every frame came out exactly once, else a failed test says why.
 */
static inline int limit(const pm_limiter_config *cfg, double rate, int channels,
                        const double *l, const double *r, size_t n, size_t block, size_t room,
                        double *out_l, double *out_r, run_figures *fig)
{
    pm_stage *st = NULL;
    pm_stage_format in = {rate, channels, block}, out;
    if (pm_limiter_new(cfg, &st, NULL) != PM_OK || pm_stage_start(st, &in, &out, NULL) != PM_OK) {
        ok(0, "the limiter starts at %g Hz", rate);
        pm_stage_free(st);
        return 0;
    }
    size_t at = 0, made = 0;
    while (at < n) {
        size_t len = n - at < block ? n - at : block, used = 0, produced = 0;
        size_t space = n - made < room ? n - made : room;
        const double *ci[2] = {l + at, r ? r + at : NULL};
        double *co[2] = {out_l + made, out_r ? out_r + made : NULL};
        pm_stage_process(st, ci, len, &used, co, space, &produced);
        if (used == 0 && produced == 0) {
            ok(0, "the limiter took nothing and gave nothing at frame %zu", at);
            break;
        }
        at += used;
        made += produced;
    }
    fig->produced_by_process = made;
    for (;;) {
        size_t produced = 0, space = n - made < room ? n - made : room;
        double *co[2] = {out_l + made, out_r ? out_r + made : NULL};
        if (space == 0)
            break;
        pm_stage_drain(st, co, space, &produced);
        if (produced == 0)
            break;
        made += produced;
    }
    double spare_l[16], spare_r[16];
    double *spare[2] = {spare_l, spare_r};
    size_t extra = 0;
    pm_stage_drain(st, spare, 16, &extra);
    fig->max_reduction_db = pm_limiter_max_reduction_db(st);
    fig->reduced_frames = pm_limiter_reduced_frames(st);
    fig->latency = pm_stage_latency(st);
    pm_stage_free(st);
    if (made != n || extra != 0) {
        ok(0, "the limiter gave %zu frames and %zu more, for %zu in", made, extra, n);
        return 0;
    }
    return 1;
}

static inline pm_limiter_config config_with(double ceiling_dbtp)
{
    pm_limiter_config cfg;
    pm_limiter_config_init(&cfg);
    cfg.ceiling_dbtp = ceiling_dbtp;
    return cfg;
}

/* The true peak of l and r at 16x, in dBTP. */
static inline double truepeak16_dbtp(const double *l, const double *r, size_t n)
{
    return measure_true_peak_dbtp(l, r, n, 16);
}

/*
 * Kick-like bursts every 250 ms: a 40-100 Hz sine with a 0.5 ms attack and an 80 ms decay,
 * and a click of white noise decaying in 2 ms at its start, peaking about -6 dBFS, then +20 dB.
 * The channels differ a little (the click is independent on each).
 */
static inline void make_bass(double rate, uint64_t *rng, size_t n, double *l, double *r)
{
    size_t every = (size_t)(0.25 * rate);
    double freq = 60, phase = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t_frames = i % every;
        if (t_frames == 0) {
            freq = 40 + 60 * (uniform(rng) + 1) / 2;
            phase = PI * (uniform(rng) + 1);
        }
        double t = (double)t_frames / rate;
        double attack = t < 0.0005 ? t / 0.0005 : 1.0;
        double body = 0.4 * sin(2 * PI * freq * t + phase) * exp(-t / 0.08) * attack;
        double decay = exp(-t / 0.002);
        l[i] = 10.0 * (body + 0.3 * decay * uniform(rng));
        r[i] = 10.0 * (0.9 * body + 0.3 * decay * uniform(rng));
    }
}

/*
 * The worst case for samples under a true peak: 64 samples of +-a whose signs follow the
 * interpolation kernel's half-sample phase (..., -a, +a, +a, -a, ...), so that the point
 * between the middle two reads a times the kernel's absolute sum, 2.83 a (+9 dB). Patterns of
 * 0.3 to 0.5 every 997 frames, with silence between: the samples look 5 dB under the ceiling
 * where the peaks are 3 to 8 dB over it.
 */
static inline void make_signs(uint64_t *rng, size_t n, double *l, double *r)
{
    for (size_t centre = 500; centre + 32 < n; centre += 997) {
        double a = 0.4 + 0.1 * uniform(rng);
        for (size_t i = centre - 32; i < centre + 32; i++) {
            size_t away = i < centre ? centre - 1 - i : i - centre;
            l[i] = away % 2 ? -a : a;
            r[i] = i % 5 == 0 ? 0.2 : 0.0; /* a little on the right too */
        }
    }
}

#endif
