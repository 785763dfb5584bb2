/* test_http_filter.c - lib/http's body and reply filters against a real server: a body replaced
 * before the handler, a request stopped by the filter, 2xx bodies rewritten (also when answered
 * from another thread), errors and streamed bodies left alone, filter state freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/err.h"
#include "http/http.h"

static sd_http_server_t *srv;
static int port;
static atomic_int states_freed;

typedef struct {
    long status;
    sd_buf_t body;
    char ctype[128];
} resp_t;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    sd_buf_append(&r->body, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t len = sz * n;
    if (len > 14 && !strncasecmp(p, "Content-Type: ", 14)) {
        size_t v = len - 14;
        while (v && (p[14 + v - 1] == '\r' || p[14 + v - 1] == '\n'))
            v--;
        snprintf(r->ctype, sizeof r->ctype, "%.*s", (int)v, p + 14);
    }
    return len;
}

static long req(const char *method, const char *path, const char *hdr, const char *body, resp_t *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *sl = hdr ? curl_slist_append(NULL, hdr) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(sl);
    curl_easy_cleanup(c);
    sd_buf_append(&r->body, "", 1);
    return r->status;
}

/* ---- handlers ------------------------------------------------------------------------------ */

static void h_echo(sd_http_req_t *req_, void *ctx)
{
    size_t n = 0;
    const char *b = sd_http_req_body(req_, &n);
    assert_int_equal(b[n], '\0'); /* a replaced body is NUL-terminated too */
    sd_http_reply_bytes(req_, 200, "text/plain", b, n);
}

static void h_err(sd_http_req_t *req_, void *ctx)
{
    sd_http_reply_error(req_, SD_ENOTFOUND, NULL, "nothing here");
}

static void *later(void *arg)
{
    sd_http_reply_text(arg, 200, "late");
    return NULL;
}

static void h_deferred(sd_http_req_t *req_, void *ctx)
{
    pthread_t t;
    sd_http_req_defer(req_);
    pthread_create(&t, NULL, later, req_);
    pthread_detach(t);
}

static size_t streamed;
static int up_body(sd_http_req_t *req_, const void *data, size_t len, void *ctx)
{
    streamed += len;
    return 0;
}

static void h_upload(sd_http_req_t *req_, void *ctx)
{
    char t[32];
    snprintf(t, sizeof t, "%zu", streamed);
    sd_http_reply_text(req_, 200, t);
}

/* ---- the filters: "ROT:" bodies are unwrapped, X-Wrap answers are wrapped ---------------- */

static void state_free(void *p)
{
    free(p);
    atomic_fetch_add(&states_freed, 1);
}

static int f_body(sd_http_req_t *req_, void *ctx)
{
    assert_ptr_equal(ctx, &port);
    if (sd_http_req_header(req_, "X-Refuse"))
        return SD_EPROTECTION;
    if (sd_http_req_header(req_, "X-Reply")) {
        sd_http_reply_error(req_, SD_ESIGNER, NULL, "replied by the filter");
        return SD_ESIGNER;
    }
    size_t n = 0;
    const char *b = sd_http_req_body(req_, &n);
    if (n >= 4 && !memcmp(b, "ROT:", 4)) {
        sd_buf_t nb = {0};
        sd_buf_append(&nb, "plain:", 6);
        sd_buf_append(&nb, b + 4, n - 4);
        assert_int_equal(sd_http_req_set_body(req_, &nb), 0);
        assert_null(nb.data);
    }
    const char *w = sd_http_req_header(req_, "X-Wrap");
    if (w)
        sd_http_req_set_filter_state(req_, strdup(w), state_free);
    return 0;
}

static int f_reply(sd_http_req_t *req_, int status, sd_buf_t *body, char ctype[128], void *ctx)
{
    const char *w = sd_http_req_filter_state(req_);
    if (!w)
        return 0;
    if (!strcmp(w, "fail"))
        return SD_EDECRYPT;
    sd_buf_t nb = {0};
    sd_buf_printf(&nb, "%s(%.*s)", w, (int)body->len, body->data);
    sd_buf_free(body);
    *body = nb;
    snprintf(ctype, 128, "application/x-wrapped; status=%d", status);
    return 0;
}

static int setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 2;
    cfg.access_log = NULL;
    if (sd_http_server_new(&cfg, &srv))
        return -1;
    static const sd_http_route_opts_t stream = {.max_body = SIZE_MAX, .on_body = up_body};
    sd_http_route(srv, "POST", "/echo", h_echo, NULL, NULL);
    sd_http_route(srv, "GET", "/err", h_err, NULL, NULL);
    sd_http_route(srv, "GET", "/deferred", h_deferred, NULL, NULL);
    sd_http_route(srv, "PUT", "/upload", h_upload, NULL, &stream);
    sd_http_filter_t f = {.on_body = f_body, .on_reply = f_reply, .ctx = &port};
    sd_http_server_set_filter(srv, &f);
    if (sd_http_server_start(srv))
        return -1;
    port = sd_http_server_port(srv);
    return 0;
}

static int teardown(void **state)
{
    sd_http_server_free(srv);
    curl_global_cleanup();
    return 0;
}

static void resp_free(resp_t *r)
{
    sd_buf_free(&r->body);
}

static void test_body_replaced(void **state)
{
    resp_t r;
    assert_int_equal(req("POST", "/echo", NULL, "ROT:hello", &r), 200);
    assert_string_equal(r.body.data, "plain:hello");
    assert_string_equal(r.ctype, "text/plain");
    resp_free(&r);
    assert_int_equal(req("POST", "/echo", NULL, "as is", &r), 200);
    assert_string_equal(r.body.data, "as is");
    resp_free(&r);
}

static void test_request_stopped(void **state)
{
    resp_t r;
    assert_int_equal(req("POST", "/echo", "X-Refuse: 1", "ROT:x", &r), 415);
    assert_non_null(strstr(r.body.data, "\"protection_required\""));
    resp_free(&r);
    assert_int_equal(req("POST", "/echo", "X-Reply: 1", "x", &r), 403);
    assert_non_null(strstr(r.body.data, "replied by the filter"));
    resp_free(&r);
}

static void test_reply_rewritten(void **state)
{
    resp_t r;
    int before = atomic_load(&states_freed);
    assert_int_equal(req("POST", "/echo", "X-Wrap: W", "ROT:abc", &r), 200);
    assert_string_equal(r.body.data, "W(plain:abc)");
    assert_string_equal(r.ctype, "application/x-wrapped; status=200");
    resp_free(&r);
    /* answered from another thread */
    assert_int_equal(req("GET", "/deferred", "X-Wrap: D", NULL, &r), 200);
    assert_string_equal(r.body.data, "D(late)");
    resp_free(&r);
    /* errors are never rewritten */
    assert_int_equal(req("GET", "/err", "X-Wrap: W", NULL, &r), 404);
    assert_non_null(strstr(r.body.data, "nothing here"));
    assert_string_equal(r.ctype, "application/json");
    resp_free(&r);
    /* a failing reply filter turns the answer into its error, without the body */
    assert_int_equal(req("POST", "/echo", "X-Wrap: fail", "secret", &r), 400);
    assert_non_null(strstr(r.body.data, "not_decryptable"));
    assert_null(strstr(r.body.data, "secret"));
    resp_free(&r);
    /* freed when each request ends, which may be a moment after the client has its answer */
    for (int i = 0; i < 200 && atomic_load(&states_freed) - before < 4; i++)
        usleep(5000);
    assert_int_equal(atomic_load(&states_freed) - before, 4);
}

static void test_streamed_untouched(void **state)
{
    resp_t r;
    streamed = 0;
    assert_int_equal(req("PUT", "/upload", "X-Refuse: 1", "ROT:0123456789", &r), 200);
    assert_string_equal(r.body.data, "14");
    resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_replaced),
        cmocka_unit_test(test_request_stopped),
        cmocka_unit_test(test_reply_rewritten),
        cmocka_unit_test(test_streamed_untouched),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
