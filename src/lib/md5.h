/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MD5 (RFC 1321), for the checksum files that travel with a DDP fileset (ddp-notes.md 1.9:
 * CHECKSUM.MD5 in md5sum format). Written here from the RFC's description, since premaster depends
 * on no crypto library. MD5 is used to detect corrupted copies, never for security.
 *
 * Streaming: pm_md5_init, then pm_md5_update with any number of bytes in pieces of any size,
 * then pm_md5_final once. The state lives in the caller's memory; nothing is allocated.
 */
#ifndef PM_MD5_H
#define PM_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct pm_md5 {
    uint32_t state[4];       /* A, B, C, D of RFC 1321 section 3.3 */
    uint64_t length;         /* bytes hashed so far */
    unsigned char block[64]; /* the partial 512-bit block */
    size_t fill;             /* bytes in block */
} pm_md5;

void pm_md5_init(pm_md5 *h);
void pm_md5_update(pm_md5 *h, const void *data, size_t size);
/* The digest as 32 lowercase hex digits and a NUL (the md5sum spelling). h is spent after. */
void pm_md5_final(pm_md5 *h, char hex[33]);

/* The 64-entry sine table of RFC 1321 section 3.4, for the unit test to check against sin(). */
const uint32_t *pm_md5_sine_table(void);

#endif
