/* bench_term.c - suido-term at 1,000 terminals: polls served per second and memory per terminal. */
#include "core/clock.h"
#include "core/err.h"
#include "call/call.h"
#include "link/link.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define FLEET 1000

struct sim {
    pid_t pid;
    FILE *out;
    int ports[FLEET];
    int n;
};

/* Start suido-term with n terminals on free ports and read back the ports it printed. */
static int sim_start(const char *bin, int n, struct sim *s)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        char count[16];
        snprintf(count, sizeof count, "%d", n);
        dup2(fd[1], 1);
        close(fd[0]);
        execl(bin, "suido-term", "--count", count, "--base-port", "0", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    s->out = fdopen(fd[0], "r");
    s->n = 0;
    char line[512];
    while (fgets(line, sizeof line, s->out)) {
        int idx, port;
        if (!strncmp(line, "ready", 5))
            return 0;
        if (sscanf(line, "terminal %d L%*d tel %*s port %d", &idx, &port) == 2 && s->n < FLEET)
            s->ports[s->n++] = port;
    }
    return -1;
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

static void sim_stop(struct sim *s)
{
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    fclose(s->out);
}

static double now_s(void)
{
    return (double)sd_clock_mono_ms(sd_clock_system()) / 1000.0;
}

/* Connect and close each terminal once: the cost of the socket alone. */
static double bare_connects(const struct sim *s)
{
    double t0 = now_s();
    for (int i = 0; i < s->n; i++) {
        char url[64];
        sd_link_t *l;
        snprintf(url, sizeof url, "tcp://127.0.0.1:%d", s->ports[i]);
        if (sd_link_open(url, &l) == 0)
            sd_link_close(l);
    }
    return s->n / (now_s() - t0);
}

/* A full center call per terminal: connect, request, decoded answer, EOT. */
static double polls(const struct sim *s, char letter, int *failed)
{
    sd_line_text_t *req = calloc(1, sizeof *req), *ans = calloc(1, sizeof *ans);
    *failed = 0;
    double t0 = now_s();
    for (int i = 0; i < s->n; i++) {
        char url[64];
        sd_call_opts_t o;
        sd_call_t *c;
        sd_line_err_t err;
        snprintf(url, sizeof url, "tcp://127.0.0.1:%d", s->ports[i]);
        sd_call_opts_default(&o);
        o.target = url;
        sd_line_text_init(req, SD_LINE_T_REQ);
        req->u.req.type = letter;
        req->u.req.time = sd_clock_wall_ms(sd_clock_system()) / 1000;
        if (sd_call_open(&o, &c) || sd_call_request(c, req, ans, NULL, &err))
            (*failed)++;
        sd_call_close(c);
    }
    double rate = s->n / (now_s() - t0);
    free(req);
    free(ans);
    return rate;
}

int main(void)
{
    const char *bindir = getenv("BIN") ? getenv("BIN") : "build/bin";
    char bin[512];
    snprintf(bin, sizeof bin, "%s/suido-term", bindir);
    signal(SIGPIPE, SIG_IGN);

    struct sim one, fleet;
    if (sim_start(bin, 1, &one) || sim_start(bin, FLEET, &fleet)) {
        fprintf(stderr, "bench_term: cannot start %s\n", bin);
        return 1;
    }
    long rss1 = rss_kib(one.pid), rssn = rss_kib(fleet.pid);
    printf("suido-term resident memory: %ld KiB with 1 terminal, %ld KiB with %d\n", rss1, rssn,
           fleet.n);
    printf("  per simulated terminal: %.1f KiB\n", (double)(rssn - rss1) / (fleet.n - 1));

    int fv, fx;
    double base = bare_connects(&fleet);
    double v = polls(&fleet, 'V', &fv);
    double x = polls(&fleet, 'X', &fx);
    printf("baseline TCP connect+close:         %8.0f /s\n", base);
    printf("V poll (323-byte answer) served:    %8.0f terminals/s  (%.2f of baseline, %d failed)\n",
           v, v / base, fv);
    printf("X poll (7356-byte, 96 h) served:    %8.0f terminals/s  (%.2f of baseline, %d failed)\n",
           x, x / base, fx);
    long rss_after = rss_kib(fleet.pid);
    printf("resident memory after polling every terminal twice: %ld KiB\n", rss_after);
    sim_stop(&one);
    sim_stop(&fleet);
    return fv || fx ? 1 : 0;
}
