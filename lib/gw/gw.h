/* gw.h - the gateway engine (suido-gw): terminals on the south, GW-IF on the north. */
#ifndef SD_GW_GW_H
#define SD_GW_GW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/clock.h"
#include "gw/queue.h"
#include "line/text.h"
#include "link/dialplan.h"

/*
 * The engine polls the terminals of its inventory (daily collection, periodic monitoring),
 * takes their calls, executes the platform's requests, and forwards everything through the
 * store-and-forward queue to the platform by a north backend (HTTP or MQTT, below). Its time is
 * the injected clock's: wall time for what is stored, scheduled or sent; monotonic time for
 * every timed wait (and the condition variables it waits on use CLOCK_MONOTONIC).
 *
 * Threads (sd_gw_start): south.accept_threads call takers, south.workers call makers, a
 * scheduler, a north drainer (replies, then events, then data) and a requests thread (the
 * backend's long-poll, if it has one, and the inventory refresh).
 */
typedef struct sd_gw sd_gw_t;

/* ---- north backends ----------------------------------------------------------------------- */

/* What an upload of one batch did (status: the HTTP status, 0 without one; for logs). */
typedef struct {
    long dropped; /* -1: the whole batch was acknowledged; >= 0: the platform refused this row
                     as malformed (deleted, the rest is offered again) */
    long status;
} sd_gw_upload_t;

/*
 * A north backend: a table of operations and its state. The engine calls open, ready, upload,
 * reply and close on its drain thread only, fetch_requests on its requests thread only, and
 * fetch_inventory one call at a time from any thread (sd_gw_load_inventory), so a backend may
 * keep one connection per caller without locks.
 */
typedef struct {
    const char *name;       /* "http", "mqtt": log prefix */
    size_t max_batch_bytes; /* bodies per upload (at least one item) */
    /* Once on the drain thread before anything else (may block until connected or
     * sd_gw_stopping()); nonzero ends the drainer. g outlives the backend's use. May be NULL. */
    int (*open)(void *ctx, sd_gw_t *g);
    /* Whether uploads can go now, waiting up to wait_ms for it. NULL = always. */
    bool (*ready)(void *ctx, int wait_ms);
    /*
     * Send rows[0..n) of lane kind (SD_GW_Q_DATA or SD_GW_Q_EVENT) as one batch and wait for
     * its acknowledgement. 0 with res->dropped -1 (acknowledged) or a row index (that row was
     * refused as malformed); SD_EUNSUPPORTED when the platform takes no such batch for now
     * (events wait in the queue; data is retried as any failure); SD_EAGAIN, or a transport
     * error: back off and offer the batch again.
     */
    int (*upload)(void *ctx, sd_gw_qkind_t kind, const sd_gw_qrow_t *rows, size_t n,
                  sd_gw_upload_t *res);
    /* Deliver the reply body of request id. 0 = done (delivered or refused for good). */
    int (*reply)(void *ctx, int64_t id, const char *body);
    /*
     * Long-poll for requests: 0 and *status 200 with body {"requests":[...],
     * "master_version":N}, or an error / another status (404: there is no request service).
     * NULL when requests come by themselves (the backend calls sd_gw_take_requests()).
     */
    int (*fetch_requests)(void *ctx, sd_buf_t *body, long *status);
    /* GET the inventory: 0 with body, 1 unchanged since etag, or an error. */
    int (*fetch_inventory)(void *ctx, char *etag, size_t etag_sz, sd_buf_t *body);
    /* Once on the drain thread when it ends (after open). May be NULL. */
    void (*close)(void *ctx);
    void (*free)(void *ctx);
} sd_gw_north_ops_t;

typedef struct {
    const sd_gw_north_ops_t *ops;
    void *ctx;
} sd_gw_north_t;

/* How the backends reach the platform (strings copied). */
typedef struct {
    const char *url;                       /* http://127.0.0.1:8080 */
    const char *client_id, *client_secret; /* the gateway's registry credential */
    const char *mqtt_url;                  /* mqtt://host:port or mqtts:// (mqtt only) */
    const char *mqtt_cafile;               /* mqtts: the broker's CA (the platform CA) */
} sd_gw_north_cfg_t;

/* GW-IF over HTTP (north_http.c), and over MQTT (north_mqtt.c; inventory by HTTP). */
int sd_gw_north_http_new(const sd_gw_north_cfg_t *c, sd_gw_north_t *out);
int sd_gw_north_mqtt_new(const sd_gw_north_cfg_t *c, sd_gw_north_t *out);
void sd_gw_north_free(sd_gw_north_t *n); /* NULL-safe, leaves *n empty */

/* ---- the engine ----------------------------------------------------------------------------- */

typedef struct {
    const char *listen;         /* where terminals call ("" or NULL: nowhere) */
    const char *inventory_file; /* read the inventory from this file (NULL: the backend) */
    int workers, accept_threads;
    int window_start_min, window_len_min;
    int retries, answer_timeout_ms, drift_s, batch, l3_grace_s, inv_refresh_s;
    bool collect_on_start, daily, x_guard;
    sd_line_l3_desig_t desig;
} sd_gw_cfg_t;

/* Borrowed: each outlives the engine. */
typedef struct {
    sd_clock_t *clock;    /* NULL: the system clock */
    sd_gw_queue_t *queue; /* open */
    sd_gw_north_t north;
    const sd_dialplan_t *dialplan; /* may be NULL */
} sd_gw_deps_t;

/* Strings of cfg are copied. SD_EINVAL (no queue or backend), SD_ENOMEM. */
int sd_gw_new(const sd_gw_cfg_t *cfg, const sd_gw_deps_t *deps, sd_gw_t **out);
/* Load (or refresh) the inventory: 0, 1 unchanged, or an error (logged). Before sd_gw_start
 * (nothing runs without one), and at any time after: the requests thread refreshes it every
 * inv_refresh_s and when a request names a newer master_version. An inventory replaced is
 * freed when the last call using it has ended. */
int sd_gw_load_inventory(sd_gw_t *g);
/* Open the listener, queue the gateway_start event and start the threads. SD_EINVAL without
 * an inventory (sd_gw_load_inventory first), or the listener's error. */
int sd_gw_start(sd_gw_t *g);
/* Stop and join the threads (idempotent; an engine is started once). */
void sd_gw_stop(sd_gw_t *g);
void sd_gw_free(sd_gw_t *g); /* stops first; NULL-safe */

/* The listener's port (0 without one) and the inventory's size. */
int sd_gw_listen_port(const sd_gw_t *g);
size_t sd_gw_device_count(sd_gw_t *g);

/* For backends and tests. */
bool sd_gw_stopping(const sd_gw_t *g);
/* Wait up to ms on the engine's clock; returns early on stop. */
void sd_gw_sleep(sd_gw_t *g, int64_t ms);
/* Wake every wait of the engine (e.g. after a test moved its fake clock). */
void sd_gw_wake(sd_gw_t *g);
/* Queue the requests of a {"requests":[...]} body for the workers. */
void sd_gw_take_requests(sd_gw_t *g, const char *body);
/* Queue one event (docs/gwif.md); detail: a JSON object or NULL (reference taken). */
int sd_gw_event(sd_gw_t *g, const char *kind, const char *device, int severity, const char *msg,
                json_t *detail);

typedef struct {
    long calls_in, polls_ok, polls_failed;
    long uploads, upload_failures;
} sd_gw_stats_t;
void sd_gw_stats(sd_gw_t *g, sd_gw_stats_t *out);

#endif
