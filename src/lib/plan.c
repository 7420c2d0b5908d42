/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Planning: every trim, gap, pause, crossfade, index and mark of the project resolved to exact
 * samples at the working rate, by the rules of PROJECT-FORMAT.md "Gaps, pauses and marks".
 * All positions are integers; the only rounding is of a time to the nearest sample, and of a
 * sample to the CD frame grid, both done once, here.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cdtime.h"
#include "plan.h"

void pm_plan_free(struct pm_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->item_count; i++) {
        free(plan->items[i].index_at);
        free(plan->items[i].indexes);
    }
    free(plan->items);
    free(plan->sides);
    free(plan);
}

/* n source samples at src_rate, as samples at rate, to the nearest. */
static int64_t convert_length(int64_t n, int64_t src_rate, int64_t rate)
{
    return (2 * n * rate + src_rate) / (2 * src_rate);
}

static int64_t time_frames(const pm_time *t, int64_t rate)
{
    return pm_time_to_frames(t, rate);
}

/* Whether every item's source and trims are known well enough to place it on the timeline;
 * the problems themselves were reported by validation. */
static int plannable(const pm_project *p)
{
    if (!p->track_count)
        return 0;
    for (size_t i = 0; i < pm_project_item_count(p); i++) {
        const pm_track *t = pm_project_item(p, i);
        if (!t->source.ok)
            return 0;
        double duration = (double)t->source.frames / t->source.rate;
        double start = t->has_start ? t->start.seconds : 0;
        double end = t->has_end ? t->end.seconds : duration;
        if (start >= end || end > duration + 0.5 / t->source.rate)
            return 0;
    }
    return 1;
}

static int64_t working_rate(const pm_project *p, int *from_project)
{
    *from_project = p->has_rate;
    if (p->has_rate)
        return p->rate;
    int64_t rate = 0;
    for (size_t i = 0; i < pm_project_item_count(p); i++) {
        const pm_track *t = pm_project_item(p, i);
        if (t->source.rate > rate)
            rate = t->source.rate;
    }
    return rate;
}

/* Lay the items end to end with their gaps, pauses and crossfades. */
static void place_items(struct pm_plan *plan)
{
    int64_t rate = plan->rate;
    int64_t position = 0;
    for (size_t i = 0; i < plan->item_count; i++) {
        pm_plan_item *it = &plan->items[i];
        const pm_track *t = it->track;
        int64_t src_rate = t->source.rate;
        it->src_start = t->has_start ? (int64_t)llround(t->start.seconds * (double)src_rate) : 0;
        int64_t src_end = t->has_end ? (int64_t)llround(t->end.seconds * (double)src_rate)
                                     : t->source.frames;
        if (src_end > t->source.frames)
            src_end = t->source.frames;
        it->src_frames = src_end - it->src_start;
        it->length = convert_length(it->src_frames, src_rate, rate);
        it->fade_in = time_frames(&t->fade_in, rate);
        it->fade_out = time_frames(&t->fade_out, rate);

        if (t->is_htoa) {
            /* The hidden track follows the mandatory 2 s of silence (DESIGN.md "Time bases"). */
            it->gap = 2 * rate;
            it->start = it->gap;
        } else if (i == plan->first_track) {
            it->gap = t->has_gap ? time_frames(&t->gap, rate) : 2 * rate;
            it->start = position + it->gap;
        } else if (t->has_crossfade) {
            it->crossfade = time_frames(&t->crossfade, rate);
            it->start = position - it->crossfade;
        } else if (t->has_pregap_audio) {
            it->pregap_audio = time_frames(&t->pregap_audio, rate);
            it->start = position;
        } else {
            it->gap = t->has_gap ? time_frames(&t->gap, rate) : 0;
            it->start = position + it->gap;
        }
        if (it->start < 0)
            it->start = 0;
        it->end = it->start + it->length;
        position = it->end;
        for (size_t k = 0; k < t->index_count; k++)
            it->index_at[k] = it->start + time_frames(&t->indexes[k].at, rate);
    }
    plan->total = position;
}

/* Streaming: each file from its track's start to the next track's start; track 1's pause is
 * dropped, since every file starts with its audio; an omitted hidden track gets no file. */
static void place_files(const pm_project *p, struct pm_plan *plan)
{
    for (size_t i = 0; i < plan->item_count; i++) {
        pm_plan_item *it = &plan->items[i];
        it->file_start = it->start;
        it->file_end = i + 1 < plan->item_count ? plan->items[i + 1].start : it->end;
        if (it->track->is_htoa && p->htoa->htoa_streaming == PM_HTOA_OMIT)
            it->file_end = it->file_start;
    }
}

static void set_mark(pm_plan_mark *m, int number, int64_t ideal, int64_t cdf, int64_t rate,
                     int line)
{
    m->number = number;
    m->ideal = ideal;
    m->cdf = cdf;
    m->moved = pm_cdf_to_frames(cdf, rate) - ideal;
    m->line = line;
}

/*
 * CD marks (PROJECT-FORMAT.md "Gaps, pauses and marks"): index 1 at the frame boundary at or
 * before the track's first sample, then earlier by the preroll; index 0 and indexes 2-99 at the
 * nearest boundary. The preroll never takes index 1 before the track's own pause, into the
 * hidden track, before 00:02:00, or so far that the previous track falls under 4 s.
 */
static void place_cd_marks(const pm_project *p, struct pm_plan *plan)
{
    int64_t rate = plan->rate;
    const pm_time *preroll = &p->cd.preroll;
    plan->preroll_cdf = preroll->unit == PM_TIME_CD_FRAMES ? preroll->cd_frames
                                                           : llround(preroll->seconds * 75.0);
    const pm_plan_item *previous = NULL;
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        pm_plan_item *it = &plan->items[i];
        const pm_track *t = it->track;
        int64_t floor_cdf = pm_cdf_floor(it->start, rate);
        int64_t bound;
        if (!previous) {
            /* Track 1's pause starts the image, at 00:00:00, and holds any hidden track. */
            it->has_index0 = 1;
            set_mark(&it->index0, 0, 0, 0, rate, 0);
            bound = PM_CD_PAUSE_MIN_CDF;
            if (p->htoa)
                bound = pm_cdf_ceil(plan->items[0].end, rate);
        } else {
            if (it->gap > 0 || it->pregap_audio > 0) {
                int64_t ideal = it->start - (it->gap > 0 ? it->gap : it->pregap_audio);
                it->has_index0 = 1;
                set_mark(&it->index0, 0, ideal, pm_cdf_nearest(ideal, rate), rate, t->line);
            }
            bound = previous->index1.cdf + PM_CD_TRACK_MIN_CDF;
            int64_t last_mark = previous->index1.cdf;
            for (size_t k = 0; k < previous->track->index_count; k++)
                if (previous->indexes[k].cdf > last_mark)
                    last_mark = previous->indexes[k].cdf;
            if (last_mark + 1 > bound)
                bound = last_mark + 1;
            if (it->has_index0 && it->index0.cdf > bound)
                bound = it->index0.cdf;
        }
        int64_t cdf = floor_cdf - plan->preroll_cdf;
        if (cdf < bound) {
            it->preroll_limited = plan->preroll_cdf > 0 && bound <= floor_cdf;
            cdf = bound < floor_cdf ? bound : floor_cdf;
        }
        set_mark(&it->index1, 1, it->start, cdf, rate, t->line);
        if (previous && it->has_index0 && it->index0.cdf >= it->index1.cdf) {
            it->has_index0 = 0;
            it->index0_dropped = 1;
        }
        for (size_t k = 0; k < t->index_count; k++)
            set_mark(&it->indexes[k], (int)k + 2, it->index_at[k],
                     pm_cdf_nearest(it->index_at[k], rate), rate, t->indexes[k].line);
        previous = it;
    }
    plan->leadout_cdf = pm_cdf_ceil(plan->total, rate);
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        pm_plan_item *it = &plan->items[i];
        int64_t next = plan->leadout_cdf;
        if (i + 1 < plan->item_count) {
            const pm_plan_item *n = &plan->items[i + 1];
            next = n->has_index0 ? n->index0.cdf : n->index1.cdf;
        }
        it->cd_length_cdf = next - it->index1.cdf;
    }
}

int pm_vinyl_side_limits(int size_in, int speed_rpm, double *recommended_sec, double *max_sec)
{
    /* DESIGN.md "Standards and figures": pressing plants' published guidance, min:sec. */
    static const struct { int size, speed, rec, max; } limits[] = {
        {12, 33, 19 * 60 + 30, 23 * 60}, {12, 45, 12 * 60, 14 * 60 + 30},
        {10, 33, 13 * 60 + 30, 15 * 60}, {10, 45, 10 * 60, 11 * 60},
        {7, 33, 6 * 60 + 40, 7 * 60 + 20}, {7, 45, 5 * 60, 5 * 60 + 30},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        if (limits[i].size == size_in && limits[i].speed == speed_rpm) {
            *recommended_sec = limits[i].rec;
            *max_sec = limits[i].max;
            return 0;
        }
    }
    return -1;
}

/* Whether a side may end after item i: not inside a crossfaded or pregap-audio pair. */
static int can_break_after(const struct pm_plan *plan, size_t i)
{
    const pm_track *next = i + 1 < plan->item_count ? plan->items[i + 1].track : NULL;
    return !next || (!next->has_crossfade && !next->has_pregap_audio);
}

static int64_t span_of(const struct pm_plan *plan, size_t first, size_t last)
{
    return plan->items[last].end - plan->items[first].start;
}

/*
 * Sides chosen for the engineer: the fewest sides each within limit samples, then, among those,
 * the split whose longest side is shortest (dynamic programming over the track boundaries).
 * Returns the number of sides, or 0 when no split fits.
 */
static size_t split_sides(const struct pm_plan *plan, int64_t limit, size_t *breaks)
{
    size_t first = plan->first_track, n = plan->item_count - first;
    /* best[k][j]: the smallest longest side over splits of items first..first+j-1 into k
     * sides; -1 when impossible. Sizes are at most 99 x 99. */
    size_t cells = (n + 1) * (n + 1);
    int64_t *best = pm_alloc_array(cells, sizeof *best);
    size_t *cut = pm_alloc_array(cells, sizeof *cut);
    size_t sides = 0;
    if (!best || !cut)
        goto fail;
    for (size_t c = 0; c < cells; c++)
        best[c] = -1;
    best[0] = 0;
    for (size_t k = 1; k <= n && !sides; k++) {
        for (size_t j = 1; j <= n; j++) {
            if (!can_break_after(plan, first + j - 1))
                continue;
            for (size_t s = 0; s < j; s++) {
                int64_t before = best[(k - 1) * (n + 1) + s];
                if (before < 0)
                    continue;
                int64_t len = span_of(plan, first + s, first + j - 1);
                if (len > limit)
                    continue;
                int64_t worst = len > before ? len : before;
                int64_t *cell = &best[k * (n + 1) + j];
                if (*cell < 0 || worst < *cell) {
                    *cell = worst;
                    cut[k * (n + 1) + j] = s;
                }
            }
        }
        if (best[k * (n + 1) + n] >= 0)
            sides = k;
    }
    if (sides) {
        size_t j = n;
        for (size_t k = sides; k > 0; k--) {
            size_t s = cut[k * (n + 1) + j];
            breaks[k - 1] = first + s;
            j = s;
        }
    }
fail:
    free(best);
    free(cut);
    return sides;
}

static pm_status place_sides(const pm_project *p, struct pm_plan *plan)
{
    const pm_vinyl_target *v = &p->vinyl;
    size_t tracks = plan->item_count - plan->first_track;
    if (pm_vinyl_side_limits(v->size_in, v->speed_rpm, &plan->side_recommended_sec,
                             &plan->side_max_sec))
        return PM_OK;
    if (v->has_max_side)
        plan->side_max_sec = v->max_side.seconds;
    plan->has_vinyl = 1;
    size_t *starts = pm_alloc_array(tracks + 1, sizeof *starts);
    if (!starts)
        return PM_ERR_NOMEM;
    size_t count = 0;
    if (v->side_count) {
        /* Sides as written; validation has checked they cover the tracks in order. */
        for (size_t s = 0; s < v->side_count; s++) {
            if (!v->sides[s].track_count)
                continue;
            starts[count++] = plan->first_track + (size_t)v->sides[s].tracks[0] - 1;
        }
    } else {
        plan->sides_automatic = 1;
        int64_t rec = (int64_t)(plan->side_recommended_sec * (double)plan->rate);
        int64_t max = (int64_t)(plan->side_max_sec * (double)plan->rate);
        count = split_sides(plan, rec < max ? rec : max, starts);
        if (!count)
            count = split_sides(plan, max, starts);
    }
    if (count) {
        plan->sides = pm_alloc_zeroed(count, sizeof *plan->sides);
        if (!plan->sides) {
            free(starts);
            return PM_ERR_NOMEM;
        }
    }
    for (size_t s = 0; s < count; s++) {
        pm_plan_side *side = &plan->sides[s];
        side->letter = (char)('A' + s);
        side->line = v->side_count ? v->sides[s].line : 0;
        side->first = starts[s];
        side->last = s + 1 < count ? starts[s + 1] - 1 : plan->item_count - 1;
        side->start = plan->items[side->first].start;
        side->end = plan->items[side->last].end;
    }
    plan->side_count = count;
    free(starts);
    return PM_OK;
}

/* Whether the written sides can be laid out: each a run of tracks that continues the last. */
static int sides_in_order(const pm_project *p)
{
    int next = 1;
    for (size_t s = 0; s < p->vinyl.side_count; s++) {
        const pm_side *side = &p->vinyl.sides[s];
        for (int k = 0; k < side->track_count; k++)
            if (side->tracks[k] != next++)
                return 0;
    }
    return next == (int)p->track_count + 1;
}

pm_status pm_plan_make(pm_project *p, pm_diag *diag)
{
    if (!plannable(p))
        return PM_OK;
    struct pm_plan *plan = pm_alloc_zeroed(1, sizeof *plan);
    if (!plan)
        return PM_ERR_NOMEM;
    plan->rate = working_rate(p, &plan->rate_from_project);
    plan->item_count = pm_project_item_count(p);
    plan->first_track = p->htoa ? 1 : 0;
    plan->items = pm_alloc_zeroed(plan->item_count, sizeof *plan->items);
    if (!plan->items)
        goto nomem;
    for (size_t i = 0; i < plan->item_count; i++) {
        pm_plan_item *it = &plan->items[i];
        it->track = pm_project_item(p, i);
        it->number = (int)i + (p->htoa ? 0 : 1);
        size_t n = it->track->index_count;
        it->index_at = pm_alloc_zeroed(n, sizeof *it->index_at);
        it->indexes = pm_alloc_zeroed(n, sizeof *it->indexes);
        if (!it->index_at || !it->indexes)
            goto nomem;
    }
    place_items(plan);
    place_files(p, plan);
    if (p->cd.line) {
        plan->has_cd = 1;
        place_cd_marks(p, plan);
    }
    if (p->vinyl.line && (!p->vinyl.side_count || sides_in_order(p)) &&
        place_sides(p, plan) != PM_OK)
        goto nomem;
    p->plan = plan;
    pm_plan_validate(p, diag);
    return PM_OK;

nomem:
    pm_plan_free(plan);
    return PM_ERR_NOMEM;
}

const pm_plan *pm_project_plan(const pm_project *project)
{
    return project ? project->plan : NULL;
}
