/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The streaming format's table, its targets and the writer that cuts each target's stream into
 * files (streaming.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "alloc.h"
#include "fsutil.h"
#include "streaming.h"

/* The writer is given at most this many frames at once (target.c's largest output block). */
enum { MAX_WRITE = 1 << 16 };

/* ---- the mute: nothing outside the files reaches the limiter or the meters ------------------ */

typedef struct mute_stage {
    pm_stage base;
    int64_t end; /* frames before this are muted */
    int64_t position;
} mute_stage;

static void mute_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                         double *const *out, size_t out_capacity, size_t *produced)
{
    mute_stage *s = (mute_stage *)stage;
    size_t n = in_frames < out_capacity ? in_frames : out_capacity;
    size_t quiet = 0;
    if (s->position < s->end)
        quiet = s->end - s->position < (int64_t)n ? (size_t)(s->end - s->position) : n;
    for (int c = 0; c < 2; c++) {
        memset(out[c], 0, quiet * sizeof **out);
        if (out[c] != in[c])
            memcpy(out[c] + quiet, in[c] + quiet, (n - quiet) * sizeof **in);
    }
    s->position += (int64_t)n;
    *used = *produced = n;
}

static void mute_reset(pm_stage *stage)
{
    ((mute_stage *)stage)->position = 0;
}

static void mute_free(pm_stage *stage)
{
    free(stage);
}

static const pm_stage_ops mute_ops = {
    .name = "mute outside the files",
    .start = pm_stage_start_same_format,
    .process = mute_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = mute_reset,
    .free = mute_free,
};

/* The extra stage of a target whose first file starts after the stream does (track 1's pause,
 * an omitted hidden track): the album's loudness and peaks are then the files' own. */
static pm_status streaming_extra(void *context, pm_stage ***stages, size_t *count, pm_diag *diag)
{
    (void)diag;
    pm_streaming_out *o = context;
    *stages = NULL;
    *count = 0;
    if (o->mute_end <= 0)
        return PM_OK;
    pm_stage **list = pm_alloc_zeroed(1, sizeof *list);
    mute_stage *s = pm_alloc_zeroed(1, sizeof *s);
    if (!list || !s) {
        free(list);
        free(s);
        return PM_ERR_NOMEM;
    }
    s->base.ops = &mute_ops;
    s->base.in_place = 1;
    s->end = o->mute_end;
    list[0] = &s->base;
    *stages = list;
    *count = 1;
    return PM_OK;
}

/* ---- the writer ----------------------------------------------------------------------------- */

static unsigned codec_of(const pm_streaming_out *o, size_t k)
{
    size_t seen = 0;
    for (int c = 0; c < PM_STREAMING_CODECS; c++)
        if (o->formats & pm_streaming_codecs[c].bit) {
            if (seen == k)
                return pm_streaming_codecs[c].bit;
            seen++;
        }
    return 0;
}

static void fail(pm_streaming_out *o, const char *path, const char *why)
{
    if (!o->failed) {
        o->error_file = path;
        snprintf(o->error, sizeof o->error, "%s", why);
    }
    o->failed = 1;
}

static void close_files(pm_streaming_out *o, int remove_temp)
{
    for (size_t i = 0; i < o->file_count * o->format_count; i++) {
        pm_streaming_file *f = &o->files[i];
        if (f->sf)
            sf_close(f->sf);
        f->sf = NULL;
        if (remove_temp)
            (void)unlink(f->temp);
    }
}

static pm_status writer_begin(void *context, int pass, pm_diag *diag)
{
    (void)pass;
    (void)diag;
    pm_streaming_out *o = context;
    o->position = 0;
    o->failed = 0;
    o->error[0] = '\0';
    pm_sha256_init(&o->hash);
    for (size_t i = 0; i < o->file_count * o->format_count; i++) {
        o->files[i].written = 0;
        o->files[i].closed = 0;
    }
    return PM_OK;
}

/* A file the stream has passed: close it, and give an Ogg stream its fixed serial number. */
static void finish_file(pm_streaming_out *o, size_t index)
{
    pm_streaming_file *f = &o->files[index];
    if (f->sf && sf_close(f->sf) != 0)
        fail(o, f->path, "cannot be finished");
    f->sf = NULL;
    f->closed = 1;
    unsigned codec = codec_of(o, index / o->file_count);
    char why[256];
    /* the serial: the file's number, the same on every render and different per file */
    if (!o->failed && (codec == PM_FORMAT_OPUS || codec == PM_FORMAT_OGG) &&
        pm_streaming_ogg_serial(f->temp, (uint32_t)(index % o->file_count + 1), why, sizeof why) !=
            PM_OK)
        fail(o, f->path, why);
}

static pm_status write_piece(pm_streaming_out *o, const int32_t *interleaved,
                             const double *const *planar, int64_t from, size_t frames)
{
    const int32_t *ints = interleaved;
    const float *floats = NULL;
    if (!interleaved) {
        for (size_t k = 0; k < frames; k++) {
            o->floats[2 * k] = (float)planar[0][k];
            o->floats[2 * k + 1] = (float)planar[1][k];
        }
        floats = o->floats;
    }
    int64_t to = from + (int64_t)frames;
    int64_t first = o->files[0].start, last = o->files[o->file_count - 1].end;
    if (!o->lossy && to > first && from < last) {
        int64_t a = from > first ? from : first, b = to < last ? to : last;
        size_t skip = (size_t)(a - from) * 2, n = (size_t)(b - a) * 2;
        pm_streaming_hash_samples(&o->hash, ints ? ints + skip : NULL,
                                  floats ? floats + skip : NULL, n);
    }
    for (size_t i = 0; !o->failed && i < o->file_count * o->format_count; i++) {
        pm_streaming_file *f = &o->files[i];
        int64_t a = from > f->start ? from : f->start, b = to < f->end ? to : f->end;
        if (a >= b || f->closed)
            continue;
        if (!f->sf) {
            char why[256];
            unsigned codec = codec_of(o, i / o->file_count);
            f->sf =
                pm_streaming_open_write(f->temp, codec, o->rate, o->bits,
                                        o->owner->p->streaming[o->target].mp3_vbr, why, sizeof why);
            if (!f->sf) {
                fail(o, f->path, why);
                break;
            }
        }
        sf_count_t n = (sf_count_t)(b - a), got;
        if (ints)
            got = sf_writef_int(f->sf, ints + 2 * (a - from), n);
        else
            got = sf_writef_float(f->sf, floats + 2 * (a - from), n);
        if (got != n) {
            fail(o, f->path, sf_strerror(f->sf));
            break;
        }
        f->written += n;
        if (b == f->end)
            finish_file(o, i);
    }
    return o->failed ? PM_ERR_IO : PM_OK;
}

static pm_status writer_write(void *context, const int32_t *interleaved,
                              const double *const *planar, size_t frames, pm_diag *diag)
{
    (void)diag; /* on the target's thread: the message waits for end */
    pm_streaming_out *o = context;
    pm_status status = PM_OK;
    for (size_t done = 0; status == PM_OK && done < frames;) {
        size_t n = frames - done < MAX_WRITE ? frames - done : MAX_WRITE;
        const double *const piece[2] = {planar ? planar[0] + done : NULL,
                                        planar ? planar[1] + done : NULL};
        status = write_piece(o, interleaved ? interleaved + 2 * done : NULL, piece, o->position, n);
        o->position += (int64_t)n;
        done += n;
    }
    return status;
}

/* Read back the files of the pass in the first format (wav and flac decode alike): each one
 * decoded and measured alone, and joined, into o->read. */
static pm_status read_back(pm_streaming_out *o)
{
    for (size_t i = 0; i < o->file_count; i++)
        if (!o->files[i].closed)
            finish_file(o, i);
    if (o->failed)
        return PM_ERR_IO;
    pm_streaming_read_fini(&o->read);
    int subformat = pm_streaming_sf_format(codec_of(o, 0), o->bits) & SF_FORMAT_SUBMASK;
    pm_status status =
        pm_streaming_read_files(o->temps, o->file_count, o->joined_start, o->joined_end, o->rate,
                                subformat, o->bits, o->owner->threads, &o->read);
    for (size_t i = 0; status == PM_OK && i < o->file_count; i++)
        if (!o->read.opened[i] || !o->read.format_ok[i]) {
            fail(o, o->files[i].path, "does not decode as it was written");
            status = PM_ERR_IO;
        }
    if (status != PM_OK && !o->failed)
        fail(o, o->files[0].path, "out of memory reading the files back");
    return status;
}

/* The codec check: every file of the pass decoded and measured alone. */
static pm_status writer_decoded(void *context, double *true_peak_dbtp)
{
    pm_streaming_out *o = context;
    *true_peak_dbtp = -HUGE_VAL;
    pm_status status = read_back(o);
    for (size_t i = 0; status == PM_OK && i < o->file_count; i++)
        *true_peak_dbtp = fmax(*true_peak_dbtp, pm_streaming_peak_dbtp(&o->read.each[i]));
    return status;
}

/* streaming/<name>.samples.sha256: the digest of the lossless files' samples (streaming.h). */
static pm_status write_digest(pm_streaming_out *o, pm_diag *diag)
{
    const pm_streaming_target *s = &o->owner->p->streaming[o->target];
    char path[4096], name[128], text[256];
    snprintf(name, sizeof name, "%s.samples.sha256", s->name);
    if (pm_path_join(path, sizeof path, o->owner->dir, name) != 0)
        return PM_ERR_IO;
    int n = snprintf(text, sizeof text, "%s  %s/ (%d-bit samples joined)\n", o->hash_hex, s->name,
                     o->bits);
    return pm_write_file_atomic(path, text, (size_t)n, diag);
}

static pm_status writer_end(void *context, int keep, const pm_target_measure *measure,
                            pm_diag *diag)
{
    pm_streaming_out *o = context;
    pm_status status = PM_OK;
    for (size_t i = 0; keep && !o->failed && i < o->file_count * o->format_count; i++) {
        pm_streaming_file *f = &o->files[i];
        if (!f->closed && f->written == f->end - f->start)
            finish_file(o, i);
        if (f->written != f->end - f->start && !o->failed) {
            pm_diag_add(diag, PM_SEV_ERROR, f->path, 0, NULL,
                        "the stream gave %lld samples for a file of %lld", (long long)f->written,
                        (long long)(f->end - f->start));
            status = PM_ERR_INTERNAL;
        }
    }
    /* The loudness and peaks the report gives and the tags carry are what the files decode
     * to. 16 and 24 bit: the target measured the very words written (target.h), each file
     * alone and the album from the first file on; lossy (the codec check already did) and
     * float files, whose samples the encoder or the float word changed: read back. */
    int commit = keep && status == PM_OK;
    int exact = !o->lossy && o->bits != 32;
    if (commit && !exact && !o->cfg.decoded && read_back(o) != PM_OK)
        commit = 0;
    double album_peak = -HUGE_VAL;
    for (size_t k = 0; exact && k < o->file_count; k++)
        album_peak = fmax(album_peak, measure->segment_true_peak_dbtp[k]);
    for (size_t i = 0; commit && !o->failed && i < o->file_count * o->format_count; i++) {
        pm_streaming_file *f = &o->files[i];
        size_t k = i % o->file_count;
        pm_streaming_loudness l;
        if (exact)
            l = (pm_streaming_loudness){measure->segment_lufs[k],
                                        measure->segment_true_peak_dbtp[k],
                                        measure->integrated_lufs, album_peak};
        else
            pm_streaming_loudness_of(&o->read, k, &l);
        pm_tag_set tags;
        pm_streaming_tag_set(o->owner->p, f->item, (int)o->file_count,
                             o->owner->has_art ? &o->owner->art : NULL, &l, &tags);
        f->kept_lufs = l.track_lufs;
        f->kept_peak_dbtp = l.track_peak_dbtp;
        o->kept_album_lufs = l.album_lufs;
        o->kept_album_peak_dbtp = l.album_peak_dbtp;
        f->kept_added_db = l.track_peak_dbtp - measure->segment_true_peak_dbtp[k];
        if (pm_tags_write(f->temp, &tags, diag) != PM_OK)
            fail(o, f->path, "cannot be tagged");
    }
    if (commit && !o->lossy)
        pm_sha256_final(&o->hash, o->hash_hex);
    if (o->failed) {
        pm_diag_add(diag, PM_SEV_ERROR, o->error_file, 0, NULL, "%s", o->error);
        status = PM_ERR_IO;
        commit = 0;
    }
    close_files(o, !commit);
    if (!commit)
        return status;
    for (size_t i = 0; status == PM_OK && i < o->file_count * o->format_count; i++)
        status = pm_commit_file(o->files[i].temp, o->files[i].path, diag);
    if (status == PM_OK && !o->lossy) {
        status = write_digest(o, diag);
    }
    return status;
}

/* ---- prepare -------------------------------------------------------------------------------- */

static int streaming_wanted(const pm_project *p)
{
    return p->streaming_count > 0;
}

static void streaming_free(pm_format_stage *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->out_count; i++) {
        pm_streaming_out *o = &st->outs[i];
        if (o->files)
            close_files(o, 1);
        free(o->files);
        free(o->segments);
        free(o->floats);
        free(o->temps);
        free(o->joined_start);
        free(o->joined_end);
        pm_streaming_read_fini(&o->read);
    }
    free(st->outs);
    free(st->configs);
    pm_artwork_fini(&st->art);
    free(st);
}

/* One target of <streaming> number target, writing the formats in `formats`. */
static pm_status out_init(pm_format_stage *st, pm_streaming_out *o, size_t target, unsigned formats,
                          uint64_t seed, pm_diag *diag)
{
    const pm_project *p = st->p;
    const pm_plan *plan = p->plan;
    const pm_streaming_target *s = &p->streaming[target];
    long rate = s->has_rate ? s->rate : (long)plan->rate;
    o->owner = st;
    o->target = target;
    o->formats = formats;
    o->lossy = !(formats & (PM_FORMAT_WAV | PM_FORMAT_FLAC));
    o->rate = o->lossy ? pm_streaming_lossy_rate(formats, rate) : rate;
    o->bits = o->lossy ? 32 : (int)s->bits;
    for (int c = 0; c < PM_STREAMING_CODECS; c++)
        o->format_count += (formats & pm_streaming_codecs[c].bit) != 0;
    if (o->lossy)
        snprintf(o->name, sizeof o->name, "streaming %s %s", s->name,
                 pm_streaming_codec_of(formats)->name);
    else
        snprintf(o->name, sizeof o->name, "streaming %s", s->name);
    if (pm_path_join(o->folder, sizeof o->folder, st->dir, s->name) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, st->dir, 0, NULL, "the folder's name is too long");
        return PM_ERR_IO;
    }
    for (size_t i = 0; i < plan->item_count; i++)
        o->file_count += plan->items[i].file_end > plan->items[i].file_start;
    o->segments = pm_alloc_zeroed(o->file_count ? o->file_count : 1, sizeof *o->segments);
    o->files = pm_alloc_zeroed(o->file_count * o->format_count + 1, sizeof *o->files);
    o->floats = pm_alloc_array(2 * MAX_WRITE, sizeof *o->floats);
    o->temps = pm_alloc_zeroed(o->file_count + 1, sizeof *o->temps);
    o->joined_start = pm_alloc_zeroed(o->file_count + 1, sizeof *o->joined_start);
    o->joined_end = pm_alloc_zeroed(o->file_count + 1, sizeof *o->joined_end);
    if (!o->segments || !o->files || !o->floats || !o->temps || !o->joined_start || !o->joined_end)
        return PM_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        if (it->file_end <= it->file_start)
            continue;
        o->segments[n] = (pm_target_segment){it->file_start, it->file_end};
        for (size_t k = 0; k < o->format_count; k++) {
            pm_streaming_file *f = &o->files[k * o->file_count + n];
            const char *ext = pm_streaming_codec_of(codec_of(o, k))->ext;
            f->item = i;
            f->start = pm_target_frames_at(it->file_start, plan->rate, o->rate);
            f->end = pm_target_frames_at(it->file_end, plan->rate, o->rate);
            pm_streaming_file_name(p, i, ext, f->name, sizeof f->name);
            if (pm_path_join(f->path, sizeof f->path, o->folder, f->name) != 0) {
                pm_diag_add(diag, PM_SEV_ERROR, o->folder, 0, NULL,
                            "the folder's name is too long");
                return PM_ERR_IO;
            }
            pm_temp_name(f->path, f->temp, sizeof f->temp);
        }
        n++;
    }
    if (o->file_count == 0) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, s->line, NULL,
                    "streaming \"%s\": the plan has no file to write", s->name);
        return PM_ERR_INVALID;
    }
    o->mute_end = o->files[0].start;
    for (size_t i = 0; i < o->file_count; i++) {
        o->temps[i] = o->files[i].temp;
        o->joined_start[i] = o->files[i].start - o->files[0].start;
        o->joined_end[i] = o->files[i].end - o->files[0].start;
    }
    pm_target_config *t = &o->cfg;
    t->name = o->name;
    t->line = s->line;
    t->rate = o->rate;
    t->bits = o->bits;
    /* 16 bit: noise-shaped, the quietest in the band that is heard; 24 bit: TPDF, whose noise
     * sits under anything a player or a later process could reveal. Float: none. */
    t->dither = o->bits == 16 ? PM_DITHER_MODE_SHAPED : PM_DITHER_MODE_TPDF;
    t->seed = seed + target;
    t->has_ceiling = 1;
    t->ceiling_dbtp = s->ceiling_dbtp;
    t->release_sec = s->release_sec;
    t->normalize = !s->has_loudness || s->normalize == PM_NORMALIZE_NONE ? PM_TARGET_NORMALIZE_NONE
                   : s->normalize == PM_NORMALIZE_TRACK                  ? PM_TARGET_NORMALIZE_TRACK
                                                        : PM_TARGET_NORMALIZE_ALBUM;
    t->loudness_lufs = s->loudness_lufs;
    t->boost = s->boost;
    t->segments = o->segments;
    t->segment_count = o->file_count;
    t->delivered_from = o->segments[0].start;
    t->segments_alone = 1;
    t->measure_loudness = 1; /* the files' loudness tags and report figures, in every mode */
    t->extra = streaming_extra;
    t->extra_context = o;
    t->writer = (pm_target_writer){writer_begin, writer_write, writer_end, o};
    /* the lossless files are held to the loudness; a lossy format's is reported (its ceiling
     * is its own, and its encoder moves the loudness a little anyway) */
    t->loudness_aim_only = o->lossy;
    if (o->lossy && s->codec_check) {
        t->decoded = writer_decoded;
        t->codec_overshoot_db = pm_streaming_codec_of(formats)->usual_overshoot_db;
    }
    return PM_OK;
}

static pm_status streaming_prepare(const pm_project *p, const char *dir, uint64_t seed,
                                   int threads, pm_format_stage **stage,
                                   pm_target_config **targets, size_t *count, pm_diag *diag)
{
    *stage = NULL;
    *targets = NULL;
    *count = 0;
    pm_format_stage *st = pm_alloc_zeroed(1, sizeof *st);
    if (!st)
        return PM_ERR_NOMEM;
    st->p = p;
    st->threads = threads;
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    size_t most = p->streaming_count * PM_STREAMING_CODECS;
    st->outs = pm_alloc_zeroed(most ? most : 1, sizeof *st->outs);
    st->configs = pm_alloc_zeroed(most ? most : 1, sizeof *st->configs);
    pm_status status = st->outs && st->configs ? PM_OK : PM_ERR_NOMEM;
    /* check reported what the stores would say of the picture; here it is only loaded */
    if (status == PM_OK && p->album.artwork_path) {
        status = pm_artwork_load(p->album.artwork_path, &st->art, NULL);
        st->has_art = status == PM_OK;
        if (status != PM_OK && status != PM_ERR_NOMEM)
            pm_diag_add(diag, PM_SEV_ERROR, p->album.artwork_path, 0, NULL,
                        "the artwork cannot be loaded for the streaming files' tags");
    }
    for (size_t t = 0; status == PM_OK && t < p->streaming_count; t++) {
        const pm_streaming_target *s = &p->streaming[t];
        char folder[4096];
        if (pm_path_join(folder, sizeof folder, dir, s->name) != 0 || mkdir(folder, 0777) != 0) {
            pm_diag_add(diag, PM_SEV_ERROR, folder, 0, NULL, "cannot be made: %s", strerror(errno));
            status = PM_ERR_IO;
            break;
        }
        unsigned lossless = s->formats & (PM_FORMAT_WAV | PM_FORMAT_FLAC);
        if (lossless)
            status = out_init(st, &st->outs[st->out_count++], t, lossless, seed, diag);
        for (int c = 0; status == PM_OK && c < PM_STREAMING_CODECS; c++)
            if (pm_streaming_codecs[c].lossy && (s->formats & pm_streaming_codecs[c].bit))
                status = out_init(st, &st->outs[st->out_count++], t, pm_streaming_codecs[c].bit,
                                  seed, diag);
    }
    if (status != PM_OK) {
        streaming_free(st);
        return status;
    }
    for (size_t i = 0; i < st->out_count; i++)
        st->configs[i] = st->outs[i].cfg;
    *stage = st;
    *targets = st->configs;
    *count = st->out_count;
    return PM_OK;
}

const pm_format_ops pm_streaming_format = {
    .name = "streaming",
    .wanted = streaming_wanted,
    .prepare = streaming_prepare,
    .finish = pm_streaming_finish,
    .verify = pm_streaming_verify,
    .free = streaming_free,
};
