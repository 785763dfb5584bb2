/* notify.c - the e-mail outbox and its SMTP worker, alarm notification, escalation, digest. */
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "core/worker.h"
#include "pf/notify/contact.h"
#include "pf/notify/notify.h"
#include "pf/notify/notify_int.h"

#define MIN_MS INT64_C(60000)

static int drain(sd_notify_t *n, size_t max);

void sd_notify_config_defaults(sd_notify_config_t *cfg)
{
    *cfg = (sd_notify_config_t){
        .from = "suido@localhost",
        .escalate_ms = {0, 15 * MIN_MS, 30 * MIN_MS, 60 * MIN_MS, 0},
        .repeats = 2,
        .digest_min = 8 * 60 + 30,
        .retry_base_ms = 30000,
        .retry_max_ms = 15 * MIN_MS,
    };
}

int sd_notify_new(sd_pf_t *pf, const sd_notify_config_t *cfg, sd_notify_t **out)
{
    *out = NULL;
    sd_notify_t *n = calloc(1, sizeof *n);
    if (!n)
        return SD_ENOMEM;
    n->pf = pf;
    n->cfg = *cfg;
    const char **fields[] = {&n->cfg.smtp_url, &n->cfg.from,   &n->cfg.username,
                             &n->cfg.password, &n->cfg.cacert, &n->cfg.portal_url,
                             &n->cfg.ops_to};
    if (!n->cfg.from)
        n->cfg.from = "suido@localhost";
    for (size_t i = 0; i < 7; i++) {
        if (*fields[i] && !(n->own[i] = strdup(*fields[i]))) {
            sd_notify_free(n);
            return SD_ENOMEM;
        }
        *fields[i] = n->own[i];
    }
    curl_global_init(CURL_GLOBAL_DEFAULT); /* once per process; idempotent, main thread */
    pthread_mutex_init(&n->mu, NULL);
    pthread_mutex_init(&n->tick_mu, NULL);
    n->inited = 1;
    *out = n;
    return 0;
}

/* The worker, once sd_notify_start() has stored it (it holds mu until then); NULL before and
 * from sd_notify_free() on. */
static sd_worker_t *worker_of(sd_notify_t *n)
{
    pthread_mutex_lock(&n->mu);
    sd_worker_t *w = n->w;
    pthread_mutex_unlock(&n->mu);
    return w;
}

/* The worker's round: one pass, then again in 250 ms or when woken. */
static int64_t worker_tick(void *ctx, int stopping)
{
    sd_notify_t *n = ctx;
    if (stopping) { /* pending mails wait in the outbox for the next start */
        sd_store_release(n->pf->store);
        return -1;
    }
    sd_worker_t *w = worker_of(n);
    if (!w) /* sd_notify_free() took it: wait for the last round */
        return -1;
    sd_worker_unlock(w); /* a pass sends mail: wake-ups must not wait for it */
    int rc = sd_notify_tick(n);
    if (rc < 0)
        sd_warn("notify: worker pass failed: %s %s", sd_strerror(rc), sd_store_errmsg());
    sd_worker_lock(w);
    return 250;
}

int sd_notify_start(sd_notify_t *n)
{
    pthread_mutex_lock(&n->mu);
    int rc = n->w ? SD_EINVAL : 0;
    if (!rc)
        rc = sd_worker_start("sd-notify", worker_tick, n, &n->w);
    pthread_mutex_unlock(&n->mu);
    return rc;
}

void sd_notify_wake(sd_notify_t *n)
{
    if (!n || !n->inited)
        return;
    sd_worker_wake(worker_of(n));
}

void sd_notify_free(sd_notify_t *n)
{
    if (!n)
        return;
    if (n->inited) {
        atomic_store(&n->stop, 1);  /* a long pass ends early */
        pthread_mutex_lock(&n->mu); /* no wake-up reaches the worker once it is stopped */
        sd_worker_t *w = n->w;
        n->w = NULL;
        pthread_mutex_unlock(&n->mu);
        sd_worker_stop(w);
    }
    while (n->q_head) /* the worker stopped before persisting them: do it now */
        drain(n, 256);
    if (n->curl)
        curl_easy_cleanup(n->curl);
    if (n->inited) {
        pthread_mutex_destroy(&n->mu);
        pthread_mutex_destroy(&n->tick_mu);
    }
    if (n->own[3])
        sodium_memzero(n->own[3], strlen(n->own[3]));
    for (size_t i = 0; i < 7; i++)
        free(n->own[i]);
    free(n);
}

sd_pf_t *sd_notify_pf(sd_notify_t *n)
{
    return n->pf;
}

/* ---- pure parts ------------------------------------------------------------------------------ */

const char *sd_notify_severity_ja(int severity)
{
    static const char *const names[] = {"重故障", "中故障", "軽故障", "情報"};
    return severity >= 1 && severity <= 4 ? names[severity - 1] : "?";
}

int64_t sd_notify_backoff(int attempts, int64_t base_ms, int64_t max_ms)
{
    int64_t d = base_ms > 0 ? base_ms : 1000;
    for (int i = 1; i < attempts && d < max_ms; i++)
        d *= 2;
    return d < max_ms ? d : max_ms;
}

static int b64_append(sd_buf_t *out, const void *p, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    int rc = sd_buf_reserve(out, cap);
    if (rc)
        return rc;
    sodium_bin2base64(out->data + out->len, cap, p, len, sodium_base64_VARIANT_ORIGINAL);
    out->len += strlen(out->data + out->len);
    return 0;
}

static int has_crlf(const char *s)
{
    return strchr(s, '\r') || strchr(s, '\n');
}

int sd_notify_format(const char *from, const char *to, const char *subject, const char *body,
                     int64_t now_ms, int64_t msg_id, sd_buf_t *out)
{
    if (has_crlf(from) || has_crlf(to) || has_crlf(subject))
        return SD_EINVAL;
    static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    sd_civil_t c;
    int64_t s = now_ms / 1000;
    sd_civil_from_unix(s, SD_JST_OFFSET_S, &c);
    int64_t days = (s + SD_JST_OFFSET_S) / 86400;
    int rc =
        sd_buf_printf(out,
                      "From: %s\r\nTo: %s\r\nDate: %s, %02d %s %04d %02d:%02d:%02d +0900\r\n"
                      "Message-ID: <suido.%" PRId64 ".%" PRId64 "@%s>\r\nSubject: ",
                      from, to, wd[(days + 3) % 7], c.day, mo[c.mon - 1], c.year, c.hour, c.min,
                      c.sec, msg_id, now_ms, strchr(from, '@') ? strchr(from, '@') + 1 : "suido");
    /* RFC 2047 encoded words of at most 45 bytes of UTF-8 each, never splitting a character */
    size_t len = strlen(subject), i = 0;
    while (!rc && i < len) {
        size_t k = len - i > 45 ? 45 : len - i;
        while (k > 1 && i + k < len && ((unsigned char)subject[i + k] & 0xc0) == 0x80)
            k--;
        rc = sd_buf_append_str(out, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        if (!rc)
            rc = b64_append(out, subject + i, k);
        if (!rc)
            rc = sd_buf_append_str(out, "?=");
        i += k;
    }
    if (!rc)
        rc = sd_buf_append_str(out, "\r\nMIME-Version: 1.0\r\n"
                                    "Content-Type: text/plain; charset=UTF-8\r\n"
                                    "Content-Transfer-Encoding: base64\r\n\r\n");
    /* base64 body in lines of 76 characters (57 input bytes) */
    size_t blen = strlen(body);
    for (size_t j = 0; !rc && j < blen; j += 57) {
        rc = b64_append(out, body + j, blen - j > 57 ? 57 : blen - j);
        if (!rc)
            rc = sd_buf_append_str(out, "\r\n");
    }
    return rc;
}

/* ---- outbox -----------------------------------------------------------------------------------
 */

int sd_notify_enqueue(sd_notify_t *n, int64_t tenant_id, const char *kind, int64_t alarm_id,
                      int step, const char *rcpt, const char *subject, const char *body,
                      int64_t *id)
{
    int64_t now = sd_pf_now_ms(n->pf), rid = 0;
    int rc = sd_store_insert(n->pf->store,
                             "INSERT INTO notifications (tenant_id, kind, alarm_id, step, rcpt, "
                             "subject, body, state, next_at, created_at) VALUES ($1, $2, $3, $4, "
                             "$5, $6, $7, 'pending', $8, $8) RETURNING id",
                             SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(kind), SD_V_INT(alarm_id),
                                       SD_V_INT(step), SD_V_TEXT(rcpt), SD_V_TEXT(subject),
                                       SD_V_TEXT(body), SD_V_INT(now)),
                             &rid);
    if (!rc && id)
        *id = rid;
    return rc;
}

const char *sd_notify_portal_url(const sd_notify_t *n)
{
    return n && n->cfg.portal_url && *n->cfg.portal_url ? n->cfg.portal_url : NULL;
}

int sd_notify_has_smtp(const sd_notify_t *n)
{
    return n && n->cfg.smtp_url && *n->cfg.smtp_url;
}

int sd_notify_outbox_depth(sd_notify_t *n, int64_t *depth)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(n->pf->store,
                                "SELECT COUNT(*) FROM notifications WHERE state = 'pending'",
                                SD_NOPARAMS, &s);
    if (!rc)
        *depth = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return rc;
}

int sd_notify_failing(sd_notify_t *n, int64_t *waiting, char *last, size_t lastsz)
{
    *waiting = 0;
    if (lastsz)
        *last = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(n->pf->store,
                                "SELECT COUNT(*), MAX(smtp_result) FROM notifications "
                                "WHERE state = 'pending' AND attempts > 0",
                                SD_NOPARAMS, &s);
    if (rc)
        return rc;
    *waiting = sd_stmt_int64(s, 0);
    const char *t = sd_stmt_text(s, 1, NULL);
    if (lastsz)
        snprintf(last, lastsz, "%s", t ? t : "");
    sd_stmt_done(s);
    return 0;
}

typedef struct {
    sd_notify_t *n;
    const char *kind, *subject, *body, *list;
} ops_t;

static int ops_tx(sd_store_t *st, void *vctx)
{
    (void)st;
    ops_t *o = vctx;
    char *list = strdup(o->list), *save = NULL;
    if (!list)
        return SD_ENOMEM;
    int rc = 0;
    for (char *a = strtok_r(list, ", ", &save); !rc && a; a = strtok_r(NULL, ", ", &save))
        if (sd_contact_email_ok(a, strlen(a)))
            rc = sd_notify_enqueue(o->n, SD_TENANT_COMMON, o->kind, 0, 0, a, o->subject, o->body,
                                   NULL);
    free(list);
    return rc;
}

int sd_notify_ops(sd_notify_t *n, const char *kind, const char *subject, const char *body)
{
    if (!n->cfg.ops_to || !*n->cfg.ops_to) {
        sd_warn("notify: %s (no notify.ops_to configured, not mailed)", subject);
        return 0;
    }
    ops_t o = {n, kind, subject, body, n->cfg.ops_to};
    int rc = sd_store_tx(n->pf->store, ops_tx, &o);
    sd_notify_wake(n);
    return rc;
}

/* ---- the notification log, test messages, drills ----------------------------------------------
 */

int sd_notify_list(sd_notify_t *n, int64_t tenant_id, int limit, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {1, -1, -1};
    return sd_pf_query_items(n->pf->store,
                             "SELECT id, tenant_id, kind, alarm_id, step, rcpt, subject, state, "
                             "attempts, next_at, created_at, sent_at, smtp_code, smtp_result FROM "
                             "notifications WHERE CAST($1 AS BIGINT) = 0 OR tenant_id = $1 ORDER "
                             "BY id DESC LIMIT $2",
                             SD_PARAMS(SD_V_INT(tenant_id > 0 ? tenant_id : 0), SD_V_INT(limit)),
                             "iisiisssiiiiis", &cols, out);
}

typedef struct {
    sd_notify_t *n;
    const sd_principal_t *who;
    int64_t tenant, list_id, id;
    const char *list_name, *state;
    const json_t *entries;
    int order;
    json_t *ids;
} test_t;

static int test_tx(sd_store_t *st, void *vctx)
{
    (void)st;
    test_t *t = vctx;
    char subject[200], body[600], obj[48], detail[96];
    snprintf(subject, sizeof subject, "[suido] テストメール (test) %s", t->list_name);
    snprintf(body, sizeof body,
             "連絡体制表「%s」のテストメールです。\nThis is a test message of contact list %s.\n"
             "No action is needed.\n",
             t->list_name, t->list_name);
    json_array_clear(t->ids); /* a retried attempt starts over */
    int rc = 0;
    size_t i;
    const json_t *en;
    json_array_foreach(t->entries, i, en)
    {
        json_int_t o = json_integer_value(json_object_get(en, "order"));
        const char *to = json_string_value(json_object_get(en, "email"));
        int64_t id = 0;
        if (rc || (t->order && o != t->order) || !to)
            continue;
        rc = sd_notify_enqueue(t->n, t->tenant, "test", 0, (int)o, to, subject, body, &id);
        if (!rc)
            json_array_append_new(t->ids, json_integer(id));
    }
    snprintf(obj, sizeof obj, "contact_list:%" PRId64, t->list_id);
    snprintf(detail, sizeof detail, "{\"queued\":%zu}", json_array_size(t->ids));
    if (!rc)
        rc = sd_pf_audit(t->n->pf, t->who, t->tenant, "notify.test", obj, detail);
    return rc;
}

int sd_notify_test(sd_notify_t *n, const sd_principal_t *who, int64_t tenant_id, int64_t list_id,
                   const char *list_name, const json_t *entries, int order, json_t **ids)
{
    *ids = NULL;
    test_t t = {.n = n,
                .who = who,
                .tenant = tenant_id,
                .list_id = list_id,
                .list_name = list_name,
                .entries = entries,
                .order = order,
                .ids = json_array()};
    if (!t.ids)
        return SD_ENOMEM;
    int rc = sd_store_tx(n->pf->store, test_tx, &t);
    if (rc) {
        json_decref(t.ids);
        return rc;
    }
    sd_notify_wake(n);
    *ids = t.ids;
    return 0;
}

int sd_notify_drill_state(sd_notify_t *n, int64_t drill_id, int64_t *tenant_id, char state[16])
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(n->pf->store,
                                "SELECT tenant_id, state FROM notify_escalations "
                                "WHERE alarm_id = $1",
                                SD_PARAMS(SD_V_INT(-drill_id)), &s);
    if (rc)
        return rc;
    *tenant_id = sd_stmt_int64(s, 0);
    const char *t = sd_stmt_text(s, 1, NULL);
    snprintf(state, 16, "%s", t ? t : "");
    sd_stmt_done(s);
    return 0;
}

static int drill_ack_tx(sd_store_t *st, void *vctx)
{
    test_t *t = vctx;
    char obj[48];
    snprintf(obj, sizeof obj, "drill:%" PRId64, t->id);
    int rc = sd_store_exec(st,
                           "UPDATE notify_escalations SET state = 'acked', updated_at = $1 "
                           "WHERE alarm_id = $2",
                           SD_PARAMS(SD_V_INT(sd_pf_now_ms(t->n->pf)), SD_V_INT(-t->id)), NULL);
    if (!rc)
        rc = sd_pf_audit(t->n->pf, t->who, t->tenant, "notify.drill_ack", obj, NULL);
    return rc;
}

int sd_notify_drill_ack(sd_notify_t *n, const sd_principal_t *who, int64_t tenant_id,
                        int64_t drill_id)
{
    test_t t = {.n = n, .who = who, .tenant = tenant_id, .id = drill_id};
    return sd_store_tx(n->pf->store, drill_ack_tx, &t);
}

/* ---- SMTP -------------------------------------------------------------------------------------
 */

typedef struct {
    const char *p;
    size_t left;
} upload_t;

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ctx)
{
    upload_t *u = ctx;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* Keep the server's last reply line (the one to the end of DATA, not the 221 of QUIT). */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *ctx)
{
    (void)c;
    char *last = ctx;
    if (type != CURLINFO_HEADER_IN || size < 3 || !memcmp(data, "221", 3))
        return 0;
    size_t n = size < 200 ? size : 199;
    while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
        n--;
    memcpy(last, data, n);
    last[n] = 0;
    return 0;
}

/* Send one message; *code the SMTP reply code (0: none), text the reply or the failure. */
static int smtp_send(sd_notify_t *n, int64_t id, const char *rcpt, const char *subject,
                     const char *body, long *code, char *text, size_t textsz)
{
    *code = 0;
    if (!n->cfg.smtp_url) {
        snprintf(text, textsz, "notify.smtp_url is not set");
        return SD_ECONFIG;
    }
    sd_buf_t msg = {0};
    int rc = sd_notify_format(n->cfg.from, rcpt, subject, body, sd_pf_now_ms(n->pf), id, &msg);
    if (rc) {
        snprintf(text, textsz, "cannot format: %s", sd_strerror(rc));
        sd_buf_free(&msg);
        return rc;
    }
    if (!n->curl && !(n->curl = curl_easy_init())) {
        sd_buf_free(&msg);
        return SD_ENOMEM;
    }
    CURL *c = n->curl;
    curl_easy_reset(c);
    char from[300], to[300], last[200] = "", err[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", n->cfg.from);
    snprintf(to, sizeof to, "<%s>", rcpt);
    struct curl_slist *rl = curl_slist_append(NULL, to);
    upload_t u = {msg.data, msg.len};
    curl_easy_setopt(c, CURLOPT_URL, n->cfg.smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rl);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, (void *)last);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    if (n->cfg.starttls)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (n->cfg.cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, n->cfg.cacert);
    if (n->cfg.username) {
        curl_easy_setopt(c, CURLOPT_USERNAME, n->cfg.username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, n->cfg.password ? n->cfg.password : "");
    }
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
    curl_slist_free_all(rl);
    sd_buf_free(&msg);
    if (cc == CURLE_OK) {
        snprintf(text, textsz, "%s", *last ? last : "250");
        return 0;
    }
    snprintf(text, textsz, "%s%s%s", curl_easy_strerror(cc), *err ? ": " : "", err);
    if (*last && strlen(text) + strlen(last) + 4 < textsz)
        snprintf(text + strlen(text), textsz - strlen(text), " (%s)", last);
    /* a permanent refusal (5xx) is kept pending too: an address can be fixed, a mail server
       misconfiguration repaired; the log shows every attempt's reply */
    return SD_EIO;
}

/* ---- alarm messages and escalation ------------------------------------------------------------
 */

/* Subject and body of an alarm (or drill) for its contacts. */
static int compose(sd_notify_t *n, const sd_alarm_event_t *ev, int drill, char **subject,
                   char **body)
{
    char when[40];
    sd_civil_t c;
    sd_civil_from_unix(ev->at_ms / 1000, SD_JST_OFFSET_S, &c);
    snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d:%02d JST", c.year, c.mon, c.day, c.hour,
             c.min, c.sec);
    const char *fac = ev->facility && *ev->facility ? ev->facility : "-";
    const char *pt = ev->data_id && *ev->data_id ? ev->data_id
                     : ev->device && *ev->device ? ev->device
                                                 : "-";
    sd_buf_t s = {0}, b = {0};
    int rc = sd_buf_printf(&s, "%s【%s】%s %s %s", drill ? "[訓練] " : "",
                           sd_notify_severity_ja(ev->severity), fac, pt, when);
    if (!rc)
        rc = sd_buf_printf(&b,
                           "%s"
                           "重要度 (故障レベル): %d %s\n施設: %s\n機器: %s\n計測点: %s\n"
                           "内容: %s\n発生時刻: %s\n%s: %" PRId64 "\n",
                           drill ? "これは連絡体制の通報訓練です。確認したら応答してください。\n"
                                   "This is a drill of the on-call chain.\n\n"
                                 : "警報が発生しました。An alarm was raised.\n\n",
                           ev->severity, sd_notify_severity_ja(ev->severity), fac,
                           ev->device && *ev->device ? ev->device : "-",
                           ev->data_id && *ev->data_id ? ev->data_id : "-",
                           ev->message ? ev->message : "", when, drill ? "訓練ID" : "警報ID",
                           drill ? -ev->alarm_id : ev->alarm_id);
    if (!rc && n->cfg.portal_url)
        rc = drill ? sd_buf_printf(&b,
                                   "\n応答 (acknowledge): POST %s/api/v1/notifications/drills/"
                                   "%" PRId64 "/ack\n",
                                   n->cfg.portal_url, -ev->alarm_id)
                   : sd_buf_printf(&b, "\n確認 (acknowledge): %s/#/alarms/%" PRId64 "\n",
                                   n->cfg.portal_url, ev->alarm_id);
    if (!rc && ev->severity >= 1 && ev->severity <= 4 && n->cfg.escalate_ms[ev->severity] > 0)
        rc = sd_buf_printf(&b,
                           "\n確認されない場合、%" PRId64 "分後に次の連絡先へ通報します。\n"
                           "Not acknowledged within %" PRId64 " min, the next contact is called.\n",
                           n->cfg.escalate_ms[ev->severity] / MIN_MS,
                           n->cfg.escalate_ms[ev->severity] / MIN_MS);
    if (rc || !s.data || !b.data) {
        sd_buf_free(&s);
        sd_buf_free(&b);
        return rc ? rc : SD_ENOMEM;
    }
    *subject = sd_buf_steal(&s);
    *body = sd_buf_steal(&b);
    return 0;
}

/*
 * Enqueue the message to the entries of step `step` that are on duty at now and whose
 * min_severity covers severity. Returns how many (>= 0) or SD_E*.
 */
static int notify_step(sd_notify_t *n, const json_t *entries, int64_t tenant, int step,
                       int severity, int64_t alarm_id, const char *kind, const char *subject,
                       const char *body, int64_t now)
{
    sd_contact_t *v = calloc(SD_CONTACT_MAX_ENTRIES, sizeof *v);
    size_t cnt = 0;
    sd_json_err_t e;
    if (!v)
        return SD_ENOMEM;
    int rc = sd_contact_entries_parse(entries, v, &cnt, &e), sent = 0;
    for (size_t i = 0; !rc && i < cnt; i++) {
        if (v[i].order != step || severity > v[i].min_severity || !sd_duty_covers(&v[i].duty, now))
            continue;
        rc = sd_notify_enqueue(n, tenant, kind, alarm_id, step, v[i].email, subject, body, NULL);
        sent++;
    }
    free(v);
    return rc ? rc : sent;
}

static int max_order(const json_t *entries)
{
    int m = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(entries, i, e)
    {
        json_int_t o = json_integer_value(json_object_get(e, "order"));
        if (o > m)
            m = (int)o;
    }
    return m;
}

/*
 * Start notifying ev (RAISED, or a drill with alarm_id < 0): step 1 now, and an escalation row
 * when its severity escalates. In one transaction, so a crash leaves all or nothing.
 */
typedef struct {
    sd_notify_t *n;
    const sd_alarm_event_t *ev;
    int64_t list_id;
    const json_t *entries;
    char *subject, *body;
    int queued;
    /* a drill: its id is taken in the transaction, which is then audited */
    int drill;
    int64_t drill_id;
    const sd_principal_t *who;
    const char *object;
} raise_t;

static int raise_tx(sd_store_t *st, void *vctx)
{
    raise_t *r = vctx;
    sd_notify_t *n = r->n;
    sd_alarm_event_t dev;
    const sd_alarm_event_t *ev = r->ev;
    int rc;
    if (r->drill) {
        /* the next drill id, in the transaction that inserts it: a concurrent drill that takes
         * the same id fails on the escalation's key (SQLite serialises writers anyway) */
        sd_stmt_t *q = NULL;
        rc = sd_store_query_row(st,
                                "SELECT COALESCE(MAX(-alarm_id), 0) + 1 FROM notify_escalations "
                                "WHERE alarm_id < 0",
                                SD_NOPARAMS, &q);
        if (rc)
            return rc;
        r->drill_id = sd_stmt_int64(q, 0);
        sd_stmt_done(q);
        dev = *ev;
        dev.alarm_id = -r->drill_id;
        ev = &dev;
        free(r->subject);
        free(r->body);
        r->subject = r->body = NULL;
        if ((rc = compose(n, ev, 1, &r->subject, &r->body)) != 0)
            return rc;
    }
    int64_t now = sd_pf_now_ms(n->pf);
    int64_t esc = ev->severity >= 1 && ev->severity <= 4 ? n->cfg.escalate_ms[ev->severity] : 0;
    int cnt = notify_step(n, r->entries, ev->tenant_id, 1, ev->severity, ev->alarm_id,
                          ev->alarm_id < 0 ? "drill" : "alarm", r->subject, r->body, now);
    if (cnt < 0)
        return cnt;
    r->queued = cnt;
    rc = 0;
    /* nobody of step 1 on duty: the next step is due at once */
    if (esc > 0)
        rc = sd_store_exec(st,
                           r->drill ? "INSERT INTO notify_escalations (alarm_id, tenant_id, "
                                      "list_id, severity, step, next_at, state, subject, body, "
                                      "updated_at) VALUES ($1, $2, $3, $4, 1, $5, 'active', $6, "
                                      "$7, $8)"
                                    : "INSERT INTO notify_escalations (alarm_id, tenant_id, "
                                      "list_id, severity, step, next_at, state, subject, body, "
                                      "updated_at) VALUES ($1, $2, $3, $4, 1, $5, 'active', $6, "
                                      "$7, $8) ON CONFLICT (alarm_id) DO NOTHING",
                           SD_PARAMS(SD_V_INT(ev->alarm_id), SD_V_INT(ev->tenant_id),
                                     SD_V_INT(r->list_id), SD_V_INT(ev->severity),
                                     SD_V_INT(cnt > 0 ? now + esc : now), SD_V_TEXT(r->subject),
                                     SD_V_TEXT(r->body), SD_V_INT(now)),
                           NULL);
    if (rc == SD_ECONFLICT && r->drill)
        return SD_EBUSY; /* another drill took the id: sd_store_tx runs this again */
    if (!rc && r->drill) {
        char detail[96];
        snprintf(detail, sizeof detail, "{\"drill_id\":%" PRId64 ",\"queued\":%d}", r->drill_id,
                 r->queued);
        rc = sd_pf_audit(n->pf, r->who, ev->tenant_id, "notify.drill", r->object, detail);
    }
    return rc;
}

static int notify_raise(sd_notify_t *n, const sd_alarm_event_t *ev, int64_t list_id,
                        const json_t *entries, int *queued)
{
    raise_t r = {.n = n, .ev = ev, .list_id = list_id, .entries = entries};
    int rc = compose(n, ev, ev->alarm_id < 0, &r.subject, &r.body);
    if (rc)
        return rc;
    rc = sd_store_tx(n->pf->store, raise_tx, &r);
    free(r.subject);
    free(r.body);
    if (!rc && queued)
        *queued = r.queued;
    return rc;
}

int sd_notify_drill(sd_notify_t *n, const sd_principal_t *who, int64_t tenant_id, int64_t list_id,
                    const char *list_name, const json_t *entries, int64_t *drill_id, int *queued)
{
    char msg[200], obj[48];
    snprintf(msg, sizeof msg, "通報訓練 (drill) of contact list %s", list_name);
    snprintf(obj, sizeof obj, "contact_list:%" PRId64, list_id);
    sd_alarm_event_t ev = {.alarm_id = -1,
                           .tenant_id = tenant_id,
                           .transition = SD_ALARM_RAISED,
                           .severity = 1,
                           .at_ms = sd_pf_now_ms(n->pf),
                           .facility = "",
                           .device = "",
                           .data_id = "",
                           .message = msg,
                           .by = "",
                           .comment = ""};
    raise_t r = {.n = n,
                 .ev = &ev,
                 .list_id = list_id,
                 .entries = entries,
                 .drill = 1,
                 .who = who,
                 .object = obj};
    int rc = sd_store_tx(n->pf->store, raise_tx, &r);
    free(r.subject);
    free(r.body);
    if (!rc) {
        *drill_id = r.drill_id;
        *queued = r.queued;
        sd_notify_wake(n);
    }
    return rc;
}

/* One transition, inside the caller's transaction. */
static int apply_event(sd_notify_t *n, const sd_alarm_event_t *ev)
{
    int rc = 0;
    switch (ev->transition) {
    case SD_ALARM_RAISED: {
        int64_t lid = 0;
        json_t *entries = NULL;
        rc = sd_contact_active(n->pf->store, ev->tenant_id, ev->facility, &lid, &entries);
        if (!rc && !lid)
            sd_warn("notify: alarm %" PRId64 " of tenant %" PRId64 " facility '%s': no approved "
                    "contact list, nobody mailed",
                    ev->alarm_id, ev->tenant_id, ev->facility ? ev->facility : "");
        else if (!rc)
            rc = notify_raise(n, ev, lid, entries, NULL);
        json_decref(entries);
        break;
    }
    case SD_ALARM_ACKED:
    case SD_ALARM_CLEARED:
    case SD_ALARM_SHELVED:
    case SD_ALARM_OUT_OF_SERVICE:
        rc = sd_store_exec(n->pf->store,
                           "UPDATE notify_escalations SET state = $1, updated_at = $2 "
                           "WHERE alarm_id = $3 AND state = 'active'",
                           SD_PARAMS(SD_V_TEXT(ev->transition == SD_ALARM_ACKED ? "acked" : "done"),
                                     SD_V_INT(sd_pf_now_ms(n->pf)), SD_V_INT(ev->alarm_id)),
                           NULL);
        break;
    default:
        break;
    }
    return rc;
}

/* A queued transition: the event with its strings copied after it. */
struct sd__notify_ev {
    struct sd__notify_ev *next;
    sd_alarm_event_t ev;
    char strings[];
};

static int batch_tx(sd_store_t *st, void *vctx)
{
    (void)st;
    void **c = vctx;
    sd_notify_t *n = c[0];
    int rc = 0;
    for (struct sd__notify_ev *e = c[1]; !rc && e; e = e->next)
        rc = apply_event(n, &e->ev);
    return rc;
}

/*
 * Persist the queued transitions: all in one transaction (one fsync for a whole flood), or one
 * by one when the batch fails, so that one bad event does not hold back the others.
 */
static int drain(sd_notify_t *n, size_t max)
{
    pthread_mutex_lock(&n->mu);
    struct sd__notify_ev *head = n->q_head, *last = NULL;
    size_t taken = 0;
    for (struct sd__notify_ev *e = head; e && taken < max; e = e->next)
        last = e, taken++;
    if (last) {
        n->q_head = last->next;
        if (!n->q_head)
            n->q_tail = NULL;
        last->next = NULL;
        n->q_len -= taken;
    }
    pthread_mutex_unlock(&n->mu);
    if (!head)
        return 0;
    void *c[2] = {n, head};
    int rc = sd_store_tx(n->pf->store, batch_tx, c);
    for (struct sd__notify_ev *e = head, *next; e; e = next) {
        next = e->next;
        if (rc) {
            e->next = NULL;
            void *one[2] = {n, e};
            int r1 = sd_store_tx(n->pf->store, batch_tx, one);
            if (r1)
                sd_error("notify: alarm %" PRId64 " transition %d: %s %s", e->ev.alarm_id,
                         (int)e->ev.transition, sd_strerror(r1), sd_store_errmsg());
        }
        free(e);
    }
    return (int)taken;
}

void sd_notify_alarm(void *ctx, const sd_alarm_event_t *ev)
{
    sd_notify_t *n = ctx;
    const char *str[4] = {ev->facility ? ev->facility : "", ev->device ? ev->device : "",
                          ev->data_id ? ev->data_id : "", ev->message ? ev->message : ""};
    size_t len[4], total = 0;
    for (int i = 0; i < 4; i++)
        total += (len[i] = strlen(str[i])) + 1;
    struct sd__notify_ev *e = malloc(sizeof *e + total);
    if (!e) {
        /* no memory to queue it: do it here, slowly, rather than lose it */
        int rc = apply_event(n, ev);
        if (rc)
            sd_error("notify: alarm %" PRId64 ": %s", ev->alarm_id, sd_strerror(rc));
        return;
    }
    e->next = NULL;
    e->ev = *ev;
    char *p = e->strings;
    const char **dst[4] = {&e->ev.facility, &e->ev.device, &e->ev.data_id, &e->ev.message};
    for (int i = 0; i < 4; i++) {
        memcpy(p, str[i], len[i] + 1);
        *dst[i] = p;
        p += len[i] + 1;
    }
    e->ev.by = e->ev.comment = ""; /* not used by mails */
    pthread_mutex_lock(&n->mu);
    if (n->q_tail)
        n->q_tail->next = e;
    else
        n->q_head = e;
    n->q_tail = e;
    n->q_len++;
    sd_worker_t *w = n->w;
    pthread_mutex_unlock(&n->mu);
    sd_worker_wake(w);
}

typedef struct {
    int64_t alarm_id, tenant, list_id;
    int severity, step, rounds;
    char *subject, *body;
} esc_t;

typedef struct {
    sd_notify_t *n;
    esc_t *e;
    const json_t *entries;
    int64_t now;
    int done, step0, rounds0;
} esc_tx_t;

static int escalate_tx(sd_store_t *st, void *vctx)
{
    esc_tx_t *c = vctx;
    sd_notify_t *n = c->n;
    esc_t *e = c->e;
    int done = c->done, rc = 0;
    e->step = c->step0; /* a retried attempt starts over */
    e->rounds = c->rounds0;
    int top = c->entries ? max_order(c->entries) : 0;
    /* move down the ladder to the next step with someone on duty; after the last step start
       again from the top, cfg.repeats times */
    for (int guard = 0; !rc && !done && guard < 2 * 10; guard++) {
        if (++e->step > top) {
            e->step = 1;
            if (++e->rounds > n->cfg.repeats) {
                done = 1;
                break;
            }
        }
        int cnt =
            notify_step(n, c->entries, e->tenant, e->step, e->severity, e->alarm_id,
                        e->alarm_id < 0 ? "drill" : "escalation", e->subject, e->body, c->now);
        if (cnt < 0)
            rc = cnt;
        else if (cnt > 0)
            break;
    }
    int64_t esc = n->cfg.escalate_ms[e->severity >= 1 && e->severity <= 4 ? e->severity : 1];
    if (!rc)
        rc = sd_store_exec(st,
                           "UPDATE notify_escalations SET step = $1, rounds = $2, next_at = $3, "
                           "state = $4, updated_at = $5 WHERE alarm_id = $6 AND state = 'active'",
                           SD_PARAMS(SD_V_INT(e->step), SD_V_INT(e->rounds),
                                     SD_V_INT(c->now + (esc > 0 ? esc : MIN_MS)),
                                     SD_V_TEXT(done ? "done" : "active"), SD_V_INT(c->now),
                                     SD_V_INT(e->alarm_id)),
                           NULL);
    return rc;
}

static int escalate_one(sd_notify_t *n, esc_t *e, int64_t now)
{
    json_t *entries = NULL;
    int rc = sd_contact_entries_of(n->pf->store, e->list_id, &entries);
    int done = rc == SD_ENOTFOUND; /* the list was withdrawn */
    if (rc && !done)
        return rc;
    esc_tx_t c = {n, e, entries, now, done, e->step, e->rounds};
    rc = sd_store_tx(n->pf->store, escalate_tx, &c);
    json_decref(entries);
    return rc;
}

static int escalations(sd_notify_t *n, int64_t now)
{
    esc_t v[64];
    size_t cnt = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(n->pf->store,
                            "SELECT alarm_id, tenant_id, list_id, severity, step, rounds, "
                            "subject, body FROM notify_escalations WHERE state = 'active' AND "
                            "next_at <= $1 ORDER BY next_at LIMIT 64",
                            SD_PARAMS(SD_V_INT(now)), &s);
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        esc_t *e = &v[cnt];
        *e = (esc_t){sd_stmt_int64(s, 0),
                     sd_stmt_int64(s, 1),
                     sd_stmt_int64(s, 2),
                     (int)sd_stmt_int64(s, 3),
                     (int)sd_stmt_int64(s, 4),
                     (int)sd_stmt_int64(s, 5),
                     strdup(sd_stmt_text(s, 6, NULL)),
                     strdup(sd_stmt_text(s, 7, NULL))};
        cnt++;
        rc = 0;
    }
    sd_stmt_done(s);
    for (size_t i = 0; i < cnt; i++) {
        if (rc >= 0 && v[i].subject && v[i].body)
            rc = escalate_one(n, &v[i], now);
        free(v[i].subject);
        free(v[i].body);
    }
    return rc < 0 ? rc : 0;
}

/* ---- daily digest -----------------------------------------------------------------------------
 */

static int digest(sd_notify_t *n, int64_t now)
{
    if (n->cfg.digest_min < 0)
        return 0;
    int64_t jst_min = now / MIN_MS + SD_JST_OFFSET_S / 60, day = jst_min / 1440;
    if (jst_min % 1440 < n->cfg.digest_min)
        return 0;
    char *last = NULL;
    int rc = sd_store_setting_get(n->pf->store, "notify.digest_day", &last);
    int64_t last_day = last ? strtoll(last, NULL, 10) : 0;
    free(last);
    if (rc && rc != SD_ENOTFOUND)
        return rc;
    if (last_day >= day)
        return 0;
    char dv[24];
    snprintf(dv, sizeof dv, "%" PRId64, day);
    /* mark first: a crash between the mark and the mails loses one digest, never sends two */
    if ((rc = sd_store_setting_set(n->pf->store, "notify.digest_day", dv)))
        return rc;
    sd_stmt_t *s = NULL;
    rc = sd_store_query(n->pf->store,
                        "SELECT tenant_id, id, entries FROM contact_lists WHERE status = "
                        "'approved' AND facility = '' ORDER BY tenant_id",
                        SD_NOPARAMS, &s);
    typedef struct {
        int64_t tenant;
        json_t *entries;
    } tl_t;
    tl_t t[256];
    size_t nt = 0;
    while (!rc && nt < 256 && (rc = sd_stmt_next(s)) == 1) {
        size_t len = 0;
        const char *txt = sd_stmt_text(s, 2, &len);
        t[nt].tenant = sd_stmt_int64(s, 0);
        rc = sd_json_parse(txt, len, &t[nt].entries, NULL);
        nt += rc == 0;
    }
    sd_stmt_done(s);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; i < nt; i++) {
        int64_t cnt[3] = {0, 0, 0};
        const char *q[] = {
            "SELECT COUNT(*) FROM notifications WHERE tenant_id = $1 AND created_at >= $2 AND "
            "kind IN ('alarm', 'escalation')",
            "SELECT COUNT(*) FROM notifications WHERE tenant_id = $1 AND created_at >= $2 AND "
            "state = 'pending'",
            "SELECT COUNT(*) FROM notify_escalations WHERE tenant_id = $1 AND state = 'active'"};
        const sd_val_t p[] = {SD_V_INT(t[i].tenant), SD_V_INT(now - 86400000)};
        for (int k = 0; !rc && k < 3; k++) {
            rc = sd_store_query_row(n->pf->store, q[k], p, k < 2 ? 2 : 1, &s);
            if (!rc)
                cnt[k] = sd_stmt_int64(s, 0);
            sd_stmt_done(s);
        }
        char subject[160], body[600];
        sd_civil_t c;
        sd_civil_from_unix(now / 1000, SD_JST_OFFSET_S, &c);
        snprintf(subject, sizeof subject, "[suido] 日次報告 %04d-%02d-%02d", c.year, c.mon, c.day);
        snprintf(body, sizeof body,
                 "過去24時間の通報 (alarm mails, 24 h): %" PRId64 "\n"
                 "未送信のメール (mails not yet delivered): %" PRId64 "\n"
                 "確認待ちの警報 (alarms escalating, not acknowledged): %" PRId64 "\n",
                 cnt[0], cnt[1], cnt[2]);
        size_t k;
        const json_t *e;
        json_array_foreach(t[i].entries, k, e)
        {
            if (rc || json_integer_value(json_object_get(e, "order")) != 1)
                continue;
            rc = sd_notify_enqueue(n, t[i].tenant, "digest", 0, 1,
                                   json_string_value(json_object_get(e, "email")), subject, body,
                                   NULL);
        }
        json_decref(t[i].entries);
    }
    return rc;
}

/* ---- the worker's pass ------------------------------------------------------------------------
 */

typedef struct {
    int64_t id;
    int attempts;
    char *rcpt, *subject, *body;
} out_t;

static int send_due(sd_notify_t *n, int64_t now, int *sent)
{
    out_t v[32];
    size_t cnt = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(n->pf->store,
                            "SELECT id, attempts, rcpt, subject, body FROM notifications WHERE "
                            "state = 'pending' AND next_at <= $1 ORDER BY id LIMIT 32",
                            SD_PARAMS(SD_V_INT(now)), &s);
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        v[cnt] =
            (out_t){sd_stmt_int64(s, 0), (int)sd_stmt_int64(s, 1), strdup(sd_stmt_text(s, 2, NULL)),
                    strdup(sd_stmt_text(s, 3, NULL)), strdup(sd_stmt_text(s, 4, NULL))};
        cnt++;
        rc = 0;
    }
    sd_stmt_done(s);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!rc && v[i].rcpt && v[i].subject && v[i].body) {
            long code = 0;
            char text[256];
            int src =
                smtp_send(n, v[i].id, v[i].rcpt, v[i].subject, v[i].body, &code, text, sizeof text);
            int64_t t = sd_pf_now_ms(n->pf);
            if (src)
                sd_warn("notify: mail %" PRId64 " to %s, attempt %d: %s", v[i].id, v[i].rcpt,
                        v[i].attempts + 1, text);
            else
                sd_info("notify: mail %" PRId64 " to %s: %ld %s", v[i].id, v[i].rcpt, code, text);
            rc = sd_store_exec(
                n->pf->store,
                "UPDATE notifications SET state = $1, attempts = attempts + 1, next_at = $2, "
                "sent_at = $3, smtp_code = $4, smtp_result = $5 WHERE id = $6",
                SD_PARAMS(
                    SD_V_TEXT(src ? "pending" : "sent"),
                    SD_V_INT(src ? t + sd_notify_backoff(v[i].attempts + 1, n->cfg.retry_base_ms,
                                                         n->cfg.retry_max_ms)
                                 : t),
                    SD_V_INT(src ? 0 : t), SD_V_INT(code), SD_V_TEXT(text), SD_V_INT(v[i].id)),
                NULL);
            /* a mail of provisional credentials (pf/accounts/credmail.h) is not kept once
               delivered: the outbox is no second place for a password */
            if (!rc && !src)
                rc = sd_store_exec(n->pf->store,
                                   "UPDATE notifications SET body = '' WHERE id = $1 AND"
                                   " kind = 'credentials'",
                                   SD_PARAMS(SD_V_INT(v[i].id)), NULL);
            *sent += src == 0;
        }
        free(v[i].rcpt);
        free(v[i].subject);
        free(v[i].body);
    }
    return rc < 0 ? rc : (int)cnt;
}

int sd_notify_tick(sd_notify_t *n)
{
    pthread_mutex_lock(&n->tick_mu);
    drain(n, 16);
    int64_t now = sd_pf_now_ms(n->pf);
    int rc = escalations(n, now), sent = 0;
    if (!rc)
        rc = digest(n, now);
    while (!rc) {
        int got = send_due(n, sd_pf_now_ms(n->pf), &sent);
        if (got < 0)
            rc = got;
        /* small batches, each followed by its sends: a batch's commit is one fsync, while
           each sent mail costs one anyway, so larger batches would only delay first mails */
        int more = drain(n, 16);
        if ((got < 32 && !more) || atomic_load(&n->stop))
            break;
    }
    pthread_mutex_unlock(&n->tick_mu);
    return rc ? rc : sent;
}
