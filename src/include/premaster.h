/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * premaster - the public interface of the premaster library.
 *
 * This is the only header the command-line program includes. The library never prints and
 * never exits: every problem is returned as a status and, where the caller passes one, recorded
 * in a pm_diag with the file, line and element it concerns.
 *
 * Ownership: the caller owns every object it creates with a _new or _load call and frees it with
 * the matching _free; every _free accepts NULL. Getters return borrowed pointers that stay valid
 * until the object they came from is freed.
 */
#ifndef PREMASTER_H
#define PREMASTER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PM_WARN_UNUSED __attribute__((warn_unused_result))
#define PM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PM_WARN_UNUSED
#define PM_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------------------------------
 * Statuses. 0 is success; every failure is negative.
 */
typedef enum pm_status {
    PM_OK = 0,
    PM_ERR_INVALID = -1,     /* the project or an input broke a rule; details in the pm_diag */
    PM_ERR_IO = -2,          /* a file could not be read or written */
    PM_ERR_NOMEM = -3,       /* an allocation failed */
    PM_ERR_USAGE = -4,       /* a call was made with arguments that make no sense */
    PM_ERR_UNSUPPORTED = -5, /* this build does not offer what was asked */
    PM_ERR_EXISTS = -6,      /* the target exists and overwriting was not allowed */
    PM_ERR_INTERNAL = -7,    /* a bug in premaster: an invariant did not hold */
    PM_ERR_INTERRUPTED = -8  /* pm_interrupt() stopped the work */
} pm_status;

/* A one-line English description of a status. Never NULL; static storage. */
const char *pm_strerror(pm_status status);

/* The library's version string, "MAJOR.MINOR.PATCH". Static storage. */
const char *pm_version(void);

/* ---------------------------------------------------------------------------------------------
 * Diagnostics: an ordered list of errors, warnings and notes, each tied to a place.
 *
 * Validation collects every problem it finds, not only the first. A pm_diag may be shared by
 * several calls; entries accumulate in the order they were found.
 */
typedef enum pm_severity {
    PM_SEV_NOTE = 0,    /* information: a mark moved onto the CD frame grid, a default used */
    PM_SEV_WARNING = 1, /* legal, but a professional would want to know */
    PM_SEV_ERROR = 2    /* breaks a rule: nothing is rendered */
} pm_severity;

typedef struct pm_diag_entry {
    pm_severity severity;
    const char *file; /* the file concerned, or NULL */
    int line;         /* 1-based line in that file, or 0 when not known */
    int column;       /* 1-based column, or 0 when not known */
    const char *path; /* the element path, "/premaster/tracks/track[2]", or NULL */
    const char *message;
} pm_diag_entry;

typedef struct pm_diag pm_diag;

pm_diag *pm_diag_new(void);
void pm_diag_free(pm_diag *diag);
/* Number of entries, and of entries at the given severity. */
size_t pm_diag_count(const pm_diag *diag);
size_t pm_diag_count_severity(const pm_diag *diag, pm_severity severity);
/* Entry i (0 <= i < count), borrowed until the diag is freed. */
const pm_diag_entry *pm_diag_get(const pm_diag *diag, size_t i);
/* Whether some entry is an error at this file and line. */
int pm_diag_has_error_at(const pm_diag *diag, const char *file, int line);
/*
 * Append an entry. file, path may be NULL; the strings are copied. Returns PM_ERR_NOMEM when the
 * entry could not be stored (the diag stays usable). A NULL diag is accepted and ignored.
 */
pm_status pm_diag_add(pm_diag *diag, pm_severity severity, const char *file, int line,
                      const char *path, const char *fmt, ...) PM_PRINTF(6, 7);
/* The same with the arguments as a va_list: for the message helpers of the modules. */
pm_status pm_diag_vadd(pm_diag *diag, pm_severity severity, const char *file, int line,
                       const char *path, const char *fmt, va_list args) PM_PRINTF(6, 0);
/*
 * Format an entry as "FILE:LINE: error: MESSAGE" (the GNU convention editors jump to).
 * Returns a string the caller frees with free(), or NULL when out of memory.
 */
char *pm_diag_format(const pm_diag_entry *entry);
/* The word for a severity: "error", "warning", "note". */
const char *pm_severity_name(pm_severity severity);

/* ---------------------------------------------------------------------------------------------
 * Projects: the XML file of PROJECT-FORMAT.md, parsed and checked.
 */
typedef struct pm_project pm_project;

/*
 * Parse the project at path, validate it against the RELAX NG schema and every semantic rule,
 * and open each source to learn its rate and length. Every problem found goes into diag.
 *
 * Returns PM_OK and sets *out when the project has no error (it may have warnings);
 * PM_ERR_INVALID when it has errors (then *out is still set where the file could be parsed at all,
 * so a caller can show the plan of what was understood; it may be NULL); PM_ERR_IO when the file
 * cannot be read; PM_ERR_NOMEM. The caller frees *out with pm_project_free.
 */
pm_status pm_project_load(const char *path, pm_diag *diag, pm_project **out) PM_WARN_UNUSED;
void pm_project_free(pm_project *project);

/* The RELAX NG schema of the project format, version 1: a NUL-terminated UTF-8 string. */
const char *pm_project_schema(void);

/* ---------------------------------------------------------------------------------------------
 * The plan: every track, gap, fade and mark resolved to exact samples at the working rate, with
 * the CD marks on the 1/75 s grid and the vinyl sides. The plan belongs to its project.
 */
typedef struct pm_plan pm_plan;

/* The plan of a loaded project, or NULL when the project had errors that prevent planning. */
const pm_plan *pm_project_plan(const pm_project *project);

/*
 * The plan as human-readable text (what `premaster check` prints) or as JSON (what --json prints
 * and what render saves as plan.json). Returns a NUL-terminated string the caller frees with
 * free(), or NULL when out of memory.
 */
char *pm_plan_to_text(const pm_project *project);
char *pm_plan_to_json(const pm_project *project);

/* Diagnostics as a JSON array, for --json output. The caller frees the result with free(). */
char *pm_diag_to_json(const pm_diag *diag);

/* ---------------------------------------------------------------------------------------------
 * The demo: a project using all three kinds of deliverable, with its audio synthesised
 * deterministically (96 kHz, 24-bit), written into dir.
 *
 * Creates dir when it does not exist. Refuses with PM_ERR_EXISTS when the project file or any of
 * the audio files is already there, unless force is non-zero. On success *project_path (when not
 * NULL) receives the path of the written project file, which the caller frees with free().
 */
pm_status pm_demo_write(const char *dir, int force, pm_diag *diag,
                        char **project_path) PM_WARN_UNUSED;

/* ---------------------------------------------------------------------------------------------
 * Analysis (`premaster analyze`): per file, integrated loudness, loudness range, max momentary
 * and short-term loudness (read every 10 ms), sample peak, true peak (our 8x meter and
 * libebur128's), PLR, DC offset, stereo correlation (whole band, and its minimum below 300 Hz
 * over 400 ms windows), clipped samples, duration, rate and format; with album set, the same
 * for the files taken together.
 */
typedef struct pm_analysis pm_analysis;

/*
 * Analyse count files. A file that cannot be read is an error in diag naming it, and the others
 * are still analysed. Returns PM_OK when every file was analysed, PM_ERR_INVALID when some could
 * not be (then *out holds the others, or is NULL when none could), PM_ERR_NOMEM. The caller frees
 * *out with pm_analysis_free().
 */
pm_status pm_analyze_files(const char *const *paths, size_t count, int album, pm_diag *diag,
                           pm_analysis **out) PM_WARN_UNUSED;
void pm_analysis_free(pm_analysis *analysis);

/* The figures as a table (one row a file, then the album) or as JSON; the caller frees the
 * string with free(); NULL when out of memory. */
char *pm_analysis_to_text(const pm_analysis *analysis);
char *pm_analysis_to_json(const pm_analysis *analysis);

/* ---------------------------------------------------------------------------------------------
 * Rendering (`premaster render`, `premaster verify`).
 */

/* Progress: what is being done and how far it is, 0 to 1. A render's stages, in order:
 * "analysis" (the mastered stream measured), "probe" (what the limiters will take off the
 * loudness), "pass 1" and on (the targets rendered, each pass over the whole stream) and
 * "verifying" (what is left of the files' verification from disk once the passes are done);
 * only those the project needs. Called on the caller's thread. */
typedef void (*pm_progress_fn)(void *context, const char *stage, double fraction);
/* One verification of a deliverable that render or verify ran: what it proves ("vinyl/X_A_96000_
 * 24.wav: 3 cue markers, on the 3 track starts of the sheet") and whether that held; called
 * once per check, in order, on the caller's thread. A failed check is also an error in diag. */
typedef void (*pm_check_fn)(void *context, const char *what, int ok);

/*
 * Render the project at project_path into out_dir: master it, write every deliverable and the
 * copied project, plan.json, report.json and MANIFEST.sha256, read it all back and verify it.
 * out_dir may be missing, empty or an earlier render (replaced whole); anything else is refused.
 * Nothing appears under out_dir's name until all of it is written and verified.
 * jobs: threads for the target stages (0: one per processor; the output does not depend on it).
 * progress may be NULL. Returns PM_OK; PM_ERR_INVALID (the project has errors; or a target could
 * not be met or a deliverable failed its verification: then the folder is written, and the
 * report and diag say what failed); PM_ERR_EXISTS (out_dir holds something else); PM_ERR_IO;
 * PM_ERR_NOMEM. Every problem is in diag.
 */
pm_status pm_render(const char *project_path, const char *out_dir, int jobs,
                    pm_progress_fn progress, void *progress_context, pm_check_fn check,
                    void *check_context, pm_diag *diag) PM_WARN_UNUSED;

/*
 * Ask a render under way in this process to stop: it stops within a block or two of work,
 * removes everything it wrote (out_dir is left as it was: missing, empty or the earlier render)
 * and returns PM_ERR_INTERRUPTED; diag may then hold errors that the stop itself caused. Safe
 * to call from a signal handler and from any thread: it only sets a flag, which stays set, so
 * a render started after it stops at once. For a program's SIGINT and SIGTERM.
 */
void pm_interrupt(void);

/*
 * Re-prove a render folder (DESIGN.md "Verification"), without the sources: every file listed
 * in MANIFEST.sha256 is there and matches, and no file was added; the copied project and the
 * plan it gives are plan.json, byte for byte; and each format the project asks for runs its
 * verification again on its folder against them (the same checks render ran), each reported
 * to check (may be NULL). PM_OK, or PM_ERR_INVALID with every fault in diag naming its file
 * (and line, in project.xml or plan.json); PM_ERR_NOMEM.
 */
pm_status pm_verify(const char *dir, pm_check_fn check, void *check_context,
                    pm_diag *diag) PM_WARN_UNUSED;

/* ---------------------------------------------------------------------------------------------
 * DDP filesets (`premaster ddp info | verify | extract`): any DDP 1.x/2.00 audio-CD image, made by
 * premaster or by another tool (DDPID, DDPMS, the PQ descriptors, the audio image, CD-TEXT, and
 * the checksum files that travel beside them).
 */
typedef struct pm_ddp pm_ddp;

/*
 * Read the fileset in dir: DDPID, DDPMS, the streams its map packets name (the PQ descriptors
 * and CD-TEXT in full, the audio image's size), and every checksum file beside them. Nothing is
 * checked beyond what parsing needs; pm_ddp_verify applies the rules.
 *
 * Returns PM_OK with *out set; PM_ERR_INVALID when something could not be parsed (each problem
 * is an error in diag naming the file and the field; *out is still set when DDPID and DDPMS
 * could be read at all, holding what was understood, else NULL); PM_ERR_NOMEM. A folder that is
 * missing or holds no DDPID is PM_ERR_INVALID too: it is the user's input that is wrong. The
 * caller frees *out with pm_ddp_free.
 */
pm_status pm_ddp_read(const char *dir, pm_diag *diag, pm_ddp **out) PM_WARN_UNUSED;
void pm_ddp_free(pm_ddp *ddp);

/*
 * What `ddp info` prints: the streams, the UPC/EAN, every PQ entry (track, index, absolute time
 * as MSF and as CD frames, ISRC, flags), the track count and length, the CD-TEXT (its texts, as
 * the decoder of formats/cdtext.h reads them) and the checksum files. As text, or as one JSON
 * object. The caller frees the string with free(); NULL when out of memory.
 */
char *pm_ddp_to_text(const pm_ddp *ddp);
char *pm_ddp_to_json(const pm_ddp *ddp);

/*
 * Check the fileset: structure (the files the map names exist and have the sizes DSL gives;
 * the image is a whole number of 2352-byte sectors), PQ order and ranges, the Red Book rules
 * (1-99 tracks, index numbers going up, tracks at least 4 s, at least 2 s before track 1, the
 * program at most 79:57:74 with a warning past 74:00:00), UPC/EAN and ISRC syntax and check
 * digits, CD-TEXT (CRCs, sequence, size information, its tracks against the PQ's), and every
 * entry of every checksum file (MD5 and CRC-32). Reads every file in full.
 * Returns PM_OK when there is no error (warnings may be in diag), PM_ERR_INVALID with every
 * fault in diag naming its file and field, PM_ERR_IO when a file could not be read, PM_ERR_NOMEM.
 */
pm_status pm_ddp_verify(const pm_ddp *ddp, pm_diag *diag) PM_WARN_UNUSED;

/*
 * Write the tracks of the fileset into out_dir as WAV files (44.1 kHz, 16-bit, stereo): track
 * NN from its index 1 to the next track's index 1 (the last to the lead-out) as trackNN.wav, so
 * that the files joined are the image from track 1's index 1 on, sample for sample; a pause
 * before track 1 longer than the 2 s a burner adds (or a hidden track in it) as track00.wav from
 * 2 s on. Then tracks.cue, a CDRWIN cue sheet over those files (CATALOG, FLAGS, ISRC, every
 * index; with CD-TEXT, the TITLE, PERFORMER and SONGWRITER of its first block and CDTEXTFILE
 * "tracks.cdt", a copy of the packs). Each file is written under a temporary name and renamed
 * when complete. out_dir is created when missing; one holding files is refused with
 * PM_ERR_EXISTS unless force is non-zero. A fileset whose PQ
 * entries cannot be laid out as tracks is refused with PM_ERR_INVALID. PM_ERR_IO, PM_ERR_NOMEM.
 */
pm_status pm_ddp_extract(const pm_ddp *ddp, const char *out_dir, int force,
                         pm_diag *diag) PM_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* PREMASTER_H */
