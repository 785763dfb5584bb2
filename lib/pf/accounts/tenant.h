/* tenant.h - tenants (表2-14 テナント提供), the unit of isolation: the owner of table tenants. */
#ifndef SD_PF_ACCOUNTS_TENANT_H
#define SD_PF_ACCOUNTS_TENANT_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/accounts/account_rules.h"
#include "pf/pf.h"

/* Kind of tenant id into *out: 0, SD_ENOTFOUND or a store error (SD_ESTORE for a bad kind). */
int sd_tenant_kind_of(sd_pf_t *pf, int64_t id, sd_tenant_kind_t *out);

/* The name of tenant id into out (truncated to n). 0, SD_ENOTFOUND or a store error. */
int sd_tenant_name(sd_pf_t *pf, int64_t id, char *out, size_t n);

/* Create a tenant (no policy check: callers check); *id gets its row id. Audited by callers.
 * SD_ECONFLICT when the name is taken. */
int sd_tenant_create(sd_pf_t *pf, const char *name, sd_tenant_kind_t kind, int64_t *id);

/* Tenant id as the API shows it {id, name, kind, created_at} into *out (new reference).
 * 0, SD_ENOTFOUND, SD_ENOMEM or a store error. */
int sd_tenant_json(sd_pf_t *pf, int64_t id, json_t **out);

/* Every tenant, by id, each with its scope (the tenant itself). 0 or SD_E*. */
int sd_tenant_list(sd_pf_t *pf, sd_pf_items_t *out);

/* Rename tenant id (name already validated) and audit "tenant.update" by who.
 * 0, SD_ECONFLICT (name taken) or a store error. */
int sd_tenant_rename(sd_pf_t *pf, const sd_principal_t *who, int64_t id, const char *name);

#endif
