/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine: the planned sequence mastered as one continuous stream (DESIGN.md "The pipeline"
 * step 3). Every item (item.h) is read, converted, processed and faded on its own; the sequence
 * lays them on the timeline - gaps as digital silence, pauses over audio, equal-power
 * crossfades, the hidden track in track 1's pause - and the album chain runs over the whole of
 * it, like a master bus. The stream is the plan's timeline, frame for frame: frame 0 is the
 * first sample of track 1's pause, and plan->total frames come out, at the working rate, in
 * stereo.
 *
 * Memory does not grow with the album: at any time only the items under the current block are
 * open, each holding a few blocks.
 */
#ifndef PM_ENGINE_H
#define PM_ENGINE_H

#include <stdint.h>

#include "pipeline.h"
#include "plan.h"

/* The most frames the sink is given at once. */
#define PM_ENGINE_BLOCK 4096

/*
 * Master project p, whose plan must exist, and give the stream to sink in order. progress may
 * be NULL; it is told how far the run is under the name `stage`, what the run is for
 * ("analysis", "pass 2"). Returns PM_OK, the sink's status when it stopped the run, or the status of what
 * failed (with a message in diag): PM_ERR_INVALID, PM_ERR_UNSUPPORTED, PM_ERR_IO,
 * PM_ERR_NOMEM, PM_ERR_INTERNAL.
 */
pm_status pm_engine_master(const pm_project *p, pm_block_sink sink, void *sink_context,
                           const char *stage,
                           pm_progress_fn progress, void *progress_context,
                           pm_diag *diag) PM_WARN_UNUSED;

/* The equal-power crossfade gains at frame j (0-based) of a crossfade of length frames: the
 * incoming track's (sine) and the outgoing track's (cosine), sampled at frame centres so that
 * their squares sum to 1 at every frame. */
double pm_crossfade_in_gain(int64_t j, int64_t length);
double pm_crossfade_out_gain(int64_t j, int64_t length);

#endif
