/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/meter_gate.h"
#include "dsp/stage.h"
#include "dsp/truepeak.h"
#include "segmeter.h"

enum {
    CHANNELS = 2,
    LEAN_CHUNK = 4096, /* frames K-weighted per pass through the scratch buffers */
    TRUE_PEAK_FACTOR = 8
};

/* Whether segment i plays in the frames from m->position to end, and where: [*from, *to). */
static int playing(const pm_segmeter *m, size_t i, int64_t end, int64_t *from, int64_t *to)
{
    *from = m->start[i] > m->position ? m->start[i] : m->position;
    *to = m->end[i] < end ? m->end[i] : end;
    return !m->ended[i] && *from < *to;
}

/* Whether segment i ends by frame `end` and is still open. */
static int ending(const pm_segmeter *m, size_t i, int64_t end)
{
    return !m->ended[i] && m->end[i] <= end;
}

/* ---- lean meters ---------------------------------------------------------------------------- */

struct pm_segmeter_lean {
    unsigned what;
    int tiled; /* the segments cover the delivered stream end to start, or are joined: the
                  whole's true peak is the largest of theirs (and of the tail's) */
    pm_biquad k_filter[2];
    pm_biquad_state k_state[CHANNELS][2];
    double *k[CHANNELS]; /* LEAN_CHUNK frames, K-weighted */
    double *energy;      /* LEAN_CHUNK frames: the weighted sum of squares over the channels */
    pm_gate whole_gate;
    pm_truepeak *whole_peak; /* not tiled: the whole's own */
    pm_truepeak *tail_peak;  /* tiled: the frames after the last segment */
    double whole_peak_max[CHANNELS]; /* tiled: the largest of the closed segments' */
    double whole_sample_peak[CHANNELS];
    double (*sample_peak)[CHANNELS]; /* per segment */
    pm_gate *gate;           /* per segment, while it plays */
    pm_truepeak **peak;      /* per segment, while it plays */
};

static int segments_tile(const int64_t *start, const int64_t *end, size_t count, int64_t from)
{
    if (count == 0 || start[0] != from)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (end[i] <= start[i] || (i + 1 < count && start[i + 1] != end[i]))
            return 0;
    return 1;
}

static void lean_free(pm_segmeter_lean *l, size_t count)
{
    if (!l)
        return;
    for (int c = 0; c < CHANNELS; c++)
        free(l->k[c]);
    free(l->energy);
    pm_gate_fini(&l->whole_gate);
    pm_truepeak_free(l->whole_peak);
    pm_truepeak_free(l->tail_peak);
    for (size_t i = 0; l->gate && i < count; i++)
        pm_gate_fini(&l->gate[i]);
    for (size_t i = 0; l->peak && i < count; i++)
        pm_truepeak_free(l->peak[i]);
    free(l->gate);
    free(l->peak);
    free(l->sample_peak);
    free(l);
}

static pm_status lean_new(pm_segmeter *m, unsigned what)
{
    pm_segmeter_lean *l = pm_alloc_zeroed(1, sizeof *l);
    if (!l)
        return PM_ERR_NOMEM;
    m->lean = l;
    l->what = what;
    l->tiled = segments_tile(m->start, m->end, m->count, 0);
    size_t n = m->count ? m->count : 1;
    if (!(l->gate = pm_alloc_zeroed(n, sizeof *l->gate)) ||
        !(l->peak = pm_alloc_zeroed(n, sizeof *l->peak)) ||
        !(l->sample_peak = pm_alloc_zeroed(n, sizeof *l->sample_peak)))
        return PM_ERR_NOMEM;
    if (what & PM_SEGMETER_LOUDNESS) {
        pm_meter_design_k_weighting(m->rate_hz, l->k_filter);
        for (int c = 0; c < CHANNELS; c++)
            if (!(l->k[c] = pm_alloc_array(LEAN_CHUNK, sizeof(double))))
                return PM_ERR_NOMEM;
        if (!(l->energy = pm_alloc_array(LEAN_CHUNK, sizeof(double))))
            return PM_ERR_NOMEM;
        pm_gate_init(&l->whole_gate, m->rate_hz);
    }
    if (what & PM_SEGMETER_TRUE_PEAK)
        return pm_truepeak_new(CHANNELS, TRUE_PEAK_FACTOR,
                               l->tiled ? &l->tail_peak : &l->whole_peak);
    return PM_OK;
}

/* Segment i starts playing. */
static pm_status lean_open(pm_segmeter *m, size_t i)
{
    pm_segmeter_lean *l = m->lean;
    if (l->what & PM_SEGMETER_LOUDNESS)
        pm_gate_init(&l->gate[i], m->rate_hz);
    if (l->what & PM_SEGMETER_TRUE_PEAK)
        return pm_truepeak_new(CHANNELS, TRUE_PEAK_FACTOR, &l->peak[i]);
    return PM_OK;
}

/* The figures of what was not measured. */
static void lean_result_init(pm_meter_result *r, double rate_hz, int64_t frames)
{
    memset(r, 0, sizeof *r);
    r->channels = CHANNELS;
    r->rate_hz = rate_hz;
    r->frames = frames;
    r->integrated_lufs = r->range_lu = r->max_momentary_lufs = r->max_shortterm_lufs = NAN;
    for (int c = 0; c < PM_METER_MAX_CHANNELS; c++)
        r->sample_peak[c] = r->true_peak[c] = r->true_peak_ebur128[c] = r->dc[c] = NAN;
    r->correlation = r->min_lf_correlation = r->min_lf_correlation_sec = NAN;
}

/* Segment i is over, or the stream is at frame `now`: keep its figures, free what measured it. */
static void lean_close(pm_segmeter *m, size_t i, int64_t now)
{
    pm_segmeter_lean *l = m->lean;
    int64_t played = (now < m->end[i] ? now : m->end[i]) - m->start[i];
    lean_result_init(&m->result[i], m->rate_hz, played > 0 ? played : 0);
    for (int c = 0; (l->what & PM_SEGMETER_SAMPLE_PEAK) && c < CHANNELS; c++)
        m->result[i].sample_peak[c] = l->sample_peak[i][c];
    if (l->what & PM_SEGMETER_LOUDNESS) {
        const pm_gate *g = &l->gate[i];
        m->result[i].integrated_lufs = pm_gate_integrated(&g, 1);
        pm_gate_fini(&l->gate[i]);
    }
    if (l->what & PM_SEGMETER_TRUE_PEAK) {
        for (int c = 0; c < CHANNELS; c++)
            m->result[i].true_peak[c] = 0.0; /* never played: silence */
        if (l->peak[i]) {
            pm_truepeak_finish(l->peak[i]);
            for (int c = 0; c < CHANNELS; c++)
                m->result[i].true_peak[c] = pm_truepeak_max(l->peak[i], c);
        }
        pm_truepeak_free(l->peak[i]);
        l->peak[i] = NULL;
        for (int c = 0; l->tiled && c < CHANNELS; c++)
            l->whole_peak_max[c] = fmax(l->whole_peak_max[c], m->result[i].true_peak[c]);
    }
    m->ended[i] = 1;
}

/* The largest magnitude on each channel of frames, into peak[]. */
static void sample_peaks(const double *const *in, size_t offset, size_t frames,
                         double peak[CHANNELS])
{
    for (int c = 0; c < CHANNELS; c++) {
        double p = peak[c];
        for (size_t i = offset; i < offset + frames; i++)
            p = pm_larger(p, fabs(in[c][i]));
        peak[c] = p;
    }
}

/* Zero energies: the silence between joined segments, for the whole's gate. */
static pm_status gate_silence(pm_gate *gate)
{
    static const double silence[PM_SEGMETER_JOIN_SILENCE];
    return pm_gate_add(gate, silence, PM_SEGMETER_JOIN_SILENCE);
}

/* At most LEAN_CHUNK frames starting at the stream's m->position. */
static pm_status lean_chunk(pm_segmeter *m, const double *const *in, size_t n)
{
    pm_segmeter_lean *l = m->lean;
    pm_status status = PM_OK;
    int loudness = (l->what & PM_SEGMETER_LOUDNESS) != 0;
    int peak = (l->what & PM_SEGMETER_TRUE_PEAK) != 0;
    int64_t end = m->position + (int64_t)n;
    /* the whole, unless joined: the frames from whole_from on */
    int64_t ahead = m->whole_from - m->position;
    size_t skip = ahead <= 0 ? 0 : ahead < (int64_t)n ? (size_t)ahead : n;
    const double *whole[CHANNELS] = {in[0] + skip, in[1] + skip};
    int whole_here = !m->joined && skip < n;
    if (loudness) {
        for (int c = 0; c < CHANNELS; c++)
            memcpy(l->k[c], in[c], n * sizeof(double));
        pm_biquad_process_cascade2_pair(l->k_filter, l->k_state[0], l->k_state[1], l->k[0],
                                        l->k[1], n);
        for (size_t i = 0; i < n; i++)
            l->energy[i] = l->k[0][i] * l->k[0][i] + l->k[1][i] * l->k[1][i];
        if (whole_here)
            status = pm_gate_add(&l->whole_gate, l->energy + skip, n - skip);
    }
    if (peak && l->whole_peak && whole_here)
        pm_truepeak_process(l->whole_peak, whole, n - skip);
    if ((l->what & PM_SEGMETER_SAMPLE_PEAK) && whole_here)
        sample_peaks(whole, 0, n - skip, l->whole_sample_peak);
    if (peak && l->tail_peak && end > m->end[m->count - 1]) {
        int64_t from = m->end[m->count - 1] > m->position ? m->end[m->count - 1] : m->position;
        const double *part[CHANNELS] = {in[0] + (from - m->position), in[1] + (from - m->position)};
        pm_truepeak_process(l->tail_peak, part, (size_t)(end - from));
    }
    for (size_t i = 0; status == PM_OK && i < m->count; i++) {
        int64_t from, to;
        if (playing(m, i, end, &from, &to)) {
            size_t offset = (size_t)(from - m->position), frames = (size_t)(to - from);
            if (!l->peak[i] && l->gate[i].hop_frames == 0)
                status = lean_open(m, i);
            if (status == PM_OK && loudness)
                status = pm_gate_add(&l->gate[i], l->energy + offset, frames);
            if (status == PM_OK && peak) {
                const double *part[CHANNELS] = {in[0] + offset, in[1] + offset};
                pm_truepeak_process(l->peak[i], part, frames);
            }
            if (l->what & PM_SEGMETER_SAMPLE_PEAK)
                sample_peaks(in, offset, frames, l->sample_peak[i]);
            if (m->joined) {
                if (status == PM_OK && loudness && from == m->start[i] && m->joined_any)
                    status = gate_silence(&l->whole_gate);
                m->joined_any = 1;
                if (status == PM_OK && loudness)
                    status = pm_gate_add(&l->whole_gate, l->energy + offset, frames);
                if (l->what & PM_SEGMETER_SAMPLE_PEAK)
                    sample_peaks(in, offset, frames, l->whole_sample_peak);
            }
        }
        if (status == PM_OK && ending(m, i, end))
            lean_close(m, i, end);
    }
    m->position = end;
    return status;
}

static pm_status lean_process(pm_segmeter *m, const double *const *block, size_t frames)
{
    pm_status status = PM_OK;
    for (size_t done = 0; status == PM_OK && done < frames; done += LEAN_CHUNK) {
        size_t n = frames - done < LEAN_CHUNK ? frames - done : LEAN_CHUNK;
        const double *chunk[CHANNELS] = {block[0] + done, block[1] + done};
        status = lean_chunk(m, chunk, n);
    }
    return status;
}

static pm_status lean_finish(pm_segmeter *m, pm_meter_result *whole)
{
    pm_segmeter_lean *l = m->lean;
    for (size_t i = 0; i < m->count; i++)
        if (!m->ended[i])
            lean_close(m, i, m->position);
    lean_result_init(whole, m->rate_hz, m->position);
    for (int c = 0; (l->what & PM_SEGMETER_SAMPLE_PEAK) && c < CHANNELS; c++)
        whole->sample_peak[c] = l->whole_sample_peak[c];
    if (l->what & PM_SEGMETER_LOUDNESS) {
        const pm_gate *g = &l->whole_gate;
        whole->integrated_lufs = pm_gate_integrated(&g, 1);
    }
    if (l->what & PM_SEGMETER_TRUE_PEAK) {
        pm_truepeak *own = l->tiled ? l->tail_peak : l->whole_peak;
        if (own)
            pm_truepeak_finish(own);
        for (int c = 0; c < CHANNELS; c++)
            whole->true_peak[c] = fmax(own ? pm_truepeak_max(own, c) : 0.0, l->whole_peak_max[c]);
    }
    return PM_OK;
}

/* ---- both ----------------------------------------------------------------------------------- */

static pm_status init_common(pm_segmeter *m, double rate_hz, const int64_t *start,
                             const int64_t *end, size_t count)
{
    memset(m, 0, sizeof *m);
    m->start = start;
    m->end = end;
    m->count = count;
    m->rate_hz = rate_hz;
    if (count && (!(m->result = pm_alloc_zeroed(count, sizeof *m->result)) ||
                  !(m->ended = pm_alloc_zeroed(count, 1))))
        return PM_ERR_NOMEM;
    return PM_OK;
}

/* Full meters, with one for the whole or without. */
static pm_status init_full(pm_segmeter *m, double rate_hz, const int64_t *start,
                           const int64_t *end, size_t count, int whole)
{
    pm_status status = init_common(m, rate_hz, start, end, count);
    if (status == PM_OK && whole)
        status = pm_meter_new(CHANNELS, rate_hz, 0, &m->whole);
    if (status == PM_OK && count && !(m->segment = pm_alloc_zeroed(count, sizeof *m->segment)))
        status = PM_ERR_NOMEM;
    if (status != PM_OK)
        pm_segmeter_fini(m);
    return status;
}

pm_status pm_segmeter_init(pm_segmeter *m, double rate_hz, const int64_t *start,
                           const int64_t *end, size_t count)
{
    return init_full(m, rate_hz, start, end, count, 1);
}

pm_status pm_segmeter_init_segments(pm_segmeter *m, double rate_hz, const int64_t *start,
                                    const int64_t *end, size_t count)
{
    return init_full(m, rate_hz, start, end, count, 0);
}

pm_status pm_segmeter_init_lean(pm_segmeter *m, double rate_hz, unsigned what,
                                const int64_t *start, const int64_t *end, size_t count)
{
    pm_status status = init_common(m, rate_hz, start, end, count);
    if (status == PM_OK)
        status = lean_new(m, what);
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
    lean_free(m->lean, m->count);
    free(m->result);
    free(m->ended);
    memset(m, 0, sizeof *m);
}

pm_status pm_segmeter_deliver(pm_segmeter *m, int joined, int64_t whole_from)
{
    m->joined = joined;
    m->whole_from = joined ? 0 : whole_from;
    pm_segmeter_lean *l = m->lean;
    if (!l)
        return PM_OK;
    /* The whole's true peak: the largest of the segments' where they tile what is delivered
     * (joined segments always do: each is measured alone, as its file), and of the tail after
     * the last when they tile the stream; otherwise a meter of its own. */
    l->tiled = joined || segments_tile(m->start, m->end, m->count, m->whole_from);
    pm_truepeak_free(l->whole_peak);
    pm_truepeak_free(l->tail_peak);
    l->whole_peak = l->tail_peak = NULL;
    if (!(l->what & PM_SEGMETER_TRUE_PEAK) || (l->tiled && joined))
        return PM_OK;
    return pm_truepeak_new(CHANNELS, TRUE_PEAK_FACTOR, l->tiled ? &l->tail_peak : &l->whole_peak);
}

pm_status pm_segmeter_join_silence(pm_meter *meter)
{
    static const double silence[PM_SEGMETER_JOIN_SILENCE];
    const double *quiet[CHANNELS] = {silence, silence};
    return pm_meter_process(meter, quiet, PM_SEGMETER_JOIN_SILENCE);
}

/* ---- full meters ---------------------------------------------------------------------------- */

/* Segment i is over (or the stream is): keep its figures, free its meter. */
static pm_status close_segment(pm_segmeter *m, size_t i)
{
    pm_status status = PM_OK;
    if (!m->segment[i])
        status = pm_meter_new(CHANNELS, m->rate_hz, 0, &m->segment[i]); /* never played */
    if (status == PM_OK)
        status = pm_meter_finish(m->segment[i], &m->result[i]);
    pm_meter_free(m->segment[i]);
    m->segment[i] = NULL;
    m->ended[i] = 1;
    return status;
}

pm_status pm_segmeter_process(pm_segmeter *m, const double *const *block, size_t frames)
{
    if (m->lean)
        return lean_process(m, block, frames);
    pm_status status = PM_OK;
    int64_t end = m->position + (int64_t)frames;
    if (m->whole && !m->joined && end > m->whole_from) {
        size_t skip = m->whole_from > m->position ? (size_t)(m->whole_from - m->position) : 0;
        const double *part[CHANNELS] = {block[0] + skip, block[1] + skip};
        status = pm_meter_process(m->whole, part, frames - skip);
    }
    for (size_t i = 0; status == PM_OK && i < m->count; i++) {
        int64_t from, to;
        if (playing(m, i, end, &from, &to) && m->joined) {
            if (from == m->start[i] && m->joined_any)
                status = pm_segmeter_join_silence(m->whole);
            m->joined_any = 1;
            const double *part[CHANNELS] = {block[0] + (from - m->position),
                                            block[1] + (from - m->position)};
            if (status == PM_OK)
                status = pm_meter_process(m->whole, part, (size_t)(to - from));
        } else if (playing(m, i, end, &from, &to)) {
            if (!m->segment[i])
                status = pm_meter_new(CHANNELS, m->rate_hz, 0, &m->segment[i]);
            const double *part[CHANNELS] = {block[0] + (from - m->position),
                                            block[1] + (from - m->position)};
            if (status == PM_OK)
                status = pm_meter_process(m->segment[i], part, (size_t)(to - from));
        }
        if (status == PM_OK && ending(m, i, end) && !m->joined)
            status = close_segment(m, i);
    }
    m->position = end;
    return status;
}

pm_status pm_segmeter_finish(pm_segmeter *m, pm_meter_result *whole, pm_meter_result *segments)
{
    pm_status status = PM_OK;
    if (m->lean)
        status = lean_finish(m, whole);
    else if (m->whole)
        status = pm_meter_finish(m->whole, whole);
    for (size_t i = 0; status == PM_OK && i < m->count; i++) {
        if (!m->ended[i] && !m->joined)
            status = close_segment(m, i);
        if (segments)
            segments[i] = m->result[i];
    }
    return status;
}
