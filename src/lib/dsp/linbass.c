/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/linbass.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define PI 3.14159265358979323846

/* The low-pass's stopband attenuation: the side left under below_hz / 2 is 60 dB down. */
#define STOPBAND_DB 60.0
/* Partitions per filter: more makes the FFT blocks (and the latency) shorter, fewer makes the
 * spectral products cheaper. 16 keeps both small over the whole 10 Hz-1 kHz range. */
#define MAX_PARTITIONS 16
/* The block for filters long enough to be split. Its length is added to the latency, so it is
 * kept short (21 ms at 48 kHz); the FFTs of 2048 points still cost little per frame (10 minutes
 * of 96 kHz stereo at 150 Hz, 3 partitions, in about 2 s). Shorter filters get one block. */
#define BLOCK_FRAMES 1024
/* A bound that keeps every size computation far from overflow (reached only at rates of tens
 * of megahertz). */
#define MAX_TAPS (1u << 24)

typedef struct cpx {
    double re, im;
} cpx;
/* P complex values are also read and written as 2P reals (the packed real FFT). */
_Static_assert(sizeof(cpx) == 2 * sizeof(double), "cpx must be two doubles without padding");

typedef struct linbass_stage {
    pm_stage base;
    double below_hz;
    int channels;

    /* Fixed by start. */
    pm_monobass_linear_shape shape;
    size_t half_taps; /* the low-pass's own delay, (taps - 1) / 2 */
    size_t block;     /* P = shape.block_frames; the real FFT is 2P long, the complex one P */
    size_t ring_mask; /* the delay rings hold ring_mask + 1 frames (a power of two) */
    cpx *twiddle;     /* P / 2: e^(-j 2 pi k / P), the complex FFT's */
    cpx *split;       /* P + 1: e^(-j 2 pi k / 2P), to split a packed real FFT */
    size_t *bitrev;   /* P: the FFT's input order */
    cpx *filter;      /* partitions x (P + 1): each partition's spectrum, scaled by 1 / P */

    /* The stream. */
    double *frame;      /* 2P: the side's previous block and the one filling */
    cpx *work;          /* P: the FFT's buffer */
    cpx *spectra;       /* partitions x (P + 1): the last blocks' spectra, newest at head */
    cpx *sum;           /* P + 1: the filtered spectrum */
    double *ring_mid;   /* the mid, waiting out the latency */
    double *ring_side;  /* the side, waiting; the low-pass is subtracted from it in place */
    size_t head;        /* the newest spectrum's partition slot */
    size_t fill;        /* frames in the block that is filling */
    uint64_t consumed;  /* frames taken in (the caller's, then drain's silence) */
    uint64_t emitted;   /* frames given out */
    uint64_t in_frames; /* the caller's frames: the stream's length once drain begins */
    int draining;
} linbass_stage;

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

pm_status pm_monobass_linear_design(double below_hz, double rate_hz, pm_monobass_linear_shape *out)
{
    if (!(below_hz >= PM_MONOBASS_LINEAR_MIN_HZ && below_hz <= PM_MONOBASS_LINEAR_MAX_HZ) ||
        !(isfinite(rate_hz) && rate_hz > 0) || !(1.5 * below_hz < rate_hz / 2))
        return PM_ERR_INVALID;
    /*
     * Kaiser's length estimate for a transition of width dw (radians per sample) and
     * attenuation A: N - 1 = (A - 7.95) / (2.285 dw) (Kaiser 1974; Oppenheim & Schafer,
     * Discrete-Time Signal Processing, 7.6). The transition is below_hz wide.
     */
    double dw = 2 * PI * below_hz / rate_hz;
    double span = ceil((STOPBAND_DB - 7.95) / (2.285 * dw));
    if (!(span < MAX_TAPS))
        return PM_ERR_INVALID;
    size_t taps = (size_t)span + 1;
    if (taps % 2 == 0)
        taps++; /* odd: a whole-sample centre, so the mid's delay matches exactly */
    size_t block = next_pow2(taps < BLOCK_FRAMES ? taps : BLOCK_FRAMES);
    while ((taps + block - 1) / block > MAX_PARTITIONS)
        block *= 2;
    out->taps = taps;
    out->block_frames = block;
    out->partitions = (taps + block - 1) / block;
    out->latency_frames = (taps - 1) / 2 + block - 1;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The FFT: complex radix-2, iterative, in place; and the split that turns it into a real FFT
 * of twice the length.
 */

/* Bit-reversed order, twiddles for the P-point complex FFT and the 2P-point split. */
static void fft_tables(linbass_stage *lb)
{
    size_t p = lb->block, bits = 0;
    while (((size_t)1 << bits) < p)
        bits++;
    for (size_t i = 0; i < p; i++) {
        size_t r = 0;
        for (size_t b = 0; b < bits; b++)
            r |= ((i >> b) & 1) << (bits - 1 - b);
        lb->bitrev[i] = r;
    }
    for (size_t k = 0; k < p / 2; k++) {
        lb->twiddle[k].re = cos(2 * PI * (double)k / (double)p);
        lb->twiddle[k].im = -sin(2 * PI * (double)k / (double)p);
    }
    for (size_t k = 0; k <= p; k++) {
        lb->split[k].re = cos(PI * (double)k / (double)p);
        lb->split[k].im = -sin(PI * (double)k / (double)p);
    }
}

/* x[k] = sum x[n] e^(-+j 2 pi nk / P) over P points, unscaled; inverse takes the + sign. */
static void fft(const linbass_stage *lb, cpx *x, int inverse)
{
    size_t p = lb->block;
    for (size_t i = 0; i < p; i++) {
        size_t r = lb->bitrev[i];
        if (r > i) {
            cpx t = x[i];
            x[i] = x[r];
            x[r] = t;
        }
    }
    double sign = inverse ? -1.0 : 1.0;
    for (size_t size = 2; size <= p; size *= 2) {
        size_t half = size / 2, step = p / size;
        for (size_t start = 0; start < p; start += size) {
            cpx *a = x + start, *b = x + start + half;
            for (size_t j = 0; j < half; j++) {
                double wr = lb->twiddle[j * step].re, wi = sign * lb->twiddle[j * step].im;
                double tr = wr * b[j].re - wi * b[j].im, ti = wr * b[j].im + wi * b[j].re;
                b[j].re = a[j].re - tr;
                b[j].im = a[j].im - ti;
                a[j].re += tr;
                a[j].im += ti;
            }
        }
    }
}

/*
 * The 2P-point spectrum (bins 0..P; the rest mirror them) of the 2P reals held in work as P
 * packed pairs z[n] = x[2n] + j x[2n+1], from the P-point FFT of work: with E and O the
 * spectra of the even and odd samples, E[k] = (Z[k] + Z*[P-k]) / 2, O[k] = (Z[k] - Z*[P-k]) /
 * 2j, and X[k] = E[k] + e^(-j pi k / P) O[k].
 */
static void real_forward(const linbass_stage *lb, cpx *work, cpx *spectrum)
{
    size_t p = lb->block;
    fft(lb, work, 0);
    for (size_t k = 0; k <= p; k++) {
        cpx z = work[k % p], c = work[(p - k) % p];
        double er = 0.5 * (z.re + c.re), ei = 0.5 * (z.im - c.im);
        double or_ = 0.5 * (z.im + c.im), oi = -0.5 * (z.re - c.re);
        cpx w = lb->split[k];
        spectrum[k].re = er + w.re * or_ - w.im * oi;
        spectrum[k].im = ei + w.re * oi + w.im * or_;
    }
}

/*
 * The inverse of real_forward, times P: packs bins 0..P back into Z[k] = E[k] + j O[k] with
 * E[k] = (X[k] + X*[P-k]) / 2 and O[k] = (X[k] - X*[P-k]) e^(j pi k / P) / 2, then the inverse
 * P-point FFT leaves the 2P reals packed in work.
 */
static void real_inverse(const linbass_stage *lb, const cpx *spectrum, cpx *work)
{
    size_t p = lb->block;
    for (size_t k = 0; k < p; k++) {
        cpx x = spectrum[k], c = spectrum[p - k];
        double er = 0.5 * (x.re + c.re), ei = 0.5 * (x.im - c.im);
        double dr = 0.5 * (x.re - c.re), di = 0.5 * (x.im + c.im);
        cpx w = lb->split[k]; /* conjugated below: e^(+j pi k / P) */
        double or_ = dr * w.re + di * w.im, oi = di * w.re - dr * w.im;
        work[k].re = er - oi;
        work[k].im = ei + or_;
    }
    fft(lb, work, 1);
}

/* ---------------------------------------------------------------------------------------------
 * The filter.
 */

/* The modified Bessel function I0 by its power series, sum of ((x/2)^k / k!)^2. */
static double bessel_i0(double x)
{
    double sum = 1, term = 1, q = 0.25 * x * x;
    for (int k = 1; k < 500 && term > 1e-17 * sum; k++) {
        term *= q / ((double)k * (double)k);
        sum += term;
    }
    return sum;
}

/*
 * The low-pass: an ideal low-pass at below_hz (a sinc) times a Kaiser window, normalised to
 * a DC gain of 1. Computed for one half and mirrored, so the taps are exactly symmetric and
 * the phase exactly linear.
 */
static void design_lowpass(double below_hz, double rate_hz, size_t taps, double *h)
{
    size_t mid = (taps - 1) / 2;
    double fc = 2 * below_hz / rate_hz; /* the cutoff as a fraction of Nyquist */
    /* Kaiser's beta for more than 50 dB: 0.1102 (A - 8.7). */
    double beta = 0.1102 * (STOPBAND_DB - 8.7), i0_beta = bessel_i0(beta);
    for (size_t i = 0; i <= mid; i++) {
        double m = (double)i, ratio = m / (double)mid;
        double ideal = i == 0 ? fc : sin(PI * fc * m) / (PI * m);
        double window = bessel_i0(beta * sqrt(fmax(0.0, 1 - ratio * ratio))) / i0_beta;
        h[mid + i] = h[mid - i] = ideal * window;
    }
    double sum = 0;
    for (size_t i = 0; i < taps; i++)
        sum += h[i];
    for (size_t i = 0; i < taps; i++)
        h[i] /= sum;
}

/* Each block-long partition of the low-pass as a spectrum, scaled for real_inverse. */
static void filter_spectra(linbass_stage *lb, const double *h)
{
    size_t p = lb->block;
    double *packed = (double *)lb->work; /* P complex = 2P reals, contiguous */
    for (size_t k = 0; k < lb->shape.partitions; k++) {
        memset(packed, 0, 2 * p * sizeof *packed);
        size_t first = k * p, count = lb->shape.taps - first < p ? lb->shape.taps - first : p;
        memcpy(packed, h + first, count * sizeof *h);
        cpx *spectrum = lb->filter + k * (p + 1);
        real_forward(lb, lb->work, spectrum);
        for (size_t b = 0; b <= p; b++) {
            spectrum[b].re /= (double)p;
            spectrum[b].im /= (double)p;
        }
    }
}

/*
 * The block that just filled goes through the low-pass (overlap-save: the FFT sees the last
 * two blocks, and the second half of the result is the new block's output), and the result is
 * taken off the waiting side frames it belongs to, (taps - 1) / 2 earlier.
 */
static void filter_block(linbass_stage *lb)
{
    size_t p = lb->block, parts = lb->shape.partitions;
    memcpy(lb->work, lb->frame, 2 * p * sizeof *lb->frame);
    lb->head = (lb->head + 1) % parts;
    real_forward(lb, lb->work, lb->spectra + lb->head * (p + 1));
    /* Partition k meets the spectrum of k blocks ago. */
    cpx *sum = lb->sum;
    memset(sum, 0, (p + 1) * sizeof *sum);
    for (size_t k = 0; k < parts; k++) {
        const cpx *g = lb->filter + k * (p + 1);
        const cpx *x = lb->spectra + ((lb->head + parts - k) % parts) * (p + 1);
        for (size_t b = 0; b <= p; b++) {
            sum[b].re += g[b].re * x[b].re - g[b].im * x[b].im;
            sum[b].im += g[b].re * x[b].im + g[b].im * x[b].re;
        }
    }
    real_inverse(lb, sum, lb->work);
    const double *low = (const double *)lb->work + p; /* the block's P outputs */
    uint64_t first = lb->consumed - p;
    for (size_t i = 0; i < p; i++) {
        uint64_t t = first + i;
        /* Outputs before the low-pass's own delay belong to frames before the stream. */
        if (t >= lb->half_taps)
            lb->ring_side[(t - lb->half_taps) & lb->ring_mask] -= low[i];
    }
    memcpy(lb->frame, lb->frame + p, p * sizeof *lb->frame);
    lb->fill = 0;
}

/*
 * Take n frames (l and r, or silence when l is NULL) and give out every frame whose side is
 * complete: frame j once frame j + latency is in. Returns the frames written to outl, outr,
 * which may be l, r: an output never runs ahead of the input it replaces.
 */
static size_t run(linbass_stage *lb, const double *l, const double *r, size_t n, double *outl,
                  double *outr)
{
    size_t p = lb->block, mask = lb->ring_mask, produced = 0, done = 0;
    uint64_t latency = lb->shape.latency_frames;
    double *ring_mid = lb->ring_mid, *ring_side = lb->ring_side;
    while (done < n) {
        size_t chunk = n - done < p - lb->fill ? n - done : p - lb->fill;
        double *frame = lb->frame + p + lb->fill;
        uint64_t at = lb->consumed;
        for (size_t i = 0; i < chunk; i++) {
            double x = l ? l[done + i] : 0, y = l ? r[done + i] : 0;
            /* Halves, so that L == R gives M == L exactly and S == 0. */
            double mid = 0.5 * (x + y), side = 0.5 * (x - y);
            size_t slot = (size_t)(at + i) & mask;
            ring_mid[slot] = mid;
            ring_side[slot] = side;
            frame[i] = side;
        }
        lb->consumed += chunk;
        lb->fill += chunk;
        done += chunk;
        if (lb->fill == p)
            filter_block(lb);
        for (; lb->emitted + latency < lb->consumed; lb->emitted++, produced++) {
            size_t slot = (size_t)lb->emitted & mask;
            outl[produced] = ring_mid[slot] + ring_side[slot];
            outr[produced] = ring_mid[slot] - ring_side[slot];
        }
    }
    return produced;
}

/* ---------------------------------------------------------------------------------------------
 * The stage.
 */

static void release(linbass_stage *lb)
{
    free(lb->twiddle);
    free(lb->split);
    free(lb->bitrev);
    free(lb->filter);
    free(lb->frame);
    free(lb->work);
    free(lb->spectra);
    free(lb->sum);
    free(lb->ring_mid);
    free(lb->ring_side);
    lb->twiddle = lb->split = lb->filter = lb->work = lb->spectra = lb->sum = NULL;
    lb->bitrev = NULL;
    lb->frame = lb->ring_mid = lb->ring_side = NULL;
}

static void linbass_reset(pm_stage *stage)
{
    linbass_stage *lb = (linbass_stage *)stage;
    if (lb->channels < 2 || !lb->frame)
        return;
    size_t p = lb->block;
    memset(lb->frame, 0, 2 * p * sizeof *lb->frame);
    memset(lb->spectra, 0, lb->shape.partitions * (p + 1) * sizeof *lb->spectra);
    memset(lb->ring_mid, 0, (lb->ring_mask + 1) * sizeof *lb->ring_mid);
    memset(lb->ring_side, 0, (lb->ring_mask + 1) * sizeof *lb->ring_side);
    lb->head = lb->fill = 0;
    lb->consumed = lb->emitted = lb->in_frames = 0;
    lb->draining = 0;
}

static pm_status linbass_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                               pm_diag *diag)
{
    linbass_stage *lb = (linbass_stage *)stage;
    release(lb);
    lb->channels = in->channels;
    memset(&lb->shape, 0, sizeof lb->shape);
    if (!(1.5 * lb->below_hz < in->rate_hz / 2)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "monobass below=%g Hz phase=\"linear\": the filter's transition band "
                    "reaches %g Hz, not under the Nyquist frequency (%g Hz at a rate of %g Hz); "
                    "use a crossover under %g Hz",
                    lb->below_hz, 1.5 * lb->below_hz, in->rate_hz / 2, in->rate_hz,
                    in->rate_hz / 3);
        return PM_ERR_INVALID;
    }
    if (pm_monobass_linear_design(lb->below_hz, in->rate_hz, &lb->shape) != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "monobass below=%g Hz phase=\"linear\": at a rate of %g Hz the filter would "
                    "be longer than %u taps; use a lower rate or a higher crossover",
                    lb->below_hz, in->rate_hz, MAX_TAPS);
        return PM_ERR_INVALID;
    }
    *out = *in;
    if (lb->channels < 2) {
        memset(&lb->shape, 0, sizeof lb->shape); /* a copy: no latency */
        return PM_OK;
    }
    size_t p = lb->shape.block_frames, parts = lb->shape.partitions;
    lb->block = p;
    lb->half_taps = (lb->shape.taps - 1) / 2;
    /* Frames wait for latency + one chunk (at most a block) before they go out. */
    lb->ring_mask = next_pow2(lb->shape.latency_frames + p + 1) - 1;
    double *h = pm_alloc_array(lb->shape.taps, sizeof *h);
    lb->twiddle = pm_alloc_array(p / 2 ? p / 2 : 1, sizeof *lb->twiddle);
    lb->split = pm_alloc_array(p + 1, sizeof *lb->split);
    lb->bitrev = pm_alloc_array(p, sizeof *lb->bitrev);
    lb->filter = pm_alloc_array(parts * (p + 1), sizeof *lb->filter);
    lb->frame = pm_alloc_array(2 * p, sizeof *lb->frame);
    lb->work = pm_alloc_array(p, sizeof *lb->work);
    lb->spectra = pm_alloc_array(parts * (p + 1), sizeof *lb->spectra);
    lb->sum = pm_alloc_array(p + 1, sizeof *lb->sum);
    lb->ring_mid = pm_alloc_array(lb->ring_mask + 1, sizeof *lb->ring_mid);
    lb->ring_side = pm_alloc_array(lb->ring_mask + 1, sizeof *lb->ring_side);
    if (!h || !lb->twiddle || !lb->split || !lb->bitrev || !lb->filter || !lb->frame || !lb->work ||
        !lb->spectra || !lb->sum || !lb->ring_mid || !lb->ring_side) {
        free(h);
        release(lb);
        return PM_ERR_NOMEM;
    }
    fft_tables(lb);
    design_lowpass(lb->below_hz, in->rate_hz, lb->shape.taps, h);
    filter_spectra(lb, h);
    free(h);
    linbass_reset(stage);
    return PM_OK;
}

static void copy_through(const double *const *in, double *const *out, int channels, size_t n)
{
    for (int c = 0; c < channels; c++)
        if (n && out[c] != in[c])
            memmove(out[c], in[c], n * sizeof(double));
}

/* How many input frames fit: after the delay has filled, each one gives one output. */
static size_t frames_that_fit(const linbass_stage *lb, size_t in_frames, size_t out_capacity)
{
    uint64_t held = lb->consumed - lb->emitted; /* at most the latency */
    uint64_t fit = (uint64_t)out_capacity + lb->shape.latency_frames - held;
    return fit < in_frames ? (size_t)fit : in_frames;
}

static void linbass_process(pm_stage *stage, const double *const *in, size_t in_frames,
                            size_t *used, double *const *out, size_t out_capacity, size_t *produced)
{
    linbass_stage *lb = (linbass_stage *)stage;
    *used = *produced = 0;
    if (lb->channels < 2) {
        size_t n = in_frames < out_capacity ? in_frames : out_capacity;
        copy_through(in, out, lb->channels, n);
        *used = *produced = n;
        return;
    }
    if (lb->draining)
        return;
    size_t n = frames_that_fit(lb, in_frames, out_capacity);
    *produced = run(lb, in[0], in[1], n, out[0], out[1]);
    *used = n;
    lb->in_frames += n;
}

static void linbass_drain(pm_stage *stage, double *const *out, size_t out_capacity,
                          size_t *produced)
{
    linbass_stage *lb = (linbass_stage *)stage;
    *produced = 0;
    if (lb->channels < 2)
        return;
    lb->draining = 1;
    /* Silence in until the stream's last frame is out, and no further. */
    uint64_t wanted = lb->in_frames + lb->shape.latency_frames - lb->consumed;
    size_t n = frames_that_fit(lb, wanted < SIZE_MAX ? (size_t)wanted : SIZE_MAX, out_capacity);
    *produced = run(lb, NULL, NULL, n, out[0], out[1]);
}

static size_t linbass_latency(const pm_stage *stage)
{
    return ((const linbass_stage *)stage)->shape.latency_frames;
}

static void linbass_free(pm_stage *stage)
{
    if (!stage)
        return;
    release((linbass_stage *)stage);
    free(stage);
}

static const pm_stage_ops linbass_ops = {
    .name = "monobass-linear",
    .start = linbass_start,
    .process = linbass_process,
    .drain = linbass_drain,
    .latency = linbass_latency,
    .reset = linbass_reset,
    .free = linbass_free,
};

pm_status pm_monobass_linear_new(double below_hz, pm_stage **out, pm_diag *diag)
{
    *out = NULL;
    if (!(below_hz >= PM_MONOBASS_LINEAR_MIN_HZ && below_hz <= PM_MONOBASS_LINEAR_MAX_HZ)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "monobass below=%g phase=\"linear\" is out of range; use %g to %g Hz (75 to "
                    "300 is usual)",
                    below_hz, PM_MONOBASS_LINEAR_MIN_HZ, PM_MONOBASS_LINEAR_MAX_HZ);
        return PM_ERR_INVALID;
    }
    linbass_stage *lb = pm_alloc_zeroed(1, sizeof *lb);
    if (!lb)
        return PM_ERR_NOMEM;
    lb->base.ops = &linbass_ops;
    lb->base.in_place = 1;
    lb->below_hz = below_hz;
    *out = &lb->base;
    return PM_OK;
}
