/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The dither generator (rng.h): known answers for splitmix64 and xoshiro256** so that the same
 * seed gives the same numbers on every platform, the jump checked against an independent
 * computation, and the moments of the uniform and triangular draws.
 */
#include "dsp/rng.h"

#include "../tap.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define DRAWS 1000000

static void is_u64(uint64_t got, uint64_t expected, const char *name)
{
    if (!ok(got == expected, "%s", name))
        diag("got 0x%016" PRIx64 ", expected 0x%016" PRIx64, got, expected);
}

static void test_known_answers(void)
{
    /* splitmix64 from state 0: its first two outputs as the algorithm defines them. */
    uint64_t state = 0;
    is_u64(pm_splitmix64_next(&state), UINT64_C(0xE220A8397B1DCDAF), "splitmix64(0), draw 1");
    is_u64(pm_splitmix64_next(&state), UINT64_C(0x6E789E6AA1B965F4), "splitmix64(0), draw 2");

    /*
     * xoshiro256** from the state {1, 2, 3, 4}. The first is rotl(2 * 5, 7) * 9 = 11520 by hand;
     * the rest follow from the update, computed apart with arbitrary-precision integers.
     */
    static const uint64_t expected[] = {
        UINT64_C(11520),          UINT64_C(0),
        UINT64_C(1509978240),     UINT64_C(1215971899390074240),
        UINT64_C(1216172134540287360), UINT64_C(607988272756665600)};
    pm_rng rng = {{1, 2, 3, 4}};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "xoshiro256** from {1,2,3,4}, draw %zu", i + 1);
        is_u64(pm_rng_next(&rng), expected[i], name);
    }

    /* Seeding is four splitmix64 draws. */
    pm_rng_init(&rng, 12345);
    uint64_t sm = 12345;
    int same = 1;
    for (int i = 0; i < 4; i++)
        same &= rng.s[i] == pm_splitmix64_next(&sm);
    ok(same, "pm_rng_init(12345) fills the state with four splitmix64 draws from 12345");
    is_u64(rng.s[0], UINT64_C(0x22118258A9D111A0), "pm_rng_init(12345), first state word");

    pm_rng_init(&rng, 0);
    ok(rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3], "seed 0 gives a state that is not all zero");
}

/*
 * The jump is 2^128 steps: too many to take, so the expected states were computed apart as the
 * 2^128-th power of the update's 256 x 256 matrix over GF(2) (128 squarings of the matrix built
 * column by column from the update applied to each unit vector), applied to the start state.
 */
static void test_jump(void)
{
    pm_rng rng = {{1, 2, 3, 4}};
    pm_rng_jump(&rng);
    is_u64(rng.s[0], UINT64_C(0x8C7A153956B5F3D1), "jump from {1,2,3,4}: word 0");
    is_u64(rng.s[1], UINT64_C(0x701F1A713401D85E), "jump from {1,2,3,4}: word 1");
    is_u64(rng.s[2], UINT64_C(0x6527F66A65469085), "jump from {1,2,3,4}: word 2");
    is_u64(rng.s[3], UINT64_C(0x8386B786C4408050), "jump from {1,2,3,4}: word 3");

    pm_rng_init(&rng, 12345);
    pm_rng_jump(&rng);
    pm_rng_jump(&rng);
    is_u64(rng.s[0], UINT64_C(0x59BF0E2F360C8D7A), "seed 12345 jumped twice: word 0");
    is_u64(rng.s[3], UINT64_C(0xE96C3ADD7EF9EF35), "seed 12345 jumped twice: word 3");
    is_u64(pm_rng_next(&rng), UINT64_C(0x36ED391AF643C481), "seed 12345 jumped twice: draw 1");
}

static void test_uniform(uint64_t seed)
{
    pm_rng rng;
    pm_rng_init(&rng, seed);
    double sum = 0, sum2 = 0, min = 1, max = 0;
    for (int i = 0; i < DRAWS; i++) {
        double u = pm_rng_uniform(&rng);
        sum += u;
        sum2 += u * u;
        min = u < min ? u : min;
        max = u > max ? u : max;
    }
    double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
    diag("uniform: mean %.5f, variance %.5f (1/12 = %.5f), min %.2e, max 1 - %.2e", mean, var,
         1.0 / 12, min, 1 - max);
    ok(min >= 0 && max < 1, "uniform draws are in [0, 1)");
    /* Standard errors over 10^6 draws: mean 0.00029, variance 0.00008 (0.1 %). */
    is_double(mean, 0.5, 0.002, "uniform mean is 1/2");
    is_double(var, 1.0 / 12, 0.01 / 12, "uniform variance is 1/12 within 1 %");
    ok(min < 1e-5 && max > 1 - 1e-5, "uniform draws reach both ends of [0, 1)");
}

static void test_triangular(uint64_t seed)
{
    pm_rng rng;
    pm_rng_init(&rng, seed);
    double sum = 0, sum2 = 0, min = 0, max = 0;
    long inner = 0;
    for (int i = 0; i < DRAWS; i++) {
        double t = pm_rng_triangular(&rng);
        sum += t;
        sum2 += t * t;
        min = t < min ? t : min;
        max = t > max ? t : max;
        inner += t > -0.5 && t < 0.5;
    }
    double mean = sum / DRAWS, var = sum2 / DRAWS - mean * mean;
    double inner_share = (double)inner / DRAWS;
    diag("triangular: mean %.5f, variance %.5f (1/6 = %.5f), share in (-1/2, 1/2) %.4f (3/4), "
         "range [%.4f, %.4f]", mean, var, 1.0 / 6, inner_share, min, max);
    ok(min > -1 && max < 1, "triangular draws are in (-1, 1)");
    is_double(mean, 0, 0.002, "triangular mean is 0");
    is_double(var, 1.0 / 6, 0.01 / 6, "triangular variance is 1/6 within 1 %");
    /* A uniform on (-1, 1) would put 1/2 there, a Gaussian of the same variance 0.78. */
    is_double(inner_share, 0.75, 0.005, "triangular: 3/4 of draws within +-1/2");
}

static void test_streams(uint64_t seed)
{
    pm_rng a, b, c;
    pm_rng_init(&a, seed);
    pm_rng_init(&b, seed + 1);
    c = a;
    pm_rng_jump(&c);
    int same_ab = 0, same_ac = 0;
    double sac = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = pm_rng_next(&a), y = pm_rng_next(&b), z = pm_rng_next(&c);
        same_ab += x == y;
        same_ac += x == z;
        sac += ((double)(x >> 11) * 0x1.0p-53 - 0.5) * ((double)(z >> 11) * 0x1.0p-53 - 0.5);
    }
    double corr = sac / 100000 * 12;
    diag("seed and jumped stream: correlation %.5f", corr);
    ok(same_ab == 0, "neighbouring seeds give different streams");
    ok(same_ac == 0, "a jumped stream differs from its origin");
    /* Standard error of the correlation over 10^5 pairs: 0.0032. */
    ok(fabs(corr) < 0.02, "a jumped stream is uncorrelated with its origin");
}

int main(void)
{
    uint64_t seed = tap_seed();
    test_known_answers();
    test_jump();
    test_uniform(seed);
    test_triangular(seed ^ 1);
    test_streams(seed);
    return done_testing();
}
