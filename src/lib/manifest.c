/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fsutil.h"
#include "manifest.h"
#include "sha256.h"
#include "strbuf.h"

/* The files of a manifest hashed by several threads: each takes the next file not taken. */
typedef struct manifest_hashing {
    const char *dir;
    char **names;
    size_t count;
    char (*hex)[65];
    pm_status *status;
    size_t next;
    pthread_mutex_t lock;
} manifest_hashing;

static void *hash_files(void *arg)
{
    manifest_hashing *h = arg;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        size_t i = h->next++;
        pthread_mutex_unlock(&h->lock);
        if (i >= h->count)
            return NULL;
        char path[4096];
        (void)pm_path_join(path, sizeof path, h->dir, h->names[i]);
        h->status[i] = pm_sha256_file(path, h->hex[i]);
    }
}

pm_status pm_manifest_write(const char *dir, int threads, pm_diag *diag)
{
    char **names = NULL;
    size_t count = 0;
    pm_status status = pm_list_files(dir, &names, &count);
    if (status != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "cannot list the render folder");
        return status;
    }
    manifest_hashing h = {.dir = dir, .names = names, .count = count};
    h.hex = pm_alloc_zeroed(count ? count : 1, sizeof *h.hex);
    h.status = pm_alloc_zeroed(count ? count : 1, sizeof *h.status);
    pthread_t helper[8];
    size_t helpers = 0;
    if (h.hex && h.status) {
        pthread_mutex_init(&h.lock, NULL);
        for (int k = 1; k < threads && helpers < 8; k++)
            if (pthread_create(&helper[helpers], NULL, hash_files, &h) == 0)
                helpers++;
        (void)hash_files(&h);
        for (size_t k = 0; k < helpers; k++)
            pthread_join(helper[k], NULL);
        pthread_mutex_destroy(&h.lock);
    } else {
        status = PM_ERR_NOMEM;
    }
    pm_strbuf out;
    pm_strbuf_init(&out);
    for (size_t i = 0; status == PM_OK && i < count; i++) {
        if (strcmp(names[i], "MANIFEST.sha256") == 0)
            continue;
        status = h.status[i];
        if (status != PM_OK) {
            char path[4096];
            (void)pm_path_join(path, sizeof path, dir, names[i]);
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                        status == PM_ERR_NOMEM ? "cannot be hashed: out of memory"
                                               : "cannot be read back to hash it");
        }
        pm_strbuf_printf(&out, "%s  %s\n", h.hex[i], names[i]);
    }
    free(h.hex);
    free(h.status);
    pm_free_names(names, count);
    char *text = pm_strbuf_take(&out);
    if (status == PM_OK && !text)
        status = PM_ERR_NOMEM;
    char path[4096];
    (void)pm_path_join(path, sizeof path, dir, "MANIFEST.sha256");
    if (status == PM_OK)
        status = pm_write_file_atomic(path, text, strlen(text), diag);
    char *back = NULL;
    size_t size = 0;
    if (status == PM_OK && (pm_read_file(path, &back, &size) != PM_OK || size != strlen(text) ||
                            memcmp(back, text, size) != 0)) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "does not read back as it was written");
        status = PM_ERR_IO;
    }
    free(back);
    free(text);
    return status;
}

pm_status pm_manifest_verify(const char *dir, pm_diag *diag)
{
    char path[4096];
    (void)pm_path_join(path, sizeof path, dir, "MANIFEST.sha256");
    char *manifest = NULL;
    size_t size;
    if (pm_read_file(path, &manifest, &size) != PM_OK) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL,
                    "cannot be read: is this a folder premaster rendered?");
        return PM_ERR_INVALID;
    }
    char **names = NULL;
    size_t count = 0;
    if (pm_list_files(dir, &names, &count) != PM_OK) {
        free(manifest);
        pm_diag_add(diag, PM_SEV_ERROR, dir, 0, NULL, "cannot be listed");
        return PM_ERR_IO;
    }
    unsigned char *listed = pm_alloc_zeroed(count ? count : 1, 1);
    pm_status status = listed ? PM_OK : PM_ERR_NOMEM;
    int line_number = 0;
    for (char *line = manifest, *next; status != PM_ERR_NOMEM && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_number++;
        char *name = line + 66;
        if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ') {
            pm_diag_add(diag, PM_SEV_ERROR, path, line_number, NULL,
                        "is not a line of `sha256sum` output");
            status = PM_ERR_INVALID;
            continue;
        }
        line[64] = '\0';
        char file[4096], hex[65];
        (void)pm_path_join(file, sizeof file, dir, name);
        size_t k = 0;
        while (k < count && strcmp(names[k], name) != 0)
            k++;
        if (k < count)
            listed[k] = 1;
        pm_status hashed = pm_sha256_file(file, hex);
        if (hashed == PM_ERR_NOMEM) {
            pm_diag_add(diag, PM_SEV_ERROR, file, 0, NULL, "cannot be hashed: out of memory");
            status = PM_ERR_NOMEM;
        } else if (hashed != PM_OK) {
            pm_diag_add(diag, PM_SEV_ERROR, file, 0, NULL, "is listed in the manifest but missing");
            status = PM_ERR_INVALID;
        } else if (strcmp(hex, line) != 0) {
            pm_diag_add(diag, PM_SEV_ERROR, file, 0, NULL,
                        "does not match its checksum in MANIFEST.sha256: it changed after the "
                        "render");
            status = PM_ERR_INVALID;
        }
    }
    /* after running out of memory the listing is incomplete: no claims about added files */
    for (size_t k = 0; listed && status != PM_ERR_NOMEM && k < count; k++)
        if (!listed[k] && strcmp(names[k], "MANIFEST.sha256") != 0) {
            (void)pm_path_join(path, sizeof path, dir, names[k]);
            pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "is not in MANIFEST.sha256: it was "
                        "added after the render");
            status = PM_ERR_INVALID;
        }
    free(listed);
    pm_free_names(names, count);
    free(manifest);
    return status;
}
