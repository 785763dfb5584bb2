/* notify_http.c - HTTP: the notification log, test messages and drills of a contact list. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/notify/contact.h"
#include "pf/notify/notify_int.h"

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0};
    const char *ts = sd_http_req_query(req, "tenant_id"), *ls = sd_http_req_query(req, "limit");
    int64_t tid = ts ? strtoll(ts, NULL, 10) : 0;
    long limit = ls ? strtol(ls, NULL, 10) : 100;
    if (limit < 1 || limit > 1000)
        limit = 100;
    if (tid > 0)
        home.tenant_id = tid;
    if (sd_api_require(req, SD_ACT_CONTACT_READ, &home))
        return;
    sd_api_visible_t vis = {SD_ACT_CONTACT_READ, 1, -1, -1};
    sd_api_reply_rows(req, n->pf->store,
                     "SELECT id, tenant_id, kind, alarm_id, step, rcpt, subject, state, attempts, "
                     "next_at, created_at, sent_at, smtp_code, smtp_result FROM notifications "
                     "WHERE CAST($1 AS BIGINT) = 0 OR tenant_id = $1 ORDER BY id DESC LIMIT $2",
                     SD_PARAMS(SD_V_INT(tid > 0 ? tid : 0), SD_V_INT(limit)), "iisiisssiiiiis",
                     &vis);
}

/* POST /api/v1/notifications/test {"list_id", "order"?, "drill"?} */
static void h_test(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    json_t *b = NULL, *entries = NULL;
    if (sd_api_body(req, &b))
        return;
    int64_t lid = 0, order = 0;
    bool drill = false;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"list_id", SD_JSON_INT, SD_JSON_REQ, &lid, 1, INT64_MAX},
                           {"order", SD_JSON_INT, 0, &order, 1, 9},
                           {"drill", SD_JSON_BOOL, 0, &drill, 0, 0}};
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    json_decref(b);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    sd_stmt_t *s = NULL;
    rc = sd_store_query_row(n->pf->store,
                            "SELECT tenant_id, org_id, status, name, entries FROM contact_lists "
                            "WHERE id = $1",
                            SD_PARAMS(SD_V_INT(lid)), &s);
    if (rc) {
        sd_http_reply_error(req, rc, rc == SD_ENOTFOUND ? "list_id" : NULL, NULL);
        return;
    }
    sd_scope_t sc = {.tenant_id = sd_stmt_int64(s, 0), .org_id = sd_stmt_int64(s, 1)};
    char status[16], name[140];
    snprintf(status, sizeof status, "%s", sd_stmt_text(s, 2, NULL));
    snprintf(name, sizeof name, "%s", sd_stmt_text(s, 3, NULL));
    size_t len = 0;
    const char *txt = sd_stmt_text(s, 4, &len);
    rc = sd_json_parse(txt, len, &entries, NULL);
    sd_stmt_done(s);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require_visible(req, SD_ACT_CONTACT_READ, SD_ACT_CONTACT_SUBMIT, &sc))
        goto out;
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "contact_list:%" PRId64, lid);
    if (drill) {
        /* a drill runs the ladder in force, so only an approved list */
        if (strcmp(status, "approved") != 0) {
            sd_http_reply_error(req, SD_ECONFLICT, "list_id",
                                "a drill needs an approved list (this one is %s)", status);
            goto out;
        }
        int64_t did = 0;
        s = NULL;
        rc = sd_store_query_row(n->pf->store,
                                "SELECT COALESCE(MAX(-alarm_id), 0) + 1 FROM notify_escalations "
                                "WHERE alarm_id < 0",
                                SD_NOPARAMS, &s);
        if (!rc)
            did = sd_stmt_int64(s, 0);
        sd_stmt_done(s);
        char msg[200];
        snprintf(msg, sizeof msg, "通報訓練 (drill) of contact list %s", name);
        sd_alarm_event_t ev = {.alarm_id = -did, .tenant_id = sc.tenant_id,
                               .transition = SD_ALARM_RAISED, .severity = 1,
                               .at_ms = sd_pf_now_ms(n->pf), .facility = "", .device = "",
                               .data_id = "", .message = msg, .by = "", .comment = ""};
        int queued = 0;
        if (!rc)
            rc = sd__notify_raise(n, &ev, lid, entries, &queued);
        snprintf(detail, sizeof detail, "{\"drill_id\":%" PRId64 ",\"queued\":%d}", did, queued);
        if (!rc)
            rc = sd_api_audit_req(n->pf, req, sc.tenant_id, "notify.drill", obj, detail);
        if (rc) {
            sd_api_reply_rc(req, rc);
            goto out;
        }
        sd_notify_wake(n);
        sd_http_reply_json(req, 202, sd_json_pack("{s:I,s:i}", "drill_id", (json_int_t)did,
                                                  "queued", queued));
        goto out;
    }
    char subject[200], body[600];
    snprintf(subject, sizeof subject, "[suido] テストメール (test) %s", name);
    snprintf(body, sizeof body,
             "連絡体制表「%s」のテストメールです。\nThis is a test message of contact list %s.\n"
             "No action is needed.\n",
             name, name);
    json_t *ids = json_array();
    rc = ids ? sd_store_begin(n->pf->store) : SD_ENOMEM;
    size_t i;
    json_t *en;
    json_array_foreach(entries, i, en)
    {
        json_int_t o = json_integer_value(json_object_get(en, "order"));
        const char *to = json_string_value(json_object_get(en, "email"));
        int64_t id = 0;
        if (rc || (order && o != order) || !to)
            continue;
        rc = sd_notify_enqueue(n, sc.tenant_id, "test", 0, (int)o, to, subject, body, &id);
        if (!rc)
            json_array_append_new(ids, json_integer(id));
    }
    snprintf(detail, sizeof detail, "{\"queued\":%zu}", json_array_size(ids));
    if (!rc)
        rc = sd_api_audit_req(n->pf, req, sc.tenant_id, "notify.test", obj, detail);
    rc = rc ? rc : sd_store_commit(n->pf->store);
    if (rc) {
        sd_store_rollback(n->pf->store);
        json_decref(ids);
        sd_api_reply_rc(req, rc);
        goto out;
    }
    sd_notify_wake(n);
    sd_http_reply_json(req, 202, sd_json_pack("{s:o}", "ids", ids));
out:
    json_decref(entries);
}

/* POST /api/v1/notifications/drills/{id}/ack: whoever sees the tenant's lists may answer. */
static void h_drill_ack(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(n->pf->store,
                                "SELECT tenant_id, state FROM notify_escalations "
                                "WHERE alarm_id = $1",
                                SD_PARAMS(SD_V_INT(-id)), &s);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {.tenant_id = sd_stmt_int64(s, 0)};
    char state[16];
    snprintf(state, sizeof state, "%s", sd_stmt_text(s, 1, NULL));
    sd_stmt_done(s);
    if (sd_api_require_visible(req, SD_ACT_CONTACT_READ, SD_ACT_CONTACT_READ, &sc))
        return;
    if (strcmp(state, "active") != 0) {
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "the drill is already %s", state);
        return;
    }
    char obj[48];
    snprintf(obj, sizeof obj, "drill:%" PRId64, id);
    rc = sd_store_begin(n->pf->store);
    if (!rc)
        rc = sd_store_exec(n->pf->store,
                           "UPDATE notify_escalations SET state = 'acked', updated_at = $1 "
                           "WHERE alarm_id = $2",
                           SD_PARAMS(SD_V_INT(sd_pf_now_ms(n->pf)), SD_V_INT(-id)), NULL);
    if (!rc)
        rc = sd_api_audit_req(n->pf, req, sc.tenant_id, "notify.drill_ack", obj, NULL);
    rc = rc ? rc : sd_store_commit(n->pf->store);
    if (rc) {
        sd_store_rollback(n->pf->store);
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:I,s:s}", "drill_id", (json_int_t)id, "state",
                                              "acked"));
}

int sd_notify_routes(sd_notify_t *n)
{
    int rc = sd_http_route(n->pf->http, "GET", "/api/v1/notifications", h_list, n, NULL);
    if (!rc)
        rc = sd_http_route(n->pf->http, "POST", "/api/v1/notifications/test", h_test, n, NULL);
    if (!rc)
        rc = sd_http_route(n->pf->http, "POST", "/api/v1/notifications/drills/{id}/ack",
                           h_drill_ack, n, NULL);
    return rc;
}
