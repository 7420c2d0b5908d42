/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Replays the DDP fuzz corpus (tests/fuzz/corpus/ddp, inputs in the format of
 * tests/fuzz/ddp-archive.h) through the reader and the verifier in an ordinary build, one test per
 * file: good.NNN.* must read and verify without an error, bad.NNN.* must be refused with an error
 * naming a file, and every file, whole and cut short at 16 points (truncated files are what a
 * reader meets most), must be read or refused without a crash. Under --enable-sanitizers this is
 * the fuzz target's check without libFuzzer.
 */
#include "ddp_read.h"
#include "premaster.h"

#include "../fuzz/ddp-archive.h"
#include "fsutil.h"

#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1 << 20)

/* Read and verify; the status, and the diag in *out (caller frees). */
static pm_status check(const uint8_t *data, size_t size, pm_diag **out)
{
    ddp_archive a;
    ddp_archive_parse(data, size, &a);
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    pm_status s = pm_ddp_read_memory(a.files, a.count, diag, &ddp);
    if (ddp) {
        pm_status v = pm_ddp_verify(ddp, diag);
        char *text = pm_ddp_to_text(ddp), *json = pm_ddp_to_json(ddp);
        if (!text || !json)
            v = PM_ERR_NOMEM;
        free(text);
        free(json);
        s = s == PM_OK ? v : s;
    }
    pm_ddp_free(ddp);
    *out = diag;
    return s;
}

static const char *first_error(const pm_diag *diag)
{
    for (size_t i = 0; i < pm_diag_count(diag); i++)
        if (pm_diag_get(diag, i)->severity == PM_SEV_ERROR)
            return pm_diag_get(diag, i)->message;
    return "";
}

static void replay(const char *dir, const char *name, uint8_t *buf)
{
    char path[4096 + 512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        ok(0, "%s: cannot be opened", name);
        return;
    }
    size_t size = fread(buf, 1, MAX_FILE, f);
    fclose(f);
    pm_diag *found;
    pm_status s = check(buf, size, &found);
    if (strncmp(name, "good.", 5) == 0) {
        if (!ok(s == PM_OK, "%s: reads and verifies (%zu bytes)", name, size))
            diag("status %d: %s", s, first_error(found));
    } else if (strncmp(name, "bad.", 4) == 0) {
        int named = 0;
        for (size_t i = 0; i < pm_diag_count(found); i++)
            named |= pm_diag_get(found, i)->severity == PM_SEV_ERROR &&
                     pm_diag_get(found, i)->file != NULL;
        ok(s == PM_ERR_INVALID && named, "%s: refused, naming a file: %s", name,
           first_error(found));
    } else {
        ok(s == PM_OK || s == PM_ERR_INVALID, "%s: read or refused (%zu bytes)", name, size);
    }
    pm_diag_free(found);
    int survived = 1;
    for (int k = 0; k < 16; k++) {
        s = check(buf, size * (size_t)k / 16, &found);
        survived &= s == PM_OK || s == PM_ERR_INVALID;
        survived &= s == PM_OK || pm_diag_count_severity(found, PM_SEV_ERROR) > 0;
        pm_diag_free(found);
    }
    ok(survived, "%s: cut short at 16 points, read or refused with a reason each time", name);
}

int main(void)
{
    const char *src = getenv("TESTS_SRCDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/ddp", src ? src : "tests");
    /* the corpus files, sorted by name (fsutil.h lists a folder as the manifest does) */
    char **names = NULL;
    size_t count = 0;
    if (pm_list_files(dir, &names, &count) != PM_OK)
        bail_out("cannot list the corpus %s (set TESTS_SRCDIR to the tests folder)", dir);
    size_t good = 0, bad = 0;
    for (size_t i = 0; i < count; i++) {
        good += strncmp(names[i], "good.", 5) == 0;
        bad += strncmp(names[i], "bad.", 4) == 0;
    }
    ok(good >= 5 && bad >= 5, "the corpus holds %zu good and %zu bad inputs, %zu in all", good,
       bad, count);
    uint8_t *buf = malloc(MAX_FILE);
    if (!buf)
        bail_out("out of memory");
    for (size_t i = 0; i < count; i++) {
        replay(dir, names[i], buf);
    }
    free(buf);
    pm_free_names(names, count);
    return done_testing();
}
