/* engine.h - inside the gateway engine (gw.h): shared state of the south workers, the scheduler
 * and the north side. Not for programs: they use gw.h. */
#ifndef SD_GW_ENGINE_H
#define SD_GW_ENGINE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "gw/conv.h"
#include "gw/gw.h"
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

/* An inventory and its holders: the engine (while current) and each thread using it. */
typedef struct {
    sd_gw_inv_t *inv;
    int refs; /* under gw_t.mu */
} gw_invref_t;

typedef struct sd_gw {
    /* configuration (strings owned) */
    char *listen, *inv_file;
    int workers, accept_threads, window_start_min, window_len_min, retries, answer_timeout_ms;
    int drift_s, batch, l3_grace_s, inv_refresh_s;
    bool collect_on_start, daily, x_guard;
    sd_line_l3_desig_t desig;
    const sd_dialplan_t *dialplan;
    sd_gw_north_t north;
    /* state */
    sd_clock_t *clock;
    sd_gw_queue_t *q;
    sd_listener_t *ls;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* jobs or device state changed */
    pthread_cond_t drain;    /* something was queued for the north */
    pthread_cond_t wake;     /* stop, or sd_gw_wake(): plain sleeps */
    gw_invref_t *inv;        /* current inventory (under mu) */
    pthread_mutex_t load_mu; /* one inventory load at a time */
    char inv_etag[128];      /* under load_mu */
    devstate_t *dev;
    size_t n_dev;
    job_t *jobs;
    monitor_t mon[256];
    int n_mon;
    atomic_int stop;
    atomic_long calls_in, polls_ok, polls_failed, uploads, upload_failures;
    pthread_t th[512];
    int nth;
    bool started;
} gw_t;

/* wall clock ms (the injected clock) */
int64_t gw_now(gw_t *g);
/* Wait on cv under g->mu (held) until woken or ms passed on the engine's clock. */
void gw_timedwait(gw_t *g, pthread_cond_t *cv, int64_t ms);
/* Queue one event (its own transaction). detail: a JSON object or NULL (reference taken). */
int gw_event(gw_t *g, const char *kind, const char *device, int severity, const char *msg,
             json_t *detail);
/* Append an event object's JSON text for the queue to out. */
int gw_event_json(gw_t *g, const char *kind, const char *device, int severity, const char *msg,
                  json_t *detail, sd_buf_t *out);
/* Samples (+ one optional event) and kv updates in one durable push; queue_full when needed. */
int gw_store(gw_t *g, const sd_gw_samples_t *s, const char *event_json, const sd_gw_kv_t *kv,
             size_t nkv);
/* Stable reason name for a line error (docs/gwif.md replies). */
const char *gw_reason(int rc);
/* The current inventory, held until gw_inv_put (NULL before the first one). */
gw_invref_t *gw_inv_get(gw_t *g);
void gw_inv_put(gw_t *g, gw_invref_t *r);
/* Under g->mu: the state of the terminal code, or NULL. */
devstate_t *gw_dev_state(gw_t *g, const char *code);
void gw_enqueue(gw_t *g, job_t *j);
/* Queue the reply to request id (reply: reference taken). */
int gw_reply(gw_t *g, int64_t id, json_t *reply);
/* A failed request's reply {"id","ok":false,"reason","message"} (gwif builds it; reason one of
 * sd_gwif_reason_valid()). NULL on ENOMEM. */
json_t *gw_fail_reply(int64_t id, const char *reason, const char *msg);

/* north_http.c, for both backends: GET /gwif/v1/inventory with the ETag of the last one;
 * 0 with body, 1 unchanged (304), or an error. */
int sd_gw_north_http_inventory(sd_gw_http_t *h, char *etag, size_t etag_sz, sd_buf_t *body);

/* terminals.c: the south threads */
void *gw_accept_thread(void *arg);
void *gw_worker_thread(void *arg);
void *gw_sched_thread(void *arg);

#endif
