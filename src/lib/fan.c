/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fan.h"

enum { QUEUE_BLOCKS = 8, MAX_CHANNELS = 8 };

/* One worker thread and the consumers it serves, fed through a ring of block copies. */
typedef struct worker {
    struct pm_fan *fan;
    size_t first, step; /* serves consumers first, first + step, ... */
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    double *slot[QUEUE_BLOCKS][MAX_CHANNELS];
    size_t frames[QUEUE_BLOCKS];
    size_t head, count;
    int ended;   /* the producer has no more blocks */
    int stop;    /* leave now */
    pm_status status;
} worker;

struct pm_fan {
    pm_fan_consumer *consumers;
    size_t count;
    int channels;
    size_t max_frames;
    worker *workers;
    size_t worker_count; /* 0: run on the caller's thread */
    pm_status status;    /* inline mode */
    int finished;
};

int pm_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* A consumer's whole work for one block, or its finish; first failure wins. */
static pm_status serve(pm_fan *fan, size_t first, size_t step, const double *const *block,
                       size_t frames, int finish)
{
    pm_status status = PM_OK;
    for (size_t i = first; i < fan->count; i += step) {
        const pm_fan_consumer *c = &fan->consumers[i];
        pm_status s = PM_OK;
        if (!finish)
            s = c->sink(c->context, block, frames);
        else if (c->finish)
            s = c->finish(c->context);
        if (s != PM_OK && status == PM_OK)
            status = s;
    }
    return status;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pm_fan *fan = w->fan;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (w->count == 0 && !w->ended && !w->stop)
            pthread_cond_wait(&w->changed, &w->lock);
        if (w->stop || (w->count == 0 && w->ended)) {
            int finish = !w->stop && w->status == PM_OK;
            pthread_mutex_unlock(&w->lock);
            if (finish) {
                pm_status s = serve(fan, w->first, w->step, NULL, 0, 1);
                pthread_mutex_lock(&w->lock);
                w->status = s;
                pthread_mutex_unlock(&w->lock);
            }
            return NULL;
        }
        size_t slot = w->head;
        pthread_mutex_unlock(&w->lock);
        /* The slot is the worker's until it is given back below. */
        pm_status s = PM_OK;
        if (w->status == PM_OK)
            s = serve(fan, w->first, w->step, (const double *const *)w->slot[slot],
                      w->frames[slot], 0);
        pthread_mutex_lock(&w->lock);
        if (s != PM_OK)
            w->status = s;
        w->head = (w->head + 1) % QUEUE_BLOCKS;
        w->count--;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
    }
}

static void stop_workers(pm_fan *fan)
{
    for (size_t k = 0; k < fan->worker_count; k++) {
        worker *w = &fan->workers[k];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->lock);
        w->stop = 1;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
}

void pm_fan_free(pm_fan *fan)
{
    if (!fan)
        return;
    stop_workers(fan);
    for (size_t k = 0; k < fan->worker_count; k++) {
        worker *w = &fan->workers[k];
        for (int b = 0; b < QUEUE_BLOCKS; b++)
            for (int c = 0; c < MAX_CHANNELS; c++)
                free(w->slot[b][c]);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->changed);
    }
    free(fan->workers);
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
    if (!fan->consumers) {
        free(fan);
        return PM_ERR_NOMEM;
    }
    if (count)
        memcpy(fan->consumers, consumers, count * sizeof *consumers);
    fan->count = count;
    fan->channels = channels;
    fan->max_frames = max_frames;
    size_t n = threads > 1 && count > 1 ? ((size_t)threads < count ? (size_t)threads : count) : 0;
    if (n) {
        fan->workers = pm_alloc_zeroed(n, sizeof *fan->workers);
        if (!fan->workers) {
            pm_fan_free(fan);
            return PM_ERR_NOMEM;
        }
        fan->worker_count = n;
        for (size_t k = 0; k < n; k++) {
            worker *w = &fan->workers[k];
            w->fan = fan;
            w->first = k;
            w->step = n;
            pthread_mutex_init(&w->lock, NULL);
            pthread_cond_init(&w->changed, NULL);
            for (int b = 0; b < QUEUE_BLOCKS; b++)
                for (int c = 0; c < channels; c++)
                    if (!(w->slot[b][c] = pm_alloc_array(max_frames, sizeof(double)))) {
                        pm_fan_free(fan);
                        return PM_ERR_NOMEM;
                    }
        }
        for (size_t k = 0; k < n; k++) {
            if (pthread_create(&fan->workers[k].thread, NULL, worker_main, &fan->workers[k])) {
                pm_fan_free(fan);
                return PM_ERR_INTERNAL;
            }
            fan->workers[k].started = 1;
        }
    }
    *out = fan;
    return PM_OK;
}

pm_status pm_fan_push(void *context, const double *const *block, size_t frames)
{
    pm_fan *fan = context;
    if (fan->worker_count == 0) {
        if (fan->status == PM_OK)
            fan->status = serve(fan, 0, 1, block, frames, 0);
        return fan->status;
    }
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < fan->max_frames ? frames - done : fan->max_frames;
        for (size_t k = 0; k < fan->worker_count; k++) {
            worker *w = &fan->workers[k];
            pthread_mutex_lock(&w->lock);
            while (w->count == QUEUE_BLOCKS && w->status == PM_OK)
                pthread_cond_wait(&w->changed, &w->lock);
            pm_status status = w->status;
            if (status != PM_OK) {
                pthread_mutex_unlock(&w->lock);
                return status;
            }
            size_t slot = (w->head + w->count) % QUEUE_BLOCKS;
            pthread_mutex_unlock(&w->lock);
            /* the slot is free: only the producer fills slots */
            for (int c = 0; c < fan->channels; c++)
                memcpy(w->slot[slot][c], block[c] + done, n * sizeof(double));
            w->frames[slot] = n;
            pthread_mutex_lock(&w->lock);
            w->count++;
            pthread_cond_broadcast(&w->changed);
            pthread_mutex_unlock(&w->lock);
        }
        done += n;
    }
    return PM_OK;
}

pm_status pm_fan_finish(pm_fan *fan)
{
    if (fan->finished)
        return fan->status;
    fan->finished = 1;
    if (fan->worker_count == 0) {
        pm_status s = serve(fan, 0, 1, NULL, 0, 1);
        if (fan->status == PM_OK)
            fan->status = s;
        return fan->status;
    }
    for (size_t k = 0; k < fan->worker_count; k++) {
        worker *w = &fan->workers[k];
        pthread_mutex_lock(&w->lock);
        w->ended = 1;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
    }
    pm_status status = PM_OK;
    for (size_t k = 0; k < fan->worker_count; k++) {
        worker *w = &fan->workers[k];
        pthread_join(w->thread, NULL);
        w->started = 0;
        if (w->status != PM_OK && status == PM_OK)
            status = w->status;
    }
    fan->status = status;
    return status;
}
