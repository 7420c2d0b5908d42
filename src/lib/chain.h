/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * From a <master> chain of the project (project.h) to DSP stages (dsp/), in order. Runs of
 * filters (<highpass>, <lowpass>, <eq>) become one EQ stage; every other processor its own.
 */
#ifndef PM_CHAIN_H
#define PM_CHAIN_H

#include <stddef.h>

#include "dsp/stage.h"
#include "project.h"

/*
 * The stages of chain into a new array *stages of *count (the caller frees the stages with
 * pm_stage_free and the array with free(), or hands both to pm_pipeline_new). An empty chain
 * gives *count 0 and *stages NULL. A processor that cannot be built is an error in diag at its
 * line of file (PM_ERR_INVALID; PM_ERR_INTERNAL for a kind it does not know); PM_ERR_NOMEM.
 */
pm_status pm_chain_stages(const pm_chain *chain, const char *file, pm_diag *diag,
                          pm_stage ***stages, size_t *count) PM_WARN_UNUSED;

/* Free count stages and the array; NULL is a no-op. */
void pm_chain_stages_free(pm_stage **stages, size_t count);

#endif
