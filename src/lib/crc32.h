/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CRC-32 as zlib and PKZIP compute it (reflected polynomial 0xEDB88320, initial and final value
 * 0xFFFFFFFF), for the CHECKSUM.TXT files cue2ddp writes beside a DDP fileset (ddp-notes.md 1.9:
 * "[CRC32 Checksum]" then NAME=<8 uppercase hex>). Streaming, in the caller's memory.
 */
#ifndef PM_CRC32_H
#define PM_CRC32_H

#include <stddef.h>
#include <stdint.h>

typedef struct pm_crc32 {
    uint32_t table[256]; /* the byte-at-a-time table, built by pm_crc32_init */
    uint32_t crc;        /* the running register, before the final inversion */
} pm_crc32;

void pm_crc32_init(pm_crc32 *c);
void pm_crc32_update(pm_crc32 *c, const void *data, size_t size);
/* The CRC of everything passed to update; the state stays usable (more bytes may follow). */
uint32_t pm_crc32_value(const pm_crc32 *c);

#endif
