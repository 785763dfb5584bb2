/* mod_alarms.c - the alarm engine (alarm.*, pf/alarms): ISA-18.2 states, floods, events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/err.h"
#include "suidod.h"

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

/* The [alarm] section (see the usage text): 0 or SD_ECONFIG, the message written. */
static int alarm_keys(sd_config_t *cfg, sd_alarms_config_t *ac)
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

static int alarms_config(sd_config_t *cfg, suidod_t *d)
{
    return alarm_keys(cfg, &d->alarms_cfg) ? 2 : 0;
}

/*
 * The engine registers its sample observer; then its listeners (alarm e-mail by severity, with
 * escalation: pf/notify.h); then its thread re-evaluates the latest values and follows samples.
 * All before the server starts, so that no sample goes unseen.
 */
static int alarms_new(suidod_t *d)
{
    int rc = sd_alarms_start_cfg(&d->pf, &d->alarms_cfg, &d->alarms);
    if (!rc)
        rc = sd_alarms_listen(d->alarms, sd_notify_alarm, d->notify);
    if (!rc)
        rc = sd_alarms_run(d->alarms);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int alarms_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_alarm_routes(http, &d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

static void alarms_stop(suidod_t *d)
{
    sd_alarms_stop(d->alarms);
}

const suidod_module_t suidod_mod_alarms = {.name = "alarms",
                                           .config = alarms_config,
                                           .new = alarms_new,
                                           .routes = alarms_routes,
                                           .stop = alarms_stop};
