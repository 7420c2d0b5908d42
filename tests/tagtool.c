/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The tagging tests' helper (tests/tags.sh), which drives formats/tags.h on files it makes:
 *
 *   tagtool audio OUT FORMAT          half a second of stereo sine through libsndfile, FORMAT
 *                                     flac, mp3, ogg (Vorbis), opus or wav, at 48 kHz
 *   tagtool image KIND W H OUT        a picture: png (8-bit grey) or jpeg (baseline grey) of
 *                                     W x H pixels that decoders show as flat grey; gif, garbage
 *                                     and cutpng (a PNG without its end) for the refusals
 *   tagtool artwork FILE              pm_artwork_load: prints "W H MIME DEPTH", diagnostics on
 *                                     stderr; exit 1 when refused
 *   tagtool write FILE [ART]          pm_tags_write of the full tag set below (with ART)
 *   tagtool verify FILE [ART] [FIELD=VALUE]...
 *                                     pm_tags_verify against the set, with FIELD changed
 *                                     (title, isrc, date, year, track, ..., loudness=no); exit 1
 *                                     on mismatch
 *   tagtool poke FILE KEY [VALUE]     set (or remove) one TagLib property behind our back
 *
 * The full tag set, which tests/tags.sh expects to read back with ffprobe and metaflac: */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "tags.h"
#include "taglib_props.h"

#include "images.h"

static pm_tag_set full_set(void)
{
    pm_tag_set t = {0};
    t.title = "Caf\xC3\xA9 \xE2\x80\x93 \xC3\x9Cn\xC3\xAF"
              "code \xE2\x9C\x93"; /* Café – Ünïcode ✓ */
    t.artist = "The Examples";
    t.album = "Night Drive";
    t.album_artist = "The Examples & Friends";
    t.date = "2026-05-01";
    t.genre = "Electronic";
    t.composer = "A. Writer";
    t.isrc = "GBEXM2600003";
    t.barcode = "0724384960650";
    t.label = "Example Records";
    t.copyright = "2026 Example Records";
    t.p_line = "2026 Example Records Ltd";
    t.track = 3;
    t.track_total = 12;
    t.disc = 1;
    t.disc_total = 2;
    t.has_loudness = 1;
    t.track_lufs = -14.2;
    t.track_peak = 0.891251;
    t.album_lufs = -13.87;
    t.album_peak = 0.944061;
    return t;
}

static int make_audio(const char *out, const char *format)
{
    static const struct {
        const char *name;
        int format;
    } formats[] = {{"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
                   {"mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III},
                   {"ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
                   {"opus", SF_FORMAT_OGG | SF_FORMAT_OPUS},
                   {"wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16}};
    SF_INFO info = {.samplerate = 48000, .channels = 2};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (strcmp(format, formats[i].name) == 0)
            info.format = formats[i].format;
    SNDFILE *sf = info.format ? sf_open(out, SFM_WRITE, &info) : NULL;
    if (!sf) {
        fprintf(stderr, "tagtool: cannot write %s as %s: %s\n", out, format, sf_strerror(NULL));
        return 1;
    }
    float frame[2];
    for (int i = 0; i < 24000; i++) {
        frame[0] = frame[1] = (float)(0.25 * sin(2.0 * 3.141592653589793 * 1000.0 * i / 48000.0));
        sf_writef_float(sf, frame, 1);
    }
    return sf_close(sf) != 0;
}

static int make_image(const char *kind, unsigned w, unsigned h, const char *out)
{
    FILE *f = fopen(out, "wb");
    if (!f)
        return 1;
    int r = 0;
    if (strcmp(kind, "png") == 0 || strcmp(kind, "cutpng") == 0)
        r = make_png(f, w, h, 0, kind[0] == 'c');
    else if (strcmp(kind, "jpeg") == 0)
        r = make_jpeg(f, w, h);
    else if (strcmp(kind, "gif") == 0) /* a 1x1 GIF89a */
        fwrite("GIF89a\1\0\1\0\0\0\0,\0\0\0\0\1\0\1\0\0\2\2D\1\0;", 1, 26, f);
    else
        fputs("this is not a picture at all\n", f);
    return fclose(f) != 0 || r;
}

/* ---- tags ---------------------------------------------------------------------------------- */

static void print_diag(const pm_diag *diag)
{
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        char *s = pm_diag_format(pm_diag_get(diag, i));
        fprintf(stderr, "%s\n", s ? s : "(out of memory)");
        free(s);
    }
}

/* FIELD=VALUE into t; 0, or -1 for an unknown field. */
static int override(pm_tag_set *t, char *arg)
{
    char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    const char *v = eq + 1;
    struct {
        const char *name;
        const char **field;
    } texts[] = {{"title", &t->title},   {"artist", &t->artist},   {"album", &t->album},
                 {"isrc", &t->isrc},     {"barcode", &t->barcode}, {"label", &t->label},
                 {"p_line", &t->p_line}, {"date", &t->date},       {"composer", &t->composer}};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (strcmp(arg, texts[i].name) == 0) {
            *texts[i].field = *v ? v : NULL;
            return 0;
        }
    if (strcmp(arg, "track") == 0)
        t->track = atoi(v);
    else if (strcmp(arg, "year") == 0)
        t->year = atoi(v);
    else if (strcmp(arg, "disc_total") == 0)
        t->disc_total = atoi(v);
    else if (strcmp(arg, "track_lufs") == 0)
        t->track_lufs = atof(v);
    else if (strcmp(arg, "loudness") == 0)
        t->has_loudness = strcmp(v, "no") != 0;
    else
        return -1;
    return 0;
}

static int tags_command(const char *cmd, int argc, char **argv)
{
    pm_tag_set t = full_set();
    pm_artwork art = {0};
    pm_diag *diag = pm_diag_new();
    int a = 3, r = 1;
    if (!diag)
        return 1;
    if (a < argc && !strchr(argv[a], '=')) {
        if (pm_artwork_load(argv[a++], &art, diag) != PM_OK)
            goto done;
        t.artwork = &art;
    }
    for (; a < argc; a++)
        if (override(&t, argv[a]) != 0) {
            fprintf(stderr, "tagtool: unknown field in %s\n", argv[a]);
            goto done;
        }
    if (strcmp(cmd, "write") == 0) {
        r = pm_tags_write(argv[2], &t, diag) != PM_OK;
    } else {
        pm_format_check check[2];
        size_t n = 0;
        pm_status st = pm_tags_verify(argv[2], &t, check, 1, &n, diag);
        for (size_t i = 0; i < n; i++)
            printf("%s: %s\n", check[i].ok ? "ok" : "FAILED", check[i].what);
        r = st != PM_OK || n != 1 || !check[0].ok;
    }
done:
    print_diag(diag);
    pm_diag_free(diag);
    pm_artwork_fini(&art);
    return r;
}

static int poke(const char *path, const char *key, const char *value)
{
    size_t n = strlen(path);
    pm_taglib_file_type type = PM_TAGLIB_FILE_FLAC;
    if (n > 4 && strcmp(path + n - 4, ".mp3") == 0)
        type = PM_TAGLIB_FILE_MPEG;
    else if (n > 4 && strcmp(path + n - 4, ".ogg") == 0)
        type = PM_TAGLIB_FILE_OGG_VORBIS;
    else if (n > 5 && strcmp(path + n - 5, ".opus") == 0)
        type = PM_TAGLIB_FILE_OPUS;
    else if (n > 4 && strcmp(path + n - 4, ".wav") == 0)
        type = PM_TAGLIB_FILE_WAV;
    TagLib_File *f = pm_taglib_file_new_type(path, type);
    if (!f || !taglib_file_is_valid(f))
        return 1;
    pm_taglib_property_set(f, key, value);
    int r = !taglib_file_save(f);
    taglib_file_free(f);
    return r;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "audio") == 0 && argc == 4)
        return make_audio(argv[2], argv[3]);
    if (strcmp(cmd, "image") == 0 && argc == 6)
        return make_image(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), argv[5]);
    if (strcmp(cmd, "artwork") == 0 && argc == 3) {
        pm_artwork art;
        pm_diag *diag = pm_diag_new();
        pm_status st = pm_artwork_load(argv[2], &art, diag);
        if (st == PM_OK)
            printf("%d %d %s %d\n", art.width, art.height, art.mime, art.depth);
        print_diag(diag);
        pm_diag_free(diag);
        pm_artwork_fini(&art);
        return st != PM_OK;
    }
    if ((strcmp(cmd, "write") == 0 || strcmp(cmd, "verify") == 0) && argc >= 3)
        return tags_command(cmd, argc, argv);
    if (strcmp(cmd, "poke") == 0 && (argc == 4 || argc == 5))
        return poke(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    fprintf(stderr, "usage: tagtool audio|image|artwork|write|verify|poke ... (see tagtool.c)\n");
    return 2;
}
