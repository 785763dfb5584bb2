/* test_at.c - Hayes AT layer: result parser, modem emulator, and dialer vs emulator over a PTY. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "link/at.h"
#include "link/modem.h"
#include "link/link.h"

/* --- result parser --------------------------------------------------------------------------- */

static void expect_result(const char *line, sd_at_code_t code, long speed)
{
    sd_at_result_t r = {SD_AT_ERROR, -1};
    int rc = sd_at_result_parse(line, strlen(line), &r);
    if (rc)
        fail_msg("'%s': %s", line, sd_err_name(rc));
    assert_int_equal(r.code, code);
    assert_int_equal(r.speed, speed);
}

static void test_result_parse(void **state)
{
    (void)state;
    expect_result("OK", SD_AT_OK, 0);
    expect_result("\r\nOK\r\n", SD_AT_OK, 0);
    expect_result("  ok ", SD_AT_OK, 0);
    expect_result("CONNECT", SD_AT_CONNECT, 0);
    expect_result("CONNECT 9600", SD_AT_CONNECT, 9600);
    expect_result("connect  300", SD_AT_CONNECT, 300);
    expect_result("CONNECT 33600/ARQ/V34/LAPM/V42BIS", SD_AT_CONNECT, 33600);
    expect_result("CONNECT 115200", SD_AT_CONNECT, 115200);
    expect_result("CONNECT/ARQ", SD_AT_CONNECT, 0);
    expect_result("CONNECT LAPM", SD_AT_CONNECT, 0);
    expect_result("RING", SD_AT_RING, 0);
    expect_result("NO CARRIER", SD_AT_NO_CARRIER, 0);
    expect_result("ERROR", SD_AT_ERROR, 0);
    expect_result("NO DIALTONE", SD_AT_NO_DIALTONE, 0);
    expect_result("NO DIAL TONE", SD_AT_NO_DIALTONE, 0);
    expect_result("BUSY", SD_AT_BUSY, 0);
    expect_result("NO ANSWER", SD_AT_NO_ANSWER, 0);
    /* numeric (ATV0) */
    expect_result("0", SD_AT_OK, 0);
    expect_result("1", SD_AT_CONNECT, 0);
    expect_result("2\r", SD_AT_RING, 0);
    expect_result("3", SD_AT_NO_CARRIER, 0);
    expect_result("4", SD_AT_ERROR, 0);
    expect_result("5", SD_AT_CONNECT, 1200);
    expect_result("6", SD_AT_NO_DIALTONE, 0);
    expect_result("7", SD_AT_BUSY, 0);
    expect_result("8", SD_AT_NO_ANSWER, 0);
    expect_result("10", SD_AT_CONNECT, 2400);
    expect_result("12", SD_AT_CONNECT, 9600);

    /* not result codes: the dialer skips them */
    static const char *other[] = {
        "",
        "\r\n",
        "   ",
        "ATD0312345678",
        "AT",
        "CARRIER 28800",
        "PROTOCOL: LAPM",
        "OKAY",
        "CONNECTED",
        "NO",
        "NO  CARRIER",
        "9",
        "99",
        "012",
        "OK\x01",
        "BUSY\x80",
        "RINGING",
        "CONNECT\t9600",
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        sd_at_result_t r;
        int rc = sd_at_result_parse(other[i], strlen(other[i]), &r);
        if (rc != SD_ESYNTAX)
            fail_msg("'%s': got %s", other[i], sd_err_name(rc));
    }
    /* absurd speeds */
    static const char *bad[] = {"CONNECT 0", "CONNECT 99999999", "CONNECT 1234567890",
                                "CONNECT 000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sd_at_result_t r;
        assert_int_equal(sd_at_result_parse(bad[i], strlen(bad[i]), &r), SD_EFIELD);
    }
    /* the length is honoured, not the NUL */
    sd_at_result_t r;
    assert_int_equal(sd_at_result_parse("OKAY", 2, &r), 0);
    assert_int_equal(r.code, SD_AT_OK);
    assert_int_equal(sd_at_result_parse(NULL, 0, &r), SD_ESYNTAX);
}

static void test_code_err(void **state)
{
    (void)state;
    assert_int_equal(sd_at_code_err(SD_AT_OK), 0);
    assert_int_equal(sd_at_code_err(SD_AT_CONNECT), 0);
    assert_int_equal(sd_at_code_err(SD_AT_RING), 0);
    assert_int_equal(sd_at_code_err(SD_AT_BUSY), SD_EBUSY);
    assert_int_equal(sd_at_code_err(SD_AT_NO_ANSWER), SD_ENOANSWER);
    assert_int_equal(sd_at_code_err(SD_AT_NO_CARRIER), SD_ENOCARRIER);
    assert_int_equal(sd_at_code_err(SD_AT_NO_DIALTONE), SD_ENODIALTONE);
    assert_int_equal(sd_at_code_err(SD_AT_ERROR), SD_EPROTO);
    assert_string_equal(sd_at_code_str(SD_AT_NO_CARRIER), "NO CARRIER");
    assert_string_equal(sd_at_code_str((sd_at_code_t)5), "?");
}

/* --- modem emulator, pure -------------------------------------------------------------------- */

struct dialled {
    char number[40];
    int calls;
};

static sd_at_code_t dial_cb(void *ctx, const char *number)
{
    struct dialled *d = ctx;
    snprintf(d->number, sizeof d->number, "%s", number);
    d->calls++;
    if (!strcmp(number, "0312345678"))
        return SD_AT_CONNECT;
    if (!strcmp(number, "0399999999"))
        return SD_AT_BUSY;
    if (!strcmp(number, "0311111111"))
        return SD_AT_NO_ANSWER;
    if (!strcmp(number, "0322222222"))
        return SD_AT_NO_DIALTONE;
    if (!strcmp(number, "0333333333"))
        return SD_AT_ERROR; /* a callback answering nonsense reads as NO CARRIER */
    return SD_AT_NO_CARRIER;
}

struct emu {
    sd_at_modem_t *m;
    struct dialled d;
    sd_buf_t dte, line;
    int ev;
};

static int emu_setup(void **state)
{
    struct emu *e = calloc(1, sizeof *e);
    sd_at_modem_cfg_t cfg = {.dial = dial_cb, .ctx = &e->d};
    assert_int_equal(sd_at_modem_new(&cfg, &e->m), 0);
    *state = e;
    return 0;
}

static int emu_teardown(void **state)
{
    struct emu *e = *state;
    sd_at_modem_free(e->m);
    sd_buf_free(&e->dte);
    sd_buf_free(&e->line);
    free(e);
    return 0;
}

/* Feed s at time t; return what went to the DTE as a string (valid until the next call). */
static const char *feed(struct emu *e, const char *s, int64_t t)
{
    sd_buf_reset(&e->dte);
    e->ev = sd_at_modem_input(e->m, s, strlen(s), t, &e->dte, &e->line);
    assert_true(e->ev >= 0);
    sd_buf_append(&e->dte, "", 0);
    return e->dte.data ? e->dte.data : "";
}

static const char *tick(struct emu *e, int64_t t)
{
    sd_buf_reset(&e->dte);
    e->ev = sd_at_modem_tick(e->m, t, &e->dte, &e->line);
    assert_true(e->ev >= 0);
    sd_buf_append(&e->dte, "", 0);
    return e->dte.data ? e->dte.data : "";
}

static void test_modem_commands(void **state)
{
    struct emu *e = *state;
    assert_string_equal(feed(e, "AT\r", 0), "AT\r\r\nOK\r\n");
    /* echo off; junk before AT and case do not matter; several commands on one line */
    assert_string_equal(feed(e, "xx at e0 v1 q0 x4 l2 m1 &c1 &d2 &k3 &w0\r", 0),
                        "xx at e0 v1 q0 x4 l2 m1 &c1 &d2 &k3 &w0\r\r\nOK\r\n");
    assert_string_equal(feed(e, "AT\r", 0), "\r\nOK\r\n");
    assert_string_equal(feed(e, "AATI\r", 0), "\r\nsuido AT emulator\r\n\r\nOK\r\n");
    /* unknown and out-of-range commands */
    static const char *bad[] = {"ATY\r",   "AT+GMM\r", "ATS99=1\r", "ATS0=256\r", "ATE2\r",
                                "ATS0\r",  "ATS0:1\r", "AT&Q\r",    "AT&\r",      "ATX5\r",
                                "ATM4\r",  "ATH2\r",   "ATZ2\r",    "ATE1234\r",  "ATO2\r",
                                "ATI10\r", "ATD\r",    "ATDX1\r",   "ATD1;2\r",   "AT&C10\r"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strcmp(feed(e, bad[i], 0), "\r\nERROR\r\n"))
            fail_msg("%s gave '%s'", bad[i], e->dte.data);
    /* S registers */
    assert_string_equal(feed(e, "ATS0=2S12=1\r", 0), "\r\nOK\r\n");
    assert_int_equal(sd_at_modem_sreg(e->m, 0), 2);
    assert_int_equal(sd_at_modem_sreg(e->m, 12), 1);
    assert_string_equal(feed(e, "ATS0?S2?\r", 0), "\r\n002\r\n\r\n043\r\n\r\nOK\r\n");
    assert_int_equal(sd_at_modem_sreg(e->m, 32), SD_EINVAL);
    /* backspace edits the line */
    assert_string_equal(feed(e, "ATQ\bY\b\bE1\r", 0), "\r\nOK\r\n");
    /* a line too long is refused whole */
    char longline[200] = "AT";
    memset(longline + 2, 'E', 100);
    strcpy(longline + 102, "\r");
    assert_string_equal(feed(e, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_string_equal(feed(e, longline, 0), "\r\nERROR\r\n");
    /* numeric and quiet results */
    assert_string_equal(feed(e, "ATV0\r", 0), "0\r");
    assert_string_equal(feed(e, "ATY\r", 0), "4\r");
    assert_string_equal(feed(e, "ATQ1\r", 0), "");
    assert_string_equal(feed(e, "ATY\r", 0), "");
    /* ATZ restores the factory profile: echo, verbose, S0=0 */
    assert_string_equal(feed(e, "ATZ\r", 0), "\r\nOK\r\n");
    assert_int_equal(sd_at_modem_sreg(e->m, 0), 0);
    assert_string_equal(feed(e, "AT\r", 0), "AT\r\r\nOK\r\n");
    assert_string_equal(feed(e, "ATS0=3&F\r", 0), "ATS0=3&F\r\r\nOK\r\n");
    assert_int_equal(sd_at_modem_sreg(e->m, 0), 0);
    /* nothing is dialled by commands alone; ATO and ATA without a call give NO CARRIER */
    assert_string_equal(feed(e, "ATE0O\r", 0), "ATE0O\r\r\nNO CARRIER\r\n");
    assert_string_equal(feed(e, "ATA\r", 0), "\r\nNO CARRIER\r\n");
    assert_int_equal(e->d.calls, 0);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_COMMAND);
    /* bytes from the line are dropped when no call is up */
    sd_buf_reset(&e->dte);
    assert_int_equal(sd_at_modem_line_input(e->m, "zz", 2, &e->dte), 0);
    assert_int_equal(e->dte.len, 0);
}

static void test_modem_dial(void **state)
{
    struct emu *e = *state;
    feed(e, "ATE0\r", 0);
    assert_string_equal(feed(e, "ATDT0399999999\r", 0), "\r\nBUSY\r\n");
    assert_string_equal(feed(e, "ATD0311111111\r", 0), "\r\nNO ANSWER\r\n");
    assert_string_equal(feed(e, "ATD0322222222\r", 0), "\r\nNO DIALTONE\r\n");
    assert_string_equal(feed(e, "ATD0333333333\r", 0), "\r\nNO CARRIER\r\n");
    assert_string_equal(feed(e, "ATD0300000000\r", 0), "\r\nNO CARRIER\r\n");
    assert_string_equal(feed(e, "ATDT0312345678;\r", 0), "\r\nOK\r\n");
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_COMMAND);
    assert_int_equal(e->d.calls, 6);
    /* dial-string punctuation is not part of the number */
    assert_string_equal(feed(e, "ATDP (03) 1234-5678\r", 1000), "\r\nCONNECT 9600\r\n");
    assert_string_equal(e->d.number, "0312345678");
    assert_int_equal(e->ev, SD_AT_EV_CONNECT);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_DATA);
    /* data both ways, every byte value; commands are data now */
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    sd_buf_reset(&e->line);
    sd_buf_reset(&e->dte);
    assert_int_equal(sd_at_modem_input(e->m, all, 256, 1100, &e->dte, &e->line), 0);
    assert_int_equal(e->line.len, 256);
    assert_memory_equal(e->line.data, all, 256);
    assert_int_equal(e->dte.len, 0);
    assert_int_equal(sd_at_modem_line_input(e->m, all, 256, &e->dte), 0);
    assert_int_equal(e->dte.len, 256);
    assert_memory_equal(e->dte.data, all, 256);
    sd_buf_reset(&e->line);
    assert_string_equal(feed(e, "ATH\r", 1200), "");
    assert_memory_equal(e->line.data, "ATH\r", 4);
    /* ATD while a call is up (online command mode) is refused */
    feed(e, "+++", 2500);
    assert_string_equal(tick(e, 3500), "\r\nOK\r\n");
    assert_string_equal(feed(e, "ATD0312345678\r", 3600), "\r\nERROR\r\n");
    /* the remote hangs up */
    sd_buf_reset(&e->dte);
    assert_int_equal(sd_at_modem_remote_hangup(e->m, &e->dte), 0);
    sd_buf_append(&e->dte, "", 0);
    assert_string_equal(e->dte.data, "\r\nNO CARRIER\r\n");
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_COMMAND);
    /* a dial with no callback gets NO CARRIER */
    sd_at_modem_t *m;
    assert_int_equal(sd_at_modem_new(NULL, &m), 0);
    sd_buf_reset(&e->dte);
    assert_true(sd_at_modem_input(m, "ATD1\r", 5, 0, &e->dte, &e->line) >= 0);
    sd_buf_append(&e->dte, "", 0);
    assert_string_equal(e->dte.data, "ATD1\r\r\nNO CARRIER\r\n");
    sd_at_modem_free(m);
    sd_at_modem_free(NULL);
}

static void test_modem_escape(void **state)
{
    struct emu *e = *state;
    /* guard time S12 = 50 x 20 ms = 1 s */
    feed(e, "ATE0D0312345678\r", 0);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_DATA);
    sd_buf_reset(&e->line);
    feed(e, "abc", 100);
    /* too soon after data: the pluses are data */
    feed(e, "+++", 600);
    assert_int_equal(sd_at_modem_deadline(e->m), -1);
    assert_int_equal(e->line.len, 6);
    assert_string_equal(tick(e, 5000), "");
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_DATA);
    /* guard before, three pluses, guard after: escape */
    sd_buf_reset(&e->line);
    assert_string_equal(feed(e, "++", 1600), "");
    assert_string_equal(feed(e, "+", 1700), "");
    assert_int_equal(e->line.len, 0);
    assert_int_equal(sd_at_modem_deadline(e->m), 2700);
    assert_string_equal(tick(e, 2699), "");
    assert_string_equal(tick(e, 2700), "\r\nOK\r\n");
    assert_int_equal(e->ev, SD_AT_EV_ESCAPE);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_ONLINE_COMMAND);
    assert_int_equal(e->line.len, 0);
    /* the call is still up: line bytes are held back from the DTE while in command mode */
    sd_buf_reset(&e->dte);
    sd_at_modem_line_input(e->m, "x", 1, &e->dte);
    assert_int_equal(e->dte.len, 0);
    /* ATO resumes */
    assert_string_equal(feed(e, "AT O\r", 2800), "\r\nCONNECT 9600\r\n");
    assert_int_equal(e->ev, SD_AT_EV_RESUME);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_DATA);
    /* a fourth plus, or data before the trailing guard, cancels the escape in order */
    sd_buf_reset(&e->line);
    feed(e, "+++", 4000);
    feed(e, "+x", 4500);
    assert_int_equal(e->line.len, 5);
    assert_memory_equal(e->line.data, "++++x", 5);
    sd_buf_reset(&e->line);
    feed(e, "+++", 6000);
    feed(e, "y", 6999);
    assert_memory_equal(e->line.data, "+++y", 4);
    /* pluses too far apart are data, released when their guard runs out */
    sd_buf_reset(&e->line);
    feed(e, "+", 8000);
    assert_int_equal(e->line.len, 0);
    tick(e, 9000);
    assert_int_equal(e->line.len, 1);
    feed(e, "+", 9500);
    feed(e, "+", 11000); /* 1.5 s after the previous one */
    assert_int_equal(e->line.len, 2);
    tick(e, 12000);
    assert_int_equal(e->line.len, 3);
    /* escape then completed by the next input's arrival time, then ATH ends the call */
    sd_buf_reset(&e->line);
    feed(e, "+++", 13000);
    assert_string_equal(feed(e, "ATH\r", 14500), "\r\nOK\r\n\r\nOK\r\n");
    assert_int_equal(e->ev, SD_AT_EV_ESCAPE | SD_AT_EV_HANGUP);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_COMMAND);
    assert_int_equal(e->line.len, 0);
    /* once back in command mode, the remote's hang-up is silent */
    sd_buf_reset(&e->dte);
    assert_int_equal(sd_at_modem_remote_hangup(e->m, &e->dte), 0);
    assert_int_equal(e->dte.len, 0);
    /* ATZ online also hangs up */
    feed(e, "ATD0312345678\r", 20000);
    feed(e, "+++", 21000);
    tick(e, 22000);
    assert_string_equal(feed(e, "ATZ\r", 22000), "\r\nOK\r\n");
    assert_int_equal(e->ev, SD_AT_EV_HANGUP);
    /* S2 above 127 turns the escape off */
    feed(e, "ATS2=200D0312345678\r", 25000);
    sd_buf_reset(&e->line);
    feed(e, "+++", 27000);
    assert_string_equal(tick(e, 29000), "");
    assert_int_equal(e->line.len, 3);
    sd_buf_reset(&e->dte);
    sd_at_modem_remote_hangup(e->m, &e->dte);
    /* with a short guard (S12=1 = 20 ms) */
    feed(e, "ATE0S2=43S12=1D0312345678\r", 30000);
    feed(e, "+++", 30020);
    assert_string_equal(tick(e, 30040), "\r\nOK\r\n");
}

static void test_modem_ring(void **state)
{
    struct emu *e = *state;
    sd_buf_reset(&e->dte);
    feed(e, "ATE0\r", 0);
    /* S0=0: rings until the DTE answers */
    sd_buf_reset(&e->dte);
    assert_int_equal(sd_at_modem_ring(e->m, 10, &e->dte), 0);
    assert_int_equal(sd_at_modem_ring(e->m, 20, &e->dte), 0);
    sd_buf_append(&e->dte, "", 0);
    assert_string_equal(e->dte.data, "\r\nRING\r\n\r\nRING\r\n");
    assert_int_equal(sd_at_modem_sreg(e->m, 1), 2);
    assert_string_equal(feed(e, "ATA\r", 30), "\r\nCONNECT 9600\r\n");
    assert_int_equal(e->ev, SD_AT_EV_CONNECT);
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_DATA);
    /* a second caller finds the line busy */
    assert_int_equal(sd_at_modem_ring(e->m, 40, &e->dte), SD_EBUSY);
    sd_buf_reset(&e->dte);
    sd_at_modem_remote_hangup(e->m, &e->dte);
    assert_int_equal(sd_at_modem_sreg(e->m, 1), 0);
    /* the caller gives up: ATA afterwards finds nobody */
    sd_at_modem_ring(e->m, 50, &e->dte);
    sd_at_modem_remote_hangup(e->m, &e->dte);
    assert_string_equal(feed(e, "ATA\r", 60), "\r\nNO CARRIER\r\n");
    /* S0=2: the modem answers by itself on the second ring */
    feed(e, "ATS0=2\r", 100);
    sd_buf_reset(&e->dte);
    assert_int_equal(sd_at_modem_ring(e->m, 110, &e->dte), 0);
    assert_int_equal(sd_at_modem_ring(e->m, 120, &e->dte), SD_AT_EV_CONNECT);
    sd_buf_append(&e->dte, "", 0);
    assert_string_equal(e->dte.data, "\r\nRING\r\n\r\nRING\r\n\r\nCONNECT 9600\r\n");
    assert_int_equal(sd_at_modem_mode(e->m), SD_AT_MODE_DATA);
    /* the escape guard counts from the answer */
    feed(e, "+++", 1000);
    assert_int_equal(sd_at_modem_deadline(e->m), -1);
}

/* --- dialer against the emulator over a real PTY pair ---------------------------------------- */

static int64_t now_ms(void)
{
    return sd_clock_mono_ms(sd_clock_system());
}

struct bench {
    sd_link_t *master; /* the modem's side, held open */
    sd_link_t *dte;    /* the center's serial port */
    sd_at_modem_t *m;
    struct dialled d;
    pthread_t thread;
    atomic_int stop, rings, remote_hangup, mode, line_bytes;
    sd_at_cfg_t cfg;
    int sleeps, slept_ms;
};

/* The far end of a call: a terminal that answers every byte in upper case. */
static void *modem_thread(void *arg)
{
    struct bench *b = arg;
    sd_buf_t dte = {0}, line = {0};
    unsigned char buf[512];
    while (!atomic_load(&b->stop)) {
        int64_t now = now_ms();
        if (atomic_load(&b->rings) > 0) {
            atomic_fetch_sub(&b->rings, 1);
            (void)sd_at_modem_ring(b->m, now, &dte);
        }
        if (atomic_exchange(&b->remote_hangup, 0))
            sd_at_modem_remote_hangup(b->m, &dte);
        int64_t dl = sd_at_modem_deadline(b->m);
        int t = 10;
        if (dl >= 0)
            t = dl <= now ? 0 : dl - now < 10 ? (int)(dl - now) : 10;
        int r = sd_link_read(b->master, buf, sizeof buf, t);
        now = now_ms();
        if (r > 0)
            r = sd_at_modem_input(b->m, buf, (size_t)r, now, &dte, &line);
        else
            r = sd_at_modem_tick(b->m, now, &dte, &line);
        assert_true(r >= 0);
        if (line.len) {
            atomic_fetch_add(&b->line_bytes, (int)line.len);
            for (size_t i = 0; i < line.len; i++)
                if (line.data[i] >= 'a' && line.data[i] <= 'z')
                    line.data[i] = (char)(line.data[i] - 32);
            sd_at_modem_line_input(b->m, line.data, line.len, &dte);
            sd_buf_reset(&line);
        }
        /* publish the mode before the DTE can read the result that reports it */
        atomic_store(&b->mode, (int)sd_at_modem_mode(b->m));
        if (dte.len) {
            assert_int_equal(sd_link_write_all(b->master, dte.data, dte.len, 1000), 0);
            sd_buf_reset(&dte);
        }
    }
    sd_buf_free(&dte);
    sd_buf_free(&line);
    return NULL;
}

static void counting_sleep(void *ctx, int ms)
{
    struct bench *b = ctx;
    b->sleeps++;
    b->slept_ms += ms;
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int bench_setup(void **state)
{
    struct bench *b = calloc(1, sizeof *b);
    assert_non_null(b);
    assert_int_equal(sd_link_open("pty:?hold=1", &b->master), 0);
    char url[300];
    snprintf(url, sizeof url, "serial://%s?baud=9600", sd_link_peer_name(b->master));
    assert_int_equal(sd_link_open(url, &b->dte), 0);
    sd_at_modem_cfg_t mc = {.dial = dial_cb, .ctx = &b->d, .speed = 9600};
    assert_int_equal(sd_at_modem_new(&mc, &b->m), 0);
    sd_at_cfg_default(&b->cfg);
    /* the modem's guard is S12=2 (40 ms); ours is a little longer */
    b->cfg.init = "ATE0V1Q0X4S12=2";
    b->cfg.guard_ms = 60;
    b->cfg.cmd_timeout_ms = 1000;
    b->cfg.dial_timeout_ms = 2000;
    b->cfg.sleep_ms = counting_sleep;
    b->cfg.sleep_ctx = b;
    assert_int_equal(pthread_create(&b->thread, NULL, modem_thread, b), 0);
    *state = b;
    return 0;
}

static int bench_teardown(void **state)
{
    struct bench *b = *state;
    atomic_store(&b->stop, 1);
    pthread_join(b->thread, NULL);
    sd_link_close(b->dte);
    sd_link_close(b->master);
    sd_at_modem_free(b->m);
    free(b);
    return 0;
}

static void exchange(struct bench *b, const char *send, const char *want)
{
    size_t n = strlen(want), got = 0;
    char buf[64];
    assert_int_equal(sd_link_write_all(b->dte, send, strlen(send), 1000), 0);
    while (got < n) {
        int r = sd_link_read(b->dte, buf + got, n - got, 1000);
        if (r < 0)
            fail_msg("after %zu bytes: %s", got, sd_err_name(r));
        got += (size_t)r;
    }
    assert_memory_equal(buf, want, n);
}

static void test_dial_connect_hangup(void **state)
{
    struct bench *b = *state;
    assert_int_equal(sd_at_init(b->dte, &b->cfg), 0);
    long speed = -1;
    int64_t t0 = now_ms();
    /* the protocol's space-padded tel field is dialled as is */
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0312345678  ", &speed), 0);
    assert_int_equal(speed, 9600);
    /* (the atomic load orders the thread's write of d.number before our read) */
    assert_int_equal(atomic_load(&b->mode), SD_AT_MODE_DATA);
    assert_string_equal(b->d.number, "0312345678");
    exchange(b, "hello terminal", "HELLO TERMINAL");
    /* bytes that look like commands are data now */
    exchange(b, "ATH\r", "ATH\r");
    int sent = atomic_load(&b->line_bytes);
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
    assert_int_equal(atomic_load(&b->mode), SD_AT_MODE_COMMAND);
    /* the escape did not reach the terminal, and the guard went through the injected sleep */
    assert_int_equal(atomic_load(&b->line_bytes), sent);
    assert_int_equal(b->sleeps, 1);
    assert_int_equal(b->slept_ms, 60);
    /* a second call on the same port */
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0312345678", NULL), 0);
    exchange(b, "again", "AGAIN");
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
    assert_true(now_ms() - t0 < 2000);
}

static void test_dial_failures(void **state)
{
    struct bench *b = *state;
    assert_int_equal(sd_at_init(b->dte, &b->cfg), 0);
    long speed = -1;
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0399999999", &speed), SD_EBUSY);
    assert_int_equal(speed, 0);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0300000000", NULL), SD_ENOCARRIER);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0311111111", NULL), SD_ENOANSWER);
    b->cfg.dial_mode = 'P';
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0322222222", NULL), SD_ENODIALTONE);
    assert_int_equal(atomic_load(&b->mode), SD_AT_MODE_COMMAND);
    /* bad numbers never reach the modem */
    (void)atomic_load(&b->mode);
    int calls = b->d.calls;
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "", NULL), SD_EINVAL);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "03-1234", NULL), SD_EINVAL);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "031234567890123456789", NULL), SD_EINVAL);
    (void)atomic_load(&b->mode);
    assert_int_equal(b->d.calls, calls);
    /* the modem refuses a command */
    sd_at_result_t res;
    assert_int_equal(sd_at_command(b->dte, &b->cfg, "ATY", &res), SD_EPROTO);
    assert_int_equal(res.code, SD_AT_ERROR);
    assert_int_equal(sd_at_command(b->dte, &b->cfg, "", NULL), SD_EINVAL);
    assert_int_equal(sd_at_command(b->dte, &b->cfg, "AT\r", NULL), SD_EINVAL);
    /* and still works afterwards, with echo on too */
    assert_int_equal(sd_at_command(b->dte, &b->cfg, "ATE1", NULL), 0);
    assert_int_equal(sd_at_command(b->dte, &b->cfg, "AT", &res), 0);
    assert_int_equal(res.code, SD_AT_OK);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0312345678", NULL), 0);
    exchange(b, "x", "X");
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
}

static void test_remote_hangup(void **state)
{
    struct bench *b = *state;
    assert_int_equal(sd_at_init(b->dte, &b->cfg), 0);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0312345678", NULL), 0);
    atomic_store(&b->remote_hangup, 1);
    exchange(b, "", "\r\nNO CARRIER\r\n");
    /* hanging up a call that is already gone still ends in a clean modem */
    int64_t t0 = now_ms();
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
    assert_true(now_ms() - t0 < 1500);
    assert_int_equal(sd_at_dial(b->dte, &b->cfg, "0312345678", NULL), 0);
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
}

static void test_answer(void **state)
{
    struct bench *b = *state;
    long speed = 0;
    /* nothing rings: time out */
    assert_int_equal(sd_at_init(b->dte, &b->cfg), 0);
    int64_t t0 = now_ms();
    assert_int_equal(sd_at_answer(b->dte, &b->cfg, 50, &speed), SD_ETIMEDOUT);
    assert_true(now_ms() - t0 >= 49);
    /* we answer with ATA */
    atomic_store(&b->rings, 1);
    assert_int_equal(sd_at_answer(b->dte, &b->cfg, 2000, &speed), 0);
    assert_int_equal(speed, 9600);
    exchange(b, "enq", "ENQ");
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
    /* the modem answers by itself on the second ring (ATS0=2 from sd_at_init) */
    b->cfg.auto_answer = 2;
    assert_int_equal(sd_at_init(b->dte, &b->cfg), 0);
    atomic_store(&b->rings, 2);
    assert_int_equal(sd_at_answer(b->dte, &b->cfg, 2000, &speed), 0);
    exchange(b, "y", "Y");
    assert_int_equal(sd_at_hangup(b->dte, &b->cfg), 0);
}

/* The dial plan's URL decides: tcp is connected by opening, serial/pty get dialled. */
static void test_call_and_end(void **state)
{
    struct bench *b = *state;
    sd_listener_t *ls;
    sd_link_t *l, *peer;
    char url[300];
    unsigned char c;
    assert_int_equal(sd_listener_open("tcp://127.0.0.1:0", &ls), 0);
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", sd_listener_port(ls));
    assert_int_equal(sd_at_call(url, "0312345678", &b->cfg, &l), 0);
    assert_int_equal(sd_link_is_modem(l), 0);
    assert_int_equal(sd_listener_accept(ls, &peer, 1000), 0);
    /* no AT command goes down a tcp link */
    assert_int_equal(sd_link_read(peer, &c, 1, 50), SD_ETIMEDOUT);
    assert_int_equal(sd_at_end(l, &b->cfg), 0);
    assert_int_equal(sd_link_read(peer, &c, 1, 1000), SD_ECLOSED);
    assert_int_equal(b->sleeps, 0);
    sd_link_close(peer);
    sd_listener_close(ls);
    assert_int_equal(sd_at_end(NULL, &b->cfg), 0);

    /* the modem port: reset, dial, talk, hang up */
    snprintf(url, sizeof url, "serial://%s?baud=9600", sd_link_peer_name(b->master));
    sd_link_close(b->dte);
    b->dte = NULL;
    l = (sd_link_t *)1;
    assert_int_equal(sd_at_call(url, "0399999999", &b->cfg, &l), SD_EBUSY);
    assert_null(l);
    assert_int_equal(sd_at_call(url, "0312345678  ", &b->cfg, &l), 0);
    assert_int_equal(sd_link_is_modem(l), 1);
    b->dte = l;
    exchange(b, "called", "CALLED");
    b->dte = NULL;
    assert_int_equal(sd_at_end(l, &b->cfg), 0);
    assert_int_equal(b->sleeps, 1);
    assert_int_equal(atomic_load(&b->mode), SD_AT_MODE_COMMAND);
    assert_int_equal(sd_at_call("udp://x:1", "1", &b->cfg, &l), SD_EUNSUPPORTED);
}

/* Nobody on the line: a dial times out and is aborted; a command times out. */
static void test_silent_modem(void **state)
{
    (void)state;
    sd_link_t *master, *dte;
    assert_int_equal(sd_link_open("pty:", &master), 0);
    char url[300];
    snprintf(url, sizeof url, "serial://%s", sd_link_peer_name(master));
    assert_int_equal(sd_link_open(url, &dte), 0);
    sd_at_cfg_t cfg;
    sd_at_cfg_default(&cfg);
    assert_int_equal(cfg.guard_ms, 1000);
    assert_int_equal(cfg.cmd_timeout_ms, 2000);
    cfg.cmd_timeout_ms = 50;
    cfg.dial_timeout_ms = 50;
    int64_t t0 = now_ms();
    assert_int_equal(sd_at_dial(dte, &cfg, "0312345678", NULL), SD_ETIMEDOUT);
    assert_true(now_ms() - t0 >= 99); /* dial timeout, then the abort's own wait */
    char buf[64];
    int r = sd_link_read(master, buf, sizeof buf, 100);
    assert_true(r >= 15);
    assert_memory_equal(buf, "ATD0312345678\r\r", 15); /* the dial and the abort */
    assert_int_equal(sd_at_command(dte, &cfg, "AT", NULL), SD_ETIMEDOUT);
    /* the modem goes away */
    sd_link_close(master);
    assert_int_equal(sd_at_command(dte, &cfg, "AT", NULL), SD_ECLOSED);
    sd_link_close(dte);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_parse),
        cmocka_unit_test(test_code_err),
        cmocka_unit_test_setup_teardown(test_modem_commands, emu_setup, emu_teardown),
        cmocka_unit_test_setup_teardown(test_modem_dial, emu_setup, emu_teardown),
        cmocka_unit_test_setup_teardown(test_modem_escape, emu_setup, emu_teardown),
        cmocka_unit_test_setup_teardown(test_modem_ring, emu_setup, emu_teardown),
        cmocka_unit_test_setup_teardown(test_dial_connect_hangup, bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_dial_failures, bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_remote_hangup, bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_answer, bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_call_and_end, bench_setup, bench_teardown),
        cmocka_unit_test(test_silent_modem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
