/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading audio files through libsndfile in blocks of planar doubles: every format and sample
 * type libsndfile reads, at its own rate and channel count. Used for sources and for analysis.
 */
#ifndef PM_AUDIOFILE_H
#define PM_AUDIOFILE_H

#include <sndfile.h>
#include <stddef.h>
#include <stdint.h>

#include "premaster.h"

typedef struct pm_audiofile pm_audiofile;

/*
 * Open path for reading in blocks of up to max_block_frames. On failure returns PM_ERR_IO (the
 * file cannot be opened: missing, unreadable, not audio) or PM_ERR_NOMEM, and writes the reason
 * (libsndfile's or the system's words) into why.
 */
pm_status pm_audiofile_open(const char *path, size_t max_block_frames, pm_audiofile **out,
                            char *why, size_t why_size) PM_WARN_UNUSED;
void pm_audiofile_close(pm_audiofile *file);

/* The file's rate, channels and length in frames, as libsndfile reports them. */
const SF_INFO *pm_audiofile_info(const pm_audiofile *file);

/*
 * Read up to `frames` (at most max_block_frames) frames into planar[c] for every channel of the
 * file. Returns the frames read: fewer than asked only at the end of the file, or on a read
 * error, which pm_audiofile_failed() then reports.
 */
size_t pm_audiofile_read(pm_audiofile *file, double *const *planar, size_t frames);
/* Continue reading at frame (0-based); 1 when done, 0 when the file cannot seek there. */
int pm_audiofile_seek(pm_audiofile *file, int64_t frame);
int pm_audiofile_failed(const pm_audiofile *file);

/* "WAV, Signed 24 bit PCM": the container and the sample type, for messages and reports. */
void pm_audiofile_describe(const SF_INFO *info, char *out, size_t size);

#endif
