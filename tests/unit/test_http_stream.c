/* test_http_stream.c - streamed replies of lib/http against a real server, read with libcurl and
 * with a raw socket that never reads (the slow consumer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http.h"

static sd_http_server_t *g_srv;
static int g_port;

/* the stream the handler made, handed to the test thread */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static sd_http_stream_t *g_stream;
static size_t g_max_buffered;

static void h_stream(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_header(req, "X-Accel-Buffering", "no");
    sd_http_stream_t *st = NULL;
    int rc = sd_http_reply_stream(req, 200, "text/event-stream", g_max_buffered, &st);
    assert_int_equal(rc, 0);
    /* a second reply is refused */
    assert_int_equal(sd_http_reply_text(req, 200, "no"), SD_EINVAL);
    assert_int_equal(sd_http_stream_write(st, ": hello\n\n", 9), 0);
    pthread_mutex_lock(&g_mu);
    g_stream = st;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static sd_http_stream_t *wait_stream(void)
{
    pthread_mutex_lock(&g_mu);
    while (!g_stream)
        pthread_cond_wait(&g_cv, &g_mu);
    sd_http_stream_t *st = g_stream;
    g_stream = NULL;
    pthread_mutex_unlock(&g_mu);
    return st;
}

static int setup(void **state)
{
    (void)state;
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 2;
    cfg.grace_ms = 5000;
    g_max_buffered = 0;
    assert_int_equal(sd_http_server_new(&cfg, &g_srv), 0);
    assert_int_equal(sd_http_route(g_srv, "GET", "/events", h_stream, NULL, NULL), 0);
    assert_int_equal(sd_http_server_start(g_srv), 0);
    g_port = sd_http_server_port(g_srv);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sd_http_server_free(g_srv);
    g_srv = NULL;
    return 0;
}

/* ---- a curl reader on its own thread ------------------------------------------------------ */

typedef struct {
    pthread_mutex_t mu;
    sd_buf_t body;
    long status;
    int rc;
    int done;
    size_t abort_after; /* > 0: hang up once this many bytes arrived */
    char ctype[64];
} reader_t;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    reader_t *r = ud;
    pthread_mutex_lock(&r->mu);
    sd_buf_append(&r->body, p, sz * n);
    size_t have = r->body.len;
    pthread_mutex_unlock(&r->mu);
    return r->abort_after && have >= r->abort_after ? 0 : sz * n;
}

static void *reader_thread(void *arg)
{
    reader_t *r = arg;
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", g_port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    r->rc = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(r->ctype, sizeof r->ctype, "%s", ct ? ct : "");
    curl_easy_cleanup(c);
    pthread_mutex_lock(&r->mu);
    r->done = 1;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void reader_start(reader_t *r, pthread_t *t)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_create(t, NULL, reader_thread, r);
}

static int contains(const char *h, size_t hl, const char *n)
{
    size_t nl = strlen(n);
    for (size_t i = 0; h && i + nl <= hl; i++)
        if (!memcmp(h + i, n, nl))
            return 1;
    return 0;
}

/* Wait up to ms for the body to contain s. */
static int body_has(reader_t *r, const char *s, int ms)
{
    for (int i = 0; i < ms / 5; i++) {
        pthread_mutex_lock(&r->mu);
        int ok = contains(r->body.data, r->body.len, s);
        pthread_mutex_unlock(&r->mu);
        if (ok)
            return 1;
        usleep(5000);
    }
    return 0;
}

static int64_t cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes from another thread arrive in order, promptly, and an idle stream costs no CPU. */
static void test_write_and_close(void **state)
{
    (void)state;
    reader_t r;
    pthread_t t;
    reader_start(&r, &t);
    sd_http_stream_t *st = wait_stream();
    assert_true(body_has(&r, ": hello\n\n", 2000));
    assert_int_equal(sd_http_stream_is_open(st), 1);

    /* idle: the connection is suspended, nothing spins (the client's thread included) */
    int64_t c0 = cpu_us();
    usleep(500000);
    int64_t idle = cpu_us() - c0;
    print_message("cpu while idle for 500 ms: %lld us\n", (long long)idle);
    assert_true(idle < 50000);

    char ev[64];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(ev, sizeof ev, "id: %d\ndata: {\"n\":%d}\n\n", i, i);
        assert_int_equal(sd_http_stream_write(st, ev, (size_t)n), 0);
        if (i % 10 == 0)
            usleep(2000);
    }
    int64_t t0 = mono_ms();
    assert_true(body_has(&r, "id: 99\ndata: {\"n\":99}\n\n", 2000));
    print_message("100 events delivered within %lld ms of the last write\n",
                  (long long)(mono_ms() - t0));
    /* in order */
    pthread_mutex_lock(&r.mu);
    const char *p = r.body.data;
    for (int i = 0; i < 100; i++) {
        snprintf(ev, sizeof ev, "id: %d\n", i);
        const char *q = strstr(p, ev);
        assert_non_null(q);
        p = q;
    }
    pthread_mutex_unlock(&r.mu);

    /* the owner ends the body: the client sees a complete response */
    sd_http_stream_close(st);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/event-stream");
    sd_buf_free(&r.body);
}

/* A client that hangs up is noticed at the next write (the flag, then SD_ECLOSED). */
static void test_client_gone(void **state)
{
    (void)state;
    reader_t r;
    pthread_t t;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.mu, NULL);
    r.abort_after = 9; /* hang up after ": hello\n\n" */
    pthread_create(&t, NULL, reader_thread, &r);
    sd_http_stream_t *st = wait_stream();
    pthread_join(t, NULL);
    assert_int_equal(r.rc, CURLE_WRITE_ERROR);
    int rc = 0;
    int64_t t0 = mono_ms();
    while (rc == 0 && mono_ms() - t0 < 3000) {
        rc = sd_http_stream_write(st, ": ping\n\n", 8);
        usleep(20000);
    }
    assert_int_equal(rc, SD_ECLOSED);
    assert_int_equal(sd_http_stream_is_open(st), 0);
    sd_http_stream_close(st);
    sd_buf_free(&r.body);
}

/* A client that never reads: the buffer stays bounded and the client is cut off. */
static void test_slow_consumer(void **state)
{
    (void)state;
    g_max_buffered = 64 * 1024;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char rq[] = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, rq, sizeof rq - 1), (ssize_t)(sizeof rq - 1));
    sd_http_stream_t *st = wait_stream();
    char chunk[1024];
    memset(chunk, 'x', sizeof chunk);
    int rc = 0;
    size_t written = 0;
    while ((rc = sd_http_stream_write(st, chunk, sizeof chunk)) == 0 && written < (64u << 20))
        written += sizeof chunk;
    print_message("slow consumer cut off after %zu bytes written\n", written);
    assert_int_equal(rc, SD_ETOOBIG);
    assert_true(written < (16u << 20)); /* socket buffers + our 64 KiB, not unbounded */
    assert_true(sd_http_stream_pending(st) == 0);
    assert_int_equal(sd_http_stream_write(st, "x", 1), SD_ECLOSED);
    assert_int_equal(sd_http_stream_is_open(st), 0);
    sd_http_stream_close(st);
    close(fd);
}

/* Server stop ends open streams at once instead of waiting out the grace time. */
static void test_stop_ends_streams(void **state)
{
    (void)state;
    reader_t r;
    pthread_t t;
    reader_start(&r, &t);
    sd_http_stream_t *st = wait_stream();
    assert_true(body_has(&r, ": hello", 2000));
    assert_int_equal(sd_http_stream_write(st, "data: last\n\n", 12), 0);
    int64_t t0 = mono_ms();
    assert_int_equal(sd_http_server_stop(g_srv), 0);
    int64_t took = mono_ms() - t0;
    print_message("stop with an open stream took %lld ms (grace 5000)\n", (long long)took);
    assert_true(took < 2000);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, CURLE_OK);
    assert_true(body_has(&r, "data: last\n\n", 10));
    assert_int_equal(sd_http_stream_write(st, "x", 1), SD_ECLOSED);
    sd_http_stream_close(st);
    sd_buf_free(&r.body);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    sd_log_set_level(SD_LOG_WARN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_consumer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_ends_streams, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
