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
 * The next frames of the item, at most frames of them, planar, 2 channels, its fades applied:
 * block[0] and block[1] receive pointers into the item's own buffer, borrowed until the next call
 * on item or pm_item_close(). The read is taken as it is, so the caller need not copy what it
 * mixes. *got is below frames where that buffer wraps round (call again for the rest) and at the
 * item's end, 0 only there: over the whole item the frames given are the plan's length.
 * PM_ERR_IO when the source fails to read (in diag), PM_ERR_INTERNAL when the chain gives a
 * different length than planned.
 */
pm_status pm_item_next(pm_item *item, size_t frames, const double *block[2],
                       size_t *got) PM_WARN_UNUSED;

/* The fade gain at position j (0-based) of a fade of length frames: 0 at j = 0, rising to 1,
 * with the curve of the project format (doc/project-format.md "Fades"). */
double pm_fade_in_gain(pm_fade_curve curve, int64_t j, int64_t length);

#endif
