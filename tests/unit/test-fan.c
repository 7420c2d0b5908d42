/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fan-out (fan.h): every consumer sees every block, in order, whatever the thread count; a
 * failing consumer stops the stream with its status; finish runs once per consumer.
 */
#include "fan.h"

#include "../tap.h"

#include <string.h>

typedef struct counter {
    uint64_t hash;
    size_t frames, finishes;
    size_t fail_after; /* 0: never */
} counter;

static pm_status count_block(void *context, const double *const *block, size_t frames)
{
    counter *c = context;
    for (size_t i = 0; i < frames; i++) {
        uint64_t bits[2];
        memcpy(&bits[0], &block[0][i], 8);
        memcpy(&bits[1], &block[1][i], 8);
        c->hash = (c->hash ^ bits[0]) * 1099511628211ULL;
        c->hash = (c->hash ^ bits[1]) * 1099511628211ULL;
    }
    c->frames += frames;
    if (c->fail_after && c->frames >= c->fail_after)
        return PM_ERR_IO;
    return PM_OK;
}

static pm_status count_finish(void *context)
{
    ((counter *)context)->finishes++;
    return PM_OK;
}

static pm_status run(int threads, counter *c, size_t consumers, size_t blocks)
{
    pm_fan_consumer list[8];
    for (size_t i = 0; i < consumers; i++)
        list[i] = (pm_fan_consumer){count_block, count_finish, &c[i]};
    pm_fan *fan = NULL;
    pm_status status = pm_fan_new(list, consumers, 2, 1000, threads, &fan);
    if (status != PM_OK)
        return status;
    double l[1000], r[1000];
    const double *block[2] = {l, r};
    uint64_t state = 7;
    for (size_t b = 0; b < blocks && status == PM_OK; b++) {
        size_t n = 1 + tap_rand_below(&state, 1000);
        for (size_t i = 0; i < n; i++) {
            l[i] = (double)tap_rand_below(&state, 1000000);
            r[i] = -l[i];
        }
        status = pm_fan_push(fan, block, n);
    }
    pm_status finished = pm_fan_finish(fan);
    pm_fan_free(fan);
    return status != PM_OK ? status : finished;
}

int main(void)
{
    counter one[5] = {{0}};
    ok(run(1, one, 5, 300) == PM_OK, "five consumers on the caller's thread");
    int same = 1;
    for (int threads = 2; threads <= 8; threads *= 2) {
        counter many[5] = {{0}};
        if (run(threads, many, 5, 300) != PM_OK)
            same = 0;
        for (int i = 0; i < 5; i++)
            same &= many[i].hash == one[0].hash && many[i].frames == one[0].frames &&
                    many[i].finishes == 1;
    }
    ok(same, "on 2, 4 and 8 threads every consumer sees the same blocks in the same order, and "
       "finishes once");
    counter single[1] = {{0}};
    ok(run(2, single, 1, 300) == PM_OK && single[0].hash == one[0].hash &&
           single[0].frames == one[0].frames && single[0].finishes == 1,
       "one consumer on a thread of its own beside the producer sees the same blocks");
    counter failing[3] = {{0}, {.fail_after = 5000}, {0}};
    pm_status status = run(3, failing, 3, 300);
    ok(status == PM_ERR_IO, "a failing consumer's status comes back (%d)", status);
    counter alone_fail[1] = {{.fail_after = 5000}};
    ok(run(4, alone_fail, 1, 300) == PM_ERR_IO, "and when it is the only one, on a thread");
    counter late_fail[2] = {{0}, {.fail_after = one[0].frames - 1}}; /* in the last block */
    ok(run(2, late_fail, 2, 300) == PM_ERR_IO && late_fail[1].finishes == 0,
       "a failure in the last blocks comes back from finish, and the failed consumer does not "
       "finish");
    counter inline_fail[2] = {{0}, {.fail_after = 5000}};
    ok(run(1, inline_fail, 2, 300) == PM_ERR_IO, "and on one thread too");
    ok(pm_cpu_count() >= 1, "the machine has %d processors", pm_cpu_count());
    return done_testing();
}
