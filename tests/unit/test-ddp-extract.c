/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `ddp extract` through the library (pm_ddp_extract) on filesets written to disk by
 * tests/ddpgen.h: the WAV files read back through libsndfile are 44.1 kHz 16-bit stereo and,
 * joined, equal IMAGE.DAT from track 1's index 01 to the lead-out sample for sample; each track
 * ends at the next track's index 01; the cue sheet (golden text) and the CD-TEXT copy; a hidden
 * track before track 1; the folder policy; a fileset whose PQ cannot be laid out is refused
 * with nothing written. Also the content checks of verify that need real audio: the image's
 * first 150 sectors and byte-swapped samples.
 */
#include "ddp_read.h"
#include "premaster.h"

#include "../ddpgen.h"
#include "../tap.h"

#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char work[] = "/tmp/pm-ddp-extract.XXXXXX";

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(n > 0 ? (size_t)n : 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* Append the samples of a WAV to out (as little-endian bytes); -1 unless 44.1 kHz 16-bit
 * stereo. Returns the frames read. */
static long long append_wav(const char *path, unsigned char *out, size_t *used, size_t capacity)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return -1;
    if (info.samplerate != 44100 || info.channels != 2 ||
        info.format != (SF_FORMAT_WAV | SF_FORMAT_PCM_16) ||
        (size_t)info.frames * 4 > capacity - *used) {
        sf_close(sf);
        return -1;
    }
    short buf[4096];
    sf_count_t got;
    long long total = 0;
    while ((got = sf_readf_short(sf, buf, 2048)) > 0) {
        for (sf_count_t i = 0; i < got * 2; i++) {
            out[(*used)++] = (unsigned char)((unsigned short)buf[i] & 0xFF);
            out[(*used)++] = (unsigned char)((unsigned short)buf[i] >> 8);
        }
        total += got;
    }
    sf_close(sf);
    return total;
}

static void path_of(char *out, size_t size, const char *a, const char *b)
{
    snprintf(out, size, "%s/%s", a, b);
}

static pm_ddp *read_dir(const char *dir)
{
    pm_diag *found = pm_diag_new();
    pm_ddp *ddp = NULL;
    if (pm_ddp_read(dir, found, &ddp) != PM_OK) {
        for (size_t i = 0; i < pm_diag_count(found); i++)
            diag("%s", pm_diag_get(found, i)->message);
        pm_ddp_free(ddp);
        ddp = NULL;
    }
    pm_diag_free(found);
    return ddp;
}

static const char *golden_cue =
    "REM premaster ddp extract: each track from its index 01 to the next track's index 01\n"
    "CATALOG 0123456789012\n"
    "CDTEXTFILE \"tracks.cdt\"\n"
    "TITLE \"Test Album\"\n"
    "PERFORMER \"Test Artist\"\n"
    "SONGWRITER \"Album Writer\"\n"
    "FILE \"track01.wav\" WAVE\n"
    "  TRACK 01 AUDIO\n"
    "    TITLE \"One\"\n"
    "    PERFORMER \"Artist One\"\n"
    "    SONGWRITER \"Writer One\"\n"
    "    ISRC USABC2400001\n"
    "    FLAGS DCP\n"
    "    INDEX 01 00:00:00\n"
    "  TRACK 02 AUDIO\n"
    "    TITLE \"Two\"\n"
    "    PERFORMER \"Artist Two\"\n"
    "    ISRC USABC2400002\n"
    "    FLAGS PRE\n"
    "    INDEX 00 00:06:00\n"
    "FILE \"track02.wav\" WAVE\n"
    "    INDEX 01 00:00:00\n"
    "FILE \"track03.wav\" WAVE\n"
    "  TRACK 03 AUDIO\n"
    "    TITLE \"Three\"\n"
    "    PERFORMER \"Artist Three\"\n"
    "    FLAGS DCP PRE\n"
    "    INDEX 01 00:00:00\n"
    "    INDEX 02 00:02:00\n";

static void test_default(gen_disc *d)
{
    char ddp_dir[512], out[512], path[600];
    path_of(ddp_dir, sizeof ddp_dir, work, "good");
    path_of(out, sizeof out, work, "out");
    gen_default(d);
    if (gen_write(d, ddp_dir) != 0)
        bail_out("cannot write the fileset");
    pm_ddp *ddp = read_dir(ddp_dir);
    if (!ok(ddp != NULL, "the fileset on disk reads"))
        bail_out("cannot go on");
    pm_diag *diag = pm_diag_new();
    is_int(pm_ddp_extract(ddp, out, 0, diag), PM_OK, "extract into a new folder");

    size_t image_size;
    unsigned char *image = slurp(strcat(strcpy(path, ddp_dir), "/IMAGE.DAT"), &image_size);
    size_t capacity = image_size, used = 0;
    unsigned char *joined = malloc(capacity);
    static const long long sectors[3] = {750 - 150, 1125 - 750, 1500 - 1125};
    int formats = 1, lengths = 1;
    for (int t = 1; t <= 3; t++) {
        char name[32];
        snprintf(name, sizeof name, "track%02d.wav", t);
        path_of(path, sizeof path, out, name);
        long long frames = append_wav(path, joined, &used, capacity);
        formats &= frames >= 0;
        lengths &= frames == sectors[t - 1] * 588;
    }
    ok(formats, "three WAV files of 44.1 kHz, 16-bit, stereo (libsndfile reads them so)");
    ok(lengths, "each from its index 01 to the next track's index 01: 600, 375 and 375 sectors");
    size_t from = 150 * 2352;
    ok(image && used == image_size - from && memcmp(joined, image + from, used) == 0,
       "joined, they are IMAGE.DAT from track 1's index 01 to the lead-out, sample for sample");
    free(joined);

    size_t n;
    path_of(path, sizeof path, out, "tracks.cue");
    char *cue = (char *)slurp(path, &n);
    if (cue) {
        cue = realloc(cue, n + 1);
        cue[n] = '\0';
    }
    is_str(cue, golden_cue, "tracks.cue: CATALOG, CD-TEXT, ISRC, FLAGS, every index");
    free(cue);
    path_of(path, sizeof path, out, "tracks.cdt");
    unsigned char *cdt = slurp(path, &n);
    ok(cdt && n == 306 && memcmp(cdt, gen_cdtext_vector1, 306) == 0,
       "tracks.cdt holds the CD-TEXT packs");
    free(cdt);
    path_of(path, sizeof path, out, "track00.wav");
    ok(access(path, F_OK) != 0, "no track00.wav when track 1's pause is the 2 s");

    pm_diag_free(diag);
    diag = pm_diag_new();
    is_int(pm_ddp_extract(ddp, out, 0, diag), PM_ERR_EXISTS,
           "a folder holding files is refused without force");
    is_int(pm_ddp_extract(ddp, out, 1, diag), PM_OK, "and written over with force");
    pm_diag_free(diag);
    pm_ddp_free(ddp);
    free(image);
}

static void test_htoa(gen_disc *d)
{
    char ddp_dir[512], out[512], path[600];
    path_of(ddp_dir, sizeof ddp_dir, work, "htoa");
    path_of(out, sizeof out, work, "htoa-out");
    gen_default(d);
    d->tracks[0].index_cdf[1] = 300;
    d->pre2 = 300;
    if (gen_write(d, ddp_dir) != 0)
        bail_out("cannot write the fileset");
    pm_ddp *ddp = read_dir(ddp_dir);
    pm_diag *diag = pm_diag_new();
    is_int(ddp ? pm_ddp_extract(ddp, out, 0, diag) : -99, PM_OK, "extract a hidden track");
    size_t image_size, used = 0;
    unsigned char *image = slurp(strcat(strcpy(path, ddp_dir), "/IMAGE.DAT"), &image_size);
    unsigned char *joined = malloc(image_size);
    static const char *names[] = {"track00.wav", "track01.wav", "track02.wav", "track03.wav"};
    long long frames0 = -1;
    for (int i = 0; i < 4; i++) {
        path_of(path, sizeof path, out, names[i]);
        long long f = append_wav(path, joined, &used, image_size);
        if (i == 0)
            frames0 = f;
    }
    ok(frames0 == 150 * 588, "track00.wav: the 2 s of hidden audio between the pause and track 1");
    ok(image && used == image_size - 150 * 2352 &&
           memcmp(joined, image + 150 * 2352, used) == 0,
       "track00 to track03 joined: the image after its first 150 sectors, sample for sample");
    size_t n;
    path_of(path, sizeof path, out, "tracks.cue");
    char *cue = (char *)slurp(path, &n);
    ok(cue && n > 100 &&
           strstr(cue, "FILE \"track00.wav\" WAVE\n  TRACK 01 AUDIO\n    TITLE \"One\"\n"
                       "    PERFORMER \"Artist One\"\n    SONGWRITER \"Writer One\"\n"
                       "    ISRC USABC2400001\n    FLAGS DCP\n    INDEX 00 00:00:00\n"
                       "FILE \"track01.wav\" WAVE\n    INDEX 01 00:00:00\n"),
       "the cue opens track 1 with INDEX 00 in track00.wav");
    free(cue);
    free(joined);
    free(image);
    pm_diag_free(diag);
    pm_ddp_free(ddp);
}

static void test_refused(gen_disc *d)
{
    char ddp_dir[512], out[512], path[600];
    path_of(ddp_dir, sizeof ddp_dir, work, "disorder");
    path_of(out, sizeof out, work, "disorder-out");
    gen_default(d);
    d->tracks[1].index_cdf[1] = 1200; /* after track 3's index 01 */
    if (gen_write(d, ddp_dir) != 0)
        bail_out("cannot write the fileset");
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    pm_status s = pm_ddp_read(ddp_dir, diag, &ddp);
    ok(s == PM_OK && ddp, "a fileset whose PQ times go back still parses");
    is_int(ddp ? pm_ddp_extract(ddp, out, 0, diag) : -99, PM_ERR_INVALID,
           "but extract refuses it");
    ok(access(out, F_OK) != 0, "and writes nothing");
    pm_diag_free(diag);
    pm_ddp_free(ddp);

    diag = pm_diag_new();
    path_of(path, sizeof path, work, "no-such-folder");
    s = pm_ddp_read(path, diag, &ddp);
    ok(s == PM_ERR_INVALID && !ddp && pm_diag_count(diag) == 1 &&
           strstr(pm_diag_get(diag, 0)->message, "cannot be read as a folder"),
       "a missing folder is an error saying so");
    pm_diag_free(diag);
}

/* Rewrite the image of a fileset on disk through f, then verify and look for text. */
static void image_warning(gen_disc *d, const char *name, void (*f)(unsigned char *, size_t),
                          const char *text, const char *test)
{
    char dir[512], path[600];
    path_of(dir, sizeof dir, work, name);
    gen_default(d);
    if (gen_write(d, dir) != 0)
        bail_out("cannot write the fileset");
    size_t n;
    path_of(path, sizeof path, dir, "IMAGE.DAT");
    unsigned char *image = slurp(path, &n);
    f(image, n);
    FILE *out = fopen(path, "wb");
    fwrite(image, 1, n, out);
    fclose(out);
    free(image);
    pm_ddp *ddp = read_dir(dir);
    pm_diag *diag = pm_diag_new();
    int found = 0;
    if (ddp && pm_ddp_verify(ddp, diag) == PM_OK)
        for (size_t i = 0; i < pm_diag_count(diag); i++)
            found |= pm_diag_get(diag, i)->severity == PM_SEV_WARNING &&
                     strstr(pm_diag_get(diag, i)->message, text) != NULL;
    ok(found, "%s", test);
    pm_diag_free(diag);
    pm_ddp_free(ddp);
}

static void swap_bytes(unsigned char *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned char t = b[i];
        b[i] = b[i + 1];
        b[i + 1] = t;
    }
}

static void noise_in_pause(unsigned char *b, size_t n)
{
    (void)n;
    b[1000] = 7;
}

int main(void)
{
    if (!mkdtemp(work))
        bail_out("cannot make a folder under /tmp");
    gen_disc *d = malloc(sizeof *d);
    test_default(d);
    test_htoa(d);
    test_refused(d);
    image_warning(d, "swapped", swap_bytes, "looks byte-swapped",
                  "a big-endian image is flagged as byte-swapped");
    image_warning(d, "pause", noise_in_pause, "non-zero bytes in its first 150 sectors",
                  "sound in the 2 s before track 1 is flagged");
    char dir[512];
    path_of(dir, sizeof dir, work, "plain");
    gen_default(d);
    gen_write(d, dir);
    pm_ddp *ddp = read_dir(dir);
    pm_diag *found = pm_diag_new();
    ok(ddp && pm_ddp_verify(ddp, found) == PM_OK &&
           pm_diag_count_severity(found, PM_SEV_WARNING) == 1,
       "the plain test signal draws neither warning (only: no checksum file)");
    pm_diag_free(found);
    pm_ddp_free(ddp);
    free(d);
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", work);
    if (system(command) != 0)
        diag("could not remove %s", work);
    return done_testing();
}
