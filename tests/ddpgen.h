/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ddpgen: DDP filesets for the tests, built byte by byte from the layouts of ddp-notes.md (1.3
 * DDPID, 1.4 DDPMS, 1.5 PQ descriptors, 1.7 IMAGE.DAT, 1.8 CDTEXT.BIN) and independent of the
 * reader under test: nothing here calls premaster's library.
 *
 * A gen_disc describes the disc; gen_build makes the files in memory; gen_write writes them into
 * a folder. The default disc (gen_default) is the test cue of ddp-notes 3.4 in DDP time: 2 s
 * pause, track 1 at 00:02:00 (ISRC USABC2400001, copy permitted), track 2's index 00 at 00:08:00
 * and index 01 at 00:10:00 (USABC2400002, pre-emphasis), track 3 at 00:15:00 with index 02 at
 * 00:17:00 (copy and pre-emphasis), the lead-out at 00:20:00 (1500 sectors), UPC 0123456789012,
 * and the CD-TEXT of golden vector 1 of ddp-notes 1.8.
 *
 * The image is silent for its first 150 sectors; from there each stereo frame n (counted from
 * the image's start) holds a 997 Hz sine on the left and a 499 Hz one on the right, so every
 * sample depends on its position and a slice in the wrong place cannot match.
 */
#ifndef PM_TESTS_DDPGEN_H
#define PM_TESTS_DDPGEN_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GEN_SECTOR 2352

typedef struct gen_track {
    int64_t index_cdf[100]; /* absolute time of each index in sectors; -1 where none */
    const char *isrc;       /* NULL: none */
    const char *cb1;        /* CB1: "01", "21" (copy), "11" (pre-emphasis), "0S" (SCMS) ... */
    int isrc_on_index0;     /* also on the index 00 entry, as ddp-notes section 0 advises */
} gen_track;

typedef struct gen_disc {
    const char *level;  /* DDPID bytes 0-7 */
    const char *upc;    /* DDPID's UPC, or NULL */
    const char *pq_upc; /* the lead-in entry's UPC, or NULL */
    const char *mid;    /* master ID, or NULL */
    char pad;           /* '0' (Sonoris, HOFA) or ' ' (cue2ddp): how DDPMS numbers are padded */
    char ssm, scr;
    int pre2;           /* PRE2 of the D0 packet, -1 for blank */
    int dss;            /* DSS of the D0 packet, -1 for blank */
    const char *pq_name, *image_name, *cdtext_name;
    int64_t sectors;    /* the image's length: DSL of D0 and the lead-out time */
    int leadouts;       /* lead-out entries: 1 or 2 */
    int leadin;         /* write the 00/00 lead-in entry */
    int cdtext;         /* write CD-TEXT: golden vector 1 of ddp-notes 1.8 */
    int track_count;
    gen_track tracks[99];
} gen_disc;

typedef struct gen_file {
    char name[32];
    unsigned char *data;
    size_t size;
} gen_file;

typedef struct gen_fileset {
    gen_file files[5]; /* DDPID, DDPMS, PQ, image, CD-TEXT */
    int count;
} gen_fileset;

/* Golden vector 1 of ddp-notes 1.8 (libburn 1.5.4 on the test cue of 3.4): 17 packs. */
static const unsigned char gen_cdtext_vector1[17][18] = {
    {0x80, 0x00, 0x00, 0x00, 'T', 'e', 's', 't', ' ', 'A', 'l', 'b', 'u', 'm', 0, 'O', 0xa7, 0xf1},
    {0x80, 0x01, 0x01, 0x01, 'n', 'e', 0, 'T', 'w', 'o', 0, 'T', 'h', 'r', 'e', 'e', 0x43, 0x19},
    {0x80, 0x03, 0x02, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa2, 0xa7},
    {0x81, 0x00, 0x03, 0x00, 'T', 'e', 's', 't', ' ', 'A', 'r', 't', 'i', 's', 't', 0, 0xa0, 0xcf},
    {0x81, 0x01, 0x04, 0x00, 'A', 'r', 't', 'i', 's', 't', ' ', 'O', 'n', 'e', 0, 'A', 0x2e, 0x1b},
    {0x81, 0x02, 0x05, 0x01, 'r', 't', 'i', 's', 't', ' ', 'T', 'w', 'o', 0, 'A', 'r', 0x61, 0x39},
    {0x81, 0x03, 0x06, 0x02, 't', 'i', 's', 't', ' ', 'T', 'h', 'r', 'e', 'e', 0, 0, 0xb7, 0x32},
    {0x82, 0x00, 0x07, 0x00, 'A', 'l', 'b', 'u', 'm', ' ', 'W', 'r', 'i', 't', 'e', 'r', 0x1d, 0xa5},
    {0x82, 0x00, 0x08, 0x0c, 0, 'W', 'r', 'i', 't', 'e', 'r', ' ', 'O', 'n', 'e', 0, 0x2c, 0xaf},
    {0x82, 0x02, 0x09, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x6a, 0x34},
    {0x8e, 0x00, 0x0a, 0x00, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', 0x9e, 0x85},
    {0x8e, 0x00, 0x0b, 0x0c, '2', 0, 'U', 'S', 'A', 'B', 'C', '2', '4', '0', '0', '0', 0xe4, 0xe0},
    {0x8e, 0x01, 0x0c, 0x0a, '0', '1', 0, 'U', 'S', 'A', 'B', 'C', '2', '4', '0', '0', 0x89, 0x5f},
    {0x8e, 0x02, 0x0d, 0x09, '0', '0', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x9d, 0x59},
    {0x8f, 0x00, 0x0e, 0x00, 0x00, 0x01, 0x03, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00, 0x00,
     0x00, 0xc0, 0x4d},
    {0x8f, 0x01, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0x10, 0x00, 0x00,
     0x00, 0x48, 0xd1},
    {0x8f, 0x02, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x5c, 0xb3},
};

/* The pack CRC of ddp-notes 1.8 (x^16+x^12+x^5+1, initial 0, inverted, big-endian), only to
 * prove the fixture above was copied right. */
static inline int gen_pack_crc_ok(const unsigned char *pack)
{
    unsigned crc = 0;
    for (int i = 0; i < 16; i++) {
        crc ^= (unsigned)pack[i] << 8;
        for (int k = 0; k < 8; k++)
            crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
        crc &= 0xFFFF;
    }
    crc ^= 0xFFFF;
    return pack[16] == (crc >> 8) && pack[17] == (crc & 0xFF);
}

/* The sample of the test signal at frame n of the image, channel c. */
static inline int16_t gen_sample(int64_t n, int c)
{
    if (n < 150 * 588)
        return 0;
    double hz = c ? 499.0 : 997.0, peak = c ? 6000.0 : 8000.0;
    return (int16_t)lrint(peak * sin(6.283185307179586 * hz * (double)n / 44100.0));
}

static inline void gen_default(gen_disc *d)
{
    memset(d, 0, sizeof *d);
    d->level = "DDP 2.00";
    d->upc = d->pq_upc = "0123456789012";
    d->mid = "PM-TEST-001";
    d->pad = '0';
    d->ssm = '7';
    d->scr = '0';
    d->pre2 = 150;
    d->dss = 0;
    d->pq_name = "PQDESCR";
    d->image_name = "IMAGE.DAT";
    d->cdtext_name = "CDTEXT.BIN";
    d->sectors = 1500;
    d->leadouts = 2;
    d->leadin = 1;
    d->cdtext = 1;
    d->track_count = 3;
    for (int t = 0; t < 99; t++)
        for (int i = 0; i < 100; i++)
            d->tracks[t].index_cdf[i] = -1;
    gen_track *t = d->tracks;
    t[0].index_cdf[0] = 0;
    t[0].index_cdf[1] = 150;
    t[0].isrc = "USABC2400001";
    t[0].cb1 = "21";
    t[0].isrc_on_index0 = 1;
    t[1].index_cdf[0] = 600;
    t[1].index_cdf[1] = 750;
    t[1].isrc = "USABC2400002";
    t[1].cb1 = "11";
    t[1].isrc_on_index0 = 1;
    t[2].index_cdf[1] = 1125;
    t[2].index_cdf[2] = 1275;
    t[2].cb1 = "31";
}

/* Copy text into a field of n bytes, left-aligned, padded with spaces. */
static inline void gen_text(unsigned char *field, size_t n, const char *text)
{
    memset(field, ' ', n);
    if (text)
        memcpy(field, text, strlen(text) < n ? strlen(text) : n);
}

/* A number right-aligned in n bytes, padded with pad; blank when value < 0. */
static inline void gen_number(unsigned char *field, size_t n, long long value, char pad)
{
    memset(field, ' ', n);
    if (value < 0)
        return;
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", value);
    memset(field, pad, n);
    memcpy(field + n - (size_t)len, digits, (size_t)len);
}

/* One map packet (1.4). */
static inline void gen_map(unsigned char *p, const char *dst, long long dsl, long long dss,
                           const char *sub, const char *cdm, char ssm, char scr, int pre2,
                           const char *trk, const char *dsi, char pad)
{
    memset(p, ' ', 128);
    memcpy(p, "VVVM", 4);
    gen_text(p + 4, 2, dst);
    gen_number(p + 14, 8, dsl, pad);
    gen_number(p + 22, 8, dss, pad);
    gen_text(p + 30, 8, sub);
    gen_text(p + 38, 2, cdm);
    p[40] = (unsigned char)ssm;
    p[41] = (unsigned char)scr;
    gen_number(p + 46, 4, pre2, pad);
    gen_text(p + 55, 2, trk);
    gen_number(p + 71, 3, 17, pad);
    gen_text(p + 74, 17, dsi);
}

/* One PQ packet (1.5): TRK as text ("01", "AA"), HRS blank. */
static inline void gen_pq(unsigned char *p, const char *trk, int idx, int64_t cdf,
                          const char *cb1, const char *isrc, const char *upc)
{
    memset(p, ' ', 64);
    memcpy(p, "VVVS", 4);
    gen_text(p + 4, 2, trk);
    gen_number(p + 6, 2, idx, '0');
    gen_number(p + 10, 2, cdf / 4500, '0');
    gen_number(p + 12, 2, cdf / 75 % 60, '0');
    gen_number(p + 14, 2, cdf % 75, '0');
    gen_text(p + 16, 2, cb1);
    gen_text(p + 20, 12, isrc);
    gen_text(p + 32, 13, upc);
}

static inline gen_file *gen_add(gen_fileset *fs, const char *name, size_t size)
{
    gen_file *f = &fs->files[fs->count++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->data = calloc(size ? size : 1, 1);
    f->size = size;
    if (!f->data) {
        fprintf(stderr, "ddpgen: out of memory\n");
        exit(1);
    }
    return f;
}

static inline void gen_free(gen_fileset *fs)
{
    for (int i = 0; i < fs->count; i++)
        free(fs->files[i].data);
    fs->count = 0;
}

/* The PQ entries of the disc in the order of 1.5, into p (room for 64 x (4 + 100 x 99)). */
static inline size_t gen_pq_stream(const gen_disc *d, unsigned char *p)
{
    size_t n = 0;
    if (d->leadin)
        gen_pq(p + 64 * n++, "00", 0, 0, "01", NULL, d->pq_upc);
    for (int k = 0; k < d->track_count; k++) {
        const gen_track *t = &d->tracks[k];
        char trk[12];
        snprintf(trk, sizeof trk, "%02d", k + 1);
        for (int i = 0; i < 100; i++)
            if (t->index_cdf[i] >= 0)
                gen_pq(p + 64 * n++, trk, i, t->index_cdf[i], t->cb1 ? t->cb1 : "01",
                       i == 1 || (i == 0 && t->isrc_on_index0) ? t->isrc : NULL, NULL);
    }
    for (int i = 0; i < d->leadouts; i++)
        gen_pq(p + 64 * n++, "AA", 1, d->sectors, "01", NULL, NULL);
    return n * 64;
}

/* The files of the disc; the image only when with_image (else a file of 0 bytes is listed). */
static inline void gen_build(const gen_disc *d, gen_fileset *fs, int with_image)
{
    memset(fs, 0, sizeof *fs);
    gen_file *id = gen_add(fs, "DDPID", 128);
    memset(id->data, ' ', 128);
    gen_text(id->data, 8, d->level);
    gen_text(id->data + 8, 13, d->upc);
    gen_text(id->data + 38, 48, d->mid);
    gen_text(id->data + 87, 2, "CD");
    unsigned char *pq = calloc((size_t)64 * (4 + 100 * 99), 1);
    if (!pq)
        exit(1);
    size_t pq_size = gen_pq_stream(d, pq);
    gen_file *ms = gen_add(fs, "DDPMS", (size_t)128 * (d->cdtext ? 3 : 2));
    unsigned char *m = ms->data;
    /* Packet order of cue2ddp and HOFA: CD-TEXT, PQ, then the audio (1.4). */
    if (d->cdtext) {
        gen_map(m, "S0", (long long)sizeof gen_cdtext_vector1, -1, "CDTEXT", NULL, ' ', ' ', -1,
                "00", d->cdtext_name, d->pad);
        m += 128;
    }
    gen_map(m, "S0", (long long)pq_size, -1, "PQ DESCR", NULL, ' ', ' ', -1, NULL, d->pq_name,
            d->pad);
    gen_map(m + 128, "D0", d->sectors, d->dss, NULL, "DA", d->ssm, d->scr, d->pre2, NULL,
            d->image_name, d->pad);
    gen_file *q = gen_add(fs, d->pq_name, pq_size);
    memcpy(q->data, pq, pq_size);
    free(pq);
    gen_file *img = gen_add(fs, d->image_name, with_image ? (size_t)d->sectors * GEN_SECTOR : 0);
    for (int64_t n = 0; with_image && n < d->sectors * 588; n++)
        for (int c = 0; c < 2; c++) {
            uint16_t v = (uint16_t)gen_sample(n, c);
            img->data[4 * n + 2 * c] = (unsigned char)(v & 0xFF);
            img->data[4 * n + 2 * c + 1] = (unsigned char)(v >> 8);
        }
    if (d->cdtext) {
        gen_file *t = gen_add(fs, d->cdtext_name, sizeof gen_cdtext_vector1);
        memcpy(t->data, gen_cdtext_vector1, sizeof gen_cdtext_vector1);
    }
}

/* Write the fileset into dir (created when missing). 0, or -1 with a message on stderr. */
static inline int gen_write_files(const gen_fileset *fs, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ddpgen: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < fs->count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, fs->files[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(fs->files[i].data, 1, fs->files[i].size, f) != fs->files[i].size ||
            fclose(f) != 0) {
            fprintf(stderr, "ddpgen: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static inline int gen_write(const gen_disc *d, const char *dir)
{
    gen_fileset fs;
    gen_build(d, &fs, 1);
    int r = gen_write_files(&fs, dir);
    gen_free(&fs);
    return r;
}

#endif
