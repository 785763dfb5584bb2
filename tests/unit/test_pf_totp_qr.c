/* test_pf_totp_qr.c - the enrolment QR code as SVG: version by capacity (byte mode, level M),
 * structure checked without a decoder (finder patterns, timing row), limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/accounts/totp_qr.h"

#define MAXW 177

/* The module grid drawn by the SVG's path, and its viewBox side; fails the test on junk. */
static int parse_svg(const char *svg, unsigned char grid[MAXW][MAXW])
{
    int side = 0, side2 = 0;
    const char *vb = strstr(svg, "viewBox=\"0 0 ");
    assert_non_null(vb);
    assert_int_equal(sscanf(vb, "viewBox=\"0 0 %d %d\"", &side, &side2), 2);
    assert_int_equal(side, side2);
    const char *d = strstr(svg, " d=\"");
    assert_non_null(d);
    d += 4;
    memset(grid, 0, MAXW * MAXW);
    while (*d == 'M') {
        int x, y, run, back, n = 0;
        assert_int_equal(sscanf(d, "M%d,%dh%dv1h-%dz%n", &x, &y, &run, &back, &n), 4);
        assert_int_equal(run, back);
        x -= SD_QR_QUIET;
        y -= SD_QR_QUIET;
        assert_true(x >= 0 && y >= 0 && run > 0 && x + run <= side - 2 * SD_QR_QUIET);
        for (int i = 0; i < run; i++)
            grid[y][x + i] = 1;
        d += n;
    }
    assert_int_equal(*d, '"');
    return side - 2 * SD_QR_QUIET;
}

/* The 7x7 finder pattern at (x0, y0): dark ring, light ring, dark 3x3 core. */
static void assert_finder(unsigned char g[MAXW][MAXW], int x0, int y0)
{
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 7; x++) {
            int ring = x == 0 || y == 0 || x == 6 || y == 6;
            int core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
            assert_int_equal(g[y0 + y][x0 + x], ring || core);
        }
}

static char *text_of(size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = "otpauth-Suido:/?=&"[i % 18];
    s[n] = 0;
    return s;
}

/* width of the symbol for a text of n bytes, checked against the structure it draws */
static int width_for(size_t n)
{
    static unsigned char g[MAXW][MAXW];
    char *s = text_of(n);
    sd_buf_t b = {0};
    int w = 0;
    assert_int_equal(sd_qr_svg(s, &b, &w), 0);
    assert_int_equal(parse_svg(b.data, g), w);
    assert_int_equal((w - 17) % 4, 0);
    assert_finder(g, 0, 0);
    assert_finder(g, w - 7, 0);
    assert_finder(g, 0, w - 7);
    for (int i = 8; i < w - 8; i++) { /* timing patterns: row and column 6 alternate */
        assert_int_equal(g[6][i], i % 2 == 0);
        assert_int_equal(g[i][6], i % 2 == 0);
    }
    assert_int_equal(g[w - 8][8], 1); /* the dark module every symbol has */
    assert_non_null(strstr(b.data, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(b.data, "</svg>"));
    sd_buf_free(&b);
    free(s);
    return w;
}

static void test_version_by_capacity(void **state)
{
    (void)state;
    /* ISO/IEC 18004 table 7, byte mode, level M: v1 14, v2 26, v6 106, v7 122 bytes */
    assert_int_equal(width_for(1), 21);
    assert_int_equal(width_for(14), 21);
    assert_int_equal(width_for(15), 25);
    assert_int_equal(width_for(26), 25);
    assert_int_equal(width_for(106), 41);
    assert_int_equal(width_for(107), 45);
    assert_int_equal(width_for(122), 45);
}

static void test_otpauth_uri(void **state)
{
    (void)state;
    static unsigned char g[MAXW][MAXW];
    /* what sd_totp_uri() makes for a 20-byte key and a long login: 123 bytes, version 8
     * (v7-M holds 122, v8-M 152) */
    const char *uri = "otpauth://totp/suido:hokkaido2-staff?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
                      "&issuer=suido&algorithm=SHA1&digits=6&period=30";
    sd_buf_t b = {0};
    int w = 0;
    assert_int_equal(sd_qr_svg(uri, &b, &w), 0);
    assert_int_equal(strlen(uri), 123);
    assert_int_equal(w, 49);
    assert_int_equal(parse_svg(b.data, g), w);
    assert_null(strstr(b.data, "JBSWY3DP")); /* the secret is only in the picture */
    sd_buf_free(&b);
}

static void test_limits(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    assert_int_equal(sd_qr_svg("", &b, NULL), SD_EINVAL);
    assert_int_equal(sd_qr_svg(NULL, &b, NULL), SD_EINVAL);
    char *big = text_of(2332); /* version 40-M holds 2331 bytes */
    assert_int_equal(sd_qr_svg(big, &b, NULL), SD_ETOOBIG);
    free(big);
    big = text_of(2331);
    int w = 0;
    assert_int_equal(sd_qr_svg(big, &b, &w), 0);
    assert_int_equal(w, 177);
    free(big);
    sd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_by_capacity),
        cmocka_unit_test(test_otpauth_uri),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
