/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A finished render read back without its sources (project.h, pm_project_load_rendered): what
 * `premaster verify` proves the deliverables against. The copied project says what was asked;
 * plan.json says what each source was (rate, channels, length, format), which is all the plan
 * needs of the sources; the plan made again from both must be plan.json itself, byte for byte,
 * so that neither file can be changed after the render without verify saying so.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "json.h"
#include "plan.h"
#include "project.h"

/* The layout of plan.json this version writes (plan_out.c). */
#define PLAN_VERSION 1

typedef struct plan_reader {
    const char *path; /* OUT/plan.json, for messages */
    pm_diag *diag;
    int failed;
} plan_reader;

static void plan_error(plan_reader *r, int line, const char *fmt, ...) PM_PRINTF(3, 4);
static void plan_error(plan_reader *r, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm_diag_vadd(r->diag, PM_SEV_ERROR, r->path, line, NULL, fmt, ap);
    va_end(ap);
    r->failed = 1;
}

/* The member key of object (at the object's line when absent) as an integer. */
static int64_t member_int(plan_reader *r, const pm_json *object, const char *what,
                          const char *key)
{
    const pm_json *v = pm_json_get(object, key);
    int64_t n = 0;
    if (!v)
        plan_error(r, object->line, "%s has no \"%s\"", what, key);
    else if (pm_json_int64(v, &n) != 0)
        plan_error(r, v->line, "%s: \"%s\" is %s, not an integer", what, key,
                   pm_json_type_name(v->type));
    return n;
}

static const char *member_string(plan_reader *r, const pm_json *object, const char *what,
                                 const char *key)
{
    const pm_json *v = pm_json_get(object, key);
    if (!v)
        plan_error(r, object->line, "%s has no \"%s\"", what, key);
    else if (v->type != PM_JSON_STRING)
        plan_error(r, v->line, "%s: \"%s\" is %s, not a string", what, key,
                   pm_json_type_name(v->type));
    else
        return v->text;
    return NULL;
}

/* Each item's source info from plan.json's "items", in play order. */
static void take_sources(plan_reader *r, const pm_json *plan, pm_project *p)
{
    const pm_json *items = pm_json_get(plan, "items");
    size_t count = pm_project_item_count(p);
    if (!items || items->type != PM_JSON_ARRAY) {
        plan_error(r, items ? items->line : plan->line, "has no \"items\" array");
        return;
    }
    if (items->count != count) {
        plan_error(r, items->line, "lists %zu items where the project has %zu: the project or "
                   "the plan changed after the render", items->count, count);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        pm_track *t = (pm_track *)pm_project_item(p, i);
        const pm_json *source = pm_json_get(&items->items[i], "source");
        char what[48];
        snprintf(what, sizeof what, "item %zu's source", i + 1);
        if (!source || source->type != PM_JSON_OBJECT) {
            plan_error(r, items->items[i].line, "item %zu has no \"source\" object", i + 1);
            continue;
        }
        const char *path = member_string(r, source, what, "path");
        const char *format = member_string(r, source, what, "format");
        int64_t rate = member_int(r, source, what, "rate");
        int64_t channels = member_int(r, source, what, "channels");
        int64_t frames = member_int(r, source, what, "frames");
        if (path && t->src && strcmp(path, t->src) != 0)
            plan_error(r, source->line, "item %zu's source is \"%s\" where project.xml (line %d) "
                       "has \"%s\": one of them changed after the render", i + 1, path, t->line,
                       t->src);
        if (format && strlen(format) >= sizeof t->source.format)
            plan_error(r, source->line, "%s: \"format\" is too long", what);
        else if (format)
            snprintf(t->source.format, sizeof t->source.format, "%s", format);
        /* out of range: the rules of validate.c say so with project.xml's line */
        t->source.rate = rate > 0 && rate <= 1000000 ? (int)rate : 0;
        t->source.channels = channels > 0 && channels <= 64 ? (int)channels : 0;
        t->source.frames = frames;
    }
}

/* The generator report.json names, "premaster 1.2.3", into out; "" when it cannot be read. */
static void rendered_by(const char *out_dir, char *out, size_t size)
{
    char path[4096], *text = NULL;
    size_t n = 0;
    out[0] = '\0';
    if (pm_path_join(path, sizeof path, out_dir, "report.json") != 0 ||
        pm_read_file(path, &text, &n) != PM_OK)
        return;
    pm_json *report = NULL;
    if (pm_json_parse(text, n, path, NULL, &report) == PM_OK) {
        const pm_json *g = pm_json_get(report, "generator");
        if (g && g->type == PM_JSON_STRING)
            snprintf(out, size, "%s", g->text);
    }
    pm_json_free(report);
    free(text);
}

/* Where a and b first differ: the line (from 1), and that line of each, shortened, into
 * a_line and b_line. */
static int first_difference(const char *a, const char *b, char *a_line, char *b_line,
                            size_t size)
{
    int line = 1;
    const char *a0 = a, *b0 = b;
    for (; *a && *a == *b; a++, b++)
        if (*a == '\n') {
            line++;
            a0 = a + 1;
            b0 = b + 1;
        }
    a0 += strspn(a0, " ");
    b0 += strspn(b0, " ");
    snprintf(a_line, size, "%.*s", (int)strcspn(a0, "\n"), a0);
    snprintf(b_line, size, "%.*s", (int)strcspn(b0, "\n"), b0);
    return line;
}

/* The rebuilt plan against the saved one. plan.json names the project file as render was given
 * it, which is not the copy's path: the rebuilt plan is written under that name. */
static pm_status compare_plans(plan_reader *r, pm_project *p, const pm_json *plan,
                               const char *saved, const char *out_dir)
{
    const pm_json *name = pm_json_get(plan, "project");
    if (!name || name->type != PM_JSON_STRING) {
        plan_error(r, name ? name->line : plan->line, "has no \"project\" string");
        return PM_OK;
    }
    char *copy_path = p->path;
    p->path = name->text;
    char *rebuilt = pm_plan_to_json(p);
    p->path = copy_path;
    if (!rebuilt)
        return PM_ERR_NOMEM;
    if (strcmp(rebuilt, saved) != 0) {
        char by[128], hint[256] = "";
        rendered_by(out_dir, by, sizeof by);
        char mine[64];
        snprintf(mine, sizeof mine, "premaster %s", pm_version());
        if (*by && strcmp(by, mine) != 0)
            snprintf(hint, sizeof hint, " (the render was made by %s, this is %s: render it "
                     "again with this version)", by, mine);
        char was[72], now[72];
        int line = first_difference(saved, rebuilt, was, now, sizeof was);
        plan_error(r, line, "the plan in %s does not follow from its project.xml, which gives "
                   "\"%s\" for \"%s\" here: one of them was edited after the render%s", out_dir,
                   now, was, hint);
    }
    free(rebuilt);
    return PM_OK;
}

pm_status pm_project_load_rendered(const char *out_dir, pm_diag *diag, pm_project **out)
{
    *out = NULL;
    char xml_path[4096], plan_path[4096];
    if (pm_path_join(xml_path, sizeof xml_path, out_dir, "project.xml") != 0 ||
        pm_path_join(plan_path, sizeof plan_path, out_dir, "plan.json") != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL, "the folder's name is too long");
        return PM_ERR_INVALID;
    }
    plan_reader r = {.path = plan_path, .diag = diag};
    /* the caller's diag may hold errors already (verify's manifest): count only ours */
    size_t errors = pm_diag_count_severity(diag, PM_SEV_ERROR);
    char *text = NULL;
    size_t size = 0;
    if (pm_read_file(plan_path, &text, &size) != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, plan_path, 0, NULL, "cannot be read (%s): a render "
                    "folder holds the plan it followed; a render by a version that wrote none "
                    "cannot be verified, render it again", strerror(errno));
        return PM_ERR_INVALID;
    }
    pm_json *plan = NULL;
    pm_project *p = NULL;
    pm_status status = pm_json_parse(text, size, plan_path, diag, &plan);
    if (status != PM_OK)
        goto done;
    if (plan->type != PM_JSON_OBJECT) {
        plan_error(&r, plan->line, "is %s, where a plan is an object",
                   pm_json_type_name(plan->type));
        goto done;
    }
    int64_t version = member_int(&r, plan, "the plan", "plan_version");
    if (r.failed)
        goto done;
    if (version != PLAN_VERSION) {
        plan_error(&r, pm_json_get(plan, "plan_version")->line, "plan_version %lld is not the "
                   "%d this version of premaster writes: render the project again",
                   (long long)version, PLAN_VERSION);
        goto done;
    }
    status = pm_project_parse(xml_path, diag, &p);
    if (status == PM_ERR_NOMEM || !p || pm_diag_count_severity(diag, PM_SEV_ERROR) > errors)
        goto done;
    take_sources(&r, plan, p);
    if (r.failed)
        goto done;
    /* nothing may open a file beside the copy by a path that meant the project's folder */
    for (size_t i = 0; i < pm_project_item_count(p); i++) {
        pm_track *t = (pm_track *)pm_project_item(p, i);
        free(t->src_path);
        t->src_path = NULL;
    }
    free(p->album.artwork_path);
    p->album.artwork_path = NULL;
    pm_project_validate_known(p, diag);
    status = pm_plan_make(p, diag);
    if (status != PM_OK || pm_diag_count_severity(diag, PM_SEV_ERROR) > errors)
        goto done;
    if (!p->plan) {
        plan_error(&r, 1, "cannot be made again from %s", xml_path);
        goto done;
    }
    status = compare_plans(&r, p, plan, text, out_dir);
done:
    pm_json_free(plan);
    free(text);
    if (status == PM_OK && (r.failed || pm_diag_count_severity(diag, PM_SEV_ERROR) > errors))
        status = PM_ERR_INVALID;
    if (status != PM_OK) {
        pm_project_free(p);
        return status;
    }
    *out = p;
    return PM_OK;
}
