/* pf.c - the platform context: sample observers, wall time, and the audit log every service writes.
 */
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

const char *sd_pf_errmsg(void)
{
    return sd_store_errmsg();
}

void sd_pf_actor(const sd_principal_t *who, char *out, size_t n)
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

int sd_pf_audit_as(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, const char *action,
                   const char *object, const char *detail, const char *request_id)
{
    char actor[48];
    sd_pf_actor(who, actor, sizeof actor);
    const char *role = who ? sd_policy_role_name(who->role) : "";
    int rc = sd_store_exec(
        pf->store,
        "INSERT INTO audit (ts, actor, actor_role, tenant_id, action, object,"
        " detail, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        SD_PARAMS(SD_V_INT(sd_pf_now_ms(pf)), SD_V_TEXT(actor), SD_V_TEXT(role ? role : ""),
                  SD_V_INT(tenant_id), SD_V_TEXT(action), SD_V_TEXT(object ? object : ""),
                  SD_V_TEXT(detail ? detail : ""), SD_V_TEXT(request_id ? request_id : "")),
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

json_t *sd_pf_row_json(sd_stmt_t *s, const char *types)
{
    json_t *o = json_object();
    for (int i = 0; o && types[i] && i < sd_stmt_columns(s); i++) {
        const char *name = sd_stmt_column_name(s, i);
        json_t *v = NULL;
        switch (types[i]) {
        case 'i':
            v = sd_stmt_is_null(s, i) ? json_null() : json_integer(sd_stmt_int64(s, i));
            break;
        case 'b':
            v = json_boolean(sd_stmt_int64(s, i) != 0);
            break;
        case 's': {
            size_t n = 0;
            const char *t = sd_stmt_text(s, i, &n);
            v = t ? json_stringn(t, n) : json_null();
            break;
        }
        default:
            continue;
        }
        if (sd_json_set(o, name, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

int sd_pf_query_items(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                      const char *types, const sd_pf_scope_cols_t *cols, sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(st, sql, params, nparams, &s);
    if (rc != 0)
        return rc;
    if (!(out->rows = json_array()))
        rc = SD_ENOMEM;
    while (rc == 0 && (rc = sd_stmt_next(s)) == 1) {
        sd_scope_t sc = {
            .tenant_id = cols && cols->tenant_col >= 0 ? sd_stmt_int64(s, cols->tenant_col) : 0,
            .org_id = cols && cols->org_col >= 0 ? sd_stmt_int64(s, cols->org_col) : 0,
            .subject_id = cols && cols->subject_col >= 0 ? sd_stmt_int64(s, cols->subject_col) : 0};
        rc = sd_pf_items_add(out, sd_pf_row_json(s, types), sc);
    }
    sd_stmt_done(s);
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}

int sd_pf_items_add(sd_pf_items_t *items, json_t *row, sd_scope_t scope)
{
    if (!row)
        return SD_ENOMEM;
    if (!items->rows && !(items->rows = json_array())) {
        json_decref(row);
        return SD_ENOMEM;
    }
    if ((items->n & (items->n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
        sd_scope_t *ns = realloc(items->scopes, (items->n ? items->n * 2 : 1) * sizeof *ns);
        if (!ns) {
            json_decref(row);
            return SD_ENOMEM;
        }
        items->scopes = ns;
    }
    if (json_array_append_new(items->rows, row) != 0)
        return SD_ENOMEM;
    items->scopes[items->n++] = scope;
    return 0;
}

void sd_pf_items_free(sd_pf_items_t *items)
{
    if (!items)
        return;
    json_decref(items->rows);
    free(items->scopes);
    *items = (sd_pf_items_t){0};
}
