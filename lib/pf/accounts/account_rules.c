/* account_rules.c - pure checks of account data: e-mail, login id, labels, kinds and their fit. */
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "pf/accounts/account_rules.h"

static const char *const tenant_kinds[] = {"common", "shared_operator", "dedicated_operator",
                                           "vendor"};
static const char *const org_kinds[] = {"platform", "operator", "ap_vendor", "gw_vendor"};

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int sd_rules_email(const char *s, size_t len)
{
    if (!s)
        return SD_EINVAL;
    if (len < 3 || len > 254)
        return SD_EFIELD;
    const char *at = memchr(s, '@', len);
    if (!at || at == s || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
        return SD_EFIELD;
    for (const char *p = s; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>(),;:\\[]", c))
            return SD_EFIELD;
    }
    size_t dlen = len - (size_t)(at - s) - 1, label = 0;
    if (dlen == 0)
        return SD_EFIELD;
    for (size_t i = 0; i < dlen; i++) {
        unsigned char c = (unsigned char)at[1 + i];
        if (c == '.') {
            if (label == 0)
                return SD_EFIELD;
            label = 0;
        } else if (is_alnum(c) || c == '-') {
            if (++label > 63)
                return SD_EFIELD;
        } else {
            return SD_EFIELD;
        }
    }
    return label ? 0 : SD_EFIELD;
}

int sd_rules_login(const char *s, size_t len)
{
    if (!s)
        return SD_EINVAL;
    if (len < 3 || len > 64 || !is_alnum((unsigned char)s[0]))
        return SD_EFIELD;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && (c == 0 || !strchr("._@+-", c)))
            return SD_EFIELD;
    }
    return 0;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if invalid (overlong, surrogate). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t need;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        need = 2, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        need = 3, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        need = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (need > n)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    /* C1 controls are as untypeable as C0 ones */
    if (cp >= 0x80 && cp < 0xa0)
        return 0;
    return need;
}

int sd_rules_label(const char *s, size_t len)
{
    if (!s)
        return SD_EINVAL;
    if (len < 1 || len > 128)
        return SD_EFIELD;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            return SD_EFIELD;
        size_t k = utf8_seq(u + i, len - i);
        if (!k)
            return SD_EFIELD;
        i += k;
    }
    return 0;
}

static int parse_name(const char *const *names, int n, const char *s, size_t len, int *out)
{
    if (!s || !out)
        return SD_EINVAL;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], s, len)) {
            *out = i;
            return 0;
        }
    return SD_EFIELD;
}

int sd_rules_tenant_kind(const char *s, size_t len, sd_tenant_kind_t *out)
{
    int k = 0;
    int rc = parse_name(tenant_kinds, SD_TENANT_KIND__COUNT, s, len, out ? &k : NULL);
    if (rc == 0)
        *out = (sd_tenant_kind_t)k;
    return rc;
}

int sd_rules_org_kind(const char *s, size_t len, sd_org_kind_t *out)
{
    int k = 0;
    int rc = parse_name(org_kinds, SD_ORG_KIND__COUNT, s, len, out ? &k : NULL);
    if (rc == 0)
        *out = (sd_org_kind_t)k;
    return rc;
}

const char *sd_rules_tenant_kind_name(sd_tenant_kind_t k)
{
    return (unsigned)k < SD_TENANT_KIND__COUNT ? tenant_kinds[k] : NULL;
}

const char *sd_rules_org_kind_name(sd_org_kind_t k)
{
    return (unsigned)k < SD_ORG_KIND__COUNT ? org_kinds[k] : NULL;
}

static int operator_tenant(sd_tenant_kind_t tk)
{
    return tk == SD_TENANT_KIND_SHARED_OPERATOR || tk == SD_TENANT_KIND_DEDICATED_OPERATOR;
}

int sd_rules_org_fits_tenant(sd_org_kind_t ok, sd_tenant_kind_t tk)
{
    switch (ok) {
    case SD_ORG_KIND_PLATFORM:
        return tk == SD_TENANT_KIND_COMMON;
    case SD_ORG_KIND_OPERATOR:
        return operator_tenant(tk);
    case SD_ORG_KIND_AP_VENDOR:
    case SD_ORG_KIND_GW_VENDOR:
        return tk == SD_TENANT_KIND_VENDOR;
    default:
        return 0;
    }
}

int sd_rules_role_fits_org(sd_role_t r, sd_org_kind_t ok)
{
    switch (r) {
    case SD_ROLE_PLATFORM_ADMIN:
        return ok == SD_ORG_KIND_PLATFORM;
    case SD_ROLE_OPERATOR_GENERAL:
    case SD_ROLE_OPERATOR_ADMIN:
        return ok == SD_ORG_KIND_OPERATOR;
    case SD_ROLE_APVENDOR_GENERAL:
    case SD_ROLE_APVENDOR_ADMIN:
        return ok == SD_ORG_KIND_AP_VENDOR;
    case SD_ROLE_GWVENDOR_GENERAL:
    case SD_ROLE_GWVENDOR_ADMIN:
        return ok == SD_ORG_KIND_GW_VENDOR;
    default:
        return 0;
    }
}

int sd_rules_link_fits(sd_org_kind_t ok, sd_tenant_kind_t tk)
{
    return (ok == SD_ORG_KIND_AP_VENDOR || ok == SD_ORG_KIND_GW_VENDOR) && operator_tenant(tk);
}
