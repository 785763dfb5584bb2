/* link_tcp.c - tcp:// backend: client connect with timeout, listener with accept. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "link/link_int.h"

#define CONNECT_TIMEOUT_MS 10000

struct tcp_url {
    char host[SD__LINK_PEER_MAX];
    long port;
    long timeout_ms;
};

static int tcp_opt(void *ctx, const char *k, size_t kl, const char *v, size_t vl, const char **why)
{
    struct tcp_url *u = ctx;
    if (sd__link_key_is(k, kl, "timeout")) {
        if (sd__link_uint(v, vl, 3600000, &u->timeout_ms)) {
            *why = "timeout must be 0..3600000 ms";
            return SD_EINVAL;
        }
        return 0;
    }
    *why = "unknown tcp option";
    return SD_EINVAL;
}

/* tcp://host:port[?opts]; host may be [v6]. Empty host allowed only when listening. */
static int tcp_parse(const char *url, struct tcp_url *u, int listening, const char **why)
{
    memset(u, 0, sizeof *u);
    u->timeout_ms = CONNECT_TIMEOUT_MS;
    if (strncmp(url, "tcp://", 6) != 0) {
        *why = "expected tcp://host:port";
        return SD_EINVAL;
    }
    const char *p = url + 6, *hend, *colon;
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend) {
            *why = "unterminated [IPv6] host";
            return SD_EINVAL;
        }
        colon = hend + 1;
        p++;
    } else {
        colon = p + strcspn(p, ":/?");
        hend = colon;
    }
    size_t hl = (size_t)(hend - p);
    if (hl >= sizeof u->host) {
        *why = "host name too long";
        return SD_EINVAL;
    }
    for (size_t i = 0; i < hl; i++)
        if (p[i] <= ' ' || p[i] > '~' || strchr("[]@/?#&", p[i])) {
            *why = "bad character in host";
            return SD_EINVAL;
        }
    memcpy(u->host, p, hl);
    if (hl == 0 && !listening) {
        *why = "missing host";
        return SD_EINVAL;
    }
    if (*colon != ':') {
        *why = "missing :port";
        return SD_EINVAL;
    }
    const char *port = colon + 1;
    size_t pl = strcspn(port, "?");
    if (sd__link_uint(port, pl, 65535, &u->port) || (u->port == 0 && !listening)) {
        *why = listening ? "port must be 0..65535" : "port must be 1..65535";
        return SD_EINVAL;
    }
    if (port[pl] == '?')
        return sd__link_query(port + pl + 1, tcp_opt, u, why);
    return 0;
}

static int tcp_check(const char *url, const char **why)
{
    struct tcp_url u;
    return tcp_parse(url, &u, 0, why);
}

static int gai_err(int e)
{
    switch (e) {
    case EAI_AGAIN:
        return SD_EAGAIN;
    case EAI_MEMORY:
        return SD_ENOMEM;
    case EAI_SYSTEM:
        return sd_err_from_errno(errno);
    default:
        return SD_ENOTFOUND;
    }
}

static void peer_from_addr(const struct sockaddr *sa, socklen_t sl, char *out, size_t cap)
{
    char h[NI_MAXHOST], s[NI_MAXSERV];
    if (getnameinfo(sa, sl, h, sizeof h, s, sizeof s, NI_NUMERICHOST | NI_NUMERICSERV)) {
        snprintf(out, cap, "?");
        return;
    }
    snprintf(out, cap, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, s);
}

static void tune(int fd)
{
    int one = 1;
    /* protocol texts are small request/answer pairs: Nagle would only add latency */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

static int connect_one(const struct addrinfo *ai, long long deadline, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return sd_err_from_errno(errno);
    int r = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS) {
            r = sd_err_from_errno(errno);
            goto out;
        }
        r = sd__link_wait(fd, POLLOUT, deadline);
        if (r)
            goto out;
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
            err = errno;
        if (err)
            r = sd_err_from_errno(err);
    }
out:
    if (r)
        close(fd);
    else
        *fd_out = fd;
    return r;
}

static int tcp_open(const char *url, sd_link_t *l)
{
    struct tcp_url u;
    const char *why;
    int r = tcp_parse(url, &u, 0, &why);
    if (r)
        return r;
    char port[8];
    snprintf(port, sizeof port, "%ld", u.port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res;
    int e = getaddrinfo(u.host, port, &hints, &res);
    if (e)
        return gai_err(e);
    long long deadline = sd__link_now_ms() + u.timeout_ms;
    r = SD_ENOTFOUND;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        r = connect_one(ai, deadline, &l->fd);
        if (r == 0) {
            peer_from_addr(ai->ai_addr, ai->ai_addrlen, l->peer, sizeof l->peer);
            break;
        }
        if (r == SD_ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    if (r == 0)
        tune(l->fd);
    return r;
}

static int tcp_read(sd_link_t *l, void *buf, size_t n)
{
    for (;;) {
        ssize_t k = recv(l->fd, buf, n, 0);
        if (k > 0)
            return (int)k;
        if (k == 0)
            return SD_ECLOSED;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return SD_EAGAIN;
        return sd_err_from_errno(errno);
    }
}

static int tcp_write(sd_link_t *l, const void *buf, size_t n)
{
    for (;;) {
        ssize_t k = send(l->fd, buf, n, MSG_NOSIGNAL);
        if (k >= 0)
            return k > 0 ? (int)k : SD_EAGAIN;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return SD_EAGAIN;
        return sd_err_from_errno(errno);
    }
}

static void tcp_close(sd_link_t *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

const struct sd_link_ops sd__link_tcp_ops = {
    .scheme = "tcp",
    .modem = 0,
    .check = tcp_check,
    .open = tcp_open,
    .read = tcp_read,
    .write = tcp_write,
    .close = tcp_close,
};

static int listener_open(const char *url, sd_listener_t *ls)
{
    struct tcp_url u;
    const char *why;
    int r = tcp_parse(url, &u, 1, &why);
    if (r)
        return r;
    char port[8];
    snprintf(port, sizeof port, "%ld", u.port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *res;
    int e = getaddrinfo(u.host[0] && strcmp(u.host, "*") ? u.host : NULL, port, &hints, &res);
    if (e)
        return gai_err(e);
    int fd = -1;
    r = SD_ENOTFOUND;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            r = sd_err_from_errno(errno);
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
            r = 0;
            break;
        }
        r = sd_err_from_errno(errno); /* EADDRINUSE: SD_EADDRINUSE */
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (r)
        return r;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        r = sd_err_from_errno(errno);
        close(fd);
        return r;
    }
    ls->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    ls->fd = fd;
    return 0;
}

static int listener_accept(sd_listener_t *ls, sd_link_t *l)
{
    struct sockaddr_storage ss;
    for (;;) {
        socklen_t sl = sizeof ss;
        int fd = accept(ls->fd, (struct sockaddr *)&ss, &sl);
        if (fd >= 0) {
            /* accept4() is a GNU extension; set the flags by hand */
            if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
                fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
                int r = sd_err_from_errno(errno);
                close(fd);
                return r;
            }
            tune(fd);
            l->ops = &sd__link_tcp_ops;
            l->fd = fd;
            peer_from_addr((struct sockaddr *)&ss, sl, l->peer, sizeof l->peer);
            return 0;
        }
        /* a connection that died in the backlog is not the listener's failure */
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return SD_EAGAIN;
        return sd_err_from_errno(errno);
    }
}

static void listener_close(sd_listener_t *ls)
{
    if (ls->fd >= 0)
        close(ls->fd);
    ls->fd = -1;
}

const struct sd_listener_ops sd__listener_tcp_ops = {
    .scheme = "tcp",
    .open = listener_open,
    .accept = listener_accept,
    .close = listener_close,
};
