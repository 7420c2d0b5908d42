/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * TagLib 2's property API (formats/taglib_props.h) on FLAC, MP3, Ogg Vorbis, Ogg Opus and WAV
 * files made by libsndfile, for TagLib 2 semantics whichever implementation is built: set
 * replaces, a NULL value removes, append adds a value, keys and get list what is there and give
 * NULL for nothing; PICTURE is set, replaced, read back with its attributes and removed; all of
 * it survives taglib_file_save and a new open. With the shim, a failed allocation gives NULL.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "alloc.h"
#include "taglib_props.h"

#include "../tap.h"

static int make_audio(const char *path, int format)
{
    SF_INFO info = {.samplerate = 48000, .channels = 2, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        return -1;
    static float silence[2 * 4800];
    sf_writef_float(sf, silence, 4800);
    return sf_close(sf);
}

/* The values of key as one string "a|b", "(none)" when get gives NULL. */
static const char *values(TagLib_File *f, const char *key, char *buf, size_t size)
{
    char **v = pm_taglib_property_get(f, key);
    snprintf(buf, size, "%s", v ? "" : "(none)");
    for (size_t i = 0; v && v[i]; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? "|" : "", v[i]);
    pm_taglib_property_free(v);
    return buf;
}

static int has_key(TagLib_File *f, const char *key)
{
    char **keys = pm_taglib_property_keys(f);
    int found = 0;
    for (size_t i = 0; keys && keys[i]; i++)
        found |= strcmp(keys[i], key) == 0;
    pm_taglib_property_free(keys);
    return found;
}

static const pm_taglib_variant *attr(pm_taglib_attribute **value, const char *key)
{
    for (; *value; value++)
        if (strcmp((*value)->key, key) == 0)
            return &(*value)->value;
    return NULL;
}

static void set_picture(TagLib_File *f, const char *data, unsigned size, const char *type,
                        const char *name)
{
    pm_taglib_attribute a[4] = {
        {(char *)"data", {.type = PM_TAGLIB_VARIANT_BYTEVECTOR, .size = size}},
        {(char *)"mimeType", {.type = PM_TAGLIB_VARIANT_STRING}},
        {(char *)"pictureType", {.type = PM_TAGLIB_VARIANT_STRING}},
        {(char *)"width", {.type = PM_TAGLIB_VARIANT_INT}},
    };
    a[0].value.value.byteVectorValue = (char *)data;
    a[1].value.value.stringValue = (char *)"image/png";
    a[2].value.value.stringValue = (char *)type;
    a[3].value.value.intValue = 7;
    const pm_taglib_attribute *list[5] = {&a[0], &a[1], &a[2], &a[3], NULL};
    ok(pm_taglib_complex_property_set(f, "PICTURE", list), "%s: PICTURE set (%s)", name, type);
}

/* The one picture of f is data, image/png, type; xiph: its width (a FLAC picture field) too. */
static void picture_is(TagLib_File *f, const char *data, unsigned size, const char *type, int xiph,
                       const char *name)
{
    pm_taglib_attribute ***pics = pm_taglib_complex_property_get(f, "PICTURE");
    if (!ok(pics && pics[0] && !pics[1], "%s: one PICTURE read back", name)) {
        pm_taglib_complex_property_free(pics);
        return;
    }
    const pm_taglib_variant *d = attr(pics[0], "data"), *m = attr(pics[0], "mimeType");
    const pm_taglib_variant *t = attr(pics[0], "pictureType"), *w = attr(pics[0], "width");
    ok(d && d->type == PM_TAGLIB_VARIANT_BYTEVECTOR && d->size == size &&
           memcmp(d->value.byteVectorValue, data, size) == 0,
       "%s: its data", name);
    ok(m && m->type == PM_TAGLIB_VARIANT_STRING && strcmp(m->value.stringValue, "image/png") == 0,
       "%s: its mimeType", name);
    ok(t && strcmp(t->value.stringValue, type) == 0, "%s: its pictureType is %s", name, type);
    if (xiph)
        ok(w && w->type == PM_TAGLIB_VARIANT_INT && w->value.intValue == 7, "%s: its width", name);
    else
        ok(!w, "%s: no width (an ID3v2 APIC has none)", name);
    pm_taglib_complex_property_free(pics);
}

int main(void)
{
    static const struct {
        const char *name;
        int sf_format;
        pm_taglib_file_type type;
        int xiph; /* pictures as FLAC PICTURE structures (FLAC, Xiph comments) */
    } formats[] = {
        {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, PM_TAGLIB_FILE_FLAC, 1},
        {"mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, PM_TAGLIB_FILE_MPEG, 0},
        {"ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, PM_TAGLIB_FILE_OGG_VORBIS, 1},
        {"opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, PM_TAGLIB_FILE_OPUS, 1},
        {"wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, PM_TAGLIB_FILE_WAV, 0},
    };
    char dir[] = "/tmp/pm-taglib-props.XXXXXX";
    if (!mkdtemp(dir)) {
        printf("Bail out! no temporary folder\n");
        return 1;
    }
    char buf[256];
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        const char *name = formats[i].name;
        char path[512];
        snprintf(path, sizeof path, "%s/t.%s", dir, name);
        if (!ok(make_audio(path, formats[i].sf_format) == 0, "%s: libsndfile writes it", name))
            continue;
        TagLib_File *f = pm_taglib_file_new_type(path, formats[i].type);
        if (!ok(f && taglib_file_is_valid(f), "%s: opened as its type", name))
            continue;
        pm_taglib_property_set(f, "TITLE", "First");
        pm_taglib_property_set(f, "TITLE", "Caf\xC3\xA9 \xE2\x9C\x93");
        is_str(values(f, "TITLE", buf, sizeof buf), "Caf\xC3\xA9 \xE2\x9C\x93",
               "set replaces, UTF-8 kept");
        pm_taglib_property_set_append(f, "COMPOSER", "A");
        pm_taglib_property_set_append(f, "COMPOSER", "B");
        is_str(values(f, "COMPOSER", buf, sizeof buf), "A|B", "append adds a value");
        pm_taglib_property_set(f, "ISRC", "GBEXM2600001");
        pm_taglib_property_set(f, "ISRC", NULL);
        is_str(values(f, "ISRC", buf, sizeof buf), "(none)", "a NULL value removes the key");
        is_str(values(f, "LYRICIST", buf, sizeof buf), "(none)", "get of an absent key is NULL");
        ok(has_key(f, "TITLE") && has_key(f, "COMPOSER") && !has_key(f, "ISRC"),
           "%s: keys lists TITLE and COMPOSER, not the removed ISRC", name);
        ok(pm_taglib_complex_property_get(f, "PICTURE") == NULL, "%s: no PICTURE at first", name);
        set_picture(f, "first", 5, "Back Cover", name);
        set_picture(f, "\x89PNG\0data", 9, "Front Cover", name);
        picture_is(f, "\x89PNG\0data", 9, "Front Cover", formats[i].xiph, name);
        ok(!pm_taglib_complex_property_set(f, "NOSUCHTHING", NULL),
           "%s: a complex key the file cannot hold is refused", name);
        ok(taglib_file_save(f), "%s: saved", name);
        taglib_file_free(f);

        f = pm_taglib_file_new_type(path, formats[i].type);
        if (!ok(f && taglib_file_is_valid(f), "%s: opened again", name))
            continue;
        is_str(values(f, "TITLE", buf, sizeof buf), "Caf\xC3\xA9 \xE2\x9C\x93", "TITLE saved");
        is_str(values(f, "COMPOSER", buf, sizeof buf), "A|B", "both COMPOSER values saved");
        is_str(values(f, "ISRC", buf, sizeof buf), "(none)", "ISRC stays removed");
        picture_is(f, "\x89PNG\0data", 9, "Front Cover", formats[i].xiph, name);
        ok(pm_taglib_complex_property_set(f, "PICTURE", NULL), "%s: PICTURE removed", name);
        ok(taglib_file_save(f), "%s: saved again", name);
        taglib_file_free(f);
        f = pm_taglib_file_new_type(path, formats[i].type);
        ok(f && pm_taglib_complex_property_get(f, "PICTURE") == NULL,
           "%s: no PICTURE after removal and save", name);
#ifndef HAVE_TAGLIB_PROPERTY_SET
        /* The shim allocates through alloc.h: a failure gives NULL, never a crash or a leak. */
        for (unsigned long n = 1; f && n <= 3; n++) {
            pm_alloc_fail_after(n);
            char **v = pm_taglib_property_get(f, "COMPOSER");
            char **k = pm_taglib_property_keys(f);
            pm_alloc_fail_after(0);
            ok(!v && !k, "%s: allocation %lu failing gives NULL", name, n);
            pm_taglib_property_free(v);
            pm_taglib_property_free(k);
        }
#endif
        if (f)
            taglib_file_free(f);
        unlink(path);
    }
    ok(pm_taglib_property_get(NULL, "TITLE") == NULL && pm_taglib_property_keys(NULL) == NULL &&
           pm_taglib_complex_property_get(NULL, "PICTURE") == NULL,
       "no file: NULL");
    pm_taglib_property_free(NULL);
    pm_taglib_complex_property_free(NULL);
    rmdir(dir);
    return done_testing();
}
