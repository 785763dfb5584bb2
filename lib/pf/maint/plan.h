/* plan.h - the maintenance workplace (issue 12): the contractor serving a tenant, the cycles a
 * facility needs (仕様書 §9, 別紙3) and its monthly plan of visits; the owner of tables
 * maint_contractors, maint_facilities and maint_visits. */
#ifndef SD_PF_MAINT_PLAN_H
#define SD_PF_MAINT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

/* Is s a cycle name (daily, monthly, quarterly, yearly)? 0 or SD_EFIELD. Pure. */
int sd_maint_cycle_check(const char *s);

/* Is s a calendar date "YYYY-MM-DD" (or month "YYYY-MM") between 2000 and 2999? 0 or
 * SD_EFIELD. Pure. */
int sd_maint_date_check(const char *s);
int sd_maint_month_check(const char *s);

/* Today in JST as "YYYY-MM-DD" from the platform clock. */
void sd_maint_today(const sd_pf_t *pf, char out[11]);

/* One planned visit of a month: its cycle and day of month. */
typedef struct {
    const char *cycle;
    int day;
} sd_maint_slot_t;

/*
 * The visits of month (1-12) of year for a facility of master type (dedicated, simple, small,
 * direct_boost) whose 1年点検 falls in annual_month: dedicated and simple facilities get three
 * daily visits every month (days spread evenly), a monthly visit in the 11 other months and the
 * yearly one in annual_month; small facilities monthly + yearly; direct_boost quarterly (the 3
 * months 3, 6, 9 after annual_month) + yearly. The 1年点検 includes the monthly, quarterly and
 * daily items (§9(2)), so it replaces the monthly / quarterly visit of its month. At most max
 * into out, *n how many. 0 or SD_EFIELD (unknown type, month, annual_month). Pure.
 */
int sd_maint_plan_slots(const char *type, int year, int month, int annual_month,
                        sd_maint_slot_t *out, size_t max, size_t *n);

/* A facility as this room sees it: tenant, master type, code and name, the month of its 1年点検
 * (4 = April until set), and the scope maintenance objects of its tenant have: {tenant, org =
 * the tenant's contractor or 0}. */
typedef struct {
    int64_t id, tenant_id, contractor;
    char type[16], code[80], name[257];
    int annual_month;
} sd_maint_facility_t;

/* Facility id into *out. 0, SD_ENOTFOUND or a store error. */
int sd_maint_facility(sd_pf_t *pf, int64_t id, sd_maint_facility_t *out);

/* The facilities of tenant in code order, rows {id, tenant_id, code, name, type, annual_month,
 * contractor_id}, scoped {tenant, contractor}. 0 or SD_E*. */
int sd_maint_facilities(sd_pf_t *pf, int64_t tenant, sd_pf_items_t *out);

/* The contractor organisation of tenant into *org (0 = none). 0 or a store error. */
int sd_maint_contractor(sd_pf_t *pf, int64_t tenant, int64_t *org);

/* Make org (a vendor organisation serving tenant: the caller checked) tenant's maintenance
 * contractor, replacing any other; audited "maint.contractor". 0 or SD_E*. */
int sd_maint_contractor_set(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t org);

/*
 * Plan month ("YYYY-MM") of facility f: the visits of sd_maint_plan_slots(), with annual_month
 * (1-12) stored as the facility's 1年点検 month first when > 0. *created the visits made.
 * SD_ECONFLICT when the month already has visits; audited "maint.plan". 0 or SD_E*.
 */
int sd_maint_plan_generate(sd_pf_t *pf, const sd_principal_t *who, const sd_maint_facility_t *f,
                           const char *month, int annual_month, int *created);

/* The plan of facility f for month: {facility_id, tenant_id, month, today, visits: [{id, cycle,
 * seq, planned_on, state: done|overdue|planned, inspection_id}]} in date order. 0 or SD_E*. */
int sd_maint_plan_get(sd_pf_t *pf, const sd_maint_facility_t *f, const char *month, json_t **out);

/* Visit id's facility into *facility_id and whether it is recorded. SD_ENOTFOUND, SD_E*. */
int sd_maint_visit_facility(sd_pf_t *pf, int64_t id, int64_t *facility_id, int *done);

/* Move visit id (of a facility of tenant) to date on (checked); audited "maint.visit_move"
 * with the old and new dates. 0 or SD_E*. */
int sd_maint_visit_move(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                        const char *on);

#endif
