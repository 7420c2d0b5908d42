/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cdtext.h"

#include <string.h>

int pm_cdtext_latin1(const char *utf8, size_t *latin1_bytes, unsigned long *bad, char bad_utf8[5])
{
    size_t count = 0;
    const unsigned char *p = (const unsigned char *)utf8;
    while (*p) {
        unsigned long cp;
        int extra;
        if (*p < 0x80) {
            cp = *p;
            extra = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            extra = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            extra = 2;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07;
            extra = 3;
        } else {
            return -1;
        }
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp > 0xFF) {
            if (bad)
                *bad = cp;
            if (bad_utf8) {
                memcpy(bad_utf8, p, (size_t)extra + 1);
                bad_utf8[extra + 1] = '\0';
            }
            return 0;
        }
        p += extra + 1;
        count++;
    }
    if (latin1_bytes)
        *latin1_bytes = count;
    return 1;
}

/* The bytes a text takes in the packs: its ISO-8859-1 characters and the terminating NUL. */
static size_t text_bytes(const char *text)
{
    size_t n;
    if (!text)
        return 1;
    if (pm_cdtext_latin1(text, &n, NULL, NULL) != 1)
        n = strlen(text);
    return n + 1;
}

static size_t packs_for(size_t bytes)
{
    return (bytes + PM_CDTEXT_PACK_PAYLOAD - 1) / PM_CDTEXT_PACK_PAYLOAD;
}

size_t pm_cdtext_block_packs(const pm_cdtext_block_text *block)
{
    size_t packs = 3; /* 0x8F size information */
    /* A type that is present carries a text for the disc and every track, empty or not
     * (libburn doc/cdtext.txt); texts of one type run on across packs. */
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
        const char *const *texts = block->texts[type];
        if (!texts)
            continue;
        int present = 0;
        size_t bytes = 0;
        for (int i = 0; i <= block->track_count; i++) {
            present |= texts[i] && *texts[i];
            bytes += text_bytes(texts[i]);
        }
        if (present)
            packs += packs_for(bytes);
    }
    if (block->genre && *block->genre)
        packs += packs_for(2 + text_bytes(block->genre)); /* 2-byte genre code, then text */
    if (block->codes) {
        size_t bytes = 0;
        for (int i = 0; i <= block->track_count; i++)
            bytes += text_bytes(block->codes[i]);
        packs += packs_for(bytes);
    }
    return packs;
}

int pm_cdtext_language_code(const char *iso)
{
    /* ISO 639-1 to the CD-TEXT language codes (EBU Tech 3264, as libcdio's cdtext_lang_t). */
    static const struct { char iso[3]; int code; } table[] = {
        {"sq", 0x01}, {"br", 0x02}, {"ca", 0x03}, {"hr", 0x04}, {"cy", 0x05}, {"cs", 0x06},
        {"da", 0x07}, {"de", 0x08}, {"en", 0x09}, {"es", 0x0A}, {"eo", 0x0B}, {"et", 0x0C},
        {"eu", 0x0D}, {"fo", 0x0E}, {"fr", 0x0F}, {"fy", 0x10}, {"ga", 0x11}, {"gd", 0x12},
        {"gl", 0x13}, {"is", 0x14}, {"it", 0x15}, {"se", 0x16}, {"la", 0x17}, {"lv", 0x18},
        {"lb", 0x19}, {"lt", 0x1A}, {"hu", 0x1B}, {"mt", 0x1C}, {"nl", 0x1D}, {"no", 0x1E},
        {"nb", 0x1E}, {"nn", 0x1E}, {"oc", 0x1F}, {"pl", 0x20}, {"pt", 0x21}, {"ro", 0x22},
        {"rm", 0x23}, {"sr", 0x24}, {"sk", 0x25}, {"sl", 0x26}, {"fi", 0x27}, {"sv", 0x28},
        {"tr", 0x29}, {"zu", 0x45}, {"vi", 0x46}, {"uz", 0x47}, {"ur", 0x48}, {"uk", 0x49},
        {"th", 0x4A}, {"te", 0x4B}, {"tt", 0x4C}, {"ta", 0x4D}, {"tg", 0x4E}, {"sw", 0x4F},
        {"so", 0x51}, {"si", 0x52}, {"sn", 0x53}, {"ru", 0x56}, {"qu", 0x57}, {"ps", 0x58},
        {"pa", 0x59}, {"fa", 0x5A}, {"or", 0x5C}, {"ne", 0x5D}, {"nd", 0x5E}, {"mr", 0x5F},
        {"mo", 0x60}, {"ms", 0x61}, {"mg", 0x62}, {"mk", 0x63}, {"lo", 0x64}, {"ko", 0x65},
        {"km", 0x66}, {"kk", 0x67}, {"kn", 0x68}, {"ja", 0x69}, {"id", 0x6A}, {"hi", 0x6B},
        {"he", 0x6C}, {"ha", 0x6D}, {"gn", 0x6E}, {"gu", 0x6F}, {"el", 0x70}, {"ka", 0x71},
        {"ff", 0x72}, {"cv", 0x74}, {"zh", 0x75}, {"my", 0x76}, {"bg", 0x77}, {"bn", 0x78},
        {"be", 0x79}, {"bm", 0x7A}, {"az", 0x7B}, {"as", 0x7C}, {"hy", 0x7D}, {"ar", 0x7E},
        {"am", 0x7F},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].iso, iso) == 0)
            return table[i].code;
    return -1;
}
