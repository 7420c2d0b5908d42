/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Integrated loudness and loudness range gated from our own K-weighted energies.
 *
 *   integrated  ITU-R BS.1770-4 Annex 1 and 2, EBU R128: 400 ms blocks every 100 ms, an
 *               absolute gate at -70 LUFS, then a relative gate 10 LU under the loudness of the
 *               blocks that passed it.
 *   range       EBU Tech 3342: 3 s short-term blocks, the first ending 3 s into the stream and
 *               one every second after it (libebur128's grid), an absolute gate at -70 LUFS, a
 *               relative gate 20 LU under their mean energy, then the spread between the 10th
 *               and the 95th percentile of what passed, taken by index as libebur128 takes them.
 *
 * The same arithmetic as libebur128's in its exact (non-histogram) mode, so the two agree to
 * rounding (test-meter-gate holds them within 0.01 LU on music-like and EBU test signals).
 * Every meter of premaster gates here, so that a stream is K-weighted once, by our own filter
 * (dsp/meter.h), and not once more inside libebur128 - which stays the reference the tests
 * hold these figures to.
 *
 * The caller K-weights (pm_meter_design_k_weighting) and hands over, frame by frame, the
 * channel-weighted sum of the squared K-weighted samples. Blocks are gridded from the first
 * frame given; a last block shorter than 400 ms is not counted (as in libebur128).
 */
#ifndef PM_METER_GATE_H
#define PM_METER_GATE_H

#include <stddef.h>

#include "premaster.h"

enum {
    PM_GATE_HOPS = 4,            /* 100 ms hops in a 400 ms block */
    PM_GATE_SHORTTERM_HOPS = 30, /* in a 3 s short-term block */
    PM_GATE_SHORTTERM_EVERY = 10 /* hops from one short-term block to the next */
};

typedef struct pm_gate {
    size_t hop_frames;                /* 100 ms, rounded as libebur128 does */
    double absolute;                  /* the absolute gate (-70 LUFS) as a mean-square energy */
    size_t hop_fill;                  /* frames in the current hop */
    double hop_energy;                /* sum of the current hop's frame energies */
    double hops[PM_GATE_SHORTTERM_HOPS]; /* the last hops' sums, a ring */
    size_t hops_seen;
    double *blocks;                   /* mean-square energy of each block over the absolute gate */
    size_t count, capacity;
    double *shortterm;                /* the same of each short-term block */
    size_t shortterm_count, shortterm_capacity;
} pm_gate;

/* A gate at rate_hz (8 kHz and over); holds nothing yet. */
void pm_gate_init(pm_gate *g, double rate_hz);
void pm_gate_fini(pm_gate *g);

/* The next frames' energies. Allocates only to keep a finished block (doubling its room: a few
 * times an hour, 8 bytes per 100 ms and per second); PM_ERR_NOMEM. */
pm_status pm_gate_add(pm_gate *g, const double *energy, size_t frames) PM_WARN_UNUSED;

/* The integrated loudness (LUFS) of the union of the blocks of count gates (one stream, or the
 * files of an album taken as one); -HUGE_VAL when every block is gated out. */
double pm_gate_integrated(const pm_gate *const *gates, size_t count);

/* The loudness range (LU) of the union of the short-term blocks of count gates; 0 when none
 * passes the gates. PM_ERR_NOMEM (it sorts a copy of the blocks). */
pm_status pm_gate_range(const pm_gate *const *gates, size_t count, double *range_lu) PM_WARN_UNUSED;

#endif
