/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PQ entries of a DDP fileset laid out as tracks (ddp_read.h), for info, verify and extract.
 * Section numbers are those of ddp-notes.md. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cdtime.h"
#include "ddp_read.h"

/* "track 02 index 01", "the lead-in", "the lead-out", for messages. */
static void entry_name(const pm_ddp_pq *q, char *out, size_t size)
{
    if (q->track == PM_DDP_LEADOUT)
        snprintf(out, size, "lead-out, index %02d", q->index);
    else if (q->track == 0)
        snprintf(out, size, "lead-in, index %02d", q->index);
    else
        snprintf(out, size, "track %02d index %02d", q->track, q->index);
}

static void pq_fault(const pm_ddp *ddp, pm_diag *diag, const pm_ddp_pq *q, const char *fmt,
                     ...) PM_PRINTF(4, 5);

static void pq_fault(const pm_ddp *ddp, pm_diag *diag, const pm_ddp_pq *q, const char *fmt, ...)
{
    char path[4200], what[64], time[16], message[1024];
    pm_ddp_path(ddp, ddp->maps[ddp->pq_map].file, path, sizeof path);
    entry_name(q, what, sizeof what);
    pm_cdf_format(q->cdf, time, sizeof time);
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "packet %d (%s at %s): %s", q->number, what,
                time, message);
}

static pm_ddp_track *add_track(pm_ddp_layout *layout, size_t *capacity, int number)
{
    if (pm_grow((void **)&layout->tracks, capacity, (size_t)layout->track_count,
                sizeof *layout->tracks))
        return NULL;
    pm_ddp_track *t = &layout->tracks[layout->track_count++];
    memset(t, 0, sizeof *t);
    t->number = number;
    for (int i = 0; i < 100; i++)
        t->index_cdf[i] = -1;
    t->last_index = -1;
    return t;
}

/* The image's length in sectors: DSL of the audio stream, else its file's size. -1 if neither. */
static int64_t image_sectors(const pm_ddp *ddp)
{
    if (ddp->audio >= 0 && ddp->maps[ddp->audio].dsl >= 0)
        return ddp->maps[ddp->audio].dsl;
    if (ddp->image_size >= 0)
        return ddp->image_size / PM_CD_BYTES_PER_SECTOR;
    return -1;
}

/* Walk the entries in file order: the order 1.5 gives (the lead-in, then each track's indexes
 * in turn, then the lead-out), with times that never go back. */
static int walk(const pm_ddp *ddp, pm_ddp_layout *layout, size_t *capacity, pm_diag *diag)
{
    int good = 1;
    int last_track = -1, last_index = -1;
    int64_t last_cdf = 0;
    const pm_ddp_pq *last = NULL;
    for (size_t i = 0; i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        int was_good = good;
        char before[64];
        if (last)
            entry_name(last, before, sizeof before);
        if (q->track == PM_DDP_LEADOUT) {
            if (layout->leadout_cdf < 0)
                layout->leadout_cdf = q->cdf;
        } else if (last_track == PM_DDP_LEADOUT) {
            pq_fault(ddp, diag, q, "comes after the lead-out; the lead-out entries are last");
            good = 0;
        } else if (q->track == 0) {
            if (last_track > 0) {
                pq_fault(ddp, diag, q, "the lead-in entry comes after %s; it is the first", before);
                good = 0;
            }
        } else if (q->track < last_track) {
            pq_fault(ddp, diag, q, "comes after %s: the entries are out of order, track by track "
                     "and index by index", before);
            good = 0;
        } else if (q->track == last_track) {
            if (q->index <= last_index) {
                pq_fault(ddp, diag, q, "comes after %s: the entries are out of order, index "
                         "numbers go up within a track", before);
                good = 0;
            }
        } else if (q->track != (last_track > 0 ? last_track + 1 : 1)) {
            pq_fault(ddp, diag, q, "follows %s: tracks are numbered from 01 without a gap, so "
                     "track %02d should come next", last ? before : "nothing",
                     last_track > 0 ? last_track + 1 : 1);
            good = 0;
        }
        /* A time going back is worth its own message only where the order itself is right. */
        if (last && q->cdf < last_cdf && good == was_good) {
            char t[16];
            pm_cdf_format(last_cdf, t, sizeof t);
            pq_fault(ddp, diag, q, "is earlier than %s at %s: the entries are out of order, "
                     "PQ times only increase", before, t);
            good = 0;
        }
        if (good && q->track >= 1 && q->track <= PM_CD_MAX_TRACKS) {
            pm_ddp_track *t = layout->track_count &&
                                      layout->tracks[layout->track_count - 1].number == q->track
                                  ? &layout->tracks[layout->track_count - 1]
                                  : add_track(layout, capacity, q->track);
            if (!t)
                return -1;
            if (!t->first)
                t->first = q;
            t->index_cdf[q->index] = q->cdf;
            if (q->index > t->last_index)
                t->last_index = q->index;
            if (q->index == 1 || !t->adr) {
                t->control = q->control;
                t->adr = q->adr;
            }
            if (!t->isrc[0] && q->isrc[0])
                snprintf(t->isrc, sizeof t->isrc, "%s", q->isrc);
        }
        if (!layout->upc[0] && q->upc[0])
            snprintf(layout->upc, sizeof layout->upc, "%s", q->upc);
        last = q;
        last_track = q->track;
        last_index = q->index;
        if (q->cdf > last_cdf)
            last_cdf = q->cdf;
    }
    return good;
}

pm_status pm_ddp_layout_build(const pm_ddp *ddp, pm_ddp_layout *layout, pm_diag *diag)
{
    memset(layout, 0, sizeof *layout);
    layout->leadout_cdf = -1;
    if (ddp->pq_map < 0 || !ddp->pq)
        return PM_ERR_INVALID; /* the reader said why */
    size_t capacity = 0;
    int good = walk(ddp, layout, &capacity, diag);
    if (good < 0) {
        pm_ddp_layout_fini(layout);
        return PM_ERR_NOMEM;
    }
    char path[4200];
    pm_ddp_path(ddp, ddp->maps[ddp->pq_map].file, path, sizeof path);
    if (layout->leadout_cdf < 0) {
        layout->leadout_cdf = image_sectors(ddp);
        if (layout->leadout_cdf < 0) {
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "has no lead-out entry (TRK AA), and "
                        "the image's length is not known either: the last track has no end");
            good = 0;
        }
    }
    if (good && layout->track_count == 0) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "has no track entry: a CD has 1 to 99 "
                    "tracks, each with an index 01 entry");
        good = 0;
    }
    for (int k = 0; good && k < layout->track_count; k++) {
        pm_ddp_track *t = &layout->tracks[k];
        if (t->index_cdf[1] < 0) {
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "track %02d has no index 01 entry: "
                        "every track starts at its index 01 (Red Book)", t->number);
            good = 0;
            continue;
        }
        const pm_ddp_track *next = k + 1 < layout->track_count ? &layout->tracks[k + 1] : NULL;
        /* The end as cdrdao measures it (the next track's first mark) for the 4 s rule; the next
         * index 1 for extraction, so that the pause before a track ends the one before it. */
        t->end_cdf = next ? next->first->cdf : layout->leadout_cdf;
        t->next_cdf = next && next->index_cdf[1] >= 0 ? next->index_cdf[1] : layout->leadout_cdf;
    }
    for (size_t i = 0; good && i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        if (q->track != PM_DDP_LEADOUT && q->cdf > layout->leadout_cdf) {
            char t[16];
            pm_cdf_format(layout->leadout_cdf, t, sizeof t);
            pq_fault(ddp, diag, q, "is past the end of the program at %s (the lead-out)", t);
            good = 0;
        }
    }
    if (!good) {
        pm_ddp_layout_fini(layout);
        return PM_ERR_INVALID;
    }
    return PM_OK;
}

void pm_ddp_layout_fini(pm_ddp_layout *layout)
{
    free(layout->tracks);
    layout->tracks = NULL;
    layout->track_count = 0;
}
