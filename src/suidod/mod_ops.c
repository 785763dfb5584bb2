/* mod_ops.c - operation monitoring (monitor.* thresholds), incidents and the SLA (pf/ops). */
#include <stdio.h>
#include <stdlib.h>

#include "api/routes.h"
#include "core/err.h"
#include "suidod.h"

/* The monitor.* thresholds of the host's resources and the sampling interval. */
static int opsmon_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    sd_opsmon_config_t *mc = &d->opsmon_cfg;
    sd_opsmon_config_defaults(mc);
    mc->data_dir = d->datadir;
    static const char *const names[] = {"cpu", "memory", "disk", "db_size_mb", "outbox"};
    for (int i = 0; i < SD_RES__COUNT; i++) {
        char k[48];
        const char *v;
        char *end;
        for (int w = 0; w < 2; w++) {
            snprintf(k, sizeof k, "monitor.%s_%s", names[i], w ? "fault" : "warn");
            if (!(v = sd_config_get_string(cfg, k, NULL)))
                continue;
            double x = strtod(v, &end);
            if (!*v || *end || x < 0) {
                fprintf(stderr, "suidod: config: %s: %s is not a number >= 0\n", k, v);
                return suidod_fail("notify/monitor", SD_ECONFIG, 2);
            }
            (w ? mc->fault : mc->warn)[i] = x;
        }
    }
    int64_t iv;
    if (sd_config_get_duration(cfg, "monitor.interval", 1, 3600, 60, &iv, &ce)) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return suidod_fail("notify/monitor", SD_ECONFIG, 2);
    }
    mc->interval_ms = iv * 1000;
    return 0;
}

/* Made before the server, whose access log it is; mails the operators through the notifier. */
static int opsmon_new(suidod_t *d)
{
    int rc = sd_opsmon_new(&d->pf, &d->opsmon_cfg, d->notify, &d->opsmon);
    return rc ? suidod_fail("notify/monitor", rc, rc == SD_ECONFIG ? 2 : 1) : 0;
}

static int opsmon_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_opsmon_routes(http, d->opsmon);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int opsmon_start(suidod_t *d)
{
    int rc = sd_opsmon_start(d->opsmon);
    return rc ? suidod_fail("notify", rc, 1) : 0;
}

static void opsmon_stop(suidod_t *d)
{
    sd_opsmon_free(d->opsmon);
}

const suidod_module_t suidod_mod_opsmon = {.name = "opsmon",
                                           .config = opsmon_config,
                                           .new = opsmon_new,
                                           .routes = opsmon_routes,
                                           .start = opsmon_start,
                                           .stop = opsmon_stop};

static int incidents_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_incident_routes(http, &d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_incidents = {.name = "incidents", .routes = incidents_routes};

/* The maintenance workplace (issue 12): its routes, and the check that mails overdue visits
 * through the notifier (every maint.overdue_check; none without a notifier). */
static int maint_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    int64_t iv;
    if (sd_config_get_duration(cfg, "maint.overdue_check", 1, 86400, 3600, &iv, &ce)) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return suidod_fail("maint", SD_ECONFIG, 2);
    }
    d->maint_overdue_ms = iv * 1000;
    return 0;
}

static int maint_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_maint_routes(http, &d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int maint_start(suidod_t *d)
{
    if (!d->notify)
        return 0;
    int rc = sd_maint_overdue_start(&d->pf, d->notify, d->maint_overdue_ms, &d->maint_overdue);
    return rc ? suidod_fail("maint", rc, 1) : 0;
}

static void maint_stop(suidod_t *d)
{
    sd_maint_overdue_stop(d->maint_overdue);
    d->maint_overdue = NULL;
}

const suidod_module_t suidod_mod_maint = {.name = "maint",
                                          .config = maint_config,
                                          .routes = maint_routes,
                                          .start = maint_start,
                                          .stop = maint_stop};

static int sla_new(suidod_t *d)
{
    int rc = sd_sla_new(&d->pf, &d->sla);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int sla_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_sla_routes(http, d->sla);
    return rc ? suidod_setup_failed(rc) : 0;
}

/* Probes this server, once a minute: it needs the URL the server listens on. */
static int sla_start(suidod_t *d)
{
    int rc = sd_sla_start(d->sla, d->base);
    return rc ? suidod_fail("sla probes", rc, 1) : 0;
}

static void sla_stop(suidod_t *d)
{
    sd_sla_free(d->sla); /* its probes talk to the server: stop them first */
}

const suidod_module_t suidod_mod_sla = {.name = "sla",
                                        .new = sla_new,
                                        .routes = sla_routes,
                                        .start = sla_start,
                                        .stop = sla_stop,
                                        .stop_phase = SUIDOD_STOP_BEFORE_SERVER};
