/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The quantiser: the final word-length reduction from doubles to 16- or 24-bit integers, the last
 * step before the file writer (dsp-notes.md 3.6). Not a pm_stage: it changes the sample type, and
 * it is applied exactly once, at the writer.
 *
 * Modes
 *   none    round to the nearest code (halves go up), no dither. For material already on the
 *           grid, or 24-bit output where dither is optional.
 *   tpdf    add triangular dither of +-1 LSB (2 LSB peak to peak; variance 1/6 LSB^2) before
 *           rounding. The total error then has mean 0 and variance 1/4 LSB^2 whatever the
 *           signal: no distortion, no noise modulation (Lipshitz, Wannamaker and Vanderkooy,
 *           "Quantization and Dither: A Theoretical Survey", JAES 40(5), 1992).
 *   shaped  tpdf inside an error-feedback loop that moves the noise away from where the ear is
 *           most sensitive (1-5 kHz) towards the top of the band. Total noise power rises (by
 *           12.2 dB at 44.1 kHz, 18.4 dB at 48 kHz) while the audible noise falls. A filter is
 *           only valid at the rate it was designed for:
 *             44.1 kHz (within 1 %): Lipshitz, Vanderkooy and Wannamaker's 5-tap E-weighted
 *                 "minimally audible" filter (JAES 39(11), 1991);
 *             48 kHz (within 1 %): Wannamaker's 9-tap F-weighted filter, designed at 46 kHz
 *                 (JAES 40(7/8), 1992);
 *           at any other rate shaped falls back to tpdf, and pm_dither_fell_back() says so: the
 *           caller turns that into a notice.
 *
 * Output: interleaved int32, left-justified, exactly what libsndfile's sf_writef_int expects for
 * a PCM_16 or PCM_24 file: the code c (-32768..32767 at 16 bits, -8388608..8388607 at 24) is
 * stored as c * 2^(32 - bits), so the low 16 (or 8) bits are zero and libsndfile writes c
 * unchanged. pm_dither_code() gives c back (for a raw CD .bin writer).
 *
 * Clipping: a sample whose value is outside the codes (at 16 bits: above 32767/32768, i.e. +1.0
 * and more, or below -1.0) is clipped before rounding: it is written as the end code, without
 * dither, and counted in pm_dither_clipped_samples(). A NaN is written as 0 and counted as
 * clipped too (the file cannot carry it). A sample inside the range that the dither or the noise
 * shaping pushes past an end code (at most 1.5 LSB for tpdf, 34 LSB for shaped at 48 kHz: far
 * inside any limiter ceiling) is held at the end code and counted apart, in
 * pm_dither_saturated_samples().
 *
 * Determinism: the dither is seeded from the caller's 64-bit seed (the project's `seed`); channel
 * c draws from its own stream (the seed's xoshiro256** stream jumped c times, see rng.h), one
 * draw per sample, so the output depends only on the seed and the input, never on the block
 * sizes, the thread or the platform.
 *
 * Memory: pm_dither_new allocates; pm_dither_process and pm_dither_reset never do.
 */
#ifndef PM_DITHER_H
#define PM_DITHER_H

#include <stddef.h>
#include <stdint.h>

#include "premaster.h"

/* The quantiser's modes. (The project model's pm_dither maps one to one onto these.) */
typedef enum pm_dither_mode {
    PM_DITHER_MODE_NONE = 0,
    PM_DITHER_MODE_TPDF = 1,
    PM_DITHER_MODE_SHAPED = 2
} pm_dither_mode;

typedef struct pm_dither_config {
    pm_dither_mode mode;
    int bits;       /* 16 or 24 */
    int channels;   /* 1 or more */
    double rate_hz; /* selects the shaping filter; must be positive in every mode */
    uint64_t seed;  /* the project's dither seed */
} pm_dither_config;

typedef struct pm_ditherer pm_ditherer;

/*
 * A quantiser for config (copied). Returns PM_OK and sets *out; PM_ERR_USAGE with a message in
 * diag (which may be NULL) when bits is not 16 or 24, channels is below 1, the rate is not a
 * positive number or the mode is unknown; PM_ERR_NOMEM. The caller frees *out with
 * pm_dither_free.
 */
pm_status pm_dither_new(const pm_dither_config *config, pm_diag *diag,
                        pm_ditherer **out) PM_WARN_UNUSED;
/* Release; NULL is a no-op. */
void pm_dither_free(pm_ditherer *dither);

/*
 * Quantise frames frames of planar input (in[c][i], nominally in [-1, 1)) into out, interleaved
 * (out[i * channels + c]; room for frames * channels values), left-justified as above. Any
 * number of frames, 0 included; consecutive calls continue the stream, so splitting the input
 * into blocks of any sizes gives the same output. decoded, unless NULL, gets the output again
 * as samples, planar (decoded[c][i], room for frames each): the value each code stands for,
 * out[i * channels + c] * 2^-31 exactly, for a meter of what is written without a loop of its
 * own to convert it. in, out and decoded must not overlap.
 */
void pm_dither_process(pm_ditherer *dither, const double *const *in, size_t frames,
                       int32_t *out, double *const *decoded);

/*
 * Back to the state right after pm_dither_new: the dither streams restart from the seed, the
 * error feedback and the counts are cleared. For rendering a target again (the ceiling loop).
 */
void pm_dither_reset(pm_ditherer *dither);

/* The mode in use: the one asked for, except shaped at a rate without a filter gives tpdf. */
pm_dither_mode pm_dither_mode_used(const pm_ditherer *dither);
/* 1 when shaped was asked for at a rate that has no shaping filter (tpdf is used); else 0. */
int pm_dither_fell_back(const pm_ditherer *dither);
/*
 * The shaping filter in use, for the report ("lipshitz-e-weighted-5" or "wannamaker-f-weighted-9"),
 * or NULL when none is. Static storage.
 */
const char *pm_dither_filter_name(const pm_ditherer *dither);

/* Samples of channel (0-based) clipped before rounding since new or reset (see above). */
uint64_t pm_dither_clipped_samples(const pm_ditherer *dither, int channel);
/* Samples of channel held at an end code because the dither or the shaping reached past it. */
uint64_t pm_dither_saturated_samples(const pm_ditherer *dither, int channel);

/* The code held in a left-justified output sample: sample / 2^(32 - bits), exact. */
static inline int32_t pm_dither_code(int32_t sample, int bits)
{
    return sample / ((int32_t)1 << (32 - bits));
}

#endif
