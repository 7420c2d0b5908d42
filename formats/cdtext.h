/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CD-TEXT: the Sony lead-in packs of ddp-notes.md 1.8, as CDTEXT.BIN holds them in a DDP fileset
 * and as the cue sheet's CDTEXTFILE (.cdt) holds them: the same bytes, N x 18, with no header and
 * no trailing byte (ddp-notes section 0).
 *
 * A pack is 18 bytes: [0] type (0x80 title ... 0x8F size information), [1] track number of the
 * first character in the payload (for 0x8F: the part 0-2), [2] sequence number within the block,
 * [3] block number (bits 4-6), double-byte flag (bit 7) and the characters of the text already in
 * earlier packs (bits 0-3, 15 meaning 15 or more), [4..15] payload, [16..17] CRC-16 (polynomial
 * 0x1021, initial 0, inverted, big-endian) over bytes 0-15.
 *
 * What this module offers:
 *   - the checks a project needs before anything is written (pm_cdtext_latin1,
 *     pm_cdtext_block_packs, pm_cdtext_language_code), which validate.c runs at `check` time;
 *   - the encoder (pm_cdtext_encode) from a pm_cdtext_input, and the helper that builds that input
 *     from a project (pm_cdtext_input_from_project), so that the CD stage calls two functions;
 *   - the decoder (pm_cdtext_decode), which checks every CRC, sequence number, block number and
 *     the size information, and gives the texts back; it reads any writer's packs and is safe
 *     on any input (garbage and truncated data are refused, never read out of bounds).
 *
 * What the encoder writes (ddp-notes 1.8, checked byte for byte against both golden vectors
 * there): per block, in ascending type order, 0x80-0x85 for each type that has some text (the
 * disc's text, then one per track, an empty string where one has none), 0x87 when there is a
 * genre, 0x8E when codes are given and one is not empty (UPC/EAN for the disc, then the ISRCs),
 * then the three 0x8F packs. Character code ISO-8859-1; no "same as previous" TAB shortcut
 * (cue2ddp, golden vector 2, writes every text out, and so does this encoder; the decoder reads
 * both); first track 1; copyright byte as given.
 */
#ifndef PM_CDTEXT_H
#define PM_CDTEXT_H

#include <stddef.h>

#include "premaster.h"

#define PM_CDTEXT_MAX_BLOCKS 8
#define PM_CDTEXT_MAX_TRACKS 99
#define PM_CDTEXT_MAX_TEXT_BYTES 160 /* Sony's recommendation per item (ddpLib) */
#define PM_CDTEXT_MAX_BLOCK_PACKS 256 /* sequence numbers 0-255 */
#define PM_CDTEXT_MAX_TEXT_PACKS 253 /* 256 sequence numbers less the three 0x8F packs */
#define PM_CDTEXT_PACK_BYTES 18
#define PM_CDTEXT_PACK_PAYLOAD 12

/* Pack types (byte 0). */
enum {
    PM_CDTEXT_PACK_TITLE = 0x80,
    PM_CDTEXT_PACK_DISC_ID = 0x86,
    PM_CDTEXT_PACK_GENRE = 0x87,
    PM_CDTEXT_PACK_CODES = 0x8E, /* UPC/EAN (disc) and ISRC (tracks) */
    PM_CDTEXT_PACK_SIZE = 0x8F
};

/* Character codes of the size information (its byte [0]). */
enum { PM_CDTEXT_LATIN1 = 0x00, PM_CDTEXT_ASCII = 0x01, PM_CDTEXT_MSJIS = 0x80 };

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

/* The lowercase name of a text type ("title", "performer", ...); "?" out of range. */
const char *pm_cdtext_type_name(pm_cdtext_type type);

/* The text of one block: texts[type][0] for the disc, texts[type][1..track_count] for the
 * tracks; a NULL array or a NULL or "" entry is an empty text. Texts are UTF-8. genre is the
 * disc's genre text (0x87), ASCII (libcdio reads it as ASCII), or NULL; codes, when not NULL,
 * holds the UPC then the ISRCs (0x8E packs; track_count + 1 entries, NULL or "" where there is
 * none). Every pointer is borrowed. */
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

/* The number of packs the block takes, the three 0x8F size packs included: exactly what
 * pm_cdtext_encode writes for it. Texts that are not representable count by their UTF-8 length
 * (they are reported elsewhere). */
size_t pm_cdtext_block_packs(const pm_cdtext_block_text *block);

/* The CD-TEXT language code (EBU Tech 3264 via libcdio's cdtext_lang_t) of an ISO 639-1 code,
 * or -1 when CD-TEXT has none for it. */
int pm_cdtext_language_code(const char *iso639_1);

/* The genre code of the 0x87 pack for a genre text: the Sony code (2-28, as libcdio's
 * cdtext_genre_t) when the text names one of Sony's genres (case aside; "Rock", "Pop" and "R&B"
 * also count), 1 ("not defined", the text then says it) for any other text, 0 for NULL or "". */
int pm_cdtext_genre_code(const char *genre);

/* The CRC-16 of a pack's first 16 bytes as stored in its bytes 16-17 (ddp-notes 1.8). */
unsigned pm_cdtext_crc(const unsigned char pack[16]);

/* ---- encoder ------------------------------------------------------------------------------ */

/*
 * What the encoder needs: 1-8 blocks, each with its language code (0-0x7F, see
 * pm_cdtext_language_code) and its text; every block the same track_count (1-99, the tracks
 * numbered from 1). copyright is the size information's copyright byte (0x00 none, 0x03).
 * storage belongs to the input when pm_cdtext_input_from_project filled it, and is NULL otherwise.
 */
typedef struct pm_cdtext_input {
    int block_count;
    int languages[PM_CDTEXT_MAX_BLOCKS];
    pm_cdtext_block_text blocks[PM_CDTEXT_MAX_BLOCKS];
    int copyright;
    void *storage;
} pm_cdtext_input;

/*
 * Encode the packs. On PM_OK *out holds *size bytes (a multiple of 18) that the caller frees with
 * free(); CDTEXT.BIN and the .cdt are both exactly these bytes. Every text is checked first and
 * every problem reported: a character beyond ISO-8859-1 or text that is not UTF-8, a text over
 * 160 bytes, a text that is a lone TAB (a reader takes it for "same as previous track"), a genre
 * that is not ASCII, a language code outside 0-0x7F, a block over 256 packs. Returns PM_OK;
 * PM_ERR_INVALID for such input (nothing is written); PM_ERR_USAGE for counts out of range
 * (blocks, tracks, copyright byte) or NULL arguments; PM_ERR_NOMEM. On failure *out is NULL and
 * *size 0.
 *
 * Known reader quirk: libcdio 2.1.0 skips an empty text without counting it, so it gives a text
 * that follows an empty one in the same pack to the track before. The packs are right (libburn
 * writes the same); the tests compare libcdio's reading only where no empty text precedes
 * another.
 */
pm_status pm_cdtext_encode(const pm_cdtext_input *in, unsigned char **out, size_t *size,
                           pm_diag *diag) PM_WARN_UNUSED;

/*
 * Fill *in from a project (its texts are borrowed: the project must outlive *in), without looking
 * at <cd cdtext>: the caller writes no CD-TEXT when that is "no". Block 0 is the album's language
 * with the album's and tracks' own text; each album <cdtext> adds a block. Where a block leaves a
 * field out, the album's (or the track's) main text fills it in, field by field; a track's
 * performer defaults to the disc's performer of the same block. The genre goes in every block;
 * with <cd cdtext-isrc="yes"> the UPC and ISRCs do too. A language CD-TEXT has no code for is
 * left as -1, which the encoder refuses (validate.c has named it already). Returns PM_OK;
 * PM_ERR_INVALID when the project has no tracks, over 99 or over 8 blocks; PM_ERR_NOMEM. Free
 * with pm_cdtext_input_fini, whatever the status.
 */
pm_status pm_cdtext_input_from_project(const pm_project *project, pm_cdtext_input *in,
                                       pm_diag *diag) PM_WARN_UNUSED;
void pm_cdtext_input_fini(pm_cdtext_input *in);

/* ---- decoder ------------------------------------------------------------------------------ */

/*
 * One decoded block. Text arrays hold last_track - first_track + 2 strings: [0] the disc's, [k]
 * track first_track + k - 1's, UTF-8 (converted from ISO-8859-1; a track text that is a lone TAB
 * is replaced by the previous track's, as the notes say it means). An array is NULL when the
 * block has no pack of that type, and always NULL in a double-byte (MS-JIS) block, whose texts
 * this decoder checks for structure only.
 */
typedef struct pm_cdtext_decoded_block {
    int block;           /* the block number 0-7 of bytes 3 */
    int first_pack;      /* index of its first pack in the data */
    int pack_count;      /* its packs, the 0x8F ones included */
    int char_code;       /* PM_CDTEXT_LATIN1, PM_CDTEXT_ASCII or PM_CDTEXT_MSJIS */
    int first_track, last_track;
    int copyright;       /* the size information's copyright byte */
    int language;        /* the language code of this block */
    int type_packs[16];  /* packs of types 0x80-0x8F (matching the size information) */
    char **texts[PM_CDTEXT_TYPE_COUNT];
    char **codes;        /* 0x8E: [0] UPC/EAN, [k] ISRCs; NULL when absent */
    int genre_code;      /* 0x87: the 2-byte code, 0 when absent */
    char *genre;         /* 0x87: the text, NULL when absent */
} pm_cdtext_decoded_block;

typedef struct pm_cdtext_decoded {
    int block_count;
    pm_cdtext_decoded_block blocks[PM_CDTEXT_MAX_BLOCKS];
} pm_cdtext_decoded;

/*
 * Decode and check size bytes of packs; name (may be NULL) is the file the diag entries name.
 * Checked: the size (a multiple of 18, at most 8 x 256 packs; one trailing 0x00 is tolerated,
 * as ddp-notes section 0 says readers do), every CRC, pack types, the extension flag, block
 * numbers (ascending, each block's packs together), sequence numbers (0, 1, ... in each block),
 * types in ascending order, the three 0x8F packs closing each block, the size information
 * (character code, track range, pack counts per type, last sequence number of every block, the
 * same languages and tracks in every block), and in each text type one text for the disc and
 * every track, with the track number and character position bytes of every pack and 0x00 fill
 * after the last. Every fault is reported (up to 20, then a count), each naming the pack by its
 * index and the byte where it starts.
 *
 * Returns PM_OK with *out set (free with pm_cdtext_decoded_free); PM_ERR_INVALID with the faults
 * in diag and *out NULL; PM_ERR_USAGE when out is NULL or data is NULL with size > 0;
 * PM_ERR_NOMEM.
 */
pm_status pm_cdtext_decode(const unsigned char *data, size_t size, const char *name,
                           pm_cdtext_decoded **out, pm_diag *diag) PM_WARN_UNUSED;
void pm_cdtext_decoded_free(pm_cdtext_decoded *decoded);

#endif
