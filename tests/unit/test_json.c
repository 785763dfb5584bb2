/* test_json.c - unit tests for lib/core/json: parse errors, typed fields, dumping, building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

static json_t *parse_ok(const char *s)
{
    json_t *v = NULL;
    sd_json_err_t e;
    assert_int_equal(sd_json_parse(s, strlen(s), &v, &e), 0);
    assert_non_null(v);
    return v;
}

static void test_parse_errors(void **state)
{
    (void)state;
    json_t *v = (json_t *)1;
    sd_json_err_t e;
    const char *bad = "{\n  \"a\": 1,\n  \"b\": }";
    assert_int_equal(sd_json_parse(bad, strlen(bad), &v, &e), SD_ESYNTAX);
    assert_null(v);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 8);
    assert_non_null(strstr(e.message, "line 3 column 8"));
    assert_string_equal(e.field, "");

    const char *dup = "{\"a\":1,\"a\":2}";
    assert_int_equal(sd_json_parse(dup, strlen(dup), &v, &e), SD_ESYNTAX);
    assert_non_null(strstr(e.message, "duplicate"));

    const char utf[] = "{\"a\":\"\xff\"}";
    assert_int_equal(sd_json_parse(utf, sizeof utf - 1, &v, &e), SD_EENCODING);

    const char *nul = "{\"a\":\"x\\u0000y\"}";
    assert_int_equal(sd_json_parse(nul, strlen(nul), &v, &e), SD_ESYNTAX);

    assert_int_equal(sd_json_parse("", 0, &v, &e), SD_ESYNTAX);
    assert_int_equal(sd_json_parse(NULL, 0, &v, NULL), SD_ESYNTAX);
    assert_int_equal(sd_json_parse("{} x", 4, &v, &e), SD_ESYNTAX);
    assert_int_equal(sd_json_parse("99999999999999999999", 20, &v, &e), SD_ESYNTAX);
    /* length is honoured: the closing brace past len is not seen */
    assert_int_equal(sd_json_parse("{\"a\":1}", 6, &v, &e), SD_ESYNTAX);

    /* any value type is accepted */
    v = parse_ok("[1,2]");
    assert_true(json_is_array(v));
    json_decref(v);
    v = parse_ok("\"s\"");
    assert_true(json_is_string(v));
    json_decref(v);
}

static void test_fields_ok(void **state)
{
    (void)state;
    json_t *o = parse_ok("{\"name\":\"tank 1\",\"level\":42,\"ratio\":0.5,\"n\":3,\"on\":true,"
                         "\"meta\":{\"k\":1},\"list\":[1,2],\"opt\":null}");
    const char *name = NULL, *opt = "default";
    int64_t level = 0, missing = 7;
    double ratio = 0, n = 0;
    bool on = false;
    json_t *meta = NULL, *list = NULL;
    sd_json_field_t f[] = {
        {"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 32},
        {"level", SD_JSON_INT, SD_JSON_REQ, &level, 0, 100},
        {"ratio", SD_JSON_NUM, 0, &ratio, 0, 0},
        {"n", SD_JSON_NUM, 0, &n, 0, 0},
        {"on", SD_JSON_BOOL, 0, &on, 0, 0},
        {"meta", SD_JSON_OBJ, 0, &meta, 0, 0},
        {"list", SD_JSON_ARR, 0, &list, 1, 5},
        {"opt", SD_JSON_STR, 0, &opt, 0, 0},
        {"missing", SD_JSON_INT, 0, &missing, 0, 0},
    };
    sd_json_err_t e;
    assert_int_equal(sd_json_fields(o, f, sizeof f / sizeof f[0], SD_JSON_STRICT, &e), 0);
    assert_string_equal(name, "tank 1");
    assert_int_equal(level, 42);
    assert_true(ratio == 0.5);
    assert_true(n == 3.0); /* an integer is a number */
    assert_true(on);
    assert_ptr_equal(meta, json_object_get(o, "meta"));
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(opt, "default"); /* null = absent for optional fields */
    assert_int_equal(missing, 7);        /* absent leaves the default */
    json_decref(o);
}

/* One failing case: the error code, the field named and the message. */
static void expect_field_err(const char *json, sd_json_field_t f, unsigned flags, const char *field,
                             const char *msg)
{
    json_t *o = parse_ok(json);
    sd_json_err_t e;
    assert_int_equal(sd_json_fields(o, &f, 1, flags, &e), SD_EFIELD);
    assert_string_equal(e.field, field);
    assert_string_equal(e.message, msg);
    json_decref(o);
}

static void test_fields_errors(void **state)
{
    (void)state;
    int64_t i;
    const char *s;
    double d;
    bool b;
    json_t *j;
    expect_field_err("{}", (sd_json_field_t){"id", SD_JSON_INT, SD_JSON_REQ, &i, 0, 0}, 0, "id",
                     "required");
    expect_field_err("{\"id\":null}", (sd_json_field_t){"id", SD_JSON_INT, SD_JSON_REQ, &i, 0, 0},
                     0, "id", "required");
    expect_field_err("{\"id\":\"7\"}", (sd_json_field_t){"id", SD_JSON_INT, 0, &i, 0, 0}, 0, "id",
                     "expected integer");
    expect_field_err("{\"id\":7.5}", (sd_json_field_t){"id", SD_JSON_INT, 0, &i, 0, 0}, 0, "id",
                     "expected integer");
    expect_field_err("{\"s\":1}", (sd_json_field_t){"s", SD_JSON_STR, 0, &s, 0, 0}, 0, "s",
                     "expected string");
    expect_field_err("{\"x\":\"1\"}", (sd_json_field_t){"x", SD_JSON_NUM, 0, &d, 0, 0}, 0, "x",
                     "expected number");
    expect_field_err("{\"b\":1}", (sd_json_field_t){"b", SD_JSON_BOOL, 0, &b, 0, 0}, 0, "b",
                     "expected boolean");
    expect_field_err("{\"o\":[]}", (sd_json_field_t){"o", SD_JSON_OBJ, 0, &j, 0, 0}, 0, "o",
                     "expected object");
    expect_field_err("{\"a\":{}}", (sd_json_field_t){"a", SD_JSON_ARR, 0, &j, 0, 0}, 0, "a",
                     "expected array");
    expect_field_err("{\"p\":101}", (sd_json_field_t){"p", SD_JSON_INT, 0, &i, 0, 100}, 0, "p",
                     "must be between 0 and 100");
    expect_field_err("{\"p\":-1}", (sd_json_field_t){"p", SD_JSON_INT, 0, &i, 0, 100}, 0, "p",
                     "must be between 0 and 100");
    expect_field_err("{\"s\":\"\"}", (sd_json_field_t){"s", SD_JSON_STR, 0, &s, 1, 8}, 0, "s",
                     "length must be between 1 and 8");
    expect_field_err("{\"a\":[1,2,3]}", (sd_json_field_t){"a", SD_JSON_ARR, 0, &j, 0, 2}, 0, "a",
                     "must have between 0 and 2 elements");
    expect_field_err("{\"x\":1,\"zz\":2}", (sd_json_field_t){"x", SD_JSON_INT, 0, &i, 0, 0},
                     SD_JSON_STRICT, "zz", "unknown field");
    expect_field_err("[1]", (sd_json_field_t){"x", SD_JSON_INT, 0, &i, 0, 0}, 0, "",
                     "expected an object");
    /* without STRICT an unknown member is fine */
    json_t *o = parse_ok("{\"x\":1,\"zz\":2}");
    sd_json_field_t f = {"x", SD_JSON_INT, 0, NULL, 0, 0};
    assert_int_equal(sd_json_fields(o, &f, 1, 0, NULL), 0);
    json_decref(o);
}

static void test_getters(void **state)
{
    (void)state;
    json_t *o = parse_ok("{\"s\":\"v\",\"i\":-5,\"n\":1e3,\"b\":false}");
    sd_json_err_t e;
    const char *s = NULL;
    int64_t i = 0;
    double n = 0;
    bool b = true;
    assert_int_equal(sd_json_get_str(o, "s", SD_JSON_REQ, &s, &e), 0);
    assert_string_equal(s, "v");
    assert_int_equal(sd_json_get_int(o, "i", SD_JSON_REQ, &i, &e), 0);
    assert_int_equal(i, -5);
    assert_int_equal(sd_json_get_num(o, "n", 0, &n, &e), 0);
    assert_true(n == 1000.0);
    assert_int_equal(sd_json_get_bool(o, "b", 0, &b, &e), 0);
    assert_false(b);
    assert_int_equal(sd_json_get_str(o, "i", 0, &s, &e), SD_EFIELD);
    assert_string_equal(e.field, "i");
    assert_string_equal(e.message, "expected string");
    assert_int_equal(sd_json_get_int(o, "nope", SD_JSON_REQ, &i, &e), SD_EFIELD);
    assert_string_equal(e.message, "required");
    assert_int_equal(sd_json_get_bool(o, "nope", 0, &b, &e), 0);
    assert_int_equal(sd_json_get_bool(NULL, "b", 0, &b, &e), SD_EFIELD);
    assert_int_equal(sd_json_get_int(o, "s", 0, &i, NULL), SD_EFIELD); /* err may be NULL */

    static const char *const known[] = {"s", "i", "n"};
    assert_int_equal(sd_json_check_known(o, known, 3, &e), SD_EFIELD);
    assert_string_equal(e.field, "b");
    assert_string_equal(e.message, "unknown field");
    static const char *const all[] = {"s", "i", "n", "b"};
    assert_int_equal(sd_json_check_known(o, all, 4, &e), 0);
    json_decref(o);
}

static void test_err_helpers(void **state)
{
    (void)state;
    sd_json_err_t e;
    assert_int_equal(sd_json_err_set(&e, "lat", "must be within %d..%d", -90, 90), SD_EFIELD);
    assert_string_equal(e.message, "must be within -90..90");
    sd_json_err_prefix(&e, "location", -1);
    assert_string_equal(e.field, "location.lat");
    sd_json_err_set(&e, "id", "required");
    sd_json_err_prefix(&e, "points", 3);
    assert_string_equal(e.field, "points[3].id");
    sd_json_err_set(&e, "", "expected an object");
    sd_json_err_prefix(&e, "points", 0);
    assert_string_equal(e.field, "points[0]");
    /* long paths are cut, never overflow */
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    sd_json_err_set(&e, longname, "%s", longname);
    sd_json_err_prefix(&e, longname, 12345);
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
    assert_int_equal(sd_json_err_set(NULL, "x", "y"), SD_EFIELD);
}

static void test_dump_and_build(void **state)
{
    (void)state;
    json_t *o = sd_json_pack("{s:s, s:I, s:b, s:s?}", "name", "浄水場", "n", (json_int_t)7, "ok", 1,
                             "none", NULL);
    assert_non_null(o);
    sd_buf_t b = {0};
    assert_int_equal(sd_buf_append_str(&b, ">"), 0);
    assert_int_equal(sd_json_dump(o, &b), 0);
    assert_string_equal(b.data, ">{\"name\":\"浄水場\",\"n\":7,\"ok\":true,\"none\":null}");
    sd_buf_reset(&b);
    assert_int_equal(sd_json_dump(json_object_get(o, "n"), &b), 0);
    assert_string_equal(b.data, "7");
    sd_buf_free(&b);

    assert_int_equal(sd_json_set(o, "added", json_integer(1)), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "added")), 1);
    assert_int_equal(sd_json_set(o, "x", NULL), SD_EINVAL);
    json_t *arr = json_array();
    assert_int_equal(sd_json_set(arr, "x", json_integer(1)), SD_EINVAL); /* reference dropped */
    json_decref(arr);
    json_decref(o);
    assert_null(sd_json_pack("{s:", "broken")); /* logged, not crashed */
}

/* The writers give what sd_json_dump() gives for the same value, reals aside (shortest digits). */
static void test_put(void **state)
{
    (void)state;
    sd_buf_t b = {0}, d = {0};
    /* every byte jansson might escape, then UTF-8 kept as is */
    char s[160];
    size_t k = 0;
    for (int c = 1; c < 128; c++)
        s[k++] = (char)c;
    s[k] = '\0';
    strcat(s, "浄水場/\\\"");
    json_t *js = json_string(s);
    assert_int_equal(sd_json_put_str(&b, s), 0);
    assert_int_equal(sd_json_dump(js, &d), 0);
    assert_string_equal(b.data, d.data);
    json_decref(js);
    sd_buf_reset(&b);
    assert_int_equal(sd_json_put_str(&b, ""), 0);
    assert_string_equal(b.data, "\"\"");
    assert_int_equal(sd_json_put_str(&b, "a\xff"
                                         "b"),
                     SD_EENCODING);

    static const int64_t ints[] = {0, 1, -1, 7, 1234567890123, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        sd_buf_reset(&b);
        sd_buf_reset(&d);
        json_t *ji = json_integer((json_int_t)ints[i]);
        assert_int_equal(sd_json_put_int(&b, ints[i]), 0);
        assert_int_equal(sd_json_dump(ji, &d), 0);
        assert_string_equal(b.data, d.data);
        json_decref(ji);
    }
    /* reals: the same layout as jansson's where its 17 digits are already the shortest */
    static const double reals[] = {0.0,    -0.0, 1.0,    100.0, 23.5, 0.5,    -1.25,   1e300,
                                   1e-300, 1e-5, 0.0001, 1e16,  1e17, 2.5e-7, 4096.125};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        sd_buf_reset(&b);
        sd_buf_reset(&d);
        json_t *jr = json_real(reals[i]);
        assert_int_equal(sd_json_put_real(&b, reals[i]), 0);
        assert_int_equal(sd_json_dump(jr, &d), 0);
        json_t *back = parse_ok(b.data);
        assert_true(json_is_real(back));
        assert_true(json_real_value(back) == reals[i]);
        json_decref(back);
        json_decref(jr);
        /* jansson prints 17 digits: the same number, never shorter than ours */
        assert_true(strtod(d.data, NULL) == reals[i]);
        assert_true(b.len <= d.len);
    }
    sd_buf_reset(&b);
    assert_int_equal(sd_json_put_real(&b, 0.1), 0);
    assert_string_equal(b.data, "0.1"); /* jansson: 0.10000000000000001 */
    assert_int_equal(sd_json_put_real(&b, NAN), SD_EINVAL);
    assert_int_equal(sd_json_put_real(&b, -INFINITY), SD_EINVAL);
    assert_string_equal(b.data, "0.1"); /* nothing written for them */
    assert_null(json_real(NAN));        /* refused there too */
    sd_buf_free(&b);
    sd_buf_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),  cmocka_unit_test(test_fields_ok),
        cmocka_unit_test(test_fields_errors), cmocka_unit_test(test_getters),
        cmocka_unit_test(test_err_helpers),   cmocka_unit_test(test_dump_and_build),
        cmocka_unit_test(test_put),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
