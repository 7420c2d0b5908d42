/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The streaming deliverable (DESIGN.md "Deliverables", "Verification: Streaming"; PROJECT-FORMAT.md
 * <streaming>): for every <streaming> target, a folder out/streaming/<name>/ of files
 * "NN Title.ext", one per track (the hidden track first, or none, as the project says), in each
 * format asked for, loudness-normalised, true-peak limited and tagged.
 *
 * Targets (target.h): each <streaming> gives one target for its lossless formats (wav and flac
 * share one stream at `rate` and `bits`), and one target per lossy format (mp3 at 44.1 or
 * 48 kHz, opus at 48 kHz, ogg Vorbis by the mp3 rule), fed with floats. A lossy target with the
 * codec check decodes what it encoded after every pass; the closed loop lowers that format's
 * own ceiling by what the codec added (pm_target_writer.decoded). The segments of every target
 * are the files' spans, and each file's true peak, measured alone as a store measures it, is
 * held to the ceiling (pm_target_config.segments_alone).
 *
 * Files: each file runs from its track's start to the next track's start on the timeline
 * (plan.h file_start, file_end), converted to the target's rate by the rule of target.c; the
 * writer cuts the one stream there, so that the files played back to back are the stream from
 * the first file's start, sample for sample. The album's loudness and peak are measured from
 * there (pm_target_config.delivered_from), and whatever comes before (track 1's pause, an
 * omitted hidden track) is muted before the limiter, so that nothing undelivered moves the
 * limiter's gain at the first file's start.
 *
 * Proof of the split: the writer hashes (SHA-256) the samples it gives the lossless files, as
 * the files hold them (16 and 24 bit: signed 32-bit left-justified words; 32 bit: IEEE floats;
 * little-endian, left then right), and records the digest in streaming/<name>.samples.sha256
 * and report.json; verify decodes the joined files of each lossless format and hashes them the
 * same way.
 *
 * The files in this folder:
 *   streaming.c        the format table, the targets and their writers
 *   streaming_write.c  file names, opening each format through libsndfile, the Ogg serial
 *                      numbers, decoding a file back for the codec check
 *   streaming_check.c  verify (from disk), finish and the report
 *   streaming_preview.c  the normalisation preview of every platform preset
 */
#ifndef PM_STREAMING_H
#define PM_STREAMING_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/meter.h"
#include "format.h"
#include "sha256.h"
#include "tags.h"

extern const pm_format_ops pm_streaming_format;

/* The formats of PROJECT-FORMAT.md, in the order of the PM_FORMAT_* bits. */
#define PM_STREAMING_CODECS 5
typedef struct pm_streaming_codec {
    unsigned bit;     /* PM_FORMAT_WAV ... */
    const char *name; /* "wav", as in formats="..." */
    const char *ext;  /* the file name's extension */
    int lossy;
    double usual_overshoot_db; /* lossy: pm_target_config.codec_overshoot_db (streaming_write.c) */
} pm_streaming_codec;
extern const pm_streaming_codec pm_streaming_codecs[PM_STREAMING_CODECS];
/* The entry of one PM_FORMAT_* bit (the first entry for anything else). */
const pm_streaming_codec *pm_streaming_codec_of(unsigned bit);

/* Peaks are compared with the ceiling after the file's own rounding: a 16-bit word is within
 * 2^-15 of the sample the meter measured, and the meter's own rounding is far under this. */
#define PM_STREAMING_PEAK_TOLERANCE_DB 0.001

/* Files read back: each decoded and measured alone and joined, and hashed. */
typedef struct pm_streaming_read {
    size_t files;
    int *opened;    /* libsndfile opened it */
    int *format_ok; /* at the rate, 2 channels, of the subformat asked for, decoded to its end */
    int64_t *frames;
    pm_meter_result whole, *each; /* the files joined, and each alone: integrated loudness
                                     and true peak at 8x only (lean meters, segmeter.h); the
                                     other figures are NAN */
    char digest[65]; /* the joined samples' SHA-256, as pm_streaming_hash_samples hashes (lossless
                        files only: for lossy ones, the digest of nothing) */
} pm_streaming_read;

/* One file of one format. */
typedef struct pm_streaming_file {
    char name[512];              /* "01 Title.flac" */
    char path[4096], temp[4096]; /* in the target's folder */
    size_t item;                 /* the plan item */
    int64_t start, end;          /* its span of the target's stream (target-rate frames) */
    void *sf;                    /* SNDFILE * while a pass writes it */
    int64_t written;
    int closed;                                      /* the pass finished it */
    double kept_lufs, kept_peak_dbtp, kept_added_db; /* on the kept pass; added: by the codec */
} pm_streaming_file;

/* One target and its writer: the lossless formats of a <streaming>, or one lossy format. */
typedef struct pm_streaming_out {
    struct pm_format_stage *owner;
    size_t target;    /* the <streaming>: index in p->streaming */
    unsigned formats; /* PM_FORMAT_* bits written by this target */
    int lossy;
    long rate;
    int bits;          /* 16, 24 or 32 (float) */
    char name[160];    /* "streaming spotify", "streaming spotify mp3" */
    char folder[4096]; /* the <streaming>'s folder */
    pm_target_config cfg;
    pm_target_segment *segments; /* the files' spans on the timeline */
    size_t file_count;           /* files per format */
    size_t format_count;
    pm_streaming_file *files;           /* format-major: files[k * file_count + i] */
    const char **temps;                 /* the first format's files' temporary paths, in order */
    int64_t *joined_start, *joined_end; /* each file's span in the files joined */
    pm_streaming_read read; /* the files of the last pass read back (the first format's) */
    double kept_album_lufs, kept_album_peak_dbtp; /* the kept files joined, as decoded */
    int64_t position;                             /* frames written in this pass */
    int64_t mute_end; /* frames before the first file, muted (target rate) */
    float *floats;    /* interleaving buffer for the float path */
    pm_sha256 hash;
    char hash_hex[65]; /* the kept pass's digest (lossless) */
    int failed;
    const char *error_file; /* what failed on the target's thread (a file's path), */
    char error[300];        /* and why: reported by end */
} pm_streaming_out;

struct pm_format_stage {
    const pm_project *p;
    char dir[4096]; /* out/streaming */
    pm_streaming_out *outs;
    size_t out_count;
    pm_target_config *configs; /* out_count of them, for render */
    pm_artwork art;            /* the album's picture for the tags, when has_art */
    int has_art;
    int threads;               /* the render's -j: reading back may use two */
};

/* ---- streaming_write.c --------------------------------------------------------------------- */

/* "NN Title.ext" of plan item i into out (size bytes): the file number of plan.h and the title
 * with the characters common file systems refuse or misread (/ \ : * ? " < > | and controls)
 * replaced by '_', no leading or trailing dot or space, cut at a whole UTF-8 character. */
void pm_streaming_file_name(const pm_project *p, size_t item, const char *ext, char *out,
                            size_t size);

/* The rate a lossy codec is written at, for a target whose wav and flac are at rate: mp3 and
 * Vorbis at rate when it is 44.1 or 48 kHz, else 48 kHz for a multiple of 48 kHz, else 44.1;
 * opus always at 48 kHz (libsndfile refuses Opus at 44.1 kHz). */
long pm_streaming_lossy_rate(unsigned codec, long rate);

/* libsndfile's format for codec at bits (16, 24 or 32; ignored for the lossy codecs). */
int pm_streaming_sf_format(unsigned codec, int bits);

/* Open path for writing codec at rate, bits, with the encoder settings of the project
 * (mp3: 320 kbps CBR, or VBR V0 with mp3="vbr"). Returns the SNDFILE * or NULL with the reason
 * in why. */
void *pm_streaming_open_write(const char *path, unsigned codec, long rate, int bits, int mp3_vbr,
                              char *why, size_t why_size);

/* libsndfile numbers an Ogg stream with a random serial number; rewrite every page of the file
 * at path with serial (and its CRC), so that the same project gives the same bytes. PM_ERR_IO. */
pm_status pm_streaming_ogg_serial(const char *path, uint32_t serial, char *why,
                                  size_t why_size) PM_WARN_UNUSED;

/* Read the n files at paths in order (start/end: each one's planned span in the files joined)
 * into r (the caller finishes it with pm_streaming_read_fini): bits 16 or 24 read as those
 * words, anything else as floats. A file that cannot be opened is left out (opened 0).
 * The meters run on a second thread when threads > 1. PM_ERR_NOMEM; PM_ERR_INTERNAL when the
 * meter refuses. */
pm_status pm_streaming_read_files(const char *const *paths, size_t n, const int64_t *start,
                                  const int64_t *end, long rate, int subformat, int bits,
                                  int threads, pm_streaming_read *r) PM_WARN_UNUSED;
void pm_streaming_read_fini(pm_streaming_read *r);

/* The larger channel's true peak of r, in dBTP. */
double pm_streaming_peak_dbtp(const pm_meter_result *r);

/* What a file's loudness tags say: the file alone, and the album (the files joined; its peak
 * the largest of theirs, ReplayGain's album peak), as the files decode. */
typedef struct pm_streaming_loudness {
    double track_lufs, track_peak_dbtp, album_lufs, album_peak_dbtp;
} pm_streaming_loudness;

/* The loudness of file number `file` (0-based) of r. */
void pm_streaming_loudness_of(const pm_streaming_read *r, size_t file, pm_streaming_loudness *l);

/* The tags of the file of plan item `item` in a target of `total` files, from the project and
 * l. art may be NULL. Borrows from p, art and l. */
void pm_streaming_tag_set(const pm_project *p, size_t item, int total, const pm_artwork *art,
                          const pm_streaming_loudness *l, pm_tag_set *t);

/* Hash samples interleaved values, either ints (the left-justified words of 16 and 24 bit) or
 * floats, as little-endian 32-bit words: the digest of streaming.h's proof of the split. */
void pm_streaming_hash_samples(pm_sha256 *hash, const int32_t *ints, const float *floats,
                               size_t samples);

/* ---- streaming_check.c --------------------------------------------------------------------- */

pm_status pm_streaming_verify(const pm_project *p, const char *dir, pm_format_check *checks,
                              size_t max_checks, size_t *check_count, pm_diag *diag) PM_WARN_UNUSED;
/* The same on at most threads threads (render's -j). */
pm_status pm_streaming_verify_on(const pm_project *p, const char *dir, int threads,
                                 pm_format_check *checks, size_t max_checks, size_t *check_count,
                                 pm_diag *diag) PM_WARN_UNUSED;
pm_status pm_streaming_finish(struct pm_format_stage *stage, const pm_target_result *results,
                              pm_strbuf *report, pm_format_check *checks, size_t max_checks,
                              size_t *check_count, pm_diag *diag) PM_WARN_UNUSED;

/* ---- streaming_preview.c ------------------------------------------------------------------- */

/* The gain in dB a platform's player applies to a stream of integrated loudness lufs and true
 * peak peak_dbtp: down to its loudness, up only where it turns quiet masters up, and there
 * only until the peak reaches its limit when it has one; 0 without a loudness. */
double pm_streaming_platform_gain(const pm_preset *platform, double lufs, double peak_dbtp);

/* The preview of <streaming> number target for every preset: a "preview": [...] member into
 * json (each platform's album gain and resulting peak, and each file's in track mode), and one
 * note per platform in diag. From the kept files' figures (kept_lufs, kept_album_lufs ...). */
void pm_streaming_preview(const struct pm_format_stage *st, size_t target, pm_strbuf *json,
                          pm_diag *diag);

#endif
