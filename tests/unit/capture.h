/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * For tests that run the engine or a pipeline: a stereo stream kept in memory by a
 * pm_block_sink, and diagnostics printed as TAP comments. Header-only like tap.h (include tap.h
 * first).
 *
 *   capture               the stream so far: l, r of n frames (free l and r)
 *   capture_block         a pm_block_sink appending to the capture given as its context
 *   show_diag(d)          print every diagnostic as a "# " line, then free d
 */
#ifndef PM_TEST_CAPTURE_H
#define PM_TEST_CAPTURE_H

#include <stdlib.h>
#include <string.h>

#include "premaster.h"

typedef struct capture {
    double *l, *r;
    size_t n, capacity;
} capture;

static inline pm_status capture_block(void *context, const double *const *block, size_t frames)
{
    capture *c = context;
    if (c->n + frames > c->capacity) {
        c->capacity = (c->n + frames) * 2;
        c->l = realloc(c->l, c->capacity * sizeof(double));
        c->r = realloc(c->r, c->capacity * sizeof(double));
        if (!c->l || !c->r)
            return PM_ERR_NOMEM;
    }
    memcpy(c->l + c->n, block[0], frames * sizeof(double));
    memcpy(c->r + c->n, block[1], frames * sizeof(double));
    c->n += frames;
    return PM_OK;
}

static inline void show_diag(pm_diag *d)
{
    for (size_t i = 0; i < pm_diag_count(d); i++) {
        char *line = pm_diag_format(pm_diag_get(d, i));
        diag("%s", line);
        free(line);
    }
    pm_diag_free(d);
}

#endif
