/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The meter: every figure premaster reports about a stream of audio, measured in one pass in
 * blocks of any size, without holding the audio.
 *
 *   integrated loudness and loudness range   ITU-R BS.1770-4 gating and EBU Tech 3342 from the
 *                                            same K-weighted energies (dsp/meter_gate.h), in
 *                                            libebur128's arithmetic; the tests hold the two
 *                                            within 0.01 LU. libebur128 itself would filter
 *                                            every sample a second time: it was a third of
 *                                            the cost of metering a render.
 *   max momentary and short-term loudness    K-weighted energy summed in 10 ms sub-blocks, so
 *                                            the 400 ms and 3 s windows advance every 10 ms
 *                                            (EBU Tech 3341 case 13 fails at 100 ms steps;
 *                                            dsp-notes.md 1.3). Polling libebur128 that often
 *                                            costs a 3 s sum every 10 ms; this costs nothing.
 *   sample peak, true peak                   ours at 8x (dsp/truepeak.h); libebur128's own true
 *                                            peak (4x, 2x at 96 kHz) on request, for comparison
 *   DC offset, clipped samples               per channel
 *   stereo correlation                       whole band over the whole stream, and the minimum
 *                                            below 300 Hz over 400 ms windows every 100 ms
 *                                            (DESIGN.md, vinyl), where both channels have level
 *
 * Channels follow libebur128's default map: 0 left, 1 right, 2 centre, 3 unused (LFE), 4 and 5
 * surrounds (weighted 1.41); correlation uses channels 0 and 1.
 */
#ifndef PM_METER_H
#define PM_METER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/biquad.h"
#include "premaster.h"

#define PM_METER_MAX_CHANNELS 8

enum {
    PM_METER_EBUR128_TRUE_PEAK = 1 << 0 /* also libebur128's true peak (costs about 3x) */
};

typedef struct pm_meter_result {
    int channels;
    double rate_hz;
    int64_t frames;
    double integrated_lufs;    /* -HUGE_VAL when everything is gated out (silence) */
    double range_lu;           /* loudness range (EBU Tech 3342) */
    double max_momentary_lufs; /* -HUGE_VAL for silence */
    double max_shortterm_lufs;
    double sample_peak[PM_METER_MAX_CHANNELS]; /* linear */
    double true_peak[PM_METER_MAX_CHANNELS];   /* linear, our 8x meter */
    int64_t true_peak_frame[PM_METER_MAX_CHANNELS];
    double true_peak_ebur128[PM_METER_MAX_CHANNELS]; /* linear; NAN unless asked for */
    double dc[PM_METER_MAX_CHANNELS];                /* mean, linear */
    uint64_t clipped[PM_METER_MAX_CHANNELS]; /* samples at or past 32767/32768 of full scale */
    double correlation;          /* -1..1; NAN for mono or when a channel is silent */
    double min_lf_correlation;   /* NAN when no window had level below 300 Hz on both sides */
    double min_lf_correlation_sec; /* where that window starts */
} pm_meter_result;

typedef struct pm_meter pm_meter;

/* A meter for `channels` (1..8) at rate_hz (8 kHz to 384 kHz); flags from the enum above.
 * PM_ERR_INVALID, PM_ERR_NOMEM. The caller frees it with pm_meter_free(). */
pm_status pm_meter_new(int channels, double rate_hz, unsigned flags,
                       pm_meter **out) PM_WARN_UNUSED;
void pm_meter_free(pm_meter *meter);

/* Measure `frames` more frames of planar input. Allocates only to keep a finished gating block
 * (meter_gate.h): PM_ERR_NOMEM; PM_ERR_INTERNAL only if libebur128 (its true peak, when asked
 * for) refuses the frames. */
pm_status pm_meter_process(pm_meter *meter, const double *const *in,
                           size_t frames) PM_WARN_UNUSED;

/* The figures so far; after the last block this also flushes the true-peak interpolator, so
 * call it once, at the end. */
pm_status pm_meter_finish(pm_meter *meter, pm_meter_result *out) PM_WARN_UNUSED;

/* Integrated loudness and loudness range of several meters' streams taken as one (an album),
 * after pm_meter_finish() on each. */
pm_status pm_meter_album(pm_meter *const *meters, size_t count, double *integrated_lufs,
                         double *range_lu) PM_WARN_UNUSED;

/* The K-weighting of BS.1770-4 Annex 1 at rate_hz: the pre-filter (a high shelf) in filter[0],
 * the RLB high-pass in filter[1]; at 48 kHz the coefficients of the recommendation. */
void pm_meter_design_k_weighting(double rate_hz, pm_biquad filter[2]);

#endif
