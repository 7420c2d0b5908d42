/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Meters over a stream and over stretches of it (tracks, files, sides): one pm_meter for the
 * whole, one per segment, fed from the same blocks as they pass.
 */
#ifndef PM_SEGMETER_H
#define PM_SEGMETER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/meter.h"
#include "dsp/truepeak.h"

/* Joined segments (pm_segmeter_join) are measured with this much silence between them: the
 * true-peak interpolator's reach, so that at each join it reads what it reads at the end and
 * at the start of two files that hold the segments, and never a step from one to the other. */
#define PM_SEGMETER_JOIN_SILENCE PM_TRUEPEAK_TAPS

typedef struct pm_segmeter {
    pm_meter *whole;
    pm_meter **segment; /* count of them: open only while their segment plays */
    pm_meter_result *result; /* each segment's figures, once it has ended */
    unsigned char *ended;
    const int64_t *start, *end; /* each segment's [start, end) in frames of the stream */
    size_t count;
    double rate_hz;
    int64_t position;   /* frames measured so far */
    int joined;         /* pm_segmeter_join: the whole is the segments joined */
    int joined_any;     /* a joined segment was measured: the next is preceded by silence */
    int64_t whole_from; /* unless joined, the whole is measured from this frame on (0 after
                           init; set it before the first block): what comes before is not
                           delivered */
} pm_segmeter;

/* Meters at rate_hz for 2 channels over count segments (the arrays are borrowed and must
 * outlive the meters). A segment's meter exists only while the stream is inside it (a meter
 * holds seconds of audio: an album of many tracks must not hold one per track), so memory does
 * not grow with the number of segments. PM_ERR_NOMEM; on failure everything made is freed. */
pm_status pm_segmeter_init(pm_segmeter *m, double rate_hz, const int64_t *start,
                           const int64_t *end, size_t count) PM_WARN_UNUSED;
void pm_segmeter_fini(pm_segmeter *m);
/* From now on the whole meter measures only the segments, joined in order with
 * PM_SEGMETER_JOIN_SILENCE frames of silence between them, as the files that hold them would
 * read one after the other (vinyl: the sides, without the gaps between them that no side
 * holds); no segment is measured on its own, and its figures are left zero. The segments must
 * be in order and must not overlap. Call before the first block. */
void pm_segmeter_join(pm_segmeter *m);
/* Feed meter the silence that joined segments have between them: for a meter of the files
 * that hold them, read one after the other, between one file and the next. */
pm_status pm_segmeter_join_silence(pm_meter *meter) PM_WARN_UNUSED;
/* The next frames of the stream. */
pm_status pm_segmeter_process(pm_segmeter *m, const double *const *block,
                              size_t frames) PM_WARN_UNUSED;
/* The whole stream's figures, and each segment's into segments[count] (may be NULL). */
pm_status pm_segmeter_finish(pm_segmeter *m, pm_meter_result *whole,
                             pm_meter_result *segments) PM_WARN_UNUSED;

#endif
