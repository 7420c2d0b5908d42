/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The vinyl format's table, its one target, the target's extra stages and the writer that cuts
 * the stream into side files (vinyl.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "alloc.h"
#include "dsp/deemph.h"
#include "dsp/dynamics.h"
#include "dsp/eq.h"
#include "fsutil.h"
#include "vinyl.h"

int64_t pm_vinyl_frames_at(int64_t frames, int64_t from, int64_t to)
{
    return pm_target_frames_at(frames, from, to);
}

/* ---- the probes: the stream before the vinyl stages, and the de-esser's figures after it ---- */

typedef struct probe_stage {
    pm_stage base;
    pm_format_stage *owner;
    int after;            /* 0: scans its input; 1: reads the de-esser before it */
    const pm_stage *deess; /* after: the de-esser, alive while this stage processes */
} probe_stage;

static pm_status probe_start(pm_stage *stage, const pm_stage_format *in, pm_stage_format *out,
                             pm_diag *diag)
{
    probe_stage *s = (probe_stage *)stage;
    pm_vinyl_probe_figures *f = &s->owner->current;
    const pm_vinyl_target *v = &s->owner->p->vinyl;
    if (!s->after) {
        memset(f, 0, sizeof *f);
        memset(s->owner->side_lf_current, 0,
               s->owner->side_count * sizeof *s->owner->side_lf_current);
        pm_status st = pm_vinyl_scan_init(&f->before, in->rate_hz,
                                          v->deess_threshold_db + PM_VINYL_SIB_MARGIN_DB,
                                          v->has_mono_below ? v->mono_below_hz / 2.0 : 0.0);
        if (st != PM_OK) {
            pm_diag_add(diag, PM_SEV_ERROR, s->owner->p->path, v->line, NULL,
                        "vinyl: the checks' bands do not fit at %.0f Hz", in->rate_hz);
            return st;
        }
        f->valid = 1;
    }
    return pm_stage_start_same_format(stage, in, out, diag);
}

/* The stream before the vinyl stages, scanned in pieces cut at the sides' bounds (the stream
 * is at the target rate here), so that each side gets the master's side-channel energy over
 * its own span. */
static void scan_by_side(pm_format_stage *st, const double *const *in, size_t n)
{
    pm_vinyl_probe_figures *f = &st->current;
    for (size_t done = 0; done < n;) {
        int64_t pos = f->frames;
        size_t piece = n - done, side = st->side_count;
        for (size_t i = 0; i < st->side_count; i++) {
            const pm_vinyl_side_out *s = &st->sides[i];
            if (pos < s->start && (int64_t)piece > s->start - pos)
                piece = (size_t)(s->start - pos);
            else if (pos >= s->start && pos < s->end) {
                side = i;
                if ((int64_t)piece > s->end - pos)
                    piece = (size_t)(s->end - pos);
            }
        }
        /* the piece's own sum, not a difference of two large running sums */
        double total = f->before.side_lf_energy;
        f->before.side_lf_energy = 0.0;
        pm_vinyl_scan_process(&f->before, in[0] + done, in[1] + done, piece);
        if (side < st->side_count)
            st->side_lf_current[side] += f->before.side_lf_energy;
        f->before.side_lf_energy += total;
        f->frames += (int64_t)piece;
        done += piece;
    }
}

static void probe_process(pm_stage *stage, const double *const *in, size_t in_frames,
                          size_t *used, double *const *out, size_t out_capacity, size_t *produced)
{
    probe_stage *s = (probe_stage *)stage;
    pm_vinyl_probe_figures *f = &s->owner->current;
    size_t n = in_frames < out_capacity ? in_frames : out_capacity;
    if (!s->after) {
        scan_by_side(s->owner, in, n);
    } else if (s->deess) {
        pm_deess_stats st;
        if (pm_deess_get_stats(s->deess, &st) == PM_OK) {
            f->has_deess = 1;
            f->deess_active_sec = st.active_sec;
            f->deess_max_reduction_db = st.max_reduction_db;
        }
    }
    for (int c = 0; c < 2; c++)
        if (out[c] != in[c])
            memcpy(out[c], in[c], n * sizeof **in);
    *used = *produced = n;
}

static void probe_reset(pm_stage *stage)
{
    (void)stage;
}

static void probe_free(pm_stage *stage)
{
    free(stage);
}

static const pm_stage_ops probe_ops = {
    .name = "vinyl probe",
    .start = probe_start,
    .process = probe_process,
    .drain = pm_stage_drain_nothing,
    .latency = pm_stage_no_latency,
    .reset = probe_reset,
    .free = probe_free,
};

static pm_status probe_new(pm_format_stage *owner, int after, const pm_stage *deess,
                           pm_stage **out)
{
    probe_stage *s = pm_alloc_zeroed(1, sizeof *s);
    if (!s)
        return PM_ERR_NOMEM;
    s->base.ops = &probe_ops;
    s->base.in_place = 1;
    s->owner = owner;
    s->after = after;
    s->deess = deess;
    *out = &s->base;
    return PM_OK;
}

/* The extra stages, anew for every pass: probe, de-emphasis, mono bass, de-esser, probe. The
 * probes cost a filter bank on the stream; they let the report say what the stages fixed. */
static pm_status vinyl_extra(void *context, pm_stage ***stages, size_t *count, pm_diag *diag)
{
    pm_format_stage *st = context;
    const pm_vinyl_target *v = &st->p->vinyl;
    pm_stage **list = pm_alloc_zeroed(5, sizeof *list);
    if (!list)
        return PM_ERR_NOMEM;
    size_t n = 0;
    pm_stage *deess = NULL;
    pm_status status = probe_new(st, 0, NULL, &list[n++]);
    if (status == PM_OK && st->emph_count)
        status = pm_deemphasis_spans_new(st->emph_start, st->emph_end, st->emph_count,
                                         &list[n++], diag);
    /* minimum phase: the side channel's LR4 high-pass (dsp-notes.md 3.4) */
    if (status == PM_OK && v->has_mono_below)
        status = pm_monobass_new(v->mono_below_hz, &list[n++], diag);
    if (status == PM_OK && v->has_deess) {
        status = pm_deess_new(v->deess_hz, v->deess_threshold_db, v->deess_range_db, &deess, diag);
        if (status == PM_OK)
            list[n++] = deess;
    }
    if (status == PM_OK)
        status = probe_new(st, 1, deess, &list[n++]);
    if (status != PM_OK) {
        for (size_t i = 0; i < n; i++)
            pm_stage_free(list[i]);
        free(list);
        return status;
    }
    *stages = list;
    *count = n;
    return PM_OK;
}

/* ---- the writer: the stream cut into side files --------------------------------------------- */

static void close_sides(pm_format_stage *st, int remove_temp)
{
    for (size_t i = 0; i < st->side_count; i++) {
        pm_vinyl_side_out *s = &st->sides[i];
        if (s->sf)
            sf_close(s->sf);
        s->sf = NULL;
        if (remove_temp)
            (void)unlink(s->temp);
    }
}

static pm_status writer_begin(void *context, int pass, pm_diag *diag)
{
    (void)pass;
    pm_format_stage *st = context;
    st->position = 0;
    st->pass_failed = 0;
    for (size_t i = 0; i < st->side_count; i++) {
        pm_vinyl_side_out *s = &st->sides[i];
        SF_INFO info = {.samplerate = (int)st->rate, .channels = 2,
                        .format = SF_FORMAT_WAV |
                                  (st->bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24)};
        s->written = 0;
        s->sf = sf_open(s->temp, SFM_WRITE, &info);
        if (!s->sf) {
            pm_diag_add(diag, PM_SEV_ERROR, s->path, 0, NULL, "cannot be written: %s",
                        sf_strerror(NULL));
            st->pass_failed = 1;
            return PM_ERR_IO;
        }
        /* A cue point per track start, by the RIFF cue chunk's fields: the sample in the data
         * chunk (position and sample_offset), in the one 'data' chunk at its start. */
        SF_CUES *cues = pm_alloc_zeroed(1, sizeof *cues);
        if (!cues)
            return PM_ERR_NOMEM;
        size_t tracks = s->last - s->first + 1;
        cues->cue_count = (uint32_t)tracks;
        for (size_t k = 0; k < tracks && k < 100; k++) {
            SF_CUE_POINT *c = &cues->cue_points[k];
            c->indx = (int32_t)(k + 1);
            c->position = (uint32_t)s->track_start[k];
            c->fcc_chunk = 0x61746164; /* "data", little-endian */
            c->sample_offset = (uint32_t)s->track_start[k];
            snprintf(c->name, sizeof c->name, "%c%zu", 'A' + (int)i, k + 1);
        }
        int ok = sf_command(s->sf, SFC_SET_CUE, cues, (int)sizeof *cues) == SF_TRUE;
        free(cues);
        if (!ok) {
            pm_diag_add(diag, PM_SEV_ERROR, s->path, 0, NULL, "libsndfile refused its cue chunk");
            st->pass_failed = 1;
            return PM_ERR_IO;
        }
    }
    return PM_OK;
}

static pm_status writer_write(void *context, const int32_t *interleaved,
                              const double *const *planar, size_t frames, pm_diag *diag)
{
    (void)planar; /* vinyl is 16 or 24 bit: always quantised */
    pm_format_stage *st = context;
    int64_t from = st->position, to = from + (int64_t)frames;
    st->position = to;
    if (!interleaved)
        return PM_ERR_INTERNAL;
    for (size_t i = 0; i < st->side_count; i++) {
        pm_vinyl_side_out *s = &st->sides[i];
        int64_t a = from > s->start ? from : s->start, b = to < s->end ? to : s->end;
        if (a >= b)
            continue;
        sf_count_t n = (sf_count_t)(b - a);
        if (sf_writef_int(s->sf, interleaved + 2 * (a - from), n) != n) {
            pm_diag_add(diag, PM_SEV_ERROR, s->path, 0, NULL, "cannot be written: %s",
                        sf_strerror(s->sf));
            st->pass_failed = 1;
            return PM_ERR_IO;
        }
        s->written += n;
    }
    return PM_OK;
}

static pm_status writer_end(void *context, int keep, const pm_target_measure *measure,
                            pm_diag *diag)
{
    (void)measure;
    pm_format_stage *st = context;
    pm_status status = PM_OK;
    if (keep && !st->pass_failed)
        for (size_t i = 0; i < st->side_count; i++)
            if (st->sides[i].written != st->sides[i].end - st->sides[i].start) {
                pm_diag_add(diag, PM_SEV_ERROR, st->sides[i].path, 0, NULL,
                            "the stream gave %lld samples for a side of %lld",
                            (long long)st->sides[i].written,
                            (long long)(st->sides[i].end - st->sides[i].start));
                status = PM_ERR_INTERNAL;
            }
    int commit = keep && !st->pass_failed && status == PM_OK;
    close_sides(st, !commit);
    for (size_t i = 0; commit && status == PM_OK && i < st->side_count; i++)
        status = pm_commit_file(st->sides[i].temp, st->sides[i].path, diag);
    if (commit && status == PM_OK) {
        st->kept = st->current;
        memcpy(st->side_lf_kept, st->side_lf_current, st->side_count * sizeof *st->side_lf_kept);
    }
    return status;
}

/* ---- the layout and prepare ------------------------------------------------------------------ */

void pm_vinyl_stage_free(pm_format_stage *st)
{
    if (!st)
        return;
    close_sides(st, 1);
    for (size_t i = 0; st->sides && i < st->side_count; i++) {
        free(st->sides[i].track_start);
        free(st->sides[i].track_end);
    }
    free(st->sides);
    free(st->emph_start);
    free(st->emph_end);
    free(st->side_spans);
    free(st->side_lf_current);
    free(st->side_lf_kept);
    free(st);
}

pm_status pm_vinyl_stage_new(const pm_project *p, const char *dir, pm_format_stage **out,
                             pm_diag *diag)
{
    const pm_plan *plan = p->plan;
    const pm_vinyl_target *v = &p->vinyl;
    *out = NULL;
    if (!plan->has_vinyl || plan->side_count == 0) {
        pm_diag_add(diag, PM_SEV_ERROR, p->path, v->line, NULL,
                    "vinyl: the tracks could not be laid out on sides");
        return PM_ERR_INVALID;
    }
    pm_format_stage *st = pm_alloc_zeroed(1, sizeof *st);
    if (!st)
        return PM_ERR_NOMEM;
    st->p = p;
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    pm_release_name(p, st->name, sizeof st->name);
    st->rate = v->has_rate ? v->rate : (long)plan->rate;
    st->bits = (int)v->bits;
    st->side_count = plan->side_count;
    st->sides = pm_alloc_zeroed(st->side_count, sizeof *st->sides);
    st->side_spans = pm_alloc_zeroed(st->side_count, sizeof *st->side_spans);
    st->side_lf_current = pm_alloc_zeroed(st->side_count, sizeof *st->side_lf_current);
    st->side_lf_kept = pm_alloc_zeroed(st->side_count, sizeof *st->side_lf_kept);
    st->emph_start = pm_alloc_zeroed(plan->item_count + 1, sizeof(int64_t));
    st->emph_end = pm_alloc_zeroed(plan->item_count + 1, sizeof(int64_t));
    if (!st->sides || !st->side_spans || !st->side_lf_current || !st->side_lf_kept ||
        !st->emph_start || !st->emph_end)
        goto nomem;
    int64_t wr = plan->rate, tr = st->rate;
    for (size_t i = 0; i < plan->item_count; i++)
        if (plan->items[i].track->emphasis) {
            st->emph_start[st->emph_count] = pm_vinyl_frames_at(plan->items[i].start, wr, tr);
            st->emph_end[st->emph_count++] = pm_vinyl_frames_at(plan->items[i].end, wr, tr);
        }
    for (size_t i = 0; i < st->side_count; i++) {
        const pm_plan_side *ps = &plan->sides[i];
        pm_vinyl_side_out *s = &st->sides[i];
        size_t tracks = ps->last - ps->first + 1;
        snprintf(s->name, sizeof s->name, "%s_%c_%ld_%d.wav", st->name, ps->letter, st->rate,
                 st->bits);
        if (pm_path_join(s->path, sizeof s->path, dir, s->name) != 0) {
            pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "the folder's name is too long");
            pm_vinyl_stage_free(st);
            return PM_ERR_IO;
        }
        pm_temp_name(s->path, s->temp, sizeof s->temp);
        s->first = ps->first;
        s->last = ps->last;
        st->side_spans[i] = (pm_target_segment){ps->start, ps->end};
        s->start = pm_vinyl_frames_at(ps->start, wr, tr);
        s->end = pm_vinyl_frames_at(ps->end, wr, tr);
        s->track_start = pm_alloc_zeroed(tracks, sizeof(int64_t));
        s->track_end = pm_alloc_zeroed(tracks, sizeof(int64_t));
        if (!s->track_start || !s->track_end)
            goto nomem;
        for (size_t k = 0; k < tracks; k++) {
            const pm_plan_item *it = &plan->items[ps->first + k];
            s->track_start[k] = pm_vinyl_frames_at(it->start, wr, tr) - s->start;
            s->track_end[k] = pm_vinyl_frames_at(it->end, wr, tr) - s->start;
        }
    }
    *out = st;
    return PM_OK;
nomem:
    pm_vinyl_stage_free(st);
    return PM_ERR_NOMEM;
}

static pm_status vinyl_prepare(const pm_project *p, const char *dir, uint64_t seed,
                               int threads, pm_format_stage **stage, pm_target_config **targets,
                               size_t *count, pm_diag *diag)
{
    (void)threads; /* the sides are read back one after the other */
    const pm_vinyl_target *v = &p->vinyl;
    *stage = NULL;
    *targets = NULL;
    *count = 0;
    pm_format_stage *st = NULL;
    pm_status status = pm_vinyl_stage_new(p, dir, &st, diag);
    if (status != PM_OK)
        return status;
    pm_target_config *t = &st->target;
    t->name = "vinyl";
    t->line = v->line;
    t->rate = st->rate;
    t->bits = st->bits;
    /* TPDF: the word is shortened once, from doubles, and a cutting engineer's chain may add
     * its own processing; shaped noise would put its energy where the cutter head is weakest. */
    t->dither = PM_DITHER_MODE_TPDF;
    t->seed = seed;
    t->has_ceiling = 1;
    t->ceiling_dbtp = v->ceiling_dbtp;
    t->release_sec = v->release_sec;
    t->normalize = v->has_loudness ? PM_TARGET_NORMALIZE_ALBUM : PM_TARGET_NORMALIZE_NONE;
    t->measure_loudness = 1; /* the report's loudness of what was written */
    t->loudness_lufs = v->loudness_lufs;
    t->boost = 1;
    /* judged on what the side files hold: the record's loudness is the sides' (vinyl.h) */
    t->segments = st->side_spans;
    t->segment_count = st->side_count;
    t->whole_is_segments = 1;
    t->extra = vinyl_extra;
    t->extra_context = st;
    t->writer = (pm_target_writer){writer_begin, writer_write, writer_end, st};
    *stage = st;
    *targets = t;
    *count = 1;
    return PM_OK;
}

static int vinyl_wanted(const pm_project *p)
{
    return p->vinyl.line != 0;
}

const pm_format_ops pm_vinyl_format = {
    .name = "vinyl",
    .wanted = vinyl_wanted,
    .prepare = vinyl_prepare,
    .finish = pm_vinyl_finish,
    .verify = pm_vinyl_verify,
    .free = pm_vinyl_stage_free,
};
