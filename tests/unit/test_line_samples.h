/* test_line_samples.h - valid random L2/L3 texts for the line tests, fuzz seeds and benchmark. */
#ifndef SD_TEST_LINE_SAMPLES_H
#define SD_TEST_LINE_SAMPLES_H

#include <stdint.h>
#include <string.h>

#include "line/text.h"

/*
 * Written by hand from docs/terminal-protocol.md, not from lib/line/layout.c, so a property test
 * built on it checks the tables instead of repeating them. All functions are static: include this
 * header once per program.
 */

static uint64_t ls_next(uint64_t *s)
{
    /* xorshift64*: deterministic for a fixed seed */
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static int ls_int(uint64_t *s, int lo, int hi)
{
    return lo + (int)(ls_next(s) % (uint64_t)(hi - lo + 1));
}

/* A whole minute between 2000-01-01 00:00 and 2099-12-31 23:59 JST. */
static int64_t ls_time(uint64_t *s)
{
    const int64_t lo = 946652400, minutes = (4102412340 - 946652400) / 60;
    return lo + (int64_t)(ls_next(s) % (uint64_t)(minutes + 1)) * 60;
}

static void ls_tel(uint64_t *s, char out[13], int may_blank)
{
    int n = may_blank && ls_int(s, 0, 3) == 0 ? 0 : ls_int(s, 1, 12);
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + ls_int(s, 0, 9));
    out[n] = '\0';
}

/* n characters: the first fitted from set, the rest blank. */
static void ls_chars(uint64_t *s, char *out, int n, int fitted, const char *set)
{
    int k = (int)strlen(set);
    for (int i = 0; i < n; i++)
        out[i] = i < fitted ? set[ls_int(s, 0, k - 1)] : ' ';
    out[n] = '\0';
}

static void ls_hdr(uint64_t *s, sd_line_hdr_t *h, char type)
{
    h->type = type;
    h->branch = ls_int(s, 0, 99);
    h->office = ls_int(s, 0, 99);
    h->estate = ls_int(s, 0, 999);
    h->terminal = ls_int(s, 0, 99);
    ls_tel(s, h->tel, 0);
    h->time = ls_time(s);
    ls_chars(s, h->battery, 3, 3, "01");
}

static void ls_rt(uint64_t *s, sd_line_rt_t *rt, int points)
{
    for (int i = 0; i < 12; i++) {
        rt[i].on_count = i < points ? ls_int(s, 0, 0xFFFF) : SD_LINE_UNFITTED;
        rt[i].on_min = i < points ? ls_int(s, 0, 0xFFFF) : SD_LINE_UNFITTED;
    }
}

static void ls_vals(uint64_t *s, int *v, int n, int fitted, int max)
{
    for (int i = 0; i < n; i++)
        v[i] = i < fitted ? ls_int(s, 0, max) : SD_LINE_UNFITTED;
}

static void ls_sblocks(uint64_t *s, sd_line_sblock_t *b, const char *states)
{
    for (int i = 0; i < 8; i++) {
        b[i].state = states[ls_int(s, 0, (int)strlen(states) - 1)];
        int set = b[i].state == '1' || ls_int(s, 0, 1);
        b[i].start = set ? ls_time(s) : SD_LINE_NO_TIME;
        b[i].minutes = set ? ls_int(s, 0, 999) : SD_LINE_UNFITTED;
    }
}

static void ls_assign(uint64_t *s, sd_line_assign_t *a)
{
    ls_chars(s, a->ai1, 8, ls_int(s, 0, 8), "AI");
    ls_chars(s, a->ai2, 8, ls_int(s, 0, 8), "AI");
    ls_chars(s, a->pi, 16, ls_int(s, 0, 16), "PEW");
    ls_chars(s, a->di1, 16, 16, "PEW");
    ls_chars(s, a->di2, 16, ls_int(s, 0, 16), "PEW");
    ls_chars(s, a->di3, 16, ls_int(s, 0, 16), "PEW");
}

#define LS_STATES "10A@PQ"

/* Fill x with a random valid text of type t (n_blocks < 0: random, else that many X blocks). */
static void ls_random(sd_line_type_t t, uint64_t *s, sd_line_text_t *x, int n_blocks)
{
    static const char req_letters[] = "XYZRVFIKGHL";
    static const char alarm_letters[] = "YZIKGH";
    static const char short_letters[] = "WSEJ";
    static const int enq_nos[] = {1, 2, 3, 5, 6, 7, 8};
    sd_line_text_init(x, t);
    switch (t) {
    case SD_LINE_T_REQ:
        x->u.req.type = req_letters[ls_int(s, 0, 10)];
        x->u.req.time = ls_time(s);
        break;
    case SD_LINE_T_CTRL:
        x->u.ctrl.time = ls_time(s);
        for (int i = 0; i < 8; i++)
            x->u.ctrl.out[i] = ls_int(s, 0, 2);
        break;
    case SD_LINE_T_SCHED_SET:
        x->u.sched_set.time = ls_time(s);
        ls_sblocks(s, x->u.sched_set.block, "10 ");
        break;
    case SD_LINE_T_PARAM_SET: {
        sd_line_param_set_t *p = &x->u.param_set;
        p->time = ls_time(s);
        p->branch = ls_int(s, 0, 99);
        p->office = ls_int(s, 0, 99);
        p->estate = ls_int(s, 0, 999);
        p->terminal = ls_int(s, 0, 99);
        p->alarm_s = ls_int(s, 1, 300);
        p->monitor_s = ls_int(s, 1, 300);
        ls_tel(s, p->tel, 0);
        for (int i = 0; i < 3; i++)
            ls_tel(s, p->dest[i], 1);
        p->line_type = ls_int(s, 0, 2);
        p->carrier = ls_int(s, 0, 6);
        break;
    }
    case SD_LINE_T_ASSIGN_SET:
        x->u.assign_set.time = ls_time(s);
        ls_assign(s, &x->u.assign_set.a);
        break;
    case SD_LINE_T_XREPORT: {
        sd_line_xreport_t *r = &x->u.x;
        ls_hdr(s, &r->h, 'X');
        r->start = ls_time(s);
        r->rt_points = ls_int(s, 0, 12);
        for (int d = 0; d < 4; d++)
            ls_rt(s, r->rt[d], r->rt_points);
        r->n_blocks = n_blocks >= 0 ? n_blocks : ls_int(s, 0, 96);
        r->n_pulse = ls_int(s, 0, 6);
        r->n_aslots = ls_int(s, 0, 2);
        r->n_integ = ls_int(s, 0, 4);
        for (int b = 0; b < r->n_blocks; b++) {
            ls_vals(s, r->block[b].pulse, 6, r->n_pulse, 0xFFFF);
            ls_vals(s, r->block[b].analog, 16, 8 * r->n_aslots, 0xFF);
            ls_vals(s, r->block[b].integ, 4, r->n_integ, 0xFFFF);
        }
        break;
    }
    case SD_LINE_T_ALARM: {
        sd_line_alarm_t *a = &x->u.alarm;
        ls_hdr(s, &a->h, alarm_letters[ls_int(s, 0, 5)]);
        a->pi_count = ls_int(s, 0, 16);
        ls_chars(s, a->pi, 16, a->pi_count, LS_STATES);
        a->di_count = 16 * ls_int(s, 1, 3);
        ls_chars(s, a->di, 48, a->di_count, LS_STATES);
        a->aslots = ls_int(s, 0, 2);
        ls_vals(s, a->analog, 16, 8 * a->aslots, 0xFF);
        a->integ_count = ls_int(s, 0, 4);
        ls_vals(s, a->integ, 4, a->integ_count, 0xFFFF);
        a->auto_count = ls_int(s, 0, 1) ? 16 : ls_int(s, 0, 16);
        ls_chars(s, a->auto_state, 16, a->auto_count, "01");
        ls_chars(s, a->auto_battery, 3, 3, "01");
        break;
    }
    case SD_LINE_T_SCHED:
        ls_hdr(s, &x->u.sched.h, 'R');
        ls_sblocks(s, x->u.sched.block, "1 ");
        break;
    case SD_LINE_T_MONITOR: {
        sd_line_monitor_t *m = &x->u.mon;
        ls_hdr(s, &m->h, 'V');
        m->rt_points = ls_int(s, 0, 12);
        ls_rt(s, m->rt, m->rt_points);
        m->pi_count = ls_int(s, 0, 16);
        ls_chars(s, m->pi, 16, m->pi_count, LS_STATES);
        m->di_count = 16 * ls_int(s, 1, 3);
        ls_chars(s, m->di, 48, m->di_count, LS_STATES);
        m->n_pulse = ls_int(s, 0, 6);
        ls_vals(s, m->pulse, 6, m->n_pulse, 0xFFFF);
        m->aslots = ls_int(s, 0, 2);
        ls_vals(s, m->analog, 16, 8 * m->aslots, 0xFF);
        m->integ_count = ls_int(s, 0, 4);
        ls_vals(s, m->integ, 4, m->integ_count, 0xFFFF);
        m->alarm = ls_int(s, 0, 1);
        m->control = ls_int(s, 0, 1);
        ls_chars(s, m->sched, 8, 8, "01");
        ls_chars(s, m->manual, 8, 8, "01");
        m->auto_count = ls_int(s, 0, 16);
        ls_chars(s, m->auto_state, 16, m->auto_count, "01");
        ls_chars(s, m->auto_battery, 3, 3, "01");
        break;
    }
    case SD_LINE_T_PARAM: {
        sd_line_param_t *p = &x->u.param;
        ls_hdr(s, &p->h, 'F');
        p->alarm_s = ls_int(s, 1, 300);
        p->monitor_s = ls_int(s, 1, 300);
        for (int i = 0; i < 3; i++)
            ls_tel(s, p->dest[i], 1);
        p->line_type = ls_int(s, 0, 2);
        p->carrier = ls_int(s, 0, 6);
        p->ai2 = ls_int(s, 0, 1);
        p->di2 = ls_int(s, 0, 1);
        break;
    }
    case SD_LINE_T_ASSIGN:
        ls_hdr(s, &x->u.assign.h, 'L');
        ls_assign(s, &x->u.assign.a);
        break;
    case SD_LINE_T_SHORT:
        ls_hdr(s, &x->u.ans, short_letters[ls_int(s, 0, 3)]);
        break;
    case SD_LINE_T_ENQ:
        x->u.enq.reqno = enq_nos[ls_int(s, 0, 6)];
        if (x->u.enq.reqno == 3)
            ls_chars(s, x->u.enq.sched, 8, 8, "01");
        else
            x->u.enq.seq = ls_int(s, 0, 99);
        break;
    case SD_LINE_T_NAK: {
        static const int codes[] = {1, 2, 3, 4, 5, 0xFF};
        x->u.nak = codes[ls_int(s, 0, 5)];
        break;
    }
    case SD_LINE_T_EOT:
        break;
    case SD_LINE_T_L3_REQ:
        x->u.l3_req.time = ls_time(s);
        break;
    case SD_LINE_T_L3_REPORT: {
        sd_line_l3_report_t *r = &x->u.l3_report;
        r->type = "YXZ"[ls_int(s, 0, 2)];
        r->branch = ls_int(s, 0, 99);
        r->office = ls_int(s, 0, 99);
        r->estate = ls_int(s, 0, 999);
        r->terminal = ls_int(s, 0, 99);
        ls_tel(s, r->tel, 0);
        r->time = ls_time(s);
        ls_chars(s, r->battery, 3, 3, "01");
        ls_chars(s, r->alarm, 16, 16, "01");
        break;
    }
    case SD_LINE_T_L3_DESIG:
        x->u.l3_desig.interval = ls_int(s, 0, 2);
        x->u.l3_desig.day = ls_int(s, 1, 28);
        x->u.l3_desig.hour = ls_int(s, 0, 23);
        x->u.l3_desig.min = ls_int(s, 0, 59);
        break;
    default:
        break;
    }
}

/* Every type, for loops over "all texts". */
static const sd_line_type_t ls_all_types[] = {
    SD_LINE_T_REQ,        SD_LINE_T_CTRL,     SD_LINE_T_SCHED_SET, SD_LINE_T_PARAM_SET,
    SD_LINE_T_ASSIGN_SET, SD_LINE_T_XREPORT,  SD_LINE_T_ALARM,     SD_LINE_T_SCHED,
    SD_LINE_T_MONITOR,    SD_LINE_T_PARAM,    SD_LINE_T_ASSIGN,    SD_LINE_T_SHORT,
    SD_LINE_T_ENQ,        SD_LINE_T_NAK,      SD_LINE_T_EOT,       SD_LINE_T_L3_REQ,
    SD_LINE_T_L3_REPORT,  SD_LINE_T_L3_DESIG,
};
#define LS_NTYPES (sizeof ls_all_types / sizeof ls_all_types[0])

#endif
