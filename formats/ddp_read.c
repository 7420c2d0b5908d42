/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DDP reader (ddp_read.h): the parsing of DDPID, DDPMS, the PQ descriptors, CD-TEXT and the
 * checksum files. Section numbers are those of ddp-notes.md. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ddp_read.h"

/* ---------------------------------------------------------------------------------------------
 * Fields. Every field is ASCII of a fixed width; numbers are right-aligned and padded with zeros
 * (Sonoris, HOFA) or spaces (cue2ddp): both are accepted (section 0).
 */

/* The field as text: non-printable bytes become '?', so that a message or info line stays one
 * line of text whatever the file holds; trailing spaces and NULs are dropped. */
static void field_text(char *out, size_t out_size, const unsigned char *p, size_t n)
{
    size_t len = n < out_size - 1 ? n : out_size - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7F ? (char)p[i] : p[i] == 0 ? ' ' : '?';
    while (len > 0 && out[len - 1] == ' ')
        len--;
    out[len] = '\0';
}

/* Codes (UPC, ISRC) with the spaces around them dropped too. */
static void field_code(char *out, size_t out_size, const unsigned char *p, size_t n)
{
    field_text(out, out_size, p, n);
    size_t lead = strspn(out, " ");
    memmove(out, out + lead, strlen(out + lead) + 1);
}

static char field_char(const unsigned char *p)
{
    return *p >= 0x20 && *p < 0x7F ? (char)*p : *p == 0 ? ' ' : '?';
}

/* A number field: 1 with *value set, 0 when blank, -1 when it is not a number. Spaces may pad
 * it on either side; no sign, no space between digits. */
static int field_number(const unsigned char *p, size_t n, int64_t *value)
{
    size_t a = 0, b = n;
    while (a < b && (p[a] == ' ' || p[a] == 0))
        a++;
    while (b > a && (p[b - 1] == ' ' || p[b - 1] == 0))
        b--;
    if (a == b)
        return 0;
    int64_t v = 0;
    for (size_t i = a; i < b; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *value = v;
    return 1;
}

void pm_ddp_path(const pm_ddp *ddp, const char *name, char *out, size_t size)
{
    if (!*name)
        snprintf(out, size, "%s", ddp->dir && *ddp->dir ? ddp->dir : ".");
    else if (ddp->dir && *ddp->dir)
        snprintf(out, size, "%s/%s", ddp->dir, name);
    else
        snprintf(out, size, "%s", name);
}

void pm_ddp_say(const pm_ddp *ddp, pm_diag *diag, pm_severity severity, const char *name,
                int line, const char *fmt, ...)
{
    char path[4200];
    pm_ddp_path(ddp, name, path, sizeof path);
    va_list args;
    va_start(args, fmt);
    pm_diag_vadd(diag, severity, path, line, NULL, fmt, args);
    va_end(args);
}

const char *pm_ddp_find_file(const pm_ddp *ddp, const char *name)
{
    for (size_t i = 0; i < ddp->name_count; i++)
        if (strcmp(ddp->names[i], name) == 0)
            return ddp->names[i];
    for (size_t i = 0; i < ddp->name_count; i++)
        if (strcasecmp(ddp->names[i], name) == 0)
            return ddp->names[i];
    return NULL;
}

/* The whole of a small file into a new buffer. PM_ERR_IO when it cannot be read, PM_ERR_USAGE
 * when it is larger than max. */
static pm_status load(pm_ddp *ddp, const char *name, size_t max, unsigned char **data,
                      size_t *size)
{
    *data = NULL;
    *size = 0;
    uint64_t n;
    if (ddp->source.size(ddp->source.context, name, &n) != PM_OK)
        return PM_ERR_IO;
    if (n > max)
        return PM_ERR_USAGE;
    unsigned char *buf = pm_alloc_array((size_t)n + 1, 1);
    if (!buf)
        return PM_ERR_NOMEM;
    pm_status status = n ? ddp->source.read(ddp->source.context, name, 0, buf, (size_t)n) : PM_OK;
    if (status != PM_OK) {
        free(buf);
        return status;
    }
    buf[n] = 0;
    *data = buf;
    *size = (size_t)n;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * DDPID (1.3).
 */
static pm_status read_id(pm_ddp *ddp, pm_diag *diag)
{
    unsigned char *b;
    size_t n;
    pm_status status = load(ddp, "DDPID", PM_DDP_MAX_TEXT_FILE, &b, &n);
    if (status == PM_ERR_NOMEM)
        return status;
    if (status != PM_OK || n < PM_DDP_ID_BYTES) {
        if (status == PM_OK)
            pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPID", 0, "is %zu bytes; a DDP identifier is one "
                  "record of %d bytes", n, PM_DDP_ID_BYTES);
        else
            pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPID", 0, "%s; every DDP fileset has a file named "
                  "DDPID", status == PM_ERR_USAGE ? "is far too large" : "is missing");
        free(b);
        return PM_OK;
    }
    pm_ddp_id *id = &ddp->id;
    field_text(id->level, sizeof id->level, b, 8);
    /* ddpLib accepts DDP 1.01, 2.00 and 2.10; what follows "DDP " is only kept for info. */
    if (memcmp(b, "DDP ", 4) != 0) {
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPID", 0, "starts with \"%s\" where a DDP identifier "
              "starts with \"DDP 2.00\" (or another level): this is not a DDP fileset",
              id->level);
    } else {
        ddp->have_id = 1;
    }
    field_code(id->upc, sizeof id->upc, b + 8, 13);
    field_text(id->mss, sizeof id->mss, b + 21, 8);
    field_text(id->msl, sizeof id->msl, b + 29, 8);
    id->med = field_char(b + 37);
    field_text(id->mid, sizeof id->mid, b + 38, 48);
    id->bk = field_char(b + 86);
    field_text(id->type, sizeof id->type, b + 87, 2);
    /* The user text's length is at byte 93 (ddpLib) or 94 (Sonoris, HOFA), UNCONFIRMED which:
     * take whichever holds two digits, then whichever holds a space-padded number, and the
     * text after it. */
    static const int at[4] = {93, 94, 93, 94};
    for (int k = 0; k < 4 && !id->text_at; k++) {
        const unsigned char *p = b + at[k];
        int64_t len;
        int digits = p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9';
        if ((k < 2 ? digits : 1) && field_number(p, 2, &len) == 1 && len > 0 &&
            len <= PM_DDP_ID_BYTES - at[k] - 2) {
            field_text(id->text, sizeof id->text, p + 2, (size_t)len);
            id->text_at = at[k] + 2;
        }
    }
    if (n != PM_DDP_ID_BYTES)
        pm_ddp_say(ddp, diag, PM_SEV_WARNING, "DDPID", 0, "is %zu bytes; only the first %d are the "
              "DDP identifier", n, PM_DDP_ID_BYTES);
    free(b);
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * DDPMS (1.4).
 */

/* A number field of a map packet; an error naming packet and field when it is not a number. */
static void map_number(pm_ddp *ddp, pm_diag *diag, const pm_ddp_map *m, const unsigned char *p,
                       size_t n, const char *field, int64_t *value)
{
    *value = -1;
    int r = field_number(p, n, value);
    if (r < 0) {
        char text[32];
        field_text(text, sizeof text, p, n);
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "map packet %d (%s %s): %s \"%s\" is not a "
              "number", m->number, m->dst, m->dsi, field, text);
    }
    if (r != 1)
        *value = -1;
}

/* A DSI is a plain file name: a writer's name for a file beside DDPMS, never a path. */
static int plain_name(const char *name)
{
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (const char *c = name; *c; c++)
        if (*c == '/' || *c == '\\' || *c == '?' || *c == ':')
            return 0;
    return 1;
}

static void classify(pm_ddp_map *m)
{
    int text_stream = m->dst[0] == 'T' || strcmp(m->dst, "S0") == 0;
    if (strcmp(m->dst, "D0") == 0)
        /* The main stream is audio when CDM says DA; a blank CDM is read as audio too (the
         * field is optional in DDP 1.x). */
        m->role = strcmp(m->cdm, "DA") == 0 || !*m->cdm ? PM_DDP_ROLE_AUDIO : PM_DDP_ROLE_DATA;
    else if (strcmp(m->dst, "S0") == 0 && strcmp(m->sub, "PQ DESCR") == 0)
        m->role = PM_DDP_ROLE_PQ;
    else if (text_stream && strcmp(m->sub, "CDTEXT") == 0)
        m->role = PM_DDP_ROLE_CDTEXT;
    else
        m->role = PM_DDP_ROLE_OTHER;
}

static int parse_map(pm_ddp *ddp, pm_diag *diag, const unsigned char *b, pm_ddp_map *m)
{
    field_text(m->mpv, sizeof m->mpv, b, 4);
    field_text(m->dst, sizeof m->dst, b + 4, 2);
    field_text(m->dsi, sizeof m->dsi, b + 74, PM_DDP_DSI_MAX);
    if (memcmp(b, "VVVM", 4) != 0) {
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "map packet %d: MPV is \"%s\" where a valid map "
              "packet starts with VVVM; the packet is ignored", m->number, m->mpv);
        return 0;
    }
    /* A field that is not a number is reported and left blank (-1); the packet is kept, so that
     * one bad field does not hide the stream it describes. */
    field_text(m->sub, sizeof m->sub, b + 30, 8);
    field_text(m->cdm, sizeof m->cdm, b + 38, 2);
    m->ssm = field_char(b + 40);
    m->scr = field_char(b + 41);
    m->med = field_char(b + 54);
    field_code(m->trk, sizeof m->trk, b + 55, 2);
    field_code(m->idx, sizeof m->idx, b + 57, 2);
    field_code(m->isrc, sizeof m->isrc, b + 59, 12);
    m->new_session = field_char(b + 91);
    int64_t v;
    map_number(ddp, diag, m, b + 6, 8, "DSP", &m->dsp);
    map_number(ddp, diag, m, b + 14, 8, "DSL", &m->dsl);
    map_number(ddp, diag, m, b + 22, 8, "DSS", &m->dss);
    map_number(ddp, diag, m, b + 42, 4, "PRE1", &v);
    m->pre1 = (int)v;
    map_number(ddp, diag, m, b + 46, 4, "PRE2", &v);
    m->pre2 = (int)v;
    map_number(ddp, diag, m, b + 50, 4, "PST", &v);
    m->pst = (int)v;
    map_number(ddp, diag, m, b + 71, 3, "SIZ", &v);
    m->siz = (int)v;
    map_number(ddp, diag, m, b + 104, 9, "OFS", &m->ofs);
    if (!plain_name(m->dsi)) {
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "map packet %d (%s): DSI \"%s\" is not a file "
              "name; DSI names a file beside DDPMS", m->number, m->dst, m->dsi);
        m->dsi[0] = '\0';
    }
    classify(m);
    return 1;
}

static pm_status read_maps(pm_ddp *ddp, pm_diag *diag)
{
    unsigned char *b;
    size_t n;
    pm_status status = load(ddp, "DDPMS", (size_t)PM_DDP_MAX_MAPS * PM_DDP_MAP_BYTES, &b, &n);
    if (status == PM_ERR_NOMEM)
        return status;
    if (status != PM_OK) {
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "%s; every DDP fileset has the map stream "
              "DDPMS", status == PM_ERR_USAGE ? "is far too large" : "is missing");
        return PM_OK;
    }
    if (n % PM_DDP_MAP_BYTES)
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "is %zu bytes, not a whole number of %d-byte map "
              "packets; the last %zu bytes are ignored", n, PM_DDP_MAP_BYTES,
              n % PM_DDP_MAP_BYTES);
    size_t count = n / PM_DDP_MAP_BYTES;
    ddp->maps = pm_alloc_zeroed(count ? count : 1, sizeof *ddp->maps);
    if (!ddp->maps) {
        free(b);
        return PM_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        pm_ddp_map *m = &ddp->maps[ddp->map_count];
        memset(m, 0, sizeof *m);
        m->number = (int)i + 1;
        m->file_size = -1;
        if (!parse_map(ddp, diag, b + i * PM_DDP_MAP_BYTES, m))
            continue;
        ddp->map_count++;
    }
    free(b);
    if (count == 0)
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "holds no map packet");
    return PM_OK;
}

/* Find each stream's file and choose the audio, PQ and CD-TEXT streams. */
static void find_streams(pm_ddp *ddp, pm_diag *diag)
{
    static const char *const what[] = {"", "audio (D0, CDM DA)", "", "PQ (S0, PQ DESCR)",
                                       "CD-TEXT (SUB CDTEXT)"};
    for (size_t i = 0; i < ddp->map_count; i++) {
        pm_ddp_map *m = &ddp->maps[i];
        if (!*m->dsi)
            continue;
        const char *found = pm_ddp_find_file(ddp, m->dsi);
        uint64_t size;
        if (found && ddp->source.size(ddp->source.context, found, &size) == PM_OK) {
            m->file = pm_strdup(found);
            m->file_size = size > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)size;
            if (m->file && strcmp(found, m->dsi) != 0)
                pm_ddp_say(ddp, diag, PM_SEV_WARNING, m->dsi, 0, "is named \"%s\" in the folder; DSI "
                      "of map packet %d says \"%s\", and a plant's system may not match names "
                      "ignoring case", found, m->number, m->dsi);
        } else {
            pm_ddp_say(ddp, diag, PM_SEV_ERROR, m->dsi, 0, "is missing: map packet %d (%s%s%s) names it "
                  "in its DSI", m->number, m->dst, *m->sub ? " " : "", m->sub);
        }
        int *slot = m->role == PM_DDP_ROLE_AUDIO    ? &ddp->audio
                    : m->role == PM_DDP_ROLE_PQ     ? &ddp->pq_map
                    : m->role == PM_DDP_ROLE_CDTEXT ? &ddp->cdtext_map
                                                    : NULL;
        if (!slot)
            continue;
        if (*slot < 0)
            *slot = (int)i;
        else
            /* XLD refuses a second audio stream or a second PQ stream (1.4): so do we. */
            pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "map packet %d is a second %s stream (%s); "
                  "map packet %d already is one, and a fileset has one", m->number,
                  what[m->role], m->dsi, ddp->maps[*slot].number);
    }
    if (ddp->audio < 0)
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "has no audio stream: no map packet with DST D0 "
              "and CDM DA");
    else if (ddp->maps[ddp->audio].file)
        ddp->image_size = ddp->maps[ddp->audio].file_size;
    if (ddp->pq_map < 0)
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, "DDPMS", 0, "has no PQ stream: no map packet with DST S0 and "
              "SUB \"PQ DESCR\"");
}

/* ---------------------------------------------------------------------------------------------
 * PQ descriptors (1.5).
 */
static int pq_number(pm_ddp *ddp, pm_diag *diag, const char *file, int number,
                     const unsigned char *p, const char *field, int *value)
{
    int64_t v;
    int r = field_number(p, 2, &v);
    if (r == 1) {
        *value = (int)v;
        return 1;
    }
    char text[4];
    field_text(text, sizeof text, p, 2);
    pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "packet %d: %s \"%s\" is %s; the packet is ignored",
          number, field, text, r == 0 ? "blank where a number is needed" : "not a number");
    return 0;
}

static int parse_pq(pm_ddp *ddp, pm_diag *diag, const char *file, const unsigned char *b,
                    pm_ddp_pq *q)
{
    if (memcmp(b, "VVVS", 4) != 0) {
        char spv[5];
        field_text(spv, sizeof spv, b, 4);
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "packet %d: SPV is \"%s\" where a valid PQ packet "
              "starts with VVVS; the packet is ignored", q->number, spv);
        return 0;
    }
    if ((b[4] == 'A' || b[4] == 'a') && (b[5] == 'A' || b[5] == 'a'))
        q->track = PM_DDP_LEADOUT;
    else if (!pq_number(ddp, diag, file, q->number, b + 4, "TRK", &q->track))
        return 0;
    if (!pq_number(ddp, diag, file, q->number, b + 6, "IDX", &q->index) ||
        !pq_number(ddp, diag, file, q->number, b + 10, "MIN", &q->minutes) ||
        !pq_number(ddp, diag, file, q->number, b + 12, "SEC", &q->seconds) ||
        !pq_number(ddp, diag, file, q->number, b + 14, "FRM", &q->frames))
        return 0;
    int64_t hours;
    q->hours = field_number(b + 8, 2, &hours) == 1 ? (int)hours : -1;
    /* The minutes may pass 59 (1.5); the ranges of seconds and frames are verify's to check. */
    q->cdf = (int64_t)q->minutes * 4500 + (int64_t)q->seconds * 75 + q->frames;
    /* CB1: the Q control nibble in hex, then '1' (ADR 1) or 'S' (SCMS) (1.5). */
    char c = (char)b[16];
    if (c >= '0' && c <= '9')
        q->control = (unsigned)(c - '0');
    else if ((c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))
        q->control = (unsigned)((c | 0x20) - 'a' + 10);
    else {
        char cb1[3];
        field_text(cb1, sizeof cb1, b + 16, 2);
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "packet %d (track %02d index %02d): CB1 \"%s\" does "
              "not start with the Q control nibble in hex (\"01\", \"21\", \"0S\" ...); the "
              "packet is ignored", q->number, q->track, q->index, cb1);
        return 0;
    }
    q->adr = field_char(b + 17);
    field_code(q->isrc, sizeof q->isrc, b + 20, 12);
    field_code(q->upc, sizeof q->upc, b + 32, 13);
    field_text(q->text, sizeof q->text, b + 45, 19);
    return 1;
}

static pm_status read_pq(pm_ddp *ddp, pm_diag *diag)
{
    if (ddp->pq_map < 0 || !ddp->maps[ddp->pq_map].file)
        return PM_OK;
    const char *file = ddp->maps[ddp->pq_map].file;
    unsigned char *b;
    size_t n;
    pm_status status = load(ddp, file, (size_t)PM_DDP_MAX_PQ * PM_DDP_PQ_BYTES, &b, &n);
    if (status == PM_ERR_NOMEM)
        return status;
    if (status != PM_OK) {
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "%s", status == PM_ERR_USAGE
              ? "is far too large for PQ descriptors of one CD" : "cannot be read");
        return PM_OK;
    }
    if (n % PM_DDP_PQ_BYTES)
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "is %zu bytes, not a whole number of %d-byte PQ "
              "packets; the last %zu bytes are ignored", n, PM_DDP_PQ_BYTES, n % PM_DDP_PQ_BYTES);
    size_t count = n / PM_DDP_PQ_BYTES;
    ddp->pq = pm_alloc_zeroed(count ? count : 1, sizeof *ddp->pq);
    if (!ddp->pq) {
        free(b);
        return PM_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        pm_ddp_pq *q = &ddp->pq[ddp->pq_count];
        memset(q, 0, sizeof *q);
        q->number = (int)i + 1;
        if (parse_pq(ddp, diag, file, b + i * PM_DDP_PQ_BYTES, q))
            ddp->pq_count++;
    }
    free(b);
    if (count == 0)
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "holds no PQ packet");
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * CD-TEXT (1.8) and the checksum files (1.9).
 */
static pm_status read_cdtext(pm_ddp *ddp, pm_diag *diag)
{
    if (ddp->cdtext_map < 0 || !ddp->maps[ddp->cdtext_map].file)
        return PM_OK;
    const char *file = ddp->maps[ddp->cdtext_map].file;
    pm_status status = load(ddp, file, PM_DDP_MAX_TEXT_FILE, &ddp->cdtext, &ddp->cdtext_size);
    if (status == PM_ERR_NOMEM)
        return status;
    if (status != PM_OK) {
        pm_ddp_say(ddp, diag, PM_SEV_ERROR, file, 0, "%s", status == PM_ERR_USAGE
              ? "is far too large for CD-TEXT (at most 8 blocks of 256 packs of 18 bytes)"
              : "cannot be read");
        return PM_OK;
    }
    ddp->cdtext_packs = ddp->cdtext_size / PM_DDP_CDTEXT_PACK;
    /* Decoded quietly for info and extract; verify decodes again to report the faults. */
    status = pm_cdtext_decode(ddp->cdtext, ddp->cdtext_size, NULL, &ddp->cdtext_text, NULL);
    return status == PM_ERR_NOMEM ? status : PM_OK;
}

static int is_stream_file(const pm_ddp *ddp, const char *name)
{
    if (strcmp(name, "DDPID") == 0 || strcmp(name, "DDPMS") == 0)
        return 1;
    for (size_t i = 0; i < ddp->map_count; i++)
        if (ddp->maps[i].file && strcmp(ddp->maps[i].file, name) == 0)
            return 1;
    return 0;
}

static pm_status read_sums(pm_ddp *ddp, pm_diag *diag)
{
    for (size_t i = 0; i < ddp->name_count; i++) {
        const char *name = ddp->names[i];
        if (!pm_ddp_is_sum_name(name) || is_stream_file(ddp, name))
            continue;
        pm_ddp_sumfile *sf = pm_realloc_array(ddp->sumfiles, ddp->sumfile_count + 1,
                                              sizeof *sf);
        if (!sf)
            return PM_ERR_NOMEM;
        ddp->sumfiles = sf;
        sf = &ddp->sumfiles[ddp->sumfile_count++];
        memset(sf, 0, sizeof *sf);
        sf->name = pm_strdup(name);
        if (!sf->name)
            return PM_ERR_NOMEM;
        unsigned char *text;
        size_t n;
        pm_status status = load(ddp, name, PM_DDP_MAX_TEXT_FILE, &text, &n);
        if (status == PM_ERR_NOMEM)
            return status;
        if (status != PM_OK) {
            sf->unreadable = 1;
            pm_ddp_say(ddp, diag, PM_SEV_ERROR, name, 0, "%s", status == PM_ERR_USAGE
                  ? "is too large to be a checksum file" : "cannot be read");
            continue;
        }
        status = pm_ddp_sums_parse((const char *)text, n, name, ddp->names, ddp->name_count, sf);
        free(text);
        if (status != PM_OK)
            return status;
        if (sf->count == 0)
            pm_ddp_say(ddp, diag, PM_SEV_WARNING, name, 0, "looks like a checksum file, but no line of "
                  "it gives an MD5 or a CRC-32 of a file");
    }
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The whole fileset.
 */
pm_status pm_ddp_read_source(const pm_ddp_source *source, const char *label, pm_diag *diag,
                             pm_ddp **out)
{
    *out = NULL;
    pm_ddp *ddp = pm_alloc_zeroed(1, sizeof *ddp);
    if (!ddp) {
        source->close(source->context);
        return PM_ERR_NOMEM;
    }
    ddp->source = *source;
    ddp->audio = ddp->pq_map = ddp->cdtext_map = -1;
    ddp->image_size = -1;
    size_t errors = pm_diag_count_severity(diag, PM_SEV_ERROR);
    pm_status status = PM_ERR_NOMEM;
    ddp->dir = pm_strdup(label ? label : "");
    if (!ddp->dir)
        goto fail;
    status = ddp->source.list(ddp->source.context, &ddp->names, &ddp->name_count);
    if (status == PM_ERR_IO) {
        pm_diag_add(diag, PM_SEV_ERROR, *ddp->dir ? ddp->dir : NULL, 0, NULL,
                    "cannot be read as a folder: a DDP fileset is a folder holding DDPID, DDPMS "
                    "and the files DDPMS names");
        status = PM_ERR_INVALID;
    }
    if (status != PM_OK)
        goto fail;
    if ((status = read_id(ddp, diag)) != PM_OK || (status = read_maps(ddp, diag)) != PM_OK)
        goto fail;
    if (ddp->map_count == 0) {
        status = PM_ERR_INVALID;
        goto fail;
    }
    find_streams(ddp, diag);
    if ((status = read_pq(ddp, diag)) != PM_OK || (status = read_cdtext(ddp, diag)) != PM_OK ||
        (status = read_sums(ddp, diag)) != PM_OK)
        goto fail;
    *out = ddp;
    /* A diag of NULL cannot count errors: then a fileset without its streams is still refused. */
    if (pm_diag_count_severity(diag, PM_SEV_ERROR) > errors || ddp->audio < 0 ||
        ddp->pq_map < 0 || !ddp->have_id)
        return PM_ERR_INVALID;
    return PM_OK;
fail:
    pm_ddp_free(ddp);
    return status;
}

pm_status pm_ddp_read(const char *dir, pm_diag *diag, pm_ddp **out)
{
    *out = NULL;
    pm_ddp_source source;
    pm_status status = pm_ddp_source_dir(dir, &source);
    return status == PM_OK ? pm_ddp_read_source(&source, dir, diag, out) : status;
}

pm_status pm_ddp_read_memory(const pm_ddp_memfile *files, size_t count, pm_diag *diag,
                             pm_ddp **out)
{
    *out = NULL;
    pm_ddp_source source;
    pm_status status = pm_ddp_source_memory(files, count, &source);
    return status == PM_OK ? pm_ddp_read_source(&source, "", diag, out) : status;
}

void pm_ddp_free(pm_ddp *ddp)
{
    if (!ddp)
        return;
    if (ddp->source.close)
        ddp->source.close(ddp->source.context);
    for (size_t i = 0; i < ddp->map_count; i++)
        free(ddp->maps[i].file);
    free(ddp->maps);
    free(ddp->pq);
    free(ddp->cdtext);
    pm_cdtext_decoded_free(ddp->cdtext_text);
    for (size_t i = 0; i < ddp->sumfile_count; i++) {
        free(ddp->sumfiles[i].name);
        free(ddp->sumfiles[i].sums);
    }
    free(ddp->sumfiles);
    free(ddp->dir);
    free(ddp);
}
