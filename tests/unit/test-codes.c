/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Identification codes (codes.h): ISRC normalisation (ISO 3901: CC-XXX-YY-NNNNN) and the UPC-A /
 * EAN-13 Media Catalog Number with its GS1 mod-10 check digit, including a seeded property test
 * that every single-digit error is caught.
 */
#include "codes.h"

#include "../tap.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *problem_name(int p)
{
    switch (p) {
    case PM_CODE_OK: return "PM_CODE_OK";
    case PM_CODE_LENGTH: return "PM_CODE_LENGTH";
    case PM_CODE_CHARACTER: return "PM_CODE_CHARACTER";
    case PM_CODE_LOWERCASE: return "PM_CODE_LOWERCASE";
    case PM_CODE_CHECK_DIGIT: return "PM_CODE_CHECK_DIGIT";
    default: return "(not a pm_code_problem)";
    }
}

static TAP_PRINTF(3, 4) int problem_is(int got, int expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int pass = tap_vok(__FILE__, __LINE__, got == expected, fmt, ap);
    va_end(ap);
    if (!pass)
        diag("got %s, expected %s", problem_name(got), problem_name(expected));
    return pass;
}

/* An ISRC that must be accepted, normalised to want (and with the status want_status). */
static void isrc_is(const char *text, int want_status, const char *want)
{
    char out[13];
    memset(out, '?', sizeof out);
    int r = pm_isrc_normalize(text, out);
    problem_is(r, want_status, "ISRC \"%s\": status", text);
    char name[96];
    snprintf(name, sizeof name, "ISRC \"%s\" normalises to %s", text, want);
    ok(memchr(out, '\0', sizeof out) != NULL, "ISRC \"%s\": out is a terminated string", text);
    out[12] = '\0';
    is_str(out, want, name);
}

static void isrc_problem(const char *text, int want_status)
{
    char out[13];
    problem_is(pm_isrc_normalize(text, out), want_status, "ISRC \"%s\": refused for its reason",
               text);
}

static void test_isrc(void)
{
    isrc_is("GB-EXM-26-00001", PM_CODE_OK, "GBEXM2600001");
    isrc_is("GBEXM2600001", PM_CODE_OK, "GBEXM2600001");
    isrc_is("GB EXM 26 00001", PM_CODE_OK, "GBEXM2600001");
    isrc_is("US-S1Z-99-00001", PM_CODE_OK, "USS1Z9900001"); /* registrant of letters and digits */
    isrc_is("GB1232600001", PM_CODE_OK, "GB1232600001");    /* registrant all digits */
    isrc_is("QZABC0099999", PM_CODE_OK, "QZABC0099999");

    /* Lowercase: refused, but out carries the uppercase form for the message. */
    isrc_is("gb-exm-26-00001", PM_CODE_LOWERCASE, "GBEXM2600001");
    isrc_is("Gbexm2600001", PM_CODE_LOWERCASE, "GBEXM2600001");
    isrc_is("GB-eXM-26-00001", PM_CODE_LOWERCASE, "GBEXM2600001");

    /* Wrong length once dashes and spaces are dropped. */
    isrc_problem("", PM_CODE_LENGTH);
    isrc_problem("----", PM_CODE_LENGTH);
    isrc_problem("GBEXM260001", PM_CODE_LENGTH);       /* 11 */
    isrc_problem("GB-EXM-26-0001", PM_CODE_LENGTH);    /* 11 */
    isrc_problem("GBEXM26000011", PM_CODE_LENGTH);     /* 13 */
    isrc_problem("GB-EXM-26-000012", PM_CODE_LENGTH);  /* 13 */
    isrc_problem("GBEXM2600001GBEXM2600001", PM_CODE_LENGTH);

    /* A character not allowed at its position, in each class of position. */
    isrc_problem("1BEXM2600001", PM_CODE_CHARACTER); /* digit in the country code */
    isrc_problem("G1EXM2600001", PM_CODE_CHARACTER);
    isrc_problem("GB#XM2600001", PM_CODE_CHARACTER); /* registrant: letters or digits only */
    isrc_problem("GBEX_2600001", PM_CODE_CHARACTER);
    isrc_problem("GBEXMA600001", PM_CODE_CHARACTER); /* letter in the year */
    isrc_problem("GBEXM2A00001", PM_CODE_CHARACTER);
    isrc_problem("GBEXM26A0001", PM_CODE_CHARACTER); /* letter in the designation */
    isrc_problem("GBEXM260000A", PM_CODE_CHARACTER);
    isrc_problem("GBEXM260000a", PM_CODE_CHARACTER); /* uppercasing would not make it valid */
    isrc_problem("GBEXM26.0001", PM_CODE_CHARACTER); /* punctuation other than dashes */

    /* Non-ASCII: refused one way or another (UTF-8 "É" is two bytes). */
    char out[13];
    ok(pm_isrc_normalize("GB\xc3\x89XM2600001", out) != PM_CODE_OK,
       "ISRC with a UTF-8 letter refused");
    ok(pm_isrc_normalize("GB\xc9XM2600001", out) != PM_CODE_OK,
       "ISRC with a Latin-1 letter refused");
}

static void upc_is(const char *text, const char *want)
{
    char out[14];
    int check = -1;
    memset(out, '?', sizeof out);
    problem_is(pm_upc_normalize(text, out, &check), PM_CODE_OK, "UPC/EAN \"%s\" accepted", text);
    char name[96];
    snprintf(name, sizeof name, "UPC/EAN \"%s\" normalises to %s", text, want);
    out[13] = '\0';
    is_str(out, want, name);
    snprintf(name, sizeof name, "UPC/EAN \"%s\": expected_check is its last digit", text);
    is_int(check, want[12] - '0', name);
}

static void upc_check_digit(const char *text, int want_check)
{
    char out[14];
    int check = -1;
    problem_is(pm_upc_normalize(text, out, &check), PM_CODE_CHECK_DIGIT,
               "UPC/EAN \"%s\": wrong check digit", text);
    char name[96];
    snprintf(name, sizeof name, "UPC/EAN \"%s\": the right check digit is %d", text, want_check);
    is_int(check, want_check, name);
}

static void upc_problem(const char *text, int want_status)
{
    char out[14];
    int check;
    problem_is(pm_upc_normalize(text, out, &check), want_status,
               "UPC/EAN \"%s\": refused for its reason", text);
}

static void test_upc(void)
{
    upc_is("0724384960650", "0724384960650");
    upc_is("0123456789012", "0123456789012");
    upc_is("5012345678900", "5012345678900");
    upc_is("4006381333931", "4006381333931");
    upc_is("9780306406157", "9780306406157"); /* an ISBN-13 is an EAN-13 */
    upc_is("724384960650", "0724384960650");  /* UPC-A gets a leading 0 */
    upc_is("036000291452", "0036000291452");
    upc_is("000000000000", "0000000000000");

    ok(pm_upc_normalize("0724384960650", (char[14]){0}, NULL) == PM_CODE_OK,
       "expected_check may be NULL");

    upc_check_digit("0724384960651", 0);
    upc_check_digit("0123456789010", 2);
    upc_check_digit("5012345678901", 0);
    upc_check_digit("724384960659", 0);
    upc_check_digit("036000291451", 2);
    upc_check_digit("1724384960650", 9); /* first digit changed */
    ok(pm_upc_normalize("0724384960651", (char[14]){0}, NULL) == PM_CODE_CHECK_DIGIT,
       "a wrong check digit is found with expected_check NULL too");

    upc_problem("072438496065A", PM_CODE_CHARACTER);
    upc_problem("A724384960650", PM_CODE_CHARACTER);
    upc_problem("07243849O0650", PM_CODE_CHARACTER); /* letter O for zero */
    upc_problem("72438496065X", PM_CODE_CHARACTER);
    ok(pm_upc_normalize("0724384960-650", (char[14]){0}, NULL) != PM_CODE_OK,
       "UPC/EAN \"0724384960-650\" refused");
    upc_problem("", PM_CODE_LENGTH);
    upc_problem("07243849606", PM_CODE_LENGTH);      /* 11 */
    upc_problem("07243849606500", PM_CODE_LENGTH);   /* 14 */
    upc_problem("9780306406", PM_CODE_LENGTH);       /* an ISBN-10 length */

    is_int(pm_ean13_check_digit("072438496065"), 0, "check digit of 072438496065");
    is_int(pm_ean13_check_digit("012345678901"), 2, "check digit of 012345678901");
    is_int(pm_ean13_check_digit("400638133393"), 1, "check digit of 400638133393");
    is_int(pm_ean13_check_digit("978030640615"), 7, "check digit of 978030640615");
}

/*
 * The GS1 check digit by the rule as GS1 words it, independently of the code under test: from
 * the right of the 12 data digits, weights 3, 1, 3, 1 ...; the check digit makes the sum a
 * multiple of ten.
 */
static int reference_check_digit(const char digits[12])
{
    int sum = 0;
    for (int from_right = 0; from_right < 12; from_right++)
        sum += (digits[11 - from_right] - '0') * (from_right % 2 == 0 ? 3 : 1);
    int check = 0;
    while ((sum + check) % 10 != 0)
        check++;
    return check;
}

static void test_random_codes(void)
{
    uint64_t rng = tap_seed();
    int bad_reference = 0, bad_accept = 0, bad_upca = 0, bad_detect = 0, bad_hint = 0;
    long changes = 0;
    for (int i = 0; i < 1000; i++) {
        char code[14];
        for (int k = 0; k < 12; k++)
            code[k] = (char)('0' + tap_rand_below(&rng, 10));
        /* Every tenth starts with 0 so that the UPC-A form is exercised often. */
        if (i % 10 == 0)
            code[0] = '0';
        int check = pm_ean13_check_digit(code);
        code[12] = (char)('0' + check);
        code[13] = '\0';

        if (check != reference_check_digit(code) && !bad_reference++)
            diag("first wrong: pm_ean13_check_digit(%.12s) = %d, GS1 says %d", code, check,
                 reference_check_digit(code));

        char out[14];
        int expected = -1;
        int r = pm_upc_normalize(code, out, &expected);
        if ((r != PM_CODE_OK || memcmp(out, code, 14) != 0 || expected != check) && !bad_accept++)
            diag("first wrong: %s with its own check digit gave %s", code, problem_name(r));

        if (code[0] == '0') {
            r = pm_upc_normalize(code + 1, out, &expected);
            if ((r != PM_CODE_OK || memcmp(out, code, 14) != 0) && !bad_upca++)
                diag("first wrong: UPC-A %s gave %s", code + 1, problem_name(r));
        }

        /* Every other value at every position, the check digit included. */
        for (int pos = 0; pos < 13; pos++) {
            char orig = code[pos];
            for (char d = '0'; d <= '9'; d++) {
                if (d == orig)
                    continue;
                changes++;
                code[pos] = d;
                expected = -1;
                r = pm_upc_normalize(code, out, &expected);
                if (r != PM_CODE_CHECK_DIGIT) {
                    if (!bad_detect++)
                        diag("first undetected: %s (digit %d of the valid code changed) gave %s",
                             code, pos + 1, problem_name(r));
                } else if (expected != reference_check_digit(code)) {
                    if (!bad_hint++)
                        diag("first wrong hint: %s: expected_check %d, should be %d", code,
                             expected, reference_check_digit(code));
                }
            }
            code[pos] = orig;
        }
    }
    ok(bad_reference == 0, "1000 random prefixes: check digit agrees with GS1's rule (%d wrong)",
       bad_reference);
    ok(bad_accept == 0, "1000 random codes with their check digit are accepted as they are (%d "
                        "wrong)", bad_accept);
    ok(bad_upca == 0, "those starting with 0 are accepted as 12-digit UPC-A too (%d wrong)",
       bad_upca);
    ok(bad_detect == 0, "every single-digit change (%ld of them) gives PM_CODE_CHECK_DIGIT (%d "
                        "missed)", changes, bad_detect);
    ok(bad_hint == 0, "and expected_check names the digit the changed code calls for (%d wrong)",
       bad_hint);
}

int main(void)
{
    test_isrc();
    test_upc();
    test_random_codes();
    return done_testing();
}
