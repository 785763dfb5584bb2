/* modem.c - Hayes AT modem dialer over an sd_link_t: command, init, dial, answer, hang-up. */
#include "link/modem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"

#define CMD_MAX   SD_AT_CMD_MAX
#define LINE_MAX_ 128 /* modem output line kept by the dialer; longer lines are cut */

void sd_at_cfg_default(sd_at_cfg_t *cfg)
{
    *cfg = (sd_at_cfg_t){
        .init = "ATE0V1Q0X4",
        .cmd_timeout_ms = 2000,
        .dial_timeout_ms = 60000,
        .guard_ms = 1000,
    };
}

static void guard_wait(const sd_at_cfg_t *cfg, int ms)
{
    if (cfg->sleep_ms) {
        cfg->sleep_ms(cfg->sleep_ctx, ms);
        return;
    }
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int64_t now_ms(void)
{
    return sd_clock_mono_ms(sd_clock_system());
}

static int left_ms(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/*
 * Read one result code before deadline, skipping other lines. Reads a byte at a time: the bytes
 * after CONNECT belong to the data session and must stay on the link. Lines end at LF, which
 * verbose results (V1) always carry last, so "CONNECT 9600\r\n" leaves nothing behind; CRs are
 * dropped, so a command's echo ("ATD123\r") merges harmlessly into the next blank line.
 */
static int read_result(sd_link_t *l, int64_t deadline, sd_at_result_t *res)
{
    char line[LINE_MAX_];
    size_t n = 0;
    for (;;) {
        char c;
        int r = sd_link_read(l, &c, 1, left_ms(deadline));
        if (r < 0)
            return r;
        if (c == '\r')
            continue;
        if (c != '\n') {
            if (n < sizeof line)
                line[n++] = c;
            continue;
        }
        if (n && sd_at_result_parse(line, n, res) == 0)
            return 0;
        n = 0;
    }
}

/* Throw away whatever the modem said before we ask it something (stray RING, late results). */
static int drain(sd_link_t *l)
{
    char junk[64];
    for (int i = 0; i < 64; i++) {
        int r = sd_link_read(l, junk, sizeof junk, 0);
        if (r == SD_ETIMEDOUT)
            return 0;
        if (r < 0)
            return r;
    }
    return 0;
}

static int send_line(sd_link_t *l, const sd_at_cfg_t *cfg, const char *cmd)
{
    size_t n = strlen(cmd);
    if (n == 0 || n > CMD_MAX)
        return SD_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (cmd[i] < 0x20 || cmd[i] > 0x7e)
            return SD_EINVAL;
    char buf[CMD_MAX + 1];
    memcpy(buf, cmd, n);
    buf[n] = '\r';
    return sd_link_write_all(l, buf, n + 1, cfg->cmd_timeout_ms);
}

int sd_at_command(sd_link_t *l, const sd_at_cfg_t *cfg, const char *cmd, sd_at_result_t *res)
{
    sd_at_result_t tmp;
    if (!res)
        res = &tmp;
    int r = drain(l);
    if (r == 0)
        r = send_line(l, cfg, cmd);
    if (r)
        return r;
    int64_t deadline = now_ms() + cfg->cmd_timeout_ms;
    do {
        r = read_result(l, deadline, res);
    } while (r == 0 && res->code == SD_AT_RING);
    if (r)
        return r;
    return res->code == SD_AT_OK        ? 0
           : res->code == SD_AT_CONNECT ? SD_EPROTO
                                        : sd_at_code_err(res->code);
}

int sd_at_init(sd_link_t *l, const sd_at_cfg_t *cfg)
{
    int r = sd_at_command(l, cfg, "ATZ", NULL);
    if (r == 0 && cfg->init && cfg->init[0])
        r = sd_at_command(l, cfg, cfg->init, NULL);
    if (r == 0) {
        char s0[16];
        snprintf(s0, sizeof s0, "ATS0=%d",
                 cfg->auto_answer < 0     ? 0
                 : cfg->auto_answer > 255 ? 255
                                          : cfg->auto_answer);
        r = sd_at_command(l, cfg, s0, NULL);
    }
    return r;
}

/* Wait for the outcome of a dial or answer: CONNECT, or a failure. RING and OK are skipped. */
static int wait_connect(sd_link_t *l, int64_t deadline, long *speed)
{
    sd_at_result_t res;
    for (;;) {
        int r = read_result(l, deadline, &res);
        if (r)
            return r;
        if (res.code == SD_AT_CONNECT) {
            if (speed)
                *speed = res.speed;
            return 0;
        }
        if (res.code != SD_AT_RING && res.code != SD_AT_OK)
            return sd_at_code_err(res.code);
    }
}

/* Give up a dial in progress: any character aborts it; wait briefly for the modem to settle. */
static void abort_dial(sd_link_t *l, const sd_at_cfg_t *cfg)
{
    sd_at_result_t res;
    if (sd_link_write_all(l, "\r", 1, cfg->cmd_timeout_ms) == 0)
        (void)read_result(l, now_ms() + cfg->cmd_timeout_ms, &res);
}

int sd_at_dial(sd_link_t *l, const sd_at_cfg_t *cfg, const char *tel, long *speed)
{
    if (speed)
        *speed = 0;
    char cmd[CMD_MAX + 1] = "ATD";
    size_t n = 3, digits = 0;
    if (cfg->dial_mode == 'T' || cfg->dial_mode == 'P')
        cmd[n++] = cfg->dial_mode;
    for (; tel[digits] >= '0' && tel[digits] <= '9'; digits++) {
        if (digits >= 20)
            return SD_EINVAL;
        cmd[n++] = tel[digits];
    }
    for (const char *t = tel + digits; *t; t++)
        if (*t != ' ')
            return SD_EINVAL;
    if (digits == 0)
        return SD_EINVAL;
    cmd[n] = '\0';
    int r = drain(l);
    if (r == 0)
        r = send_line(l, cfg, cmd);
    if (r)
        return r;
    r = wait_connect(l, now_ms() + cfg->dial_timeout_ms, speed);
    if (r == SD_ETIMEDOUT)
        abort_dial(l, cfg);
    return r;
}

int sd_at_answer(sd_link_t *l, const sd_at_cfg_t *cfg, int timeout_ms, long *speed)
{
    if (speed)
        *speed = 0;
    int64_t deadline = now_ms() + (timeout_ms < 0 ? (int64_t)1 << 40 : timeout_ms);
    if (cfg->auto_answer > 0)
        return wait_connect(l, deadline, speed);
    sd_at_result_t res;
    for (;;) {
        int r = read_result(l, deadline, &res);
        if (r)
            return r;
        if (res.code == SD_AT_CONNECT) {
            if (speed)
                *speed = res.speed;
            return 0;
        }
        if (res.code != SD_AT_RING)
            continue; /* a late result of something earlier */
        r = send_line(l, cfg, "ATA");
        if (r)
            return r;
        r = wait_connect(l, now_ms() + cfg->dial_timeout_ms, speed);
        if (r == SD_ETIMEDOUT)
            abort_dial(l, cfg);
        return r;
    }
}

int sd_at_hangup(sd_link_t *l, const sd_at_cfg_t *cfg)
{
    guard_wait(cfg, cfg->guard_ms);
    int r = sd_link_write_all(l, "+++", 3, cfg->cmd_timeout_ms);
    if (r)
        return r;
    /* OK comes only after the trailing guard; none comes if the call had already dropped */
    int64_t deadline = now_ms() + cfg->guard_ms + cfg->cmd_timeout_ms;
    sd_at_result_t res;
    do {
        r = read_result(l, deadline, &res);
    } while (r == 0 && res.code != SD_AT_OK && res.code != SD_AT_NO_CARRIER);
    if (r && r != SD_ETIMEDOUT)
        return r;
    return sd_at_command(l, cfg, "ATH", NULL);
}

int sd_at_call(const char *url, const char *tel, const sd_at_cfg_t *cfg, sd_link_t **out)
{
    sd_link_t *l;
    int r = sd_link_open(url, out);
    if (r || !sd_link_is_modem(*out))
        return r;
    l = *out;
    *out = NULL;
    r = sd_at_init(l, cfg);
    if (r == 0)
        r = sd_at_dial(l, cfg, tel, NULL);
    if (r) {
        sd_link_close(l);
        return r;
    }
    *out = l;
    return 0;
}

int sd_at_end(sd_link_t *l, const sd_at_cfg_t *cfg)
{
    if (!l)
        return 0;
    int r = sd_link_is_modem(l) ? sd_at_hangup(l, cfg) : 0;
    sd_link_close(l);
    return r;
}
