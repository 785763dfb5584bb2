/* test_gw_north.c - the gateway engine's north side with a fake backend and a fake clock:
 * batches uploaded, retried after a failure, deleted once acknowledged (or the refused row
 * alone), events held while the platform takes none, requests fetched and dispatched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "gw/gw.h"
#include "gw/north.h"
#include "gwif/gwif.h"

/* ---- a clock the test moves, safe to read from the engine's threads ------------------------ */

typedef struct {
    sd_clock_t clock;
    _Atomic int64_t wall, mono;
} tclock_t;

static int64_t t_wall(void *ctx)
{
    return atomic_load(&((tclock_t *)ctx)->wall);
}

static int64_t t_mono(void *ctx)
{
    return atomic_load(&((tclock_t *)ctx)->mono);
}

static const struct sd_clock_ops t_ops = {t_wall, t_mono};

/* ---- the fake backend ----------------------------------------------------------------------- */

#define MAX_UP 64

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* script */
    int fail_data;       /* fail this many data uploads with SD_EAGAIN */
    long drop_data;      /* >= 0: refuse this row of the next data batch */
    bool events_missing; /* answer event batches with SD_EUNSUPPORTED */
    char *requests;      /* the next long-poll answer (owned), NULL: block */
    int inv_version;     /* the inventory served */
    bool closing;
    /* record */
    int n_up;
    struct {
        sd_gw_qkind_t kind;
        size_t n;
        char first[128], last[128];
        int rc;
    } up[MAX_UP];
    int n_reply;
    int64_t reply_id[16];
    json_t *reply[16];
    int n_inv;
} fake_t;

static void fake_lock(fake_t *f)
{
    pthread_mutex_lock(&f->mu);
}

static void fake_unlock(fake_t *f)
{
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

/* The record as it is now, to assert on without holding the fake's lock (a failed assertion
 * leaves the test at once). */
static fake_t snap(fake_t *f)
{
    fake_t c;
    pthread_mutex_lock(&f->mu);
    memcpy(&c, f, sizeof c);
    pthread_mutex_unlock(&f->mu);
    return c;
}

static int f_upload(void *ctx, sd_gw_qkind_t kind, const sd_gw_qrow_t *rows, size_t n,
                    sd_gw_upload_t *res)
{
    fake_t *f = ctx;
    fake_lock(f);
    int rc = 0;
    res->dropped = -1;
    if (kind == SD_GW_Q_EVENT && f->events_missing) {
        rc = SD_EUNSUPPORTED;
    } else if (kind == SD_GW_Q_DATA && f->fail_data > 0) {
        f->fail_data--;
        rc = SD_EAGAIN;
    } else if (kind == SD_GW_Q_DATA && f->drop_data >= 0) {
        res->dropped = f->drop_data;
        f->drop_data = -1;
    }
    if (f->n_up < MAX_UP) {
        f->up[f->n_up].kind = kind;
        f->up[f->n_up].n = n;
        snprintf(f->up[f->n_up].first, sizeof f->up[0].first, "%s", rows[0].body);
        snprintf(f->up[f->n_up].last, sizeof f->up[0].last, "%s", rows[n - 1].body);
        f->up[f->n_up].rc = rc;
        f->n_up++;
    }
    fake_unlock(f);
    return rc;
}

static int f_reply(void *ctx, int64_t id, const char *body)
{
    fake_t *f = ctx;
    fake_lock(f);
    if (f->n_reply < 16) {
        f->reply_id[f->n_reply] = id;
        f->reply[f->n_reply++] = json_loads(body, 0, NULL);
    }
    fake_unlock(f);
    return 0;
}

/* A long-poll: the scripted answer, else wait for one (or for the end of the test). */
static int f_fetch_requests(void *ctx, sd_buf_t *body, long *status)
{
    fake_t *f = ctx;
    pthread_mutex_lock(&f->mu);
    while (!f->requests && !f->closing)
        pthread_cond_wait(&f->cv, &f->mu);
    int rc = SD_ECLOSED;
    if (f->requests) {
        rc = sd_buf_append_str(body, f->requests);
        free(f->requests);
        f->requests = NULL;
        *status = 200;
    }
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int f_fetch_inventory(void *ctx, char *etag, size_t etag_sz, sd_buf_t *body)
{
    fake_t *f = ctx;
    fake_lock(f);
    char v[32];
    snprintf(v, sizeof v, "\"v%d\"", f->inv_version);
    int rc = 1;
    if (strcmp(etag, v)) {
        snprintf(etag, etag_sz, "%s", v);
        char buf[512];
        snprintf(buf, sizeof buf,
                 "{\"version\":%d,\"devices\":[{\"code\":\"dev-1\",\"model\":\"L2\","
                 "\"branch\":1,\"office\":1,\"estate\":1,\"terminal\":1,\"tel\":\"0100000001\","
                 "\"points\":[{\"data_id\":\"p.level\",\"signal\":\"analog\",\"input\":\"Ai1\","
                 "\"scale_lo\":0,\"scale_hi\":5}]}]}",
                 f->inv_version);
        rc = sd_buf_append_str(body, buf);
        f->n_inv++;
    }
    fake_unlock(f);
    return rc;
}

static const sd_gw_north_ops_t fake_ops = {
    .name = "fake",
    .max_batch_bytes = 1 << 20,
    .upload = f_upload,
    .reply = f_reply,
    .fetch_requests = f_fetch_requests,
    .fetch_inventory = f_fetch_inventory,
};

/* ---- fixture -------------------------------------------------------------------------------- */

typedef struct {
    char dir[64];
    sd_gw_queue_t *q;
    tclock_t clk;
    fake_t f;
    sd_gw_t *g;
} fx_t;

static int setup(void **st)
{
    fx_t *x = calloc(1, sizeof *x);
    assert_non_null(x);
    snprintf(x->dir, sizeof x->dir, "/tmp/gwn.XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    char path[96];
    snprintf(path, sizeof path, "%s/queue.db", x->dir);
    assert_int_equal(sd_gw_queue_open(path, 0, &x->q), 0);
    x->clk.clock = (sd_clock_t){&t_ops, &x->clk};
    atomic_store(&x->clk.wall, INT64_C(1795000000000)); /* 2026-11 */
    pthread_mutex_init(&x->f.mu, NULL);
    pthread_cond_init(&x->f.cv, NULL);
    x->f.drop_data = -1;
    x->f.inv_version = 1;
    *st = x;
    return 0;
}

static int teardown(void **st)
{
    fx_t *x = *st;
    fake_lock(&x->f);
    x->f.closing = true; /* lets the long-poll go */
    fake_unlock(&x->f);
    sd_gw_free(x->g);
    sd_gw_queue_close(x->q);
    free(x->f.requests);
    for (int i = 0; i < x->f.n_reply; i++)
        json_decref(x->f.reply[i]);
    pthread_mutex_destroy(&x->f.mu);
    pthread_cond_destroy(&x->f.cv);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    int rc = system(cmd);
    free(x);
    return rc == 0 ? 0 : -1;
}

static void start(fx_t *x)
{
    sd_gw_cfg_t c = {.workers = 1,
                     .accept_threads = 1,
                     .retries = 3,
                     .batch = 10,
                     .inv_refresh_s = 3600,
                     .window_len_min = 240};
    sd_gw_deps_t d = {.clock = &x->clk.clock, .queue = x->q, .north = {&fake_ops, &x->f}};
    assert_int_equal(sd_gw_new(&c, &d, &x->g), 0);
    assert_int_equal(sd_gw_load_inventory(x->g), 0);
    assert_int_equal(sd_gw_device_count(x->g), 1);
    assert_int_equal(sd_gw_start(x->g), 0);
}

/* n samples in one transaction, as a collection stores them: one batch for the drainer */
static void push_data(fx_t *x, int from, int n)
{
    char body[8][64];
    sd_gw_qitem_t it[8];
    assert_true(n <= 8);
    for (int i = 0; i < n; i++) {
        snprintf(body[i], sizeof body[i], "{\"s\":%d}", from + i);
        it[i] = (sd_gw_qitem_t){SD_GW_Q_DATA, body[i]};
    }
    assert_int_equal(sd_gw_queue_push(x->q, it, (size_t)n, NULL, 0, NULL), 0);
    sd_gw_wake(x->g);
}

typedef bool (*pred_t)(fx_t *x);

/*
 * Wait until pred holds. The fake's condition variable is signalled by every backend call; a
 * round that ends in a back-off waits on the fake clock, so each turn moves it by a second and
 * wakes the engine. Bounded: a broken engine fails the test instead of hanging it.
 */
static bool wait_for(fx_t *x, pred_t pred)
{
    for (int turn = 0; turn < 200; turn++) {
        fake_lock(&x->f);
        bool ok = pred(x);
        if (!ok) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000000;
            ts.tv_sec += ts.tv_nsec / 1000000000;
            ts.tv_nsec %= 1000000000;
            pthread_cond_timedwait(&x->f.cv, &x->f.mu, &ts);
            ok = pred(x);
        }
        pthread_mutex_unlock(&x->f.mu);
        if (ok)
            return true;
        atomic_fetch_add(&x->clk.wall, 1000);
        atomic_fetch_add(&x->clk.mono, 1000);
        sd_gw_wake(x->g);
    }
    return false;
}

static int64_t queued(fx_t *x, sd_gw_qkind_t kind)
{
    sd_gw_qrow_t *rows;
    size_t n;
    assert_int_equal(sd_gw_queue_peek(x->q, kind, 1000, 1 << 24, &rows, &n), 0);
    sd_gw_queue_rows_free(rows, n);
    return (int64_t)n;
}

static int data_uploads(const fake_t *f)
{
    int k = 0;
    for (int i = 0; i < f->n_up; i++)
        k += f->up[i].kind == SD_GW_Q_DATA;
    return k;
}

static bool two_data_uploads(fx_t *x)
{
    return data_uploads(&x->f) >= 2;
}

static bool data_drained(fx_t *x)
{
    return queued(x, SD_GW_Q_DATA) == 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_batch_retried_then_acknowledged(void **st)
{
    fx_t *x = *st;
    x->f.fail_data = 1;
    start(x);
    push_data(x, 1, 3);
    assert_true(wait_for(x, two_data_uploads));
    assert_true(wait_for(x, data_drained));
    fake_t f = snap(&x->f);
    /* the same batch twice, oldest first: refused once, then acknowledged and deleted */
    int first = -1, second = -1;
    for (int i = 0; i < f.n_up; i++) {
        if (f.up[i].kind != SD_GW_Q_DATA)
            continue;
        if (first < 0)
            first = i;
        else if (second < 0)
            second = i;
    }
    assert_true(first >= 0 && second > first);
    assert_int_equal(f.up[first].rc, SD_EAGAIN);
    assert_int_equal(f.up[second].rc, 0);
    assert_int_equal(f.up[first].n, 3);
    assert_int_equal(f.up[second].n, 3);
    assert_string_equal(f.up[second].first, "{\"s\":1}");
    assert_string_equal(f.up[second].last, "{\"s\":3}");
    /* gateway_start went up first, on the event lane */
    assert_int_equal(f.up[0].kind, SD_GW_Q_EVENT);
    assert_non_null(strstr(f.up[0].first, "gateway_start"));
    sd_gw_stats_t s;
    sd_gw_stats(x->g, &s);
    assert_true(s.upload_failures >= 1);
    assert_int_equal(queued(x, SD_GW_Q_EVENT), 0);
}

static void test_refused_row_alone_is_dropped(void **st)
{
    fx_t *x = *st;
    x->f.drop_data = 1;
    start(x);
    push_data(x, 1, 3);
    assert_true(wait_for(x, data_drained));
    fake_t f = snap(&x->f);
    assert_int_equal(data_uploads(&f), 2);
    int last = f.n_up - 1;
    /* the row refused was {"s":2}: the retry carries the other two */
    assert_int_equal(f.up[last].kind, SD_GW_Q_DATA);
    assert_int_equal(f.up[last].n, 2);
    assert_string_equal(f.up[last].first, "{\"s\":1}");
    assert_string_equal(f.up[last].last, "{\"s\":3}");
}

/* Queue rows to GW-IF batches by gwif: what the platform parses back; a row it refuses is named. */
static void test_batch_build(void **st)
{
    (void)st;
    char *rows_txt[] = {
        "{\"data_id\":\"p.level\",\"ts\":\"2026-11-23T23:00:00Z\",\"value\":2.5,"
        "\"quality\":\"good\"}",
        "{\"data_id\":\"p.flow\",\"ts\":1795474800000,\"value\":7}",
        "{\"data_id\":\"p.bad\",\"ts\":\"2026-11-23 23:00\",\"value\":1}",
    };
    sd_gw_qrow_t rows[3];
    for (int i = 0; i < 3; i++)
        rows[i] = (sd_gw_qrow_t){.id = 10 + i, .body = rows_txt[i]};
    sd_buf_t b = {0};
    assert_int_equal(sd_gw_batch_build(SD_GW_Q_DATA, rows, 2, "d10-11", &b), 0);
    sd_gwif_data_t d;
    assert_int_equal(sd_gwif_data_parse(b.data, b.len, 10, &d, NULL), 0);
    assert_string_equal(d.id, "d10-11");
    assert_int_equal(d.n, 2);
    assert_string_equal(d.v[0].data_id, "p.level");
    assert_true(d.v[0].ts_ms == INT64_C(1795474800000) && d.v[1].ts_ms == d.v[0].ts_ms);
    assert_true(d.v[0].value == 2.5 && d.v[1].value == 7);
    sd_gwif_data_free(&d);
    sd_buf_free(&b);
    /* a time without its offset is not checked here: the platform refuses it by its index
     * (samples[2]), and the engine drops that one row */
    assert_int_equal(sd_gw_batch_build(SD_GW_Q_DATA, rows, 3, NULL, &b), 0);
    sd_json_err_t err = {0};
    assert_int_equal(sd_gwif_data_parse(b.data, b.len, 10, &d, &err), SD_EFIELD);
    assert_string_equal(err.field, "samples[2].ts");
    sd_buf_free(&b);
    /* events */
    sd_gw_qrow_t ev[] = {
        {.id = 1,
         .body = (char *)"{\"ts\":\"2026-11-23T23:00:00Z\",\"kind\":\"gateway_start\","
                         "\"severity\":4,\"detail\":{\"queued_samples\":0}}"},
        {.id = 2,
         .body = (char *)"{\"ts\":1795474800000,\"kind\":\"poll_failed\","
                         "\"device\":\"dev-1\",\"message\":\"no answer\"}"},
    };
    assert_int_equal(sd_gw_batch_build(SD_GW_Q_EVENT, ev, 2, NULL, &b), 0);
    sd_gwif_events_t e;
    assert_int_equal(sd_gwif_events_parse(b.data, b.len, 10, &e, NULL), 0);
    assert_int_equal(e.n, 2);
    assert_string_equal(e.v[0].kind, "gateway_start");
    assert_string_equal(e.v[0].detail, "{\"queued_samples\":0}");
    assert_string_equal(e.v[1].device, "dev-1");
    sd_gwif_events_free(&e);
    sd_buf_free(&b);
}

static void test_events_wait_data_goes_on(void **st)
{
    fx_t *x = *st;
    x->f.events_missing = true;
    start(x);
    assert_int_equal(sd_gw_event(x->g, "test", "dev-1", 3, "an event", NULL), 0);
    push_data(x, 1, 2);
    assert_true(wait_for(x, data_drained));
    /* gateway_start and ours stay queued for the next offer */
    assert_int_equal(queued(x, SD_GW_Q_EVENT), 2);
}

static bool three_replies(fx_t *x)
{
    return x->f.n_reply >= 3;
}

static bool replies_drained(fx_t *x)
{
    return queued(x, SD_GW_Q_REPLY) == 0;
}

static void test_requests_dispatched_and_replied(void **st)
{
    fx_t *x = *st;
    start(x);
    fake_lock(&x->f);
    /* request messages as the platform builds them (gwif), and one gwif refuses (no deadline) */
#define ENV(id, dev, kind)                                                                         \
    "{\"id\":" #id ",\"device\":\"" dev "\",\"kind\":\"" kind "\",\"tel\":\"\","                   \
    "\"created\":\"2026-11-24T05:00:00Z\",\"deadline\":\"2099-01-01T00:00:00Z\","                  \
    "\"master_version\":1"
    x->f.requests = strdup("{\"requests\":[" ENV(7, "nope", "read") "}," ENV(
        8, "dev-1", "monitor_stop") ",\"monitor\":1},"
                                    "{\"id\":9,\"device\":\"dev-1\",\"kind\":\"read\"}"
                                    "],\"master_version\":1}");
#undef ENV
    fake_unlock(&x->f);
    assert_true(wait_for(x, three_replies));
    fake_t f = snap(&x->f);
    for (int i = 0; i < 3; i++) {
        json_t *r = f.reply[i];
        assert_int_equal(json_integer_value(json_object_get(r, "id")), f.reply_id[i]);
        /* each reply is one the platform's gwif takes */
        sd_gwif_reply_t rep;
        assert_int_equal(sd_gwif_reply_parse(r, &rep, NULL), 0);
        sd_gwif_reply_free(&rep);
        if (f.reply_id[i] == 7) {
            assert_true(json_is_false(json_object_get(r, "ok")));
            assert_string_equal(json_string_value(json_object_get(r, "reason")), "unsupported");
        } else if (f.reply_id[i] == 9) {
            assert_true(json_is_false(json_object_get(r, "ok")));
            assert_string_equal(json_string_value(json_object_get(r, "reason")), "refused");
            assert_non_null(strstr(json_string_value(json_object_get(r, "message")), "created"));
        } else {
            assert_int_equal(f.reply_id[i], 8);
            assert_true(json_is_true(json_object_get(r, "ok")));
        }
    }
    /* each reply is deleted once delivered */
    assert_true(wait_for(x, replies_drained));
}

static bool inv_reloaded(fx_t *x)
{
    return x->f.n_inv >= 2;
}

/* A newer master_version in a long-poll answer reloads the inventory (the old one is freed). */
static void test_newer_master_reloads_inventory(void **st)
{
    fx_t *x = *st;
    start(x);
    fake_lock(&x->f);
    x->f.inv_version = 2;
    x->f.requests = strdup("{\"requests\":[],\"master_version\":2}");
    fake_unlock(&x->f);
    assert_true(wait_for(x, inv_reloaded));
    /* and replaced many times over while running: nothing is kept but the current one */
    for (int v = 3; v < 200; v++) {
        fake_lock(&x->f);
        x->f.inv_version = v;
        fake_unlock(&x->f);
        assert_int_equal(sd_gw_load_inventory(x->g), 0);
    }
    assert_int_equal(sd_gw_device_count(x->g), 1);
}

int main(void)
{
    sd_log_set_level(SD_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_retried_then_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_row_alone_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_wait_data_goes_on, setup, teardown),
        cmocka_unit_test(test_batch_build),
        cmocka_unit_test_setup_teardown(test_requests_dispatched_and_replied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_master_reloads_inventory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
