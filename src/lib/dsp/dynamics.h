/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Dynamics stages for the mastering chain, each a pm_stage (dsp/stage.h):
 *
 *   compressor  feed-forward, stereo-linked, log-domain gain computer with a soft knee
 *               (<compressor threshold ratio attack release knee makeup/>).
 *   deess       split-band de-esser: only a band around a frequency is turned down, and only
 *               while that band is louder than a threshold (<deess freq range threshold/>, and
 *               vinyl's deess, deess-range, deess-threshold).
 *
 * Both work in place (in_place = 1), have no latency, keep their state in double precision,
 * accept any block of 0..max_block_frames (larger blocks are done in pieces) and give bit-identical
 * output whatever the block sizes. They allocate in their constructor and in start() (the
 * detector's history, sized for the rate), never in process. reset() clears the history and, for
 * the de-esser, its statistics. With one channel the detector sees that channel alone.
 *
 * Constructors return PM_OK and set *out (freed with pm_stage_free), PM_ERR_INVALID when a
 * parameter breaks a rule (every problem is added to diag as an error saying what would be right;
 * diag may be NULL; *out is then NULL), or PM_ERR_NOMEM. start() returns PM_ERR_NOMEM when the
 * history cannot be allocated, and the de-esser's PM_ERR_INVALID with a message when its
 * frequency is at or above the Nyquist frequency of the rate.
 *
 * Levels are in dB relative to full scale: a sample of magnitude 1 is 0 dB. A non-finite sample
 * passes through the gain as it is, but the detectors read it as silence (NaN) or as +120 dB (an
 * infinity, or anything larger), so the state stays finite and the next block is clean.
 *
 * ---- The compressor ---------------------------------------------------------------------------
 *
 * Per frame:
 *  1. The level x (dB) of the louder channel (stereo link: one level and one gain for both
 *     channels, so the image does not move):
 *       peak  the largest |sample| of either channel over the last `hold` seconds, where
 *             hold = min(PM_COMPRESSOR_HOLD_SEC, release_sec / 20). A plain instantaneous |x|
 *             falls to zero twice a cycle, the gain ripples with the waveform and settles short of
 *             the static curve (measured on a sine 20 dB over a 4:1 threshold: 1.2 dB short at
 *             10/100 ms attack/release, 1.4 dB at 30/250 ms, at any frequency); held over 5 ms,
 *             a tone above 100 Hz reads as its crest, steady (0.07 dB short at 50 Hz). The
 *             hold delays the start of the release by at most 5 % of the release time and does
 *             not delay the attack.
 *       rms   10 log10 of the larger of the channels' mean squares over the last
 *             PM_COMPRESSOR_RMS_WINDOW_SEC (a rectangular window: exact and steady for a tone
 *             with a whole number of cycles in it). A sine of peak A reads 20 log10(A / sqrt 2):
 *             the static curve below applies to that RMS level, with no +3 dB correction. The
 *             window adds its own rise and fall (up to 10 ms) to the attack and release.
 *  2. The static curve, with T = threshold_db, R = ratio, W = knee_db, as a gain in dB (<= 0):
 *       2 (x - T) < -W        0
 *       2 |x - T| <= W        (1/R - 1) (x - T + W/2)^2 / (2 W)       (W > 0 only)
 *       2 (x - T) > W         (1/R - 1) (x - T)
 *     continuous with its slope; W = 0 is a hard knee. R = 1 is exactly 0 dB everywhere.
 *  3. Smoothing of the reduction in dB (never of the signal): a one-pole filter toward the
 *     curve's reduction, with the attack coefficient exp(-1 / (attack_sec * rate)) while the
 *     reduction grows and the release coefficient exp(-1 / (release_sec * rate)) while it shrinks;
 *     a time of 0 follows at once. After a step of the level the gain has moved 1 - 1/e (63 %) of
 *     its change in the attack (release) time. A reduction under 1e-9 dB counts as none.
 *  4. The gain 10^((makeup - reduction) / 20), the same for every channel.
 *
 * Makeup: makeup_db as given, or with makeup_auto half the reduction the static curve applies to a
 * level of 0 dB: makeup = -curve(0 dB) / 2. The full amount would bring a full-scale signal back
 * to full scale and lift everything quieter by more than it was compressed; half is the usual
 * compromise (loud passages end near where they were, quiet ones come up). The rule uses the
 * curve of the chosen detection, so in rms mode it is the curve at an RMS level of 0 dB.
 */
#ifndef PM_DYNAMICS_H
#define PM_DYNAMICS_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/stage.h"
#include "premaster.h"

typedef enum pm_compressor_detection {
    PM_COMPRESSOR_PEAK = 0, /* largest |sample| over the hold */
    PM_COMPRESSOR_RMS       /* mean square over PM_COMPRESSOR_RMS_WINDOW_SEC */
} pm_compressor_detection;

/* The longest peak hold, and the RMS window, in seconds. */
#define PM_COMPRESSOR_HOLD_SEC 0.005
#define PM_COMPRESSOR_RMS_WINDOW_SEC 0.010

/* What the constructor accepts (the project's own limits are narrower). */
#define PM_COMPRESSOR_MIN_THRESHOLD_DB -96.0 /* to 0 dB */
#define PM_COMPRESSOR_MAX_RATIO 1000.0       /* from 1 */
#define PM_COMPRESSOR_MAX_TIME_SEC 10.0      /* attack, release: 0 to this */
#define PM_COMPRESSOR_MAX_KNEE_DB 48.0       /* from 0 */
#define PM_COMPRESSOR_MAX_MAKEUP_DB 48.0     /* -48 to 48 */

typedef struct pm_compressor_params {
    double threshold_db; /* T: PM_COMPRESSOR_MIN_THRESHOLD_DB .. 0 */
    double ratio;        /* R: 1 (no compression) .. PM_COMPRESSOR_MAX_RATIO */
    double attack_sec;   /* 0 .. PM_COMPRESSOR_MAX_TIME_SEC; 0 = instant */
    double release_sec;  /* 0 .. PM_COMPRESSOR_MAX_TIME_SEC; 0 = instant */
    double knee_db;      /* W: total knee width, 0 (hard) .. PM_COMPRESSOR_MAX_KNEE_DB */
    double makeup_db;    /* when makeup_auto is 0; within +-PM_COMPRESSOR_MAX_MAKEUP_DB */
    int makeup_auto;     /* non-zero: the automatic makeup described above */
    pm_compressor_detection detection; /* peak or rms, as described above */
} pm_compressor_params;

/* The compressor stage. params is copied. */
pm_status pm_compressor_new(const pm_compressor_params *params, pm_stage **out,
                            pm_diag *diag) PM_WARN_UNUSED;

/*
 * The makeup gain in dB that a compressor with these parameters applies: makeup_db, or the
 * automatic rule. The parameters are not validated (call on parameters the constructor took).
 */
double pm_compressor_makeup_db(const pm_compressor_params *params);

/*
 * ---- The de-esser -----------------------------------------------------------------------------
 *
 * The band: B = x - notch(x), with the RBJ notch at freq_hz and Q = PM_DEESS_Q (one octave between
 * the band's -3 dB points), which makes B exactly the RBJ constant-peak band-pass: 0 dB and 0
 * degrees at freq_hz. The output is x - k B, with k = 1 - 10^(-reduction / 20): the band is
 * scaled by the gain and the rest (x - B) is untouched. k = 0 gives the input bit for bit, so
 * the split is exactly complementary when nothing is reduced. The response while reducing by r dB
 * is |H|^2 = 1 - (1 - g^2) cos^2(phi) (g = 10^(-r/20), phi the band-pass's phase): never above
 * 0 dB, g at freq_hz - a dynamic bell cut, with no bump at the edges.
 *
 * The detector: the largest |B| of either channel (stereo-linked) held over
 * min(PM_COMPRESSOR_HOLD_SEC, PM_DEESS_RELEASE_SEC / 20) = 2.5 ms, in dB. The reduction wanted is
 * as much as brings the band down to the threshold, capped by the range:
 *   reduction = min(range_db, max(0, level - threshold_db))
 * (an infinite ratio with a hard knee and a floor), smoothed in dB like the compressor's with
 * PM_DEESS_ATTACK_SEC and PM_DEESS_RELEASE_SEC. A band below the threshold is never touched.
 */

#define PM_DEESS_Q 1.4142135623730951 /* sqrt 2: one octave */
#define PM_DEESS_ATTACK_SEC 0.001
#define PM_DEESS_RELEASE_SEC 0.050
/* A frame counts as de-essed in the statistics when its reduction is at least this. */
#define PM_DEESS_ACTIVE_DB 0.5
/* What the constructor accepts. */
#define PM_DEESS_MIN_FREQ_HZ 500.0
#define PM_DEESS_MIN_THRESHOLD_DB -96.0 /* to 0 dB */
#define PM_DEESS_MAX_RANGE_DB 48.0      /* from 0; 0 gives a stage that never changes a sample */

/*
 * The de-esser stage: freq_hz (>= PM_DEESS_MIN_FREQ_HZ, under the Nyquist frequency at start),
 * threshold_db and range_db (the largest reduction) as above.
 */
pm_status pm_deess_new(double freq_hz, double threshold_db, double range_db, pm_stage **out,
                       pm_diag *diag) PM_WARN_UNUSED;

/* What a de-esser did since start or its last reset, for the vinyl report. */
typedef struct pm_deess_stats {
    uint64_t frames;        /* frames processed */
    uint64_t active_frames; /* frames with a reduction of PM_DEESS_ACTIVE_DB or more */
    double active_sec;      /* active_frames at the stage's rate */
    double max_reduction_db; /* the largest reduction applied (0 when none) */
} pm_deess_stats;

/*
 * Fill *out from a started de-esser. Returns PM_ERR_USAGE (and leaves *out untouched) when stage
 * is not a de-esser or has not started.
 */
pm_status pm_deess_get_stats(const pm_stage *stage, pm_deess_stats *out) PM_WARN_UNUSED;

#endif
