/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CD-TEXT (Sony lead-in packs, ddp-notes.md 1.8): what can be said about a block before it is
 * encoded - its character set, its size in packs and its language code. The encoder and decoder
 * of the packs themselves build on the same figures.
 */
#ifndef PM_CDTEXT_H
#define PM_CDTEXT_H

#include <stddef.h>

#define PM_CDTEXT_MAX_BLOCKS 8
#define PM_CDTEXT_MAX_TEXT_BYTES 160 /* Sony's recommendation per item (ddpLib) */
#define PM_CDTEXT_MAX_TEXT_PACKS 253 /* 256 sequence numbers less the three 0x8F packs */
#define PM_CDTEXT_PACK_PAYLOAD 12

/* The pack types that carry one text for the disc and one per track, in pack order. */
typedef enum pm_cdtext_type {
    PM_CDTEXT_TITLE = 0,      /* 0x80 */
    PM_CDTEXT_PERFORMER,      /* 0x81 */
    PM_CDTEXT_SONGWRITER,     /* 0x82 */
    PM_CDTEXT_COMPOSER,       /* 0x83 */
    PM_CDTEXT_ARRANGER,       /* 0x84 */
    PM_CDTEXT_MESSAGE,        /* 0x85 */
    PM_CDTEXT_TYPE_COUNT
} pm_cdtext_type;

/* The text of one block: texts[type][0] for the disc, texts[type][1..track_count] for the
 * tracks; NULL or "" is an empty text. genre is the disc's genre text (0x87) or NULL; codes, when
 * not NULL, holds the UPC then the ISRCs (0x8E packs; track_count + 1 entries, NULL allowed). */
typedef struct pm_cdtext_block_text {
    const char *const *texts[PM_CDTEXT_TYPE_COUNT];
    int track_count;
    const char *genre;
    const char *const *codes;
} pm_cdtext_block_text;

/*
 * Whether UTF-8 text can be written in ISO-8859-1. Returns 1 when it can (then *latin1_bytes
 * is its length there); 0 when it holds a character beyond U+00FF (then *bad receives that
 * character's code point and *bad_utf8 its UTF-8 bytes, NUL-terminated, for the message); -1 when
 * the text is not valid UTF-8.
 */
int pm_cdtext_latin1(const char *utf8, size_t *latin1_bytes, unsigned long *bad, char bad_utf8[5]);

/* The number of packs the block takes, the three 0x8F size packs included. Texts that are not
 * representable count by their UTF-8 length (they are reported elsewhere). */
size_t pm_cdtext_block_packs(const pm_cdtext_block_text *block);

/* The CD-TEXT language code (EBU Tech 3264 via libcdio's cdtext_lang_t) of an ISO 639-1 code,
 * or -1 when CD-TEXT has none for it. */
int pm_cdtext_language_code(const char *iso639_1);

#endif
