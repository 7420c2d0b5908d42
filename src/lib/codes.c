/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "codes.h"

#include <ctype.h>
#include <string.h>

pm_code_problem pm_isrc_normalize(const char *text, char out[13])
{
    size_t n = 0;
    int lowercase = 0;
    for (const char *p = text; *p; p++) {
        /* Dashes and spaces are presentation only (IFPI ISRC handbook, 4.8). */
        if (*p == '-' || *p == ' ')
            continue;
        if (n == 12) {
            out[12] = '\0';
            return PM_CODE_LENGTH;
        }
        unsigned char c = (unsigned char)*p;
        if (islower(c)) {
            lowercase = 1;
            c = (unsigned char)toupper(c);
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (n != 12)
        return PM_CODE_LENGTH;
    for (size_t i = 0; i < 12; i++) {
        unsigned char c = (unsigned char)out[i];
        int ok;
        if (i < 2)
            ok = c >= 'A' && c <= 'Z';
        else if (i < 5)
            ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        else
            ok = c >= '0' && c <= '9';
        if (!ok)
            return PM_CODE_CHARACTER;
    }
    return lowercase ? PM_CODE_LOWERCASE : PM_CODE_OK;
}

int pm_ean13_check_digit(const char digits[12])
{
    /* GS1 mod 10: weights 1, 3, 1, 3 ... from the left over the first 12 digits of an EAN-13. */
    int sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (digits[i] - '0') * (i % 2 ? 3 : 1);
    return (10 - sum % 10) % 10;
}

pm_code_problem pm_upc_normalize(const char *text, char out[14], int *expected_check)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            return n == 12 || n == 13 ? PM_CODE_CHARACTER : PM_CODE_LENGTH;
    if (n == 12) {
        out[0] = '0';
        memcpy(out + 1, text, 12);
    } else if (n == 13) {
        memcpy(out, text, 13);
    } else {
        return PM_CODE_LENGTH;
    }
    out[13] = '\0';
    int check = pm_ean13_check_digit(out);
    if (expected_check)
        *expected_check = check;
    return out[12] - '0' == check ? PM_CODE_OK : PM_CODE_CHECK_DIGIT;
}
