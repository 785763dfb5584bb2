/* http_req.c - what a handler can read from a request, its per-request slots and deferral. */
#include "http/http_int.h"

#include "core/err.h"

#include <string.h>
#include <strings.h>

const char *sd_http_req_method(const sd_http_req_t *req)
{
    return req->method;
}

const char *sd_http_req_path(const sd_http_req_t *req)
{
    return req->raw_path;
}

const char *sd_http_req_id(const sd_http_req_t *req)
{
    return req->id;
}

const char *sd_http_req_client_ip(const sd_http_req_t *req)
{
    return req->ip;
}

int sd_http_req_is_tls(const sd_http_req_t *req)
{
    return req->srv->tls_cert != NULL;
}

const char *sd_http_req_route_pattern(const sd_http_req_t *req)
{
    return req->route ? req->match.pattern : NULL;
}

unsigned sd_http_req_route_flags(const sd_http_req_t *req)
{
    return req->route ? req->route->opts.flags : 0;
}

const char *sd_http_req_param(const sd_http_req_t *req, const char *name)
{
    for (size_t i = 0; i < req->match.nparams; i++)
        if (!strcmp(req->match.params[i].name, name))
            return req->match.params[i].value;
    return NULL;
}

const char *sd_http_req_query(const sd_http_req_t *req, const char *name)
{
    return sd_http_query_get(&req->query, name);
}

const sd_http_query_t *sd_http_req_query_all(const sd_http_req_t *req)
{
    return &req->query;
}

const char *sd_http_req_header(const sd_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *sd_http_req_bearer(const sd_http_req_t *req)
{
    const char *h = sd_http_req_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer", 6) || (h[6] != ' ' && h[6] != '\t'))
        return NULL;
    const char *t = h + 7;
    while (*t == ' ' || *t == '\t')
        t++;
    /* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    if (n == 0)
        return NULL;
    n += strspn(t + n, "=");
    return t[n] == '\0' ? t : NULL;
}

const char *sd_http_req_cookie(const sd_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const void *sd_http_req_body(const sd_http_req_t *req, size_t *len)
{
    *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

int sd_http_req_json(const sd_http_req_t *req, json_t **out, sd_json_err_t *err)
{
    return sd_json_parse(req->body.data, req->body.len, out, err);
}

void sd_http_req_set_user(sd_http_req_t *req, void *user, void (*free_fn)(void *))
{
    if (req->user_free && req->user != user)
        req->user_free(req->user);
    req->user = user;
    req->user_free = free_fn;
}

void *sd_http_req_user(const sd_http_req_t *req)
{
    return req->user;
}

void sd_http_req_set_data(sd_http_req_t *req, void *data, void (*free_fn)(void *))
{
    if (req->data_free && req->data != data)
        req->data_free(req->data);
    req->data = data;
    req->data_free = free_fn;
}

void *sd_http_req_data(const sd_http_req_t *req)
{
    return req->data;
}

void sd_http_req_defer(sd_http_req_t *req)
{
    sd_http_server_t *s = req->srv;
    pthread_mutex_lock(&req->lock);
    int ok = !req->deferred && !req->replied && req->stage == ST_BODY;
    if (ok) {
        req->deferred = 1;
        atomic_fetch_add(&req->refs, 1);
    }
    pthread_mutex_unlock(&req->lock);
    if (!ok)
        return;
    pthread_mutex_lock(&s->lock);
    req->dprev = NULL;
    req->dnext = s->deferred;
    if (s->deferred)
        s->deferred->dprev = req;
    s->deferred = req;
    pthread_mutex_unlock(&s->lock);
}
