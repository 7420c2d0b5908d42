/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the strict JSON reader (built with --enable-fuzzers, clang only):
 *   build/tests/fuzz/fuzz-json -max_len=4096 tests/fuzz/corpus/json
 * Any input must be read or refused with a message, without touching memory outside it
 * (AddressSanitizer is on); what is read, written again, must read back to the same tree.
 * `make check` replays the corpus in an ordinary build (tests/unit/test-json-corpus).
 */
#include <stdint.h>
#include <stdlib.h>

#include "json-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int accepted;
    if (!json_check((const char *)data, size, &accepted))
        abort();
    return 0;
}
