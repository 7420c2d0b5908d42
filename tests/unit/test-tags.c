/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * formats/tags.h without audio: the loudness texts (ReplayGain gain and peak, R128 Q7.8 at its
 * limits) and pm_artwork_load on pictures made here and then broken one way each (JPEG: fill
 * bytes, no frame header, a DNL height, no EOI, a segment past the end; PNG: a damaged chunk,
 * bytes after IEND, no IDAT, no IHDR first; every colour type's depth; other formats named;
 * a missing file; memory running out); pm_tags_from_project's choices.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fsutil.h"
#include "tags.h"

#include "../images.h"
#include "../tap.h"

static char dir[] = "/tmp/pm-test-tags.XXXXXX";

/* ---- loudness texts -------------------------------------------------------------------------- */

typedef pm_status (*formatter)(double, char *, size_t);

static void text_is(formatter fn, double value, const char *want, const char *name)
{
    char out[32] = "";
    pm_status st = fn(value, out, sizeof out);
    if (want)
        ok(st == PM_OK && strcmp(out, want) == 0, "%s: \"%s\" (want \"%s\")", name, out, want);
    else
        ok(st == PM_ERR_INVALID, "%s: refused", name);
}

static void loudness_texts(void)
{
    text_is(pm_tags_replaygain_gain, -14.2, "-3.80 dB", "RG gain of -14.2 LUFS");
    text_is(pm_tags_replaygain_gain, -20.0, "+2.00 dB", "RG gain of -20 LUFS has its sign");
    text_is(pm_tags_replaygain_gain, -17.996, "+0.00 dB", "RG gain a hair under 0 is +0.00");
    text_is(pm_tags_replaygain_gain, -18.004, "+0.00 dB", "RG gain a hair over 0 is +0.00");
    text_is(pm_tags_replaygain_gain, -HUGE_VAL, NULL, "RG gain of silence (-inf LUFS)");
    text_is(pm_tags_replaygain_gain, NAN, NULL, "RG gain of NaN");
    text_is(pm_tags_replaygain_peak, 0.891251, "0.891251", "RG peak");
    text_is(pm_tags_replaygain_peak, 1.2, "1.200000", "RG peak over full scale (true peak)");
    text_is(pm_tags_replaygain_peak, -0.5, NULL, "a negative peak");
    text_is(pm_tags_r128_gain, -23.0, "0", "R128 of -23 LUFS");
    text_is(pm_tags_r128_gain, -14.2, "-2253", "R128 of -14.2 LUFS: 256 x -8.8 = -2252.8");
    text_is(pm_tags_r128_gain, -23.0 - 32767.0 / 256.0, "32767", "R128 at +127.996 dB");
    text_is(pm_tags_r128_gain, -23.0 - 32768.0 / 256.0, NULL, "R128 past +127.996 dB");
    text_is(pm_tags_r128_gain, -23.0 + 128.0, "-32768", "R128 at -128 dB");
    text_is(pm_tags_r128_gain, -23.0 + 128.01, NULL, "R128 past -128 dB");
}

/* ---- pictures ----------------------------------------------------------------------------------
 */

/* A made picture, in memory. kind: 'p' PNG (colour type colour), 'j' JPEG. */
static char *picture(int kind, unsigned w, unsigned h, int colour, size_t *size)
{
    char path[64];
    snprintf(path, sizeof path, "%s/made", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    int r = kind == 'p' ? make_png(f, w, h, colour, 0) : make_jpeg(f, w, h);
    char *data = NULL;
    if (fclose(f) != 0 || r || pm_read_file(path, &data, size) != PM_OK)
        return NULL;
    return data;
}

/* pm_artwork_load on size bytes of data as the file NAME: the status, the first message into
 * msg, the artwork into art (finished by the caller). */
static pm_status load(const char *name, const void *data, size_t size, pm_artwork *art, char *msg,
                      size_t msg_size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
    pm_diag *diag = pm_diag_new();
    pm_status st = pm_artwork_load(path, art, diag);
    snprintf(msg, msg_size, "%s", pm_diag_count(diag) ? pm_diag_get(diag, 0)->message : "");
    ok(!pm_diag_count(diag) || strcmp(pm_diag_get(diag, 0)->file, path) == 0,
       "%s: the message names the file", name);
    pm_diag_free(diag);
    return st;
}

/* A broken picture is refused with a message holding want. */
static void refused(const char *name, const void *data, size_t size, const char *want)
{
    pm_artwork art;
    char msg[256];
    pm_status st = load(name, data, size, &art, msg, sizeof msg);
    ok(st == PM_ERR_INVALID && strstr(msg, want) && !art.data, "%s refused: \"%s\" holds \"%s\"",
       name, msg, want);
    pm_artwork_fini(&art);
}

static void jpeg_cases(void)
{
    size_t n;
    unsigned char *j = (unsigned char *)picture('j', 40, 24, 0, &n);
    if (!ok(j != NULL, "a JPEG is made"))
        return;
    pm_artwork art;
    char msg[256];
    ok(load("plain.jpg", j, n, &art, msg, sizeof msg) == PM_OK && art.width == 40 &&
           art.height == 24 && art.depth == 8 && strcmp(art.mime, "image/jpeg") == 0 &&
           art.size == n && memcmp(art.data, j, n) == 0,
       "a 40 x 24 JPEG: its size, depth, MIME type and bytes");
    pm_artwork_fini(&art);
    ok(!art.data && !art.size, "pm_artwork_fini clears it");

    /* Fill bytes before the DQT marker (T.81 B.1.1.2): the same picture. */
    unsigned char *fill = malloc(n + 3);
    memcpy(fill, j, 2);
    memset(fill + 2, 0xFF, 3);
    memcpy(fill + 5, j + 2, n - 2);
    ok(load("fill.jpg", fill, n + 3, &art, msg, sizeof msg) == PM_OK && art.width == 40,
       "fill bytes before a marker are skipped");
    pm_artwork_fini(&art);
    free(fill);

    size_t sof = 2 + 69; /* SOI, DQT: the SOF0 segment starts here (tests/images.h) */
    ok(j[sof] == 0xFF && j[sof + 1] == 0xC0, "(the frame header is where the test expects)");
    unsigned char *b = malloc(n);
    memcpy(b, j, n);
    b[sof + 5] = b[sof + 6] = 0; /* height 0: defined later by a DNL segment */
    refused("dnl.jpg", b, n, "gives no size");
    memcpy(b, j, n);
    b[sof + 1] = 0xE1; /* the SOF0 becomes an APP1: no frame header */
    refused("nosof.jpg", b, n, "no frame header (SOFn)");
    refused("noeoi.jpg", j, n - 2, "does not end with EOI");
    refused("past.jpg", j, sof + 6, "runs past its end");
    static const unsigned char soi_eoi[4] = {0xFF, 0xD8, 0xFF, 0xD9};
    refused("empty.jpg", soi_eoi, 4, "ends before any picture data");
    free(b);
    free(j);
}

static void png_cases(void)
{
    /* Every colour type: its depth is 8 bits times its channels. */
    static const struct {
        int colour, depth;
    } types[] = {{0, 8}, {2, 24}, {4, 16}, {6, 32}};
    pm_artwork art;
    char msg[256];
    size_t n;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char *p = picture('p', 5, 3, types[i].colour, &n);
        ok(p && load("type.png", p, n, &art, msg, sizeof msg) == PM_OK && art.width == 5 &&
               art.height == 3 && art.depth == types[i].depth && strcmp(art.mime, "image/png") == 0,
           "PNG colour type %d: 5 x 3, %d bits a pixel", types[i].colour, types[i].depth);
        pm_artwork_fini(&art);
        free(p);
    }
    unsigned char *p = (unsigned char *)picture('p', 8, 8, 0, &n);
    if (!ok(p != NULL, "a PNG is made"))
        return;
    unsigned char *b = malloc(n + 4);
    memcpy(b, p, n);
    b[8 + 25 + 20] ^= 0x01; /* a byte of IDAT's data (after the signature and IHDR) */
    refused("crc.png", b, n, "CRC does not match");
    memcpy(b, p, n);
    memcpy(b + n, "junk", 4);
    refused("after.png", b, n + 4, "bytes after its IEND");
    /* IHDR then IEND only: no image data. */
    memcpy(b, p, 8 + 25);
    memcpy(b + 8 + 25, p + n - 12, 12);
    refused("noidat.png", b, 8 + 25 + 12, "no image data (IDAT)");
    /* The signature, then IEND first. */
    memcpy(b, p, 8);
    memcpy(b + 8, p + n - 12, 12);
    refused("noihdr.png", b, 8 + 12, "does not start with an IHDR");
    free(b);
    free(p);
}

static void other_files(void)
{
    refused("a.gif", "GIF87a\1\0\1\0", 10, "a GIF image");
    refused("a.webp", "RIFF\0\0\0\0WEBPVP8 ", 16, "a WebP image");
    refused("a.bmp", "BM\0\0\0\0", 6, "a BMP image");
    refused("a.tif", "II*\0\0\0\0\0", 8, "a TIFF image");
    refused("a.heic",
            "\0\0\0\x18"
            "ftypheic",
            12, "HEIF/AVIF");
    refused("empty", "", 0, "not an image format we know");

    pm_artwork art;
    pm_diag *diag = pm_diag_new();
    char path[128];
    snprintf(path, sizeof path, "%s/missing.jpg", dir);
    ok(pm_artwork_load(path, &art, diag) == PM_ERR_IO && pm_diag_count(diag) == 1 &&
           strstr(pm_diag_get(diag, 0)->message, "cannot be read") &&
           strcmp(pm_diag_get(diag, 0)->file, path) == 0,
       "a missing file: PM_ERR_IO, \"cannot be read\", naming it");
    pm_diag_free(diag);

    size_t n;
    char *j = picture('j', 8, 8, 0, &n);
    snprintf(path, sizeof path, "%s/mem.jpg", dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(j, 1, n, f);
        fclose(f);
    }
    pm_alloc_fail_after(1);
    pm_status st = pm_artwork_load(path, &art, NULL);
    pm_alloc_fail_after(0);
    ok(st == PM_ERR_NOMEM && !art.data, "memory running out: PM_ERR_NOMEM, nothing kept");
    free(j);
    pm_artwork_fini(NULL);
}

/* ---- from the project ---------------------------------------------------------------------- */

static void from_project(void)
{
    pm_project p;
    pm_track t;
    memset(&p, 0, sizeof p);
    memset(&t, 0, sizeof t);
    p.album.text.title = "Night Drive";
    p.album.text.artist = "The Examples";
    p.album.text.composer = "A. Writer";
    strcpy(p.album.upc, "0724384960650");
    p.album.label = "Example Records";
    p.album.copyright = "2026 Example Records";
    p.album.p_line = "2026 Example Records Ltd";
    p.album.genre = "Electronic";
    p.album.year = 2026;
    p.album.disc = 2;
    p.album.discs = 3;
    t.text.title = "Drive";
    strcpy(t.isrc, "GBEXM2600002");
    pm_tag_set s;
    pm_tags_from_project(&p, &t, 4, 12, &s);
    ok(strcmp(s.title, "Drive") == 0 && strcmp(s.album, "Night Drive") == 0,
       "from the project: the track's title, the album's title");
    ok(strcmp(s.artist, "The Examples") == 0 && strcmp(s.album_artist, "The Examples") == 0,
       "a track without an artist: the album's, which is also the album artist");
    ok(strcmp(s.composer, "A. Writer") == 0, "a track without a composer: the album's");
    ok(strcmp(s.isrc, "GBEXM2600002") == 0 && strcmp(s.barcode, "0724384960650") == 0,
       "the track's ISRC, the album's UPC as the barcode");
    ok(strcmp(s.label, "Example Records") == 0 &&
           strcmp(s.copyright, "2026 Example Records") == 0 &&
           strcmp(s.p_line, "2026 Example Records Ltd") == 0 && strcmp(s.genre, "Electronic") == 0,
       "label, copyright, (P) line and genre");
    ok(!s.date && s.year == 2026, "a year without a date: the year");
    ok(s.track == 4 && s.track_total == 12 && s.disc == 2 && s.disc_total == 3,
       "track 4 of 12 as given, disc 2 of 3 from the album");
    ok(!s.has_loudness && !s.artwork, "loudness and artwork left to the caller");
    t.text.artist = "The Examples feat. Guest";
    t.text.composer = "B. Writer";
    p.album.date = "2026-05-01";
    pm_tags_from_project(&p, &t, 1, 1, &s);
    ok(strcmp(s.artist, "The Examples feat. Guest") == 0 &&
           strcmp(s.album_artist, "The Examples") == 0 && strcmp(s.composer, "B. Writer") == 0 &&
           strcmp(s.date, "2026-05-01") == 0,
       "the track's own artist and composer; the album's date");
}

int main(void)
{
    if (!mkdtemp(dir)) {
        printf("Bail out! no temporary folder\n");
        return 1;
    }
    loudness_texts();
    jpeg_cases();
    png_cases();
    other_files();
    from_project();
    if (pm_remove_tree(dir) != PM_OK)
        diag("could not remove %s", dir);
    return done_testing();
}
