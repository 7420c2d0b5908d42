/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/rng.h"

void pm_rng_init(pm_rng *rng, uint64_t seed)
{
    uint64_t state = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = pm_splitmix64_next(&state);
}

/*
 * The state update of xoshiro256 is linear over GF(2), so advancing by 2^128 is multiplying the
 * state by a fixed polynomial in the update (Blackman and Vigna, section 4.2: "jump functions").
 * The 256 bits below are the coefficients of that polynomial, x^(2^128) modulo the generator's
 * characteristic polynomial, lowest first, as published for xoshiro256. Horner's scheme: for each
 * coefficient, add (xor) the current state into the sum when it is 1, then take one step.
 * tests/unit/test-rng.c checks the result against the matrix power computed independently.
 */
void pm_rng_jump(pm_rng *rng)
{
    static const uint64_t jump[4] = {UINT64_C(0x180EC6D33CFD0ABA), UINT64_C(0xD5A61266F0C9392C),
                                     UINT64_C(0xA9582618E03FC9AA), UINT64_C(0x39ABDC4529B1661C)};
    uint64_t sum[4] = {0, 0, 0, 0};
    for (int w = 0; w < 4; w++) {
        for (int b = 0; b < 64; b++) {
            if (jump[w] & (UINT64_C(1) << b)) {
                for (int i = 0; i < 4; i++)
                    sum[i] ^= rng->s[i];
            }
            (void)pm_rng_next(rng);
        }
    }
    for (int i = 0; i < 4; i++)
        rng->s[i] = sum[i];
}
