/* mod_master.c - master data and the initial-information sheets (pf/master). */
#include "api/routes.h"
#include "suidod.h"

static int master_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_api_master_routes(http, &d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_master = {.name = "master", .routes = master_routes};
