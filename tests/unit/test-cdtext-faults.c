/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD-TEXT decoder's faults (cdtext.h): every single-byte change of a pack is a CRC error
 * naming that pack, packs out of sequence, truncation anywhere, size information that
 * disagrees with the packs, wrong track numbers and character positions, blocks out of order or
 * missing; then seeded garbage and seeded changes with their CRCs made right again, which must
 * be decoded or refused and never read out of bounds (run under --enable-sanitizers too).
 */
#include "cdtext.h"

#include "../tap.h"
#include "cdtext-vectors.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the decoder's faults ------------------------------------------------------------------- */

/* data (changed by the caller, CRCs fixed where it says so) must be refused with every word. */
static void refused(const unsigned char *data, size_t size, const char *name, const char *w1,
                    const char *w2)
{
    static char msgs[16384];
    pm_status s = decode_msgs(data, size, msgs, sizeof msgs);
    if (!ok(s == PM_ERR_INVALID && strstr(msgs, w1) && (!w2 || strstr(msgs, w2)),
            "decoder: %s", name))
        diag("status %d; wanted \"%s\"%s%s%s; got:\n%s", s, w1, w2 ? " and \"" : "",
             w2 ? w2 : "", w2 ? "\"" : "", msgs);
}

/* Two blocks of vector 2's texts, English and German: 10 + 10 packs. */
static size_t two_blocks(unsigned char **out)
{
    pm_cdtext_input in;
    vector_input(&in, 2);
    in.block_count = 2;
    in.languages[1] = 0x08;
    in.blocks[1] = in.blocks[0];
    size_t size = 0;
    if (pm_cdtext_encode(&in, out, &size, NULL) != PM_OK)
        bail_out("two blocks could not be encoded");
    return size;
}

static void test_decoder_faults(void)
{
    unsigned char v1[17 * 18], buf[40 * 18];
    size_t n1 = vector1_bytes(v1);
    char msgs[16384], want[64];

    /* Every single-byte change of every pack is a CRC error naming that pack and only it: a
     * CRC-16 catches every burst of 16 bits or fewer. */
    int all = 1;
    for (size_t at = 0; at < n1 && all; at++) {
        for (int x = 1; x < 256 && all; x += 85) {
            memcpy(buf, v1, n1);
            buf[at] ^= (unsigned char)x;
            size_t pack = at / 18;
            snprintf(want, sizeof want, "pack %zu at byte %zu: CRC", pack, pack * 18);
            pm_status s = decode_msgs(buf, n1, msgs, sizeof msgs);
            char *hit = strstr(msgs, want);
            all = s == PM_ERR_INVALID && hit && strchr(msgs, '\n') == strrchr(msgs, '\n');
            if (!all)
                diag("byte %zu ^ 0x%02X: status %d, got:\n%s", at, x, s, msgs);
        }
    }
    ok(all, "decoder: each of %zu bytes changed 3 ways gives one CRC error naming its pack", n1);

    memcpy(buf, v1, n1);
    memcpy(buf + 3 * 18, v1 + 4 * 18, 18);
    memcpy(buf + 4 * 18, v1 + 3 * 18, 18);
    refused(buf, n1, "packs 3 and 4 swapped", "pack 3 at byte 54: sequence number 4, expected 3",
            "pack 4 at byte 72: sequence number 3, expected 4");
    memcpy(buf, v1, n1);
    buf[5 * 18 + 2] = 9;
    fix_crc(buf + 5 * 18);
    refused(buf, n1, "a sequence number out of place", "pack 5 at byte 90: sequence number 9",
            NULL);
    refused(v1 + 18, n1 - 18, "the first pack missing", "pack 0 at byte 0: sequence number 1",
            NULL);

    /* Truncation anywhere within a pack. */
    all = 1;
    for (size_t size = 1; size < n1 && all; size++) {
        if (size % 18 == 0)
            continue;
        if (size % 18 == 1 && v1[size - 1] == 0)
            continue; /* a trailing 0x00 is tolerated */
        all = decode_msgs(v1, size, msgs, sizeof msgs) == PM_ERR_INVALID &&
              strstr(msgs, "not a whole number of 18-byte packs");
        if (!all)
            diag("%zu bytes: %s", size, msgs);
    }
    ok(all, "decoder: every length that is not a multiple of 18 is refused");
    refused(v1, n1 - 7, "cut 7 bytes short", "299 bytes are not a whole number",
            "pack 16 at byte 288 is cut short after 11 bytes");
    refused(v1, n1 - 18, "the last pack missing", "block 0 ends with 2 size-information packs",
            NULL);
    refused(v1, 0, "no bytes", "no packs", NULL);
    unsigned char *many = calloc(2049, 18);
    if (!many)
        bail_out("out of memory");
    refused(many, 2049 * 18, "2049 packs", "2049 packs, where 8 blocks of 256", NULL);
    free(many);
    memcpy(buf, "\x00\x8a\x00\x00", 4);
    memcpy(buf + 4, v1, n1);
    refused(buf, n1 + 4, "a 4-byte MMC header in front", "MMC header", NULL);
    memcpy(buf, v1, n1);
    buf[n1] = 0;
    is_int(decode_msgs(buf, n1 + 1, msgs, sizeof msgs), PM_OK, "decoder: one trailing 0x00 is "
           "tolerated (ddp-notes 0)");
    buf[n1] = 1;
    refused(buf, n1 + 1, "one trailing 0x01", "not a whole number", NULL);

    /* The size information against what is there. */
    memcpy(buf, v1, n1);
    buf[14 * 18 + 4 + 5] = 5;
    fix_crc(buf + 14 * 18);
    refused(buf, n1, "the 0x81 count off by one", "pack 14 at byte 252: the size information "
            "counts 5 packs of type 0x81 (performer); block 0 has 4", NULL);
    memcpy(buf, v1, n1);
    buf[15 * 18 + 4 + 6] = 3;
    fix_crc(buf + 15 * 18);
    refused(buf, n1, "the 0x8E count off by one", "pack 15 at byte 270", "type 0x8E");
    memcpy(buf, v1, n1);
    buf[15 * 18 + 4 + 8] = 0x11;
    fix_crc(buf + 15 * 18);
    refused(buf, n1, "the last sequence number off by one", "gives 17 as the last sequence "
            "number of block 0, whose last is 16", NULL);
    /* Tracks 1-5: the title's 0x00 fill could pass for two more empty titles, but the
     * performers end after 5 of the 6 texts. */
    memcpy(buf, v1, n1);
    buf[14 * 18 + 4 + 2] = 5;
    fix_crc(buf + 14 * 18);
    refused(buf, n1, "tracks the texts do not have", "type 0x81 (performer) of block 0 ends "
            "after 5 of its 6 texts", NULL);
    memcpy(buf, v1, n1);
    buf[14 * 18 + 4] = 0x05;
    fix_crc(buf + 14 * 18);
    refused(buf, n1, "an unknown character code", "character code 0x05", NULL);

    /* Headers and payloads of text packs. */
    memcpy(buf, v1, n1);
    buf[18 + 1] = 2;
    fix_crc(buf + 18);
    refused(buf, n1, "a wrong track number", "pack 1 at byte 18: track number 2", NULL);
    memcpy(buf, v1, n1);
    buf[18 + 3] = 2;
    fix_crc(buf + 18);
    refused(buf, n1, "a wrong character position", "pack 1 at byte 18: character position 2",
            NULL);
    memcpy(buf, v1, n1);
    buf[2 * 18 + 4 + 5] = 'x';
    fix_crc(buf + 2 * 18);
    refused(buf, n1, "bytes after the last text", "pack 2 at byte 36", "0x78 after the last text");
    memcpy(buf, v1, n1);
    buf[0] = 0x70;
    fix_crc(buf);
    refused(buf, n1, "a type below 0x80", "type 0x70", NULL);
    memcpy(buf, v1, n1);
    buf[3] |= 0x80;
    fix_crc(buf);
    refused(buf, n1, "the double-byte flag in a Latin-1 block", "double-byte flag is set", NULL);
    memcpy(buf, v1, n1);
    buf[1] |= 0x80;
    fix_crc(buf);
    refused(buf, n1, "the extension flag", "extension flag", NULL);
    memcpy(buf, v1, n1);
    memcpy(buf + 9 * 18, v1 + 10 * 18, 18); /* the first 0x8E pack before the last 0x82 one */
    memcpy(buf + 10 * 18, v1 + 9 * 18, 18);
    buf[9 * 18 + 2] = 9;
    buf[10 * 18 + 2] = 10;
    fix_crc(buf + 9 * 18);
    fix_crc(buf + 10 * 18);
    refused(buf, n1, "types out of order", "pack 10 at byte 180: type 0x82 (songwriter) after "
            "0x8E", NULL);

    /* Blocks. */
    unsigned char *two = NULL;
    size_t n2 = two_blocks(&two);
    is_int(decode_msgs(two, n2, msgs, sizeof msgs), PM_OK, "decoder: two blocks decode");
    refused(two, n2 / 2, "the second of two blocks missing",
            "last sequence number of block 1, which is not there", NULL);
    memcpy(buf, two + n2 / 2, n2 / 2);
    memcpy(buf + n2 / 2, two, n2 / 2);
    refused(buf, n2, "blocks out of order", "block 0 after block 1", NULL);
    memcpy(buf, two, n2);
    buf[n2 - 18 + 4 + 5] = 0x0F;
    fix_crc(buf + n2 - 18);
    refused(buf, n2, "blocks whose size information disagree on languages", "languages of block "
            "1's size information differ", NULL);
    memcpy(buf, two, n2);
    for (size_t i = 0; i < 10; i++) { /* block 1's packs numbered block 0 */
        buf[n2 / 2 + i * 18 + 3] &= 0x0F;
        fix_crc(buf + n2 / 2 + i * 18);
    }
    refused(buf, n2, "one block's packs twice", "sequence number 0, expected 10", NULL);
    free(two);
}

/* ---- garbage --------------------------------------------------------------------------------- */

static void test_garbage(uint64_t *rng)
{
    static unsigned char buf[300 * 18];
    char msgs[16384];
    int fine = 1;
    for (int i = 0; i < 3000 && fine; i++) {
        size_t size = (size_t)tap_rand_below(rng, sizeof buf + 1);
        if (i % 3 == 0)
            size = size / 18 * 18;
        for (size_t k = 0; k < size; k++)
            buf[k] = (unsigned char)tap_rand(rng);
        pm_status s = decode_msgs(buf, size, msgs, sizeof msgs);
        fine = s == PM_ERR_INVALID;
    }
    ok(fine, "decoder: 3000 random inputs of 0-5400 bytes refused, none read out of bounds");

    /* Valid packs changed and given right CRCs again, so that the later checks see them. */
    unsigned char *two = NULL;
    size_t n2 = two_blocks(&two), refused_count = 0;
    fine = 1;
    for (int i = 0; i < 20000 && fine; i++) {
        memcpy(buf, two, n2);
        int changes = 1 + (int)tap_rand_below(rng, 3);
        for (int c = 0; c < changes; c++) {
            size_t at = (size_t)tap_rand_below(rng, n2);
            if (at % 18 >= 16)
                at -= 2;
            buf[at] = (unsigned char)(tap_rand_below(rng, 2) ? tap_rand(rng) : buf[at] ^ 1);
            fix_crc(buf + at / 18 * 18);
        }
        pm_status s = decode_msgs(buf, n2, msgs, sizeof msgs);
        fine = s == PM_OK || s == PM_ERR_INVALID;
        refused_count += s == PM_ERR_INVALID;
    }
    ok(fine, "decoder: 20000 changed packs with right CRCs: decoded or refused (%zu refused)",
       refused_count);
    free(two);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_decoder_faults();
    test_garbage(&rng);
    return done_testing();
}
