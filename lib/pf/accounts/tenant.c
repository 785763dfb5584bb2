/* tenant.c - tenants (表2-14 テナント提供): create, list, show, rename; the SQL of table tenants.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "pf/accounts/tenant.h"

#define TENANT_COLS  "SELECT id, name, kind, created_at FROM tenants"
#define TENANT_TYPES "issi"

int sd_tenant_kind_of(sd_pf_t *pf, int64_t id, sd_tenant_kind_t *out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT kind FROM tenants WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    size_t n = 0;
    const char *k = sd_stmt_text(s, 0, &n);
    rc = sd_rules_tenant_kind(k ? k : "", n, out);
    sd_stmt_done(s);
    return rc == 0 ? 0 : SD_ESTORE;
}

int sd_tenant_name(sd_pf_t *pf, int64_t id, char *out, size_t n)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT name FROM tenants WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    const char *name = sd_stmt_text(s, 0, NULL);
    snprintf(out, n, "%s", name ? name : "");
    sd_stmt_done(s);
    return 0;
}

int sd_tenant_create(sd_pf_t *pf, const char *name, sd_tenant_kind_t kind, int64_t *id)
{
    return sd_store_insert(pf->store,
                           "INSERT INTO tenants (name, kind, created_at) VALUES ($1, $2, $3)"
                           " RETURNING id",
                           SD_PARAMS(SD_V_TEXT(name), SD_V_TEXT(sd_rules_tenant_kind_name(kind)),
                                     SD_V_INT(sd_pf_now_ms(pf))),
                           id);
}

int sd_tenant_json(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc =
        sd_store_query_row(pf->store, TENANT_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    *out = sd_pf_row_json(s, TENANT_TYPES);
    sd_stmt_done(s);
    return *out ? 0 : SD_ENOMEM;
}

int sd_tenant_list(sd_pf_t *pf, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {0, -1, -1};
    return sd_pf_query_items(pf->store, TENANT_COLS " ORDER BY id", SD_NOPARAMS, TENANT_TYPES,
                             &cols, out);
}

int sd_tenant_rename(sd_pf_t *pf, const sd_principal_t *who, int64_t id, const char *name)
{
    int rc = sd_store_exec(pf->store, "UPDATE tenants SET name = $1 WHERE id = $2",
                           SD_PARAMS(SD_V_TEXT(name), SD_V_INT(id)), NULL);
    if (rc != 0)
        return rc;
    char obj[48];
    snprintf(obj, sizeof obj, "tenant:%lld", (long long)id);
    sd_pf_audit(pf, who, id, "tenant.update", obj, NULL);
    return 0;
}
