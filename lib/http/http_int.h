/* http_int.h - private state of the HTTP server and its requests, shared by lib/http files. */
#ifndef SD_HTTP_HTTP_INT_H
#define SD_HTTP_HTTP_INT_H

#include "http/http.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct static_mount static_mount_t;
typedef struct conn_ent conn_ent_t; /* http_guard.c */

/* What the server keeps per route; the router's data pointer. */
typedef struct route_ent {
    sd_http_handler_fn fn;
    void *ctx;
    sd_http_route_opts_t opts;
    static_mount_t *mount; /* set for sd_http_static() routes */
    struct route_ent *next;
} route_ent_t;

typedef struct hdr {
    char *name;
    char *value;
    struct hdr *next;
} hdr_t;

/* Reply kinds decide the default Cache-Control. */
enum { KIND_API, KIND_STATIC };

/* Stages of a request inside the access handler. */
enum { ST_NEW, ST_BODY, ST_DISCARD, ST_WAIT, ST_DONE };

struct sd_http_req {
    sd_http_server_t *srv;
    struct MHD_Connection *conn;
    atomic_int refs; /* one for the connection, one while deferred */
    pthread_mutex_t lock;
    int stage;
    const char *method;
    char *raw_path; /* owned; the query follows the path's NUL */
    const char *raw_query;
    size_t raw_query_len;
    sd_http_path_t path;
    sd_http_query_t query;
    const route_ent_t *route;
    sd_http_match_t match;
    char id[17];
    char ip[INET6_ADDRSTRLEN];
    int64_t t0;
    size_t limit;
    sd_buf_t body;
    void *filter_state; /* http_filter.c */
    void (*filter_state_free)(void *);
    uint64_t body_seen;
    uint64_t discarded;
    /* the reply, made by a reply call and queued by the access handler */
    struct MHD_Response *resp;
    int status;
    uint64_t resp_bytes;
    int replied;
    int close_conn;
    hdr_t *hdrs;
    /* deferral */
    int deferred;
    int owner_done;
    int suspended;
    int answered_by_server;
    struct sd_http_req *dnext, *dprev;
    void *user;
    void (*user_free)(void *);
    void *data;
    void (*data_free)(void *);
    sd_http_stream_t *stream; /* a streamed reply (one reference), NULL otherwise */
};

struct sd_http_server {
    sd_http_config_t cfg;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char *tls_cert;
    char *tls_key;
    size_t tls_key_len;
    char *tls_trust; /* client_ca PEM, NULL = no client certificates */
    sd_http_router_t *router;
    route_ent_t *ents;
    static_mount_t *mounts;
    sd_http_before_fn before;
    void *before_ctx;
    sd_http_filter_t filter; /* http_filter.c */
    struct MHD_Daemon *d;
    int port;
    int listen_fd; /* after quiesce: ours to close once the daemon is stopped */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int inflight;
    int started;
    atomic_int quiesced;
    int stopped;
    sd_http_req_t *deferred;   /* requests waiting for a reply from another thread */
    sd_http_stream_t *streams; /* open streamed replies, ended at stop (s->lock) */
    int streams_ending;        /* stop has begun: a new stream ends at once */
    uint32_t id_prefix;
    atomic_uint id_counter;
    struct MHD_Response *oom_resp; /* answered when even an error reply cannot be built */
    /* http_guard.c: every open connection, oldest first, and the thread cutting slow ones */
    pthread_mutex_t guard_lock;
    pthread_cond_t guard_cond;
    pthread_t guard_thread;
    int guard_run, guard_started;
    conn_ent_t *conns_head, *conns_tail;
    unsigned conns_live; /* tracked and not yet cut */
    unsigned conns_room; /* above this many, the oldest unfinished request is cut */
    unsigned conns_max;  /* above this many, the new connection is cut */
    unsigned long timed_out, evicted;
};

/* http_reply.c: attach a built response as req's reply (headers added). Consumes r. */
int sd__http_set_reply(sd_http_req_t *req, int status, struct MHD_Response *r, uint64_t bytes,
                       const char *content_type, int kind, int by_server);
int sd__http_reply_error_internal(sd_http_req_t *req, int err, const char *field, const char *msg);
/* The server's own 503 for a deferred request at stop (s->lock held). 0 if it answered. */
int sd__http_reply_error_internal_forced(sd_http_req_t *req);

/* http_filter.c: run the body filter (replies on failure; 0 = go on to the handler); run the
 * reply filter over a 2xx body (ctype may be replaced); free the request's filter state. */
int sd__http_filter_body(sd_http_req_t *req);
int sd__http_filter_reply(sd_http_req_t *req, int status, sd_buf_t *b, const char **ctype,
                          char ctbuf[128]);
void sd__http_filter_state_free(sd_http_req_t *req);

/* http_server.c: drop one reference; the last frees the request. */
void sd__http_req_release(sd_http_req_t *req);

/* http_stream.c: the request ended (client gone or body sent): the stream must not touch the
 * connection again. Drops req's reference. */
void sd__http_stream_detach(sd_http_stream_t *st);
/* End every open stream of s (s->lock NOT held); used by stop. Returns how many. */
int sd__http_streams_end_all(sd_http_server_t *s);

/* http_guard.c: the MHD_OPTION_NOTIFY_CONNECTION callback (cls = the server); the request on
 * connection c entered a stage (its deadline restarts); start / stop the guard thread. */
enum { SD__HTTP_HEAD, SD__HTTP_BODY, SD__HTTP_REPLY };
void sd__http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode code);
void sd__http_guard_stage(sd_http_server_t *s, struct MHD_Connection *c, int stage);
int sd__http_guard_start(sd_http_server_t *s);
void sd__http_guard_stop(sd_http_server_t *s);

/* http_static.c */
void sd__http_static_handler(sd_http_req_t *req, void *mount);
/* Resolve dir and prepend a new mount to *list (which owns it). */
int sd__http_static_mount_new(const char *dir, static_mount_t **list, static_mount_t **out);
void sd__http_static_mounts_free(static_mount_t *m);
/* Serve an open regular file (fd is consumed). */
int sd__http_reply_fd(sd_http_req_t *req, int fd, const char *name, const char *content_type,
                      const char *strong_etag);

#endif
