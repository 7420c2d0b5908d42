/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "alloc.h"
#include "chain.h"
#include "dsp/dynamics.h"
#include "dsp/eq.h"
#include "dsp/linbass.h"

void pm_chain_stages_free(pm_stage **stages, size_t count)
{
    if (!stages)
        return;
    for (size_t i = 0; i < count; i++)
        pm_stage_free(stages[i]);
    free(stages);
}

static int is_filter(pm_proc_kind kind)
{
    return kind == PM_PROC_HIGHPASS || kind == PM_PROC_LOWPASS || kind == PM_PROC_EQ;
}

static pm_eq_band band_of(const pm_proc *proc)
{
    pm_eq_band band = {.freq_hz = proc->freq_hz, .order = proc->order, .q = proc->q};
    if (proc->kind == PM_PROC_HIGHPASS)
        band.type = PM_EQ_HIGHPASS;
    else if (proc->kind == PM_PROC_LOWPASS)
        band.type = PM_EQ_LOWPASS;
    else {
        band.gain_db = proc->gain_db;
        switch (proc->eq_type) {
        case PM_BAND_PEAK: band.type = PM_EQ_PEAK; break;
        case PM_BAND_LOWSHELF: band.type = PM_EQ_LOWSHELF; break;
        case PM_BAND_HIGHSHELF: band.type = PM_EQ_HIGHSHELF; break;
        case PM_BAND_NOTCH: band.type = PM_EQ_NOTCH; break;
        }
    }
    return band;
}

static const char *proc_name(pm_proc_kind kind)
{
    switch (kind) {
    case PM_PROC_GAIN: return "gain";
    case PM_PROC_HIGHPASS: return "highpass";
    case PM_PROC_LOWPASS: return "lowpass";
    case PM_PROC_EQ: return "eq";
    case PM_PROC_COMPRESSOR: return "compressor";
    case PM_PROC_WIDTH: return "width";
    case PM_PROC_DEESS: return "deess";
    case PM_PROC_MONOBASS: return "monobass";
    }
    return "processor";
}

/* Build the stage for procs[i] (and the filters after it, which join one EQ stage); *next is
 * the first processor not used. */
static pm_status build_one(const pm_proc *procs, size_t count, size_t i, size_t *next,
                           const char *file, pm_diag *diag, pm_stage **out)
{
    const pm_proc *proc = &procs[i];
    *next = i + 1;
    pm_status status;
    switch (proc->kind) {
    case PM_PROC_HIGHPASS:
    case PM_PROC_LOWPASS:
    case PM_PROC_EQ: {
        size_t end = i;
        while (end < count && is_filter(procs[end].kind))
            end++;
        pm_eq_band *bands = pm_alloc_array(end - i, sizeof *bands);
        if (!bands)
            return PM_ERR_NOMEM;
        for (size_t k = i; k < end; k++)
            bands[k - i] = band_of(&procs[k]);
        status = pm_eq_new(bands, end - i, out, diag);
        free(bands);
        *next = end;
        break;
    }
    case PM_PROC_GAIN: status = pm_gain_new(proc->gain_db, out, diag); break;
    case PM_PROC_WIDTH: status = pm_width_new(proc->amount, out, diag); break;
    case PM_PROC_MONOBASS:
        if (proc->phase == PM_PHASE_LINEAR)
            status = pm_monobass_linear_new(proc->freq_hz, out, diag);
        else
            status = pm_monobass_new(proc->freq_hz, out, diag);
        break;
    case PM_PROC_COMPRESSOR: {
        /* Peak detection: the project format has no choice of detector, and a mastering
         * compressor's threshold is read against peaks. */
        pm_compressor_params params = {
            .threshold_db = proc->threshold_db, .ratio = proc->ratio,
            .attack_sec = proc->attack_sec, .release_sec = proc->release_sec,
            .knee_db = proc->knee_db, .makeup_db = proc->makeup_db,
            .makeup_auto = proc->makeup_auto, .detection = PM_COMPRESSOR_PEAK};
        status = pm_compressor_new(&params, out, diag);
        break;
    }
    case PM_PROC_DEESS:
        status = pm_deess_new(proc->freq_hz, proc->threshold_db, proc->range_db, out, diag);
        break;
    default:
        pm_diag_add(diag, PM_SEV_ERROR, file, proc->line, NULL, "<%s> is not known",
                    proc_name(proc->kind));
        return PM_ERR_INTERNAL;
    }
    if (status == PM_ERR_INVALID)
        pm_diag_add(diag, PM_SEV_ERROR, file, proc->line, NULL,
                    "this <%s> cannot be built (see the message before)",
                    proc_name(proc->kind));
    return status;
}

pm_status pm_chain_stages(const pm_chain *chain, const char *file, pm_diag *diag,
                          pm_stage ***stages, size_t *count)
{
    *stages = NULL;
    *count = 0;
    if (!chain->count)
        return PM_OK;
    pm_stage **list = pm_alloc_zeroed(chain->count, sizeof *list);
    if (!list)
        return PM_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < chain->count;) {
        size_t next;
        pm_status status = build_one(chain->procs, chain->count, i, &next, file, diag, &list[n]);
        if (status != PM_OK) {
            pm_chain_stages_free(list, n);
            return status;
        }
        n++;
        i = next;
    }
    *stages = list;
    *count = n;
    return PM_OK;
}
