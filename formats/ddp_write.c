/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DDP 2.00 control files as bytes (cd.h): DDPID, DDPMS and PQDESCR from the project's plan,
 * field by field after ddp-notes.md 1.3-1.5, choosing what section 0 recommends where writers
 * disagree. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cd.h"
#include "cd_sheets.h"
#include "cdtime.h"
#include "ddp_read.h"
#include "plan.h"

/* text left-aligned in a field of n bytes, padded with spaces (every ASCII field of the DDP). */
static void put_text(unsigned char *field, size_t n, const char *text)
{
    memset(field, ' ', n);
    size_t len = text ? strlen(text) : 0;
    memcpy(field, text ? text : "", len < n ? len : n);
}

/* value right-aligned and zero-padded in n bytes (Sonoris, HOFA; ddp-notes section 0). */
static void put_number(unsigned char *field, size_t n, long long value)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%0*lld", (int)n, value);
    memcpy(field, digits + strlen(digits) - n, n);
}

unsigned pm_cd_track_control(const pm_track *track)
{
    return (track->emphasis ? 0x1u : 0u) | (track->copy ? 0x2u : 0u);
}

void pm_ddp_id_bytes(const pm_project *p, unsigned char out[PM_DDP_ID_BYTES])
{
    memset(out, ' ', PM_DDP_ID_BYTES);
    put_text(out, 8, "DDP 2.00");
    put_text(out + 8, 13, p->album.upc);
    /* MID (38-85): free text, never on the disc; the catalog number identifies the master. Only
     * printable ASCII, since the record is ASCII. The user text (93-127) is left blank: its
     * offset is disputed (ddp-notes 1.3). */
    char mid[49] = "";
    const char *catalog = p->album.catalog ? p->album.catalog : "";
    size_t n = 0;
    for (; catalog[n] && n < 48; n++)
        mid[n] = catalog[n] >= 0x20 && catalog[n] < 0x7F ? catalog[n] : '_';
    mid[n] = '\0';
    put_text(out + 38, 48, mid);
    put_text(out + 87, 2, "CD");
}

/* One PQ packet (1.5): TRK, IDX, HRS blank, the A-time, CB1 (control nibble in hex, ADR 1). */
static void put_pq(unsigned char *q, int track, int index, int64_t cdf, unsigned control,
                   const char *isrc, const char *upc)
{
    memset(q, ' ', PM_DDP_PQ_BYTES);
    memcpy(q, "VVVS", 4);
    if (track == PM_DDP_LEADOUT)
        memcpy(q + 4, "AA", 2);
    else
        put_number(q + 4, 2, track);
    put_number(q + 6, 2, index);
    put_number(q + 10, 2, cdf / (60 * PM_CD_FRAMES_PER_SEC));
    put_number(q + 12, 2, cdf / PM_CD_FRAMES_PER_SEC % 60);
    put_number(q + 14, 2, cdf % PM_CD_FRAMES_PER_SEC);
    q[16] = (unsigned char)"0123456789ABCDEF"[control & 0xF];
    q[17] = '1';
    put_text(q + 20, 12, isrc);
    put_text(q + 32, 13, upc);
}

pm_status pm_ddp_pq_bytes(const pm_project *p, unsigned char **out, size_t *size)
{
    const pm_plan *plan = p->plan;
    size_t count = 3; /* the lead-in and the lead-out twice */
    for (size_t i = plan->first_track; i < plan->item_count; i++)
        count += 1 + (size_t)plan->items[i].has_index0 + plan->items[i].track->index_count;
    unsigned char *pq = pm_alloc_array(count, PM_DDP_PQ_BYTES);
    *out = NULL;
    *size = 0;
    if (!pq)
        return PM_ERR_NOMEM;
    unsigned char *q = pq;
    /* The lead-in entry at 00:00:00 carries the UPC: the disc's MCN (ddp-notes section 0). */
    put_pq(q, 0, 0, 0, 0, NULL, p->album.upc);
    q += PM_DDP_PQ_BYTES;
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        unsigned control = pm_cd_track_control(it->track);
        /* The ISRC on index 00 and index 01: readers that take only the track's first entry
         * still find it (ddp-notes section 0). */
        const pm_plan_mark *marks[100];
        size_t n = pm_cd_track_marks(it, marks);
        for (size_t k = 0; k < n; k++, q += PM_DDP_PQ_BYTES)
            put_pq(q, it->number, marks[k]->number, marks[k]->cdf, control,
                   marks[k]->number <= 1 ? it->track->isrc : NULL, NULL);
    }
    /* The lead-out, twice, as cue2ddp, Sonoris and HOFA write it; its time is the image's
     * length (DSL of the audio stream). */
    for (int k = 0; k < 2; k++) {
        put_pq(q, PM_DDP_LEADOUT, 1, plan->leadout_cdf, 0, NULL, NULL);
        q += PM_DDP_PQ_BYTES;
    }
    *out = pq;
    *size = count * PM_DDP_PQ_BYTES;
    return PM_OK;
}

/* One map packet (1.4) with the fields every stream has; the caller adds the rest. */
static void put_map(unsigned char *m, const char *dst, long long dsl, const char *sub,
                    const char *dsi)
{
    memset(m, ' ', PM_DDP_MAP_BYTES);
    memcpy(m, "VVVM", 4);
    put_text(m + 4, 2, dst);
    put_number(m + 14, 8, dsl);
    put_text(m + 30, 8, sub);
    put_number(m + 71, 3, PM_DDP_DSI_MAX);
    put_text(m + 74, PM_DDP_DSI_MAX, dsi);
}

size_t pm_ddp_ms_bytes(const pm_project *p, size_t pq_size, size_t cdtext_size,
                       unsigned char out[3 * PM_DDP_MAP_BYTES])
{
    const pm_plan *plan = p->plan;
    unsigned char *m = out;
    /* CD-TEXT, then PQ, then the audio: cue2ddp's and HOFA's order (readers find streams by
     * DST, SUB and CDM, so the order is for people reading the file). */
    if (cdtext_size) {
        put_map(m, "S0", (long long)cdtext_size, "CDTEXT", PM_CD_CDTEXT_NAME);
        put_text(m + 55, 2, "00"); /* TRK 00 on the CD-TEXT packet (cue2ddp, Sonoris) */
        m += PM_DDP_MAP_BYTES;
    }
    put_map(m, "S0", (long long)pq_size, "PQ DESCR", PM_CD_PQ_NAME);
    m += PM_DDP_MAP_BYTES;
    put_map(m, "D0", (long long)plan->leadout_cdf, NULL, PM_CD_IMAGE_NAME);
    put_number(m + 22, 8, 0); /* DSS 0: the image's first byte is A-time 00:00:00 */
    put_text(m + 38, 2, "DA");
    m[40] = '7'; /* SSM: complete 2352-byte sectors */
    m[41] = '0'; /* SCR: not scrambled */
    /* PRE2: the pause included in the stream, track 1's index 0 up to its index 1 (1.6). Its
     * four digits hold 2:13:24; a hidden track that makes the pause longer leaves it blank
     * (readers then take the pause from the PQ entries) rather than wrong. */
    int64_t pause = plan->items[plan->first_track].index1.cdf;
    if (pause <= 9999)
        put_number(m + 46, 4, pause);
    m += PM_DDP_MAP_BYTES;
    return (size_t)(m - out);
}
