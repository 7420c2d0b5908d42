/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pm_ddp_verify: the rules a DDP fileset must keep (ddp-notes.md sections 1 and 2). The reader
 * has already reported what it could not parse and which files are missing; this adds the rest,
 * each fault once, naming the file and the field. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdtime.h"
#include "codes.h"
#include "ddp_read.h"

/* A check in progress: the fileset, where the faults go, and the PQ file's name. */
typedef struct checker {
    const pm_ddp *ddp;
    pm_diag *diag;
    const char *pq_file;
} checker;

static void say(const checker *c, pm_severity severity, const char *name, const char *fmt, ...)
    PM_PRINTF(4, 5);

static void say(const checker *c, pm_severity severity, const char *name, const char *fmt, ...)
{
    char path[4200];
    pm_ddp_path(c->ddp, name, path, sizeof path);
    va_list args;
    va_start(args, fmt);
    pm_diag_vadd(c->diag, severity, path, 0, NULL, fmt, args);
    va_end(args);
}

static void entry_label(const pm_ddp_pq *q, char *out, size_t size)
{
    char t[16];
    pm_cdf_format(q->cdf, t, sizeof t);
    if (q->track == PM_DDP_LEADOUT)
        snprintf(out, size, "packet %d (lead-out at %s)", q->number, t);
    else if (q->track == 0)
        snprintf(out, size, "packet %d (lead-in at %s)", q->number, t);
    else
        snprintf(out, size, "packet %d (track %02d index %02d at %s)", q->number, q->track,
                 q->index, t);
}

/* ---------------------------------------------------------------------------------------------
 * UPC/EAN and ISRC (ddp-notes 2: GS1 mod-10 check digit; ISO 3901 layout).
 */
static void check_upc(const checker *c, const char *file, const char *where, const char *upc,
                      char normal[14])
{
    int expected = 0;
    pm_code_problem p = pm_upc_normalize(upc, normal, &expected);
    if (p == PM_CODE_CHECK_DIGIT)
        say(c, PM_SEV_ERROR, file, "%s: UPC/EAN %s has check digit %c where its first 12 digits "
            "call for %d (GS1 mod 10)", where, upc, upc[strlen(upc) - 1], expected);
    else if (p != PM_CODE_OK)
        say(c, PM_SEV_ERROR, file, "%s: UPC/EAN \"%s\" is not 13 digits (EAN-13) or 12 "
            "(UPC-A)", where, upc);
    if (p != PM_CODE_OK)
        normal[0] = '\0';
}

static int check_isrc(const checker *c, const pm_ddp_pq *q)
{
    char normal[13], where[96];
    pm_code_problem p = pm_isrc_normalize(q->isrc, normal);
    if (p == PM_CODE_OK && strcmp(normal, q->isrc) == 0)
        return 1;
    entry_label(q, where, sizeof where);
    if (p == PM_CODE_OK || p == PM_CODE_LOWERCASE)
        say(c, PM_SEV_ERROR, c->pq_file, "%s: ISRC \"%s\" is written as %s on a disc: 12 "
            "characters, uppercase, no dashes", where, q->isrc, normal);
    else
        say(c, PM_SEV_ERROR, c->pq_file, "%s: ISRC \"%s\" is not an ISRC: 2 letters (country), "
            "3 letters or digits (registrant), 2 digits (year), 5 digits (designation), as "
            "USABC2400001", where, q->isrc);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * DDPID and DDPMS.
 */
static void check_id(const checker *c, char upc[14])
{
    const pm_ddp_id *id = &c->ddp->id;
    upc[0] = '\0';
    if (!c->ddp->have_id)
        return; /* the reader said why */
    /* ddpLib knows DDP 1.01, 2.00 and 2.10 (1.3). */
    if (strcmp(id->level, "DDP 2.00") != 0 && strcmp(id->level, "DDP 1.01") != 0 &&
        strcmp(id->level, "DDP 2.10") != 0 && strcmp(id->level, "DDP 1.00") != 0)
        say(c, PM_SEV_WARNING, "DDPID", "DDPID is \"%s\"; premaster knows DDP 1.00, 1.01, 2.00 "
            "and 2.10 and reads it as those", id->level);
    if (*id->type && strcmp(id->type, "CD") != 0)
        say(c, PM_SEV_ERROR, "DDPID", "TYPE is \"%s\": this is not a CD fileset (TYPE CD)",
            id->type);
    if (*id->upc)
        check_upc(c, "DDPID", "UPC (bytes 8-20)", id->upc, upc);
}

static void check_map(const checker *c, const pm_ddp_map *m)
{
    if (!m->file)
        return; /* missing: the reader said so */
    char label[64];
    snprintf(label, sizeof label, "map packet %d (%s %s)", m->number, m->dst, m->dsi);
    if (m->dsl < 0) {
        say(c, PM_SEV_ERROR, "DDPMS", "%s: DSL is blank; it gives the stream's length", label);
        return;
    }
    if (m->dst[0] == 'S' || m->dst[0] == 'T') {
        /* Subcode and text streams: DSL counts bytes (1.4). */
        if (m->file_size != m->dsl)
            say(c, PM_SEV_ERROR, m->file, "is %lld bytes, but DSL of %s gives %lld",
                (long long)m->file_size, label, (long long)m->dsl);
    } else if (m->role == PM_DDP_ROLE_AUDIO) {
        /* The audio image: 2352-byte sectors, DSL of them (1.7). */
        if (m->file_size % PM_CD_BYTES_PER_SECTOR)
            say(c, PM_SEV_ERROR, m->file, "is %lld bytes, not a whole number of %d-byte sectors "
                "(%lld sectors and %lld bytes)", (long long)m->file_size, PM_CD_BYTES_PER_SECTOR,
                (long long)(m->file_size / PM_CD_BYTES_PER_SECTOR),
                (long long)(m->file_size % PM_CD_BYTES_PER_SECTOR));
        if (m->file_size != m->dsl * PM_CD_BYTES_PER_SECTOR)
            say(c, PM_SEV_ERROR, m->file, "is %lld bytes, but DSL of %s gives %lld sectors of "
                "%d bytes, %lld bytes%s", (long long)m->file_size, label, (long long)m->dsl,
                PM_CD_BYTES_PER_SECTOR, (long long)(m->dsl * PM_CD_BYTES_PER_SECTOR),
                m->file_size < m->dsl * PM_CD_BYTES_PER_SECTOR ? ": it is truncated" : "");
    } else if (m->role == PM_DDP_ROLE_DATA) {
        say(c, PM_SEV_NOTE, "DDPMS", "%s: a data stream (CDM %s); premaster checks audio only",
            label, m->cdm);
    }
    if (m->role != PM_DDP_ROLE_AUDIO)
        return;
    /* Section 0: SSM 0 or 7, SCR 0, 1 or blank, DSS blank or 0; CDM DA. */
    if (m->ssm != '0' && m->ssm != '7')
        say(c, PM_SEV_ERROR, "DDPMS", "%s: SSM is '%c'; audio is stored as complete 2352-byte "
            "sectors, SSM 7 (or 0)", label, m->ssm);
    if (m->scr != '0' && m->scr != '1' && m->scr != ' ')
        say(c, PM_SEV_WARNING, "DDPMS", "%s: SCR is '%c' where 0, 1 or blank is expected", label,
            m->scr);
    if (m->dss > 0)
        say(c, PM_SEV_ERROR, "DDPMS", "%s: DSS is %lld; premaster reads images whose PQ time "
            "00:00:00 is their first byte (DSS blank or 0)", label, (long long)m->dss);
    if (m->ofs > 0)
        say(c, PM_SEV_ERROR, "DDPMS", "%s: OFS is %lld; premaster reads images that start at "
            "their first byte (OFS blank or 0)", label, (long long)m->ofs);
    if (!*m->cdm)
        say(c, PM_SEV_WARNING, "DDPMS", "%s: CDM is blank; an audio stream says DA", label);
    if (m->pre2 < 0)
        say(c, PM_SEV_WARNING, "DDPMS", "%s: PRE2 is blank; it gives the pause before track 1 "
            "held in the image (150 sectors or more)", label);
}

/* CD-TEXT through the decoder of formats/cdtext.h (ddp-notes 1.8): size, CRCs, sequence numbers,
 * block order, size information, a text for the disc and every track. */
static pm_status check_cdtext(const checker *c)
{
    const pm_ddp *ddp = c->ddp;
    if (ddp->cdtext_map < 0 || !ddp->cdtext)
        return PM_OK;
    char path[4200];
    pm_ddp_path(ddp, ddp->maps[ddp->cdtext_map].file, path, sizeof path);
    pm_cdtext_decoded *decoded = NULL;
    pm_status status = pm_cdtext_decode(ddp->cdtext, ddp->cdtext_size, path, &decoded, c->diag);
    pm_cdtext_decoded_free(decoded);
    return status == PM_ERR_NOMEM ? status : PM_OK;
}

/* The CD-TEXT's tracks and codes against the PQ's: a text for each track the disc has, and the
 * same UPC and ISRCs where its 0x8E packs give them. */
static void check_cdtext_tracks(const checker *c, const pm_ddp_layout *l)
{
    const pm_cdtext_decoded *d = c->ddp->cdtext_text;
    if (!d || d->block_count < 1)
        return;
    const char *file = c->ddp->maps[c->ddp->cdtext_map].file;
    const pm_cdtext_decoded_block *b = &d->blocks[0];
    if (b->first_track != 1 || b->last_track != l->track_count)
        say(c, PM_SEV_ERROR, file, "CD-TEXT gives texts for tracks %d to %d, but the disc has "
            "tracks 1 to %d", b->first_track, b->last_track, l->track_count);
    if (!b->codes)
        return;
    char upc[14];
    if (b->codes[0] && *b->codes[0] && *l->upc &&
        pm_upc_normalize(l->upc, upc, NULL) == PM_CODE_OK && strcmp(b->codes[0], upc) != 0)
        say(c, PM_SEV_WARNING, file, "the CD-TEXT UPC/EAN %s is not the disc's, %s", b->codes[0],
            upc);
    for (int k = 0; k < l->track_count; k++) {
        int i = l->tracks[k].number - b->first_track + 1;
        if (i < 1 || i > b->last_track - b->first_track + 1)
            continue;
        const char *isrc = b->codes[i], *pq = l->tracks[k].isrc;
        if (isrc && *isrc && strcmp(isrc, pq) != 0)
            say(c, PM_SEV_WARNING, file, "the CD-TEXT ISRC of track %02d, %s, is not the PQ's, "
                "%s", l->tracks[k].number, isrc, *pq ? pq : "none");
    }
}

/* ---------------------------------------------------------------------------------------------
 * The PQ entries one by one (1.5), and the lead-in and lead-out entries.
 */
static void check_entries(const checker *c, int64_t sectors)
{
    const pm_ddp *ddp = c->ddp;
    int leadouts = 0, leadins = 0;
    int64_t first_leadout = -1;
    char where[96], t[16];
    for (size_t i = 0; i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        entry_label(q, where, sizeof where);
        if (q->seconds > 59 || q->frames > 74)
            say(c, PM_SEV_ERROR, c->pq_file, "%s: SEC %02d FRM %02d out of range: seconds go "
                "from 00 to 59, frames from 00 to 74", where, q->seconds, q->frames);
        if (q->hours > 0)
            say(c, PM_SEV_WARNING, c->pq_file, "%s: HRS is %02d; the field is reserved (blank or "
                "00) and premaster ignores it", where, q->hours);
        if (q->adr != '1' && q->adr != 'S')
            say(c, PM_SEV_ERROR, c->pq_file, "%s: CB1 ends in '%c' where '1' (ADR 1) or 'S' "
                "(SCMS) is expected", where, q->adr);
        if (q->control & 0x4)
            say(c, PM_SEV_ERROR, c->pq_file, "%s: CB1 control %X has the data bit (4) set on an "
                "audio disc", where, q->control);
        if (q->track == 0) {
            leadins++;
            if (q->index != 0 || q->cdf != 0)
                say(c, PM_SEV_WARNING, c->pq_file, "%s: the lead-in entry is index 00 at "
                    "00:00:00 in every writer's output", where);
        } else if (q->track == PM_DDP_LEADOUT) {
            leadouts++;
            if (q->index != 1)
                say(c, PM_SEV_ERROR, c->pq_file, "%s: IDX is %02d; the lead-out is index 01",
                    where, q->index);
            if (first_leadout < 0)
                first_leadout = q->cdf;
            else if (q->cdf != first_leadout) {
                pm_cdf_format(first_leadout, t, sizeof t);
                say(c, PM_SEV_ERROR, c->pq_file, "%s: a second lead-out entry at another time "
                    "than the first (%s)", where, t);
            }
        } else {
            /* The flags of each track: 4CH is practically unused (ddpinfo rejects A1/B1), and
             * cue2ddp refuses copy-permitted together with SCMS (ddp-notes 2). */
            if (q->control & 0x8)
                say(c, PM_SEV_WARNING, c->pq_file, "%s: CB1 control %X asks for four-channel "
                    "audio, which players and plants do not support", where, q->control);
            if (q->adr == 'S' && (q->control & 0x2))
                say(c, PM_SEV_WARNING, c->pq_file, "%s: SCMS together with digital copy "
                    "permitted; cue2ddp refuses this pair", where);
            if (q->isrc[0])
                check_isrc(c, q);
        }
        if ((q->track == 0 || q->track == PM_DDP_LEADOUT) && q->isrc[0])
            say(c, PM_SEV_WARNING, c->pq_file, "%s: an ISRC on the %s entry belongs to no track",
                where, q->track ? "lead-out" : "lead-in");
    }
    /* Section 0: one lead-out entry or two (cue2ddp, Sonoris and HOFA write two). */
    if (leadouts == 0)
        say(c, PM_SEV_ERROR, c->pq_file, "has no lead-out entry (TRK AA, IDX 01)");
    else if (leadouts > 2)
        say(c, PM_SEV_ERROR, c->pq_file, "has %d lead-out entries; writers give one or two",
            leadouts);
    if (first_leadout >= 0 && sectors >= 0 && first_leadout != sectors) {
        pm_cdf_format(first_leadout, t, sizeof t);
        char s[16];
        pm_cdf_format(sectors, s, sizeof s);
        say(c, PM_SEV_ERROR, c->pq_file, "the lead-out is at %s (%lld sectors) but the audio "
            "stream's DSL is %lld sectors (%s); they are the same time (1.6)", t,
            (long long)first_leadout, (long long)sectors, s);
    }
    if (leadins == 0)
        say(c, PM_SEV_WARNING, c->pq_file, "has no lead-in entry (TRK 00, IDX 00), where the UPC "
            "is carried");
    else if (leadins > 1)
        say(c, PM_SEV_ERROR, c->pq_file, "has %d lead-in entries; there is one", leadins);
}

/* The UPC of the PQ stream against itself and DDPID's. */
static void check_pq_upc(const checker *c, const char *id_upc)
{
    const pm_ddp *ddp = c->ddp;
    char first[14] = "", where[96];
    for (size_t i = 0; i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        if (!q->upc[0])
            continue;
        entry_label(q, where, sizeof where);
        char normal[14];
        check_upc(c, c->pq_file, where, q->upc, normal);
        if (!normal[0])
            continue;
        if (!first[0]) {
            memcpy(first, normal, sizeof first);
            if (q->track != 0)
                say(c, PM_SEV_WARNING, c->pq_file, "%s: the UPC is carried by the lead-in entry "
                    "(ddpLib: one UPC, in the first packet)", where);
        } else if (strcmp(first, normal) != 0) {
            say(c, PM_SEV_ERROR, c->pq_file, "%s: a second UPC/EAN %s differs from the first, "
                "%s; a disc has one", where, normal, first);
        }
    }
    if (first[0] && id_upc[0] && strcmp(first, id_upc) != 0)
        say(c, PM_SEV_ERROR, c->pq_file, "the UPC/EAN of the PQ stream, %s, is not DDPID's, %s",
            first, id_upc);
    else if (!first[0] && id_upc[0])
        /* Section 0: masters with the UPC only in DDPID press without an MCN. */
        say(c, PM_SEV_WARNING, c->pq_file, "carries no UPC/EAN, though DDPID gives %s: the disc "
            "will have no MCN", id_upc);
}

/* ---------------------------------------------------------------------------------------------
 * Red Book rules over the tracks (ddp-notes 2).
 */
static void check_tracks(const checker *c, const pm_ddp_layout *l)
{
    const pm_ddp *ddp = c->ddp;
    char a[16], b[16];
    const pm_ddp_track *first = &l->tracks[0];
    /* 1.6: the image holds track 1's pause; its index 00 is at 00:00:00, its first byte. */
    if (first->index_cdf[0] != 0)
        say(c, PM_SEV_ERROR, c->pq_file, "track 01 has no index 00 entry at 00:00:00: the image "
            "starts with track 1's pause, marked by its index 00 at the image's first byte");
    int64_t pause = first->index_cdf[1] - (first->index_cdf[0] > 0 ? first->index_cdf[0] : 0);
    if (first->index_cdf[1] < PM_CD_PAUSE_MIN_CDF) {
        pm_cdf_format(first->index_cdf[1], a, sizeof a);
        say(c, PM_SEV_ERROR, c->pq_file, "track 01 starts (index 01) at %s; a CD needs at least "
            "2 s (00:02:00, 150 sectors) before track 1 (Red Book)", a);
    } else if (first->index_cdf[1] > PM_CD_PAUSE_MIN_CDF) {
        pm_cdf_format(first->index_cdf[1] - PM_CD_PAUSE_MIN_CDF, a, sizeof a);
        say(c, PM_SEV_NOTE, c->pq_file, "track 01's index 00 lasts %s more than the 2 s pause: "
            "a longer pause or a hidden track", a);
    }
    if (ddp->audio >= 0) {
        const pm_ddp_map *m = &ddp->maps[ddp->audio];
        if (m->pre2 >= 0 && m->pre2 != pause && first->index_cdf[0] == 0)
            say(c, PM_SEV_ERROR, "DDPMS", "map packet %d (%s %s): PRE2 is %d sectors, but track "
                "01's index 00 lasts %lld sectors; PRE2 gives that length (1.6)", m->number,
                m->dst, m->dsi, m->pre2, (long long)pause);
    }
    for (int k = 0; k < l->track_count; k++) {
        const pm_ddp_track *t = &l->tracks[k];
        /* Index numbers go up by one from 01 (00 optional) (ddp-notes 2). */
        for (int i = 2; i <= t->last_index; i++)
            if (t->index_cdf[i] < 0 && t->index_cdf[i - 1] >= 0)
                say(c, PM_SEV_ERROR, c->pq_file, "track %02d: index %02d is missing; index "
                    "numbers go up by one", t->number, i);
        int64_t previous = -1;
        for (int i = 0; i <= t->last_index; i++) {
            if (t->index_cdf[i] < 0)
                continue;
            if (t->index_cdf[i] == previous) {
                pm_cdf_format(previous, a, sizeof a);
                say(c, PM_SEV_ERROR, c->pq_file, "track %02d: index %02d is at %s, the same time "
                    "as the index before it; each index lasts at least one sector", t->number, i,
                    a);
            }
            previous = t->index_cdf[i];
        }
        if (k > 0 && t->index_cdf[0] >= 0 && t->index_cdf[0] == l->tracks[k - 1].index_cdf[1]) {
            pm_cdf_format(t->index_cdf[0], a, sizeof a);
            say(c, PM_SEV_ERROR, c->pq_file, "track %02d: index 00 is at %s, where track %02d "
                "starts", t->number, a, t->number - 1);
        }
        /* cdrdao's measure, from index 01 to the next track's first mark (ddp-notes 2). */
        int64_t length = t->end_cdf - t->index_cdf[1];
        if (length < PM_CD_TRACK_MIN_CDF) {
            pm_cdf_format(length, a, sizeof a);
            say(c, PM_SEV_ERROR, c->pq_file, "track %02d is %s long, measured from its index 01 "
                "to the next track's first entry as cdrdao does; Red Book tracks last at least "
                "4 s (00:04:00)", t->number, a);
        }
    }
    pm_cdf_format(l->leadout_cdf, a, sizeof a);
    if (l->leadout_cdf > PM_CD_PROGRAM_MAX_CDF) {
        pm_cdf_format(PM_CD_PROGRAM_MAX_CDF, b, sizeof b);
        say(c, PM_SEV_ERROR, c->pq_file, "the program lasts %s (the lead-out), past the %s a "
            "disc can hold", a, b);
    } else if (l->leadout_cdf > PM_CD_PROGRAM_WARN_CDF) {
        say(c, PM_SEV_WARNING, c->pq_file, "the program lasts %s (the lead-out), past "
            "74:00:00; some plants and older players refuse discs this long", a);
    }
}

/* Each track has one ISRC: the entries that carry one agree (ISRC on index 00 and/or 01). */
static void check_track_isrcs(const checker *c)
{
    const pm_ddp *ddp = c->ddp;
    for (size_t i = 0; i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        if (!q->isrc[0] || q->track == 0 || q->track == PM_DDP_LEADOUT)
            continue;
        for (size_t k = 0; k < i; k++) {
            const pm_ddp_pq *e = &ddp->pq[k];
            if (e->track == q->track && e->isrc[0]) {
                if (strcmp(e->isrc, q->isrc) != 0) {
                    char where[96];
                    entry_label(q, where, sizeof where);
                    say(c, PM_SEV_ERROR, c->pq_file, "%s: ISRC %s differs from %s on packet %d "
                        "of the same track; a track has one ISRC", where, q->isrc, e->isrc,
                        e->number);
                }
                break;
            }
        }
    }
}

pm_status pm_ddp_verify(const pm_ddp *ddp, pm_diag *diag)
{
    /* The faults are counted in a diag: the caller's, or one of our own when it passed none. */
    pm_diag *own = NULL;
    if (!diag && !(diag = own = pm_diag_new()))
        return PM_ERR_NOMEM;
    size_t errors = pm_diag_count_severity(diag, PM_SEV_ERROR);
    int failed = 0;
    checker c = {ddp, diag, ddp->pq_map >= 0 && ddp->maps[ddp->pq_map].file
                                ? ddp->maps[ddp->pq_map].file
                                : "PQDESCR"};
    char id_upc[14];
    check_id(&c, id_upc);
    for (size_t i = 0; i < ddp->map_count; i++)
        check_map(&c, &ddp->maps[i]);
    if (check_cdtext(&c) == PM_ERR_NOMEM) {
        pm_diag_free(own);
        return PM_ERR_NOMEM;
    }
    int64_t sectors = ddp->audio >= 0 ? ddp->maps[ddp->audio].dsl : -1;
    pm_ddp_layout layout = {0};
    int have_layout = 0;
    if (ddp->pq) {
        check_entries(&c, sectors);
        check_pq_upc(&c, id_upc);
        check_track_isrcs(&c);
        pm_status status = pm_ddp_layout_build(ddp, &layout, diag);
        if (status == PM_ERR_NOMEM) {
            pm_diag_free(own);
            return status;
        }
        have_layout = status == PM_OK;
        failed |= !have_layout;
        if (have_layout) {
            check_tracks(&c, &layout);
            check_cdtext_tracks(&c, &layout);
        }
    }
    pm_status status = pm_ddp_check_content(ddp, diag);
    pm_ddp_layout_fini(&layout);
    failed |= status != PM_OK || !ddp->have_id || ddp->audio < 0 || ddp->pq_map < 0 ||
              pm_diag_count_severity(diag, PM_SEV_ERROR) > errors;
    pm_diag_free(own);
    if (status == PM_ERR_NOMEM || status == PM_ERR_IO)
        return status;
    return failed ? PM_ERR_INVALID : PM_OK;
}
