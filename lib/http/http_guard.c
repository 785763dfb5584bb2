/* http_guard.c - slow clients cannot hold the server: absolute deadlines and room for new ones.
 *
 * libmicrohttpd's connection timeout is an idle timeout, restarted by every byte, so a client
 * sending a header line every few seconds keeps its connection forever; a few hundred of them
 * fill http.max_conns and the workers stop accepting (issue 11). Here every connection is
 * tracked from its accept (MHD_OPTION_NOTIFY_CONNECTION) with the stage its request is in:
 *   head  - from the accept, or the end of the previous reply, until the head is complete:
 *           deadline http.header_timeout (the TLS handshake counts here too);
 *   body  - from the complete head until the handler runs: deadline http.body_timeout;
 *   reply - the handler runs, a deferred or streamed reply is pending, or the reply is sent:
 *           no deadline (a slow reader is the idle timeout's business).
 * A guard thread shuts down (shutdown(2)) the socket of a connection past its deadline; the
 * worker owning it then reads end-of-file and closes it the usual way. And when the open
 * connections come near http.max_conns, a new one makes room by cutting the oldest connection
 * still in its head or body stage, so the accept path never stays blocked. http.max_conns is
 * enforced here, over all workers: libmicrohttpd's own limit, split evenly between the workers
 * and counting connections already cut but not yet closed, is set to twice it (http_server.c),
 * since a worker at that limit closes what it accepts without a word. shutdown() is done
 * under guard_lock, which libmicrohttpd's close notification also takes before it closes the
 * socket: the descriptor cut is always still the connection's own.
 */
#include "http/http_int.h"

#include "core/log.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define TICK_MS      200
#define LOG_EVERY_MS 10000

enum { CS_HEAD, CS_BODY, CS_REPLY };

struct conn_ent {
    int fd;
    int stage;
    int cut;
    int64_t deadline; /* monotonic ms; 0 = none */
    struct conn_ent *prev, *next;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* guard_lock held */
static void cut(sd_http_server_t *s, conn_ent_t *e)
{
    shutdown(e->fd, SHUT_RDWR);
    e->cut = 1;
    s->conns_live--;
}

static void unlink_ent(sd_http_server_t *s, conn_ent_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        s->conns_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        s->conns_tail = e->prev;
}

void sd__http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
    sd_http_server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_ent_t *e = *socket_context;
        if (!e)
            return;
        pthread_mutex_lock(&s->guard_lock);
        unlink_ent(s, e);
        if (!e->cut)
            s->conns_live--;
        pthread_mutex_unlock(&s->guard_lock);
        *socket_context = NULL;
        free(e);
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    conn_ent_t *e = calloc(1, sizeof *e);
    if (!e) {
        /* untracked means unbounded: refuse it instead */
        if (ci)
            shutdown(ci->connect_fd, SHUT_RDWR);
        return;
    }
    e->fd = ci ? ci->connect_fd : -1;
    e->stage = CS_HEAD;
    e->deadline = now_ms() + (int64_t)s->cfg.header_timeout_s * 1000;
    *socket_context = e;
    pthread_mutex_lock(&s->guard_lock);
    e->prev = s->conns_tail;
    if (s->conns_tail)
        s->conns_tail->next = e;
    else
        s->conns_head = e;
    s->conns_tail = e;
    s->conns_live++;
    /* near the limit: the oldest unfinished request makes room for the new connection */
    for (conn_ent_t *o = s->conns_head; o && o != e && s->conns_live > s->conns_room; o = o->next)
        if (!o->cut && o->stage != CS_REPLY && o->fd >= 0) {
            cut(s, o);
            s->evicted++;
        }
    /* every connection is busy with a reply: http.max_conns holds, the new one goes */
    if (s->conns_live > s->conns_max && e->fd >= 0)
        cut(s, e);
    pthread_mutex_unlock(&s->guard_lock);
}

void sd__http_guard_stage(sd_http_server_t *s, struct MHD_Connection *c, int stage)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_ent_t *e = ci ? ci->socket_context : NULL;
    if (!e)
        return;
    int64_t t = stage == SD__HTTP_HEAD   ? now_ms() + (int64_t)s->cfg.header_timeout_s * 1000
                : stage == SD__HTTP_BODY ? now_ms() + (int64_t)s->cfg.body_timeout_s * 1000
                                         : 0;
    pthread_mutex_lock(&s->guard_lock);
    e->stage = stage == SD__HTTP_HEAD ? CS_HEAD : stage == SD__HTTP_BODY ? CS_BODY : CS_REPLY;
    e->deadline = t;
    pthread_mutex_unlock(&s->guard_lock);
}

static void *guard_main(void *arg)
{
    sd_http_server_t *s = arg;
    int64_t last_log = now_ms();
    unsigned long logged_cut = 0, logged_evicted = 0;
    pthread_mutex_lock(&s->guard_lock);
    while (s->guard_run) {
        int64_t now = now_ms();
        for (conn_ent_t *e = s->conns_head; e; e = e->next)
            if (!e->cut && e->deadline && now >= e->deadline && e->fd >= 0) {
                cut(s, e);
                s->timed_out++;
            }
        if (now - last_log >= LOG_EVERY_MS &&
            (s->timed_out != logged_cut || s->evicted != logged_evicted)) {
            sd_warn("http: closed %lu connection(s) past their header/body deadline and %lu "
                    "to make room for new ones in the last %d s",
                    s->timed_out - logged_cut, s->evicted - logged_evicted, LOG_EVERY_MS / 1000);
            logged_cut = s->timed_out;
            logged_evicted = s->evicted;
            last_log = now;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->guard_cond, &s->guard_lock, &ts);
    }
    pthread_mutex_unlock(&s->guard_lock);
    return NULL;
}

int sd__http_guard_start(sd_http_server_t *s)
{
    unsigned max = s->cfg.max_conns ? s->cfg.max_conns : 512;
    unsigned headroom = max / 8 > s->cfg.threads ? max / 8 : s->cfg.threads;
    s->conns_room = max > headroom ? max - headroom : 1;
    s->conns_max = max;
    s->guard_run = 1;
    if (pthread_create(&s->guard_thread, NULL, guard_main, s)) {
        s->guard_run = 0;
        return -1;
    }
    s->guard_started = 1;
    return 0;
}

void sd__http_guard_stop(sd_http_server_t *s)
{
    if (!s->guard_started)
        return;
    pthread_mutex_lock(&s->guard_lock);
    s->guard_run = 0;
    pthread_cond_signal(&s->guard_cond);
    pthread_mutex_unlock(&s->guard_lock);
    pthread_join(s->guard_thread, NULL);
    s->guard_started = 0;
}
