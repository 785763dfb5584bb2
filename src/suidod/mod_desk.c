/* mod_desk.c - the portal's desk: inquiries (pf/desk), mailed through the notifier and with
 * files in the object store. */
#include "api/routes.h"
#include "suidod.h"

static int inquiries_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_inquiry_routes(http, &d->pf, d->notify, d->objects);
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_inquiries = {.name = "inquiries", .routes = inquiries_routes};
