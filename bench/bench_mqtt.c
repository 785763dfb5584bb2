/* bench_mqtt.c - GW-IF over MQTT end to end, and the two baselines it is compared with; also the
 * store-and-forward gateway client of tests/integration/faults_ingest.sh. Driven by
 * bench/mqtt.sh (which starts mosquitto and suidod); alone it only says so.
 *
 *   bench_mqtt ingest BATCHES SIZE
 *       raw insert rate: sd_ts_ingest() in-process into a fresh SQLite store with the same schema
 *       and durability (synchronous=FULL), one transaction per batch as suidod does
 *   bench_mqtt raw HOST PORT MESSAGES SIZE
 *       raw broker rate: one client publishes QoS 1 messages of SIZE bytes, another receives
 *   bench_mqtt gw HOST PORT USER PASSWORD DATA_ID T0_MS BATCHES SIZE [options]
 *       a gateway: batches with "id" on suido/gw/USER/up/data, each kept until down/ack says
 *       ok:true; unacknowledged batches are resent after a reconnect or RESEND_MS. Options:
 *         --window N      batches in flight (8)       --rate B     batches generated per second
 *         --acked FILE    one acknowledged id a line  (0 = all at once; a backlog builds while
 *         --timeout S     give up after S s (120)      the broker is away)
 *         --resend-ms MS  (3000)
 *       prints one line: acked, resent, duplicate acks, refused, max backlog, samples/s.
 * Each mode prints "RATE <number>" last, for the script to compute ratios.
 */
#include <inttypes.h>
#include <jansson.h>
#include <mosquitto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/data/ts.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_mqtt: %s: %s: %s\n", what, sd_strerror(rc), sd_store_errmsg());
    exit(1);
}

/* ---- ingest: the store alone ------------------------------------------------------------- */

static int mode_ingest(int batches, int size)
{
    sd_log_set_level(SD_LOG_WARN);
    char dir[] = "/tmp/bench_mqtt.XXXXXX", path[300], url[320];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/ts.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    sd_store_t *st;
    int rc = sd_store_open(url, &st);
    if (rc)
        die("open", rc);
    int64_t t0 = INT64_C(1735657200000);
    sd_clock_t *clk = sd_clock_fake_new(t0 + INT64_C(400) * 86400000);
    sd_pf_t pf = {.store = st, .clock = clk};
    int64_t tid = 0, fac = 0, dev = 0, pid = 0;
    if ((rc = sd_store_begin(st)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO tenants (name, kind, created_at) VALUES ('bench', "
                              "'dedicated_operator', 0) RETURNING id",
                              SD_NOPARAMS, &tid)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO facilities (tenant_id, code, name, type, estate, "
                              "version) VALUES ($1, 'f', 'f', 'dedicated', '001', 1) RETURNING id",
                              SD_PARAMS(SD_V_INT(tid)), &fac)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO devices (tenant_id, facility_id, code, name, model, "
                              "branch, office, estate, terminal, tel, version) VALUES ($1, $2, "
                              "'d', 'd', 'L2', '01', '01', '001', '01', '0', 1) RETURNING id",
                              SD_PARAMS(SD_V_INT(tid), SD_V_INT(fac)), &dev)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO points (tenant_id, device_id, data_id, name, signal, "
                              "input, version) VALUES ($1, $2, 'bench.p', 'p', 'analog', 'Ai1', 1) "
                              "RETURNING id",
                              SD_PARAMS(SD_V_INT(tid), SD_V_INT(dev)), &pid)) ||
        (rc = sd_store_commit(st)))
        die("master", rc);
    sd_ts_sample_t *s = calloc((size_t)size, sizeof *s);
    double t = now_s();
    for (int b = 0; b < batches; b++) {
        for (int i = 0; i < size; i++)
            s[i] = (sd_ts_sample_t){"bench.p", t0 + ((int64_t)b * size + i) * 1000, i, SD_TS_GOOD};
        if ((rc = sd_ts_ingest(&pf, tid, 1, s, (size_t)size, NULL)))
            die("ingest", rc);
    }
    double el = now_s() - t;
    printf("  sd_ts_ingest in-process, %d batches x %d samples: %.2f s\n", batches, size, el);
    printf("RATE %.0f\n", (double)batches * size / el);
    free(s);
    sd_store_close(st);
    sd_clock_fake_free(clk);
    unlink(path);
    char aux[340];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
    rmdir(dir);
    return 0;
}

/* ---- raw: the broker alone --------------------------------------------------------------- */

static volatile int g_received;

static void raw_on_msg(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    g_received++;
}

static int g_sub_ok;
static void raw_on_sub(struct mosquitto *m, void *ud, int mid, int n, const int *q)
{
    g_sub_ok = 1;
}

static int mode_raw(const char *host, int port, int n, int size)
{
    struct mosquitto *sub = mosquitto_new("bench-sub", true, NULL);
    struct mosquitto *pub = mosquitto_new("bench-pub", true, NULL);
    if (!sub || !pub)
        return 1;
    mosquitto_message_callback_set(sub, raw_on_msg);
    mosquitto_subscribe_callback_set(sub, raw_on_sub);
    if (mosquitto_connect(sub, host, port, 30) || mosquitto_connect(pub, host, port, 30)) {
        fprintf(stderr, "bench_mqtt raw: cannot connect to %s:%d\n", host, port);
        return 1;
    }
    mosquitto_subscribe(sub, NULL, "bench/raw", 1);
    mosquitto_loop_start(sub);
    mosquitto_loop_start(pub);
    for (int i = 0; i < 200 && !g_sub_ok; i++)
        usleep(10000);
    char *payload = malloc((size_t)size);
    memset(payload, 'x', (size_t)size);
    double t = now_s();
    for (int i = 0; i < n; i++) {
        /* libmosquitto queues without bound: pace on what the subscriber has seen */
        while (i - g_received > 256)
            usleep(100);
        mosquitto_publish(pub, NULL, "bench/raw", size, payload, 1, false);
    }
    while (g_received < n && now_s() - t < 60)
        usleep(1000);
    double el = now_s() - t;
    printf("  mosquitto QoS 1 pub->sub, %d messages of %d bytes: %d received in %.2f s\n", n, size,
           g_received, el);
    printf("RATE %.0f\n", g_received / el);
    mosquitto_disconnect(pub);
    mosquitto_disconnect(sub);
    mosquitto_loop_stop(pub, false);
    mosquitto_loop_stop(sub, false);
    mosquitto_destroy(pub);
    mosquitto_destroy(sub);
    free(payload);
    return g_received == n ? 0 : 1;
}

/* ---- gw: a store-and-forward gateway ----------------------------------------------------- */

enum { NEW, SENT, ACKED };

typedef struct {
    int state;
    double sent_at;
    int sends;
} batch_t;

static struct {
    batch_t *b;
    int n, size, window, inflight, acked, resent, dup_acks, refused;
    bool connected, subscribed;
    char up[256], down[256];
    FILE *acked_f;
} G;

static void gw_on_connect(struct mosquitto *m, void *ud, int rc)
{
    if (rc != 0)
        return;
    G.connected = true;
    G.subscribed = false;
    mosquitto_subscribe(m, NULL, G.down, 1);
    /* whatever was in flight may have died with the broker: send it again */
    for (int i = 0; i < G.n; i++)
        if (G.b[i].state == SENT)
            G.b[i].state = NEW;
    G.inflight = 0;
}

static void gw_on_sub(struct mosquitto *m, void *ud, int mid, int n, const int *q)
{
    G.subscribed = true;
}

static void gw_on_disconnect(struct mosquitto *m, void *ud, int rc)
{
    G.connected = false;
    G.subscribed = false;
}

static void gw_on_msg(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    json_t *j = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    int k = id && id[0] == 'b' ? atoi(id + 1) : -1;
    if (k >= 0 && k < G.n) {
        if (!json_is_true(json_object_get(j, "ok"))) {
            G.refused++;
            fprintf(stderr, "bench_mqtt gw: %s refused: %s\n", id,
                    json_string_value(json_object_get(j, "message")));
        } else if (G.b[k].state == ACKED) {
            G.dup_acks++; /* a resend of a batch whose first ack was on its way */
        } else {
            if (G.b[k].state == SENT)
                G.inflight--;
            G.b[k].state = ACKED;
            G.acked++;
            if (G.acked_f) {
                fprintf(G.acked_f, "%s\n", id);
                fflush(G.acked_f);
            }
        }
    }
    json_decref(j);
}

static char *gw_payload(int k, const char *data_id, int64_t t0)
{
    json_t *s = json_array();
    for (int i = 0; i < G.size; i++)
        json_array_append_new(s, json_pack("{s:s, s:I, s:f}", "data_id", data_id, "ts",
                                           (json_int_t)(t0 + ((int64_t)k * G.size + i) * 1000),
                                           "value", (double)(k % 1000) + i / 1000.0));
    char id[32];
    snprintf(id, sizeof id, "b%d", k);
    json_t *o = json_pack("{s:s, s:o}", "id", id, "samples", s);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static int mode_gw(int argc, char **argv)
{
    const char *host = argv[0], *user = argv[2], *pass = argv[3], *data_id = argv[4];
    int port = atoi(argv[1]);
    int64_t t0 = strtoll(argv[5], NULL, 10);
    G.n = atoi(argv[6]);
    G.size = atoi(argv[7]);
    G.window = 8;
    double rate = 0, timeout = 120, resend_s = 3;
    for (int i = 8; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--window"))
            G.window = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rate"))
            rate = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--timeout"))
            timeout = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--resend-ms"))
            resend_s = atof(argv[i + 1]) / 1000;
        else if (!strcmp(argv[i], "--acked") && !(G.acked_f = fopen(argv[i + 1], "w")))
            return perror(argv[i + 1]), 2;
    }
    if (G.n <= 0 || G.size <= 0 || G.window <= 0)
        return 2;
    G.b = calloc((size_t)G.n, sizeof *G.b);
    snprintf(G.up, sizeof G.up, "suido/gw/%s/up/data", user);
    snprintf(G.down, sizeof G.down, "suido/gw/%s/down/ack", user);
    /* clean session off: acks published while we reconnect wait for us at the broker */
    struct mosquitto *m = mosquitto_new(user, false, NULL);
    mosquitto_username_pw_set(m, user, pass);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1); /* as suido-gw */
    mosquitto_connect_callback_set(m, gw_on_connect);
    mosquitto_disconnect_callback_set(m, gw_on_disconnect);
    mosquitto_subscribe_callback_set(m, gw_on_sub);
    mosquitto_message_callback_set(m, gw_on_msg);
    double start = now_s(), last_try = 0;
    bool ever = false;
    int max_backlog = 0;
    while (G.acked < G.n && now_s() - start < timeout) {
        double now = now_s();
        if (!G.connected && now - last_try > 0.2) {
            last_try = now;
            int r = ever ? mosquitto_reconnect(m) : mosquitto_connect(m, host, port, 5);
            ever = ever || r == MOSQ_ERR_SUCCESS;
        }
        /* batches the gateway has produced by now; the unacknowledged ones are its backlog */
        int produced = rate > 0 ? (int)((now - start) * rate) + 1 : G.n;
        if (produced > G.n)
            produced = G.n;
        int backlog = 0;
        for (int i = 0; i < produced; i++) {
            batch_t *b = &G.b[i];
            if (b->state == ACKED)
                continue;
            backlog++;
            if (b->state == SENT && now - b->sent_at > resend_s) {
                b->state = NEW; /* no ack in time: the message or its ack was lost */
                G.inflight--;
            }
            if (b->state == NEW && G.connected && G.subscribed && G.inflight < G.window) {
                char *p = gw_payload(i, data_id, t0);
                if (mosquitto_publish(m, NULL, G.up, (int)strlen(p), p, 1, false) ==
                    MOSQ_ERR_SUCCESS) {
                    if (b->sends++)
                        G.resent++;
                    b->state = SENT;
                    b->sent_at = now;
                    G.inflight++;
                }
                free(p);
            }
        }
        if (backlog > max_backlog)
            max_backlog = backlog;
        int r = mosquitto_loop(m, 20, 1);
        if (r != MOSQ_ERR_SUCCESS && G.connected) {
            G.connected = false;
            G.subscribed = false;
        }
    }
    double el = now_s() - start;
    printf("  gateway: %d/%d batches of %d acked in %.2f s; resent %d, duplicate acks %d, "
           "refused %d, max backlog %d\n",
           G.acked, G.n, G.size, el, G.resent, G.dup_acks, G.refused, max_backlog);
    printf("RATE %.0f\n", (double)G.acked * G.size / el);
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    if (G.acked_f)
        fclose(G.acked_f);
    free(G.b);
    return G.acked == G.n && !G.refused ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "ingest"))
        return mode_ingest(atoi(argv[2]), atoi(argv[3]));
    mosquitto_lib_init();
    int rc = 2;
    if (argc == 6 && !strcmp(argv[1], "raw"))
        rc = mode_raw(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    else if (argc >= 10 && !strcmp(argv[1], "gw"))
        rc = mode_gw(argc - 2, argv + 2);
    else
        printf("  (bench_mqtt is driven by bench/mqtt.sh, which starts mosquitto and suidod)\n"),
            rc = 0;
    mosquitto_lib_cleanup();
    return rc;
}
