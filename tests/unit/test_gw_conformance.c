/* test_gw_conformance.c - the GW-IF conformance cases, in one process, against both north
 * bindings: a platform (pf fixture store on SQLite, the GW-IF services and their routes on an
 * HTTP server on 127.0.0.1:0), a simulator fleet of the sample sheet's terminals on port 0, and a
 * gateway engine whose dial plan points at the fleet. The same case table runs with the gateway
 * north = HTTP, then north = MQTT through a real mosquitto started by the test.
 *
 * Nothing sleeps to synchronise: every case waits on a condition of the store or a service,
 * polled against a bounded deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/accounts/session.h"
#include "api/routes.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "gw/gw.h"
#include "gw/queue.h"
#include "http/http.h"
#include "link/dialplan.h"
#include "pf/accounts/org.h"
#include "pf/accounts/tenant.h"
#include "pf/alarms/alarm.h"
#include "pf/alarms/event.h"
#include "pf/broker/binding.h"
#include "pf/data/ts.h"
#include "pf/master/sheets.h"
#include "pf/requests/request.h"
#include "sim/fleet.h"
#include "sim/plant.h"
#include "sim/terminal.h"

#include "helpers/pf_fixture.h"

#define DEADLINE_MS 20000 /* every wait of a case */

/* The terminals of etc/sample-sheet.csv: codes and tel numbers as the master has them. */
static const struct {
    const char *code, *tel;
    sd_sim_kind_t kind;
    int estate, number;
} terms[] = {
    {"gorin-l2", "0115812221", SD_SIM_L2, 222, 1},
    {"gorin-l3", "0115812222", SD_SIM_L3, 222, 2},
    {"hiragishi-l3", "0118212571", SD_SIM_L3, 257, 1},
    {"sumikawa1-l3", "0118213051", SD_SIM_L3, 305, 1},
    {"sumikawa2-l3", "0118213052", SD_SIM_L3, 305, 2},
    {"kitahiroshima1-l3", "0113722791", SD_SIM_L3, 279, 1},
    {"kitahiroshima2-l3", "0113722792", SD_SIM_L3, 279, 2},
};
#define N_TERMS (sizeof terms / sizeof terms[0])
#define GORIN   0 /* index of gorin-l2 in the fleet */

typedef struct {
    sd_test_pf_t base; /* first: the pf fixture */
    bool mqtt;
    int64_t tid, gw_row;
    char cid[40], secret[SD_TOKEN_SIZE];
    /* platform */
    sd_requests_t *req;
    sd_alarms_t *alarms;
    sd_mqtt_binding_t *binding;
    sd_http_server_t *http;
    char url[64];
    /* broker */
    pid_t mosq;
    char broker_dir[128], mqtt_url[64];
    /* simulator */
    sd_fleet_t *fleet;
    pthread_t fleet_th;
    bool fleet_running;
    pthread_mutex_t fleet_mu; /* held by the fleet thread while it steps */
    atomic_bool fleet_stop;
    char dest[64]; /* the gateway's listener: where terminals dial out */
    /* gateway */
    sd_dialplan_t *dp;
    sd_gw_queue_t *q;
    sd_gw_north_t north;
    sd_gw_t *g;
} world_t;

/* ---- helpers ------------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    return sd_clock_wall_ms(sd_clock_system());
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef bool (*pred_t)(world_t *w);

/* Poll pred every 50 ms until it holds or DEADLINE_MS ran out. */
static bool wait_for(world_t *w, pred_t pred)
{
    int64_t end = sd_clock_mono_ms(sd_clock_system()) + DEADLINE_MS;
    while (!pred(w)) {
        if (sd_clock_mono_ms(sd_clock_system()) > end)
            return false;
        pause_ms(50);
    }
    return true;
}

static int64_t point_id(world_t *w, const char *data_id)
{
    int64_t id = 0;
    assert_int_equal(sd_ts_point_id(w->base.st, w->tid, data_id, &id), 0);
    return id;
}

static int64_t count_samples(world_t *w, const char *data_id)
{
    return sd_test_pf_int(&w->base, "SELECT COUNT(*) FROM samples WHERE point_id = $1",
                          SD_PARAMS(SD_V_INT(point_id(w, data_id))));
}

/* The stored value of data_id at ts_ms: true when there is one. */
static bool sample_at(world_t *w, const char *data_id, int64_t ts_ms, double *v)
{
    sd_ts_value_t *vals = NULL;
    size_t n = 0;
    int more = 0;
    assert_int_equal(sd_ts_read_raw(w->base.st, point_id(w, data_id), ts_ms, ts_ms + 1, INT64_MIN,
                                    2, &vals, &n, &more),
                     0);
    bool ok = n == 1;
    if (ok)
        *v = vals[0].value;
    free(vals);
    return ok;
}

static int64_t count_events(world_t *w, const char *kind, const char *device)
{
    sd_pf_items_t it;
    assert_int_equal(sd_event_list(&w->base.pf, w->tid, device, kind, 100, &it), 0);
    int64_t n = (int64_t)it.n;
    sd_pf_items_free(&it);
    return n;
}

/* ---- the simulator: one thread runs the fleet's poll loop ----------------------------------- */

static void *fleet_main(void *arg)
{
    world_t *w = arg;
    while (!atomic_load(&w->fleet_stop)) {
        pthread_mutex_lock(&w->fleet_mu);
        int rc = sd_fleet_step(w->fleet, 20);
        pthread_mutex_unlock(&w->fleet_mu);
        if (rc < 0) {
            fprintf(stderr, "fleet: %s\n", sd_strerror(rc));
            break;
        }
    }
    return NULL;
}

static sd_plant_t *gorin_plant(world_t *w) /* call with fleet_mu held */
{
    return sd_sim_term_plant(sd_fleet_term(w->fleet, GORIN));
}

static void make_fleet(world_t *w)
{
    int64_t now_s = now_ms() / 1000;
    sd_fleet_opts_t o = {.clock = sd_clock_system(),
                         .dest_url = {w->dest},
                         .retry_ms = 200,
                         .answer_timeout_ms = 10000};
    assert_non_null(w->fleet = sd_fleet_new(&o));
    for (size_t i = 0; i < N_TERMS; i++) {
        sd_sim_term_cfg_t c;
        sd_sim_term_cfg_default(&c);
        c.kind = terms[i].kind;
        snprintf(c.name, sizeof c.name, "%s", terms[i].code);
        c.branch = 1;
        c.office = 2;
        c.estate = terms[i].estate;
        c.number = terms[i].number;
        c.seed = 11 + i;
        snprintf(c.tel, sizeof c.tel, "%s", terms[i].tel);
        /* 5 days of history: every ring of 96 hours is full */
        sd_sim_term_t *t = sd_sim_term_new(&c, now_s - 5 * 86400, now_s);
        assert_non_null(t);
        assert_int_equal(sd_fleet_add(w->fleet, terms[i].code, t, "tcp://127.0.0.1:0"), (int)i);
        assert_true(sd_fleet_port(w->fleet, (int)i) > 0);
    }
    /* the dial plan: each tel to its terminal's port */
    char plan[2048];
    size_t len = 0;
    for (size_t i = 0; i < N_TERMS; i++)
        len += (size_t)snprintf(plan + len, sizeof plan - len, "%s tcp://127.0.0.1:%d\n",
                                terms[i].tel, sd_fleet_port(w->fleet, (int)i));
    sd_dialplan_error_t e = {0};
    assert_int_equal(sd_dialplan_parse(plan, len, &w->dp, &e), 0);
}

/* ---- the broker ----------------------------------------------------------------------------- */

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static bool file_has(const char *path, const char *what)
{
    FILE *f = fopen(path, "r");
    char line[512];
    bool yes = false;
    while (f && !yes && fgets(line, sizeof line, f))
        yes = strstr(line, what) != NULL;
    if (f)
        fclose(f);
    return yes;
}

/* The broker of the running world, killed at exit too when a failed setup left it running. */
static pid_t g_broker;

static void kill_broker_at_exit(void)
{
    if (g_broker > 0) {
        kill(g_broker, SIGTERM);
        waitpid(g_broker, NULL, 0);
        g_broker = 0;
    }
}

/* mosquitto on a pre-picked free port with the binding's passwd and acl; retried when another
 * process took the port between the pick and the bind. */
static void start_broker(world_t *w)
{
    char conf[256], log[256];
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", w->broker_dir);
    snprintf(log, sizeof log, "%s/mosquitto.log", w->broker_dir);
    for (int attempt = 0; attempt < 5; attempt++) {
        int port = free_port();
        FILE *f = fopen(conf, "w");
        assert_non_null(f);
        fprintf(f,
                "listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s/passwd\n"
                "acl_file %s/acl\npid_file %s/mosquitto.pid\nuse_username_as_clientid true\n"
                "user root\nlog_dest stderr\n",
                port, w->broker_dir, w->broker_dir, w->broker_dir);
        fclose(f);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
            execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf, (char *)NULL);
            _exit(127);
        }
        int64_t end = sd_clock_mono_ms(sd_clock_system()) + 5000;
        bool up = false, died = false;
        while (!up && !died && sd_clock_mono_ms(sd_clock_system()) < end) {
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid)
                died = true;
            else if (port_open(port))
                up = true;
            else
                pause_ms(20);
        }
        if (up) {
            w->mosq = g_broker = pid;
            snprintf(w->mqtt_url, sizeof w->mqtt_url, "mqtt://127.0.0.1:%d", port);
            return;
        }
        if (!died) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        if (!file_has(log, "in use"))
            fail_msg("mosquitto did not start (see %s)", log);
    }
    fail_msg("mosquitto: no free port after 5 tries");
}

static void stop_broker(world_t *w)
{
    if (w->mosq > 0) {
        kill(w->mosq, SIGTERM);
        waitpid(w->mosq, NULL, 0);
        w->mosq = g_broker = 0;
    }
}

/* ---- the platform --------------------------------------------------------------------------- */

static void quiet_access(const sd_http_access_t *rec, void *ctx)
{
    (void)rec;
    (void)ctx;
}

/* Tenant, the sample master through the sheet service (four eyes), a gateway vendor and its
 * registered gateway. */
static void seed(world_t *w)
{
    sd_test_pf_t *t = &w->base;
    w->tid = sd_test_pf_tenant(t, "sapporo", SD_TENANT_KIND_DEDICATED_OPERATOR);
    int64_t op = sd_test_pf_org(t, w->tid, SD_ORG_KIND_OPERATOR, "Sapporo");
    int64_t vt = sd_test_pf_tenant(t, "gw vendor", SD_TENANT_KIND_VENDOR);
    int64_t og = sd_test_pf_org(t, vt, SD_ORG_KIND_GW_VENDOR, "GW");
    char l1[32], l2[32];
    int64_t u1 = sd_test_pf_user(t, op, SD_ROLE_OPERATOR_ADMIN, "a1@example.jp", l1, NULL);
    int64_t u2 = sd_test_pf_user(t, op, SD_ROLE_OPERATOR_ADMIN, "a2@example.jp", l2, NULL);
    sd_principal_t a1 = {
        .role = SD_ROLE_OPERATOR_ADMIN, .subject_id = u1, .org_id = op, .tenant_id = w->tid};
    sd_principal_t a2 = a1;
    a2.subject_id = u2;

    const char *root = getenv("SUIDO_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/etc/sample-sheet.csv", root ? root : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s: %s (run from the repository root or set SUIDO_ROOT)", path,
                 strerror(errno));
    static char csv[65536];
    size_t len = fread(csv, 1, sizeof csv, f);
    fclose(f);
    sd_sheet_submit_t s;
    int rc = sd_sheets_submit(&t->pf, &a1, w->tid, csv, len, "sample-sheet.csv", &s);
    sd_sheet_errors_free(&s.errs);
    if (rc)
        fail_msg("submit the sample sheet: %s", sd_strerror(rc));
    sd_sheet_decision_t d;
    assert_int_equal(sd_sheets_decide(&t->pf, &a2, w->tid, s.id, true, NULL, &d), 0);
    sd_sheet_errors_free(&d.errs);
    assert_int_equal(d.refused, 0);
    assert_true(d.version >= 1);

    w->gw_row = sd_test_pf_client(t, SD_CLIENT_GATEWAY, og, w->tid, "GW 1", w->cid, w->secret);
}

static void start_platform(world_t *w)
{
    sd_pf_t *pf = &w->base.pf;
    pf->clock = sd_clock_system(); /* the gateway and the terminals live in real time */
    seed(w);
    assert_int_equal(sd_requests_start(pf, &w->req), 0);
    assert_int_equal(sd_alarms_start(pf, &w->alarms), 0);
    assert_int_equal(sd_alarms_run(w->alarms), 0);
    if (w->mqtt) {
        snprintf(w->broker_dir, sizeof w->broker_dir, "%s/broker", w->base.dir);
        assert_int_equal(mkdir(w->broker_dir, 0755), 0);
        chmod(w->base.dir, 0755); /* mosquitto reads its files even as another user */
        /* the files first (the broker starts with them), then the broker, then the client */
        sd_mqtt_config_t fc = {.broker_dir = w->broker_dir};
        sd_mqtt_binding_t *files = NULL;
        assert_int_equal(sd_mqtt_binding_start(pf, &fc, &files), 0);
        sd_mqtt_binding_stop(files);
        start_broker(w);
        char pidf[192];
        snprintf(pidf, sizeof pidf, "%s/mosquitto.pid", w->broker_dir);
        sd_mqtt_config_t mc = {.url = w->mqtt_url,
                               .broker_dir = w->broker_dir,
                               .pid_file = pidf,
                               .sync_ms = 1000,
                               .ingest = sd_ts_ingest,
                               .events = sd_event_ingest_json};
        assert_int_equal(sd_mqtt_binding_start(pf, &mc, &w->binding), 0);
    }
    sd_http_config_t hc;
    sd_http_config_defaults(&hc);
    hc.listen = "127.0.0.1:0";
    hc.grace_ms = 1000;
    hc.access_log = quiet_access;
    assert_int_equal(sd_http_server_new(&hc, &w->http), 0);
    sd_http_server_set_before(w->http, sd_session_hook, pf);
    assert_int_equal(sd_registry_routes(w->http, pf), 0);
    assert_int_equal(sd_api_master_routes(w->http, pf), 0);
    assert_int_equal(sd_ts_routes(w->http, pf), 0);
    assert_int_equal(sd_requests_routes(w->http, w->req), 0);
    assert_int_equal(sd_alarm_routes(w->http, pf), 0);
    if (w->binding)
        assert_int_equal(sd_api_mqtt_routes(w->http, w->binding), 0);
    assert_int_equal(sd_http_server_start(w->http), 0);
    snprintf(w->url, sizeof w->url, "http://127.0.0.1:%d", sd_http_server_port(w->http));
}

/* ---- the gateway ---------------------------------------------------------------------------- */

static void start_gateway(world_t *w)
{
    char qpath[128];
    snprintf(qpath, sizeof qpath, "%s/queue.db", w->base.dir);
    assert_int_equal(sd_gw_queue_open(qpath, 0, &w->q), 0);
    sd_gw_north_cfg_t nc = {
        .url = w->url, .client_id = w->cid, .client_secret = w->secret, .mqtt_url = w->mqtt_url};
    assert_int_equal(
        w->mqtt ? sd_gw_north_mqtt_new(&nc, &w->north) : sd_gw_north_http_new(&nc, &w->north), 0);
    sd_gw_cfg_t gc = {.listen = "tcp://127.0.0.1:0",
                      .workers = 4,
                      .accept_threads = 2,
                      .window_start_min = 60,
                      .window_len_min = 240,
                      .retries = 2,
                      .answer_timeout_ms = 5000,
                      .drift_s = 120,
                      .batch = 500,
                      .l3_grace_s = 3600,
                      .inv_refresh_s = 3600,
                      .collect_on_start = true, /* the daily collection, now */
                      .daily = false,
                      .x_guard = false, /* the test may run near the top of an hour */
                      .desig = {0, 1, 9, 0}};
    sd_gw_deps_t d = {
        .clock = sd_clock_system(), .queue = w->q, .north = w->north, .dialplan = w->dp};
    assert_int_equal(sd_gw_new(&gc, &d, &w->g), 0);
    assert_int_equal(sd_gw_load_inventory(w->g), 0);
    assert_int_equal(sd_gw_device_count(w->g), N_TERMS);
    assert_int_equal(sd_gw_start(w->g), 0);
    snprintf(w->dest, sizeof w->dest, "tcp://127.0.0.1:%d", sd_gw_listen_port(w->g));
}

static int world_setup(void **state, bool mqtt)
{
    world_t *w = sd_test_pf_new(sizeof *w, now_ms());
    *state = w;
    w->mqtt = mqtt;
    pthread_mutex_init(&w->fleet_mu, NULL);
    start_platform(w);
    make_fleet(w);
    start_gateway(w); /* its listener is the fleet's destination, set before the fleet runs */
    assert_int_equal(pthread_create(&w->fleet_th, NULL, fleet_main, w), 0);
    w->fleet_running = true;
    return 0;
}

static int setup_http(void **state)
{
    return world_setup(state, false);
}

static int setup_mqtt(void **state)
{
    return world_setup(state, true);
}

static int world_teardown(void **state)
{
    world_t *w = *state;
    if (!w)
        return 0;
    if (w->req)
        sd_requests_quiesce(w->req); /* the gateway's long-poll returns at once */
    sd_gw_free(w->g);
    sd_gw_north_free(&w->north);
    if (w->fleet_running) {
        atomic_store(&w->fleet_stop, true);
        pthread_join(w->fleet_th, NULL);
    }
    sd_fleet_free(w->fleet);
    sd_dialplan_free(w->dp);
    if (w->http) {
        sd_http_server_stop(w->http);
        sd_http_server_free(w->http);
    }
    sd_mqtt_binding_stop(w->binding);
    sd_alarms_stop(w->alarms);
    sd_requests_stop(w->req);
    stop_broker(w);
    if (w->q)
        sd_gw_queue_close(w->q);
    pthread_mutex_destroy(&w->fleet_mu);
    return sd_test_pf_teardown(state);
}

/* ---- the cases ------------------------------------------------------------------------------ */

static bool collected(world_t *w)
{
    sd_gw_qstats_t qs;
    sd_gw_queue_stats(w->q, &qs);
    /* 96 hourly analog values (X) and the present one (V), and the queue drained */
    return qs.data == 0 && count_samples(w, "gorin-l2.tank_level") >= 97 &&
           count_samples(w, "gorin-l2.water_meter") >= 96 &&
           count_samples(w, "gorin-l2.pump1_runtime") >= 4;
}

/* Daily collection: every hourly block of the terminal's ring, at the block's end (UTC instant
 * of the JST top of the hour), scaled as the master says; run-time days at JST midnight. */
static void case_daily_collection(void **state)
{
    world_t *w = *state;
    if (!wait_for(w, collected))
        fail_msg("collection: %lld tank_level, %lld water_meter samples",
                 (long long)count_samples(w, "gorin-l2.tank_level"),
                 (long long)count_samples(w, "gorin-l2.water_meter"));
    static sd_plant_hour_t hours[SD_PLANT_HOURS];
    sd_plant_runday_t days[SD_PLANT_DAYS];
    pthread_mutex_lock(&w->fleet_mu);
    int nh = sd_plant_hours(gorin_plant(w), hours);
    sd_plant_rundays(gorin_plant(w), days);
    int64_t plant_now_s = sd_plant_now(gorin_plant(w));
    pthread_mutex_unlock(&w->fleet_mu);
    assert_int_equal(nh, SD_PLANT_HOURS);
    int matched = 0;
    for (int i = 0; i < nh; i++) {
        int64_t ts = hours[i].end_s * 1000;
        assert_int_equal(ts % 3600000, 0);
        double v;
        if (!sample_at(w, "gorin-l2.tank_level", ts, &v)) {
            /* only the newest block may be younger than the collection */
            assert_int_equal(i, nh - 1);
            continue;
        }
        /* Ai1: 4 mA 0 m, 20 mA 5 m, 8 bits */
        assert_true(fabs(v - 5.0 * hours[i].ai[0] / 255.0) < 1e-9);
        assert_true(sample_at(w, "gorin-l2.delivery_pressure", ts, &v));
        assert_true(fabs(v - 1.0 * hours[i].ai[1] / 255.0) < 1e-9);
        /* Pi13: 0.1 m3 a pulse; Pi14: 1 kWh; Integ1 factor 1 */
        assert_true(sample_at(w, "gorin-l2.water_meter", ts, &v));
        assert_true(fabs(v - hours[i].pulse[0] * 0.1) < 1e-9);
        assert_true(sample_at(w, "gorin-l2.energy_meter", ts, &v));
        assert_true(fabs(v - hours[i].pulse[1] * 1.0) < 1e-9);
        assert_true(sample_at(w, "gorin-l2.delivered_volume", ts, &v));
        assert_true(fabs(v - hours[i].integ[0]) < 1e-9);
        matched++;
    }
    assert_true(matched >= SD_PLANT_HOURS - 1);
    /* nothing stored off the hour but the present values (V): X times are JST hours as UTC */
    int64_t off = sd_test_pf_int(&w->base,
                                 "SELECT COUNT(*) FROM samples WHERE point_id = $1 AND"
                                 " ts_ms % 3600000 <> 0",
                                 SD_PARAMS(SD_V_INT(point_id(w, "gorin-l2.water_meter"))));
    assert_int_equal(off, 0);
    /* run-time: yesterday (JST) closed, stored at its JST midnight = 15:00 UTC the day before */
    int64_t jst_today =
        (((plant_now_s + SD_JST_OFFSET_S) / 86400) * 86400 - SD_JST_OFFSET_S) * 1000;
    int64_t yday = jst_today - 86400000;
    assert_int_equal((yday / 1000 + SD_JST_OFFSET_S) % 86400, 0);
    double v;
    assert_true(sample_at(w, "gorin-l2.pump1_runtime", yday, &v));
    assert_true(fabs(v - days[1].on_minutes[0]) < 1e-9);
    assert_true(sample_at(w, "gorin-l2.pump2_runtime", yday, &v));
    assert_true(fabs(v - days[1].on_minutes[1]) < 1e-9);
    int64_t not_midnight = sd_test_pf_int(
        &w->base,
        "SELECT COUNT(*) FROM samples WHERE point_id = $1 AND (ts_ms / 1000 + 32400) % 86400 <> 0",
        SD_PARAMS(SD_V_INT(point_id(w, "gorin-l2.pump1_runtime"))));
    assert_int_equal(not_midnight, 0);
}

static bool alarm_raised(world_t *w)
{
    return sd_test_pf_int(&w->base,
                          "SELECT COUNT(*) FROM alarms WHERE tenant_id = $1 AND data_id ="
                          " 'gorin-l2.pump1_fault' AND state = 'unacked' AND severity = 2",
                          SD_PARAMS(SD_V_INT(w->tid))) >= 1;
}

/* A fault in the plant: the terminal calls (ENQ 2), the gateway stores the alarm point's sample,
 * the alarm engine raises the master's alarm (major). */
static void case_alarm_call(void **state)
{
    world_t *w = *state;
    pthread_mutex_lock(&w->fleet_mu);
    sd_plant_fault(gorin_plant(w), SD_FAULT_PUMP1, true);
    pthread_mutex_unlock(&w->fleet_mu);
    if (!wait_for(w, alarm_raised))
        fail_msg("no alarm for gorin-l2.pump1_fault");
    sd_ts_value_t v;
    assert_int_equal(sd_ts_latest(w->base.st, point_id(w, "gorin-l2.pump1_fault"), &v), 0);
    assert_true(v.value == 1);
    assert_true(llabs(v.ts_ms - now_ms()) < 120000);
    sd_fleet_stats_t fs;
    pthread_mutex_lock(&w->fleet_mu);
    sd_fleet_stats(w->fleet, &fs);
    pthread_mutex_unlock(&w->fleet_mu);
    assert_true(fs.calls_out_ok >= 1);
}

/* Submit a request as the AP-IF handler does and wait for its end; its state and result. */
static sd_req_state_t g_state;
static int64_t g_req;

static bool request_final(world_t *w)
{
    json_t *b = sd_request_brief(w->req, g_req, &g_state, NULL);
    json_decref(b);
    return b && sd_req_state_final(g_state);
}

static json_t *run_request(world_t *w, sd_req_kind_t kind, json_t *body)
{
    assert_int_equal(sd_request_submit(w->req, NULL, w->tid, kind, "gorin-l2", body, 30000, &g_req),
                     0);
    json_decref(body);
    if (!wait_for(w, request_final))
        fail_msg("request %lld not answered", (long long)g_req);
    json_t *result = NULL;
    json_t *b = sd_request_brief(w->req, g_req, &g_state, &result);
    char *txt = b ? json_dumps(b, 0) : NULL;
    if (g_state != SD_REQ_SUCCEEDED)
        fail_msg("request %lld: %s", (long long)g_req, txt ? txt : "?");
    free(txt);
    json_decref(b);
    assert_non_null(result);
    return result;
}

static const json_t *value_of(const json_t *result, const char *data_id)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(result, "values"), i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "data_id")), data_id))
            return e;
    }
    return NULL;
}

/* An AP-side read: V to the terminal, its present values in the result and in the store. */
static void case_read_request(void **state)
{
    world_t *w = *state;
    int64_t before = now_ms();
    json_t *res = run_request(w, SD_REQ_READ,
                              json_pack("{s:[s,s,s]}", "data_ids", "gorin-l2.tank_level",
                                        "gorin-l2.pump1_fault", "gorin-l2.pump2_run"));
    const json_t *lvl = value_of(res, "gorin-l2.tank_level");
    const json_t *flt = value_of(res, "gorin-l2.pump1_fault");
    assert_non_null(lvl);
    assert_non_null(flt);
    double v = json_number_value(json_object_get(lvl, "value"));
    /* an 8-bit reading of the terminal, scaled 0-5 m */
    double raw = v * 255.0 / 5.0;
    assert_true(v >= 0 && v <= 5 && fabs(raw - round(raw)) < 1e-6);
    assert_true(json_number_value(json_object_get(flt, "value")) == 1); /* the fault above */
    int64_t ts = sd_test_time(json_string_value(json_object_get(lvl, "ts")));
    assert_true(ts >= before - 60000 && ts <= now_ms() + 60000);
    /* the read's values were ingested too */
    double stored;
    assert_true(sample_at(w, "gorin-l2.tank_level", ts, &stored));
    assert_true(fabs(stored - v) < 1e-9);
    json_decref(res);
}

/* A control: W switches the plant's output by hand, the terminal reads back, a read shows the
 * pump running; "off" gives the output back to the plant. The pump chosen is one that is not
 * running (the lead pump alternates daily), so the read shows what the control did. */
static void case_control(void **state)
{
    world_t *w = *state;
    sd_plant_inputs_t in;
    pthread_mutex_lock(&w->fleet_mu);
    sd_plant_read(gorin_plant(w), &in);
    pthread_mutex_unlock(&w->fleet_mu);
    int k = in.di[SD_DI_PUMP2_RUN] && !in.di[SD_DI_PUMP1_RUN] ? 0 : 1;
    static const char *const out_id[] = {"gorin-l2.pump1_out", "gorin-l2.pump2_out"};
    static const char *const run_id[] = {"gorin-l2.pump1_run", "gorin-l2.pump2_run"};
    assert_false(in.manual[k]);
    assert_false(in.out[k]);

    json_t *res =
        run_request(w, SD_REQ_CONTROL, json_pack("{s:s,s:s}", "data_id", out_id[k], "value", "on"));
    assert_int_equal(json_integer_value(json_object_get(res, "output_no")), k + 1);
    assert_string_equal(json_string_value(json_object_get(res, "value")), "on");
    json_decref(res);
    pthread_mutex_lock(&w->fleet_mu);
    sd_plant_read(gorin_plant(w), &in);
    pthread_mutex_unlock(&w->fleet_mu);
    assert_true(in.manual[k]);
    assert_true(in.out[k]);

    res = run_request(w, SD_REQ_READ, json_pack("{s:[s]}", "data_ids", run_id[k]));
    const json_t *run = value_of(res, run_id[k]);
    assert_non_null(run);
    assert_true(json_number_value(json_object_get(run, "value")) == 1);
    json_decref(res);

    res = run_request(w, SD_REQ_CONTROL,
                      json_pack("{s:s,s:s}", "data_id", out_id[k], "value", "off"));
    json_decref(res);
    pthread_mutex_lock(&w->fleet_mu);
    sd_plant_read(gorin_plant(w), &in);
    pthread_mutex_unlock(&w->fleet_mu);
    assert_false(in.manual[k]);
    assert_false(in.out[k]);
}

static bool events_in(world_t *w)
{
    return count_events(w, "gateway_start", NULL) >= 1 &&
           count_events(w, "terminal_call", "gorin-l2") >= 1;
}

/* Events: the gateway's start and the terminal's call reach the platform. */
static void case_events(void **state)
{
    world_t *w = *state;
    if (!wait_for(w, events_in))
        fail_msg("events: gateway_start %lld, terminal_call %lld",
                 (long long)count_events(w, "gateway_start", NULL),
                 (long long)count_events(w, "terminal_call", "gorin-l2"));
    /* from this gateway */
    assert_int_equal(sd_test_pf_int(&w->base,
                                    "SELECT COUNT(*) FROM events WHERE kind = 'gateway_start' AND"
                                    " gw_id = $1",
                                    SD_PARAMS(SD_V_INT(w->gw_row))),
                     1);
    if (w->mqtt) {
        /* and it came through the broker: the gateway logged in there with its MQTT account */
        sd_scope_t scope;
        char cid[SD_MQTT_CID_MAX + 1], pw[SD_MQTT_PW_SIZE], log[256], who[SD_MQTT_CID_MAX + 8];
        assert_int_equal(sd_mqtt_binding_credentials(w->binding, w->gw_row, &scope, cid, pw), 0);
        snprintf(log, sizeof log, "%s/mosquitto.log", w->broker_dir);
        snprintf(who, sizeof who, "u'%s'", cid);
        assert_true(file_has(log, who));
    }
}

int main(void)
{
    sd_log_set_level(getenv("SUIDO_TEST_VERBOSE") ? SD_LOG_INFO : SD_LOG_WARN);
    signal(SIGPIPE, SIG_IGN);
    atexit(kill_broker_at_exit);
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(case_daily_collection),
        cmocka_unit_test(case_control), /* before the alarm: both pumps can run */
        cmocka_unit_test(case_alarm_call),
        cmocka_unit_test(case_read_request),
        cmocka_unit_test(case_events),
    };
    int failed = cmocka_run_group_tests_name("gw conformance: north http", cases, setup_http,
                                             world_teardown);
    failed += cmocka_run_group_tests_name("gw conformance: north mqtt", cases, setup_mqtt,
                                          world_teardown);
    return failed;
}
