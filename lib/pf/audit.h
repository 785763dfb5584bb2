/* audit.h - reading the audit log that every service writes through sd_pf_audit() (pf.h). */
#ifndef SD_PF_AUDIT_H
#define SD_PF_AUDIT_H

#include <stdint.h>

#include "pf/pf.h"

/*
 * The newest limit records (1..1000), newest first, whose action starts with prefix ("" = all;
 * matched literally, no LIKE wildcards): of every tenant when all is 1, else of tenant only.
 * Columns id, ts, actor, actor_role, tenant_id, action, object, detail, request_id; each row's
 * scope is its tenant. 0 or SD_E*.
 */
int sd_pf_audit_list(sd_pf_t *pf, int all, int64_t tenant, const char *prefix, int64_t limit,
                     sd_pf_items_t *out);

#endif
