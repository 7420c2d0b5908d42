/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SHA-256 (FIPS 180-4), for MANIFEST.sha256: written here from the standard so that the
 * manifest needs no further library. Streaming: init, update with any number of bytes, final.
 */
#ifndef PM_SHA256_H
#define PM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "premaster.h"

typedef struct pm_sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed */
    unsigned char block[64];
    size_t fill;
} pm_sha256;

void pm_sha256_init(pm_sha256 *h);
void pm_sha256_update(pm_sha256 *h, const void *data, size_t size);
/* The digest as 64 lowercase hex digits and a NUL. */
void pm_sha256_final(pm_sha256 *h, char hex[65]);

/* The digest of a whole file; PM_ERR_IO when it cannot be read. */
pm_status pm_sha256_file(const char *path, char hex[65]) PM_WARN_UNUSED;

#endif
