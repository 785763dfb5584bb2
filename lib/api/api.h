/* api.h - what every HTTP handler shares: the caller, deny-by-default checks, bodies, replies. */
#ifndef SD_API_API_H
#define SD_API_API_H

#include "core/json.h"
#include "http/http.h"
#include "pf/pf.h"

/*
 * The authenticated caller of req, attached by the authentication hook (session cookie
 * "suido_session" or "Authorization: Bearer ..."); NULL for an anonymous request.
 */
const sd_principal_t *sd_api_principal(const sd_http_req_t *req);

/*
 * Deny by default: check that req's principal may do act on target (sd_policy_check()). On
 * denial this REPLIES (401 when anonymous, 403 forbidden, 403 password_change_required) and
 * returns the negative SD_E*; the handler must then return without replying again.
 */
int sd_api_require(sd_http_req_t *req, sd_action_t act, const sd_scope_t *target);

/*
 * Like sd_api_require(), for an object loaded by id: when the principal may not even read_act the
 * target (another tenant, another vendor's object) this replies 404 not_found, so ids cannot be
 * probed; when it may read but not act, 403. Returns 0 or the negative SD_E* (already replied).
 */
int sd_api_require_visible(sd_http_req_t *req, sd_action_t read_act, sd_action_t act,
                           const sd_scope_t *target);

/* sd_api_audit() with the request's principal and request id. */
int sd_api_audit_req(sd_pf_t *pf, sd_http_req_t *req, int64_t tenant_id, const char *action,
                     const char *object, const char *detail_json);

/* Parse the body as a JSON object into *out (new reference), or reply 400 and return SD_E*. */
int sd_api_body(sd_http_req_t *req, json_t **out);

/* Path parameter name as a positive id into *out, or reply 404 and return SD_ENOTFOUND. */
int sd_api_param_id(sd_http_req_t *req, const char *name, int64_t *out);

/*
 * The query parameter name as an integer in [lo, hi] into *out; *out is left as it is when the
 * parameter is absent (set the default first). Anything but an optional '-' and decimal digits,
 * or out of range, replies 400 naming the parameter and returns SD_EFIELD.
 */
int sd_api_query_int(sd_http_req_t *req, const char *name, int64_t lo, int64_t hi, int64_t *out);

/* The caller's own scope (tenant, organisation, subject; zeros when anonymous). */
sd_scope_t sd_api_home(const sd_http_req_t *req);

/* Reply o (taken) with status when rc is 0, else the error for rc (o dropped); returns rc. */
int sd_api_reply_result(sd_http_req_t *req, int rc, int status, json_t *o);

/* Reply the error for rc (a store or validation failure); always returns rc. */
int sd_api_reply_rc(sd_http_req_t *req, int rc);

/*
 * Reply 200 {"items":[...]} with the items whose scope passes sd_policy_check(caller, act)
 * (act 0 = all); items is freed. The way list handlers answer a service's sd_pf_items_t.
 */
int sd_api_reply_items(sd_http_req_t *req, sd_action_t act, sd_pf_items_t *items);

#endif
