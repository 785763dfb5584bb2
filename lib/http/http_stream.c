/* http_stream.c - long-lived replies written from any thread (server-sent events and the like). */
#include "http/http_int.h"

#include "core/err.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BUFFERED ((size_t)1 << 20)
#define BLOCK_SIZE           (16u * 1024)

/*
 * How it works with libmicrohttpd: the reply is a callback response of unknown size. When the
 * content reader finds nothing to send it suspends the connection (allowed from a content reader
 * callback) and returns 0; a write resumes it. So an idle stream costs no thread and no polling,
 * and MHD's idle timeout does not run while it is suspended (our owner sends heartbeats anyway).
 *
 * Lifetime: three references - the owner's (until sd_http_stream_close), the response's
 * (released by MHD's free callback) and the request's (released when the request completes).
 * Whoever is last frees. conn may be touched only while attached, under the stream's lock.
 */
struct sd_http_stream {
    pthread_mutex_t lock;
    atomic_int refs;
    sd_http_server_t *srv;
    struct MHD_Connection *conn;
    char *buf;
    size_t off, len, cap, max;
    int attached;  /* the connection still runs this reply */
    int suspended; /* we suspended it in the reader: a write must resume it */
    int ended;     /* owner closed or server stopping: end after the buffer drains */
    int overflow;  /* slow consumer: cut the connection */
    int linked;    /* in srv->streams */
    sd_http_stream_t *next, *prev;
};

static void stream_release(sd_http_stream_t *st)
{
    if (atomic_fetch_sub(&st->refs, 1) != 1)
        return;
    free(st->buf);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* st->lock held. */
static void wake(sd_http_stream_t *st)
{
    if (st->suspended && st->attached) {
        st->suspended = 0;
        MHD_resume_connection(st->conn);
    }
}

static void unlink_stream(sd_http_stream_t *st)
{
    sd_http_server_t *s = st->srv;
    pthread_mutex_lock(&s->lock);
    if (st->linked) {
        if (st->prev)
            st->prev->next = st->next;
        else
            s->streams = st->next;
        if (st->next)
            st->next->prev = st->prev;
        st->next = st->prev = NULL;
        st->linked = 0;
    }
    pthread_mutex_unlock(&s->lock);
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    sd_http_stream_t *st = cls;
    pthread_mutex_lock(&st->lock);
    ssize_t n;
    if (st->overflow || !st->attached) {
        n = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (st->len > st->off) {
        size_t k = st->len - st->off < max ? st->len - st->off : max;
        memcpy(out, st->buf + st->off, k);
        st->off += k;
        if (st->off == st->len)
            st->off = st->len = 0;
        n = (ssize_t)k;
    } else if (st->ended) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* nothing to send: park the connection until a write (returning 0 without suspending
         * would make the worker thread spin on this connection) */
        st->suspended = 1;
        MHD_suspend_connection(st->conn);
        n = 0;
    }
    pthread_mutex_unlock(&st->lock);
    return n;
}

static void response_gone(void *cls)
{
    sd_http_stream_t *st = cls;
    pthread_mutex_lock(&st->lock);
    st->attached = 0;
    st->suspended = 0;
    pthread_mutex_unlock(&st->lock);
    stream_release(st);
}

void sd__http_stream_detach(sd_http_stream_t *st)
{
    pthread_mutex_lock(&st->lock);
    st->attached = 0;
    st->suspended = 0;
    pthread_mutex_unlock(&st->lock);
    unlink_stream(st);
    stream_release(st);
}

int sd__http_streams_end_all(sd_http_server_t *s)
{
    int n = 0;
    pthread_mutex_lock(&s->lock);
    s->streams_ending = 1;
    for (sd_http_stream_t *st = s->streams; st; st = st->next) {
        pthread_mutex_lock(&st->lock);
        st->ended = 1;
        wake(st);
        pthread_mutex_unlock(&st->lock);
        n++;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

int sd_http_reply_stream(sd_http_req_t *req, int status, const char *content_type,
                         size_t max_buffered, sd_http_stream_t **out)
{
    *out = NULL;
    sd_http_server_t *s = req->srv;
    sd_http_stream_t *st = calloc(1, sizeof *st);
    if (!st)
        return sd__http_set_reply(req, 500, NULL, 0, NULL, KIND_API, 0) == SD_ENOMEM ? SD_ENOMEM
                                                                                     : SD_EINVAL;
    pthread_mutex_init(&st->lock, NULL);
    atomic_init(&st->refs, 3);
    st->srv = s;
    st->conn = req->conn;
    st->max = max_buffered ? max_buffered : DEFAULT_MAX_BUFFERED;
    st->attached = 1;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK_SIZE, reader, st, response_gone);
    if (!r) {
        pthread_mutex_destroy(&st->lock);
        free(st);
        sd__http_set_reply(req, 500, NULL, 0, NULL, KIND_API, 0);
        return SD_ENOMEM;
    }
    pthread_mutex_lock(&req->lock);
    int taken = req->replied || req->stream;
    if (!taken)
        req->stream = st;
    pthread_mutex_unlock(&req->lock);
    if (taken) {
        atomic_store(&st->refs, 1); /* only the response's: destroying it frees st */
        MHD_destroy_response(r);
        return SD_EINVAL;
    }
    pthread_mutex_lock(&s->lock);
    if (s->streams_ending)
        st->ended = 1; /* the server is stopping: answer, then end at once */
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    st->linked = 1;
    pthread_mutex_unlock(&s->lock);
    int rc = sd__http_set_reply(req, status, r, 0, content_type, KIND_API, 0);
    if (rc) {
        /* not ours to send (already answered, or headers failed): give back every reference
         * but the response's, which sd__http_set_reply already dropped */
        pthread_mutex_lock(&req->lock);
        int mine = req->stream == st;
        if (mine)
            req->stream = NULL;
        pthread_mutex_unlock(&req->lock);
        if (mine)
            sd__http_stream_detach(st);
        else
            unlink_stream(st);
        stream_release(st);
        return rc;
    }
    *out = st;
    return 0;
}

int sd_http_stream_write(sd_http_stream_t *st, const void *data, size_t len)
{
    if (!st)
        return SD_EINVAL;
    pthread_mutex_lock(&st->lock);
    int rc = 0;
    if (!st->attached || st->ended || st->overflow) {
        rc = SD_ECLOSED;
    } else if (st->len - st->off + len > st->max) {
        st->overflow = 1;
        free(st->buf);
        st->buf = NULL;
        st->off = st->len = st->cap = 0;
        wake(st); /* so the reader cuts the connection now */
        rc = SD_ETOOBIG;
    } else {
        if (st->len + len > st->cap) {
            if (st->off) { /* reuse the consumed front before growing */
                memmove(st->buf, st->buf + st->off, st->len - st->off);
                st->len -= st->off;
                st->off = 0;
            }
            if (st->len + len > st->cap) {
                size_t cap = st->cap ? st->cap : 4096;
                while (cap < st->len + len)
                    cap *= 2;
                char *nb = realloc(st->buf, cap);
                if (!nb) {
                    pthread_mutex_unlock(&st->lock);
                    return SD_ENOMEM;
                }
                st->buf = nb;
                st->cap = cap;
            }
        }
        memcpy(st->buf + st->len, data, len);
        st->len += len;
        wake(st);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int sd_http_stream_is_open(sd_http_stream_t *st)
{
    pthread_mutex_lock(&st->lock);
    int open = st->attached && !st->ended && !st->overflow;
    pthread_mutex_unlock(&st->lock);
    return open;
}

size_t sd_http_stream_pending(sd_http_stream_t *st)
{
    pthread_mutex_lock(&st->lock);
    size_t n = st->len - st->off;
    pthread_mutex_unlock(&st->lock);
    return n;
}

void sd_http_stream_close(sd_http_stream_t *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    st->ended = 1;
    wake(st);
    pthread_mutex_unlock(&st->lock);
    stream_release(st);
}
