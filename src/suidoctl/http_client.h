/* http_client.h - the small libcurl client suidoctl talks to suidod with. */
#ifndef SUIDOCTL_HTTP_CLIENT_H
#define SUIDOCTL_HTTP_CLIENT_H

#include "core/buf.h"

typedef struct {
    long status;      /* HTTP status, 0 when no answer */
    sd_buf_t body;    /* response body, NUL-terminated */
    char session[64]; /* value of a suido_session Set-Cookie, "" if none */
    char error[256];  /* transport error text when status is 0 */
} sd_hc_resp_t;

/*
 * method server+path with an optional JSON body (NULL = none) and an optional session cookie.
 * Fills r (free with sd_hc_resp_free). Returns 0 when an HTTP answer came (any status), else
 * SD_EIO with r->error set. Honours SUIDO_CACERT (a PEM file) for https servers.
 */
int sd_hc_request(const char *server, const char *session, const char *method, const char *path,
                  const char *json, sd_hc_resp_t *r);
void sd_hc_resp_free(sd_hc_resp_t *r);

#endif
