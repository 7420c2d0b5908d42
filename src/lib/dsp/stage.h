/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DSP stage: one block of processing in the mastering chain or a target stage (EQ,
 * compressor, limiter, resampler, dither ...), driven by the engine in blocks of planar doubles.
 *
 * Lifecycle (the shape of a SoX effect, with libsamplerate's used/produced counts):
 *   start   once, before the first block: fixes the input format, may allocate, reports the
 *           output format (a resampler changes the rate; nothing else does). After start a stage
 *           never allocates.
 *   process any block of 0..max_block_frames input frames per channel; consumes *used frames of
 *           the input and writes *produced frames of output. A stage consumes all its input
 *           unless its output is full.
 *   drain   after the last input: writes what the stage still holds; call until it produces 0.
 *   reset   back to the state right after start (new stream, same format), without allocating.
 *   free    releases everything; NULL is a no-op.
 *
 * Alignment: a stage never emits its own start-up delay. A stage with latency L swallows its
 * first L output frames (process produces fewer frames than it used while the delay fills) and
 * gives the last L back in drain, so that output frame n corresponds to input frame n (for
 * rate-changing stages: to time n / output rate). The engine can therefore place every mark on
 * its planned sample whatever the chain holds; latency() is reported for the report and the
 * progress estimate.
 *
 * Buffers are planar: in[c][i] is frame i of channel c. In and out never alias unless the stage
 * says it works in place (in_place). Samples are nominally in [-1, 1]; stages do not clip.
 */
#ifndef PM_STAGE_H
#define PM_STAGE_H

#include <stddef.h>

#include "premaster.h"

/* The larger of a running maximum and a sample's magnitude x, for per-sample loops: fmax gives
 * the same (a NaN x leaves the maximum as it is; the maximum itself is never NaN) but is a call
 * into the C library for every sample. */
static inline double pm_larger(double maximum, double x)
{
    return x > maximum ? x : maximum;
}

/* The engine is stereo: mono sources feed both channels. Analysis handles wider files apart. */
#define PM_STAGE_MAX_CHANNELS 2

typedef struct pm_stage_format {
    double rate_hz;          /* sample rate */
    int channels;            /* 1..PM_STAGE_MAX_CHANNELS */
    size_t max_block_frames; /* the largest block process() will be given (input side) */
} pm_stage_format;

typedef struct pm_stage pm_stage;

typedef struct pm_stage_ops {
    const char *name; /* for messages and the report: "eq", "limiter", "resample" ... */
    /* Fill *out (rate, channels, and the largest block process can produce for a full input). */
    pm_status (*start)(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                       pm_diag *diag);
    void (*process)(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                    double *const *out, size_t out_capacity, size_t *produced);
    void (*drain)(pm_stage *stage, double *const *out, size_t out_capacity, size_t *produced);
    size_t (*latency)(const pm_stage *stage); /* frames at the output rate */
    void (*reset)(pm_stage *stage);
    void (*free)(pm_stage *stage);
} pm_stage_ops;

/* Every stage's state begins with this; the ops know the rest of it. */
struct pm_stage {
    const pm_stage_ops *ops;
    int in_place; /* process accepts out == in */
    int started;
};

/* Wrappers over the ops, so that callers need not know which a stage leaves out. */
pm_status pm_stage_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                         pm_diag *diag) PM_WARN_UNUSED;
void pm_stage_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                      double *const *out, size_t out_capacity, size_t *produced);
void pm_stage_drain(pm_stage *stage, double *const *out, size_t out_capacity, size_t *produced);
size_t pm_stage_latency(const pm_stage *stage);
void pm_stage_reset(pm_stage *stage);
void pm_stage_free(pm_stage *stage);

/*
 * For stages that map each input frame to one output frame with no delay: start, reset and
 * latency can use these (the stage then implements process as a pure function of its state).
 */
pm_status pm_stage_start_same_format(pm_stage *stage, const pm_stage_format *in,
                                     pm_stage_format *out, pm_diag *diag);
void pm_stage_drain_nothing(pm_stage *stage, double *const *out, size_t out_capacity,
                            size_t *produced);
size_t pm_stage_no_latency(const pm_stage *stage);

#endif
