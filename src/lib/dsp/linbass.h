/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The linear-phase mono-bass stage, a pm_stage (dsp/stage.h): <monobass below phase="linear"/>
 * of the project format. The minimum-phase one (LR4 on the side) is pm_monobass_new in eq.h.
 *
 * Signal path: M = (L + R) / 2 and S = (L - R) / 2; S goes through a linear-phase FIR
 * high-pass at below_hz, M through a pure delay equal to that FIR's group delay; then
 * L = M + S' and R = M - S'. Content under the crossover is summed to mono without any phase
 * shift between mid and side: above the transition band S' is S, in phase with M.
 *
 * The high-pass is a delayed unit impulse minus a low-pass, so that the two add up to the pure
 * delay the mid gets. The low-pass is a windowed sinc (Kaiser window, 60 dB stopband) cut off at
 * below_hz, with a transition band below_hz wide centred on it (below_hz / 2 to 3 below_hz / 2),
 * its taps normalised to sum to 1 so that the side has no DC. Its length follows from the
 * crossover and the rate at start (Kaiser's estimate for that transition width and
 * attenuation): about 3.6 x rate / below_hz taps, 2133 at 44.1 kHz and 75 Hz, 34,805 at 96 kHz
 * and 10 Hz. The side's response (from the taps, every rate 44.1-192 kHz and crossover
 * 10 Hz-1 kHz): -6.02 dB at below_hz, -53 dB or less from below_hz / 2 down (and nothing at
 * DC), within 0.01 dB of 0 dB from 3 below_hz / 2 up.
 *
 * The convolution runs in the frequency domain (uniformly partitioned overlap-save with an
 * in-house radix-2 FFT): the side is gathered into fixed blocks of block_frames, counted from
 * the start of the stream, and each full block is filtered at once. So that no output waits for
 * a block to fill, the FIR as applied has block_frames - 1 zero taps in front of the low-pass
 * (and as many after it, keeping it symmetric): its group delay, and the stage's latency, is
 * (taps - 1) / 2 + block_frames - 1. pm_monobass_linear_design gives these figures.
 *
 * Behaviour as a stage:
 *   alignment  output frame n is input frame n (stage.h): the first latency frames are held
 *              back and drain gives them back, computed as if silence followed the input.
 *   mono       L == R passes bit for bit (S is exactly 0 and the FIR of zeros is exactly 0).
 *   blocks     any block of 0..max_block_frames, in place or not; the output does not depend
 *              on the block sizes, bit for bit, because the FFT blocks are fixed to the stream.
 *   memory     the constructor allocates the stage, start everything else (the filter depends
 *              on the rate; a second start frees and redoes it); process, drain and reset
 *              never allocate.
 *   one channel the stage copies (a mono stream has no side) and has no latency.
 *   NaN, inf   a non-finite input sample spoils the output of the FFT blocks whose filter
 *              reach it has (at most taps + 2 x block_frames frames around it); after them the
 *              stage is clean again.
 *   drain      after the last input, call until it gives 0; processing after drain has begun
 *              is the caller's error (nothing is used) until a reset.
 */
#ifndef PM_LINBASS_H
#define PM_LINBASS_H

#include <stddef.h>

#include "dsp/stage.h"
#include "premaster.h"

/* The crossovers the project format allows (<monobass below>, vinyl's mono-below). */
#define PM_MONOBASS_LINEAR_MIN_HZ 10.0
#define PM_MONOBASS_LINEAR_MAX_HZ 1000.0

/* The sizes the stage chooses for one crossover at one rate. */
typedef struct pm_monobass_linear_shape {
    size_t taps;           /* the low-pass's length: odd, symmetric about (taps - 1) / 2 */
    size_t block_frames;   /* the FFT block (a power of two; the FFT is twice as long) */
    size_t partitions;     /* blocks the low-pass is split into: ceil(taps / block_frames) */
    size_t latency_frames; /* the group delay: (taps - 1) / 2 + block_frames - 1 */
} pm_monobass_linear_shape;

/*
 * The sizes for below_hz at rate_hz, into *out. PM_ERR_INVALID (and *out untouched) when
 * below_hz is outside PM_MONOBASS_LINEAR_MIN_HZ..PM_MONOBASS_LINEAR_MAX_HZ, when the rate is not
 * a positive number, or when the top of the transition band (1.5 x below_hz) is not under the
 * Nyquist frequency.
 */
pm_status pm_monobass_linear_design(double below_hz, double rate_hz,
                                    pm_monobass_linear_shape *out) PM_WARN_UNUSED;

/*
 * The linear-phase mono-bass stage for below_hz (PM_MONOBASS_LINEAR_MIN_HZ to
 * PM_MONOBASS_LINEAR_MAX_HZ), named "monobass-linear". Returns PM_OK and sets *out (freed with
 * pm_stage_free), PM_ERR_INVALID with a message in diag (which may be NULL) for a crossover out
 * of range, or PM_ERR_NOMEM. start() returns PM_ERR_INVALID with a message naming the Nyquist
 * frequency when 1.5 x below_hz is not under it, or PM_ERR_NOMEM.
 */
pm_status pm_monobass_linear_new(double below_hz, pm_stage **out, pm_diag *diag) PM_WARN_UNUSED;

#endif
