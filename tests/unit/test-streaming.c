/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The streaming format's pieces (formats/streaming.h): the platforms' normalisation rule of the
 * preview (Spotify turns up only until the peak reaches -1 dBTP; down-only platforms never turn
 * up), the lossy codecs' rates, the Ogg serial numbers rewritten with valid page checksums (the
 * file still decodes, and two encodes become the same bytes), and the format's verify op on a
 * real render: every check passes, then a sample changed in a WAV file, a tag changed behind
 * its back and a file removed each make it fail naming the file.
 */
#include "streaming.h"

#include "../tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "fsutil.h"
#include "taglib_props.h"

static void platform_rule(void)
{
    pm_preset spotify, apple, youtube, soundcloud;
    ok(pm_preset_find("spotify", &spotify) == 0 && pm_preset_find("apple", &apple) == 0 &&
           pm_preset_find("youtube", &youtube) == 0 &&
           pm_preset_find("soundcloud", &soundcloud) == 0,
       "the presets are found");
    ok(spotify.has_boost_limit && spotify.boost_limit_dbtp == -1.0,
       "spotify turns up only until the peak reaches -1 dBTP (platforms.xml)");
    is_double(pm_streaming_platform_gain(&spotify, -20.0, -10.0), 6.0, 1e-12,
              "spotify: -20 LUFS peaking at -10 dBTP is turned up 6 dB");
    is_double(pm_streaming_platform_gain(&spotify, -20.0, -3.0), 2.0, 1e-12,
              "spotify: peaking at -3 dBTP, only 2 dB, to -1 dBTP");
    is_double(pm_streaming_platform_gain(&spotify, -20.0, -0.5), 0.0, 1e-12,
              "spotify: peaking over -1 dBTP, not at all");
    is_double(pm_streaming_platform_gain(&spotify, -9.0, -0.5), -5.0, 1e-12,
              "spotify: -9 LUFS is turned down 5 dB");
    is_double(pm_streaming_platform_gain(&apple, -20.0, -0.5), 4.0, 1e-12,
              "apple: turned up to -16 whatever the peak");
    is_double(pm_streaming_platform_gain(&youtube, -20.0, -10.0), 0.0, 1e-12,
              "youtube: a quiet master is left alone");
    is_double(pm_streaming_platform_gain(&youtube, -8.0, -1.0), -6.0, 1e-12,
              "youtube: a loud one is turned down");
    is_double(pm_streaming_platform_gain(&soundcloud, -8.0, -1.0), 0.0, 1e-12,
              "soundcloud: no loudness, no gain");
    is_double(pm_streaming_platform_gain(&apple, -HUGE_VAL, -HUGE_VAL), 0.0, 1e-12,
              "silence: no gain");
}

static void rates(void)
{
    is_int(pm_streaming_lossy_rate(PM_FORMAT_MP3, 44100), 44100, "mp3 at 44.1 kHz stays");
    is_int(pm_streaming_lossy_rate(PM_FORMAT_MP3, 48000), 48000, "mp3 at 48 kHz stays");
    is_int(pm_streaming_lossy_rate(PM_FORMAT_MP3, 96000), 48000, "mp3 of 96 kHz: 48 kHz");
    is_int(pm_streaming_lossy_rate(PM_FORMAT_MP3, 88200), 44100, "mp3 of 88.2 kHz: 44.1 kHz");
    is_int(pm_streaming_lossy_rate(PM_FORMAT_OGG, 192000), 48000, "Vorbis follows the mp3 rule");
    is_int(pm_streaming_lossy_rate(PM_FORMAT_OPUS, 44100), 48000, "opus is always 48 kHz");
}

static sf_count_t write_ogg(const char *path, int format)
{
    SF_INFO info = {.samplerate = 48000, .channels = 2, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        return -1;
    static float buf[2 * 24000];
    for (int i = 0; i < 24000; i++)
        buf[2 * i] = buf[2 * i + 1] = (float)(0.5 * sin(i * 0.13));
    sf_count_t n = sf_writef_float(sf, buf, 24000);
    sf_close(sf);
    return n;
}

static sf_count_t decoded_frames(const char *path)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return -1;
    static float buf[2 * 4096];
    sf_count_t total = 0, got;
    while ((got = sf_readf_float(sf, buf, 4096)) > 0)
        total += got;
    sf_close(sf);
    return total;
}

static void ogg_serials(const char *dir)
{
    const int formats[2] = {SF_FORMAT_OGG | SF_FORMAT_VORBIS, SF_FORMAT_OGG | SF_FORMAT_OPUS};
    for (int k = 0; k < 2; k++) {
        char a[4096], b[4096], why[256];
        snprintf(a, sizeof a, "%s/a%d.ogg", dir, k);
        snprintf(b, sizeof b, "%s/b%d.ogg", dir, k);
        ok(write_ogg(a, formats[k]) == 24000 && write_ogg(b, formats[k]) == 24000,
           "%s: two encodes of the same samples", k ? "opus" : "vorbis");
        ok(pm_streaming_ogg_serial(a, 7, why, sizeof why) == PM_OK &&
               pm_streaming_ogg_serial(b, 7, why, sizeof why) == PM_OK,
           "their serial numbers are rewritten");
        char *da = NULL, *db = NULL;
        size_t sa = 0, sb = 0;
        ok(pm_read_file(a, &da, &sa) == PM_OK && pm_read_file(b, &db, &sb) == PM_OK && sa == sb &&
               memcmp(da, db, sa) == 0,
           "and they are the same bytes");
        free(da);
        free(db);
        /* libogg drops a page whose checksum is wrong: every frame decodes only if all hold */
        is_int(decoded_frames(a), 24000, "the rewritten file decodes whole (page checksums)");
    }
    char bad[4096], why[256];
    snprintf(bad, sizeof bad, "%s/not.ogg", dir);
    FILE *f = fopen(bad, "wb");
    if (f) {
        fputs("OggS but not really a page", f);
        fclose(f);
    }
    ok(pm_streaming_ogg_serial(bad, 1, why, sizeof why) == PM_ERR_IO && *why,
       "a file that is not whole Ogg pages is refused: %s", why);
}

/* ---- verify on a render --------------------------------------------------------------------- */

static int count_failed(const pm_format_check *checks, size_t n, const char *needle)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        if (!checks[i].ok && (!needle || strstr(checks[i].what, needle)))
            failed++;
    return failed;
}

static size_t run_verify(const char *project, const char *out, pm_format_check *checks, size_t max,
                         int *status)
{
    pm_diag *diag = pm_diag_new();
    pm_project *p = NULL;
    size_t n = 0;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/streaming", out);
    *status = pm_project_load(project, diag, &p);
    if (*status == PM_OK)
        *status = pm_streaming_format.verify(p, dir, checks, max, &n, diag);
    pm_project_free(p);
    pm_diag_free(diag);
    return n;
}

static void verify_render(const char *dir) /* dir: a short mkdtemp name */
{
    char wav[4096], project[4096], out[512];
    snprintf(wav, sizeof wav, "%s/tone.wav", dir);
    snprintf(project, sizeof project, "%s/album.xml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    SF_INFO info = {.samplerate = 44100, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24};
    SNDFILE *sf = sf_open(wav, SFM_WRITE, &info);
    static double buf[2 * 44100];
    for (int i = 0; i < 44100; i++)
        buf[2 * i] = buf[2 * i + 1] = 0.25 * sin(i * 0.0731);
    if (sf) {
        sf_writef_double(sf, buf, 44100);
        sf_writef_double(sf, buf, 44100);
        sf_close(sf);
    }
    FILE *f = fopen(project, "w");
    if (f) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<premaster version=\"1\">\n"
              "  <album title=\"V\" artist=\"A\" upc=\"012345678905\"/>\n  <tracks>\n"
              "    <track src=\"tone.wav\" title=\"One\" isrc=\"GBEXM2600001\"/>\n"
              "    <track src=\"tone.wav\" title=\"Two\" gap=\"0.5\"/>\n  </tracks>\n"
              "  <deliver><streaming name=\"s\" loudness=\"-16\" formats=\"wav flac mp3\"/>"
              "</deliver>\n</premaster>\n",
              f);
        fclose(f);
    }
    pm_diag *diag = pm_diag_new();
    pm_status rendered = pm_render(project, out, 2, NULL, NULL, NULL, NULL, diag);
    pm_diag_free(diag);
    is_int(rendered, PM_OK, "a project of wav, flac and mp3 renders");

    enum { MAX = 64 };
    pm_format_check checks[MAX];
    int status;
    size_t n = run_verify(project, out, checks, MAX, &status);
    ok(status == PM_OK && n >= 17 && count_failed(checks, n, NULL) == 0,
       "verify from disk: %zu checks, all passed", n);

    /* one sample of the second WAV file, in the middle of its data: the hash tells */
    char path[4096];
    snprintf(path, sizeof path, "%s/streaming/s/02 Two.wav", out);
    f = fopen(path, "r+b");
    if (f) {
        fseek(f, 100000, SEEK_SET);
        int c = fgetc(f);
        fseek(f, 100000, SEEK_SET);
        fputc(c ^ 0x01, f);
        fclose(f);
    }
    n = run_verify(project, out, checks, MAX, &status);
    ok(count_failed(checks, n, "s wav: the files joined") == 1 &&
           count_failed(checks, n, NULL) >= 1 && count_failed(checks, n, "flac") == 0,
       "a sample changed in 02 Two.wav: the joined WAV files are no longer the stream");

    /* a tag changed behind the render's back */
    snprintf(path, sizeof path, "%s/streaming/s/01 One.flac", out);
    TagLib_File *tf = taglib_file_new(path);
    if (tf) {
        pm_taglib_property_set(tf, "ISRC", "GBEXM2699999");
        taglib_file_save(tf);
        taglib_file_free(tf);
    }
    n = run_verify(project, out, checks, MAX, &status);
    ok(count_failed(checks, n, "01 One.flac: tags read back") == 1,
       "an ISRC changed in 01 One.flac: its tags no longer equal the project");

    /* a file gone */
    snprintf(path, sizeof path, "%s/streaming/s/02 Two.mp3", out);
    unlink(path);
    n = run_verify(project, out, checks, MAX, &status);
    ok(count_failed(checks, n, "02 Two.mp3: decodes") == 1, "02 Two.mp3 removed: it is missed");
}

/* The proof of the split hashes each sample as its 32-bit word's little-endian bytes, whatever
 * the machine's byte order: against bytes laid out by hand, for ints and for floats. */
static void hashed_as_little_endian(void)
{
    const int32_t ints[5] = {0, -1, 0x12345678, INT32_MIN, -0x00ABCD00};
    const float floats[5] = {0.0f, -1.0f, 0.5f, 1e-30f, -0.25f};
    for (int as_float = 0; as_float < 2; as_float++) {
        unsigned char bytes[20];
        for (size_t k = 0; k < 5; k++) {
            uint32_t u;
            if (as_float)
                memcpy(&u, &floats[k], sizeof u);
            else
                u = (uint32_t)ints[k];
            for (int b = 0; b < 4; b++)
                bytes[4 * k + (size_t)b] = (unsigned char)(u >> (8 * b));
        }
        pm_sha256 by_hand, hashed;
        pm_sha256_init(&by_hand);
        pm_sha256_update(&by_hand, bytes, sizeof bytes);
        pm_sha256_init(&hashed);
        pm_streaming_hash_samples(&hashed, as_float ? NULL : ints, as_float ? floats : NULL, 5);
        char expected[65], got[65];
        pm_sha256_final(&by_hand, expected);
        pm_sha256_final(&hashed, got);
        is_str(got, expected,
               as_float ? "floats hashed as little-endian words"
                        : "ints hashed as little-endian words");
    }
}

int main(void)
{
    char dir[] = "/tmp/pm-test-streaming.XXXXXX";
    if (!mkdtemp(dir)) {
        plan(1);
        ok(0, "a temporary folder");
        return tap_exit_status();
    }
    platform_rule();
    rates();
    hashed_as_little_endian();
    ogg_serials(dir);
    verify_render(dir);
    if (pm_remove_tree(dir) != PM_OK)
        diag("%s could not be removed", dir);
    return done_testing();
}
