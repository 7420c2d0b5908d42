/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * premaster: the command-line client of the premaster library. It parses arguments, prints what
 * the library reports and maps statuses to exit codes (DESIGN.md): 0 all good; 1 the project or a
 * deliverable failed a check; 2 usage; 3 the machine failed us.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "premaster.h"

enum { EXIT_GOOD = 0, EXIT_CHECK = 1, EXIT_USAGE = 2, EXIT_MACHINE = 3 };

typedef struct options {
    int quiet;   /* -q: errors only */
    int verbose; /* -v: notes too */
    int json;
    int force;
    int album;
    int help;
    const char *output;
    const char *jobs;
    const char *args[256];
    int arg_count;
} options;

typedef struct command {
    const char *name;
    const char *synopsis;
    const char *help;
    /* diag: where the command's diagnostics go; main prints nothing of it itself */
    int (*run)(const char *name, const options *opts, pm_diag *diag);
    int available; /* 0: a later version fills it; it says so and exits 2 */
} command;

static const char *program = "premaster";

static int usage_error(const char *command_name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const char *command_name, const char *fmt, ...)
{
    fprintf(stderr, "%s%s%s: ", program, command_name ? " " : "", command_name ? command_name : "");
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s %s%s--help' for more information.\n", program,
            command_name ? command_name : "", command_name ? " " : "");
    return EXIT_USAGE;
}

static int exit_for(pm_status status)
{
    switch (status) {
    case PM_OK: return EXIT_GOOD;
    case PM_ERR_INVALID:
    case PM_ERR_EXISTS: return EXIT_CHECK;
    case PM_ERR_USAGE:
    case PM_ERR_UNSUPPORTED: return EXIT_USAGE;
    case PM_ERR_IO:
    case PM_ERR_NOMEM:
    case PM_ERR_INTERNAL: return EXIT_MACHINE;
    case PM_ERR_INTERRUPTED: return 128 + SIGINT; /* the shells' status for it */
    }
    return EXIT_MACHINE;
}

/* Diagnostics to stderr: errors always, warnings unless -q, notes with -v. */
static void print_diag(const pm_diag *diag, const options *opts)
{
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        const pm_diag_entry *e = pm_diag_get(diag, i);
        if ((opts->quiet && e->severity != PM_SEV_ERROR) ||
            (!opts->verbose && e->severity == PM_SEV_NOTE))
            continue;
        char *line = pm_diag_format(e);
        fprintf(stderr, "%s\n", line ? line : "premaster: out of memory");
        free(line);
    }
}

static void print_counts(const char *what, const pm_diag *diag, const options *opts)
{
    if (opts->quiet)
        return;
    size_t errors = pm_diag_count_severity(diag, PM_SEV_ERROR);
    size_t warnings = pm_diag_count_severity(diag, PM_SEV_WARNING);
    fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", what, errors, errors == 1 ? "" : "s",
            warnings, warnings == 1 ? "" : "s");
}

static int run_check(const char *name, const options *opts, pm_diag *diag)
{
    if (opts->arg_count != 1)
        return usage_error(name, "needs exactly one project file");
    const char *path = opts->args[0];
    pm_project *project = NULL;
    pm_status status = pm_project_load(path, diag, &project);
    int code = exit_for(status);
    /* A project file that cannot be read is the user's input failing a check, not the machine. */
    if (status == PM_ERR_IO)
        code = EXIT_CHECK;
    if (opts->json) {
        char *diags = pm_diag_to_json(diag);
        char *plan = pm_plan_to_json(project);
        printf("{\n\"ok\": %s,\n\"errors\": %zu,\n\"warnings\": %zu,\n\"diagnostics\": %s,\n"
               "\"plan\": %s}\n", code == EXIT_GOOD ? "true" : "false",
               pm_diag_count_severity(diag, PM_SEV_ERROR),
               pm_diag_count_severity(diag, PM_SEV_WARNING), diags ? diags : "[]",
               plan ? plan : "null\n");
        free(diags);
        free(plan);
    } else {
        print_diag(diag, opts);
        if (!opts->quiet && code == EXIT_GOOD) {
            char *plan = pm_plan_to_text(project);
            if (plan)
                fputs(plan, stdout);
            free(plan);
        }
        print_counts(path, diag, opts);
    }
    pm_project_free(project);
    return code;
}

static int run_demo(const char *name, const options *opts, pm_diag *diag)
{
    if (opts->arg_count != 1)
        return usage_error(name, "needs exactly one folder");
    char *project_path = NULL;
    pm_status status = pm_demo_write(opts->args[0], opts->force, diag, &project_path);
    print_diag(diag, opts);
    if (status == PM_OK && !opts->quiet)
        printf("wrote the demo project %s and its audio\nnext: %s check %s\n", project_path,
               program, project_path);
    free(project_path);
    return exit_for(status);
}

static int run_analyze(const char *name, const options *opts, pm_diag *diag)
{
    if (opts->arg_count < 1)
        return usage_error(name, "needs at least one audio file");
    pm_analysis *analysis = NULL;
    pm_status status = pm_analyze_files(opts->args, (size_t)opts->arg_count, opts->album, diag,
                                        &analysis);
    print_diag(diag, opts);
    if (analysis) {
        char *text = opts->json ? pm_analysis_to_json(analysis) : pm_analysis_to_text(analysis);
        if (!text)
            status = PM_ERR_NOMEM;
        else
            fputs(text, stdout);
        free(text);
    }
    pm_analysis_free(analysis);
    return exit_for(status);
}

/* The progress bar: on a terminal only, redrawn in place on standard error. */
typedef struct progress_bar {
    int shown;
    double started, drawn; /* the stage's start; the last redraw */
    int percent;           /* the last drawn */
    char stage[32];
} progress_bar;

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void show_progress(void *context, const char *stage, double fraction)
{
    progress_bar *bar = context;
    double now = seconds_now();
    int percent = (int)(fraction * 100.0);
    if (strcmp(bar->stage, stage) != 0) {
        snprintf(bar->stage, sizeof bar->stage, "%s", stage);
        bar->started = now;
    } else if (percent == bar->percent && now - bar->drawn < 0.5) {
        return; /* the engine reports every block: redraw only what a reader would see change */
    }
    bar->percent = percent;
    bar->drawn = now;
    double elapsed = now - bar->started;
    char blocks[41], left[32] = "";
    int filled = (int)(fraction * 40.0);
    for (int i = 0; i < 40; i++)
        blocks[i] = i < filled ? '#' : '.';
    blocks[40] = '\0';
    /* each stage has its own estimate, once it has gone far enough to make one (verifying
     * says only when it is done) */
    if (fraction > 0.01 && fraction < 1.0) {
        int s = (int)(elapsed * (1.0 - fraction) / fraction);
        snprintf(left, sizeof left, ", %d:%02d left", s / 60, s % 60);
    }
    fprintf(stderr, "\r%-10s [%s] %3d%%  %d:%02d elapsed%-13s", stage, blocks, percent,
            (int)elapsed / 60, (int)elapsed % 60, left);
    bar->shown = 1;
}

/* A check of render or verify, one line each on standard output; with --json only counted
 * (render's are in report.json; a failed one is also in the diagnostics). */
typedef struct check_printer {
    const options *opts;
    size_t count, failed;
} check_printer;

static void print_check(void *context, const char *what, int ok)
{
    check_printer *c = context;
    c->count++;
    c->failed += !ok;
    if (!c->opts->json && !c->opts->quiet)
        printf("  %-5s %s\n", ok ? "ok" : "FAIL", what);
}

/* The signal that stopped a render: premaster dies of it once the render has cleaned up. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    pm_interrupt();
}

/*
 * SIGINT, SIGTERM and SIGHUP stop a render cleanly: it removes what it wrote and OUT stays as it
 * was. A signal ignored when premaster started (nohup, a background job of a script) stays
 * ignored. Each handler is reset as it runs, so a second signal kills at once; system calls
 * restart, so that a stop is seen where the render looks for it, not as a failed write.
 */
static void catch_stop_signals(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction was, sa;
        if (sigaction(signals[i], NULL, &was) != 0 || was.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND | SA_RESTART;
        (void)sigaction(signals[i], &sa, NULL);
    }
}

static int run_render(const char *name, const options *opts, pm_diag *diag)
{
    if (opts->arg_count != 1)
        return usage_error(name, "needs exactly one project file");
    if (!opts->output)
        return usage_error(name, "needs -o OUT, the folder to render into");
    long jobs = 0;
    if (opts->jobs) {
        char *end;
        jobs = strtol(opts->jobs, &end, 10);
        if (*end || jobs < 1 || jobs > 1024)
            return usage_error(name, "-j takes a number of threads from 1 to 1024");
    }
    progress_bar bar = {0};
    int tty = isatty(STDERR_FILENO) && !opts->quiet && !opts->json;
    check_printer checks = {.opts = opts};
    catch_stop_signals();
    pm_status status = pm_render(opts->args[0], opts->output, (int)jobs,
                                 tty ? show_progress : NULL, &bar, print_check, &checks, diag);
    if (bar.shown)
        fputc('\n', stderr);
    if (status == PM_ERR_INTERRUPTED) {
        /* the errors are the stop's own (streams cut short): not the user's to read */
        int sig = stop_signal ? stop_signal : SIGINT;
        fprintf(stderr, "%s %s: stopped by %s; nothing was written, %s is as it was\n",
                program, name, strsignal(sig), opts->output);
        signal(sig, SIG_DFL);
        raise(sig);
        return 128 + sig;
    }
    /* render's notes are its figures (the streaming preview, the vinyl summary): shown */
    options shown = *opts;
    shown.verbose = !opts->quiet;
    print_diag(diag, &shown);
    if (status == PM_OK && !opts->quiet && !opts->json)
        printf("rendered %s into %s and verified it\n", opts->args[0], opts->output);
    if (opts->json) {
        char *diags = pm_diag_to_json(diag);
        printf("{\"ok\": %s, \"diagnostics\": %s}\n", status == PM_OK ? "true" : "false",
               diags ? diags : "[]");
        free(diags);
    }
    return exit_for(status);
}

static int run_verify(const char *name, const options *opts, pm_diag *diag)
{
    if (opts->arg_count != 1)
        return usage_error(name, "needs exactly one render folder");
    check_printer checks = {.opts = opts};
    pm_status status = pm_verify(opts->args[0], print_check, &checks, diag);
    print_diag(diag, opts);
    if (opts->json) {
        char *diags = pm_diag_to_json(diag);
        printf("{\"ok\": %s, \"checks\": %zu, \"checks_failed\": %zu, \"diagnostics\": %s}\n",
               status == PM_OK ? "true" : "false", checks.count, checks.failed,
               diags ? diags : "[]");
        free(diags);
    } else if (status == PM_OK && !opts->quiet) {
        printf("%s: every file matches MANIFEST.sha256, the plan follows from the project, and "
               "%zu check%s of the deliverables hold\n", opts->args[0], checks.count,
               checks.count == 1 ? "" : "s");
    }
    return exit_for(status);
}

/* ddp info: what the reader understood, even of a fileset with faults; exit 1 on any. */
static int ddp_info(const pm_ddp *ddp, pm_status status, const options *opts, pm_diag *diag)
{
    if (opts->json) {
        char *diags = pm_diag_to_json(diag);
        char *json = ddp ? pm_ddp_to_json(ddp) : NULL;
        printf("{\n\"ok\": %s,\n\"diagnostics\": %s,\n\"ddp\": %s}\n",
               status == PM_OK ? "true" : "false", diags ? diags : "[]", json ? json : "null\n");
        free(diags);
        free(json);
        return exit_for(status);
    }
    print_diag(diag, opts);
    if (ddp && !opts->quiet) {
        char *text = pm_ddp_to_text(ddp);
        if (!text)
            return EXIT_MACHINE;
        fputs(text, stdout);
        free(text);
    }
    return exit_for(status);
}

static int run_ddp(const char *name, const options *opts, pm_diag *diag)
{
    const char *verb = opts->arg_count > 0 ? opts->args[0] : "";
    int is_extract = strcmp(verb, "extract") == 0;
    if (strcmp(verb, "info") != 0 && strcmp(verb, "verify") != 0 && !is_extract)
        return usage_error(name, "needs info, verify or extract, then the fileset's folder");
    if (opts->arg_count != (is_extract ? 3 : 2))
        return usage_error(name, is_extract ? "extract needs the fileset's folder and a folder "
                                              "to write the tracks into"
                                            : "%s needs exactly one fileset folder", verb);
    if (opts->force && !is_extract)
        return usage_error(name, "--force goes with extract only");
    const char *dir = opts->args[1];
    pm_ddp *ddp = NULL;
    pm_status status = pm_ddp_read(dir, diag, &ddp);
    int code;
    if (strcmp(verb, "info") == 0) {
        code = ddp_info(ddp, status, opts, diag);
    } else if (strcmp(verb, "verify") == 0) {
        /* Verify all that was understood, even after a fault: every fault in one run. */
        if (ddp) {
            pm_status checked = pm_ddp_verify(ddp, diag);
            if (status == PM_OK || checked == PM_ERR_NOMEM)
                status = checked;
        }
        /* A file that cannot be read is the delivery failing its check, not the machine. */
        code = status == PM_ERR_IO ? EXIT_CHECK : exit_for(status);
        print_diag(diag, opts);
        if (opts->json) {
            char *diags = pm_diag_to_json(diag);
            printf("{\"ok\": %s, \"diagnostics\": %s}\n", code == EXIT_GOOD ? "true" : "false",
                   diags ? diags : "[]");
            free(diags);
        } else {
            print_counts(dir, diag, opts);
            if (code == EXIT_GOOD && !opts->quiet)
                printf("%s: the DDP fileset passed every check\n", dir);
        }
    } else {
        if (status == PM_OK)
            status = pm_ddp_extract(ddp, opts->args[2], opts->force, diag);
        else if (status == PM_ERR_INVALID)
            pm_diag_add(diag, PM_SEV_ERROR, opts->args[2], 0, NULL, "nothing was extracted: "
                        "the fileset has the faults above");
        print_diag(diag, opts);
        code = exit_for(status);
        if (status == PM_OK && !opts->quiet)
            printf("extracted the tracks of %s into %s, with tracks.cue\n", dir, opts->args[2]);
    }
    pm_ddp_free(ddp);
    return code;
}

static const command commands[] = {
    {"check", "check [--json] [-q|-v] PROJECT.xml",
     "Validate a project file and every source it names, and print the plan: each track's start\n"
     "and length in samples and time, the CD's PQ marks in absolute CD time with how far each\n"
     "moved onto the 1/75 s frame grid, the vinyl sides and the streaming files. Every problem is\n"
     "reported as FILE:LINE: error: ... before any audio is touched.\n"
     "  --json     print the diagnostics and the plan as one JSON object\n"
     "  -q         print errors only, and no plan\n"
     "  -v         print notes too (defaults used, marks moved, rates converted)\n",
     run_check, 1},
    {"render", "render PROJECT.xml -o OUT [-j N] [--json] [-q|-v]",
     "Master the project, write every deliverable into OUT, read each back from disk and prove\n"
     "it right. OUT may be new, empty or an earlier render, which is replaced whole; nothing\n"
     "appears under its name until everything is written and verified. This version writes the\n"
     "copied project, plan.json, report.json (the mastered stream's figures, per track and\n"
     "album), the vinyl and streaming deliverables and MANIFEST.sha256; a project asking for\n"
     "CD deliverables is refused with status 2 until that format is in. Notes are printed\n"
     "(the streaming normalisation preview of every platform, the vinyl summary) unless -q.\n"
     "  -o OUT     the folder to render into\n"
     "  -j N       threads for the target stages (default: one per processor; the output\n"
     "             is the same whatever N is)\n",
     run_render, 1},
    {"verify", "verify OUT [--json]",
     "Re-prove a folder written by render, without the sources: every file in MANIFEST.sha256\n"
     "is there and matches, and none was added; the copied project gives plan.json again; and\n"
     "each deliverable passes the checks render ran on it, printed one a line.\n",
     run_verify, 1},
    {"analyze", "analyze [--album] [--json] FILE...",
     "Measure audio files, one row a file: integrated loudness, loudness range, max momentary\n"
     "and short-term loudness (read every 10 ms), sample peak, true peak (premaster's 8x meter\n"
     "and libebur128's), PLR, DC offset, stereo correlation (whole band, and its minimum below\n"
     "300 Hz over 400 ms windows), clipped samples, duration, rate and format.\n"
     "  --album    also the files taken together, as one album\n"
     "  --json     print the figures as JSON\n",
     run_analyze, 1},
    {"ddp", "ddp info|verify [--json] DIR, ddp extract [--force] DIR OUT",
     "Read a DDP 1.x/2.00 audio-CD fileset, made by premaster or by another tool (file names\n"
     "from DDPMS, zero- or space-padded numbers, one or two lead-out entries).\n"
     "  info DIR      print the map packets, every PQ entry (track, index, time as MSF and as\n"
     "                CD frames, ISRC, flags), the tracks, UPC/EAN, length, CD-TEXT and the\n"
     "                checksum files; --json as one JSON object\n"
     "  verify DIR    check the structure (files and sizes against DDPMS, whole 2352-byte\n"
     "                sectors), PQ order and ranges, the Red Book rules (1-99 tracks, indexes\n"
     "                going up, tracks of 4 s or more, 2 s before track 1, at most 79:57:74),\n"
     "                UPC/EAN and ISRC, and every MD5 or CRC-32 in the checksum files beside\n"
     "                it; exit 1 naming each fault with its file and field\n"
     "  extract DIR OUT  write each track as OUT/trackNN.wav (44.1 kHz, 16-bit), from its\n"
     "                index 01 to the next track's index 01, and OUT/tracks.cue over them;\n"
     "                OUT is created, or must be empty unless --force is given\n",
     run_ddp, 1},
    {"demo", "demo [--force] DIR",
     "Write a demo project using every kind of deliverable, with its audio synthesised\n"
     "deterministically at 96 kHz/24-bit, into DIR (created when missing). Refuses to overwrite\n"
     "an earlier demo without --force.\n",
     run_demo, 1},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fprintf(out, "Usage: %s COMMAND [OPTIONS] ARGS...\n"
                 "Turn final mixes into verified release deliverables: DDP and cue/TOC for CD,\n"
                 "cutting masters for vinyl, loudness-normalised files for streaming.\n\n"
                 "Commands:\n", program);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %s %s%s\n", program, commands[i].synopsis,
                commands[i].available ? "" : "   (not in this version yet)");
    fprintf(out, "\nOptions for every command: --help, -q/--quiet, -v/--verbose, --json.\n"
                 "  %s --version   print the version\n\n"
                 "Exit status: 0 all good; 1 the project or a deliverable failed a check;\n"
                 "2 usage; 3 the machine failed (cannot write, disk full, out of memory).\n"
                 "The project format: doc/project-format.md and premaster(1).\n", program);
}

static int parse_options(const command *cmd, int argc, char **argv, options *opts)
{
    int no_more_options = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!no_more_options && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--") == 0)
                no_more_options = 1;
            else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                opts->help = 1;
            else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
                opts->quiet = 1;
            else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
                opts->verbose = 1;
            else if (strcmp(a, "--json") == 0)
                opts->json = 1;
            else if (strcmp(a, "--album") == 0 && strcmp(cmd->name, "analyze") == 0)
                opts->album = 1;
            else if (strcmp(a, "--force") == 0 &&
                     (strcmp(cmd->name, "demo") == 0 || strcmp(cmd->name, "ddp") == 0))
                opts->force = 1;
            else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) &&
                     strcmp(cmd->name, "render") == 0) {
                if (++i >= argc)
                    return usage_error(cmd->name, "%s needs a folder", a);
                opts->output = argv[i];
            } else if (strcmp(a, "-j") == 0 && strcmp(cmd->name, "render") == 0) {
                if (++i >= argc)
                    return usage_error(cmd->name, "%s needs a number of threads", a);
                opts->jobs = argv[i];
            } else
                return usage_error(cmd->name, "unknown option '%s'", a);
        } else {
            if (opts->arg_count == (int)(sizeof opts->args / sizeof opts->args[0]))
                return usage_error(cmd->name, "too many arguments, at '%s'", a);
            opts->args[opts->arg_count++] = a;
        }
    }
    return EXIT_GOOD;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return EXIT_GOOD;
    }
    if (strcmp(name, "--version") == 0) {
        printf("premaster %s\n", pm_version());
        return EXIT_GOOD;
    }
    const command *cmd = NULL;
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            cmd = &commands[i];
    if (!cmd)
        return usage_error(NULL, "'%s' is not a command", name);
    options opts;
    memset(&opts, 0, sizeof opts);
    int code = parse_options(cmd, argc - 2, argv + 2, &opts);
    if (code != EXIT_GOOD)
        return code;
    if (opts.help) {
        printf("Usage: %s %s\n%s%s", program, cmd->synopsis, cmd->help,
               cmd->available ? "" : "Not available in this version yet: it exits with status 2.\n");
        return EXIT_GOOD;
    }
    pm_diag *diag = pm_diag_new();
    if (!diag) {
        fprintf(stderr, "%s: out of memory\n", program);
        return EXIT_MACHINE;
    }
    code = cmd->run(cmd->name, &opts, diag);
    pm_diag_free(diag);
    return code;
}
