/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MANIFEST.sha256 (DESIGN.md "The pipeline" step 7 and "Verification"): the SHA-256 of every
 * file of a render but the manifest itself, in `sha256sum` format, so that coreutils checks it
 * too, and flipping any byte of any deliverable makes `premaster verify` fail and name the file.
 */
#ifndef PM_MANIFEST_H
#define PM_MANIFEST_H

#include "diag.h"
#include "premaster.h"

/*
 * Write dir/MANIFEST.sha256 over every file in dir but itself, sorted by path. Each file is
 * hashed as read back from disk (on up to `threads` threads: the CD image and its .bin alone
 * are hundreds of megabytes), and the manifest itself is read back and compared with what was
 * written: the manifest is then proved against the folder without hashing every file a second
 * time. PM_ERR_IO, PM_ERR_NOMEM, with the file named in diag.
 */
pm_status pm_manifest_write(const char *dir, int threads, pm_diag *diag) PM_WARN_UNUSED;

/*
 * Every file listed in dir/MANIFEST.sha256 is there and matches, and no file was added: each
 * one that does not is named in diag. PM_ERR_INVALID (a file changed, is missing or was added,
 * or the manifest is not `sha256sum` output), PM_ERR_IO, PM_ERR_NOMEM.
 */
pm_status pm_manifest_verify(const char *dir, pm_diag *diag) PM_WARN_UNUSED;

#endif
