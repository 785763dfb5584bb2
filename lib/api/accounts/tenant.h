/* tenant.h - tenants (表2-14 テナント提供): the unit of isolation; HTTP routes for them. */
#ifndef SD_PF_TENANT_H
#define SD_PF_TENANT_H

#include "pf/accounts/account_rules.h"
#include "api/api.h"

/*
 * Routes (JSON, under /api/v1):
 *   GET   /tenants              tenant.read, the tenants the caller may see
 *   POST  /tenants              tenant.manage {name, kind}
 *   GET   /tenants/{id}         tenant.read (404 when not visible)
 *   PATCH /tenants/{id}         tenant.manage {name}
 * 0 or the sd_http_route() error.
 */
int sd_tenant_routes(sd_pf_t *pf);

/* Kind of tenant id into *out: 0, SD_ENOTFOUND or a store error. */
int sd_tenant_kind_of(sd_pf_t *pf, int64_t id, sd_tenant_kind_t *out);

/* Create a tenant (no policy check: callers check); *id gets its row id. Audited by callers. */
int sd_tenant_create(sd_pf_t *pf, const char *name, sd_tenant_kind_t kind, int64_t *id);

#endif
