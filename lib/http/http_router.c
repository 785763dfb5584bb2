/* http_router.c - the route table: pattern parsing and pure matching of decoded paths. */
#include "http/http.h"

#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Segment kinds, ordered by precedence: a higher kind wins where two patterns both match. */
enum { SEG_REST = 0, SEG_PARAM = 1, SEG_LIT = 2 };

typedef struct {
    int kind;
    char *text; /* literal text or parameter name */
    size_t len;
} rseg_t;

typedef struct {
    char *method;
    char *pattern;
    rseg_t seg[SD_HTTP_MAX_SEGS];
    size_t nsegs;
    int trailing_slash;
    void *data;
} route_t;

struct sd_http_router {
    route_t *routes;
    size_t n;
    size_t cap;
};

sd_http_router_t *sd_http_router_new(void)
{
    return calloc(1, sizeof(sd_http_router_t));
}

static void route_clear(route_t *rt)
{
    for (size_t i = 0; i < rt->nsegs; i++)
        free(rt->seg[i].text);
    free(rt->method);
    free(rt->pattern);
    memset(rt, 0, sizeof *rt);
}

void sd_http_router_free(sd_http_router_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        route_clear(&r->routes[i]);
    free(r->routes);
    free(r);
}

static int method_ok(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return 0;
    return 1;
}

static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

static int parse_pattern(const char *pat, route_t *rt)
{
    size_t len = strlen(pat);
    if (len == 0 || pat[0] != '/')
        return SD_EINVAL;
    size_t nparams = 0;
    size_t i = 1;
    while (i < len) {
        size_t j = i;
        while (j < len && pat[j] != '/')
            j++;
        if (j == i || rt->nsegs == SD_HTTP_MAX_SEGS)
            return SD_EINVAL;
        if (rt->nsegs && rt->seg[rt->nsegs - 1].kind == SEG_REST)
            return SD_EINVAL; /* "{name*}" must be last */
        rseg_t *sg = &rt->seg[rt->nsegs];
        const char *s = pat + i;
        size_t n = j - i;
        if (s[0] == '{') {
            if (n < 3 || s[n - 1] != '}')
                return SD_EINVAL;
            s++;
            n -= 2;
            sg->kind = SEG_PARAM;
            if (s[n - 1] == '*') {
                sg->kind = SEG_REST;
                n--;
            }
            if (!name_ok(s, n) || ++nparams > SD_HTTP_MAX_PARAMS)
                return SD_EINVAL;
            for (size_t k = 0; k < rt->nsegs; k++)
                if (rt->seg[k].kind != SEG_LIT && rt->seg[k].len == n &&
                    !memcmp(rt->seg[k].text, s, n))
                    return SD_EINVAL;
        } else {
            sg->kind = SEG_LIT;
            for (size_t k = 0; k < n; k++)
                if (s[k] == '{' || s[k] == '}' || s[k] == '%' || s[k] == '?' || s[k] == '#')
                    return SD_EINVAL;
        }
        sg->text = strndup(s, n);
        if (!sg->text)
            return SD_ENOMEM;
        sg->len = n;
        rt->nsegs++;
        if (j == len - 1) {
            if (sg->kind == SEG_REST)
                return SD_EINVAL;
            rt->trailing_slash = 1;
            break;
        }
        i = j + 1;
    }
    return 0;
}

static int same_shape(const route_t *a, const route_t *b)
{
    if (a->nsegs != b->nsegs || a->trailing_slash != b->trailing_slash)
        return 0;
    for (size_t i = 0; i < a->nsegs; i++) {
        if (a->seg[i].kind != b->seg[i].kind)
            return 0;
        if (a->seg[i].kind == SEG_LIT && (a->seg[i].len != b->seg[i].len ||
                                          memcmp(a->seg[i].text, b->seg[i].text, a->seg[i].len)))
            return 0;
    }
    return 1;
}

int sd_http_router_add(sd_http_router_t *r, const char *method, const char *pattern, void *data)
{
    if (!r || !method || !pattern || !method_ok(method))
        return SD_EINVAL;
    route_t rt = {0};
    int rc = parse_pattern(pattern, &rt);
    if (rc)
        goto fail;
    for (size_t i = 0; i < r->n; i++) {
        if (!strcmp(r->routes[i].method, method) && same_shape(&r->routes[i], &rt)) {
            rc = SD_EEXIST;
            goto fail;
        }
    }
    rt.method = strdup(method);
    rt.pattern = strdup(pattern);
    rc = SD_ENOMEM;
    if (!rt.method || !rt.pattern)
        goto fail;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        route_t *p = realloc(r->routes, cap * sizeof *p);
        if (!p)
            goto fail;
        r->routes = p;
        r->cap = cap;
    }
    rt.data = data;
    r->routes[r->n++] = rt;
    return 0;
fail:
    route_clear(&rt);
    return rc;
}

/* Does rt match p? Fills params and rest_seg of m when it does. */
static int route_matches(const route_t *rt, const sd_http_path_t *p, sd_http_match_t *m)
{
    static const char empty[] = "";
    size_t np = 0;
    m->rest_seg = p->nsegs;
    for (size_t i = 0; i < rt->nsegs; i++) {
        const rseg_t *sg = &rt->seg[i];
        if (sg->kind == SEG_REST) {
            m->params[np].name = sg->text;
            m->params[np++].value = i < p->nsegs ? p->joined + p->off[i] : empty;
            m->rest_seg = i;
            m->nparams = np;
            return 1;
        }
        if (i >= p->nsegs)
            return 0;
        if (sg->kind == SEG_LIT) {
            if (p->len[i] != sg->len || memcmp(p->seg[i], sg->text, sg->len))
                return 0;
        } else {
            if (p->len[i] == 0)
                return 0;
            m->params[np].name = sg->text;
            m->params[np++].value = p->seg[i];
        }
    }
    if (p->nsegs != rt->nsegs || p->trailing_slash != rt->trailing_slash)
        return 0;
    m->nparams = np;
    return 1;
}

/* >0 when a is more specific than b (both matched the same path). */
static int more_specific(const route_t *a, const route_t *b)
{
    size_t n = a->nsegs < b->nsegs ? a->nsegs : b->nsegs;
    for (size_t i = 0; i < n; i++)
        if (a->seg[i].kind != b->seg[i].kind)
            return a->seg[i].kind > b->seg[i].kind;
    return a->nsegs > b->nsegs;
}

/* "/{name*}" serves whatever nothing else does (the portal at "/"): it never makes a 405. */
static int is_fallback(const route_t *rt)
{
    return rt->nsegs == 1 && rt->seg[0].kind == SEG_REST;
}

static int method_fits(const char *route_method, const char *method)
{
    return !strcmp(route_method, method) ||
           (!strcmp(method, "HEAD") && !strcmp(route_method, "GET"));
}

static void allow_add(char *allow, size_t cap, const char *method)
{
    size_t ml = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)); p += ml)
        if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
            return;
    size_t n = strlen(allow);
    if (n + ml + 3 > cap)
        return;
    snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", method);
}

int sd_http_router_match(const sd_http_router_t *r, const char *method, const sd_http_path_t *p,
                         sd_http_match_t *m)
{
    memset(m, 0, sizeof *m);
    const route_t *best = NULL;
    sd_http_match_t cand;
    int any = 0;
    for (size_t i = 0; r && i < r->n; i++) {
        const route_t *rt = &r->routes[i];
        memset(&cand, 0, sizeof cand);
        if (!route_matches(rt, p, &cand))
            continue;
        any |= !is_fallback(rt);
        if (!method_fits(rt->method, method))
            continue;
        if (!best || more_specific(rt, best)) {
            best = rt;
            *m = cand;
        }
    }
    if (best) {
        m->data = best->data;
        m->pattern = best->pattern;
        return 0;
    }
    if (!any)
        return SD_ENOTFOUND;
    for (size_t i = 0; i < r->n; i++) {
        const route_t *rt = &r->routes[i];
        if (is_fallback(rt) || !route_matches(rt, p, &cand))
            continue;
        allow_add(m->allow, sizeof m->allow, rt->method);
        if (!strcmp(rt->method, "GET"))
            allow_add(m->allow, sizeof m->allow, "HEAD");
    }
    return SD_EMETHOD;
}
