/* http_reply.c - building replies: bodies, the error shape, headers every reply carries. */
#include "http/http_int.h"

#include "core/err.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int token_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", *s))
            return 0;
    return 1;
}

static int value_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < ' ' && *s != '\t')
            return 0;
    return 1;
}

int sd_http_reply_header(sd_http_req_t *req, const char *name, const char *value)
{
    if (req->replied || !token_ok(name) || !value || !value_ok(value))
        return SD_EINVAL;
    hdr_t *h = calloc(1, sizeof *h);
    if (!h)
        return SD_ENOMEM;
    h->name = strdup(name);
    h->value = strdup(value);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        free(h);
        return SD_ENOMEM;
    }
    hdr_t **tail = &req->hdrs;
    while (*tail)
        tail = &(*tail)->next;
    *tail = h;
    return 0;
}

static int has_custom(const sd_http_req_t *req, const char *name)
{
    for (const hdr_t *h = req->hdrs; h; h = h->next)
        if (!strcasecmp(h->name, name))
            return 1;
    return 0;
}

static int add_headers(sd_http_req_t *req, struct MHD_Response *r, const char *ctype, int kind)
{
    int ok = 1;
    if (ctype && !has_custom(req, "Content-Type"))
        ok &= MHD_add_response_header(r, "Content-Type", ctype) == MHD_YES;
    ok &= MHD_add_response_header(r, "X-Request-Id", req->id) == MHD_YES;
    ok &= MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES;
    ok &= MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES;
    if (!has_custom(req, "Cache-Control"))
        ok &= MHD_add_response_header(r, "Cache-Control",
                                      kind == KIND_STATIC ? "no-cache" : "no-store") == MHD_YES;
    /* SVG can carry scripts too */
    if (ctype && (!strncasecmp(ctype, "text/html", 9) || !strncasecmp(ctype, "image/svg", 9))) {
        ok &= MHD_add_response_header(r, "Content-Security-Policy", req->srv->cfg.csp) == MHD_YES;
        ok &= MHD_add_response_header(r, "X-Frame-Options", "DENY") == MHD_YES;
    }
    if (req->srv->tls_cert)
        ok &=
            MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000") == MHD_YES;
    for (const hdr_t *h = req->hdrs; h; h = h->next)
        ok &= MHD_add_response_header(r, h->name, h->value) == MHD_YES;
    return ok ? 0 : SD_ENOMEM;
}

/* Unlink a deferred request from the server's list and drop the owner's reference. */
static void owner_done(sd_http_req_t *req)
{
    sd_http_server_t *s = req->srv;
    pthread_mutex_lock(&s->lock);
    if (req->dprev)
        req->dprev->dnext = req->dnext;
    else if (s->deferred == req)
        s->deferred = req->dnext;
    if (req->dnext)
        req->dnext->dprev = req->dprev;
    req->dnext = req->dprev = NULL;
    pthread_mutex_unlock(&s->lock);
    sd__http_req_release(req);
}

int sd__http_set_reply(sd_http_req_t *req, int status, struct MHD_Response *r, uint64_t bytes,
                       const char *content_type, int kind, int by_server)
{
    int rc = 0;
    if (r && add_headers(req, r, content_type, kind)) {
        MHD_destroy_response(r);
        r = NULL;
    }
    pthread_mutex_lock(&req->lock);
    int owner = !by_server && req->deferred && !req->owner_done;
    if (owner)
        req->owner_done = 1;
    if (req->replied) {
        rc = req->answered_by_server ? SD_ECLOSED : SD_EINVAL;
        if (r)
            MHD_destroy_response(r);
    } else {
        /* a reply that could not be built still ends the request, with the shared 500 */
        req->resp = r;
        req->status = r ? status : 500;
        req->resp_bytes = r ? bytes : 0;
        req->replied = 1;
        req->answered_by_server = by_server;
        if (!r)
            rc = SD_ENOMEM;
        if (req->suspended) {
            req->suspended = 0;
            MHD_resume_connection(req->conn);
        }
    }
    pthread_mutex_unlock(&req->lock);
    if (owner)
        owner_done(req);
    return rc;
}

static int error_reply(sd_http_req_t *req, int err, const char *field, const char *msg,
                       int by_server);

/* Entry check of every public reply: refuse a second reply without building anything. */
static int already(sd_http_req_t *req)
{
    pthread_mutex_lock(&req->lock);
    int rc = req->replied ? (req->answered_by_server ? SD_ECLOSED : SD_EINVAL) : 0;
    int owner = rc && req->deferred && !req->owner_done;
    if (owner)
        req->owner_done = 1;
    pthread_mutex_unlock(&req->lock);
    if (owner)
        owner_done(req);
    return rc;
}

static int reply_mem(sd_http_req_t *req, int status, const char *ctype, void *data, size_t len,
                     int kind)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, data, data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r)
        free(data);
    return sd__http_set_reply(req, status, r, len, ctype, kind, 0);
}

int sd_http_reply_buf(sd_http_req_t *req, int status, const char *content_type, sd_buf_t *b)
{
    int rc = already(req);
    if (rc) {
        sd_buf_free(b);
        return rc;
    }
    char ctbuf[128];
    if ((rc = sd__http_filter_reply(req, status, b, &content_type, ctbuf)) != 0) {
        sd_buf_free(b);
        return error_reply(req, rc, NULL, NULL, 0);
    }
    size_t len = b->len;
    return reply_mem(req, status, content_type ? content_type : "application/octet-stream",
                     sd_buf_steal(b), len, KIND_API);
}

int sd_http_reply_json(sd_http_req_t *req, int status, json_t *body)
{
    int rc = already(req);
    if (rc) {
        json_decref(body);
        return rc;
    }
    sd_buf_t b = {0};
    rc = body ? sd_json_dump(body, &b) : SD_EINVAL;
    json_decref(body);
    if (rc) {
        sd_buf_free(&b);
        sd__http_set_reply(req, 500, NULL, 0, NULL, KIND_API, 0);
        return rc;
    }
    return sd_http_reply_buf(req, status, "application/json", &b);
}

int sd_http_reply_bytes(sd_http_req_t *req, int status, const char *content_type, const void *data,
                        size_t len)
{
    int rc = already(req);
    if (rc)
        return rc;
    sd_buf_t b = {0};
    if (sd_buf_append(&b, data, len))
        return sd__http_set_reply(req, 500, NULL, 0, NULL, KIND_API, 0);
    return sd_http_reply_buf(req, status, content_type, &b);
}

int sd_http_reply_text(sd_http_req_t *req, int status, const char *text)
{
    return sd_http_reply_bytes(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

int sd_http_reply_empty(sd_http_req_t *req, int status)
{
    int rc = already(req);
    if (rc)
        return rc;
    return reply_mem(req, status, NULL, NULL, 0, KIND_API);
}

int sd_http_reply_redirect(sd_http_req_t *req, int status, const char *location)
{
    int rc = already(req);
    if (rc)
        return rc;
    if ((status != 301 && status != 302 && status != 303 && status != 307 && status != 308) ||
        !location || !*location || !value_ok(location)) {
        /* a bad call still ends the request: a deferred one must never hang */
        error_reply(req, SD_EINTERNAL, NULL, NULL, 0);
        return SD_EINVAL;
    }
    if ((rc = sd_http_reply_header(req, "Location", location))) {
        error_reply(req, SD_EINTERNAL, NULL, NULL, 0);
        return rc;
    }
    return reply_mem(req, status, NULL, NULL, 0, KIND_API);
}

/* The one error body; field omitted when NULL or empty. */
static int error_reply(sd_http_req_t *req, int err, const char *field, const char *msg,
                       int by_server)
{
    if (err >= 0 || err <= SD__ERR_FIRST_ || err >= SD__ERR_LAST_)
        err = SD_EINTERNAL;
    int status = sd_err_http_status(err);
    if (!msg || !*msg)
        msg = sd_strerror(err);
    json_t *e = json_object();
    json_t *m = json_string(msg);
    if (!m) /* not UTF-8: never echo it */
        m = json_string(sd_strerror(err));
    sd_json_set(e, "code", json_string(sd_err_code(err)));
    sd_json_set(e, "message", m);
    if (field && *field)
        sd_json_set(e, "field", json_string(field));
    json_t *body = json_object();
    sd_json_set(body, "error", e);
    if (status >= 500)
        sd_warn("http %s %s: %d %s: %s (id %s)", req->method ? req->method : "-", req->raw_path,
                status, sd_err_code(err), msg, req->id);
    sd_buf_t b = {0};
    int rc = body ? sd_json_dump(body, &b) : SD_ENOMEM;
    json_decref(body);
    struct MHD_Response *r = NULL;
    if (!rc) {
        size_t len = b.len;
        char *data = sd_buf_steal(&b);
        r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(data);
        return sd__http_set_reply(req, status, r, len, "application/json", KIND_API, by_server);
    }
    sd_buf_free(&b);
    return sd__http_set_reply(req, status, NULL, 0, NULL, KIND_API, by_server);
}

int sd__http_reply_error_internal(sd_http_req_t *req, int err, const char *field, const char *msg)
{
    return error_reply(req, err, field, msg, 0);
}

int sd__http_reply_error_internal_forced(sd_http_req_t *req)
{
    pthread_mutex_lock(&req->lock);
    int replied = req->replied;
    pthread_mutex_unlock(&req->lock);
    if (replied)
        return SD_EINVAL;
    return error_reply(req, SD_EAGAIN, NULL, "server is shutting down", 1);
}

int sd_http_reply_verror(sd_http_req_t *req, int err, const char *field, const char *fmt,
                         va_list ap)
{
    int rc = already(req);
    if (rc)
        return rc;
    char msg[512] = "";
    if (fmt)
        vsnprintf(msg, sizeof msg, fmt, ap);
    return error_reply(req, err, field, msg, 0);
}

int sd_http_reply_error(sd_http_req_t *req, int err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sd_http_reply_verror(req, err, field, fmt, ap);
    va_end(ap);
    return rc;
}

int sd_http_reply_json_error(sd_http_req_t *req, int err, const sd_json_err_t *e)
{
    int rc = already(req);
    if (rc)
        return rc;
    return error_reply(req, err, e ? e->field : NULL, e ? e->message : NULL, 0);
}
