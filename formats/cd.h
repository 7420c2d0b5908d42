/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CD deliverable (DESIGN.md "Deliverables", "Time bases", "Verification: CD"; ddp-notes.md):
 * one target at 44.1 kHz / 16 bit (optional album loudness, the true-peak limiter to the
 * ceiling, dither), whose writer streams the final samples into
 *   out/cd/DDP/IMAGE.DAT   the whole image from CD time 00:00:00 (track 1's pause), padded with
 *                          silence to the lead-out, a whole number of 2352-byte sectors;
 *   out/cd/<name>.bin      the same bytes without the first 150 sectors (the CDRWIN convention),
 * both in the same pass, each under a temporary name until the pass is kept. The kept pass then
 * writes the rest of the DDP 2.00 fileset (DDPID, DDPMS, PQDESCR, CDTEXT.BIN, CHECKSUM.MD5) and
 * <name>.cdt. finish adds the cue sheet, the TOC and the PQ sheet (formats/cd_sheets.h), runs the
 * verification and writes the report's CD object.
 *
 * Which files: IMAGE.DAT and the DDP files with <cd ddp="yes">; the .bin with cue or toc; the
 * .cdt with cue and CD-TEXT; CD-TEXT when <cd cdtext="yes"> (the project always has text: the
 * album's title and artist are required).
 *
 * The files in this folder:
 *   cd.c          the format table, the target and its writer, finish and the report
 *   ddp_write.c   the DDP 2.00 control files as bytes, from the project's plan
 *   cd_verify.c   the verification from disk (the verify op)
 */
#ifndef PM_CD_H
#define PM_CD_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

extern const pm_format_ops pm_cd_format;

#define PM_CD_DDP_DIR "DDP"
#define PM_CD_IMAGE_NAME "IMAGE.DAT"
#define PM_CD_PQ_NAME "PQDESCR"
#define PM_CD_CDTEXT_NAME "CDTEXT.BIN"
#define PM_CD_SUMS_NAME "CHECKSUM.MD5"
#define PM_CD_PQ_SHEET_NAME "pq-sheet.txt"

/* The files a CD render writes, from the project alone (cd.c). */
typedef struct pm_cd_files {
    int ddp, bin, cdt, cdtext, cue, toc; /* which are written */
    char name[200];                      /* <name> */
} pm_cd_files;
void pm_cd_files_of(const pm_project *p, pm_cd_files *files);

/* The sheets (cd_sheets.h): 0 the cue sheet, 1 the TOC, 2 the PQ sheet. */
#define PM_CD_SHEETS 3
/* Sheet number `sheet` of p: its file name into name ("" when this render writes no such
 * sheet, and out is left alone) and its text appended to out (the cue sheet names the .cdt when
 * the render writes one). PM_OK; otherwise as cd_sheets.h says. */
pm_status pm_cd_sheet_text(const pm_project *p, const pm_cd_files *files, int sheet, char name[256],
                           pm_strbuf *out) PM_WARN_UNUSED;

/* The Q control nibble of a track (ddp-notes 1.5): 0x1 pre-emphasis, 0x2 copy permitted. */
unsigned pm_cd_track_control(const pm_track *track);

/* ---- the DDP control files (ddp_write.c) ----------------------------------------------------- */

/* DDPID (ddp-notes 1.3): one 128-byte record, "DDP 2.00", the UPC, the catalog number as the
 * master ID (printable ASCII, at most 48 characters), type CD; everything else blank. */
void pm_ddp_id_bytes(const pm_project *p, unsigned char out[128]);

/*
 * PQDESCR (ddp-notes 1.5) from p->plan: the lead-in entry with the UPC, every track's index 0
 * (when it has a pause), 1 and 2-99 with its control nibble, the ISRC on its index 00 and 01
 * entries, the lead-out twice. A new array of 64-byte packets into *out (caller frees), *size
 * bytes. PM_ERR_NOMEM.
 */
pm_status pm_ddp_pq_bytes(const pm_project *p, unsigned char **out, size_t *size) PM_WARN_UNUSED;

/*
 * DDPMS (ddp-notes 1.4): the CD-TEXT stream (when cdtext_size > 0), the PQ stream, then the
 * audio image: D0 DA, SSM 7, SCR 0, DSS 0, PRE2 = track 1's pause in sectors, DSL = the lead-out.
 * Numbers zero-padded and right-aligned. Into out, 128 bytes per packet; returns the byte count
 * (at most 3 x 128).
 */
size_t pm_ddp_ms_bytes(const pm_project *p, size_t pq_size, size_t cdtext_size,
                       unsigned char out[3 * 128]);

/* ---- verification (cd_verify.c) -------------------------------------------------------------- */

/* The verify op: every file of dir (the render's cd folder) proved against p and p->plan. */
pm_status pm_cd_verify(const pm_project *p, const char *dir, pm_format_check *checks,
                       size_t max_checks, size_t *check_count, pm_diag *diag) PM_WARN_UNUSED;

#endif
