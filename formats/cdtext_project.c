/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The encoder's input from the project model (cdtext.h): which text goes in which block. Both
 * the CD stage and `check` (validate.c, counting packs) build it here, so what `check` passes is
 * what the encoder writes.
 */
#include "cdtext.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "project.h"

static const char *field(const pm_text *t, int type)
{
    switch (type) {
    case PM_CDTEXT_TITLE: return t->title;
    case PM_CDTEXT_PERFORMER: return t->artist;
    case PM_CDTEXT_SONGWRITER: return t->songwriter;
    case PM_CDTEXT_COMPOSER: return t->composer;
    case PM_CDTEXT_ARRANGER: return t->arranger;
    default: return t->message;
    }
}

/* The track's own <cdtext> in this language, or NULL. */
static const pm_text *track_text_in(const pm_track *t, const char *language)
{
    for (size_t k = 0; k < t->cdtext_count; k++)
        if (strcmp(t->cdtext[k].language, language) == 0)
            return &t->cdtext[k].text;
    return NULL;
}

pm_status pm_cdtext_input_from_project(const pm_project *p, pm_cdtext_input *in, pm_diag *diag)
{
    if (!in)
        return PM_ERR_USAGE;
    memset(in, 0, sizeof *in);
    if (!p)
        return PM_ERR_USAGE;
    size_t tracks = p->track_count, blocks = 1 + p->album.cdtext_count;
    if (tracks < 1 || tracks > PM_CDTEXT_MAX_TRACKS || blocks > PM_CDTEXT_MAX_BLOCKS) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, p->album.line, NULL,
                    "CD-TEXT takes 1 to 99 tracks and 1 to 8 blocks; the project has %zu tracks "
                    "and %zu blocks", tracks, blocks);
        return PM_ERR_INVALID;
    }
    size_t items = tracks + 1;
    /* One array per block and type, then the codes, which every block shares. */
    const char **store = pm_alloc_zeroed((blocks * PM_CDTEXT_TYPE_COUNT + 1) * items,
                                         sizeof *store);
    if (!store)
        return PM_ERR_NOMEM;
    in->storage = (void *)store;
    const char **codes = store + blocks * PM_CDTEXT_TYPE_COUNT * items;
    codes[0] = p->album.upc; /* "" when absent: an empty entry */
    for (size_t k = 1; k <= tracks; k++)
        codes[k] = p->tracks[k - 1].isrc;

    const pm_text *main_disc = &p->album.text;
    for (size_t b = 0; b < blocks; b++) {
        const pm_text *disc = b ? &p->album.cdtext[b - 1].text : main_disc;
        const char *language = b ? p->album.cdtext[b - 1].language : p->album.language;
        in->languages[b] = pm_cdtext_language_code(language);
        for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
            const char **texts = store + (b * PM_CDTEXT_TYPE_COUNT + (size_t)type) * items;
            /* A field a block leaves out is the main text's: names seldom translate. */
            texts[0] = field(disc, type) ? field(disc, type) : field(main_disc, type);
            for (size_t k = 1; k <= tracks; k++) {
                const pm_track *t = &p->tracks[k - 1];
                const pm_text *own = b ? track_text_in(t, language) : NULL;
                const char *text = own ? field(own, type) : NULL;
                if (!text)
                    text = field(&t->text, type);
                /* A track's artist defaults to the album's (PROJECT-FORMAT.md). */
                if (!text && type == PM_CDTEXT_PERFORMER)
                    text = texts[0];
                texts[k] = text;
            }
            in->blocks[b].texts[type] = texts;
        }
        in->blocks[b].track_count = (int)tracks;
        in->blocks[b].genre = p->album.genre;
        in->blocks[b].codes = p->cd.cdtext_isrc ? codes : NULL;
    }
    in->block_count = (int)blocks;
    in->copyright = 0x00; /* as both golden vectors of ddp-notes 1.8 */
    return PM_OK;
}

void pm_cdtext_input_fini(pm_cdtext_input *in)
{
    if (!in)
        return;
    free(in->storage);
    in->storage = NULL;
    in->block_count = 0;
}
