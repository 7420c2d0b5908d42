/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Pictures for the tagging tests (tests/tagtool.c, tests/unit/test-tags.c), made without an
 * image library: decoders show them as flat grey.
 *
 *   make_png(f, w, h, colour, cut)   8 bits a sample, PNG colour type colour (0 grey, 2 RGB,
 *                                    4 grey + alpha, 6 RGBA); cut: no IEND chunk
 *   make_jpeg(f, w, h)               baseline, one grey component
 *
 * Both return 0, or non-zero when memory ran out.
 */
#ifndef PM_TEST_IMAGES_H
#define PM_TEST_IMAGES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

static void png_chunk(FILE *f, const char *type, const unsigned char *data, uint32_t len)
{
    pm_crc32 crc;
    pm_crc32_init(&crc);
    pm_crc32_update(&crc, type, 4);
    put32(f, len);
    fwrite(type, 1, 4, f);
    if (len) { /* IEND has no data (and data is NULL) */
        pm_crc32_update(&crc, data, len);
        fwrite(data, 1, len, f);
    }
    put32(f, pm_crc32_value(&crc));
}

/* Every sample 128, the zlib stream in stored (uncompressed) deflate blocks (RFC 1950, 1951
 * 3.2.4), so no compressor is needed. */
static int make_png(FILE *f, uint32_t w, uint32_t h, int colour, int cut)
{
    static const unsigned channels[7] = {1, 1, 3, 1, 2, 1, 4}; /* by colour type */
    size_t row = (size_t)w * channels[colour >= 0 && colour < 7 ? colour : 0] + 1;
    size_t raw = (size_t)h * row, blocks = raw / 65535 + 1;
    size_t zlen = 2 + raw + 5 * blocks + 4;
    unsigned char *z = malloc(zlen), *p = z;
    if (!z)
        return 1;
    *p++ = 0x78;
    *p++ = 0x01;
    uint32_t a = 1, b = 0;
    for (size_t done = 0; done < raw;) {
        size_t n = raw - done > 65535 ? 65535 : raw - done;
        *p++ = done + n == raw; /* BFINAL on the last block, BTYPE 00 */
        *p++ = (unsigned char)n;
        *p++ = (unsigned char)(n >> 8);
        *p++ = (unsigned char)~n;
        *p++ = (unsigned char)(~n >> 8);
        for (size_t i = 0; i < n; i++, done++) {
            p[i] = done % row ? 128 : 0; /* each row: filter type 0, then its samples */
            a = (a + p[i]) % 65521;
            b = (b + a) % 65521;
        }
        p += n;
    }
    uint32_t adler = b << 16 | a;
    for (int i = 3; i >= 0; i--)
        *p++ = (unsigned char)(adler >> (8 * i));
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    unsigned char ihdr[13] = {0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    ihdr[8] = 8; /* bit depth; then deflate, filter 0, no interlace */
    ihdr[9] = (unsigned char)colour;
    fwrite(sig, 1, 8, f);
    png_chunk(f, "IHDR", ihdr, 13);
    png_chunk(f, "IDAT", z, (uint32_t)(p - z));
    if (!cut)
        png_chunk(f, "IEND", NULL, 0);
    free(z);
    return 0;
}

/*
 * A baseline JPEG (T.81) of one grey component whose every 8x8 block has a DC difference of 0
 * and no AC coefficient: with Huffman tables of one 1-bit code each (DC category 0, AC EOB) a
 * block costs 2 bits, so 3000 x 3000 pixels take 35 kB.
 */
static int make_jpeg(FILE *f, unsigned w, unsigned h)
{
    static const unsigned char soi[2] = {0xFF, 0xD8}, eoi[2] = {0xFF, 0xD9};
    unsigned char dqt[69] = {0xFF, 0xDB, 0, 67, 0x00};
    memset(dqt + 5, 1, 64);
    const unsigned char sof[13] = {0xFF,
                                   0xC0,
                                   0,
                                   11,
                                   8,
                                   (unsigned char)(h >> 8),
                                   (unsigned char)h,
                                   (unsigned char)(w >> 8),
                                   (unsigned char)w,
                                   1,
                                   1,
                                   0x11,
                                   0};
    unsigned char dht[2][22] = {{0xFF, 0xC4, 0, 20, 0x00, 1}, {0xFF, 0xC4, 0, 20, 0x10, 1}};
    const unsigned char sos[10] = {0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0};
    fwrite(soi, 1, 2, f);
    fwrite(dqt, 1, sizeof dqt, f);
    fwrite(sof, 1, sizeof sof, f);
    fwrite(dht, 1, sizeof dht, f); /* symbol 0 (the last byte of each) for both tables */
    fwrite(sos, 1, sizeof sos, f);
    size_t bits = 2 * (size_t)((w + 7) / 8) * ((h + 7) / 8);
    static const unsigned char zeros[4096];
    for (size_t left = bits / 8; left > 0;) {
        size_t n = left < sizeof zeros ? left : sizeof zeros;
        fwrite(zeros, 1, n, f);
        left -= n;
    }
    if (bits % 8)
        fputc(0xFF >> (bits % 8), f); /* the last block's bits, padded with ones (F.1.2.3) */
    fwrite(eoi, 1, 2, f);
    return 0;
}

#endif
