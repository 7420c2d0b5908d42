/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * TagLib 2.0's property functions of the C bindings, under our prefix, for every TagLib.
 *
 * TagLib 1.x's C bindings (Debian 12: 1.13) set only title, artist, album, comment, genre, year
 * and track. TagLib 2.0 added taglib_property_* (any PropertyMap key: ISRC, ALBUMARTIST,
 * DISCNUMBER, REPLAYGAIN_*, ...) and taglib_complex_property_* (PICTURE) to them. When configure
 * finds those (HAVE_TAGLIB_PROPERTY_SET) the names below are TagLib's own functions and types;
 * otherwise formats/taglib_props.cc implements them over TagLib's C++ PropertyMap and picture
 * API with TagLib 2's semantics, so the rest of premaster stays C and the C++ file goes away when
 * the distribution moves to TagLib 2.
 *
 * Every function takes a TagLib_File * from the C bindings (taglib_file_new) or from
 * pm_taglib_file_new_type; saving (taglib_file_save) and freeing (taglib_file_free) stay theirs.
 * Strings are UTF-8 (the C bindings' default, taglib_set_strings_unicode).
 *
 * Semantics (TagLib 2.0 tag_c.h):
 *   pm_taglib_file_new_type(path, type)        opens path as the given type whatever its name
 *                                              (a file under a temporary name has no telling
 *                                              extension); TagLib 1.x's C bindings know no
 *                                              WAV or Opus type, TagLib 2's do. NULL when the
 *                                              file cannot be opened.
 *   pm_taglib_property_set(file, key, value)   replaces every value of key with value; a NULL
 *                                              value removes key. Keys are PropertyMap names
 *                                              ("TITLE", "ISRC"); a key the file's tag cannot
 *                                              hold is dropped silently (read back to know).
 *   pm_taglib_property_set_append(f, key, v)   adds value to key's values (sets it when absent);
 *                                              NULL removes key.
 *   pm_taglib_property_keys(file)              the keys present, a NULL-terminated array of
 *                                              strings, NULL when none;
 *   pm_taglib_property_get(file, key)          key's values, likewise, NULL when absent. Both
 *                                              are freed with pm_taglib_property_free (NULL ok).
 *   pm_taglib_complex_property_set(f, key, a)  replaces the complex property key ("PICTURE")
 *                                              with one value made of the NULL-terminated
 *                                              attributes a; a NULL a removes every value.
 *                                              Returns non-zero on success, 0 when the file
 *                                              cannot hold key.
 *   pm_taglib_complex_property_get(f, key)     every value of key: a NULL-terminated array of
 *                                              NULL-terminated attribute arrays, NULL when none;
 *                                              freed with pm_taglib_complex_property_free.
 *
 * A PICTURE value has the attributes "data" (ByteVector), "mimeType", "description" and
 * "pictureType" (String: "Front Cover", "Other" ... the ID3v2 APIC names), and in FLAC and Xiph
 * comments also "width", "height", "colorDepth", "numColors" (Int).
 *
 * The shim's limits against TagLib 2: file_new_type opens the types of TagLib 1.x's C
 * bindings (MPEG to ASF), WAV, AIFF and Opus; the rest (APE, tracker modules, DSD) give NULL.
 * PICTURE is handled for FLAC, MPEG, Ogg Vorbis, Ogg Opus, Ogg FLAC, Speex and WAV (the formats
 * premaster writes and their Xiph siblings); other files return 0 from complex_property_set and
 * NULL from complex_property_get. An allocation that fails gives NULL from the getters (TagLib 2
 * does not check), which a reader takes as "absent".
 */
#ifndef PM_TAGLIB_PROPS_H
#define PM_TAGLIB_PROPS_H

#include <tag_c.h>

#ifdef HAVE_TAGLIB_PROPERTY_SET

typedef TagLib_File_Type pm_taglib_file_type;
#define PM_TAGLIB_FILE_MPEG TagLib_File_MPEG
#define PM_TAGLIB_FILE_OGG_VORBIS TagLib_File_OggVorbis
#define PM_TAGLIB_FILE_FLAC TagLib_File_FLAC
#define PM_TAGLIB_FILE_WAV TagLib_File_WAV
#define PM_TAGLIB_FILE_OPUS TagLib_File_Opus
#define pm_taglib_file_new_type taglib_file_new_type

typedef TagLib_Variant_Type pm_taglib_variant_type;
typedef TagLib_Variant pm_taglib_variant;
typedef TagLib_Complex_Property_Attribute pm_taglib_attribute;
#define PM_TAGLIB_VARIANT_VOID TagLib_Variant_Void
#define PM_TAGLIB_VARIANT_BOOL TagLib_Variant_Bool
#define PM_TAGLIB_VARIANT_INT TagLib_Variant_Int
#define PM_TAGLIB_VARIANT_UINT TagLib_Variant_UInt
#define PM_TAGLIB_VARIANT_LONGLONG TagLib_Variant_LongLong
#define PM_TAGLIB_VARIANT_ULONGLONG TagLib_Variant_ULongLong
#define PM_TAGLIB_VARIANT_DOUBLE TagLib_Variant_Double
#define PM_TAGLIB_VARIANT_STRING TagLib_Variant_String
#define PM_TAGLIB_VARIANT_STRINGLIST TagLib_Variant_StringList
#define PM_TAGLIB_VARIANT_BYTEVECTOR TagLib_Variant_ByteVector

#define pm_taglib_property_set taglib_property_set
#define pm_taglib_property_set_append taglib_property_set_append
#define pm_taglib_property_keys taglib_property_keys
#define pm_taglib_property_get taglib_property_get
#define pm_taglib_property_free taglib_property_free
#define pm_taglib_complex_property_set taglib_complex_property_set
#define pm_taglib_complex_property_get taglib_complex_property_get
#define pm_taglib_complex_property_free taglib_complex_property_free

#else /* TagLib 1.x: formats/taglib_props.cc */

#ifdef __cplusplus
extern "C" {
#endif

/* TagLib 2's TagLib_File_Type, with its values (1.x's stops at ASF). */
typedef enum pm_taglib_file_type {
    PM_TAGLIB_FILE_MPEG,
    PM_TAGLIB_FILE_OGG_VORBIS,
    PM_TAGLIB_FILE_FLAC,
    PM_TAGLIB_FILE_MPC,
    PM_TAGLIB_FILE_OGG_FLAC,
    PM_TAGLIB_FILE_WAVPACK,
    PM_TAGLIB_FILE_SPEEX,
    PM_TAGLIB_FILE_TRUEAUDIO,
    PM_TAGLIB_FILE_MP4,
    PM_TAGLIB_FILE_ASF,
    PM_TAGLIB_FILE_AIFF,
    PM_TAGLIB_FILE_WAV,
    PM_TAGLIB_FILE_APE,
    PM_TAGLIB_FILE_IT,
    PM_TAGLIB_FILE_MOD,
    PM_TAGLIB_FILE_S3M,
    PM_TAGLIB_FILE_XM,
    PM_TAGLIB_FILE_OPUS,
    PM_TAGLIB_FILE_DSF,
    PM_TAGLIB_FILE_DSDIFF
} pm_taglib_file_type;

/* TagLib 2's TagLib_Variant_Type, TagLib_Variant and TagLib_Complex_Property_Attribute, member
 * for member, so that code written against these compiles unchanged against TagLib 2's. */
typedef enum pm_taglib_variant_type {
    PM_TAGLIB_VARIANT_VOID,
    PM_TAGLIB_VARIANT_BOOL,
    PM_TAGLIB_VARIANT_INT,
    PM_TAGLIB_VARIANT_UINT,
    PM_TAGLIB_VARIANT_LONGLONG,
    PM_TAGLIB_VARIANT_ULONGLONG,
    PM_TAGLIB_VARIANT_DOUBLE,
    PM_TAGLIB_VARIANT_STRING,
    PM_TAGLIB_VARIANT_STRINGLIST,
    PM_TAGLIB_VARIANT_BYTEVECTOR
} pm_taglib_variant_type;

typedef struct pm_taglib_variant {
    pm_taglib_variant_type type;
    unsigned int size; /* ByteVector: its bytes; StringList: its strings; String: its length */
    union {
        char *stringValue;
        char *byteVectorValue;
        char **stringListValue;
        int boolValue;
        int intValue;
        unsigned int uIntValue;
        long long longLongValue;
        unsigned long long uLongLongValue;
        double doubleValue;
    } value;
} pm_taglib_variant;

typedef struct pm_taglib_attribute {
    char *key;
    pm_taglib_variant value;
} pm_taglib_attribute;

TagLib_File *pm_taglib_file_new_type(const char *filename, pm_taglib_file_type type);
void pm_taglib_property_set(TagLib_File *file, const char *prop, const char *value);
void pm_taglib_property_set_append(TagLib_File *file, const char *prop, const char *value);
char **pm_taglib_property_keys(const TagLib_File *file);
char **pm_taglib_property_get(const TagLib_File *file, const char *prop);
void pm_taglib_property_free(char **props);
int pm_taglib_complex_property_set(TagLib_File *file, const char *key,
                                   const pm_taglib_attribute **value);
pm_taglib_attribute ***pm_taglib_complex_property_get(const TagLib_File *file, const char *key);
void pm_taglib_complex_property_free(pm_taglib_attribute ***props);

#ifdef __cplusplus
}
#endif

#endif /* HAVE_TAGLIB_PROPERTY_SET */

#endif
