/* request.h - requests to gateways: immediate read (AP-IF #4), control (#8), periodic monitoring
 * start/stop (#5-7); delivery to the gateway (GW-IF 要求データ取得) and its replies. docs/gwif.md. */
#ifndef SD_PF_REQUEST_H
#define SD_PF_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

typedef enum {
    SD_REQ_READ,
    SD_REQ_CONTROL,
    SD_REQ_SCHEDULE,
    SD_REQ_PARAMS,
    SD_REQ_ASSIGN,
    SD_REQ_MONITOR_START,
    SD_REQ_MONITOR_STOP,
} sd_req_kind_t;

typedef enum {
    SD_REQ_QUEUED,
    SD_REQ_SENT,
    SD_REQ_SUCCEEDED,
    SD_REQ_FAILED,
    SD_REQ_TIMED_OUT,
    SD_REQ_EXPIRED,
} sd_req_state_t;

typedef struct sd_requests sd_requests_t;

/*
 * Push delivery (the MQTT binding): called when a request is queued for a gateway that has a
 * push channel; payload is the request message of docs/gwif.md. Return 0 when published (the
 * request becomes "sent"), non-zero to leave it queued for the long-poll.
 */
typedef int (*sd_request_push_fn)(void *ctx, const char *gw_cid, const char *payload, size_t len);

/*
 * Start the request service on pf (sets pf->requests): routes for AP-IF reads/controls/requests
 * and GW-IF inventory/requests/replies, and a thread that expires and times out requests.
 */
int sd_requests_start(sd_pf_t *pf, sd_requests_t **out);
void sd_requests_set_push(sd_requests_t *r, sd_request_push_fn fn, void *ctx);
void sd_requests_stop(sd_requests_t *r);

/*
 * Queue a request of kind for the device (code) of tenant_id on behalf of who (NULL = the
 * platform itself, e.g. a monitor restart). body holds the kind's members (borrowed, see
 * docs/gwif.md); timeout_ms bounds queued + sent time. *id the new request. SD_ENOTFOUND
 * unknown device, SD_ECONFLICT no gateway serves it, SD_EFIELD bad body (err->field).
 */
int sd_request_submit(sd_requests_t *r, const sd_principal_t *who, int64_t tenant_id,
                      sd_req_kind_t kind, const char *device_code, json_t *body,
                      int64_t timeout_ms, int64_t *id);

/*
 * A gateway's reply (HTTP or MQTT up/reply) to request id: idempotent; a read reply's values are
 * ingested. SD_ENOTFOUND (not this gateway's), SD_ECONFLICT (final with another outcome),
 * SD_EFIELD (err says where).
 */
int sd_request_reply(sd_requests_t *r, int64_t gw_id, int64_t id, json_t *reply,
                     sd_json_err_t *err);

/* ---- additions by the request module (request.c, request_http.c, inventory.c) ------------- */

/* A gateway's registration, as routing and GW-IF handlers need it. */
typedef struct {
    int64_t id;             /* clients.id */
    int64_t tenant_id;      /* the operator tenant it serves */
    int64_t org_id;         /* its vendor */
    char name[129];         /* registry name: what a device row's `gateway` column names */
    char client_id[65];     /* the credential's id, also its MQTT user and topic segment */
} sd_gw_info_t;

/* The gateway gw_id (kind 'gateway', enabled or not): 0 or SD_ENOTFOUND, SD_E*. */
int sd_gw_info(sd_store_t *st, int64_t gw_id, sd_gw_info_t *out);

/* How many enabled, unexpired gateways serve tenant_id. */
int sd_gw_count_enabled(sd_store_t *st, int64_t tenant_id, int64_t now_ms, int64_t *n);

/*
 * GW-IF inventory of gw (docs/gwif.md): {"tenant","version","devices":[{...,"points","outputs"}]},
 * the devices whose `gateway` names gw, plus those naming none when gw is the tenant's only
 * enabled gateway. NULL with *rc set on failure.
 */
json_t *sd_gw_inventory_json(sd_store_t *st, const sd_gw_info_t *gw, int64_t now_ms, int *rc);

/*
 * For GW-IF handlers: the calling gateway (bearer token), checked for gwif.fetch on itself.
 * On failure it has replied (401 anonymous, 403 not a gateway) and returns the SD_E*.
 */
int sd_gw_caller(sd_http_req_t *req, sd_pf_t *pf, sd_gw_info_t *gw);

/* GET /gwif/v1/inventory (route context pf): ETag "v<version>", If-None-Match -> 304. */
void sd_gw_inventory_handler(sd_http_req_t *req, void *ctx);

#endif
