/* requests.c - HTTP of the request service: AP-IF #4 reads, #8 controls, request status;
 * GW-IF 要求データ取得 (long-poll) and replies. docs/gwif.md, docs/openapi.yaml. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "api/requests/inventory.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/master/master.h"
#include "pf/requests/request_int.h"

static int64_t mono_now(const sd_requests_t *r)
{
    return sd_clock_mono_ms(r->pf->clock ? r->pf->clock : sd_clock_system());
}

static int reply_field(sd_http_req_t *req, int rc, const sd_json_err_t *e)
{
    if (rc == SD_EFIELD || rc == SD_ESYNTAX || rc == SD_EENCODING)
        sd_http_reply_error(req, rc, e->field[0] ? e->field : NULL, "%s",
                            e->message[0] ? e->message : sd_strerror(rc));
    else
        sd_api_reply_rc(req, rc);
    return rc;
}

/* ---- answering AP-IF waits ------------------------------------------------------------------- */

static void answer_poll(sd_requests_t *r, waiter_t *w, json_t *items)
{
    int64_t v = 0;
    sd_pf_master_version(r->pf->store, w->tenant_id, &v);
    json_t *o = sd_json_pack("{s:o,s:I}", "requests", items ? items : json_array(),
                             "master_version", (json_int_t)v);
    sd_http_reply_json(w->req, 200, o);
    sd_requests_waiter_free(w);
}

static void answer_apif(sd_requests_t *r, waiter_t *w)
{
    if (w->apif_kind == SD_REQ_CONTROL) {
        json_t *o = NULL;
        int rc = sd_request_json(r, w->ids[0], &o, NULL);
        if (rc) {
            sd_api_reply_rc(w->req, rc);
        } else {
            sd_req_state_t s = SD_REQ_QUEUED;
            sd_req_state_parse(json_string_value(json_object_get(o, "state")), &s);
            sd_http_reply_json(w->req, sd_req_state_final(s) ? 200 : 202, o);
        }
        sd_requests_waiter_free(w);
        return;
    }
    json_t *reqs = json_array(), *byid = json_object(), *values = json_array();
    int all = 1, rc = reqs && byid && values ? 0 : SD_ENOMEM;
    for (size_t i = 0; !rc && i < w->n; i++) {
        sd_req_state_t s = SD_REQ_QUEUED;
        json_t *res = NULL;
        json_t *b = sd_request_brief(r, w->ids[i], &s, &res);
        if (!b || json_array_append_new(reqs, b))
            rc = SD_ENOMEM;
        all &= sd_req_state_final(s);
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(res, "values"), k, v)
        {
            const char *d = json_string_value(json_object_get(v, "data_id"));
            if (d && json_object_set(byid, d, v))
                rc = SD_ENOMEM;
        }
        json_decref(res);
    }
    /* the values in the order the caller named the points; a point the gateway did not
       answer for is left out (its request's state and reason say why) */
    for (size_t i = 0; !rc && i < w->n_data_ids; i++) {
        json_t *v = json_object_get(byid, w->data_ids[i]);
        if (v && json_array_append(values, v))
            rc = SD_ENOMEM;
    }
    json_decref(byid);
    if (rc) {
        json_decref(reqs);
        json_decref(values);
        sd_api_reply_rc(w->req, rc);
    } else if (all) {
        sd_http_reply_json(w->req, 200,
                           sd_json_pack("{s:o,s:o}", "values", values, "requests", reqs));
    } else {
        json_decref(values);
        sd_http_reply_json(w->req, 202, sd_json_pack("{s:o}", "requests", reqs));
    }
    sd_requests_waiter_free(w);
}

/* ---- AP-IF --------------------------------------------------------------------------------------
 */

/* The caller's own tenant, checked for act; replies on failure. */
static int apif_caller(sd_http_req_t *req, sd_action_t act, int64_t *tenant)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, act, &sc);
    *tenant = sc.tenant_id;
    return rc;
}

static int route_or_reply(sd_http_req_t *req, sd_requests_t *r, int64_t tenant, const char *device,
                          const char *field)
{
    int64_t gw;
    int rc = sd_request_route(r, tenant, device, &gw);
    if (rc == SD_ECONFLICT)
        sd_http_reply_error(req, rc, field, "no enabled gateway serves device %s", device);
    else if (rc)
        sd_api_reply_rc(req, rc);
    return rc;
}

/* Answer now (wait 0) or park the waiter until its requests are final or wait runs out. */
static void wait_or_answer(sd_requests_t *r, sd_http_req_t *req, waiter_t *w, int64_t wait_s)
{
    if (wait_s == 0) {
        answer_apif(r, w);
        return;
    }
    w->until_mono = mono_now(r) + wait_s * 1000;
    sd_http_req_defer(req);
    sd_requests_wait(r, w);
}

/* POST /apif/v1/reads (AP-IF #4 即時取得API): one request per device of the named points. */
static void h_reads(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    int64_t tenant;
    if (apif_caller(req, SD_ACT_DATA_POLL, &tenant))
        return;
    json_t *body = NULL;
    if (sd_api_body(req, &body))
        return;
    sd_apif_read_t rd;
    sd_json_err_t e;
    int rc = sd_apif_read_parse(body, &rd, &e);
    if (rc) {
        reply_field(req, rc, &e);
        json_decref(body);
        return;
    }
    waiter_t *w = calloc(1, sizeof *w);
    char(*dev)[80] = calloc(rd.n, sizeof *dev);
    json_t *groups = json_object(); /* device -> {"data_ids":[...]} in first-seen order */
    json_t *order = json_array();
    if (!w || !dev || !groups || !order) {
        rc = SD_ENOMEM;
        sd_api_reply_rc(req, rc);
    }
    for (size_t i = 0; !rc && i < rd.n; i++) {
        char f[32], out[80];
        snprintf(f, sizeof f, "data_ids[%zu]", i);
        rc = sd_request_owner_device(r, tenant, rd.data_ids[i], 0, dev[i], NULL);
        if (rc == SD_ENOTFOUND) {
            int isout = sd_request_owner_device(r, tenant, rd.data_ids[i], 1, out, NULL) == 0;
            sd_http_reply_error(req, SD_EFIELD, f, "%s",
                                isout ? "an output, not a point: set it with POST /apif/v1/controls"
                                      : "no point with this data ID");
            rc = SD_EFIELD;
            break;
        }
        if (rc) {
            sd_api_reply_rc(req, rc);
            break;
        }
        json_t *g = json_object_get(groups, dev[i]);
        if (!g) {
            if ((rc = route_or_reply(req, r, tenant, dev[i], f)) != 0)
                break;
            g = sd_json_pack("{s:[]}", "data_ids");
            if (!g || json_object_set_new(groups, dev[i], g) ||
                json_array_append_new(order, json_string(dev[i]))) {
                rc = SD_ENOMEM;
                sd_api_reply_rc(req, rc);
                break;
            }
        }
        if (json_array_append_new(json_object_get(g, "data_ids"), json_string(rd.data_ids[i]))) {
            rc = SD_ENOMEM;
            sd_api_reply_rc(req, rc);
        }
    }
    size_t nd = order ? json_array_size(order) : 0;
    if (!rc) {
        w->kind = W_APIF;
        w->req = req;
        w->tenant_id = tenant;
        w->apif_kind = SD_REQ_READ;
        w->ids = calloc(nd, sizeof *w->ids);
        w->devices = calloc(nd, sizeof *w->devices);
        w->data_ids = calloc(rd.n, sizeof *w->data_ids);
        if (!w->ids || !w->devices || !w->data_ids)
            rc = SD_ENOMEM;
        for (size_t i = 0; !rc && i < rd.n; i++) {
            if (!(w->data_ids[i] = strdup(rd.data_ids[i])))
                rc = SD_ENOMEM;
            w->n_data_ids = i + 1;
        }
        for (size_t i = 0; !rc && i < nd; i++) {
            const char *d = json_string_value(json_array_get(order, i));
            sd_json_err_t se;
            rc = sd_request_submit_ex(r, sd_api_principal(req), tenant, SD_REQ_READ, d,
                                      json_object_get(groups, d), rd.timeout_s * 1000, &w->ids[i],
                                      &se);
            if (!rc && !(w->devices[i] = strdup(d)))
                rc = SD_ENOMEM;
            if (!rc)
                w->n = i + 1;
            if (rc == SD_EFIELD)
                e = se;
        }
        if (rc) {
            /* earlier devices' requests stay queued: they are real and visible by id */
            reply_field(req, rc, &e);
        }
    }
    json_decref(groups);
    json_decref(order);
    free(dev);
    int64_t wait_s = rd.wait_s;
    sd_apif_read_free(&rd);
    json_decref(body);
    if (rc) {
        sd_requests_waiter_free(w);
        return;
    }
    wait_or_answer(r, req, w, wait_s);
}

/*
 * Submit one request (kind, on device, body taken) for an AP-IF caller and answer it as a
 * control: 200 with the request when final within wait_s, else 202. Replies on failure.
 */
static void submit_one(sd_requests_t *r, sd_http_req_t *req, int64_t tenant, sd_req_kind_t kind,
                       const char *device, json_t *body, int64_t timeout_s, int64_t wait_s)
{
    sd_json_err_t e = {0};
    waiter_t *w = calloc(1, sizeof *w);
    int64_t *ids = calloc(1, sizeof *ids);
    int rc = body && w && ids ? 0 : SD_ENOMEM;
    if (!rc) {
        w->ids = ids;
        ids = NULL;
        w->kind = W_APIF;
        w->req = req;
        w->tenant_id = tenant;
        w->apif_kind = SD_REQ_CONTROL; /* one request, answered like a control */
        rc = sd_request_submit_ex(r, sd_api_principal(req), tenant, kind, device, body,
                                  timeout_s * 1000, &w->ids[0], &e);
        w->n = rc ? 0 : 1;
    }
    free(ids);
    json_decref(body);
    if (rc) {
        reply_field(req, rc, &e);
        sd_requests_waiter_free(w);
        return;
    }
    wait_or_answer(r, req, w, wait_s);
}

/* POST /apif/v1/controls (AP-IF #8 制御値設定API): switch one output on or off. */
static void h_controls(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    int64_t tenant, no = 0;
    if (apif_caller(req, SD_ACT_CONTROL_REQUEST, &tenant))
        return;
    json_t *body = NULL;
    if (sd_api_body(req, &body))
        return;
    sd_apif_control_t c;
    sd_json_err_t e;
    int rc = sd_apif_control_parse(body, &c, &e);
    char dev[80], tmp[80];
    if (rc) {
        reply_field(req, rc, &e);
    } else if ((rc = sd_request_owner_device(r, tenant, c.data_id, 1, dev, &no)) == SD_ENOTFOUND) {
        int ispoint = sd_request_owner_device(r, tenant, c.data_id, 0, tmp, NULL) == 0;
        sd_http_reply_error(req, SD_EFIELD, "data_id", "%s",
                            ispoint ? "a point, not an output: read it with POST /apif/v1/reads"
                                    : "no output with this data ID");
    } else if (rc) {
        sd_api_reply_rc(req, rc);
    } else {
        rc = route_or_reply(req, r, tenant, dev, "data_id");
    }
    json_t *b = rc ? NULL : sd_json_pack("{s:s,s:s}", "data_id", c.data_id, "value", c.value);
    int64_t timeout_s = c.timeout_s, wait_s = c.wait_s;
    json_decref(body); /* c borrows from it */
    if (!rc)
        submit_one(r, req, tenant, SD_REQ_CONTROL, dev, b, timeout_s, wait_s);
}

/*
 * POST /apif/v1/devices/{code}/settings (制御値設定 family: スケジュール設定, 端末パラメータ設定,
 * 入出力割付設定): one schedule (S), params (E) or assign (J) request to the device. Answers as
 * POST /apif/v1/controls: 200 with the request when final within wait, else 202.
 */
static void h_settings(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    int64_t tenant;
    if (apif_caller(req, SD_ACT_CONTROL_REQUEST, &tenant))
        return;
    const char *code = sd_http_req_param(req, "code");
    json_t *body = NULL;
    if (sd_api_body(req, &body))
        return;
    sd_apif_settings_t a;
    sd_json_err_t e;
    int rc = sd_apif_settings_parse(body, &a, &e);
    if (rc) {
        reply_field(req, rc, &e);
    } else if ((rc = sd_request_route(r, tenant, code, &(int64_t){0})) == SD_ENOTFOUND) {
        /* another tenant's device is as unknown as a missing one */
        sd_http_reply_error(req, rc, NULL, "no device %s", code);
    } else if (rc) {
        rc = route_or_reply(req, r, tenant, code, NULL);
    }
    json_t *b = NULL;
    if (!rc && (b = json_deep_copy(body))) {
        /* the stored body is the kind's members only (docs/gwif.md) */
        json_object_del(b, "kind");
        json_object_del(b, "wait");
        json_object_del(b, "timeout");
    }
    int64_t timeout_s = a.timeout_s, wait_s = a.wait_s;
    sd_req_kind_t kind = a.kind;
    json_decref(body);
    if (!rc)
        submit_one(r, req, tenant, kind, code, b, timeout_s, wait_s);
}

/* GET /apif/v1/requests/{id}: kind, device, state, every transition, result. */
static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    int64_t id, tenant = 0;
    if (sd_api_param_id(req, "id", &id))
        return;
    json_t *o = NULL;
    int rc = sd_request_json(r, id, &o, &tenant);
    if (rc == SD_ENOTFOUND) {
        /* still check who asks, so an anonymous caller gets 401, not a hint */
        const sd_principal_t *who = sd_api_principal(req);
        sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
        if (sd_api_require(req, SD_ACT_DATA_POLL, &sc) == 0)
            sd_http_reply_error(req, rc, NULL, "no such request");
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {.tenant_id = tenant};
    if (sd_api_require_visible(req, SD_ACT_DATA_POLL, SD_ACT_DATA_POLL, &sc)) {
        json_decref(o);
        return;
    }
    sd_http_reply_json(req, 200, o);
}

/* GET /apif/v1/requests?state=&limit=: the caller's tenant's requests, newest first. */
static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    int64_t tenant, limit;
    if (apif_caller(req, SD_ACT_DATA_POLL, &tenant))
        return;
    const char *state = sd_http_req_query(req, "state");
    sd_req_state_t s;
    if (state && sd_req_state_parse(state, &s)) {
        sd_http_reply_error(req, SD_EFIELD, "state",
                            "must be queued, sent, succeeded, failed, timed_out or expired");
        return;
    }
    limit = 100;
    if (sd_api_query_int(req, "limit", 1, 1000, &limit))
        return;
    sd_pf_items_t items;
    int rc = sd_request_list(r, tenant, state, limit, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_DATA_POLL, &items);
}

/* ---- GW-IF --------------------------------------------------------------------------------------
 */

/* GET /gwif/v1/requests?wait=N (要求データ取得共通IF): the long-poll. */
static void h_poll(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    sd_gw_info_t gw;
    int64_t wait_s = SD_REQ_DEFAULT_POLL_S;
    if (sd_gw_caller(req, r->pf, &gw) ||
        sd_api_query_int(req, "wait", 0, SD_REQ_MAX_WAIT_S, &wait_s))
        return;
    json_t *items = NULL;
    int rc = sd_requests_take(r, gw.id, SD_REQ_POLL_MAX, &items);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    waiter_t *w = calloc(1, sizeof *w);
    if (!w) {
        json_decref(items);
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    w->kind = W_POLL;
    w->req = req;
    w->gw_id = gw.id;
    w->tenant_id = gw.tenant_id;
    if (json_array_size(items) || wait_s == 0) {
        answer_poll(r, w, items);
        return;
    }
    json_decref(items);
    w->until_mono = mono_now(r) + wait_s * 1000;
    sd_http_req_defer(req);
    sd_requests_wait(r, w);
}

/* POST /gwif/v1/requests/{id}/reply (即時監視・制御値設定 応答). */
static void h_reply(sd_http_req_t *req, void *ctx)
{
    sd_requests_t *r = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_gw_info_t gw;
    if (!who || who->role != SD_ROLE_GATEWAY) {
        sd_http_reply_error(req, who ? SD_EFORBIDDEN : SD_EUNAUTH, NULL,
                            "a gateway's bearer token is required");
        return;
    }
    int rc = sd_gw_info(r->pf->store, who->subject_id, &gw);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {gw.tenant_id, gw.org_id, gw.id};
    int64_t id;
    if (sd_api_require(req, SD_ACT_GWIF_UPLINK, &sc) || sd_api_param_id(req, "id", &id))
        return;
    json_t *body = NULL;
    if (sd_api_body(req, &body))
        return;
    sd_json_err_t e;
    rc = sd_request_reply(r, gw.id, id, body, &e);
    json_decref(body);
    if (rc == SD_ENOTFOUND) {
        sd_http_reply_error(req, rc, NULL, "no request %" PRId64 " for this gateway", id);
    } else if (rc == SD_ECONFLICT) {
        sd_http_reply_error(req, rc, e.field[0] ? e.field : NULL, "%s",
                            e.message[0] ? e.message : "already final with another outcome");
    } else if (rc) {
        reply_field(req, rc, &e);
    } else {
        sd_req_state_t s = SD_REQ_QUEUED;
        json_t *b = sd_request_brief(r, id, &s, NULL);
        if (!b) {
            sd_api_reply_rc(req, SD_ENOMEM);
            return;
        }
        json_object_del(b, "device");
        json_object_del(b, "reason");
        sd_http_reply_json(req, 200, b);
    }
}

int sd_requests_routes(sd_http_server_t *h, sd_requests_t *r)
{
    r->answer_poll = answer_poll;
    r->answer_apif = answer_apif;
    int rc = sd_http_route(h, "GET", "/gwif/v1/inventory", sd_gw_inventory_handler, r->pf, NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/gwif/v1/requests", h_poll, r, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", "/gwif/v1/requests/{id}/reply", h_reply, r, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", "/apif/v1/reads", h_reads, r, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", "/apif/v1/controls", h_controls, r, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", "/apif/v1/devices/{code}/settings", h_settings, r, NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/apif/v1/requests", h_list, r, NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/apif/v1/requests/{id}", h_get, r, NULL);
    return rc;
}
