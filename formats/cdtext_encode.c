/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD-TEXT encoder of cdtext.h. One layout routine serves both the pack count that `check`
 * reports (pm_cdtext_block_packs, writer without a buffer) and the packs themselves, so the two
 * can never disagree.
 */
#include "cdtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* Where the packs go; out == NULL only counts them. */
typedef struct writer {
    unsigned char *out;
    size_t packs;       /* packs completed, all blocks */
    int block;          /* the block being written, 0-7 */
    int seq;            /* sequence number of the next pack of this block */
    int open;           /* a pack is open at out + packs * 18 */
    int fill;           /* payload bytes in the open pack */
    int type_packs[16]; /* this block's packs of types 0x80-0x8F so far */
} writer;

/* What the three 0x8F packs of every block repeat about the whole disc. */
typedef struct disc_info {
    int copyright;
    int last_seq[PM_CDTEXT_MAX_BLOCKS];
    int languages[PM_CDTEXT_MAX_BLOCKS];
} disc_info;

static void open_pack(writer *w, int type, int track, size_t position)
{
    if (w->out) {
        unsigned char *p = w->out + w->packs * PM_CDTEXT_PACK_BYTES;
        p[0] = (unsigned char)type;
        p[1] = (unsigned char)track;   /* track of the first payload character; 0x8F: part */
        p[2] = (unsigned char)w->seq;  /* counted from 0 in each block */
        /* Block number in bits 4-6; bit 7 clear (single-byte characters); bits 0-3 how many
         * characters of this text earlier packs hold, 15 meaning 15 or more (ddp-notes 1.8). */
        p[3] = (unsigned char)(w->block << 4 | (position > 15 ? 15 : (int)position));
    }
    w->seq++;
    w->type_packs[type - 0x80]++;
    w->open = 1;
    w->fill = 0;
}

static void close_pack(writer *w)
{
    if (w->out) {
        unsigned char *p = w->out + w->packs * PM_CDTEXT_PACK_BYTES;
        /* The rest of a type's last pack is filled with 0x00 (ddp-notes 1.8). */
        memset(p + 4 + w->fill, 0, (size_t)(PM_CDTEXT_PACK_PAYLOAD - w->fill));
        unsigned crc = pm_cdtext_crc(p);
        p[16] = (unsigned char)(crc >> 8); /* stored big-endian */
        p[17] = (unsigned char)(crc & 0xFF);
    }
    w->packs++;
    w->open = 0;
}

/*
 * One item's bytes (its text and the NUL that ends it), run on from the previous item's pack:
 * texts are not aligned to packs (golden vectors 1 and 2 of ddp-notes 1.8). skip is how many
 * leading bytes are not characters of the text (the genre's 2-byte code), which the character
 * position does not count. bytes is NULL when only counting.
 */
static void put_item(writer *w, int type, int track, const unsigned char *bytes, size_t n,
                     size_t skip)
{
    for (size_t i = 0; i < n; i++) {
        if (!w->open)
            open_pack(w, type, track, i < skip ? 0 : i - skip);
        if (w->out)
            w->out[w->packs * PM_CDTEXT_PACK_BYTES + 4 + (size_t)w->fill] = bytes[i];
        if (++w->fill == PM_CDTEXT_PACK_PAYLOAD)
            close_pack(w);
    }
}

static void finish_type(writer *w)
{
    if (w->open)
        close_pack(w);
}

/*
 * The bytes of a text in the packs: ISO-8859-1 and a NUL, into buf (of size cap) when buf is not
 * NULL. The encoder has checked the text first; counting alone may meet any text, and counts one
 * that is not ISO-8859-1 by its UTF-8 length, as validate.c expects.
 */
static size_t item_bytes(const char *text, unsigned char *buf, size_t cap)
{
    size_t n = 0;
    if (!text)
        text = "";
    if (!buf) {
        if (pm_cdtext_latin1(text, &n, NULL, NULL) != 1)
            n = strlen(text);
        return n + 1;
    }
    const unsigned char *p = (const unsigned char *)text;
    while (*p && n + 1 < cap) {
        if (*p >= 0xC0 && (p[1] & 0xC0) == 0x80) { /* U+0080-U+00FF: 2 bytes, checked before */
            buf[n++] = (unsigned char)((p[0] & 0x1F) << 6 | (p[1] & 0x3F));
            p += 2;
        } else {
            buf[n++] = *p++;
        }
    }
    buf[n++] = 0;
    return n;
}

static int has_text(const char *text)
{
    return text && *text;
}

/* A type is present when the disc or any track has text of it; then every item gets an entry,
 * empty or not (ddp-notes 1.8 rules, after libburn and cdrdao). */
static int type_present(const char *const *texts, int track_count)
{
    if (!texts)
        return 0;
    for (int i = 0; i <= track_count; i++)
        if (has_text(texts[i]))
            return 1;
    return 0;
}

static void put_texts(writer *w, int type, const char *const *texts, int track_count)
{
    unsigned char buf[PM_CDTEXT_MAX_TEXT_BYTES + 2];
    for (int item = 0; item <= track_count; item++) {
        size_t n = item_bytes(texts[item], w->out ? buf : NULL, sizeof buf);
        put_item(w, type, item, w->out ? buf : NULL, n, 0);
    }
    finish_type(w);
}

/* The three 0x8F packs: one 36-byte record split over their payloads (ddp-notes 1.8). */
static void put_size_info(writer *w, int track_count, const disc_info *disc)
{
    unsigned char rec[3 * PM_CDTEXT_PACK_PAYLOAD];
    memset(rec, 0, sizeof rec);
    rec[0] = PM_CDTEXT_LATIN1;
    rec[1] = 1; /* first track */
    rec[2] = (unsigned char)track_count;
    rec[3] = (unsigned char)disc->copyright;
    for (int t = 0; t < 15; t++)
        rec[4 + t] = (unsigned char)w->type_packs[t];
    rec[19] = 3; /* 0x8F counts itself */
    for (int b = 0; b < PM_CDTEXT_MAX_BLOCKS; b++) {
        rec[20 + b] = (unsigned char)disc->last_seq[b];
        rec[28 + b] = (unsigned char)disc->languages[b];
    }
    for (int part = 0; part < 3; part++)
        put_item(w, PM_CDTEXT_PACK_SIZE, part, rec + part * PM_CDTEXT_PACK_PAYLOAD,
                 PM_CDTEXT_PACK_PAYLOAD, PM_CDTEXT_PACK_PAYLOAD);
}

/* One block, in ascending type order (ddp-notes 1.8 rules). disc is NULL when counting. */
static void put_block(writer *w, const pm_cdtext_block_text *b, const disc_info *disc)
{
    static const disc_info none;
    int tracks = b->track_count < 0 ? 0 : b->track_count;
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
        if (type_present(b->texts[type], tracks))
            put_texts(w, PM_CDTEXT_PACK_TITLE + type, b->texts[type], tracks);
    if (has_text(b->genre)) {
        /* 0x87: the disc's genre as a 2-byte big-endian code, then its text. */
        unsigned char buf[2 + PM_CDTEXT_MAX_TEXT_BYTES + 1];
        int code = pm_cdtext_genre_code(b->genre);
        buf[0] = (unsigned char)(code >> 8);
        buf[1] = (unsigned char)(code & 0xFF);
        size_t n = 2 + item_bytes(b->genre, w->out ? buf + 2 : NULL, sizeof buf - 2);
        put_item(w, PM_CDTEXT_PACK_GENRE, 0, w->out ? buf : NULL, n, 2);
        finish_type(w);
    }
    if (type_present(b->codes, tracks))
        put_texts(w, PM_CDTEXT_PACK_CODES, b->codes, tracks);
    put_size_info(w, tracks, disc ? disc : &none);
}

size_t pm_cdtext_block_packs(const pm_cdtext_block_text *block)
{
    writer w;
    memset(&w, 0, sizeof w);
    put_block(&w, block, NULL);
    return w.packs;
}

/* ---- checks before encoding --------------------------------------------------------------- */

static PM_PRINTF(3, 4) void problem(pm_diag *diag, int block, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "CD-TEXT block %d: %s", block, msg);
}

/* One item's text: what validate.c checks at `check` time, and a lone TAB. Returns 1 when good. */
static int check_text(pm_diag *diag, int block, int item, const char *field, const char *text)
{
    char what[64];
    if (!text)
        return 1;
    if (item)
        snprintf(what, sizeof what, "track %d %s", item, field);
    else
        snprintf(what, sizeof what, "the disc's %s", field);
    size_t bytes;
    unsigned long bad;
    char bad_utf8[5];
    int r = pm_cdtext_latin1(text, &bytes, &bad, bad_utf8);
    if (r == 0)
        problem(diag, block, "%s \"%s\": the character '%s' (U+%04lX) is not in ISO-8859-1, the "
                "character set CD-TEXT is written in", what, text, bad_utf8, bad);
    else if (r < 0)
        problem(diag, block, "%s is not valid UTF-8", what);
    else if (bytes > PM_CDTEXT_MAX_TEXT_BYTES)
        problem(diag, block, "%s is %zu bytes in ISO-8859-1, over the 160 an item may hold", what,
                bytes);
    else if (strcmp(text, "\t") == 0)
        problem(diag, block, "%s is a lone TAB, which readers take for \"the same as the "
                "previous track\"", what);
    else
        return 1;
    return 0;
}

static int check_block(pm_diag *diag, int index, const pm_cdtext_block_text *b)
{
    int good = 1;
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
        for (int item = 0; b->texts[type] && item <= b->track_count; item++)
            good &= check_text(diag, index, item, pm_cdtext_type_name((pm_cdtext_type)type),
                               b->texts[type][item]);
    if (check_text(diag, index, 0, "genre", b->genre)) {
        /* The genre's text is ASCII: libcdio decodes it as ASCII and drops any other letter. */
        for (const unsigned char *c = (const unsigned char *)(b->genre ? b->genre : ""); *c; c++)
            if (*c >= 0x80) {
                problem(diag, index, "the genre \"%s\" is not ASCII, which CD-TEXT keeps the "
                        "genre in", b->genre);
                good = 0;
                break;
            }
    } else {
        good = 0;
    }
    for (int item = 0; b->codes && item <= b->track_count; item++)
        good &= check_text(diag, index, item, item ? "ISRC" : "UPC/EAN", b->codes[item]);
    return good;
}

static pm_status check_shape(const pm_cdtext_input *in, pm_diag *diag)
{
    if (in->block_count < 1 || in->block_count > PM_CDTEXT_MAX_BLOCKS) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "CD-TEXT takes 1 to 8 blocks, not %d", in->block_count);
        return PM_ERR_USAGE;
    }
    if (in->copyright != 0x00 && in->copyright != 0x03) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "the CD-TEXT copyright byte is 0x00 or 0x03, not 0x%02X", in->copyright);
        return PM_ERR_USAGE;
    }
    int tracks = in->blocks[0].track_count;
    for (int b = 0; b < in->block_count; b++) {
        if (in->blocks[b].track_count < 1 || in->blocks[b].track_count > PM_CDTEXT_MAX_TRACKS ||
            in->blocks[b].track_count != tracks) {
            problem(diag, b, "has %d tracks; CD-TEXT takes 1 to 99, the same in every block",
                    in->blocks[b].track_count);
            return PM_ERR_USAGE;
        }
    }
    return PM_OK;
}

pm_status pm_cdtext_encode(const pm_cdtext_input *in, unsigned char **out, size_t *size,
                           pm_diag *diag)
{
    pm_status status = PM_OK;
    unsigned char *buf = NULL;
    if (out)
        *out = NULL;
    if (size)
        *size = 0;
    if (!in || !out || !size) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "pm_cdtext_encode needs in, out and size");
        return PM_ERR_USAGE;
    }
    status = check_shape(in, diag);
    if (status != PM_OK)
        goto fail;

    disc_info disc;
    memset(&disc, 0, sizeof disc);
    disc.copyright = in->copyright;
    size_t total = 0;
    int good = 1;
    for (int b = 0; b < in->block_count; b++) {
        if (in->languages[b] < 0 || in->languages[b] > 0x7F) {
            problem(diag, b, "has no language code CD-TEXT knows (%d)", in->languages[b]);
            good = 0;
        }
        if (!check_block(diag, b, &in->blocks[b])) {
            good = 0;
            continue;
        }
        size_t packs = pm_cdtext_block_packs(&in->blocks[b]);
        if (packs > PM_CDTEXT_MAX_BLOCK_PACKS) {
            problem(diag, b, "needs %zu packs, over the 256 a block may hold (ddp-notes 1.8); "
                    "shorten its texts", packs);
            good = 0;
        }
        /* The size information of every block lists every block's last sequence number and
         * language (ddp-notes 1.8, offsets 20-35), so every block is sized before any is
         * written. */
        disc.last_seq[b] = (int)packs - 1;
        disc.languages[b] = in->languages[b];
        total += packs;
    }
    if (!good) {
        status = PM_ERR_INVALID;
        goto fail;
    }

    buf = pm_alloc_array(total, PM_CDTEXT_PACK_BYTES);
    if (!buf) {
        status = PM_ERR_NOMEM;
        goto fail;
    }
    writer w;
    memset(&w, 0, sizeof w);
    w.out = buf;
    for (int b = 0; b < in->block_count; b++) {
        w.block = b;
        w.seq = 0;
        memset(w.type_packs, 0, sizeof w.type_packs);
        put_block(&w, &in->blocks[b], &disc);
    }
    if (w.packs != total) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "CD-TEXT: %zu packs written where %zu were counted", w.packs, total);
        status = PM_ERR_INTERNAL;
        goto fail;
    }
    *out = buf;
    *size = total * PM_CDTEXT_PACK_BYTES;
    return PM_OK;

fail:
    free(buf);
    return status;
}
