/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The resampler stage: sample-rate conversion as a pm_stage (stage.h), with two engines behind
 * one interface (DESIGN.md pipeline step 3; the measurements behind the choice are in
 * dsp-notes.md 3.7).
 *
 *   PM_RESAMPLER_SOXR           libsoxr at very high quality (SOXR_VHQ: 28-bit precision,
 *                               linear phase, pass band to 0.91 of the lower Nyquist frequency,
 *                               roll-off at most 0.01 dB), double-precision planar I/O. The
 *                               default: flat to 20 kHz, over 150 dB alias rejection, about 20x
 *                               faster than the other engine.
 *   PM_RESAMPLER_LIBSAMPLERATE  libsamplerate's SRC_SINC_BEST_QUALITY, with float I/O (the
 *                               library's own format; samples are converted at the boundary, so
 *                               the noise floor is that of 32-bit float, about -150 dB). Selected
 *                               with resampler="libsamplerate" (PROJECT-FORMAT.md). The faster
 *                               libsamplerate converters are never used: they are not flat to
 *                               20 kHz.
 *
 * Rates are whole numbers of hertz from 1 to PM_RESAMPLE_MAX_RATE_HZ. When the input rate
 * equals the output rate the stage is a pass-through: it copies its input bit for bit, has no
 * latency, works in place, and touches neither library.
 *
 * Timing (the stage contract of stage.h): output frame n is the signal at time n / output rate,
 * with the input's frame 0 at time 0; the resampler's own delay is never emitted. A stream of N
 * input frames gives exactly pm_resample_count_frames(N, in, out) output frames: round(N * out
 * / in), halves rounded up, computed exactly in integers. The frames after the last input are
 * filled in as if the input went on with silence, which is what the filter sees beyond the end.
 *
 * Blocks: process accepts 0 to max_block_frames input frames (more is the caller's error: only
 * max_block_frames are used). It uses all its input unless its output is full, and it may
 * produce output without input (output it held back). Output block sizes do not follow input
 * block sizes; start reports, as the output's max_block_frames, an output capacity with which
 * a full input block is always used whole: ceil(max_block_frames * out / in) + 2. The output
 * is the same, bit for bit, whatever the block sizes and output capacities the caller uses.
 *
 * Latency: latency() is the most output frames the stage holds back while its output has room:
 * input taken but not yet given out, counted at the output rate. drain gives back at most that
 * many frames, plus one for rounding. libsamplerate holds back its filter's look-ahead (about
 * 145 frames at 96 kHz -> 44.1 kHz). libsoxr holds back its look-ahead and its own filter block
 * (about 1750 frames there), and the stage feeds it whole blocks of max_block_frames, which
 * adds up to a block (for 4096 frames at 96 kHz: 1881 frames, 3629 in all). Measured at start
 * by feeding the library single frames of silence.
 *
 * Memory: everything is allocated by start; process, drain and reset call no allocator. Nor do
 * the libraries there: libsamplerate allocates only in src_new. libsoxr grows its internal
 * queues by realloc when a call needs more room, by amounts that depend on the pattern of
 * calls; so the stage always calls it the same way (a whole block of input, the same output
 * room, whatever the caller does), sizes its queues at start and runs a second of silence
 * through it in that pattern, after which no growth has been seen (the unit test counts every
 * allocation the program makes). A reset runs silence through the filter rather than calling
 * soxr_clear(), which frees and rebuilds it.
 *
 * Lifecycle: pm_resample_new, pm_stage_start, then per stream: pm_stage_process until the input
 * ends, pm_stage_drain until it produces 0, then pm_stage_reset before the next stream.
 * Processing more input after drain began, before a reset, is the caller's error: the stage
 * then uses nothing and produces nothing. pm_stage_free releases everything.
 */
#ifndef PM_RESAMPLE_H
#define PM_RESAMPLE_H

#include <stdint.h>

#include "dsp/stage.h"
#include "premaster.h"

/* The highest rate accepted, in hertz: far above any audio rate, low enough for exact counts. */
#define PM_RESAMPLE_MAX_RATE_HZ 16777216

typedef enum pm_resampler_engine {
    PM_RESAMPLER_SOXR = 0,          /* libsoxr, very high quality, linear phase: the default */
    PM_RESAMPLER_LIBSAMPLERATE = 1  /* libsamplerate, SRC_SINC_BEST_QUALITY */
} pm_resampler_engine;

/*
 * A resampler stage converting to out_rate_hz with the given engine; the input rate, channel
 * count and block size come with start. The caller frees *out with pm_stage_free.
 *
 * Returns PM_OK and sets *out; PM_ERR_USAGE when the engine is unknown or out_rate_hz is not a
 * whole number from 1 to PM_RESAMPLE_MAX_RATE_HZ (the reason goes into diag, which may be
 * NULL); PM_ERR_NOMEM.
 *
 * start returns PM_ERR_INVALID for an input rate that is not such a whole number, or a ratio
 * the engine cannot do (libsamplerate: at most 256 either way); PM_ERR_NOMEM; PM_ERR_INTERNAL
 * when the library refuses for another reason (its message goes into diag).
 */
pm_status pm_resample_new(pm_resampler_engine engine, double out_rate_hz, pm_stage **out,
                          pm_diag *diag) PM_WARN_UNUSED;

/* The engine's name for messages and the report: "soxr" or "libsamplerate". Static storage. */
const char *pm_resample_engine_name(pm_resampler_engine engine);

/*
 * The number of output frames a stream of in_frames input frames becomes: round(in_frames *
 * out_rate_hz / in_rate_hz) with halves rounded up, exactly. Rates are whole numbers from 1 to
 * PM_RESAMPLE_MAX_RATE_HZ (others give 0); a count past UINT64_MAX gives UINT64_MAX.
 */
uint64_t pm_resample_count_frames(uint64_t in_frames, int64_t in_rate_hz, int64_t out_rate_hz);

#endif
