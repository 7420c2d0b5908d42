/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Skip leading spaces; return the end of the text without trailing spaces. */
static const char *trim(const char *text, const char **end)
{
    while (*text == ' ' || *text == '\t' || *text == '\n')
        text++;
    const char *e = text + strlen(text);
    while (e > text && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
        e--;
    *end = e;
    return text;
}

/*
 * An unsigned decimal "123", "1.5", ".5" between p and end; strtod alone would also take hex,
 * exponents, "inf" and "nan", which are not values a project may hold.
 */
static int parse_decimal(const char *p, const char *end, double *out)
{
    if (p >= end)
        return -1;
    int digits = 0, dots = 0;
    for (const char *q = p; q < end; q++) {
        if (isdigit((unsigned char)*q))
            digits++;
        else if (*q == '.' && !dots)
            dots++;
        else
            return -1;
    }
    if (!digits)
        return -1;
    char tmp[64];
    size_t n = (size_t)(end - p);
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    errno = 0;
    *out = strtod(tmp, NULL);
    return errno == 0 && isfinite(*out) ? 0 : -1;
}

static int ends_with(const char *p, const char *end, const char *suffix)
{
    size_t n = strlen(suffix);
    return (size_t)(end - p) > n && strncasecmp(end - n, suffix, n) == 0;
}

int pm_parse_time(const char *text, pm_time *out)
{
    const char *end;
    const char *p = trim(text, &end);
    pm_time t = {0};
    double value;
    if (ends_with(p, end, "ms")) {
        if (parse_decimal(p, end - 2, &value))
            return -1;
        t.seconds = value / 1000.0;
    } else if (ends_with(p, end, "f")) {
        /* CD frames are whole: a fraction of a frame has no place on the 1/75 s grid. */
        for (const char *q = p; q < end - 1; q++)
            if (!isdigit((unsigned char)*q))
                return -1;
        if (parse_decimal(p, end - 1, &value) || value > 1e9)
            return -1;
        t.unit = PM_TIME_CD_FRAMES;
        t.cd_frames = (int64_t)value;
        t.seconds = value / 75.0;
    } else if (ends_with(p, end, "s")) {
        if (parse_decimal(p, end - 1, &value))
            return -1;
        t.seconds = value;
    } else if (memchr(p, ':', (size_t)(end - p))) {
        /* m:ss[.sss] or h:mm:ss[.sss]; the fields after the first are below 60. */
        double field[3];
        int nfields = 0;
        const char *start = p;
        for (const char *q = p; q <= end; q++) {
            if (q == end || *q == ':') {
                if (nfields == 3)
                    return -1;
                if (parse_decimal(start, q, &field[nfields]))
                    return -1;
                /* Only the last field may carry a fraction. */
                if (q != end && memchr(start, '.', (size_t)(q - start)))
                    return -1;
                if (nfields > 0) {
                    /* "1:5" is not a time: the fields after the first have two digits. */
                    const char *dot = memchr(start, '.', (size_t)(q - start));
                    if ((dot ? dot : q) - start != 2 || field[nfields] >= 60.0)
                        return -1;
                }
                nfields++;
                start = q + 1;
            }
        }
        if (nfields == 2)
            t.seconds = field[0] * 60.0 + field[1];
        else
            t.seconds = field[0] * 3600.0 + field[1] * 60.0 + field[2];
    } else {
        if (parse_decimal(p, end, &value))
            return -1;
        t.seconds = value;
    }
    /* No project time comes near a week; the bound keeps sample counts far from overflow. */
    if (t.seconds > 604800.0)
        return -1;
    *out = t;
    return 0;
}

int64_t pm_time_to_frames(const pm_time *time, int64_t rate)
{
    if (time->unit == PM_TIME_CD_FRAMES && rate % 75 == 0)
        return time->cd_frames * (rate / 75);
    return (int64_t)llround(time->seconds * (double)rate);
}

int pm_parse_number(const char *text, const char *unit, double *out)
{
    const char *end;
    const char *p = trim(text, &end);
    if (unit && ends_with(p, end, unit)) {
        end -= strlen(unit);
        while (end > p && end[-1] == ' ')
            end--;
    }
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        negative = *p == '-';
        p++;
    }
    double value;
    if (parse_decimal(p, end, &value))
        return -1;
    *out = negative ? -value : value;
    return 0;
}

int pm_parse_frequency(const char *text, double *out)
{
    const char *end;
    const char *p = trim(text, &end);
    double scale = 1.0;
    if (ends_with(p, end, "hz"))
        end -= 2;
    if (ends_with(p, end, "k")) {
        end -= 1;
        scale = 1000.0;
    }
    double value;
    if (parse_decimal(p, end, &value))
        return -1;
    *out = value * scale;
    return 0;
}

int pm_parse_integer(const char *text, long *out)
{
    const char *end;
    const char *p = trim(text, &end);
    if (p == end || end - p > 9)
        return -1;
    long value = 0;
    for (const char *q = p; q < end; q++) {
        if (!isdigit((unsigned char)*q))
            return -1;
        value = value * 10 + (*q - '0');
    }
    *out = value;
    return 0;
}

int pm_parse_bool(const char *text, int *out)
{
    const char *end;
    const char *p = trim(text, &end);
    size_t n = (size_t)(end - p);
    static const char *const yes[] = {"yes", "true", "1"};
    static const char *const no[] = {"no", "false", "0"};
    for (int i = 0; i < 3; i++) {
        if (n == strlen(yes[i]) && strncasecmp(p, yes[i], n) == 0) {
            *out = 1;
            return 0;
        }
        if (n == strlen(no[i]) && strncasecmp(p, no[i], n) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int pm_parse_track_list(const char *text, int *out, int max)
{
    int count = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        long first = strtol(p, (char **)&p, 10);
        long last = first;
        while (*p == ' ')
            p++;
        if (*p == '-') {
            p++;
            while (*p == ' ')
                p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            last = strtol(p, (char **)&p, 10);
            while (*p == ' ')
                p++;
        }
        if (first < 1 || last < first || last > 999)
            return -1;
        for (long n = first; n <= last; n++) {
            if (count >= max)
                return -1;
            out[count++] = (int)n;
        }
        if (*p == '\0')
            return count;
        if (*p != ',')
            return -1;
        p++;
    }
}

void pm_format_seconds(double seconds, char *buf, int n)
{
    int negative = seconds < 0;
    /* Round to the millisecond first, so 59.9996 s prints as 1:00.000 and not 0:60.000. */
    long long ms = llround(fabs(seconds) * 1000.0);
    long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, f = ms % 1000;
    if (h)
        snprintf(buf, (size_t)n, "%s%lld:%02lld:%02lld.%03lld", negative ? "-" : "", h, m, s, f);
    else
        snprintf(buf, (size_t)n, "%s%lld:%02lld.%03lld", negative ? "-" : "", m, s, f);
}
