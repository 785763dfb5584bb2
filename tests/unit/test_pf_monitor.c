/* test_pf_monitor.c - the pure parts of periodic monitors: start body, webhook URLs, signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "pf/requests/monitor.h"

static int parse(const char *body, sd_monitor_spec_t *s, sd_json_err_t *e)
{
    return sd_monitor_spec_parse(body, strlen(body), s, e);
}

static void test_spec_ok(void **state)
{
    (void)state;
    sd_monitor_spec_t s;
    sd_json_err_t e;
    assert_int_equal(parse("{\"data_ids\":[\"a.b\",\"c\"],\"interval_s\":60,"
                           "\"webhook\":\"https://h.example.jp:8443/x?y=1\"}",
                           &s, &e),
                     0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.data_ids[0], "a.b");
    assert_string_equal(s.data_ids[1], "c");
    assert_int_equal(s.interval_s, 60);
    assert_string_equal(s.webhook, "https://h.example.jp:8443/x?y=1");
    sd_monitor_spec_free(&s);
    assert_null(s.root);
    assert_int_equal(parse("{\"data_ids\":[\"a\"],\"interval_s\":86400,\"webhook\":null}", &s, &e),
                     0);
    assert_null(s.webhook);
    sd_monitor_spec_free(&s);
}

static void test_spec_errors(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int rc;
        const char *field;
    } cases[] = {
        {"{\"data_ids\":[\"a\"],\"interval_s\":60", SD_ESYNTAX, ""},
        {"[1]", SD_EFIELD, ""},
        {"{\"interval_s\":60}", SD_EFIELD, "data_ids"},
        {"{\"data_ids\":[],\"interval_s\":60}", SD_EFIELD, "data_ids"},
        {"{\"data_ids\":\"a\",\"interval_s\":60}", SD_EFIELD, "data_ids"},
        {"{\"data_ids\":[\"a\",1],\"interval_s\":60}", SD_EFIELD, "data_ids[1]"},
        {"{\"data_ids\":[\"a\",\"\"],\"interval_s\":60}", SD_EFIELD, "data_ids[1]"},
        {"{\"data_ids\":[\"a\",\"b\",\"a\"],\"interval_s\":60}", SD_EFIELD, "data_ids[2]"},
        {"{\"data_ids\":[\"a\"]}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":59}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":86401}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60.5}", SD_EFIELD, "interval_s"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60,\"webhook\":5}", SD_EFIELD, "webhook"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60,\"webhook\":\"ftp://x/\"}", SD_EFIELD, "webhook"},
        {"{\"data_ids\":[\"a\"],\"interval_s\":60,\"extra\":1}", SD_EFIELD, "extra"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sd_monitor_spec_t s;
        sd_json_err_t e;
        int rc = parse(cases[i].body, &s, &e);
        if (rc != cases[i].rc || strcmp(e.field, cases[i].field))
            fail_msg("%s: rc %d field '%s' (%s)", cases[i].body, rc, e.field, e.message);
        assert_null(s.root);
        assert_int_equal(s.n, 0);
    }
    /* 101 data IDs */
    char big[2048] = "{\"interval_s\":60,\"data_ids\":[";
    for (int i = 0; i <= SD_MONITOR_IDS_MAX; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%s\"p%d\"", i ? "," : "", i);
    strcat(big, "]}");
    sd_monitor_spec_t s;
    sd_json_err_t e;
    assert_int_equal(parse(big, &s, &e), SD_EFIELD);
    assert_string_equal(e.field, "data_ids");
}

static void test_webhook_urls(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "http://127.0.0.1:8080/hook", "https://hooks.example.jp", "HTTPS://h.example/a?b=c&d=e",
        "http://[::1]:9000/x",        "http://a-b.c/p/q/r~s%20t",
    };
    static const char *const bad[] = {
        "",
        "ftp://h/",
        "http:/h/",
        "http://",
        "https://:80/",
        "http://user@h/",
        "http://u:p@h/",
        "http://h:0/",
        "http://h:65536/",
        "http://h:/",
        "http://h x/",
        "http://h/a b",
        "http://h/#frag",
        "http://h/\x01",
        "http://h/\x80",
        "javascript:x",
        "http://h..i/",
        "http://.h/",
        "http://[::1/",
        "http://[]/",
        "http://h\\@evil/",
        "http://h_x/",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (sd_monitor_webhook_check(ok[i], strlen(ok[i]), NULL))
            fail_msg("refused %s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        if (sd_monitor_webhook_check(bad[i], strlen(bad[i]), &why) != SD_EFIELD || !why)
            fail_msg("accepted %s", bad[i]);
    }
    /* the length counts, not a NUL: a URL cut short by len is judged as cut */
    assert_int_equal(sd_monitor_webhook_check("http://h/abc", 7, NULL), SD_EFIELD);
    char longurl[SD_MONITOR_URL_MAX + 16] = "http://h/";
    memset(longurl + 9, 'a', SD_MONITOR_URL_MAX);
    longurl[SD_MONITOR_URL_MAX + 9] = '\0';
    assert_int_equal(sd_monitor_webhook_check(longurl, strlen(longurl), NULL), SD_EFIELD);
}

static void test_sign(void **state)
{
    (void)state;
    char sig[80];
    const char *msg = "The quick brown fox jumps over the lazy dog";
    sd_monitor_sign((const uint8_t *)"key", 3, msg, strlen(msg), sig);
    /* RFC 4231-style well-known vector */
    assert_string_equal(sig,
                        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_ok),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_webhook_urls),
        cmocka_unit_test(test_sign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
