/* link.c - link dispatch: picks a backend ops table from the URL scheme and runs the timeouts. */
#include "link/link_int.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"

static const struct sd_link_ops *const link_backends[] = {
    &sd__link_tcp_ops,
    &sd__link_serial_ops,
    &sd__link_pty_ops,
};

static const struct sd_listener_ops *const listener_backends[] = {
    &sd__listener_tcp_ops,
};

/* Length of the scheme (the part before ':'), or 0 if url has none. */
static size_t scheme_len(const char *url)
{
    size_t i = 0;
    while (url[i] && url[i] != ':' && url[i] != '/' && url[i] != '?')
        i++;
    return url[i] == ':' ? i : 0;
}

static const struct sd_link_ops *find_backend(const char *url)
{
    size_t n = scheme_len(url);
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < sizeof link_backends / sizeof link_backends[0]; i++)
        if (strlen(link_backends[i]->scheme) == n && !memcmp(link_backends[i]->scheme, url, n))
            return link_backends[i];
    return NULL;
}

long long sd__link_now_ms(void)
{
    return (long long)sd_clock_mono_ms(sd_clock_system());
}

int sd__link_wait(int fd, short events, long long deadline_ms)
{
    for (;;) {
        int t = -1;
        if (deadline_ms >= 0) {
            long long left = deadline_ms - sd__link_now_ms();
            if (left <= 0)
                return SD_ETIMEDOUT;
            t = left > INT_MAX ? INT_MAX : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, t);
        if (r > 0)
            return 0; /* readiness, hang-up or error: the next syscall tells which */
        if (r == 0)
            continue; /* re-check the deadline; poll may round down */
        if (errno != EINTR)
            return sd_err_from_errno(errno);
    }
}

static long long deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : sd__link_now_ms() + timeout_ms;
}

int sd__link_uint(const char *s, size_t n, long max, long *out)
{
    if (n == 0 || n > 9)
        return SD_EINVAL;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SD_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return SD_EINVAL;
    *out = v;
    return 0;
}

int sd__link_key_is(const char *k, size_t kl, const char *name)
{
    return strlen(name) == kl && !memcmp(k, name, kl);
}

int sd__link_query(const char *q, sd__link_query_fn fn, void *ctx, const char **why)
{
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', n);
        if (!eq || eq == q) {
            *why = "query option without name=value";
            return SD_EINVAL;
        }
        int r = fn(ctx, q, (size_t)(eq - q), eq + 1, n - (size_t)(eq - q) - 1, why);
        if (r)
            return r;
        q += n;
        if (*q == '&')
            q++;
    }
    return 0;
}

int sd_link_url_check(const char *url, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!url) {
        *why = "no URL";
        return SD_EINVAL;
    }
    const struct sd_link_ops *ops = find_backend(url);
    if (!ops) {
        *why = "unknown URL scheme";
        return SD_EUNSUPPORTED;
    }
    return ops->check(url, why);
}

int sd_link_url_is_modem(const char *url)
{
    const struct sd_link_ops *ops = url ? find_backend(url) : NULL;
    return ops ? ops->modem : SD_EUNSUPPORTED;
}

int sd_link_open(const char *url, sd_link_t **out)
{
    *out = NULL;
    const char *why;
    int r = sd_link_url_check(url, &why);
    if (r)
        return r;
    sd_link_t *l = calloc(1, sizeof *l);
    if (!l)
        return SD_ENOMEM;
    l->ops = find_backend(url);
    l->fd = -1;
    l->aux_fd = -1;
    r = l->ops->open(url, l);
    if (r) {
        free(l);
        return r;
    }
    *out = l;
    return 0;
}

int sd_link_read(sd_link_t *l, void *buf, size_t n, int timeout_ms)
{
    if (n == 0)
        return 0;
    if (n > INT_MAX)
        n = INT_MAX;
    long long deadline = deadline_of(timeout_ms);
    for (;;) {
        int r = l->ops->read(l, buf, n);
        if (r != SD_EAGAIN)
            return r;
        if (timeout_ms == 0)
            return SD_ETIMEDOUT;
        r = sd__link_wait(l->fd, POLLIN, deadline);
        if (r)
            return r;
    }
}

int sd_link_write_all(sd_link_t *l, const void *buf, size_t n, int timeout_ms)
{
    const unsigned char *p = buf;
    long long deadline = deadline_of(timeout_ms);
    while (n > 0) {
        int r = l->ops->write(l, p, n > INT_MAX ? INT_MAX : n);
        if (r > 0) {
            p += r;
            n -= (size_t)r;
            continue;
        }
        if (r != SD_EAGAIN)
            return r;
        r = sd__link_wait(l->fd, POLLOUT, deadline);
        if (r)
            return r;
    }
    return 0;
}

int sd_link_fd(const sd_link_t *l)
{
    return l->fd;
}

const char *sd_link_kind(const sd_link_t *l)
{
    return l->ops->scheme;
}

const char *sd_link_peer_name(const sd_link_t *l)
{
    return l->peer;
}

int sd_link_is_modem(const sd_link_t *l)
{
    return l->ops->modem;
}

void sd_link_close(sd_link_t *l)
{
    if (!l)
        return;
    l->ops->close(l);
    free(l);
}

int sd_listener_open(const char *url, sd_listener_t **out)
{
    *out = NULL;
    if (!url)
        return SD_EINVAL;
    size_t n = scheme_len(url);
    const struct sd_listener_ops *ops = NULL;
    for (size_t i = 0; n && i < sizeof listener_backends / sizeof listener_backends[0]; i++)
        if (strlen(listener_backends[i]->scheme) == n &&
            !memcmp(listener_backends[i]->scheme, url, n))
            ops = listener_backends[i];
    if (!ops)
        return SD_EUNSUPPORTED;
    sd_listener_t *ls = calloc(1, sizeof *ls);
    if (!ls)
        return SD_ENOMEM;
    ls->ops = ops;
    ls->fd = -1;
    int r = ops->open(url, ls);
    if (r) {
        free(ls);
        return r;
    }
    *out = ls;
    return 0;
}

int sd_listener_port(const sd_listener_t *ls)
{
    return ls->port;
}

int sd_listener_fd(const sd_listener_t *ls)
{
    return ls->fd;
}

int sd_listener_accept(sd_listener_t *ls, sd_link_t **out, int timeout_ms)
{
    *out = NULL;
    sd_link_t *l = calloc(1, sizeof *l);
    if (!l)
        return SD_ENOMEM;
    l->fd = -1;
    l->aux_fd = -1;
    long long deadline = deadline_of(timeout_ms);
    for (;;) {
        int r = ls->ops->accept(ls, l);
        if (r == 0)
            break;
        if (r == SD_EAGAIN && timeout_ms != 0)
            r = sd__link_wait(ls->fd, POLLIN, deadline);
        else if (r == SD_EAGAIN)
            r = SD_ETIMEDOUT;
        if (r) {
            free(l);
            return r;
        }
    }
    *out = l;
    return 0;
}

void sd_listener_close(sd_listener_t *ls)
{
    if (!ls)
        return;
    ls->ops->close(ls);
    free(ls);
}
