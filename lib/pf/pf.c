/* pf.c - the platform context: sample observers, wall time, and the audit log every service writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/pf.h"

/*
 * sd_pf_audit() is called by services that know no request; the request id comes from the
 * request being handled on this thread (the api layer sets it, see sd_pf_set_request_id()).
 */
static _Thread_local char cur_request_id[24];

void sd_pf_set_request_id(const char *id)
{
    snprintf(cur_request_id, sizeof cur_request_id, "%s", id ? id : "");
}

int sd_pf_observe_samples(sd_pf_t *pf, sd_pf_samples_fn fn, void *ctx)
{
    if (!pf || !fn)
        return SD_EINVAL;
    if (pf->n_observers >= (int)(sizeof pf->observers / sizeof pf->observers[0]))
        return SD_ETOOBIG;
    pf->observers[pf->n_observers++] = (struct sd_pf_observer){fn, ctx};
    return 0;
}

int64_t sd_pf_now_ms(const sd_pf_t *pf)
{
    return sd_clock_wall_ms(pf->clock ? pf->clock : sd_clock_system());
}

int64_t sd_pf_now_s(const sd_pf_t *pf)
{
    int64_t ms = sd_pf_now_ms(pf);
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

static void actor_of(const sd_principal_t *who, char *out, size_t n)
{
    if (!who)
        snprintf(out, n, "system");
    else if (who->role == SD_ROLE_APPLICATION)
        snprintf(out, n, "app:%lld", (long long)who->subject_id);
    else if (who->role == SD_ROLE_GATEWAY)
        snprintf(out, n, "gw:%lld", (long long)who->subject_id);
    else
        snprintf(out, n, "user:%lld", (long long)who->subject_id);
}

int sd_pf_audit_as(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id,
                    const char *action, const char *object, const char *detail,
                    const char *request_id)
{
    char actor[48];
    actor_of(who, actor, sizeof actor);
    const char *role = who ? sd_policy_role_name(who->role) : "";
    int rc = sd_store_exec(pf->store,
                           "INSERT INTO audit (ts, actor, actor_role, tenant_id, action, object,"
                           " detail, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                           SD_PARAMS(SD_V_INT(sd_pf_now_ms(pf)), SD_V_TEXT(actor),
                                     SD_V_TEXT(role ? role : ""), SD_V_INT(tenant_id),
                                     SD_V_TEXT(action), SD_V_TEXT(object ? object : ""),
                                     SD_V_TEXT(detail ? detail : ""),
                                     SD_V_TEXT(request_id ? request_id : "")),
                           NULL);
    if (rc != 0)
        sd_error("audit %s %s: %s (%s)", action, object ? object : "", sd_strerror(rc),
                 sd_store_errmsg());
    return rc;
}

int sd_pf_audit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, const char *action,
                const char *object, const char *detail_json)
{
    if (!pf || !action)
        return SD_EINVAL;
    return sd_pf_audit_as(pf, who, tenant_id, action, object, detail_json, cur_request_id);
}

