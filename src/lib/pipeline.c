/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "alloc.h"
#include "pipeline.h"

typedef struct step {
    pm_stage *stage;
    pm_stage_format in, out;
    double *buffer[PM_STAGE_MAX_CHANNELS]; /* out.max_block_frames frames per channel */
} step;

struct pm_pipeline {
    size_t count;
    step *steps;
};

void pm_pipeline_free(pm_pipeline *pipeline)
{
    if (!pipeline)
        return;
    for (size_t i = 0; i < pipeline->count; i++) {
        pm_stage_free(pipeline->steps[i].stage);
        for (int c = 0; c < PM_STAGE_MAX_CHANNELS; c++)
            free(pipeline->steps[i].buffer[c]);
    }
    free(pipeline->steps);
    free(pipeline);
}

pm_status pm_pipeline_new(pm_stage **stages, size_t count, const pm_stage_format *in,
                          pm_stage_format *out_format, pm_diag *diag, pm_pipeline **out)
{
    *out = NULL;
    pm_pipeline *p = pm_alloc_zeroed(1, sizeof *p);
    step *steps = pm_alloc_zeroed(count ? count : 1, sizeof *steps);
    if (!p || !steps) {
        free(p);
        free(steps);
        for (size_t i = 0; i < count; i++)
            pm_stage_free(stages[i]);
        return PM_ERR_NOMEM;
    }
    p->steps = steps;
    p->count = count;
    for (size_t i = 0; i < count; i++)
        steps[i].stage = stages[i];
    pm_stage_format format = *in;
    pm_status status = PM_OK;
    for (size_t i = 0; i < count && status == PM_OK; i++) {
        step *s = &steps[i];
        s->in = format;
        status = pm_stage_start(s->stage, &s->in, &s->out, diag);
        if (status != PM_OK)
            break;
        if (s->out.max_block_frames == 0 || s->out.channels != s->in.channels) {
            status = PM_ERR_INTERNAL;
            break;
        }
        for (int c = 0; c < s->out.channels; c++)
            if (!(s->buffer[c] = pm_alloc_array(s->out.max_block_frames, sizeof(double))))
                status = PM_ERR_NOMEM;
        format = s->out;
    }
    if (status != PM_OK) {
        pm_pipeline_free(p);
        return status;
    }
    if (out_format)
        *out_format = format;
    *out = p;
    return PM_OK;
}

static pm_status push_from(pm_pipeline *p, size_t i, const double *const *in, size_t frames,
                           pm_block_sink sink, void *context);

/* Hand frames produced by step i to what follows it. */
static pm_status forward(pm_pipeline *p, size_t i, size_t frames, pm_block_sink sink,
                         void *context)
{
    const double *const *block = (const double *const *)p->steps[i].buffer;
    if (i + 1 == p->count)
        return sink(context, block, frames);
    return push_from(p, i + 1, block, frames, sink, context);
}

static pm_status push_from(pm_pipeline *p, size_t i, const double *const *in, size_t frames,
                           pm_block_sink sink, void *context)
{
    if (i == p->count)
        return frames ? sink(context, in, frames) : PM_OK;
    step *s = &p->steps[i];
    size_t done = 0;
    while (done < frames) {
        size_t chunk = frames - done;
        if (chunk > s->in.max_block_frames)
            chunk = s->in.max_block_frames;
        const double *part[PM_STAGE_MAX_CHANNELS];
        for (int c = 0; c < s->in.channels; c++)
            part[c] = in[c] + done;
        size_t used = 0, produced = 0;
        pm_stage_process(s->stage, part, chunk, &used, s->buffer, s->out.max_block_frames,
                         &produced);
        if (used == 0 && produced == 0)
            return PM_ERR_INTERNAL; /* a stage that neither takes nor gives would loop forever */
        done += used;
        if (produced) {
            pm_status status = forward(p, i, produced, sink, context);
            if (status != PM_OK)
                return status;
        }
    }
    return PM_OK;
}

pm_status pm_pipeline_push(pm_pipeline *pipeline, const double *const *in, size_t frames,
                           pm_block_sink sink, void *context)
{
    return push_from(pipeline, 0, in, frames, sink, context);
}

pm_status pm_pipeline_drain(pm_pipeline *pipeline, pm_block_sink sink, void *context)
{
    /* Stage i's tail goes through the stages after it before those are drained themselves. */
    for (size_t i = 0; i < pipeline->count; i++) {
        step *s = &pipeline->steps[i];
        for (;;) {
            size_t produced = 0;
            pm_stage_drain(s->stage, s->buffer, s->out.max_block_frames, &produced);
            if (!produced)
                break;
            pm_status status = forward(pipeline, i, produced, sink, context);
            if (status != PM_OK)
                return status;
        }
    }
    return PM_OK;
}

void pm_pipeline_reset(pm_pipeline *pipeline)
{
    for (size_t i = 0; i < pipeline->count; i++)
        pm_stage_reset(pipeline->steps[i].stage);
}

size_t pm_pipeline_latency(const pm_pipeline *pipeline)
{
    size_t total = 0;
    for (size_t i = 0; i < pipeline->count; i++)
        total += pm_stage_latency(pipeline->steps[i].stage);
    return total;
}

size_t pm_pipeline_stage_count(const pm_pipeline *pipeline)
{
    return pipeline->count;
}

pm_stage *pm_pipeline_stage(const pm_pipeline *pipeline, size_t i)
{
    return pipeline->steps[i].stage;
}
