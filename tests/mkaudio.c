/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mkaudio: deterministic test audio for the tests, written with libsndfile.
 *
 *   mkaudio OUT RATE CHANNELS SECONDS [KIND [SIGNAL]]
 *   mkaudio --text OUT
 *
 * The signal is a 997 Hz sine at -20 dBFS (peak 0.1) on every channel, starting at phase 0; 997 Hz
 * is prime, so its period never lines up with a block or a CD frame. SIGNAL "square" gives the
 * square wave of the same phase and peak instead (the sign of the sine, not band-limited: hard
 * on limiters and lossy codecs alike). SECONDS may be fractional;
 * the file holds llround(SECONDS * RATE) frames, written in blocks of 4096. KIND is wav16, wav24
 * (the default), float (WAV 32-bit float), flac16, flac24 or aiff16. "--text" writes a file that
 * is not audio, for tests of files libsndfile cannot open.
 *
 * SECONDS of 0 gives a file of no frames (WAV and AIFF only: libsndfile cannot write an empty
 * FLAC stream). Errors print "mkaudio: OUT: reason" on stderr, remove a half-written OUT and
 * exit 1.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#define BLOCK_FRAMES 4096
#define TONE_HZ 997
#define TONE_PEAK 0.1 /* -20 dBFS: 10^(-20/20) */
#define MAX_CHANNELS 1024 /* libsndfile's own limit */
#define MAX_RATE 768000
/* A bound on the frame count: 24 hours at the highest rate, far beyond any test's need. */
#define MAX_FRAMES (86400.0 * MAX_RATE)

static const double two_pi = 6.283185307179586476925286766559;

static const struct kind {
    const char *name;
    int format;
} kinds[] = {
    {"wav16", SF_FORMAT_WAV | SF_FORMAT_PCM_16},   {"wav24", SF_FORMAT_WAV | SF_FORMAT_PCM_24},
    {"float", SF_FORMAT_WAV | SF_FORMAT_FLOAT},    {"flac16", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
    {"flac24", SF_FORMAT_FLAC | SF_FORMAT_PCM_24}, {"aiff16", SF_FORMAT_AIFF | SF_FORMAT_PCM_16},
};

_Noreturn static void usage(void)
{
    fputs("usage: mkaudio OUT RATE CHANNELS SECONDS [wav16|wav24|float|flac16|flac24|aiff16 "
          "[sine|square]]\n"
          "       mkaudio --text OUT\n",
          stderr);
    exit(1);
}

_Noreturn static void fail(const char *out, const char *reason)
{
    fprintf(stderr, "mkaudio: %s: %s\n", out, reason);
    exit(1);
}

/* A whole number in [min, max], all of the text. */
static int parse_long(const char *text, long min, long max, long *value)
{
    char *end;
    if (!(*text >= '0' && *text <= '9'))
        return -1;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *value = v;
    return 0;
}

static int write_text(const char *out)
{
    FILE *f = fopen(out, "w");
    if (!f)
        fail(out, strerror(errno));
    fputs("This is not an audio file.\n"
          "premaster test data written by mkaudio --text; libsndfile cannot open it.\n",
          f);
    int err = ferror(f);
    if (fclose(f) != 0 || err) {
        remove(out);
        fail(out, "write failed");
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--text") == 0)
        return write_text(argv[2]);
    if (argc < 5 || argc > 7)
        usage();
    int square = argc == 7 && strcmp(argv[6], "square") == 0;
    if (argc == 7 && !square && strcmp(argv[6], "sine") != 0)
        usage();

    const char *out = argv[1];
    long rate, channels;
    if (parse_long(argv[2], 1, MAX_RATE, &rate))
        fail(out, "RATE must be a whole number of Hz from 1 to 768000");
    if (parse_long(argv[3], 1, MAX_CHANNELS, &channels))
        fail(out, "CHANNELS must be a whole number from 1 to 1024");

    char *end;
    errno = 0;
    double seconds = strtod(argv[4], &end);
    if (end == argv[4] || *end || errno || !isfinite(seconds) || seconds < 0.0 ||
        seconds * (double)rate > MAX_FRAMES)
        fail(out, "SECONDS must be a non-negative number (at most 24 hours at 768 kHz)");
    long long total = llround(seconds * (double)rate);

    const char *kind_name = argc >= 6 ? argv[5] : "wav24";
    const struct kind *kind = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind_name, kinds[i].name) == 0)
            kind = &kinds[i];
    if (!kind)
        fail(out, "KIND must be wav16, wav24, float, flac16, flac24 or aiff16");
    /* libsndfile starts a FLAC stream on the first write, and FLAC's STREAMINFO reads a count
     * of 0 as "unknown", so an empty FLAC file cannot be made: say so rather than write 0 bytes. */
    if (total == 0 && (kind->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC)
        fail(out, "a FLAC file cannot hold 0 frames; use a WAV or AIFF kind");

    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = (int)rate;
    info.channels = (int)channels;
    info.format = kind->format;
    if (!sf_format_check(&info))
        fail(out, "libsndfile cannot write this rate and channel count in this format");
    SNDFILE *sf = sf_open(out, SFM_WRITE, &info);
    if (!sf)
        fail(out, sf_strerror(NULL));
    /* A float WAV's PEAK chunk carries the time of writing; without it the bytes are the same
     * on every run. */
    sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);

    /* One block, interleaved; channels <= 1024 keeps the size far from overflow. */
    double *block = malloc((size_t)BLOCK_FRAMES * (size_t)channels * sizeof *block);
    if (!block) {
        sf_close(sf);
        remove(out);
        fail(out, "out of memory");
    }

    /*
     * The phase from an exact integer, (n * 997) mod rate, so that the signal does not drift
     * with the length of the file and every run writes the same bits.
     */
    const char *error = NULL;
    for (long long n0 = 0; n0 < total && !error; n0 += BLOCK_FRAMES) {
        long long count = total - n0 < BLOCK_FRAMES ? total - n0 : BLOCK_FRAMES;
        for (long long k = 0; k < count; k++) {
            long long cycle = (n0 + k) % rate * TONE_HZ % rate;
            double v = TONE_PEAK * sin(two_pi * (double)cycle / (double)rate);
            if (square)
                v = v > 0.0 ? TONE_PEAK : v < 0.0 ? -TONE_PEAK : 0.0;
            for (long c = 0; c < channels; c++)
                block[k * channels + c] = v;
        }
        if (sf_writef_double(sf, block, (sf_count_t)count) != (sf_count_t)count)
            error = sf_strerror(sf);
    }
    free(block);

    char reason[256];
    if (error)
        snprintf(reason, sizeof reason, "write failed: %s", error);
    int close_err = sf_close(sf);
    if (!error && close_err) {
        snprintf(reason, sizeof reason, "close failed: %s", sf_error_number(close_err));
        error = reason;
    }
    if (error) {
        remove(out);
        fail(out, reason);
    }
    return 0;
}
