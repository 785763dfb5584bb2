/* link_serial.c - serial:// backend: a tty (serial port, modem, PTY slave) in raw mode. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "core/err.h"
#include "link/link_int.h"

static const struct {
    long baud;
    speed_t code;
} bauds[] = {
    {300, B300},     {600, B600},       {1200, B1200},     {2400, B2400},
    {4800, B4800},   {9600, B9600},     {19200, B19200},   {38400, B38400},
    {57600, B57600}, {115200, B115200}, {230400, B230400},
};

static int baud_code(long baud, speed_t *code)
{
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++)
        if (bauds[i].baud == baud) {
            *code = bauds[i].code;
            return 0;
        }
    return SD_EINVAL;
}

static int serial_opt(void *ctx, const char *k, size_t kl, const char *v, size_t vl,
                      const char **why)
{
    struct sd__serial_cfg *c = ctx;
    long n;
    speed_t code;
    if (sd__link_key_is(k, kl, "baud")) {
        if (sd__link_uint(v, vl, 4000000, &n) || baud_code(n, &code)) {
            *why = "baud must be one of 300 600 1200 2400 4800 9600 19200 38400 57600 115200 "
                   "230400";
            return SD_EINVAL;
        }
        c->baud = n;
    } else if (sd__link_key_is(k, kl, "data")) {
        if (sd__link_uint(v, vl, 8, &n) || n < 7) {
            *why = "data must be 7 or 8";
            return SD_EINVAL;
        }
        c->data = (int)n;
    } else if (sd__link_key_is(k, kl, "stop")) {
        if (sd__link_uint(v, vl, 2, &n) || n < 1) {
            *why = "stop must be 1 or 2";
            return SD_EINVAL;
        }
        c->stop = (int)n;
    } else if (sd__link_key_is(k, kl, "parity")) {
        if (sd__link_key_is(v, vl, "none"))
            c->parity = 'N';
        else if (sd__link_key_is(v, vl, "even"))
            c->parity = 'E';
        else if (sd__link_key_is(v, vl, "odd"))
            c->parity = 'O';
        else {
            *why = "parity must be none, even or odd";
            return SD_EINVAL;
        }
    } else if (sd__link_key_is(k, kl, "flow")) {
        if (sd__link_key_is(v, vl, "none"))
            c->rtscts = 0;
        else if (sd__link_key_is(v, vl, "rtscts"))
            c->rtscts = 1;
        else {
            *why = "flow must be none or rtscts";
            return SD_EINVAL;
        }
    } else {
        *why = "unknown serial option";
        return SD_EINVAL;
    }
    return 0;
}

int sd__serial_parse(const char *url, struct sd__serial_cfg *cfg, const char **why)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->baud = 9600;
    cfg->data = 8;
    cfg->parity = 'N';
    cfg->stop = 1;
    if (strncmp(url, "serial://", 9) != 0 || url[9] != '/') {
        *why = "expected serial:///absolute/device/path";
        return SD_EINVAL;
    }
    const char *path = url + 9;
    size_t pl = strcspn(path, "?");
    if (pl >= sizeof cfg->path || pl < 2) {
        *why = "device path empty or too long";
        return SD_EINVAL;
    }
    for (size_t i = 0; i < pl; i++)
        if (path[i] <= ' ' || path[i] > '~') {
            *why = "bad character in device path";
            return SD_EINVAL;
        }
    memcpy(cfg->path, path, pl);
    if (path[pl] == '?')
        return sd__link_query(path + pl + 1, serial_opt, cfg, why);
    return 0;
}

int sd__serial_termios(const struct sd__serial_cfg *cfg, struct termios *t)
{
    speed_t code;
    if (baud_code(cfg->baud, &code))
        return SD_EINVAL;
    cfmakeraw(t);
    t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    t->c_cflag |= CLOCAL | CREAD | (cfg->data == 7 ? CS7 : CS8);
    if (cfg->parity != 'N')
        t->c_cflag |= PARENB | (cfg->parity == 'O' ? PARODD : 0);
    if (cfg->stop == 2)
        t->c_cflag |= CSTOPB;
    if (cfg->rtscts)
        t->c_cflag |= CRTSCTS;
    /* with parity on, check it on input rather than silently passing bad bytes */
    if (cfg->parity != 'N')
        t->c_iflag |= INPCK;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
    if (cfsetispeed(t, code) < 0 || cfsetospeed(t, code) < 0)
        return SD_EINVAL;
    return 0;
}

int sd__serial_setup(int fd, const struct sd__serial_cfg *cfg)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0)
        return errno == ENOTTY ? SD_EINVAL : sd_err_from_errno(errno);
    int r = sd__serial_termios(cfg, &t);
    if (r)
        return r;
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        return sd_err_from_errno(errno);
    return 0;
}

static int serial_check(const char *url, const char **why)
{
    struct sd__serial_cfg c;
    return sd__serial_parse(url, &c, why);
}

static int serial_open(const char *url, sd_link_t *l)
{
    struct sd__serial_cfg c;
    const char *why;
    int r = sd__serial_parse(url, &c, &why);
    if (r)
        return r;
    /* O_NONBLOCK also keeps open() from waiting for carrier on a modem port */
    int fd = open(c.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return sd_err_from_errno(errno);
    if (!isatty(fd)) {
        close(fd);
        return SD_EINVAL;
    }
    /* two processes driving one modem would garble both sessions */
    if (ioctl(fd, TIOCEXCL) < 0 && errno != ENOTTY) {
        r = sd_err_from_errno(errno);
        close(fd);
        return r;
    }
    r = sd__serial_setup(fd, &c);
    if (r) {
        close(fd);
        return r;
    }
    (void)tcflush(fd, TCIOFLUSH);
    l->fd = fd;
    memcpy(l->peer, c.path, sizeof c.path);
    return 0;
}

/* Shared with the pty backend: a tty reports hang-up as EIO or a zero read. */
int sd__tty_read(sd_link_t *l, void *buf, size_t n)
{
    for (;;) {
        ssize_t k = read(l->fd, buf, n);
        if (k > 0)
            return (int)k;
        if (k == 0)
            return SD_ECLOSED;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return SD_EAGAIN;
        if (errno == EIO)
            return SD_ECLOSED;
        return sd_err_from_errno(errno);
    }
}

int sd__tty_write(sd_link_t *l, const void *buf, size_t n)
{
    for (;;) {
        ssize_t k = write(l->fd, buf, n);
        if (k > 0)
            return (int)k;
        if (k == 0)
            return SD_EAGAIN;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return SD_EAGAIN;
        if (errno == EIO)
            return SD_ECLOSED;
        return sd_err_from_errno(errno);
    }
}

static void serial_close(sd_link_t *l)
{
    /* a PTY master that holds the slave open keeps the exclusive flag; let the next DTE in */
    if (l->fd >= 0) {
        (void)ioctl(l->fd, TIOCNXCL);
        close(l->fd);
    }
    l->fd = -1;
}

const struct sd_link_ops sd__link_serial_ops = {
    .scheme = "serial",
    .modem = 1,
    .check = serial_check,
    .open = serial_open,
    .read = sd__tty_read,
    .write = sd__tty_write,
    .close = serial_close,
};
