/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * De-emphasis over spans (dsp/deemph.h): outside the spans the signal passes bit for bit; inside
 * them a 10 kHz tone is attenuated as the 50/15 us curve says (within 0.1 dB); the switch
 * happens on the span's first and last frames; block sizes change nothing.
 */
#include "dsp/biquad.h"
#include "dsp/deemph.h"

#include "../tap.h"

#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846
#define RATE 44100.0
#define N 88200

static void run(const int64_t *start, const int64_t *end, size_t count, size_t block,
                const double *in, double *out)
{
    pm_stage *stage = NULL;
    if (pm_deemphasis_spans_new(start, end, count, &stage, NULL) != PM_OK)
        bail_out("cannot make the stage");
    pm_stage_format f = {.rate_hz = RATE, .channels = 2, .max_block_frames = 4096}, o;
    if (pm_stage_start(stage, &f, &o, NULL) != PM_OK)
        bail_out("cannot start the stage");
    for (size_t i = 0; i < N; i += block) {
        size_t n = N - i < block ? N - i : block, used, produced;
        const double *x[2] = {in + i, in + i};
        double *y[2] = {out + i, out + N + i};
        pm_stage_process(stage, x, n, &used, y, n, &produced);
        if (used != n || produced != n)
            bail_out("the stage did not take its block");
    }
    pm_stage_free(stage);
}

static double rms(const double *x, size_t from, size_t to)
{
    double e = 0;
    for (size_t i = from; i < to; i++)
        e += x[i] * x[i];
    return sqrt(e / (double)(to - from));
}

int main(void)
{
    double *in = malloc(N * sizeof *in), *out = malloc(2 * N * sizeof *out);
    double *again = malloc(2 * N * sizeof *again);
    for (size_t i = 0; i < N; i++)
        in[i] = 0.5 * sin(2 * PI * 10000.0 * (double)i / RATE);
    int64_t start[] = {30000}, end[] = {60000};
    run(start, end, 1, 4096, in, out);
    int same = 1;
    for (size_t i = 0; i < N; i++)
        if (i < 30000 || i >= 60000)
            same &= out[i] == in[i] && out[N + i] == in[i];
    ok(same, "outside the span the signal passes bit for bit");
    ok(out[29999] == in[29999] && out[30000] != in[30000] && out[59999] != in[59999] &&
           out[60000] == in[60000],
       "the filtered signal starts on the span's first frame and ends after its last");
    double gain = 20 * log10(rms(out, 35000, 55000) / rms(in, 35000, 55000));
    double expected = 20 * log10(pm_biquad_deemphasis_analog(10000.0));
    ok(fabs(gain - expected) < 0.1, "10 kHz inside the span: %.3f dB, the 50/15 us curve says "
       "%.3f", gain, expected);
    run(start, end, 1, 1, in, again);
    int equal = 1;
    for (size_t i = 0; i < 2 * N; i++)
        equal &= again[i] == out[i];
    ok(equal, "blocks of 1 and 4096 frames give the same output");
    run(NULL, NULL, 0, 4096, in, out);
    same = 1;
    for (size_t i = 0; i < N; i++)
        same &= out[i] == in[i];
    ok(same, "with no span nothing changes");
    free(in);
    free(out);
    free(again);
    return done_testing();
}
