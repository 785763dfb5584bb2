/* suidod - the platform server: arguments, configuration, the platform, and the module table
 * (modules.c) run in order, then stopped in reverse on SIGTERM or SIGINT. */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "suidod.h"

static const char usage[] =
    "usage: suidod [--config FILE] [--set section.key=value ...] [--bootstrap-admin EMAIL]\n"
    "The suido platform server (PF): portal JSON API under /api/v1, AP-IF under /apif/v1.\n"
    "\n"
    "  --config FILE            configuration file (INI; see etc/suidod.conf)\n"
    "  --set KEY=VALUE          override one key, e.g. --set http.listen=127.0.0.1:9000\n"
    "  --bootstrap-admin EMAIL  create a platform_admin and print its provisional login id and\n"
    "                           password once (also done on the first start with no users,\n"
    "                           for admin@localhost)\n"
    "  --print-config           print the effective keys and exit\n"
    "  --help                   this text\n"
    "\n"
    "Keys (defaults):\n"
    "  data.dir = ./run/data            database, secret key\n"
    "  store.url = sqlite:///<data.dir>/suido.db   or postgresql://user@host:port/db\n"
    "  objects.url = file:///<data.dir>/objects[?quota=bytes]   AP-IF files (1 GiB/tenant)\n"
    "  http.listen = 127.0.0.1:8080     http.threads = 4, http.tls_cert / http.tls_key = PEM\n"
    "                                   files (HTTPS when both are set), http.max_conns = 512,\n"
    "                                   http.idle_timeout = 30s, http.grace = 10s,\n"
    "                                   http.max_conns_per_ip = 64, http.header_timeout = 20s,\n"
    "                                   http.body_timeout = 300s\n"
    "  web.root = (none)                directory of static files served at /\n"
    "  web.public_url = (notify.portal_url)  the portal's address as browsers see it behind a\n"
    "                                   proxy: cookie requests from another Origin are refused\n"
    "  auth.issuer = suido              TOTP issuer shown by authenticator apps\n"
    "  auth.session_idle = 30m          idle expiry of a portal session\n"
    "  auth.session_max = 12h           absolute expiry of a portal session\n"
    "  auth.token_ttl = 1h              AP-IF bearer token lifetime\n"
    "  auth.lockout_threshold = 5       failures before the account locks\n"
    "  limits.tenant_rps = 500          requests per second per tenant (0 = no limit), with\n"
    "  limits.tenant_burst = 1000       bursts up to this: one tenant cannot starve another\n"
    "  limits.login_per_min = 60        failed logins per client address (IPv6: per /64) and\n"
    "  limits.login_burst = 20          minute (0 = no limit), in bursts up to this: then 429\n"
    "  auth.login_concurrency = 0       password checks at once (0 = half the cores); a login\n"
    "                                   finding none free within 50 ms gets 503 + Retry-After\n"
    "  auth.lockout_base = 1m           first lock; doubles per further failure\n"
    "  auth.lockout_cap = 1h            longest lock\n"
    "  auth.password_cost = interactive interactive | moderate | min (tests only)\n"
    "  auth.secret_key_file = <data.dir>/secret.key   32-byte key sealing TOTP secrets and\n"
    "                                   the PKI's private keys\n"
    "  pki.dir = <data.dir>/pki         platform CA and PF certificate (payload protection)\n"
    "  log.level = info                 debug | info | warn | error\n"
    "  monitor.heartbeat = 15s          comment line on idle event streams (AP-IF #5-7)\n"
    "  monitor.webhook_timeout = 5s     one webhook POST; retried 5 times with back-off\n"
    "  monitor.webhook_allow = (none)   CIDR list (127.0.0.1/32, 10.1.0.0/16) of internal\n"
    "                                   addresses webhooks may reach; others (loopback, private,\n"
    "                                   link-local, CGNAT, multicast ...) are refused\n"
    "  mqtt.url = (none)                mqtt://host:port of the GW-IF broker (docs/mqtt.md)\n"
    "  mqtt.broker_dir = (none)         where suidod writes the broker's passwd and acl files\n"
    "  mqtt.broker_pid_file = (none)    the broker's pid file: SIGHUP after each rewrite\n"
    "  mqtt.sync_interval = 5s          how often the registry is compared with those files\n"
    "  mqtt.max_payload = 2097152       bytes of one uplink message (refused above, unparsed)\n"
    "  mqtt.cafile = <pki.dir>/ca.crt   CA of the broker's certificate, for mqtts:// URLs\n"
    "  mqtt.broker_tls = false          issue the broker's TLS certificate into\n"
    "                                   <broker_dir>/tls from the platform CA\n"
    "  mqtt.broker_tls_san = DNS:localhost,IP:127.0.0.1   the names in that certificate\n"
    "  alarm.deadband_pct = 2           analog alarm hysteresis, % of the limit span\n"
    "  alarm.delay = 0s                 on-delay of analog limit alarms\n"
    "  alarm.tenant.<id>.deadband_pct / alarm.tenant.<id>.delay   one tenant's defaults\n"
    "  alarm.flood_window = 60s         alarms raised within this window in one tenant ...\n"
    "  alarm.flood_threshold = 10       ... beyond this many form one flood group\n"
    "  alarm.no_contact_severity = 3    severity of no-contact alarms (1 critical .. 4 info)\n"
    "  alarm.no_data_after = 0s         a device silent this long is no contact (0 = off)\n"
    "  notify.smtp_url = (none)         smtp://host:25 or smtps://host:465 for alarm e-mail;\n"
    "                                   unset: mails wait in the outbox (GET "
    "/api/v1/notifications)\n"
    "  notify.from = suido@localhost    envelope and From: address\n"
    "  notify.username / notify.password  SMTP AUTH (optional)\n"
    "  notify.starttls = false          smtp:// must upgrade with STARTTLS\n"
    "  notify.cacert = (system)         CA file for smtps / STARTTLS\n"
    "  notify.portal_url = (none)       base of the links in e-mails\n"
    "  notify.escalate_1 = 15m          next contact when a severity-1 alarm is not acknowledged;\n"
    "  notify.escalate_2 = 30m          likewise for 2, 3 and 4 (0 = no escalation)\n"
    "  notify.escalate_3 = 60m, notify.escalate_4 = 0\n"
    "  notify.repeats = 2               times the ladder starts again after its last step\n"
    "  notify.digest = 08:30            JST time of the daily digest, or off\n"
    "  notify.retry_base = 30s          first retry of a failed send, doubling up to\n"
    "  notify.retry_max = 15m\n"
    "  notify.ops_to = (none)           platform operators' addresses, comma-separated\n"
    "  monitor.interval = 60s           resource sampling; thresholds (warn / fault), mailed\n"
    "                                   to notify.ops_to when crossed:\n"
    "  monitor.cpu_warn = 80, monitor.cpu_fault = 95           % busy\n"
    "  monitor.memory_warn = 85, monitor.memory_fault = 95     % of memory in use\n"
    "  monitor.disk_warn = 80, monitor.disk_fault = 90         % of data.dir's file system\n"
    "  monitor.db_size_mb_warn = 10240, monitor.db_size_mb_fault = 20480\n"
    "  monitor.outbox_warn = 100, monitor.outbox_fault = 1000  e-mails waiting\n"
    "  maint.overdue_check = 1h         how often overdue inspection visits are looked for\n"
    "                                   (each one mailed once: docs/maintenance.md)\n"
    "Signals: SIGTERM and SIGINT stop gracefully.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void print_login(const char *base, const char *login, const char *pw)
{
    printf("\n  platform administrator created; this password is shown only once:\n"
           "    login id:              %s\n"
           "    provisional password:  %s\n"
           "  log in and choose a password:\n"
           "    suidoctl --server %s login %s\n"
           "    suidoctl passwd\n\n",
           login, pw, base, login);
    fflush(stdout);
}

/*
 * The arguments, the configuration file and the --set overrides into *out, and log.level.
 * Returns -1 to go on, or the exit status (0 after --help and --print-config).
 */
static int load_config(int argc, char **argv, sd_config_t **out, const char **bootstrap)
{
    const char *cfg_file = NULL;
    int print_cfg = 0;
    sd_config_t *cfg = NULL;
    const char *sets[64];
    int nsets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--print-config")) {
            print_cfg = 1;
        } else if (i + 1 < argc && !strcmp(a, "--config")) {
            cfg_file = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--set") && nsets < 64) {
            sets[nsets++] = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--bootstrap-admin")) {
            *bootstrap = argv[++i];
        } else {
            fprintf(stderr, "suidod: unknown or incomplete option %s (see --help)\n", a);
            return 2;
        }
    }
    int st = sd_config_for_program("suidod", cfg_file, sets, nsets, print_cfg, &cfg);
    if (st >= 0)
        return st;
    sd_log_set_level_name(sd_config_get_string(cfg, "log.level", NULL));
    *out = cfg;
    return -1;
}

int main(int argc, char **argv)
{
    /* everything suidod creates (the database and its -wal/-shm, the broker's passwd, backups,
     * objects) is private to its user: the managed broker runs as the same user */
    umask(077);
    sd_log_set_ident("suidod");
    const char *bootstrap = NULL;
    sd_config_t *cfg = NULL;
    int st = load_config(argc, argv, &cfg, &bootstrap);
    if (st >= 0)
        return st;
    if (sodium_init() < 0)
        return 1;

    /* the platform, then every module (modules.c) set up before the server starts */
    static suidod_t d;
    d.cfg = cfg;
    st = suidod_open_platform(&d);
    if (!st)
        st = suidod_setup(&d);
    char login[32] = "", pw[SD_TOKEN_SIZE] = "";
    if (!st) /* the first start (or --bootstrap-admin) makes a platform administrator */
        st = suidod_bootstrap(&d, bootstrap, login, pw);
    if (st)
        return st;

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((st = suidod_start(&d)) != 0) /* the server listens, then the modules start */
        return st;
    printf("suidod ready on %s\n", d.base);
    if (*login)
        print_login(d.base, login, pw);
    else
        printf("  log in: suidoctl --server %s login <login-id>\n", d.base);
    fflush(stdout);
    sodium_memzero(pw, sizeof pw);

    while (!stop_flag)
        pause();
    sd_info("stopping");
    suidod_stop(&d);
    suidod_close_platform(&d);
    sd_config_free(cfg);
    sd_info("stopped");
    return 0;
}
