/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fsutil.h"

int pm_path_join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) {
        if (size)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

void pm_temp_name(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(out, size, "%.*s/.%s.tmp", (int)(slash - path), path, slash + 1);
    else
        snprintf(out, size, ".%s.tmp", path);
}

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

pm_status pm_commit_file(const char *temp, const char *path, pm_diag *diag)
{
    if (sync_file(temp) != 0 || rename(temp, path) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot be finished (%s): %s", temp,
                    strerror(errno));
        unlink(temp);
        return PM_ERR_IO;
    }
    return PM_OK;
}

pm_status pm_write_file_atomic(const char *path, const void *data, size_t size, pm_diag *diag)
{
    char temp[4096];
    pm_temp_name(path, temp, sizeof temp);
    FILE *f = fopen(temp, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        pm_diag_add(diag, PM_SEV_ERROR, path, 0, NULL, "cannot be written: %s", strerror(errno));
        unlink(temp);
        return PM_ERR_IO;
    }
    return pm_commit_file(temp, path, diag);
}

pm_status pm_read_file(const char *path, char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return PM_ERR_IO;
    size_t capacity = 65536, n = 0;
    char *buf = pm_alloc_array(capacity + 1, 1);
    while (buf) {
        size_t got = fread(buf + n, 1, capacity - n, f);
        n += got;
        if (n < capacity)
            break;
        char *bigger = pm_realloc_array(buf, capacity * 2 + 1, 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        capacity *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return PM_ERR_NOMEM;
    if (failed) {
        free(buf);
        return PM_ERR_IO;
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return PM_OK;
}

pm_status pm_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? PM_OK : PM_ERR_IO;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 ? PM_OK : PM_ERR_IO;
    DIR *d = opendir(path);
    if (!d)
        return PM_ERR_IO;
    pm_status status = PM_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *child = pm_alloc_array(n, 1);
        if (!child) {
            status = PM_ERR_NOMEM;
            break;
        }
        snprintf(child, n, "%s/%s", path, e->d_name);
        if (pm_remove_tree(child) != PM_OK)
            status = PM_ERR_IO;
        free(child);
    }
    closedir(d);
    if (status == PM_OK && rmdir(path) != 0)
        status = PM_ERR_IO;
    return status;
}

void pm_free_names(char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++)
        free(names[i]);
    free(names);
}

typedef struct name_list {
    char **names;
    size_t count, capacity;
} name_list;

static pm_status walk(const char *root, const char *relative, name_list *list)
{
    size_t n = strlen(root) + strlen(relative) + 2;
    char *dir = pm_alloc_array(n, 1);
    if (!dir)
        return PM_ERR_NOMEM;
    snprintf(dir, n, "%s%s%s", root, *relative ? "/" : "", relative);
    DIR *d = opendir(dir);
    free(dir);
    if (!d)
        return PM_ERR_IO;
    pm_status status = PM_OK;
    struct dirent *e;
    while (status == PM_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t m = strlen(relative) + strlen(e->d_name) + 2;
        char *rel = pm_alloc_array(m, 1);
        if (!rel) {
            status = PM_ERR_NOMEM;
            break;
        }
        snprintf(rel, m, "%s%s%s", relative, *relative ? "/" : "", e->d_name);
        size_t full_n = strlen(root) + m + 1;
        char *full = pm_alloc_array(full_n, 1);
        struct stat st;
        if (full)
            snprintf(full, full_n, "%s/%s", root, rel);
        if (full && lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            status = walk(root, rel, list);
            free(rel);
        } else if (pm_grow((void **)&list->names, &list->capacity, list->count,
                           sizeof *list->names) == 0) {
            list->names[list->count++] = rel;
        } else {
            free(rel);
            status = PM_ERR_NOMEM;
        }
        free(full);
    }
    closedir(d);
    return status;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

pm_status pm_list_files(const char *dir, char ***names, size_t *count)
{
    name_list list = {0};
    pm_status status = walk(dir, "", &list);
    if (status != PM_OK) {
        pm_free_names(list.names, list.count);
        *names = NULL;
        *count = 0;
        return status;
    }
    if (list.count)
        qsort(list.names, list.count, sizeof *list.names, by_bytes);
    *names = list.names;
    *count = list.count;
    return PM_OK;
}
