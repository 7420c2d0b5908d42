/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The formats this build offers (format.h), in the order render runs them. */
#include "config.h"

#include "format.h"
#include "vinyl.h"

const pm_format_ops *const pm_formats[] = {
    &pm_vinyl_format,
    NULL,
};
