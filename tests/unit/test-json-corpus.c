/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Replays the JSON fuzz corpus (tests/fuzz/corpus/json) through the reader in an ordinary
 * build, one test per file: good.NNN.* must be read, bad.NNN.* refused with a message, and
 * every file, whole and cut short at every byte, read or refused as json-check.h says. Under
 * --enable-sanitizers this is the fuzz target's check without libFuzzer.
 */
#include "fsutil.h"

#include "../fuzz/json-check.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    const char *srcdir = getenv("TESTS_SRCDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/json", srcdir ? srcdir : "tests");
    char **names = NULL;
    size_t count = 0;
    if (pm_list_files(dir, &names, &count) != PM_OK)
        bail_out("cannot list the corpus %s (set TESTS_SRCDIR to the tests folder)", dir);
    ok(count >= 16, "the corpus holds %zu files", count);
    for (size_t i = 0; i < count; i++) {
        char path[4096 + 512], *data = NULL;
        size_t size = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (pm_read_file(path, &data, &size) != PM_OK) {
            ok(0, "%s: cannot be read", names[i]);
            continue;
        }
        int accepted = 0, behaved = json_check(data, size, &accepted);
        if (strncmp(names[i], "good.", 5) == 0)
            ok(behaved && accepted, "%s: read, and written again reads the same", names[i]);
        else if (strncmp(names[i], "bad.", 4) == 0)
            ok(behaved && !accepted, "%s: refused with a message", names[i]);
        else
            ok(behaved, "%s: read or refused", names[i]);
        int cut_ok = 1;
        for (size_t n = 0; n < size && cut_ok; n++)
            cut_ok = json_check(data, n, &accepted);
        ok(cut_ok, "%s: cut short at each of its %zu bytes, read or refused", names[i], size);
        free(data);
    }
    pm_free_names(names, count);
    return done_testing();
}
