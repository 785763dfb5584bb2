/* http_filter.c - the body and reply filters: a layer rewrites payloads around the handlers. */
#include "http/http_int.h"

#include "core/err.h"

#include <string.h>

void sd_http_server_set_filter(sd_http_server_t *s, const sd_http_filter_t *f)
{
    if (f)
        s->filter = *f;
    else
        memset(&s->filter, 0, sizeof s->filter);
}

int sd_http_req_set_body(sd_http_req_t *req, sd_buf_t *b)
{
    sd_buf_t old = req->body;
    req->body = *b;
    memset(b, 0, sizeof *b);
    /* handlers may treat the body as a C string (sd_http_req_body() promises the NUL) */
    if (sd_buf_append(&req->body, "", 1)) {
        sd_buf_free(&req->body);
        req->body = old;
        return SD_ENOMEM;
    }
    req->body.len--;
    if (old.data)
        explicit_bzero(old.data, old.cap); /* it may have been the ciphertext's plaintext twin */
    sd_buf_free(&old);
    return 0;
}

void sd_http_req_set_filter_state(sd_http_req_t *req, void *state, void (*free_fn)(void *))
{
    if (req->filter_state_free && req->filter_state != state)
        req->filter_state_free(req->filter_state);
    req->filter_state = state;
    req->filter_state_free = free_fn;
}

void *sd_http_req_filter_state(const sd_http_req_t *req)
{
    return req->filter_state;
}

void sd__http_filter_state_free(sd_http_req_t *req)
{
    if (req->filter_state_free)
        req->filter_state_free(req->filter_state);
    req->filter_state = NULL;
    req->filter_state_free = NULL;
}

int sd__http_filter_body(sd_http_req_t *req)
{
    const sd_http_filter_t *f = &req->srv->filter;
    /* a streamed body went to the route's callback: there is nothing buffered to filter */
    if (!f->on_body || req->route->opts.on_body)
        return 0;
    int rc = f->on_body(req, f->ctx);
    if (rc == 0 || req->replied)
        return req->replied ? (rc ? rc : SD_EINVAL) : 0;
    sd__http_reply_error_internal(req, rc, NULL, NULL);
    return rc;
}

int sd__http_filter_reply(sd_http_req_t *req, int status, sd_buf_t *b, const char **ctype,
                          char ctbuf[128])
{
    const sd_http_filter_t *f = &req->srv->filter;
    if (!f->on_reply || status < 200 || status > 299 || b->len == 0)
        return 0;
    ctbuf[0] = '\0';
    int rc = f->on_reply(req, status, b, ctbuf, f->ctx);
    if (rc == 0 && ctbuf[0]) {
        ctbuf[127] = '\0';
        *ctype = ctbuf;
    }
    return rc;
}
