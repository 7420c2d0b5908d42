/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The project model: PROJECT-FORMAT.md version 1 as parsed, with every element's line kept for
 * messages. Values are stored as parsed (seconds, dB, Hz); the plan (plan.h) turns them into
 * samples. Optional values carry a has_ flag; defaults of the format doc are filled in by the
 * parser, so a reader of the model never re-applies them.
 *
 * Every string is owned by the project and freed with it; NULL means absent.
 */
#ifndef PM_PROJECT_H
#define PM_PROJECT_H

#include <stddef.h>
#include <stdint.h>

#include "premaster.h"
#include "units.h"

#define PM_MAX_CDTEXT_BLOCKS 8

/* One processor of a <master> chain. */
typedef enum pm_proc_kind {
    PM_PROC_GAIN,
    PM_PROC_HIGHPASS,
    PM_PROC_LOWPASS,
    PM_PROC_EQ,
    PM_PROC_COMPRESSOR,
    PM_PROC_WIDTH,
    PM_PROC_DEESS,
    PM_PROC_MONOBASS
} pm_proc_kind;

/* <eq type>: named apart from dsp/eq.h's pm_eq_type, which the engine maps this to. */
typedef enum pm_band_type { PM_BAND_PEAK, PM_BAND_LOWSHELF, PM_BAND_HIGHSHELF, PM_BAND_NOTCH } pm_band_type;
typedef enum pm_phase { PM_PHASE_MINIMUM, PM_PHASE_LINEAR } pm_phase;

typedef struct pm_proc {
    pm_proc_kind kind;
    int line;
    double gain_db;           /* gain, eq */
    double freq_hz;           /* highpass, lowpass, eq, deess; monobass: below */
    int order;                /* highpass, lowpass: 1-8, default 2 */
    pm_band_type eq_type;
    double q;                 /* eq; default 0.707 */
    double threshold_db;      /* compressor, deess */
    double ratio;             /* compressor */
    double attack_sec, release_sec, knee_db; /* compressor; defaults 10 ms, 100 ms, 0 dB */
    int makeup_auto;          /* compressor: makeup="auto" */
    double makeup_db;         /* compressor: makeup in dB (default 0) */
    double amount;            /* width */
    double range_db;          /* deess; default 6 */
    pm_phase phase;           /* monobass */
} pm_proc;

typedef struct pm_chain {
    pm_proc *procs;
    size_t count;
    int line; /* the <master> element, 0 when absent */
} pm_chain;

/* The text of a CD-TEXT block for the disc or a track; also the main text of album and tracks. */
typedef struct pm_text {
    char *title, *artist, *songwriter, *composer, *arranger, *message;
} pm_text;

typedef struct pm_cdtext_block {
    char language[3]; /* ISO 639-1 */
    pm_text text;
    int line;
} pm_cdtext_block;

typedef enum pm_fade_curve { PM_FADE_SCURVE, PM_FADE_LINEAR, PM_FADE_LOG, PM_FADE_EXP } pm_fade_curve;

typedef struct pm_index_mark {
    pm_time at;
    int line;
    int valid; /* at was given and read; a mark without it has been reported */
} pm_index_mark;

/* What libsndfile told about a source; ok is 0 when the file could not be opened. */
typedef struct pm_source_info {
    int ok;
    int rate;
    int channels;
    int64_t frames;
    char format[64]; /* "WAV 24-bit", for the plan */
} pm_source_info;

typedef enum pm_htoa_streaming { PM_HTOA_SEPARATE, PM_HTOA_OMIT } pm_htoa_streaming;

/* A <track> or the <htoa>. */
typedef struct pm_track {
    int line;
    int is_htoa;
    char *src;      /* as written */
    char *src_path; /* resolved against the project's folder */
    pm_text text;   /* title, artist (defaults to the album's), ... */
    char isrc[13];  /* normalised, "" when absent or invalid */
    int has_start, has_end, has_gap, has_pregap_audio, has_crossfade;
    pm_time start, end, gap, pregap_audio, crossfade;
    pm_time fade_in, fade_out;
    double gain_db;
    pm_fade_curve fade_curve;
    int emphasis, copy;
    pm_htoa_streaming htoa_streaming;
    pm_index_mark *indexes;
    size_t index_count;
    pm_chain chain;
    pm_cdtext_block *cdtext;
    size_t cdtext_count;
    pm_source_info source;
} pm_track;

typedef struct pm_album {
    int line;
    pm_text text;
    char upc[14]; /* normalised to 13 digits; "" when absent or invalid */
    char *catalog, *label, *date, *genre, *copyright, *p_line, *artwork, *artwork_path;
    int year; /* from date or year; 0 when absent */
    long disc, discs;
    char language[3];
    pm_cdtext_block *cdtext; /* the blocks after the first (the first is the main text) */
    size_t cdtext_count;
} pm_album;

typedef enum pm_dither { PM_DITHER_SHAPED, PM_DITHER_TPDF, PM_DITHER_NONE } pm_dither;

typedef struct pm_cd_target {
    int line; /* 0: no CD target */
    int ddp, cue, toc, cdtext, cdtext_isrc;
    int has_ceiling; /* ceiling="off" clears it */
    double ceiling_dbtp;
    pm_dither dither;
    pm_time preroll;
    int has_loudness;
    double loudness_lufs;
    double release_sec;
} pm_cd_target;

typedef struct pm_side {
    int line;
    int *tracks; /* 1-based track numbers */
    int track_count;
    char *etching;
} pm_side;

typedef struct pm_vinyl_target {
    int line; /* 0: no vinyl target */
    int size_in, speed_rpm;
    int has_mono_below, has_deess, has_loudness, has_max_side, has_rate;
    double mono_below_hz, deess_hz, deess_range_db, deess_threshold_db;
    double ceiling_dbtp, loudness_lufs, release_sec;
    pm_time max_side;
    long rate, bits;
    pm_side *sides;
    size_t side_count;
} pm_vinyl_target;

typedef enum pm_normalize { PM_NORMALIZE_ALBUM, PM_NORMALIZE_TRACK, PM_NORMALIZE_NONE } pm_normalize;

enum {
    PM_FORMAT_WAV = 1 << 0,
    PM_FORMAT_FLAC = 1 << 1,
    PM_FORMAT_MP3 = 1 << 2,
    PM_FORMAT_OPUS = 1 << 3,
    PM_FORMAT_OGG = 1 << 4
};

typedef struct pm_streaming_target {
    int line;
    char *name;   /* folder name; defaults to the preset */
    char *preset; /* NULL when none */
    int has_loudness; /* no loudness: no normalisation target (soundcloud, or none given) */
    double loudness_lufs, ceiling_dbtp;
    int boost;
    pm_normalize normalize;
    int has_rate;
    long rate, bits;
    unsigned formats;
    int codec_check;
    int mp3_vbr;  /* mp3="vbr": VBR V0; the default "cbr" is 320 kbps CBR */
    double release_sec;
} pm_streaming_target;

struct pm_project {
    char *path;   /* as given */
    char *dir;    /* its folder, for relative paths */
    int has_rate;
    long rate;    /* as written; the working rate itself is in the plan */
    int resampler_libsamplerate;
    int has_seed;
    uint64_t seed;
    pm_album album;
    pm_chain master;
    pm_track *htoa; /* NULL when none */
    pm_track *tracks;
    size_t track_count;
    pm_cd_target cd;
    pm_vinyl_target vinyl;
    pm_streaming_target *streaming;
    size_t streaming_count;
    struct pm_plan *plan; /* NULL until planned */
};

/* Platform presets (DESIGN.md "Standards and figures"), kept as data in
 * templates/platforms.xml and compiled in. */
typedef struct pm_preset {
    char name[32];
    int has_loudness;
    double loudness_lufs;
    double ceiling_dbtp;
    int boost;       /* the platform turns masters quieter than loudness up */
    int has_boost_limit;
    double boost_limit_dbtp; /* with boost: only until the true peak reaches this */
    char mode[96];   /* the platform's playback direction, as reported */
    char source[160];
} pm_preset;

/* Fill *out (when not NULL) with the preset called name; 0 when found, -1 when not. */
int pm_preset_find(const char *name, pm_preset *out);
/* The names of every preset, "spotify, apple, ...", into buf of size n. */
void pm_preset_names(char *buf, size_t n);

/* Parse the file into the model, reporting every problem. Used by pm_project_load. */
pm_status pm_project_parse(const char *path, pm_diag *diag, pm_project **out);
/* The semantic rules that need the whole model and the sources (validate.c). */
void pm_project_validate(pm_project *project, pm_diag *diag);
/* The same rules where every item's source info was filled in already (from a render's
 * plan.json): no source is opened, and the artwork, whose path is NULL in a rendered project,
 * is not read. */
void pm_project_validate_known(pm_project *project, pm_diag *diag);
/*
 * A finished render read back without its sources (`premaster verify`, rendered.c): the
 * project out_dir/project.xml (the copy render made), each item's source info taken from
 * out_dir/plan.json instead of the files, validated and planned, and proved to give that very
 * plan: pm_plan_to_json of the rebuilt plan equals plan.json byte for byte.
 *
 * In the project returned, paths relative to the project's folder do not resolve: the copy's
 * folder is out_dir, not the folder the project was rendered from. So every track's src_path
 * and the album's artwork_path are NULL (src and artwork keep the text as written); what a
 * format verifies is the files it wrote against the project's texts, codes, targets and plan.
 *
 * PM_OK with *out set; PM_ERR_INVALID with every problem in diag, naming project.xml or
 * plan.json and the line (a render by a version that wrote no plan.json or another layout of
 * it, a damaged plan.json, either file edited after the render); PM_ERR_NOMEM. *out is NULL
 * unless PM_OK; the caller frees it with pm_project_free.
 */
pm_status pm_project_load_rendered(const char *out_dir, pm_diag *diag,
                                   pm_project **out) PM_WARN_UNUSED;
/* The number of items on the timeline: the hidden track (when present) and the tracks. */
size_t pm_project_item_count(const pm_project *project);
/* Item i: 0 is the hidden track when there is one. */
const pm_track *pm_project_item(const pm_project *project, size_t i);

#endif
