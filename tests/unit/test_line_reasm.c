/* test_line_reasm.c - unit tests for the line stream reassembler: chatter, splits, junk, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "line/frame.h"
#include "line/reasm.h"
#include "line/text.h"

#include "test_line_samples.h"

static sd_line_text_t tx;

/* Events collected as one printable line each: "F:<type>", "B:<err>:<nak>", "C:<text>". */
typedef struct {
    char ev[64][96];
    int n;
} log_t;

static void record(log_t *lg, const sd_line_rx_t *ev)
{
    assert_true(lg->n < 64);
    char *o = lg->ev[lg->n++];
    switch (ev->kind) {
    case SD_LINE_RX_FRAME:
        snprintf(o, 96, "F:%s:%zu", sd_line_type_name(sd_line_classify(ev->data, ev->len, NULL)),
                 ev->len);
        /* a frame the reassembler passes has a valid envelope */
        if (ev->data[0] == SD_LINE_STX || ev->data[0] == SD_LINE_ENQ)
            assert_int_equal(sd_line_frame_check(ev->data, ev->len, NULL), 0);
        break;
    case SD_LINE_RX_BAD:
        snprintf(o, 96, "B:%s:%d", sd_err_name(ev->err), ev->nak);
        break;
    case SD_LINE_RX_CHATTER:
        snprintf(o, 96, "C:%.*s", (int)ev->len, (const char *)ev->data);
        break;
    default:
        fail_msg("event kind %d", ev->kind);
    }
}

/* Feed p in chunks of `chunk` bytes (0: all at once) at time now; log every event. */
static void feed(sd_line_reasm_t *r, const uint8_t *p, size_t n, size_t chunk, int64_t now,
                 log_t *lg)
{
    size_t guard = 0;
    while (n) {
        size_t c = chunk && chunk < n ? chunk : n;
        const uint8_t *q = p;
        size_t m = c;
        while (m) {
            sd_line_rx_t ev;
            size_t k = sd_line_reasm_feed(r, q, m, now, &ev);
            assert_true(k <= m);
            q += k;
            m -= k;
            if (ev.kind)
                record(lg, &ev);
            else
                assert_true(k > 0 || m == 0 || !sd_line_reasm_busy(r));
            assert_true(++guard < 100000); /* never stuck */
        }
        p += c;
        n -= c;
    }
}

static void frame_of(sd_line_type_t t, uint64_t seed, sd_buf_t *b)
{
    uint64_t s = seed;
    ls_random(t, &s, &tx, 4);
    assert_int_equal(sd_line_encode(&tx, b, NULL), 0);
}

/* A session's worth of bytes: modem chatter, frames of several kinds, chatter again. */
static void stream(sd_buf_t *b)
{
    sd_buf_append_str(b, "RING\r\nCONNECT 9600/ARQ\r\n");
    frame_of(SD_LINE_T_ENQ, 1, b);
    frame_of(SD_LINE_T_REQ, 2, b);
    frame_of(SD_LINE_T_XREPORT, 3, b);
    sd_buf_append(b,
                  "\x15"
                  "05\r",
                  4);
    frame_of(SD_LINE_T_ALARM, 4, b);
    sd_buf_append(b, "\x04\r", 2);
    sd_buf_append_str(b, "\r\nNO CARRIER\r\n");
}

static const char *const stream_events[] = {
    "C:RING",  "C:CONNECT 9600/ARQ", "F:enq:23", "F:request:17", "F:scheduled_report:732",
    "F:nak:4", "F:alarm_report:182", "F:eot:2",  "C:NO CARRIER",
};

static void check_stream(const log_t *lg)
{
    size_t want = sizeof stream_events / sizeof stream_events[0];
    if ((size_t)lg->n != want)
        fail_msg("%d events, want %zu (first: %s)", lg->n, want, lg->n ? lg->ev[0] : "-");
    for (size_t i = 0; i < want; i++)
        assert_string_equal(lg->ev[i], stream_events[i]);
}

static void test_chatter_and_frames(void **state)
{
    (void)state;
    sd_line_reasm_t *r = sd_line_reasm_new(NULL);
    assert_non_null(r);
    sd_buf_t b = {0};
    stream(&b);
    log_t lg = {0};
    feed(r, (const uint8_t *)b.data, b.len, 0, 0, &lg);
    check_stream(&lg);
    assert_false(sd_line_reasm_busy(r));
    assert_int_equal(sd_line_reasm_deadline(r), -1);
    sd_buf_free(&b);
    sd_line_reasm_free(r);
    sd_line_reasm_free(NULL);
}

/* the same events whatever the chunking: two chunks split at every byte, and byte by byte */
static void test_split_everywhere(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    stream(&b);
    sd_line_reasm_t *r = sd_line_reasm_new(NULL);
    for (size_t cut = 0; cut <= b.len; cut++) {
        log_t lg = {0};
        sd_line_reasm_reset(r);
        feed(r, (const uint8_t *)b.data, cut, 0, 0, &lg);
        feed(r, (const uint8_t *)b.data + cut, b.len - cut, 0, 0, &lg);
        check_stream(&lg);
    }
    for (size_t chunk = 1; chunk <= 13; chunk++) {
        log_t lg = {0};
        feed(r, (const uint8_t *)b.data, b.len, chunk, 0, &lg);
        check_stream(&lg);
    }
    sd_buf_free(&b);
    sd_line_reasm_free(r);
}

static void test_bad_sum_and_structure(void **state)
{
    (void)state;
    sd_line_reasm_t *r = sd_line_reasm_new(NULL);
    sd_buf_t b = {0};
    frame_of(SD_LINE_T_ALARM, 9, &b);
    b.data[50] ^= 2;
    log_t lg = {0};
    feed(r, (const uint8_t *)b.data, b.len, 0, 0, &lg);
    b.data[50] ^= 2;
    memcpy(b.data + b.len - 5, "00Z0", 4); /* an unreadable SUM is a bad SUM */
    feed(r, (const uint8_t *)b.data, b.len, 0, 0, &lg);
    feed(r,
         (const uint8_t *)"\x02"
                          "AB\r",
         4, 0, 0, &lg); /* too short for a SUM */
    feed(r,
         (const uint8_t *)"\x15"
                          "0\r",
         3, 0, 0, &lg); /* a broken NAK is not answered */
    feed(r,
         (const uint8_t *)"\x15"
                          "0G",
         3, 0, 0, &lg);
    feed(r,
         (const uint8_t *)"\x15"
                          "055",
         4, 0, 0, &lg);
    assert_int_equal(lg.n, 6);
    assert_string_equal(lg.ev[0], "B:ECHECKSUM:5");
    assert_string_equal(lg.ev[1], "B:ECHECKSUM:5");
    assert_string_equal(lg.ev[2], "B:EPROTO:4");
    assert_string_equal(lg.ev[3], "B:EPROTO:-1");
    assert_string_equal(lg.ev[4], "B:EPROTO:-1");
    assert_string_equal(lg.ev[5], "B:EPROTO:-1");
    sd_buf_free(&b);
    sd_line_reasm_free(r);
}

/* a frame cut short by the next frame's STX: report the stump, keep the new frame */
static void test_cut_by_new_frame(void **state)
{
    (void)state;
    sd_line_reasm_t *r = sd_line_reasm_new(NULL);
    sd_buf_t b = {0};
    sd_buf_append(&b,
                  "\x02"
                  "31Y0102",
                  8);
    frame_of(SD_LINE_T_REQ, 5, &b);
    sd_buf_append(&b,
                  "\x05"
                  "20",
                  3);
    frame_of(SD_LINE_T_ENQ, 5, &b);
    log_t lg = {0};
    feed(r, (const uint8_t *)b.data, b.len, 0, 0, &lg);
    assert_int_equal(lg.n, 4);
    assert_string_equal(lg.ev[0], "B:EPROTO:4");
    assert_string_equal(lg.ev[1], "F:request:17");
    assert_string_equal(lg.ev[2], "B:EPROTO:4");
    assert_string_equal(lg.ev[3], "F:enq:23");
    sd_buf_free(&b);
    sd_line_reasm_free(r);
}

static void test_overlong(void **state)
{
    (void)state;
    sd_line_reasm_cfg_t cfg = {.max_frame = 200};
    sd_line_reasm_t *r = sd_line_reasm_new(&cfg);
    uint8_t junk[5000];
    memset(junk, 'A', sizeof junk);
    junk[0] = SD_LINE_STX;
    log_t lg = {0};
    feed(r, junk, sizeof junk, 0, 0, &lg);
    assert_int_equal(lg.n, 1); /* reported once, the rest skipped up to the next CR */
    assert_string_equal(lg.ev[0], "B:EPROTO:4");
    assert_true(sd_line_reasm_busy(r));
    sd_buf_t b = {0};
    sd_buf_append_byte(&b, '\r');
    frame_of(SD_LINE_T_ALARM, 1, &b); /* 182 bytes: fits in 200 */
    feed(r, (const uint8_t *)b.data, b.len, 7, 0, &lg);
    assert_int_equal(lg.n, 2);
    assert_string_equal(lg.ev[1], "F:alarm_report:182");
    /* an overlong frame ended by a new STX: the new frame is kept */
    feed(r, junk, 300, 0, 0, &lg);
    feed(r, (const uint8_t *)b.data + 1, b.len - 1, 0, 0, &lg);
    assert_int_equal(lg.n, 4);
    assert_string_equal(lg.ev[2], "B:EPROTO:4");
    assert_string_equal(lg.ev[3], "F:alarm_report:182");
    /* the default limit takes the longest text, an X report with 96 blocks */
    sd_line_reasm_t *d = sd_line_reasm_new(NULL);
    sd_buf_reset(&b);
    uint64_t s = 3;
    ls_random(SD_LINE_T_XREPORT, &s, &tx, 96);
    assert_int_equal(sd_line_encode(&tx, &b, NULL), 0);
    assert_int_equal(b.len, SD_LINE_MAX_FRAME);
    lg.n = 0;
    feed(d, (const uint8_t *)b.data, b.len, 1000, 0, &lg);
    assert_int_equal(lg.n, 1);
    assert_string_equal(lg.ev[0], "F:scheduled_report:7356");
    /* an ENQ longer than any ENQ is cut early */
    uint8_t enq[200];
    memset(enq, '1', sizeof enq);
    enq[0] = SD_LINE_ENQ;
    lg.n = 0;
    feed(d, enq, sizeof enq, 0, 0, &lg);
    assert_int_equal(lg.n, 1);
    assert_string_equal(lg.ev[0], "B:EPROTO:4");
    assert_null(sd_line_reasm_new(&(sd_line_reasm_cfg_t){.max_frame = 1 << 20}));
    sd_buf_free(&b);
    sd_line_reasm_free(d);
    sd_line_reasm_free(r);
}

static void test_timeout(void **state)
{
    (void)state;
    sd_line_reasm_t *r = sd_line_reasm_new(NULL); /* 2000 ms between bytes */
    sd_buf_t b = {0};
    frame_of(SD_LINE_T_ALARM, 2, &b);
    log_t lg = {0};
    sd_line_rx_t ev;
    feed(r, (const uint8_t *)b.data, 100, 0, 1000, &lg);
    assert_int_equal(lg.n, 0);
    assert_true(sd_line_reasm_busy(r));
    assert_int_equal(sd_line_reasm_deadline(r), 3000);
    assert_false(sd_line_reasm_poll(r, 2999, &ev));
    feed(r, (const uint8_t *)b.data + 100, 50, 0, 2500, &lg); /* in time: the deadline moves */
    assert_int_equal(sd_line_reasm_deadline(r), 4500);
    assert_false(sd_line_reasm_poll(r, 4499, &ev));
    assert_true(sd_line_reasm_poll(r, 4500, &ev));
    assert_int_equal(ev.kind, SD_LINE_RX_BAD);
    assert_int_equal(ev.err, SD_ETIMEDOUT);
    assert_int_equal(ev.nak, SD_LINE_NAK_PROTO);
    assert_int_equal(ev.len, 150);
    assert_false(sd_line_reasm_busy(r));
    assert_false(sd_line_reasm_poll(r, 9999, &ev)); /* reported once */
    /* the rest arrives late: it is not glued to the stump */
    feed(r, (const uint8_t *)b.data + 150, b.len - 150, 0, 9000, &lg);
    for (int i = 0; i < lg.n; i++)
        assert_true(lg.ev[i][0] != 'F');

    /* late bytes report the timeout before they are taken */
    feed(r, (const uint8_t *)b.data, 10, 0, 20000, &lg);
    size_t k = sd_line_reasm_feed(r, (const uint8_t *)b.data + 10, 5, 30000, &ev);
    assert_int_equal(k, 0);
    assert_int_equal(ev.err, SD_ETIMEDOUT);
    /* a bare EOT at the end of the line is delivered when the line goes quiet */
    lg.n = 0;
    feed(r, (const uint8_t *)"\x04", 1, 0, 40000, &lg);
    assert_int_equal(lg.n, 0);
    assert_true(sd_line_reasm_poll(r, 42000, &ev));
    assert_int_equal(ev.kind, SD_LINE_RX_FRAME);
    assert_memory_equal(ev.data, "\x04\r", 2);
    /* a bare EOT followed by text: EOT, then the text */
    feed(r, (const uint8_t *)"\x04OK\r\n", 5, 0, 50000, &lg);
    assert_int_equal(lg.n, 2);
    assert_string_equal(lg.ev[0], "F:eot:2");
    assert_string_equal(lg.ev[1], "C:OK");
    /* no limit when disabled */
    sd_line_reasm_t *n = sd_line_reasm_new(&(sd_line_reasm_cfg_t){.interbyte_ms = -1});
    sd_line_reasm_feed(n, (const uint8_t *)b.data, 10, 0, &ev);
    assert_int_equal(sd_line_reasm_deadline(n), -1);
    assert_false(sd_line_reasm_poll(n, INT64_MAX / 2, &ev));
    sd_line_reasm_free(n);
    sd_buf_free(&b);
    sd_line_reasm_free(r);
}

/* random junk, with and without control bytes, never produces a frame out of nothing */
static void test_garbage(void **state)
{
    (void)state;
    sd_line_reasm_t *r = sd_line_reasm_new(NULL);
    uint64_t s = 42;
    uint8_t junk[4096];
    int frames = 0, events = 0;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof junk; i++) {
            uint8_t c = (uint8_t)ls_next(&s);
            /* round 0-99: printable junk with line ends; 100-199: anything at all */
            junk[i] = round < 100 ? (uint8_t)(c % 3 == 0 ? '\n' : 0x20 + c % 95) : c;
        }
        size_t off = 0;
        while (off < sizeof junk) {
            sd_line_rx_t ev;
            off += sd_line_reasm_feed(r, junk + off, sizeof junk - off, round * 10, &ev);
            if (ev.kind == SD_LINE_RX_FRAME) {
                frames++;
                if (ev.data[0] == SD_LINE_STX || ev.data[0] == SD_LINE_ENQ)
                    assert_int_equal(sd_line_frame_check(ev.data, ev.len, NULL), 0);
            }
            if (ev.kind == SD_LINE_RX_CHATTER)
                assert_true(ev.len >= 1 && ev.len <= SD_LINE_CHATTER_MAX);
            if (ev.kind)
                events++;
            if (round < 100)
                assert_int_not_equal(ev.kind, SD_LINE_RX_FRAME);
        }
    }
    assert_true(events > 1000);
    (void)frames; /* binary junk may hold a NAK or an EOT; each was checked above */
    sd_line_reasm_free(r);
}

static void test_chatter_limit_and_pos(void **state)
{
    (void)state;
    sd_line_reasm_t *r = sd_line_reasm_new(NULL);
    char line[300];
    memset(line, 'x', sizeof line);
    line[sizeof line - 1] = '\n';
    sd_line_rx_t ev;
    size_t k = sd_line_reasm_feed(r, (const uint8_t *)line, sizeof line, 0, &ev);
    assert_int_equal(k, sizeof line);
    assert_int_equal(ev.kind, SD_LINE_RX_CHATTER);
    assert_int_equal(ev.len, SD_LINE_CHATTER_MAX);
    assert_int_equal(ev.pos, 0);
    /* stream positions of later events */
    k = sd_line_reasm_feed(r,
                           (const uint8_t *)"ab\x15"
                                            "05\r",
                           6, 0, &ev);
    assert_int_equal(k, 2); /* the chatter "ab" is cut by the NAK and reported first */
    assert_int_equal(ev.kind, SD_LINE_RX_CHATTER);
    assert_int_equal(ev.pos, 300);
    k = sd_line_reasm_feed(r,
                           (const uint8_t *)"\x15"
                                            "05\r",
                           4, 0, &ev);
    assert_int_equal(k, 4);
    assert_int_equal(ev.kind, SD_LINE_RX_FRAME);
    assert_int_equal(ev.pos, 302);
    sd_line_reasm_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chatter_and_frames),
        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_bad_sum_and_structure),
        cmocka_unit_test(test_cut_by_new_frame),
        cmocka_unit_test(test_overlong),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_chatter_limit_and_pos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
