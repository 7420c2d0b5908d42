/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * De-emphasis where the programme needs it: tracks flagged emphasis="yes" carry the CD's 50/15 us
 * pre-emphasis, which a CD player undoes from the flag but vinyl and streaming cannot carry, so
 * their target stages take it out (PROJECT-FORMAT.md). The mastered stream is shared with the
 * CD, so the filter is applied in the target stage, over the flagged tracks' spans only.
 *
 * The filter runs over the whole stream, so that its state is settled when a span begins; the
 * output takes the filtered signal inside the spans and the signal as it is outside them.
 * Zero latency, in place, bit-exact outside the spans.
 */
#ifndef PM_DEEMPH_H
#define PM_DEEMPH_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/stage.h"

/* spans: count [start, end) pairs in frames of the stage's own stream (its rate), copied. */
pm_status pm_deemphasis_spans_new(const int64_t *start, const int64_t *end, size_t count,
                                  pm_stage **out, pm_diag *diag) PM_WARN_UNUSED;

#endif
