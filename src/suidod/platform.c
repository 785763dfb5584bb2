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
    int rc = load_key(d->key_file, d->pf.secret_key);
    if (rc != 0) {
        fprintf(stderr, "suidod: secret key: %s\n", sd_strerror(rc));
        return 1;
    }
    rc = sd_store_open(d->store_url, &d->pf.store);
    if (rc != 0) {
        fprintf(stderr, "suidod: store %s: %s: %s\n",
                strncmp(d->store_url, "postgres", 8) ? d->store_url : "(postgresql)",
                sd_strerror(rc), sd_store_errmsg());
        return 1;
    }
    return 0;
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
    sd_ratelimit_free(d->pf.login_limit);
    sd_store_close(d->pf.store);
    close(d->lock_fd);
}
