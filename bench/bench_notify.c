/* bench_notify.c - alarm flood: time until the first e-mail is handed to SMTP, against one alarm
 * alone in the same run (the baseline), and until every mail of the flood is delivered. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/notify/notify.h"

/*
 * The SMTP server is a minimal one in this process (a real socket and the real dialogue: EHLO,
 * MAIL, RCPT, DATA, QUIT), so the figures are suido's and not a mail server's. "Handed to SMTP"
 * is the moment the server has read the end of DATA. The store is SQLite with synchronous=FULL,
 * as suidod runs: each alarm's mails are committed before the listener returns.
 */
#define FLOOD 1000

static atomic_int g_received;
static _Atomic double g_first;
static int g_port;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(int fd, const char *s)
{
    ssize_t n = write(fd, s, strlen(s));
    (void)n;
}

static void serve(int fd)
{
    char buf[65536];
    size_t len = 0;
    int data = 0;
    say(fd, "220 sink ESMTP\r\n");
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        buf[len] = 0;
        for (;;) {
            if (data) {
                char *end = strstr(buf, "\r\n.\r\n");
                if (!end) {
                    /* keep the last bytes only: the terminator may straddle two reads */
                    if (len > 8) {
                        memmove(buf, buf + len - 8, 8);
                        len = 8;
                        buf[len] = 0;
                    }
                    break;
                }
                double t = now_s(), zero = 0;
                atomic_compare_exchange_strong(&g_first, &zero, t);
                atomic_fetch_add(&g_received, 1);
                say(fd, "250 2.0.0 queued\r\n");
                size_t used = (size_t)(end + 5 - buf);
                memmove(buf, buf + used, len - used + 1);
                len -= used;
                data = 0;
                continue;
            }
            char *eol = strstr(buf, "\r\n");
            if (!eol)
                break;
            *eol = 0;
            if (!strncmp(buf, "EHLO", 4) || !strncmp(buf, "HELO", 4))
                say(fd, "250 sink\r\n");
            else if (!strncmp(buf, "DATA", 4)) {
                say(fd, "354 go ahead\r\n");
                data = 1;
            } else if (!strncmp(buf, "QUIT", 4)) {
                say(fd, "221 bye\r\n");
                return;
            } else
                say(fd, "250 ok\r\n");
            size_t used = (size_t)(eol + 2 - buf);
            memmove(buf, buf + used, len - used + 1);
            len -= used;
        }
    }
}

static void *sink(void *arg)
{
    int ls = *(int *)arg;
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            return NULL;
        serve(fd);
        close(fd);
    }
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_notify: %s: %s: %s\n", what, sd_strerror(rc), sd_store_errmsg());
    exit(1);
}

/* Wait until the sink has `want` messages; seconds from t0 to the first and to the last. */
static void wait_for(int want, double t0, double *first, double *all)
{
    while (atomic_load(&g_received) < want) {
        if (now_s() - t0 > 300)
            die("timed out waiting for mails", SD_ETIMEDOUT);
        usleep(200);
    }
    *first = atomic_load(&g_first) - t0;
    *all = now_s() - t0;
}

static void reset(void)
{
    atomic_store(&g_received, 0);
    atomic_store(&g_first, 0);
}

int main(void)
{
    sd_log_set_level(SD_LOG_ERROR);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 8) ||
        getsockname(ls, (struct sockaddr *)&a, &al))
        return 1;
    g_port = ntohs(a.sin_port);
    pthread_t st;
    pthread_create(&st, NULL, sink, &ls);

    char dir[] = "/tmp/bench_notify.XXXXXX", url[320], smtp[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(url, sizeof url, "sqlite://%s/n.db", dir);
    snprintf(smtp, sizeof smtp, "smtp://127.0.0.1:%d", g_port);
    sd_store_t *store = NULL;
    int rc = sd_store_open(url, &store);
    if (rc)
        die("store", rc);
    sd_pf_t pf = {.store = store, .clock = sd_clock_system()};
    int64_t tenant = 0;
    if ((rc = sd_store_insert(store,
                              "INSERT INTO tenants (name, kind, created_at) VALUES ('b', "
                              "'dedicated_operator', 0) RETURNING id",
                              SD_NOPARAMS, &tenant)) ||
        (rc = sd_store_exec(store,
                            "INSERT INTO contact_lists (tenant_id, org_id, name, entries, status, "
                            "submitted_by, submitted_at) VALUES ($1, 1, 'l', '[{\"name\":\"a\","
                            "\"email\":\"a@b.jp\",\"order\":1,\"min_severity\":4,\"duty\":"
                            "\"always\"}]', 'approved', 1, 0)",
                            SD_PARAMS(SD_V_INT(tenant)), NULL)))
        die("fixture", rc);
    sd_notify_config_t c;
    sd_notify_config_defaults(&c);
    c.smtp_url = smtp;
    c.digest_min = -1;
    sd_notify_t *n = NULL;
    if ((rc = sd_notify_new(&pf, &c, &n)) || (rc = sd_notify_start(n)))
        die("notify", rc);

    sd_alarm_event_t ev = {.tenant_id = tenant,
                           .transition = SD_ALARM_RAISED,
                           .severity = 1,
                           .facility = "222",
                           .device = "gorin-l2",
                           .data_id = "gorin-l2.tank_level",
                           .message = "受水槽水位低下",
                           .by = "system",
                           .comment = ""};
    /* warm-up (connection, statement cache), then the baseline: one alarm alone */
    double first, all, base_first, base_all, raise_s;
    ev.alarm_id = 1;
    ev.at_ms = sd_pf_now_ms(&pf);
    double t0 = now_s();
    sd_notify_alarm(n, &ev);
    wait_for(1, t0, &first, &all);
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        reset();
        ev.alarm_id = 2 + r;
        t0 = now_s();
        sd_notify_alarm(n, &ev);
        wait_for(1, t0, &first, &all);
        if (first < best)
            best = first;
    }
    base_first = best;
    base_all = all;

    /* the flood: 1,000 alarms raised back to back, as an alarm engine delivers a power cut */
    reset();
    t0 = now_s();
    for (int i = 0; i < FLOOD; i++) {
        ev.alarm_id = 100 + i;
        ev.at_ms = sd_pf_now_ms(&pf);
        sd_notify_alarm(n, &ev);
    }
    raise_s = now_s() - t0;
    wait_for(FLOOD, t0, &first, &all);

    printf("  one alarm alone (baseline, best of 5): first mail handed to SMTP %.2f ms\n",
           base_first * 1e3);
    printf("  flood of %d alarms: first mail handed to SMTP %.2f ms (%.1fx the baseline)\n", FLOOD,
           first * 1e3, first / base_first);
    printf("                      the listener took %.2f ms for all %d (%.0f alarms/s)\n",
           raise_s * 1e3, FLOOD, FLOOD / raise_s);
    printf("                      all %d mails handed to SMTP in %.0f ms (%.0f mails/s; one "
           "alone %.2f ms)\n",
           FLOOD, all * 1e3, FLOOD / all, base_all * 1e3);
    sd_notify_free(n);
    sd_store_close(store);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
