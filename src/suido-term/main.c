/* suido-term - the terminal simulator: a fleet of L2/L3 terminals speaking the real line protocol.
 */
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "sim/fleet.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: suido-term [options]\n"
    "Simulates L2 remote-control terminals and L3 automatic-notification devices speaking the\n"
    "line protocol of docs/terminal-protocol.md, each with a small plant (tank, pumps, meters).\n"
    "\n"
    "  --listen HOST:PORT   one L2 terminal with the default configuration (quick start)\n"
    "  --config FILE        a fleet file (see etc/sample-fleet.conf)\n"
    "  --count N            generate N terminals (tels 090000NNNNNN, ports base+1..base+N)\n"
    "  --kind L2|L3         kind of generated terminals (default L2)\n"
    "  --host ADDR          address fleet ports listen on (default 127.0.0.1)\n"
    "  --base-port N        fleet ports are offsets from N (default 7200; 0 = any free port)\n"
    "  --modem URL          a modem port: tcp://HOST:PORT or pty: (answers ATD<tel>)\n"
    "  --control HOST:PORT  control port for fault injection (fault/drift/noise/drop/mute/status)\n"
    "  --center URL         dial-out destination, up to 3 times (default: the file's "
    "fleet.center)\n"
    "  --time-scale X       simulated seconds per real second (default 1)\n"
    "  --start ISO8601      simulated time at start (default: now)\n"
    "  --history-hours N    hours of data already in each terminal's ring (default: the\n"
    "                       file's fleet.history_hours, else 96)\n"
    "  --retry-ms N         pause between dial-out attempts (default 2000)\n"
    "  --seed N             noise seed (default 1)\n"
    "  --help               this text\n"
    "Signals: SIGUSR1 cuts the power of every terminal's plant, SIGUSR2 restores it.\n"
    "Port 0 (--listen HOST:0, --base-port 0, --modem tcp://HOST:0, --control HOST:0) binds any\n"
    "free port; standard output then tells which, one line per listener, then 'ready':\n"
    "  terminal INDEX L2|L3 tel TEL port PORT NAME   (port -1: not listening)\n"
    "  modem tcp port PORT | modem pty PATH | control port PORT\n";

static volatile sig_atomic_t stop_flag, power_cut, power_back;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        power_cut = 1;
    else if (sig == SIGUSR2)
        power_back = 1;
    else
        stop_flag = 1;
}

struct opts {
    const char *listen, *config, *kind, *host, *control, *start;
    const char *modem[8];
    int n_modem;
    const char *center[3];
    int n_center;
    long count, base_port, history_hours, retry_ms;
    double scale;
    unsigned long long seed;
};

/* Split "host:port" into a tcp:// URL. */
static void tcp_url(char *out, size_t n, const char *hostport)
{
    snprintf(out, n, "%s%s", strncmp(hostport, "tcp://", 6) ? "tcp://" : "", hostport);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.kind = "L2",
                       .host = "127.0.0.1",
                       .base_port = 7200,
                       .history_hours = -1, /* not given: the file's, else 96 */
                       .retry_ms = 2000,
                       .scale = 1.0,
                       .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "suido-term: %s needs a value (or unknown option)\n", a);
            return -1;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (!strcmp(a, "--listen"))
            o->listen = v;
        else if (!strcmp(a, "--config"))
            o->config = v;
        else if (!strcmp(a, "--kind"))
            o->kind = v;
        else if (!strcmp(a, "--host"))
            o->host = v;
        else if (!strcmp(a, "--control"))
            o->control = v;
        else if (!strcmp(a, "--start"))
            o->start = v;
        else if (!strcmp(a, "--modem") && o->n_modem < 8)
            o->modem[o->n_modem++] = v;
        else if (!strcmp(a, "--center") && o->n_center < 3)
            o->center[o->n_center++] = v;
        else if (!strcmp(a, "--count"))
            o->count = strtol(v, &end, 10);
        else if (!strcmp(a, "--base-port"))
            o->base_port = strtol(v, &end, 10);
        else if (!strcmp(a, "--history-hours")) {
            o->history_hours = strtol(v, &end, 10);
            if (o->history_hours < 0)
                o->history_hours = 97; /* refused below with the range */
        } else if (!strcmp(a, "--retry-ms"))
            o->retry_ms = strtol(v, &end, 10);
        else if (!strcmp(a, "--time-scale"))
            o->scale = strtod(v, &end);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, &end, 10);
        else {
            fprintf(stderr, "suido-term: unknown option %s (see --help)\n", a);
            return -1;
        }
        if (end && (*end || end == v)) {
            fprintf(stderr, "suido-term: %s: not a number: %s\n", a, v);
            return -1;
        }
    }
    if (o->count < 0 || o->count > 20000 || o->history_hours < -1 || o->history_hours > 96 ||
        o->scale <= 0 || o->base_port < 0 || o->base_port > 65535) {
        fprintf(stderr, "suido-term: --count 0..20000, --history-hours 0..96, --time-scale > 0\n");
        return -1;
    }
    if (strcmp(o->kind, "L2") && strcmp(o->kind, "L3")) {
        fprintf(stderr, "suido-term: --kind must be L2 or L3\n");
        return -1;
    }
    return 0;
}

static int add_term(sd_fleet_t *f, const char *name, const sd_sim_term_cfg_t *cfg, int64_t now,
                    long history_h, const char *listen_url)
{
    sd_sim_term_t *t = sd_sim_term_new(cfg, now - history_h * 3600, now);
    if (!t)
        return SD_ENOMEM;
    int i = sd_fleet_add(f, name, t, listen_url);
    if (i < 0)
        fprintf(stderr, "suido-term: %s: cannot listen on %s: %s\n", name,
                listen_url ? listen_url : "-", sd_strerror(i));
    return i;
}

struct file_ctx {
    char names[512][64];
    int n;
};

static int collect_names(void *ctx, const char *key, const char *value, size_t line)
{
    struct file_ctx *fc = ctx;
    if (strncmp(key, "terminal.", 9))
        return 0;
    const char *name = key + 9, *dot = strchr(name, '.');
    size_t len = dot ? (size_t)(dot - name) : strlen(name);
    if (!len || len >= 64)
        return 0;
    for (int i = 0; i < fc->n; i++)
        if (strlen(fc->names[i]) == len && !strncmp(fc->names[i], name, len))
            return 0;
    if (fc->n < 512) {
        memcpy(fc->names[fc->n], name, len);
        fc->names[fc->n++][len] = '\0';
    }
    return 0;
}

static int get_num(const sd_config_t *c, const char *name, const char *field, int64_t lo,
                   int64_t hi, int64_t def, int *out)
{
    char key[160];
    int64_t v;
    sd_config_error_t err;
    snprintf(key, sizeof key, "terminal.%s.%s", name, field);
    if (sd_config_get_int(c, key, lo, hi, def, &v, &err)) {
        fprintf(stderr, "suido-term: %s\n", err.msg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int add_file_terms(sd_fleet_t *f, const sd_config_t *c, const struct opts *o, int64_t now)
{
    struct file_ctx *fc = calloc(1, sizeof *fc);
    if (!fc)
        return -1;
    sd_config_foreach(c, collect_names, fc);
    int rc = 0;
    for (int i = 0; rc == 0 && i < fc->n; i++) {
        const char *name = fc->names[i];
        char key[160];
        sd_sim_term_cfg_t tc;
        sd_sim_term_cfg_default(&tc);
        snprintf(key, sizeof key, "terminal.%s.kind", name);
        tc.kind = !strcmp(sd_config_get_string(c, key, "L2"), "L3") ? SD_SIM_L3 : SD_SIM_L2;
        snprintf(key, sizeof key, "terminal.%s.name", name);
        snprintf(tc.name, sizeof tc.name, "%s", sd_config_get_string(c, key, name));
        snprintf(key, sizeof key, "terminal.%s.tel", name);
        snprintf(tc.tel, sizeof tc.tel, "%s", sd_config_get_string(c, key, ""));
        int port = 0;
        if (get_num(c, name, "branch", 0, 99, 1, &tc.branch) ||
            get_num(c, name, "office", 0, 99, 2, &tc.office) ||
            get_num(c, name, "estate", 0, 999, 0, &tc.estate) ||
            get_num(c, name, "number", 0, 99, 1, &tc.number) ||
            get_num(c, name, "port", 0, 65535, 0, &port)) {
            rc = -1;
            break;
        }
        tc.seed = o->seed + (uint64_t)i * 7919;
        char url[128];
        snprintf(url, sizeof url, "tcp://%s:%ld", o->host, o->base_port ? o->base_port + port : 0);
        if (add_term(f, name, &tc, now, o->history_hours, port ? url : NULL) < 0)
            rc = -1;
    }
    free(fc);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;
    sd_log_set_ident("suido-term");
    if (parse_args(argc, argv, &o))
        return 2;
    int64_t start_s;
    if (!o.start)
        start_s = sd_clock_wall_ms(sd_clock_system()) / 1000;
    else if (sd_iso8601_parse(o.start, &start_s)) {
        fprintf(stderr, "suido-term: --start: not an ISO 8601 time with zone: %s\n", o.start);
        return 2;
    }
    sd_config_t *file = NULL;
    sd_config_error_t cerr;
    if (o.config && sd_config_load_file(o.config, &file, &cerr)) {
        fprintf(stderr, "suido-term: %s:%zu: %s\n", o.config, cerr.line, cerr.msg);
        return 2;
    }
    /* the fleet file's history_hours unless the command line gave one: a fleet that starts with
     * its terminals' 4-day ring full shows trends of four days from the first collection */
    if (o.history_hours < 0) {
        int64_t h = 96;
        if (file && sd_config_get_int(file, "fleet.history_hours", 0, 96, 96, &h, &cerr)) {
            fprintf(stderr, "suido-term: %s: %s\n", o.config, cerr.msg);
            sd_config_free(file);
            return 2;
        }
        o.history_hours = (long)h;
    }
    if (!o.config && !o.listen && !o.count && !o.n_modem) {
        fprintf(stderr, "suido-term: nothing to simulate: give --listen, --config or --count\n");
        return 2;
    }
    sd_clock_t *clock = sd_clock_scaled_new(sd_clock_system(), o.scale, start_s * 1000);
    sd_fleet_opts_t fo = {.clock = clock, .retry_ms = (int)o.retry_ms};
    /* destinations from the command line win over the file's */
    for (int i = 0; i < o.n_center; i++)
        fo.dest_url[i] = o.center[i];
    if (!o.n_center && file)
        fo.dest_url[0] = sd_config_get_string(file, "fleet.center", NULL);
    sd_fleet_t *f = clock ? sd_fleet_new(&fo) : NULL;
    int rc = f ? 0 : 1;
    if (!rc && file)
        rc = add_file_terms(f, file, &o, start_s) ? 1 : 0;
    if (!rc && o.listen) {
        sd_sim_term_cfg_t tc;
        char url[128];
        sd_sim_term_cfg_default(&tc);
        tcp_url(url, sizeof url, o.listen);
        rc = add_term(f, "default", &tc, start_s, o.history_hours, url) < 0;
    }
    for (long i = 0; !rc && i < o.count; i++) {
        sd_sim_term_cfg_t tc;
        char name[32], url[128];
        sd_sim_term_cfg_default(&tc);
        tc.kind = !strcmp(o.kind, "L3") ? SD_SIM_L3 : SD_SIM_L2;
        snprintf(name, sizeof name, "sim-%05ld", i + 1);
        snprintf(tc.name, sizeof tc.name, "%s", name);
        snprintf(tc.tel, sizeof tc.tel, "090%09d", (int)((i + 1) % 1000000000));
        tc.estate = (int)((i / 100) % 1000);
        tc.number = (int)(i % 100);
        tc.seed = o.seed + (uint64_t)i * 7919;
        snprintf(url, sizeof url, "tcp://%s:%ld", o.host, o.base_port ? o.base_port + i + 1 : 0);
        rc = add_term(f, name, &tc, start_s, o.history_hours, url) < 0;
    }
    for (int i = 0; !rc && i < o.n_modem; i++)
        if ((rc = sd_fleet_add_modem(f, o.modem[i])))
            fprintf(stderr, "suido-term: modem %s: %s\n", o.modem[i], sd_strerror(rc));
    if (!rc && o.control) {
        char url[128];
        tcp_url(url, sizeof url, o.control);
        if ((rc = sd_fleet_add_control(f, url)))
            fprintf(stderr, "suido-term: control %s: %s\n", o.control, sd_strerror(rc));
    }
    if (!rc) {
        for (int i = 0; i < sd_fleet_count(f); i++) {
            const sd_sim_term_cfg_t *tc = sd_sim_term_cfg(sd_fleet_term(f, i));
            printf("terminal %d L%d tel %s port %d %s\n", i, (int)tc->kind, tc->tel,
                   sd_fleet_port(f, i), tc->name);
        }
        for (int i = 0; i < o.n_modem; i++)
            if (sd_fleet_modem_port(f, i) > 0)
                printf("modem tcp port %d\n", sd_fleet_modem_port(f, i));
        for (int i = 0; sd_fleet_pty_path(f, i); i++)
            printf("modem pty %s\n", sd_fleet_pty_path(f, i));
        if (o.control)
            printf("control port %d\n", sd_fleet_control_port(f));
        printf("ready\n");
        fflush(stdout);
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGUSR2, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        while (!stop_flag && !rc) {
            if (power_cut)
                power_cut = 0, sd_fleet_fault_all(f, SD_FAULT_POWER_CUT, 1);
            if (power_back)
                power_back = 0, sd_fleet_fault_all(f, SD_FAULT_POWER_CUT, 0);
            rc = sd_fleet_step(f, 100);
        }
        sd_fleet_stats_t st;
        sd_fleet_stats(f, &st);
        sd_info("stopping: calls in %ld, dial-outs ok %ld failed %ld, frames %ld, naks %ld",
                st.calls_in, st.calls_out_ok, st.calls_out_failed, st.frames_answered, st.naks);
    }
    sd_fleet_free(f);
    sd_clock_scaled_free(clock);
    sd_config_free(file);
    return rc ? 1 : 0;
}
