/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/stage.h"

pm_status pm_stage_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                         pm_diag *diag)
{
    if (in->channels < 1 || in->channels > PM_STAGE_MAX_CHANNELS || !(in->rate_hz > 0) ||
        in->max_block_frames == 0)
        return PM_ERR_INVALID;
    pm_status status = stage->ops->start(stage, in, out, diag);
    stage->started = status == PM_OK;
    return status;
}

void pm_stage_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                      double *const *out, size_t out_capacity, size_t *produced)
{
    stage->ops->process(stage, in, in_frames, used, out, out_capacity, produced);
}

void pm_stage_drain(pm_stage *stage, double *const *out, size_t out_capacity, size_t *produced)
{
    if (stage->ops->drain)
        stage->ops->drain(stage, out, out_capacity, produced);
    else
        *produced = 0;
}

size_t pm_stage_latency(const pm_stage *stage)
{
    return stage->ops->latency ? stage->ops->latency(stage) : 0;
}

void pm_stage_reset(pm_stage *stage)
{
    if (stage->ops->reset)
        stage->ops->reset(stage);
}

void pm_stage_free(pm_stage *stage)
{
    if (stage)
        stage->ops->free(stage);
}

pm_status pm_stage_start_same_format(pm_stage *stage, const pm_stage_format *in,
                                     pm_stage_format *out, pm_diag *diag)
{
    (void)stage;
    (void)diag;
    *out = *in;
    return PM_OK;
}

void pm_stage_drain_nothing(pm_stage *stage, double *const *out, size_t out_capacity,
                            size_t *produced)
{
    (void)stage;
    (void)out;
    (void)out_capacity;
    *produced = 0;
}

size_t pm_stage_no_latency(const pm_stage *stage)
{
    (void)stage;
    return 0;
}
