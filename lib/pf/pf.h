/* pf.h - the platform context every service shares: store, clock, secrets, sample observers, audit.
 */
#ifndef SD_PF_PF_H
#define SD_PF_PF_H

#include <stdint.h>

#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/policy.h"
#include "core/clock.h"
#include "core/json.h"
#include "pf/ratelimit.h"
#include "store/store.h"

/*
 * One sd_pf_t per suidod process, shared by every request thread. Plain struct: suidod fills it
 * (src/suidod/platform.c) and hands it to each service (and the api layer). Fields are borrowed.
 */
struct sd_ts_sample; /* pf/ts.h */

typedef struct {
    sd_store_t *store;
    sd_clock_t *clock;             /* wall time for sessions, audit, expiries (fake in tests) */
    const char *issuer;            /* TOTP issuer shown in authenticator apps ("suido") */
    int session_ttl_s;             /* idle expiry of a portal session */
    int token_ttl_s;               /* expiry of an AP-IF / GW-IF bearer token */
    int session_max_s;             /* absolute lifetime of a portal session (0 = 12 h) */
    sd_lockout_policy_t lockout;   /* login back-off (threshold 0 = SD_LOCKOUT_POLICY_DEFAULT) */
    sd_pw_params_t pw_params;      /* argon2id cost of new hashes (opslimit 0 = interactive) */
    unsigned char secret_key[32];  /* secretbox key for TOTP secrets at rest */
    sd_ratelimit_t *tenant_limit;  /* requests per tenant (NULL = unlimited) */
    sd_ratelimit_t *connect_limit; /* wrong client secrets per (address, client id), NULL = none */
    sd_ratelimit_t *login_limit;   /* login attempts per source address (NULL = unlimited) */
    unsigned login_hashes;         /* argon2id checks of logins at once (0 = half the cores) */
    const char *public_url;        /* the portal as browsers reach it (behind a proxy), or NULL */
    /* modules that follow stored samples (alarms, monitors); see sd_pf_observe_samples() */
    struct sd_pf_observer {
        void (*fn)(void *ctx, int64_t tenant_id, const struct sd_ts_sample *s, size_t n);
        void *ctx;
    } observers[8];
    int n_observers;
    struct sd_requests *requests; /* pf/request.h, NULL until started */
    struct sd_alarms *alarms;     /* pf/alarm.h, NULL until started */
    struct sd_ingest *ingest;     /* pf/data/ingest.h, the group-commit writer; NULL = each
                                     sd_ts_ingest() caller commits on its own thread */
} sd_pf_t;

/*
 * Follow every committed sample batch: fn runs on the thread that committed it (the group-commit
 * writer, pf/data/ingest.h, when it runs) right after the commit, before the batch is
 * acknowledged (so it must be quick and must not call back into ingest). It sees the batch as
 * stored, in upload order. Register before the server starts. SD_ETOOBIG when 8 are registered. A
 * crash between commit and fn loses the notification, not the data: observers that must not miss a
 * change (alarms) re-read the latest values when they start.
 */
typedef void (*sd_pf_samples_fn)(void *ctx, int64_t tenant_id, const struct sd_ts_sample *s,
                                 size_t n);
int sd_pf_observe_samples(sd_pf_t *pf, sd_pf_samples_fn fn, void *ctx);

/*
 * Append an audit record in the same store (call inside the change's transaction when there is
 * one): who (NULL = system), action ("user.create"), object ("user:42"), tenant, and an optional
 * JSON detail (borrowed; never secrets). Returns 0 or SD_E*.
 */
int sd_pf_audit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, const char *action,
                const char *object, const char *detail_json);

/*
 * sd_pf_audit() with an explicit request id (NULL = none): for the api layer, which knows the
 * request. Services use sd_pf_audit().
 */
int sd_pf_audit_as(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, const char *action,
                   const char *object, const char *detail_json, const char *request_id);

/* The store's message for the last failure on this thread, for logs ("" when none). */
const char *sd_pf_errmsg(void);

/* Who acted, as audit and history rows name them: "user:7", "app:3", "gw:2", or "system" (NULL). */
void sd_pf_actor(const sd_principal_t *who, char *out, size_t n);

/* The request id that sd_pf_audit() records for audits made on this thread from now on. */
void sd_pf_set_request_id(const char *id);

/* Wall time from pf->clock in milliseconds and in seconds. */
int64_t sd_pf_now_ms(const sd_pf_t *pf);
int64_t sd_pf_now_s(const sd_pf_t *pf);

/*
 * The current row of s as a JSON object keyed by column names, one type letter per column:
 * 'i' integer, 'b' boolean (0/1), 's' text, '-' skip. NULL on ENOMEM.
 */
json_t *sd_pf_row_json(sd_stmt_t *s, const char *types);

/* Which columns of a list query hold each row's scope (-1 = 0), for the caller's policy check. */
typedef struct {
    int tenant_col, org_col, subject_col;
} sd_pf_scope_cols_t;

/* The rows of a list (rows[i] a JSON object) and the scope of each, for the api to filter. */
typedef struct {
    json_t *rows;
    sd_scope_t *scopes;
    size_t n;
} sd_pf_items_t;

/*
 * Run a list query: every row as sd_pf_row_json(types) with its scope (cols NULL = no scope).
 * 0 or SD_E*; out is empty on error. Services build their list functions on this; the api layer
 * replies with the rows the caller may see (sd_api_reply_items()).
 */
int sd_pf_query_items(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                      const char *types, const sd_pf_scope_cols_t *cols, sd_pf_items_t *out);
/* Append row (taken, also on failure; NULL = out of memory) with its scope. 0 or SD_ENOMEM. */
int sd_pf_items_add(sd_pf_items_t *items, json_t *row, sd_scope_t scope);
void sd_pf_items_free(sd_pf_items_t *items); /* NULL-safe */

#endif
