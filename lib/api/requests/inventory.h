/* inventory.h - GET /gwif/v1/inventory and the calling-gateway check GW-IF handlers share. */
#ifndef SD_API_REQUESTS_INVENTORY_H
#define SD_API_REQUESTS_INVENTORY_H

#include "api/api.h"
#include "pf/requests/inventory.h"

/*
 * For GW-IF handlers: the calling gateway (bearer token), checked for gwif.fetch on itself.
 * On failure it has replied (401 anonymous, 403 not a gateway) and returns the SD_E*.
 */
int sd_gw_caller(sd_http_req_t *req, sd_pf_t *pf, sd_gw_info_t *gw);

/* GET /gwif/v1/inventory (route context pf): ETag "v<version>", If-None-Match -> 304. */
void sd_gw_inventory_handler(sd_http_req_t *req, void *ctx);

#endif
