/* monitor_http.c - AP-IF #5-7 periodic monitors: routes, the sample observer, SSE subscribers,
 * the heartbeat and the webhook delivery threads. */
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/requests/monitor.h"
#include "pf/requests/request.h"
#include "api/accounts/session.h"
#include "pf/data/ts.h"
#include "api/accounts/user.h"

#define SECRET_LEN    64  /* hex characters of a webhook secret (32 random bytes) */
#define SUBS_MAX      16  /* open event streams per monitor */
#define ACTIVE_MAX    100 /* active monitors per tenant */
#define GW_TIMEOUT_MS 60000

/* An open event stream, and the credential that opened it: a stream outlives its request, so
 * the heartbeat re-checks that credential (disconnect, disabled, expired) and ends the stream. */
typedef struct sub {
    sd_http_stream_t *st;
    int kind;        /* SD_CALLER_USER / SD_CALLER_CLIENT */
    int64_t cred_id; /* sessions.id / api_tokens.id */
    struct sub *next;
} sub_t;

/* An active monitor as the observer needs it: data IDs sorted for bsearch. */
typedef struct mon {
    int64_t id, tenant_id;
    char **ids;
    size_t n;
    char *url;                   /* NULL = no webhook */
    char secret[SECRET_LEN + 1]; /* the HMAC key, as given to the client */
    sub_t *subs;
    int nsubs;
    struct mon *next;
} mon_t;

/* One webhook delivery waiting (or waiting again) to be attempted. */
typedef struct job {
    int64_t mon_id;
    char *url;
    char secret[SECRET_LEN + 1];
    char *body;
    size_t len;
    char event_id[24];
    int attempts;
    int64_t due_ms; /* monotonic */
    struct job *next;
} job_t;

struct sd_monitors {
    sd_pf_t *pf;
    sd_monitors_config_t cfg;
    pthread_mutex_t lock; /* mons and their subscribers */
    mon_t *mons;
    pthread_mutex_t qlock; /* jobs, stopping */
    pthread_cond_t qcv;    /* the webhook worker's */
    pthread_cond_t hbcv;   /* the heartbeat thread's (a signal must not wake the wrong one) */
    job_t *jobs;
    size_t njobs;
    int stopping;
    int threads;
    pthread_t hb, wh;
    atomic_uint_fast64_t events, ok, retries, dropped, cut;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void abs_deadline(struct timespec *ts, int64_t from_now_ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + (from_now_ms % 1000) * 1000000;
    ts->tv_sec += from_now_ms / 1000 + ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

/* ---- runtime monitors --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mon_free(mon_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->ids[i]);
    free(m->ids);
    free(m->url);
    sodium_memzero(m->secret, sizeof m->secret);
    for (sub_t *s = m->subs, *n; s; s = n) {
        n = s->next;
        sd_http_stream_close(s->st);
        free(s);
    }
    free(m);
}

/* A runtime monitor from its stored data IDs (JSON text). NULL on ENOMEM or bad JSON. */
static mon_t *mon_new(int64_t id, int64_t tenant, const char *ids_json, const char *url,
                      const char *secret)
{
    json_t *a = NULL;
    if (sd_json_parse(ids_json, strlen(ids_json), &a, NULL) || !json_is_array(a)) {
        json_decref(a);
        return NULL;
    }
    mon_t *m = calloc(1, sizeof *m);
    size_t n = json_array_size(a);
    if (m)
        m->ids = calloc(n ? n : 1, sizeof *m->ids);
    int bad = !m || !m->ids;
    for (size_t i = 0; !bad && i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        bad = !s || !(m->ids[m->n++] = strdup(s));
    }
    json_decref(a);
    if (!bad && url && !(m->url = strdup(url)))
        bad = 1;
    if (bad) {
        mon_free(m);
        return NULL;
    }
    m->id = id;
    m->tenant_id = tenant;
    if (secret)
        snprintf(m->secret, sizeof m->secret, "%s", secret);
    qsort(m->ids, m->n, sizeof *m->ids, cmp_str);
    return m;
}

/* m->lock held. */
static mon_t *mon_find(sd_monitors_t *m, int64_t id)
{
    for (mon_t *x = m->mons; x; x = x->next)
        if (x->id == id)
            return x;
    return NULL;
}

static void mon_add(sd_monitors_t *m, mon_t *x)
{
    pthread_mutex_lock(&m->lock);
    x->next = m->mons;
    m->mons = x;
    pthread_mutex_unlock(&m->lock);
}

/* Write text to every subscriber of x, dropping those that are gone or too slow (m->lock held). */
static void mon_push(sd_monitors_t *m, mon_t *x, const char *text, size_t len)
{
    for (sub_t **pp = &x->subs; *pp;) {
        sub_t *s = *pp;
        int rc = sd_http_stream_write(s->st, text, len);
        if (rc == 0) {
            pp = &s->next;
            continue;
        }
        if (rc == SD_ETOOBIG) {
            atomic_fetch_add(&m->cut, 1);
            sd_warn("monitor %" PRId64 ": event stream client too slow, disconnected", x->id);
        }
        *pp = s->next;
        x->nsubs--;
        sd_http_stream_close(s->st);
        free(s);
    }
}

/* ---- events ------------------------------------------------------------------------------- */

static int append_json_str(sd_buf_t *b, const char *s)
{
    int rc = sd_buf_append_byte(b, '"');
    for (; !rc && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = sd_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            rc = sd_buf_printf(b, "\\u%04x", c);
        else
            rc = sd_buf_append_byte(b, (char)c);
    }
    return rc ? rc : sd_buf_append_byte(b, '"');
}

/* One sample object, comma-separated after the first. */
static int append_sample(sd_buf_t *b, int first, const char *data_id, int64_t ts_ms, double v,
                         int quality)
{
    char t[40], num[40];
    sd_ts_format_time(ts_ms, t, sizeof t);
    /* the shortest form that reads back to the same double */
    snprintf(num, sizeof num, "%.15g", v);
    if (strtod(num, NULL) != v)
        snprintf(num, sizeof num, "%.17g", v);
    const char *q = sd_ts_quality_name((sd_ts_quality_t)quality);
    int rc = first ? 0 : sd_buf_append_byte(b, ',');
    if (!rc)
        rc = sd_buf_append_str(b, "{\"data_id\":");
    if (!rc)
        rc = append_json_str(b, data_id);
    if (!rc)
        rc = sd_buf_printf(b, ",\"ts\":\"%s\",\"value\":%s,\"quality\":\"%s\"}", t, num,
                           q ? q : "good");
    return rc;
}

/* The SSE frame of one event: "id: C\nevent: samples\ndata: {...}\n\n". */
static int sse_frame(sd_buf_t *out, int64_t mon_id, int64_t cursor, const sd_buf_t *samples)
{
    return sd_buf_printf(out,
                         "id: %" PRId64 "\nevent: samples\ndata: {\"monitor\":%" PRId64
                         ",\"samples\":[%.*s]}\n\n",
                         cursor, mon_id, (int)samples->len, samples->data ? samples->data : "");
}

static void enqueue_webhook(sd_monitors_t *m, const mon_t *x, int64_t cursor,
                            const sd_buf_t *samples)
{
    job_t *j = calloc(1, sizeof *j);
    sd_buf_t b = {0};
    if (!j ||
        sd_buf_printf(&b,
                      "{\"monitor\":%" PRId64 ",\"event_id\":\"%" PRId64 "\",\"samples\":[%.*s]}",
                      x->id, cursor, (int)samples->len, samples->data ? samples->data : "") ||
        !(j->url = strdup(x->url))) {
        if (j)
            free(j->url);
        free(j);
        sd_buf_free(&b);
        atomic_fetch_add(&m->dropped, 1);
        return;
    }
    j->mon_id = x->id;
    memcpy(j->secret, x->secret, sizeof j->secret);
    j->len = b.len;
    j->body = sd_buf_steal(&b);
    snprintf(j->event_id, sizeof j->event_id, "%" PRId64, cursor);
    j->due_ms = mono_ms();
    pthread_mutex_lock(&m->qlock);
    int full = m->njobs >= m->cfg.webhook_queue;
    if (!full) {
        j->next = m->jobs;
        m->jobs = j;
        m->njobs++;
        pthread_cond_signal(&m->qcv);
    }
    pthread_mutex_unlock(&m->qlock);
    if (full) {
        /* a dead receiver must not grow memory: the event stays in storage (AP-IF #10) */
        sd_warn("monitor %" PRId64 ": webhook queue full (%zu), event %s dropped", x->id,
                m->cfg.webhook_queue, j->event_id);
        atomic_fetch_add(&m->dropped, 1);
        free(j->url);
        free(j->body);
        free(j);
    }
}

/* Observer: runs on the ingesting thread right after the commit, so it only formats and queues. */
static void on_samples(void *ctx, int64_t tenant_id, const sd_ts_sample_t *s, size_t n)
{
    sd_monitors_t *m = ctx;
    int64_t cursor = sd_pf_now_ms(m->pf);
    sd_buf_t samples = {0}, frame = {0};
    pthread_mutex_lock(&m->lock);
    for (mon_t *x = m->mons; x; x = x->next) {
        if (x->tenant_id != tenant_id || (!x->subs && !x->url))
            continue;
        size_t k = 0;
        for (size_t i = 0; i <= n; i++) {
            int match = i < n && bsearch(&s[i].data_id, x->ids, x->n, sizeof *x->ids, cmp_str);
            if (match && append_sample(&samples, k == 0, s[i].data_id, s[i].ts_ms, s[i].value,
                                       (int)s[i].quality) == 0)
                k++;
            if (k && (k == SD_MONITOR_EVENT_MAX || i == n)) {
                atomic_fetch_add(&m->events, 1);
                sd_buf_reset(&frame);
                if (x->subs && sse_frame(&frame, x->id, cursor, &samples) == 0)
                    mon_push(m, x, frame.data, frame.len);
                if (x->url)
                    enqueue_webhook(m, x, cursor, &samples);
                sd_buf_reset(&samples);
                k = 0;
            }
        }
    }
    pthread_mutex_unlock(&m->lock);
    sd_buf_free(&samples);
    sd_buf_free(&frame);
}

/* ---- threads: heartbeats and webhooks ----------------------------------------------------- */

/* Is the credential that opened a stream still good? Errors count as good (a store hiccup must
 * not cut every stream); the next heartbeat asks again. */
static int cred_ok(sd_monitors_t *m, int kind, int64_t id)
{
    int64_t now = sd_pf_now_ms(m->pf);
    sd_stmt_t *s = NULL;
    int rc;
    int ok = 1;
    if (kind == SD_CALLER_CLIENT) {
        rc = sd_store_query_row(m->pf->store,
                                "SELECT t.expires_at, c.enabled, c.expires_at FROM api_tokens t "
                                "JOIN clients c ON c.id = t.client_id WHERE t.id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
        if (rc == 0) {
            int64_t cexp = sd_stmt_int64(s, 2);
            ok = sd_stmt_int64(s, 0) > now && sd_stmt_int64(s, 1) != 0 && (cexp == 0 || cexp > now);
        }
    } else {
        rc = sd_store_query_row(m->pf->store,
                                "SELECT s.expires_at, u.disabled FROM sessions s JOIN users u ON "
                                "u.id = s.user_id WHERE s.id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
        if (rc == 0)
            ok = sd_stmt_int64(s, 0) > now && sd_stmt_int64(s, 1) == 0;
    }
    sd_stmt_done(s);
    if (rc && rc != SD_ENOTFOUND)
        sd_warn("monitors: credential check: %s %s", sd_strerror(rc), sd_store_errmsg());
    sd_log(SD_LOG_DEBUG, "monitors: credential %d:%" PRId64 " rc %d ok %d", kind, id, rc, ok);
    return rc == SD_ENOTFOUND ? 0 : ok;
}

typedef struct {
    int kind;
    int64_t id;
    int bad;
} cred_t;

/* End the streams whose credential was revoked or expired: collect under the lock, ask the
 * store without it (ingest must not wait for queries), then end the bad ones under it. */
static void recheck_creds(sd_monitors_t *m)
{
    size_t n = 0, cap = 0;
    cred_t *v = NULL;
    pthread_mutex_lock(&m->lock);
    for (mon_t *x = m->mons; x; x = x->next)
        for (sub_t *s = x->subs; s; s = s->next) {
            if (n == cap) {
                cred_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
                if (!nv)
                    break;
                v = nv;
            }
            v[n++] = (cred_t){s->kind, s->cred_id, 0};
        }
    pthread_mutex_unlock(&m->lock);
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= v[i].bad = !cred_ok(m, v[i].kind, v[i].id);
    /* this thread queries rarely: give its connection back rather than keep one (and whatever
     * read snapshot the backend might hold on it) for the life of the process */
    if (n)
        sd_store_release(m->pf->store);
    if (any) {
        static const char ev[] = "event: unauthorized\ndata: {\"reason\":\"credential revoked "
                                 "or expired\"}\n\n";
        pthread_mutex_lock(&m->lock);
        for (mon_t *x = m->mons; x; x = x->next)
            for (sub_t **pp = &x->subs; *pp;) {
                sub_t *s = *pp;
                int bad = 0;
                for (size_t i = 0; i < n && !bad; i++)
                    bad = v[i].bad && v[i].kind == s->kind && v[i].id == s->cred_id;
                if (!bad) {
                    pp = &s->next;
                    continue;
                }
                sd_http_stream_write(s->st, ev, sizeof ev - 1);
                *pp = s->next;
                x->nsubs--;
                sd_http_stream_close(s->st);
                free(s);
            }
        pthread_mutex_unlock(&m->lock);
    }
    free(v);
}

static void *heartbeat_main(void *arg)
{
    sd_monitors_t *m = arg;
    static const char hb[] = ": heartbeat\n\n";
    pthread_mutex_lock(&m->qlock);
    while (!m->stopping) {
        struct timespec ts;
        abs_deadline(&ts, m->cfg.heartbeat_ms);
        pthread_cond_timedwait(&m->hbcv, &m->qlock, &ts);
        if (m->stopping)
            break;
        pthread_mutex_unlock(&m->qlock);
        recheck_creds(m);
        pthread_mutex_lock(&m->lock);
        for (mon_t *x = m->mons; x; x = x->next)
            if (x->subs)
                mon_push(m, x, hb, sizeof hb - 1);
        pthread_mutex_unlock(&m->lock);
        pthread_mutex_lock(&m->qlock);
    }
    pthread_mutex_unlock(&m->qlock);
    return NULL;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* One POST; 1 when answered 2xx. */
static int deliver(sd_monitors_t *m, CURL *c, const job_t *j)
{
    char sig[80], hmon[64], hev[64];
    sd_monitor_sign((const uint8_t *)j->secret, strlen(j->secret), j->body, j->len, sig);
    char hsig[100];
    snprintf(hsig, sizeof hsig, "X-Suido-Signature: %s", sig);
    snprintf(hmon, sizeof hmon, "X-Suido-Monitor: %" PRId64, j->mon_id);
    snprintf(hev, sizeof hev, "X-Suido-Event-Id: %s", j->event_id);
    struct curl_slist *h = NULL, *t;
    const char *hs[] = {"Content-Type: application/json", hsig, hmon, hev, "Expect:"};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        if (!(t = curl_slist_append(h, hs[i]))) {
            curl_slist_free_all(h);
            return 0;
        }
        h = t;
    }
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is a failure, not a detour */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)m->cfg.webhook_timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(m->cfg.webhook_timeout_ms < 3000 ? m->cfg.webhook_timeout_ms : 3000));
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "suido-monitor/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    if (rc != CURLE_OK || status < 200 || status > 299) {
        sd_info("monitor %" PRId64 ": webhook event %s attempt %d failed: %s %ld", j->mon_id,
                j->event_id, j->attempts + 1, rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP",
                status);
        return 0;
    }
    return 1;
}

static void job_free(job_t *j)
{
    free(j->url);
    free(j->body);
    sodium_memzero(j->secret, sizeof j->secret);
    free(j);
}

static void *webhook_main(void *arg)
{
    sd_monitors_t *m = arg;
    CURL *c = curl_easy_init();
    pthread_mutex_lock(&m->qlock);
    while (!m->stopping) {
        /* the earliest due job; queues are short (bounded), a scan is fine */
        job_t **best = NULL;
        for (job_t **pp = &m->jobs; *pp; pp = &(*pp)->next)
            if (!best || (*pp)->due_ms < (*best)->due_ms)
                best = pp;
        if (!best) {
            pthread_cond_wait(&m->qcv, &m->qlock);
            continue;
        }
        int64_t wait = (*best)->due_ms - mono_ms();
        if (wait > 0) {
            struct timespec ts;
            abs_deadline(&ts, wait);
            pthread_cond_timedwait(&m->qcv, &m->qlock, &ts);
            continue;
        }
        job_t *j = *best;
        *best = j->next;
        m->njobs--;
        pthread_mutex_unlock(&m->qlock);
        pthread_mutex_lock(&m->lock);
        int active = mon_find(m, j->mon_id) != NULL;
        pthread_mutex_unlock(&m->lock);
        int ok = active && c && deliver(m, c, j);
        pthread_mutex_lock(&m->qlock);
        if (!active) {
            job_free(j); /* stopped meanwhile: nothing more is sent for it */
        } else if (ok) {
            atomic_fetch_add(&m->ok, 1);
            job_free(j);
        } else if (++j->attempts >= m->cfg.webhook_attempts || m->stopping) {
            atomic_fetch_add(&m->dropped, 1);
            sd_warn("monitor %" PRId64 ": webhook event %s given up after %d attempt(s)", j->mon_id,
                    j->event_id, j->attempts);
            job_free(j);
        } else {
            atomic_fetch_add(&m->retries, 1);
            int64_t back = (int64_t)m->cfg.webhook_backoff_ms << (j->attempts - 1);
            j->due_ms = mono_ms() + back;
            j->next = m->jobs;
            m->jobs = j;
            m->njobs++;
        }
    }
    pthread_mutex_unlock(&m->qlock);
    if (c)
        curl_easy_cleanup(c);
    return NULL;
}

/* ---- store -------------------------------------------------------------------------------- */

typedef struct {
    int64_t id, tenant_id, owner_id, interval_s, created, stopped;
    char owner_role[32];
    char *data_ids; /* JSON text */
    char *webhook;
    int active;
} row_t;

static void row_free(row_t *r)
{
    free(r->data_ids);
    free(r->webhook);
    memset(r, 0, sizeof *r);
}

#define ROW_COLS                                                                                   \
    "id, tenant_id, owner_role, owner_id, data_ids, interval_s, webhook_url, state, created_at, "  \
    "stopped_at"

static int row_read(sd_stmt_t *s, row_t *r)
{
    memset(r, 0, sizeof *r);
    r->id = sd_stmt_int64(s, 0);
    r->tenant_id = sd_stmt_int64(s, 1);
    snprintf(r->owner_role, sizeof r->owner_role, "%s", sd_stmt_text(s, 2, NULL));
    r->owner_id = sd_stmt_int64(s, 3);
    const char *ids = sd_stmt_text(s, 4, NULL);
    r->interval_s = sd_stmt_int64(s, 5);
    const char *wh = sd_stmt_text(s, 6, NULL);
    r->active = !strcmp(sd_stmt_text(s, 7, NULL), "active");
    r->created = sd_stmt_int64(s, 8);
    r->stopped = sd_stmt_is_null(s, 9) ? 0 : sd_stmt_int64(s, 9);
    r->data_ids = strdup(ids ? ids : "[]");
    r->webhook = wh ? strdup(wh) : NULL;
    if (!r->data_ids || (wh && !r->webhook)) {
        row_free(r);
        return SD_ENOMEM;
    }
    return 0;
}

static int row_load(sd_store_t *st, int64_t id, row_t *r)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st, "SELECT " ROW_COLS " FROM monitors WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    rc = row_read(s, r);
    sd_stmt_done(s);
    return rc;
}

static json_t *time_json(int64_t ms)
{
    char t[40];
    sd_ts_format_time(ms, t, sizeof t);
    return json_string(t);
}

static json_t *row_json(sd_monitors_t *m, const row_t *r)
{
    json_t *ids = NULL;
    if (sd_json_parse(r->data_ids, strlen(r->data_ids), &ids, NULL))
        return NULL;
    int nsubs = 0;
    pthread_mutex_lock(&m->lock);
    mon_t *x = mon_find(m, r->id);
    if (x)
        nsubs = x->nsubs;
    pthread_mutex_unlock(&m->lock);
    char owner[48], events[64];
    snprintf(owner, sizeof owner, "%s:%" PRId64,
             !strcmp(r->owner_role, "application") ? "app" : "user", r->owner_id);
    snprintf(events, sizeof events, "/apif/v1/monitors/%" PRId64 "/events", r->id);
    return sd_json_pack("{s:I, s:o, s:I, s:s?, s:s, s:s, s:o, s:o, s:s, s:i}", "id",
                        (json_int_t)r->id, "data_ids", ids, "interval_s", (json_int_t)r->interval_s,
                        "webhook", r->webhook, "state", r->active ? "active" : "stopped", "owner",
                        owner, "created", time_json(r->created), "stopped",
                        r->stopped ? time_json(r->stopped) : json_null(), "events_url", events,
                        "subscribers", nsubs);
}

static int load_active(sd_monitors_t *m)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(m->pf->store,
                            "SELECT id, tenant_id, data_ids, webhook_url, webhook_secret "
                            "FROM monitors WHERE state = 'active' ORDER BY id",
                            SD_NOPARAMS, &s);
    if (rc)
        return rc;
    int n = 0;
    while ((rc = sd_stmt_next(s)) == 1) {
        size_t sl = 0;
        const void *sealed = sd_stmt_blob(s, 4, &sl);
        uint8_t key[SD_TOTP_KEY_MAX + 1];
        size_t kl = 0;
        const char *url = sd_stmt_text(s, 3, NULL);
        if (url && (!sealed || sd_user_open(m->pf, sealed, sl, key, sizeof key - 1, &kl))) {
            /* a secret we cannot open (another key): events still stream, webhooks cannot */
            sd_error("monitor %" PRId64 ": webhook secret cannot be opened; webhook disabled",
                     sd_stmt_int64(s, 0));
            url = NULL;
        }
        key[kl] = '\0';
        mon_t *x = mon_new(sd_stmt_int64(s, 0), sd_stmt_int64(s, 1), sd_stmt_text(s, 2, NULL), url,
                           url ? (const char *)key : NULL);
        sodium_memzero(key, sizeof key);
        if (!x) {
            rc = SD_ENOMEM;
            break;
        }
        mon_add(m, x);
        n++;
    }
    sd_stmt_done(s);
    if (rc == 0)
        sd_info("monitors: %d active", n);
    return rc < 0 ? rc : 0;
}

/* ---- gateway requests --------------------------------------------------------------------- */

/*
 * Ask the gateway of each device to start (stop) collecting; one request per device with the
 * device's data IDs. Returns the answer's "gateway_requests" array, or NULL when the request
 * service is not running.
 */
static json_t *notify_gateways(sd_monitors_t *m, sd_http_req_t *req, int64_t tenant, int64_t id,
                               int64_t interval_s, const char *ids_json, int start)
{
    sd_pf_t *pf = m->pf;
    if (!pf->requests)
        return NULL;
    json_t *ids = NULL;
    if (sd_json_parse(ids_json, strlen(ids_json), &ids, NULL))
        return NULL;
    json_t *by_dev = json_object(); /* device code -> [data IDs] */
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        sd_stmt_t *s = NULL;
        if (sd_store_query_row(pf->store,
                               "SELECT d.code FROM points p JOIN devices d ON d.id = p.device_id "
                               "WHERE p.tenant_id = $1 AND p.data_id = $2",
                               SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(json_string_value(v))),
                               &s) == 0) {
            const char *code = sd_stmt_text(s, 0, NULL);
            json_t *a = json_object_get(by_dev, code);
            if (!a)
                json_object_set_new(by_dev, code, a = json_array());
            json_array_append(a, v);
            sd_stmt_done(s);
        }
    }
    json_t *out = json_array();
    const char *code;
    json_object_foreach(by_dev, code, v)
    {
        json_t *body = start ? sd_json_pack("{s:I, s:I, s:O}", "monitor", (json_int_t)id,
                                            "interval_s", (json_int_t)interval_s, "data_ids", v)
                             : sd_json_pack("{s:I}", "monitor", (json_int_t)id);
        int64_t rid = 0;
        int rc = body ? sd_request_submit(pf->requests, sd_api_principal(req), tenant,
                                          start ? SD_REQ_MONITOR_START : SD_REQ_MONITOR_STOP, code,
                                          body, GW_TIMEOUT_MS, &rid)
                      : SD_ENOMEM;
        json_decref(body);
        json_array_append_new(
            out, rc == 0 ? sd_json_pack("{s:s, s:I}", "device", code, "request_id", (json_int_t)rid)
                         : sd_json_pack("{s:s, s:s}", "device", code, "error", sd_err_code(rc)));
    }
    json_decref(by_dev);
    json_decref(ids);
    return out;
}

/* ---- handlers ----------------------------------------------------------------------------- */

static int is_app(const sd_principal_t *p)
{
    return p && p->role == SD_ROLE_APPLICATION;
}

/* Load monitor {id} and check the caller may see it: 404 for another tenant's, and for an
 * application, for another principal's. Replies on failure. */
static int load_visible(sd_monitors_t *m, sd_http_req_t *req, row_t *r)
{
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return SD_ENOTFOUND;
    int rc = row_load(m->pf->store, id, r);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return rc;
    }
    sd_scope_t sc = {.tenant_id = r->tenant_id};
    if ((rc = sd_api_require_visible(req, SD_ACT_DATA_POLL, SD_ACT_DATA_POLL, &sc))) {
        row_free(r);
        return rc;
    }
    const sd_principal_t *who = sd_api_principal(req);
    if (is_app(who) && (strcmp(r->owner_role, "application") || r->owner_id != who->subject_id)) {
        row_free(r);
        sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    return 0;
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    sd_pf_t *pf = m->pf;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    if (sd_api_require(req, SD_ACT_DATA_POLL, &sc))
        return;
    size_t blen;
    const void *body = sd_http_req_body(req, &blen);
    sd_monitor_spec_t spec;
    sd_json_err_t e;
    int rc = sd_monitor_spec_parse(body, blen, &spec, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    /* every data ID must be a point of the caller's tenant */
    for (size_t i = 0; i < spec.n; i++) {
        int64_t pid;
        rc = sd_ts_point_id(pf->store, sc.tenant_id, spec.data_ids[i], &pid);
        if (rc) {
            char field[32];
            snprintf(field, sizeof field, "data_ids[%zu]", i);
            if (rc == SD_ENOTFOUND)
                sd_http_reply_error(req, SD_EFIELD, field, "no point with this data ID");
            else
                sd_api_reply_rc(req, rc);
            sd_monitor_spec_free(&spec);
            return;
        }
    }
    sd_stmt_t *q = NULL;
    int64_t active = 0;
    if ((rc = sd_store_query_row(pf->store,
                                 "SELECT COUNT(*) FROM monitors WHERE tenant_id = $1 AND "
                                 "state = 'active'",
                                 SD_PARAMS(SD_V_INT(sc.tenant_id)), &q)) == 0) {
        active = sd_stmt_int64(q, 0);
        sd_stmt_done(q);
    }
    if (rc || active >= ACTIVE_MAX) {
        if (rc)
            sd_api_reply_rc(req, rc);
        else
            sd_http_reply_error(req, SD_ECONFLICT, NULL,
                                "the tenant already has %d active monitors; stop one first",
                                ACTIVE_MAX);
        sd_monitor_spec_free(&spec);
        return;
    }
    /* the ids as stored: the spec's order */
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < spec.n; i++)
        json_array_append_new(ids, json_string(spec.data_ids[i]));
    char *ids_json = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
    json_decref(ids);
    char secret[SECRET_LEN + 1] = "";
    uint8_t sealed[SD_USER_SEALED_MAX];
    size_t sealed_len = 0;
    if (spec.webhook) {
        uint8_t raw[SECRET_LEN / 2];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(secret, sizeof secret, raw, sizeof raw);
        sodium_memzero(raw, sizeof raw);
        rc = sd_user_seal(pf, (const uint8_t *)secret, SECRET_LEN, sealed, sizeof sealed,
                          &sealed_len);
    }
    int64_t now = sd_pf_now_ms(pf), id = 0;
    if (!rc && !ids_json)
        rc = SD_ENOMEM;
    if (!rc)
        rc = sd_store_insert(
            pf->store,
            "INSERT INTO monitors (tenant_id, owner_role, owner_id, owner_org, data_ids, "
            "interval_s, webhook_url, webhook_secret, state, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9) RETURNING id",
            SD_PARAMS(SD_V_INT(sc.tenant_id), SD_V_TEXT(sd_policy_role_name(who->role)),
                      SD_V_INT(who->subject_id), SD_V_INT(who->org_id), SD_V_TEXT(ids_json),
                      SD_V_INT(spec.interval_s), spec.webhook ? SD_V_TEXT(spec.webhook) : SD_V_NULL,
                      spec.webhook ? SD_V_BLOB(sealed, sealed_len) : SD_V_NULL, SD_V_INT(now)),
            &id);
    mon_t *x = NULL;
    if (!rc &&
        !(x = mon_new(id, sc.tenant_id, ids_json, spec.webhook, spec.webhook ? secret : NULL)))
        rc = SD_ENOMEM;
    if (rc) {
        sd_api_reply_rc(req, rc);
        free(ids_json);
        sd_monitor_spec_free(&spec);
        sodium_memzero(secret, sizeof secret);
        return;
    }
    mon_add(m, x);
    char obj[32], detail[96];
    snprintf(obj, sizeof obj, "monitor:%" PRId64, id);
    snprintf(detail, sizeof detail, "{\"points\":%zu,\"interval_s\":%" PRId64 ",\"webhook\":%s}",
             spec.n, spec.interval_s, spec.webhook ? "true" : "false");
    sd_api_audit_req(pf, req, sc.tenant_id, "monitor.start", obj, detail);
    json_t *gw = notify_gateways(m, req, sc.tenant_id, id, spec.interval_s, ids_json, 1);
    row_t r;
    json_t *out = NULL;
    if (row_load(pf->store, id, &r) == 0) {
        out = row_json(m, &r);
        row_free(&r);
    }
    if (out) {
        if (spec.webhook) /* shown once: only its sealed form is kept */
            json_object_set_new(out, "webhook_secret", json_string(secret));
        json_object_set_new(out, "gateway_notified", json_boolean(gw != NULL));
        json_object_set_new(out, "gateway_requests", gw ? gw : json_array());
        sd_http_reply_json(req, 201, out);
    } else {
        json_decref(gw);
        sd_api_reply_rc(req, SD_ENOMEM);
    }
    sodium_memzero(secret, sizeof secret);
    free(ids_json);
    sd_monitor_spec_free(&spec);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    if (sd_api_require(req, SD_ACT_DATA_POLL, &sc))
        return;
    const char *state = sd_http_req_query(req, "state");
    if (state && strcmp(state, "active") && strcmp(state, "stopped")) {
        sd_http_reply_error(req, SD_EFIELD, "state", "must be active or stopped");
        return;
    }
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(m->pf->store,
                            "SELECT " ROW_COLS
                            " FROM monitors WHERE tenant_id = $1 AND ($2 = '' OR state = $2) "
                            "AND (CAST($3 AS BIGINT) = 0 OR (owner_role = 'application' AND "
                            "owner_id = CAST($3 AS BIGINT))) ORDER BY id",
                            SD_PARAMS(SD_V_INT(sc.tenant_id), SD_V_TEXT(state ? state : ""),
                                      SD_V_INT(is_app(who) ? who->subject_id : 0)),
                            &s);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *items = json_array();
    row_t r;
    while (items && (rc = sd_stmt_next(s)) == 1) {
        if (row_read(s, &r)) {
            rc = SD_ENOMEM;
            break;
        }
        json_t *o = row_json(m, &r);
        row_free(&r);
        if (!o || json_array_append_new(items, o)) {
            rc = SD_ENOMEM;
            break;
        }
    }
    sd_stmt_done(s);
    if (!items || rc < 0) {
        json_decref(items);
        sd_api_reply_rc(req, items ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", items));
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    row_t r;
    if (load_visible(m, req, &r))
        return;
    json_t *o = row_json(m, &r);
    row_free(&r);
    if (o)
        sd_http_reply_json(req, 200, o);
    else
        sd_api_reply_rc(req, SD_ENOMEM);
}

static void h_stop(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    sd_pf_t *pf = m->pf;
    row_t r;
    if (load_visible(m, req, &r))
        return;
    json_t *gw = NULL;
    if (r.active) {
        int64_t changes = 0;
        int rc = sd_store_exec(pf->store,
                               "UPDATE monitors SET state = 'stopped', stopped_at = $2 "
                               "WHERE id = $1 AND state = 'active'",
                               SD_PARAMS(SD_V_INT(r.id), SD_V_INT(sd_pf_now_ms(pf))), &changes);
        if (rc) {
            row_free(&r);
            sd_api_reply_rc(req, rc);
            return;
        }
        /* unhook it: subscribers get a last "stopped" event and their stream ends */
        pthread_mutex_lock(&m->lock);
        mon_t *x = NULL;
        for (mon_t **pp = &m->mons; *pp; pp = &(*pp)->next)
            if ((*pp)->id == r.id) {
                x = *pp;
                *pp = x->next;
                break;
            }
        if (x) {
            char ev[96];
            int n = snprintf(ev, sizeof ev, "event: stopped\ndata: {\"monitor\":%" PRId64 "}\n\n",
                             r.id);
            mon_push(m, x, ev, (size_t)n);
        }
        pthread_mutex_unlock(&m->lock);
        mon_free(x);
        if (changes) {
            char obj[32];
            snprintf(obj, sizeof obj, "monitor:%" PRId64, r.id);
            sd_api_audit_req(pf, req, r.tenant_id, "monitor.stop", obj, NULL);
            gw = notify_gateways(m, req, r.tenant_id, r.id, r.interval_s, r.data_ids, 0);
        }
    }
    int64_t id = r.id;
    row_free(&r);
    json_t *out = NULL;
    int rc = row_load(pf->store, id, &r);
    if (!rc) {
        out = row_json(m, &r);
        row_free(&r);
    }
    if (out) {
        json_object_set_new(out, "gateway_notified", json_boolean(gw != NULL));
        json_object_set_new(out, "gateway_requests", gw ? gw : json_array());
        sd_http_reply_json(req, 200, out);
    } else {
        json_decref(gw);
        sd_api_reply_rc(req, rc ? rc : SD_ENOMEM);
    }
}

/* Last-Event-ID (header, or ?last_event_id= for clients that cannot set headers): a cursor. */
static int parse_cursor(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
        return SD_EFIELD;
    *out = strtoll(s, NULL, 10);
    return 0;
}

/* Stored samples of the monitor received after cursor - overlap, as events (ids: their receive
 * time); at most SD_MONITOR_REPLAY_MAX samples, then a "truncated" event. */
static void replay(sd_monitors_t *m, sd_http_stream_t *st, const row_t *r, int64_t cursor)
{
    json_t *ids = NULL;
    if (sd_json_parse(r->data_ids, strlen(r->data_ids), &ids, NULL))
        return;
    size_t n = json_array_size(ids);
    sd_buf_t sql = {0};
    sd_val_t *p = calloc(n + 3, sizeof *p);
    int rc = p ? sd_buf_append_str(&sql, "SELECT p.data_id, s.ts_ms, s.value, s.quality, "
                                         "s.received_ms FROM samples s JOIN points p ON "
                                         "p.id = s.point_id WHERE p.tenant_id = $1 AND "
                                         "s.received_ms > $2 AND p.data_id IN (")
               : SD_ENOMEM;
    if (p) {
        p[0] = SD_V_INT(r->tenant_id);
        p[1] = SD_V_INT(cursor - SD_MONITOR_OVERLAP_MS);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        p[i + 2] = SD_V_TEXT(json_string_value(json_array_get(ids, i)));
        rc = sd_buf_printf(&sql, "%s$%zu", i ? ", " : "", i + 3);
    }
    if (!rc)
        rc = sd_buf_printf(&sql, ") ORDER BY s.received_ms, p.data_id, s.ts_ms LIMIT %d",
                           SD_MONITOR_REPLAY_MAX + 1);
    sd_stmt_t *s = NULL;
    if (!rc)
        rc = sd_store_query(m->pf->store, sql.data, p, (int)n + 2, &s);
    sd_buf_t samples = {0}, frame = {0};
    int64_t group = INT64_MIN;
    size_t k = 0, total = 0;
    int truncated = 0;
    while (s && (rc = sd_stmt_next(s)) == 1) {
        int64_t recv = sd_stmt_int64(s, 4);
        if (++total > SD_MONITOR_REPLAY_MAX) {
            truncated = 1;
            break;
        }
        if (k && (recv != group || k == SD_MONITOR_EVENT_MAX)) {
            sd_buf_reset(&frame);
            if (sse_frame(&frame, r->id, group, &samples) ||
                sd_http_stream_write(st, frame.data, frame.len))
                break;
            sd_buf_reset(&samples);
            k = 0;
        }
        group = recv;
        if (append_sample(&samples, k == 0, sd_stmt_text(s, 0, NULL), sd_stmt_int64(s, 1),
                          sd_stmt_double(s, 2), (int)sd_stmt_int64(s, 3)) == 0)
            k++;
    }
    if (rc >= 0 && k) {
        sd_buf_reset(&frame);
        if (sse_frame(&frame, r->id, group, &samples) == 0)
            sd_http_stream_write(st, frame.data, frame.len);
    }
    if (truncated) {
        /* reconnecting with the last id received goes on from there */
        sd_buf_reset(&frame);
        if (sd_buf_printf(&frame,
                          "event: truncated\ndata: {\"monitor\":%" PRId64
                          ",\"replayed\":%d,\"hint\":\"reconnect with Last-Event-ID to continue\"}"
                          "\n\n",
                          r->id, SD_MONITOR_REPLAY_MAX) == 0)
            sd_http_stream_write(st, frame.data, frame.len);
    }
    if (rc < 0)
        sd_error("monitor %" PRId64 ": replay: %s %s", r->id, sd_strerror(rc), sd_store_errmsg());
    sd_stmt_done(s);
    sd_buf_free(&samples);
    sd_buf_free(&frame);
    sd_buf_free(&sql);
    free(p);
    json_decref(ids);
}

static void h_events(sd_http_req_t *req, void *ctx)
{
    sd_monitors_t *m = ctx;
    row_t r;
    if (load_visible(m, req, &r))
        return;
    if (!r.active) {
        /* 204 tells an EventSource to stop reconnecting */
        row_free(&r);
        sd_http_reply_empty(req, 204);
        return;
    }
    int64_t cursor = -1;
    const char *last = sd_http_req_header(req, "Last-Event-ID");
    const char *field = "Last-Event-ID";
    if (!last) {
        last = sd_http_req_query(req, "last_event_id");
        field = "last_event_id";
    }
    if (last && parse_cursor(last, &cursor)) {
        row_free(&r);
        sd_http_reply_error(req, SD_EFIELD, field, "expected the id of an event (digits)");
        return;
    }
    pthread_mutex_lock(&m->lock);
    mon_t *x = mon_find(m, r.id);
    int full = x && x->nsubs >= SUBS_MAX;
    pthread_mutex_unlock(&m->lock);
    if (!x || full) {
        row_free(&r);
        if (full)
            sd_http_reply_error(req, SD_ECONFLICT, NULL,
                                "%d event streams are already open on this monitor", SUBS_MAX);
        else
            sd_http_reply_empty(req, 204);
        return;
    }
    sub_t *sub = calloc(1, sizeof *sub);
    const sd_caller_t *caller = sd_session_caller(req);
    if (sub && caller) {
        sub->kind = caller->kind;
        sub->cred_id = caller->session_id;
    }
    sd_http_reply_header(req, "X-Accel-Buffering", "no"); /* proxies must not hold events */
    if (!sub ||
        sd_http_reply_stream(req, 200, "text/event-stream", m->cfg.stream_buffer, &sub->st)) {
        if (!sub)
            sd_api_reply_rc(req, SD_ENOMEM);
        free(sub);
        row_free(&r);
        return;
    }
    char hello[96];
    int hn = snprintf(hello, sizeof hello, "retry: 3000\n: monitor %" PRId64 "\n\n", r.id);
    sd_http_stream_write(sub->st, hello, (size_t)hn);
    /* subscribe before replaying, so nothing stored meanwhile falls between the two */
    pthread_mutex_lock(&m->lock);
    x = mon_find(m, r.id);
    if (x) {
        sub->next = x->subs;
        x->subs = sub;
        x->nsubs++;
    }
    pthread_mutex_unlock(&m->lock);
    if (!x) { /* stopped meanwhile */
        sd_http_stream_close(sub->st);
        free(sub);
    } else if (cursor >= 0) {
        replay(m, sub->st, &r, cursor);
    }
    row_free(&r);
}

/* ---- life ----------------------------------------------------------------------------------- */

int sd_monitors_start(sd_pf_t *pf, const sd_monitors_config_t *cfg, sd_monitors_t **out)
{
    *out = NULL;
    sd_monitors_t *m = calloc(1, sizeof *m);
    if (!m)
        return SD_ENOMEM;
    m->pf = pf;
    if (cfg)
        m->cfg = *cfg;
    if (m->cfg.heartbeat_ms <= 0)
        m->cfg.heartbeat_ms = 15000;
    if (m->cfg.webhook_timeout_ms <= 0)
        m->cfg.webhook_timeout_ms = 5000;
    if (m->cfg.webhook_attempts <= 0)
        m->cfg.webhook_attempts = 6;
    if (m->cfg.webhook_backoff_ms <= 0)
        m->cfg.webhook_backoff_ms = 1000;
    if (!m->cfg.webhook_queue)
        m->cfg.webhook_queue = 1000;
    if (!m->cfg.stream_buffer)
        m->cfg.stream_buffer = (size_t)4 << 20;
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->qlock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->qcv, &ca);
    pthread_cond_init(&m->hbcv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = load_active(m);
    struct {
        const char *method, *path;
        sd_http_handler_fn fn;
    } routes[] = {
        {"POST", "/apif/v1/monitors", h_create},
        {"GET", "/apif/v1/monitors", h_list},
        {"GET", "/apif/v1/monitors/{id}", h_get},
        {"DELETE", "/apif/v1/monitors/{id}", h_stop},
        {"GET", "/apif/v1/monitors/{id}/events", h_events},
    };
    for (size_t i = 0; !rc && i < sizeof routes / sizeof routes[0]; i++)
        rc = sd_http_route(pf->http, routes[i].method, routes[i].path, routes[i].fn, m, NULL);
    if (!rc && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        rc = SD_EINTERNAL;
    if (!rc && pthread_create(&m->hb, NULL, heartbeat_main, m) == 0) {
        m->threads = 1;
        if (pthread_create(&m->wh, NULL, webhook_main, m) == 0)
            m->threads = 2;
    }
    if (!rc && m->threads != 2)
        rc = SD_ENOMEM;
    if (!rc) /* last: nothing may call on_samples on a monitors object that failed to start */
        rc = sd_pf_observe_samples(pf, on_samples, m);
    if (rc) {
        sd_error("monitors: start: %s %s", sd_strerror(rc), sd_store_errmsg());
        sd_monitors_stop(m); /* NB: an observer registered stays; suidod exits on this error */
        return rc;
    }
    *out = m;
    return 0;
}

void sd_monitors_stop(sd_monitors_t *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->qlock);
    m->stopping = 1;
    pthread_cond_broadcast(&m->qcv);
    pthread_cond_broadcast(&m->hbcv);
    pthread_mutex_unlock(&m->qlock);
    if (m->threads >= 1)
        pthread_join(m->hb, NULL);
    if (m->threads >= 2)
        pthread_join(m->wh, NULL);
    for (mon_t *x = m->mons, *n; x; x = n) {
        n = x->next;
        mon_free(x);
    }
    for (job_t *j = m->jobs, *n; j; j = n) {
        n = j->next;
        job_free(j);
    }
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->qlock);
    pthread_cond_destroy(&m->qcv);
    pthread_cond_destroy(&m->hbcv);
    free(m);
}

void sd_monitors_stats(sd_monitors_t *m, sd_monitors_stats_t *out)
{
    out->events = atomic_load(&m->events);
    out->webhook_ok = atomic_load(&m->ok);
    out->webhook_retries = atomic_load(&m->retries);
    out->webhook_dropped = atomic_load(&m->dropped);
    out->streams_cut = atomic_load(&m->cut);
}
