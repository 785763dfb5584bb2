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
