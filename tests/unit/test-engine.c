/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's timeline (engine.h), measured on a sequence of clicks: sources at 48, 44.1 and
 * 96 kHz (two of them converted to the 48 kHz working rate, through the resampler's latency;
 * the album chain holds a linear-phase mono-bass filter, with its own latency),
 * trims, gaps, a crossfade, a pause over audio (pregap-audio), an index and a hidden track.
 * Every click must come out on the sample the plan gives it, every gap must be digital
 * silence, and the stream must be exactly the plan's length; the same again after a target stage
 * that converts to 44.1 kHz and limits (two more latencies). Then: an equal-power crossfade of
 * uncorrelated noise keeps its power within 0.5 dB; fades follow their curves; the album chain
 * runs over the whole stream; two runs give identical streams.
 */
#include "engine.h"
#include "item.h"
#include "plan.h"
#include "premaster.h"
#include "target.h"

#include "../tap.h"
#include "capture.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKING_RATE 48000
#define CLICK 0.8

/* A target writer keeping the float output (bits 32) in a capture. */
static pm_status begin_target(void *context, int pass, pm_diag *d)
{
    (void)pass;
    (void)d;
    ((capture *)context)->n = 0;
    return PM_OK;
}

static pm_status keep_target(void *context, const int32_t *interleaved,
                             const double *const *planar, size_t frames, pm_diag *d)
{
    (void)interleaved;
    (void)d;
    return capture_block(context, planar, frames);
}

static pm_status end_target(void *context, int keep_pass, const pm_target_measure *m,
                            pm_diag *d)
{
    (void)context;
    (void)keep_pass;
    (void)m;
    (void)d;
    return PM_OK;
}

/* A stereo 24-bit WAV of seconds at rate: silence (or noise) with clicks at the given frames. */
static void write_source(const char *path, int rate, int channels, double seconds,
                         const long *clicks, int click_count, double noise, uint64_t seed)
{
    SF_INFO info = {.samplerate = rate, .channels = channels,
                    .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f)
        bail_out("cannot write %s: %s", path, sf_strerror(NULL));
    size_t n = (size_t)(seconds * rate);
    float *buf = calloc(n * (size_t)channels, sizeof *buf);
    uint64_t state = seed;
    for (size_t i = 0; noise > 0 && i < n * (size_t)channels; i++)
        buf[i] = (float)(noise * ((double)tap_rand_below(&state, 2000001) / 1e6 - 1.0));
    for (int k = 0; k < click_count; k++)
        for (int c = 0; c < channels; c++)
            buf[(size_t)clicks[k] * (size_t)channels + (size_t)c] = (float)CLICK;
    sf_writef_float(f, buf, (sf_count_t)n);
    sf_close(f);
    free(buf);
}

static const pm_project *load(const char *path, pm_project **project)
{
    pm_diag *d = pm_diag_new();
    pm_status status = pm_project_load(path, d, project);
    show_diag(d);
    if (status != PM_OK || !*project)
        bail_out("the test project does not load");
    return *project;
}

static capture master(const pm_project *p)
{
    capture c = {0};
    pm_diag *d = pm_diag_new();
    pm_status status = pm_engine_master(p, capture_block, &c, "test", NULL, NULL, d);
    show_diag(d);
    if (status != PM_OK)
        bail_out("the engine failed: %s", pm_strerror(status));
    return c;
}

/* The frame of the largest |sample| within +-radius of around. */
static long peak_near(const capture *c, long around, long radius)
{
    long best = -1;
    double best_value = 0;
    for (long i = around - radius; i <= around + radius; i++)
        if (i >= 0 && (size_t)i < c->n && fabs(c->l[i]) > best_value) {
            best_value = fabs(c->l[i]);
            best = i;
        }
    return best;
}

static void test_click_timeline(const char *dir)
{
    char path[512];
    /* t1: 48 kHz, 8 s, trimmed from 0.5 s: clicks at the trim start and 1 s later */
    long t1[] = {24000, 72000};
    snprintf(path, sizeof path, "%s/t1.wav", dir);
    write_source(path, 48000, 2, 8, t1, 2, 0, 0);
    /* t2: 44.1 kHz, 6 s: clicks at its first sample and at its index (1 s) */
    long t2[] = {0, 44100};
    snprintf(path, sizeof path, "%s/t2.wav", dir);
    write_source(path, 44100, 2, 6, t2, 2, 0, 0);
    /* t3: 96 kHz mono, 6 s, crossfaded 0.5 s into t2: a click 0.25 s in and one at 2 s */
    long t3[] = {24000, 192000};
    snprintf(path, sizeof path, "%s/t3.wav", dir);
    write_source(path, 96000, 1, 6, t3, 2, 0, 0);
    /* t4: 48 kHz, 5 s after a 1 s pause over t3's end: a click at its first sample */
    long t4[] = {0};
    snprintf(path, sizeof path, "%s/t4.wav", dir);
    write_source(path, 48000, 2, 5, t4, 1, 0, 0);
    /* h: the hidden track, 44.1 kHz, 1 s: a click at 0.5 s */
    long h[] = {22050};
    snprintf(path, sizeof path, "%s/h.wav", dir);
    write_source(path, 44100, 2, 1, h, 1, 0, 0);

    snprintf(path, sizeof path, "%s/clicks.xml", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "<premaster version=\"1\" rate=\"48000\">\n"
               "  <album title=\"Clicks\" artist=\"Test\"/>\n"
               "  <master><gain db=\"-1\"/><monobass below=\"150\" phase=\"linear\"/></master>\n"
               "  <tracks>\n"
               "    <htoa src=\"h.wav\" title=\"Hidden\"/>\n"
               "    <track src=\"t1.wav\" title=\"One\" start=\"0.5\" gap=\"4\"/>\n"
               "    <track src=\"t2.wav\" title=\"Two\" gap=\"1.5\"><index at=\"1\"/></track>\n"
               "    <track src=\"t3.wav\" title=\"Three\" crossfade=\"0.5\"/>\n"
               "    <track src=\"t4.wav\" title=\"Four\" pregap-audio=\"1\"/>\n"
               "  </tracks>\n"
               "  <deliver><cd/></deliver>\n"
               "</premaster>\n");
    fclose(f);
    pm_project *project = NULL;
    const pm_project *p = load(path, &project);
    const pm_plan *plan = p->plan;
    capture c = master(p);
    is_int((long long)c.n, (long long)plan->total, "the stream is exactly the plan's length");

    const pm_plan_item *hid = &plan->items[0], *one = &plan->items[1], *two = &plan->items[2],
                       *three = &plan->items[3], *four = &plan->items[4];
    struct {
        const char *what;
        long expected;
    } marks[] = {
        {"hidden track click (0.5 s into it, converted from 44.1 kHz)", (long)hid->start + 24000},
        {"track 1 start (its trim point, 48 kHz)", (long)one->start},
        {"track 1, 1 s in", (long)one->start + 48000},
        {"track 2 start (44.1 kHz, through the resampler)", (long)two->start},
        {"track 2 index 2", (long)two->index_at[0]},
        {"track 3, 0.25 s in, inside the crossfade (96 kHz mono)", (long)three->start + 12000},
        {"track 3, 2 s in", (long)three->start + 96000},
        {"track 4 start, after a pause over audio", (long)four->start},
    };
    double gain = pow(10.0, -1.0 / 20.0);
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        long at = peak_near(&c, marks[k].expected, 200);
        ok(at == marks[k].expected && fabs(c.l[at]) > 0.3 * CLICK * gain,
           "%s lands on sample %ld (found %ld, %.3f)", marks[k].what, marks[k].expected, at,
           at >= 0 ? c.l[at] : 0.0);
    }
    is_int((long long)two->index_at[0], (long long)two->start + 48000,
           "the plan puts index 2 of track 2 1 s after its start");
    is_int((long long)three->start, (long long)two->end - 24000,
           "the crossfade starts track 3 0.5 s before track 2 ends");
    /* Gaps are digital silence: before the hidden track, between it and track 1, before 2. */
    int silent = 1;
    for (int64_t i = 0; i < hid->start; i++)
        silent &= c.l[i] == 0.0 && c.r[i] == 0.0;
    for (int64_t i = hid->end; i < one->start; i++)
        silent &= c.l[i] == 0.0 && c.r[i] == 0.0;
    for (int64_t i = one->end; i < two->start; i++)
        silent &= c.l[i] == 0.0 && c.r[i] == 0.0;
    ok(silent, "every gap is digital silence (0.0 exactly)");
    /* Track 1 has no resampler: its samples are the source's times the album gain, exactly
     * (the source is float: 0.8 as a float). */
    ok(c.l[one->start] == (double)(float)CLICK * gain,
       "an unconverted track arrives bit for bit, times the album gain");

    capture again = master(p);
    ok(again.n == c.n && memcmp(again.l, c.l, c.n * sizeof(double)) == 0 &&
           memcmp(again.r, c.r, c.n * sizeof(double)) == 0,
       "two runs give identical streams");
    free(again.l);
    free(again.r);

    /* Through a target stage too: converted to 44.1 kHz, limited (its look-ahead), every click
     * lands where the plan's sample says at the new rate (all these are exact multiples). */
    capture t = {0};
    pm_target_config cfg = {.name = "clicks at 44.1 kHz", .rate = 44100, .bits = 32,
                            .has_ceiling = 1, .ceiling_dbtp = -0.5, .release_sec = 0.05,
                            .writer = {NULL, keep_target, NULL, &t}};
    cfg.writer.begin = begin_target;
    cfg.writer.end = end_target;
    pm_target_result result;
    pm_diag *d = pm_diag_new();
    pm_status status = pm_targets_render(p, &cfg, 1, &result, 2, NULL, NULL, d);
    show_diag(d);
    int64_t total44 = (plan->total * 2 * 44100 + plan->rate) / (2 * plan->rate);
    ok(status == PM_OK && (int64_t)t.n == total44,
       "the target's output is the timeline's length at 44.1 kHz (%zu frames)", t.n);
    for (size_t k = 0; status == PM_OK && k < sizeof marks / sizeof marks[0]; k++) {
        long expected = (long)((int64_t)marks[k].expected * 44100 / 48000);
        long at = peak_near(&t, expected, 200);
        ok(at == expected, "through rate conversion and the limiter: %s lands on sample %ld at "
           "44.1 kHz (found %ld)", marks[k].what, expected, at);
    }
    pm_target_result_fini(&result);
    free(t.l);
    free(t.r);
    free(c.l);
    free(c.r);
    pm_project_free(project);
}

static void test_crossfade_power_and_fades(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/n1.wav", dir);
    write_source(path, 48000, 2, 6, NULL, 0, 0.5, 1);
    snprintf(path, sizeof path, "%s/n2.wav", dir);
    write_source(path, 48000, 2, 6, NULL, 0, 0.5, 2);
    snprintf(path, sizeof path, "%s/noise.xml", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "<premaster version=\"1\">\n"
               "  <album title=\"Noise\" artist=\"Test\"/>\n"
               "  <tracks>\n"
               "    <track src=\"n1.wav\" title=\"One\" fade-in=\"1\" fade-curve=\"linear\"/>\n"
               "    <track src=\"n2.wav\" title=\"Two\" crossfade=\"3\"/>\n"
               "  </tracks>\n"
               "</premaster>\n");
    fclose(f);
    pm_project *project = NULL;
    const pm_project *p = load(path, &project);
    const pm_plan *plan = p->plan;
    capture c = master(p);
    const pm_plan_item *two = &plan->items[1];
    /* Power in 20 ms windows through the crossfade against the steady level before it. */
    size_t w = 960;
    double ref = 0;
    for (size_t i = (size_t)two->start - 48000; i < (size_t)two->start; i++)
        ref += c.l[i] * c.l[i] + c.r[i] * c.r[i];
    ref /= 48000;
    double worst = 0;
    for (size_t s = (size_t)two->start; s + w <= (size_t)(two->start + two->crossfade); s += w) {
        double e = 0;
        for (size_t i = s; i < s + w; i++)
            e += c.l[i] * c.l[i] + c.r[i] * c.r[i];
        double db = 10 * log10(e / (double)w / ref);
        worst = fmax(worst, fabs(db));
    }
    ok(worst <= 0.5, "uncorrelated noise keeps its power through the equal-power crossfade: "
       "worst 20 ms window %.3f dB (within 0.5)", worst);
    /* The linear fade-in: at 0.25 s the gain is 0.25; compare the envelope in 50 ms windows. */
    const pm_plan_item *one = &plan->items[0];
    double fade_worst = 0;
    for (int k = 1; k < 19; k++) {
        size_t mid = (size_t)one->start + (size_t)k * 2400;
        double e = 0;
        for (size_t i = mid - 600; i < mid + 600; i++)
            e += c.l[i] * c.l[i];
        double rms = sqrt(e / 1200), expected = sqrt(ref / 2) * ((double)(mid - one->start) / 48000);
        fade_worst = fmax(fade_worst, fabs(20 * log10(rms / expected)));
    }
    ok(fade_worst < 0.5, "a linear fade-in follows its line: worst 25 ms window %.3f dB off",
       fade_worst);
    ok(c.l[one->start] == 0.0 && c.r[one->start] == 0.0, "a fade-in starts from 0");
    free(c.l);
    free(c.r);
    pm_project_free(project);
}

static void test_fade_curves(void)
{
    static const pm_fade_curve curves[] = {PM_FADE_LINEAR, PM_FADE_LOG, PM_FADE_EXP,
                                           PM_FADE_SCURVE};
    int monotonic = 1, ends = 1;
    for (size_t k = 0; k < 4; k++) {
        double prev = -1;
        for (int64_t j = 0; j <= 1000; j++) {
            double g = pm_fade_in_gain(curves[k], j, 1000);
            monotonic &= g >= prev;
            prev = g;
        }
        ends &= pm_fade_in_gain(curves[k], 0, 1000) == 0.0 &&
                pm_fade_in_gain(curves[k], 1000, 1000) == 1.0;
    }
    ok(monotonic && ends, "every fade curve rises from 0 to 1 and never falls");
    ok(pm_fade_in_gain(PM_FADE_LOG, 500, 1000) > 0.5 && pm_fade_in_gain(PM_FADE_EXP, 500, 1000) < 0.5 &&
           fabs(pm_fade_in_gain(PM_FADE_SCURVE, 500, 1000) - 0.5) < 1e-12,
       "log is above the line at half way, exp under it, the s-curve on it");
    double worst = 0;
    for (int64_t j = 0; j < 777; j++) {
        double a = pm_crossfade_in_gain(j, 777), b = pm_crossfade_out_gain(j, 777);
        worst = fmax(worst, fabs(a * a + b * b - 1));
    }
    ok(worst < 1e-12, "the crossfade gains' squares sum to 1 at every frame");
}

int main(void)
{
    char dir[] = "/tmp/pm-engine.XXXXXX";
    if (!mkdtemp(dir))
        bail_out("cannot make a folder");
    test_click_timeline(dir);
    test_crossfade_power_and_fades(dir);
    test_fade_curves();
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
