/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MD5 from the description in RFC 1321, section 3. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "md5.h"

/* Section 3.4: T[i] is the integer part of 4294967296 * abs(sin(i)), i = 1..64 in radians. Kept
 * as constants so that the digest does not depend on the C library's sin(); the unit test checks
 * every entry against sin(). */
static const uint32_t T[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391};

/* Section 3.4: the left rotations of the four rounds, four per round, repeating. */
static const unsigned char S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23},
                                      {6, 10, 15, 21}};

const uint32_t *pm_md5_sine_table(void)
{
    return T;
}

static uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

/* Section 3.4: one 16-word block. The words are little-endian (section 2: "a sequence of bytes
 * can be interpreted as a sequence of 32-bit words ... low-order byte first"). */
static void transform(uint32_t state[4], const unsigned char block[64])
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (uint32_t)block[4 * i] | (uint32_t)block[4 * i + 1] << 8 |
               (uint32_t)block[4 * i + 2] << 16 | (uint32_t)block[4 * i + 3] << 24;
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    /* Each round its own loop, unrolled, so that the word index, the rotation and the function
     * are constants in every step (three times the speed of one loop that picks them). F and
     * G are written as d ^ (b & (c ^ d)) and c ^ (d & (b ^ c)): the same functions bit for bit
     * as the RFC's (b & c) | (~b & d) and (b & d) | (c & ~d), in fewer operations. In each step
     * a = b + ((a + f(b,c,d) + X[k] + T[i]) <<< s), then the registers turn: (a,b,c,d) is now
     * (d,a',b,c), the RFC's [ABCD] [DABC] [CDAB] [BCDA] order. */
#define MD5_STEP(f, k, i, round)                                                               \
    do {                                                                                       \
        uint32_t next = b + rotl(a + (f) + x[k] + T[i], S[round][(i) % 4]);                  \
        a = d;                                                                                 \
        d = c;                                                                                 \
        c = b;                                                                                 \
        b = next;                                                                              \
    } while (0)
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        MD5_STEP(d ^ (b & (c ^ d)), i, i, 0);
#pragma GCC unroll 16
    for (int i = 16; i < 32; i++)
        MD5_STEP(c ^ (d & (b ^ c)), (5 * i + 1) % 16, i, 1);
#pragma GCC unroll 16
    for (int i = 32; i < 48; i++)
        MD5_STEP(b ^ c ^ d, (3 * i + 5) % 16, i, 2);
#pragma GCC unroll 16
    for (int i = 48; i < 64; i++)
        MD5_STEP(c ^ (b | ~d), (7 * i) % 16, i, 3);
#undef MD5_STEP
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
}

void pm_md5_init(pm_md5 *h)
{
    /* Section 3.3: word A 01 23 45 67, B 89 ab cd ef, C fe dc ba 98, D 76 54 32 10, low byte
     * first. */
    h->state[0] = 0x67452301;
    h->state[1] = 0xefcdab89;
    h->state[2] = 0x98badcfe;
    h->state[3] = 0x10325476;
    h->length = 0;
    h->fill = 0;
}

void pm_md5_update(pm_md5 *h, const void *data, size_t size)
{
    const unsigned char *p = data;
    h->length += size;
    if (h->fill) {
        size_t take = 64 - h->fill < size ? 64 - h->fill : size;
        memcpy(h->block + h->fill, p, take);
        h->fill += take;
        p += take;
        size -= take;
        if (h->fill < 64)
            return;
        transform(h->state, h->block);
        h->fill = 0;
    }
    /* Whole blocks straight from the caller's buffer: a DDP image is hundreds of megabytes. */
    for (; size >= 64; p += 64, size -= 64)
        transform(h->state, p);
    memcpy(h->block, p, size);
    h->fill = size;
}

void pm_md5_final(pm_md5 *h, char hex[33])
{
    /* Sections 3.1 and 3.2: a 1 bit, zeros to 448 bits mod 512, then the message length in bits
     * as 64 bits, low-order word and byte first. */
    uint64_t bits = h->length * 8;
    unsigned char pad[72] = {0x80};
    size_t pad_length = h->fill < 56 ? 56 - h->fill : 120 - h->fill;
    for (int i = 0; i < 8; i++)
        pad[pad_length + (size_t)i] = (unsigned char)(bits >> (8 * i));
    pm_md5_update(h, pad, pad_length + 8);
    /* Section 3.5: the digest is A, B, C, D, each low-order byte first. */
    for (int w = 0; w < 4; w++)
        for (int i = 0; i < 4; i++)
            snprintf(hex + 8 * w + 2 * i, 3, "%02x", (unsigned)(h->state[w] >> (8 * i)) & 0xffu);
}
