/* fuzz_http_route.c - libFuzzer driver for the path decoder and the route matcher. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shape of suidod's table: literals, parameters, catch-alls, several methods per path. */
static const char *const ROUTES[][2] = {
    {"GET", "/apif/v1/points/{id}/values"},
    {"GET", "/apif/v1/points/{id}"},
    {"DELETE", "/apif/v1/points/{id}"},
    {"GET", "/apif/v1/points/search"},
    {"POST", "/apif/v1/points"},
    {"GET", "/apif/v1/monitors/{id}/points/{point}"},
    {"PUT", "/apif/v1/files/{path*}"},
    {"GET", "/apif/v1/files/{path*}"},
    {"GET", "/admin/"},
    {"GET", "/{path*}"},
};

static sd_http_router_t *router(void)
{
    static sd_http_router_t *r;
    if (!r) {
        r = sd_http_router_new();
        for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++)
            if (sd_http_router_add(r, ROUTES[i][0], ROUTES[i][1], (void *)(uintptr_t)(i + 1)))
                abort();
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    /* "#pattern": exercise the pattern parser and match the pattern text as a path */
    if (size && in[0] == '#') {
        char *pat = strndup(in + 1, size - 1);
        sd_http_router_t *r = sd_http_router_new();
        if (pat && r && sd_http_router_add(r, "GET", pat, r) == 0) {
            sd_http_path_t p;
            sd_http_match_t m;
            if (sd_http_path_parse(pat, strlen(pat), &p, NULL) == 0) {
                int rc = sd_http_router_match(r, "GET", &p, &m);
                if (rc && rc != SD_ENOTFOUND)
                    abort();
                sd_http_path_free(&p);
            }
        }
        sd_http_router_free(r);
        free(pat);
        return 0;
    }
    /* "METHOD path" */
    const char *sp = memchr(in, ' ', size);
    char method[24] = "GET";
    const char *path = in;
    size_t plen = size;
    if (sp && (size_t)(sp - in) < sizeof method) {
        memcpy(method, in, (size_t)(sp - in));
        method[sp - in] = '\0';
        path = sp + 1;
        plen = size - (size_t)(sp - in) - 1;
    }
    sd_http_path_t p;
    size_t off = 0;
    int rc = sd_http_path_parse(path, plen, &p, &off);
    if (rc) {
        if (off > plen || p.mem_)
            abort();
        return 0;
    }
    if (p.nsegs > SD_HTTP_MAX_SEGS || strlen(p.joined) > plen + 1)
        abort();
    for (size_t i = 0; i < p.nsegs; i++)
        if (strlen(p.seg[i]) != p.len[i] || memcmp(p.joined + p.off[i], p.seg[i], p.len[i]))
            abort();
    sd_http_match_t m;
    rc = sd_http_router_match(router(), method, &p, &m);
    if (rc == 0) {
        if (!m.data || !m.pattern || m.nparams > SD_HTTP_MAX_PARAMS || m.rest_seg > p.nsegs)
            abort();
        for (size_t i = 0; i < m.nparams; i++)
            if (!m.params[i].name || !m.params[i].value)
                abort();
    } else if (rc == SD_EMETHOD) {
        if (!m.allow[0])
            abort();
    } else if (rc != SD_ENOTFOUND) {
        abort();
    }
    if (p.nsegs)
        (void)sd_http_content_type(p.seg[p.nsegs - 1]);
    sd_http_path_free(&p);
    return 0;
}
