/* test_line_session.c - unit tests for the line session state machines, on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/time.h"
#include "line/frame.h"
#include "line/session.h"
#include "line/text.h"

#include "test_line_samples.h"

static sd_line_text_t tx;

static int64_t T(const char *ymdhm)
{
    int64_t t;
    assert_int_equal(sd_ymdhm_parse(ymdhm, &t), 0);
    return t;
}

/* What one side did, accumulated over its actions. */
typedef struct {
    sd_line_session_t *s;
    sd_clock_t *clk;
    sd_buf_t wire;             /* every byte it sent */
    size_t read;               /* how much of wire the peer has taken */
    size_t last_off, last_len; /* the last send */
    int sends, hangups, done, result;
    sd_line_app_t apps[64];
    int napps;
    int64_t timer_at;
    sd_line_text_t *last; /* copy of the last text delivered */
    sd_buf_t frame;       /* ... and its bytes as received */
    sd_line_err_t rej;    /* the last refusal the session reported */
    int refusals;
} side_t;

static void side_init(side_t *o, sd_line_role_t role, sd_line_session_cfg_t *cfg, sd_clock_t *clk)
{
    memset(o, 0, sizeof *o);
    o->clk = clk;
    cfg->clock = clk;
    o->s = sd_line_session_new(role, cfg);
    assert_non_null(o->s);
    o->last = calloc(1, sizeof *o->last);
    o->timer_at = -1;
}

static void side_free(side_t *o)
{
    sd_line_session_free(o->s);
    sd_buf_free(&o->wire);
    sd_buf_free(&o->frame);
    free(o->last);
}

static void take(side_t *o, const sd_line_act_t *a)
{
    if (a->send_len) {
        o->last_off = o->wire.len;
        o->last_len = a->send_len;
        sd_buf_append(&o->wire, a->send, a->send_len);
        o->sends++;
    }
    if (a->hangup)
        o->hangups++;
    if (a->refused) {
        o->rej = *a->refused;
        o->refusals++;
    }
    if (a->frame) {
        sd_buf_reset(&o->frame);
        sd_buf_append(&o->frame, a->frame, a->frame_len);
    }
    if (a->app) {
        assert_true(o->napps < 64);
        o->apps[o->napps++] = a->app;
        if (a->text)
            memcpy(o->last, a->text, sizeof *o->last);
        if (a->app == SD_LINE_APP_DONE) {
            o->done++;
            o->result = a->result;
        }
    }
    o->timer_at = a->timer_at;
}

static sd_line_app_t last_app(const side_t *o)
{
    return o->napps ? o->apps[o->napps - 1] : SD_LINE_APP_NONE;
}

static const uint8_t *last_sent(const side_t *o)
{
    return (const uint8_t *)o->wire.data + o->last_off;
}

static void connect_side(side_t *o)
{
    sd_line_act_t a;
    sd_line_session_connected(o->s, &a);
    take(o, &a);
}

/* Bytes from the line, in chunks of `chunk` (0: all at once). */
static void give(side_t *o, const void *p, size_t n, size_t chunk)
{
    const uint8_t *q = p;
    while (n) {
        size_t c = chunk && chunk < n ? chunk : n;
        size_t m = c;
        while (m) {
            sd_line_act_t a;
            size_t k = sd_line_session_input(o->s, q, m, &a);
            assert_true(k <= m);
            take(o, &a);
            q += k;
            m -= k;
            assert_true(k > 0 || m == 0 || a.send || a.app || a.hangup);
        }
        n -= c;
    }
}

/* Move the fake clock to the armed timer and fire it. */
static void fire(side_t *o)
{
    assert_true(o->timer_at >= 0);
    int64_t now = sd_clock_mono_ms(o->clk);
    if (o->timer_at > now)
        sd_clock_fake_advance(o->clk, o->timer_at - now);
    sd_line_act_t a;
    sd_line_session_timer(o->s, &a);
    take(o, &a);
}

static void advance(sd_clock_t *c, int64_t ms)
{
    sd_clock_fake_advance(c, ms);
}

/* An encoded text of type t (answers get the letter `letter`). */
static void text_bytes(sd_line_type_t t, char letter, uint64_t seed, sd_buf_t *b)
{
    uint64_t s = seed;
    ls_random(t, &s, &tx, 2);
    if (letter) {
        if (t == SD_LINE_T_REQ)
            tx.u.req.type = letter;
        else
            tx.u.ans.type = letter; /* every terminal text starts with its header */
    }
    sd_buf_reset(b);
    assert_int_equal(sd_line_encode(&tx, b, NULL), 0);
}

static sd_clock_t *new_clock(void)
{
    return sd_clock_fake_new(T("2611241030") * 1000 + 17250); /* 10:30:17.250 JST */
}

static void send_request(side_t *c, char letter)
{
    sd_line_text_init(&tx, SD_LINE_T_REQ);
    tx.u.req.type = letter;
    tx.u.req.time = T("2611241030");
    sd_line_act_t a;
    assert_int_equal(sd_line_session_send(c->s, &tx, &a, NULL), 0);
    take(c, &a);
}

/* --- center calls a terminal ---------------------------------------------------------------- */

static void test_center_polls(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){0}, clk);
    sd_line_act_t a;
    assert_int_equal(sd_line_session_send(c.s, &tx, &a, NULL), SD_EBUSY); /* not connected */
    connect_side(&c);
    assert_int_equal(last_app(&c), SD_LINE_APP_READY);
    assert_int_equal(c.timer_at, -1);
    sd_line_text_init(&tx, SD_LINE_T_ALARM);
    assert_int_equal(sd_line_session_send(c.s, &tx, &a, NULL), SD_EINVAL);
    send_request(&c, 'V');
    assert_int_equal(c.last_len, 17);
    assert_memory_equal(last_sent(&c), "\x02V2611241030", 12);
    assert_int_equal(c.timer_at, 10000);
    assert_int_equal(sd_line_session_send(c.s, &tx, &a, NULL), SD_EBUSY); /* one at a time */
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_MONITOR, 0, 1, &b);
    advance(clk, 700);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    assert_int_equal(c.last->type, SD_LINE_T_MONITOR);
    assert_int_equal(c.timer_at, -1);
    /* a control output next */
    sd_line_text_init(&tx, SD_LINE_T_CTRL);
    tx.u.ctrl.time = T("2611241031");
    tx.u.ctrl.out[0] = SD_LINE_OUT_ON;
    assert_int_equal(sd_line_session_send(c.s, &tx, &a, NULL), 0);
    take(&c, &a);
    text_bytes(SD_LINE_T_SHORT, 'W', 2, &b);
    give(&c, b.data, b.len, 5);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    assert_int_equal(c.last->u.ans.type, 'W');
    assert_int_equal(sd_line_session_end(c.s, &a), 0);
    take(&c, &a);
    assert_memory_equal(last_sent(&c), "\x04\r", 2);
    assert_int_equal(c.hangups, 1);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, 0);
    assert_int_equal(c.timer_at, -1);
    assert_int_equal(sd_line_session_end(c.s, &a), SD_EBUSY);
    /* bytes after the end are swallowed */
    give(&c, b.data, b.len, 0);
    assert_int_equal(c.done, 1);
    sd_buf_free(&b);
    side_free(&c);
    sd_clock_fake_free(clk);
}

static void test_center_retries_on_timeout(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.retries = 3}, clk);
    connect_side(&c);
    send_request(&c, 'X');
    uint8_t first[17];
    memcpy(first, last_sent(&c), 17);
    for (int i = 1; i <= 3; i++) {
        fire(&c);
        assert_int_equal(c.sends, 1 + i);
        assert_memory_equal(last_sent(&c), first, 17); /* the same request again */
        assert_int_equal(c.timer_at, 10000 * (i + 1));
        assert_int_equal(c.done, 0);
    }
    fire(&c); /* the fourth timeout: give up */
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_ENOANSWER);
    assert_memory_equal(last_sent(&c), "\x04\r", 2);
    assert_int_equal(c.hangups, 1);
    assert_int_equal(sd_clock_mono_ms(clk), 40000);
    side_free(&c);
    sd_clock_fake_free(clk);
}

static void test_center_retries_on_nak(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.retries = 2}, clk);
    connect_side(&c);
    send_request(&c, 'R');
    give(&c,
         "\x15"
         "05\r",
         4, 0);
    assert_int_equal(c.sends, 2);
    assert_int_equal(c.last_len, 17);
    /* a NAK, then a good answer: tries start again for the next request */
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_SCHED, 0, 3, &b);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    send_request(&c, 'F');
    give(&c,
         "\x15"
         "04\r",
         4, 0);
    give(&c,
         "\x15"
         "04\r",
         4, 0);
    assert_int_equal(c.done, 0);
    give(&c,
         "\x15"
         "04\r",
         4, 0);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_ENAK);
    assert_memory_equal(last_sent(&c), "\x04\r", 2);
    sd_buf_free(&b);
    side_free(&c);
    sd_clock_fake_free(clk);
}

static void test_center_bad_answers(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.retries = 5}, clk);
    connect_side(&c);
    send_request(&c, 'Y');
    sd_buf_t b = {0};
    /* bad SUM -> NAK 05 */
    text_bytes(SD_LINE_T_ALARM, 'Y', 4, &b);
    b.data[60] ^= 1;
    give(&c, b.data, b.len, 0);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "05\r",
                        4);
    /* a well-framed text of the wrong type -> NAK 04 */
    text_bytes(SD_LINE_T_MONITOR, 0, 4, &b);
    give(&c, b.data, b.len, 0);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "04\r",
                        4);
    /* the right layout with the wrong letter -> NAK 04 */
    text_bytes(SD_LINE_T_ALARM, 'Z', 4, &b);
    give(&c, b.data, b.len, 0);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "04\r",
                        4);
    /* a bad field (SUM right) -> NAK 04 */
    text_bytes(SD_LINE_T_ALARM, 'Y', 4, &b);
    b.data[5] = 'x';
    sd_line_frame_seal((uint8_t *)b.data, b.len - 5);
    give(&c, b.data, b.len, 0);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "04\r",
                        4);
    assert_int_equal(c.done, 0);
    /* then the right answer, split in small pieces with chatter around it */
    text_bytes(SD_LINE_T_ALARM, 'Y', 4, &b);
    give(&c, "\r\n", 2, 0);
    give(&c, b.data, b.len, 3);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    assert_int_equal(c.last->u.alarm.h.type, 'Y');
    assert_int_equal(c.sends, 5);
    sd_buf_free(&b);
    side_free(&c);
    sd_clock_fake_free(clk);
}

/* A refused answer says why (field, byte, reason), during the call and after it failed. */
static void test_center_says_why(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.retries = 2}, clk);
    connect_side(&c);
    send_request(&c, 'Y');
    assert_null(sd_line_session_refusal(c.s));
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_ALARM, 'Y', 4, &b);
    b.data[5] = 'x';
    sd_line_frame_seal((uint8_t *)b.data, b.len - 5);
    give(&c, b.data, b.len, 0);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "04\r",
                        4);
    assert_int_equal(c.refusals, 1);
    assert_int_equal(c.rej.code, SD_EFIELD);
    assert_string_equal(c.rej.field, "branch");
    assert_int_equal(c.rej.offset, 5);
    assert_non_null(strstr(c.rej.why, "decimal"));
    /* a bad SUM and a wrong type say so too */
    text_bytes(SD_LINE_T_ALARM, 'Y', 4, &b);
    b.data[60] ^= 1;
    give(&c, b.data, b.len, 0);
    assert_int_equal(c.rej.code, SD_ECHECKSUM);
    assert_string_equal(c.rej.field, "sum");
    assert_int_equal(c.rej.offset, 177);
    text_bytes(SD_LINE_T_MONITOR, 0, 4, &b);
    give(&c, b.data, b.len, 0);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_EPROTO);
    const sd_line_err_t *r = sd_line_session_refusal(c.s);
    assert_non_null(r);
    assert_string_equal(r->field, "type");
    assert_non_null(strstr(r->why, "monitor_answer"));
    side_free(&c);

    /* a terminal that gives up after its own retries: "no answer", but the refusal is kept */
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.retries = 1}, clk);
    connect_side(&c);
    send_request(&c, 'Y');
    text_bytes(SD_LINE_T_ALARM, 'Y', 4, &b);
    b.data[40] = 'X';
    sd_line_frame_seal((uint8_t *)b.data, b.len - 5);
    give(&c, b.data, b.len, 0);
    fire(&c);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_ENOANSWER);
    r = sd_line_session_refusal(c.s);
    assert_non_null(r);
    assert_string_equal(r->field, "pi");
    assert_int_equal(r->offset, 40);
    side_free(&c);

    /* the next request starts with a clean slate; an accepted variant is delivered as it came */
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){0}, clk);
    connect_side(&c);
    send_request(&c, 'Y');
    uint64_t seed = 4;
    ls_random(SD_LINE_T_ALARM, &seed, &tx, 0);
    tx.u.alarm.h.type = 'Y';
    tx.u.alarm.pi_count = 16;
    strcpy(tx.u.alarm.pi, "1111111111111111");
    sd_buf_reset(&b);
    assert_int_equal(sd_line_encode(&tx, &b, NULL), 0);
    memcpy(b.data + 52, "    ", 4); /* Pi 13-16 not fitted, count still 16 (issue 11) */
    sd_line_frame_seal((uint8_t *)b.data, b.len - 5);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    assert_int_equal(c.refusals, 0);
    assert_string_equal(c.last->u.alarm.pi, "111111111111    ");
    assert_int_equal(c.frame.len, b.len);
    assert_memory_equal(c.frame.data, b.data, b.len);
    assert_null(sd_line_session_refusal(c.s));
    sd_buf_free(&b);
    side_free(&c);
    sd_clock_fake_free(clk);
}

static void test_center_interbyte(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){0}, clk);
    connect_side(&c);
    send_request(&c, 'V');
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_MONITOR, 0, 5, &b);
    advance(clk, 1000);
    give(&c, b.data, 100, 0);
    assert_int_equal(c.timer_at, 3000); /* the inter-byte limit, before the answer timeout */
    fire(&c);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "04\r",
                        4); /* the stump is refused */
    assert_int_equal(c.timer_at, 13000);
    /* a slow but steady answer may outlast the answer timeout */
    for (size_t off = 0; off < b.len; off += 20) {
        advance(clk, 1500);
        give(&c, b.data + off, off + 20 <= b.len ? 20 : b.len - off, 0);
        if (off + 20 < b.len) /* the timer waits for the next byte, not the answer deadline */
            assert_int_equal(c.timer_at, sd_clock_mono_ms(clk) + 2000);
    }
    assert_true(sd_clock_mono_ms(clk) > 13000 + 10000);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    /* stale timer calls change nothing */
    sd_line_act_t a;
    sd_line_session_timer(c.s, &a);
    assert_int_equal(a.app, SD_LINE_APP_NONE);
    assert_null(a.send);
    sd_buf_free(&b);
    side_free(&c);
    sd_clock_fake_free(clk);
}

/* --- the terminal calls the center ---------------------------------------------------------- */

static void test_center_incoming_l2(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.incoming = true}, clk);
    connect_side(&c);
    assert_int_equal(last_app(&c), SD_LINE_APP_NONE);
    assert_int_equal(c.timer_at, 10000);
    sd_buf_t b = {0};
    /* an ENQ with a bad SUM is refused, then the good one is answered */
    sd_line_text_init(&tx, SD_LINE_T_ENQ);
    tx.u.enq.reqno = SD_LINE_ENQ_ALARM;
    tx.u.enq.seq = 1;
    assert_int_equal(sd_line_encode(&tx, &b, NULL), 0);
    b.data[3] ^= 1;
    give(&c, "RING\r\nCONNECT 2400\r\n", 20, 0);
    give(&c, b.data, b.len, 0);
    assert_memory_equal(last_sent(&c),
                        "\x15"
                        "05\r",
                        4);
    b.data[3] ^= 1;
    advance(clk, 2000);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ENQ);
    assert_int_equal(c.last->u.enq.reqno, 2);
    assert_int_equal(c.last_len, 17);
    /* the request names Y and carries the center's time, 10:30:19 JST -> 1030 */
    assert_memory_equal(last_sent(&c), "\x02Y2611241030", 12);
    text_bytes(SD_LINE_T_ALARM, 'Y', 6, &b);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    sd_line_act_t a;
    sd_line_session_end(c.s, &a);
    take(&c, &a);
    assert_int_equal(c.result, 0);
    assert_memory_equal(last_sent(&c), "\x04\r", 2);
    side_free(&c);

    /* nobody speaks: give up without EOT */
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.incoming = true}, clk);
    connect_side(&c);
    fire(&c);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_ENOANSWER);
    assert_int_equal(c.sends, 0);
    assert_int_equal(c.hangups, 1);
    side_free(&c);
    sd_buf_free(&b);
    sd_clock_fake_free(clk);
}

static void test_center_incoming_l3(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    sd_line_session_cfg_t cfg = {.incoming = true,
                                 .proto = SD_LINE_PROTO_L3,
                                 .desig = {.interval = 1, .day = 15, .hour = 9, .min = 30}};
    side_init(&c, SD_LINE_ROLE_CENTER, &cfg, clk);
    connect_side(&c);
    assert_int_equal(c.timer_at, 1000);
    fire(&c); /* the device sends no ENQ: request anyway */
    assert_int_equal(c.last_len, 70);
    assert_memory_equal(last_sent(&c),
                        "\x02"
                        "2611241030      ",
                        17);
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_L3_REPORT, 0, 7, &b);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ANSWER);
    assert_int_equal(c.last->type, SD_LINE_T_L3_REPORT);
    sd_line_act_t a;
    assert_int_equal(sd_line_session_end(c.s, &a), 0);
    take(&c, &a);
    assert_int_equal(c.last_len, 70);
    assert_memory_equal(last_sent(&c),
                        "\x02"
                        "1150930   ",
                        10);
    assert_int_equal(c.done, 0);
    give(&c,
         "\x15"
         "05\r",
         4, 0); /* the device did not get it: again */
    assert_int_equal(c.last_len, 70);
    assert_memory_equal(last_sent(&c),
                        "\x02"
                        "1150930   ",
                        10);
    fire(&c);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, 0);
    assert_memory_equal(last_sent(&c), "\x04\r", 2);
    side_free(&c);

    /* a device that does send an ENQ is answered at once */
    side_init(&c, SD_LINE_ROLE_CENTER, &cfg, clk);
    connect_side(&c);
    sd_line_text_init(&tx, SD_LINE_T_ENQ);
    tx.u.enq.reqno = 1;
    tx.u.enq.seq = 0;
    sd_buf_reset(&b);
    sd_line_encode(&tx, &b, NULL);
    give(&c, b.data, b.len, 0);
    assert_int_equal(last_app(&c), SD_LINE_APP_ENQ);
    assert_int_equal(c.last_len, 70);
    side_free(&c);
    sd_buf_free(&b);
    sd_clock_fake_free(clk);
}

/* --- terminal side ---------------------------------------------------------------------------- */

static void test_terminal_answers(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t t;
    side_init(&t, SD_LINE_ROLE_TERMINAL, &(sd_line_session_cfg_t){0}, clk);
    sd_line_act_t a;
    assert_int_equal(sd_line_session_answer(t.s, &tx, &a, NULL), SD_EBUSY);
    connect_side(&t);
    assert_int_equal(t.timer_at, 30000);
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_REQ, 'V', 8, &b);
    give(&t, b.data, b.len, 4);
    assert_int_equal(last_app(&t), SD_LINE_APP_REQUEST);
    assert_int_equal(t.last->u.req.type, 'V');
    uint64_t s = 8;
    ls_random(SD_LINE_T_MONITOR, &s, &tx, 0);
    assert_int_equal(sd_line_session_answer(t.s, &tx, &a, NULL), 0);
    take(&t, &a);
    assert_int_equal(t.last_len, 323);
    uint8_t ans[323];
    memcpy(ans, last_sent(&t), 323);
    give(&t,
         "\x15"
         "05\r",
         4, 0); /* the center's copy was damaged: send it again */
    assert_int_equal(t.last_len, 323);
    assert_memory_equal(last_sent(&t), ans, 323);
    /* a second request in the same call: a W control */
    text_bytes(SD_LINE_T_CTRL, 0, 9, &b);
    give(&t, b.data, b.len, 0);
    assert_int_equal(last_app(&t), SD_LINE_APP_REQUEST);
    assert_int_equal(t.last->type, SD_LINE_T_CTRL);
    sd_line_text_init(&tx, SD_LINE_T_SHORT);
    s = 1;
    ls_hdr(&s, &tx.u.ans, 'W');
    assert_int_equal(sd_line_session_answer(t.s, &tx, &a, NULL), 0);
    take(&t, &a);
    assert_int_equal(t.last_len, 43);
    give(&t, "\x04\r", 2, 0);
    assert_int_equal(t.done, 1);
    assert_int_equal(t.result, 0);
    assert_int_equal(t.hangups, 1);
    sd_buf_free(&b);
    side_free(&t);
    sd_clock_fake_free(clk);
}

static void test_terminal_refuses_bad_requests(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t t;
    side_init(&t, SD_LINE_ROLE_TERMINAL, &(sd_line_session_cfg_t){0}, clk);
    connect_side(&t);
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_REQ, 'X', 10, &b);
    b.data[5] ^= 1;
    give(&t, b.data, b.len, 0);
    assert_memory_equal(last_sent(&t),
                        "\x15"
                        "05\r",
                        4); /* bad SUM */
    /* W with "11" in a pair is a protocol error */
    sd_line_text_init(&tx, SD_LINE_T_CTRL);
    tx.u.ctrl.time = T("2611241030");
    sd_buf_reset(&b);
    sd_line_encode(&tx, &b, NULL);
    memcpy(b.data + 14, "11", 2);
    sd_line_frame_seal((uint8_t *)b.data, b.len - 5);
    give(&t, b.data, b.len, 0);
    assert_memory_equal(last_sent(&t),
                        "\x15"
                        "04\r",
                        4);
    /* a terminal's own text is not a request */
    text_bytes(SD_LINE_T_ALARM, 'Y', 10, &b);
    give(&t, b.data, b.len, 0);
    assert_memory_equal(last_sent(&t),
                        "\x15"
                        "04\r",
                        4);
    /* an overlong frame */
    uint8_t junk[8000];
    memset(junk, '7', sizeof junk);
    junk[0] = SD_LINE_STX;
    give(&t, junk, sizeof junk, 1000);
    assert_memory_equal(last_sent(&t),
                        "\x15"
                        "04\r",
                        4);
    assert_int_equal(t.sends, 4);
    assert_int_equal(last_app(&t), SD_LINE_APP_NONE);
    /* silence: the terminal hangs up */
    fire(&t);
    fire(&t);
    assert_int_equal(t.done, 1);
    assert_int_equal(t.result, SD_ETIMEDOUT);
    sd_buf_free(&b);
    side_free(&t);
    sd_clock_fake_free(clk);
}

static void test_terminal_calls(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t t;
    sd_line_enq_t enq = {.reqno = SD_LINE_ENQ_SCHEDULED, .seq = 12};
    sd_line_session_cfg_t cfg = {.enq = &enq, .retries = 2};
    side_init(&t, SD_LINE_ROLE_TERMINAL, &cfg, clk);
    connect_side(&t);
    assert_int_equal(t.last_len, 23);
    assert_memory_equal(last_sent(&t),
                        "\x05"
                        "112              ",
                        18);
    fire(&t);
    assert_int_equal(t.sends, 2);
    fire(&t);
    assert_int_equal(t.sends, 3);
    fire(&t);
    assert_int_equal(t.done, 1);
    assert_int_equal(t.result, SD_ENOANSWER);
    assert_int_equal(t.sends, 3); /* no EOT from a terminal */
    side_free(&t);

    /* a NAK to the ENQ resends it; the request then arrives */
    side_init(&t, SD_LINE_ROLE_TERMINAL, &cfg, clk);
    connect_side(&t);
    give(&t,
         "\x15"
         "05\r",
         4, 0);
    assert_int_equal(t.sends, 2);
    assert_int_equal(t.last_len, 23);
    sd_buf_t b = {0};
    text_bytes(SD_LINE_T_REQ, 'X', 11, &b);
    give(&t, b.data, b.len, 0);
    assert_int_equal(last_app(&t), SD_LINE_APP_REQUEST);
    assert_true(sd_line_syncs_clock(t.last));
    sd_line_session_disconnected(t.s, &(sd_line_act_t){0});
    sd_buf_free(&b);
    side_free(&t);
    sd_clock_fake_free(clk);
}

static void test_disconnects(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    side_t c;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){0}, clk);
    connect_side(&c);
    send_request(&c, 'V');
    sd_line_act_t a;
    sd_line_session_disconnected(c.s, &a);
    take(&c, &a);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_ECLOSED);
    assert_int_equal(c.hangups, 0);
    sd_line_session_disconnected(c.s, &a); /* twice is harmless */
    assert_int_equal(a.app, SD_LINE_APP_NONE);
    side_free(&c);

    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){0}, clk);
    connect_side(&c);
    send_request(&c, 'V');
    give(&c, "\r\nNO CARRIER\r\n", 14, 0);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, SD_ENOCARRIER);
    side_free(&c);

    /* the terminal ends the call in the middle: the center hears EOT */
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){0}, clk);
    connect_side(&c);
    send_request(&c, 'V');
    give(&c, "\x04\r", 2, 0);
    assert_int_equal(c.result, SD_ECLOSED);
    side_free(&c);
    sd_clock_fake_free(clk);
}

/* --- center and terminal talking to each other ---------------------------------------------- */

/* Move bytes from one side to the other in chunks; true if any moved. */
static bool carry(side_t *from, side_t *to, size_t chunk)
{
    if (from->read == from->wire.len)
        return false;
    size_t n = from->wire.len - from->read;
    const char *p = from->wire.data + from->read;
    from->read = from->wire.len;
    /* copy first: the receiver may send while we read, which may move from->wire.data */
    char *copy = malloc(n);
    memcpy(copy, p, n);
    give(to, copy, n, chunk);
    free(copy);
    return true;
}

static void terminal_app(side_t *t, sd_line_text_t *answer, uint64_t seed)
{
    if (last_app(t) != SD_LINE_APP_REQUEST || t->napps == 0)
        return;
    t->apps[t->napps - 1] = SD_LINE_APP_NONE; /* handled */
    const sd_line_text_t *req = t->last;
    uint64_t s = seed;
    if (req->type == SD_LINE_T_L3_REQ) {
        ls_random(SD_LINE_T_L3_REPORT, &s, answer, 0);
        answer->u.l3_report.type = 'X';
    } else {
        char letter = req->u.req.type;
        ls_random(sd_line_answer_type(letter), &s, answer, 96);
        answer->u.ans.type = letter;
    }
    sd_line_act_t a;
    assert_int_equal(sd_line_session_answer(t->s, answer, &a, NULL), 0);
    take(t, &a);
}

static void converse(side_t *c, side_t *t, sd_line_text_t *answer, sd_clock_t *clk)
{
    for (int round = 0; round < 200 && !(c->done && t->done); round++) {
        bool moved = carry(c, t, 7);
        terminal_app(t, answer, 99);
        moved |= carry(t, c, 64);
        if (last_app(c) == SD_LINE_APP_ANSWER) {
            c->apps[c->napps - 1] = SD_LINE_APP_NONE;
            sd_line_act_t a;
            assert_int_equal(sd_line_session_end(c->s, &a), 0);
            take(c, &a);
            moved = true;
        }
        if (!moved && !(c->done && t->done)) {
            side_t *o = c->timer_at >= 0 && (t->timer_at < 0 || c->timer_at <= t->timer_at) ? c : t;
            fire(o);
        }
        advance(clk, 10);
    }
}

static void test_end_to_end(void **state)
{
    (void)state;
    sd_clock_t *clk = new_clock();
    sd_line_text_t *answer = calloc(1, sizeof *answer);
    /* an L2 terminal reports its 4-day log: ENQ 1 -> X -> 96 hourly blocks -> EOT */
    side_t c, t;
    side_init(&c, SD_LINE_ROLE_CENTER, &(sd_line_session_cfg_t){.incoming = true}, clk);
    sd_line_enq_t enq = {.reqno = SD_LINE_ENQ_SCHEDULED, .seq = 3};
    side_init(&t, SD_LINE_ROLE_TERMINAL, &(sd_line_session_cfg_t){.enq = &enq}, clk);
    connect_side(&c);
    connect_side(&t);
    converse(&c, &t, answer, clk);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.result, 0);
    assert_int_equal(t.done, 1);
    assert_int_equal(t.result, 0);
    assert_int_equal(c.last->type, SD_LINE_T_XREPORT);
    assert_int_equal(c.last->u.x.n_blocks, 96);
    /* what the center decoded is what the terminal's application sent */
    sd_buf_t x = {0}, y = {0};
    assert_int_equal(sd_line_encode(c.last, &x, NULL), 0);
    assert_int_equal(sd_line_encode(answer, &y, NULL), 0);
    assert_int_equal(x.len, 7356);
    assert_memory_equal(x.data, y.data, x.len);
    side_free(&c);
    side_free(&t);

    /* an L3 device: no ENQ; request, report, designation, EOT */
    sd_line_session_cfg_t cc = {.incoming = true,
                                .proto = SD_LINE_PROTO_L3,
                                .desig = {.interval = 2, .day = 28, .hour = 23, .min = 59}};
    side_init(&c, SD_LINE_ROLE_CENTER, &cc, clk);
    side_init(&t, SD_LINE_ROLE_TERMINAL, &(sd_line_session_cfg_t){.proto = SD_LINE_PROTO_L3}, clk);
    connect_side(&c);
    connect_side(&t);
    converse(&c, &t, answer, clk);
    assert_int_equal(c.result, 0);
    assert_int_equal(t.result, 0);
    bool got_desig = false;
    for (int i = 0; i < t.napps; i++)
        got_desig |= t.apps[i] == SD_LINE_APP_DESIG;
    assert_true(got_desig);
    assert_int_equal(t.last->type, SD_LINE_T_L3_DESIG);
    assert_int_equal(t.last->u.l3_desig.day, 28);
    side_free(&c);
    side_free(&t);
    sd_buf_free(&x);
    sd_buf_free(&y);
    free(answer);
    sd_clock_fake_free(clk);
}

/* --- clock rules -------------------------------------------------------------------------------
 */

static void test_clock_rules(void **state)
{
    (void)state;
    int64_t top = T("2611241100"); /* 11:00 JST */
    assert_false(sd_line_x_allowed(top));
    assert_false(sd_line_x_allowed(top + 300)); /* 11:05:00 */
    assert_true(sd_line_x_allowed(top + 301));  /* 11:05:01 */
    assert_true(sd_line_x_allowed(top - 301));  /* 10:54:59 */
    assert_false(sd_line_x_allowed(top - 300)); /* 10:55:00 */
    assert_true(sd_line_x_allowed(top + 1800));
    assert_false(sd_line_x_allowed(-60)); /* before 1970 too */
    assert_true(sd_line_x_allowed(-1800));

    /* set year..minute from the text, keep the terminal's own seconds */
    int64_t own = (T("2611241033") + 56) * 1000 + 789; /* 10:33:56.789 */
    int64_t set = sd_line_clock_sync(own, T("2611241040"));
    assert_int_equal(set, (T("2611241040") + 56) * 1000 + 789);
    assert_int_equal(sd_line_clock_sync(-1, 60), 60 * 1000 + 59999);

    sd_line_text_init(&tx, SD_LINE_T_REQ);
    tx.u.req.type = 'X';
    assert_true(sd_line_syncs_clock(&tx));
    tx.u.req.type = 'Z';
    assert_true(sd_line_syncs_clock(&tx));
    tx.u.req.type = 'V';
    assert_false(sd_line_syncs_clock(&tx));
    sd_line_text_init(&tx, SD_LINE_T_PARAM_SET);
    assert_true(sd_line_syncs_clock(&tx));
    sd_line_text_init(&tx, SD_LINE_T_L3_REQ);
    assert_true(sd_line_syncs_clock(&tx));
    sd_line_text_init(&tx, SD_LINE_T_CTRL);
    assert_false(sd_line_syncs_clock(&tx));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_center_polls),
        cmocka_unit_test(test_center_retries_on_timeout),
        cmocka_unit_test(test_center_retries_on_nak),
        cmocka_unit_test(test_center_bad_answers),
        cmocka_unit_test(test_center_says_why),
        cmocka_unit_test(test_center_interbyte),
        cmocka_unit_test(test_center_incoming_l2),
        cmocka_unit_test(test_center_incoming_l3),
        cmocka_unit_test(test_terminal_answers),
        cmocka_unit_test(test_terminal_refuses_bad_requests),
        cmocka_unit_test(test_terminal_calls),
        cmocka_unit_test(test_disconnects),
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_clock_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
