/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The input format of the DDP fuzz target (fuzz-ddp.c) and its corpus (tests/fuzz/corpus/ddp):
 * a small archive holding a whole fileset. Per file: its name and a NUL; its size and the count
 * of its bytes stored here, 4 bytes each, little-endian; then those bytes. The rest of a file
 * reads as zeros, so that an input of a few hundred bytes can describe a 1500-sector IMAGE.DAT.
 * Sizes are capped at 4 MiB to keep each run quick; parsing stops at the first entry that does
 * not fit. `tests/mkddp --seed FILE VARIANT` writes one.
 */
#ifndef PM_TESTS_DDP_ARCHIVE_H
#define PM_TESTS_DDP_ARCHIVE_H

#include <stdint.h>
#include <string.h>

#include "ddp_read.h"

#define DDP_ARCHIVE_FILES 16
#define DDP_ARCHIVE_NAME 64
#define DDP_ARCHIVE_MAX_SIZE (4u << 20)

typedef struct ddp_archive {
    char names[DDP_ARCHIVE_FILES][DDP_ARCHIVE_NAME];
    pm_ddp_memfile files[DDP_ARCHIVE_FILES];
    size_t count;
} ddp_archive;

static inline uint32_t ddp_archive_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The files of data[0..size) into a; they point into data, which must outlive a's use. */
static inline void ddp_archive_parse(const uint8_t *data, size_t size, ddp_archive *a)
{
    size_t at = 0;
    a->count = 0;
    while (a->count < DDP_ARCHIVE_FILES && at < size) {
        size_t n = 0;
        while (at + n < size && data[at + n] && n < DDP_ARCHIVE_NAME - 1)
            n++;
        if (at + n >= size || data[at + n] != 0 || size - (at + n + 1) < 8)
            break;
        memcpy(a->names[a->count], data + at, n);
        a->names[a->count][n] = '\0';
        at += n + 1;
        uint32_t declared = ddp_archive_le32(data + at), stored = ddp_archive_le32(data + at + 4);
        at += 8;
        if (stored > size - at)
            stored = (uint32_t)(size - at);
        if (declared > DDP_ARCHIVE_MAX_SIZE)
            declared = DDP_ARCHIVE_MAX_SIZE;
        if (stored > declared)
            stored = declared;
        a->files[a->count] = (pm_ddp_memfile){a->names[a->count], data + at, stored, declared};
        at += stored;
        a->count++;
    }
}

#endif
