/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The tags of a streaming file (DESIGN.md "Deliverables", "Verification: Streaming": tags read
 * back through TagLib equal the project), written and read back through TagLib's property API
 * (taglib_props.h), and the album artwork they embed.
 *
 * Which key goes where (TagLib PropertyMap names; what each format stores):
 *   field          FLAC, Ogg Vorbis, Ogg Opus     MP3 (ID3v2.4) and WAV (its ID3v2.4 chunk)
 *   title ...      TITLE ARTIST ALBUM ALBUMARTIST  TIT2 TPE1 TALB TPE2
 *   track n/N      TRACKNUMBER=n TRACKTOTAL=N      TRCK "n/N"
 *   disc n/N       DISCNUMBER=n DISCTOTAL=N        TPOS "n/N"
 *   date genre     DATE GENRE                      TDRC TCON
 *   composer ISRC  COMPOSER ISRC                   TCOM TSRC
 *   barcode        BARCODE                         TXXX:BARCODE
 *   label          LABEL                           TPUB
 *   copyright      COPYRIGHT                       TCOP
 *   (P) line       PRODUCEDNOTICE                  TPRO
 *   loudness       REPLAYGAIN_{TRACK,ALBUM}_{GAIN,PEAK} (FLAC, Vorbis)  TXXX:REPLAYGAIN_... (MP3)
 *                  R128_TRACK_GAIN R128_ALBUM_GAIN (Opus only, and no REPLAYGAIN_* there)
 *   artwork        PICTURE block (FLAC); METADATA_BLOCK_PICTURE (Vorbis, Opus); APIC (MP3, WAV)
 * Why: Xiph comments keep the totals apart (TRACKTOTAL, DISCTOTAL: the names foobar2000,
 * MusicBrainz Picard and ffmpeg read), while ID3v2's TRCK and TPOS carry "n/N" by definition.
 * The (P) line is TagLib's PRODUCEDNOTICE, which TagLib 1.13 and 2 map to ID3v2.4's TPRO
 * ("produced notice") and keep under that name in Xiph comments, where no other name is
 * established. ReplayGain (2.0: gains to -18 LUFS, "-3.21 dB"; peaks linear, "0.891251") is what
 * FLAC, Vorbis and MP3 players read; Opus players apply R128 gains instead (RFC 7845 5.2.1: Q7.8
 * integers to -23 LUFS, on top of the header's output gain, which libsndfile writes as 0) and
 * must not find ReplayGain tags beside them. WAV has no loudness convention and gets neither.
 * MP3: ID3v2.4, TagLib's default and the only version its C save writes: UTF-8 text (the
 * non-ASCII titles), TDRC and TPRO exist only there, and ffmpeg, Apple Music and foobar2000
 * read it; TagLib also adds an ID3v1 tag (Latin-1, 30 characters) that players read
 * only when there is no ID3v2. WAV: TagLib's RIFF::WAV writes an "ID3 " chunk (ID3v2.4, every
 * key above but loudness, and the picture), which TagLib, foobar2000, Apple Music and ffmpeg
 * read, and a LIST/INFO chunk with the few fields INFO has (TagLib 1.13: title, artist, album,
 * genre; date and track only when they are bare numbers), for older Windows players. ffmpeg
 * shows the INFO chunk alone when both are there ("Discarding ID3 tags because more suitable
 * tags were found"); its ID3 chunk is the same ID3v2.4 tag as an MP3's.
 *
 * A key the tag set leaves empty is removed from the file, so that tagging a file twice, or a
 * file the encoder tagged, leaves exactly the tag set. The loudness keys of the other convention
 * (and in WAV of both) are removed too.
 */
#ifndef PM_TAGS_H
#define PM_TAGS_H

#include <stddef.h>

#include "format.h"
#include "premaster.h"

/* Album artwork as loaded by pm_artwork_load. */
typedef struct pm_artwork {
    unsigned char *data; /* the file's bytes, owned: pm_artwork_fini frees them */
    size_t size;
    const char *mime;  /* "image/jpeg" or "image/png" (static storage) */
    int width, height; /* pixels: JPEG's SOFn frame header, PNG's IHDR */
    int depth;         /* bits per pixel: JPEG precision x components, PNG bit depth x channels */
} pm_artwork;

/*
 * What one file's tags say. Every pointer is borrowed: it must stay valid during the call it is
 * passed to, nothing more. Text is UTF-8; NULL or "" means "no such tag".
 */
typedef struct pm_tag_set {
    const char *title, *artist, *album, *album_artist;
    const char *date; /* "YYYY" or "YYYY-MM-DD" */
    int year;         /* when date is NULL or "": the year alone (0: no date) */
    const char *genre, *composer;
    const char *isrc;    /* 12 characters, no dashes */
    const char *barcode; /* the UPC/EAN, 12 or 13 digits */
    const char *label;
    const char *copyright;  /* the (C) line, as written in the project */
    const char *p_line;     /* the (P) line */
    int track, track_total; /* 1-based; 0: no track number (then track_total is ignored) */
    int disc, disc_total;   /* likewise */
    /*
     * Loudness (has_loudness non-zero): the integrated loudness in LUFS of the file and of the
     * album (as decoded, BS.1770), and their peaks as linear amplitudes (1.0 = full scale; the
     * 8x true peak is what premaster measures, which ReplayGain readers take as a safe sample
     * peak). Each must be finite: digital silence has no loudness to tag (has_loudness 0).
     */
    int has_loudness;
    double track_lufs, track_peak, album_lufs, album_peak;
    const pm_artwork *artwork; /* the front cover, or NULL */
} pm_tag_set;

/*
 * The project's tags for the streaming file of t (one of p's tracks, or its hidden track),
 * numbered track of track_total (the streaming files' numbers, which a hidden track shifts):
 * title; artist (the track's, else the album's); album and album artist (the album's title and
 * artist); composer (the track's, else the album's); ISRC; barcode (the album's UPC/EAN);
 * label; copyright; (P) line; genre; date (the album's date, else its year); disc of discs.
 * Loudness and artwork are the caller's to add (has_loudness 0, artwork NULL). The strings
 * are p's and t's: valid while p is.
 */
void pm_tags_from_project(const pm_project *p, const pm_track *t, int track, int track_total,
                          pm_tag_set *out);

/* Reference levels of the two conventions. */
#define PM_REPLAYGAIN_REFERENCE_LUFS -18.0
#define PM_R128_REFERENCE_LUFS -23.0

/*
 * Write tags into the file at path, an audio file whose format is its name's extension (.flac,
 * .mp3, .ogg for Ogg Vorbis, .opus, .wav; any case), looked for before a trailing ".tmp" so that
 * a file can be tagged under its pm_temp_name (fsutil.h) before it is renamed into place. The
 * file is rewritten in place by TagLib.
 * PM_ERR_UNSUPPORTED: not one of those extensions. PM_ERR_INVALID: a loudness that is not
 * finite or whose R128 gain does not fit Q7.8 (over +-128 dB). PM_ERR_IO: TagLib cannot open or
 * save the file, or the file cannot hold a picture. Each with a message in diag naming the file.
 */
pm_status pm_tags_write(const char *path, const pm_tag_set *tags, pm_diag *diag) PM_WARN_UNUSED;

/*
 * Read the file's tags back through TagLib and compare them with tags: every key of the table
 * above, present with exactly the value pm_tags_write writes, or absent when the set has none;
 * the picture's bytes, MIME type and type (front cover). Adds one check, "NAME: tags read back
 * equal the project", to checks when *count < max (*count is advanced), and one error per
 * differing key to diag, naming the file and the key ("ISRC reads "X", the project says "Y"").
 * PM_OK when every tag matches; PM_ERR_INVALID when one differs; PM_ERR_UNSUPPORTED for an
 * unknown extension; PM_ERR_IO when TagLib cannot open the file (a failed check too).
 */
pm_status pm_tags_verify(const char *path, const pm_tag_set *tags, pm_format_check *checks,
                         size_t max, size_t *count, pm_diag *diag) PM_WARN_UNUSED;

/*
 * Load the artwork at path into *art (which the caller finishes with pm_artwork_fini). Only JPEG
 * (from its SOI, up to a SOFn frame header for the size and ending with EOI) and PNG (signature,
 * IHDR first, every chunk's CRC, IEND last) are taken, as stores take nothing else; anything
 * else is PM_ERR_INVALID naming the file and what it is (GIF, WebP, ... or unknown). Also
 * refused: over 16 MiB, which a FLAC PICTURE block cannot hold. Warnings, naming the file, for
 * what stores refuse: a picture that is not square, or under 3000 x 3000 pixels (Apple Music's
 * minimum). PM_ERR_IO when the file cannot be read; PM_ERR_NOMEM.
 */
pm_status pm_artwork_load(const char *path, pm_artwork *art, pm_diag *diag) PM_WARN_UNUSED;
/* Free what pm_artwork_load allocated; art may be zeroed, never loaded, or NULL. */
void pm_artwork_fini(pm_artwork *art);

/* Stores' minimum artwork size (Apple Music: 3000 x 3000 pixels) and FLAC's picture limit. */
#define PM_ARTWORK_MIN_PX 3000
#define PM_ARTWORK_MAX_BYTES ((size_t)16 * 1024 * 1024 - 64)

/*
 * The texts pm_tags_write stores for loudness, into out (size bytes, 16 are enough): the
 * ReplayGain gain "%+.2f dB" of PM_REPLAYGAIN_REFERENCE_LUFS - lufs (rounded to 0.01 dB first,
 * so never "-0.00 dB"), the peak "%.6f", and the R128 gain, the Q7.8 integer nearest to 256 x
 * (PM_R128_REFERENCE_LUFS - lufs). PM_ERR_INVALID when the value cannot be written: not finite,
 * a negative peak, or an R128 gain outside -32768..32767.
 */
pm_status pm_tags_replaygain_gain(double lufs, char *out, size_t size) PM_WARN_UNUSED;
pm_status pm_tags_replaygain_peak(double peak, char *out, size_t size) PM_WARN_UNUSED;
pm_status pm_tags_r128_gain(double lufs, char *out, size_t size) PM_WARN_UNUSED;

#endif
