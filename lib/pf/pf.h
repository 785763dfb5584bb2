/* pf.h - the platform context and the helpers every platform handler uses: who, may they, audit. */
#ifndef SD_PF_PF_H
#define SD_PF_PF_H

#include <stdint.h>

#include "auth/policy.h"
#include "core/clock.h"
#include "http/http.h"
#include "store/store.h"

/*
 * One sd_pf_t per suidod process, shared by every request thread. Plain struct: suidod's main
 * fills it and hands it to each module's route registration. Fields are borrowed.
 */
typedef struct {
    sd_store_t *store;
    sd_clock_t *clock;           /* wall time for sessions, audit, expiries (fake in tests) */
    sd_http_server_t *http;
    const char *issuer;          /* TOTP issuer shown in authenticator apps ("suido") */
    int session_ttl_s;           /* idle expiry of a portal session */
    int token_ttl_s;             /* expiry of an AP-IF / GW-IF bearer token */
} sd_pf_t;

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

#endif
