/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The meter (dsp/meter.h), measured against the EBU compliance cases synthesised here
 * (dsp-notes.md 1.3; tolerances from the specs: loudness +-0.1 LU, LRA +-1 LU):
 *   Tech 3341 cases 1-5 (I, and M and S for 1-2), 9 (S), 10 (max S of 20 files),
 *   12 (M), 13 (max M of 20 files), 15 and 19 (true peak);
 *   Tech 3342 cases 1-4 (LRA);
 * our 10 ms momentary and short-term loudness against libebur128 read at the same moments;
 * the K-weighting against the 48 kHz coefficients of BS.1770-4; DC, clipping, correlation
 * (whole band and below 300 Hz), block-size independence.
 */
#include "dsp/meter.h"
#include "dsp/truepeak.h"

#include "../tap.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846
#define RATE 48000.0

/* A stereo signal built segment by segment. */
typedef struct signal {
    double *l, *r;
    size_t n, capacity;
} signal;

static void grow(signal *s, size_t more)
{
    if (s->n + more <= s->capacity)
        return;
    s->capacity = (s->n + more) * 2;
    s->l = realloc(s->l, s->capacity * sizeof(double));
    s->r = realloc(s->r, s->capacity * sizeof(double));
    if (!s->l || !s->r)
        bail_out("out of memory");
}

/* seconds of a 1 kHz tone at level_db (per channel peak, dBFS), in phase on both channels;
 * a level under -200 is silence. The phase runs on across segments. */
static void tone(signal *s, double seconds, double level_db)
{
    size_t n = (size_t)llround(seconds * RATE);
    grow(s, n);
    double a = level_db < -200 ? 0.0 : pow(10.0, level_db / 20.0);
    for (size_t i = 0; i < n; i++) {
        double v = a * sin(2 * PI * 1000.0 * (double)(s->n + i) / RATE);
        s->l[s->n + i] = v;
        s->r[s->n + i] = v;
    }
    s->n += n;
}

static void release(signal *s)
{
    free(s->l);
    free(s->r);
    *s = (signal){0};
}

static pm_meter_result measure_blocks(const signal *s, size_t block, unsigned flags)
{
    pm_meter *m = NULL;
    pm_meter_result r = {0};
    if (pm_meter_new(2, RATE, flags, &m) != PM_OK)
        bail_out("cannot make a meter");
    for (size_t i = 0; i < s->n; i += block) {
        const double *in[2] = {s->l + i, s->r + i};
        if (pm_meter_process(m, in, s->n - i < block ? s->n - i : block) != PM_OK)
            bail_out("the meter refused a block");
    }
    if (pm_meter_finish(m, &r) != PM_OK)
        bail_out("the meter failed to finish");
    pm_meter_free(m);
    return r;
}

static pm_meter_result measure(const signal *s)
{
    return measure_blocks(s, 1000, 0);
}

static void test_k_weighting_table(void)
{
    /* The meter derives its K-weighting at any rate from analog prototypes. At 48 kHz the
     * loudness of a tone must be what the coefficients printed in BS.1770-4 Annex 1 (Tables 1
     * and 2) give: -0.691 + 10 log10(sum of channel mean squares) + the filters' gain in dB. */
    static const double b1[3] = {1.53512485958697, -2.69169618940638, 1.19839281085285};
    static const double a1[3] = {1.0, -1.69065929318241, 0.73248077421585};
    static const double b2[3] = {1.0, -2.0, 1.0};
    static const double a2[3] = {1.0, -1.99004745483398, 0.99007225036621};
    static const double freqs[] = {25, 50, 100, 500, 1000, 2000, 5000, 10000, 15000, 20000};
    for (size_t f = 0; f < sizeof freqs / sizeof freqs[0]; f++) {
        double w = 2 * PI * freqs[f] / RATE;
        double complex_mag = 1.0;
        const double *bs[2] = {b1, b2}, *as[2] = {a1, a2};
        for (int k = 0; k < 2; k++) {
            double nr = bs[k][0] + bs[k][1] * cos(w) + bs[k][2] * cos(2 * w);
            double ni = -bs[k][1] * sin(w) - bs[k][2] * sin(2 * w);
            double dr = as[k][0] + as[k][1] * cos(w) + as[k][2] * cos(2 * w);
            double di = -as[k][1] * sin(w) - as[k][2] * sin(2 * w);
            complex_mag *= sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
        }
        /* both channels: mean square a^2 / 2 each */
        size_t n = (size_t)(4 * RATE);
        signal t = {0};
        grow(&t, n);
        double amplitude = 0.25;
        for (size_t i = 0; i < n; i++)
            t.l[i] = t.r[i] = amplitude * sin(2 * PI * freqs[f] * (double)i / RATE);
        t.n = n;
        pm_meter_result r = measure(&t);
        double expected = -0.691 + 10 * log10(2 * 0.5 * amplitude * amplitude) +
                          20 * log10(complex_mag);
        ok(fabs(r.max_shortterm_lufs - expected) < 0.01,
           "a %g Hz tone reads %.3f LUFS short-term, as the BS.1770-4 48 kHz filters give "
           "(%.3f)", freqs[f], r.max_shortterm_lufs, expected);
        release(&t);
    }
}

static void test_3341_loudness(void)
{
    signal s = {0};
    tone(&s, 20, -23);
    pm_meter_result r = measure(&s);
    ok(fabs(r.integrated_lufs + 23) <= 0.1 && fabs(r.max_momentary_lufs + 23) <= 0.1 &&
           fabs(r.max_shortterm_lufs + 23) <= 0.1,
       "case 1: I %.3f, M %.3f, S %.3f LUFS (-23.0 +-0.1)", r.integrated_lufs,
       r.max_momentary_lufs, r.max_shortterm_lufs);
    release(&s);

    tone(&s, 20, -33);
    r = measure(&s);
    ok(fabs(r.integrated_lufs + 33) <= 0.1 && fabs(r.max_momentary_lufs + 33) <= 0.1 &&
           fabs(r.max_shortterm_lufs + 33) <= 0.1,
       "case 2: I %.3f, M %.3f, S %.3f LUFS (-33.0 +-0.1)", r.integrated_lufs,
       r.max_momentary_lufs, r.max_shortterm_lufs);
    release(&s);

    tone(&s, 10, -36);
    tone(&s, 60, -23);
    tone(&s, 10, -36);
    r = measure(&s);
    ok(fabs(r.integrated_lufs + 23) <= 0.1, "case 3: I %.3f LUFS (-23.0 +-0.1)",
       r.integrated_lufs);
    release(&s);

    tone(&s, 10, -72);
    tone(&s, 10, -36);
    tone(&s, 60, -23);
    tone(&s, 10, -36);
    tone(&s, 10, -72);
    r = measure(&s);
    ok(fabs(r.integrated_lufs + 23) <= 0.1, "case 4: I %.3f LUFS (-23.0 +-0.1)",
       r.integrated_lufs);
    release(&s);

    tone(&s, 20, -26);
    tone(&s, 20.1, -20);
    tone(&s, 20, -26);
    r = measure(&s);
    ok(fabs(r.integrated_lufs + 23) <= 0.1, "case 5: I %.3f LUFS (-23.0 +-0.1)",
       r.integrated_lufs);
    release(&s);

    for (int i = 0; i < 5; i++) {
        tone(&s, 1.34, -20);
        tone(&s, 1.66, -30);
    }
    r = measure(&s);
    ok(fabs(r.max_shortterm_lufs + 23) <= 0.1, "case 9: max S %.3f LUFS (-23.0 +-0.1)",
       r.max_shortterm_lufs);
    release(&s);

    for (int i = 0; i < 25; i++) {
        tone(&s, 0.18, -20);
        tone(&s, 0.22, -30);
    }
    r = measure(&s);
    ok(fabs(r.max_momentary_lufs + 23) <= 0.1, "case 12: max M %.3f LUFS (-23.0 +-0.1)",
       r.max_momentary_lufs);
    release(&s);

    /* Cases 10 and 13 are 20 files each: the burst after i steps of silence. */
    double worst10 = 0, worst13 = 0;
    for (int i = 0; i < 20; i++) {
        tone(&s, i * 0.15, -999);
        tone(&s, 3.0, -23);
        tone(&s, 1.0, -999);
        r = measure(&s);
        worst10 = fmax(worst10, fabs(r.max_shortterm_lufs + 23));
        release(&s);
        tone(&s, i * 0.02, -999);
        tone(&s, 0.4, -23);
        tone(&s, 1.0, -999);
        r = measure(&s);
        worst13 = fmax(worst13, fabs(r.max_momentary_lufs + 23));
        release(&s);
    }
    ok(worst10 <= 0.1, "case 10: max S of all 20 files within %.3f LU of -23.0 (+-0.1)",
       worst10);
    ok(worst13 <= 0.1, "case 13: max M of all 20 files within %.3f LU of -23.0 (+-0.1)",
       worst13);
}

static void test_3342_range(void)
{
    static const struct {
        int number;
        double levels[5];
        int count;
        double expected;
    } cases[] = {
        {1, {-20, -30}, 2, 10}, {2, {-20, -15}, 2, 5}, {3, {-40, -20}, 2, 20},
        {4, {-50, -35, -20, -35, -50}, 5, 15},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        signal s = {0};
        for (int k = 0; k < cases[c].count; k++)
            tone(&s, 20, cases[c].levels[k]);
        pm_meter_result r = measure(&s);
        ok(fabs(r.range_lu - cases[c].expected) <= 1.0, "Tech 3342 case %d: LRA %.2f LU (%.0f +-1)",
           cases[c].number, r.range_lu, cases[c].expected);
        release(&s);
    }
}

/* Our momentary and short-term loudness every 10 ms equal libebur128's read at the same moment. */
static void test_against_libebur128(uint64_t *rng)
{
    signal s = {0};
    for (int k = 0; k < 12; k++)
        tone(&s, 0.37 + 0.01 * (double)tap_rand_below(rng, 50),
             -40.0 + (double)tap_rand_below(rng, 35));
    ebur128_state *st = ebur128_init(2, (unsigned long)RATE, EBUR128_MODE_S);
    double max_m = -HUGE_VAL, max_s = -HUGE_VAL;
    size_t step = (size_t)(RATE / 100);
    double *frames = malloc(2 * step * sizeof *frames);
    for (size_t i = 0; i + step <= s.n; i += step) {
        for (size_t j = 0; j < step; j++) {
            frames[2 * j] = s.l[i + j];
            frames[2 * j + 1] = s.r[i + j];
        }
        ebur128_add_frames_double(st, frames, step);
        double m, sh;
        ebur128_loudness_momentary(st, &m);
        ebur128_loudness_shortterm(st, &sh);
        max_m = fmax(max_m, m);
        max_s = fmax(max_s, sh);
    }
    free(frames);
    ebur128_destroy(&st);
    pm_meter_result r = measure_blocks(&s, 777, 0);
    ok(fabs(r.max_momentary_lufs - max_m) < 0.001 && fabs(r.max_shortterm_lufs - max_s) < 0.001,
       "max M %.4f and max S %.4f equal libebur128 read every 10 ms (%.4f, %.4f) within 0.001",
       r.max_momentary_lufs, r.max_shortterm_lufs, max_m, max_s);
    /* Block sizes change nothing at all. */
    pm_meter_result a = measure_blocks(&s, 1, 0), b = measure_blocks(&s, 4096, 0);
    ok(a.integrated_lufs == b.integrated_lufs && a.max_momentary_lufs == b.max_momentary_lufs &&
           a.max_shortterm_lufs == b.max_shortterm_lufs && a.true_peak[0] == b.true_peak[0] &&
           a.range_lu == b.range_lu,
       "block sizes 1 and 4096 give identical figures");
    release(&s);
}

static void test_peaks_dc_clipping(void)
{
    signal s = {0};
    tone(&s, 2, -6.0206);
    /* Case 15's shape: fs/4 at 45 degrees has samples at 0.354 and a true peak of 0.5. */
    size_t fade = (size_t)(0.01 * RATE); /* 10 ms raised-cosine fades, as Tech 3341 asks */
    for (size_t i = 0; i < s.n; i++) {
        size_t edge = i < s.n - 1 - i ? i : s.n - 1 - i;
        double g = edge < fade ? 0.5 - 0.5 * cos(PI * (double)edge / (double)fade) : 1.0;
        s.l[i] = g * 0.5 * sin(2 * PI * (double)i / 4.0 + PI / 4);
    }
    pm_meter_result r = measure_blocks(&s, 1000, PM_METER_EBUR128_TRUE_PEAK);
    ok(fabs(pm_db_from_linear(r.true_peak[0]) + 6.0206) < 0.01,
       "true peak of fs/4 at 45 degrees: %.3f dBTP (-6.02)", pm_db_from_linear(r.true_peak[0]));
    ok(fabs(pm_db_from_linear(r.sample_peak[0]) + 9.03) < 0.01,
       "its sample peak: %.3f dBFS (-9.03)", pm_db_from_linear(r.sample_peak[0]));
    ok(isfinite(r.true_peak_ebur128[0]) &&
           fabs(pm_db_from_linear(r.true_peak_ebur128[0]) + 6.0) <= 0.4,
       "libebur128's true peak when asked: %.3f dBTP", pm_db_from_linear(r.true_peak_ebur128[0]));
    r = measure(&s);
    ok(isnan(r.true_peak_ebur128[0]), "libebur128's true peak is NAN when not asked for");

    for (size_t i = 0; i < s.n; i++) {
        s.l[i] = 0.01 + 0.1 * sin(2 * PI * 100 * (double)i / RATE);
        s.r[i] = i % 1000 == 0 ? (i % 2000 ? 1.0 : -1.0) : 0.0;
    }
    r = measure(&s);
    ok(fabs(r.dc[0] - 0.01) < 1e-6, "DC of a 0.01 offset: %.9f", r.dc[0]);
    is_int((long long)r.clipped[0], 0, "no clipped samples on the left");
    is_int((long long)r.clipped[1], (long long)(s.n / 1000), "each full-scale sample counted");
    release(&s);
}

static void test_correlation(void)
{
    signal s = {0};
    size_t n = (size_t)(6 * RATE);
    grow(&s, n);
    s.n = n;
    /* 4 s of in-phase 1 kHz over in-phase 60 Hz, then 2 s where the 60 Hz is out of phase */
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE, hi = 0.3 * sin(2 * PI * 1000 * t);
        double bass = 0.3 * sin(2 * PI * 60 * t);
        s.l[i] = hi + bass;
        s.r[i] = hi + (t < 4.0 ? bass : -bass);
    }
    pm_meter_result r = measure(&s);
    ok(r.min_lf_correlation < -0.95, "out-of-phase bass: minimum correlation below 300 Hz %.3f",
       r.min_lf_correlation);
    ok(r.min_lf_correlation_sec >= 3.6 && r.min_lf_correlation_sec <= 5.6,
       "found in the out-of-phase part: window at %.2f s (the bass turns at 4.00 s)",
       r.min_lf_correlation_sec);
    ok(r.correlation > 0.2 && r.correlation < 0.8, "whole-band correlation in between: %.3f",
       r.correlation);
    for (size_t i = 0; i < n; i++)
        s.r[i] = s.l[i];
    r = measure(&s);
    ok(fabs(r.correlation - 1.0) < 1e-9 && fabs(r.min_lf_correlation - 1.0) < 1e-9,
       "identical channels: correlation 1 (%.12f) and 1 below 300 Hz", r.correlation);
    for (size_t i = 0; i < n; i++)
        s.r[i] = -s.l[i];
    r = measure(&s);
    ok(fabs(r.correlation + 1.0) < 1e-9, "inverted channel: correlation -1");
    for (size_t i = 0; i < n; i++)
        s.l[i] = s.r[i] = 0.0;
    r = measure(&s);
    ok(isnan(r.correlation) && isnan(r.min_lf_correlation) && isinf(r.integrated_lufs),
       "silence: no correlation and -inf loudness");
    release(&s);
}

/* Stereo meters take their own path (one loop for every sum) unless libebur128's true peak is
 * asked for: both paths must give the same figures, bit for bit, whatever the block sizes. */
static void test_stereo_path(uint64_t *rng)
{
    signal s = {0};
    size_t n = (size_t)(7 * RATE) + 123;
    grow(&s, n);
    s.n = n;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE, env = 0.2 + 0.7 * fabs(sin(2 * PI * 0.3 * t));
        double noise_l = (double)(tap_rand(rng) >> 11) * 0x1.0p-53 - 0.5;
        double noise_r = (double)(tap_rand(rng) >> 11) * 0x1.0p-53 - 0.5;
        s.l[i] = env * (0.6 * sin(2 * PI * 80 * t) + 0.3 * noise_l);
        s.r[i] = env * (0.6 * sin(2 * PI * 80 * t + 1.0) + 0.3 * noise_r);
        if (i % 9001 == 0)
            s.l[i] = 1.0; /* a clipped sample now and then */
    }
    static const size_t blocks[] = {1, 479, 480, 4096, 4097, 65536};
    int same = 1;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        pm_meter_result a = measure_blocks(&s, blocks[b], 0);
        pm_meter_result g = measure_blocks(&s, blocks[b], PM_METER_EBUR128_TRUE_PEAK);
        for (int c = 0; c < 2; c++) {
            a.true_peak_ebur128[c] = g.true_peak_ebur128[c] = 0.0;
            same &= a.sample_peak[c] == g.sample_peak[c] && a.true_peak[c] == g.true_peak[c] &&
                    a.dc[c] == g.dc[c] && a.clipped[c] == g.clipped[c] &&
                    a.true_peak_frame[c] == g.true_peak_frame[c];
        }
        same &= a.integrated_lufs == g.integrated_lufs && a.range_lu == g.range_lu &&
                a.max_momentary_lufs == g.max_momentary_lufs &&
                a.max_shortterm_lufs == g.max_shortterm_lufs && a.correlation == g.correlation &&
                a.min_lf_correlation == g.min_lf_correlation &&
                a.min_lf_correlation_sec == g.min_lf_correlation_sec && a.clipped[0] > 0;
    }
    ok(same, "the stereo path and the general one give the same figures, bit for bit, in blocks "
       "of 1 to 65536 frames");
    release(&s);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_k_weighting_table();
    test_3341_loudness();
    test_3342_range();
    test_against_libebur128(&rng);
    test_peaks_dc_clipping();
    test_correlation();
    test_stereo_path(&rng);
    pm_meter *m = NULL;
    ok(pm_meter_new(9, RATE, 0, &m) == PM_ERR_INVALID && !m, "9 channels are refused");
    ok(pm_meter_new(2, 1000, 0, &m) == PM_ERR_INVALID && !m, "1 kHz is refused");
    return done_testing();
}
