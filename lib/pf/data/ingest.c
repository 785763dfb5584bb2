/* ingest.c - group commit of sample batches: a queue, one writer thread, one fsync per group. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
 * The point ids of a group, (tenant, data ID) -> id, looked up once per group inside its
 * transaction: a batch of 100 samples of a few points costs a few lookups, not 100. Open
 * addressing over 2x the group's samples; keys point into the batches (valid meanwhile).
 */
typedef struct {
    const char *data_id;         /* NULL: empty slot */
    int64_t tenant_id, point_id; /* point_id 0: no such point */
} slot_t;

typedef struct {
    batch_t *group;
    slot_t *slots;
    size_t mask;
    int64_t *ids; /* scratch, the largest batch's size */
} group_t;

static uint64_t key_hash(int64_t tenant, const char *s)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)tenant;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int resolve(sd_store_t *st, group_t *g, int64_t tenant, const char *data_id, int64_t *id)
{
    size_t i = (size_t)key_hash(tenant, data_id) & g->mask;
    for (; g->slots[i].data_id; i = (i + 1) & g->mask)
        if (g->slots[i].tenant_id == tenant && strcmp(g->slots[i].data_id, data_id) == 0) {
            *id = g->slots[i].point_id;
            return 0;
        }
    int rc = sd_ts_lookup_point(st, tenant, data_id, id);
    if (rc == SD_ENOTFOUND)
        *id = 0;
    else if (rc)
        return rc;
    g->slots[i] = (slot_t){data_id, tenant, *id};
    return 0;
}

/*
 * Every batch of the group in one transaction: its data IDs resolved first, so a batch with an
 * unknown one is refused (SD_EFIELD, its index) before any of its rows is written and leaves
 * the others alone. A backend error fails the whole transaction (PostgreSQL aborts it): the
 * caller then retries each batch alone. Re-run from the start by sd_store_tx() after SD_EBUSY,
 * so results and the id cache are reset here.
 */
static int group_tx(sd_store_t *st, void *ctx)
{
    group_t *g = ctx;
    memset(g->slots, 0, (g->mask + 1) * sizeof *g->slots);
    for (batch_t *b = g->group; b; b = b->next) {
        b->rc = 0;
        b->bad = 0;
        for (size_t i = 0; i < b->n; i++) {
            int rc = resolve(st, g, b->tenant_id, b->s[i].data_id, &g->ids[i]);
            if (rc)
                return rc;
            if (g->ids[i] == 0) {
                b->rc = SD_EFIELD;
                b->bad = i;
                break;
            }
        }
        if (b->rc)
            continue;
        int rc = sd_ts_write_ids(st, b->tenant_id, b->gw_id, b->now_ms, b->s, g->ids, b->n);
        if (rc)
            return rc;
    }
    return 0;
}

static void write_group(sd_ingest_t *w, batch_t *first)
{
    sd_store_t *st = w->pf->store;
    size_t total = 0, most = 0, cap = 16;
    for (batch_t *b = first; b; b = b->next) {
        total += b->n;
        most = b->n > most ? b->n : most;
    }
    while (cap < 2 * total)
        cap *= 2;
    group_t g = {.group = first,
                 .slots = malloc(cap * sizeof *g.slots),
                 .mask = cap - 1,
                 .ids = malloc((most ? most : 1) * sizeof *g.ids)};
    int rc = g.slots && g.ids ? sd_store_tx(st, group_tx, &g) : SD_ENOMEM;
    free(g.slots);
    free(g.ids);
    if (rc == 0) {
        pthread_mutex_lock(&w->mu);
        w->stats.commits++;
        pthread_mutex_unlock(&w->mu);
        return;
    }
    /* the shared transaction failed (rolled back): nothing of it is stored; each alone, so a
     * batch that fails the store costs only itself */
    sd_warn("ingest: a group of batches failed (%s: %s): each is retried alone", sd_strerror(rc),
            sd_store_errmsg());
    for (batch_t *b = first; b; b = b->next) {
        b->bad = 0;
        b->rc = sd_store_tx(st, alone_tx, b);
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

static batch_t *new_batch(int64_t tenant_id, int64_t gw_id, int64_t now_ms, const sd_ts_sample_t *s,
                          size_t n, sd_ingest_done_fn done, void *ctx)
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
