/* request.c - requests to gateways: queue, route, deliver, expire, time out, reply. */
#include "pf/request.h"

#include <stdlib.h>

#include "core/err.h"

struct sd_requests {
    sd_pf_t *pf;
    sd_request_push_fn push;
    void *push_ctx;
};

int sd_requests_start(sd_pf_t *pf, sd_requests_t **out)
{
    sd_requests_t *r = calloc(1, sizeof *r);
    if (!r)
        return SD_ENOMEM;
    r->pf = pf;
    int rc = pf->http ? sd_http_route(pf->http, "GET", "/gwif/v1/inventory",
                                      sd_gw_inventory_handler, pf, NULL)
                      : 0;
    if (rc) {
        free(r);
        return rc;
    }
    pf->requests = r;
    *out = r;
    return 0;
}

void sd_requests_set_push(sd_requests_t *r, sd_request_push_fn fn, void *ctx)
{
    r->push = fn;
    r->push_ctx = ctx;
}

void sd_requests_stop(sd_requests_t *r)
{
    if (!r)
        return;
    r->pf->requests = NULL;
    free(r);
}
