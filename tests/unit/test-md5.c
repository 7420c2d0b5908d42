/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MD5 (md5.h) against the test suite of RFC 1321, appendix A.5, fed whole and in odd pieces, its
 * sine table against sin(), and a message that crosses the padding boundary; CRC-32 (crc32.h)
 * against the standard check value of "123456789".
 */
#include "crc32.h"
#include "md5.h"

#include "../tap.h"

#include <math.h>
#include <string.h>

static void md5_is(const char *text, size_t piece, const char *expected, const char *name)
{
    pm_md5 h;
    pm_md5_init(&h);
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += piece)
        pm_md5_update(&h, text + i, n - i < piece ? n - i : piece);
    char hex[33];
    pm_md5_final(&h, hex);
    is_str(hex, expected, name);
}

int main(void)
{
    /* RFC 1321 appendix A.5, "MD5 test suite". */
    static const struct {
        const char *text, *md5;
    } suite[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "0",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof suite / sizeof suite[0]; i++) {
        char name[160];
        snprintf(name, sizeof name, "MD5 (\"%.40s%s\") (RFC 1321 A.5)", suite[i].text,
                 strlen(suite[i].text) > 40 ? "..." : "");
        md5_is(suite[i].text, 1000, suite[i].md5, name);
        snprintf(name, sizeof name, "the same, fed 1, 3 and 7 bytes at a time (%zu)", i + 1);
        md5_is(suite[i].text, 1, suite[i].md5, name);
        md5_is(suite[i].text, 3, suite[i].md5, name);
        md5_is(suite[i].text, 7, suite[i].md5, name);
    }
    /* 55, 56 and 64 bytes: the length still fits the last block, just does not, and a whole
     * block; the digests are those of coreutils' md5sum. */
    md5_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 5,
           "ef1772b6dff9a122358552954ad0df65", "55 bytes: padding in the same block");
    md5_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 5,
           "3b0c8ac703f828b04c6c197006d17218", "56 bytes: padding needs a second block");
    md5_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64,
           "014842d480b571495a4a0363793f7367", "64 bytes: a whole block");

    const uint32_t *t = pm_md5_sine_table();
    int same = 1;
    for (int i = 0; i < 64; i++)
        same &= t[i] == (uint32_t)floor(4294967296.0 * fabs(sin((double)(i + 1))));
    ok(same, "every T[i] is floor(2^32 |sin(i)|) (RFC 1321 3.4)");

    pm_crc32 c;
    pm_crc32_init(&c);
    pm_crc32_update(&c, "12345", 5);
    pm_crc32_update(&c, "6789", 4);
    is_int(pm_crc32_value(&c), 0xCBF43926, "CRC-32 of \"123456789\" is CBF43926, in two pieces");
    pm_crc32_init(&c);
    is_int(pm_crc32_value(&c), 0, "CRC-32 of nothing is 0");
    return done_testing();
}
