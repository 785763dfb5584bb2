/* test_pf_request.c - lib/pf/request: parsers, routing, every state transition (with a fake clock
 * for expiry and timeouts), idempotent and conflicting replies, the wrong gateway, push delivery;
 * on SQLite and PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "helpers/pg.h"
#include "pf/requests/inventory.h"
#include "pf/requests/request.h"
#include "pf/requests/request_int.h"
#include "pf/data/ts.h"

static json_t *js(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fail_msg("test bug: bad JSON %s: %s", s, e.text);
    return v;
}

/* ---- pure parsers ------------------------------------------------------------------------------
 */

static void reply_err(const char *s, int want, const char *field)
{
    json_t *v = js(s);
    sd_gwif_reply_t r;
    sd_json_err_t e;
    int rc = sd_gwif_reply_parse(v, &r, &e);
    if (rc != want || (field && strcmp(e.field, field) != 0))
        fail_msg("%s: got %s field '%s' (%s), want %s field '%s'", s, sd_err_name(rc), e.field,
                 e.message, sd_err_name(want), field ? field : "");
    sd_gwif_reply_free(&r);
    json_decref(v);
}

static void test_parse(void **state)
{
    (void)state;
    reply_err("{\"ok\":true}", 0, NULL);
    reply_err("[]", SD_EFIELD, "");
    reply_err("{}", SD_EFIELD, "ok");
    reply_err("{\"ok\":\"yes\"}", SD_EFIELD, "ok");
    reply_err("{\"ok\":false}", SD_EFIELD, "reason");
    reply_err("{\"ok\":false,\"reason\":\"tired\"}", SD_EFIELD, "reason");
    reply_err("{\"ok\":true,\"reason\":\"nak\"}", SD_EFIELD, "reason");
    reply_err("{\"ok\":true,\"colour\":1}", SD_EFIELD, "colour");
    reply_err("{\"ok\":true,\"id\":0}", SD_EFIELD, "id");
    reply_err("{\"ok\":true,\"result\":[]}", SD_EFIELD, "result");
    reply_err("{\"ok\":false,\"reason\":\"nak\",\"values\":[{\"data_id\":\"a\",\"ts\":1,"
              "\"value\":1}]}",
              SD_EFIELD, "values");
    reply_err("{\"ok\":true,\"values\":[{\"data_id\":\"a\",\"ts\":\"2026-11-24T00:00:00Z\","
              "\"value\":1},{\"data_id\":\"b\",\"ts\":\"noon\",\"value\":1}]}",
              SD_EFIELD, "values[1].ts");
    /* epoch ms 1 is a time (1970): the storage window is sd_request_reply()'s check, not parsing */
    reply_err("{\"ok\":true,\"values\":[{\"data_id\":\"a\",\"ts\":1,\"value\":1}]}", 0, NULL);
    reply_err("{\"ok\":true,\"values\":[{\"data_id\":\"a\",\"ts\":-1,\"value\":1}]}", SD_EFIELD,
              "values[0].ts");
    reply_err("{\"ok\":true,\"values\":[{\"data_id\":\"\",\"ts\":1764000000000,\"value\":1}]}",
              SD_EFIELD, "values[0].data_id");
    reply_err("{\"ok\":true,\"values\":[{\"data_id\":\"a\",\"ts\":1764000000000,\"value\":\"1\"}]}",
              SD_EFIELD, "values[0].value");
    reply_err("{\"ok\":true,\"values\":[{\"data_id\":\"a\",\"ts\":1764000000000,\"value\":1,"
              "\"quality\":\"bad\"}]}",
              SD_EFIELD, "values[0].quality");

    json_t *v = js("{\"id\":5,\"ok\":true,\"values\":[{\"data_id\":\"a\",\"ts\":"
                   "\"2026-11-24T09:00:00+09:00\",\"value\":2.5,\"quality\":\"estimated\"},"
                   "{\"data_id\":\"b\",\"ts\":1764000000000,\"value\":-1,\"quality\":3}]}");
    sd_gwif_reply_t r;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_reply_parse(v, &r, &e), 0);
    assert_int_equal(r.id, 5);
    assert_int_equal(r.n_values, 2);
    assert_string_equal(r.values[0].data_id, "a");
    assert_int_equal(r.values[0].quality, SD_TS_ESTIMATED);
    assert_true(r.values[0].value == 2.5);
    assert_int_equal(r.values[1].ts_ms, INT64_C(1764000000000));
    assert_int_equal(r.values[1].quality, SD_TS_OUT_OF_RANGE);
    sd_gwif_reply_free(&r);
    json_decref(v);

    sd_apif_read_t rd;
    v = js("{\"data_ids\":[\"a\",\"b\"]}");
    assert_int_equal(sd_apif_read_parse(v, &rd, &e), 0);
    assert_int_equal(rd.n, 2);
    assert_int_equal(rd.wait_s, SD_REQ_DEFAULT_WAIT_S);
    sd_apif_read_free(&rd);
    json_decref(v);
    const char *bad_reads[][2] = {
        {"{}", "data_ids"},
        {"{\"data_ids\":[\"a\",\"a\"]}", "data_ids[1]"},
        {"{\"data_ids\":[\"a\"],\"wait\":61}", "wait"},
        {"{\"data_ids\":[\"a\"],\"timeout\":0}", "timeout"},
        {"{\"data_ids\":[\"a\"],\"x\":0}", "x"},
    };
    for (size_t i = 0; i < sizeof bad_reads / sizeof *bad_reads; i++) {
        v = js(bad_reads[i][0]);
        assert_int_equal(sd_apif_read_parse(v, &rd, &e), SD_EFIELD);
        assert_string_equal(e.field, bad_reads[i][1]);
        json_decref(v);
    }
    sd_apif_control_t c;
    v = js("{\"data_id\":\"o\",\"value\":\"dim\"}");
    assert_int_equal(sd_apif_control_parse(v, &c, &e), SD_EFIELD);
    assert_string_equal(e.field, "value");
    json_decref(v);
    v = js("{\"data_id\":\"o\",\"value\":\"off\",\"wait\":0}");
    assert_int_equal(sd_apif_control_parse(v, &c, &e), 0);
    assert_int_equal(c.wait_s, 0);
    json_decref(v);
    sd_req_kind_t k;
    sd_req_state_t s;
    assert_int_equal(sd_req_kind_parse("monitor_start", &k), 0);
    assert_int_equal(k, SD_REQ_MONITOR_START);
    assert_int_equal(sd_req_state_parse("timed_out", &s), 0);
    assert_true(sd_req_state_final(s));
    assert_false(sd_req_state_final(SD_REQ_SENT));
    assert_int_equal(sd_req_state_parse("done", &s), SD_EFIELD);
}

/* ---- the service on a store --------------------------------------------------------------------
 */

static sd_test_pg_t *g_pg;
static int g_seq;
#define T0 INT64_C(1795489200000) /* 2026-11-24T03:00:00Z */

typedef struct {
    sd_store_t *st;
    sd_clock_t *clock;
    sd_pf_t pf;
    sd_requests_t *r;
    int64_t ta, tb, g1, g2, gb;
    char path[128];
    /* the fake push channel */
    int pushes, push_fail;
    char last_cid[80];
} fx_t;

static int64_t ins(sd_store_t *st, const char *sql, const sd_val_t *p, int n)
{
    int64_t id = 0;
    int rc = sd_store_insert(st, sql, p, n, &id);
    if (rc)
        fail_msg("%s: %s: %s", sql, sd_strerror(rc), sd_store_errmsg());
    return id;
}

static void exec(sd_store_t *st, const char *sql, const sd_val_t *p, int n)
{
    int rc = sd_store_exec(st, sql, p, n, NULL);
    if (rc)
        fail_msg("%s: %s: %s", sql, sd_strerror(rc), sd_store_errmsg());
}

static int64_t mk_gw(fx_t *fx, int64_t tenant, int64_t org, const char *name, const char *cid)
{
    return ins(fx->st,
               "INSERT INTO clients (kind, name, org_id, tenant_id, client_id, secret_digest,"
               " created_at, updated_at) VALUES ('gateway', $1, $2, $3, $4, 'x', 0, 0)"
               " RETURNING id",
               SD_PARAMS(SD_V_TEXT(name), SD_V_INT(org), SD_V_INT(tenant), SD_V_TEXT(cid)));
}

/* A device with points <code>.level (Ai1), <code>.run (Di1) and output <code>.pump (Out2). */
static void mk_device(fx_t *fx, int64_t tenant, const char *code, const char *gateway)
{
    int64_t fac = ins(fx->st,
                      "INSERT INTO facilities (tenant_id, code, name, type, estate, version)"
                      " VALUES ($1, $2, 'f', 'dedicated', '001', 1) RETURNING id",
                      SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code)));
    int64_t dev =
        ins(fx->st,
            "INSERT INTO devices (tenant_id, facility_id, code, name, model, branch,"
            " office, estate, terminal, tel, version, gateway) VALUES ($1, $2, $3, 'd',"
            " 'L2', '01', '01', '001', '01', '0115812221', 1, $4) RETURNING id",
            SD_PARAMS(SD_V_INT(tenant), SD_V_INT(fac), SD_V_TEXT(code), SD_V_TEXT(gateway)));
    char id[80];
    const char *pts[][3] = {{"level", "analog", "Ai1"}, {"run", "monitor", "Di1"}};
    for (int i = 0; i < 2; i++) {
        snprintf(id, sizeof id, "%s.%s", code, pts[i][0]);
        ins(fx->st,
            "INSERT INTO points (tenant_id, device_id, data_id, name, signal, input, version)"
            " VALUES ($1, $2, $3, 'p', $4, $5, 1) RETURNING id",
            SD_PARAMS(SD_V_INT(tenant), SD_V_INT(dev), SD_V_TEXT(id), SD_V_TEXT(pts[i][1]),
                      SD_V_TEXT(pts[i][2])));
    }
    snprintf(id, sizeof id, "%s.pump", code);
    ins(fx->st,
        "INSERT INTO outputs (tenant_id, device_id, data_id, name, output_no, version)"
        " VALUES ($1, $2, $3, 'o', 2, 1) RETURNING id",
        SD_PARAMS(SD_V_INT(tenant), SD_V_INT(dev), SD_V_TEXT(id)));
}

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    char url[256];
    if (g_pg) {
        assert_int_equal(sd_test_pg_create_db(g_pg, url, sizeof url), 0);
    } else {
        snprintf(fx->path, sizeof fx->path, "/tmp/test_pf_request_%d_%d.db", (int)getpid(),
                 ++g_seq);
        snprintf(url, sizeof url, "sqlite://%s?sync=normal", fx->path);
    }
    int rc = sd_store_open(url, &fx->st);
    if (rc)
        fail_msg("open %s: %s: %s", url, sd_strerror(rc), sd_store_errmsg());
    fx->clock = sd_clock_fake_new(T0);
    fx->pf = (sd_pf_t){.store = fx->st, .clock = fx->clock};
    fx->ta = ins(fx->st,
                 "INSERT INTO tenants (name, kind, created_at) VALUES ('a', 'dedicated_operator',"
                 " 0) RETURNING id",
                 SD_NOPARAMS);
    fx->tb = ins(fx->st,
                 "INSERT INTO tenants (name, kind, created_at) VALUES ('b', 'dedicated_operator',"
                 " 0) RETURNING id",
                 SD_NOPARAMS);
    int64_t org = ins(fx->st,
                      "INSERT INTO orgs (tenant_id, kind, name, created_at) VALUES ($1,"
                      " 'operator', 'gwv', 0) RETURNING id",
                      SD_PARAMS(SD_V_INT(fx->ta)));
    fx->g1 = mk_gw(fx, fx->ta, org, "north", "gw-north");
    fx->g2 = mk_gw(fx, fx->ta, org, "south", "gw-south");
    fx->gb = mk_gw(fx, fx->tb, org, "otaru", "gw-otaru");
    mk_device(fx, fx->ta, "d1", "north");
    mk_device(fx, fx->ta, "d2", "");
    mk_device(fx, fx->tb, "b1", "");
    assert_int_equal(sd_requests_start(&fx->pf, &fx->r), 0);
    assert_ptr_equal(fx->pf.requests, fx->r);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    sd_requests_stop(fx->r);
    assert_null(fx->pf.requests);
    sd_store_close(fx->st);
    sd_clock_fake_free(fx->clock);
    if (fx->path[0]) {
        char p[160];
        unlink(fx->path);
        snprintf(p, sizeof p, "%s-wal", fx->path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", fx->path);
        unlink(p);
    }
    free(fx);
    return 0;
}

/* Submit kind for device with body (JSON text or NULL); returns the id. */
static int64_t submit(fx_t *fx, sd_req_kind_t kind, const char *device, const char *body,
                      int64_t timeout_ms)
{
    json_t *b = body ? js(body) : NULL;
    int64_t id = 0;
    sd_json_err_t e;
    int rc = sd_request_submit_ex(fx->r, NULL, fx->ta, kind, device, b, timeout_ms, &id, &e);
    if (rc)
        fail_msg("submit %s: %s %s %s", device, sd_strerror(rc), e.field, e.message);
    json_decref(b);
    return id;
}

static json_t *get(fx_t *fx, int64_t id)
{
    json_t *o = NULL;
    assert_int_equal(sd_request_json(fx->r, id, &o, NULL), 0);
    return o;
}

static void expect_state(fx_t *fx, int64_t id, const char *state, const char *history)
{
    json_t *o = get(fx, id);
    char h[256] = "";
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "history"), i, v)
    {
        if (i)
            strcat(h, ",");
        strcat(h, json_string_value(json_object_get(v, "state")));
    }
    if (strcmp(json_string_value(json_object_get(o, "state")), state) != 0 || strcmp(h, history))
        fail_msg("request %lld: state %s history %s, want %s %s", (long long)id,
                 json_string_value(json_object_get(o, "state")), h, state, history);
    json_decref(o);
}

static int reply(fx_t *fx, int64_t gw, int64_t id, const char *body, sd_json_err_t *e)
{
    json_t *v = js(body);
    int rc = sd_request_reply(fx->r, gw, id, v, e);
    json_decref(v);
    return rc;
}

static void test_routing(void **state)
{
    fx_t *fx = *state;
    int64_t gw = 0, id = 0;
    assert_int_equal(sd_request_route(fx->r, fx->ta, "d1", &gw), 0);
    assert_int_equal(gw, fx->g1);
    /* d2 names no gateway and the tenant has two: nobody serves it */
    assert_int_equal(sd_request_route(fx->r, fx->ta, "d2", &gw), SD_ECONFLICT);
    assert_int_equal(sd_request_submit(fx->r, NULL, fx->ta, SD_REQ_READ, "d2", NULL, 0, &id),
                     SD_ECONFLICT);
    assert_int_equal(sd_request_route(fx->r, fx->ta, "nope", &gw), SD_ENOTFOUND);
    assert_int_equal(sd_request_route(fx->r, fx->ta, "b1", &gw), SD_ENOTFOUND); /* tenant b's */
    assert_int_equal(sd_request_route(fx->r, fx->tb, "b1", &gw), 0);
    assert_int_equal(gw, fx->gb);
    /* south disabled: north is the only one, and takes d2 too */
    exec(fx->st, "UPDATE clients SET enabled = 0 WHERE id = $1", SD_PARAMS(SD_V_INT(fx->g2)));
    assert_int_equal(sd_request_route(fx->r, fx->ta, "d2", &gw), 0);
    assert_int_equal(gw, fx->g1);
    /* north disabled: d1 names a gateway that cannot take it */
    exec(fx->st, "UPDATE clients SET enabled = 0 WHERE id = $1", SD_PARAMS(SD_V_INT(fx->g1)));
    assert_int_equal(sd_request_route(fx->r, fx->ta, "d1", &gw), SD_ECONFLICT);

    /* inventory follows the same rule */
    exec(fx->st, "UPDATE clients SET enabled = 1", SD_NOPARAMS);
    sd_gw_info_t g;
    assert_int_equal(sd_gw_info(fx->st, fx->g1, &g), 0);
    assert_string_equal(g.name, "north");
    int rc = 0;
    json_t *inv = sd_gw_inventory_json(&fx->pf, &g, T0, &rc);
    assert_non_null(inv);
    assert_int_equal(json_array_size(json_object_get(inv, "devices")), 1);
    json_t *d = json_array_get(json_object_get(inv, "devices"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "code")), "d1");
    assert_int_equal(json_array_size(json_object_get(d, "points")), 2);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(d, "outputs"), 0), "output_no")),
                     2);
    json_decref(inv);
}

static void test_bodies(void **state)
{
    fx_t *fx = *state;
    struct {
        sd_req_kind_t kind;
        const char *device, *body, *field;
    } bad[] = {
        {SD_REQ_READ, "d1", "{\"data_ids\":[\"d2.level\"]}", "data_ids[0]"}, /* other device */
        {SD_REQ_READ, "d1", "{\"data_ids\":[\"d1.pump\"]}", "data_ids[0]"},  /* an output */
        {SD_REQ_READ, "d1", "{\"data_ids\":\"d1.level\"}", "data_ids"},
        {SD_REQ_CONTROL, "d1", "{\"data_id\":\"d1.level\",\"value\":\"on\"}", "data_id"},
        {SD_REQ_CONTROL, "d1", "{\"data_id\":\"d1.pump\",\"value\":1}", "value"},
        {SD_REQ_MONITOR_START, "d1", "{\"monitor\":1,\"interval_s\":0}", "interval_s"},
        {SD_REQ_MONITOR_STOP, "d1", "{}", "monitor"},
        {SD_REQ_SCHEDULE, "d1", NULL, ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *b = bad[i].body ? js(bad[i].body) : NULL;
        int64_t id = 0;
        sd_json_err_t e;
        int rc =
            sd_request_submit_ex(fx->r, NULL, fx->ta, bad[i].kind, bad[i].device, b, 0, &id, &e);
        if (rc != SD_EFIELD || strcmp(e.field, bad[i].field))
            fail_msg("case %zu: %s field '%s' (%s)", i, sd_strerror(rc), e.field, e.message);
        json_decref(b);
    }
    /* the monitor module's requests, as it submits them */
    int64_t id = submit(fx, SD_REQ_MONITOR_START, "d1",
                        "{\"monitor\":7,\"interval_s\":600,\"data_ids\":[\"d1.level\"]}", 0);
    json_t *o = get(fx, id);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "monitor_start");
    assert_int_equal(json_integer_value(json_object_get(o, "interval_s")), 600);
    assert_string_equal(json_string_value(json_object_get(o, "requested_by")), "system");
    json_decref(o);
}

static void test_read_succeeds(void **state)
{
    fx_t *fx = *state;
    int64_t id = submit(fx, SD_REQ_READ, "d1", "{\"data_ids\":[\"d1.level\",\"d1.run\"]}", 0);
    expect_state(fx, id, "queued", "queued");
    json_t *items = NULL;
    /* another gateway gets nothing of it */
    assert_int_equal(sd_requests_take(fx->r, fx->g2, 0, &items), 0);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    assert_int_equal(sd_requests_take(fx->r, fx->g1, 0, &items), 0);
    assert_int_equal(json_array_size(items), 1);
    json_t *m = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(m, "id")), id);
    assert_string_equal(json_string_value(json_object_get(m, "kind")), "read");
    assert_string_equal(json_string_value(json_object_get(m, "device")), "d1");
    assert_string_equal(json_string_value(json_object_get(m, "tel")), "0115812221");
    assert_string_equal(json_string_value(json_object_get(m, "created")), "2026-11-24T03:00:00Z");
    assert_string_equal(json_string_value(json_object_get(m, "deadline")), "2026-11-24T03:01:00Z");
    assert_int_equal(json_array_size(json_object_get(m, "data_ids")), 2);
    json_decref(items);
    /* taken once: at most once delivery */
    assert_int_equal(sd_requests_take(fx->r, fx->g1, 0, &items), 0);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    expect_state(fx, id, "sent", "queued,sent");

    sd_clock_fake_advance(fx->clock, 2000);
    const char *ok = "{\"ok\":true,\"values\":[{\"data_id\":\"d1.level\",\"ts\":"
                     "\"2026-11-24T03:00:01Z\",\"value\":2.43},{\"data_id\":\"d1.run\",\"ts\":"
                     "\"2026-11-24T03:00:01Z\",\"value\":1}]}";
    sd_json_err_t e;
    assert_int_equal(reply(fx, fx->g2, id, ok, &e), SD_ENOTFOUND); /* wrong gateway */
    assert_int_equal(reply(fx, fx->g1, 99999, ok, &e), SD_ENOTFOUND);
    assert_int_equal(reply(fx, fx->g1, id,
                           "{\"ok\":true,\"values\":[{\"data_id\":\"d2.level\",\"ts\":"
                           "\"2026-11-24T03:00:01Z\",\"value\":1}]}",
                           &e),
                     SD_EFIELD);
    assert_string_equal(e.field, "values[0].data_id");
    expect_state(fx, id, "sent", "queued,sent");
    assert_int_equal(reply(fx, fx->g1, id, ok, &e), 0);
    expect_state(fx, id, "succeeded", "queued,sent,succeeded");
    /* the values are stored */
    int64_t pid;
    sd_ts_value_t v;
    assert_int_equal(sd_ts_point_id(fx->st, fx->ta, "d1.level", &pid), 0);
    assert_int_equal(sd_ts_latest(fx->st, pid, &v), 0);
    assert_true(v.value == 2.43);
    assert_int_equal(v.ts_ms, T0 + 1000);
    json_t *o = get(fx, id);
    assert_int_equal(json_array_size(json_object_get(json_object_get(o, "result"), "values")), 2);
    assert_string_equal(json_string_value(json_object_get(o, "finished")), "2026-11-24T03:00:02Z");
    json_decref(o);
    /* the same reply again is fine; another outcome is a conflict */
    assert_int_equal(reply(fx, fx->g1, id, ok, &e), 0);
    assert_int_equal(reply(fx, fx->g1, id, "{\"ok\":false,\"reason\":\"busy\"}", &e), SD_ECONFLICT);
    expect_state(fx, id, "succeeded", "queued,sent,succeeded");
}

static void test_control_fails(void **state)
{
    fx_t *fx = *state;
    int64_t id = submit(fx, SD_REQ_CONTROL, "d1", "{\"data_id\":\"d1.pump\",\"value\":\"on\"}", 0);
    json_t *items = NULL;
    assert_int_equal(sd_requests_take(fx->r, fx->g1, 0, &items), 0);
    json_t *m = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(m, "output_no")), 2);
    assert_string_equal(json_string_value(json_object_get(m, "value")), "on");
    json_decref(items);
    sd_json_err_t e;
    assert_int_equal(reply(fx, fx->g1, id,
                           "{\"ok\":true,\"values\":[{\"data_id\":\"d1.level\",\"ts\":"
                           "\"2026-11-24T03:00:01Z\",\"value\":1}]}",
                           &e),
                     SD_EFIELD);
    assert_string_equal(e.field, "values");
    const char *nak = "{\"ok\":false,\"reason\":\"nak\",\"message\":\"NAK 03\"}";
    assert_int_equal(reply(fx, fx->g1, id, nak, &e), 0);
    expect_state(fx, id, "failed", "queued,sent,failed");
    json_t *o = get(fx, id);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "nak");
    assert_string_equal(json_string_value(json_object_get(o, "message")), "NAK 03");
    assert_true(json_is_null(json_object_get(o, "result")));
    json_decref(o);
    assert_int_equal(reply(fx, fx->g1, id, nak, &e), 0);
    assert_int_equal(reply(fx, fx->g1, id, "{\"ok\":false,\"reason\":\"busy\"}", &e), SD_ECONFLICT);
    assert_int_equal(reply(fx, fx->g1, id, "{\"ok\":true}", &e), SD_ECONFLICT);
}

static void test_expiry_and_timeout(void **state)
{
    fx_t *fx = *state;
    int64_t a = submit(fx, SD_REQ_READ, "d1", NULL, 1000);
    json_t *items = NULL;
    assert_int_equal(sd_requests_take(fx->r, fx->g1, 0, &items), 0);
    assert_int_equal(json_array_size(items), 1);
    json_decref(items);
    int64_t b = submit(fx, SD_REQ_READ, "d1", NULL, 1000);
    int64_t c = submit(fx, SD_REQ_READ, "d1", NULL, 5000);
    sd_clock_fake_advance(fx->clock, 999);
    assert_true(sd_requests_tick(fx->r) >= 0);
    expect_state(fx, a, "sent", "queued,sent");
    expect_state(fx, b, "queued", "queued");
    sd_clock_fake_advance(fx->clock, 1);
    assert_true(sd_requests_tick(fx->r) >= 0); /* the thread may have done it already */
    expect_state(fx, a, "timed_out", "queued,sent,timed_out");
    expect_state(fx, b, "expired", "queued,expired");
    expect_state(fx, c, "queued", "queued");
    json_t *o = get(fx, a);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "timeout");
    json_decref(o);
    o = get(fx, b);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "expired");
    assert_true(json_is_null(json_object_get(o, "sent")));
    json_decref(o);
    assert_int_equal(sd_requests_tick(fx->r), 0);
    /* an expired request is not handed out; a late reply to a timed-out one conflicts */
    assert_int_equal(sd_requests_take(fx->r, fx->g1, 0, &items), 0);
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), c);
    json_decref(items);
    sd_json_err_t e;
    assert_int_equal(reply(fx, fx->g1, a, "{\"ok\":true}", &e), SD_ECONFLICT);
    assert_int_equal(reply(fx, fx->g1, b, "{\"ok\":true}", &e), SD_ECONFLICT);
}

static int fake_push(void *ctx, const char *cid, const char *payload, size_t len)
{
    fx_t *fx = ctx;
    fx->pushes++;
    snprintf(fx->last_cid, sizeof fx->last_cid, "%s", cid);
    json_t *m = json_loadb(payload, len, 0, NULL);
    assert_non_null(json_object_get(m, "id"));
    json_decref(m);
    return fx->push_fail;
}

static void test_push(void **state)
{
    fx_t *fx = *state;
    sd_requests_set_push(fx->r, fake_push, fx);
    /* not online: nothing pushed, left for the long-poll */
    int64_t a = submit(fx, SD_REQ_READ, "d1", NULL, 0);
    assert_int_equal(fx->pushes, 0);
    expect_state(fx, a, "queued", "queued");
    exec(fx->st,
         "INSERT INTO gw_state (client_id, online, changed_at, last_seen) VALUES ($1, 1, 0, 0)",
         SD_PARAMS(SD_V_INT(fx->g1)));
    /* online: pushed at once, and the flush (a birth) delivers what waited */
    int64_t b = submit(fx, SD_REQ_READ, "d1", NULL, 0);
    assert_int_equal(fx->pushes, 1);
    assert_string_equal(fx->last_cid, "gw-north");
    expect_state(fx, b, "sent", "queued,sent");
    assert_int_equal(sd_requests_flush(fx->r, fx->g1), 0);
    assert_int_equal(fx->pushes, 2);
    expect_state(fx, a, "sent", "queued,sent");
    /* a failed publish puts it back */
    fx->push_fail = SD_ECLOSED;
    int64_t c = submit(fx, SD_REQ_READ, "d1", NULL, 0);
    assert_int_equal(fx->pushes, 3);
    expect_state(fx, c, "queued", "queued,sent,queued");
    sd_requests_set_push(fx->r, NULL, NULL);
    json_t *items = NULL;
    assert_int_equal(sd_requests_take(fx->r, fx->g1, 0, &items), 0);
    assert_int_equal(json_array_size(items), 1);
    json_decref(items);
    expect_state(fx, c, "sent", "queued,sent,queued,sent");
}

int main(void)
{
    const struct CMUnitTest pure[] = {cmocka_unit_test(test_parse)};
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest store[] = {
        T(test_routing),
        T(test_bodies),
        T(test_read_succeeds),
        T(test_control_fails),
        T(test_expiry_and_timeout),
        T(test_push),
    };
    int failed = cmocka_run_group_tests_name("request pure", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("request store: sqlite", store, NULL, NULL);
    if (getenv("SUIDO_NO_PG")) {
        fprintf(stderr, "test_pf_request: SUIDO_NO_PG set, PostgreSQL suite skipped\n");
    } else if (sd_test_pg_start(&g_pg) == 0) {
        failed += cmocka_run_group_tests_name("request store: postgresql", store, NULL, NULL);
        sd_test_pg_stop(g_pg);
    } else {
        fprintf(stderr, "test_pf_request: could not start PostgreSQL: that suite FAILS\n");
        failed++;
    }
    return failed ? 1 : 0;
}
