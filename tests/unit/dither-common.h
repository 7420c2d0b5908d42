/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the quantiser's tests share (test-dither.c, test-dither-shaping.c): making a quantiser,
 * running it in blocks, a busy test programme, and the error in LSB with its moments.
 */
#ifndef PM_TEST_DITHER_COMMON_H
#define PM_TEST_DITHER_COMMON_H

#include "dsp/dither.h"

#include "../tap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define TEST_PI 3.14159265358979323846

static inline pm_ditherer *make(pm_dither_mode mode, int bits, int channels, double rate_hz,
                                uint64_t seed)
{
    pm_dither_config config = {mode, bits, channels, rate_hz, seed};
    pm_ditherer *d = NULL;
    if (pm_dither_new(&config, NULL, &d) != PM_OK || !d)
        bail_out("pm_dither_new(mode %d, %d bits, %d channels, %g Hz) failed", (int)mode, bits,
                 channels, rate_hz);
    return d;
}

static inline void *xalloc(size_t count, size_t size)
{
    void *p = calloc(count, size);
    if (!p)
        bail_out("out of memory");
    return p;
}

/* Quantise frames of in (up to 8 channels, planar) in blocks of block frames (0: all at once). */
static inline void run(pm_ditherer *d, double *const *in, int channels, size_t frames,
                       int32_t *out, size_t block)
{
    const double *ptr[8];
    if (!block)
        block = frames ? frames : 1;
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < block ? frames - done : block;
        for (int c = 0; c < channels; c++)
            ptr[c] = in[c] + done;
        pm_dither_process(d, ptr, n, out + done * (size_t)channels, NULL);
        done += n;
    }
}

/* A busy programme: three sines and white noise, peaking at -7 dBFS. */
static inline void fill_programme(double *x, size_t n, double rate_hz, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate_hz;
        double noise = (double)(tap_rand(rng) >> 11) * 0x1.0p-53 - 0.5;
        x[i] = 0.2 * sin(2 * TEST_PI * 441.3 * t) + 0.15 * sin(2 * TEST_PI * 3111.7 * t + 1) +
               0.05 * sin(2 * TEST_PI * 12345.6 * t + 2) + 0.1 * noise;
    }
}

/* The error in LSB of channel c of interleaved out against its planar input. */
static inline void errors(const int32_t *out, const double *x, size_t frames, int channels,
                          int c, int bits, double *e)
{
    double scale = ldexp(1.0, bits - 1);
    for (size_t i = 0; i < frames; i++)
        e[i] = pm_dither_code(out[i * (size_t)channels + (size_t)c], bits) - x[i] * scale;
}

static inline void moments(const double *e, size_t n, double *mean, double *var)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        s += e[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        s2 += (e[i] - *mean) * (e[i] - *mean);
    *var = s2 / (double)n;
}

static inline double correlation(const double *a, const double *b, size_t n)
{
    double ma, va, mb, vb, cov = 0;
    moments(a, n, &ma, &va);
    moments(b, n, &mb, &vb);
    for (size_t i = 0; i < n; i++)
        cov += (a[i] - ma) * (b[i] - mb);
    return cov / (double)n / sqrt(va * vb);
}

/* Every output value is a left-justified code in range: low bits zero, code within the word. */
static inline int codes_valid(const int32_t *out, size_t n, int bits)
{
    int32_t unit = (int32_t)1 << (32 - bits), top = (int32_t)1 << (bits - 1);
    for (size_t i = 0; i < n; i++) {
        int32_t code = out[i] / unit;
        if (out[i] % unit != 0 || code < -top || code > top - 1)
            return 0;
    }
    return 1;
}

#endif
