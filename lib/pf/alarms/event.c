/* event.c - GW-IF events: ingest (and the alarms events imply); the batch parser is lib/gwif's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/alarms/alarm.h"
#include "pf/alarms/alarm_int.h"
#include "pf/alarms/event.h"
#include "pf/data/ts.h"

/* ---- ingest ---------------------------------------------------------------------------------- */

typedef struct {
    sd_pf_t *pf;
    sd_alarms_t *a;
    int64_t tenant, gw, now;
    const sd_gwif_events_t *b;
    sd_json_err_t *err;
} ev_ctx_t;

static int is_kind(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(k, *list))
            return 1;
    return 0;
}

/* The alarms an event implies: a device that did not answer / a gateway gone is "no contact";
 * a successful call, or the gateway back, returns it. */
static int event_alarm(ev_ctx_t *c, const sd_gwif_event_t *e)
{
    static const char *const lost[] = {"poll_failed", "no_answer", "missed_report", NULL};
    static const char *const back_dev[] = {"terminal_call", NULL};
    static const char *const back_gw[] = {"gateway_online", "gateway_start", NULL};
    sd_store_t *st = c->pf->store;
    sd_alarm_row_t t = {0};
    t.tenant_id = c->tenant;
    snprintf(t.kind, sizeof t.kind, "no_contact");
    t.severity = e->severity ? e->severity : sd_alarms__cfg(c->a)->no_contact_severity;
    int dev = is_kind(e->kind, lost) || is_kind(e->kind, back_dev);
    if (dev && e->device[0]) {
        sd_stmt_t *q = NULL;
        int rc = sd_store_query_row(st,
                                    "SELECT d.id, d.name, f.code, f.name FROM devices d JOIN "
                                    "facilities f ON f.id = d.facility_id WHERE d.tenant_id = $1 "
                                    "AND d.code = $2",
                                    SD_PARAMS(SD_V_INT(c->tenant), SD_V_TEXT(e->device)), &q);
        if (rc)
            return rc;
        snprintf(t.source, sizeof t.source, "dev:%" PRId64, sd_stmt_int64(q, 0));
        const char *dn = sd_stmt_text(q, 1, NULL);
        snprintf(t.facility, sizeof t.facility, "%s", sd_stmt_text(q, 2, NULL));
        snprintf(t.facility_name, sizeof t.facility_name, "%s", sd_stmt_text(q, 3, NULL));
        snprintf(t.device, sizeof t.device, "%s", e->device);
        snprintf(t.name, sizeof t.name, "%s", e->kind);
        snprintf(t.message, sizeof t.message, "通信途絶 %s: %s%s%s", dn ? dn : e->device, e->kind,
                 e->message[0] ? ": " : "", e->message);
        sd_stmt_done(q);
        return sd_alarms__condition(c->a, &t, is_kind(e->kind, lost), e->ts_ms);
    }
    int gw = !strcmp(e->kind, "gateway_offline") || is_kind(e->kind, back_gw);
    if (gw && c->gw > 0) {
        sd_stmt_t *q = NULL;
        int rc = sd_store_query_row(st, "SELECT name FROM clients WHERE id = $1",
                                    SD_PARAMS(SD_V_INT(c->gw)), &q);
        if (rc)
            return rc;
        snprintf(t.source, sizeof t.source, "gw:%" PRId64, c->gw);
        snprintf(t.name, sizeof t.name, "gateway_offline");
        snprintf(t.message, sizeof t.message, "通信途絶 ゲートウェイ %s%s%s",
                 sd_stmt_text(q, 0, NULL), e->message[0] ? ": " : "", e->message);
        sd_stmt_done(q);
        return sd_alarms__condition(c->a, &t, !strcmp(e->kind, "gateway_offline"), e->ts_ms);
    }
    return 0;
}

static int ingest_tx(sd_store_t *st, void *vctx)
{
    ev_ctx_t *c = vctx;
    for (size_t i = 0; i < c->b->n; i++) {
        const sd_gwif_event_t *e = &c->b->v[i];
        char f[48];
        int64_t x = 0;
        sd_stmt_t *q = NULL;
        int rc;
        if (e->device[0]) {
            rc = sd_store_query_row(st, "SELECT id FROM devices WHERE tenant_id = $1 AND code = $2",
                                    SD_PARAMS(SD_V_INT(c->tenant), SD_V_TEXT(e->device)), &q);
            sd_stmt_done(q);
            if (rc == SD_ENOTFOUND || rc == SD_EENCODING) {
                snprintf(f, sizeof f, "events[%zu].device", i);
                return sd_json_err_set(c->err, f, "unknown device in this tenant");
            }
            if (rc)
                return rc;
        }
        if (e->data_id[0]) {
            rc = sd_store_query_row(st,
                                    "SELECT id FROM points WHERE tenant_id = $1 AND data_id = $2 "
                                    "UNION ALL SELECT id FROM outputs WHERE tenant_id = $1 AND "
                                    "data_id = $2",
                                    SD_PARAMS(SD_V_INT(c->tenant), SD_V_TEXT(e->data_id)), &q);
            sd_stmt_done(q);
            if (rc == SD_ENOTFOUND || rc == SD_EENCODING) {
                snprintf(f, sizeof f, "events[%zu].data_id", i);
                return sd_json_err_set(c->err, f, "unknown data ID in this tenant");
            }
            if (rc)
                return rc;
        }
        rc = sd_store_insert(
            st,
            "INSERT INTO events (tenant_id, gw_id, batch, ts_ms, kind, device, data_id, severity, "
            "message, detail, received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
            "RETURNING id",
            SD_PARAMS(SD_V_INT(c->tenant), c->gw > 0 ? SD_V_INT(c->gw) : SD_V_NULL,
                      SD_V_TEXT(c->b->id), SD_V_INT(e->ts_ms), SD_V_TEXT(e->kind),
                      SD_V_TEXT(e->device), SD_V_TEXT(e->data_id),
                      e->severity ? SD_V_INT(e->severity) : SD_V_NULL, SD_V_TEXT(e->message),
                      SD_V_TEXT(e->detail ? e->detail : ""), SD_V_INT(c->now)),
            &x);
        if (rc == SD_EENCODING) {
            snprintf(f, sizeof f, "events[%zu]", i);
            return sd_json_err_set(c->err, f, "invalid text");
        }
        if (!rc && c->a)
            rc = event_alarm(c, e);
        if (rc)
            return rc;
    }
    return 0;
}

int sd_event_ingest_json_n(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const void *body,
                           size_t len, sd_json_err_t *err, size_t *stored)
{
    sd_json_err_t tmp;
    if (!err)
        err = &tmp;
    if (stored)
        *stored = 0;
    if (!pf || !pf->store || tenant_id <= 0 || (len && !body))
        return SD_EINVAL;
    sd_gwif_events_t b;
    int rc = sd_gwif_events_parse(body, len, SD_EVENT_BATCH_MAX, &b, err);
    if (rc)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    for (size_t i = 0; i < b.n; i++)
        if (!sd_gwif_ts_in_window(b.v[i].ts_ms, now)) {
            char f[48];
            snprintf(f, sizeof f, "events[%zu].ts", i);
            sd_json_err_set(err, f, SD_GWIF_WINDOW_ERROR);
            sd_gwif_events_free(&b);
            return SD_EFIELD;
        }
    ev_ctx_t c = {pf, pf->alarms, tenant_id, gw_id, now, &b, err};
    /* events and the alarms they imply commit together: a crash cannot keep one without the
     * other, so nothing needs re-evaluating at start */
    if (c.a) {
        sd_alarms__lock(c.a);
        rc = sd_alarms__tx(c.a, ingest_tx, &c);
        sd_alarms__unlock(c.a);
    } else {
        rc = sd_store_tx(pf->store, ingest_tx, &c);
    }
    if (!rc && stored)
        *stored = b.n;
    sd_gwif_events_free(&b);
    return rc;
}

int sd_event_ingest_json(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const void *body,
                         size_t len, sd_json_err_t *err)
{
    return sd_event_ingest_json_n(pf, tenant_id, gw_id, body, len, err, NULL);
}

/* ---- the stored events ----------------------------------------------------------------------- */

static json_t *time_or_null(sd_stmt_t *q, int col)
{
    if (sd_stmt_is_null(q, col))
        return json_null();
    char t[40];
    sd_ts_format_time(sd_stmt_int64(q, col), t, sizeof t);
    return json_string(t);
}

static json_t *text(sd_stmt_t *q, int col)
{
    const char *s = sd_stmt_text(q, col, NULL);
    return json_string(s ? s : "");
}

int sd_event_list(sd_pf_t *pf, int64_t tenant_id, const char *device, const char *kind,
                  int64_t limit, sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT e.id, e.ts_ms, e.kind, e.device, e.data_id, e.severity, "
                            "e.message, e.detail, COALESCE(c.name, ''), e.received_ms FROM "
                            "events e LEFT JOIN clients c ON c.id = e.gw_id WHERE e.tenant_id = "
                            "$1 AND ($2 = '' OR e.device = $2) AND ($3 = '' OR e.kind = $3) "
                            "ORDER BY e.id DESC LIMIT $4",
                            SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(device ? device : ""),
                                      SD_V_TEXT(kind ? kind : ""), SD_V_INT(limit)),
                            &q);
    if (rc)
        return rc;
    out->rows = json_array();
    rc = out->rows ? 0 : SD_ENOMEM;
    size_t cap = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            sd_scope_t *ns = realloc(out->scopes, nc * sizeof *ns);
            if (!ns) {
                rc = SD_ENOMEM;
                break;
            }
            out->scopes = ns;
            cap = nc;
        }
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
        if (json_array_append_new(out->rows, o))
            rc = SD_ENOMEM;
        else
            out->scopes[out->n++] = (sd_scope_t){.tenant_id = tenant_id};
    }
    sd_stmt_done(q);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}
