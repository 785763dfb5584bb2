/* staff.c - 業務区分 per person, and what each may record (別紙3). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "pf/maint/staff.h"

static const char *const duties[] = {"manager", "chief", "engineer", "technician", "worker"};

static int duty_idx(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && !strcmp(s, duties[i]))
            return i;
    return -1;
}

int sd_maint_duty_check(const char *s)
{
    return duty_idx(s) < 0 ? SD_EFIELD : 0;
}

int sd_maint_duty_may(const char *duty, const char *cycle)
{
    int d = duty_idx(duty);
    if (d < 0 || !cycle)
        return SD_EFORBIDDEN;
    int yearly = !strcmp(cycle, "yearly"), daily = !strcmp(cycle, "daily");
    switch (d) {
    case 0: /* 管理技術者 */
    case 1: /* 主任技術者 */
        return 0;
    case 2: /* 技術者 */
        return yearly ? SD_EFORBIDDEN : 0;
    case 3: /* 技術員 */
        return daily ? 0 : SD_EFORBIDDEN;
    default: /* 作業員 */
        return SD_EFORBIDDEN;
    }
}

int sd_maint_staff_duty(sd_pf_t *pf, int64_t user, char duty[16])
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT duty FROM maint_staff WHERE user_id = $1",
                                SD_PARAMS(SD_V_INT(user)), &s);
    if (rc)
        return rc;
    snprintf(duty, 16, "%s", sd_stmt_text(s, 0, NULL));
    sd_stmt_done(s);
    return 0;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t user, org, tenant;
    const char *duty;
} staff_tx_t;

static int set_tx(sd_store_t *st, void *ctx)
{
    staff_tx_t *t = ctx;
    int rc = sd_store_exec(st,
                           "INSERT INTO maint_staff (user_id, org_id, duty, set_by, set_at) VALUES "
                           "($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET duty = "
                           "excluded.duty, set_by = excluded.set_by, set_at = excluded.set_at",
                           SD_PARAMS(SD_V_INT(t->user), SD_V_INT(t->org), SD_V_TEXT(t->duty),
                                     SD_V_INT(t->who ? t->who->subject_id : 0),
                                     SD_V_INT(sd_pf_now_ms(t->pf))),
                           NULL);
    char obj[48], detail[48];
    snprintf(obj, sizeof obj, "user:%" PRId64, t->user);
    snprintf(detail, sizeof detail, "{\"duty\":\"%.15s\"}", t->duty);
    return rc ? rc : sd_pf_audit(t->pf, t->who, t->tenant, "maint.staff", obj, detail);
}

int sd_maint_staff_set(sd_pf_t *pf, const sd_principal_t *who, int64_t user, int64_t org,
                       int64_t tenant, const char *duty)
{
    if (sd_maint_duty_check(duty))
        return SD_EFIELD;
    staff_tx_t t = {.pf = pf, .who = who, .user = user, .org = org, .tenant = tenant, .duty = duty};
    return sd_store_tx(pf->store, set_tx, &t);
}

int sd_maint_staff_list(sd_pf_t *pf, int64_t org, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {2, 1, 0};
    return sd_pf_query_items(pf->store,
                             "SELECT s.user_id, s.org_id, u.tenant_id, u.login, u.name, u.role, "
                             "s.duty, s.set_at FROM maint_staff s JOIN users u ON u.id = "
                             "s.user_id WHERE CAST($1 AS BIGINT) = 0 OR s.org_id = $1 ORDER BY "
                             "s.user_id",
                             SD_PARAMS(SD_V_INT(org)), "iiissssi", &cols, out);
}
