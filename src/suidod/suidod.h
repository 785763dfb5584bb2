/* suidod.h - suidod's wiring: the context its modules share, and the module lifecycle.
 *
 * A module is one service (or one group of routes) of the platform, in one small file
 * src/suidod/mod_<room>.c: it reads its own configuration keys, makes its service, registers
 * its routes on the server, starts, and stops. modules.c lists the modules in start order; they
 * stop in reverse order, phase by phase (suidod_stop_phase_t). main.c only parses the
 * arguments, opens the platform (platform.c), runs the table and waits for a signal.
 */
#ifndef SUIDOD_SUIDOD_H
#define SUIDOD_SUIDOD_H

#include <limits.h>
#include <stdbool.h>

#include "core/config.h"
#include "http/http.h"
#include "pf/accounts/account.h"
#include "pf/alarms/alarm.h"
#include "pf/broker/binding.h"
#include "pf/data/backup.h"
#include "pf/data/objstore.h"
#include "pf/desk/bulletin.h"
#include "pf/maint/overdue.h"
#include "pf/notify/notify.h"
#include "pf/ops/opsmon.h"
#include "pf/ops/sla.h"
#include "pf/pf.h"
#include "pf/protect/pki.h"
#include "pf/requests/monitor.h"
#include "pf/requests/request.h"

/* Everything the modules share: the platform, the server, and what each module made. */
typedef struct {
    sd_config_t *cfg;
    sd_pf_t pf;             /* the platform context (platform.c) */
    char datadir[PATH_MAX]; /* data.dir, resolved */
    const char *store_url;  /* store.url */
    const char *key_file;   /* auth.secret_key_file */
    char store_url_default[PATH_MAX + 32], key_file_default[PATH_MAX + 16];
    char pki_dir_default[PATH_MAX + 8]; /* <data.dir>/pki */
    int lock_fd;                        /* the data directory's lock */
    sd_http_server_t *http;             /* the server every module registers its routes on */
    sd_http_config_t http_cfg;          /* http.* */
    char base[128];                     /* the server's URL, once it listens */

    /* the services, NULL until their module made them (or when configured off) */
    sd_notify_t *notify;
    sd_opsmon_t *opsmon;
    sd_objstore_t *objects;
    sd_requests_t *requests;
    sd_alarms_t *alarms;
    sd_monitors_t *monitors;
    sd_sla_t *sla;
    sd_bulletin_t *bulletin;
    sd_pki_t *pki;
    sd_mqtt_binding_t *mqtt;
    sd_backup_t *backup;
    sd_maint_overdue_t *maint_overdue;

    /* what a module's config() read for its new() */
    sd_notify_config_t notify_cfg;
    sd_opsmon_config_t opsmon_cfg;
    sd_alarms_config_t alarms_cfg;
    sd_monitors_config_t monitors_cfg;
    sd_mqtt_config_t mqtt_cfg;
    bool mqtt_broker_tls;                   /* mqtt.broker_tls */
    char mqtt_cafile_default[PATH_MAX + 8]; /* <pki.dir>/ca.crt */
    sd_backup_config_t backup_cfg;
    bool backup_on;
    char backup_dir[PATH_MAX], backup_objdir[PATH_MAX];
    const char *objects_url;  /* objects.url (NULL = <data.dir>/objects) */
    const char *pki_dir;      /* pki.dir */
    const char *web_root;     /* web.root (NULL = none) */
    int64_t maint_overdue_ms; /* maint.overdue_check */
} suidod_t;

/* When a module stops. The phases run in the order listed here, each in reverse table order. */
typedef enum {
    SUIDOD_STOP_BEFORE_SERVER = 1, /* talks to the server itself (the SLA probes) */
    SUIDOD_STOP_SERVER,            /* the HTTP server: no handler runs once this phase is over */
    SUIDOD_STOP_AFTER_SERVER = 0,  /* the default: what the handlers and ingest paths use */
    SUIDOD_STOP_LAST = 3,          /* after everything else */
} suidod_stop_phase_t;

/*
 * One module. Every function may be NULL. Each returns 0 or the process's exit status, having
 * written its own message to stderr (the messages and statuses tests look for).
 *   config  read and check the module's keys into d
 *   new     make the service (some services' new also starts their threads: see the module)
 *   routes  register the module's routes on http (before the server starts)
 *   start   after every module is set up and the server listens, in table order
 *   quiesce at stop, before any module stops (reverse table order)
 *   stop    stop and free, in stop_phase, reverse table order; NULL-safe on what new left NULL
 */
typedef struct {
    const char *name;
    int (*config)(sd_config_t *cfg, suidod_t *d);
    int (*new)(suidod_t *d);
    int (*routes)(sd_http_server_t *http, suidod_t *d);
    int (*start)(suidod_t *d);
    void (*quiesce)(suidod_t *d);
    void (*stop)(suidod_t *d);
    suidod_stop_phase_t stop_phase;
} suidod_module_t;

/* The modules (mod_*.c), listed in start order by modules.c. */
extern const suidod_module_t suidod_mod_http, suidod_mod_notify, suidod_mod_opsmon,
    suidod_mod_accounts, suidod_mod_master, suidod_mod_objects, suidod_mod_ts, suidod_mod_requests,
    suidod_mod_apidoc, suidod_mod_alarms, suidod_mod_monitors, suidod_mod_incidents, suidod_mod_sla,
    suidod_mod_pki, suidod_mod_ingest, suidod_mod_mqtt, suidod_mod_backup, suidod_mod_web;
extern const suidod_module_t suidod_mod_inquiries; /* mod_desk.c */
extern const suidod_module_t suidod_mod_bulletin;  /* mod_bulletin.c */
extern const suidod_module_t suidod_mod_maint;     /* mod_maint.c */

/* modules.c: config, new and routes of each module in table order; on failure the exit status. */
int suidod_setup(suidod_t *d);
/* modules.c: start each module in table order (the server listens first); 0 or exit status. */
int suidod_start(suidod_t *d);
/* modules.c: quiesce, then stop phase by phase, each phase in reverse table order. */
void suidod_stop(suidod_t *d);

/* platform.c: data directory, its lock, the sealing key, the store and d->pf from auth.* and
 * limits.*. 0 or the exit status (message written). */
int suidod_open_platform(suidod_t *d);
/* platform.c: the first start (or --bootstrap-admin EMAIL) makes a platform administrator; login
 * stays "" otherwise. 0 or the exit status. */
int suidod_bootstrap(suidod_t *d, const char *email, char login[32], char pw[SD_TOKEN_SIZE]);
void suidod_close_platform(suidod_t *d);

/* mkdir -p (mode 0700). */
int suidod_mkdirs(const char *path);
/* "suidod: <what>: <sd_strerror(rc)>" on stderr; returns status. */
int suidod_fail(const char *what, int rc, int status);
/* A failure while setting up services and routes: "suidod: setting up routes: ...", status 1. */
int suidod_setup_failed(int rc);
/* A configuration error: "suidod: config: <msg>", status 2. */
int suidod_config_failed(const sd_config_error_t *e);

#endif
