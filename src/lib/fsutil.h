/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Files as deliverables need them: written under a temporary name beside the final one,
 * flushed to the disk, then renamed, so that a file that looks finished is finished; folders
 * listed and removed.
 */
#ifndef PM_FSUTIL_H
#define PM_FSUTIL_H

#include <stddef.h>

#include "premaster.h"

/* dir/name into out (size bytes); 0, or -1 when it does not fit (out is then ""). */
int pm_path_join(char *out, size_t size, const char *dir, const char *name);

/* ".NAME.tmp" beside path's NAME, into out (size bytes). */
void pm_temp_name(const char *path, char *out, size_t size);

/* Write size bytes to path atomically (temporary name, fsync, rename). PM_ERR_IO with a
 * message in diag naming the file. */
pm_status pm_write_file_atomic(const char *path, const void *data, size_t size,
                               pm_diag *diag) PM_WARN_UNUSED;
/* Finish a file written under pm_temp_name(path): fsync it, rename it to path. */
pm_status pm_commit_file(const char *temp, const char *path, pm_diag *diag) PM_WARN_UNUSED;

/* The whole of a file, NUL-terminated, into *data (caller frees) and its size. PM_ERR_IO. */
pm_status pm_read_file(const char *path, char **data, size_t *size) PM_WARN_UNUSED;

/* Remove a folder and everything in it (regular files and folders only; links are removed,
 * never followed). PM_ERR_IO when something could not be removed. */
pm_status pm_remove_tree(const char *path) PM_WARN_UNUSED;

/*
 * The regular files under dir, as paths relative to it ("cd/DDP/IMAGE.DAT"), sorted by byte
 * value, into a new array *names of *count strings (free each and the array). Folders are
 * walked; anything else (links, devices) is listed too, so that a check can refuse it.
 */
pm_status pm_list_files(const char *dir, char ***names, size_t *count) PM_WARN_UNUSED;
void pm_free_names(char **names, size_t count);

#endif
