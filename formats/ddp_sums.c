/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checksum files beside a DDP fileset (ddp-notes.md 1.9): which files they are, and their lines.
 * None of them is part of DDP; each writer has its own name and layout. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "ddp_read.h"

static int contains_nocase(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++)
        if (strncasecmp(p, word, n) == 0)
            return 1;
    return 0;
}

static int ends_nocase(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcasecmp(text + n - m, suffix) == 0;
}

int pm_ddp_is_sum_name(const char *name)
{
    /* cue2ddp CHECKSUM.MD5 and CHECKSUM.TXT, Sonoris MD5-Checksum.md5, HOFA MD5_CHECKSUM.MD5,
     * WaveLab Checksum.txt; and SFV or .crc files of other tools. */
    return ends_nocase(name, ".md5") || ends_nocase(name, ".sfv") || ends_nocase(name, ".crc") ||
           contains_nocase(name, "checksum") || contains_nocase(name, "md5") ||
           contains_nocase(name, "crc");
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Whether text[0..n) is all hex digits. */
static int all_hex(const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_hex(text[i]))
            return 0;
    return 1;
}

/* A character that can be part of a file name token, for finding names in free-form lines. */
static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

static const char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static pm_status add(pm_ddp_sumfile *out, size_t *capacity, int line, pm_ddp_sum_kind kind,
                     const char *name, size_t name_length, const char *digest)
{
    /* A path in front of the name (md5sum run from the parent folder) is dropped: the entry is
     * about the file of that name beside DDPMS. Quotes around it too. */
    for (size_t i = name_length; i > 0; i--)
        if (name[i - 1] == '/' || name[i - 1] == '\\') {
            name += i;
            name_length -= i;
            break;
        }
    if (name_length >= 2 && name[0] == '"' && name[name_length - 1] == '"') {
        name++;
        name_length -= 2;
    }
    if (name_length == 0 || name_length >= sizeof out->sums[0].name)
        return PM_OK;
    if (pm_grow((void **)&out->sums, capacity, out->count, sizeof *out->sums))
        return PM_ERR_NOMEM;
    pm_ddp_sum *s = &out->sums[out->count++];
    memset(s, 0, sizeof *s);
    s->line = line;
    s->kind = kind;
    memcpy(s->name, name, name_length);
    size_t digits = kind == PM_DDP_SUM_MD5 ? 32 : 8;
    for (size_t i = 0; i < digits; i++)
        s->digest[i] = (char)tolower((unsigned char)digest[i]);
    return PM_OK;
}

/* The longest name of the folder that stands as a whole token in line. */
static const char *known_in(const char *line, char *const *known, size_t known_count)
{
    const char *best = NULL;
    for (size_t k = 0; k < known_count; k++) {
        size_t n = strlen(known[k]);
        if (best && n <= strlen(best))
            continue;
        for (const char *p = strstr(line, known[k]); p; p = strstr(p + 1, known[k]))
            if ((p == line || !name_char(p[-1])) && !name_char(p[n])) {
                best = known[k];
                break;
            }
    }
    return best;
}

/* One line; *crc_section says whether a "[CRC32 ...]" header came last. */
static pm_status parse_line(char *line, int number, int *crc_section, int sfv_file,
                            char *const *known, size_t known_count, pm_ddp_sumfile *out,
                            size_t *capacity)
{
    const char *t = trim(line);
    size_t n = strlen(t);
    if (n == 0 || t[0] == ';' || t[0] == '#')
        return PM_OK;
    if (t[0] == '[') {
        *crc_section = contains_nocase(t, "crc");
        return PM_OK;
    }
    /* md5sum: "<32 hex> *NAME" (binary) or "<32 hex>  NAME" (text), a leading backslash when the
     * name holds escapes (coreutils). */
    const char *m = t[0] == '\\' ? t + 1 : t;
    if (strlen(m) > 34 && all_hex(m, 32) && m[32] == ' ' && (m[33] == ' ' || m[33] == '*'))
        return add(out, capacity, number, PM_DDP_SUM_MD5, m + 34, strlen(m + 34), m);
    /* BSD: "MD5 (NAME) = <32 hex>". */
    if (strncasecmp(t, "MD5 (", 5) == 0 && n > 5 + 4 + 32 && all_hex(t + n - 32, 32) &&
        strncmp(t + n - 36, ") = ", 4) == 0)
        return add(out, capacity, number, PM_DDP_SUM_MD5, t + 5, n - 5 - 36, t + n - 32);
    /* "NAME=<hex>": cue2ddp's CRC-32 section (8 digits), and the same layout with an MD5. */
    const char *eq = strrchr(t, '=');
    if (eq && eq > t) {
        char left[512];
        size_t ln = (size_t)(eq - t) < sizeof left - 1 ? (size_t)(eq - t) : sizeof left - 1;
        memcpy(left, t, ln);
        left[ln] = '\0';
        char right[64];
        snprintf(right, sizeof right, "%s", eq + 1);
        const char *name = trim(left), *digest = trim(right);
        size_t dn = strlen(digest);
        if (dn == 32 && all_hex(digest, 32))
            return add(out, capacity, number, PM_DDP_SUM_MD5, name, strlen(name), digest);
        if (dn == 8 && all_hex(digest, 8))
            return add(out, capacity, number, PM_DDP_SUM_CRC32, name, strlen(name), digest);
    }
    /* SFV: "NAME <8 hex>", in .sfv/.crc files and CRC sections. */
    if ((sfv_file || *crc_section) && n > 9 && t[n - 9] == ' ' && all_hex(t + n - 8, 8)) {
        char copy[512];
        snprintf(copy, sizeof copy, "%.*s", (int)(n - 9), t);
        const char *name = trim(copy);
        return add(out, capacity, number, PM_DDP_SUM_CRC32, name, strlen(name), t + n - 8);
    }
    /* Anything else (Pyramix, Sequoia, SADiE, WaveLab ... whose layouts ddp-notes does not
     * give): a line holding a 32-digit MD5 and the name of a file of the folder. */
    for (size_t i = 0; i + 32 <= n; i++) {
        if ((i > 0 && isalnum((unsigned char)t[i - 1])) || !all_hex(t + i, 32) ||
            isalnum((unsigned char)t[i + 32]))
            continue;
        const char *name = known_in(t, known, known_count);
        if (name)
            return add(out, capacity, number, PM_DDP_SUM_MD5, name, strlen(name), t + i);
        break;
    }
    return PM_OK;
}

pm_status pm_ddp_sums_parse(const char *text, size_t size, const char *file_name,
                            char *const *known, size_t known_count, pm_ddp_sumfile *out)
{
    size_t capacity = out->count;
    int crc_section = 0;
    int sfv_file = ends_nocase(file_name, ".sfv") || ends_nocase(file_name, ".crc");
    int number = 0;
    size_t start = 0;
    while (start < size) {
        size_t end = start;
        while (end < size && text[end] != '\n')
            end++;
        number++;
        /* Lines longer than any checksum line are skipped whole; CR before LF (HOFA) dropped;
         * a NUL inside a line ends it. */
        char line[1024];
        size_t n = end - start;
        if (n < sizeof line) {
            memcpy(line, text + start, n);
            line[n] = '\0';
            char *cr = strchr(line, '\r');
            if (cr)
                *cr = '\0';
            pm_status status = parse_line(line, number, &crc_section, sfv_file, known,
                                          known_count, out, &capacity);
            if (status != PM_OK)
                return status;
        }
        start = end + 1;
    }
    return PM_OK;
}
