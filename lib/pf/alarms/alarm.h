/* alarm.h - plant alarms raised from samples of alarm points and from gateway events, their
 * ISA-18.2 states, flood grouping, facility state. (Contract for the notify and portal modules;
 * the alarm module fills in the rest.) */
#ifndef SD_PF_ALARM_H
#define SD_PF_ALARM_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "gwif/gwif.h"
#include "pf/pf.h"

typedef struct sd_alarms sd_alarms_t;

/* A transition, handed to listeners after it is committed. Strings borrowed for the call. */
typedef enum {
    SD_ALARM_RAISED, /* new alarm, unacknowledged */
    SD_ALARM_ACKED,
    SD_ALARM_RETURNED, /* condition back to normal (acknowledged or not) */
    SD_ALARM_CLEARED,  /* normal and acknowledged: leaves the active list */
    SD_ALARM_SHELVED,
    SD_ALARM_UNSHELVED,
    SD_ALARM_OUT_OF_SERVICE,
    SD_ALARM_IN_SERVICE,
    SD_ALARM_COMMENTED,
} sd_alarm_transition_t;

typedef struct {
    int64_t alarm_id;
    int64_t group_id; /* flood / incident group, 0 = none */
    int64_t tenant_id;
    sd_alarm_transition_t transition;
    int severity; /* 1 critical, 2 major, 3 minor, 4 info */
    int64_t at_ms;
    const char *facility; /* facility code, "" when none */
    const char *device;   /* device code, "" when none */
    const char *data_id;  /* point, "" for event alarms */
    const char *message;  /* what is wrong, in the master's words */
    const char *by;       /* "user:3", "system" */
    const char *comment;  /* "" when none */
} sd_alarm_event_t;

typedef void (*sd_alarm_listener_fn)(void *ctx, const sd_alarm_event_t *ev);

/*
 * Make the engine on pf (sets pf->alarms; registers its sample observer, whose samples wait in
 * a queue until sd_alarms_run() or sd_alarms_sync()). The routes are the api layer's
 * (sd_alarm_routes, api/routes.h).
 */
int sd_alarms_start(sd_pf_t *pf, sd_alarms_t **out);
/* Follow transitions (register before sd_alarms_run(); at most 8). */
int sd_alarms_listen(sd_alarms_t *a, sd_alarm_listener_fn fn, void *ctx);
/*
 * The listeners are registered: start the engine's thread (lib/core/worker.h), which first
 * re-evaluates the latest values (so the listeners hear what that raises), then evaluates
 * queued samples as they come and runs the timers every second. 0; SD_EINVAL when running.
 */
int sd_alarms_run(sd_alarms_t *a);
/* Stop the thread, evaluate what is still queued, unhook the observer, free. NULL-safe. */
void sd_alarms_stop(sd_alarms_t *a);

/*
 * Store a GW-IF event batch body {"id"?, "events":[...]} (docs/gwif.md) from gateway gw_id of
 * tenant_id, committed before 0; raises the alarms events imply. SD_ESYNTAX / SD_EFIELD with err.
 * The MQTT binding calls it for up/event; the alarm module serves POST /gwif/v1/events with it.
 */
int sd_event_ingest_json(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const void *body,
                         size_t len, sd_json_err_t *err);

/* ---- configuration, operations on alarms, listeners (the console's reads are in console.h) --- */

/* Per-tenant defaults of the engine (suidod's [alarm] section; docs/alarms.md). */
#define SD_ALARM_TENANT_OVERRIDES 16
typedef struct {
    double deadband_pct;     /* analog hysteresis, % of the limit span (2) */
    int delay_s;             /* on-delay of analog limit alarms (0) */
    int flood_window_s;      /* alarms raised within this window ... (60) */
    int flood_threshold;     /* ... beyond this many join one flood group (10) */
    int no_contact_severity; /* severity of no-contact alarms when the event has none (3) */
    int no_data_s;           /* a device silent this long is "no contact" (0 = off; e.g. 26 h) */
    struct {
        int64_t tenant_id; /* 0 = unused slot */
        double deadband_pct;
        int delay_s;
    } tenant[SD_ALARM_TENANT_OVERRIDES];
} sd_alarms_config_t;

void sd_alarms_config_defaults(sd_alarms_config_t *c);

/*
 * Listeners run on the thread that made the transition, with the engine's lock held (so they
 * hear transitions in commit order): they must be quick and must not call back into sd_alarm_*.
 */

/* sd_alarms_start() with a configuration (copied). */
int sd_alarms_start_cfg(sd_pf_t *pf, const sd_alarms_config_t *cfg, sd_alarms_t **out);

/*
 * Evaluate queued samples and due timers (shelve expiry, on-delays) on the calling thread now,
 * instead of waiting for the engine's thread: for tests and benchmarks with a fake clock.
 */
void sd_alarms_sync(sd_alarms_t *a);

/* What a person (or application) does to an alarm. */
typedef enum {
    SD_ALARM_OP_ACK,
    SD_ALARM_OP_SHELVE, /* minutes 1..1440 */
    SD_ALARM_OP_UNSHELVE,
    SD_ALARM_OP_COMMENT, /* comment required */
    SD_ALARM_OP_OOS,
    SD_ALARM_OP_IN_SERVICE,
} sd_alarm_op_t;

/*
 * Apply op to alarm id of tenant_id by `by` ("user:3") at the clock's now, committed, listeners
 * told. 0; SD_ENOTFOUND (no such alarm in the tenant); SD_ECONFLICT with *why (static text) for a
 * transition the alarm's state does not allow (ack of a cleared alarm, ...); SD_EFIELD for bad
 * minutes or a missing comment; SD_E* from the store.
 */
int sd_alarm_apply(sd_alarms_t *a, int64_t tenant_id, int64_t id, sd_alarm_op_t op, int minutes,
                   const char *by, const char *comment, const char **why);

/* Acknowledge every unacknowledged alarm of group id; *n gets how many. 0, SD_ENOTFOUND, SD_E*. */
int sd_alarm_group_ack(sd_alarms_t *a, int64_t tenant_id, int64_t id, const char *by,
                       const char *comment, int *n);

/* Name of a transition as stored in history ("raised", "acked", ...). */
const char *sd_alarm_transition_name(sd_alarm_transition_t t);

/* Master severity text to 1..4 (critical 1, major 2, minor 3, info 4, anything else 3). Pure. */
int sd_alarm_severity_of(const char *text);

/* ---- events (event.c) ------------------------------------------------------------------------ */

/* Events per batch, both bindings. The body is parsed by sd_gwif_events_parse() (gwif/gwif.h):
 * the same rules over HTTP and MQTT. */
#define SD_EVENT_BATCH_MAX SD_GWIF_EVENTS_MAX

/* sd_event_ingest_json() that also tells how many events were stored. */
int sd_event_ingest_json_n(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const void *body,
                           size_t len, sd_json_err_t *err, size_t *stored);

#endif
