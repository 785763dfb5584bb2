/* binding.c - suidod's MQTT binding of GW-IF: broker files from the registry, uplinks to storage,
 * alive state. */
#include "pf/broker/binding.h"
#include "pf/registry/gw_state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/token.h"
#include "core/err.h"
#include "core/log.h"
#include "core/worker.h"
#include "pf/data/ts.h"
#include "pf/protect/pki.h"
#include "pf/registry/registry.h"
#include "pf/requests/request.h"

struct sd_mqtt_binding {
    sd_pf_t *pf;
    sd_mqtt_config_t cfg;
    char *url, *broker_dir, *pid_file, *cafile, *tls_san;
    struct mosquitto *m;
    int lib_ref;
    char host[256];
    int port;
    sd_worker_t *client;            /* connect, loop, back off */
    int backoff;                    /* seconds before the next attempt; client worker only */
    int ever, connected;            /* client worker only */
    sd_worker_t *sync;              /* rewrites the broker files every sync_ms */
    int synced_once;                /* sync worker only: its first round just schedules the next */
    pthread_mutex_t mu;             /* last_passwd, last_acl; client while it is set */
    int pushing;                    /* registered as the request service's push channel */
    sd_buf_t last_passwd, last_acl; /* what the files hold now */
    sd_buf_t last_conf;             /* conf.d/suidod.conf */
};

static int lib_refs;
static pthread_mutex_t lib_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- broker files -----------------------------------------------------------------------------
 */

/* Write path atomically (temp + fsync + rename) so the broker never reads half a file. */
static int write_file(const char *dir, const char *name, const sd_buf_t *b)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    /* 0644: mosquitto may have dropped to its own user; the file holds only salted PBKDF2 hashes
       of random 256-bit passwords */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return sd_err_from_errno(errno);
    ssize_t n = b->len ? write(fd, b->data, b->len) : 0;
    int rc = n == (ssize_t)b->len && fsync(fd) == 0 ? 0 : SD_EIO;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = sd_err_from_errno(errno);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static void salt_for(const sd_mqtt_binding_t *b, const char *user, const char *digest,
                     unsigned char salt[12])
{
    /* derived, not random: an unchanged registry gives byte-identical files (no needless reload) */
    unsigned char h[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, b->pf->secret_key, 32, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)"mqtt-salt", 10);
    crypto_generichash_update(&st, (const unsigned char *)user, strlen(user) + 1);
    crypto_generichash_update(&st, (const unsigned char *)digest, strlen(digest));
    crypto_generichash_final(&st, h, sizeof h);
    memcpy(salt, h, 12);
}

static int add_user(const sd_mqtt_binding_t *b, const char *user, const char *digest, sd_buf_t *pw)
{
    char pass[SD_MQTT_PW_SIZE];
    unsigned char salt[12];
    sd_mqtt_password(b->pf->secret_key, user, digest, pass);
    salt_for(b, user, digest, salt);
    int rc = sd_mqtt_passwd_line(user, pass, salt, pw);
    sodium_memzero(pass, sizeof pass);
    return rc;
}

static void signal_broker(const sd_mqtt_binding_t *b)
{
    if (!b->pid_file)
        return;
    FILE *f = fopen(b->pid_file, "r");
    if (!f && errno == ENOENT) {
        /* started before the broker (it needs the TLS files we wrote): it reads them at its start
         */
        sd_info("mqtt: no broker running yet (no %s): it reads the files when it starts",
                b->pid_file);
        return;
    }
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid <= 1 || kill((pid_t)pid, SIGHUP) != 0)
        sd_warn("mqtt: cannot signal the broker (pid file %s): it keeps its old accounts",
                b->pid_file);
}

/* The broker users being collected: one per live gateway, with its client id for the ACL. */
typedef struct {
    sd_mqtt_binding_t *b;
    sd_buf_t *pw;
    char **cids;
    size_t n, cap;
} sync_ctx_t;

static int sync_add(void *ctx, const sd_client_t *gw)
{
    sync_ctx_t *c = ctx;
    const char *cid = gw->client_id;
    if (!sd_mqtt_cid_valid(cid) || !strcmp(cid, SD_MQTT_PF_USER)) {
        sd_warn("mqtt: gateway client id unusable as a broker user, skipped");
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        char **nc = realloc(c->cids, cap * sizeof *nc);
        if (!nc)
            return SD_ENOMEM;
        c->cids = nc;
        c->cap = cap;
    }
    if (!(c->cids[c->n] = strdup(cid)))
        return SD_ENOMEM;
    c->n++;
    return add_user(c->b, cid, gw->secret_digest, c->pw);
}

int sd_mqtt_binding_sync(sd_mqtt_binding_t *b)
{
    if (!b->broker_dir)
        return 0;
    sd_buf_t pw = {0}, acl = {0}, conf = {0};
    sync_ctx_t sc = {.b = b, .pw = &pw};
    int rc = sd_mqtt_broker_conf_write(b->cfg.max_payload, &conf);
    if (rc == 0)
        rc = add_user(b, SD_MQTT_PF_USER, "", &pw);
    if (rc == 0)
        rc = sd_registry_each_live_gateway(b->pf->store, sd_pf_now_ms(b->pf), sync_add, &sc);
    char **cids = sc.cids;
    size_t n = sc.n;
    if (rc == 0)
        rc = sd_mqtt_acl_write((const char *const *)cids, n, &acl);
    for (size_t i = 0; i < n; i++)
        free(cids[i]);
    free(cids);
    int changed = 0;
    if (rc == 0) {
        pthread_mutex_lock(&b->mu);
        changed = pw.len != b->last_passwd.len || acl.len != b->last_acl.len ||
                  (pw.len && memcmp(pw.data, b->last_passwd.data, pw.len)) ||
                  (acl.len && memcmp(acl.data, b->last_acl.data, acl.len)) ||
                  conf.len != b->last_conf.len || memcmp(conf.data, b->last_conf.data, conf.len);
        if (changed) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%.*s/conf.d", PATH_MAX - 64, b->broker_dir);
            rc = mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : sd_err_from_errno(errno);
            if (rc == 0)
                rc = write_file(dir, "suidod.conf", &conf);
            /* acl first: a new user with no ACL yet is denied everything, never granted too much */
            if (rc == 0)
                rc = write_file(b->broker_dir, "acl", &acl);
            if (rc == 0)
                rc = write_file(b->broker_dir, "passwd", &pw);
            if (rc == 0) {
                sd_buf_free(&b->last_passwd);
                sd_buf_free(&b->last_acl);
                b->last_passwd = pw;
                b->last_acl = acl;
                sd_buf_free(&b->last_conf);
                b->last_conf = conf;
                pw = (sd_buf_t){0};
                acl = (sd_buf_t){0};
                conf = (sd_buf_t){0};
            }
        }
        pthread_mutex_unlock(&b->mu);
        if (rc == 0 && changed) {
            sd_info("mqtt: broker accounts rewritten (%zu gateways)", n);
            signal_broker(b);
        }
    }
    if (pw.data)
        sodium_memzero(pw.data, pw.len);
    sd_buf_free(&pw);
    sd_buf_free(&acl);
    sd_buf_free(&conf);
    sd_store_release(b->pf->store);
    return rc != 0 ? rc : changed;
}

/* The sync worker: every sync_ms (the start wrote the files already), rewrite them if needed. */
static int64_t sync_tick(void *ctx, int stopping)
{
    sd_mqtt_binding_t *b = ctx;
    if (stopping)
        return -1;
    if (b->synced_once) {
        int rc = sd_mqtt_binding_sync(b);
        if (rc < 0)
            sd_warn("mqtt: broker accounts not updated: %s", sd_strerror(rc));
    }
    b->synced_once = 1;
    return b->cfg.sync_ms;
}

/* ---- the broker's TLS certificate ------------------------------------------------------------
 */

static int read_all(const char *path, sd_buf_t *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SD_ENOTFOUND;
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = sd_buf_append(out, chunk, n);
    fclose(f);
    return rc;
}

/* The certificate in dir still fits: same CA, more than 30 days left, its key beside it. */
static int tls_current(sd_mqtt_binding_t *b, const char *dir, const sd_buf_t *ca_pem)
{
    char path[PATH_MAX + 32];
    sd_buf_t ca = {0}, crt = {0};
    int ok = 0;
    snprintf(path, sizeof path, "%s/ca.crt", dir);
    if (read_all(path, &ca) == 0 && ca.len == ca_pem->len &&
        !memcmp(ca.data, ca_pem->data, ca.len)) {
        snprintf(path, sizeof path, "%s/broker.crt", dir);
        sd_cms_cert_t *c = NULL;
        sd_cms_cert_info_t in;
        char why[128];
        if (read_all(path, &crt) == 0 &&
            sd_cms_cert_parse(crt.data, crt.len, &c, why, sizeof why) == 0 &&
            sd_cms_cert_info(c, &in) == 0 &&
            in.not_after - sd_pf_now_ms(b->pf) > (int64_t)30 * 86400 * 1000) {
            snprintf(path, sizeof path, "%s/broker.key", dir);
            ok = access(path, R_OK) == 0;
        }
        sd_cms_cert_free(c);
    }
    sd_buf_free(&ca);
    sd_buf_free(&crt);
    return ok;
}

/*
 * broker_dir/tls for the broker's listener: key first, then certificate, then the CA (so a CA
 * file that matches always has its certificate and key). The key is 0600, given to the owner of
 * broker_dir when we are root (mosquitto drops to its own user).
 */
static int tls_files(sd_mqtt_binding_t *b)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%.*s/tls", PATH_MAX - 64, b->broker_dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return sd_err_from_errno(errno);
    sd_buf_t ca = {0}, crt = {0}, key = {0};
    int rc = sd_cms_cert_pem(sd_pki_ca(b->cfg.pki), &ca);
    if (rc == 0 && tls_current(b, dir, &ca)) {
        sd_buf_free(&ca);
        return 0;
    }
    const char *san = b->cfg.tls_san ? b->cfg.tls_san : "DNS:localhost,IP:127.0.0.1";
    if (rc == 0)
        rc = sd_pki_issue_tls_server(b->cfg.pki, "suido MQTT broker", san, 365, &crt, &key);
    struct stat st;
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/.broker.key.tmp", dir);
        unlink(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            rc = sd_err_from_errno(errno);
        if (fd >= 0 && geteuid() == 0 && stat(b->broker_dir, &st) == 0 && st.st_uid != 0 &&
            fchown(fd, st.st_uid, st.st_gid) != 0)
            rc = sd_err_from_errno(errno);
        if (fd >= 0 && rc == 0 &&
            (write(fd, key.data, key.len) != (ssize_t)key.len || fsync(fd) != 0))
            rc = SD_EIO;
        if (fd >= 0)
            close(fd);
        char final[PATH_MAX + 32];
        snprintf(final, sizeof final, "%s/broker.key", dir);
        if (rc == 0 && rename(path, final) != 0)
            rc = sd_err_from_errno(errno);
        if (rc != 0)
            unlink(path);
    }
    if (rc == 0)
        rc = write_file(dir, "broker.crt", &crt);
    if (rc == 0)
        rc = write_file(dir, "ca.crt", &ca);
    if (rc == 0)
        sd_info("mqtt: broker TLS certificate issued (%s) in %s", san, dir);
    if (key.data)
        sodium_memzero(key.data, key.len);
    sd_buf_free(&key);
    sd_buf_free(&crt);
    sd_buf_free(&ca);
    return rc;
}

/* ---- the client -------------------------------------------------------------------------------
 */

typedef struct {
    int64_t id, tenant_id;
} gw_row_t;

/* The registration behind a topic's client id; the broker ACL already proved the sender. */
static int gw_lookup(sd_mqtt_binding_t *b, const char *cid, gw_row_t *g)
{
    sd_client_t c;
    int rc = sd_registry_find(b->pf->store, cid, &c);
    if (rc == 0 && (c.kind != SD_CLIENT_GATEWAY || !c.enabled))
        rc = SD_ENOTFOUND;
    if (rc == 0) {
        g->id = c.id;
        g->tenant_id = c.tenant_id;
    }
    return rc;
}

static void publish_ack(sd_mqtt_binding_t *b, const char *cid, const char *id, int rc, size_t bad,
                        const sd_json_err_t *e);

/* The batch id to echo when the payload was refused: read leniently, string or integer. */
static const char *lenient_id(const json_t *doc, char num[24])
{
    const json_t *jid = doc ? json_object_get(doc, "id") : NULL;
    if (json_is_integer(jid)) {
        snprintf(num, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
        return num;
    }
    return json_is_string(jid) ? json_string_value(jid) : NULL;
}

/* Record the alive state; returns 1 when it changed (or was unknown), 0 if not, SD_E* on error. */
static int set_state(sd_mqtt_binding_t *b, const gw_row_t *g, const char *cid, int online)
{
    int64_t now = sd_pf_now_ms(b->pf);
    int was = -1;
    sd_gw_state_t gs;
    if (sd_gw_state_get(b->pf->store, g->id, &gs) == 0)
        was = gs.online;
    int rc = sd_gw_state_set(b->pf->store, g->id, online, now);
    if (rc != 0) {
        sd_warn("mqtt: state of %s not recorded: %s", cid, sd_strerror(rc));
        return rc;
    }
    sd_info("mqtt: gateway %s %s", cid, online ? "online" : "offline");
    return was != online;
}

/* The alive state changed: tell the event sink, as if the gateway had reported it. */
static void state_event(sd_mqtt_binding_t *b, const gw_row_t *g, const char *cid, int online)
{
    if (!b->cfg.events)
        return;
    int64_t now = sd_pf_now_ms(b->pf);
    char id[48];
    snprintf(id, sizeof id, "state-%lld", (long long)now);
    sd_gwif_event_t ev = {.ts_ms = now,
                          .kind = online ? "gateway_online" : "gateway_offline",
                          .message = online ? "birth (MQTT)" : "last will or disconnect (MQTT)"};
    sd_buf_t out = {0};
    sd_json_err_t e = {0};
    int rc = sd_gwif_events_build(&ev, 1, id, &out);
    if (!rc)
        rc = b->cfg.events(b->pf, g->tenant_id, g->id, out.data, out.len, &e);
    if (rc)
        sd_warn("mqtt: %s: state event not stored: %s %s", cid, sd_strerror(rc), e.message);
    sd_buf_free(&out);
}

static void on_state(sd_mqtt_binding_t *b, const gw_row_t *g, const char *cid, int online)
{
    int changed = set_state(b, g, cid, online);
    if (changed > 0)
        state_event(b, g, cid, online);
    /* a birth (also a retained one seen again after our reconnect) delivers what waited */
    if (online && changed >= 0 && b->pf->requests)
        sd_requests_flush(b->pf->requests, g->id);
}

/* Publish a request message on the gateway's down/request (the request service's push). */
static int push_request(void *ctx, const char *cid, const char *payload, size_t len)
{
    sd_mqtt_binding_t *b = ctx;
    char topic[128];
    if (sd_mqtt_topic_make(topic, sizeof topic, cid, SD_MQTT_T_DOWN, "request") != 0)
        return SD_EINVAL;
    int r = mosquitto_publish(b->m, NULL, topic, (int)len, payload, 1, false);
    if (r != MOSQ_ERR_SUCCESS)
        sd_warn("mqtt: request for %s not published: %s", cid, mosquitto_strerror(r));
    return r == MOSQ_ERR_SUCCESS ? 0 : SD_ECLOSED;
}

static void on_reply(sd_mqtt_binding_t *b, const char *cid, const gw_row_t *g,
                     const struct mosquitto_message *msg)
{
    json_t *doc = NULL;
    sd_json_err_t e = {0};
    int64_t id = 0;
    int rc = sd_json_parse(msg->payload, (size_t)msg->payloadlen, &doc, &e);
    if (!rc)
        rc = sd_json_get_int(doc, "id", SD_JSON_REQ, &id, &e);
    if (!rc)
        rc = b->pf->requests ? sd_request_reply(b->pf->requests, g->id, id, doc, &e)
                             : SD_EUNSUPPORTED;
    /* QoS 1 to us, no answer to the gateway: a lost reply shows as a timed-out request */
    if (rc)
        sd_warn("mqtt: %s: reply to request %lld refused: %s %s %s", cid, (long long)id,
                sd_strerror(rc), e.field, e.message);
    else
        sd_debug("mqtt: %s: reply to request %lld stored", cid, (long long)id);
    json_decref(doc);
}

static void on_event(sd_mqtt_binding_t *b, const char *cid, const gw_row_t *g,
                     const struct mosquitto_message *msg)
{
    sd_json_err_t e = {0};
    int rc = b->cfg.events ? b->cfg.events(b->pf, g->tenant_id, g->id, msg->payload,
                                           (size_t)msg->payloadlen, &e)
                           : SD_EUNSUPPORTED;
    if (rc)
        sd_warn("mqtt: %s: events refused: %s %s %s", cid, sd_strerror(rc), e.field, e.message);
    json_t *doc = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, NULL);
    char num[24];
    /* acked only now, after the commit, like data; an integer id is echoed too, so a gateway
     * learns why its batch was refused */
    size_t bad = 0;
    if (rc && sscanf(e.field, "events[%zu]", &bad) != 1)
        bad = 0;
    publish_ack(b, cid, lenient_id(doc, num), rc, bad, rc && e.message[0] ? &e : NULL);
    json_decref(doc);
}

static void publish_ack(sd_mqtt_binding_t *b, const char *cid, const char *id, int rc, size_t bad,
                        const sd_json_err_t *e)
{
    char topic[128];
    if (!id || sd_mqtt_topic_make(topic, sizeof topic, cid, SD_MQTT_T_DOWN, "ack") != 0)
        return;
    /* where, as over HTTP: "samples[3].ts" */
    sd_gwif_ack_t a = {.id = id,
                       .ok = rc == 0,
                       .error = sd_err_code(rc),
                       .message = e && e->message[0] ? e->message : sd_strerror(rc),
                       .field = e ? e->field : NULL,
                       .index = (int64_t)bad};
    json_t *o = sd_gwif_ack_json(&a);
    sd_buf_t out = {0};
    if (o && sd_json_dump(o, &out) == 0)
        mosquitto_publish(b->m, NULL, topic, (int)out.len, out.data, 1, false);
    json_decref(o);
    sd_buf_free(&out);
}

static void on_data(sd_mqtt_binding_t *b, const char *cid, const gw_row_t *g,
                    const struct mosquitto_message *msg)
{
    sd_gwif_data_t d;
    size_t bad = 0;
    sd_json_err_t e;
    /* the same parser and time window as POST /gwif/v1/data */
    int rc = sd_gwif_data_parse(msg->payload, (size_t)msg->payloadlen, b->cfg.max_samples, &d, &e);
    if (rc != 0) {
        sd_warn("mqtt: %s: bad data payload: %s %s %s", cid, sd_strerror(rc), e.field, e.message);
        if (sscanf(e.field, "samples[%zu]", &bad) != 1)
            bad = 0;
        /* the id may still be readable: parse leniently only to answer */
        json_t *doc = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, NULL);
        char num[24];
        publish_ack(b, cid, lenient_id(doc, num), rc, bad, &e);
        json_decref(doc);
        return;
    }
    rc = sd_gwif_samples_window(d.v, d.n, "samples", sd_pf_now_ms(b->pf), &bad, &e);
    if (rc == 0 && !b->cfg.ingest) {
        rc = SD_EUNSUPPORTED;
    } else if (rc == 0) {
        memset(&e, 0, sizeof e);
        rc = b->cfg.ingest(b->pf, g->tenant_id, g->id, d.v, d.n, &bad);
        if (rc == SD_EFIELD) {
            char f[48];
            snprintf(f, sizeof f, "samples[%zu].data_id", bad);
            sd_json_err_set(&e, f, "unknown data ID in this tenant");
        }
    }
    if (rc != 0)
        sd_warn("mqtt: %s: %zu samples refused: %s (sample %zu)", cid, d.n, sd_strerror(rc), bad);
    else
        sd_debug("mqtt: %s: %zu samples stored", cid, d.n);
    publish_ack(b, cid, d.id, rc, bad, rc ? &e : NULL);
    sd_gwif_data_free(&d);
}

/* An uplink above mqtt.max_payload: refused on down/ack, under its id if the first bytes name it.
 */
static void refuse_too_big(sd_mqtt_binding_t *b, const char *cid,
                           const struct mosquitto_message *msg)
{
    char id[SD_GWIF_BATCH_ID_MAX + 1], why[96];
    if (sd_mqtt_peek_id(msg->payload, (size_t)msg->payloadlen, id) != 0)
        snprintf(id, sizeof id, "unknown"); /* "id" not first: the gateway still learns why */
    snprintf(why, sizeof why, "message of %d bytes above the limit of %zu bytes", msg->payloadlen,
             b->cfg.max_payload);
    sd_json_err_t e = {0};
    sd_json_err_set(&e, "", "%s", why);
    publish_ack(b, cid, id, SD_ETOOBIG, 0, &e);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    (void)m;
    sd_mqtt_binding_t *b = ud;
    char cid[SD_MQTT_CID_MAX + 1], sub[SD_MQTT_CID_MAX + 1];
    sd_mqtt_topic_t kind;
    if (sd_mqtt_topic_parse(msg->topic, cid, &kind, sub, sizeof sub) != 0 || kind == SD_MQTT_T_DOWN)
        return;
    int up = kind != SD_MQTT_T_STATE;
    /* before anything reads the payload: a 128 MiB message once cost 1.27 GiB in the parser */
    if ((size_t)msg->payloadlen > b->cfg.max_payload) {
        sd_warn("mqtt: %s: message of %d bytes on %s refused: above mqtt.max_payload (%zu)", cid,
                msg->payloadlen, msg->topic, b->cfg.max_payload);
        if (up && kind != SD_MQTT_T_CONNECT && kind != SD_MQTT_T_DISCONNECT)
            refuse_too_big(b, cid, msg);
        return;
    }
    /* an uplink is an event in time, never state: a retained one would come back on every
       reconnect of suidod (an event stored twice); the broker cannot forbid retain per topic */
    if (up && msg->retain) {
        sd_warn("mqtt: %s: retained message on %s ignored (uplinks must not be retained)", cid,
                msg->topic);
        return;
    }
    gw_row_t g;
    int rc = gw_lookup(b, cid, &g);
    if (rc != 0) {
        /* a retained state of a gateway since removed, or a race with disabling */
        sd_debug("mqtt: message of unknown or disabled gateway %s ignored", cid);
        sd_store_release(b->pf->store);
        return;
    }
    switch (kind) {
    case SD_MQTT_T_STATE:
        if (msg->payloadlen == 6 && !memcmp(msg->payload, "online", 6))
            on_state(b, &g, cid, 1);
        else if (msg->payloadlen == 7 && !memcmp(msg->payload, "offline", 7))
            on_state(b, &g, cid, 0);
        break;
    case SD_MQTT_T_CONNECT:
        on_state(b, &g, cid, 1);
        break;
    case SD_MQTT_T_DISCONNECT:
        on_state(b, &g, cid, 0);
        break;
    case SD_MQTT_T_DATA:
        on_data(b, cid, &g, msg);
        break;
    case SD_MQTT_T_REPLY:
        on_reply(b, cid, &g, msg);
        break;
    case SD_MQTT_T_EVENT:
        on_event(b, cid, &g, msg);
        break;
    default:
        break;
    }
    sd_store_release(b->pf->store);
}

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
    if (rc != 0) {
        sd_warn("mqtt: broker refused suidod: %s", mosquitto_connack_string(rc));
        return;
    }
    sd_info("mqtt: connected to the broker");
    ((sd_mqtt_binding_t *)ud)->backoff = 1; /* accepted: the next loss retries quickly again */
    /* subscribe on every (re)connect: a restarted broker without persistence forgot them */
    const char *subs[] = {SD_MQTT_PREFIX "+/up/#", SD_MQTT_PREFIX "+/state"};
    for (int i = 0; i < 2; i++)
        mosquitto_subscribe(m, NULL, subs[i], 1);
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
    (void)m;
    (void)ud;
    if (rc != 0)
        sd_warn("mqtt: lost the broker (%s); reconnecting", mosquitto_strerror(rc));
}

/*
 * The client worker. Our own connection loop rather than mosquitto_loop_start(): libmosquitto
 * 2.0 gives up when the very first connect fails (broker not up yet), and we want one back-off
 * policy for every case: refused at start, lost later, refused credentials while the broker
 * reloads. Each round connects or runs the network loop for up to 500 ms; a failure sleeps the
 * back-off (monotonic; a stop cuts it short). The last round disconnects.
 */
static int64_t client_tick(void *ctx, int stopping)
{
    sd_mqtt_binding_t *b = ctx;
    if (stopping) {
        if (b->connected) {
            mosquitto_disconnect(b->m);
            mosquitto_loop(b->m, 100, 1);
        }
        sd_store_release(b->pf->store);
        return -1;
    }
    int r;
    if (!b->connected) {
        r = b->ever ? mosquitto_reconnect(b->m) : mosquitto_connect(b->m, b->host, b->port, 30);
        if (r == MOSQ_ERR_SUCCESS) {
            b->ever = b->connected = 1;
            return 0;
        }
    } else {
        /* the network loop; callbacks (on_message: the store) run here, without the worker's
           lock (a round of 0 ms delay never sleeps: sd_worker_stop() would never get it) */
        pthread_mutex_lock(&b->mu); /* b->client is set under mu by the start */
        sd_worker_t *w = b->client;
        pthread_mutex_unlock(&b->mu);
        sd_worker_unlock(w);
        r = mosquitto_loop(b->m, 500, 1);
        sd_worker_lock(w);
        if (r == MOSQ_ERR_SUCCESS)
            return 0;
        b->connected = 0;
    }
    int delay = b->backoff;
    sd_warn("mqtt: broker %s: %s; retrying in %d s", b->url, mosquitto_strerror(r), delay);
    b->backoff = delay < 16 ? delay * 2 : 30;
    return (int64_t)delay * 1000;
}

/* ---- a gateway's broker credentials (GET /gwif/v1/mqtt) --------------------------------- */

int sd_mqtt_binding_credentials(sd_mqtt_binding_t *b, int64_t gateway_id, sd_scope_t *scope,
                                char cid[SD_MQTT_CID_MAX + 1], char pw[SD_MQTT_PW_SIZE])
{
    sd_client_t c;
    int rc = sd_registry_get(b->pf->store, gateway_id, &c);
    if (rc == 0 && c.kind != SD_CLIENT_GATEWAY)
        rc = SD_ENOTFOUND;
    if (rc != 0)
        return rc;
    *scope = (sd_scope_t){c.tenant_id, c.org_id, gateway_id};
    char dg[SD_TOKEN_DIGEST_SIZE];
    snprintf(cid, SD_MQTT_CID_MAX + 1, "%.*s", SD_MQTT_CID_MAX, c.client_id);
    snprintf(dg, sizeof dg, "%s", c.secret_digest);
    sodium_memzero(&c, sizeof c);
    sd_mqtt_password(b->pf->secret_key, cid, dg, pw);
    return 0;
}

/* ---- lifecycle --------------------------------------------------------------------------------
 */

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

int sd_mqtt_binding_start(sd_pf_t *pf, const sd_mqtt_config_t *cfg, sd_mqtt_binding_t **out)
{
    *out = NULL;
    sd_mqtt_binding_t *b = calloc(1, sizeof *b);
    if (!b)
        return SD_ENOMEM;
    int oom = 0;
    b->pf = pf;
    b->cfg = *cfg;
    if (b->cfg.sync_ms <= 0)
        b->cfg.sync_ms = 5000;
    if (!b->cfg.max_samples)
        b->cfg.max_samples = 10000;
    if (!b->cfg.max_payload)
        b->cfg.max_payload = SD_TS_BODY_MAX;
    b->url = dup_or_null(cfg->url, &oom);
    b->broker_dir = dup_or_null(cfg->broker_dir, &oom);
    b->pid_file = dup_or_null(cfg->pid_file, &oom);
    pthread_mutex_init(&b->mu, NULL);
    if (oom) {
        sd_mqtt_binding_stop(b);
        return SD_ENOMEM;
    }
    char host[256];
    int port = 0;
    int tls = 0;
    b->tls_san = dup_or_null(cfg->tls_san, &oom);
    b->cafile = dup_or_null(cfg->cafile, &oom);
    b->cfg.tls_san = b->tls_san;
    b->cfg.cafile = b->cafile;
    int rc = oom      ? SD_ENOMEM
             : b->url ? sd_mqtt_url_parse(b->url, host, sizeof host, &port, &tls)
                      : 0;
    if (rc == 0 && tls && !b->cafile) {
        sd_error("mqtt: %s needs the CA of the broker's certificate (mqtt.cafile)", b->url);
        rc = SD_ECONFIG;
    }
    if (rc == 0 && b->broker_dir && b->cfg.pki)
        rc = tls_files(b);
    if (rc == 0) {
        int r = sd_mqtt_binding_sync(b);
        rc = r < 0 ? r : 0;
    }
    if (rc == 0 && b->broker_dir)
        rc = sd_worker_start("mqtt-sync", sync_tick, b, &b->sync);
    if (rc == 0 && b->url) {
        pthread_mutex_lock(&lib_mu);
        if (lib_refs++ == 0)
            mosquitto_lib_init();
        pthread_mutex_unlock(&lib_mu);
        b->lib_ref = 1;
        char pw[SD_MQTT_PW_SIZE];
        sd_mqtt_password(pf->secret_key, SD_MQTT_PF_USER, "", pw);
        /* a persistent session: QoS 1 uplinks queued while suidod restarts are not lost */
        b->m = mosquitto_new(SD_MQTT_PF_USER, false, b);
        if (!b->m || mosquitto_username_pw_set(b->m, SD_MQTT_PF_USER, pw) != MOSQ_ERR_SUCCESS)
            rc = SD_ENOMEM;
        sodium_memzero(pw, sizeof pw);
        if (rc == 0) {
            mosquitto_int_option(b->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
            /* acks and requests are small: Nagle would hold each for the peer's delayed ACK */
            mosquitto_int_option(b->m, MOSQ_OPT_TCP_NODELAY, 1);
            /* TLS 1.2 or later, the chain to cafile and the host name in url verified (all
               libmosquitto's defaults once a CA is set) */
            if (tls &&
                mosquitto_tls_set(b->m, b->cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) {
                sd_error("mqtt: TLS with CA file %s not possible", b->cafile);
                rc = SD_ECONFIG;
            }
        }
        if (rc == 0) {
            mosquitto_connect_callback_set(b->m, on_connect);
            mosquitto_disconnect_callback_set(b->m, on_disconnect);
            mosquitto_message_callback_set(b->m, on_message);
            /* other modules publish requests from their own threads */
            mosquitto_threaded_set(b->m, true);
            snprintf(b->host, sizeof b->host, "%s", host);
            b->port = port;
            b->backoff = 1;
            pthread_mutex_lock(&b->mu);
            rc = sd_worker_start("mqtt-client", client_tick, b, &b->client);
            pthread_mutex_unlock(&b->mu);
            if (rc == 0 && pf->requests) {
                sd_requests_set_push(pf->requests, push_request, b);
                b->pushing = 1;
            }
        }
    }
    if (rc != 0) {
        sd_mqtt_binding_stop(b);
        return rc;
    }
    *out = b;
    return 0;
}

void sd_mqtt_binding_stop(sd_mqtt_binding_t *b)
{
    if (!b)
        return;
    /* no new pushes (and none in flight) before the client goes */
    if (b->pushing && b->pf->requests)
        sd_requests_set_push(b->pf->requests, NULL, NULL);
    sd_worker_stop(b->sync);
    /* the client worker stops within one loop round (or at once from its back-off wait) */
    sd_worker_stop(b->client);
    if (b->m)
        mosquitto_destroy(b->m);
    if (b->lib_ref) {
        pthread_mutex_lock(&lib_mu);
        if (--lib_refs == 0)
            mosquitto_lib_cleanup();
        pthread_mutex_unlock(&lib_mu);
    }
    sd_buf_free(&b->last_passwd);
    sd_buf_free(&b->last_acl);
    sd_buf_free(&b->last_conf);
    pthread_mutex_destroy(&b->mu);
    free(b->url);
    free(b->broker_dir);
    free(b->pid_file);
    free(b->cafile);
    free(b->tls_san);
    free(b);
}
