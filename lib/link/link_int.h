/* link_int.h - private to lib/link: the backend ops tables and the shared link struct. */
#ifndef SD_LINK_LINK_INT_H
#define SD_LINK_LINK_INT_H

#include <stddef.h>

#include "link/link.h"

#define SD__LINK_PEER_MAX 256

struct sd_link_ops {
    const char *scheme; /* "tcp", matched against the URL up to ':' */
    int modem;          /* 1 if a center dials it with AT commands */
    /* Validate a whole URL of this scheme without side effects: 0 or SD_EINVAL with *why. */
    int (*check)(const char *url, const char **why);
    /* Open url into l (fd, peer, aux_fd). On failure leave nothing open. */
    int (*open)(const char *url, sd_link_t *l);
    /* One non-blocking read/write: bytes moved (> 0), SD_EAGAIN, SD_ECLOSED or another SD_E*. */
    int (*read)(sd_link_t *l, void *buf, size_t n);
    int (*write)(sd_link_t *l, const void *buf, size_t n);
    /* Release what open() acquired (not l itself). */
    void (*close)(sd_link_t *l);
};

struct sd_link {
    const struct sd_link_ops *ops;
    int fd;
    int aux_fd; /* backend's extra descriptor (pty hold), -1 if none */
    char peer[SD__LINK_PEER_MAX];
};

struct sd_listener_ops {
    const char *scheme;
    int (*open)(const char *url, sd_listener_t *ls);
    /* One non-blocking accept into l: 0, SD_EAGAIN or another SD_E*. */
    int (*accept)(sd_listener_t *ls, sd_link_t *l);
    void (*close)(sd_listener_t *ls);
};

struct sd_listener {
    const struct sd_listener_ops *ops;
    int fd;
    int port;
};

extern const struct sd_link_ops sd__link_tcp_ops;
extern const struct sd_link_ops sd__link_serial_ops;
extern const struct sd_link_ops sd__link_pty_ops;
extern const struct sd_listener_ops sd__listener_tcp_ops;

/*
 * Walk a query string "k=v&k=v" (without the '?'), calling fn for each pair; stops at the first
 * non-zero return and passes it on. An empty query is fine; a pair without '=' is SD_EINVAL.
 */
typedef int (*sd__link_query_fn)(void *ctx, const char *k, size_t kl, const char *v, size_t vl,
                                 const char **why);
int sd__link_query(const char *q, sd__link_query_fn fn, void *ctx, const char **why);

/* Parse n decimal digits (1..9 of them) no greater than max. 0 or SD_EINVAL. */
int sd__link_uint(const char *s, size_t n, long max, long *out);

/* Whether k (kl bytes) equals the NUL-terminated name. */
int sd__link_key_is(const char *k, size_t kl, const char *name);

/* Wait until fd is ready for events or the monotonic deadline passes (-1: never). */
int sd__link_wait(int fd, short events, long long deadline_ms);

/* Milliseconds on the monotonic clock. */
long long sd__link_now_ms(void);

/* One non-blocking read/write on a tty fd (serial or pty), as the ops read/write. */
int sd__tty_read(sd_link_t *l, void *buf, size_t n);
int sd__tty_write(sd_link_t *l, const void *buf, size_t n);

/* Parsed serial:// URL; exposed so tests can check parsing without a device. */
struct sd__serial_cfg {
    char path[SD__LINK_PEER_MAX];
    long baud;
    int data;    /* 7 or 8 */
    char parity; /* 'N', 'E' or 'O' */
    int stop;    /* 1 or 2 */
    int rtscts;  /* hardware flow control */
};
int sd__serial_parse(const char *url, struct sd__serial_cfg *cfg, const char **why);

/* Put an open tty fd into raw mode per cfg: 0, SD_EINVAL (not a tty), or an errno mapping. */
int sd__serial_setup(int fd, const struct sd__serial_cfg *cfg);

/* Build the raw-mode termios for cfg into t (which holds the device's current settings). Pure. */
struct termios;
int sd__serial_termios(const struct sd__serial_cfg *cfg, struct termios *t);

#endif
