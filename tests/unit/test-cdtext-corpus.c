/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Replays the CD-TEXT fuzz corpus (tests/fuzz/corpus/cdtext) through the decoder in an ordinary
 * build, one test per file: good.NNN.* must decode, bad.NNN.* must be refused with a message
 * naming a pack or the size, and any other file (one a fuzzer added) must be decoded or refused
 * without a crash. Under --enable-sanitizers this is the fuzz target's check without libFuzzer.
 */
#include "cdtext.h"

#include "fsutil.h"

#include "../tap.h"
#include "cdtext-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1 << 20)

static void replay(const char *dir, const char *name, unsigned char *buf)
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

    pm_diag *dg = pm_diag_new();
    pm_cdtext_decoded *d = NULL;
    pm_status s = pm_cdtext_decode(buf, size, name, &d, dg);
    const char *first = pm_diag_count(dg) ? pm_diag_get(dg, 0)->message : "";
    if (strncmp(name, "good.", 5) == 0) {
        if (!ok(s == PM_OK && d, "%s: decodes (%zu bytes)", name, size))
            diag("status %d: %s", s, first);
        /* What was decoded encodes and decodes again to the same texts, where the texts are
         * ones the encoder takes (not MS-JIS). */
        if (d && d->blocks[0].char_code != PM_CDTEXT_MSJIS) {
            pm_cdtext_input in;
            unsigned char *again = NULL;
            size_t again_size = 0;
            pm_cdtext_decoded *d2 = NULL;
            char why[512] = "";
            cdtext_input_from_decoded(d, &in);
            pm_status e = pm_cdtext_encode(&in, &again, &again_size, NULL);
            ok(e == PM_OK && pm_cdtext_decode(again, again_size, name, &d2, NULL) == PM_OK &&
                   cdtext_matches(d2, &in, why, sizeof why),
               "%s: encoded again, decodes to the same texts%s%s", name, *why ? ": " : "", why);
            pm_cdtext_decoded_free(d2);
            free(again);
        }
    } else if (strncmp(name, "bad.", 4) == 0) {
        int named = strstr(first, "CD-TEXT pack ") || strstr(first, "bytes") ||
                    strstr(first, "no packs");
        if (!ok(s == PM_ERR_INVALID && !d && named, "%s: refused, naming the pack", name))
            diag("status %d: %s", s, first);
        else
            diag("%s", first);
    } else {
        ok(s == PM_OK || s == PM_ERR_INVALID, "%s: decoded or refused (%d)", name, s);
    }
    pm_cdtext_decoded_free(d);
    pm_diag_free(dg);
}

int main(void)
{
    const char *srcdir = getenv("TESTS_SRCDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/cdtext", srcdir ? srcdir : "tests");
    /* the corpus files, sorted by name (fsutil.h lists a folder as the manifest does) */
    char **names = NULL;
    size_t count = 0;
    if (pm_list_files(dir, &names, &count) != PM_OK)
        bail_out("cannot list the corpus %s (set TESTS_SRCDIR to the tests folder)", dir);
    unsigned char *buf = malloc(MAX_FILE);
    if (!buf)
        bail_out("out of memory");
    ok(count >= 20, "the corpus holds %zu files", count);
    for (size_t i = 0; i < count; i++) {
        replay(dir, names[i], buf);
    }
    pm_free_names(names, count);
    free(buf);
    return done_testing();
}
