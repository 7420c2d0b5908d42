/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cdsheets: the CD's text deliverables of a project (formats/cd_sheets.h), for the shell tests.
 *
 *   cdsheets cue PROJECT NAME [cdt]   <NAME>.cue on stdout (with CDTEXTFILE "<NAME>.cdt": cdt)
 *   cdsheets toc PROJECT NAME         <NAME>.toc on stdout
 *   cdsheets pq PROJECT               pq-sheet.txt on stdout
 *   cdsheets json PROJECT             the PQ figures as JSON on stdout
 *   cdsheets bin PROJECT FILE         FILE: a .bin of zeros of the program's size, IMAGE.DAT's
 *                                     less its first 150 sectors (leadout_cdf*2352 - 150*2352)
 *   cdsheets cdt PROJECT FILE         FILE: the project's CD-TEXT packs (formats/cdtext.h)
 *   cdsheets verify PROJECT CUE       read CUE back through libcdio: one line per check,
 *                                     "ok WHAT" or "FAILED WHAT", then the diagnostics
 *
 * The project is loaded as premaster loads it; its errors go to stderr with exit 1. A failed
 * check gives exit 1 as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cd_sheets.h"
#include "cdtext.h"

static void print_diag(const pm_diag *diag)
{
    for (size_t i = 0; i < pm_diag_count(diag); i++) {
        char *line = pm_diag_format(pm_diag_get(diag, i));
        if (line)
            fprintf(stderr, "%s\n", line);
        free(line);
    }
}

static int put_text(pm_status (*make)(const pm_project *, pm_strbuf *), const pm_project *p)
{
    pm_strbuf out;
    pm_strbuf_init(&out);
    pm_status s = make(p, &out);
    if (s == PM_OK)
        fwrite(out.data ? out.data : "", 1, out.length, stdout);
    else
        fprintf(stderr, "cdsheets: %s\n", pm_strerror(s));
    pm_strbuf_fini(&out);
    return s == PM_OK ? 0 : 1;
}

static int write_all(const char *path, const void *data, size_t size, off_t length)
{
    FILE *f = fopen(path, "wb");
    int bad = !f || (size && fwrite(data, 1, size, f) != size) ||
              (length > 0 && ftruncate(fileno(f), length) != 0);
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad)
        perror(path);
    return bad;
}

static int write_cdt(const pm_project *p, const char *path)
{
    pm_cdtext_input in;
    pm_diag *diag = pm_diag_new();
    unsigned char *packs = NULL;
    size_t size = 0;
    pm_status s = pm_cdtext_input_from_project(p, &in, diag);
    if (s == PM_OK)
        s = pm_cdtext_encode(&in, &packs, &size, diag);
    pm_cdtext_input_fini(&in);
    print_diag(diag);
    pm_diag_free(diag);
    int bad = s != PM_OK || write_all(path, packs, size, 0);
    free(packs);
    return bad;
}

static int verify(const pm_project *p, const char *cue)
{
    pm_format_check checks[32];
    size_t count = 0;
    pm_diag *diag = pm_diag_new();
    pm_status s = pm_cd_cue_verify(p, cue, checks, 32, &count, diag);
    int failed = s != PM_OK;
    for (size_t i = 0; i < count; i++) {
        printf("%s %s\n", checks[i].ok ? "ok" : "FAILED", checks[i].what);
        failed |= !checks[i].ok;
    }
    fflush(stdout);
    print_diag(diag);
    pm_diag_free(diag);
    return failed;
}

/* <NAME> for the cue and the TOC, which put_text's callbacks take from here. */
static const char *release_name;

static pm_status cue_plain(const pm_project *p, pm_strbuf *out)
{
    return pm_cd_cue_text(p, release_name, 0, out);
}

static pm_status cue_cdt(const pm_project *p, pm_strbuf *out)
{
    return pm_cd_cue_text(p, release_name, 1, out);
}

static pm_status toc(const pm_project *p, pm_strbuf *out)
{
    return pm_cd_toc_text(p, release_name, out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: cdsheets cue|toc|pq|json|bin|cdt|verify PROJECT [ARG [cdt]]\n", stderr);
        return 2;
    }
    const char *what = argv[1], *arg = argc > 3 ? argv[3] : NULL;
    pm_diag *diag = pm_diag_new();
    pm_project *p = NULL;
    pm_status s = pm_project_load(argv[2], diag, &p);
    if (s != PM_OK || !p || !p->plan || !p->plan->has_cd) {
        print_diag(diag);
        fprintf(stderr, "cdsheets: %s: no CD plan\n", argv[2]);
        pm_diag_free(diag);
        pm_project_free(p);
        return 1;
    }
    pm_diag_free(diag);
    release_name = arg;
    int rc = 2;
    if (strcmp(what, "pq") == 0)
        rc = put_text(pm_cd_pq_sheet_text, p);
    else if (strcmp(what, "json") == 0)
        rc = put_text(pm_cd_pq_json, p);
    else if (arg && strcmp(what, "cue") == 0)
        rc = put_text(argc > 4 && strcmp(argv[4], "cdt") == 0 ? cue_cdt : cue_plain, p);
    else if (arg && strcmp(what, "toc") == 0)
        rc = put_text(toc, p);
    else if (arg && strcmp(what, "bin") == 0)
        rc = write_all(arg, NULL, 0, (off_t)(p->plan->leadout_cdf - PM_CD_BIN_OFFSET_CDF) * 2352);
    else if (arg && strcmp(what, "cdt") == 0)
        rc = write_cdt(p, arg);
    else if (arg && strcmp(what, "verify") == 0)
        rc = verify(p, arg);
    else
        fprintf(stderr, "cdsheets: unknown command %s or missing argument\n", what);
    pm_project_free(p);
    return rc;
}
