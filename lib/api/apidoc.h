/* apidoc.h - suidod serves its own API description (docs/openapi.yaml, embedded at build time). */
#ifndef SD_PF_APIDOC_H
#define SD_PF_APIDOC_H

#include "api/api.h"

/* GET /api/v1/openapi.yaml. Returns 0 or the router's error. */
int sd_pf_apidoc_routes(sd_http_server_t *http, sd_pf_t *pf);

#endif
