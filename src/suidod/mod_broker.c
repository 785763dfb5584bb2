/* mod_broker.c - GW-IF over MQTT (mqtt.*, pf/broker), when mqtt.url or mqtt.broker_dir is set. */
#include <stdbool.h>
#include <stdio.h>

#include "api/routes.h"
#include "core/err.h"
#include "pf/data/ts.h"
#include "suidod.h"

static int mqtt_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    int64_t sync_s;
    sd_mqtt_config_t *mc = &d->mqtt_cfg;
    *mc = (sd_mqtt_config_t){.url = sd_config_get_string(cfg, "mqtt.url", NULL),
                             .broker_dir = sd_config_get_string(cfg, "mqtt.broker_dir", NULL),
                             .pid_file = sd_config_get_string(cfg, "mqtt.broker_pid_file", NULL),
                             .ingest = sd_ts_ingest,
                             .events = sd_event_ingest_json};
    if (sd_config_get_duration(cfg, "mqtt.sync_interval", 1, 3600, 5, &sync_s, &ce) != 0) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return suidod_setup_failed(SD_ECONFIG);
    }
    mc->sync_ms = (int)sync_s * 1000;
    int64_t max_payload;
    bool tls = false;
    if (sd_config_get_int(cfg, "mqtt.max_payload", 1024, (int64_t)128 * 1024 * 1024,
                          (int64_t)SD_TS_BODY_MAX, &max_payload, &ce) != 0 ||
        sd_config_get_bool(cfg, "mqtt.broker_tls", false, &tls, &ce) != 0) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return suidod_setup_failed(SD_ECONFIG);
    }
    mc->max_payload = (size_t)max_payload;
    /* the broker's certificate comes from the platform CA (mqtt.broker_tls): trust that CA */
    snprintf(d->mqtt_cafile_default, sizeof d->mqtt_cafile_default, "%s/ca.crt", d->pki_dir);
    mc->cafile = sd_config_get_string(cfg, "mqtt.cafile", d->mqtt_cafile_default);
    mc->tls_san = sd_config_get_string(cfg, "mqtt.broker_tls_san", NULL);
    d->mqtt_broker_tls = tls;
    return 0;
}

/* Writes the broker's accounts, then connects and ingests at once: after the sample observers. */
static int mqtt_new(suidod_t *d)
{
    sd_mqtt_config_t *mc = &d->mqtt_cfg;
    mc->pki = d->mqtt_broker_tls ? d->pki : NULL;
    if (d->mqtt_broker_tls && !mc->broker_dir) {
        fprintf(stderr, "suidod: config: mqtt.broker_tls needs mqtt.broker_dir\n");
        return suidod_setup_failed(SD_ECONFIG);
    }
    int rc = mc->url || mc->broker_dir ? sd_mqtt_binding_start(&d->pf, mc, &d->mqtt) : 0;
    return rc ? suidod_setup_failed(rc) : 0;
}

static int mqtt_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = d->mqtt ? sd_api_mqtt_routes(http, d->mqtt) : 0;
    return rc ? suidod_setup_failed(rc) : 0;
}

static void mqtt_stop(suidod_t *d)
{
    sd_mqtt_binding_stop(d->mqtt);
}

const suidod_module_t suidod_mod_mqtt = {.name = "mqtt",
                                         .config = mqtt_config,
                                         .new = mqtt_new,
                                         .routes = mqtt_routes,
                                         .stop = mqtt_stop};
