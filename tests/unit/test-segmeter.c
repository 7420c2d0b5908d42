/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Segment meters (segmeter.h), joined: after pm_segmeter_join the whole figures are exactly
 * those of a meter fed the segments one after the other with PM_SEGMETER_JOIN_SILENCE frames
 * of silence between them (what verify measures on side files), whatever the block sizes; the silence between the segments counts
 * for nothing, where the plain whole meter reads it; the segments' own figures are left zero.
 */
#include "segmeter.h"

#include "../tap.h"

#include <math.h>
#include <stdlib.h>

enum { RATE = 48000, FRAMES = 6 * RATE };

/* Feed frames of l/r to m in blocks of random sizes up to 5000. */
static int feed(pm_segmeter *m, const double *l, const double *r, size_t frames, uint64_t *rng)
{
    for (size_t at = 0; at < frames;) {
        size_t n = 1 + (size_t)tap_rand_below(rng, 5000);
        if (n > frames - at)
            n = frames - at;
        const double *block[2] = {l + at, r + at};
        if (pm_segmeter_process(m, block, n) != PM_OK)
            return -1;
        at += n;
    }
    return 0;
}

int main(void)
{
    uint64_t rng = tap_seed();
    double *l = calloc(FRAMES, sizeof *l), *r = calloc(FRAMES, sizeof *r);
    double *jl = calloc(FRAMES, sizeof *jl), *jr = calloc(FRAMES, sizeof *jr);
    if (!l || !r || !jl || !jr)
        bail_out("out of memory");
    /* silence 1 s, a loud noise 2 s, silence 1 s, a noise 12 dB quieter 1.5 s, silence 0.5 s */
    static const int64_t start[2] = {RATE, 4 * RATE}, end[2] = {3 * RATE, 11 * RATE / 2};
    static const double level[2] = {0.5, 0.125};
    size_t joined = 0;
    for (int s = 0; s < 2; s++) {
        if (s)
            joined += PM_SEGMETER_JOIN_SILENCE; /* calloc'd: silence */
        for (int64_t i = start[s]; i < end[s]; i++, joined++) {
            l[i] = level[s] * (2.0 * (double)tap_rand_below(&rng, 1u << 20) / (1u << 20) - 1.0);
            r[i] = level[s] * (2.0 * (double)tap_rand_below(&rng, 1u << 20) / (1u << 20) - 1.0);
            jl[joined] = l[i];
            jr[joined] = r[i];
        }
    }

    pm_segmeter whole, apart, alone, lean;
    pm_meter_result w, a, o, n, parts[2] = {{0}}, seg[2], lean_parts[2];
    ok(pm_segmeter_init(&whole, RATE, start, end, 2) == PM_OK &&
           pm_segmeter_init(&apart, RATE, start, end, 2) == PM_OK &&
           pm_segmeter_init(&alone, RATE, NULL, NULL, 0) == PM_OK &&
           pm_segmeter_init_lean(&lean, RATE, PM_SEGMETER_LOUDNESS | PM_SEGMETER_TRUE_PEAK,
                                 start, end, 2) == PM_OK,
       "four segment meters");
    ok(pm_segmeter_deliver(&whole, 1, 0) == PM_OK && pm_segmeter_deliver(&lean, 1, 0) == PM_OK,
       "two of them measure the segments joined");
    ok(feed(&whole, l, r, FRAMES, &rng) == 0 && feed(&apart, l, r, FRAMES, &rng) == 0 &&
           feed(&alone, jl, jr, joined, &rng) == 0 && feed(&lean, l, r, FRAMES, &rng) == 0,
       "fed in blocks of random sizes");
    parts[0].integrated_lufs = parts[1].integrated_lufs = 1.0;
    ok(pm_segmeter_finish(&whole, &w, parts) == PM_OK &&
           pm_segmeter_finish(&apart, &a, seg) == PM_OK &&
           pm_segmeter_finish(&alone, &o, NULL) == PM_OK,
       "finished");
    ok(pm_segmeter_finish(&lean, &n, lean_parts) == PM_OK, "the lean meter finished");
    /* The lean meter gates its own K-weighted energies (the full one libebur128's), its
     * K-weighting runs on through the gap between the segments, and it measures each segment's
     * true peak alone: the loudness agrees closely, the true peak exactly. */
    ok(fabs(n.integrated_lufs - o.integrated_lufs) < 0.01,
       "lean, joined: the loudness of the segments one after the other (%.4f against %.4f LUFS)",
       n.integrated_lufs, o.integrated_lufs);
    ok(fabs(n.true_peak[0] - o.true_peak[0]) < 1e-12 && fabs(n.true_peak[1] - o.true_peak[1]) < 1e-12,
       "lean, joined: the true peak of the segments one after the other (%.6f, %.6f)",
       n.true_peak[0], n.true_peak[1]);
    pm_segmeter_fini(&lean);
    ok(w.frames == (int64_t)joined && w.integrated_lufs == o.integrated_lufs &&
           w.true_peak[0] == o.true_peak[0] && w.true_peak[1] == o.true_peak[1] &&
           w.range_lu == o.range_lu,
       "joined: the segments one after the other, exactly (%.4f LUFS, %lld frames)",
       w.integrated_lufs, (long long)w.frames);
    ok(a.frames == FRAMES && fabs(a.integrated_lufs - o.integrated_lufs) > 0.001,
       "the plain whole reads the silence between them too (%.4f LUFS)", a.integrated_lufs);
    ok(parts[0].integrated_lufs == 0.0 && parts[1].integrated_lufs == 0.0,
       "joined: the segments' own figures are left zero");
    ok(seg[0].integrated_lufs - seg[1].integrated_lufs > 11.5 &&
           seg[0].integrated_lufs - seg[1].integrated_lufs < 12.5,
       "apart: the segments measured on their own, 12 dB apart (%.2f, %.2f LUFS)",
       seg[0].integrated_lufs, seg[1].integrated_lufs);
    pm_segmeter_fini(&whole);
    pm_segmeter_fini(&apart);
    pm_segmeter_fini(&alone);
    free(l);
    free(r);
    free(jl);
    free(jr);
    return done_testing();
}
