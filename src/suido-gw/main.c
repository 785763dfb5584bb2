/* main.c - suido-gw: the IoT gateway between legacy L2/L3 terminals and the platform (GW-IF).
 * The engine is lib/gw (gw.h): this is its configuration and life cycle. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "gw/gw.h"

static const char usage[] =
    "usage: suido-gw [--config FILE] [--set section.key=value ...] [--print-config]\n"
    "The gateway of docs/gwif.md: collects hourly data from L2 terminals once a day, takes\n"
    "terminal calls (alarms, reports) at any time, executes platform requests, and forwards\n"
    "everything through a persistent store-and-forward queue. Keys (etc/suido-gw.conf):\n"
    "  gw.data_dir = ./run/gw           the queue (queue.db, SQLite WAL) lives here\n"
    "  gw.log_level = info\n"
    "  north.binding = http             http | mqtt (docs/mqtt.md; password via GET "
    "/gwif/v1/mqtt)\n"
    "  north.mqtt_url = mqtt://127.0.0.1:1883   the broker, for binding mqtt (mqtts:// = TLS)\n"
    "  north.mqtt_cafile =              mqtts: CA file of the broker's certificate (the\n"
    "                                   platform CA, GET /gwif/v1/certificates?format=pem)\n"
    "  north.url = http://127.0.0.1:8080\n"
    "  north.client_id / north.client_secret   the gateway's registry credential\n"
    "  north.inventory_file =           read the inventory from this JSON file (the body of\n"
    "                                   GET /gwif/v1/inventory) instead of the platform\n"
    "  north.inventory_refresh = 1h     re-read the inventory at least this often\n"
    "  north.batch = 500                items per upload\n"
    "  queue.max_bytes = 256000000      bound of the queue; queue_full event at 90 %\n"
    "  south.listen = tcp://127.0.0.1:7100   where terminals call the center ('' = nowhere)\n"
    "  south.dialplan = FILE            dial plan: tel -> link URL (link/dialplan.h format)\n"
    "  south.workers = 8                calls made at once (one per terminal at a time)\n"
    "  south.accept_threads = 4         calls taken at once\n"
    "  south.answer_timeout = 10s       request sent -> answer complete\n"
    "  south.retries = 3                tries of a poll or request before it fails\n"
    "  south.daily = true               collect every terminal once a day (X)\n"
    "  south.window_start = 60          collection window start, minutes after 00:00 JST\n"
    "  south.window_len = 240           its length in minutes (never +-5 min of an hour)\n"
    "  south.collect_on_start = false   also collect every terminal right after start\n"
    "  south.x_guard = true             no X within 5 min of the top of the hour (turn off\n"
    "                                   only for simulators: they close an hourly block at once)\n"
    "  south.drift_threshold = 120s     terminal clock off by more -> clock_drift event\n"
    "  south.l3_interval = 0            L3 designation: 0 monthly, 1 odd, 2 even months\n"
    "  south.l3_day = 1                 day 1-28 (0: send no designation)\n"
    "  south.l3_time = 0900             hhmm JST\n"
    "  south.l3_grace = 1h              a designated report later than this -> missed_report\n"
    "Prints 'suido-gw: ready' when running; SIGTERM/SIGINT stop it (the queue survives).\n";

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int mkdirs(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0750);
            *p = '/';
        }
    return mkdir(buf, 0750) && errno != EEXIST ? -1 : 0;
}

static int get_i(sd_config_t *c, const char *k, int64_t lo, int64_t hi, int64_t def, int *out)
{
    int64_t v;
    sd_config_error_t e;
    if (sd_config_get_int(c, k, lo, hi, def, &v, &e)) {
        fprintf(stderr, "suido-gw: %s\n", e.msg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_d(sd_config_t *c, const char *k, int64_t def, int *out)
{
    int64_t v;
    sd_config_error_t e;
    if (sd_config_get_duration(c, k, 0, 86400 * 30, def, &v, &e)) {
        fprintf(stderr, "suido-gw: %s\n", e.msg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_b(sd_config_t *c, const char *k, bool def, bool *out)
{
    sd_config_error_t e;
    if (sd_config_get_bool(c, k, def, out, &e)) {
        fprintf(stderr, "suido-gw: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int load_dialplan(sd_dialplan_t **dp, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "suido-gw: south.dialplan %s: %s\n", path, strerror(errno));
        return -1;
    }
    sd_buf_t b = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sd_buf_append(&b, buf, n);
    fclose(f);
    sd_dialplan_error_t e = {0};
    int rc = sd_dialplan_parse(b.data ? b.data : "", b.len, dp, &e);
    sd_buf_free(&b);
    if (rc)
        fprintf(stderr, "suido-gw: %s line %d: %s\n", path, e.line, e.msg);
    return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
    umask(077); /* its queue, state and keys are private to its user */
    const char *cfg_file = NULL, *sets[64];
    int nsets = 0;
    bool print = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--print-config")) {
            print = true;
        } else if (i + 1 < argc && !strcmp(a, "--config")) {
            cfg_file = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--set") && nsets < 64) {
            sets[nsets++] = argv[++i];
        } else if (!strncmp(a, "--", 2) && strchr(a, '=') && nsets < 64) {
            sets[nsets++] = a + 2;
        } else {
            fprintf(stderr, "suido-gw: unknown argument %s (see --help)\n", a);
            return 2;
        }
    }
    sd_config_t *cfg = NULL;
    int st = sd_config_for_program("suido-gw", cfg_file, sets, nsets, print, &cfg);
    if (st >= 0)
        return st;
    sd_log_set_ident("suido-gw");
    sd_log_set_level_name(sd_config_get_string(cfg, "gw.log_level", "info"));

    sd_gw_cfg_t gc = {0};
    sd_gw_north_cfg_t nc = {0};
    const char *data_dir = sd_config_get_string(cfg, "gw.data_dir", "./run/gw");
    const char *binding = sd_config_get_string(cfg, "north.binding", "http");
    nc.url = sd_config_get_string(cfg, "north.url", "http://127.0.0.1:8080");
    nc.client_id = sd_config_get_string(cfg, "north.client_id", "");
    nc.client_secret = sd_config_get_string(cfg, "north.client_secret", "");
    gc.inventory_file = sd_config_get_string(cfg, "north.inventory_file", "");
    gc.listen = sd_config_get_string(cfg, "south.listen", "tcp://127.0.0.1:7100");
    const char *dialplan = sd_config_get_string(cfg, "south.dialplan", "");
    const char *l3_time = sd_config_get_string(cfg, "south.l3_time", "0900");
    int64_t max_bytes = 0;
    int ans_s = 0, l3_day = 0, l3_int = 0;
    if (get_i(cfg, "south.workers", 1, 256, 8, &gc.workers) ||
        get_i(cfg, "south.accept_threads", 1, 64, 4, &gc.accept_threads) ||
        get_i(cfg, "south.window_start", 0, 1439, 60, &gc.window_start_min) ||
        get_i(cfg, "south.window_len", 1, 1440, 240, &gc.window_len_min) ||
        get_i(cfg, "south.retries", 1, 20, 3, &gc.retries) ||
        get_i(cfg, "north.batch", 1, 10000, 500, &gc.batch) ||
        get_i(cfg, "south.l3_interval", 0, 2, 0, &l3_int) ||
        get_i(cfg, "south.l3_day", 0, 28, 1, &l3_day) ||
        get_d(cfg, "south.answer_timeout", 10, &ans_s) ||
        get_d(cfg, "south.drift_threshold", 120, &gc.drift_s) ||
        get_d(cfg, "south.l3_grace", 3600, &gc.l3_grace_s) ||
        get_d(cfg, "north.inventory_refresh", 3600, &gc.inv_refresh_s) ||
        get_b(cfg, "south.daily", true, &gc.daily) ||
        get_b(cfg, "south.x_guard", true, &gc.x_guard) ||
        get_b(cfg, "south.collect_on_start", false, &gc.collect_on_start))
        return 2;
    {
        int64_t v;
        sd_config_error_t e;
        if (sd_config_get_int(cfg, "queue.max_bytes", 4096, INT64_C(1) << 50, 256000000, &v, &e)) {
            fprintf(stderr, "suido-gw: %s\n", e.msg);
            return 2;
        }
        max_bytes = v;
    }
    gc.answer_timeout_ms = ans_s * 1000;
    if (strlen(l3_time) != 4 || strspn(l3_time, "0123456789") != 4 || atoi(l3_time) / 100 > 23 ||
        atoi(l3_time) % 100 > 59) {
        fprintf(stderr, "suido-gw: south.l3_time: want hhmm\n");
        return 2;
    }
    gc.desig = (sd_line_l3_desig_t){l3_int, l3_day, atoi(l3_time) / 100, atoi(l3_time) % 100};
    nc.mqtt_url = sd_config_get_string(cfg, "north.mqtt_url", "mqtt://127.0.0.1:1883");
    nc.mqtt_cafile = sd_config_get_string(cfg, "north.mqtt_cafile", NULL);
    if (strcmp(binding, "http") && strcmp(binding, "mqtt")) {
        fprintf(stderr, "suido-gw: north.binding must be http or mqtt\n");
        return 2;
    }
    if ((!*nc.client_id || !*nc.client_secret)) {
        fprintf(stderr, "suido-gw: north.client_id and north.client_secret are required\n");
        return 2;
    }
    sd_gw_deps_t deps = {0};
    sd_dialplan_t *dp = NULL;
    if (*dialplan && load_dialplan(&dp, dialplan))
        return 2;
    deps.dialplan = dp;
    if (mkdirs(data_dir)) {
        fprintf(stderr, "suido-gw: gw.data_dir %s: %s\n", data_dir, strerror(errno));
        return 2;
    }
    char qpath[600];
    snprintf(qpath, sizeof qpath, "%s/queue.db", data_dir);
    int rc;
    if ((rc = sd_gw_queue_open(qpath, max_bytes, &deps.queue))) {
        fprintf(stderr, "suido-gw: queue %s: %s\n", qpath, sd_strerror(rc));
        return 1;
    }
    sd_gw_qstats_t qs;
    sd_gw_queue_stats(deps.queue, &qs);
    sd_info("queue %s: %lld samples, %lld events waiting", qpath, (long long)qs.data,
            (long long)qs.events);
    rc = !strcmp(binding, "mqtt") ? sd_gw_north_mqtt_new(&nc, &deps.north)
                                  : sd_gw_north_http_new(&nc, &deps.north);
    if (rc == SD_EINVAL)
        return 2;
    sd_gw_t *g = NULL;
    if (rc || (rc = sd_gw_new(&gc, &deps, &g))) {
        fprintf(stderr, "suido-gw: %s\n", sd_strerror(rc));
        return 1;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* the inventory first: without it no terminal can be mapped */
    int exit_code = 0;
    for (int tries = 0; !stop_flag; tries++) {
        rc = sd_gw_load_inventory(g);
        if (rc == 0)
            break;
        if (*gc.inventory_file && tries > 0) {
            exit_code = 1;
            break;
        }
        sleep(tries < 5 ? 1 : 5);
    }
    if (!stop_flag && !exit_code && (rc = sd_gw_start(g))) {
        fprintf(stderr, "suido-gw: south.listen %s: %s\n", gc.listen, sd_strerror(rc));
        exit_code = 1;
    }
    if (!stop_flag && !exit_code) {
        printf("suido-gw: ready, terminals call port %d, %zu devices\n", sd_gw_listen_port(g),
               sd_gw_device_count(g));
        fflush(stdout);
        while (!stop_flag)
            usleep(100000);
        sd_info("stopping");
    }
    sd_gw_free(g);
    sd_gw_north_free(&deps.north);
    sd_dialplan_free(dp);
    sd_gw_queue_close(deps.queue);
    sd_config_free(cfg);
    return exit_code;
}
