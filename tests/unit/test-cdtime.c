/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CD time (cdtime.h): sample positions to frames of 1/75 s (Red Book: 588 samples a frame at
 * 44.1 kHz) by floor, nearest and ceiling at every working rate, frame boundaries back to samples,
 * round trips, and the MM:SS:FF text.
 */
#include "cdtime.h"

#include "../tap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const int64_t rates[] = {44100, 48000, 88200, 96000, 176400, 192000};
#define NRATES (sizeof rates / sizeof rates[0])

static void conv_is(const char *what, int64_t got, int64_t expected, int64_t frames, int64_t rate)
{
    char name[128];
    snprintf(name, sizeof name, "%s(%lld samples at %lld Hz) = %lld", what, (long long)frames,
             (long long)rate, (long long)expected);
    is_int(got, expected, name);
}

#define FLOOR_IS(f, r, e) conv_is("pm_cdf_floor", pm_cdf_floor((f), (r)), (e), (f), (r))
#define NEAREST_IS(f, r, e) conv_is("pm_cdf_nearest", pm_cdf_nearest((f), (r)), (e), (f), (r))
#define CEIL_IS(f, r, e) conv_is("pm_cdf_ceil", pm_cdf_ceil((f), (r)), (e), (f), (r))

static void test_red_book_examples(void)
{
    is_int(PM_CD_RATE / PM_CD_FRAMES_PER_SEC, PM_CD_SAMPLES_PER_FRAME, "44100 / 75 = 588");
    is_int(PM_CD_SAMPLES_PER_FRAME * 4, PM_CD_BYTES_PER_SECTOR,
           "588 stereo 16-bit samples = 2352 bytes");
    FLOOR_IS(588, 44100, 1);
    NEAREST_IS(588, 44100, 1);
    CEIL_IS(588, 44100, 1);
    FLOOR_IS(587, 44100, 0);
    NEAREST_IS(587, 44100, 1);
    CEIL_IS(587, 44100, 1);
    FLOOR_IS(589, 44100, 1);
    NEAREST_IS(589, 44100, 1);
    CEIL_IS(589, 44100, 2);
    FLOOR_IS(640, 48000, 1);
    NEAREST_IS(640, 48000, 1);
    CEIL_IS(640, 48000, 1);
    FLOOR_IS(639, 48000, 0);
    NEAREST_IS(639, 48000, 1);
    CEIL_IS(641, 48000, 2);
    /* Half-way rounds up. */
    NEAREST_IS(294, 44100, 1);
    NEAREST_IS(293, 44100, 0);
    NEAREST_IS(320, 48000, 1);
    NEAREST_IS(319, 48000, 0);
    NEAREST_IS(588 + 294, 44100, 2);
    NEAREST_IS(588 + 293, 44100, 1);
    /* Two seconds, the pause before track 1. */
    FLOOR_IS(88200, 44100, PM_CD_PAUSE_MIN_CDF);
    FLOOR_IS(96000, 48000, PM_CD_PAUSE_MIN_CDF);
    FLOOR_IS(384000, 192000, PM_CD_PAUSE_MIN_CDF);
}

static void test_each_rate(void)
{
    for (size_t i = 0; i < NRATES; i++) {
        int64_t rate = rates[i], spf = rate / 75, half = spf / 2;
        FLOOR_IS(0, rate, 0);
        NEAREST_IS(0, rate, 0);
        CEIL_IS(0, rate, 0);
        FLOOR_IS(spf, rate, 1);
        FLOOR_IS(spf - 1, rate, 0);
        NEAREST_IS(spf - 1, rate, 1);
        CEIL_IS(1, rate, 1);
        CEIL_IS(spf, rate, 1);
        CEIL_IS(spf + 1, rate, 2);
        NEAREST_IS(half, rate, 1);
        NEAREST_IS(half - 1, rate, 0);
        NEAREST_IS(3 * spf + half, rate, 4);
        NEAREST_IS(3 * spf + half - 1, rate, 3);
        FLOOR_IS(rate, rate, 75);
        FLOOR_IS(359849 * spf + spf - 1, rate, 359849);
        CEIL_IS(359849 * spf + 1, rate, 359850);
        /* A day at the rate: far beyond a disc, still exact. */
        FLOOR_IS(86400 * rate, rate, 86400 * 75);

        char name[96];
        snprintf(name, sizeof name, "pm_cdf_to_frames(1, %lld) = %lld", (long long)rate,
                 (long long)spf);
        is_int(pm_cdf_to_frames(1, rate), spf, name);
        snprintf(name, sizeof name, "pm_cdf_to_frames(150, %lld) = 2 s", (long long)rate);
        is_int(pm_cdf_to_frames(150, rate), 2 * rate, name);
        snprintf(name, sizeof name, "pm_cdf_to_frames(359849, %lld)", (long long)rate);
        is_int(pm_cdf_to_frames(359849, rate), 359849 * spf, name);
        snprintf(name, sizeof name, "pm_cdf_to_frames(0, %lld) = 0", (long long)rate);
        is_int(pm_cdf_to_frames(0, rate), 0, name);
    }
}

/* cdf -> samples -> cdf is the identity by all three roundings, for every frame of a full disc. */
static void test_round_trips(void)
{
    for (size_t i = 0; i < NRATES; i++) {
        int64_t rate = rates[i], spf = rate / 75;
        int bad = 0;
        for (int64_t cdf = 0; cdf <= PM_CD_PROGRAM_MAX_CDF + 1000; cdf++) {
            int64_t f = pm_cdf_to_frames(cdf, rate);
            if (f != cdf * spf || pm_cdf_floor(f, rate) != cdf || pm_cdf_nearest(f, rate) != cdf ||
                pm_cdf_ceil(f, rate) != cdf) {
                if (!bad++)
                    diag("first wrong: cdf %lld -> %lld samples -> %lld/%lld/%lld", (long long)cdf,
                         (long long)f, (long long)pm_cdf_floor(f, rate),
                         (long long)pm_cdf_nearest(f, rate), (long long)pm_cdf_ceil(f, rate));
            }
        }
        ok(bad == 0, "cdf -> samples -> cdf, 0 to %d at %lld Hz (%d wrong)",
           PM_CD_PROGRAM_MAX_CDF + 1000, (long long)rate, bad);
    }
}

/*
 * Every sample position in the first 3 frames and at random positions up to 30 hours, against the
 * plain reference (position / samples-per-frame): floor <= exact <= ceil, ceil - floor is 0 only
 * on a boundary, nearest picks the closer with halves up, and floor's boundary is at or before
 * the position while the next is after it.
 */
static int check_position(int64_t f, int64_t rate)
{
    int64_t spf = rate / 75;
    int64_t fl = f / spf, rem = f % spf;
    int64_t ce = fl + (rem != 0);
    int64_t ne = fl + (2 * rem >= spf);
    int64_t got_fl = pm_cdf_floor(f, rate), got_ne = pm_cdf_nearest(f, rate);
    int64_t got_ce = pm_cdf_ceil(f, rate);
    if (got_fl != fl || got_ne != ne || got_ce != ce || pm_cdf_to_frames(got_fl, rate) > f ||
        pm_cdf_to_frames(got_fl + 1, rate) <= f) {
        diag("at %lld samples, %lld Hz: floor %lld (want %lld), nearest %lld (want %lld), "
             "ceil %lld (want %lld)",
             (long long)f, (long long)rate, (long long)got_fl, (long long)fl, (long long)got_ne,
             (long long)ne, (long long)got_ce, (long long)ce);
        return 0;
    }
    return 1;
}

static void test_positions(void)
{
    uint64_t rng = tap_seed();
    for (size_t i = 0; i < NRATES; i++) {
        int64_t rate = rates[i], spf = rate / 75;
        int bad = 0;
        for (int64_t f = 0; f <= 3 * spf && bad < 3; f++)
            bad += !check_position(f, rate);
        for (int k = 0; k < 100000 && bad < 3; k++)
            bad += !check_position((int64_t)tap_rand_below(&rng, (uint64_t)(108000 * rate)), rate);
        ok(bad == 0, "floor/nearest/ceil at every sample of 3 frames and 100000 random positions "
                     "at %lld Hz", (long long)rate);
    }
}

/* At rates that are not multiples of 75 a boundary falls between samples: the nearest sample. */
static void test_other_rates(void)
{
    is_int(pm_cdf_to_frames(1, 8000), 107, "pm_cdf_to_frames(1, 8000) = 107 (106.67)");
    is_int(pm_cdf_to_frames(2, 8000), 213, "pm_cdf_to_frames(2, 8000) = 213 (213.33)");
    is_int(pm_cdf_to_frames(3, 8000), 320, "pm_cdf_to_frames(3, 8000) = 320");
    is_int(pm_cdf_to_frames(1, 32000), 427, "pm_cdf_to_frames(1, 32000) = 427 (426.67)");
    FLOOR_IS(106, 8000, 0);
    FLOOR_IS(107, 8000, 1);
    CEIL_IS(106, 8000, 1);
    NEAREST_IS(53, 8000, 0);  /* 0.497 frame */
    NEAREST_IS(54, 8000, 1);  /* 0.506 frame */
}

static void format_is(int64_t cdf, const char *expected)
{
    char buf[32];
    char name[64];
    memset(buf, 'x', sizeof buf);
    pm_cdf_format(cdf, buf, (int)sizeof buf);
    snprintf(name, sizeof name, "pm_cdf_format(%lld)", (long long)cdf);
    is_str(buf, expected, name);
}

static void test_format(void)
{
    format_is(0, "00:00:00");
    format_is(1, "00:00:01");
    format_is(74, "00:00:74");
    format_is(75, "00:01:00");
    format_is(150, "00:02:00");
    format_is(4499, "00:59:74");
    format_is(4500, "01:00:00");
    format_is(PM_CD_PROGRAM_WARN_CDF, "74:00:00");
    format_is(PM_CD_PROGRAM_MAX_CDF, "79:57:74");
    format_is(99 * 4500 + 59 * 75 + 74, "99:59:74");
    format_is(4500 * 100, "100:00:00");

    /* Every frame of a disc formats to fields that give it back. */
    int bad = 0;
    for (int64_t cdf = 0; cdf <= PM_CD_PROGRAM_MAX_CDF; cdf++) {
        char buf[16];
        int m, s, f;
        pm_cdf_format(cdf, buf, (int)sizeof buf);
        if (sscanf(buf, "%d:%d:%d", &m, &s, &f) != 3 || s > 59 || f > 74 ||
            (int64_t)m * 4500 + s * 75 + f != cdf || strlen(buf) != 8) {
            if (!bad++)
                diag("first wrong: %lld formats as \"%s\"", (long long)cdf, buf);
        }
    }
    ok(bad == 0, "0 to %d frames format as MM:SS:FF and read back (%d wrong)",
       PM_CD_PROGRAM_MAX_CDF, bad);
}

int main(void)
{
    test_red_book_examples();
    test_each_rate();
    test_round_trips();
    test_positions();
    test_other_rates();
    test_format();
    return done_testing();
}
