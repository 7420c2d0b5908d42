/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the CD-TEXT decoder (built with --enable-fuzzers, clang only):
 *   build/tests/fuzz/fuzz-cdtext -max_len=4096 tests/fuzz/corpus/cdtext
 * Any input must be decoded or refused without touching memory outside it (AddressSanitizer is
 * on). What decodes, and what the encoder then takes, must encode to packs that decode to the
 * same texts: the decoder and encoder agree on every layout the fuzzer finds. `make check`
 * replays the corpus in an ordinary build (tests/unit/test-cdtext-corpus).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdtext.h"

#include "../unit/cdtext-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_diag *diag = pm_diag_new();
    pm_cdtext_decoded *d = NULL;
    pm_status s = pm_cdtext_decode(data, size, "fuzz", &d, diag);
    if ((s == PM_OK) != (d != NULL) || (s != PM_OK && s != PM_ERR_INVALID && s != PM_ERR_NOMEM))
        abort();
    if (s == PM_ERR_INVALID && pm_diag_count(diag) == 0)
        abort(); /* a refusal always says why */
    if (d && d->blocks[0].char_code != PM_CDTEXT_MSJIS) {
        pm_cdtext_input in;
        unsigned char *again = NULL;
        size_t again_size = 0;
        cdtext_input_from_decoded(d, &in);
        if (pm_cdtext_encode(&in, &again, &again_size, NULL) == PM_OK) {
            pm_cdtext_decoded *d2 = NULL;
            char why[512];
            if (pm_cdtext_decode(again, again_size, "again", &d2, NULL) != PM_OK ||
                !cdtext_matches(d2, &in, why, sizeof why))
                abort();
            pm_cdtext_decoded_free(d2);
            free(again);
        }
    }
    pm_cdtext_decoded_free(d);
    pm_diag_free(diag);
    return 0;
}
