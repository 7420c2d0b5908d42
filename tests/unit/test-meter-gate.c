/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Our own gating (dsp/meter_gate.h) against libebur128, the reference DESIGN.md names for
 * loudness: the integrated loudness and the loudness range of programme-like signals (noise
 * and tones at levels that change, with silences the gates must drop) at 44.1, 48 and 96 kHz,
 * and of several streams taken as one album (ebur128_loudness_global_multiple and
 * ebur128_loudness_range_multiple), within 0.01 LU; and pm_meter's figures, which gate there,
 * against libebur128's on the same programmes. Then the lean meters of segmeter.h, which the
 * render's closed loop uses, against the full ones (pm_meter): the same loudness within 0.01
 * LU for the whole and every segment, the
 * same true peak per segment to the last bit, the whole's true peak the largest of the
 * segments' when they tile the stream, and figures that do not depend on the block size.
 */
#include "dsp/meter_gate.h"
#include "dsp/meter.h"
#include "dsp/truepeak.h"
#include "segmeter.h"

#include "../tap.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

typedef struct stereo {
    double *l, *r;
    size_t n;
} stereo;

/* A programme: sections of 0.3 to 4 s, each noise or a tone, at -60 to -6 dBFS or silent. */
static stereo programme(uint64_t *rng, double rate, double seconds)
{
    stereo s = {.n = (size_t)(seconds * rate)};
    s.l = malloc(s.n * sizeof(double));
    s.r = malloc(s.n * sizeof(double));
    if (!s.l || !s.r)
        bail_out("out of memory");
    for (size_t i = 0; i < s.n;) {
        size_t len = (size_t)((0.3 + (double)tap_rand_below(rng, 3700) / 1000.0) * rate);
        int kind = (int)tap_rand_below(rng, 5); /* 0 silence, 1-2 noise, 3-4 tone */
        double amp = kind ? pow(10.0, -(6.0 + (double)tap_rand_below(rng, 54)) / 20.0) : 0.0;
        double freq = 40.0 + (double)tap_rand_below(rng, 12000);
        for (size_t k = 0; k < len && i < s.n; k++, i++) {
            double u = (double)(tap_rand(rng) >> 11) / 9007199254740992.0 - 0.5;
            double v = (double)(tap_rand(rng) >> 11) / 9007199254740992.0 - 0.5;
            double t = sin(2 * PI * freq * (double)i / rate);
            s.l[i] = kind >= 3 ? amp * t : amp * 2.0 * u;
            s.r[i] = kind >= 3 ? amp * 0.7 * t : amp * 2.0 * v;
        }
    }
    return s;
}

static void stereo_free(stereo *s)
{
    free(s->l);
    free(s->r);
}

/* libebur128's integrated loudness and loudness range of the parts taken as one. */
static double ebur128_figures(const stereo *const *parts, size_t count, double rate,
                              double *range_lu)
{
    ebur128_state *st[4];
    for (size_t k = 0; k < count; k++) {
        st[k] = ebur128_init(2, (unsigned long)rate, EBUR128_MODE_I | EBUR128_MODE_LRA);
        double *frames = malloc(parts[k]->n * 2 * sizeof(double));
        if (!st[k] || !frames)
            bail_out("out of memory");
        for (size_t i = 0; i < parts[k]->n; i++) {
            frames[2 * i] = parts[k]->l[i];
            frames[2 * i + 1] = parts[k]->r[i];
        }
        if (ebur128_add_frames_double(st[k], frames, parts[k]->n) != EBUR128_SUCCESS)
            bail_out("libebur128 refused the frames");
        free(frames);
    }
    double lufs;
    if (ebur128_loudness_global_multiple(st, count, &lufs) != EBUR128_SUCCESS ||
        ebur128_loudness_range_multiple(st, count, range_lu) != EBUR128_SUCCESS)
        bail_out("libebur128 failed");
    for (size_t k = 0; k < count; k++)
        ebur128_destroy(&st[k]);
    return lufs;
}

/* K-weight a programme as the lean meter does and gate it. */
static void gate_programme(pm_gate *g, const stereo *s, double rate)
{
    pm_biquad k[2];
    pm_biquad_state state[2][2] = {{{0, 0}, {0, 0}}, {{0, 0}, {0, 0}}};
    pm_meter_design_k_weighting(rate, k);
    double *l = malloc(s->n * sizeof(double)), *r = malloc(s->n * sizeof(double));
    if (!l || !r)
        bail_out("out of memory");
    for (size_t i = 0; i < s->n; i++) {
        l[i] = s->l[i];
        r[i] = s->r[i];
    }
    pm_biquad_process_cascade(k, state[0], 2, l, s->n);
    pm_biquad_process_cascade(k, state[1], 2, r, s->n);
    for (size_t i = 0; i < s->n; i++)
        l[i] = l[i] * l[i] + r[i] * r[i];
    pm_gate_init(g, rate);
    if (pm_gate_add(g, l, s->n) != PM_OK)
        bail_out("the gate ran out of memory");
    free(l);
    free(r);
}

static void test_gate(uint64_t *rng)
{
    static const double rates[] = {44100, 48000, 96000};
    for (size_t k = 0; k < 3; k++) {
        double rate = rates[k];
        stereo parts[3];
        pm_gate gates[3];
        const stereo *pp[3];
        const pm_gate *gp[3];
        double worst = 0.0, worst_range = 0.0, least_range = HUGE_VAL;
        for (int i = 0; i < 3; i++) {
            parts[i] = programme(rng, rate, 20.0 + 10.0 * i);
            pp[i] = &parts[i];
            gate_programme(&gates[i], &parts[i], rate);
            gp[i] = &gates[i];
            double range, their_range, theirs = ebur128_figures(&pp[i], 1, rate, &their_range);
            if (pm_gate_range(&gp[i], 1, &range) != PM_OK)
                bail_out("out of memory");
            worst = fmax(worst, fabs(pm_gate_integrated(&gp[i], 1) - theirs));
            worst_range = fmax(worst_range, fabs(range - their_range));
            least_range = fmin(least_range, their_range);
        }
        ok(worst <= 0.01, "%.0f Hz: integrated loudness of three programmes within %.2g LU of "
           "libebur128's (0.01)", rate, worst);
        /* a range of 0 would prove nothing: the programmes change level by tens of dB */
        ok(worst_range <= 0.01 && least_range > 3.0,
           "%.0f Hz: loudness range of three programmes (%.1f LU and more) within %.2g LU of "
           "libebur128's (0.01)", rate, least_range, worst_range);
        double range, their_range, theirs = ebur128_figures(pp, 3, rate, &their_range);
        double ours = pm_gate_integrated(gp, 3);
        if (pm_gate_range(gp, 3, &range) != PM_OK)
            bail_out("out of memory");
        ok(fabs(ours - theirs) <= 0.01, "%.0f Hz: the three as one album %.4f LUFS, libebur128 "
           "%.4f (0.01)", rate, ours, theirs);
        ok(fabs(range - their_range) <= 0.01, "%.0f Hz: the three as one album %.4f LU of "
           "range, libebur128 %.4f (0.01)", rate, range, their_range);
        for (int i = 0; i < 3; i++) {
            stereo_free(&parts[i]);
            pm_gate_fini(&gates[i]);
        }
    }
    stereo quiet = {.n = 48000 * 2};
    quiet.l = calloc(quiet.n, sizeof(double));
    quiet.r = calloc(quiet.n, sizeof(double));
    pm_gate g;
    gate_programme(&g, &quiet, 48000);
    const pm_gate *gp = &g;
    double range = -1.0;
    ok(isinf(pm_gate_integrated(&gp, 1)) && pm_gate_integrated(&gp, 1) < 0 &&
           pm_gate_range(&gp, 1, &range) == PM_OK && range == 0.0,
       "silence is gated out: -inf, and a range of 0 as libebur128 gives");
    pm_gate_fini(&g);
    stereo_free(&quiet);
}

/* pm_meter's integrated loudness and range, alone and as an album (pm_meter_album), against
 * libebur128's on the same programmes, fed in blocks of an odd size. */
static void test_meter_figures(uint64_t *rng)
{
    double rate = 44100;
    stereo parts[2];
    const stereo *pp[2];
    pm_meter *meters[2];
    double worst = 0.0, worst_range = 0.0;
    for (int i = 0; i < 2; i++) {
        parts[i] = programme(rng, rate, 25.0 + 10.0 * i);
        pp[i] = &parts[i];
        if (pm_meter_new(2, rate, 0, &meters[i]) != PM_OK)
            bail_out("no meter");
        for (size_t k = 0; k < parts[i].n; k += 3001) {
            const double *in[2] = {parts[i].l + k, parts[i].r + k};
            size_t n = parts[i].n - k < 3001 ? parts[i].n - k : 3001;
            if (pm_meter_process(meters[i], in, n) != PM_OK)
                bail_out("the meter failed");
        }
        pm_meter_result r;
        double their_range, theirs = ebur128_figures(&pp[i], 1, rate, &their_range);
        if (pm_meter_finish(meters[i], &r) != PM_OK)
            bail_out("the meter failed to finish");
        worst = fmax(worst, fabs(r.integrated_lufs - theirs));
        worst_range = fmax(worst_range, fabs(r.range_lu - their_range));
    }
    ok(worst <= 0.01 && worst_range <= 0.01, "pm_meter: integrated loudness within %.2g LU and "
       "range within %.2g LU of libebur128's (0.01)", worst, worst_range);
    double lufs, range, their_range, theirs = ebur128_figures(pp, 2, rate, &their_range);
    if (pm_meter_album(meters, 2, &lufs, &range) != PM_OK)
        bail_out("the album's figures failed");
    ok(fabs(lufs - theirs) <= 0.01 && fabs(range - their_range) <= 0.01,
       "pm_meter_album: %.4f LUFS and %.4f LU, libebur128 %.4f and %.4f (0.01)", lufs, range,
       theirs, their_range);
    for (int i = 0; i < 2; i++) {
        pm_meter_free(meters[i]);
        stereo_free(&parts[i]);
    }
}

/* One segmeter over the programme in blocks of `block` frames. */
static void run_segmeter(pm_segmeter *m, const stereo *s, size_t block, pm_meter_result *whole,
                         pm_meter_result *segments)
{
    for (size_t i = 0; i < s->n; i += block) {
        const double *in[2] = {s->l + i, s->r + i};
        if (pm_segmeter_process(m, in, s->n - i < block ? s->n - i : block) != PM_OK)
            bail_out("the segment meter failed");
    }
    if (pm_segmeter_finish(m, whole, segments) != PM_OK)
        bail_out("the segment meter failed to finish");
    pm_segmeter_fini(m);
}

static double peak_of(const pm_meter_result *r)
{
    return fmax(r->true_peak[0], r->true_peak[1]);
}

static double largest_of(const pm_meter_result *r, size_t count)
{
    double largest = 0.0;
    for (size_t i = 0; i < count; i++)
        largest = fmax(largest, peak_of(&r[i]));
    return largest;
}

/* The true peak of the programme's frames from `from` on, measured alone. */
static double tail_true_peak(const stereo *s, size_t from)
{
    pm_meter *m = NULL;
    pm_meter_result r;
    const double *in[2] = {s->l + from, s->r + from};
    if (pm_meter_new(2, 48000, 0, &m) != PM_OK || pm_meter_process(m, in, s->n - from) != PM_OK ||
        pm_meter_finish(m, &r) != PM_OK)
        bail_out("the tail's meter failed");
    pm_meter_free(m);
    return peak_of(&r);
}

static void test_lean(uint64_t *rng)
{
    double rate = 48000;
    stereo s = programme(rng, rate, 40.0);
    /* four files tiling the stream */
    int64_t start[4] = {0, 300000, 700001, 1200000};
    int64_t end[4] = {300000, 700001, 1200000, (int64_t)s.n};
    pm_meter_result fw, fs[4], lw, ls[4], bw, bs[4];
    pm_segmeter m;
    if (pm_segmeter_init(&m, rate, start, end, 4) != PM_OK)
        bail_out("no full meter");
    run_segmeter(&m, &s, 4096, &fw, fs);
    unsigned both = PM_SEGMETER_LOUDNESS | PM_SEGMETER_TRUE_PEAK | PM_SEGMETER_SAMPLE_PEAK;
    if (pm_segmeter_init_lean(&m, rate, both, start, end, 4) != PM_OK)
        bail_out("no lean meter");
    run_segmeter(&m, &s, 4096, &lw, ls);
    double worst = fabs(lw.integrated_lufs - fw.integrated_lufs);
    int peaks_equal = 1, samples_equal = lw.sample_peak[0] == fw.sample_peak[0] &&
                                         lw.sample_peak[1] == fw.sample_peak[1];
    for (int i = 0; i < 4; i++) {
        samples_equal &= ls[i].sample_peak[0] == fs[i].sample_peak[0] &&
                         ls[i].sample_peak[1] == fs[i].sample_peak[1];
        worst = fmax(worst, fabs(ls[i].integrated_lufs - fs[i].integrated_lufs));
        peaks_equal &= ls[i].true_peak[0] == fs[i].true_peak[0] &&
                       ls[i].true_peak[1] == fs[i].true_peak[1];
    }
    ok(worst <= 0.01, "lean and full meters: loudness of the whole and of every segment within "
       "%.2g LU (0.01)", worst);
    ok(peaks_equal, "each segment's true peak is the full meter's, bit for bit");
    ok(samples_equal, "so are the sample peaks of the whole and every segment");
    /* Each file is measured as it plays alone, preceded and followed by silence: where a cut
     * falls in loud audio its edge can read higher than the continuous stream (a step). */
    ok(peak_of(&lw) == largest_of(ls, 4), "tiled: the whole's true peak %.4f dBTP is the largest of the "
       "files' (the continuous stream reads %.4f)", pm_db_from_linear(peak_of(&lw)),
       pm_db_from_linear(peak_of(&fw)));
    ok(isnan(lw.range_lu) && isnan(lw.max_momentary_lufs) && isnan(lw.correlation),
       "what the lean meter does not measure is NAN");

    if (pm_segmeter_init_lean(&m, rate, both, start, end, 4) != PM_OK)
        bail_out("no lean meter");
    run_segmeter(&m, &s, 1, &bw, bs);
    int same = bw.integrated_lufs == lw.integrated_lufs && peak_of(&bw) == peak_of(&lw);
    for (int i = 0; i < 4; i++)
        same &= bs[i].integrated_lufs == ls[i].integrated_lufs && peak_of(&bs[i]) == peak_of(&ls[i]);
    ok(same, "blocks of 1 and 4096 frames give identical figures");

    /* files that end before the stream does: the frames after the last are measured too */
    end[3] = 1900000;
    if (pm_segmeter_init_lean(&m, rate, PM_SEGMETER_TRUE_PEAK, start, end, 4) != PM_OK)
        bail_out("no lean meter");
    run_segmeter(&m, &s, 4096, &lw, ls);
    double tail = tail_true_peak(&s, 1900000);
    ok(peak_of(&lw) == fmax(largest_of(ls, 4), tail), "with a tail after the last file: the "
       "whole's true peak is the largest of the files' and the tail's");

    /* segments with a gap between them: the whole keeps its own true-peak meter */
    int64_t gs[2] = {1000, 900000}, ge[2] = {500000, 1500000};
    if (pm_segmeter_init(&m, rate, gs, ge, 2) != PM_OK)
        bail_out("no full meter");
    run_segmeter(&m, &s, 5000, &fw, fs);
    if (pm_segmeter_init_lean(&m, rate, PM_SEGMETER_TRUE_PEAK, gs, ge, 2) != PM_OK)
        bail_out("no lean meter");
    run_segmeter(&m, &s, 5000, &lw, ls);
    ok(peak_of(&lw) == peak_of(&fw) && peak_of(&ls[1]) == peak_of(&fs[1]) &&
           isnan(lw.integrated_lufs) && isnan(ls[0].integrated_lufs),
       "not tiled: the whole's true peak %.4f dBTP is its own, as the full meter's; loudness "
       "not asked for is NAN", pm_db_from_linear(peak_of(&lw)));
    stereo_free(&s);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_gate(&rng);
    test_meter_figures(&rng);
    test_lean(&rng);
    return done_testing();
}
