/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * premaster's benchmark (DESIGN.md "Figures to meet"; how to run it and what each line means:
 * bench/README). For a 10- and a 60-minute album of synthesised 48 kHz/24-bit mixes it times
 *   - the render of DESIGN.md's figure: album.xml (the CD deliverables and one streaming FLAC
 *     target, -14 LUFS, -1 dBTP, 24-bit) through pm_render into a folder, exactly what
 *     `premaster render` does, verification from disk included; on one thread and on every core;
 *   - "the full job": full.xml (CD, vinyl, streaming FLAC + MP3 and a WAV target) the same way;
 *   - two stage-level figures the render does not show: the engine alone (the album mastered
 *     into a sink that drops it, with and without an album chain: what every target pass pays
 *     again), and the target stages of album.xml alone with writers of raw PCM (the DSP's share
 *     of the render; the rest is encoding, the DDP and cue files, and the verification);
 *   - the peer: the sox + ffmpeg script that makes the CD audio and the FLAC (peer.c);
 * and prints x realtime, wall and CPU seconds and peak resident memory for each, and ours
 * against the peer's.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "fan.h"
#include "fsutil.h"
#include "json.h"
#include "premaster.h"
#include "project.h"
#include "target.h"

volatile sig_atomic_t bench_interrupted = 0;
static int failures; /* cases that failed: the exit status says so */

static void on_signal(int sig)
{
    (void)sig;
    bench_interrupted = 1;
}

/* ---- our cases, each run in a child process -------------------------------------------------- */

typedef enum ours_kind {
    OURS_RENDER,     /* pm_render of album.xml: DESIGN.md's figure */
    OURS_FULL_JOB,   /* pm_render of full.xml */
    OURS_ENGINE,       /* the engine into a null sink */
    OURS_ENGINE_CHAIN, /* the same with the album chain */
    OURS_TARGETS       /* album.xml's target stages, raw PCM writers */
} ours_kind;

typedef struct ours {
    const bench_album *album;
    ours_kind kind;
    int threads;
    char out[BENCH_PATH]; /* the folder the writers (or the render) write into */
} ours;

/* Load a project as render does, the sources opened to learn their lengths: part of the job. */
static int load(const char *path, pm_project **p, char *note, size_t size)
{
    pm_diag *diag = pm_diag_new();
    pm_status status = diag ? pm_project_load(path, diag, p) : PM_ERR_NOMEM;
    if (status != PM_OK || !*p || !(*p)->plan) {
        const pm_diag_entry *e = diag && pm_diag_count(diag) ? pm_diag_get(diag, 0) : NULL;
        snprintf(note, size, "%s does not load: %s", path, e ? e->message : pm_strerror(status));
        pm_project_free(*p);
        *p = NULL;
    }
    pm_diag_free(diag);
    return *p ? 0 : -1;
}

static pm_status null_sink(void *context, const double *const *block, size_t frames)
{
    (void)block;
    *(int64_t *)context += (int64_t)frames;
    return PM_OK;
}

static int case_engine(ours *o, char *note, size_t size)
{
    pm_project *p = NULL;
    if (load(o->kind == OURS_ENGINE ? o->album->project : o->album->chain_project, &p, note,
             size) != 0)
        return -1;
    int64_t frames = 0;
    pm_status status = pm_engine_master(p, null_sink, &frames, "bench", NULL, NULL, NULL);
    if (status != PM_OK)
        snprintf(note, size, "the engine failed: %s", pm_strerror(status));
    else if (frames != p->plan->total)
        snprintf(note, size, "the engine gave %lld frames of %lld", (long long)frames,
                 (long long)p->plan->total);
    int ok = status == PM_OK && frames == p->plan->total;
    pm_project_free(p);
    return ok ? 0 : -1;
}

/* A writer of raw little-endian PCM, as the CD's .bin holds it: 16 or 24 bits a sample,
 * interleaved. Each pass goes to NAME.part; the kept one is renamed NAME.raw, the others are
 * removed. */
enum { RAW_CHUNK = 4096 };
typedef struct raw_writer {
    char path[BENCH_PATH + 32], temp[BENCH_PATH + 32];
    int bytes; /* per sample: 2 or 3 */
    FILE *f;
    unsigned char buffer[RAW_CHUNK * 2 * 3];
    int64_t frames;
} raw_writer;

static pm_status raw_begin(void *context, int pass, pm_diag *diag)
{
    (void)pass;
    raw_writer *w = context;
    w->frames = 0;
    w->f = fopen(w->temp, "wb");
    if (!w->f)
        pm_diag_add(diag, PM_SEV_ERROR, w->temp, 0, NULL, "cannot be written: %s",
                    strerror(errno));
    return w->f ? PM_OK : PM_ERR_IO;
}

static pm_status raw_write(void *context, const int32_t *interleaved, const double *const *planar,
                           size_t frames, pm_diag *diag)
{
    (void)planar;
    (void)diag;
    raw_writer *w = context;
    /* the codes sit left-justified in the int32 (dither.h): their top bytes, low byte first */
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < RAW_CHUNK ? frames - done : RAW_CHUNK;
        const int32_t *in = interleaved + 2 * done;
        unsigned char *b = w->buffer;
        for (size_t i = 0; i < 2 * n; i++) {
            uint32_t u = (uint32_t)in[i];
            if (w->bytes == 3)
                *b++ = (unsigned char)(u >> 8);
            *b++ = (unsigned char)(u >> 16);
            *b++ = (unsigned char)(u >> 24);
        }
        if (fwrite(w->buffer, 1, (size_t)(b - w->buffer), w->f) != (size_t)(b - w->buffer))
            return PM_ERR_IO;
        done += n;
    }
    w->frames += (int64_t)frames;
    return PM_OK;
}

static pm_status raw_end(void *context, int keep, const pm_target_measure *measure, pm_diag *diag)
{
    (void)measure;
    raw_writer *w = context;
    int failed = w->f && fclose(w->f) != 0;
    w->f = NULL;
    if (!keep || failed)
        return remove(w->temp) == 0 && !failed ? PM_OK : PM_ERR_IO;
    if (rename(w->temp, w->path) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, w->path, 0, NULL, "cannot be made: %s", strerror(errno));
        return PM_ERR_IO;
    }
    return PM_OK;
}

static void raw_init(raw_writer *w, const char *dir, const char *name, int bits)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s/%s.raw", dir, name);
    snprintf(w->temp, sizeof w->temp, "%s/%s.part", dir, name);
    w->bytes = bits / 8;
}

static pm_dither_mode dither_mode(pm_dither d)
{
    return d == PM_DITHER_SHAPED ? PM_DITHER_MODE_SHAPED
           : d == PM_DITHER_TPDF ? PM_DITHER_MODE_TPDF
                                 : PM_DITHER_MODE_NONE;
}

static int append(char *note, size_t size, const char *name, const pm_target_result *r)
{
    size_t used = strlen(note);
    const pm_target_measure *m = &r->measure;
    return snprintf(note + used, size - used, "%s%s: %s in %d pass%s, %.2f LUFS, %.2f dBTP at 8x, "
                    "limiter %.1f dB", used ? "; " : "", name, r->met ? "met" : "NOT met",
                    r->passes, r->passes == 1 ? "" : "es", m->integrated_lufs, m->true_peak_dbtp,
                    m->limiter_reduction_db);
}

/* The two targets much as formats/cd.c and formats/streaming.c set them up from the project:
 * the CD's from <cd>, the streaming one's from <streaming> (its files: each track from its
 * start to the next). */
static int case_targets(ours *o, char *note, size_t size)
{
    pm_project *p = NULL;
    if (load(o->album->project, &p, note, size) != 0)
        return -1;
    const pm_plan *plan = p->plan;
    if (p->streaming_count < 1 || !p->cd.line) {
        snprintf(note, size, "the project has no CD or no streaming target");
        pm_project_free(p);
        return -1;
    }
    const pm_streaming_target *st = &p->streaming[0];
    pm_target_segment *files = calloc(plan->item_count, sizeof *files);
    static raw_writer writers[2];
    if (!files) {
        pm_project_free(p);
        return -1;
    }
    for (size_t i = 0; i < plan->item_count; i++)
        files[i] = (pm_target_segment){plan->items[i].file_start, plan->items[i].file_end};
    raw_init(&writers[0], o->out, "cd", 16);
    raw_init(&writers[1], o->out, "streaming", (int)st->bits);
    pm_target_config c[2] = {
        {.name = "cd", .line = p->cd.line, .rate = 44100, .bits = 16,
         .dither = dither_mode(p->cd.dither), .seed = p->seed, .has_ceiling = p->cd.has_ceiling,
         .ceiling_dbtp = p->cd.ceiling_dbtp, .release_sec = p->cd.release_sec,
         .normalize = PM_TARGET_NORMALIZE_NONE},
        /* 24-bit output: plain TPDF dither; shaping buys nothing audible 144 dB down */
        {.name = "streaming", .line = st->line, .rate = st->has_rate ? st->rate : plan->rate,
         .bits = (int)st->bits, .dither = PM_DITHER_MODE_TPDF, .seed = p->seed,
         .has_ceiling = 1, .ceiling_dbtp = st->ceiling_dbtp, .release_sec = st->release_sec,
         .normalize = PM_TARGET_NORMALIZE_ALBUM, .loudness_lufs = st->loudness_lufs,
         .boost = st->boost, .segments = files, .segment_count = plan->item_count},
    };
    for (int i = 0; i < 2; i++)
        c[i].writer = (pm_target_writer){raw_begin, raw_write, raw_end, &writers[i]};
    pm_target_result r[2];
    pm_diag *diag = pm_diag_new();
    pm_status status = pm_targets_render(p, c, 2, r, o->threads, NULL, NULL, diag);
    if (status != PM_OK) {
        const pm_diag_entry *e = pm_diag_count(diag) ? pm_diag_get(diag, 0) : NULL;
        snprintf(note, size, "the targets failed: %s", e ? e->message : pm_strerror(status));
    } else {
        append(note, size, "cd", &r[0]);
        append(note, size, "streaming", &r[1]);
        pm_target_result_fini(&r[0]);
        pm_target_result_fini(&r[1]);
    }
    pm_diag_free(diag);
    free(files);
    pm_project_free(p);
    return status == PM_OK ? 0 : -1;
}

/* The render's verifications, counted (the CLI prints them; here only the failures matter). */
typedef struct check_count {
    size_t held, failed;
    char first_failed[256];
} check_count;

static void count_check(void *context, const char *what, int ok)
{
    check_count *c = context;
    if (ok) {
        c->held++;
        return;
    }
    if (!c->failed++)
        snprintf(c->first_failed, sizeof c->first_failed, "%s", what);
}

/* What the render left in dir, in bytes: the files it wrote, read back and verified. */
static double bytes_in(const char *dir)
{
    char **names = NULL;
    size_t count = 0;
    double bytes = 0.0;
    if (pm_list_files(dir, &names, &count) != PM_OK)
        return 0.0;
    for (size_t i = 0; i < count; i++) {
        char path[2 * BENCH_PATH];
        struct stat st;
        if (pm_path_join(path, sizeof path, dir, names[i]) == 0 && stat(path, &st) == 0)
            bytes += (double)st.st_size;
    }
    pm_free_names(names, count);
    return bytes;
}

/* The stages of the render in dir, from its report.json's run object ("analysis 0.00-1.02 s,
 * ..."): where the wall time went, beside the table's totals. "" when it cannot be read. */
static void stages_of(const char *dir, char *text, size_t size)
{
    char path[2 * BENCH_PATH], *json = NULL;
    size_t length = 0;
    pm_json *report = NULL;
    text[0] = '\0';
    if (pm_path_join(path, sizeof path, dir, "report.json") != 0 ||
        pm_read_file(path, &json, &length) != PM_OK ||
        pm_json_parse(json, length, path, NULL, &report) != PM_OK) {
        free(json);
        return;
    }
    const pm_json *stages = pm_json_get(pm_json_get(report, "run"), "stages");
    size_t used = 0;
    for (size_t i = 0; stages && stages->type == PM_JSON_ARRAY && i < stages->count; i++) {
        const pm_json *name = pm_json_get(&stages->items[i], "stage");
        const pm_json *from = pm_json_get(&stages->items[i], "from");
        const pm_json *to = pm_json_get(&stages->items[i], "to");
        if (!name || !from || !to || used >= size)
            break;
        int n = snprintf(text + used, size - used, "%s%s %.2f-%.2f", i ? ", " : "stages (s): ",
                         name->text, from->number, to->number);
        used += n > 0 ? (size_t)n : 0;
    }
    pm_json_free(report);
    free(json);
}

/* The project rendered into the case's folder by pm_render, as `premaster render -j N -o OUT
 * PROJECT` does: load, master, every deliverable written and verified from disk. */
static int case_render(ours *o, char *note, size_t size)
{
    const char *project = o->kind == OURS_FULL_JOB ? o->album->full_project : o->album->project;
    pm_diag *diag = pm_diag_new();
    check_count checks = {0};
    pm_status status = diag ? pm_render(project, o->out, o->threads, NULL, NULL, count_check,
                                        &checks, diag)
                            : PM_ERR_NOMEM;
    if (status != PM_OK) {
        const pm_diag_entry *e = NULL;
        for (size_t i = 0; diag && i < pm_diag_count(diag) && !e; i++)
            if (pm_diag_get(diag, i)->severity == PM_SEV_ERROR)
                e = pm_diag_get(diag, i);
        snprintf(note, size, "the render failed: %s%s%s", e ? e->message : pm_strerror(status),
                 checks.failed ? "; first failed check: " : "", checks.first_failed);
    } else {
        char stages[256];
        stages_of(o->out, stages, sizeof stages);
        snprintf(note, size, "%zu checks held, read back from disk; %.0f MB written%s%s",
                 checks.held, bytes_in(o->out) / 1e6, *stages ? "; " : "", stages);
    }
    pm_diag_free(diag);
    return status == PM_OK ? 0 : -1;
}

static int ours_case(void *arg, char *note, size_t size)
{
    ours *o = arg;
    switch (o->kind) {
    case OURS_RENDER:
    case OURS_FULL_JOB: return case_render(o, note, size);
    case OURS_TARGETS: return case_targets(o, note, size);
    case OURS_ENGINE:
    case OURS_ENGINE_CHAIN: break;
    }
    return case_engine(o, note, size);
}

/* ---- the table ------------------------------------------------------------------------------- */

static void print_row(const char *who, const char *what, const bench_figures *f, double seconds)
{
    if (f->failed && f->cpu_sec == 0.0) {
        printf("  %-4s  %-44s  %s\n", who, what, "did not finish");
        return;
    }
    printf("  %-4s  %-44s %7.1f %7.1f %8.2f %8.2f %8.1f%s\n", who, what, seconds / f->wall_sec,
           f->cpu_sec > 0 ? seconds / f->cpu_sec : 0.0, f->wall_sec, f->cpu_sec,
           (double)f->rss_kib / 1024.0, f->failed ? "  FAILED" : "");
    fflush(stdout);
}

static void print_note(const char *note)
{
    /* one line a target or a step, indented under its row */
    const char *p = note;
    while (*p) {
        size_t n = strcspn(p, ";");
        printf("        %.*s\n", (int)n, p);
        p += n;
        p += strspn(p, "; ");
    }
}

static void print_ratio(const char *label, const bench_figures *a, const bench_figures *b)
{
    if (a->failed || b->failed || a->wall_sec <= 0 || b->wall_sec <= 0)
        return;
    printf("  ours/peer, %s: wall %.2f (ours %.1fx as fast), CPU %.2f, peak RSS %.2f\n", label,
           a->wall_sec / b->wall_sec, b->wall_sec / a->wall_sec, a->cpu_sec / b->cpu_sec,
           (double)a->rss_kib / (double)b->rss_kib);
}

/* A case, measured, printed, and its output folder removed before the next. */
static bench_figures run(const char *who, const char *what, bench_case_fn fn, void *arg,
                         const char *out, double seconds)
{
    bench_figures f;
    char note[1024];
    if (pm_remove_tree(out) != PM_OK || mkdir(out, 0777) != 0) {
        memset(&f, 0, sizeof f);
        f.failed = 1;
        printf("  %-4s  %-44s  cannot make %s\n", who, what, out);
        return f;
    }
    bench_measure(fn, arg, &f, note, sizeof note);
    failures += f.failed;
    print_row(who, what, &f, seconds);
    if (note[0])
        print_note(note);
    if (pm_remove_tree(out) != PM_OK)
        printf("        (%s could not be removed)\n", out);
    return f;
}

typedef struct options {
    int quick;       /* the 10-minute album only */
    int peer;        /* run the peer (when it is installed) */
    int jobs;        /* threads for the second render and the full job */
    const char *dir; /* work here and keep it, instead of a temporary folder */
    const char *only; /* groups[], comma-separated: those cases only (for profiling) */
} options;

/* The groups of cases --only selects. */
static const char *const groups[] = {"render", "full", "engine", "targets", "peer"};

/* Whether list, comma-separated names, holds name; with every_one_a_group, also whether each
 * of its names is a group. */
static int in_list(const char *list, const char *name, int every_one_a_group)
{
    int found = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int known = 0;
        for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
            known |= strlen(groups[i]) == n && strncmp(p, groups[i], n) == 0;
        if (every_one_a_group && !known)
            return 0;
        found |= strlen(name) == n && strncmp(p, name, n) == 0;
        p += n + (p[n] == ',');
    }
    return every_one_a_group || found;
}

static int wanted(const options *opt, const char *group)
{
    return !bench_interrupted && (!opt->only || in_list(opt->only, group, 0));
}

static void run_album(const options *opt, const bench_album *a, const char *root)
{
    char out[BENCH_PATH];
    (void)pm_path_join(out, sizeof out, root, "out"); /* main keeps the paths short */
    double s = a->seconds;
    printf("\nalbum of %d minutes: %zu tracks, %.0f s of 48 kHz/24-bit stereo mixes; load "
           "average %.2f\n", a->minutes, a->track_count, s, bench_load_average());
    printf("  %-4s  %-44s %7s %7s %8s %8s %8s\n", "", "case", "x rt", "x rt/", "wall s",
           "CPU s", "RSS MiB");
    printf("  %-4s  %-44s %7s %7s\n", "", "", "", "CPU");
    ours o = {.album = a, .kind = OURS_RENDER, .threads = 1};
    snprintf(o.out, sizeof o.out, "%s", out);
    bench_figures one = {.failed = 1}, all = {.failed = 1}, full = {.failed = 1};
    char what[96];
    if (wanted(opt, "render"))
        one = run("ours", "render: CD + streaming FLAC, -j 1", ours_case, &o, out, s);
    if (wanted(opt, "render") && opt->jobs > 1) {
        snprintf(what, sizeof what, "render: CD + streaming FLAC, -j %d", opt->jobs);
        o.threads = opt->jobs;
        all = run("ours", what, ours_case, &o, out, s);
    }
    o.kind = OURS_FULL_JOB;
    o.threads = opt->jobs;
    snprintf(what, sizeof what, "render: the full job, -j %d", opt->jobs);
    if (wanted(opt, "full"))
        full = run("ours", what, ours_case, &o, out, s);
    /* the stages the render is made of, where it does not show them: a pass's floor, what an
     * album chain adds to each pass, and the DSP's share of the render */
    o.threads = 1;
    o.kind = OURS_ENGINE;
    if (wanted(opt, "engine"))
        run("ours", "engine alone (null sink)", ours_case, &o, out, s);
    o.kind = OURS_ENGINE_CHAIN;
    if (wanted(opt, "engine"))
        run("ours", "engine + album chain (EQ, comp.; null sink)", ours_case, &o, out, s);
    o.kind = OURS_TARGETS;
    if (wanted(opt, "targets"))
        run("ours", "target stages alone, raw PCM, -j 1", ours_case, &o, out, s);
    if (!full.failed)
        printf("  the full job (CD, vinyl, streaming FLAC + MP3 and WAV): %.1fx realtime at -j %d "
               "(DESIGN.md asks for 60x), %.1fx per CPU second\n", s / full.wall_sec, opt->jobs,
               s / full.cpu_sec);
    if (!wanted(opt, "peer"))
        return;
    const char *missing = bench_peer_missing();
    if (!opt->peer || missing) {
        printf("  peer: %s\n", missing && opt->peer ? missing : "skipped (--no-peer)");
        return;
    }
    bench_peer peer = {.album = a};
    snprintf(peer.out, sizeof peer.out, "%s", out);
    bench_figures step[BENCH_PEER_STEPS], sum = {0};
    /* the steps one after another, each measured; the script's total is their sum; the output
     * folder stays between them: pass 2 reads pass 1's report */
    if (pm_remove_tree(out) != PM_OK || mkdir(out, 0777) != 0) {
        printf("  peer: cannot make %s\n", out);
        return;
    }
    for (int k = BENCH_PEER_SOX; k <= BENCH_PEER_LOUDNORM_2 && !bench_interrupted; k++) {
        char note[1024];
        peer.step = (bench_peer_step)k;
        bench_measure(bench_peer_case, &peer, &step[k], note, sizeof note);
        print_row("peer", bench_peer_step_name(peer.step), &step[k], s);
        if (note[0])
            print_note(note);
        sum.wall_sec += step[k].wall_sec;
        sum.cpu_sec += step[k].cpu_sec;
        sum.rss_kib = step[k].rss_kib > sum.rss_kib ? step[k].rss_kib : sum.rss_kib;
        sum.failed |= step[k].failed;
        failures += step[k].failed;
    }
    if (bench_interrupted)
        return;
    print_row("peer", "script, one step after another (sum)", &sum, s);
    bench_figures parallel = {.failed = 1};
    if (opt->jobs > 1) {
        peer.step = BENCH_PEER_PARALLEL;
        parallel = run("peer", bench_peer_step_name(peer.step), bench_peer_case, &peer, out, s);
    }
    print_ratio("-j 1 against the script step by step", &one, &sum);
    if (opt->jobs > 1) {
        char label[96];
        snprintf(label, sizeof label, "-j %d against sox beside ffmpeg", opt->jobs);
        print_ratio(label, &all, &parallel);
    }
    if (!one.failed && !sum.failed)
        printf("  DESIGN.md asks for 10x the peer's speed: %.1fx on one thread (%.1fx by CPU "
               "time)\n", sum.wall_sec / one.wall_sec, sum.cpu_sec / one.cpu_sec);
    printf("  load average after: %.2f\n", bench_load_average());
}

static void usage(FILE *f)
{
    fputs("usage: bench [--quick] [--no-peer] [-j N] [--dir DIR]\n"
          "             [--only render|full|engine|targets|peer]\n"
          "  --quick    the 10-minute album only (also: PM_BENCH_QUICK=1)\n"
          "  --no-peer  do not run the sox + ffmpeg script\n"
          "  -j N       threads for the second render and the full job (default: the cores)\n"
          "  --dir DIR  work in DIR and keep it (the albums are synthesised only once)\n"
          "  --only X   only those cases: render, full, engine, targets or peer (or several,\n"
          "             comma-separated: render,peer)\n"
          "bench/README says what each line means.\n",
          f);
}

/* The first line a program prints about its version, into out ("" when it does not run). */
static void version_of(const char *command, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = popen(command, "r");
    if (!f)
        return;
    if (fgets(out, (int)size, f))
        out[strcspn(out, "\n")] = '\0';
    (void)pclose(f);
}

static void print_header(const options *opt)
{
    char cpu[256], date[64], version[256];
    bench_cpu_model(cpu, sizeof cpu);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    const char *commit = getenv("PM_BENCH_COMMIT");
    printf("premaster %s benchmark, commit %s, %s\n", pm_version(),
           commit && *commit ? commit : "unknown", date);
    printf("machine: %s, %d cores online\n", cpu, pm_cpu_count());
    if (opt->peer && !bench_peer_missing()) {
        version_of("sox --version 2>&1", version, sizeof version);
        const char *sox = strstr(version, "SoX"); /* after "sox:      " */
        printf("peer: %s; ", sox ? sox : version);
        version_of("ffmpeg -version 2>&1", version, sizeof version);
        char *copyright = strstr(version, " Copyright");
        if (copyright)
            *copyright = '\0';
        printf("%s\n", version);
    }
    printf("x rt: seconds of album per second of wall time; x rt/CPU: per CPU second; CPU s: "
           "user + system of the case's process and its children; RSS MiB: their peak resident "
           "memory\n");
}

int main(int argc, char **argv)
{
    const char *quick = getenv("PM_BENCH_QUICK");
    options opt = {.quick = quick && *quick && strcmp(quick, "0") != 0, .peer = 1,
                   .jobs = pm_cpu_count()};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            opt.quick = 1;
        else if (strcmp(argv[i], "--no-peer") == 0)
            opt.peer = 0;
        else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc && atoi(argv[i + 1]) >= 1)
            opt.jobs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            opt.dir = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc && *argv[i + 1] &&
                 in_list(argv[i + 1], "", 1))
            opt.only = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a closed pipe (`make bench | head`) stops the run like an interrupt, with the clean-up */
    sigaction(SIGPIPE, &sa, NULL);

    char root[BENCH_PATH];
    if (opt.dir && strlen(opt.dir) > BENCH_PATH / 2) {
        fprintf(stderr, "bench: the folder's name is too long: %s\n", opt.dir);
        return 2;
    }
    if (opt.dir) {
        snprintf(root, sizeof root, "%s", opt.dir);
        if (mkdir(root, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "bench: cannot make %s: %s\n", root, strerror(errno));
            return 1;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        if (tmp && strlen(tmp) > BENCH_PATH / 2)
            tmp = NULL;
        snprintf(root, sizeof root, "%s/pm-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(root)) {
            fprintf(stderr, "bench: cannot make a folder in %s: %s\n", tmp ? tmp : "/tmp",
                    strerror(errno));
            return 1;
        }
    }
    print_header(&opt);
    printf("working in %s%s\n", root, opt.dir ? " (kept)" : " (removed at the end)");
    static const int minutes[2] = {10, 60};
    int failed = 0;
    for (int k = 0; k < (opt.quick ? 1 : 2) && !bench_interrupted; k++) {
        bench_album a;
        char why[BENCH_PATH + 256];
        printf("\nsynthesising the %d-minute album...\n", minutes[k]);
        fflush(stdout);
        if (bench_album_write(root, minutes[k], &a, why, sizeof why) != 0) {
            fprintf(stderr, "bench: %s\n", why);
            failed = 1;
            break;
        }
        run_album(&opt, &a, root);
        /* the 10-minute album's mixes are not needed for the 60-minute one */
        if (!opt.dir && pm_remove_tree(a.dir) != PM_OK)
            fprintf(stderr, "bench: %s could not be removed\n", a.dir);
    }
    if (!opt.dir && pm_remove_tree(root) != PM_OK) {
        fprintf(stderr, "bench: %s could not be removed\n", root);
        failed = 1;
    }
    if (bench_interrupted) {
        fprintf(stderr, "bench: interrupted\n");
        return 1;
    }
    return failed || failures;
}
