/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "crc32.h"

void pm_crc32_init(pm_crc32 *c)
{
    /* The table of the reflected CRC: entry n is n shifted through the register 8 times, the
     * polynomial x^32+x^26+x^23+...+1 (0x04C11DB7) bit-reversed as 0xEDB88320. */
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t r = n;
        for (int k = 0; k < 8; k++)
            r = r & 1 ? 0xEDB88320u ^ (r >> 1) : r >> 1;
        c->table[n] = r;
    }
    c->crc = 0xFFFFFFFFu;
}

void pm_crc32_update(pm_crc32 *c, const void *data, size_t size)
{
    const unsigned char *p = data;
    uint32_t crc = c->crc;
    for (size_t i = 0; i < size; i++)
        crc = c->table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    c->crc = crc;
}

uint32_t pm_crc32_value(const pm_crc32 *c)
{
    return c->crc ^ 0xFFFFFFFFu;
}
