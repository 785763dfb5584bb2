/* ingest.c - group commit of sample batches: a queue, one writer thread, one fsync per group. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/log.h"
#include "core/worker.h"
#include "pf/data/ingest.h"
#include "pf/data/ts.h"

typedef struct batch {
    int64_t tenant_id, gw_id, now_ms;
    const sd_ts_sample_t *s;
    size_t n;
    sd_ingest_done_fn done;
    void *ctx;
    int rc;
    size_t bad;
    struct batch *next;
} batch_t;

struct sd_ingest {
    sd_pf_t *pf;
    sd_worker_t *worker;
    /* mu guards the queue and the counters; room: callers waiting for queue space. Its own lock
     * rather than the worker's, so that callers can wait on a condition with it */
    pthread_mutex_t mu;
    pthread_cond_t room;
    batch_t *head, **tail;
    size_t samples, batches; /* queued or being written: the bound */
    bool stopping;
    sd_ingest_stats_t stats;
};

/* ---- writing a group ------------------------------------------------------------------------ */

/* One batch in its own transaction: the fallback when a shared transaction failed. */
static int alone_tx(sd_store_t *st, void *ctx)
{
    batch_t *b = ctx;
    return sd_ts_write_batch(st, b->tenant_id, b->gw_id, b->now_ms, b->s, b->n, &b->bad);
}

/*
 * Every batch of the group inside a SAVEPOINT: an unknown data ID (not a backend error, the
 * transaction stays usable) rolls back that batch only. A backend error fails the whole
 * transaction (PostgreSQL aborts it): the caller then retries each batch alone. Re-run from the
 * start by sd_store_tx() after SD_EBUSY, so results are reset here.
 */
static int group_tx(sd_store_t *st, void *ctx)
{
    for (batch_t *b = ctx; b; b = b->next) {
        b->rc = 0;
        b->bad = 0;
        bool sp = b != ctx || b->next; /* a group of one needs no savepoint */
        int rc = sp ? sd_store_exec_script(st, "SAVEPOINT sd_batch") : 0;
        if (!rc)
            rc = sd_ts_write_batch(st, b->tenant_id, b->gw_id, b->now_ms, b->s, b->n, &b->bad);
        if (rc == SD_EFIELD) {
            b->rc = rc;
            rc = sp ? sd_store_exec_script(st, "ROLLBACK TO SAVEPOINT sd_batch") : SD_EFIELD;
            if (!sp)
                return rc; /* alone: roll the transaction back, b->rc says why */
        }
        if (!rc && sp)
            rc = sd_store_exec_script(st, "RELEASE SAVEPOINT sd_batch");
        if (rc)
            return rc;
    }
    return 0;
}

static void write_group(sd_ingest_t *w, batch_t *g)
{
    sd_store_t *st = w->pf->store;
    int rc = sd_store_tx(st, group_tx, g);
    bool single = !g->next;
    if (rc == 0 || (single && rc == SD_EFIELD && g->rc == SD_EFIELD)) {
        pthread_mutex_lock(&w->mu);
        w->stats.commits += rc == 0;
        pthread_mutex_unlock(&w->mu);
        return;
    }
    /* the shared transaction failed (rolled back): nothing of it is stored; each alone */
    if (!single)
        sd_warn("ingest: a group of batches failed (%s: %s): each is retried alone",
                sd_strerror(rc), sd_store_errmsg());
    for (batch_t *b = g; b; b = b->next) {
        b->bad = 0;
        b->rc = single ? rc : sd_store_tx(st, alone_tx, b);
        if (b->rc == 0) {
            pthread_mutex_lock(&w->mu);
            w->stats.commits++;
            pthread_mutex_unlock(&w->mu);
        }
    }
}

/* Observers of the stored batches, then each result; then the queue space is given back. */
static void deliver(sd_ingest_t *w, batch_t *g)
{
    size_t ns = 0, nb = 0;
    for (batch_t *b = g; b; b = b->next)
        nb++;
    pthread_mutex_lock(&w->mu);
    w->stats.batches += nb; /* counted before the answers, so that an answered caller sees it */
    pthread_mutex_unlock(&w->mu);
    while (g) {
        batch_t *b = g;
        g = g->next;
        if (b->rc == 0)
            sd_ts_notify(w->pf, b->tenant_id, b->s, b->n);
        ns += b->n;
        b->done(b->ctx, b->rc, b->bad);
        free(b);
    }
    pthread_mutex_lock(&w->mu);
    w->samples -= ns;
    w->batches -= nb;
    pthread_cond_broadcast(&w->room);
    pthread_mutex_unlock(&w->mu);
}

static int64_t tick(void *ctx, int stopping)
{
    (void)stopping; /* the last round drains like any other */
    sd_ingest_t *w = ctx;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        batch_t *g = w->head;
        w->head = NULL;
        w->tail = &w->head;
        pthread_mutex_unlock(&w->mu);
        if (!g)
            return -1;
        sd_worker_unlock(w->worker);
        write_group(w, g);
        deliver(w, g);
        sd_worker_lock(w->worker);
    }
}

/* ---- the interface -------------------------------------------------------------------------- */

int sd_ingest_start(sd_pf_t *pf, sd_ingest_t **out)
{
    *out = NULL;
    sd_ingest_t *w = calloc(1, sizeof *w);
    if (!w)
        return SD_ENOMEM;
    w->pf = pf;
    w->tail = &w->head;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->room, NULL);
    int rc = sd_worker_start("sd-ingest", tick, w, &w->worker);
    if (rc) {
        pthread_cond_destroy(&w->room);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static bool full(const sd_ingest_t *w, size_t n)
{
    /* a batch larger than the whole bound still goes in alone, when the queue is empty */
    return w->batches > 0 &&
           (w->batches >= SD_INGEST_MAX_BATCHES || w->samples + n > SD_INGEST_MAX_SAMPLES);
}

static void enqueue_count(sd_ingest_t *w, const batch_t *b)
{
    w->samples += b->n;
    w->batches++;
}

/* Queue b (mu held, room checked); the writer is woken by the caller after unlocking. */
static void enqueue(sd_ingest_t *w, batch_t *b)
{
    *w->tail = b;
    w->tail = &b->next;
    enqueue_count(w, b);
}

/* The writer is stopping: the caller commits its batch itself (counted in w->batches from
 * before mu was let go until here, so sd_ingest_stop() does not free w under it). */
static int commit_here(sd_ingest_t *w, batch_t *b)
{
    b->rc = sd_store_tx(w->pf->store, alone_tx, b);
    if (b->rc == 0)
        sd_ts_notify(w->pf, b->tenant_id, b->s, b->n);
    int rc = b->rc;
    pthread_mutex_lock(&w->mu);
    w->stats.batches++;
    w->stats.commits += rc == 0;
    pthread_mutex_unlock(&w->mu);
    b->done(b->ctx, b->rc, b->bad);
    pthread_mutex_lock(&w->mu);
    w->samples -= b->n;
    w->batches--;
    pthread_cond_broadcast(&w->room);
    pthread_mutex_unlock(&w->mu);
    free(b);
    return rc;
}

static batch_t *new_batch(int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                          const sd_ts_sample_t *s, size_t n, sd_ingest_done_fn done, void *ctx)
{
    batch_t *b = calloc(1, sizeof *b);
    if (b)
        *b = (batch_t){.tenant_id = tenant_id,
                       .gw_id = gw_id,
                       .now_ms = now_ms,
                       .s = s,
                       .n = n,
                       .done = done,
                       .ctx = ctx};
    return b;
}

int sd_ingest_submit(sd_ingest_t *w, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                     const sd_ts_sample_t *s, size_t n, sd_ingest_done_fn done, void *ctx)
{
    batch_t *b = new_batch(tenant_id, gw_id, now_ms, s, n, done, ctx);
    if (!b)
        return SD_ENOMEM;
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        enqueue_count(w, b);
        pthread_mutex_unlock(&w->mu);
        commit_here(w, b);
        return 0;
    }
    if (full(w, n)) {
        w->stats.refused_full++;
        pthread_mutex_unlock(&w->mu);
        free(b);
        return SD_EBUSY;
    }
    enqueue(w, b);
    pthread_mutex_unlock(&w->mu);
    sd_worker_wake(w->worker);
    return 0;
}

/* A blocked caller: its own lock and condition, so the writer touches only the caller's memory
 * when it answers (never w, which may be stopping). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
    size_t bad;
} waiter_t;

static void wake_waiter(void *ctx, int rc, size_t bad)
{
    waiter_t *wt = ctx;
    pthread_mutex_lock(&wt->mu);
    wt->rc = rc;
    wt->bad = bad;
    wt->done = true;
    pthread_cond_signal(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

int sd_ingest_wait(sd_ingest_t *w, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                   const sd_ts_sample_t *s, size_t n, size_t *bad_index)
{
    waiter_t wt = {.done = false};
    batch_t *b = new_batch(tenant_id, gw_id, now_ms, s, n, wake_waiter, &wt);
    if (!b)
        return SD_ENOMEM;
    pthread_mutex_init(&wt.mu, NULL);
    pthread_cond_init(&wt.cv, NULL);
    pthread_mutex_lock(&w->mu);
    while (!w->stopping && full(w, n))
        pthread_cond_wait(&w->room, &w->mu);
    if (w->stopping) {
        enqueue_count(w, b);
        pthread_mutex_unlock(&w->mu);
        commit_here(w, b);
    } else {
        enqueue(w, b);
        pthread_mutex_unlock(&w->mu);
        sd_worker_wake(w->worker);
    }
    pthread_mutex_lock(&wt.mu);
    while (!wt.done)
        pthread_cond_wait(&wt.cv, &wt.mu);
    pthread_mutex_unlock(&wt.mu);
    pthread_cond_destroy(&wt.cv);
    pthread_mutex_destroy(&wt.mu);
    if (bad_index)
        *bad_index = wt.bad;
    return wt.rc;
}

void sd_ingest_stats(sd_ingest_t *w, sd_ingest_stats_t *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}

void sd_ingest_stop(sd_ingest_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->room); /* waiters for room commit themselves now */
    pthread_mutex_unlock(&w->mu);
    sd_worker_stop(w->worker); /* its last round writes and answers what is queued */
    /* a caller that saw stopping may still be inside commit_here(): wait until none remains */
    pthread_mutex_lock(&w->mu);
    while (w->batches > 0)
        pthread_cond_wait(&w->room, &w->mu);
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&w->room);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
