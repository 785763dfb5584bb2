/* mqtt.c - suido-gw's platform side over MQTT (docs/mqtt.md): queue drain with down/ack,
 * down/request, up/reply, birth and last will on state. */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "gw.h"
#include "gw/sched.h"
#include "mqtt/mqtt.h"

typedef struct {
    gw_t *g;
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
        const char *id = json_string_value(json_object_get(r, "id"));
        pthread_mutex_lock(&q->mu);
        if (id && !strcmp(id, q->ack_id)) {
            q->ack_got = true;
            q->ack_ok = json_is_true(json_object_get(r, "ok"));
            snprintf(q->ack_error, sizeof q->ack_error, "%s",
                     json_string_value(json_object_get(r, "error")) ?: "");
            json_t *ix = json_object_get(r, "index");
            q->ack_index = json_is_integer(ix) ? (long)json_integer_value(ix) : -1;
            pthread_cond_broadcast(&q->cv);
        }
        pthread_mutex_unlock(&q->mu);
    } else if (!strcmp(sub, "request") && r) {
        json_t *wrap = json_pack("{s:[O]}", "requests", r);
        char *s = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
        if (s)
            gw_take_requests(q->g, s);
        free(s);
        json_decref(wrap);
    }
    json_decref(r);
}

/* Wait (up to ms) for cond(q) under q->mu. */
static bool wait_for(mq_t *q, bool (*cond)(mq_t *, int), int arg, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    pthread_mutex_lock(&q->mu);
    while (!cond(q, arg) && !q->g->stop)
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

/* One lane: publish a batch with an id, delete it on down/ack ok. 0 sent/empty, else back off. */
static int drain_lane(mq_t *q, sd_gw_qkind_t kind, size_t *sent, int ack_wait_ms)
{
    gw_t *g = q->g;
    sd_gw_qrow_t *rows;
    size_t n;
    *sent = 0;
    int rc = sd_gw_queue_peek(g->q, kind, (size_t)g->batch, 1536 * 1024, &rows, &n);
    if (rc || !n)
        return rc;
    const char *list = kind == SD_GW_Q_DATA ? "samples" : "events";
    sd_buf_t body = {0};
    char id[64];
    snprintf(id, sizeof id, "%c%lld-%lld", kind == SD_GW_Q_DATA ? 'd' : 'e', (long long)rows[0].id,
             (long long)rows[n - 1].id);
    rc = sd_buf_printf(&body, "{\"id\":\"%s\",\"%s\":[", id, list);
    for (size_t i = 0; !rc && i < n; i++)
        rc = sd_buf_printf(&body, "%s%s", i ? "," : "", rows[i].body);
    if (!rc)
        rc = sd_buf_append_str(&body, "]}");
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
            rc = sd_gw_queue_ack(g->q, kind, rows[0].id, rows[n - 1].id);
            *sent = n;
        } else if (bad_field && ix >= 0 && (size_t)ix < n) {
            sd_error("mqtt: platform refused %s[%ld] %s", list, ix, rows[ix].body);
            rc = sd_gw_queue_ack(g->q, kind, rows[ix].id, rows[ix].id);
            *sent = 1;
        } else {
            rc = SD_EAGAIN;
        }
    }
    sd_buf_free(&body);
    sd_gw_queue_rows_free(rows, n);
    return rc;
}

/* Replies: QoS 1 publish, deleted from the queue on the broker's PUBACK (no app-level ack). */
static int drain_replies(mq_t *q, size_t *sent)
{
    sd_gw_qrow_t *rows;
    size_t n;
    *sent = 0;
    int rc = sd_gw_queue_peek(q->g->q, SD_GW_Q_REPLY, 20, 1 << 20, &rows, &n);
    char t[160];
    topic(q, SD_MQTT_T_REPLY, NULL, t, sizeof t);
    for (size_t i = 0; !rc && i < n; i++) {
        int mid = 0;
        if (mosquitto_publish(q->m, &mid, t, (int)strlen(rows[i].body), rows[i].body, 1, false))
            rc = SD_ECLOSED;
        else if (!wait_for(q, c_puback, mid, 10000))
            rc = SD_ETIMEDOUT;
        else
            rc = sd_gw_queue_ack(q->g->q, SD_GW_Q_REPLY, rows[i].id, rows[i].id);
        if (!rc)
            (*sent)++;
    }
    sd_gw_queue_rows_free(rows, n);
    return rc;
}

static bool c_conn(mq_t *q, int arg)
{
    (void)arg;
    return q->connected;
}

/* Broker credentials over HTTP: POST /apif/v1/connect then GET /gwif/v1/mqtt. */
static int credentials(gw_t *g, char *user, size_t usz, char *pw, size_t psz)
{
    sd_gw_http_cfg_t c = {g->url, g->client_id, g->client_secret, 15000};
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

void *gw_mqtt_thread(void *arg)
{
    gw_t *g = arg;
    mq_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->g = g;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    char pw[128];
    for (int tries = 1; !g->stop; tries++) {
        if (!credentials(g, q->cid, sizeof q->cid, pw, sizeof pw))
            break;
        if (tries == 1)
            sd_warn("mqtt: no broker credentials from the platform yet; retrying");
        for (int64_t t = 0; t < sd_gw_backoff_ms(tries, 1000, 30000) && !g->stop; t += 100)
            usleep(100000);
    }
    char host[256] = "127.0.0.1";
    int port = 1883;
    if (sscanf(g->mqtt_url, "mqtt://%255[^:/]:%d", host, &port) < 1) {
        sd_error("mqtt: north.mqtt_url %s: want mqtt://host:port", g->mqtt_url);
        g->stop = 1;
    }
    mosquitto_lib_init();
    /* clean session off: requests published while we are away wait at the broker */
    q->m = g->stop ? NULL : mosquitto_new(q->cid, false, q);
    if (q->m) {
        char t[160];
        topic(q, SD_MQTT_T_STATE, NULL, t, sizeof t);
        mosquitto_will_set(q->m, t, 7, "offline", 1, true);
        mosquitto_username_pw_set(q->m, q->cid, pw);
        mosquitto_connect_callback_set(q->m, on_connect);
        mosquitto_disconnect_callback_set(q->m, on_disconnect);
        mosquitto_publish_callback_set(q->m, on_publish);
        mosquitto_message_callback_set(q->m, on_message);
        mosquitto_reconnect_delay_set(q->m, 1, 30, true);
        mosquitto_connect_async(q->m, host, port, 30);
        mosquitto_loop_start(q->m);
    }
    int fails = 0;
    bool events_silent = false;
    int64_t events_retry = 0;
    while (q->m && !g->stop) {
        if (!wait_for(q, c_conn, 0, 1000))
            continue;
        size_t s1 = 0, s2 = 0, s3 = 0;
        int rc = drain_replies(q, &s1);
        if (!rc && (!events_silent || gw_now(g) >= events_retry)) {
            int erc = drain_lane(q, SD_GW_Q_EVENT, &s2, 3000);
            /* a platform without an event sink acks ok:false "unsupported" (or not at all):
             * the events stay queued and are offered again in a minute; data goes on */
            if (erc == SD_ETIMEDOUT || erc == SD_EAGAIN) {
                if (!events_silent)
                    sd_warn("mqtt: up/event not accepted; events stay queued");
                events_silent = true;
                events_retry = gw_now(g) + 60000;
            } else {
                events_silent = false;
                rc = erc;
            }
        }
        if (!rc)
            rc = drain_lane(q, SD_GW_Q_DATA, &s3, 30000);
        if (rc) {
            fails++;
            if (fails == 1 || fails % 10 == 0)
                sd_warn("mqtt: %s; retrying", sd_strerror(rc));
            int64_t wait = sd_gw_backoff_ms(fails, 500, 30000);
            for (int64_t t = 0; t < wait && !g->stop; t += 100)
                usleep(100000);
            continue;
        }
        fails = 0;
        if (!s1 && !s2 && !s3) {
            pthread_mutex_lock(&g->mu);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 500000000;
            ts.tv_sec += ts.tv_nsec / 1000000000;
            ts.tv_nsec %= 1000000000;
            if (!g->stop)
                pthread_cond_timedwait(&g->drain, &g->mu, &ts);
            pthread_mutex_unlock(&g->mu);
        }
    }
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
    }
    mosquitto_lib_cleanup();
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    return NULL;
}
