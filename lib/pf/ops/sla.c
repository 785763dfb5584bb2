/* sla.c - per-minute probes, maintenance windows, monthly availability and refund (§3). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "httpc/client.h"
#include "core/log.h"
#include "core/time.h"
#include "core/worker.h"
#include "pf/data/ts.h"
#include "pf/ops/sla.h"

#define MINUTE INT64_C(60000)

static const char *const svc_names[SD_SLA__COUNT] = {"apif", "storage", "gwif"};

/* ---- pure parts --------------------------------------------------------------------------------
 */

int sd_sla_refund_pct(double pct)
{
    /* a tolerance far below one minute of a month (0.0023 %), so that exactly 432 minutes of
       43,200 (99.00 % in binary floating point: 98.99999...) still reads as 99.00 % */
    const double eps = 1e-9;
    return pct >= 99.95 - eps ? 0 : pct >= 99.80 - eps ? 1 : pct >= 99.00 - eps ? 3 : 10;
}

static double avail(int64_t measured, int64_t down)
{
    return measured > 0 ? 100.0 * (double)(measured - down) / (double)measured : 100.0;
}

void sd_sla_compute(int64_t from, int64_t to, const sd_sla_minute_t *rows, size_t n,
                    const sd_sla_window_t *maint, size_t nm, sd_sla_result_t *out)
{
    *out = (sd_sla_result_t){0};
    from = (from / MINUTE) * MINUTE;
    size_t r = 0;
    for (int64_t t = from; t + MINUTE <= to; t += MINUTE) {
        out->minutes++;
        int excl = 0;
        for (size_t k = 0; k < nm && !excl; k++)
            excl = t >= maint[k].start_ms && t < maint[k].end_ms;
        while (r < n && rows[r].minute_ms < t)
            r++;
        if (excl) {
            out->excluded++;
            continue;
        }
        const sd_sla_minute_t *row = r < n && rows[r].minute_ms == t ? &rows[r] : NULL;
        int any = 0;
        for (int i = 0; i < SD_SLA__COUNT; i++)
            if (!row || !row->ok[i]) {
                out->down[i]++;
                any = 1;
            }
        out->down_any += any;
    }
    int64_t measured = out->minutes - out->excluded;
    for (int i = 0; i < SD_SLA__COUNT; i++)
        out->pct[i] = avail(measured, out->down[i]);
    out->pct_all = avail(measured, out->down_any);
    out->refund_pct = sd_sla_refund_pct(out->pct_all);
}

/* ---- probes ------------------------------------------------------------------------------------
 */

struct sd_sla {
    sd_pf_t *pf;
    char *base;
    sd_http_client_t *http; /* the probes' connection, made on first use */
    sd_worker_t *worker;    /* NULL until sd_sla_start() */
    int64_t last_minute;    /* of the worker's last recorded probe */
    sd_sla_announce_fn announce;
    void *announce_ctx;
};

void sd_sla_on_announce(sd_sla_t *s, sd_sla_announce_fn fn, void *ctx)
{
    s->announce = fn;
    s->announce_ctx = ctx;
}

int sd_sla_new(sd_pf_t *pf, sd_sla_t **out)
{
    sd_sla_t *s = calloc(1, sizeof *s);
    if (!s)
        return SD_ENOMEM;
    s->pf = pf;
    s->last_minute = -1;
    *out = s;
    return 0;
}

/* An interface answers when its router and authentication answer a request without a
 * credential: any status below 500 (401 is the expected one). */
static int http_ok(sd_sla_t *s, const char *path)
{
    if (!s->base)
        return 0;
    if (!s->http && !(s->http = sd_http_client_new()))
        return 0;
    char url[300];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    sd_http_call_t call = {.url = url,
                           .timeout_ms = 10000,
                           .insecure_tls = 1, /* our own server, by address */
                           .user_agent = "suido-sla"};
    sd_http_answer_t a;
    int ok = sd_http_client_call(s->http, &call, &a) == 0 && a.status > 0 && a.status < 500;
    sd_http_answer_free(&a);
    return ok;
}

/* Storage: a write that commits and reads back the same value. */
static int storage_ok(sd_sla_t *s, int64_t now)
{
    char v[24], *got = NULL;
    snprintf(v, sizeof v, "%" PRId64, now);
    if (sd_store_setting_set(s->pf->store, "sla.probe", v) ||
        sd_store_setting_get(s->pf->store, "sla.probe", &got))
        return 0;
    int ok = !strcmp(got, v);
    free(got);
    return ok;
}

int sd_sla_probe(sd_sla_t *s)
{
    int64_t now = sd_pf_now_ms(s->pf);
    int a = http_ok(s, "/apif/v1/master"), st = storage_ok(s, now), g = http_ok(s, "/gwif/v1/data");
    int rc = sd_store_exec(
        s->pf->store,
        "INSERT INTO sla_minutes (minute, apif, storage, gwif) VALUES ($1, $2, "
        "$3, $4) ON CONFLICT (minute) DO UPDATE SET apif = excluded.apif, "
        "storage = excluded.storage, gwif = excluded.gwif",
        SD_PARAMS(SD_V_INT((now / MINUTE) * MINUTE), SD_V_INT(a), SD_V_INT(st), SD_V_INT(g)), NULL);
    if (!a || !st || !g)
        sd_warn("sla: probe: apif %s, storage %s, gwif %s", a ? "ok" : "DOWN", st ? "ok" : "DOWN",
                g ? "ok" : "DOWN");
    return rc;
}

/* One round of the worker: probe once in each wall-clock minute, looking every second. */
static int64_t tick(void *ctx, int stopping)
{
    sd_sla_t *s = ctx;
    if (stopping) {
        sd_store_release(s->pf->store);
        return 0;
    }
    int64_t minute = sd_pf_now_ms(s->pf) / MINUTE;
    if (minute != s->last_minute && sd_sla_probe(s) == 0)
        s->last_minute = minute;
    return 1000;
}

int sd_sla_start(sd_sla_t *s, const char *base_url)
{
    if (s->worker)
        return SD_EINVAL;
    free(s->base);
    if (!(s->base = strdup(base_url)))
        return SD_ENOMEM;
    return sd_worker_start("sd-sla", tick, s, &s->worker);
}

void sd_sla_free(sd_sla_t *s)
{
    if (!s)
        return;
    sd_worker_stop(s->worker);
    sd_http_client_free(s->http);
    free(s->base);
    free(s);
}

sd_pf_t *sd_sla_pf(const sd_sla_t *s)
{
    return s->pf;
}

/* ---- report and maintenance
 * ---------------------------------------------------------------------------------------- */

static int parse_month(const char *m, int64_t *start)
{
    int y, mo;
    char end;
    if (!m || strlen(m) != 7 || sscanf(m, "%4d-%2d%c", &y, &mo, &end) != 2 || m[4] != '-' ||
        y < 2000 || y > 2999 || mo < 1 || mo > 12)
        return SD_EFIELD;
    sd_civil_t c = {y, mo, 1, 0, 0, 0};
    *start = sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000;
    return 0;
}

int sd_sla_report(sd_sla_t *s, const char *m, json_t **out)
{
    *out = NULL;
    int64_t now = sd_pf_now_ms(s->pf), start;
    char month[16];
    if (!m)
        start = sd_ts_bucket_start(now, SD_TS_AGG_MONTH);
    else if (parse_month(m, &start))
        return SD_EFIELD;
    sd_civil_t c;
    sd_civil_from_unix(start / 1000, SD_JST_OFFSET_S, &c);
    snprintf(month, sizeof month, "%04d-%02d", c.year % 10000, c.mon % 100);
    int64_t end = sd_ts_bucket_next(start, SD_TS_AGG_MONTH);
    /* measured from the first probe ever (before it the platform was not in service) to now */
    sd_stmt_t *st = NULL;
    int64_t first = 0;
    int rc = sd_store_query_row(s->pf->store, "SELECT COALESCE(MIN(minute), 0) FROM sla_minutes",
                                SD_NOPARAMS, &st);
    if (!rc)
        first = sd_stmt_int64(st, 0);
    sd_stmt_done(st);
    int64_t from = first > start ? first : start;
    int64_t to = (now / MINUTE) * MINUTE < end ? (now / MINUTE) * MINUTE : end;
    if (!first || from >= to)
        from = to = start;
    size_t cap = (size_t)((to - from) / MINUTE) + 1, n = 0, nm = 0;
    sd_sla_minute_t *rows = rc ? NULL : calloc(cap, sizeof *rows);
    sd_sla_window_t win[256];
    if (!rc && !rows)
        rc = SD_ENOMEM;
    if (!rc)
        rc = sd_store_query(s->pf->store,
                            "SELECT minute, apif, storage, gwif FROM sla_minutes WHERE minute >= "
                            "$1 AND minute < $2 ORDER BY minute",
                            SD_PARAMS(SD_V_INT(from), SD_V_INT(to)), &st);
    while (!rc && (rc = sd_stmt_next(st)) == 1) {
        rc = 0;
        if (n < cap)
            rows[n++] =
                (sd_sla_minute_t){sd_stmt_int64(st, 0),
                                  {(uint8_t)sd_stmt_int64(st, 1), (uint8_t)sd_stmt_int64(st, 2),
                                   (uint8_t)sd_stmt_int64(st, 3)}};
    }
    sd_stmt_done(st);
    if (rc >= 0)
        rc = sd_store_query(s->pf->store,
                            "SELECT starts_at, ends_at FROM maintenance WHERE ends_at > $1 AND "
                            "starts_at < $2 ORDER BY starts_at LIMIT 256",
                            SD_PARAMS(SD_V_INT(from), SD_V_INT(to)), &st);
    while (rc >= 0 && (rc = sd_stmt_next(st)) == 1) {
        rc = 0;
        win[nm++] = (sd_sla_window_t){sd_stmt_int64(st, 0), sd_stmt_int64(st, 1)};
    }
    sd_stmt_done(st);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    sd_sla_result_t r;
    sd_sla_compute(from, to, rows, n, win, nm, &r);
    free(rows);
    json_t *svcs = json_array();
    for (int i = 0; svcs && i < SD_SLA__COUNT; i++)
        json_array_append_new(svcs, sd_json_pack("{s:s,s:f,s:I,s:I}", "name", svc_names[i],
                                                 "availability_pct", r.pct[i], "down_minutes",
                                                 (json_int_t)r.down[i], "excluded_minutes",
                                                 (json_int_t)r.excluded));
    *out =
        sd_json_pack("{s:s,s:o,s:f,s:i,s:f,s:I,s:I,s:I}", "month", month, "services", svcs,
                     "availability_pct", r.pct_all, "refund_pct", r.refund_pct, "target_pct", 99.95,
                     "measured_minutes", (json_int_t)(r.minutes - r.excluded), "down_minutes",
                     (json_int_t)r.down_any, "excluded_minutes", (json_int_t)r.excluded);
    return *out ? 0 : SD_ENOMEM;
}

int sd_sla_maintenance_list(sd_sla_t *s, sd_pf_items_t *out)
{
    return sd_pf_query_items(s->pf->store,
                             "SELECT id, starts_at, ends_at, title, created_by, created_at FROM "
                             "maintenance ORDER BY starts_at DESC LIMIT 500",
                             SD_NOPARAMS, "iiisii", NULL, out);
}

typedef struct {
    sd_sla_t *s;
    const sd_principal_t *who;
    int64_t from, to, id;
    const char *title;
} maint_t;

static int maint_tx(sd_store_t *st, void *ctx)
{
    maint_t *m = ctx;
    int rc =
        sd_store_insert(st,
                        "INSERT INTO maintenance (starts_at, ends_at, title, created_by, "
                        "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        SD_PARAMS(SD_V_INT(m->from), SD_V_INT(m->to), SD_V_TEXT(m->title),
                                  SD_V_INT(m->who->subject_id), SD_V_INT(sd_pf_now_ms(m->s->pf))),
                        &m->id);
    char obj[48];
    snprintf(obj, sizeof obj, "maintenance:%" PRId64, m->id);
    if (!rc)
        rc = sd_pf_audit(m->s->pf, m->who, SD_TENANT_COMMON, "maintenance.create", obj, NULL);
    if (!rc && m->s->announce)
        rc = m->s->announce(m->s->announce_ctx, m->who, m->id, m->from, m->to, m->title);
    return rc;
}

int sd_sla_maintenance_add(sd_sla_t *s, const sd_principal_t *who, int64_t from, int64_t to,
                           const char *title, int64_t *id)
{
    maint_t m = {.s = s, .who = who, .from = from, .to = to, .title = title};
    int rc = sd_store_tx(s->pf->store, maint_tx, &m);
    *id = rc ? 0 : m.id;
    return rc;
}
