/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/limiter.h"
#include "dsp/resample.h"
#include "dsp/truepeak.h"
#include "fan.h"
#include "gainstage.h"
#include "segmeter.h"
#include "target.h"

enum { CHANNELS = 2, MAX_OUT_BLOCK = 1 << 16 };

/* ---- one target's pass ---------------------------------------------------------------------- */

typedef struct target_run {
    const pm_target_config *cfg;
    pm_target_result *result;
    int active;
    int begun; /* a pass is under way: its writer began and its buffers exist */
    pm_resampler_engine resampler;
    int64_t working_rate;
    double ceiling_dbtp;   /* the limiter's, lowered pass by pass */
    double *gain_db;       /* per segment, or [0] for the album */
    double *master_lufs;   /* the mastered stream's loudness per segment, or [0] the album's */
    double *master_peak_db; /* its sample peak (dBFS), the same way */
    /* per pass */
    pm_pipeline *pipeline;
    pm_ditherer *ditherer;
    int32_t *quantised;
    double *decoded[CHANNELS];
    pm_segmeter meters;   /* the output, whole and per segment */
    /* With threads, the final samples reach the writer and the meter through a fan of their
     * own, each consumer on a thread (write_block, meter_block): an encoder (LAME above all,
     * but FLAC too) costs more than the target's stages, and a lossy target's later passes run
     * alone. Without threads, target_sink calls both. */
    pm_fan *final_fan;
    int32_t *write_buffer; /* the writer's thread: the samples interleaved again */
    int threads;           /* for the writer and the meter, in this pass */
    int64_t *segment_start, *segment_end; /* at the target rate */
    int64_t *master_start, *master_end;   /* at the working rate */
    int64_t frames_out;
    uint64_t clipped;
} target_run;

int64_t pm_target_frames_at(int64_t frames, int64_t from, int64_t to)
{
    return (2 * frames * to + from) / (2 * from);
}

static void pass_free(target_run *t)
{
    t->begun = 0;
    pm_pipeline_free(t->pipeline);
    t->pipeline = NULL;
    pm_dither_free(t->ditherer);
    t->ditherer = NULL;
    free(t->quantised);
    t->quantised = NULL;
    for (int c = 0; c < CHANNELS; c++) {
        free(t->decoded[c]);
        t->decoded[c] = NULL;
    }
    pm_fan_free(t->final_fan);
    t->final_fan = NULL;
    free(t->write_buffer);
    t->write_buffer = NULL;
    pm_segmeter_fini(&t->meters);
}

/* The final samples to the writer, on its thread: the decoded samples are the quantised ones
 * exactly (int32 * 2^-31), so they are recovered without rounding. */
static pm_status write_block(void *context, const double *const *block, size_t frames)
{
    target_run *t = context;
    const pm_target_writer *w = &t->cfg->writer;
    if (t->cfg->bits == 32)
        return w->write(w->context, NULL, block, frames, NULL);
    for (int c = 0; c < CHANNELS; c++)
        for (size_t i = 0; i < frames; i++)
            t->write_buffer[i * CHANNELS + (size_t)c] = (int32_t)(block[c][i] * 2147483648.0);
    return w->write(w->context, t->write_buffer, NULL, frames, NULL);
}

/* The final samples to the meter, on its thread. */
static pm_status meter_block(void *context, const double *const *block, size_t frames)
{
    target_run *t = context;
    return pm_segmeter_process(&t->meters, block, frames);
}

/* The final samples: quantise, write, decode what was written and measure it. */
static pm_status target_sink(void *context, const double *const *block, size_t frames)
{
    target_run *t = context;
    const pm_target_config *cfg = t->cfg;
    pm_status status;
    const double *const *final = block;
    if (cfg->bits != 32) {
        pm_dither_process(t->ditherer, block, frames, t->quantised, t->decoded);
        final = (const double *const *)t->decoded;
    }
    t->frames_out += (int64_t)frames;
    if (t->final_fan)
        return pm_fan_push(t->final_fan, final, frames);
    if (cfg->bits != 32)
        status = cfg->writer.write(cfg->writer.context, t->quantised, NULL, frames, NULL);
    else
        status = cfg->writer.write(cfg->writer.context, NULL, block, frames, NULL);
    if (status != PM_OK)
        return status;
    return pm_segmeter_process(&t->meters, final, frames);
}

/* The stages of a pass - gain, rate conversion, the target's extra stages, the limiter - as one
 * pipeline from the working rate; *out is its output format. */
static pm_status build_pipeline(const target_run *t, pm_pipeline **pipeline,
                                pm_stage_format *out, pm_diag *diag)
{
    const pm_target_config *cfg = t->cfg;
    pm_status status = PM_ERR_NOMEM;
    pm_stage **extra = NULL;
    size_t extra_count = 0;
    if (cfg->extra) {
        status = cfg->extra(cfg->extra_context, &extra, &extra_count, diag);
        if (status != PM_OK)
            return status;
    }
    pm_stage **stages = pm_alloc_zeroed(extra_count + 3, sizeof *stages);
    if (!stages) {
        for (size_t i = 0; i < extra_count; i++)
            pm_stage_free(extra[i]);
        free(extra);
        return PM_ERR_NOMEM;
    }
    size_t n = 0;
    status = pm_gain_schedule_new(cfg->segments,
                                  cfg->normalize == PM_TARGET_NORMALIZE_TRACK ? cfg->segment_count
                                                                                : 0,
                                  t->gain_db, &stages[n++]);
    if (status == PM_OK && cfg->rate != t->working_rate)
        status = pm_resample_new(t->resampler, (double)cfg->rate, &stages[n++], diag);
    for (size_t i = 0; i < extra_count; i++) {
        if (status == PM_OK)
            stages[n++] = extra[i];
        else
            pm_stage_free(extra[i]);
    }
    free(extra);
    if (status == PM_OK && cfg->has_ceiling) {
        pm_limiter_config lc;
        pm_limiter_config_init(&lc);
        lc.ceiling_dbtp = t->ceiling_dbtp;
        lc.release_sec = cfg->release_sec;
        status = pm_limiter_new(&lc, &stages[n++], diag);
    }
    if (status != PM_OK) {
        for (size_t i = 0; i < n; i++)
            pm_stage_free(stages[i]);
        free(stages);
        return status;
    }
    pm_stage_format in = {.rate_hz = (double)t->working_rate, .channels = CHANNELS,
                          .max_block_frames = PM_ENGINE_BLOCK};
    status = pm_pipeline_new(stages, n, &in, out, diag, pipeline);
    free(stages);
    return status;
}

static pm_status pass_begin(target_run *t, int pass, pm_diag *diag)
{
    const pm_target_config *cfg = t->cfg;
    t->begun = 1;
    pm_stage_format out;
    pm_status status = build_pipeline(t, &t->pipeline, &out, diag);
    if (status != PM_OK)
        return status;
    status = PM_ERR_NOMEM;
    size_t most = out.max_block_frames > PM_ENGINE_BLOCK ? out.max_block_frames : PM_ENGINE_BLOCK;
    /* a drain can hand over a stage's whole latency at once */
    most += pm_pipeline_latency(t->pipeline) + 1;
    if (most > MAX_OUT_BLOCK)
        most = MAX_OUT_BLOCK;
    if (cfg->bits != 32) {
        pm_dither_config dc = {.mode = cfg->dither, .bits = cfg->bits, .channels = CHANNELS,
                               .rate_hz = (double)cfg->rate, .seed = cfg->seed};
        status = pm_dither_new(&dc, diag, &t->ditherer);
        if (status != PM_OK)
            return status;
        status = PM_ERR_NOMEM;
        if (!(t->quantised = pm_alloc_array(most * CHANNELS, sizeof(int32_t))))
            return status;
        for (int c = 0; c < CHANNELS; c++)
            if (!(t->decoded[c] = pm_alloc_array(most, sizeof(double))))
                return status;
    }
    /* A pass is judged on its true peak and, when the target normalises, its loudness: the
     * meter measures those and nothing else, besides the loudness a writer asks for (the
     * report's other figures of the output come from the verification of the files). */
    unsigned what = PM_SEGMETER_TRUE_PEAK;
    if (cfg->normalize != PM_TARGET_NORMALIZE_NONE || cfg->measure_loudness)
        what |= PM_SEGMETER_LOUDNESS;
    status = pm_segmeter_init_lean(&t->meters, (double)cfg->rate, what, t->segment_start,
                                   t->segment_end, cfg->segment_count);
    if (status == PM_OK)
        status = pm_segmeter_deliver(&t->meters, cfg->whole_is_segments,
                                     pm_target_frames_at(cfg->delivered_from, t->working_rate,
                                                         cfg->rate));
    if (status != PM_OK)
        return status;
    if (t->threads > 1) {
        const pm_fan_consumer finals[] = {{write_block, NULL, t}, {meter_block, NULL, t}};
        if (cfg->bits != 32 &&
            !(t->write_buffer = pm_alloc_array(PM_ENGINE_BLOCK * CHANNELS, sizeof(int32_t))))
            return PM_ERR_NOMEM;
        status = pm_fan_new(finals, 2, CHANNELS, PM_ENGINE_BLOCK, t->threads, &t->final_fan);
        if (status != PM_OK)
            return status;
    }
    t->frames_out = 0;
    return cfg->writer.begin(cfg->writer.context, pass, diag);
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* The mastered stream's loudness for every target that normalises: the album's, and each
 * segment's of a target that normalises by track. Each target's meter is a consumer of the fan,
 * beside the observers (the render's figures of the master) when there are any. */
static pm_status analyse_block(void *context, const double *const *block, size_t frames)
{
    return pm_segmeter_process(context, block, frames);
}

static pm_status analyse_master(const pm_project *p, target_run *runs, size_t count,
                                const pm_fan_consumer *observers, size_t observer_count,
                                int threads, pm_progress_fn progress, void *progress_context,
                                pm_diag *diag)
{
    pm_segmeter *meters = pm_alloc_zeroed(count ? count : 1, sizeof *meters);
    pm_fan_consumer *consumers = pm_alloc_zeroed(count + observer_count + 1, sizeof *consumers);
    pm_status status = meters && consumers ? PM_OK : PM_ERR_NOMEM;
    size_t used = 0;
    for (size_t i = 0; status == PM_OK && i < observer_count; i++)
        consumers[used++] = observers[i];
    for (size_t i = 0; status == PM_OK && i < count; i++) {
        const pm_target_config *cfg = runs[i].cfg;
        if (cfg->normalize == PM_TARGET_NORMALIZE_NONE)
            continue;
        int by_segment = cfg->normalize == PM_TARGET_NORMALIZE_TRACK || cfg->whole_is_segments;
        status = pm_segmeter_init_lean(&meters[i], (double)p->plan->rate,
                                       PM_SEGMETER_LOUDNESS | PM_SEGMETER_SAMPLE_PEAK,
                                       runs[i].master_start, runs[i].master_end,
                                       by_segment ? cfg->segment_count : 0);
        if (status == PM_OK)
            status = pm_segmeter_deliver(&meters[i], cfg->whole_is_segments,
                                         cfg->delivered_from);
        consumers[used++] = (pm_fan_consumer){analyse_block, NULL, &meters[i]};
    }
    pm_fan *fan = NULL;
    if (status == PM_OK)
        status = pm_fan_new(consumers, used, CHANNELS, PM_ENGINE_BLOCK, threads, &fan);
    if (status == PM_OK)
        status = pm_engine_master(p, pm_fan_push, fan, "analysis", progress, progress_context,
                                  diag);
    if (status == PM_OK)
        status = pm_fan_finish(fan);
    pm_fan_free(fan);
    for (size_t i = 0; status == PM_OK && i < count; i++) {
        if (runs[i].cfg->normalize == PM_TARGET_NORMALIZE_NONE)
            continue;
        size_t n = meters[i].count;
        pm_meter_result whole, *parts = pm_alloc_zeroed(n ? n : 1, sizeof *parts);
        if (!parts) {
            status = PM_ERR_NOMEM;
            break;
        }
        status = pm_segmeter_finish(&meters[i], &whole, parts);
        runs[i].master_lufs[0] = whole.integrated_lufs;
        runs[i].master_peak_db[0] = pm_db_from_linear(fmax(whole.sample_peak[0],
                                                           whole.sample_peak[1]));
        /* joined segments make up the whole: their own figures are not the target's */
        for (size_t k = 0; !meters[i].joined && k < n; k++) {
            runs[i].master_lufs[k] = parts[k].integrated_lufs;
            runs[i].master_peak_db[k] = pm_db_from_linear(fmax(parts[k].sample_peak[0],
                                                               parts[k].sample_peak[1]));
        }
        free(parts);
    }
    /* the stage's time takes in the meters' and observers' ends */
    if (status == PM_OK && progress)
        progress(progress_context, "analysis", 1.0);
    for (size_t i = 0; meters && i < count; i++)
        pm_segmeter_fini(&meters[i]);
    free(meters);
    free(consumers);
    return status;
}

/* ---- the probe: what the limiter takes off the loudness, before the first pass --------------- */

/*
 * A target that normalises and limits would miss its loudness on the first pass by what the
 * limiter takes off (0.1 to 0.2 LU for 5 dB of peak reduction), and need a second pass. The
 * probe runs the pass's stages - the gain, rate conversion, extra stages and the limiter, with
 * the first pass's settings - over the stream and meters only the loudness of their output,
 * without the dither, the true-peak meter or the writer; the gain is corrected by what it
 * measures, so that the first pass usually lands. The first pass is still judged as every
 * pass is: the probe only saves passes, it decides nothing.
 */
typedef struct probe {
    target_run *t;
    pm_pipeline *pipeline;
    pm_segmeter meter;
    pm_fan *meter_fan; /* with threads to spare: the meter on a thread of its own */
} probe;

static pm_status probe_meter(void *context, const double *const *block, size_t frames)
{
    probe *pr = context;
    return pm_segmeter_process(&pr->meter, block, frames);
}

static pm_status probe_sink(void *context, const double *const *block, size_t frames)
{
    probe *pr = context;
    if (pr->meter_fan)
        return pm_fan_push(pr->meter_fan, block, frames);
    return probe_meter(pr, block, frames);
}

static pm_status probe_push(void *context, const double *const *block, size_t frames)
{
    probe *pr = context;
    return pm_pipeline_push(pr->pipeline, block, frames, probe_sink, pr);
}

static pm_status probe_drain(void *context)
{
    probe *pr = context;
    pm_status status = pm_pipeline_drain(pr->pipeline, probe_sink, pr);
    if (pr->meter_fan) {
        pm_status finished = pm_fan_finish(pr->meter_fan);
        status = status == PM_OK ? finished : status;
    }
    return status;
}

/* How far under the ceiling the master's sample peak, with the gain, must stay for the probe
 * to be skipped: the true peak passes the sample peak by 3 dB on a sine at a quarter of the
 * rate sampled 45 degrees off its crests, and by more only on contrived signals. Only the speed
 * depends on it: if the limiter does act, the first pass is judged as every pass is. */
#define PROBE_HEADROOM_DB 3.0

/* Whether a target's limiter may act at the gains of its first pass: only then can the probe
 * find a loudness loss. */
static int wants_probe(const target_run *t)
{
    const pm_target_config *cfg = t->cfg;
    if (cfg->normalize == PM_TARGET_NORMALIZE_NONE || !cfg->has_ceiling)
        return 0;
    size_t n = cfg->normalize == PM_TARGET_NORMALIZE_TRACK ? cfg->segment_count : 1;
    for (size_t s = 0; s < n; s++)
        if (t->master_peak_db[s] + t->gain_db[s] > t->ceiling_dbtp - PROBE_HEADROOM_DB)
            return 1;
    return 0;
}

static int judge(target_run *t, const pm_target_measure *m, int passes_left);

/* The probe's figures: correct each target's gains as a pass's loudness would. */
static pm_status probe_correct(probe *pr)
{
    target_run *t = pr->t;
    size_t n = t->cfg->segment_count;
    pm_meter_result whole, *parts = pm_alloc_zeroed(n ? n : 1, sizeof *parts);
    double *lufs = pm_alloc_zeroed(n ? n : 1, sizeof *lufs);
    double *peaks = pm_alloc_zeroed(n ? n : 1, sizeof *peaks);
    pm_status status = parts && lufs && peaks ? pm_segmeter_finish(&pr->meter, &whole, parts)
                                              : PM_ERR_NOMEM;
    if (status == PM_OK) {
        /* no true peak of any kind (whole, part, decoded): only the loudness is judged */
        for (size_t s = 0; s < n; s++) {
            lufs[s] = parts[s].integrated_lufs;
            peaks[s] = -HUGE_VAL;
        }
        pm_target_measure m = {.integrated_lufs = whole.integrated_lufs,
                               .true_peak_dbtp = -HUGE_VAL,
                               .decoded_true_peak_dbtp = -HUGE_VAL,
                               .segment_lufs = lufs,
                               .segment_true_peak_dbtp = peaks};
        (void)judge(t, &m, PM_TARGET_MAX_PASSES);
        t->result->why[0] = '\0';
    }
    free(parts);
    free(lufs);
    free(peaks);
    return status;
}

static pm_status probe_targets(const pm_project *p, target_run *runs, size_t count, int threads,
                               pm_progress_fn progress, void *progress_context, pm_diag *diag)
{
    probe *probes = pm_alloc_zeroed(count ? count : 1, sizeof *probes);
    pm_fan_consumer *consumers = pm_alloc_zeroed(count ? count : 1, sizeof *consumers);
    pm_status status = probes && consumers ? PM_OK : PM_ERR_NOMEM;
    size_t used = 0;
    for (size_t i = 0; status == PM_OK && i < count; i++) {
        if (!wants_probe(&runs[i]))
            continue;
        runs[i].result->probed = 1;
        probe *pr = &probes[used];
        pr->t = &runs[i];
        pm_stage_format out;
        status = build_pipeline(pr->t, &pr->pipeline, &out, diag);
        if (status == PM_OK)
            status = pm_segmeter_init_lean(&pr->meter, (double)runs[i].cfg->rate,
                                           PM_SEGMETER_LOUDNESS, runs[i].segment_start,
                                           runs[i].segment_end, runs[i].cfg->segment_count);
        if (status == PM_OK)
            status = pm_segmeter_deliver(
                &pr->meter, runs[i].cfg->whole_is_segments,
                pm_target_frames_at(runs[i].cfg->delivered_from, runs[i].working_rate,
                                    runs[i].cfg->rate));
        consumers[used++] = (pm_fan_consumer){probe_push, probe_drain, pr};
    }
    /* fewer probes than threads: each probe's meter runs beside its limiter */
    for (size_t i = 0; status == PM_OK && used < (size_t)threads && i < used; i++) {
        const pm_fan_consumer meter = {probe_meter, NULL, &probes[i]};
        status = pm_fan_new(&meter, 1, CHANNELS, PM_ENGINE_BLOCK, threads, &probes[i].meter_fan);
    }
    pm_fan *fan = NULL;
    if (status == PM_OK && used)
        status = pm_fan_new(consumers, used, CHANNELS, PM_ENGINE_BLOCK, threads, &fan);
    if (status == PM_OK && used)
        status = pm_engine_master(p, pm_fan_push, fan, "probe", progress, progress_context, diag);
    if (status == PM_OK && used)
        status = pm_fan_finish(fan);
    pm_fan_free(fan);
    for (size_t i = 0; status == PM_OK && i < used; i++)
        status = probe_correct(&probes[i]);
    if (status == PM_OK && used && progress)
        progress(progress_context, "probe", 1.0);
    for (size_t i = 0; probes && i < used; i++) {
        pm_fan_free(probes[i].meter_fan);
        pm_pipeline_free(probes[i].pipeline);
        pm_segmeter_fini(&probes[i].meter);
    }
    free(probes);
    free(consumers);
    return status;
}

/*
 * How far the master's sample peak, with the gain, must pass a lossy target's ceiling for it to
 * start under the ceiling (pm_target_config.codec_overshoot_db): the limiter then takes 3 dB or
 * more, codecs overshoot by 0.4 to 1.5 dB (streaming_write.c), and the loudness has peaks to
 * give. Closer to the ceiling the codec may add little, and on material with few peaks to give
 * (a sine's loudness is its peak less 3 dB, whatever the limiter does) a lower ceiling would
 * cost loudness no gain could win back: there the loop finds the overshoot, as before.
 */
#define CODEC_HEADROOM_FROM_DB 3.0

/* A lossy target whose limiter will work hard starts its codec's usual overshoot under the
 * ceiling. Before the probe, which measures the loudness at the ceiling the first pass uses. */
static void start_under_codec_overshoot(target_run *t)
{
    const pm_target_config *cfg = t->cfg;
    if (!cfg->decoded || !(cfg->codec_overshoot_db > 0.0) || !cfg->has_ceiling ||
        cfg->normalize == PM_TARGET_NORMALIZE_NONE)
        return;
    size_t n = cfg->normalize == PM_TARGET_NORMALIZE_TRACK ? cfg->segment_count : 1;
    for (size_t s = 0; s < n; s++)
        if (t->master_peak_db[s] + t->gain_db[s] > t->ceiling_dbtp + CODEC_HEADROOM_FROM_DB) {
            t->ceiling_dbtp -= cfg->codec_overshoot_db;
            return;
        }
}

/* The gain that takes lufs to the target; none for silence; never up without boost. */
static double gain_towards(const pm_target_config *cfg, double lufs)
{
    if (!isfinite(lufs))
        return 0.0;
    double g = cfg->loudness_lufs - lufs;
    return !cfg->boost && g > 0.0 ? 0.0 : g;
}

/*
 * A lossy codec's overshoot (its decoded peak over the ceiling it was given) grows as the
 * ceiling comes down and the limiter works harder: on the benchmark's album, MP3 at 320 kbps
 * passed a -1.0 dBTP ceiling by 0.44 dB and, with the ceiling lowered by that much, passed the
 * new one by 0.48 dB, so that a third encode was needed. Lowering by a quarter more than the
 * excess meets it in the second; only the lossy file's headroom pays for it.
 */
#define CODEC_OVERSHOOT_GROWTH 0.25

/*
 * Raise a gain for the next pass by miss (dB), unless that pass is the last: the last pass is
 * kept whatever it measures, and more gain could push a peak over the ceiling with no pass left
 * to bring it back (a lossy codec's overshoot grows with the limiting). The ceiling is the
 * hard limit; the loudness then says how close it came.
 */
static void correct_gain(double *gain_db, double miss, int passes_left)
{
    if (passes_left > 1 || miss < 0.0)
        *gain_db += miss;
}

/* Judge a finished pass; adjust the ceiling and gains for the next one, if passes_left (after
 * this one) allows one. Returns 1 when met. */
static int judge(target_run *t, const pm_target_measure *m, int passes_left)
{
    int last_pass = passes_left <= 0;
    const pm_target_config *cfg = t->cfg;
    char *why = t->result->why;
    size_t why_size = sizeof t->result->why;
    int met = 1;
    double peak = m->true_peak_dbtp;
    const char *whose = "the true peak";
    for (size_t s = 0; cfg->segments_alone && s < cfg->segment_count; s++)
        if (m->segment_true_peak_dbtp[s] > peak) {
            peak = m->segment_true_peak_dbtp[s];
            whose = "a part's true peak, measured alone,";
        }
    int decoded = 0;
    if (m->decoded_true_peak_dbtp > peak) {
        peak = m->decoded_true_peak_dbtp;
        whose = "the decoded true peak";
        decoded = 1;
    }
    double over = cfg->has_ceiling ? peak - cfg->ceiling_dbtp : -1.0;
    if (cfg->has_ceiling && over > 0.0) {
        met = 0;
        snprintf(why, why_size, "%s reached %.2f dBTP, over the %.2f dBTP ceiling", whose, peak,
                 cfg->ceiling_dbtp);
        if (!last_pass)
            t->ceiling_dbtp -= over + 0.02 + (decoded ? CODEC_OVERSHOOT_GROWTH * over : 0.0);
    }
    if (cfg->normalize == PM_TARGET_NORMALIZE_ALBUM) {
        double miss = cfg->loudness_lufs - m->integrated_lufs;
        int under_ok = !cfg->boost && t->gain_db[0] == 0.0 && miss >= 0.0;
        if (isfinite(m->integrated_lufs) && fabs(miss) > PM_TARGET_LOUDNESS_TOLERANCE_LU &&
            !under_ok) {
            if (!cfg->loudness_aim_only) {
                met = 0;
                snprintf(why, why_size, "the loudness reached %.2f LUFS, %+.2f LU from the %.1f "
                         "LUFS target, at %.2f dBTP", m->integrated_lufs, -miss,
                         cfg->loudness_lufs, m->true_peak_dbtp);
            }
            if (!last_pass)
                correct_gain(&t->gain_db[0], miss, passes_left);
        }
    } else if (cfg->normalize == PM_TARGET_NORMALIZE_TRACK) {
        for (size_t s = 0; s < cfg->segment_count; s++) {
            double miss = cfg->loudness_lufs - m->segment_lufs[s];
            int under_ok = !cfg->boost && t->gain_db[s] == 0.0 && miss >= 0.0;
            if (!isfinite(m->segment_lufs[s]) || fabs(miss) <= PM_TARGET_LOUDNESS_TOLERANCE_LU ||
                under_ok)
                continue;
            if (!cfg->loudness_aim_only) {
                if (met)
                    snprintf(why, why_size, "part %zu reached %.2f LUFS, %+.2f LU from the %.1f "
                             "LUFS target", s + 1, m->segment_lufs[s], -miss,
                             cfg->loudness_lufs);
                met = 0;
            }
            if (!last_pass)
                correct_gain(&t->gain_db[s], miss, passes_left);
        }
    }
    if (met)
        why[0] = '\0';
    return met;
}

/* The end of a pass's stream, on the target's thread: drain, and measure what was written. */
static pm_status pass_drain(void *context)
{
    target_run *t = context;
    const pm_target_config *cfg = t->cfg;
    pm_status status = pm_pipeline_drain(t->pipeline, target_sink, t);
    if (t->final_fan) {
        pm_status finished = pm_fan_finish(t->final_fan);
        status = status == PM_OK ? finished : status;
    }
    pm_target_measure *m = &t->result->measure;
    size_t n = cfg->segment_count;
    pm_meter_result r, *parts = pm_alloc_zeroed(n ? n : 1, sizeof *parts);
    if (!parts)
        return PM_ERR_NOMEM;
    if (status == PM_OK)
        status = pm_segmeter_finish(&t->meters, &r, parts);
    if (status != PM_OK) {
        free(parts);
        return status;
    }
    m->integrated_lufs = r.integrated_lufs;
    m->true_peak_dbtp = pm_db_from_linear(fmax(r.true_peak[0], r.true_peak[1]));
    for (size_t s = 0; s < n; s++) {
        m->segment_lufs[s] = parts[s].integrated_lufs;
        m->segment_true_peak_dbtp[s] =
            pm_db_from_linear(fmax(parts[s].true_peak[0], parts[s].true_peak[1]));
    }
    free(parts);
    m->clipped = 0;
    for (int c = 0; t->ditherer && c < CHANNELS; c++)
        m->clipped += pm_dither_clipped_samples(t->ditherer, c);
    m->limiter_reduction_db = 0.0;
    if (cfg->has_ceiling) {
        size_t last = pm_pipeline_stage_count(t->pipeline) - 1;
        m->limiter_reduction_db = pm_limiter_max_reduction_db(pm_pipeline_stage(t->pipeline, last));
    }
    m->decoded_true_peak_dbtp = -HUGE_VAL;
    if (cfg->decoded)
        return cfg->decoded(cfg->writer.context, &m->decoded_true_peak_dbtp);
    return PM_OK;
}

/* Each block of the mastered stream, on the target's thread. */
static pm_status target_push(void *context, const double *const *block, size_t frames)
{
    target_run *t = context;
    return pm_pipeline_push(t->pipeline, block, frames, target_sink, t);
}

/* After the pass, on the caller's thread: judge it, keep or throw away its files. */
static pm_status pass_end(target_run *t, int pass, pm_diag *diag)
{
    const pm_target_config *cfg = t->cfg;
    pm_target_measure *m = &t->result->measure;
    t->result->passes = pass;
    t->result->ceiling_used_dbtp = t->ceiling_dbtp;
    t->result->gain_db = t->gain_db[0];
    int passes_left = PM_TARGET_MAX_PASSES - pass;
    t->result->met = judge(t, m, passes_left);
    /* the last pass is kept whatever it measures */
    int keep = t->result->met || passes_left <= 0;
    pass_free(t);
    pm_status status = cfg->writer.end(cfg->writer.context, keep, m, diag);
    if (keep)
        t->active = 0;
    return status;
}

void pm_target_result_fini(pm_target_result *result)
{
    free(result->measure.segment_lufs);
    free(result->measure.segment_true_peak_dbtp);
    result->measure.segment_lufs = result->measure.segment_true_peak_dbtp = NULL;
}

pm_status pm_targets_render(const pm_project *p, const pm_target_config *targets, size_t count,
                            pm_target_result *results, int threads, pm_progress_fn progress,
                            void *progress_context, pm_diag *diag)
{
    return pm_targets_render_observed(p, targets, count, results, threads, NULL, 0, progress,
                                      progress_context, diag);
}

pm_status pm_targets_render_observed(const pm_project *p, const pm_target_config *targets,
                                     size_t count, pm_target_result *results, int threads,
                                     const pm_fan_consumer *observers, size_t observer_count,
                                     pm_progress_fn progress, void *progress_context,
                                     pm_diag *diag)
{
    const pm_plan *plan = p->plan;
    target_run *runs = pm_alloc_zeroed(count ? count : 1, sizeof *runs);
    pm_status status = runs ? PM_OK : PM_ERR_NOMEM;
    int need_analysis = 0;
    for (size_t i = 0; status == PM_OK && i < count; i++) {
        const pm_target_config *cfg = &targets[i];
        target_run *t = &runs[i];
        size_t n = cfg->segment_count ? cfg->segment_count : 1;
        memset(&results[i], 0, sizeof results[i]);
        t->cfg = cfg;
        t->result = &results[i];
        t->active = 1;
        t->working_rate = plan->rate;
        t->resampler = p->resampler_libsamplerate ? PM_RESAMPLER_LIBSAMPLERATE : PM_RESAMPLER_SOXR;
        t->ceiling_dbtp = cfg->ceiling_dbtp;
        t->gain_db = pm_alloc_zeroed(n, sizeof(double));
        t->master_lufs = pm_alloc_zeroed(n, sizeof(double));
        t->master_peak_db = pm_alloc_zeroed(n, sizeof(double));
        results[i].measure.segment_lufs = pm_alloc_zeroed(n, sizeof(double));
        results[i].measure.segment_true_peak_dbtp = pm_alloc_zeroed(n, sizeof(double));
        if (!t->gain_db || !t->master_lufs || !t->master_peak_db ||
            !results[i].measure.segment_lufs ||
            !results[i].measure.segment_true_peak_dbtp)
            status = PM_ERR_NOMEM;
        t->segment_start = pm_alloc_zeroed(n, sizeof(int64_t));
        t->segment_end = pm_alloc_zeroed(n, sizeof(int64_t));
        t->master_start = pm_alloc_zeroed(n, sizeof(int64_t));
        t->master_end = pm_alloc_zeroed(n, sizeof(int64_t));
        if (!t->segment_start || !t->segment_end || !t->master_start || !t->master_end)
            status = PM_ERR_NOMEM;
        for (size_t s = 0; status == PM_OK && s < cfg->segment_count; s++) {
            t->master_start[s] = cfg->segments[s].start;
            t->master_end[s] = cfg->segments[s].end;
            t->segment_start[s] = pm_target_frames_at(cfg->segments[s].start, plan->rate, cfg->rate);
            t->segment_end[s] = pm_target_frames_at(cfg->segments[s].end, plan->rate, cfg->rate);
        }
        need_analysis |= cfg->normalize != PM_TARGET_NORMALIZE_NONE;
    }
    if (status == PM_OK && need_analysis) {
        status = analyse_master(p, runs, count, observers, observer_count, threads, progress,
                                progress_context, diag);
        observer_count = 0; /* they have seen the stream */
    }
    for (size_t i = 0; status == PM_OK && i < count; i++) {
        const pm_target_config *cfg = &targets[i];
        if (cfg->normalize == PM_TARGET_NORMALIZE_ALBUM)
            runs[i].gain_db[0] = gain_towards(cfg, runs[i].master_lufs[0]);
        else if (cfg->normalize == PM_TARGET_NORMALIZE_TRACK)
            for (size_t s = 0; s < cfg->segment_count; s++)
                runs[i].gain_db[s] = gain_towards(cfg, runs[i].master_lufs[s]);
    }
    for (size_t i = 0; status == PM_OK && need_analysis && i < count; i++)
        start_under_codec_overshoot(&runs[i]);
    if (status == PM_OK && need_analysis)
        status = probe_targets(p, runs, count, threads, progress, progress_context, diag);
    pm_fan_consumer *consumers = pm_alloc_zeroed(count + observer_count + 1, sizeof *consumers);
    if (!consumers)
        status = PM_ERR_NOMEM;
    for (int pass = 1; status == PM_OK && pass <= PM_TARGET_MAX_PASSES; pass++) {
        size_t active = 0, open = 0;
        for (size_t i = 0; i < count; i++)
            open += runs[i].active != 0;
        for (size_t i = 0; i < count && status == PM_OK; i++)
            if (runs[i].active) {
                /* the writers get threads of their own only when the targets alone would
                 * leave cores idle (a lossy target's later passes): more threads than cores
                 * only cost switching between them */
                runs[i].threads = open < (size_t)threads ? threads : 1;
                consumers[active++] = (pm_fan_consumer){target_push, pass_drain, &runs[i]};
                status = pass_begin(&runs[i], pass, diag);
            }
        if (status != PM_OK || active == 0)
            break;
        for (size_t i = 0; pass == 1 && i < observer_count; i++)
            consumers[active++] = observers[i];
        pm_fan *fan = NULL;
        status = pm_fan_new(consumers, active, CHANNELS, PM_ENGINE_BLOCK, threads, &fan);
        char stage[16];
        snprintf(stage, sizeof stage, "pass %d", pass);
        if (status == PM_OK)
            status = pm_engine_master(p, pm_fan_push, fan, stage, progress, progress_context,
                                      diag);
        if (status == PM_OK)
            status = pm_fan_finish(fan);
        pm_fan_free(fan);
        for (size_t i = 0; status == PM_OK && i < count; i++)
            if (runs[i].active) {
                status = pass_end(&runs[i], pass, diag);
                if (status == PM_OK && !runs[i].active && targets[i].finished)
                    targets[i].finished(targets[i].finished_context);
            }
        /* the stage's time takes in the drains, the judging and the files' ends */
        if (status == PM_OK && progress)
            progress(progress_context, stage, 1.0);
    }
    free(consumers);
    for (size_t i = 0; runs && i < count; i++) {
        if (runs[i].begun) {
            /* a failed pass: throw its files away */
            pass_free(&runs[i]);
            if (targets[i].writer.end)
                (void)targets[i].writer.end(targets[i].writer.context, 0, &results[i].measure,
                                            diag);
        }
        free(runs[i].gain_db);
        free(runs[i].master_lufs);
        free(runs[i].master_peak_db);
        free(runs[i].segment_start);
        free(runs[i].segment_end);
        free(runs[i].master_start);
        free(runs[i].master_end);
    }
    free(runs);
    return status;
}
