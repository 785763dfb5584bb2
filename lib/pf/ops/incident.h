/* incident.h - failure status management (障害状況管理, §2.1 #8): incidents, their status
 * history and the alarms they are about. */
#ifndef SD_PF_INCIDENT_H
#define SD_PF_INCIDENT_H

#include "core/json.h"
#include "pf/pf.h"

/*
 * Status: open -> investigating -> resolved -> closed; open -> resolved; resolved ->
 * investigating (reopened). Closed is final. Every change and every note is a history row with
 * who and when. Pure: 0 when from -> to is allowed, SD_ECONFLICT when not, SD_EFIELD for an
 * unknown status name.
 */
int sd_incident_transition(const char *from, const char *to);

/* Is s a status name (open, investigating, resolved, closed)? 0 or SD_EFIELD. Pure. */
int sd_incident_status_check(const char *s);

/*
 * Incidents of tenant (0 = every tenant) with status (NULL = any), newest first, at most 500:
 * rows {id, tenant_id, org_id, title, status, severity, facility, created_by, created_at,
 * updated_at, created_by_login}, times in ms since the epoch, each scoped by its tenant and
 * organisation (for incident.read). 0 or SD_E*.
 */
int sd_incident_list(sd_pf_t *pf, int64_t tenant, const char *status, sd_pf_items_t *out);

/* Is severity 1..4 (1 = most severe, as alarms)? 0 or SD_EFIELD. Pure. */
int sd_incident_severity_check(int64_t severity);

/*
 * Is code ('' = none) a facility of tenant's master? 0, or SD_EFIELD with e naming "facility"
 * (another tenant's facility is answered as "no facility"), or a store error.
 */
int sd_incident_facility_check(sd_pf_t *pf, int64_t tenant, const char *code, sd_json_err_t *e);

/* One incident as JSON with alarm_ids, group_ids and its history. SD_ENOTFOUND, SD_E*. */
int sd_incident_get(sd_pf_t *pf, int64_t id, json_t **out);

/*
 * Are the alarm ids and group ids (JSON arrays of positive integers, either NULL) all alarms and
 * alarm groups of tenant? An incident may only point at its own tenant's alarms: another
 * tenant's id is answered as "no such alarm", never linked. 0, or SD_EFIELD with e naming the
 * first bad id ("alarm_ids[2]": "no alarm 17 in tenant 4"), or a store error.
 */
int sd_incident_refs_check(sd_pf_t *pf, int64_t tenant, json_t *alarm_ids, json_t *group_ids,
                           sd_json_err_t *e);

/* An incident's scope (tenant, organisation) and status (at most 15 bytes). SD_ENOTFOUND, SD_E*. */
int sd_incident_scope(sd_pf_t *pf, int64_t id, sd_scope_t *sc, char status[16]);

/* What a new incident says. alarm_ids and group_ids are JSON arrays of ids as text (NULL = []). */
typedef struct {
    const char *title;
    int64_t severity;        /* 1..4 */
    const char *facility;    /* facility code, NULL or '' = none */
    const char *description; /* NULL = '' */
    const char *alarm_ids, *group_ids;
    const char *note; /* of the first history row */
} sd_incident_new_t;

/*
 * Open an incident in tenant, handled by who's organisation: with its first history row (note)
 * and the audit record "incident.create", in one transaction. 0 or SD_E*.
 */
int sd_incident_create(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant,
                       const sd_incident_new_t *n, int64_t *id);

/*
 * Change incident id of tenant from status from to to (NULL = unchanged; the caller checked
 * sd_incident_transition), and title, alarm_ids, group_ids when not NULL; with a history row
 * (note) and the audit record "incident.update" in one transaction. 0 or SD_E*.
 */
int sd_incident_update(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                       const char *from, const char *to, const char *title, const char *alarm_ids,
                       const char *group_ids, const char *note);

#endif
