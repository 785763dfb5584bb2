/* platform.c - suidod's platform: the data directory, the sealing key, the store, and the
 * context every service shares (sd_pf_t) from the auth.* and limits.* keys. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "suidod.h"

int suidod_mkdirs(const char *path)
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

/* Read the 32-byte sealing key, creating it (mode 0600) on first start (*created = 1). */
static int load_key(const char *path, unsigned char key[32], int *created)
{
    *created = 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, key, 32);
        close(fd);
        return n == 32 ? 0 : SD_ECONFIG;
    }
    if (errno != ENOENT)
        return sd_err_from_errno(errno);
    *created = 1;
    randombytes_buf(key, 32);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return sd_err_from_errno(errno);
    ssize_t n = write(fd, key, 32);
    int rc = n == 32 && fsync(fd) == 0 ? 0 : SD_EIO;
    close(fd);
    return rc;
}

/* The auth.* and limits.* keys into pf. 0 or the exit status. */
static int pf_config(sd_config_t *cfg, sd_pf_t *pf)
{
    sd_config_error_t ce = {0};
    pf->issuer = sd_config_get_string(cfg, "auth.issuer", "suido");
    int64_t v;
    static const struct {
        const char *key;
        int64_t def;
    } durs[] = {{"auth.session_idle", 1800},
                {"auth.session_max", 12 * 3600},
                {"auth.token_ttl", 3600},
                {"auth.lockout_base", 60},
                {"auth.lockout_cap", 3600}};
    int64_t vals[5];
    for (int i = 0; i < 5; i++) {
        if (sd_config_get_duration(cfg, durs[i].key, 1, 400LL * 86400, durs[i].def, &vals[i], &ce))
            return suidod_config_failed(&ce);
    }
    pf->session_ttl_s = (int)vals[0];
    pf->session_max_s = (int)vals[1];
    pf->token_ttl_s = (int)vals[2];
    if (sd_config_get_int(cfg, "auth.lockout_threshold", 1, 1000, 5, &v, &ce))
        return suidod_config_failed(&ce);
    pf->lockout = (sd_lockout_policy_t){(uint32_t)v, vals[3], vals[4]};
    int64_t rps, burst;
    if (sd_config_get_int(cfg, "limits.tenant_rps", 0, 1000000, 500, &rps, &ce) ||
        sd_config_get_int(cfg, "limits.tenant_burst", 1, 10000000, 1000, &burst, &ce))
        return suidod_config_failed(&ce);
    if (rps > 0 && !(pf->tenant_limit = sd_ratelimit_new((double)rps, (double)burst)))
        return 1;
    /* wrong AP/GW client secrets per (address, client id): a burst, then one per refill period */
    int64_t cburst, crefill;
    if (sd_config_get_int(cfg, "limits.connect_failures", 1, 100000, 10, &cburst, &ce) ||
        sd_config_get_duration(cfg, "limits.connect_refill", 1, 86400, 30, &crefill, &ce))
        return suidod_config_failed(&ce);
    if (!(pf->connect_limit = sd_ratelimit_new(1.0 / (double)crefill, (double)cburst)))
        return 1;
    /* failed logins per client address, checked before any password hashing */
    int64_t lpm, lburst, lhash;
    if (sd_config_get_int(cfg, "limits.login_per_min", 0, 100000, 60, &lpm, &ce) ||
        sd_config_get_int(cfg, "limits.login_burst", 1, 100000, 20, &lburst, &ce) ||
        sd_config_get_int(cfg, "auth.login_concurrency", 0, 1024, 0, &lhash, &ce))
        return suidod_config_failed(&ce);
    if (lpm > 0 && !(pf->login_limit = sd_ratelimit_new((double)lpm / 60.0, (double)lburst)))
        return 1;
    pf->login_hashes = (unsigned)lhash;
    /* behind a proxy the browser's Origin is not the Host suidod sees: say what it is */
    pf->public_url = sd_config_get_string(cfg, "web.public_url",
                                          sd_config_get_string(cfg, "notify.portal_url", NULL));
    const char *cost = sd_config_get_string(cfg, "auth.password_cost", "interactive");
    if (!strcmp(cost, "interactive"))
        pf->pw_params = sd_pw_params_interactive();
    else if (!strcmp(cost, "moderate"))
        pf->pw_params = sd_pw_params_moderate();
    else if (!strcmp(cost, "min"))
        pf->pw_params = sd_pw_params_min();
    else {
        fprintf(stderr, "suidod: auth.password_cost: %s is not interactive|moderate|min\n", cost);
        return 2;
    }
    return 0;
}

#define KEY_ID_SETTING "platform.key_id"

/*
 * The store and the secret key (and the PKI sealed with it) belong together: a store made with
 * another key cannot open its sealed secrets, and an empty store beside an existing key is a lost
 * or truncated database, not a new platform; starting anyway would make a second bootstrap admin
 * and a platform that silently forgot everything. So the store keeps the key's id (a keyed hash,
 * which tells nothing of the key) from its first start, and suidod refuses a store whose id
 * differs, or an empty store next to a key or PKI it did not just create. A store from before
 * the id existed (it has users) takes the id of the key it is started with.
 */
static int bind_store(suidod_t *d, const char *shown, int key_created, const char *pki_dir)
{
    static const char ctx[] = "suido store binding v1";
    unsigned char h[16];
    char id[2 * sizeof h + 1];
    crypto_generichash(h, sizeof h, (const unsigned char *)ctx, sizeof ctx - 1, d->pf.secret_key,
                       32);
    sodium_bin2hex(id, sizeof id, h, sizeof h);
    char *stored = NULL;
    int rc = sd_store_setting_get(d->pf.store, KEY_ID_SETTING, &stored);
    if (rc == 0) {
        int same = !strcmp(stored, id);
        if (!same)
            fprintf(stderr,
                    "suidod: store %s belongs to another secret key than %s (key id %s, the store "
                    "expects %s).\n"
                    "  Start with that store's own key and PKI (restore them from its backup), or "
                    "point store.url / auth.secret_key_file at a matching pair.\n",
                    shown, d->key_file, id, stored);
        free(stored);
        return same ? 0 : 1;
    }
    if (rc != SD_ENOTFOUND) {
        fprintf(stderr, "suidod: store %s: %s: %s\n", shown, sd_strerror(rc), sd_store_errmsg());
        return 1;
    }
    int64_t users = 0;
    if ((rc = sd_account_count_users(&d->pf, &users)) != 0) {
        fprintf(stderr, "suidod: store %s: %s: %s\n", shown, sd_strerror(rc), sd_store_errmsg());
        return 1;
    }
    char ca[PATH_MAX + 16];
    snprintf(ca, sizeof ca, "%s/ca.crt", pki_dir);
    int pki = access(ca, F_OK) == 0;
    if (users == 0 && (!key_created || pki)) {
        fprintf(stderr,
                "suidod: store %s is empty, but %s already exists: this is not a new platform.\n"
                "  The database was lost, truncated or replaced; refusing to start a new platform "
                "(with a new administrator) beside the old key%s.\n"
                "  Restore the store from a backup (suidoctl restore), or point store.url at the "
                "right database. To really start anew, move %s%s%s away first.\n",
                shown, key_created ? ca : d->key_file, pki ? " and PKI" : "",
                key_created ? "" : d->key_file, key_created || !pki ? "" : " and ",
                pki ? pki_dir : "");
        if (key_created) /* not left behind to be taken for an old platform's key next time */
            unlink(d->key_file);
        return 1;
    }
    if ((rc = sd_store_setting_set(d->pf.store, KEY_ID_SETTING, id)) != 0) {
        fprintf(stderr, "suidod: store %s: %s: %s\n", shown, sd_strerror(rc), sd_store_errmsg());
        return 1;
    }
    return 0;
}

int suidod_open_platform(suidod_t *d)
{
    sd_config_t *cfg = d->cfg;
    const char *dd = sd_config_get_string(cfg, "data.dir", "./run/data");
    d->lock_fd = -1;
    if (suidod_mkdirs(dd) != 0 || !realpath(dd, d->datadir)) {
        fprintf(stderr, "suidod: data.dir %s: %s\n", dd, strerror(errno));
        return 1;
    }
    char lockmsg[512];
    if (sd_datadir_lock(d->datadir, true, &d->lock_fd, lockmsg, sizeof lockmsg) != 0) {
        fprintf(stderr, "suidod: %s\n", lockmsg);
        return 1;
    }
    snprintf(d->store_url_default, sizeof d->store_url_default, "sqlite://%s/suido.db", d->datadir);
    snprintf(d->key_file_default, sizeof d->key_file_default, "%s/secret.key", d->datadir);
    snprintf(d->pki_dir_default, sizeof d->pki_dir_default, "%s/pki", d->datadir);
    d->store_url = sd_config_get_string(cfg, "store.url", d->store_url_default);
    d->key_file = sd_config_get_string(cfg, "auth.secret_key_file", d->key_file_default);

    d->pf.clock = sd_clock_system();
    int st = pf_config(cfg, &d->pf);
    if (st)
        return st;
    /* the store first: a key is created only once there is a store to bind it to */
    const char *shown = strncmp(d->store_url, "postgres", 8) ? d->store_url : "(postgresql)";
    int rc = sd_store_open(d->store_url, &d->pf.store);
    if (rc != 0) {
        fprintf(stderr, "suidod: store %s: %s: %s\n", shown, sd_strerror(rc), sd_store_errmsg());
        return 1;
    }
    char missing[1024];
    if ((rc = sd_store_check_schema(d->pf.store, missing, sizeof missing)) != 0) {
        if (rc == SD_ESCHEMA)
            fprintf(stderr,
                    "suidod: store %s does not have the schema its migrations made: missing %s.\n"
                    "  It was altered by hand or damaged; restore it from a backup (suidoctl "
                    "restore).\n",
                    shown, missing);
        else
            fprintf(stderr, "suidod: store %s: schema check: %s: %s\n", shown, sd_strerror(rc),
                    sd_store_errmsg());
        return 1;
    }
    int created = 0;
    rc = load_key(d->key_file, d->pf.secret_key, &created);
    if (rc != 0) {
        fprintf(stderr, "suidod: secret key: %s\n", sd_strerror(rc));
        return 1;
    }
    const char *pki = sd_config_get_string(cfg, "pki.dir", d->pki_dir_default);
    return bind_store(d, shown, created, pki);
}

int suidod_bootstrap(suidod_t *d, const char *email, char login[32], char pw[SD_TOKEN_SIZE])
{
    int64_t nusers = 0;
    int rc = sd_account_count_users(&d->pf, &nusers);
    if (rc == 0 && (email || nusers == 0))
        rc = sd_account_bootstrap(&d->pf, email ? email : "admin@localhost", login, pw);
    if (rc != 0) {
        fprintf(stderr, "suidod: bootstrap: %s %s\n", sd_strerror(rc), sd_store_errmsg());
        return 1;
    }
    return 0;
}

void suidod_close_platform(suidod_t *d)
{
    sd_ratelimit_free(d->pf.tenant_limit);
    sd_ratelimit_free(d->pf.connect_limit);
    sd_ratelimit_free(d->pf.login_limit);
    sd_store_close(d->pf.store);
    close(d->lock_fd);
}
