/* worker.c - one background thread with its lock, a wake-up, a stop, and a periodic tick. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "core/worker.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

struct sd_worker {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    sd_worker_tick_fn tick;
    void *ctx;
    char name[16];
    int woken; /* under mu */
    atomic_int stopping;
};

static void deadline(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int sd_worker_sleep(sd_worker_t *w, int64_t ms)
{
    if (!atomic_load(&w->stopping) && !w->woken) {
        if (ms < 0) {
            while (!w->woken && !atomic_load(&w->stopping))
                pthread_cond_wait(&w->cv, &w->mu);
        } else if (ms > 0) {
            struct timespec ts;
            deadline(&ts, ms);
            int rc;
            do
                rc = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
            while (rc == 0 && !w->woken && !atomic_load(&w->stopping));
        } else {
            /* at once: still let callers waiting for the lock (wake, stop, the service) in */
            pthread_mutex_unlock(&w->mu);
            sched_yield();
            pthread_mutex_lock(&w->mu);
        }
    }
    w->woken = 0;
    return atomic_load(&w->stopping);
}

static void *run(void *arg)
{
    sd_worker_t *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        int stopping = atomic_load(&w->stopping);
        int64_t next = w->tick(w->ctx, stopping);
        if (stopping)
            break;
        sd_worker_sleep(w, next);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int sd_worker_start(const char *name, sd_worker_tick_fn tick, void *ctx, sd_worker_t **out)
{
    assert(tick && out);
    *out = NULL;
    sd_worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return SD_ENOMEM;
    w->tick = tick;
    w->ctx = ctx;
    strncpy(w->name, name ? name : "worker", sizeof w->name - 1);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->th, NULL, run, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return SD_ENOMEM;
    }
    pthread_setname_np(w->th, w->name);
    *out = w;
    return 0;
}

void sd_worker_wake(sd_worker_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void sd_worker_lock(sd_worker_t *w)
{
    pthread_mutex_lock(&w->mu);
}

void sd_worker_unlock(sd_worker_t *w)
{
    pthread_mutex_unlock(&w->mu);
}

void sd_worker_stop(sd_worker_t *w)
{
    if (!w)
        return;
    atomic_store(&w->stopping, 1); /* seen at the next round even if the lock is never free */
    pthread_mutex_lock(&w->mu);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
