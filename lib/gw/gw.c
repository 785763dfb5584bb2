/* gw.c - the gateway engine's core (gw.h): life cycle, clock and waits, inventory, jobs, events,
 * and the north side's two threads over the backend table (drain, requests). */
#include "gw/gw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "gw/engine.h"
#include "gw/sched.h"
#include "gwif/gwif.h"

/* ---- clock and waits ------------------------------------------------------------------------ */

int64_t gw_now(gw_t *g)
{
    return sd_clock_wall_ms(g->clock);
}

void gw_timedwait(gw_t *g, pthread_cond_t *cv, int64_t ms)
{
    int64_t end = sd_clock_mono_ms(g->clock) + ms;
    for (;;) {
        int64_t left = end - sd_clock_mono_ms(g->clock);
        if (left <= 0 || atomic_load(&g->stop))
            return;
        /* the condition variables run on CLOCK_MONOTONIC (sd_gw_new): no wall clock step
         * stretches or cuts a wait; a fake clock that stands still keeps the wait going until
         * the engine is woken */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)(left % 1000) * 1000000;
        ts.tv_sec += left / 1000 + ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        if (pthread_cond_timedwait(cv, &g->mu, &ts) != ETIMEDOUT)
            return;
    }
}

bool sd_gw_stopping(const sd_gw_t *g)
{
    return atomic_load(&g->stop) != 0;
}

void sd_gw_sleep(sd_gw_t *g, int64_t ms)
{
    int64_t end = sd_clock_mono_ms(g->clock) + ms;
    pthread_mutex_lock(&g->mu);
    for (int64_t left = ms; left > 0 && !atomic_load(&g->stop);
         left = end - sd_clock_mono_ms(g->clock))
        gw_timedwait(g, &g->wake, left);
    pthread_mutex_unlock(&g->mu);
}

void sd_gw_wake(sd_gw_t *g)
{
    pthread_mutex_lock(&g->mu);
    pthread_cond_broadcast(&g->cv);
    pthread_cond_broadcast(&g->drain);
    pthread_cond_broadcast(&g->wake);
    pthread_mutex_unlock(&g->mu);
}

/* Wait up to ms, waking early when something is queued for the north or on stop. */
static void drain_wait(gw_t *g, int64_t ms)
{
    pthread_mutex_lock(&g->mu);
    if (!atomic_load(&g->stop))
        gw_timedwait(g, &g->drain, ms);
    pthread_mutex_unlock(&g->mu);
}

static void signal_drain(gw_t *g)
{
    pthread_mutex_lock(&g->mu);
    pthread_cond_signal(&g->drain);
    pthread_mutex_unlock(&g->mu);
}

/* ---- events and samples --------------------------------------------------------------------- */

const char *gw_reason(int rc)
{
    switch (rc) {
    case SD_EBUSY:
        return "busy";
    case SD_ENOANSWER:
    case SD_ETIMEDOUT:
    case SD_ECLOSED:
    case SD_ENOCARRIER:
        return "no_answer";
    case SD_ENAK:
        return "nak";
    case SD_ECHECKSUM:
        return "checksum";
    case SD_EPROTO:
    case SD_EFRAME:
    case SD_EFIELD:
        return "garbage";
    case SD_ENOTFOUND:
        return "unsupported";
    default:
        return "line_error";
    }
}

int gw_event_json(gw_t *g, const char *kind, const char *device, int severity, const char *msg,
                  json_t *detail, sd_buf_t *out)
{
    /* gwif builds the event (as a batch of one: its object is the queue's row) */
    sd_gwif_event_t e = {.ts_ms = gw_now(g),
                         .kind = kind,
                         .device = device ? device : "",
                         .severity = severity > 0 ? severity : 0,
                         .message = msg ? msg : "",
                         .detail = detail ? json_dumps(detail, JSON_COMPACT) : NULL};
    json_decref(detail);
    sd_buf_t b = {0};
    int rc = sd_gwif_events_build(&e, 1, NULL, &b);
    free(e.detail);
    json_t *batch = rc ? NULL : json_loadb(b.data, b.len, 0, NULL);
    json_t *o = json_array_get(json_object_get(batch, "events"), 0);
    if (!rc)
        rc = o ? sd_json_dump(o, out) : SD_ENOMEM;
    json_decref(batch);
    sd_buf_free(&b);
    if (rc)
        sd_error("event %s: not a GW-IF event (%s)", kind, sd_strerror(rc));
    return rc;
}

int gw_event(gw_t *g, const char *kind, const char *device, int severity, const char *msg,
             json_t *detail)
{
    sd_buf_t b = {0};
    int rc = gw_event_json(g, kind, device, severity, msg, detail, &b);
    if (!rc) {
        sd_gw_qitem_t it = {SD_GW_Q_EVENT, b.data};
        rc = sd_gw_queue_push(g->q, &it, 1, NULL, 0, NULL);
        signal_drain(g);
    }
    sd_info("event %s %s: %s", kind, device ? device : "-", msg ? msg : "");
    sd_buf_free(&b);
    return rc;
}

int sd_gw_event(sd_gw_t *g, const char *kind, const char *device, int severity, const char *msg,
                json_t *detail)
{
    return gw_event(g, kind, device, severity, msg, detail);
}

int gw_store(gw_t *g, const sd_gw_samples_t *s, const char *event_json, const sd_gw_kv_t *kv,
             size_t nkv)
{
    size_t n = s ? s->n : 0;
    sd_gw_qitem_t *items = calloc(n + 1, sizeof *items);
    char **bodies = calloc(n + 1, sizeof *bodies);
    int rc = items && bodies ? 0 : SD_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        sd_buf_t b = {0};
        rc = sd_gw_sample_json(&s->v[i], &b);
        bodies[i] = b.data;
        items[k++] = (sd_gw_qitem_t){SD_GW_Q_DATA, b.data};
    }
    if (!rc && event_json)
        items[k++] = (sd_gw_qitem_t){SD_GW_Q_EVENT, event_json};
    bool nearly_full = false;
    if (!rc)
        rc = sd_gw_queue_push(g->q, items, k, kv, nkv, &nearly_full);
    for (size_t i = 0; bodies && i < n; i++)
        free(bodies[i]);
    free(bodies);
    free(items);
    if (rc == SD_ETOOBIG) {
        sd_gw_qstats_t st;
        sd_gw_queue_stats(g->q, &st);
        sd_error("queue full (%lld of %lld bytes): refusing %zu samples", (long long)st.bytes,
                 (long long)st.max_bytes, n);
    }
    if (nearly_full)
        gw_event(g, "queue_full", NULL, 2, "store-and-forward queue over 90 % full", NULL);
    signal_drain(g);
    return rc;
}

/* ---- inventory and device state -------------------------------------------------------------- */

/* Under g->mu: drop one hold; the last one frees the inventory. */
static void inv_release(gw_invref_t *r)
{
    if (r && --r->refs == 0) {
        sd_gw_inv_free(r->inv);
        free(r);
    }
}

gw_invref_t *gw_inv_get(gw_t *g)
{
    pthread_mutex_lock(&g->mu);
    gw_invref_t *r = g->inv;
    if (r)
        r->refs++;
    pthread_mutex_unlock(&g->mu);
    return r;
}

void gw_inv_put(gw_t *g, gw_invref_t *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&g->mu);
    inv_release(r);
    pthread_mutex_unlock(&g->mu);
}

devstate_t *gw_dev_state(gw_t *g, const char *code)
{
    for (size_t i = 0; i < g->n_dev; i++)
        if (!strcmp(g->dev[i].code, code))
            return &g->dev[i];
    return NULL;
}

/* Make inv (owned) the current inventory; the old one goes when its last holder lets go. */
static int set_inventory(gw_t *g, sd_gw_inv_t *inv)
{
    gw_invref_t *r = calloc(1, sizeof *r);
    pthread_mutex_lock(&g->mu);
    size_t n = sd_gw_inv_count(inv);
    devstate_t *nd = calloc(n ? n : 1, sizeof *nd);
    if (!nd || !r) {
        pthread_mutex_unlock(&g->mu);
        free(nd);
        free(r);
        sd_gw_inv_free(inv);
        return SD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const sd_gw_device_t *d = sd_gw_inv_device(inv, i);
        devstate_t *old = gw_dev_state(g, d->code);
        if (old)
            nd[i] = *old;
        snprintf(nd[i].code, sizeof nd[i].code, "%s", d->code);
    }
    free(g->dev);
    g->dev = nd;
    g->n_dev = n;
    r->inv = inv;
    r->refs = 1; /* the engine's */
    inv_release(g->inv);
    g->inv = r;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    sd_info("inventory version %lld: %zu devices", (long long)sd_gw_inv_version(inv), n);
    return 0;
}

static int64_t inv_version(gw_t *g)
{
    pthread_mutex_lock(&g->mu);
    int64_t v = g->inv ? sd_gw_inv_version(g->inv->inv) : 0;
    pthread_mutex_unlock(&g->mu);
    return v;
}

size_t sd_gw_device_count(sd_gw_t *g)
{
    pthread_mutex_lock(&g->mu);
    size_t n = g->inv ? sd_gw_inv_count(g->inv->inv) : 0;
    pthread_mutex_unlock(&g->mu);
    return n;
}

static int load_inventory(gw_t *g);

int sd_gw_load_inventory(sd_gw_t *g)
{
    pthread_mutex_lock(&g->load_mu);
    int rc = load_inventory(g);
    pthread_mutex_unlock(&g->load_mu);
    return rc;
}

static int load_inventory(gw_t *g)
{
    sd_buf_t body = {0};
    int rc = 0;
    if (g->inv_file) {
        FILE *f = fopen(g->inv_file, "rb");
        if (!f) {
            sd_error("inventory file %s: cannot open", g->inv_file);
            return SD_ENOTFOUND;
        }
        char buf[8192];
        size_t n;
        while (!rc && (n = fread(buf, 1, sizeof buf, f)) > 0)
            rc = sd_buf_append(&body, buf, n);
        fclose(f);
    } else {
        rc = g->north.ops->fetch_inventory(g->north.ctx, g->inv_etag, sizeof g->inv_etag, &body);
        if (rc == 1) {
            sd_buf_free(&body);
            return 1; /* unchanged */
        }
    }
    sd_gw_inv_t *inv = NULL;
    sd_json_err_t je = {0};
    if (!rc)
        rc = sd_gw_inv_parse(body.data ? body.data : "", body.len, &inv, &je);
    if (rc && inv == NULL && je.field[0])
        sd_error("inventory: %s: %s", je.field, je.message);
    else if (rc && je.message[0])
        sd_error("inventory: %s", je.message);
    sd_buf_free(&body);
    if (!rc)
        rc = set_inventory(g, inv);
    return rc;
}

/* ---- jobs and requests ---------------------------------------------------------------------- */

void gw_enqueue(gw_t *g, job_t *j)
{
    pthread_mutex_lock(&g->mu);
    job_t **p = &g->jobs;
    while (*p)
        p = &(*p)->next;
    j->next = NULL;
    *p = j;
    if (j->kind == JOB_POLL) {
        devstate_t *d = gw_dev_state(g, j->device);
        if (d)
            d->queued = true;
    }
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* The requests of a long-poll answer (or of down/request) as jobs: each parsed by gwif, as the
 * platform built it; one gwif refuses is answered refused (when it has an id to answer). */
static void take_requests(gw_t *g, const char *body, int64_t *master_version)
{
    json_t *r = json_loads(body, 0, NULL);
    json_t *list = json_object_get(r, "requests");
    json_t *mv = json_object_get(r, "master_version");
    if (json_is_integer(mv))
        *master_version = json_integer_value(mv);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *q = json_array_get(list, i);
        sd_gwif_request_t rq;
        sd_json_err_t err;
        if (sd_gwif_request_parse(q, &rq, &err)) {
            json_int_t id = json_integer_value(json_object_get(q, "id"));
            char msg[300];
            snprintf(msg, sizeof msg, "%s: %s", err.field[0] ? err.field : "request", err.message);
            sd_warn("request %lld refused: %s", (long long)id, msg);
            if (id > 0)
                gw_reply(g, id, gw_fail_reply(id, "refused", msg));
            continue;
        }
        job_t *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->kind = JOB_REQUEST;
        snprintf(j->device, sizeof j->device, "%s", rq.device);
        j->req = json_incref(q);
        j->req_id = rq.id;
        j->deadline_ms = rq.deadline_ms;
        sd_info("request %lld: %s on %s", (long long)rq.id, sd_req_kind_name(rq.kind), rq.device);
        gw_enqueue(g, j);
    }
    json_decref(r);
}

void sd_gw_take_requests(sd_gw_t *g, const char *body)
{
    int64_t mv = -1;
    take_requests(g, body, &mv);
}

json_t *gw_fail_reply(int64_t id, const char *reason, const char *msg)
{
    sd_gwif_reply_t r = {.id = id, .ok = false, .reason = reason, .message = msg};
    return sd_gwif_reply_json(&r);
}

int gw_reply(gw_t *g, int64_t id, json_t *reply)
{
    char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    json_decref(reply);
    if (!s)
        return SD_ENOMEM;
    sd_gw_qitem_t it = {SD_GW_Q_REPLY, s};
    int rc = sd_gw_queue_push(g->q, &it, 1, NULL, 0, NULL);
    sd_info("reply %lld: %.200s", (long long)id, s);
    free(s);
    signal_drain(g);
    return rc;
}

/* ---- north: the drainer --------------------------------------------------------------------- */

/* Replies one by one, each deleted once the backend has delivered it (or it was refused). */
static int drain_replies(gw_t *g, size_t *sent)
{
    sd_gw_qrow_t *rows;
    size_t n;
    *sent = 0;
    int rc = sd_gw_queue_peek(g->q, SD_GW_Q_REPLY, 20, 1 << 20, &rows, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        /* the reply's id says where it goes (gwif parses it, as the platform will) */
        json_t *r = json_loads(rows[i].body, 0, NULL);
        sd_gwif_reply_t rep;
        sd_json_err_t err;
        int prc = sd_gwif_reply_parse(r, &rep, &err);
        int64_t id = prc ? 0 : rep.id;
        sd_gwif_reply_free(&rep);
        json_decref(r);
        if (id > 0)
            rc = g->north.ops->reply(g->north.ctx, id, rows[i].body);
        else /* nowhere to go: it would block the lane forever */
            sd_error("reply dropped: %s: %s: %.200s", prc ? err.field : "id",
                     prc ? err.message : "required", rows[i].body);
        if (!rc)
            rc = sd_gw_queue_ack(g->q, SD_GW_Q_REPLY, rows[i].id, rows[i].id);
        if (!rc)
            (*sent)++;
    }
    sd_gw_queue_rows_free(rows, n);
    return rc;
}

/* One batch of a lane: uploaded and deleted once acknowledged. 0 (sent or empty) or an error. */
static int drain_lane(gw_t *g, sd_gw_qkind_t kind, size_t *sent, long *status)
{
    sd_gw_qrow_t *rows;
    size_t n;
    *sent = 0;
    *status = 0;
    size_t max_bytes = g->north.ops->max_batch_bytes ? g->north.ops->max_batch_bytes : 1536 * 1024;
    int rc = sd_gw_queue_peek(g->q, kind, (size_t)g->batch, max_bytes, &rows, &n);
    if (rc || !n) {
        sd_gw_queue_rows_free(rows, n); /* an empty peek still has its array */
        return rc;
    }
    sd_gw_upload_t res = {-1, 0};
    rc = g->north.ops->upload(g->north.ctx, kind, rows, n, &res);
    *status = res.status;
    atomic_fetch_add(rc ? &g->upload_failures : &g->uploads, 1);
    if (!rc && res.dropped < 0) {
        rc = sd_gw_queue_ack(g->q, kind, rows[0].id, rows[n - 1].id);
        *sent = n;
    } else if (!rc && (size_t)res.dropped < n) {
        rc = sd_gw_queue_ack(g->q, kind, rows[res.dropped].id, rows[res.dropped].id);
        *sent = 1;
    } else if (!rc) {
        rc = SD_EAGAIN;
    }
    sd_gw_queue_rows_free(rows, n);
    return rc;
}

static void *drain_thread(void *arg)
{
    gw_t *g = arg;
    const sd_gw_north_ops_t *ops = g->north.ops;
    void *ctx = g->north.ctx;
    if (ops->open && ops->open(ctx, g))
        return NULL;
    int fails = 0;
    bool events_missing = false;
    int64_t events_retry = 0;
    while (!atomic_load(&g->stop)) {
        if (ops->ready && !ops->ready(ctx, 1000))
            continue;
        size_t sent = 0, s;
        long status;
        int rc = drain_replies(g, &sent);
        /* events first: they say why the data came and what failed */
        if (!rc && (!events_missing || gw_now(g) >= events_retry)) {
            int erc = drain_lane(g, SD_GW_Q_EVENT, &s, &status);
            /* a platform without an event sink (or refusing events for now): the events stay
             * queued and are offered again in a minute; data goes on */
            if (erc == SD_EUNSUPPORTED) {
                if (!events_missing && status)
                    sd_warn("%s: the platform takes no events yet (HTTP %ld); events stay queued",
                            ops->name, status);
                else if (!events_missing)
                    sd_warn("%s: events not accepted; events stay queued", ops->name);
                events_missing = true;
                events_retry = gw_now(g) + 60000;
            } else {
                events_missing = false;
                rc = erc;
                sent += s;
            }
        }
        if (!rc) {
            rc = drain_lane(g, SD_GW_Q_DATA, &s, &status);
            sent += s;
        }
        if (rc) {
            fails++;
            int64_t wait = sd_gw_backoff_ms(fails, 500, 30000);
            if (fails == 1 || fails % 10 == 0)
                sd_warn("%s: %s; retrying in %lld ms", ops->name, sd_strerror(rc), (long long)wait);
            drain_wait(g, wait);
            continue;
        }
        if (fails)
            sd_info("%s: platform reachable again", ops->name);
        fails = 0;
        if (!sent)
            drain_wait(g, 500);
    }
    if (ops->close)
        ops->close(ctx);
    return NULL;
}

/* ---- north: requests and inventory refresh -------------------------------------------------- */

static void *requests_thread(void *arg)
{
    gw_t *g = arg;
    const sd_gw_north_ops_t *ops = g->north.ops;
    int fails = 0;
    int64_t next_inv = gw_now(g) + (int64_t)g->inv_refresh_s * 1000;
    while (!atomic_load(&g->stop)) {
        int64_t mv = -1;
        if (ops->fetch_requests) {
            long status = 0;
            sd_buf_t body = {0};
            int rc = ops->fetch_requests(g->north.ctx, &body, &status);
            if (!rc && status == 200) {
                fails = 0;
                take_requests(g, body.data ? body.data : "", &mv);
            } else {
                fails++;
                if (fails == 1)
                    sd_warn("requests: %s", rc ? sd_strerror(rc) : "unexpected HTTP status");
                /* a platform without the request service answers 404: look again now and then */
                sd_gw_sleep(g, status == 404 ? 30000 : sd_gw_backoff_ms(fails, 1000, 30000));
            }
            sd_buf_free(&body);
        } else {
            sd_gw_sleep(g, 200); /* requests come by themselves: only the inventory here */
        }
        if ((mv > inv_version(g) || gw_now(g) >= next_inv) && !atomic_load(&g->stop)) {
            next_inv = gw_now(g) + (int64_t)g->inv_refresh_s * 1000;
            sd_gw_load_inventory(g);
        }
    }
    return NULL;
}

/* ---- life cycle ----------------------------------------------------------------------------- */

static int cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    int rc = pthread_condattr_init(&a);
    if (!rc)
        rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    if (!rc)
        rc = pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

int sd_gw_new(const sd_gw_cfg_t *cfg, const sd_gw_deps_t *deps, sd_gw_t **out)
{
    *out = NULL;
    if (!deps->queue || !deps->north.ops)
        return SD_EINVAL;
    gw_t *g = calloc(1, sizeof *g);
    if (!g)
        return SD_ENOMEM;
    g->listen = cfg->listen && *cfg->listen ? strdup(cfg->listen) : NULL;
    g->inv_file = cfg->inventory_file && *cfg->inventory_file ? strdup(cfg->inventory_file) : NULL;
    if ((cfg->listen && *cfg->listen && !g->listen) ||
        (cfg->inventory_file && *cfg->inventory_file && !g->inv_file)) {
        free(g->listen);
        free(g->inv_file);
        free(g);
        return SD_ENOMEM;
    }
    g->workers = cfg->workers > 0 ? cfg->workers : 1;
    g->accept_threads = cfg->accept_threads > 0 ? cfg->accept_threads : 1;
    if (g->workers > 256)
        g->workers = 256;
    if (g->accept_threads > 64)
        g->accept_threads = 64;
    g->window_start_min = cfg->window_start_min;
    g->window_len_min = cfg->window_len_min;
    g->retries = cfg->retries;
    g->answer_timeout_ms = cfg->answer_timeout_ms;
    g->drift_s = cfg->drift_s;
    g->batch = cfg->batch > 0 ? cfg->batch : 500;
    g->l3_grace_s = cfg->l3_grace_s;
    g->inv_refresh_s = cfg->inv_refresh_s;
    g->collect_on_start = cfg->collect_on_start;
    g->daily = cfg->daily;
    g->x_guard = cfg->x_guard;
    g->desig = cfg->desig;
    g->dialplan = deps->dialplan;
    g->north = deps->north;
    g->clock = deps->clock ? deps->clock : sd_clock_system();
    g->q = deps->queue;
    pthread_mutex_init(&g->mu, NULL);
    pthread_mutex_init(&g->load_mu, NULL);
    cond_init_mono(&g->cv);
    cond_init_mono(&g->drain);
    cond_init_mono(&g->wake);
    if (sd_gw_queue_kv_get(g->q, "first_start", 0) == 0)
        sd_gw_queue_kv_set(g->q, "first_start", gw_now(g));
    *out = g;
    return 0;
}

int sd_gw_start(sd_gw_t *g)
{
    if (g->started)
        return 0;
    if (!g->inv)
        return SD_EINVAL; /* no terminal can be mapped without one */
    int rc;
    if (g->listen && (rc = sd_listener_open(g->listen, &g->ls)))
        return rc;
    sd_gw_qstats_t qs;
    sd_gw_queue_stats(g->q, &qs);
    gw_event(g, "gateway_start", NULL, 4, "suido-gw started",
             json_pack("{s:I,s:I}", "queued_samples", (json_int_t)qs.data, "queued_events",
                       (json_int_t)qs.events));
    g->started = true;
    g->nth = 0;
    for (int i = 0; g->ls && i < g->accept_threads; i++)
        pthread_create(&g->th[g->nth++], NULL, gw_accept_thread, g);
    for (int i = 0; i < g->workers; i++)
        pthread_create(&g->th[g->nth++], NULL, gw_worker_thread, g);
    pthread_create(&g->th[g->nth++], NULL, gw_sched_thread, g);
    pthread_create(&g->th[g->nth++], NULL, drain_thread, g);
    pthread_create(&g->th[g->nth++], NULL, requests_thread, g);
    return 0;
}

int sd_gw_listen_port(const sd_gw_t *g)
{
    return g->ls ? sd_listener_port(g->ls) : 0;
}

void sd_gw_stop(sd_gw_t *g)
{
    atomic_store(&g->stop, 1);
    sd_gw_wake(g);
    for (int i = 0; i < g->nth; i++)
        pthread_join(g->th[i], NULL);
    g->nth = 0;
    sd_listener_close(g->ls);
    g->ls = NULL;
}

void sd_gw_stats(sd_gw_t *g, sd_gw_stats_t *out)
{
    out->calls_in = atomic_load(&g->calls_in);
    out->polls_ok = atomic_load(&g->polls_ok);
    out->polls_failed = atomic_load(&g->polls_failed);
    out->uploads = atomic_load(&g->uploads);
    out->upload_failures = atomic_load(&g->upload_failures);
}

void sd_gw_free(sd_gw_t *g)
{
    if (!g)
        return;
    sd_gw_stop(g);
    while (g->jobs) {
        job_t *j = g->jobs;
        g->jobs = j->next;
        json_decref(j->req);
        free(j);
    }
    for (int k = 0; k < g->n_mon; k++)
        json_decref(g->mon[k].data_ids);
    inv_release(g->inv); /* the threads are gone: the engine's hold is the last */
    free(g->dev);
    pthread_cond_destroy(&g->cv);
    pthread_cond_destroy(&g->drain);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->mu);
    pthread_mutex_destroy(&g->load_mu);
    free(g->listen);
    free(g->inv_file);
    free(g);
}

void sd_gw_north_free(sd_gw_north_t *n)
{
    if (n && n->ops && n->ops->free)
        n->ops->free(n->ctx);
    if (n)
        *n = (sd_gw_north_t){0};
}
