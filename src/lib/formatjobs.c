/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The formats' finish and verify as jobs, a thread each (formatjobs.h). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "formatjobs.h"

/* 0, with an error in diag, when the list is full: a check may have gone unlisted. */
static int all_listed(size_t check_count, pm_diag *diag)
{
    if (check_count < PM_MAX_CHECKS)
        return 1;
    pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL,
                "more than %d checks: premaster %s cannot "
                "list them all, so the delivery is not proved",
                PM_MAX_CHECKS - 1, pm_version());
    return 0;
}

static void *run_format_job(void *arg)
{
    pm_format_job *j = arg;
    if (j->stage)
        j->status = j->ops->finish(j->stage, j->results, &j->report, j->checks, PM_MAX_CHECKS,
                                   &j->check_count, j->diag);
    else
        j->status =
            j->ops->verify(j->p, j->folder, j->checks, PM_MAX_CHECKS, &j->check_count, j->diag);
    return NULL;
}

/* Make a job's lists and run it: on a thread of its own when beside (and a thread starts),
 * otherwise here. A job whose lists could not be made fails with PM_ERR_NOMEM. */
static void start_format_job(pm_format_job *j, int beside)
{
    j->started = 1;
    pm_strbuf_init(&j->report);
    j->checks = pm_alloc_zeroed(PM_MAX_CHECKS, sizeof *j->checks);
    j->diag = pm_diag_new();
    if (!j->checks || !j->diag) {
        j->status = PM_ERR_NOMEM;
        return;
    }
    if (beside)
        j->threaded = pthread_create(&j->thread, NULL, run_format_job, j) == 0;
    if (!j->threaded)
        (void)run_format_job(j);
}

/* Wait for the jobs that run on threads of their own. */
static void wait_format_jobs(pm_format_job *jobs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (jobs[i].threaded) {
            pthread_join(jobs[i].thread, NULL);
            jobs[i].threaded = 0;
        }
}

void pm_format_jobs_run(pm_format_job *jobs, size_t count, int threads)
{
    size_t here = count;
    for (size_t i = 0; i < count; i++)
        if (!jobs[i].started)
            here = i;
    for (size_t i = 0; i < count; i++)
        if (!jobs[i].started && i != here)
            start_format_job(&jobs[i], threads > 1);
    if (here < count)
        start_format_job(&jobs[here], 0);
    wait_format_jobs(jobs, count);
}

pm_status pm_format_jobs_join(pm_format_job *jobs, size_t count, pm_strbuf *report,
                              pm_format_check *checks, size_t *check_count, int *failed,
                              pm_diag *diag)
{
    pm_status status = PM_OK;
    size_t listed = *check_count;
    for (size_t i = 0; i < count; i++) {
        if (status == PM_OK)
            status = jobs[i].status;
        char *text = pm_strbuf_take(&jobs[i].report);
        if (status == PM_OK && !text)
            status = PM_ERR_NOMEM;
        if (status == PM_OK && report) {
            pm_strbuf_append(report, i ? ",\n  " : "\n  ");
            pm_strbuf_append(report, text);
        }
        free(text);
        /* a job's own list full counts as the whole list full */
        listed += jobs[i].check_count < PM_MAX_CHECKS ? jobs[i].check_count : PM_MAX_CHECKS;
        for (size_t c = 0; c < jobs[i].check_count; c++) {
            *failed |= !jobs[i].checks[c].ok;
            if (*check_count < PM_MAX_CHECKS)
                checks[(*check_count)++] = jobs[i].checks[c];
        }
        if (jobs[i].diag && pm_diag_move(diag, jobs[i].diag) != PM_OK && status == PM_OK)
            status = PM_ERR_NOMEM;
        free(jobs[i].checks);
        pm_diag_free(jobs[i].diag);
        jobs[i].checks = NULL;
        jobs[i].diag = NULL;
    }
    *failed |= !all_listed(listed, diag);
    return status;
}

/* A target is finished: the last of its format's starts the format's job, beside the passes
 * still to run, when the render has threads. */
static void format_finished(void *context)
{
    pm_format_target *t = context;
    pm_format_finishing *j = t->jobs;
    if (--j->waiting[t->format] == 0 && j->threads > 1)
        start_format_job(&j->job[t->format], 1);
}

pm_status pm_format_finishing_init(pm_format_finishing *j, const pm_format_ops *const *ops,
                                   pm_format_stage *const *stages, const size_t *counts,
                                   size_t formats, const pm_target_result *results,
                                   pm_target_config *all, size_t total, int threads)
{
    memset(j, 0, sizeof *j);
    j->threads = threads;
    if (!(j->targets = pm_alloc_zeroed(total ? total : 1, sizeof *j->targets)))
        return PM_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < formats; i++) {
        j->job[i] = (pm_format_job){.ops = ops[i], .stage = stages[i], .results = results + k};
        j->waiting[i] = counts[i];
        for (size_t t = 0; t < counts[i]; t++, k++) {
            j->targets[k] = (pm_format_target){j, i};
            all[k].finished = format_finished;
            all[k].finished_context = &j->targets[k];
        }
    }
    return PM_OK;
}

pm_status pm_format_finishing_end(pm_format_finishing *j, size_t formats, int passes_ok,
                                  pm_strbuf *report, pm_format_check *checks, size_t *check_count,
                                  int *missed, pm_diag *diag)
{
    pm_status status = PM_OK;
    if (passes_ok) {
        pm_format_jobs_run(j->job, formats, j->threads);
        status = pm_format_jobs_join(j->job, formats, report, checks, check_count, missed, diag);
    } else {
        wait_format_jobs(j->job, formats);
        for (size_t i = 0; i < formats; i++) {
            pm_strbuf_fini(&j->job[i].report);
            free(j->job[i].checks);
            pm_diag_free(j->job[i].diag);
        }
    }
    free(j->targets);
    return status;
}
