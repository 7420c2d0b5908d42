/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CD format's table, its one target and the writer that streams IMAGE.DAT and the .bin, the
 * rest of the DDP fileset written when a pass is kept, and finish (cd.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cd.h"
#include "cdtext.h"
#include "cd_sheets.h"
#include "cdtime.h"
#include "ddp_read.h"
#include "fsutil.h"
#include "md5.h"
#include "plan.h"

enum { BLOCK_FRAMES = 4096, BYTES_PER_FRAME = 4 };

/* One audio file the writer streams into. */
typedef struct pm_cd_stream {
    int on;
    char path[4096], temp[4096];
    FILE *file;
    int64_t skip_frames; /* frames of the image that are not in this file */
} pm_cd_stream;

struct pm_format_stage {
    const pm_project *p;
    char dir[4096], ddp_dir[4096];
    pm_cd_files files;
    pm_target_config target;
    int64_t image_frames;  /* the lead-out in stereo frames */
    int64_t silent_frames; /* the head of the image before any audio, written as zeros */
    pm_cd_stream image, bin;
    pm_md5 image_md5;
    unsigned char *block; /* 16-bit little-endian bytes of one block, allocated in prepare */
    size_t block_frames;
    int64_t position;
    int pass_failed;
    /* the control files, built in prepare */
    unsigned char id[128], ms[3 * 128];
    size_t ms_size;
    unsigned char *pq, *cdtext;
    size_t pq_size, cdtext_size;
};

void pm_cd_files_of(const pm_project *p, pm_cd_files *files)
{
    memset(files, 0, sizeof *files);
    files->ddp = p->cd.ddp;
    /* the .bin is the audio of the cue sheet and of the TOC (DESIGN.md "Time bases") */
    files->bin = p->cd.cue || p->cd.toc;
    files->cdtext = p->cd.cdtext;
    files->cdt = p->cd.cue && p->cd.cdtext;
    files->cue = p->cd.cue;
    files->toc = p->cd.toc;
    pm_release_name(p, files->name, sizeof files->name);
}

pm_status pm_cd_sheet_text(const pm_project *p, const pm_cd_files *files, int sheet, char name[256],
                           pm_strbuf *out)
{
    name[0] = '\0';
    if (sheet == 0 && files->cue) {
        snprintf(name, 256, "%s.cue", files->name);
        return pm_cd_cue_text(p, files->name, files->cdt, out);
    }
    if (sheet == 1 && files->toc) {
        snprintf(name, 256, "%s.toc", files->name);
        return pm_cd_toc_text(p, files->name, out);
    }
    if (sheet == 2) {
        snprintf(name, 256, "%s", PM_CD_PQ_SHEET_NAME);
        return pm_cd_pq_sheet_text(p, out);
    }
    return PM_OK;
}

/* ---- the writer ------------------------------------------------------------------------------ */

static void close_stream(pm_cd_stream *s, int remove_temp)
{
    if (s->file)
        (void)fclose(s->file);
    s->file = NULL;
    if (remove_temp && s->on)
        (void)unlink(s->temp);
}

static pm_status open_stream(pm_format_stage *st, pm_cd_stream *s, pm_diag *diag)
{
    if (!s->on)
        return PM_OK;
    s->file = fopen(s->temp, "wb");
    if (!s->file) {
        pm_diag_add(diag, PM_SEV_ERROR, s->path, 0, NULL, "cannot be written: %s", strerror(errno));
        st->pass_failed = 1;
        return PM_ERR_IO;
    }
    return PM_OK;
}

static pm_status writer_begin(void *context, int pass, pm_diag *diag)
{
    (void)pass;
    pm_format_stage *st = context;
    st->position = 0;
    st->pass_failed = 0;
    pm_md5_init(&st->image_md5);
    pm_status status = open_stream(st, &st->image, diag);
    if (status == PM_OK)
        status = open_stream(st, &st->bin, diag);
    return status;
}

/* n frames of 16-bit little-endian bytes, now in st->block, at image frame `at`, into the files
 * that hold that stretch. */
static pm_status put_bytes(pm_format_stage *st, int64_t at, size_t n)
{
    pm_cd_stream *streams[2] = {&st->image, &st->bin};
    for (int k = 0; k < 2; k++) {
        pm_cd_stream *s = streams[k];
        if (!s->on || at + (int64_t)n <= s->skip_frames)
            continue;
        size_t from = at >= s->skip_frames ? 0 : (size_t)(s->skip_frames - at);
        size_t bytes = (n - from) * BYTES_PER_FRAME;
        if (fwrite(st->block + from * BYTES_PER_FRAME, 1, bytes, s->file) != bytes) {
            st->pass_failed = 1;
            return PM_ERR_IO;
        }
    }
    if (st->image.on)
        pm_md5_update(&st->image_md5, st->block, n * BYTES_PER_FRAME);
    return PM_OK;
}

static pm_status writer_write(void *context, const int32_t *interleaved,
                              const double *const *planar, size_t frames, pm_diag *diag)
{
    (void)planar; /* the CD is 16 bit: always quantised */
    pm_format_stage *st = context;
    if (!interleaved)
        return PM_ERR_INTERNAL;
    if (st->position + (int64_t)frames > st->image_frames) {
        pm_diag_add(diag, PM_SEV_ERROR, st->image.on ? st->image.path : st->bin.path, 0, NULL,
                    "the stream runs past the lead-out at %lld frames",
                    (long long)st->image_frames);
        st->pass_failed = 1;
        return PM_ERR_INTERNAL;
    }
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < st->block_frames ? frames - done : st->block_frames;
        int64_t at = st->position;
        unsigned char *b = st->block;
        for (size_t i = 0; i < n; i++) {
            /* The head of the image before any audio is digital silence in the plan: it stays
             * so, without the dither's noise (every DDP writer leaves the first 150 sectors
             * silent, ddp-notes 1.6). */
            int silent = at + (int64_t)i < st->silent_frames;
            for (int c = 0; c < 2; c++) {
                int32_t code =
                    silent ? 0 : pm_dither_code(interleaved[2 * (done + i) + (size_t)c], 16);
                uint16_t u = (uint16_t)code;
                *b++ = (unsigned char)(u & 0xFF); /* IMAGE.DAT is little-endian (1.7) */
                *b++ = (unsigned char)(u >> 8);
            }
        }
        pm_status status = put_bytes(st, at, n);
        if (status != PM_OK) {
            pm_diag_add(diag, PM_SEV_ERROR, st->image.on ? st->image.path : st->bin.path, 0, NULL,
                        "cannot be written: %s", strerror(errno));
            return status;
        }
        st->position += (int64_t)n;
        done += n;
    }
    return PM_OK;
}

/* The image to the lead-out: its last sector's remainder and anything the stream ended short
 * of is silence (ddp-notes 1.7). */
static pm_status pad_to_leadout(pm_format_stage *st)
{
    memset(st->block, 0, st->block_frames * BYTES_PER_FRAME);
    while (st->position < st->image_frames) {
        int64_t left = st->image_frames - st->position;
        size_t n = left < (int64_t)st->block_frames ? (size_t)left : st->block_frames;
        pm_status status = put_bytes(st, st->position, n);
        if (status != PM_OK)
            return status;
        st->position += (int64_t)n;
    }
    return PM_OK;
}

static pm_status finish_stream(pm_cd_stream *s, pm_diag *diag)
{
    if (!s->on)
        return PM_OK;
    int failed = fflush(s->file) != 0 || ferror(s->file);
    failed |= fclose(s->file) != 0;
    s->file = NULL;
    if (failed) {
        pm_diag_add(diag, PM_SEV_ERROR, s->path, 0, NULL, "cannot be written: %s", strerror(errno));
        (void)unlink(s->temp);
        return PM_ERR_IO;
    }
    return pm_commit_file(s->temp, s->path, diag);
}

/* A control file of the DDP (or the .cdt), atomically; its line of CHECKSUM.MD5 into sums. */
static pm_status put_file(const char *dir, const char *name, const unsigned char *data, size_t size,
                          pm_strbuf *sums, pm_diag *diag)
{
    char path[4096], hex[33];
    if (pm_path_join(path, sizeof path, dir, name) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "the folder's name is too long");
        return PM_ERR_IO;
    }
    if (sums) {
        pm_md5 h;
        pm_md5_init(&h);
        pm_md5_update(&h, data, size);
        pm_md5_final(&h, hex);
        pm_strbuf_printf(sums, "%s *%s\n", hex, name); /* md5sum's binary-mode line */
    }
    return pm_write_file_atomic(path, data, size, diag);
}

/* The kept pass: the image and the .bin take their names, then the DDP's control files and
 * CHECKSUM.MD5 (whose IMAGE.DAT line is the digest taken while the image was written), and the
 * .cdt. */
static pm_status commit_pass(pm_format_stage *st, pm_diag *diag)
{
    pm_status status = pad_to_leadout(st);
    if (status != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, st->image.on ? st->image.path : st->bin.path, 0, NULL,
                    "cannot be written: %s", strerror(errno));
        return status;
    }
    char image_hex[33];
    pm_md5_final(&st->image_md5, image_hex);
    status = finish_stream(&st->image, diag);
    if (status == PM_OK)
        status = finish_stream(&st->bin, diag);
    if (status == PM_OK && st->files.ddp) {
        pm_strbuf sums;
        pm_strbuf_init(&sums);
        status = put_file(st->ddp_dir, "DDPID", st->id, sizeof st->id, &sums, diag);
        if (status == PM_OK)
            status = put_file(st->ddp_dir, "DDPMS", st->ms, st->ms_size, &sums, diag);
        if (status == PM_OK)
            status = put_file(st->ddp_dir, PM_CD_PQ_NAME, st->pq, st->pq_size, &sums, diag);
        if (status == PM_OK && st->cdtext_size)
            status =
                put_file(st->ddp_dir, PM_CD_CDTEXT_NAME, st->cdtext, st->cdtext_size, &sums, diag);
        pm_strbuf_printf(&sums, "%s *%s\n", image_hex, PM_CD_IMAGE_NAME);
        char *text = pm_strbuf_take(&sums);
        if (status == PM_OK && !text)
            status = PM_ERR_NOMEM;
        if (status == PM_OK)
            status = put_file(st->ddp_dir, PM_CD_SUMS_NAME, (const unsigned char *)text,
                              strlen(text), NULL, diag);
        free(text);
    }
    if (status == PM_OK && st->files.cdt && st->cdtext_size) {
        char name[256];
        snprintf(name, sizeof name, "%s.cdt", st->files.name);
        status = put_file(st->dir, name, st->cdtext, st->cdtext_size, NULL, diag);
    }
    return status;
}

static pm_status writer_end(void *context, int keep, const pm_target_measure *measure,
                            pm_diag *diag)
{
    (void)measure;
    pm_format_stage *st = context;
    if (keep && !st->pass_failed) {
        pm_status status = commit_pass(st, diag);
        if (status == PM_OK)
            return PM_OK;
        st->pass_failed = 1;
        close_stream(&st->image, 1);
        close_stream(&st->bin, 1);
        return status;
    }
    /* A pass thrown away, or one that failed, leaves nothing. */
    close_stream(&st->image, 1);
    close_stream(&st->bin, 1);
    return PM_OK;
}

/* ---- prepare -------------------------------------------------------------------------------- */

static void cd_free(pm_format_stage *st)
{
    if (!st)
        return;
    close_stream(&st->image, 1);
    close_stream(&st->bin, 1);
    free(st->block);
    free(st->pq);
    free(st->cdtext);
    free(st);
}

static pm_dither_mode dither_mode(pm_dither d)
{
    return d == PM_DITHER_SHAPED ? PM_DITHER_MODE_SHAPED
           : d == PM_DITHER_TPDF ? PM_DITHER_MODE_TPDF
                                 : PM_DITHER_MODE_NONE;
}

/* The project's CD-TEXT as packs, when it is to be written. */
static pm_status encode_cdtext(pm_format_stage *st, pm_diag *diag)
{
    if (!st->files.cdtext)
        return PM_OK;
    pm_cdtext_input in;
    pm_status status = pm_cdtext_input_from_project(st->p, &in, diag);
    if (status == PM_OK)
        status = pm_cdtext_encode(&in, &st->cdtext, &st->cdtext_size, diag);
    pm_cdtext_input_fini(&in);
    return status;
}

static pm_status stream_paths(pm_format_stage *st, pm_diag *diag)
{
    char bin_name[256];
    snprintf(bin_name, sizeof bin_name, "%s.bin", st->files.name);
    if (pm_path_join(st->ddp_dir, sizeof st->ddp_dir, st->dir, PM_CD_DDP_DIR) != 0 ||
        pm_path_join(st->image.path, sizeof st->image.path, st->ddp_dir, PM_CD_IMAGE_NAME) != 0 ||
        pm_path_join(st->bin.path, sizeof st->bin.path, st->dir, bin_name) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, st->dir, 0, NULL, "the folder's name is too long");
        return PM_ERR_IO;
    }
    if (st->files.ddp && mkdir(st->ddp_dir, 0777) != 0 && errno != EEXIST) {
        pm_diag_add(diag, PM_SEV_ERROR, st->ddp_dir, 0, NULL, "cannot be made: %s",
                    strerror(errno));
        return PM_ERR_IO;
    }
    pm_temp_name(st->image.path, st->image.temp, sizeof st->image.temp);
    pm_temp_name(st->bin.path, st->bin.temp, sizeof st->bin.temp);
    st->image.on = st->files.ddp;
    st->bin.on = st->files.bin;
    st->bin.skip_frames = (int64_t)PM_CD_BIN_OFFSET_CDF * PM_CD_SAMPLES_PER_FRAME;
    return PM_OK;
}

/* The stage's state for p writing under dir, with its buffer; NULL when out of memory. */
static pm_format_stage *new_stage(const pm_project *p, const char *dir)
{
    pm_format_stage *st = pm_alloc_zeroed(1, sizeof *st);
    unsigned char *block = pm_alloc_array(BLOCK_FRAMES, BYTES_PER_FRAME);
    if (!st || !block) {
        free(st);
        free(block);
        return NULL;
    }
    st->p = p;
    st->block = block;
    st->block_frames = BLOCK_FRAMES;
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    pm_cd_files_of(p, &st->files);
    st->image_frames = p->plan->leadout_cdf * PM_CD_SAMPLES_PER_FRAME;
    st->silent_frames =
        pm_cdf_floor(p->plan->items[0].start, p->plan->rate) * PM_CD_SAMPLES_PER_FRAME;
    return st;
}

static pm_status cd_prepare(const pm_project *p, const char *dir, uint64_t seed, int threads,
                            pm_format_stage **stage, pm_target_config **targets, size_t *count,
                            pm_diag *diag)
{
    (void)threads; /* the CD's finish is one sequence of checks */
    const pm_plan *plan = p->plan;
    const pm_cd_target *cd = &p->cd;
    if (!plan->has_cd || plan->first_track >= plan->item_count) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, cd->line, NULL,
                    "cd: the tracks could not be placed on the CD frame grid");
        return PM_ERR_INVALID;
    }
    *stage = NULL;
    *targets = NULL;
    *count = 0;
    pm_format_stage *st = new_stage(p, dir);
    if (!st)
        return PM_ERR_NOMEM;
    pm_status status = stream_paths(st, diag);
    if (status == PM_OK)
        status = encode_cdtext(st, diag);
    if (status == PM_OK && st->files.ddp) {
        pm_ddp_id_bytes(p, st->id);
        status = pm_ddp_pq_bytes(p, &st->pq, &st->pq_size);
        if (status == PM_OK)
            st->ms_size = pm_ddp_ms_bytes(p, st->pq_size, st->cdtext_size, st->ms);
    }
    if (status != PM_OK) {
        cd_free(st);
        return status;
    }
    pm_target_config *t = &st->target;
    t->name = "cd";
    t->line = cd->line;
    t->rate = PM_CD_RATE;
    t->bits = 16;
    t->dither = dither_mode(cd->dither);
    t->seed = seed;
    t->has_ceiling = cd->has_ceiling;
    t->ceiling_dbtp = cd->ceiling_dbtp;
    t->release_sec = cd->release_sec;
    /* loudness: one gain for the album, closed-loop, up or down (a CD target asks for a level) */
    t->normalize = cd->has_loudness ? PM_TARGET_NORMALIZE_ALBUM : PM_TARGET_NORMALIZE_NONE;
    t->measure_loudness = 1; /* the report's loudness of what was written */
    t->loudness_lufs = cd->loudness_lufs;
    t->boost = 1;
    t->writer = (pm_target_writer){writer_begin, writer_write, writer_end, st};
    *stage = st;
    *targets = t;
    *count = 1;
    return PM_OK;
}

/* ---- finish ---------------------------------------------------------------------------------- */

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

/* The deliverables written, as report.json lists them (paths under the render folder). */
static void json_files(const pm_format_stage *st, pm_strbuf *out)
{
    static const char *const ddp[] = {"DDPID",          "DDPMS",           PM_CD_PQ_NAME,
                                      PM_CD_IMAGE_NAME, PM_CD_CDTEXT_NAME, PM_CD_SUMS_NAME};
    pm_strbuf_append(out, "\"files\": [");
    for (size_t i = 0; st->files.ddp && i < sizeof ddp / sizeof *ddp; i++)
        if (strcmp(ddp[i], PM_CD_CDTEXT_NAME) != 0 || st->cdtext_size)
            pm_strbuf_printf(out, "\"cd/%s/%s\", ", PM_CD_DDP_DIR, ddp[i]);
    const struct {
        int on;
        const char *ext;
    } own[] = {{st->files.bin, "bin"},
               {st->files.cdt && st->cdtext_size, "cdt"},
               {st->files.cue, "cue"},
               {st->files.toc, "toc"}};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (own[i].on)
            pm_strbuf_printf(out, "\"cd/%s.%s\", ", st->files.name, own[i].ext);
    pm_strbuf_printf(out, "\"cd/%s\"]", PM_CD_PQ_SHEET_NAME);
}

/* The cue sheet, the TOC and the PQ sheet (cd_sheets.h), each written atomically. */
static pm_status write_sheets(const pm_format_stage *st, pm_diag *diag)
{
    pm_status status = PM_OK;
    for (int i = 0; status == PM_OK && i < PM_CD_SHEETS; i++) {
        char name[256];
        pm_strbuf text;
        pm_strbuf_init(&text);
        status = pm_cd_sheet_text(st->p, &st->files, i, name, &text);
        char *data = status == PM_OK && *name ? pm_strbuf_take(&text) : NULL;
        if (status == PM_OK && *name && !data)
            status = PM_ERR_NOMEM;
        if (data)
            status = put_file(st->dir, name, (const unsigned char *)data, strlen(data), NULL, diag);
        else if (status != PM_OK && status != PM_ERR_NOMEM)
            pm_diag_add(diag, PM_SEV_ERROR, st->p->path, st->p->cd.line, NULL,
                        "cd: %s cannot be written for this project", name);
        free(data);
        pm_strbuf_fini(&text);
    }
    return status;
}

static pm_status cd_finish(pm_format_stage *st, const pm_target_result *results, pm_strbuf *report,
                           pm_format_check *checks, size_t max_checks, size_t *check_count,
                           pm_diag *diag)
{
    const pm_project *p = st->p;
    const pm_target_result *res = &results[0];
    size_t first = *check_count;
    pm_status status = write_sheets(st, diag);
    if (status == PM_OK)
        status = pm_cd_verify(p, st->dir, checks, max_checks, check_count, diag);
    if (status != PM_OK)
        return status;
    pm_strbuf_append(report, "{\"format\": \"cd\", \"rate\": 44100, \"bits\": 16, ");
    json_files(st, report);
    pm_strbuf_append(report, ",\n  ");
    if (p->cd.has_ceiling)
        json_num(report, "ceiling_dbtp", p->cd.ceiling_dbtp, 2);
    else
        pm_strbuf_append(report, "\"ceiling_dbtp\": null");
    pm_strbuf_append(report, ", ");
    if (p->cd.has_loudness)
        json_num(report, "loudness_target_lufs", p->cd.loudness_lufs, 2);
    else
        pm_strbuf_append(report, "\"loudness_target_lufs\": null");
    pm_strbuf_append(report, ", ");
    pm_format_target_json(report, res);
    pm_strbuf_append(report, ",\n  ");
    json_num(report, "integrated_lufs", res->measure.integrated_lufs, 2);
    pm_strbuf_append(report, ", ");
    json_num(report, "true_peak_dbtp", res->measure.true_peak_dbtp, 3);
    pm_strbuf_append(report, ",\n  \"pq\": ");
    status = pm_cd_pq_json(p, report);
    if (status != PM_OK)
        return status == PM_ERR_NOMEM ? status : PM_ERR_INTERNAL;
    pm_strbuf_append(report, ",\n  \"checks\": [");
    for (size_t i = first; i < *check_count; i++) {
        pm_strbuf_printf(report, "%s\n    {\"check\": ", i > first ? "," : "");
        pm_strbuf_json_string(report, checks[i].what);
        pm_strbuf_printf(report, ", \"ok\": %s}", checks[i].ok ? "true" : "false");
    }
    pm_strbuf_append(report, *check_count > first ? "\n  ]}" : "]}");
    return report->failed ? PM_ERR_NOMEM : PM_OK;
}

static int cd_wanted(const pm_project *p)
{
    return p->cd.line != 0;
}

const pm_format_ops pm_cd_format = {
    .name = "cd",
    .wanted = cd_wanted,
    .prepare = cd_prepare,
    .finish = cd_finish,
    .verify = pm_cd_verify,
    .free = cd_free,
};
