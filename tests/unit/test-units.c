/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Values as the project file writes them (PROJECT-FORMAT.md "Values", units.h): every time form,
 * the forms that must be refused, time to sample frames, numbers with units, frequencies,
 * integers, booleans, track lists and the seconds formatter (with a seeded round trip through
 * the time parser).
 */
#include "units.h"

#include "../tap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Seconds parse to within a nanosecond; the parser's only error is decimal to binary. */
#define SEC_TOL 1e-9

static void time_is(const char *text, double seconds)
{
    pm_time t = {-1.0, PM_TIME_CD_FRAMES, -1};
    int r = pm_parse_time(text, &t);
    if (!is_int(r, 0, text)) {
        diag("pm_parse_time(\"%s\") refused a valid time", text);
        return;
    }
    char name[128];
    snprintf(name, sizeof name, "\"%s\" is %.9g s", text, seconds);
    is_double(t.seconds, seconds, SEC_TOL, name);
    snprintf(name, sizeof name, "\"%s\" is in seconds, not CD frames", text);
    is_int(t.unit, PM_TIME_SECONDS, name);
}

static void time_refused(const char *text)
{
    pm_time t;
    int r = pm_parse_time(text, &t);
    ok(r == -1, "pm_parse_time refuses \"%s\"", text);
    if (r == 0)
        diag("it gave %.17g s", t.seconds);
}

static void test_time_forms(void)
{
    time_is("2", 2.0);
    time_is("0", 0.0);
    time_is("0.5", 0.5);
    time_is("120", 120.0);
    time_is("3:27.250", 3 * 60 + 27.25);
    time_is("3:27", 3 * 60 + 27.0);
    time_is("0:00", 0.0);
    time_is("1:59.999", 119.999);
    time_is("75:00", 75 * 60.0); /* minutes are not limited in the m:ss form */
    time_is("1:02:03.5", 3600 + 2 * 60 + 3.5);
    time_is("1:02:03", 3600 + 2 * 60 + 3.0);
    time_is("0:59:59.999", 59 * 60 + 59.999);
    time_is("2s", 2.0);
    time_is("2.5s", 2.5);
    time_is("30ms", 0.030);
    time_is("250ms", 0.250);
    time_is("1.5ms", 0.0015);
    time_is("0ms", 0.0);
    time_is("  2  ", 2.0);
    time_is(" 0.5", 0.5);
    time_is("3:27.250 ", 207.25);
    time_is("\t1:02:03.5\t", 3723.5);
    time_is(" 30ms ", 0.030);
}

static void test_time_cd_frames(void)
{
    static const struct {
        const char *text;
        int64_t cdf;
    } cases[] = {{"150f", 150}, {"0f", 0}, {"1f", 1}, {"74f", 74}, {"  150f  ", 150},
                 {"359849f", 359849}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm_time t = {-1.0, PM_TIME_SECONDS, -1};
        char name[128];
        snprintf(name, sizeof name, "\"%s\" parses", cases[i].text);
        if (!is_int(pm_parse_time(cases[i].text, &t), 0, name))
            continue;
        snprintf(name, sizeof name, "\"%s\" is in CD frames", cases[i].text);
        is_int(t.unit, PM_TIME_CD_FRAMES, name);
        snprintf(name, sizeof name, "\"%s\" is %lld CD frames", cases[i].text,
                 (long long)cases[i].cdf);
        is_int(t.cd_frames, cases[i].cdf, name);
        snprintf(name, sizeof name, "\"%s\" is %lld/75 s", cases[i].text, (long long)cases[i].cdf);
        is_double(t.seconds, (double)cases[i].cdf / 75.0, SEC_TOL, name);
    }
}

static void test_time_refused(void)
{
    static const char *const bad[] = {
        "", " ", "-1", "-0.5", "+1", "1:5", "1:60", "1:60.0", "0:60", "1:00:60", "1:60:00",
        "1:02:3", "1:005", "1:5.5", ":30", "1:", "1::00", "1.5:00", "1:02.5:03", "abc", "1.2.3",
        "1.5f", "-1f", "f", "s", "ms", "1e3", "1E3", "1e3s", "0x10", "0x10f", "inf", "nan",
        "infinity", "1:2:3:4", "1:02:03:04", "2 s", "30 ms", "150 f", "1 :05", "1: 05", "1 2",
        "2x", "2sec", "2min", "--1", "1,5", "30msf", "1-2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        time_refused(bad[i]);
}

static void frames_is(const char *text, int64_t rate, int64_t expected)
{
    pm_time t;
    char name[128];
    snprintf(name, sizeof name, "\"%s\" at %lld Hz is %lld frames", text, (long long)rate,
             (long long)expected);
    if (pm_parse_time(text, &t) != 0) {
        ok(0, "%s", name);
        diag("pm_parse_time(\"%s\") failed", text);
        return;
    }
    is_int(pm_time_to_frames(&t, rate), expected, name);
}

static void test_time_to_frames(void)
{
    /* CD frames are exact at every rate that is a multiple of 75. */
    static const int64_t rates[] = {44100, 48000, 88200, 96000, 176400, 192000};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        int64_t spf = rates[i] / 75;
        frames_is("150f", rates[i], 150 * spf);
        frames_is("1f", rates[i], spf);
        frames_is("359849f", rates[i], 359849 * spf);
        frames_is("2", rates[i], 2 * rates[i]);
    }
    frames_is("150f", 44100, 88200);
    frames_is("150f", 48000, 96000);
    frames_is("150f", 96000, 192000);
    frames_is("150f", 192000, 384000);
    /* A rate not a multiple of 75: the nearest sample (1/75 s at 8 kHz is 106.67 samples). */
    frames_is("1f", 8000, 107);
    frames_is("150f", 8000, 16000);

    /* Seconds round to the nearest sample. */
    frames_is("0.5", 44100, 22050);
    frames_is("3:27.250", 44100, 9139725);
    frames_is("1:02:03.5", 48000, 178728000);
    frames_is("30ms", 48000, 1440);
    frames_is("1ms", 44100, 44);           /* 44.1 */
    frames_is("0.0000113", 44100, 0);      /* 0.498 */
    frames_is("0.0000114", 44100, 1);      /* 0.503 */
    frames_is("0.00002267", 44100, 1);     /* 0.99975 */
    frames_is("0.00003401", 44100, 1);     /* 1.4998 */
    frames_is("0.00003402", 44100, 2);     /* 1.5003 */
    frames_is("1.00001", 48000, 48000);    /* 48000.48 */
    frames_is("1.00002", 48000, 48001);    /* 48000.96 */

    /* Every whole millisecond up to 100 s is an exact count at 48 kHz (48 samples a ms). */
    int bad = 0;
    for (long ms = 0; ms <= 100000; ms++) {
        char text[32];
        pm_time t;
        snprintf(text, sizeof text, "%ldms", ms);
        if (pm_parse_time(text, &t) != 0 || pm_time_to_frames(&t, 48000) != ms * 48) {
            if (!bad++)
                diag("first wrong: \"%s\" at 48000 Hz", text);
        }
    }
    ok(bad == 0, "0ms to 100000ms at 48 kHz are exact (%d wrong)", bad);
}

static void number_is(const char *text, const char *unit, double expected)
{
    double v = 12345.0;
    char name[128];
    snprintf(name, sizeof name, "pm_parse_number(\"%s\", %s%s%s) is %g", text, unit ? "\"" : "",
             unit ? unit : "NULL", unit ? "\"" : "", expected);
    if (pm_parse_number(text, unit, &v) != 0) {
        ok(0, "%s", name);
        diag("refused");
        return;
    }
    is_double(v, expected, SEC_TOL, name);
}

static void number_refused(const char *text, const char *unit)
{
    double v;
    ok(pm_parse_number(text, unit, &v) == -1, "pm_parse_number(\"%s\", %s%s%s) refused", text,
       unit ? "\"" : "", unit ? unit : "NULL", unit ? "\"" : "");
}

static void test_number(void)
{
    number_is("-0.3", NULL, -0.3);
    number_is("0.3", NULL, 0.3);
    number_is("+1.5", NULL, 1.5);
    number_is("-14", NULL, -14.0);
    number_is("1.5", NULL, 1.5);
    number_is("0", NULL, 0.0);
    number_is("-0", NULL, 0.0);
    number_is(" -1 ", NULL, -1.0);
    number_is("-0.3", "dB", -0.3);
    number_is("-0.3dB", "dB", -0.3);
    number_is("+6dB", "dB", 6.0);
    number_is("-0.3db", "dB", -0.3);
    number_is("-0.3DB", "dB", -0.3);
    number_is("-14LUFS", "LUFS", -14.0);
    number_is("-14lufs", "LUFS", -14.0);
    number_is("-14", "LUFS", -14.0);
    number_is("-1dBTP", "dBTP", -1.0);
    number_is("-1.5dbtp", "dBTP", -1.5);
    number_is("-1", "dBTP", -1.0);

    number_refused("", NULL);
    number_refused("-", NULL);
    number_refused("+", NULL);
    number_refused("--1", NULL);
    number_refused("+-1", NULL);
    number_refused("- 1", NULL);
    number_refused("abc", NULL);
    number_refused("1.2.3", NULL);
    number_refused("1e3", NULL);
    number_refused("0x10", NULL);
    number_refused("inf", NULL);
    number_refused("-inf", NULL);
    number_refused("nan", NULL);
    number_refused("-1dB", NULL);     /* no unit allowed */
    number_refused("-1LUFS", "dB");   /* the wrong unit */
    number_refused("-1dB", "LUFS");
    number_refused("-1dB", "dBTP");
    number_refused("-1dBTP", "dB");
    number_refused("dB", "dB");
    number_refused("-dB", "dB");
    number_refused("-1dBdB", "dB");
    number_refused("-1 2", NULL);
}

static void freq_is(const char *text, double expected)
{
    double v = -1.0;
    char name[128];
    snprintf(name, sizeof name, "frequency \"%s\" is %g Hz", text, expected);
    if (pm_parse_frequency(text, &v) != 0) {
        ok(0, "%s", name);
        diag("refused");
        return;
    }
    is_double(v, expected, 1e-9, name);
}

static void test_frequency(void)
{
    freq_is("6500", 6500.0);
    freq_is("6.5k", 6500.0);
    freq_is("12k", 12000.0);
    freq_is("20Hz", 20.0);
    freq_is("6500Hz", 6500.0);
    freq_is("6.5kHz", 6500.0);
    freq_is("20", 20.0);
    freq_is("0.5k", 500.0);
    freq_is("1000.5", 1000.5);

    static const char *const bad[] = {"k", "-5", "", "Hz", "kHz", "-5k", "6.5kk", "1e3", "abc",
                                      "inf", "nan", "0x10", "6.5M", "6.5kHzHz", "1.2.3k"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v;
        ok(pm_parse_frequency(bad[i], &v) == -1, "frequency \"%s\" refused", bad[i]);
    }
}

static void test_integer(void)
{
    static const struct {
        const char *text;
        long value;
    } good[] = {{"96000", 96000}, {"24", 24}, {"0", 0}, {"1", 1}, {"999999999", 999999999}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        long v = -1;
        char name[64];
        snprintf(name, sizeof name, "integer \"%s\"", good[i].text);
        if (!ok(pm_parse_integer(good[i].text, &v) == 0, "integer \"%s\" parses", good[i].text))
            continue;
        is_int(v, good[i].value, name);
    }
    static const char *const bad[] = {"", "-1", "+1", "1.5", "1.", "1e3", "abc", "12a", "a12",
                                      "0x10", "1 2", "-", "4 4100"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long v;
        ok(pm_parse_integer(bad[i], &v) == -1, "integer \"%s\" refused", bad[i]);
    }
}

static void test_bool(void)
{
    static const struct {
        const char *text;
        int value;
    } good[] = {{"yes", 1},  {"no", 0},    {"true", 1},  {"false", 0}, {"1", 1},
                {"0", 0},    {"YES", 1},   {"No", 0},    {"TRUE", 1},  {"False", 0},
                {"yEs", 1},  {"nO", 0},    {"tRuE", 1},  {"FALSE", 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int v = -1;
        char name[64];
        if (!ok(pm_parse_bool(good[i].text, &v) == 0, "bool \"%s\" parses", good[i].text))
            continue;
        snprintf(name, sizeof name, "bool \"%s\" is %d", good[i].text, good[i].value);
        is_int(v, good[i].value, name);
    }
    static const char *const bad[] = {"y", "n", "2", "", "t", "f", "yess", "ye", "on", "off",
                                      "truefalse", "-1", "01", "10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int v;
        ok(pm_parse_bool(bad[i], &v) == -1, "bool \"%s\" refused", bad[i]);
    }
}

static void track_list_is(const char *text, const int *expected, int count)
{
    int got[16];
    int n = pm_parse_track_list(text, got, 16);
    if (!is_int(n, count, text))
        return;
    int same = 1;
    for (int i = 0; i < count; i++)
        same = same && got[i] == expected[i];
    if (!ok(same, "track list \"%s\" holds the right numbers in order", text)) {
        for (int i = 0; i < count; i++)
            diag("[%d] got %d, expected %d", i, got[i], expected[i]);
    }
}

static void test_track_list(void)
{
    static const int a[] = {1, 2, 3, 5};
    track_list_is("1-3,5", a, 4);
    static const int b[] = {2};
    track_list_is("2", b, 1);
    static const int c[] = {1, 2, 3};
    track_list_is("1,2,3", c, 3);
    static const int d[] = {10, 11, 12};
    track_list_is("10-12", d, 3);
    static const int e[] = {4};
    track_list_is("4-4", e, 1);
    static const int f[] = {1, 3, 4, 5, 9};
    track_list_is("1,3-5,9", f, 5);
    static const int g[] = {99};
    track_list_is("99", g, 1);

    static const char *const bad[] = {"3-1", "", "1,,2", "a", "0", "1-", "-3", "1,", ",1",
                                      "1-3-5", "1;2", "1.5", "2-a", "+1", "1,-2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int got[16];
        ok(pm_parse_track_list(bad[i], got, 16) == -1, "track list \"%s\" refused", bad[i]);
    }

    /* More numbers than fit: never a write past max. */
    int out[6] = {0, 0, 0, 0, 0, -7};
    int n = pm_parse_track_list("1-10", out, 5);
    ok(n <= 5, "\"1-10\" into 5 slots returns at most 5 (got %d)", n);
    is_int(out[5], -7, "\"1-10\" into 5 slots writes nothing past the 5th");
}

static void format_is(double seconds, const char *expected)
{
    char buf[64];
    char name[96];
    memset(buf, 'x', sizeof buf);
    pm_format_seconds(seconds, buf, (int)sizeof buf);
    snprintf(name, sizeof name, "pm_format_seconds(%.6g)", seconds);
    is_str(buf, expected, name);
}

static void test_format_seconds(void)
{
    format_is(0.0, "0:00.000");
    format_is(0.5, "0:00.500");
    format_is(2.0, "0:02.000");
    format_is(207.25, "3:27.250");
    format_is(59.999, "0:59.999");
    format_is(59.9996, "1:00.000"); /* rounds to the ms before splitting */
    format_is(600.0, "10:00.000");
    format_is(3599.999, "59:59.999");
    format_is(3599.9999, "1:00:00.000");
    format_is(3600.0, "1:00:00.000");
    format_is(3723.5, "1:02:03.500");
    format_is(36000.0, "10:00:00.000");
    format_is(-1.5, "-0:01.500");

    /* A short buffer is cut, not overrun. */
    char buf[8];
    memset(buf, 'x', sizeof buf);
    pm_format_seconds(3723.5, buf, 4);
    ok(memchr(buf, '\0', 4) != NULL, "a 4-byte buffer holds a terminated string");
    ok(buf[4] == 'x' && buf[7] == 'x', "nothing is written past the 4 bytes");

    /* Seeded round trip: what the formatter writes, the time parser reads back to the ms. */
    uint64_t rng = tap_seed();
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        /* Half below an hour (m:ss.sss), half up to 30 hours (h:mm:ss.sss). */
        double limit = i % 2 ? 108000.0 : 3600.0;
        double seconds = (double)(tap_rand(&rng) >> 11) / 9007199254740992.0 * limit;
        char text[64];
        pm_time t;
        pm_format_seconds(seconds, text, (int)sizeof text);
        if (pm_parse_time(text, &t) != 0 || fabs(t.seconds - seconds) > 0.0005 + 1e-9) {
            if (!bad++)
                diag("first wrong: %.17g s formats as \"%s\"", seconds, text);
        }
    }
    ok(bad == 0, "10000 random times survive format then parse to within 0.5 ms (%d wrong)", bad);
}

int main(void)
{
    test_time_forms();
    test_time_cd_frames();
    test_time_refused();
    test_time_to_frames();
    test_number();
    test_frequency();
    test_integer();
    test_bool();
    test_track_list();
    test_format_seconds();
    return done_testing();
}
