/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sfcues: what libsndfile reads from a WAV file's header, for the shell tests.
 *
 *   sfcues FILE
 *
 * prints "frames RATE", "channels N" and one "cue SAMPLE" line per cue marker (the marker's
 * sample offset in the data chunk), in the file's order. Exit 1 when the file cannot be opened.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sndfile.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: sfcues FILE\n", stderr);
        return 2;
    }
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(argv[1], SFM_READ, &info);
    if (!sf) {
        fprintf(stderr, "sfcues: %s: %s\n", argv[1], sf_strerror(NULL));
        return 1;
    }
    printf("frames %lld\nrate %d\nchannels %d\n", (long long)info.frames, info.samplerate,
           info.channels);
    uint32_t count = 0;
    if (sf_command(sf, SFC_GET_CUE_COUNT, &count, (int)sizeof count) && count > 0) {
        SF_CUES *cues = calloc(1, sizeof *cues);
        if (cues && sf_command(sf, SFC_GET_CUE, cues, (int)sizeof *cues) == SF_TRUE)
            for (uint32_t i = 0; i < cues->cue_count && i < 100; i++)
                printf("cue %u\n", (unsigned)cues->cue_points[i].sample_offset);
        free(cues);
    }
    sf_close(sf);
    return 0;
}
