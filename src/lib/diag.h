/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal additions to the diagnostics of premaster.h. */
#ifndef PM_DIAG_H
#define PM_DIAG_H

#include "premaster.h"

/* Set the column of the most recently added entry (libxml2 reports columns for syntax errors). */
void pm_diag_set_last_column(pm_diag *diag, int column);

/* Move every entry of from to the end of to, in order (from is left empty): work done on
 * threads of its own collects its messages apart, and they join the caller's in a fixed order.
 * PM_ERR_NOMEM, with nothing moved. A NULL to drops them, as adding to a NULL list does. */
pm_status pm_diag_move(pm_diag *to, pm_diag *from) PM_WARN_UNUSED;

#endif
