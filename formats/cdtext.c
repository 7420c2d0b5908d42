/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cdtext.h"

#include <ctype.h>
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
        /* An overlong form would smuggle a NUL (C0 80) or any other character past a check on
         * its bytes, and a NUL would end the text early in the packs. */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000))
            return -1;
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

const char *pm_cdtext_type_name(pm_cdtext_type type)
{
    static const char *const names[PM_CDTEXT_TYPE_COUNT] = {
        "title", "performer", "songwriter", "composer", "arranger", "message"};
    return (int)type >= 0 && type < PM_CDTEXT_TYPE_COUNT ? names[type] : "?";
}

/* Case-insensitive ASCII comparison: genre names are ASCII, and the C locale's strcasecmp is
 * not in C11. */
static int same_name(const char *a, const char *b)
{
    while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

int pm_cdtext_genre_code(const char *genre)
{
    /* Sony's genre codes for the 0x87 pack (ddp-notes 1.8: a 2-byte code, then text), as
     * libcdio's cdtext_genre_t numbers them; a few everyday spellings map onto the same codes. */
    static const struct { const char *name; int code; } table[] = {
        {"Adult Contemporary", 2}, {"Alternative Rock", 3}, {"Childrens Music", 4},
        {"Children's Music", 4},   {"Classical", 5},        {"Contemporary Christian", 6},
        {"Country", 7},            {"Dance", 8},            {"Easy Listening", 9},
        {"Erotic", 10},            {"Folk", 11},            {"Gospel", 12},
        {"Hip Hop", 13},           {"Hip-Hop", 13},         {"Jazz", 14},
        {"Latin", 15},             {"Musical", 16},         {"New Age", 17},
        {"Opera", 18},             {"Operetta", 19},        {"Pop Music", 20},
        {"Pop", 20},               {"Rap", 21},             {"Reggae", 22},
        {"Rock Music", 23},        {"Rock", 23},            {"Rhythm & Blues", 24},
        {"R&B", 24},               {"Sound Effects", 25},   {"Soundtrack", 26},
        {"Spoken Word", 27},       {"World Music", 28},
    };
    if (!genre || !*genre)
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (same_name(genre, table[i].name))
            return table[i].code;
    return 1;
}

unsigned pm_cdtext_crc(const unsigned char pack[16])
{
    /* CRC-16, polynomial x^16 + x^12 + x^5 + 1 (0x1021), initial value 0, most significant bit
     * first, the result inverted (ddp-notes 1.8; MMC-3 Annex J says "all bits inverted"). */
    unsigned crc = 0;
    for (int i = 0; i < 16; i++) {
        crc ^= (unsigned)pack[i] << 8;
        for (int bit = 0; bit < 8; bit++)
            crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
        crc &= 0xFFFF;
    }
    return crc ^ 0xFFFF;
}
