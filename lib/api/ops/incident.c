/* incident.c - HTTP for incidents (障害状況管理, §2.1 #8): list, open, read, change. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/csv_export.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/ops/incident.h"

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

static int reply_incident(sd_http_req_t *req, sd_pf_t *pf, int status, int64_t id)
{
    json_t *o = NULL;
    int rc = sd_incident_get(pf, id, &o);
    return o ? sd_http_reply_json(req, status, o) : sd_api_reply_rc(req, rc);
}

/* Status names as the CSV shows them: Japanese first. */
static const char *status_label(const char *st)
{
    static const char *const m[][2] = {{"open", "発生 open"},
                                       {"investigating", "対応中 investigating"},
                                       {"resolved", "復旧 resolved"},
                                       {"closed", "完了 closed"}};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (st && !strcmp(st, m[i][0]))
            return m[i][1];
    return st ? st : "";
}

static const sd_api_csv_col_t csv_cols[] = {
    {"id", "ID", SD_API_CSV_INT},
    {"title", "件名 / Title", SD_API_CSV_TEXT},
    {"status_label", "状態 / Status", SD_API_CSV_TEXT},
    {"severity", "重要度 / Severity", SD_API_CSV_INT},
    {"facility", "施設 / Facility", SD_API_CSV_TEXT},
    {"created_by_login", "登録者 / Opened by", SD_API_CSV_TEXT},
    {"created_at", "登録日時(JST) / Opened (JST)", SD_API_CSV_TIME},
    {"updated_at", "更新日時(JST) / Updated (JST)", SD_API_CSV_TIME},
    {"tenant_id", "テナント / Tenant", SD_API_CSV_INT},
};

static void reply_csv(sd_http_req_t *req, int fmt, sd_action_t act, sd_pf_items_t *items)
{
    const sd_principal_t *who = sd_api_principal(req);
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < items->n; i++) {
        if (sd_policy_check(who, act, &items->scopes[i]) != 0)
            continue;
        json_t *r = json_array_get(items->rows, i);
        const char *st = json_string_value(json_object_get(r, "status"));
        if (sd_json_set(r, "status_label", json_string(status_label(st))) ||
            json_array_append(rows, r)) {
            json_decref(rows);
            rows = NULL;
        }
    }
    sd_pf_items_free(items);
    if (!rows) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    sd_api_csv_reply(req, fmt, "incidents.csv", csv_cols, sizeof csv_cols / sizeof *csv_cols, rows);
    json_decref(rows);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    const char *ts = sd_http_req_query(req, "tenant_id"), *st = sd_http_req_query(req, "status");
    int64_t tid = ts ? strtoll(ts, NULL, 10) : 0;
    /* an operator's list is its own tenant's, so that 500 rows of others never crowd it out */
    if (tid <= 0 && who && sd_policy_rule(who->role, SD_ACT_INCIDENT_READ) == SD_SCOPE_TENANT)
        tid = who->tenant_id;
    sd_scope_t home = {.tenant_id = tid > 0 ? tid
                                    : who   ? who->tenant_id
                                            : 0,
                       .org_id = who ? who->org_id : 0};
    if (sd_api_require(req, SD_ACT_INCIDENT_READ, &home))
        return;
    int fmt = sd_api_csv_format(req);
    if (fmt < 0)
        return;
    if (st && sd_incident_status_check(st)) {
        sd_http_reply_error(req, SD_EFIELD, "status",
                            "one of open, investigating, resolved, closed");
        return;
    }
    sd_pf_items_t items;
    int rc = sd_incident_list(pf, tid, st, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else if (fmt)
        reply_csv(req, fmt, SD_ACT_INCIDENT_READ, &items);
    else
        sd_api_reply_items(req, SD_ACT_INCIDENT_READ, &items);
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
    int64_t tid = who->tenant_id, id = 0, severity = 3;
    const char *title = NULL, *note = "", *facility = "", *description = "";
    char *at = NULL, *gt = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {
        {"tenant_id", SD_JSON_INT, 0, &tid, 1, INT64_MAX},
        {"title", SD_JSON_STR, SD_JSON_REQ, &title, 1, 200},
        {"severity", SD_JSON_INT, 0, &severity, 1, 4},
        {"facility", SD_JSON_STR, 0, &facility, 0, 64},
        {"description", SD_JSON_STR, 0, &description, 0, 4000},
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
    /* after the policy check, so ids of a tenant the caller may not touch are not probed */
    if ((rc = sd_incident_refs_check(pf, tid, alarms, groups, &e)) != 0 ||
        (rc = sd_incident_facility_check(pf, tid, facility, &e)) != 0) {
        sd_http_reply_json_error(req, rc, &e);
        goto out;
    }
    sd_incident_new_t n = {.title = title,
                           .severity = severity,
                           .facility = facility,
                           .description = description,
                           .alarm_ids = at,
                           .group_ids = gt,
                           .note = note};
    rc = sd_incident_create(pf, who, tid, &n, &id);
    if (rc) {
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
    sd_scope_t sc;
    int rc = sd_incident_scope(pf, *id, &sc, status);
    if (rc)
        return sd_api_reply_rc(req, rc);
    *tid = sc.tenant_id;
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
        {"status", SD_JSON_STR, 0, &to, 1, 32},       {"note", SD_JSON_STR, 0, &note, 0, 2000},
        {"title", SD_JSON_STR, 0, &title, 1, 200},    {"alarm_ids", SD_JSON_ARR, 0, &alarms, 0, 0},
        {"group_ids", SD_JSON_ARR, 0, &groups, 0, 0},
    };
    int rc = sd_json_fields(b, f, sizeof f / sizeof *f, SD_JSON_STRICT, &e);
    if (!rc)
        rc = id_list(alarms, "alarm_ids", &at, &e);
    if (!rc)
        rc = id_list(groups, "group_ids", &gt, &e);
    if (!rc && to && sd_incident_status_check(to))
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
    if ((rc = sd_incident_refs_check(pf, tid, alarms, groups, &e)) != 0) {
        sd_http_reply_json_error(req, rc, &e);
        goto out;
    }
    const sd_principal_t *who = sd_api_principal(req);
    rc = sd_incident_update(pf, who, tid, id, from, to, title, at, gt, note);
    if (rc) {
        sd_api_reply_rc(req, rc);
    } else {
        reply_incident(req, pf, 200, id);
    }
out:
    free(at);
    free(gt);
    json_decref(b);
}

int sd_incident_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    int rc = sd_http_route(http, "GET", "/api/v1/incidents", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/incidents", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/incidents/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "PATCH", "/api/v1/incidents/{id}", h_patch, pf, NULL);
    return rc;
}
