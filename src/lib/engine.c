/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "engine.h"
#include "interrupt.h"
#include "item.h"

enum { CHANNELS = 2 };

#define PI 3.14159265358979323846

double pm_crossfade_in_gain(int64_t j, int64_t length)
{
    return sin(0.5 * PI * ((double)j + 0.5) / (double)length);
}

double pm_crossfade_out_gain(int64_t j, int64_t length)
{
    return cos(0.5 * PI * ((double)j + 0.5) / (double)length);
}

typedef struct run {
    const pm_project *p;
    const pm_plan *plan;
    pm_diag *diag;
    pm_resampler_engine engine;
    pm_item **open; /* items[i] open while the current block overlaps it */
    size_t next_to_open;
    double *mix[CHANNELS];
} run;

static void close_all(run *r)
{
    for (size_t i = 0; i < r->plan->item_count; i++) {
        pm_item_close(r->open[i]);
        r->open[i] = NULL;
    }
}

/* Add item i's frames [from, to) of the timeline into the mix, which starts at frame pos. */
static pm_status mix_item(run *r, size_t i, int64_t pos, int64_t from, int64_t to)
{
    const pm_plan *plan = r->plan;
    const pm_plan_item *it = &plan->items[i];
    /* the crossfade into this item, and the one out of it into the next */
    int64_t in_length = it->crossfade;
    int64_t out_start = INT64_MAX, out_length = 0;
    if (i + 1 < plan->item_count && plan->items[i + 1].crossfade > 0) {
        out_start = plan->items[i + 1].start;
        out_length = plan->items[i + 1].crossfade;
    }
    while (from < to) {
        size_t want = (size_t)(to - from), got = 0;
        const double *part[CHANNELS];
        pm_status status = pm_item_next(r->open[i], want, part, &got);
        if (status != PM_OK)
            return status;
        if (got == 0)
            return PM_ERR_INTERNAL;
        for (size_t k = 0; k < got; k++) {
            int64_t t = from + (int64_t)k; /* timeline frame */
            double g = 1.0;
            if (t - it->start < in_length)
                g *= pm_crossfade_in_gain(t - it->start, in_length);
            if (t >= out_start)
                g *= pm_crossfade_out_gain(t - out_start, out_length);
            size_t m = (size_t)(t - pos);
            r->mix[0][m] += g * part[0][k];
            r->mix[1][m] += g * part[1][k];
        }
        from += (int64_t)got;
    }
    return PM_OK;
}

/* The sequence for frames [pos, pos + n) into r->mix. */
static pm_status sequence_block(run *r, int64_t pos, size_t n)
{
    const pm_plan *plan = r->plan;
    int64_t end = pos + (int64_t)n;
    for (int c = 0; c < CHANNELS; c++)
        memset(r->mix[c], 0, n * sizeof(double));
    while (r->next_to_open < plan->item_count && plan->items[r->next_to_open].start < end) {
        size_t i = r->next_to_open++;
        if (plan->items[i].length == 0)
            continue;
        pm_status status = pm_item_open(r->p, &plan->items[i], r->engine, r->diag, &r->open[i]);
        if (status != PM_OK)
            return status;
    }
    for (size_t i = 0; i < r->next_to_open; i++) {
        if (!r->open[i])
            continue;
        const pm_plan_item *it = &plan->items[i];
        int64_t from = it->start > pos ? it->start : pos, to = it->end < end ? it->end : end;
        if (from < to) {
            pm_status status = mix_item(r, i, pos, from, to);
            if (status != PM_OK)
                return status;
        }
        if (it->end <= end) {
            pm_item_close(r->open[i]);
            r->open[i] = NULL;
        }
    }
    return PM_OK;
}

pm_status pm_engine_master(const pm_project *p, pm_block_sink sink, void *sink_context,
                           const char *stage,
                           pm_progress_fn progress, void *progress_context, pm_diag *diag)
{
    const pm_plan *plan = p->plan;
    if (!plan)
        return PM_ERR_INVALID;
    run r = {.p = p, .plan = plan, .diag = diag,
             .engine = p->resampler_libsamplerate ? PM_RESAMPLER_LIBSAMPLERATE : PM_RESAMPLER_SOXR};
    pm_pipeline *album = NULL;
    pm_status status = PM_ERR_NOMEM;
    r.open = pm_alloc_zeroed(plan->item_count ? plan->item_count : 1, sizeof *r.open);
    if (!r.open)
        goto done;
    for (int c = 0; c < CHANNELS; c++)
        if (!(r.mix[c] = pm_alloc_array(PM_ENGINE_BLOCK, sizeof(double))))
            goto done;
    pm_stage **stages = NULL;
    size_t count = 0;
    status = pm_chain_stages(&p->master, p->path, diag, &stages, &count);
    if (status != PM_OK)
        goto done;
    pm_stage_format in = {.rate_hz = (double)plan->rate, .channels = CHANNELS,
                          .max_block_frames = PM_ENGINE_BLOCK};
    status = pm_pipeline_new(stages, count, &in, NULL, diag, &album);
    free(stages);
    if (status != PM_OK)
        goto done;

    if (progress)
        progress(progress_context, stage, 0.0);
    for (int64_t pos = 0; pos < plan->total;) {
        size_t n = plan->total - pos < PM_ENGINE_BLOCK ? (size_t)(plan->total - pos)
                                                       : PM_ENGINE_BLOCK;
        if (pm_interrupted()) {
            status = PM_ERR_INTERRUPTED;
            goto done;
        }
        status = sequence_block(&r, pos, n);
        if (status == PM_OK)
            status = pm_pipeline_push(album, (const double *const *)r.mix, n, sink, sink_context);
        if (status != PM_OK)
            goto done;
        pos += (int64_t)n;
        if (progress)
            progress(progress_context, stage, (double)pos / (double)plan->total);
    }
    status = pm_pipeline_drain(album, sink, sink_context);
done:
    if (r.open)
        close_all(&r);
    free(r.open);
    for (int c = 0; c < CHANNELS; c++)
        free(r.mix[c]);
    pm_pipeline_free(album);
    return status;
}
