/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Target stages (DESIGN.md "The pipeline" step 4): from the one mastered stream, each target
 * converts to its rate, applies its loudness gain, limits true peaks to its ceiling, dithers to
 * its word length and hands the final samples to its writer - then measures those final
 * samples (true peak at 8x, loudness) and, wherever a peak passed the ceiling or the loudness
 * missed its target by more than 0.1 LU, renders that target again with the ceiling lowered by
 * the excess or the gain corrected. No limiter holds its ceiling on hard material without this
 * loop (dsp-notes.md 0 and 3.3).
 *
 * Every pass masters the stream again (engine.h) rather than keeping it: the stream is
 * deterministic, and memory then never grows with the album. A pass feeds every target still
 * open at once; targets that are done drop out.
 *
 * The passes over the stream: when a target normalises, an analysis pass (the master's
 * loudness) and, where the master's peak with the gain comes near the ceiling, a probe (the
 * first pass's stages up to the limiter, metering only the loudness they leave, so that the
 * first pass's gain already makes up what the limiter takes off); then
 * the passes proper. Each pass meters only what it is judged on: the true peak at 8x, and the
 * loudness of a target that normalises (segmeter.h, lean).
 */
#ifndef PM_TARGET_H
#define PM_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/dither.h"
#include "dsp/meter.h"
#include "dsp/stage.h"
#include "engine.h"
#include "fan.h"

/* How a target meets its loudness. */
typedef enum pm_target_normalize {
    PM_TARGET_NORMALIZE_NONE = 0, /* keep the master's level */
    PM_TARGET_NORMALIZE_ALBUM,    /* one gain for the whole stream */
    PM_TARGET_NORMALIZE_TRACK     /* one gain per segment (file) */
} pm_target_normalize;

/* A stretch of the timeline the target treats as a unit: a file, a side, a track. */
typedef struct pm_target_segment {
    int64_t start, end; /* [start, end) in working-rate timeline frames */
} pm_target_segment;

/* The result of a pass for the writer and the report. */
typedef struct pm_target_measure {
    double integrated_lufs;          /* the whole output; NAN for a target that does not
                                        normalise (its loop does not meter loudness) */
    double true_peak_dbtp;           /* the whole output, 8x, on the final samples */
    double *segment_lufs;            /* per segment (count: the config's segment_count); NAN
                                        as integrated_lufs */
    double *segment_true_peak_dbtp;
    double decoded_true_peak_dbtp;   /* the writer's decoded output (pm_target_writer's
                                        decoded), 8x; -HUGE_VAL when the writer has none */
    uint64_t clipped;                /* samples clipped at quantisation */
    double limiter_reduction_db;     /* the largest reduction the limiter applied */
} pm_target_measure;

/*
 * What the writer receives: begin at each pass (with the pass number from 1), the final
 * samples in order (interleaved int32 left-justified as dither.h says, or NULL with planar
 * doubles when bits is 32, float; write runs on the target's thread or on one of its own, one
 * call at a time, begin and end on the caller's), and end with keep = 1 for the pass that met
 * the target (or the last one tried), 0 for a pass that is thrown away (also after a begin that
 * failed). Positions are counted by the writer at the target rate; frame n is timeline time
 * n / rate.
 */
typedef struct pm_target_writer {
    pm_status (*begin)(void *context, int pass, pm_diag *diag);
    pm_status (*write)(void *context, const int32_t *interleaved, const double *const *planar,
                       size_t frames, pm_diag *diag);
    pm_status (*end)(void *context, int keep, const pm_target_measure *measure, pm_diag *diag);
    void *context;
} pm_target_writer;

/* Builds the stages a target runs after rate conversion and before its gain and limiter
 * (vinyl: de-emphasis, mono bass, de-esser), anew for every pass. NULL: none. */
typedef pm_status (*pm_target_extra_stages)(void *context, pm_stage ***stages, size_t *count,
                                            pm_diag *diag);

typedef struct pm_target_config {
    const char *name;   /* for messages and the report: "cd", "vinyl", "streaming spotify" */
    int line;           /* the project element, for messages */
    long rate;          /* output rate */
    int bits;           /* 16, 24, or 32 (float, no dither) */
    pm_dither_mode dither;
    uint64_t seed;
    int has_ceiling;
    double ceiling_dbtp;
    double release_sec;
    pm_target_normalize normalize;
    double loudness_lufs; /* with normalize */
    int boost;            /* 0: never raise a master quieter than the target */
    /* 1: the loudness target sets the gain (the probe and every later pass correct it), but a
     * miss alone does not fail a pass: a lossy format's files, whose loudness DESIGN.md asks
     * the report to give, not to hold to the 0.1 LU of the lossless ones. */
    int loudness_aim_only;
    const pm_target_segment *segments; /* for track normalisation and per-segment figures */
    size_t segment_count;
    /* 1: the whole figures, which the loudness target and the ceiling are judged on, are of
     * the segments joined in order - what the files hold when the writer keeps only the
     * segments (vinyl's sides, without the gaps between them); each segment's figures are
     * its own, measured alone as its file. The segments must be in order and must not
     * overlap. */
    int whole_is_segments;
    int64_t delivered_from; /* working-rate frame where what is delivered starts (0: the
                               stream's start): the whole's loudness and peak are measured
                               from there, as a listener gets it */
    int measure_loudness; /* measure the output's loudness (whole and segments) on every
                             pass even without a loudness target: the writer's end wants it */
    int segments_alone; /* each segment is delivered alone (a file): its true peak, measured
                           alone (silence before and after), is held to the ceiling too */
    pm_target_extra_stages extra;
    void *extra_context;
    pm_target_writer writer;
    /* Optional (NULL: none), called with the writer's context: after a pass's last write, on
     * the target's thread, close what the pass wrote, decode it as a player would and give the
     * decoded audio's largest true peak in dBTP (8x). For a lossy encoder, whose decoded peaks
     * pass the samples it was given: the pass is judged on the higher of the two, so the
     * ceiling is lowered by what the codec added (the codec check, DESIGN.md step 4). A
     * failure's message is the writer's to report in end. */
    pm_status (*decoded)(void *context, double *true_peak_dbtp);
    /* With decoded: how far the codec's decoded peaks usually pass a ceiling the limiter holds
     * (0: no expectation). A normalising target whose limiter will work hard - the master's
     * sample peak, with the gain, passes the ceiling by 3 dB or more - starts this far under
     * the ceiling, as if a first pass had found the overshoot: its first encode then usually
     * stands, instead of being thrown away. The closed loop goes on from there as always. */
    double codec_overshoot_db;
    /* Optional (NULL: none), called with finished_context on the caller's thread once the
     * target's last pass has ended (met, or the last one tried) and its writer's end has run,
     * while other targets may still have passes to go: what works on its output alone may
     * start (a format's own files and its verification, beside a lossy target's later
     * passes). */
    void (*finished)(void *context);
    void *finished_context;
} pm_target_config;

/* What happened to a target, for the report. */
typedef struct pm_target_result {
    int met;              /* the ceiling and the loudness target are met */
    int passes;
    int probed;           /* a probe ran before the first pass (the limiter could act) */
    double ceiling_used_dbtp; /* the limiter's ceiling on the kept pass */
    double gain_db;       /* album gain, or the first segment's in track mode */
    pm_target_measure measure;
    char why[256];        /* when not met: what was missed, and how close it came */
} pm_target_result;

/*
 * Render count targets of project p, each through its closed loop, each on a thread of its own
 * up to threads (fan.h; the output does not depend on it). results[i] (count of them)
 * is filled for every target. A target that cannot be met is not an error of this call: it is
 * in its result (met = 0) with the reason, and its writer kept the closest pass. Returns PM_OK,
 * or the status of what failed (the engine, a writer, memory) with a message in diag.
 */
pm_status pm_targets_render(const pm_project *p, const pm_target_config *targets, size_t count,
                            pm_target_result *results, int threads, pm_progress_fn progress,
                            void *progress_context, pm_diag *diag) PM_WARN_UNUSED;

/*
 * The same, with observers: consumers (fan.h) that see the mastered stream once, beside the
 * targets' work on the threads there are, in the first pass over it (the analysis pass, or the
 * first render pass when no target normalises) - the render's figures of the master without a
 * pass of their own. A failure of one fails the call. observer_count may be 0.
 */
pm_status pm_targets_render_observed(const pm_project *p, const pm_target_config *targets,
                                     size_t count, pm_target_result *results, int threads,
                                     const pm_fan_consumer *observers, size_t observer_count,
                                     pm_progress_fn progress, void *progress_context,
                                     pm_diag *diag) PM_WARN_UNUSED;

void pm_target_result_fini(pm_target_result *result);

/* A working-rate timeline position at a target's rate: round(frames * to / from), halves up,
 * the resampler's own rule (dsp/resample.h), by which a target's segments are placed. */
int64_t pm_target_frames_at(int64_t frames, int64_t from, int64_t to);

/* The most passes a target gets before it is reported as not met. */
#define PM_TARGET_MAX_PASSES 6
/* Loudness within this of the target counts as met (DESIGN.md). */
#define PM_TARGET_LOUDNESS_TOLERANCE_LU 0.1

#endif
