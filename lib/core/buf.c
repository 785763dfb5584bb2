/* buf.c - growable byte buffer. */
#include "core/buf.h"

#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sd_buf_reserve(sd_buf_t *b, size_t extra)
{
    if (extra > (size_t)-1 / 2 - b->len)
        return SD_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return SD_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int sd_buf_append(sd_buf_t *b, const void *p, size_t n)
{
    int rc = sd_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sd_buf_append_str(sd_buf_t *b, const char *s)
{
    return sd_buf_append(b, s, strlen(s));
}

int sd_buf_append_byte(sd_buf_t *b, char c)
{
    return sd_buf_append(b, &c, 1);
}

int sd_buf_vprintf(sd_buf_t *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return SD_EINVAL;
    int rc = sd_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int sd_buf_printf(sd_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sd_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void sd_buf_consume(sd_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

void sd_buf_reset(sd_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sd_buf_free(sd_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *sd_buf_steal(sd_buf_t *b)
{
    if (!b->data && sd_buf_reserve(b, 0))
        return NULL;
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
