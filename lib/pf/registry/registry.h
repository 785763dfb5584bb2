/* registry.h - registrations of applications and gateways (§2.3) and their bearer tokens: the
 * owner of tables clients and api_tokens. Other rooms read a registration through
 * sd_registry_get() / sd_registry_find() and the gateway helpers below, never the tables. */
#ifndef SD_PF_REGISTRY_REGISTRY_H
#define SD_PF_REGISTRY_REGISTRY_H

#include <stdint.h>

#include "auth/policy.h"
#include "auth/token.h"
#include "core/json.h"
#include "pf/pf.h"
#include "store/store.h"

/*
 * One registration = one credential for one vendor's application (or gateway) serving one
 * operator tenant; a vendor serving two operators registers twice, so a leaked credential
 * reaches one tenant. A registration has a client id ("ap-" / "gw-" + 16 hex digits) and a
 * secret (an sdc_ token, stored as its digest) exchanged for short-lived bearer tokens (sdt_).
 */
typedef enum { SD_CLIENT_APPLICATION = 0, SD_CLIENT_GATEWAY = 1 } sd_client_kind_t;

/* "application" / "gateway" (clients.kind); the audit / JSON prefix "app" / "gw". */
const char *sd_registry_kind_name(sd_client_kind_t k);
const char *sd_registry_kind_short(sd_client_kind_t k);

/* A registration row (the secret only as its digest). */
typedef struct {
    int64_t id, org_id, tenant_id;
    int64_t expires_at; /* ms, 0 = never */
    int64_t created_at, updated_at;
    sd_client_kind_t kind;
    int enabled;
    char name[132];
    char client_id[72];
    char cert_fp[72]; /* SHA-256 of the pinned client certificate, 64 hex digits, or "" */
    char secret_digest[SD_TOKEN_DIGEST_SIZE];
    int64_t failures, last_failure_s; /* unused since connect stopped locking out (always 0) */
} sd_client_t;

/* Registration row id / with client id cid, of any kind. 0, SD_ENOTFOUND or a store error. */
int sd_registry_get(sd_store_t *st, int64_t id, sd_client_t *out);
int sd_registry_find(sd_store_t *st, const char *cid, sd_client_t *out);

/* Is c usable at now_ms (enabled, not past its expiry)? 1 or 0. Pure. */
int sd_registry_live(const sd_client_t *c, int64_t now_ms);

/* Registration id as the API shows it (id, kind, name, org_id, tenant_id, client_id, enabled,
 * expires_at, cert_fingerprint, created_at, updated_at) into *out (new reference).
 * 0, SD_ENOTFOUND, SD_ENOMEM or a store error. */
int sd_registry_json(sd_pf_t *pf, int64_t id, json_t **out);

/* The registrations of kind, by id, each with its scope (tenant, org, the registration). */
int sd_registry_list(sd_pf_t *pf, sd_client_kind_t kind, sd_pf_items_t *out);

/* A certificate fingerprint as given (64 hex digits, colons allowed and dropped, any case, or
 * empty) into out as 64 lower-case hex digits or "". 0 or SD_EFIELD. Pure. */
int sd_registry_norm_fp(const char *in, char out[65]);

/* A new registration (fields validated by the caller: the org is a vendor of the kind serving
 * the tenant). */
typedef struct {
    sd_client_kind_t kind;
    int64_t org_id, tenant_id;
    const char *name;
    int64_t expires_at;  /* ms, 0 = never */
    const char *cert_fp; /* normalised (sd_registry_norm_fp()), "" = none */
} sd_registry_new_t;

/*
 * Register: a client id into cid and a secret into secret (shown once; zero it after use),
 * *id the row; audited "<app|gw>.register" by who in the tenant. No policy check.
 * 0 or SD_E*.
 */
int sd_registry_create(sd_pf_t *pf, const sd_principal_t *who, const sd_registry_new_t *n,
                       char cid[40], char secret[SD_TOKEN_SIZE], int64_t *id);

/* A change of a registration: NULL / -1 = unchanged. */
typedef struct {
    const char *name;    /* validated */
    const char *cert_fp; /* normalised */
    int64_t expires_at;  /* >= 0 to set */
    int enabled;         /* 0, 1 or -1; disabling revokes its tokens */
} sd_registry_change_t;

/*
 * Apply ch to registration id (of kind, in tenant) with its audit record "<app|gw>.disable",
 * ".enable" or ".update" by who (detail_json: the request as given), in one transaction.
 * No policy check. 0 or a store error.
 */
int sd_registry_update(sd_pf_t *pf, const sd_principal_t *who, sd_client_kind_t kind, int64_t id,
                       int64_t tenant, const sd_registry_change_t *ch, const char *detail_json);

/*
 * A new secret for registration id (into secret, shown once): the old secret, its failure count
 * and every token revoked, audited "<app|gw>.rotate" by who, in one transaction. 0 or SD_E*.
 */
int sd_registry_rotate(sd_pf_t *pf, const sd_principal_t *who, sd_client_kind_t kind, int64_t id,
                       int64_t tenant, char secret[SD_TOKEN_SIZE]);

/* Set (fp normalised) or clear ("") the pinned certificate fingerprint of registration id, with
 * updated_at; for the PKI room, inside its own transaction. 0 or a store error. */
int sd_registry_set_cert_fp(sd_pf_t *pf, int64_t id, const char *fp);

/* ---- tokens (AP-IF #1/#2) --------------------------------------------------------------- */

/* A token issued by sd_registry_connect(). */
typedef struct {
    char token[SD_TOKEN_SIZE]; /* zero it after use */
    int64_t expires_at;        /* ms */
    int64_t expires_in;        /* s, from the connect */
    int64_t retry_after_s;     /* SD_ERATE: seconds until this address may try again */
} sd_registry_token_t;

/*
 * AP-IF #1: exchange client id and secret for a bearer token (pf->token_ttl_s, default 1 h).
 * Never locks a registration out: each wrong secret (or unknown client id) takes a token from
 * pf->connect_limit's bucket of (source, cid), source being the caller's address; while that
 * bucket is empty, attempts from source for cid get SD_ERATE (out->retry_after_s) before the
 * secret is even looked at, and the same client id from any other address is unaffected.
 * Audited "client.connect", "client.connect_fail" {reason: unknown client|secret|disabled|
 * expired} or "client.connect_throttled" {source, retry_after_s} in the registration's tenant
 * (common when unknown), caller as actor.
 * 0, SD_ERATE, SD_EUNAUTH, SD_EEXPIRED (registration expired), or a store error.
 */
int sd_registry_connect(sd_pf_t *pf, const sd_principal_t *caller, const char *source,
                        const char *cid, const char *secret, sd_registry_token_t *out);

/* A new bearer token for registration client_row: into out, *expires_ms its expiry. */
int sd_registry_token_create(sd_pf_t *pf, int64_t client_row, char out[SD_TOKEN_SIZE],
                             int64_t *expires_ms);

/* The registration behind a live bearer token. */
typedef struct {
    sd_principal_t p; /* SD_ROLE_GATEWAY / SD_ROLE_APPLICATION, subject = registration row */
    int64_t token_id; /* the api_tokens row */
    char client_id[72];
} sd_registry_bearer_t;

/*
 * Resolve a bearer token against the live registration row: 0 with *out filled; SD_EUNAUTH
 * (not an sdt_ token, unknown, registration disabled), SD_EEXPIRED (token or registration
 * expired: the token is deleted), or a store error.
 */
int sd_registry_token_verify(sd_pf_t *pf, const char *tok, sd_registry_bearer_t *out);

/* Revoke one token row (AP-IF #2) / every token of a registration. 0 or a store error. */
int sd_registry_token_delete(sd_pf_t *pf, int64_t token_row);
int sd_registry_token_revoke(sd_pf_t *pf, int64_t client_row);

/* Is token_row still good (token and registration unexpired, registration enabled)? *ok 1 or 0.
 * 0, SD_ENOTFOUND (revoked) or a store error. For streams that re-check their credential. */
int sd_registry_token_check(sd_pf_t *pf, int64_t token_row, int *ok);

/* Newest token issued to registration client_row and its expiry (0 when none) in ms. */
int sd_registry_token_times(sd_store_t *st, int64_t client_row, int64_t *issued_at,
                            int64_t *expires_at);

/* Call fn for each registration that was ever issued a token, in registration id order, with
 * its newest token's issue and the latest expiry (ms); a non-zero return of fn stops and is
 * returned. One query (for status pages). 0 or a store error. */
int sd_registry_each_token_times(sd_store_t *st,
                                 int (*fn)(void *ctx, int64_t client_row, int64_t issued_at,
                                           int64_t expires_at),
                                 void *ctx);

/* Call fn for each registration of tenant (0 = every tenant) and kind (-1 = both), in id order;
 * a non-zero return of fn stops and is returned. 0 or a store error. For the rooms that join
 * registrations with their own tables (certificates, gateway state, alarm sources). */
int sd_registry_each(sd_store_t *st, int64_t tenant, int kind,
                     int (*fn)(void *ctx, const sd_client_t *c), void *ctx);

/* ---- gateways, for the rooms that route to them ------------------------------------------ */

/* Call fn for each live gateway (enabled, unexpired at now_ms) in client id order; a non-zero
 * return of fn stops and is returned. 0 or a store error. */
int sd_registry_each_live_gateway(sd_store_t *st, int64_t now_ms,
                                  int (*fn)(void *ctx, const sd_client_t *gw), void *ctx);

/* The live gateways of tenant named name ("" = any), in id order: the first into *gw_id (when
 * *n > 0), *n how many (counted up to 2, so 2 means "more than one"). 0 or a store error. */
int sd_registry_pick_gateway(sd_store_t *st, int64_t tenant, const char *name, int64_t now_ms,
                             int64_t *gw_id, int *n);

/* Number of live gateways of tenant at now_ms into *n. 0 or a store error. */
int sd_registry_count_live_gateways(sd_store_t *st, int64_t tenant, int64_t now_ms, int64_t *n);

#endif
