/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fan-out: one stream of blocks (the mastered stream) to several consumers (target stages,
 * meters), each on a thread of its own when threads allow (DESIGN.md "Threads": the mastered
 * stream is one sequential stream; what consumes it runs in parallel). Every consumer sees the
 * same blocks in the same order whatever the thread count, so nothing it computes depends on
 * the threads.
 *
 * Each consumer has a queue of a few blocks; the producer waits when a queue is full, so memory
 * stays bounded. A consumer that fails stops taking blocks; its status comes back from push (as
 * soon as it is seen) and from finish.
 */
#ifndef PM_FAN_H
#define PM_FAN_H

#include <stddef.h>

#include "pipeline.h"
#include "premaster.h"

typedef struct pm_fan pm_fan;

/* What a consumer does with each block, and once at the end of the stream (may be NULL). Both
 * run on the consumer's thread. */
typedef struct pm_fan_consumer {
    pm_block_sink sink;
    pm_status (*finish)(void *context);
    void *context;
} pm_fan_consumer;

/*
 * A fan to count consumers (copied) for blocks of up to max_frames frames of channels channels.
 * threads: how many threads to use at most besides the caller's (0 or 1 consumer: everything runs
 * on the caller's thread). The threads start here. PM_ERR_NOMEM, PM_ERR_INTERNAL (a thread could
 * not start).
 */
pm_status pm_fan_new(const pm_fan_consumer *consumers, size_t count, int channels,
                     size_t max_frames, int threads, pm_fan **out) PM_WARN_UNUSED;
/* A pm_block_sink: give the block to every consumer. */
pm_status pm_fan_push(void *fan, const double *const *block, size_t frames);
/* End of the stream: every consumer finishes; the threads end. The first failure's status. */
pm_status pm_fan_finish(pm_fan *fan) PM_WARN_UNUSED;
/* Free; a fan not finished is stopped first (its consumers' finish is not called). */
void pm_fan_free(pm_fan *fan);

/* The number of processors online, at least 1. */
int pm_cpu_count(void);

#endif
