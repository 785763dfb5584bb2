/* test_mqtt.c - unit tests for lib/mqtt pure parts: topics, broker password and ACL files (the
 * payloads are GW-IF messages: tests/unit/test_gwif.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "mqtt/mqtt.h"

static void test_topic_parse(void **st)
{
    (void)st;
    char cid[SD_MQTT_CID_MAX + 1], sub[32];
    sd_mqtt_topic_t k;
    static const struct {
        const char *t;
        sd_mqtt_topic_t k;
    } good[] = {{"suido/gw/gw-0a1b/up/connect", SD_MQTT_T_CONNECT},
                {"suido/gw/gw-0a1b/up/disconnect", SD_MQTT_T_DISCONNECT},
                {"suido/gw/gw-0a1b/up/data", SD_MQTT_T_DATA},
                {"suido/gw/gw-0a1b/up/event", SD_MQTT_T_EVENT},
                {"suido/gw/gw-0a1b/up/reply", SD_MQTT_T_REPLY},
                {"suido/gw/gw-0a1b/state", SD_MQTT_T_STATE}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(sd_mqtt_topic_parse(good[i].t, cid, &k, sub, sizeof sub), 0);
        assert_int_equal(k, good[i].k);
        assert_string_equal(cid, "gw-0a1b");
        char back[128];
        assert_int_equal(sd_mqtt_topic_make(back, sizeof back, cid, k, NULL), 0);
        assert_string_equal(back, good[i].t);
    }
    assert_int_equal(sd_mqtt_topic_parse("suido/gw/gw-1/down/request", cid, &k, sub, sizeof sub),
                     0);
    assert_int_equal(k, SD_MQTT_T_DOWN);
    assert_string_equal(sub, "request");
    static const char *const bad[] = {
        "",
        "suido/gw/",
        "suido/gw//up/data",
        "suido/gw/gw-1",
        "suido/gw/gw-1/",
        "suido/gw/gw-1/up",
        "suido/gw/gw-1/up/",
        "suido/gw/gw-1/up/data/x",
        "suido/gw/gw-1/up/DATA",
        "suido/gw/+/up/data",
        "suido/gw/#",
        "suido/gw/g w/state",
        "suido/gw/gw-1/state/x",
        "suido/gw/gw-1/down/",
        "suido/gw/gw-1/down/a/b",
        "suido/gw/gw-1/down/#",
        "suido/ap/gw-1/up/data",
        "xsuido/gw/gw-1/state",
        "suido/gw/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/state"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sd_mqtt_topic_parse(bad[i], cid, &k, sub, sizeof sub), SD_ESYNTAX);
    /* the down name must fit */
    assert_int_equal(sd_mqtt_topic_parse("suido/gw/gw-1/down/request", cid, &k, sub, 4),
                     SD_ESYNTAX);
    char t[16];
    assert_int_equal(sd_mqtt_topic_make(t, sizeof t, "gw-1", SD_MQTT_T_DATA, NULL), SD_ETOOBIG);
    assert_int_equal(sd_mqtt_topic_make(t, sizeof t, "gw/1", SD_MQTT_T_DATA, NULL), SD_EINVAL);
    assert_int_equal(sd_mqtt_topic_make(t, sizeof t, "g", SD_MQTT_T_DOWN, "a+"), SD_EINVAL);
    assert_true(sd_mqtt_cid_valid("gw-0123456789abcdef"));
    assert_false(sd_mqtt_cid_valid(""));
    assert_false(sd_mqtt_cid_valid("a:b"));
    assert_false(sd_mqtt_cid_valid("a\nb"));
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_passwd(void **st)
{
    (void)st;
    unsigned char dk[64];
    char h[129];
    /* PBKDF2-HMAC-SHA512 vectors (as Python's hashlib.pbkdf2_hmac computes them) */
    sd_mqtt_pbkdf2_sha512("password", 8, "salt", 4, 1, dk, 64);
    hex(dk, 64, h);
    assert_string_equal(h, "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d47"
                           "0a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce");
    sd_mqtt_pbkdf2_sha512("password", 8, "salt", 4, 2, dk, 64);
    hex(dk, 64, h);
    assert_string_equal(h, "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab"
                           "2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e");
    unsigned char salt[12];
    for (int i = 0; i < 12; i++)
        salt[i] = (unsigned char)i;
    sd_buf_t b = {0};
    assert_int_equal(sd_mqtt_passwd_line("gw-1", "sdm_pw", salt, &b), 0);
    assert_string_equal(b.data,
                        "gw-1:$7$101$AAECAwQFBgcICQoL$qJM33fh8JOAqi8tKv2IM5lV9NAI18i32sWw1o6"
                        "61XkCJbjSu/TevT6fF2EFUOpj5UOyek45kD7CjjIj5bVljLQ==\n");
    assert_int_equal(sd_mqtt_passwd_line("gw:1", "x", salt, &b), SD_EINVAL);
    sd_buf_free(&b);

    unsigned char key[32] = {1, 2, 3};
    char p1[SD_MQTT_PW_SIZE], p2[SD_MQTT_PW_SIZE], p3[SD_MQTT_PW_SIZE], p4[SD_MQTT_PW_SIZE];
    sd_mqtt_password(key, "gw-1", "d1", p1);
    sd_mqtt_password(key, "gw-1", "d1", p2);
    sd_mqtt_password(key, "gw-1", "d2", p3);
    sd_mqtt_password(key, "gw-2", "d1", p4);
    assert_string_equal(p1, p2);
    assert_string_not_equal(p1, p3); /* rotating the secret changes the broker password */
    assert_string_not_equal(p1, p4);
    assert_int_equal(strlen(p1), 4 + 43);
    assert_memory_equal(p1, "sdm_", 4);
    /* the NUL separator: ("gw-1", "d1") and ("gw-1d", "1") differ */
    sd_mqtt_password(key, "gw-1d", "1", p4);
    assert_string_not_equal(p1, p4);
}

static void test_acl(void **st)
{
    (void)st;
    const char *cids[] = {"gw-a", "gw-b"};
    sd_buf_t b = {0};
    assert_int_equal(sd_mqtt_acl_write(cids, 2, &b), 0);
    assert_non_null(strstr(b.data, "user suidod\ntopic read suido/gw/+/up/#\n"
                                   "topic read suido/gw/+/state\ntopic write suido/gw/+/down/#\n"));
    assert_non_null(strstr(b.data, "\nuser gw-a\ntopic write suido/gw/gw-a/up/#\n"
                                   "topic read suido/gw/gw-a/down/#\n"
                                   "topic readwrite suido/gw/gw-a/state\n"));
    assert_non_null(strstr(b.data, "\nuser gw-b\ntopic write suido/gw/gw-b/up/#\n"));
    /* no generic "pattern" lines: an ACL names exactly one gateway */
    assert_null(strstr(b.data, "pattern"));
    assert_null(strstr(b.data, "%u"));
    sd_buf_reset(&b);
    const char *evil[] = {"gw-a\ntopic readwrite #"};
    assert_int_equal(sd_mqtt_acl_write(evil, 1, &b), SD_EINVAL);
    const char *clash[] = {"suidod"};
    assert_int_equal(sd_mqtt_acl_write(clash, 1, &b), SD_EINVAL);
    sd_buf_free(&b);
}

static void test_url(void **st)
{
    (void)st;
    char h[64];
    int port, tls;
    assert_int_equal(sd_mqtt_url_parse("mqtt://127.0.0.1:1884", h, sizeof h, &port, &tls), 0);
    assert_string_equal(h, "127.0.0.1");
    assert_int_equal(port, 1884);
    assert_int_equal(tls, 0);
    assert_int_equal(sd_mqtt_url_parse("mqtts://broker.example", h, sizeof h, &port, &tls), 0);
    assert_string_equal(h, "broker.example");
    assert_int_equal(port, 8883);
    assert_int_equal(tls, 1);
    assert_int_equal(sd_mqtt_url_parse("mqtt://localhost", h, sizeof h, &port, &tls), 0);
    assert_int_equal(port, 1883);
    const char *bad[] = {NULL,
                         "",
                         "http://h:1",
                         "mqtt://",
                         "mqtt://:1883",
                         "mqtt://h:0",
                         "mqtt://h:",
                         "mqtt://h:1x",
                         "mqtts://h:65536",
                         "mqtt://h/x",
                         "mqtt://a b",
                         "mqtt://h:1:2",
                         "MQTT://h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sd_mqtt_url_parse(bad[i], h, sizeof h, &port, &tls), SD_ECONFIG);
    assert_int_equal(sd_mqtt_url_parse("mqtt://0123456789", h, 8, &port, &tls), SD_ECONFIG);
}

static void test_peek_id(void **st)
{
    (void)st;
    char id[SD_GWIF_BATCH_ID_MAX + 1];
    const char *p = "{\"id\":\"b42\",\"samples\":[";
    assert_int_equal(sd_mqtt_peek_id(p, strlen(p), id), 0);
    assert_string_equal(id, "b42");
    p = " {\n \"id\" : 7 , \"events\":[]}";
    assert_int_equal(sd_mqtt_peek_id(p, strlen(p), id), 0);
    assert_string_equal(id, "7");
    p = "{\"id\":-12}";
    assert_int_equal(sd_mqtt_peek_id(p, strlen(p), id), 0);
    assert_string_equal(id, "-12");
    /* only the first member, whole, within the bytes given */
    const char *none[] = {"{\"samples\":[],\"id\":\"x\"}",
                          "{\"id\":\"b4",
                          "{\"id\":\"\"}",
                          "{\"id\":\"a\\\"b\"}",
                          "{\"id\":12",
                          "{\"id\":-}",
                          "{\"id\":1.5}",
                          "{\"id\":true}",
                          "[\"id\"]",
                          "",
                          "{\"id\":\"a\nb\"}"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        assert_int_equal(sd_mqtt_peek_id(none[i], strlen(none[i]), id), SD_ENOTFOUND);
    /* "id" complete but cut by len */
    p = "{\"id\":\"abc\"}";
    assert_int_equal(sd_mqtt_peek_id(p, 9, id), SD_ENOTFOUND);
    /* at most SD_GWIF_BATCH_ID_MAX bytes, and nothing beyond SD_MQTT_PEEK_MAX is read */
    char big[400];
    memset(big, 'a', sizeof big);
    memcpy(big, "{\"id\":\"", 7);
    big[7 + 128] = '"';
    assert_int_equal(sd_mqtt_peek_id(big, sizeof big, id), 0);
    assert_int_equal(strlen(id), 128);
    big[7 + 128] = 'a';
    big[7 + 129] = '"';
    assert_int_equal(sd_mqtt_peek_id(big, sizeof big, id), SD_ENOTFOUND);
}

static void test_broker_conf(void **st)
{
    (void)st;
    sd_buf_t b = {0};
    assert_int_equal(sd_mqtt_broker_conf_write(2097152, &b), 0);
    assert_non_null(strstr(b.data, "\nmessage_size_limit 4194304\n"));
    assert_non_null(strstr(b.data, "\nmax_packet_size 4195328\n"));
    assert_non_null(strstr(b.data, "\nset_tcp_nodelay true\n"));
    /* never retain_available false: the state topic's birth and last will are retained */
    assert_null(strstr(b.data, "retain_available"));
    sd_buf_reset(&b);
    assert_int_equal(sd_mqtt_broker_conf_write(0, &b), SD_EINVAL);
    assert_int_equal(sd_mqtt_broker_conf_write((size_t)128 * 1024 * 1024 + 1, &b), SD_EINVAL);
    sd_buf_free(&b);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_parse), cmocka_unit_test(test_passwd),
        cmocka_unit_test(test_acl),         cmocka_unit_test(test_url),
        cmocka_unit_test(test_peek_id),     cmocka_unit_test(test_broker_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
