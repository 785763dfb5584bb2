/* apidoc.c - the embedded OpenAPI description, served as it was written. */
#include "api/api.h"
#include "api/routes.h"
#include "api/apidoc.h"

#include <stddef.h>

extern const unsigned char sd__openapi_yaml[];
extern const size_t sd__openapi_yaml_len;

/*
 * Public on purpose, the one route that is: a gateway or application vendor reads the interface
 * before it has credentials, and the description holds no tenant's data.
 */
static void h_openapi(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_bytes(req, 200, "application/yaml; charset=utf-8", sd__openapi_yaml,
                        sd__openapi_yaml_len);
}

int sd_pf_apidoc_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    return sd_http_route(http, "GET", "/api/v1/openapi.yaml", h_openapi, NULL, NULL);
}
