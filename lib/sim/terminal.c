/* terminal.c - a simulated L2/L3 terminal: answers texts from its plant, obeys W/S/E/J, dials out.
 */
#include "sim/terminal.h"

#include "core/err.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Signal types of the standard wiring (sim/plant.h), as the I/O assignment `L` reports them. */
static const char wiring_pi[] = "PPPPPPPPPPPPPPPP";
static const char wiring_di1[] = "WEWEEEEEWEEEEEEE";
static const char wiring_ai1[] = "AAAAAAAA";

struct sd_sim_term {
    sd_sim_term_cfg_t cfg;
    sd_plant_t *plant;
    int64_t drift_s;
    int alarm_s, monitor_s, line_type, carrier;
    sd_line_assign_t assign;
    bool alarm_pending, sched_pending, alarm_occurred;
    int seq;
    bool has_desig;
    sd_line_l3_desig_t desig;
    int last_sched_month; /* year * 12 + month of the last delivered scheduled report */
    long answered, naks;
};

void sd_sim_term_cfg_default(sd_sim_term_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = SD_SIM_L2;
    snprintf(cfg->name, sizeof cfg->name, "五輪 受水槽・加圧ポンプ室");
    cfg->branch = 1;
    cfg->office = 2;
    cfg->estate = 222;
    cfg->number = 1;
    snprintf(cfg->tel, sizeof cfg->tel, "0115812221");
    cfg->seed = 1;
}

sd_sim_term_t *sd_sim_term_new(const sd_sim_term_cfg_t *cfg, int64_t install_s, int64_t now_s)
{
    sd_sim_term_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->plant = sd_plant_new(install_s, cfg->seed);
    if (!t->plant) {
        free(t);
        return NULL;
    }
    sd_plant_advance(t->plant, now_s);
    (void)sd_plant_take_new_alarms(t->plant); /* history is not news */
    t->alarm_s = 5;
    t->monitor_s = 5;
    memcpy(t->assign.pi, wiring_pi, 17);
    memcpy(t->assign.di1, wiring_di1, 17);
    memcpy(t->assign.ai1, wiring_ai1, 9);
    memset(t->assign.ai2, ' ', 8);
    memset(t->assign.di2, ' ', 16);
    memset(t->assign.di3, ' ', 16);
    return t;
}

void sd_sim_term_free(sd_sim_term_t *t)
{
    if (!t)
        return;
    sd_plant_free(t->plant);
    free(t);
}

const sd_sim_term_cfg_t *sd_sim_term_cfg(const sd_sim_term_t *t)
{
    return &t->cfg;
}

sd_plant_t *sd_sim_term_plant(sd_sim_term_t *t)
{
    return t->plant;
}

int64_t sd_sim_term_clock(const sd_sim_term_t *t, int64_t now_s)
{
    return now_s + t->drift_s;
}

void sd_sim_term_set_drift(sd_sim_term_t *t, int64_t drift_s)
{
    t->drift_s = drift_s;
}

/* The protocol's clock sync: take the center's date, hour and minute, keep our own seconds. */
static void clock_sync(sd_sim_term_t *t, int64_t center_s, int64_t now_s)
{
    int64_t own = now_s + t->drift_s;
    int64_t own_sec = ((own % 60) + 60) % 60;
    int64_t center_min = center_s - ((center_s % 60) + 60) % 60;
    t->drift_s = center_min + own_sec - now_s;
}

static bool month_matches(int interval, int mon)
{
    return interval == 0 || (interval == 1 && mon % 2 == 1) || (interval == 2 && mon % 2 == 0);
}

void sd_sim_term_advance(sd_sim_term_t *t, int64_t now_s)
{
    sd_plant_advance(t->plant, now_s);
    if (sd_plant_take_new_alarms(t->plant)) {
        t->alarm_pending = true;
        t->alarm_occurred = true;
    }
    if (t->cfg.kind == SD_SIM_L3 && t->has_desig) {
        sd_civil_t c;
        sd_civil_from_unix(sd_sim_term_clock(t, now_s), SD_JST_OFFSET_S, &c);
        int key = c.year * 12 + c.mon;
        bool due = month_matches(t->desig.interval, c.mon) && c.day == t->desig.day &&
                   c.hour * 60 + c.min >= t->desig.hour * 60 + t->desig.min;
        if (due && key != t->last_sched_month)
            t->sched_pending = true;
    }
}

static void fill_header(sd_sim_term_t *t, sd_line_hdr_t *h, char type, int64_t now_s)
{
    sd_plant_inputs_t in;
    sd_plant_read(t->plant, &in);
    h->type = type;
    h->branch = t->cfg.branch;
    h->office = t->cfg.office;
    h->estate = t->cfg.estate;
    h->terminal = t->cfg.number;
    snprintf(h->tel, sizeof h->tel, "%s", t->cfg.tel);
    h->time = sd_sim_term_clock(t, now_s);
    h->battery[0] = in.ac_fail ? '1' : '0';
    h->battery[1] = in.nicd_fail ? '1' : '0';
    h->battery[2] = in.lithium_fail ? '1' : '0';
    h->battery[3] = '\0';
}

/* Digital input states as the terminal reports them, by each input's assigned signal type. */
static void fill_inputs(sd_sim_term_t *t, const sd_plant_inputs_t *in, char pi[17], char di[49])
{
    for (int i = 0; i < 16; i++)
        pi[i] = in->pi[i] ? 'P' : 'Q';
    pi[16] = '\0';
    memset(di, ' ', 48);
    for (int i = 0; i < 16; i++) {
        char kind = t->assign.di1[i];
        if (kind == 'W')
            di[i] = in->di[i] ? 'A' : '@';
        else if (kind == 'P')
            di[i] = in->di[i] ? 'P' : 'Q';
        else
            di[i] = in->di[i] ? '1' : '0';
    }
    di[48] = '\0';
}

static void fill_analog(const sd_plant_inputs_t *in, int analog[16])
{
    for (int i = 0; i < 16; i++)
        analog[i] = i < 8 ? in->ai[i] : SD_LINE_UNFITTED;
}

static void no_children(int *count, char state[17], char battery[4])
{
    *count = 16;
    memset(state, '0', 16);
    state[16] = '\0';
    memcpy(battery, "000", 4);
}

static void build_xreport(sd_sim_term_t *t, sd_line_xreport_t *x, int64_t now_s)
{
    sd_plant_hour_t hours[SD_PLANT_HOURS];
    sd_plant_runday_t days[SD_PLANT_DAYS];
    fill_header(t, &x->h, 'X', now_s);
    int n = sd_plant_hours(t->plant, hours);
    x->start = n ? hours[0].end_s - 3600 : sd_plant_install_time(t->plant);
    x->rt_points = 12;
    sd_plant_rundays(t->plant, days);
    for (int d = 0; d < 4; d++)
        for (int i = 0; i < 12; i++)
            x->rt[d][i] = (sd_line_rt_t){days[d].on_count[i], days[d].on_minutes[i]};
    x->n_blocks = n;
    x->n_pulse = 2;
    x->n_aslots = 1;
    x->n_integ = 1;
    for (int b = 0; b < n; b++) {
        sd_line_hour_t *blk = &x->block[b];
        for (int i = 0; i < 6; i++)
            blk->pulse[i] = i < 2 ? hours[b].pulse[i] : SD_LINE_UNFITTED;
        for (int i = 0; i < 16; i++)
            blk->analog[i] = i < 8 ? hours[b].ai[i] : SD_LINE_UNFITTED;
        for (int i = 0; i < 4; i++)
            blk->integ[i] = i < 1 ? hours[b].integ[i] : SD_LINE_UNFITTED;
    }
}

static void build_alarm(sd_sim_term_t *t, sd_line_alarm_t *a, char type, int64_t now_s)
{
    sd_plant_inputs_t in;
    sd_plant_read(t->plant, &in);
    fill_header(t, &a->h, type, now_s);
    a->pi_count = 16;
    a->di_count = 16;
    fill_inputs(t, &in, a->pi, a->di);
    a->aslots = 1;
    fill_analog(&in, a->analog);
    a->integ_count = 1;
    for (int i = 0; i < 4; i++)
        a->integ[i] = i < 1 ? in.integ[i] : SD_LINE_UNFITTED;
    no_children(&a->auto_count, a->auto_state, a->auto_battery);
}

static void build_monitor(sd_sim_term_t *t, sd_line_monitor_t *m, int64_t now_s)
{
    sd_plant_inputs_t in;
    sd_plant_runday_t days[SD_PLANT_DAYS];
    sd_plant_read(t->plant, &in);
    sd_plant_rundays(t->plant, days);
    fill_header(t, &m->h, 'V', now_s);
    m->rt_points = 12;
    for (int i = 0; i < 12; i++)
        m->rt[i] = (sd_line_rt_t){days[0].on_count[i], days[0].on_minutes[i]};
    m->pi_count = 16;
    m->di_count = 16;
    fill_inputs(t, &in, m->pi, m->di);
    m->n_pulse = 6;
    for (int i = 0; i < 6; i++)
        m->pulse[i] = in.pulse_this_hour[i];
    m->aslots = 1;
    fill_analog(&in, m->analog);
    m->integ_count = 4;
    for (int i = 0; i < 4; i++)
        m->integ[i] = in.integ[i];
    m->alarm = t->alarm_occurred;
    m->control = 0;
    for (int i = 0; i < 8; i++) {
        m->control |= in.out[i];
        m->sched[i] = in.schedule_active[i] ? '1' : '0';
        m->manual[i] = in.manual[i] ? '1' : '0';
    }
    m->sched[8] = m->manual[8] = '\0';
    no_children(&m->auto_count, m->auto_state, m->auto_battery);
}

static void build_sched(sd_sim_term_t *t, sd_line_sched_t *s, int64_t now_s)
{
    fill_header(t, &s->h, 'R', now_s);
    for (int n = 0; n < 8; n++) {
        sd_plant_schedule_t ps;
        sd_plant_schedule_get(t->plant, n, &ps);
        s->block[n].state = ps.set ? '1' : ' ';
        s->block[n].start = ps.set ? ps.start_s : SD_LINE_NO_TIME;
        s->block[n].minutes = ps.set ? ps.minutes : SD_LINE_UNFITTED;
    }
}

static void build_param(sd_sim_term_t *t, sd_line_param_t *p, int64_t now_s)
{
    fill_header(t, &p->h, 'F', now_s);
    p->alarm_s = t->alarm_s;
    p->monitor_s = t->monitor_s;
    for (int i = 0; i < 3; i++)
        snprintf(p->dest[i], sizeof p->dest[i], "%s", t->cfg.dest[i]);
    p->line_type = t->line_type;
    p->carrier = t->carrier;
    p->ai2 = 0;
    p->di2 = 0;
}

static void apply_params(sd_sim_term_t *t, const sd_line_param_set_t *p)
{
    t->cfg.branch = p->branch;
    t->cfg.office = p->office;
    t->cfg.estate = p->estate;
    t->cfg.number = p->terminal;
    snprintf(t->cfg.tel, sizeof t->cfg.tel, "%s", p->tel);
    for (int i = 0; i < 3; i++)
        snprintf(t->cfg.dest[i], sizeof t->cfg.dest[i], "%s", p->dest[i]);
    t->alarm_s = p->alarm_s;
    t->monitor_s = p->monitor_s;
    t->line_type = p->line_type;
    t->carrier = p->carrier;
}

static void build_l3_report(sd_sim_term_t *t, sd_line_l3_report_t *r, int64_t now_s)
{
    sd_line_hdr_t h = {0};
    sd_plant_inputs_t in;
    fill_header(t, &h, 'Z', now_s);
    sd_plant_read(t->plant, &in);
    r->type = t->alarm_pending ? 'Y' : t->sched_pending ? 'X' : 'Z';
    r->branch = h.branch;
    r->office = h.office;
    r->estate = h.estate;
    r->terminal = h.terminal;
    memcpy(r->tel, h.tel, sizeof r->tel);
    r->time = h.time;
    memcpy(r->battery, h.battery, sizeof r->battery);
    for (int i = 0; i < 16; i++)
        r->alarm[i] = (wiring_di1[i] == 'E' && in.di[i]) ? '1' : '0';
    r->alarm[16] = '\0';
}

/* Fill reply for request text in; returns 0 and the reply type, or SD_EPROTO if out of place. */
static int reply_to(sd_sim_term_t *t, const sd_line_text_t *in, sd_line_text_t *reply,
                    int64_t now_s)
{
    bool l3 = t->cfg.kind == SD_SIM_L3;
    switch (in->type) {
    case SD_LINE_T_REQ: {
        char c = in->u.req.type;
        if (l3)
            return SD_EPROTO;
        if (c == 'X' || c == 'Z')
            clock_sync(t, in->u.req.time, now_s);
        sd_line_text_init(reply, sd_line_answer_type(c));
        switch (c) {
        case 'X':
            build_xreport(t, &reply->u.x, now_s);
            return 0;
        case 'Y':
        case 'Z':
        case 'I':
        case 'K':
        case 'G':
        case 'H':
            build_alarm(t, &reply->u.alarm, c, now_s);
            return 0;
        case 'R':
            build_sched(t, &reply->u.sched, now_s);
            return 0;
        case 'V':
            build_monitor(t, &reply->u.mon, now_s);
            return 0;
        case 'F':
            build_param(t, &reply->u.param, now_s);
            return 0;
        case 'L':
            fill_header(t, &reply->u.assign.h, 'L', now_s);
            reply->u.assign.a = t->assign;
            return 0;
        default:
            return SD_EPROTO;
        }
    }
    case SD_LINE_T_CTRL:
        if (l3)
            return SD_EPROTO;
        for (int n = 0; n < 8; n++)
            sd_plant_output(t->plant, n, in->u.ctrl.out[n] == SD_LINE_OUT_ON,
                            in->u.ctrl.out[n] == SD_LINE_OUT_OFF);
        sd_line_text_init(reply, SD_LINE_T_SHORT);
        fill_header(t, &reply->u.ans, 'W', now_s);
        return 0;
    case SD_LINE_T_SCHED_SET:
        if (l3)
            return SD_EPROTO;
        for (int n = 0; n < 8; n++) {
            const sd_line_sblock_t *b = &in->u.sched_set.block[n];
            sd_plant_schedule_t s = {b->state == '1', b->start, b->minutes};
            if (!s.set)
                s = (sd_plant_schedule_t){false, 0, 0};
            sd_plant_schedule(t->plant, n, &s);
        }
        sd_line_text_init(reply, SD_LINE_T_SHORT);
        fill_header(t, &reply->u.ans, 'S', now_s);
        return 0;
    case SD_LINE_T_PARAM_SET:
        if (l3)
            return SD_EPROTO;
        apply_params(t, &in->u.param_set);
        clock_sync(t, in->u.param_set.time, now_s);
        sd_line_text_init(reply, SD_LINE_T_SHORT);
        fill_header(t, &reply->u.ans, 'E', now_s);
        return 0;
    case SD_LINE_T_ASSIGN_SET:
        if (l3)
            return SD_EPROTO;
        t->assign = in->u.assign_set.a;
        sd_line_text_init(reply, SD_LINE_T_SHORT);
        fill_header(t, &reply->u.ans, 'J', now_s);
        return 0;
    case SD_LINE_T_L3_REQ:
        if (!l3)
            return SD_EPROTO;
        clock_sync(t, in->u.l3_req.time, now_s);
        sd_line_text_init(reply, SD_LINE_T_L3_REPORT);
        build_l3_report(t, &reply->u.l3_report, now_s);
        return 0;
    default:
        return SD_EPROTO;
    }
}

void sd_sim_term_reply(sd_sim_term_t *t, const sd_line_text_t *req, int64_t now_s,
                       sd_line_text_t *reply)
{
    sd_plant_advance(t->plant, now_s);
    if (reply_to(t, req, reply, now_s) == 0) {
        t->answered++;
        return;
    }
    t->naks++;
    sd_line_text_init(reply, SD_LINE_T_NAK);
    reply->u.nak = SD_LINE_NAK_PROTO;
}

void sd_sim_term_designate(sd_sim_term_t *t, const sd_line_l3_desig_t *d)
{
    t->desig = *d;
    t->has_desig = true;
}

int sd_sim_term_pending_call(const sd_sim_term_t *t)
{
    if (t->alarm_pending)
        return SD_LINE_ENQ_ALARM;
    if (t->sched_pending)
        return SD_LINE_ENQ_SCHEDULED;
    return 0;
}

void sd_sim_term_enq(sd_sim_term_t *t, int reqno, sd_line_enq_t *out)
{
    memset(out, 0, sizeof *out);
    out->reqno = reqno;
    out->seq = t->seq;
    t->seq = (t->seq + 1) % 100;
}

void sd_sim_term_call_done(sd_sim_term_t *t, int reqno, bool delivered)
{
    if (!delivered)
        return;
    if (reqno == SD_LINE_ENQ_ALARM) {
        t->alarm_pending = false;
    } else if (reqno == SD_LINE_ENQ_SCHEDULED) {
        sd_civil_t c;
        sd_civil_from_unix(sd_sim_term_clock(t, sd_plant_now(t->plant)), SD_JST_OFFSET_S, &c);
        t->sched_pending = false;
        t->last_sched_month = c.year * 12 + c.mon;
    }
}

void sd_sim_term_counters(const sd_sim_term_t *t, long *answered, long *naks)
{
    *answered = t->answered;
    *naks = t->naks;
}
