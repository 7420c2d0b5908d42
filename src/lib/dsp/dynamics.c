/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dsp/dynamics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "dsp/biquad.h"

/* ln(10) / 20: dB to the natural log of a linear gain. */
#define DB_TO_LN 0.11512925464970229
/* A smoothed reduction under this many dB is none: a release tail ends before the subnormals. */
#define REDUCTION_FLUSH_DB 1e-9
/* The loudest level a detector believes (+120 dB); larger and infinite samples read as this. */
#define LEVEL_CAP 1e6
/* Frames a stage works on at a time: the per-frame gains and the band live in arrays this long. */
#define CHUNK 256

/* |x| as the detectors read it: NaN is silence, anything past LEVEL_CAP is LEVEL_CAP. */
static inline double detector_magnitude(double x)
{
    double a = fabs(x);
    if (a != a)
        return 0;
    return a > LEVEL_CAP ? LEVEL_CAP : a;
}

/* The one-pole coefficient of a time constant: exp(-1 / (t fs)); 0 (follow at once) for t = 0. */
static double pole_for(double time_sec, double rate_hz)
{
    return time_sec > 0 ? exp(-1 / (time_sec * rate_hz)) : 0;
}

/*
 * One step of the reduction smoother: toward target with the attack pole while the reduction
 * grows, with the release pole while it shrinks. Written as target + a (y - target) so that a
 * reduction that has reached its target stays on it exactly.
 */
static inline double smooth_reduction(double y, double target, double attack, double release)
{
    double a = target > y ? attack : release;
    y = target + a * (y - target);
    return y < REDUCTION_FLUSH_DB ? 0 : y;
}

/* ---------------------------------------------------------------------------------------------
 * Running maximum over the last `size` frames: a queue of the candidates (values that no later
 * value has exceeded), decreasing from the head, in a ring of `size` slots. Each value enters and
 * leaves once, so a frame costs O(1) on average, and the result depends on the frames alone.
 */

typedef struct hold_max {
    double *value;
    uint64_t *at; /* the frame number of each candidate */
    size_t size;  /* the window in frames, >= 1, and the ring's capacity */
    size_t head, count;
    uint64_t now; /* frames pushed so far */
} hold_max;

static void hold_clear(hold_max *h)
{
    h->head = h->count = 0;
    h->now = 0;
}

static void hold_fini(hold_max *h)
{
    free(h->value);
    free(h->at);
    h->value = NULL;
    h->at = NULL;
    h->size = 0;
}

static pm_status hold_init(hold_max *h, size_t size)
{
    hold_fini(h);
    h->value = pm_alloc_array(size, sizeof *h->value);
    h->at = pm_alloc_array(size, sizeof *h->at);
    if (!h->value || !h->at) {
        hold_fini(h);
        return PM_ERR_NOMEM;
    }
    h->size = size;
    hold_clear(h);
    return PM_OK;
}

/* Add the next frame's value a; returns the largest of the last size values (a included). */
static inline double hold_push(hold_max *h, double a)
{
    /* The head leaves when it is size frames old; then at most size - 1 candidates remain. */
    if (h->count && h->at[h->head] + h->size <= h->now) {
        h->head = h->head + 1 == h->size ? 0 : h->head + 1;
        h->count--;
    }
    /* A candidate no larger than a can never be the maximum again. */
    while (h->count) {
        size_t back = h->head + h->count - 1;
        if (back >= h->size)
            back -= h->size;
        if (h->value[back] > a)
            break;
        h->count--;
    }
    size_t slot = h->head + h->count;
    if (slot >= h->size)
        slot -= h->size;
    h->value[slot] = a;
    h->at[slot] = h->now;
    h->count++;
    h->now++;
    return h->value[h->head];
}

/* ---------------------------------------------------------------------------------------------
 * Mean square over the last `size` frames of one channel: a ring of squares and their running
 * sum. Adding and subtracting lets rounding errors pile up, so the sum is recomputed from the
 * ring each time the ring wraps (O(1) per frame on average, and on a fixed schedule, so the
 * result does not depend on the block sizes).
 */

typedef struct mean_square {
    double *square;
    size_t size, at;
    double sum;
} mean_square;

static void mean_square_clear(mean_square *m)
{
    if (m->square)
        memset(m->square, 0, m->size * sizeof *m->square);
    m->at = 0;
    m->sum = 0;
}

static void mean_square_fini(mean_square *m)
{
    free(m->square);
    m->square = NULL;
    m->size = 0;
}

static pm_status mean_square_init(mean_square *m, size_t size)
{
    mean_square_fini(m);
    m->square = pm_alloc_zeroed(size, sizeof *m->square);
    if (!m->square)
        return PM_ERR_NOMEM;
    m->size = size;
    mean_square_clear(m);
    return PM_OK;
}

static inline double mean_square_push(mean_square *m, double a)
{
    double sq = a * a;
    m->sum += sq - m->square[m->at];
    m->square[m->at] = sq;
    if (++m->at == m->size) {
        double sum = 0;
        for (size_t i = 0; i < m->size; i++)
            sum += m->square[i];
        m->sum = sum;
        m->at = 0;
    }
    /* Rounding can leave a tiny negative sum after a loud passage; a mean square is not. */
    return m->sum > 0 ? m->sum / (double)m->size : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Helpers shared by both stages.
 */

static size_t frames_to_do(size_t in_frames, size_t out_capacity)
{
    return in_frames < out_capacity ? in_frames : out_capacity;
}

/* The peak hold of both stages, in frames at rate: see dynamics.h. */
static size_t hold_frames(double release_sec, double rate_hz)
{
    double hold_sec = fmin(PM_COMPRESSOR_HOLD_SEC, release_sec / 20);
    double frames = floor(hold_sec * rate_hz + 0.5);
    return frames < 1 ? 1 : (size_t)frames;
}

/* ---------------------------------------------------------------------------------------------
 * Compressor.
 */

typedef struct compressor_stage {
    pm_stage base;
    pm_compressor_params p;
    double slope;      /* 1 - 1/R: the reduction per dB over the threshold */
    double knee_lo_db; /* T - W/2: no reduction at or below */
    double makeup_db;
    /* From start: */
    double knee_lo_level; /* knee_lo_db as the detector's linear level (|x| or mean square) */
    double attack, release;
    int channels;
    hold_max hold;
    mean_square ms[PM_STAGE_MAX_CHANNELS];
    /* The running state: */
    double reduction_db;
    double last_level, last_target; /* the gain computer's last input and output */
    double last_reduction, last_gain; /* the last gain computed, and for which reduction */
    double gain[CHUNK];
} compressor_stage;

/* The static curve as a reduction in dB (>= 0) at level_db; see dynamics.h. */
static double curve_reduction_db(double slope, double threshold_db, double knee_db,
                                 double level_db)
{
    double over = level_db - threshold_db;
    if (2 * over <= -knee_db)
        return 0;
    if (2 * over < knee_db) {
        double in_knee = over + knee_db / 2;
        return slope * in_knee * in_knee / (2 * knee_db);
    }
    return slope * over;
}

double pm_compressor_makeup_db(const pm_compressor_params *params)
{
    if (!params->makeup_auto)
        return params->makeup_db;
    double slope = 1 - 1 / params->ratio;
    return curve_reduction_db(slope, params->threshold_db, params->knee_db, 0) / 2;
}

static void compressor_clear(compressor_stage *cs)
{
    hold_clear(&cs->hold);
    for (int c = 0; c < PM_STAGE_MAX_CHANNELS; c++)
        mean_square_clear(&cs->ms[c]);
    cs->reduction_db = 0;
    cs->last_level = 0;
    cs->last_target = 0;
    cs->last_reduction = 0;
    cs->last_gain = exp(cs->makeup_db * DB_TO_LN);
}

static pm_status compressor_start(pm_stage *stage, const pm_stage_format *in,
                                  pm_stage_format *out, pm_diag *diag)
{
    compressor_stage *cs = (compressor_stage *)stage;
    double rate = in->rate_hz;
    pm_status status;
    if (cs->p.detection == PM_COMPRESSOR_PEAK) {
        status = hold_init(&cs->hold, hold_frames(cs->p.release_sec, rate));
        cs->knee_lo_level = pow(10, cs->knee_lo_db / 20);
    } else {
        double frames = floor(PM_COMPRESSOR_RMS_WINDOW_SEC * rate + 0.5);
        status = PM_OK;
        for (int c = 0; c < in->channels && status == PM_OK; c++)
            status = mean_square_init(&cs->ms[c], frames < 1 ? 1 : (size_t)frames);
        cs->knee_lo_level = pow(10, cs->knee_lo_db / 10);
    }
    if (status != PM_OK)
        return status;
    cs->attack = pole_for(cs->p.attack_sec, rate);
    cs->release = pole_for(cs->p.release_sec, rate);
    cs->channels = in->channels;
    compressor_clear(cs);
    return pm_stage_start_same_format(stage, in, out, diag);
}

/* The detector's level of frame i of the chunk: |x| held, or the larger mean square. */
static inline double compressor_level(compressor_stage *cs, const double *const *in, size_t i)
{
    double level = 0;
    if (cs->p.detection == PM_COMPRESSOR_PEAK) {
        for (int c = 0; c < cs->channels; c++)
            level = pm_larger(level, detector_magnitude(in[c][i]));
        return hold_push(&cs->hold, level);
    }
    for (int c = 0; c < cs->channels; c++)
        level = pm_larger(level, mean_square_push(&cs->ms[c], detector_magnitude(in[c][i])));
    return level;
}

/* Frames [0, n) of in into out, n <= CHUNK. */
static void compressor_chunk(compressor_stage *cs, const double *const *in, double *const *out,
                             size_t n)
{
    double y = cs->reduction_db;
    int rms = cs->p.detection == PM_COMPRESSOR_RMS;
    for (size_t i = 0; i < n; i++) {
        double level = compressor_level(cs, in, i);
        /* Under the knee no logarithm is needed; a held level repeats, so its result is kept. */
        if (level != cs->last_level) {
            cs->last_level = level;
            if (level <= cs->knee_lo_level)
                cs->last_target = 0;
            else
                cs->last_target = curve_reduction_db(
                    cs->slope, cs->p.threshold_db, cs->p.knee_db,
                    rms ? 10 * log10(level) : 20 * log10(level));
        }
        y = smooth_reduction(y, cs->last_target, cs->attack, cs->release);
        if (y != cs->last_reduction) {
            cs->last_reduction = y;
            cs->last_gain = exp((cs->makeup_db - y) * DB_TO_LN);
        }
        cs->gain[i] = cs->last_gain;
    }
    cs->reduction_db = y;
    /* One gain for every channel: the stereo link. */
    for (int c = 0; c < cs->channels; c++) {
        const double *x = in[c];
        double *o = out[c];
        for (size_t i = 0; i < n; i++)
            o[i] = x[i] * cs->gain[i];
    }
}

/* Run a stage's chunk function over n frames in pieces of at most CHUNK (its scratch size). */
typedef void (*chunk_fn)(void *stage, const double *const *in, double *const *out, size_t len);

static void in_chunks(void *stage, int channels, chunk_fn run, const double *const *in,
                      double *const *out, size_t n)
{
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t len = n - at < CHUNK ? n - at : CHUNK;
        const double *src[PM_STAGE_MAX_CHANNELS];
        double *dst[PM_STAGE_MAX_CHANNELS];
        for (int c = 0; c < channels; c++) {
            src[c] = in[c] + at;
            dst[c] = out[c] + at;
        }
        run(stage, src, dst, len);
    }
}

static void compressor_chunk_of(void *stage, const double *const *in, double *const *out,
                                size_t len)
{
    compressor_chunk(stage, in, out, len);
}

static void compressor_process(pm_stage *stage, const double *const *in, size_t in_frames,
                               size_t *used, double *const *out, size_t out_capacity,
                               size_t *produced)
{
    compressor_stage *cs = (compressor_stage *)stage;
    size_t n = frames_to_do(in_frames, out_capacity);
    in_chunks(cs, cs->channels, compressor_chunk_of, in, out, n);
    *used = *produced = n;
}

static void compressor_reset(pm_stage *stage)
{
    compressor_clear((compressor_stage *)stage);
}

static void compressor_free(pm_stage *stage)
{
    compressor_stage *cs = (compressor_stage *)stage;
    hold_fini(&cs->hold);
    for (int c = 0; c < PM_STAGE_MAX_CHANNELS; c++)
        mean_square_fini(&cs->ms[c]);
    free(cs);
}

static const pm_stage_ops compressor_ops = {
    .name = "compressor",
    .start = compressor_start,
    .process = compressor_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = compressor_reset,
    .free = compressor_free,
};

/* 1 when lo <= x <= hi (and x is a number). */
static int in_range(double x, double lo, double hi)
{
    return x >= lo && x <= hi;
}

static int compressor_params_valid(const pm_compressor_params *p, pm_diag *diag)
{
    int valid = 1;
    if (!in_range(p->threshold_db, PM_COMPRESSOR_MIN_THRESHOLD_DB, 0)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor threshold %g dB is out of range; use %g to 0 dB", p->threshold_db,
                    PM_COMPRESSOR_MIN_THRESHOLD_DB);
        valid = 0;
    }
    if (!in_range(p->ratio, 1, PM_COMPRESSOR_MAX_RATIO)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor ratio %g is out of range; use 1 (no compression) to %g", p->ratio,
                    PM_COMPRESSOR_MAX_RATIO);
        valid = 0;
    }
    if (!in_range(p->attack_sec, 0, PM_COMPRESSOR_MAX_TIME_SEC)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor attack %g s is out of range; use 0 to %g s", p->attack_sec,
                    PM_COMPRESSOR_MAX_TIME_SEC);
        valid = 0;
    }
    if (!in_range(p->release_sec, 0, PM_COMPRESSOR_MAX_TIME_SEC)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor release %g s is out of range; use 0 to %g s", p->release_sec,
                    PM_COMPRESSOR_MAX_TIME_SEC);
        valid = 0;
    }
    if (!in_range(p->knee_db, 0, PM_COMPRESSOR_MAX_KNEE_DB)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor knee %g dB is out of range; use 0 (hard) to %g dB", p->knee_db,
                    PM_COMPRESSOR_MAX_KNEE_DB);
        valid = 0;
    }
    if (!p->makeup_auto &&
        !in_range(p->makeup_db, -PM_COMPRESSOR_MAX_MAKEUP_DB, PM_COMPRESSOR_MAX_MAKEUP_DB)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor makeup %g dB is out of range; use -%g to %g dB, or auto",
                    p->makeup_db, PM_COMPRESSOR_MAX_MAKEUP_DB, PM_COMPRESSOR_MAX_MAKEUP_DB);
        valid = 0;
    }
    if (p->detection != PM_COMPRESSOR_PEAK && p->detection != PM_COMPRESSOR_RMS) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "compressor detection %d is unknown; use peak or rms", (int)p->detection);
        valid = 0;
    }
    return valid;
}

pm_status pm_compressor_new(const pm_compressor_params *params, pm_stage **out, pm_diag *diag)
{
    *out = NULL;
    if (!params)
        return PM_ERR_USAGE;
    if (!compressor_params_valid(params, diag))
        return PM_ERR_INVALID;
    compressor_stage *cs = pm_alloc_zeroed(1, sizeof *cs);
    if (!cs)
        return PM_ERR_NOMEM;
    cs->base.ops = &compressor_ops;
    cs->base.in_place = 1;
    cs->p = *params;
    cs->slope = 1 - 1 / params->ratio;
    cs->knee_lo_db = params->threshold_db - params->knee_db / 2;
    cs->makeup_db = pm_compressor_makeup_db(params);
    *out = &cs->base;
    return PM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * De-esser.
 */

typedef struct deess_stage {
    pm_stage base;
    double freq_hz, threshold_db, range_db;
    /* From start: */
    double rate_hz;
    double threshold_level; /* threshold_db as a linear |B| */
    double attack, release;
    int channels;
    pm_biquad notch;
    pm_biquad_state state[PM_STAGE_MAX_CHANNELS];
    hold_max hold;
    /* The running state: */
    double reduction_db;
    double last_level, last_target;
    double last_reduction, last_cut; /* the last k = 1 - gain, and for which reduction */
    pm_deess_stats stats;
    double band[PM_STAGE_MAX_CHANNELS][CHUNK];
    double cut[CHUNK];
} deess_stage;

static void deess_clear(deess_stage *ds)
{
    pm_biquad_clear(ds->state, PM_STAGE_MAX_CHANNELS);
    hold_clear(&ds->hold);
    ds->reduction_db = 0;
    ds->last_level = 0;
    ds->last_target = 0;
    ds->last_reduction = 0;
    ds->last_cut = 0;
    memset(&ds->stats, 0, sizeof ds->stats);
}

static pm_status deess_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                             pm_diag *diag)
{
    deess_stage *ds = (deess_stage *)stage;
    if (ds->freq_hz >= in->rate_hz / 2) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "deess freq=%g Hz is at or above the Nyquist frequency (%g Hz at a rate of "
                    "%g Hz); use a frequency below it (4 to 10 kHz is usual)",
                    ds->freq_hz, in->rate_hz / 2, in->rate_hz);
        return PM_ERR_INVALID;
    }
    pm_status status = pm_biquad_design_notch(&ds->notch, in->rate_hz, ds->freq_hz, PM_DEESS_Q);
    if (status != PM_OK)
        return status;
    status = hold_init(&ds->hold, hold_frames(PM_DEESS_RELEASE_SEC, in->rate_hz));
    if (status != PM_OK)
        return status;
    ds->rate_hz = in->rate_hz;
    ds->threshold_level = pow(10, ds->threshold_db / 20);
    ds->attack = pole_for(PM_DEESS_ATTACK_SEC, in->rate_hz);
    ds->release = pole_for(PM_DEESS_RELEASE_SEC, in->rate_hz);
    ds->channels = in->channels;
    deess_clear(ds);
    return pm_stage_start_same_format(stage, in, out, diag);
}

/* Frames [0, n) of in into out, n <= CHUNK. */
static void deess_chunk(deess_stage *ds, const double *const *in, double *const *out, size_t n)
{
    /* The band, B = x - notch(x): channel by channel, the notch over the whole chunk. */
    for (int c = 0; c < ds->channels; c++) {
        double *band = ds->band[c];
        memcpy(band, in[c], n * sizeof *band);
        pm_biquad_process(&ds->notch, &ds->state[c], band, n);
        for (size_t i = 0; i < n; i++)
            band[i] = in[c][i] - band[i];
    }
    double y = ds->reduction_db;
    for (size_t i = 0; i < n; i++) {
        double level = 0;
        for (int c = 0; c < ds->channels; c++)
            level = pm_larger(level, detector_magnitude(ds->band[c][i]));
        level = hold_push(&ds->hold, level);
        if (level != ds->last_level) {
            ds->last_level = level;
            ds->last_target = level <= ds->threshold_level
                                  ? 0
                                  : fmin(ds->range_db, 20 * log10(level) - ds->threshold_db);
        }
        y = smooth_reduction(y, ds->last_target, ds->attack, ds->release);
        if (y != ds->last_reduction) {
            ds->last_reduction = y;
            /* k = 1 - 10^(-y/20), as -expm1 so that a small reduction keeps its precision. */
            ds->last_cut = -expm1(-y * DB_TO_LN);
        }
        ds->cut[i] = ds->last_cut;
        ds->stats.active_frames += y >= PM_DEESS_ACTIVE_DB;
        if (y > ds->stats.max_reduction_db)
            ds->stats.max_reduction_db = y;
    }
    ds->reduction_db = y;
    ds->stats.frames += n;
    /* Only the band is scaled; where nothing is cut the input is copied, bit for bit. */
    for (int c = 0; c < ds->channels; c++) {
        const double *x = in[c], *band = ds->band[c];
        double *o = out[c];
        for (size_t i = 0; i < n; i++)
            o[i] = ds->cut[i] != 0 ? x[i] - ds->cut[i] * band[i] : x[i];
    }
}

static void deess_chunk_of(void *stage, const double *const *in, double *const *out, size_t len)
{
    deess_chunk(stage, in, out, len);
}

static void deess_process(pm_stage *stage, const double *const *in, size_t in_frames, size_t *used,
                          double *const *out, size_t out_capacity, size_t *produced)
{
    deess_stage *ds = (deess_stage *)stage;
    size_t n = frames_to_do(in_frames, out_capacity);
    in_chunks(ds, ds->channels, deess_chunk_of, in, out, n);
    *used = *produced = n;
}

static void deess_reset(pm_stage *stage)
{
    deess_clear((deess_stage *)stage);
}

static void deess_free(pm_stage *stage)
{
    deess_stage *ds = (deess_stage *)stage;
    hold_fini(&ds->hold);
    free(ds);
}

static const pm_stage_ops deess_ops = {
    .name = "deess",
    .start = deess_start,
    .process = deess_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = deess_reset,
    .free = deess_free,
};

pm_status pm_deess_new(double freq_hz, double threshold_db, double range_db, pm_stage **out,
                       pm_diag *diag)
{
    *out = NULL;
    int valid = 1;
    if (!(isfinite(freq_hz) && freq_hz >= PM_DEESS_MIN_FREQ_HZ)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "deess freq=%g Hz is out of range; use %g Hz or more (4 to 10 kHz is usual)",
                    freq_hz, PM_DEESS_MIN_FREQ_HZ);
        valid = 0;
    }
    if (!in_range(threshold_db, PM_DEESS_MIN_THRESHOLD_DB, 0)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "deess threshold %g dB is out of range; use %g to 0 dB", threshold_db,
                    PM_DEESS_MIN_THRESHOLD_DB);
        valid = 0;
    }
    if (!in_range(range_db, 0, PM_DEESS_MAX_RANGE_DB)) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                    "deess range %g dB is out of range; use 0 to %g dB (6 is usual)", range_db,
                    PM_DEESS_MAX_RANGE_DB);
        valid = 0;
    }
    if (!valid)
        return PM_ERR_INVALID;
    deess_stage *ds = pm_alloc_zeroed(1, sizeof *ds);
    if (!ds)
        return PM_ERR_NOMEM;
    ds->base.ops = &deess_ops;
    ds->base.in_place = 1;
    ds->freq_hz = freq_hz;
    ds->threshold_db = threshold_db;
    ds->range_db = range_db;
    *out = &ds->base;
    return PM_OK;
}

pm_status pm_deess_get_stats(const pm_stage *stage, pm_deess_stats *out)
{
    if (!stage || stage->ops != &deess_ops || !stage->started)
        return PM_ERR_USAGE;
    const deess_stage *ds = (const deess_stage *)stage;
    *out = ds->stats;
    out->active_sec = (double)ds->stats.active_frames / ds->rate_hz;
    return PM_OK;
}
