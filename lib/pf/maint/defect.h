/* defect.h - defects (不具合箇所, 別表9) with their 修繕要望 status and the utility's instruction,
 * every change kept with who and when: the owner of maint_defects and maint_defect_history. */
#ifndef SD_PF_MAINT_DEFECT_H
#define SD_PF_MAINT_DEFECT_H

#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

/*
 * Status (修繕要望): awaiting 指示待ち (a new defect), estimating 見積作成中, considering
 * 改善案検討中, arranged 先行手配, done 処置完了. Any change between them is allowed (the form has
 * no order) and kept. Instruction (the utility's): repair 修繕依頼, watch 様子見, other その他.
 * Urgency: high, normal, low. Each check: 0 or SD_EFIELD. Pure.
 */
int sd_maint_defect_status_check(const char *s);
int sd_maint_instruction_check(const char *s);
int sd_maint_urgency_check(const char *s);

/* A new defect: facility (of tenant), where, what, how urgent; from an inspection's item or by
 * hand (inspection_id, item_id 0). */
typedef struct {
    int64_t tenant_id, facility_id, inspection_id, item_id;
    const char *place, *description, *urgency;
} sd_maint_defect_new_t;

/* Insert d with status awaiting and its first history row, audited "maint.defect_create"; call
 * inside the caller's transaction (sd_maint_defect_create() is one). *id the new row. */
int sd_maint_defect_insert(sd_pf_t *pf, sd_store_t *st, const sd_principal_t *who,
                           const sd_maint_defect_new_t *d, int64_t *id);
int sd_maint_defect_create(sd_pf_t *pf, const sd_principal_t *who, const sd_maint_defect_new_t *d,
                           int64_t *id);

/* Defect id's tenant and facility. SD_ENOTFOUND, SD_E*. */
int sd_maint_defect_where(sd_pf_t *pf, int64_t id, int64_t *tenant, int64_t *facility);

/*
 * Change defect id of tenant: status and/or instruction with instruction_on ("YYYY-MM-DD"; NULL
 * = unchanged, checked by the caller), one history row per changed field with note, audited
 * "maint.defect_update", in one transaction. A value equal to the current one is no change.
 * 0 or SD_E*.
 */
int sd_maint_defect_update(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                           const char *status, const char *instruction, const char *instruction_on,
                           const char *note);

/* One defect with its facility's code and name and its history [{at, by, field, from, to,
 * note}]. SD_ENOTFOUND, SD_E*. */
int sd_maint_defect_get(sd_pf_t *pf, int64_t id, json_t **out);

/* Defects of tenant (facility 0 = any, status NULL = any), newest first, at most 500; scoped
 * {tenant, the tenant's contractor}. 0 or SD_E*. */
int sd_maint_defect_list(sd_pf_t *pf, int64_t tenant, int64_t facility, const char *status,
                         sd_pf_items_t *out);

#endif
