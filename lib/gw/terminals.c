/* terminals.c - the gateway engine's terminal side: calls taken, daily collection, platform
 * requests executed, the scheduler. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "gw/engine.h"
#include "gw/sched.h"
#include "gw/south.h"
#include "call/call.h"
#include "gwif/gwif.h"
#include "line/settings.h"

static job_t *new_job(job_kind_t kind, const char *device)
{
    job_t *j = calloc(1, sizeof *j);
    if (j) {
        j->kind = kind;
        snprintf(j->device, sizeof j->device, "%s", device);
    }
    return j;
}

static void free_job(job_t *j)
{
    if (j) {
        json_decref(j->req);
        free(j);
    }
}

/* ---- calls taken ------------------------------------------------------------------------------
 */

static const char *enq_reason(int reqno)
{
    switch (reqno) {
    case SD_LINE_ENQ_SCHEDULED:
        return "scheduled report";
    case SD_LINE_ENQ_ALARM:
        return "alarm";
    case SD_LINE_ENQ_SCHED_END:
        return "schedule control released";
    case SD_LINE_ENQ_TEST_START:
        return "test start";
    case SD_LINE_ENQ_TEST_END:
        return "test end";
    case SD_LINE_ENQ_IO_FAIL:
        return "I/O communication failure";
    case SD_LINE_ENQ_IO_OK:
        return "I/O communication recovery";
    default:
        return "unknown";
    }
}

typedef struct {
    gw_t *g;
    const char *peer;
    char device[65];
} take_ctx_t;

static void drift_check(gw_t *g, const char *device, int64_t term_s, int64_t now_ms)
{
    int64_t drift = term_s - now_ms / 1000;
    /* the terminal reports minutes only: up to 59 s of difference is its seconds, not drift */
    if (llabs(drift) > g->drift_s + 60) {
        char msg[96];
        snprintf(msg, sizeof msg, "terminal clock off by %+lld s (synchronised)", (long long)drift);
        gw_event(g, "clock_drift", device, 4, msg,
                 json_pack("{s:I}", "drift_s", (json_int_t)drift));
    }
}

static int on_report(void *ctx, const sd_line_text_t *enq, const sd_line_text_t *rep)
{
    take_ctx_t *tc = ctx;
    gw_t *g = tc->g;
    int64_t now = gw_now(g);
    /* samples are stamped when the gateway received them: the terminal's clock has minute
     * resolution and may drift; its own time goes into the event */
    now -= now % 1000;
    /* held until the call is stored: a new inventory may come meanwhile */
    gw_invref_t *ref = gw_inv_get(g);
    const sd_gw_inv_t *inv = ref ? ref->inv : NULL;
    const sd_gw_device_t *d = NULL;
    int64_t term_time = 0;
    char type = 0;
    if (rep->type == SD_LINE_T_L3_REPORT) {
        const sd_line_l3_report_t *r = &rep->u.l3_report;
        d = sd_gw_inv_by_tel(inv, r->tel);
        if (!d)
            d = sd_gw_inv_by_codes(inv, r->branch, r->office, r->estate, r->terminal);
        term_time = r->time;
        type = r->type;
    } else {
        /* every terminal -> center text starts with the common header */
        const sd_line_hdr_t *h = &rep->u.ans;
        d = sd_gw_inv_by_tel(inv, h->tel);
        if (!d)
            d = sd_gw_inv_by_codes(inv, h->branch, h->office, h->estate, h->terminal);
        term_time = h->time;
        type = h->type;
    }
    sd_gw_samples_t s = {0};
    sd_gw_kv_t kv[2];
    size_t nkv = 0;
    char key[96], key2[96];
    int rc = 0;
    if (d) {
        snprintf(tc->device, sizeof tc->device, "%s", d->code);
        switch (rep->type) {
        case SD_LINE_T_ALARM:
            rc = sd_gw_conv_alarm(d, &rep->u.alarm, now, &s);
            break;
        case SD_LINE_T_MONITOR:
            rc = sd_gw_conv_monitor(d, &rep->u.mon, now, &s);
            break;
        case SD_LINE_T_L3_REPORT:
            rc = sd_gw_conv_l3(d, &rep->u.l3_report, now, &s);
            if (rep->u.l3_report.type == 'X') {
                snprintf(key2, sizeof key2, "l3x.%s", d->code);
                kv[nkv++] = (sd_gw_kv_t){key2, now};
            }
            break;
        case SD_LINE_T_XREPORT: {
            snprintf(key, sizeof key, "x.%s", d->code);
            int64_t after = sd_gw_queue_kv_get(g->q, key, 0);
            sd_gw_xinfo_t info;
            rc = sd_gw_conv_x(d, &rep->u.x, after, &s, &info);
            if (info.last_end_ms > after)
                kv[nkv++] = (sd_gw_kv_t){key, info.last_end_ms};
            break;
        }
        default:
            break;
        }
    }
    if (rc) {
        sd_gw_samples_free(&s);
        gw_inv_put(g, ref);
        return rc;
    }
    char tt[40], msg[160];
    sd_iso8601_format(term_time, tt, sizeof tt);
    json_t *detail = json_pack("{s:s,s:s,s:I}", "text", (char[2]){type ? type : '?', 0},
                               "terminal_time", tt, "samples", (json_int_t)s.n);
    if (enq) {
        json_object_set_new(detail, "reqno", json_integer(enq->u.enq.reqno));
        if (enq->u.enq.seq >= 0)
            json_object_set_new(detail, "seq", json_integer(enq->u.enq.seq));
        snprintf(msg, sizeof msg, "ENQ %d %s", enq->u.enq.reqno, enq_reason(enq->u.enq.reqno));
    } else {
        snprintf(msg, sizeof msg, "L3 report %c%s", type,
                 type == 'Y'   ? " alarm"
                 : type == 'X' ? " scheduled"
                               : " test");
    }
    json_object_set_new(detail, "peer", json_string(tc->peer));
    sd_buf_t ev = {0};
    if (d) {
        rc = gw_event_json(g, "terminal_call", d->code, 0, msg, detail, &ev);
    } else {
        char tel[13] = "";
        snprintf(tel, sizeof tel, "%s",
                 rep->type == SD_LINE_T_L3_REPORT ? rep->u.l3_report.tel : rep->u.ans.tel);
        json_object_set_new(detail, "tel", json_string(tel));
        rc = gw_event_json(g, "unknown_terminal", NULL, 3, msg, detail, &ev);
    }
    if (!rc)
        rc = gw_store(g, &s, ev.data, kv, nkv);
    sd_info("call from %s (%s): %s, %zu samples%s", d ? d->code : "unknown", tc->peer, msg, s.n,
            rc ? " NOT stored" : " stored");
    sd_buf_free(&ev);
    sd_gw_samples_free(&s);
    if (!rc && d)
        drift_check(g, d->code, term_time, now);
    gw_inv_put(g, ref);
    return rc;
}

void *gw_accept_thread(void *arg)
{
    gw_t *g = arg;
    while (!g->stop) {
        sd_link_t *link = NULL;
        int rc = sd_listener_accept(g->ls, &link, 500);
        if (rc == SD_ETIMEDOUT)
            continue;
        if (rc) {
            sd_warn("accept: %s", sd_strerror(rc));
            usleep(100000);
            continue;
        }
        atomic_fetch_add(&g->calls_in, 1);
        take_ctx_t tc = {g, sd_link_peer_name(link), ""};
        sd_line_err_t why = {0};
        sd_gw_take_opts_t o = {
            .desig = g->desig, .answer_timeout_ms = g->answer_timeout_ms, .why = &why};
        int proto = 0;
        rc = sd_gw_take_call(link, &o, on_report, &tc, &proto);
        if (rc) {
            /* a text refused on the way makes it garbage, even when the terminal then gave up
             * and the call ended in silence; the detail says what was wrong and where */
            char msg[320];
            if (why.code)
                snprintf(msg, sizeof msg,
                         "incoming L%d call from %s failed: %s; refused: %s at byte %zu: %s", proto,
                         tc.peer, sd_strerror(rc), why.field ? why.field : "?", why.offset,
                         why.why);
            else
                snprintf(msg, sizeof msg, "incoming L%d call from %s failed: %s", proto, tc.peer,
                         sd_strerror(rc));
            bool garbage = why.code || !strcmp(gw_reason(rc), "garbage") || rc == SD_ECHECKSUM;
            json_t *detail = json_pack("{s:s,s:s}", "reason", garbage ? "garbage" : gw_reason(rc),
                                       "peer", tc.peer);
            if (why.code) {
                json_object_set_new(detail, "field", json_string(why.field ? why.field : "?"));
                json_object_set_new(detail, "offset", json_integer((json_int_t)why.offset));
                json_object_set_new(detail, "why", json_string(why.why));
            }
            gw_event(g, garbage ? "garbage" : "call_failed", tc.device[0] ? tc.device : NULL, 3,
                     msg, detail);
        }
        sd_link_close(link);
    }
    return NULL;
}

/* ---- calls made -------------------------------------------------------------------------------
 */

static int open_call(gw_t *g, const sd_gw_device_t *d, sd_call_t **c)
{
    sd_call_opts_t o;
    sd_call_opts_default(&o);
    o.target = d->tel;
    o.dialplan = g->dialplan;
    o.session.proto = d->model == 3 ? SD_LINE_PROTO_L3 : SD_LINE_PROTO_L2;
    o.session.answer_timeout_ms = g->answer_timeout_ms;
    if (d->model == 3)
        o.session.desig = g->desig;
    return sd_call_open(&o, c);
}

/* V: the terminal's present state; also the drift check before any X syncs its clock. */
static int read_v(gw_t *g, sd_call_t *c, const sd_gw_device_t *d, sd_gw_samples_t *s,
                  int64_t *term_time)
{
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = malloc(sizeof *ans);
    int rc = req && ans ? 0 : SD_ENOMEM;
    if (!rc) {
        sd_line_text_init(req, SD_LINE_T_REQ);
        req->u.req.type = 'V';
        req->u.req.time = gw_now(g) / 1000;
        sd_line_err_t e;
        rc = sd_call_request(c, req, ans, NULL, &e);
    }
    if (!rc && ans->type != SD_LINE_T_MONITOR)
        rc = SD_EPROTO;
    if (!rc) {
        int64_t now = gw_now(g);
        *term_time = ans->u.mon.h.time;
        rc = sd_gw_conv_monitor(d, &ans->u.mon, now - now % 1000, s);
    }
    free(req);
    free(ans);
    return rc;
}

static int read_l3(gw_t *g, sd_call_t *c, const sd_gw_device_t *d, sd_gw_samples_t *s,
                   int64_t *term_time)
{
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = malloc(sizeof *ans);
    int rc = req && ans ? 0 : SD_ENOMEM;
    if (!rc) {
        sd_line_text_init(req, SD_LINE_T_L3_REQ);
        req->u.l3_req.time = gw_now(g) / 1000;
        sd_line_err_t e;
        rc = sd_call_request(c, req, ans, NULL, &e);
    }
    if (!rc && ans->type != SD_LINE_T_L3_REPORT)
        rc = SD_EPROTO;
    if (!rc) {
        int64_t now = gw_now(g);
        *term_time = ans->u.l3_report.time;
        rc = sd_gw_conv_l3(d, &ans->u.l3_report, now - now % 1000, s);
    }
    free(req);
    free(ans);
    return rc;
}

/*
 * The daily collection of one terminal: V (state, drift), then X (the 4-day log, clock sync).
 * Samples and the new collection mark are stored in one transaction. Returns 0, SD_EAGAIN
 * (too close to the top of the hour: try again later) or the call's error.
 */
static int poll_device(gw_t *g, const sd_gw_device_t *d)
{
    sd_call_t *c = NULL;
    int rc = open_call(g, d, &c);
    if (rc)
        return rc;
    sd_gw_samples_t s = {0};
    int64_t term_time = 0;
    rc = d->model == 3 ? read_l3(g, c, d, &s, &term_time) : read_v(g, c, d, &s, &term_time);
    int64_t now = gw_now(g);
    if (!rc)
        drift_check(g, d->code, term_time, now);
    char xkey[96], dkey[96];
    snprintf(xkey, sizeof xkey, "x.%s", d->code);
    snprintf(dkey, sizeof dkey, "day.%s", d->code);
    sd_gw_kv_t kv[2];
    size_t nkv = 0;
    sd_line_text_t *req = NULL, *ans = NULL;
    if (!rc && d->model == 2 && g->x_guard && !sd_gw_x_allowed_ms(now))
        rc = SD_EAGAIN;
    if (!rc && d->model == 2) {
        req = calloc(1, sizeof *req);
        ans = malloc(sizeof *ans);
        rc = req && ans ? 0 : SD_ENOMEM;
        if (!rc) {
            sd_line_text_init(req, SD_LINE_T_REQ);
            req->u.req.type = 'X';
            req->u.req.time = now / 1000;
            sd_line_err_t e;
            rc = sd_call_request(c, req, ans, NULL, &e);
        }
        if (!rc && ans->type != SD_LINE_T_XREPORT)
            rc = SD_EPROTO;
        if (!rc) {
            int64_t after = sd_gw_queue_kv_get(g->q, xkey, 0);
            sd_gw_xinfo_t info;
            rc = sd_gw_conv_x(d, &ans->u.x, after, &s, &info);
            if (!rc && after && info.first_end_ms > after + 3600000) {
                /* the terminal's ring no longer reaches back to our last block: say so, never
                 * invent the hours in between */
                char f[40], t[40], msg[160];
                int64_t hours = (info.first_end_ms - after) / 3600000 - 1;
                sd_iso8601_format(after / 1000, f, sizeof f);
                sd_iso8601_format((info.first_end_ms - 3600000) / 1000, t, sizeof t);
                snprintf(msg, sizeof msg,
                         "%lld hourly blocks lost (older than the terminal's "
                         "96 h buffer)",
                         (long long)hours);
                gw_event(
                    g, "data_missing", d->code, 3, msg,
                    json_pack("{s:s,s:s,s:I}", "after", f, "until", t, "hours", (json_int_t)hours));
            }
            if (!rc && info.last_end_ms > after)
                kv[nkv++] = (sd_gw_kv_t){xkey, info.last_end_ms};
        }
    }
    if (!rc) {
        kv[nkv++] = (sd_gw_kv_t){dkey, sd_gw_jst_day_start_ms(now)};
        rc = gw_store(g, &s, NULL, kv, nkv);
    } else if (s.n && rc == SD_EAGAIN) {
        gw_store(g, &s, NULL, NULL, 0); /* the V state is worth keeping anyway */
    }
    sd_call_close(c);
    free(req);
    free(ans);
    if (!rc)
        sd_info("polled %s: %zu samples", d->code, s.n);
    sd_gw_samples_free(&s);
    return rc;
}

/* ---- platform requests ------------------------------------------------------------------------
 */

/* A read's reply: the samples of the points asked for (all when data_ids is empty), by gwif. */
static json_t *values_reply(int64_t id, const sd_gw_samples_t *s, const json_t *data_ids)
{
    sd_ts_sample_t *v = calloc(s->n ? s->n : 1, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        bool want = !json_array_size(data_ids);
        for (size_t k = 0; !want && k < json_array_size(data_ids); k++)
            want = !strcmp(json_string_value(json_array_get(data_ids, k)) ?: "", s->v[i].data_id);
        if (want)
            v[n++] =
                (sd_ts_sample_t){s->v[i].data_id, s->v[i].ts_ms, s->v[i].value, s->v[i].quality};
    }
    sd_gwif_reply_t r = {.id = id, .ok = true, .values = v, .n_values = n};
    json_t *o = sd_gwif_reply_json(&r);
    free(v);
    return o;
}

/* A reply with a result object (taken; NULL: none), by gwif. */
static json_t *result_reply(int64_t id, json_t *result)
{
    sd_gwif_reply_t r = {.id = id, .ok = true, .result = result};
    json_t *o = sd_gwif_reply_json(&r);
    json_decref(result);
    return o;
}

/*
 * schedule (S), params (E), assign (J): S, E and J rewrite every field, so the current setting
 * (R, F, L) is read first in the same call and what the body leaves out is sent back unchanged,
 * as `suidoctl term` does. Returns the reply, NULL with *rc_out for a retry.
 */
static json_t *do_setting(gw_t *g, job_t *j, const sd_gw_device_t *d, sd_line_set_kind_t kind,
                          int *rc_out)
{
    sd_line_settings_t set;
    sd_json_err_t e;
    if (d->model != 2)
        return gw_fail_reply(j->req_id, "refused", "an L3 device has no settings to change");
    if (sd_line_settings_parse(kind, j->req, sd_gwif_request_envelope, &set, &e)) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s: %s", e.field[0] ? e.field : "body", e.message);
        return gw_fail_reply(j->req_id, "refused", msg);
    }
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = calloc(1, sizeof *ans);
    sd_call_t *c = NULL;
    int rc = req && ans ? open_call(g, d, &c) : SD_ENOMEM;
    sd_line_err_t le;
    if (!rc) {
        sd_line_text_init(req, SD_LINE_T_REQ);
        req->u.req.type = sd_line_settings_read_letter(kind);
        req->u.req.time = gw_now(g) / 1000;
        rc = sd_call_request(c, req, ans, NULL, &le);
    }
    if (!rc)
        rc = sd_line_settings_apply(&set, ans, gw_now(g) / 1000, req);
    if (!rc)
        rc = sd_call_request(c, req, ans, NULL, &le);
    if (!rc && ans->type != SD_LINE_T_SHORT)
        rc = SD_EPROTO;
    sd_call_close(c);
    json_t *reply = NULL;
    if (!rc) {
        char ts[40] = "";
        if (ans->u.ans.time != SD_LINE_NO_TIME)
            sd_iso8601_format(ans->u.ans.time, ts, sizeof ts);
        char letter[2] = {ans->u.ans.type, 0};
        reply = result_reply(j->req_id, json_pack("{s:s,s:s,s:s}", "answer", letter, "tel",
                                                  ans->u.ans.tel, "time", ts));
        if (!reply)
            rc = SD_ENOMEM;
    }
    free(req);
    free(ans);
    *rc_out = rc;
    return reply;
}

/* Execute one request; returns the reply (NULL when the job must be retried). */
static json_t *do_request(gw_t *g, job_t *j, const sd_gw_device_t *d, int *rc_out)
{
    /* parsed when it was taken (take_requests): this cannot fail */
    sd_gwif_request_t rq;
    *rc_out = 0;
    if (sd_gwif_request_parse(j->req, &rq, NULL))
        return gw_fail_reply(j->req_id, "refused", "not a GW-IF request");
    if (rq.kind == SD_REQ_MONITOR_START || rq.kind == SD_REQ_MONITOR_STOP) {
        pthread_mutex_lock(&g->mu);
        int k;
        for (k = 0; k < g->n_mon && g->mon[k].id != rq.monitor; k++)
            ;
        bool start = rq.kind == SD_REQ_MONITOR_START;
        if (start && k == g->n_mon && g->n_mon < 256)
            g->n_mon++;
        if (start && k < g->n_mon) {
            monitor_t *m = &g->mon[k];
            json_decref(m->data_ids);
            m->id = rq.monitor;
            snprintf(m->device, sizeof m->device, "%s", d->code);
            m->interval_s = (int)rq.interval_s;
            if (m->interval_s < 10)
                m->interval_s = 10;
            m->data_ids = json_incref((json_t *)(uintptr_t)rq.data_ids);
            m->next_ms = gw_now(g);
            m->queued = false;
        } else if (!start && k < g->n_mon) {
            json_decref(g->mon[k].data_ids);
            g->mon[k] = g->mon[--g->n_mon];
        }
        pthread_mutex_unlock(&g->mu);
        return result_reply(j->req_id, NULL);
    }
    sd_line_set_kind_t set_kind;
    if (!sd_line_settings_kind(sd_req_kind_name(rq.kind), &set_kind))
        return do_setting(g, j, d, set_kind, rc_out);
    if (rq.kind != SD_REQ_READ && rq.kind != SD_REQ_CONTROL)
        return gw_fail_reply(j->req_id, "unsupported",
                             "this gateway does not execute this kind of request yet");
    sd_line_text_t *req = NULL, *ans = NULL;
    if (rq.kind == SD_REQ_CONTROL) {
        if (d->model != 2)
            return gw_fail_reply(j->req_id, "refused", "an L3 device has no outputs");
        int out_no = rq.output_no;
        const sd_gw_output_t *o = sd_gw_dev_output(d, rq.data_id);
        if (o)
            out_no = o->output_no;
        /* ON and OFF at once would be the pair "11", a protocol error at the terminal */
        if (out_no < 1 || out_no > 8)
            return gw_fail_reply(j->req_id, "refused",
                                 "control needs output 1-8 and on or off "
                                 "(pair 11 is never sent)");
        req = calloc(1, sizeof *req);
        if (!req) {
            *rc_out = SD_ENOMEM;
            return NULL;
        }
        sd_line_text_init(req, SD_LINE_T_CTRL);
        req->u.ctrl.time = gw_now(g) / 1000;
        req->u.ctrl.out[out_no - 1] = rq.on ? SD_LINE_OUT_ON : SD_LINE_OUT_OFF;
    }
    sd_call_t *c = NULL;
    int rc = open_call(g, d, &c);
    sd_gw_samples_t s = {0};
    json_t *reply = NULL;
    if (!rc && req) {
        ans = malloc(sizeof *ans);
        sd_line_err_t e;
        rc = ans ? sd_call_request(c, req, ans, NULL, &e) : SD_ENOMEM;
        if (!rc && ans->type != SD_LINE_T_SHORT)
            rc = SD_EPROTO;
    }
    int64_t tt = 0;
    if (!rc)
        rc = d->model == 3 ? read_l3(g, c, d, &s, &tt) : read_v(g, c, d, &s, &tt);
    sd_call_close(c);
    if (!rc && !req) {
        reply = values_reply(j->req_id, &s, rq.data_ids);
        if (!reply)
            rc = SD_ENOMEM;
    } else if (!rc) {
        /* only read replies carry values (docs/gwif.md): a control's read-back goes up as
         * data, and the reply says what was switched */
        int n = 0;
        for (int k = 0; k < 8; k++)
            if (req->u.ctrl.out[k] != SD_LINE_OUT_KEEP)
                n = k + 1;
        reply = result_reply(j->req_id,
                             json_pack("{s:i,s:s,s:I}", "output_no", n, "value",
                                       req->u.ctrl.out[n - 1] == SD_LINE_OUT_ON ? "on" : "off",
                                       "read_back", (json_int_t)s.n));
        if (!reply)
            rc = SD_ENOMEM;
        gw_store(g, &s, NULL, NULL, 0);
    }
    sd_gw_samples_free(&s);
    free(req);
    free(ans);
    *rc_out = rc;
    return reply;
}

/* ---- workers ----------------------------------------------------------------------------------
 */

/* Take the first runnable job whose terminal is free; marks the terminal busy. Under g->mu. */
static job_t *take_job(gw_t *g, int64_t now, int64_t *wake)
{
    *wake = now + 1000;
    for (job_t **p = &g->jobs; *p; p = &(*p)->next) {
        job_t *j = *p;
        if (j->not_before_ms > now) {
            if (j->not_before_ms < *wake)
                *wake = j->not_before_ms;
            continue;
        }
        devstate_t *d = gw_dev_state(g, j->device);
        if (d && d->busy)
            continue;
        *p = j->next;
        if (d) {
            d->busy = true;
            if (j->kind == JOB_POLL)
                d->queued = false;
        }
        return j;
    }
    return NULL;
}

/* d: the job's device in an inventory held for the job, NULL when it has none. */
static void run_job(gw_t *g, job_t *j, const sd_gw_device_t *d)
{
    int64_t now = gw_now(g);
    if (j->kind == JOB_REQUEST) {
        if (!d) {
            gw_reply(g, j->req_id, gw_fail_reply(j->req_id, "unsupported", "unknown device"));
            return;
        }
        if (j->deadline_ms && now > j->deadline_ms) {
            gw_reply(g, j->req_id,
                     gw_fail_reply(j->req_id, j->tries ? "no_answer" : "busy",
                                   "deadline passed before the call could be made"));
            return;
        }
        int rc;
        json_t *reply = do_request(g, j, d, &rc);
        if (!reply) {
            j->tries++;
            int64_t next = now + sd_gw_backoff_ms(j->tries, 1000, 30000);
            if (j->tries < g->retries && (!j->deadline_ms || next < j->deadline_ms)) {
                sd_warn("request %lld to %s: %s, retry %d", (long long)j->req_id, d->code,
                        sd_strerror(rc), j->tries);
                job_t *r = new_job(JOB_REQUEST, j->device);
                if (r) {
                    *r = *j;
                    r->req = json_incref(j->req);
                    r->not_before_ms = next;
                    gw_enqueue(g, r);
                    return;
                }
            }
            char msg[160];
            snprintf(msg, sizeof msg, "%s after %d tries", sd_strerror(rc), j->tries);
            reply = gw_fail_reply(j->req_id, gw_reason(rc), msg);
        }
        gw_reply(g, j->req_id, reply);
        return;
    }
    if (!d)
        return;
    if (j->kind == JOB_MONITOR) {
        sd_call_t *c = NULL;
        int rc = open_call(g, d, &c);
        sd_gw_samples_t s = {0};
        int64_t tt;
        if (!rc)
            rc = d->model == 3 ? read_l3(g, c, d, &s, &tt) : read_v(g, c, d, &s, &tt);
        sd_call_close(c);
        if (!rc)
            gw_store(g, &s, NULL, NULL, 0);
        else
            gw_event(g, "poll_failed", d->code, 3, "periodic monitoring read failed",
                     json_pack("{s:s}", "reason", gw_reason(rc)));
        sd_gw_samples_free(&s);
        pthread_mutex_lock(&g->mu);
        for (int k = 0; k < g->n_mon; k++)
            if (g->mon[k].id == j->req_id)
                g->mon[k].queued = false;
        pthread_mutex_unlock(&g->mu);
        return;
    }
    int rc = poll_device(g, d);
    if (rc == SD_EAGAIN) {
        job_t *r = new_job(JOB_POLL, d->code);
        if (r) {
            r->not_before_ms = sd_gw_x_next_allowed(gw_now(g));
            gw_enqueue(g, r);
        }
        return;
    }
    if (!rc) {
        atomic_fetch_add(&g->polls_ok, 1);
        return;
    }
    j->tries++;
    if (j->tries < g->retries) {
        sd_warn("poll %s: %s, retry %d", d->code, sd_strerror(rc), j->tries);
        job_t *r = new_job(JOB_POLL, d->code);
        if (r) {
            r->tries = j->tries;
            r->not_before_ms = now + sd_gw_backoff_ms(j->tries, 2000, 600000);
            gw_enqueue(g, r);
        }
        return;
    }
    atomic_fetch_add(&g->polls_failed, 1);
    char msg[160];
    snprintf(msg, sizeof msg,
             "%s after %d tries; the next collection back-fills from the "
             "terminal's 96 h buffer",
             sd_strerror(rc), j->tries);
    gw_event(g, "poll_failed", d->code, 3, msg, json_pack("{s:s}", "reason", gw_reason(rc)));
    /* today is given up: mark it so the scheduler waits for tomorrow's slot */
    char dkey[96];
    snprintf(dkey, sizeof dkey, "day.%s", d->code);
    sd_gw_queue_kv_set(g->q, dkey, sd_gw_jst_day_start_ms(now));
}

void *gw_worker_thread(void *arg)
{
    gw_t *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        int64_t wake;
        job_t *j = take_job(g, gw_now(g), &wake);
        if (!j) {
            int64_t wait = wake - gw_now(g);
            if (wait < 10)
                wait = 10;
            if (wait > 1000)
                wait = 1000;
            gw_timedwait(g, &g->cv, wait);
            continue;
        }
        pthread_mutex_unlock(&g->mu);
        gw_invref_t *inv = gw_inv_get(g);
        run_job(g, j, inv ? sd_gw_inv_by_code(inv->inv, j->device) : NULL);
        gw_inv_put(g, inv);
        pthread_mutex_lock(&g->mu);
        devstate_t *d = gw_dev_state(g, j->device);
        if (d)
            d->busy = false;
        pthread_cond_broadcast(&g->cv);
        free_job(j);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* ---- scheduler --------------------------------------------------------------------------------
 */

static void check_l3_reports(gw_t *g, const sd_gw_device_t *d, int64_t now)
{
    int64_t due = sd_gw_l3_last_due(&g->desig, now);
    int64_t started = sd_gw_queue_kv_get(g->q, "first_start", now);
    if (!due || due < started || now < due + (int64_t)g->l3_grace_s * 1000)
        return;
    char k1[96], k2[96];
    snprintf(k1, sizeof k1, "l3x.%s", d->code);
    snprintf(k2, sizeof k2, "l3miss.%s", d->code);
    if (sd_gw_queue_kv_get(g->q, k1, 0) >= due || sd_gw_queue_kv_get(g->q, k2, 0) == due)
        return;
    char when[40], msg[160];
    sd_iso8601_format(due / 1000, when, sizeof when);
    snprintf(msg, sizeof msg, "no scheduled report for the designation due %s", when);
    gw_event(g, "missed_report", d->code, 3, msg, json_pack("{s:s}", "due", when));
    sd_gw_queue_kv_set(g->q, k2, due);
}

void *gw_sched_thread(void *arg)
{
    gw_t *g = arg;
    bool first = true;
    int64_t last_pass = 0;
    while (!g->stop) {
        int64_t now = gw_now(g);
        int64_t today = sd_gw_jst_day_start_ms(now);
        gw_invref_t *ref = gw_inv_get(g);
        const sd_gw_inv_t *inv = ref ? ref->inv : NULL;
        /* terminals are looked at every 10 s: slots are minutes apart, and each look reads
         * the queue's kv table */
        size_t n = inv && (first || now - last_pass >= 10000) ? sd_gw_inv_count(inv) : 0;
        if (n)
            last_pass = now;
        for (size_t i = 0; i < n && !g->stop; i++) {
            const sd_gw_device_t *d = sd_gw_inv_device(inv, i);
            char dkey[96];
            snprintf(dkey, sizeof dkey, "day.%s", d->code);
            bool due = first && g->collect_on_start;
            if (!due && g->daily && sd_gw_queue_kv_get(g->q, dkey, 0) < today)
                due =
                    now >= sd_gw_daily_slot(d->code, today, g->window_start_min, g->window_len_min);
            if (d->model == 3)
                check_l3_reports(g, d, now);
            if (!due)
                continue;
            pthread_mutex_lock(&g->mu);
            devstate_t *st = gw_dev_state(g, d->code);
            bool queued = st && st->queued;
            pthread_mutex_unlock(&g->mu);
            if (queued)
                continue;
            job_t *j = new_job(JOB_POLL, d->code);
            if (j)
                gw_enqueue(g, j);
        }
        gw_inv_put(g, ref);
        /* periodic monitoring */
        pthread_mutex_lock(&g->mu);
        for (int k = 0; k < g->n_mon; k++) {
            monitor_t *m = &g->mon[k];
            if (m->queued || now < m->next_ms)
                continue;
            m->next_ms = now + (int64_t)m->interval_s * 1000;
            job_t *j = new_job(JOB_MONITOR, m->device);
            if (!j)
                continue;
            j->req_id = m->id;
            m->queued = true;
            pthread_mutex_unlock(&g->mu);
            gw_enqueue(g, j);
            pthread_mutex_lock(&g->mu);
        }
        pthread_mutex_unlock(&g->mu);
        first = false;
        sd_gw_sleep(g, 1000);
    }
    return NULL;
}
