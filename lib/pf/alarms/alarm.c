/* alarm.c - the alarm engine: conditions from samples and events, ISA-18.2 states, groups. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/worker.h"
#include "pf/alarms/alarm.h"
#include "pf/alarms/alarm_int.h"
#include "pf/data/ts.h"
#include "pf/master/master.h"

#define MAX_LISTENERS 8

/* A committed-sample copy waiting for the engine's thread (the observer must not block). */
typedef struct {
    int64_t tenant_id, ts_ms;
    double value;
    char *data_id;
} qitem_t;

/* Per point memory: newest evaluated time (so back-filled samples never flip a state) and the
 * start of an on-delay in progress. Lost on restart, which re-reads the latest values. */
typedef struct {
    int64_t point_id, tenant_id, last_ts;
    int64_t pending_since; /* sample time the condition turned abnormal, 0 = none */
    int64_t pending_delay_ms;
    double pending_value;
    char data_id[65];
} ptstate_t;

/* A transition of the current transaction, handed to listeners only after the commit. */
typedef struct {
    sd_alarm_event_t e;
    char facility[64], device[64], data_id[72], message[256], by[40], comment[512];
} tev_t;

struct sd_alarms {
    sd_pf_t *pf;
    sd_alarms_config_t cfg;
    pthread_mutex_t mu;  /* every alarm write, so states and seq move one at a time */
    pthread_mutex_t qmu; /* the queue and w */
    qitem_t *q;
    size_t qn, qcap;
    sd_worker_t *w; /* the engine's thread (sd_alarms_run), NULL before */
    int recovered;
    int64_t next_silence_check; /* clock ms */
    struct {
        sd_alarm_listener_fn fn;
        void *ctx;
    } ls[MAX_LISTENERS];
    int nls;
    ptstate_t *pts; /* sorted by point_id */
    size_t npts, cappts;
    tev_t *evs;
    size_t nevs, capevs;
};

static const char *const transition_names[] = {"raised",         "acked",      "returned",
                                               "cleared",        "shelved",    "unshelved",
                                               "out_of_service", "in_service", "commented"};

const char *sd_alarm_transition_name(sd_alarm_transition_t t)
{
    return (unsigned)t < sizeof transition_names / sizeof *transition_names ? transition_names[t]
                                                                            : "unknown";
}

int sd_alarm_severity_of(const char *text)
{
    static const char *const names[] = {"critical", "major", "minor", "info"};
    for (int i = 0; text && i < 4; i++)
        if (strcmp(text, names[i]) == 0)
            return i + 1;
    return 3;
}

void sd_alarms_config_defaults(sd_alarms_config_t *c)
{
    *c = (sd_alarms_config_t){.deadband_pct = 2.0,
                              .delay_s = 0,
                              .flood_window_s = 60,
                              .flood_threshold = 10,
                              .no_contact_severity = 3};
}

static void tenant_defaults(const sd_alarms_t *a, int64_t tenant, double *db, int *delay)
{
    *db = a->cfg.deadband_pct;
    *delay = a->cfg.delay_s;
    for (int i = 0; i < SD_ALARM_TENANT_OVERRIDES; i++)
        if (a->cfg.tenant[i].tenant_id == tenant) {
            *db = a->cfg.tenant[i].deadband_pct;
            *delay = a->cfg.tenant[i].delay_s;
        }
}

static void fmt_time(int64_t ms, char *out, size_t n)
{
    sd_ts_format_time(ms, out, n);
}

/* ---- per point memory ------------------------------------------------------------------------ */

static ptstate_t *pt_get(sd_alarms_t *a, int64_t point_id, int create)
{
    size_t lo = 0, hi = a->npts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->pts[mid].point_id < point_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < a->npts && a->pts[lo].point_id == point_id)
        return &a->pts[lo];
    if (!create)
        return NULL;
    if (a->npts == a->cappts) {
        size_t nc = a->cappts ? a->cappts * 2 : 256;
        ptstate_t *nv = realloc(a->pts, nc * sizeof *nv);
        if (!nv)
            return NULL;
        a->pts = nv;
        a->cappts = nc;
    }
    memmove(&a->pts[lo + 1], &a->pts[lo], (a->npts - lo) * sizeof *a->pts);
    a->npts++;
    a->pts[lo] = (ptstate_t){.point_id = point_id, .last_ts = INT64_MIN};
    return &a->pts[lo];
}

/* ---- transitions of a transaction ------------------------------------------------------------ */

static void push_event(sd_alarms_t *a, const sd_alarm_row_t *al, sd_alarm_transition_t t,
                       int64_t at, const char *by, const char *comment)
{
    if (a->nevs == a->capevs) {
        size_t nc = a->capevs ? a->capevs * 2 : 16;
        tev_t *nv = realloc(a->evs, nc * sizeof *nv);
        if (!nv) {
            sd_error("alarms: out of memory: listeners miss a transition of alarm %" PRId64,
                     al->id);
            return;
        }
        a->evs = nv;
        a->capevs = nc;
    }
    tev_t *v = &a->evs[a->nevs++];
    snprintf(v->facility, sizeof v->facility, "%s", al->facility);
    snprintf(v->device, sizeof v->device, "%s", al->device);
    snprintf(v->data_id, sizeof v->data_id, "%s", al->data_id);
    snprintf(v->message, sizeof v->message, "%s", al->message);
    snprintf(v->by, sizeof v->by, "%s", by ? by : "system");
    snprintf(v->comment, sizeof v->comment, "%s", comment ? comment : "");
    v->e = (sd_alarm_event_t){.alarm_id = al->id,
                              .group_id = al->group_id,
                              .tenant_id = al->tenant_id,
                              .transition = t,
                              .severity = al->severity,
                              .at_ms = at};
}

static void dispatch(sd_alarms_t *a)
{
    for (size_t i = 0; i < a->nevs; i++) {
        tev_t *v = &a->evs[i];
        v->e.facility = v->facility;
        v->e.device = v->device;
        v->e.data_id = v->data_id;
        v->e.message = v->message;
        v->e.by = v->by;
        v->e.comment = v->comment;
        for (int k = 0; k < a->nls; k++)
            a->ls[k].fn(a->ls[k].ctx, &v->e);
    }
    a->nevs = 0;
}

typedef struct {
    sd_alarms_t *a;
    sd_store_tx_fn fn;
    void *ctx;
} txwrap_t;

static int tx_wrapper(sd_store_t *st, void *vctx)
{
    txwrap_t *w = vctx;
    w->a->nevs = 0; /* a retried attempt starts over */
    return w->fn(st, w->ctx);
}

int sd_alarms__tx(sd_alarms_t *a, sd_store_tx_fn fn, void *ctx)
{
    txwrap_t w = {a, fn, ctx};
    int rc = sd_store_tx(a->pf->store, tx_wrapper, &w);
    if (rc == 0)
        dispatch(a);
    a->nevs = 0;
    return rc;
}

void sd_alarms__lock(sd_alarms_t *a)
{
    pthread_mutex_lock(&a->mu);
}

void sd_alarms__unlock(sd_alarms_t *a)
{
    pthread_mutex_unlock(&a->mu);
}

/* ---- rows ------------------------------------------------------------------------------------ */

#define ROW_COLS                                                                                   \
    "id, tenant_id, source, kind, COALESCE(group_id, 0), facility, facility_name, device, "        \
    "data_id, name, message, severity, state, prev_state, active, cond_ms, raised_at, "            \
    "COALESCE(acked_at, 0), COALESCE(acked_by, ''), COALESCE(returned_at, 0), "                    \
    "COALESCE(cleared_at, 0), COALESCE(shelved_until, 0)"

static void cp(char *dst, size_t n, sd_stmt_t *q, int col)
{
    const char *t = sd_stmt_text(q, col, NULL);
    snprintf(dst, n, "%s", t ? t : "");
}

static void row_read(sd_stmt_t *q, sd_alarm_row_t *r)
{
    memset(r, 0, sizeof *r);
    r->id = sd_stmt_int64(q, 0);
    r->tenant_id = sd_stmt_int64(q, 1);
    cp(r->source, sizeof r->source, q, 2);
    cp(r->kind, sizeof r->kind, q, 3);
    r->group_id = sd_stmt_int64(q, 4);
    cp(r->facility, sizeof r->facility, q, 5);
    cp(r->facility_name, sizeof r->facility_name, q, 6);
    cp(r->device, sizeof r->device, q, 7);
    cp(r->data_id, sizeof r->data_id, q, 8);
    cp(r->name, sizeof r->name, q, 9);
    cp(r->message, sizeof r->message, q, 10);
    r->severity = (int)sd_stmt_int64(q, 11);
    cp(r->state, sizeof r->state, q, 12);
    cp(r->prev_state, sizeof r->prev_state, q, 13);
    r->active = (int)sd_stmt_int64(q, 14);
    r->cond_ms = sd_stmt_int64(q, 15);
    r->raised_at = sd_stmt_int64(q, 16);
    r->acked_at = sd_stmt_int64(q, 17);
    cp(r->acked_by, sizeof r->acked_by, q, 18);
    r->returned_at = sd_stmt_int64(q, 19);
    r->cleared_at = sd_stmt_int64(q, 20);
    r->shelved_until = sd_stmt_int64(q, 21);
}

int sd_alarms__load(sd_store_t *st, int64_t tenant, int64_t id, sd_alarm_row_t *r)
{
    sd_stmt_t *q = NULL;
    int rc =
        sd_store_query_row(st, "SELECT " ROW_COLS " FROM alarms WHERE id = $1 AND tenant_id = $2",
                           SD_PARAMS(SD_V_INT(id), SD_V_INT(tenant)), &q);
    if (rc)
        return rc;
    row_read(q, r);
    sd_stmt_done(q);
    return 0;
}

static int load_open(sd_store_t *st, int64_t tenant, const char *source, sd_alarm_row_t *r)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT " ROW_COLS " FROM alarms WHERE tenant_id = $1 AND "
                                "source = $2 AND state <> 'cleared'",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(source)), &q);
    if (rc)
        return rc;
    row_read(q, r);
    sd_stmt_done(q);
    return 0;
}

static sd_val_t opt_int(int64_t v)
{
    return v ? SD_V_INT(v) : SD_V_NULL;
}

/* Write the mutable fields of r back. */
static int save(sd_store_t *st, const sd_alarm_row_t *r, int64_t now)
{
    return sd_store_exec(
        st,
        "UPDATE alarms SET state = $2, prev_state = $3, active = $4, cond_ms = $5, "
        "acked_at = $6, acked_by = $7, returned_at = $8, cleared_at = $9, shelved_until = $10, "
        "group_id = $11, updated_at = $12 WHERE id = $1",
        SD_PARAMS(SD_V_INT(r->id), SD_V_TEXT(r->state), SD_V_TEXT(r->prev_state),
                  SD_V_INT(r->active), SD_V_INT(r->cond_ms), opt_int(r->acked_at),
                  r->acked_by[0] ? SD_V_TEXT(r->acked_by) : SD_V_NULL, opt_int(r->returned_at),
                  opt_int(r->cleared_at), opt_int(r->shelved_until), opt_int(r->group_id),
                  SD_V_INT(now)),
        NULL);
}

/* One history row; its id becomes the alarm's seq. Listeners hear of it after the commit. */
static int record(sd_alarms_t *a, sd_alarm_row_t *r, sd_alarm_transition_t t, int64_t at,
                  const char *by, const char *comment)
{
    sd_store_t *st = a->pf->store;
    int64_t hid = 0;
    int rc = sd_store_insert(st,
                             "INSERT INTO alarm_history (alarm_id, tenant_id, at, actor, "
                             "transition, comment) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                             SD_PARAMS(SD_V_INT(r->id), SD_V_INT(r->tenant_id), SD_V_INT(at),
                                       SD_V_TEXT(by ? by : "system"),
                                       SD_V_TEXT(sd_alarm_transition_name(t)),
                                       SD_V_TEXT(comment ? comment : "")),
                             &hid);
    if (!rc)
        rc = sd_store_exec(st, "UPDATE alarms SET seq = $2 WHERE id = $1",
                           SD_PARAMS(SD_V_INT(r->id), SD_V_INT(hid)), NULL);
    if (!rc)
        push_event(a, r, t, at, by, comment);
    return rc;
}

/* A group whose members are all cleared is closed (and no longer listed as active). */
static int close_group_if_done(sd_store_t *st, int64_t gid, int64_t now)
{
    if (!gid)
        return 0;
    return sd_store_exec(st,
                         "UPDATE alarm_groups SET closed_at = $2 WHERE id = $1 AND closed_at IS "
                         "NULL AND NOT EXISTS (SELECT 1 FROM alarms WHERE group_id = $1 AND "
                         "state <> 'cleared')",
                         SD_PARAMS(SD_V_INT(gid), SD_V_INT(now)), NULL);
}

static int is_unacked(const char *state)
{
    return !strcmp(state, "unacked") || !strcmp(state, "rtn_unacked");
}

/*
 * Back from shelved / out of service: to the state it had, moved on by what the condition did
 * meanwhile (an unacknowledged alarm that returned is rtn_unacked; an acknowledged one cleared).
 */
static int restore(sd_alarms_t *a, sd_alarm_row_t *r, sd_alarm_transition_t t, int64_t now,
                   const char *by, const char *comment)
{
    int unacked = r->prev_state[0] == 0 || is_unacked(r->prev_state);
    const char *ns =
        unacked ? (r->active ? "unacked" : "rtn_unacked") : (r->active ? "acked" : "cleared");
    snprintf(r->state, sizeof r->state, "%s", ns);
    r->prev_state[0] = 0;
    r->shelved_until = 0;
    if (!strcmp(ns, "cleared"))
        r->cleared_at = now;
    int rc = save(a->pf->store, r, now);
    if (!rc)
        rc = record(a, r, t, now, by, comment);
    if (!rc && !strcmp(ns, "cleared")) {
        rc = record(a, r, SD_ALARM_CLEARED, now, by, "");
        if (!rc)
            rc = close_group_if_done(a->pf->store, r->group_id, now);
    }
    return rc;
}

/* ---- groups ---------------------------------------------------------------------------------- */

static int count_q(sd_store_t *st, const char *sql, const sd_val_t *p, int n, int64_t *out)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(st, sql, p, n, &q);
    *out = 0;
    if (rc == SD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    *out = sd_stmt_int64(q, 0);
    sd_stmt_done(q);
    return 0;
}

/*
 * A new alarm r joins a group: a flood when more than the threshold of the tenant's alarms were
 * raised within the window (the whole window's open alarms move into it, cause groups included:
 * in a regional power cut the flood is the one incident), else a cause group with the alarms of
 * its facility raised at exactly the same time (one terminal call reporting several inputs).
 */
static int group(sd_alarms_t *a, sd_alarm_row_t *r)
{
    sd_store_t *st = a->pf->store;
    int64_t win = (int64_t)a->cfg.flood_window_s * 1000, from = r->raised_at - win, n = 0, gid = 0;
    int rc = count_q(st,
                     "SELECT COUNT(*) FROM alarms WHERE tenant_id = $1 AND raised_at >= $2 AND "
                     "raised_at <= $3",
                     SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_INT(from), SD_V_INT(r->raised_at)), &n);
    if (rc)
        return rc;
    if (n > a->cfg.flood_threshold) {
        rc = count_q(st,
                     "SELECT id FROM alarm_groups WHERE tenant_id = $1 AND kind = 'flood' AND "
                     "closed_at IS NULL AND last_at >= $2 ORDER BY id DESC LIMIT 1",
                     SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_INT(from)), &gid);
        if (rc)
            return rc;
        if (gid) {
            rc = sd_store_exec(
                st, "UPDATE alarm_groups SET last_at = $2 WHERE id = $1 AND last_at < $2",
                SD_PARAMS(SD_V_INT(gid), SD_V_INT(r->raised_at)), NULL);
            if (!rc)
                rc = sd_store_exec(st, "UPDATE alarms SET group_id = $2 WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(r->id), SD_V_INT(gid)), NULL);
        } else {
            char t[40], title[96];
            fmt_time(r->raised_at, t, sizeof t);
            snprintf(title, sizeof title, "警報多発 (flood) %s", t);
            rc = sd_store_insert(st,
                                 "INSERT INTO alarm_groups (tenant_id, kind, title, cause_ms, "
                                 "opened_at, last_at) VALUES ($1, 'flood', $2, $3, $4, $3) "
                                 "RETURNING id",
                                 SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_TEXT(title),
                                           SD_V_INT(r->raised_at), SD_V_INT(sd_pf_now_ms(a->pf))),
                                 &gid);
            if (!rc)
                rc = sd_store_exec(st,
                                   "UPDATE alarms SET group_id = $4 WHERE tenant_id = $1 AND "
                                   "raised_at >= $2 AND raised_at <= $3 AND state <> 'cleared'",
                                   SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_INT(from),
                                             SD_V_INT(r->raised_at), SD_V_INT(gid)),
                                   NULL);
            if (!rc) /* cause groups emptied by the move */
                rc = sd_store_exec(st,
                                   "UPDATE alarm_groups SET closed_at = $2 WHERE tenant_id = $1 "
                                   "AND kind = 'cause' AND closed_at IS NULL AND NOT EXISTS "
                                   "(SELECT 1 FROM alarms WHERE group_id = alarm_groups.id)",
                                   SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_INT(r->raised_at)), NULL);
        }
        r->group_id = gid;
        return rc;
    }
    if (!r->facility[0])
        return 0;
    sd_stmt_t *q = NULL;
    rc = sd_store_query_row(st,
                            "SELECT id, COALESCE(group_id, 0) FROM alarms WHERE tenant_id = $1 AND "
                            "facility = $2 AND raised_at = $3 AND id <> $4 ORDER BY id LIMIT 1",
                            SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_TEXT(r->facility),
                                      SD_V_INT(r->raised_at), SD_V_INT(r->id)),
                            &q);
    if (rc == SD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    int64_t other = sd_stmt_int64(q, 0);
    gid = sd_stmt_int64(q, 1);
    sd_stmt_done(q);
    if (!gid) {
        char t[40], title[192];
        fmt_time(r->raised_at, t, sizeof t);
        snprintf(title, sizeof title, "%s 同時発生 %s",
                 r->facility_name[0] ? r->facility_name : r->facility, t);
        rc = sd_store_insert(
            st,
            "INSERT INTO alarm_groups (tenant_id, kind, title, facility, cause_ms, "
            "opened_at, last_at) VALUES ($1, 'cause', $2, $3, $4, $5, $4) "
            "RETURNING id",
            SD_PARAMS(SD_V_INT(r->tenant_id), SD_V_TEXT(title), SD_V_TEXT(r->facility),
                      SD_V_INT(r->raised_at), SD_V_INT(sd_pf_now_ms(a->pf))),
            &gid);
        if (!rc)
            rc = sd_store_exec(st, "UPDATE alarms SET group_id = $2 WHERE id = $1",
                               SD_PARAMS(SD_V_INT(other), SD_V_INT(gid)), NULL);
    } else {
        rc = sd_store_exec(st, "UPDATE alarm_groups SET closed_at = NULL WHERE id = $1",
                           SD_PARAMS(SD_V_INT(gid)), NULL);
    }
    if (!rc)
        rc = sd_store_exec(st, "UPDATE alarms SET group_id = $2 WHERE id = $1",
                           SD_PARAMS(SD_V_INT(r->id), SD_V_INT(gid)), NULL);
    r->group_id = gid;
    return rc;
}

/* ---- conditions ------------------------------------------------------------------------------ */

/*
 * The condition of source in tenant is abnormal (or normal) as of ts. Raises a new alarm, re-alarms
 * one that returned unacknowledged, or returns / clears it; tmpl carries what a new alarm is.
 */
int sd_alarms__condition(sd_alarms_t *a, const sd_alarm_row_t *tmpl, int abnormal, int64_t ts)
{
    sd_store_t *st = a->pf->store;
    int64_t now = sd_pf_now_ms(a->pf);
    sd_alarm_row_t r;
    int rc = load_open(st, tmpl->tenant_id, tmpl->source, &r);
    if (rc && rc != SD_ENOTFOUND)
        return rc;
    int open = rc == 0;
    if (open && ts < r.cond_ms)
        return 0; /* older than what was evaluated: a back-fill never flips the state */
    if (!open) {
        if (!abnormal)
            return 0;
        r = *tmpl;
        snprintf(r.state, sizeof r.state, "unacked");
        r.active = 1;
        r.cond_ms = ts;
        r.raised_at = ts;
        rc = sd_store_insert(
            st,
            "INSERT INTO alarms (tenant_id, source, kind, facility, facility_name, "
            "device, data_id, name, message, severity, state, active, cond_ms, "
            "raised_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "$10, 'unacked', 1, $11, $11, $12) RETURNING id",
            SD_PARAMS(SD_V_INT(r.tenant_id), SD_V_TEXT(r.source), SD_V_TEXT(r.kind),
                      SD_V_TEXT(r.facility), SD_V_TEXT(r.facility_name), SD_V_TEXT(r.device),
                      SD_V_TEXT(r.data_id), SD_V_TEXT(r.name), SD_V_TEXT(r.message),
                      SD_V_INT(r.severity), SD_V_INT(ts), SD_V_INT(now)),
            &r.id);
        if (!rc)
            rc = group(a, &r);
        if (!rc)
            rc = record(a, &r, SD_ALARM_RAISED, ts, "system", "");
        return rc;
    }
    r.cond_ms = ts;
    int shelved = !strcmp(r.state, "shelved") || !strcmp(r.state, "out_of_service");
    if (abnormal) {
        if (r.active)
            return save(st, &r, now); /* still abnormal: no duplicate, no transition */
        r.active = 1;
        r.returned_at = 0;
        if (!shelved && !strcmp(r.state, "rtn_unacked")) {
            /* re-alarm before anyone acknowledged the return: unacknowledged again */
            snprintf(r.state, sizeof r.state, "unacked");
            /* the new message (an analog alarm may now be low instead of high) */
            snprintf(r.message, sizeof r.message, "%s", tmpl->message);
            rc = save(st, &r, now);
            if (!rc)
                rc = sd_store_exec(st, "UPDATE alarms SET message = $2 WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(r.id), SD_V_TEXT(r.message)), NULL);
            if (!rc)
                rc = record(a, &r, SD_ALARM_RAISED, ts, "system", "re-alarm");
            return rc;
        }
        return save(st, &r, now);
    }
    if (!r.active)
        return save(st, &r, now);
    r.active = 0;
    r.returned_at = ts;
    if (shelved)
        return save(st, &r, now); /* the state it returns to is worked out at unshelve */
    int acked = !strcmp(r.state, "acked");
    snprintf(r.state, sizeof r.state, "%s", acked ? "cleared" : "rtn_unacked");
    if (acked)
        r.cleared_at = ts;
    rc = save(st, &r, now);
    if (!rc)
        rc = record(a, &r, SD_ALARM_RETURNED, ts, "system", "");
    if (!rc && acked)
        rc = record(a, &r, SD_ALARM_CLEARED, ts, "system", "");
    if (!rc && acked)
        rc = close_group_if_done(st, r.group_id, now);
    return rc;
}

/* ---- samples --------------------------------------------------------------------------------- */

typedef struct {
    int64_t id, device_id;
    char signal[16], name[128], unit[32], severity[16], device[64], facility[64], fname[128];
    int has_lo, has_hi, has_db, has_delay;
    double lo, hi, scale_lo, scale_hi, db_pct;
    int has_scale;
    int delay_s;
} point_t;

/* An alarm message, cut to its column (a function, so that the cut raises no format-truncation
 * warning at each call). */
__attribute__((format(printf, 3, 4))) static void msgf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

/* Copy src into dst of n bytes, cut like a column read (snprintf). */
static void cps(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%.*s", (int)(n - 1), src);
}

/* The point as the master has it (one query per sample); its alarm settings are loaded only when
 * they matter (load_settings: analog points with limits). */
static int load_point(sd_store_t *st, int64_t tenant, const char *data_id, point_t *p)
{
    sd_pf_master_point_t m;
    int rc = sd_pf_master_point(st, tenant, data_id, &m);
    if (rc)
        return rc;
    memset(p, 0, sizeof *p);
    p->id = m.id;
    cps(p->signal, sizeof p->signal, m.signal);
    cps(p->name, sizeof p->name, m.name);
    cps(p->unit, sizeof p->unit, m.unit);
    cps(p->severity, sizeof p->severity, m.severity);
    p->has_lo = m.has_lo;
    p->lo = m.limit_lo;
    p->has_hi = m.has_hi;
    p->hi = m.limit_hi;
    p->has_scale = m.has_scale;
    p->scale_lo = m.scale_lo;
    p->scale_hi = m.scale_hi;
    p->device_id = m.device_id;
    cps(p->device, sizeof p->device, m.device);
    cps(p->facility, sizeof p->facility, m.facility);
    cps(p->fname, sizeof p->fname, m.facility_name);
    return 0;
}

/* The point's own deadband and on-delay (alarm_settings), when set. */
static int load_settings(sd_store_t *st, point_t *p)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT deadband_pct, delay_s FROM alarm_settings WHERE"
                                " point_id = $1",
                                SD_PARAMS(SD_V_INT(p->id)), &q);
    if (rc == SD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    p->has_db = !sd_stmt_is_null(q, 0);
    p->db_pct = sd_stmt_double(q, 0);
    p->has_delay = !sd_stmt_is_null(q, 1);
    p->delay_s = (int)sd_stmt_int64(q, 1);
    sd_stmt_done(q);
    return 0;
}

static void point_tmpl(const point_t *p, int64_t tenant, const char *data_id, sd_alarm_row_t *t)
{
    memset(t, 0, sizeof *t);
    t->tenant_id = tenant;
    snprintf(t->source, sizeof t->source, "pt:%" PRId64, p->id);
    snprintf(t->kind, sizeof t->kind, "point");
    snprintf(t->facility, sizeof t->facility, "%s", p->facility);
    snprintf(t->facility_name, sizeof t->facility_name, "%s", p->fname);
    snprintf(t->device, sizeof t->device, "%s", p->device);
    snprintf(t->data_id, sizeof t->data_id, "%s", data_id);
    snprintf(t->name, sizeof t->name, "%s", p->name);
    snprintf(t->message, sizeof t->message, "%s", p->name);
    t->severity = sd_alarm_severity_of(p->severity);
}

/* The hysteresis band of an analog point, in its units: pct of the limit span. */
static double deadband(const point_t *p, double pct)
{
    double span = p->has_lo && p->has_hi ? p->hi - p->lo
                  : p->has_scale         ? p->scale_hi - p->scale_lo
                  : p->has_hi            ? p->hi
                                         : p->lo;
    return fabs(span) * pct / 100.0;
}

/*
 * One sample of tenant. The device answered, so its no-contact alarm (if any) returns; an alarm
 * point's value >= 0.5 is abnormal; an analog point is abnormal beyond its limits and returns
 * only once back inside by the deadband, raised only after the on-delay (sample time).
 */
static int eval_sample(sd_alarms_t *a, int64_t tenant, const char *data_id, int64_t ts,
                       double value, int from_timer)
{
    point_t p;
    int rc = load_point(a->pf->store, tenant, data_id, &p);
    if (rc == SD_ENOTFOUND || rc == SD_EENCODING)
        return 0; /* the master changed since the sample was stored */
    if (rc)
        return rc;
    ptstate_t *ps = pt_get(a, p.id, 1);
    if (!ps)
        return SD_ENOMEM;
    if (ts < ps->last_ts)
        return 0;
    ps->last_ts = ts;
    ps->tenant_id = tenant;
    snprintf(ps->data_id, sizeof ps->data_id, "%s", data_id);

    sd_alarm_row_t t = {0};
    t.tenant_id = tenant;
    snprintf(t.source, sizeof t.source, "dev:%" PRId64, p.device_id);
    rc = sd_alarms__condition(a, &t, 0, ts);
    if (rc)
        return rc;

    point_tmpl(&p, tenant, data_id, &t);
    if (!strcmp(p.signal, "alarm"))
        return sd_alarms__condition(a, &t, value >= 0.5, ts);
    if (strcmp(p.signal, "analog") != 0 || (!p.has_lo && !p.has_hi))
        return 0;
    rc = load_settings(a->pf->store, &p);
    if (rc)
        return rc;
    double pct;
    int delay;
    tenant_defaults(a, tenant, &pct, &delay);
    if (p.has_db)
        pct = p.db_pct;
    if (p.has_delay)
        delay = p.delay_s;
    double db = deadband(&p, pct);
    sd_alarm_row_t cur;
    rc = load_open(a->pf->store, tenant, t.source, &cur);
    if (rc && rc != SD_ENOTFOUND)
        return rc;
    int active = rc == 0 && cur.active;
    int high = p.has_hi && value > p.hi, low = p.has_lo && value < p.lo;
    int abnormal = active ? ((p.has_hi && value > p.hi - db) || (p.has_lo && value < p.lo + db))
                          : (high || low);
    if (abnormal && !high && !low)
        snprintf(t.message, sizeof t.message, "%s", active ? cur.message : p.name);
    else if (high)
        snprintf(t.message, sizeof t.message, "%s 上限超過 (%g %s > %g)", p.name, value, p.unit,
                 p.hi);
    else if (low)
        snprintf(t.message, sizeof t.message, "%s 下限低下 (%g %s < %g)", p.name, value, p.unit,
                 p.lo);
    if (!abnormal || active) {
        ps->pending_since = 0;
        return sd_alarms__condition(a, &t, abnormal, ts);
    }
    if (delay > 0 && !from_timer) {
        if (!ps->pending_since)
            ps->pending_since = ts;
        ps->pending_delay_ms = (int64_t)delay * 1000;
        ps->pending_value = value;
        if (ts - ps->pending_since < ps->pending_delay_ms)
            return 0;
    }
    ps->pending_since = 0;
    return sd_alarms__condition(a, &t, 1, ts);
}

/* ---- the engine's thread --------------------------------------------------------------------- */

static void on_samples(void *ctx, int64_t tenant_id, const sd_ts_sample_t *s, size_t n)
{
    sd_alarms_t *a = ctx;
    pthread_mutex_lock(&a->qmu);
    if (a->qn + n > a->qcap) {
        size_t nc = a->qcap ? a->qcap : 1024;
        while (nc < a->qn + n)
            nc *= 2;
        qitem_t *nv = realloc(a->q, nc * sizeof *nv);
        if (!nv) {
            pthread_mutex_unlock(&a->qmu);
            sd_error("alarms: out of memory: %zu samples left for the restart re-evaluation", n);
            return;
        }
        a->q = nv;
        a->qcap = nc;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i].quality == SD_TS_MISSING)
            continue; /* no value to judge */
        char *d = strdup(s[i].data_id);
        if (!d)
            continue;
        a->q[a->qn++] = (qitem_t){tenant_id, s[i].ts_ms, s[i].value, d};
    }
    sd_worker_t *w = a->w;
    pthread_mutex_unlock(&a->qmu);
    sd_worker_wake(w); /* before sd_alarms_run, the queue waits for it (or sd_alarms_sync) */
}

static void no_samples(void *ctx, int64_t tenant_id, const sd_ts_sample_t *s, size_t n)
{
    (void)ctx, (void)tenant_id, (void)s, (void)n;
}

typedef struct {
    sd_alarms_t *a;
    qitem_t *v;
    size_t n;
} batch_ctx_t;

static int batch_tx(sd_store_t *st, void *vctx)
{
    (void)st;
    batch_ctx_t *b = vctx;
    for (size_t i = 0; i < b->n; i++) {
        int rc =
            eval_sample(b->a, b->v[i].tenant_id, b->v[i].data_id, b->v[i].ts_ms, b->v[i].value, 0);
        if (rc)
            return rc;
    }
    return 0;
}

/* Take the whole queue and evaluate it in one transaction (one fsync for a flood). */
static void drain(sd_alarms_t *a)
{
    for (;;) {
        pthread_mutex_lock(&a->qmu);
        qitem_t *v = a->q;
        size_t n = a->qn;
        a->q = NULL;
        a->qn = a->qcap = 0;
        pthread_mutex_unlock(&a->qmu);
        if (!n) {
            free(v);
            return;
        }
        batch_ctx_t b = {a, v, n};
        pthread_mutex_lock(&a->mu);
        int rc = sd_alarms__tx(a, batch_tx, &b);
        pthread_mutex_unlock(&a->mu);
        if (rc)
            sd_error("alarms: evaluating %zu samples: %s (%s)", n, sd_strerror(rc),
                     sd_store_errmsg());
        for (size_t i = 0; i < n; i++)
            free(v[i].data_id);
        free(v);
    }
}

typedef struct {
    int64_t tenant, device;
} devkey_t;

static int devkey_cmp(const void *x, const void *y)
{
    const devkey_t *a = x, *b = y;
    return a->tenant != b->tenant   ? (a->tenant < b->tenant ? -1 : 1)
           : a->device != b->device ? (a->device < b->device ? -1 : 1)
                                    : 0;
}

typedef struct {
    devkey_t *open; /* devices with an active no-contact alarm, sorted */
    size_t nopen;
    devkey_t *v; /* silent devices without one, at most 500 */
    int64_t *last;
    size_t n, cap;
} silent_t;

static int add_silent(void *ctx, int64_t tenant, int64_t device_id, int64_t last_ms)
{
    silent_t *x = ctx;
    devkey_t k = {tenant, device_id};
    if (x->nopen && bsearch(&k, x->open, x->nopen, sizeof k, devkey_cmp))
        return 0;
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 16;
        devkey_t *nv = realloc(x->v, nc * sizeof *nv);
        if (!nv)
            return SD_ENOMEM;
        x->v = nv;
        int64_t *nl = realloc(x->last, nc * sizeof *nl);
        if (!nl)
            return SD_ENOMEM;
        x->last = nl;
        x->cap = nc;
    }
    x->v[x->n] = k;
    x->last[x->n++] = last_ms;
    return x->n == 500; /* enough for one round */
}

/*
 * Devices whose newest sample is older than no_data_s (a terminal that missed its daily call, an
 * L3 that missed its report): their no-contact alarm, raised as of the moment they became
 * overdue; the next sample of the device returns it. Devices that never sent data are left alone
 * (not yet in service). Checked once a minute. The newest samples are the time series' (one
 * query), the devices the master's (read only for those found silent without an alarm).
 */
static int silence_check(sd_alarms_t *a, int64_t now)
{
    sd_store_t *st = a->pf->store;
    int64_t limit = (int64_t)a->cfg.no_data_s * 1000;
    silent_t x = {0};
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st,
                            "SELECT tenant_id, source FROM alarms WHERE source LIKE 'dev:%' AND "
                            "state <> 'cleared' AND active = 1",
                            SD_NOPARAMS, &q);
    size_t ocap = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        const char *src = sd_stmt_text(q, 1, NULL);
        char *end = NULL;
        long long id = src ? strtoll(src + 4, &end, 10) : 0;
        if (!src || !end || *end || end == src + 4)
            continue;
        if (x.nopen == ocap) {
            ocap = ocap ? ocap * 2 : 16;
            devkey_t *nv = realloc(x.open, ocap * sizeof *nv);
            if (!nv) {
                rc = SD_ENOMEM;
                break;
            }
            x.open = nv;
        }
        x.open[x.nopen++] = (devkey_t){sd_stmt_int64(q, 0), id};
    }
    sd_stmt_done(q);
    if (rc >= 0) {
        if (x.nopen > 1) /* qsort on NULL is undefined even for 0 elements */
            qsort(x.open, x.nopen, sizeof *x.open, devkey_cmp);
        rc = sd_ts_each_silent_device(st, now - limit, add_silent, &x);
    }
    sd_alarm_row_t *v = rc >= 0 && x.n ? calloc(x.n, sizeof *v) : NULL;
    if (rc >= 0 && x.n && !v)
        rc = SD_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; rc >= 0 && i < x.n; i++) {
        sd_pf_master_device_t d;
        int r = sd_pf_master_device_get(st, x.v[i].device, &d);
        if (r == SD_ENOTFOUND)
            continue; /* gone from the master meanwhile */
        if (r) {
            rc = r;
            break;
        }
        sd_alarm_row_t *t = &v[n++];
        t->tenant_id = d.tenant_id;
        snprintf(t->source, sizeof t->source, "dev:%" PRId64, d.id);
        snprintf(t->kind, sizeof t->kind, "no_contact");
        cps(t->device, sizeof t->device, d.code);
        cps(t->facility, sizeof t->facility, d.facility);
        cps(t->facility_name, sizeof t->facility_name, d.facility_name);
        snprintf(t->name, sizeof t->name, "no_data");
        char last[40];
        fmt_time(x.last[i], last, sizeof last);
        msgf(t->message, sizeof t->message, "通信途絶 %s: no data since %s",
             d.name[0] ? d.name : t->device, last);
        t->severity = a->cfg.no_contact_severity;
        t->raised_at = x.last[i] + limit;
    }
    for (size_t i = 0; rc >= 0 && i < n; i++)
        rc = sd_alarms__condition(a, &v[i], 1, v[i].raised_at);
    free(v);
    free(x.open);
    free(x.v);
    free(x.last);
    return rc < 0 ? rc : 0;
}

static int timers_tx(sd_store_t *st, void *vctx)
{
    sd_alarms_t *a = vctx;
    int64_t now = sd_pf_now_ms(a->pf);
    /* shelves that ran out */
    sd_stmt_t *q = NULL;
    int64_t ids[64], tids[64];
    int n = 0;
    int rc = sd_store_query(st,
                            "SELECT id, tenant_id FROM alarms WHERE state = 'shelved' AND "
                            "shelved_until <= $1 ORDER BY id LIMIT 64",
                            SD_PARAMS(SD_V_INT(now)), &q);
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        ids[n] = sd_stmt_int64(q, 0);
        tids[n++] = sd_stmt_int64(q, 1);
    }
    sd_stmt_done(q);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++) {
        sd_alarm_row_t r;
        if ((rc = sd_alarms__load(st, tids[i], ids[i], &r)) != 0 ||
            (rc = restore(a, &r, SD_ALARM_UNSHELVED, now, "system", "shelve expired")) != 0)
            return rc;
    }
    if (a->cfg.no_data_s > 0 && now >= a->next_silence_check) {
        a->next_silence_check = now + 60000;
        if ((rc = silence_check(a, now)) != 0)
            return rc;
    }
    /* on-delays whose time passed without a new sample */
    for (size_t i = 0; i < a->npts; i++) {
        ptstate_t *ps = &a->pts[i];
        if (!ps->pending_since || now < ps->pending_since + ps->pending_delay_ms)
            continue;
        int64_t at = ps->pending_since + ps->pending_delay_ms;
        char d[65];
        snprintf(d, sizeof d, "%s", ps->data_id);
        double v = ps->pending_value;
        int64_t tenant = ps->tenant_id;
        ps->pending_since = 0;
        ps->last_ts = INT64_MIN; /* pts may move under eval: use copies */
        if ((rc = eval_sample(a, tenant, d, at, v, 1)) != 0)
            return rc;
    }
    return 0;
}

static void run_timers(sd_alarms_t *a)
{
    pthread_mutex_lock(&a->mu);
    int rc = sd_alarms__tx(a, timers_tx, a);
    pthread_mutex_unlock(&a->mu);
    if (rc)
        sd_error("alarms: timers: %s (%s)", sd_strerror(rc), sd_store_errmsg());
}

static int recover_tx(sd_store_t *st, void *vctx);

/*
 * Re-evaluate every judged point's latest value once, before the first queued sample: runs on
 * the engine's thread (or the first sd_alarms_sync), so listeners registered right after start
 * hear what it raises.
 */
static void recover(sd_alarms_t *a)
{
    pthread_mutex_lock(&a->mu);
    if (!a->recovered) {
        int rc = sd_alarms__tx(a, recover_tx, a);
        if (rc)
            sd_error("alarms: re-evaluating the latest values: %s (%s)", sd_strerror(rc),
                     sd_store_errmsg());
        a->recovered = 1;
    }
    pthread_mutex_unlock(&a->mu);
}

void sd_alarms_sync(sd_alarms_t *a)
{
    if (!a)
        return;
    recover(a);
    drain(a);
    run_timers(a);
}

/* The engine's thread, once sd_alarms_run() has stored it (it holds qmu until then); NULL
 * before and from sd_alarms_stop() on. */
static sd_worker_t *worker_of(sd_alarms_t *a)
{
    pthread_mutex_lock(&a->qmu);
    sd_worker_t *w = a->w;
    pthread_mutex_unlock(&a->qmu);
    return w;
}

/* One round of the engine's thread: the start's re-evaluation (once), queued samples, timers;
 * again at once when samples come, else in a second (timers are checked every second). */
static int64_t worker_tick(void *ctx, int stopping)
{
    sd_alarms_t *a = ctx;
    if (stopping) { /* sd_alarms_stop() evaluates what is left on its own thread */
        sd_store_release(a->pf->store);
        return -1;
    }
    sd_worker_t *w = worker_of(a);
    if (!w) /* sd_alarms_stop() took it: wait for the last round */
        return -1;
    sd_worker_unlock(w); /* samples queued meanwhile wake the next round */
    recover(a);
    drain(a);
    run_timers(a);
    sd_worker_lock(w);
    return 1000;
}

/* ---- start: re-evaluate the latest values (a crash between commit and evaluation) ------------ */

typedef struct {
    qitem_t *v;
    size_t n, cap;
} newest_t;

static int add_newest(void *ctx, int64_t tenant, const char *data_id, int64_t ts_ms, double value)
{
    newest_t *x = ctx;
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 256;
        qitem_t *nv = realloc(x->v, nc * sizeof *nv);
        if (!nv)
            return SD_ENOMEM;
        x->v = nv;
        x->cap = nc;
    }
    x->v[x->n] = (qitem_t){tenant, ts_ms, value, strdup(data_id)};
    if (!x->v[x->n].data_id)
        return SD_ENOMEM;
    x->n++;
    return 0;
}

static int recover_tx(sd_store_t *st, void *vctx)
{
    sd_alarms_t *a = vctx;
    /* every judged point's newest sample (the time series', in one query) */
    newest_t x = {0};
    int rc = sd_ts_each_newest_judged(st, add_newest, &x);
    for (size_t i = 0; rc >= 0 && i < x.n; i++)
        rc = eval_sample(a, x.v[i].tenant_id, x.v[i].data_id, x.v[i].ts_ms, x.v[i].value, 0);
    for (size_t i = 0; i < x.n; i++)
        free(x.v[i].data_id);
    free(x.v);
    return rc < 0 ? rc : 0;
}

int sd_alarms_start_cfg(sd_pf_t *pf, const sd_alarms_config_t *cfg, sd_alarms_t **out)
{
    if (!pf || !pf->store || !out)
        return SD_EINVAL;
    sd_alarms_t *a = calloc(1, sizeof *a);
    if (!a)
        return SD_ENOMEM;
    a->pf = pf;
    if (cfg)
        a->cfg = *cfg;
    else
        sd_alarms_config_defaults(&a->cfg);
    if (a->cfg.flood_threshold < 1)
        a->cfg.flood_threshold = 1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->qmu, NULL);
    int rc = sd_pf_observe_samples(pf, on_samples, a);
    pf->alarms = a;
    if (rc) {
        sd_error("alarms: start: %s (%s)", sd_strerror(rc), sd_store_errmsg());
        pf->alarms = NULL;
        sd_alarms_stop(a);
        return rc;
    }
    *out = a;
    return 0;
}

int sd_alarms_start(sd_pf_t *pf, sd_alarms_t **out)
{
    return sd_alarms_start_cfg(pf, NULL, out);
}

int sd_alarms_run(sd_alarms_t *a)
{
    if (!a)
        return SD_EINVAL;
    pthread_mutex_lock(&a->qmu);
    int rc = a->w ? SD_EINVAL : sd_worker_start("sd-alarms", worker_tick, a, &a->w);
    pthread_mutex_unlock(&a->qmu);
    if (rc)
        sd_error("alarms: start: %s", sd_strerror(rc));
    return rc;
}

int sd_alarms_listen(sd_alarms_t *a, sd_alarm_listener_fn fn, void *ctx)
{
    if (!a || !fn)
        return SD_EINVAL;
    pthread_mutex_lock(&a->mu);
    int rc = 0;
    if (a->nls >= MAX_LISTENERS)
        rc = SD_ETOOBIG;
    else
        a->ls[a->nls++].fn = fn, a->ls[a->nls - 1].ctx = ctx;
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void sd_alarms_stop(sd_alarms_t *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->qmu); /* no wake-up reaches the worker once it is stopped */
    sd_worker_t *w = a->w;
    a->w = NULL;
    pthread_mutex_unlock(&a->qmu);
    sd_worker_stop(w);
    if (a->pf->store) {
        recover(a);
        drain(a); /* what was queued before the stop is still evaluated */
    }
    /* the observer stays registered on pf: unhook it so a late ingest does not reach freed memory
     */
    for (int i = 0; i < a->pf->n_observers; i++)
        if (a->pf->observers[i].ctx == a)
            a->pf->observers[i].fn = no_samples, a->pf->observers[i].ctx = NULL;
    if (a->pf->alarms == a)
        a->pf->alarms = NULL;
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->qmu);
    free(a->q);
    free(a->pts);
    free(a->evs);
    free(a);
}

/* ---- operations ------------------------------------------------------------------------------ */

typedef struct {
    sd_alarms_t *a;
    int64_t tenant, id;
    sd_alarm_op_t op;
    int minutes;
    const char *by, *comment, *why;
    int n;
} op_ctx_t;

static int op_one(op_ctx_t *c, sd_alarm_row_t *r)
{
    sd_alarms_t *a = c->a;
    sd_store_t *st = a->pf->store;
    int64_t now = sd_pf_now_ms(a->pf);
    const char *s = r->state, *cm = c->comment ? c->comment : "";
    int rc;
    switch (c->op) {
    case SD_ALARM_OP_ACK:
        if (!is_unacked(s)) {
            c->why = !strcmp(s, "cleared")   ? "the alarm is already cleared"
                     : !strcmp(s, "acked")   ? "the alarm is already acknowledged"
                     : !strcmp(s, "shelved") ? "a shelved alarm is acknowledged after unshelve"
                                             : "the alarm is out of service";
            return SD_ECONFLICT;
        }
        r->acked_at = now;
        snprintf(r->acked_by, sizeof r->acked_by, "%s", c->by);
        if (!strcmp(s, "rtn_unacked")) {
            snprintf(r->state, sizeof r->state, "cleared");
            r->cleared_at = now;
        } else {
            snprintf(r->state, sizeof r->state, "acked");
        }
        rc = save(st, r, now);
        if (!rc)
            rc = record(a, r, SD_ALARM_ACKED, now, c->by, cm);
        if (!rc && !strcmp(r->state, "cleared"))
            rc = record(a, r, SD_ALARM_CLEARED, now, c->by, "");
        if (!rc && !strcmp(r->state, "cleared"))
            rc = close_group_if_done(st, r->group_id, now);
        return rc;
    case SD_ALARM_OP_SHELVE:
        if (strcmp(s, "cleared") == 0 || strcmp(s, "shelved") == 0 ||
            strcmp(s, "out_of_service") == 0) {
            c->why = !strcmp(s, "cleared")   ? "a cleared alarm cannot be shelved"
                     : !strcmp(s, "shelved") ? "the alarm is already shelved"
                                             : "the alarm is out of service";
            return SD_ECONFLICT;
        }
        snprintf(r->prev_state, sizeof r->prev_state, "%s", s);
        snprintf(r->state, sizeof r->state, "shelved");
        r->shelved_until = now + (int64_t)c->minutes * 60000;
        rc = save(st, r, now);
        return rc ? rc : record(a, r, SD_ALARM_SHELVED, now, c->by, cm);
    case SD_ALARM_OP_UNSHELVE:
        if (strcmp(s, "shelved") != 0) {
            c->why = "the alarm is not shelved";
            return SD_ECONFLICT;
        }
        return restore(a, r, SD_ALARM_UNSHELVED, now, c->by, cm);
    case SD_ALARM_OP_OOS:
        if (!strcmp(s, "cleared") || !strcmp(s, "out_of_service")) {
            c->why = !strcmp(s, "cleared") ? "a cleared alarm cannot be taken out of service"
                                           : "the alarm is already out of service";
            return SD_ECONFLICT;
        }
        if (strcmp(s, "shelved") != 0) /* a shelved alarm keeps the state it had before */
            snprintf(r->prev_state, sizeof r->prev_state, "%s", s);
        snprintf(r->state, sizeof r->state, "out_of_service");
        r->shelved_until = 0;
        rc = save(st, r, now);
        return rc ? rc : record(a, r, SD_ALARM_OUT_OF_SERVICE, now, c->by, cm);
    case SD_ALARM_OP_IN_SERVICE:
        if (strcmp(s, "out_of_service") != 0) {
            c->why = "the alarm is not out of service";
            return SD_ECONFLICT;
        }
        return restore(a, r, SD_ALARM_IN_SERVICE, now, c->by, cm);
    case SD_ALARM_OP_COMMENT:
        rc = sd_store_exec(st, "UPDATE alarms SET updated_at = $2 WHERE id = $1",
                           SD_PARAMS(SD_V_INT(r->id), SD_V_INT(now)), NULL);
        return rc ? rc : record(a, r, SD_ALARM_COMMENTED, now, c->by, cm);
    }
    return SD_EINVAL;
}

static int op_tx(sd_store_t *st, void *vctx)
{
    op_ctx_t *c = vctx;
    sd_alarm_row_t r;
    int rc = sd_alarms__load(st, c->tenant, c->id, &r);
    return rc ? rc : op_one(c, &r);
}

int sd_alarm_apply(sd_alarms_t *a, int64_t tenant_id, int64_t id, sd_alarm_op_t op, int minutes,
                   const char *by, const char *comment, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (!a || id <= 0)
        return SD_EINVAL;
    if (op == SD_ALARM_OP_SHELVE && (minutes < 1 || minutes > 1440)) {
        *why = "minutes must be between 1 and 1440";
        return SD_EFIELD;
    }
    if (op == SD_ALARM_OP_COMMENT && (!comment || !comment[0])) {
        *why = "a comment is required";
        return SD_EFIELD;
    }
    op_ctx_t c = {a, tenant_id, id, op, minutes, by ? by : "system", comment, NULL, 0};
    pthread_mutex_lock(&a->mu);
    int rc = sd_alarms__tx(a, op_tx, &c);
    pthread_mutex_unlock(&a->mu);
    *why = c.why;
    return rc;
}

static int group_ack_tx(sd_store_t *st, void *vctx)
{
    op_ctx_t *c = vctx;
    int64_t gid = 0;
    c->n = 0;
    int rc = count_q(st, "SELECT id FROM alarm_groups WHERE id = $1 AND tenant_id = $2",
                     SD_PARAMS(SD_V_INT(c->id), SD_V_INT(c->tenant)), &gid);
    if (rc)
        return rc;
    if (!gid)
        return SD_ENOTFOUND;
    sd_stmt_t *q = NULL;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    rc = sd_store_query(st,
                        "SELECT id FROM alarms WHERE group_id = $1 AND state IN ('unacked', "
                        "'rtn_unacked') ORDER BY id",
                        SD_PARAMS(SD_V_INT(gid)), &q);
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *nv = realloc(ids, cap * sizeof *nv);
            if (!nv) {
                rc = SD_ENOMEM;
                break;
            }
            ids = nv;
        }
        ids[n++] = sd_stmt_int64(q, 0);
    }
    sd_stmt_done(q);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        sd_alarm_row_t r;
        rc = sd_alarms__load(st, c->tenant, ids[i], &r);
        if (!rc)
            rc = op_one(c, &r);
    }
    free(ids);
    c->n = (int)n;
    return rc < 0 ? rc : 0;
}

int sd_alarm_group_ack(sd_alarms_t *a, int64_t tenant_id, int64_t id, const char *by,
                       const char *comment, int *n)
{
    if (!a || id <= 0)
        return SD_EINVAL;
    op_ctx_t c = {a, tenant_id, id, SD_ALARM_OP_ACK, 0, by ? by : "system", comment, NULL, 0};
    pthread_mutex_lock(&a->mu);
    int rc = sd_alarms__tx(a, group_ack_tx, &c);
    pthread_mutex_unlock(&a->mu);
    if (n)
        *n = c.n;
    return rc;
}

sd_pf_t *sd_alarms__pf(sd_alarms_t *a)
{
    return a->pf;
}

const sd_alarms_config_t *sd_alarms__cfg(sd_alarms_t *a)
{
    return &a->cfg;
}
