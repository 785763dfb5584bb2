/* test_http.c - lib/http against a real server on 127.0.0.1:0, spoken to with libcurl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "http/http.h"

/* ---- client side -------------------------------------------------------------------------- */

typedef struct {
    long status;
    sd_buf_t body;
    sd_buf_t headers;
    char hval[512];
} resp_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    return sd_buf_append(&((resp_t *)ud)->body, p, sz * n) ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    resp_t *r = ud;
    /* keep only the last response's headers (a 100 Continue comes first) */
    if (sz * n > 5 && !strncmp(p, "HTTP/", 5))
        sd_buf_reset(&r->headers);
    return sd_buf_append(&r->headers, p, sz * n) ? 0 : sz * n;
}

static void resp_free(resp_t *r)
{
    sd_buf_free(&r->body);
    sd_buf_free(&r->headers);
    memset(r, 0, sizeof *r);
}

/* Value of a response header (case-insensitive name), or NULL. Valid until the next call. */
static const char *hdr(resp_t *r, const char *name)
{
    size_t nl = strlen(name);
    for (const char *l = r->headers.data; l && *l;) {
        const char *e = strstr(l, "\r\n");
        if (!e)
            break;
        if ((size_t)(e - l) > nl && !strncasecmp(l, name, nl) && l[nl] == ':') {
            const char *v = l + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(r->hval, sizeof r->hval, "%.*s", (int)(e - v), v);
            return r->hval;
        }
        l = e + 2;
    }
    return NULL;
}

/* With SUIDO_FUZZ_SEEDS=<corpus dir>, every request target becomes a fuzz seed (h2o's habit). */
static void record_seed(const char *method, const char *target)
{
    const char *dir = getenv("SUIDO_FUZZ_SEEDS");
    if (!dir)
        return;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = target; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    char path[512];
    const char *q = strchr(target, '?');
    snprintf(path, sizeof path, "%s/http_route/t_%016llx", dir, (unsigned long long)h);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s %.*s", method, (int)(q ? q - target : (long)strlen(target)), target);
        fclose(f);
    }
    if (q && q[1]) {
        snprintf(path, sizeof path, "%s/http_query/t_%016llx", dir, (unsigned long long)h);
        if ((f = fopen(path, "w"))) {
            fputs(q + 1, f);
            fclose(f);
        }
    }
}

static int g_port;
static const char *g_scheme = "http";
static const char *g_cafile;

/* One request on handle c (NULL = a fresh handle). Returns the CURLcode. */
static int req_on(CURL *c, const char *method, const char *target, const char *body, size_t blen,
                  const char *const *headers, resp_t *r)
{
    memset(r, 0, sizeof *r);
    int own = !c;
    if (own)
        c = curl_easy_init();
    char url[2048];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d%s", g_scheme, g_port, target);
    record_seed(method, target);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_NOBODY, !strcmp(method, "HEAD") ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "HEAD") ? method : NULL);
    if (!strcmp(method, "GET"))
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L); /* resets NOBODY: only for GET */
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    }
    if (g_cafile)
        curl_easy_setopt(c, CURLOPT_CAINFO, g_cafile);
    struct curl_slist *sl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        sl = curl_slist_append(sl, headers[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(sl);
    if (own)
        curl_easy_cleanup(c);
    if (!r->body.data)
        sd_buf_append_str(&r->body, "");
    return (int)rc;
}

static long get(const char *target, resp_t *r)
{
    assert_int_equal(req_on(NULL, "GET", target, NULL, 0, NULL, r), CURLE_OK);
    return r->status;
}

/* The body parsed as JSON (caller decrefs). */
static json_t *body_json(resp_t *r)
{
    json_t *v = NULL;
    if (sd_json_parse(r->body.data, r->body.len, &v, NULL))
        fail_msg("not JSON: %s", r->body.data);
    return v;
}

/* The error shape: exactly {"error":{"code","message"[,"field"]}}. */
static void expect_error(resp_t *r, long status, const char *code, const char *field)
{
    if (r->status != status)
        fail_msg("status %ld, wanted %ld: %s", r->status, status, r->body.data);
    json_t *v = body_json(r);
    assert_int_equal(json_object_size(v), 1);
    json_t *e = json_object_get(v, "error");
    assert_true(json_is_object(e));
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    assert_true(json_is_string(json_object_get(e, "message")));
    if (field)
        assert_string_equal(json_string_value(json_object_get(e, "field")), field);
    else
        assert_null(json_object_get(e, "field"));
    assert_int_equal(json_object_size(e), field ? 3 : 2);
    json_decref(v);
    assert_non_null(hdr(r, "Content-Type"));
    assert_string_equal(hdr(r, "Content-Type"), "application/json");
}

/* ---- access log capture ------------------------------------------------------------------- */

#define NLOG 256
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n;
    struct {
        char method[16], path[256], id[17], ip[64];
        int status, completed;
        uint64_t bytes;
        int64_t ms;
    } rec[NLOG];
} g_log = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void on_access_log(const sd_http_access_t *a, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&g_log.mu);
    size_t i = g_log.n++ % NLOG;
    snprintf(g_log.rec[i].method, sizeof g_log.rec[i].method, "%s", a->method);
    snprintf(g_log.rec[i].path, sizeof g_log.rec[i].path, "%s", a->path);
    snprintf(g_log.rec[i].id, sizeof g_log.rec[i].id, "%s", a->request_id);
    snprintf(g_log.rec[i].ip, sizeof g_log.rec[i].ip, "%s", a->client_ip);
    g_log.rec[i].status = a->status;
    g_log.rec[i].bytes = a->bytes;
    g_log.rec[i].ms = a->duration_ms;
    g_log.rec[i].completed = a->completed;
    pthread_cond_broadcast(&g_log.cv);
    pthread_mutex_unlock(&g_log.mu);
}

/* Wait (up to 5 s) for the access record of request id; index into g_log.rec or -1. */
static int log_find(const char *id)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 5;
    pthread_mutex_lock(&g_log.mu);
    for (;;) {
        for (size_t k = 0; k < NLOG && k < g_log.n; k++)
            if (!strcmp(g_log.rec[k].id, id)) {
                pthread_mutex_unlock(&g_log.mu);
                return (int)k;
            }
        if (pthread_cond_timedwait(&g_log.cv, &g_log.mu, &dl) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&g_log.mu);
    return -1;
}

/* ---- a gate a handler blocks on until the test opens it ----------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered;
    int open;
} gate_t;

static gate_t g_gate;

static void gate_reset(gate_t *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->entered = g->open = 0;
}

static void gate_enter_and_wait(gate_t *g)
{
    pthread_mutex_lock(&g->mu);
    g->entered++;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_wait_entered(gate_t *g, int n)
{
    pthread_mutex_lock(&g->mu);
    while (g->entered < n)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_open(gate_t *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* ---- handlers ----------------------------------------------------------------------------- */

#define R_PRIVATE SD_HTTP_R_USER(0)

static void h_values(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    json_t *tags = json_array();
    const char *t;
    for (size_t i = 0; (t = sd_http_query_get_nth(sd_http_req_query_all(req), "tag", i)); i++)
        json_array_append_new(tags, json_string(t));
    const char *from = sd_http_req_query(req, "from");
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:s, s:s?, s:o, s:s, s:s, s:s}", "id",
                                    sd_http_req_param(req, "id"), "from", from, "tags", tags,
                                    "pattern", sd_http_req_route_pattern(req), "ip",
                                    sd_http_req_client_ip(req), "method", sd_http_req_method(req)));
}

static void h_point(sd_http_req_t *req, void *ctx)
{
    sd_http_reply_json(
        req, 200,
        sd_json_pack("{s:s, s:s}", "which", (const char *)ctx, "id",
                     sd_http_req_param(req, "id") ? sd_http_req_param(req, "id") : ""));
}

static void h_delete(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_empty(req, 204);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    json_t *body;
    sd_json_err_t e;
    int rc = sd_http_req_json(req, &body, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    const char *name = NULL;
    int64_t level = 0;
    sd_json_field_t f[] = {
        {"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 32},
        {"level", SD_JSON_INT, 0, &level, 0, 100},
    };
    rc = sd_json_fields(body, f, 2, SD_JSON_STRICT, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
    } else {
        sd_http_reply_header(req, "Location", "/apif/v1/points/1");
        sd_http_reply_json(req, 201,
                           sd_json_pack("{s:s, s:I}", "name", name, "level", (json_int_t)level));
    }
    json_decref(body);
}

static void h_echo_len(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    size_t n;
    sd_http_req_body(req, &n);
    sd_http_reply_json(req, 200, sd_json_pack("{s:I}", "len", (json_int_t)n));
}

static void h_rest(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_text(req, 200, sd_http_req_param(req, "rest"));
}

/* Streaming upload: counts and hashes chunks, never keeps them. */
typedef struct {
    uint64_t bytes;
    uint64_t hash;
    size_t max_chunk;
    size_t chunks;
} upload_t;

static int up_body(sd_http_req_t *req, const void *data, size_t len, void *ctx)
{
    (void)ctx;
    upload_t *u = sd_http_req_data(req);
    if (!u) {
        if (!strcmp(sd_http_req_param(req, "name"), "forbidden"))
            return SD_EFORBIDDEN;
        u = calloc(1, sizeof *u);
        u->hash = 1469598103934665603ull;
        sd_http_req_set_data(req, u, free);
    }
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        u->hash = (u->hash ^ p[i]) * 1099511628211ull;
    u->bytes += len;
    u->chunks++;
    if (len > u->max_chunk)
        u->max_chunk = len;
    return 0;
}

static void h_upload(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    upload_t *u = sd_http_req_data(req);
    size_t blen;
    sd_http_req_body(req, &blen);
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", u ? (unsigned long long)u->hash : 0ull);
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I, s:s, s:I, s:I, s:I}", "bytes",
                                    (json_int_t)(u ? u->bytes : 0), "hash", hash, "max_chunk",
                                    (json_int_t)(u ? u->max_chunk : 0), "chunks",
                                    (json_int_t)(u ? u->chunks : 0), "buffered", (json_int_t)blen));
}

static void h_whoami(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    const char *user = sd_http_req_user(req);
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:s?, s:s?, s:s?, s:s?, s:b}", "user", user, "bearer",
                                    sd_http_req_bearer(req), "sid", sd_http_req_cookie(req, "sid"),
                                    "agent", sd_http_req_header(req, "x-test-agent"), "tls",
                                    sd_http_req_is_tls(req)));
}

static int g_second_reply_rc;

static void h_text(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    assert_int_equal(sd_http_reply_header(req, "X-Custom", "yes"), 0);
    assert_int_equal(sd_http_reply_header(req, "Cache-Control", "max-age=60"), 0);
    assert_int_equal(sd_http_reply_header(req, "Bad Name", "x"), SD_EINVAL);
    assert_int_equal(sd_http_reply_header(req, "X-Inject", "a\r\nSet-Cookie: x=1"), SD_EINVAL);
    sd_http_reply_text(req, 200, "hello");
    g_second_reply_rc = sd_http_reply_text(req, 200, "again");
}

static void h_redirect(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_redirect(req, 303, "/apif/v1/points/1");
}

static void h_noreply(sd_http_req_t *req, void *ctx)
{
    (void)req;
    (void)ctx;
}

static void h_error(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_error(req, SD_ECONFLICT, "version", "version %d is stale", 3);
}

static void h_slow(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    gate_enter_and_wait(&g_gate);
    sd_http_reply_text(req, 200, "slow but done");
}

/* A pulled body: READER_SIZE bytes made as they are asked for; ?fail=N breaks off at byte N. */
#define READER_SIZE ((uint64_t)5 * 1024 * 1024 + 7)
static atomic_int g_reader_frees, g_reader_second_rc;

static unsigned char reader_byte(uint64_t i)
{
    return (unsigned char)(i * 31 + 7);
}

static int reader_read(void *ctx, uint64_t pos, char *buf, size_t max, size_t *got)
{
    uint64_t fail = *(uint64_t *)ctx;
    size_t n = max < READER_SIZE - pos ? max : (size_t)(READER_SIZE - pos);
    if (pos + n > fail) {
        if (pos >= fail)
            return SD_EIO;
        n = (size_t)(fail - pos);
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)reader_byte(pos + i);
    *got = n;
    return 0;
}

static void reader_free(void *ctx)
{
    free(ctx);
    g_reader_frees++;
}

static void h_reader(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    uint64_t *fail = malloc(sizeof *fail);
    const char *f = sd_http_req_query(req, "fail");
    *fail = f ? strtoull(f, NULL, 10) : UINT64_MAX;
    sd_http_reply_reader(req, 200, "application/octet-stream", READER_SIZE, "abc123", reader_read,
                         reader_free, fail);
    /* a second reply is refused, and its reader freed all the same */
    g_reader_second_rc = sd_http_reply_reader(req, 200, "text/plain", 1, NULL, reader_read,
                                              reader_free, calloc(1, sizeof(uint64_t)));
}

/* Deferred: the handler returns at once; a thread answers when the gate opens. */
static atomic_int g_late_rc;

static void *deferred_worker(void *arg)
{
    sd_http_req_t *req = arg;
    gate_enter_and_wait(&g_gate);
    g_late_rc = sd_http_reply_json(req, 200, sd_json_pack("{s:s}", "late", "yes"));
    return NULL;
}

static void h_deferred(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    pthread_t t;
    sd_http_req_defer(req);
    pthread_create(&t, NULL, deferred_worker, req);
    pthread_detach(t);
}

static void free_user(void *p)
{
    free(p);
}

static int before_hook(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    const char *tok = sd_http_req_bearer(req);
    if (tok && !strcmp(tok, "secret-token"))
        sd_http_req_set_user(req, strdup("alice"), free_user);
    if ((sd_http_req_route_flags(req) & R_PRIVATE) && !sd_http_req_user(req))
        return SD_EUNAUTH;
    return 0;
}

/* ---- fixture ------------------------------------------------------------------------------ */

static char g_tmp[256];
static char g_web[300];

static void write_file(const char *dir, const char *name, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void make_tree(void)
{
    snprintf(g_tmp, sizeof g_tmp, "/tmp/sd_http_test_XXXXXX");
    assert_non_null(mkdtemp(g_tmp));
    char p[512];
    snprintf(g_web, sizeof g_web, "%s/web", g_tmp);
    mkdir(g_web, 0755);
    snprintf(p, sizeof p, "%s/outside", g_tmp);
    mkdir(p, 0755);
    write_file(p, "secret.txt", "TOP SECRET");
    snprintf(p, sizeof p, "%s/sub", g_web);
    mkdir(p, 0755);
    write_file(p, "index.html", "<p>sub index</p>");
    snprintf(p, sizeof p, "%s/.git", g_web);
    mkdir(p, 0755);
    write_file(p, "config", "[core] hidden");
    write_file(g_web, "index.html", "<!doctype html><title>portal</title>");
    write_file(g_web, "app.js", "console.log(1)");
    write_file(g_web, "style.css", "body{}");
    write_file(g_web, "data.json", "{\"a\":1}");
    write_file(g_web, "logo.svg", "<svg/>");
    write_file(g_web, "img.png", "\x89PNG");
    write_file(g_web, "font.woff2", "wOF2");
    write_file(g_web, "api.yaml", "openapi: 3.0.0");
    write_file(g_web, ".env", "PASSWORD=x");
    char t[512];
    snprintf(p, sizeof p, "%s/link", g_web);
    snprintf(t, sizeof t, "%s/outside", g_tmp);
    assert_int_equal(symlink(t, p), 0);
    snprintf(p, sizeof p, "%s/evil.txt", g_web);
    assert_int_equal(symlink("../outside/secret.txt", p), 0);
    snprintf(p, sizeof p, "%s/inner.html", g_web);
    assert_int_equal(symlink("index.html", p), 0);
    snprintf(p, sizeof p, "%s/tohidden", g_web);
    assert_int_equal(symlink(".git", p), 0);
}

static sd_http_server_t *g_srv;

static sd_http_server_t *start_server(sd_http_config_t *cfg)
{
    sd_http_server_t *s;
    cfg->listen = "127.0.0.1:0";
    cfg->access_log = on_access_log;
    assert_int_equal(sd_http_server_new(cfg, &s), 0);
    sd_http_server_set_before(s, before_hook, NULL);
    sd_http_route_opts_t big = {.max_body = 64u << 20, .on_body = up_body};
    sd_http_route_opts_t small = {.max_body = 1000, .on_body = up_body};
    sd_http_route_opts_t priv = {.flags = R_PRIVATE};
    assert_int_equal(sd_http_route(s, "GET", "/apif/v1/points/{id}/values", h_values, NULL, NULL),
                     0);
    assert_int_equal(sd_http_route(s, "GET", "/apif/v1/points/{id}", h_point, "param", NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/apif/v1/points/search", h_point, "literal", NULL),
                     0);
    assert_int_equal(sd_http_route(s, "DELETE", "/apif/v1/points/{id}", h_delete, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "POST", "/apif/v1/points", h_create, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "POST", "/echo", h_echo_len, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/files/{rest*}", h_rest, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "PUT", "/upload/{name}", h_upload, NULL, &big), 0);
    assert_int_equal(sd_http_route(s, "PUT", "/upload-small/{name}", h_upload, NULL, &small), 0);
    assert_int_equal(sd_http_route(s, "GET", "/whoami", h_whoami, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/private", h_whoami, NULL, &priv), 0);
    assert_int_equal(sd_http_route(s, "GET", "/text", h_text, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/redirect", h_redirect, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/noreply", h_noreply, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/conflict", h_error, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/slow", h_slow, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/deferred", h_deferred, NULL, NULL), 0);
    assert_int_equal(sd_http_route(s, "GET", "/reader", h_reader, NULL, NULL), 0);
    assert_int_equal(sd_http_static(s, "/static/", g_web, 0), 0);
    /* registration errors */
    assert_int_equal(sd_http_route(s, "GET", "/apif/v1/points/{other}", h_point, NULL, NULL),
                     SD_EEXIST);
    assert_int_equal(sd_http_route(s, "get", "/x", h_point, NULL, NULL), SD_EINVAL);
    assert_int_equal(sd_http_static(s, "/nodir/", "/nonexistent/dir", 0), SD_ENOTFOUND);
    assert_int_equal(sd_http_static(s, "/noslash", g_web, 0), SD_EINVAL);
    assert_int_equal(sd_http_server_start(s), 0);
    g_port = sd_http_server_port(s);
    assert_true(g_port > 0);
    assert_int_equal(sd_http_route(s, "GET", "/late", h_point, NULL, NULL), SD_EINVAL);
    return s;
}

static int setup(void **state)
{
    (void)state;
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.threads = 2;
    gate_reset(&g_gate);
    g_srv = start_server(&cfg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sd_http_server_free(g_srv);
    g_srv = NULL;
    return 0;
}

/* ---- tests: pure parts -------------------------------------------------------------------- */

static void test_query_parse(void **state)
{
    (void)state;
    sd_http_query_t q;
    size_t off;
    const char *s = "a=1&b=x%20y&c=p+q&a=2&&flag&e=&u=%E6%B5%84%e6%b0%b4";
    assert_int_equal(sd_http_query_parse(s, strlen(s), &q, &off), 0);
    assert_int_equal(q.n, 7);
    assert_string_equal(sd_http_query_get(&q, "a"), "1");
    assert_string_equal(sd_http_query_get_nth(&q, "a", 1), "2");
    assert_null(sd_http_query_get_nth(&q, "a", 2));
    assert_int_equal(sd_http_query_count(&q, "a"), 2);
    assert_string_equal(sd_http_query_get(&q, "b"), "x y");
    assert_string_equal(sd_http_query_get(&q, "c"), "p q");
    assert_string_equal(sd_http_query_get(&q, "flag"), "");
    assert_string_equal(sd_http_query_get(&q, "e"), "");
    assert_string_equal(sd_http_query_get(&q, "u"), "浄水");
    assert_null(sd_http_query_get(&q, "zz"));
    sd_http_query_free(&q);
    sd_http_query_free(&q); /* idempotent */

    /* a decoded '+' and '&' and '=' stay data */
    s = "k%2Bx=%26%3D%2B";
    assert_int_equal(sd_http_query_parse(s, strlen(s), &q, NULL), 0);
    assert_string_equal(sd_http_query_get(&q, "k+x"), "&=+");
    sd_http_query_free(&q);

    assert_int_equal(sd_http_query_parse("", 0, &q, NULL), 0);
    assert_int_equal(q.n, 0);
    assert_null(sd_http_query_get(&q, "a"));

    struct {
        const char *in;
        int rc;
        size_t off;
    } bad[] = {
        {"a=%zz", SD_ESYNTAX, 2},       {"a=1&b=%4", SD_ESYNTAX, 6}, {"a=%", SD_ESYNTAX, 2},
        {"=x", SD_ESYNTAX, 0},          {"a=1&=", SD_ESYNTAX, 4},    {"a=%00", SD_EENCODING, 2},
        {"a=%ff", SD_EENCODING, 2},     {"a=%C3", SD_EENCODING, 5},  {"a=%C0%AF", SD_EENCODING, 2},
        {"x%e2%82=1", SD_EENCODING, 7},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        off = 999;
        int rc = sd_http_query_parse(bad[i].in, strlen(bad[i].in), &q, &off);
        if (rc != bad[i].rc || off != bad[i].off)
            fail_msg("%s: rc %d off %zu", bad[i].in, rc, off);
        assert_int_equal(q.n, 0);
        assert_null(q.kv);
    }
    /* too many pairs */
    sd_buf_t b = {0};
    for (int i = 0; i <= SD_HTTP_MAX_QUERY_PARAMS; i++)
        sd_buf_printf(&b, "k%d=v&", i);
    assert_int_equal(sd_http_query_parse(b.data, b.len, &q, &off), SD_ETOOBIG);
    sd_buf_free(&b);
}

static void test_path_parse(void **state)
{
    (void)state;
    sd_http_path_t p;
    size_t off;
    assert_int_equal(sd_http_path_parse("/", 1, &p, &off), 0);
    assert_int_equal(p.nsegs, 0);
    assert_string_equal(p.joined, "/");
    sd_http_path_free(&p);
    const char *s = "/a/b%20c/%E6%B5%84/";
    assert_int_equal(sd_http_path_parse(s, strlen(s), &p, &off), 0);
    assert_int_equal(p.nsegs, 3);
    assert_true(p.trailing_slash);
    assert_string_equal(p.seg[1], "b c");
    assert_string_equal(p.seg[2], "浄");
    assert_string_equal(p.joined, "/a/b c/浄/");
    assert_string_equal(p.joined + p.off[1], "b c/浄/");
    sd_http_path_free(&p);
    /* an encoded slash stays inside its segment; '+' is not a space in paths */
    s = "/x/a%2Fb+c";
    assert_int_equal(sd_http_path_parse(s, strlen(s), &p, &off), 0);
    assert_int_equal(p.nsegs, 2);
    assert_string_equal(p.seg[1], "a/b+c");
    sd_http_path_free(&p);
    s = "/a//b";
    assert_int_equal(sd_http_path_parse(s, strlen(s), &p, &off), 0);
    assert_int_equal(p.nsegs, 3);
    assert_int_equal(p.len[1], 0);
    sd_http_path_free(&p);

    assert_int_equal(sd_http_path_parse("x/y", 3, &p, &off), SD_ESYNTAX);
    assert_int_equal(sd_http_path_parse("", 0, &p, &off), SD_ESYNTAX);
    assert_int_equal(sd_http_path_parse("/a%zz", 5, &p, &off), SD_ESYNTAX);
    assert_int_equal(off, 2);
    assert_int_equal(sd_http_path_parse("/a/%00", 6, &p, &off), SD_EENCODING);
    assert_int_equal(off, 3);
    assert_int_equal(sd_http_path_parse("/a%0a", 5, &p, &off), SD_EENCODING);
    assert_int_equal(sd_http_path_parse("/\x7f", 2, &p, &off), SD_EENCODING);
    assert_int_equal(sd_http_path_parse("/\xff", 2, &p, &off), SD_EENCODING);
    assert_int_equal(sd_http_path_parse("/%ED%A0%80", 10, &p, &off), SD_EENCODING); /* surrogate */
    sd_buf_t b = {0};
    for (int i = 0; i <= SD_HTTP_MAX_SEGS; i++)
        sd_buf_append_str(&b, "/s");
    assert_int_equal(sd_http_path_parse(b.data, b.len, &p, &off), SD_ETOOBIG);
    assert_null(p.mem_);
    sd_buf_free(&b);
}

static int match(sd_http_router_t *r, const char *method, const char *path, sd_http_match_t *m)
{
    sd_http_path_t p;
    assert_int_equal(sd_http_path_parse(path, strlen(path), &p, NULL), 0);
    int rc = sd_http_router_match(r, method, &p, m);
    /* parameter values borrow from the path: check them before it goes */
    static char vals[SD_HTTP_MAX_PARAMS][256];
    for (size_t i = 0; !rc && i < m->nparams; i++) {
        snprintf(vals[i], sizeof vals[i], "%s", m->params[i].value);
        m->params[i].value = vals[i];
    }
    sd_http_path_free(&p);
    return rc;
}

static void test_router(void **state)
{
    (void)state;
    sd_http_router_t *r = sd_http_router_new();
    int a, b, c, d, e, f;
    assert_int_equal(sd_http_router_add(r, "GET", "/p/{id}", &a), 0);
    assert_int_equal(sd_http_router_add(r, "GET", "/p/search", &b), 0);
    assert_int_equal(sd_http_router_add(r, "PUT", "/p/{id}", &c), 0);
    assert_int_equal(sd_http_router_add(r, "GET", "/p/{id}/v/{k}", &d), 0);
    assert_int_equal(sd_http_router_add(r, "GET", "/s/{rest*}", &e), 0);
    assert_int_equal(sd_http_router_add(r, "GET", "/s/x/{rest*}", &f), 0);
    assert_int_equal(sd_http_router_add(r, "GET", "/dir/", &f), 0);
    /* pattern errors */
    const char *bad[] = {"",        "p",        "/p//x", "/{",     "/{}",   "/{a b}",
                         "/{a*}/x", "/{a}/{a}", "/x{y}", "/{a*}/", "/a%20", "/{a}{b}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sd_http_router_add(r, "GET", bad[i], NULL) != SD_EINVAL)
            fail_msg("pattern %s accepted", bad[i]);
    assert_int_equal(sd_http_router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", NULL),
                     SD_EINVAL);
    assert_int_equal(sd_http_router_add(r, "GET", "/p/{other}", NULL), SD_EEXIST);
    assert_int_equal(sd_http_router_add(r, "GET_", "/q", NULL), SD_EINVAL);
    assert_int_equal(sd_http_router_add(r, "", "/q", NULL), SD_EINVAL);

    sd_http_match_t m;
    assert_int_equal(match(r, "GET", "/p/42", &m), 0);
    assert_ptr_equal(m.data, &a);
    assert_string_equal(m.pattern, "/p/{id}");
    assert_int_equal(m.nparams, 1);
    assert_string_equal(m.params[0].name, "id");
    assert_string_equal(m.params[0].value, "42");
    assert_int_equal(match(r, "GET", "/p/search", &m), 0);
    assert_ptr_equal(m.data, &b); /* literal beats parameter */
    assert_int_equal(match(r, "PUT", "/p/search", &m), 0);
    assert_ptr_equal(m.data, &c); /* ... unless the method only fits the parameter */
    assert_int_equal(match(r, "HEAD", "/p/1", &m), 0);
    assert_ptr_equal(m.data, &a);
    assert_int_equal(match(r, "GET", "/p/%E6%B5%84/v/a%2Fb", &m), 0);
    assert_ptr_equal(m.data, &d);
    assert_string_equal(m.params[0].value, "浄");
    assert_string_equal(m.params[1].value, "a/b");
    assert_int_equal(match(r, "GET", "/s/a/b/c.js", &m), 0);
    assert_ptr_equal(m.data, &e);
    assert_string_equal(m.params[0].value, "a/b/c.js");
    assert_int_equal(m.rest_seg, 1);
    assert_int_equal(match(r, "GET", "/s/x/y", &m), 0);
    assert_ptr_equal(m.data, &f); /* the longer literal prefix wins */
    assert_string_equal(m.params[0].value, "y");
    assert_int_equal(match(r, "GET", "/s", &m), 0);
    assert_string_equal(m.params[0].value, "");
    assert_int_equal(match(r, "GET", "/s/", &m), 0);
    assert_string_equal(m.params[0].value, "");
    assert_int_equal(match(r, "GET", "/dir/", &m), 0);
    assert_int_equal(match(r, "GET", "/dir", &m), SD_ENOTFOUND);
    assert_int_equal(match(r, "GET", "/p/1/", &m), SD_ENOTFOUND);
    assert_int_equal(match(r, "GET", "/p//v/x", &m), SD_ENOTFOUND); /* empty parameter */
    assert_int_equal(match(r, "GET", "/nothing", &m), SD_ENOTFOUND);
    assert_int_equal(match(r, "DELETE", "/p/1", &m), SD_EMETHOD);
    assert_string_equal(m.allow, "GET, HEAD, PUT");
    assert_int_equal(match(r, "POST", "/p/search", &m), SD_EMETHOD);
    assert_string_equal(m.allow, "GET, HEAD, PUT");
    /* a root catch-all serves GETs of anything but never turns a 404 into a 405 */
    int g;
    assert_int_equal(sd_http_router_add(r, "GET", "/{path*}", &g), 0);
    assert_int_equal(match(r, "GET", "/portal/app.js", &m), 0);
    assert_ptr_equal(m.data, &g);
    assert_int_equal(match(r, "POST", "/portal/app.js", &m), SD_ENOTFOUND);
    assert_int_equal(match(r, "DELETE", "/p/1", &m), SD_EMETHOD);
    assert_string_equal(m.allow, "GET, HEAD, PUT");
    sd_http_router_free(r);
    sd_http_router_free(NULL);
}

static void test_addr_and_types(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(sd_http_addr_parse("127.0.0.1:8080", &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(sd_http_addr_parse("localhost:0", &ss, &len), 0);
    assert_int_equal(sd_http_addr_parse("[::1]:443", &ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    const char *bad[] = {
        "127.0.0.1",  "127.0.0.1:", "127.0.0.1:65536", "::1:80", "[::1]80", "example.com:80",
        "1.2.3.4:8x", ":80",        "[1.2.3.4]:80",    NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sd_http_addr_parse(bad[i], &ss, &len), SD_ECONFIG);
    assert_string_equal(sd_http_content_type("a/b.HTML"), "text/html; charset=utf-8");
    assert_string_equal(sd_http_content_type("x.woff2"), "font/woff2");
    assert_string_equal(sd_http_content_type("x.yaml"), "application/yaml");
    assert_string_equal(sd_http_content_type("dir.d/noext"), "application/octet-stream");
    assert_string_equal(sd_http_content_type("x."), "application/octet-stream");
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    sd_http_server_t *s;
    cfg.listen = "nope";
    assert_int_equal(sd_http_server_new(&cfg, &s), SD_ECONFIG);
    cfg.listen = "127.0.0.1:0";
    cfg.tls_cert_file = "/nonexistent.pem";
    assert_int_equal(sd_http_server_new(&cfg, &s), SD_ECONFIG); /* key missing */
    cfg.tls_key_file = "/nonexistent.pem";
    assert_int_equal(sd_http_server_new(&cfg, &s), SD_ECONFIG); /* unreadable */
    sd_http_server_free(NULL);
}

static void test_config_load(void **state)
{
    (void)state;
    const char *text = "[http]\nlisten = 127.0.0.1:0\nthreads = 3\nidle_timeout = 1m\n"
                       "grace = 2s\nmax_body = 4096\ncsp = \"default-src 'none'\"\n"
                       "header_timeout = 5s\nbody_timeout = 2m\n";
    sd_config_t *cfg;
    sd_config_error_t err;
    assert_int_equal(sd_config_parse(text, strlen(text), &cfg, &err), 0);
    sd_http_config_t hc;
    assert_int_equal(sd_http_config_load(cfg, "http", &hc, &err), 0);
    assert_string_equal(hc.listen, "127.0.0.1:0");
    assert_int_equal(hc.threads, 3);
    assert_int_equal(hc.idle_timeout_s, 60);
    assert_int_equal(hc.grace_ms, 2000);
    assert_int_equal(hc.max_body, 4096);
    assert_int_equal(hc.max_conns, 512); /* default kept */
    assert_int_equal(hc.max_conns_per_ip, 64);
    assert_int_equal(hc.header_timeout_s, 5);
    assert_int_equal(hc.body_timeout_s, 120);
    assert_string_equal(hc.csp, "default-src 'none'");
    assert_null(hc.tls_cert_file);
    assert_int_equal(sd_config_set(cfg, "http.threads", "0"), 0);
    assert_int_equal(sd_http_config_load(cfg, "http", &hc, &err), SD_EFIELD);
    assert_non_null(strstr(err.msg, "http.threads"));
    assert_int_equal(sd_config_set(cfg, "http.threads", "2"), 0);
    assert_int_equal(sd_config_set(cfg, "http.tls_cert", "/x.pem"), 0);
    assert_int_equal(sd_http_config_load(cfg, "http", &hc, &err), SD_EFIELD);
    assert_non_null(strstr(err.msg, "tls_key"));
    /* client certificates only over TLS */
    assert_int_equal(sd_config_set(cfg, "http.tls_key", "/k.pem"), 0);
    assert_int_equal(sd_config_set(cfg, "http.client_ca", "/ca.pem"), 0);
    assert_int_equal(sd_http_config_load(cfg, "http", &hc, &err), 0);
    assert_string_equal(hc.tls_client_ca, "/ca.pem");
    sd_config_free(cfg);
    text = "[http]\nclient_ca = /ca.pem\ntls_priorities = NORMAL\n";
    assert_int_equal(sd_config_parse(text, strlen(text), &cfg, &err), 0);
    assert_int_equal(sd_http_config_load(cfg, "http", &hc, &err), SD_EFIELD);
    assert_non_null(strstr(err.msg, "client_ca"));
    sd_config_free(cfg);
}

/* ---- tests: over the wire ----------------------------------------------------------------- */

static void test_routing(void **state)
{
    (void)state;
    resp_t r;
    assert_int_equal(get("/apif/v1/points/42/values?from=2026-01-01&tag=a&tag=b%20c&x=1+2", &r),
                     200);
    json_t *v = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(v, "id")), "42");
    assert_string_equal(json_string_value(json_object_get(v, "from")), "2026-01-01");
    json_t *tags = json_object_get(v, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "b c");
    assert_string_equal(json_string_value(json_object_get(v, "pattern")),
                        "/apif/v1/points/{id}/values");
    assert_string_equal(json_string_value(json_object_get(v, "ip")), "127.0.0.1");
    json_decref(v);
    resp_free(&r);

    assert_int_equal(get("/apif/v1/points/a%2Fb%20%E6%B5%84/values", &r), 200);
    v = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(v, "id")), "a/b 浄");
    json_decref(v);
    resp_free(&r);

    assert_int_equal(get("/apif/v1/points/search", &r), 200);
    assert_non_null(strstr(r.body.data, "\"literal\""));
    resp_free(&r);
    assert_int_equal(get("/apif/v1/points/7", &r), 200);
    assert_non_null(strstr(r.body.data, "\"param\""));
    resp_free(&r);

    assert_int_equal(get("/files/a/b/c.txt", &r), 200);
    assert_string_equal(r.body.data, "a/b/c.txt");
    resp_free(&r);

    assert_int_equal(req_on(NULL, "HEAD", "/apif/v1/points/7", NULL, 0, NULL, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    resp_free(&r);

    assert_int_equal(req_on(NULL, "DELETE", "/apif/v1/points/7", NULL, 0, NULL, &r), CURLE_OK);
    assert_int_equal(r.status, 204);
    resp_free(&r);

    /* 404: no such path, a trailing slash, an empty segment */
    const char *nf[] = {"/nothing/here", "/apif/v1/points/42/values/", "/apif/v1/points//values",
                        "/"};
    for (size_t i = 0; i < sizeof nf / sizeof nf[0]; i++) {
        get(nf[i], &r);
        expect_error(&r, 404, "not_found", NULL);
        resp_free(&r);
    }

    /* 405 with Allow */
    assert_int_equal(req_on(NULL, "DELETE", "/apif/v1/points/42/values", NULL, 0, NULL, &r),
                     CURLE_OK);
    expect_error(&r, 405, "method_not_allowed", NULL);
    assert_string_equal(hdr(&r, "Allow"), "GET, HEAD");
    resp_free(&r);
    /* the port is taken */
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", g_port);
    cfg.listen = listen;
    sd_http_server_t *s2;
    assert_int_equal(sd_http_server_new(&cfg, &s2), 0);
    assert_int_equal(sd_http_server_start(s2), SD_EADDRINUSE); /* "address in use" */
    sd_http_server_free(s2);

    assert_int_equal(req_on(NULL, "PATCH", "/apif/v1/points/1", "{}", 2, NULL, &r), CURLE_OK);
    expect_error(&r, 405, "method_not_allowed", NULL);
    assert_string_equal(hdr(&r, "Allow"), "GET, HEAD, DELETE");
    resp_free(&r);
}

static void test_bad_targets(void **state)
{
    (void)state;
    resp_t r;
    get("/apif/v1/points/1/values?from=%zz", &r);
    expect_error(&r, 400, "syntax", "query");
    assert_non_null(strstr(r.body.data, "byte 5"));
    resp_free(&r);
    get("/apif/v1/points/1/values?a=%00", &r);
    expect_error(&r, 400, "bad_encoding", "query");
    resp_free(&r);
    get("/apif/v1/points/1/values?=1", &r);
    expect_error(&r, 400, "syntax", "query");
    resp_free(&r);
    get("/apif/v1/points/%zz/values", &r);
    expect_error(&r, 400, "syntax", "path");
    resp_free(&r);
    get("/apif/v1/points/%0d%0aX:%201/values", &r);
    expect_error(&r, 400, "bad_encoding", "path");
    resp_free(&r);
}

static void test_json_body(void **state)
{
    (void)state;
    resp_t r;
    const char *hj[] = {"Content-Type: application/json", NULL};
    const char *ok = "{\"name\":\"tank\",\"level\":5}";
    req_on(NULL, "POST", "/apif/v1/points", ok, strlen(ok), hj, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(hdr(&r, "Location"), "/apif/v1/points/1");
    assert_string_equal(r.body.data, "{\"name\":\"tank\",\"level\":5}");
    resp_free(&r);

    const char *bad = "{\"name\":\n \"tank\",, }";
    req_on(NULL, "POST", "/apif/v1/points", bad, strlen(bad), hj, &r);
    expect_error(&r, 400, "syntax", NULL);
    assert_non_null(strstr(r.body.data, "line 2 column"));
    resp_free(&r);

    req_on(NULL, "POST", "/apif/v1/points", "", 0, hj, &r);
    expect_error(&r, 400, "syntax", NULL);
    resp_free(&r);

    const char bad_utf[] = "{\"name\":\"\xc3\x28\"}";
    req_on(NULL, "POST", "/apif/v1/points", bad_utf, sizeof bad_utf - 1, hj, &r);
    expect_error(&r, 400, "bad_encoding", NULL);
    resp_free(&r);

    struct {
        const char *body, *field, *msg;
    } cases[] = {
        {"{\"level\":5}", "name", "required"},
        {"{\"name\":5}", "name", "expected string"},
        {"{\"name\":\"t\",\"level\":500}", "level", "must be between 0 and 100"},
        {"{\"name\":\"t\",\"lvl\":5}", "lvl", "unknown field"},
        {"[1,2]", "", "expected an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_on(NULL, "POST", "/apif/v1/points", cases[i].body, strlen(cases[i].body), hj, &r);
        expect_error(&r, 400, "bad_field", cases[i].field[0] ? cases[i].field : NULL);
        json_t *v = body_json(&r);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(v, "error"), "message")),
            cases[i].msg);
        json_decref(v);
        resp_free(&r);
    }

    get("/conflict", &r);
    expect_error(&r, 409, "conflict", "version");
    assert_non_null(strstr(r.body.data, "\"version 3 is stale\""));
    resp_free(&r);
}

static void test_body_limits(void **state)
{
    (void)state;
    resp_t r;
    size_t n = (1u << 20) + 1;
    char *big = malloc(n);
    memset(big, 'x', n);
    /* exactly the limit is accepted, one byte more is 413 before the body is read */
    req_on(NULL, "POST", "/echo", big, n - 1, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"len\":1048576}");
    resp_free(&r);
    req_on(NULL, "POST", "/echo", big, n, NULL, &r);
    expect_error(&r, 413, "too_large", NULL);
    resp_free(&r);
    /* chunked (no Content-Length): refused when the count passes the limit */
    const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
    req_on(NULL, "POST", "/echo", big, n, chunked, &r);
    expect_error(&r, 413, "too_large", NULL);
    resp_free(&r);
    free(big);
}

/* A body produced on the fly: byte i is a function of i, so nothing large exists anywhere. */
typedef struct {
    uint64_t pos, len;
    uint64_t hash;
} gen_t;

static size_t gen_read(char *buf, size_t sz, size_t nmemb, void *ud)
{
    gen_t *g = ud;
    size_t n = sz * nmemb;
    if (n > g->len - g->pos)
        n = (size_t)(g->len - g->pos);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = g->pos + i;
        unsigned char c = (unsigned char)((k * 31) ^ (k >> 12));
        buf[i] = (char)c;
        g->hash = (g->hash ^ c) * 1099511628211ull;
    }
    g->pos += n;
    return n;
}

static int upload(const char *target, uint64_t len, int chunked, resp_t *r, gen_t *g)
{
    memset(r, 0, sizeof *r);
    memset(g, 0, sizeof *g);
    g->len = len;
    g->hash = 1469598103934665603ull;
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", g_port, target);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_read);
    curl_easy_setopt(c, CURLOPT_READDATA, g);
    if (!chunked)
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    int rc = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(c);
    if (!r->body.data)
        sd_buf_append_str(&r->body, "");
    return rc;
}

static void test_stream_upload(void **state)
{
    (void)state;
    resp_t r;
    gen_t g;
    for (int chunked = 0; chunked <= 1; chunked++) {
        uint64_t len = (8u << 20) + 12345; /* several MiB, well over the 1 MiB default */
        assert_int_equal(upload("/upload/big.bin", len, chunked, &r, &g), CURLE_OK);
        assert_int_equal(r.status, 200);
        json_t *v = body_json(&r);
        assert_int_equal(json_integer_value(json_object_get(v, "bytes")), len);
        char hash[17];
        snprintf(hash, sizeof hash, "%016llx", (unsigned long long)g.hash);
        assert_string_equal(json_string_value(json_object_get(v, "hash")), hash);
        /* never held whole: chunks are small and the request body buffer stayed empty */
        assert_true(json_integer_value(json_object_get(v, "max_chunk")) <= 256 * 1024);
        assert_true(json_integer_value(json_object_get(v, "chunks")) >= 32);
        assert_int_equal(json_integer_value(json_object_get(v, "buffered")), 0);
        json_decref(v);
        resp_free(&r);
    }
    /* the route's own limit, declared and counted */
    assert_int_equal(upload("/upload-small/x", 5000, 0, &r, &g), CURLE_OK);
    expect_error(&r, 413, "too_large", NULL);
    resp_free(&r);
    upload("/upload-small/x", 5000, 1, &r, &g);
    expect_error(&r, 413, "too_large", NULL);
    resp_free(&r);
    /* the body callback refuses: its error is the answer */
    upload("/upload/forbidden", 100000, 0, &r, &g);
    expect_error(&r, 403, "forbidden", NULL);
    resp_free(&r);
    /* libmicrohttpd cannot answer mid-body: a refused huge body is dropped for a while (4 MiB),
     * then the connection is cut rather than reading it all */
    int rc = upload("/upload/forbidden", 60u << 20, 0, &r, &g);
    if (!(rc != CURLE_OK || r.status == 403))
        fail_msg("rc %d status %ld sent %llu body %s", rc, r.status, (unsigned long long)g.pos,
                 r.body.data);
    assert_true(g.pos < (30u << 20));
    resp_free(&r);
}

static void expect_static(const char *target, long status, const char *ctype, const char *body)
{
    resp_t r;
    get(target, &r);
    if (r.status != status)
        fail_msg("%s: status %ld, wanted %ld", target, r.status, status);
    if (ctype)
        assert_string_equal(hdr(&r, "Content-Type"), ctype);
    if (body)
        assert_string_equal(r.body.data, body);
    if (status == 404) {
        expect_error(&r, 404, "not_found", NULL);
        assert_null(strstr(r.body.data, "SECRET"));
    }
    resp_free(&r);
}

static void test_static_files(void **state)
{
    (void)state;
    expect_static("/static/index.html", 200, "text/html; charset=utf-8",
                  "<!doctype html><title>portal</title>");
    expect_static("/static/", 200, "text/html; charset=utf-8", NULL);
    expect_static("/static/app.js", 200, "text/javascript; charset=utf-8", "console.log(1)");
    expect_static("/static/style.css", 200, "text/css; charset=utf-8", NULL);
    expect_static("/static/data.json", 200, "application/json", NULL);
    expect_static("/static/logo.svg", 200, "image/svg+xml", NULL);
    expect_static("/static/img.png", 200, "image/png", NULL);
    expect_static("/static/font.woff2", 200, "font/woff2", NULL);
    expect_static("/static/api.yaml", 200, "application/yaml", NULL);
    expect_static("/static/sub/", 200, NULL, "<p>sub index</p>");
    expect_static("/static/inner.html", 200, NULL, "<!doctype html><title>portal</title>");
    expect_static("/static/%61pp.js", 200, NULL, "console.log(1)");

    /* every way out of the root is refused */
    const char *refused[] = {
        "/static/../outside/secret.txt",
        "/static/%2e%2e/outside/secret.txt",
        "/static/%2E%2E/%2E%2E/etc/passwd",
        "/static/..%2foutside%2fsecret.txt",
        "/static/sub%2f..%2f..%2foutside%2fsecret.txt",
        "/static/sub/../../outside/secret.txt",
        "/static/..%5coutside%5csecret.txt",
        "/static/./index.html",
        "/static//etc/passwd",
        "/static/link/secret.txt",
        "/static/evil.txt",
        "/static/.env",
        "/static/.git/config",
        "/static/%2egit/config",
        "/static/tohidden/config",
        "/static/missing.js",
        "/static/index.html/",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        expect_static(refused[i], 404, NULL, NULL);
    resp_t r;
    get("/static/%00index.html", &r);
    expect_error(&r, 400, "bad_encoding", "path");
    resp_free(&r);

    /* a directory without its slash is redirected */
    get("/static/sub", &r);
    assert_int_equal(r.status, 301);
    assert_string_equal(hdr(&r, "Location"), "/static/sub/");
    resp_free(&r);
    get("/static", &r);
    assert_int_equal(r.status, 301);
    assert_string_equal(hdr(&r, "Location"), "/static/");
    resp_free(&r);

    /* validators and 304 */
    get("/static/app.js", &r);
    char etag[128], lm[128];
    snprintf(etag, sizeof etag, "%s", hdr(&r, "ETag"));
    snprintf(lm, sizeof lm, "%s", hdr(&r, "Last-Modified"));
    assert_true(etag[0] == '"');
    assert_non_null(strstr(lm, " GMT"));
    assert_string_equal(hdr(&r, "Cache-Control"), "no-cache");
    resp_free(&r);
    char h1[200], h2[200];
    snprintf(h1, sizeof h1, "If-None-Match: %s", etag);
    const char *hh[] = {h1, NULL};
    req_on(NULL, "GET", "/static/app.js", NULL, 0, hh, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body.len, 0);
    resp_free(&r);
    const char *hstale[] = {"If-None-Match: \"0-0\"", NULL};
    req_on(NULL, "GET", "/static/app.js", NULL, 0, hstale, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    snprintf(h2, sizeof h2, "If-Modified-Since: %s", lm);
    const char *hims[] = {h2, NULL};
    req_on(NULL, "GET", "/static/app.js", NULL, 0, hims, &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);
    const char *hold[] = {"If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT", NULL};
    req_on(NULL, "GET", "/static/app.js", NULL, 0, hold, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    /* static routes answer GET and HEAD only */
    req_on(NULL, "POST", "/static/index.html", "x", 1, NULL, &r);
    expect_error(&r, 405, "method_not_allowed", NULL);
    resp_free(&r);
}

/* Wait (bounded) until n readers have been freed. */
static void wait_reader_frees(int n)
{
    for (int i = 0; i < 500 && g_reader_frees < n; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    assert_int_equal(g_reader_frees, n);
}

static void test_reader_reply(void **state)
{
    (void)state;
    g_reader_frees = 0;
    resp_t r;
    /* several MiB pulled from the callback, with its length announced */
    assert_int_equal(get("/reader", &r), 200);
    assert_int_equal(r.body.len, READER_SIZE);
    for (uint64_t i = 0; i < READER_SIZE; i++)
        if ((unsigned char)r.body.data[i] != reader_byte(i))
            fail_msg("byte %llu differs", (unsigned long long)i);
    char cl[32];
    snprintf(cl, sizeof cl, "%llu", (unsigned long long)READER_SIZE);
    assert_string_equal(hdr(&r, "Content-Length"), cl);
    assert_string_equal(hdr(&r, "Content-Type"), "application/octet-stream");
    assert_string_equal(hdr(&r, "ETag"), "\"abc123\"");
    assert_string_equal(hdr(&r, "Cache-Control"), "no-cache");
    resp_free(&r);
    wait_reader_frees(2); /* the reply's and the refused second one's */
    assert_int_equal(g_reader_second_rc, SD_EINVAL);
    /* HEAD: the length, no body */
    assert_int_equal(req_on(NULL, "HEAD", "/reader", NULL, 0, NULL, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(hdr(&r, "Content-Length"), cl);
    resp_free(&r);
    wait_reader_frees(4);
    /* a matching ETag: 304 without reading; a stale one: the body */
    const char *inm[] = {"If-None-Match: \"abc123\"", NULL};
    assert_int_equal(req_on(NULL, "GET", "/reader", NULL, 0, inm, &r), CURLE_OK);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(hdr(&r, "ETag"), "\"abc123\"");
    resp_free(&r);
    wait_reader_frees(6);
    const char *stale[] = {"If-None-Match: \"0-0\"", NULL};
    assert_int_equal(req_on(NULL, "GET", "/reader", NULL, 0, stale, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, READER_SIZE);
    resp_free(&r);
    wait_reader_frees(8);
    /* a reader that fails mid-way: the connection is cut short, never a complete body */
    int rc = req_on(NULL, "GET", "/reader?fail=3000000", NULL, 0, NULL, &r);
    assert_int_equal(rc, CURLE_PARTIAL_FILE);
    assert_true(r.body.len <= 3000000);
    resp_free(&r);
    wait_reader_frees(10);
}

static void test_headers_and_log(void **state)
{
    (void)state;
    resp_t r;
    get("/apif/v1/points/1", &r);
    const char *id = hdr(&r, "X-Request-Id");
    assert_non_null(id);
    char id1[32];
    snprintf(id1, sizeof id1, "%s", id);
    assert_int_equal(strlen(id1), 16);
    for (const char *p = id1; *p; p++)
        assert_true(isxdigit((unsigned char)*p));
    assert_string_equal(hdr(&r, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(hdr(&r, "Referrer-Policy"), "no-referrer");
    assert_string_equal(hdr(&r, "Cache-Control"), "no-store");
    assert_null(hdr(&r, "Content-Security-Policy"));
    size_t blen = r.body.len;
    resp_free(&r);

    int k = log_find(id1);
    assert_true(k >= 0);
    assert_string_equal(g_log.rec[k].method, "GET");
    assert_string_equal(g_log.rec[k].path, "/apif/v1/points/1");
    assert_string_equal(g_log.rec[k].ip, "127.0.0.1");
    assert_int_equal(g_log.rec[k].status, 200);
    assert_int_equal(g_log.rec[k].bytes, blen);
    assert_true(g_log.rec[k].completed);
    assert_true(g_log.rec[k].ms >= 0);

    get("/apif/v1/points/1", &r);
    assert_string_not_equal(hdr(&r, "X-Request-Id"), id1);
    resp_free(&r);

    /* HTML gets the CSP; errors carry the id and the security headers too */
    get("/static/index.html", &r);
    assert_non_null(hdr(&r, "Content-Security-Policy"));
    assert_non_null(strstr(hdr(&r, "Content-Security-Policy"), "default-src 'self'"));
    assert_string_equal(hdr(&r, "X-Frame-Options"), "DENY");
    assert_string_equal(hdr(&r, "X-Content-Type-Options"), "nosniff");
    resp_free(&r);
    get("/nothing", &r);
    assert_non_null(hdr(&r, "X-Request-Id"));
    assert_string_equal(hdr(&r, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(hdr(&r, "Cache-Control"), "no-store");
    resp_free(&r);

    /* custom headers, an overridden Cache-Control, and a refused second reply */
    get("/text", &r);
    assert_string_equal(r.body.data, "hello");
    assert_string_equal(hdr(&r, "Content-Type"), "text/plain; charset=utf-8");
    assert_string_equal(hdr(&r, "X-Custom"), "yes");
    assert_string_equal(hdr(&r, "Cache-Control"), "max-age=60");
    assert_null(hdr(&r, "X-Inject"));
    assert_null(hdr(&r, "Set-Cookie"));
    assert_int_equal(g_second_reply_rc, SD_EINVAL);
    resp_free(&r);

    get("/redirect", &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(hdr(&r, "Location"), "/apif/v1/points/1");
    resp_free(&r);

    /* a handler that forgets to answer gets a 500 in the error shape */
    get("/noreply", &r);
    expect_error(&r, 500, "internal", NULL);
    resp_free(&r);
}

static void test_auth_hook(void **state)
{
    (void)state;
    resp_t r;
    get("/private", &r);
    expect_error(&r, 401, "unauthenticated", NULL);
    resp_free(&r);
    const char *bad[] = {"Authorization: Bearer wrong", "Authorization: Basic c2VjcmV0LXRva2Vu",
                         "Authorization: Bearer secret-token extra", "Authorization: Bearer ",
                         NULL};
    for (size_t i = 0; bad[i]; i++) {
        const char *h[] = {bad[i], NULL};
        req_on(NULL, "GET", "/private", NULL, 0, h, &r);
        expect_error(&r, 401, "unauthenticated", NULL);
        resp_free(&r);
    }
    const char *good[] = {"authorization: bearer secret-token", "Cookie: theme=dark; sid=abc123",
                          "X-Test-Agent: cmocka", NULL};
    req_on(NULL, "GET", "/private", NULL, 0, good, &r);
    assert_int_equal(r.status, 200);
    json_t *v = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(v, "user")), "alice");
    assert_string_equal(json_string_value(json_object_get(v, "bearer")), "secret-token");
    assert_string_equal(json_string_value(json_object_get(v, "sid")), "abc123");
    assert_string_equal(json_string_value(json_object_get(v, "agent")), "cmocka");
    assert_false(json_is_true(json_object_get(v, "tls")));
    json_decref(v);
    resp_free(&r);
    /* a public route sees no user and no token */
    get("/whoami", &r);
    v = body_json(&r);
    assert_true(json_is_null(json_object_get(v, "user")));
    assert_true(json_is_null(json_object_get(v, "bearer")));
    json_decref(v);
    resp_free(&r);
}

typedef struct {
    const char *target;
    resp_t r;
    int rc;
} client_arg_t;

static void *client_thread(void *arg)
{
    client_arg_t *a = arg;
    a->rc = req_on(NULL, "GET", a->target, NULL, 0, NULL, &a->r);
    return NULL;
}

/* A deferred request does not hold a worker: with one thread, others are served meanwhile. */
static void test_deferred(void **state)
{
    (void)state;
    sd_http_server_free(g_srv);
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.threads = 1;
    gate_reset(&g_gate);
    g_late_rc = 1;
    g_srv = start_server(&cfg);
    client_arg_t a = {.target = "/deferred"};
    pthread_t t;
    pthread_create(&t, NULL, client_thread, &a);
    gate_wait_entered(&g_gate, 1);
    resp_t r;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(get("/apif/v1/points/1", &r), 200);
        resp_free(&r);
    }
    gate_open(&g_gate);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, CURLE_OK);
    assert_int_equal(a.r.status, 200);
    assert_string_equal(a.r.body.data, "{\"late\":\"yes\"}");
    assert_non_null(hdr(&a.r, "X-Request-Id"));
    for (int i = 0; i < 500 && g_late_rc == 1; i++)
        usleep(10000); /* the reply call returns after the client may already have the answer */
    assert_int_equal(g_late_rc, 0);
    resp_free(&a.r);
}

typedef struct {
    sd_http_server_t *s;
    int rc;
} stop_arg_t;

static void *stop_thread(void *arg)
{
    stop_arg_t *a = arg;
    a->rc = sd_http_server_stop(a->s);
    return NULL;
}

/* Graceful stop with a slow synchronous handler in flight: it finishes, newcomers are refused. */
static void test_shutdown_slow(void **state)
{
    (void)state;
    gate_reset(&g_gate);
    client_arg_t a = {.target = "/slow"};
    pthread_t tc, ts;
    pthread_create(&tc, NULL, client_thread, &a);
    gate_wait_entered(&g_gate, 1);

    sd_http_server_quiesce(g_srv);
    resp_t r;
    assert_int_equal(req_on(NULL, "GET", "/apif/v1/points/1", NULL, 0, NULL, &r),
                     CURLE_COULDNT_CONNECT);
    resp_free(&r);

    stop_arg_t sa = {.s = g_srv, .rc = -1};
    pthread_create(&ts, NULL, stop_thread, &sa);
    gate_open(&g_gate);
    pthread_join(tc, NULL);
    pthread_join(ts, NULL);
    assert_int_equal(a.rc, CURLE_OK);
    assert_int_equal(a.r.status, 200);
    assert_string_equal(a.r.body.data, "slow but done");
    assert_int_equal(sa.rc, 0);
    resp_free(&a.r);
    assert_int_equal(sd_http_server_stop(g_srv), 0); /* idempotent */
}

/* Stop with an idle keep-alive connection and a deferred request whose owner is too slow. */
static void test_shutdown_deferred(void **state)
{
    (void)state;
    sd_http_server_free(g_srv);
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.threads = 2;
    cfg.grace_ms = 300;
    gate_reset(&g_gate);
    g_late_rc = 1;
    g_srv = start_server(&cfg);

    CURL *keep = curl_easy_init();
    resp_t r;
    assert_int_equal(req_on(keep, "GET", "/apif/v1/points/1", NULL, 0, NULL, &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    client_arg_t a = {.target = "/deferred"};
    pthread_t tc;
    pthread_create(&tc, NULL, client_thread, &a);
    gate_wait_entered(&g_gate, 1);

    sd_http_server_quiesce(g_srv);
    /* the open connection is told to go away instead of being served */
    assert_int_equal(req_on(keep, "GET", "/apif/v1/points/1", NULL, 0, NULL, &r), CURLE_OK);
    expect_error(&r, 503, "try_again", NULL);
    assert_string_equal(hdr(&r, "Connection"), "close");
    resp_free(&r);
    curl_easy_cleanup(keep);

    /* the owner never answers within the grace time: the server answers 503 for it */
    assert_int_equal(sd_http_server_stop(g_srv), SD_ETIMEDOUT);
    pthread_join(tc, NULL);
    assert_int_equal(a.rc, CURLE_OK);
    expect_error(&a.r, 503, "try_again", NULL);
    resp_free(&a.r);
    /* the late owner's reply is refused but still ends its hold on the request */
    gate_open(&g_gate);
    for (int i = 0; i < 500 && g_late_rc == 1; i++)
        usleep(10000);
    assert_int_equal(g_late_rc, SD_ECLOSED);
}

static void test_https(void **state)
{
    (void)state;
    char cert[400], key[400], cmd[1200];
    snprintf(cert, sizeof cert, "%s/cert.pem", g_tmp);
    snprintf(key, sizeof key, "%s/key.pem", g_tmp);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s -out %s -days 1 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null",
             key, cert);
    assert_int_equal(system(cmd), 0);
    sd_http_server_free(g_srv);
    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.threads = 2;
    cfg.tls_cert_file = cert;
    cfg.tls_key_file = key;
    g_srv = start_server(&cfg);
    g_scheme = "https";
    g_cafile = cert;
    resp_t r;
    assert_int_equal(get("/whoami", &r), 200);
    json_t *v = body_json(&r);
    assert_true(json_is_true(json_object_get(v, "tls")));
    json_decref(v);
    assert_string_equal(hdr(&r, "Strict-Transport-Security"), "max-age=31536000");
    resp_free(&r);
    assert_int_equal(get("/static/app.js", &r), 200);
    assert_string_equal(r.body.data, "console.log(1)");
    resp_free(&r);
    /* a client that does not trust the certificate is refused */
    g_cafile = NULL;
    assert_int_not_equal(req_on(NULL, "GET", "/whoami", NULL, 0, NULL, &r), CURLE_OK);
    resp_free(&r);
    /* plain HTTP to the HTTPS port gets no HTTP answer */
    g_scheme = "http";
    req_on(NULL, "GET", "/whoami", NULL, 0, NULL, &r);
    assert_int_not_equal(r.status, 200);
    resp_free(&r);
}

static void rm_tree(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmp);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    make_tree();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test(test_path_parse),
        cmocka_unit_test(test_router),
        cmocka_unit_test(test_addr_and_types),
        cmocka_unit_test(test_config_load),
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers_and_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_slow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_https, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rm_tree();
    curl_global_cleanup();
    return rc;
}
