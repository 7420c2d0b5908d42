/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The benchmark's parts (bench/README says how to run it and what it prints):
 *   synth.c    the albums: music-like 48 kHz/24-bit stereo mixes and a project file for each;
 *   measure.c  each measured case in a child process of its own, with its wall time, CPU time
 *              and peak resident memory; the machine's description;
 *   peer.c     the equivalent sox + ffmpeg script of DESIGN.md "Figures to meet";
 *   bench.c    our cases (the engine alone, the CD and streaming targets) and the table.
 * The benchmark is a client of the library like the tests: it may use the internal headers.
 */
#ifndef PM_BENCH_H
#define PM_BENCH_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#define BENCH_PATH 1024
#define BENCH_RATE 48000

/* Set by SIGINT, SIGTERM, SIGHUP or SIGPIPE: finish the current step, clean up, stop. */
extern volatile sig_atomic_t bench_interrupted;

/* An album written by bench_album_write. */
typedef struct bench_album {
    int minutes;
    char dir[BENCH_PATH];           /* its folder: the mixes NN.wav and the project files */
    char project[BENCH_PATH];       /* album.xml: the tracks, the CD and a streaming FLAC target */
    char chain_project[BENCH_PATH]; /* chain.xml: the same with an album chain (EQ, compressor) */
    char full_project[BENCH_PATH];  /* full.xml: CD, vinyl, streaming FLAC + MP3 and WAV */
    size_t track_count;
    double seconds; /* of audio, the tracks end to end (what x realtime is counted against) */
} bench_album;

/*
 * Write an album of `minutes` minutes (a multiple of 10) into root/album-MM: tracks of 3 to 4
 * minutes, deterministic, 48 kHz/24-bit stereo WAV, and its project files. When the folder
 * already holds the album (from an earlier run with --dir), nothing is written again.
 * Returns 0, or -1 with the reason in why.
 */
int bench_album_write(const char *root, int minutes, bench_album *out, char *why, size_t size);
/* The path of track i (0-based) of the album, into out. */
void bench_track_path(const bench_album *album, size_t i, char *out, size_t size);

/* What a measured case cost. */
typedef struct bench_figures {
    double wall_sec;
    double cpu_sec;  /* user + system, of the child and everything it waited for */
    long rss_kib;    /* peak resident set of the child or of the largest process it waited for */
    int failed;      /* the case's status was not 0, or it died */
} bench_figures;

/* A case: runs in the child; returns 0 when it did its work, and may leave a line of text
 * (what it measured, why it failed) in note. */
typedef int (*bench_case_fn)(void *arg, char *note, size_t size);

/* Run fn in a child process of its own and measure it (bench/measure.c). The note comes back
 * from the child. */
void bench_measure(bench_case_fn fn, void *arg, bench_figures *figures, char *note, size_t size);

/* Start argv (argv[0] found on PATH) with stdin and stdout on /dev/null and stderr into
 * stderr_path (NULL: /dev/null); its process id, or -1 when it could not be started. */
pid_t bench_spawn(char *const argv[], const char *stderr_path);
/* Wait for a process bench_spawn started: its exit status, or -1 when it could not be run
 * (127 when it was not found) or died. */
int bench_wait(pid_t pid);

/* Whether a program is found on PATH. */
int bench_on_path(const char *program);

/* The CPU model from /proc/cpuinfo ("unknown" when not found), into out. */
void bench_cpu_model(char *out, size_t size);

/* The load average over the last minute (/proc/loadavg), or -1 when it is not known: on a
 * machine shared with other work, wall times stretch while CPU times hardly move. */
double bench_load_average(void);

/* ---- the peer (peer.c) -------------------------------------------------------------------- */

/* The peer's steps: sox for the CD, ffmpeg's two loudnorm passes for the streaming FLAC, and
 * the whole script with sox beside ffmpeg (the best a script does on two cores or more). */
typedef enum bench_peer_step {
    BENCH_PEER_SOX,
    BENCH_PEER_LOUDNORM_1,
    BENCH_PEER_LOUDNORM_2,
    BENCH_PEER_PARALLEL,
    BENCH_PEER_STEPS
} bench_peer_step;

typedef struct bench_peer {
    const bench_album *album;
    char out[BENCH_PATH]; /* a folder of its own for the outputs and ffmpeg's reports */
    bench_peer_step step;
} bench_peer;

/* NULL when sox and ffmpeg are both on PATH, else the sentence that says what is missing. */
const char *bench_peer_missing(void);
/* What each step is, for the table. */
const char *bench_peer_step_name(bench_peer_step step);
/* A bench_case_fn: run the peer's step (arg: a bench_peer). */
int bench_peer_case(void *arg, char *note, size_t size);

#endif
