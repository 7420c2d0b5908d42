/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Meters over a stream and over stretches of it (tracks, files, sides), fed from the same
 * blocks as they pass. Two kinds:
 *
 *   full   (pm_segmeter_init) every figure of dsp/meter.h: one pm_meter for the whole, one per
 *          segment. For the report and the sheets.
 *   lean   (pm_segmeter_init_lean) only what the render's closed loop judges a pass on: the
 *          integrated loudness and the true peak at 8x (and the sample peak), each only when
 *          asked for. The samples
 *          are K-weighted once for the whole and every segment (dsp/meter_gate.h gates the
 *          energies, as pm_meter's do), and when the segments tile the stream (the first starts at
 *          frame 0, each starts where the one before ended) the whole's true peak is the
 *          largest of the segments' - each segment measured on its own, as its file will be
 *          played - so every sample passes through the true-peak interpolator once, not twice.
 *          Otherwise the whole has a true-peak meter of its own. (With pm_segmeter_deliver, the
 *          stream starts at whole_from for this, and joined segments always count as tiling.) A segment's loudness is gated
 *          on its own 400 ms grid from its first frame; its K-weighting runs on from the
 *          samples before it (a difference of a few milliseconds of filter settling).
 *          Figures not measured are NAN; the other fields of pm_meter_result are NAN or 0.
 */
#ifndef PM_SEGMETER_H
#define PM_SEGMETER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/meter.h"
#include "dsp/truepeak.h"

/* Joined segments (pm_segmeter_deliver) are measured with this much silence between them: the
 * true-peak interpolator's reach, so that at each join it reads what it reads at the end and
 * at the start of two files that hold the segments, and never a step from one to the other. */
#define PM_SEGMETER_JOIN_SILENCE PM_TRUEPEAK_TAPS

/* What a lean meter measures. */
enum {
    PM_SEGMETER_LOUDNESS = 1 << 0,   /* integrated loudness */
    PM_SEGMETER_TRUE_PEAK = 1 << 1,  /* true peak at 8x */
    PM_SEGMETER_SAMPLE_PEAK = 1 << 2 /* sample peak */
};

typedef struct pm_segmeter_lean pm_segmeter_lean;

typedef struct pm_segmeter {
    pm_meter *whole;    /* full meters only */
    pm_meter **segment; /* count of them: open only while their segment plays */
    pm_segmeter_lean *lean; /* lean meters only */
    pm_meter_result *result; /* each segment's figures, once it has ended */
    unsigned char *ended;
    const int64_t *start, *end; /* each segment's [start, end) in frames of the stream */
    size_t count;
    double rate_hz;
    int64_t position;   /* frames measured so far */
    int joined;         /* pm_segmeter_deliver: the whole is the segments joined */
    int joined_any;     /* a joined segment was measured: the next is preceded by silence */
    int64_t whole_from; /* unless joined, the whole is measured from this frame on */
} pm_segmeter;

/* Full meters at rate_hz for 2 channels over count segments (the arrays are borrowed and must
 * outlive the meters). A segment's meter exists only while the stream is inside it (a meter
 * holds seconds of audio: an album of many tracks must not hold one per track), so memory does
 * not grow with the number of segments. PM_ERR_NOMEM; on failure everything made is freed. */
pm_status pm_segmeter_init(pm_segmeter *m, double rate_hz, const int64_t *start,
                           const int64_t *end, size_t count) PM_WARN_UNUSED;
/* Full meters of the segments alone, with none for the whole (pm_segmeter_finish leaves its
 * whole untouched; the whole cannot be joined): for a caller that measures the whole beside
 * it, on another thread. Otherwise as pm_segmeter_init. */
pm_status pm_segmeter_init_segments(pm_segmeter *m, double rate_hz, const int64_t *start,
                                    const int64_t *end, size_t count) PM_WARN_UNUSED;
/* Lean meters measuring `what` (PM_SEGMETER_*), otherwise as pm_segmeter_init. */
pm_status pm_segmeter_init_lean(pm_segmeter *m, double rate_hz, unsigned what,
                                const int64_t *start, const int64_t *end,
                                size_t count) PM_WARN_UNUSED;
void pm_segmeter_fini(pm_segmeter *m);
/*
 * What the whole is, when it is not the stream from frame 0 (call before the first block):
 *   joined     the segments joined in order, with PM_SEGMETER_JOIN_SILENCE frames of silence
 *              between them, as the files that hold them read one after the other (vinyl: the
 *              sides, without the gaps between them that no side holds). Full meters then
 *              measure no segment on its own (its figures are left zero); lean ones measure
 *              each alone, as its file, and the whole's true peak is the largest of theirs.
 *              The segments must be in order and must not overlap.
 *   whole_from otherwise, the whole is measured from this frame on: what comes before it is
 *              not delivered (streaming: track 1's pause).
 * PM_ERR_NOMEM (lean meters re-make their true-peak meter).
 */
pm_status pm_segmeter_deliver(pm_segmeter *m, int joined, int64_t whole_from) PM_WARN_UNUSED;
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
