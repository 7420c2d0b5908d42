/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD-TEXT decoder of cdtext.h: three passes over the packs, each only when the one before
 * found nothing wrong, since a pack whose CRC fails says nothing trustworthy about its block or
 * sequence, and a block out of order says nothing about its texts.
 *   1. size and CRC of every pack;
 *   2. structure: types, block numbers, sequence numbers, type order, the closing 0x8F packs;
 *   3. per block: the size information against what is there, then the texts of each type.
 * Every read is within the size given: packs are only looked at below r->packs, and texts are
 * split inside a copy whose length is known.
 */
#include "cdtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define MAX_REPORTED 20 /* faults listed one by one; a garbage file would give thousands */
#define MAX_ITEMS (PM_CDTEXT_MAX_TRACKS + 1)

typedef struct reader {
    const unsigned char *data;
    size_t packs; /* complete packs in data */
    const char *name;
    pm_diag *diag;
    int faults;
} reader;

static const unsigned char *pack(const reader *r, size_t i)
{
    return r->data + i * PM_CDTEXT_PACK_BYTES;
}

/* A fault, naming the pack by its index and the byte where it starts (pack < 0: the whole data). */
static PM_PRINTF(3, 4) void fault(reader *r, long pack_index, const char *fmt, ...)
{
    if (++r->faults > MAX_REPORTED)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pack_index >= 0)
        pm_diag_add(r->diag, PM_SEV_ERROR, r->name, 0, NULL, "CD-TEXT pack %ld at byte %ld: %s",
                    pack_index, pack_index * PM_CDTEXT_PACK_BYTES, msg);
    else
        pm_diag_add(r->diag, PM_SEV_ERROR, r->name, 0, NULL, "CD-TEXT: %s", msg);
}

static const char *type_name(int type)
{
    static const char *const names[16] = {
        "title", "performer", "songwriter", "composer", "arranger", "message", "disc ID", "genre",
        "TOC", "second TOC", "reserved", "reserved", "reserved", "closed information",
        "UPC/EAN and ISRC", "size information"};
    return type >= 0x80 && type <= 0x8F ? names[type - 0x80] : "unknown";
}

/* ---- pass 1: size and CRCs ------------------------------------------------------------------ */

static void check_size_and_crcs(reader *r, size_t size)
{
    size_t rest = size % PM_CDTEXT_PACK_BYTES;
    if (size == 0)
        fault(r, -1, "no packs (0 bytes)");
    else if (rest)
        fault(r, -1, "%zu bytes are not a whole number of 18-byte packs: pack %zu at byte %zu is "
              "cut short after %zu bytes%s", size, r->packs, r->packs * PM_CDTEXT_PACK_BYTES, rest,
              rest == 4 ? " (a 4-byte MMC header? CD-TEXT files hold the packs alone)" : "");
    /* 8 blocks of at most 256 packs (ddp-notes 1.8 limits); more is not CD-TEXT, and the
     * indexes below stay well within an int. */
    if (r->packs > PM_CDTEXT_MAX_BLOCKS * PM_CDTEXT_MAX_BLOCK_PACKS) {
        fault(r, -1, "%zu packs, where 8 blocks of 256 packs are the most a disc holds",
              r->packs);
        return;
    }
    for (size_t i = 0; i < r->packs; i++) {
        const unsigned char *p = pack(r, i);
        unsigned stored = (unsigned)p[16] << 8 | p[17], computed = pm_cdtext_crc(p);
        if (stored != computed)
            fault(r, (long)i, "CRC 0x%04X stored, but its bytes give 0x%04X", stored, computed);
    }
}

/* ---- pass 2: structure ---------------------------------------------------------------------- */

/* The end of block k: it must close with its three size-information packs. */
static void end_block(reader *r, const pm_cdtext_decoded_block *b, int size_packs)
{
    if (size_packs != 3)
        fault(r, b->first_pack + b->pack_count - 1, "block %d ends with %d size-information "
              "packs (0x8F); every block closes with 3", b->block, size_packs);
}

static void check_structure(reader *r, pm_cdtext_decoded *d)
{
    pm_cdtext_decoded_block *b = NULL;
    int prev_type = 0, size_packs = 0;
    for (size_t i = 0; i < r->packs; i++) {
        const unsigned char *p = pack(r, i);
        int type = p[0], number = (p[3] >> 4) & 7;
        if (!b || number != b->block) {
            if (b) {
                end_block(r, b, size_packs);
                if (number < b->block)
                    fault(r, (long)i, "block %d after block %d: blocks go in ascending order, "
                          "each one's packs together", number, b->block);
            }
            if (d->block_count == PM_CDTEXT_MAX_BLOCKS) {
                fault(r, (long)i, "a ninth run of blocks; a disc holds 8 blocks at most");
                return;
            }
            b = &d->blocks[d->block_count++];
            b->block = number;
            b->first_pack = (int)i;
            prev_type = 0;
            size_packs = 0;
        }
        long seq = (long)i - b->first_pack;
        b->pack_count++;
        /* Sequence numbers count from 0 in each block (ddp-notes 1.8 byte 2; libburn too). */
        if (p[2] != seq)
            fault(r, (long)i, "sequence number %d, expected %ld (pack %ld of block %d)", p[2],
                  seq, seq, number);
        if (type < 0x80 || type > 0x8F) {
            fault(r, (long)i, "type 0x%02X is not a CD-TEXT pack type (0x80-0x8F)", type);
            continue;
        }
        b->type_packs[type - 0x80]++;
        if (p[1] & 0x80)
            fault(r, (long)i, "the extension flag (byte 1, bit 7) is set, which no writer "
                  "studied uses and this reader does not know");
        if (type < prev_type)
            fault(r, (long)i, "type 0x%02X (%s) after 0x%02X: a block's packs go in ascending "
                  "type order", type, type_name(type), prev_type);
        prev_type = type;
        if (type == PM_CDTEXT_PACK_SIZE) {
            if ((p[1] & 0x7F) != size_packs)
                fault(r, (long)i, "size-information part %d, expected %d", p[1] & 0x7F,
                      size_packs);
            size_packs++;
        }
    }
    if (b)
        end_block(r, b, size_packs);
}

/* ---- pass 3: size information and texts ----------------------------------------------------- */

/* The 36-byte size record from a block's three last packs. */
static void size_record(const reader *r, const pm_cdtext_decoded_block *b, unsigned char rec[36])
{
    for (int part = 0; part < 3; part++)
        memcpy(rec + 12 * part, pack(r, (size_t)(b->first_pack + b->pack_count - 3 + part)) + 4,
               12);
}

static const pm_cdtext_decoded_block *find_block(const pm_cdtext_decoded *d, int number)
{
    for (int k = 0; k < d->block_count; k++)
        if (d->blocks[k].block == number)
            return &d->blocks[k];
    return NULL;
}

static void check_size_info(reader *r, const pm_cdtext_decoded *d, pm_cdtext_decoded_block *b,
                            const unsigned char first_rec[36])
{
    unsigned char rec[36];
    size_record(r, b, rec);
    long p0 = b->first_pack + b->pack_count - 3;
    b->char_code = rec[0];
    b->first_track = rec[1];
    b->last_track = rec[2];
    b->copyright = rec[3];
    b->language = rec[28 + b->block];
    if (rec[0] != PM_CDTEXT_LATIN1 && rec[0] != PM_CDTEXT_ASCII && rec[0] != PM_CDTEXT_MSJIS)
        fault(r, p0, "character code 0x%02X is none of 0x00 (ISO-8859-1), 0x01 (ASCII) and 0x80 "
              "(MS-JIS)", rec[0]);
    if (rec[1] < 1 || rec[1] > rec[2] || rec[2] > PM_CDTEXT_MAX_TRACKS)
        fault(r, p0, "tracks %d to %d: CD-TEXT numbers tracks from 1 to 99, the first no later "
              "than the last", rec[1], rec[2]);
    else if (first_rec && (rec[1] != first_rec[1] || rec[2] != first_rec[2]))
        fault(r, p0, "block %d gives tracks %d to %d, the first block %d to %d", b->block, rec[1],
              rec[2], first_rec[1], first_rec[2]);
    for (int t = 0; t < 16; t++)
        if (rec[4 + t] != b->type_packs[t])
            fault(r, p0 + (t < 8 ? 0 : 1), "the size information counts %d packs of type 0x%02X "
                  "(%s); block %d has %d", rec[4 + t], 0x80 + t, type_name(0x80 + t), b->block,
                  b->type_packs[t]);
    for (int k = 0; k < PM_CDTEXT_MAX_BLOCKS; k++) {
        const pm_cdtext_decoded_block *other = find_block(d, k);
        int last = other ? other->pack_count - 1 : 0;
        /* A block that is missing altogether (a file cut at a block's end) shows here. */
        if (rec[20 + k] != last && other)
            fault(r, p0 + (k < 4 ? 1 : 2), "the size information gives %d as the last sequence "
                  "number of block %d, whose last is %d", rec[20 + k], k, last);
        else if (rec[20 + k] != last)
            fault(r, p0 + (k < 4 ? 1 : 2), "the size information gives %d as the last sequence "
                  "number of block %d, which is not there", rec[20 + k], k);
    }
    if (first_rec && memcmp(rec + 28, first_rec + 28, 8) != 0)
        fault(r, p0 + 2, "the languages of block %d's size information differ from the first "
              "block's", b->block);
    /* Bit 7 of byte 3 says double-byte characters, which only MS-JIS has. */
    int want = rec[0] == PM_CDTEXT_MSJIS;
    for (int i = 0; i < b->pack_count - 3; i++) {
        const unsigned char *p = pack(r, (size_t)(b->first_pack + i));
        if (p[0] <= 0x85 && ((p[3] & 0x80) != 0) != want)
            fault(r, b->first_pack + i, "the double-byte flag is %s in a block of character "
                  "code 0x%02X", want ? "clear" : "set", rec[0]);
    }
}

/* The packs of one type in a block: they are together, types being in ascending order. */
static int type_start(const reader *r, const pm_cdtext_decoded_block *b, int type)
{
    for (int i = 0; i < b->pack_count; i++)
        if (pack(r, (size_t)(b->first_pack + i))[0] == type)
            return b->first_pack + i;
    return -1;
}

/*
 * Split the payloads of a type's packs into items NUL-terminated items; skip leading bytes are
 * not text (the genre code). Checks that every item is there, that the rest is 0x00 fill within
 * the last pack, and each pack's track number and character position (ddp-notes 1.8 bytes 1, 3).
 * On success fills starts[] and buf (count * 12 bytes) and returns 1.
 */
static int split_type(reader *r, const pm_cdtext_decoded_block *b, int type, int items,
                      size_t skip, unsigned char *buf, size_t starts[MAX_ITEMS])
{
    int first = type_start(r, b, type), count = b->type_packs[type - 0x80];
    if (first < 0 || count > PM_CDTEXT_MAX_BLOCK_PACKS) { /* pass 2 rules both out */
        fault(r, b->first_pack, "block %d: its packs of type 0x%02X cannot be read", b->block,
              type);
        return 0;
    }
    size_t used = (size_t)count * PM_CDTEXT_PACK_PAYLOAD, pos = 0;
    for (int j = 0; j < count; j++)
        memcpy(buf + (size_t)j * 12, pack(r, (size_t)(first + j)) + 4, 12);
    int faults = r->faults;
    for (int item = 0; item < items; item++) {
        const unsigned char *nul =
            pos + skip < used ? memchr(buf + pos + skip, 0, used - pos - skip) : NULL;
        if (!nul) {
            fault(r, first + count - 1, "type 0x%02X (%s) of block %d ends after %d of its %d "
                  "texts (the disc's and one per track %d-%d)", type, type_name(type), b->block,
                  item, items, b->first_track, b->last_track);
            return 0;
        }
        starts[item] = pos;
        pos = (size_t)(nul - buf) + 1;
        skip = 0;
    }
    size_t needed = (pos + 11) / 12;
    if ((size_t)count > needed)
        fault(r, first + (long)needed, "holds no text of its own: type 0x%02X (%s) of block %d "
              "needs %zu packs and has %d", type, type_name(type), b->block, needed, count);
    for (size_t k = pos; k < needed * 12; k++)
        if (buf[k]) {
            fault(r, first + (long)(k / 12), "byte %zu of its payload is 0x%02X after the last "
                  "text of type 0x%02X; the rest of a type's last pack is 0x00", k % 12, buf[k],
                  type);
            break;
        }
    for (size_t j = 0; j < needed && j < (size_t)count; j++) {
        const unsigned char *p = pack(r, (size_t)first + j);
        size_t o = j * 12;
        int item = 0;
        while (item + 1 < items && starts[item + 1] <= o)
            item++;
        size_t into = o - starts[item];
        if (type == PM_CDTEXT_PACK_GENRE) /* the code's 2 bytes are not characters */
            into = into < 2 ? 0 : into - 2;
        int track = item ? b->first_track + item - 1 : 0;
        int position = into > 15 ? 15 : (int)into;
        if ((p[1] & 0x7F) != track)
            fault(r, first + (long)j, "track number %d, but its first character belongs to %s "
                  "%d", p[1] & 0x7F, item ? "track" : "the disc, track", track);
        if ((p[3] & 0x0F) != position)
            fault(r, first + (long)j, "character position %d, expected %d (the characters of "
                  "that text in earlier packs, 15 meaning 15 or more)", p[3] & 0x0F, position);
    }
    return r->faults == faults;
}

/* ISO-8859-1 (or ASCII) bytes as a new UTF-8 string. */
static char *latin1_to_utf8(const unsigned char *s, size_t n)
{
    char *out = pm_alloc_array(2 * n + 1, 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            out[k++] = (char)s[i];
        } else {
            out[k++] = (char)(0xC0 | s[i] >> 6);
            out[k++] = (char)(0x80 | (s[i] & 0x3F));
        }
    }
    out[k] = '\0';
    return out;
}

/* A text type (0x80-0x85, 0x8E) as items strings; *out stays NULL when the type is absent. */
static pm_status read_texts(reader *r, const pm_cdtext_decoded_block *b, int type, char ***out)
{
    unsigned char buf[PM_CDTEXT_MAX_BLOCK_PACKS * PM_CDTEXT_PACK_PAYLOAD];
    size_t starts[MAX_ITEMS];
    int items = b->last_track - b->first_track + 2;
    if (!b->type_packs[type - 0x80] || !split_type(r, b, type, items, 0, buf, starts))
        return PM_OK;
    char **texts = pm_alloc_zeroed((size_t)items, sizeof *texts);
    if (!texts)
        return PM_ERR_NOMEM;
    *out = texts;
    for (int item = 0; item < items; item++) {
        const unsigned char *s = buf + starts[item];
        /* A lone TAB means "same as the previous track" (ddp-notes 1.8). */
        if (item >= 2 && s[0] == '\t' && s[1] == 0)
            texts[item] = pm_strdup(texts[item - 1]);
        else
            texts[item] = latin1_to_utf8(s, strlen((const char *)s));
        if (!texts[item])
            return PM_ERR_NOMEM;
    }
    return PM_OK;
}

static pm_status read_genre(reader *r, pm_cdtext_decoded_block *b)
{
    unsigned char buf[PM_CDTEXT_MAX_BLOCK_PACKS * PM_CDTEXT_PACK_PAYLOAD];
    size_t starts[MAX_ITEMS];
    if (!b->type_packs[PM_CDTEXT_PACK_GENRE - 0x80] ||
        !split_type(r, b, PM_CDTEXT_PACK_GENRE, 1, 2, buf, starts))
        return PM_OK;
    b->genre_code = buf[0] << 8 | buf[1];
    b->genre = latin1_to_utf8(buf + 2, strlen((const char *)buf + 2));
    return b->genre ? PM_OK : PM_ERR_NOMEM;
}

static pm_status read_block(reader *r, pm_cdtext_decoded_block *b)
{
    pm_status status = PM_OK;
    if (b->char_code == PM_CDTEXT_MSJIS)
        return PM_OK; /* double-byte texts: structure checked, texts not read */
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT && status == PM_OK; type++)
        status = read_texts(r, b, PM_CDTEXT_PACK_TITLE + type, &b->texts[type]);
    if (status == PM_OK)
        status = read_genre(r, b);
    if (status == PM_OK)
        status = read_texts(r, b, PM_CDTEXT_PACK_CODES, &b->codes);
    return status;
}

static void free_texts(char **texts, int items)
{
    for (int i = 0; texts && i < items; i++)
        free(texts[i]);
    free(texts);
}

void pm_cdtext_decoded_free(pm_cdtext_decoded *d)
{
    if (!d)
        return;
    for (int k = 0; k < d->block_count; k++) {
        pm_cdtext_decoded_block *b = &d->blocks[k];
        int items = b->last_track - b->first_track + 2;
        for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
            free_texts(b->texts[type], items);
        free_texts(b->codes, items);
        free(b->genre);
    }
    free(d);
}

pm_status pm_cdtext_decode(const unsigned char *data, size_t size, const char *name,
                           pm_cdtext_decoded **out, pm_diag *diag)
{
    pm_status status = PM_ERR_INVALID;
    pm_cdtext_decoded *d = NULL;
    if (out)
        *out = NULL;
    if (!out || (!data && size)) {
        pm_diag_add(diag, PM_SEV_ERROR, name, 0, NULL, "pm_cdtext_decode needs data and out");
        return PM_ERR_USAGE;
    }
    /* One trailing 0x00 (the Sonoris sample) is tolerated, as ddp-notes section 0 says. */
    if (size % PM_CDTEXT_PACK_BYTES == 1 && size > 1 && data[size - 1] == 0)
        size--;
    reader r = {data, size / PM_CDTEXT_PACK_BYTES, name, diag, 0};
    d = pm_alloc_zeroed(1, sizeof *d);
    if (!d) {
        status = PM_ERR_NOMEM;
        goto fail;
    }
    check_size_and_crcs(&r, size);
    if (r.faults)
        goto fail;
    check_structure(&r, d);
    if (r.faults)
        goto fail;
    /* Every block repeats the disc's track range and languages: each is held to the first's. */
    unsigned char first_rec[36];
    size_record(&r, &d->blocks[0], first_rec);
    for (int k = 0; k < d->block_count; k++)
        check_size_info(&r, d, &d->blocks[k], k ? first_rec : NULL);
    if (r.faults)
        goto fail;
    for (int k = 0; k < d->block_count; k++) {
        status = read_block(&r, &d->blocks[k]);
        if (status != PM_OK)
            goto fail;
    }
    if (r.faults) {
        status = PM_ERR_INVALID;
        goto fail;
    }
    *out = d;
    return PM_OK;

fail:
    if (r.faults > MAX_REPORTED)
        pm_diag_add(diag, PM_SEV_ERROR, name, 0, NULL, "CD-TEXT: %d further faults not listed",
                    r.faults - MAX_REPORTED);
    pm_cdtext_decoded_free(d);
    return status;
}
