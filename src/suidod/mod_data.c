/* mod_data.c - the object store and documents (objects.url), time series, backups (backup.*). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/data/ts.h"
#include "pf/data/volume.h"
#include "suidod.h"

static int objects_config(sd_config_t *cfg, suidod_t *d)
{
    d->objects_url = sd_config_get_string(cfg, "objects.url", NULL);
    return 0;
}

static int objects_new(suidod_t *d)
{
    int rc = sd_objstore_open_default(d->objects_url, d->datadir, d->pf.store, &d->objects);
    int64_t migrated = 0;
    /* §2.5: the store's rows are protected by the volume only: say whether it is encrypted (a
     * warning, not a refusal: a test bench or a managed disk may be encrypted below us) */
    char vmsg[PATH_MAX + 256];
    int enc = sd_volume_check(d->datadir, vmsg, sizeof vmsg);
    if (enc == 1)
        sd_info("%s", vmsg);
    else
        sd_warn("%s", vmsg);
    if (strncmp(d->store_url, "postgres", 8) == 0)
        sd_info("store: PostgreSQL: its data directory must be on an encrypted volume of its own "
                "host (docs/encryption.md); suidod cannot check it from here");
    /* §2.5: files sealed under their tenant's key; older plaintext blobs are sealed now */
    if (!rc && (rc = sd_objstore_seal(d->objects, d->pf.secret_key, &migrated)) != 0)
        fprintf(stderr, "suidod: objects: some blobs could not be sealed (see the log)\n");
    return rc ? suidod_setup_failed(rc) : 0;
}

static int objects_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_api_object_routes(http, &d->pf, d->objects);
    return rc ? suidod_setup_failed(rc) : 0;
}

static void objects_stop(suidod_t *d)
{
    sd_objstore_close(d->objects);
}

const suidod_module_t suidod_mod_objects = {.name = "objects",
                                            .config = objects_config,
                                            .new = objects_new,
                                            .routes = objects_routes,
                                            .stop = objects_stop};

static int ts_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_ts_routes(http, &d->pf);
    if (!rc)
        rc = sd_values_csv_routes(http, &d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_ts = {.name = "ts", .routes = ts_routes};

/* The group-commit writer of samples (pf/data/ingest.h): made after the sample observers are
 * registered (alarms, monitors) and before the MQTT binding ingests; stopped after the HTTP server
 * and the MQTT binding (no ingest path is left), before the observers, whose calls it makes. The
 * stop writes and answers what is still queued. */
static int ingest_new(suidod_t *d)
{
    sd_ingest_t *w = NULL;
    int rc = sd_ingest_start(&d->pf, &w);
    if (rc)
        return suidod_setup_failed(rc);
    d->pf.ingest = w;
    return 0;
}

static void ingest_stop(suidod_t *d)
{
    sd_ingest_t *w = d->pf.ingest;
    d->pf.ingest = NULL; /* a late caller commits on its own thread */
    sd_ingest_stop(w);
}

const suidod_module_t suidod_mod_ingest = {
    .name = "ingest", .new = ingest_new, .stop = ingest_stop};

/* The daily backup (§2.8), on unless backup.enabled = false. */
static int backup_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    bool on = true;
    int64_t days, keep, interval, retry;
    char defdir[PATH_MAX];
    if (snprintf(defdir, sizeof defdir, "%s/backups", d->datadir) >= (int)sizeof defdir)
        return suidod_setup_failed(SD_ECONFIG);
    const char *dir = sd_config_get_string(cfg, "backup.dir", defdir);
    const char *at = sd_config_get_string(cfg, "backup.time", "03:00");
    int hh = -1, mm = -1;
    char extra;
    if (sd_config_get_bool(cfg, "backup.enabled", true, &on, &ce) ||
        sd_config_get_int(cfg, "backup.keep_days", 1, 36500, 7, &days, &ce) ||
        sd_config_get_duration(cfg, "backup.keep", 1, 36500LL * 86400, days * 86400, &keep, &ce) ||
        sd_config_get_duration(cfg, "backup.interval", 0, 86400, 0, &interval, &ce) ||
        sd_config_get_duration(cfg, "backup.retry", 1, 86400, 300, &retry, &ce)) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return suidod_setup_failed(SD_ECONFIG);
    }
    if (sscanf(at, "%d:%d%c", &hh, &mm, &extra) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59) {
        fprintf(stderr, "suidod: backup.time: %s is not HH:MM (JST)\n", at);
        return suidod_setup_failed(SD_ECONFIG);
    }
    if (!(d->backup_on = on))
        return 0;
    if (suidod_mkdirs(dir) != 0 || !realpath(dir, d->backup_dir)) {
        fprintf(stderr, "suidod: backup.dir %s: %s\n", dir, strerror(errno));
        return suidod_setup_failed(SD_ECONFIG);
    }
    if (sd_backup_objects_dir(sd_config_get_string(cfg, "objects.url", NULL), d->datadir,
                              d->backup_objdir, sizeof d->backup_objdir) != 0) {
        fprintf(stderr, "suidod: backup: objects.url is not a file:/// URL\n");
        return suidod_setup_failed(SD_ECONFIG);
    }
    const char *pki_dir = sd_config_get_string(cfg, "pki.dir", d->pki_dir_default);
    d->backup_cfg =
        (sd_backup_config_t){.dir = d->backup_dir,
                             .store_url = d->store_url,
                             .objects_dir = d->backup_objdir,
                             .key_file = d->key_file,
                             .recipient = sd_config_get_string(cfg, "backup.recipient", NULL),
                             .data_dir = d->datadir,
                             .pki_dir = pki_dir,
                             .daily_min = hh * 60 + mm,
                             .interval_s = interval,
                             .keep_s = keep,
                             .retry_s = retry};
    return 0;
}

static int backup_new(suidod_t *d)
{
    int rc = d->backup_on ? sd_backup_start(&d->pf, &d->backup_cfg, &d->backup) : 0;
    return rc ? suidod_setup_failed(rc) : 0;
}

static int backup_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = d->backup ? sd_api_backup_routes(http, d->backup) : 0;
    return rc ? suidod_setup_failed(rc) : 0;
}

static void backup_stop(suidod_t *d)
{
    sd_backup_stop(d->backup);
}

const suidod_module_t suidod_mod_backup = {.name = "backup",
                                           .config = backup_config,
                                           .new = backup_new,
                                           .routes = backup_routes,
                                           .stop = backup_stop};
