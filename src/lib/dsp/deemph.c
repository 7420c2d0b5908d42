/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/biquad.h"
#include "dsp/deemph.h"

typedef struct deemph_stage {
    pm_stage base;
    int64_t *start, *end;
    size_t count;
    pm_biquad filter;
    pm_biquad_state state[PM_STAGE_MAX_CHANNELS];
    double *filtered[PM_STAGE_MAX_CHANNELS];
    size_t max_frames;
    int channels;
    int64_t position;
} deemph_stage;

static pm_status deemph_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                              pm_diag *diag)
{
    deemph_stage *d = (deemph_stage *)stage;
    pm_status status = pm_biquad_design_deemphasis(&d->filter, in->rate_hz);
    if (status != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "the CD de-emphasis filter cannot be made at %g Hz", in->rate_hz);
        return status;
    }
    d->channels = in->channels;
    d->max_frames = in->max_block_frames;
    for (int c = 0; c < in->channels; c++)
        if (!(d->filtered[c] = pm_alloc_array(in->max_block_frames, sizeof(double))))
            return PM_ERR_NOMEM;
    pm_biquad_clear(d->state, PM_STAGE_MAX_CHANNELS);
    d->position = 0;
    *out = *in;
    return PM_OK;
}

static void deemph_process(pm_stage *stage, const double *const *in, size_t in_frames,
                           size_t *used, double *const *out, size_t out_capacity,
                           size_t *produced)
{
    deemph_stage *d = (deemph_stage *)stage;
    size_t n = in_frames < out_capacity ? in_frames : out_capacity;
    if (n > d->max_frames)
        n = d->max_frames;
    for (int c = 0; c < d->channels; c++) {
        memcpy(d->filtered[c], in[c], n * sizeof(double));
        pm_biquad_process(&d->filter, &d->state[c], d->filtered[c], n);
        if (out[c] != in[c])
            memcpy(out[c], in[c], n * sizeof(double));
    }
    int64_t from = d->position, to = d->position + (int64_t)n;
    for (size_t s = 0; s < d->count; s++) {
        int64_t a = d->start[s] > from ? d->start[s] : from;
        int64_t b = d->end[s] < to ? d->end[s] : to;
        for (int c = 0; a < b && c < d->channels; c++)
            memcpy(out[c] + (a - from), d->filtered[c] + (a - from),
                   (size_t)(b - a) * sizeof(double));
    }
    d->position = to;
    *used = *produced = n;
}

static void deemph_reset(pm_stage *stage)
{
    deemph_stage *d = (deemph_stage *)stage;
    pm_biquad_clear(d->state, PM_STAGE_MAX_CHANNELS);
    d->position = 0;
}

static void deemph_free(pm_stage *stage)
{
    deemph_stage *d = (deemph_stage *)stage;
    if (!d)
        return;
    for (int c = 0; c < PM_STAGE_MAX_CHANNELS; c++)
        free(d->filtered[c]);
    free(d->start);
    free(d->end);
    free(d);
}

static const pm_stage_ops deemph_ops = {
    .name = "de-emphasis",
    .start = deemph_start,
    .process = deemph_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = deemph_reset,
    .free = deemph_free,
};

pm_status pm_deemphasis_spans_new(const int64_t *start, const int64_t *end, size_t count,
                                  pm_stage **out, pm_diag *diag)
{
    (void)diag;
    *out = NULL;
    deemph_stage *d = pm_alloc_zeroed(1, sizeof *d);
    if (!d)
        return PM_ERR_NOMEM;
    d->start = pm_alloc_array(count ? count : 1, sizeof *d->start);
    d->end = pm_alloc_array(count ? count : 1, sizeof *d->end);
    if (!d->start || !d->end) {
        deemph_free(&d->base);
        return PM_ERR_NOMEM;
    }
    if (count) {
        memcpy(d->start, start, count * sizeof *start);
        memcpy(d->end, end, count * sizeof *end);
    }
    d->count = count;
    d->base.ops = &deemph_ops;
    d->base.in_place = 1;
    *out = &d->base;
    return PM_OK;
}
