/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Values as the project file writes them (PROJECT-FORMAT.md "Values"). Each parser takes the
 * attribute's text and returns 0 with the value, or -1 when the text is not of its form; the
 * caller turns -1 into a message that quotes the text and names the forms allowed.
 */
#ifndef PM_UNITS_H
#define PM_UNITS_H

#include <stdint.h>

/* What a parsed time was written in; CD frames stay exact at any rate that is a multiple of 75. */
typedef enum pm_time_unit {
    PM_TIME_SECONDS = 0, /* "2", "0.5", "3:27.250", "1:02:03.5", "2s", "30ms" */
    PM_TIME_CD_FRAMES    /* "150f": frames of 1/75 s */
} pm_time_unit;

typedef struct pm_time {
    double seconds;       /* the value in seconds, whatever the unit */
    pm_time_unit unit;
    int64_t cd_frames;    /* the count, when unit is PM_TIME_CD_FRAMES */
} pm_time;

/* The accepted time forms, for messages. */
#define PM_TIME_FORMS "seconds (2, 0.5), m:ss.sss, h:mm:ss.sss, or with a unit (2s, 30ms, 150f)"

/*
 * A time: a non-negative number of seconds, "m:ss[.sss]" or "h:mm:ss[.sss]" with seconds (and
 * minutes, in the hour form) below 60, or a number followed by "s", "ms" or "f" (CD frames,
 * whole numbers only). Surrounding spaces are allowed; nothing else is.
 */
int pm_parse_time(const char *text, pm_time *out);

/*
 * The time as a count of samples at rate: seconds rounded to the nearest sample, CD frames
 * exactly when rate is a multiple of 75 (all the rates premaster accepts are).
 */
int64_t pm_time_to_frames(const pm_time *time, int64_t rate);

/* A finite decimal number, optionally signed, with an optional suffix of unit ("dB", "LUFS",
 * "dBTP", case-insensitive) that must equal unit when given. unit may be NULL for plain numbers. */
int pm_parse_number(const char *text, const char *unit, double *out);

/* A frequency: a number of Hz, "6500", "6500Hz", "6.5k" or "6.5kHz". */
int pm_parse_frequency(const char *text, double *out);

/* A whole number without sign or fraction ("96000", "24"). */
int pm_parse_integer(const char *text, long *out);

/* yes/no, true/false, 1/0 (case-insensitive). */
int pm_parse_bool(const char *text, int *out);

/* A track list "1-3,5": writes each number in order into out (at most max); returns the count,
 * or -1 when the text is not of that form or a range runs backwards. */
int pm_parse_track_list(const char *text, int *out, int max);

/* seconds as "m:ss.sss" (or "h:mm:ss.sss" from an hour), into buf of size n. */
void pm_format_seconds(double seconds, char *buf, int n);

#endif
