/* test_gw_queue.c - the store-and-forward queue: order, lanes, bound, kv, crash and reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "gw/queue.h"

static char dir[64], path[96];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/gwq.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/queue.db", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_order_and_lanes(void **st)
{
    (void)st;
    sd_gw_queue_t *q;
    assert_int_equal(sd_gw_queue_open(path, 0, &q), 0);
    sd_gw_qitem_t a[] = {{SD_GW_Q_DATA, "d1"}, {SD_GW_Q_EVENT, "e1"}, {SD_GW_Q_DATA, "d2"}};
    assert_int_equal(sd_gw_queue_push(q, a, 3, NULL, 0, NULL), 0);
    sd_gw_qitem_t b[] = {{SD_GW_Q_DATA, "d3"}};
    assert_int_equal(sd_gw_queue_push(q, b, 1, NULL, 0, NULL), 0);
    sd_gw_qrow_t *r;
    size_t n;
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_DATA, 2, 1 << 20, &r, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(r[0].body, "d1");
    assert_string_equal(r[1].body, "d2");
    int64_t first = r[0].id, last = r[1].id;
    sd_gw_queue_rows_free(r, n);
    /* Nothing is gone before the ack: peeking again gives the same items. */
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_DATA, 10, 1 << 20, &r, &n), 0);
    assert_int_equal(n, 3);
    sd_gw_queue_rows_free(r, n);
    assert_int_equal(sd_gw_queue_ack(q, SD_GW_Q_DATA, first, last), 0);
    /* The event lane is untouched by data acks even though its id lies between. */
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_EVENT, 10, 1 << 20, &r, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].body, "e1");
    sd_gw_queue_rows_free(r, n);
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_DATA, 10, 1 << 20, &r, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].body, "d3");
    sd_gw_queue_rows_free(r, n);
    /* max_bytes cuts a batch but always returns at least one item. */
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_DATA, 10, 1, &r, &n), 0);
    assert_int_equal(n, 1);
    sd_gw_queue_rows_free(r, n);
    sd_gw_qstats_t s;
    sd_gw_queue_stats(q, &s);
    assert_int_equal(s.data, 1);
    assert_int_equal(s.events, 1);
    assert_int_equal(s.bytes, 4);
    assert_int_equal(s.acked, 2);
    sd_gw_queue_close(q);
}

static void test_bound_and_nearly_full(void **st)
{
    (void)st;
    sd_gw_queue_t *q;
    assert_int_equal(sd_gw_queue_open(path, 100, &q), 0);
    char body[41];
    memset(body, 'x', 40);
    body[40] = '\0';
    sd_gw_qitem_t it = {SD_GW_Q_DATA, body};
    bool nf = true;
    assert_int_equal(sd_gw_queue_push(q, &it, 1, NULL, 0, &nf), 0); /* 40 */
    assert_false(nf);
    assert_int_equal(sd_gw_queue_push(q, &it, 1, NULL, 0, &nf), 0); /* 80 */
    assert_false(nf);
    sd_gw_qitem_t small = {SD_GW_Q_DATA, "0123456789ab"};
    assert_int_equal(sd_gw_queue_push(q, &small, 1, NULL, 0, &nf), 0); /* 92 > 90 % */
    assert_true(nf);
    assert_int_equal(sd_gw_queue_push(q, &small, 1, NULL, 0, &nf), SD_ETOOBIG);
    /* An event still fits in the reserve (100 + 100/16 = 106), reported once only. */
    sd_gw_qitem_t ev = {SD_GW_Q_EVENT, "queue_full"};
    assert_int_equal(sd_gw_queue_push(q, &ev, 1, NULL, 0, &nf), 0);
    assert_false(nf);
    assert_int_equal(sd_gw_queue_push(q, &ev, 1, NULL, 0, &nf), SD_ETOOBIG);
    sd_gw_qstats_t s;
    sd_gw_queue_stats(q, &s);
    assert_int_equal(s.bytes, 102);
    assert_int_equal(s.data, 3);
    /* A refused push wrote nothing, atomically: a mixed batch is refused whole. */
    sd_gw_qitem_t mix[] = {{SD_GW_Q_EVENT, "e"}, {SD_GW_Q_DATA, "0123456789"}};
    assert_int_equal(sd_gw_queue_push(q, mix, 2, NULL, 0, NULL), SD_ETOOBIG);
    sd_gw_queue_stats(q, &s);
    assert_int_equal(s.events, 1);
    /* Draining below 80 % re-arms the warning. */
    sd_gw_qrow_t *r;
    size_t n;
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_DATA, 2, 1000, &r, &n), 0);
    assert_int_equal(sd_gw_queue_ack(q, SD_GW_Q_DATA, r[0].id, r[n - 1].id), 0);
    sd_gw_queue_rows_free(r, n);
    assert_int_equal(sd_gw_queue_push(q, &it, 1, NULL, 0, &nf), 0); /* 22 + 40 */
    assert_false(nf);
    assert_int_equal(sd_gw_queue_push(q, &small, 1, NULL, 0, &nf), 0); /* 74 */
    assert_int_equal(sd_gw_queue_push(q, &small, 1, NULL, 0, &nf), 0); /* 86 */
    assert_false(nf);
    assert_int_equal(sd_gw_queue_push(q, &small, 1, NULL, 0, &nf), 0); /* 98 */
    assert_true(nf);
    sd_gw_queue_close(q);
}

/* A child pushes and kv-sets, then dies by SIGKILL without closing: all of it must be there. */
static void test_crash_and_reopen(void **st)
{
    (void)st;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sd_gw_queue_t *q;
        if (sd_gw_queue_open(path, 0, &q))
            _exit(2);
        char body[32];
        for (int i = 0; i < 500; i++) {
            snprintf(body, sizeof body, "s%03d", i);
            sd_gw_qitem_t it = {i % 10 == 9 ? SD_GW_Q_EVENT : SD_GW_Q_DATA, body};
            sd_gw_kv_t kv = {"dev.gorin-l2.last", i};
            if (sd_gw_queue_push(q, &it, 1, &kv, 1, NULL))
                _exit(3);
        }
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    sd_gw_queue_t *q;
    assert_int_equal(sd_gw_queue_open(path, 0, &q), 0);
    sd_gw_qstats_t s;
    sd_gw_queue_stats(q, &s);
    assert_int_equal(s.data, 450);
    assert_int_equal(s.events, 50);
    assert_int_equal(sd_gw_queue_kv_get(q, "dev.gorin-l2.last", -1), 499);
    assert_int_equal(sd_gw_queue_kv_get(q, "nope", -1), -1);
    sd_gw_qrow_t *r;
    size_t n;
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_DATA, 1000, 1 << 20, &r, &n), 0);
    assert_int_equal(n, 450);
    assert_string_equal(r[0].body, "s000");
    assert_string_equal(r[8].body, "s008");
    assert_string_equal(r[9].body, "s010");
    assert_string_equal(r[449].body, "s498");
    sd_gw_queue_rows_free(r, n);
    /* Acked items stay acked across a reopen. */
    assert_int_equal(sd_gw_queue_peek(q, SD_GW_Q_EVENT, 20, 1 << 20, &r, &n), 0);
    assert_int_equal(sd_gw_queue_ack(q, SD_GW_Q_EVENT, r[0].id, r[19].id), 0);
    sd_gw_queue_rows_free(r, n);
    assert_int_equal(sd_gw_queue_kv_set(q, "dev.gorin-l2.last", 7), 0);
    sd_gw_queue_close(q);
    assert_int_equal(sd_gw_queue_open(path, 0, &q), 0);
    sd_gw_queue_stats(q, &s);
    assert_int_equal(s.events, 30);
    assert_int_equal(sd_gw_queue_kv_get(q, "dev.gorin-l2.last", -1), 7);
    sd_gw_queue_close(q);
}

static void test_open_fails_cleanly(void **st)
{
    (void)st;
    sd_gw_queue_t *q = (sd_gw_queue_t *)1;
    assert_int_equal(sd_gw_queue_open("/nonexistent-dir/x/queue.db", 0, &q), SD_ESTORE);
    assert_null(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_lanes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_and_nearly_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_and_reopen, setup, teardown),
        cmocka_unit_test(test_open_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
