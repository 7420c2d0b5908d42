/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `premaster render` and `premaster verify`: the output folder, the mastered stream's figures,
 * the copied project, plan.json, report.json and MANIFEST.sha256 (DESIGN.md "The pipeline"
 * steps 5-7). The deliverables of each format are added by the format stages.
 *
 * The folder: everything is written into OUT.partial-PID beside OUT, each file under a
 * temporary name that is flushed and renamed; only when all of it is written and verified does
 * the folder take OUT's name. An earlier render in OUT is replaced whole (moved aside, then
 * removed), so no stale file survives; a folder holding anything else is refused. A render
 * that fails or is stopped (pm_interrupt) leaves OUT as it was and removes its .partial
 * folder; one killed outright leaves OUT as it was and its .partial folder, which the next
 * render into OUT removes once no process of that number is running.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "diag.h"
#include "dsp/truepeak.h"
#include "engine.h"
#include "fan.h"
#include "format.h"
#include "formatjobs.h"
#include "fsutil.h"
#include "interrupt.h"
#include "manifest.h"
#include "plan.h"
#include "project.h"
#include "segmeter.h"
#include "sha256.h"
#include "strbuf.h"

#define REPORT_GENERATOR "\"generator\": \"premaster"

/* Whether dir is missing, empty, or an earlier render (it has our report); -1 for anything
 * else. */
static int folder_state(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return -1;
    char **names = NULL;
    size_t count = 0;
    if (pm_list_files(dir, &names, &count) != PM_OK)
        return -1;
    int state = count == 0 ? 0 : -1;
    if (count) {
        char path[4096], *report = NULL;
        size_t size;
        (void)pm_path_join(path, sizeof path, dir, "report.json");
        if (pm_read_file(path, &report, &size) == PM_OK && strstr(report, REPORT_GENERATOR))
            state = 1;
        free(report);
    }
    pm_free_names(names, count);
    return state;
}

/* ---- the mastered stream's figures ---------------------------------------------------------- */

typedef struct master_figures {
    pm_meter_result album;
    pm_meter_result *items;
    /* while measuring: the album's meter and the tracks' (two consumers, so that they can run
     * on two threads), and each track's stretch of the stream */
    pm_meter *album_meter;
    pm_segmeter track_meters;
    int64_t *start, *end;
} master_figures;

static pm_status master_init(const pm_project *p, master_figures *f)
{
    const pm_plan *plan = p->plan;
    size_t n = plan->item_count;
    f->start = pm_alloc_zeroed(n ? n : 1, sizeof *f->start);
    f->end = pm_alloc_zeroed(n ? n : 1, sizeof *f->end);
    f->items = pm_alloc_zeroed(n ? n : 1, sizeof *f->items);
    if (!f->start || !f->end || !f->items)
        return PM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        f->start[i] = plan->items[i].start;
        f->end[i] = plan->items[i].end;
    }
    pm_status status = pm_meter_new(2, (double)plan->rate, 0, &f->album_meter);
    if (status == PM_OK)
        status = pm_segmeter_init_segments(&f->track_meters, (double)plan->rate, f->start,
                                           f->end, n);
    return status;
}

static void master_fini(master_figures *f)
{
    pm_meter_free(f->album_meter);
    f->album_meter = NULL;
    pm_segmeter_fini(&f->track_meters);
    free(f->start);
    free(f->end);
    free(f->items);
    f->start = f->end = NULL;
    f->items = NULL;
}

/* The mastered stream's figures are measured by consumers of the first pass the targets make
 * over it (target.h, the observers), not in a pass of their own. */
static pm_status album_block(void *context, const double *const *block, size_t frames)
{
    master_figures *f = context;
    return pm_meter_process(f->album_meter, block, frames);
}

static pm_status album_finish(void *context)
{
    master_figures *f = context;
    return pm_meter_finish(f->album_meter, &f->album);
}

static pm_status tracks_block(void *context, const double *const *block, size_t frames)
{
    master_figures *f = context;
    return pm_segmeter_process(&f->track_meters, block, frames);
}

static pm_status tracks_finish(void *context)
{
    master_figures *f = context;
    return pm_segmeter_finish(&f->track_meters, NULL, f->items);
}

/* Both, for a pass of their own (a render without targets). */
static pm_status master_block(void *context, const double *const *block, size_t frames)
{
    pm_status status = album_block(context, block, frames);
    return status == PM_OK ? tracks_block(context, block, frames) : status;
}

static pm_status master_finish(void *context)
{
    pm_status status = album_finish(context);
    return status == PM_OK ? tracks_finish(context) : status;
}

/* ---- where the time went -------------------------------------------------------------------- */

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

enum { MAX_STAGES = 16 }; /* analysis, probe, six passes, verifying: room to spare */

/* Each stage's first and last word of progress (pm_progress_fn), in seconds from the render's
 * start, for report.json's run object; passed on to the caller's progress function. All of it
 * on the caller's thread, as the progress is. */
typedef struct stage_clock {
    pm_progress_fn forward;
    void *forward_context;
    double started;
    size_t count;
    struct {
        char name[16];
        double from, to;
    } stage[MAX_STAGES];
} stage_clock;

static void clock_stage(void *context, const char *stage, double fraction)
{
    stage_clock *c = context;
    double t = now_sec() - c->started;
    size_t i = 0;
    while (i < c->count && strcmp(c->stage[i].name, stage) != 0)
        i++;
    if (i == c->count && c->count < MAX_STAGES) {
        snprintf(c->stage[i].name, sizeof c->stage[i].name, "%s", stage);
        c->stage[i].from = t;
        c->count++;
    }
    if (i < c->count)
        c->stage[i].to = t;
    if (c->forward)
        c->forward(c->forward_context, stage, fraction);
}

/* The run object, on one line: timings apart, so that everything else in the report is the
 * same on every run. */
static void json_run(pm_strbuf *out, const stage_clock *c, double seconds)
{
    pm_strbuf_printf(out, "\"run\": {\"seconds\": %.3f, \"stages\": [", seconds);
    for (size_t i = 0; i < c->count; i++) {
        pm_strbuf_append(out, i ? ", {\"stage\": " : "{\"stage\": ");
        pm_strbuf_json_string(out, c->stage[i].name);
        pm_strbuf_printf(out, ", \"from\": %.3f, \"to\": %.3f}", c->stage[i].from,
                         c->stage[i].to);
    }
    pm_strbuf_append(out, "]}\n");
}

/* ---- the report ----------------------------------------------------------------------------- */

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

/* The figures every stream gets in the report. */
static void json_figures(pm_strbuf *out, const pm_meter_result *r)
{
    double tp = pm_db_from_linear(fmax(r->true_peak[0], r->true_peak[1]));
    json_num(out, "integrated_lufs", r->integrated_lufs, 2);
    pm_strbuf_append(out, ", ");
    json_num(out, "range_lu", r->range_lu, 2);
    pm_strbuf_append(out, ", ");
    json_num(out, "max_momentary_lufs", r->max_momentary_lufs, 2);
    pm_strbuf_append(out, ", ");
    json_num(out, "max_shortterm_lufs", r->max_shortterm_lufs, 2);
    pm_strbuf_append(out, ", ");
    json_num(out, "sample_peak_dbfs",
             pm_db_from_linear(fmax(r->sample_peak[0], r->sample_peak[1])), 3);
    pm_strbuf_append(out, ", ");
    json_num(out, "true_peak_dbtp", tp, 3);
    pm_strbuf_append(out, ", ");
    json_num(out, "plr_db", tp - r->integrated_lufs, 2);
    pm_strbuf_append(out, ", ");
    json_num(out, "correlation", r->correlation, 4);
    pm_strbuf_append(out, ", ");
    json_num(out, "min_correlation_below_300hz", r->min_lf_correlation, 4);
}

static char *report_json(const pm_project *p, const master_figures *f, const char *targets,
                         const pm_format_check *checks, size_t check_count,
                         const stage_clock *clock)
{
    const pm_plan *plan = p->plan;
    pm_strbuf out;
    pm_strbuf_init(&out);
    pm_strbuf_printf(&out, "{\n%s %s\",\n", REPORT_GENERATOR, pm_version());
    pm_strbuf_append(&out, "\"project\": \"project.xml\",\n\"album\": ");
    pm_strbuf_json_string(&out, p->album.text.title);
    pm_strbuf_printf(&out, ",\n\"working_rate\": %lld,\n\"master\": {\n  \"album\": {",
                     (long long)plan->rate);
    json_figures(&out, &f->album);
    pm_strbuf_append(&out, "},\n  \"tracks\": [");
    for (size_t i = 0; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        pm_strbuf_printf(&out, "%s\n    {\"number\": %d, \"title\": ", i ? "," : "", it->number);
        pm_strbuf_json_string(&out, it->track->text.title);
        pm_strbuf_printf(&out, ", \"start\": %lld, \"length\": %lld, ", (long long)it->start,
                         (long long)it->length);
        json_figures(&out, &f->items[i]);
        pm_strbuf_append(&out, "}");
    }
    /* The format stages' deliverables and the checks they ran on them. */
    pm_strbuf_printf(&out, "\n  ]\n},\n\"targets\": [%s%s],\n\"verification\": [", targets,
                     *targets ? "\n" : "");
    for (size_t i = 0; i < check_count; i++) {
        pm_strbuf_printf(&out, "%s\n  {\"check\": ", i ? "," : "");
        pm_strbuf_json_string(&out, checks[i].what);
        pm_strbuf_printf(&out, ", \"ok\": %s}", checks[i].ok ? "true" : "false");
    }
    pm_strbuf_append(&out, check_count ? "\n],\n" : "],\n");
    json_run(&out, clock, now_sec() - clock->started);
    pm_strbuf_append(&out, "}\n");
    return pm_strbuf_take(&out);
}

/* Each format the project wants proves its folder in dir again (format.h, verify), against the
 * project and the plan read back from dir. */
static pm_status verify_formats(const pm_project *p, const char *dir, pm_format_check *checks,
                                size_t *check_count, pm_diag *diag)
{
    pm_format_job jobs[PM_MAX_FORMATS];
    memset(jobs, 0, sizeof jobs);
    size_t count = 0;
    int failed = 0;
    for (size_t i = 0; pm_formats[i] && count < PM_MAX_FORMATS; i++) {
        const pm_format_ops *ops = pm_formats[i];
        if (!ops->wanted(p))
            continue;
        char folder[4096];
        struct stat st;
        if (pm_path_join(folder, sizeof folder, dir, ops->name) != 0 || stat(folder, &st) != 0 ||
            !S_ISDIR(st.st_mode)) {
            pm_diag_add(diag, PM_SEV_ERROR, folder, 0, NULL, "is missing, though project.xml "
                        "asks for %s deliverables", ops->name);
            failed = 1;
            continue;
        }
        /* a format this version writes but cannot prove would pass unproved: refuse that */
        if (!ops->verify) {
            pm_diag_add(diag, PM_SEV_ERROR, folder, 0, NULL, "premaster %s cannot verify %s "
                        "deliverables", pm_version(), ops->name);
            failed = 1;
            continue;
        }
        jobs[count] = (pm_format_job){.ops = ops, .p = p};
        memcpy(jobs[count].folder, folder, sizeof folder);
        count++;
    }
    pm_format_jobs_run(jobs, count, pm_cpu_count());
    pm_status status = pm_format_jobs_join(jobs, count, NULL, checks, check_count, &failed, diag);
    return status == PM_OK && failed ? PM_ERR_INVALID : status;
}

pm_status pm_verify(const char *dir, pm_check_fn check, void *check_context, pm_diag *diag)
{
    pm_status status = pm_manifest_verify(dir, diag);
    if (status == PM_ERR_NOMEM)
        return status;
    /* the deliverables are proved even when the manifest failed: every fault is named */
    pm_project *p = NULL;
    pm_status loaded = pm_project_load_rendered(dir, diag, &p);
    if (loaded != PM_OK) {
        pm_project_free(p);
        return loaded == PM_ERR_NOMEM ? loaded : PM_ERR_INVALID;
    }
    pm_format_check *checks = pm_alloc_zeroed(PM_MAX_CHECKS, sizeof *checks);
    size_t check_count = 0;
    pm_status proved = checks ? verify_formats(p, dir, checks, &check_count, diag) : PM_ERR_NOMEM;
    for (size_t c = 0; check && c < check_count; c++)
        check(check_context, checks[c].what, checks[c].ok);
    free(checks);
    pm_project_free(p);
    if (proved != PM_OK)
        return proved;
    return status;
}

/* ---- render --------------------------------------------------------------------------------- */

/* The dither seed: the project's, or one derived from the project file's bytes, so that the
 * same project always gives the same bytes and never the clock's. */
static uint64_t project_seed(const pm_project *p, const char *text, size_t size)
{
    if (p->has_seed)
        return p->seed;
    pm_sha256 h;
    char hex[65];
    pm_sha256_init(&h);
    pm_sha256_update(&h, text, size);
    pm_sha256_final(&h, hex);
    return strtoull((char[17]){hex[0], hex[1], hex[2], hex[3], hex[4], hex[5], hex[6], hex[7],
                               hex[8], hex[9], hex[10], hex[11], hex[12], hex[13], hex[14],
                               hex[15], 0},
                    NULL, 16);
}

/* The formats' part of a render: prepare every wanted format, render all their targets in one
 * set of passes (which also measure the master into figures), then let each finish and verify.
 * *report receives the formats' JSON objects, checks what they verified. PM_ERR_INVALID when
 * a target was not met or a check failed (the files are written). */
static pm_status render_formats(const pm_project *p, const char *partial, uint64_t seed,
                                int jobs, master_figures *figures, pm_progress_fn progress,
                                void *progress_context, pm_strbuf *report,
                                pm_format_check *checks, size_t *check_count, pm_diag *diag)
{
    const pm_format_ops *ops[PM_MAX_FORMATS];
    pm_format_stage *stages[PM_MAX_FORMATS] = {0};
    pm_target_config *targets[PM_MAX_FORMATS] = {0};
    size_t counts[PM_MAX_FORMATS] = {0}, formats = 0, total = 0;
    pm_status status = PM_OK;
    for (size_t i = 0; pm_formats[i] && formats < PM_MAX_FORMATS && status == PM_OK; i++) {
        if (!pm_formats[i]->wanted(p))
            continue;
        char dir[4096];
        if (pm_path_join(dir, sizeof dir, partial, pm_formats[i]->name) != 0 ||
            mkdir(dir, 0777) != 0) {
            pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "cannot be made: %s", strerror(errno));
            status = PM_ERR_IO;
            break;
        }
        ops[formats] = pm_formats[i];
        status = pm_formats[i]->prepare(p, dir, seed, jobs, &stages[formats], &targets[formats],
                                        &counts[formats], diag);
        total += counts[formats];
        formats++;
    }
    pm_target_config *all = pm_alloc_zeroed(total ? total : 1, sizeof *all);
    pm_target_result *results = pm_alloc_zeroed(total ? total : 1, sizeof *results);
    if (status == PM_OK && (!all || !results))
        status = PM_ERR_NOMEM;
    size_t k = 0;
    for (size_t f = 0; status == PM_OK && f < formats; f++)
        for (size_t t = 0; t < counts[f]; t++)
            all[k++] = targets[f][t];
    pm_format_finishing *finishing = pm_alloc_zeroed(1, sizeof *finishing);
    if (status == PM_OK && !finishing)
        status = PM_ERR_NOMEM;
    if (status == PM_OK)
        status = pm_format_finishing_init(finishing, ops, stages, counts, formats, results, all,
                                          total, jobs);
    /* the master's figures in the targets' first pass, or alone when there is none */
    const pm_fan_consumer observers[] = {{album_block, album_finish, figures},
                                         {tracks_block, tracks_finish, figures}};
    if (status == PM_OK && total)
        status = pm_targets_render_observed(p, all, total, results, jobs, observers, 2, progress,
                                            progress_context, diag);
    else if (status == PM_OK) {
        status = pm_engine_master(p, master_block, figures, "analysis", progress,
                                  progress_context, diag);
        if (status == PM_OK)
            status = master_finish(figures);
        if (status == PM_OK && progress)
            progress(progress_context, "analysis", 1.0);
    }
    int missed = 0;
    for (size_t t = 0; status == PM_OK && t < total; t++)
        if (!results[t].met) {
            pm_diag_add(diag, PM_SEV_ERROR, p->path, all[t].line, NULL, "%s: %s", all[t].name,
                        results[t].why);
            missed = 1;
        }
    if (finishing && finishing->targets) {
        /* what is left of the formats' files and their verification, once the passes are done
         * (a format may have started beside a later pass of another's target) */
        if (progress)
            progress(progress_context, "verifying", 0.0);
        pm_status finished = pm_format_finishing_end(finishing, formats, status == PM_OK,
                                                     report, checks, check_count, &missed, diag);
        status = status == PM_OK ? finished : status;
        if (progress)
            progress(progress_context, "verifying", 1.0);
    }
    free(finishing);
    for (size_t t = 0; results && t < total; t++)
        pm_target_result_fini(&results[t]);
    free(results);
    free(all);
    for (size_t f = 0; f < formats; f++)
        if (stages[f])
            ops[f]->free(stages[f]);
    return status == PM_OK && missed ? PM_ERR_INVALID : status;
}

/*
 * Remove the .partial folders beside out_dir (OUT.partial-PID) that renders killed outright
 * left behind: those of processes no longer running. A folder whose process number is in use
 * stays, whatever runs under it now: a render may be writing it.
 */
static void remove_stale_partials(const char *out_dir, pm_diag *diag)
{
    char parent[4096], prefix[4096], path[4096];
    const char *slash = strrchr(out_dir, '/');
    if (slash) {
        size_t len = slash == out_dir ? 1 : (size_t)(slash - out_dir);
        snprintf(parent, sizeof parent, "%.*s", (int)len, out_dir);
    } else {
        snprintf(parent, sizeof parent, ".");
    }
    snprintf(prefix, sizeof prefix, "%s.partial-", slash ? slash + 1 : out_dir);
    size_t prefix_len = strlen(prefix);
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, prefix_len) != 0)
            continue;
        const char *digits = e->d_name + prefix_len;
        char *end;
        errno = 0;
        long pid = strtol(digits, &end, 10);
        if (*digits < '0' || *digits > '9' || *end || errno || pid <= 0 || pid == getpid() ||
            pid > INT_MAX)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (pm_path_join(path, sizeof path, parent, e->d_name) != 0)
            continue;
        if (pm_remove_tree(path) == PM_OK)
            pm_diag_add(diag, PM_SEV_NOTE, path, 0, NULL,
                        "removed: an unfinished render by process %ld, which no longer runs",
                        pid);
        else
            pm_diag_add(diag, PM_SEV_WARNING, path, 0, NULL,
                        "an unfinished render by process %ld, which no longer runs, could not be "
                        "removed",
                        pid);
    }
    closedir(d);
}

pm_status pm_render(const char *project_path, const char *out_dir_given, int jobs,
                    pm_progress_fn progress, void *progress_context, pm_check_fn check,
                    void *check_context, pm_diag *diag)
{
    /* the stages' times for the report, the progress passed on to the caller's */
    stage_clock clock = {.forward = progress, .forward_context = progress_context,
                         .started = now_sec()};
    if (strlen(out_dir_given) > 2048) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "the output folder's name is too long");
        return PM_ERR_USAGE;
    }
    /* "out/" names the folder "out": the folders made beside it (OUT.partial-PID) must not end
     * up inside it */
    char out_dir[2049];
    snprintf(out_dir, sizeof out_dir, "%s", out_dir_given);
    for (size_t len = strlen(out_dir); len > 1 && out_dir[len - 1] == '/'; len--)
        out_dir[len - 1] = '\0';
    pm_project *p = NULL;
    pm_status status = pm_project_load(project_path, diag, &p);
    if (status != PM_OK) {
        pm_project_free(p);
        return status == PM_ERR_IO ? PM_ERR_INVALID : status;
    }
    int state = folder_state(out_dir);
    if (state < 0) {
        pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL,
                    "holds something other than an earlier premaster render; give an empty or "
                    "new folder");
        pm_project_free(p);
        return PM_ERR_EXISTS;
    }
    remove_stale_partials(out_dir, diag);
    char partial[4096], old[4096], path[4096];
    snprintf(partial, sizeof partial, "%s.partial-%ld", out_dir, (long)getpid());
    snprintf(old, sizeof old, "%s.old-%ld", out_dir, (long)getpid());
    if (pm_remove_tree(partial) != PM_OK || mkdir(partial, 0777) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, partial, 0, NULL, "cannot be made: %s", strerror(errno));
        pm_project_free(p);
        return PM_ERR_IO;
    }

    if (jobs < 1)
        jobs = pm_cpu_count();
    master_figures figures = {0};
    char *text = NULL;
    size_t size = 0;
    uint64_t seed = 0;
    status = master_init(p, &figures);
    /* the project as given, byte for byte */
    if (status == PM_OK && (status = pm_read_file(project_path, &text, &size)) != PM_OK)
        pm_diag_add(diag, PM_SEV_ERROR, project_path, 0, NULL, "cannot be read again to copy it");
    if (status == PM_OK) {
        seed = project_seed(p, text, size);
        (void)pm_path_join(path, sizeof path, partial, "project.xml");
        status = pm_write_file_atomic(path, text, size, diag);
    }
    free(text);
    pm_strbuf targets;
    pm_strbuf_init(&targets);
    pm_format_check *checks = pm_alloc_zeroed(PM_MAX_CHECKS, sizeof *checks);
    size_t check_count = 0;
    int missed = 0;
    if (status == PM_OK && !checks)
        status = PM_ERR_NOMEM;
    if (status == PM_OK) {
        status = render_formats(p, partial, seed, jobs, &figures, clock_stage, &clock,
                                &targets, checks, &check_count, diag);
        /* a target not met or a check failed: the files stay, the report says, exit 1 */
        if (status == PM_ERR_INVALID) {
            missed = 1;
            status = PM_OK;
        }
    }
    /* A stop cuts the streams short wherever they were, and a verification cut short fails:
     * whatever render_formats made of that, nothing of it is kept. */
    if (pm_interrupted()) {
        status = PM_ERR_INTERRUPTED;
        missed = 0;
    }
    /* after a stop, the checks cut short say nothing about the deliverables */
    for (size_t c = 0; check && status != PM_ERR_INTERRUPTED && c < check_count; c++)
        check(check_context, checks[c].what, checks[c].ok);
    char *targets_json = pm_strbuf_take(&targets);
    if (status == PM_OK && !targets_json)
        status = PM_ERR_NOMEM;
    if (status == PM_OK) {
        text = pm_plan_to_json(p);
        (void)pm_path_join(path, sizeof path, partial, "plan.json");
        status = text ? pm_write_file_atomic(path, text, strlen(text), diag) : PM_ERR_NOMEM;
        free(text);
    }
    if (status == PM_OK) {
        text = report_json(p, &figures, targets_json, checks, check_count, &clock);
        (void)pm_path_join(path, sizeof path, partial, "report.json");
        status = text ? pm_write_file_atomic(path, text, strlen(text), diag) : PM_ERR_NOMEM;
        free(text);
    }
    /* The manifest, proved as it is written (pm_manifest_write); the formats' files were verified
     * from disk by their finish already. */
    if (status == PM_OK)
        status = pm_manifest_write(partial, jobs, diag);
    /* the last moment a stop can leave out_dir as it was */
    if (status == PM_OK && pm_interrupted()) {
        status = PM_ERR_INTERRUPTED;
        missed = 0;
    }
    if (status == PM_OK) {
        if (state == 1 && rename(out_dir, old) != 0) {
            pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL, "cannot be replaced: %s",
                        strerror(errno));
            status = PM_ERR_IO;
        } else if (state == 0 && rmdir(out_dir) != 0 && errno != ENOENT) {
            pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL, "cannot be replaced: %s",
                        strerror(errno));
            status = PM_ERR_IO;
        } else if (rename(partial, out_dir) != 0) {
            pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL, "cannot be made: %s",
                        strerror(errno));
            status = PM_ERR_IO;
            if (state == 1)
                (void)rename(old, out_dir);
        } else if (state == 1 && pm_remove_tree(old) != PM_OK) {
            pm_diag_add(diag, PM_SEV_WARNING, old, 0, NULL,
                        "the earlier render, moved aside, could not be removed");
        }
    }
    free(targets_json);
    free(checks);
    if (status == PM_OK && missed)
        status = PM_ERR_INVALID;
    if (status != PM_OK && !missed && pm_remove_tree(partial) != PM_OK)
        pm_diag_add(diag, PM_SEV_WARNING, partial, 0, NULL,
                    "the unfinished render could not be removed");
    master_fini(&figures);
    pm_project_free(p);
    return status;
}
