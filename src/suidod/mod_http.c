/* mod_http.c - the HTTP server (http.*), its API description, and the static files (web.root). */
#include <stdio.h>
#include <string.h>

#include "api/apidoc.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/log.h"
#include "suidod.h"

static int http_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    if (sd_http_config_load(cfg, "http", &d->http_cfg, &ce) != 0)
        return suidod_config_failed(&ce);
    return 0;
}

/* The access log counts into the operation monitor, made by a module after this one. */
static void access_log(const sd_http_access_t *rec, void *ctx)
{
    sd_opsmon_access(rec, ((suidod_t *)ctx)->opsmon);
}

static int http_new(suidod_t *d)
{
    d->http_cfg.clock = d->pf.clock;
    d->http_cfg.access_log = access_log;
    d->http_cfg.access_log_ctx = d;
    int rc = sd_http_server_new(&d->http_cfg, &d->http);
    return rc ? suidod_fail("http", rc, 1) : 0;
}

/* Listen, and say where: d->base is the URL the SLA probes and the ready line use. */
static int http_start(suidod_t *d)
{
    const sd_http_config_t *hc = &d->http_cfg;
    int rc = sd_http_server_start(d->http);
    if (rc != 0) {
        fprintf(stderr, "suidod: cannot listen on %s: %s\n", hc->listen, sd_strerror(rc));
        return 1;
    }
    snprintf(d->base, sizeof d->base, "%s://%s", hc->tls_cert_file ? "https" : "http", hc->listen);
    char *colon = strrchr(d->base, ':');
    if (colon && !strcmp(colon, ":0"))
        snprintf(colon, sizeof d->base - (size_t)(colon - d->base), ":%d",
                 sd_http_server_port(d->http));
    sd_info("listening on %s (store %s, data %s)", d->base, sd_store_backend(d->pf.store),
            d->datadir);
    return 0;
}

static void http_stop(suidod_t *d)
{
    sd_http_server_stop(d->http);
    sd_http_server_free(d->http);
}

const suidod_module_t suidod_mod_http = {.name = "http",
                                         .config = http_config,
                                         .new = http_new,
                                         .start = http_start,
                                         .stop = http_stop,
                                         .stop_phase = SUIDOD_STOP_SERVER};

static int apidoc_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_pf_apidoc_routes(http, &d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_apidoc = {.name = "apidoc", .routes = apidoc_routes};

static int web_config(sd_config_t *cfg, suidod_t *d)
{
    d->web_root = sd_config_get_string(cfg, "web.root", NULL);
    return 0;
}

static int web_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = d->web_root ? sd_http_static(http, "/", d->web_root, 0) : 0;
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_web = {.name = "web", .config = web_config, .routes = web_routes};
