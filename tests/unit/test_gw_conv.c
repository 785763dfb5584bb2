/* test_gw_conv.c - inventory parsing and text -> sample conversion, against hand-computed values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "gw/conv.h"
#include "gw/inv.h"

static const char inv_json[] =
    "{\"tenant\":\"t\",\"version\":3,\"devices\":["
    "{\"code\":\"gorin-l2\",\"model\":\"L2\",\"branch\":\"01\",\"office\":\"02\",\"estate\":"
    "\"222\","
    "\"terminal\":\"01\",\"tel\":\"0115812221\",\"extra\":1,\"points\":["
    "{\"data_id\":\"g.level\",\"signal\":\"analog\",\"input\":\"Ai1\",\"scale_lo\":0,\"scale_hi\":"
    "5},"
    "{\"data_id\":\"g.press\",\"signal\":\"analog\",\"input\":\"Ai2\",\"scale_lo\":-0.1,"
    "\"scale_hi\":1},"
    "{\"data_id\":\"g.energy\",\"signal\":\"pulse\",\"input\":\"Pi14\",\"factor\":1},"
    "{\"data_id\":\"g.water\",\"signal\":\"pulse\",\"input\":\"Pi13\",\"factor\":0.1},"
    "{\"data_id\":\"g.rt2\",\"signal\":\"runtime\",\"input\":\"Pi2\"},"
    "{\"data_id\":\"g.rt1\",\"signal\":\"runtime\",\"input\":\"Pi1\",\"factor\":null},"
    "{\"data_id\":\"g.vol\",\"signal\":\"integration\",\"input\":\"Integ1\",\"factor\":2},"
    "{\"data_id\":\"g.run\",\"signal\":\"monitor\",\"input\":\"Di1\"},"
    "{\"data_id\":\"g.fault\",\"signal\":\"alarm\",\"input\":\"Di2\"},"
    "{\"data_id\":\"g.nofit\",\"signal\":\"alarm\",\"input\":\"Di20\"}],"
    "\"outputs\":[{\"data_id\":\"g.pump1\",\"output_no\":1}]},"
    "{\"code\":\"gorin-l3\",\"model\":\"L3\",\"branch\":1,\"office\":2,\"estate\":222,"
    "\"terminal\":2,\"tel\":\"0115812222\",\"points\":["
    "{\"data_id\":\"l3.fault\",\"signal\":\"alarm\",\"input\":\"Di2\"},"
    "{\"data_id\":\"l3.power\",\"signal\":\"alarm\",\"input\":\"Di8\"}]}]}";

static int64_t jst(int y, int mo, int d, int h, int mi)
{
    sd_civil_t c = {y, mo, d, h, mi, 0};
    return sd_civil_to_unix(&c, SD_JST_OFFSET_S);
}

static sd_gw_inv_t *inv(void)
{
    sd_gw_inv_t *v = NULL;
    sd_json_err_t err;
    assert_int_equal(sd_gw_inv_parse(inv_json, strlen(inv_json), &v, &err), 0);
    return v;
}

static const sd_gw_sample_t *find(const sd_gw_samples_t *s, const char *id, int64_t ts_ms)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].data_id, id) && s->v[i].ts_ms == ts_ms)
            return &s->v[i];
    return NULL;
}

static size_t count_id(const sd_gw_samples_t *s, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += !strcmp(s->v[i].data_id, id);
    return n;
}

static void test_inventory_lookup(void **st)
{
    (void)st;
    sd_gw_inv_t *v = inv();
    assert_int_equal(sd_gw_inv_version(v), 3);
    assert_int_equal(sd_gw_inv_count(v), 2);
    const sd_gw_device_t *d = sd_gw_inv_by_tel(v, "0115812221  ");
    assert_non_null(d);
    assert_string_equal(d->code, "gorin-l2");
    assert_int_equal(d->estate, 222);
    assert_ptr_equal(sd_gw_inv_by_codes(v, 1, 2, 222, 2), sd_gw_inv_by_code(v, "gorin-l3"));
    assert_null(sd_gw_inv_by_tel(v, "011581222"));
    const sd_gw_point_t *p = sd_gw_dev_point(d, "g.water");
    assert_non_null(p);
    assert_int_equal(p->module, 'P');
    assert_int_equal(p->input, 13);
    assert_true(fabs(p->factor - 0.1) < 1e-12);
    assert_true(fabs(sd_gw_dev_point(d, "g.rt1")->factor - 1) < 1e-12); /* null -> 1 */
    assert_int_equal(sd_gw_dev_output(d, "g.pump1")->output_no, 1);
    sd_gw_inv_free(v);
}

static void expect_bad(const char *json, const char *field)
{
    sd_gw_inv_t *v = (sd_gw_inv_t *)1;
    sd_json_err_t err = {0};
    int rc = sd_gw_inv_parse(json, strlen(json), &v, &err);
    assert_true(rc == SD_EFIELD || rc == SD_ESYNTAX);
    assert_null(v);
    if (field)
        assert_string_equal(err.field, field);
}

static void test_inventory_rejects(void **st)
{
    (void)st;
    expect_bad("{\"devices\":", NULL);
    expect_bad("{\"version\":1}", "devices");
    expect_bad("{\"devices\":[{\"code\":\"a\",\"model\":\"L4\"}]}", "devices[0].model");
    expect_bad("{\"devices\":[{\"code\":\"a b\",\"model\":\"L2\"}]}", "devices[0].code");
    expect_bad("{\"devices\":[{\"code\":\"a\",\"model\":\"L2\",\"branch\":\"1x\"}]}",
               "devices[0].branch");
    const char *pre = "{\"devices\":[{\"code\":\"a\",\"model\":\"L2\",\"branch\":1,\"office\":1,"
                      "\"estate\":1,\"terminal\":1,\"tel\":\"01\",\"points\":[";
    char buf[512];
    snprintf(buf, sizeof buf,
             "%s{\"data_id\":\"p\",\"signal\":\"analog\",\"input\":\"Di1\","
             "\"scale_lo\":0,\"scale_hi\":1}]}]}",
             pre);
    expect_bad(buf, "devices[0].points[0].input");
    snprintf(buf, sizeof buf,
             "%s{\"data_id\":\"p\",\"signal\":\"analog\",\"input\":\"Ai1\","
             "\"scale_lo\":1,\"scale_hi\":1}]}]}",
             pre);
    expect_bad(buf, "devices[0].points[0].input");
    snprintf(buf, sizeof buf, "%s{\"data_id\":\"p\",\"signal\":\"alarm\",\"input\":\"Di49\"}]}]}",
             pre);
    expect_bad(buf, "devices[0].points[0].input");
    snprintf(buf, sizeof buf, "%s{\"data_id\":\"p\",\"signal\":\"beep\",\"input\":\"Di1\"}]}]}",
             pre);
    expect_bad(buf, "devices[0].points[0].signal");
    snprintf(buf, sizeof buf,
             "%s]},{\"code\":\"a\",\"model\":\"L3\",\"branch\":1,\"office\":1,"
             "\"estate\":1,\"terminal\":2,\"tel\":\"02\"}]}",
             pre);
    expect_bad(buf, "devices[1].code");
}

/* An X report at 10:20 JST with three blocks ending 08:00, 09:00 and 10:00 JST. */
static void make_x(sd_line_xreport_t *x)
{
    memset(x, 0, sizeof *x);
    x->h.type = 'X';
    x->h.time = jst(2026, 11, 24, 10, 20);
    x->start = jst(2026, 11, 24, 7, 0);
    x->rt_points = 12;
    x->rt[0][0] = (sd_line_rt_t){3, 125};
    x->rt[0][1] = (sd_line_rt_t){1, 40};
    x->rt[1][0] = (sd_line_rt_t){2, 60};
    x->rt[3][1] = (sd_line_rt_t){9, 999};
    x->n_blocks = 3;
    x->n_pulse = 2;
    x->n_aslots = 1;
    x->n_integ = 1;
    for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 6; i++)
            x->block[b].pulse[i] = i < 2 ? 10 * (b + 1) + i : SD_LINE_UNFITTED;
        for (int i = 0; i < 16; i++)
            x->block[b].analog[i] = i < 8 ? 0x80 + b : SD_LINE_UNFITTED;
        for (int i = 0; i < 4; i++)
            x->block[b].integ[i] = i < 1 ? 300 + b : SD_LINE_UNFITTED;
    }
    x->block[1].analog[1] = 0xFF;
}

static void near(const sd_gw_sample_t *s, double want)
{
    assert_non_null(s);
    if (fabs(s->value - want) > 1e-9)
        fail_msg("%s at %lld: %.12g, want %.12g", s->data_id, (long long)s->ts_ms, s->value, want);
}

static void test_x_report_all_blocks(void **st)
{
    (void)st;
    sd_gw_inv_t *v = inv();
    const sd_gw_device_t *d = sd_gw_inv_by_code(v, "gorin-l2");
    static sd_line_xreport_t x;
    make_x(&x);
    sd_gw_samples_t s = {0};
    sd_gw_xinfo_t info;
    assert_int_equal(sd_gw_conv_x(d, &x, 0, &s, &info), 0);
    int64_t e0 = jst(2026, 11, 24, 8, 0) * 1000; /* 2026-11-23T23:00Z */
    assert_int_equal(e0, INT64_C(1795474800000));
    int64_t e1 = e0 + 3600000, e2 = e1 + 3600000;
    assert_int_equal(info.first_end_ms, e0);
    assert_int_equal(info.last_end_ms, e2);
    assert_int_equal(info.blocks_used, 3);
    near(find(&s, "g.level", e0), 5.0 * 128 / 255); /* 2.5098... m */
    near(find(&s, "g.level", e2), 5.0 * 130 / 255);
    near(find(&s, "g.press", e1), 1.0); /* FF = 20 mA = scale_hi */
    near(find(&s, "g.press", e0), -0.1 + 1.1 * 128 / 255);
    /* Pi13 is the first pulse input -> counter 0, Pi14 -> counter 1, listed in reverse. */
    near(find(&s, "g.water", e0), 1.0); /* 10 pulses x 0.1 m3 */
    near(find(&s, "g.energy", e0), 11); /* 11 x 1 kWh */
    near(find(&s, "g.water", e2), 3.0); /* 30 x 0.1 */
    near(find(&s, "g.vol", e1), 602);   /* 301 x 2 */
    /* Run-time: today 2026-11-24 JST starts 2026-11-23T15:00Z. */
    int64_t today = jst(2026, 11, 24, 0, 0) * 1000;
    assert_int_equal(today, INT64_C(1795446000000));
    near(find(&s, "g.rt1", today), 125);
    near(find(&s, "g.rt2", today), 40);
    near(find(&s, "g.rt1", today - 86400000), 60);
    near(find(&s, "g.rt2", today - 3 * 86400000), 999);
    assert_int_equal(count_id(&s, "g.rt1"), 4);
    /* No states in an X report, and nothing for inputs the block leaves unfitted. */
    assert_int_equal(count_id(&s, "g.run"), 0);
    assert_int_equal(count_id(&s, "g.level"), 3);
    assert_int_equal(s.n, 3 * 5 + 8);
    sd_gw_samples_free(&s);
    sd_gw_inv_free(v);
}

static void test_x_report_after(void **st)
{
    (void)st;
    sd_gw_inv_t *v = inv();
    const sd_gw_device_t *d = sd_gw_inv_by_code(v, "gorin-l2");
    static sd_line_xreport_t x;
    make_x(&x);
    sd_gw_samples_t s = {0};
    sd_gw_xinfo_t info;
    int64_t e1 = jst(2026, 11, 24, 9, 0) * 1000;
    assert_int_equal(sd_gw_conv_x(d, &x, e1, &s, &info), 0);
    assert_int_equal(info.blocks_used, 1);
    assert_int_equal(count_id(&s, "g.level"), 1);
    near(find(&s, "g.level", e1 + 3600000), 5.0 * 130 / 255);
    /* Only today's run-time: the last collection was already today (JST). */
    assert_int_equal(count_id(&s, "g.rt1"), 1);
    assert_int_equal(s.n, 5 + 2);
    sd_gw_samples_free(&s);
    /* Everything already collected: no hourly sample at all. */
    assert_int_equal(sd_gw_conv_x(d, &x, e1 + 3600000, &s, &info), 0);
    assert_int_equal(info.blocks_used, 0);
    assert_int_equal(count_id(&s, "g.level"), 0);
    sd_gw_samples_free(&s);
    sd_gw_inv_free(v);
}

static void test_alarm_and_l3(void **st)
{
    (void)st;
    sd_gw_inv_t *v = inv();
    const sd_gw_device_t *d = sd_gw_inv_by_code(v, "gorin-l2");
    sd_line_alarm_t a;
    memset(&a, 0, sizeof a);
    a.pi_count = 16;
    memset(a.pi, 'Q', 16);
    a.di_count = 16;
    memset(a.di, ' ', 48);
    memcpy(a.di, "A1@0", 4);
    a.aslots = 1;
    for (int i = 0; i < 16; i++)
        a.analog[i] = i < 8 ? 0 : SD_LINE_UNFITTED;
    a.analog[0] = 51; /* 5 * 51/255 = 1.0 m */
    a.integ_count = 1;
    a.integ[0] = 77;
    a.integ[1] = a.integ[2] = a.integ[3] = SD_LINE_UNFITTED;
    int64_t ts = INT64_C(1764000000000);
    sd_gw_samples_t s = {0};
    assert_int_equal(sd_gw_conv_alarm(d, &a, ts, &s), 0);
    near(find(&s, "g.run", ts), 1);
    near(find(&s, "g.fault", ts), 1);
    near(find(&s, "g.level", ts), 1.0);
    near(find(&s, "g.press", ts), -0.1);
    near(find(&s, "g.vol", ts), 154);
    assert_null(find(&s, "g.nofit", ts)); /* Di20: blank in a 16-input report */
    assert_int_equal(count_id(&s, "g.water"), 0);
    sd_gw_samples_free(&s);
    a.di[1] = '0';
    a.di[0] = '@';
    assert_int_equal(sd_gw_conv_alarm(d, &a, ts, &s), 0);
    near(find(&s, "g.run", ts), 0);
    near(find(&s, "g.fault", ts), 0);
    sd_gw_samples_free(&s);

    const sd_gw_device_t *l3 = sd_gw_inv_by_code(v, "gorin-l3");
    sd_line_l3_report_t r;
    memset(&r, 0, sizeof r);
    memcpy(r.alarm, "0100000100000000", 17);
    assert_int_equal(sd_gw_conv_l3(l3, &r, ts, &s), 0);
    assert_int_equal(s.n, 2);
    near(find(&s, "l3.fault", ts), 1);
    near(find(&s, "l3.power", ts), 1);
    sd_gw_samples_free(&s);
    sd_gw_inv_free(v);
}

static void test_sample_json(void **st)
{
    (void)st;
    sd_gw_sample_t s = {"g.level", INT64_C(1795474800000), 5.0 * 128 / 255, SD_TS_GOOD};
    sd_buf_t b = {0};
    assert_int_equal(sd_gw_sample_json(&s, &b), 0);
    /* gwif's sample object: the platform parses it back to the same sample */
    json_t *o = json_loads(b.data, 0, NULL);
    sd_ts_sample_t t;
    assert_int_equal(sd_gwif_sample_parse(o, &t, NULL), 0);
    assert_string_equal(t.data_id, "g.level");
    assert_true(t.ts_ms == INT64_C(1795474800000));
    assert_true(t.value == s.value);
    assert_int_equal(t.quality, SD_TS_GOOD);
    /* ts in epoch milliseconds, one of the two forms of GW-IF's one time rule */
    assert_true(json_integer_value(json_object_get(o, "ts")) == INT64_C(1795474800000));
    json_decref(o);
    sd_buf_free(&b);
    s.quality = SD_TS_ESTIMATED;
    assert_int_equal(sd_gw_sample_json(&s, &b), 0);
    assert_non_null(strstr(b.data, "\"quality\":\"estimated\""));
    sd_buf_free(&b);
    s.value = NAN;
    assert_int_equal(sd_gw_sample_json(&s, &b), SD_EINVAL);
    sd_buf_free(&b);
    assert_int_equal(sd_gw_jst_day_start_ms(INT64_C(1795474800000)), INT64_C(1795446000000));
    assert_int_equal(sd_gw_jst_day_start_ms(INT64_C(1795446000000)), INT64_C(1795446000000));
    assert_int_equal(sd_gw_jst_day_start_ms(INT64_C(1795445999999)),
                     INT64_C(1795446000000) - 86400000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_lookup),    cmocka_unit_test(test_inventory_rejects),
        cmocka_unit_test(test_x_report_all_blocks), cmocka_unit_test(test_x_report_after),
        cmocka_unit_test(test_alarm_and_l3),        cmocka_unit_test(test_sample_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
