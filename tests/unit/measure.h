/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Signal measurement for the DSP unit tests, header-only like tap.h (include tap.h first).
 *
 *   measure_sine(n, rate, freq, amp, phase)  a new buffer of n frames of amp sin(wn + phase);
 *                                            the caller frees it with free()
 *   measure_span_for(rate, freq, settle_sec) frames to let a filter's transient die away, then
 *                                            frames to fit over (20 cycles and 0.1 s at least)
 *   measure_fit_amplitude(y, start, n, rate, freq)
 *                                            the amplitude of the component of y at freq over
 *                                            y[start .. start + n), by least squares on
 *                                            a cos(wn) + b sin(wn): exact for a steady sinusoid
 *                                            whatever the number of cycles in the window
 *   measure_db(x)                            20 log10(x)
 *   measure_start_stage(stage, rate, channels, diag)
 *                                            pm_stage_start with max_block_frames MEASURE_BLOCK
 *   measure_run_stage(stage, l, r, n, block) a started stereo stage over l, r in place, in
 *                                            blocks of block frames (<= MEASURE_BLOCK); a stage
 *                                            that does not take and give every frame is a
 *                                            failed test
 *   measure_true_peak_dbtp(l, r, n, factor)  the true peak of the stereo l, r in dBTP, by
 *                                            premaster's meter oversampling factor times
 *
 * Allocation failure bails out (the test cannot go on).
 */
#ifndef PM_TEST_MEASURE_H
#define PM_TEST_MEASURE_H

#include <math.h>
#include <stdlib.h>

#include "dsp/stage.h"
#include "dsp/truepeak.h"

#define MEASURE_PI 3.14159265358979323846
#define MEASURE_BLOCK 4096 /* the engine's block, and max_block_frames of stages under test */

static inline void *measure_alloc(size_t bytes)
{
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p)
        bail_out("out of memory");
    return p;
}

static inline double measure_db(double x)
{
    return 20 * log10(x);
}

static inline double *measure_sine(size_t n, double rate, double freq, double amp, double phase)
{
    double *x = measure_alloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = amp * sin(2 * MEASURE_PI * freq / rate * (double)i + phase);
    return x;
}

typedef struct measure_span {
    size_t settle, window;
} measure_span;

static inline measure_span measure_span_for(double rate, double freq, double settle_sec)
{
    measure_span s = {(size_t)(settle_sec * rate), (size_t)(fmax(0.1, 20 / freq) * rate)};
    return s;
}

static inline double measure_fit_amplitude(const double *y, size_t start, size_t n, double rate,
                                           double freq)
{
    /* The 2x2 normal equations of the fit; well conditioned over more than half a cycle. */
    double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
    double w = 2 * MEASURE_PI * freq / rate;
    for (size_t i = start; i < start + n; i++) {
        double c = cos(w * (double)i), s = sin(w * (double)i);
        cc += c * c;
        ss += s * s;
        cs += c * s;
        yc += y[i] * c;
        ys += y[i] * s;
    }
    double det = cc * ss - cs * cs;
    double a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
    return hypot(a, b);
}

static inline pm_status measure_start_stage(pm_stage *st, double rate, int channels, pm_diag *diag)
{
    pm_stage_format in = {rate, channels, MEASURE_BLOCK}, out;
    return pm_stage_start(st, &in, &out, diag);
}

static inline void measure_run_stage(pm_stage *st, double *l, double *r, size_t n, size_t block)
{
    for (size_t at = 0; at < n; at += block) {
        size_t len = n - at < block ? n - at : block, used = 0, produced = 0;
        double *ch[2] = {l + at, r + at};
        pm_stage_process(st, (const double *const *)ch, len, &used, ch, len, &produced);
        if (used != len || produced != len) {
            ok(0, "%s took %zu and gave %zu of a block of %zu frames", st->ops->name, used,
               produced, len);
            return;
        }
    }
}

static inline double measure_true_peak_dbtp(const double *l, const double *r, size_t n,
                                            int factor)
{
    pm_truepeak *m = NULL;
    if (pm_truepeak_new(2, factor, &m) != PM_OK)
        bail_out("cannot make a true-peak meter");
    const double *in[2] = {l, r};
    pm_truepeak_process(m, in, n);
    pm_truepeak_finish(m);
    double peak = fmax(pm_truepeak_max(m, 0), pm_truepeak_max(m, 1));
    pm_truepeak_free(m);
    return pm_db_from_linear(peak);
}

#endif
