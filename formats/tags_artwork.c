/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Album artwork: JPEG and PNG read far enough to know they are whole and how big (tags.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fsutil.h"
#include "tags.h"

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * JPEG (ITU-T T.81 annex B): SOI, then marker segments (FF, marker, 16-bit length counting
 * itself) up to SOS; the frame header SOFn (C0-CF but C4 DHT, C8 JPG and CC DAC) holds the
 * precision, the height, the width and the component count. After SOS comes entropy-coded data
 * to EOI, which must end the file: a cut file has none. NULL, or what is wrong.
 */
static const char *parse_jpeg(const unsigned char *d, size_t n, pm_artwork *art)
{
    size_t pos = 2;
    int frame = 0;
    for (;;) {
        if (pos + 2 > n || d[pos] != 0xFF)
            return "its marker segments are broken or cut short";
        while (pos + 1 < n && d[pos + 1] == 0xFF) /* fill bytes (B.1.1.2) */
            pos++;
        if (pos + 2 > n)
            return "it is cut short";
        unsigned m = d[pos + 1];
        pos += 2;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) /* TEM and RSTn stand alone */
            continue;
        if (m == 0xD8 || m == 0xD9)
            return "its image ends before any picture data";
        if (pos + 2 > n || be16(d + pos) < 2 || pos + be16(d + pos) > n)
            return "a marker segment runs past its end";
        size_t len = be16(d + pos);
        const unsigned char *seg = d + pos + 2;
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (len < 8)
                return "its frame header is too short";
            art->height = (int)be16(seg + 1);
            art->width = (int)be16(seg + 3);
            art->depth = seg[0] * seg[5];
            frame = 1;
        }
        pos += len;
        if (m == 0xDA)
            break;
    }
    if (!frame)
        return "it has no frame header (SOFn) before its scan";
    if (art->width == 0 || art->height == 0)
        return "its frame header gives no size (a height defined later by DNL is not taken)";
    if (n < pos + 2 || d[n - 2] != 0xFF || d[n - 1] != 0xD9)
        return "it does not end with EOI: the file is cut short";
    return NULL;
}

/*
 * PNG (ISO/IEC 15948 5.3, 11.2.2): the signature, then chunks (32-bit length, type, data, CRC
 * over type and data); IHDR first (width, height, bit depth, colour type), at least one IDAT,
 * IEND last and at the very end. NULL, or what is wrong.
 */
static const char *parse_png(const unsigned char *d, size_t n, pm_artwork *art)
{
    static const int channels[7] = {1, 0, 3, 1, 2, 0, 4}; /* by colour type; 0: not defined */
    pm_crc32 crc;
    pm_crc32_init(&crc);
    size_t pos = 8;
    int chunks = 0, idat = 0;
    for (;;) {
        if (pos + 12 > n)
            return "it is cut short (no IEND chunk)";
        uint32_t len = be32(d + pos);
        if (len > n - pos - 12)
            return "a chunk runs past the end of the file";
        const unsigned char *type = d + pos + 4, *data = d + pos + 8;
        crc.crc = 0xFFFFFFFFu;
        pm_crc32_update(&crc, type, 4 + (size_t)len);
        if (pm_crc32_value(&crc) != be32(data + len))
            return "a chunk's CRC does not match: the file is damaged";
        if (chunks++ == 0) {
            if (memcmp(type, "IHDR", 4) != 0 || len != 13)
                return "it does not start with an IHDR chunk";
            art->width = (int)(be32(data) & 0x7FFFFFFF);
            art->height = (int)(be32(data + 4) & 0x7FFFFFFF);
            int ch = data[9] < 7 ? channels[data[9]] : 0;
            if (!ch || art->width == 0 || art->height == 0)
                return "its IHDR chunk is not valid";
            art->depth = data[8] * ch;
        }
        idat |= memcmp(type, "IDAT", 4) == 0;
        pos += 12 + (size_t)len;
        if (memcmp(type, "IEND", 4) == 0)
            break;
    }
    if (!idat)
        return "it has no image data (IDAT)";
    if (pos != n)
        return "it has bytes after its IEND chunk";
    return NULL;
}

/* What a file that is neither JPEG nor PNG looks like, for the message. */
static const char *other_kind(const unsigned char *d, size_t n)
{
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return "a GIF image";
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "a WebP image";
    if (n >= 2 && memcmp(d, "BM", 2) == 0)
        return "a BMP image";
    if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
        return "a TIFF image";
    if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
        return "a HEIF/AVIF or MP4 file";
    return "not an image format we know";
}

pm_status pm_artwork_load(const char *path, pm_artwork *art, pm_diag *diag)
{
    if (!path || !art)
        return PM_ERR_USAGE;
    memset(art, 0, sizeof *art);
    char *bytes = NULL;
    size_t n = 0;
    pm_status st = pm_read_file(path, &bytes, &n);
    if (st != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "the artwork cannot be read: %s",
                    st == PM_ERR_IO ? strerror(errno) : pm_strerror(st));
        return st;
    }
    const unsigned char *d = (const unsigned char *)bytes;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    const char *kind, *wrong;
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        kind = "JPEG";
        art->mime = "image/jpeg";
        wrong = parse_jpeg(d, n, art);
    } else if (n >= 8 && memcmp(d, png_sig, 8) == 0) {
        kind = "PNG";
        art->mime = "image/png";
        wrong = parse_png(d, n, art);
    } else {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "the artwork is %s; streaming files carry only JPEG or PNG artwork",
                    other_kind(d, n));
        st = PM_ERR_INVALID;
        goto fail;
    }
    if (wrong) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "the artwork is not a whole %s image: %s",
                    kind, wrong);
        st = PM_ERR_INVALID;
        goto fail;
    }
    if (n > PM_ARTWORK_MAX_BYTES) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "the artwork has %zu bytes; a FLAC picture holds at most %zu", n,
                    (size_t)PM_ARTWORK_MAX_BYTES);
        st = PM_ERR_INVALID;
        goto fail;
    }
    if (art->width != art->height)
        pm_diag_add(diag, PM_SEV_WARNING, path, 0, NULL,
                    "the artwork is %d x %d pixels, not square: stores want square artwork",
                    art->width, art->height);
    if (art->width < PM_ARTWORK_MIN_PX || art->height < PM_ARTWORK_MIN_PX)
        pm_diag_add(diag, PM_SEV_WARNING, path, 0, NULL,
                    "the artwork is %d x %d pixels, under the %d x %d Apple Music asks for",
                    art->width, art->height, PM_ARTWORK_MIN_PX, PM_ARTWORK_MIN_PX);
    art->data = (unsigned char *)bytes;
    art->size = n;
    return PM_OK;
fail:
    free(bytes);
    memset(art, 0, sizeof *art);
    return st;
}

void pm_artwork_fini(pm_artwork *art)
{
    if (!art)
        return;
    free(art->data);
    memset(art, 0, sizeof *art);
}
