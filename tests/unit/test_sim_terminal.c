/* test_sim_terminal.c - a simulated terminal answers, obeys, syncs its clock and dials out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "line/text.h"
#include "sim/command.h"
#include "sim/terminal.h"

static int64_t t0(void)
{
    sd_civil_t c = {2026, 11, 20, 10, 20, 30};
    return sd_civil_to_unix(&c, SD_JST_OFFSET_S);
}

static sd_sim_term_t *l2(void)
{
    sd_sim_term_cfg_t cfg;
    sd_sim_term_cfg_default(&cfg);
    return sd_sim_term_new(&cfg, t0() - 96 * 3600, t0());
}

/* Round-trip t through the wire format, as the session would deliver it, and get the reply. */
static int ask(sd_sim_term_t *term, const sd_line_text_t *t, int64_t now, sd_line_text_t *out)
{
    sd_buf_t req = {0};
    sd_line_err_t err;
    sd_line_text_t *in = malloc(sizeof *in);
    assert_int_equal(sd_line_encode(t, &req, &err), 0);
    assert_int_equal(sd_line_decode((const uint8_t *)req.data, req.len, in, &err), 0);
    sd_sim_term_reply(term, in, now, out);
    sd_buf_t ans = {0};
    assert_int_equal(sd_line_encode(out, &ans, &err), 0); /* every reply is a valid text */
    sd_buf_free(&req);
    sd_buf_free(&ans);
    free(in);
    return out->type == SD_LINE_T_NAK ? -1 : 0;
}

static void request(sd_line_text_t *t, char letter, int64_t when)
{
    sd_line_text_init(t, SD_LINE_T_REQ);
    t->u.req.type = letter;
    t->u.req.time = when;
}

static void test_x_report_has_96_hours_ending_at_the_hour(void **state)
{
    (void)state;
    sd_sim_term_t *term = l2();
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = calloc(1, sizeof *ans);
    request(req, 'X', t0());
    assert_int_equal(ask(term, req, t0(), ans), 0);
    assert_int_equal(ans->type, SD_LINE_T_XREPORT);
    assert_int_equal(ans->u.x.n_blocks, 96);
    assert_int_equal(ans->u.x.start + 96 * 3600, t0() - 20 * 60 - 30);
    assert_int_equal(ans->u.x.h.estate, 222);
    free(req);
    free(ans);
    sd_sim_term_free(term);
}

/* The X report of a terminal with seed `seed` installed 96 h before t0 (the fleet's start). */
static void history_of(uint64_t seed, sd_line_text_t *ans)
{
    sd_sim_term_cfg_t cfg;
    sd_sim_term_cfg_default(&cfg);
    cfg.seed = seed;
    sd_sim_term_t *term = sd_sim_term_new(&cfg, t0() - 96 * 3600, t0());
    sd_line_text_t *req = calloc(1, sizeof *req);
    request(req, 'X', t0());
    assert_int_equal(ask(term, req, t0(), ans), 0);
    assert_int_equal(ans->type, SD_LINE_T_XREPORT);
    free(req);
    sd_sim_term_free(term);
}

/*
 * make run's first impression: a fleet that starts with 4 days of history whose trends look like
 * a plant (the tank level moves, water flows every hour, four run-time days), the same for a
 * terminal at every start (its seed) and not the same for two terminals.
 */
static void test_history_is_plausible_and_deterministic_per_terminal(void **state)
{
    (void)state;
    sd_line_text_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *c = calloc(1, sizeof *c);
    history_of(1, a);
    history_of(1, b);
    history_of(1 + 7919, c); /* the fleet's seed of its second terminal */
    assert_int_equal(a->u.x.n_blocks, 96);
    assert_memory_equal(a->u.x.block, b->u.x.block, sizeof a->u.x.block[0] * 96);
    assert_memory_not_equal(a->u.x.block, c->u.x.block, sizeof a->u.x.block[0] * 96);
    int lo = 255, hi = 0;
    for (int i = 0; i < 96; i++) {
        const sd_line_hour_t *h = &a->u.x.block[i];
        lo = h->analog[0] < lo ? h->analog[0] : lo;
        hi = h->analog[0] > hi ? h->analog[0] : hi;
        assert_true(h->analog[0] > 255 * 5 / 100); /* never empty */
        assert_true(h->pulse[0] > 0);              /* water is drawn every hour */
    }
    assert_true(hi - lo >= 255 / 10); /* the level swings by half a metre or more: not a line */
    for (int d = 0; d < 4; d++)       /* pump 1 ran on each of the four JST days */
        assert_true(a->u.x.rt[d][0].on_min > 0);
    free(a);
    free(b);
    free(c);
}

static void test_control_output_switches_pump(void **state)
{
    (void)state;
    sd_sim_term_t *term = l2();
    sd_line_text_t w, ans;
    sd_line_text_init(&w, SD_LINE_T_CTRL);
    w.u.ctrl.time = t0();
    w.u.ctrl.out[1] = SD_LINE_OUT_ON;
    assert_int_equal(ask(term, &w, t0(), &ans), 0);
    assert_int_equal(ans.type, SD_LINE_T_SHORT);
    assert_int_equal(ans.u.ans.type, 'W');
    sd_plant_inputs_t in;
    sd_plant_read(sd_sim_term_plant(term), &in);
    assert_true(in.manual[1] && in.di[SD_DI_PUMP2_RUN]);
    sd_line_text_t *v = calloc(1, sizeof *v), *mon = calloc(1, sizeof *mon);
    request(v, 'V', t0());
    assert_int_equal(ask(term, v, t0(), mon), 0);
    assert_string_equal(mon->u.mon.manual, "01000000");
    assert_int_equal(mon->u.mon.di[2], 'A');
    free(v);
    free(mon);
    sd_sim_term_free(term);
}

static void test_out_of_place_requests_get_nak_04(void **state)
{
    (void)state;
    sd_sim_term_cfg_t cfg;
    sd_sim_term_cfg_default(&cfg);
    cfg.kind = SD_SIM_L3;
    sd_sim_term_t *l3 = sd_sim_term_new(&cfg, t0() - 3600, t0());
    sd_line_text_t req, ans;
    request(&req, 'V', t0()); /* an L2 request to an L3 device */
    assert_int_equal(ask(l3, &req, t0(), &ans), -1);
    assert_int_equal(ans.u.nak, 4);
    sd_line_text_init(&req, SD_LINE_T_L3_REQ); /* and the L3 request to an L2 terminal */
    req.u.l3_req.time = t0();
    sd_sim_term_t *term = l2();
    assert_int_equal(ask(term, &req, t0(), &ans), -1);
    long answered, naks;
    sd_sim_term_counters(term, &answered, &naks);
    assert_int_equal(naks, 1);
    assert_int_equal(answered, 0);
    assert_int_equal(ask(l3, &req, t0(), &ans), 0);
    assert_int_equal(ans.type, SD_LINE_T_L3_REPORT);
    assert_int_equal(ans.u.l3_report.type, 'Z'); /* polled, nothing to report */
    sd_sim_term_free(l3);
    sd_sim_term_free(term);
}

static void test_clock_sync_sets_minutes_keeps_seconds(void **state)
{
    (void)state;
    sd_sim_term_t *term = l2();
    sd_sim_term_set_drift(term, 7 * 60 + 5); /* 7 min 5 s fast */
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = calloc(1, sizeof *ans);
    request(req, 'Z', t0()); /* Z syncs; the center's clock says t0 (seconds dropped) */
    assert_int_equal(ask(term, req, t0(), ans), 0);
    int64_t own = sd_sim_term_clock(term, t0());
    assert_int_equal(own / 60, t0() / 60);       /* same minute as the center */
    assert_int_equal(own % 60, (t0() + 5) % 60); /* its own seconds kept */
    free(req);
    free(ans);
    sd_sim_term_free(term);
}

static void test_alarm_pending_until_delivered(void **state)
{
    (void)state;
    sd_sim_term_t *term = l2();
    assert_int_equal(sd_sim_term_pending_call(term), 0);
    sd_plant_fault(sd_sim_term_plant(term), SD_FAULT_POWER_CUT, true);
    sd_sim_term_advance(term, t0() + 60);
    assert_int_equal(sd_sim_term_pending_call(term), SD_LINE_ENQ_ALARM);
    sd_line_enq_t e, e2;
    sd_sim_term_enq(term, SD_LINE_ENQ_ALARM, &e);
    sd_sim_term_enq(term, SD_LINE_ENQ_ALARM, &e2);
    assert_int_equal(e.reqno, 2);
    assert_int_equal(e2.seq, (e.seq + 1) % 100); /* each call numbered */
    sd_sim_term_call_done(term, SD_LINE_ENQ_ALARM, false);
    assert_int_equal(sd_sim_term_pending_call(term), SD_LINE_ENQ_ALARM);
    sd_sim_term_call_done(term, SD_LINE_ENQ_ALARM, true);
    assert_int_equal(sd_sim_term_pending_call(term), 0);
    sd_sim_term_free(term);
}

static void test_l3_designation_brings_monthly_report(void **state)
{
    (void)state;
    sd_sim_term_cfg_t cfg;
    sd_sim_term_cfg_default(&cfg);
    cfg.kind = SD_SIM_L3;
    sd_sim_term_t *term = sd_sim_term_new(&cfg, t0() - 3600, t0());
    sd_line_l3_desig_t d = {1, 21, 9, 0}; /* odd months, the 21st, 09:00 */
    sd_sim_term_designate(term, &d);
    sd_sim_term_advance(term, t0() + 3600);
    assert_int_equal(sd_sim_term_pending_call(term), 0); /* not yet the 21st */
    sd_sim_term_advance(term, t0() + 86400 - 3600);      /* 2026-11-21 09:20 JST */
    assert_int_equal(sd_sim_term_pending_call(term), SD_LINE_ENQ_SCHEDULED);
    sd_sim_term_call_done(term, SD_LINE_ENQ_SCHEDULED, true);
    sd_sim_term_advance(term, t0() + 86400);
    assert_int_equal(sd_sim_term_pending_call(term), 0); /* once a month */
    sd_sim_term_free(term);
}

static void test_control_commands_parse(void **state)
{
    (void)state;
    sd_simcmd_t c;
    const char *why;
    assert_int_equal(sd_simcmd_parse("fault gorin-l2 pump1 on\n", 24, &c, &why), 0);
    assert_int_equal(c.op, SD_SIMCMD_FAULT);
    assert_string_equal(c.target, "gorin-l2");
    assert_int_equal(c.on, 1);
    assert_int_equal(sd_simcmd_parse("drift all -300", 14, &c, &why), 0);
    assert_int_equal(c.value, -300);
    assert_int_equal(sd_simcmd_parse("status", 6, &c, &why), 0);
    assert_int_equal(sd_simcmd_parse("noise all 1001", 14, &c, &why), SD_EFIELD);
    assert_int_equal(sd_simcmd_parse("fault x flood on", 16, &c, &why), SD_EFIELD);
    assert_int_equal(sd_simcmd_parse("fault x pump1", 13, &c, &why), SD_ESYNTAX);
    assert_int_equal(sd_simcmd_parse("mute x maybe", 12, &c, &why), SD_EFIELD);
    assert_int_equal(sd_simcmd_parse("reboot", 6, &c, &why), SD_ESYNTAX);
    assert_int_equal(sd_simcmd_parse("drop \x01", 6, &c, &why), SD_ESYNTAX);
    assert_int_equal(sd_simcmd_parse("   ", 3, &c, &why), SD_ESYNTAX);
    /* patch: bytes over every text sent, '_' for a space; off to stop */
    assert_int_equal(sd_simcmd_parse("patch x 52 _0__", 15, &c, &why), 0);
    assert_int_equal(c.op, SD_SIMCMD_PATCH);
    assert_int_equal(c.value, 52);
    assert_string_equal(c.bytes, " 0  ");
    assert_int_equal(c.on, 1);
    assert_int_equal(sd_simcmd_parse("patch x off", 11, &c, &why), 0);
    assert_int_equal(c.on, 0);
    assert_int_equal(sd_simcmd_parse("patch x 0 A", 11, &c, &why), SD_EFIELD); /* not the STX */
    assert_int_equal(sd_simcmd_parse("patch x 52", 10, &c, &why), SD_ESYNTAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_report_has_96_hours_ending_at_the_hour),
        cmocka_unit_test(test_history_is_plausible_and_deterministic_per_terminal),
        cmocka_unit_test(test_control_output_switches_pump),
        cmocka_unit_test(test_out_of_place_requests_get_nak_04),
        cmocka_unit_test(test_clock_sync_sets_minutes_keeps_seconds),
        cmocka_unit_test(test_alarm_pending_until_delivered),
        cmocka_unit_test(test_l3_designation_brings_monthly_report),
        cmocka_unit_test(test_control_commands_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
