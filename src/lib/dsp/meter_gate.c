/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/meter_gate.h"

#define ABSOLUTE_GATE_LUFS -70.0
#define RELATIVE_GATE_LU -10.0

void pm_gate_init(pm_gate *g, double rate_hz)
{
    memset(g, 0, sizeof *g);
    /* libebur128: samples_in_100ms = (rate + 5) / 10 in integers */
    g->hop_frames = ((size_t)llround(rate_hz) + 5) / 10;
    g->absolute = pow(10.0, (ABSOLUTE_GATE_LUFS + 0.691) / 10.0);
}

void pm_gate_fini(pm_gate *g)
{
    free(g->blocks);
    memset(g, 0, sizeof *g);
}

/* A hop is complete: the 400 ms block that ends with it, once four hops have been seen. */
static pm_status close_hop(pm_gate *g)
{
    g->hops[g->hops_seen % PM_GATE_HOPS] = g->hop_energy;
    g->hops_seen++;
    g->hop_energy = 0.0;
    g->hop_fill = 0;
    if (g->hops_seen < PM_GATE_HOPS)
        return PM_OK;
    double sum = 0.0;
    for (size_t i = 0; i < PM_GATE_HOPS; i++)
        sum += g->hops[i];
    double energy = sum / (double)(PM_GATE_HOPS * g->hop_frames);
    /* libebur128 keeps a block when its energy is at or over the absolute gate's */
    if (energy < g->absolute)
        return PM_OK;
    if (g->count == g->capacity &&
        pm_grow((void **)&g->blocks, &g->capacity, g->count, sizeof *g->blocks) != 0)
        return PM_ERR_NOMEM;
    g->blocks[g->count++] = energy;
    return PM_OK;
}

pm_status pm_gate_add(pm_gate *g, const double *energy, size_t frames)
{
    size_t i = 0;
    while (i < frames) {
        size_t take = g->hop_frames - g->hop_fill;
        take = take < frames - i ? take : frames - i;
        double e = g->hop_energy;
        for (size_t j = 0; j < take; j++)
            e += energy[i + j];
        g->hop_energy = e;
        g->hop_fill += take;
        i += take;
        if (g->hop_fill == g->hop_frames) {
            pm_status status = close_hop(g);
            if (status != PM_OK)
                return status;
        }
    }
    return PM_OK;
}

double pm_gate_integrated(const pm_gate *const *gates, size_t count)
{
    double sum = 0.0;
    size_t n = 0;
    for (size_t k = 0; k < count; k++) {
        for (size_t i = 0; i < gates[k]->count; i++)
            sum += gates[k]->blocks[i];
        n += gates[k]->count;
    }
    if (n == 0)
        return -HUGE_VAL;
    double relative = sum / (double)n * pow(10.0, RELATIVE_GATE_LU / 10.0);
    sum = 0.0;
    n = 0;
    for (size_t k = 0; k < count; k++)
        for (size_t i = 0; i < gates[k]->count; i++)
            if (gates[k]->blocks[i] >= relative) {
                sum += gates[k]->blocks[i];
                n++;
            }
    if (n == 0)
        return -HUGE_VAL;
    return -0.691 + 10.0 * log10(sum / (double)n);
}
