/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `premaster demo`: a project using every kind of deliverable, and four mixes to go with it,
 * synthesised here so that the demo needs no audio from anywhere else. The audio is meant to
 * exercise the DSP stages: pads for the EQ, drums for the compressor and limiters, low bass for
 * the vinyl mono-bass filter, "s" sounds for the de-esser, and a stereo image for the width and
 * mid/side stages. Everything is deterministic: one fixed-seed PRNG per track, no clock, no
 * threads, so the same bytes come out on every run.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdir, lstat, unlink: POSIX on top of -std=c11 */
#endif
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fsutil.h"
#include "premaster.h"
#include "strbuf.h"

#define TWO_PI 6.283185307179586476925286766559
#define DEMO_TRACKS 4
#define PAD_NOTES 4

enum {
    RATE = 96000,
    BLOCK_FRAMES = 4096,
    STEPS_PER_BAR = 16, /* the event grid is in 16th notes */
    CHORD_STEPS = 2 * STEPS_PER_BAR
};

/* Every mix peaks here: loud enough to be a plausible mix, with room for the album chain's EQ. */
static const double PEAK_DBFS = -3.0;

typedef struct demo_track {
    const char *name;     /* file name under mixes/ */
    const char *title;    /* ASCII: it goes to CD-TEXT */
    const char *isrc;
    const char *attrs;    /* further <track> attributes, each with a leading space */
    const char *children; /* inner elements of <track>, or NULL */
    double seconds, bpm;
    int key;                                /* MIDI note the chords are built on */
    double pad, kick, snare, hat, bass, sib; /* voice levels before the peak normalisation */
    unsigned kick_steps, snare_steps, hat_steps, bass_steps; /* bit n: a hit on 16th n */
    int drums_from_bar;
    int bass_gate;     /* note length, in 16ths */
    double sib_chance; /* of an "s" on each 8th note */
    uint64_t seed;
} demo_track;

/*
 * The four mixes differ in what they give the mastering chain most of: a tonal intro, a
 * drum-heavy track, a bass-heavy one for mono-below, and one full of sibilance for the de-esser.
 * Track 2 holds the index mark and the later gap; 4 crossfades from 3, so the sides are 1-2 and
 * 3-4; 3 has its own chain, taming its bass.
 */
static const demo_track tracks[DEMO_TRACKS] = {
    {"01_first_light.wav", "First Light", "XX-PMD-26-00001", " fade-in=\"2\"", NULL, 28.0, 92.0,
     57, 1.0, 0.45, 0.25, 0.2, 0.35, 0.12, 0x0101u, 0x1010u, 0x4444u, 0x0101u, 4, 6, 0.03,
     UINT64_C(0x243F6A8885A308D3)},
    {"02_engine_room.wav", "Engine Room", "XXPMD2600002", " gap=\"1.5\"",
     "      <index at=\"0:17\"/>\n", 34.0, 124.0, 52, 0.3, 1.0, 0.75, 0.55, 0.45, 0.1, 0x1111u,
     0x1010u, 0xFFFFu, 0x2222u, 0, 2, 0.05, UINT64_C(0x13198A2E03707344)},
    {"03_low_tide.wav", "Low Tide", "XXPMD2600003", "",
     "      <master>\n"
     "        <eq type=\"lowshelf\" freq=\"70\" gain=\"-1.5\" q=\"0.7\"/>\n"
     "      </master>\n",
     24.0, 100.0, 50, 0.2, 0.7, 0.4, 0.3, 1.0, 0.1, 0x0111u, 0x1000u, 0x5555u, 0x4949u, 1, 2,
     0.05, UINT64_C(0xA4093822299F31D0)},
    {"04_whisper_static.wav", "Whisper Static", "XXPMD2600004", " crossfade=\"3\" fade-out=\"6\"",
     NULL, 38.0, 110.0, 55, 0.6, 0.5, 0.4, 0.45, 0.45, 1.0, 0x0101u, 0x1010u, 0x4444u, 0x0505u, 1,
     3, 0.35, UINT64_C(0x082EFA98EC4E6C89)},
};

/* A minor-key loop (i7, VImaj7, iv7, VII) in semitones from the key; the root comes first. */
static const int chords[4][PAD_NOTES] = {
    {0, 3, 7, 10}, {-4, 0, 3, 7}, {-7, -4, 0, 3}, {-2, 2, 5, 10}};
static const double pad_pans[PAD_NOTES] = {-0.6, 0.2, -0.2, 0.6};

/* ------------------------------------------------------------------------------------------ */
/* Synthesis building blocks. */

/*
 * xorshift64*: fast, good enough for noise, the same sequence on every machine. The result is in
 * [0, 1), from the top 53 bits so that every value is exact in a double.
 */
static double rng_unit(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (double)((x * UINT64_C(0x2545F4914F6CDD1D)) >> 11) * 0x1.0p-53;
}

/* A unit phasor rotated once a sample: one sin/cos per note, not per sample. */
typedef struct osc {
    double c, s, dc, ds;
} osc;

static void osc_tune(osc *o, double hz)
{
    o->dc = cos(TWO_PI * hz / RATE);
    o->ds = sin(TWO_PI * hz / RATE);
}

static double osc_next(osc *o)
{
    double c = o->c * o->dc - o->s * o->ds;
    o->s = o->s * o->dc + o->c * o->ds;
    o->c = c;
    return o->s;
}

/* Rounding makes a rotated phasor's length drift; pulling it back to 1 each block keeps it. */
static void osc_renorm(osc *o)
{
    double g = 1.0 / sqrt(o->c * o->c + o->s * o->s);
    o->c *= g;
    o->s *= g;
}

/* The fundamental plus 2nd and 3rd harmonics, from the phasor by the double-angle formulas. */
static double osc_harmonics(const osc *o, double a2, double a3)
{
    double c2 = o->c * o->c - o->s * o->s, s2 = 2.0 * o->s * o->c;
    return o->s + a2 * s2 + a3 * (s2 * o->c + c2 * o->s);
}

typedef struct biquad {
    double b0, b1, b2, a1, a2, z1, z2;
} biquad;

typedef enum { BQ_LOWPASS, BQ_HIGHPASS, BQ_BANDPASS } bq_type;

/* RBJ Audio EQ Cookbook coefficients; the band-pass has 0 dB at its centre. */
static void biquad_design(biquad *f, bq_type type, double hz, double q)
{
    double w = TWO_PI * hz / RATE, cw = cos(w), alpha = sin(w) / (2.0 * q), a0 = 1.0 + alpha;
    double k = type == BQ_LOWPASS ? 1.0 - cw : 1.0 + cw;
    f->b0 = type == BQ_BANDPASS ? alpha / a0 : k / 2.0 / a0;
    f->b1 = type == BQ_BANDPASS ? 0.0 : type == BQ_LOWPASS ? k / a0 : -k / a0;
    f->b2 = type == BQ_BANDPASS ? -alpha / a0 : f->b0;
    f->a1 = -2.0 * cw / a0;
    f->a2 = (1.0 - alpha) / a0;
    f->z1 = f->z2 = 0.0;
}

/* Transposed direct form II. */
static double biquad_run(biquad *f, double x)
{
    double y = f->b0 * x + f->z1;
    f->z1 = f->b1 * x - f->a1 * y + f->z2;
    f->z2 = f->b2 * x - f->a2 * y;
    return y;
}

static void pan_gains(double pan, double *left, double *right)
{
    double angle = (pan + 1.0) * TWO_PI / 8.0; /* constant power: -3 dB each side at the centre */
    *left = cos(angle);
    *right = sin(angle);
}

static double midi_hz(double note)
{
    return 440.0 * pow(2.0, (note - 69.0) / 12.0);
}

/* 0 to 1 with zero slope at both ends, so envelopes start and stop without clicks. */
static double smooth(double x)
{
    return x <= 0.0 ? 0.0 : x >= 1.0 ? 1.0 : x * x * (3.0 - 2.0 * x);
}

/* ------------------------------------------------------------------------------------------ */
/* One track's synthesiser: a handful of voices triggered on a 16th-note grid. */

typedef struct synth {
    const demo_track *t;
    uint64_t rng;
    long frame, total, next_step_frame, step;
    double step_frames;
    struct {
        /* One phasor for both sides, so left and right never go out of phase (vinyl wants the
         * low end correlated); the width comes from the pan and a brighter tone on one side. */
        osc tone;
        double gl, gr, bright_l, bright_r;
    } pad[PAD_NOTES];
    long chord_start, chord_len;
    struct {
        double phase, env, drop, decay, drop_decay;
        int on;
    } kick;
    struct {
        osc body;
        biquad band;
        double env_body, env_noise, decay_body, decay_noise, gl, gr;
        int on;
    } snare;
    struct {
        biquad high, low; /* 7 to 14 kHz: white noise at 96 kHz is mostly ultrasonic */
        double env, level, decay, gl, gr;
        int on;
    } hat;
    struct {
        osc tone;
        double env, attack, release;
        long gate;
        int on;
    } bass;
    struct {
        biquad high[2], low[2]; /* 4th order each way: the band an "s" occupies, 5 to 9 kHz */
        double gl, gr;
        long pos, len, ramp;
    } sib;
} synth;

static long step_frame(const synth *s, long step)
{
    return (long)floor((double)step * s->step_frames + 0.5);
}

static void synth_init(synth *s, const demo_track *t)
{
    memset(s, 0, sizeof *s);
    s->t = t;
    s->rng = t->seed;
    s->total = (long)(t->seconds * RATE);
    s->step_frames = RATE * 60.0 / t->bpm / 4.0;
    for (int i = 0; i < PAD_NOTES; i++) {
        s->pad[i].tone.c = 1.0;
        pan_gains(pad_pans[i], &s->pad[i].gl, &s->pad[i].gr);
        s->pad[i].bright_l = 0.45 - 0.25 * pad_pans[i];
        s->pad[i].bright_r = 0.45 + 0.25 * pad_pans[i];
    }
    s->bass.tone.c = 1.0;
    s->kick.decay = exp(-1.0 / (0.30 * RATE));
    s->kick.drop_decay = exp(-1.0 / (0.035 * RATE));
    s->snare.decay_body = exp(-1.0 / (0.07 * RATE));
    s->snare.decay_noise = exp(-1.0 / (0.13 * RATE));
    osc_tune(&s->snare.body, 185.0);
    biquad_design(&s->snare.band, BQ_BANDPASS, 2000.0, 0.7);
    pan_gains(-0.1, &s->snare.gl, &s->snare.gr);
    pan_gains(0.35, &s->hat.gl, &s->hat.gr);
    biquad_design(&s->hat.high, BQ_HIGHPASS, 7000.0, 0.7071);
    biquad_design(&s->hat.low, BQ_LOWPASS, 14000.0, 0.7071);
    s->bass.attack = 1.0 - exp(-1.0 / (0.004 * RATE));
    s->bass.release = 1.0 - exp(-1.0 / (0.06 * RATE));
    for (int i = 0; i < 2; i++) {
        biquad_design(&s->sib.high[i], BQ_HIGHPASS, 5000.0, 0.7071);
        biquad_design(&s->sib.low[i], BQ_LOWPASS, 9000.0, 0.7071);
    }
}

/* Start whatever plays on 16th note number s->step. */
static void synth_step(synth *s)
{
    const demo_track *t = s->t;
    long bar = s->step / STEPS_PER_BAR;
    unsigned bit = 1u << (s->step % STEPS_PER_BAR);
    const int *chord = chords[(s->step / CHORD_STEPS) % 4];

    if (s->step % CHORD_STEPS == 0) {
        s->chord_start = s->frame;
        s->chord_len = step_frame(s, s->step + CHORD_STEPS) - s->frame;
        for (int i = 0; i < PAD_NOTES; i++)
            osc_tune(&s->pad[i].tone, midi_hz(t->key + chord[i]));
    }
    if (bar >= t->drums_from_bar) {
        if (t->kick_steps & bit) {
            s->kick.on = 1;
            s->kick.phase = 0.0;
            s->kick.env = s->kick.drop = 1.0;
        }
        if (t->snare_steps & bit) {
            s->snare.on = 1;
            s->snare.body.c = 1.0;
            s->snare.body.s = 0.0;
            s->snare.band.z1 = s->snare.band.z2 = 0.0;
            s->snare.env_body = s->snare.env_noise = 1.0;
        }
        if (t->hat_steps & bit) {
            int open = s->step % 8 == 6 && rng_unit(&s->rng) < 0.3;
            s->hat.on = 1;
            s->hat.env = 1.0;
            s->hat.level = (s->step % 4 == 0 ? 1.0 : 0.6) + 0.15 * rng_unit(&s->rng);
            s->hat.decay = exp(-1.0 / ((open ? 0.16 : 0.035) * RATE));
            s->hat.high.z1 = s->hat.high.z2 = s->hat.low.z1 = s->hat.low.z2 = 0.0;
        }
    }
    if (t->bass_steps & bit) {
        /* The chord's root folded into E1-D#2: 41 to 78 Hz, the range mono-below acts on. */
        int root = t->key + chord[0] - 28;
        osc_tune(&s->bass.tone, midi_hz(28 + (root % 12 + 12) % 12));
        s->bass.on = 1;
        s->bass.gate = (long)(0.85 * (double)(step_frame(s, s->step + t->bass_gate) - s->frame));
    }
    if (s->step % 2 == 0 && s->sib.pos >= s->sib.len && rng_unit(&s->rng) < t->sib_chance) {
        s->sib.pos = 0;
        s->sib.len = (long)((0.08 + 0.17 * rng_unit(&s->rng)) * RATE);
        s->sib.ramp = (long)(0.02 * RATE);
        pan_gains(-0.45 + 0.6 * rng_unit(&s->rng), &s->sib.gl, &s->sib.gr);
        for (int i = 0; i < 2; i++)
            s->sib.high[i].z1 = s->sib.high[i].z2 = s->sib.low[i].z1 = s->sib.low[i].z2 = 0.0;
    }
    s->step++;
    s->next_step_frame = step_frame(s, s->step);
}

/* The next frame as left and right, before normalisation. Idle voices cost nothing. */
static void synth_frame(synth *s, double *left, double *right)
{
    const demo_track *t = s->t;
    double l = 0.0, r = 0.0, v;

    while (s->frame == s->next_step_frame)
        synth_step(s);

    long pos = s->frame - s->chord_start;
    double pad_env = t->pad * smooth((double)pos / (0.8 * RATE)) *
                     smooth((double)(s->chord_len - pos) / (1.0 * RATE));
    for (int i = 0; i < PAD_NOTES; i++) {
        osc *o = &s->pad[i].tone;
        osc_next(o);
        double body = pad_env * osc_harmonics(o, 0.0, 0.2), octave = pad_env * 2.0 * o->s * o->c;
        l += s->pad[i].gl * (body + s->pad[i].bright_l * octave);
        r += s->pad[i].gr * (body + s->pad[i].bright_r * octave);
    }
    if (s->kick.on) {
        /* A sine that drops from about 170 Hz to 46 Hz within a few tens of milliseconds. */
        s->kick.phase += TWO_PI * (46.0 + 125.0 * s->kick.drop) / RATE;
        if (s->kick.phase >= TWO_PI)
            s->kick.phase -= TWO_PI;
        v = t->kick * s->kick.env * sin(s->kick.phase) * 0.7071;
        l += v;
        r += v;
        s->kick.env *= s->kick.decay;
        s->kick.drop *= s->kick.drop_decay;
        s->kick.on = s->kick.env > 1e-4;
    }
    if (s->snare.on) {
        v = 0.6 * s->snare.env_body * osc_next(&s->snare.body) +
            1.5 * s->snare.env_noise * biquad_run(&s->snare.band, (2.0 * rng_unit(&s->rng) - 1.0));
        l += t->snare * s->snare.gl * v;
        r += t->snare * s->snare.gr * v;
        s->snare.env_body *= s->snare.decay_body;
        s->snare.env_noise *= s->snare.decay_noise;
        s->snare.on = s->snare.env_noise > 1e-4;
    }
    if (s->hat.on) {
        v = biquad_run(&s->hat.low, biquad_run(&s->hat.high, (2.0 * rng_unit(&s->rng) - 1.0)));
        v *= 2.0 * t->hat * s->hat.level * s->hat.env;
        l += s->hat.gl * v;
        r += s->hat.gr * v;
        s->hat.env *= s->hat.decay;
        s->hat.on = s->hat.env > 1e-4;
    }
    if (s->bass.on) {
        double rate = s->bass.gate > 0 ? s->bass.attack : s->bass.release;
        s->bass.env += ((s->bass.gate > 0 ? 1.0 : 0.0) - s->bass.env) * rate;
        s->bass.gate--;
        osc_next(&s->bass.tone);
        v = t->bass * s->bass.env * osc_harmonics(&s->bass.tone, 0.3, 0.1);
        l += v;
        r += v;
        s->bass.on = s->bass.gate > 0 || s->bass.env > 1e-5;
    }
    if (s->sib.pos < s->sib.len) {
        v = (2.0 * rng_unit(&s->rng) - 1.0);
        for (int i = 0; i < 2; i++)
            v = biquad_run(&s->sib.low[i], biquad_run(&s->sib.high[i], v));
        v *= 4.0 * t->sib * smooth((double)s->sib.pos / (double)s->sib.ramp) *
             smooth((double)(s->sib.len - s->sib.pos) / (2.0 * (double)s->sib.ramp));
        l += s->sib.gl * v;
        r += s->sib.gr * v;
        s->sib.pos++;
    }
    /* 10 ms at each end, so the file starts and ends at silence whatever the voices do. */
    double edge = smooth((double)s->frame / (0.01 * RATE)) *
                  smooth((double)(s->total - 1 - s->frame) / (0.01 * RATE));
    *left = l * edge;
    *right = r * edge;
    s->frame++;
}

/* Up to BLOCK_FRAMES interleaved stereo frames; returns how many (0 at the end). */
static long synth_block(synth *s, double *buf)
{
    long n = s->total - s->frame < BLOCK_FRAMES ? s->total - s->frame : BLOCK_FRAMES;
    for (long i = 0; i < n; i++)
        synth_frame(s, &buf[2 * i], &buf[2 * i + 1]);
    for (int i = 0; i < PAD_NOTES; i++)
        osc_renorm(&s->pad[i].tone);
    osc_renorm(&s->bass.tone);
    osc_renorm(&s->snare.body);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Files: everything is written under a temporary name and renamed into place (fsutil.h). */

static char *path_printf(const char *fmt, ...) PM_PRINTF(1, 2);
static char *path_printf(const char *fmt, ...)
{
    pm_strbuf buf;
    va_list args;
    pm_strbuf_init(&buf);
    va_start(args, fmt);
    pm_strbuf_vprintf(&buf, fmt, args);
    va_end(args);
    return pm_strbuf_take(&buf);
}

/*
 * Track t's mix, atomically: 96 kHz, 24-bit stereo WAV, written block by block under
 * pm_temp_name(final), its peak at PEAK_DBFS, then committed (flushed and renamed). On failure
 * nothing is left under either name.
 */
static pm_status write_mix(const char *final, const demo_track *t, double *buf, pm_diag *diag)
{
    char tmp[4096];
    pm_temp_name(final, tmp, sizeof tmp);
    SF_INFO info = {.samplerate = RATE, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24};
    SNDFILE *sf = sf_open(tmp, SFM_WRITE, &info);
    if (!sf) {
        pm_diag_add(diag, PM_SEV_ERROR, final, 0, NULL, "cannot write %s: %s", tmp,
                    sf_strerror(NULL));
        return PM_ERR_IO;
    }
    /*
     * Two runs of the same, exactly repeatable synthesis: the first finds the peak, the second
     * writes the audio scaled to put it on PEAK_DBFS. The level is exact without holding the
     * track in memory, and the file cannot clip.
     */
    synth s;
    long n;
    double peak = 0.0, gain = 1.0;
    for (int pass = 0; pass < 2; pass++) {
        synth_init(&s, t);
        while ((n = synth_block(&s, buf)) > 0) {
            for (long i = 0; i < 2 * n; i++) {
                peak = fabs(buf[i]) > peak ? fabs(buf[i]) : peak;
                buf[i] *= gain;
            }
            if (pass == 1 && sf_writef_double(sf, buf, n) != n) {
                pm_diag_add(diag, PM_SEV_ERROR, final, 0, NULL, "cannot write %s: %s", tmp,
                            sf_strerror(sf));
                sf_close(sf);
                unlink(tmp);
                return PM_ERR_IO;
            }
        }
        gain = pow(10.0, PEAK_DBFS / 20.0) / peak;
    }
    /* sf_close writes the header's final sizes: its failure is a write failure. */
    int closed = sf_close(sf);
    if (closed != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, final, 0, NULL, "cannot finish %s: %s", tmp,
                    sf_error_number(closed));
        unlink(tmp);
        return PM_ERR_IO;
    }
    return pm_commit_file(tmp, final, diag);
}

/* mkdir with mode 0777 (the umask applies), accepting a folder that is already there. */
static pm_status ensure_dir(const char *path, pm_diag *diag)
{
    struct stat st;
    if (mkdir(path, 0777) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return PM_OK;
    pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot create the folder: %s",
                errno == EEXIST ? "a file of that name is in the way" : strerror(errno));
    return PM_ERR_IO;
}

/* ------------------------------------------------------------------------------------------ */
/* The project file. Every string in it is a constant of this file, known to need no escaping. */

static const char xml_head[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- Written by `premaster demo`. The audio in mixes/ is synthetic: pads, drums, bass and\n"
    "     \"s\" sounds generated by premaster from fixed seeds, the same bytes on every run. -->\n"
    "<premaster version=\"1\">\n"
    "  <album title=\"Test Pressing\" artist=\"The Premaster Ensemble\" upc=\"0724384960650\"\n"
    "         catalog=\"PMDEMO-001\" label=\"Premaster Demo Records\" date=\"2026-05-01\"\n"
    "         genre=\"Electronic\" copyright=\"2026 Premaster Demo Records\"\n"
    "         p-line=\"2026 Premaster Demo Records\" language=\"en\">\n"
    "    <cdtext language=\"de\" title=\"Probepressung\"/>\n"
    "  </album>\n"
    "\n"
    "  <!-- the album chain: runs over the whole sequence as one stream, like a master bus -->\n"
    "  <master>\n"
    "    <highpass freq=\"25\" order=\"2\"/>\n"
    "    <eq type=\"lowshelf\" freq=\"90\" gain=\"0.8\" q=\"0.7\"/>\n"
    "    <eq type=\"peak\" freq=\"3200\" gain=\"-0.6\" q=\"1.4\"/>\n"
    "    <compressor threshold=\"-18\" ratio=\"1.5\" attack=\"30ms\" release=\"250ms\""
    " knee=\"6\"/>\n"
    "    <width amount=\"1.1\"/>\n"
    "  </master>\n"
    "\n"
    "  <tracks>\n";

static const char xml_tail[] =
    "  </tracks>\n"
    "\n"
    "  <deliver>\n"
    "    <cd ddp=\"yes\" cue=\"yes\" toc=\"yes\" ceiling=\"-0.3\" dither=\"shaped\"/>\n"
    "    <vinyl size=\"12\" speed=\"33\" mono-below=\"150\" deess=\"6.5k\" ceiling=\"-1\" "
    "rate=\"96000\" bits=\"24\">\n"
    "      <side tracks=\"1-2\"/>\n"
    "      <side tracks=\"3-4\"/>  <!-- the crossfaded pair stays on one side -->\n"
    "    </vinyl>\n"
    "    <streaming name=\"spotify\" preset=\"spotify\" normalize=\"album\" formats=\"flac mp3\" "
    "bits=\"24\"/>\n"
    "    <streaming name=\"apple\" preset=\"apple\" bits=\"24\" formats=\"wav\"/>\n"
    "  </deliver>\n"
    "</premaster>\n";

static char *project_xml(void)
{
    pm_strbuf buf;
    pm_strbuf_init(&buf);
    pm_strbuf_append(&buf, xml_head);
    for (int i = 0; i < DEMO_TRACKS; i++) {
        const demo_track *t = &tracks[i];
        pm_strbuf_printf(&buf, "    <track src=\"mixes/%s\" title=\"%s\" isrc=\"%s\"%s%s\n",
                         t->name, t->title, t->isrc, t->attrs, t->children ? ">" : "/>");
        if (t->children)
            pm_strbuf_printf(&buf, "%s    </track>\n", t->children);
    }
    pm_strbuf_append(&buf, xml_tail);
    return pm_strbuf_take(&buf);
}

/* ------------------------------------------------------------------------------------------ */

pm_status pm_demo_write(const char *dir, int force, pm_diag *diag, char **project_path)
{
    pm_status status = PM_OK;
    /* paths[0] is the project file, then the mixes in track order. */
    char *paths[1 + DEMO_TRACKS] = {NULL}, *mixes = NULL, *xml = NULL;
    double *buf = NULL;
    struct stat st;
    int dir_len, existing = 0;

    if (project_path)
        *project_path = NULL;
    if (!dir || !*dir) {
        pm_diag_add(diag, PM_SEV_ERROR, NULL, 0, NULL, "no folder was given for the demo");
        status = PM_ERR_USAGE;
        goto fail;
    }
    /* Without the trailing slashes, so that names come out as "dir/album.xml", not "dir//". */
    dir_len = (int)strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/')
        dir_len--;
    if (dir_len == 1 && dir[0] == '/')
        dir_len = 0;
    paths[0] = path_printf("%.*s/album.xml", dir_len, dir);
    for (int i = 0; i < DEMO_TRACKS; i++)
        paths[1 + i] = path_printf("%.*s/mixes/%s", dir_len, dir, tracks[i].name);
    mixes = path_printf("%.*s/mixes", dir_len, dir);
    xml = project_xml();
    buf = pm_alloc_array(2 * BLOCK_FRAMES, sizeof *buf);
    status = mixes && xml && buf ? PM_OK : PM_ERR_NOMEM;
    for (int i = 0; i <= DEMO_TRACKS; i++)
        status = paths[i] ? status : PM_ERR_NOMEM;
    if (status != PM_OK)
        goto fail;

    /* Every clash is named, and nothing is written, not even the folders, before this passes. */
    for (int i = 0; i <= DEMO_TRACKS && !force; i++) {
        if (lstat(paths[i], &st) == 0) {
            pm_diag_add(diag, PM_SEV_ERROR, paths[i], 0, NULL,
                        "the demo would overwrite this file; use --force to replace it");
            existing = 1;
        }
    }
    if (existing) {
        status = PM_ERR_EXISTS;
        goto fail;
    }
    if ((status = ensure_dir(dir, diag)) != PM_OK || (status = ensure_dir(mixes, diag)) != PM_OK)
        goto fail;
    /* The audio first: the project file only appears once everything it names is in place. */
    for (int i = 0; i < DEMO_TRACKS; i++) {
        if ((status = write_mix(paths[1 + i], &tracks[i], buf, diag)) != PM_OK)
            goto fail;
    }
    if ((status = pm_write_file_atomic(paths[0], xml, strlen(xml), diag)) != PM_OK)
        goto fail;
    if (project_path) {
        *project_path = paths[0];
        paths[0] = NULL;
    }
fail:
    for (int i = 0; i <= DEMO_TRACKS; i++)
        free(paths[i]);
    free(mixes);
    free(xml);
    free(buf);
    return status;
}
