/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DDP fuzzing corpus replayed in a normal build (make check): every input of
 * tests/fuzz/corpus/ddp through the fuzz target's entry point (fuzz-ddp.c), whole and cut short
 * at 16 points, since truncated files are what the reader meets most. A crash fails the test;
 * in a build with --enable-sanitizers, so does any memory error.
 *
 *   replay-ddp [DIR]    DIR defaults to $TESTS_SRCDIR/fuzz/corpus/ddp
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    char dir[4096];
    const char *src = getenv("TESTS_SRCDIR");
    if (argc > 1)
        snprintf(dir, sizeof dir, "%s", argv[1]);
    else
        snprintf(dir, sizeof dir, "%s/fuzz/corpus/ddp", src ? src : "tests");
    DIR *d = opendir(dir);
    if (!d)
        bail_out("cannot open the corpus %s", dir);
    char *names[1024];
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < 1024)
        if (e->d_name[0] != '.')
            names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, count, sizeof *names, by_name);
    ok(count >= 8, "the corpus holds %zu inputs", count);
    for (size_t i = 0; i < count; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        unsigned char *data = malloc(1 << 20);
        size_t n = f && data ? fread(data, 1, 1 << 20, f) : 0;
        if (f)
            fclose(f);
        int read = f && data;
        if (read) {
            LLVMFuzzerTestOneInput(data, n);
            for (int k = 0; k < 16; k++)
                LLVMFuzzerTestOneInput(data, n * (size_t)k / 16);
        }
        ok(read, "%s, whole and cut short at 16 points (%zu bytes)", names[i], n);
        free(data);
        free(names[i]);
    }
    return done_testing();
}
