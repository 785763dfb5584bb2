/* session.c - portal sessions: create, resolve with idle and absolute expiry, delete. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "pf/accounts/org.h"
#include "pf/accounts/session.h"
#include "pf/accounts/user.h"

int sd_session_max_s(const sd_pf_t *pf)
{
    return pf->session_max_s > 0 ? pf->session_max_s : 12 * 3600;
}

static int session_idle_s(const sd_pf_t *pf)
{
    return pf->session_ttl_s > 0 ? pf->session_ttl_s : 1800;
}

int sd_session_resolve(sd_pf_t *pf, const char *tok, sd_session_user_t *u)
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    sd_token_kind_t kind;
    if (!tok || sd_token_parse(tok, strlen(tok), &kind) != 0 || kind != SD_TOKEN_SESSION ||
        sd_token_digest(tok, strlen(tok), dg) != 0)
        return SD_EUNAUTH;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        pf->store,
        "SELECT s.id, s.last_seen, s.expires_at, u.id, u.role, u.org_id, u.tenant_id,"
        " u.provisional, u.disabled, u.totp_required, u.totp_enabled, u.login"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = $1",
        SD_PARAMS(SD_V_TEXT(dg)), &s);
    if (rc == SD_ENOTFOUND)
        return SD_EUNAUTH;
    if (rc != 0)
        return rc;
    memset(u, 0, sizeof *u);
    int64_t now = sd_pf_now_ms(pf);
    int64_t sid = sd_stmt_int64(s, 0), last = sd_stmt_int64(s, 1), exp = sd_stmt_int64(s, 2);
    const char *role = sd_stmt_text(s, 4, NULL);
    sd_role_t r;
    int bad = sd_policy_role_parse(role ? role : "", strlen(role ? role : ""), &r) != 0;
    u->p = (sd_principal_t){.role = r,
                            .subject_id = sd_stmt_int64(s, 3),
                            .org_id = sd_stmt_int64(s, 5),
                            .tenant_id = sd_stmt_int64(s, 6)};
    if (sd_stmt_int64(s, 7))
        u->p.flags |= SD_PRINCIPAL_MUST_CHANGE_PW;
    if ((sd_stmt_int64(s, 9) || (!bad && sd_user_totp_forced(r))) && !sd_stmt_int64(s, 10))
        u->p.flags |= SD_PF_NEED_TOTP_ENROL;
    int disabled = (int)sd_stmt_int64(s, 8);
    const char *login = sd_stmt_text(s, 11, NULL);
    snprintf(u->login, sizeof u->login, "%s", login ? login : "");
    sd_stmt_done(s);
    u->session_id = sid;
    if (bad || disabled || now >= exp || now - last >= (int64_t)session_idle_s(pf) * 1000) {
        sd_session_delete(pf, sid);
        return disabled || bad ? SD_EUNAUTH : SD_EEXPIRED;
    }
    /* refresh the idle timer, but not on every request: a write per GET would dominate */
    int64_t step = (int64_t)session_idle_s(pf) * 1000 / 8;
    if (step > 10000)
        step = 10000;
    if (now - last >= step)
        sd_store_exec(pf->store, "UPDATE sessions SET last_seen = $1 WHERE id = $2",
                      SD_PARAMS(SD_V_INT(now), SD_V_INT(sid)), NULL);
    size_t n = 0;
    rc = sd_org_served(pf, u->p.org_id, u->linked, SD_PF_MAX_LINKED, &n);
    u->p.linked_tenants = n ? u->linked : NULL;
    u->p.n_linked = n;
    return rc;
}

int sd_session_create(sd_pf_t *pf, int64_t user_id, char out[SD_TOKEN_SIZE])
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    int rc = sd_token_new(SD_TOKEN_SESSION, out);
    if (rc == 0)
        rc = sd_token_digest(out, strlen(out), dg);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    return sd_store_exec(pf->store,
                         "INSERT INTO sessions (digest, user_id, created_at, last_seen, expires_at)"
                         " VALUES ($1, $2, $3, $3, $4)",
                         SD_PARAMS(SD_V_TEXT(dg), SD_V_INT(user_id), SD_V_INT(now),
                                   SD_V_INT(now + (int64_t)sd_session_max_s(pf) * 1000)),
                         NULL);
}

int sd_session_delete(sd_pf_t *pf, int64_t session_id)
{
    return sd_store_exec(pf->store, "DELETE FROM sessions WHERE id = $1",
                         SD_PARAMS(SD_V_INT(session_id)), NULL);
}

int sd_session_delete_user(sd_pf_t *pf, int64_t user_id)
{
    return sd_store_exec(pf->store, "DELETE FROM sessions WHERE user_id = $1",
                         SD_PARAMS(SD_V_INT(user_id)), NULL);
}

int sd_session_delete_others(sd_pf_t *pf, int64_t user_id, int64_t keep_id)
{
    return sd_store_exec(pf->store, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2",
                         SD_PARAMS(SD_V_INT(user_id), SD_V_INT(keep_id)), NULL);
}

int sd_session_check(sd_pf_t *pf, int64_t session_id, int *ok)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT s.expires_at, u.disabled FROM sessions s JOIN users u ON "
                                "u.id = s.user_id WHERE s.id = $1",
                                SD_PARAMS(SD_V_INT(session_id)), &s);
    if (rc != 0)
        return rc;
    *ok = sd_stmt_int64(s, 0) > sd_pf_now_ms(pf) && sd_stmt_int64(s, 1) == 0;
    sd_stmt_done(s);
    return 0;
}
