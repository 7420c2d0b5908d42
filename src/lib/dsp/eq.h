/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Minimum-phase equalisation stages for the mastering chain, each a pm_stage (dsp/stage.h):
 *
 *   eq        a cascade of bands - RBJ peak, shelves and notch, Butterworth high- and low-pass
 *             of order 1 to 8, CD de-emphasis - applied to every channel alike
 *             (<eq>, <highpass>, <lowpass> of the project format; emphasis="yes" on a track).
 *   width     mid/side width: M = (L + R) / 2, S = (L - R) / 2, S scaled by the width
 *             (<width amount/>): 0 is mono (L == R exactly), 1 leaves the signal untouched
 *             (bit for bit), 2 doubles the side.
 *   monobass  the side channel high-passed at `below` Hz by a 4th-order Linkwitz-Riley filter,
 *             so content under the crossover is summed to mono (<monobass below
 *             phase="minimum"/>, vinyl's mono-below). A mono signal (L == R) passes exactly.
 *             phase="linear" is its own stage, pm_monobass_linear_new in linbass.h.
 *
 * All three work in place (in_place = 1), have no latency, keep their state in double precision,
 * accept any block of 0..max_block_frames and give bit-identical output whatever the block sizes.
 * They allocate in their constructor only; start() designs the filters for the rate. With one
 * channel, width and monobass pass the signal through (a mono signal has no side).
 *
 * Constructors return PM_OK and set *out (freed with pm_stage_free), PM_ERR_INVALID when a
 * parameter breaks a rule (each problem is added to diag as an error naming the band and what
 * would be right; diag may be NULL), or PM_ERR_NOMEM. start() returns PM_ERR_INVALID with a
 * message when a frequency is at or above the Nyquist frequency of the rate it is given.
 */
#ifndef PM_EQ_H
#define PM_EQ_H

#include <stddef.h>

#include "dsp/stage.h"
#include "premaster.h"

typedef enum pm_eq_type {
    PM_EQ_PEAK = 0,  /* freq_hz, gain_db, q */
    PM_EQ_LOWSHELF,  /* freq_hz (mid-point of the slope), gain_db, q or slope */
    PM_EQ_HIGHSHELF, /* as the low shelf */
    PM_EQ_NOTCH,     /* freq_hz, q */
    PM_EQ_HIGHPASS,  /* Butterworth: freq_hz (-3.01 dB), order 1..8 */
    PM_EQ_LOWPASS,   /* Butterworth: freq_hz (-3.01 dB), order 1..8 */
    PM_EQ_DEEMPHASIS /* CD 50/15 us de-emphasis; no parameters */
} pm_eq_type;

/* The largest boost or cut a band accepts, in dB: beyond any mastering move. */
#define PM_EQ_MAX_GAIN_DB 48.0
/* The allowed width amounts. */
#define PM_WIDTH_MIN 0.0
#define PM_WIDTH_MAX 2.0

typedef struct pm_eq_band {
    pm_eq_type type;
    double freq_hz; /* > 0, and under rate / 2 at start */
    double gain_db; /* peak, shelves; |gain_db| <= PM_EQ_MAX_GAIN_DB */
    double q;       /* peak, notch, and shelves when slope is 0; > 0 */
    double slope;   /* shelves: the RBJ shelf slope S (> 0; 1 = steepest monotonic) used instead
                       of q when non-zero; 0 = use q */
    int order;      /* highpass, lowpass: 1..8 (6 dB per octave per order) */
} pm_eq_band;

/* The band type as the project writes it ("peak", "lowshelf", ..., "deemphasis"). */
const char *pm_eq_type_name(pm_eq_type type);

/*
 * The EQ stage: count bands (0 gives a stage that copies), applied in order. bands is copied;
 * the caller keeps its array.
 */
pm_status pm_eq_new(const pm_eq_band *bands, size_t count, pm_stage **out,
                    pm_diag *diag) PM_WARN_UNUSED;

/* The width stage: PM_WIDTH_MIN <= width <= PM_WIDTH_MAX. */
pm_status pm_width_new(double width, pm_stage **out, pm_diag *diag) PM_WARN_UNUSED;

/* The gain stage: every channel times 10^(gain_db/20); |gain_db| <= PM_EQ_MAX_GAIN_DB. */
pm_status pm_gain_new(double gain_db, pm_stage **out, pm_diag *diag) PM_WARN_UNUSED;

/*
 * The minimum-phase mono-bass stage: the side channel through an LR4 high-pass at below_hz
 * (> 0; -6.02 dB there, 24 dB per octave under it). The mid channel is untouched.
 */
pm_status pm_monobass_new(double below_hz, pm_stage **out, pm_diag *diag) PM_WARN_UNUSED;

#endif
