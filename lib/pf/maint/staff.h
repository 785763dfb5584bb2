/* staff.h - the contractor's people and their 業務区分 (別紙3), which decides who may record
 * which inspection: the owner of table maint_staff. */
#ifndef SD_PF_MAINT_STAFF_H
#define SD_PF_MAINT_STAFF_H

#include <stdint.h>

#include "pf/pf.h"

/*
 * Duties (業務区分): manager 管理技術者, chief 主任技術者, engineer 技術者, technician 技術員,
 * worker 作業員. Is s one? 0 or SD_EFIELD. Pure.
 */
int sd_maint_duty_check(const char *s);

/*
 * May a person of duty record an inspection of cycle? By 別紙3: the 1年点検 needs a 主任技術者 (or
 * the 管理技術者 above them); a 技術者 records daily, monthly and quarterly inspections (§9(1));
 * a 技術員 daily ones only; a 作業員 none (NULL duty = none set: none). 0 or SD_EFORBIDDEN. Pure.
 */
int sd_maint_duty_may(const char *duty, const char *cycle);

/* The duty of user into duty (at most 15 bytes). 0, SD_ENOTFOUND (none set) or a store error. */
int sd_maint_staff_duty(sd_pf_t *pf, int64_t user, char duty[16]);

/* Set user's (of org, tenant) duty (checked), audited "maint.staff" in tenant. 0 or SD_E*. */
int sd_maint_staff_set(sd_pf_t *pf, const sd_principal_t *who, int64_t user, int64_t org,
                       int64_t tenant, const char *duty);

/* The staff with a duty of organisation org (0 = all): rows {user_id, org_id, tenant_id, login,
 * name, role, duty, set_at}, scoped {the user's tenant, org, user}. 0 or SD_E*. */
int sd_maint_staff_list(sd_pf_t *pf, int64_t org, sd_pf_items_t *out);

#endif
