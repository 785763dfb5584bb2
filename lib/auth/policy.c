/* policy.c - the role x action x tenant check over the table of policy.h, and its names. */
#include "auth/policy.h"

#include <string.h>

#include "core/err.h"

/* The cell letters of SD_ACTION_MAP, only while the tables below are built. */
#define _ SD_SCOPE_NONE
#define S SD_SCOPE_SELF
#define O SD_SCOPE_ORG
#define T SD_SCOPE_TENANT
#define L SD_SCOPE_LINKED
#define C SD_SCOPE_COMMON
#define A SD_SCOPE_ANY

typedef struct {
    const char *name;
    const char *what;
    const char *ja;
    unsigned char rule[SD_ROLE__COUNT];
} action_row_t;

static const action_row_t actions[SD_ACT__COUNT] = {
#define ROW_(e, nm, og, oa, ag, aa, gg, ga, pa, ap, gw, wh, j)                                     \
    [SD_ACT_##e] = {nm, wh, j, {og, oa, ag, aa, gg, ga, pa, ap, gw}},
    SD_ACTION_MAP(ROW_)
#undef ROW_
};

#undef _
#undef S
#undef O
#undef T
#undef L
#undef C
#undef A

/* The table has one column per role: adding a role without a column must not compile. */
_Static_assert(SD_ROLE__COUNT == 9, "SD_ACTION_MAP has 9 role columns");

typedef struct {
    const char *name;
    const char *ja;
    int admin;
} role_row_t;

static const role_row_t roles[SD_ROLE__COUNT] = {
#define ROLE_(e, nm, j, adm) [SD_ROLE_##e] = {nm, j, adm},
    SD_ROLE_MAP(ROLE_)
#undef ROLE_
};

static const char rule_letter[] = {
    [SD_SCOPE_NONE] = '-',   [SD_SCOPE_SELF] = 'S',   [SD_SCOPE_ORG] = 'O', [SD_SCOPE_TENANT] = 'T',
    [SD_SCOPE_LINKED] = 'L', [SD_SCOPE_COMMON] = 'C', [SD_SCOPE_ANY] = 'A',
};

sd_scope_rule_t sd_policy_rule(sd_role_t role, sd_action_t act)
{
    if ((unsigned)role >= SD_ROLE__COUNT || (unsigned)act >= SD_ACT__COUNT)
        return SD_SCOPE_NONE;
    return (sd_scope_rule_t)actions[act].rule[role];
}

static int linked(const sd_principal_t *who, int64_t tenant)
{
    if (tenant == who->tenant_id)
        return 1;
    if (!who->linked_tenants)
        return 0;
    for (size_t i = 0; i < who->n_linked; i++)
        if (who->linked_tenants[i] == tenant)
            return 1;
    return 0;
}

static int scope_ok(sd_scope_rule_t rule, const sd_principal_t *who, const sd_scope_t *t)
{
    switch (rule) {
    case SD_SCOPE_NONE:
        return 0;
    case SD_SCOPE_SELF:
        return t->tenant_id == who->tenant_id && who->subject_id > 0 &&
               t->subject_id == who->subject_id;
    case SD_SCOPE_ORG:
        return linked(who, t->tenant_id) && who->org_id > 0 && t->org_id == who->org_id;
    case SD_SCOPE_TENANT:
        return t->tenant_id == who->tenant_id;
    case SD_SCOPE_LINKED:
        return linked(who, t->tenant_id);
    case SD_SCOPE_COMMON:
        return t->tenant_id == who->tenant_id || t->tenant_id == SD_TENANT_COMMON;
    case SD_SCOPE_ANY:
        return 1;
    }
    return 0;
}

int sd_policy_check(const sd_principal_t *who, sd_action_t act, const sd_scope_t *target)
{
    if (!who || !target || (unsigned)who->role >= SD_ROLE__COUNT || (unsigned)act >= SD_ACT__COUNT)
        return SD_EFORBIDDEN;
    if (who->tenant_id <= 0 || target->tenant_id <= 0)
        return SD_EFORBIDDEN;
    /* the common tenant holds the platform operator and nobody else, so a mis-set home tenant
     * can neither make a platform admin of an operator nor the reverse */
    if ((who->role == SD_ROLE_PLATFORM_ADMIN) != (who->tenant_id == SD_TENANT_COMMON))
        return SD_EFORBIDDEN;
    sd_scope_rule_t rule = (sd_scope_rule_t)actions[act].rule[who->role];
    if (!scope_ok(rule, who, target))
        return SD_EFORBIDDEN;
    /* checked after the table so a forbidden action stays "forbidden", not "change password" */
    if ((who->flags & SD_PRINCIPAL_MUST_CHANGE_PW) && act != SD_ACT_USER_SELF)
        return SD_EPWCHANGE;
    return 0;
}

/* Roles an admin may hand out: its own family. */
static int same_family(sd_role_t admin, sd_role_t role)
{
    switch (admin) {
    case SD_ROLE_OPERATOR_ADMIN:
        return role == SD_ROLE_OPERATOR_GENERAL || role == SD_ROLE_OPERATOR_ADMIN;
    case SD_ROLE_APVENDOR_ADMIN:
        return role == SD_ROLE_APVENDOR_GENERAL || role == SD_ROLE_APVENDOR_ADMIN;
    case SD_ROLE_GWVENDOR_ADMIN:
        return role == SD_ROLE_GWVENDOR_GENERAL || role == SD_ROLE_GWVENDOR_ADMIN;
    case SD_ROLE_PLATFORM_ADMIN:
        return role != SD_ROLE_APPLICATION && role != SD_ROLE_GATEWAY;
    default:
        return 0;
    }
}

int sd_policy_can_assign(const sd_principal_t *who, sd_role_t role, const sd_scope_t *target)
{
    int rc = sd_policy_check(who, SD_ACT_USER_MANAGE, target);
    if (rc < 0)
        return rc;
    if ((unsigned)role >= SD_ROLE__COUNT || !same_family(who->role, role))
        return SD_EFORBIDDEN;
    return 0;
}

const char *sd_policy_role_name(sd_role_t role)
{
    return (unsigned)role < SD_ROLE__COUNT ? roles[role].name : NULL;
}

const char *sd_policy_role_label_ja(sd_role_t role)
{
    return (unsigned)role < SD_ROLE__COUNT ? roles[role].ja : NULL;
}

int sd_policy_role_is_admin(sd_role_t role)
{
    return (unsigned)role < SD_ROLE__COUNT ? roles[role].admin : 0;
}

const char *sd_policy_action_name(sd_action_t act)
{
    return (unsigned)act < SD_ACT__COUNT ? actions[act].name : NULL;
}

const char *sd_policy_action_doc(sd_action_t act)
{
    return (unsigned)act < SD_ACT__COUNT ? actions[act].what : NULL;
}

const char *sd_policy_action_label_ja(sd_action_t act)
{
    return (unsigned)act < SD_ACT__COUNT ? actions[act].ja : NULL;
}

static int name_eq(const char *name, const char *s, size_t len)
{
    return strlen(name) == len && memcmp(name, s, len) == 0;
}

int sd_policy_role_parse(const char *s, size_t len, sd_role_t *out)
{
    if ((!s && len) || !out)
        return SD_EINVAL;
    for (int i = 0; i < SD_ROLE__COUNT; i++) {
        if (name_eq(roles[i].name, s, len)) {
            *out = (sd_role_t)i;
            return 0;
        }
    }
    return SD_EFIELD;
}

int sd_policy_action_parse(const char *s, size_t len, sd_action_t *out)
{
    if ((!s && len) || !out)
        return SD_EINVAL;
    for (int i = 0; i < SD_ACT__COUNT; i++) {
        if (name_eq(actions[i].name, s, len)) {
            *out = (sd_action_t)i;
            return 0;
        }
    }
    return SD_EFIELD;
}

static const char *const role_abbrev[SD_ROLE__COUNT] = {
    [SD_ROLE_OPERATOR_GENERAL] = "OG", [SD_ROLE_OPERATOR_ADMIN] = "OA",
    [SD_ROLE_APVENDOR_GENERAL] = "AG", [SD_ROLE_APVENDOR_ADMIN] = "AA",
    [SD_ROLE_GWVENDOR_GENERAL] = "GG", [SD_ROLE_GWVENDOR_ADMIN] = "GA",
    [SD_ROLE_PLATFORM_ADMIN] = "PA",   [SD_ROLE_APPLICATION] = "AP",
    [SD_ROLE_GATEWAY] = "GW",
};

int sd_policy_matrix_md(sd_buf_t *out)
{
    int rc = 0;
    rc |= sd_buf_append_str(out, "| column | role | 表2-3 |\n|---|---|---|\n");
    for (int r = 0; r < SD_ROLE__COUNT; r++)
        rc |=
            sd_buf_printf(out, "| %s | `%s` | %s |\n", role_abbrev[r], roles[r].name, roles[r].ja);
    rc |= sd_buf_append_str(out, "\n| action |");
    for (int r = 0; r < SD_ROLE__COUNT; r++)
        rc |= sd_buf_printf(out, " %s |", role_abbrev[r]);
    rc |= sd_buf_append_str(out, " what | 標準の機能 |\n|---|");
    for (int r = 0; r < SD_ROLE__COUNT; r++)
        rc |= sd_buf_append_str(out, ":-:|");
    rc |= sd_buf_append_str(out, "---|---|\n");
    for (int a = 0; a < SD_ACT__COUNT; a++) {
        rc |= sd_buf_printf(out, "| `%s` |", actions[a].name);
        for (int r = 0; r < SD_ROLE__COUNT; r++)
            rc |= sd_buf_printf(out, " %c |", rule_letter[actions[a].rule[r]]);
        rc |= sd_buf_printf(out, " %s | %s |\n", actions[a].what, actions[a].ja);
    }
    /* every sd_buf call returns 0 or SD_ENOMEM, so any failure ORs to a non-zero value */
    return rc ? SD_ENOMEM : 0;
}
