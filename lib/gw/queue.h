/* queue.h - the gateway's persistent store-and-forward queue (SQLite, WAL, synchronous FULL). */
#ifndef SD_GW_QUEUE_H
#define SD_GW_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Samples and events wait here until the platform has acknowledged them (HTTP 2xx, MQTT
 * down/ack): an item is deleted only after its acknowledgement, so a gateway killed at any
 * moment resends, never loses (the platform's (point, ts) keys make a resend harmless). Every
 * push is one transaction that is on disk when it returns 0: a terminal is answered only after
 * that. Two lanes (data, events) drain independently, each oldest first, so a platform that
 * refuses one kind does not hold up the other. A small key/value table keeps per-terminal
 * progress (last hourly block collected ...) and is written in the same transaction as the
 * samples it describes.
 *
 * Bounded by bytes: a data push that would pass max_bytes is refused (SD_ETOOBIG; the terminal
 * is then not answered and calls again later); events may use a reserve of 1/16 more, so the
 * queue_full event itself always fits. Thread-safe (one connection behind a mutex).
 */
typedef struct sd_gw_queue sd_gw_queue_t;

/* Lanes: samples, events, and replies to platform requests (each posted on its own). */
typedef enum { SD_GW_Q_DATA = 0, SD_GW_Q_EVENT = 1, SD_GW_Q_REPLY = 2 } sd_gw_qkind_t;

typedef struct {
    sd_gw_qkind_t kind;
    const char *body; /* one sample or one event, JSON text */
} sd_gw_qitem_t;

typedef struct {
    const char *key;
    int64_t value;
} sd_gw_kv_t;

typedef struct {
    int64_t id;
    char *body;
} sd_gw_qrow_t;

/* Open or create the queue file (and its directory's WAL files). SD_ESTORE, SD_ENOMEM. */
int sd_gw_queue_open(const char *path, int64_t max_bytes, sd_gw_queue_t **out);
void sd_gw_queue_close(sd_gw_queue_t *q); /* NULL-safe */

/*
 * Append items and set kv entries in one durable transaction. *nearly_full (may be NULL) is set
 * true when this push took the queue past 90 % of max_bytes (once per crossing: it is reset when
 * the queue drains below 80 %). Returns 0, SD_ETOOBIG (full: nothing written), SD_ESTORE.
 */
int sd_gw_queue_push(sd_gw_queue_t *q, const sd_gw_qitem_t *items, size_t n, const sd_gw_kv_t *kv,
                     size_t nkv, bool *nearly_full);

/*
 * Up to max oldest items of a lane, and at most max_bytes of bodies (at least one item). The
 * caller frees them with sd_gw_queue_rows_free(). Returns 0 (n = 0 when empty) or SD_ESTORE.
 */
int sd_gw_queue_peek(sd_gw_queue_t *q, sd_gw_qkind_t kind, size_t max, size_t max_bytes,
                     sd_gw_qrow_t **rows, size_t *n);
void sd_gw_queue_rows_free(sd_gw_qrow_t *rows, size_t n);

/* Delete the items of a lane with first_id <= id <= last_id (acknowledged). 0 or SD_ESTORE. */
int sd_gw_queue_ack(sd_gw_queue_t *q, sd_gw_qkind_t kind, int64_t first_id, int64_t last_id);

/* A kv value, def when absent. */
int64_t sd_gw_queue_kv_get(sd_gw_queue_t *q, const char *key, int64_t def);
int sd_gw_queue_kv_set(sd_gw_queue_t *q, const char *key, int64_t value);

typedef struct {
    int64_t data, events, bytes, max_bytes;
    int64_t pushed, acked; /* items since open */
} sd_gw_qstats_t;
void sd_gw_queue_stats(sd_gw_queue_t *q, sd_gw_qstats_t *out);

#endif
