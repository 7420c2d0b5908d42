/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SHA-256 (sha256.h) against the FIPS 180-4 examples and a million 'a's, fed in odd pieces. */
#include "sha256.h"

#include "../tap.h"

#include <string.h>

static void digest_is(const char *text, size_t repeat, size_t piece, const char *expected,
                      const char *name)
{
    pm_sha256 h;
    pm_sha256_init(&h);
    size_t n = strlen(text);
    for (size_t r = 0; r < repeat; r++)
        for (size_t i = 0; i < n; i += piece)
            pm_sha256_update(&h, text + i, n - i < piece ? n - i : piece);
    char hex[65];
    pm_sha256_final(&h, hex);
    is_str(hex, expected, name);
}

int main(void)
{
    digest_is("", 1, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "the empty message");
    digest_is("abc", 1, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "\"abc\" (FIPS 180-4 example)");
    digest_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, 7,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
              "the 448-bit example, in pieces of 7 bytes");
    digest_is("aaaaaaaaaa", 100000, 3,
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
              "a million 'a's");
    return done_testing();
}
