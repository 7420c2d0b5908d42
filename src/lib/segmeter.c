/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "segmeter.h"

pm_status pm_segmeter_init(pm_segmeter *m, double rate_hz, const int64_t *start,
                           const int64_t *end, size_t count)
{
    memset(m, 0, sizeof *m);
    m->start = start;
    m->end = end;
    m->count = count;
    m->rate_hz = rate_hz;
    pm_status status = pm_meter_new(2, rate_hz, 0, &m->whole);
    if (status == PM_OK && count &&
        (!(m->segment = pm_alloc_zeroed(count, sizeof *m->segment)) ||
         !(m->result = pm_alloc_zeroed(count, sizeof *m->result)) ||
         !(m->ended = pm_alloc_zeroed(count, 1))))
        status = PM_ERR_NOMEM;
    if (status != PM_OK)
        pm_segmeter_fini(m);
    return status;
}

void pm_segmeter_fini(pm_segmeter *m)
{
    pm_meter_free(m->whole);
    for (size_t i = 0; m->segment && i < m->count; i++)
        pm_meter_free(m->segment[i]);
    free(m->segment);
    free(m->result);
    free(m->ended);
    memset(m, 0, sizeof *m);
}

/* Segment i is over (or the stream is): keep its figures, free its meter. */
static pm_status close_segment(pm_segmeter *m, size_t i)
{
    pm_status status = PM_OK;
    if (!m->segment[i])
        status = pm_meter_new(2, m->rate_hz, 0, &m->segment[i]); /* never played: empty */
    if (status == PM_OK)
        status = pm_meter_finish(m->segment[i], &m->result[i]);
    pm_meter_free(m->segment[i]);
    m->segment[i] = NULL;
    m->ended[i] = 1;
    return status;
}

void pm_segmeter_join(pm_segmeter *m)
{
    m->joined = 1;
}

pm_status pm_segmeter_join_silence(pm_meter *meter)
{
    static const double silence[PM_SEGMETER_JOIN_SILENCE];
    const double *quiet[2] = {silence, silence};
    return pm_meter_process(meter, quiet, PM_SEGMETER_JOIN_SILENCE);
}

pm_status pm_segmeter_process(pm_segmeter *m, const double *const *block, size_t frames)
{
    pm_status status = PM_OK;
    int64_t end = m->position + (int64_t)frames;
    if (!m->joined && end > m->whole_from) {
        size_t skip = m->whole_from > m->position ? (size_t)(m->whole_from - m->position) : 0;
        const double *part[2] = {block[0] + skip, block[1] + skip};
        status = pm_meter_process(m->whole, part, frames - skip);
    }
    for (size_t i = 0; status == PM_OK && i < m->count; i++) {
        if (m->ended[i])
            continue;
        int64_t from = m->start[i] > m->position ? m->start[i] : m->position;
        int64_t to = m->end[i] < end ? m->end[i] : end;
        if (from < to && m->joined) {
            if (from == m->start[i] && m->joined_any)
                status = pm_segmeter_join_silence(m->whole);
            m->joined_any = 1;
            const double *part[2] = {block[0] + (from - m->position),
                                     block[1] + (from - m->position)};
            if (status == PM_OK)
                status = pm_meter_process(m->whole, part, (size_t)(to - from));
        } else if (from < to) {
            if (!m->segment[i])
                status = pm_meter_new(2, m->rate_hz, 0, &m->segment[i]);
            const double *part[2] = {block[0] + (from - m->position),
                                     block[1] + (from - m->position)};
            if (status == PM_OK)
                status = pm_meter_process(m->segment[i], part, (size_t)(to - from));
        }
        if (status == PM_OK && m->end[i] <= end && !m->joined)
            status = close_segment(m, i);
    }
    m->position = end;
    return status;
}

pm_status pm_segmeter_finish(pm_segmeter *m, pm_meter_result *whole, pm_meter_result *segments)
{
    pm_status status = pm_meter_finish(m->whole, whole);
    for (size_t i = 0; status == PM_OK && i < m->count; i++) {
        if (!m->ended[i] && !m->joined)
            status = close_segment(m, i);
        if (segments)
            segments[i] = m->result[i];
    }
    return status;
}
