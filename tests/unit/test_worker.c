/* test_worker.c - core/worker: ticks, wake-ups, the last round on stop, the shared lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/worker.h"

typedef struct {
    int rounds, last_round;
    int64_t next;
    pthread_mutex_t mu; /* for the test's own wait on rounds */
    pthread_cond_t cv;
} state_t;

static int64_t tick(void *ctx, int stopping)
{
    state_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->rounds++;
    if (stopping)
        s->last_round = s->rounds;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return s->next;
}

static void wait_rounds(state_t *s, int n)
{
    pthread_mutex_lock(&s->mu);
    while (s->rounds < n)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

static void test_wake_and_stop(void **st)
{
    (void)st;
    state_t s = {.next = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    sd_worker_t *w = NULL;
    assert_int_equal(sd_worker_start("t-wake", tick, &s, &w), 0);
    wait_rounds(&s, 1); /* the first round runs at once */
    sd_worker_wake(w);
    wait_rounds(&s, 2); /* a wake-up runs another, though the tick asked for none */
    sd_worker_wake(w);
    wait_rounds(&s, 3);
    sd_worker_stop(w);
    assert_true(s.rounds >= 4);
    assert_int_equal(s.last_round, s.rounds); /* the last round knows it is the last */
}

static void test_periodic(void **st)
{
    (void)st;
    state_t s = {.next = 1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    sd_worker_t *w = NULL;
    assert_int_equal(sd_worker_start("t-tick", tick, &s, &w), 0);
    wait_rounds(&s, 20); /* every 1 ms without anyone waking it */
    sd_worker_lock(w);   /* the lock is the one tick runs under: no round while held */
    pthread_mutex_lock(&s.mu);
    int held = s.rounds;
    pthread_mutex_unlock(&s.mu);
    pthread_mutex_lock(&s.mu);
    assert_int_equal(s.rounds, held);
    pthread_mutex_unlock(&s.mu);
    sd_worker_unlock(w);
    sd_worker_stop(w);
    sd_worker_stop(NULL);
    sd_worker_wake(NULL);
}

/* A tick that always asks for another round at once must still let stop (and the lock) in. */
static void test_busy_tick_still_stops(void **st)
{
    (void)st;
    state_t s = {.next = 0, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    sd_worker_t *w = NULL;
    assert_int_equal(sd_worker_start("t-busy", tick, &s, &w), 0);
    wait_rounds(&s, 100);
    sd_worker_lock(w);
    sd_worker_unlock(w);
    sd_worker_wake(w);
    sd_worker_stop(w);
    assert_int_equal(s.last_round, s.rounds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_and_stop),
        cmocka_unit_test(test_periodic),
        cmocka_unit_test(test_busy_tick_still_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
