/* test_sim_fleet.c - a fleet of simulated terminals answers a center over real TCP, in-process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/time.h"
#include "line/text.h"
#include "link/link.h"
#include "sim/fleet.h"
#include "sim/terminal.h"

/*
 * One thread: the test writes to a port of the fleet, then steps the fleet's poll() loop until
 * what it waits for is on its socket (at most MAX_STEPS steps; nothing sleeps). Every listener
 * binds port 0 and the bound port is read back. Simulated time is a fake clock standing still at
 * T0 unless a test moves it, so a plant does not change between an answer and the check.
 */
#define MAX_STEPS 250
#define N_TERMS   3

/* The fleet: two L2 terminals (one installed only 5 hours ago) and an L3 device. */
static const struct {
    const char *name, *tel;
    sd_sim_kind_t kind;
    int hours; /* installed this long before T0 */
} spec[N_TERMS] = {
    {"gorin", "0115812221", SD_SIM_L2, 96},
    {"kita", "0115812222", SD_SIM_L2, 5},
    {"minami", "0115813331", SD_SIM_L3, 24},
};

typedef struct {
    sd_clock_t *clock;
    sd_listener_t *center; /* where the terminals dial out to */
    char center_url[64];
    sd_fleet_t *f;
    char rx[16384]; /* what the test's socket has received, NUL-terminated */
    size_t rx_len;
    sd_line_text_t a; /* the last text received */
} fx_t;

static int64_t t0(void)
{
    sd_civil_t c = {2026, 11, 20, 10, 20, 30}; /* JST; X is allowed at 10:20 */
    return sd_civil_to_unix(&c, SD_JST_OFFSET_S);
}

static int setup(void **state)
{
    fx_t *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->clock = sd_clock_fake_new(t0() * 1000);
    assert_int_equal(sd_listener_open("tcp://127.0.0.1:0", &x->center), 0);
    snprintf(x->center_url, sizeof x->center_url, "tcp://127.0.0.1:%d",
             sd_listener_port(x->center));
    sd_fleet_opts_t o = {.clock = x->clock, .dest_url = {x->center_url}};
    assert_non_null(x->f = sd_fleet_new(&o));
    for (int i = 0; i < N_TERMS; i++) {
        sd_sim_term_cfg_t cfg;
        sd_sim_term_cfg_default(&cfg);
        cfg.kind = spec[i].kind;
        cfg.number = i + 1;
        cfg.seed = (uint64_t)i + 7;
        snprintf(cfg.tel, sizeof cfg.tel, "%s", spec[i].tel);
        sd_sim_term_t *t = sd_sim_term_new(&cfg, t0() - spec[i].hours * 3600, t0());
        assert_int_equal(sd_fleet_add(x->f, spec[i].name, t, "tcp://127.0.0.1:0"), i);
        assert_true(sd_fleet_port(x->f, i) > 0);
    }
    assert_int_equal(sd_fleet_add_modem(x->f, "tcp://127.0.0.1:0"), 0);
    assert_true(sd_fleet_modem_port(x->f, 0) > 0);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx_t *x = *state;
    sd_fleet_free(x->f);
    sd_listener_close(x->center);
    sd_clock_fake_free(x->clock);
    free(x);
    return 0;
}

static void rx_reset(fx_t *x)
{
    x->rx_len = 0;
    x->rx[0] = '\0';
}

static sd_link_t *dial(fx_t *x, int port)
{
    char url[64];
    sd_link_t *l;
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", port);
    assert_int_equal(sd_link_open(url, &l), 0);
    rx_reset(x);
    return l;
}

/* One step of the fleet, then whatever has arrived on l into x->rx: 0, or SD_ECLOSED. */
static int step(fx_t *x, sd_link_t *l)
{
    assert_int_equal(sd_fleet_step(x->f, 20), 0);
    for (;;) {
        int n = sd_link_read(l, x->rx + x->rx_len, sizeof x->rx - 1 - x->rx_len, 0);
        if (n < 0)
            return n == SD_ETIMEDOUT ? 0 : n;
        x->rx_len += (size_t)n;
        x->rx[x->rx_len] = '\0';
        assert_true(x->rx_len < sizeof x->rx - 1);
    }
}

/* Step until a whole frame (STX/ENQ/NAK/EOT ... CR) is in; decode it into x->a, consume it. */
static const sd_line_text_t *recv_text(fx_t *x, sd_link_t *l)
{
    size_t s = 0;
    const char *cr = NULL;
    for (int i = 0; i < MAX_STEPS; i++) {
        s = strcspn(x->rx, "\x02\x05\x15\x04");
        if (s < x->rx_len && (cr = strchr(x->rx + s, '\r')))
            break;
        assert_int_equal(step(x, l), 0);
    }
    assert_non_null(cr);
    size_t e = (size_t)(cr - x->rx) + 1;
    sd_line_err_t err;
    assert_int_equal(sd_line_decode((const uint8_t *)x->rx + s, e - s, &x->a, &err), 0);
    memmove(x->rx, x->rx + e, x->rx_len - e + 1);
    x->rx_len -= e;
    return &x->a;
}

/* Step until want (modem chatter) has arrived on l, or with want NULL until l is closed. */
static void wait_for(fx_t *x, sd_link_t *l, const char *want)
{
    int rc = 0;
    for (int i = 0; i < MAX_STEPS && !rc && !(want && strstr(x->rx, want)); i++)
        rc = step(x, l);
    if (want)
        assert_non_null(strstr(x->rx, want));
    else
        assert_int_equal(rc, SD_ECLOSED);
}

static void send_raw(sd_link_t *l, const char *bytes)
{
    assert_int_equal(sd_link_write_all(l, bytes, strlen(bytes), 1000), 0);
}

static void send_text(sd_link_t *l, const sd_line_text_t *t)
{
    sd_buf_t b = {0};
    sd_line_err_t err;
    assert_int_equal(sd_line_encode(t, &b, &err), 0);
    assert_int_equal(sd_link_write_all(l, b.data, b.len, 1000), 0);
    sd_buf_free(&b);
}

/* Send an L2 request (letter) or, for letter 0, the L3 request; receive the answer. */
static const sd_line_text_t *ask(fx_t *x, sd_link_t *l, char letter)
{
    sd_line_text_t req;
    sd_line_text_init(&req, letter ? SD_LINE_T_REQ : SD_LINE_T_L3_REQ);
    if (letter)
        req.u.req = (sd_line_req_t){letter, sd_clock_wall_ms(x->clock) / 1000};
    else
        req.u.l3_req.time = sd_clock_wall_ms(x->clock) / 1000;
    send_text(l, &req);
    return recv_text(x, l);
}

/* The NAK code of answer a, or -1 when a is not a NAK. */
static int nak(const sd_line_text_t *a)
{
    return a->type == SD_LINE_T_NAK ? a->u.nak : -1;
}

/* EOT CR ends the call: the fleet closes the connection. */
static void hang_up(fx_t *x, sd_link_t *l)
{
    send_raw(l, "\x04\r");
    wait_for(x, l, NULL);
    sd_link_close(l);
}

/* a is a V answer from terminal i saying what its plant reads now. */
static void check_monitor(fx_t *x, int i, const sd_line_text_t *a)
{
    assert_int_equal(a->type, SD_LINE_T_MONITOR);
    const sd_line_monitor_t *m = &a->u.mon;
    assert_string_equal(m->h.tel, spec[i].tel);
    assert_int_equal(m->h.terminal, i + 1);
    assert_int_equal(m->h.time / 60, t0() / 60);
    sd_plant_inputs_t in;
    sd_plant_read(sd_sim_term_plant(sd_fleet_term(x->f, i)), &in);
    for (int k = 0; k < 16; k++) {
        assert_int_equal(m->pi[k] == 'P', in.pi[k]);
        assert_int_equal(strchr("A1P", m->di[k]) != NULL, in.di[k]); /* W, E, P input ON */
    }
    for (int k = 0; k < 8; k++) {
        assert_int_equal(m->analog[k], in.ai[k]);
        assert_int_equal(m->manual[k] == '1', in.manual[k]);
    }
    for (int k = 0; k < 4; k++)
        assert_int_equal(m->integ[k], in.integ[k]);
}

static void test_v_answers_each_terminals_plant(void **state)
{
    fx_t *x = *state;
    for (int i = 0; i < 3; i++) { /* the third call: the first line is free again */
        sd_link_t *l = dial(x, sd_fleet_port(x->f, i % 2));
        check_monitor(x, i % 2, ask(x, l, 'V'));
        hang_up(x, l);
    }
    sd_fleet_stats_t st;
    sd_fleet_stats(x->f, &st);
    assert_int_equal(st.calls_in, 3);
    assert_int_equal(st.frames_answered, 3);
    assert_int_equal(st.naks, 0);
    sd_link_t *l = dial(x, sd_fleet_port(x->f, 0)); /* stopping with a call up frees it all */
    check_monitor(x, 0, ask(x, l, 'V'));
    sd_fleet_free(x->f);
    x->f = NULL;
    assert_int_equal(sd_link_read(l, x->rx, sizeof x->rx, 1000), SD_ECLOSED);
    sd_link_close(l);
}

static void test_x_has_a_block_per_hour_since_install(void **state)
{
    fx_t *x = *state;
    for (int i = 0; i < 2; i++) {
        sd_link_t *l = dial(x, sd_fleet_port(x->f, i));
        const sd_line_text_t *a = ask(x, l, 'X');
        assert_int_equal(a->type, SD_LINE_T_XREPORT);
        assert_string_equal(a->u.x.h.tel, spec[i].tel);
        assert_int_equal(a->u.x.n_blocks, spec[i].hours);
        /* the last block closed at 10:00, the top of the hour before T0 */
        assert_int_equal(a->u.x.start + spec[i].hours * 3600, t0() - 20 * 60 - 30);
        hang_up(x, l);
    }
}

static void test_w_switches_an_output_that_v_reads_back(void **state)
{
    fx_t *x = *state;
    sd_link_t *l = dial(x, sd_fleet_port(x->f, 1));
    for (int on = 1; on >= 0; on--) {
        sd_line_text_t w;
        sd_line_text_init(&w, SD_LINE_T_CTRL);
        w.u.ctrl.time = t0();
        w.u.ctrl.out[0] = on ? SD_LINE_OUT_ON : SD_LINE_OUT_OFF; /* pump 1 by hand */
        send_text(l, &w);
        const sd_line_text_t *a = recv_text(x, l);
        assert_int_equal(a->type, SD_LINE_T_SHORT);
        assert_int_equal(a->u.ans.type, 'W');
        check_monitor(x, 1, a = ask(x, l, 'V'));
        assert_string_equal(a->u.mon.manual, on ? "10000000" : "00000000");
        assert_int_equal(a->u.mon.di[SD_DI_PUMP1_RUN], on ? 'A' : '@');
    }
    hang_up(x, l);
}

static void test_bad_requests_naked_call_goes_on(void **state)
{
    fx_t *x = *state;
    sd_link_t *l = dial(x, sd_fleet_port(x->f, 0));
    send_raw(l, "\x02V0305081234FFFF\r"); /* wrong SUM */
    assert_int_equal(nak(recv_text(x, l)), 5);
    send_raw(l, "\x02Q0305081234024B\r"); /* right SUM (Z0305081234 sums to 0254), no Q */
    assert_int_equal(nak(recv_text(x, l)), 4);
    assert_int_equal(nak(ask(x, l, 0)), 4);     /* a valid text, but for an L3 device */
    send_raw(l, "garbage outside any frame\r"); /* dropped, not answered */
    check_monitor(x, 0, ask(x, l, 'V'));
    hang_up(x, l);
    l = dial(x, sd_fleet_port(x->f, 2)); /* the L3 device refuses an L2 request ... */
    assert_int_equal(nak(ask(x, l, 'V')), 4);
    const sd_line_text_t *a = ask(x, l, 0); /* ... and answers its own: nothing to report */
    assert_int_equal(a->type, SD_LINE_T_L3_REPORT);
    assert_int_equal(a->u.l3_report.type, 'Z');
    assert_string_equal(a->u.l3_report.tel, spec[2].tel);
    hang_up(x, l);
    sd_fleet_stats_t st;
    sd_fleet_stats(x->f, &st);
    assert_int_equal(st.naks, 2); /* the terminals' own NAKs; the session's are not counted */
    assert_int_equal(st.frames_answered, 4);
}

static void test_modem_connects_by_tel(void **state)
{
    fx_t *x = *state;
    sd_link_t *busy = dial(x, sd_fleet_port(x->f, 1)); /* kita is in a call on its own port */
    sd_fleet_stats_t st = {0};
    for (int i = 0; i < MAX_STEPS && !st.calls_in; i++) {
        assert_int_equal(step(x, busy), 0);
        sd_fleet_stats(x->f, &st);
    }
    sd_link_t *l = dial(x, sd_fleet_modem_port(x->f, 0));
    send_raw(l, "ATD099999999999\r");
    wait_for(x, l, "NO CARRIER");
    send_raw(l, "ATD0115812222\r");
    wait_for(x, l, "BUSY");
    hang_up(x, busy);
    rx_reset(x);
    send_raw(l, "ATD0115812222\r");
    wait_for(x, l, "CONNECT");
    rx_reset(x);
    check_monitor(x, 1, ask(x, l, 'V'));
    send_raw(l, "\x04\r"); /* the terminal hangs up; the modem says so and stays */
    wait_for(x, l, "NO CARRIER");
    sd_link_close(l);
}

static void test_alarm_dials_out_and_is_delivered(void **state)
{
    fx_t *x = *state;
    sd_sim_term_t *t = sd_fleet_term(x->f, 0);
    sd_plant_fault(sd_sim_term_plant(t), SD_FAULT_POWER_CUT, true);
    sd_clock_fake_advance(x->clock, 60 * 1000);  /* past the alarm detection time */
    assert_int_equal(sd_fleet_step(x->f, 0), 0); /* the terminal notices it and dials */
    assert_int_equal(sd_sim_term_pending_call(t), SD_LINE_ENQ_ALARM);
    sd_link_t *l;
    assert_int_equal(sd_listener_accept(x->center, &l, 5000), 0); /* already queued */
    rx_reset(x);
    const sd_line_text_t *a = recv_text(x, l);
    assert_int_equal(a->type, SD_LINE_T_ENQ);
    assert_int_equal(a->u.enq.reqno, SD_LINE_ENQ_ALARM);
    a = ask(x, l, sd_line_enq_request(a->u.enq.reqno));
    assert_int_equal(a->type, SD_LINE_T_ALARM);
    assert_int_equal(a->u.alarm.h.type, 'Y');
    assert_string_equal(a->u.alarm.h.tel, spec[0].tel);
    assert_int_equal(a->u.alarm.di[SD_DI_POWER_FAIL], '1');
    hang_up(x, l);
    sd_fleet_stats_t st;
    sd_fleet_stats(x->f, &st);
    assert_int_equal(st.calls_out_ok, 1);
    assert_int_equal(st.calls_out_failed, 0); /* the close after EOT is not a second outcome */
    assert_int_equal(sd_sim_term_pending_call(t), 0); /* delivered: nothing more to report */
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_v_answers_each_terminals_plant),
        T(test_x_has_a_block_per_hour_since_install),
        T(test_w_switches_an_output_that_v_reads_back),
        T(test_bad_requests_naked_call_goes_on),
        T(test_modem_connects_by_tel),
        T(test_alarm_dials_out_and_is_delivered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
