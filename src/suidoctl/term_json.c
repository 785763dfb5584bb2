/* term_json.c - render every decoded text type as a JSON object. */
#include "term_json.h"

#include "core/time.h"

#include <string.h>

static json_t *jtime(int64_t t)
{
    if (t == SD_LINE_NO_TIME)
        return json_null();
    char s[32];
    sd_iso8601_format(t, s, sizeof s);
    return json_string(s);
}

static json_t *jint(int v)
{
    return v == SD_LINE_UNFITTED ? json_null() : json_integer(v);
}

static json_t *jints(const int *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, jint(v[i]));
    return a;
}

static void hdr(json_t *o, const sd_line_hdr_t *h)
{
    char letter[2] = {h->type, 0};
    json_object_set_new(o, "letter", json_string(letter));
    json_object_set_new(o, "branch", json_integer(h->branch));
    json_object_set_new(o, "office", json_integer(h->office));
    json_object_set_new(o, "estate", json_integer(h->estate));
    json_object_set_new(o, "terminal", json_integer(h->terminal));
    json_object_set_new(o, "tel", json_string(h->tel));
    json_object_set_new(o, "time", jtime(h->time));
    json_t *b = json_object();
    json_object_set_new(b, "ac_power", json_boolean(h->battery[0] == '1'));
    json_object_set_new(b, "nicd", json_boolean(h->battery[1] == '1'));
    json_object_set_new(b, "lithium", json_boolean(h->battery[2] == '1'));
    json_object_set_new(o, "battery_abnormal", b);
}

static json_t *jrt(const sd_line_rt_t *rt, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:i,s:i}", "on_count", rt[i].on_count, "on_minutes", rt[i].on_min));
    return a;
}

static void inputs(json_t *o, const char *pi, const char *di, const int *analog)
{
    json_object_set_new(o, "pi", json_string(pi));
    json_object_set_new(o, "di", json_string(di));
    json_object_set_new(o, "analog", jints(analog, 16));
}

static json_t *blocks(const sd_line_sblock_t *b)
{
    json_t *a = json_array();
    for (int i = 0; i < 8; i++) {
        char st[2] = {b[i].state, 0};
        json_array_append_new(a,
                              json_pack("{s:i,s:s,s:o,s:o}", "output", i + 1, "state", st, "start",
                                        jtime(b[i].start), "minutes", jint(b[i].minutes)));
    }
    return a;
}

static void xreport(json_t *o, const sd_line_xreport_t *x)
{
    hdr(o, &x->h);
    json_object_set_new(o, "start", jtime(x->start));
    json_t *days = json_array();
    for (int d = 0; d < 4; d++)
        json_array_append_new(days, jrt(x->rt[d], x->rt_points));
    json_object_set_new(o, "runtime_days", days);
    json_object_set_new(o, "pulse_points", json_integer(x->n_pulse));
    json_object_set_new(o, "analog_slots", json_integer(x->n_aslots));
    json_object_set_new(o, "integration_points", json_integer(x->n_integ));
    json_t *hours = json_array();
    for (int b = 0; b < x->n_blocks; b++) {
        const sd_line_hour_t *h = &x->block[b];
        json_array_append_new(hours, json_pack("{s:o,s:o,s:o,s:o}", "hour_end",
                                               jtime(x->start + (b + 1) * 3600LL), "pulse",
                                               jints(h->pulse, 6), "analog", jints(h->analog, 16),
                                               "integration", jints(h->integ, 4)));
    }
    json_object_set_new(o, "hours", hours);
}

static void monitor(json_t *o, const sd_line_monitor_t *m)
{
    hdr(o, &m->h);
    json_object_set_new(o, "runtime_today", jrt(m->rt, m->rt_points));
    inputs(o, m->pi, m->di, m->analog);
    json_object_set_new(o, "pulse_this_hour", jints(m->pulse, 6));
    json_object_set_new(o, "integration", jints(m->integ, 4));
    json_object_set_new(o, "alarm_occurred", json_boolean(m->alarm));
    json_object_set_new(o, "control_active", json_boolean(m->control));
    json_object_set_new(o, "schedule_state", json_string(m->sched));
    json_object_set_new(o, "manual_state", json_string(m->manual));
    json_object_set_new(o, "auto_report_states", json_string(m->auto_state));
}

json_t *term_text_json(const sd_line_text_t *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(sd_line_type_name(t->type)));
    switch (t->type) {
    case SD_LINE_T_XREPORT:
        xreport(o, &t->u.x);
        break;
    case SD_LINE_T_ALARM:
        hdr(o, &t->u.alarm.h);
        inputs(o, t->u.alarm.pi, t->u.alarm.di, t->u.alarm.analog);
        json_object_set_new(o, "integration", jints(t->u.alarm.integ, 4));
        json_object_set_new(o, "auto_report_states", json_string(t->u.alarm.auto_state));
        break;
    case SD_LINE_T_MONITOR:
        monitor(o, &t->u.mon);
        break;
    case SD_LINE_T_SCHED:
        hdr(o, &t->u.sched.h);
        json_object_set_new(o, "blocks", blocks(t->u.sched.block));
        break;
    case SD_LINE_T_PARAM:
        hdr(o, &t->u.param.h);
        json_object_set_new(o, "alarm_detection_s", json_integer(t->u.param.alarm_s));
        json_object_set_new(o, "monitor_detection_s", json_integer(t->u.param.monitor_s));
        json_object_set_new(
            o, "destinations",
            json_pack("[s,s,s]", t->u.param.dest[0], t->u.param.dest[1], t->u.param.dest[2]));
        json_object_set_new(o, "line_type", json_integer(t->u.param.line_type));
        json_object_set_new(o, "carrier_level", json_integer(t->u.param.carrier));
        json_object_set_new(o, "ai2_enabled", json_boolean(t->u.param.ai2));
        json_object_set_new(o, "di2_enabled", json_boolean(t->u.param.di2));
        break;
    case SD_LINE_T_ASSIGN: {
        const sd_line_assign_t *a = &t->u.assign.a;
        hdr(o, &t->u.assign.h);
        json_object_set_new(o, "assignment",
                            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "ai1", a->ai1, "ai2", a->ai2,
                                      "pi", a->pi, "di1", a->di1, "di2", a->di2, "di3", a->di3));
        break;
    }
    case SD_LINE_T_SHORT:
        hdr(o, &t->u.ans);
        break;
    case SD_LINE_T_L3_REPORT: {
        const sd_line_l3_report_t *r = &t->u.l3_report;
        char letter[2] = {r->type, 0};
        json_object_set_new(o, "letter", json_string(letter));
        json_object_set_new(o, "branch", json_integer(r->branch));
        json_object_set_new(o, "office", json_integer(r->office));
        json_object_set_new(o, "estate", json_integer(r->estate));
        json_object_set_new(o, "terminal", json_integer(r->terminal));
        json_object_set_new(o, "tel", json_string(r->tel));
        json_object_set_new(o, "time", jtime(r->time));
        json_object_set_new(o, "alarms", json_string(r->alarm));
        break;
    }
    case SD_LINE_T_NAK:
        json_object_set_new(o, "code", json_integer(t->u.nak));
        json_object_set_new(o, "meaning", json_string(sd_line_nak_str(t->u.nak)));
        break;
    default:
        break;
    }
    return o;
}
