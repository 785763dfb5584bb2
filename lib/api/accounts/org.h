/* org.h - organisations (operators, AP/GW vendors, the platform) and the tenants vendors serve. */
#ifndef SD_PF_ORG_H
#define SD_PF_ORG_H

#include "pf/accounts/account_rules.h"
#include "api/api.h"

/*
 * Routes (JSON, under /api/v1):
 *   GET    /orgs                         org.read, those the caller may see
 *   POST   /orgs                         org.manage {tenant_id, kind, name}
 *   GET    /orgs/{id}                    org.read (with "serves": [tenant ids])
 *   PATCH  /orgs/{id}                    org.manage {name}
 *   PUT    /orgs/{id}/tenants/{tenant}   tenant.manage: the vendor serves that operator tenant
 *   DELETE /orgs/{id}/tenants/{tenant}   tenant.manage: no longer
 */
int sd_org_routes(sd_pf_t *pf);

/* Tenant and kind of organisation id. 0, SD_ENOTFOUND or a store error. */
int sd_org_lookup(sd_pf_t *pf, int64_t id, int64_t *tenant_id, sd_org_kind_t *kind);

/* Create an organisation (no policy check). *id its row id. */
int sd_org_create(sd_pf_t *pf, int64_t tenant_id, sd_org_kind_t kind, const char *name,
                  int64_t *id);

#endif
