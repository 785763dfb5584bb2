/* test_core.c - unit tests for lib/core: errors, time and JST fields, buffers, clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/time.h"
#include "core/utf8.h"

static void test_err_table(void **state)
{
    (void)state;
    assert_string_equal(sd_strerror(SD_ENOTFOUND), "not found");
    assert_int_equal(sd_err_http_status(SD_ENOTFOUND), 404);
    assert_string_equal(sd_err_code(SD_EFORBIDDEN), "forbidden");
    assert_string_equal(sd_err_name(SD_ECHECKSUM), "ECHECKSUM");
    assert_int_equal(sd_err_http_status(0), 200);
    assert_string_equal(sd_strerror(-1), "unknown error");
    assert_true(SD_EINVAL < 0 && SD_ESCHEMA < 0);
    /* a port taken and a full disk say so, not "already exists" or "input/output error" */
    assert_int_equal(sd_err_from_errno(EADDRINUSE), SD_EADDRINUSE);
    assert_string_equal(sd_strerror(sd_err_from_errno(EADDRINUSE)), "address in use");
    assert_int_equal(sd_err_from_errno(-ENOSPC), SD_ENOSPC);
    assert_string_equal(sd_strerror(sd_err_from_errno(ENOSPC)), "no space left on device");
    assert_int_equal(sd_err_from_errno(EDQUOT), SD_ENOSPC);
    assert_int_equal(sd_err_from_errno(EEXIST), SD_EEXIST);
    assert_string_equal(sd_strerror(SD_EEXIST), "already exists");
}

static void test_civil_roundtrip(void **state)
{
    (void)state;
    /* every day from 1999 to 2101 round-trips through day numbers */
    for (int64_t d = sd_days_from_civil(1999, 1, 1); d < sd_days_from_civil(2101, 1, 1); d++) {
        int y, m, dd;
        sd_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(sd_days_from_civil(y, m, dd), d);
    }
    assert_int_equal(sd_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sd_days_from_civil(2000, 3, 1) - sd_days_from_civil(2000, 2, 28), 2);
}

static void test_ymdhm_jst(void **state)
{
    (void)state;
    int64_t t;
    /* 2003-05-08 12:34 JST is 03:34 UTC */
    assert_int_equal(sd_ymdhm_parse("0305081234", &t), 0);
    char iso[32];
    sd_iso8601_format(t, iso, sizeof iso);
    assert_string_equal(iso, "2003-05-08T03:34:00Z");
    char out[11] = {0};
    sd_ymdhm_format(t, out);
    assert_string_equal(out, "0305081234");
    /* JST midnight crosses the UTC date line */
    assert_int_equal(sd_ymdhm_parse("2601010005", &t), 0);
    sd_iso8601_format(t, iso, sizeof iso);
    assert_string_equal(iso, "2025-12-31T15:05:00Z");
    /* leap day only in leap years; bad digits and impossible fields refused */
    assert_int_equal(sd_ymdhm_parse("2402291200", &t), 0);
    assert_int_equal(sd_ymdhm_parse("2302291200", &t), SD_EFIELD);
    assert_int_equal(sd_ymdhm_parse("2313011200", &t), SD_EFIELD);
    assert_int_equal(sd_ymdhm_parse("2301012400", &t), SD_EFIELD);
    assert_int_equal(sd_ymdhm_parse("2301011260", &t), SD_EFIELD);
    assert_int_equal(sd_ymdhm_parse("23010112 0", &t), SD_EFIELD);
    assert_int_equal(sd_ymdhm_parse("2300011200", &t), SD_EFIELD);
}

static void test_iso8601(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(sd_iso8601_parse("2026-11-24T09:00:00+09:00", &t), 0);
    char iso[32];
    sd_iso8601_format(t, iso, sizeof iso);
    assert_string_equal(iso, "2026-11-24T00:00:00Z");
    assert_int_equal(sd_iso8601_parse("2026-11-24T00:00:00.123Z", &t), 0);
    assert_int_equal(sd_iso8601_parse("2026-11-24T00:00:00", &t), SD_EFIELD);
    assert_int_equal(sd_iso8601_parse("2026-02-30T00:00:00Z", &t), SD_EFIELD);
    assert_int_equal(sd_iso8601_parse("garbage", &t), SD_EFIELD);
}

static void test_buf(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(sd_buf_printf(&b, "%d,", i), 0);
    assert_memory_equal(b.data, "0,1,2,", 6);
    sd_buf_consume(&b, 2);
    assert_memory_equal(b.data, "1,2,", 4);
    char *s = sd_buf_steal(&b);
    assert_non_null(s);
    assert_null(b.data);
    free(s);
    sd_buf_free(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(sd_utf8_check("水道 ok", strlen("水道 ok")), strlen("水道 ok"));
    assert_int_equal(sd_utf8_check("a\xc0\xaf", 3), 1);        /* overlong '/' */
    assert_int_equal(sd_utf8_check("ab\xed\xa0\x80", 5), 2);   /* UTF-16 surrogate */
    assert_int_equal(sd_utf8_check("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
    assert_int_equal(sd_utf8_check("x\xe6\xb0", 3), 1);        /* cut off */
    assert_int_equal(sd_utf8_check("", 0), 0);
}

static void test_clocks(void **state)
{
    (void)state;
    sd_clock_t *f = sd_clock_fake_new(1000);
    assert_int_equal(sd_clock_wall_ms(f), 1000);
    sd_clock_fake_advance(f, 500);
    assert_int_equal(sd_clock_wall_ms(f), 1500);
    assert_int_equal(sd_clock_mono_ms(f), 500);
    sd_clock_t *s = sd_clock_scaled_new(f, 3600.0, 0); /* one second = one hour */
    sd_clock_fake_advance(f, 1000);
    assert_int_equal(sd_clock_wall_ms(s), 3600 * 1000);
    sd_clock_scaled_free(s);
    sd_clock_fake_free(f);
    assert_true(sd_clock_wall_ms(sd_clock_system()) > 1700000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_table), cmocka_unit_test(test_civil_roundtrip),
        cmocka_unit_test(test_ymdhm_jst), cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_buf),       cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
