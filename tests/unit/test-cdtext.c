/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CD-TEXT (cdtext.h): the encoder byte for byte against both golden vectors of ddp-notes 1.8
 * (libburn 1.5.4 with 0x8E packs, cue2ddp 1.1 without), the decoder on both, seeded round trips
 * (1-8 blocks, 1-99 tracks, texts of 0-160 bytes with Latin-1 letters, empty fields) with every
 * CRC checked by a second, bitwise CRC written here and every text read back by libcdio's own
 * parser as an independent reader, the project's texts in their blocks, and the decoder's faults:
 * a flipped byte, packs out of sequence, truncation, size information that disagrees.
 */
#include "cdtext.h"
#include "project.h"

#include "../tap.h"
#include "cdtext-common.h"
#include "cdtext-vectors.h"

#include <cdio/cdio.h>
#include <cdio/cdtext.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- libcdio as an independent reader (ddp-notes 4) ------------------------------------------ */

/*
 * libcdio 2.1.0 skips an empty text without counting it, so a non-empty text after an empty one
 * in the same pack lands on the wrong track there (its reading of libburn's vector 1 is right
 * only because the empty texts come last). A type is compared where no empty text comes before
 * a non-empty one; *compared and *skipped count the types.
 */
static int libcdio_comparable(const char *const *texts, int items)
{
    int empty_seen = 0;
    for (int i = 0; texts && i < items; i++) {
        if (texts[i] && *texts[i] && empty_seen)
            return 0;
        empty_seen |= !texts[i] || !*texts[i];
    }
    return 1;
}

/* Whether libcdio's parser (cdtext_data_init) reads the packs to in's texts; why says where not. */
static int libcdio_agrees(const unsigned char *data, size_t size, const pm_cdtext_input *in,
                          char *why, size_t n, int *compared, int *skipped)
{
    /* libcdio's field numbers: its MESSAGE comes before ARRANGER, unlike the pack types. */
    static const cdtext_field_t fields[PM_CDTEXT_TYPE_COUNT] = {
        CDTEXT_FIELD_TITLE,    CDTEXT_FIELD_PERFORMER, CDTEXT_FIELD_SONGWRITER,
        CDTEXT_FIELD_COMPOSER, CDTEXT_FIELD_ARRANGER,  CDTEXT_FIELD_MESSAGE};
    int agrees = 0;
    uint8_t *copy = malloc(size);
    cdtext_t *ct = cdtext_init();
    if (!copy || !ct) {
        snprintf(why, n, "out of memory");
        goto done;
    }
    memcpy(copy, data, size);
    if (cdtext_data_init(ct, copy, size) != 0) {
        snprintf(why, n, "cdtext_data_init refused the packs");
        goto done;
    }
    for (int k = 0; k < in->block_count; k++) {
        const pm_cdtext_block_text *b = &in->blocks[k];
        if (!cdtext_select_language(ct, (cdtext_lang_t)in->languages[k])) {
            snprintf(why, n, "libcdio has no block in language 0x%02X", in->languages[k]);
            goto done;
        }
        if (cdtext_get_first_track(ct) != 1 || cdtext_get_last_track(ct) != b->track_count) {
            snprintf(why, n, "block %d: libcdio says tracks %d-%d", k, cdtext_get_first_track(ct),
                     cdtext_get_last_track(ct));
            goto done;
        }
        int items = b->track_count + 1, types_ok[PM_CDTEXT_TYPE_COUNT];
        int codes_ok = libcdio_comparable(b->codes, items);
        for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
            types_ok[type] = libcdio_comparable(b->texts[type], items);
            *compared += types_ok[type];
            *skipped += !types_ok[type];
        }
        *compared += codes_ok;
        *skipped += !codes_ok;
        for (int item = 0; item <= b->track_count; item++) {
            for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
                if (!types_ok[type])
                    continue;
                const char *want = b->texts[type] ? b->texts[type][item] : NULL;
                const char *got = cdtext_get_const(ct, fields[type], (track_t)item);
                if (!cdtext_same(want, got)) {
                    snprintf(why, n, "block %d item %d %s: libcdio \"%s\", expected \"%s\"", k,
                             item, pm_cdtext_type_name((pm_cdtext_type)type), got ? got : "",
                             want ? want : "");
                    goto done;
                }
            }
            if (!codes_ok)
                continue;
            const char *want = b->codes ? b->codes[item] : NULL;
            const char *got = cdtext_get_const(
                ct, item ? CDTEXT_FIELD_ISRC : CDTEXT_FIELD_UPC_EAN, (track_t)item);
            if (!cdtext_same(want, got)) {
                snprintf(why, n, "block %d item %d code: libcdio \"%s\", expected \"%s\"", k,
                         item, got ? got : "", want ? want : "");
                goto done;
            }
        }
        const char *genre = cdtext_get_const(ct, CDTEXT_FIELD_GENRE, 0);
        if (!cdtext_same(b->genre, genre) ||
            (int)cdtext_get_genre(ct) != pm_cdtext_genre_code(b->genre)) {
            snprintf(why, n, "block %d genre: libcdio %d \"%s\", expected %d \"%s\"", k,
                     (int)cdtext_get_genre(ct), genre ? genre : "",
                     pm_cdtext_genre_code(b->genre), b->genre ? b->genre : "");
            goto done;
        }
    }
    agrees = 1;
done:
    if (ct)
        cdtext_destroy(ct);
    free(copy);
    return agrees;
}

/* ---- golden vectors -------------------------------------------------------------------------- */

static void test_golden(void)
{
    unsigned char want[17 * 18], *got = NULL;
    size_t got_size, want_size;
    pm_cdtext_input in;
    pm_cdtext_decoded *d = NULL;
    char why[512];

    want_size = vector1_bytes(want);
    ok(bad_crc(want, want_size) < 0, "vector 1: every CRC the notes print is right (division)");
    vector_input(&in, 1);
    is_int(pm_cdtext_encode(&in, &got, &got_size, NULL), PM_OK, "vector 1: encoded");
    same_bytes(got, got_size, want, want_size, "vector 1 (libburn 1.5.4, with 0x8E packs)");
    is_int((long long)pm_cdtext_block_packs(&in.blocks[0]), 17, "vector 1: counted as 17 packs");
    int compared = 0, skipped = 0;
    ok(libcdio_agrees(got, got_size, &in, why, sizeof why, &compared, &skipped) && !skipped,
       "vector 1: libcdio reads our packs to the texts%s%s", *why ? ": " : "", why);
    free(got);
    is_int(pm_cdtext_decode(want, want_size, "v1", &d, NULL), PM_OK, "vector 1: decodes");
    ok(d && cdtext_matches(d, &in, why, sizeof why), "vector 1: decoded texts are the cue's");
    pm_cdtext_decoded_free(d);

    unsigned char want2[10 * 18];
    want_size = unhex(vector2_hex, 10, want2);
    ok(want_size == 180 && bad_crc(want2, want_size) < 0, "vector 2: 10 packs, every CRC right");
    vector_input(&in, 2);
    got = NULL;
    is_int(pm_cdtext_encode(&in, &got, &got_size, NULL), PM_OK, "vector 2: encoded");
    same_bytes(got, got_size, want2, want_size, "vector 2 (cue2ddp 1.1, no 0x8E packs)");
    *why = '\0';
    ok(libcdio_agrees(got, got_size, &in, why, sizeof why, &compared, &skipped) && !skipped,
       "vector 2: libcdio reads our packs to the texts%s%s", *why ? ": " : "", why);
    free(got);

    /* cue2ddp's file through our decoder, then encoded again from what was decoded. */
    d = NULL;
    is_int(pm_cdtext_decode(want2, want_size, "v2", &d, NULL), PM_OK, "vector 2: decodes");
    *why = '\0';
    ok(d && cdtext_matches(d, &in, why, sizeof why),
       "vector 2: decoded texts are the fixture's%s%s", *why ? ": " : "", why);
    if (d) {
        pm_cdtext_input again;
        cdtext_input_from_decoded(d, &again);
        got = NULL;
        is_int(pm_cdtext_encode(&again, &got, &got_size, NULL), PM_OK, "vector 2: re-encoded");
        same_bytes(got, got_size, want2, want_size, "vector 2 decoded and encoded again");
        free(got);
    }
    pm_cdtext_decoded_free(d);
}

/* ---- seeded round trips ---------------------------------------------------------------------- */

#define MAX_ITEMS (PM_CDTEXT_MAX_TRACKS + 1)
#define TEXT_CAP (2 * PM_CDTEXT_MAX_TEXT_BYTES + 1) /* Latin-1 letters take 2 bytes of UTF-8 */

typedef struct scenario {
    char text[PM_CDTEXT_MAX_BLOCKS][PM_CDTEXT_TYPE_COUNT][MAX_ITEMS][TEXT_CAP];
    const char *ptr[PM_CDTEXT_MAX_BLOCKS][PM_CDTEXT_TYPE_COUNT][MAX_ITEMS];
    char code[MAX_ITEMS][16];
    const char *code_ptr[MAX_ITEMS];
    pm_cdtext_input in;
} scenario;

/* len characters, ISO-8859-1 letters among them, as UTF-8. */
static void random_text(uint64_t *rng, char *out, int len)
{
    static const char *const latin1[] = {"\xc3\xa9", "\xc3\xbc", "\xc3\x9f", "\xc3\x86",
                                         "\xc3\xb8", "\xc3\xb1", "\xc2\xbf", "\xc2\xbd",
                                         "\xc3\x89", "\xc3\x9c", "\xc2\xa0", "\xc3\xbf"};
    size_t n = 0;
    for (int i = 0; i < len; i++) {
        uint64_t r = tap_rand_below(rng, 48);
        if (r < 26) {
            out[n++] = (char)('a' + r);
        } else if (r < 30) {
            out[n++] = (char)(r < 29 ? ' ' : '&');
        } else if (r < 36) {
            out[n++] = (char)('0' + r - 30);
        } else {
            const char *c = latin1[r - 36];
            out[n++] = c[0];
            out[n++] = c[1];
        }
    }
    out[n] = '\0';
}

/* holes: empty texts anywhere (else only whole types are absent, which libcdio reads right). */
static void fill_block(scenario *sc, int b, int tracks, int max_len, int holes, uint64_t *rng)
{
    pm_cdtext_block_text *bt = &sc->in.blocks[b];
    bt->track_count = tracks;
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
        /* Some types absent, the title seldom. */
        if (tap_rand_below(rng, type == PM_CDTEXT_TITLE ? 12 : 3) == 0) {
            bt->texts[type] = NULL;
            continue;
        }
        for (int item = 0; item <= tracks; item++) {
            uint64_t shape = tap_rand_below(rng, 10);
            if (!holes && shape < 3)
                shape = 3;
            int len = shape == 0 ? 0 : (int)tap_rand_below(rng, (uint64_t)max_len + 1);
            if (!holes && len == 0)
                len = 1;
            if (shape == 1 && max_len >= 40)
                len = max_len; /* the longest allowed, often */
            random_text(rng, sc->text[b][type][item], len);
            sc->ptr[b][type][item] = shape == 2 ? NULL : sc->text[b][type][item];
        }
        bt->texts[type] = sc->ptr[b][type];
    }
    static const char *const genres[] = {NULL, "Jazz", "Electronic", "Musica latina",
                                         "Rhythm & Blues"};
    bt->genre = genres[tap_rand_below(rng, 5)];
}

/* A scenario of blocks x tracks whose every block fits its 256 packs. */
static void make_scenario(scenario *sc, int blocks, int tracks, int max_len, int holes,
                          uint64_t *rng)
{
    static const int languages[] = {0x09, 0x08, 0x0F, 0x0A, 0x15, 0x1D, 0x28, 0x69};
    memset(&sc->in, 0, sizeof sc->in);
    sc->in.block_count = blocks;
    sc->in.copyright = tap_rand_below(rng, 2) ? 0x03 : 0x00;
    int with_codes = (int)tap_rand_below(rng, 2);
    for (int item = 0; item <= tracks; item++) {
        if (holes && tap_rand_below(rng, 4) == 0)
            sc->code[item][0] = '\0';
        else if (item == 0)
            snprintf(sc->code[0], sizeof sc->code[0], "0724384960650");
        else
            snprintf(sc->code[item], sizeof sc->code[item], "GBEXM26%05d", item);
        sc->code_ptr[item] = sc->code[item];
    }
    int order[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int i = 7; i > 0; i--) {
        int j = (int)tap_rand_below(rng, (uint64_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int b = 0; b < blocks; b++) {
        sc->in.languages[b] = languages[order[b]];
        int len = max_len;
        do {
            fill_block(sc, b, tracks, len, holes, rng);
            sc->in.blocks[b].codes = with_codes ? sc->code_ptr : NULL;
            len = len * 3 / 4;
        } while (pm_cdtext_block_packs(&sc->in.blocks[b]) > PM_CDTEXT_MAX_BLOCK_PACKS);
    }
}

static void round_trip(scenario *sc, const char *name)
{
    unsigned char *got = NULL, *again_bytes = NULL;
    size_t size = 0, again_size = 0, counted = 0;
    pm_cdtext_decoded *d = NULL;
    char why[512] = "";
    pm_diag *dg = pm_diag_new();
    for (int b = 0; b < sc->in.block_count; b++)
        counted += pm_cdtext_block_packs(&sc->in.blocks[b]);
    pm_status s = pm_cdtext_encode(&sc->in, &got, &size, dg);
    if (!ok(s == PM_OK && size == counted * 18, "%s: encoded, %zu packs as counted", name,
            counted)) {
        diag("status %d, %zu bytes", s, size);
        for (size_t i = 0; i < pm_diag_count(dg); i++)
            diag("%s", pm_diag_get(dg, i)->message);
    }
    long bad = bad_crc(got, size);
    ok(got && bad < 0, "%s: every CRC right (bitwise division)%s", name, bad >= 0 ? ", not" : "");
    s = pm_cdtext_decode(got, size, name, &d, dg);
    if (!ok(s == PM_OK && cdtext_matches(d, &sc->in, why, sizeof why), "%s: decodes to the same "
            "texts", name)) {
        diag("%s", why);
        for (size_t i = 0; i < pm_diag_count(dg); i++)
            diag("%s", pm_diag_get(dg, i)->message);
    }
    *why = '\0';
    int compared = 0, skipped = 0;
    int agrees = got && libcdio_agrees(got, size, &sc->in, why, sizeof why, &compared, &skipped);
    ok(agrees, "%s: libcdio reads the same texts (%d types compared, %d with an empty text before "
       "another not)%s%s", name, compared, skipped, *why ? ": " : "", why);
    if (d) {
        pm_cdtext_input again;
        cdtext_input_from_decoded(d, &again);
        s = pm_cdtext_encode(&again, &again_bytes, &again_size, NULL);
        ok(s == PM_OK && again_size == size && memcmp(again_bytes, got, size) == 0,
           "%s: decoded and encoded again, the same bytes", name);
    } else {
        ok(0, "%s: decoded and encoded again, the same bytes", name);
    }
    free(again_bytes);
    pm_cdtext_decoded_free(d);
    free(got);
    pm_diag_free(dg);
}

static void test_round_trips(uint64_t *rng)
{
    static const int fixed[][2] = {{1, 1}, {1, 3},  {2, 2},  {3, 7},  {4, 15}, {5, 25},
                                   {6, 40}, {7, 60}, {8, 99}, {1, 99}, {8, 1},  {2, 99}};
    scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        bail_out("out of memory");
    char name[96];
    for (int i = 0; i < 24; i++) {
        int blocks = i < 12 ? fixed[i][0] : 1 + (int)tap_rand_below(rng, 8);
        int tracks = i < 12 ? fixed[i][1] : 1 + (int)tap_rand_below(rng, 99);
        int holes = i % 2;
        make_scenario(sc, blocks, tracks, PM_CDTEXT_MAX_TEXT_BYTES, holes, rng);
        snprintf(name, sizeof name, "round trip %d (%d blocks, %d tracks%s)", i + 1, blocks,
                 tracks, holes ? ", empty texts" : "");
        round_trip(sc, name);
    }

    /* 160 bytes in every field of the disc and 2 tracks, half of them Latin-1 letters: 249 packs,
     * near the block's 256. */
    memset(&sc->in, 0, sizeof sc->in);
    sc->in.block_count = 1;
    sc->in.languages[0] = 0x08;
    sc->in.blocks[0].track_count = 2;
    for (int type = 0; type < PM_CDTEXT_TYPE_COUNT; type++) {
        for (int item = 0; item <= 2; item++) {
            char *t = sc->text[0][type][item];
            size_t n = 0;
            for (int c = 0; c < PM_CDTEXT_MAX_TEXT_BYTES; c++) {
                const char *ch = c % 2 ? "\xc3\x9f" : (c % 3 ? "\xc3\xa9" : "u");
                memcpy(t + n, ch, strlen(ch));
                n += strlen(ch);
            }
            t[n] = '\0';
            sc->ptr[0][type][item] = t;
        }
        sc->in.blocks[0].texts[type] = sc->ptr[0][type];
    }
    is_int((long long)pm_cdtext_block_packs(&sc->in.blocks[0]), 249,
           "every field 160 bytes, 2 tracks: 249 packs");
    round_trip(sc, "160-byte fields");
    free(sc);
}

/* ---- the project's texts in their blocks ----------------------------------------------------- */

static void test_project(void)
{
    /* The example of PROJECT-FORMAT.md, cut down: a German block with only a title. */
    pm_project p;
    pm_track tracks[2];
    pm_cdtext_block album_de, track2_de;
    memset(&p, 0, sizeof p);
    memset(tracks, 0, sizeof tracks);
    memset(&album_de, 0, sizeof album_de);
    memset(&track2_de, 0, sizeof track2_de);
    p.album.text.title = "Night Drive";
    p.album.text.artist = "The Examples";
    p.album.text.composer = "A. Writer";
    p.album.genre = "Electronic";
    memcpy(p.album.language, "en", 3);
    memcpy(p.album.upc, "0724384960650", 14);
    memcpy(album_de.language, "de", 3);
    album_de.text.title = "Nachtfahrt";
    p.album.cdtext = &album_de;
    p.album.cdtext_count = 1;
    tracks[0].text.title = "One";
    memcpy(tracks[0].isrc, "GBEXM2600001", 13);
    tracks[1].text.title = "Two";
    tracks[1].text.artist = "Guest";
    memcpy(track2_de.language, "de", 3);
    track2_de.text.title = "Zwei";
    tracks[1].cdtext = &track2_de;
    tracks[1].cdtext_count = 1;
    p.tracks = tracks;
    p.track_count = 2;
    p.cd.line = 1;
    p.cd.cdtext = 1;
    p.cd.cdtext_isrc = 1;

    pm_cdtext_input in;
    is_int(pm_cdtext_input_from_project(&p, &in, NULL), PM_OK, "project: input built");
    is_int(in.block_count, 2, "project: two blocks");
    is_int(in.languages[0], 0x09, "project: block 0 English");
    is_int(in.languages[1], 0x08, "project: block 1 German");
    const pm_cdtext_block_text *en = &in.blocks[0], *de = &in.blocks[1];
    is_str(en->texts[PM_CDTEXT_PERFORMER][1], "The Examples",
           "project: a track's performer defaults to the album's");
    is_str(en->texts[PM_CDTEXT_PERFORMER][2], "Guest", "project: a track's own performer");
    is_str(de->texts[PM_CDTEXT_TITLE][0], "Nachtfahrt", "project: the German disc title");
    is_str(de->texts[PM_CDTEXT_PERFORMER][0], "The Examples",
           "project: a field the block leaves out is the album's");
    is_str(de->texts[PM_CDTEXT_COMPOSER][0], "A. Writer", "project: the composer too");
    is_str(de->texts[PM_CDTEXT_TITLE][1], "One",
           "project: a track without German text keeps its own in the German block");
    is_str(de->texts[PM_CDTEXT_TITLE][2], "Zwei", "project: a track's German title");
    is_str(de->texts[PM_CDTEXT_PERFORMER][2], "Guest",
           "project: a field the track's block leaves out is the track's");
    ok(en->codes && de->codes && strcmp(en->codes[0], "0724384960650") == 0 &&
           strcmp(de->codes[1], "GBEXM2600001") == 0 && strcmp(de->codes[2], "") == 0,
       "project: cdtext-isrc gives the UPC and the ISRCs, empty where none");
    is_str(de->genre, "Electronic", "project: the genre in every block");

    unsigned char *bytes = NULL;
    size_t size = 0;
    pm_cdtext_decoded *d = NULL;
    char why[512] = "";
    is_int(pm_cdtext_encode(&in, &bytes, &size, NULL), PM_OK, "project: encoded");
    ok(pm_cdtext_decode(bytes, size, "project", &d, NULL) == PM_OK &&
           cdtext_matches(d, &in, why, sizeof why),
       "project: decodes to its texts%s%s", *why ? ": " : "", why);
    if (d)
        is_int(d->blocks[0].genre_code, 1, "project: \"Electronic\" is genre code 1 (not "
               "defined), its text saying which");
    *why = '\0';
    int compared = 0, skipped = 0;
    int agrees = libcdio_agrees(bytes, size, &in, why, sizeof why, &compared, &skipped);
    ok(agrees, "project: libcdio agrees (%d types compared, %d not)%s%s", compared, skipped,
       *why ? ": " : "", why);
    pm_cdtext_decoded_free(d);
    free(bytes);
    pm_cdtext_input_fini(&in);

    p.cd.cdtext_isrc = 0;
    is_int(pm_cdtext_input_from_project(&p, &in, NULL), PM_OK, "project without cdtext-isrc");
    ok(in.blocks[0].codes == NULL && in.blocks[1].codes == NULL, "project: then no codes");
    pm_cdtext_input_fini(&in);
    p.track_count = 0;
    is_int(pm_cdtext_input_from_project(&p, &in, NULL), PM_ERR_INVALID, "project: no tracks "
           "refused");
    pm_cdtext_input_fini(&in);
    pm_cdtext_input_fini(NULL);
}

/* ---- what the encoder refuses ---------------------------------------------------------------- */

/* Encode one block of 3 tracks with title text at item, expecting status and a message. */
static void refuse_title(int item, const char *text, pm_status want, const char *words,
                         const char *name)
{
    const char *titles[4] = {"Disc", "One", "Two", "Three"};
    titles[item] = text;
    pm_cdtext_input in;
    vector_input(&in, 2);
    in.blocks[0].texts[PM_CDTEXT_TITLE] = titles;
    unsigned char *out = (unsigned char *)"x";
    size_t size = 1;
    pm_diag *dg = pm_diag_new();
    pm_status s = pm_cdtext_encode(&in, &out, &size, dg);
    const char *msg = pm_diag_count(dg) ? pm_diag_get(dg, 0)->message : "";
    int as_wanted = want == PM_OK ? s == PM_OK && out != NULL && size > 0
                                  : s == want && out == NULL && size == 0 && strstr(msg, words);
    if (!ok(as_wanted, "encoder: %s", name))
        diag("status %d, message \"%s\" (wanted \"%s\")", s, msg, words);
    if (s == PM_OK)
        free(out);
    pm_diag_free(dg);
}

static void test_encoder_refusals(void)
{
    char long_text[PM_CDTEXT_MAX_TEXT_BYTES + 2];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    refuse_title(2, "Zo\xc3\xab \xc5\x91", PM_ERR_INVALID, "U+0151",
                 "a character beyond ISO-8859-1 is named");
    refuse_title(1, "bad \xc3(", PM_ERR_INVALID, "not valid UTF-8", "text that is not UTF-8");
    refuse_title(1, "\xc0\x80", PM_ERR_INVALID, "not valid UTF-8", "an overlong NUL");
    refuse_title(3, long_text, PM_ERR_INVALID, "161 bytes", "161 bytes");
    refuse_title(2, "\t", PM_ERR_INVALID, "lone TAB", "a lone TAB (read as 'same as previous')");
    long_text[PM_CDTEXT_MAX_TEXT_BYTES] = '\0';
    refuse_title(3, long_text, PM_OK, "", "160 bytes are accepted");

    pm_cdtext_input in;
    vector_input(&in, 2);
    in.blocks[0].genre = "M\xc3\xbasica";
    unsigned char *out = NULL;
    size_t size = 0;
    pm_diag *dg = pm_diag_new();
    is_int(pm_cdtext_encode(&in, &out, &size, dg), PM_ERR_INVALID, "encoder: a genre that is "
           "not ASCII is refused");
    ok(pm_diag_count(dg) && strstr(pm_diag_get(dg, 0)->message, "not ASCII"),
       "encoder: the message says ASCII");
    pm_diag_free(dg);
    in.blocks[0].genre = "Jazz";
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_OK, "encoder: genre Jazz");
    ok(out && size == 11 * 18 && out[7 * 18] == 0x87 && out[7 * 18 + 4] == 0 &&
           out[7 * 18 + 5] == 14 && memcmp(out + 7 * 18 + 6, "Jazz", 5) == 0,
       "encoder: one 0x87 pack, code 14 then \"Jazz\"");
    free(out);

    /* 99 titles of 40 characters: 339 packs. */
    static char titles40[MAX_ITEMS][41];
    const char *titles[MAX_ITEMS];
    for (int i = 0; i < MAX_ITEMS; i++) {
        snprintf(titles40[i], sizeof titles40[i], "%040d", i);
        titles[i] = titles40[i];
    }
    memset(&in, 0, sizeof in);
    in.block_count = 1;
    in.languages[0] = 9;
    in.blocks[0].track_count = 99;
    in.blocks[0].texts[PM_CDTEXT_TITLE] = titles;
    size_t packs = pm_cdtext_block_packs(&in.blocks[0]);
    is_int((long long)packs, 100 * 41 / 12 + 1 + 3, "99 titles of 40: counted 345 packs");
    out = NULL;
    dg = pm_diag_new();
    is_int(pm_cdtext_encode(&in, &out, &size, dg), PM_ERR_INVALID, "encoder: a block over 256 "
           "packs is refused");
    ok(pm_diag_count(dg) && strstr(pm_diag_get(dg, 0)->message, "needs 345 packs"),
       "encoder: the message gives the count");
    pm_diag_free(dg);

    vector_input(&in, 2);
    in.block_count = 0;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_USAGE, "encoder: 0 blocks");
    in.block_count = 9;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_USAGE, "encoder: 9 blocks");
    vector_input(&in, 2);
    in.blocks[0].track_count = 0;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_USAGE, "encoder: 0 tracks");
    in.blocks[0].track_count = 100;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_USAGE, "encoder: 100 tracks");
    vector_input(&in, 2);
    in.block_count = 2;
    in.languages[1] = 8;
    in.blocks[1] = in.blocks[0];
    in.blocks[1].track_count = 2;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_USAGE,
           "encoder: blocks with different track counts");
    vector_input(&in, 2);
    in.languages[0] = -1;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_INVALID,
           "encoder: a language CD-TEXT has no code for");
    in.languages[0] = 0x80;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_INVALID, "encoder: language 0x80");
    vector_input(&in, 2);
    in.copyright = 1;
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_ERR_USAGE, "encoder: copyright byte 1");
    in.copyright = 3;
    is_int(pm_cdtext_encode(&in, NULL, &size, NULL), PM_ERR_USAGE, "encoder: NULL out");
    is_int(pm_cdtext_encode(&in, &out, &size, NULL), PM_OK, "encoder: copyright byte 3");
    ok(out && out[7 * 18 + 7] == 3, "encoder: copyright byte 3 in the size information");
    free(out);
}

int main(void)
{
    uint64_t rng = tap_seed();
    test_golden();
    test_round_trips(&rng);
    test_project();
    test_encoder_refusals();
    return done_testing();
}
