/* test_httpc_addr.c - which addresses a webhook may reach: the internal ranges in their many
 * spellings, the operator's allow-list, a URL's host, and the client's check on the address it
 * connects to (a real listener on loopback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "httpc/addr.h"
#include "httpc/client.h"

/* Every host here is numeric or localhost (/etc/hosts): no DNS is asked. */
static void test_internal_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *host, *why; /* why: NULL = public */
    } t[] = {
        {"127.0.0.1", "loopback"},
        {"127.1.2.3", "loopback"},
        {"localhost", "loopback"},
        {"0x7f000001", "loopback"}, /* one hexadecimal number */
        {"2130706433", "loopback"}, /* one decimal number */
        {"0177.0.0.1", "loopback"}, /* octal */
        {"127.1", "loopback"},      /* a.b: b is 24 bits */
        {"0x7f.0.0.1", "loopback"}, /* hexadecimal part */
        {"::1", "loopback"},
        {"0:0:0:0:0:0:0:1", "loopback"},
        {"::ffff:127.0.0.1", "loopback"}, /* IPv4-mapped */
        {"::ffff:7f00:1", "loopback"},
        {"::127.0.0.1", "loopback"},        /* IPv4-compatible */
        {"64:ff9b::127.0.0.1", "loopback"}, /* NAT64 */
        {"2002:7f00:1::", "loopback"},      /* 6to4 */
        {"0.0.0.0", "unspecified"},
        {"0", "unspecified"},
        {"::", "unspecified"},
        {"10.0.0.1", "private"},
        {"10.255.255.255", "private"},
        {"172.16.0.1", "private"},
        {"172.31.255.255", "private"},
        {"192.168.1.1", "private"},
        {"::ffff:192.168.1.1", "private"},
        {"::ffff:10.1.2.3", "private"},
        {"fc00::1", "private"},
        {"fd12:3456::1", "private"},
        {"169.254.169.254", "link-local"}, /* the cloud metadata service */
        {"0xa9fea9fe", "link-local"},
        {"fe80::1", "link-local"},
        {"febf::1", "link-local"},
        {"100.64.0.1", "shared (CGNAT)"},
        {"100.127.255.255", "shared (CGNAT)"},
        {"224.0.0.1", "multicast"},
        {"239.255.255.250", "multicast"},
        {"ff02::1", "multicast"},
        {"255.255.255.255", "broadcast"},
        {"240.0.0.1", "reserved"},
        {"198.18.0.1", "reserved"},
        {"192.0.0.8", "reserved"},
        /* public */
        {"8.8.8.8", NULL},
        {"1.1.1.1", NULL},
        {"172.15.255.255", NULL},
        {"172.32.0.0", NULL},
        {"100.63.255.255", NULL},
        {"100.128.0.0", NULL},
        {"169.253.0.1", NULL},
        {"192.169.0.1", NULL},
        {"11.0.0.1", NULL},
        {"0x08080808", NULL},
        {"2001:db8::1", NULL},
        {"2606:4700::1111", NULL},
        {"::ffff:8.8.8.8", NULL},
        {"fec0::1", "private"}, /* old site-local */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char why[160] = "";
        int rc = sd_addr_check_host(NULL, t[i].host, why, sizeof why);
        if (t[i].why ? rc != SD_EFORBIDDEN || !strstr(why, t[i].why) : rc != 0)
            fail_msg("%s: rc %d, why \"%s\", expected %s", t[i].host, rc, why,
                     t[i].why ? t[i].why : "public");
    }
    /* a host that does not resolve is not reachable either */
    char why[160];
    assert_int_equal(sd_addr_check_host(NULL, "no-such-host.invalid", why, sizeof why),
                     SD_ENOTFOUND);
    assert_non_null(strstr(why, "does not resolve"));
    /* the message names the address as connected */
    assert_int_equal(sd_addr_check_host(NULL, "0177.0.0.1", why, sizeof why), SD_EFORBIDDEN);
    assert_string_equal(why, "127.0.0.1 is a loopback address");
    struct sockaddr_un {
        sa_family_t f;
        char p[20];
    } un = {AF_UNIX, "x"};
    assert_string_equal(sd_addr_internal((const struct sockaddr *)(const void *)&un),
                        "not an IP address");
}

static void test_allow_list(void **state)
{
    (void)state;
    sd_addr_allow_t *a = NULL;
    char err[160], why[160];
    assert_int_equal(
        sd_addr_allow_parse("127.0.0.1/32, ::1 10.20.0.0/16,fd00::/8", &a, err, sizeof err), 0);
    static const struct {
        const char *host;
        int ok;
    } t[] = {
        {"127.0.0.1", 1}, {"0x7f000001", 1}, {"::ffff:127.0.0.1", 1}, /* mapped matches v4 */
        {"127.0.0.2", 0}, {"::1", 1},        {"10.20.3.4", 1},        {"10.21.0.1", 0},
        {"fd12::1", 1},   {"fc00::1", 0},    {"169.254.169.254", 0},  {"8.8.8.8", 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int rc = sd_addr_check_host(a, t[i].host, why, sizeof why);
        if ((rc == 0) != t[i].ok)
            fail_msg("%s with the allow-list: rc %d", t[i].host, rc);
    }
    sd_addr_allow_free(a);

    /* empty lists */
    assert_int_equal(sd_addr_allow_parse(NULL, &a, err, sizeof err), 0);
    assert_int_equal(sd_addr_check_host(a, "127.0.0.1", why, sizeof why), SD_EFORBIDDEN);
    sd_addr_allow_free(a);
    assert_int_equal(sd_addr_allow_parse(" , ", &a, err, sizeof err), 0);
    sd_addr_allow_free(a);
    assert_int_equal(sd_addr_allow_parse("0.0.0.0/0", &a, err, sizeof err), 0);
    assert_int_equal(sd_addr_check_host(a, "10.0.0.1", why, sizeof why), 0);
    assert_int_equal(sd_addr_check_host(a, "fe80::1", why, sizeof why), SD_EFORBIDDEN);
    sd_addr_allow_free(a);

    /* refused, with the entry named */
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"127.0.0.1/33", "entry 1 (127.0.0.1/33): prefix length of an IPv4 range must be 0-32"},
        {"::1, ::1/129", "entry 2 (::1/129): prefix length of an IPv6 range must be 0-128"},
        {"0x7f000001", "entry 1 (0x7f000001): not an IPv4 or IPv6 address"},
        {"localhost", "entry 1 (localhost): not an IPv4 or IPv6 address"},
        {"10.0.0.0/", "entry 1 (10.0.0.0/): bad prefix length"},
        {"10.0.0.0/x", "entry 1 (10.0.0.0/x): bad prefix length"},
        {"1.2.3.4 10.0.0.0/-1", "entry 2 (10.0.0.0/-1): bad prefix length"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = (sd_addr_allow_t *)1;
        assert_int_equal(sd_addr_allow_parse(bad[i].text, &a, err, sizeof err), SD_EFIELD);
        assert_null(a);
        if (strncmp(err, bad[i].err, strlen(bad[i].err)))
            fail_msg("%s: \"%s\", expected \"%s\"", bad[i].text, err, bad[i].err);
    }
}

static void test_url_host(void **state)
{
    (void)state;
    static const struct {
        const char *url, *host; /* host NULL: refused */
    } t[] = {
        {"http://example.jp/x", "example.jp"},
        {"HTTPS://Example.JP:8443", "Example.JP"},
        {"http://[::1]:80/x", "::1"},
        {"http://[fe80::1%25eth0]/", "fe80::1%25eth0"},
        {"http://0x7f000001?x", "0x7f000001"},
        {"http://h#f", "h"},
        {"http://user@h/", NULL},
        {"http://h:80@evil/", NULL},
        {"http://h/a@b", "h"}, /* '@' in the path is no user info */
        {"http:///x", NULL},
        {"http://", NULL},
        {"http://[::1", NULL},
        {"http://[::1]x/", NULL},
        {"ftp://h/", NULL},
        {"http://[]/", NULL},
        {"http://[tp://f:127.0.0.1]:8080/hook", NULL}, /* found by fuzz_httpc_addr */
        {"http://[::1/x]/", NULL},
        {"http://[::1%eth0/x]/", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char host[64];
        int rc = sd_addr_url_host(t[i].url, strlen(t[i].url), host, sizeof host);
        if (t[i].host ? rc != 0 || strcmp(host, t[i].host) : rc != SD_EFIELD)
            fail_msg("%s: rc %d host \"%s\"", t[i].url, rc, host);
    }
    char small[4];
    assert_int_equal(sd_addr_url_host("http://abcd/", 12, small, sizeof small), SD_EFIELD);
}

/* ---- the client: checked on the address it connects to ------------------------------------ */

typedef struct {
    int fd;
    int port;
    int accepted;
} lsn_t;

/* Answers one connection with 204. */
static void *serve_one(void *arg)
{
    lsn_t *l = arg;
    int c = accept(l->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    l->accepted++;
    char buf[2048];
    ssize_t n = read(c, buf, sizeof buf); /* the request (small, one read is enough here) */
    (void)n;
    static const char ans[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    ssize_t w = write(c, ans, sizeof ans - 1);
    (void)w;
    close(c);
    return NULL;
}

static void listen_loopback(lsn_t *l)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(l->fd, 8), 0);
    assert_int_equal(getsockname(l->fd, (struct sockaddr *)&sa, &sl), 0);
    l->port = ntohs(sa.sin_port);
    l->accepted = 0;
}

/* Nothing connected: the kernel queues a completed handshake even before accept(). */
static int nothing_pending(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 0;
}

static void test_client_public_only(void **state)
{
    (void)state;
    lsn_t l;
    listen_loopback(&l);
    char url[3][96];
    snprintf(url[0], sizeof url[0], "http://127.0.0.1:%d/hook", l.port);
    snprintf(url[1], sizeof url[1], "http://0x7f000001:%d/hook", l.port);
    snprintf(url[2], sizeof url[2], "http://localhost:%d/hook", l.port);
    for (int i = 0; i < 3; i++) {
        sd_http_call_t call = {.method = "POST", .url = url[i], .public_only = 1};
        sd_http_answer_t a;
        int rc = sd_http_call_once(&call, &a);
        if (rc != SD_EFORBIDDEN || !strstr(a.error, "loopback address"))
            fail_msg("%s: rc %d: %s", url[i], rc, a.error);
        sd_http_answer_free(&a);
        assert_true(nothing_pending(l.fd));
    }

    /* allow-listed: it connects, through the same client */
    sd_addr_allow_t *allow = NULL;
    char err[100];
    assert_int_equal(sd_addr_allow_parse("127.0.0.0/8 ::1", &allow, err, sizeof err), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve_one, &l), 0);
    sd_http_call_t call = {.method = "POST", .url = url[1], .public_only = 1, .allow = allow};
    sd_http_answer_t a;
    assert_int_equal(sd_http_call_once(&call, &a), 0);
    assert_int_equal(a.status, 204);
    sd_http_answer_free(&a);
    pthread_join(th, NULL);
    assert_int_equal(l.accepted, 1);
    sd_addr_allow_free(allow);

    /* without public_only (suidoctl, the gateway talking to its own platform) nothing changes */
    assert_int_equal(pthread_create(&th, NULL, serve_one, &l), 0);
    call = (sd_http_call_t){.method = "POST", .url = url[0]};
    assert_int_equal(sd_http_call_once(&call, &a), 0);
    assert_int_equal(a.status, 204);
    sd_http_answer_free(&a);
    pthread_join(th, NULL);
    close(l.fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_internal_spellings),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_client_public_only),
    };
    return cmocka_run_group_tests_name("httpc addr", tests, NULL, NULL);
}
