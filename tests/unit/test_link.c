/* test_link.c - transport conformance suite run on tcp and on a PTY pair, plus URL parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "link/link.h"
#include "link/link_int.h"

/* A connected pair: a and b are the two ends; the suite runs the same tests on each kind. */
struct pair {
    const char *kind;
    sd_link_t *a, *b;
    sd_listener_t *ls;
};

static int64_t now_ms(void)
{
    return sd_clock_mono_ms(sd_clock_system());
}

static int open_pair(struct pair *p)
{
    if (!strcmp(p->kind, "tcp")) {
        char url[64];
        assert_int_equal(sd_listener_open("tcp://127.0.0.1:0", &p->ls), 0);
        assert_true(sd_listener_port(p->ls) > 0);
        snprintf(url, sizeof url, "tcp://127.0.0.1:%d?timeout=2000", sd_listener_port(p->ls));
        assert_int_equal(sd_link_open(url, &p->a), 0);
        assert_int_equal(sd_listener_accept(p->ls, &p->b, 2000), 0);
    } else {
        char url[300];
        assert_int_equal(sd_link_open("pty:", &p->a), 0);
        snprintf(url, sizeof url, "serial://%s?baud=115200", sd_link_peer_name(p->a));
        assert_int_equal(sd_link_open(url, &p->b), 0);
    }
    return 0;
}

static int setup(void **state)
{
    return open_pair(*state);
}

static int teardown(void **state)
{
    struct pair *p = *state;
    sd_link_close(p->a);
    sd_link_close(p->b);
    sd_listener_close(p->ls);
    p->a = p->b = NULL;
    p->ls = NULL;
    return 0;
}

/* Read exactly n bytes or fail the test. */
static void read_exact(sd_link_t *l, unsigned char *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        int r = sd_link_read(l, buf + got, n - got, timeout_ms);
        if (r < 0)
            fail_msg("read after %zu of %zu bytes: %s", got, n, sd_err_name(r));
        assert_true(r > 0 && (size_t)r <= n - got);
        got += (size_t)r;
    }
}

static void all_bytes_one_way(sd_link_t *from, sd_link_t *to)
{
    unsigned char out[256], in[256];
    for (int i = 0; i < 256; i++)
        out[i] = (unsigned char)i;
    assert_int_equal(sd_link_write_all(from, out, sizeof out, 1000), 0);
    read_exact(to, in, sizeof in, 1000);
    assert_memory_equal(in, out, sizeof out);
}

static void test_all_byte_values(void **state)
{
    struct pair *p = *state;
    all_bytes_one_way(p->a, p->b);
    all_bytes_one_way(p->b, p->a);
    /* and again, interleaved, so neither side's buffering hides a lost byte */
    all_bytes_one_way(p->a, p->b);
    all_bytes_one_way(p->b, p->a);
}

static void test_partial_reads(void **state)
{
    struct pair *p = *state;
    assert_int_equal(sd_link_write_all(p->a, "0123456789", 10, 1000), 0);
    unsigned char buf[16];
    size_t got = 0;
    int reads = 0;
    while (got < 10) {
        int r = sd_link_read(p->b, buf + got, 3, 1000);
        assert_true(r >= 1 && r <= 3);
        got += (size_t)r;
        reads++;
    }
    assert_true(reads >= 4);
    assert_memory_equal(buf, "0123456789", 10);
    /* a big buffer returns what is there without waiting for it to fill */
    assert_int_equal(sd_link_write_all(p->b, "xyz", 3, 1000), 0);
    int64_t t0 = now_ms();
    got = 0;
    while (got < 3) {
        int r = sd_link_read(p->a, buf + got, sizeof buf - got, 1000);
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_true(now_ms() - t0 < 500);
    assert_memory_equal(buf, "xyz", 3);
    /* zero-length read is a no-op */
    assert_int_equal(sd_link_read(p->a, buf, 0, 1000), 0);
}

static void test_timeouts(void **state)
{
    struct pair *p = *state;
    unsigned char c;
    int64_t t0 = now_ms();
    assert_int_equal(sd_link_read(p->a, &c, 1, 50), SD_ETIMEDOUT);
    int64_t dt = now_ms() - t0;
    assert_true(dt >= 49);
    assert_true(dt < 500);
    t0 = now_ms();
    assert_int_equal(sd_link_read(p->b, &c, 1, 0), SD_ETIMEDOUT);
    assert_true(now_ms() - t0 < 50);
    /* after a timeout the link still works */
    assert_int_equal(sd_link_write_all(p->b, "!", 1, 1000), 0);
    assert_int_equal(sd_link_read(p->a, &c, 1, 1000), 1);
    assert_int_equal(c, '!');
}

static void test_poll_fd(void **state)
{
    struct pair *p = *state;
    struct pollfd pfd = {.fd = sd_link_fd(p->b), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 0), 0);
    assert_int_equal(sd_link_write_all(p->a, "q", 1, 1000), 0);
    assert_int_equal(poll(&pfd, 1, 1000), 1);
    assert_true(pfd.revents & POLLIN);
    unsigned char c;
    assert_int_equal(sd_link_read(p->b, &c, 1, 0), 1);
    assert_int_equal(c, 'q');
}

struct writer {
    sd_link_t *l;
    const unsigned char *data;
    size_t n;
    int rc;
};

static void *write_thread(void *arg)
{
    struct writer *w = arg;
    w->rc = sd_link_write_all(w->l, w->data, w->n, 5000);
    return NULL;
}

static void large_one_way(sd_link_t *from, sd_link_t *to, size_t n)
{
    unsigned char *out = malloc(n), *in = malloc(n);
    assert_non_null(out);
    assert_non_null(in);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        out[i] = (unsigned char)x;
    }
    struct writer w = {from, out, n, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_thread, &w), 0);
    read_exact(to, in, n, 5000);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, 0);
    assert_memory_equal(in, out, n);
    free(out);
    free(in);
}

static void test_large_writes(void **state)
{
    struct pair *p = *state;
    large_one_way(p->a, p->b, 8192);
    large_one_way(p->b, p->a, 8192);
    /* more than any kernel buffer in between, so write_all must wait for the reader */
    large_one_way(p->a, p->b, 1 << 20);
}

static void test_peer_close_b(void **state)
{
    struct pair *p = *state;
    assert_int_equal(sd_link_write_all(p->b, "bye", 3, 1000), 0);
    sd_link_close(p->b);
    p->b = NULL;
    unsigned char buf[8];
    read_exact(p->a, buf, 3, 1000);
    assert_memory_equal(buf, "bye", 3);
    assert_int_equal(sd_link_read(p->a, buf, sizeof buf, 1000), SD_ECLOSED);
    assert_int_equal(sd_link_read(p->a, buf, sizeof buf, 0), SD_ECLOSED);
}

static void test_peer_close_a(void **state)
{
    struct pair *p = *state;
    assert_int_equal(sd_link_write_all(p->a, "end", 3, 1000), 0);
    unsigned char buf[8];
    read_exact(p->b, buf, 3, 1000);
    sd_link_close(p->a);
    p->a = NULL;
    assert_int_equal(sd_link_read(p->b, buf, sizeof buf, 1000), SD_ECLOSED);
    /* writing to a vanished peer fails instead of raising SIGPIPE or blocking */
    int r = 0;
    for (int i = 0; i < 100 && r == 0; i++)
        r = sd_link_write_all(p->b, "xxxxxxxx", 8, 100);
    assert_int_equal(r, SD_ECLOSED);
}

static void test_names(void **state)
{
    struct pair *p = *state;
    assert_string_equal(sd_link_kind(p->a), p->kind);
    if (!strcmp(p->kind, "tcp")) {
        char want[32];
        snprintf(want, sizeof want, "127.0.0.1:%d", sd_listener_port(p->ls));
        assert_string_equal(sd_link_peer_name(p->a), want);
        assert_memory_equal(sd_link_peer_name(p->b), "127.0.0.1:", 10);
    } else {
        assert_memory_equal(sd_link_peer_name(p->a), "/dev/", 5);
        assert_string_equal(sd_link_peer_name(p->b), sd_link_peer_name(p->a));
        assert_string_equal(sd_link_kind(p->b), "serial");
    }
}

/* --- backend-specific ------------------------------------------------------------------------ */

static void test_url_check(void **state)
{
    (void)state;
    const char *why = NULL;
    static const char *good[] = {
        "tcp://127.0.0.1:1",
        "tcp://localhost:65535",
        "tcp://[::1]:4001?timeout=500",
        "serial:///dev/ttyUSB0",
        "serial:///dev/ttyS0?baud=300&parity=even&data=7&stop=2&flow=rtscts",
        "pty:",
        "pty://",
        "pty:?hold=1",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (sd_link_url_check(good[i], &why))
            fail_msg("%s rejected: %s", good[i], why);
    static const char *bad[] = {
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:0",
        "tcp://127.0.0.1:65536",
        "tcp://:80",
        "tcp://[::1:80",
        "tcp://h:80?timeout=x",
        "tcp://h:80?bogus=1",
        "tcp://h:80?timeout",
        "tcp://h:8a",
        "tcp://h o:80",
        "tcp:/h:80",
        "serial://dev/ttyS0",
        "serial:///dev/ttyS0?baud=1234",
        "serial:///dev/ttyS0?parity=mark",
        "serial:///dev/ttyS0?data=6",
        "serial:///dev/ttyS0?stop=3",
        "serial:///dev/ttyS0?flow=xon",
        "serial:///dev/ttyS0?x=1",
        "serial:///",
        "serial:///dev/tty S0",
        "pty:/dev/ptmx",
        "pty:?hold=2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        int r = sd_link_url_check(bad[i], &why);
        if (r != SD_EINVAL)
            fail_msg("%s: got %s", bad[i], sd_err_name(r));
        assert_non_null(why);
    }
    assert_int_equal(sd_link_url_check("udp://h:1", &why), SD_EUNSUPPORTED);
    assert_int_equal(sd_link_url_check("nocolon", NULL), SD_EUNSUPPORTED);
    assert_int_equal(sd_link_url_is_modem("tcp://h:1"), 0);
    assert_int_equal(sd_link_url_is_modem("serial:///dev/ttyS0"), 1);
    assert_int_equal(sd_link_url_is_modem("pty:"), 1);
    assert_int_equal(sd_link_url_is_modem("http://x"), SD_EUNSUPPORTED);
    sd_link_t *l = (sd_link_t *)1;
    assert_int_equal(sd_link_open("http://x:1", &l), SD_EUNSUPPORTED);
    assert_null(l);
}

static void test_serial_parse(void **state)
{
    (void)state;
    struct sd__serial_cfg c;
    const char *why;
    assert_int_equal(sd__serial_parse("serial:///dev/ttyUSB0", &c, &why), 0);
    assert_string_equal(c.path, "/dev/ttyUSB0");
    assert_int_equal(c.baud, 9600);
    assert_int_equal(c.data, 8);
    assert_int_equal(c.parity, 'N');
    assert_int_equal(c.stop, 1);
    assert_int_equal(c.rtscts, 0);
    assert_int_equal(sd__serial_parse("serial:///dev/x?parity=odd&baud=115200&stop=2&data=7"
                                      "&flow=rtscts",
                                      &c, &why),
                     0);
    assert_int_equal(c.baud, 115200);
    assert_int_equal(c.parity, 'O');
    assert_int_equal(c.data, 7);
    assert_int_equal(c.stop, 2);
    assert_int_equal(c.rtscts, 1);
    static const long bauds[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++) {
        char url[64];
        snprintf(url, sizeof url, "serial:///dev/x?baud=%ld", bauds[i]);
        assert_int_equal(sd__serial_parse(url, &c, &why), 0);
        assert_int_equal(c.baud, bauds[i]);
    }
    assert_int_equal(sd__serial_parse("serial:///dev/x?baud=", &c, &why), SD_EINVAL);
    assert_int_equal(sd__serial_parse("serial:///dev/x?baud=9600&", &c, &why), 0);
    assert_int_equal(sd__serial_parse("serial:///dev/x?=1", &c, &why), SD_EINVAL);
}

/* termios really lands on the device: a PTY slave keeps what it is told. */
static void test_serial_termios_on_pty(void **state)
{
    (void)state;
    sd_link_t *m, *s;
    char url[300];
    assert_int_equal(sd_link_open("pty:", &m), 0);
    snprintf(url, sizeof url, "serial://%s?baud=2400&parity=even&data=7&stop=2&flow=rtscts",
             sd_link_peer_name(m));
    assert_int_equal(sd_link_open(url, &s), 0);
    struct termios t;
    assert_int_equal(tcgetattr(sd_link_fd(s), &t), 0);
    assert_int_equal(cfgetospeed(&t), B2400);
    assert_int_equal(cfgetispeed(&t), B2400);
    /* the Linux pty driver forces CS8 and no parity (pty_set_termios); those bits are checked
     * on the termios we build, below */
    assert_true(t.c_cflag & CSTOPB);
    assert_true(t.c_cflag & CRTSCTS);
    assert_true(t.c_cflag & CLOCAL);
    assert_false(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN));
    assert_false(t.c_oflag & OPOST);
    assert_false(t.c_iflag & (IXON | ICRNL | ISTRIP));
    assert_int_equal(t.c_cc[VMIN], 1);
    /* the descriptor is non-blocking and close-on-exec */
    assert_true(fcntl(sd_link_fd(s), F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(sd_link_fd(s), F_GETFD) & FD_CLOEXEC);
    sd_link_close(s);

    /* 8N1 at 9600 by default */
    snprintf(url, sizeof url, "serial://%s", sd_link_peer_name(m));
    assert_int_equal(sd_link_open(url, &s), 0);
    assert_int_equal(tcgetattr(sd_link_fd(s), &t), 0);
    assert_int_equal(cfgetospeed(&t), B9600);
    assert_int_equal(t.c_cflag & CSIZE, CS8);
    assert_false(t.c_cflag & (PARENB | CSTOPB | CRTSCTS));
    sd_link_close(s);
    sd_link_close(m);
}

/* The termios built for a cfg, for the bits a PTY will not keep. */
static void test_serial_termios_bits(void **state)
{
    (void)state;
    struct sd__serial_cfg c;
    const char *why;
    struct termios t;
    memset(&t, 0xff, sizeof t);
    assert_int_equal(sd__serial_parse("serial:///x?data=7&parity=even", &c, &why), 0);
    assert_int_equal(sd__serial_termios(&c, &t), 0);
    assert_int_equal(t.c_cflag & CSIZE, CS7);
    assert_true(t.c_cflag & PARENB);
    assert_false(t.c_cflag & PARODD);
    assert_true(t.c_iflag & INPCK);
    assert_false(t.c_cflag & (CSTOPB | CRTSCTS));
    assert_false(t.c_lflag & (ICANON | ECHO));
    assert_int_equal(sd__serial_parse("serial:///x?parity=odd&baud=300", &c, &why), 0);
    assert_int_equal(sd__serial_termios(&c, &t), 0);
    assert_true((t.c_cflag & (PARENB | PARODD)) == (PARENB | PARODD));
    assert_int_equal(t.c_cflag & CSIZE, CS8);
    assert_int_equal(cfgetospeed(&t), B300);
    c.baud = 1234;
    assert_int_equal(sd__serial_termios(&c, &t), SD_EINVAL);
}

static void test_serial_open_errors(void **state)
{
    (void)state;
    sd_link_t *l;
    assert_int_equal(sd_link_open("serial:///dev/null", &l), SD_EINVAL);
    assert_null(l);
    assert_int_equal(sd_link_open("serial:///dev/no-such-tty", &l), SD_ENOTFOUND);
    assert_int_equal(sd_link_open("serial:///dev/ttyS0?baud=7", &l), SD_EINVAL);
}

static void test_pty_hold(void **state)
{
    (void)state;
    sd_link_t *m, *s;
    unsigned char c;
    char url[300];
    /* without hold: nobody has opened the slave yet, so the master just waits; once the last
     * slave closes it reads as closed, and a new slave makes it usable again */
    assert_int_equal(sd_link_open("pty:", &m), 0);
    assert_int_equal(sd_link_read(m, &c, 1, 50), SD_ETIMEDOUT);
    snprintf(url, sizeof url, "serial://%s", sd_link_peer_name(m));
    assert_int_equal(sd_link_open(url, &s), 0);
    sd_link_close(s);
    assert_int_equal(sd_link_read(m, &c, 1, 50), SD_ECLOSED);
    assert_int_equal(sd_link_open(url, &s), 0);
    assert_int_equal(sd_link_write_all(s, "r", 1, 1000), 0);
    assert_int_equal(sd_link_read(m, &c, 1, 1000), 1);
    sd_link_close(s);
    sd_link_close(m);
    /* with hold: a DTE may come and go; the master never sees a hang-up */
    assert_int_equal(sd_link_open("pty:?hold=1", &m), 0);
    assert_int_equal(sd_link_read(m, &c, 1, 50), SD_ETIMEDOUT);
    snprintf(url, sizeof url, "serial://%s", sd_link_peer_name(m));
    for (int round = 0; round < 2; round++) {
        assert_int_equal(sd_link_open(url, &s), 0);
        assert_int_equal(sd_link_write_all(s, "k", 1, 1000), 0);
        assert_int_equal(sd_link_read(m, &c, 1, 1000), 1);
        assert_int_equal(c, 'k');
        sd_link_close(s);
        assert_int_equal(sd_link_read(m, &c, 1, 50), SD_ETIMEDOUT);
    }
    sd_link_close(m);
}

static void test_tcp_errors(void **state)
{
    (void)state;
    sd_listener_t *ls, *ls2;
    sd_link_t *l;
    char url[64];
    assert_int_equal(sd_listener_open("tcp://127.0.0.1:0", &ls), 0);
    int port = sd_listener_port(ls);
    /* the port is taken */
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", port);
    assert_int_equal(sd_listener_open(url, &ls2), SD_EADDRINUSE);
    assert_string_equal(sd_strerror(SD_EADDRINUSE), "address in use");
    /* nobody calls: accept times out */
    int64_t t0 = now_ms();
    assert_int_equal(sd_listener_accept(ls, &l, 50), SD_ETIMEDOUT);
    assert_true(now_ms() - t0 >= 49);
    assert_int_equal(sd_listener_accept(ls, &l, 0), SD_ETIMEDOUT);
    assert_null(l);
    struct pollfd pfd = {.fd = sd_listener_fd(ls), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 0), 0);
    sd_listener_close(ls);
    /* nobody listens: refused */
    assert_int_equal(sd_link_open(url, &l), SD_ECLOSED);
    assert_null(l);
    assert_int_equal(sd_link_open("tcp://no-such-host.invalid:80", &l), SD_ENOTFOUND);
    assert_int_equal(sd_listener_open("udp://127.0.0.1:0", &ls), SD_EUNSUPPORTED);
    assert_int_equal(sd_listener_open("tcp://127.0.0.1", &ls), SD_EINVAL);
    /* IPv6 loopback when the host has it */
    if (sd_listener_open("tcp://[::1]:0", &ls) == 0) {
        snprintf(url, sizeof url, "tcp://[::1]:%d", sd_listener_port(ls));
        sd_link_t *a, *b;
        assert_int_equal(sd_link_open(url, &a), 0);
        assert_int_equal(sd_listener_accept(ls, &b, 1000), 0);
        assert_memory_equal(sd_link_peer_name(a), "[::1]:", 6);
        sd_link_close(a);
        sd_link_close(b);
        sd_listener_close(ls);
    }
    sd_link_close(NULL);
    sd_listener_close(NULL);
}

static struct pair tcp_pair = {.kind = "tcp"}, pty_pair = {.kind = "pty"};

#define BOTH(f)                                                                                    \
    cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, &tcp_pair),                       \
        cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, &pty_pair)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_all_byte_values),
        BOTH(test_partial_reads),
        BOTH(test_timeouts),
        BOTH(test_poll_fd),
        BOTH(test_large_writes),
        BOTH(test_peer_close_b),
        BOTH(test_peer_close_a),
        BOTH(test_names),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_serial_parse),
        cmocka_unit_test(test_serial_termios_on_pty),
        cmocka_unit_test(test_serial_termios_bits),
        cmocka_unit_test(test_serial_open_errors),
        cmocka_unit_test(test_pty_hold),
        cmocka_unit_test(test_tcp_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
