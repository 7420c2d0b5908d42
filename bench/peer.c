/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The peer: what an engineer would script today for the same two deliverables (DESIGN.md
 * "Figures to meet"):
 *
 *   sox 01.wav 02.wav ... -b 16 cd.wav rate -v 44100 dither -s
 *   ffmpeg -f concat -i list.txt -af loudnorm=I=-14:TP=-1:LRA=50:print_format=json -f null -
 *   ffmpeg -f concat -i list.txt -af loudnorm=I=-14:TP=-1:LRA=50:measured_I=...:...:linear=true
 *          -ar 48000 -c:a flac -sample_fmt s32 stream.flac
 *
 * sox concatenates its inputs, converts the rate at very high quality and dithers with noise
 * shaping to 16 bits. ffmpeg's loudnorm measures the album in its first pass and applies one
 * gain in its second (linear=true) - unless that gain would take the true peak over the
 * ceiling, when it falls back to its dynamic mode; the second pass's report says which it used.
 * LRA=50 keeps loudnorm from compressing the album's loudness range, as our album gain does not.
 * loudnorm works at 192 kHz, hence -ar 48000; s32 is ffmpeg's way to 24-bit FLAC.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fsutil.h"

const char *bench_peer_missing(void)
{
    int sox = bench_on_path("sox"), ffmpeg = bench_on_path("ffmpeg");
    if (sox && ffmpeg)
        return NULL;
    if (!sox && !ffmpeg)
        return "sox and ffmpeg are not installed (Debian: sox ffmpeg): the peer is skipped";
    return sox ? "ffmpeg is not installed (Debian: ffmpeg): the peer is skipped"
               : "sox is not installed (Debian: sox): the peer is skipped";
}

const char *bench_peer_step_name(bench_peer_step step)
{
    switch (step) {
    case BENCH_PEER_SOX: return "sox: rate 44.1k + shaped dither 16-bit";
    case BENCH_PEER_LOUDNORM_1: return "ffmpeg loudnorm pass 1 (measure)";
    case BENCH_PEER_LOUDNORM_2: return "ffmpeg loudnorm pass 2 + FLAC 24";
    case BENCH_PEER_PARALLEL: return "script, sox beside ffmpeg";
    case BENCH_PEER_STEPS: break;
    }
    return "?";
}

static void out_path(const bench_peer *peer, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", peer->out, name);
}

static pid_t start_sox(const bench_peer *peer)
{
    const bench_album *a = peer->album;
    size_t n = a->track_count;
    char **argv = calloc(n + 12, sizeof *argv);
    char (*paths)[BENCH_PATH + 16] = calloc(n ? n : 1, sizeof *paths);
    char out[BENCH_PATH + 16];
    pid_t pid = -1;
    if (argv && paths) {
        size_t k = 0;
        argv[k++] = "sox";
        for (size_t i = 0; i < n; i++) {
            bench_track_path(a, i, paths[i], sizeof paths[i]);
            argv[k++] = paths[i];
        }
        out_path(peer, "cd.wav", out, sizeof out);
        char *tail[] = {"-b", "16", out, "rate", "-v", "44100", "dither", "-s", NULL};
        memcpy(&argv[k], tail, sizeof tail);
        pid = bench_spawn(argv, NULL);
    }
    free(argv);
    free(paths);
    return pid;
}

/* The concat demuxer's list of the album's tracks, quoted as it wants. */
static int write_list(const bench_peer *peer, char *list, size_t size)
{
    out_path(peer, "list.txt", list, size);
    FILE *f = fopen(list, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < peer->album->track_count; i++) {
        char path[BENCH_PATH + 16];
        bench_track_path(peer->album, i, path, sizeof path);
        fputs("file '", f);
        for (const char *c = path; *c; c++)
            if (*c == '\'')
                fputs("'\\''", f);
            else
                fputc(*c, f);
        fputs("'\n", f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int run_loudnorm_1(const bench_peer *peer)
{
    char list[BENCH_PATH + 16], report[BENCH_PATH + 16];
    if (write_list(peer, list, sizeof list) != 0)
        return -1;
    out_path(peer, "pass1.txt", report, sizeof report);
    char *argv[] = {"ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-f", "concat", "-safe",
                    "0", "-i", list, "-af",
                    "loudnorm=I=-14:TP=-1:LRA=50:print_format=json", "-f", "null", "-", NULL};
    return bench_wait(bench_spawn(argv, report));
}

/* The string value of "key" in the last JSON object loudnorm printed into text. */
static int json_field(const char *text, const char *key, char *out, size_t size)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *at = NULL;
    for (const char *p = strstr(text, quoted); p; p = strstr(p + 1, quoted))
        at = p;
    if (!at || !(at = strchr(at + strlen(quoted), '"')))
        return -1;
    size_t n = strcspn(at + 1, "\"");
    if (n + 1 > size)
        return -1;
    memcpy(out, at + 1, n);
    out[n] = '\0';
    return 0;
}

static int run_loudnorm_2(const bench_peer *peer, char *note, size_t size)
{
    char list[BENCH_PATH + 16], report[BENCH_PATH + 16], flac[BENCH_PATH + 16];
    out_path(peer, "list.txt", list, sizeof list);
    out_path(peer, "pass1.txt", report, sizeof report);
    out_path(peer, "stream.flac", flac, sizeof flac);
    char *text = NULL;
    size_t length;
    if (pm_read_file(report, &text, &length) != PM_OK) {
        snprintf(note, size, "no report from loudnorm's first pass");
        return -1;
    }
    static const char *const keys[5] = {"input_i", "input_tp", "input_lra", "input_thresh",
                                        "target_offset"};
    char value[5][32];
    int missing = 0;
    for (int k = 0; k < 5; k++)
        missing |= json_field(text, keys[k], value[k], sizeof value[k]);
    free(text);
    if (missing) {
        snprintf(note, size, "loudnorm's first pass did not report its measurements");
        return -1;
    }
    char filter[512];
    snprintf(filter, sizeof filter,
             "loudnorm=I=-14:TP=-1:LRA=50:measured_I=%s:measured_TP=%s:measured_LRA=%s:"
             "measured_thresh=%s:offset=%s:linear=true:print_format=json",
             value[0], value[1], value[2], value[3], value[4]);
    out_path(peer, "pass2.txt", report, sizeof report);
    char *argv[] = {"ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-y", "-f", "concat",
                    "-safe", "0", "-i", list, "-af", filter, "-ar", "48000", "-c:a", "flac",
                    "-sample_fmt", "s32", flac, NULL};
    int status = bench_wait(bench_spawn(argv, report));
    if (status != 0) {
        snprintf(note, size, "ffmpeg's second pass failed (status %d); see %s", status, report);
        return -1;
    }
    char out_i[32] = "?", out_tp[32] = "?", type[32] = "?";
    if (pm_read_file(report, &text, &length) == PM_OK) {
        (void)json_field(text, "output_i", out_i, sizeof out_i);
        (void)json_field(text, "output_tp", out_tp, sizeof out_tp);
        (void)json_field(text, "normalization_type", type, sizeof type);
        free(text);
    }
    snprintf(note, size, "loudnorm: input %s LUFS %s dBTP; output %s LUFS %s dBTP by its own "
             "meter, %s mode", value[0], value[1], out_i, out_tp, type);
    return 0;
}

int bench_peer_case(void *arg, char *note, size_t size)
{
    const bench_peer *peer = arg;
    int status = 0;
    pid_t sox = -1;
    switch (peer->step) {
    case BENCH_PEER_SOX:
        status = bench_wait(start_sox(peer));
        if (status != 0)
            snprintf(note, size, "sox failed (status %d)", status);
        return status;
    case BENCH_PEER_LOUDNORM_1:
        status = run_loudnorm_1(peer);
        if (status != 0)
            snprintf(note, size, "ffmpeg's first pass failed (status %d)", status);
        return status;
    case BENCH_PEER_LOUDNORM_2:
        return run_loudnorm_2(peer, note, size);
    case BENCH_PEER_PARALLEL:
        /* the CD on one core while ffmpeg's two passes run on another */
        sox = start_sox(peer);
        status = run_loudnorm_1(peer);
        if (status != 0)
            snprintf(note, size, "ffmpeg's first pass failed (status %d)", status);
        else
            status = run_loudnorm_2(peer, note, size);
        if (bench_wait(sox) != 0 && status == 0) {
            snprintf(note, size, "sox failed");
            status = -1;
        }
        return status;
    case BENCH_PEER_STEPS: break;
    }
    return -1;
}
