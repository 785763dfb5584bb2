/* alarm_http.c - HTTP: alarms, alarm groups, facility state, events, alarm settings. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/alarms/alarm.h"
#include "pf/alarms/alarm_int.h"
#include "pf/data/ts.h"

#define LIST_DEFAULT 200
#define LIST_MAX     1000
#define COMMENT_MAX  512

static json_t *time_or_null(sd_stmt_t *q, int col)
{
    if (sd_stmt_is_null(q, col))
        return json_null();
    char t[40];
    sd_ts_format_time(sd_stmt_int64(q, col), t, sizeof t);
    return json_string(t);
}

static json_t *time_json(int64_t ms)
{
    char t[40];
    sd_ts_format_time(ms, t, sizeof t);
    return json_string(t);
}

static json_t *text(sd_stmt_t *q, int col)
{
    const char *s = sd_stmt_text(q, col, NULL);
    return json_string(s ? s : "");
}

#define ALARM_COLS                                                                                 \
    "id, group_id, facility, facility_name, device, data_id, name, message, severity, state, "     \
    "active, raised_at, acked_at, acked_by, returned_at, cleared_at, shelved_until, updated_at, "  \
    "tenant_id, seq"

/* The ALARM object of docs/alarms.md from a row of ALARM_COLS. */
static json_t *alarm_json(sd_stmt_t *q)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad =
        sd_json_set(o, "id", json_integer(sd_stmt_int64(q, 0))) ||
        sd_json_set(o, "group_id",
                    sd_stmt_is_null(q, 1) ? json_null() : json_integer(sd_stmt_int64(q, 1))) ||
        sd_json_set(o, "facility", text(q, 2)) || sd_json_set(o, "facility_name", text(q, 3)) ||
        sd_json_set(o, "device", text(q, 4)) || sd_json_set(o, "data_id", text(q, 5)) ||
        sd_json_set(o, "name", text(q, 6)) || sd_json_set(o, "message", text(q, 7)) ||
        sd_json_set(o, "severity", json_integer(sd_stmt_int64(q, 8))) ||
        sd_json_set(o, "state", text(q, 9)) ||
        sd_json_set(o, "active", json_boolean(sd_stmt_int64(q, 10) != 0)) ||
        sd_json_set(o, "raised_at", time_or_null(q, 11)) ||
        sd_json_set(o, "acked_at", time_or_null(q, 12)) ||
        sd_json_set(o, "acked_by", sd_stmt_is_null(q, 13) ? json_null() : text(q, 13)) ||
        sd_json_set(o, "returned_at", time_or_null(q, 14)) ||
        sd_json_set(o, "cleared_at", time_or_null(q, 15)) ||
        sd_json_set(o, "shelved_until", time_or_null(q, 16)) ||
        sd_json_set(o, "updated_at", time_or_null(q, 17)) ||
        sd_json_set(o, "seq", json_integer(sd_stmt_int64(q, 19)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void actor(const sd_principal_t *who, char *out, size_t n)
{
    if (!who)
        snprintf(out, n, "system");
    else if (who->role == SD_ROLE_APPLICATION)
        snprintf(out, n, "app:%" PRId64, who->subject_id);
    else if (who->role == SD_ROLE_GATEWAY)
        snprintf(out, n, "gw:%" PRId64, who->subject_id);
    else
        snprintf(out, n, "user:%" PRId64, who->subject_id);
}

static int query_int(sd_http_req_t *req, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
    const char *s = sd_http_req_query(req, name);
    if (!s)
        return 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        sd_http_reply_error(req, SD_EFIELD, name,
                            "must be an integer between %" PRId64 " and %" PRId64, lo, hi);
        return SD_EFIELD;
    }
    *out = v;
    return 0;
}

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

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, limit = LIST_DEFAULT, sev = 4, after = -1;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    if (query_int(req, "limit", 1, LIST_MAX, &limit) || query_int(req, "severity", 1, 4, &sev) ||
        query_int(req, "after_seq", 0, INT64_MAX, &after))
        return;
    const char *state = sd_http_req_query(req, "state");
    const char *fac = sd_http_req_query(req, "facility");
    static const struct {
        const char *name, *sql;
    } states[] = {
        {"active", " AND state <> 'cleared'"},
        {"unacked", " AND state IN ('unacked', 'rtn_unacked')"},
        {"shelved", " AND state = 'shelved'"},
        {"all", ""},
        {"acked", " AND state = 'acked'"},
        {"rtn_unacked", " AND state = 'rtn_unacked'"},
        {"cleared", " AND state = 'cleared'"},
        {"out_of_service", " AND state = 'out_of_service'"},
    };
    const char *state_sql = states[0].sql;
    if (state) {
        size_t i = 0, n = sizeof states / sizeof *states;
        while (i < n && strcmp(state, states[i].name) != 0)
            i++;
        if (i == n) {
            sd_http_reply_error(req, SD_EFIELD, "state",
                                "must be active, unacked, shelved, all, acked, rtn_unacked, "
                                "cleared or out_of_service");
            return;
        }
        state_sql = states[i].sql;
    }
    /* with after_seq a console follows changes: alarms that left the filter (cleared) come too */
    if (after >= 0 && !state)
        state_sql = "";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " ALARM_COLS " FROM alarms WHERE tenant_id = $1 AND severity <= $2 AND "
             "seq > $3 AND ($4 = '' OR facility = $4)%s ORDER BY CASE WHEN state IN ('unacked', "
             "'rtn_unacked') THEN 0 ELSE 1 END, severity, raised_at DESC, id DESC LIMIT $5",
             state_sql);
    /* seq before the items: a transition racing with this read is then > seq and comes again
     * with the next after_seq, instead of being skipped */
    sd_stmt_t *q = NULL;
    int64_t seq = 0;
    int rc = sd_store_query_row(pf->store,
                                "SELECT COALESCE(MAX(seq), 0) FROM alarms WHERE tenant_id = $1",
                                SD_PARAMS(SD_V_INT(tenant)), &q);
    if (!rc) {
        seq = sd_stmt_int64(q, 0);
        sd_stmt_done(q);
        rc = sd_store_query(pf->store, sql,
                            SD_PARAMS(SD_V_INT(tenant), SD_V_INT(sev), SD_V_INT(after),
                                      SD_V_TEXT(fac ? fac : ""), SD_V_INT(limit)),
                            &q);
    }
    json_t *items = json_array();
    while (!rc && items && (rc = sd_stmt_next(q)) == 1) {
        rc = json_array_append_new(items, alarm_json(q)) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(q);
    if (rc < 0 || !items) {
        json_decref(items);
        sd_api_reply_rc(req, items ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:o,s:I}", "items", items, "seq", (json_int_t)seq));
}

/* ---- one alarm --------------------------------------------------------------------------------
 */

/* The alarm of the path in the caller's reach: 404 for another tenant's. */
static int path_alarm(sd_http_req_t *req, sd_pf_t *pf, sd_action_t act, int64_t *id,
                      int64_t *tenant)
{
    if (sd_api_param_id(req, "id", id))
        return SD_ENOTFOUND;
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT tenant_id FROM alarms WHERE id = $1",
                                SD_PARAMS(SD_V_INT(*id)), &q);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return rc;
    }
    sd_scope_t sc = {.tenant_id = sd_stmt_int64(q, 0)};
    sd_stmt_done(q);
    rc = sd_api_require_visible(req, SD_ACT_ALARM_READ, act, &sc);
    if (!rc)
        *tenant = sc.tenant_id;
    return rc;
}

static json_t *load_alarm_json(sd_pf_t *pf, int64_t id, int history)
{
    sd_stmt_t *q = NULL;
    if (sd_store_query_row(pf->store, "SELECT " ALARM_COLS " FROM alarms WHERE id = $1",
                           SD_PARAMS(SD_V_INT(id)), &q))
        return NULL;
    json_t *o = alarm_json(q);
    sd_stmt_done(q);
    if (!o || !history)
        return o;
    json_t *h = json_array();
    int rc = sd_store_query(pf->store,
                            "SELECT at, actor, transition, comment FROM alarm_history WHERE "
                            "alarm_id = $1 ORDER BY id",
                            SD_PARAMS(SD_V_INT(id)), &q);
    while (!rc && h && (rc = sd_stmt_next(q)) == 1) {
        rc = json_array_append_new(h, sd_json_pack("{s:o,s:o,s:o,s:o}", "at", time_or_null(q, 0),
                                                   "by", text(q, 1), "transition", text(q, 2),
                                                   "comment", text(q, 3)))
                 ? SD_ENOMEM
                 : 0;
    }
    sd_stmt_done(q);
    if (rc < 0 || sd_json_set(o, "history", h)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tenant;
    if (path_alarm(req, pf, SD_ACT_ALARM_READ, &id, &tenant))
        return;
    json_t *o = load_alarm_json(pf, id, 1);
    if (!o) {
        sd_api_reply_rc(req, SD_ESTORE);
        return;
    }
    sd_http_reply_json(req, 200, o);
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
    actor(sd_api_principal(req), by, sizeof by);
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
    json_t *o = load_alarm_json(pf, id, 0);
    if (!o)
        sd_api_reply_rc(req, SD_ESTORE);
    else
        sd_http_reply_json(req, 200, o);
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

#define GROUP_SQL                                                                                  \
    "SELECT g.id, g.kind, g.title, g.opened_at, g.closed_at, (SELECT COUNT(*) FROM alarms a "      \
    "WHERE a.group_id = g.id), (SELECT COUNT(*) FROM alarms a WHERE a.group_id = g.id AND "        \
    "a.state <> 'cleared'), (SELECT MIN(severity) FROM alarms a WHERE a.group_id = g.id), "        \
    "(SELECT COUNT(*) FROM alarms a WHERE a.group_id = g.id AND a.state IN ('unacked', "           \
    "'rtn_unacked')) FROM alarm_groups g "

static json_t *group_json(sd_stmt_t *q)
{
    return sd_json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:I}", "id",
                        (json_int_t)sd_stmt_int64(q, 0), "kind", text(q, 1), "title", text(q, 2),
                        "opened_at", time_or_null(q, 3), "closed_at", time_or_null(q, 4), "count",
                        (json_int_t)sd_stmt_int64(q, 5), "active_count",
                        (json_int_t)sd_stmt_int64(q, 6), "max_severity",
                        sd_stmt_is_null(q, 7) ? json_null() : json_integer(sd_stmt_int64(q, 7)),
                        "unacked_count", (json_int_t)sd_stmt_int64(q, 8));
}

static void h_groups(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, active = 0, limit = LIST_DEFAULT;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    if (query_int(req, "active", 0, 1, &active) || query_int(req, "limit", 1, LIST_MAX, &limit))
        return;
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(pf->store,
                            GROUP_SQL "WHERE g.tenant_id = $1 AND ($2 = 0 OR g.closed_at IS NULL) "
                                      "AND EXISTS (SELECT 1 FROM alarms a WHERE a.group_id = g.id) "
                                      "ORDER BY g.id DESC LIMIT $3",
                            SD_PARAMS(SD_V_INT(tenant), SD_V_INT(active), SD_V_INT(limit)), &q);
    json_t *items = json_array();
    while (!rc && items && (rc = sd_stmt_next(q)) == 1)
        rc = json_array_append_new(items, group_json(q)) ? SD_ENOMEM : 0;
    sd_stmt_done(q);
    if (rc < 0 || !items) {
        json_decref(items);
        sd_api_reply_rc(req, items ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", items));
}

static void h_group_ack(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return;
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT tenant_id FROM alarm_groups WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &q);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {.tenant_id = sd_stmt_int64(q, 0)};
    sd_stmt_done(q);
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
    actor(sd_api_principal(req), by, sizeof by);
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
    rc = sd_store_query_row(pf->store, GROUP_SQL "WHERE g.id = $1", SD_PARAMS(SD_V_INT(id)), &q);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *o = group_json(q);
    sd_stmt_done(q);
    if (o)
        json_object_set_new(o, "acked", json_integer(n));
    sd_http_reply_json(req, 200, o);
}

/* ---- GET /api/v1/facilities/status ------------------------------------------------------------
 */

static int facility_json(sd_pf_t *pf, int64_t tenant, sd_stmt_t *fq, json_t **out)
{
    sd_store_t *st = pf->store;
    int64_t fid = sd_stmt_int64(fq, 0);
    const char *code = sd_stmt_text(fq, 1, NULL);
    json_t *o = sd_json_pack("{s:s,s:o}", "code", code ? code : "", "name", text(fq, 2));
    json_t *pumps = json_array();
    if (!o || !pumps) {
        json_decref(o);
        json_decref(pumps);
        return SD_ENOMEM;
    }
    sd_stmt_t *q = NULL;
    /* shelved and out-of-service alarms are hidden on purpose: they do not colour the plant */
    int rc = sd_store_query_row(st,
                                "SELECT COUNT(*), MIN(severity), COALESCE(SUM(CASE WHEN kind = "
                                "'no_contact' THEN 1 ELSE 0 END), 0) FROM alarms WHERE tenant_id "
                                "= $1 AND facility = $2 AND active = 1 AND state IN ('unacked', "
                                "'acked')",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code ? code : "")), &q);
    int64_t nact = 0, nc = 0, maxsev = 0;
    if (!rc) {
        nact = sd_stmt_int64(q, 0);
        maxsev = sd_stmt_is_null(q, 1) ? 0 : sd_stmt_int64(q, 1);
        nc = sd_stmt_int64(q, 2);
        sd_stmt_done(q);
    }
    /* a gateway out of contact leaves the facilities it serves (inventory rule: devices naming
     * it, or naming none when it is the tenant's only gateway) without contact too */
    if (!rc && !nc) {
        rc = sd_store_query_row(
            st,
            "SELECT COUNT(*) FROM alarms a JOIN clients c ON a.source = 'gw:' || CAST(c.id AS "
            "TEXT) WHERE a.tenant_id = $1 AND a.kind = 'no_contact' AND a.active = 1 AND a.state "
            "IN ('unacked', 'acked') AND EXISTS (SELECT 1 FROM devices d WHERE d.facility_id = $2 "
            "AND (d.gateway = c.name OR (d.gateway = '' AND (SELECT COUNT(*) FROM clients g WHERE "
            "g.tenant_id = $1 AND g.kind = 'gateway') = 1)))",
            SD_PARAMS(SD_V_INT(tenant), SD_V_INT(fid)), &q);
        if (!rc) {
            nc = sd_stmt_int64(q, 0);
            sd_stmt_done(q);
        }
    }
    int running = 0;
    if (!rc)
        rc = sd_store_query(st,
                            "SELECT p.id, p.data_id, p.name FROM points p JOIN devices d ON d.id "
                            "= p.device_id WHERE d.facility_id = $1 AND p.signal = 'monitor' "
                            "ORDER BY p.data_id",
                            SD_PARAMS(SD_V_INT(fid)), &q);
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        sd_ts_value_t v;
        int lr = sd_ts_latest(st, sd_stmt_int64(q, 0), &v);
        int on = lr == 0 && v.quality != SD_TS_MISSING && v.value >= 0.5;
        running |= on;
        rc = json_array_append_new(pumps, sd_json_pack("{s:o,s:o,s:b}", "data_id", text(q, 1),
                                                       "name", text(q, 2), "running", on))
                 ? SD_ENOMEM
                 : 0;
    }
    sd_stmt_done(q);
    int64_t last = 0;
    int have_last = 0;
    if (rc >= 0) {
        rc = sd_store_query_row(st,
                                "SELECT MAX(s.ts_ms) FROM samples s JOIN points p ON p.id = "
                                "s.point_id JOIN devices d ON d.id = p.device_id WHERE "
                                "d.facility_id = $1",
                                SD_PARAMS(SD_V_INT(fid)), &q);
        if (!rc) {
            have_last = !sd_stmt_is_null(q, 0);
            last = sd_stmt_int64(q, 0);
            sd_stmt_done(q);
        }
    }
    if (rc < 0) {
        json_decref(o);
        json_decref(pumps);
        return rc;
    }
    const char *state = maxsev && maxsev <= 2 ? "faulted"
                        : nc                  ? "no_contact"
                        : running             ? "running"
                        : have_last           ? "stopped"
                                              : "unknown";
    if (sd_json_set(o, "state", json_string(state)) || sd_json_set(o, "pumps", pumps) ||
        sd_json_set(o, "active_alarms", json_integer(nact)) ||
        sd_json_set(o, "max_severity", maxsev ? json_integer(maxsev) : json_null()) ||
        sd_json_set(o, "last_data", have_last ? time_json(last) : json_null())) {
        json_decref(o);
        return SD_ENOMEM;
    }
    *out = o;
    return 0;
}

static void h_status(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant;
    if (own_tenant(req, SD_ACT_ALARM_READ, &tenant))
        return;
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT id, code, name FROM facilities WHERE tenant_id = $1 ORDER BY "
                            "code",
                            SD_PARAMS(SD_V_INT(tenant)), &q);
    json_t *items = json_array();
    while (!rc && items && (rc = sd_stmt_next(q)) == 1) {
        json_t *o = NULL;
        rc = facility_json(pf, tenant, q, &o);
        if (!rc)
            rc = json_array_append_new(items, o) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(q);
    if (rc < 0 || !items) {
        json_decref(items);
        sd_api_reply_rc(req, items ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", items));
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
    if (query_int(req, "limit", 1, LIST_MAX, &limit))
        return;
    const char *dev = sd_http_req_query(req, "device"), *kind = sd_http_req_query(req, "kind");
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT e.id, e.ts_ms, e.kind, e.device, e.data_id, e.severity, "
                            "e.message, e.detail, COALESCE(c.name, ''), e.received_ms FROM "
                            "events e LEFT JOIN clients c ON c.id = e.gw_id WHERE e.tenant_id = "
                            "$1 AND ($2 = '' OR e.device = $2) AND ($3 = '' OR e.kind = $3) "
                            "ORDER BY e.id DESC LIMIT $4",
                            SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(dev ? dev : ""),
                                      SD_V_TEXT(kind ? kind : ""), SD_V_INT(limit)),
                            &q);
    if (rc == SD_EENCODING) {
        sd_http_reply_error(req, SD_EFIELD, NULL, "invalid text in device or kind");
        return;
    }
    json_t *items = json_array();
    while (!rc && items && (rc = sd_stmt_next(q)) == 1) {
        size_t dl = 0;
        const char *d = sd_stmt_text(q, 7, &dl);
        json_t *detail = NULL;
        if (d && dl)
            detail = json_loadb(d, dl, 0, NULL);
        json_t *o =
            sd_json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                         (json_int_t)sd_stmt_int64(q, 0), "ts", time_or_null(q, 1), "kind",
                         text(q, 2), "device", text(q, 3), "data_id", text(q, 4), "severity",
                         sd_stmt_is_null(q, 5) ? json_null() : json_integer(sd_stmt_int64(q, 5)),
                         "message", text(q, 6), "detail", detail ? detail : json_null(), "gateway",
                         text(q, 8), "received_at", time_or_null(q, 9));
        rc = json_array_append_new(items, o) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(q);
    if (rc < 0 || !items) {
        json_decref(items);
        sd_api_reply_rc(req, items ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", items));
}

/* ---- alarm settings of a point ----------------------------------------------------------------
 */

static int settings_reply(sd_http_req_t *req, sd_pf_t *pf, int64_t tenant, int64_t pid,
                          const char *data_id)
{
    double pct = 2;
    int delay = 0;
    const sd_alarms_config_t *cfg = pf->alarms ? sd_alarms__cfg(pf->alarms) : NULL;
    if (cfg) {
        pct = cfg->deadband_pct;
        delay = cfg->delay_s;
        for (int i = 0; i < SD_ALARM_TENANT_OVERRIDES; i++)
            if (cfg->tenant[i].tenant_id == tenant) {
                pct = cfg->tenant[i].deadband_pct;
                delay = cfg->tenant[i].delay_s;
            }
    }
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT deadband_pct, delay_s FROM alarm_settings WHERE point_id "
                                "= $1",
                                SD_PARAMS(SD_V_INT(pid)), &q);
    json_t *ovr_db = json_null(), *ovr_delay = json_null();
    if (!rc) {
        if (!sd_stmt_is_null(q, 0))
            ovr_db = json_real(sd_stmt_double(q, 0)), pct = sd_stmt_double(q, 0);
        if (!sd_stmt_is_null(q, 1))
            ovr_delay = json_integer(sd_stmt_int64(q, 1)), delay = (int)sd_stmt_int64(q, 1);
        sd_stmt_done(q);
    } else if (rc != SD_ENOTFOUND) {
        json_decref(ovr_db);
        json_decref(ovr_delay);
        return sd_api_reply_rc(req, rc);
    }
    return sd_http_reply_json(req, 200,
                              sd_json_pack("{s:s,s:f,s:i,s:{s:o,s:o}}", "data_id", data_id,
                                           "deadband_pct", pct, "delay_s", delay, "override",
                                           "deadband_pct", ovr_db, "delay_s", ovr_delay));
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
    actor(sd_api_principal(req), by, sizeof by);
    int have_db = db && !json_is_null(db), have_dl = dl && !json_is_null(dl);
    rc = sd_store_exec(pf->store,
                       "INSERT INTO alarm_settings (point_id, tenant_id, deadband_pct, delay_s, "
                       "updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
                       "(point_id) DO UPDATE SET deadband_pct = excluded.deadband_pct, delay_s = "
                       "excluded.delay_s, updated_at = excluded.updated_at, updated_by = "
                       "excluded.updated_by",
                       SD_PARAMS(SD_V_INT(pid), SD_V_INT(tenant),
                                 have_db ? SD_V_DOUBLE(json_number_value(db)) : SD_V_NULL,
                                 have_dl ? SD_V_INT(json_integer_value(dl)) : SD_V_NULL,
                                 SD_V_INT(sd_pf_now_ms(pf)), SD_V_TEXT(by)),
                       NULL);
    if (rc) {
        json_decref(body);
        sd_api_reply_rc(req, rc);
        return;
    }
    char obj[96], *d = json_dumps(body, JSON_COMPACT);
    snprintf(obj, sizeof obj, "point:%" PRId64, pid);
    sd_api_audit_req(pf, req, tenant, "alarm.settings", obj, d);
    free(d);
    json_decref(body);
    settings_reply(req, pf, tenant, pid, sd_http_req_param(req, "data_id"));
}

int sd_alarm_routes(sd_pf_t *pf)
{
    static const struct {
        const char *m, *p;
        sd_http_handler_fn fn;
    } r[] = {
        {"POST", "/gwif/v1/events", h_event_upload},
        {"GET", "/api/v1/events", h_events},
        {"GET", "/api/v1/alarms", h_list},
        {"GET", "/apif/v1/alarms", h_list},
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
        int rc = sd_http_route(pf->http, r[i].m, r[i].p, r[i].fn, pf, NULL);
        if (rc)
            return rc;
    }
    return 0;
}
