/* suidod - the platform server: store, authentication, accounts, registry, AP-IF, portal API. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "api/routes.h"
#include "http/http.h"
#include "pf/broker/binding.h"
#include "pf/accounts/account.h"
#include "pf/alarms/alarm.h"
#include "api/apidoc.h"
#include "pf/data/backup.h"
#include "pf/notify/contact.h"
#include "pf/ops/incident.h"
#include "pf/master/master.h"
#include "pf/requests/monitor.h"
#include "pf/ops/opsmon.h"
#include "pf/notify/notify.h"
#include "pf/data/objstore.h"
#include "pf/pf.h"
#include "pf/protect/pki.h"
#include "api/accounts/session.h"
#include "pf/ops/sla.h"
#include "pf/requests/request.h"
#include "pf/data/ts.h"

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
    "                                   http.idle_timeout = 30s, http.grace = 10s\n"
    "  web.root = (none)                directory of static files served at /\n"
    "  auth.issuer = suido              TOTP issuer shown by authenticator apps\n"
    "  auth.session_idle = 30m          idle expiry of a portal session\n"
    "  auth.session_max = 12h           absolute expiry of a portal session\n"
    "  auth.token_ttl = 1h              AP-IF bearer token lifetime\n"
    "  auth.lockout_threshold = 5       failures before the account locks\n"
    "  limits.tenant_rps = 500          requests per second per tenant (0 = no limit), with\n"
    "  limits.tenant_burst = 1000       bursts up to this: one tenant cannot starve another\n"
    "  auth.lockout_base = 1m           first lock; doubles per further failure\n"
    "  auth.lockout_cap = 1h            longest lock\n"
    "  auth.password_cost = interactive interactive | moderate | min (tests only)\n"
    "  auth.secret_key_file = <data.dir>/secret.key   32-byte key sealing TOTP secrets and\n"
    "                                   the PKI's private keys\n"
    "  pki.dir = <data.dir>/pki         platform CA and PF certificate (payload protection)\n"
    "  log.level = info                 debug | info | warn | error\n"
    "  monitor.heartbeat = 15s          comment line on idle event streams (AP-IF #5-7)\n"
    "  monitor.webhook_timeout = 5s     one webhook POST; retried 5 times with back-off\n"
    "  mqtt.url = (none)                mqtt://host:port of the GW-IF broker (docs/mqtt.md)\n"
    "  mqtt.broker_dir = (none)         where suidod writes the broker's passwd and acl files\n"
    "  mqtt.broker_pid_file = (none)    the broker's pid file: SIGHUP after each rewrite\n"
    "  mqtt.sync_interval = 5s          how often the registry is compared with those files\n"
    "  alarm.deadband_pct = 2           analog alarm hysteresis, % of the limit span\n"
    "  alarm.delay = 0s                 on-delay of analog limit alarms\n"
    "  alarm.tenant.<id>.deadband_pct / alarm.tenant.<id>.delay   one tenant's defaults\n"
    "  alarm.flood_window = 60s         alarms raised within this window in one tenant ...\n"
    "  alarm.flood_threshold = 10       ... beyond this many form one flood group\n"
    "  alarm.no_contact_severity = 3    severity of no-contact alarms (1 critical .. 4 info)\n"
    "  alarm.no_data_after = 0s         a device silent this long is no contact (0 = off)\n"
    "  notify.smtp_url = (none)         smtp://host:25 or smtps://host:465 for alarm e-mail;\n"
    "                                   unset: mails wait in the outbox (GET /api/v1/notifications)\n"
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
    "Signals: SIGTERM and SIGINT stop gracefully.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int die_cfg(const char *what, const sd_config_error_t *e)
{
    fprintf(stderr, "suidod: %s: %s\n", what, e->msg);
    return 2;
}

/* mkdir -p for the data directory. */
static int mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Read the 32-byte sealing key, creating it (mode 0600) on first start. */
static int load_key(const char *path, unsigned char key[32])
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, key, 32);
        close(fd);
        return n == 32 ? 0 : SD_ECONFIG;
    }
    if (errno != ENOENT)
        return sd_err_from_errno(errno);
    randombytes_buf(key, 32);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return sd_err_from_errno(errno);
    ssize_t n = write(fd, key, 32);
    int rc = n == 32 && fsync(fd) == 0 ? 0 : SD_EIO;
    close(fd);
    return rc;
}

/* GW-IF over MQTT when mqtt.url or mqtt.broker_dir is set; *out stays NULL otherwise. */
static int start_mqtt(sd_config_t *cfg, sd_pf_t *pf, sd_mqtt_binding_t **out)
{
    sd_config_error_t ce = {0};
    int64_t sync_s;
    sd_mqtt_config_t mc = {.url = sd_config_get_string(cfg, "mqtt.url", NULL),
                           .broker_dir = sd_config_get_string(cfg, "mqtt.broker_dir", NULL),
                           .pid_file = sd_config_get_string(cfg, "mqtt.broker_pid_file", NULL),
                           .ingest = sd_ts_ingest,
                           .events = sd_event_ingest_json};
    if (sd_config_get_duration(cfg, "mqtt.sync_interval", 1, 3600, 5, &sync_s, &ce) != 0) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return SD_ECONFIG;
    }
    mc.sync_ms = (int)sync_s * 1000;
    return mc.url || mc.broker_dir ? sd_mqtt_binding_start(pf, &mc, out) : 0;
}

/* alarm.tenant.<id>.deadband_pct / .delay: one tenant's defaults. */
static int alarm_tenant_key(void *ctx, const char *key, const char *value, size_t line)
{
    sd_alarms_config_t *ac = ctx;
    long long tid = 0;
    char what[32] = "";
    (void)line;
    if (strncmp(key, "alarm.tenant.", 13) != 0)
        return 0;
    if (sscanf(key + 13, "%lld.%31s", &tid, what) != 2 || tid <= 0 ||
        (strcmp(what, "deadband_pct") != 0 && strcmp(what, "delay") != 0)) {
        fprintf(stderr, "suidod: config: %s: want alarm.tenant.<id>.deadband_pct or .delay\n", key);
        return SD_ECONFIG;
    }
    int slot = -1;
    for (int i = 0; i < SD_ALARM_TENANT_OVERRIDES && slot < 0; i++)
        if (ac->tenant[i].tenant_id == tid || ac->tenant[i].tenant_id == 0)
            slot = i;
    if (slot < 0) {
        fprintf(stderr, "suidod: config: more than %d alarm.tenant entries\n",
                SD_ALARM_TENANT_OVERRIDES);
        return SD_ECONFIG;
    }
    if (ac->tenant[slot].tenant_id == 0) {
        ac->tenant[slot].tenant_id = tid;
        ac->tenant[slot].deadband_pct = ac->deadband_pct;
        ac->tenant[slot].delay_s = ac->delay_s;
    }
    char *end = NULL;
    if (!strcmp(what, "deadband_pct")) {
        double v = strtod(value, &end);
        if (!*value || *end || !(v >= 0 && v <= 50)) {
            fprintf(stderr, "suidod: config: %s: %s is not a number in 0..50\n", key, value);
            return SD_ECONFIG;
        }
        ac->tenant[slot].deadband_pct = v;
        return 0;
    }
    /* a duration, parsed by the config layer's own rules */
    sd_config_t *one = sd_config_new();
    int64_t d = 0;
    sd_config_error_t ce = {0};
    int rc = one ? sd_config_set(one, "x.delay", value) : SD_ENOMEM;
    if (!rc)
        rc = sd_config_get_duration(one, "x.delay", 0, 86400, 0, &d, &ce);
    sd_config_free(one);
    if (rc) {
        fprintf(stderr, "suidod: config: %s: %s is not a duration of 0..1d\n", key, value);
        return SD_ECONFIG;
    }
    ac->tenant[slot].delay_s = (int)d;
    return 0;
}

/* The [alarm] section (see the usage text). */
static int alarm_config(sd_config_t *cfg, sd_alarms_config_t *ac)
{
    sd_config_error_t ce = {0};
    int64_t delay, win, thr, sev, nodata;
    sd_alarms_config_defaults(ac);
    const char *db = sd_config_get_string(cfg, "alarm.deadband_pct", NULL);
    if (db) {
        char *end = NULL;
        ac->deadband_pct = strtod(db, &end);
        if (!*db || *end || !(ac->deadband_pct >= 0 && ac->deadband_pct <= 50)) {
            fprintf(stderr, "suidod: config: alarm.deadband_pct: %s is not in 0..50\n", db);
            return SD_ECONFIG;
        }
    }
    if (sd_config_get_duration(cfg, "alarm.delay", 0, 86400, 0, &delay, &ce) ||
        sd_config_get_duration(cfg, "alarm.flood_window", 1, 86400, 60, &win, &ce) ||
        sd_config_get_int(cfg, "alarm.flood_threshold", 1, 1000000, 10, &thr, &ce) ||
        sd_config_get_int(cfg, "alarm.no_contact_severity", 1, 4, 3, &sev, &ce) ||
        sd_config_get_duration(cfg, "alarm.no_data_after", 0, 31 * 86400, 0, &nodata, &ce)) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return SD_ECONFIG;
    }
    ac->delay_s = (int)delay;
    ac->flood_window_s = (int)win;
    ac->flood_threshold = (int)thr;
    ac->no_contact_severity = (int)sev;
    ac->no_data_s = (int)nodata;
    return sd_config_foreach(cfg, alarm_tenant_key, ac);
}

/* The e-mail notifier from the notify.* keys (see usage). */
static int start_notify(sd_config_t *cfg, sd_pf_t *pf, sd_notify_t **out)
{
    sd_config_error_t ce = {0};
    sd_notify_config_t nc;
    sd_notify_config_defaults(&nc);
    nc.smtp_url = sd_config_get_string(cfg, "notify.smtp_url", NULL);
    nc.from = sd_config_get_string(cfg, "notify.from", nc.from);
    nc.username = sd_config_get_string(cfg, "notify.username", NULL);
    nc.password = sd_config_get_string(cfg, "notify.password", NULL);
    nc.cacert = sd_config_get_string(cfg, "notify.cacert", NULL);
    nc.portal_url = sd_config_get_string(cfg, "notify.portal_url", NULL);
    nc.ops_to = sd_config_get_string(cfg, "notify.ops_to", NULL);
    bool tls = false;
    int64_t v, rep;
    int rc = sd_config_get_bool(cfg, "notify.starttls", false, &tls, &ce);
    static const char *const esc[] = {NULL, "notify.escalate_1", "notify.escalate_2",
                                      "notify.escalate_3", "notify.escalate_4"};
    for (int i = 1; !rc && i <= 4; i++) {
        rc = sd_config_get_duration(cfg, esc[i], 0, 7 * 86400, nc.escalate_ms[i] / 1000, &v, &ce);
        nc.escalate_ms[i] = v * 1000;
    }
    if (!rc)
        rc = sd_config_get_int(cfg, "notify.repeats", 0, 100, nc.repeats, &rep, &ce);
    nc.repeats = (int)rep;
    if (!rc)
        rc = sd_config_get_duration(cfg, "notify.retry_base", 1, 86400, 30, &v, &ce);
    nc.retry_base_ms = v * 1000;
    if (!rc)
        rc = sd_config_get_duration(cfg, "notify.retry_max", 1, 86400, 900, &v, &ce);
    nc.retry_max_ms = v * 1000;
    nc.starttls = tls;
    const char *dg = sd_config_get_string(cfg, "notify.digest", "08:30");
    unsigned h, m;
    char end;
    if (!strcmp(dg, "off"))
        nc.digest_min = -1;
    else if (sscanf(dg, "%2u:%2u%c", &h, &m, &end) == 2 && h < 24 && m < 60)
        nc.digest_min = (int)(h * 60 + m);
    else {
        fprintf(stderr, "suidod: config: notify.digest: %s is not HH:MM or off\n", dg);
        return SD_ECONFIG;
    }
    if (rc) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return SD_ECONFIG;
    }
    return sd_notify_new(pf, &nc, out);
}

/* Operation monitoring from the monitor.* keys: thresholds of the host's resources. */
static int start_opsmon(sd_config_t *cfg, sd_pf_t *pf, const char *datadir, sd_notify_t *n,
                         sd_opsmon_t **out)
{
    sd_config_error_t ce = {0};
    sd_opsmon_config_t mc;
    sd_opsmon_config_defaults(&mc);
    mc.data_dir = datadir;
    static const char *const names[] = {"cpu", "memory", "disk", "db_size_mb", "outbox"};
    for (int i = 0; i < SD_RES__COUNT; i++) {
        char k[48];
        const char *v;
        char *end;
        for (int w = 0; w < 2; w++) {
            snprintf(k, sizeof k, "monitor.%s_%s", names[i], w ? "fault" : "warn");
            if (!(v = sd_config_get_string(cfg, k, NULL)))
                continue;
            double d = strtod(v, &end);
            if (!*v || *end || d < 0) {
                fprintf(stderr, "suidod: config: %s: %s is not a number >= 0\n", k, v);
                return SD_ECONFIG;
            }
            (w ? mc.fault : mc.warn)[i] = d;
        }
    }
    int64_t iv;
    if (sd_config_get_duration(cfg, "monitor.interval", 1, 3600, 60, &iv, &ce)) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return SD_ECONFIG;
    }
    mc.interval_ms = iv * 1000;
    return sd_opsmon_new(pf, &mc, n, out);
}

/* The daily backup (§2.8), on unless backup.enabled = false; *out stays NULL then. */
static int start_backup(sd_config_t *cfg, sd_pf_t *pf, const char *datadir, const char *store_url,
                        const char *keyfile, sd_backup_t **out)
{
    sd_config_error_t ce = {0};
    bool on = true;
    int64_t days, keep, interval, retry;
    char dir[PATH_MAX], objdir[PATH_MAX], defdir[PATH_MAX];
    if (snprintf(defdir, sizeof defdir, "%s/backups", datadir) >= (int)sizeof defdir)
        return SD_ECONFIG;
    const char *d = sd_config_get_string(cfg, "backup.dir", defdir);
    const char *at = sd_config_get_string(cfg, "backup.time", "03:00");
    int hh = -1, mm = -1;
    char extra;
    if (sd_config_get_bool(cfg, "backup.enabled", true, &on, &ce) ||
        sd_config_get_int(cfg, "backup.keep_days", 1, 36500, 7, &days, &ce) ||
        sd_config_get_duration(cfg, "backup.keep", 1, 36500LL * 86400, days * 86400, &keep, &ce) ||
        sd_config_get_duration(cfg, "backup.interval", 0, 86400, 0, &interval, &ce) ||
        sd_config_get_duration(cfg, "backup.retry", 1, 86400, 300, &retry, &ce)) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return SD_ECONFIG;
    }
    if (sscanf(at, "%d:%d%c", &hh, &mm, &extra) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59) {
        fprintf(stderr, "suidod: backup.time: %s is not HH:MM (JST)\n", at);
        return SD_ECONFIG;
    }
    if (!on)
        return 0;
    if (mkdirs(d) != 0 || !realpath(d, dir)) {
        fprintf(stderr, "suidod: backup.dir %s: %s\n", d, strerror(errno));
        return SD_ECONFIG;
    }
    if (sd_backup_objects_dir(sd_config_get_string(cfg, "objects.url", NULL), datadir, objdir,
                              sizeof objdir) != 0) {
        fprintf(stderr, "suidod: backup: objects.url is not a file:/// URL\n");
        return SD_ECONFIG;
    }
    char pkidir[PATH_MAX + 8];
    snprintf(pkidir, sizeof pkidir, "%s/pki", datadir);
    sd_backup_config_t bc = {.dir = dir,
                             .store_url = store_url,
                             .objects_dir = objdir,
                             .key_file = keyfile,
                             .pki_dir = sd_config_get_string(cfg, "pki.dir", pkidir),
                             .daily_min = hh * 60 + mm,
                             .interval_s = interval,
                             .keep_s = keep,
                             .retry_s = retry};
    return sd_backup_start(pf, &bc, out);
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

int main(int argc, char **argv)
{
    sd_log_set_ident("suidod");
    const char *cfg_file = NULL, *bootstrap = NULL;
    int print_cfg = 0;
    sd_config_t *cfg = NULL;
    sd_config_error_t ce = {0};
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
            bootstrap = argv[++i];
        } else {
            fprintf(stderr, "suidod: unknown or incomplete option %s (see --help)\n", a);
            return 2;
        }
    }
    int rc = cfg_file ? sd_config_load_file(cfg_file, &cfg, &ce) : 0;
    if (rc != 0)
        return die_cfg(cfg_file, &ce);
    if (!cfg && !(cfg = sd_config_new()))
        return 1;
    for (int i = 0; i < nsets; i++)
        if (sd_config_set_arg(cfg, sets[i]) != 0) {
            fprintf(stderr, "suidod: bad --set %s (want section.key=value)\n", sets[i]);
            return 2;
        }
    if (print_cfg) {
        sd_buf_t b = {0};
        sd_config_write(cfg, &b);
        fputs(b.data ? b.data : "", stdout);
        sd_buf_free(&b);
        return 0;
    }
    const char *lvl = sd_config_get_string(cfg, "log.level", NULL);
    if (lvl)
        sd_log_set_level(!strcmp(lvl, "debug")  ? SD_LOG_DEBUG
                         : !strcmp(lvl, "warn") ? SD_LOG_WARN
                         : !strcmp(lvl, "error") ? SD_LOG_ERROR
                                                 : SD_LOG_INFO);
    if (sodium_init() < 0)
        return 1;

    /* data dir, store, key */
    char datadir[PATH_MAX], url[PATH_MAX + 32], keyfile[PATH_MAX + 16];
    const char *dd = sd_config_get_string(cfg, "data.dir", "./run/data");
    if (mkdirs(dd) != 0 || !realpath(dd, datadir)) {
        fprintf(stderr, "suidod: data.dir %s: %s\n", dd, strerror(errno));
        return 1;
    }
    int lock_fd = -1;
    char lockmsg[512];
    if (sd_datadir_lock(datadir, true, &lock_fd, lockmsg, sizeof lockmsg) != 0) {
        fprintf(stderr, "suidod: %s\n", lockmsg);
        return 1;
    }
    snprintf(url, sizeof url, "sqlite://%s/suido.db", datadir);
    snprintf(keyfile, sizeof keyfile, "%s/secret.key", datadir);
    const char *store_url = sd_config_get_string(cfg, "store.url", url);

    sd_pf_t pf = {.clock = sd_clock_system(),
                  .issuer = sd_config_get_string(cfg, "auth.issuer", "suido")};
    int64_t v;
    struct {
        const char *key;
        int64_t def;
        int64_t *dst;
    } durs[] = {{"auth.session_idle", 1800, NULL}, {"auth.session_max", 12 * 3600, NULL},
                {"auth.token_ttl", 3600, NULL},     {"auth.lockout_base", 60, NULL},
                {"auth.lockout_cap", 3600, NULL}};
    int64_t vals[5];
    for (int i = 0; i < 5; i++) {
        if (sd_config_get_duration(cfg, durs[i].key, 1, 400LL * 86400, durs[i].def, &vals[i], &ce))
            return die_cfg("config", &ce);
    }
    pf.session_ttl_s = (int)vals[0];
    pf.session_max_s = (int)vals[1];
    pf.token_ttl_s = (int)vals[2];
    if (sd_config_get_int(cfg, "auth.lockout_threshold", 1, 1000, 5, &v, &ce))
        return die_cfg("config", &ce);
    pf.lockout = (sd_lockout_policy_t){(uint32_t)v, vals[3], vals[4]};
    int64_t rps, burst;
    if (sd_config_get_int(cfg, "limits.tenant_rps", 0, 1000000, 500, &rps, &ce) ||
        sd_config_get_int(cfg, "limits.tenant_burst", 1, 10000000, 1000, &burst, &ce))
        return die_cfg("config", &ce);
    if (rps > 0 && !(pf.tenant_limit = sd_ratelimit_new((double)rps, (double)burst)))
        return 1;
    const char *cost = sd_config_get_string(cfg, "auth.password_cost", "interactive");
    if (!strcmp(cost, "interactive"))
        pf.pw_params = sd_pw_params_interactive();
    else if (!strcmp(cost, "moderate"))
        pf.pw_params = sd_pw_params_moderate();
    else if (!strcmp(cost, "min"))
        pf.pw_params = sd_pw_params_min();
    else {
        fprintf(stderr, "suidod: auth.password_cost: %s is not interactive|moderate|min\n", cost);
        return 2;
    }
    rc = load_key(sd_config_get_string(cfg, "auth.secret_key_file", keyfile), pf.secret_key);
    if (rc != 0) {
        fprintf(stderr, "suidod: secret key: %s\n", sd_strerror(rc));
        return 1;
    }

    sd_store_t *st = NULL;
    rc = sd_store_open(store_url, &st);
    if (rc != 0) {
        fprintf(stderr, "suidod: store %s: %s: %s\n",
                strncmp(store_url, "postgres", 8) ? store_url : "(postgresql)", sd_strerror(rc),
                sd_store_errmsg());
        return 1;
    }
    pf.store = st;

    /* the notifier and the monitor exist before the server: the monitor is its access log */
    sd_notify_t *notify = NULL;
    sd_opsmon_t *opsmon = NULL;
    if ((rc = start_notify(cfg, &pf, &notify)) != 0 ||
        (rc = start_opsmon(cfg, &pf, datadir, notify, &opsmon)) != 0) {
        fprintf(stderr, "suidod: notify/monitor: %s\n", sd_strerror(rc));
        return rc == SD_ECONFIG ? 2 : 1;
    }
    sd_http_config_t hc;
    if (sd_http_config_load(cfg, "http", &hc, &ce) != 0)
        return die_cfg("config", &ce);
    hc.clock = pf.clock;
    hc.access_log = sd_opsmon_access;
    hc.access_log_ctx = opsmon;
    sd_http_server_t *srv = NULL;
    if ((rc = sd_http_server_new(&hc, &srv)) != 0) {
        fprintf(stderr, "suidod: http: %s\n", sd_strerror(rc));
        return 1;
    }
    sd_http_server_set_before(srv, sd_session_hook, &pf);
    rc = sd_account_init(&pf);
    if (!rc)
        rc = sd_account_routes(srv, &pf);
    if (!rc) /* the portal's TOTP enrolment QR code */
        rc = sd_totp_qr_routes(srv, &pf);
    if (!rc)
        rc = sd_tenant_routes(srv, &pf);
    if (!rc)
        rc = sd_org_routes(srv, &pf);
    if (!rc)
        rc = sd_user_routes(srv, &pf);
    if (!rc)
        rc = sd_registry_routes(srv, &pf);
    if (!rc)
        rc = sd_audit_routes(srv, &pf);
    if (!rc)
        rc = sd_api_master_routes(srv, &pf);
    sd_objstore_t *objects = NULL; /* AP-IF #11-16: documents, and files in the object store */
    if (!rc)
        rc = sd_objstore_open_default(sd_config_get_string(cfg, "objects.url", NULL), datadir,
                                      pf.store, &objects);
    if (!rc)
        rc = sd_api_object_routes(srv, &pf, objects);
    if (!rc)
        rc = sd_ts_routes(srv, &pf);
    sd_requests_t *reqs = NULL;
    if (!rc) /* AP-IF #4 reads, #8 controls; GW-IF inventory, requests (long-poll), replies */
        rc = sd_requests_start(&pf, &reqs);
    if (!rc)
        rc = sd_requests_routes(srv, reqs);
    if (!rc)
        rc = sd_pf_apidoc_routes(srv, &pf);
    sd_alarms_t *alarms = NULL;
    sd_alarms_config_t acfg;
    if (!rc && alarm_config(cfg, &acfg) != 0)
        return 2;
    if (!rc) /* alarms: routes, the sample observer, and a re-evaluation of the latest values */
        rc = sd_alarms_start_cfg(&pf, &acfg, &alarms);
    if (!rc)
        rc = sd_alarm_routes(srv, &pf);
    if (!rc) /* alarm e-mail by severity, with escalation (pf/notify.h) */
        rc = sd_alarms_listen(alarms, sd_notify_alarm, notify);
    if (!rc) /* listeners registered: the engine's thread re-evaluates, then follows samples */
        rc = sd_alarms_run(alarms);
    sd_monitors_t *monitors = NULL;
    if (!rc) { /* AP-IF #5-7: periodic monitors, pushed by server-sent events and webhooks */
        int64_t hb_s, wt_s;
        if (sd_config_get_duration(cfg, "monitor.heartbeat", 1, 3600, 15, &hb_s, &ce) ||
            sd_config_get_duration(cfg, "monitor.webhook_timeout", 1, 60, 5, &wt_s, &ce))
            return die_cfg("config", &ce);
        sd_monitors_config_t mc = {.heartbeat_ms = (int)hb_s * 1000,
                                   .webhook_timeout_ms = (int)wt_s * 1000};
        rc = sd_monitors_start(&pf, &mc, &monitors);
        if (!rc)
            rc = sd_monitors_routes(srv, monitors);
    }
    if (!rc)
        rc = sd_contact_routes(srv, &pf);
    if (!rc)
        rc = sd_notify_routes(srv, notify);
    if (!rc)
        rc = sd_opsmon_routes(srv, opsmon);
    if (!rc)
        rc = sd_incident_routes(srv, &pf);
    sd_sla_t *sla = NULL;
    if (!rc && !(rc = sd_sla_new(&pf, &sla)))
        rc = sd_sla_routes(srv, sla);
    /* AP-IF #9 / GW-IF #7 certificates and CMS payload protection (filters on /apif, /gwif) */
    char pkidir[PATH_MAX + 8];
    snprintf(pkidir, sizeof pkidir, "%s/pki", datadir);
    sd_pki_t *pki = NULL;
    if (!rc && (rc = sd_pki_open(&pf, sd_config_get_string(cfg, "pki.dir", pkidir), &pki)) != 0)
        fprintf(stderr, "suidod: pki: %s\n", sd_strerror(rc));
    if (!rc)
        rc = sd_pki_routes(srv, pki);
    sd_mqtt_binding_t *mqtt = NULL;
    if (!rc) /* GW-IF over MQTT: also writes the broker's accounts before it is started */
        rc = start_mqtt(cfg, &pf, &mqtt);
    if (!rc && mqtt)
        rc = sd_api_mqtt_routes(srv, mqtt);
    sd_backup_t *backup = NULL;
    if (!rc)
        rc = start_backup(cfg, &pf, datadir, store_url,
                          sd_config_get_string(cfg, "auth.secret_key_file", keyfile), &backup);
    if (!rc && backup)
        rc = sd_api_backup_routes(srv, backup);
    const char *web = sd_config_get_string(cfg, "web.root", NULL);
    if (!rc && web)
        rc = sd_http_static(srv, "/", web, 0);
    if (rc != 0) {
        fprintf(stderr, "suidod: setting up routes: %s\n", sd_strerror(rc));
        return 1;
    }

    /* the first start (or --bootstrap-admin) makes a platform administrator */
    int64_t nusers = 0;
    char login[32] = "", pw[SD_TOKEN_SIZE] = "";
    if ((rc = sd_account_count_users(&pf, &nusers)) == 0 && (bootstrap || nusers == 0))
        rc = sd_account_bootstrap(&pf, bootstrap ? bootstrap : "admin@localhost", login, pw);
    if (rc != 0) {
        fprintf(stderr, "suidod: bootstrap: %s %s\n", sd_strerror(rc), sd_store_errmsg());
        return 1;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((rc = sd_http_server_start(srv)) != 0) {
        fprintf(stderr, "suidod: cannot listen on %s: %s\n", hc.listen, sd_strerror(rc));
        return 1;
    }
    if ((rc = sd_notify_start(notify)) != 0 || (rc = sd_opsmon_start(opsmon)) != 0) {
        fprintf(stderr, "suidod: notify: %s\n", sd_strerror(rc));
        return 1;
    }
    char base[128];
    snprintf(base, sizeof base, "%s://%s", hc.tls_cert_file ? "https" : "http", hc.listen);
    char *colon = strrchr(base, ':');
    if (colon && !strcmp(colon, ":0"))
        snprintf(colon, sizeof base - (size_t)(colon - base), ":%d", sd_http_server_port(srv));
    sd_info("listening on %s (store %s, data %s)", base, sd_store_backend(st), datadir);
    if ((rc = sd_sla_start(sla, base)) != 0) { /* probes this server, once a minute */
        fprintf(stderr, "suidod: sla probes: %s\n", sd_strerror(rc));
        return 1;
    }
    printf("suidod ready on %s\n", base);
    if (*login)
        print_login(base, login, pw);
    else
        printf("  log in: suidoctl --server %s login <login-id>\n", base);
    fflush(stdout);
    sodium_memzero(pw, sizeof pw);

    while (!stop_flag)
        pause();
    sd_info("stopping");
    sd_requests_quiesce(reqs); /* long-polls and AP-IF waits answered now, not 503 */
    sd_sla_free(sla); /* its probes talk to the server: stop them first */
    sd_http_server_stop(srv);
    sd_http_server_free(srv);
    sd_objstore_close(objects);
    sd_opsmon_free(opsmon);
    sd_mqtt_binding_stop(mqtt);
    sd_monitors_stop(monitors); /* after every ingest path (HTTP, MQTT) has stopped */
    sd_requests_stop(reqs);
    sd_alarms_stop(alarms);
    sd_notify_free(notify); /* after the alarms, whose listener it is */
    sd_backup_stop(backup);
    sd_pki_free(pki); /* last: a late reply to a deferred request may still pass the filter */
    sd_ratelimit_free(pf.tenant_limit);
    sd_store_close(st);
    sd_config_free(cfg);
    close(lock_fd);
    sd_info("stopped");
    return 0;
}
