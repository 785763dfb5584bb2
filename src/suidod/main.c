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
#include "http/http.h"
#include "mqtt/binding.h"
#include "pf/account.h"
#include "pf/audit.h"
#include "pf/apidoc.h"
#include "pf/backup.h"
#include "pf/master.h"
#include "pf/objstore.h"
#include "pf/org.h"
#include "pf/pf.h"
#include "pf/pki.h"
#include "pf/registry.h"
#include "pf/session.h"
#include "pf/tenant.h"
#include "pf/request.h"
#include "pf/ts.h"
#include "pf/user.h"

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
    "  mqtt.url = (none)                mqtt://host:port of the GW-IF broker (docs/mqtt.md)\n"
    "  mqtt.broker_dir = (none)         where suidod writes the broker's passwd and acl files\n"
    "  mqtt.broker_pid_file = (none)    the broker's pid file: SIGHUP after each rewrite\n"
    "  mqtt.sync_interval = 5s          how often the registry is compared with those files\n"
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
                           .ingest = sd_ts_ingest};
    if (sd_config_get_duration(cfg, "mqtt.sync_interval", 1, 3600, 5, &sync_s, &ce) != 0) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return SD_ECONFIG;
    }
    mc.sync_ms = (int)sync_s * 1000;
    return mc.url || mc.broker_dir ? sd_mqtt_binding_start(pf, &mc, out) : 0;
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
    sd_backup_config_t bc = {.dir = dir,
                             .store_url = store_url,
                             .objects_dir = objdir,
                             .key_file = keyfile,
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

    sd_http_config_t hc;
    if (sd_http_config_load(cfg, "http", &hc, &ce) != 0)
        return die_cfg("config", &ce);
    hc.clock = pf.clock;
    sd_http_server_t *srv = NULL;
    if ((rc = sd_http_server_new(&hc, &srv)) != 0) {
        fprintf(stderr, "suidod: http: %s\n", sd_strerror(rc));
        return 1;
    }
    pf.http = srv;
    sd_http_server_set_before(srv, sd_session_hook, &pf);
    rc = sd_account_init(&pf);
    if (!rc)
        rc = sd_account_routes(&pf);
    if (!rc)
        rc = sd_tenant_routes(&pf);
    if (!rc)
        rc = sd_org_routes(&pf);
    if (!rc)
        rc = sd_user_routes(&pf);
    if (!rc)
        rc = sd_registry_routes(&pf);
    if (!rc)
        rc = sd_audit_routes(&pf);
    if (!rc)
        rc = sd_pf_master_routes(&pf);
    if (!rc) /* AP-IF #11-16: documents, and files in the object store */
        rc = sd_pf_object_routes(&pf, sd_config_get_string(cfg, "objects.url", NULL), datadir);
    if (!rc)
        rc = sd_ts_routes(&pf);
    sd_requests_t *reqs = NULL;
    if (!rc) /* AP-IF #4 reads, #8 controls; GW-IF inventory, requests (long-poll), replies */
        rc = sd_requests_start(&pf, &reqs);
    if (!rc)
        rc = sd_pf_apidoc_routes(&pf);
    /* AP-IF #9 / GW-IF #7 certificates and CMS payload protection (filters on /apif, /gwif) */
    char pkidir[PATH_MAX + 8];
    snprintf(pkidir, sizeof pkidir, "%s/pki", datadir);
    sd_pki_t *pki = NULL;
    if (!rc && (rc = sd_pki_open(&pf, sd_config_get_string(cfg, "pki.dir", pkidir), &pki)) != 0)
        fprintf(stderr, "suidod: pki: %s\n", sd_strerror(rc));
    if (!rc)
        rc = sd_pki_routes(pki);
    sd_mqtt_binding_t *mqtt = NULL;
    if (!rc) /* GW-IF over MQTT: also writes the broker's accounts before it is started */
        rc = start_mqtt(cfg, &pf, &mqtt);
    sd_backup_t *backup = NULL;
    if (!rc)
        rc = start_backup(cfg, &pf, datadir, store_url,
                          sd_config_get_string(cfg, "auth.secret_key_file", keyfile), &backup);
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
    char base[128];
    snprintf(base, sizeof base, "%s://%s", hc.tls_cert_file ? "https" : "http", hc.listen);
    char *colon = strrchr(base, ':');
    if (colon && !strcmp(colon, ":0"))
        snprintf(colon, sizeof base - (size_t)(colon - base), ":%d", sd_http_server_port(srv));
    sd_info("listening on %s (store %s, data %s)", base, sd_store_backend(st), datadir);
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
    sd_http_server_stop(srv);
    sd_http_server_free(srv);
    sd_mqtt_binding_stop(mqtt);
    sd_requests_stop(reqs);
    sd_backup_stop(backup);
    sd_pki_free(pki); /* last: a late reply to a deferred request may still pass the filter */
    sd_ratelimit_free(pf.tenant_limit);
    sd_store_close(st);
    sd_config_free(cfg);
    close(lock_fd);
    sd_info("stopped");
    return 0;
}
