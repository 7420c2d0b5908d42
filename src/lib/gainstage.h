/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A target stage's loudness gain (DESIGN.md "The pipeline" step 4): at the working rate, before
 * the rate conversion and the limiter, each frame times the gain of the segment it falls in -
 * one gain for the album, or one per track when a target normalises track by track.
 */
#ifndef PM_GAINSTAGE_H
#define PM_GAINSTAGE_H

#include <stddef.h>

#include "dsp/stage.h"
#include "target.h"

/*
 * A stage (dsp/stage.h) that multiplies each frame by gain_db[i] (dB), i the last of the count
 * segments starting at or before the frame (the first segment's gain also before it); with
 * count 0, gain_db[0] everywhere. segments and gain_db are borrowed and must outlive the stage;
 * the gains are read at each start, so that the closed loop may change them between passes.
 * PM_ERR_NOMEM.
 */
pm_status pm_gain_schedule_new(const pm_target_segment *segments, size_t count,
                               const double *gain_db, pm_stage **out) PM_WARN_UNUSED;

#endif
