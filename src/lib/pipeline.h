/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A pipeline: stages (dsp/stage.h) run one after the other as one. Blocks are pushed in; every
 * block that comes out of the last stage goes to a sink callback, in order. The pipeline owns
 * the buffers between the stages, allocated when it is made, so pushing never allocates.
 *
 * Because every stage keeps output frame n aligned with input frame n (stage.h), so does the
 * pipeline: the frames given to the sink over a whole stream, drain included, are the input
 * frames (for stages that keep the rate) or their count at the new rate.
 */
#ifndef PM_PIPELINE_H
#define PM_PIPELINE_H

#include <stddef.h>

#include "dsp/stage.h"
#include "premaster.h"

/* Receives frames frames of planar output (valid for the call only). A status other than PM_OK
 * stops the push or drain and is returned by it. */
typedef pm_status (*pm_block_sink)(void *context, const double *const *block, size_t frames);

typedef struct pm_pipeline pm_pipeline;

/*
 * A pipeline of count stages (count may be 0: then blocks go straight to the sink). The stages
 * are started here, in order, each with the format the one before it gives; the pipeline takes
 * them over, and frees them with itself, also when this call fails. *out_format (when not NULL)
 * receives the last stage's output format. Statuses: those of the stages' start, PM_ERR_NOMEM.
 */
pm_status pm_pipeline_new(pm_stage **stages, size_t count, const pm_stage_format *in,
                          pm_stage_format *out_format, pm_diag *diag,
                          pm_pipeline **out) PM_WARN_UNUSED;
void pm_pipeline_free(pm_pipeline *pipeline);

/* Push frames of planar input (any number: it is cut into blocks the stages accept). */
pm_status pm_pipeline_push(pm_pipeline *pipeline, const double *const *in, size_t frames,
                           pm_block_sink sink, void *context) PM_WARN_UNUSED;
/* After the last input: drain every stage in order, so their held frames reach the sink. */
pm_status pm_pipeline_drain(pm_pipeline *pipeline, pm_block_sink sink,
                            void *context) PM_WARN_UNUSED;
/* Back to the state after pm_pipeline_new, for a new stream of the same format. */
void pm_pipeline_reset(pm_pipeline *pipeline);

/* The sum of the stages' latencies (each at its own output rate; for reports). */
size_t pm_pipeline_latency(const pm_pipeline *pipeline);
size_t pm_pipeline_stage_count(const pm_pipeline *pipeline);
pm_stage *pm_pipeline_stage(const pm_pipeline *pipeline, size_t i);

#endif
