/* org.c - organisations and the tenants vendors serve: the SQL of tables orgs and org_tenants. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "pf/accounts/org.h"

#define ORG_COLS  "SELECT id, tenant_id, kind, name, created_at FROM orgs"
#define ORG_TYPES "iissi"

int sd_org_lookup(sd_pf_t *pf, int64_t id, int64_t *tenant_id, sd_org_kind_t *kind)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT tenant_id, kind FROM orgs WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    size_t n = 0;
    const char *k = sd_stmt_text(s, 1, &n);
    sd_org_kind_t ok;
    rc = sd_rules_org_kind(k ? k : "", n, &ok) == 0 ? 0 : SD_ESTORE;
    if (tenant_id)
        *tenant_id = sd_stmt_int64(s, 0);
    if (kind)
        *kind = ok;
    sd_stmt_done(s);
    return rc;
}

int sd_org_create(sd_pf_t *pf, int64_t tenant_id, sd_org_kind_t kind, const char *name, int64_t *id)
{
    return sd_store_insert(pf->store,
                           "INSERT INTO orgs (tenant_id, kind, name, created_at)"
                           " VALUES ($1, $2, $3, $4) RETURNING id",
                           SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(sd_rules_org_kind_name(kind)),
                                     SD_V_TEXT(name), SD_V_INT(sd_pf_now_ms(pf))),
                           id);
}

int sd_org_platform(sd_pf_t *pf, int64_t *id)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT id FROM orgs WHERE kind = 'platform' ORDER BY id LIMIT 1",
                                SD_NOPARAMS, &s);
    if (rc == 0) {
        *id = sd_stmt_int64(s, 0);
        sd_stmt_done(s);
    }
    return rc;
}

int sd_org_json(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, ORG_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    json_t *o = sd_pf_row_json(s, ORG_TYPES);
    sd_stmt_done(s);
    json_t *serves = json_array();
    rc = sd_store_query(pf->store,
                        "SELECT tenant_id FROM org_tenants WHERE org_id = $1"
                        " ORDER BY tenant_id",
                        SD_PARAMS(SD_V_INT(id)), &s);
    /* every served tenant (the handler this came from stopped after the first row) */
    if (rc == 0) {
        while ((rc = sd_stmt_next(s)) == 1)
            json_array_append_new(serves, json_integer(sd_stmt_int64(s, 0)));
        sd_stmt_done(s);
    }
    sd_json_set(o, "serves", serves);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    if (!o)
        return SD_ENOMEM;
    *out = o;
    return 0;
}

int sd_org_list(sd_pf_t *pf, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {1, 0, -1};
    return sd_pf_query_items(pf->store, ORG_COLS " ORDER BY id", SD_NOPARAMS, ORG_TYPES, &cols,
                             out);
}

int sd_org_rename(sd_pf_t *pf, const sd_principal_t *who, int64_t id, int64_t tenant,
                  const char *name)
{
    int rc = sd_store_exec(pf->store, "UPDATE orgs SET name = $1 WHERE id = $2",
                           SD_PARAMS(SD_V_TEXT(name), SD_V_INT(id)), NULL);
    if (rc != 0)
        return rc;
    char obj[48];
    snprintf(obj, sizeof obj, "org:%lld", (long long)id);
    sd_pf_audit(pf, who, tenant, "org.update", obj, NULL);
    return 0;
}

int sd_org_served(sd_pf_t *pf, int64_t org_id, int64_t *out, size_t max, size_t *n)
{
    *n = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(
        pf->store, "SELECT tenant_id FROM org_tenants WHERE org_id = $1 ORDER BY tenant_id",
        SD_PARAMS(SD_V_INT(org_id)), &s);
    if (rc != 0)
        return rc;
    while ((rc = sd_stmt_next(s)) == 1)
        if (*n < max)
            out[(*n)++] = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int sd_org_serves(sd_pf_t *pf, int64_t org_id, int64_t tenant_id)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT 1 FROM org_tenants WHERE org_id = $1 AND tenant_id = $2",
                                SD_PARAMS(SD_V_INT(org_id), SD_V_INT(tenant_id)), &s);
    if (rc == 0)
        sd_stmt_done(s);
    return rc;
}

int sd_org_link(sd_pf_t *pf, const sd_principal_t *who, int64_t org_id, int64_t tenant_id,
                int serve)
{
    int rc = sd_store_exec(pf->store,
                           serve ? "INSERT INTO org_tenants (org_id, tenant_id) VALUES ($1, $2)"
                                   " ON CONFLICT (org_id, tenant_id) DO NOTHING"
                                 : "DELETE FROM org_tenants WHERE org_id = $1 AND tenant_id = $2",
                           SD_PARAMS(SD_V_INT(org_id), SD_V_INT(tenant_id)), NULL);
    if (rc != 0)
        return rc;
    char obj[32], det[64];
    snprintf(obj, sizeof obj, "org:%lld", (long long)org_id);
    snprintf(det, sizeof det, "{\"tenant_id\":%lld}", (long long)tenant_id);
    sd_pf_audit(pf, who, tenant_id, serve ? "org.link" : "org.unlink", obj, det);
    return 0;
}
