/* alarm.h - plant alarms raised from samples of alarm points and from gateway events, their
 * ISA-18.2 states, flood grouping, facility state. (Contract for the notify and portal modules;
 * the alarm module fills in the rest.) */
#ifndef SD_PF_ALARM_H
#define SD_PF_ALARM_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

typedef struct sd_alarms sd_alarms_t;

/* A transition, handed to listeners after it is committed. Strings borrowed for the call. */
typedef enum {
    SD_ALARM_RAISED,      /* new alarm, unacknowledged */
    SD_ALARM_ACKED,
    SD_ALARM_RETURNED,    /* condition back to normal (acknowledged or not) */
    SD_ALARM_CLEARED,     /* normal and acknowledged: leaves the active list */
    SD_ALARM_SHELVED,
    SD_ALARM_UNSHELVED,
    SD_ALARM_OUT_OF_SERVICE,
    SD_ALARM_IN_SERVICE,
    SD_ALARM_COMMENTED,
} sd_alarm_transition_t;

typedef struct {
    int64_t alarm_id;
    int64_t group_id;      /* flood / incident group, 0 = none */
    int64_t tenant_id;
    sd_alarm_transition_t transition;
    int severity;          /* 1 critical, 2 major, 3 minor, 4 info */
    int64_t at_ms;
    const char *facility;  /* facility code, "" when none */
    const char *device;    /* device code, "" when none */
    const char *data_id;   /* point, "" for event alarms */
    const char *message;   /* what is wrong, in the master's words */
    const char *by;        /* "user:3", "system" */
    const char *comment;   /* "" when none */
} sd_alarm_event_t;

typedef void (*sd_alarm_listener_fn)(void *ctx, const sd_alarm_event_t *ev);

/* Start on pf (sets pf->alarms; registers its routes and its sample observer). */
int sd_alarms_start(sd_pf_t *pf, sd_alarms_t **out);
/* Follow transitions (register before the server starts; at most 8). */
int sd_alarms_listen(sd_alarms_t *a, sd_alarm_listener_fn fn, void *ctx);
void sd_alarms_stop(sd_alarms_t *a);

/*
 * Store a GW-IF event batch body {"id"?, "events":[...]} (docs/gwif.md) from gateway gw_id of
 * tenant_id, committed before 0; raises the alarms events imply. SD_ESYNTAX / SD_EFIELD with err.
 * The MQTT binding calls it for up/event; the alarm module serves POST /gwif/v1/events with it.
 */
int sd_event_ingest_json(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const void *body,
                         size_t len, sd_json_err_t *err);

#endif
