/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Integrated loudness gated from our own K-weighted energies (ITU-R BS.1770-4 Annex 1 and 2,
 * EBU R128): 400 ms blocks every 100 ms, an absolute gate at -70 LUFS, then a relative gate 10
 * LU under the loudness of the blocks that passed it. The same arithmetic as libebur128's
 * integrated loudness in its exact (non-histogram) mode, so the two agree to rounding
 * (test-meter-gate holds them within 0.01 LU); the meter of the render's closed loop uses it so
 * that its samples are K-weighted once, not once here and once more inside libebur128.
 *
 * The caller K-weights (pm_meter_design_k_weighting) and hands over, frame by frame, the
 * channel-weighted sum of the squared K-weighted samples. Blocks are gridded from the first
 * frame given; a last block shorter than 400 ms is not counted (as in libebur128).
 */
#ifndef PM_METER_GATE_H
#define PM_METER_GATE_H

#include <stddef.h>

#include "premaster.h"

enum { PM_GATE_HOPS = 4 }; /* 100 ms hops in a 400 ms block */

typedef struct pm_gate {
    size_t hop_frames;                /* 100 ms, rounded as libebur128 does */
    double absolute;                  /* the absolute gate (-70 LUFS) as a mean-square energy */
    size_t hop_fill;                  /* frames in the current hop */
    double hop_energy;                /* sum of the current hop's frame energies */
    double hops[PM_GATE_HOPS];        /* the last hops' sums, a ring */
    size_t hops_seen;
    double *blocks;                   /* mean-square energy of each block over the absolute gate */
    size_t count, capacity;
} pm_gate;

/* A gate at rate_hz (8 kHz and over); holds nothing yet. */
void pm_gate_init(pm_gate *g, double rate_hz);
void pm_gate_fini(pm_gate *g);

/* The next frames' energies. Allocates only to keep a finished block (doubling its room: a few
 * times an hour, 8 bytes per 100 ms); PM_ERR_NOMEM. */
pm_status pm_gate_add(pm_gate *g, const double *energy, size_t frames) PM_WARN_UNUSED;

/* The integrated loudness (LUFS) of the union of the blocks of count gates (one stream, or the
 * files of an album taken as one); -HUGE_VAL when every block is gated out. */
double pm_gate_integrated(const pm_gate *const *gates, size_t count);

#endif
