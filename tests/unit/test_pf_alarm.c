/* test_pf_alarm.c - lib/pf/alarm + event: the ISA-18.2 state machine (every transition and the
 * illegal ones), shelve expiry, hysteresis and on-delay with a fake clock, flood and cause
 * groups, no-contact alarms from events, restart re-evaluation, the event batch parser. */
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
#include "helpers/pf_fixture.h"
#include "pf/alarms/alarm.h"
#include "pf/data/ts.h"

#define S   INT64_C(1000)
#define MIN (60 * S)

/* ---- event parser (pure) --------------------------------------------------------------------- */

static void ev_bad(const char *json, int want, const char *field)
{
    sd_gwif_events_t b;
    sd_json_err_t e;
    int rc = sd_gwif_events_parse(json, strlen(json), 3, &b, &e);
    if (rc != want || (field && strcmp(e.field, field) != 0))
        fail_msg("%s: rc %d field '%s' (%s), want %d '%s'", json, rc, e.field, e.message, want,
                 field ? field : "");
    assert_null(b.v);
    assert_int_equal(b.n, 0);
}

#define EV0 "{\"ts\":\"2026-11-24T05:00:03+09:00\",\"kind\":\"terminal_call\"}"

static void test_event_parse(void **st)
{
    (void)st;
    const char *ok = "{\"id\":\"ev-batch-9\",\"events\":[{\"ts\":\"2026-11-24T05:00:03+09:00\","
                     "\"kind\":\"terminal_call\",\"device\":\"gorin-l2\",\"message\":\"ENQ 1 "
                     "alarm\",\"detail\":{\"reqno\":1,\"text\":\"Y\"}},{\"ts\":1764000000000,"
                     "\"kind\":\"poll_failed\",\"device\":\"sumikawa1-l3\",\"severity\":3,"
                     "\"message\":\"no answer after 3 tries\"},{\"ts\":1764000000000,\"kind\":"
                     "\"some_new_kind\",\"data_id\":\"x.y\"}]}";
    sd_gwif_events_t b;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_events_parse(ok, strlen(ok), 3, &b, &e), 0);
    assert_int_equal(b.n, 3);
    assert_string_equal(b.id, "ev-batch-9");
    assert_int_equal(b.v[0].ts_ms, sd_test_time("2026-11-23T20:00:03Z"));
    assert_string_equal(b.v[0].kind, "terminal_call");
    assert_string_equal(b.v[0].detail, "{\"reqno\":1,\"text\":\"Y\"}");
    assert_int_equal(b.v[0].severity, 0);
    assert_int_equal(b.v[1].ts_ms, INT64_C(1764000000000));
    assert_int_equal(b.v[1].severity, 3);
    assert_string_equal(b.v[1].message, "no answer after 3 tries");
    assert_null(b.v[1].detail);
    assert_string_equal(b.v[2].kind, "some_new_kind"); /* unknown kinds are kept, not refused */
    assert_string_equal(b.v[2].device, "");
    assert_string_equal(b.v[2].data_id, "x.y");
    sd_gwif_events_free(&b);
    /* an integer batch id is kept as text */
    const char *num = "{\"id\":42,\"events\":[" EV0 "]}";
    assert_int_equal(sd_gwif_events_parse(num, strlen(num), 3, &b, &e), 0);
    assert_string_equal(b.id, "42");
    sd_gwif_events_free(&b);

    ev_bad("{\"events\":[", SD_ESYNTAX, NULL);
    ev_bad("{\"events\":[{\"kind\":\"\xff\"}]}", SD_EENCODING, NULL);
    ev_bad("[]", SD_EFIELD, "");
    ev_bad("{}", SD_EFIELD, "events");
    ev_bad("{\"events\":[]}", SD_EFIELD, "events");
    ev_bad("{\"events\":{}}", SD_EFIELD, "events");
    ev_bad("{\"events\":[" EV0 "],\"x\":1}", SD_EFIELD, "x");
    ev_bad("{\"id\":[],\"events\":[" EV0 "]}", SD_EFIELD, "id");
    ev_bad("{\"id\":\"\",\"events\":[" EV0 "]}", SD_EFIELD, "id");
    ev_bad("{\"events\":[" EV0 "," EV0 "," EV0 "," EV0 "]}", SD_ETOOBIG, "events");
    ev_bad("{\"events\":[" EV0 ",7]}", SD_EFIELD, "events[1]");
    ev_bad("{\"events\":[" EV0 ",{\"kind\":\"x\"}]}", SD_EFIELD, "events[1].ts");
    ev_bad("{\"events\":[" EV0 "," EV0 ",{\"ts\":\"2026-11-24T05:00:03\",\"kind\":\"x\"}]}",
           SD_EFIELD, "events[2].ts");
    ev_bad("{\"events\":[{\"ts\":-1,\"kind\":\"x\"}]}", SD_EFIELD, "events[0].ts");
    ev_bad("{\"events\":[{\"ts\":\"1969-12-31T23:59:59Z\",\"kind\":\"x\"}]}", SD_EFIELD,
           "events[0].ts");
    ev_bad("{\"events\":[{\"ts\":1.5,\"kind\":\"x\"}]}", SD_EFIELD, "events[0].ts");
    ev_bad("{\"events\":[{\"ts\":1}]}", SD_EFIELD, "events[0].kind");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"Poll\"}]}", SD_EFIELD, "events[0].kind");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"\"}]}", SD_EFIELD, "events[0].kind");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}", SD_EFIELD,
           "events[0].kind");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"x\",\"severity\":5}]}", SD_EFIELD,
           "events[0].severity");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"x\",\"severity\":\"1\"}]}", SD_EFIELD,
           "events[0].severity");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"x\",\"device\":\"\"}]}", SD_EFIELD,
           "events[0].device");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"x\",\"data_id\":3}]}", SD_EFIELD,
           "events[0].data_id");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"x\",\"detail\":[1]}]}", SD_EFIELD,
           "events[0].detail");
    ev_bad("{\"events\":[{\"ts\":1,\"kind\":\"x\",\"unit\":\"m\"}]}", SD_EFIELD, "events[0].unit");
    char big[700];
    memset(big, 'a', sizeof big);
    big[sizeof big - 1] = 0;
    char *j = malloc(8000);
    snprintf(j, 8000, "{\"events\":[{\"ts\":1,\"kind\":\"x\",\"message\":\"%s\"}]}", big);
    ev_bad(j, SD_EFIELD, "events[0].message");
    snprintf(j, 8000,
             "{\"events\":[{\"ts\":1,\"kind\":\"x\",\"detail\":{\"a\":\"%s\",\"b\":\"%s\","
             "\"c\":\"%s\",\"d\":\"%s\",\"e\":\"%s\",\"f\":\"%s\",\"g\":\"%s\"}}]}",
             big, big, big, big, big, big, big);
    ev_bad(j, SD_EFIELD, "events[0].detail");
    free(j);
}

static void test_severity(void **st)
{
    (void)st;
    assert_int_equal(sd_alarm_severity_of("critical"), 1);
    assert_int_equal(sd_alarm_severity_of("major"), 2);
    assert_int_equal(sd_alarm_severity_of("minor"), 3);
    assert_int_equal(sd_alarm_severity_of("info"), 4);
    assert_int_equal(sd_alarm_severity_of(""), 3);
    assert_int_equal(sd_alarm_severity_of(NULL), 3);
    assert_string_equal(sd_alarm_transition_name(SD_ALARM_RETURNED), "returned");
}

/* ---- engine on a store ----------------------------------------------------------------------- */

typedef struct {
    sd_test_pf_t base;
    sd_alarms_t *a;
    int64_t ta, tb;
    /* what listeners heard */
    sd_alarm_transition_t heard[256];
    int64_t heard_id[256];
    char heard_by[256][16];
    int nheard;
} fx_t;

/* A facility and an L3 device, both named code. */
static int64_t mk_dev(fx_t *fx, int64_t tenant, const char *fac, const char *code)
{
    sd_test_pf_t *t = &fx->base;
    return sd_test_pf_device(t, tenant, sd_test_pf_facility(t, tenant, fac), code, "L3");
}

static void mk_pt(fx_t *fx, int64_t tenant, int64_t dev, const char *data_id, const char *signal,
                  const char *sev, const char *lo, const char *hi)
{
    sd_test_point_t p = {data_id, signal, "Di1", sev, "m", lo, hi};
    sd_test_pf_point(&fx->base, tenant, dev, &p);
}

static void listener(void *ctx, const sd_alarm_event_t *ev)
{
    fx_t *fx = ctx;
    if (fx->nheard < 256) {
        fx->heard[fx->nheard] = ev->transition;
        fx->heard_id[fx->nheard] = ev->alarm_id;
        snprintf(fx->heard_by[fx->nheard], sizeof fx->heard_by[0], "%s", ev->by);
        fx->nheard++;
    }
}

static void start(fx_t *fx, const sd_alarms_config_t *cfg)
{
    int rc = sd_alarms_start_cfg(&fx->base.pf, cfg, &fx->a);
    if (rc)
        fail_msg("start: %s %s", sd_strerror(rc), sd_store_errmsg());
    assert_ptr_equal(fx->base.pf.alarms, fx->a);
    assert_int_equal(sd_alarms_listen(fx->a, listener, fx), 0);
}

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, sd_test_time("2026-11-24T03:00:00Z"));
    fx->ta = sd_test_pf_tenant(&fx->base, "a", SD_TENANT_KIND_DEDICATED_OPERATOR);
    fx->tb = sd_test_pf_tenant(&fx->base, "b", SD_TENANT_KIND_DEDICATED_OPERATOR);
    int64_t d1 = mk_dev(fx, fx->ta, "222", "gorin");
    mk_pt(fx, fx->ta, d1, "gorin.fault", "alarm", "major", NULL, NULL);
    mk_pt(fx, fx->ta, d1, "gorin.empty", "alarm", "critical", NULL, NULL);
    mk_pt(fx, fx->ta, d1, "gorin.level", "analog", "minor", "1", "9");
    mk_pt(fx, fx->ta, d1, "gorin.run", "monitor", "", NULL, NULL);
    /* 15 facilities with one alarm point each, for floods */
    for (int i = 0; i < 15; i++) {
        char code[16], did[32];
        snprintf(code, sizeof code, "fl%02d", i);
        snprintf(did, sizeof did, "fl%02d.power", i);
        mk_pt(fx, fx->ta, mk_dev(fx, fx->ta, code, code), did, "alarm", "critical", NULL, NULL);
    }
    mk_pt(fx, fx->tb, mk_dev(fx, fx->tb, "900", "otaru"), "otaru.fault", "alarm", "major", NULL,
          NULL);
    *state = fx;
    return 0;
}

static int setup_started(void **state)
{
    setup(state);
    start(*state, NULL);
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    sd_alarms_stop(fx->a);
    return sd_test_pf_teardown(state);
}

/* Ingest one sample now-ish (ts = clock + off) and let the engine evaluate it. */
static void put(fx_t *fx, int64_t tenant, const char *data_id, int64_t ts, double v)
{
    sd_ts_sample_t s = {data_id, ts, v, SD_TS_GOOD};
    int rc = sd_ts_ingest(&fx->base.pf, tenant, 0, &s, 1, NULL);
    if (rc)
        fail_msg("ingest %s: %s %s", data_id, sd_strerror(rc), sd_store_errmsg());
    sd_alarms_sync(fx->a);
}

typedef struct {
    int64_t id, group_id;
    char state[16];
    int active, n;
} al_t;

/* The newest alarm of a data ID (or source-less: by name) and how many it has. */
static al_t alarm_of(fx_t *fx, const char *col, const char *val)
{
    al_t r = {0};
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT id, COALESCE(group_id, 0), state, active FROM alarms WHERE %s = $1 ORDER BY "
             "id DESC",
             col);
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query(fx->base.st, sql, SD_PARAMS(SD_V_TEXT(val)), &q), 0);
    while (sd_stmt_next(q) == 1) {
        if (r.n++ == 0) {
            r.id = sd_stmt_int64(q, 0);
            r.group_id = sd_stmt_int64(q, 1);
            snprintf(r.state, sizeof r.state, "%s", sd_stmt_text(q, 2, NULL));
            r.active = (int)sd_stmt_int64(q, 3);
        }
    }
    sd_stmt_done(q);
    return r;
}

static al_t pt(fx_t *fx, const char *data_id)
{
    return alarm_of(fx, "data_id", data_id);
}

static int64_t history_n(fx_t *fx, int64_t id, const char *transition)
{
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st,
                                        "SELECT COUNT(*) FROM alarm_history WHERE alarm_id = $1 "
                                        "AND transition = $2",
                                        SD_PARAMS(SD_V_INT(id), SD_V_TEXT(transition)), &q),
                     0);
    int64_t n = sd_stmt_int64(q, 0);
    sd_stmt_done(q);
    return n;
}

static int act(fx_t *fx, int64_t id, sd_alarm_op_t op, int minutes, const char *comment,
               const char **why)
{
    return sd_alarm_apply(fx->a, fx->ta, id, op, minutes, "user:7", comment, why);
}

static void test_raise_ack_clear(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.fault", t, 1);
    al_t a = pt(fx, "gorin.fault");
    assert_int_equal(a.n, 1);
    assert_string_equal(a.state, "unacked");
    assert_int_equal(a.active, 1);
    assert_int_equal(fx->nheard, 1);
    assert_int_equal(fx->heard[0], SD_ALARM_RAISED);
    assert_int_equal(fx->heard_id[0], a.id);
    assert_string_equal(fx->heard_by[0], "system");
    /* still abnormal: no duplicate, nothing heard */
    put(fx, fx->ta, "gorin.fault", t + S, 1);
    assert_int_equal(pt(fx, "gorin.fault").n, 1);
    assert_int_equal(fx->nheard, 1);
    const char *why = NULL;
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, "on my way", &why), 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "acked");
    assert_int_equal(fx->heard[1], SD_ALARM_ACKED);
    assert_string_equal(fx->heard_by[1], "user:7");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, NULL, &why), SD_ECONFLICT);
    assert_string_equal(why, "the alarm is already acknowledged");
    /* re-alarm of an active acknowledged alarm: no duplicate */
    put(fx, fx->ta, "gorin.fault", t + 2 * S, 1);
    assert_int_equal(pt(fx, "gorin.fault").n, 1);
    /* back to normal while acknowledged: cleared at once */
    put(fx, fx->ta, "gorin.fault", t + 3 * S, 0);
    a = pt(fx, "gorin.fault");
    assert_string_equal(a.state, "cleared");
    assert_int_equal(a.active, 0);
    assert_int_equal(fx->heard[2], SD_ALARM_RETURNED);
    assert_int_equal(fx->heard[3], SD_ALARM_CLEARED);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, NULL, &why), SD_ECONFLICT);
    assert_string_equal(why, "the alarm is already cleared");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 5, NULL, &why), SD_ECONFLICT);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_OOS, 0, NULL, &why), SD_ECONFLICT);
    /* a comment is allowed on any alarm, and required */
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_COMMENT, 0, "", &why), SD_EFIELD);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_COMMENT, 0, "pump replaced", &why), 0);
    assert_int_equal(history_n(fx, a.id, "commented"), 1);
    /* abnormal again: a new alarm */
    put(fx, fx->ta, "gorin.fault", t + 4 * S, 1);
    al_t b = pt(fx, "gorin.fault");
    assert_int_equal(b.n, 2);
    assert_true(b.id != a.id);
    assert_string_equal(b.state, "unacked");
    /* a back-filled old normal sample never returns it */
    put(fx, fx->ta, "gorin.fault", t - MIN, 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "unacked");
    /* returns unacknowledged, then the ack clears it */
    put(fx, fx->ta, "gorin.fault", t + 5 * S, 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "rtn_unacked");
    assert_int_equal(act(fx, b.id, SD_ALARM_OP_ACK, 0, NULL, &why), 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "cleared");
    assert_int_equal(history_n(fx, b.id, "acked"), 1);
    assert_int_equal(history_n(fx, b.id, "cleared"), 1);
    /* another tenant's id is not found; an unknown id neither */
    assert_int_equal(sd_alarm_apply(fx->a, fx->tb, b.id, SD_ALARM_OP_COMMENT, 0, "u", "x", NULL),
                     SD_ENOTFOUND);
    assert_int_equal(act(fx, 99999, SD_ALARM_OP_ACK, 0, NULL, NULL), SD_ENOTFOUND);
}

static void test_realarm_rtn(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.fault", t, 1);
    put(fx, fx->ta, "gorin.fault", t + S, 0);
    al_t a = pt(fx, "gorin.fault");
    assert_string_equal(a.state, "rtn_unacked");
    put(fx, fx->ta, "gorin.fault", t + 2 * S, 1);
    al_t b = pt(fx, "gorin.fault");
    assert_int_equal(b.n, 1); /* the same alarm, unacknowledged again */
    assert_int_equal(b.id, a.id);
    assert_string_equal(b.state, "unacked");
    assert_int_equal(history_n(fx, a.id, "raised"), 2);
    /* a transient inside one batch is still recorded */
    sd_ts_sample_t s[2] = {{"gorin.empty", t, 1, SD_TS_GOOD},
                           {"gorin.empty", t + S, 0, SD_TS_GOOD}};
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 2, NULL), 0);
    sd_alarms_sync(fx->a);
    assert_string_equal(pt(fx, "gorin.empty").state, "rtn_unacked");
}

static void test_shelve(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.fault", t, 1);
    al_t a = pt(fx, "gorin.fault");
    const char *why = NULL;
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 0, NULL, &why), SD_EFIELD);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 1441, NULL, &why), SD_EFIELD);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_UNSHELVE, 0, NULL, &why), SD_ECONFLICT);
    assert_string_equal(why, "the alarm is not shelved");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 10, "sensor fault", &why), 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "shelved");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 10, NULL, &why), SD_ECONFLICT);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, NULL, &why), SD_ECONFLICT);
    /* returns while shelved: no transition yet */
    int heard = fx->nheard;
    put(fx, fx->ta, "gorin.fault", t + S, 0);
    a = pt(fx, "gorin.fault");
    assert_string_equal(a.state, "shelved");
    assert_int_equal(a.active, 0);
    assert_int_equal(fx->nheard, heard);
    /* not yet expired */
    sd_clock_fake_advance(fx->base.clock, 9 * MIN);
    sd_alarms_sync(fx->a);
    assert_string_equal(pt(fx, "gorin.fault").state, "shelved");
    /* expiry: back to its state, moved on by the return -> rtn_unacked */
    sd_clock_fake_advance(fx->base.clock, MIN);
    sd_alarms_sync(fx->a);
    assert_string_equal(pt(fx, "gorin.fault").state, "rtn_unacked");
    assert_int_equal(fx->heard[fx->nheard - 1], SD_ALARM_UNSHELVED);
    assert_string_equal(fx->heard_by[fx->nheard - 1], "system");

    /* acknowledged, shelved, unshelved by hand while still abnormal -> acked */
    t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.empty", t, 1);
    al_t b = pt(fx, "gorin.empty");
    assert_int_equal(act(fx, b.id, SD_ALARM_OP_ACK, 0, NULL, NULL), 0);
    assert_int_equal(act(fx, b.id, SD_ALARM_OP_SHELVE, 60, NULL, NULL), 0);
    assert_int_equal(act(fx, b.id, SD_ALARM_OP_UNSHELVE, 0, NULL, NULL), 0);
    assert_string_equal(pt(fx, "gorin.empty").state, "acked");
    /* acknowledged, shelved, returned, expired -> cleared */
    assert_int_equal(act(fx, b.id, SD_ALARM_OP_SHELVE, 1, NULL, NULL), 0);
    put(fx, fx->ta, "gorin.empty", t + S, 0);
    sd_clock_fake_advance(fx->base.clock, MIN);
    sd_alarms_sync(fx->a);
    assert_string_equal(pt(fx, "gorin.empty").state, "cleared");
}

static void test_out_of_service(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.fault", t, 1);
    al_t a = pt(fx, "gorin.fault");
    const char *why = NULL;
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_IN_SERVICE, 0, NULL, &why), SD_ECONFLICT);
    assert_string_equal(why, "the alarm is not out of service");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, NULL, NULL), 0);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_OOS, 0, "repair", NULL), 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "out_of_service");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_OOS, 0, NULL, &why), SD_ECONFLICT);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 5, NULL, &why), SD_ECONFLICT);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_IN_SERVICE, 0, NULL, NULL), 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "acked");
    /* out of service from shelved; returns meanwhile; back in service -> cleared */
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_SHELVE, 5, NULL, NULL), 0);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_OOS, 0, NULL, NULL), 0);
    put(fx, fx->ta, "gorin.fault", t + S, 0);
    sd_clock_fake_advance(fx->base.clock, 10 * MIN); /* a shelve expiry must not touch it now */
    sd_alarms_sync(fx->a);
    assert_string_equal(pt(fx, "gorin.fault").state, "out_of_service");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_IN_SERVICE, 0, NULL, NULL), 0);
    assert_string_equal(pt(fx, "gorin.fault").state, "cleared");
    assert_int_equal(history_n(fx, a.id, "out_of_service"), 2);
    assert_int_equal(history_n(fx, a.id, "in_service"), 2);
}

static void test_hysteresis(void **state)
{
    fx_t *fx = *state; /* limits 1 .. 9, default deadband 2 % of 8 = 0.16 */
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.level", t, 9.0);
    assert_int_equal(pt(fx, "gorin.level").n, 0); /* at the limit is not beyond it */
    put(fx, fx->ta, "gorin.level", t + S, 9.1);
    al_t a = pt(fx, "gorin.level");
    assert_string_equal(a.state, "unacked");
    put(fx, fx->ta, "gorin.level", t + 2 * S, 8.9); /* inside, but within the deadband */
    assert_int_equal(pt(fx, "gorin.level").active, 1);
    put(fx, fx->ta, "gorin.level", t + 3 * S, 8.8);
    assert_string_equal(pt(fx, "gorin.level").state, "rtn_unacked");
    put(fx, fx->ta, "gorin.level", t + 4 * S, 0.5); /* low: the same alarm raised again */
    a = pt(fx, "gorin.level");
    assert_int_equal(a.n, 1);
    assert_string_equal(a.state, "unacked");
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st, "SELECT message FROM alarms WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(a.id)), &q),
                     0);
    assert_non_null(strstr(sd_stmt_text(q, 0, NULL), "下限"));
    sd_stmt_done(q);
    put(fx, fx->ta, "gorin.level", t + 5 * S, 1.1);
    assert_int_equal(pt(fx, "gorin.level").active, 1);
    put(fx, fx->ta, "gorin.level", t + 6 * S, 1.2);
    assert_int_equal(pt(fx, "gorin.level").active, 0);
}

static void test_delay(void **state)
{
    fx_t *fx = *state;
    sd_alarms_config_t cfg;
    sd_alarms_config_defaults(&cfg);
    cfg.tenant[0].tenant_id = fx->ta; /* the tenant's default: 30 s on-delay, no deadband */
    cfg.tenant[0].delay_s = 30;
    cfg.tenant[0].deadband_pct = 0;
    start(fx, &cfg);
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.level", t, 9.5);
    assert_int_equal(pt(fx, "gorin.level").n, 0);
    put(fx, fx->ta, "gorin.level", t + 10 * S, 9.5);
    assert_int_equal(pt(fx, "gorin.level").n, 0);
    put(fx, fx->ta, "gorin.level", t + 20 * S, 8.0); /* normal inside the delay: starts over */
    put(fx, fx->ta, "gorin.level", t + 25 * S, 9.5);
    put(fx, fx->ta, "gorin.level", t + 50 * S, 9.5);
    assert_int_equal(pt(fx, "gorin.level").n, 0);
    put(fx, fx->ta, "gorin.level", t + 55 * S, 9.5); /* 30 s after 25 s: raised */
    al_t a = pt(fx, "gorin.level");
    assert_int_equal(a.n, 1);
    put(fx, fx->ta, "gorin.level", t + 56 * S, 8.99); /* no deadband: back at once */
    assert_string_equal(pt(fx, "gorin.level").state, "rtn_unacked");
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, NULL, NULL), 0);
    /* the delay also runs out without a further sample (the clock) */
    sd_clock_fake_set_wall(fx->base.clock, t + 60 * S);
    put(fx, fx->ta, "gorin.level", t + 60 * S, 9.6);
    sd_clock_fake_advance(fx->base.clock, 29 * S);
    sd_alarms_sync(fx->a);
    assert_int_equal(pt(fx, "gorin.level").n, 1);
    sd_clock_fake_advance(fx->base.clock, S);
    sd_alarms_sync(fx->a);
    a = pt(fx, "gorin.level");
    assert_int_equal(a.n, 2);
    assert_string_equal(a.state, "unacked");
    /* per point override in alarm_settings: delay 0 */
    assert_int_equal(sd_store_exec(fx->base.st,
                                   "INSERT INTO alarm_settings (point_id, tenant_id, delay_s, "
                                   "updated_at, updated_by) SELECT id, tenant_id, 0, 0, 'x' FROM "
                                   "points WHERE data_id = 'gorin.level'",
                                   SD_NOPARAMS, NULL),
                     0);
    put(fx, fx->ta, "gorin.level", t + 100 * S, 5);
    assert_int_equal(act(fx, a.id, SD_ALARM_OP_ACK, 0, NULL, NULL), 0);
    put(fx, fx->ta, "gorin.level", t + 101 * S, 0.2);
    assert_int_equal(pt(fx, "gorin.level").n, 3);
}

static void test_flood(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    sd_ts_sample_t s[15];
    char ids[15][32];
    for (int i = 0; i < 15; i++) {
        snprintf(ids[i], sizeof ids[i], "fl%02d.power", i);
        s[i] = (sd_ts_sample_t){ids[i], t + i * 100, 1, SD_TS_GOOD};
    }
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 15, NULL), 0);
    sd_alarms_sync(fx->a);
    int64_t g = pt(fx, "fl00.power").group_id;
    assert_true(g > 0);
    for (int i = 0; i < 15; i++) {
        al_t a = pt(fx, ids[i]);
        assert_int_equal(a.n, 1); /* every alarm still recorded */
        assert_int_equal(a.group_id, g);
    }
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st, "SELECT kind FROM alarm_groups WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(g)), &q),
                     0);
    assert_string_equal(sd_stmt_text(q, 0, NULL), "flood");
    sd_stmt_done(q);
    /* a later alarm inside the window joins it; one long after does not */
    put(fx, fx->ta, "gorin.fault", t + 30 * S, 1);
    assert_int_equal(pt(fx, "gorin.fault").group_id, g);
    put(fx, fx->ta, "gorin.empty", t + 10 * MIN, 1);
    assert_int_equal(pt(fx, "gorin.empty").group_id, 0);
    /* group ack */
    int n = 0;
    assert_int_equal(sd_alarm_group_ack(fx->a, fx->tb, g, "user:7", "", &n), SD_ENOTFOUND);
    assert_int_equal(sd_alarm_group_ack(fx->a, fx->ta, g, "user:7", "power cut", &n), 0);
    assert_int_equal(n, 16);
    assert_string_equal(pt(fx, "fl07.power").state, "acked");
    assert_int_equal(sd_alarm_group_ack(fx->a, fx->ta, g, "user:7", "", &n), 0);
    assert_int_equal(n, 0);
    /* power back everywhere: all cleared, the group closes */
    for (int i = 0; i < 15; i++)
        s[i].ts_ms = t + 20 * MIN, s[i].value = 0;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 15, NULL), 0);
    put(fx, fx->ta, "gorin.fault", t + 20 * MIN, 0);
    assert_int_equal(sd_store_query_row(fx->base.st,
                                        "SELECT closed_at IS NOT NULL FROM alarm_groups WHERE id "
                                        "= $1",
                                        SD_PARAMS(SD_V_INT(g)), &q),
                     0);
    assert_int_equal(sd_stmt_int64(q, 0), 1);
    sd_stmt_done(q);
}

static void test_cause_group(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    sd_ts_sample_t s[3] = {{"gorin.fault", t, 1, SD_TS_GOOD},
                           {"gorin.empty", t, 1, SD_TS_GOOD},
                           {"fl01.power", t, 1, SD_TS_GOOD}};
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 3, NULL), 0);
    sd_alarms_sync(fx->a);
    al_t a = pt(fx, "gorin.fault"), b = pt(fx, "gorin.empty");
    assert_true(a.group_id > 0);
    assert_int_equal(a.group_id, b.group_id);
    assert_int_equal(pt(fx, "fl01.power").group_id, 0); /* another facility */
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st, "SELECT kind FROM alarm_groups WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(a.group_id)), &q),
                     0);
    assert_string_equal(sd_stmt_text(q, 0, NULL), "cause");
    sd_stmt_done(q);
}

static void test_no_contact(void **state)
{
    fx_t *fx = *state;
    sd_json_err_t e;
    const char *ev = "{\"events\":[{\"ts\":\"2026-11-24T02:59:00Z\",\"kind\":\"poll_failed\","
                     "\"device\":\"gorin\",\"message\":\"no answer after 3 tries\"}]}";
    assert_int_equal(sd_event_ingest_json(&fx->base.pf, fx->ta, 0, ev, strlen(ev), &e), 0);
    al_t a = alarm_of(fx, "name", "poll_failed");
    assert_int_equal(a.n, 1);
    assert_string_equal(a.state, "unacked");
    /* again: no duplicate */
    assert_int_equal(sd_event_ingest_json(&fx->base.pf, fx->ta, 0, ev, strlen(ev), &e), 0);
    assert_int_equal(alarm_of(fx, "name", "poll_failed").n, 1);
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st,
                                        "SELECT COUNT(*), MIN(severity) FROM alarms WHERE kind = "
                                        "'no_contact' AND facility = '222'",
                                        SD_NOPARAMS, &q),
                     0);
    assert_int_equal(sd_stmt_int64(q, 0), 1);
    assert_int_equal(sd_stmt_int64(q, 1), 3);
    sd_stmt_done(q);
    /* a sample of the device: contact again */
    put(fx, fx->ta, "gorin.run", sd_test_time("2026-11-24T03:00:00Z"), 1);
    assert_string_equal(alarm_of(fx, "name", "poll_failed").state, "rtn_unacked");
    /* refused batches store nothing and name the field */
    const char *bad = "{\"events\":[{\"ts\":1764000000000,\"kind\":\"x\"},{\"ts\":1764000000000,"
                      "\"kind\":\"x\",\"device\":\"nope\"}]}";
    assert_int_equal(sd_event_ingest_json(&fx->base.pf, fx->ta, 0, bad, strlen(bad), &e),
                     SD_EFIELD);
    assert_string_equal(e.field, "events[1].device");
    const char *other = "{\"events\":[{\"ts\":1764000000000,\"kind\":\"x\",\"device\":\"gorin\"}]}";
    assert_int_equal(sd_event_ingest_json(&fx->base.pf, fx->tb, 0, other, strlen(other), &e),
                     SD_EFIELD);
    const char *future = "{\"events\":[{\"ts\":\"2099-01-01T00:00:00Z\",\"kind\":\"x\"}]}";
    assert_int_equal(sd_event_ingest_json(&fx->base.pf, fx->ta, 0, future, strlen(future), &e),
                     SD_EFIELD);
    assert_string_equal(e.field, "events[0].ts");
    assert_int_equal(
        sd_store_query_row(fx->base.st, "SELECT COUNT(*) FROM events", SD_NOPARAMS, &q), 0);
    assert_int_equal(sd_stmt_int64(q, 0), 2);
    sd_stmt_done(q);
}

/* A device silent for longer than no_data_s: its no-contact alarm, once; data returns it. */
static void test_silence(void **state)
{
    fx_t *fx = *state;
    sd_alarms_config_t cfg;
    sd_alarms_config_defaults(&cfg);
    cfg.no_data_s = 3600;
    start(fx, &cfg);
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    put(fx, fx->ta, "gorin.run", t, 1);
    assert_int_equal(alarm_of(fx, "name", "no_data").n, 0);
    sd_clock_fake_advance(fx->base.clock, 59 * MIN); /* not yet overdue */
    sd_alarms_sync(fx->a);
    assert_int_equal(alarm_of(fx, "name", "no_data").n, 0);
    sd_clock_fake_advance(fx->base.clock, 2 * MIN);
    sd_alarms_sync(fx->a);
    al_t a = alarm_of(fx, "name", "no_data");
    assert_int_equal(a.n, 1);
    assert_string_equal(a.state, "unacked");
    sd_stmt_t *q = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st,
                                        "SELECT raised_at, device, facility, kind FROM alarms "
                                        "WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(a.id)), &q),
                     0);
    assert_int_equal(sd_stmt_int64(q, 0), t + 60 * MIN); /* when it became overdue */
    assert_string_equal(sd_stmt_text(q, 1, NULL), "gorin");
    assert_string_equal(sd_stmt_text(q, 2, NULL), "222");
    assert_string_equal(sd_stmt_text(q, 3, NULL), "no_contact");
    sd_stmt_done(q);
    /* devices that never sent anything are not in service yet: no alarm for fl00 .. fl14 */
    assert_int_equal(alarm_of(fx, "device", "fl00").n, 0);
    /* still silent an hour later: no duplicate */
    sd_clock_fake_advance(fx->base.clock, 60 * MIN);
    sd_alarms_sync(fx->a);
    assert_int_equal(alarm_of(fx, "name", "no_data").n, 1);
    /* data again: returned */
    put(fx, fx->ta, "gorin.run", sd_pf_now_ms(&fx->base.pf), 0);
    assert_string_equal(alarm_of(fx, "name", "no_data").state, "rtn_unacked");
}

/* Samples committed while no engine ran (a crash after commit) raise at the next start. */
static void test_restart(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    sd_ts_sample_t s[2] = {{"gorin.fault", t, 1, SD_TS_GOOD}, {"otaru.fault", t, 1, SD_TS_GOOD}};
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 1, NULL), 0);
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->tb, 0, s + 1, 1, NULL), 0);
    start(fx, NULL);
    sd_alarms_sync(fx->a);
    assert_string_equal(pt(fx, "gorin.fault").state, "unacked");
    assert_string_equal(pt(fx, "otaru.fault").state, "unacked");
    /* a second start finds nothing new to do */
    sd_alarms_stop(fx->a);
    fx->a = NULL;
    start(fx, NULL);
    sd_alarms_sync(fx->a);
    assert_int_equal(pt(fx, "gorin.fault").n, 1);
    assert_int_equal(fx->nheard, 2);
}

/* The engine's thread (sd_alarms_run): the start's re-evaluation, then a queued sample. */
static void test_run(void **state)
{
    fx_t *fx = *state;
    int64_t t = sd_pf_now_ms(&fx->base.pf);
    sd_ts_sample_t s[2] = {{"gorin.fault", t, 1, SD_TS_GOOD}, {"otaru.fault", t, 1, SD_TS_GOOD}};
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 1, NULL), 0);
    start(fx, NULL);
    assert_int_equal(sd_alarms_run(fx->a), 0);
    assert_int_equal(sd_alarms_run(fx->a), SD_EINVAL);
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->tb, 0, s + 1, 1, NULL), 0);
    for (int i = 0; i < 1000 && (!pt(fx, "gorin.fault").n || !pt(fx, "otaru.fault").n); i++)
        usleep(10000);
    sd_alarms_stop(fx->a); /* joins the thread: what the listener heard can be read */
    fx->a = NULL;
    assert_string_equal(pt(fx, "gorin.fault").state, "unacked");
    assert_string_equal(pt(fx, "otaru.fault").state, "unacked");
    assert_int_equal(fx->nheard, 2);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_event_parse),
        cmocka_unit_test(test_severity),
    };
#define T(f) cmocka_unit_test_setup_teardown(f, setup_started, teardown)
    /* clang-format off */
    const struct CMUnitTest store[] = {
        T(test_raise_ack_clear),
        T(test_realarm_rtn),
        T(test_shelve),
        T(test_out_of_service),
        T(test_hysteresis),
        cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
        T(test_flood),
        T(test_cause_group),
        T(test_no_contact),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silence, setup, teardown),
    };
    /* clang-format on */
    int failed = cmocka_run_group_tests_name("alarm pure", pure, NULL, NULL);
    failed += SD_TEST_PF_RUN("alarm engine", store, SD_TEST_SQLITE | SD_TEST_PG);
    return failed ? 1 : 0;
}
