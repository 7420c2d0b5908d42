/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD-TEXT unit tests' shared material: the two golden vectors of ddp-notes 1.8 and the inputs
 * that give them, a CRC written apart from the library's, and decoding with the messages kept.
 * Include after tap.h.
 */
#ifndef PM_TEST_CDTEXT_VECTORS_H
#define PM_TEST_CDTEXT_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdtext.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* The CRC as a polynomial division, bit by bit with 16 zero bits appended (MMC-3 Annex J's
 * wording), then inverted: written apart from the library's shift-register loop on purpose. */
static inline unsigned crc_by_division(const unsigned char *p)
{
    uint32_t acc = 0;
    for (int i = 0; i < 16 * 8 + 16; i++) {
        acc = acc << 1 | (i < 128 ? (uint32_t)(p[i / 8] >> (7 - i % 8) & 1) : 0);
        if (acc & 0x10000)
            acc ^= 0x11021;
    }
    return (acc ^ 0xFFFF) & 0xFFFF;
}

static inline void fix_crc(unsigned char *p)
{
    unsigned crc = crc_by_division(p);
    p[16] = (unsigned char)(crc >> 8);
    p[17] = (unsigned char)crc;
}

/* The index of the first pack whose stored CRC is wrong, or -1. */
static inline long bad_crc(const unsigned char *data, size_t size)
{
    for (size_t i = 0; i + 18 <= size; i += 18)
        if (crc_by_division(data + i) != ((unsigned)data[i + 16] << 8 | data[i + 17]))
            return (long)(i / 18);
    return -1;
}

/* Decode, keeping every diag message joined by newlines in msgs. */
static inline pm_status decode_msgs(const unsigned char *data, size_t size, char *msgs,
                                    size_t cap)
{
    pm_diag *diag = pm_diag_new();
    pm_cdtext_decoded *d = NULL;
    pm_status s = pm_cdtext_decode(data, size, "CDTEXT.BIN", &d, diag);
    msgs[0] = '\0';
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        size_t used = strlen(msgs);
        snprintf(msgs + used, cap - used, "%s\n", pm_diag_get(diag, i)->message);
    }
    if (s == PM_OK && d == NULL)
        s = PM_ERR_INTERNAL;
    if (s != PM_OK && d != NULL)
        s = PM_ERR_INTERNAL;
    pm_cdtext_decoded_free(d);
    pm_diag_free(diag);
    return s;
}

static inline int differs_at(const unsigned char *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return (int)i;
    return -1;
}

static inline void dump_pack(const char *label, const unsigned char *p)
{
    char hex[64];
    for (int i = 0; i < 18; i++)
        snprintf(hex + 2 * i, sizeof hex - 2 * (size_t)i, "%02x", p[i]);
    diag("%s %s", label, hex);
}

/* Byte-for-byte equality with a diagnostic naming the first pack that differs. */
static inline void same_bytes(const unsigned char *got, size_t got_size,
                              const unsigned char *want, size_t want_size, const char *name)
{
    int at = got_size == want_size ? differs_at(got, want, want_size) : 0;
    if (!ok(got && got_size == want_size && at < 0, "%s: byte for byte (%zu bytes)", name,
            want_size)) {
        diag("got %zu bytes, expected %zu", got_size, want_size);
        if (got && at >= 0 && (size_t)at / 18 * 18 + 18 <= got_size) {
            diag("first difference at byte %d, pack %d", at, at / 18);
            dump_pack("got ", got + at / 18 * 18);
            dump_pack("want", want + at / 18 * 18);
        }
    }
}

/* ---- the golden vectors of ddp-notes 1.8 ----------------------------------------------------- */

/* Vector 1 as the notes print it: header, 12 payload bytes (NUL-padded), CRC. */
typedef struct golden_pack {
    unsigned char h[4];
    const char payload[13];
    unsigned char crc[2];
} golden_pack;

static const golden_pack vector1[17] = {
    {{0x80, 0x00, 0x00, 0x00}, "Test Album\0O", {0xa7, 0xf1}},
    {{0x80, 0x01, 0x01, 0x01}, "ne\0Two\0Three", {0x43, 0x19}},
    {{0x80, 0x03, 0x02, 0x05}, "", {0xa2, 0xa7}},
    {{0x81, 0x00, 0x03, 0x00}, "Test Artist\0", {0xa0, 0xcf}},
    {{0x81, 0x01, 0x04, 0x00}, "Artist One\0A", {0x2e, 0x1b}},
    {{0x81, 0x02, 0x05, 0x01}, "rtist Two\0Ar", {0x61, 0x39}},
    {{0x81, 0x03, 0x06, 0x02}, "tist Three\0\0", {0xb7, 0x32}},
    {{0x82, 0x00, 0x07, 0x00}, "Album Writer", {0x1d, 0xa5}},
    {{0x82, 0x00, 0x08, 0x0c}, "\0Writer One\0", {0x2c, 0xaf}},
    {{0x82, 0x02, 0x09, 0x00}, "", {0x6a, 0x34}},
    {{0x8e, 0x00, 0x0a, 0x00}, "012345678901", {0x9e, 0x85}},
    {{0x8e, 0x00, 0x0b, 0x0c}, "2\0USABC24000", {0xe4, 0xe0}},
    {{0x8e, 0x01, 0x0c, 0x0a}, "01\0USABC2400", {0x89, 0x5f}},
    {{0x8e, 0x02, 0x0d, 0x09}, "002\0", {0x9d, 0x59}},
    {{0x8f, 0x00, 0x0e, 0x00}, "\x00\x01\x03\x00\x03\x04\x03\x00\x00\x00\x00\x00", {0xc0, 0x4d}},
    {{0x8f, 0x01, 0x0f, 0x00}, "\x00\x00\x00\x00\x00\x00\x04\x03\x10\x00\x00\x00", {0x48, 0xd1}},
    {{0x8f, 0x02, 0x10, 0x00}, "\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00", {0x5c, 0xb3}},
};

/* Vector 2: the CDTEXT.BIN cue2ddp 1.1 wrote (the base64 fixture the notes cite), in hex. */
static const char *const vector2_hex[10] = {
    "800000004469736300547261636b204f4804", "800101076e6500547261636b2054776f55c9",
    "8002020900547261636b205468726565e66f", "8003030b0000000000000000000000005df7",
    "81000400417274697374004172746973fd22", "810105057400417274697374004172748c25",
    "8103060369737400000000000000000062ac", "8f00070000010300040300000000000040fb",
    "8f010800000000000000000309000000d6a6", "8f0209000000000009000000000000000a4e",
};

static inline size_t unhex(const char *const *lines, size_t count, unsigned char *out)
{
    size_t n = 0;
    for (size_t l = 0; l < count; l++)
        for (const char *p = lines[l]; p[0] && p[1]; p += 2) {
            unsigned v;
            sscanf(p, "%2x", &v);
            out[n++] = (unsigned char)v;
        }
    return n;
}

static inline size_t vector1_bytes(unsigned char out[17 * 18])
{
    for (int i = 0; i < 17; i++) {
        memcpy(out + i * 18, vector1[i].h, 4);
        memcpy(out + i * 18 + 4, vector1[i].payload, 12);
        memcpy(out + i * 18 + 16, vector1[i].crc, 2);
    }
    return 17 * 18;
}

/* The inputs that give the vectors: the test cue of ddp-notes 3.5, and the cue2ddp fixture. */
static const char *const v1_title[] = {"Test Album", "One", "Two", "Three"};
static const char *const v1_performer[] = {"Test Artist", "Artist One", "Artist Two",
                                           "Artist Three"};
static const char *const v1_songwriter[] = {"Album Writer", "Writer One", NULL, NULL};
static const char *const v1_codes[] = {"0123456789012", "USABC2400001", "USABC2400002", ""};
static const char *const v2_title[] = {"Disc", "Track One", "Track Two", "Track Three"};
static const char *const v2_performer[] = {"Artist", "Artist", "Artist", "Artist"};

static inline void vector_input(pm_cdtext_input *in, int which)
{
    memset(in, 0, sizeof *in);
    in->block_count = 1;
    in->languages[0] = 0x09; /* English */
    in->blocks[0].track_count = 3;
    if (which == 1) {
        in->blocks[0].texts[PM_CDTEXT_TITLE] = v1_title;
        in->blocks[0].texts[PM_CDTEXT_PERFORMER] = v1_performer;
        in->blocks[0].texts[PM_CDTEXT_SONGWRITER] = v1_songwriter;
        in->blocks[0].codes = v1_codes;
    } else {
        in->blocks[0].texts[PM_CDTEXT_TITLE] = v2_title;
        in->blocks[0].texts[PM_CDTEXT_PERFORMER] = v2_performer;
    }
}

#endif
