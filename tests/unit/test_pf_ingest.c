/* test_pf_ingest.c - lib/pf/data/ingest: the group-commit writer on SQLite and PostgreSQL: many
 * threads at once, one commit for a group, a refused batch alone, per-batch results, the bounded
 * queue and a stop that drains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/data/ingest.h"
#include "pf/data/ts.h"

#define S INT64_C(1000)

/*
 * The writer is held inside the observer call of a first batch (observers run on the writer
 * after its commit), so that batches submitted meanwhile are all waiting when it takes the queue
 * again: what a group holds is then known, not left to timing.
 */
typedef struct {
    sd_test_pf_t base;
    int64_t ta, tb;
    sd_ingest_t *w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool hold, held;
    int observed; /* batches the observer saw */
    size_t observed_samples;
} fx_t;

static int64_t mk_point(sd_test_pf_t *t, int64_t tenant, const char *data_id)
{
    int64_t fac = sd_test_pf_facility(t, tenant, data_id);
    int64_t dev = sd_test_pf_device(t, tenant, fac, data_id, "L2");
    return sd_test_pf_point(t, tenant, dev, &(sd_test_point_t){.data_id = data_id});
}

static void observer(void *ctx, int64_t tenant, const sd_ts_sample_t *s, size_t n)
{
    (void)tenant;
    (void)s;
    fx_t *fx = ctx;
    pthread_mutex_lock(&fx->mu);
    fx->observed++;
    fx->observed_samples += n;
    while (fx->hold) {
        fx->held = true;
        pthread_cond_broadcast(&fx->cv);
        pthread_cond_wait(&fx->cv, &fx->mu);
    }
    fx->held = false;
    pthread_mutex_unlock(&fx->mu);
}

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, sd_test_time("2026-11-24T03:00:00Z"));
    sd_test_pf_t *t = &fx->base;
    fx->ta = sd_test_pf_tenant(t, "a", SD_TENANT_KIND_DEDICATED_OPERATOR);
    fx->tb = sd_test_pf_tenant(t, "b", SD_TENANT_KIND_DEDICATED_OPERATOR);
    mk_point(t, fx->ta, "gorin.level");
    mk_point(t, fx->ta, "gorin.flow");
    mk_point(t, fx->tb, "otaru.level");
    pthread_mutex_init(&fx->mu, NULL);
    pthread_cond_init(&fx->cv, NULL);
    assert_int_equal(sd_pf_observe_samples(&t->pf, observer, fx), 0);
    assert_int_equal(sd_ingest_start(&t->pf, &fx->w), 0);
    t->pf.ingest = fx->w;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    fx->base.pf.ingest = NULL;
    sd_ingest_stop(fx->w);
    pthread_cond_destroy(&fx->cv);
    pthread_mutex_destroy(&fx->mu);
    return sd_test_pf_teardown(state);
}

static int64_t count(fx_t *fx)
{
    return sd_test_pf_int(&fx->base, "SELECT COUNT(*) FROM samples", SD_NOPARAMS);
}

/* Hold the writer in its next observer call; wait (bounded) until it is there. */
static void hold_writer(fx_t *fx)
{
    pthread_mutex_lock(&fx->mu);
    fx->hold = true;
    pthread_mutex_unlock(&fx->mu);
}

static void wait_held(fx_t *fx)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 20;
    pthread_mutex_lock(&fx->mu);
    int rc = 0;
    while (!fx->held && rc == 0)
        rc = pthread_cond_timedwait(&fx->cv, &fx->mu, &dl);
    pthread_mutex_unlock(&fx->mu);
    assert_true(fx->held);
}

static void release_writer(fx_t *fx)
{
    pthread_mutex_lock(&fx->mu);
    fx->hold = false;
    pthread_cond_broadcast(&fx->cv);
    pthread_mutex_unlock(&fx->mu);
}

/* ---- many threads at once --------------------------------------------------------------------
 */

#define THREADS 16
#define BATCHES 40

typedef struct {
    fx_t *fx;
    int id;
    int wrong; /* results that were not what the batch deserved */
} worker_arg_t;

/* Batches of 1 to 3 samples, each (point, ts) used once over all threads; every 7th batch has an
 * unknown data ID as its last sample and must be refused whole, naming that sample. */
static void *submitter(void *v)
{
    worker_arg_t *a = v;
    int64_t t0 = sd_test_time("2026-11-23T00:00:00Z");
    for (int k = 0; k < BATCHES; k++) {
        sd_ts_sample_t s[3];
        size_t n = 1 + (size_t)(k % 3);
        for (size_t i = 0; i < n; i++)
            s[i] = (sd_ts_sample_t){i % 2 ? "gorin.flow" : "gorin.level",
                                    t0 + ((int64_t)(a->id * BATCHES + k) * 3 + (int64_t)i) * S,
                                    (double)k, SD_TS_GOOD};
        bool bad = k % 7 == 3;
        if (bad)
            s[n - 1].data_id = "otaru.level"; /* tenant b's */
        size_t bi = 99;
        int rc = sd_ts_ingest(&a->fx->base.pf, a->fx->ta, 0, s, n, &bi);
        if (bad ? (rc != SD_EFIELD || bi != n - 1) : rc != 0)
            a->wrong++;
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    fx_t *fx = *state;
    pthread_t th[THREADS];
    worker_arg_t a[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (worker_arg_t){.fx = fx, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, submitter, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].wrong, 0);
    }
    /* every sample of every accepted batch stored exactly once (and none of a refused one) */
    int64_t want = 0, nbad = 0;
    for (int k = 0; k < BATCHES; k++)
        if (k % 7 == 3)
            nbad++;
        else
            want += 1 + k % 3;
    assert_int_equal(count(fx), want * THREADS);
    assert_int_equal(
        sd_test_pf_int(&fx->base,
                       "SELECT COUNT(*) FROM (SELECT point_id, ts_ms FROM samples GROUP BY 1, 2 "
                       "HAVING COUNT(*) > 1) x",
                       SD_NOPARAMS),
        0);
    sd_ingest_stats_t st;
    sd_ingest_stats(fx->w, &st);
    assert_int_equal(st.batches, THREADS * BATCHES);
    assert_true(st.commits <= (uint64_t)(THREADS * BATCHES));
    assert_int_equal(fx->observed, THREADS * (BATCHES - nbad));
    assert_int_equal(fx->observed_samples, (size_t)(want * THREADS));
}

/* ---- one group, one commit; a refused batch alone ------------------------------------------ */

typedef struct {
    fx_t *fx;
    sd_ts_sample_t s[2];
    int rc;
} first_t;

static void *first_batch(void *v)
{
    first_t *f = v;
    f->rc = sd_ts_ingest(&f->fx->base.pf, f->fx->ta, 0, f->s, 1, NULL);
    return NULL;
}

typedef struct {
    fx_t *fx;
    int calls, rc;
    size_t bad;
} result_t;

/* A batch's answer (on the writer's thread): counted under fx->mu, waiters woken. */
static void got(void *ctx, int rc, size_t bad)
{
    result_t *r = ctx;
    pthread_mutex_lock(&r->fx->mu);
    r->calls++;
    r->rc = rc;
    r->bad = bad;
    pthread_cond_broadcast(&r->fx->cv);
    pthread_mutex_unlock(&r->fx->mu);
}

/* Wait (bounded) until every one of r[0..n) was answered at least once. */
static void wait_answers(fx_t *fx, result_t *r, int n)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 60;
    pthread_mutex_lock(&fx->mu);
    for (int i = 0; i < n; i++)
        while (r[i].calls == 0)
            if (pthread_cond_timedwait(&fx->cv, &fx->mu, &dl) != 0)
                break;
    pthread_mutex_unlock(&fx->mu);
}

static void test_group_isolates_refusal(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = sd_test_time("2026-11-23T00:00:00Z");
    first_t f = {.fx = fx, .s = {{"gorin.level", t0, 1, SD_TS_GOOD}}};
    hold_writer(fx);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, first_batch, &f), 0);
    wait_held(fx); /* the first batch is committed; the writer waits in its observer call */
    sd_ts_sample_t good1[2] = {{"gorin.level", t0 + 1 * S, 2, SD_TS_GOOD},
                               {"gorin.flow", t0 + 1 * S, 2, SD_TS_GOOD}};
    /* its first sample is fine, its second unknown: nothing of it may be stored, and the
     * batches around it in the same group must be */
    sd_ts_sample_t bad2[2] = {{"gorin.level", t0 + 2 * S, 3, SD_TS_GOOD},
                              {"gorin.nope", t0 + 2 * S, 3, SD_TS_GOOD}};
    sd_ts_sample_t good3[1] = {{"gorin.flow", t0 + 3 * S, 4, SD_TS_GOOD}};
    sd_ts_sample_t other[1] = {{"otaru.level", t0 + 3 * S, 5, SD_TS_GOOD}};
    result_t r[4] = {{.fx = fx}, {.fx = fx}, {.fx = fx}, {.fx = fx}};
    size_t bad = 0;
    sd_pf_t *pf = &fx->base.pf;
    assert_int_equal(sd_ts_ingest_async(pf, fx->ta, 0, good1, 2, got, &r[0], &bad), 0);
    assert_int_equal(sd_ts_ingest_async(pf, fx->ta, 0, bad2, 2, got, &r[1], &bad), 0);
    assert_int_equal(sd_ts_ingest_async(pf, fx->ta, 0, good3, 1, got, &r[2], &bad), 0);
    assert_int_equal(sd_ts_ingest_async(pf, fx->tb, 9, other, 1, got, &r[3], &bad), 0);
    /* refused before the queue (a check that needs no store): done never runs */
    sd_ts_sample_t future[1] = {{"gorin.flow", sd_test_time("2026-11-26T00:00:00Z"), 4, 0}};
    result_t never = {.fx = fx};
    assert_int_equal(sd_ts_ingest_async(pf, fx->ta, 0, future, 1, got, &never, &bad), SD_EFIELD);
    assert_int_equal(bad, 0);
    pthread_mutex_lock(&fx->mu);
    assert_int_equal(r[0].calls + r[1].calls + r[2].calls + r[3].calls, 0); /* none committed */
    pthread_mutex_unlock(&fx->mu);
    release_writer(fx);
    pthread_join(th, NULL);
    assert_int_equal(f.rc, 0);
    wait_answers(fx, r, 4);
    pthread_mutex_lock(&fx->mu);
    for (int i = 0; i < 4; i++)
        assert_int_equal(r[i].calls, 1);
    assert_int_equal(never.calls, 0);
    pthread_mutex_unlock(&fx->mu);
    assert_int_equal(r[0].rc, 0);
    assert_int_equal(r[1].rc, SD_EFIELD);
    assert_int_equal(r[1].bad, 1);
    assert_int_equal(r[2].rc, 0);
    assert_int_equal(r[3].rc, 0);
    assert_int_equal(count(fx), 1 + 2 + 1 + 1);
    assert_int_equal(sd_test_pf_int(&fx->base, "SELECT COUNT(*) FROM samples WHERE ts_ms = $1",
                                    SD_PARAMS(SD_V_INT(t0 + 2 * S))),
                     0);
    /* one commit for the first batch, ONE for the group of four */
    sd_ingest_stats_t st;
    sd_ingest_stats(fx->w, &st);
    assert_int_equal(st.batches, 5);
    assert_int_equal(st.commits, 2);
    assert_int_equal(fx->observed, 4); /* the refused batch is not observed */
}

/* ---- a full queue refuses; a stop drains ---------------------------------------------------- */

static void test_queue_full_and_stop(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = sd_test_time("2026-11-23T00:00:00Z");
    first_t f = {.fx = fx, .s = {{"gorin.level", t0, 1, SD_TS_GOOD}}};
    hold_writer(fx);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, first_batch, &f), 0);
    wait_held(fx);
    /* the held batch counts until it is answered: room for SD_INGEST_MAX_BATCHES - 1 more */
    size_t nq = SD_INGEST_MAX_BATCHES - 1;
    sd_ts_sample_t *s = calloc(nq + 1, sizeof *s);
    result_t *r = calloc(nq + 1, sizeof *r);
    assert_non_null(s);
    assert_non_null(r);
    sd_pf_t *pf = &fx->base.pf;
    for (size_t i = 0; i <= nq; i++) {
        s[i] = (sd_ts_sample_t){"gorin.flow", t0 + (int64_t)i * S, (double)i, SD_TS_GOOD};
        r[i].fx = fx;
        int rc = sd_ts_ingest_async(pf, fx->ta, 0, &s[i], 1, got, &r[i], NULL);
        assert_int_equal(rc, i < nq ? 0 : SD_EBUSY); /* bounded: the last one is refused */
    }
    sd_ingest_stats_t st;
    sd_ingest_stats(fx->w, &st);
    assert_int_equal(st.refused_full, 1);
    /* stop while all of them wait: every queued batch is still written and answered */
    release_writer(fx);
    pthread_join(th, NULL);
    pf->ingest = NULL;
    sd_ingest_stop(fx->w);
    fx->w = NULL;
    for (size_t i = 0; i < nq; i++) {
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].rc, 0);
    }
    assert_int_equal(r[nq].calls, 0);
    assert_int_equal(count(fx), 1 + (int64_t)nq);
    /* without a writer the caller commits itself (and done runs before the return) */
    result_t again = {.fx = fx};
    assert_int_equal(sd_ts_ingest_async(pf, fx->ta, 0, &s[nq], 1, got, &again, NULL), 0);
    assert_int_equal(again.calls, 1);
    assert_int_equal(again.rc, 0);
    assert_int_equal(count(fx), 2 + (int64_t)nq);
    free(s);
    free(r);
}

/* ---- inside the caller's transaction ---------------------------------------------------------
 */

/* A caller with its own transaction open joins it (the writer would wait for its write lock on
 * SQLite, and commit apart from it on PostgreSQL): its rollback takes the samples back too. */
static void test_inside_caller_tx(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = sd_test_time("2026-11-23T00:00:00Z");
    sd_ts_sample_t s[1] = {{"gorin.level", t0, 1, SD_TS_GOOD}};
    assert_int_equal(sd_store_begin(fx->base.st), 0);
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 1, NULL), 0);
    assert_int_equal(sd_store_rollback(fx->base.st), 0);
    assert_int_equal(count(fx), 0);
    assert_int_equal(sd_store_begin(fx->base.st), 0);
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 1, NULL), 0);
    assert_int_equal(sd_store_commit(fx->base.st), 0);
    assert_int_equal(count(fx), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest store[] = {
        T(test_concurrent),
        T(test_group_isolates_refusal),
        T(test_queue_full_and_stop),
        T(test_inside_caller_tx),
    };
    return SD_TEST_PF_RUN("ingest", store, SD_TEST_SQLITE | SD_TEST_PG) ? 1 : 0;
}
