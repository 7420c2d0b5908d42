/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD's text deliverables (DESIGN.md "Deliverables"): the cue sheet over <name>.bin, the
 * cdrdao TOC over the same file, the replication plant's PQ sheet (and its figures as JSON for
 * report.json), and the read-back of the cue sheet through libcdio (DESIGN.md "Verification").
 *
 * Every figure comes from the plan (plan.h): the PQ marks already sit on the CD frame grid, so
 * these files only write them out. Two time bases (DESIGN.md "Time bases", ddp-notes.md 3.2):
 *   - the PQ sheet uses absolute CD time, 00:00:00 being the first byte of IMAGE.DAT, which holds
 *     track 1's pause (and any hidden track);
 *   - the cue sheet and the TOC describe <name>.bin, which is IMAGE.DAT without its first 150
 *     sectors (the CDRWIN convention of libcdio, cdrdao and every burner, which add those 2 s
 *     themselves): a time in them is the absolute time less 00:02:00.
 *
 * Text: the cue and the TOC carry CD-TEXT (the cue TITLE, PERFORMER and SONGWRITER of the first
 * block; the TOC every block and type) only with <cd cdtext="yes">, in ISO-8859-1, which is how
 * libcdio and cdrdao read those files; the PQ sheet is UTF-8. The texts are those the CD-TEXT
 * encoder writes (pm_cdtext_input_from_project, cdtext.h), so the three files agree with
 * CDTEXT.BIN.
 *
 * Each text function appends the whole text to out, or nothing: PM_OK; PM_ERR_USAGE when p has
 * no plan or no CD in it (p->plan->has_cd), or an argument is NULL; PM_ERR_INVALID when the
 * project has no CD these files can describe (no track, or over 99; over 8 CD-TEXT blocks),
 * which `check` has reported already; PM_ERR_NOMEM when memory ran out (out is then marked
 * failed, as strbuf.h describes, and holds no part of the text). Same project, same bytes.
 */
#ifndef PM_CD_SHEETS_H
#define PM_CD_SHEETS_H

#include <stddef.h>

#include "format.h"
#include "plan.h"
#include "strbuf.h"

/* <name>.cue for <name>.bin (and CDTEXTFILE "<name>.cdt" when with_cdt): CATALOG, per track
 * FILE/TRACK AUDIO, TITLE/PERFORMER/SONGWRITER, ISRC, FLAGS (DCP, PRE), INDEX 00/01/nn, with
 * times relative to the .bin (IMAGE.DAT minus its first 150 sectors; track 1 gets INDEX 00
 * 00:00:00 when its pause is longer than 2 s or holds a hidden track). */
pm_status pm_cd_cue_text(const pm_project *p, const char *name, int with_cdt,
                         pm_strbuf *out) PM_WARN_UNUSED;

/* <name>.toc for cdrdao: CD_DA, CATALOG, CD_TEXT with LANGUAGE_MAP (when the project has
 * CD-TEXT and p->cd.cdtext), per track ISRC, COPY/NO COPY, PRE_EMPHASIS, AUDIOFILE "<name>.bin"
 * with SWAP, START, INDEX; the same file and times as the cue. Each track's AUDIOFILE span runs
 * from its first mark (index 0, or index 1 when it has no pause) to the next track's first mark
 * or the lead-out, so that the spans tile the .bin; START is its pause, INDEX counts from its
 * index 1. */
pm_status pm_cd_toc_text(const pm_project *p, const char *name, pm_strbuf *out) PM_WARN_UNUSED;

/* pq-sheet.txt, the replication plant's PQ list: every track and index with absolute time (MSF
 * and frames) and the length to the next mark, the lead-out; per track its pause, length
 * (index 1 to the next track's first mark, cdrdao's measure), ISRC, flags, title and
 * performer; UPC, total time, track count, the hidden track, the CD-TEXT. The lengths of the
 * marks add up to the total time, and so do the tracks' pauses and lengths. */
pm_status pm_cd_pq_sheet_text(const pm_project *p, pm_strbuf *out) PM_WARN_UNUSED;

/* The same figures as one JSON object for report.json ("pq": {...}): "upc", "track_count",
 * "preroll_cd_frames", "total" {msf, cd_frames}, "marks" [{track, index, msf, cd_frames,
 * length_cd_frames}], "tracks" [{number, start, pause_cd_frames, length_cd_frames, length_msf,
 * isrc, pre_emphasis, copy_permitted, title, performer}], "hidden_track" (null, or {title,
 * performer, isrc, start, end}), "cdtext" (null, or an array of blocks {language, disc: {type:
 * text}, tracks: [...]}). */
pm_status pm_cd_pq_json(const pm_project *p, pm_strbuf *out) PM_WARN_UNUSED;

/* Read cue_path back through libcdio's API (cdio_open_cue / cdio_get_* / mmc ISRC and MCN calls)
 * and compare with p->plan: track count, each track's start LSN, pregap, ISRC, MCN, flags
 * (pre-emphasis, copy). One pm_format_check per aspect into checks (max, *count advanced), and a
 * diag error naming the cue file and the track for each mismatch. PM_OK when the check ran.
 *
 * libcdio opens the .bin named like the cue (<name>.bin beside <name>.cue, whatever its FILE
 * line says, ddp-notes 3.5), so that file must be there; its size gives the lead-out, which is
 * checked too. The aspects: libcdio opens the cue; track count; INDEX 01 of every track; INDEX 00
 * (pregap) of every track; ISRCs; MCN; flags; lead-out. A cue libcdio cannot open is one failed
 * check and a diag error, and the other aspects are not checked. libcdio's own messages go into
 * diag as notes naming the cue file, never to stderr. Returns PM_OK when the check ran (failed
 * aspects are in checks and diag); PM_ERR_USAGE for a NULL argument or a project without a CD
 * plan; PM_ERR_NOMEM.
 */
pm_status pm_cd_cue_verify(const pm_project *p, const char *cue_path, pm_format_check *checks,
                           size_t max, size_t *count, pm_diag *diag) PM_WARN_UNUSED;

/* ---- shared by the files above (cd_sheets.c) ----------------------------------------------- */

/* The .bin starts this many frames into IMAGE.DAT: 2 s, which a burner adds itself. */
#define PM_CD_BIN_OFFSET_CDF 150

/* A track's PQ marks in order (index 0 when it has one, index 1, indexes 2..); into marks (at
 * least 100 slots); returns their count. */
size_t pm_cd_track_marks(const pm_plan_item *it, const pm_plan_mark **marks);

/* The .bin position (frames) of a track's index 0 in the cue and TOC, or -1 when the cue gives
 * it none: track 1's pause shows only when it is longer than the 2 s the .bin leaves out. */
int64_t pm_cd_bin_index0(const pm_plan *plan, size_t item);

#endif
