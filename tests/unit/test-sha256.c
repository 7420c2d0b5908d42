/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SHA-256 (sha256.h) against the FIPS 180-4 examples and a million 'a's, fed in odd pieces, by
 * both compression functions; then the fast one (the SHA extensions, where the CPU has them)
 * against the portable reference on random data of every length to 1000 bytes, split across
 * update calls at awkward points, and 10 MB at once.
 */
#include "sha256.h"

#include "../tap.h"

#include <stdlib.h>
#include <string.h>

/* The portable reference, or the hasher pm_sha256_init picks for this CPU. */
static void start(pm_sha256 *h, int portable)
{
    if (portable)
        pm_sha256_init_portable(h);
    else
        pm_sha256_init(h);
}

/* The digest of data fed in pieces of the sizes in pieces[], cycled, by either hasher. */
static void digest_in_pieces(int portable, const unsigned char *data, size_t size,
                             const size_t *pieces, size_t piece_count, char hex[65])
{
    pm_sha256 h;
    start(&h, portable);
    for (size_t i = 0, k = 0; i < size; k = (k + 1) % piece_count) {
        size_t n = size - i < pieces[k] ? size - i : pieces[k];
        pm_sha256_update(&h, data + i, n);
        i += n;
    }
    pm_sha256_final(&h, hex);
}

static void digest_is(int portable, const char *text, size_t repeat, size_t piece,
                      const char *expected, const char *name)
{
    pm_sha256 h;
    start(&h, portable);
    size_t n = strlen(text);
    for (size_t r = 0; r < repeat; r++)
        for (size_t i = 0; i < n; i += piece)
            pm_sha256_update(&h, text + i, n - i < piece ? n - i : piece);
    char hex[65];
    pm_sha256_final(&h, hex);
    is_str(hex, expected, name);
}

static void fips_examples(int portable)
{
    const char *by = portable ? "portable" : "chosen";
    char name[200];
    snprintf(name, sizeof name, "%s: the empty message", by);
    digest_is(portable, "", 1, 1,
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", name);
    snprintf(name, sizeof name, "%s: \"abc\" (FIPS 180-4 example)", by);
    digest_is(portable, "abc", 1, 1,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", name);
    snprintf(name, sizeof name, "%s: the 448-bit example, in pieces of 7 bytes", by);
    digest_is(portable, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, 7,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", name);
    snprintf(name, sizeof name, "%s: the 896-bit example (two blocks of message)", by);
    digest_is(portable,
              "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
              "nopqrlmnopqrsmnopqrstnopqrstu",
              1, 1000, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", name);
    snprintf(name, sizeof name, "%s: a million 'a's", by);
    digest_is(portable, "aaaaaaaaaa", 100000, 3,
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", name);
}

/* Both hashers agree on data[0..size) fed in the given pieces; names the first disagreement. */
static int agree(const unsigned char *data, size_t size, const size_t *pieces, size_t count)
{
    char reference[65], fast[65];
    digest_in_pieces(1, data, size, pieces, count, reference);
    digest_in_pieces(0, data, size, pieces, count, fast);
    if (strcmp(reference, fast) == 0)
        return 1;
    diag("%zu bytes in pieces of %zu...: portable %s, chosen %s", size, pieces[0], reference, fast);
    return 0;
}

int main(void)
{
    if (pm_sha256_accelerated())
        diag("this CPU has the SHA extensions: the chosen hasher uses them");
    else
        diag("this CPU (or this build) has no SHA extensions: the chosen hasher is the portable "
             "one, and only the portable path is tested");
    fips_examples(1);
    fips_examples(0);

    uint64_t rng = tap_seed();
    enum { BIG = 10 * 1000 * 1000 };
    unsigned char *data = malloc(BIG);
    if (!data)
        bail_out("cannot allocate %d bytes", BIG);
    for (size_t i = 0; i < BIG; i += 8) {
        uint64_t r = tap_rand(&rng);
        memcpy(data + i, &r, BIG - i < 8 ? BIG - i : 8);
    }

    int same = 1;
    for (size_t size = 0; size <= 1000 && same; size++) {
        const size_t whole[] = {size ? size : 1};
        same = agree(data, size, whole, 1);
    }
    ok(same, "random data of every length 0..1000 in one update: the same digests");

    /* pieces that straddle, fill and overshoot a block, and a misaligned start each time */
    static const size_t splits[][4] = {
        {1}, {63}, {64}, {65}, {127}, {129}, {4097}, {1, 64, 3, 128}, {63, 65, 4097, 7}};
    static const size_t split_counts[] = {1, 1, 1, 1, 1, 1, 1, 4, 4};
    for (size_t s = 0; s < sizeof split_counts / sizeof *split_counts; s++) {
        int all = 1;
        for (size_t size = 0; size <= 1000 && all; size += 37)
            all = agree(data + 1, size, splits[s], split_counts[s]);
        all = all && agree(data + 3, 100000, splits[s], split_counts[s]);
        ok(all, "random data in update calls of %zu byte%s%s: the same digests", splits[s][0],
           splits[s][0] == 1 ? "" : "s", split_counts[s] > 1 ? " and other sizes in turn" : "");
    }

    const size_t random_pieces[] = {(size_t)tap_rand_below(&rng, 300) + 1,
                                    (size_t)tap_rand_below(&rng, 5000) + 1,
                                    (size_t)tap_rand_below(&rng, 70) + 1};
    ok(agree(data + 5, 1000000, random_pieces, 3),
       "a megabyte in update calls of %zu, %zu and %zu bytes: the same digests", random_pieces[0],
       random_pieces[1], random_pieces[2]);

    const size_t all_at_once[] = {BIG};
    ok(agree(data, BIG, all_at_once, 1), "10 MB in one update: the same digests");
    free(data);
    return done_testing();
}
