/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The stop request of pm_interrupt() (premaster.h), as the library's long loops see it: the
 * engine at every block and a fan at every push (the verifications' readers push through one),
 * so that a render stops within a block or two of work and cleans up after itself.
 */
#ifndef PM_INTERRUPT_H
#define PM_INTERRUPT_H

/* 1 once pm_interrupt() has been called in this process, else 0. Any thread. */
int pm_interrupted(void);

#endif
