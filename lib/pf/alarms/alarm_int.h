/* alarm_int.h - what alarm.c (the engine) offers event.c and console.c, which call it (never the
 * other way round); not a public interface. */
#ifndef SD_PF_ALARM_INT_H
#define SD_PF_ALARM_INT_H

#include <stdint.h>

#include "pf/alarms/alarm.h"
#include "store/store.h"

/* One alarms row (times 0 = NULL). Also the template of a new alarm for sd_alarms__condition. */
typedef struct {
    int64_t id, tenant_id, group_id;
    char source[48], kind[16];
    char facility[64], facility_name[128], device[64], data_id[72], name[128], message[256];
    int severity, active;
    char state[16], prev_state[16];
    int64_t cond_ms, raised_at, acked_at, returned_at, cleared_at, shelved_until;
    char acked_by[40];
} sd_alarm_row_t;

/* Callers hold the engine lock (sd_alarms__lock) around sd_alarms__tx and what runs in it. */
void sd_alarms__lock(sd_alarms_t *a);
void sd_alarms__unlock(sd_alarms_t *a);
/* sd_store_tx that hands the transaction's transitions to the listeners after the commit. */
int sd_alarms__tx(sd_alarms_t *a, sd_store_tx_fn fn, void *ctx);
/* Inside sd_alarms__tx: the condition of tmpl->source is abnormal or normal as of ts. */
int sd_alarms__condition(sd_alarms_t *a, const sd_alarm_row_t *tmpl, int abnormal, int64_t ts);
int sd_alarms__load(sd_store_t *st, int64_t tenant, int64_t id, sd_alarm_row_t *r);
sd_pf_t *sd_alarms__pf(sd_alarms_t *a);
const sd_alarms_config_t *sd_alarms__cfg(sd_alarms_t *a);

#endif
