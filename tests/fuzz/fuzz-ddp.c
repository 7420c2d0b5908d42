/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the DDP reader (formats/ddp_read.h): a whole fileset per input, read,
 * verified (checksums and the image's content included), laid out and printed as text and as
 * JSON. Built with `configure CC=clang --enable-fuzzers` as tests/fuzz/fuzz-ddp; in every build
 * tests/fuzz/replay-ddp runs the seed corpus (tests/fuzz/corpus/ddp) through this same function.
 *
 * Input: a small archive of files. Per file: its name and a NUL; its size and the count of its
 * bytes stored here, 4 bytes each, little-endian; then those bytes. The rest of a file reads as
 * zeros, so that an input of a few hundred bytes can describe a 1500-sector IMAGE.DAT. Sizes are
 * capped at 4 MiB, to keep each run quick. `tests/mkddp --seed FILE VARIANT` writes one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddp_read.h"
#include "premaster.h"

#define MAX_FILES 16
#define MAX_NAME 64
#define MAX_SIZE (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char names[MAX_FILES][MAX_NAME];
    pm_ddp_memfile files[MAX_FILES];
    size_t count = 0, at = 0;
    while (count < MAX_FILES && at < size) {
        size_t n = 0;
        while (at + n < size && data[at + n] && n < MAX_NAME - 1)
            n++;
        if (at + n >= size || data[at + n] != 0 || size - (at + n + 1) < 8)
            break;
        memcpy(names[count], data + at, n);
        names[count][n] = '\0';
        at += n + 1;
        uint32_t declared = le32(data + at), stored = le32(data + at + 4);
        at += 8;
        if (stored > size - at)
            stored = (uint32_t)(size - at);
        if (declared > MAX_SIZE)
            declared = MAX_SIZE;
        if (stored > declared)
            stored = declared;
        files[count] = (pm_ddp_memfile){names[count], data + at, stored, declared};
        at += stored;
        count++;
    }
    pm_diag *diag = pm_diag_new();
    pm_ddp *ddp = NULL;
    if (pm_ddp_read_memory(files, count, diag, &ddp) != PM_ERR_NOMEM && ddp) {
        if (pm_ddp_verify(ddp, diag) == PM_ERR_INTERNAL)
            __builtin_trap();
        char *text = pm_ddp_to_text(ddp);
        char *json = pm_ddp_to_json(ddp);
        free(text);
        free(json);
    }
    /* Every diagnostic formats: no message may hold what it cannot print. */
    for (size_t i = 0; i < pm_diag_count(diag); i++)
        free(pm_diag_format(pm_diag_get(diag, i)));
    pm_ddp_free(ddp);
    pm_diag_free(diag);
    return 0;
}
