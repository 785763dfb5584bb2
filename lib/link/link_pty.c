/* link_pty.c - pty: backend: a fresh PTY master in raw mode; the slave is the peer's device. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "core/err.h"
#include "link/link_int.h"

struct pty_url {
    long hold;
};

static int pty_opt(void *ctx, const char *k, size_t kl, const char *v, size_t vl, const char **why)
{
    struct pty_url *u = ctx;
    if (sd__link_key_is(k, kl, "hold")) {
        if (sd__link_uint(v, vl, 1, &u->hold)) {
            *why = "hold must be 0 or 1";
            return SD_EINVAL;
        }
        return 0;
    }
    *why = "unknown pty option";
    return SD_EINVAL;
}

/* "pty:", "pty://" or either followed by "?opts". */
static int pty_parse(const char *url, struct pty_url *u, const char **why)
{
    u->hold = 0;
    if (strncmp(url, "pty:", 4) != 0) {
        *why = "expected pty:";
        return SD_EINVAL;
    }
    const char *p = url + 4;
    if (!strncmp(p, "//", 2))
        p += 2;
    if (*p == '\0')
        return 0;
    if (*p != '?') {
        *why = "pty: takes no path (the slave is created)";
        return SD_EINVAL;
    }
    return sd__link_query(p + 1, pty_opt, u, why);
}

static int pty_check(const char *url, const char **why)
{
    struct pty_url u;
    return pty_parse(url, &u, why);
}

static int pty_open(const char *url, sd_link_t *l)
{
    struct pty_url u;
    const char *why;
    int r = pty_parse(url, &u, &why);
    if (r)
        return r;
    /* /dev/ptmx with the Linux ioctls: posix_openpt() and ptsname_r() need feature macros
     * beyond the project's POSIX + default set */
    int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return sd_err_from_errno(errno);
    int unlock = 0, num = -1;
    struct termios t;
    if (ioctl(fd, TIOCSPTLCK, &unlock) < 0 || ioctl(fd, TIOCGPTN, &num) < 0 ||
        tcgetattr(fd, &t) < 0) {
        r = sd_err_from_errno(errno);
        goto fail;
    }
    /* raw before anyone opens the slave, so nothing is echoed or translated meanwhile */
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        r = sd_err_from_errno(errno);
        goto fail;
    }
    snprintf(l->peer, sizeof l->peer, "/dev/pts/%d", num);
    if (u.hold) {
        l->aux_fd = open(l->peer, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (l->aux_fd < 0) {
            r = sd_err_from_errno(errno);
            goto fail;
        }
    }
    l->fd = fd;
    return 0;
fail:
    close(fd);
    return r;
}

static void pty_close(sd_link_t *l)
{
    if (l->aux_fd >= 0)
        close(l->aux_fd);
    if (l->fd >= 0)
        close(l->fd);
    l->fd = l->aux_fd = -1;
}

const struct sd_link_ops sd__link_pty_ops = {
    .scheme = "pty",
    .modem = 1,
    .check = pty_check,
    .open = pty_open,
    .read = sd__tty_read,
    .write = sd__tty_write,
    .close = pty_close,
};
