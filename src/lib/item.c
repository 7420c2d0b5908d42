/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "audiofile.h"
#include "chain.h"
#include "dsp/eq.h"
#include "item.h"
#include "pipeline.h"

enum {
    SOURCE_BLOCK = 4096, /* source frames read at a time */
    CHANNELS = 2,
    MAX_READ = 4096 /* the most frames pm_item_next hands out at once */
};

#define PI 3.14159265358979323846

struct pm_item {
    const pm_project *project;
    const pm_plan_item *it;
    pm_diag *diag;
    pm_audiofile *file;
    int source_channels;
    int64_t source_left; /* source frames still to read */
    pm_pipeline *pipeline;
    /* The pipeline has no stage: the source is read straight into the ring, where the pipeline
     * would only have handed the same block on to be copied there. */
    int direct;
    int drained;
    double *source[CHANNELS]; /* SOURCE_BLOCK frames each; not used when direct */
    /* what the pipeline gave and pm_item_next has not handed out yet: a ring of capacity frames */
    double *fifo[CHANNELS];
    size_t capacity, head, count;
    int64_t produced;  /* frames the pipeline has given so far */
    int64_t delivered; /* frames pm_item_next has handed out so far */
    int overflow;
};

double pm_fade_in_gain(pm_fade_curve curve, int64_t j, int64_t length)
{
    if (length <= 0 || j >= length)
        return 1.0;
    if (j <= 0)
        return 0.0;
    double t = (double)j / (double)length;
    switch (curve) {
    case PM_FADE_LINEAR: return t;
    /* log rises fast and levels off; exp, its mirror, starts slowly: g = log10(1 + 9t) and
     * (10^t - 1) / 9, both 0 at t = 0 and 1 at t = 1 */
    case PM_FADE_LOG: return log10(1.0 + 9.0 * t);
    case PM_FADE_EXP: return (pow(10.0, t) - 1.0) / 9.0;
    case PM_FADE_SCURVE:
    default: return 0.5 - 0.5 * cos(PI * t);
    }
}

/* The pipeline's sink: append to the ring. */
static pm_status to_fifo(void *context, const double *const *block, size_t frames)
{
    pm_item *item = context;
    if (item->count + frames > item->capacity) {
        item->overflow = 1;
        return PM_ERR_INTERNAL;
    }
    for (int c = 0; c < CHANNELS; c++) {
        size_t tail = (item->head + item->count) % item->capacity;
        size_t first = frames < item->capacity - tail ? frames : item->capacity - tail;
        memcpy(item->fifo[c] + tail, block[c], first * sizeof(double));
        memcpy(item->fifo[c], block[c] + first, (frames - first) * sizeof(double));
    }
    item->count += frames;
    item->produced += (int64_t)frames;
    return PM_OK;
}

void pm_item_close(pm_item *item)
{
    if (!item)
        return;
    pm_audiofile_close(item->file);
    pm_pipeline_free(item->pipeline);
    for (int c = 0; c < CHANNELS; c++) {
        free(item->source[c]);
        free(item->fifo[c]);
    }
    free(item);
}

/* The stages an item runs through: rate conversion, gain, its own chain. */
static pm_status item_stages(const pm_project *p, const pm_track *t, int source_rate,
                             int64_t rate, pm_resampler_engine engine, pm_diag *diag,
                             pm_stage ***stages, size_t *count)
{
    pm_stage **chain = NULL;
    size_t chain_count = 0;
    pm_status status = pm_chain_stages(&t->chain, p->path, diag, &chain, &chain_count);
    if (status != PM_OK)
        return status;
    pm_stage **list = pm_alloc_zeroed(chain_count + 2, sizeof *list);
    if (!list) {
        pm_chain_stages_free(chain, chain_count);
        return PM_ERR_NOMEM;
    }
    size_t n = 0;
    if (source_rate != rate)
        status = pm_resample_new(engine, (double)rate, &list[n++], diag);
    if (status == PM_OK && t->gain_db != 0.0)
        status = pm_gain_new(t->gain_db, &list[n++], diag);
    if (status != PM_OK) {
        pm_chain_stages_free(list, n);
        pm_chain_stages_free(chain, chain_count);
        return status;
    }
    for (size_t i = 0; i < chain_count; i++)
        list[n++] = chain[i];
    free(chain);
    *stages = list;
    *count = n;
    return PM_OK;
}

pm_status pm_item_open(const pm_project *p, const pm_plan_item *it, pm_resampler_engine engine,
                       pm_diag *diag, pm_item **out)
{
    *out = NULL;
    const pm_track *t = it->track;
    pm_item *item = pm_alloc_zeroed(1, sizeof *item);
    if (!item)
        return PM_ERR_NOMEM;
    item->project = p;
    item->it = it;
    item->diag = diag;
    char why[256];
    pm_status status = pm_audiofile_open(t->src_path, SOURCE_BLOCK, &item->file, why, sizeof why);
    if (status != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, t->line, NULL, "source \"%s\" cannot be read: %s",
                    t->src, why);
        goto fail;
    }
    const SF_INFO *info = pm_audiofile_info(item->file);
    item->source_channels = info->channels;
    if (info->channels < 1 || info->channels > CHANNELS || info->samplerate != t->source.rate ||
        info->frames < it->src_start + it->src_frames) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, t->line, NULL,
                    "source \"%s\" changed since it was checked; check the project again",
                    t->src);
        status = PM_ERR_INVALID;
        goto fail;
    }
    if (it->src_start > 0 && !pm_audiofile_seek(item->file, it->src_start)) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, t->line, NULL,
                    "source \"%s\" cannot be read from its start point", t->src);
        status = PM_ERR_IO;
        goto fail;
    }
    item->source_left = it->src_frames;

    pm_stage **stages = NULL;
    size_t count = 0;
    status = item_stages(p, t, info->samplerate, p->plan->rate, engine, diag, &stages, &count);
    if (status != PM_OK)
        goto fail;
    pm_stage_format in = {.rate_hz = info->samplerate, .channels = CHANNELS,
                          .max_block_frames = SOURCE_BLOCK};
    pm_stage_format format;
    status = pm_pipeline_new(stages, count, &in, &format, diag, &item->pipeline);
    free(stages);
    if (status != PM_OK)
        goto fail;
    /* Room for one read's worth, one push's output and the whole tail drain gives at once. */
    item->capacity = MAX_READ + format.max_block_frames + pm_pipeline_latency(item->pipeline) +
                     2 * SOURCE_BLOCK;
    item->direct = pm_pipeline_stage_count(item->pipeline) == 0;
    status = PM_ERR_NOMEM;
    for (int c = 0; c < CHANNELS; c++)
        if ((!item->direct && !(item->source[c] = pm_alloc_array(SOURCE_BLOCK, sizeof(double)))) ||
            !(item->fifo[c] = pm_alloc_array(item->capacity, sizeof(double))))
            goto fail;
    *out = item;
    return PM_OK;
fail:
    pm_item_close(item);
    return status;
}

/* Where the next want source frames go: item->source, or when direct the free run of the ring at
 * its tail, want cut to what fits there before the ring wraps. 0 when the ring is full. */
static size_t source_target(pm_item *item, size_t want, double *into[CHANNELS])
{
    if (!item->direct) {
        for (int c = 0; c < CHANNELS; c++)
            into[c] = item->source[c];
        return want;
    }
    size_t tail = (item->head + item->count) % item->capacity;
    /* free frames from the tail on: up to the end of the array, or up to the head once the
     * frames held wrap round */
    size_t to_end = item->capacity - tail, unused = item->capacity - item->count;
    size_t room = to_end < unused ? to_end : unused;
    for (int c = 0; c < CHANNELS; c++)
        into[c] = item->fifo[c] + tail;
    return want < room ? want : room;
}

/* Read one block of the source and push it through (or, when direct, into the ring); at the end,
 * drain. */
static pm_status refill(pm_item *item)
{
    const pm_track *t = item->it->track;
    if (item->source_left > 0) {
        size_t want = item->source_left < SOURCE_BLOCK ? (size_t)item->source_left : SOURCE_BLOCK;
        double *into[CHANNELS];
        want = source_target(item, want, into);
        if (want == 0) {
            item->overflow = 1;
            return PM_ERR_INTERNAL;
        }
        size_t got = pm_audiofile_read(item->file, into, want);
        if (got != want) {
            pm_diag_add(item->diag, PM_SEV_ERROR, item->project->path, t->line, NULL,
                        "source \"%s\" ended or failed %lld frames early", t->src,
                        (long long)(item->source_left - (int64_t)got));
            return PM_ERR_IO;
        }
        if (item->source_channels == 1)
            memcpy(into[1], into[0], got * sizeof(double));
        item->source_left -= (int64_t)got;
        if (item->direct) {
            item->count += got;
            item->produced += (int64_t)got;
            return PM_OK;
        }
        return pm_pipeline_push(item->pipeline, (const double *const *)into, got, to_fifo, item);
    }
    item->drained = 1;
    return pm_pipeline_drain(item->pipeline, to_fifo, item);
}

pm_status pm_item_next(pm_item *item, size_t frames, const double *block[CHANNELS], size_t *got)
{
    *got = 0;
    int64_t left = item->it->length - item->delivered;
    if ((int64_t)frames > left)
        frames = (size_t)left;
    if (frames > MAX_READ)
        frames = MAX_READ;
    while (item->count < frames && !item->drained) {
        pm_status status = refill(item);
        if (status != PM_OK)
            return status;
    }
    if (item->count < frames || (item->drained && item->count + (size_t)item->delivered >
                                                      (size_t)item->it->length)) {
        pm_diag_add(item->diag, PM_SEV_ERROR, item->project->path, item->it->track->line, NULL,
                    "internal error: track %d gave %lld frames where the plan has %lld",
                    item->it->number, (long long)item->produced, (long long)item->it->length);
        return PM_ERR_INTERNAL;
    }
    /* Handed out in place: up to where the ring wraps, the rest on the next call. */
    if (frames > item->capacity - item->head)
        frames = item->capacity - item->head;
    double *run[CHANNELS];
    for (int c = 0; c < CHANNELS; c++)
        run[c] = item->fifo[c] + item->head;
    item->head = (item->head + frames) % item->capacity;
    item->count -= frames;

    /* The track's fades: fade-in over its first frames, fade-out over its last. The frames are
     * the ring's, already taken out of it, so they are faded where they lie. */
    const pm_track *t = item->it->track;
    int64_t length = item->it->length, fade_in = item->it->fade_in, fade_out = item->it->fade_out;
    for (size_t i = 0; i < frames; i++) {
        int64_t j = item->delivered + (int64_t)i;
        double g = 1.0;
        if (j < fade_in)
            g *= pm_fade_in_gain(t->fade_curve, j, fade_in);
        if (length - 1 - j < fade_out)
            g *= pm_fade_in_gain(t->fade_curve, length - 1 - j, fade_out);
        if (g != 1.0)
            for (int c = 0; c < CHANNELS; c++)
                run[c][i] *= g;
    }
    item->delivered += (int64_t)frames;
    for (int c = 0; c < CHANNELS; c++)
        block[c] = run[c];
    *got = frames;
    return PM_OK;
}
