/* test_pf_ratelimit.c - per-tenant token buckets: burst, refill, isolation, many tenants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "pf/ratelimit.h"

static void test_burst_then_refill(void **state)
{
    (void)state;
    sd_ratelimit_t *rl = sd_ratelimit_new(10.0, 5.0); /* 10/s, bursts of 5 */
    int64_t wait;
    for (int i = 0; i < 5; i++)
        assert_int_equal(sd_ratelimit_take(rl, 7, 1000, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 7, 1000, &wait), SD_ERATE);
    assert_true(wait > 0 && wait <= 101);
    assert_int_equal(sd_ratelimit_take(rl, 7, 1050, &wait), SD_ERATE); /* half a token */
    assert_int_equal(sd_ratelimit_take(rl, 7, 1100, &wait), 0);        /* one token back */
    /* a long pause refills only up to the burst */
    for (int i = 0; i < 5; i++)
        assert_int_equal(sd_ratelimit_take(rl, 7, 60000, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 7, 60000, &wait), SD_ERATE);
    /* time going backwards adds nothing */
    assert_int_equal(sd_ratelimit_take(rl, 7, 59000, &wait), SD_ERATE);
    sd_ratelimit_free(rl);
}

static void test_tenants_are_isolated(void **state)
{
    (void)state;
    sd_ratelimit_t *rl = sd_ratelimit_new(1.0, 3.0);
    int64_t wait;
    for (int i = 0; i < 3; i++)
        assert_int_equal(sd_ratelimit_take(rl, 1, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 1, 0, &wait), SD_ERATE);
    /* a thousand other tenants are each served from their own full bucket */
    for (int64_t t = 2; t < 1002; t++)
        assert_int_equal(sd_ratelimit_take(rl, t, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 1, 0, &wait), SD_ERATE);
    assert_int_equal(sd_ratelimit_take(rl, 500, 0, &wait), 0);
    sd_ratelimit_free(rl);
}

/* peek answers like take without taking; the table forgets refilled keys, never waiting ones
 * (the connect throttle keys by address and client id, so keys come and go) */
static void test_peek_and_forget(void **state)
{
    (void)state;
    sd_ratelimit_t *rl = sd_ratelimit_new(1.0, 2.0);
    int64_t wait;
    assert_int_equal(sd_ratelimit_peek(rl, 1, 0, &wait), 0); /* unknown = full */
    assert_int_equal(wait, 0);
    assert_int_equal(sd_ratelimit_take(rl, 1, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_peek(rl, 1, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_peek(rl, 1, 0, &wait), 0); /* peeking takes nothing */
    assert_int_equal(sd_ratelimit_take(rl, 1, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_peek(rl, 1, 0, &wait), SD_ERATE);
    assert_true(wait > 0 && wait <= 1001);
    /* ten thousand keys come while key 1 waits: it keeps its empty bucket */
    for (int64_t k = 2; k < 10002; k++)
        assert_int_equal(sd_ratelimit_take(rl, k, 500, &wait), 0);
    assert_int_equal(sd_ratelimit_peek(rl, 1, 500, &wait), SD_ERATE);
    assert_int_equal(sd_ratelimit_take(rl, 5000, 500, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 5000, 500, &wait), SD_ERATE);
    assert_int_equal(sd_ratelimit_peek(rl, 1, 1000, &wait), 0);
    /* much later every bucket is full again, so new keys may drop them all: nothing changes */
    for (int64_t k = 20000; k < 30000; k++)
        assert_int_equal(sd_ratelimit_take(rl, k, 100000, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 1, 100000, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 1, 100000, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 1, 100000, &wait), SD_ERATE);
    assert_int_equal(sd_ratelimit_take(rl, 25000, 100000, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 25000, 100000, &wait), SD_ERATE);
    sd_ratelimit_free(rl);
}

static void test_give_back(void **state)
{
    (void)state;
    sd_ratelimit_t *rl = sd_ratelimit_new(1.0, 2.0);
    int64_t wait;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), 0);
        sd_ratelimit_give(rl, 9, 0);
    }
    assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), SD_ERATE);
    sd_ratelimit_give(rl, 9, 0);
    sd_ratelimit_give(rl, 9, 0);
    sd_ratelimit_give(rl, 9, 0); /* not above the burst */
    assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), 0);
    assert_int_equal(sd_ratelimit_take(rl, 9, 0, &wait), SD_ERATE);
    sd_ratelimit_give(rl, 12345, 0); /* no bucket: ignored */
    sd_ratelimit_free(rl);
}

/* Client addresses come and go: refilled buckets are dropped as the table fills, a drained
 * one is kept (else a flood of new addresses would wash out a limited one). */
static void test_refilled_buckets_dropped(void **state)
{
    (void)state;
    sd_ratelimit_t *rl = sd_ratelimit_new(1.0, 2.0);
    int64_t wait;
    for (int64_t round = 0; round < 50; round++) {
        int64_t now = round * 10000; /* every earlier bucket has refilled */
        assert_int_equal(sd_ratelimit_take(rl, -1, now, &wait), 0);
        assert_int_equal(sd_ratelimit_take(rl, -1, now, &wait), 0);
        for (int64_t k = 1; k <= 1000; k++)
            assert_int_equal(sd_ratelimit_take(rl, round * 1000 + k, now, &wait), 0);
        assert_int_equal(sd_ratelimit_take(rl, -1, now, &wait), SD_ERATE);
        assert_int_equal(sd_ratelimit_take(rl, round * 1000 + 7, now, &wait), 0);
        assert_int_equal(sd_ratelimit_take(rl, round * 1000 + 7, now, &wait), SD_ERATE);
    }
    sd_ratelimit_free(rl);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    assert_null(sd_ratelimit_new(0, 10));
    assert_null(sd_ratelimit_new(10, 0.5));
    assert_null(sd_ratelimit_new(-1, 10));
    sd_ratelimit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_tenants_are_isolated),
        cmocka_unit_test(test_peek_and_forget),
        cmocka_unit_test(test_give_back),
        cmocka_unit_test(test_refilled_buckets_dropped),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
