/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the DDP reader (built with --enable-fuzzers, clang only):
 *   build/tests/fuzz/fuzz-ddp -max_len=65536 NEW-CORPUS tests/fuzz/corpus/ddp
 * Each input is a whole fileset (ddp-archive.h), read, verified (checksums and the image's
 * content included) and printed as text and as JSON. Any input must be read or refused without
 * touching memory outside it (AddressSanitizer is on), and a refusal always says why. `make
 * check` replays the corpus in an ordinary build (tests/unit/test-ddp-corpus).
 */
#include <stdint.h>
#include <stdlib.h>

#include "ddp-archive.h"
#include "ddp_read.h"
#include "premaster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddp_archive a;
    ddp_archive_parse(data, size, &a);
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    pm_status s = pm_ddp_read_memory(a.files, a.count, diag, &ddp);
    if ((s != PM_OK && s != PM_ERR_INVALID && s != PM_ERR_NOMEM) || (s == PM_OK && !ddp))
        abort();
    if (ddp) {
        pm_status v = pm_ddp_verify(ddp, diag);
        if (v != PM_OK && v != PM_ERR_INVALID && v != PM_ERR_NOMEM)
            abort();
        free(pm_ddp_to_text(ddp));
        free(pm_ddp_to_json(ddp));
        s = s == PM_OK ? v : s;
    }
    if (s == PM_ERR_INVALID && pm_diag_count_severity(diag, PM_SEV_ERROR) == 0)
        abort(); /* a refusal always says why */
    for (size_t i = 0; i < pm_diag_count(diag); i++)
        free(pm_diag_format(pm_diag_get(diag, i)));
    pm_ddp_free(ddp);
    pm_diag_free(diag);
    return 0;
}
