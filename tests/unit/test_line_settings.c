/* test_line_settings.c - lib/line/settings: the schedule/params/assign bodies, their precise
 * errors, applying them to a terminal's R/F/L answer (what is left out is kept), and the AP-IF
 * settings body of lib/pf/request_parse.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "line/settings.h"
#include "pf/requests/request.h"

static json_t *js(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fail_msg("test bug: bad JSON %s: %s", s, e.text);
    return v;
}

static void bad(sd_line_set_kind_t k, const char *s, const char *field)
{
    json_t *v = js(s);
    sd_line_settings_t set;
    sd_json_err_t e;
    memset(&e, 0, sizeof e);
    int rc = sd_line_settings_parse(k, v, NULL, &set, &e);
    if (rc != SD_EFIELD || strcmp(e.field, field) != 0)
        fail_msg("%s: got %s field '%s' (%s), want EFIELD '%s'", s, sd_err_name(rc), e.field,
                 e.message, field);
    assert_true(e.message[0] != 0);
    json_decref(v);
}

static void ok(sd_line_set_kind_t k, const char *s, sd_line_settings_t *set)
{
    json_t *v = js(s);
    sd_json_err_t e;
    int rc = sd_line_settings_parse(k, v, NULL, set, &e);
    if (rc)
        fail_msg("%s: %s field '%s' (%s)", s, sd_err_name(rc), e.field, e.message);
    json_decref(v);
}

static void test_kind(void **st)
{
    (void)st;
    sd_line_set_kind_t k;
    assert_int_equal(sd_line_settings_kind("params", &k), 0);
    assert_int_equal(k, SD_LINE_SET_PARAMS);
    assert_int_equal(sd_line_settings_kind("Params", &k), SD_EFIELD);
    assert_int_equal(sd_line_settings_kind(NULL, &k), SD_EFIELD);
    assert_int_equal(sd_line_settings_read_letter(SD_LINE_SET_SCHEDULE), 'R');
    assert_int_equal(sd_line_settings_read_letter(SD_LINE_SET_PARAMS), 'F');
    assert_int_equal(sd_line_settings_read_letter(SD_LINE_SET_ASSIGN), 'L');
}

static void test_parse_errors(void **st)
{
    (void)st;
    const sd_line_set_kind_t S = SD_LINE_SET_SCHEDULE, P = SD_LINE_SET_PARAMS,
                             A = SD_LINE_SET_ASSIGN;
    bad(S, "[]", "");
    bad(S, "{}", "blocks");
    bad(S, "{\"blocks\":[]}", "blocks");
    bad(S, "{\"blocks\":[{}]}", "blocks[0].output");
    bad(S, "{\"blocks\":[{\"output\":9,\"start\":\"01:00\",\"minutes\":1}]}", "blocks[0].output");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":\"24:00\",\"minutes\":1}]}", "blocks[0].start");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":\"1:00\",\"minutes\":1}]}", "blocks[0].start");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":\"01:00\"}]}", "blocks[0].minutes");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":\"01:00\",\"minutes\":1000}]}",
        "blocks[0].minutes");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":null,\"minutes\":5}]}", "blocks[0].minutes");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":null},{\"output\":1,\"start\":null}]}",
        "blocks[1].output");
    bad(S, "{\"blocks\":[{\"output\":1,\"start\":null,\"x\":1}]}", "blocks[0].x");
    bad(S, "{\"blocks\":[{\"output\":1}],\"alarm_s\":3}", "alarm_s");
    bad(P, "{}", "");
    bad(P, "{\"alarm_s\":0}", "alarm_s");
    bad(P, "{\"monitor_s\":301}", "monitor_s");
    bad(P, "{\"dest\":[\"1\",\"2\"]}", "dest");
    bad(P, "{\"dest\":[\"1\",\"2a\",\"3\"]}", "dest[1]");
    bad(P, "{\"dest\":[\"1\",\"2\",\"1234567890123\"]}", "dest[2]");
    bad(P, "{\"alarm_sec\":3}", "alarm_sec");
    bad(A, "{}", "");
    bad(A, "{\"ai1\":\"AAAA\"}", "ai1");
    bad(A, "{\"ai2\":\"AAAAAAAX\"}", "ai2");
    bad(A, "{\"pi\":\"PPPPPPPPPPPPPPPA\"}", "pi");
    bad(A, "{\"di3\":5}", "di3");
}

static void test_schedule_apply(void **st)
{
    (void)st;
    sd_line_settings_t set;
    ok(SD_LINE_SET_SCHEDULE,
       "{\"blocks\":[{\"output\":2,\"start\":\"06:30\",\"minutes\":45},"
       "{\"output\":3,\"start\":null,\"minutes\":null}]}",
       &set);
    sd_line_text_t cur, req;
    sd_line_text_init(&cur, SD_LINE_T_SCHED);
    for (int i = 0; i < 8; i++)
        cur.u.sched.block[i] = (sd_line_sblock_t){' ', SD_LINE_NO_TIME, SD_LINE_UNFITTED};
    cur.u.sched.block[0] = (sd_line_sblock_t){'1', 1800000000, 10};
    cur.u.sched.block[2] = (sd_line_sblock_t){'1', 1800000000, 20};
    /* 2026-11-24 07:00 JST: 06:30 has passed today, so tomorrow */
    sd_civil_t c = {2026, 11, 24, 7, 0, 0};
    int64_t now = sd_civil_to_unix(&c, SD_JST_OFFSET_S);
    assert_int_equal(sd_line_settings_apply(&set, &cur, now, &req), 0);
    assert_int_equal(req.type, SD_LINE_T_SCHED_SET);
    const sd_line_sblock_t *b = req.u.sched_set.block;
    assert_int_equal(b[0].state, '1'); /* kept */
    assert_int_equal(b[0].minutes, 10);
    assert_int_equal(b[1].state, '1');
    assert_int_equal(b[1].minutes, 45);
    sd_civil_t want = {2026, 11, 25, 6, 30, 0};
    assert_int_equal(b[1].start, sd_civil_to_unix(&want, SD_JST_OFFSET_S));
    assert_int_equal(b[2].state, '0'); /* released */
    assert_int_equal(b[3].state, ' ');
    /* an absolute start (suidoctl's ISO 8601) is taken as is */
    sd_line_settings_init(&set, SD_LINE_SET_SCHEDULE);
    set.n_blocks = 1;
    set.block[0] = (sd_line_set_block_t){.output = 8, .set = true, .minutes = 5, .at = now + 60};
    assert_int_equal(sd_line_settings_apply(&set, &cur, now, &req), 0);
    assert_int_equal(req.u.sched_set.block[7].start, now + 60);
    assert_int_equal(req.u.sched_set.block[1].state, ' '); /* not registered at the terminal */
    /* the set text encodes */
    sd_buf_t out = {0};
    sd_line_err_t le;
    assert_int_equal(sd_line_encode(&req, &out, &le), 0);
    sd_buf_free(&out);
    /* a wrong answer is a protocol error */
    sd_line_text_init(&cur, SD_LINE_T_PARAM);
    assert_int_equal(sd_line_settings_apply(&set, &cur, now, &req), SD_EPROTO);
}

static void test_params_apply(void **st)
{
    (void)st;
    sd_line_settings_t set;
    ok(SD_LINE_SET_PARAMS, "{\"alarm_s\":7}", &set);
    sd_line_text_t cur, req;
    sd_line_text_init(&cur, SD_LINE_T_PARAM);
    sd_line_param_t *p = &cur.u.param;
    p->h.branch = 1, p->h.office = 2, p->h.estate = 3, p->h.terminal = 4;
    strcpy(p->h.tel, "0115812221");
    p->alarm_s = 30, p->monitor_s = 60, p->line_type = 1, p->carrier = 2;
    strcpy(p->dest[0], "0110000001");
    strcpy(p->dest[1], "0110000002");
    assert_int_equal(sd_line_settings_apply(&set, &cur, 1800000000, &req), 0);
    const sd_line_param_set_t *q = &req.u.param_set;
    assert_int_equal(q->alarm_s, 7);
    assert_int_equal(q->monitor_s, 60);
    assert_int_equal(q->estate, 3);
    assert_string_equal(q->tel, "0115812221");
    assert_string_equal(q->dest[1], "0110000002");
    assert_int_equal(q->line_type, 1);
    assert_int_equal(q->carrier, 2);
    ok(SD_LINE_SET_PARAMS, "{\"dest\":[\"0120\",\"\",\"9\"]}", &set);
    assert_int_equal(sd_line_settings_apply(&set, &cur, 1800000000, &req), 0);
    assert_int_equal(req.u.param_set.alarm_s, 30);
    assert_string_equal(req.u.param_set.dest[0], "0120");
    assert_string_equal(req.u.param_set.dest[1], "");
    /* suidoctl's extras: line type and carrier, not in the JSON body */
    sd_line_settings_init(&set, SD_LINE_SET_PARAMS);
    set.carrier = 5;
    assert_int_equal(sd_line_settings_apply(&set, &cur, 1800000000, &req), 0);
    assert_int_equal(req.u.param_set.carrier, 5);
    assert_int_equal(req.u.param_set.line_type, 1);
    assert_int_equal(req.u.param_set.alarm_s, 30);
    assert_string_equal(req.u.param_set.dest[0], "0110000001");
}

static void test_assign_apply(void **st)
{
    (void)st;
    sd_line_settings_t set;
    ok(SD_LINE_SET_ASSIGN, "{\"ai2\":\"IIII    \",\"di1\":\"PPPPEEEEWWWW    \"}", &set);
    sd_line_text_t cur, req;
    sd_line_text_init(&cur, SD_LINE_T_ASSIGN);
    sd_line_assign_t *a = &cur.u.assign.a;
    strcpy(a->ai1, "AAAAAAAA");
    strcpy(a->ai2, "AAAAAAAA");
    strcpy(a->pi, "PPPPPPPPPPPPPPPP");
    strcpy(a->di1, "EEEEEEEEEEEEEEEE");
    strcpy(a->di2, "WWWWWWWWWWWWWWWW");
    strcpy(a->di3, "                ");
    assert_int_equal(sd_line_settings_apply(&set, &cur, 1800000000, &req), 0);
    const sd_line_assign_t *b = &req.u.assign_set.a;
    assert_string_equal(b->ai1, "AAAAAAAA");
    assert_string_equal(b->ai2, "IIII    ");
    assert_string_equal(b->di1, "PPPPEEEEWWWW    ");
    assert_string_equal(b->di2, "WWWWWWWWWWWWWWWW");
}

static void test_apif(void **st)
{
    (void)st;
    sd_apif_settings_t a;
    sd_json_err_t e;
    json_t *v = js("{\"kind\":\"params\",\"alarm_s\":5,\"wait\":0}");
    assert_int_equal(sd_apif_settings_parse(v, &a, &e), 0);
    assert_int_equal(a.kind, SD_REQ_PARAMS);
    assert_int_equal(a.wait_s, 0);
    assert_int_equal(a.timeout_s, SD_REQ_DEFAULT_TIMEOUT_S);
    assert_int_equal(a.set.alarm_s, 5);
    json_decref(v);
    struct {
        const char *s, *field;
    } cases[] = {
        {"{\"alarm_s\":5}", "kind"},
        {"{\"kind\":\"control\"}", "kind"},
        {"{\"kind\":\"params\",\"wait\":61,\"alarm_s\":5}", "wait"},
        {"{\"kind\":\"params\",\"timeout\":0,\"alarm_s\":5}", "timeout"},
        {"{\"kind\":\"assign\",\"blocks\":[]}", "blocks"},
        {"{\"kind\":\"schedule\",\"blocks\":[{\"output\":1,\"start\":\"9\"}]}", "blocks[0].start"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = js(cases[i].s);
        int rc = sd_apif_settings_parse(v, &a, &e);
        if (rc != SD_EFIELD || strcmp(e.field, cases[i].field))
            fail_msg("%s: got %s '%s', want '%s'", cases[i].s, sd_err_name(rc), e.field,
                     cases[i].field);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_kind),           cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_schedule_apply), cmocka_unit_test(test_params_apply),
        cmocka_unit_test(test_assign_apply),   cmocka_unit_test(test_apif),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
