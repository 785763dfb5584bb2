/* north.c - GW-IF over HTTP through lib/httpc, suido's one outbound HTTP client (north.h). */
#include "gw/north.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "gwif/gwif.h"
#include "httpc/client.h"

struct sd_gw_http {
    sd_http_client_t *client; /* one connection, kept between calls */
    char *base, *cid, *secret;
    char token[512];
    int timeout_ms;
};

int sd_gw_http_new(const sd_gw_http_cfg_t *cfg, sd_gw_http_t **out)
{
    *out = NULL;
    sd_gw_http_t *h = calloc(1, sizeof *h);
    if (!h)
        return SD_ENOMEM;
    h->client = sd_http_client_new();
    h->base = strdup(cfg->base_url);
    h->cid = strdup(cfg->client_id);
    h->secret = strdup(cfg->client_secret);
    h->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
    if (!h->client || !h->base || !h->cid || !h->secret) {
        sd_gw_http_free(h);
        return SD_ENOMEM;
    }
    size_t bl = strlen(h->base);
    while (bl && h->base[bl - 1] == '/')
        h->base[--bl] = '\0';
    *out = h;
    return 0;
}

void sd_gw_http_free(sd_gw_http_t *h)
{
    if (!h)
        return;
    sd_http_client_free(h->client);
    free(h->base);
    free(h->cid);
    free(h->secret);
    free(h);
}

/* One call: timeout = the per-call time + extra_ms (a long-poll's wait), connect in 5 s. */
static int raw_call(sd_gw_http_t *h, const char *method, const char *path, const char *body,
                    bool auth, const char *inm, int extra_ms, long *status, sd_buf_t *resp,
                    char *etag, size_t etag_sz)
{
    char url[1024], inmh[300];
    snprintf(url, sizeof url, "%s%s", h->base, path);
    const char *hdrs[2] = {NULL, NULL};
    if (inm && *inm) {
        snprintf(inmh, sizeof inmh, "If-None-Match: %s", inm);
        hdrs[0] = inmh;
    }
    if (etag && etag_sz)
        etag[0] = '\0';
    sd_http_call_t call = {
        .method = method,
        .url = url,
        .content_type = "application/json",
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .bearer = auth ? h->token : NULL,
        .headers = hdrs,
        .timeout_ms = (long)h->timeout_ms + extra_ms,
        .connect_timeout_ms = 5000,
        .capture_header = etag && etag_sz ? "ETag" : NULL,
    };
    sd_http_answer_t a;
    int rc = sd_http_client_call(h->client, &call, &a);
    if (rc) {
        sd_debug("north: %s %s", method, a.error);
        sd_http_answer_free(&a);
        /* refused, reset, unreachable: the connection is gone (the caller backs off) */
        return rc == SD_EIO ? SD_ECLOSED : rc;
    }
    *status = a.status;
    if (etag && etag_sz && strlen(a.header) < etag_sz)
        snprintf(etag, etag_sz, "%s", a.header);
    sd_buf_free(resp);
    *resp = a.body; /* moved: NUL-terminated, "" when the answer had none */
    return 0;
}

static int connect_token(sd_gw_http_t *h)
{
    json_t *j = json_pack("{s:s,s:s}", "client_id", h->cid, "client_secret", h->secret);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!body)
        return SD_ENOMEM;
    sd_buf_t resp = {0};
    long status = 0;
    int rc = raw_call(h, "POST", "/apif/v1/connect", body, false, NULL, 0, &status, &resp, NULL, 0);
    free(body);
    if (!rc && status != 200) {
        sd_warn("north: connect refused: HTTP %ld", status);
        rc = status == 401 || status == 403 ? SD_EUNAUTH : SD_EAGAIN;
    }
    if (!rc) {
        json_t *r = json_loadb(resp.data, resp.len, 0, NULL);
        const char *tok = json_string_value(json_object_get(r, "access_token"));
        if (tok && strlen(tok) < sizeof h->token) {
            snprintf(h->token, sizeof h->token, "%s", tok);
            sd_info("north: connected as %s", h->cid);
        } else {
            rc = SD_EAGAIN;
        }
        json_decref(r);
    }
    sd_buf_free(&resp);
    return rc;
}

int sd_gw_http_call(sd_gw_http_t *h, const char *method, const char *path, const char *body,
                    const char *if_none_match, int extra_wait_ms, long *status, sd_buf_t *resp,
                    char *etag, size_t etag_sz)
{
    *status = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!h->token[0]) {
            int rc = connect_token(h);
            if (rc)
                return rc;
        }
        int rc = raw_call(h, method, path, body, true, if_none_match, extra_wait_ms, status, resp,
                          etag, etag_sz);
        if (rc)
            return rc;
        if (*status != 401)
            return 0;
        h->token[0] = '\0'; /* expired or revoked: connect again, once */
    }
    return 0;
}

long sd_gw_error_index(const char *field, const char *list)
{
    size_t n = strlen(list);
    if (strncmp(field, list, n) || field[n] != '[')
        return -1;
    char *end;
    long i = strtol(field + n + 1, &end, 10);
    return *end == ']' && i >= 0 ? i : -1;
}

/* Row i as a batch of its own, parsed by gwif: what the platform will make of it. */
int sd_gw_batch_build(sd_gw_qkind_t kind, const sd_gw_qrow_t *rows, size_t n, const char *id,
                      sd_buf_t *out)
{
    if ((kind != SD_GW_Q_DATA && kind != SD_GW_Q_EVENT) || !n ||
        (id && (!id[0] || strlen(id) > SD_GWIF_BATCH_ID_MAX)))
        return SD_EINVAL;
    const char *list = kind == SD_GW_Q_DATA ? "samples" : "events";
    /*
     * Each row was written by gwif when it was queued (sd_gwif_sample_write, the events
     * builder), so the batch is the rows joined, not parsed and built again (the drainer's hot
     * path). A row the platform still refuses comes back named by its index, and the engine
     * drops that one row (sd_gw_upload_res_t), so it cannot block the lane.
     */
    int rc = 0;
    if (!rc && id) /* batch ids are the gateway's own ("d10-11"): no character needs escaping */
        rc = sd_buf_printf(out, "{\"id\":\"%s\",\"%s\":[", id, list);
    else if (!rc)
        rc = sd_buf_printf(out, "{\"%s\":[", list);
    for (size_t i = 0; !rc && i < n; i++)
        rc = sd_buf_printf(out, "%s%s", i ? "," : "", rows[i].body);
    if (!rc)
        rc = sd_buf_append_str(out, "]}");
    return rc;
}
