/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SHA-256 (FIPS 180-4), for MANIFEST.sha256 and the streaming proof of the split: written here
 * from the standard so that the manifest needs no further library. Streaming: init, update with
 * any number of bytes, final.
 *
 * Two compression functions give the same digests: the portable C one, the reference, and on
 * x86 CPUs with the SHA extensions (cpuid leaf 7 EBX bit 29, with SSSE3 and SSE4.1) one built on
 * SHA256RNDS2/SHA256MSG1/SHA256MSG2, several times faster. pm_sha256_init picks the fastest
 * this CPU runs; the choice belongs to the hasher, so there is no global switch and hashers on
 * different threads never affect each other.
 */
#ifndef PM_SHA256_H
#define PM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "premaster.h"

/* Compresses `blocks` whole 64-byte blocks of `data` into state (FIPS 180-4 section 6.2.2). */
typedef void pm_sha256_compress_fn(uint32_t state[8], const unsigned char *data, size_t blocks);

typedef struct pm_sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed */
    unsigned char block[64];
    size_t fill;                     /* bytes of block waiting for the rest of their block */
    pm_sha256_compress_fn *compress; /* chosen by the init call */
} pm_sha256;

/* Start a digest with the fastest compression function this CPU runs. */
void pm_sha256_init(pm_sha256 *h);
/* Start a digest with the portable C compression function whatever the CPU: the reference that
 * tests compare the accelerated one with. */
void pm_sha256_init_portable(pm_sha256 *h);
/* 1 when pm_sha256_init uses the SHA extensions on this CPU (and this build has them), else 0. */
int pm_sha256_accelerated(void);

/* Hash size more bytes of data (data may be NULL when size is 0). Whole blocks are compressed
 * straight from data; only a partial block is copied into h. */
void pm_sha256_update(pm_sha256 *h, const void *data, size_t size);
/* The digest as 64 lowercase hex digits and a NUL. h must be initialised again before reuse. */
void pm_sha256_final(pm_sha256 *h, char hex[65]);

/* The digest of a whole file, read 128 KiB at a time; PM_ERR_IO when it cannot be read,
 * PM_ERR_NOMEM when the read buffer cannot be allocated. */
pm_status pm_sha256_file(const char *path, char hex[65]) PM_WARN_UNUSED;

#endif
