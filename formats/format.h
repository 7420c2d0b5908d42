/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A deliverable format's stage (DESIGN.md "The pipeline" steps 4-7, per format): the small table
 * of functions every format in formats/ offers to render (STYLE.md: libsndfile's shape).
 *
 *   prepare  from the project and its plan, the format's target stages (target.h), each with
 *            its writer, writing into the format's folder under the render folder;
 *   finish   after the targets were rendered: the format's own files (sheets, cue, TOC ...),
 *            then its verification from disk; its part of report.json.
 *   verify   the verification alone, from disk, against the project and its plan: what
 *            finish runs last, and what `premaster verify OUT` runs again on a finished render
 *            (DESIGN.md "Verification"), where the project is the copy in OUT and its plan is
 *            rebuilt from OUT/plan.json without the sources.
 *
 * A format keeps its state in the pm_format_stage it returns and frees it in free.
 */
#ifndef PM_FORMAT_H
#define PM_FORMAT_H

#include <stddef.h>

#include "plan.h"
#include "strbuf.h"
#include "target.h"

typedef struct pm_format_stage pm_format_stage;

/* One verification the format ran, for report.json and the console. */
typedef struct pm_format_check {
    char what[160]; /* "vinyl/Album_A_96000_24.wav: cue markers on their planned samples" */
    int ok;
} pm_format_check;

typedef struct pm_format_ops {
    const char *name; /* "cd", "vinyl", "streaming": the folder under the render folder */
    /* Whether project p asks for this format. */
    int (*wanted)(const pm_project *p);
    /*
     * The format's targets for p, writing under dir (the format's folder, which exists), into a
     * new array *targets of *count (owned by the stage; valid until free). seed: the project's
     * dither seed, the same on every render. threads: how many the render may use (-j), for
     * the format's own work in finish.
     */
    pm_status (*prepare)(const pm_project *p, const char *dir, uint64_t seed, int threads,
                         pm_format_stage **stage, pm_target_config **targets, size_t *count,
                         pm_diag *diag);
    /*
     * After pm_targets_render: results[i] for targets[i]. Writes the format's other files,
     * verifies everything from disk, appends one JSON object (the format's report: its files,
     * figures, targets met or not) to report, and adds each check to checks (up to
     * max_checks; *check_count is advanced). A target not met is not a failure of this call; a
     * failed check is reported as such in checks and diag.
     */
    pm_status (*finish)(pm_format_stage *stage, const pm_target_result *results,
                        pm_strbuf *report, pm_format_check *checks, size_t max_checks,
                        size_t *check_count, pm_diag *diag);
    /*
     * Prove the format's files in dir (the format's folder) against p and p->plan, reading
     * everything back from disk and nothing from the render's memory: the same checks finish
     * ends with, on as many threads as there are cores. Each check goes to checks (up to
     * max_checks; *check_count is advanced) and each failure to diag naming the file. Returns
     * PM_OK when the checks could run (failed checks are in checks), or the status of what
     * stopped them (memory).
     */
    pm_status (*verify)(const pm_project *p, const char *dir, pm_format_check *checks,
                        size_t max_checks, size_t *check_count, pm_diag *diag);
    void (*free)(pm_format_stage *stage);
} pm_format_ops;

/* Add a check to checks (up to max; *count is advanced), its text from fmt; a failed one also
 * goes to diag as an error at file and line ("verification failed: ..."). Returns ok. */
int pm_format_check_add(pm_format_check *checks, size_t max, size_t *count, pm_diag *diag,
                        const char *file, int line, int ok, const char *fmt, ...) PM_PRINTF(8, 9);

/* <name> of DESIGN.md "Deliverables": the album's catalog number, or its title, made safe for
 * file names (letters, digits, '-', '.', '_'; anything else becomes '_'; "album" when nothing is
 * left), into out of size bytes. */
void pm_release_name(const pm_project *p, char *out, size_t size);

/* A target's result as report.json fields, without braces or a leading comma: "met", "passes",
 * "ceiling_used_dbtp", "gain_db", "limiter_reduction_db", "clipped". */
void pm_format_target_json(pm_strbuf *out, const pm_target_result *result);

/* The formats this build offers, in render order; NULL-terminated. */
extern const pm_format_ops *const pm_formats[];

#endif
