/* test_line_codec.c - unit tests for the L2/L3 codec: framing, every text both ways, rejections. */
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
#include "core/time.h"
#include "line/frame.h"
#include "line/text.h"

#include "test_line_samples.h"

/* Texts are big (the X report): keep them out of the stack. */
static sd_line_text_t ta, tb;

static int64_t T(const char *ymdhm)
{
    int64_t t;
    assert_int_equal(sd_ymdhm_parse(ymdhm, &t), 0);
    return t;
}

static void encode_ok(const sd_line_text_t *t, sd_buf_t *b)
{
    sd_line_err_t e = {0};
    sd_buf_reset(b);
    int rc = sd_line_encode(t, b, &e);
    if (rc)
        fail_msg("encode %s: %s at %zu: %s", sd_line_type_name(t->type), e.field, e.offset, e.why);
}

/* A valid frame of type t from seed into b. */
static void sample(sd_line_type_t t, uint64_t seed, int n_blocks, sd_buf_t *b)
{
    uint64_t s = seed;
    ls_random(t, &s, &ta, n_blocks);
    encode_ok(&ta, b);
}

/* Recompute the SUM of an STX/ENQ frame after a test edited it. */
static void reseal(uint8_t *f, size_t len)
{
    sd_line_frame_seal(f, len - 5);
}

/*
 * Take a valid frame of type t, write `patch` at byte off, fix the SUM, and expect decoding to
 * fail with code at err_off in field.
 */
static void expect_reject(sd_line_type_t t, uint64_t seed, size_t off, const char *patch, int code,
                          const char *field, size_t err_off)
{
    sd_buf_t b = {0};
    sample(t, seed, 3, &b);
    memcpy(b.data + off, patch, strlen(patch));
    reseal((uint8_t *)b.data, b.len);
    sd_line_err_t e = {0};
    int rc = sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e);
    if (rc != code || strcmp(e.field ? e.field : "", field) || e.offset != err_off)
        fail_msg("%s patched \"%s\" at %zu: got %s field %s at %zu (%s), want %s %s at %zu",
                 sd_line_type_name(t), patch, off, sd_err_name(rc), e.field, e.offset, e.why,
                 sd_err_name(code), field, err_off);
    assert_int_equal(e.code, code);
    assert_true(e.why[0] != '\0');
    sd_buf_free(&b);
}

/* --- framing -------------------------------------------------------------------------------- */

static void test_checksum_vector(void **state)
{
    (void)state;
    assert_int_equal(sd_line_sum((const uint8_t *)"Z0305081234", 11), 0x0254);
    char hx[4];
    sd_line_sum_hex(0x0254, hx);
    assert_memory_equal(hx, "0254", 4);
    sd_line_sum_hex(0xBEEF, hx);
    assert_memory_equal(hx, "BEEF", 4);
    /* rightmost 4 digits: the sum wraps at 0x10000 */
    uint8_t big[300];
    memset(big, 0xFF, sizeof big);
    assert_int_equal(sd_line_sum(big, sizeof big), (300 * 255) & 0xFFFF);

    /* the source's example as a whole request frame */
    sd_line_text_init(&ta, SD_LINE_T_REQ);
    ta.u.req.type = 'Z';
    ta.u.req.time = T("0305081234");
    sd_buf_t b = {0};
    encode_ok(&ta, &b);
    assert_int_equal(b.len, 17);
    assert_memory_equal(b.data, "\x02Z03050812340254\r", 17);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.type, SD_LINE_T_REQ);
    assert_int_equal(tb.u.req.type, 'Z');
    assert_int_equal(tb.u.req.time, T("0305081234"));
    sd_buf_free(&b);
}

static void test_sum_case_and_errors(void **state)
{
    (void)state;
    uint16_t v;
    assert_int_equal(sd_line_sum_parse((const uint8_t *)"beEF", &v), 0);
    assert_int_equal(v, 0xBEEF);
    assert_int_equal(sd_line_sum_parse((const uint8_t *)"12G4", &v), SD_ECHECKSUM);

    /* find a sample whose SUM has a letter and check lower case is accepted on input */
    sd_buf_t b = {0};
    int found = 0;
    for (uint64_t seed = 1; seed < 200 && !found; seed++) {
        sample(SD_LINE_T_ALARM, seed, 0, &b);
        char *sum = b.data + b.len - 5;
        for (int i = 0; i < 4; i++)
            if (sum[i] >= 'A' && sum[i] <= 'F') {
                sum[i] = (char)(sum[i] - 'A' + 'a');
                found = 1;
            }
    }
    assert_true(found);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);

    sd_line_err_t e;
    sample(SD_LINE_T_ALARM, 7, 0, &b);
    b.data[100] ^= 1; /* one bit in a state character */
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_ECHECKSUM);
    assert_string_equal(e.field, "sum");
    assert_int_equal(e.offset, 177);
    b.data[100] ^= 1;
    memcpy(b.data + 177, "12X4", 4);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_ECHECKSUM);

    /* envelope */
    sample(SD_LINE_T_ALARM, 7, 0, &b);
    b.data[b.len - 1] = '\n';
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFRAME);
    assert_int_equal(e.offset, 181);
    b.data[b.len - 1] = '\r';
    b.data[0] = 0x01;
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFRAME);
    assert_int_equal(e.offset, 0);
    assert_int_equal(sd_line_decode((const uint8_t *)"\x02Z\r", 3, &tb, &e), SD_EFRAME);
    assert_int_equal(sd_line_decode((const uint8_t *)"", 0, &tb, &e), SD_EFRAME);
    assert_int_equal(sd_line_frame_check((const uint8_t *)"\x02Z03050812340254\r", 17, &e), 0);
    sd_buf_free(&b);
}

static void test_nak_eot(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    assert_int_equal(sd_line_nak_encode(SD_LINE_NAK_CHECKSUM, &b), 0);
    assert_memory_equal(b.data,
                        "\x15"
                        "05\r",
                        4);
    sd_buf_reset(&b);
    assert_int_equal(sd_line_nak_encode(SD_LINE_NAK_ABORT, &b), 0);
    assert_memory_equal(b.data,
                        "\x15"
                        "FF\r",
                        4);
    assert_int_equal(sd_line_nak_encode(256, &b), SD_EINVAL);
    assert_int_equal(sd_line_decode((const uint8_t *)"\x15"
                                                     "ff\r",
                                    4, &tb, NULL),
                     0);
    assert_int_equal(tb.type, SD_LINE_T_NAK);
    assert_int_equal(tb.u.nak, 0xFF);
    assert_string_equal(sd_line_nak_str(tb.u.nak), "aborted");
    assert_string_equal(sd_line_nak_str(4), "protocol error");
    assert_string_equal(sd_line_nak_str(0x42), "unknown");
    sd_line_err_t e;
    assert_int_equal(sd_line_decode((const uint8_t *)"\x15"
                                                     "0G\r",
                                    4, &tb, &e),
                     SD_EFRAME);
    assert_string_equal(e.field, "nak_code");
    assert_int_equal(e.offset, 2);
    assert_int_equal(sd_line_decode((const uint8_t *)"\x15"
                                                     "05",
                                    3, &tb, &e),
                     SD_EFRAME);

    sd_buf_reset(&b);
    assert_int_equal(sd_line_eot_encode(&b), 0);
    assert_memory_equal(b.data, "\x04\r", 2);
    assert_int_equal(sd_line_decode((const uint8_t *)"\x04\r", 2, &tb, NULL), 0);
    assert_int_equal(tb.type, SD_LINE_T_EOT);
    assert_int_equal(sd_line_decode((const uint8_t *)"\x04\n", 2, &tb, NULL), SD_EFRAME);
    sd_buf_free(&b);
}

/* --- every text type both ways -------------------------------------------------------------- */

static void test_lengths_and_types(void **state)
{
    (void)state;
    static const struct {
        sd_line_type_t t;
        size_t len;
        const char *name;
    } want[] = {
        {SD_LINE_T_REQ, 17, "request"},
        {SD_LINE_T_CTRL, 33, "control"},
        {SD_LINE_T_SCHED_SET, 129, "schedule_set"},
        {SD_LINE_T_PARAM_SET, 82, "param_set"},
        {SD_LINE_T_ASSIGN_SET, 97, "assign_set"},
        {SD_LINE_T_ALARM, 182, "alarm_report"},
        {SD_LINE_T_SCHED, 163, "schedule_answer"},
        {SD_LINE_T_MONITOR, 323, "monitor_answer"},
        {SD_LINE_T_PARAM, 89, "param_answer"},
        {SD_LINE_T_ASSIGN, 123, "assign_answer"},
        {SD_LINE_T_SHORT, 43, "short_answer"},
        {SD_LINE_T_ENQ, 23, "enq"},
        {SD_LINE_T_NAK, 4, "nak"},
        {SD_LINE_T_EOT, 2, "eot"},
        {SD_LINE_T_L3_REQ, 70, "l3_request"},
        {SD_LINE_T_L3_REPORT, 70, "l3_report"},
        {SD_LINE_T_L3_DESIG, 70, "l3_designation"},
    };
    sd_buf_t b = {0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            sample(want[i].t, seed * 31 + i, -1, &b);
            assert_int_equal(b.len, want[i].len);
            assert_int_equal(sd_line_encoded_len(&ta), want[i].len);
            sd_line_err_t e = {0};
            int rc = sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e);
            if (rc)
                fail_msg("%s: %s at %zu: %s", want[i].name, e.field, e.offset, e.why);
            assert_int_equal(tb.type, want[i].t);
            assert_int_equal(sd_line_classify((const uint8_t *)b.data, b.len, NULL), want[i].t);
            assert_int_equal(
                sd_line_decode_as(want[i].t, (const uint8_t *)b.data, b.len, &tb, NULL), 0);
        }
        assert_string_equal(sd_line_type_name(want[i].t), want[i].name);
    }
    /* X: 444 + 72 n, 7356 at 96 blocks */
    for (int n = 0; n <= 96; n += 16) {
        sample(SD_LINE_T_XREPORT, (uint64_t)n + 5, n, &b);
        assert_int_equal(b.len, 444 + 72 * n);
    }
    sample(SD_LINE_T_XREPORT, 99, 96, &b);
    assert_int_equal(b.len, 7356);
    assert_int_equal(sd_line_decode_as(SD_LINE_T_ALARM, (const uint8_t *)b.data, b.len, &tb, NULL),
                     SD_EPROTO);
    assert_string_equal(sd_line_type_name(SD_LINE_T_NONE), "unknown");
    assert_string_equal(sd_line_type_name(SD_LINE_T_COUNT_), "unknown");
    sd_buf_free(&b);
}

/* Hand-built texts of each type, checked field by field after decoding. */
static void test_alarm_fields(void **state)
{
    (void)state;
    sd_line_text_init(&ta, SD_LINE_T_ALARM);
    sd_line_alarm_t *a = &ta.u.alarm;
    a->h.type = 'Y';
    a->h.branch = 1;
    a->h.office = 23;
    a->h.estate = 456;
    a->h.terminal = 7;
    strcpy(a->h.tel, "0112345678");
    a->h.time = T("2611240930");
    strcpy(a->h.battery, "010");
    a->pi_count = 16;
    strcpy(a->pi, "PQPQ1010A@A@0000");
    a->di_count = 32;
    strcpy(a->di, "1111000011110000A@A@A@A@PQPQPQPQ");
    a->aslots = 1;
    for (int i = 0; i < 8; i++)
        a->analog[i] = 0x10 * i + 0x0F;
    a->integ_count = 2;
    a->integ[0] = 0xBEEF;
    a->integ[1] = 0;
    a->auto_count = 16;
    strcpy(a->auto_state, "0000000000000001");
    strcpy(a->auto_battery, "000");
    sd_buf_t b = {0};
    encode_ok(&ta, &b);
    assert_int_equal(b.len, 182);
    assert_memory_equal(b.data,
                        "\x02"
                        "31Y0123456070112345678  2611240930010",
                        38);
    assert_memory_equal(b.data + 38, "16PQPQ1010A@A@000032", 20);
    assert_memory_equal(b.data + 106, "10F1F2F3F4F5F6F7F                ", 33);
    assert_memory_equal(b.data + 139, "2BEEF0000        16", 19);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    sd_line_alarm_t *d = &tb.u.alarm;
    assert_int_equal(d->h.type, 'Y');
    assert_int_equal(d->h.estate, 456);
    assert_string_equal(d->h.tel, "0112345678");
    assert_int_equal(d->h.time, T("2611240930"));
    assert_string_equal(d->h.battery, "010");
    assert_string_equal(d->pi, "PQPQ1010A@A@0000");
    assert_int_equal(d->di_count, 32);
    assert_memory_equal(d->di, "1111000011110000A@A@A@A@PQPQPQPQ                ", 49);
    assert_int_equal(d->analog[7], 0x7F);
    assert_int_equal(d->analog[8], SD_LINE_UNFITTED);
    assert_int_equal(d->integ[0], 0xBEEF);
    assert_int_equal(d->integ[2], SD_LINE_UNFITTED);
    assert_string_equal(d->auto_state, "0000000000000001");
    sd_buf_free(&b);
}

static void test_control_and_schedule(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    sd_line_text_init(&ta, SD_LINE_T_CTRL);
    ta.u.ctrl.time = T("0305081234");
    ta.u.ctrl.out[0] = SD_LINE_OUT_ON;
    encode_ok(&ta, &b);
    assert_memory_equal(b.data + 12, "1000000000000000", 16); /* the source's example */
    ta.u.ctrl.out[0] = SD_LINE_OUT_OFF;
    ta.u.ctrl.out[7] = SD_LINE_OUT_ON;
    encode_ok(&ta, &b);
    assert_memory_equal(b.data + 12, "0100000000000010", 16);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.u.ctrl.out[0], SD_LINE_OUT_OFF);
    assert_int_equal(tb.u.ctrl.out[7], SD_LINE_OUT_ON);
    assert_int_equal(tb.u.ctrl.out[3], SD_LINE_OUT_KEEP);

    sd_line_text_init(&ta, SD_LINE_T_SCHED_SET);
    ta.u.sched_set.time = T("2611240930");
    for (int i = 0; i < 8; i++)
        ta.u.sched_set.block[i].state = ' ';
    ta.u.sched_set.block[1] = (sd_line_sblock_t){'1', T("2611250600"), 90};
    ta.u.sched_set.block[2] = (sd_line_sblock_t){'0', SD_LINE_NO_TIME, SD_LINE_UNFITTED};
    encode_ok(&ta, &b);
    assert_int_equal(b.len, 129);
    assert_memory_equal(b.data + 12, "              126112506000900", 29);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.u.sched_set.block[1].minutes, 90);
    assert_int_equal(tb.u.sched_set.block[2].state, '0');
    assert_true(tb.u.sched_set.block[2].start == SD_LINE_NO_TIME);
    sd_buf_free(&b);
}

static void test_enq_and_l3(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    sd_line_text_init(&ta, SD_LINE_T_ENQ);
    ta.u.enq.reqno = 2;
    ta.u.enq.seq = 7;
    encode_ok(&ta, &b);
    assert_int_equal(b.len, 23);
    assert_memory_equal(b.data,
                        "\x05"
                        "207              ",
                        18);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.u.enq.reqno, 2);
    assert_int_equal(tb.u.enq.seq, 7);
    assert_string_equal(tb.u.enq.sched, "");
    ta.u.enq.reqno = 3;
    strcpy(ta.u.enq.sched, "00100000");
    encode_ok(&ta, &b);
    assert_memory_equal(b.data,
                        "\x05"
                        "300100000        ",
                        18);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.u.enq.seq, SD_LINE_UNFITTED);
    assert_string_equal(tb.u.enq.sched, "00100000");

    /* the ENQ number -> request letter table, and answer types */
    assert_int_equal(sd_line_enq_request(1), 'X');
    assert_int_equal(sd_line_enq_request(2), 'Y');
    assert_int_equal(sd_line_enq_request(3), 'V');
    assert_int_equal(sd_line_enq_request(4), 0);
    assert_int_equal(sd_line_enq_request(8), 'H');
    assert_int_equal(sd_line_enq_request(9), 0);
    assert_int_equal(sd_line_answer_type('X'), SD_LINE_T_XREPORT);
    assert_int_equal(sd_line_answer_type('K'), SD_LINE_T_ALARM);
    assert_int_equal(sd_line_answer_type('W'), SD_LINE_T_SHORT);
    assert_int_equal(sd_line_answer_type('L'), SD_LINE_T_ASSIGN);
    assert_int_equal(sd_line_answer_type('Q'), SD_LINE_T_NONE);

    /* L3: a request in 2031 starts with '3' like an L2 header, and is still an L3 request */
    sd_line_text_init(&ta, SD_LINE_T_L3_REQ);
    ta.u.l3_req.time = T("3101010000");
    encode_ok(&ta, &b);
    assert_int_equal(b.len, 70);
    assert_int_equal(sd_line_classify((const uint8_t *)b.data, b.len, NULL), SD_LINE_T_L3_REQ);
    sd_line_text_init(&ta, SD_LINE_T_L3_DESIG);
    ta.u.l3_desig = (sd_line_l3_desig_t){1, 15, 9, 30};
    encode_ok(&ta, &b);
    assert_memory_equal(b.data,
                        "\x02"
                        "1150930        ",
                        15);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.type, SD_LINE_T_L3_DESIG);
    assert_int_equal(tb.u.l3_desig.day, 15);
    assert_int_equal(tb.u.l3_desig.min, 30);
    sd_buf_free(&b);
}

/* random valid structs: encode -> decode -> encode is identical, for every type */
static void test_roundtrip_property(void **state)
{
    (void)state;
    uint64_t s = 20261124;
    sd_buf_t b1 = {0}, b2 = {0};
    int per_type[SD_LINE_T_COUNT_] = {0};
    for (int it = 0; it < 6000; it++) {
        sd_line_type_t t = ls_all_types[ls_next(&s) % LS_NTYPES];
        uint64_t seed = ls_next(&s);
        ls_random(t, &seed, &ta, -1);
        encode_ok(&ta, &b1);
        sd_line_err_t e = {0};
        int rc = sd_line_decode((const uint8_t *)b1.data, b1.len, &tb, &e);
        if (rc)
            fail_msg("iteration %d, %s: %s at %zu: %s", it, sd_line_type_name(t), e.field, e.offset,
                     e.why);
        assert_int_equal(tb.type, t);
        encode_ok(&tb, &b2);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        per_type[t]++;
    }
    for (size_t i = 0; i < LS_NTYPES; i++)
        assert_true(per_type[ls_all_types[i]] > 100);
    sd_buf_free(&b1);
    sd_buf_free(&b2);
}

/* --- one test per rejection class, with field and offset ------------------------------------ */

static void test_reject_digits_and_ranges(void **state)
{
    (void)state;
    /* non-digit in a decimal field */
    expect_reject(SD_LINE_T_ALARM, 1, 5, "A", SD_EFIELD, "branch", 5);
    expect_reject(SD_LINE_T_PARAM_SET, 1, 17, "1 3", SD_EFIELD, "estate", 18);
    /* non-hex in a hex field (lower case hex itself is fine: see test_lower_hex) */
    expect_reject(SD_LINE_T_XREPORT, 2, 50, "00G0", SD_EFIELD, "rt_on_count", 52);
    /* numeric ranges */
    expect_reject(SD_LINE_T_PARAM_SET, 1, 21, "000", SD_EFIELD, "alarm_s", 21);
    expect_reject(SD_LINE_T_PARAM_SET, 1, 24, "301", SD_EFIELD, "monitor_s", 24);
    expect_reject(SD_LINE_T_PARAM_SET, 1, 76, "7", SD_EFIELD, "carrier", 76);
    expect_reject(SD_LINE_T_PARAM, 1, 80, "3", SD_EFIELD, "line_type", 80);
    expect_reject(SD_LINE_T_L3_DESIG, 1, 2, "29", SD_EFIELD, "day", 2);
    expect_reject(SD_LINE_T_L3_DESIG, 1, 4, "24", SD_EFIELD, "hour", 4);
    expect_reject(SD_LINE_T_L3_DESIG, 1, 1, "3", SD_EFIELD, "interval", 1);
    expect_reject(SD_LINE_T_ENQ, 1, 1, "4", SD_EFIELD, "reqno", 1);
    expect_reject(SD_LINE_T_ENQ, 1, 1, "9", SD_EFIELD, "reqno", 1);
}

static void test_reject_dates(void **state)
{
    (void)state;
    expect_reject(SD_LINE_T_ALARM, 3, 25, "2602301200", SD_EFIELD, "time", 25); /* Feb 30 */
    expect_reject(SD_LINE_T_ALARM, 3, 25, "2601012400", SD_EFIELD, "time", 25);
    expect_reject(SD_LINE_T_REQ, 3, 2, "26010112x0", SD_EFIELD, "time", 10);
    expect_reject(SD_LINE_T_XREPORT, 3, 38, "          ", SD_EFIELD, "start", 38);
    expect_reject(SD_LINE_T_L3_REQ, 3, 1, "2313011200", SD_EFIELD, "time", 1);
}

static void test_reject_counts(void **state)
{
    (void)state;
    /* counts outside their range, or not a multiple of a module */
    expect_reject(SD_LINE_T_ALARM, 4, 38, "17", SD_EFIELD, "pi_count", 38);
    expect_reject(SD_LINE_T_ALARM, 4, 56, "20", SD_EFIELD, "di_count", 56);
    expect_reject(SD_LINE_T_ALARM, 4, 56, "64", SD_EFIELD, "di_count", 56);
    expect_reject(SD_LINE_T_ALARM, 4, 106, "3", SD_EFIELD, "aslots", 106);
    expect_reject(SD_LINE_T_MONITOR, 4, 204, "7", SD_EFIELD, "n_pulse", 204);
    expect_reject(SD_LINE_T_XREPORT, 4, 48, "13", SD_EFIELD, "rt_points", 48);
    /* X: the block count must fit the body length */
    sd_buf_t b = {0};
    sample(SD_LINE_T_XREPORT, 4, 3, &b);
    sd_line_err_t e;
    memcpy(b.data + 434, "04", 2);
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EPROTO);
    assert_string_equal(e.field, "frame");
    memcpy(b.data + 434, "97", 2);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_string_equal(e.field, "n_blocks");
    assert_int_equal(e.offset, 434);
    memcpy(b.data + 434, "9x", 2);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_int_equal(e.offset, 434);
    sd_buf_free(&b);
}

/* Fields beyond a count must be blank; fields within it may be (not fitted). */
static void test_reject_fitted(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    sd_line_err_t e;
    sd_line_text_init(&ta, SD_LINE_T_ALARM);
    uint64_t s = 9;
    ls_random(SD_LINE_T_ALARM, &s, &ta, 0);
    ta.u.alarm.aslots = 1;
    for (int i = 0; i < 16; i++)
        ta.u.alarm.analog[i] = i < 8 ? 0x80 : SD_LINE_UNFITTED;
    ta.u.alarm.pi_count = 4;
    strcpy(ta.u.alarm.pi, "1A@P");
    encode_ok(&ta, &b);
    assert_memory_equal(b.data + 40, "1A@P            ", 16);
    /* analog slot 2 present although one slot is counted */
    memcpy(b.data + 107 + 16, "7F", 2);
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_string_equal(e.field, "analog");
    assert_int_equal(e.offset, 123);
    memcpy(b.data + 107 + 16, "  ", 2);
    /* a Pi input beyond the count */
    b.data[40 + 4] = '1';
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_string_equal(e.field, "pi");
    assert_int_equal(e.offset, 44);
    /* within the count a blank input is not fitted (no sample): read, not refused */
    b.data[44] = ' ';
    b.data[41] = ' ';
    memcpy(b.data + 109, "  ", 2);
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), 0);
    assert_string_equal(tb.u.alarm.pi, "1 @P            ");
    assert_int_equal(tb.u.alarm.analog[0], 0x80);
    assert_int_equal(tb.u.alarm.analog[1], SD_LINE_UNFITTED);
    sd_buf_free(&b);
}

static void test_reject_state_chars(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    sd_line_err_t e;
    uint64_t s = 11;
    ls_random(SD_LINE_T_ALARM, &s, &ta, 0);
    ta.u.alarm.di_count = 48;
    memset(ta.u.alarm.di, '0', 48);
    ta.u.alarm.di[48] = '\0';
    encode_ok(&ta, &b);
    b.data[58 + 30] = 'X';
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_string_equal(e.field, "di");
    assert_int_equal(e.offset, 88);
    /* flags: battery '2', V schedule state 'A' */
    expect_reject(SD_LINE_T_ALARM, 5, 36, "2", SD_EFIELD, "battery", 36);
    expect_reject(SD_LINE_T_MONITOR, 5, 283, "A", SD_EFIELD, "sched", 283);
    expect_reject(SD_LINE_T_L3_REPORT, 5, 40, "x", SD_EFIELD, "alarm", 40);
    /* assignment codes: digital 'A' is an analog code */
    expect_reject(SD_LINE_T_ASSIGN, 5, 60, "A", SD_EFIELD, "pi", 60);
    expect_reject(SD_LINE_T_ASSIGN, 5, 75, "I", SD_EFIELD, "di1", 75);
    expect_reject(SD_LINE_T_ASSIGN_SET, 5, 12, "P", SD_EFIELD, "ai1", 12);
    sd_buf_free(&b);
}

static void test_reject_w_pairs(void **state)
{
    (void)state;
    expect_reject(SD_LINE_T_CTRL, 1, 12, "11", SD_EFIELD, "output", 12);
    expect_reject(SD_LINE_T_CTRL, 1, 26, "11", SD_EFIELD, "output", 26);
    expect_reject(SD_LINE_T_CTRL, 1, 14, "12", SD_EFIELD, "output", 14);
    expect_reject(SD_LINE_T_CTRL, 1, 14, "  ", SD_EFIELD, "output", 14);
    sd_line_err_t e;
    sd_buf_t b = {0};
    sample(SD_LINE_T_CTRL, 1, 0, &b);
    memcpy(b.data + 18, "11", 2);
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_non_null(strstr(e.why, "output 4"));
    assert_non_null(strstr(e.why, "ON and OFF at once")); /* refused as "11", not as junk */
    sd_buf_free(&b);
}

static void test_reject_structure(void **state)
{
    (void)state;
    /* literals, spares, tel layout, type letters and lengths */
    expect_reject(SD_LINE_T_ALARM, 6, 1, "30", SD_EFIELD, "version", 2);
    expect_reject(SD_LINE_T_SCHED, 6, 150, "10001001", SD_EFIELD, "fixed", 157);
    expect_reject(SD_LINE_T_L3_REQ, 6, 40, "0", SD_EFIELD, "spare", 40);
    expect_reject(SD_LINE_T_ENQ, 6, 1, "215x", SD_EFIELD, "spare", 4);
    expect_reject(SD_LINE_T_ALARM, 6, 13, "0123 4567890", SD_EFIELD, "tel", 18);
    expect_reject(SD_LINE_T_ALARM, 6, 13, "            ", SD_EFIELD, "tel", 13);
    expect_reject(SD_LINE_T_ALARM, 6, 3, "Q", SD_EPROTO, "type", 3);
    expect_reject(SD_LINE_T_REQ, 6, 1, "Q", SD_EPROTO, "type", 1);
    expect_reject(SD_LINE_T_ALARM, 6, 3, "V", SD_EPROTO, "frame", 177); /* V is 323 bytes */
    expect_reject(SD_LINE_T_SHORT, 6, 3, "Y", SD_EPROTO, "frame", 38);
    expect_reject(SD_LINE_T_L3_REPORT, 6, 1, "Q", SD_EFIELD, "time", 1); /* now a request */
    /* a set schedule block needs its start and duration */
    sd_buf_t b = {0};
    sd_line_err_t e;
    sd_line_text_init(&ta, SD_LINE_T_SCHED);
    uint64_t s = 3;
    ls_hdr(&s, &ta.u.sched.h, 'R');
    for (int i = 0; i < 8; i++)
        ta.u.sched.block[i].state = ' ';
    encode_ok(&ta, &b);
    b.data[38 + 14 * 2] = '1';
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, &e), SD_EFIELD);
    assert_string_equal(e.field, "sched_start");
    assert_int_equal(e.offset, 38 + 28 + 1);
    sd_buf_free(&b);
}

static void test_lower_hex(void **state)
{
    (void)state;
    sd_buf_t b = {0}, c = {0};
    sd_line_text_init(&ta, SD_LINE_T_ALARM);
    uint64_t s = 1;
    ls_random(SD_LINE_T_ALARM, &s, &ta, 0);
    ta.u.alarm.integ_count = 1;
    ta.u.alarm.integ[0] = 0xABCD;
    for (int i = 1; i < 4; i++)
        ta.u.alarm.integ[i] = SD_LINE_UNFITTED;
    encode_ok(&ta, &b);
    assert_memory_equal(b.data + 140, "ABCD", 4);
    memcpy(b.data + 140, "abcd", 4);
    reseal((uint8_t *)b.data, b.len);
    assert_int_equal(sd_line_decode((const uint8_t *)b.data, b.len, &tb, NULL), 0);
    assert_int_equal(tb.u.alarm.integ[0], 0xABCD);
    encode_ok(&tb, &c);
    assert_memory_equal(c.data + 140, "ABCD", 4);
    sd_buf_free(&b);
    sd_buf_free(&c);
}

static void test_encode_rejects(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    sd_line_err_t e;
    uint64_t s = 5;
    ls_random(SD_LINE_T_XREPORT, &s, &ta, 2);
    ta.u.x.n_pulse = 1;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 6; i++)
            ta.u.x.block[k].pulse[i] = i < 1 ? 7 : SD_LINE_UNFITTED;
    ta.u.x.block[1].pulse[3] = 5; /* beyond the pulse count */
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "pulse");
    assert_int_equal(e.offset, 439 + 72 + 12);
    assert_int_equal(b.len, 0);
    ta.u.x.n_blocks = 97;
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "n_blocks");

    sd_line_text_init(&ta, SD_LINE_T_CTRL);
    ta.u.ctrl.time = T("2611240930");
    ta.u.ctrl.out[2] = 3;
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "output");
    assert_int_equal(e.offset, 16);
    ta.u.ctrl.out[2] = 0;
    ta.u.ctrl.time = T("0001010000") - 60; /* 1999 */
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "time");

    sd_line_text_init(&ta, SD_LINE_T_L3_REPORT);
    s = 8;
    ls_random(SD_LINE_T_L3_REPORT, &s, &ta, 0);
    strcpy(ta.u.l3_report.tel, "12-34");
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "tel");
    ta.u.l3_report.tel[0] = '\0';
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD); /* the device's tel is required */
    strcpy(ta.u.l3_report.tel, "0123");
    memset(ta.u.l3_report.alarm, '0', sizeof ta.u.l3_report.alarm); /* no NUL: too long */
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_string_equal(e.field, "alarm");

    sd_line_text_init(&ta, SD_LINE_T_NONE);
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EINVAL);
    ta.type = SD_LINE_T_NAK;
    ta.u.nak = 300;
    assert_int_equal(sd_line_encode(&ta, &b, &e), SD_EFIELD);
    assert_int_equal(b.len, 0);
    sd_buf_free(&b);
}

/* decoding any prefix or any single-byte change never crashes and never passes silently */
static void test_truncation_and_mutation(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    uint8_t *copy = malloc(8000);
    for (size_t i = 0; i < LS_NTYPES; i++) {
        sample(ls_all_types[i], 77, 2, &b);
        for (size_t n = 0; n < b.len; n++) {
            memcpy(copy, b.data, n); /* exact-size copies let ASan catch over-reads */
            uint8_t *p = malloc(n ? n : 1);
            memcpy(p, copy, n);
            assert_int_not_equal(sd_line_decode(p, n, &tb, NULL), 0);
            sd_buf_t a = {0};
            sd_line_annotate(p, n, &a);
            sd_buf_free(&a);
            free(p);
        }
    }
    free(copy);
    sd_buf_free(&b);
}

static void test_annotate(void **state)
{
    (void)state;
    sd_buf_t b = {0}, a = {0};
    sample(SD_LINE_T_XREPORT, 12, 2, &b);
    assert_int_equal(sd_line_annotate((const uint8_t *)b.data, b.len, &a), 0);
    assert_non_null(strstr(a.data, "scheduled_report, 588 bytes"));
    assert_non_null(strstr(a.data, "   48    2  rt_points"));
    assert_non_null(strstr(a.data, "hour[1].analog[15]"));
    assert_non_null(strstr(a.data, "JST"));
    assert_non_null(strstr(a.data, "sum"));
    assert_null(strstr(a.data, "!"));

    /* a broken field is marked, the rest is still described, the decode error is returned */
    b.data[25] = '9';
    b.data[26] = '9';
    b.data[27] = '9';
    reseal((uint8_t *)b.data, b.len);
    sd_buf_reset(&a);
    assert_int_equal(sd_line_annotate((const uint8_t *)b.data, b.len, &a), SD_EFIELD);
    assert_non_null(strstr(a.data, "   25   10  time"));
    assert_non_null(strstr(a.data, "! "));
    assert_non_null(strstr(a.data, "n_blocks"));
    b.data[30] ^= 1; /* and now the SUM is wrong as well: that comes first, as in decode */
    sd_buf_reset(&a);
    assert_int_equal(sd_line_annotate((const uint8_t *)b.data, b.len, &a), SD_ECHECKSUM);
    assert_non_null(strstr(a.data, "WRONG"));

    sd_buf_reset(&a);
    assert_int_equal(sd_line_annotate((const uint8_t *)"\x15"
                                                       "05\r",
                                      4, &a),
                     0);
    assert_non_null(strstr(a.data, "checksum error"));
    sd_buf_reset(&a);
    assert_int_not_equal(sd_line_annotate((const uint8_t *)"garbage", 7, &a), 0);
    assert_non_null(strstr(a.data, "not a text"));
    sd_buf_free(&a);
    sd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_vector),
        cmocka_unit_test(test_sum_case_and_errors),
        cmocka_unit_test(test_nak_eot),
        cmocka_unit_test(test_lengths_and_types),
        cmocka_unit_test(test_alarm_fields),
        cmocka_unit_test(test_control_and_schedule),
        cmocka_unit_test(test_enq_and_l3),
        cmocka_unit_test(test_roundtrip_property),
        cmocka_unit_test(test_reject_digits_and_ranges),
        cmocka_unit_test(test_reject_dates),
        cmocka_unit_test(test_reject_counts),
        cmocka_unit_test(test_reject_fitted),
        cmocka_unit_test(test_reject_state_chars),
        cmocka_unit_test(test_reject_w_pairs),
        cmocka_unit_test(test_reject_structure),
        cmocka_unit_test(test_lower_hex),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_truncation_and_mutation),
        cmocka_unit_test(test_annotate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
