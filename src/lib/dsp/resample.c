/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The resampler stage (resample.h): libsoxr or libsamplerate behind the stage contract.
 *
 * Both libraries start their output at input time 0 (they pre-fill their filters with silence)
 * and neither emits a start-up delay. What this file adds: exact output counts (drain feeds
 * silence and stops on the frame the rounding rule gives, rather than trusting each library's
 * own end-of-stream rounding), use of all input unless the output is full, the latency figure,
 * and resets that do not allocate.
 *
 * libsoxr is driven in whole blocks: the caller's frames are gathered into a block of
 * in_max_frames, each full block goes to libsoxr in one call with the same output room, and its
 * output waits in a queue for the caller. So libsoxr sees the same calls whatever block sizes
 * and output room the caller uses. That matters for memory: libsoxr grows its internal queues
 * by realloc when a write does not fit, and how far depends on the pattern of calls; with one
 * fixed pattern, sized at start (soxr_presize), they stop growing.
 */
#include "config.h"

#include "dsp/resample.h"

#include <limits.h>
#include <math.h>
#include <samplerate.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

typedef struct resampler {
    pm_stage base; /* first, so that a pm_stage * is a resampler * */
    pm_resampler_engine engine;
    int64_t out_rate_hz;

    /* Fixed by start. */
    int64_t in_rate_hz;
    int channels;
    int pass_through;
    uint64_t ratio_p, ratio_q; /* out / in in lowest terms */
    double ratio;              /* out / in */
    size_t in_max_frames, out_max_frames;
    size_t latency_frames;
    uint64_t clear_frames; /* input frames of silence that flush a stream out of the stage */
    int failed;            /* a library call failed: the stage passes nothing on */

    /* out_max_frames per channel: libsoxr's output queue; libsamplerate's scratch output. */
    double *queue;
    size_t queue_len, queue_pos; /* frames in the queue, frames already taken from it */

    soxr_t soxr;
    double *block;     /* in_max_frames per channel: input gathered for libsoxr */
    size_t block_fill; /* frames in it */
    int soxr_more;     /* libsoxr filled the queue last time: it may have more output ready */

    SRC_STATE *lsr;
    float *lsr_in;  /* interleaved, in_max_frames */
    float *lsr_out; /* interleaved, out_max_frames */

    /* Counts at the library since it was created: input frames given to it (for libsoxr,
     * including those waiting in the block), output frames taken from it. */
    uint64_t lib_in_frames, lib_out_frames;
    /* Library output frames still to throw away before the stream's frame 0 (after a reset). */
    uint64_t discard_frames;

    /* The current stream. */
    uint64_t in_frames, out_frames;
    int draining;
    uint64_t target_frames; /* the stream's output length, fixed when drain begins */
} resampler;

const char *pm_resample_engine_name(pm_resampler_engine engine)
{
    switch (engine) {
    case PM_RESAMPLER_SOXR: return "soxr";
    case PM_RESAMPLER_LIBSAMPLERATE: return "libsamplerate";
    }
    return "unknown";
}

static int is_whole_rate(double hz)
{
    return hz >= 1 && hz <= PM_RESAMPLE_MAX_RATE_HZ && hz == floor(hz);
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* round(n * p / q), halves up, for p/q in lowest terms; splitting n keeps every product small. */
static uint64_t scale_rounded(uint64_t n, uint64_t p, uint64_t q)
{
    uint64_t whole = n / q, rest = n % q;
    if (whole > (UINT64_MAX - p) / p)
        return UINT64_MAX;
    return whole * p + (2 * rest * p + q) / (2 * q);
}

uint64_t pm_resample_count_frames(uint64_t in_frames, int64_t in_rate_hz, int64_t out_rate_hz)
{
    if (in_rate_hz < 1 || in_rate_hz > PM_RESAMPLE_MAX_RATE_HZ || out_rate_hz < 1 ||
        out_rate_hz > PM_RESAMPLE_MAX_RATE_HZ)
        return 0;
    uint64_t g = gcd_u64((uint64_t)in_rate_hz, (uint64_t)out_rate_hz);
    return scale_rounded(in_frames, (uint64_t)out_rate_hz / g, (uint64_t)in_rate_hz / g);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Output frames held back: what the input so far is worth at the output rate, less the output. */
static double held_frames(const resampler *r)
{
    return (double)r->lib_in_frames * r->ratio - (double)r->lib_out_frames;
}

/* ---------------------------------------------------------------------------------------------
 * libsoxr, in whole blocks.
 */

/*
 * Call libsoxr with the full block (frames = in_max_frames) or with no input (frames = 0, to
 * collect output it has ready), its output going to the queue. Only called with the queue
 * empty. These two calls, always with the same sizes, are the only ones made after start.
 */
static void soxr_call(resampler *r, size_t frames)
{
    const void *ip[PM_STAGE_MAX_CHANNELS];
    void *op[PM_STAGE_MAX_CHANNELS];
    for (int c = 0; c < r->channels; c++) {
        ip[c] = r->block + (size_t)c * r->in_max_frames;
        op[c] = r->queue + (size_t)c * r->out_max_frames;
    }
    /* With idone given, libsoxr takes ceil(room * in / out) input frames at most (soxr.c,
     * soxr_i_for_o): out_max_frames of room always covers a whole block. It computes until
     * the room is full, so a full queue means there may be more to collect. */
    size_t idone = 0, odone = 0;
    if (soxr_process(r->soxr, ip, frames, &idone, op, r->out_max_frames, &odone) ||
        idone != frames)
        r->failed = 1;
    r->queue_len = r->failed ? 0 : odone;
    r->queue_pos = 0;
    r->soxr_more = r->queue_len == r->out_max_frames;
    if (frames)
        r->block_fill = 0;
}

/*
 * Move queued output to out[c][*produced ..] up to room frames (out NULL: throw it all away),
 * throwing away first the frames from before the stream's frame 0.
 */
static void soxr_take(resampler *r, double *const *out, size_t room, size_t *produced)
{
    size_t avail = r->queue_len - r->queue_pos;
    size_t drop = out ? (size_t)(r->discard_frames < avail ? r->discard_frames : avail) : avail;
    r->queue_pos += drop;
    r->lib_out_frames += drop;
    if (out)
        r->discard_frames -= drop;
    size_t k = out ? min_size(avail - drop, room - *produced) : 0;
    for (int c = 0; c < r->channels && k; c++)
        memcpy(out[c] + *produced, r->queue + (size_t)c * r->out_max_frames + r->queue_pos,
               k * sizeof(double));
    r->queue_pos += k;
    r->lib_out_frames += k;
    *produced += k;
}

/*
 * With the queue empty: collect output libsoxr has ready, if it may have some; otherwise add up
 * to n frames (in NULL: silence) to the block, sending it when full. Returns the frames added.
 */
static size_t soxr_gather(resampler *r, const double *const *in, size_t in_off, size_t n)
{
    if (r->soxr_more) {
        soxr_call(r, 0);
        return 0;
    }
    size_t m = min_size(n, r->in_max_frames - r->block_fill);
    for (int c = 0; c < r->channels; c++) {
        double *dst = r->block + (size_t)c * r->in_max_frames + r->block_fill;
        if (in)
            memcpy(dst, in[c] + in_off, m * sizeof(double));
        else
            memset(dst, 0, m * sizeof(double));
    }
    r->block_fill += m;
    r->lib_in_frames += m;
    if (r->block_fill == r->in_max_frames)
        soxr_call(r, r->in_max_frames);
    return m;
}

/*
 * Run n frames (in NULL: silence, n may be SIZE_MAX) into out[c][0 .. room). Stops when the
 * output is full or the input is used; the queue is always empty before a block is sent,
 * because input is only taken while there is room left for output.
 */
static void soxr_pump(resampler *r, const double *const *in, size_t n, double *const *out,
                      size_t room, size_t *used, size_t *produced)
{
    size_t u = 0, p = 0;
    uint64_t silent_blocks = 0;
    for (;;) {
        soxr_take(r, out, room, &p);
        if (p == room || u == n || r->failed)
            break;
        size_t m = soxr_gather(r, in, u, n - u);
        u += m;
        if (m && !r->block_fill) {
            /* Output comes within the latency; a library that gives none past it is broken. */
            silent_blocks = r->queue_len ? 0 : silent_blocks + 1;
            if (silent_blocks > 16 + 4 * r->clear_frames / r->in_max_frames)
                r->failed = 1;
        }
    }
    *used = u;
    *produced = p;
}

/*
 * libsoxr's queues move their contents to the front only once more than 16 KiB has been read
 * (fifo.h, FIFO_MIN); until then a write that does not fit reallocs. Size the input and output
 * queues now, at start, for 16 KiB plus more than the block pattern ever holds: take a long
 * stretch of silence without computing anything (idone NULL makes libsoxr take all the input;
 * no output room makes it compute nothing), then pull the output in one call. The queues in
 * between are sized by the warm-up that follows, in the same block pattern as every later call.
 */
static pm_status soxr_presize(resampler *r)
{
    const uint64_t queue_min = 16384 / sizeof(double);
    uint64_t out_need = queue_min + 2 * (uint64_t)r->out_max_frames + 2 * r->latency_frames;
    uint64_t in_need = queue_min + 3 * (uint64_t)r->in_max_frames + r->clear_frames;
    uint64_t in_for_out = (uint64_t)ceil((double)(out_need + r->latency_frames) / r->ratio) + 1;
    if (in_need < in_for_out)
        in_need = in_for_out;
    size_t ch = (size_t)r->channels;
    double *big = pm_alloc_array((size_t)out_need, ch * sizeof(double));
    if (!big)
        return PM_ERR_NOMEM;
    const void *ip[PM_STAGE_MAX_CHANNELS];
    void *op[PM_STAGE_MAX_CHANNELS];
    memset(r->block, 0, r->in_max_frames * ch * sizeof(double));
    for (size_t c = 0; c < ch; c++) {
        ip[c] = r->block + c * r->in_max_frames;
        op[c] = big + c * (size_t)out_need;
    }
    size_t got = 0, used = 0;
    for (uint64_t fed = 0; fed < in_need && !r->failed; fed += r->in_max_frames) {
        if (soxr_process(r->soxr, ip, r->in_max_frames, NULL, op, 0, &got))
            r->failed = 1;
        r->lib_in_frames += r->in_max_frames;
    }
    if (!r->failed && soxr_process(r->soxr, ip, 0, &used, op, (size_t)out_need, &got))
        r->failed = 1;
    r->lib_out_frames += got;
    r->soxr_more = 1; /* what is left is collected by the calls that follow */
    free(big);
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * libsamplerate, directly.
 */

/* Run n frames (in NULL: silence) into out[c][out_off ..] with room frames; report the counts. */
static void lsr_run(resampler *r, const double *const *in, size_t in_off, size_t n,
                    double *const *out, size_t out_off, size_t room, size_t *used, size_t *gen)
{
    int ch = r->channels;
    *used = *gen = 0;
    n = min_size(n, r->in_max_frames);
    room = min_size(room, r->out_max_frames);
    /* libsamplerate copies all the input it is offered into its own buffer, whatever the room
     * for output: offer only what the room needs (as libsoxr takes), so that the output held
     * back stays within the latency when the output is full. */
    double need = ceil((double)room / r->ratio);
    if (need < (double)n)
        n = need < 1 ? 1 : (size_t)need;
    /* libsamplerate works on interleaved float only: convert at this boundary. */
    float *restrict fin = r->lsr_in;
    if (in) {
        for (int c = 0; c < ch; c++) {
            const double *restrict src = in[c] + in_off;
            for (size_t i = 0; i < n; i++)
                fin[i * (size_t)ch + (size_t)c] = (float)src[i];
        }
    } else {
        memset(fin, 0, n * (size_t)ch * sizeof *fin);
    }
    SRC_DATA d;
    memset(&d, 0, sizeof d);
    d.data_in = fin;
    d.data_out = r->lsr_out;
    d.input_frames = (long)n;
    d.output_frames = (long)room;
    d.end_of_input = 0; /* the end is handled here, by feeding silence (see drain) */
    d.src_ratio = r->ratio;
    if (src_process(r->lsr, &d) != 0 || d.input_frames_used < 0 || d.output_frames_gen < 0) {
        r->failed = 1;
        return;
    }
    *used = (size_t)d.input_frames_used;
    *gen = (size_t)d.output_frames_gen;
    const float *restrict fout = r->lsr_out;
    for (int c = 0; c < ch; c++) {
        double *restrict dst = out[c] + out_off;
        for (size_t i = 0; i < *gen; i++)
            dst[i] = fout[i * (size_t)ch + (size_t)c];
    }
    r->lib_in_frames += *used;
    r->lib_out_frames += *gen;
}

/*
 * Run n frames (in NULL: silence, n may be SIZE_MAX) into out[c][0 .. room). libsamplerate
 * stops taking input when the room it was given fills, so this loops until the input is used
 * or the output full.
 */
static void lsr_pump(resampler *r, const double *const *in, size_t n, double *const *out,
                     size_t room, size_t *used, size_t *produced)
{
    size_t u_sum = 0, p_sum = 0;
    uint64_t silence_since_output = 0;
    while (p_sum < room && !r->failed) {
        size_t u, g;
        lsr_run(r, in, u_sum, n - u_sum, out, p_sum, room - p_sum, &u, &g);
        p_sum += g;
        u_sum += u;
        if (u == 0 && g == 0)
            break; /* all input used and nothing more to give */
        /* Output comes within the latency; a library that gives none past it is broken. */
        silence_since_output = g ? 0 : silence_since_output + u;
        if (!in && silence_since_output > 4 * (r->clear_frames + r->in_max_frames))
            r->failed = 1;
    }
    *used = u_sum;
    *produced = p_sum;
}

/* ---------------------------------------------------------------------------------------------
 * Start-up: latency, silence, alignment.
 */

/* Silence through the stage, its output thrown away (it never belongs to a stream). */
static void run_silence(resampler *r, uint64_t frames)
{
    double *scratch[PM_STAGE_MAX_CHANNELS];
    for (int c = 0; c < r->channels; c++)
        scratch[c] = r->queue + (size_t)c * r->out_max_frames;
    while (frames && !r->failed) {
        size_t u = 0, g = 0;
        size_t n = frames < r->in_max_frames ? (size_t)frames : r->in_max_frames;
        if (r->engine == PM_RESAMPLER_SOXR) {
            /* The queue is emptied before libsoxr is called, as soxr_call wants. */
            soxr_take(r, NULL, 0, &g);
            u = soxr_gather(r, NULL, 0, n);
            soxr_take(r, NULL, 0, &g);
        } else {
            lsr_run(r, NULL, 0, n, scratch, 0, r->out_max_frames, &u, &g);
            if (u == 0 && g == 0)
                r->failed = 1;
        }
        frames -= u;
    }
}

/* One frame of silence straight into libsoxr, for measure_latency (before the block pattern). */
static void soxr_probe_frame(resampler *r)
{
    const void *ip[PM_STAGE_MAX_CHANNELS];
    void *op[PM_STAGE_MAX_CHANNELS];
    for (int c = 0; c < r->channels; c++) {
        ip[c] = r->block + (size_t)c * r->in_max_frames;
        op[c] = r->queue + (size_t)c * r->out_max_frames;
    }
    size_t idone = 0, odone = 0;
    if (soxr_process(r->soxr, ip, 1, &idone, op, r->out_max_frames, &odone) || idone != 1)
        r->failed = 1;
    r->lib_in_frames += idone;
    r->lib_out_frames += odone;
}

/*
 * The latency: feed single frames of silence (the finest step, so no peak is missed) and record
 * the most output frames the library holds back, over four times the input its first output
 * needed (the look-ahead and the library's own filter blocks repeat well within that). The
 * stage adds its own block in front of libsoxr: up to one frame short of a block waits there.
 * libsoxr is probed directly, before its block pattern begins; after each block it has computed
 * all it can, so it then holds back no more than it did here at the same input position.
 */
static pm_status measure_latency(resampler *r)
{
    double held_max = 0;
    uint64_t first = 0;
    const uint64_t limit = (uint64_t)1 << 24;
    if (r->block)
        memset(r->block, 0, r->in_max_frames * (size_t)r->channels * sizeof(double));
    while (!r->failed && r->lib_in_frames < limit && (!first || r->lib_in_frames < 4 * first)) {
        uint64_t out_before = r->lib_out_frames;
        if (r->engine == PM_RESAMPLER_SOXR)
            soxr_probe_frame(r);
        else
            run_silence(r, 1);
        if (r->lib_out_frames > out_before && !first)
            first = r->lib_in_frames;
        held_max = fmax(held_max, held_frames(r));
    }
    if (!first || r->failed)
        return PM_ERR_INTERNAL;
    if (r->engine == PM_RESAMPLER_SOXR)
        held_max += (double)(r->in_max_frames - 1) * r->ratio;
    r->latency_frames = (size_t)ceil(held_max);
    r->clear_frames = 2 * (uint64_t)ceil((double)r->latency_frames / r->ratio) + 1;
    return PM_OK;
}

/*
 * Bring the library to a new stream without reallocating: feed silence until everything of the
 * old stream has left the filter (clear_frames, twice the latency) and the input count is a
 * whole number of rate periods (a multiple of q), so that the next input frame falls exactly on
 * an output frame (first_out below); the library's output before that frame is thrown away.
 * soxr_clear() would do it in one call, but it frees and redesigns the filter (soxr.c).
 */
static void clear_by_silence(resampler *r)
{
    uint64_t q = r->ratio_q, p = r->ratio_p;
    uint64_t start_in = r->lib_in_frames + r->clear_frames;
    start_in += (q - start_in % q) % q;
    for (;;) {
        run_silence(r, start_in - r->lib_in_frames);
        uint64_t first_out = start_in / q * p;
        if (first_out >= r->lib_out_frames || r->failed) {
            r->discard_frames = r->failed ? 0 : first_out - r->lib_out_frames;
            return;
        }
        /* Output cannot run ahead of a causal filter's input; this keeps the alignment anyway. */
        start_in += q;
    }
}

static void release_engine(resampler *r)
{
    if (r->soxr)
        soxr_delete(r->soxr);
    if (r->lsr)
        src_delete(r->lsr);
    free(r->queue);
    free(r->block);
    free(r->lsr_in);
    free(r->lsr_out);
    r->soxr = NULL;
    r->lsr = NULL;
    r->queue = r->block = NULL;
    r->lsr_in = r->lsr_out = NULL;
}

static void restart_stream(resampler *r)
{
    r->in_frames = r->out_frames = 0;
    r->draining = 0;
    r->target_frames = 0;
}

static pm_status create_engine(resampler *r, pm_diag *diag)
{
    if (r->engine == PM_RESAMPLER_SOXR) {
        /* Planar doubles in and out (SOXR_FLOAT64_S, in libsoxr since 0.1.0): the stage's own
         * format, so nothing is converted or interleaved. Very high quality is 28-bit precision;
         * linear phase keeps the timing of transients; one thread keeps the output the same on
         * every machine. */
        soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT64_S, SOXR_FLOAT64_S);
        soxr_quality_spec_t quality = soxr_quality_spec(SOXR_VHQ, SOXR_LINEAR_PHASE);
        soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
        soxr_error_t error = NULL;
        r->soxr = soxr_create((double)r->in_rate_hz, (double)r->out_rate_hz,
                              (unsigned)r->channels, &error, &io, &quality, &runtime);
        if (!r->soxr) {
            pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "libsoxr cannot convert %lld Hz to "
                        "%lld Hz: %s", (long long)r->in_rate_hz, (long long)r->out_rate_hz,
                        soxr_strerror(error));
            return error && strstr(error, "alloc") ? PM_ERR_NOMEM : PM_ERR_INTERNAL;
        }
        return PM_OK;
    }
    if (!src_is_valid_ratio(r->ratio)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "libsamplerate cannot convert %lld Hz to "
                    "%lld Hz: it converts by at most 256 times either way",
                    (long long)r->in_rate_hz, (long long)r->out_rate_hz);
        return PM_ERR_INVALID;
    }
    int error = 0;
    r->lsr = src_new(SRC_SINC_BEST_QUALITY, r->channels, &error);
    if (!r->lsr) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "libsamplerate: %s", src_strerror(error));
        return PM_ERR_NOMEM; /* with valid arguments, src_new fails only for memory */
    }
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The stage operations.
 */
static pm_status resample_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                                pm_diag *diag)
{
    resampler *r = (resampler *)stage;
    pm_status status = PM_OK;
    release_engine(r);
    r->failed = 0;
    r->lib_in_frames = r->lib_out_frames = r->discard_frames = 0;
    r->queue_len = r->queue_pos = r->block_fill = 0;
    r->soxr_more = 0;
    restart_stream(r);
    if (!is_whole_rate(in->rate_hz)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "resampler: the input rate %.17g Hz is "
                    "not a whole number of hertz from 1 to %d", in->rate_hz,
                    PM_RESAMPLE_MAX_RATE_HZ);
        return PM_ERR_INVALID;
    }
    r->in_rate_hz = (int64_t)in->rate_hz;
    r->channels = in->channels;
    r->in_max_frames = in->max_block_frames;
    uint64_t g = gcd_u64((uint64_t)r->in_rate_hz, (uint64_t)r->out_rate_hz);
    r->ratio_p = (uint64_t)r->out_rate_hz / g;
    r->ratio_q = (uint64_t)r->in_rate_hz / g;
    r->ratio = (double)r->out_rate_hz / (double)r->in_rate_hz;
    r->pass_through = r->in_rate_hz == r->out_rate_hz;
    stage->in_place = r->pass_through;
    *out = *in;
    out->rate_hz = (double)r->out_rate_hz;
    if (r->pass_through) {
        r->out_max_frames = r->in_max_frames;
        r->latency_frames = 0;
        return PM_OK;
    }

    /* A full input block must always fit: ceil(max * p / q) frames, and two for the fraction
     * of a frame a library may have computed ahead. */
    if (r->in_max_frames > (SIZE_MAX / 4 - 2 * r->ratio_q) / r->ratio_p) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "resampler: a block of %zu frames is "
                    "too large", r->in_max_frames);
        return PM_ERR_INVALID;
    }
    r->out_max_frames = (r->in_max_frames * r->ratio_p + r->ratio_q - 1) / r->ratio_q + 2;
    out->max_block_frames = r->out_max_frames;

    size_t ch = (size_t)r->channels;
    r->queue = pm_alloc_array(r->out_max_frames, ch * sizeof(double));
    if (r->engine == PM_RESAMPLER_SOXR) {
        r->block = pm_alloc_array(r->in_max_frames, ch * sizeof(double));
    } else {
        r->lsr_in = pm_alloc_array(r->in_max_frames, ch * sizeof(float));
        r->lsr_out = pm_alloc_array(r->out_max_frames, ch * sizeof(float));
    }
    if (!r->queue || (r->engine == PM_RESAMPLER_SOXR ? !r->block : !r->lsr_in || !r->lsr_out)) {
        status = PM_ERR_NOMEM;
        goto fail;
    }
    status = create_engine(r, diag);
    if (status != PM_OK)
        goto fail;
    status = measure_latency(r);
    if (status == PM_OK && r->engine == PM_RESAMPLER_SOXR) {
        status = soxr_presize(r);
        /* A second of silence, at least several blocks, in the pattern of every later call. */
        uint64_t second = (uint64_t)r->in_rate_hz, blocks = 4 * (r->clear_frames +
                                                                  r->in_max_frames);
        if (status == PM_OK)
            run_silence(r, second > blocks ? second : blocks);
    }
    if (status == PM_ERR_NOMEM)
        goto fail;
    if (status != PM_OK || r->failed) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "%s failed while starting at %lld Hz to "
                    "%lld Hz", pm_resample_engine_name(r->engine), (long long)r->in_rate_hz,
                    (long long)r->out_rate_hz);
        status = PM_ERR_INTERNAL;
        goto fail;
    }
    if (r->engine == PM_RESAMPLER_SOXR) {
        clear_by_silence(r);
    } else {
        /* libsamplerate resets without allocating, and exactly. */
        src_reset(r->lsr);
        r->lib_in_frames = r->lib_out_frames = 0;
    }
    return PM_OK;

fail:
    release_engine(r);
    return status;
}

static void resample_process(pm_stage *stage, const double *const *in, size_t in_frames,
                             size_t *used, double *const *out, size_t out_capacity,
                             size_t *produced)
{
    resampler *r = (resampler *)stage;
    *used = *produced = 0;
    if (r->pass_through) {
        size_t n = min_size(in_frames, out_capacity);
        for (int c = 0; c < r->channels; c++)
            if (out[c] != in[c])
                memmove(out[c], in[c], n * sizeof(double));
        *used = *produced = n;
        return;
    }
    if (r->draining || r->failed)
        return;
    in_frames = min_size(in_frames, r->in_max_frames);
    if (r->engine == PM_RESAMPLER_SOXR)
        soxr_pump(r, in, in_frames, out, out_capacity, used, produced);
    else
        lsr_pump(r, in, in_frames, out, out_capacity, used, produced);
    r->in_frames += *used;
    r->out_frames += *produced;
}

static void resample_drain(pm_stage *stage, double *const *out, size_t out_capacity,
                           size_t *produced)
{
    resampler *r = (resampler *)stage;
    *produced = 0;
    if (r->pass_through || r->failed)
        return;
    if (!r->draining) {
        r->draining = 1;
        r->target_frames = scale_rounded(r->in_frames, r->ratio_p, r->ratio_q);
    }
    uint64_t left = r->target_frames > r->out_frames ? r->target_frames - r->out_frames : 0;
    size_t room = left < out_capacity ? (size_t)left : out_capacity;
    size_t used;
    /* The frames after the end are what the filter gives for silence after it. */
    if (r->engine == PM_RESAMPLER_SOXR)
        soxr_pump(r, NULL, SIZE_MAX, out, room, &used, produced);
    else
        lsr_pump(r, NULL, SIZE_MAX, out, room, &used, produced);
    r->out_frames += *produced;
}

static size_t resample_latency(const pm_stage *stage)
{
    return ((const resampler *)stage)->latency_frames;
}

static void resample_reset(pm_stage *stage)
{
    resampler *r = (resampler *)stage;
    restart_stream(r);
    if (r->pass_through || r->failed)
        return;
    if (r->engine == PM_RESAMPLER_SOXR) {
        clear_by_silence(r);
    } else {
        src_reset(r->lsr);
        r->lib_in_frames = r->lib_out_frames = 0;
    }
}

static void resample_free(pm_stage *stage)
{
    resampler *r = (resampler *)stage;
    release_engine(r);
    free(r);
}

static const pm_stage_ops resample_ops = {
    .name = "resample",
    .start = resample_start,
    .process = resample_process,
    .drain = resample_drain,
    .latency = resample_latency,
    .reset = resample_reset,
    .free = resample_free,
};

pm_status pm_resample_new(pm_resampler_engine engine, double out_rate_hz, pm_stage **out,
                          pm_diag *diag)
{
    *out = NULL;
    if (engine != PM_RESAMPLER_SOXR && engine != PM_RESAMPLER_LIBSAMPLERATE) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "resampler: unknown engine %d",
                    (int)engine);
        return PM_ERR_USAGE;
    }
    if (!is_whole_rate(out_rate_hz)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "resampler: the output rate %.17g Hz is "
                    "not a whole number of hertz from 1 to %d", out_rate_hz,
                    PM_RESAMPLE_MAX_RATE_HZ);
        return PM_ERR_USAGE;
    }
    resampler *r = pm_alloc_zeroed(1, sizeof *r);
    if (!r)
        return PM_ERR_NOMEM;
    r->base.ops = &resample_ops;
    r->engine = engine;
    r->out_rate_hz = (int64_t)out_rate_hz;
    *out = &r->base;
    return PM_OK;
}
