/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vinyl checks' band meter (formats/vinyl.h): a stretch of out-of-phase bass is found where
 * it is and as long as it is (to a window hop); sibilant bursts are counted one by one; a 10 Hz
 * tone reads as infrasonic at its level and a 997 Hz tone does not; the side channel under the
 * measuring band is read at its level and a side tone two octaves above it is not (both but for
 * the click of the tone switching on); block sizes
 * change nothing.
 */
#include "vinyl.h"

#include "../tap.h"

#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846
#define RATE 48000.0
#define N 144000 /* 3 s */

static void scan(pm_vinyl_scan *s, const double *l, const double *r, size_t n, size_t block,
                 double side_lf_hz)
{
    if (pm_vinyl_scan_init(s, RATE, -24.0, side_lf_hz) != PM_OK) {
        ok(0, "the scan starts");
        return;
    }
    for (size_t i = 0; i < n; i += block)
        pm_vinyl_scan_process(s, l + i, r + i, n - i < block ? n - i : block);
    pm_vinyl_scan_finish(s);
}

int main(void)
{
    double *l = calloc(N, sizeof *l), *r = calloc(N, sizeof *r);
    pm_vinyl_scan *s = calloc(1, sizeof *s), *t = calloc(1, sizeof *t);
    if (!l || !r || !s || !t)
        return 1;
    /* 100 Hz at -10 dBFS, the right channel inverted from 1 s to 2 s */
    for (size_t i = 0; i < N; i++) {
        l[i] = 0.3 * sin(2 * PI * 100.0 * (double)i / RATE);
        r[i] = i >= 48000 && i < 96000 ? -l[i] : l[i];
    }
    scan(s, l, r, N, 4096, 0.0);
    is_int((long long)s->stretch_count, 1, "one stretch of negative correlation below 300 Hz");
    ok(fabs((double)s->stretches[0].start / RATE - 1.0) <= 0.1, "it starts at 1 s (%.3f s)",
       (double)s->stretches[0].start / RATE);
    ok(fabs((double)s->stretches[0].frames / RATE - 1.0) <= 0.15, "it lasts 1 s (%.3f s)",
       (double)s->stretches[0].frames / RATE);
    ok(s->stretches[0].min_correlation < -0.99, "down to -1 (%.4f)",
       s->stretches[0].min_correlation);
    scan(t, l, r, N, 1, 0.0);
    ok(t->stretch_count == s->stretch_count && t->stretches[0].start == s->stretches[0].start &&
       t->stretches[0].frames == s->stretches[0].frames && t->energy == s->energy,
       "blocks of 1 and 4096 frames give the same figures");

    /* three 50 ms bursts of 6.5 kHz at -10 dBFS, 0.5 s apart */
    for (size_t i = 0; i < N; i++) {
        int burst = (i % 24000) < 2400 && i < 72000;
        l[i] = r[i] = burst ? 0.316 * sin(2 * PI * 6500.0 * (double)i / RATE) : 0.0;
    }
    scan(s, l, r, N, 4096, 0.0);
    is_int((long long)s->sib_moments, 3, "three sibilant moments over -24 dBFS RMS");
    ok(fabs(s->sib_over_sec - 0.15) <= 0.04, "over for 0.15 s in all (%.3f s)", s->sib_over_sec);
    ok(fabs(s->sib_loudest_db + 13.0) < 0.5, "the loudest at -13 dBFS RMS (%.2f)", s->sib_loudest_db);

    /* 10 Hz at -20 dBFS on both channels: -23 dBFS RMS below 20 Hz; 997 Hz: nothing there */
    for (size_t i = 0; i < N; i++)
        l[i] = r[i] = 0.1 * sin(2 * PI * 10.0 * (double)i / RATE);
    scan(s, l, r, N, 4096, 0.0);
    double db = pm_vinyl_scan_db(s->infra_energy, N, 2);
    ok(fabs(db + 23.01) < 1.0, "10 Hz reads %.2f dBFS below 20 Hz (-23.01)", db);
    for (size_t i = 0; i < N; i++)
        l[i] = r[i] = 0.1 * sin(2 * PI * 997.0 * (double)i / RATE);
    scan(s, l, r, N, 4096, 0.0);
    db = pm_vinyl_scan_db(s->infra_energy, N, 2);
    /* what is left is the tone's switching on, a click with energy at every frequency */
    ok(db < -60.0, "997 Hz reads %.1f dBFS below 20 Hz, far under the -40 dBFS warning", db);

    /* the side channel below 75 Hz: a 30 Hz side tone at its level, a 300 Hz one not */
    for (size_t i = 0; i < N; i++) {
        l[i] = 0.1 * sin(2 * PI * 30.0 * (double)i / RATE);
        r[i] = -l[i];
    }
    scan(s, l, r, N, 4096, 75.0);
    db = pm_vinyl_scan_db(s->side_lf_energy, N, 2);
    ok(fabs(db + 23.01) < 1.0, "a 30 Hz side tone reads %.2f dBFS (-23.01)", db);
    ok(pm_vinyl_scan_db(s->mid_lf_energy, N, 2) < -100.0, "and no mid");
    for (size_t i = 0; i < N; i++) {
        l[i] = 0.1 * sin(2 * PI * 300.0 * (double)i / RATE);
        r[i] = -l[i];
    }
    scan(s, l, r, N, 4096, 75.0);
    db = pm_vinyl_scan_db(s->side_lf_energy, N, 2);
    ok(db < -23.01 - 40.0, "a 300 Hz side tone reads %.1f dBFS, 40 dB under or more (its "
       "switching on)", db);
    free(l);
    free(r);
    free(s);
    free(t);
    return done_testing();
}
