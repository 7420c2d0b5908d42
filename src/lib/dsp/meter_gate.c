/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/meter_gate.h"

#define ABSOLUTE_GATE_LUFS -70.0
#define RELATIVE_GATE_LU -10.0
#define RANGE_RELATIVE_GATE_LU -20.0
#define RANGE_LOW_PERCENTILE 0.10
#define RANGE_HIGH_PERCENTILE 0.95

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
    free(g->shortterm);
    memset(g, 0, sizeof *g);
}

/* The mean-square energy of the block of `hops` hops that ends with the last one. The hops are
 * summed in the order of their index modulo `hops` (the order of a ring of that size), the
 * order this meter has always summed in, so that its figures stay the same to the last bit. */
static double block_energy(const pm_gate *g, size_t hops)
{
    size_t oldest = g->hops_seen - hops;
    double sum = 0.0;
    for (size_t slot = 0; slot < hops; slot++) {
        size_t index = oldest + (slot + hops - oldest % hops) % hops;
        sum += g->hops[index % PM_GATE_SHORTTERM_HOPS];
    }
    return sum / (double)(hops * g->hop_frames);
}

/* libebur128 keeps a block when its energy is at or over the absolute gate's. */
static pm_status keep(pm_gate *g, double energy, double **list, size_t *count, size_t *capacity)
{
    if (energy < g->absolute)
        return PM_OK;
    if (*count == *capacity && pm_grow((void **)list, capacity, *count, sizeof **list) != 0)
        return PM_ERR_NOMEM;
    (*list)[(*count)++] = energy;
    return PM_OK;
}

/* A hop is complete: the 400 ms block that ends with it, once four hops have been seen, and
 * every tenth hop from the thirtieth on the 3 s block that ends with it. */
static pm_status close_hop(pm_gate *g)
{
    g->hops[g->hops_seen % PM_GATE_SHORTTERM_HOPS] = g->hop_energy;
    g->hops_seen++;
    g->hop_energy = 0.0;
    g->hop_fill = 0;
    pm_status status = PM_OK;
    if (g->hops_seen >= PM_GATE_HOPS)
        status = keep(g, block_energy(g, PM_GATE_HOPS), &g->blocks, &g->count, &g->capacity);
    if (status == PM_OK && g->hops_seen >= PM_GATE_SHORTTERM_HOPS &&
        (g->hops_seen - PM_GATE_SHORTTERM_HOPS) % PM_GATE_SHORTTERM_EVERY == 0)
        status = keep(g, block_energy(g, PM_GATE_SHORTTERM_HOPS), &g->shortterm,
                      &g->shortterm_count, &g->shortterm_capacity);
    return status;
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

static int compare_energy(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

pm_status pm_gate_range(const pm_gate *const *gates, size_t count, double *range_lu)
{
    *range_lu = 0.0;
    size_t n = 0;
    for (size_t k = 0; k < count; k++)
        n += gates[k]->shortterm_count;
    if (n == 0)
        return PM_OK;
    double *sorted = pm_alloc_array(n, sizeof *sorted);
    if (!sorted)
        return PM_ERR_NOMEM;
    n = 0;
    for (size_t k = 0; k < count; k++) {
        memcpy(sorted + n, gates[k]->shortterm, gates[k]->shortterm_count * sizeof *sorted);
        n += gates[k]->shortterm_count;
    }
    qsort(sorted, n, sizeof *sorted, compare_energy);
    /* the relative gate from the mean energy, summed in ascending order as libebur128 sums */
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += sorted[i];
    mean /= (double)n;
    double relative = mean * pow(10.0, RANGE_RELATIVE_GATE_LU / 10.0);
    size_t first = 0;
    while (first < n && sorted[first] < relative)
        first++;
    size_t passed = n - first;
    if (passed) {
        double low = sorted[first + (size_t)((double)(passed - 1) * RANGE_LOW_PERCENTILE + 0.5)];
        double high = sorted[first + (size_t)((double)(passed - 1) * RANGE_HIGH_PERCENTILE + 0.5)];
        *range_lu = 10.0 * log10(high) - 10.0 * log10(low);
    }
    free(sorted);
    return PM_OK;
}
