/* http_parse.c - pure parsers of request targets: percent-decoding, paths, query strings. */
#include "http/http.h"

#include "core/hex.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

/* Incremental UTF-8 check (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
typedef struct {
    int need;         /* continuation bytes still expected */
    unsigned char lo; /* allowed range of the next continuation byte */
    unsigned char hi;
} utf8_state_t;

static int utf8_step(utf8_state_t *st, unsigned char c)
{
    if (st->need) {
        if (c < st->lo || c > st->hi)
            return -1;
        st->need--;
        st->lo = 0x80;
        st->hi = 0xBF;
        return 0;
    }
    st->lo = 0x80;
    st->hi = 0xBF;
    if (c < 0x80)
        return 0;
    if (c >= 0xC2 && c <= 0xDF)
        st->need = 1;
    else if (c == 0xE0)
        st->need = 2, st->lo = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        st->need = 2;
    else if (c == 0xED)
        st->need = 2, st->hi = 0x9F;
    else if (c == 0xF0)
        st->need = 3, st->lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        st->need = 3;
    else if (c == 0xF4)
        st->need = 3, st->hi = 0x8F;
    else
        return -1;
    return 0;
}

enum { DEC_PLUS = 1, DEC_NO_CTL = 2 };

/*
 * Decode src[0..n) into dst (room for n bytes) and NUL-terminate it. base is src's offset in
 * the whole input, for error offsets.
 */
static int decode(const char *src, size_t n, char *dst, size_t *out_len, int flags, size_t base,
                  size_t *err_off)
{
    utf8_state_t st = {0, 0x80, 0xBF};
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = i;
        unsigned char c = (unsigned char)src[i];
        if (c == '%') {
            int h = i + 1 < n ? sd_hex_value(src[i + 1]) : -1;
            int l = i + 2 < n ? sd_hex_value(src[i + 2]) : -1;
            if (h < 0 || l < 0) {
                *err_off = base + i;
                return SD_ESYNTAX;
            }
            c = (unsigned char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && (flags & DEC_PLUS)) {
            c = ' ';
        }
        if (c == 0 || ((flags & DEC_NO_CTL) && (c < 0x20 || c == 0x7F)) || utf8_step(&st, c)) {
            *err_off = base + at;
            return SD_EENCODING;
        }
        dst[o++] = (char)c;
    }
    if (st.need) {
        *err_off = base + n;
        return SD_EENCODING;
    }
    dst[o] = '\0';
    *out_len = o;
    return 0;
}

/* ---- query -------------------------------------------------------------------------------- */

void sd_http_query_free(sd_http_query_t *q)
{
    if (!q)
        return;
    free(q->kv);
    free(q->mem_);
    memset(q, 0, sizeof *q);
}

int sd_http_query_parse(const char *buf, size_t len, sd_http_query_t *q, size_t *err_off)
{
    size_t dummy;
    if (!err_off)
        err_off = &dummy;
    *err_off = 0;
    memset(q, 0, sizeof *q);
    size_t pairs = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && buf[j] != '&')
            j++;
        if (j > i && ++pairs > SD_HTTP_MAX_QUERY_PARAMS) {
            *err_off = i;
            return SD_ETOOBIG;
        }
        i = j + 1;
    }
    if (!pairs)
        return 0;
    /* every decoded string is no longer than its source, plus one NUL per key and value */
    q->mem_ = malloc(len + 2 * pairs);
    q->kv = calloc(pairs, sizeof *q->kv);
    if (!q->mem_ || !q->kv) {
        sd_http_query_free(q);
        return SD_ENOMEM;
    }
    char *w = q->mem_;
    int rc = 0;
    for (size_t i = 0; i < len && !rc;) {
        size_t j = i;
        while (j < len && buf[j] != '&')
            j++;
        if (j == i) {
            i = j + 1;
            continue;
        }
        size_t eq = i;
        while (eq < j && buf[eq] != '=')
            eq++;
        if (eq == i) {
            *err_off = i;
            rc = SD_ESYNTAX;
            break;
        }
        sd_http_kv_t *kv = &q->kv[q->n];
        kv->key = w;
        rc = decode(buf + i, eq - i, w, &kv->key_len, DEC_PLUS, i, err_off);
        if (rc)
            break;
        w += kv->key_len + 1;
        size_t vs = eq < j ? eq + 1 : j;
        kv->value = w;
        rc = decode(buf + vs, j - vs, w, &kv->value_len, DEC_PLUS, vs, err_off);
        if (rc)
            break;
        w += kv->value_len + 1;
        q->n++;
        i = j + 1;
    }
    if (rc)
        sd_http_query_free(q);
    return rc;
}

const char *sd_http_query_get_nth(const sd_http_query_t *q, const char *key, size_t nth)
{
    if (!q)
        return NULL;
    for (size_t i = 0; i < q->n; i++)
        if (!strcmp(q->kv[i].key, key) && nth-- == 0)
            return q->kv[i].value;
    return NULL;
}

const char *sd_http_query_get(const sd_http_query_t *q, const char *key)
{
    return sd_http_query_get_nth(q, key, 0);
}

size_t sd_http_query_count(const sd_http_query_t *q, const char *key)
{
    size_t c = 0;
    for (size_t i = 0; q && i < q->n; i++)
        c += !strcmp(q->kv[i].key, key);
    return c;
}

/* ---- path --------------------------------------------------------------------------------- */

void sd_http_path_free(sd_http_path_t *p)
{
    if (!p)
        return;
    free(p->mem_);
    memset(p, 0, sizeof *p);
}

int sd_http_path_parse(const char *raw, size_t len, sd_http_path_t *p, size_t *err_off)
{
    size_t dummy;
    if (!err_off)
        err_off = &dummy;
    *err_off = 0;
    memset(p, 0, sizeof *p);
    if (len == 0 || raw[0] != '/')
        return SD_ESYNTAX;
    /* segments (each NUL-terminated) then the joined copy: both no longer than the source */
    char *mem = malloc(2 * len + SD_HTTP_MAX_SEGS + 2);
    if (!mem)
        return SD_ENOMEM;
    p->mem_ = mem;
    char *segw = mem;
    char *joined = mem + len + SD_HTTP_MAX_SEGS;
    size_t jl = 0;
    int rc = 0;
    size_t i = 1;
    while (i < len) {
        size_t j = i;
        while (j < len && raw[j] != '/')
            j++;
        if (p->nsegs == SD_HTTP_MAX_SEGS) {
            *err_off = i;
            rc = SD_ETOOBIG;
            goto out;
        }
        size_t n;
        rc = decode(raw + i, j - i, segw, &n, DEC_NO_CTL, i, err_off);
        if (rc)
            goto out;
        p->seg[p->nsegs] = segw;
        p->len[p->nsegs] = n;
        joined[jl++] = '/';
        p->off[p->nsegs] = jl;
        memcpy(joined + jl, segw, n);
        jl += n;
        segw += n + 1;
        p->nsegs++;
        if (j == len - 1) {
            p->trailing_slash = 1;
            break;
        }
        i = j + 1;
    }
    if (jl == 0 || p->trailing_slash)
        joined[jl++] = '/';
    joined[jl] = '\0';
    p->joined = joined;
out:
    if (rc)
        sd_http_path_free(p);
    return rc;
}
