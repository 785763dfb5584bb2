/*
 * test_line_variants.c - what plausible real terminals send besides the canonical form: a corpus
 * of variants, each with the reading the center must take from it, and of near variants that are
 * ambiguous and must still be refused with field, byte offset and reason (issue 11).
 *
 * Every variant is a canonical frame from a fixed base text with a few bytes patched (the SUM is
 * recomputed). "Same reading" is checked by encoding: the decoded variant must encode to exactly
 * the canonical frame of the expected reading, so the center never keeps a variant form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

static sd_line_text_t base, want, got;

static int64_t T(const char *ymdhm)
{
    int64_t t;
    assert_int_equal(sd_ymdhm_parse(ymdhm, &t), 0);
    return t;
}

static void hdr(sd_line_hdr_t *h, char type)
{
    h->type = type;
    h->branch = 1;
    h->office = 2;
    h->estate = 345;
    h->terminal = 6;
    strcpy(h->tel, "0115812221"); /* bytes 13-24: "0115812221  " */
    h->time = T("2603011234");
    strcpy(h->battery, "000");
}

/* The base text of each type: what a typical, fully canonical terminal sends. */
static void build(sd_line_type_t t, sd_line_text_t *x)
{
    sd_line_text_init(x, t);
    switch (t) {
    case SD_LINE_T_ALARM: {
        sd_line_alarm_t *a = &x->u.alarm;
        hdr(&a->h, 'Y');
        a->pi_count = 16;
        strcpy(a->pi, "10A@PQ10A@PQ1010");
        a->di_count = 16;
        strcpy(a->di, "A@10A@10PQ01A@10");
        a->aslots = 1;
        for (int i = 0; i < 8; i++)
            a->analog[i] = 0x7F + i;
        a->integ_count = 2;
        a->integ[0] = 0x1234;
        a->integ[1] = 0xABCD;
        a->auto_count = 16;
        memset(a->auto_state, '0', 16);
        strcpy(a->auto_battery, "000");
        break;
    }
    case SD_LINE_T_SCHED: {
        sd_line_sched_t *r = &x->u.sched;
        hdr(&r->h, 'R');
        for (int i = 0; i < 8; i++)
            r->block[i].state = ' ';
        r->block[0] = (sd_line_sblock_t){'1', T("2603020600"), 45};
        break;
    }
    case SD_LINE_T_MONITOR: {
        sd_line_monitor_t *m = &x->u.mon;
        hdr(&m->h, 'V');
        m->rt_points = 2;
        m->rt[0] = (sd_line_rt_t){3, 0x50};
        m->rt[1] = (sd_line_rt_t){1, 0x10};
        m->pi_count = 16;
        strcpy(m->pi, "1010101010101010");
        m->di_count = 16;
        strcpy(m->di, "A@A@A@A@PQPQ1010");
        m->n_pulse = 6;
        for (int i = 0; i < 6; i++)
            m->pulse[i] = 0x100 + i;
        m->aslots = 1;
        for (int i = 0; i < 8; i++)
            m->analog[i] = 0x20 + i;
        m->integ_count = 4;
        for (int i = 0; i < 4; i++)
            m->integ[i] = 0x1000 * (i + 1);
        m->alarm = 0;
        m->control = 1;
        strcpy(m->sched, "10000000");
        strcpy(m->manual, "01000000");
        m->auto_count = 16;
        memset(m->auto_state, '0', 16);
        strcpy(m->auto_battery, "000");
        break;
    }
    case SD_LINE_T_XREPORT: {
        sd_line_xreport_t *r = &x->u.x;
        hdr(&r->h, 'X');
        r->start = T("2602261300");
        r->rt_points = 2;
        for (int d = 0; d < 4; d++)
            for (int p = 0; p < 2; p++)
                r->rt[d][p] = (sd_line_rt_t){d + p, 0x30 + d};
        r->n_blocks = 2;
        r->n_pulse = 1;
        r->n_aslots = 1;
        r->n_integ = 1;
        for (int b = 0; b < 2; b++) {
            r->block[b].pulse[0] = 0xFF + b;
            for (int i = 0; i < 8; i++)
                r->block[b].analog[i] = 0x40 + i;
            r->block[b].integ[0] = 0x2000 + b;
        }
        break;
    }
    case SD_LINE_T_PARAM: {
        sd_line_param_t *p = &x->u.param;
        hdr(&p->h, 'F');
        p->alarm_s = 5;
        p->monitor_s = 60;
        strcpy(p->dest[0], "0112223333");
        p->line_type = 0;
        p->carrier = 3;
        p->ai2 = 0;
        p->di2 = 1;
        break;
    }
    case SD_LINE_T_ENQ:
        x->u.enq.reqno = SD_LINE_ENQ_ALARM;
        x->u.enq.seq = 17;
        break;
    case SD_LINE_T_L3_REPORT: {
        sd_line_l3_report_t *r = &x->u.l3_report;
        r->type = 'Y';
        r->branch = 1;
        r->office = 2;
        r->estate = 257;
        r->terminal = 3;
        strcpy(r->tel, "0118213052");
        r->time = T("2603011234");
        strcpy(r->battery, "000");
        strcpy(r->alarm, "0000000001000000");
        break;
    }
    default:
        fail_msg("no base text for %s", sd_line_type_name(t));
    }
}

/* An ENQ 3 (schedule-control release) base, its work area the schedule state. */
static void build_enq3(sd_line_text_t *x)
{
    sd_line_text_init(x, SD_LINE_T_ENQ);
    x->u.enq.reqno = SD_LINE_ENQ_SCHED_END;
    x->u.enq.seq = SD_LINE_UNFITTED;
    strcpy(x->u.enq.sched, "01000000");
}

/* --- expected readings: the base reading changed as the variant says ------------------------ */

static void pi_13_16_unfitted(sd_line_text_t *t)
{
    memcpy(t->u.alarm.pi + 12, "    ", 4);
}
static void di_11_12_unfitted(sd_line_text_t *t)
{
    memcpy(t->u.alarm.di + 10, "  ", 2);
}
static void analog_4_unfitted(sd_line_text_t *t)
{
    t->u.alarm.analog[3] = SD_LINE_UNFITTED;
}
static void integ_2_unfitted(sd_line_text_t *t)
{
    t->u.alarm.integ[1] = SD_LINE_UNFITTED;
}
static void no_auto_children(sd_line_text_t *t)
{
    t->u.alarm.auto_count = 0;
    memset(t->u.alarm.auto_state, ' ', 16);
}
static void auto_8_children(sd_line_text_t *t)
{
    t->u.alarm.auto_count = 8;
    memset(t->u.alarm.auto_state + 8, ' ', 8);
}
static void no_nicd(sd_line_text_t *t)
{
    t->u.alarm.h.battery[1] = ' ';
}
static void no_auto_battery(sd_line_text_t *t)
{
    strcpy(t->u.alarm.auto_battery, "   ");
}
static void pi_count_8(sd_line_text_t *t)
{
    t->u.alarm.pi_count = 8;
    memset(t->u.alarm.pi + 8, ' ', 8);
}
static void v_pi_1_unfitted(sd_line_text_t *t)
{
    t->u.mon.pi[0] = ' ';
}
static void v_pulse_6_unfitted(sd_line_text_t *t)
{
    t->u.mon.pulse[5] = SD_LINE_UNFITTED;
}
static void v_no_auto_children(sd_line_text_t *t)
{
    t->u.mon.auto_count = 0;
    memset(t->u.mon.auto_state, ' ', 16);
}
static void x_rt_day3_point1_unfitted(sd_line_text_t *t)
{
    t->u.x.rt[3][0] = (sd_line_rt_t){SD_LINE_UNFITTED, SD_LINE_UNFITTED};
}
static void x_hour1_pulse_unfitted(sd_line_text_t *t)
{
    t->u.x.block[0].pulse[0] = SD_LINE_UNFITTED;
}
static void x_hour2_blank(sd_line_text_t *t)
{
    for (int i = 0; i < 6; i++)
        t->u.x.block[1].pulse[i] = SD_LINE_UNFITTED;
    for (int i = 0; i < 16; i++)
        t->u.x.block[1].analog[i] = SD_LINE_UNFITTED;
    for (int i = 0; i < 4; i++)
        t->u.x.block[1].integ[i] = SD_LINE_UNFITTED;
}
static void enq_no_seq(sd_line_text_t *t)
{
    t->u.enq.seq = SD_LINE_UNFITTED;
}
static void l3_13_16_unfitted(sd_line_text_t *t)
{
    memcpy(t->u.l3_report.alarm + 12, "    ", 4);
}
static void l3_no_lithium(sd_line_text_t *t)
{
    t->u.l3_report.battery[2] = ' ';
}

/* --- the corpus ------------------------------------------------------------------------------- */

typedef struct {
    size_t off;
    const char *bytes;
} patch_t;

typedef struct {
    const char *name;
    sd_line_type_t type;
    patch_t patch[3];
    void (*expect)(sd_line_text_t *t); /* accepted: the reading; NULL = the base reading */
    const char *field;                 /* refused: the field named, at offset, with code */
    size_t offset;
    int code;
} variant_t;

#define ACCEPT(nm, ty, ex, ...)                                                                    \
    {                                                                                              \
        .name = nm, .type = ty, .patch = {__VA_ARGS__}, .expect = ex                               \
    }
#define REFUSE(nm, ty, fld, at, cd, ...)                                                           \
    {                                                                                              \
        .name = nm, .type = ty, .patch = {__VA_ARGS__}, .field = fld, .offset = at, .code = cd     \
    }

/* Byte offsets are 0-based (STX = 0); docs/terminal-protocol.md positions are 1-based. */
static const variant_t corpus[] = {
    /* 4.5 alarm layout: inputs within the count left blank (not fitted) */
    ACCEPT("Y: Pi count 16, inputs 13-16 blank (issue 11)", SD_LINE_T_ALARM, pi_13_16_unfitted,
           {52, "    "}),
    ACCEPT("Y: Di inputs 11-12 blank within the count", SD_LINE_T_ALARM, di_11_12_unfitted,
           {68, "  "}),
    ACCEPT("Y: analog input 4 of a fitted slot blank", SD_LINE_T_ALARM, analog_4_unfitted,
           {113, "  "}),
    ACCEPT("Y: integration value 2 of 2 blank", SD_LINE_T_ALARM, integ_2_unfitted, {144, "    "}),
    ACCEPT("Y: no child L3, count 00, states all 0 (as the profile says)", SD_LINE_T_ALARM,
           no_auto_children, {156, "00"}),
    ACCEPT("Y: 8 children, states 9-16 zero-padded", SD_LINE_T_ALARM, auto_8_children, {156, "08"}),
    ACCEPT("Y: NiCd battery not fitted (space)", SD_LINE_T_ALARM, no_nicd, {36, " "}),
    ACCEPT("Y: auto-report battery blank", SD_LINE_T_ALARM, no_auto_battery, {174, "   "}),
    ACCEPT("Y: count padded with a leading space", SD_LINE_T_ALARM, pi_count_8, {38, " 8"},
           {48, "        "}),
    ACCEPT("Y: tel right-aligned", SD_LINE_T_ALARM, NULL, {13, "  0115812221"}),
    ACCEPT("Y: lower-case hex analog and integration", SD_LINE_T_ALARM, NULL, {107, "7f"},
           {140, "1234abcd"}),
    REFUSE("Y: a Pi input beyond the count zeroed (count or data wrong?)", SD_LINE_T_ALARM, "pi",
           52, SD_EFIELD, {38, "12"}, {52, "0   "}),
    REFUSE("Y: analog slot 2 zeroed while 1 slot is counted", SD_LINE_T_ALARM, "analog", 123,
           SD_EFIELD, {123, "00"}),
    REFUSE("Y: count with a trailing space (1 or 10?)", SD_LINE_T_ALARM, "pi_count", 39, SD_EFIELD,
           {38, "1 "}),
    REFUSE("Y: half-blank analog value", SD_LINE_T_ALARM, "analog", 108, SD_EFIELD, {107, "7 "}),
    REFUSE("Y: lower-case monitoring state", SD_LINE_T_ALARM, "di", 58, SD_EFIELD, {58, "a"}),
    REFUSE("Y: a child state 1 beyond the child count", SD_LINE_T_ALARM, "auto_state", 167,
           SD_EFIELD, {156, "08"}, {167, "1"}),
    REFUSE("Y: tel with a space inside", SD_LINE_T_ALARM, "tel", 18, SD_EFIELD,
           {13, "0115 812221 "}),
    REFUSE("Y: battery neither 0, 1 nor blank", SD_LINE_T_ALARM, "battery", 35, SD_EFIELD,
           {35, "x"}),

    /* 4.7 schedule read: released blocks carry no date */
    ACCEPT("R: released block, date and minutes zeros (issue 11)", SD_LINE_T_SCHED, NULL,
           {52, " 0000000000000"}),
    ACCEPT("R: released block written with the S word '0', zeros", SD_LINE_T_SCHED, NULL,
           {52, "00000000000000"}, {66, "0          000"}),
    ACCEPT("R: released block, blank date, minutes 000", SD_LINE_T_SCHED, NULL,
           {52, "           000"}),
    REFUSE("R: registered block with a zero date", SD_LINE_T_SCHED, "sched_start", 39, SD_EFIELD,
           {39, "0000000000"}),
    REFUSE("R: released block, date half zeros", SD_LINE_T_SCHED, "sched_start", 53, SD_EFIELD,
           {53, "0000001200"}),
    REFUSE("R: state neither 1, 0 nor blank", SD_LINE_T_SCHED, "sched_state", 52, SD_EFIELD,
           {52, "2"}),

    /* 4.8 monitoring state */
    ACCEPT("V: Pi input 1 blank within the count", SD_LINE_T_MONITOR, v_pi_1_unfitted, {138, " "}),
    ACCEPT("V: pulse counter 6 of 6 blank", SD_LINE_T_MONITOR, v_pulse_6_unfitted, {225, "    "}),
    ACCEPT("V: no child, count 00, states all 0", SD_LINE_T_MONITOR, v_no_auto_children,
           {297, "00"}),
    REFUSE("V: schedule state blank (not a fitted-hardware field)", SD_LINE_T_MONITOR, "sched", 281,
           SD_EFIELD, {281, " "}),

    /* 4.4 scheduled report */
    ACCEPT("X: run-time point 1 blank on a day before installation", SD_LINE_T_XREPORT,
           x_rt_day3_point1_unfitted, {338, "        "}),
    ACCEPT("X: hourly pulse counter blank within the count", SD_LINE_T_XREPORT,
           x_hour1_pulse_unfitted, {439, "    "}),
    ACCEPT("X: an hourly block all blank (no sample that hour)", SD_LINE_T_XREPORT, x_hour2_blank,
           {511, "                                    "},
           {547, "                                    "}),
    ACCEPT("X: block count padded with a space", SD_LINE_T_XREPORT, NULL, {434, " 2"}),
    ACCEPT("X: lower-case hex counters", SD_LINE_T_XREPORT, NULL, {439, "00ff"}),
    REFUSE("X: block count with a trailing space", SD_LINE_T_XREPORT, "n_blocks", 434, SD_EFIELD,
           {434, "2 "}),

    /* 4.10 parameters */
    ACCEPT("F: destination tel right-aligned", SD_LINE_T_PARAM, NULL, {44, "  0112223333"}),
    ACCEPT("F: detection time padded with spaces", SD_LINE_T_PARAM, NULL, {38, "  5"}),
    REFUSE("F: detection time with a trailing space", SD_LINE_T_PARAM, "alarm_s", 40, SD_EFIELD,
           {38, "05 "}),

    /* 4.11 ENQ */
    ACCEPT("ENQ: no sequence number (blank)", SD_LINE_T_ENQ, enq_no_seq, {2, "  "}),
    ACCEPT("ENQ: work area zero-filled", SD_LINE_T_ENQ, NULL, {4, "00000000000000"}),
    REFUSE("ENQ: junk in the work area", SD_LINE_T_ENQ, "spare", 9, SD_EFIELD, {9, "x"}),

    /* 5.2 L3 report */
    ACCEPT("L3: inputs 13-16 not fitted", SD_LINE_T_L3_REPORT, l3_13_16_unfitted, {48, "    "}),
    ACCEPT("L3: spare zero-filled", SD_LINE_T_L3_REPORT, NULL, {52, "0000000000000"}),
    ACCEPT("L3: lithium battery not fitted", SD_LINE_T_L3_REPORT, l3_no_lithium, {35, " "}),
    REFUSE("L3: alarm state neither 0, 1 nor blank", SD_LINE_T_L3_REPORT, "alarm", 40, SD_EFIELD,
           {40, "A"}),
};

static void frame_of(const sd_line_text_t *t, sd_buf_t *b)
{
    sd_line_err_t e = {0};
    sd_buf_reset(b);
    if (sd_line_encode(t, b, &e))
        fail_msg("encode %s: %s at %zu: %s", sd_line_type_name(t->type), e.field, e.offset, e.why);
}

/* One variant; false (and a message) when it is not read or refused as the corpus says. */
#define MISS(...) (print_error(__VA_ARGS__), print_error("\n"), ok = false)
static bool run_variant(const variant_t *v, const sd_line_text_t *b0)
{
    bool ok = true;
    sd_buf_t f = {0}, g = {0}, w = {0};
    frame_of(b0, &f);
    for (int i = 0; i < 3 && v->patch[i].bytes; i++) {
        size_t n = strlen(v->patch[i].bytes);
        if (v->patch[i].off + n > f.len - 5)
            fail_msg("%s: patch beyond the text", v->name);
        memcpy(f.data + v->patch[i].off, v->patch[i].bytes, n);
    }
    sd_line_frame_seal((uint8_t *)f.data, f.len - 5);
    sd_line_err_t e = {0};
    int rc = sd_line_decode((const uint8_t *)f.data, f.len, &got, &e);
    if (v->field) {
        if (rc != v->code || !e.field || strcmp(e.field, v->field) || e.offset != v->offset)
            MISS("%s: got %s %s at %zu (%s), want %s %s at %zu", v->name, sd_err_name(rc),
                 e.field ? e.field : "-", e.offset, e.why, sd_err_name(v->code), v->field,
                 v->offset);
        if (!e.why[0])
            MISS("%s: no reason given", v->name);
        /* the annotation names the same field on the same byte */
        sd_buf_t a = {0};
        if (sd_line_annotate((const uint8_t *)f.data, f.len, &a) != rc)
            MISS("%s: annotation disagrees with decoding", v->name);
        if (!strstr(a.data, "! ") && !strstr(a.data, "not a text"))
            MISS("%s: annotation shows no error:\n%s", v->name, a.data);
        sd_buf_free(&a);
    } else {
        if (rc) {
            MISS("%s: refused: %s %s at %zu: %s", v->name, sd_err_name(rc), e.field, e.offset,
                 e.why);
            goto out;
        }
        memcpy(&want, b0, sizeof want);
        if (v->expect)
            v->expect(&want);
        /* equal readings encode to the same canonical frame */
        frame_of(&got, &g);
        frame_of(&want, &w);
        if (g.len != w.len || memcmp(g.data, w.data, g.len))
            MISS("%s: read as\n%.*s\nwant\n%.*s", v->name, (int)g.len - 1, g.data, (int)w.len - 1,
                 w.data);
        sd_buf_t a = {0};
        if (sd_line_annotate((const uint8_t *)f.data, f.len, &a) != 0)
            MISS("%s: annotation refuses what decoding reads", v->name);
        sd_buf_free(&a);
    }
out:
    sd_buf_free(&f);
    sd_buf_free(&g);
    sd_buf_free(&w);
    return ok;
}

static void test_corpus(void **state)
{
    (void)state;
    int accepted = 0, refused = 0, missed = 0;
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        build(corpus[i].type, &base);
        missed += !run_variant(&corpus[i], &base);
        corpus[i].field ? refused++ : accepted++;
    }
    if (missed)
        fail_msg("%d of %d variants not read as the corpus says", missed, accepted + refused);
    assert_true(accepted >= 20 && refused >= 10);
}

static void test_enq3_variants(void **state)
{
    (void)state;
    build_enq3(&base);
    const variant_t ok = ACCEPT("ENQ 3: spare zero-filled", SD_LINE_T_ENQ, NULL, {10, "00000000"});
    assert_true(run_variant(&ok, &base));
    const variant_t bad =
        REFUSE("ENQ 3: schedule state blank", SD_LINE_T_ENQ, "sched", 2, SD_EFIELD, {2, " "});
    assert_true(run_variant(&bad, &base));
}

/* The base texts are canonical, and the reading of an accepted variant is too: nothing the
 * center passes on (or re-encodes, as --raw used to) carries a variant form. */
static void test_encoding_stays_canonical(void **state)
{
    (void)state;
    sd_buf_t f = {0}, g = {0};
    build(SD_LINE_T_SCHED, &base);
    frame_of(&base, &f);
    assert_memory_equal(f.data + 52, "              ", 14); /* a released block: all spaces */
    /* zeros in, spaces out */
    memcpy(f.data + 52, "00000000000000", 14);
    sd_line_frame_seal((uint8_t *)f.data, f.len - 5);
    assert_int_equal(sd_line_decode((const uint8_t *)f.data, f.len, &got, NULL), 0);
    assert_int_equal(got.u.sched.block[1].state, ' ');
    assert_true(got.u.sched.block[1].start == SD_LINE_NO_TIME);
    assert_int_equal(got.u.sched.block[1].minutes, SD_LINE_UNFITTED);
    frame_of(&got, &g);
    assert_memory_equal(g.data + 52, "              ", 14);
    /* the alarm of issue 11: blanks in, blanks out, and the other inputs as sent */
    build(SD_LINE_T_ALARM, &base);
    frame_of(&base, &f);
    memcpy(f.data + 52, "    ", 4);
    sd_line_frame_seal((uint8_t *)f.data, f.len - 5);
    assert_int_equal(sd_line_decode((const uint8_t *)f.data, f.len, &got, NULL), 0);
    assert_int_equal(got.u.alarm.pi_count, 16);
    assert_string_equal(got.u.alarm.pi, "10A@PQ10A@PQ    ");
    sd_buf_free(&f);
    sd_buf_free(&g);
}

/* A NAK code in lower-case hex (an L3 device aborting with "ff"). */
static void test_nak_lower_case(void **state)
{
    (void)state;
    const uint8_t nak[] = {SD_LINE_NAK, 'f', 'f', SD_LINE_CR};
    assert_int_equal(sd_line_decode(nak, sizeof nak, &got, NULL), 0);
    assert_int_equal(got.type, SD_LINE_T_NAK);
    assert_int_equal(got.u.nak, SD_LINE_NAK_ABORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_enq3_variants),
        cmocka_unit_test(test_encoding_stays_canonical),
        cmocka_unit_test(test_nak_lower_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
