/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `premaster ddp extract` (premaster.h: pm_ddp_extract): the tracks of a DDP fileset as WAV files
 * and a cue sheet over them.
 *
 * Where a track ends: writers and tools differ (ddp-notes.md 3.5: shnsplit splits at INDEX 01
 * and gives a pause to the track before it; bchunk ends a track at the next INDEX 00). We end
 * each track at the next track's index 01, so that the pause before a track closes the one before
 * it, as a player playing straight through has it, and the files joined are the image from track
 * 1's index 01 to the lead-out, sample for sample, nothing lost and nothing doubled. The cue sheet
 * puts each pause back as an INDEX 00 at the end of the file before, which is the CDRWIN way of
 * saying the same thing.
 *
 * Track 1's pause: a burner adds the first 2 s itself (the CDRWIN convention, ddp-notes 3.2), so
 * they are not extracted; whatever the image holds between 2 s and track 1's index 01 (a longer
 * pause or a hidden track) is written as track00.wav and becomes track 1's INDEX 00 in the cue.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cdtime.h"
#include "codes.h"
#include "ddp_read.h"
#include "fsutil.h"
#include "strbuf.h"

#define BLOCK_SECTORS 256

static int folder_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

static pm_status prepare_folder(const char *dir, int force, pm_diag *diag)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0777) == 0)
            return PM_OK;
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "cannot be created: %s", strerror(errno));
        return PM_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "is not a folder");
        return PM_ERR_IO;
    }
    if (!force && !folder_is_empty(dir)) {
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "already holds files; extract writes into "
                    "a new or empty folder (--force writes over the files of the same names)");
        return PM_ERR_EXISTS;
    }
    return PM_OK;
}

/* Sectors [from, to) of the image as a 44.1 kHz 16-bit stereo WAV at dir/name, written under a
 * temporary name and renamed when complete. The image is little-endian, L then R (1.7). */
static pm_status write_wav(const pm_ddp *ddp, int64_t from, int64_t to, const char *dir,
                           const char *name, unsigned char *bytes, short *samples, pm_diag *diag)
{
    char path[4096], temp[4200];
    if (pm_path_join(path, sizeof path, dir, name) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "the path of %s is too long", name);
        return PM_ERR_IO;
    }
    pm_temp_name(path, temp, sizeof temp);
    SF_INFO info = {.samplerate = PM_CD_RATE, .channels = 2,
                    .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(temp, SFM_WRITE, &info);
    if (!sf) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot be written: %s", sf_strerror(NULL));
        return PM_ERR_IO;
    }
    const char *image = ddp->maps[ddp->audio].file;
    pm_status status = PM_OK;
    for (int64_t s = from; s < to && status == PM_OK;) {
        int64_t n = to - s < BLOCK_SECTORS ? to - s : BLOCK_SECTORS;
        size_t size = (size_t)n * PM_CD_BYTES_PER_SECTOR;
        if (ddp->source.read(ddp->source.context, image, (uint64_t)s * PM_CD_BYTES_PER_SECTOR,
                             bytes, size) != PM_OK) {
            char where[4200];
            pm_ddp_path(ddp, image, where, sizeof where);
            pm_diag_add(diag, PM_SEV_ERROR, where, 0, NULL, "cannot be read at sector %lld",
                        (long long)s);
            status = PM_ERR_IO;
            break;
        }
        for (size_t i = 0; i < size / 2; i++)
            samples[i] = (short)(int16_t)(uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        sf_count_t frames = (sf_count_t)n * PM_CD_SAMPLES_PER_FRAME;
        if (sf_writef_short(sf, samples, frames) != frames) {
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot be written: %s",
                        sf_strerror(sf));
            status = PM_ERR_IO;
        }
        s += n;
    }
    if (sf_close(sf) != 0 && status == PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot be finished");
        status = PM_ERR_IO;
    }
    if (status != PM_OK) {
        unlink(temp);
        return status;
    }
    return pm_commit_file(temp, path, diag);
}

/* A cue time relative to the start of the file it is in. */
static void cue_time(pm_strbuf *cue, const char *what, int index, int64_t cdf)
{
    char t[16];
    pm_cdf_format(cdf, t, sizeof t);
    pm_strbuf_printf(cue, "    %s %02d %s\n", what, index, t);
}

/* TITLE, PERFORMER and SONGWRITER of the disc (track 0) or a track, from the first CD-TEXT block,
 * as the test cue of ddp-notes 3.4 has them. A cue string cannot hold a double quote. */
static void cue_texts(pm_strbuf *cue, const pm_ddp *ddp, int track, const char *indent)
{
    static const struct {
        pm_cdtext_type type;
        const char *keyword;
    } fields[] = {{PM_CDTEXT_TITLE, "TITLE"},
                  {PM_CDTEXT_PERFORMER, "PERFORMER"},
                  {PM_CDTEXT_SONGWRITER, "SONGWRITER"}};
    const pm_cdtext_decoded *d = ddp->cdtext_text;
    if (!d || d->block_count < 1 || d->blocks[0].char_code == PM_CDTEXT_MSJIS)
        return;
    const pm_cdtext_decoded_block *b = &d->blocks[0];
    int i = track ? track - b->first_track + 1 : 0;
    if (track && (track < b->first_track || track > b->last_track))
        return;
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        const char *text = b->texts[fields[f].type] ? b->texts[fields[f].type][i] : NULL;
        if (!text || !*text)
            continue;
        pm_strbuf_printf(cue, "%s%s \"", indent, fields[f].keyword);
        for (const char *c = text; *c; c++)
            pm_strbuf_append_n(cue, *c == '"' ? "'" : c, 1);
        pm_strbuf_append(cue, "\"\n");
    }
}

/* TRACK nn AUDIO and what goes before its first INDEX: CD-TEXT, ISRC and FLAGS (ddp-notes 3.1,
 * in the order of the test cue of 3.4). */
static void cue_track(pm_strbuf *cue, const pm_ddp *ddp, const pm_ddp_track *t)
{
    pm_strbuf_printf(cue, "  TRACK %02d AUDIO\n", t->number);
    cue_texts(cue, ddp, t->number, "    ");
    char isrc[13];
    if (*t->isrc && pm_isrc_normalize(t->isrc, isrc) == PM_CODE_OK)
        pm_strbuf_printf(cue, "    ISRC %s\n", isrc);
    if ((t->control & 0xB) || t->adr == 'S')
        pm_strbuf_printf(cue, "    FLAGS%s%s%s%s\n", t->control & 0x2 ? " DCP" : "",
                         t->control & 0x8 ? " 4CH" : "", t->control & 0x1 ? " PRE" : "",
                         t->adr == 'S' ? " SCMS" : "");
}

static char *cue_sheet(const pm_ddp *ddp, const pm_ddp_layout *l, int pause_file)
{
    pm_strbuf cue;
    pm_strbuf_init(&cue);
    pm_strbuf_append(&cue, "REM premaster ddp extract: each track from its index 01 to the next "
                           "track's index 01\n");
    char upc[14];
    if (*l->upc && pm_upc_normalize(l->upc, upc, NULL) == PM_CODE_OK)
        pm_strbuf_printf(&cue, "CATALOG %s\n", upc);
    if (ddp->cdtext_packs)
        pm_strbuf_append(&cue, "CDTEXTFILE \"tracks.cdt\"\n");
    cue_texts(&cue, ddp, 0, "");
    const pm_ddp_track *first = &l->tracks[0];
    if (pause_file) {
        pm_strbuf_append(&cue, "FILE \"track00.wav\" WAVE\n");
        cue_track(&cue, ddp, first);
        cue_time(&cue, "INDEX", 0, 0);
    }
    for (int k = 0; k < l->track_count; k++) {
        const pm_ddp_track *t = &l->tracks[k];
        pm_strbuf_printf(&cue, "FILE \"track%02d.wav\" WAVE\n", t->number);
        /* The track was opened in the file before when its pause (INDEX 00) is there. */
        if (k > 0 ? t->index_cdf[0] < 0 : !pause_file)
            cue_track(&cue, ddp, t);
        for (int i = 1; i <= t->last_index; i++)
            if (t->index_cdf[i] >= 0)
                cue_time(&cue, "INDEX", i, t->index_cdf[i] - t->index_cdf[1]);
        const pm_ddp_track *next = k + 1 < l->track_count ? &l->tracks[k + 1] : NULL;
        if (next && next->index_cdf[0] >= 0) {
            cue_track(&cue, ddp, next);
            cue_time(&cue, "INDEX", 0, next->index_cdf[0] - t->index_cdf[1]);
        }
    }
    return pm_strbuf_take(&cue);
}

pm_status pm_ddp_extract(const pm_ddp *ddp, const char *out_dir, int force, pm_diag *diag)
{
    pm_ddp_layout l;
    pm_status status = pm_ddp_layout_build(ddp, &l, diag);
    if (status != PM_OK) {
        if (status == PM_ERR_INVALID)
            pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL, "nothing was extracted: the PQ "
                        "entries do not lay out tracks");
        return status;
    }
    unsigned char *bytes = NULL;
    short *samples = NULL;
    char *cue = NULL;
    int64_t image_sectors = ddp->image_size >= 0 ? ddp->image_size / PM_CD_BYTES_PER_SECTOR : -1;
    if (ddp->audio < 0 || !ddp->maps[ddp->audio].file || image_sectors < l.leadout_cdf) {
        pm_diag_add(diag, PM_SEV_ERROR, out_dir, 0, NULL, "nothing was extracted: the audio "
                    "image is %s", image_sectors < 0 ? "missing"
                                                     : "shorter than the program in the PQ");
        status = PM_ERR_INVALID;
        goto fail;
    }
    if ((status = prepare_folder(out_dir, force, diag)) != PM_OK)
        goto fail;
    bytes = pm_alloc_array(BLOCK_SECTORS, PM_CD_BYTES_PER_SECTOR);
    samples = pm_alloc_array(BLOCK_SECTORS * PM_CD_BYTES_PER_SECTOR / 2, sizeof *samples);
    status = PM_ERR_NOMEM;
    if (!bytes || !samples)
        goto fail;
    const pm_ddp_track *first = &l.tracks[0];
    int pause_file = first->index_cdf[1] > PM_CD_PAUSE_MIN_CDF;
    if (pause_file && (status = write_wav(ddp, PM_CD_PAUSE_MIN_CDF, first->index_cdf[1], out_dir,
                                          "track00.wav", bytes, samples, diag)) != PM_OK)
        goto fail;
    for (int k = 0; k < l.track_count; k++) {
        const pm_ddp_track *t = &l.tracks[k];
        char name[32];
        snprintf(name, sizeof name, "track%02d.wav", t->number);
        if ((status = write_wav(ddp, t->index_cdf[1], t->next_cdf, out_dir, name, bytes, samples,
                                diag)) != PM_OK)
            goto fail;
    }
    char path[4096];
    if (ddp->cdtext_packs) {
        /* The packs as they are, whole ones only (a trailing NUL dropped, as libburn does). */
        status = pm_path_join(path, sizeof path, out_dir, "tracks.cdt") != 0
                     ? PM_ERR_IO
                     : pm_write_file_atomic(path, ddp->cdtext,
                                            ddp->cdtext_packs * PM_DDP_CDTEXT_PACK, diag);
        if (status != PM_OK)
            goto fail;
    }
    status = PM_ERR_NOMEM;
    if (!(cue = cue_sheet(ddp, &l, pause_file)))
        goto fail;
    status = pm_path_join(path, sizeof path, out_dir, "tracks.cue") != 0
                 ? PM_ERR_IO
                 : pm_write_file_atomic(path, cue, strlen(cue), diag);
fail:
    free(cue);
    free(bytes);
    free(samples);
    pm_ddp_layout_fini(&l);
    return status;
}
