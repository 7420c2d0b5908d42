/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sha256.h"

/* The SHA extensions path is built where configure found the compiler able to (config.h) and
 * the target is x86; everywhere else only the portable code exists. */
#if HAVE_X86_SHA_NI && (defined(__x86_64__) || defined(__i386__))
#define SHA_NI 1
#else
#define SHA_NI 0
#endif

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

/* The reference: whole 512-bit blocks as section 6.2.2 describes them, in plain C. */
static void compress_portable(uint32_t state[8], const unsigned char *data, size_t blocks)
{
    for (; blocks > 0; blocks--, data += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++)
            w[t] = (uint32_t)data[4 * t] << 24 | (uint32_t)data[4 * t + 1] << 16 |
                   (uint32_t)data[4 * t + 2] << 8 | (uint32_t)data[4 * t + 3];
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 =
                h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

#if SHA_NI
#include <immintrin.h>

#define SHA_NI_TARGET __attribute__((target("sha,ssse3,sse4.1")))

/*
 * Four rounds with the SHA extensions. The state lives in two registers as the instructions
 * want it, A in the top lane: abef = {A, B, E, F} and cdgh = {C, D, G, H}. SHA256RNDS2 runs two
 * rounds from cdgh, abef and the low two words of W[t] + K[t], and returns the new {A, B, E, F};
 * two rounds later the old {A, B, E, F} is exactly the new {C, D, G, H}, so the two registers
 * swap roles each call and are back in place after four rounds.
 */
static SHA_NI_TARGET void four_rounds(__m128i *abef, __m128i *cdgh, __m128i words,
                                      const uint32_t *k)
{
    __m128i wk = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)k));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
    /* the upper two words of W + K down to where SHA256RNDS2 reads them */
    wk = _mm_shuffle_epi32(wk, 0x0E);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, wk);
}

/*
 * Whole blocks with the SHA extensions: the same function of the same bytes as
 * compress_portable. W is held four words to a register, w0 = W[t..t+3] up to w3 =
 * W[t+12..t+15]; the next four words of the schedule (section 6.2.2 step 1) are
 * W[t+16..t+19] = W[t..t+3] + sigma0(W[t+1..t+4]) + W[t+9..t+12] + sigma1(W[t+14..t+17]):
 * SHA256MSG1 adds the sigma0 terms to w0, PALIGNR picks W[t+9..t+12] out of w2 and w3, and
 * SHA256MSG2 adds the sigma1 terms, computing W[t+16] and W[t+17] before it needs them.
 */
static SHA_NI_TARGET void compress_sha_ni(uint32_t state[8], const unsigned char *data,
                                          size_t blocks)
{
    /* the message words are big-endian (section 3.1): reverse the bytes of each 32-bit word */
    const __m128i big_endian = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    /* _mm_set_epi32 lists the lanes from the top one down */
    __m128i abef = _mm_set_epi32((int)state[0], (int)state[1], (int)state[4], (int)state[5]);
    __m128i cdgh = _mm_set_epi32((int)state[2], (int)state[3], (int)state[6], (int)state[7]);
    for (; blocks > 0; blocks--, data += 64) {
        const __m128i abef_before = abef, cdgh_before = cdgh;
        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)data), big_endian);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), big_endian);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), big_endian);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), big_endian);
        for (int t = 0; t < 64; t += 4) {
            four_rounds(&abef, &cdgh, w0, &K[t]);
            __m128i next = w3;
            if (t < 48)
                next = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)), w3);
            w0 = w1;
            w1 = w2;
            w2 = w3;
            w3 = next;
        }
        abef = _mm_add_epi32(abef, abef_before);
        cdgh = _mm_add_epi32(cdgh, cdgh_before);
    }
    uint32_t lanes[2][4];
    _mm_storeu_si128((__m128i *)lanes[0], abef); /* F, E, B, A from the bottom lane up */
    _mm_storeu_si128((__m128i *)lanes[1], cdgh); /* H, G, D, C */
    state[0] = lanes[0][3];
    state[1] = lanes[0][2];
    state[2] = lanes[1][3];
    state[3] = lanes[1][2];
    state[4] = lanes[0][1];
    state[5] = lanes[0][0];
    state[6] = lanes[1][1];
    state[7] = lanes[1][0];
}

int pm_sha256_accelerated(void)
{
    /* libgcc reads cpuid once at start-up; these are loads of what it found */
    __builtin_cpu_init();
    return __builtin_cpu_supports("sha") && __builtin_cpu_supports("ssse3") &&
           __builtin_cpu_supports("sse4.1");
}
#else
int pm_sha256_accelerated(void)
{
    return 0;
}
#endif

static void start(pm_sha256 *h, pm_sha256_compress_fn *compress)
{
    /* section 5.3.3: the first 32 bits of the fractional parts of the square roots of the first
     * 8 primes */
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->state, initial, sizeof initial);
    h->length = 0;
    h->fill = 0;
    h->compress = compress;
}

void pm_sha256_init(pm_sha256 *h)
{
#if SHA_NI
    if (pm_sha256_accelerated()) {
        start(h, compress_sha_ni);
        return;
    }
#endif
    start(h, compress_portable);
}

void pm_sha256_init_portable(pm_sha256 *h)
{
    start(h, compress_portable);
}

void pm_sha256_update(pm_sha256 *h, const void *data, size_t size)
{
    const unsigned char *p = data;
    h->length += size;
    if (h->fill > 0) {
        size_t take = 64 - h->fill < size ? 64 - h->fill : size;
        memcpy(h->block + h->fill, p, take);
        h->fill += take;
        p += take;
        size -= take;
        if (h->fill < 64)
            return;
        h->compress(h->state, h->block, 1);
        h->fill = 0;
    }
    /* whole blocks straight from the caller's buffer: no copy */
    size_t blocks = size / 64;
    if (blocks > 0) {
        h->compress(h->state, p, blocks);
        p += 64 * blocks;
        size -= 64 * blocks;
    }
    if (size > 0) {
        memcpy(h->block, p, size);
        h->fill = size;
    }
}

void pm_sha256_final(pm_sha256 *h, char hex[65])
{
    /* section 5.1.1: a 1 bit, zeros to 56 bytes mod 64, the length in bits big-endian; at most
     * 1 + 63 + 8 bytes */
    uint64_t bits = h->length * 8;
    unsigned char tail[72] = {0x80};
    size_t zeros = h->fill < 56 ? 55 - h->fill : 119 - h->fill;
    for (int i = 0; i < 8; i++)
        tail[1 + zeros + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    pm_sha256_update(h, tail, 1 + zeros + 8);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", (unsigned)h->state[i]);
}

pm_status pm_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PM_ERR_IO;
    /* 128 KiB reads: the hash runs at gigabytes per second, so the read calls show. Measured
     * from the page cache, 128 KiB beat 64 KiB by a little and 256 KiB by a third: the kernel's
     * copy of the file and this buffer then no longer fit a 512 KiB L2 cache together. */
    enum { BUFFER_SIZE = 128 * 1024 };
    unsigned char *buffer = pm_alloc_array(BUFFER_SIZE, 1);
    if (!buffer) {
        fclose(f);
        return PM_ERR_NOMEM;
    }
    pm_sha256 h;
    pm_sha256_init(&h);
    size_t n;
    while ((n = fread(buffer, 1, BUFFER_SIZE, f)) > 0)
        pm_sha256_update(&h, buffer, n);
    int failed = ferror(f);
    fclose(f);
    free(buffer);
    if (failed)
        return PM_ERR_IO;
    pm_sha256_final(&h, hex);
    return PM_OK;
}
