/* alarms.c - HTTP: alarms, alarm groups, facility state, events, alarm settings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/csv_export.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/alarms/alarm.h"
#include "pf/alarms/console.h"
#include "pf/alarms/event.h"
#include "pf/data/ts.h"

#define LIST_DEFAULT 200
#define LIST_MAX     1000
#define COMMENT_MAX  512

/* The caller's own tenant, checked for act; replies on refusal. */
static int own_tenant(sd_http_req_t *req, sd_action_t act, int64_t *tenant)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, act, &sc);
    if (!rc)
        *tenant = sc.tenant_id;
    return rc;
}

/* ---- GET /api/v1/alarms, /apif/v1/alarms ------------------------------------------------------
 */

/* The alarm list as CSV (format=csv): the console's columns, Japanese first, times in JST. */
static const sd_api_csv_col_t csv_cols[] = {
    {"id", "ID", SD_API_CSV_INT},
    {"raised_at", "発生日時(JST) / Raised (JST)", SD_API_CSV_TIME},
    {"severity", "重要度 / Severity", SD_API_CSV_INT},
    {"state", "状態 / State", SD_API_CSV_TEXT},
    {"facility", "施設コード / Facility code", SD_API_CSV_TEXT},
    {"facility_name", "施設名 / Facility", SD_API_CSV_TEXT},
    {"device", "機器 / Device", SD_API_CSV_TEXT},
    {"data_id", "データID / Data id", SD_API_CSV_TEXT},
    {"name", "名称 / Name", SD_API_CSV_TEXT},
    {"message", "内容 / Message", SD_API_CSV_TEXT},
    {"acked_at", "確認日時(JST) / Acknowledged (JST)", SD_API_CSV_TIME},
    {"acked_by", "確認者 / Acknowledged by", SD_API_CSV_TEXT},
    {"returned_at", "復帰日時(JST) / Returned (JST)", SD_API_CSV_TIME},
    {"cleared_at", "解除日時(JST) / Cleared (JST)", SD_API_CSV_TIME},
    {"group_id", "グループ / Group", SD_API_CSV_INT},
};

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, limit = LIST_DEFAULT, sev = 4, after = -1;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    int fmt = sd_api_csv_format(req);
    if (fmt < 0)
        return;
    if (fmt)
        limit = LIST_MAX; /* an export is the whole list the filters give, not one screen */
    if (sd_api_query_int(req, "limit", 1, LIST_MAX, &limit) ||
        sd_api_query_int(req, "severity", 1, 4, &sev) ||
        sd_api_query_int(req, "after_seq", 0, INT64_MAX, &after))
        return;
    sd_alarm_filter_t f = {.state = sd_http_req_query(req, "state"),
                           .facility = sd_http_req_query(req, "facility"),
                           .max_severity = sev,
                           .after_seq = after,
                           .limit = limit};
    sd_pf_items_t items;
    int64_t seq = 0;
    int rc = sd_alarm_list(pf, tenant, &f, &items, &seq);
    if (rc == SD_EFIELD) {
        sd_http_reply_error(req, SD_EFIELD, "state", "must be " SD_ALARM_STATE_FILTERS);
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (fmt) {
        sd_api_csv_reply(req, fmt, "alarms.csv", csv_cols, sizeof csv_cols / sizeof *csv_cols,
                         items.rows);
        sd_pf_items_free(&items);
        return;
    }
    /* every row is the caller's tenant: items as the service listed them, with the seq */
    json_t *rows = json_incref(items.rows);
    sd_pf_items_free(&items);
    sd_http_reply_json(req, 200, sd_json_pack("{s:o,s:I}", "items", rows, "seq", (json_int_t)seq));
}

/* GET /api/v1/alarms/count: the nav badge's numbers of the caller's tenant, one COUNT query. */
static void h_count(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    sd_alarm_counts_t c;
    int rc = sd_alarm_count(pf, tenant, &c);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *by = json_object();
    for (int s = 1; by && s <= 4; s++) {
        char k[4];
        snprintf(k, sizeof k, "%d", s);
        if (json_object_set_new(by, k,
                                sd_json_pack("{s:I,s:I}", "unacked", (json_int_t)c.unacked_sev[s],
                                             "active", (json_int_t)c.active_sev[s]))) {
            json_decref(by);
            by = NULL;
        }
    }
    if (!by) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:I,s:o,s:I}", "unacked", (json_int_t)c.unacked, "active",
                                    (json_int_t)c.active, "by_severity", by, "seq",
                                    (json_int_t)c.seq));
}

/* ---- one alarm --------------------------------------------------------------------------------
 */

/* The alarm of the path in the caller's reach: 404 for another tenant's. */
static int path_alarm(sd_http_req_t *req, sd_pf_t *pf, sd_action_t act, int64_t *id,
                      int64_t *tenant)
{
    if (sd_api_param_id(req, "id", id))
        return SD_ENOTFOUND;
    sd_scope_t sc = {0};
    int rc = sd_alarm_tenant(pf, *id, &sc.tenant_id);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return rc;
    }
    rc = sd_api_require_visible(req, SD_ACT_ALARM_READ, act, &sc);
    if (!rc)
        *tenant = sc.tenant_id;
    return rc;
}

/* Reply 200 with alarm id (and its history), or the store's failure. */
static void reply_alarm(sd_http_req_t *req, sd_pf_t *pf, int64_t id, int history)
{
    json_t *o = NULL;
    if (sd_alarm_json(pf, id, history, &o))
        sd_api_reply_rc(req, SD_ESTORE);
    else
        sd_http_reply_json(req, 200, o);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tenant;
    if (path_alarm(req, pf, SD_ACT_ALARM_READ, &id, &tenant))
        return;
    reply_alarm(req, pf, id, 1);
}

/* An empty body is {} for the operations whose members are all optional. */
static int op_body(sd_http_req_t *req, json_t **out)
{
    size_t len = 0;
    sd_http_req_body(req, &len);
    if (len == 0) {
        *out = json_object();
        return *out ? 0 : sd_api_reply_rc(req, SD_ENOMEM);
    }
    return sd_api_body(req, out);
}

static void do_op(sd_http_req_t *req, sd_pf_t *pf, sd_alarm_op_t op, sd_action_t act,
                  const char *audit)
{
    int64_t id, tenant, minutes = 0;
    if (path_alarm(req, pf, act, &id, &tenant))
        return;
    if (!pf->alarms) {
        sd_http_reply_error(req, SD_EAGAIN, NULL, "the alarm engine is not running");
        return;
    }
    json_t *body = NULL;
    if (op_body(req, &body))
        return;
    const char *comment = "";
    sd_json_err_t e;
    sd_json_field_t f[] = {
        {"comment", SD_JSON_STR, op == SD_ALARM_OP_COMMENT ? SD_JSON_REQ : 0, &comment, 0,
         COMMENT_MAX},
        {"minutes", SD_JSON_INT, SD_JSON_REQ, &minutes, 1, 1440},
    };
    int rc = sd_json_fields(body, f, op == SD_ALARM_OP_SHELVE ? 2 : 1, SD_JSON_STRICT, &e);
    if (!rc && op == SD_ALARM_OP_COMMENT && !comment[0])
        rc = sd_json_err_set(&e, "comment", "required");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(body);
        return;
    }
    char by[48];
    sd_pf_actor(sd_api_principal(req), by, sizeof by);
    const char *why = NULL;
    rc = sd_alarm_apply(pf->alarms, tenant, id, op, (int)minutes, by, comment, &why);
    if (rc == SD_ECONFLICT || rc == SD_EFIELD) {
        sd_http_reply_error(req, rc, rc == SD_EFIELD ? "minutes" : NULL, "%s",
                            why ? why : sd_strerror(rc));
        json_decref(body);
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        json_decref(body);
        return;
    }
    char obj[48];
    snprintf(obj, sizeof obj, "alarm:%" PRId64, id);
    json_t *detail = op == SD_ALARM_OP_SHELVE
                         ? sd_json_pack("{s:s,s:I}", "comment", comment, "minutes", minutes)
                         : sd_json_pack("{s:s}", "comment", comment);
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    sd_api_audit_req(pf, req, tenant, audit, obj, d);
    free(d);
    json_decref(detail);
    json_decref(body);
    reply_alarm(req, pf, id, 0);
}

static void h_ack(sd_http_req_t *req, void *ctx)
{
    do_op(req, ctx, SD_ALARM_OP_ACK, SD_ACT_ALARM_ACK, "alarm.ack");
}
static void h_shelve(sd_http_req_t *req, void *ctx)
{
    do_op(req, ctx, SD_ALARM_OP_SHELVE, SD_ACT_ALARM_ACK, "alarm.shelve");
}
static void h_unshelve(sd_http_req_t *req, void *ctx)
{
    do_op(req, ctx, SD_ALARM_OP_UNSHELVE, SD_ACT_ALARM_ACK, "alarm.unshelve");
}
static void h_comment(sd_http_req_t *req, void *ctx)
{
    do_op(req, ctx, SD_ALARM_OP_COMMENT, SD_ACT_ALARM_ACK, "alarm.comment");
}
static void h_oos(sd_http_req_t *req, void *ctx)
{
    do_op(req, ctx, SD_ALARM_OP_OOS, SD_ACT_ALARM_MANAGE, "alarm.out_of_service");
}
static void h_ins(sd_http_req_t *req, void *ctx)
{
    do_op(req, ctx, SD_ALARM_OP_IN_SERVICE, SD_ACT_ALARM_MANAGE, "alarm.in_service");
}

/* ---- groups -----------------------------------------------------------------------------------
 */

static void h_groups(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, active = 0, limit = LIST_DEFAULT;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    if (sd_api_query_int(req, "active", 0, 1, &active) ||
        sd_api_query_int(req, "limit", 1, LIST_MAX, &limit))
        return;
    sd_pf_items_t items;
    int rc = sd_alarm_groups(pf, tenant, (int)active, limit, &items);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_api_reply_items(req, 0, &items);
}

static void h_group_ack(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return;
    sd_scope_t sc = {0};
    int rc = sd_alarm_group_tenant(pf, id, &sc.tenant_id);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require_visible(req, SD_ACT_ALARM_READ, SD_ACT_ALARM_ACK, &sc))
        return;
    if (!pf->alarms) {
        sd_http_reply_error(req, SD_EAGAIN, NULL, "the alarm engine is not running");
        return;
    }
    json_t *body = NULL;
    if (op_body(req, &body))
        return;
    const char *comment = "";
    sd_json_err_t e;
    sd_json_field_t f[] = {{"comment", SD_JSON_STR, 0, &comment, 0, COMMENT_MAX}};
    if ((rc = sd_json_fields(body, f, 1, SD_JSON_STRICT, &e)) != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(body);
        return;
    }
    char by[48], obj[48];
    sd_pf_actor(sd_api_principal(req), by, sizeof by);
    int n = 0;
    rc = sd_alarm_group_ack(pf->alarms, sc.tenant_id, id, by, comment, &n);
    if (rc) {
        json_decref(body);
        sd_api_reply_rc(req, rc);
        return;
    }
    snprintf(obj, sizeof obj, "alarm_group:%" PRId64, id);
    json_t *detail = sd_json_pack("{s:s,s:i}", "comment", comment, "acked", n);
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    sd_api_audit_req(pf, req, sc.tenant_id, "alarm.group_ack", obj, d);
    free(d);
    json_decref(detail);
    json_decref(body);
    json_t *o = NULL;
    rc = sd_alarm_group_json(pf, id, &o);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (o)
        json_object_set_new(o, "acked", json_integer(n));
    sd_http_reply_json(req, 200, o);
}

/* ---- GET /api/v1/facilities/status ------------------------------------------------------------
 */

static void h_status(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    sd_pf_items_t items;
    int rc = sd_alarm_facility_status(pf, tenant, &items);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_api_reply_items(req, 0, &items);
}

/* ---- events -----------------------------------------------------------------------------------
 */

static void h_event_upload(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0,
                     .subject_id = who ? who->subject_id : 0};
    if (sd_api_require(req, SD_ACT_GWIF_UPLINK, &sc))
        return;
    size_t len = 0, n = 0;
    const void *body = sd_http_req_body(req, &len);
    sd_json_err_t je;
    memset(&je, 0, sizeof je);
    int rc = sd_event_ingest_json_n(pf, sc.tenant_id, sc.subject_id, body, len, &je, &n);
    if (rc == SD_ESYNTAX || rc == SD_EENCODING || rc == SD_EFIELD || rc == SD_ETOOBIG)
        sd_http_reply_json_error(req, rc, &je);
    else if (rc)
        sd_api_reply_rc(req, rc);
    else /* after the commit: the gateway drops acknowledged events from its queue */
        sd_http_reply_json(req, 200, sd_json_pack("{s:I}", "stored", (json_int_t)n));
}

static void h_events(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, limit = LIST_DEFAULT;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    if (sd_api_query_int(req, "limit", 1, LIST_MAX, &limit))
        return;
    const char *dev = sd_http_req_query(req, "device"), *kind = sd_http_req_query(req, "kind");
    sd_pf_items_t items;
    int rc = sd_event_list(pf, tenant, dev, kind, limit, &items);
    if (rc == SD_EENCODING) {
        sd_http_reply_error(req, SD_EFIELD, NULL, "invalid text in device or kind");
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_api_reply_items(req, 0, &items);
}

/* ---- alarm settings of a point ----------------------------------------------------------------
 */

static int settings_reply(sd_http_req_t *req, sd_pf_t *pf, int64_t tenant, int64_t pid,
                          const char *data_id)
{
    json_t *o = NULL;
    int rc = sd_alarm_settings_json(pf, tenant, pid, data_id, &o);
    if (rc)
        return sd_api_reply_rc(req, rc);
    return sd_http_reply_json(req, 200, o);
}

static int settings_point(sd_http_req_t *req, sd_pf_t *pf, sd_action_t act, int64_t *tenant,
                          int64_t *pid)
{
    if (own_tenant(req, act, tenant))
        return SD_EFORBIDDEN;
    int rc = sd_ts_point_id(pf->store, *tenant, sd_http_req_param(req, "data_id"), pid);
    if (rc == SD_ENOTFOUND)
        sd_http_reply_error(req, rc, "data_id", "no point with this data ID");
    else if (rc)
        sd_api_reply_rc(req, rc);
    return rc;
}

static void h_settings_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, pid;
    if (settings_point(req, pf, SD_ACT_ALARM_READ, &tenant, &pid))
        return;
    settings_reply(req, pf, tenant, pid, sd_http_req_param(req, "data_id"));
}

static void h_settings_put(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, pid;
    if (settings_point(req, pf, SD_ACT_ALARM_MANAGE, &tenant, &pid))
        return;
    json_t *body = NULL;
    if (sd_api_body(req, &body))
        return;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"deadband_pct", SD_JSON_ANY, 0, NULL, 0, 0},
                           {"delay_s", SD_JSON_ANY, 0, NULL, 0, 0}};
    int rc = sd_json_fields(body, f, 2, SD_JSON_STRICT, &e);
    /* null (or absent) = back to the default */
    const json_t *db = json_object_get(body, "deadband_pct"),
                 *dl = json_object_get(body, "delay_s");
    if (!rc && db && !json_is_null(db) &&
        (!json_is_number(db) || json_number_value(db) < 0 || json_number_value(db) > 50))
        rc = sd_json_err_set(&e, "deadband_pct", "must be a number between 0 and 50, or null");
    if (!rc && dl && !json_is_null(dl) &&
        (!json_is_integer(dl) || json_integer_value(dl) < 0 || json_integer_value(dl) > 86400))
        rc = sd_json_err_set(&e, "delay_s", "must be an integer between 0 and 86400, or null");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(body);
        return;
    }
    char by[48];
    sd_pf_actor(sd_api_principal(req), by, sizeof by);
    int have_db = db && !json_is_null(db), have_dl = dl && !json_is_null(dl);
    char *d = json_dumps(body, JSON_COMPACT);
    rc = sd_alarm_settings_set(pf, sd_api_principal(req), by, tenant, pid, have_db,
                               have_db ? json_number_value(db) : 0, have_dl,
                               have_dl ? json_integer_value(dl) : 0, d);
    free(d);
    json_decref(body);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    settings_reply(req, pf, tenant, pid, sd_http_req_param(req, "data_id"));
}

int sd_alarm_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    static const struct {
        const char *m, *p;
        sd_http_handler_fn fn;
    } r[] = {
        {"POST", "/gwif/v1/events", h_event_upload},
        {"GET", "/api/v1/events", h_events},
        {"GET", "/api/v1/alarms", h_list},
        {"GET", "/apif/v1/alarms", h_list},
        {"GET", "/api/v1/alarms/count", h_count},
        {"GET", "/api/v1/alarms/{id}", h_get},
        {"POST", "/api/v1/alarms/{id}/ack", h_ack},
        {"POST", "/api/v1/alarms/{id}/shelve", h_shelve},
        {"POST", "/api/v1/alarms/{id}/unshelve", h_unshelve},
        {"POST", "/api/v1/alarms/{id}/comment", h_comment},
        {"POST", "/api/v1/alarms/{id}/out-of-service", h_oos},
        {"POST", "/api/v1/alarms/{id}/in-service", h_ins},
        {"GET", "/api/v1/alarm-groups", h_groups},
        {"POST", "/api/v1/alarm-groups/{id}/ack", h_group_ack},
        {"GET", "/api/v1/facilities/status", h_status},
        {"GET", "/api/v1/alarm-settings/{data_id}", h_settings_get},
        {"PUT", "/api/v1/alarm-settings/{data_id}", h_settings_put},
    };
    for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
        int rc = sd_http_route(http, r[i].m, r[i].p, r[i].fn, pf, NULL);
        if (rc)
            return rc;
    }
    return 0;
}
