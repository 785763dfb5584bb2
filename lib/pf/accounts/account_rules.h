/* account_rules.h - pure checks of account data: e-mail, login id, labels, kinds and their fit. */
#ifndef SD_PF_ACCOUNT_RULES_H
#define SD_PF_ACCOUNT_RULES_H

#include <stddef.h>

#include "auth/policy.h"

/* Tenant kinds (表2-14) and organisation kinds, in the spelling of the API and the schema. */
typedef enum {
    SD_TENANT_KIND_COMMON,
    SD_TENANT_KIND_SHARED_OPERATOR,
    SD_TENANT_KIND_DEDICATED_OPERATOR,
    SD_TENANT_KIND_VENDOR,
    SD_TENANT_KIND__COUNT
} sd_tenant_kind_t;

typedef enum {
    SD_ORG_KIND_PLATFORM,
    SD_ORG_KIND_OPERATOR,
    SD_ORG_KIND_AP_VENDOR,
    SD_ORG_KIND_GW_VENDOR,
    SD_ORG_KIND__COUNT
} sd_org_kind_t;

/*
 * Each check reads exactly len bytes of s (no NUL needed) and is pure.
 * Returns 0 or SD_EFIELD (SD_EINVAL for a NULL s).
 *  email: local@domain, 3..254 bytes, printable ASCII without spaces, quotes, '<>', ',', ';',
 *         one '@', a domain of dot-separated [A-Za-z0-9-] labels (no empty label);
 *  login: 3..64 bytes of [A-Za-z0-9._@+-], starting with a letter or digit;
 *  label: a display name, 1..128 bytes of valid UTF-8 without control characters.
 */
int sd_rules_email(const char *s, size_t len);
int sd_rules_login(const char *s, size_t len);
int sd_rules_label(const char *s, size_t len);

/* Parse a kind name of len bytes. 0 or SD_EFIELD. Names: "shared_operator", "ap_vendor"... */
int sd_rules_tenant_kind(const char *s, size_t len, sd_tenant_kind_t *out);
int sd_rules_org_kind(const char *s, size_t len, sd_org_kind_t *out);
const char *sd_rules_tenant_kind_name(sd_tenant_kind_t k); /* NULL if out of range */
const char *sd_rules_org_kind_name(sd_org_kind_t k);

/* May an organisation of kind ok live in a tenant of kind tk? (platform in common, operator in
 * an operator tenant, vendors in a vendor tenant.) 1 or 0. */
int sd_rules_org_fits_tenant(sd_org_kind_t ok, sd_tenant_kind_t tk);

/* May a user of role r belong to an organisation of kind ok? Machine roles never. 1 or 0. */
int sd_rules_role_fits_org(sd_role_t r, sd_org_kind_t ok);

/* May a vendor organisation of kind ok be linked to (serve) a tenant of kind tk? 1 or 0. */
int sd_rules_link_fits(sd_org_kind_t ok, sd_tenant_kind_t tk);

#endif
