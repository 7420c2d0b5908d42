/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Streaming files through libsndfile: names, encoders, Ogg serial numbers and the decoded
 * measure of the codec check (streaming.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "alloc.h"
#include "fan.h"
#include "dsp/meter.h"
#include "dsp/truepeak.h"
#include "fsutil.h"
#include "segmeter.h"
#include "streaming.h"

/*
 * A lossy codec's usual overshoot: how far its decoded true peaks pass a ceiling that a
 * limiter working a few dB holds, with a margin. Measured, -1 dBTP, album normalisation: the
 * benchmark's 10-minute album at -14 LUFS (the limiter at 5.4-6 dB) needed 0.57 dB of headroom
 * for MP3 at 320 kbps, 0.61 for Vorbis and 0.98 for Opus, in 2, 3 and 3 passes; the demo album
 * at -9 LUFS (6.3-8.4 dB of limiting) 0.70, 1.39 and 1.46. A first pass this far under the
 * ceiling usually stands; where it does not, the loop lowers the ceiling further as before.
 * Too much only costs the lossy files a little headroom; too little, a whole encode more.
 */
const pm_streaming_codec pm_streaming_codecs[PM_STREAMING_CODECS] = {
    {PM_FORMAT_WAV, "wav", "wav", 0, 0.0},   {PM_FORMAT_FLAC, "flac", "flac", 0, 0.0},
    {PM_FORMAT_MP3, "mp3", "mp3", 1, 0.6},   {PM_FORMAT_OPUS, "opus", "opus", 1, 1.1},
    {PM_FORMAT_OGG, "ogg", "ogg", 1, 0.8},
};

enum { BLOCK = 4096 };

const pm_streaming_codec *pm_streaming_codec_of(unsigned bit)
{
    for (int c = 0; c < PM_STREAMING_CODECS; c++)
        if (pm_streaming_codecs[c].bit == bit)
            return &pm_streaming_codecs[c];
    return &pm_streaming_codecs[0];
}

/* The length of the UTF-8 sequence a lead byte starts (1 for anything that is not a lead). */
static size_t utf8_length(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

void pm_streaming_file_name(const pm_project *p, size_t item, const char *ext, char *out,
                            size_t size)
{
    const pm_plan_item *it = &p->plan->items[item];
    const char *title = it->track->text.title ? it->track->text.title : "";
    /* Room for the number, the extension and a NUL; a title is cut at a whole character so
     * that no file system sees half a UTF-8 sequence (255 bytes is the common name limit). */
    char safe[200];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)title; *c;) {
        size_t len = utf8_length(*c);
        if (n + len >= sizeof safe)
            break;
        if (len == 1) {
            int bad = *c < 0x20 || *c == 0x7F || strchr("/\\:*?\"<>|", *c) != NULL;
            safe[n++] = bad ? '_' : (char)*c;
            c++;
            continue;
        }
        for (size_t k = 0; k < len && *c; k++)
            safe[n++] = (char)*c++;
    }
    safe[n] = '\0';
    /* Windows drops trailing dots and spaces; a leading dot hides the file on Unix. */
    while (n > 0 && (safe[n - 1] == '.' || safe[n - 1] == ' '))
        safe[--n] = '\0';
    const char *start = safe;
    while (*start == '.' || *start == ' ')
        start++;
    snprintf(out, size, "%02d %s.%s", pm_plan_file_number(p, item), *start ? start : "Track", ext);
}

long pm_streaming_lossy_rate(unsigned codec, long rate)
{
    if (codec == PM_FORMAT_OPUS)
        return 48000;
    if (rate == 44100 || rate == 48000)
        return rate;
    return rate % 48000 == 0 ? 48000 : 44100;
}

int pm_streaming_sf_format(unsigned codec, int bits)
{
    int depth = bits == 16 ? SF_FORMAT_PCM_16 : bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT;
    switch (codec) {
    case PM_FORMAT_WAV: return SF_FORMAT_WAV | depth;
    case PM_FORMAT_FLAC: return SF_FORMAT_FLAC | depth;
    case PM_FORMAT_MP3: return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    case PM_FORMAT_OPUS: return SF_FORMAT_OGG | SF_FORMAT_OPUS;
    default: return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    }
}

void *pm_streaming_open_write(const char *path, unsigned codec, long rate, int bits, int mp3_vbr,
                              char *why, size_t why_size)
{
    SF_INFO info = {
        .samplerate = (int)rate, .channels = 2, .format = pm_streaming_sf_format(codec, bits)};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        snprintf(why, why_size, "%s", sf_strerror(NULL));
        return NULL;
    }
    int ok = 1;
    if (codec == PM_FORMAT_WAV && bits == 32)
        /* the PEAK chunk carries the time of writing: the same project must give the same bytes */
        (void)sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    if (codec == PM_FORMAT_MP3) {
        /* libsndfile's LAME: compression level 0 is 320 kbps in CBR and V0 in VBR */
        int mode = mp3_vbr ? SF_BITRATE_MODE_VARIABLE : SF_BITRATE_MODE_CONSTANT;
        double level = 0.0;
        /* libsndfile 1.2 answers the bit rate mode with 0 on success (its error code), the
         * level with SF_TRUE: the file's error state is what tells */
        (void)sf_command(sf, SFC_SET_BITRATE_MODE, &mode, (int)sizeof mode);
        ok = sf_error(sf) == SF_ERR_NO_ERROR &&
             sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, (int)sizeof level) == SF_TRUE;
    }
    if (!ok) {
        snprintf(why, why_size, "libsndfile refused the MP3 encoder's settings: %s",
                 sf_strerror(sf));
        sf_close(sf);
        return NULL;
    }
    return sf;
}

/* The Ogg page checksum (RFC 3533 section 6): CRC-32 with polynomial 0x04C11DB7, not reflected,
 * initial value 0, over the page with its checksum field zeroed. */
static uint32_t ogg_crc(const unsigned char *data, size_t size)
{
    uint32_t crc = 0;
    for (size_t i = 0; i < size; i++) {
        crc ^= (uint32_t)data[i] << 24;
        for (int b = 0; b < 8; b++)
            crc = crc & 0x80000000u ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
    return crc;
}

pm_status pm_streaming_ogg_serial(const char *path, uint32_t serial, char *why, size_t why_size)
{
    char *data = NULL;
    size_t size = 0;
    if (pm_read_file(path, &data, &size) != PM_OK) {
        snprintf(why, why_size, "cannot be read back to number its Ogg stream");
        return PM_ERR_IO;
    }
    unsigned char *d = (unsigned char *)data;
    pm_status status = PM_OK;
    /* RFC 3533 section 6: "OggS", version, flags, granule (8), serial (4) at 14, sequence (4),
     * checksum (4) at 22, the segment count at 26 and the lacing values after it. */
    for (size_t at = 0; at < size;) {
        if (size - at < 27 || memcmp(d + at, "OggS", 4) != 0 || size - at < 27u + d[at + 26]) {
            snprintf(why, why_size, "is not a whole Ogg stream at byte %zu", at);
            status = PM_ERR_IO;
            break;
        }
        size_t segments = d[at + 26], body = 0;
        for (size_t k = 0; k < segments; k++)
            body += d[at + 27 + k];
        size_t page = 27 + segments + body;
        if (page > size - at) {
            snprintf(why, why_size, "ends inside an Ogg page at byte %zu", at);
            status = PM_ERR_IO;
            break;
        }
        for (int b = 0; b < 4; b++) {
            d[at + 14 + b] = (unsigned char)(serial >> (8 * b));
            d[at + 22 + b] = 0;
        }
        uint32_t crc = ogg_crc(d + at, page);
        for (int b = 0; b < 4; b++)
            d[at + 22 + b] = (unsigned char)(crc >> (8 * b));
        at += page;
    }
    if (status == PM_OK) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(d, 1, size, f) != size) {
            snprintf(why, why_size, "cannot be written again with its Ogg serial number");
            status = PM_ERR_IO;
        }
        if (f && fclose(f) != 0 && status == PM_OK) {
            snprintf(why, why_size, "cannot be written again with its Ogg serial number");
            status = PM_ERR_IO;
        }
    }
    free(data);
    return status;
}

void pm_streaming_read_fini(pm_streaming_read *r)
{
    free(r->opened);
    free(r->format_ok);
    free(r->frames);
    free(r->each);
    memset(r, 0, sizeof *r);
}

static pm_status meter_block(void *context, const double *const *block, size_t frames)
{
    return pm_segmeter_process(context, block, frames);
}

pm_status pm_streaming_read_files(const char *const *paths, size_t n, const int64_t *start,
                                  const int64_t *end, long rate, int subformat, int bits,
                                  int threads, pm_streaming_read *r)
{
    memset(r, 0, sizeof *r);
    int32_t *ints = pm_alloc_array(2 * BLOCK, sizeof *ints);
    float *floats = pm_alloc_array(2 * BLOCK, sizeof *floats);
    double *planar = pm_alloc_array(2 * BLOCK, sizeof *planar);
    r->files = n;
    r->opened = pm_alloc_zeroed(n + 1, sizeof *r->opened);
    r->format_ok = pm_alloc_zeroed(n + 1, sizeof *r->format_ok);
    r->frames = pm_alloc_zeroed(n + 1, sizeof *r->frames);
    r->each = pm_alloc_zeroed(n + 1, sizeof *r->each);
    pm_segmeter m = {0};
    pm_fan *fan = NULL;
    pm_status status = PM_ERR_NOMEM;
    if (!ints || !floats || !planar || !r->opened || !r->format_ok || !r->frames || !r->each)
        goto done;
    /* the segments are the files as planned; a file of another length shifts the rest, and
     * its own check fails. Lean meters: what the checks and tags use is each file's and the
     * album's loudness and true peak, and the files tile the stream, so every sample is
     * K-weighted once and passes the true-peak interpolator once (segmeter.h). */
    status = pm_segmeter_init_lean(&m, (double)rate, PM_SEGMETER_LOUDNESS | PM_SEGMETER_TRUE_PEAK,
                                   start, end, n);
    /* the meters on a thread of their own when threads allow, beside the decoding and the
     * hashing on this one (fan.h: the figures do not depend on it) */
    const pm_fan_consumer meters = {meter_block, NULL, &m};
    if (status == PM_OK)
        status = pm_fan_new(&meters, 1, 2, BLOCK, threads, &fan);
    pm_sha256 h;
    pm_sha256_init(&h);
    /* 16 and 24 bit as the words the writer hashed; floats as floats: a lossy decoder's
     * output and a float WAV are floats */
    int as_int = bits == 16 || bits == 24;
    /* only lossless samples have a digest to prove: a lossy decoder's output has none */
    int hashed = as_int || subformat == SF_FORMAT_FLOAT;
    for (size_t i = 0; status == PM_OK && i < n; i++) {
        SF_INFO info;
        memset(&info, 0, sizeof info);
        SNDFILE *sf = sf_open(paths[i], SFM_READ, &info);
        if (!sf)
            continue;
        r->opened[i] = 1;
        r->format_ok[i] = info.samplerate == rate && info.channels == 2 &&
                          (info.format & SF_FORMAT_SUBMASK) == subformat;
        for (sf_count_t got; info.channels == 2 && status == PM_OK;) {
            got = as_int ? sf_readf_int(sf, ints, BLOCK) : sf_readf_float(sf, floats, BLOCK);
            if (got <= 0)
                break;
            for (int c = 0; c < 2; c++)
                for (sf_count_t k = 0; k < got; k++)
                    planar[(size_t)c * BLOCK + (size_t)k] =
                        as_int ? (double)ints[2 * k + c] / 2147483648.0 : floats[2 * k + c];
            if (hashed)
                pm_streaming_hash_samples(&h, as_int ? ints : NULL, as_int ? NULL : floats,
                                          2 * (size_t)got);
            const double *const block[2] = {planar, planar + BLOCK};
            status = pm_fan_push(fan, block, (size_t)got);
            r->frames[i] += got;
        }
        if (sf_error(sf) != SF_ERR_NO_ERROR)
            r->format_ok[i] = 0;
        sf_close(sf);
    }
    if (fan) {
        pm_status finished = pm_fan_finish(fan);
        if (status == PM_OK)
            status = finished;
    }
    if (status == PM_OK)
        status = pm_segmeter_finish(&m, &r->whole, r->each);
    pm_sha256_final(&h, r->digest);
done:
    pm_fan_free(fan);
    pm_segmeter_fini(&m);
    free(ints);
    free(floats);
    free(planar);
    return status;
}

double pm_streaming_peak_dbtp(const pm_meter_result *r)
{
    return pm_db_from_linear(fmax(r->true_peak[0], r->true_peak[1]));
}

void pm_streaming_loudness_of(const pm_streaming_read *r, size_t file, pm_streaming_loudness *l)
{
    l->track_lufs = r->each[file].integrated_lufs;
    l->track_peak_dbtp = pm_streaming_peak_dbtp(&r->each[file]);
    l->album_lufs = r->whole.integrated_lufs;
    l->album_peak_dbtp = -HUGE_VAL;
    for (size_t i = 0; i < r->files; i++)
        l->album_peak_dbtp = fmax(l->album_peak_dbtp, pm_streaming_peak_dbtp(&r->each[i]));
}

void pm_streaming_tag_set(const pm_project *p, size_t item, int total, const pm_artwork *art,
                          const pm_streaming_loudness *l, pm_tag_set *t)
{
    pm_tags_from_project(p, p->plan->items[item].track, pm_plan_file_number(p, item), total, t);
    t->artwork = art;
    t->track_lufs = l->track_lufs;
    t->track_peak = pow(10.0, l->track_peak_dbtp / 20.0);
    t->album_lufs = l->album_lufs;
    t->album_peak = pow(10.0, l->album_peak_dbtp / 20.0);
    /* silence has no loudness to tag */
    t->has_loudness = isfinite(t->track_lufs) && isfinite(t->album_lufs);
}

void pm_streaming_hash_samples(pm_sha256 *hash, const int32_t *ints, const float *floats,
                               size_t samples)
{
    _Static_assert(sizeof(float) == 4, "the digest is over 32-bit words");
    const void *words = ints ? (const void *)ints : (const void *)floats;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* in memory the words already are the little-endian bytes the digest is defined over */
    pm_sha256_update(hash, words, 4 * samples);
#else
    /* elsewhere, each word's bits as little-endian bytes, a block of words at a time */
    unsigned char bytes[4 * 512];
    for (size_t i = 0; i < samples;) {
        size_t n = samples - i < 512 ? samples - i : 512;
        for (size_t k = 0; k < n; k++) {
            uint32_t u;
            memcpy(&u, (const unsigned char *)words + 4 * (i + k), sizeof u);
            for (int b = 0; b < 4; b++)
                bytes[4 * k + (size_t)b] = (unsigned char)(u >> (8 * b));
        }
        pm_sha256_update(hash, bytes, 4 * n);
        i += n;
    }
#endif
}
