/* mqtt.c - GET /gwif/v1/mqtt: a gateway asks for its broker login (docs/mqtt.md). */
#include <sodium.h>
#include <stdio.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/broker/binding.h"

static void h_credentials(sd_http_req_t *req, void *ctx)
{
    sd_mqtt_binding_t *b = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    if (!who || who->role != SD_ROLE_GATEWAY) {
        sd_http_reply_error(req, who ? SD_EFORBIDDEN : SD_EUNAUTH, NULL,
                            "a gateway's bearer token is required");
        return;
    }
    sd_scope_t sc;
    char cid[SD_MQTT_CID_MAX + 1], pw[SD_MQTT_PW_SIZE];
    int rc = sd_mqtt_binding_credentials(b, who->subject_id, &sc, cid, pw);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require(req, SD_ACT_GWIF_FETCH, &sc) == 0)
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:s,s:s,s:s,s:s}", "username", cid, "password", pw,
                                        "client_id", cid, "topic_prefix", SD_MQTT_PREFIX));
    sodium_memzero(pw, sizeof pw);
}

int sd_api_mqtt_routes(sd_http_server_t *http, sd_mqtt_binding_t *b)
{
    return sd_http_route(http, "GET", "/gwif/v1/mqtt", h_credentials, b, NULL);
}
