/* north.c - GW-IF over HTTP with libcurl (north.h). */
#include "gw/north.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"

struct sd_gw_http {
    CURL *curl;
    char *base, *cid, *secret;
    char token[512];
    int timeout_ms;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sd_gw_http_new(const sd_gw_http_cfg_t *cfg, sd_gw_http_t **out)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init_once);
    sd_gw_http_t *h = calloc(1, sizeof *h);
    if (!h)
        return SD_ENOMEM;
    h->curl = curl_easy_init();
    h->base = strdup(cfg->base_url);
    h->cid = strdup(cfg->client_id);
    h->secret = strdup(cfg->client_secret);
    h->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
    if (!h->curl || !h->base || !h->cid || !h->secret) {
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
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->base);
    free(h->cid);
    free(h->secret);
    free(h);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    return sd_buf_append(ctx, p, sz * n) ? 0 : sz * n;
}

typedef struct {
    char *etag;
    size_t etag_sz;
} hdr_ctx_t;

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
    hdr_ctx_t *hc = ctx;
    size_t len = sz * n;
    if (hc->etag && len > 5 && !strncasecmp(p, "etag:", 5)) {
        const char *v = p + 5;
        size_t vl = len - 5;
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < hc->etag_sz) {
            memcpy(hc->etag, v, vl);
            hc->etag[vl] = '\0';
        }
    }
    return len;
}

static int raw_call(sd_gw_http_t *h, const char *method, const char *path, const char *body,
                    bool auth, const char *inm, int extra_ms, long *status, sd_buf_t *resp,
                    char *etag, size_t etag_sz)
{
    char url[1024], authz[600], inmh[300];
    snprintf(url, sizeof url, "%s%s", h->base, path);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (auth) {
        snprintf(authz, sizeof authz, "Authorization: Bearer %s", h->token);
        hdrs = curl_slist_append(hdrs, authz);
    }
    if (inm && *inm) {
        snprintf(inmh, sizeof inmh, "If-None-Match: %s", inm);
        hdrs = curl_slist_append(hdrs, inmh);
    }
    hdr_ctx_t hc = {etag, etag_sz};
    if (etag && etag_sz)
        etag[0] = '\0';
    sd_buf_reset(resp);
    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(h->timeout_ms + extra_ms));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hc);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return SD_ETIMEDOUT;
    if (cc == CURLE_OUT_OF_MEMORY)
        return SD_ENOMEM;
    if (cc != CURLE_OK)
        return SD_ECLOSED;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (!resp->data)
        sd_buf_append_str(resp, "");
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
