/* incident.c - incidents with status history, linked to alarms and alarm groups. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/alarms/console.h"
#include "pf/master/master.h"
#include "pf/ops/incident.h"

static const char *const statuses[] = {"open", "investigating", "resolved", "closed"};

static int status_idx(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, statuses[i]))
            return i;
    return -1;
}

int sd_incident_status_check(const char *s)
{
    return status_idx(s) < 0 ? SD_EFIELD : 0;
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

int sd_incident_list(sd_pf_t *pf, int64_t tenant, const char *status, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {1, 2, -1};
    return sd_pf_query_items(
        pf->store,
        "SELECT i.id AS id, i.tenant_id AS tenant_id, i.org_id AS org_id, i.title AS title, "
        "i.status AS status, i.severity AS severity, i.facility AS facility, i.created_by AS "
        "created_by, i.created_at AS created_at, i.updated_at AS updated_at, "
        "COALESCE(u.login, '') AS created_by_login "
        "FROM incidents i LEFT JOIN users u ON u.id = i.created_by "
        "WHERE (CAST($1 AS BIGINT) = 0 OR i.tenant_id = $1) AND ($2 = '' OR i.status = $2) "
        "ORDER BY i.id DESC LIMIT 500",
        SD_PARAMS(SD_V_INT(tenant > 0 ? tenant : 0), SD_V_TEXT(status ? status : "")),
        "iiississiis", &cols, out);
}

int sd_incident_severity_check(int64_t severity)
{
    return severity >= 1 && severity <= 4 ? 0 : SD_EFIELD;
}

int sd_incident_facility_check(sd_pf_t *pf, int64_t tenant, const char *code, sd_json_err_t *e)
{
    if (!code || !*code)
        return 0;
    int rc = sd_pf_master_facility_id(pf->store, tenant, code, NULL);
    if (rc == SD_ENOTFOUND || rc == SD_EENCODING)
        return sd_json_err_set(e, "facility", "no facility %s in tenant %" PRId64, code, tenant);
    return rc;
}

int sd_incident_get(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT id, tenant_id, org_id, title, status, created_by, "
                                "created_at, updated_at, alarm_ids, group_ids, severity, "
                                "facility, description FROM incidents WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    json_t *o = sd_pf_row_json(s, "iiissiii--iss");
    for (int c = 8; o && c < 10; c++) {
        json_t *a = NULL;
        size_t len = 0;
        const char *t = sd_stmt_text(s, c, &len);
        if (sd_json_parse(t, len, &a, NULL) == 0)
            sd_json_set(o, c == 8 ? "alarm_ids" : "group_ids", a);
    }
    sd_stmt_done(s);
    json_t *h = json_array();
    rc = o && h ? sd_store_query(pf->store,
                                 "SELECT at, by_user, from_status, to_status, note FROM "
                                 "incident_history WHERE incident_id = $1 ORDER BY id",
                                 SD_PARAMS(SD_V_INT(id)), &s)
                : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = json_array_append_new(
                 h,
                 sd_json_pack("{s:I,s:I,s:s,s:s,s:s}", "at", (json_int_t)sd_stmt_int64(s, 0), "by",
                              (json_int_t)sd_stmt_int64(s, 1), "from", sd_stmt_text(s, 2, NULL),
                              "to", sd_stmt_text(s, 3, NULL), "note", sd_stmt_text(s, 4, NULL)))
                 ? SD_ENOMEM
                 : 0;
    }
    sd_stmt_done(s);
    if (rc < 0 || sd_json_set(o, "history", h)) {
        rc = rc < 0 ? rc : SD_ENOMEM;
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

static int refs_of(sd_pf_t *pf, int64_t tenant, json_t *ids, int groups, sd_json_err_t *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_integer_value(v), t = 0;
        int rc = groups ? sd_alarm_group_tenant(pf, id, &t) : sd_alarm_tenant(pf, id, &t);
        if (rc != 0 && rc != SD_ENOTFOUND)
            return rc;
        if (rc == SD_ENOTFOUND || t != tenant) {
            char f[48];
            snprintf(f, sizeof f, "%s[%zu]", groups ? "group_ids" : "alarm_ids", i);
            return sd_json_err_set(e, f, "no alarm%s %" PRId64 " in tenant %" PRId64,
                                   groups ? " group" : "", id, tenant);
        }
    }
    return 0;
}

int sd_incident_refs_check(sd_pf_t *pf, int64_t tenant, json_t *alarm_ids, json_t *group_ids,
                           sd_json_err_t *e)
{
    int rc = alarm_ids ? refs_of(pf, tenant, alarm_ids, 0, e) : 0;
    return rc ? rc : group_ids ? refs_of(pf, tenant, group_ids, 1, e) : 0;
}

int sd_incident_scope(sd_pf_t *pf, int64_t id, sd_scope_t *sc, char status[16])
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT tenant_id, org_id, status FROM incidents WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    *sc = (sd_scope_t){.tenant_id = sd_stmt_int64(s, 0), .org_id = sd_stmt_int64(s, 1)};
    snprintf(status, 16, "%s", sd_stmt_text(s, 2, NULL));
    sd_stmt_done(s);
    return 0;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t tenant, id;
    const char *title, *at, *gt, *note, *from, *to;
    const sd_incident_new_t *n;
} inc_tx_t;

static int create_tx(sd_store_t *st, void *ctx)
{
    inc_tx_t *t = ctx;
    const sd_incident_new_t *n = t->n;
    int64_t now = sd_pf_now_ms(t->pf);
    int rc = sd_store_insert(
        st,
        "INSERT INTO incidents (tenant_id, org_id, title, status, alarm_ids, group_ids, "
        "created_by, created_at, updated_at, severity, facility, description) VALUES ($1, $2, $3, "
        "'open', $4, $5, $6, $7, $7, $8, $9, $10) RETURNING id",
        SD_PARAMS(SD_V_INT(t->tenant), SD_V_INT(t->who->org_id), SD_V_TEXT(n->title),
                  SD_V_TEXT(n->alarm_ids ? n->alarm_ids : "[]"),
                  SD_V_TEXT(n->group_ids ? n->group_ids : "[]"), SD_V_INT(t->who->subject_id),
                  SD_V_INT(now), SD_V_INT(n->severity), SD_V_TEXT(n->facility ? n->facility : ""),
                  SD_V_TEXT(n->description ? n->description : "")),
        &t->id);
    if (!rc)
        rc = sd_store_exec(st,
                           "INSERT INTO incident_history (incident_id, at, by_user, from_status, "
                           "to_status, note) VALUES ($1, $2, $3, '', 'open', $4)",
                           SD_PARAMS(SD_V_INT(t->id), SD_V_INT(now), SD_V_INT(t->who->subject_id),
                                     SD_V_TEXT(n->note ? n->note : "")),
                           NULL);
    char obj[48];
    snprintf(obj, sizeof obj, "incident:%" PRId64, t->id);
    if (!rc)
        rc = sd_pf_audit(t->pf, t->who, t->tenant, "incident.create", obj, NULL);
    return rc;
}

int sd_incident_create(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant,
                       const sd_incident_new_t *n, int64_t *id)
{
    inc_tx_t t = {.pf = pf, .who = who, .tenant = tenant, .n = n};
    int rc = sd_store_tx(pf->store, create_tx, &t);
    *id = rc ? 0 : t.id;
    return rc;
}

static int update_tx(sd_store_t *st, void *ctx)
{
    inc_tx_t *t = ctx;
    int64_t now = sd_pf_now_ms(t->pf);
    const char *nt = t->to ? t->to : t->from;
    int rc = sd_store_exec(
        st,
        "UPDATE incidents SET status = $1, title = COALESCE($2, title), alarm_ids = "
        "COALESCE($3, alarm_ids), group_ids = COALESCE($4, group_ids), updated_at = $5 "
        "WHERE id = $6",
        SD_PARAMS(SD_V_TEXT(nt), t->title ? SD_V_TEXT(t->title) : SD_V_NULL,
                  t->at ? SD_V_TEXT(t->at) : SD_V_NULL, t->gt ? SD_V_TEXT(t->gt) : SD_V_NULL,
                  SD_V_INT(now), SD_V_INT(t->id)),
        NULL);
    if (!rc)
        rc = sd_store_exec(st,
                           "INSERT INTO incident_history (incident_id, at, by_user, from_status, "
                           "to_status, note) VALUES ($1, $2, $3, $4, $5, $6)",
                           SD_PARAMS(SD_V_INT(t->id), SD_V_INT(now), SD_V_INT(t->who->subject_id),
                                     SD_V_TEXT(t->from), SD_V_TEXT(nt),
                                     SD_V_TEXT(t->note ? t->note : "")),
                           NULL);
    char obj[48], detail[80];
    snprintf(obj, sizeof obj, "incident:%" PRId64, t->id);
    snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\"}", t->from, nt);
    if (!rc)
        rc = sd_pf_audit(t->pf, t->who, t->tenant, "incident.update", obj, detail);
    return rc;
}

int sd_incident_update(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                       const char *from, const char *to, const char *title, const char *alarm_ids,
                       const char *group_ids, const char *note)
{
    inc_tx_t t = {.pf = pf,
                  .who = who,
                  .tenant = tenant,
                  .id = id,
                  .title = title,
                  .at = alarm_ids,
                  .gt = group_ids,
                  .note = note,
                  .from = from,
                  .to = to};
    return sd_store_tx(pf->store, update_tx, &t);
}
