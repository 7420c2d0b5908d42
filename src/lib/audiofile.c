/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "audiofile.h"

struct pm_audiofile {
    SNDFILE *sf;
    SF_INFO info;
    size_t max_block_frames;
    double *interleaved;
    int failed;
};

pm_status pm_audiofile_open(const char *path, size_t max_block_frames, pm_audiofile **out,
                            char *why, size_t why_size)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, why_size, "%s", strerror(errno));
        return PM_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "not a file");
        return PM_ERR_IO;
    }
    pm_audiofile *f = pm_alloc_zeroed(1, sizeof *f);
    if (!f) {
        snprintf(why, why_size, "out of memory");
        return PM_ERR_NOMEM;
    }
    f->sf = sf_open(path, SFM_READ, &f->info);
    if (!f->sf) {
        snprintf(why, why_size, "%s", sf_strerror(NULL));
        free(f);
        return PM_ERR_IO;
    }
    f->max_block_frames = max_block_frames;
    f->interleaved = pm_alloc_array(max_block_frames * (size_t)f->info.channels, sizeof(double));
    if (!f->interleaved || f->info.channels < 1) {
        pm_status status = f->info.channels < 1 ? PM_ERR_IO : PM_ERR_NOMEM;
        snprintf(why, why_size, status == PM_ERR_IO ? "no channels" : "out of memory");
        pm_audiofile_close(f);
        return status;
    }
    /* Integer files read as doubles scaled to [-1, 1) (libsndfile's default normalisation);
     * float files as they are, overs included: an over in a source is the user's to see. */
    *out = f;
    return PM_OK;
}

void pm_audiofile_close(pm_audiofile *file)
{
    if (!file)
        return;
    if (file->sf)
        sf_close(file->sf);
    free(file->interleaved);
    free(file);
}

const SF_INFO *pm_audiofile_info(const pm_audiofile *file)
{
    return &file->info;
}

size_t pm_audiofile_read(pm_audiofile *file, double *const *planar, size_t frames)
{
    if (frames > file->max_block_frames)
        frames = file->max_block_frames;
    sf_count_t got = sf_readf_double(file->sf, file->interleaved, (sf_count_t)frames);
    if (got < 0 || (got < (sf_count_t)frames && sf_error(file->sf) != SF_ERR_NO_ERROR)) {
        file->failed = 1;
        if (got < 0)
            got = 0;
    }
    size_t channels = (size_t)file->info.channels;
    for (size_t c = 0; c < channels; c++) {
        double *dst = planar[c];
        const double *src = file->interleaved + c;
        for (size_t i = 0; i < (size_t)got; i++)
            dst[i] = src[i * channels];
    }
    return (size_t)got;
}

int pm_audiofile_seek(pm_audiofile *file, int64_t frame)
{
    return sf_seek(file->sf, (sf_count_t)frame, SEEK_SET) == (sf_count_t)frame;
}

int pm_audiofile_failed(const pm_audiofile *file)
{
    return file->failed;
}

void pm_audiofile_describe(const SF_INFO *info, char *out, size_t size)
{
    SF_FORMAT_INFO major = {.format = info->format & SF_FORMAT_TYPEMASK};
    SF_FORMAT_INFO minor = {.format = info->format & SF_FORMAT_SUBMASK};
    sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major);
    sf_command(NULL, SFC_GET_FORMAT_INFO, &minor, sizeof minor);
    snprintf(out, size, "%s, %s", major.extension ? major.extension : "?",
             minor.name ? minor.name : "?");
    /* the extension names the container: upper case, as people write it (WAV, FLAC, AIFF) */
    for (char *c = out; *c && *c != ','; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
}
