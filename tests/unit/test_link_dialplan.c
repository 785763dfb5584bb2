/* test_link_dialplan.c - dial plan parsing (every error class, with line numbers) and lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "link/dialplan.h"
#include "link/link.h"

static sd_dialplan_t *parse_ok(const char *text)
{
    sd_dialplan_t *dp = NULL;
    sd_dialplan_error_t e;
    int r = sd_dialplan_parse(text, strlen(text), &dp, &e);
    if (r)
        fail_msg("parse failed: line %d %s: %s", e.line, sd_err_name(r), e.msg);
    return dp;
}

static void expect_url(const sd_dialplan_t *dp, const char *tel, const char *want)
{
    char url[256];
    int r = sd_dialplan_lookup(dp, tel, url, sizeof url);
    if (r)
        fail_msg("lookup '%s': %s", tel, sd_err_name(r));
    assert_string_equal(url, want);
}

static const char plan[] = "# center dial plan\n"
                           "\n"
                           "0312345678   tcp://10.1.2.3:4001   # terminal server port 1\n"
                           "031234*\tserial:///dev/ttyUSB0?baud=2400\n"
                           "0312*        serial:///dev/ttyUSB1\r\n"
                           "  0599*      tcp://ts-{tel}.example:7000\n"
                           "*            serial:///dev/ttyS0?baud=9600\n"
                           "012345678901 pty:\n"
                           "   # indented comment\n";

static void test_lookup(void **state)
{
    (void)state;
    sd_dialplan_t *dp = parse_ok(plan);
    assert_int_equal(sd_dialplan_count(dp), 6);
    /* exact beats every prefix */
    expect_url(dp, "0312345678", "tcp://10.1.2.3:4001");
    /* the protocol's space-padded 12-byte field works */
    expect_url(dp, "0312345678  ", "tcp://10.1.2.3:4001");
    /* longest prefix wins */
    expect_url(dp, "0312345679", "serial:///dev/ttyUSB0?baud=2400");
    expect_url(dp, "031234", "serial:///dev/ttyUSB0?baud=2400");
    expect_url(dp, "0312999", "serial:///dev/ttyUSB1");
    expect_url(dp, "0312", "serial:///dev/ttyUSB1");
    /* placeholder */
    expect_url(dp, "059912345678", "tcp://ts-059912345678.example:7000");
    /* default */
    expect_url(dp, "9", "serial:///dev/ttyS0?baud=9600");
    expect_url(dp, "031", "serial:///dev/ttyS0?baud=9600");
    expect_url(dp, "012345678901", "pty:");
    /* leading zeros matter: 0312 and 312 are different numbers */
    expect_url(dp, "312345678", "serial:///dev/ttyS0?baud=9600");

    char url[64];
    assert_int_equal(sd_dialplan_lookup(dp, "", url, sizeof url), SD_EINVAL);
    assert_int_equal(sd_dialplan_lookup(dp, "            ", url, sizeof url), SD_EINVAL);
    assert_int_equal(sd_dialplan_lookup(dp, "03-1234", url, sizeof url), SD_EINVAL);
    assert_int_equal(sd_dialplan_lookup(dp, "0312345678 9", url, sizeof url), SD_EINVAL);
    assert_int_equal(sd_dialplan_lookup(dp, "0123456789012", url, sizeof url), SD_EINVAL);
    /* too small a buffer: ETOOBIG and an empty string, never a cut URL */
    assert_int_equal(sd_dialplan_lookup(dp, "0312345678", url, 10), SD_ETOOBIG);
    assert_string_equal(url, "");
    assert_int_equal(sd_dialplan_lookup(dp, "0312345678", url, 0), SD_ETOOBIG);
    assert_int_equal(sd_dialplan_lookup(dp, "0312345678", url, 20), 0);
    sd_dialplan_free(dp);

    /* no default: unknown numbers are not found */
    dp = parse_ok("0312345678 tcp://h:1");
    assert_int_equal(sd_dialplan_lookup(dp, "0312345679", url, sizeof url), SD_ENOTFOUND);
    expect_url(dp, "0312345678", "tcp://h:1");
    sd_dialplan_free(dp);

    /* empty and comment-only plans are valid and match nothing */
    dp = parse_ok("");
    assert_int_equal(sd_dialplan_count(dp), 0);
    assert_int_equal(sd_dialplan_lookup(dp, "1", url, sizeof url), SD_ENOTFOUND);
    sd_dialplan_free(dp);
    dp = parse_ok("# nothing\n\n   \n");
    assert_int_equal(sd_dialplan_count(dp), 0);
    sd_dialplan_free(dp);
    sd_dialplan_free(NULL);
}

/* The text is not NUL-terminated: parsing stops at len. */
static void test_len_bounded(void **state)
{
    (void)state;
    const char text[] = "1 tcp://h:1\n2 tcp://h:2\nGARBAGE";
    sd_dialplan_t *dp;
    assert_int_equal(sd_dialplan_parse(text, strlen(text) - 7, &dp, NULL), 0);
    assert_int_equal(sd_dialplan_count(dp), 2);
    sd_dialplan_free(dp);
}

struct bad_case {
    const char *text;
    int code;
    int line;
    const char *msg_part;
};

static void test_errors(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"1 tcp://h:1\n2 tcp://h:2\n3\n", SD_ESYNTAX, 3, "no URL"},
        {"1 tcp://h:1 extra\n", SD_ESYNTAX, 1, "after the URL"},
        {"1 # tcp://h:1\n", SD_ESYNTAX, 1, "no URL"},
        {"\n\n12a4 tcp://h:1\n", SD_EFIELD, 3, "not a digit"},
        {"12*4 tcp://h:1\n", SD_EFIELD, 1, "not a digit"},
        {"** tcp://h:1\n", SD_EFIELD, 1, "not a digit"},
        {"0123456789012 tcp://h:1\n", SD_EFIELD, 1, "more than 12"},
        {"0123456789012* tcp://h:1\n", SD_EFIELD, 1, "more than 12"},
        {"1 tcp://h\n", SD_EFIELD, 1, "port"},
        {"1 tcp://h:99999\n", SD_EFIELD, 1, "port"},
        {"1 serial:///dev/ttyS0?baud=1000\n", SD_EFIELD, 1, "baud"},
        {"1 tcp://h:1/{number}\n", SD_EFIELD, 1, "placeholder"},
        {"1 tcp://{tel:1\n", SD_EFIELD, 1, "placeholder"},
        {"1 udp://h:1\n", SD_EUNSUPPORTED, 1, "scheme"},
        {"1 /dev/ttyS0\n", SD_EUNSUPPORTED, 1, "scheme"},
        {"1 tcp://h:1\n#\n01 tcp://h:2\n1 tcp://h:3\n", SD_EEXIST, 4, "twice"},
        {"0* tcp://h:1\n0* tcp://h:2\n", SD_EEXIST, 2, "twice"},
        {"* tcp://h:1\n* tcp://h:2\n", SD_EEXIST, 2, "twice"},
        {"1 tcp://h:1\n2 tcp://h\x01:1\n", SD_EENCODING, 2, "0x01"},
        {"1 tcp://h:1\n\n\n# caf\xc3\xa9\n", SD_EENCODING, 4, "0xc3"},
        {"1 tcp://h:1\r\r\n", SD_EENCODING, 1, "0x0d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        size_t len = strlen(c->text);
        sd_dialplan_t *dp = (sd_dialplan_t *)1;
        sd_dialplan_error_t e;
        int r = sd_dialplan_parse(c->text, len, &dp, &e);
        if (r != c->code || e.line != c->line || e.code != r || !strstr(e.msg, c->msg_part))
            fail_msg("case %zu: got %s line %d '%s', want %s line %d '%s'", i, sd_err_name(r),
                     e.line, e.msg, sd_err_name(c->code), c->line, c->msg_part);
        assert_null(dp);
    }
    /* a NUL byte inside the text is refused, not taken as its end */
    sd_dialplan_t *dp;
    sd_dialplan_error_t e;
    assert_int_equal(sd_dialplan_parse("1 tcp://h:1\n2 tcp://h:2\0\n", 25, &dp, &e), SD_EENCODING);
    assert_int_equal(e.line, 2);
    assert_non_null(strstr(e.msg, "0x00"));
}

static void test_limits(void **state)
{
    (void)state;
    /* a line of exactly the limit is fine; one byte more is not */
    char *text = malloc(SD_DIALPLAN_LINE_MAX + 64);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "1 tcp://");
    while (n < SD_DIALPLAN_LINE_MAX - 3)
        text[n++] = 'h';
    n += (size_t)sprintf(text + n, ":1");
    assert_int_equal(n, SD_DIALPLAN_LINE_MAX - 1);
    text[n++] = ' ';
    sd_dialplan_t *dp;
    sd_dialplan_error_t e;
    /* (host names this long fail the URL check, but not the length check) */
    assert_int_equal(sd_dialplan_parse(text, n, &dp, &e), SD_EFIELD);
    text[n++] = ' ';
    text[n++] = '\n';
    assert_int_equal(sd_dialplan_parse(text, n, &dp, &e), SD_ETOOBIG);
    assert_int_equal(e.line, 1);
    free(text);

    /* many rules: all found through the hash, the one past the limit refused */
    size_t cap = (size_t)(SD_DIALPLAN_RULES_MAX + 2) * 32;
    char *big = malloc(cap);
    assert_non_null(big);
    n = 0;
    for (int i = 0; i <= SD_DIALPLAN_RULES_MAX; i++)
        n += (size_t)snprintf(big + n, cap - n, "%012d tcp://h:%d\n", i, i % 65535 + 1);
    assert_int_equal(sd_dialplan_parse(big, n, &dp, &e), SD_ETOOBIG);
    assert_int_equal(e.line, SD_DIALPLAN_RULES_MAX + 1);
    n -= strlen("000000100000 tcp://h:34466\n");
    assert_int_equal(sd_dialplan_parse(big, n, &dp, &e), 0);
    assert_int_equal(sd_dialplan_count(dp), SD_DIALPLAN_RULES_MAX);
    char tel[16], url[64], want[64];
    for (int i = 0; i < SD_DIALPLAN_RULES_MAX; i += 997) {
        snprintf(tel, sizeof tel, "%012d", i);
        snprintf(want, sizeof want, "tcp://h:%d", i % 65535 + 1);
        expect_url(dp, tel, want);
    }
    assert_int_equal(sd_dialplan_lookup(dp, "1", url, sizeof url), SD_ENOTFOUND);
    sd_dialplan_free(dp);
    free(big);
}

/* The URLs a plan yields really open: a tcp rule reaches a listener. */
static void test_lookup_then_open(void **state)
{
    (void)state;
    sd_listener_t *ls;
    assert_int_equal(sd_listener_open("tcp://127.0.0.1:0", &ls), 0);
    char text[128], url[128];
    snprintf(text, sizeof text, "0312345678 tcp://127.0.0.1:%d\n", sd_listener_port(ls));
    sd_dialplan_t *dp = parse_ok(text);
    assert_int_equal(sd_dialplan_lookup(dp, "0312345678  ", url, sizeof url), 0);
    assert_int_equal(sd_link_url_is_modem(url), 0);
    sd_link_t *a, *b;
    assert_int_equal(sd_link_open(url, &a), 0);
    assert_int_equal(sd_listener_accept(ls, &b, 1000), 0);
    sd_link_close(a);
    sd_link_close(b);
    sd_listener_close(ls);
    sd_dialplan_free(dp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),           cmocka_unit_test(test_len_bounded),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_limits),
        cmocka_unit_test(test_lookup_then_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
