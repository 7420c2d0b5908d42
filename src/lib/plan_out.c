/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The plan written out: as text for `premaster check`, and as JSON for --json and plan.json.
 * Every mark is given both ways (DESIGN.md "Time bases"): samples at the working rate and
 * absolute CD time in MSF and frames.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdtime.h"
#include "plan.h"
#include "strbuf.h"

static const char *const normalize_names[] = {"album", "track", "none"};
static const char *const format_names[] = {"wav", "flac", "mp3", "opus", "ogg"};
static const char *const dither_names[] = {"shaped", "tpdf", "none"};

static void seconds_text(int64_t samples, int64_t rate, char *buf, int n)
{
    pm_format_seconds((double)samples / (double)rate, buf, n);
}

/* The streaming file number of item i: the hidden track, kept, is file 1 and shifts the rest. */
int pm_plan_file_number(const pm_project *p, size_t i)
{
    if (!p->htoa)
        return (int)i + 1;
    return p->htoa->htoa_streaming == PM_HTOA_SEPARATE ? (int)i + 1 : (int)i;
}

static const char *title_of(const pm_plan_item *it)
{
    return it->track->text.title ? it->track->text.title : "";
}

/* ---- text ---------------------------------------------------------------------------------- */

static void text_mark(pm_strbuf *out, const pm_plan *plan, const char *track, const pm_plan_mark *m)
{
    char msf[16], when[32];
    pm_cdf_format(m->cdf, msf, sizeof msf);
    seconds_text(m->ideal, plan->rate, when, sizeof when);
    pm_strbuf_printf(out, "  %-5s  %02d     %s  %7lld   %12lld  %-12s %+8lld (%+.3f ms)\n", track,
                     m->number, msf, (long long)m->cdf, (long long)m->ideal, when,
                     (long long)m->moved, 1000.0 * (double)m->moved / (double)plan->rate);
}

static void text_cd(pm_strbuf *out, const pm_project *p, const pm_plan *plan)
{
    char msf[16], length[16];
    char ceiling[32] = "off";
    if (p->cd.has_ceiling)
        snprintf(ceiling, sizeof ceiling, "%.2f dBTP", p->cd.ceiling_dbtp);
    pm_strbuf_printf(out, "\nCD: 44.1 kHz / 16 bit, ceiling %s, dither %s, preroll %lld frames\n",
                     ceiling, dither_names[p->cd.dither], (long long)plan->preroll_cdf);
    pm_strbuf_append(out, "  PQ marks in absolute CD time (00:00:00 is the first byte of "
                          "IMAGE.DAT); moved = grid - planned sample\n");
    pm_strbuf_append(out, "  track  index  MSF       frames   planned sample  planned time "
                          "  moved (samples)\n");
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        char track[8];
        snprintf(track, sizeof track, "%02d", it->number);
        if (it->has_index0)
            text_mark(out, plan, track, &it->index0);
        text_mark(out, plan, track, &it->index1);
        for (size_t k = 0; k < it->track->index_count; k++)
            text_mark(out, plan, track, &it->indexes[k]);
    }
    pm_cdf_format(plan->leadout_cdf, msf, sizeof msf);
    pm_strbuf_printf(out, "  lead-out      %s  %7lld\n", msf, (long long)plan->leadout_cdf);
    pm_strbuf_append(out, "  track  length    frames  ISRC          flags\n");
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        pm_cdf_format(it->cd_length_cdf, length, sizeof length);
        pm_strbuf_printf(out, "  %02d     %s  %6lld  %-12s  %s%s%s\n", it->number, length,
                         (long long)it->cd_length_cdf,
                         it->track->isrc[0] ? it->track->isrc : "-",
                         it->track->emphasis ? "PRE " : "", it->track->copy ? "DCP" : "",
                         !it->track->emphasis && !it->track->copy ? "-" : "");
    }
    size_t cd_tracks = plan->item_count - plan->first_track;
    pm_strbuf_printf(out, "  program %s (%lld frames), %zu track%s%s%s\n", msf,
                     (long long)plan->leadout_cdf, cd_tracks, cd_tracks == 1 ? "" : "s",
                     p->album.upc[0] ? ", UPC/EAN " : "", p->album.upc);
}

static void text_vinyl(pm_strbuf *out, const pm_project *p, const pm_plan *plan)
{
    char rec[32], max[32], a[32], b[32], c[32];
    pm_format_seconds(plan->side_recommended_sec, rec, sizeof rec);
    pm_format_seconds(plan->side_max_sec, max, sizeof max);
    pm_strbuf_printf(out, "\nVinyl: %d\" at %d rpm, sides recommended up to %s, at most %s%s\n",
                     p->vinyl.size_in, p->vinyl.speed_rpm, rec, max,
                     plan->sides_automatic ? " (sides chosen automatically)" : "");
    pm_strbuf_append(out, "  side  tracks   start        end          length\n");
    for (size_t s = 0; s < plan->side_count; s++) {
        const pm_plan_side *side = &plan->sides[s];
        char tracks[16];
        int first = plan->items[side->first].number, last = plan->items[side->last].number;
        if (first == last)
            snprintf(tracks, sizeof tracks, "%d", first);
        else
            snprintf(tracks, sizeof tracks, "%d-%d", first, last);
        seconds_text(side->start, plan->rate, a, sizeof a);
        seconds_text(side->end, plan->rate, b, sizeof b);
        seconds_text(side->end - side->start, plan->rate, c, sizeof c);
        pm_strbuf_printf(out, "  %c     %-7s  %-11s  %-11s  %s\n", side->letter, tracks, a, b, c);
    }
}

static void text_streaming(pm_strbuf *out, const pm_project *p, const pm_plan *plan)
{
    for (size_t k = 0; k < p->streaming_count; k++) {
        const pm_streaming_target *s = &p->streaming[k];
        char loudness[32] = "no loudness target";
        if (s->has_loudness)
            snprintf(loudness, sizeof loudness, "%.1f LUFS (%s)", s->loudness_lufs,
                     normalize_names[s->normalize]);
        pm_strbuf_printf(out, "\nStreaming \"%s\"%s%s: %s, ceiling %.1f dBTP, %s, %ld Hz / %ld "
                         "bit, formats", s->name ? s->name : "", s->preset ? ", preset " : "",
                         s->preset ? s->preset : "", loudness, s->ceiling_dbtp,
                         s->boost ? "boost" : "no boost", s->has_rate ? s->rate : (long)plan->rate,
                         s->bits);
        for (int f = 0; f < 5; f++)
            if (s->formats & (1u << f))
                pm_strbuf_printf(out, " %s", format_names[f]);
        pm_strbuf_append(out, "\n  file  start (samples)  start        length (samples)  length\n");
        for (size_t i = 0; i < plan->item_count; i++) {
            const pm_plan_item *it = &plan->items[i];
            if (it->file_end <= it->file_start)
                continue;
            char a[32], b[32];
            seconds_text(it->file_start, plan->rate, a, sizeof a);
            seconds_text(it->file_end - it->file_start, plan->rate, b, sizeof b);
            pm_strbuf_printf(out, "  %02d    %15lld  %-11s  %16lld  %-11s  %s\n",
                             pm_plan_file_number(p, i), (long long)it->file_start, a,
                             (long long)(it->file_end - it->file_start), b, title_of(it));
        }
    }
}

char *pm_plan_to_text(const pm_project *p)
{
    const pm_plan *plan = p ? p->plan : NULL;
    if (!plan)
        return NULL;
    pm_strbuf out;
    pm_strbuf_init(&out);
    char a[32], b[32], c[32];
    seconds_text(plan->total, plan->rate, a, sizeof a);
    pm_strbuf_printf(&out, "Plan of %s\n", p->path);
    pm_strbuf_printf(&out, "  working rate %lld Hz (%s), resampler %s\n", (long long)plan->rate,
                     plan->rate_from_project ? "set by the project" : "the highest source rate",
                     p->resampler_libsamplerate ? "libsamplerate (best sinc)"
                                                : "soxr (very high quality)");
    pm_strbuf_printf(&out, "  timeline %lld samples (%s), sample 0 = the start of track 1's "
                     "pause\n\n", (long long)plan->total, a);
    pm_strbuf_append(&out, "  track  start (samples)  start        length (samples)  length       "
                           "title\n");
    for (size_t i = 0; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        char number[8];
        if (it->track->is_htoa)
            snprintf(number, sizeof number, "hidden");
        else
            snprintf(number, sizeof number, "%02d", it->number);
        seconds_text(it->start, plan->rate, a, sizeof a);
        seconds_text(it->length, plan->rate, b, sizeof b);
        pm_strbuf_printf(&out, "  %-6s %15lld  %-11s  %16lld  %-11s  %s\n", number,
                         (long long)it->start, a, (long long)it->length, b, title_of(it));
        const pm_track *t = it->track;
        pm_strbuf_printf(&out, "         source %s: %s, %d Hz, %d ch", t->src, t->source.format,
                         t->source.rate, t->source.channels);
        if (t->has_start || t->has_end)
            pm_strbuf_printf(&out, ", from sample %lld for %lld", (long long)it->src_start,
                             (long long)it->src_frames);
        pm_strbuf_append(&out, "\n");
        if (it->gap || it->crossfade || it->pregap_audio || it->fade_in || it->fade_out) {
            pm_strbuf_append(&out, "        ");
            if (it->gap) {
                seconds_text(it->gap, plan->rate, c, sizeof c);
                pm_strbuf_printf(&out, " gap %lld (%s)", (long long)it->gap, c);
            }
            if (it->crossfade) {
                seconds_text(it->crossfade, plan->rate, c, sizeof c);
                pm_strbuf_printf(&out, " crossfade %lld (%s)", (long long)it->crossfade, c);
            }
            if (it->pregap_audio) {
                seconds_text(it->pregap_audio, plan->rate, c, sizeof c);
                pm_strbuf_printf(&out, " pregap-audio %lld (%s)", (long long)it->pregap_audio, c);
            }
            if (it->fade_in)
                pm_strbuf_printf(&out, " fade-in %lld", (long long)it->fade_in);
            if (it->fade_out)
                pm_strbuf_printf(&out, " fade-out %lld", (long long)it->fade_out);
            pm_strbuf_append(&out, "\n");
        }
        for (size_t k = 0; k < t->index_count; k++) {
            seconds_text(it->index_at[k], plan->rate, c, sizeof c);
            pm_strbuf_printf(&out, "         index %02zu at sample %lld (%s)\n", k + 2,
                             (long long)it->index_at[k], c);
        }
    }
    if (plan->has_cd)
        text_cd(&out, p, plan);
    if (plan->has_vinyl)
        text_vinyl(&out, p, plan);
    text_streaming(&out, p, plan);
    return pm_strbuf_take(&out);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_key(pm_strbuf *out, const char *key)
{
    pm_strbuf_json_string(out, key);
    pm_strbuf_append(out, ": ");
}

static void json_mark(pm_strbuf *out, const pm_plan_mark *m)
{
    char msf[16];
    pm_cdf_format(m->cdf, msf, sizeof msf);
    pm_strbuf_printf(out, "{\"index\": %d, \"samples\": %lld, \"cd_frames\": %lld, \"msf\": "
                     "\"%s\", \"moved_samples\": %lld}", m->number, (long long)m->ideal,
                     (long long)m->cdf, msf, (long long)m->moved);
}

static void json_items(pm_strbuf *out, const pm_plan *plan)
{
    json_key(out, "items");
    pm_strbuf_append(out, "[");
    for (size_t i = 0; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        const pm_track *t = it->track;
        pm_strbuf_append(out, i ? ",\n    {" : "\n    {");
        pm_strbuf_printf(out, "\"number\": %d, \"hidden\": %s, \"line\": %d, ", it->number,
                         t->is_htoa ? "true" : "false", t->line);
        json_key(out, "title");
        pm_strbuf_json_string(out, t->text.title);
        pm_strbuf_append(out, ", ");
        json_key(out, "isrc");
        pm_strbuf_json_string(out, t->isrc[0] ? t->isrc : NULL);
        pm_strbuf_append(out, ", \"source\": {");
        json_key(out, "path");
        pm_strbuf_json_string(out, t->src);
        pm_strbuf_append(out, ", ");
        json_key(out, "format");
        pm_strbuf_json_string(out, t->source.format);
        pm_strbuf_printf(out, ", \"rate\": %d, \"channels\": %d, \"frames\": %lld, \"start\": "
                         "%lld, \"used\": %lld}", t->source.rate, t->source.channels,
                         (long long)t->source.frames, (long long)it->src_start,
                         (long long)it->src_frames);
        pm_strbuf_printf(out, ", \"start\": %lld, \"length\": %lld, \"end\": %lld, \"gap\": %lld, "
                         "\"crossfade\": %lld, \"pregap_audio\": %lld, \"fade_in\": %lld, "
                         "\"fade_out\": %lld, \"gain_db\": %g",
                         (long long)it->start, (long long)it->length, (long long)it->end,
                         (long long)it->gap, (long long)it->crossfade,
                         (long long)it->pregap_audio, (long long)it->fade_in,
                         (long long)it->fade_out, t->gain_db);
        pm_strbuf_append(out, ", \"indexes\": [");
        for (size_t k = 0; k < t->index_count; k++)
            pm_strbuf_printf(out, "%s%lld", k ? ", " : "", (long long)it->index_at[k]);
        pm_strbuf_append(out, "]}");
    }
    pm_strbuf_append(out, "\n  ]");
}

static void json_cd(pm_strbuf *out, const pm_project *p, const pm_plan *plan)
{
    char msf[16];
    pm_cdf_format(plan->leadout_cdf, msf, sizeof msf);
    pm_strbuf_append(out, ",\n  \"cd\": {");
    json_key(out, "upc");
    pm_strbuf_json_string(out, p->album.upc[0] ? p->album.upc : NULL);
    pm_strbuf_printf(out, ", \"preroll_cd_frames\": %lld, \"leadout\": {\"cd_frames\": %lld, "
                     "\"msf\": \"%s\", \"samples\": %lld}, \"tracks\": [",
                     (long long)plan->preroll_cdf, (long long)plan->leadout_cdf, msf,
                     (long long)plan->total);
    for (size_t i = plan->first_track; i < plan->item_count; i++) {
        const pm_plan_item *it = &plan->items[i];
        pm_strbuf_append(out, i > plan->first_track ? ",\n    {" : "\n    {");
        pm_strbuf_printf(out, "\"number\": %d, ", it->number);
        json_key(out, "isrc");
        pm_strbuf_json_string(out, it->track->isrc[0] ? it->track->isrc : NULL);
        pm_strbuf_printf(out, ", \"pre_emphasis\": %s, \"copy_permitted\": %s, \"length_cd_frames\""
                         ": %lld, \"marks\": [", it->track->emphasis ? "true" : "false",
                         it->track->copy ? "true" : "false", (long long)it->cd_length_cdf);
        int n = 0;
        if (it->has_index0) {
            json_mark(out, &it->index0);
            n++;
        }
        pm_strbuf_append(out, n ? ", " : "");
        json_mark(out, &it->index1);
        for (size_t k = 0; k < it->track->index_count; k++) {
            pm_strbuf_append(out, ", ");
            json_mark(out, &it->indexes[k]);
        }
        pm_strbuf_append(out, "]}");
    }
    pm_strbuf_append(out, "\n  ]}");
}

static void json_vinyl(pm_strbuf *out, const pm_project *p, const pm_plan *plan)
{
    pm_strbuf_printf(out, ",\n  \"vinyl\": {\"size\": %d, \"speed\": %d, \"recommended_seconds\": "
                     "%g, \"max_seconds\": %g, \"automatic\": %s, \"sides\": [",
                     p->vinyl.size_in, p->vinyl.speed_rpm, plan->side_recommended_sec,
                     plan->side_max_sec, plan->sides_automatic ? "true" : "false");
    for (size_t s = 0; s < plan->side_count; s++) {
        const pm_plan_side *side = &plan->sides[s];
        pm_strbuf_printf(out, "%s{\"side\": \"%c\", \"tracks\": [", s ? ",\n    " : "\n    ",
                         side->letter);
        for (size_t i = side->first; i <= side->last; i++)
            pm_strbuf_printf(out, "%s%d", i > side->first ? ", " : "", plan->items[i].number);
        pm_strbuf_printf(out, "], \"start\": %lld, \"end\": %lld, \"seconds\": %.6f}",
                         (long long)side->start, (long long)side->end,
                         (double)(side->end - side->start) / (double)plan->rate);
    }
    pm_strbuf_append(out, "\n  ]}");
}

static void json_streaming(pm_strbuf *out, const pm_project *p, const pm_plan *plan)
{
    pm_strbuf_append(out, ",\n  \"streaming\": [");
    for (size_t k = 0; k < p->streaming_count; k++) {
        const pm_streaming_target *s = &p->streaming[k];
        pm_strbuf_append(out, k ? ",\n    {" : "\n    {");
        json_key(out, "name");
        pm_strbuf_json_string(out, s->name);
        pm_strbuf_append(out, ", ");
        json_key(out, "preset");
        pm_strbuf_json_string(out, s->preset);
        if (s->has_loudness)
            pm_strbuf_printf(out, ", \"loudness_lufs\": %g", s->loudness_lufs);
        else
            pm_strbuf_append(out, ", \"loudness_lufs\": null");
        pm_strbuf_printf(out, ", \"ceiling_dbtp\": %g, \"normalize\": \"%s\", \"boost\": %s, "
                         "\"rate\": %ld, \"bits\": %ld, \"formats\": [", s->ceiling_dbtp,
                         normalize_names[s->normalize], s->boost ? "true" : "false",
                         s->has_rate ? s->rate : (long)plan->rate, s->bits);
        int n = 0;
        for (int f = 0; f < 5; f++)
            if (s->formats & (1u << f))
                pm_strbuf_printf(out, "%s\"%s\"", n++ ? ", " : "", format_names[f]);
        pm_strbuf_append(out, "], \"files\": [");
        n = 0;
        for (size_t i = 0; i < plan->item_count; i++) {
            const pm_plan_item *it = &plan->items[i];
            if (it->file_end <= it->file_start)
                continue;
            pm_strbuf_printf(out, "%s{\"number\": %d, \"start\": %lld, \"length\": %lld}",
                             n++ ? ", " : "", pm_plan_file_number(p, i), (long long)it->file_start,
                             (long long)(it->file_end - it->file_start));
        }
        pm_strbuf_append(out, "]}");
    }
    pm_strbuf_append(out, p->streaming_count ? "\n  ]" : "]");
}

char *pm_plan_to_json(const pm_project *p)
{
    const pm_plan *plan = p ? p->plan : NULL;
    if (!plan)
        return NULL;
    pm_strbuf out;
    pm_strbuf_init(&out);
    pm_strbuf_append(&out, "{\n  \"plan_version\": 1,\n  ");
    json_key(&out, "project");
    pm_strbuf_json_string(&out, p->path);
    pm_strbuf_printf(&out, ",\n  \"working_rate\": %lld,\n  \"working_rate_from\": \"%s\",\n  "
                     "\"resampler\": \"%s\",\n  \"total_samples\": %lld,\n  ",
                     (long long)plan->rate, plan->rate_from_project ? "project" : "sources",
                     p->resampler_libsamplerate ? "libsamplerate" : "soxr",
                     (long long)plan->total);
    json_items(&out, plan);
    if (plan->has_cd)
        json_cd(&out, p, plan);
    if (plan->has_vinyl)
        json_vinyl(&out, p, plan);
    json_streaming(&out, p, plan);
    pm_strbuf_append(&out, "\n}\n");
    return pm_strbuf_take(&out);
}
