/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The formats' finish (a render: a format's own files, then their verification from disk) and
 * verify (`premaster verify`) as jobs, each on a thread of its own when threads allow. A job's
 * report text, checks and messages are kept apart and joined to the caller's in the order of
 * the formats, so that nothing depends on which ends first.
 *
 * In a render a format whose targets have all finished starts its job at once, beside the
 * passes still to run for other formats' targets (a lossy target's codec check renders it
 * again): pm_format_finishing sets each target's pm_target_config.finished.
 */
#ifndef PM_FORMATJOBS_H
#define PM_FORMATJOBS_H

#include <pthread.h>
#include <stddef.h>

#include "diag.h"
#include "format.h"
#include "strbuf.h"
#include "target.h"

/* The checks a render or a verify lists: a 99-track album with several streaming targets runs
 * a few thousand. The arrays are calloc'ed, so room not used costs no memory. Should a
 * delivery ever run more, the checks past the last are not listed and that is a failure in
 * itself, never a check passed unseen. */
#define PM_MAX_CHECKS 16384
#define PM_MAX_FORMATS 8

/* One format's job: a finish when stage is set, otherwise a verify of folder. */
typedef struct pm_format_job {
    const pm_format_ops *ops;
    /* finish */
    pm_format_stage *stage;
    const pm_target_result *results;
    pm_strbuf report;
    /* verify */
    const pm_project *p;
    char folder[4096];
    /* both */
    pm_format_check *checks; /* PM_MAX_CHECKS of them */
    size_t check_count;
    pm_diag *diag;
    pm_status status;
    pthread_t thread;
    int started, threaded;
} pm_format_job;

/* Run every job not started yet - each beside the caller when threads > 1, the last on the
 * caller's thread - and wait for all of them. */
void pm_format_jobs_run(pm_format_job *jobs, size_t count, int threads);
/* Join the jobs' results in their order into report (when not NULL), checks and diag, and free
 * their lists; *failed is set when a check failed or the list was full. The first job's
 * failure, or PM_ERR_NOMEM. */
pm_status pm_format_jobs_join(pm_format_job *jobs, size_t count, pm_strbuf *report,
                              pm_format_check *checks, size_t *check_count, int *failed,
                              pm_diag *diag) PM_WARN_UNUSED;

typedef struct pm_format_finishing pm_format_finishing;

/* A target's context for its finished callback. */
typedef struct pm_format_target {
    pm_format_finishing *jobs;
    size_t format;
} pm_format_target;

/* A render's format jobs. */
struct pm_format_finishing {
    pm_format_job job[PM_MAX_FORMATS];
    size_t waiting[PM_MAX_FORMATS]; /* each format's targets not finished yet */
    pm_format_target *targets;
    int threads;
};

/* The jobs of formats formats (counts[i] targets each, their results in order in results),
 * and the finished callback of each of all's total targets; threads as the render's.
 * PM_ERR_NOMEM. */
pm_status pm_format_finishing_init(pm_format_finishing *j, const pm_format_ops *const *ops,
                                   pm_format_stage *const *stages, const size_t *counts,
                                   size_t formats, const pm_target_result *results,
                                   pm_target_config *all, size_t total, int threads) PM_WARN_UNUSED;
/* After the passes: run the jobs not started yet and join them all as pm_format_jobs_join (with
 * *missed as its *failed); or, when the passes failed (passes_ok 0), only wait for the started
 * ones and throw their results away. Frees what init made. */
pm_status pm_format_finishing_end(pm_format_finishing *j, size_t formats, int passes_ok,
                                  pm_strbuf *report, pm_format_check *checks, size_t *check_count,
                                  int *missed, pm_diag *diag) PM_WARN_UNUSED;

#endif
