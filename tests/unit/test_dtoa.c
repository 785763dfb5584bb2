/* test_dtoa.c - unit tests for lib/core/dtoa: the shortest decimal that reads back to the same
 * double, laid out as jansson lays out a real; edge cases, integers, 1e6 random round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtoa.h"

static const char *fmt(double v)
{
    static char out[SD_DTOA_MAX];
    size_t n = sd_dtoa(v, out);
    assert_int_equal(n, strlen(out));
    assert_true(n < SD_DTOA_MAX);
    return out;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double of_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* xorshift64*: reproducible without touching rand()'s state */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* out reads back to exactly v (the sign of zero too), and has no shorter spelling: the nearest
 * decimal with one digit less (printf rounds correctly) does not read back to v. */
static void check_round_trip(double v)
{
    char out[SD_DTOA_MAX];
    size_t n = sd_dtoa(v, out);
    assert_true(n > 0 && n < SD_DTOA_MAX);
    char *end = NULL;
    double back = strtod(out, &end);
    if (bits_of(back) != bits_of(v))
        fail_msg("%.17g printed as %s reads back as %.17g", v, out, back);
    assert_true(*end == '\0');
    assert_true(strchr(out, '.') || strchr(out, 'e')); /* stays a real for a JSON reader */
    int digits = 0, lead = 1;
    for (const char *p = out; *p && *p != 'e'; p++) {
        if (*p >= '1' && *p <= '9')
            lead = 0;
        if (*p >= '0' && *p <= '9' && !lead)
            digits++;
    }
    /* trailing zeros of a plain integer ("100.0") are layout, not digits */
    const char *dot = strchr(out, '.');
    if (!strchr(out, 'e') && dot && strcmp(dot, ".0") == 0) {
        for (const char *p = dot - 1; p >= out && *p == '0'; p--)
            digits--;
        digits--; /* the ".0" */
    }
    if (digits > 1 && (bits_of(v) & ((UINT64_C(1) << 52) - 1)) != 0) {
        char shorter[40];
        snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
        if (bits_of(strtod(shorter, NULL)) == bits_of(v))
            fail_msg("%s is not the shortest: %s reads back too", out, shorter);
    }
}

static void test_edge_cases(void **state)
{
    (void)state;
    assert_string_equal(fmt(0.0), "0.0");
    assert_string_equal(fmt(-0.0), "-0.0");
    assert_string_equal(fmt(0.1), "0.1");
    assert_string_equal(fmt(-0.1), "-0.1");
    assert_string_equal(fmt(0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(fmt(1.0 / 3), "0.3333333333333333");
    assert_string_equal(fmt(2.0 / 3), "0.6666666666666666");
    assert_string_equal(fmt(1.0), "1.0");
    assert_string_equal(fmt(-1.5), "-1.5");
    assert_string_equal(fmt(100.0), "100.0");
    assert_string_equal(fmt(123.456), "123.456");
    assert_string_equal(fmt(3.05), "3.05");
    assert_string_equal(fmt(23.5), "23.5");
    assert_string_equal(fmt(0.0001), "0.0001");
    assert_string_equal(fmt(0.00012345), "0.00012345");
    assert_string_equal(fmt(0.00001), "1e-5");
    assert_string_equal(fmt(1.5e-7), "1.5e-7");
    assert_string_equal(fmt(1e-300), "1e-300");
    assert_string_equal(fmt(1e300), "1e300");
    assert_string_equal(fmt(1e16), "10000000000000000.0");
    assert_string_equal(fmt(1e17), "1e17");
    assert_string_equal(fmt(1.2345e17), "1.2345e17");
    assert_string_equal(fmt(9007199254740992.0), "9007199254740992.0"); /* 2^53 */
    assert_string_equal(fmt(9007199254740993.0), "9007199254740992.0"); /* rounds to 2^53 */
    assert_string_equal(fmt(DBL_MAX), "1.7976931348623157e308");
    assert_string_equal(fmt(-DBL_MAX), "-1.7976931348623157e308");
    assert_string_equal(fmt(DBL_MIN), "2.2250738585072014e-308");
    assert_string_equal(fmt(4.9406564584124654e-324), "5e-324"); /* smallest denormal */
    assert_string_equal(fmt(of_bits(UINT64_C(0x000fffffffffffff))),
                        "2.225073858507201e-308"); /* largest denormal */
    assert_string_equal(fmt(DBL_EPSILON), "2.220446049250313e-16");
    assert_string_equal(fmt(5e-324 * 3), "1.5e-323");
    /* the layout boundaries of %.17g: plain from 1e-4 to below 1e17 */
    assert_string_equal(fmt(0.000123), "0.000123");
    assert_string_equal(fmt(99999999999999984.0), "99999999999999980.0");
    /* no JSON number for these: nothing written */
    char out[SD_DTOA_MAX] = "x";
    assert_int_equal(sd_dtoa(NAN, out), 0);
    assert_string_equal(out, "");
    assert_int_equal(sd_dtoa(INFINITY, out), 0);
    assert_int_equal(sd_dtoa(-INFINITY, out), 0);
    assert_int_equal(sd_dtoa(-NAN, out), 0);
    double edges[] = {0.1,    1.0 / 3, 1e-300, 5e-324, DBL_MIN, DBL_MAX, DBL_EPSILON, 1e22,    1e23,
                      2.5e-5, 1e-5,    9.5e-5, 1e21,   5e-310,  1.0e-10, 1e15,        1e15 + 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        check_round_trip(edges[i]);
        check_round_trip(-edges[i]);
    }
}

/* Integers up to 2^53 are exact: printed as themselves with ".0". */
static void test_integers(void **state)
{
    (void)state;
    char want[40];
    for (int64_t i = -100000; i <= 100000; i++) {
        snprintf(want, sizeof want, "%" PRId64 ".0", i);
        if (i == 0)
            continue;
        assert_string_equal(fmt((double)i), want);
    }
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (int k = 0; k < 200000; k++) {
        int64_t i = (int64_t)(rnd(&s) % (UINT64_C(1) << 53));
        if (k & 1)
            i = -i;
        snprintf(want, sizeof want, "%" PRId64 ".0", i);
        if (i == 0)
            strcpy(want, "0.0");
        assert_string_equal(fmt((double)i), want);
    }
    for (int e = 0; e <= 53; e++) {
        double p = ldexp(1.0, e);
        snprintf(want, sizeof want, "%.0f.0", p);
        assert_string_equal(fmt(p), want);
        check_round_trip(p - 1);
        check_round_trip(p + 1);
    }
}

/* Values as terminals report them (a few decimals) print exactly as written. */
static void test_short_decimals(void **state)
{
    (void)state;
    uint64_t s = 42;
    char in[40];
    for (int k = 0; k < 200000; k++) {
        long ip = (long)(rnd(&s) % 100000);
        int dec = (int)(rnd(&s) % 4) + 1;
        long frac = (long)(rnd(&s) % 10000) % (dec == 1   ? 10
                                               : dec == 2 ? 100
                                               : dec == 3 ? 1000
                                                          : 10000);
        snprintf(in, sizeof in, "%ld.%0*ld", ip, dec, frac);
        /* the canonical spelling: no trailing zeros after the point (but one digit stays) */
        size_t n = strlen(in);
        while (in[n - 1] == '0' && in[n - 2] != '.')
            in[--n] = '\0';
        assert_string_equal(fmt(strtod(in, NULL)), in);
    }
}

/* 1e6 random bit patterns (every exponent, denormals too) and 1e6 random values in the
 * ranges sensors live in: each reads back exactly and is the shortest. */
static void test_random_round_trip(void **state)
{
    (void)state;
    uint64_t s = UINT64_C(0x2545F4914F6CDD1D);
    int tested = 0;
    while (tested < 1000000) {
        double v = of_bits(rnd(&s));
        if (!isfinite(v))
            continue;
        check_round_trip(v);
        tested++;
    }
    for (int k = 0; k < 1000000; k++) {
        double v = (double)(rnd(&s) >> 11) / (double)(UINT64_C(1) << 53) * 1000.0 - 100.0;
        check_round_trip(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_short_decimals),
        cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
