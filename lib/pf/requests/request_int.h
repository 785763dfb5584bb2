/* request_int.h - what the request service shares with its HTTP handlers: the service and its
 * waiters. Not a public interface. */
#ifndef SD_PF_REQUEST_INT_H
#define SD_PF_REQUEST_INT_H

#include <pthread.h>

#include "core/worker.h"
#include "pf/requests/inventory.h"
#include "pf/requests/request.h"

/*
 * A deferred HTTP request waiting on the service: a gateway's long-poll (W_POLL, answered when a
 * request for gw_id is queued or at until_mono) or an AP-IF read/control (W_APIF, answered when
 * its requests are all final or at until_mono). Whoever unlinks a waiter from its list (under
 * mu) owns it and must answer it exactly once.
 */
enum { W_POLL, W_APIF };

typedef struct waiter {
    struct waiter *next;
    void *req; /* the deferred HTTP request: the api layer's, never touched by the service */
    int kind;
    int64_t gw_id, tenant_id;
    int64_t until_mono;
    /* W_APIF */
    sd_req_kind_t apif_kind; /* read: values in data_ids order; control: the request */
    int64_t *ids;
    char **devices;
    size_t n;
    char **data_ids;
    size_t n_data_ids;
} waiter_t;

struct sd_requests {
    sd_pf_t *pf;
    pthread_mutex_t mu; /* the waiter lists, gen, quiesced, dirty */
    int quiesced, dirty;
    uint64_t gen; /* bumped after each commit that queues a request */
    waiter_t *polls, *apif;
    sd_worker_t *worker;     /* expiry, timeouts, waits run out; woken when dirty */
    int64_t last_expiry;     /* the worker's */
    pthread_mutex_t push_mu; /* held around push calls, so set_push(NULL) waits for them */
    sd_request_push_fn push;
    void *push_ctx;
    /* how a waiter is answered (and freed): set by the api layer with its routes; the service
       only decides when */
    void (*answer_poll)(sd_requests_t *r, waiter_t *w, json_t *items);
    void (*answer_apif)(sd_requests_t *r, waiter_t *w);
};

/* Park a waiter (taken); answered at once when the service is quiescing. */
void sd_requests_wait(sd_requests_t *r, waiter_t *w);
void sd_requests_waiter_free(waiter_t *w);

/* Queue on behalf of an HTTP caller, with err for SD_EFIELD. */
int sd_request_submit_ex(sd_requests_t *r, const sd_principal_t *who, int64_t tenant_id,
                         sd_req_kind_t kind, const char *device_code, json_t *body,
                         int64_t timeout_ms, int64_t *id, sd_json_err_t *err);

/* Which gateway serves device_code of tenant_id: 0, SD_ENOTFOUND (no device), SD_ECONFLICT. */
int sd_request_route(sd_requests_t *r, int64_t tenant_id, const char *device_code, int64_t *gw_id);

/* "2026-11-24T05:00:00Z", or null for a missing time. */
json_t *sd_request_time_json(int64_t ms, bool present);

#endif
