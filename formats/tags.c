/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A streaming file's tags written and read back through TagLib's property API (tags.h). */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tags.h"
#include "taglib_props.h"

/* The formats by their extension; what each stores is tags.h's table. */
typedef enum tag_kind { KIND_FLAC, KIND_MP3, KIND_VORBIS, KIND_OPUS, KIND_WAV } tag_kind;

static const struct {
    const char *ext;
    tag_kind kind;
    pm_taglib_file_type type;
} kinds[] = {
    {".flac", KIND_FLAC, PM_TAGLIB_FILE_FLAC},        {".mp3", KIND_MP3, PM_TAGLIB_FILE_MPEG},
    {".ogg", KIND_VORBIS, PM_TAGLIB_FILE_OGG_VORBIS}, {".opus", KIND_OPUS, PM_TAGLIB_FILE_OPUS},
    {".wav", KIND_WAV, PM_TAGLIB_FILE_WAV},
};

/* The format of path by its extension, before a trailing ".tmp"; -1 when none of ours. */
static int kind_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".tmp") == 0)
        n -= 4;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        size_t e = strlen(kinds[i].ext);
        if (n > e && strncasecmp(path + n - e, kinds[i].ext, e) == 0)
            return (int)i;
    }
    return -1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

pm_status pm_tags_replaygain_gain(double lufs, char *out, size_t size)
{
    if (!isfinite(lufs))
        return PM_ERR_INVALID;
    /* Rounded first, so that a gain a hair under zero is "+0.00 dB", not "-0.00 dB". */
    double gain = round((PM_REPLAYGAIN_REFERENCE_LUFS - lufs) * 100.0) / 100.0;
    snprintf(out, size, "%+.2f dB", gain == 0.0 ? 0.0 : gain);
    return PM_OK;
}

pm_status pm_tags_replaygain_peak(double peak, char *out, size_t size)
{
    if (!isfinite(peak) || peak < 0.0)
        return PM_ERR_INVALID;
    snprintf(out, size, "%.6f", peak);
    return PM_OK;
}

pm_status pm_tags_r128_gain(double lufs, char *out, size_t size)
{
    if (!isfinite(lufs))
        return PM_ERR_INVALID;
    /* RFC 7845 5.2.1: a signed Q7.8 number of dB, so 256 steps a dB within an int16. */
    double q = round((PM_R128_REFERENCE_LUFS - lufs) * 256.0);
    if (q < -32768.0 || q > 32767.0)
        return PM_ERR_INVALID;
    snprintf(out, size, "%d", (int)q);
    return PM_OK;
}

/* ---- the keys of a tag set ---------------------------------------------------------------- */

#define MAX_KEYS 24 /* 22 at most: 12 texts, 4 numbers and totals, 6 loudness keys */
#define VALUE_SIZE 32

/* Every key a format's tags may hold, with the value the set gives it (NULL: absent). The
 * numbers and loudness figures are formatted into text[]. */
typedef struct key_list {
    const char *key[MAX_KEYS];
    const char *value[MAX_KEYS];
    char text[MAX_KEYS][VALUE_SIZE];
    size_t count;
} key_list;

static void add_key(key_list *k, const char *key, const char *value)
{
    k->key[k->count] = key;
    k->value[k->count] = value && *value ? value : NULL;
    k->count++;
}

/* A key whose value the caller formats into the text returned (VALUE_SIZE bytes). */
static char *add_text_key(key_list *k, const char *key)
{
    k->key[k->count] = key;
    k->value[k->count] = k->text[k->count];
    return k->text[k->count++];
}

static void add_number(key_list *k, const char *key, int n, int total, int with_total)
{
    if (n <= 0) {
        add_key(k, key, NULL);
        return;
    }
    char *t = add_text_key(k, key);
    if (with_total && total > 0)
        snprintf(t, VALUE_SIZE, "%d/%d", n, total);
    else
        snprintf(t, VALUE_SIZE, "%d", n);
}

static void add_total(key_list *k, const char *key, int n, int total)
{
    if (n <= 0 || total <= 0)
        add_key(k, key, NULL);
    else
        snprintf(add_text_key(k, key), VALUE_SIZE, "%d", total);
}

/* The keys of tags in format kind. PM_ERR_INVALID (with the field named in diag) when a
 * loudness figure cannot be written. */
static pm_status keys_of(const pm_tag_set *t, tag_kind kind, const char *path, key_list *k,
                         pm_diag *diag)
{
    static const struct {
        const char *key;
        size_t offset;
    } text_keys[] = {
        {"TITLE", offsetof(pm_tag_set, title)},
        {"ARTIST", offsetof(pm_tag_set, artist)},
        {"ALBUM", offsetof(pm_tag_set, album)},
        {"ALBUMARTIST", offsetof(pm_tag_set, album_artist)},
        {"DATE", offsetof(pm_tag_set, date)},
        {"GENRE", offsetof(pm_tag_set, genre)},
        {"COMPOSER", offsetof(pm_tag_set, composer)},
        {"ISRC", offsetof(pm_tag_set, isrc)},
        {"BARCODE", offsetof(pm_tag_set, barcode)},
        {"LABEL", offsetof(pm_tag_set, label)},
        {"COPYRIGHT", offsetof(pm_tag_set, copyright)},
        {"PRODUCEDNOTICE", offsetof(pm_tag_set, p_line)}, /* the (P) line: ID3v2.4 TPRO */
    };
    k->count = 0;
    for (size_t i = 0; i < sizeof text_keys / sizeof *text_keys; i++) {
        const char *v = *(const char *const *)((const char *)t + text_keys[i].offset);
        if (text_keys[i].offset == offsetof(pm_tag_set, date) && !(v && *v) && t->year > 0)
            snprintf(add_text_key(k, "DATE"), VALUE_SIZE, "%d", t->year);
        else
            add_key(k, text_keys[i].key, v);
    }
    int xiph = kind == KIND_FLAC || kind == KIND_VORBIS || kind == KIND_OPUS;
    add_number(k, "TRACKNUMBER", t->track, t->track_total, !xiph);
    add_number(k, "DISCNUMBER", t->disc, t->disc_total, !xiph);
    if (xiph) {
        add_total(k, "TRACKTOTAL", t->track, t->track_total);
        add_total(k, "DISCTOTAL", t->disc, t->disc_total);
    }
    /* Both conventions' keys are listed for every format, so that writing removes those the
     * format does not use and verifying finds them absent. */
    int rg = t->has_loudness && kind != KIND_OPUS && kind != KIND_WAV;
    int r128 = t->has_loudness && kind == KIND_OPUS;
    static const char *const rg_keys[4] = {"REPLAYGAIN_TRACK_GAIN", "REPLAYGAIN_TRACK_PEAK",
                                           "REPLAYGAIN_ALBUM_GAIN", "REPLAYGAIN_ALBUM_PEAK"};
    const double rg_values[4] = {t->track_lufs, t->track_peak, t->album_lufs, t->album_peak};
    for (int i = 0; i < 4; i++) {
        if (!rg) {
            add_key(k, rg_keys[i], NULL);
            continue;
        }
        char *text = add_text_key(k, rg_keys[i]);
        pm_status st = i % 2 ? pm_tags_replaygain_peak(rg_values[i], text, VALUE_SIZE)
                             : pm_tags_replaygain_gain(rg_values[i], text, VALUE_SIZE);
        if (st != PM_OK) {
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                        "%s cannot be tagged: the %s %g is not finite%s", rg_keys[i],
                        i % 2 ? "peak" : "loudness", rg_values[i],
                        i % 2 ? " and at least 0" : " (digital silence has no loudness)");
            return PM_ERR_INVALID;
        }
    }
    static const char *const r128_keys[2] = {"R128_TRACK_GAIN", "R128_ALBUM_GAIN"};
    const double r128_values[2] = {t->track_lufs, t->album_lufs};
    for (int i = 0; i < 2; i++) {
        if (!r128) {
            add_key(k, r128_keys[i], NULL);
            continue;
        }
        if (pm_tags_r128_gain(r128_values[i], add_text_key(k, r128_keys[i]), VALUE_SIZE) != PM_OK) {
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                        "%s cannot be tagged: a loudness of %g LUFS is not finite or needs "
                        "a gain beyond the +-128 dB of Q7.8",
                        r128_keys[i], r128_values[i]);
            return PM_ERR_INVALID;
        }
    }
    return PM_OK;
}

/* ---- write --------------------------------------------------------------------------------- */

/* The picture attributes of art, as TagLib 2's PICTURE complex property takes them. */
typedef struct picture_attrs {
    pm_taglib_attribute a[7];
    const pm_taglib_attribute *list[8];
} picture_attrs;

static void picture_attrs_of(const pm_artwork *art, picture_attrs *p)
{
    memset(p, 0, sizeof *p);
    static const char *const names[7] = {"data",  "mimeType", "description", "pictureType",
                                         "width", "height",   "colorDepth"};
    for (int i = 0; i < 7; i++) {
        p->a[i].key = (char *)names[i]; /* TagLib's struct is not const; nothing writes it */
        p->list[i] = &p->a[i];
    }
    p->a[0].value.type = PM_TAGLIB_VARIANT_BYTEVECTOR;
    p->a[0].value.size = (unsigned)art->size;
    p->a[0].value.value.byteVectorValue = (char *)art->data;
    p->a[1].value.type = PM_TAGLIB_VARIANT_STRING;
    p->a[1].value.value.stringValue = (char *)art->mime;
    p->a[2].value.type = PM_TAGLIB_VARIANT_STRING;
    p->a[2].value.value.stringValue = (char *)"";
    p->a[3].value.type = PM_TAGLIB_VARIANT_STRING;
    p->a[3].value.value.stringValue = (char *)"Front Cover";
    const int ints[3] = {art->width, art->height, art->depth};
    for (int i = 0; i < 3; i++) {
        p->a[4 + i].value.type = PM_TAGLIB_VARIANT_INT;
        p->a[4 + i].value.value.intValue = ints[i];
    }
    p->list[7] = NULL;
}

/* Open path through TagLib as its format; PM_ERR_IO naming the file when TagLib cannot. */
static pm_status open_file(const char *path, int k, TagLib_File **out, pm_diag *diag)
{
    if (k < 0) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "cannot be tagged: not a .flac, .mp3, .ogg, .opus or .wav file");
        return PM_ERR_UNSUPPORTED;
    }
    *out = pm_taglib_file_new_type(path, kinds[k].type);
    if (!*out || !taglib_file_is_valid(*out)) {
        if (*out)
            taglib_file_free(*out);
        *out = NULL;
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "TagLib cannot read it as a %s file",
                    kinds[k].ext + 1);
        return PM_ERR_IO;
    }
    return PM_OK;
}

pm_status pm_tags_write(const char *path, const pm_tag_set *tags, pm_diag *diag)
{
    if (!path || !tags)
        return PM_ERR_USAGE;
    int k = kind_of(path);
    key_list keys;
    TagLib_File *f = NULL;
    pm_status st = open_file(path, k, &f, diag);
    if (st != PM_OK)
        return st;
    st = keys_of(tags, kinds[k].kind, path, &keys, diag);
    if (st != PM_OK)
        goto fail;
    for (size_t i = 0; i < keys.count; i++)
        pm_taglib_property_set(f, keys.key[i], keys.value[i]);
    picture_attrs pic;
    if (tags->artwork)
        picture_attrs_of(tags->artwork, &pic);
    if (!pm_taglib_complex_property_set(f, "PICTURE", tags->artwork ? pic.list : NULL)) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "TagLib cannot store a picture in it");
        st = PM_ERR_IO;
        goto fail;
    }
    if (!taglib_file_save(f)) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "TagLib could not save its tags");
        st = PM_ERR_IO;
        goto fail;
    }
fail:
    taglib_file_free(f);
    return st;
}

/* ---- verify -------------------------------------------------------------------------------- */

/* One key read back against what the set says; 1 when they agree. */
static int verify_key(TagLib_File *f, const char *path, const char *key, const char *want,
                      pm_diag *diag)
{
    char **got = pm_taglib_property_get(f, key);
    int ok;
    if (!want)
        ok = !got;
    else
        ok = got && got[0] && !got[1] && strcmp(got[0], want) == 0;
    if (!ok) {
        const char *first = got && got[0] ? got[0] : NULL;
        if (!want)
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                        "tag %s reads \"%s\", the project has none", key, first);
        else if (!first)
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                        "tag %s is missing, the project says \"%s\"", key, want);
        else
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                        "tag %s reads \"%s\"%s, the project says \"%s\"", key, first,
                        got[1] ? " (and more values)" : "", want);
    }
    pm_taglib_property_free(got);
    return ok;
}

/* An attribute of a picture read back, or NULL. */
static const pm_taglib_variant *attr(pm_taglib_attribute **value, const char *key)
{
    for (; *value; value++)
        if ((*value)->key && strcmp((*value)->key, key) == 0)
            return &(*value)->value;
    return NULL;
}

static int string_attr_is(pm_taglib_attribute **value, const char *key, const char *want)
{
    const pm_taglib_variant *v = attr(value, key);
    return v && v->type == PM_TAGLIB_VARIANT_STRING && v->value.stringValue &&
           strcmp(v->value.stringValue, want) == 0;
}

/* The picture read back against art (NULL: none); 1 when they agree. */
static int verify_picture(TagLib_File *f, const char *path, const pm_artwork *art, pm_diag *diag)
{
    pm_taglib_attribute ***pics = pm_taglib_complex_property_get(f, "PICTURE");
    size_t n = 0;
    while (pics && pics[n])
        n++;
    const char *wrong = NULL;
    if (!art && n)
        wrong = "is there, the project has no artwork";
    else if (art && n != 1)
        wrong = n ? "is there more than once" : "is missing";
    else if (art) {
        const pm_taglib_variant *data = attr(pics[0], "data");
        if (!data || data->type != PM_TAGLIB_VARIANT_BYTEVECTOR || data->size != art->size ||
            memcmp(data->value.byteVectorValue, art->data, art->size) != 0)
            wrong = "differs from the artwork file";
        else if (!string_attr_is(pics[0], "mimeType", art->mime))
            wrong = "has another MIME type than the artwork";
        else if (!string_attr_is(pics[0], "pictureType", "Front Cover"))
            wrong = "is not marked as the front cover";
    }
    if (wrong)
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "the picture %s", wrong);
    pm_taglib_complex_property_free(pics);
    return !wrong;
}

pm_status pm_tags_verify(const char *path, const pm_tag_set *tags, pm_format_check *checks,
                         size_t max, size_t *count, pm_diag *diag)
{
    if (!path || !tags)
        return PM_ERR_USAGE;
    int k = kind_of(path);
    TagLib_File *f = NULL;
    key_list keys;
    int ok = 1;
    pm_status st = open_file(path, k, &f, diag);
    if (st == PM_OK && (st = keys_of(tags, kinds[k].kind, path, &keys, diag)) == PM_OK) {
        for (size_t i = 0; i < keys.count; i++)
            ok &= verify_key(f, path, keys.key[i], keys.value[i], diag);
        ok &= verify_picture(f, path, tags->artwork, diag);
    }
    if (f)
        taglib_file_free(f);
    if (st == PM_OK && !ok)
        st = PM_ERR_INVALID;
    if (count && checks && *count < max) {
        pm_format_check *c = &checks[(*count)++];
        snprintf(c->what, sizeof c->what, "%s: tags read back equal the project", base_name(path));
        c->ok = st == PM_OK;
    }
    return st;
}

/* ---- from the project ------------------------------------------------------------------------ */

static const char *either(const char *first, const char *second)
{
    return first && *first ? first : second;
}

void pm_tags_from_project(const pm_project *p, const pm_track *t, int track, int track_total,
                          pm_tag_set *out)
{
    const pm_album *a = &p->album;
    memset(out, 0, sizeof *out);
    out->title = t->text.title;
    out->artist = either(t->text.artist, a->text.artist);
    out->album = a->text.title;
    out->album_artist = a->text.artist;
    out->composer = either(t->text.composer, a->text.composer);
    out->isrc = t->isrc;
    out->barcode = a->upc;
    out->label = a->label;
    out->copyright = a->copyright;
    out->p_line = a->p_line;
    out->genre = a->genre;
    out->date = a->date;
    out->year = a->year;
    out->track = track;
    out->track_total = track_total;
    out->disc = (int)a->disc;
    out->disc_total = (int)a->discs;
}
