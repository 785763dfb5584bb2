/* event.c - GW-IF events: ingest (and the alarms events imply); the batch parser is lib/gwif's. */
#include <inttypes.h>
#include <stdarg.h>
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
#include "pf/master/master.h"
#include "pf/registry/registry.h"

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

/* An alarm message, cut to its column like every alarm message (a function, so that the cut
 * raises no format-truncation warning at each call). */
__attribute__((format(printf, 3, 4))) static void msg(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
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
        sd_pf_master_device_t d;
        int rc = sd_pf_master_device(st, c->tenant, e->device, &d);
        if (rc)
            return rc;
        snprintf(t.source, sizeof t.source, "dev:%" PRId64, d.id);
        snprintf(t.facility, sizeof t.facility, "%.*s", (int)sizeof t.facility - 1, d.facility);
        snprintf(t.facility_name, sizeof t.facility_name, "%.*s", (int)sizeof t.facility_name - 1,
                 d.facility_name);
        snprintf(t.device, sizeof t.device, "%s", e->device);
        snprintf(t.name, sizeof t.name, "%s", e->kind);
        msg(t.message, sizeof t.message, "通信途絶 %s: %s%s%s", d.name, e->kind,
            e->message[0] ? ": " : "", e->message);
        return sd_alarms__condition(c->a, &t, is_kind(e->kind, lost), e->ts_ms);
    }
    int gw = !strcmp(e->kind, "gateway_offline") || is_kind(e->kind, back_gw);
    if (gw && c->gw > 0) {
        sd_client_t gwc;
        int rc = sd_registry_get(st, c->gw, &gwc);
        if (rc)
            return rc;
        snprintf(t.source, sizeof t.source, "gw:%" PRId64, c->gw);
        snprintf(t.name, sizeof t.name, "gateway_offline");
        msg(t.message, sizeof t.message, "通信途絶 ゲートウェイ %s%s%s", gwc.name,
            e->message[0] ? ": " : "", e->message);
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
        int rc;
        if (e->device[0]) {
            sd_pf_master_device_t d;
            rc = sd_pf_master_device(st, c->tenant, e->device, &d);
            if (rc == SD_ENOTFOUND) {
                snprintf(f, sizeof f, "events[%zu].device", i);
                return sd_json_err_set(c->err, f, "unknown device in this tenant");
            }
            if (rc)
                return rc;
        }
        if (e->data_id[0]) {
            rc = sd_pf_master_data_known(st, c->tenant, e->data_id);
            if (rc == SD_ENOTFOUND) {
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

/* The gateways named in one list of events (the registry's names, looked up once each). */
#define GW_NAMES 16
typedef struct {
    int64_t id;
    char name[132];
} gw_name_t;

/* The registry name of the gateway in column col ("" when none or no longer registered): looked
 * up once per gateway while names has room (names[GW_NAMES], *n used), then into *spare. */
static const char *gw_name(sd_store_t *st, sd_stmt_t *q, int col, gw_name_t *names, size_t *n,
                           gw_name_t *spare)
{
    if (sd_stmt_is_null(q, col))
        return "";
    int64_t id = sd_stmt_int64(q, col);
    for (size_t i = 0; i < *n; i++)
        if (names[i].id == id)
            return names[i].name;
    gw_name_t *g = *n < GW_NAMES ? &names[(*n)++] : spare;
    sd_client_t c;
    g->id = id;
    snprintf(g->name, sizeof g->name, "%s", sd_registry_get(st, id, &c) == 0 ? c.name : "");
    return g->name;
}

int sd_event_list(sd_pf_t *pf, int64_t tenant_id, const char *device, const char *kind,
                  int64_t limit, sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT id, ts_ms, kind, device, data_id, severity, message, "
                            "detail, gw_id, received_ms FROM events WHERE tenant_id = $1 AND "
                            "($2 = '' OR device = $2) AND ($3 = '' OR kind = $3) "
                            "ORDER BY id DESC LIMIT $4",
                            SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(device ? device : ""),
                                      SD_V_TEXT(kind ? kind : ""), SD_V_INT(limit)),
                            &q);
    if (rc)
        return rc;
    out->rows = json_array();
    rc = out->rows ? 0 : SD_ENOMEM;
    size_t nnames = 0;
    gw_name_t names[GW_NAMES], spare;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
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
                         json_string(gw_name(pf->store, q, 8, names, &nnames, &spare)),
                         "received_at", time_or_null(q, 9));
        rc = sd_pf_items_add(out, o, (sd_scope_t){.tenant_id = tenant_id});
    }
    sd_stmt_done(q);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}
