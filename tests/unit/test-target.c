/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Target stages and their closed loop (target.h), measured on the demo's mixes (96 kHz, 24-bit,
 * tonal, percussive, low-bass and sibilant material), trimmed to 10 s each:
 *   - a CD target (44.1 kHz, 16-bit, shaped dither, -0.3 dBTP): every output sample's true
 *     peak, measured independently at 16x, at or under the ceiling;
 *   - streaming targets with album loudness -14 LUFS at -1 dBTP and track loudness -16 LUFS:
 *     within 0.1 LU, peaks under the ceiling;
 *   - an impossible target (-5 LUFS at -1 dBTP): reported as not met, with how close it came;
 *   - boost="no" leaves a quieter master alone;
 *   - two renders give identical output, bit for bit;
 *   - with a model lossy codec (its decoded peaks pass what it is given): a target the limiter
 *     will work hard on starts the codec's usual overshoot under the ceiling and stands in one
 *     pass, one the limiter only touches or one turned down starts at its ceiling; a loudness
 *     only aimed at (a lossy format's) does not fail a pass; and the last pass of an impossible
 *     target does not raise the gain, so that its kept output still holds the ceiling.
 */
#include "dsp/truepeak.h"
#include "premaster.h"
#include "target.h"

#include "../tap.h"
#include "measure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A writer that keeps the kept pass in memory. */
typedef struct memory_writer {
    int bits;
    double *l, *r; /* decoded, the current pass */
    size_t n, capacity;
    double *kept_l, *kept_r;
    size_t kept_n;
    int begins, ends_kept, ends_thrown;
    uint64_t hash; /* of the kept pass's samples */
    /* the model codec (model_decoded): its decoded true peak passes the samples' by
     * overshoot_db, and by jump_db more once their mean square passes knee_db (dBFS) */
    double overshoot_db, knee_db, jump_db;
} memory_writer;

static pm_status mw_begin(void *context, int pass, pm_diag *diag)
{
    (void)pass;
    (void)diag;
    memory_writer *w = context;
    w->begins++;
    w->n = 0;
    return PM_OK;
}

static pm_status mw_write(void *context, const int32_t *interleaved, const double *const *planar,
                          size_t frames, pm_diag *diag)
{
    (void)diag;
    memory_writer *w = context;
    if (w->n + frames > w->capacity) {
        w->capacity = (w->n + frames) * 2;
        w->l = realloc(w->l, w->capacity * sizeof(double));
        w->r = realloc(w->r, w->capacity * sizeof(double));
    }
    for (size_t i = 0; i < frames; i++) {
        if (interleaved) {
            w->l[w->n + i] = interleaved[2 * i] / 2147483648.0;
            w->r[w->n + i] = interleaved[2 * i + 1] / 2147483648.0;
        } else {
            w->l[w->n + i] = planar[0][i];
            w->r[w->n + i] = planar[1][i];
        }
    }
    w->n += frames;
    return PM_OK;
}

static pm_status mw_end(void *context, int keep, const pm_target_measure *m, pm_diag *diag)
{
    (void)m;
    (void)diag;
    memory_writer *w = context;
    if (!keep) {
        w->ends_thrown++;
        return PM_OK;
    }
    w->ends_kept++;
    free(w->kept_l);
    free(w->kept_r);
    w->kept_l = w->l;
    w->kept_r = w->r;
    w->kept_n = w->n;
    w->l = w->r = NULL;
    w->capacity = w->n = 0;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < w->kept_n; i++) {
        double v[2] = {w->kept_l[i], w->kept_r[i]};
        const unsigned char *b = (const unsigned char *)v;
        for (size_t k = 0; k < sizeof v; k++)
            h = (h ^ b[k]) * 1099511628211ULL;
    }
    w->hash = h;
    return PM_OK;
}


/* A lossy codec as the loop sees one: what it decodes peaks over what it was given, and more
 * once the pass is loud enough (as the limiter works harder). */
static pm_status model_decoded(void *context, double *true_peak_dbtp)
{
    memory_writer *w = context;
    double energy = 0.0;
    for (size_t i = 0; i < w->n; i++)
        energy += w->l[i] * w->l[i] + w->r[i] * w->r[i];
    double level_db = 10.0 * log10(energy / (2.0 * (double)(w->n ? w->n : 1)) + 1e-30);
    *true_peak_dbtp = measure_true_peak_dbtp(w->l, w->r, w->n, 8) + w->overshoot_db +
                      (level_db > w->knee_db ? w->jump_db : 0.0);
    return PM_OK;
}

static void mw_free(memory_writer *w)
{
    free(w->l);
    free(w->r);
    free(w->kept_l);
    free(w->kept_r);
}

static double true_peak_16x(const memory_writer *w)
{
    return measure_true_peak_dbtp(w->kept_l, w->kept_r, w->kept_n, 16);
}

static pm_project *load_demo(const char *dir)
{
    pm_diag *d = pm_diag_new();
    char *demo_path = NULL;
    if (pm_demo_write(dir, 1, d, &demo_path) != PM_OK)
        bail_out("cannot write the demo");
    free(demo_path);
    char path[512];
    snprintf(path, sizeof path, "%s/short.xml", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "<premaster version=\"1\">\n"
               "  <album title=\"Short\" artist=\"Test\"/>\n"
               "  <tracks>\n"
               "    <track src=\"mixes/01_first_light.wav\" title=\"1\" start=\"8\" end=\"18\"/>\n"
               "    <track src=\"mixes/02_engine_room.wav\" title=\"2\" start=\"5\" end=\"15\"/>\n"
               "    <track src=\"mixes/03_low_tide.wav\" title=\"3\" start=\"5\" end=\"15\" "
               "gain=\"-8\"/>\n"
               "    <track src=\"mixes/04_whisper_static.wav\" title=\"4\" start=\"5\" "
               "end=\"15\" gain=\"4\"/>\n"
               "  </tracks>\n"
               "  <deliver><cd/></deliver>\n"
               "</premaster>\n");
    fclose(f);
    pm_project *p = NULL;
    pm_status status = pm_project_load(path, d, &p);
    for (size_t i = 0; i < pm_diag_count(d); i++) {
        char *line = pm_diag_format(pm_diag_get(d, i));
        if (pm_diag_get(d, i)->severity != PM_SEV_NOTE)
            diag("%s", line);
        free(line);
    }
    pm_diag_free(d);
    if (status != PM_OK || !p)
        bail_out("the test project does not load");
    return p;
}

static pm_target_config base_config(const char *name, long rate, int bits, memory_writer *w)
{
    pm_target_config c = {.name = name, .rate = rate, .bits = bits,
                          .dither = PM_DITHER_MODE_SHAPED, .seed = 42, .has_ceiling = 1,
                          .ceiling_dbtp = -1.0, .release_sec = 0.05, .boost = 1};
    w->bits = bits;
    c.writer = (pm_target_writer){mw_begin, mw_write, mw_end, w};
    return c;
}

static void render(const pm_project *p, pm_target_config *configs, size_t count,
                   pm_target_result *results, int threads)
{
    pm_diag *d = pm_diag_new();
    pm_status status = pm_targets_render(p, configs, count, results, threads, NULL, NULL, d);
    for (size_t i = 0; i < pm_diag_count(d); i++) {
        char *line = pm_diag_format(pm_diag_get(d, i));
        diag("%s", line);
        free(line);
    }
    pm_diag_free(d);
    if (status != PM_OK)
        bail_out("the targets failed: %s", pm_strerror(status));
}

int main(void)
{
    char dir[] = "/tmp/pm-target.XXXXXX";
    if (!mkdtemp(dir))
        bail_out("cannot make a folder");
    pm_project *p = load_demo(dir);
    const pm_plan *plan = pm_project_plan(p);
    /* the files of a streaming target: each track from its start to the next one's */
    pm_target_segment segments[4];
    for (size_t i = 0; i < 4; i++)
        segments[i] = (pm_target_segment){plan->items[i].file_start, plan->items[i].file_end};

    memory_writer w[5] = {{0}};
    pm_target_config c[5];
    c[0] = base_config("cd", 44100, 16, &w[0]);
    c[0].ceiling_dbtp = -0.3;
    c[1] = base_config("album -14", 48000, 24, &w[1]);
    c[1].normalize = PM_TARGET_NORMALIZE_ALBUM;
    c[1].loudness_lufs = -14;
    c[2] = base_config("track -16", 96000, 24, &w[2]);
    c[2].normalize = PM_TARGET_NORMALIZE_TRACK;
    c[2].loudness_lufs = -16;
    c[2].segments = segments;
    c[2].segment_count = 4;
    c[3] = base_config("impossible -5", 44100, 24, &w[3]);
    c[3].normalize = PM_TARGET_NORMALIZE_ALBUM;
    c[3].loudness_lufs = -5;
    c[4] = base_config("no boost -10", 48000, 32, &w[4]);
    c[4].normalize = PM_TARGET_NORMALIZE_ALBUM;
    c[4].loudness_lufs = -10;
    c[4].boost = 0;
    pm_target_result r[5];
    render(p, c, 5, r, 4);
    for (int i = 0; i < 5; i++)
        diag("%s: %s after %d pass%s, %.2f LUFS, %.3f dBTP (8x), ceiling used %.2f, gain %.2f dB, "
             "limiter %.2f dB %s", c[i].name, r[i].met ? "met" : "NOT met", r[i].passes,
             r[i].passes == 1 ? "" : "es", r[i].measure.integrated_lufs,
             r[i].measure.true_peak_dbtp, r[i].ceiling_used_dbtp, r[i].gain_db,
             r[i].measure.limiter_reduction_db, r[i].why);

    int64_t cd_frames = (plan->total * 2 * 44100 + plan->rate) / (2 * plan->rate);
    is_int((long long)w[0].kept_n, (long long)cd_frames, "the CD output has the timeline's length "
           "at 44.1 kHz");
    double tp = true_peak_16x(&w[0]);
    ok(r[0].met && tp <= -0.3, "CD: true peak %.3f dBTP at 16x, at or under -0.3", tp);
    ok(w[0].ends_kept == 1 && w[0].ends_thrown == r[0].passes - 1,
       "the writer kept one pass and threw away the %d others", r[0].passes - 1);

    tp = true_peak_16x(&w[1]);
    ok(r[1].met && fabs(r[1].measure.integrated_lufs + 14) <= 0.1 && tp <= -1.0,
       "album normalisation: %.3f LUFS (-14 +-0.1), %.3f dBTP at 16x (<= -1)",
       r[1].measure.integrated_lufs, tp);

    double worst = 0;
    for (int s = 0; s < 4; s++)
        worst = fmax(worst, fabs(r[2].measure.segment_lufs[s] + 16));
    tp = true_peak_16x(&w[2]);
    ok(r[2].met && worst <= 0.1 && tp <= -1.0,
       "track normalisation: every file within %.3f LU of -16 (0.1), %.3f dBTP at 16x", worst,
       tp);

    ok(!r[3].met && strstr(r[3].why, "loudness") != NULL && r[3].passes == PM_TARGET_MAX_PASSES,
       "an impossible target is not met and says how close it came: %s", r[3].why);
    tp = true_peak_16x(&w[3]);
    ok(tp <= -1.0, "even then the ceiling holds: %.3f dBTP at 16x", tp);

    ok(r[4].met && r[4].gain_db == 0.0 && r[4].measure.integrated_lufs < -10.1,
       "boost=no leaves a quieter master (%.2f LUFS) as it is", r[4].measure.integrated_lufs);

    /* Again: the same bytes. */
    uint64_t first[5];
    for (int i = 0; i < 5; i++) {
        first[i] = w[i].hash;
        pm_target_result_fini(&r[i]);
    }
    render(p, c, 2, r, 1);
    ok(w[0].hash == first[0] && w[1].hash == first[1],
       "a second render, on one thread instead of four, gives identical output");
    for (int i = 0; i < 2; i++)
        pm_target_result_fini(&r[i]);
    /* Loud: the limiter takes several dB and with them a fraction of a LU of loudness, which
     * the probe before the first pass measures, so that the first pass lands. */
    pm_target_config loud = base_config("album -12", 48000, 24, &w[0]);
    loud.normalize = PM_TARGET_NORMALIZE_ALBUM;
    loud.loudness_lufs = -12;
    render(p, &loud, 1, r, 1);
    ok(r[0].met && r[0].passes == 1 && r[0].probed && r[0].measure.limiter_reduction_db > 3.0,
       "a target the limiter takes %.1f dB off is probed and met in %d pass(es) (%.2f LUFS)",
       r[0].measure.limiter_reduction_db, r[0].passes, r[0].measure.integrated_lufs);
    pm_target_result_fini(&r[0]);
    /* Turned well down, the master's peaks stay clear of the ceiling: no probe. */
    loud.loudness_lufs = -22;
    loud.name = "album -22";
    render(p, &loud, 1, r, 1);
    ok(r[0].met && r[0].passes == 1 && !r[0].probed && r[0].measure.limiter_reduction_db == 0.0,
       "turned down by %.1f dB: no probe, and the limiter indeed took nothing", -r[0].gain_db);
    pm_target_result_fini(&r[0]);

    /* A lossy target: float out, the model codec overshooting by 0.4 dB. */
    pm_target_config lossy = base_config("lossy album -12", 48000, 32, &w[0]);
    lossy.normalize = PM_TARGET_NORMALIZE_ALBUM;
    lossy.loudness_lufs = -12;
    lossy.decoded = model_decoded;
    w[0].overshoot_db = 0.4;
    w[0].knee_db = 0.0;
    w[0].jump_db = 0.0;
    lossy.codec_overshoot_db = 0.6;
    render(p, &lossy, 1, r, 1);
    ok(r[0].met && r[0].passes == 1 && r[0].ceiling_used_dbtp == -1.6 &&
           r[0].measure.decoded_true_peak_dbtp <= -1.0,
       "a lossy target the limiter works on starts 0.6 dB under the ceiling (%.2f dBTP) and "
       "stands in %d pass: decoded peak %.2f dBTP",
       r[0].ceiling_used_dbtp, r[0].passes, r[0].measure.decoded_true_peak_dbtp);
    pm_target_result_fini(&r[0]);
    lossy.codec_overshoot_db = 0.0;
    render(p, &lossy, 1, r, 1);
    ok(r[0].met && r[0].passes == 2 && r[0].measure.decoded_true_peak_dbtp <= -1.0,
       "without an expected overshoot it takes %d passes, the first encode thrown away",
       r[0].passes);
    pm_target_result_fini(&r[0]);
    /* The limiter only touching it, the ceiling is where the first pass starts. */
    lossy.codec_overshoot_db = 0.6;
    lossy.loudness_lufs = -15;
    render(p, &lossy, 1, r, 1);
    ok(r[0].met && r[0].passes == 2 && r[0].measure.limiter_reduction_db > 0.0 &&
           r[0].measure.limiter_reduction_db < 3.0 && r[0].measure.decoded_true_peak_dbtp <= -1.0,
       "a lossy target the limiter takes only %.1f dB off starts at the ceiling, and the loop "
       "finds the codec's overshoot (%d passes)",
       r[0].measure.limiter_reduction_db, r[0].passes);
    pm_target_result_fini(&r[0]);
    lossy.loudness_lufs = -22;
    render(p, &lossy, 1, r, 1);
    ok(r[0].met && r[0].passes == 1 && r[0].ceiling_used_dbtp == -1.0,
       "turned down clear of the ceiling, a lossy target keeps it (%.2f dBTP)",
       r[0].ceiling_used_dbtp);
    pm_target_result_fini(&r[0]);
    /* A lossy format's loudness is aimed at, not held: out of reach, the first pass that holds
     * the ceiling stands, and the report has its loudness. */
    lossy.loudness_lufs = -5;
    lossy.loudness_aim_only = 1;
    render(p, &lossy, 1, r, 1);
    ok(r[0].met && r[0].passes == 1 && r[0].measure.integrated_lufs < -5.1 &&
           r[0].measure.decoded_true_peak_dbtp <= -1.0,
       "aimed at, not held: -5 LUFS out of reach, the first pass stands at %.2f LUFS, decoded "
       "peak %.2f dBTP", r[0].measure.integrated_lufs, r[0].measure.decoded_true_peak_dbtp);
    pm_target_result_fini(&r[0]);
    lossy.loudness_aim_only = 0;
    /* Out of reach, with a codec that overshoots 2 dB more once the pass is loud enough: every
     * pass but the last raises the gain (here the passes' mean squares run -9.3, -8.8, -8.5,
     * -8.3 and -8.1 dBFS); the last keeps the fifth's, with its ceiling no higher, so that what
     * is kept holds the ceiling. With more gain, the last pass would pass the knee, just above
     * the fifth's level, and its decoded peak the ceiling by 1.75 dB. */
    lossy.loudness_lufs = -5;
    w[0].knee_db = -8.05;
    w[0].jump_db = 2.0;
    render(p, &lossy, 1, r, 1);
    ok(!r[0].met && r[0].passes == PM_TARGET_MAX_PASSES &&
           r[0].measure.decoded_true_peak_dbtp <= -1.0,
       "an impossible lossy target's kept pass holds the ceiling: decoded peak %.2f dBTP (%s)",
       r[0].measure.decoded_true_peak_dbtp, r[0].why);
    pm_target_result_fini(&r[0]);
    for (int i = 0; i < 5; i++)
        mw_free(&w[i]);
    pm_project_free(p);
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
