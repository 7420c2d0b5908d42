/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The benchmark's albums. Each mix is music-like in the ways that cost a mastering chain time
 * or make it work: pads (sustained tones with harmonics, detuned left against right), a bass
 * line, kick drums with a pitch sweep (the transients a true-peak limiter has to catch), snares
 * and hats of noise, a lead with vibrato, a crash at the start of some sections, and sections
 * at different levels (the dynamics that give a loudness range). Tracks differ in tempo, key
 * and level, so that album normalisation and the limiter see an uneven album.
 *
 * Deterministic: a fixed-seed generator per track, integer phase accumulators and a sine table,
 * no clock - the same bytes on every run and every machine, so figures compare between runs.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "fsutil.h"

#define TWO_PI 6.283185307179586476925286766559
#define TABLE_BITS 12
#define TABLE_SIZE (1u << TABLE_BITS)

enum { BLOCK = 4096, CHANNELS = 2, STEPS_PER_BAR = 16, BARS_PER_SECTION = 8, PADS = 3 };

/* Track lengths repeat 3:10, 3:35, 3:15: 600 s every three tracks, so an album of 10 n
 * minutes is exactly 3 n tracks. */
static const int track_seconds[3] = {190, 215, 195};
static const double track_bpm[6] = {92, 124, 100, 132, 86, 118};
static const int track_key[6] = {57, 52, 50, 55, 60, 53};
/* Mixes are not level-matched: some sit 5 dB under the others, one is hot. MIX_GAIN puts the
 * hottest one's peaks just under full scale: mixes with a mix's crest factor (a PLR near 16 dB),
 * which the CD's limiter touches and the streaming target's has to work on. */
#define MIX_GAIN 0.85
static const double track_level_db[6] = {0.0, -3.0, 1.0, -5.0, -1.5, 0.5};

/* A section's level and which voices play in it: intro, verse, chorus, breakdown, ... */
typedef struct section {
    double level;
    int drums, lead;
} section;
static const section sections[8] = {
    {0.45, 0, 0}, {0.7, 1, 0}, {1.0, 1, 1}, {0.4, 0, 1},
    {0.7, 1, 0},  {1.0, 1, 1}, {0.9, 1, 1}, {0.6, 1, 0},
};

/* Chords, four bars each, as semitones over the key, and their third (minor or major). */
static const int chord_root[4] = {0, -4, 3, -2};
static const int chord_third[4] = {3, 4, 4, 4};
static const int pentatonic[5] = {0, 3, 5, 7, 10};

static double sine_table[TABLE_SIZE + 1];

static void table_init(void)
{
    for (unsigned i = 0; i <= TABLE_SIZE; i++)
        sine_table[i] = sin(TWO_PI * (double)i / TABLE_SIZE);
}

/* sin(2 pi phase / 2^32), linearly interpolated from the table: about -90 dB of error, plenty
 * for test material, and several times faster than sin(). */
static inline double sine(uint32_t phase)
{
    uint32_t i = phase >> (32 - TABLE_BITS);
    double frac = (double)(phase & ((1u << (32 - TABLE_BITS)) - 1)) *
                  (1.0 / (double)(1u << (32 - TABLE_BITS)));
    return sine_table[i] + (sine_table[i + 1] - sine_table[i]) * frac;
}

static uint32_t phase_step(double hz)
{
    return (uint32_t)(hz / BENCH_RATE * 4294967296.0);
}

static double note_hz(int midi)
{
    return 440.0 * pow(2.0, (midi - 69) / 12.0);
}

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Uniform in [-1, 1). */
static double noise(uint64_t *state)
{
    return (double)(int64_t)next_random(state) * (1.0 / 9223372036854775808.0);
}

typedef struct voice_state {
    uint64_t rng;
    uint32_t pad_phase[PADS][CHANNELS], pad_step[PADS][CHANNELS];
    uint32_t bass_phase, bass_step, kick_phase, lead_phase, lead_step, vibrato_phase;
    double bass_env, kick_env, sweep, snare_env, hat_env, crash_env, lead_env;
    double hat_last, level, target;
    int drums, lead;
} voice_state;

/* What happens on 16th-note step s of the track (0-based). */
static void on_step(voice_state *v, long s, double bpm, int key, double gain)
{
    long bar = s / STEPS_PER_BAR;
    int step = (int)(s % STEPS_PER_BAR);
    if (step == 0) {
        if (bar % 4 == 0) {
            int chord = (int)(bar / 4 % 4);
            int notes[PADS] = {key + chord_root[chord], key + chord_root[chord] +
                               chord_third[chord], key + chord_root[chord] + 7};
            for (int p = 0; p < PADS; p++) {
                /* a few cents apart left and right: a wide, moving stereo image */
                v->pad_step[p][0] = phase_step(note_hz(notes[p]) * 0.9983);
                v->pad_step[p][1] = phase_step(note_hz(notes[p]) * 1.0017);
            }
            v->bass_step = phase_step(note_hz(key + chord_root[chord] - 24));
        }
        if (bar % BARS_PER_SECTION == 0) {
            const section *sec = &sections[bar / BARS_PER_SECTION % 8];
            v->target = sec->level * gain;
            v->drums = sec->drums;
            v->lead = sec->lead;
            if (sec->drums)
                v->crash_env = 1.0;
        }
    }
    if (v->drums) {
        int four_on_floor = bpm > 110;
        if (step % (four_on_floor ? 4 : 8) == 0 || (!four_on_floor && step == 10)) {
            v->kick_env = v->sweep = 1.0;
            v->kick_phase = 0;
        }
        if (step == 4 || step == 12)
            v->snare_env = 1.0;
        if (step % 2 == 0)
            v->hat_env = step % 4 == 2 ? 1.0 : 0.6;
    }
    if (step % 2 == 0)
        v->bass_env = step % 8 == 0 ? 1.0 : 0.7;
    if (v->lead && step % 4 == 0 && next_random(&v->rng) % 3 != 0) {
        int degree = (int)(next_random(&v->rng) % 5);
        v->lead_step = phase_step(note_hz(key + 12 + pentatonic[degree]));
        v->lead_env = 1.0;
    }
}

/* The factor per sample of an exponential decay with time constant tau_sec. */
static double decay(double tau_sec)
{
    return exp(-1.0 / (tau_sec * BENCH_RATE));
}

/* One track into path: seconds long, with its tempo, key, level and seed. */
static int write_track(const char *path, int seconds, double bpm, int key, double level_db,
                       uint64_t seed, char *why, size_t size)
{
    SF_INFO info = {.samplerate = BENCH_RATE, .channels = CHANNELS,
                    .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24};
    char temp[BENCH_PATH + 64];
    snprintf(temp, sizeof temp, "%s.part", path);
    SNDFILE *f = sf_open(temp, SFM_WRITE, &info);
    if (!f) {
        snprintf(why, size, "%s: %s", temp, sf_strerror(NULL));
        return -1;
    }
    /* never wrap: a sample past full scale is held there, as a clipped mix would be */
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE);
    static double block[BLOCK * CHANNELS];
    voice_state v = {.rng = seed | 1};
    const long total = (long)seconds * BENCH_RATE;
    const double step_frames = BENCH_RATE * 60.0 / bpm / 4.0;
    const double gain = pow(10.0, level_db / 20.0);
    /* envelope decays per sample: exp(-1 / (tau * rate)) */
    const double k_bass = decay(0.25), k_kick = decay(0.09), k_sweep = decay(0.025);
    const double k_snare = decay(0.07), k_hat = decay(0.02), k_crash = decay(0.8);
    const double k_lead = decay(0.35), k_level = decay(0.05);
    const uint32_t vibrato_step = phase_step(5.5);
    const long fade_in = BENCH_RATE / 4, fade_out = 4L * BENCH_RATE;
    double next_step_at = 0.0;
    long step = 0;
    int failed = 0;
    for (long n = 0; n < total && !failed;) {
        long frames = total - n < BLOCK ? total - n : BLOCK;
        for (long i = 0; i < frames; i++, n++) {
            while ((double)n >= next_step_at) {
                on_step(&v, step++, bpm, key, gain);
                next_step_at = (double)step * step_frames;
            }
            v.level = v.target + (v.level - v.target) * k_level;
            double pad[CHANNELS] = {0.0, 0.0};
            for (int p = 0; p < PADS; p++)
                for (int c = 0; c < CHANNELS; c++) {
                    uint32_t ph = v.pad_phase[p][c] += v.pad_step[p][c];
                    pad[c] += sine(ph) + 0.4 * sine(2 * ph) + 0.2 * sine(3 * ph);
                }
            uint32_t bp = v.bass_phase += v.bass_step;
            double bass = (sine(bp) + 0.3 * sine(2 * bp)) * v.bass_env;
            /* kick: a sine falling from about 150 Hz to 45 Hz within a few tens of ms */
            double kick = sine(v.kick_phase += phase_step(45.0 + 105.0 * v.sweep)) * v.kick_env;
            double hiss = noise(&v.rng);
            double snare = (0.7 * hiss + 0.5 * sine((uint32_t)n * phase_step(190.0))) * v.snare_env;
            double hat = (hiss - v.hat_last) * 0.5 * v.hat_env; /* differenced: bright */
            v.hat_last = hiss;
            double crash = noise(&v.rng) * v.crash_env;
            double vib = 1.0 + 0.004 * sine(v.vibrato_phase += vibrato_step);
            double lead = sine(v.lead_phase += (uint32_t)(v.lead_step * vib)) * v.lead_env;
            double pan = 0.5 + 0.3 * sine((uint32_t)(n / 64) * phase_step(0.07 * 64));
            double shape = 1.0;
            if (n < fade_in)
                shape = (double)n / fade_in;
            else if (total - n < fade_out)
                shape = (double)(total - n) / fade_out;
            double common = 0.36 * bass + 0.27 * kick;
            double l = 0.11 * pad[0] + common + 0.16 * snare + 0.06 * hat * 0.6 +
                       0.06 * crash + 0.15 * lead * (1.0 - pan);
            double r = 0.11 * pad[1] + common + 0.14 * snare + 0.06 * hat * 1.4 +
                       0.06 * crash + 0.15 * lead * pan;
            block[2 * i] = l * v.level * shape * MIX_GAIN;
            block[2 * i + 1] = r * v.level * shape * MIX_GAIN;
            v.bass_env *= k_bass;
            v.kick_env *= k_kick;
            v.sweep *= k_sweep;
            v.snare_env *= k_snare;
            v.hat_env *= k_hat;
            v.crash_env *= k_crash;
            v.lead_env *= k_lead;
        }
        if (sf_writef_double(f, block, frames) != frames) {
            snprintf(why, size, "%s: %s", temp, sf_strerror(f));
            failed = 1;
        }
    }
    if (sf_close(f) != 0 && !failed) {
        snprintf(why, size, "%s: cannot be closed", temp);
        failed = 1;
    }
    if (!failed && rename(temp, path) != 0) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        failed = 1;
    }
    if (failed)
        remove(temp);
    return failed ? -1 : 0;
}

void bench_track_path(const bench_album *album, size_t i, char *out, size_t size)
{
    char name[32];
    snprintf(name, sizeof name, "%02zu.wav", i + 1);
    (void)pm_path_join(out, size, album->dir, name); /* main keeps the paths short */
}

/* The album chain of chain.xml: a typical light mastering chain, the demo's kind. */
static const char album_chain[] =
    "  <master>\n"
    "    <highpass freq=\"20\" order=\"2\"/>\n"
    "    <eq type=\"lowshelf\" freq=\"90\" gain=\"1.0\" q=\"0.7\"/>\n"
    "    <eq type=\"peak\" freq=\"3200\" gain=\"-0.8\" q=\"1.4\"/>\n"
    "    <eq type=\"highshelf\" freq=\"12k\" gain=\"0.6\" q=\"0.7\"/>\n"
    "    <compressor threshold=\"-18\" ratio=\"1.5\" attack=\"30ms\" release=\"250ms\" "
    "knee=\"6\"/>\n"
    "  </master>\n";

/* DESIGN.md "Figures to meet": the CD deliverables (DDP, cue/bin, TOC, CD-TEXT; -0.3 dBTP,
 * shaped dither: the defaults) and one streaming FLAC target at -14 LUFS, -1 dBTP, 24-bit. */
static const char figure_targets[] =
    "    <cd/>\n"
    "    <streaming name=\"flac\" loudness=\"-14\" ceiling=\"-1\" normalize=\"album\" "
    "rate=\"48000\" bits=\"24\" formats=\"flac\"/>\n";

/* "The full job": the CD, a 12-inch LP (its low end in mono, de-essed; sides split by
 * premaster) and two streaming targets, one of them FLAC and MP3 (320 kbps, codec check). */
static const char full_job_targets[] =
    "    <cd/>\n"
    "    <vinyl size=\"12\" speed=\"33\" mono-below=\"150\" deess=\"6.5k\" ceiling=\"-1\" "
    "bits=\"24\"/>\n"
    "    <streaming name=\"spotify\" loudness=\"-14\" ceiling=\"-1\" normalize=\"album\" "
    "bits=\"24\" formats=\"flac mp3\"/>\n"
    "    <streaming name=\"apple\" loudness=\"-16\" ceiling=\"-1\" normalize=\"album\" "
    "bits=\"24\" formats=\"wav\"/>\n";

/* A project file over the album's tracks with the given album chain ("" for none) and
 * deliverables. */
static int write_project(const bench_album *a, const char *path, const char *chain,
                         const char *deliver, char *why, size_t size)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!-- written by premaster's benchmark: %d minutes of synthesised mixes -->\n"
               "<premaster version=\"1\" seed=\"20260501\">\n"
               "  <album title=\"Bench %d\" artist=\"premaster bench\"/>\n%s  <tracks>\n",
            a->minutes, a->minutes, chain);
    for (size_t i = 0; i < a->track_count; i++)
        fprintf(f, "    <track src=\"%02zu.wav\" title=\"Track %zu\"/>\n", i + 1, i + 1);
    fprintf(f, "  </tracks>\n  <deliver>\n%s  </deliver>\n</premaster>\n", deliver);
    if (fclose(f) != 0) {
        snprintf(why, size, "%s: cannot be written", path);
        return -1;
    }
    return 0;
}

int bench_album_write(const char *root, int minutes, bench_album *out, char *why, size_t size)
{
    memset(out, 0, sizeof *out);
    out->minutes = minutes;
    out->track_count = (size_t)(minutes / 10) * 3;
    char name[32];
    snprintf(name, sizeof name, "album-%02d", minutes);
    if (pm_path_join(out->dir, sizeof out->dir, root, name) != 0 ||
        pm_path_join(out->project, sizeof out->project, out->dir, "album.xml") != 0 ||
        pm_path_join(out->chain_project, sizeof out->chain_project, out->dir, "chain.xml") != 0 ||
        pm_path_join(out->full_project, sizeof out->full_project, out->dir, "full.xml") != 0) {
        snprintf(why, size, "the folder's name is too long: %s", root);
        return -1;
    }
    if (mkdir(out->dir, 0777) != 0 && errno != EEXIST) {
        snprintf(why, size, "%s: %s", out->dir, strerror(errno));
        return -1;
    }
    if (sine_table[TABLE_SIZE / 4] == 0.0)
        table_init();
    for (size_t i = 0; i < out->track_count; i++) {
        if (bench_interrupted) {
            snprintf(why, size, "interrupted");
            return -1;
        }
        char path[BENCH_PATH + 16];
        bench_track_path(out, i, path, sizeof path);
        int seconds = track_seconds[i % 3];
        out->seconds += seconds;
        /* an earlier run's track (--dir): written under a temporary name, so a file there is
         * whole; its length says whether it is this album's */
        SF_INFO info = {0};
        SNDFILE *f = sf_open(path, SFM_READ, &info);
        if (f)
            sf_close(f);
        if (f && info.frames == (sf_count_t)seconds * BENCH_RATE)
            continue;
        if (write_track(path, seconds, track_bpm[i % 6], track_key[i % 6],
                        track_level_db[i % 6], UINT64_C(0x9E3779B97F4A7C15) * (i + 1), why,
                        size) != 0)
            return -1;
    }
    if (write_project(out, out->project, "", figure_targets, why, size) != 0 ||
        write_project(out, out->chain_project, album_chain, figure_targets, why, size) != 0 ||
        write_project(out, out->full_project, "", full_job_targets, why, size) != 0)
        return -1;
    return 0;
}
