/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "interrupt.h"

#include <stdatomic.h>

#include "premaster.h"

/* Set from a signal handler, read by every thread: a lock-free atomic is both safe to store to
 * in a handler (C11 7.14.1.1) and free of data races. */
static atomic_int stop_requested;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may only store to a lock-free atomic");

void pm_interrupt(void)
{
    atomic_store_explicit(&stop_requested, 1, memory_order_relaxed);
}

int pm_interrupted(void)
{
    return atomic_load_explicit(&stop_requested, memory_order_relaxed);
}
