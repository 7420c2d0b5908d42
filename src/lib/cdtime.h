/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CD time: frames of 1/75 s (Red Book, IEC 60908: 75 frames a second, 588 stereo samples a frame
 * at 44.1 kHz, 2352 bytes a sector). Positions on the working-rate timeline are converted with
 * exact integer arithmetic, so a mark lands on the same frame at any working rate.
 */
#ifndef PM_CDTIME_H
#define PM_CDTIME_H

#include <stdint.h>

#define PM_CD_RATE 44100
#define PM_CD_FRAMES_PER_SEC 75
#define PM_CD_SAMPLES_PER_FRAME 588
#define PM_CD_BYTES_PER_SECTOR 2352
#define PM_CD_PAUSE_MIN_CDF 150          /* 2 s before track 1 */
#define PM_CD_TRACK_MIN_CDF 300          /* 4 s */
#define PM_CD_PROGRAM_WARN_CDF 333000    /* 74:00:00 */
#define PM_CD_PROGRAM_MAX_CDF 359849     /* 79:57:74 */
#define PM_CD_MAX_TRACKS 99
#define PM_CD_MAX_INDEX 99

/* The frame at or before sample position frames at rate (floor). Both non-negative. */
int64_t pm_cdf_floor(int64_t frames, int64_t rate);
/* The frame boundary nearest the position (halves round up). */
int64_t pm_cdf_nearest(int64_t frames, int64_t rate);
/* The first frame boundary at or after the position (ceiling). */
int64_t pm_cdf_ceil(int64_t frames, int64_t rate);
/* The sample position at rate of a frame boundary, rounded to the nearest sample. */
int64_t pm_cdf_to_frames(int64_t cdf, int64_t rate);
/* "MM:SS:FF" (minutes may pass 99 in the text, never on a disc) into buf of at least 16 bytes. */
void pm_cdf_format(int64_t cdf, char *buf, int n);

#endif
