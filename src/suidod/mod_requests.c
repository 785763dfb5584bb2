/* mod_requests.c - reads and controls through gateways, and periodic monitors (pf/requests). */
#include <stdio.h>

#include "api/routes.h"
#include "httpc/addr.h"
#include "suidod.h"

/* sd_requests_start() makes the service and starts its threads. */
static int requests_new(suidod_t *d)
{
    int rc = sd_requests_start(&d->pf, &d->requests);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int requests_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_requests_routes(http, d->requests);
    return rc ? suidod_setup_failed(rc) : 0;
}

static void requests_quiesce(suidod_t *d)
{
    sd_requests_quiesce(d->requests); /* long-polls and AP-IF waits answered now, not 503 */
}

static void requests_stop(suidod_t *d)
{
    sd_requests_stop(d->requests);
}

const suidod_module_t suidod_mod_requests = {.name = "requests",
                                             .new = requests_new,
                                             .routes = requests_routes,
                                             .quiesce = requests_quiesce,
                                             .stop = requests_stop};

/* AP-IF #5-7: periodic monitors, pushed by server-sent events and webhooks (monitor.*). */
static int monitors_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    int64_t hb_s, wt_s;
    if (sd_config_get_duration(cfg, "monitor.heartbeat", 1, 3600, 15, &hb_s, &ce) ||
        sd_config_get_duration(cfg, "monitor.webhook_timeout", 1, 60, 5, &wt_s, &ce))
        return suidod_config_failed(&ce);
    /* checked here, so a typo stops suidod with the entry named (exit 2) */
    const char *allow = sd_config_get_string(cfg, "monitor.webhook_allow", NULL);
    sd_addr_allow_t *a = NULL;
    char why[160];
    if (sd_addr_allow_parse(allow, &a, why, sizeof why) != 0) {
        fprintf(stderr, "suidod: config: monitor.webhook_allow: %s\n", why);
        return 2;
    }
    sd_addr_allow_free(a);
    d->monitors_cfg = (sd_monitors_config_t){.heartbeat_ms = (int)hb_s * 1000,
                                             .webhook_timeout_ms = (int)wt_s * 1000,
                                             .webhook_allow = allow};
    return 0;
}

/* sd_monitors_start() makes the service, registers its sample observer and starts its threads. */
static int monitors_new(suidod_t *d)
{
    int rc = sd_monitors_start(&d->pf, &d->monitors_cfg, &d->monitors);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int monitors_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_monitors_routes(http, d->monitors);
    return rc ? suidod_setup_failed(rc) : 0;
}

static void monitors_stop(suidod_t *d)
{
    sd_monitors_stop(d->monitors); /* after every ingest path (HTTP, MQTT) has stopped */
}

const suidod_module_t suidod_mod_monitors = {.name = "monitors",
                                             .config = monitors_config,
                                             .new = monitors_new,
                                             .routes = monitors_routes,
                                             .stop = monitors_stop};
