/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak meter: the largest magnitude of the band-limited signal between and on the
 * samples, found by oversampling (ITU-R BS.1770-4 Annex 2 uses 4x; we use 8x or more because a
 * 4x meter under-reads by up to 0.55 dB on content near fs/2, dsp-notes.md 0.3).
 *
 * Interpolation: a Kaiser-windowed sinc of PM_TRUEPEAK_TAPS original-rate taps per phase,
 * cut off at fs/2, each phase normalised to unit DC gain. Phase 0 is the sample itself, so the
 * meter never reads below the sample peak. On content up to 0.45 fs it reads within +0.01 dB of
 * the analytic peak, and under it by at most the grid error of the factor (0.14 dB at 8x, 0.04
 * dB at 16x, for a sine at 0.45 fs); test-truepeak measures both.
 *
 * The signal is taken to be preceded and followed by silence: pm_truepeak_finish() feeds the
 * tail through the interpolator so that a peak in the last samples is seen.
 *
 * Speed: blocks whose input, scaled by the interpolator's worst-case gain, cannot exceed the
 * largest peak already found (nor the threshold, when counting) are skipped. At 8x the other
 * blocks are first interpolated in single precision, with a proven bound on the error; only the
 * points that the float values cannot decide (near the largest peak, or near the threshold) are
 * computed in double. Both speed-ups are exact: the results (the largest magnitude, its frame,
 * the count over the threshold) are those of the plain double evaluation, bit for bit, on every
 * machine.
 */
#ifndef PM_TRUEPEAK_H
#define PM_TRUEPEAK_H

#include <stddef.h>
#include <stdint.h>

#include "premaster.h"

#define PM_TRUEPEAK_TAPS 64        /* original-rate samples per interpolated point */
#define PM_TRUEPEAK_MAX_FACTOR 16  /* oversampling factors 1 (sample peak), 2, 4, 8 or 16 */
#define PM_TRUEPEAK_MAX_CHANNELS 8

typedef struct pm_truepeak pm_truepeak;

/* A meter for `channels` channels oversampling by `factor`. PM_ERR_INVALID for a bad factor or
 * channel count, PM_ERR_NOMEM. The caller frees it with pm_truepeak_free(). */
pm_status pm_truepeak_new(int channels, int factor, pm_truepeak **out) PM_WARN_UNUSED;
void pm_truepeak_free(pm_truepeak *meter);

/* Measure `frames` more frames of planar input (in[c][i]). Never allocates. */
void pm_truepeak_process(pm_truepeak *meter, const double *const *in, size_t frames);
/* Flush the interpolator with silence; call once after the last input. */
void pm_truepeak_finish(pm_truepeak *meter);
/* Back to the state after pm_truepeak_new(). */
void pm_truepeak_reset(pm_truepeak *meter);

/* The largest magnitude seen on a channel (linear, 1.0 = full scale), and the input frame it
 * lies after (the peak lies between that frame and the next, or on it). */
double pm_truepeak_max(const pm_truepeak *meter, int channel);
int64_t pm_truepeak_max_frame(const pm_truepeak *meter, int channel);
/* How many interpolated points (at the oversampled rate) were above `threshold` since the last
 * reset, over all channels, when a threshold was set (0 turns counting off, the default).
 * Counting makes the skip and the screen stricter (points near the threshold are computed in
 * double), so it costs time. */
void pm_truepeak_set_threshold(pm_truepeak *meter, double threshold);
uint64_t pm_truepeak_count_over(const pm_truepeak *meter);

/*
 * The reference: the same interpolator evaluated point by point without any of the speed-ups,
 * over one channel of `frames` samples preceded and followed by silence. Returns the largest
 * magnitude. Kept for the tests, which prove the fast meter agrees with it.
 */
double pm_truepeak_reference(const double *samples, size_t frames, int factor);

/*
 * The interpolator's taps for phase p (0 <= p < factor): the point p/factor of a sample after
 * frame m is the sum over k of taps[k] * x[m - PM_TRUEPEAK_TAPS/2 + 1 + k]. Phase 0 is the unit
 * impulse (taps[PM_TRUEPEAK_TAPS/2 - 1] = 1, the others 0): the sample itself, exactly. For
 * other users of the same kernel, so that what they detect is what this meter measures (the
 * limiter, dsp/limiter.h). factor as for pm_truepeak_new().
 */
void pm_truepeak_design_phase(int factor, int p, double taps[PM_TRUEPEAK_TAPS]);

/* 20 log10(linear), with -inf for 0; the unit every report uses for peaks. */
double pm_db_from_linear(double linear);

#endif
