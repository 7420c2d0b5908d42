/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal additions to the diagnostics of premaster.h. */
#ifndef PM_DIAG_H
#define PM_DIAG_H

#include "premaster.h"

/* Set the column of the most recently added entry (libxml2 reports columns for syntax errors). */
void pm_diag_set_last_column(pm_diag *diag, int column);

#endif
