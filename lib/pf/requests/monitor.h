/* monitor.h - periodic monitoring (AP-IF #5-7 定周期監視開始/一覧/停止): monitors over points,
 * their values pushed to subscribers by server-sent events and signed webhooks as they are stored.
 */
#ifndef SD_PF_MONITOR_H
#define SD_PF_MONITOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

/*
 * A monitor belongs to a tenant and to the principal that started it (an application sees only
 * its own; operator users with data.poll see every monitor of their tenant). Starting one asks
 * the gateway serving each device to collect the points every interval_s (request service,
 * SD_REQ_MONITOR_START); the gateway uploads through GW-IF as usual, ingest stores the samples,
 * and this module follows every committed batch (sd_pf_observe_samples) and pushes the monitored
 * points' samples:
 *   - to each open GET /apif/v1/monitors/{id}/events (text/event-stream): one "samples" event per
 *     stored batch (split at SD_MONITOR_EVENT_MAX samples) whose id is a cursor (ms, platform
 *     time); Last-Event-ID (or ?last_event_id=) replays the stored samples received since then,
 *     so a reconnecting client misses nothing. Delivery is at least once: the replay reaches back
 *     SD_MONITOR_OVERLAP_MS before the cursor (commits are not ordered by their timestamps), so a
 *     sample may come twice; (data_id, ts) identifies it. A comment line every heartbeat keeps
 *     proxies open and finds dead clients.
 *   - to the webhook URL if any: POST of {"monitor","event_id","samples"} with
 *     X-Suido-Signature: sha256=<hex HMAC-SHA256 of the body under the monitor's secret>, from a
 *     worker thread with retries and back-off; ingest never waits for it.
 */

#define SD_MONITOR_INTERVAL_MIN 60
#define SD_MONITOR_INTERVAL_MAX 86400
#define SD_MONITOR_IDS_MAX      100  /* data IDs per monitor */
#define SD_MONITOR_URL_MAX      2048 /* webhook URL bytes */
#define SD_MONITOR_EVENT_MAX    500  /* samples per pushed event */
#define SD_MONITOR_OVERLAP_MS   10000
#define SD_MONITOR_REPLAY_MAX   5000 /* samples replayed per connection ("truncated" beyond) */

/* A parsed start body; strings borrow from root. */
typedef struct {
    json_t *root;
    const char **data_ids;
    size_t n;
    int64_t interval_s;
    const char *webhook; /* NULL = none */
} sd_monitor_spec_t;

/*
 * Parse a start body {"data_ids":[...], "interval_s":N, "webhook":"https://..."?} of len bytes.
 * Pure. data_ids: 1..SD_MONITOR_IDS_MAX distinct strings of 1-64 bytes; interval_s an integer
 * in [60, 86400]; webhook (null = none) an http(s) URL (sd_monitor_webhook_check); unknown
 * members refused. 0 and *out (free with sd_monitor_spec_free), or SD_ESYNTAX / SD_EENCODING
 * (err has line/column) / SD_EFIELD (err->field: "data_ids[2]", "interval_s", "webhook", ...) /
 * SD_ENOMEM; *out is empty on failure.
 */
int sd_monitor_spec_parse(const void *buf, size_t len, sd_monitor_spec_t *out, sd_json_err_t *err);
void sd_monitor_spec_free(sd_monitor_spec_t *s);

/*
 * Is url an absolute http:// or https:// URL we will POST to? Pure. Scheme (any case), "://",
 * a host (DNS name of letters, digits, '-', '.', or an [IPv6] literal; no user info), an
 * optional port 1-65535, then an optional path/query of printable ASCII without spaces or '#'.
 * At most SD_MONITOR_URL_MAX bytes. 0 or SD_EFIELD with a reason in *why (static text).
 */
int sd_monitor_webhook_check(const char *url, size_t len, const char **why);

/* "sha256=" + 64 hex digits of HMAC-SHA256(key, body): out >= 72 bytes. */
void sd_monitor_sign(const uint8_t *key, size_t keylen, const void *body, size_t len, char *out);

typedef struct {
    int heartbeat_ms;       /* SSE comment interval (0 = 15000) */
    int webhook_timeout_ms; /* one POST (0 = 5000) */
    int webhook_attempts;   /* tries per event (0 = 6: at once, then 1, 2, 4, 8, 16 s later) */
    int webhook_backoff_ms; /* first retry delay, doubling (0 = 1000) */
    size_t webhook_queue;   /* events waiting for delivery (0 = 1000; beyond, dropped + logged) */
    size_t stream_buffer;   /* per SSE client (0 = 4 MiB; a slower client is disconnected) */
    /* internal addresses webhooks may reach anyway: CIDR list (sd_addr_allow_parse), NULL = none;
     * every other loopback, private, link-local ... address is refused (httpc/addr.h) */
    const char *webhook_allow;
} sd_monitors_config_t;

typedef struct sd_monitors sd_monitors_t;

#define SD_MONITOR_SUBS_MAX   16  /* open event streams per monitor */
#define SD_MONITOR_ACTIVE_MAX 100 /* active monitors per tenant */

/*
 * Load the active monitors, observe samples, start the heartbeat and webhook workers. The HTTP
 * side (routes, the event streams) is the api layer's: sd_monitors_routes() in api/routes.h,
 * which registers its streams with sd_monitors_set_streams(). Call before the server starts;
 * cfg may be NULL. sd_monitors_stop() after the server stopped. 0, SD_ENOMEM, SD_EINTERNAL
 * (libcurl), SD_ECONFIG (a bad webhook_allow, logged), or a store error.
 */
int sd_monitors_start(sd_pf_t *pf, const sd_monitors_config_t *cfg, sd_monitors_t **out);
void sd_monitors_stop(sd_monitors_t *m);

/* The configuration in force (defaults filled in). */
const sd_monitors_config_t *sd_monitors_config(const sd_monitors_t *m);

/*
 * The open event streams belong to the api layer (HTTP); the service holds them as opaque
 * handles and reaches them only through these calls, registered by the api before the server
 * starts. write: 0, SD_ETOOBIG (the client is too slow: it is cut), another SD_E* (gone); the
 * service then calls close, once, and forgets the handle. Both run under the service's lock,
 * on the ingesting thread, a worker or a request thread: they must not block.
 */
typedef struct {
    int (*write)(void *ctx, void *stream, const char *text, size_t len);
    void (*close)(void *ctx, void *stream);
    void *ctx;
} sd_monitor_streams_t;
void sd_monitors_set_streams(sd_monitors_t *m, const sd_monitor_streams_t *ops);

/* A stored monitor (table monitors). */
typedef struct {
    int64_t id, tenant_id, owner_id, interval_s, created, stopped;
    char owner_role[32]; /* "application", "operator_admin", ... */
    char *data_ids;      /* JSON text, the start body's order */
    char *webhook;       /* NULL = none */
    int active;
} sd_monitor_t;

/* Monitor id: 0, SD_ENOTFOUND, SD_ENOMEM or a store error. Free with sd_monitor_free(). */
int sd_monitor_get(sd_monitors_t *m, int64_t id, sd_monitor_t *out);
void sd_monitor_free(sd_monitor_t *r); /* NULL-safe */

/*
 * The monitor as AP-IF shows it: {id, data_ids, interval_s, webhook, state, owner, created,
 * stopped, events_url, subscribers}. NULL on ENOMEM.
 */
json_t *sd_monitor_json(sd_monitors_t *m, const sd_monitor_t *r);

/*
 * The monitors of tenant_id (state "active" / "stopped" / NULL = both; app_id > 0: only those an
 * application principal app_id started), by id, as sd_monitor_json(), scoped to their tenant.
 */
int sd_monitor_list(sd_monitors_t *m, int64_t tenant_id, const char *state, int64_t app_id,
                    sd_pf_items_t *out);

/*
 * Start a monitor of spec for who in tenant_id (AP-IF #5): every data ID must be a point of the
 * tenant (SD_EFIELD, err->field "data_ids[i]"), at most SD_MONITOR_ACTIVE_MAX active per tenant
 * (SD_ECONFLICT, err->message says so), a webhook's host must resolve to addresses it may reach
 * (SD_EFIELD "webhook": not loopback, private, link-local ... unless allow-listed); stores it with
 * a fresh webhook secret (sealed at rest), audits monitor.start and asks the gateway of each device
 * to collect (request service). *out: sd_monitor_json() plus "webhook_secret" (shown this once,
 * with a webhook), "gateway_notified" and "gateway_requests". Other errors: store, SD_ENOMEM.
 */
int sd_monitor_create(sd_monitors_t *m, const sd_principal_t *who, int64_t tenant_id,
                      const sd_monitor_spec_t *spec, json_t **out, sd_json_err_t *err);

/*
 * Stop monitor r (AP-IF #7) on behalf of who: state "stopped", its streams get a last "stopped"
 * event and end, audit monitor.stop, the gateways are told. A stopped one is left as it is.
 * *out: sd_monitor_json() of the row now, plus "gateway_notified" and "gateway_requests".
 */
int sd_monitor_stop(sd_monitors_t *m, const sd_principal_t *who, const sd_monitor_t *r,
                    json_t **out);

/* Can an event stream be opened on monitor id? 0, SD_ENOTFOUND (not active), SD_ECONFLICT
 * (SD_MONITOR_SUBS_MAX open). */
int sd_monitor_can_subscribe(sd_monitors_t *m, int64_t id);

/* Which credential opened a stream: re-checked every heartbeat (revoked, expired, disabled). */
typedef enum { SD_MONITOR_CRED_SESSION, SD_MONITOR_CRED_TOKEN } sd_monitor_cred_t;

/*
 * Attach an open stream (the api's handle) to active monitor id: the service pushes its events
 * and heartbeats and closes it (sd_monitor_streams_t). SD_ENOTFOUND when it is no longer active
 * (the stream stays the caller's).
 */
int sd_monitor_subscribe(sd_monitors_t *m, int64_t id, void *stream, sd_monitor_cred_t kind,
                         int64_t cred_id);

/*
 * Write to stream the stored samples of r received after cursor - SD_MONITOR_OVERLAP_MS, as
 * "samples" events (ids: their receive time); at most SD_MONITOR_REPLAY_MAX samples, then a
 * "truncated" event. Errors are logged.
 */
void sd_monitor_replay(sd_monitors_t *m, void *stream, const sd_monitor_t *r, int64_t cursor);

/* Counters (tests, monitoring). */
typedef struct {
    uint64_t events;          /* events built from stored batches */
    uint64_t webhook_ok;      /* POSTs answered 2xx */
    uint64_t webhook_retries; /* failed attempts that were retried */
    uint64_t webhook_dropped; /* events given up (attempts exhausted or queue full) */
    uint64_t streams_cut;     /* SSE clients disconnected for being too slow */
} sd_monitors_stats_t;
void sd_monitors_stats(sd_monitors_t *m, sd_monitors_stats_t *out);

#endif
