// SPDX-License-Identifier: GPL-3.0-or-later
// TagLib 2.0's property functions of the C bindings, over TagLib 1.x's C++ API (taglib_props.h).
// Built only when configure does not find them in taglib_c.
//
// Why a TagLib_File * is a TagLib::File * here: TagLib 1.x's tag_c.cpp makes one with
// FileRef::create(filename) (taglib_file_new; a heap TagLib::File, not a FileRef) or with new
// MPEG::File(...) and the like (taglib_file_new_type), and every other C function reads it back
// with reinterpret_cast<File *> (taglib_file_save calls File::save(), taglib_file_free deletes
// the File). TagLib 2 changed it to a FileRef *, which is why this file must never be built
// against TagLib 2 - configure uses TagLib 2's own functions there.
//
// No C++ exception may cross into C: every entry point catches them (TagLib throws none itself;
// std::bad_alloc from its containers is the one to expect) and fails as TagLib 2 would.
#include "config.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <aifffile.h>
#include <attachedpictureframe.h>
#include <flacfile.h>
#include <flacpicture.h>
#include <id3v2tag.h>
#include <mpegfile.h>
#include <oggflacfile.h>
#include <opusfile.h>
#include <speexfile.h>
#include <tfile.h>
#include <tpropertymap.h>
#include <vorbisfile.h>
#include <wavfile.h>
#include <xiphcomment.h>

extern "C" {
#include "alloc.h"
}
#include "taglib_props.h"

using namespace TagLib;

namespace
{

// The APIC picture types of ID3v2.4 (section 4.14), which FLAC's PICTURE block adopted with the
// same numbers, under the names TagLib 2 gives them in "pictureType".
// clang-format off
const char *const picture_types[] = {
    "Other", "File Icon", "Other File Icon", "Front Cover", "Back Cover", "Leaflet Page", "Media",
    "Lead Artist", "Artist", "Conductor", "Band", "Composer", "Lyricist", "Recording Location",
    "During Recording", "During Performance", "Movie Screen Capture", "Coloured Fish",
    "Illustration", "Band Logo", "Publisher Logo"};
// clang-format on
const int picture_type_count = int(sizeof picture_types / sizeof *picture_types);

int picture_type_number(const String &name)
{
    for (int i = 0; i < picture_type_count; i++)
        if (name == picture_types[i])
            return i;
    return 0; // a name we do not know: "Other"
}

const char *picture_type_name(int type)
{
    return type >= 0 && type < picture_type_count ? picture_types[type] : picture_types[0];
}

char *utf8_copy(const String &s)
{
    return pm_strdup(s.to8Bit(true).c_str());
}

// A NULL-terminated array of copies of list, or NULL when it is empty or memory ran out.
char **string_array(const StringList &list)
{
    if (list.isEmpty())
        return NULL;
    char **out = static_cast<char **>(pm_alloc_zeroed(list.size() + 1, sizeof *out));
    if (!out)
        return NULL;
    size_t n = 0;
    for (StringList::ConstIterator it = list.begin(); it != list.end(); ++it)
        if (!(out[n++] = utf8_copy(*it))) {
            pm_taglib_property_free(out);
            return NULL;
        }
    return out;
}

void set_property(TagLib_File *file, const char *prop, const char *value, bool append)
{
    if (!file || !prop)
        return;
    try {
        File *f = reinterpret_cast<File *>(file);
        PropertyMap map = f->properties();
        const String key(prop, String::UTF8);
        if (!value)
            map.erase(key);
        else if (append && map.contains(key))
            map[key].append(String(value, String::UTF8));
        else
            map.replace(key, StringList(String(value, String::UTF8)));
        f->setProperties(map); // what the tag cannot hold is dropped, as in TagLib 2
    } catch (...) {
        // TagLib 2's set returns nothing either: the tag stays as it was, which a read shows
    }
}

// ---- pictures ----------------------------------------------------------------------------------

// One picture as the complex property's attributes carry it; without a pictureType attribute,
// the front cover, which is what a single embedded picture is for.
struct picture {
    ByteVector data;
    String mime, description;
    int type = 3, width = 0, height = 0, depth = 0, colors = 0;
};

// Where a file keeps its pictures: a FLAC file its PICTURE blocks, an Ogg file its Xiph
// comment's METADATA_BLOCK_PICTURE, MPEG and WAV files their ID3v2 tag's APIC frames.
struct picture_home {
    FLAC::File *flac = NULL;
    Ogg::XiphComment *xiph = NULL;
    ID3v2::Tag *id3v2 = NULL;
};

// create: give an MPEG file an ID3v2 tag when it has none (to write; reading leaves it alone).
picture_home home_of(File *f, bool create)
{
    picture_home h;
    if ((h.flac = dynamic_cast<FLAC::File *>(f)))
        return h;
    if (Ogg::Vorbis::File *v = dynamic_cast<Ogg::Vorbis::File *>(f))
        h.xiph = v->tag();
    else if (Ogg::Opus::File *o = dynamic_cast<Ogg::Opus::File *>(f))
        h.xiph = o->tag();
    else if (Ogg::FLAC::File *of = dynamic_cast<Ogg::FLAC::File *>(f))
        h.xiph = of->tag();
    else if (Ogg::Speex::File *s = dynamic_cast<Ogg::Speex::File *>(f))
        h.xiph = s->tag();
    else if (MPEG::File *m = dynamic_cast<MPEG::File *>(f))
        h.id3v2 = m->ID3v2Tag(create);
    else if (RIFF::WAV::File *w = dynamic_cast<RIFF::WAV::File *>(f))
        h.id3v2 = w->ID3v2Tag();
    return h;
}

bool home_found(const picture_home &h)
{
    return h.flac || h.xiph || h.id3v2;
}

void remove_pictures(const picture_home &h)
{
    if (h.flac)
        h.flac->removePictures();
    else if (h.xiph)
        h.xiph->removeAllPictures();
    else if (h.id3v2)
        h.id3v2->removeFrames("APIC");
}

void add_picture(const picture_home &h, const picture &p)
{
    if (h.id3v2) {
        ID3v2::AttachedPictureFrame *frame = new ID3v2::AttachedPictureFrame;
        frame->setPicture(p.data);
        frame->setMimeType(p.mime);
        frame->setDescription(p.description);
        frame->setType(ID3v2::AttachedPictureFrame::Type(p.type));
        h.id3v2->addFrame(frame); // the tag owns it
        return;
    }
    FLAC::Picture *block = new FLAC::Picture;
    block->setData(p.data);
    block->setMimeType(p.mime);
    block->setDescription(p.description);
    block->setType(FLAC::Picture::Type(p.type));
    block->setWidth(p.width);
    block->setHeight(p.height);
    block->setColorDepth(p.depth);
    block->setNumColors(p.colors);
    if (h.flac)
        h.flac->addPicture(block); // the file or the comment owns it
    else
        h.xiph->addPicture(block);
}

picture picture_from(const pm_taglib_attribute **attrs)
{
    picture p;
    for (const pm_taglib_attribute **a = attrs; *a; a++) {
        const pm_taglib_variant &v = (*a)->value;
        const std::string key = (*a)->key ? (*a)->key : "";
        if (key == "data" && v.type == PM_TAGLIB_VARIANT_BYTEVECTOR)
            p.data = ByteVector(v.value.byteVectorValue, v.size);
        else if (v.type == PM_TAGLIB_VARIANT_STRING && v.value.stringValue) {
            const String s(v.value.stringValue, String::UTF8);
            if (key == "mimeType")
                p.mime = s;
            else if (key == "description")
                p.description = s;
            else if (key == "pictureType")
                p.type = picture_type_number(s);
        } else if (v.type == PM_TAGLIB_VARIANT_INT) {
            if (key == "width")
                p.width = v.value.intValue;
            else if (key == "height")
                p.height = v.value.intValue;
            else if (key == "colorDepth")
                p.depth = v.value.intValue;
            else if (key == "numColors")
                p.colors = v.value.intValue;
        }
    }
    return p;
}

void pictures_of(const picture_home &h, List<picture> &out)
{
    if (h.id3v2) {
        const ID3v2::FrameList frames = h.id3v2->frameList("APIC");
        for (ID3v2::FrameList::ConstIterator it = frames.begin(); it != frames.end(); ++it) {
            const ID3v2::AttachedPictureFrame *f =
                dynamic_cast<const ID3v2::AttachedPictureFrame *>(*it);
            if (!f)
                continue;
            picture p;
            p.data = f->picture();
            p.mime = f->mimeType();
            p.description = f->description();
            p.type = int(f->type());
            out.append(p);
        }
        return;
    }
    const List<FLAC::Picture *> blocks = h.flac ? h.flac->pictureList() : h.xiph->pictureList();
    for (List<FLAC::Picture *>::ConstIterator it = blocks.begin(); it != blocks.end(); ++it) {
        picture p;
        p.data = (*it)->data();
        p.mime = (*it)->mimeType();
        p.description = (*it)->description();
        p.type = int((*it)->type());
        p.width = (*it)->width();
        p.height = (*it)->height();
        p.depth = (*it)->colorDepth();
        p.colors = (*it)->numColors();
        out.append(p);
    }
}

// One value of a complex property: its attributes' contents, their block, the pointers.
void free_value(pm_taglib_attribute **value)
{
    for (pm_taglib_attribute **a = value; *a; a++) {
        free((*a)->key);
        if ((*a)->value.type == PM_TAGLIB_VARIANT_STRING)
            free((*a)->value.value.stringValue);
        else if ((*a)->value.type == PM_TAGLIB_VARIANT_BYTEVECTOR)
            free((*a)->value.value.byteVectorValue);
        else if ((*a)->value.type == PM_TAGLIB_VARIANT_STRINGLIST)
            pm_taglib_property_free((*a)->value.value.stringListValue);
    }
    free(*value);
    free(value);
}

// The attributes of one picture, in one block, as TagLib 2 lays them out: an array of pointers
// into an array of attributes. has_size: the FLAC picture fields (FLAC and Xiph comments only).
pm_taglib_attribute **attributes_of(const picture &p, bool has_size)
{
    const size_t count = has_size ? 8 : 4;
    pm_taglib_attribute **ptrs =
        static_cast<pm_taglib_attribute **>(pm_alloc_zeroed(count + 1, sizeof *ptrs));
    pm_taglib_attribute *a = static_cast<pm_taglib_attribute *>(pm_alloc_zeroed(count, sizeof *a));
    if (!ptrs || !a) {
        free(ptrs);
        free(a);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        ptrs[i] = &a[i];
    // Strings first, each freed by pm_taglib_complex_property_free through its type.
    const char *names[] = {"mimeType", "description", "pictureType"};
    const String values[] = {p.mime, p.description, String(picture_type_name(p.type))};
    bool ok = true;
    for (size_t i = 0; i < 3; i++) {
        a[i].key = pm_strdup(names[i]);
        a[i].value.type = PM_TAGLIB_VARIANT_STRING;
        a[i].value.value.stringValue = utf8_copy(values[i]);
        a[i].value.size = values[i].size();
        ok = ok && a[i].key && a[i].value.value.stringValue;
    }
    a[3].key = pm_strdup("data");
    a[3].value.type = PM_TAGLIB_VARIANT_BYTEVECTOR;
    a[3].value.size = p.data.size();
    a[3].value.value.byteVectorValue = static_cast<char *>(pm_alloc_array(p.data.size() + 1, 1));
    ok = ok && a[3].key && a[3].value.value.byteVectorValue;
    if (a[3].value.value.byteVectorValue)
        memcpy(a[3].value.value.byteVectorValue, p.data.data(), p.data.size());
    if (has_size) {
        const char *ints[] = {"width", "height", "colorDepth", "numColors"};
        const int int_values[] = {p.width, p.height, p.depth, p.colors};
        for (size_t i = 0; i < 4; i++) {
            a[4 + i].key = pm_strdup(ints[i]);
            a[4 + i].value.type = PM_TAGLIB_VARIANT_INT;
            a[4 + i].value.value.intValue = int_values[i];
            ok = ok && a[4 + i].key;
        }
    }
    if (!ok) {
        free_value(ptrs);
        return NULL;
    }
    return ptrs;
}

} // namespace

extern "C" {

TagLib_File *pm_taglib_file_new_type(const char *filename, pm_taglib_file_type type)
{
    if (!filename)
        return NULL;
    try {
        File *f = NULL;
        switch (type) {
        case PM_TAGLIB_FILE_AIFF: f = new RIFF::AIFF::File(filename); break;
        case PM_TAGLIB_FILE_WAV: f = new RIFF::WAV::File(filename); break;
        case PM_TAGLIB_FILE_OPUS: f = new Ogg::Opus::File(filename); break;
        default:
            if (type > PM_TAGLIB_FILE_ASF) // tracker modules, APE, DSD: not for premaster
                return NULL;
            // MPEG to ASF: the values of 1.x's TagLib_File_Type, which its bindings open
            return taglib_file_new_type(filename, TagLib_File_Type(type));
        }
        return reinterpret_cast<TagLib_File *>(f); // a File *, as 1.x's bindings make them
    } catch (...) {
        return NULL;
    }
}

void pm_taglib_property_set(TagLib_File *file, const char *prop, const char *value)
{
    set_property(file, prop, value, false);
}

void pm_taglib_property_set_append(TagLib_File *file, const char *prop, const char *value)
{
    set_property(file, prop, value, true);
}

char **pm_taglib_property_keys(const TagLib_File *file)
{
    if (!file)
        return NULL;
    try {
        const PropertyMap map = reinterpret_cast<const File *>(file)->properties();
        StringList keys;
        for (PropertyMap::ConstIterator it = map.begin(); it != map.end(); ++it)
            keys.append(it->first);
        return string_array(keys);
    } catch (...) {
        return NULL;
    }
}

char **pm_taglib_property_get(const TagLib_File *file, const char *prop)
{
    if (!file || !prop)
        return NULL;
    try {
        const PropertyMap map = reinterpret_cast<const File *>(file)->properties();
        const String key(prop, String::UTF8);
        return map.contains(key) ? string_array(map[key]) : NULL;
    } catch (...) {
        return NULL;
    }
}

void pm_taglib_property_free(char **props)
{
    if (!props)
        return;
    for (char **p = props; *p; p++)
        free(*p);
    free(props);
}

int pm_taglib_complex_property_set(TagLib_File *file, const char *key,
                                   const pm_taglib_attribute **value)
{
    if (!file || !key || String(key, String::UTF8).upper() != "PICTURE")
        return 0;
    try {
        const picture_home h = home_of(reinterpret_cast<File *>(file), true);
        if (!home_found(h))
            return 0;
        remove_pictures(h);
        if (value)
            add_picture(h, picture_from(value));
        return 1;
    } catch (...) {
        return 0;
    }
}

pm_taglib_attribute ***pm_taglib_complex_property_get(const TagLib_File *file, const char *key)
{
    if (!file || !key || String(key, String::UTF8).upper() != "PICTURE")
        return NULL;
    try {
        // home_of(.., false) only reads; TagLib's getters are not const, hence the cast.
        const picture_home h =
            home_of(reinterpret_cast<File *>(const_cast<TagLib_File *>(file)), false);
        if (!home_found(h))
            return NULL;
        List<picture> pictures;
        pictures_of(h, pictures);
        if (pictures.isEmpty())
            return NULL;
        pm_taglib_attribute ***out =
            static_cast<pm_taglib_attribute ***>(pm_alloc_zeroed(pictures.size() + 1, sizeof *out));
        if (!out)
            return NULL;
        size_t n = 0;
        for (List<picture>::ConstIterator it = pictures.begin(); it != pictures.end(); ++it)
            if (!(out[n++] = attributes_of(*it, !h.id3v2))) {
                pm_taglib_complex_property_free(out);
                return NULL;
            }
        return out;
    } catch (...) {
        return NULL;
    }
}

void pm_taglib_complex_property_free(pm_taglib_attribute ***props)
{
    if (!props)
        return;
    for (pm_taglib_attribute ***value = props; *value; value++)
        free_value(*value);
    free(props);
}

} // extern "C"
