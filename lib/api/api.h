/* api.h - what every HTTP handler shares: the caller, deny-by-default checks, bodies, replies. */
#ifndef SD_API_API_H
#define SD_API_API_H

#include "core/json.h"
#include "http/http.h"
#include "pf/pf.h"
#include "store/store.h"

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

/* Reply the error for rc (a store or validation failure); always returns rc. */
int sd_api_reply_rc(sd_http_req_t *req, int rc);

/* Which rows of a list the caller may see: each row's scope (columns, -1 = 0) is checked. */
typedef struct {
    sd_action_t act;
    int tenant_col, org_col, subject_col;
} sd_api_visible_t;

/*
 * Reply 200 {"items":[...]} with the items whose scope passes sd_policy_check(caller, act)
 * (act 0 = all); items is freed. The way list handlers answer a service's sd_pf_items_t.
 */
int sd_api_reply_items(sd_http_req_t *req, sd_action_t act, sd_pf_items_t *items);

/*
 * Transitional, for handlers that still hold their list SQL (move it into the service and use
 * sd_api_reply_items()): reply 200 {"items":[rows...]} with the rows of the query (types as sd_pf_row_json()) that
 * pass sd_policy_check(caller, vis->act, row scope); vis NULL = every row. Errors are replied.
 */
int sd_api_reply_rows(sd_http_req_t *req, sd_store_t *st, const char *sql, const sd_val_t *params,
                     int nparams, const char *types, const sd_api_visible_t *vis);

/*
 * The rename every named object shares: validate {"name"} in body (taken: decref'd here),
 * UPDATE table SET name, and audit "<kind>.update" in tenant. table and kind are constants of
 * the caller, never client input. On failure it has replied and returns the error; on success
 * (0) the caller replies with the renamed object.
 */
int sd_api_rename(sd_pf_t *pf, sd_http_req_t *req, json_t *body, const char *table,
                 const char *kind, int64_t id, int64_t tenant);

#endif
