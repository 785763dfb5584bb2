/* audit.c - reading the audit log (written through sd_pf_audit() in pf.c). */
#include <string.h>

#include "pf/audit.h"

int sd_pf_audit_list(sd_pf_t *pf, int all, int64_t tenant, const char *prefix, int64_t limit,
                     sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {4, -1, -1};
    if (!prefix)
        prefix = "";
    /* LIKE wildcards in the prefix are matched literally through substr() instead */
    return sd_pf_query_items(
        pf->store,
        "SELECT id, ts, actor, actor_role, tenant_id, action, object, detail,"
        " request_id FROM audit WHERE (CAST($1 AS BIGINT) = 1 OR tenant_id = $2)"
        " AND substr(action, 1, CAST($3 AS INTEGER)) = $4 ORDER BY id DESC LIMIT $5",
        SD_PARAMS(SD_V_INT(all != 0), SD_V_INT(tenant), SD_V_INT(strlen(prefix)), SD_V_TEXT(prefix),
                  SD_V_INT(limit)),
        "iississss", &cols, out);
}

int sd_pf_audit_query(sd_pf_t *pf, const sd_pf_audit_filter_t *f, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {4, -1, -1};
    const char *prefix = f->prefix ? f->prefix : "", *actor = f->actor ? f->actor : "",
               *object = f->object ? f->object : "";
    /* each condition is switched off by its own "empty" value, so one statement serves all */
    return sd_pf_query_items(
        pf->store,
        "SELECT id, ts, actor, actor_role, tenant_id, action, object, detail,"
        " request_id FROM audit WHERE (CAST($1 AS BIGINT) = 1 OR tenant_id = $2)"
        " AND substr(action, 1, CAST($3 AS INTEGER)) = $4"
        " AND (CAST($5 AS TEXT) = '' OR actor = $5) AND (CAST($6 AS TEXT) = '' OR object = $6)"
        " AND ts >= $7 AND (CAST($8 AS BIGINT) = 0 OR ts < $8)"
        " AND (CAST($9 AS BIGINT) = 0 OR id < $9) ORDER BY id DESC LIMIT $10",
        SD_PARAMS(SD_V_INT(f->all != 0), SD_V_INT(f->tenant), SD_V_INT(strlen(prefix)),
                  SD_V_TEXT(prefix), SD_V_TEXT(actor), SD_V_TEXT(object), SD_V_INT(f->since_ms),
                  SD_V_INT(f->until_ms), SD_V_INT(f->before_id), SD_V_INT(f->limit)),
        "iississss", &cols, out);
}
