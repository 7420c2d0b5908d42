/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "alloc.h"
#include "gainstage.h"

typedef struct schedule_stage {
    pm_stage base;
    const pm_target_segment *segments;
    size_t count;
    const double *gain_db; /* per segment; with count 0, gain_db[0] for everything */
    double *factor;
    int64_t position;
    size_t current;
    int channels;
} schedule_stage;

static pm_status schedule_start(pm_stage *stage, const pm_stage_format *in,
                                pm_stage_format *out, pm_diag *diag)
{
    schedule_stage *s = (schedule_stage *)stage;
    size_t n = s->count ? s->count : 1;
    for (size_t i = 0; i < n; i++)
        s->factor[i] = pow(10.0, s->gain_db[i] / 20.0);
    s->channels = in->channels;
    return pm_stage_start_same_format(stage, in, out, diag);
}

/* The segment whose gain applies at frame t: the last one starting at or before t. */
static size_t segment_at(const schedule_stage *s, int64_t t, size_t from)
{
    size_t i = from;
    while (i + 1 < s->count && s->segments[i + 1].start <= t)
        i++;
    return i;
}

static void schedule_process(pm_stage *stage, const double *const *in, size_t in_frames,
                             size_t *used, double *const *out, size_t out_capacity,
                             size_t *produced)
{
    schedule_stage *s = (schedule_stage *)stage;
    size_t n = in_frames < out_capacity ? in_frames : out_capacity;
    for (size_t i = 0; i < n;) {
        int64_t t = s->position + (int64_t)i;
        s->current = s->count ? segment_at(s, t, s->current) : 0;
        size_t stop = n;
        if (s->current + 1 < s->count && s->segments[s->current + 1].start - t < (int64_t)(n - i))
            stop = i + (size_t)(s->segments[s->current + 1].start - t);
        double g = s->factor[s->current];
        for (int c = 0; c < s->channels; c++)
            for (size_t k = i; k < stop; k++)
                out[c][k] = in[c][k] * g;
        i = stop;
    }
    s->position += (int64_t)n;
    *used = *produced = n;
}

static void schedule_reset(pm_stage *stage)
{
    schedule_stage *s = (schedule_stage *)stage;
    s->position = 0;
    s->current = 0;
}

static void schedule_free(pm_stage *stage)
{
    schedule_stage *s = (schedule_stage *)stage;
    if (s)
        free(s->factor);
    free(s);
}

static const pm_stage_ops schedule_ops = {
    .name = "loudness gain",
    .start = schedule_start,
    .process = schedule_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = schedule_reset,
    .free = schedule_free,
};

pm_status pm_gain_schedule_new(const pm_target_segment *segments, size_t count,
                               const double *gain_db, pm_stage **out)
{
    schedule_stage *s = pm_alloc_zeroed(1, sizeof *s);
    double *factor = pm_alloc_zeroed(count ? count : 1, sizeof *factor);
    if (!s || !factor) {
        free(s);
        free(factor);
        return PM_ERR_NOMEM;
    }
    s->base.ops = &schedule_ops;
    s->base.in_place = 1;
    s->segments = segments;
    s->count = count;
    s->gain_db = gain_db;
    s->factor = factor;
    *out = &s->base;
    return PM_OK;
}
