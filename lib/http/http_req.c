/* http_req.c - what a handler can read from a request, its per-request slots and deferral. */
#include "http/http_int.h"

#include <gnutls/gnutls.h>

#include "core/err.h"

#include <stdio.h>
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

int sd_http_req_client_cert(const sd_http_req_t *req, char fp[65], char *why, size_t n)
{
    fp[0] = '\0';
    const char *no = NULL;
    const union MHD_ConnectionInfo *ci =
        req->srv->tls_trust ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION)
                            : NULL;
    gnutls_session_t ts = ci ? (gnutls_session_t)ci->tls_session : NULL;
    unsigned status = 0, count = 0;
    const gnutls_datum_t *peers = ts ? gnutls_certificate_get_peers(ts, &count) : NULL;
    unsigned char md[32];
    size_t mdlen = sizeof md;
    if (!ts)
        no = "no TLS client certificates on this server";
    else if (!peers || count == 0)
        no = "no TLS client certificate presented";
    else if (gnutls_certificate_verify_peers2(ts, &status) != 0 || status != 0)
        no = "the TLS client certificate does not verify against the client CA";
    else if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &peers[0], md, &mdlen) != 0 || mdlen != 32)
        no = "the TLS client certificate cannot be read";
    if (no) {
        if (why)
            snprintf(why, n, "%s", no);
        return SD_ENOCERT;
    }
    for (size_t i = 0; i < 32; i++)
        snprintf(fp + 2 * i, 3, "%02x", md[i]);
    return 0;
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
