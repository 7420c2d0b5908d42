/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The streaming format's verification (DESIGN.md "Verification: Streaming"), from disk and
 * against the project and its plan only, and its finish: the report of every target, format and
 * file, then the verification.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "alloc.h"
#include "dsp/truepeak.h"
#include "fsutil.h"
#include "fan.h"
#include "segmeter.h"
#include "streaming.h"

enum { BLOCK = 4096 };

typedef struct verifier {
    const pm_project *p;
    pm_format_check *checks;
    size_t max, *count;
    pm_diag *diag;
    int threads;
} verifier;

/* What a format's files of one target should be, by the project and the plan alone. */
typedef struct expected {
    const pm_streaming_target *s;
    const pm_streaming_codec *codec;
    long rate;
    int bits; /* 16, 24, 32 (float); lossy: 0 */
    size_t files;
    char (*names)[512];
    char (*paths)[4096];
    const char **path_list;
    size_t *items;        /* each file's plan item */
    int64_t *start, *end; /* in the joined files */
} expected;

static void expected_fini(expected *e)
{
    free(e->names);
    free(e->paths);
    free(e->path_list);
    free(e->items);
    free(e->start);
    free(e->end);
}

static pm_status expected_init(expected *e, const pm_project *p, const char *dir,
                               const pm_streaming_target *s, const pm_streaming_codec *codec)
{
    const pm_plan *plan = p->plan;
    memset(e, 0, sizeof *e);
    e->s = s;
    e->codec = codec;
    long rate = s->has_rate ? s->rate : (long)plan->rate;
    e->rate = codec->lossy ? pm_streaming_lossy_rate(codec->bit, rate) : rate;
    e->bits = codec->lossy ? 0 : (int)s->bits;
    size_t n = plan->item_count ? plan->item_count : 1;
    e->names = pm_alloc_zeroed(n, sizeof *e->names);
    e->paths = pm_alloc_zeroed(n, sizeof *e->paths);
    e->path_list = pm_alloc_zeroed(n, sizeof *e->path_list);
    e->items = pm_alloc_zeroed(n, sizeof *e->items);
    e->start = pm_alloc_zeroed(n, sizeof *e->start);
    e->end = pm_alloc_zeroed(n, sizeof *e->end);
    if (!e->names || !e->paths || !e->path_list || !e->items || !e->start || !e->end)
        return PM_ERR_NOMEM;
    char folder[4096];
    if (pm_path_join(folder, sizeof folder, dir, s->name) != 0)
        return PM_ERR_IO;
    int64_t origin = -1;
    for (size_t i = 0; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        if (it->file_end <= it->file_start)
            continue;
        int64_t a = pm_target_frames_at(it->file_start, plan->rate, e->rate);
        int64_t b = pm_target_frames_at(it->file_end, plan->rate, e->rate);
        if (origin < 0)
            origin = a;
        pm_streaming_file_name(p, i, codec->ext, e->names[e->files], sizeof e->names[0]);
        if (pm_path_join(e->paths[e->files], sizeof e->paths[0], folder, e->names[e->files]))
            return PM_ERR_IO;
        e->path_list[e->files] = e->paths[e->files];
        e->items[e->files] = i;
        e->start[e->files] = a - origin;
        e->end[e->files++] = b - origin;
    }
    return PM_OK;
}

/* libsndfile's subformat a file of e should decode as. */
static int expected_subformat(const expected *e)
{
    return pm_streaming_sf_format(e->codec->bit, e->bits ? e->bits : 32) & SF_FORMAT_SUBMASK;
}

/* Read the digest the writer recorded for target s; "" when there is none. */
static void recorded_digest(const char *dir, const pm_streaming_target *s, char hex[65])
{
    char path[4096], name[128], *text = NULL;
    size_t size;
    hex[0] = '\0';
    snprintf(name, sizeof name, "%s.samples.sha256", s->name);
    if (pm_path_join(path, sizeof path, dir, name) == 0 &&
        pm_read_file(path, &text, &size) == PM_OK && size >= 64) {
        memcpy(hex, text, 64);
        hex[64] = '\0';
    }
    free(text);
}

/* Whether lufs meets the target's loudness: within the tolerance, or under it when the target
 * never raises a quieter master. */
static int loudness_ok(const pm_streaming_target *s, double lufs)
{
    if (!isfinite(lufs))
        return 1; /* silence: nothing to normalise */
    if (!s->boost && lufs < s->loudness_lufs)
        return 1;
    return fabs(lufs - s->loudness_lufs) <= PM_TARGET_LOUDNESS_TOLERANCE_LU;
}

static pm_status verify_format(verifier *v, const char *dir, const pm_streaming_target *s,
                               const pm_streaming_codec *codec, const pm_artwork *art)
{
    expected e;
    pm_streaming_read r;
    memset(&r, 0, sizeof r);
    pm_status status = expected_init(&e, v->p, dir, s, codec);
    if (status == PM_OK)
        status = pm_streaming_read_files(e.path_list, e.files, e.start, e.end, e.rate,
                                         expected_subformat(&e), e.bits, v->threads, &r);
    int normalized = s->has_loudness && s->normalize != PM_NORMALIZE_NONE;
    const char *file = v->p->path;
    for (size_t i = 0; status == PM_OK && i < e.files; i++) {
        int64_t want = e.end[i] - e.start[i];
        double tp = pm_streaming_peak_dbtp(&r.each[i]), lufs = r.each[i].integrated_lufs;
        char depth[16];
        snprintf(depth, sizeof depth, e.bits == 32 ? "float" : "%d-bit", e.bits);
        pm_format_check_add(v->checks, v->max, v->count, v->diag, file, s->line,
                            r.opened[i] && r.format_ok[i] && r.frames[i] == want,
                            "streaming/%s/%s: decodes, %ld Hz%s%s stereo, %lld samples (%lld "
                            "planned)",
                            s->name, e.names[i], e.rate, codec->lossy ? "" : " ",
                            codec->lossy ? "" : depth, (long long)r.frames[i], (long long)want);
        pm_format_check_add(v->checks, v->max, v->count, v->diag, file, s->line,
                            r.opened[i] && tp <= s->ceiling_dbtp + PM_STREAMING_PEAK_TOLERANCE_DB,
                            "streaming/%s/%s: %strue peak %.2f dBTP (8x), within the %.1f dBTP "
                            "ceiling",
                            s->name, e.names[i], codec->lossy ? "decoded " : "", tp,
                            s->ceiling_dbtp);
        if (!codec->lossy && normalized && s->normalize == PM_NORMALIZE_TRACK)
            pm_format_check_add(v->checks, v->max, v->count, v->diag, file, s->line,
                                r.opened[i] && loudness_ok(s, lufs),
                                "streaming/%s/%s: %.2f LUFS, the %.1f LUFS target%s", s->name,
                                e.names[i], lufs, s->loudness_lufs,
                                s->boost ? " within 0.1 LU" : " or under (no boost)");
        /* the tags, against the project and what the files decode to */
        pm_tag_set tags;
        pm_streaming_loudness l;
        pm_streaming_loudness_of(&r, i, &l);
        pm_streaming_tag_set(v->p, e.items[i], (int)e.files, art, &l, &tags);
        size_t before = *v->count;
        pm_status tagged = pm_tags_verify(e.paths[i], &tags, v->checks, v->max, v->count, v->diag);
        if (tagged == PM_ERR_NOMEM)
            status = tagged;
        /* named as the other checks are, by the file's place in the render */
        for (size_t c = before; c < *v->count; c++)
            snprintf(v->checks[c].what, sizeof v->checks[c].what,
                     "streaming/%s/%s: tags read back equal the project", s->name, e.names[i]);
    }
    if (status == PM_OK && !codec->lossy) {
        if (normalized && s->normalize == PM_NORMALIZE_ALBUM)
            pm_format_check_add(v->checks, v->max, v->count, v->diag, file, s->line,
                                loudness_ok(s, r.whole.integrated_lufs),
                                "streaming/%s %s: the album is %.2f LUFS, the %.1f LUFS target%s",
                                s->name, codec->name, r.whole.integrated_lufs, s->loudness_lufs,
                                s->boost ? " within 0.1 LU" : " or under (no boost)");
        char recorded[65];
        recorded_digest(dir, s, recorded);
        pm_format_check_add(v->checks, v->max, v->count, v->diag, file, s->line,
                            *recorded && strcmp(recorded, r.digest) == 0,
                            "streaming/%s %s: the files joined are the rendered stream, sample "
                            "for sample (SHA-256 %.16s...)",
                            s->name, codec->name, r.digest);
    }
    expected_fini(&e);
    pm_streaming_read_fini(&r);
    return status;
}

pm_status pm_streaming_verify(const pm_project *p, const char *dir, pm_format_check *checks,
                              size_t max_checks, size_t *check_count, pm_diag *diag)
{
    return pm_streaming_verify_on(p, dir, pm_cpu_count(), checks, max_checks, check_count, diag);
}

pm_status pm_streaming_verify_on(const pm_project *p, const char *dir, int threads,
                                 pm_format_check *checks, size_t max_checks, size_t *check_count,
                                 pm_diag *diag)
{
    verifier v = {.p = p, .checks = checks, .max = max_checks, .count = check_count, .diag = diag,
                  .threads = threads};
    pm_artwork art;
    memset(&art, 0, sizeof art);
    pm_status status = PM_OK;
    /* the picture the files must carry is the project's, as it is now */
    if (p->album.artwork_path && pm_artwork_load(p->album.artwork_path, &art, NULL) != PM_OK)
        pm_format_check_add(checks, max_checks, check_count, diag, p->album.artwork_path, 0, 0,
                            "streaming: the album's artwork can be read to compare the files' "
                            "pictures with it");
    const pm_artwork *picture = art.data ? &art : NULL;
    for (size_t t = 0; status == PM_OK && t < p->streaming_count; t++)
        for (int c = 0; status == PM_OK && c < PM_STREAMING_CODECS; c++)
            if (p->streaming[t].formats & pm_streaming_codecs[c].bit)
                status = verify_format(&v, dir, &p->streaming[t], &pm_streaming_codecs[c], picture);
    pm_artwork_fini(&art);
    return status;
}

/* ---- finish: the report --------------------------------------------------------------------- */

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

static const char *normalize_name(pm_normalize n)
{
    return n == PM_NORMALIZE_ALBUM ? "album" : n == PM_NORMALIZE_TRACK ? "track" : "none";
}

/* One target's object (its writers' figures) for one format. */
static void report_format(pm_strbuf *out, const pm_streaming_out *o, size_t k,
                          const pm_target_result *res)
{
    const pm_project *p = o->owner->p;
    const pm_streaming_target *s = &p->streaming[o->target];
    const pm_streaming_file *files = &o->files[k * o->file_count];
    const pm_streaming_codec *codec = pm_streaming_codec_of(
        o->lossy ? o->formats
                 : (k == 0 && (o->formats & PM_FORMAT_WAV) ? PM_FORMAT_WAV : PM_FORMAT_FLAC));
    pm_strbuf_append(out, "{\"format\": ");
    pm_strbuf_json_string(out, codec->name);
    pm_strbuf_printf(out, ", \"rate\": %ld, \"bits\": ", o->rate);
    if (o->lossy)
        pm_strbuf_append(out, "null");
    else
        pm_strbuf_printf(out, "%d", o->bits);
    if (codec->bit == PM_FORMAT_MP3)
        pm_strbuf_printf(out, ", \"encoding\": \"%s\"", s->mp3_vbr ? "VBR V0" : "CBR 320 kbps");
    pm_strbuf_printf(out, ", \"met\": %s, \"passes\": %d, ", res->met ? "true" : "false",
                     res->passes);
    json_num(out, "ceiling_used_dbtp", res->ceiling_used_dbtp, 3);
    pm_strbuf_append(out, ", ");
    if (o->lossy) {
        json_num(out, "codec_headroom_db", s->ceiling_dbtp - res->ceiling_used_dbtp, 3);
        pm_strbuf_printf(out, ", \"codec_check\": %s, ", s->codec_check ? "true" : "false");
    }
    json_num(out, "gain_db", res->gain_db, 2);
    pm_strbuf_append(out, ", ");
    json_num(out, "limiter_reduction_db", res->measure.limiter_reduction_db, 2);
    pm_strbuf_printf(out, ", \"clipped\": %llu, ", (unsigned long long)res->measure.clipped);
    json_num(out, "integrated_lufs", res->measure.integrated_lufs, 2);
    if (!o->lossy) {
        pm_strbuf_append(out, ", \"samples_sha256\": ");
        pm_strbuf_json_string(out, o->hash_hex);
    }
    if (!res->met) {
        pm_strbuf_append(out, ", \"not_met\": ");
        pm_strbuf_json_string(out, res->why);
    }
    pm_strbuf_append(out, ",\n        \"files\": [");
    for (size_t i = 0; i < o->file_count; i++) {
        const pm_streaming_file *f = &files[i];
        const pm_plan_item *it = &p->plan->items[f->item];
        pm_strbuf_printf(out, "%s\n          {\"file\": ", i ? "," : "");
        pm_strbuf_json_string(out, f->name);
        pm_strbuf_printf(out, ", \"number\": %d, \"title\": ", pm_plan_file_number(p, f->item));
        pm_strbuf_json_string(out, it->track->text.title);
        pm_strbuf_printf(out, ", \"samples\": %lld, ", (long long)(f->end - f->start));
        json_num(out, "integrated_lufs", f->kept_lufs, 2);
        pm_strbuf_append(out, ", ");
        json_num(out, "true_peak_dbtp", f->kept_peak_dbtp, 2);
        if (o->lossy && s->codec_check) {
            pm_strbuf_append(out, ", ");
            json_num(out, "codec_added_db", f->kept_added_db, 2);
        }
        pm_strbuf_append(out, "}");
    }
    pm_strbuf_append(out, "]}");
}

pm_status pm_streaming_finish(pm_format_stage *st, const pm_target_result *results,
                              pm_strbuf *report, pm_format_check *checks, size_t max_checks,
                              size_t *check_count, pm_diag *diag)
{
    const pm_project *p = st->p;
    pm_strbuf_append(report, "{\"format\": \"streaming\", \"targets\": [");
    for (size_t t = 0; t < p->streaming_count; t++) {
        const pm_streaming_target *s = &p->streaming[t];
        pm_strbuf_append(report, t ? ",\n    {\"name\": " : "\n    {\"name\": ");
        pm_strbuf_json_string(report, s->name);
        pm_strbuf_append(report, ", \"preset\": ");
        pm_strbuf_json_string(report, s->preset);
        pm_strbuf_append(report, ", ");
        json_num(report, "loudness_lufs", s->has_loudness ? s->loudness_lufs : NAN, 1);
        pm_strbuf_append(report, ", ");
        json_num(report, "ceiling_dbtp", s->ceiling_dbtp, 2);
        pm_strbuf_printf(report, ", \"normalize\": \"%s\", \"boost\": %s,\n      \"formats\": [",
                         normalize_name(s->normalize), s->boost ? "true" : "false");
        size_t n = 0;
        for (size_t i = 0; i < st->out_count; i++) {
            const pm_streaming_out *o = &st->outs[i];
            for (size_t k = 0; o->target == t && k < o->format_count; k++) {
                pm_strbuf_append(report, n++ ? ",\n      " : "\n      ");
                report_format(report, o, k, &results[i]);
            }
        }
        pm_strbuf_append(report, "],\n      ");
        pm_streaming_preview(st, t, report, diag);
        pm_strbuf_append(report, "}");
    }
    pm_strbuf_append(report, "\n  ]}");
    if (report->failed)
        return PM_ERR_NOMEM;
    return pm_streaming_verify_on(p, st->dir, st->threads, checks, max_checks, check_count, diag);
}
