/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A small, fast, seedable pseudo-random generator for dither noise: xoshiro256** 1.0 (Blackman and
 * Vigna, "Scrambled Linear Pseudorandom Number Generators", ACM Transactions on Mathematical
 * Software 47(4), 2021; arXiv:1805.01407), seeded through splitmix64 (Steele, Lea and Flood, "Fast
 * Splittable Pseudorandom Number Generators", OOPSLA 2014, with the output mix of the widely used
 * public-domain version). Written here from those descriptions.
 *
 * Why these: 256 bits of state and a period of 2^256 - 1, no weak low bits (the ** scrambler),
 * a jump function that splits one seed into 2^128 streams that cannot overlap (one per channel),
 * and only 64-bit integer operations, so the same seed gives the same numbers on every platform
 * and compiler. Not for cryptography.
 *
 * The generator lives in the caller's memory (pm_rng_init, no _fini needed) and never allocates.
 * The per-sample calls are inline: the dither loop draws one number per sample.
 */
#ifndef PM_RNG_H
#define PM_RNG_H

#include <stdint.h>

typedef struct pm_rng {
    uint64_t s[4]; /* never all zero (see pm_rng_init) */
} pm_rng;

/*
 * splitmix64: advance *state by the golden-ratio increment and return its mixed value. Every
 * 64-bit seed, 0 included, gives a good sequence; used to expand one seed into a full state.
 */
static inline uint64_t pm_splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/*
 * Seed: the four state words are four successive splitmix64 outputs from seed. They cannot all be
 * zero (the splitmix64 output mix is a bijection and successive inputs differ), which is the one
 * state xoshiro must avoid. The same seed always gives the same stream.
 */
void pm_rng_init(pm_rng *rng, uint64_t seed);

/*
 * Advance the generator by 2^64 * 2^64 = 2^128 draws in 256 steps (the jump polynomial of the
 * xoshiro256 paper). Calling it k times on copies of one seeded generator gives streams that do
 * not overlap for 2^128 draws each: that is how each channel gets its own.
 */
void pm_rng_jump(pm_rng *rng);

/* The next 64 random bits (xoshiro256**: s[1] times 5, rotated by 7, times 9; then the update). */
static inline uint64_t pm_rng_next(pm_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* A uniform double in [0, 1): the top 53 bits, so every value is a multiple of 2^-53. */
static inline double pm_rng_uniform(pm_rng *rng)
{
    return (double)(pm_rng_next(rng) >> 11) * 0x1.0p-53;
}

/*
 * Triangular noise on (-1, 1) with variance 1/6: the difference of two independent uniforms on
 * [0, 1), taken from the two 32-bit halves of one draw. A difference rather than "u1 + u2 - 1"
 * because it is exactly symmetric about 0 (mean exactly 0) with 32-bit uniforms; the distribution
 * is the same as the sum of two uniforms. 32 bits of resolution are 2^-32 of the dither's unit,
 * far below anything the quantiser can resolve.
 */
static inline double pm_rng_triangular(pm_rng *rng)
{
    uint64_t r = pm_rng_next(rng);
    return ((double)(r >> 32) - (double)(r & UINT64_C(0xFFFFFFFF))) * 0x1.0p-32;
}

#endif
