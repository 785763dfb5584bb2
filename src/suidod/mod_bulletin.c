/* mod_bulletin.c - the bulletin board (掲示板, pf/desk): posts, attachments in the object store,
 * and the announcement of maintenance windows (a post and the tenants' mail). */
#include "api/routes.h"
#include "core/err.h"
#include "suidod.h"

static int bulletin_new(suidod_t *d)
{
    int rc = sd_bulletin_new(&d->pf, d->objects, d->notify, &d->bulletin);
    if (!rc && d->sla)
        sd_sla_on_announce(d->sla, sd_bulletin_announce, d->bulletin);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int bulletin_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_bulletin_routes(http, d->bulletin);
    return rc ? suidod_setup_failed(rc) : 0;
}

static void bulletin_stop(suidod_t *d)
{
    sd_bulletin_free(d->bulletin);
    d->bulletin = NULL;
}

const suidod_module_t suidod_mod_bulletin = {
    .name = "bulletin", .new = bulletin_new, .routes = bulletin_routes, .stop = bulletin_stop};
