/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Identification codes: ISRC (ISO 3901) and UPC-A / EAN-13 (the CD's Media Catalog Number).
 * Each check returns 0 when the code is good, or a negative reason the caller words for the user.
 */
#ifndef PM_CODES_H
#define PM_CODES_H

typedef enum pm_code_problem {
    PM_CODE_OK = 0,
    PM_CODE_LENGTH = -1,      /* wrong number of characters (ISRC: after dashes are dropped) */
    PM_CODE_CHARACTER = -2,   /* a character not allowed at its position */
    PM_CODE_LOWERCASE = -3,   /* ISRC only: lowercase letters; the uppercase form is valid */
    PM_CODE_CHECK_DIGIT = -4  /* UPC/EAN only: the check digit does not match */
} pm_code_problem;

/*
 * Normalise an ISRC: drop dashes (and spaces), and check the 12 characters: 2 letters (country),
 * 3 letters or digits (registrant), 2 digits (year), 5 digits (designation). out (13 bytes)
 * receives the 12 characters even on PM_CODE_LOWERCASE, there in uppercase, so the message can
 * suggest the right form; it is always NUL-terminated.
 */
pm_code_problem pm_isrc_normalize(const char *text, char out[13]);

/*
 * Normalise a UPC-A (12 digits) or EAN-13 (13 digits) to the 13-digit MCN (a UPC-A gets a leading
 * 0) and verify the GS1 mod-10 check digit. out (14 bytes) receives the 13 digits, and
 * *expected_check the check digit the first 12 call for (on PM_CODE_CHECK_DIGIT, for the message).
 */
pm_code_problem pm_upc_normalize(const char *text, char out[14], int *expected_check);

/* The GS1 check digit of the first 12 digits of an EAN-13. */
int pm_ean13_check_digit(const char digits[12]);

#endif
