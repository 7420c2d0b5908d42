/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the CD-TEXT tests and the fuzz target share: whether decoded packs say what an encoder
 * input said, and an encoder input made from decoded packs (to encode them again).
 */
#ifndef PM_TEST_CDTEXT_COMMON_H
#define PM_TEST_CDTEXT_COMMON_H

#include <stdio.h>
#include <string.h>

#include "cdtext.h"

/* NULL and "" are the same text: both are an empty entry in the packs. */
static inline int cdtext_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* An array of items texts (NULL: absent) against a decoded one (NULL: no packs of the type);
 * a type whose texts are all empty is written as no packs. */
static inline int cdtext_same_items(const char *const *want, char *const *got, int items,
                                    const char *what, int block, char *why, size_t n)
{
    for (int i = 0; i < items; i++) {
        const char *w = want ? want[i] : NULL, *g = got ? got[i] : NULL;
        if (!cdtext_same(w, g)) {
            snprintf(why, n, "block %d %s of item %d: \"%s\", expected \"%s\"", block, what, i,
                     g ? g : "(no packs)", w ? w : "");
            return 0;
        }
    }
    return 1;
}

/* Whether d holds exactly in's texts; why says the first difference. */
static inline int cdtext_matches(const pm_cdtext_decoded *d, const pm_cdtext_input *in, char *why,
                                 size_t n)
{
    if (d->block_count != in->block_count) {
        snprintf(why, n, "%d blocks, expected %d", d->block_count, in->block_count);
        return 0;
    }
    for (int k = 0; k < in->block_count; k++) {
        const pm_cdtext_decoded_block *b = &d->blocks[k];
        const pm_cdtext_block_text *t = &in->blocks[k];
        if (b->block != k || b->language != in->languages[k] || b->first_track != 1 ||
            b->last_track != t->track_count || b->char_code != PM_CDTEXT_LATIN1 ||
            b->copyright != in->copyright) {
            snprintf(why, n, "block %d: number %d, language 0x%02X, tracks %d-%d, code 0x%02X, "
                     "copyright 0x%02X; expected %d, 0x%02X, 1-%d, 0x00, 0x%02X", k, b->block,
                     b->language, b->first_track, b->last_track, b->char_code, b->copyright, k,
                     in->languages[k], t->track_count, in->copyright);
            return 0;
        }
        for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
            if (!cdtext_same_items(t->texts[type], b->texts[type], t->track_count + 1,
                                   pm_cdtext_type_name((pm_cdtext_type)type), k, why, n))
                return 0;
        if (!cdtext_same_items(t->codes, b->codes, t->track_count + 1, "code", k, why, n))
            return 0;
        if (!cdtext_same(t->genre, b->genre) ||
            b->genre_code != pm_cdtext_genre_code(t->genre)) {
            snprintf(why, n, "block %d genre %d \"%s\", expected %d \"%s\"", k, b->genre_code,
                     b->genre ? b->genre : "", pm_cdtext_genre_code(t->genre),
                     t->genre ? t->genre : "");
            return 0;
        }
    }
    return 1;
}

/* An encoder input holding d's texts (borrowed from d), blocks renumbered from 0. */
static inline void cdtext_input_from_decoded(const pm_cdtext_decoded *d, pm_cdtext_input *in)
{
    memset(in, 0, sizeof *in);
    in->block_count = d->block_count;
    in->copyright = d->block_count ? d->blocks[0].copyright : 0;
    for (int k = 0; k < d->block_count; k++) {
        const pm_cdtext_decoded_block *b = &d->blocks[k];
        in->languages[k] = b->language;
        in->blocks[k].track_count = b->last_track - b->first_track + 1;
        for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++)
            in->blocks[k].texts[type] = (const char *const *)b->texts[type];
        in->blocks[k].codes = (const char *const *)b->codes;
        in->blocks[k].genre = b->genre;
    }
}

#endif
