/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The vinyl checks' band meter (vinyl.h): low-frequency correlation windows, sibilant moments,
 * infrasonic, high-band and low-frequency side energy, in one pass over planar blocks. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "vinyl.h"

/* Below this mean square per channel in a window, there is no level to correlate (about -80
 * dBFS RMS): silence and dither noise would give a correlation of chance. */
#define CORR_FLOOR 1e-8

static pm_status design(pm_biquad *sec, size_t *n, pm_biquad_pass pass, int order, double rate,
                        double hz)
{
    if (!(hz > 0.0) || hz >= 0.45 * rate)
        return PM_ERR_INVALID;
    return pm_biquad_design_butterworth(sec, n, pass, order, rate, hz);
}

pm_status pm_vinyl_scan_init(pm_vinyl_scan *s, double rate_hz, double sib_threshold_db,
                             double side_lf_hz)
{
    memset(s, 0, sizeof *s);
    s->rate_hz = rate_hz;
    s->sib_threshold_db = sib_threshold_db;
    pm_status st = design(s->lf, &s->lf_n, PM_BIQUAD_LOWPASS, 4, rate_hz, PM_VINYL_LF_CORR_HZ);
    size_t low_n = 0;
    if (st == PM_OK)
        st = design(s->band, &s->band_n, PM_BIQUAD_HIGHPASS, 4, rate_hz, PM_VINYL_SIB_LOW_HZ);
    /* at rates under 22.2 kHz the band's top is the highest the filter design takes */
    if (st == PM_OK)
        st = design(s->band + s->band_n, &low_n, PM_BIQUAD_LOWPASS, 4, rate_hz,
                    fmin(PM_VINYL_SIB_HIGH_HZ, 0.44 * rate_hz));
    s->band_n += low_n;
    /* eighth order, so that a bass line at 30-40 Hz does not count as infrasonic */
    if (st == PM_OK)
        st = design(s->infra, &s->infra_n, PM_BIQUAD_LOWPASS, 8, rate_hz, PM_VINYL_INFRA_HZ);
    if (st == PM_OK && side_lf_hz > 0.0) {
        s->side_lf = 1;
        size_t second = 0;
        st = design(s->mono_lp, &s->mono_n, PM_BIQUAD_LOWPASS, 8, rate_hz, side_lf_hz);
        if (st == PM_OK)
            st = design(s->mono_lp + s->mono_n, &second, PM_BIQUAD_LOWPASS, 8, rate_hz,
                        side_lf_hz);
        s->mono_n += second;
    }
    s->hop = (int64_t)llround(PM_VINYL_CORR_HOP_SEC * rate_hz);
    s->sib_window = (int64_t)llround(PM_VINYL_SIB_WINDOW_SEC * rate_hz);
    if (s->hop < 1 || s->sib_window < 1)
        st = PM_ERR_INVALID;
    s->negative_from = -1;
    s->min_correlation = NAN;
    s->sib_loudest_db = -HUGE_VAL;
    return st;
}

static void end_stretch(pm_vinyl_scan *s, int64_t end)
{
    int64_t frames = end - s->negative_from;
    if ((double)frames > PM_VINYL_CORR_MIN_STRETCH_SEC * s->rate_hz + 0.5) {
        if (s->stretch_count < PM_VINYL_MAX_STRETCHES)
            s->stretches[s->stretch_count] =
                (pm_vinyl_stretch){s->negative_from, frames, s->negative_min};
        s->stretch_count++;
        s->negative_sec += (double)frames / s->rate_hz;
    }
    s->negative_from = -1;
}

/* A hop is complete: judge the window of the last four hops. Its verdict covers its middle
 * 100 ms, which starts 150 ms after the window does (position is the hop's end). */
static void hop_done(pm_vinyl_scan *s)
{
    memmove(s->ring[1], s->ring[0], 3 * sizeof s->ring[0]);
    s->ring[0][0] = s->hop_ll;
    s->ring[0][1] = s->hop_rr;
    s->ring[0][2] = s->hop_lr;
    s->hop_ll = s->hop_rr = s->hop_lr = 0.0;
    s->hop_fill = 0;
    if (s->ring_count < 4)
        s->ring_count++;
    if (s->ring_count < 4)
        return;
    double ll = 0.0, rr = 0.0, lr = 0.0;
    for (int i = 0; i < 4; i++) {
        ll += s->ring[i][0];
        rr += s->ring[i][1];
        lr += s->ring[i][2];
    }
    int64_t window = 4 * s->hop;
    int64_t middle = s->position - window + s->hop + s->hop / 2;
    if (ll / (double)window < CORR_FLOOR || rr / (double)window < CORR_FLOOR) {
        if (s->negative_from >= 0)
            end_stretch(s, middle);
        return;
    }
    double c = lr / sqrt(ll * rr);
    if (isnan(s->min_correlation) || c < s->min_correlation) {
        s->min_correlation = c;
        s->min_correlation_at = s->position - window;
    }
    if (c < 0.0) {
        if (s->negative_from < 0) {
            s->negative_from = middle;
            s->negative_min = c;
        }
        s->negative_min = fmin(s->negative_min, c);
    } else if (s->negative_from >= 0) {
        end_stretch(s, middle);
    }
}

static void sib_done(pm_vinyl_scan *s)
{
    double ms = fmax(s->sib_sum[0], s->sib_sum[1]) / (double)s->sib_window;
    double db = ms > 0.0 ? 10.0 * log10(ms) : -HUGE_VAL;
    int over = db > s->sib_threshold_db;
    if (over && !s->sib_over)
        s->sib_moments++;
    if (over) {
        s->sib_over_sec += (double)s->sib_window / s->rate_hz;
        if (db > s->sib_loudest_db) {
            s->sib_loudest_db = db;
            s->sib_loudest_at = s->position - s->sib_window;
        }
    }
    s->sib_over = over;
    s->sib_sum[0] = s->sib_sum[1] = 0.0;
    s->sib_fill = 0;
}

/*
 * The filters are 36 sections a frame (four cascades per channel, and the mono-bass check's two
 * eighth-order ones), and each section's recursion waits on its previous sample. So they run
 * in rounds - round k takes section k of every cascade that has one, over the whole block, in
 * place - with up to four sections of a round in one loop: their chains are independent, and
 * the processor runs them side by side in the time one takes (about 3x the speed of one section
 * at a time). Each sample's arithmetic is that of its section alone, in its order, so the
 * figures are the same bit for bit.
 */
typedef struct section_run {
    const pm_biquad *section;
    pm_biquad_state *state;
    double *x; /* filtered in place */
} section_run;

#define SECTION_LOCALS(j, r)                                                                    \
    const double b0##j = (r).section->b0, b1##j = (r).section->b1, b2##j = (r).section->b2,     \
                 a1##j = (r).section->a1, a2##j = (r).section->a2;                              \
    double z1##j = (r).state->z1, z2##j = (r).state->z2;                                        \
    double *x##j = (r).x

#define SECTION_TICK(j, i)                                                                      \
    do {                                                                                        \
        double in##j = x##j[i], y##j = b0##j * in##j + z1##j;                                   \
        z1##j = b1##j * in##j - a1##j * y##j + z2##j;                                           \
        z2##j = b2##j * in##j - a2##j * y##j;                                                   \
        x##j[i] = y##j;                                                                         \
    } while (0)

#define SECTION_KEEP(j, r)                                                                      \
    do {                                                                                        \
        (r).state->z1 = z1##j;                                                                  \
        (r).state->z2 = z2##j;                                                                  \
    } while (0)

static void run_four(const section_run *r, size_t frames)
{
    SECTION_LOCALS(0, r[0]);
    SECTION_LOCALS(1, r[1]);
    SECTION_LOCALS(2, r[2]);
    SECTION_LOCALS(3, r[3]);
    for (size_t i = 0; i < frames; i++) {
        SECTION_TICK(0, i);
        SECTION_TICK(1, i);
        SECTION_TICK(2, i);
        SECTION_TICK(3, i);
    }
    SECTION_KEEP(0, r[0]);
    SECTION_KEEP(1, r[1]);
    SECTION_KEEP(2, r[2]);
    SECTION_KEEP(3, r[3]);
}

static void run_two(const section_run *r, size_t frames)
{
    SECTION_LOCALS(0, r[0]);
    SECTION_LOCALS(1, r[1]);
    for (size_t i = 0; i < frames; i++) {
        SECTION_TICK(0, i);
        SECTION_TICK(1, i);
    }
    SECTION_KEEP(0, r[0]);
    SECTION_KEEP(1, r[1]);
}

static void run_one(const section_run *r, size_t frames)
{
    SECTION_LOCALS(0, r[0]);
    for (size_t i = 0; i < frames; i++)
        SECTION_TICK(0, i);
    SECTION_KEEP(0, r[0]);
}

/* A cascade of n sections with its states, over x in place. */
typedef struct cascade_run {
    const pm_biquad *sections;
    pm_biquad_state *states;
    size_t n;
    double *x;
} cascade_run;

/* Every cascade's sections in order over the block, in loops of up to four sections that do not
 * depend on each other: each loop takes the next section of the cascades with the most still
 * to run (the mono-bass check's eighth-order pairs first), so that 36 sections take 9 loops. */
static void run_cascades(const cascade_run *c, size_t count, size_t frames)
{
    size_t done[8] = {0};
    for (;;) {
        section_run r[4];
        size_t used = 0;
        unsigned char taken[8] = {0};
        while (used < 4) {
            size_t best = count;
            for (size_t k = 0; k < count; k++)
                if (!taken[k] && done[k] < c[k].n &&
                    (best == count || c[k].n - done[k] > c[best].n - done[best]))
                    best = k;
            if (best == count)
                break;
            taken[best] = 1;
            r[used++] = (section_run){&c[best].sections[done[best]],
                                      &c[best].states[done[best]], c[best].x};
            done[best]++;
        }
        if (used == 0)
            break;
        if (used == 4)
            run_four(r, frames);
        else if (used >= 2)
            run_two(r, frames);
        if (used == 3)
            run_one(r + 2, frames);
        else if (used == 1)
            run_one(r, frames);
    }
}

/* The filters' outputs of m frames into s->work; then the sums, frame by frame, in the order
 * they have always been added in (they are the sheet's figures). */
static void scan_block(pm_vinyl_scan *s, const double *left, const double *right, size_t m)
{
    const double *x[2] = {left, right};
    double *lf[2] = {s->work[0], s->work[1]}, *band[2] = {s->work[2], s->work[3]},
           *infra[2] = {s->work[4], s->work[5]}, *side = s->work[6], *mid = s->work[7];
    cascade_run runs[8];
    size_t count = 0;
    for (int c = 0; c < 2; c++) {
        memcpy(lf[c], x[c], m * sizeof *lf[c]);
        memcpy(band[c], x[c], m * sizeof *band[c]);
        memcpy(infra[c], x[c], m * sizeof *infra[c]);
        runs[count++] = (cascade_run){s->lf, s->lf_s[c], s->lf_n, lf[c]};
        runs[count++] = (cascade_run){s->band, s->band_s[c], s->band_n, band[c]};
        runs[count++] = (cascade_run){s->infra, s->infra_s[c], s->infra_n, infra[c]};
    }
    if (s->side_lf) {
        for (size_t i = 0; i < m; i++) {
            side[i] = 0.5 * (left[i] - right[i]);
            mid[i] = 0.5 * (left[i] + right[i]);
        }
        runs[count++] = (cascade_run){s->mono_lp, s->side_s, s->mono_n, side};
        runs[count++] = (cascade_run){s->mono_lp, s->mid_s, s->mono_n, mid};
    }
    run_cascades(runs, count, m);
    /* Between two ends of a hop or a sibilance window the sums stay in registers (in memory,
     * each addition would wait on a store and a load); the additions are the same, in the
     * same order. */
    for (size_t i = 0; i < m;) {
        size_t stop = m;
        if ((int64_t)(stop - i) > s->hop - s->hop_fill)
            stop = i + (size_t)(s->hop - s->hop_fill);
        if ((int64_t)(stop - i) > s->sib_window - s->sib_fill)
            stop = i + (size_t)(s->sib_window - s->sib_fill);
        double energy = s->energy, band_energy = s->band_energy, infra_energy = s->infra_energy;
        double side_energy = s->side_lf_energy, mid_energy = s->mid_lf_energy;
        double sib[2] = {s->sib_sum[0], s->sib_sum[1]};
        double ll = s->hop_ll, rr = s->hop_rr, lr = s->hop_lr;
        for (size_t j = i; j < stop; j++) {
            for (int c = 0; c < 2; c++) {
                energy += x[c][j] * x[c][j];
                double b = band[c][j], f = infra[c][j];
                band_energy += b * b;
                sib[c] += b * b;
                infra_energy += f * f;
            }
            if (s->side_lf) {
                /* both channels' worth, like the other energies */
                side_energy += 2.0 * side[j] * side[j];
                mid_energy += 2.0 * mid[j] * mid[j];
            }
            ll += lf[0][j] * lf[0][j];
            rr += lf[1][j] * lf[1][j];
            lr += lf[0][j] * lf[1][j];
        }
        s->energy = energy;
        s->band_energy = band_energy;
        s->infra_energy = infra_energy;
        s->side_lf_energy = side_energy;
        s->mid_lf_energy = mid_energy;
        s->sib_sum[0] = sib[0];
        s->sib_sum[1] = sib[1];
        s->hop_ll = ll;
        s->hop_rr = rr;
        s->hop_lr = lr;
        s->position += (int64_t)(stop - i);
        s->hop_fill += (int64_t)(stop - i);
        s->sib_fill += (int64_t)(stop - i);
        if (s->hop_fill == s->hop)
            hop_done(s);
        if (s->sib_fill == s->sib_window)
            sib_done(s);
        i = stop;
    }
}

void pm_vinyl_scan_process(pm_vinyl_scan *s, const double *left, const double *right,
                           size_t frames)
{
    for (size_t done = 0; done < frames; done += PM_VINYL_SCAN_BLOCK) {
        size_t m = frames - done < PM_VINYL_SCAN_BLOCK ? frames - done : PM_VINYL_SCAN_BLOCK;
        scan_block(s, left + done, right + done, m);
    }
}

void pm_vinyl_scan_finish(pm_vinyl_scan *s)
{
    if (s->negative_from >= 0)
        end_stretch(s, s->position);
}

double pm_vinyl_scan_db(double energy, int64_t frames, int channels)
{
    if (frames <= 0 || !(energy > 0.0))
        return -HUGE_VAL;
    return 10.0 * log10(energy / ((double)frames * channels));
}
