/* client.c - suido's one outbound HTTP client over libcurl. */
#include "httpc/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

struct sd_http_client {
    CURL *curl;
    int last_public_only; /* what the kept connection was opened under */
};

typedef struct {
    sd_http_answer_t *a;
    const sd_http_call_t *call;
    char refused[160]; /* the last address public_only refused, and why */
} ctx_t;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

sd_http_client_t *sd_http_client_new(void)
{
    pthread_once(&once, global_init);
    sd_http_client_t *c = calloc(1, sizeof *c);
    if (c && !(c->curl = curl_easy_init())) {
        free(c);
        c = NULL;
    }
    return c;
}

void sd_http_client_free(sd_http_client_t *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

void sd_http_answer_free(sd_http_answer_t *a)
{
    if (a)
        sd_buf_free(&a->body);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    ctx_t *x = ud;
    return sd_buf_append(&x->a->body, p, sz * n) ? 0 : sz * n;
}

/* "Name: value\r\n" -> value when the name matches (case-insensitive), else NULL. */
static const char *header_value(const char *p, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
        return NULL;
    const char *v = p + nl + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    *vlen = (size_t)(end - v);
    return v;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    ctx_t *x = ud;
    size_t len = sz * n, vl = 0;
    const char *v;
    if (x->call->capture_header && (v = header_value(p, len, x->call->capture_header, &vl)) &&
        vl < sizeof x->a->header)
        snprintf(x->a->header, sizeof x->a->header, "%.*s", (int)vl, v);
    if (x->call->capture_cookie && (v = header_value(p, len, "set-cookie", &vl))) {
        size_t cn = strlen(x->call->capture_cookie);
        if (vl > cn && !strncmp(v, x->call->capture_cookie, cn) && v[cn] == '=') {
            v += cn + 1;
            size_t k = 0;
            while (k < vl - cn - 1 && v[k] != ';')
                k++;
            if (k < sizeof x->a->cookie)
                snprintf(x->a->cookie, sizeof x->a->cookie, "%.*s", (int)k, v);
        }
    }
    return len;
}

/*
 * public_only: curl asks us for every socket it connects, with the address it resolved (or was
 * given), so the check is on the address actually connected: a DNS answer that changes between
 * registration and sending, or an odd spelling of 127.0.0.1, meets the same check.
 */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    ctx_t *x = ud;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        sd_addr_check(x->call->allow, &addr->addr, x->refused, sizeof x->refused) != 0) {
        if (purpose != CURLSOCKTYPE_IPCXN)
            snprintf(x->refused, sizeof x->refused, "not an IP connection");
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

int sd_http_client_call(sd_http_client_t *c, const sd_http_call_t *call, sd_http_answer_t *a)
{
    memset(a, 0, sizeof *a);
    if (!c || !call || !call->url ||
        (strncmp(call->url, "http://", 7) != 0 && strncmp(call->url, "https://", 8) != 0)) {
        snprintf(a->error, sizeof a->error, "%.160s: not an http(s) URL",
                 call && call->url ? call->url : "(none)");
        return SD_EINVAL;
    }
    CURL *h = c->curl;
    curl_easy_reset(h);
    ctx_t x = {.a = a, .call = call};
    char line[512];
    struct curl_slist *hdrs = NULL;
    snprintf(line, sizeof line, "Accept: %s", call->accept ? call->accept : "application/json");
    hdrs = curl_slist_append(hdrs, line);
    if (call->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", call->content_type);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (call->bearer) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", call->bearer);
        hdrs = curl_slist_append(hdrs, line);
    }
    for (const char *const *hp = call->headers; hp && *hp; hp++)
        hdrs = curl_slist_append(hdrs, *hp);
    const char *method = call->method ? call->method : call->body ? "POST" : "GET";
    curl_easy_setopt(h, CURLOPT_URL, call->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, call->timeout_ms > 0 ? call->timeout_ms : 30000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     call->connect_timeout_ms > 0 ? call->connect_timeout_ms : 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: threads are safe */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, call->user_agent ? call->user_agent : "suido");
    /* no Nagle: a request is written whole and the answer waited for at once */
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    if (call->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, call->cacert);
    if (call->insecure_tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (call->cookie)
        curl_easy_setopt(h, CURLOPT_COOKIE, call->cookie);
    if (call->public_only) {
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &x);
        curl_easy_setopt(h, CURLOPT_PROXY, ""); /* not http_proxy from the environment */
    }
    /* a connection kept from a call without the check is not reused by one with it */
    if (call->public_only && !c->last_public_only)
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    c->last_public_only = call->public_only;
    if (call->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)call->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
    } else if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    CURLcode cc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    if (cc != CURLE_OK && x.refused[0] && cc == CURLE_COULDNT_CONNECT) {
        snprintf(a->error, sizeof a->error, "%.80s: refused: %s", call->url, x.refused);
        return SD_EFORBIDDEN;
    }
    if (cc != CURLE_OK) {
        snprintf(a->error, sizeof a->error, "%.160s: %.90s", call->url, curl_easy_strerror(cc));
        return cc == CURLE_OPERATION_TIMEDOUT ? SD_ETIMEDOUT : SD_EIO;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    if (!a->body.data && sd_buf_append_str(&a->body, "") != 0)
        return SD_ENOMEM;
    return 0;
}

int sd_http_call_once(const sd_http_call_t *call, sd_http_answer_t *a)
{
    sd_http_client_t *c = sd_http_client_new();
    if (!c) {
        memset(a, 0, sizeof *a);
        snprintf(a->error, sizeof a->error, "cannot initialise libcurl");
        return SD_ENOMEM;
    }
    int rc = sd_http_client_call(c, call, a);
    sd_http_client_free(c);
    return rc;
}
