/* north_mqtt.c - the gateway's north backend over MQTT (gw.h, docs/mqtt.md): batches held
 * until down/ack, down/request, up/reply, birth and last will on state; the broker password and
 * the inventory come over HTTP. */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "gw/engine.h"
#include "gw/gw.h"
#include "gw/sched.h"
#include "gwif/gwif.h"
#include "mqtt/mqtt.h"

typedef struct {
    sd_gw_t *g; /* from open */
    char *url, *client_id, *client_secret, *cafile;
    char host[256];
    int port, tls;
    sd_gw_http_t *down; /* fetch_inventory's */
    bool lib_init;
    struct mosquitto *m;
    char cid[SD_MQTT_CID_MAX + 1];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool connected;
    int last_mid_acked; /* PUBACK of this message id seen */
    char ack_id[64];    /* down/ack awaited / received */
    bool ack_got, ack_ok;
    char ack_error[48];
    long ack_index;
} mq_t;

static void topic(mq_t *q, sd_mqtt_topic_t kind, const char *sub, char *out, size_t size)
{
    if (sd_mqtt_topic_make(out, size, q->cid, kind, sub))
        snprintf(out, size, "%s%s/invalid", SD_MQTT_PREFIX, q->cid);
}

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
    mq_t *q = ud;
    if (rc) {
        sd_warn("mqtt: broker refused the gateway: %s", mosquitto_connack_string(rc));
        return;
    }
    char t[160];
    /* the ACL lets a gateway read exactly suido/gw/{cid}/down/# */
    snprintf(t, sizeof t, "%s%s/down/#", SD_MQTT_PREFIX, q->cid);
    mosquitto_subscribe(m, NULL, t, 1);
    topic(q, SD_MQTT_T_STATE, NULL, t, sizeof t);
    mosquitto_publish(m, NULL, t, 6, "online", 1, true);
    topic(q, SD_MQTT_T_CONNECT, NULL, t, sizeof t);
    mosquitto_publish(m, NULL, t, 2, "{}", 1, false);
    pthread_mutex_lock(&q->mu);
    q->connected = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    sd_info("mqtt: connected as %s", q->cid);
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
    mq_t *q = ud;
    pthread_mutex_lock(&q->mu);
    q->connected = false;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (rc)
        sd_warn("mqtt: connection lost; reconnecting");
}

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
    mq_t *q = ud;
    pthread_mutex_lock(&q->mu);
    q->last_mid_acked = mid;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    mq_t *q = ud;
    char cid[SD_MQTT_CID_MAX + 1], sub[32];
    sd_mqtt_topic_t kind;
    if (sd_mqtt_topic_parse(msg->topic, cid, &kind, sub, sizeof sub) || kind != SD_MQTT_T_DOWN)
        return;
    json_t *r = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, NULL);
    if (!strcmp(sub, "ack")) {
        sd_gwif_ack_t a;
        sd_json_err_t err;
        int prc = sd_gwif_ack_parse(r, &a, &err);
        if (prc)
            sd_warn("mqtt: down/ack ignored: %s: %s", err.field[0] ? err.field : "body",
                    err.message);
        pthread_mutex_lock(&q->mu);
        if (!prc && !strcmp(a.id, q->ack_id)) {
            q->ack_got = true;
            q->ack_ok = a.ok;
            snprintf(q->ack_error, sizeof q->ack_error, "%s", a.ok || !a.error ? "" : a.error);
            q->ack_index =
                !a.ok && json_is_integer(json_object_get(r, "index")) ? (long)a.index : -1;
            pthread_cond_broadcast(&q->cv);
        }
        pthread_mutex_unlock(&q->mu);
    } else if (!strcmp(sub, "request") && r) {
        json_t *wrap = json_pack("{s:[O]}", "requests", r);
        char *s = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
        if (s)
            sd_gw_take_requests(q->g, s);
        free(s);
        json_decref(wrap);
    }
    json_decref(r);
}

/* Wait (up to ms) for cond(q) under q->mu. */
static bool wait_for(mq_t *q, bool (*cond)(mq_t *, int), int arg, int ms)
{
    struct timespec ts; /* q->cv runs on CLOCK_MONOTONIC */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    pthread_mutex_lock(&q->mu);
    while (!cond(q, arg) && !sd_gw_stopping(q->g))
        if (pthread_cond_timedwait(&q->cv, &q->mu, &ts))
            break;
    bool ok = cond(q, arg);
    pthread_mutex_unlock(&q->mu);
    return ok;
}

static bool c_ack(mq_t *q, int arg)
{
    (void)arg;
    return q->ack_got || !q->connected;
}

static bool c_puback(mq_t *q, int mid)
{
    return q->last_mid_acked == mid || !q->connected;
}

/* Publish a batch with an id and wait for its down/ack (events 3 s, data 30 s). */
static int mqtt_upload(void *ctx, sd_gw_qkind_t kind, const sd_gw_qrow_t *rows, size_t n,
                       sd_gw_upload_t *res)
{
    mq_t *q = ctx;
    int ack_wait_ms = kind == SD_GW_Q_DATA ? 30000 : 3000;
    res->dropped = -1;
    res->status = 0;
    const char *list = kind == SD_GW_Q_DATA ? "samples" : "events";
    sd_buf_t body = {0};
    char id[64];
    snprintf(id, sizeof id, "%c%lld-%lld", kind == SD_GW_Q_DATA ? 'd' : 'e', (long long)rows[0].id,
             (long long)rows[n - 1].id);
    int rc = sd_gw_batch_build(kind, rows, n, id, &body);
    pthread_mutex_lock(&q->mu);
    snprintf(q->ack_id, sizeof q->ack_id, "%s", id);
    q->ack_got = false;
    pthread_mutex_unlock(&q->mu);
    char t[160];
    topic(q, kind == SD_GW_Q_DATA ? SD_MQTT_T_DATA : SD_MQTT_T_EVENT, NULL, t, sizeof t);
    if (!rc &&
        mosquitto_publish(q->m, NULL, t, (int)body.len, body.data, 1, false) != MOSQ_ERR_SUCCESS)
        rc = SD_ECLOSED;
    if (!rc && !wait_for(q, c_ack, 0, ack_wait_ms))
        rc = SD_ETIMEDOUT;
    if (!rc) {
        pthread_mutex_lock(&q->mu);
        bool ok = q->ack_ok && q->connected;
        bool got = q->ack_got;
        long ix = q->ack_index;
        bool bad_field = !strcmp(q->ack_error, "bad_field");
        pthread_mutex_unlock(&q->mu);
        if (!got) {
            rc = SD_ECLOSED;
        } else if (ok) {
            /* acknowledged */
        } else if (bad_field && ix >= 0 && (size_t)ix < n) {
            sd_error("mqtt: platform refused %s[%ld] %s", list, ix, rows[ix].body);
            res->dropped = ix;
        } else {
            rc = SD_EAGAIN;
        }
    }
    sd_buf_free(&body);
    /* a platform without an event sink acks ok:false "unsupported" (or not at all): the events
     * stay queued and are offered again in a minute; data goes on */
    if (kind == SD_GW_Q_EVENT && (rc == SD_ETIMEDOUT || rc == SD_EAGAIN))
        rc = SD_EUNSUPPORTED;
    return rc;
}

/* Replies: QoS 1 publish, done on the broker's PUBACK (no app-level ack). */
static int mqtt_reply(void *ctx, int64_t id, const char *body)
{
    mq_t *q = ctx;
    (void)id;
    char t[160];
    topic(q, SD_MQTT_T_REPLY, NULL, t, sizeof t);
    int mid = 0;
    if (mosquitto_publish(q->m, &mid, t, (int)strlen(body), body, 1, false))
        return SD_ECLOSED;
    if (!wait_for(q, c_puback, mid, 10000))
        return SD_ETIMEDOUT;
    return 0;
}

static bool c_conn(mq_t *q, int arg)
{
    (void)arg;
    return q->connected;
}

static bool mqtt_ready(void *ctx, int wait_ms)
{
    return wait_for(ctx, c_conn, 0, wait_ms);
}

/* Broker credentials over HTTP: POST /apif/v1/connect then GET /gwif/v1/mqtt. */
static int credentials(mq_t *q, char *user, size_t usz, char *pw, size_t psz)
{
    sd_gw_http_cfg_t c = {q->url, q->client_id, q->client_secret, 15000};
    sd_gw_http_t *h = NULL;
    int rc = sd_gw_http_new(&c, &h);
    long status = 0;
    sd_buf_t body = {0};
    if (!rc)
        rc = sd_gw_http_call(h, "GET", "/gwif/v1/mqtt", NULL, NULL, 0, &status, &body, NULL, 0);
    if (!rc && status != 200)
        rc = SD_EAGAIN;
    if (!rc) {
        json_t *r = json_loadb(body.data, body.len, 0, NULL);
        const char *u = json_string_value(json_object_get(r, "username"));
        const char *p = json_string_value(json_object_get(r, "password"));
        if (u && p) {
            snprintf(user, usz, "%s", u);
            snprintf(pw, psz, "%s", p);
        } else {
            rc = SD_EAGAIN;
        }
        json_decref(r);
    }
    sd_buf_free(&body);
    sd_gw_http_free(h);
    return rc;
}

/* The broker's password first (retried until the platform gives one), then connect. */
static int mqtt_open(void *ctx, sd_gw_t *g)
{
    mq_t *q = ctx;
    q->g = g;
    char pw[128];
    for (int tries = 1; !sd_gw_stopping(g); tries++) {
        if (!credentials(q, q->cid, sizeof q->cid, pw, sizeof pw))
            break;
        if (tries == 1)
            sd_warn("mqtt: no broker credentials from the platform yet; retrying");
        sd_gw_sleep(g, sd_gw_backoff_ms(tries, 1000, 30000));
    }
    if (sd_gw_stopping(g))
        return SD_ECLOSED;
    mosquitto_lib_init();
    q->lib_init = true;
    /* clean session off: requests published while we are away wait at the broker */
    q->m = mosquitto_new(q->cid, false, q);
    if (!q->m) {
        sd_error("mqtt: cannot create a client");
        return SD_ENOMEM;
    }
    char t[160];
    topic(q, SD_MQTT_T_STATE, NULL, t, sizeof t);
    mosquitto_will_set(q->m, t, 7, "offline", 1, true);
    mosquitto_username_pw_set(q->m, q->cid, pw);
    mosquitto_connect_callback_set(q->m, on_connect);
    mosquitto_disconnect_callback_set(q->m, on_disconnect);
    mosquitto_publish_callback_set(q->m, on_publish);
    mosquitto_message_callback_set(q->m, on_message);
    /* batches wait for down/ack: Nagle would hold the small packets of that exchange */
    mosquitto_int_option(q->m, MOSQ_OPT_TCP_NODELAY, 1);
    /* mqtts: TLS 1.2+, the chain to cafile and the host name verified (libmosquitto's defaults) */
    if (q->tls && mosquitto_tls_set(q->m, q->cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) {
        sd_error("mqtt: TLS with CA file %s not possible", q->cafile);
        return SD_EINVAL;
    }
    mosquitto_reconnect_delay_set(q->m, 1, 30, true);
    mosquitto_connect_async(q->m, q->host, q->port, 30);
    mosquitto_loop_start(q->m);
    return 0;
}

/* up/disconnect and the offline state, then hang up. */
static void mqtt_close(void *ctx)
{
    mq_t *q = ctx;
    if (q->m) {
        char t[160];
        topic(q, SD_MQTT_T_DISCONNECT, NULL, t, sizeof t);
        mosquitto_publish(q->m, NULL, t, 2, "{}", 1, false);
        topic(q, SD_MQTT_T_STATE, NULL, t, sizeof t);
        mosquitto_publish(q->m, NULL, t, 7, "offline", 1, true);
        usleep(200000);
        mosquitto_disconnect(q->m);
        mosquitto_loop_stop(q->m, false);
        mosquitto_destroy(q->m);
        q->m = NULL;
    }
}

static int mqtt_fetch_inventory(void *ctx, char *etag, size_t etag_sz, sd_buf_t *body)
{
    mq_t *q = ctx;
    return sd_gw_north_http_inventory(q->down, etag, etag_sz, body);
}

static void mqtt_free(void *ctx)
{
    mq_t *q = ctx;
    if (!q)
        return;
    mqtt_close(q);
    if (q->lib_init)
        mosquitto_lib_cleanup();
    sd_gw_http_free(q->down);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q->url);
    free(q->client_id);
    free(q->client_secret);
    free(q->cafile);
    free(q);
}

static const sd_gw_north_ops_t mqtt_ops = {
    .name = "mqtt",
    .max_batch_bytes = 1536 * 1024,
    .open = mqtt_open,
    .ready = mqtt_ready,
    .upload = mqtt_upload,
    .reply = mqtt_reply,
    .fetch_requests = NULL, /* down/request comes by itself */
    .fetch_inventory = mqtt_fetch_inventory,
    .close = mqtt_close,
    .free = mqtt_free,
};

int sd_gw_north_mqtt_new(const sd_gw_north_cfg_t *c, sd_gw_north_t *out)
{
    *out = (sd_gw_north_t){0};
    mq_t *q = calloc(1, sizeof *q);
    if (!q)
        return SD_ENOMEM;
    if (sd_mqtt_url_parse(c->mqtt_url, q->host, sizeof q->host, &q->port, &q->tls) != 0 ||
        (q->tls && !c->mqtt_cafile)) {
        sd_error("mqtt: north.mqtt_url %s: want mqtt://host:port, or mqtts://host:port with "
                 "north.mqtt_cafile",
                 c->mqtt_url ? c->mqtt_url : "(none)");
        free(q);
        return SD_EINVAL;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &a);
    pthread_condattr_destroy(&a);
    q->url = strdup(c->url);
    q->client_id = strdup(c->client_id);
    q->client_secret = strdup(c->client_secret);
    q->cafile = c->mqtt_cafile ? strdup(c->mqtt_cafile) : NULL;
    sd_gw_http_cfg_t hc = {c->url, c->client_id, c->client_secret, 15000};
    int rc = q->url && q->client_id && q->client_secret && (q->cafile || !c->mqtt_cafile)
                 ? sd_gw_http_new(&hc, &q->down)
                 : SD_ENOMEM;
    if (rc) {
        mqtt_free(q);
        return rc;
    }
    *out = (sd_gw_north_t){&mqtt_ops, q};
    return 0;
}
