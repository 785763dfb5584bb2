/* mod_broker.c - GW-IF over MQTT (mqtt.*, pf/broker), when mqtt.url or mqtt.broker_dir is set. */
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
    return 0;
}

/* Writes the broker's accounts, then connects and ingests at once: after the sample observers. */
static int mqtt_new(suidod_t *d)
{
    const sd_mqtt_config_t *mc = &d->mqtt_cfg;
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
