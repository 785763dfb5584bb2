/* link.h - byte transports (tcp, serial, pty) behind one opaque handle chosen from a URL. */
#ifndef SD_LINK_LINK_H
#define SD_LINK_LINK_H

#include <stddef.h>

/*
 * A link is a bidirectional byte stream to a terminal or a modem. The backend is chosen from the
 * URL scheme; the protocol code above never knows which one it talks to.
 *
 *   tcp://host:port[?timeout=ms]          client connect (IPv4, IPv6 as [addr], names resolved);
 *                                         timeout bounds the connect, default 10000 ms.
 *   serial:///dev/ttyUSB0[?opts]          a serial port in raw mode; opts joined with '&':
 *                                         baud=300..230400 (default 9600), data=7|8 (8),
 *                                         parity=none|even|odd (none), stop=1|2 (1),
 *                                         flow=none|rtscts (none).
 *   pty:[?hold=1]                         a new PTY master; the slave's path is
 *                                         sd_link_peer_name(). hold=1 keeps a slave fd open so
 *                                         the master never sees a hang-up (a modem that stays
 *                                         plugged in while DTEs come and go); without it, the
 *                                         master waits for a first slave open and reads
 *                                         SD_ECLOSED once the last slave closes (until reopened).
 *
 * Links over serial and pty are modems: a center dials them with the Hayes AT layer
 * (link/modem.h). A tcp link is already connected (IP modem, terminal server, simulator).
 *
 * All fds are non-blocking and close-on-exec; callers may poll() sd_link_fd() and then call
 * sd_link_read() with timeout 0. A link is used by one thread at a time.
 */
typedef struct sd_link sd_link_t;
typedef struct sd_listener sd_listener_t;

/*
 * Open a link from url. On success *out owns the link (free with sd_link_close()).
 * Fails with SD_EINVAL (malformed URL or option), SD_EUNSUPPORTED (unknown scheme),
 * SD_ENOTFOUND (no such host or device), SD_ECLOSED (connection refused), SD_ETIMEDOUT,
 * SD_ENOMEM, or the errno mapping of the failing system call; *out is then NULL.
 */
int sd_link_open(const char *url, sd_link_t **out);

/*
 * Read up to n bytes, waiting at most timeout_ms (-1 forever, 0 not at all) for the first one.
 * Returns the number of bytes read (1..n; n is capped at INT_MAX), SD_ETIMEDOUT if nothing
 * arrived in time, SD_ECLOSED on end of stream or hang-up, or another negative SD_E*.
 * Bytes sent before the peer closed are delivered before SD_ECLOSED.
 */
int sd_link_read(sd_link_t *l, void *buf, size_t n, int timeout_ms);

/*
 * Write all n bytes within timeout_ms (-1 forever). Returns 0, SD_ETIMEDOUT (some bytes may
 * have been sent), SD_ECLOSED if the peer is gone, or another negative SD_E*. Never raises
 * SIGPIPE.
 */
int sd_link_write_all(sd_link_t *l, const void *buf, size_t n, int timeout_ms);

/* The descriptor to poll() for readability; owned by the link. */
int sd_link_fd(const sd_link_t *l);

/* Scheme of the backend: "tcp", "serial" or "pty". Static string. */
const char *sd_link_kind(const sd_link_t *l);

/*
 * Who is on the other end: "host:port" for tcp, the device path for serial, the slave's path
 * for pty. Owned by the link; valid until sd_link_close().
 */
const char *sd_link_peer_name(const sd_link_t *l);

/* 1 if the link is a modem line (serial, pty) that is dialled with AT commands, 0 for tcp. */
int sd_link_is_modem(const sd_link_t *l);

/* Close the link and free it. NULL-safe. */
void sd_link_close(sd_link_t *l);

/*
 * Whether url names a modem line that must be dialled with AT commands (1: serial, pty), a
 * connected stream (0: tcp), or an unknown scheme (SD_EUNSUPPORTED). Pure; opens nothing.
 */
int sd_link_url_is_modem(const char *url);

/*
 * Check a link URL without opening it. Returns 0, SD_EUNSUPPORTED or SD_EINVAL; *why (if not
 * NULL) receives a short static reason on failure. Pure.
 */
int sd_link_url_check(const char *url, const char **why);

/*
 * Listen for links. Only tcp://host:port is supported; port 0 picks a free port (see
 * sd_listener_port()). *out owns the listener. Errors as for sd_link_open(), plus
 * SD_EADDRINUSE when the address is in use.
 */
int sd_listener_open(const char *url, sd_listener_t **out);

/* The bound port (useful after port 0). */
int sd_listener_port(const sd_listener_t *ls);

/* The descriptor to poll() for incoming connections. */
int sd_listener_fd(const sd_listener_t *ls);

/*
 * Accept one connection, waiting at most timeout_ms (-1 forever). *out owns the new link.
 * Returns 0, SD_ETIMEDOUT, or another negative SD_E*.
 */
int sd_listener_accept(sd_listener_t *ls, sd_link_t **out, int timeout_ms);

/* Stop listening and free. NULL-safe. Links already accepted stay open. */
void sd_listener_close(sd_listener_t *ls);

#endif
