/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The true-peak limiter: a pm_stage (dsp/stage.h) that keeps the oversampled peak of its output
 * at or under a ceiling in dBTP, with one gain for all channels (stereo-linked, so the image
 * does not move). Step 4 of the pipeline in DESIGN.md; the design and why it is not enough on
 * its own are in dsp-notes.md 3.3.
 *
 * How it works, per input frame j:
 *   detect   the peak of the interpolated signal between frame j and j + 1 on every channel:
 *            `oversampling` points (the sample and factor - 1 after it) interpolated with the
 *            kernel of the true-peak meter (dsp/truepeak.h), and each local maximum among
 *            them lifted to the vertex of the parabola through it and its neighbours, which
 *            finds the peak between the points (a sine reads at most 0.005 dB low at 8x,
 *            where the points alone read up to 0.17 dB low); it needs the next
 *            PM_TRUEPEAK_TAPS / 2 frames
 *   require  r(j) = min(1, threshold / peak), where threshold is the ceiling lowered by a
 *            margin (below)
 *   hold     the minimum of r over a window from H frames before a frame to H + ramp - 1
 *            frames after it (H = PM_TRUEPEAK_TAPS / 2), kept in a monotonic deque (O(1) per
 *            frame): the gain is at or under r(j) over the whole interpolation kernel around
 *            frame j, not only on j itself, so the band-limited output between the samples
 *            stays under the ceiling too
 *   release  an envelope drops to the held gain at once and recovers towards 1
 *            exponentially, never above the held gain, with time constant release_sec (to 1/e
 *            of the reduction in release_sec; within 0.1 dB of unity after 4 to 4.5
 *            release_sec for 6 to 20 dB of reduction)
 *   smooth   two moving averages of the envelope, of about ramp / 2 frames each, so that
 *            the gain falls in an S-shaped ramp of `ramp` frames that ends just as the peak's
 *            neighbourhood arrives; an average of values each at or under r(j) stays under
 *            it, so the smoothing never lets a peak through (exact integer sums: no drift)
 *   apply    output frame j = input frame j * gain(j)
 *
 * The delay: latency() = round(lookahead_sec * rate) frames = L. The detector uses H of them,
 * the hold H more, and the ramp gets the rest: ramp = L - 2 H + 1 frames (at 48 kHz and the
 * default 3 ms: L = 144, ramp = 81 frames, 1.7 ms). start() refuses a look-ahead that leaves
 * less than PM_LIMITER_MIN_RAMP_FRAMES of ramp (at 2 ms, rates under 35.5 kHz; at 3 ms, under
 * 23.7 kHz).
 *
 * Alignment (the stage rule): the first L frames of output are swallowed and given back by
 * drain(), so output frame n is input frame n; call drain() until it produces 0, then reset()
 * before new input. Works in place (out == in). Any block of 0..max_block_frames; the output
 * does not depend on the block sizes, bit for bit.
 *
 * Transparency: while no detected peak passes the threshold the gain is exactly 1.0, so the
 * output is the input delayed, bit for bit; after a reduction the gain returns to exactly 1.0
 * once it is within 1e-9 of it (8.7e-9 dB).
 *
 * The margin: the detector's parabola can read a peak slightly low (at 8x by up to 0.005 dB
 * on a sine at fs/2; at 4x by up to 0.05 dB at 0.45 fs and 0.07 dB at fs/2), and a gain that
 * varies under the kernel around a peak (where the ramp towards a larger peak close after it
 * begins) moves the interpolated output. The second grows with the ramp's steepness: on 1500
 * seconds of full-scale white noise at 44.1 kHz, measured at 16x, the output passed the
 * threshold by at most 0.007 dB with the default 3 ms (a ramp of 70 frames), 0.012 dB at
 * 2.5 ms (48 frames), 0.05 dB at 2 ms (25 frames). So the threshold is PM_LIMITER_MARGIN_DB
 * under the ceiling, and more for ramps shorter than PM_LIMITER_MARGIN_RAMP_FRAMES, in
 * proportion (0.096 dB at 2 ms and 44.1 kHz); pm_limiter_threshold_dbtp() tells. It is not a
 * proof: the render stage measures the final file and re-runs with a lower ceiling where it
 * is passed (DESIGN.md step 4). Use 4x only where speed matters more than the last 0.05 dB.
 *
 * Speed: detection costs 32 multiply-adds per grid point and channel (phases p and F-p of the
 * kernel are mirror images, so they are summed together from the window's mirrored sums and
 * differences), in single precision (its rounding, at most 4.3e-6 of the kernel's gain times
 * the window's largest sample, 3.7e-5 dB, is far inside the margin), vectorised from plain C
 * (built for AVX2 and the baseline, rounding alike; test-limiter checks it against a plain
 * point-by-point detector). Stretches whose samples, times the kernel's largest gain and the
 * parabola's largest lift, cannot reach the threshold are not interpolated: an exact skip, so
 * quiet material costs little more than a copy.
 *
 * Memory: pm_limiter_new() and start() allocate; process, drain and reset never do.
 */
#ifndef PM_LIMITER_H
#define PM_LIMITER_H

#include <stdint.h>

#include "dsp/stage.h"
#include "premaster.h"

/* The threshold's distance under the ceiling, and the ramp under which it grows (see "The
 * margin" above). */
#define PM_LIMITER_MARGIN_DB 0.05
#define PM_LIMITER_MARGIN_RAMP_FRAMES 48

/* Parameter ranges. */
#define PM_LIMITER_CEILING_MIN_DBTP -60.0
#define PM_LIMITER_CEILING_MAX_DBTP 0.0
#define PM_LIMITER_RELEASE_MIN_SEC 0.001
#define PM_LIMITER_RELEASE_MAX_SEC 10.0
#define PM_LIMITER_LOOKAHEAD_MIN_SEC 0.002
#define PM_LIMITER_LOOKAHEAD_MAX_SEC 0.005
#define PM_LIMITER_MIN_RAMP_FRAMES 8

typedef struct pm_limiter_config {
    double ceiling_dbtp;  /* the largest true peak let out; default -1.0 */
    double release_sec;   /* time constant of the recovery; default 0.050 */
    double lookahead_sec; /* the delay, 0.002 to 0.005; default 0.003 */
    int oversampling;     /* detection points per sample: 4, 8 or 16; default 8 */
} pm_limiter_config;

/* Fill config with the defaults above. */
void pm_limiter_config_init(pm_limiter_config *config);

/*
 * The limiter stage for config (copied). Returns PM_OK and sets *out (freed with
 * pm_stage_free), PM_ERR_INVALID when a parameter is out of range (each problem is added to
 * diag, which may be NULL, with the range that would be right), PM_ERR_NOMEM. start() returns
 * PM_ERR_INVALID with a message when the look-ahead is too short at the rate it is given, and
 * PM_ERR_NOMEM.
 */
pm_status pm_limiter_new(const pm_limiter_config *config, pm_stage **out,
                         pm_diag *diag) PM_WARN_UNUSED;

/*
 * Statistics over the output frames produced since start or the last reset: the largest gain
 * reduction in dB (0 when none; positive, 6.0 means the gain went down to -6 dB) and how many
 * frames had a gain under 1. stage must come from pm_limiter_new().
 */
double pm_limiter_max_reduction_db(const pm_stage *stage);
uint64_t pm_limiter_reduced_frames(const pm_stage *stage);

/* The threshold the detector holds peaks to, in dBTP (the ceiling less the margin), once
 * started; NAN before. */
double pm_limiter_threshold_dbtp(const pm_stage *stage);

#endif
