/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mkddp: DDP filesets for the shell tests and the fuzzing corpus, built by ddpgen.h byte by byte
 * from the layouts of ddp-notes.md, without premaster's library.
 *
 *   mkddp DIR [VARIANT]          write the fileset into DIR (created when missing)
 *   mkddp --seed FILE [VARIANT]  write it as one fuzzer input (tests/fuzz/ddp-archive.h), the
 *                                image given by its size only
 *
 * VARIANT (default "good"), each the default disc of ddpgen.h with one change:
 *   good          as it is: 3 tracks, UPC, ISRCs, flags, index 02, two lead-outs, CD-TEXT
 *   cue2ddp       ddp-notes 1.4's cue2ddp packets: SD and IMAGE.DAT, space-padded numbers,
 *                 DSS blank, SCR 1, PRE2 225 with track 1 at 00:03:00, 10 s, no CD-TEXT
 *   one-leadout   a single lead-out entry
 *   htoa          track 1 at 00:04:00: 2 s of hidden audio after the pause, PRE2 300
 *   short-track   track 2 lasts 3 s
 *   bad-isrc      track 1's ISRC has a letter where a digit goes (USABC24O0001)
 *   bad-upc       UPC 0123456789013: wrong check digit (3 where 2 is due)
 *   no-pq-upc     the UPC in DDPID only
 *   names         the PQ file called PQ_DESCR and the image IMAGE01.DAT
 *   bad-sums      CHECKSUM.MD5 (md5sum and BSD lines) and CHECKSUM.TXT (cue2ddp's CRC-32 list)
 *                 whose digests are not those of the files
 */
#include <stdio.h>
#include <string.h>

#include "ddpgen.h"

/* Checksum files of two writers (ddp-notes 1.9) for bad-sums; the digests match nothing. */
static const char *const bad_sums[2][2] = {
    {"CHECKSUM.MD5", "d41d8cd98f00b204e9800998ecf8427e *DDPID\n"
                     "0cc175b9c0f1b6a831c399e269772661 *PQDESCR\n"
                     "MD5 (DDPMS) = 900150983cd24fb0d6963f7d28e17f72\n"},
    {"CHECKSUM.TXT", "[CRC32 Checksum]\r\nDDPMS=CBF43926\r\nCDTEXT.BIN=00000000\r\n"}};

static int variant(gen_disc *d, const char *name)
{
    gen_default(d);
    if (strcmp(name, "good") == 0 || strcmp(name, "bad-sums") == 0)
        return 0;
    if (strcmp(name, "cue2ddp") == 0) {
        d->pad = ' ';
        d->scr = '1';
        d->dss = -1;
        d->pre2 = 225;
        d->pq_name = "SD";
        d->sectors = 750;
        d->cdtext = 0;
        d->upc = d->pq_upc = NULL;
        d->mid = NULL;
        d->track_count = 1;
        d->tracks[0].index_cdf[1] = 225;
        d->tracks[0].isrc = NULL;
        d->tracks[0].cb1 = "01";
        return 0;
    }
    if (strcmp(name, "one-leadout") == 0)
        d->leadouts = 1;
    else if (strcmp(name, "htoa") == 0) {
        d->tracks[0].index_cdf[1] = 300;
        d->pre2 = 300;
    } else if (strcmp(name, "short-track") == 0)
        d->tracks[2].index_cdf[1] = 975;
    else if (strcmp(name, "bad-isrc") == 0)
        d->tracks[0].isrc = "USABC24O0001";
    else if (strcmp(name, "bad-upc") == 0)
        d->upc = d->pq_upc = "0123456789013";
    else if (strcmp(name, "no-pq-upc") == 0)
        d->pq_upc = NULL;
    else if (strcmp(name, "names") == 0) {
        d->pq_name = "PQ_DESCR";
        d->image_name = "IMAGE01.DAT";
    } else
        return -1;
    return 0;
}

/* The fuzzer's input format (tests/fuzz/ddp-archive.h): per file, its name, a NUL, its size and
 * the count of bytes stored (4 bytes each, little-endian), then those bytes; the rest of the file
 * reads as zeros. */
static void put32(FILE *f, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        fputc((int)((v >> (8 * i)) & 0xFF), f);
}

static int write_seed(const gen_disc *d, const char *path, int sums)
{
    gen_fileset fs;
    gen_build(d, &fs, 0);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        gen_free(&fs);
        return 1;
    }
    for (int i = 0; i < fs.count; i++) {
        const gen_file *g = &fs.files[i];
        int image = strcmp(g->name, d->image_name) == 0;
        fputs(g->name, f);
        fputc(0, f);
        put32(f, image ? (uint64_t)d->sectors * GEN_SECTOR : g->size);
        put32(f, image ? 0 : g->size);
        fwrite(g->data, 1, image ? 0 : g->size, f);
    }
    for (int i = 0; sums && i < 2; i++) {
        fputs(bad_sums[i][0], f);
        fputc(0, f);
        put32(f, strlen(bad_sums[i][1]));
        put32(f, strlen(bad_sums[i][1]));
        fputs(bad_sums[i][1], f);
    }
    gen_free(&fs);
    return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int seed = argc > 1 && strcmp(argv[1], "--seed") == 0;
    int first = seed ? 2 : 1;
    if (argc < first + 1 || argc > first + 2) {
        fprintf(stderr, "usage: mkddp [--seed FILE | DIR] [VARIANT]\n");
        return 2;
    }
    gen_disc *d = malloc(sizeof *d);
    if (!d)
        return 1;
    const char *name = argc > first + 1 ? argv[first + 1] : "good";
    if (variant(d, name) != 0) {
        fprintf(stderr, "mkddp: no variant called %s\n", name);
        free(d);
        return 2;
    }
    for (int i = 0; i < 17; i++)
        if (!gen_pack_crc_ok(gen_cdtext_vector1[i])) {
            fprintf(stderr, "mkddp: CD-TEXT fixture pack %d has a wrong CRC\n", i);
            free(d);
            return 1;
        }
    int sums = strcmp(name, "bad-sums") == 0;
    int r = seed ? write_seed(d, argv[first], sums) : gen_write(d, argv[first]) ? 1 : 0;
    for (int i = 0; !seed && !r && sums && i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[first], bad_sums[i][0]);
        FILE *f = fopen(path, "wb");
        r = !f || fputs(bad_sums[i][1], f) < 0 || fclose(f) != 0;
    }
    free(d);
    return r;
}
