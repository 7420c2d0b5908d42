/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the DDP reader's files come from (ddp_read.h, pm_ddp_source): a folder on disk, or files
 * in memory for the fuzzer and the tests. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "ddp_read.h"

/* ---------------------------------------------------------------------------------------------
 * A folder on disk as a source.
 */
typedef struct dir_source {
    char *dir;
    char **names;
    size_t count;
    int listed;
    FILE *open; /* the file last read, kept open: the image is read in many pieces */
    char *open_name;
} dir_source;

static int join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

static pm_status dir_size(void *context, const char *name, uint64_t *size)
{
    dir_source *d = context;
    char path[4096];
    struct stat st;
    if (strchr(name, '/') || join(path, sizeof path, d->dir, name) != 0 || stat(path, &st) != 0 ||
        !S_ISREG(st.st_mode) || st.st_size < 0)
        return PM_ERR_IO;
    *size = (uint64_t)st.st_size;
    return PM_OK;
}

static pm_status dir_read(void *context, const char *name, uint64_t offset, void *buf, size_t size)
{
    dir_source *d = context;
    if (!d->open || strcmp(d->open_name, name) != 0) {
        if (d->open)
            fclose(d->open);
        free(d->open_name);
        d->open = NULL;
        d->open_name = NULL;
        char path[4096];
        if (strchr(name, '/') || join(path, sizeof path, d->dir, name) != 0)
            return PM_ERR_IO;
        d->open_name = pm_strdup(name);
        if (!d->open_name)
            return PM_ERR_NOMEM;
        d->open = fopen(path, "rb");
        if (!d->open)
            return PM_ERR_IO;
    }
    if (offset > (uint64_t)INT64_MAX || fseeko(d->open, (off_t)offset, SEEK_SET) != 0 ||
        fread(buf, 1, size, d->open) != size)
        return PM_ERR_IO;
    return PM_OK;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static pm_status dir_list(void *context, char *const **names, size_t *count)
{
    dir_source *d = context;
    if (!d->listed) {
        DIR *dh = opendir(d->dir);
        if (!dh)
            return PM_ERR_IO;
        size_t capacity = 0;
        pm_status status = PM_OK;
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            uint64_t ignored;
            if (e->d_name[0] == '.' || dir_size(d, e->d_name, &ignored) != PM_OK)
                continue;
            char *copy = pm_strdup(e->d_name);
            if (!copy || pm_grow((void **)&d->names, &capacity, d->count, sizeof *d->names)) {
                free(copy);
                status = PM_ERR_NOMEM;
                break;
            }
            d->names[d->count++] = copy;
        }
        closedir(dh);
        if (status != PM_OK)
            return status;
        if (d->count)
            qsort(d->names, d->count, sizeof *d->names, by_bytes);
        d->listed = 1;
    }
    *names = d->names;
    *count = d->count;
    return PM_OK;
}

static void dir_close(void *context)
{
    dir_source *d = context;
    if (!d)
        return;
    if (d->open)
        fclose(d->open);
    free(d->open_name);
    for (size_t i = 0; i < d->count; i++)
        free(d->names[i]);
    free(d->names);
    free(d->dir);
    free(d);
}

/* ---------------------------------------------------------------------------------------------
 * Files in memory as a source.
 */
typedef struct mem_source {
    const pm_ddp_memfile *files;
    size_t file_count;
    char **names; /* the usable names (borrowed strings), sorted */
    size_t name_count;
} mem_source;

static const pm_ddp_memfile *mem_find(const mem_source *m, const char *name)
{
    for (size_t i = 0; i < m->file_count; i++)
        if (m->files[i].name && strcmp(m->files[i].name, name) == 0)
            return &m->files[i];
    return NULL;
}

static pm_status mem_size(void *context, const char *name, uint64_t *size)
{
    const pm_ddp_memfile *f = mem_find(context, name);
    if (!f)
        return PM_ERR_IO;
    *size = f->size;
    return PM_OK;
}

static pm_status mem_read(void *context, const char *name, uint64_t offset, void *buf, size_t size)
{
    const pm_ddp_memfile *f = mem_find(context, name);
    if (!f || offset > f->size || size > f->size - offset)
        return PM_ERR_IO;
    unsigned char *out = buf;
    uint64_t stored = f->stored < f->size ? f->stored : f->size;
    size_t from_data = offset < stored ? (size_t)(stored - offset < size ? stored - offset : size)
                                       : 0;
    if (from_data)
        memcpy(out, f->data + offset, from_data);
    memset(out + from_data, 0, size - from_data);
    return PM_OK;
}

static pm_status mem_list(void *context, char *const **names, size_t *count)
{
    mem_source *m = context;
    *names = m->names;
    *count = m->name_count;
    return PM_OK;
}

static void mem_close(void *context)
{
    mem_source *m = context;
    if (m)
        free(m->names);
    free(m);
}

pm_status pm_ddp_source_dir(const char *dir, pm_ddp_source *source)
{
    dir_source *d = pm_alloc_zeroed(1, sizeof *d);
    if (!d || !(d->dir = pm_strdup(dir))) {
        free(d);
        return PM_ERR_NOMEM;
    }
    *source = (pm_ddp_source){d, dir_size, dir_read, dir_list, dir_close};
    return PM_OK;
}

pm_status pm_ddp_source_memory(const pm_ddp_memfile *files, size_t count, pm_ddp_source *source)
{
    mem_source *m = pm_alloc_zeroed(1, sizeof *m);
    if (!m)
        return PM_ERR_NOMEM;
    m->files = files;
    m->file_count = count;
    m->names = pm_alloc_array(count ? count : 1, sizeof *m->names);
    if (!m->names) {
        free(m);
        return PM_ERR_NOMEM;
    }
    /* Plain names only, each once: as a folder would hold them. */
    for (size_t i = 0; i < count; i++) {
        const char *name = files[i].name;
        int usable = name && *name && !strchr(name, '/');
        for (size_t k = 0; usable && k < m->name_count; k++)
            usable = strcmp(m->names[k], name) != 0;
        if (usable)
            m->names[m->name_count++] = (char *)name;
    }
    if (m->name_count)
        qsort(m->names, m->name_count, sizeof *m->names, by_bytes);
    *source = (pm_ddp_source){m, mem_size, mem_read, mem_list, mem_close};
    return PM_OK;
}
