/* north.h - the gateway's GW-IF HTTP client over lib/httpc: connect, calls with a bearer token
 * (north_http.c builds the HTTP backend of gw.h on it; north_mqtt.c fetches the broker password
 * and the inventory with it). */
#ifndef SD_GW_NORTH_H
#define SD_GW_NORTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "gw/queue.h"

/*
 * One client per thread (an sd_http_client_t and a token are not shared): the drainer, the
 * request long-poll and the inventory refresh each own one. The token comes from
 * POST /apif/v1/connect with the gateway's client credential and is fetched again on 401.
 */
typedef struct sd_gw_http sd_gw_http_t;

typedef struct {
    const char *base_url;      /* http://127.0.0.1:8080 (copied) */
    const char *client_id;     /* gw-... */
    const char *client_secret; /* never logged */
    int timeout_ms;            /* per call; a long-poll's margin beyond its wait; 0 = 15000 */
} sd_gw_http_cfg_t;

int sd_gw_http_new(const sd_gw_http_cfg_t *cfg, sd_gw_http_t **out);
void sd_gw_http_free(sd_gw_http_t *h); /* NULL-safe */

/*
 * One call with the token (connecting first if there is none, and once more after a 401).
 * body may be NULL (no body) and is sent as application/json. extra_wait_ms extends the
 * timeout (a long-poll's wait: the call may take that plus timeout_ms; connecting takes 5 s at
 * most). On 0, *status is the HTTP status and resp holds the body; etag (if not
 * NULL, etag_sz > 0) gets the ETag header or "". Transport failures: SD_ECLOSED (refused,
 * reset), SD_ETIMEDOUT, SD_EUNAUTH (the credential itself was refused), SD_ENOMEM.
 */
int sd_gw_http_call(sd_gw_http_t *h, const char *method, const char *path, const char *body,
                    const char *if_none_match, int extra_wait_ms, long *status, sd_buf_t *resp,
                    char *etag, size_t etag_sz);

/*
 * The GW-IF batch of queue rows rows[0..n) of lane kind (SD_GW_Q_DATA: {"id"?,"samples":[...]},
 * SD_GW_Q_EVENT: {"id"?,"events":[...]}) with id (NULL: none): the rows as gwif wrote them when
 * they were queued, joined. 0 and out (a row is refused by the platform, by its index, never
 * here); SD_EINVAL (another lane, n 0, a bad id), SD_ENOMEM.
 */
int sd_gw_batch_build(sd_gw_qkind_t kind, const sd_gw_qrow_t *rows, size_t n, const char *id,
                      sd_buf_t *out);

/* The index i of a GW-IF error field "samples[i].ts" / "events[i]" for lane `list`, or -1. */
long sd_gw_error_index(const char *field, const char *list);

#endif
