/* test_gwif.c - lib/gwif: the one time rule, samples, data and event batches, replies; one message
 * means the same over HTTP and MQTT, errors name the item and the member, build -> parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "gwif/gwif.h"

#define T0 INT64_C(1795478400000) /* 2026-11-24T00:00:00Z */

static int64_t iso(const char *s)
{
    int64_t ms = 0;
    if (sd_ts_parse_time(s, &ms) != 0)
        fail_msg("not a time: %s", s);
    return ms;
}

static json_t *js(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("test bug: bad JSON %s: %s", s, e.text);
    return v;
}

/* ---- the time rule -------------------------------------------------------------------------- */

static void test_times(void **st)
{
    (void)st;
    assert_int_equal(iso("2026-11-24T00:00:00Z"), T0);
    assert_int_equal(iso("2026-11-24T09:00:00+09:00"), T0);
    assert_int_equal(iso("2026-11-24T09:00:00+0900"), T0);
    assert_int_equal(iso("2026-11-24T09:00:00+09"), T0);
    assert_int_equal(iso("2026-11-23T22:30:00-01:30"), T0);
    assert_int_equal(iso("2026-11-24t00:00:00z"), T0);
    assert_int_equal(iso("2026-11-24 00:00:00Z"), T0);
    assert_int_equal(iso("2026-11-24T09:00+09:00"), T0); /* seconds left out */
    assert_int_equal(iso("2026-11-24T00:00:00.5Z"), T0 + 500);
    assert_int_equal(iso("2026-11-24T00:00:00,25Z"), T0 + 250);
    assert_int_equal(iso("2026-11-24T00:00:00.123456Z"), T0 + 123);
    assert_int_equal(iso("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(iso("9999-12-31T23:59:59.999Z"), SD_GWIF_TS_MAX_MS);
    int64_t ms;
    const char *bad[] = {"2026-11-24T00:00:00", /* no offset: a local time is ambiguous */
                         "2026-11-24",
                         "2026-02-30T00:00:00Z",
                         "2026-11-24T00:00:00.Z",
                         "x",
                         "",
                         "2026-11-24T00:00:00+9",
                         "2026-11-24T00:00:00+24:00",
                         "2026-11-24T00:00:00Z ",
                         "1969-12-31T23:59:59Z",
                         "1970-01-01T00:30:00+01:00",
                         "1764000000000",
                         "2026-11-24T00:00:60Z",
                         "2026-11-24T24:00:00Z",
                         "+2026-11-24T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (sd_ts_parse_time(bad[i], &ms) != SD_EFIELD)
            fail_msg("accepted %s", bad[i]);
    char out[40];
    sd_ts_format_time(T0 + 3723000, out, sizeof out);
    assert_string_equal(out, "2026-11-24T01:02:03Z");
    sd_ts_format_time(T0 + 3723007, out, sizeof out);
    assert_string_equal(out, "2026-11-24T01:02:03.007Z");
    assert_int_equal(iso(out), T0 + 3723007);

    /* JSON values: numbers are epoch ms, strings ISO 8601 */
    static const struct {
        const char *json;
        int64_t ms; /* -1: refused */
    } v[] = {
        {"1795478400000", T0},
        {"1.7954784e12", T0},
        {"0", 0},
        {"253402300799999", SD_GWIF_TS_MAX_MS},
        {"\"2026-11-24T09:00:00+09:00\"", T0},
        {"253402300800000", -1},
        {"-1", -1},
        {"1795478400000.5", -1}, /* a fraction: seconds.ms, or what? */
        {"1795478400.123", -1},
        {"\"1795478400000\"", -1},
        {"null", -1},
        {"true", -1},
        {"[]", -1},
        {"{}", -1},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        json_t *j = js(v[i].json);
        ms = 42;
        int rc = sd_gwif_ts_parse(j, &ms);
        if (v[i].ms < 0 ? rc != SD_EFIELD : rc != 0 || ms != v[i].ms)
            fail_msg("%s: rc %d ms %lld", v[i].json, rc, (long long)ms);
        json_decref(j);
    }
    /* the storage window, a separate check */
    assert_true(sd_gwif_ts_in_window(SD_TS_MIN_MS, T0));
    assert_false(sd_gwif_ts_in_window(SD_TS_MIN_MS - 1, T0));
    assert_true(sd_gwif_ts_in_window(T0 + SD_TS_FUTURE_MS, T0));
    assert_false(sd_gwif_ts_in_window(T0 + SD_TS_FUTURE_MS + 1, T0));
    sd_ts_sample_t s[3] = {{"a", T0, 1, SD_TS_GOOD}, {"a", T0, 1, SD_TS_GOOD}, {"a", 1, 1, 0}};
    sd_json_err_t e;
    size_t bad_i = 9;
    assert_int_equal(sd_gwif_samples_window(s, 2, "samples", T0, &bad_i, &e), 0);
    assert_int_equal(sd_gwif_samples_window(s, 3, "values", T0, &bad_i, &e), SD_EFIELD);
    assert_int_equal(bad_i, 2);
    assert_string_equal(e.field, "values[2].ts");
    assert_string_equal(e.message, SD_GWIF_WINDOW_ERROR);
}

static void test_quality(void **st)
{
    (void)st;
    sd_ts_quality_t q;
    const char *ok[][2] = {{"null", "good"},
                           {"\"good\"", "good"},
                           {"\"estimated\"", "estimated"},
                           {"2", "missing"},
                           {"\"out_of_range\"", "out_of_range"},
                           {"0", "good"}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        json_t *j = js(ok[i][0]);
        assert_int_equal(sd_gwif_quality_parse(j, &q), 0);
        assert_string_equal(sd_ts_quality_name(q), ok[i][1]);
        json_decref(j);
    }
    assert_int_equal(sd_gwif_quality_parse(NULL, &q), 0);
    assert_int_equal(q, SD_TS_GOOD);
    const char *bad[] = {"4", "-1", "\"Good\"", "\"great\"", "1.0", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = js(bad[i]);
        assert_int_equal(sd_gwif_quality_parse(j, &q), SD_EFIELD);
        json_decref(j);
    }
    assert_null(sd_ts_quality_name((sd_ts_quality_t)4));
}

/* ---- one sample, every path ------------------------------------------------------------------
 *
 * The same sample object inside: the HTTP upload body (POST /gwif/v1/data, no id), the MQTT up/data
 * payload (with an id), and a read reply's values (both bindings). Each must give the same
 * verdict, the same member and the same message; only the array name differs.
 */

typedef struct {
    int rc;
    char field[128], message[160];
    sd_ts_sample_t s;
} verdict_t;

static void via_data(const char *sample, int with_id, verdict_t *out)
{
    char body[1024];
    snprintf(body, sizeof body, "{%s\"samples\":[{\"data_id\":\"ok\",\"ts\":0,\"value\":0},%s]}",
             with_id ? "\"id\":\"b-1\"," : "", sample);
    sd_gwif_data_t d;
    sd_json_err_t e;
    memset(out, 0, sizeof *out);
    out->rc = sd_gwif_data_parse(body, strlen(body), 10, &d, &e);
    if (out->rc == 0) {
        assert_int_equal(d.n, 2);
        assert_true(with_id ? d.id && !strcmp(d.id, "b-1") : d.id == NULL);
        out->s = d.v[1];
        out->s.data_id = NULL;
        sd_gwif_data_free(&d);
    } else {
        assert_null(d.v);
        assert_null(d.root);
        snprintf(out->field, sizeof out->field, "%s", e.field);
        snprintf(out->message, sizeof out->message, "%s", e.message);
    }
}

static void via_reply(const char *sample, verdict_t *out)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"id\":3,\"ok\":true,\"values\":[{\"data_id\":\"ok\",\"ts\":0,\"value\":0},%s]}",
             sample);
    json_t *j = js(body);
    sd_gwif_reply_t r;
    sd_json_err_t e;
    memset(out, 0, sizeof *out);
    out->rc = sd_gwif_reply_parse(j, &r, &e);
    if (out->rc == 0) {
        assert_int_equal(r.n_values, 2);
        out->s = r.values[1];
        out->s.data_id = NULL;
        sd_gwif_reply_free(&r);
    } else {
        assert_null(r.values);
        /* "values[1].ts" -> "samples[1].ts", to compare */
        const char *rest = strncmp(e.field, "values", 6) ? e.field : e.field + 6;
        size_t l = strnlen(rest, sizeof e.field);
        memcpy(out->field, "samples", 7);
        memcpy(out->field + 7, rest, l);
        out->field[7 + l] = 0;
        snprintf(out->message, sizeof out->message, "%s", e.message);
    }
    json_decref(j);
}

static void test_one_sample_every_path(void **st)
{
    (void)st;
    static const struct {
        const char *sample;
        const char *field; /* NULL: accepted */
        const char *message;
        int64_t ts;
    } c[] = {
        /* epoch ms and ISO 8601 are both fine, and mean the same instant */
        {"{\"data_id\":\"p\",\"ts\":1795478400000,\"value\":1.5}", NULL, NULL, T0},
        {"{\"data_id\":\"p\",\"ts\":1.7954784e12,\"value\":1.5}", NULL, NULL, T0},
        {"{\"data_id\":\"p\",\"ts\":\"2026-11-24T09:00:00+09:00\",\"value\":1.5}", NULL, NULL, T0},
        {"{\"data_id\":\"p\",\"ts\":\"2026-11-24T00:00:00.250Z\",\"value\":1.5}", NULL, NULL,
         T0 + 250},
        {"{\"data_id\":\"p\",\"ts\":\"2026-11-24T00:00:00Z\",\"value\":1,\"quality\":3}", NULL,
         NULL, T0},
        {"{\"data_id\":\"p\",\"ts\":\"2026-11-24T00:00:00Z\",\"value\":1,\"quality\":null}", NULL,
         NULL, T0},
        /* refused alike, with the item index and the member */
        {"{\"data_id\":\"p\",\"ts\":\"2026-11-24T00:00:00\",\"value\":1}", "samples[1].ts",
         SD_GWIF_TS_ERROR, 0},
        {"{\"data_id\":\"p\",\"ts\":\"yesterday\",\"value\":1}", "samples[1].ts", SD_GWIF_TS_ERROR,
         0},
        {"{\"data_id\":\"p\",\"ts\":1.5,\"value\":1}", "samples[1].ts", SD_GWIF_TS_ERROR, 0},
        {"{\"data_id\":\"p\",\"ts\":-1,\"value\":1}", "samples[1].ts", SD_GWIF_TS_ERROR, 0},
        {"{\"data_id\":\"p\",\"ts\":\"1795478400000\",\"value\":1}", "samples[1].ts",
         SD_GWIF_TS_ERROR, 0},
        {"{\"data_id\":\"p\",\"ts\":null,\"value\":1}", "samples[1].ts", "required", 0},
        {"{\"data_id\":\"p\",\"value\":1}", "samples[1].ts", "required", 0},
        {"{\"data_id\":\"\",\"ts\":0,\"value\":1}", "samples[1].data_id",
         "length must be between 1 and 64", 0},
        {"{\"data_id\":7,\"ts\":0,\"value\":1}", "samples[1].data_id", "expected string", 0},
        {"{\"data_id\":\"p\",\"ts\":0,\"value\":\"1\"}", "samples[1].value", "expected number", 0},
        {"{\"data_id\":\"p\",\"ts\":0}", "samples[1].value", "required", 0},
        {"{\"data_id\":\"p\",\"ts\":0,\"value\":1,\"quality\":4}", "samples[1].quality",
         "must be good, estimated, missing, out_of_range or 0-3", 0},
        {"{\"data_id\":\"p\",\"ts\":0,\"value\":1,\"quality\":\"great\"}", "samples[1].quality",
         "must be good, estimated, missing, out_of_range or 0-3", 0},
        {"{\"data_id\":\"p\",\"ts\":0,\"value\":1,\"unit\":\"m\"}", "samples[1].unit",
         "unknown field", 0},
        {"7", "samples[1]", "expected an object", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        verdict_t http, mqtt, reply;
        via_data(c[i].sample, 0, &http);
        via_data(c[i].sample, 1, &mqtt);
        via_reply(c[i].sample, &reply);
        const verdict_t *all[] = {&http, &mqtt, &reply};
        for (int k = 0; k < 3; k++) {
            const verdict_t *v = all[k];
            if (!c[i].field ? v->rc != 0 || v->s.ts_ms != c[i].ts
                            : v->rc != SD_EFIELD || strcmp(v->field, c[i].field) ||
                                  strcmp(v->message, c[i].message))
                fail_msg("case %zu path %d: %s: rc %d '%s' '%s'", i, k, c[i].sample, v->rc,
                         v->field, v->message);
        }
        for (int k = 1; k < 3; k++)
            if (all[k]->s.ts_ms != http.s.ts_ms || all[k]->s.quality != http.s.quality ||
                !(all[k]->s.value == http.s.value || (all[k]->rc && http.rc)))
                fail_msg("case %zu path %d: another sample than over HTTP", i, k);
    }
}

/* The example of the brief: the fourth item's ts. */
static void test_error_names_index_and_field(void **st)
{
    (void)st;
    const char *body = "{\"samples\":["
                       "{\"data_id\":\"a\",\"ts\":1795478400000,\"value\":1},"
                       "{\"data_id\":\"a\",\"ts\":\"2026-11-24T00:00:01Z\",\"value\":1},"
                       "{\"data_id\":\"a\",\"ts\":1795478402000,\"value\":1},"
                       "{\"data_id\":\"a\",\"ts\":\"24/11/2026 00:00:03\",\"value\":1}]}";
    sd_gwif_data_t d;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_data_parse(body, strlen(body), 10, &d, &e), SD_EFIELD);
    assert_string_equal(e.field, "samples[3].ts");
    assert_string_equal(e.message, "not an ISO-8601 time or epoch milliseconds");
    const char *ev = "{\"events\":[{\"ts\":1795478400000,\"kind\":\"x\"},"
                     "{\"ts\":\"2026-11-24T00:00:00\",\"kind\":\"x\"}]}";
    sd_gwif_events_t b;
    assert_int_equal(sd_gwif_events_parse(ev, strlen(ev), 10, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "events[1].ts");
    assert_string_equal(e.message, SD_GWIF_TS_ERROR);
}

/* ---- data batches ---------------------------------------------------------------------------- */

static void data_bad(const char *json, size_t max, int want, const char *field)
{
    sd_gwif_data_t d;
    sd_json_err_t e;
    int rc = sd_gwif_data_parse(json, strlen(json), max, &d, &e);
    if (rc != want || (field && strcmp(e.field, field) != 0))
        fail_msg("%s: got %s field '%s' (%s), want %s '%s'", json, sd_err_name(rc), e.field,
                 e.message, sd_err_name(want), field ? field : "");
    if (rc != SD_ENOMEM && !e.message[0])
        fail_msg("%s: no message", json);
    assert_null(d.v);
    assert_null(d.root);
    assert_int_equal(d.n, 0);
}

static void test_data(void **st)
{
    (void)st;
    const char *ok = "{\"id\":\"b-7\",\"samples\":[{\"data_id\":\"P-001\",\"ts\":1764000000000,"
                     "\"value\":12.5},{\"data_id\":\"P-002\",\"ts\":\"2025-11-24T15:00:00+09:00\","
                     "\"value\":-3,\"quality\":\"missing\"},{\"data_id\":\"P-003\",\"ts\":0,"
                     "\"value\":1e3,\"quality\":1}]}";
    sd_gwif_data_t d;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_data_parse(ok, strlen(ok), 3, &d, &e), 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.id, "b-7");
    assert_string_equal(d.v[0].data_id, "P-001");
    assert_int_equal(d.v[0].ts_ms, INT64_C(1764000000000));
    assert_true(d.v[0].value == 12.5 && d.v[0].quality == SD_TS_GOOD);
    assert_int_equal(d.v[1].ts_ms, INT64_C(1763964000000));
    assert_true(d.v[1].value == -3.0 && d.v[1].quality == SD_TS_MISSING);
    assert_int_equal(d.v[2].quality, SD_TS_ESTIMATED);
    sd_gwif_data_free(&d);
    assert_int_equal(sd_gwif_data_parse(ok, strlen(ok), 2, &d, &e), SD_ETOOBIG);
    assert_string_equal(e.field, "samples");
    /* an integer batch id is kept as its text */
    const char *num = "{\"id\":42,\"samples\":[{\"data_id\":\"a\",\"ts\":0,\"value\":0}]}";
    assert_int_equal(sd_gwif_data_parse(num, strlen(num), 3, &d, &e), 0);
    assert_string_equal(d.id, "42");
    sd_gwif_data_free(&d);
    sd_gwif_data_free(NULL);

#define S0 "{\"data_id\":\"a\",\"ts\":\"2026-11-24T00:00:00Z\",\"value\":1}"
    data_bad("", 3, SD_ESYNTAX, "");
    data_bad("{\"samples\":[", 3, SD_ESYNTAX, NULL);
    data_bad("{\"samples\":[],\"samples\":[]}", 3, SD_ESYNTAX, NULL);
    data_bad("{\"samples\":[{\"data_id\":\"\xff\"}]}", 3, SD_EENCODING, NULL);
    data_bad("[]", 3, SD_EFIELD, "");
    data_bad("{}", 3, SD_EFIELD, "samples");
    data_bad("{\"samples\":{}}", 3, SD_EFIELD, "samples");
    data_bad("{\"samples\":[]}", 3, SD_EFIELD, "samples");
    data_bad("{\"samples\":[],\"x\":1}", 3, SD_EFIELD, "x");
    data_bad("{\"id\":\"\",\"samples\":[" S0 "]}", 3, SD_EFIELD, "id");
    data_bad("{\"id\":[],\"samples\":[" S0 "]}", 3, SD_EFIELD, "id");
    data_bad("{\"samples\":[1]}", 3, SD_EFIELD, "samples[0]");
    data_bad("{\"samples\":[" S0 ",{\"ts\":\"2026-11-24T00:00:00Z\",\"value\":1}]}", 3, SD_EFIELD,
             "samples[1].data_id");
    data_bad("{\"samples\":[" S0 "," S0 ",{\"data_id\":\"a\",\"ts\":\"2026-11-24 00:00\","
             "\"value\":1}]}",
             3, SD_EFIELD, "samples[2].ts");
    data_bad("{\"samples\":[" S0 "," S0 "," S0 "," S0 "]}", 3, SD_ETOOBIG, "samples");
    /* a payload is not a string: an embedded NUL is refused */
    assert_int_not_equal(sd_gwif_data_parse("{\"samples\":[]}\0x", 16, 2, &d, &e), 0);
}

/* build -> parse gives the samples back, bit for bit */
static void test_data_round_trip(void **st)
{
    (void)st;
    sd_ts_sample_t s[4] = {{"gorin-l2.level", T0 + 7, 2.43, SD_TS_GOOD},
                           {"gorin-l2.flow", 0, -0.1, SD_TS_ESTIMATED},
                           {"x", SD_GWIF_TS_MAX_MS, 1e300, SD_TS_MISSING},
                           {"日本語", T0, 1.0 / 3, SD_TS_OUT_OF_RANGE}};
    for (int with_id = 0; with_id < 2; with_id++) {
        sd_buf_t b = {0};
        assert_int_equal(sd_gwif_data_build(s, 4, with_id ? "b-8" : NULL, &b), 0);
        sd_gwif_data_t d;
        sd_json_err_t e;
        assert_int_equal(sd_gwif_data_parse(b.data, b.len, 4, &d, &e), 0);
        assert_int_equal(d.n, 4);
        if (with_id)
            assert_string_equal(d.id, "b-8");
        else
            assert_null(d.id);
        for (size_t i = 0; i < 4; i++) {
            assert_string_equal(d.v[i].data_id, s[i].data_id);
            assert_int_equal(d.v[i].ts_ms, s[i].ts_ms);
            assert_true(d.v[i].value == s[i].value);
            assert_int_equal(d.v[i].quality, s[i].quality);
        }
        sd_gwif_data_free(&d);
        sd_buf_free(&b);
    }
    /* ISO rendering parses back too */
    json_t *o = sd_gwif_sample_json(&s[0], true);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "ts")), "2026-11-24T00:00:00.007Z");
    sd_ts_sample_t back;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_sample_parse(o, &back, &e), 0);
    assert_int_equal(back.ts_ms, s[0].ts_ms);
    json_decref(o);
    /* what cannot be sent is not built */
    sd_buf_t b = {0};
    sd_ts_sample_t bad[] = {{"a", -1, 1, 0}, {"", 0, 1, 0}, {"a", 0, 1, 4}, {NULL, 0, 1, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(sd_gwif_data_build(&bad[i], 1, NULL, &b), SD_EINVAL);
    assert_int_equal(sd_gwif_data_build(s, 1, "", &b), SD_EINVAL);
    assert_int_equal(b.len, 0);
    sd_buf_free(&b);
}

/* ---- events ---------------------------------------------------------------------------------- */

/* The gateway's direct writer says exactly what the jansson builder says, escapes included. */
static void test_sample_write(void **st)
{
    (void)st;
    const sd_ts_sample_t in[] = {
        {"p.level", INT64_C(1795474800000), 2.5, SD_TS_GOOD},
        {"odd \"id\"\\\x01 ok", INT64_C(1795474800123), 0.1 + 0.2, SD_TS_ESTIMATED},
        {"p.count", 0, -123456789.125, SD_TS_OUT_OF_RANGE},
    };
    sd_buf_t b = {0};
    assert_int_equal(sd_buf_append_str(&b, "{\"samples\":["), 0);
    for (size_t i = 0; i < 3; i++) {
        if (i)
            assert_int_equal(sd_buf_append_byte(&b, ','), 0);
        assert_int_equal(sd_gwif_sample_write(&in[i], &b), 0);
    }
    assert_int_equal(sd_buf_append_str(&b, "]}"), 0);
    sd_gwif_data_t d;
    assert_int_equal(sd_gwif_data_parse(b.data, b.len, 10, &d, NULL), 0);
    assert_int_equal(d.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(d.v[i].data_id, in[i].data_id);
        assert_true(d.v[i].ts_ms == in[i].ts_ms);
        assert_true(d.v[i].value == in[i].value); /* bit-exact: %.17g */
        assert_int_equal(d.v[i].quality, in[i].quality);
    }
    sd_gwif_data_free(&d);
    sd_buf_free(&b);
    sd_ts_sample_t nan = {"p", 0, NAN, SD_TS_GOOD};
    assert_int_equal(sd_gwif_sample_write(&nan, &b), SD_EINVAL);
    sd_buf_free(&b);
}

static void test_events(void **st)
{
    (void)st;
    const char *ok = "{\"id\":\"ev-batch-9\",\"events\":[{\"ts\":\"2026-11-24T05:00:03+09:00\","
                     "\"kind\":\"terminal_call\",\"device\":\"gorin-l2\",\"message\":\"ENQ 1 "
                     "alarm\",\"detail\":{\"reqno\":1,\"text\":\"Y\"}},{\"ts\":1764000000000,"
                     "\"kind\":\"poll_failed\",\"device\":\"sumikawa1-l3\",\"severity\":3,"
                     "\"message\":\"no answer after 3 tries\"}]}";
    sd_gwif_events_t b;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_events_parse(ok, strlen(ok), 3, &b, &e), 0);
    assert_int_equal(b.n, 2);
    assert_string_equal(b.id, "ev-batch-9");
    assert_int_equal(b.v[0].ts_ms, iso("2026-11-23T20:00:03Z"));
    assert_string_equal(b.v[0].detail, "{\"reqno\":1,\"text\":\"Y\"}");
    assert_int_equal(b.v[1].ts_ms, INT64_C(1764000000000));
    /* build -> parse */
    sd_buf_t out = {0};
    assert_int_equal(sd_gwif_events_build(b.v, b.n, b.id, &out), 0);
    sd_gwif_events_t c;
    assert_int_equal(sd_gwif_events_parse(out.data, out.len, 3, &c, &e), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.id, b.id);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(c.v[i].ts_ms, b.v[i].ts_ms);
        assert_string_equal(c.v[i].kind, b.v[i].kind);
        assert_string_equal(c.v[i].device, b.v[i].device);
        assert_string_equal(c.v[i].data_id, b.v[i].data_id);
        assert_string_equal(c.v[i].message, b.v[i].message);
        assert_int_equal(c.v[i].severity, b.v[i].severity);
        assert_true((c.v[i].detail == NULL) == (b.v[i].detail == NULL));
        if (c.v[i].detail)
            assert_string_equal(c.v[i].detail, b.v[i].detail);
    }
    sd_gwif_events_free(&c);
    sd_gwif_events_free(&b);
    sd_buf_free(&out);
    /* no id: "" after parsing */
    sd_gwif_event_t one = {.ts_ms = T0, .kind = "gateway_online", .message = "birth"};
    assert_int_equal(sd_gwif_events_build(&one, 1, NULL, &out), 0);
    assert_int_equal(sd_gwif_events_parse(out.data, out.len, 3, &c, &e), 0);
    assert_string_equal(c.id, "");
    assert_string_equal(c.v[0].device, "");
    sd_gwif_events_free(&c);
    sd_buf_free(&out);
    one.kind = "Bad";
    assert_int_equal(sd_gwif_events_build(&one, 1, NULL, &out), SD_EINVAL);
    sd_buf_free(&out);
}

/* ---- replies --------------------------------------------------------------------------------- */

static void test_reply_round_trip(void **st)
{
    (void)st;
    sd_ts_sample_t v[2] = {{"a", T0, 2.5, SD_TS_ESTIMATED}, {"b", T0 + 1, -1, SD_TS_GOOD}};
    sd_gwif_reply_t r = {.id = 17, .ok = true, .values = v, .n_values = 2};
    json_t *o = sd_gwif_reply_json(&r);
    assert_non_null(o);
    sd_gwif_reply_t p;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_reply_parse(o, &p, &e), 0);
    assert_int_equal(p.id, 17);
    assert_true(p.ok);
    assert_int_equal(p.n_values, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(p.values[i].data_id, v[i].data_id);
        assert_int_equal(p.values[i].ts_ms, v[i].ts_ms);
        assert_true(p.values[i].value == v[i].value);
        assert_int_equal(p.values[i].quality, v[i].quality);
    }
    sd_gwif_reply_free(&p);
    json_decref(o);

    json_t *res = js("{\"answer\":\"S\",\"tel\":\"0115812221\"}");
    sd_gwif_reply_t f = {.ok = false, .reason = "no_answer", .message = "no CONNECT after 3 tries"};
    o = sd_gwif_reply_json(&f);
    assert_int_equal(sd_gwif_reply_parse(o, &p, &e), 0);
    assert_false(p.ok);
    assert_string_equal(p.reason, "no_answer");
    assert_string_equal(p.message, "no CONNECT after 3 tries");
    sd_gwif_reply_free(&p);
    json_decref(o);
    sd_gwif_reply_t s = {.id = 19, .ok = true, .result = res};
    o = sd_gwif_reply_json(&s);
    assert_int_equal(sd_gwif_reply_parse(o, &p, &e), 0);
    assert_true(json_equal((json_t *)(uintptr_t)p.result, res));
    sd_gwif_reply_free(&p);
    json_decref(o);
    json_decref(res);
    /* inconsistent replies are not built */
    sd_gwif_reply_t bad1 = {.ok = false}, bad2 = {.ok = true, .reason = "nak"},
                    bad3 = {.ok = false, .reason = "tired"};
    assert_null(sd_gwif_reply_json(&bad1));
    assert_null(sd_gwif_reply_json(&bad2));
    assert_null(sd_gwif_reply_json(&bad3));
    assert_true(sd_gwif_reason_valid("timeout"));
    assert_false(sd_gwif_reason_valid(NULL));
}

/* ---- request messages and acks ----------------------------------------------------------------
 */

static void req_bad(const char *json, const char *field)
{
    json_t *j = js(json);
    sd_gwif_request_t r;
    sd_json_err_t e;
    int rc = sd_gwif_request_parse(j, &r, &e);
    if (rc != SD_EFIELD || strcmp(e.field, field))
        fail_msg("%s: got %s field '%s' (%s), want '%s'", json, sd_err_name(rc), e.field, e.message,
                 field);
    json_decref(j);
}

static void test_request_messages(void **st)
{
    (void)st;
    /* built by the platform, parsed by the gateway: every kind */
    static const struct {
        sd_req_kind_t kind;
        const char *body;
    } c[] = {
        {SD_REQ_READ, "{\"data_ids\":[\"gorin-l2.level\",\"gorin-l2.pump1_run\"]}"},
        {SD_REQ_READ, "{\"data_ids\":[]}"},
        {SD_REQ_CONTROL, "{\"data_id\":\"gorin-l2.pump1_cmd\",\"output_no\":1,\"value\":\"on\"}"},
        {SD_REQ_SCHEDULE, "{\"blocks\":[{\"output\":1,\"start\":\"12:30\",\"minutes\":5}]}"},
        {SD_REQ_PARAMS, "{\"alarm_s\":30}"},
        {SD_REQ_ASSIGN, "{\"ai1\":\"AAAAAAAA\"}"},
        {SD_REQ_MONITOR_START, "{\"monitor\":4,\"interval_s\":600,\"data_ids\":[\"a\"]}"},
        {SD_REQ_MONITOR_STOP, "{\"monitor\":4,\"id\":99}"}, /* never overrides the envelope */
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        json_t *body = js(c[i].body);
        sd_gwif_request_t m = {.id = 17,
                               .kind = c[i].kind,
                               .device = "gorin-l2",
                               .tel = "0115812221",
                               .created_ms = T0,
                               .deadline_ms = T0 + 60000,
                               .master_version = 3};
        json_t *o = sd_gwif_request_json(&m, body);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "created")),
                            "2026-11-24T00:00:00Z");
        sd_gwif_request_t p;
        sd_json_err_t e;
        if (sd_gwif_request_parse(o, &p, &e))
            fail_msg("case %zu: %s %s", i, e.field, e.message);
        assert_int_equal(p.id, 17);
        assert_int_equal(p.kind, c[i].kind);
        assert_string_equal(p.device, "gorin-l2");
        assert_string_equal(p.tel, "0115812221");
        assert_int_equal(p.created_ms, T0);
        assert_int_equal(p.deadline_ms, T0 + 60000);
        assert_int_equal(p.master_version, 3);
        assert_ptr_equal(p.msg, o);
        if (c[i].kind == SD_REQ_CONTROL)
            assert_true(p.on && p.output_no == 1 && !strcmp(p.data_id, "gorin-l2.pump1_cmd"));
        if (c[i].kind == SD_REQ_MONITOR_START)
            assert_true(p.monitor == 4 && p.interval_s == 600 && json_array_size(p.data_ids) == 1);
        if (c[i].kind == SD_REQ_MONITOR_STOP)
            assert_int_equal(p.monitor, 4);
        json_decref(o);
        json_decref(body);
    }
    assert_string_equal(sd_req_kind_name(SD_REQ_MONITOR_STOP), "monitor_stop");
    assert_null(sd_req_kind_name((sd_req_kind_t)7));
    sd_req_kind_t k;
    assert_int_equal(sd_req_kind_parse("Read", &k), SD_EFIELD);

#define ENV "\"id\":1,\"device\":\"d\",\"created\":0,\"deadline\":\"2026-11-24T00:00:00Z\""
    req_bad("[]", "");
    req_bad("{\"kind\":\"read\",\"device\":\"d\",\"created\":0,\"deadline\":0}", "id");
    req_bad("{" ENV ",\"kind\":\"dance\"}", "kind");
    req_bad("{\"id\":1,\"kind\":\"read\",\"device\":\"d\",\"created\":0,\"deadline\":"
            "\"2026-11-24T00:00:00\"}",
            "deadline");
    req_bad("{" ENV ",\"kind\":\"read\",\"data_ids\":[\"a\",7]}", "data_ids[1]");
    req_bad("{" ENV ",\"kind\":\"read\",\"colour\":1}", "colour");
    req_bad("{" ENV ",\"kind\":\"control\",\"data_id\":\"o\",\"output_no\":9,\"value\":\"on\"}",
            "output_no");
    req_bad("{" ENV ",\"kind\":\"control\",\"data_id\":\"o\",\"output_no\":1,\"value\":\"up\"}",
            "value");
    req_bad("{" ENV ",\"kind\":\"monitor_start\",\"monitor\":1,\"interval_s\":0}", "interval_s");
    req_bad("{" ENV ",\"kind\":\"monitor_stop\"}", "monitor");

    /* acks */
    sd_gwif_ack_t a = {.id = "b-1",
                       .ok = false,
                       .error = "bad_field",
                       .message = SD_GWIF_TS_ERROR,
                       .field = "samples[3].ts",
                       .index = 3};
    json_t *o = sd_gwif_ack_json(&a);
    sd_gwif_ack_t p;
    sd_json_err_t e;
    assert_int_equal(sd_gwif_ack_parse(o, &p, &e), 0);
    assert_false(p.ok);
    assert_string_equal(p.id, "b-1");
    assert_string_equal(p.error, "bad_field");
    assert_string_equal(p.field, "samples[3].ts");
    assert_string_equal(p.message, SD_GWIF_TS_ERROR);
    assert_int_equal(p.index, 3);
    json_decref(o);
    a.ok = true;
    o = sd_gwif_ack_json(&a);
    assert_int_equal(json_object_size(o), 2);
    assert_int_equal(sd_gwif_ack_parse(o, &p, &e), 0);
    assert_true(p.ok);
    json_decref(o);
    a.id = NULL;
    assert_null(sd_gwif_ack_json(&a));
    json_t *j = js("{\"id\":\"x\",\"ok\":false}");
    assert_int_equal(sd_gwif_ack_parse(j, &p, &e), SD_EFIELD);
    assert_string_equal(e.field, "error");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_one_sample_every_path),
        cmocka_unit_test(test_error_names_index_and_field),
        cmocka_unit_test(test_data),
        cmocka_unit_test(test_data_round_trip),
        cmocka_unit_test(test_sample_write),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_reply_round_trip),
        cmocka_unit_test(test_request_messages),
    };
    return cmocka_run_group_tests_name("gwif", tests, NULL, NULL);
}
