/* north_http.c - the gateway's north backend over HTTP (gw.h): batches to /gwif/v1/data and
 * /events, replies to each request's route, the requests long-poll, the inventory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "gw/engine.h"
#include "gw/gw.h"
#include "gw/north.h"

/* One client per caller: the drainer's (uploads, replies), the long-poll's, the inventory's. */
typedef struct {
    sd_gw_http_t *up, *down, *inv;
} http_t;

/* Replies go one by one to their request's route; a 404/409 (not ours, already final) drops. */
static int http_reply(void *ctx, int64_t id, const char *body)
{
    http_t *b = ctx;
    char path[96];
    snprintf(path, sizeof path, "/gwif/v1/requests/%lld/reply", (long long)id);
    long status;
    sd_buf_t resp = {0};
    int rc = sd_gw_http_call(b->up, "POST", path, body, NULL, 0, &status, &resp, NULL, 0);
    if (!rc && (status / 100 == 2 || status == 404 || status == 409 || status == 400)) {
        if (status / 100 != 2)
            sd_warn("reply %lld refused: HTTP %ld %.200s", (long long)id, status, resp.data);
    } else if (!rc) {
        rc = SD_EAGAIN;
    }
    sd_buf_free(&resp);
    return rc;
}

/*
 * POST /gwif/v1/data as {"samples":[...]} or /gwif/v1/events as {"events":[...]} (built by
 * gwif from the rows): acknowledged on a 2xx; a row gwif refuses here, or a 400 naming item i
 * ("samples[i]..."), drops that one item (it would block the lane forever); 404/405 is a
 * platform without the route. A platform refusing events for now (5xx) is treated as one
 * without the route: the events wait, data goes on.
 */
static int http_upload(void *ctx, sd_gw_qkind_t kind, const sd_gw_qrow_t *rows, size_t n,
                       sd_gw_upload_t *res)
{
    http_t *b = ctx;
    const char *list = kind == SD_GW_Q_DATA ? "samples" : "events";
    sd_buf_t body = {0}, resp = {0};
    long status = 0;
    int rc = sd_gw_batch_build(kind, rows, n, NULL, &body);
    if (!rc)
        rc = sd_gw_http_call(b->up, "POST",
                             kind == SD_GW_Q_DATA ? "/gwif/v1/data" : "/gwif/v1/events", body.data,
                             NULL, 0, &status, &resp, NULL, 0);
    res->status = status;
    res->dropped = -1;
    if (!rc) {
        if (status >= 200 && status < 300) {
            /* acknowledged */
        } else if (status == 404 || status == 405) {
            rc = SD_EUNSUPPORTED;
        } else if (status == 400) {
            json_t *r = json_loadb(resp.data, resp.len, 0, NULL);
            const char *field =
                json_string_value(json_object_get(json_object_get(r, "error"), "field"));
            long i = field ? sd_gw_error_index(field, list) : -1;
            if (i >= 0 && (size_t)i < n) {
                sd_error("north: platform refused %s[%ld] %s: %.300s", list, i, rows[i].body,
                         resp.data);
                res->dropped = i;
            } else {
                sd_error("north: platform refused a batch: %.300s", resp.data);
                rc = SD_EAGAIN;
            }
            json_decref(r);
        } else {
            sd_warn("north: POST %s: HTTP %ld", list, status);
            rc = kind == SD_GW_Q_EVENT && status >= 500 ? SD_EUNSUPPORTED : SD_EAGAIN;
        }
    }
    sd_buf_free(&body);
    sd_buf_free(&resp);
    return rc;
}

/* The platform holds the long-poll up to this long; the call's timeout is this wait plus the
 * client's per-call time (15 s) as margin. */
#define POLL_WAIT_S 25

static int http_fetch_requests(void *ctx, sd_buf_t *body, long *status)
{
    http_t *b = ctx;
    char path[64];
    snprintf(path, sizeof path, "/gwif/v1/requests?wait=%d", POLL_WAIT_S);
    return sd_gw_http_call(b->down, "GET", path, NULL, NULL, POLL_WAIT_S * 1000, status, body, NULL,
                           0);
}

int sd_gw_north_http_inventory(sd_gw_http_t *h, char *etag, size_t etag_sz, sd_buf_t *body)
{
    long status = 0;
    int rc = sd_gw_http_call(h, "GET", "/gwif/v1/inventory", NULL, etag, 0, &status, body, etag,
                             etag_sz);
    if (!rc && status == 304)
        return 1; /* unchanged */
    if (!rc && status != 200) {
        sd_warn("inventory: HTTP %ld", status);
        rc = SD_EAGAIN;
    }
    return rc;
}

static int http_fetch_inventory(void *ctx, char *etag, size_t etag_sz, sd_buf_t *body)
{
    http_t *b = ctx;
    return sd_gw_north_http_inventory(b->inv, etag, etag_sz, body);
}

static void http_free(void *ctx)
{
    http_t *b = ctx;
    if (b) {
        sd_gw_http_free(b->up);
        sd_gw_http_free(b->down);
        sd_gw_http_free(b->inv);
        free(b);
    }
}

static const sd_gw_north_ops_t http_ops = {
    .name = "north",
    .max_batch_bytes = 1536 * 1024,
    .upload = http_upload,
    .reply = http_reply,
    .fetch_requests = http_fetch_requests,
    .fetch_inventory = http_fetch_inventory,
    .free = http_free,
};

int sd_gw_north_http_new(const sd_gw_north_cfg_t *c, sd_gw_north_t *out)
{
    *out = (sd_gw_north_t){0};
    http_t *b = calloc(1, sizeof *b);
    if (!b)
        return SD_ENOMEM;
    sd_gw_http_cfg_t hc = {c->url, c->client_id, c->client_secret, 15000};
    int rc = sd_gw_http_new(&hc, &b->up);
    if (!rc)
        rc = sd_gw_http_new(&hc, &b->down);
    if (!rc)
        rc = sd_gw_http_new(&hc, &b->inv);
    if (rc) {
        http_free(b);
        return rc;
    }
    *out = (sd_gw_north_t){&http_ops, b};
    return 0;
}
