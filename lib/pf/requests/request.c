/* request.c - requests to gateways: route, queue, deliver (long-poll or push), reply, expire. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/registry/gw_state.h"
#include "pf/master/master.h"
#include "pf/registry/registry.h"
#include "pf/requests/request_int.h"

/* How often the thread looks for requests past their deadline when nothing wakes it. */
#define TICK_MS         250
#define EXPIRE_EVERY_MS 500

json_t *sd_request_time_json(int64_t ms, bool present)
{
    if (!present)
        return json_null();
    char t[40];
    sd_ts_format_time(ms, t, sizeof t);
    return json_string(t);
}

static int64_t mono_ms(const sd_requests_t *r)
{
    return sd_clock_mono_ms(r->pf->clock ? r->pf->clock : sd_clock_system());
}

/* Wake the worker: a request became final (AP-IF waits to check) or time moved. */
static void notify(sd_requests_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->dirty = 1;
    pthread_mutex_unlock(&r->mu);
    sd_worker_wake(r->worker);
}

static int history(sd_store_t *st, int64_t id, const char *state, int64_t at, const char *reason)
{
    return sd_store_exec(
        st,
        "INSERT INTO request_history (request_id, state, at_ms, reason)"
        " VALUES ($1, $2, $3, $4)",
        SD_PARAMS(SD_V_INT(id), SD_V_TEXT(state), SD_V_INT(at), SD_V_TEXT(reason ? reason : "")),
        NULL);
}

/* ---- routing ----------------------------------------------------------------------------------
 */

static int device_row(sd_store_t *st, int64_t tenant_id, const char *code, int64_t *dev_id,
                      char gw_name[130])
{
    sd_pf_master_device_t d;
    int rc = sd_pf_master_device(st, tenant_id, code, &d);
    if (rc)
        return rc;
    *dev_id = d.id;
    snprintf(gw_name, 130, "%s", d.gateway);
    return 0;
}

int sd_request_route(sd_requests_t *r, int64_t tenant_id, const char *device_code, int64_t *gw_id)
{
    sd_store_t *st = r->pf->store;
    int64_t dev;
    char name[130];
    int rc = device_row(st, tenant_id, device_code, &dev, name);
    if (rc)
        return rc;
    /* a named gateway; or, for a device naming none, the tenant's only one (docs/gwif.md) */
    int n = 0;
    rc = sd_registry_pick_gateway(st, tenant_id, name, sd_pf_now_ms(r->pf), gw_id, &n);
    if (rc)
        return rc;
    /* two gateways of the same name share the device: the older registration takes it */
    if (n == 0 || (n > 1 && !name[0]))
        return SD_ECONFLICT;
    return 0;
}

/* ---- submit -----------------------------------------------------------------------------------
 */

/* data_ids (array of strings, may be NULL = all) all points of dev_id, copied into out. */
static int check_points(sd_store_t *st, int64_t tenant_id, int64_t dev_id, const json_t *ids,
                        json_t *out, sd_json_err_t *err)
{
    if (ids && !json_is_array(ids))
        return sd_json_err_set(err, "data_ids", "expected an array");
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        char f[32];
        snprintf(f, sizeof f, "data_ids[%zu]", i);
        if (!json_is_string(v))
            return sd_json_err_set(err, f, "expected a data ID");
        sd_pf_master_data_t pt;
        int rc = sd_pf_master_data(st, tenant_id, json_string_value(v), 0, &pt);
        if (rc == SD_ENOTFOUND)
            return sd_json_err_set(err, f, "no point with this data ID");
        if (rc)
            return rc;
        int64_t d = pt.device_id;
        if (d != dev_id)
            return sd_json_err_set(err, f, "a point of another device");
        if (json_array_append(out, (json_t *)(uintptr_t)v))
            return SD_ENOMEM;
    }
    return 0;
}

/* The stored body of a request of kind for device dev_id: validated and normalised. */
static int normalise_body(sd_store_t *st, int64_t tenant_id, int64_t dev_id, sd_req_kind_t kind,
                          const json_t *body, json_t **out, sd_json_err_t *err)
{
    if (body && !json_is_object(body))
        return sd_json_err_set(err, "", "expected an object");
    json_t *o = json_object();
    if (!o)
        return SD_ENOMEM;
    int rc = 0;
    switch (kind) {
    case SD_REQ_READ:
    case SD_REQ_MONITOR_START: {
        json_t *ids = json_array();
        rc = ids ? check_points(st, tenant_id, dev_id,
                                body ? json_object_get(body, "data_ids") : NULL, ids, err)
                 : SD_ENOMEM;
        if (sd_json_set(o, "data_ids", ids) && !rc)
            rc = SD_ENOMEM;
        if (!rc && kind == SD_REQ_MONITOR_START) {
            int64_t mon = 0, iv = 0;
            sd_json_field_t f[] = {{"monitor", SD_JSON_INT, SD_JSON_REQ, &mon, 1, INT64_MAX},
                                   {"interval_s", SD_JSON_INT, SD_JSON_REQ, &iv, 1, 86400}};
            rc = sd_json_fields(body, f, 2, 0, err);
            if (!rc && (sd_json_set(o, "monitor", json_integer(mon)) ||
                        sd_json_set(o, "interval_s", json_integer(iv))))
                rc = SD_ENOMEM;
        }
        break;
    }
    case SD_REQ_MONITOR_STOP: {
        int64_t mon = 0;
        rc = sd_json_get_int(body, "monitor", SD_JSON_REQ, &mon, err);
        if (!rc && mon < 1)
            rc = sd_json_err_set(err, "monitor", "must be a monitor id");
        if (!rc && sd_json_set(o, "monitor", json_integer(mon)))
            rc = SD_ENOMEM;
        break;
    }
    case SD_REQ_CONTROL: {
        const char *data_id = NULL, *value = NULL;
        sd_json_field_t f[] = {{"data_id", SD_JSON_STR, SD_JSON_REQ, &data_id, 1, 64},
                               {"value", SD_JSON_STR, SD_JSON_REQ, &value, 0, 0}};
        rc = sd_json_fields(body, f, 2, 0, err);
        if (!rc && strcmp(value, "on") && strcmp(value, "off"))
            rc = sd_json_err_set(err, "value", "must be \"on\" or \"off\"");
        sd_pf_master_data_t od;
        if (!rc) {
            rc = sd_pf_master_data(st, tenant_id, data_id, 1, &od);
            if (rc == SD_ENOTFOUND || (!rc && od.device_id != dev_id))
                rc = sd_json_err_set(err, "data_id", "not an output of the device");
        }
        if (!rc) {
            int64_t no = od.output_no;
            if (sd_json_set(o, "data_id", json_string(data_id)) ||
                sd_json_set(o, "output_no", json_integer(no)) ||
                sd_json_set(o, "value", json_string(value)))
                rc = SD_ENOMEM;
        }
        break;
    }
    default: { /* schedule, params, assign: checked here, executed by the gateway */
        sd_line_settings_t set;
        sd_line_set_kind_t lk = kind == SD_REQ_SCHEDULE ? SD_LINE_SET_SCHEDULE
                                : kind == SD_REQ_PARAMS ? SD_LINE_SET_PARAMS
                                                        : SD_LINE_SET_ASSIGN;
        if (!body)
            rc = sd_json_err_set(err, "", "required");
        else
            rc = sd_line_settings_parse(lk, body, NULL, &set, err);
        if (!rc && json_object_update(o, (json_t *)(uintptr_t)body))
            rc = SD_ENOMEM;
        break;
    }
    }
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

typedef struct {
    sd_requests_t *r;
    const sd_principal_t *who;
    int64_t tenant_id, gw_id, now, deadline;
    sd_req_kind_t kind;
    const char *device, *body;
    int64_t id;
} submit_ctx_t;

static int submit_tx(sd_store_t *st, void *arg)
{
    submit_ctx_t *c = arg;
    char actor[48], obj[48], detail[512];
    sd_pf_actor(c->who, actor, sizeof actor);
    int rc = sd_store_insert(
        st,
        "INSERT INTO requests (tenant_id, gw_id, device, kind, body, state, created_ms,"
        " deadline_ms, requested_by) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8)"
        " RETURNING id",
        SD_PARAMS(SD_V_INT(c->tenant_id), SD_V_INT(c->gw_id), SD_V_TEXT(c->device),
                  SD_V_TEXT(sd_req_kind_name(c->kind)), SD_V_TEXT(c->body), SD_V_INT(c->now),
                  SD_V_INT(c->deadline), SD_V_TEXT(actor)),
        &c->id);
    if (!rc)
        rc = history(st, c->id, "queued", c->now, "");
    snprintf(obj, sizeof obj, "request:%" PRId64, c->id);
    json_t *d = sd_json_pack("{s:s,s:s,s:I}", "kind", sd_req_kind_name(c->kind), "device",
                             c->device, "gateway", (json_int_t)c->gw_id);
    if (d && c->kind == SD_REQ_CONTROL) {
        /* which output was switched to what: the audit log answers it without the request */
        json_t *b = json_loads(c->body, 0, NULL);
        json_t *did = json_object_get(b, "data_id"), *val = json_object_get(b, "value");
        if (json_is_string(did) && json_is_string(val) && json_string_length(did) < 128 &&
            json_string_length(val) < 32) {
            json_object_set(d, "data_id", did);
            json_object_set(d, "value", val);
        }
        json_decref(b);
    }
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    snprintf(detail, sizeof detail, "%s", dj ? dj : "");
    free(dj);
    json_decref(d);
    if (!rc)
        rc = sd_pf_audit(c->r->pf, c->who, c->tenant_id, "request.submit", obj, detail);
    return rc;
}

static void serve_polls(sd_requests_t *r, int64_t gw_id);
static void try_push(sd_requests_t *r, int64_t gw_id, int64_t only_id);

int sd_request_submit_ex(sd_requests_t *r, const sd_principal_t *who, int64_t tenant_id,
                         sd_req_kind_t kind, const char *device_code, json_t *body,
                         int64_t timeout_ms, int64_t *id, sd_json_err_t *err)
{
    sd_json_err_t dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);
    if (!r || !device_code || !id || !sd_req_kind_name(kind) || tenant_id <= 0)
        return SD_EINVAL;
    sd_store_t *st = r->pf->store;
    int64_t dev, gw = 0;
    char gwname[130];
    int rc = device_row(st, tenant_id, device_code, &dev, gwname);
    if (!rc)
        rc = sd_request_route(r, tenant_id, device_code, &gw);
    json_t *norm = NULL;
    if (!rc)
        rc = normalise_body(st, tenant_id, dev, kind, body, &norm, err);
    char *bj = NULL;
    if (!rc && !(bj = json_dumps(norm, JSON_COMPACT)))
        rc = SD_ENOMEM;
    json_decref(norm);
    if (rc)
        return rc;
    if (timeout_ms <= 0)
        timeout_ms = SD_REQ_DEFAULT_TIMEOUT_S * 1000;
    submit_ctx_t c = {.r = r,
                      .who = who,
                      .tenant_id = tenant_id,
                      .gw_id = gw,
                      .now = sd_pf_now_ms(r->pf),
                      .kind = kind,
                      .device = device_code,
                      .body = bj};
    c.deadline = c.now + timeout_ms;
    rc = sd_store_tx(st, submit_tx, &c);
    free(bj);
    if (rc)
        return rc;
    *id = c.id;
    pthread_mutex_lock(&r->mu);
    r->gen++;
    pthread_mutex_unlock(&r->mu);
    /* pushed when the gateway is online over MQTT, else a waiting long-poll takes it */
    try_push(r, gw, c.id);
    serve_polls(r, gw);
    return 0;
}

int sd_request_submit(sd_requests_t *r, const sd_principal_t *who, int64_t tenant_id,
                      sd_req_kind_t kind, const char *device_code, json_t *body, int64_t timeout_ms,
                      int64_t *id)
{
    return sd_request_submit_ex(r, who, tenant_id, kind, device_code, body, timeout_ms, id, NULL);
}

/* ---- delivery ----------------------------------------------------------------------------------
 */

/* The request message of docs/gwif.md for request id. */
static int message_json(sd_store_t *st, int64_t id, json_t **out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        st,
        "SELECT id, kind, device, body, created_ms, deadline_ms, tenant_id FROM requests"
        " WHERE id = $1",
        SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    int64_t tenant = sd_stmt_int64(s, 6);
    char device[80], tel[40];
    snprintf(device, sizeof device, "%s", sd_stmt_text(s, 2, NULL));
    /* the device's telephone number, "" when the master no longer has it */
    sd_pf_master_device_t dev;
    tel[0] = 0;
    if (sd_pf_master_device(st, tenant, device, &dev) == 0)
        snprintf(tel, sizeof tel, "%s", dev.tel);
    sd_gwif_request_t m = {.id = sd_stmt_int64(s, 0),
                           .device = device,
                           .tel = tel,
                           .created_ms = sd_stmt_int64(s, 4),
                           .deadline_ms = sd_stmt_int64(s, 5)};
    rc = sd_req_kind_parse(sd_stmt_text(s, 1, NULL), &m.kind);
    json_t *body = json_loads(sd_stmt_text(s, 3, NULL), 0, NULL);
    sd_stmt_done(s);
    if (!rc)
        rc = sd_pf_master_version(st, tenant, &m.master_version);
    /* the GW-IF builder: the envelope, then the stored body's members */
    json_t *o = rc ? NULL : sd_gwif_request_json(&m, json_is_object(body) ? body : NULL);
    json_decref(body);
    if (!rc && !o)
        rc = SD_ENOMEM;
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

typedef struct {
    int64_t gw_id, only_id, now;
    size_t max;
    json_t *items;
} claim_ctx_t;

/* queued -> sent for the gateway's oldest requests (or one of them), messages into items. */
static int claim_tx(sd_store_t *st, void *arg)
{
    claim_ctx_t *c = arg;
    json_array_clear(c->items); /* a retried transaction starts over */
    int64_t ids[SD_REQ_POLL_MAX];
    size_t n = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(
        st,
        "SELECT id FROM requests WHERE gw_id = $1 AND state = 'queued' AND"
        " deadline_ms > $2 AND ($3 = 0 OR id = $3) ORDER BY id LIMIT $4",
        SD_PARAMS(SD_V_INT(c->gw_id), SD_V_INT(c->now), SD_V_INT(c->only_id), SD_V_INT(c->max)),
        &s);
    int k;
    while (!rc && n < c->max && (k = sd_stmt_next(s)) != 0) {
        if (k < 0)
            rc = k;
        else
            ids[n++] = sd_stmt_int64(s, 0);
    }
    sd_stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t ch = 0;
        rc = sd_store_exec(st,
                           "UPDATE requests SET state = 'sent', sent_ms = $2 WHERE id = $1 AND"
                           " state = 'queued'",
                           SD_PARAMS(SD_V_INT(ids[i]), SD_V_INT(c->now)), &ch);
        if (rc || ch != 1)
            continue; /* another poller or the expiry took it */
        rc = history(st, ids[i], "sent", c->now, "");
        json_t *m = NULL;
        if (!rc)
            rc = message_json(st, ids[i], &m);
        if (!rc && json_array_append_new(c->items, m))
            rc = SD_ENOMEM;
    }
    return rc;
}

int sd_requests_take(sd_requests_t *r, int64_t gw_id, size_t max, json_t **items)
{
    *items = NULL;
    if (max == 0 || max > SD_REQ_POLL_MAX)
        max = SD_REQ_POLL_MAX;
    claim_ctx_t c = {.gw_id = gw_id, .now = sd_pf_now_ms(r->pf), .max = max, .items = json_array()};
    if (!c.items)
        return SD_ENOMEM;
    int rc = sd_store_tx(r->pf->store, claim_tx, &c);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    *items = c.items;
    return 0;
}

static int gw_online(sd_store_t *st, int64_t gw_id)
{
    sd_gw_state_t gs;
    return sd_gw_state_get(st, gw_id, &gs) == 0 && gs.online == 1;
}

typedef struct {
    int64_t id, now;
} unsend_ctx_t;

static int unsend_tx(sd_store_t *st, void *arg)
{
    unsend_ctx_t *c = arg;
    int64_t ch = 0;
    int rc = sd_store_exec(st,
                           "UPDATE requests SET state = 'queued', sent_ms = NULL WHERE id = $1"
                           " AND state = 'sent'",
                           SD_PARAMS(SD_V_INT(c->id)), &ch);
    if (!rc && ch == 1)
        rc = history(st, c->id, "queued", c->now, "push_failed");
    return rc;
}

/* A push that failed: back to queued, for the long-poll or the next birth. */
static void unsend(sd_requests_t *r, int64_t id)
{
    unsend_ctx_t c = {.id = id, .now = sd_pf_now_ms(r->pf)};
    int rc = sd_store_tx(r->pf->store, unsend_tx, &c);
    if (rc)
        sd_warn("request %" PRId64 ": not requeued after a failed push: %s", id, sd_strerror(rc));
    pthread_mutex_lock(&r->mu);
    r->gen++;
    pthread_mutex_unlock(&r->mu);
}

/*
 * Push the gateway's queued requests (only_id, or all) when it has a push channel and is online.
 * Marked sent before the publish, so a long-poll cannot take the same request meanwhile (at most
 * once); put back to queued if the publish fails.
 */
static void try_push(sd_requests_t *r, int64_t gw_id, int64_t only_id)
{
    sd_store_t *st = r->pf->store;
    pthread_mutex_lock(&r->push_mu);
    sd_gw_info_t gw;
    if (!r->push || !gw_online(st, gw_id) || sd_gw_info(st, gw_id, &gw) != 0) {
        pthread_mutex_unlock(&r->push_mu);
        return;
    }
    int requeued = 0;
    for (;;) {
        claim_ctx_t c = {.gw_id = gw_id,
                         .only_id = only_id,
                         .now = sd_pf_now_ms(r->pf),
                         .max = SD_REQ_POLL_MAX,
                         .items = json_array()};
        int rc = c.items ? sd_store_tx(st, claim_tx, &c) : SD_ENOMEM;
        size_t n = rc ? 0 : json_array_size(c.items);
        for (size_t i = 0; i < n; i++) {
            json_t *m = json_array_get(c.items, i);
            int64_t id = json_integer_value(json_object_get(m, "id"));
            char *p = json_dumps(m, JSON_COMPACT);
            if (!p || r->push(r->push_ctx, gw.client_id, p, strlen(p)) != 0) {
                unsend(r, id);
                requeued = 1;
            }
            free(p);
        }
        json_decref(c.items);
        if (rc || n < SD_REQ_POLL_MAX || only_id || requeued)
            break;
    }
    pthread_mutex_unlock(&r->push_mu);
    if (requeued)
        serve_polls(r, gw_id);
}

int sd_requests_flush(sd_requests_t *r, int64_t gw_id)
{
    if (!r)
        return SD_EINVAL;
    try_push(r, gw_id, 0);
    return 0;
}

void sd_requests_set_push(sd_requests_t *r, sd_request_push_fn fn, void *ctx)
{
    pthread_mutex_lock(&r->push_mu);
    r->push = fn;
    r->push_ctx = ctx;
    pthread_mutex_unlock(&r->push_mu);
}

/* ---- waiters -----------------------------------------------------------------------------------
 */

void sd_requests_waiter_free(waiter_t *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->devices ? w->devices[i] : NULL);
    for (size_t i = 0; i < w->n_data_ids; i++)
        free(w->data_ids[i]);
    free(w->devices);
    free(w->data_ids);
    free(w->ids);
    free(w);
}

/* Answer through the api layer's hooks; with none (no HTTP server, unit tests) just drop. */
static void answer_poll(sd_requests_t *r, waiter_t *w, json_t *items)
{
    if (r->answer_poll)
        r->answer_poll(r, w, items);
    else {
        json_decref(items);
        sd_requests_waiter_free(w);
    }
}

static void answer_apif(sd_requests_t *r, waiter_t *w)
{
    if (r->answer_apif)
        r->answer_apif(r, w);
    else
        sd_requests_waiter_free(w);
}

static waiter_t *unlink_poll(sd_requests_t *r, int64_t gw_id)
{
    for (waiter_t **pp = &r->polls; *pp; pp = &(*pp)->next) {
        if ((*pp)->gw_id == gw_id) {
            waiter_t *w = *pp;
            *pp = w->next;
            w->next = NULL;
            return w;
        }
    }
    return NULL;
}

/*
 * Answer the gateway's waiting long-polls while it has queued requests. A waiter that finds
 * nothing goes back, unless a request was queued meanwhile (gen moved): its submitter may have
 * looked for waiters while this one was out of the list, so look again.
 */
static void serve_polls(sd_requests_t *r, int64_t gw_id)
{
    waiter_t *w = NULL;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        if (!w)
            w = unlink_poll(r, gw_id);
        uint64_t g = r->gen;
        pthread_mutex_unlock(&r->mu);
        if (!w)
            break;
        json_t *items = NULL;
        int rc = sd_requests_take(r, gw_id, SD_REQ_POLL_MAX, &items);
        if (rc)
            sd_warn("requests of gateway %" PRId64 " not handed out: %s", gw_id, sd_strerror(rc));
        if (items && json_array_size(items)) {
            answer_poll(r, w, items);
            w = NULL;
            continue;
        }
        json_decref(items);
        pthread_mutex_lock(&r->mu);
        if (r->gen != g && !r->quiesced && !rc) {
            pthread_mutex_unlock(&r->mu);
            continue;
        }
        int answer = r->quiesced;
        if (!answer) {
            w->next = r->polls;
            r->polls = w;
        }
        pthread_mutex_unlock(&r->mu);
        if (answer)
            answer_poll(r, w, NULL);
        break;
    }
}

void sd_requests_wait(sd_requests_t *r, waiter_t *w)
{
    pthread_mutex_lock(&r->mu);
    int now = r->quiesced;
    if (!now) {
        waiter_t **list = w->kind == W_POLL ? &r->polls : &r->apif;
        w->next = *list;
        *list = w;
        if (w->kind == W_APIF) /* its requests may be final already */
            r->dirty = 1;
    }
    pthread_mutex_unlock(&r->mu);
    if (!now)
        sd_worker_wake(r->worker);
    if (now) {
        if (w->kind == W_POLL)
            answer_poll(r, w, NULL);
        else
            answer_apif(r, w);
    } else if (w->kind == W_POLL) {
        serve_polls(r, w->gw_id);
    }
}

/* All requests of an AP-IF waiter final? -1 on a store error. */
static int all_final(sd_requests_t *r, const waiter_t *w)
{
    for (size_t i = 0; i < w->n; i++) {
        sd_stmt_t *s = NULL;
        int rc = sd_store_query_row(r->pf->store, "SELECT state FROM requests WHERE id = $1",
                                    SD_PARAMS(SD_V_INT(w->ids[i])), &s);
        if (rc)
            return -1;
        sd_req_state_t st = SD_REQ_QUEUED;
        sd_req_state_parse(sd_stmt_text(s, 0, NULL), &st);
        sd_stmt_done(s);
        if (!sd_req_state_final(st))
            return 0;
    }
    return 1;
}

/* ---- expiry and timeouts ----------------------------------------------------------------------
 */

typedef struct {
    int64_t now;
    int changed;
} tick_ctx_t;

static int tick_tx(sd_store_t *st, void *arg)
{
    tick_ctx_t *c = arg;
    c->changed = 0;
    int64_t ids[256];
    int sent[256];
    size_t n = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(st,
                            "SELECT id, state FROM requests WHERE state IN ('queued', 'sent') AND"
                            " deadline_ms <= $1 ORDER BY id LIMIT 256",
                            SD_PARAMS(SD_V_INT(c->now)), &s);
    int k;
    while (!rc && n < 256 && (k = sd_stmt_next(s)) != 0) {
        if (k < 0) {
            rc = k;
            break;
        }
        ids[n] = sd_stmt_int64(s, 0);
        sent[n++] = !strcmp(sd_stmt_text(s, 1, NULL), "sent");
    }
    sd_stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++) {
        /* queued past the deadline: no gateway took it; sent: taken but never answered */
        const char *to = sent[i] ? "timed_out" : "expired", *why = sent[i] ? "timeout" : "expired";
        int64_t ch = 0;
        rc = sd_store_exec(st,
                           "UPDATE requests SET state = $2, finished_ms = $3, reason = $4 WHERE"
                           " id = $1 AND state = $5",
                           SD_PARAMS(SD_V_INT(ids[i]), SD_V_TEXT(to), SD_V_INT(c->now),
                                     SD_V_TEXT(why), SD_V_TEXT(sent[i] ? "sent" : "queued")),
                           &ch);
        if (!rc && ch == 1) {
            rc = history(st, ids[i], to, c->now, why);
            c->changed++;
        }
    }
    return rc;
}

int sd_requests_tick(sd_requests_t *r)
{
    int total = 0;
    for (;;) {
        tick_ctx_t c = {.now = sd_pf_now_ms(r->pf)};
        int rc = sd_store_tx(r->pf->store, tick_tx, &c);
        if (rc)
            return rc;
        total += c.changed;
        if (c.changed < 256)
            break;
    }
    if (total)
        notify(r);
    return total;
}

/* Answer the AP-IF waiters whose requests are all final or whose wait ran out. */
static void check_apif(sd_requests_t *r, int64_t now)
{
    pthread_mutex_lock(&r->mu);
    waiter_t *list = r->apif;
    r->apif = NULL;
    int q = r->quiesced;
    pthread_mutex_unlock(&r->mu);
    waiter_t *keep = NULL;
    while (list) {
        waiter_t *w = list;
        list = w->next;
        w->next = NULL;
        int af = q || now >= w->until_mono ? 1 : all_final(r, w);
        if (af != 0) {
            answer_apif(r, w);
        } else {
            w->next = keep;
            keep = w;
        }
    }
    pthread_mutex_lock(&r->mu);
    while (keep) {
        waiter_t *w = keep;
        keep = w->next;
        w->next = r->apif;
        r->apif = w;
    }
    pthread_mutex_unlock(&r->mu);
}

/* Long-polls whose wait ran out: an empty answer. */
static void expire_polls(sd_requests_t *r, int64_t now, int all)
{
    waiter_t *done = NULL;
    pthread_mutex_lock(&r->mu);
    for (waiter_t **pp = &r->polls; *pp;) {
        waiter_t *w = *pp;
        if (all || now >= w->until_mono) {
            *pp = w->next;
            w->next = done;
            done = w;
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&r->mu);
    while (done) {
        waiter_t *w = done;
        done = w->next;
        answer_poll(r, w, NULL);
    }
}

/*
 * The worker, every TICK_MS or when woken: the expiry pass (when something changed, or every
 * EXPIRE_EVERY_MS), then the long-polls and AP-IF waits that are due. Runs without the worker's
 * lock, so notify() never waits for the store.
 */
static int64_t worker_tick(void *ctx, int stopping)
{
    sd_requests_t *r = ctx;
    if (stopping) {
        sd_store_release(r->pf->store);
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    int dirty = r->dirty;
    r->dirty = 0;
    pthread_mutex_unlock(&r->mu);
    sd_worker_unlock(r->worker);
    int64_t now = mono_ms(r);
    if (dirty || now - r->last_expiry >= EXPIRE_EVERY_MS) {
        r->last_expiry = now;
        int rc = sd_requests_tick(r);
        if (rc < 0)
            sd_warn("requests: expiry pass failed: %s (%s)", sd_strerror(rc), sd_store_errmsg());
    }
    expire_polls(r, now, 0);
    check_apif(r, now);
    sd_store_release(r->pf->store);
    sd_worker_lock(r->worker);
    return TICK_MS;
}

/* ---- replies -----------------------------------------------------------------------------------
 */

typedef struct {
    sd_requests_t *r;
    int64_t gw_id, id, now;
    const sd_gwif_reply_t *rep;
    const char *result; /* JSON text of the result to store */
    int same;           /* already final with this outcome */
    sd_json_err_t *err;
} reply_ctx_t;

static int reply_tx(sd_store_t *st, void *arg)
{
    reply_ctx_t *c = arg;
    c->same = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT gw_id, state, reason, tenant_id FROM requests WHERE"
                                " id = $1",
                                SD_PARAMS(SD_V_INT(c->id)), &s);
    if (rc)
        return rc;
    int64_t gw = sd_stmt_int64(s, 0), tenant = sd_stmt_int64(s, 3);
    sd_req_state_t state = SD_REQ_QUEUED;
    sd_req_state_parse(sd_stmt_text(s, 1, NULL), &state);
    char reason[40];
    snprintf(reason, sizeof reason, "%s", sd_stmt_text(s, 2, NULL));
    sd_stmt_done(s);
    if (gw != c->gw_id)
        return SD_ENOTFOUND;
    if (sd_req_state_final(state)) {
        /* the same reply again (a retry after a lost answer) is fine; another outcome is not */
        if ((c->rep->ok && state == SD_REQ_SUCCEEDED) ||
            (!c->rep->ok && state == SD_REQ_FAILED && !strcmp(reason, c->rep->reason))) {
            c->same = 1;
            return 0;
        }
        sd_json_err_set(c->err, "ok", "request already %s", sd_req_state_name(state));
        return SD_ECONFLICT;
    }
    const char *to = c->rep->ok ? "succeeded" : "failed";
    rc = sd_store_exec(st,
                       "UPDATE requests SET state = $2, finished_ms = $3, reason = $4,"
                       " message = $5, result = $6, sent_ms = COALESCE(sent_ms, $3)"
                       " WHERE id = $1",
                       SD_PARAMS(SD_V_INT(c->id), SD_V_TEXT(to), SD_V_INT(c->now),
                                 SD_V_TEXT(c->rep->reason ? c->rep->reason : ""),
                                 SD_V_TEXT(c->rep->message ? c->rep->message : ""),
                                 SD_V_TEXT(c->result)),
                       NULL);
    if (!rc)
        rc = history(st, c->id, to, c->now, c->rep->reason);
    if (!rc) {
        sd_principal_t gwp = {.role = SD_ROLE_GATEWAY, .subject_id = c->gw_id, .tenant_id = tenant};
        char obj[48], detail[64];
        snprintf(obj, sizeof obj, "request:%" PRId64, c->id);
        snprintf(detail, sizeof detail, "{\"state\":\"%s\"}", to);
        rc = sd_pf_audit(c->r->pf, &gwp, tenant, "request.reply", obj, detail);
    }
    return rc;
}

/* The request's tenant, kind, device and state, for checks before the transaction. */
static int request_head(sd_store_t *st, int64_t id, int64_t *gw, int64_t *tenant,
                        sd_req_kind_t *kind, char device[80], sd_req_state_t *state)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT gw_id, tenant_id, kind, device, state FROM requests"
                                " WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    *gw = sd_stmt_int64(s, 0);
    *tenant = sd_stmt_int64(s, 1);
    sd_req_kind_parse(sd_stmt_text(s, 2, NULL), kind);
    snprintf(device, 80, "%s", sd_stmt_text(s, 3, NULL));
    sd_req_state_parse(sd_stmt_text(s, 4, NULL), state);
    sd_stmt_done(s);
    return 0;
}

int sd_request_reply(sd_requests_t *r, int64_t gw_id, int64_t id, json_t *reply, sd_json_err_t *err)
{
    sd_json_err_t dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);
    if (!r || !reply)
        return SD_EINVAL;
    sd_store_t *st = r->pf->store;
    sd_gwif_reply_t rep;
    int rc = sd_gwif_reply_parse(reply, &rep, err);
    if (rc)
        return rc;
    if (rep.id && rep.id != id) {
        sd_gwif_reply_free(&rep);
        return sd_json_err_set(err, "id", "does not match the request replied to");
    }
    int64_t gw = 0, tenant = 0;
    sd_req_kind_t kind = SD_REQ_READ;
    sd_req_state_t state = SD_REQ_QUEUED;
    char device[80];
    rc = request_head(st, id, &gw, &tenant, &kind, device, &state);
    if (!rc && gw != gw_id)
        rc = SD_ENOTFOUND; /* not this gateway's: as if it did not exist */
    if (!rc && rep.n_values && kind != SD_REQ_READ)
        rc = sd_json_err_set(err, "values", "only in replies to reads");
    /* values: points of the request's device, then stored (idempotent) before the state moves */
    for (size_t i = 0; !rc && i < rep.n_values; i++) {
        sd_pf_master_data_t pt;
        int q = sd_pf_master_data(st, tenant, rep.values[i].data_id, 0, &pt);
        char f[40];
        snprintf(f, sizeof f, "values[%zu].data_id", i);
        if (q == SD_ENOTFOUND)
            rc = sd_json_err_set(err, f, "no point with this data ID");
        else if (q)
            rc = q;
        else if (strcmp(pt.device, device) != 0)
            rc = sd_json_err_set(err, f, "a point of another device than the request's");
    }
    int64_t now = sd_pf_now_ms(r->pf);
    if (!rc)
        rc = sd_gwif_samples_window(rep.values, rep.n_values, "values", now, NULL, err);
    int final_already = sd_req_state_final(state);
    if (!rc && rep.n_values && !final_already) {
        size_t bad = 0;
        rc = sd_ts_ingest(r->pf, tenant, gw_id, rep.values, rep.n_values, &bad);
        if (rc == SD_EFIELD) {
            char f[40];
            snprintf(f, sizeof f, "values[%zu]", bad);
            sd_json_err_set(err, f, "refused by the store");
        }
    }
    /* the result kept for the requester: read values as stored, or the gateway's result */
    char *res = NULL;
    if (!rc) {
        json_t *o = NULL;
        if (kind == SD_REQ_READ) {
            json_t *a = json_array();
            for (size_t i = 0; a && i < rep.n_values; i++) {
                const sd_ts_sample_t *v = &rep.values[i];
                json_t *e = sd_json_pack("{s:s,s:o,s:f,s:s}", "data_id", v->data_id, "ts",
                                         sd_request_time_json(v->ts_ms, true), "value", v->value,
                                         "quality", sd_ts_quality_name(v->quality));
                if (!e || json_array_append_new(a, e)) {
                    json_decref(a);
                    a = NULL;
                }
            }
            o = a ? sd_json_pack("{s:o}", "values", a) : NULL;
        } else {
            o = rep.result ? json_deep_copy(rep.result) : json_object();
        }
        res = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!res)
            rc = SD_ENOMEM;
    }
    if (!rc) {
        reply_ctx_t c = {.r = r,
                         .gw_id = gw_id,
                         .id = id,
                         .now = now,
                         .rep = &rep,
                         .result = rep.ok ? res : "",
                         .err = err};
        rc = sd_store_tx(st, reply_tx, &c);
        if (!rc && !c.same)
            notify(r);
    }
    free(res);
    sd_gwif_reply_free(&rep);
    return rc;
}

/* ---- reading a request -------------------------------------------------------------------------
 */

int sd_request_json(sd_requests_t *r, int64_t id, json_t **out, int64_t *tenant_id)
{
    sd_store_t *st = r->pf->store;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        st,
        "SELECT id, tenant_id, kind, device, state, created_ms, sent_ms, finished_ms,"
        " deadline_ms, reason, message, result, requested_by, body, gw_id FROM requests"
        " WHERE id = $1",
        SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    if (tenant_id)
        *tenant_id = sd_stmt_int64(s, 1);
    json_t *res = NULL, *body = json_loads(sd_stmt_text(s, 13, NULL), 0, NULL);
    const char *rt = sd_stmt_text(s, 11, NULL);
    if (rt && rt[0])
        res = json_loads(rt, 0, NULL);
    json_t *o = sd_json_pack(
        "{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:I,s:o}", "id",
        (json_int_t)sd_stmt_int64(s, 0), "kind", sd_stmt_text(s, 2, NULL), "device",
        sd_stmt_text(s, 3, NULL), "state", sd_stmt_text(s, 4, NULL), "created",
        sd_request_time_json(sd_stmt_int64(s, 5), true), "sent",
        sd_request_time_json(sd_stmt_int64(s, 6), !sd_stmt_is_null(s, 6)), "finished",
        sd_request_time_json(sd_stmt_int64(s, 7), !sd_stmt_is_null(s, 7)), "deadline",
        sd_request_time_json(sd_stmt_int64(s, 8), true), "reason", sd_stmt_text(s, 9, NULL),
        "message", sd_stmt_text(s, 10, NULL), "requested_by", sd_stmt_text(s, 12, NULL), "gateway",
        (json_int_t)sd_stmt_int64(s, 14), "result", res ? res : json_null());
    sd_stmt_done(s);
    rc = o ? 0 : SD_ENOMEM;
    if (!rc && json_is_object(body)) {
        const char *k;
        json_t *v;
        json_object_foreach(body, k, v)
        {
            if (!json_object_get(o, k) && json_object_set(o, k, v))
                rc = SD_ENOMEM;
        }
    }
    json_decref(body);
    json_t *h = json_array();
    if (!rc)
        rc = h ? sd_store_query(st,
                                "SELECT state, at_ms, reason FROM request_history WHERE"
                                " request_id = $1 ORDER BY id",
                                SD_PARAMS(SD_V_INT(id)), &s)
               : SD_ENOMEM;
    int k;
    while (!rc && (k = sd_stmt_next(s)) != 0) {
        if (k < 0) {
            rc = k;
            break;
        }
        json_t *e = sd_json_pack("{s:s,s:o,s:s}", "state", sd_stmt_text(s, 0, NULL), "at",
                                 sd_request_time_json(sd_stmt_int64(s, 1), true), "reason",
                                 sd_stmt_text(s, 2, NULL));
        if (!e || json_array_append_new(h, e))
            rc = SD_ENOMEM;
    }
    if (!rc)
        sd_stmt_done(s);
    if (!rc && sd_json_set(o, "history", h))
        rc = SD_ENOMEM;
    else if (rc)
        json_decref(h);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- lookups for the AP-IF handlers ------------------------------------------------------------
 */

int sd_request_owner_device(sd_requests_t *r, int64_t tenant, const char *data_id, int outputs,
                            char code[80], int64_t *output_no)
{
    sd_pf_master_data_t d;
    int rc = sd_pf_master_data(r->pf->store, tenant, data_id, outputs, &d);
    if (rc)
        return rc;
    snprintf(code, 80, "%s", d.device);
    if (output_no)
        *output_no = d.output_no;
    return 0;
}

json_t *sd_request_brief(sd_requests_t *r, int64_t id, sd_req_state_t *state, json_t **result)
{
    sd_stmt_t *s = NULL;
    if (sd_store_query_row(r->pf->store,
                           "SELECT device, state, reason, result FROM requests WHERE id = $1",
                           SD_PARAMS(SD_V_INT(id)), &s) != 0)
        return NULL;
    sd_req_state_parse(sd_stmt_text(s, 1, NULL), state);
    const char *res = sd_stmt_text(s, 3, NULL);
    if (result)
        *result = res && res[0] ? json_loads(res, 0, NULL) : NULL;
    json_t *o =
        sd_json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "device", sd_stmt_text(s, 0, NULL),
                     "state", sd_stmt_text(s, 1, NULL), "reason", sd_stmt_text(s, 2, NULL));
    sd_stmt_done(s);
    return o;
}

int sd_request_list(sd_requests_t *r, int64_t tenant, const char *state, int64_t limit,
                    sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(
        r->pf->store,
        "SELECT id, kind, device, state, created_ms, finished_ms, reason,"
        " requested_by FROM requests WHERE tenant_id = $1 AND ($2 = '' OR"
        " state = $2) ORDER BY id DESC LIMIT $3",
        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(state ? state : ""), SD_V_INT(limit)), &q);
    if (rc)
        return rc;
    out->rows = json_array();
    if (!out->rows)
        rc = SD_ENOMEM;
    int k;
    while (!rc && (k = sd_stmt_next(q)) != 0) {
        if (k < 0) {
            rc = k;
            break;
        }
        json_t *o = sd_json_pack(
            "{s:I,s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "id", (json_int_t)sd_stmt_int64(q, 0), "kind",
            sd_stmt_text(q, 1, NULL), "device", sd_stmt_text(q, 2, NULL), "state",
            sd_stmt_text(q, 3, NULL), "created", sd_request_time_json(sd_stmt_int64(q, 4), true),
            "finished", sd_request_time_json(sd_stmt_int64(q, 5), !sd_stmt_is_null(q, 5)), "reason",
            sd_stmt_text(q, 6, NULL), "requested_by", sd_stmt_text(q, 7, NULL));
        if ((rc = sd_pf_items_add(out, o, (sd_scope_t){.tenant_id = tenant})) != 0)
            break;
    }
    sd_stmt_done(q);
    if (rc) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------------------------------
 */

int sd_requests_start(sd_pf_t *pf, sd_requests_t **out)
{
    *out = NULL;
    sd_requests_t *r = calloc(1, sizeof *r);
    if (!r)
        return SD_ENOMEM;
    r->pf = pf;
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->push_mu, NULL);
    /* under mu: the first round takes it before it uses r->worker, which is set by then */
    pthread_mutex_lock(&r->mu);
    int rc = sd_worker_start("requests", worker_tick, r, &r->worker);
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        pthread_mutex_destroy(&r->mu);
        pthread_mutex_destroy(&r->push_mu);
        free(r);
        return rc;
    }
    pf->requests = r;
    *out = r;
    return 0;
}

void sd_requests_quiesce(sd_requests_t *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->quiesced = 1;
    pthread_mutex_unlock(&r->mu);
    expire_polls(r, 0, 1);
    check_apif(r, INT64_MAX);
    sd_store_release(r->pf->store);
}

void sd_requests_stop(sd_requests_t *r)
{
    if (!r)
        return;
    sd_requests_quiesce(r);
    sd_worker_stop(r->worker);
    /* anything parked after the quiesce (a handler racing the stop) still gets its answer */
    sd_requests_quiesce(r);
    if (r->pf->requests == r)
        r->pf->requests = NULL;
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->push_mu);
    free(r);
}
