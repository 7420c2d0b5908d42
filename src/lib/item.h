/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One item of the sequence (a track or the hidden track) as audio on the working-rate timeline
 * (DESIGN.md "The pipeline" step 3, per track): its source read through libsndfile from the
 * trim start for the trimmed length, a mono source fed to both channels, converted to the
 * working rate, its gain, its own <master> chain, and its fade-in and fade-out. It gives exactly
 * the plan's length in frames, sample for sample where the plan puts them, and never holds more
 * than a few blocks.
 */
#ifndef PM_ITEM_H
#define PM_ITEM_H

#include <stddef.h>

#include "dsp/resample.h"
#include "plan.h"

typedef struct pm_item pm_item;

/*
 * Open item it of project p for reading at the plan's working rate, 2 channels. Errors (a source
 * that no longer opens, a chain that cannot be built) go into diag at the track's line:
 * PM_ERR_INVALID, PM_ERR_UNSUPPORTED, PM_ERR_IO; PM_ERR_NOMEM. Free with pm_item_close().
 */
pm_status pm_item_open(const pm_project *p, const pm_plan_item *it, pm_resampler_engine engine,
                       pm_diag *diag, pm_item **out) PM_WARN_UNUSED;
void pm_item_close(pm_item *item);

/*
 * The next frames frames of the item (fewer only at its end: the total is the plan's length),
 * planar, 2 channels. PM_ERR_IO when the source fails to read (in diag), PM_ERR_INTERNAL when
 * the chain gives a different length than planned.
 */
pm_status pm_item_read(pm_item *item, double *const *out, size_t frames,
                       size_t *got) PM_WARN_UNUSED;

/* The fade gain at position j (0-based) of a fade of length frames: 0 at j = 0, rising to 1,
 * with the curve of the project format (doc/project-format.md "Fades"). */
double pm_fade_in_gain(pm_fade_curve curve, int64_t j, int64_t length);

#endif
