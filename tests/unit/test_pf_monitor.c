/* test_pf_monitor.c - periodic monitors: the pure parts (start body, webhook URLs, signature), and
 * the service on a SQLite store with fake event streams (what the api layer registers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "pf/data/ts.h"
#include "pf/requests/monitor.h"

static int parse(const char *body, sd_monitor_spec_t *s, sd_json_err_t *e)
{
    return sd_monitor_spec_parse(body, strlen(body), s, e);
}

static void test_spec_ok(void **state)
{
    (void)state;
    sd_monitor_spec_t s;
    sd_json_err_t e;
    assert_int_equal(parse("{\"data_ids\":[\"a.b\",\"c\"],\"interval_s\":60,"
                           "\"webhook\":\"https://h.example.jp:8443/x?y=1\"}",
                           &s, &e),
                     0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.data_ids[0], "a.b");
    assert_string_equal(s.data_ids[1], "c");
    assert_int_equal(s.interval_s, 60);
    assert_string_equal(s.webhook, "https://h.example.jp:8443/x?y=1");
    sd_monitor_spec_free(&s);
    assert_null(s.root);
    assert_int_equal(parse("{\"data_ids\":[\"a\"],\"interval_s\":86400,\"webhook\":null}", &s, &e),
                     0);
    assert_null(s.webhook);
    sd_monitor_spec_free(&s);
}

static void test_spec_errors(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int rc;
        const char *field;
    } cases[] = {
        {"{\"data_ids\":[\"a\"],\"interval_s\":60", SD_ESYNTAX, ""},
        {"[1]", SD_EFIELD, ""},
        {"{\"interval_s\":60}", SD_EFIELD, "data_ids"},
        {"{\"data_ids\":[],\"interval_s\":60}", SD_EFIELD, "data_ids"},
        {"{\"data_ids\":\"a\",\"interval_s\":60}", SD_EFIELD, "data_ids"},
        {"{\"data_ids\":[\"a\",1],\"interval_s\":60}", SD_EFIELD, "data_ids[1]"},
        {"{\"data_ids\":[\"a\",\"\"],\"interval_s\":60}", SD_EFIELD, "data_ids[1]"},
        {"{\"data_ids\":[\"a\",\"b\",\"a\"],\"interval_s\":60}", SD_EFIELD, "data_ids[2]"},
        {"{\"data_ids\":[\"a\"]}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":59}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":86401}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60.5}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60,\"webhook\":5}", SD_EFIELD, "webhook"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60,\"webhook\":\"ftp://x/\"}", SD_EFIELD, "webhook"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60,\"extra\":1}", SD_EFIELD, "extra"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sd_monitor_spec_t s;
        sd_json_err_t e;
        int rc = parse(cases[i].body, &s, &e);
        if (rc != cases[i].rc || strcmp(e.field, cases[i].field))
            fail_msg("%s: rc %d field '%s' (%s)", cases[i].body, rc, e.field, e.message);
        assert_null(s.root);
        assert_int_equal(s.n, 0);
    }
    /* 101 data IDs */
    char big[2048] = "{\"interval_s\":60,\"data_ids\":[";
    for (int i = 0; i <= SD_MONITOR_IDS_MAX; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%s\"p%d\"", i ? "," : "", i);
    strcat(big, "]}");
    sd_monitor_spec_t s;
    sd_json_err_t e;
    assert_int_equal(parse(big, &s, &e), SD_EFIELD);
    assert_string_equal(e.field, "data_ids");
}

static void test_webhook_urls(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "http://127.0.0.1:8080/hook", "https://hooks.example.jp", "HTTPS://h.example/a?b=c&d=e",
        "http://[::1]:9000/x",        "http://a-b.c/p/q/r~s%20t",
    };
    static const char *const bad[] = {
        "",
        "ftp://h/",
        "http:/h/",
        "http://",
        "https://:80/",
        "http://user@h/",
        "http://u:p@h/",
        "http://h:0/",
        "http://h:65536/",
        "http://h:/",
        "http://h x/",
        "http://h/a b",
        "http://h/#frag",
        "http://h/\x01",
        "http://h/\x80",
        "javascript:x",
        "http://h..i/",
        "http://.h/",
        "http://[::1/",
        "http://[]/",
        "http://h\\@evil/",
        "http://h_x/",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (sd_monitor_webhook_check(ok[i], strlen(ok[i]), NULL))
            fail_msg("refused %s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        if (sd_monitor_webhook_check(bad[i], strlen(bad[i]), &why) != SD_EFIELD || !why)
            fail_msg("accepted %s", bad[i]);
    }
    /* the length counts, not a NUL: a URL cut short by len is judged as cut */
    assert_int_equal(sd_monitor_webhook_check("http://h/abc", 7, NULL), SD_EFIELD);
    char longurl[SD_MONITOR_URL_MAX + 16] = "http://h/";
    memset(longurl + 9, 'a', SD_MONITOR_URL_MAX);
    longurl[SD_MONITOR_URL_MAX + 9] = '\0';
    assert_int_equal(sd_monitor_webhook_check(longurl, strlen(longurl), NULL), SD_EFIELD);
}

static void test_sign(void **state)
{
    (void)state;
    char sig[80];
    const char *msg = "The quick brown fox jumps over the lazy dog";
    sd_monitor_sign((const uint8_t *)"key", 3, msg, strlen(msg), sig);
    /* RFC 4231-style well-known vector */
    assert_string_equal(sig,
                        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

/* ---- the service ------------------------------------------------------------------------------
 */

#define T0 INT64_C(1795489200000) /* 2026-11-24T03:00:00Z */

/* A fake event stream: what the service wrote, and whether it closed it. */
typedef struct {
    sd_buf_t text;
    int closed, fail;
} fstream_t;

static pthread_mutex_t g_fs_mu = PTHREAD_MUTEX_INITIALIZER;

static int fs_write(void *ctx, void *stream, const char *text, size_t len)
{
    (void)ctx;
    fstream_t *f = stream;
    pthread_mutex_lock(&g_fs_mu);
    int rc = f->fail ? f->fail : sd_buf_append(&f->text, text, len);
    if (!rc)
        rc = sd_buf_append_byte(&f->text, '\0');
    if (!rc)
        f->text.len--; /* kept NUL-terminated for strstr */
    pthread_mutex_unlock(&g_fs_mu);
    return rc;
}

static void fs_close(void *ctx, void *stream)
{
    int *closes = ctx;
    fstream_t *f = stream;
    pthread_mutex_lock(&g_fs_mu);
    f->closed++;
    (*closes)++;
    pthread_mutex_unlock(&g_fs_mu);
}

static int fs_has(fstream_t *f, const char *what)
{
    pthread_mutex_lock(&g_fs_mu);
    int has = f->text.data && strstr(f->text.data, what) != NULL;
    pthread_mutex_unlock(&g_fs_mu);
    return has;
}

static int fs_closed(fstream_t *f)
{
    pthread_mutex_lock(&g_fs_mu);
    int c = f->closed;
    pthread_mutex_unlock(&g_fs_mu);
    return c;
}

typedef struct {
    sd_store_t *st;
    sd_clock_t *clock;
    sd_pf_t pf;
    sd_monitors_t *m;
    int closes;
    int64_t ta, tb, org;
    sd_principal_t app, other_app;
    char path[128];
} mfx_t;

static int g_seq;

static int64_t ins(sd_store_t *st, const char *sql, const sd_val_t *p, int n)
{
    int64_t id = 0;
    int rc = sd_store_insert(st, sql, p, n, &id);
    if (rc)
        fail_msg("%s: %s: %s", sql, sd_strerror(rc), sd_store_errmsg());
    return id;
}

static void mk_points(mfx_t *fx, int64_t tenant, const char *code)
{
    int64_t fac = ins(fx->st,
                      "INSERT INTO facilities (tenant_id, code, name, type, estate, version)"
                      " VALUES ($1, $2, 'f', 'dedicated', '001', 1) RETURNING id",
                      SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code)));
    int64_t dev = ins(fx->st,
                      "INSERT INTO devices (tenant_id, facility_id, code, name, model, branch,"
                      " office, estate, terminal, tel, version, gateway) VALUES ($1, $2, $3, 'd',"
                      " 'L2', '01', '01', '001', '01', '0115812221', 1, '') RETURNING id",
                      SD_PARAMS(SD_V_INT(tenant), SD_V_INT(fac), SD_V_TEXT(code)));
    const char *pts[][3] = {{"level", "analog", "Ai1"}, {"run", "monitor", "Di1"}};
    for (int i = 0; i < 2; i++) {
        char id[80];
        snprintf(id, sizeof id, "%s.%s", code, pts[i][0]);
        ins(fx->st,
            "INSERT INTO points (tenant_id, device_id, data_id, name, signal, input, version)"
            " VALUES ($1, $2, $3, 'p', $4, $5, 1) RETURNING id",
            SD_PARAMS(SD_V_INT(tenant), SD_V_INT(dev), SD_V_TEXT(id), SD_V_TEXT(pts[i][1]),
                      SD_V_TEXT(pts[i][2])));
    }
}

static void start(mfx_t *fx, const sd_monitors_config_t *cfg)
{
    fx->pf.n_observers = 0; /* a restart: the stopped object must not be called */
    assert_int_equal(sd_monitors_start(&fx->pf, cfg, &fx->m), 0);
    sd_monitors_set_streams(fx->m, &(sd_monitor_streams_t){fs_write, fs_close, &fx->closes});
}

static int msetup(void **state)
{
    mfx_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_pf_monitor_%d_%d.db", (int)getpid(), ++g_seq);
    char url[200];
    snprintf(url, sizeof url, "sqlite://%s?sync=normal", fx->path);
    int rc = sd_store_open(url, &fx->st);
    if (rc)
        fail_msg("open %s: %s: %s", url, sd_strerror(rc), sd_store_errmsg());
    fx->clock = sd_clock_fake_new(T0);
    fx->pf = (sd_pf_t){.store = fx->st, .clock = fx->clock};
    for (int i = 0; i < 32; i++)
        fx->pf.secret_key[i] = (unsigned char)(3 * i + 5);
    fx->ta = ins(fx->st,
                 "INSERT INTO tenants (name, kind, created_at) VALUES ('a', 'dedicated_operator',"
                 " 0) RETURNING id",
                 SD_NOPARAMS);
    fx->tb = ins(fx->st,
                 "INSERT INTO tenants (name, kind, created_at) VALUES ('b', 'dedicated_operator',"
                 " 0) RETURNING id",
                 SD_NOPARAMS);
    fx->org = ins(fx->st,
                  "INSERT INTO orgs (tenant_id, kind, name, created_at) VALUES ($1, 'operator',"
                  " 'o', 0) RETURNING id",
                  SD_PARAMS(SD_V_INT(fx->ta)));
    mk_points(fx, fx->ta, "d1");
    mk_points(fx, fx->tb, "b1");
    fx->app = (sd_principal_t){
        .role = SD_ROLE_APPLICATION, .subject_id = 7, .tenant_id = fx->ta, .org_id = fx->org};
    fx->other_app = fx->app;
    fx->other_app.subject_id = 8;
    *state = fx;
    return 0;
}

static int mteardown(void **state)
{
    mfx_t *fx = *state;
    sd_monitors_stop(fx->m);
    sd_store_close(fx->st);
    sd_clock_fake_free(fx->clock);
    char p[160];
    unlink(fx->path);
    snprintf(p, sizeof p, "%s-wal", fx->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", fx->path);
    unlink(p);
    free(fx);
    return 0;
}

static int64_t create(mfx_t *fx, const sd_principal_t *who, const char *body, json_t **out)
{
    sd_monitor_spec_t spec;
    sd_json_err_t e;
    assert_int_equal(parse(body, &spec, &e), 0);
    json_t *o = NULL;
    int rc = sd_monitor_create(fx->m, who, fx->ta, &spec, &o, &e);
    sd_monitor_spec_free(&spec);
    if (rc)
        fail_msg("create %s: %s %s %s", body, sd_err_name(rc), e.field, e.message);
    int64_t id = json_integer_value(json_object_get(o, "id"));
    if (out)
        *out = o;
    else
        json_decref(o);
    return id;
}

static void ingest(mfx_t *fx, int64_t tenant, const char *data_id, double v)
{
    sd_ts_sample_t s = {.data_id = data_id, .ts_ms = sd_pf_now_ms(&fx->pf) - 1000, .value = v};
    size_t bad = 0;
    assert_int_equal(sd_ts_ingest(&fx->pf, tenant, 0, &s, 1, &bad), 0);
}

static void test_service(void **state)
{
    mfx_t *fx = *state;
    start(fx, &(sd_monitors_config_t){.heartbeat_ms = 3600000, .webhook_allow = "127.0.0.1/32"});

    /* refused: a webhook into an internal network, unless allow-listed (127.0.0.1 here) */
    static const struct {
        const char *url, *why;
    } internal[] = {
        {"http://[::1]:1/x", "::1 is a loopback address"},
        {"http://127.0.0.2:1/x", "127.0.0.2 is a loopback address"},
        {"http://2130706434/x", "127.0.0.2 is a loopback address"},
        {"http://10.1.2.3/x", "10.1.2.3 is a private address"},
        {"https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"},
        {"http://[::ffff:192.168.0.1]/", "::ffff:192.168.0.1 is a private address"},
        {"http://0.0.0.0:8080/", "0.0.0.0 is an unspecified address"},
    };
    for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"data_ids\":[\"d1.level\"],\"interval_s\":60,\"webhook\":\"%s\"}",
                 internal[i].url);
        sd_monitor_spec_t sp;
        sd_json_err_t er;
        json_t *oo = NULL;
        assert_int_equal(parse(body, &sp, &er), 0);
        assert_int_equal(sd_monitor_create(fx->m, &fx->app, fx->ta, &sp, &oo, &er), SD_EFIELD);
        assert_string_equal(er.field, "webhook");
        if (strncmp(er.message, internal[i].why, strlen(internal[i].why)) ||
            !strstr(er.message, "monitor.webhook_allow"))
            fail_msg("%s: %s", internal[i].url, er.message);
        assert_null(oo);
        sd_monitor_spec_free(&sp);
    }

    /* refused: another tenant's point, too many active */
    sd_monitor_spec_t spec;
    sd_json_err_t e;
    json_t *o = NULL;
    assert_int_equal(
        parse("{\"data_ids\":[\"d1.level\",\"b1.level\"],\"interval_s\":60}", &spec, &e), 0);
    assert_int_equal(sd_monitor_create(fx->m, &fx->app, fx->ta, &spec, &o, &e), SD_EFIELD);
    assert_string_equal(e.field, "data_ids[1]");
    assert_null(o);
    sd_monitor_spec_free(&spec);

    int64_t m1 = create(fx, &fx->app, "{\"data_ids\":[\"d1.level\"],\"interval_s\":60}", &o);
    assert_true(m1 > 0);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "active");
    assert_string_equal(json_string_value(json_object_get(o, "owner")), "app:7");
    assert_int_equal(json_integer_value(json_object_get(o, "subscribers")), 0);
    assert_true(json_is_false(json_object_get(o, "gateway_notified"))); /* no request service */
    assert_null(json_object_get(o, "webhook_secret"));
    json_decref(o);
    int64_t m2 = create(fx, &fx->other_app,
                        "{\"data_ids\":[\"d1.run\"],\"interval_s\":120,"
                        "\"webhook\":\"http://127.0.0.1:1/x\"}",
                        &o);
    const char *secret = json_string_value(json_object_get(o, "webhook_secret"));
    assert_non_null(secret);
    assert_int_equal(strlen(secret), 64);
    /* the secret is kept sealed, never in clear */
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->st, "SELECT webhook_secret FROM monitors WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(m2)), &q),
                     0);
    size_t bl = 0;
    const void *blob = sd_stmt_blob(q, 0, &bl);
    assert_int_equal(bl, 24 + 16 + 64);
    for (size_t i = 0; i + 64 <= bl; i++)
        assert_memory_not_equal((const char *)blob + i, secret, 64);
    sd_stmt_done(q);
    json_decref(o);

    /* an audit record each */
    assert_int_equal(sd_store_query_row(fx->st,
                                        "SELECT COUNT(*) FROM audit WHERE action ="
                                        " 'monitor.start'",
                                        SD_NOPARAMS, &q),
                     0);
    assert_int_equal(sd_stmt_int64(q, 0), 2);
    sd_stmt_done(q);

    /* lists: all, one application's, by state */
    sd_pf_items_t it;
    assert_int_equal(sd_monitor_list(fx->m, fx->ta, NULL, 0, &it), 0);
    assert_int_equal(it.n, 2);
    assert_int_equal(it.scopes[0].tenant_id, fx->ta);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(it.rows, 0), "id")), m1);
    sd_pf_items_free(&it);
    assert_int_equal(sd_monitor_list(fx->m, fx->ta, NULL, 8, &it), 0);
    assert_int_equal(it.n, 1);
    sd_pf_items_free(&it);
    assert_int_equal(sd_monitor_list(fx->m, fx->ta, "stopped", 0, &it), 0);
    assert_int_equal(it.n, 0);
    sd_pf_items_free(&it);
    assert_int_equal(sd_monitor_list(fx->m, fx->tb, NULL, 0, &it), 0);
    assert_int_equal(it.n, 0);
    sd_pf_items_free(&it);

    /* a stream: live samples of the monitored point only */
    fstream_t a = {0}, b = {0};
    assert_int_equal(sd_monitor_can_subscribe(fx->m, m1), 0);
    assert_int_equal(sd_monitor_subscribe(fx->m, m1, &a, SD_MONITOR_CRED_SESSION, 1), 0);
    sd_monitor_t r;
    assert_int_equal(sd_monitor_get(fx->m, m1, &r), 0);
    o = sd_monitor_json(fx->m, &r);
    assert_int_equal(json_integer_value(json_object_get(o, "subscribers")), 1);
    json_decref(o);
    ingest(fx, fx->ta, "d1.run", 1);
    assert_null(a.text.data);
    ingest(fx, fx->ta, "d1.level", 2.5);
    char id_line[40];
    snprintf(id_line, sizeof id_line, "id: %lld\n", (long long)T0);
    assert_true(fs_has(&a, id_line));
    assert_true(fs_has(&a, "event: samples\ndata: {\"monitor\":"));
    assert_true(fs_has(&a, "\"data_id\":\"d1.level\""));
    assert_true(fs_has(&a, "\"value\":2.5"));
    assert_false(fs_has(&a, "d1.run"));
    sd_monitors_stats_t stats;
    sd_monitors_stats(fx->m, &stats);
    assert_true(stats.events >= 2); /* one for each monitor with a receiver */

    /* replay from a cursor: the stored sample again */
    sd_monitor_replay(fx->m, &b, &r, T0 - 1);
    assert_true(fs_has(&b, "\"data_id\":\"d1.level\""));
    assert_true(fs_has(&b, id_line));
    sd_monitor_free(&r);

    /* a client too slow is cut */
    fstream_t slow = {.fail = SD_ETOOBIG};
    assert_int_equal(sd_monitor_subscribe(fx->m, m1, &slow, SD_MONITOR_CRED_SESSION, 1), 0);
    ingest(fx, fx->ta, "d1.level", 3);
    assert_int_equal(fs_closed(&slow), 1);
    sd_monitors_stats(fx->m, &stats);
    assert_int_equal(stats.streams_cut, 1);
    assert_int_equal(fs_closed(&a), 0);

    /* at most SD_MONITOR_SUBS_MAX streams */
    fstream_t many[SD_MONITOR_SUBS_MAX] = {0};
    for (int i = 0; i < SD_MONITOR_SUBS_MAX; i++) {
        assert_int_equal(sd_monitor_can_subscribe(fx->m, m2), 0);
        assert_int_equal(sd_monitor_subscribe(fx->m, m2, &many[i], SD_MONITOR_CRED_TOKEN, 1), 0);
    }
    assert_int_equal(sd_monitor_can_subscribe(fx->m, m2), SD_ECONFLICT);

    /* stop: a last event, the stream ends, the row says stopped; stopping again is harmless */
    assert_int_equal(sd_monitor_get(fx->m, m1, &r), 0);
    sd_clock_fake_advance(fx->clock, 5000);
    assert_int_equal(sd_monitor_stop(fx->m, &fx->app, &r, &o), 0);
    sd_monitor_free(&r);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "stopped");
    assert_true(json_is_string(json_object_get(o, "stopped")));
    json_decref(o);
    assert_true(fs_has(&a, "event: stopped\ndata: {\"monitor\":"));
    assert_int_equal(fs_closed(&a), 1);
    assert_int_equal(sd_monitor_can_subscribe(fx->m, m1), SD_ENOTFOUND);
    assert_int_equal(sd_monitor_subscribe(fx->m, m1, &b, SD_MONITOR_CRED_SESSION, 1), SD_ENOTFOUND);
    assert_int_equal(sd_monitor_get(fx->m, m1, &r), 0);
    assert_false(r.active);
    assert_int_equal(sd_monitor_stop(fx->m, &fx->app, &r, &o), 0);
    sd_monitor_free(&r);
    json_decref(o);
    assert_int_equal(sd_store_query_row(fx->st,
                                        "SELECT COUNT(*) FROM audit WHERE action ="
                                        " 'monitor.stop'",
                                        SD_NOPARAMS, &q),
                     0);
    assert_int_equal(sd_stmt_int64(q, 0), 1);
    sd_stmt_done(q);
    assert_int_equal(sd_monitor_get(fx->m, 999, &r), SD_ENOTFOUND);

    /* the service's stop closes what is still open */
    sd_monitors_stop(fx->m);
    fx->m = NULL;
    for (int i = 0; i < SD_MONITOR_SUBS_MAX; i++) {
        assert_int_equal(many[i].closed, 1);
        sd_buf_free(&many[i].text);
    }
    sd_buf_free(&a.text);
    sd_buf_free(&b.text);
}

static void wait_for(int (*cond)(void *), void *arg, const char *what)
{
    for (int i = 0; i < 500; i++) { /* 5 s */
        if (cond(arg))
            return;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("timed out waiting for %s", what);
}

static int is_closed(void *arg)
{
    return fs_closed(arg) > 0;
}

static sd_monitors_t *g_m;

static int dropped_one(void *arg)
{
    (void)arg;
    sd_monitors_stats_t s;
    sd_monitors_stats(g_m, &s);
    return s.webhook_dropped == 1;
}

/*
 * The heartbeat ends a stream whose credential is gone; a restart reopens the webhook secret; a
 * webhook registered while its address was allow-listed is not sent once it no longer is: the
 * check is made again on the address connected.
 */
static void test_heartbeat_and_restart(void **state)
{
    mfx_t *fx = *state;
    /* a real listener, so that a connection, had one been made, would show */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 8), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
    char body[160];
    snprintf(body, sizeof body,
             "{\"data_ids\":[\"d1.level\"],\"interval_s\":60,"
             "\"webhook\":\"http://127.0.0.1:%d/hook\"}",
             ntohs(sa.sin_port));
    sd_monitors_config_t cfg = {
        .heartbeat_ms = 20, .webhook_attempts = 1, .webhook_allow = "127.0.0.0/8"};
    start(fx, &cfg);
    int64_t m1 = create(fx, &fx->app, body, NULL);
    fstream_t a = {0};
    assert_int_equal(sd_monitor_subscribe(fx->m, m1, &a, SD_MONITOR_CRED_SESSION, 424242), 0);
    wait_for(is_closed, &a, "the stream of a missing session to end");
    assert_true(fs_has(&a, "event: unauthorized\n"));
    sd_buf_free(&a.text);

    /* restart without the allow-list: the active monitor and its sealed secret are loaded
       again, so its webhook is attempted, refused before connecting, and given up after the one
       attempt configured */
    sd_monitors_stop(fx->m);
    cfg.webhook_allow = NULL;
    start(fx, &cfg);
    g_m = fx->m;
    ingest(fx, fx->ta, "d1.level", 1);
    wait_for(dropped_one, NULL, "the webhook to be attempted and dropped");
    sd_monitors_stats_t s;
    sd_monitors_stats(fx->m, &s);
    assert_int_equal(s.webhook_ok, 0);
    assert_int_equal(s.events, 1);
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 0); /* nothing connected to the listener */
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_ok),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_webhook_urls),
        cmocka_unit_test(test_sign),
    };
    const struct CMUnitTest service[] = {
        cmocka_unit_test_setup_teardown(test_service, msetup, mteardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_and_restart, msetup, mteardown),
    };
    int failed = cmocka_run_group_tests_name("monitor pure", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("monitor service: sqlite", service, NULL, NULL);
    return failed ? 1 : 0;
}
