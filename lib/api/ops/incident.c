/* incident.c - incidents with status history, linked to alarms and alarm groups. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "api/ops/incident.h"

static const char *const statuses[] = {"open", "investigating", "resolved", "closed"};

static int status_idx(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, statuses[i]))
            return i;
    return -1;
}

int sd_incident_transition(const char *from, const char *to)
{
    /* rows: from open, investigating, resolved, closed; columns: to the same */
    static const char ok[4][4] = {{0, 1, 1, 0}, {0, 0, 1, 0}, {0, 1, 0, 1}, {0, 0, 0, 0}};
    int f = status_idx(from), t = status_idx(to);
    if (f < 0 || t < 0)
        return SD_EFIELD;
    return ok[f][t] ? 0 : SD_ECONFLICT;
}

/* A JSON array of up to 1000 positive ids, re-serialised compactly into *txt (malloc'ed). */
static int id_list(json_t *a, const char *name, char **txt, sd_json_err_t *e)
{
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > 1000)
        return sd_json_err_set(e, name, "expected an array of at most 1000 ids");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            char f[48];
            snprintf(f, sizeof f, "%s[%zu]", name, i);
            return sd_json_err_set(e, f, "expected a positive integer id");
        }
    }
    *txt = json_dumps(a, JSON_COMPACT);
    return *txt ? 0 : SD_ENOMEM;
}

static json_t *incident_json(sd_pf_t *pf, int64_t id, int *rc)
{
    sd_stmt_t *s = NULL;
    *rc = sd_store_query_row(pf->store,
                             "SELECT id, tenant_id, org_id, title, status, created_by, created_at, "
                             "updated_at, alarm_ids, group_ids FROM incidents WHERE id = $1",
                             SD_PARAMS(SD_V_INT(id)), &s);
    if (*rc)
        return NULL;
    json_t *o = sd_pf_row_json(s, "iiissiii--");
    for (int c = 8; o && c < 10; c++) {
        json_t *a = NULL;
        size_t len = 0;
        const char *t = sd_stmt_text(s, c, &len);
        if (sd_json_parse(t, len, &a, NULL) == 0)
            sd_json_set(o, c == 8 ? "alarm_ids" : "group_ids", a);
    }
    sd_stmt_done(s);
    json_t *h = json_array();
    *rc = o && h ? sd_store_query(pf->store,
                                  "SELECT at, by_user, from_status, to_status, note FROM "
                                  "incident_history WHERE incident_id = $1 ORDER BY id",
                                  SD_PARAMS(SD_V_INT(id)), &s)
                 : SD_ENOMEM;
    while (!*rc && (*rc = sd_stmt_next(s)) == 1) {
        *rc = json_array_append_new(h, sd_json_pack("{s:I,s:I,s:s,s:s,s:s}", "at",
                                                    (json_int_t)sd_stmt_int64(s, 0), "by",
                                                    (json_int_t)sd_stmt_int64(s, 1), "from",
                                                    sd_stmt_text(s, 2, NULL), "to",
                                                    sd_stmt_text(s, 3, NULL), "note",
                                                    sd_stmt_text(s, 4, NULL)))
                  ? SD_ENOMEM
                  : 0;
    }
    sd_stmt_done(s);
    if (*rc < 0 || sd_json_set(o, "history", h)) {
        *rc = *rc < 0 ? *rc : SD_ENOMEM;
        json_decref(o);
        return NULL;
    }
    *rc = 0;
    return o;
}

static int reply_incident(sd_http_req_t *req, sd_pf_t *pf, int status, int64_t id)
{
    int rc;
    json_t *o = incident_json(pf, id, &rc);
    return o ? sd_http_reply_json(req, status, o) : sd_api_reply_rc(req, rc);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    const char *ts = sd_http_req_query(req, "tenant_id"), *st = sd_http_req_query(req, "status");
    int64_t tid = ts ? strtoll(ts, NULL, 10) : 0;
    sd_scope_t home = {.tenant_id = tid > 0 ? tid : who ? who->tenant_id : 0,
                       .org_id = who ? who->org_id : 0};
    if (sd_api_require(req, SD_ACT_INCIDENT_READ, &home))
        return;
    if (st && status_idx(st) < 0) {
        sd_http_reply_error(req, SD_EFIELD, "status",
                            "one of open, investigating, resolved, closed");
        return;
    }
    sd_api_visible_t vis = {SD_ACT_INCIDENT_READ, 1, 2, -1};
    sd_api_reply_rows(req, pf->store,
                     "SELECT id, tenant_id, org_id, title, status, created_by, created_at, "
                     "updated_at FROM incidents WHERE (CAST($1 AS BIGINT) = 0 OR tenant_id = $1) "
                     "AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT 500",
                     SD_PARAMS(SD_V_INT(tid > 0 ? tid : 0), SD_V_TEXT(st ? st : "")), "iiissiii",
                     &vis);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    json_t *b = NULL, *alarms = NULL, *groups = NULL;
    if (!who) {
        sd_http_reply_error(req, SD_EUNAUTH, NULL, NULL);
        return;
    }
    if (sd_api_body(req, &b))
        return;
    int64_t tid = who->tenant_id, id = 0;
    const char *title = NULL, *note = "";
    char *at = NULL, *gt = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {
        {"tenant_id", SD_JSON_INT, 0, &tid, 1, INT64_MAX},
        {"title", SD_JSON_STR, SD_JSON_REQ, &title, 1, 200},
        {"alarm_ids", SD_JSON_ARR, 0, &alarms, 0, 0},
        {"group_ids", SD_JSON_ARR, 0, &groups, 0, 0},
        {"note", SD_JSON_STR, 0, &note, 0, 2000},
    };
    int rc = sd_json_fields(b, f, sizeof f / sizeof *f, SD_JSON_STRICT, &e);
    if (!rc)
        rc = id_list(alarms, "alarm_ids", &at, &e);
    if (!rc)
        rc = id_list(groups, "group_ids", &gt, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        goto out;
    }
    sd_scope_t sc = {.tenant_id = tid, .org_id = who->org_id};
    if (sd_api_require(req, SD_ACT_INCIDENT_MANAGE, &sc))
        goto out;
    int64_t now = sd_pf_now_ms(pf);
    rc = sd_store_begin(pf->store);
    if (!rc)
        rc = sd_store_insert(pf->store,
                             "INSERT INTO incidents (tenant_id, org_id, title, status, alarm_ids, "
                             "group_ids, created_by, created_at, updated_at) VALUES ($1, $2, $3, "
                             "'open', $4, $5, $6, $7, $7) RETURNING id",
                             SD_PARAMS(SD_V_INT(tid), SD_V_INT(who->org_id), SD_V_TEXT(title),
                                       SD_V_TEXT(at ? at : "[]"), SD_V_TEXT(gt ? gt : "[]"),
                                       SD_V_INT(who->subject_id), SD_V_INT(now)),
                             &id);
    if (!rc)
        rc = sd_store_exec(pf->store,
                           "INSERT INTO incident_history (incident_id, at, by_user, from_status, "
                           "to_status, note) VALUES ($1, $2, $3, '', 'open', $4)",
                           SD_PARAMS(SD_V_INT(id), SD_V_INT(now), SD_V_INT(who->subject_id),
                                     SD_V_TEXT(note)),
                           NULL);
    char obj[48];
    snprintf(obj, sizeof obj, "incident:%" PRId64, id);
    if (!rc)
        rc = sd_api_audit_req(pf, req, tid, "incident.create", obj, NULL);
    rc = rc ? rc : sd_store_commit(pf->store);
    if (rc) {
        sd_store_rollback(pf->store);
        sd_api_reply_rc(req, rc);
    } else {
        reply_incident(req, pf, 201, id);
    }
out:
    free(at);
    free(gt);
    json_decref(b);
}

/* The path's incident, checked for read_act (404) and act (403); its tenant and status. */
static int load(sd_http_req_t *req, sd_pf_t *pf, sd_action_t act, int64_t *id, int64_t *tid,
                char status[16])
{
    if (sd_api_param_id(req, "id", id))
        return SD_ENOTFOUND;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT tenant_id, org_id, status FROM incidents WHERE id = $1",
                                SD_PARAMS(SD_V_INT(*id)), &s);
    if (rc)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = sd_stmt_int64(s, 0), .org_id = sd_stmt_int64(s, 1)};
    *tid = sc.tenant_id;
    snprintf(status, 16, "%s", sd_stmt_text(s, 2, NULL));
    sd_stmt_done(s);
    return sd_api_require_visible(req, SD_ACT_INCIDENT_READ, act, &sc);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tid;
    char status[16];
    if (!load(req, pf, SD_ACT_INCIDENT_READ, &id, &tid, status))
        reply_incident(req, pf, 200, id);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tid;
    char from[16];
    if (load(req, pf, SD_ACT_INCIDENT_MANAGE, &id, &tid, from))
        return;
    json_t *b = NULL, *alarms = NULL, *groups = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *to = NULL, *note = "", *title = NULL;
    char *at = NULL, *gt = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {
        {"status", SD_JSON_STR, 0, &to, 1, 32},   {"note", SD_JSON_STR, 0, &note, 0, 2000},
        {"title", SD_JSON_STR, 0, &title, 1, 200}, {"alarm_ids", SD_JSON_ARR, 0, &alarms, 0, 0},
        {"group_ids", SD_JSON_ARR, 0, &groups, 0, 0},
    };
    int rc = sd_json_fields(b, f, sizeof f / sizeof *f, SD_JSON_STRICT, &e);
    if (!rc)
        rc = id_list(alarms, "alarm_ids", &at, &e);
    if (!rc)
        rc = id_list(groups, "group_ids", &gt, &e);
    if (!rc && to && status_idx(to) < 0)
        rc = sd_json_err_set(&e, "status", "one of open, investigating, resolved, closed");
    if (!rc && !to && !*note && !title && !at && !gt)
        rc = sd_json_err_set(&e, "", "nothing to change");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        goto out;
    }
    if (!strcmp(from, "closed")) {
        sd_http_reply_error(req, SD_ECONFLICT, "status", "a closed incident does not change");
        goto out;
    }
    if (to && strcmp(to, from) && sd_incident_transition(from, to)) {
        sd_http_reply_error(req, SD_ECONFLICT, "status", "cannot go from %s to %s", from, to);
        goto out;
    }
    const sd_principal_t *who = sd_api_principal(req);
    int64_t now = sd_pf_now_ms(pf);
    const char *nt = to ? to : from;
    rc = sd_store_begin(pf->store);
    if (!rc)
        rc = sd_store_exec(
            pf->store,
            "UPDATE incidents SET status = $1, title = COALESCE($2, title), alarm_ids = "
            "COALESCE($3, alarm_ids), group_ids = COALESCE($4, group_ids), updated_at = $5 "
            "WHERE id = $6",
            SD_PARAMS(SD_V_TEXT(nt), title ? SD_V_TEXT(title) : SD_V_NULL,
                      at ? SD_V_TEXT(at) : SD_V_NULL, gt ? SD_V_TEXT(gt) : SD_V_NULL, SD_V_INT(now),
                      SD_V_INT(id)),
            NULL);
    if (!rc)
        rc = sd_store_exec(pf->store,
                           "INSERT INTO incident_history (incident_id, at, by_user, from_status, "
                           "to_status, note) VALUES ($1, $2, $3, $4, $5, $6)",
                           SD_PARAMS(SD_V_INT(id), SD_V_INT(now), SD_V_INT(who->subject_id),
                                     SD_V_TEXT(from), SD_V_TEXT(nt), SD_V_TEXT(note)),
                           NULL);
    char obj[48], detail[80];
    snprintf(obj, sizeof obj, "incident:%" PRId64, id);
    snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\"}", from, nt);
    if (!rc)
        rc = sd_api_audit_req(pf, req, tid, "incident.update", obj, detail);
    rc = rc ? rc : sd_store_commit(pf->store);
    if (rc) {
        sd_store_rollback(pf->store);
        sd_api_reply_rc(req, rc);
    } else {
        reply_incident(req, pf, 200, id);
    }
out:
    free(at);
    free(gt);
    json_decref(b);
}

int sd_incident_routes(sd_pf_t *pf)
{
    int rc = sd_http_route(pf->http, "GET", "/api/v1/incidents", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/incidents", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/api/v1/incidents/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "PATCH", "/api/v1/incidents/{id}", h_patch, pf, NULL);
    return rc;
}
