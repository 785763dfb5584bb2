/* console.c - the alarm console's reads (alarms, history, groups, facility state) and the
 * per-point alarm settings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "pf/alarms/alarm_int.h"
#include "pf/alarms/console.h"
#include "pf/data/ts.h"
#include "pf/master/master.h"
#include "pf/registry/registry.h"

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

/* Append row (taken) with its tenant scope to out; SD_ENOMEM (row freed). */
static int items_add(sd_pf_items_t *out, json_t *row, int64_t tenant)
{
    return sd_pf_items_add(out, row, (sd_scope_t){.tenant_id = tenant});
}

static int items_init(sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    out->rows = json_array();
    return out->rows ? 0 : SD_ENOMEM;
}

/* Scalar of a one-row query. */
static int query_int(sd_store_t *st, const char *sql, const sd_val_t *p, int n, int64_t *out)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(st, sql, p, n, &q);
    if (rc)
        return rc;
    *out = sd_stmt_int64(q, 0);
    sd_stmt_done(q);
    return 0;
}

/* ---- alarms ---------------------------------------------------------------------------------- */

#define ALARM_COLS                                                                                 \
    "id, group_id, facility, facility_name, device, data_id, name, message, severity, state, "     \
    "active, raised_at, acked_at, acked_by, returned_at, cleared_at, shelved_until, updated_at, "  \
    "tenant_id, seq"

/* The ALARM object of docs/alarms.md from a row of ALARM_COLS. */
static json_t *alarm_row(sd_stmt_t *q)
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

int sd_alarm_list(sd_pf_t *pf, int64_t tenant_id, const sd_alarm_filter_t *f, sd_pf_items_t *out,
                  int64_t *seq)
{
    *out = (sd_pf_items_t){0};
    *seq = 0;
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
    if (f->state) {
        size_t i = 0, n = sizeof states / sizeof *states;
        while (i < n && strcmp(f->state, states[i].name) != 0)
            i++;
        if (i == n)
            return SD_EFIELD;
        state_sql = states[i].sql;
    }
    /* with after_seq a console follows changes: alarms that left the filter (cleared) come too */
    if (f->after_seq >= 0 && !f->state)
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
    int rc = query_int(pf->store, "SELECT COALESCE(MAX(seq), 0) FROM alarms WHERE tenant_id = $1",
                       SD_PARAMS(SD_V_INT(tenant_id)), seq);
    if (!rc)
        rc = items_init(out);
    if (!rc)
        rc = sd_store_query(
            pf->store, sql,
            SD_PARAMS(SD_V_INT(tenant_id), SD_V_INT(f->max_severity), SD_V_INT(f->after_seq),
                      SD_V_TEXT(f->facility ? f->facility : ""), SD_V_INT(f->limit)),
            &q);
    while (!rc && (rc = sd_stmt_next(q)) == 1)
        rc = items_add(out, alarm_row(q), sd_stmt_int64(q, 18));
    sd_stmt_done(q);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}

/* CASE inside COUNT: portable to SQLite and PostgreSQL (no FILTER), one scan of the tenant */
#define UNACKED_IF(x) "COUNT(CASE WHEN state IN ('unacked', 'rtn_unacked')" x " THEN 1 END)"
#define ACTIVE_IF(x)  "COUNT(CASE WHEN state <> 'cleared'" x " THEN 1 END)"
#define SEV_PAIR(n)   UNACKED_IF(" AND severity = " #n) ", " ACTIVE_IF(" AND severity = " #n)

int sd_alarm_count(sd_pf_t *pf, int64_t tenant_id, sd_alarm_counts_t *out)
{
    *out = (sd_alarm_counts_t){0};
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(
        pf->store,
        "SELECT " UNACKED_IF("") ", " ACTIVE_IF("") ", " SEV_PAIR(1) ", " SEV_PAIR(2) ", " SEV_PAIR(
            3) ", " SEV_PAIR(4) ", COALESCE(MAX(seq), 0) FROM alarms WHERE tenant_id = $1",
        SD_PARAMS(SD_V_INT(tenant_id)), &q);
    if (rc)
        return rc;
    out->unacked = sd_stmt_int64(q, 0);
    out->active = sd_stmt_int64(q, 1);
    for (int s = 1; s <= 4; s++) {
        out->unacked_sev[s] = sd_stmt_int64(q, 2 * s);
        out->active_sev[s] = sd_stmt_int64(q, 2 * s + 1);
    }
    out->seq = sd_stmt_int64(q, 10);
    sd_stmt_done(q);
    return 0;
}

int sd_alarm_tenant(sd_pf_t *pf, int64_t id, int64_t *tenant_id)
{
    return query_int(pf->store, "SELECT tenant_id FROM alarms WHERE id = $1",
                     SD_PARAMS(SD_V_INT(id)), tenant_id);
}

int sd_alarm_json(sd_pf_t *pf, int64_t id, int history, json_t **out)
{
    *out = NULL;
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT " ALARM_COLS " FROM alarms WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &q);
    if (rc)
        return rc;
    json_t *o = alarm_row(q);
    sd_stmt_done(q);
    if (!o)
        return SD_ENOMEM;
    if (history) {
        json_t *h = json_array();
        rc = h ? sd_store_query(pf->store,
                                "SELECT at, actor, transition, comment FROM alarm_history WHERE "
                                "alarm_id = $1 ORDER BY id",
                                SD_PARAMS(SD_V_INT(id)), &q)
               : SD_ENOMEM;
        while (!rc && (rc = sd_stmt_next(q)) == 1) {
            rc = json_array_append_new(
                     h, sd_json_pack("{s:o,s:o,s:o,s:o}", "at", time_or_null(q, 0), "by",
                                     text(q, 1), "transition", text(q, 2), "comment", text(q, 3)))
                     ? SD_ENOMEM
                     : 0;
        }
        sd_stmt_done(q);
        if (rc >= 0 && sd_json_set(o, "history", h))
            rc = SD_ENOMEM;
        else if (rc < 0)
            json_decref(h);
        if (rc < 0) {
            json_decref(o);
            return rc;
        }
    }
    *out = o;
    return 0;
}

/* ---- groups ---------------------------------------------------------------------------------- */

#define GROUP_SQL                                                                                  \
    "SELECT g.id, g.kind, g.title, g.opened_at, g.closed_at, (SELECT COUNT(*) FROM alarms a "      \
    "WHERE a.group_id = g.id), (SELECT COUNT(*) FROM alarms a WHERE a.group_id = g.id AND "        \
    "a.state <> 'cleared'), (SELECT MIN(severity) FROM alarms a WHERE a.group_id = g.id), "        \
    "(SELECT COUNT(*) FROM alarms a WHERE a.group_id = g.id AND a.state IN ('unacked', "           \
    "'rtn_unacked')), g.tenant_id FROM alarm_groups g "

static json_t *group_row(sd_stmt_t *q)
{
    return sd_json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:I}", "id",
                        (json_int_t)sd_stmt_int64(q, 0), "kind", text(q, 1), "title", text(q, 2),
                        "opened_at", time_or_null(q, 3), "closed_at", time_or_null(q, 4), "count",
                        (json_int_t)sd_stmt_int64(q, 5), "active_count",
                        (json_int_t)sd_stmt_int64(q, 6), "max_severity",
                        sd_stmt_is_null(q, 7) ? json_null() : json_integer(sd_stmt_int64(q, 7)),
                        "unacked_count", (json_int_t)sd_stmt_int64(q, 8));
}

int sd_alarm_groups(sd_pf_t *pf, int64_t tenant_id, int active, int64_t limit, sd_pf_items_t *out)
{
    int rc = items_init(out);
    sd_stmt_t *q = NULL;
    if (!rc)
        rc = sd_store_query(pf->store,
                            GROUP_SQL "WHERE g.tenant_id = $1 AND ($2 = 0 OR g.closed_at IS NULL) "
                                      "AND EXISTS (SELECT 1 FROM alarms a WHERE a.group_id = g.id) "
                                      "ORDER BY g.id DESC LIMIT $3",
                            SD_PARAMS(SD_V_INT(tenant_id), SD_V_INT(active), SD_V_INT(limit)), &q);
    while (!rc && (rc = sd_stmt_next(q)) == 1)
        rc = items_add(out, group_row(q), sd_stmt_int64(q, 9));
    sd_stmt_done(q);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}

int sd_alarm_group_tenant(sd_pf_t *pf, int64_t id, int64_t *tenant_id)
{
    return query_int(pf->store, "SELECT tenant_id FROM alarm_groups WHERE id = $1",
                     SD_PARAMS(SD_V_INT(id)), tenant_id);
}

int sd_alarm_group_json(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *q = NULL;
    int rc =
        sd_store_query_row(pf->store, GROUP_SQL "WHERE g.id = $1", SD_PARAMS(SD_V_INT(id)), &q);
    if (rc)
        return rc;
    *out = group_row(q);
    sd_stmt_done(q);
    return *out ? 0 : SD_ENOMEM;
}

/* ---- facility state -------------------------------------------------------------------------- */

/* The gateways of a tenant out of contact (active no-contact alarms of source "gw:<id>", by
 * their registry names), and whether the tenant has exactly one gateway registered. */
typedef struct {
    char (*names)[132];
    size_t n;
    int only_one;
} gw_down_t;

static int count_gateway(void *ctx, const sd_client_t *c)
{
    (void)c;
    (*(int64_t *)ctx)++;
    return 0;
}

static int gw_down_load(sd_pf_t *pf, int64_t tenant, gw_down_t *g)
{
    *g = (gw_down_t){0};
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT DISTINCT source FROM alarms WHERE tenant_id = $1 AND kind = "
                            "'no_contact' AND active = 1 AND state IN ('unacked', 'acked') AND "
                            "source LIKE 'gw:%' ORDER BY source",
                            SD_PARAMS(SD_V_INT(tenant)), &q);
    size_t cap = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        const char *src = sd_stmt_text(q, 0, NULL);
        char *end = NULL;
        long long id = src ? strtoll(src + 3, &end, 10) : 0;
        char back[48];
        snprintf(back, sizeof back, "gw:%lld", id);
        sd_client_t c;
        if (!src || strcmp(back, src) != 0 || sd_registry_get(pf->store, id, &c) != 0)
            continue; /* not a registration (any more) */
        if (g->n == cap) {
            cap = cap ? cap * 2 : 4;
            char(*nv)[132] = realloc(g->names, cap * sizeof *nv);
            if (!nv) {
                rc = SD_ENOMEM;
                break;
            }
            g->names = nv;
        }
        snprintf(g->names[g->n++], sizeof g->names[0], "%s", c.name);
    }
    sd_stmt_done(q);
    int64_t ngw = 0;
    if (rc >= 0 && g->n && tenant > 0)
        rc = sd_registry_each(pf->store, tenant, SD_CLIENT_GATEWAY, count_gateway, &ngw);
    g->only_one = ngw == 1;
    if (rc < 0) {
        free(g->names);
        *g = (gw_down_t){0};
        return rc;
    }
    return 0;
}

/* A device gateway name of the facility: served by a gateway out of contact? (1 stops) */
static int gw_is_down(void *ctx, const char *gateway)
{
    const gw_down_t *g = ctx;
    if (!gateway[0])
        return g->only_one;
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->names[i], gateway))
            return 1;
    return 0;
}

typedef struct {
    sd_store_t *st;
    json_t *pumps;
    int running;
} pumps_t;

static int add_pump(void *ctx, int64_t id, const char *data_id, const char *name)
{
    pumps_t *x = ctx;
    sd_ts_value_t v;
    int lr = sd_ts_latest(x->st, id, &v);
    int on = lr == 0 && v.quality != SD_TS_MISSING && v.value >= 0.5;
    x->running |= on;
    return json_array_append_new(x->pumps, sd_json_pack("{s:s,s:s,s:b}", "data_id", data_id, "name",
                                                        name, "running", on))
               ? SD_ENOMEM
               : 0;
}

static int facility_json(sd_pf_t *pf, int64_t tenant, int64_t fid, const char *code,
                         const char *name, const gw_down_t *down, json_t **out)
{
    sd_store_t *st = pf->store;
    json_t *o = sd_json_pack("{s:s,s:s}", "code", code, "name", name);
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
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code)), &q);
    int64_t nact = 0, nc = 0, maxsev = 0;
    if (!rc) {
        nact = sd_stmt_int64(q, 0);
        maxsev = sd_stmt_is_null(q, 1) ? 0 : sd_stmt_int64(q, 1);
        nc = sd_stmt_int64(q, 2);
        sd_stmt_done(q);
    }
    /* a gateway out of contact leaves the facilities it serves (inventory rule: devices naming
     * it, or naming none when it is the tenant's only gateway) without contact too */
    if (!rc && !nc && down->n) {
        rc = sd_pf_master_each_facility_gateway(st, fid, gw_is_down, (void *)(uintptr_t)down);
        if (rc > 0) {
            nc = 1;
            rc = 0;
        }
    }
    pumps_t pu = {st, pumps, 0};
    if (!rc)
        rc = sd_pf_master_each_facility_point(st, fid, "monitor", add_pump, &pu);
    int running = pu.running;
    int64_t last = 0;
    int have_last = 0;
    if (rc >= 0) {
        rc = sd_ts_facility_last(st, fid, &last);
        have_last = rc == 0;
        if (rc == SD_ENOTFOUND)
            rc = 0;
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

typedef struct {
    sd_pf_t *pf;
    int64_t tenant;
    const gw_down_t *down;
    sd_pf_items_t *out;
} facilities_t;

static int add_facility(void *ctx, int64_t id, const char *code, const char *name)
{
    facilities_t *x = ctx;
    json_t *o = NULL;
    int rc = facility_json(x->pf, x->tenant, id, code, name, x->down, &o);
    if (!rc)
        rc = items_add(x->out, o, x->tenant);
    return rc;
}

int sd_alarm_facility_status(sd_pf_t *pf, int64_t tenant_id, sd_pf_items_t *out)
{
    gw_down_t down = {0};
    int rc = items_init(out);
    if (!rc)
        rc = gw_down_load(pf, tenant_id, &down);
    facilities_t x = {pf, tenant_id, &down, out};
    if (!rc)
        rc = sd_pf_master_each_facility(pf->store, tenant_id, add_facility, &x);
    free(down.names);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}

/* ---- settings of a point --------------------------------------------------------------------- */

int sd_alarm_settings_json(sd_pf_t *pf, int64_t tenant_id, int64_t point_id, const char *data_id,
                           json_t **out)
{
    *out = NULL;
    double pct = 2;
    int delay = 0;
    const sd_alarms_config_t *cfg = pf->alarms ? sd_alarms__cfg(pf->alarms) : NULL;
    if (cfg) {
        pct = cfg->deadband_pct;
        delay = cfg->delay_s;
        for (int i = 0; i < SD_ALARM_TENANT_OVERRIDES; i++)
            if (cfg->tenant[i].tenant_id == tenant_id) {
                pct = cfg->tenant[i].deadband_pct;
                delay = cfg->tenant[i].delay_s;
            }
    }
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT deadband_pct, delay_s FROM alarm_settings WHERE point_id "
                                "= $1",
                                SD_PARAMS(SD_V_INT(point_id)), &q);
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
        return rc;
    }
    *out = sd_json_pack("{s:s,s:f,s:i,s:{s:o,s:o}}", "data_id", data_id, "deadband_pct", pct,
                        "delay_s", delay, "override", "deadband_pct", ovr_db, "delay_s", ovr_delay);
    return *out ? 0 : SD_ENOMEM;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    const char *by, *detail;
    int64_t tenant, point;
    int has_db, has_dl;
    double db;
    int64_t dl;
} settings_t;

static int settings_tx(sd_store_t *st, void *vctx)
{
    settings_t *c = vctx;
    int rc =
        sd_store_exec(st,
                      "INSERT INTO alarm_settings (point_id, tenant_id, deadband_pct, delay_s, "
                      "updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
                      "(point_id) DO UPDATE SET deadband_pct = excluded.deadband_pct, "
                      "delay_s = excluded.delay_s, updated_at = excluded.updated_at, "
                      "updated_by = excluded.updated_by",
                      SD_PARAMS(SD_V_INT(c->point), SD_V_INT(c->tenant),
                                c->has_db ? SD_V_DOUBLE(c->db) : SD_V_NULL,
                                c->has_dl ? SD_V_INT(c->dl) : SD_V_NULL,
                                SD_V_INT(sd_pf_now_ms(c->pf)), SD_V_TEXT(c->by)),
                      NULL);
    char obj[96];
    snprintf(obj, sizeof obj, "point:%" PRId64, c->point);
    if (!rc)
        rc = sd_pf_audit(c->pf, c->who, c->tenant, "alarm.settings", obj, c->detail);
    return rc;
}

int sd_alarm_settings_set(sd_pf_t *pf, const sd_principal_t *who, const char *by, int64_t tenant_id,
                          int64_t point_id, int has_deadband, double deadband_pct, int has_delay,
                          int64_t delay_s, const char *detail_json)
{
    settings_t c = {pf,       who,          by,        detail_json,  tenant_id,
                    point_id, has_deadband, has_delay, deadband_pct, delay_s};
    return sd_store_tx(pf->store, settings_tx, &c);
}
