/* test_config.c - unit tests for lib/core/config: syntax, errors, getters, overrides, files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

static sd_config_t *ok(const char *s)
{
    sd_config_t *c = NULL;
    sd_config_error_t e;
    int rc = sd_config_parse(s, strlen(s), &c, &e);
    if (rc)
        fail_msg("parse: %s at %zu:%zu: %s", sd_err_name(rc), e.line, e.column, e.msg);
    return c;
}

/* Expect rc at line:column with msg containing want. */
static void bad(const char *s, size_t len, int rc, size_t line, size_t col, const char *want)
{
    sd_config_t *c = (sd_config_t *)1;
    sd_config_error_t e;
    int got = sd_config_parse(s, len, &c, &e);
    assert_null(c);
    if (got != rc || e.line != line || e.column != col || !strstr(e.msg, want))
        fail_msg("want %s %zu:%zu '%s', got %s %zu:%zu '%s'", sd_err_name(rc), line, col, want,
                 sd_err_name(got), e.line, e.column, e.msg);
}

#define BAD(lit, rc, line, col, want) bad(lit, sizeof(lit) - 1, rc, line, col, want)

static void test_syntax(void **state)
{
    (void)state;
    sd_config_t *c = ok("\xEF\xBB\xBF# suido.conf\r\n"
                        "; also a comment\r\n"
                        "log.level = info   # trailing comment\n"
                        "   \t\n"
                        "[http]\n"
                        "  listen=127.0.0.1:8080  \n"
                        "color = a#b;c\n"
                        "empty =\n"
                        "empty2 = ; only a comment\n"
                        "banner = \"Sapporo \\\"north\\\"\\n\\ttab\\\\ \\x41 # kept\"  ; c\n"
                        "root = 'C:\\suido\\www' # literal\n"
                        "name = 札幌市水道局\n"
                        "[ store.sqlite ]  # dotted section\r"
                        "path = /var/lib/suido/db\n"
                        "[alarm]\n"
                        "x-y_z.w = 1");
    assert_string_equal(sd_config_get_string(c, "log.level", NULL), "info");
    assert_string_equal(sd_config_get_string(c, "http.listen", NULL), "127.0.0.1:8080");
    assert_string_equal(sd_config_get_string(c, "http.color", NULL), "a#b;c");
    assert_string_equal(sd_config_get_string(c, "http.empty", "x"), "");
    assert_string_equal(sd_config_get_string(c, "http.empty2", "x"), "");
    assert_string_equal(sd_config_get_string(c, "http.banner", NULL),
                        "Sapporo \"north\"\n\ttab\\ A # kept");
    assert_string_equal(sd_config_get_string(c, "http.root", NULL), "C:\\suido\\www");
    assert_string_equal(sd_config_get_string(c, "http.name", NULL), "札幌市水道局");
    assert_string_equal(sd_config_get_string(c, "store.sqlite.path", NULL), "/var/lib/suido/db");
    assert_string_equal(sd_config_get_string(c, "alarm.x-y_z.w", NULL), "1");
    assert_string_equal(sd_config_get_string(c, "listen", "def"), "def");
    assert_null(sd_config_get_string(c, "HTTP.listen", NULL));
    assert_true(sd_config_has(c, "http.listen"));
    assert_false(sd_config_has(c, "http"));
    sd_config_free(c);
    sd_config_free(NULL);
    c = ok("");
    assert_false(sd_config_has(c, "a"));
    sd_config_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    BAD("[http\n", SD_ESYNTAX, 1, 6, "expected ']'");
    BAD("a = 1\n[]\n", SD_ESYNTAX, 2, 2, "malformed section");
    BAD("[a..b]", SD_ESYNTAX, 1, 4, "malformed section");
    BAD("[a/b]", SD_ESYNTAX, 1, 3, "expected ']'");
    BAD("[a] x", SD_ESYNTAX, 1, 5, "after section header");
    BAD("key value", SD_ESYNTAX, 1, 5, "expected '='");
    BAD("\n\n  = x", SD_ESYNTAX, 3, 3, "expected a key");
    BAD("a.=1", SD_ESYNTAX, 1, 2, "malformed key");
    BAD(".a=1", SD_ESYNTAX, 1, 1, "malformed key");
    BAD("k = \"abc", SD_ESYNTAX, 1, 5, "unterminated");
    BAD("k = 'abc", SD_ESYNTAX, 1, 5, "unterminated");
    BAD("k = \"a\\qb\"", SD_ESYNTAX, 1, 7, "unknown escape");
    BAD("k = \"a\\x00\"", SD_ESYNTAX, 1, 7, "unknown escape");
    BAD("k = \"a\\x80\"", SD_ESYNTAX, 1, 7, "unknown escape");
    BAD("k = \"a\\x4\"", SD_ESYNTAX, 1, 7, "unknown escape");
    BAD("k = \"a\" b", SD_ESYNTAX, 1, 9, "after the quoted value");
    BAD("k = 'a'b", SD_ESYNTAX, 1, 8, "after the quoted value");
    BAD("x.b = 1\r\n[x]\r\nb = 2\r\n", SD_ESYNTAX, 3, 1,
        "duplicate key 'x.b' (first set on line 1)");
    BAD("k = a\x01"
        "b",
        SD_ESYNTAX, 1, 6, "control character 0x01");
    BAD("k = a\x7f", SD_ESYNTAX, 1, 6, "control character 0x7F");
    BAD("a=1\nk = a\0b", SD_EENCODING, 2, 6, "NUL");
    BAD("k = \xff", SD_EENCODING, 1, 5, "invalid UTF-8");
    BAD("k = \xe6\x9c", SD_EENCODING, 1, 5, "invalid UTF-8");
    /* a lone CR ends a line too */
    BAD("a = 1\rb c", SD_ESYNTAX, 2, 3, "expected '='");
}

static void test_getters(void **state)
{
    (void)state;
    sd_config_t *c = ok("[http]\nport = 8080\nbig = 70000\nhex = 0x1F\nneg = -12\n"
                        "word = abc\nhuge = 99999999999999999999\nmin = -9223372036854775808\n"
                        "[b]\nt1 = TRUE\nt2 = yes\nt3 = On\nt4 = 1\nf1 = false\nf2 = NO\n"
                        "f3 = off\nf4 = 0\nbad = maybe\n"
                        "[d]\ns = 30s\nm = 5m\nh = 2h\nd = 7d\nmix = 1h30m\nzero = 0\n"
                        "bare = 5\nunit = 5x\nneg = -5s\nnone = s\ntrail = 5s5\n"
                        "over = 999999999999999999d\n");
    sd_config_error_t e;
    int64_t v;
    assert_int_equal(sd_config_get_int(c, "http.port", 1, 65535, 80, &v, &e), 0);
    assert_int_equal(v, 8080);
    assert_int_equal(sd_config_get_int(c, "http.hex", 0, 100, 0, &v, &e), 0);
    assert_int_equal(v, 31);
    assert_int_equal(sd_config_get_int(c, "http.neg", -100, 100, 0, &v, &e), 0);
    assert_int_equal(v, -12);
    assert_int_equal(sd_config_get_int(c, "http.min", INT64_MIN, 0, 0, &v, &e), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(sd_config_get_int(c, "http.missing", 1, 2, 42, &v, &e), 0);
    assert_int_equal(v, 42);
    v = 7;
    assert_int_equal(sd_config_get_int(c, "http.big", 1, 65535, 80, &v, &e), SD_EFIELD);
    assert_int_equal(v, 7);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.msg, "http.big: 70000 is not in 1..65535");
    assert_int_equal(sd_config_get_int(c, "http.word", 0, 9, 0, &v, &e), SD_EFIELD);
    assert_string_equal(e.msg, "http.word: 'abc' is not an integer");
    assert_int_equal(sd_config_get_int(c, "http.huge", INT64_MIN, INT64_MAX, 0, &v, &e), SD_EFIELD);
    assert_int_equal(e.line, 7);

    bool b;
    const char *yes[] = {"b.t1", "b.t2", "b.t3", "b.t4"}, *no[] = {"b.f1", "b.f2", "b.f3", "b.f4"};
    for (int i = 0; i < 4; i++) {
        b = false;
        assert_int_equal(sd_config_get_bool(c, yes[i], false, &b, &e), 0);
        assert_true(b);
        assert_int_equal(sd_config_get_bool(c, no[i], true, &b, &e), 0);
        assert_false(b);
    }
    assert_int_equal(sd_config_get_bool(c, "b.none", true, &b, &e), 0);
    assert_true(b);
    assert_int_equal(sd_config_get_bool(c, "b.bad", true, &b, &e), SD_EFIELD);
    assert_int_equal(e.line, 18);
    assert_non_null(strstr(e.msg, "b.bad: 'maybe' is not a boolean"));

    struct {
        const char *k;
        int64_t s;
    } durs[] = {{"d.s", 30},     {"d.m", 300},    {"d.h", 7200},
                {"d.d", 604800}, {"d.mix", 5400}, {"d.zero", 0}};
    for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
        assert_int_equal(sd_config_get_duration(c, durs[i].k, 0, INT64_MAX, -1, &v, &e), 0);
        assert_int_equal(v, durs[i].s);
    }
    const char *baddur[] = {"d.bare", "d.unit", "d.neg", "d.none", "d.trail", "d.over"};
    for (size_t i = 0; i < sizeof baddur / sizeof *baddur; i++) {
        assert_int_equal(sd_config_get_duration(c, baddur[i], 0, INT64_MAX, 0, &v, &e), SD_EFIELD);
        assert_non_null(strstr(e.msg, baddur[i]));
        assert_non_null(strstr(e.msg, "is not a duration"));
    }
    assert_int_equal(sd_config_get_duration(c, "d.d", 1, 86400, 0, &v, &e), SD_EFIELD);
    assert_string_equal(e.msg, "d.d: 604800s is not in 1..86400s");
    assert_int_equal(e.line, 23);
    assert_int_equal(sd_config_get_duration(c, "d.missing", 1, 86400, 60, &v, NULL), 0);
    assert_int_equal(v, 60);
    sd_config_free(c);
}

typedef struct {
    char keys[256];
    size_t lines[8];
    int n;
    int stop_after;
} walk_t;

static int walk(void *ctx, const char *key, const char *value, size_t line)
{
    walk_t *w = ctx;
    strcat(w->keys, key);
    strcat(w->keys, "=");
    strcat(w->keys, value);
    strcat(w->keys, " ");
    w->lines[w->n++] = line;
    return w->n == w->stop_after ? SD_ECONFIG : 0;
}

static void test_overrides_and_foreach(void **state)
{
    (void)state;
    sd_config_t *c = ok("[http]\nlisten = :8080\nport = 1\n[log]\nlevel = info\n");
    assert_int_equal(sd_config_set(c, "http.listen", "0.0.0.0:80"), 0);
    assert_int_equal(sd_config_set_arg(c, "new.key=a=b \"raw\""), 0);
    assert_int_equal(sd_config_set_arg(c, "http.port=70000"), 0);
    assert_int_equal(sd_config_set_arg(c, "noequals"), SD_EINVAL);
    assert_int_equal(sd_config_set(c, "bad..key", "x"), SD_EINVAL);
    assert_int_equal(sd_config_set(c, "", "x"), SD_EINVAL);
    assert_int_equal(sd_config_set(c, "k", "\xff"), SD_EINVAL);
    assert_string_equal(sd_config_get_string(c, "http.listen", NULL), "0.0.0.0:80");
    assert_string_equal(sd_config_get_string(c, "new.key", NULL), "a=b \"raw\"");
    int64_t v;
    sd_config_error_t e;
    assert_int_equal(sd_config_get_int(c, "http.port", 1, 65535, 0, &v, &e), SD_EFIELD);
    assert_int_equal(e.line, 0);
    walk_t w = {0};
    assert_int_equal(sd_config_foreach(c, walk, &w), 0);
    assert_string_equal(w.keys, "http.listen=0.0.0.0:80 http.port=70000 log.level=info "
                                "new.key=a=b \"raw\" ");
    assert_int_equal(w.lines[0], 0);
    assert_int_equal(w.lines[2], 5);
    walk_t s = {.stop_after = 2};
    assert_int_equal(sd_config_foreach(c, walk, &s), SD_ECONFIG);
    assert_int_equal(s.n, 2);
    sd_config_free(c);

    /* an empty config takes overrides; many keys exercise the index growing */
    c = sd_config_new();
    assert_non_null(c);
    char k[32], val[32];
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof k, "s%d.k%d", i % 7, i);
        snprintf(val, sizeof val, "%d", i);
        assert_int_equal(sd_config_set(c, k, val), 0);
    }
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof k, "s%d.k%d", i % 7, i);
        assert_int_equal(sd_config_get_int(c, k, 0, 1000, -1, &v, NULL), 0);
        assert_int_equal(v, i);
    }
    sd_config_free(c);
}

typedef struct {
    const sd_config_t *other;
    int n;
} cmp_t;

static int same(void *ctx, const char *key, const char *value, size_t line)
{
    cmp_t *c = ctx;
    const char *o = sd_config_get_string(c->other, key, NULL);
    assert_non_null(o);
    assert_string_equal(o, value);
    c->n++;
    return 0;
}

static void test_write_roundtrip(void **state)
{
    (void)state;
    sd_config_t *c = ok("[a]\nx = \"q\\\"uote\\\\ \\n\\r\\t\\x01\\x7F\"\ny = 札幌 # c\nz =\n"
                        "w = ' #;[]= '\n");
    assert_int_equal(sd_config_set(c, "ctl", "\x02\x1f bell\a"), 0);
    sd_buf_t b = {0};
    assert_int_equal(sd_config_write(c, &b), 0);
    assert_non_null(strstr(b.data, "a.y = \"札幌\"\n"));
    assert_non_null(strstr(b.data, "ctl = \"\\x02\\x1F bell\\x07\"\n"));
    sd_config_t *d = ok(b.data);
    cmp_t m = {d, 0};
    assert_int_equal(sd_config_foreach(c, same, &m), 0);
    assert_int_equal(m.n, 5);
    cmp_t m2 = {c, 0};
    assert_int_equal(sd_config_foreach(d, same, &m2), 0);
    assert_int_equal(m2.n, 5);
    sd_buf_free(&b);
    sd_config_free(c);
    sd_config_free(d);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/suido_test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "[http]\nlisten = 127.0.0.1:0\ntimeout = 30s\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    sd_config_t *c;
    sd_config_error_t e;
    assert_int_equal(sd_config_load_file(path, &c, &e), 0);
    int64_t t;
    assert_int_equal(sd_config_get_duration(c, "http.timeout", 1, 3600, 0, &t, &e), 0);
    assert_int_equal(t, 30);
    sd_config_free(c);
    /* a parse error in a file keeps its line and column */
    FILE *f = fopen(path, "w");
    fputs("a = 1\n\n[b\n", f);
    fclose(f);
    assert_int_equal(sd_config_load_file(path, &c, &e), SD_ESYNTAX);
    assert_null(c);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 3);
    unlink(path);
    assert_int_equal(sd_config_load_file(path, &c, &e), SD_ENOTFOUND);
    assert_non_null(strstr(e.msg, path));
    assert_int_equal(sd_config_load_file("/", &c, &e) < 0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),          cmocka_unit_test(test_errors),
        cmocka_unit_test(test_getters),         cmocka_unit_test(test_overrides_and_foreach),
        cmocka_unit_test(test_write_roundtrip), cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
