/* test_pf_values_csv.c - lib/pf/data/values_csv: the import sheet's checks, every finding with
 * its row and column, the times Excel writes back, Shift_JIS, the findings cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/data/values_csv.h"

#define HEAD SD_CSV_UTF8_BOM "日時(JST) / Time (JST),p.a,p.b\r\n"

static int64_t now(void)
{
    return sd_test_time("2026-11-25T00:00:00Z");
}

static void parse(const char *s, sd_vcsv_t *v)
{
    assert_int_equal(sd_vcsv_parse(s, strlen(s), now(), v), 0);
}

/* "row:column" of every finding, space separated */
static const char *where(const sd_vcsv_t *v)
{
    static char b[512];
    b[0] = '\0';
    for (size_t i = 0; i < v->nf; i++)
        snprintf(b + strlen(b), sizeof b - strlen(b), "%s%zu:%zu", i ? " " : "", v->f[i].row,
                 v->f[i].column);
    return b;
}

static void test_good(void **st)
{
    (void)st;
    sd_vcsv_t v;
    parse(HEAD "2026-11-20 00:00:00,0.5,\r\n"
               "2026/11/20 1:00,-1.5e1,7\r\n"   /* Excel's form */
               "2026-11-20T02:00:00Z,,3\r\n"    /* ISO 8601 with a zone */
               "2026-11-20 03:00:00.250,,\r\n", /* no value at all */
          &v);
    assert_int_equal(v.nfindings, 0);
    assert_int_equal(v.nids, 2);
    assert_string_equal(v.ids[0], "p.a");
    assert_int_equal(v.n, 4);
    assert_int_equal(v.s[0].ts_ms, sd_test_time("2026-11-20T00:00:00+09:00"));
    assert_true(v.s[0].value == 0.5 && v.s[0].data_id == v.ids[0]);
    assert_int_equal(v.s[1].ts_ms, sd_test_time("2026-11-20T01:00:00+09:00"));
    assert_true(v.s[1].value == -15);
    assert_true(v.s[2].value == 7 && v.s[2].data_id == v.ids[1]);
    assert_int_equal(v.s[3].ts_ms, sd_test_time("2026-11-20T02:00:00Z"));
    assert_int_equal(v.s[3].quality, SD_TS_GOOD);
    sd_vcsv_free(&v);
}

static void test_findings(void **st)
{
    (void)st;
    sd_vcsv_t v;
    parse(SD_CSV_UTF8_BOM "time,p.a,,p.a\r\n"
                          "2026-11-20 00:00:00,1,,\r\n"
                          "2026-11-20 24:00:00,1,,\r\n" /* no such hour */
                          "2026-11-20 01:00:00,abc,,\r\n"
                          "2026-11-20 01:00:00,inf,,0x10\r\n"
                          "1999-12-31 00:00:00,1,,\r\n"
                          "2026-11-20 00:00:00,1,,\r\n" /* the time of row 2 again */
                          "2026-11-20 05:00:00,1,,,9\r\n",
          &v);
    assert_string_equal(where(&v), "1:3 1:4 3:1 4:2 5:2 5:4 6:1 8:5 7:1 5:1");
    assert_int_equal(v.nfindings, 10);
    assert_non_null(strstr(v.f[1].reason, "column 2"));
    assert_non_null(strstr(v.f[8].reason, "row 2"));
    sd_vcsv_free(&v);

    /* quoting broken: the reader's own finding with its position */
    parse(HEAD "2026-11-20 00:00:00,\"1,2\r\n", &v);
    assert_int_equal(v.nfindings, 1);
    assert_int_equal(v.f[0].row, 2);
    sd_vcsv_free(&v);
    /* no data ID column, no rows, nothing at all */
    parse("time\r\n2026-11-20 00:00:00\r\n", &v);
    assert_string_equal(where(&v), "1:0");
    sd_vcsv_free(&v);
    parse(HEAD, &v);
    assert_string_equal(where(&v), "2:0");
    sd_vcsv_free(&v);
    parse("", &v);
    assert_string_equal(where(&v), "1:0");
    sd_vcsv_free(&v);
}

static void test_cap_and_sjis(void **st)
{
    (void)st;
    sd_buf_t b = {0};
    assert_int_equal(sd_buf_append_str(&b, HEAD), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(sd_buf_append_str(&b, "x,y,z\r\n"), 0);
    sd_vcsv_t v;
    assert_int_equal(sd_vcsv_parse(b.data, b.len, now(), &v), 0);
    assert_int_equal(v.nf, SD_VCSV_MAX_FINDINGS);
    assert_int_equal(v.nfindings, 300);
    sd_vcsv_free(&v);
    sd_buf_free(&b);

    /* the Shift_JIS export reads as the UTF-8 one */
    const char *u = "日時(JST) / Time (JST),p.a\r\n2026-11-20 00:00:00,2\r\n";
    assert_int_equal(sd_csv_to_cp932(u, strlen(u), &b), 0);
    assert_int_equal(sd_vcsv_parse(b.data, b.len, now(), &v), 0);
    assert_int_equal(v.nfindings, 0);
    assert_int_equal(v.n, 1);
    sd_vcsv_free(&v);
    sd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_cap_and_sjis),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
