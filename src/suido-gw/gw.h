/* gw.h - suido-gw's engine: shared state of the south workers, the scheduler and the north side. */
#ifndef SUIDO_GW_GW_H
#define SUIDO_GW_GW_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "gw/conv.h"
#include "gw/inv.h"
#include "gw/north.h"
#include "gw/queue.h"
#include "line/text.h"
#include "link/dialplan.h"
#include "link/link.h"

typedef enum { JOB_POLL, JOB_REQUEST, JOB_MONITOR } job_kind_t;

typedef struct job {
    struct job *next;
    job_kind_t kind;
    char device[65];
    json_t *req; /* JOB_REQUEST: the platform's request (owned) */
    int64_t req_id;
    int64_t not_before_ms; /* wall ms */
    int64_t deadline_ms;   /* JOB_REQUEST: 0 = none */
    int tries;
} job_t;

typedef struct {
    char code[65];
    bool busy;     /* a call to it is in progress: one call at a time per terminal */
    bool queued;   /* a poll job is waiting */
    int poll_fail; /* failed polls today */
} devstate_t;

typedef struct {
    int64_t id;
    char device[65];
    int interval_s;
    json_t *data_ids; /* array (owned) */
    int64_t next_ms;
    bool queued;
} monitor_t;

typedef struct {
    /* configuration */
    const char *data_dir, *binding, *url, *mqtt_url, *client_id, *client_secret, *inv_file, *listen;
    int workers, accept_threads, window_start_min, window_len_min, retries, answer_timeout_ms;
    int drift_s, batch, l3_grace_s, inv_refresh_s;
    bool collect_on_start, daily, x_guard;
    sd_line_l3_desig_t desig;
    sd_dialplan_t *dialplan;
    /* state */
    sd_clock_t *clock;
    sd_gw_queue_t *q;
    sd_listener_t *ls;
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* jobs or device state changed */
    pthread_cond_t drain; /* something was queued for the north */
    sd_gw_inv_t *inv;     /* current inventory (under mu) */
    sd_gw_inv_t *old[64]; /* superseded ones, kept until exit: workers may still hold them */
    int n_old;
    devstate_t *dev;
    size_t n_dev;
    job_t *jobs;
    monitor_t mon[256];
    int n_mon;
    volatile int stop;
    long calls_in, polls_ok, polls_failed;
} gw_t;

/* wall clock ms */
int64_t gw_now(gw_t *g);
/* Queue one event (its own transaction). detail: a JSON object or NULL (reference taken). */
int gw_event(gw_t *g, const char *kind, const char *device, int severity, const char *msg,
             json_t *detail);
/* Append an event object's JSON text for the queue to out. */
int gw_event_json(gw_t *g, const char *kind, const char *device, int severity, const char *msg,
                  json_t *detail, sd_buf_t *out);
/* Stable reason name for a line error (docs/gwif.md replies). */
const char *gw_reason(int rc);

/* south.c */
void *gw_accept_thread(void *arg);
void *gw_worker_thread(void *arg);
void *gw_sched_thread(void *arg);
void gw_enqueue(gw_t *g, job_t *j);
int gw_set_inventory(gw_t *g, sd_gw_inv_t *inv);

/* north.c */
void *gw_drain_thread(void *arg);
void *gw_requests_thread(void *arg);
int gw_load_inventory(gw_t *g, sd_gw_http_t *h, char *etag, size_t etag_sz);
int gw_reply(gw_t *g, int64_t id, json_t *reply);
/* Enqueue the requests of a {"requests":[...]} body (long-poll answer or wrapped down/request). */
void gw_take_requests(gw_t *g, const char *body);
/* The HTTP long-poll thread without the request retrieval: inventory refresh only (MQTT). */
void *gw_inventory_thread(void *arg);

/* mqtt.c */
void *gw_mqtt_thread(void *arg);

#endif
