/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The formats this build offers (format.h), in the order render runs them. */
#include "config.h"

#include "format.h"

const pm_format_ops *const pm_formats[] = {
    NULL,
};
