/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cue sheet read back through libcdio (cd_sheets.h: pm_cd_cue_verify; DESIGN.md
 * "Verification": "the cue read back through libcdio's API has the same tracks, starts,
 * pregaps, ISRCs, MCN and flags").
 *
 * libcdio's BIN/CUE driver (ddp-notes.md 3.5 and 4) gives a track's LSN as the .bin sector of its
 * INDEX 01 and its pregap LSN as that of INDEX 00 (CDIO_INVALID_LSN without one); the lead-out is
 * the .bin's size in sectors. For an image, cdio_get_mcn and cdio_get_track_isrc return what the
 * cue's CATALOG and ISRC say (the MMC commands behind them on a drive read the same subcode
 * fields); neither validates the code, so a wrong one reads back as written and is caught here.
 */
#include "config.h"

#include <cdio/cdio.h>
#include <cdio/logging.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_sheets.h"
#include "cdtime.h"
#include "fsutil.h"

/*
 * libcdio reports through one process-wide handler that takes no context, and its default one
 * prints to stderr, which the library never does. So a read-back holds this lock while it runs,
 * installs a handler that puts libcdio's messages into its own diag, and puts the previous
 * handler back before it lets go: two read-backs on two threads never interleave their
 * handlers, and the previous one is never lost. (premaster calls libcdio nowhere else; a host
 * program calling it on another thread meanwhile would see its messages in this diag.)
 */
typedef struct log_target {
    pm_diag *diag;
    const char *file;
} log_target;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static log_target *current_log; /* guarded by log_lock */

static void log_to_diag(cdio_log_level_t level, const char message[])
{
    if (!current_log || level < CDIO_LOG_WARN)
        return;
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r'))
        n--;
    pm_diag_add(current_log->diag, PM_SEV_NOTE, current_log->file, 0, NULL, "libcdio: %.*s", (int)n,
                message);
}

typedef struct checker {
    const pm_project *p;
    const char *cue_path;
    const char *cue_name; /* its base name, for the check list (in the render: cd/NAME.cue) */
    char *cue_text;       /* the file, to give each message its line */
    pm_format_check *checks;
    size_t max, *count;
    pm_diag *diag;
} checker;

static void add_check(checker *c, int ok, const char *what)
{
    if (*c->count < c->max) {
        pm_format_check *k = &c->checks[(*c->count)++];
        snprintf(k->what, sizeof k->what, "cd/%s: read back by libcdio, %s", c->cue_name, what);
        k->ok = ok;
    }
}

/* The line of the cue where a line starting (after blanks) with prefix is, 0 when none. */
static int line_of(const checker *c, const char *prefix)
{
    if (!c->cue_text)
        return 0;
    size_t n = strlen(prefix);
    int line = 1;
    for (const char *s = c->cue_text; *s; line++) {
        const char *t = s + strspn(s, " \t");
        if (strncmp(t, prefix, n) == 0)
            return line;
        const char *end = strchr(s, '\n');
        if (!end)
            break;
        s = end + 1;
    }
    return 0;
}

static int track_line(const checker *c, int track)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "TRACK %02d ", track);
    return line_of(c, prefix);
}

static void mismatch(checker *c, int line, const char *fmt, ...) PM_PRINTF(3, 4);
static void mismatch(checker *c, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm_diag_vadd(c->diag, PM_SEV_ERROR, c->cue_path, line, NULL, fmt, ap);
    va_end(ap);
}

static void lsn_text(lsn_t lsn, char *buf, int n)
{
    if (lsn == CDIO_INVALID_LSN)
        snprintf(buf, (size_t)n, "none");
    else
        pm_cdf_format(lsn, buf, n);
}

/* Each track's INDEX 01 and INDEX 00 against the plan: the two position aspects. */
static void check_positions(checker *c, CdIo_t *cd, int tracks)
{
    const pm_plan *plan = c->p->plan;
    int starts_ok = 1, pregaps_ok = 1;
    for (int t = 1; t <= tracks; t++) {
        size_t i = plan->first_track + (size_t)t - 1;
        const pm_plan_item *it = &plan->items[i];
        char got[16], want[16];
        lsn_t lsn = cdio_get_track_lsn(cd, (track_t)t);
        lsn_t want_lsn = (lsn_t)(it->index1.cdf - PM_CD_BIN_OFFSET_CDF);
        if (lsn != want_lsn) {
            starts_ok = 0;
            lsn_text(lsn, got, sizeof got);
            lsn_text(want_lsn, want, sizeof want);
            mismatch(c, track_line(c, t),
                     "track %02d: INDEX 01 reads back at %s (LSN %ld), "
                     "where the plan puts it at %s (LSN %ld) of the .bin",
                     t, got, (long)lsn, want, (long)want_lsn);
        }
        lsn_t pregap = cdio_get_track_pregap_lsn(cd, (track_t)t);
        int64_t index0 = pm_cd_bin_index0(plan, i);
        lsn_t want_pregap = index0 >= 0 ? (lsn_t)index0 : CDIO_INVALID_LSN;
        if (pregap != want_pregap) {
            pregaps_ok = 0;
            lsn_text(pregap, got, sizeof got);
            lsn_text(want_pregap, want, sizeof want);
            mismatch(c, track_line(c, t),
                     "track %02d: INDEX 00 (pregap) reads back as %s, "
                     "where the plan has %s",
                     t, got, want);
        }
    }
    add_check(c, starts_ok, "every track's INDEX 01 on its planned sector");
    add_check(c, pregaps_ok, "every track's INDEX 00 (pregap) as planned");
}

static void check_codes(checker *c, CdIo_t *cd, int tracks)
{
    const pm_project *p = c->p;
    const pm_plan *plan = p->plan;
    int isrcs_ok = 1, flags_ok = 1;
    for (int t = 1; t <= tracks; t++) {
        const pm_track *track = plan->items[plan->first_track + (size_t)t - 1].track;
        char *isrc = cdio_get_track_isrc(cd, (track_t)t);
        const char *got = isrc ? isrc : "";
        if (strcmp(got, track->isrc) != 0) {
            isrcs_ok = 0;
            mismatch(c, track_line(c, t),
                     "track %02d: ISRC reads back as \"%s\", where the "
                     "project has \"%s\"",
                     t, got, track->isrc);
        }
        cdio_free(isrc);
        track_flag_t pre = cdio_get_track_preemphasis(cd, (track_t)t);
        track_flag_t copy = cdio_get_track_copy_permit(cd, (track_t)t);
        track_flag_t want_pre = track->emphasis ? CDIO_TRACK_FLAG_TRUE : CDIO_TRACK_FLAG_FALSE;
        track_flag_t want_copy = track->copy ? CDIO_TRACK_FLAG_TRUE : CDIO_TRACK_FLAG_FALSE;
        if (pre != want_pre || copy != want_copy) {
            flags_ok = 0;
            mismatch(c, track_line(c, t),
                     "track %02d: flags read back as pre-emphasis %s, "
                     "copy %s, where the project has pre-emphasis %s, copy %s (FLAGS%s%s)",
                     t, pre == CDIO_TRACK_FLAG_TRUE ? "yes" : "no",
                     copy == CDIO_TRACK_FLAG_TRUE ? "permitted" : "prohibited",
                     track->emphasis ? "yes" : "no", track->copy ? "permitted" : "prohibited",
                     track->copy ? " DCP" : "", track->emphasis ? " PRE" : "");
        }
    }
    add_check(c, isrcs_ok, "every track's ISRC as in the project");
    add_check(c, flags_ok, "every track's flags (pre-emphasis, copy permitted) as in the project");

    char *mcn = cdio_get_mcn(cd);
    const char *got = mcn ? mcn : "";
    int mcn_ok = strcmp(got, p->album.upc) == 0;
    if (!mcn_ok)
        mismatch(c, line_of(c, "CATALOG "),
                 "the MCN reads back as \"%s\", where the project's "
                 "UPC/EAN is \"%s\"",
                 got, p->album.upc);
    cdio_free(mcn);
    add_check(c, mcn_ok,
              p->album.upc[0] ? "the MCN (CATALOG) is the project's UPC/EAN"
                              : "no MCN, as the project has no UPC/EAN");
}

static void check_disc(checker *c, CdIo_t *cd)
{
    const pm_plan *plan = c->p->plan;
    int want = (int)(plan->item_count - plan->first_track);
    int first = cdio_get_first_track_num(cd), count = cdio_get_num_tracks(cd);
    int count_ok = first == 1 && count == want;
    if (!count_ok)
        mismatch(c, 0,
                 "libcdio reads %d tracks from track %d, where the plan has %d from "
                 "track 1",
                 count == CDIO_INVALID_TRACK ? 0 : count, first, want);
    char what[96];
    snprintf(what, sizeof what, "%d tracks, numbered from 1", want);
    add_check(c, count_ok, what);
    int tracks = count_ok ? want : 0;
    if (first == 1 && count != CDIO_INVALID_TRACK && count > 0)
        tracks = count < want ? count : want;
    check_positions(c, cd, tracks);
    check_codes(c, cd, tracks);
    lsn_t leadout = cdio_get_track_lsn(cd, CDIO_CDROM_LEADOUT_TRACK);
    lsn_t want_leadout = (lsn_t)(plan->leadout_cdf - PM_CD_BIN_OFFSET_CDF);
    int leadout_ok = leadout == want_leadout;
    if (!leadout_ok) {
        char got_text[16], want_text[16];
        lsn_text(leadout, got_text, sizeof got_text);
        lsn_text(want_leadout, want_text, sizeof want_text);
        mismatch(c, 0,
                 "the lead-out reads back at %s (LSN %ld, the .bin's length in sectors), "
                 "where the plan puts it at %s (LSN %ld)",
                 got_text, (long)leadout, want_text, (long)want_leadout);
    }
    add_check(c, leadout_ok, "the lead-out (the .bin's length) where the plan puts it");
}

pm_status pm_cd_cue_verify(const pm_project *p, const char *cue_path, pm_format_check *checks,
                           size_t max, size_t *count, pm_diag *diag)
{
    if (!p || !p->plan || !p->plan->has_cd || !cue_path || !count || (max && !checks))
        return PM_ERR_USAGE;
    const char *slash = strrchr(cue_path, '/');
    checker c = {.p = p,
                 .cue_path = cue_path,
                 .cue_name = slash ? slash + 1 : cue_path,
                 .checks = checks,
                 .max = max,
                 .count = count,
                 .diag = diag};
    size_t size = 0;
    pm_status status = pm_read_file(cue_path, &c.cue_text, &size);
    if (status == PM_ERR_NOMEM)
        return status;

    log_target target = {diag, cue_path};
    pthread_mutex_lock(&log_lock);
    current_log = &target;
    cdio_log_handler_t previous = cdio_log_set_handler(log_to_diag);
    CdIo_t *cd = status == PM_OK ? cdio_open_cue(cue_path) : NULL;
    add_check(&c, cd != NULL, "libcdio opens the cue sheet and the .bin named like it");
    if (!cd)
        mismatch(&c, 0, "libcdio cannot open this cue sheet%s",
                 status == PM_OK ? " with the .bin named like it (and the CDTEXTFILE it names) "
                                   "beside it"
                                 : ": the file cannot be read");
    else
        check_disc(&c, cd);
    if (cd)
        cdio_destroy(cd);
    cdio_log_set_handler(previous);
    current_log = NULL;
    pthread_mutex_unlock(&log_lock);
    free(c.cue_text);
    return PM_OK;
}
