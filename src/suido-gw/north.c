/* north.c - suido-gw's platform side over HTTP: queue drain, requests long-poll, inventory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "gw.h"
#include "gw/sched.h"

static void take_requests(gw_t *g, const char *body, int64_t *master_version);

static sd_gw_http_t *client(gw_t *g)
{
    sd_gw_http_cfg_t c = {g->url, g->client_id, g->client_secret, 15000};
    sd_gw_http_t *h = NULL;
    sd_gw_http_new(&c, &h);
    return h;
}

/* Sleep up to ms, waking early when something is queued or on stop. */
static void drain_wait(gw_t *g, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    pthread_mutex_lock(&g->mu);
    if (!g->stop)
        pthread_cond_timedwait(&g->drain, &g->mu, &ts);
    pthread_mutex_unlock(&g->mu);
}

/* Replies go one by one to their request's route; a 404/409 (not ours, already final) drops. */
static int drain_replies(gw_t *g, sd_gw_http_t *h, size_t *sent)
{
    sd_gw_qrow_t *rows;
    size_t n;
    *sent = 0;
    int rc = sd_gw_queue_peek(g->q, SD_GW_Q_REPLY, 20, 1 << 20, &rows, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *r = json_loads(rows[i].body, 0, NULL);
        int64_t id = json_integer_value(json_object_get(r, "id"));
        json_decref(r);
        char path[96];
        snprintf(path, sizeof path, "/gwif/v1/requests/%lld/reply", (long long)id);
        long status;
        sd_buf_t resp = {0};
        rc = sd_gw_http_call(h, "POST", path, rows[i].body, NULL, 0, &status, &resp, NULL, 0);
        if (!rc && (status / 100 == 2 || status == 404 || status == 409 || status == 400)) {
            if (status / 100 != 2)
                sd_warn("reply %lld refused: HTTP %ld %.200s", (long long)id, status, resp.data);
            rc = sd_gw_queue_ack(g->q, SD_GW_Q_REPLY, rows[i].id, rows[i].id);
            (*sent)++;
        } else if (!rc) {
            rc = SD_EAGAIN;
        }
        sd_buf_free(&resp);
    }
    sd_gw_queue_rows_free(rows, n);
    return rc;
}

void *gw_drain_thread(void *arg)
{
    gw_t *g = arg;
    sd_gw_http_t *h = client(g);
    int fails = 0;
    bool events_missing = false;
    int64_t events_retry = 0;
    while (!g->stop && h) {
        sd_gw_drain_t dr;
        size_t sent = 0;
        int rc = drain_replies(g, h, &sent);
        /* events first: they say why the data came and what failed */
        if (!rc && (!events_missing || gw_now(g) >= events_retry)) {
            int erc = sd_gw_drain(h, g->q, SD_GW_Q_EVENT, (size_t)g->batch, &dr);
            /* a platform without the event route (404) or refusing events for now (5xx): the
             * events stay queued and are offered again in a minute; data goes on */
            if (erc == SD_EUNSUPPORTED || (erc == SD_EAGAIN && dr.status >= 500)) {
                if (!events_missing)
                    sd_warn("north: the platform takes no events yet (HTTP %ld); events stay "
                            "queued",
                            dr.status);
                events_missing = true;
                events_retry = gw_now(g) + 60000;
            } else {
                events_missing = false;
                rc = erc;
                sent += dr.sent + dr.dropped;
            }
        }
        if (!rc) {
            rc = sd_gw_drain(h, g->q, SD_GW_Q_DATA, (size_t)g->batch, &dr);
            sent += dr.sent + dr.dropped;
        }
        if (rc) {
            fails++;
            int64_t wait = sd_gw_backoff_ms(fails, 500, 30000);
            if (fails == 1 || fails % 10 == 0)
                sd_warn("north: %s; retrying in %lld ms", sd_strerror(rc), (long long)wait);
            drain_wait(g, wait);
            continue;
        }
        if (fails)
            sd_info("north: platform reachable again");
        fails = 0;
        if (!sent)
            drain_wait(g, 500);
    }
    sd_gw_http_free(h);
    return NULL;
}

int gw_reply(gw_t *g, int64_t id, json_t *reply)
{
    char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    json_decref(reply);
    if (!s)
        return SD_ENOMEM;
    sd_gw_qitem_t it = {SD_GW_Q_REPLY, s};
    int rc = sd_gw_queue_push(g->q, &it, 1, NULL, 0, NULL);
    sd_info("reply %lld: %.200s", (long long)id, s);
    free(s);
    pthread_cond_signal(&g->drain);
    return rc;
}

int gw_load_inventory(gw_t *g, sd_gw_http_t *h, char *etag, size_t etag_sz)
{
    sd_buf_t body = {0};
    int rc = 0;
    if (g->inv_file) {
        FILE *f = fopen(g->inv_file, "rb");
        if (!f) {
            sd_error("inventory file %s: cannot open", g->inv_file);
            return SD_ENOTFOUND;
        }
        char buf[8192];
        size_t n;
        while (!rc && (n = fread(buf, 1, sizeof buf, f)) > 0)
            rc = sd_buf_append(&body, buf, n);
        fclose(f);
    } else {
        long status = 0;
        rc = sd_gw_http_call(h, "GET", "/gwif/v1/inventory", NULL, etag, 0, &status, &body, etag,
                             etag_sz);
        if (!rc && status == 304) {
            sd_buf_free(&body);
            return 1; /* unchanged */
        }
        if (!rc && status != 200) {
            sd_warn("inventory: HTTP %ld", status);
            rc = SD_EAGAIN;
        }
    }
    sd_gw_inv_t *inv = NULL;
    sd_json_err_t je = {0};
    if (!rc)
        rc = sd_gw_inv_parse(body.data ? body.data : "", body.len, &inv, &je);
    if (rc && inv == NULL && je.field[0])
        sd_error("inventory: %s: %s", je.field, je.message);
    else if (rc && je.message[0])
        sd_error("inventory: %s", je.message);
    sd_buf_free(&body);
    if (!rc)
        rc = gw_set_inventory(g, inv);
    return rc;
}

void gw_take_requests(gw_t *g, const char *body)
{
    int64_t mv = -1;
    take_requests(g, body, &mv);
}

static void take_requests(gw_t *g, const char *body, int64_t *master_version)
{
    json_t *r = json_loads(body, 0, NULL);
    json_t *list = json_object_get(r, "requests");
    json_t *mv = json_object_get(r, "master_version");
    if (json_is_integer(mv))
        *master_version = json_integer_value(mv);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *q = json_array_get(list, i);
        const char *dev = json_string_value(json_object_get(q, "device"));
        int64_t id = json_integer_value(json_object_get(q, "id"));
        if (!dev || id <= 0) {
            sd_warn("request without device or id ignored");
            continue;
        }
        job_t *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->kind = JOB_REQUEST;
        snprintf(j->device, sizeof j->device, "%s", dev);
        j->req = json_incref(q);
        j->req_id = id;
        const char *dl = json_string_value(json_object_get(q, "deadline"));
        int64_t dls;
        if (dl && !sd_iso8601_parse(dl, &dls))
            j->deadline_ms = dls * 1000;
        sd_info("request %lld: %s on %s", (long long)id,
                json_string_value(json_object_get(q, "kind")) ?: "?", dev);
        gw_enqueue(g, j);
    }
    json_decref(r);
}

void *gw_requests_thread(void *arg)
{
    gw_t *g = arg;
    sd_gw_http_t *h = client(g);
    char etag[128] = "";
    int fails = 0;
    int64_t next_inv = gw_now(g) + (int64_t)g->inv_refresh_s * 1000;
    while (!g->stop && h) {
        int64_t mv = -1;
        long status = 0;
        sd_buf_t body = {0};
        int rc = sd_gw_http_call(h, "GET", "/gwif/v1/requests?wait=25", NULL, NULL, 30000, &status,
                                 &body, NULL, 0);
        if (!rc && status == 200) {
            fails = 0;
            take_requests(g, body.data, &mv);
        } else {
            fails++;
            if (fails == 1)
                sd_warn("requests: %s", rc ? sd_strerror(rc) : "unexpected HTTP status");
            /* a platform without the request service answers 404: look again now and then */
            int64_t wait = status == 404 ? 30000 : sd_gw_backoff_ms(fails, 1000, 30000);
            for (int64_t t = 0; t < wait && !g->stop; t += 100)
                usleep(100000);
        }
        sd_buf_free(&body);
        pthread_mutex_lock(&g->mu);
        int64_t have = sd_gw_inv_version(g->inv);
        pthread_mutex_unlock(&g->mu);
        if ((mv > have || gw_now(g) >= next_inv) && !g->stop) {
            next_inv = gw_now(g) + (int64_t)g->inv_refresh_s * 1000;
            gw_load_inventory(g, h, etag, sizeof etag);
        }
    }
    sd_gw_http_free(h);
    return NULL;
}

void *gw_inventory_thread(void *arg)
{
    gw_t *g = arg;
    sd_gw_http_t *h = client(g);
    char etag[128] = "";
    int64_t next = gw_now(g) + (int64_t)g->inv_refresh_s * 1000;
    while (!g->stop && h) {
        usleep(200000);
        if (gw_now(g) < next)
            continue;
        next = gw_now(g) + (int64_t)g->inv_refresh_s * 1000;
        gw_load_inventory(g, h, etag, sizeof etag);
    }
    sd_gw_http_free(h);
    return NULL;
}
