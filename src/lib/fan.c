/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fan.h"
#include "interrupt.h"

enum { RING_BLOCKS = 16, MAX_CHANNELS = 8 };

/* Where one consumer is in the stream. */
typedef struct consumer_state {
    size_t next;  /* blocks it has taken */
    int busy;     /* a worker is serving it now */
    int done;     /* its finish ran, or the stream failed: it takes nothing more */
    pm_status status;
} consumer_state;

/*
 * The blocks are copied once into a ring that every consumer reads at its own pace; a worker
 * takes whichever consumer has a block waiting and is not being served, so the threads stay
 * busy however unequal the consumers' work is (a consumer is never served by two threads at
 * once, so each still sees its blocks one after the other, in order). The producer waits when
 * the slowest consumer is a whole ring behind.
 */
struct pm_fan {
    pm_fan_consumer *consumers;
    consumer_state *state;
    size_t count;
    int channels;
    size_t max_frames;
    double *slot[RING_BLOCKS][MAX_CHANNELS];
    size_t frames[RING_BLOCKS];
    size_t pushed; /* blocks put in the ring so far */
    pthread_t *threads;
    size_t thread_count, started;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a block arrived, a consumer was freed, the stream ended */
    pthread_cond_t room; /* a consumer took a block */
    int ended;           /* the producer has no more blocks */
    int stop;            /* leave now */
    pm_status failed;    /* the first failure, which stops the stream */
    size_t turn;         /* where workers start looking, so that consumers take turns */
    pm_status status;    /* without threads: the first failure */
    int finished;
};

int pm_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* Without threads: every consumer's work for one block, or its finish; first failure wins. */
static pm_status serve_all(pm_fan *fan, const double *const *block, size_t frames, int finish)
{
    pm_status status = PM_OK;
    for (size_t i = 0; i < fan->count && status == PM_OK; i++) {
        const pm_fan_consumer *c = &fan->consumers[i];
        if (!finish)
            status = c->sink(c->context, block, frames);
        else if (c->finish)
            status = c->finish(c->context);
    }
    return status;
}

/* The block the slowest consumer still wants; fan->pushed when none wants any. Locked. */
static size_t oldest_wanted(const pm_fan *fan)
{
    size_t oldest = fan->pushed;
    for (size_t i = 0; i < fan->count; i++)
        if (!fan->state[i].done && fan->state[i].next < oldest)
            oldest = fan->state[i].next;
    return oldest;
}

/* The next consumer with work, and whether that work is its finish; fan->count when none.
 * Locked. After a failure, consumers not being served are done without their finish. */
static size_t next_work(pm_fan *fan, int *finish)
{
    for (size_t k = 0; k < fan->count; k++) {
        size_t i = (fan->turn + k) % fan->count;
        consumer_state *s = &fan->state[i];
        if (s->busy || s->done)
            continue;
        if (fan->failed != PM_OK) {
            s->done = 1;
            continue;
        }
        if (s->next < fan->pushed || fan->ended) {
            *finish = s->next == fan->pushed;
            fan->turn = i + 1;
            return i;
        }
    }
    return fan->count;
}

static int all_done(const pm_fan *fan)
{
    for (size_t i = 0; i < fan->count; i++)
        if (!fan->state[i].done)
            return 0;
    return 1;
}

static void *worker_main(void *arg)
{
    pm_fan *fan = arg;
    pthread_mutex_lock(&fan->lock);
    while (!fan->stop) {
        int finish = 0;
        size_t i = next_work(fan, &finish);
        if (i == fan->count) {
            if (all_done(fan))
                break;
            pthread_cond_wait(&fan->work, &fan->lock);
            continue;
        }
        consumer_state *s = &fan->state[i];
        const pm_fan_consumer *c = &fan->consumers[i];
        size_t slot = s->next % RING_BLOCKS;
        s->busy = 1;
        pthread_mutex_unlock(&fan->lock);
        /* the slot stays as it is until this consumer has taken it: the producer refills
         * only slots every consumer is done with */
        pm_status status = PM_OK;
        if (!finish)
            status = c->sink(c->context, (const double *const *)fan->slot[slot],
                             fan->frames[slot]);
        else if (c->finish)
            status = c->finish(c->context);
        pthread_mutex_lock(&fan->lock);
        s->busy = 0;
        if (finish)
            s->done = 1;
        else
            s->next++;
        if (status != PM_OK) {
            s->status = status;
            if (fan->failed == PM_OK)
                fan->failed = status;
        }
        pthread_cond_broadcast(&fan->work);
        pthread_cond_broadcast(&fan->room);
    }
    pthread_mutex_unlock(&fan->lock);
    return NULL;
}

/* Set *flag (the stream ended, or stop now) under the lock, wake the workers and wait for all
 * of them. */
static void end_workers(pm_fan *fan, int *flag)
{
    pthread_mutex_lock(&fan->lock);
    *flag = 1;
    pthread_cond_broadcast(&fan->work);
    pthread_mutex_unlock(&fan->lock);
    for (size_t k = 0; k < fan->started; k++)
        pthread_join(fan->threads[k], NULL);
    fan->started = 0;
}

static void stop_workers(pm_fan *fan)
{
    if (fan->started)
        end_workers(fan, &fan->stop);
}

void pm_fan_free(pm_fan *fan)
{
    if (!fan)
        return;
    stop_workers(fan);
    if (fan->thread_count) {
        pthread_mutex_destroy(&fan->lock);
        pthread_cond_destroy(&fan->work);
        pthread_cond_destroy(&fan->room);
    }
    for (int b = 0; b < RING_BLOCKS; b++)
        for (int c = 0; c < MAX_CHANNELS; c++)
            free(fan->slot[b][c]);
    free(fan->threads);
    free(fan->state);
    free(fan->consumers);
    free(fan);
}

pm_status pm_fan_new(const pm_fan_consumer *consumers, size_t count, int channels,
                     size_t max_frames, int threads, pm_fan **out)
{
    *out = NULL;
    if (channels < 1 || channels > MAX_CHANNELS)
        return PM_ERR_INVALID;
    pm_fan *fan = pm_alloc_zeroed(1, sizeof *fan);
    if (!fan)
        return PM_ERR_NOMEM;
    fan->consumers = pm_alloc_array(count ? count : 1, sizeof *fan->consumers);
    fan->state = pm_alloc_zeroed(count ? count : 1, sizeof *fan->state);
    if (!fan->consumers || !fan->state) {
        pm_fan_free(fan);
        return PM_ERR_NOMEM;
    }
    if (count)
        memcpy(fan->consumers, consumers, count * sizeof *consumers);
    fan->count = count;
    fan->channels = channels;
    fan->max_frames = max_frames;
    /* One consumer gets a thread too: the producer then runs beside it. */
    size_t n = threads > 1 && count ? ((size_t)threads < count ? (size_t)threads : count) : 0;
    if (n == 0) {
        *out = fan;
        return PM_OK;
    }
    fan->threads = pm_alloc_zeroed(n, sizeof *fan->threads);
    if (!fan->threads) {
        pm_fan_free(fan);
        return PM_ERR_NOMEM;
    }
    fan->thread_count = n;
    pthread_mutex_init(&fan->lock, NULL);
    pthread_cond_init(&fan->work, NULL);
    pthread_cond_init(&fan->room, NULL);
    for (int b = 0; b < RING_BLOCKS; b++)
        for (int c = 0; c < channels; c++)
            if (!(fan->slot[b][c] = pm_alloc_array(max_frames, sizeof(double)))) {
                pm_fan_free(fan);
                return PM_ERR_NOMEM;
            }
    for (size_t k = 0; k < n; k++) {
        if (pthread_create(&fan->threads[k], NULL, worker_main, fan)) {
            pm_fan_free(fan);
            return PM_ERR_INTERNAL;
        }
        fan->started++;
    }
    *out = fan;
    return PM_OK;
}

pm_status pm_fan_push(void *context, const double *const *block, size_t frames)
{
    pm_fan *fan = context;
    /* every stream of a render passes through a fan: its pushes are where a stop is seen */
    if (pm_interrupted())
        return PM_ERR_INTERRUPTED;
    if (fan->thread_count == 0) {
        if (fan->status == PM_OK)
            fan->status = serve_all(fan, block, frames, 0);
        return fan->status;
    }
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < fan->max_frames ? frames - done : fan->max_frames;
        pthread_mutex_lock(&fan->lock);
        while (fan->failed == PM_OK && fan->pushed - oldest_wanted(fan) >= RING_BLOCKS)
            pthread_cond_wait(&fan->room, &fan->lock);
        pm_status failed = fan->failed;
        size_t slot = fan->pushed % RING_BLOCKS;
        pthread_mutex_unlock(&fan->lock);
        if (failed != PM_OK)
            return failed;
        /* every consumer is done with this slot's last block: only the producer fills it */
        for (int c = 0; c < fan->channels; c++)
            memcpy(fan->slot[slot][c], block[c] + done, n * sizeof(double));
        fan->frames[slot] = n;
        pthread_mutex_lock(&fan->lock);
        fan->pushed++;
        pthread_cond_broadcast(&fan->work);
        pthread_mutex_unlock(&fan->lock);
        done += n;
    }
    return PM_OK;
}

pm_status pm_fan_finish(pm_fan *fan)
{
    if (fan->finished)
        return fan->status;
    fan->finished = 1;
    if (fan->thread_count == 0) {
        pm_status s = fan->status == PM_OK ? serve_all(fan, NULL, 0, 1) : PM_OK;
        if (fan->status == PM_OK)
            fan->status = s;
        return fan->status;
    }
    end_workers(fan, &fan->ended);
    /* the first failing consumer in their order, whichever thread saw its failure first */
    fan->status = PM_OK;
    for (size_t i = 0; i < fan->count && fan->status == PM_OK; i++)
        fan->status = fan->state[i].status;
    return fan->status;
}
