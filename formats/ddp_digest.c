/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The part of `ddp verify` that reads whole files (ddp_read.h, pm_ddp_check_content): checksums
 * (ddp-notes.md 1.9) and the audio image's content (sections 0 and 1.6). Each file is read once,
 * in blocks, whatever the number of checksum files that name it. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cdtime.h"
#include "crc32.h"
#include "ddp_read.h"
#include "md5.h"

#define BLOCK_BYTES (1024 * 1024) /* a multiple of 4: whole stereo frames */

/* A file to read, and what to compute over it. */
typedef struct target {
    const char *name; /* as found in the folder */
    int need_md5, need_crc, is_image;
    int read, failed;
    char md5[33];
    char crc[9];
} target;

/* What the image's samples say (sections 0 and 1.6). */
typedef struct image_scan {
    uint64_t nonzero_pause; /* non-zero bytes in the first 150 sectors */
    double native, swapped; /* sum of |L[n] - L[n-1]| read little- and big-endian */
    uint64_t frames;        /* non-zero left samples among those compared */
} image_scan;

static void scan(image_scan *s, uint64_t offset, const unsigned char *b, size_t n)
{
    uint64_t pause_bytes = (uint64_t)PM_CD_PAUSE_MIN_CDF * PM_CD_BYTES_PER_SECTOR;
    for (size_t i = 0; offset + i < pause_bytes && i < n; i++)
        s->nonzero_pause += b[i] != 0;
    /* Audio read the wrong way round is noise: its left channel jumps far more from sample to
     * sample than read the right way. One sector a second is plenty to tell, and keeps this far
     * cheaper than the MD5 over the same bytes. */
    uint64_t first = (offset + PM_CD_BYTES_PER_SECTOR - 1) / PM_CD_BYTES_PER_SECTOR;
    first = (first + PM_CD_FRAMES_PER_SEC - 1) / PM_CD_FRAMES_PER_SEC * PM_CD_FRAMES_PER_SEC;
    for (uint64_t sector = first;; sector += PM_CD_FRAMES_PER_SEC) {
        uint64_t start = sector * PM_CD_BYTES_PER_SECTOR - offset;
        if (start + PM_CD_BYTES_PER_SECTOR > n)
            break;
        const unsigned char *p = b + start;
        int16_t last_le = 0, last_be = 0;
        for (size_t i = 0; i < PM_CD_BYTES_PER_SECTOR; i += 4) {
            int16_t le = (int16_t)(uint16_t)(p[i] | p[i + 1] << 8);
            int16_t be = (int16_t)(uint16_t)(p[i] << 8 | p[i + 1]);
            if (i) {
                s->native += abs((int)le - (int)last_le);
                s->swapped += abs((int)be - (int)last_be);
            }
            last_le = le;
            last_be = be;
            s->frames += le != 0;
        }
    }
}

/* Read one file in blocks through the source, computing what t asks. */
static pm_status digest(const pm_ddp *ddp, target *t, unsigned char *block, image_scan *s)
{
    uint64_t size;
    if (ddp->source.size(ddp->source.context, t->name, &size) != PM_OK)
        return PM_ERR_IO;
    pm_md5 md5;
    pm_crc32 crc;
    pm_md5_init(&md5);
    pm_crc32_init(&crc);
    for (uint64_t offset = 0; offset < size;) {
        size_t n = size - offset < BLOCK_BYTES ? (size_t)(size - offset) : BLOCK_BYTES;
        if (ddp->source.read(ddp->source.context, t->name, offset, block, n) != PM_OK)
            return PM_ERR_IO;
        if (t->need_md5)
            pm_md5_update(&md5, block, n);
        if (t->need_crc)
            pm_crc32_update(&crc, block, n);
        if (t->is_image)
            scan(s, offset, block, n);
        offset += n;
    }
    pm_md5_final(&md5, t->md5);
    snprintf(t->crc, sizeof t->crc, "%08x", (unsigned)pm_crc32_value(&crc));
    t->read = 1;
    return PM_OK;
}

static target *target_for(target *targets, size_t *count, const char *name)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp(targets[i].name, name) == 0)
            return &targets[i];
    target *t = &targets[(*count)++];
    memset(t, 0, sizeof *t);
    t->name = name;
    return t;
}

/* Whether some checksum entry covers the file called name. */
static int covered(const pm_ddp *ddp, const char *name)
{
    for (size_t f = 0; f < ddp->sumfile_count; f++)
        for (size_t i = 0; i < ddp->sumfiles[f].count; i++) {
            const char *found = pm_ddp_find_file(ddp, ddp->sumfiles[f].sums[i].name);
            if (found && strcmp(found, name) == 0)
                return 1;
        }
    return 0;
}

static void check_coverage(const pm_ddp *ddp, pm_diag *diag)
{
    size_t entries = 0;
    for (size_t f = 0; f < ddp->sumfile_count; f++)
        entries += ddp->sumfiles[f].count;
    if (entries == 0) {
        pm_ddp_say(ddp, diag, PM_SEV_WARNING, "", 0, "no checksum file (CHECKSUM.MD5 or another "
            "writer's, ddp-notes 1.9) beside the fileset: a copy of it cannot be proven");
        return;
    }
    const char *fixed[] = {"DDPID", "DDPMS"};
    for (int i = 0; i < 2; i++)
        if (pm_ddp_find_file(ddp, fixed[i]) && !covered(ddp, pm_ddp_find_file(ddp, fixed[i])))
            pm_ddp_say(ddp, diag, PM_SEV_WARNING, fixed[i], 0, "is in no checksum file");
    for (size_t i = 0; i < ddp->map_count; i++)
        if (ddp->maps[i].file && !covered(ddp, ddp->maps[i].file))
            pm_ddp_say(ddp, diag, PM_SEV_WARNING, ddp->maps[i].file, 0, "is in no checksum file");
}

static void check_image(const pm_ddp *ddp, const image_scan *s, const char *name, pm_diag *diag)
{
    if (s->nonzero_pause)
        /* UNCONFIRMED whether a plant requires it, but every writer studied leaves it silent. */
        pm_ddp_say(ddp, diag, PM_SEV_WARNING, name, 0, "holds %llu non-zero bytes in its first 150 "
            "sectors, the 2 s before any track that every writer leaves silent",
            (unsigned long long)s->nonzero_pause);
    /* Section 0: little-endian only; warn when big-endian reading is far smoother. */
    if (s->frames >= 588 && s->swapped * 4.0 < s->native)
        pm_ddp_say(ddp, diag, PM_SEV_WARNING, name, 0, "looks byte-swapped: its samples read "
            "big-endian are far smoother than read little-endian, and DDP audio is "
            "little-endian");
}

pm_status pm_ddp_check_content(const pm_ddp *ddp, pm_diag *diag)
{
    size_t capacity = 1;
    for (size_t f = 0; f < ddp->sumfile_count; f++)
        capacity += ddp->sumfiles[f].count;
    target *targets = pm_alloc_array(capacity, sizeof *targets);
    unsigned char *block = pm_alloc_array(BLOCK_BYTES, 1);
    if (!targets || !block) {
        free(targets);
        free(block);
        return PM_ERR_NOMEM;
    }
    size_t count = 0;
    int invalid = 0, io = 0;
    const char *image = ddp->audio >= 0 ? ddp->maps[ddp->audio].file : NULL;
    if (image)
        target_for(targets, &count, image)->is_image = 1;
    for (size_t f = 0; f < ddp->sumfile_count; f++)
        for (size_t i = 0; i < ddp->sumfiles[f].count; i++) {
            const pm_ddp_sum *e = &ddp->sumfiles[f].sums[i];
            const char *found = pm_ddp_find_file(ddp, e->name);
            if (!found) {
                pm_ddp_say(ddp, diag, PM_SEV_ERROR, ddp->sumfiles[f].name, e->line, "names %s, which is "
                    "not in the folder", e->name);
                invalid = 1;
                continue;
            }
            target *t = target_for(targets, &count, found);
            t->need_md5 |= e->kind == PM_DDP_SUM_MD5;
            t->need_crc |= e->kind == PM_DDP_SUM_CRC32;
        }
    image_scan s = {0};
    for (size_t i = 0; i < count; i++)
        if (digest(ddp, &targets[i], block, &s) != PM_OK) {
            pm_ddp_say(ddp, diag, PM_SEV_ERROR, targets[i].name, 0, "cannot be read");
            targets[i].failed = io = 1;
        }
    for (size_t f = 0; f < ddp->sumfile_count; f++)
        for (size_t i = 0; i < ddp->sumfiles[f].count; i++) {
            const pm_ddp_sum *e = &ddp->sumfiles[f].sums[i];
            const char *found = pm_ddp_find_file(ddp, e->name);
            target *t = found ? target_for(targets, &count, found) : NULL;
            if (!t || !t->read)
                continue;
            const char *have = e->kind == PM_DDP_SUM_MD5 ? t->md5 : t->crc;
            if (strcmp(have, e->digest) != 0) {
                pm_ddp_say(ddp, diag, PM_SEV_ERROR, t->name, 0, "does not match %s line %d: its %s is "
                    "%s, the line gives %s; the file changed after the checksum was made",
                    ddp->sumfiles[f].name, e->line, e->kind == PM_DDP_SUM_MD5 ? "MD5" : "CRC-32",
                    have, e->digest);
                invalid = 1;
            }
        }
    check_coverage(ddp, diag);
    if (image && count && targets[0].read)
        check_image(ddp, &s, image, diag);
    free(targets);
    free(block);
    return io ? PM_ERR_IO : invalid ? PM_ERR_INVALID : PM_OK;
}
