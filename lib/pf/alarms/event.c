/* event.c - GW-IF events: the batch parser, ingest (and the alarms events imply), HTTP. */
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

#define DETAIL_MAX  4096
#define MESSAGE_MAX 512

/* ---- parser (pure) --------------------------------------------------------------------------- */

void sd_event_batch_free(sd_event_batch_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->v && i < b->n; i++)
        free(b->v[i].detail);
    free(b->v);
    if (b->root)
        json_decref(b->root);
    *b = (sd_event_batch_t){0};
}

static int kind_ok(const char *s, size_t n)
{
    if (n < 1 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return 0;
    return 1;
}

static int opt_str(const json_t *o, const char *name, size_t max, const char **out,
                   sd_json_err_t *err)
{
    const json_t *v = json_object_get(o, name);
    *out = "";
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return sd_json_err_set(err, name, "expected string");
    size_t n = json_string_length(v);
    if (n < 1 || n > max)
        return sd_json_err_set(err, name, "length must be between 1 and %zu", max);
    *out = json_string_value(v);
    return 0;
}

static int parse_event(const json_t *o, sd_event_t *e, sd_json_err_t *err)
{
    static const char *const known[] = {"ts",       "kind",    "device", "data_id",
                                        "severity", "message", "detail"};
    if (!json_is_object(o))
        return sd_json_err_set(err, "", "expected an object");
    int rc = sd_json_check_known(o, known, 7, err);
    if (rc)
        return rc;
    const json_t *t = json_object_get(o, "ts");
    if (!t)
        return sd_json_err_set(err, "ts", "required");
    if (json_is_integer(t)) {
        e->ts_ms = (int64_t)json_integer_value(t);
        if (e->ts_ms < 0)
            return sd_json_err_set(err, "ts", "must not be negative");
    } else if (json_is_string(t)) {
        if (sd_ts_parse_time(json_string_value(t), &e->ts_ms))
            return sd_json_err_set(err, "ts", "expected ISO 8601 time with zone or UTC ms");
        if (e->ts_ms < 0)
            return sd_json_err_set(err, "ts", "must not be before 1970");
    } else {
        return sd_json_err_set(err, "ts", "expected string or integer");
    }
    const json_t *k = json_object_get(o, "kind");
    if (!k)
        return sd_json_err_set(err, "kind", "required");
    if (!json_is_string(k))
        return sd_json_err_set(err, "kind", "expected string");
    if (!kind_ok(json_string_value(k), json_string_length(k)))
        return sd_json_err_set(err, "kind", "must be 1 to 32 of a-z and _");
    e->kind = json_string_value(k);
    if ((rc = opt_str(o, "device", 64, &e->device, err)) != 0 ||
        (rc = opt_str(o, "data_id", 64, &e->data_id, err)) != 0)
        return rc;
    const json_t *m = json_object_get(o, "message");
    e->message = "";
    if (m && !json_is_null(m)) {
        if (!json_is_string(m))
            return sd_json_err_set(err, "message", "expected string");
        if (json_string_length(m) > MESSAGE_MAX)
            return sd_json_err_set(err, "message", "longer than %d bytes", MESSAGE_MAX);
        e->message = json_string_value(m);
    }
    const json_t *s = json_object_get(o, "severity");
    if (s && !json_is_null(s)) {
        if (!json_is_integer(s))
            return sd_json_err_set(err, "severity", "expected integer");
        if (json_integer_value(s) < 1 || json_integer_value(s) > 4)
            return sd_json_err_set(err, "severity", "must be between 1 and 4");
        e->severity = (int)json_integer_value(s);
    }
    const json_t *d = json_object_get(o, "detail");
    if (d && !json_is_null(d)) {
        if (!json_is_object(d))
            return sd_json_err_set(err, "detail", "expected an object");
        e->detail = json_dumps(d, JSON_COMPACT);
        if (!e->detail)
            return SD_ENOMEM;
        if (strlen(e->detail) > DETAIL_MAX)
            return sd_json_err_set(err, "detail", "larger than %d bytes", DETAIL_MAX);
    }
    return 0;
}

int sd_event_batch_parse(const void *buf, size_t len, size_t max, sd_event_batch_t *out,
                         sd_json_err_t *err)
{
    sd_json_err_t tmp;
    if (!err)
        err = &tmp;
    memset(err, 0, sizeof *err);
    *out = (sd_event_batch_t){0};
    json_t *root = NULL;
    int rc = sd_json_parse(buf, len, &root, err);
    if (rc)
        return rc;
    static const char *const known[] = {"id", "events"};
    const json_t *arr = json_object_get(root, "events");
    const json_t *id = json_object_get(root, "id");
    if (!json_is_object(root))
        rc = sd_json_err_set(err, "", "expected an object");
    else if ((rc = sd_json_check_known(root, known, 2, err)) != 0)
        ;
    else if (id && !json_is_null(id) && !json_is_string(id) && !json_is_integer(id))
        rc = sd_json_err_set(err, "id", "expected string or integer");
    else if (json_is_string(id) && (json_string_length(id) < 1 || json_string_length(id) > 64))
        rc = sd_json_err_set(err, "id", "length must be between 1 and 64");
    else if (!arr)
        rc = sd_json_err_set(err, "events", "required");
    else if (!json_is_array(arr))
        rc = sd_json_err_set(err, "events", "expected array");
    else if (json_array_size(arr) == 0)
        rc = sd_json_err_set(err, "events", "at least one event");
    else if (json_array_size(arr) > max) {
        sd_json_err_set(err, "events", "more than %zu events", max);
        rc = SD_ETOOBIG;
    }
    if (rc) {
        json_decref(root);
        return rc;
    }
    size_t n = json_array_size(arr);
    sd_event_batch_t b = {.root = root, .id = json_is_string(id) ? json_string_value(id) : ""};
    b.v = calloc(n, sizeof *b.v);
    if (!b.v) {
        json_decref(root);
        return SD_ENOMEM;
    }
    b.n = n;
    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_event(json_array_get(arr, i), &b.v[i], err)) != 0) {
            sd_json_err_prefix(err, "events", (long)i);
            sd_event_batch_free(&b);
            return rc;
        }
    }
    /* an integer batch id is kept as its decimal text (it only correlates with the gateway) */
    if (json_is_integer(id)) {
        char idbuf[24];
        snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        json_object_set_new(root, "id", json_string(idbuf));
        b.id = json_string_value(json_object_get(root, "id"));
    }
    *out = b;
    return 0;
}

/* ---- ingest ---------------------------------------------------------------------------------- */

typedef struct {
    sd_pf_t *pf;
    sd_alarms_t *a;
    int64_t tenant, gw, now;
    const sd_event_batch_t *b;
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
static int event_alarm(ev_ctx_t *c, const sd_event_t *e)
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
        const sd_event_t *e = &c->b->v[i];
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
    sd_event_batch_t b;
    int rc = sd_event_batch_parse(body, len, SD_EVENT_BATCH_MAX, &b, err);
    if (rc)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    for (size_t i = 0; i < b.n; i++)
        if (b.v[i].ts_ms < SD_TS_MIN_MS || b.v[i].ts_ms > now + SD_TS_FUTURE_MS) {
            char f[48];
            snprintf(f, sizeof f, "events[%zu].ts", i);
            sd_json_err_set(err, f, "outside 2000-01-01 .. now + 1 day");
            sd_event_batch_free(&b);
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
    sd_event_batch_free(&b);
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
