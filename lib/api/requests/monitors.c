/* monitors.c - AP-IF #5-7 periodic monitors over HTTP: the routes and the server-sent event
 * streams, which the monitor service (pf/requests/monitor.h) writes through the calls registered
 * here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/accounts/session.h"
#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/requests/monitor.h"

/* ---- the streams, as the service sees them ------------------------------------------------ */

static int stream_write(void *ctx, void *stream, const char *text, size_t len)
{
    (void)ctx;
    return sd_http_stream_write(stream, text, len);
}

static void stream_close(void *ctx, void *stream)
{
    (void)ctx;
    sd_http_stream_close(stream);
}

/* ---- handlers ----------------------------------------------------------------------------- */

static int is_app(const sd_principal_t *p)
{
    return p && p->role == SD_ROLE_APPLICATION;
}

/* The audits the service writes carry this request's id. */
static void audit_as(sd_http_req_t *req)
{
    sd_pf_set_request_id(req ? sd_http_req_id(req) : NULL);
}

/* Load monitor {id} and check the caller may see it: 404 for another tenant's, and for an
 * application, for another principal's. Replies on failure. */
static int load_visible(sd_monitors_t *m, sd_http_req_t *req, sd_monitor_t *r)
{
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return SD_ENOTFOUND;
    int rc = sd_monitor_get(m, id, r);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return rc;
    }
    sd_scope_t sc = {.tenant_id = r->tenant_id};
    if ((rc = sd_api_require_visible(req, SD_ACT_DATA_POLL, SD_ACT_DATA_POLL, &sc))) {
        sd_monitor_free(r);
        return rc;
    }
    const sd_principal_t *who = sd_api_principal(req);
    if (is_app(who) && (strcmp(r->owner_role, "application") || r->owner_id != who->subject_id)) {
        sd_monitor_free(r);
        sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    return 0;
}

/* POST /apif/v1/monitors (#5 定周期監視開始) */
static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    if (sd_api_require(req, SD_ACT_DATA_POLL, &sc))
        return;
    size_t blen;
    const void *body = sd_http_req_body(req, &blen);
    sd_monitor_spec_t spec;
    sd_json_err_t e;
    int rc = sd_monitor_spec_parse(body, blen, &spec, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    json_t *out = NULL;
    audit_as(req);
    rc = sd_monitor_create(m, who, sc.tenant_id, &spec, &out, &e);
    audit_as(NULL);
    sd_monitor_spec_free(&spec);
    if (rc == SD_EFIELD || (rc == SD_ECONFLICT && e.message[0]))
        sd_http_reply_error(req, rc, e.field[0] ? e.field : NULL, "%s", e.message);
    else if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 201, out);
}

/* GET /apif/v1/monitors?state= (#6 定周期監視一覧): an application sees only its own. */
static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    if (sd_api_require(req, SD_ACT_DATA_POLL, &sc))
        return;
    const char *state = sd_http_req_query(req, "state");
    if (state && strcmp(state, "active") && strcmp(state, "stopped")) {
        sd_http_reply_error(req, SD_EFIELD, "state", "must be active or stopped");
        return;
    }
    sd_pf_items_t items;
    int rc = sd_monitor_list(m, sc.tenant_id, state, is_app(who) ? who->subject_id : 0, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_DATA_POLL, &items);
}

/* GET /apif/v1/monitors/{id} (#6) */
static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    sd_monitor_t r;
    if (load_visible(m, req, &r))
        return;
    json_t *o = sd_monitor_json(m, &r);
    sd_monitor_free(&r);
    if (o)
        sd_http_reply_json(req, 200, o);
    else
        sd_api_reply_rc(req, SD_ENOMEM);
}

/* DELETE /apif/v1/monitors/{id} (#7 定周期監視停止) -> 200, state "stopped" */
static void h_stop(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    sd_monitor_t r;
    if (load_visible(m, req, &r))
        return;
    json_t *out = NULL;
    audit_as(req);
    int rc = sd_monitor_stop(m, sd_api_principal(req), &r, &out);
    audit_as(NULL);
    sd_monitor_free(&r);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, out);
}

/* Last-Event-ID (header, or ?last_event_id= for clients that cannot set headers): a cursor. */
static int parse_cursor(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
        return SD_EFIELD;
    *out = strtoll(s, NULL, 10);
    return 0;
}

/* GET /apif/v1/monitors/{id}/events: server-sent events (204 once stopped). */
static void h_events(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    sd_monitor_t r;
    if (load_visible(m, req, &r))
        return;
    if (!r.active) {
        /* 204 tells an EventSource to stop reconnecting */
        sd_monitor_free(&r);
        sd_http_reply_empty(req, 204);
        return;
    }
    int64_t cursor = -1;
    const char *last = sd_http_req_header(req, "Last-Event-ID");
    const char *field = "Last-Event-ID";
    if (!last) {
        last = sd_http_req_query(req, "last_event_id");
        field = "last_event_id";
    }
    if (last && parse_cursor(last, &cursor)) {
        sd_monitor_free(&r);
        sd_http_reply_error(req, SD_EFIELD, field, "expected the id of an event (digits)");
        return;
    }
    int rc = sd_monitor_can_subscribe(m, r.id);
    if (rc) {
        sd_monitor_free(&r);
        if (rc == SD_ECONFLICT)
            sd_http_reply_error(req, SD_ECONFLICT, NULL,
                                "%d event streams are already open on this monitor",
                                SD_MONITOR_SUBS_MAX);
        else
            sd_http_reply_empty(req, 204);
        return;
    }
    const sd_caller_t *caller = sd_session_caller(req);
    sd_monitor_cred_t kind = caller && caller->kind == SD_CALLER_CLIENT ? SD_MONITOR_CRED_TOKEN
                                                                        : SD_MONITOR_CRED_SESSION;
    int64_t cred_id = caller ? caller->session_id : 0;
    sd_http_stream_t *st = NULL;
    sd_http_reply_header(req, "X-Accel-Buffering", "no"); /* proxies must not hold events */
    if (sd_http_reply_stream(req, 200, "text/event-stream", sd_monitors_config(m)->stream_buffer,
                             &st)) {
        sd_monitor_free(&r);
        return;
    }
    char hello[96];
    int hn = snprintf(hello, sizeof hello, "retry: 3000\n: monitor %" PRId64 "\n\n", r.id);
    sd_http_stream_write(st, hello, (size_t)hn);
    /* subscribe before replaying, so nothing stored meanwhile falls between the two */
    if (sd_monitor_subscribe(m, r.id, st, kind, cred_id)) /* stopped meanwhile */
        sd_http_stream_close(st);
    else if (cursor >= 0)
        sd_monitor_replay(m, st, &r, cursor);
    sd_monitor_free(&r);
}

int sd_monitors_routes(sd_http_server_t *http, sd_monitors_t *m)
{
    sd_monitors_set_streams(m,
                            &(sd_monitor_streams_t){.write = stream_write, .close = stream_close});
    struct {
        const char *method, *path;
        sd_http_handler_fn fn;
    } routes[] = {
        {"POST", "/apif/v1/monitors", h_create},
        {"GET", "/apif/v1/monitors", h_list},
        {"GET", "/apif/v1/monitors/{id}", h_get},
        {"DELETE", "/apif/v1/monitors/{id}", h_stop},
        {"GET", "/apif/v1/monitors/{id}/events", h_events},
    };
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof routes / sizeof routes[0]; i++)
        rc = sd_http_route(http, routes[i].method, routes[i].path, routes[i].fn, m, NULL);
    return rc;
}
