/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The normalisation preview (DESIGN.md "Verification: Streaming"): for every platform preset
 * (templates/platforms.xml), the gain the platform's player will apply to a target's files in
 * album and in track mode, and the peak that results, from what the files decode to. The
 * rule: down to the platform's loudness always; up only on a platform that turns quiet masters
 * up, and there, where it says so (Spotify), only until the true peak reaches its limit
 * (DESIGN.md "Standards and figures").
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "streaming.h"

double pm_streaming_platform_gain(const pm_preset *platform, double lufs, double peak_dbtp)
{
    if (!platform->has_loudness || !isfinite(lufs))
        return 0.0;
    double gain = platform->loudness_lufs - lufs;
    if (gain > 0.0 && !platform->boost)
        gain = 0.0;
    else if (gain > 0.0 && platform->has_boost_limit)
        gain = fmin(gain, fmax(0.0, platform->boost_limit_dbtp - peak_dbtp));
    /* no "-0.00 dB" in the report for a stream already at the platform's level */
    return fabs(gain) < 0.005 ? 0.0 : gain;
}

static void json_num(pm_strbuf *out, const char *key, double value, int decimals)
{
    pm_strbuf_printf(out, "\"%s\": ", key);
    pm_strbuf_json_number(out, value, decimals);
}

/* The figures the preview starts from: the target's lossless files, or its first lossy
 * format's when it has none (decoded, as a platform would receive them). */
static const pm_streaming_out *source_of(const pm_format_stage *st, size_t target)
{
    const pm_streaming_out *found = NULL;
    for (size_t i = 0; i < st->out_count; i++)
        if (st->outs[i].target == target && (!found || (found->lossy && !st->outs[i].lossy)))
            found = &st->outs[i];
    return found;
}

void pm_streaming_preview(const pm_format_stage *st, size_t target, pm_strbuf *json, pm_diag *diag)
{
    const pm_project *p = st->p;
    const pm_streaming_target *s = &p->streaming[target];
    const pm_streaming_out *o = source_of(st, target);
    char names[512];
    pm_preset_names(names, sizeof names);
    pm_strbuf_append(json, "\"preview\": [");
    size_t n = 0;
    for (char *save = NULL, *name = strtok_r(names, ", ", &save); o && name;
         name = strtok_r(NULL, ", ", &save)) {
        pm_preset pr;
        if (pm_preset_find(name, &pr) != 0)
            continue;
        double album_peak = o->kept_album_peak_dbtp;
        double album_gain = pm_streaming_platform_gain(&pr, o->kept_album_lufs, album_peak);
        pm_strbuf_printf(json, "%s\n        {\"platform\": ", n++ ? "," : "");
        pm_strbuf_json_string(json, pr.name);
        pm_strbuf_append(json, ", ");
        json_num(json, "loudness_lufs", pr.has_loudness ? pr.loudness_lufs : NAN, 1);
        pm_strbuf_printf(json, ", \"turns_up\": %s, \"album\": {", pr.boost ? "true" : "false");
        json_num(json, "gain_db", album_gain, 2);
        pm_strbuf_append(json, ", ");
        json_num(json, "peak_dbtp", album_peak + album_gain, 2);
        pm_strbuf_append(json, "}, \"tracks\": [");
        double low = HUGE_VAL, high = -HUGE_VAL, top = -HUGE_VAL;
        for (size_t i = 0; i < o->file_count; i++) {
            double peak = o->files[i].kept_peak_dbtp;
            double gain = pm_streaming_platform_gain(&pr, o->files[i].kept_lufs, peak);
            low = fmin(low, gain);
            high = fmax(high, gain);
            top = fmax(top, peak + gain);
            pm_strbuf_printf(json, "%s{\"number\": %d, ", i ? ", " : "",
                             pm_plan_file_number(p, o->files[i].item));
            json_num(json, "gain_db", gain, 2);
            pm_strbuf_append(json, ", ");
            json_num(json, "peak_dbtp", peak + gain, 2);
            pm_strbuf_append(json, "}");
        }
        pm_strbuf_append(json, "]}");
        char loud[48] = "no normalisation";
        if (pr.has_loudness)
            snprintf(loud, sizeof loud, "%.0f LUFS, %s", pr.loudness_lufs,
                     pr.boost ? "up and down" : "down only");
        pm_diag_add(diag, PM_SEV_NOTE, p->path, s->line, NULL,
                    "streaming %s on %s (%s): album mode %+.2f dB (peak %.2f dBTP), track mode "
                    "%+.2f to %+.2f dB (peaks up to %.2f dBTP)",
                    s->name, pr.name, loud, album_gain, album_peak + album_gain, low, high, top);
    }
    pm_strbuf_append(json, n ? "\n      ]" : "]");
}
