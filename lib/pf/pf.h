/* pf.h - the platform context and the helpers every platform handler uses: who, may they, audit. */
#ifndef SD_PF_PF_H
#define SD_PF_PF_H

#include <stdint.h>

#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/policy.h"
#include "core/clock.h"
#include "http/http.h"
#include "pf/ratelimit.h"
#include "store/store.h"

/*
 * One sd_pf_t per suidod process, shared by every request thread. Plain struct: suidod's main
 * fills it and hands it to each module's route registration. Fields are borrowed.
 */
struct sd_ts_sample; /* pf/ts.h */

typedef struct {
    sd_store_t *store;
    sd_clock_t *clock;           /* wall time for sessions, audit, expiries (fake in tests) */
    sd_http_server_t *http;
    const char *issuer;          /* TOTP issuer shown in authenticator apps ("suido") */
    int session_ttl_s;           /* idle expiry of a portal session */
    int token_ttl_s;             /* expiry of an AP-IF / GW-IF bearer token */
    /* added by the accounts module (zero = the defaults noted) */
    int session_max_s;             /* absolute lifetime of a portal session (0 = 12 h) */
    sd_lockout_policy_t lockout;   /* login back-off (threshold 0 = SD_LOCKOUT_POLICY_DEFAULT) */
    sd_pw_params_t pw_params;      /* argon2id cost of new hashes (opslimit 0 = interactive) */
    unsigned char secret_key[32];  /* secretbox key for TOTP secrets at rest */
    sd_ratelimit_t *tenant_limit;  /* requests per tenant (NULL = unlimited) */
    /* modules that follow stored samples (alarms, monitors); see sd_pf_observe_samples() */
    struct sd_pf_observer {
        void (*fn)(void *ctx, int64_t tenant_id, const struct sd_ts_sample *s, size_t n);
        void *ctx;
    } observers[8];
    int n_observers;
    struct sd_requests *requests; /* pf/request.h, NULL until started */
    struct sd_alarms *alarms;     /* pf/alarm.h, NULL until started */
} sd_pf_t;

/*
 * Follow every committed sample batch: fn runs on the ingesting thread right after the commit
 * (so it must be quick and must not call back into ingest). It sees the batch as stored, in
 * upload order. Register before the server starts. SD_ETOOBIG when 8 are registered.
 * A crash between commit and fn loses the notification, not the data: observers that must not
 * miss a change (alarms) re-read the latest values when they start.
 */
typedef void (*sd_pf_samples_fn)(void *ctx, int64_t tenant_id, const struct sd_ts_sample *s,
                                 size_t n);
int sd_pf_observe_samples(sd_pf_t *pf, sd_pf_samples_fn fn, void *ctx);

/*
 * The authenticated caller of req, attached by the authentication hook (session cookie
 * "suido_session" or "Authorization: Bearer ..."); NULL for an anonymous request.
 */
const sd_principal_t *sd_pf_principal(const sd_http_req_t *req);

/*
 * Deny by default: check that req's principal may do act on target (sd_policy_check()). On
 * denial this REPLIES (401 when anonymous, 403 forbidden, 403 password_change_required) and
 * returns the negative SD_E*; the handler must then return without replying again.
 */
int sd_pf_require(sd_http_req_t *req, sd_action_t act, const sd_scope_t *target);

/*
 * Append an audit record in the same store (call inside the change's transaction when there is
 * one): who (NULL = system), action ("user.create"), object ("user:42"), tenant, and an optional
 * JSON detail (borrowed; never secrets). Returns 0 or SD_E*.
 */
int sd_pf_audit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, const char *action,
                const char *object, const char *detail_json);

/* ---- helpers for handlers (added by the accounts module) ---------------------------------- */

/*
 * Like sd_pf_require(), for an object loaded by id: when the principal may not even read_act the
 * target (another tenant, another vendor's object) this replies 404 not_found, so ids cannot be
 * probed; when it may read but not act, 403. Returns 0 or the negative SD_E* (already replied).
 */
int sd_pf_require_visible(sd_http_req_t *req, sd_action_t read_act, sd_action_t act,
                          const sd_scope_t *target);

/* sd_pf_audit() with the request's principal and request id. */
int sd_pf_audit_req(sd_pf_t *pf, sd_http_req_t *req, int64_t tenant_id, const char *action,
                    const char *object, const char *detail_json);

/* Parse the body as a JSON object into *out (new reference), or reply 400 and return SD_E*. */
int sd_pf_body(sd_http_req_t *req, json_t **out);

/* Path parameter name as a positive id into *out, or reply 404 and return SD_ENOTFOUND. */
int sd_pf_param_id(sd_http_req_t *req, const char *name, int64_t *out);

/* Reply the error for rc (a store or validation failure); always returns rc. */
int sd_pf_reply_rc(sd_http_req_t *req, int rc);

/*
 * The current row of s as a JSON object keyed by column names, one type letter per column:
 * 'i' integer, 'b' boolean (0/1), 's' text, '-' skip. NULL on ENOMEM. For list/get handlers.
 */
json_t *sd_pf_row_json(sd_stmt_t *s, const char *types);

/* Which rows of a list the caller may see: each row's scope (columns, -1 = 0) is checked. */
typedef struct {
    sd_action_t act;
    int tenant_col, org_col, subject_col;
} sd_pf_visible_t;

/*
 * Reply 200 {"items":[rows...]} with the rows of the query (types as sd_pf_row_json()) that
 * pass sd_policy_check(caller, vis->act, row scope); vis NULL = every row. Errors are replied.
 */
int sd_pf_reply_rows(sd_http_req_t *req, sd_store_t *st, const char *sql, const sd_val_t *params,
                     int nparams, const char *types, const sd_pf_visible_t *vis);

/* Wall time from pf->clock in milliseconds and in seconds. */
int64_t sd_pf_now_ms(const sd_pf_t *pf);
int64_t sd_pf_now_s(const sd_pf_t *pf);

/*
 * The rename every named object shares: validate {"name"} in body (taken: decref'd here),
 * UPDATE table SET name, and audit "<kind>.update" in tenant. table and kind are constants of
 * the caller, never client input. On failure it has replied and returns the error; on success
 * (0) the caller replies with the renamed object.
 */
int sd_pf_rename(sd_pf_t *pf, sd_http_req_t *req, json_t *body, const char *table,
                 const char *kind, int64_t id, int64_t tenant);

#endif
