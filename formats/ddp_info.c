/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `premaster ddp info` prints (premaster.h: pm_ddp_to_text, pm_ddp_to_json). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdtime.h"
#include "ddp_read.h"
#include "strbuf.h"

/* The Q control bits and SCMS as words (ddp-notes 1.5 and 2); "-" when none is set. */
static void flag_words(unsigned control, char adr, char *out, size_t size)
{
    snprintf(out, size, "%s%s%s%s%s", control & 0x2 ? " copy" : "",
             control & 0x1 ? " pre-emphasis" : "", control & 0x8 ? " four-channel" : "",
             control & 0x4 ? " data" : "", adr == 'S' ? " SCMS" : "");
    if (!*out)
        snprintf(out, size, " -");
    memmove(out, out + 1, strlen(out));
}

static const char *role_name(pm_ddp_role role)
{
    switch (role) {
    case PM_DDP_ROLE_AUDIO: return "audio";
    case PM_DDP_ROLE_DATA: return "data";
    case PM_DDP_ROLE_PQ: return "PQ";
    case PM_DDP_ROLE_CDTEXT: return "CD-TEXT";
    case PM_DDP_ROLE_OTHER: break;
    }
    return "other";
}

static void entry_track(const pm_ddp_pq *q, char *out, size_t size)
{
    if (q->track == 0)
        snprintf(out, size, "lead-in");
    else if (q->track == PM_DDP_LEADOUT)
        snprintf(out, size, "lead-out");
    else
        snprintf(out, size, "%02d", q->track);
}

static size_t sum_count(const pm_ddp_sumfile *f, pm_ddp_sum_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++)
        n += f->sums[i].kind == kind;
    return n;
}

static const char *charset_name(int code)
{
    return code == PM_CDTEXT_LATIN1 ? "ISO-8859-1" : code == PM_CDTEXT_ASCII ? "ASCII" : "MS-JIS";
}

/* One line of texts: the disc's (i 0) or a track's, each type that has a non-empty one. */
static void text_line(pm_strbuf *out, const pm_cdtext_decoded_block *b, int i)
{
    int n = 0;
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
        const char *t = b->texts[type] ? b->texts[type][i] : NULL;
        if (t && *t)
            pm_strbuf_printf(out, "%s%s \"%s\"", n++ ? "; " : "", pm_cdtext_type_name(type), t);
    }
    if (i == 0 && b->genre)
        pm_strbuf_printf(out, "%sgenre %d \"%s\"", n++ ? "; " : "", b->genre_code, b->genre);
    if (!n)
        pm_strbuf_append(out, "-");
    pm_strbuf_append(out, "\n");
}

/* The CD-TEXT stream as the decoder of formats/cdtext.h reads it (ddp-notes 1.8). */
static void cdtext_text(pm_strbuf *out, const pm_ddp *ddp)
{
    if (ddp->cdtext_map < 0 || !ddp->cdtext) {
        pm_strbuf_append(out, "CD-TEXT: none\n");
        return;
    }
    const pm_cdtext_decoded *d = ddp->cdtext_text;
    pm_strbuf_printf(out, "CD-TEXT: %s, %zu packs (%zu bytes)", ddp->maps[ddp->cdtext_map].dsi,
                     ddp->cdtext_packs, ddp->cdtext_size);
    if (!d) {
        pm_strbuf_append(out, ", which do not decode ('premaster ddp verify' says why)\n");
        return;
    }
    pm_strbuf_printf(out, ", %d block%s\n", d->block_count, d->block_count == 1 ? "" : "s");
    for (int k = 0; k < d->block_count; k++) {
        const pm_cdtext_decoded_block *b = &d->blocks[k];
        pm_strbuf_printf(out, "  block %d: language 0x%02X, %s, tracks %02d-%02d\n", b->block,
                         b->language, charset_name(b->char_code), b->first_track,
                         b->last_track);
        if (b->char_code == PM_CDTEXT_MSJIS) {
            pm_strbuf_append(out, "    (double-byte texts, checked but not shown)\n");
            continue;
        }
        pm_strbuf_append(out, "    disc      ");
        text_line(out, b, 0);
        for (int t = b->first_track; t <= b->last_track; t++) {
            pm_strbuf_printf(out, "    track %02d  ", t);
            text_line(out, b, t - b->first_track + 1);
        }
        if (b->codes) {
            pm_strbuf_printf(out, "    codes     UPC/EAN %s", *b->codes[0] ? b->codes[0] : "-");
            for (int t = b->first_track; t <= b->last_track; t++)
                if (*b->codes[t - b->first_track + 1])
                    pm_strbuf_printf(out, "; ISRC %02d %s", t, b->codes[t - b->first_track + 1]);
            pm_strbuf_append(out, "\n");
        }
    }
}

char *pm_ddp_to_text(const pm_ddp *ddp)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    char a[16], b[16], c[16], flags[64], who[16];
    const pm_ddp_id *id = &ddp->id;
    pm_strbuf_printf(&out, "DDPID: %s", ddp->have_id ? id->level : "(unreadable)");
    if (*id->type)
        pm_strbuf_printf(&out, ", type %s", id->type);
    pm_strbuf_printf(&out, ", UPC/EAN %s", *id->upc ? id->upc : "none");
    if (*id->mid)
        pm_strbuf_printf(&out, ", master ID \"%s\"", id->mid);
    if (*id->text)
        pm_strbuf_printf(&out, ", user text \"%s\"", id->text);
    pm_strbuf_append(&out, "\n\nMap packets (DDPMS):\n");
    for (size_t i = 0; i < ddp->map_count; i++) {
        const pm_ddp_map *m = &ddp->maps[i];
        pm_strbuf_printf(&out, "  %3d  %-2s  %-8s  %-7s  %-17s  DSL %lld %s", m->number, m->dst,
                         *m->sub ? m->sub : m->cdm, role_name(m->role), m->dsi,
                         (long long)m->dsl, m->dst[0] == 'D' ? "sectors" : "bytes");
        if (m->role == PM_DDP_ROLE_AUDIO && m->pre2 >= 0)
            pm_strbuf_printf(&out, ", PRE2 %d", m->pre2);
        if (m->role == PM_DDP_ROLE_AUDIO)
            pm_strbuf_printf(&out, ", SSM %c, SCR %c", m->ssm, m->scr);
        if (!m->file && *m->dsi)
            pm_strbuf_append(&out, " (missing)");
        pm_strbuf_append(&out, "\n");
    }
    if (ddp->pq_map >= 0) {
        pm_strbuf_printf(&out, "\nPQ entries (%s):\n", ddp->maps[ddp->pq_map].dsi);
        pm_strbuf_printf(&out, "  %-8s  %-5s  %-8s  %7s  %-12s  %s\n", "track", "index", "time",
                         "frames", "ISRC", "flags");
    }
    for (size_t i = 0; i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        entry_track(q, who, sizeof who);
        pm_cdf_format(q->cdf, a, sizeof a);
        flag_words(q->control, q->adr, flags, sizeof flags);
        pm_strbuf_printf(&out, "  %-8s  %02d     %-8s  %7lld  %-12s  %s", who, q->index, a,
                         (long long)q->cdf, *q->isrc ? q->isrc : "-", flags);
        if (*q->upc)
            pm_strbuf_printf(&out, "  UPC/EAN %s", q->upc);
        pm_strbuf_append(&out, "\n");
    }
    pm_ddp_layout l;
    if (pm_ddp_layout_build(ddp, &l, NULL) == PM_OK) {
        const pm_ddp_track *first = &l.tracks[0];
        pm_cdf_format(l.leadout_cdf, a, sizeof a);
        pm_cdf_format(l.leadout_cdf - first->index_cdf[1], b, sizeof b);
        pm_strbuf_printf(&out, "\nTracks: %d; length %s (lead-out at %lld frames), %s of it from "
                         "track 01's index 01\n", l.track_count, a, (long long)l.leadout_cdf, b);
        for (int k = 0; k < l.track_count; k++) {
            const pm_ddp_track *t = &l.tracks[k];
            pm_cdf_format(t->index_cdf[1], a, sizeof a);
            pm_cdf_format(t->end_cdf - t->index_cdf[1], b, sizeof b);
            flag_words(t->control, t->adr, flags, sizeof flags);
            pm_strbuf_printf(&out, "  %02d  starts %s  length %s  ISRC %-12s  %s", t->number, a,
                             b, *t->isrc ? t->isrc : "-", flags);
            if (t->index_cdf[0] >= 0) {
                pm_cdf_format(t->index_cdf[1] - t->index_cdf[0], c, sizeof c);
                pm_strbuf_printf(&out, "  (pause %s)", c);
            }
            pm_strbuf_append(&out, "\n");
        }
        pm_strbuf_printf(&out, "UPC/EAN (MCN): %s\n", *l.upc ? l.upc : "none in the PQ stream");
        pm_ddp_layout_fini(&l);
    } else {
        pm_strbuf_append(&out, "\nTracks: the PQ entries cannot be laid out as tracks "
                               "('premaster ddp verify' says why)\n");
    }
    cdtext_text(&out, ddp);
    if (ddp->image_size >= 0)
        pm_strbuf_printf(&out, "Image: %s, %lld bytes\n", ddp->maps[ddp->audio].file,
                         (long long)ddp->image_size);
    pm_strbuf_append(&out, "Checksum files:");
    for (size_t f = 0; f < ddp->sumfile_count; f++)
        pm_strbuf_printf(&out, "%s %s (%zu MD5, %zu CRC-32)", f ? "," : "",
                         ddp->sumfiles[f].name, sum_count(&ddp->sumfiles[f], PM_DDP_SUM_MD5),
                         sum_count(&ddp->sumfiles[f], PM_DDP_SUM_CRC32));
    pm_strbuf_append(&out, ddp->sumfile_count ? "\n" : " none\n");
    return pm_strbuf_take(&out);
}

/* ---------------------------------------------------------------------------------------------
 * JSON.
 */
static void json_time(pm_strbuf *out, const char *key, int64_t cdf)
{
    char t[16];
    pm_cdf_format(cdf, t, sizeof t);
    pm_strbuf_printf(out, "\"%s_msf\": \"%s\", \"%s_frames\": %lld", key, t, key, (long long)cdf);
}

static void json_text(pm_strbuf *out, const char *key, const char *value)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_string(out, *value ? value : NULL);
}

static void json_number(pm_strbuf *out, const char *key, int64_t value)
{
    if (value < 0)
        pm_strbuf_printf(out, "\"%s\": null", key);
    else
        pm_strbuf_printf(out, "\"%s\": %lld", key, (long long)value);
}

static void json_flags(pm_strbuf *out, unsigned control, char adr)
{
    pm_strbuf_printf(out, "\"control\": %u, \"flags\": {\"copy\": %s, \"pre_emphasis\": %s, "
                     "\"four_channel\": %s, \"data\": %s, \"scms\": %s}", control,
                     control & 0x2 ? "true" : "false", control & 0x1 ? "true" : "false",
                     control & 0x8 ? "true" : "false", control & 0x4 ? "true" : "false",
                     adr == 'S' ? "true" : "false");
}

static void json_tracks(pm_strbuf *out, const pm_ddp *ddp)
{
    pm_ddp_layout l;
    if (pm_ddp_layout_build(ddp, &l, NULL) != PM_OK) {
        pm_strbuf_append(out, "\"tracks\": null, \"track_count\": null, \"upc\": null,\n");
        return;
    }
    pm_strbuf_append(out, "\"tracks\": [");
    for (int k = 0; k < l.track_count; k++) {
        const pm_ddp_track *t = &l.tracks[k];
        pm_strbuf_printf(out, "%s\n  {\"number\": %d, ", k ? "," : "", t->number);
        json_time(out, "start", t->index_cdf[1]);
        pm_strbuf_append(out, ", ");
        json_time(out, "length", t->end_cdf - t->index_cdf[1]);
        pm_strbuf_append(out, ", ");
        json_text(out, "isrc", t->isrc);
        pm_strbuf_append(out, ", ");
        json_flags(out, t->control, t->adr);
        pm_strbuf_append(out, ", \"indexes\": [");
        int n = 0;
        for (int i = 0; i <= t->last_index; i++) {
            if (t->index_cdf[i] < 0)
                continue;
            pm_strbuf_printf(out, "%s{\"index\": %d, ", n++ ? ", " : "", i);
            json_time(out, "time", t->index_cdf[i]);
            pm_strbuf_append(out, "}");
        }
        pm_strbuf_append(out, "]}");
    }
    pm_strbuf_printf(out, "\n],\n\"track_count\": %d, ", l.track_count);
    json_time(out, "leadout", l.leadout_cdf);
    pm_strbuf_append(out, ", ");
    json_text(out, "upc", l.upc);
    pm_strbuf_append(out, ",\n");
    pm_ddp_layout_fini(&l);
}

/* One object of texts: the disc's (i 0) or a track's; null where a type has none. */
static void json_texts(pm_strbuf *out, const pm_cdtext_decoded_block *b, int i)
{
    pm_strbuf_append(out, "{");
    if (i)
        pm_strbuf_printf(out, "\"number\": %d, ", b->first_track + i - 1);
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
        pm_strbuf_printf(out, "%s\"%s\": ", type ? ", " : "", pm_cdtext_type_name(type));
        const char *t = b->texts[type] ? b->texts[type][i] : NULL;
        pm_strbuf_json_string(out, t && *t ? t : NULL);
    }
    if (b->codes) {
        pm_strbuf_printf(out, ", \"%s\": ", i ? "isrc" : "upc");
        pm_strbuf_json_string(out, *b->codes[i] ? b->codes[i] : NULL);
    }
    pm_strbuf_append(out, "}");
}

static void json_cdtext(pm_strbuf *out, const pm_ddp *ddp)
{
    if (ddp->cdtext_map < 0 || !ddp->cdtext) {
        pm_strbuf_append(out, "\"cdtext\": null,\n");
        return;
    }
    const pm_cdtext_decoded *d = ddp->cdtext_text;
    pm_strbuf_append(out, "\"cdtext\": {");
    json_text(out, "file", ddp->maps[ddp->cdtext_map].dsi);
    pm_strbuf_printf(out, ", \"bytes\": %zu, \"packs\": %zu, \"decoded\": %s", ddp->cdtext_size,
                     ddp->cdtext_packs, d ? "true" : "false");
    pm_strbuf_append(out, ", \"blocks\": ");
    if (!d)
        pm_strbuf_append(out, "null");
    for (int k = 0; d && k < d->block_count; k++) {
        const pm_cdtext_decoded_block *b = &d->blocks[k];
        pm_strbuf_printf(out, "%s\n  {\"block\": %d, \"language\": %d, \"charset\": \"%s\", "
                         "\"first_track\": %d, \"last_track\": %d, \"genre_code\": %d, "
                         "\"genre\": ", k ? "," : "[", b->block, b->language,
                         charset_name(b->char_code), b->first_track, b->last_track,
                         b->genre_code);
        pm_strbuf_json_string(out, b->genre);
        pm_strbuf_append(out, ", \"disc\": ");
        if (b->char_code == PM_CDTEXT_MSJIS) {
            pm_strbuf_append(out, "null, \"tracks\": null}");
            continue;
        }
        json_texts(out, b, 0);
        pm_strbuf_append(out, ", \"tracks\": [");
        for (int t = b->first_track; t <= b->last_track; t++) {
            pm_strbuf_printf(out, "%s\n    ", t > b->first_track ? "," : "");
            json_texts(out, b, t - b->first_track + 1);
        }
        pm_strbuf_append(out, "]}");
    }
    if (d)
        pm_strbuf_append(out, d->block_count ? "\n]" : "[]");
    pm_strbuf_append(out, "},\n");
}

char *pm_ddp_to_json(const pm_ddp *ddp)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    const pm_ddp_id *id = &ddp->id;
    pm_strbuf_append(&out, "{\n\"ddpid\": {");
    json_text(&out, "level", ddp->have_id ? id->level : "");
    pm_strbuf_append(&out, ", ");
    json_text(&out, "upc", id->upc);
    pm_strbuf_append(&out, ", ");
    json_text(&out, "type", id->type);
    pm_strbuf_append(&out, ", ");
    json_text(&out, "master_id", id->mid);
    pm_strbuf_append(&out, ", ");
    json_text(&out, "user_text", id->text);
    pm_strbuf_append(&out, "},\n\"maps\": [");
    for (size_t i = 0; i < ddp->map_count; i++) {
        const pm_ddp_map *m = &ddp->maps[i];
        pm_strbuf_printf(&out, "%s\n  {\"packet\": %d, ", i ? "," : "", m->number);
        json_text(&out, "dst", m->dst);
        pm_strbuf_append(&out, ", ");
        json_text(&out, "sub", m->sub);
        pm_strbuf_append(&out, ", ");
        json_text(&out, "cdm", m->cdm);
        pm_strbuf_printf(&out, ", \"role\": \"%s\", ", role_name(m->role));
        json_text(&out, "dsi", m->dsi);
        pm_strbuf_append(&out, ", ");
        json_number(&out, "dsl", m->dsl);
        pm_strbuf_append(&out, ", ");
        json_number(&out, "dss", m->dss);
        pm_strbuf_append(&out, ", ");
        json_number(&out, "pre2", m->pre2);
        pm_strbuf_append(&out, ", ");
        json_number(&out, "file_size", m->file_size);
        pm_strbuf_append(&out, "}");
    }
    pm_strbuf_append(&out, "\n],\n\"pq\": [");
    for (size_t i = 0; i < ddp->pq_count; i++) {
        const pm_ddp_pq *q = &ddp->pq[i];
        const char *kind = q->track == 0 ? "lead-in" : q->track == PM_DDP_LEADOUT ? "lead-out"
                                                                                 : "track";
        pm_strbuf_printf(&out, "%s\n  {\"packet\": %d, \"kind\": \"%s\", \"track\": %d, "
                         "\"index\": %d, ", i ? "," : "", q->number, kind, q->track, q->index);
        json_time(&out, "time", q->cdf);
        pm_strbuf_append(&out, ", ");
        json_text(&out, "isrc", q->isrc);
        pm_strbuf_append(&out, ", ");
        json_text(&out, "upc", q->upc);
        pm_strbuf_append(&out, ", ");
        json_flags(&out, q->control, q->adr);
        pm_strbuf_append(&out, "}");
    }
    pm_strbuf_append(&out, "\n],\n");
    json_tracks(&out, ddp);
    json_cdtext(&out, ddp);
    json_number(&out, "image_bytes", ddp->image_size);
    pm_strbuf_append(&out, ",\n\"checksum_files\": [");
    for (size_t f = 0; f < ddp->sumfile_count; f++) {
        pm_strbuf_printf(&out, "%s\n  {", f ? "," : "");
        json_text(&out, "file", ddp->sumfiles[f].name);
        pm_strbuf_printf(&out, ", \"md5\": %zu, \"crc32\": %zu}",
                         sum_count(&ddp->sumfiles[f], PM_DDP_SUM_MD5),
                         sum_count(&ddp->sumfiles[f], PM_DDP_SUM_CRC32));
    }
    pm_strbuf_append(&out, ddp->sumfile_count ? "\n]\n}\n" : "]\n}\n");
    return pm_strbuf_take(&out);
}
