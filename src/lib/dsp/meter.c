/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/biquad.h"
#include "dsp/meter.h"
#include "dsp/meter_gate.h"
#include "dsp/truepeak.h"

enum {
    CHUNK = 4096,         /* frames handled per pass through the scratch buffers */
    MOMENTARY_STEPS = 40, /* 400 ms in 10 ms sub-blocks */
    SHORTTERM_STEPS = 300, /* 3 s */
    LF_HOPS = 4            /* a 400 ms correlation window in 100 ms hops */
};

#define LF_CUTOFF_HZ 300.0
/* Below this mean square per channel (-70 dBFS RMS) a 400 ms window has no bass to judge. */
#define LF_LEVEL_FLOOR 1e-7
#define CLIP_LEVEL (32767.0 / 32768.0)

typedef struct lf_sums {
    double lr, ll, rr;
} lf_sums;

struct pm_meter {
    int channels;
    double rate_hz;
    unsigned flags;
    int64_t frames;
    pm_gate gate;        /* integrated loudness and loudness range */
    ebur128_state *ebur; /* only for libebur128's own true peak, when asked for */
    pm_truepeak *truepeak;

    /* K-weighting (BS.1770-4 Annex 1): pre-filter shelf and RLB high-pass per channel */
    pm_biquad k_filter[2];
    pm_biquad_state k_state[PM_METER_MAX_CHANNELS][2];
    double weight[PM_METER_MAX_CHANNELS];
    size_t step_frames; /* one 10 ms sub-block */
    size_t step_fill;   /* frames in the current sub-block */
    double step_energy[PM_METER_MAX_CHANNELS]; /* sums of squares of the current sub-block */
    double steps[SHORTTERM_STEPS]; /* ring of the last sub-blocks' energies */
    size_t steps_seen;
    double max_momentary, max_shortterm; /* mean-square energies */

    /* per channel plain statistics */
    double sample_peak[PM_METER_MAX_CHANNELS];
    double sum[PM_METER_MAX_CHANNELS];
    uint64_t clipped[PM_METER_MAX_CHANNELS];

    /* correlation: whole band, and below 300 Hz in 400 ms windows */
    lf_sums whole;
    pm_biquad lf_filter[2];
    pm_biquad_state lf_state[2][2];
    size_t hop_frames, hop_fill;
    lf_sums hop, hops[LF_HOPS];
    size_t hops_seen;
    double min_lf, min_lf_sec;

    double *scratch[PM_METER_MAX_CHANNELS]; /* CHUNK frames each: K-weighted */
    double *low[2];                         /* CHUNK frames each: channels 0 and 1 low-passed */
    double *energy;                         /* CHUNK: each frame's weighted K-energy */
    double *interleaved;                    /* CHUNK * channels, for libebur128 */
};

/*
 * The K-weighting filters at any rate, from the analog prototypes behind the 48 kHz
 * coefficients of BS.1770-4 Annex 1 (a high shelf of +4 dB at 1682 Hz and a 38 Hz second-order
 * high-pass), by the bilinear transform with pre-warping; at 48 kHz they reproduce the table of
 * the recommendation (test-meter checks it).
 */
void pm_meter_design_k_weighting(double rate_hz, pm_biquad filter[2])
{
    const double pi = 3.14159265358979323846;
    double f0 = 1681.974450955533, gain_db = 3.999843853973347, q = 0.7071752369554196;
    double k = tan(pi * f0 / rate_hz);
    double vh = pow(10.0, gain_db / 20.0), vb = pow(vh, 0.4996667741545416);
    double a0 = 1.0 + k / q + k * k;
    filter[0] = (pm_biquad){.b0 = (vh + vb * k / q + k * k) / a0,
                            .b1 = 2.0 * (k * k - vh) / a0,
                            .b2 = (vh - vb * k / q + k * k) / a0,
                            .a1 = 2.0 * (k * k - 1.0) / a0,
                            .a2 = (1.0 - k / q + k * k) / a0};
    f0 = 38.13547087602444;
    q = 0.5003270373238773;
    k = tan(pi * f0 / rate_hz);
    a0 = 1.0 + k / q + k * k;
    filter[1] = (pm_biquad){.b0 = 1.0, .b1 = -2.0, .b2 = 1.0,
                            .a1 = 2.0 * (k * k - 1.0) / a0,
                            .a2 = (1.0 - k / q + k * k) / a0};
}

static double lufs_from_energy(double energy)
{
    return energy > 0.0 ? -0.691 + 10.0 * log10(energy) : -HUGE_VAL;
}

pm_status pm_meter_new(int channels, double rate_hz, unsigned flags, pm_meter **out)
{
    *out = NULL;
    if (channels < 1 || channels > PM_METER_MAX_CHANNELS || !(rate_hz >= 8000.0) ||
        rate_hz > 384000.0)
        return PM_ERR_INVALID;
    pm_meter *m = pm_alloc_zeroed(1, sizeof *m);
    if (!m)
        return PM_ERR_NOMEM;
    m->channels = channels;
    m->rate_hz = rate_hz;
    m->flags = flags;
    pm_gate_init(&m->gate, rate_hz);
    pm_status status = PM_ERR_NOMEM;
    if ((flags & PM_METER_EBUR128_TRUE_PEAK) &&
        (!(m->ebur = ebur128_init((unsigned)channels, (unsigned long)llround(rate_hz),
                                  EBUR128_MODE_TRUE_PEAK)) ||
         !(m->interleaved = pm_alloc_array((size_t)CHUNK * (size_t)channels, sizeof(double)))))
        goto fail;
    status = pm_truepeak_new(channels, 8, &m->truepeak);
    if (status != PM_OK)
        goto fail;
    status = PM_ERR_NOMEM;
    for (int c = 0; c < channels; c++)
        if (!(m->scratch[c] = pm_alloc_array(CHUNK, sizeof(double))))
            goto fail;
    for (int c = 0; c < 2; c++)
        if (!(m->low[c] = pm_alloc_array(CHUNK, sizeof(double))))
            goto fail;
    if (!(m->energy = pm_alloc_array(CHUNK, sizeof(double))))
        goto fail;
    pm_meter_design_k_weighting(rate_hz, m->k_filter);
    /* libebur128's default channel map, so that both loudness figures weigh alike */
    for (int c = 0; c < channels; c++)
        m->weight[c] = c == 3 ? 0.0 : c >= 4 ? 1.41 : 1.0;
    if (channels == 1)
        m->weight[0] = 1.0;
    m->step_frames = (size_t)llround(rate_hz / 100.0);
    m->hop_frames = (size_t)llround(rate_hz / 10.0);
    if (pm_biquad_design_lr4(m->lf_filter, PM_BIQUAD_LOWPASS, rate_hz, LF_CUTOFF_HZ) != PM_OK) {
        status = PM_ERR_INTERNAL;
        goto fail;
    }
    m->max_momentary = m->max_shortterm = 0.0;
    m->min_lf = NAN;
    m->min_lf_sec = NAN;
    *out = m;
    return PM_OK;
fail:
    pm_meter_free(m);
    return status;
}

void pm_meter_free(pm_meter *meter)
{
    if (!meter)
        return;
    if (meter->ebur)
        ebur128_destroy(&meter->ebur);
    pm_gate_fini(&meter->gate);
    pm_truepeak_free(meter->truepeak);
    for (int c = 0; c < PM_METER_MAX_CHANNELS; c++)
        free(meter->scratch[c]);
    free(meter->low[0]);
    free(meter->low[1]);
    free(meter->energy);
    free(meter->interleaved);
    free(meter);
}

/* A 10 ms sub-block is complete: slide the 400 ms and 3 s windows by one step. */
static void close_step(pm_meter *m)
{
    double energy = 0.0;
    for (int c = 0; c < m->channels; c++) {
        energy += m->weight[c] * m->step_energy[c];
        m->step_energy[c] = 0.0;
    }
    m->steps[m->steps_seen % SHORTTERM_STEPS] = energy;
    m->steps_seen++;
    m->step_fill = 0;
    /* Windows are summed afresh from the ring rather than kept as running sums, so that
     * rounding cannot accumulate over an album; 340 additions every 10 ms cost nothing. */
    double momentary = 0.0, shortterm = 0.0;
    size_t have = m->steps_seen < SHORTTERM_STEPS ? m->steps_seen : SHORTTERM_STEPS;
    for (size_t i = 0; i < have; i++) {
        double e = m->steps[(m->steps_seen - 1 - i) % SHORTTERM_STEPS];
        shortterm += e;
        if (i < MOMENTARY_STEPS)
            momentary += e;
    }
    /* The windows start full of silence, like a meter switched on before the programme. */
    double step_len = (double)m->step_frames;
    momentary /= MOMENTARY_STEPS * step_len;
    shortterm /= SHORTTERM_STEPS * step_len;
    if (momentary > m->max_momentary)
        m->max_momentary = momentary;
    if (shortterm > m->max_shortterm)
        m->max_shortterm = shortterm;
}

/* A 100 ms hop is complete: judge the 400 ms correlation window that ends with it. */
static void close_hop(pm_meter *m)
{
    m->hops[m->hops_seen % LF_HOPS] = m->hop;
    m->hops_seen++;
    m->hop = (lf_sums){0, 0, 0};
    m->hop_fill = 0;
    if (m->hops_seen < LF_HOPS)
        return;
    lf_sums w = {0, 0, 0};
    for (int i = 0; i < LF_HOPS; i++) {
        w.lr += m->hops[i].lr;
        w.ll += m->hops[i].ll;
        w.rr += m->hops[i].rr;
    }
    double frames = (double)(LF_HOPS * m->hop_frames);
    if (w.ll / frames < LF_LEVEL_FLOOR || w.rr / frames < LF_LEVEL_FLOOR)
        return;
    double r = w.lr / sqrt(w.ll * w.rr);
    if (isnan(m->min_lf) || r < m->min_lf) {
        m->min_lf = r;
        m->min_lf_sec = (double)((m->hops_seen - LF_HOPS) * m->hop_frames) / m->rate_hz;
    }
}

/*
 * Stereo: the plain statistics, the correlation sums, the 10 ms sub-blocks' K-weighted energies
 * and the 100 ms hops' low-passed sums of frames [0, n), in one loop between the ends of steps
 * and hops. Each sum waits on its previous value: eleven of them side by side in one loop take
 * the time that three took in each loop of their own. Every sum gets the same additions in the
 * same order as the general path, so the figures are the same bit for bit.
 */
static void stereo_sums(pm_meter *m, const double *const *in, size_t n)
{
    const double *x0 = in[0], *x1 = in[1], *k0 = m->scratch[0], *k1 = m->scratch[1];
    const double *l = m->low[0], *r = m->low[1];
    for (size_t i = 0; i < n;) {
        size_t stop = n;
        if (stop - i > m->step_frames - m->step_fill)
            stop = i + (m->step_frames - m->step_fill);
        if (stop - i > m->hop_frames - m->hop_fill)
            stop = i + (m->hop_frames - m->hop_fill);
        double peak0 = m->sample_peak[0], peak1 = m->sample_peak[1];
        double sum0 = m->sum[0], sum1 = m->sum[1];
        double e0 = m->step_energy[0], e1 = m->step_energy[1];
        uint64_t clipped0 = 0, clipped1 = 0;
        lf_sums w = m->whole, h = m->hop;
        for (size_t j = i; j < stop; j++) {
            double a0 = fabs(x0[j]), a1 = fabs(x1[j]);
            peak0 = a0 > peak0 ? a0 : peak0;
            peak1 = a1 > peak1 ? a1 : peak1;
            sum0 += x0[j];
            sum1 += x1[j];
            clipped0 += a0 >= CLIP_LEVEL;
            clipped1 += a1 >= CLIP_LEVEL;
            w.lr += x0[j] * x1[j];
            w.ll += x0[j] * x0[j];
            w.rr += x1[j] * x1[j];
            e0 += k0[j] * k0[j];
            e1 += k1[j] * k1[j];
            h.lr += l[j] * r[j];
            h.ll += l[j] * l[j];
            h.rr += r[j] * r[j];
        }
        m->sample_peak[0] = peak0;
        m->sample_peak[1] = peak1;
        m->sum[0] = sum0;
        m->sum[1] = sum1;
        m->clipped[0] += clipped0;
        m->clipped[1] += clipped1;
        m->step_energy[0] = e0;
        m->step_energy[1] = e1;
        m->whole = w;
        m->hop = h;
        m->step_fill += stop - i;
        m->hop_fill += stop - i;
        if (m->step_fill == m->step_frames)
            close_step(m);
        if (m->hop_fill == m->hop_frames)
            close_hop(m);
        i = stop;
    }
}

/* Stereo without libebur128: the filters, then stereo_sums, then the gate. */
static pm_status measure_stereo_chunk(pm_meter *m, const double *const *in, size_t n)
{
    for (int c = 0; c < 2; c++) {
        memcpy(m->scratch[c], in[c], n * sizeof(double));
        memcpy(m->low[c], in[c], n * sizeof(double));
    }
    pm_biquad_process_cascade2_two_pairs(m->k_filter, m->k_state[0], m->k_state[1], m->scratch[0],
                                         m->scratch[1], m->lf_filter, m->lf_state[0],
                                         m->lf_state[1], m->low[0], m->low[1], n);
    stereo_sums(m, in, n);
    for (size_t j = 0; j < n; j++)
        m->energy[j] = m->weight[0] * m->scratch[0][j] * m->scratch[0][j];
    for (size_t j = 0; j < n; j++)
        m->energy[j] += m->weight[1] * m->scratch[1][j] * m->scratch[1][j];
    return pm_gate_add(&m->gate, m->energy, n);
}

/* Every sum is carried in the meter's state and added to in stream order, sample by sample,
 * so that the figures do not depend on how the stream was cut into blocks. */
static pm_status measure_chunk(pm_meter *m, const double *const *in, size_t n)
{
    int channels = m->channels;
    if (channels == 2 && !m->interleaved)
        return measure_stereo_chunk(m, in, n);
    for (int c = 0; c < channels; c++) {
        const double *x = in[c];
        double peak = m->sample_peak[c], sum = m->sum[c];
        uint64_t clipped = 0;
        for (size_t i = 0; i < n; i++) {
            double a = fabs(x[i]);
            peak = a > peak ? a : peak;
            sum += x[i];
            clipped += a >= CLIP_LEVEL;
        }
        m->sample_peak[c] = peak;
        m->sum[c] = sum;
        m->clipped[c] += clipped;
        for (size_t i = 0; m->interleaved && i < n; i++)
            m->interleaved[i * (size_t)channels + (size_t)c] = x[i];
    }
    if (channels >= 2) {
        lf_sums w = m->whole;
        for (size_t i = 0; i < n; i++) {
            w.lr += in[0][i] * in[1][i];
            w.ll += in[0][i] * in[0][i];
            w.rr += in[1][i] * in[1][i];
        }
        m->whole = w;
    }

    /* K-weighted energy, step by step */
    for (int c = 0; c < channels; c++)
        memcpy(m->scratch[c], in[c], n * sizeof(double));
    int paired = 0;
    if (channels >= 2) {
        /* channels 0 and 1 K-weighted and low-passed below 300 Hz in one loop */
        memcpy(m->low[0], in[0], n * sizeof(double));
        memcpy(m->low[1], in[1], n * sizeof(double));
        pm_biquad_process_cascade2_two_pairs(m->k_filter, m->k_state[0], m->k_state[1],
                                             m->scratch[0], m->scratch[1], m->lf_filter,
                                             m->lf_state[0], m->lf_state[1], m->low[0],
                                             m->low[1], n);
        paired = 2;
    }
    for (; paired + 1 < channels; paired += 2)
        pm_biquad_process_cascade2_pair(m->k_filter, m->k_state[paired], m->k_state[paired + 1],
                                        m->scratch[paired], m->scratch[paired + 1], n);
    if (paired < channels)
        pm_biquad_process_cascade(m->k_filter, m->k_state[paired], 2, m->scratch[paired], n);
    size_t i = 0;
    while (i < n) {
        size_t take = m->step_frames - m->step_fill;
        take = take < n - i ? take : n - i;
        for (int c = 0; c < channels; c++) {
            const double *k = m->scratch[c] + i;
            double e = m->step_energy[c];
            for (size_t j = 0; j < take; j++)
                e += k[j] * k[j];
            m->step_energy[c] = e;
        }
        m->step_fill += take;
        i += take;
        if (m->step_fill == m->step_frames)
            close_step(m);
    }
    /* each frame's energy, channels weighted, for the gates */
    for (size_t j = 0; j < n; j++)
        m->energy[j] = m->weight[0] * m->scratch[0][j] * m->scratch[0][j];
    for (int c = 1; c < channels; c++)
        for (size_t j = 0; j < n; j++)
            m->energy[j] += m->weight[c] * m->scratch[c][j] * m->scratch[c][j];
    pm_status status = pm_gate_add(&m->gate, m->energy, n);

    /* below 300 Hz, channels 0 and 1 */
    if (channels < 2)
        return status;
    i = 0;
    while (i < n) {
        size_t take = m->hop_frames - m->hop_fill;
        take = take < n - i ? take : n - i;
        const double *l = m->low[0] + i, *r = m->low[1] + i;
        lf_sums h = m->hop;
        for (size_t j = 0; j < take; j++) {
            h.lr += l[j] * r[j];
            h.ll += l[j] * l[j];
            h.rr += r[j] * r[j];
        }
        m->hop = h;
        m->hop_fill += take;
        i += take;
        if (m->hop_fill == m->hop_frames)
            close_hop(m);
    }
    return status;
}

pm_status pm_meter_process(pm_meter *meter, const double *const *in, size_t frames)
{
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < CHUNK ? frames - done : CHUNK;
        const double *chunk[PM_METER_MAX_CHANNELS];
        for (int c = 0; c < meter->channels; c++)
            chunk[c] = in[c] + done;
        pm_status status = measure_chunk(meter, chunk, n);
        if (status != PM_OK)
            return status;
        if (meter->ebur &&
            ebur128_add_frames_double(meter->ebur, meter->interleaved, n) != EBUR128_SUCCESS)
            return PM_ERR_INTERNAL;
        pm_truepeak_process(meter->truepeak, chunk, n);
        done += n;
    }
    meter->frames += (int64_t)frames;
    return PM_OK;
}

pm_status pm_meter_finish(pm_meter *meter, pm_meter_result *out)
{
    memset(out, 0, sizeof *out);
    out->channels = meter->channels;
    out->rate_hz = meter->rate_hz;
    out->frames = meter->frames;
    const pm_gate *gate = &meter->gate;
    out->integrated_lufs = pm_gate_integrated(&gate, 1);
    pm_status status = pm_gate_range(&gate, 1, &out->range_lu);
    if (status != PM_OK)
        return status;
    out->max_momentary_lufs = lufs_from_energy(meter->max_momentary);
    out->max_shortterm_lufs = lufs_from_energy(meter->max_shortterm);
    pm_truepeak_finish(meter->truepeak);
    for (int c = 0; c < meter->channels; c++) {
        out->sample_peak[c] = meter->sample_peak[c];
        out->true_peak[c] = pm_truepeak_max(meter->truepeak, c);
        out->true_peak_frame[c] = pm_truepeak_max_frame(meter->truepeak, c);
        out->true_peak_ebur128[c] = NAN;
        if ((meter->flags & PM_METER_EBUR128_TRUE_PEAK) &&
            ebur128_true_peak(meter->ebur, (unsigned)c, &out->true_peak_ebur128[c]) !=
                EBUR128_SUCCESS)
            return PM_ERR_INTERNAL;
        out->dc[c] = meter->frames ? meter->sum[c] / (double)meter->frames : 0.0;
        out->clipped[c] = meter->clipped[c];
    }
    out->correlation = NAN;
    if (meter->channels >= 2 && meter->whole.ll > 0.0 && meter->whole.rr > 0.0)
        out->correlation = meter->whole.lr / sqrt(meter->whole.ll * meter->whole.rr);
    out->min_lf_correlation = meter->min_lf;
    out->min_lf_correlation_sec = meter->min_lf_sec;
    return PM_OK;
}

pm_status pm_meter_album(pm_meter *const *meters, size_t count, double *integrated_lufs,
                         double *range_lu)
{
    const pm_gate *gates[64] = {0};
    const pm_gate **all = count <= 64 ? gates : pm_alloc_array(count, sizeof *all);
    if (!all)
        return PM_ERR_NOMEM;
    for (size_t i = 0; i < count; i++)
        all[i] = &meters[i]->gate;
    *integrated_lufs = pm_gate_integrated(all, count);
    pm_status status = pm_gate_range(all, count, range_lu);
    if (all != gates)
        free(all);
    return status;
}
