/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The plan: the project resolved to exact samples on the working-rate timeline, the CD's PQ
 * marks on the 1/75 s grid, the streaming file spans and the vinyl sides. Sample 0 of the
 * timeline is the first sample of track 1's pause, which is CD time 00:00:00 (DESIGN.md "Time
 * bases"). The plan is what `check` prints, what render follows and what it saves as plan.json.
 */
#ifndef PM_PLAN_H
#define PM_PLAN_H

#include <stdint.h>

#include "project.h"

/* A PQ mark: where the timeline puts it, and where the CD frame grid does. */
typedef struct pm_plan_mark {
    int number;          /* the index number: 0, 1, 2..99 */
    int64_t ideal;       /* the sample it belongs at, on the working-rate timeline */
    int64_t cdf;         /* the CD frame it is placed on (absolute time) */
    int64_t moved;       /* samples at the working rate from ideal to the grid (negative: earlier) */
    int line;            /* where the project asks for it; 0 when implied */
} pm_plan_mark;

typedef struct pm_plan_item {
    const pm_track *track;
    int number;          /* 0 for the hidden track, then 1..N */
    int64_t src_start;   /* first source sample (at the source rate) */
    int64_t src_frames;  /* source samples used */
    int64_t length;      /* samples on the timeline */
    int64_t start, end;  /* [start, end) on the timeline */
    int64_t gap;         /* digital silence before start */
    int64_t pregap_audio, crossfade, fade_in, fade_out;
    int64_t *index_at;   /* absolute sample of each <index>, in order (track->index_count) */
    int64_t file_start, file_end; /* the streaming file's span; empty for an omitted track */
    /* CD (only when the project has a CD target; the hidden track has none of its own) */
    int has_index0;
    pm_plan_mark index0, index1;
    pm_plan_mark *indexes; /* indexes 2.. (track->index_count of them) */
    int64_t cd_length_cdf; /* index 1 to the next track's first mark (cdrdao's measure) */
    int preroll_limited;   /* the preroll was shortened to keep a Red Book minimum */
    int index0_dropped;    /* the pause rounded to nothing on the frame grid */
} pm_plan_item;

typedef struct pm_plan_side {
    char letter;           /* 'A', 'B', ... */
    int line;              /* the <side>, 0 when chosen automatically */
    size_t first, last;    /* items (pm_plan.items indexes) on the side, inclusive */
    int64_t start, end;    /* the side's span on the timeline */
} pm_plan_side;

struct pm_plan {
    int64_t rate;          /* the working rate */
    int rate_from_project; /* 1: <premaster rate>; 0: the highest source rate */
    int64_t total;         /* samples from 0 to the end of the last track */
    pm_plan_item *items;   /* the hidden track (when present) and the tracks, in play order */
    size_t item_count;
    size_t first_track;    /* items index of track 1 (1 with a hidden track, else 0) */
    int has_cd;
    int64_t leadout_cdf;
    int64_t preroll_cdf;
    int has_vinyl;
    pm_plan_side *sides;
    size_t side_count;
    int sides_automatic;
    double side_recommended_sec, side_max_sec;
};

/*
 * Plan a project whose model was read. When the project has errors that leave the timeline
 * unknown (a source that cannot be read, a trim outside its source) no plan is made and PM_OK is
 * returned: those errors are already in diag. The rules that need the plan (Red Book, side
 * lengths) are checked here and reported to diag. PM_ERR_NOMEM when out of memory.
 */
pm_status pm_plan_make(pm_project *project, pm_diag *diag);
void pm_plan_free(struct pm_plan *plan);

/* Vinyl side lengths from DESIGN.md: recommended and maximum seconds for a size and speed;
 * -1 when the pair is unknown. */
int pm_vinyl_side_limits(int size_in, int speed_rpm, double *recommended_sec, double *max_sec);

/* The streaming file number of plan item i (1-based, as in "01 Title.flac"): the hidden track
 * is file 1 when it has a file of its own, and the numbering of the tracks shifts by one. */
int pm_plan_file_number(const pm_project *p, size_t i);

/* Plan-level rules (validate.c): Red Book on the CD marks, vinyl side lengths. */
void pm_plan_validate(const pm_project *project, pm_diag *diag);

#endif
