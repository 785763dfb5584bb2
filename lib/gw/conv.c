/* conv.c - terminal texts to samples (rules in conv.h). */
#include "gw/conv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/time.h"

void sd_gw_samples_free(sd_gw_samples_t *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static int push(sd_gw_samples_t *s, const char *data_id, int64_t ts_ms, double value)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        sd_gw_sample_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return SD_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    sd_gw_sample_t *p = &s->v[s->n++];
    snprintf(p->data_id, sizeof p->data_id, "%s", data_id);
    p->ts_ms = ts_ms;
    p->value = value;
    p->quality = SD_TS_GOOD;
    return 0;
}

int64_t sd_gw_jst_day_start_ms(int64_t unix_ms)
{
    int64_t s = unix_ms / 1000 + SD_JST_OFFSET_S;
    int64_t day = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    return (day * 86400 - SD_JST_OFFSET_S) * 1000;
}

/* Rank of point p among the device's points of the same signal, by module then input. */
static int rank_of(const sd_gw_device_t *d, const sd_gw_point_t *p)
{
    int r = 0;
    for (size_t i = 0; i < d->n_points; i++) {
        const sd_gw_point_t *q = &d->points[i];
        if (q->signal == p->signal &&
            (q->module < p->module || (q->module == p->module && q->input < p->input)))
            r++;
    }
    return r;
}

/* -1 when the character says "not fitted" (or is not a state at all). */
static int state_value(char c)
{
    switch (c) {
    case '1':
    case 'A':
    case 'P':
        return 1;
    case '0':
    case '@':
    case 'Q':
        return 0;
    default:
        return -1;
    }
}

static double analog_value(const sd_gw_point_t *p, int raw)
{
    return p->scale_lo + (p->scale_hi - p->scale_lo) * raw / 255.0;
}

/* States, analog and integration common to the Y-layout and V texts. */
static int conv_now(const sd_gw_device_t *d, const char *pi, const char *di, const int *analog,
                    int integ_count, const int *integ, int64_t ts_ms, sd_gw_samples_t *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < d->n_points; i++) {
        const sd_gw_point_t *p = &d->points[i];
        switch (p->signal) {
        case SD_GW_SIG_ALARM:
        case SD_GW_SIG_MONITOR: {
            const char *states = p->module == 'D' ? di : p->module == 'P' ? pi : NULL;
            if (!states || (size_t)p->input > strlen(states))
                break;
            int v = state_value(states[p->input - 1]);
            if (v >= 0)
                rc = push(out, p->data_id, ts_ms, v);
            break;
        }
        case SD_GW_SIG_ANALOG:
            if (analog[p->input - 1] >= 0)
                rc = push(out, p->data_id, ts_ms, analog_value(p, analog[p->input - 1]));
            break;
        case SD_GW_SIG_INTEG:
            if (p->input <= integ_count && integ[p->input - 1] >= 0)
                rc = push(out, p->data_id, ts_ms, integ[p->input - 1] * p->factor);
            break;
        default:
            break;
        }
    }
    return rc;
}

int sd_gw_conv_x(const sd_gw_device_t *d, const sd_line_xreport_t *x, int64_t after_ms,
                 sd_gw_samples_t *out, sd_gw_xinfo_t *info)
{
    sd_gw_xinfo_t inf = {0};
    int rc = 0;
    int64_t start_ms = x->start * 1000;
    for (int b = 0; !rc && b < x->n_blocks; b++) {
        int64_t end_ms = start_ms + (int64_t)(b + 1) * 3600000;
        if (!inf.first_end_ms)
            inf.first_end_ms = end_ms;
        inf.last_end_ms = end_ms;
        if (end_ms <= after_ms)
            continue;
        inf.blocks_used++;
        const sd_line_hour_t *blk = &x->block[b];
        for (size_t i = 0; !rc && i < d->n_points; i++) {
            const sd_gw_point_t *p = &d->points[i];
            if (p->signal == SD_GW_SIG_PULSE) {
                int k = rank_of(d, p);
                if (k < x->n_pulse && k < 6 && blk->pulse[k] >= 0)
                    rc = push(out, p->data_id, end_ms, blk->pulse[k] * p->factor);
            } else if (p->signal == SD_GW_SIG_ANALOG) {
                if (blk->analog[p->input - 1] >= 0)
                    rc = push(out, p->data_id, end_ms, analog_value(p, blk->analog[p->input - 1]));
            } else if (p->signal == SD_GW_SIG_INTEG) {
                if (p->input <= x->n_integ && blk->integ[p->input - 1] >= 0)
                    rc = push(out, p->data_id, end_ms, blk->integ[p->input - 1] * p->factor);
            }
        }
    }
    /* Run-time: today is the JST day of the report's header time. */
    int64_t today = sd_gw_jst_day_start_ms(x->h.time * 1000);
    int64_t from_day = after_ms ? sd_gw_jst_day_start_ms(after_ms) : INT64_MIN;
    for (int day = 0; !rc && day < 4; day++) {
        int64_t ts = today - (int64_t)day * 86400000;
        if (ts < from_day)
            continue;
        for (size_t i = 0; !rc && i < d->n_points; i++) {
            const sd_gw_point_t *p = &d->points[i];
            if (p->signal != SD_GW_SIG_RUNTIME)
                continue;
            int k = rank_of(d, p);
            if (k < x->rt_points && k < 12 && x->rt[day][k].on_min >= 0)
                rc = push(out, p->data_id, ts, x->rt[day][k].on_min);
        }
    }
    if (info)
        *info = inf;
    return rc;
}

int sd_gw_conv_alarm(const sd_gw_device_t *d, const sd_line_alarm_t *a, int64_t ts_ms,
                     sd_gw_samples_t *out)
{
    return conv_now(d, a->pi, a->di, a->analog, a->integ_count, a->integ, ts_ms, out);
}

int sd_gw_conv_monitor(const sd_gw_device_t *d, const sd_line_monitor_t *m, int64_t ts_ms,
                       sd_gw_samples_t *out)
{
    int rc = conv_now(d, m->pi, m->di, m->analog, m->integ_count, m->integ, ts_ms, out);
    int64_t today = sd_gw_jst_day_start_ms(ts_ms);
    for (size_t i = 0; !rc && i < d->n_points; i++) {
        const sd_gw_point_t *p = &d->points[i];
        if (p->signal != SD_GW_SIG_RUNTIME)
            continue;
        int k = rank_of(d, p);
        if (k < m->rt_points && k < 12 && m->rt[k].on_min >= 0)
            rc = push(out, p->data_id, today, m->rt[k].on_min);
    }
    return rc;
}

int sd_gw_conv_l3(const sd_gw_device_t *d, const sd_line_l3_report_t *r, int64_t ts_ms,
                  sd_gw_samples_t *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < d->n_points; i++) {
        const sd_gw_point_t *p = &d->points[i];
        if (p->signal != SD_GW_SIG_ALARM || p->module != 'D' || p->input > 16)
            continue;
        int v = state_value(r->alarm[p->input - 1]);
        if (v >= 0)
            rc = push(out, p->data_id, ts_ms, v);
    }
    return rc;
}

int sd_gw_sample_json(const sd_gw_sample_t *s, sd_buf_t *out)
{
    sd_ts_sample_t t = {s->data_id, s->ts_ms, s->value, s->quality};
    return sd_gwif_sample_write(&t, out);
}
