/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The vinyl deliverable (DESIGN.md "Deliverables", "Verification: Vinyl"; dsp-notes.md 3.4-3.5):
 * one cutting master per side, out/vinyl/<name>_<side>_<rate>_<bits>.wav, each a continuous WAV
 * with a cue marker at every track start, and cutting-sheet.txt.
 *
 * One target renders the whole timeline once (re-mastering the album per side would cost a pass
 * per side); its writer cuts the stream into the side files by the plan's side spans, which start
 * at each side's first track's audio (PROJECT-FORMAT.md "Gaps, pauses and marks"). The target's
 * extra stages are de-emphasis over emphasised tracks, mono bass, the de-esser, and two probes
 * that measure the stream before and after them, so that the report can say what they fixed.
 *
 * The files in this folder:
 *   vinyl.c         the format table, the stage's layout, the target, its extra stages and its
 *                   writer
 *   vinyl_scan.c    the band meter used on the stream and on the files read back
 *   vinyl_verify.c  the sides read back from disk and proved against the project and the plan:
 *                   the format's verify, which finish runs too
 *   vinyl_sheet.c   finish: cutting-sheet.txt, the warnings and the format's report
 *
 * Loudness: `loudness` is the record's, not each side's (the project's other loudness targets
 * are the album's too, and one gain for the record keeps the level differences between its
 * songs and sides): the sides joined in order, as the files hold them, measure within 0.1 LU of
 * it. The target's loop is judged on that very stream (target.h, whole_is_segments), and verify
 * measures it again on the files.
 */
#ifndef PM_VINYL_H
#define PM_VINYL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/biquad.h"
#include "dsp/meter.h"
#include "format.h"

extern const pm_format_ops pm_vinyl_format;

/* ---- the scan: what the checks measure (vinyl_scan.c) -------------------------------------- */

/* Below 300 Hz, 400 ms windows every 100 ms (DESIGN.md); a window's verdict covers its middle
 * 100 ms, so a stretch is the run of those middles and is reported when longer than 100 ms. */
#define PM_VINYL_LF_CORR_HZ 300.0
#define PM_VINYL_CORR_WINDOW_SEC 0.4
#define PM_VINYL_CORR_HOP_SEC 0.1
#define PM_VINYL_CORR_MIN_STRETCH_SEC 0.1
/* Sibilance: the 4-10 kHz band's RMS in 10 ms windows, the louder channel's (RMS rather than
 * peak: a bright mix's band has a crest of 10-12 dB that is not sibilance). */
#define PM_VINYL_SIB_LOW_HZ 4000.0
#define PM_VINYL_SIB_HIGH_HZ 10000.0
#define PM_VINYL_SIB_WINDOW_SEC 0.01
/* A sibilant moment: the band's RMS over the de-esser's threshold by this margin (the
 * de-esser listens to one octave; the check to all of 4-10 kHz). */
#define PM_VINYL_SIB_MARGIN_DB 6.0
/* Infrasonic: the band below 20 Hz; a warning when its RMS over a side reaches this. */
#define PM_VINYL_INFRA_HZ 20.0
#define PM_VINYL_INFRA_WARN_DBFS -40.0
/* A track in the second half of a side louder or brighter than the tracks of its first half by
 * these margins is a warning: the inner grooves track loud and bright material worst. */
#define PM_VINYL_LATE_LOUD_LU 2.0
#define PM_VINYL_LATE_BRIGHT_DB 3.0
/* The mono-bass promise: the side channel, an octave under the crossover, this far under the
 * input's (or under the absolute floor, for an input with none there). "Under the octave" is
 * measured through a 16th-order Butterworth low-pass there (96 dB per octave), steep enough that
 * the side's energy just above it, which the crossover barely cuts, does not leak into the sum. */
#define PM_VINYL_SIDE_LF_DOWN_DB 24.0
#define PM_VINYL_SIDE_LF_FLOOR_DBFS -100.0
#define PM_VINYL_MAX_STRETCHES 16

typedef struct pm_vinyl_stretch {
    int64_t start, frames; /* in frames of the scanned stream */
    double min_correlation;
} pm_vinyl_stretch;

#define PM_VINYL_SCAN_BLOCK 256 /* frames filtered at a time */

typedef struct pm_vinyl_scan {
    double rate_hz;
    double sib_threshold_db;
    int side_lf; /* measure the side and mid below side_lf_hz */
    /* filters (Butterworth), each with its states per channel */
    /* band: the sibilance band's high-pass sections, then its low-pass's, as one cascade */
    pm_biquad lf[2], band[4], infra[4], mono_lp[8];
    pm_biquad_state lf_s[2][2], band_s[2][4], infra_s[2][4], side_s[8], mid_s[8];
    size_t lf_n, band_n, infra_n, mono_n;
    int64_t position;
    /* correlation windows: sums of the current hop, and the last four */
    int64_t hop, hop_fill;
    double hop_ll, hop_rr, hop_lr;
    double ring[4][3];
    int ring_count;
    int64_t negative_from; /* the first frame of the stretch under way, -1 when none */
    double negative_min;
    double min_correlation; /* NAN when no window had level */
    int64_t min_correlation_at;
    pm_vinyl_stretch stretches[PM_VINYL_MAX_STRETCHES];
    size_t stretch_count; /* all of them; the first PM_VINYL_MAX_STRETCHES are kept */
    double negative_sec;  /* their total length */
    /* sibilance */
    int64_t sib_window, sib_fill;
    double sib_sum[2]; /* the window's sums of squares per channel */
    int sib_over;
    size_t sib_moments;
    double sib_over_sec, sib_loudest_db;
    int64_t sib_loudest_at;
    /* energies: sums of squares over both channels (mid and side: of (L+-R)/2) */
    double energy, band_energy, infra_energy, side_lf_energy, mid_lf_energy;
    /* each filter's output over a block of frames, while pm_vinyl_scan_process runs */
    double work[8][PM_VINYL_SCAN_BLOCK];
} pm_vinyl_scan;

/* A scan at rate_hz; sib_threshold_db is the level of the 4-10 kHz band that counts as a
 * sibilant moment (dBFS RMS: a sine's peak less 3.01 dB); side_lf_hz > 0 also measures the
 * side and mid below it. PM_ERR_INVALID when a band does not fit under the Nyquist frequency. */
pm_status pm_vinyl_scan_init(pm_vinyl_scan *s, double rate_hz, double sib_threshold_db,
                             double side_lf_hz) PM_WARN_UNUSED;
/* The next frames of a stereo stream (planar). */
void pm_vinyl_scan_process(pm_vinyl_scan *s, const double *left, const double *right,
                           size_t frames);
/* Close a stretch still under way at the end of the stream. */
void pm_vinyl_scan_finish(pm_vinyl_scan *s);
/* An energy sum over frames (both channels) as a level in dBFS RMS (a full-scale sine on both
 * channels is -3.01); -HUGE_VAL for none. */
double pm_vinyl_scan_db(double energy, int64_t frames, int channels);

/* ---- the stage's state, shared by vinyl.c and vinyl_sheet.c --------------------------------- */

typedef struct pm_vinyl_side_out {
    char name[256];               /* "<name>_A_96000_24.wav" */
    char path[4096], temp[4096];  /* in the format's folder */
    int64_t start, end;           /* its span of the target's stream (target-rate frames) */
    size_t first, last;           /* plan items on it, inclusive */
    int64_t *track_start, *track_end; /* per item on it, from the file's first sample */
    void *sf;                     /* SNDFILE * while a pass writes */
    int64_t written;
} pm_vinyl_side_out;

/* What the probes measured on the kept pass. */
typedef struct pm_vinyl_probe_figures {
    int valid;
    int64_t frames;
    pm_vinyl_scan before; /* the stream as it came into the vinyl stage (after the rate) */
    int has_deess;
    double deess_active_sec, deess_max_reduction_db;
} pm_vinyl_probe_figures;

struct pm_format_stage {
    const pm_project *p;
    char dir[4096];
    char name[200];
    long rate;
    int bits;
    pm_target_config target;
    pm_vinyl_side_out *sides;
    size_t side_count;
    int64_t position;    /* frames written so far in the pass */
    int64_t *emph_start, *emph_end; /* emphasised spans at the target rate */
    size_t emph_count;
    int pass_failed;
    pm_vinyl_probe_figures current, kept;
    pm_target_segment *side_spans; /* the sides on the working-rate timeline, for the target */
    /* per side: the master's side channel below half the crossover over the side's span,
     * before the vinyl stages (an energy sum, as pm_vinyl_scan's), on the pass under way and
     * on the kept one */
    double *side_lf_current, *side_lf_kept;
};

/* A working-rate timeline position at rate to, by target.c's rule (halves up). */
int64_t pm_vinyl_frames_at(int64_t frames, int64_t from, int64_t to);

/* The stage's layout for p and its plan, writing into (or reading from) dir: the release name,
 * rate, bits, and each side's file, span and track starts. PM_ERR_INVALID (no sides planned,
 * with a message), PM_ERR_IO (the folder's name is too long), PM_ERR_NOMEM. */
pm_status pm_vinyl_stage_new(const pm_project *p, const char *dir, pm_format_stage **out,
                             pm_diag *diag) PM_WARN_UNUSED;
void pm_vinyl_stage_free(pm_format_stage *st);

/* ---- the sides read back (vinyl_verify.c) -------------------------------------------------- */

typedef struct pm_vinyl_side_read {
    int opened;
    int64_t frames;
    int rate, channels;
    uint32_t cue_count;
    int64_t cues[100];
    pm_meter_result whole;
    pm_meter_result *tracks;
    double *track_hf_db; /* the 4-10 kHz band's energy against the whole band's, per track */
    pm_vinyl_scan scan;
} pm_vinyl_side_read;

typedef struct pm_vinyl_reads {
    pm_vinyl_side_read *sides; /* side_count of them */
    size_t count;
    /* with a loudness target: the sides joined in order, as the target's loop measured them */
    double record_lufs;
} pm_vinyl_reads;

/* The master's side channel below half the mono-bass crossover over each side's span, before
 * the vinyl stages: the one figure of the mono-bass check that only the render can measure
 * (verify has no sources), so the cutting sheet carries it, side by side. */
typedef struct pm_vinyl_mono_before {
    const double *energy; /* per side: sums of squares over both channels; 0 for none */
} pm_vinyl_mono_before;

/* Read every side of st back from disk and measure it. A side that cannot be opened is an
 * error in diag and is left with opened = 0 (its checks fail). PM_OK or PM_ERR_NOMEM. */
pm_status pm_vinyl_read_sides(const pm_format_stage *st, pm_vinyl_reads *reads,
                              pm_diag *diag) PM_WARN_UNUSED;
void pm_vinyl_reads_fini(pm_vinyl_reads *reads);

/* Prove the sides (DESIGN.md "Verification: Vinyl") from what was read back, the project, its
 * plan and cutting-sheet.txt on disk: lengths, cue markers, the maximum side length, true
 * peaks, the tracks' cover, the mono-bass promise, the record's loudness, and the sheet itself
 * (every time and figure on it follows from the plan and the files). Each check goes to checks;
 * each failure also to diag, naming the file. PM_OK or PM_ERR_NOMEM. */
pm_status pm_vinyl_prove(const pm_format_stage *st, const pm_vinyl_reads *reads,
                         pm_format_check *checks, size_t max_checks, size_t *check_count,
                         pm_diag *diag) PM_WARN_UNUSED;

/* The format's verify (format.h). */
pm_status pm_vinyl_verify(const pm_project *p, const char *dir, pm_format_check *checks,
                          size_t max_checks, size_t *check_count, pm_diag *diag) PM_WARN_UNUSED;

/* ---- the sheet and finish (vinyl_sheet.c) ---------------------------------------------------- */

/* cutting-sheet.txt's text, from the layout, the sides read back and the master's figure, into
 * *text (the caller frees it). PM_OK or PM_ERR_NOMEM. */
pm_status pm_vinyl_sheet_text(const pm_format_stage *st, const pm_vinyl_reads *reads,
                              const pm_vinyl_mono_before *before, char **text) PM_WARN_UNUSED;
/* The master's level on side i's "Mono bass:" line of a sheet read back, as an energy sum
 * over frames (the side's length): 0 with *energy set, -1 when there is no such line. */
int pm_vinyl_sheet_mono_before(const char *sheet, char letter, int64_t frames, double *energy);
/* frames at rate as mm:ss.sss; seconds as m:ss (the sheet's and the checks' times). */
void pm_vinyl_clock_text(char *out, size_t size, int64_t frames, long rate);
void pm_vinyl_minutes_text(char *out, size_t size, double sec);

pm_status pm_vinyl_finish(pm_format_stage *stage, const pm_target_result *results,
                          pm_strbuf *report, pm_format_check *checks, size_t max_checks,
                          size_t *check_count, pm_diag *diag) PM_WARN_UNUSED;

#endif
