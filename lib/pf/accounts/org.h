/* org.h - organisations (operators, AP/GW vendors, the platform) and the tenants vendors serve:
 * the owner of tables orgs and org_tenants. */
#ifndef SD_PF_ACCOUNTS_ORG_H
#define SD_PF_ACCOUNTS_ORG_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/accounts/account_rules.h"
#include "pf/pf.h"

/* Tenant and kind of organisation id (either may be NULL). 0, SD_ENOTFOUND or a store error. */
int sd_org_lookup(sd_pf_t *pf, int64_t id, int64_t *tenant_id, sd_org_kind_t *kind);

/* Create an organisation (no policy check, not audited). *id its row id. SD_ECONFLICT when the
 * name is taken. */
int sd_org_create(sd_pf_t *pf, int64_t tenant_id, sd_org_kind_t kind, const char *name,
                  int64_t *id);

/* The first platform organisation into *id: 0, SD_ENOTFOUND or a store error. */
int sd_org_platform(sd_pf_t *pf, int64_t *id);

/* Organisation id as the API shows it {id, tenant_id, kind, name, created_at, serves: [tenant
 * ids]} into *out (new reference). 0, SD_ENOTFOUND, SD_ENOMEM or a store error. */
int sd_org_json(sd_pf_t *pf, int64_t id, json_t **out);

/* Every organisation, by id, each with its scope (tenant, org). 0 or SD_E*. */
int sd_org_list(sd_pf_t *pf, sd_pf_items_t *out);

/* Rename organisation id of tenant (name already validated) and audit "org.update" by who.
 * 0, SD_ECONFLICT or a store error. */
int sd_org_rename(sd_pf_t *pf, const sd_principal_t *who, int64_t id, int64_t tenant,
                  const char *name);

/* The tenants org_id serves, in id order: at most max into out, *n how many were written.
 * 0 or a store error. */
int sd_org_served(sd_pf_t *pf, int64_t org_id, int64_t *out, size_t max, size_t *n);

/* Does org_id serve tenant_id? 0 yes, SD_ENOTFOUND no, or a store error. */
int sd_org_serves(sd_pf_t *pf, int64_t org_id, int64_t tenant_id);

/* Link (serve = 1, idempotent) or unlink (serve = 0) org_id and tenant_id and audit
 * "org.link" / "org.unlink" in that tenant by who. No kind check (callers check
 * sd_rules_link_fits()). 0 or a store error. */
int sd_org_link(sd_pf_t *pf, const sd_principal_t *who, int64_t org_id, int64_t tenant_id,
                int serve);

#endif
