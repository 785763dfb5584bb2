/* test_api_download.c - lib/api/download: Content-Disposition (RFC 6266/5987) and the types
 * that are never served as themselves (issue 11: stored script through the files API). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "api/download.h"
#include "core/err.h"

static void cd_is(const char *name, const char *want)
{
    char out[512];
    assert_int_equal(sd_api_content_disposition(name, out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void test_disposition(void **state)
{
    (void)state;
    cd_is("report.csv", "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv");
    cd_is("reports/2026/水位.csv",
          "attachment; filename=\"__.csv\"; filename*=UTF-8''%E6%B0%B4%E4%BD%8D.csv");
    cd_is("請求書 2026.html", "attachment; filename=\"___ 2026.html\"; "
                              "filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%202026.html");
    /* quotes, backslashes, '%' and separators never reach the header unencoded */
    cd_is("a\"b\\c%d;e,f.txt", "attachment; filename=\"a_b_c_d;e,f.txt\"; "
                               "filename*=UTF-8''a%22b%5Cc%25d%3Be%2Cf.txt");
    cd_is("", "attachment; filename=\"download\"; filename*=UTF-8''download");
    cd_is(NULL, "attachment; filename=\"download\"; filename*=UTF-8''download");
    cd_is("dir/", "attachment; filename=\"download\"; filename*=UTF-8''download");
    char small[40];
    assert_int_equal(sd_api_content_disposition("report.csv", small, sizeof small), SD_ETOOBIG);
}

static void test_types(void **state)
{
    (void)state;
    static const char *const active[] = {"x.html", "x.HTM", "x.js",   "x.mjs",        "x.svg",
                                         "x.xml",  "x.css", "x.wasm", "a/b/PAGE.Html"};
    for (size_t i = 0; i < sizeof active / sizeof *active; i++)
        assert_string_equal(sd_api_download_type(active[i]), "application/octet-stream");
    assert_string_equal(sd_api_download_type("x.csv"), "text/csv; charset=utf-8");
    assert_string_equal(sd_api_download_type("x.pdf"), "application/pdf");
    assert_string_equal(sd_api_download_type("x.png"), "image/png");
    assert_string_equal(sd_api_download_type("noext"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disposition),
        cmocka_unit_test(test_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
