/* monitor.c - periodic monitoring (AP-IF #5-7): the start body, webhook URL and signature (pure),
 * and the service: monitors, the sample observer, the heartbeat and webhook workers. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "httpc/addr.h"
#include "httpc/client.h"
#include "core/log.h"
#include "core/worker.h"
#include "pf/accounts/session.h"
#include "pf/accounts/user.h"
#include "pf/data/ts.h"
#include "pf/registry/registry.h"
#include "pf/requests/monitor.h"
#include "pf/requests/request.h"

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int sd_monitor_webhook_check(const char *url, size_t len, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = "must be an http:// or https:// URL";
    if (!url || len == 0)
        return SD_EFIELD;
    if (len > SD_MONITOR_URL_MAX) {
        *why = "longer than 2048 bytes";
        return SD_EFIELD;
    }
    size_t i;
    if (len > 7 && !strncasecmp(url, "http://", 7))
        i = 7;
    else if (len > 8 && !strncasecmp(url, "https://", 8))
        i = 8;
    else
        return SD_EFIELD;
    /* host: an [IPv6] literal, or DNS labels / IPv4 digits; user info ("a@b") is refused, since
     * "https://trusted@evil" reads as trusted to a human */
    size_t h0 = i;
    if (url[i] == '[') {
        i++;
        size_t n = 0;
        while (i < len && (is_alnum((unsigned char)url[i]) || url[i] == ':' || url[i] == '.')) {
            if (!strchr("0123456789abcdefABCDEF:.", url[i])) {
                *why = "bad IPv6 literal";
                return SD_EFIELD;
            }
            i++;
            n++;
        }
        if (i >= len || url[i] != ']' || n < 2) {
            *why = "bad IPv6 literal";
            return SD_EFIELD;
        }
        i++;
    } else {
        int prev_dot = 1;
        while (i < len && (is_alnum((unsigned char)url[i]) || url[i] == '-' || url[i] == '.')) {
            if (url[i] == '.' && prev_dot) {
                *why = "bad host name";
                return SD_EFIELD;
            }
            prev_dot = url[i] == '.';
            i++;
        }
        if (i == h0 || i - h0 > 253) {
            *why = "missing or bad host";
            return SD_EFIELD;
        }
        if (i < len && url[i] == '@') {
            *why = "user name or password in the URL is not allowed";
            return SD_EFIELD;
        }
    }
    if (i < len && url[i] == ':') {
        i++;
        unsigned long port = 0;
        size_t d = 0;
        while (i < len && url[i] >= '0' && url[i] <= '9' && d < 6) {
            port = port * 10 + (unsigned long)(url[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || port == 0 || port > 65535) {
            *why = "port must be 1-65535";
            return SD_EFIELD;
        }
    }
    if (i < len && url[i] != '/' && url[i] != '?') {
        *why = url[i] == '@' ? "user name or password in the URL is not allowed"
                             : "unexpected character after the host";
        return SD_EFIELD;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= ' ' || c >= 0x7f || c == '#' || c == '\\') {
            *why = "path must be printable ASCII without spaces, '\\' or '#'";
            return SD_EFIELD;
        }
    }
    return 0;
}

void sd_monitor_sign(const uint8_t *key, size_t keylen, const void *body, size_t len, char *out)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256=", 7);
    if (!HMAC(EVP_sha256(), key, (int)keylen, body, len, mac, &ml))
        ml = 0; /* cannot happen with SHA-256; an empty signature then fails verification */
    for (unsigned i = 0; i < ml; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
    out[7 + 2 * ml] = '\0';
}

void sd_monitor_spec_free(sd_monitor_spec_t *s)
{
    if (!s)
        return;
    json_decref(s->root);
    free(s->data_ids);
    memset(s, 0, sizeof *s);
}

int sd_monitor_spec_parse(const void *buf, size_t len, sd_monitor_spec_t *out, sd_json_err_t *err)
{
    sd_json_err_t dummy;
    if (!err)
        err = &dummy;
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    json_t *root = NULL;
    int rc = sd_json_parse(buf, len, &root, err);
    if (rc)
        return rc;
    json_t *ids = NULL;
    json_t *hook = NULL;
    int64_t interval = 0;
    sd_json_field_t f[] = {
        {"data_ids", SD_JSON_ARR, SD_JSON_REQ, &ids, 1, SD_MONITOR_IDS_MAX},
        {"interval_s", SD_JSON_INT, SD_JSON_REQ, &interval, SD_MONITOR_INTERVAL_MIN,
         SD_MONITOR_INTERVAL_MAX},
        {"webhook", SD_JSON_ANY, 0, &hook, 0, 0},
    };
    rc = sd_json_fields(root, f, 3, SD_JSON_STRICT, err);
    const char *url = NULL;
    if (!rc && hook && !json_is_null(hook)) {
        const char *why = NULL;
        if (!json_is_string(hook))
            rc = sd_json_err_set(err, "webhook", "expected string");
        else if (sd_monitor_webhook_check(json_string_value(hook), json_string_length(hook),
                                          &why) ||
                 strlen(json_string_value(hook)) != json_string_length(hook))
            rc = sd_json_err_set(err, "webhook", "%s", why ? why : "bad URL");
        else
            url = json_string_value(hook);
    }
    size_t n = rc ? 0 : json_array_size(ids);
    const char **v = NULL;
    if (!rc && !(v = calloc(n, sizeof *v)))
        rc = SD_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *e = json_array_get(ids, i);
        char field[32];
        snprintf(field, sizeof field, "data_ids[%zu]", i);
        if (!json_is_string(e)) {
            rc = sd_json_err_set(err, field, "expected string");
            break;
        }
        size_t l = json_string_length(e);
        if (l < 1 || l > 64 || strlen(json_string_value(e)) != l) {
            rc = sd_json_err_set(err, field, "length must be between 1 and 64");
            break;
        }
        v[i] = json_string_value(e);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v[j], v[i])) {
                rc = sd_json_err_set(err, field, "duplicate of data_ids[%zu]", j);
                break;
            }
    }
    if (rc) {
        free(v);
        json_decref(root);
        return rc;
    }
    *out = (sd_monitor_spec_t){
        .root = root, .data_ids = v, .n = n, .interval_s = interval, .webhook = url};
    return 0;
}

/* ==== the service: monitors, the sample observer, heartbeats and webhooks ==================== */

#define SECRET_LEN    64 /* hex characters of a webhook secret (32 random bytes) */
#define GW_TIMEOUT_MS 60000

/* An open event stream (the api's handle), and the credential that opened it: a stream outlives
 * its request, so the heartbeat re-checks that credential (disconnect, disabled, expired) and
 * ends the stream. */
typedef struct sub {
    void *st;
    sd_monitor_cred_t kind;
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
    sd_monitor_streams_t streams;
    pthread_mutex_t lock; /* mons and their subscribers */
    mon_t *mons;
    sd_worker_t *hb; /* heartbeats and credential checks */
    sd_worker_t *wh; /* webhook deliveries; its lock guards jobs */
    job_t *jobs;
    size_t njobs;
    int hb_started;         /* hb worker only: its first round just schedules the first heartbeat */
    sd_http_client_t *http; /* wh worker only */
    sd_addr_allow_t *allow; /* cfg.webhook_allow parsed: internal addresses webhooks may reach */
    atomic_uint_fast64_t events, ok, retries, dropped, cut;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the webhook secret at rest --------------------------------------------------------------
 * sealed by the accounts room (sd_user_seal(): secretbox under pf->secret_key, nonce || box), so
 * monitors rows written before the split open the same way. */

#define SEALED_MAX SD_USER_SEALED_MAX

/* ---- runtime monitors --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sub_close(sd_monitors_t *m, sub_t *s)
{
    if (m->streams.close)
        m->streams.close(m->streams.ctx, s->st);
    free(s);
}

static int sub_write(sd_monitors_t *m, sub_t *s, const char *text, size_t len)
{
    return m->streams.write ? m->streams.write(m->streams.ctx, s->st, text, len) : SD_ECLOSED;
}

static void mon_free(sd_monitors_t *m, mon_t *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++)
        free(x->ids[i]);
    free(x->ids);
    free(x->url);
    sodium_memzero(x->secret, sizeof x->secret);
    for (sub_t *s = x->subs, *n; s; s = n) {
        n = s->next;
        sub_close(m, s);
    }
    free(x);
}

/* A runtime monitor from its stored data IDs (JSON text). NULL on ENOMEM or bad JSON. */
static mon_t *mon_new(sd_monitors_t *m, int64_t id, int64_t tenant, const char *ids_json,
                      const char *url, const char *secret)
{
    json_t *a = NULL;
    if (sd_json_parse(ids_json, strlen(ids_json), &a, NULL) || !json_is_array(a)) {
        json_decref(a);
        return NULL;
    }
    mon_t *x = calloc(1, sizeof *x);
    size_t n = json_array_size(a);
    if (x)
        x->ids = calloc(n ? n : 1, sizeof *x->ids);
    int bad = !x || !x->ids;
    for (size_t i = 0; !bad && i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        bad = !s || !(x->ids[x->n++] = strdup(s));
    }
    json_decref(a);
    if (!bad && url && !(x->url = strdup(url)))
        bad = 1;
    if (bad) {
        mon_free(m, x);
        return NULL;
    }
    x->id = id;
    x->tenant_id = tenant;
    if (secret)
        snprintf(x->secret, sizeof x->secret, "%s", secret);
    if (x->n > 1)
        qsort(x->ids, x->n, sizeof *x->ids, cmp_str);
    return x;
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
        int rc = sub_write(m, s, text, len);
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
        sub_close(m, s);
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

static void job_free(job_t *j)
{
    free(j->url);
    free(j->body);
    sodium_memzero(j->secret, sizeof j->secret);
    free(j);
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
    sd_worker_lock(m->wh);
    int full = m->njobs >= m->cfg.webhook_queue;
    if (!full) {
        j->next = m->jobs;
        m->jobs = j;
        m->njobs++;
    }
    sd_worker_unlock(m->wh);
    if (full) {
        /* a dead receiver must not grow memory: the event stays in storage (AP-IF #10) */
        sd_warn("monitor %" PRId64 ": webhook queue full (%zu), event %s dropped", x->id,
                m->cfg.webhook_queue, j->event_id);
        atomic_fetch_add(&m->dropped, 1);
        job_free(j);
    } else {
        sd_worker_wake(m->wh);
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

/* ---- heartbeats ----------------------------------------------------------------------------- */

/* Is the credential that opened a stream still good? Errors count as good (a store hiccup must
 * not cut every stream); the next heartbeat asks again. Asked of the credential's owner: the
 * registry for bearer tokens, the accounts room for sessions. */
static int cred_ok(sd_monitors_t *m, sd_monitor_cred_t kind, int64_t id)
{
    int ok = 1;
    int rc = kind == SD_MONITOR_CRED_TOKEN ? sd_registry_token_check(m->pf, id, &ok)
                                           : sd_session_check(m->pf, id, &ok);
    if (rc)
        ok = 1;
    if (rc && rc != SD_ENOTFOUND)
        sd_warn("monitors: credential check: %s %s", sd_strerror(rc), sd_store_errmsg());
    sd_log(SD_LOG_DEBUG, "monitors: credential %d:%" PRId64 " rc %d ok %d", (int)kind, id, rc, ok);
    return rc == SD_ENOTFOUND ? 0 : ok;
}

typedef struct {
    sd_monitor_cred_t kind;
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
                sub_write(m, s, ev, sizeof ev - 1);
                *pp = s->next;
                x->nsubs--;
                sub_close(m, s);
            }
        pthread_mutex_unlock(&m->lock);
    }
    free(v);
}

/* The heartbeat worker: every heartbeat_ms, end revoked streams and comment on the others. */
static int64_t heartbeat_tick(void *ctx, int stopping)
{
    sd_monitors_t *m = ctx;
    static const char hb[] = ": heartbeat\n\n";
    if (stopping)
        return -1;
    if (!m->hb_started) { /* the first beat one interval after the start */
        m->hb_started = 1;
        return m->cfg.heartbeat_ms;
    }
    recheck_creds(m);
    pthread_mutex_lock(&m->lock);
    for (mon_t *x = m->mons; x; x = x->next)
        if (x->subs)
            mon_push(m, x, hb, sizeof hb - 1);
    pthread_mutex_unlock(&m->lock);
    return m->cfg.heartbeat_ms;
}

/* ---- webhooks ------------------------------------------------------------------------------- */

/* One POST; 1 when answered 2xx. */
static int deliver(sd_monitors_t *m, sd_http_client_t *c, const job_t *j)
{
    char sig[80], hsig[100], hmon[64], hev[64];
    sd_monitor_sign((const uint8_t *)j->secret, strlen(j->secret), j->body, j->len, sig);
    snprintf(hsig, sizeof hsig, "X-Suido-Signature: %s", sig);
    snprintf(hmon, sizeof hmon, "X-Suido-Monitor: %" PRId64, j->mon_id);
    snprintf(hev, sizeof hev, "X-Suido-Event-Id: %s", j->event_id);
    const char *hs[] = {hsig, hmon, hev, "Expect:", NULL}; /* no 100-continue round trip */
    sd_http_call_t call = {.method = "POST",
                           .url = j->url,
                           .content_type = "application/json",
                           .body = j->body,
                           .body_len = j->len,
                           .headers = hs,
                           .user_agent = "suido-monitor/1",
                           .public_only = 1, /* checked again on the address connected */
                           .allow = m->allow,
                           .timeout_ms = m->cfg.webhook_timeout_ms,
                           .connect_timeout_ms =
                               m->cfg.webhook_timeout_ms < 3000 ? m->cfg.webhook_timeout_ms : 3000};
    sd_http_answer_t a;
    int rc = sd_http_client_call(c, &call, &a); /* a redirect is an answer: a failure here */
    int ok = rc == 0 && a.status >= 200 && a.status <= 299;
    if (!ok)
        sd_info("monitor %" PRId64 ": webhook event %s attempt %d failed: %s %ld", j->mon_id,
                j->event_id, j->attempts + 1, rc != 0 ? a.error : "HTTP", a.status);
    sd_http_answer_free(&a);
    return ok;
}

/*
 * The webhook worker (its lock held, which guards jobs): deliver the earliest due job, or sleep
 * until it is due or another is queued. The POST runs without the lock, so ingest never waits.
 */
static int64_t webhook_tick(void *ctx, int stopping)
{
    sd_monitors_t *m = ctx;
    if (stopping)
        return -1; /* what is left is freed by sd_monitors_stop() */
    /* the earliest due job; queues are short (bounded), a scan is fine */
    job_t **best = NULL;
    for (job_t **pp = &m->jobs; *pp; pp = &(*pp)->next)
        if (!best || (*pp)->due_ms < (*best)->due_ms)
            best = pp;
    if (!best)
        return -1;
    int64_t wait = (*best)->due_ms - mono_ms();
    if (wait > 0)
        return wait;
    job_t *j = *best;
    *best = j->next;
    m->njobs--;
    sd_worker_unlock(m->wh);
    pthread_mutex_lock(&m->lock);
    int active = mon_find(m, j->mon_id) != NULL;
    pthread_mutex_unlock(&m->lock);
    int ok = active && m->http && deliver(m, m->http, j);
    sd_worker_lock(m->wh);
    if (!active) {
        job_free(j); /* stopped meanwhile: nothing more is sent for it */
    } else if (ok) {
        atomic_fetch_add(&m->ok, 1);
        job_free(j);
    } else if (++j->attempts >= m->cfg.webhook_attempts) {
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
    return 0;
}

/* ---- store -------------------------------------------------------------------------------- */

void sd_monitor_free(sd_monitor_t *r)
{
    if (!r)
        return;
    free(r->data_ids);
    free(r->webhook);
    memset(r, 0, sizeof *r);
}

#define ROW_COLS                                                                                   \
    "id, tenant_id, owner_role, owner_id, data_ids, interval_s, webhook_url, state, created_at, "  \
    "stopped_at"

static int row_read(sd_stmt_t *s, sd_monitor_t *r)
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
        sd_monitor_free(r);
        return SD_ENOMEM;
    }
    return 0;
}

int sd_monitor_get(sd_monitors_t *m, int64_t id, sd_monitor_t *r)
{
    memset(r, 0, sizeof *r);
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(m->pf->store, "SELECT " ROW_COLS " FROM monitors WHERE id = $1",
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

json_t *sd_monitor_json(sd_monitors_t *m, const sd_monitor_t *r)
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

int sd_monitor_list(sd_monitors_t *m, int64_t tenant_id, const char *state, int64_t app_id,
                    sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(m->pf->store,
                            "SELECT " ROW_COLS
                            " FROM monitors WHERE tenant_id = $1 AND ($2 = '' OR state = $2) "
                            "AND (CAST($3 AS BIGINT) = 0 OR (owner_role = 'application' AND "
                            "owner_id = CAST($3 AS BIGINT))) ORDER BY id",
                            SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(state ? state : ""),
                                      SD_V_INT(app_id > 0 ? app_id : 0)),
                            &s);
    if (rc)
        return rc;
    out->rows = json_array();
    sd_monitor_t r;
    rc = out->rows ? 0 : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = 0;
        if (row_read(s, &r)) {
            rc = SD_ENOMEM;
            break;
        }
        json_t *o = sd_monitor_json(m, &r);
        sd_scope_t sc = {.tenant_id = r.tenant_id};
        sd_monitor_free(&r);
        if ((rc = sd_pf_items_add(out, o, sc)) != 0)
            break;
    }
    sd_stmt_done(s);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
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
        uint8_t key[SECRET_LEN + 1];
        size_t kl = 0;
        const char *url = sd_stmt_text(s, 3, NULL);
        if (url && (!sealed || sd_user_open(m->pf, sealed, sl, key, sizeof key - 1, &kl))) {
            /* a secret we cannot open (another key): events still stream, webhooks cannot */
            sd_error("monitor %" PRId64 ": webhook secret cannot be opened; webhook disabled",
                     sd_stmt_int64(s, 0));
            url = NULL;
        }
        key[kl] = '\0';
        mon_t *x = mon_new(m, sd_stmt_int64(s, 0), sd_stmt_int64(s, 1), sd_stmt_text(s, 2, NULL),
                           url, url ? (const char *)key : NULL);
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
static json_t *notify_gateways(sd_monitors_t *m, const sd_principal_t *who, int64_t tenant,
                               int64_t id, int64_t interval_s, const char *ids_json, int start)
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
        char code[80];
        if (sd_request_owner_device(pf->requests, tenant, json_string_value(v), 0, code, NULL) ==
            0) {
            json_t *a = json_object_get(by_dev, code);
            if (!a)
                json_object_set_new(by_dev, code, a = json_array());
            json_array_append(a, v);
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
        int rc = body ? sd_request_submit(pf->requests, who, tenant,
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

/* ---- start, stop, subscribe ----------------------------------------------------------------- */

/*
 * A webhook may not point into suidod's own networks: its host is resolved now and every address
 * checked (loopback, private, link-local ... unless monitor.webhook_allow lists it); a host that
 * does not resolve is refused too, as nothing could be checked. Sending checks again, on the
 * address connected (deliver()). 0 or SD_EFIELD (field "webhook").
 */
static int webhook_reachable(sd_monitors_t *m, const char *url, sd_json_err_t *err)
{
    char host[256], why[160];
    if (sd_addr_url_host(url, strlen(url), host, sizeof host) != 0)
        return sd_json_err_set(err, "webhook", "bad host");
    int rc = sd_addr_check_host(m->allow, host, why, sizeof why);
    if (rc == SD_EFORBIDDEN)
        return sd_json_err_set(err, "webhook",
                               "%s: webhooks may not reach internal addresses "
                               "(the operator may allow it: monitor.webhook_allow)",
                               why);
    if (rc)
        return sd_json_err_set(err, "webhook", "%s", why);
    return 0;
}

int sd_monitor_create(sd_monitors_t *m, const sd_principal_t *who, int64_t tenant_id,
                      const sd_monitor_spec_t *spec, json_t **out, sd_json_err_t *err)
{
    sd_json_err_t dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (!who)
        return SD_EINVAL;
    sd_pf_t *pf = m->pf;
    /* every data ID must be a point of the caller's tenant */
    int rc = 0;
    for (size_t i = 0; i < spec->n; i++) {
        int64_t pid;
        rc = sd_ts_point_id(pf->store, tenant_id, spec->data_ids[i], &pid);
        if (rc == SD_ENOTFOUND) {
            char field[32];
            snprintf(field, sizeof field, "data_ids[%zu]", i);
            return sd_json_err_set(err, field, "no point with this data ID");
        }
        if (rc)
            return rc;
    }
    if (spec->webhook && (rc = webhook_reachable(m, spec->webhook, err)) != 0)
        return rc;
    sd_stmt_t *q = NULL;
    int64_t active = 0;
    if ((rc = sd_store_query_row(pf->store,
                                 "SELECT COUNT(*) FROM monitors WHERE tenant_id = $1 AND "
                                 "state = 'active'",
                                 SD_PARAMS(SD_V_INT(tenant_id)), &q)) == 0) {
        active = sd_stmt_int64(q, 0);
        sd_stmt_done(q);
    }
    if (rc)
        return rc;
    if (active >= SD_MONITOR_ACTIVE_MAX) {
        snprintf(err->message, sizeof err->message,
                 "the tenant already has %d active monitors; stop one first",
                 SD_MONITOR_ACTIVE_MAX);
        return SD_ECONFLICT;
    }
    /* the ids as stored: the spec's order */
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < spec->n; i++)
        json_array_append_new(ids, json_string(spec->data_ids[i]));
    char *ids_json = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
    json_decref(ids);
    char secret[SECRET_LEN + 1] = "";
    uint8_t sealed[SEALED_MAX];
    size_t sealed_len = 0;
    if (spec->webhook) {
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
            SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(sd_policy_role_name(who->role)),
                      SD_V_INT(who->subject_id), SD_V_INT(who->org_id), SD_V_TEXT(ids_json),
                      SD_V_INT(spec->interval_s),
                      spec->webhook ? SD_V_TEXT(spec->webhook) : SD_V_NULL,
                      spec->webhook ? SD_V_BLOB(sealed, sealed_len) : SD_V_NULL, SD_V_INT(now)),
            &id);
    mon_t *x = NULL;
    if (!rc &&
        !(x = mon_new(m, id, tenant_id, ids_json, spec->webhook, spec->webhook ? secret : NULL)))
        rc = SD_ENOMEM;
    if (rc) {
        free(ids_json);
        sodium_memzero(secret, sizeof secret);
        return rc;
    }
    mon_add(m, x);
    char obj[32], detail[96];
    snprintf(obj, sizeof obj, "monitor:%" PRId64, id);
    snprintf(detail, sizeof detail, "{\"points\":%zu,\"interval_s\":%" PRId64 ",\"webhook\":%s}",
             spec->n, spec->interval_s, spec->webhook ? "true" : "false");
    sd_pf_audit(pf, who, tenant_id, "monitor.start", obj, detail);
    json_t *gw = notify_gateways(m, who, tenant_id, id, spec->interval_s, ids_json, 1);
    sd_monitor_t r;
    json_t *o = NULL;
    if (sd_monitor_get(m, id, &r) == 0) {
        o = sd_monitor_json(m, &r);
        sd_monitor_free(&r);
    }
    if (o) {
        if (spec->webhook) /* shown once: only its sealed form is kept */
            json_object_set_new(o, "webhook_secret", json_string(secret));
        json_object_set_new(o, "gateway_notified", json_boolean(gw != NULL));
        json_object_set_new(o, "gateway_requests", gw ? gw : json_array());
        *out = o;
    } else {
        json_decref(gw);
        rc = SD_ENOMEM;
    }
    sodium_memzero(secret, sizeof secret);
    free(ids_json);
    return rc;
}

int sd_monitor_stop(sd_monitors_t *m, const sd_principal_t *who, const sd_monitor_t *r,
                    json_t **out)
{
    sd_pf_t *pf = m->pf;
    *out = NULL;
    json_t *gw = NULL;
    if (r->active) {
        int64_t changes = 0;
        int rc = sd_store_exec(pf->store,
                               "UPDATE monitors SET state = 'stopped', stopped_at = $2 "
                               "WHERE id = $1 AND state = 'active'",
                               SD_PARAMS(SD_V_INT(r->id), SD_V_INT(sd_pf_now_ms(pf))), &changes);
        if (rc)
            return rc;
        /* unhook it: subscribers get a last "stopped" event and their stream ends */
        pthread_mutex_lock(&m->lock);
        mon_t *x = NULL;
        for (mon_t **pp = &m->mons; *pp; pp = &(*pp)->next)
            if ((*pp)->id == r->id) {
                x = *pp;
                *pp = x->next;
                break;
            }
        if (x) {
            char ev[96];
            int n = snprintf(ev, sizeof ev, "event: stopped\ndata: {\"monitor\":%" PRId64 "}\n\n",
                             r->id);
            mon_push(m, x, ev, (size_t)n);
        }
        pthread_mutex_unlock(&m->lock);
        mon_free(m, x);
        if (changes) {
            char obj[32];
            snprintf(obj, sizeof obj, "monitor:%" PRId64, r->id);
            sd_pf_audit(pf, who, r->tenant_id, "monitor.stop", obj, NULL);
            gw = notify_gateways(m, who, r->tenant_id, r->id, r->interval_s, r->data_ids, 0);
        }
    }
    sd_monitor_t now;
    json_t *o = NULL;
    int rc = sd_monitor_get(m, r->id, &now);
    if (!rc) {
        o = sd_monitor_json(m, &now);
        sd_monitor_free(&now);
    }
    if (!o) {
        json_decref(gw);
        return rc ? rc : SD_ENOMEM;
    }
    json_object_set_new(o, "gateway_notified", json_boolean(gw != NULL));
    json_object_set_new(o, "gateway_requests", gw ? gw : json_array());
    *out = o;
    return 0;
}

int sd_monitor_can_subscribe(sd_monitors_t *m, int64_t id)
{
    pthread_mutex_lock(&m->lock);
    mon_t *x = mon_find(m, id);
    int full = x && x->nsubs >= SD_MONITOR_SUBS_MAX;
    pthread_mutex_unlock(&m->lock);
    return !x ? SD_ENOTFOUND : full ? SD_ECONFLICT : 0;
}

int sd_monitor_subscribe(sd_monitors_t *m, int64_t id, void *stream, sd_monitor_cred_t kind,
                         int64_t cred_id)
{
    sub_t *sub = calloc(1, sizeof *sub);
    if (!sub)
        return SD_ENOMEM;
    *sub = (sub_t){.st = stream, .kind = kind, .cred_id = cred_id};
    pthread_mutex_lock(&m->lock);
    mon_t *x = mon_find(m, id);
    if (x) {
        sub->next = x->subs;
        x->subs = sub;
        x->nsubs++;
    }
    pthread_mutex_unlock(&m->lock);
    if (!x) {
        free(sub);
        return SD_ENOTFOUND;
    }
    return 0;
}

static int stream_write(sd_monitors_t *m, void *stream, const char *text, size_t len)
{
    return m->streams.write ? m->streams.write(m->streams.ctx, stream, text, len) : SD_ECLOSED;
}

/* A replay being framed: samples grouped by arrival into SSE events. */
typedef struct {
    sd_monitors_t *m;
    void *st;
    const sd_monitor_t *r;
    sd_buf_t samples, frame;
    int64_t group;
    size_t k, total;
    int truncated;
} replay_t;

static int replay_one(void *ctx, const sd_ts_arrival_t *a)
{
    replay_t *x = ctx;
    if (++x->total > SD_MONITOR_REPLAY_MAX) {
        x->truncated = 1;
        return 1;
    }
    if (x->k && (a->received_ms != x->group || x->k == SD_MONITOR_EVENT_MAX)) {
        sd_buf_reset(&x->frame);
        if (sse_frame(&x->frame, x->r->id, x->group, &x->samples) ||
            stream_write(x->m, x->st, x->frame.data, x->frame.len))
            return 1;
        sd_buf_reset(&x->samples);
        x->k = 0;
    }
    x->group = a->received_ms;
    if (append_sample(&x->samples, x->k == 0, a->data_id, a->ts_ms, a->value, a->quality) == 0)
        x->k++;
    return 0;
}

void sd_monitor_replay(sd_monitors_t *m, void *st, const sd_monitor_t *r, int64_t cursor)
{
    json_t *ids = NULL;
    if (sd_json_parse(r->data_ids, strlen(r->data_ids), &ids, NULL))
        return;
    size_t n = json_array_size(ids);
    const char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = json_string_value(json_array_get(ids, i));
    replay_t x = {.m = m, .st = st, .r = r, .group = INT64_MIN};
    /* the samples are the data room's: one query for the whole replay */
    int rc =
        v ? sd_ts_each_received(m->pf->store, r->tenant_id, v, n, cursor - SD_MONITOR_OVERLAP_MS,
                                SD_MONITOR_REPLAY_MAX + 1, replay_one, &x)
          : SD_ENOMEM;
    if (rc >= 0 && x.k) {
        sd_buf_reset(&x.frame);
        if (sse_frame(&x.frame, r->id, x.group, &x.samples) == 0)
            stream_write(m, st, x.frame.data, x.frame.len);
    }
    if (x.truncated) {
        /* reconnecting with the last id received goes on from there */
        sd_buf_reset(&x.frame);
        if (sd_buf_printf(&x.frame,
                          "event: truncated\ndata: {\"monitor\":%" PRId64
                          ",\"replayed\":%d,\"hint\":\"reconnect with Last-Event-ID to continue\"}"
                          "\n\n",
                          r->id, SD_MONITOR_REPLAY_MAX) == 0)
            stream_write(m, st, x.frame.data, x.frame.len);
    }
    if (rc < 0)
        sd_error("monitor %" PRId64 ": replay: %s %s", r->id, sd_strerror(rc), sd_store_errmsg());
    sd_buf_free(&x.samples);
    sd_buf_free(&x.frame);
    free(v);
    json_decref(ids);
}

/* ---- life ----------------------------------------------------------------------------------- */

void sd_monitors_set_streams(sd_monitors_t *m, const sd_monitor_streams_t *ops)
{
    pthread_mutex_lock(&m->lock);
    m->streams = ops ? *ops : (sd_monitor_streams_t){0};
    pthread_mutex_unlock(&m->lock);
}

const sd_monitors_config_t *sd_monitors_config(const sd_monitors_t *m)
{
    return &m->cfg;
}

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
    char aerr[160];
    int rc = sd_addr_allow_parse(m->cfg.webhook_allow, &m->allow, aerr, sizeof aerr);
    if (rc == SD_EFIELD) {
        sd_error("monitors: monitor.webhook_allow: %s", aerr);
        rc = SD_ECONFIG;
    }
    if (!rc)
        rc = load_active(m);
    if (!rc)
        m->http =
            sd_http_client_new(); /* NULL: every delivery fails and is retried, then dropped */
    if (!rc)
        rc = sd_worker_start("mon-heartbeat", heartbeat_tick, m, &m->hb);
    if (!rc)
        rc = sd_worker_start("mon-webhook", webhook_tick, m, &m->wh);
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
    sd_worker_stop(m->hb);
    sd_worker_stop(m->wh);
    sd_http_client_free(m->http);
    sd_addr_allow_free(m->allow);
    for (mon_t *x = m->mons, *n; x; x = n) {
        n = x->next;
        mon_free(m, x);
    }
    for (job_t *j = m->jobs, *n; j; j = n) {
        n = j->next;
        job_free(j);
    }
    pthread_mutex_destroy(&m->lock);
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
