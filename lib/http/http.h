/* http.h - the HTTP server suidod is built on (libmicrohttpd): routing, requests, replies. */
#ifndef SD_HTTP_HTTP_H
#define SD_HTTP_HTTP_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"

/*
 * Life of a request: the server parses the path and query, matches a route (404, 405 + Allow),
 * runs the server's "before" hook (authentication), checks the declared body size (413), reads
 * the body (buffered up to the route's limit, or streamed to the route's body callback), then
 * calls the route's handler, which answers with exactly one sd_http_reply_*(). Every reply
 * carries X-Request-Id and the security headers; every error uses the one shape
 * {"error":{"code":"not_found","message":"...","field":"..."}} built from core/err.h.
 *
 * Threads: handlers run on the server's worker threads and may block, but a blocked handler
 * stalls the other connections of its worker. Work that waits (long-poll, a read through a
 * gateway) calls sd_http_req_defer() and replies later from any thread.
 */

typedef struct sd_http_server sd_http_server_t;
typedef struct sd_http_req sd_http_req_t;

/* ---- configuration (plain data; filled by the caller's config layer) ---------------------- */

typedef struct sd_http_access sd_http_access_t;
typedef void (*sd_http_access_fn)(const sd_http_access_t *rec, void *ctx);

typedef struct {
    const char *listen;           /* "127.0.0.1:8080", "[::1]:8080", "localhost:0" (0 = any free) */
    unsigned threads;             /* worker threads; 1 = a single polling thread */
    unsigned max_conns;           /* open connections at once */
    unsigned max_conns_per_ip;    /* 0 = no per-address limit */
    unsigned idle_timeout_s;      /* close a connection idle this long (slow clients too) */
    unsigned header_timeout_s;    /* a request's head must be in this long after the connection
                                     opened or the previous reply ended, however it trickles */
    unsigned body_timeout_s;      /* and its body this long after the head */
    size_t max_body;              /* default body limit of a route, bytes */
    unsigned grace_ms;            /* sd_http_server_stop(): time in-flight requests get to finish */
    const char *tls_cert_file;    /* PEM certificate chain; with tls_key_file enables HTTPS */
    const char *tls_key_file;     /* PEM private key */
    const char *tls_priorities;   /* GnuTLS priority string; NULL = SD_HTTP_TLS_PRIORITIES */
    const char *tls_client_ca;    /* PEM CA(s): ask clients for a certificate issued by them */
    const char *csp;              /* Content-Security-Policy sent with HTML */
    sd_clock_t *clock;            /* for durations; NULL = system clock; borrowed */
    sd_http_access_fn access_log; /* NULL = one INFO line per request through core/log;
                                     called on worker threads */
    void *access_log_ctx;
} sd_http_config_t;

/* The TLS the server speaks by default: TLS 1.3 and 1.2 only, and in 1.2 only forward-secret
 * key exchange (ECDHE, DHE) with AEAD ciphers (AES-GCM, ChaCha20-Poly1305): no TLS 1.0/1.1, no
 * static-RSA key exchange, no CBC. */
#define SD_HTTP_TLS_PRIORITIES                                                                     \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-PSK:-DHE-PSK:-ECDHE-PSK:-RSA-PSK:"        \
    "-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE"

/* Defaults: 127.0.0.1:8080, 4 threads, 512 connections, 64 per address, 30 s idle, 20 s for a
 * request head, 300 s for a body, 1 MiB bodies, 10 s grace. */
void sd_http_config_defaults(sd_http_config_t *cfg);

/*
 * Defaults overridden by the keys of one section of the configuration file (http_config.c):
 *   listen = 127.0.0.1:8080   threads = 4         max_conns = 512   max_conns_per_ip = 64
 *   idle_timeout = 30s        header_timeout = 20s  body_timeout = 300s
 *   grace = 10s               max_body = 1048576 (bytes)
 *   tls_cert = path.pem       tls_key = path.pem  csp = "default-src 'self'; ..."
 *   tls_priorities = SD_HTTP_TLS_PRIORITIES (a GnuTLS priority string)
 *   client_ca = path.pem      (HTTPS only) clients may present a certificate issued by it
 * Strings are borrowed from cfg, which must outlive the server. SD_EFIELD with err filled for
 * a malformed or out-of-range value, or only one of tls_cert / tls_key.
 */
int sd_http_config_load(const sd_config_t *cfg, const char *section, sd_http_config_t *out,
                        sd_config_error_t *err);

/*
 * Parse a listen address "host:port" / "[v6]:port" with a numeric host or "localhost", port
 * 0..65535. Pure. SD_ECONFIG on anything else (no name resolution).
 */
int sd_http_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* One access-log record; all strings borrowed for the duration of the callback. */
struct sd_http_access {
    const char *method;
    const char *path; /* raw path without the query (queries may carry secrets) */
    const char *request_id;
    const char *client_ip;
    int status;          /* 0 when the client went away before any reply */
    uint64_t bytes;      /* body bytes of the reply */
    int64_t duration_ms; /* from the request line to the end of the reply */
    int completed;       /* 1 when the reply was sent in full */
};

/* The line the server logs per request when cfg.access_log is NULL; an access_log hook that
 * gathers figures calls it to keep the log. */
void sd_http_access_log_default(const sd_http_access_t *a);

/* ---- server ------------------------------------------------------------------------------- */

/*
 * A new server from cfg (copied; strings must outlive the server). Nothing listens until
 * sd_http_server_start(). Returns 0 or SD_ECONFIG (bad address, unreadable TLS files),
 * SD_EUNSUPPORTED (HTTPS without TLS support in libmicrohttpd), SD_ENOMEM.
 */
int sd_http_server_new(const sd_http_config_t *cfg, sd_http_server_t **out);

/* Handler: reply with one sd_http_reply_*() or call sd_http_req_defer(); route_ctx borrowed. */
typedef void (*sd_http_handler_fn)(sd_http_req_t *req, void *route_ctx);

/*
 * Body callback of a streamed route: each chunk in order (chunks are small: the whole body is
 * never held), then the handler runs once with an empty body. Return 0 to go on, or a negative
 * SD_E* to stop: the server answers with that error (unless the callback replied). libmicrohttpd
 * cannot answer before the body ends, so the rest is read and dropped (up to 4 MiB, then the
 * connection is cut). Keep per-request state with sd_http_req_set_data().
 */
typedef int (*sd_http_body_fn)(sd_http_req_t *req, const void *data, size_t len, void *route_ctx);

/* Route flags: the low 16 bits are the server's, the rest belong to the before hook's layer. */
#define SD_HTTP_R_USER(n) (1u << (16 + (n))) /* n in 0..15, e.g. "public" or "admin only" */

typedef struct {
    unsigned flags;          /* read back with sd_http_req_route_flags() */
    size_t max_body;         /* 0 = the server's max_body; SIZE_MAX = unlimited (streamed) */
    sd_http_body_fn on_body; /* non-NULL: stream the body to it instead of buffering */
} sd_http_route_opts_t;

/*
 * Register method + pattern before start. Patterns are '/'-separated literal segments,
 * "{name}" (one segment, percent-decoded) and a last "{name*}" (the rest of the path, possibly
 * empty). A literal segment beats a parameter, which beats "{name*}". GET routes answer HEAD
 * too. "/{name*}" alone is a fallback: a method it lacks gives 404, not 405. opts may be NULL.
 * Returns SD_EINVAL (bad pattern or method, already started), SD_EEXIST (same method and pattern
 * shape), SD_ENOMEM.
 */
int sd_http_route(sd_http_server_t *s, const char *method, const char *pattern,
                  sd_http_handler_fn fn, void *route_ctx, const sd_http_route_opts_t *opts);

/*
 * Serve the files under dir at prefix (which ends in '/'): GET and HEAD of prefix + path.
 * dir is resolved now (SD_ENOTFOUND if it is not a directory). Dot segments, hidden names,
 * encoded '/' or '\', NUL and anything that resolves (symlinks included) outside dir are 404;
 * a directory answers its index.html (redirecting to add a missing '/'). Replies carry a
 * content type from the extension, ETag and Last-Modified, and honour If-None-Match /
 * If-Modified-Since with 304. flags as in sd_http_route_opts_t.
 */
int sd_http_static(sd_http_server_t *s, const char *prefix, const char *dir, unsigned flags);

/*
 * Hook run for every routed request after the path, query and route are known and before the
 * body is read, e.g. authentication. Return 0 to go on; a negative SD_E* rejects the request
 * with that error unless the hook already replied. Set before start.
 */
typedef int (*sd_http_before_fn)(sd_http_req_t *req, void *ctx);
void sd_http_server_set_before(sd_http_server_t *s, sd_http_before_fn fn, void *ctx);

/*
 * Filters, for a layer that transforms payloads without every handler knowing (suido's CMS
 * payload protection, pf/pki.h). Set before start; ctx borrowed. Both run on the thread that
 * handles (or answers) the request and should decide quickly whether they apply.
 *  - on_body runs once a buffered body has been read in full (not for streamed routes), before
 *    the handler, also for an empty body. It may replace the body (sd_http_req_set_body()),
 *    keep state for on_reply (sd_http_req_set_filter_state()), or stop the request: a negative
 *    SD_E* is answered as that error unless the filter replied itself.
 *  - on_reply runs for every 2xx reply with a non-empty body made by sd_http_reply_json(),
 *    _bytes(), _text() or _buf() (not files, redirects or errors). It may rewrite *body (it owns
 *    it) and set a new content type into ctype (NUL-terminated, < 128 bytes). A negative SD_E*
 *    replaces the reply by that error (the original body is dropped).
 */
typedef struct {
    int (*on_body)(sd_http_req_t *req, void *ctx);
    int (*on_reply)(sd_http_req_t *req, int status, sd_buf_t *body, char ctype[128], void *ctx);
    void *ctx;
} sd_http_filter_t;
void sd_http_server_set_filter(sd_http_server_t *s, const sd_http_filter_t *f);

/* Bind and start the workers. SD_EIO (address in use, ...) or SD_EINVAL if already started. */
int sd_http_server_start(sd_http_server_t *s);

/* The bound port (useful with port 0), 0 before start. */
int sd_http_server_port(const sd_http_server_t *s);

/*
 * Stop accepting: the listening socket is shut so new connections are refused at once, and a
 * request arriving on an open keep-alive connection is answered 503 "try_again" and closed.
 * Requests in flight go on. Does not block. Idempotent.
 */
void sd_http_server_quiesce(sd_http_server_t *s);

/*
 * Graceful stop: quiesce, wait up to grace_ms for requests in flight, answer deferred requests
 * still pending with 503, then stop the workers (which waits for running handlers) and close
 * idle connections. Returns 0, or SD_ETIMEDOUT when the grace time ran out (the server is
 * stopped either way). A stopped server cannot be restarted. Never call it from a handler.
 */
int sd_http_server_stop(sd_http_server_t *s);

/* Stop (if running) and free. NULL-safe. Deferred requests must have been answered. */
void sd_http_server_free(sd_http_server_t *s);

/* ---- request ------------------------------------------------------------------------------ */

/* All strings returned below are borrowed and valid until the request is answered. */
const char *sd_http_req_method(const sd_http_req_t *req);
const char *sd_http_req_path(const sd_http_req_t *req); /* raw, without the query */
const char *sd_http_req_id(const sd_http_req_t *req);   /* 16 hex digits, also X-Request-Id */
const char *sd_http_req_client_ip(const sd_http_req_t *req);
/*
 * The TLS client certificate of the connection, when the server has a client_ca: 0 and the
 * SHA-256 fingerprint (lower-case hex) of the certificate the client presented, which verified
 * against client_ca (chain, signature, dates); SD_ENOCERT when there is none or it does not
 * verify (why says which, may be NULL).
 */
int sd_http_req_client_cert(const sd_http_req_t *req, char fp[65], char *why, size_t n);
int sd_http_req_is_tls(const sd_http_req_t *req);
const char *sd_http_req_route_pattern(const sd_http_req_t *req); /* NULL before routing */
unsigned sd_http_req_route_flags(const sd_http_req_t *req);

/* Percent-decoded path parameter from the route pattern, or NULL. */
const char *sd_http_req_param(const sd_http_req_t *req, const char *name);

/* First value of a query parameter (decoded), or NULL; the whole parsed query. */
const char *sd_http_req_query(const sd_http_req_t *req, const char *name);
typedef struct sd_http_query sd_http_query_t;
const sd_http_query_t *sd_http_req_query_all(const sd_http_req_t *req);

/* Request header by case-insensitive name, or NULL. */
const char *sd_http_req_header(const sd_http_req_t *req, const char *name);

/* The token of "Authorization: Bearer <token>" (RFC 6750 b64token), or NULL. */
const char *sd_http_req_bearer(const sd_http_req_t *req);

/* A cookie's value, or NULL. */
const char *sd_http_req_cookie(const sd_http_req_t *req, const char *name);

/* The buffered body (NUL-terminated for convenience; *len excludes it). Empty when streamed. */
const void *sd_http_req_body(const sd_http_req_t *req, size_t *len);

/*
 * Parse the body as JSON (see sd_json_parse()). On success *out is a new reference. On failure
 * SD_ESYNTAX / SD_EENCODING with line and column in err, ready for sd_http_reply_json_error().
 */
int sd_http_req_json(const sd_http_req_t *req, json_t **out, sd_json_err_t *err);

/* Replace the buffered body by b's data (b is left empty, even on failure). 0 or SD_ENOMEM. */
int sd_http_req_set_body(sd_http_req_t *req, sd_buf_t *b);

/* The filter's per-request slot (see sd_http_filter_t); free_fn runs when the request ends. */
void sd_http_req_set_filter_state(sd_http_req_t *req, void *state, void (*free_fn)(void *));
void *sd_http_req_filter_state(const sd_http_req_t *req);

/*
 * Per-request slots: the authenticated principal (set by the before hook) and a handler's own
 * state (e.g. an upload's temp file). free_fn (may be NULL) runs when the request ends, also
 * when the client went away. Setting again frees the previous value.
 */
void sd_http_req_set_user(sd_http_req_t *req, void *user, void (*free_fn)(void *));
void *sd_http_req_user(const sd_http_req_t *req);
void sd_http_req_set_data(sd_http_req_t *req, void *data, void (*free_fn)(void *));
void *sd_http_req_data(const sd_http_req_t *req);

/*
 * Answer later: after the handler returns, the request stays open and valid until one
 * sd_http_reply_*() is called on it, from any thread; that call must always be made (even after
 * server stop, where it returns SD_ECLOSED having been answered 503 by the server). Read
 * headers, cookies and the bearer token in the handler: from other threads only the id, path,
 * params, query, body, user/data slots and the reply calls are safe.
 */
void sd_http_req_defer(sd_http_req_t *req);

/* ---- replies: each returns 0, SD_EINVAL (already answered), SD_ECLOSED or SD_ENOMEM ------ */

/* Add a header to the reply (before replying). Names and values must not contain CR/LF. */
int sd_http_reply_header(sd_http_req_t *req, const char *name, const char *value);

/* JSON body with Cache-Control: no-store. Takes the reference to body, even on failure. */
int sd_http_reply_json(sd_http_req_t *req, int status, json_t *body);

/* text/plain; charset=utf-8 */
int sd_http_reply_text(sd_http_req_t *req, int status, const char *text);

/* Bytes (copied) with the given content type; a "text/html" type adds the CSP. */
int sd_http_reply_bytes(sd_http_req_t *req, int status, const char *content_type, const void *data,
                        size_t len);

/* Takes ownership of b's data (b is left empty, even on failure). */
int sd_http_reply_buf(sd_http_req_t *req, int status, const char *content_type, sd_buf_t *b);

/* No body (204, 202 ...). */
int sd_http_reply_empty(sd_http_req_t *req, int status);

/*
 * A file the caller trusts (no path checks here: see sd_http_static() for client paths), with
 * ETag / Last-Modified / 304. content_type NULL = from the extension. etag NULL = one made from
 * size and mtime; otherwise a strong validator the caller knows, such as the content's SHA-256
 * (at most 128 bytes, sent quoted). SD_ENOTFOUND if it is not a readable regular file: nothing
 * is answered then.
 */
int sd_http_reply_file(sd_http_req_t *req, const char *path, const char *content_type,
                       const char *etag);

/*
 * A body pulled as the connection drains, so a large reply never sits in memory: size bytes
 * (sent as Content-Length; HEAD sends the headers only), read in pieces by read(ctx, pos, buf,
 * max, &got), which gives 1..max bytes at offset pos and returns 0, or anything else to abort:
 * the connection is then closed before the body is complete (the client sees a short transfer,
 * never a finished one), so read must withhold the last bytes until it knows they are sound.
 * etag (may be NULL) is a strong validator such as the content's SHA-256 (at most 128 bytes,
 * sent quoted): a matching If-None-Match is answered 304 without reading. free_fn(ctx) (may be
 * NULL) runs exactly once, when the reply is done or could not be made. 0, SD_EINVAL (replied
 * already), SD_ENOMEM.
 */
typedef int (*sd_http_read_fn)(void *ctx, uint64_t pos, char *buf, size_t max, size_t *got);
int sd_http_reply_reader(sd_http_req_t *req, int status, const char *content_type, uint64_t size,
                         const char *etag, sd_http_read_fn read, void (*free_fn)(void *ctx),
                         void *ctx);

/* 301, 302, 303, 307 or 308 to location (sent as given). */
int sd_http_reply_redirect(sd_http_req_t *req, int status, const char *location);

/*
 * The error shape with sd_err_http_status(err) and sd_err_code(err); field may be NULL; fmt
 * NULL = sd_strerror(err). 5xx errors are logged with the request id.
 */
int sd_http_reply_error(sd_http_req_t *req, int err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int sd_http_reply_verror(sd_http_req_t *req, int err, const char *field, const char *fmt,
                         va_list ap);

/* The error shape from a core/json failure (field and message taken from e). */
int sd_http_reply_json_error(sd_http_req_t *req, int err, const sd_json_err_t *e);

/* ---- long-lived streamed replies (server-sent events, ...) ------------------------------- */

typedef struct sd_http_stream sd_http_stream_t;

/*
 * Answer req with status and a body of unknown length that is written later, from any thread,
 * with sd_http_stream_write() (chunked on HTTP/1.1). Call it in the handler instead of another
 * reply; headers added with sd_http_reply_header() before are sent. While nothing is buffered
 * the connection is suspended, so no thread spins or waits for an idle stream; a write resumes
 * it. At most max_buffered bytes (0 = 1 MiB) may wait to be sent: a client too slow to take
 * them is disconnected (the write returns SD_ETOOBIG) rather than letting memory grow. Note that
 * libmicrohttpd cannot see a client go away while its connection is suspended: writing
 * something now and then (an SSE comment) is how a dead client is found.
 * *out is the owner's handle, valid until sd_http_stream_close(). Returns 0, SD_EINVAL
 * (already answered), SD_ENOMEM (a 500 has been answered then), SD_ECLOSED.
 */
int sd_http_reply_stream(sd_http_req_t *req, int status, const char *content_type,
                         size_t max_buffered, sd_http_stream_t **out);

/*
 * Queue len bytes, all or nothing. 0; SD_ECLOSED when the client went away, the server is
 * stopping or the body was ended; SD_ETOOBIG when this write would pass max_buffered (the
 * client is being disconnected; later writes return SD_ECLOSED). Thread-safe; never blocks on
 * the network.
 */
int sd_http_stream_write(sd_http_stream_t *st, const void *data, size_t len);

/* 1 while the client is there and the body not ended, else 0 (the "client went away" flag). */
int sd_http_stream_is_open(sd_http_stream_t *st);

/* Bytes buffered and not yet handed to the connection (for tests and monitoring). */
size_t sd_http_stream_pending(sd_http_stream_t *st);

/*
 * End the body once what is buffered has been sent, and give up the handle (st must not be
 * used again). Must be called exactly once for every stream, also after the client went away.
 * Server stop ends every open stream itself (sd_http_server_stop() does not wait for them).
 */
void sd_http_stream_close(sd_http_stream_t *st);

/* ---- pure parts (no I/O, fuzzed) ---------------------------------------------------------- */

/*
 * A parsed query string: pairs in order, keys and values percent-decoded and NUL-terminated,
 * duplicates kept. Plain struct so it can live on the stack; free with sd_http_query_free().
 */
typedef struct {
    const char *key;
    const char *value;
    size_t key_len;
    size_t value_len;
} sd_http_kv_t;

struct sd_http_query {
    sd_http_kv_t *kv;
    size_t n;
    char *mem_; /* owns the strings */
};

#define SD_HTTP_MAX_QUERY_PARAMS 128

/*
 * Parse "a=1&b=x%20y" (without the '?'): '+' is a space, a key without '=' has value "",
 * empty pieces ("a=1&&b") are skipped. On error q is empty and *err_off (if not NULL) is the
 * byte offset of the problem: SD_ESYNTAX for a bad or truncated %-escape or an empty key,
 * SD_EENCODING for %00 or invalid UTF-8 after decoding, SD_ETOOBIG for more than
 * SD_HTTP_MAX_QUERY_PARAMS pairs, SD_ENOMEM.
 */
int sd_http_query_parse(const char *buf, size_t len, sd_http_query_t *q, size_t *err_off);

/* First value of key, or NULL; the nth (0-based) value of a repeated key, or NULL; count. */
const char *sd_http_query_get(const sd_http_query_t *q, const char *key);
const char *sd_http_query_get_nth(const sd_http_query_t *q, const char *key, size_t nth);
size_t sd_http_query_count(const sd_http_query_t *q, const char *key);
void sd_http_query_free(sd_http_query_t *q); /* leaves q empty; NULL-safe */

#define SD_HTTP_MAX_SEGS 32

/*
 * A decoded path: segments between '/', each percent-decoded and NUL-terminated (a decoded
 * segment may contain '/' from %2F: it stays one segment). "/" has no segments; "/a/" has one
 * and trailing_slash set. joined is the decoded path "/a/b/" with segment i at joined+off[i].
 */
typedef struct {
    size_t nsegs;
    int trailing_slash;
    const char *seg[SD_HTTP_MAX_SEGS];
    size_t len[SD_HTTP_MAX_SEGS];
    size_t off[SD_HTTP_MAX_SEGS];
    const char *joined;
    char *mem_;
} sd_http_path_t;

/*
 * Decode a raw request path (it must start with '/'; no query). Pure. SD_ESYNTAX for a
 * missing leading '/' or a bad %-escape, SD_EENCODING for NUL or other control characters or
 * invalid UTF-8 after decoding, SD_ETOOBIG for more than SD_HTTP_MAX_SEGS segments,
 * SD_ENOMEM; *err_off (if not NULL) is the byte offset.
 */
int sd_http_path_parse(const char *raw, size_t len, sd_http_path_t *p, size_t *err_off);
void sd_http_path_free(sd_http_path_t *p); /* leaves p empty; NULL-safe */

/* The route table on its own, so matching can be tested and fuzzed without a server. */
typedef struct sd_http_router sd_http_router_t;

#define SD_HTTP_MAX_PARAMS 8

typedef struct {
    void *data;          /* what was registered */
    const char *pattern; /* borrowed from the router */
    size_t nparams;
    struct {
        const char *name;  /* borrowed from the router */
        const char *value; /* borrowed from the path */
    } params[SD_HTTP_MAX_PARAMS];
    size_t rest_seg; /* index of the first segment taken by "{name*}" (nsegs if none) */
    char allow[96];  /* on SD_EMETHOD: "GET, HEAD, POST" */
} sd_http_match_t;

sd_http_router_t *sd_http_router_new(void); /* NULL on ENOMEM */
void sd_http_router_free(sd_http_router_t *r);

/*
 * Add a route (see sd_http_route() for patterns); method is an HTTP token. data is returned by
 * matches. SD_EINVAL, SD_EEXIST or SD_ENOMEM.
 */
int sd_http_router_add(sd_http_router_t *r, const char *method, const char *pattern, void *data);

/*
 * Match a decoded path. Pure. 0 with m filled; SD_ENOTFOUND when no pattern matches the path;
 * SD_EMETHOD when some do but not for method (m->allow lists the methods that would).
 * m's pointers borrow from r and p.
 */
int sd_http_router_match(const sd_http_router_t *r, const char *method, const sd_http_path_t *p,
                         sd_http_match_t *m);

/* Content type for a file name from its extension ("application/octet-stream" if unknown). */
const char *sd_http_content_type(const char *name);

#endif
