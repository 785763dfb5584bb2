/* client.h - suido's one outbound HTTP client (libcurl): suidoctl, the gateway's GW-IF over
 * HTTP, monitor webhooks and SLA probes all call through it. */
#ifndef SD_HTTPC_CLIENT_H
#define SD_HTTPC_CLIENT_H

#include <stddef.h>

#include "core/buf.h"
#include "httpc/addr.h"

/*
 * A client keeps one connection (keep-alive, TLS session) between calls; use it from one thread
 * at a time. Calls from different threads use different clients.
 */
typedef struct sd_http_client sd_http_client_t;

typedef struct {
    const char *method;       /* "GET", "POST", ... (NULL = GET, or POST with a body) */
    const char *url;          /* http:// or https:// only */
    const char *content_type; /* of body; NULL = none */
    const void *body;         /* NULL = no body */
    size_t body_len;
    const char *accept;         /* Accept header; NULL = application/json */
    const char *bearer;         /* Authorization: Bearer <bearer>; NULL = none */
    const char *cookie;         /* Cookie header value ("name=value"); NULL = none */
    const char *const *headers; /* more "Name: value" lines, NULL-terminated; NULL = none */
    const char *cacert;         /* PEM file to verify https with; NULL = system store */
    int insecure_tls;           /* 1: do not verify the peer (probing our own server by address) */
    const char *user_agent;     /* NULL = "suido" */
    long timeout_ms;            /* whole call; 0 = 30 s */
    long connect_timeout_ms;    /* 0 = 5 s */
    const char *capture_cookie; /* a Set-Cookie name whose value goes to answer->cookie */
    const char *capture_header; /* a response header whose value goes to answer->header */
    /* 1: a URL given by a user (webhooks): connect only to public addresses or those in allow,
     * checked on the address each connection is made to (addr.h); no proxy. Refused: SD_EFORBIDDEN
     * and a->error names the address and why. */
    int public_only;
    const sd_addr_allow_t *allow; /* with public_only; NULL = none */
} sd_http_call_t;

typedef struct {
    long status;      /* HTTP status; 0 when no answer came (see error) */
    sd_buf_t body;    /* the response body, NUL-terminated */
    char cookie[128]; /* the captured cookie's value, "" if none */
    char header[256]; /* the captured header's value, "" if none */
    char error[256];  /* why no answer came: "<url>: <reason>" */
} sd_http_answer_t;

/* A client; NULL on ENOMEM. Initialises libcurl for the process on first use (thread-safe). */
sd_http_client_t *sd_http_client_new(void);
void sd_http_client_free(sd_http_client_t *c); /* NULL-safe */

/*
 * Make the call and fill a (free with sd_http_answer_free()). Returns 0 when an HTTP answer came,
 * whatever its status; SD_ETIMEDOUT when the time ran out, SD_EIO for any other transport failure
 * (a->error says which), SD_EINVAL for a URL that is not http(s), SD_EFORBIDDEN when public_only
 * refused every address the host has. Redirects are not followed: a
 * redirect is an answer like any other.
 */
int sd_http_client_call(sd_http_client_t *c, const sd_http_call_t *call, sd_http_answer_t *a);

/* One call with a client of its own (for tools that make a few calls). */
int sd_http_call_once(const sd_http_call_t *call, sd_http_answer_t *a);

void sd_http_answer_free(sd_http_answer_t *a); /* NULL-safe */

#endif
