/* http_server.c - the server over libmicrohttpd: lifecycle, the per-request state machine, log. */
#include "http/http_int.h"

#include "core/err.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* After an early error, at most this much of the remaining body is read (and dropped) so the
 * client still gets the error; beyond it the connection is closed. */
#define DISCARD_MAX (4u << 20)

static const char DEFAULT_CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                                  "img-src 'self' data:; object-src 'none'; base-uri 'self'; "
                                  "frame-ancestors 'none'; form-action 'self'";

static const char OOM_BODY[] =
    "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}";

void sd_http_config_defaults(sd_http_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = "127.0.0.1:8080";
    cfg->threads = 4;
    cfg->max_conns = 512;
    cfg->max_conns_per_ip = 64;
    cfg->idle_timeout_s = 30;
    cfg->header_timeout_s = 20;
    cfg->body_timeout_s = 300;
    cfg->max_body = 1u << 20;
    cfg->grace_ms = 10000;
    cfg->csp = DEFAULT_CSP;
}

int sd_http_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (!s)
        return SD_ECONFIG;
    char host[64];
    const char *port;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return SD_ECONFIG;
        memcpy(host, s + 1, (size_t)(e - s - 1));
        host[e - s - 1] = '\0';
        port = e + 2;
    } else {
        const char *c = strrchr(s, ':');
        if (!c || (size_t)(c - s) >= sizeof host || strchr(s, ':') != c)
            return SD_ECONFIG;
        memcpy(host, s, (size_t)(c - s));
        host[c - s] = '\0';
        port = c + 1;
    }
    if (!*port || strlen(port) > 5)
        return SD_ECONFIG;
    unsigned long p = 0;
    for (const char *q = port; *q; q++) {
        if (*q < '0' || *q > '9')
            return SD_ECONFIG;
        p = p * 10 + (unsigned long)(*q - '0');
    }
    if (p > 65535)
        return SD_ECONFIG;
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (s[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        *len = sizeof *v4;
        return 0;
    }
    if (s[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        *len = sizeof *v6;
        return 0;
    }
    return SD_ECONFIG;
}

static int read_pem(const char *path, char **out, size_t *outlen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SD_ECONFIG;
    sd_buf_t b = {0};
    char chunk[4096];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        if (b.len + (size_t)n > (1u << 20) || sd_buf_append(&b, chunk, (size_t)n)) {
            rc = SD_ECONFIG;
            break;
        }
    }
    close(fd);
    if (n < 0 || b.len == 0)
        rc = SD_ECONFIG;
    if (rc) {
        if (b.data)
            explicit_bzero(b.data, b.cap);
        sd_buf_free(&b);
        return rc;
    }
    *outlen = b.len;
    *out = sd_buf_steal(&b);
    return 0;
}

int sd_http_server_new(const sd_http_config_t *cfg, sd_http_server_t **out)
{
    *out = NULL;
    sd_http_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return SD_ENOMEM;
    s->cfg = *cfg;
    s->listen_fd = -1;
    if (!s->cfg.threads)
        s->cfg.threads = 1;
    if (!s->cfg.max_body)
        s->cfg.max_body = 1u << 20;
    if (!s->cfg.csp)
        s->cfg.csp = DEFAULT_CSP;
    if (!s->cfg.clock)
        s->cfg.clock = sd_clock_system();
    if (!s->cfg.header_timeout_s)
        s->cfg.header_timeout_s = 20;
    if (!s->cfg.body_timeout_s)
        s->cfg.body_timeout_s = 300;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->guard_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_cond_init(&s->guard_cond, &ca);
    pthread_condattr_destroy(&ca);
    int rc = sd_http_addr_parse(cfg->listen, &s->addr, &s->addrlen);
    if (rc)
        goto fail;
    if (!cfg->tls_cert_file != !cfg->tls_key_file) {
        rc = SD_ECONFIG;
        goto fail;
    }
    if (cfg->tls_cert_file) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rc = SD_EUNSUPPORTED;
            goto fail;
        }
        size_t n;
        if ((rc = read_pem(cfg->tls_cert_file, &s->tls_cert, &n)) ||
            (rc = read_pem(cfg->tls_key_file, &s->tls_key, &s->tls_key_len)))
            goto fail;
        if (cfg->tls_client_ca && (rc = read_pem(cfg->tls_client_ca, &s->tls_trust, &n)))
            goto fail;
    } else if (cfg->tls_client_ca) {
        rc = SD_ECONFIG;
        goto fail;
    }
    s->router = sd_http_router_new();
    s->oom_resp = MHD_create_response_from_buffer(sizeof OOM_BODY - 1, (void *)(uintptr_t)OOM_BODY,
                                                  MHD_RESPMEM_PERSISTENT);
    if (!s->router || !s->oom_resp) {
        rc = SD_ENOMEM;
        goto fail;
    }
    MHD_add_response_header(s->oom_resp, "Content-Type", "application/json");
    MHD_add_response_header(s->oom_resp, "Cache-Control", "no-store");
    MHD_add_response_header(s->oom_resp, "X-Content-Type-Options", "nosniff");
    uint32_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    s->id_prefix = seed;
    *out = s;
    return 0;
fail:
    sd_http_server_free(s);
    return rc;
}

static int add_route(sd_http_server_t *s, const char *method, const char *pattern,
                     sd_http_handler_fn fn, void *ctx, const sd_http_route_opts_t *opts,
                     static_mount_t *mount)
{
    if (s->started || !fn)
        return SD_EINVAL;
    route_ent_t *e = calloc(1, sizeof *e);
    if (!e)
        return SD_ENOMEM;
    e->fn = fn;
    e->ctx = ctx;
    e->mount = mount;
    if (opts)
        e->opts = *opts;
    int rc = sd_http_router_add(s->router, method, pattern, e);
    if (rc) {
        free(e);
        return rc;
    }
    e->next = s->ents;
    s->ents = e;
    return 0;
}

int sd_http_route(sd_http_server_t *s, const char *method, const char *pattern,
                  sd_http_handler_fn fn, void *route_ctx, const sd_http_route_opts_t *opts)
{
    return add_route(s, method, pattern, fn, route_ctx, opts, NULL);
}

int sd_http_static(sd_http_server_t *s, const char *prefix, const char *dir, unsigned flags)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    if (s->started || pl == 0 || prefix[0] != '/' || prefix[pl - 1] != '/')
        return SD_EINVAL;
    static_mount_t *m;
    int rc = sd__http_static_mount_new(dir, &s->mounts, &m);
    if (rc)
        return rc;
    sd_buf_t pat = {0};
    if (sd_buf_printf(&pat, "%s{path*}", prefix))
        return SD_ENOMEM;
    sd_http_route_opts_t o = {.flags = flags};
    rc = add_route(s, "GET", pat.data, sd__http_static_handler, m, &o, m);
    sd_buf_free(&pat);
    return rc;
}

void sd_http_server_set_before(sd_http_server_t *s, sd_http_before_fn fn, void *ctx)
{
    s->before = fn;
    s->before_ctx = ctx;
}

/* ---- requests ----------------------------------------------------------------------------- */

static void req_free(sd_http_req_t *req)
{
    if (req->stream)
        sd__http_stream_detach(req->stream);
    if (req->user_free)
        req->user_free(req->user);
    if (req->data_free)
        req->data_free(req->data);
    sd__http_filter_state_free(req);
    if (req->resp)
        MHD_destroy_response(req->resp);
    for (hdr_t *h = req->hdrs, *n; h; h = n) {
        n = h->next;
        free(h->name);
        free(h->value);
        free(h);
    }
    sd_http_path_free(&req->path);
    sd_http_query_free(&req->query);
    sd_buf_free(&req->body);
    free(req->raw_path);
    pthread_mutex_destroy(&req->lock);
    free(req);
}

void sd__http_req_release(sd_http_req_t *req)
{
    if (atomic_fetch_sub(&req->refs, 1) == 1)
        req_free(req);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    sd_http_server_t *s = cls;
    sd_http_req_t *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->raw_path = strdup(uri ? uri : "");
    if (!req->raw_path) {
        free(req);
        return NULL;
    }
    pthread_mutex_init(&req->lock, NULL);
    atomic_init(&req->refs, 1);
    req->srv = s;
    req->conn = c;
    req->t0 = sd_clock_mono_ms(s->cfg.clock);
    char *q = strchr(req->raw_path, '?');
    if (q) {
        *q = '\0';
        req->raw_query = q + 1;
        req->raw_query_len = strlen(q + 1);
    }
    snprintf(req->id, sizeof req->id, "%08" PRIx32 "%08x", s->id_prefix,
             atomic_fetch_add(&s->id_counter, 1u));
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    strcpy(req->ip, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, req->ip,
                      sizeof req->ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      req->ip, sizeof req->ip);
    }
    pthread_mutex_lock(&s->lock);
    s->inflight++;
    pthread_mutex_unlock(&s->lock);
    return req;
}

/* An error reply that always leaves the request answered (the shared 500 if memory is out). */
static void fail(sd_http_req_t *req, int err, const char *field, const char *msg)
{
    if (sd__http_reply_error_internal(req, err, field, msg) && !req->replied) {
        req->replied = 1;
        req->status = 500;
    }
}

static const char *parse_err_text(int rc)
{
    switch (rc) {
    case SD_EENCODING:
        return "forbidden character or invalid UTF-8";
    case SD_ETOOBIG:
        return "too many parts";
    case SD_ENOMEM:
        return "out of memory";
    default:
        return "malformed %-escape";
    }
}

/* Everything decided from the request line and headers, before any body is read. */
static void begin(sd_http_req_t *req)
{
    sd_http_server_t *s = req->srv;
    char msg[160];
    if (atomic_load(&s->quiesced)) {
        req->close_conn = 1;
        fail(req, SD_EAGAIN, NULL, "server is shutting down");
        return;
    }
    size_t off;
    int rc = sd_http_path_parse(req->raw_path, strlen(req->raw_path), &req->path, &off);
    if (rc) {
        snprintf(msg, sizeof msg, "bad path: %s at byte %zu", parse_err_text(rc), off);
        fail(req, rc, "path", msg);
        return;
    }
    rc = sd_http_router_match(s->router, req->method, &req->path, &req->match);
    if (rc == SD_EMETHOD) {
        sd_http_reply_header(req, "Allow", req->match.allow);
        snprintf(msg, sizeof msg, "method %.32s not allowed here", req->method);
        fail(req, rc, NULL, msg);
        return;
    }
    if (rc) {
        fail(req, rc, NULL, NULL);
        return;
    }
    req->route = req->match.data;
    if (req->raw_query) {
        rc = sd_http_query_parse(req->raw_query, req->raw_query_len, &req->query, &off);
        if (rc) {
            snprintf(msg, sizeof msg, "bad query: %s at byte %zu", parse_err_text(rc), off);
            fail(req, rc, "query", msg);
            return;
        }
    }
    if (s->before) {
        rc = s->before(req, s->before_ctx);
        if (req->replied)
            return;
        if (rc) {
            fail(req, rc, NULL, NULL);
            return;
        }
    }
    req->limit = req->route->opts.max_body ? req->route->opts.max_body : s->cfg.max_body;
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && req->limit != SIZE_MAX) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || n > req->limit) {
            snprintf(msg, sizeof msg, "body larger than %zu bytes", req->limit);
            fail(req, SD_ETOOBIG, NULL, msg);
        }
    }
}

static void body_chunk(sd_http_req_t *req, const char *data, size_t n)
{
    char msg[96];
    req->body_seen += n;
    if (req->limit != SIZE_MAX && req->body_seen > req->limit) {
        snprintf(msg, sizeof msg, "body larger than %zu bytes", req->limit);
        fail(req, SD_ETOOBIG, NULL, msg);
        return;
    }
    const route_ent_t *e = req->route;
    if (e->opts.on_body) {
        int rc = e->opts.on_body(req, data, n, e->ctx);
        if (rc && !req->replied)
            fail(req, rc, NULL, NULL);
        return;
    }
    if (sd_buf_append(&req->body, data, n))
        fail(req, SD_ENOMEM, NULL, NULL);
}

static enum MHD_Result queue(sd_http_req_t *req)
{
    struct MHD_Response *r = req->resp;
    req->resp = NULL;
    req->stage = ST_DONE;
    sd__http_guard_stage(req->srv, req->conn, SD__HTTP_REPLY);
    if (!r)
        return MHD_queue_response(req->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, req->srv->oom_resp);
    if (req->close_conn)
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)req->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* After the handler: queue its reply, or park the connection until a deferred reply. */
static enum MHD_Result finish(sd_http_req_t *req)
{
    pthread_mutex_lock(&req->lock);
    if (!req->replied && req->deferred) {
        req->suspended = 1;
        req->stage = ST_WAIT;
        sd__http_guard_stage(req->srv, req->conn, SD__HTTP_REPLY);
        MHD_suspend_connection(req->conn);
        pthread_mutex_unlock(&req->lock);
        return MHD_YES;
    }
    pthread_mutex_unlock(&req->lock);
    if (!req->replied) {
        sd_error("http %s %s: handler sent no reply (id %s)", req->method, req->raw_path, req->id);
        fail(req, SD_EINTERNAL, NULL, NULL);
    }
    return queue(req);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    sd_http_server_t *s = cls;
    sd_http_req_t *req = *con_cls;
    if (!req)
        return MHD_queue_response(c, MHD_HTTP_INTERNAL_SERVER_ERROR, s->oom_resp);
    switch (req->stage) {
    case ST_NEW:
        req->method = method;
        sd__http_guard_stage(s, c, SD__HTTP_BODY);
        begin(req);
        if (req->replied)
            return queue(req);
        req->stage = ST_BODY;
        return MHD_YES;
    case ST_BODY:
        if (*upload_size) {
            size_t n = *upload_size;
            *upload_size = 0;
            body_chunk(req, upload, n);
            if (req->replied) {
                /* the rest of the body is read and dropped, then the connection closed */
                req->close_conn = 1;
                req->stage = ST_DISCARD;
            }
            return MHD_YES;
        }
        if (sd__http_filter_body(req) == 0)
            req->route->fn(req, req->route->ctx);
        return finish(req);
    case ST_DISCARD:
        if (*upload_size) {
            req->discarded += *upload_size;
            *upload_size = 0;
            return req->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        return queue(req);
    case ST_WAIT: {
        pthread_mutex_lock(&req->lock);
        enum MHD_Result ok = queue(req);
        pthread_mutex_unlock(&req->lock);
        return ok;
    }
    default:
        *upload_size = 0;
        return MHD_YES;
    }
}

void sd_http_access_log_default(const sd_http_access_t *a)
{
    char path[256];
    size_t n = 0;
    for (const char *p = a->path; *p && n < sizeof path - 4; p++)
        path[n++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
    if (strlen(a->path) > n)
        path[n++] = '.', path[n++] = '.', path[n++] = '.';
    path[n] = '\0';
    sd_info("http %s %s %d %" PRIu64 "B %" PRId64 "ms id=%s ip=%s%s", a->method, path, a->status,
            a->bytes, a->duration_ms, a->request_id, a->client_ip, a->completed ? "" : " aborted");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sd_http_server_t *s = cls;
    sd_http_req_t *req = *con_cls;
    if (!req)
        return;
    *con_cls = NULL;
    /* the next request on this connection has header_timeout from now */
    sd__http_guard_stage(s, c, SD__HTTP_HEAD);
    sd_http_access_t a = {
        .method = req->method ? req->method : "-",
        .path = req->raw_path,
        .request_id = req->id,
        .client_ip = req->ip,
        .status = req->stage == ST_DONE ? req->status : 0,
        .bytes = req->stage == ST_DONE ? req->resp_bytes : 0,
        .duration_ms = sd_clock_mono_ms(s->cfg.clock) - req->t0,
        .completed = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
    };
    /* a deferred owner still holding req must never touch the connection from now on */
    pthread_mutex_lock(&req->lock);
    if (!req->replied)
        req->replied = req->answered_by_server = 1;
    req->suspended = 0;
    sd_http_stream_t *st = req->stream;
    req->stream = NULL;
    pthread_mutex_unlock(&req->lock);
    if (st) /* a streamed reply ends with its request, whether sent or the client went away */
        sd__http_stream_detach(st);
    if (s->cfg.access_log)
        s->cfg.access_log(&a, s->cfg.access_log_ctx);
    else
        sd_http_access_log_default(&a);
    pthread_mutex_lock(&s->lock);
    s->inflight--;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    sd__http_req_release(req);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    sd_log(SD_LOG_DEBUG, "http (libmicrohttpd): %s", line);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

int sd_http_server_start(sd_http_server_t *s)
{
    if (s->started)
        return SD_EINVAL;
    /* poll(), not epoll: MHD_quiesce_daemon() races the workers' epoll sets in libmicrohttpd
     * 0.9.75 and aborts ("Failed to remove listen FD from epoll set"); with poll() and an
     * inter-thread channel, quiescing just stops polling the listener. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (s->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (s->tls_cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem opts[24];
    size_t n = 0;
#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)})
    OPT(MHD_OPTION_SOCK_ADDR, 0, &s->addr);
    OPT(MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)sd__http_guard_notify, s);
    OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, s);
    /* http.max_conns itself is kept by the guard (http_guard.c), over all workers */
    OPT(MHD_OPTION_CONNECTION_LIMIT, 2 * (s->cfg.max_conns ? s->cfg.max_conns : 512), NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.idle_timeout_s, NULL);
    if (s->cfg.max_conns_per_ip)
        OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_conns_per_ip, NULL);
    if (s->cfg.threads > 1)
        OPT(MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL);
    if (s->tls_cert) {
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert);
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key);
        const char *prio = s->cfg.tls_priorities ? s->cfg.tls_priorities : SD_HTTP_TLS_PRIORITIES;
        OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)prio);
        if (s->tls_trust) /* libmicrohttpd then asks every client for a certificate */
            OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, s->tls_trust);
    }
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
    if (sd__http_guard_start(s)) {
        sd_error("http: cannot start the connection guard thread");
        return SD_EIO;
    }
    errno = 0;
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!s->d) {
        /* libmicrohttpd leaves bind()'s errno: a port taken reads "address in use" */
        int e = errno;
        sd__http_guard_stop(s);
        sd_error("http: cannot listen on %s", s->cfg.listen);
        return e == EADDRINUSE ? SD_EADDRINUSE : SD_EIO;
    }
    s->started = 1;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (di && getsockname(di->listen_fd, (struct sockaddr *)&ss, &sl) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    sd_info("http: listening on %s port %d%s, %u thread(s)", s->cfg.listen, s->port,
            s->tls_cert ? " (https)" : "", s->cfg.threads);
    return 0;
}

int sd_http_server_port(const sd_http_server_t *s)
{
    return s->port;
}

void sd_http_server_quiesce(sd_http_server_t *s)
{
    if (!s->started || s->stopped || atomic_exchange(&s->quiesced, 1))
        return;
    int fd = MHD_quiesce_daemon(s->d);
    if (fd >= 0) {
        /* Shutting the listener refuses new connections now (including those still in the
         * backlog) instead of leaving them unanswered; libmicrohttpd forbids closing it yet. */
        shutdown(fd, SHUT_RDWR);
        s->listen_fd = fd;
    }
}

static int64_t mono_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait (s->lock held) until nothing is in flight or the monotonic deadline passes. */
static int wait_idle(sd_http_server_t *s, int64_t deadline)
{
    while (s->inflight > 0) {
        int64_t now = mono_now_ms();
        if (now >= deadline)
            return SD_ETIMEDOUT;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + (deadline - now) * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    return 0;
}

int sd_http_server_stop(sd_http_server_t *s)
{
    if (!s->started || s->stopped)
        return 0;
    sd_http_server_quiesce(s);
    /* streams never finish on their own: end them so their requests complete like others */
    sd__http_streams_end_all(s);
    pthread_mutex_lock(&s->lock);
    int rc = wait_idle(s, mono_now_ms() + s->cfg.grace_ms);
    if (rc) {
        int forced = 0;
        for (sd_http_req_t *r = s->deferred; r; r = r->dnext)
            if (sd__http_reply_error_internal_forced(r) == 0)
                forced++;
        sd_warn(
            "http: stop: grace time over with %d request(s) in flight, %d deferred answered 503",
            s->inflight, forced);
        wait_idle(s, mono_now_ms() + 1000);
    }
    pthread_mutex_unlock(&s->lock);
    MHD_stop_daemon(s->d);
    s->d = NULL;
    sd__http_guard_stop(s);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    s->listen_fd = -1;
    s->stopped = 1;
    sd_info("http: stopped");
    return rc;
}

void sd_http_server_free(sd_http_server_t *s)
{
    if (!s)
        return;
    sd_http_server_stop(s);
    pthread_mutex_lock(&s->lock);
    int pending = s->deferred != NULL;
    pthread_mutex_unlock(&s->lock);
    if (pending) {
        /* an owner will still call a reply that unlinks from this server: leak it, never crash */
        sd_error("http: server freed with deferred requests not yet replied to; leaking it");
        return;
    }
    for (route_ent_t *e = s->ents, *n; e; e = n) {
        n = e->next;
        free(e);
    }
    sd_http_router_free(s->router);
    sd__http_static_mounts_free(s->mounts);
    if (s->oom_resp)
        MHD_destroy_response(s->oom_resp);
    free(s->tls_cert);
    free(s->tls_trust);
    if (s->tls_key)
        explicit_bzero(s->tls_key, s->tls_key_len);
    free(s->tls_key);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->guard_lock);
    pthread_cond_destroy(&s->guard_cond);
    free(s);
}
