/* request.h - requests to gateways: immediate read (AP-IF #4), control (#8), periodic monitoring
 * start/stop (#5-7); delivery to the gateway (GW-IF 要求データ取得) and its replies. docs/gwif.md.
 */
#ifndef SD_PF_REQUEST_H
#define SD_PF_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "gwif/gwif.h"
#include "line/settings.h"
#include "pf/pf.h"
#include "pf/data/ts.h"

/* sd_req_kind_t and its names: a GW-IF request message's "kind" (gwif/gwif.h). */

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
 * Start the request service on pf (sets pf->requests), with a worker that expires and times out
 * requests and answers the waits that ran out. Its HTTP routes (AP-IF reads/controls/requests,
 * GW-IF inventory/requests/replies) are the api layer's: sd_requests_routes() (api/routes.h).
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
                      sd_req_kind_t kind, const char *device_code, json_t *body, int64_t timeout_ms,
                      int64_t *id);

/*
 * A gateway's reply (HTTP or MQTT up/reply) to request id: idempotent; a read reply's values are
 * ingested. SD_ENOTFOUND (not this gateway's), SD_ECONFLICT (final with another outcome),
 * SD_EFIELD (err says where).
 */
int sd_request_reply(sd_requests_t *r, int64_t gw_id, int64_t id, json_t *reply,
                     sd_json_err_t *err);

/* ---- names, limits and the pure AP-IF parsers (request_parse.c; fuzzed) ------------------- */

#define SD_REQ_DEFAULT_WAIT_S    10 /* AP-IF reads/controls: how long the reply waits */
#define SD_REQ_MAX_WAIT_S        60
#define SD_REQ_DEFAULT_TIMEOUT_S 60 /* queued + sent, then expired / timed_out */
#define SD_REQ_MAX_TIMEOUT_S     3600
#define SD_REQ_MAX_READ_IDS      100                      /* data IDs of one AP-IF read */
#define SD_REQ_MAX_VALUES        SD_GWIF_REPLY_MAX_VALUES /* values of one reply */
#define SD_REQ_MAX_RESULT        SD_GWIF_REPLY_MAX_RESULT /* bytes of a reply's "result" */
#define SD_REQ_POLL_MAX          100 /* requests handed out by one long-poll answer */
#define SD_REQ_DEFAULT_POLL_S    25  /* GW-IF long-poll wait */

/* "queued", "sent", ...: NULL out of range (kinds: sd_req_kind_name() of gwif/gwif.h). */
const char *sd_req_state_name(sd_req_state_t s);
/* Exact names to values: 0 or SD_EFIELD. */
int sd_req_state_parse(const char *s, sd_req_state_t *out);
/* 1 for succeeded, failed, timed_out, expired. */
int sd_req_state_final(sd_req_state_t s);

/* A gateway's reply is parsed by sd_gwif_reply_parse() (gwif/gwif.h), over HTTP and MQTT. */

/* POST /apif/v1/reads {"data_ids":[...], "wait"?: 0-60, "timeout"?: 1-3600 s}. Pure. */
typedef struct {
    const char **data_ids; /* borrowed strings, malloc'ed array; distinct */
    size_t n;
    int64_t wait_s, timeout_s;
} sd_apif_read_t;
int sd_apif_read_parse(const json_t *body, sd_apif_read_t *out, sd_json_err_t *err);
void sd_apif_read_free(sd_apif_read_t *r);

/* POST /apif/v1/controls {"data_id", "value": "on"|"off", "wait"?, "timeout"?}. Pure. */
typedef struct {
    const char *data_id, *value;
    int64_t wait_s, timeout_s;
} sd_apif_control_t;
int sd_apif_control_parse(const json_t *body, sd_apif_control_t *out, sd_json_err_t *err);

/*
 * POST /apif/v1/devices/{code}/settings (制御値設定 family): {"kind": "schedule"|"params"|"assign",
 * the kind's body members (docs/gwif.md, line/settings.h), "wait"?, "timeout"?}. Pure.
 */
typedef struct {
    sd_req_kind_t kind; /* SD_REQ_SCHEDULE, SD_REQ_PARAMS or SD_REQ_ASSIGN */
    sd_line_settings_t set;
    int64_t wait_s, timeout_s;
} sd_apif_settings_t;
int sd_apif_settings_parse(const json_t *body, sd_apif_settings_t *out, sd_json_err_t *err);

/* ---- the service, beyond the contract above (request.c) ------------------------------------ */

/*
 * One pass of the expiry thread, also for tests with a fake pf->clock: queued requests past
 * their deadline become expired, sent ones timed_out (reason "timeout"). Returns how many
 * changed, or SD_E*.
 */
int sd_requests_tick(sd_requests_t *r);

/*
 * Hand the gateway's queued requests (oldest first, at most max) to it: they become sent, and
 * *items (new reference) is the JSON array of their messages. Used by the long-poll.
 */
int sd_requests_take(sd_requests_t *r, int64_t gw_id, size_t max, json_t **items);

/* Push every queued request of gw_id through the push channel (the MQTT birth of a gateway). */
int sd_requests_flush(sd_requests_t *r, int64_t gw_id);

/* One request as AP-IF shows it (with "history" and "result"); SD_ENOTFOUND. */
int sd_request_json(sd_requests_t *r, int64_t id, json_t **out, int64_t *tenant_id);

/*
 * Before the HTTP server stops: answer every waiting long-poll (empty list) and AP-IF wait
 * (202 with the states), and answer new ones at once from now on.
 */
void sd_requests_quiesce(sd_requests_t *r);

/*
 * The device code of tenant_id's point (outputs 0) or output (outputs 1) data_id, and an
 * output's number (*output_no, may be NULL). 0, SD_ENOTFOUND, or a store error.
 */
int sd_request_owner_device(sd_requests_t *r, int64_t tenant_id, const char *data_id, int outputs,
                            char code[80], int64_t *output_no);

/*
 * Request id in brief, {id, device, state, reason}, with its state and (result not NULL) its
 * stored result (new reference, NULL when none). NULL when it is missing or on a store error.
 */
json_t *sd_request_brief(sd_requests_t *r, int64_t id, sd_req_state_t *state, json_t **result);

/*
 * The requests of tenant_id (state NULL = any), newest first, at most limit: {id, kind, device,
 * state, created, finished, reason, requested_by}, scoped to the tenant. 0 or SD_E*.
 */
int sd_request_list(sd_requests_t *r, int64_t tenant_id, const char *state, int64_t limit,
                    sd_pf_items_t *out);

#endif
