/* inspection.h - checklist templates (別表6 items as data) and inspection records (answers,
 * readings with units, 特記事項, 終業点検); a "not good" answer opens a defect. The owner of
 * maint_templates, maint_template_items, maint_inspections and maint_answers. */
#ifndef SD_PF_MAINT_INSPECTION_H
#define SD_PF_MAINT_INSPECTION_H

#include <stdint.h>

#include "core/json.h"
#include "pf/maint/plan.h"
#include "pf/pf.h"

/* Templates (cycle NULL = all) with their items: [{id, cycle, name, name_en, items: [{id, pos,
 * label, label_en, kind: check|value, unit}]}]. 0 or SD_E*. */
int sd_maint_templates(sd_pf_t *pf, const char *cycle, json_t **out);

/* The 終業点検 (end-of-work) items of 別表6, in the form's order; NULL-terminated. */
extern const char *const sd_maint_end_checks[];

/* An inspection to record. answers: [{item_id, result?: good|not_good|na, value?: number,
 * unit?, note?}]; end_checks: {switches, manholes, alarm, gas, fire, water_valve, lights, doors:
 * true|false}. Both borrowed. */
typedef struct {
    const sd_maint_facility_t *facility;
    const char *cycle, *remarks;
    int64_t template_id, visit_id, done_at; /* visit_id 0 = not from the plan */
    const json_t *answers, *end_checks;
} sd_maint_record_t;

/*
 * Check r against its template and plan, then store it in one transaction: the inspection,
 * its answers, the visit marked done, a defect (place = the item, urgency normal) per not_good
 * answer, audited "maint.inspection". Every check item must be answered, a value item needs a
 * number (or result na), a unit must be the item's. SD_EFIELD with e naming the member
 * ("answers[2].result", "visit_id", "end_checks.doors"), or SD_E*. *id the new inspection.
 */
int sd_maint_inspection_record(sd_pf_t *pf, const sd_principal_t *who, const sd_maint_record_t *r,
                               sd_json_err_t *e, int64_t *id);

/* Inspection id's facility. SD_ENOTFOUND, SD_E*. */
int sd_maint_inspection_facility(sd_pf_t *pf, int64_t id, int64_t *facility);

/* One inspection with its answers (item label, kind, unit) and the defects it opened. */
int sd_maint_inspection_get(sd_pf_t *pf, int64_t id, json_t **out);

/* Inspections of tenant (facility 0 = any; month "YYYY-MM" in JST or NULL), newest first, at
 * most 500, scoped {tenant, the tenant's contractor}. 0 or SD_E*. */
int sd_maint_inspection_list(sd_pf_t *pf, int64_t tenant, int64_t facility, const char *month,
                             sd_pf_items_t *out);

#endif
