/* console.h - what the alarm console reads (alarms with their history, groups, facility state)
 * and the per-point alarm settings: queries of the alarm engine's tables for the api layer. */
#ifndef SD_PF_ALARMS_CONSOLE_H
#define SD_PF_ALARMS_CONSOLE_H

#include <stdint.h>

#include "core/json.h"
#include "pf/alarms/alarm.h"
#include "pf/pf.h"

/* What GET /api/v1/alarms asks for. */
typedef struct {
    const char *state;    /* NULL = "active" (or every state with after_seq >= 0) */
    const char *facility; /* facility code, NULL or "" = all */
    int64_t max_severity; /* 1..4 */
    int64_t after_seq;    /* -1 = none; else only alarms changed after this seq */
    int64_t limit;
} sd_alarm_filter_t;

/* The state names the list accepts, for error messages. */
#define SD_ALARM_STATE_FILTERS                                                                     \
    "active, unacked, shelved, all, acked, rtn_unacked, cleared or out_of_service"

/*
 * The alarms of tenant_id matching f, unacknowledged first, then by severity and newest, as the
 * ALARM objects of docs/alarms.md; *seq is the tenant's newest seq, read before the items (a
 * transition racing with the read then comes again with the next after_seq). 0; SD_EFIELD for
 * an unknown f->state; SD_E* from the store.
 */
int sd_alarm_list(sd_pf_t *pf, int64_t tenant_id, const sd_alarm_filter_t *f, sd_pf_items_t *out,
                  int64_t *seq);

/*
 * The nav badge's numbers, by one COUNT query instead of a list: unacked as the list's
 * state=unacked (unacked, rtn_unacked), active as state=active (not cleared), each also per
 * severity (index 1..4; 0 unused), and the tenant's newest seq.
 */
typedef struct {
    int64_t unacked, active;
    int64_t unacked_sev[5], active_sev[5];
    int64_t seq;
} sd_alarm_counts_t;

/* The counts of tenant_id's alarms into *out. 0 or SD_E*. */
int sd_alarm_count(sd_pf_t *pf, int64_t tenant_id, sd_alarm_counts_t *out);

/* The tenant of alarm id (for the caller's policy check). 0, SD_ENOTFOUND, SD_E*. */
int sd_alarm_tenant(sd_pf_t *pf, int64_t id, int64_t *tenant_id);

/* Alarm id as an ALARM object (*out new), with "history" when history. 0, SD_ENOTFOUND, SD_E*. */
int sd_alarm_json(sd_pf_t *pf, int64_t id, int history, json_t **out);

/*
 * The groups of tenant_id that have alarms (active = only open groups), newest first, at most
 * limit: {id, kind, title, opened_at, closed_at, count, active_count, max_severity,
 * unacked_count}. 0 or SD_E*.
 */
int sd_alarm_groups(sd_pf_t *pf, int64_t tenant_id, int active, int64_t limit, sd_pf_items_t *out);

/* The tenant of group id. 0, SD_ENOTFOUND, SD_E*. */
int sd_alarm_group_tenant(sd_pf_t *pf, int64_t id, int64_t *tenant_id);

/* Group id as sd_alarm_groups() shows it (*out new). 0, SD_ENOTFOUND, SD_E*. */
int sd_alarm_group_json(sd_pf_t *pf, int64_t id, json_t **out);

/*
 * Every facility of tenant_id by code with its state (faulted, no_contact, running, stopped,
 * unknown), pumps, active alarm count, max severity and last data. 0 or SD_E*.
 */
int sd_alarm_facility_status(sd_pf_t *pf, int64_t tenant_id, sd_pf_items_t *out);

/*
 * The alarm settings in force for point point_id (data_id) of tenant_id: the engine's defaults
 * for the tenant, overridden by the point's own {data_id, deadband_pct, delay_s, override:
 * {deadband_pct, delay_s}} (*out new). 0 or SD_E*.
 */
int sd_alarm_settings_json(sd_pf_t *pf, int64_t tenant_id, int64_t point_id, const char *data_id,
                           json_t **out);

/*
 * Set (or with has_* 0 reset to the default) the point's overrides, by who (audited
 * "alarm.settings" with detail_json, in the same transaction; by is the actor text stored with
 * the row). 0 or SD_E*.
 */
int sd_alarm_settings_set(sd_pf_t *pf, const sd_principal_t *who, const char *by, int64_t tenant_id,
                          int64_t point_id, int has_deadband, double deadband_pct, int has_delay,
                          int64_t delay_s, const char *detail_json);

#endif
