/* test_pf_ts.c - lib/pf/ts: JST buckets, ingest and reads on SQLite and PostgreSQL (times and the
 * upload body are GW-IF: tests/unit/test_gwif.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/time.h"
#include "helpers/pf_fixture.h"
#include "pf/data/ts.h"

#define H INT64_C(3600000)
#define D (24 * H)

/* ---- pure parts -------------------------------------------------------------------------------
 */

static void test_buckets(void **st)
{
    (void)st;
    /* hours */
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-11-24T10:59:59.999Z"), SD_TS_AGG_HOUR),
                     sd_test_time("2026-11-24T10:00:00Z"));
    /* a JST day starts at 15:00 UTC the day before: 14:59:59Z is still the previous JST day */
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-11-24T14:59:59Z"), SD_TS_AGG_DAY),
                     sd_test_time("2026-11-24T00:00:00+09:00"));
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-11-24T15:00:00Z"), SD_TS_AGG_DAY),
                     sd_test_time("2026-11-25T00:00:00+09:00"));
    assert_int_equal(sd_ts_bucket_next(sd_test_time("2026-11-25T00:00:00+09:00"), SD_TS_AGG_DAY),
                     sd_test_time("2026-11-26T00:00:00+09:00"));
    /* months: 2026-11-30T15:00Z is already December 1st in Japan */
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-11-30T14:59:59Z"), SD_TS_AGG_MONTH),
                     sd_test_time("2026-11-01T00:00:00+09:00"));
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-11-30T15:00:00Z"), SD_TS_AGG_MONTH),
                     sd_test_time("2026-12-01T00:00:00+09:00"));
    /* year end and leap February */
    assert_int_equal(sd_ts_bucket_next(sd_test_time("2026-12-01T00:00:00+09:00"), SD_TS_AGG_MONTH),
                     sd_test_time("2027-01-01T00:00:00+09:00"));
    assert_int_equal(sd_ts_bucket_next(sd_test_time("2028-02-01T00:00:00+09:00"), SD_TS_AGG_MONTH) -
                         sd_test_time("2028-02-01T00:00:00+09:00"),
                     29 * D);
    assert_int_equal(
        sd_ts_bucket_start(sd_test_time("2027-01-01T00:00:00+09:00") - 1, SD_TS_AGG_MONTH),
        sd_test_time("2026-12-01T00:00:00+09:00"));
    /* years: JST calendar years; 2026-12-31T15:00Z is already 2027 in Japan, 2028 is leap */
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-12-31T14:59:59Z"), SD_TS_AGG_YEAR),
                     sd_test_time("2026-01-01T00:00:00+09:00"));
    assert_int_equal(sd_ts_bucket_start(sd_test_time("2026-12-31T15:00:00Z"), SD_TS_AGG_YEAR),
                     sd_test_time("2027-01-01T00:00:00+09:00"));
    assert_int_equal(sd_ts_bucket_next(sd_test_time("2028-01-01T00:00:00+09:00"), SD_TS_AGG_YEAR) -
                         sd_test_time("2028-01-01T00:00:00+09:00"),
                     366 * D);
    assert_true(sd_ts_max_span_ms(SD_TS_AGG_YEAR) >= 100 * 365 * D);
    sd_ts_agg_t a;
    assert_int_equal(sd_ts_agg_parse("year", &a), 0);
    assert_int_equal(a, SD_TS_AGG_YEAR);
    assert_int_equal(sd_ts_agg_parse("day", &a), 0);
    assert_int_equal(a, SD_TS_AGG_DAY);
    assert_int_equal(sd_ts_agg_parse("week", &a), SD_EFIELD);
    assert_int_equal(sd_ts_agg_parse(NULL, &a), SD_EFIELD);
}

/* ---- store: the same suite on SQLite and PostgreSQL -------------------------------------------
 */

typedef struct {
    sd_test_pf_t base;
    int64_t ta, tb, p1, p2, pb;
} fx_t;

/* A facility and a device named data_id, and its analog point data_id. */
static int64_t mk_point(sd_test_pf_t *t, int64_t tenant, const char *data_id)
{
    int64_t fac = sd_test_pf_facility(t, tenant, data_id);
    int64_t dev = sd_test_pf_device(t, tenant, fac, data_id, "L2");
    return sd_test_pf_point(t, tenant, dev, &(sd_test_point_t){.data_id = data_id});
}

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, sd_test_time("2026-11-24T03:00:00Z"));
    sd_test_pf_t *t = &fx->base;
    fx->ta = sd_test_pf_tenant(t, "a", SD_TENANT_KIND_DEDICATED_OPERATOR);
    fx->tb = sd_test_pf_tenant(t, "b", SD_TENANT_KIND_DEDICATED_OPERATOR);
    fx->p1 = mk_point(t, fx->ta, "gorin.level");
    fx->p2 = mk_point(t, fx->ta, "gorin.flow");
    fx->pb = mk_point(t, fx->tb, "otaru.level");
    *state = fx;
    return 0;
}

static int64_t count(fx_t *fx)
{
    return sd_test_pf_int(&fx->base, "SELECT COUNT(*) FROM samples", SD_NOPARAMS);
}

static void test_ingest_idempotent(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = sd_test_time("2026-11-23T00:00:00Z");
    sd_ts_sample_t s[3] = {{"gorin.level", t0, 1.0, SD_TS_GOOD},
                           {"gorin.level", t0 + H, 2.0, SD_TS_GOOD},
                           {"gorin.flow", t0, 5.0, SD_TS_ESTIMATED}};
    size_t bad = 99;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 7, s, 3, &bad), 0);
    assert_int_equal(count(fx), 3);
    /* the same batch again: nothing doubled; a corrected value replaces the stored one */
    s[1].value = 2.5;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 7, s, 3, &bad), 0);
    assert_int_equal(count(fx), 3);
    sd_ts_value_t v;
    assert_int_equal(sd_ts_latest(fx->base.st, fx->p1, &v), 0);
    assert_int_equal(v.ts_ms, t0 + H);
    assert_true(v.value == 2.5);
    assert_int_equal(sd_ts_latest(fx->base.st, fx->pb, &v), SD_ENOTFOUND);
}

static void test_ingest_refused(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = sd_test_time("2026-11-23T00:00:00Z");
    sd_ts_sample_t s[3] = {{"gorin.level", t0, 1.0, SD_TS_GOOD},
                           {"gorin.flow", t0, 1.0, SD_TS_GOOD},
                           {"otaru.level", t0, 1.0, SD_TS_GOOD}};
    size_t bad = 99;
    /* another tenant's data ID: the whole batch refused, nothing stored */
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 3, &bad), SD_EFIELD);
    assert_int_equal(bad, 2);
    assert_int_equal(count(fx), 0);
    s[2].data_id = "gorin.level";
    s[2].ts_ms = t0 + 3600000;
    s[1].ts_ms = sd_test_time("1999-12-31T23:59:59Z");
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 3, &bad), SD_EFIELD);
    assert_int_equal(bad, 1);
    s[1].ts_ms = sd_test_time("2026-11-25T03:00:01Z"); /* now + 1 day + 1 s */
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 3, &bad), SD_EFIELD);
    assert_int_equal(bad, 1);
    s[1].ts_ms = sd_test_time("2026-11-25T03:00:00Z");
    s[0].value = NAN;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 3, &bad), SD_EFIELD);
    assert_int_equal(bad, 0);
    s[0].value = 3;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 3, &bad), 0);
    assert_int_equal(count(fx), 3);
}

static void test_backfill_and_raw(void **state)
{
    fx_t *fx = *state;
    int64_t t0 = sd_test_time("2026-11-20T00:00:00Z");
    /* today's hours arrive first, then the missed earlier ones (back-fill) */
    sd_ts_sample_t s[10];
    for (int i = 0; i < 10; i++) {
        int h = i < 5 ? 5 + i : i - 5;
        s[i] = (sd_ts_sample_t){"gorin.level", t0 + h * H, (double)h, SD_TS_GOOD};
    }
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 1, s, 5, NULL), 0);
    sd_ts_value_t v;
    assert_int_equal(sd_ts_latest(fx->base.st, fx->p1, &v), 0);
    assert_int_equal(v.ts_ms, t0 + 9 * H);
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 1, s + 5, 5, NULL), 0);
    /* latest is still the newest ts, not the last arrival */
    assert_int_equal(sd_ts_latest(fx->base.st, fx->p1, &v), 0);
    assert_int_equal(v.ts_ms, t0 + 9 * H);
    /* raw pages in time order, cursor after the last returned ts */
    sd_ts_value_t *r;
    size_t n;
    int more;
    assert_int_equal(sd_ts_read_raw(fx->base.st, fx->p1, t0, t0 + D, INT64_MIN, 4, &r, &n, &more),
                     0);
    assert_int_equal(n, 4);
    assert_int_equal(more, 1);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].ts_ms, t0 + (int64_t)i * H);
    int64_t cur = r[3].ts_ms;
    free(r);
    assert_int_equal(sd_ts_read_raw(fx->base.st, fx->p1, t0, t0 + D, cur, 4, &r, &n, &more), 0);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].ts_ms, t0 + 4 * H);
    cur = r[3].ts_ms;
    free(r);
    assert_int_equal(sd_ts_read_raw(fx->base.st, fx->p1, t0, t0 + D, cur, 4, &r, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_int_equal(more, 0);
    assert_int_equal(r[1].ts_ms, t0 + 9 * H);
    free(r);
    /* [from, to): the end is excluded */
    assert_int_equal(
        sd_ts_read_raw(fx->base.st, fx->p1, t0 + H, t0 + 3 * H, INT64_MIN, 100, &r, &n, &more), 0);
    assert_int_equal(n, 2);
    free(r);
    /* another point of the tenant sees none of them */
    assert_int_equal(sd_ts_read_raw(fx->base.st, fx->p2, t0, t0 + D, INT64_MIN, 100, &r, &n, &more),
                     0);
    assert_int_equal(n, 0);
    free(r);
    int64_t pid;
    assert_int_equal(sd_ts_point_id(fx->base.st, fx->ta, "gorin.level", &pid), 0);
    assert_int_equal(pid, fx->p1);
    assert_int_equal(sd_ts_point_id(fx->base.st, fx->tb, "gorin.level", &pid), SD_ENOTFOUND);
}

static void test_aggregates(void **state)
{
    fx_t *fx = *state;
    /* every hour of 2026-10-31T00:00+09:00 .. 2026-11-02T00:00+09:00 (48 h) with value = hour
     * index 0..47, plus a "missing" sample that must not count */
    int64_t t0 = sd_test_time("2026-10-31T00:00:00+09:00");
    sd_ts_sample_t s[49];
    for (int i = 0; i < 48; i++)
        s[i] = (sd_ts_sample_t){"gorin.flow", t0 + i * H + 30 * 60000, (double)i, SD_TS_GOOD};
    s[48] = (sd_ts_sample_t){"gorin.flow", t0 + 5 * H, 1000.0, SD_TS_MISSING};
    fx->base.pf.clock = fx->base.clock;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, 49, NULL), 0);
    sd_ts_bucket_t *b;
    size_t n;
    /* hourly: 48 buckets, one sample each */
    assert_int_equal(sd_ts_read_agg(fx->base.st, fx->p2, t0, t0 + 2 * D, SD_TS_AGG_HOUR, &b, &n),
                     0);
    assert_int_equal(n, 48);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(b[i].start_ms, t0 + (int64_t)i * H);
        assert_int_equal(b[i].count, 1);
        assert_true(b[i].sum == (double)i && b[i].min == (double)i && b[i].avg == (double)i);
    }
    free(b);
    /* daily (JST): Oct 31 holds 0..23 (sum 276), Nov 1 holds 24..47 (sum 852) */
    assert_int_equal(sd_ts_read_agg(fx->base.st, fx->p2, t0 - D, t0 + 3 * D, SD_TS_AGG_DAY, &b, &n),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].start_ms, t0);
    assert_int_equal(b[0].count, 24);
    assert_true(b[0].min == 0 && b[0].max == 23 && b[0].sum == 276 && b[0].avg == 11.5);
    assert_int_equal(b[1].start_ms, sd_test_time("2026-11-01T00:00:00+09:00"));
    assert_true(b[1].min == 24 && b[1].max == 47 && b[1].sum == 852 && b[1].avg == 35.5);
    free(b);
    /* monthly (JST): the same split, named by the JST month starts */
    assert_int_equal(sd_ts_read_agg(fx->base.st, fx->p2, sd_test_time("2026-01-01T00:00:00+09:00"),
                                    sd_test_time("2027-01-01T00:00:00+09:00"), SD_TS_AGG_MONTH, &b,
                                    &n),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].start_ms, sd_test_time("2026-10-01T00:00:00+09:00"));
    assert_int_equal(b[0].count, 24);
    assert_true(b[0].sum == 276 && b[0].max == 23);
    assert_int_equal(b[1].start_ms, sd_test_time("2026-11-01T00:00:00+09:00"));
    assert_int_equal(b[1].count, 24);
    assert_true(b[1].sum == 852 && b[1].min == 24 && b[1].avg == 35.5);
    free(b);
    /* a range that cuts a day keeps only what lies inside it */
    assert_int_equal(
        sd_ts_read_agg(fx->base.st, fx->p2, t0 + 22 * H, t0 + 26 * H, SD_TS_AGG_DAY, &b, &n), 0);
    assert_int_equal(n, 2);
    assert_true(b[0].sum == 22 + 23 && b[1].sum == 24 + 25);
    free(b);
}

/* The streamed reads: the rows in order, a callback's non-zero return stops and is returned, a
 * month is the sum of its JST days; "latest" of a data ID in one query tells no point from no
 * samples. */
typedef struct {
    int n, stop_at;
    int64_t last;
    double sum;
} seen_t;

static int see_value(void *ctx, const sd_ts_value_t *v)
{
    seen_t *s = ctx;
    assert_true(v->ts_ms > s->last);
    s->last = v->ts_ms;
    s->sum += v->value;
    return ++s->n == s->stop_at ? 42 : 0;
}

static int see_bucket(void *ctx, const sd_ts_bucket_t *b)
{
    seen_t *s = ctx;
    assert_true(b->start_ms > s->last);
    assert_true(b->avg == b->sum / (double)b->count);
    s->last = b->start_ms;
    s->sum += b->sum;
    return ++s->n == s->stop_at ? 42 : 0;
}

static void test_streamed_reads(void **state)
{
    fx_t *fx = *state;
    /* 2026-10-30T00:00+09:00 .. 3 days, every 20 minutes, value 0.1 * i: sums that are not
     * exact, to compare the month (JST day sums added) with the days */
    int64_t t0 = sd_test_time("2026-10-30T00:00:00+09:00");
    enum { N = 3 * 72 };
    sd_ts_sample_t s[N];
    for (int i = 0; i < N; i++)
        s[i] = (sd_ts_sample_t){"gorin.flow", t0 + i * 20 * 60000, 0.1 * i,
                                i == 7 ? SD_TS_MISSING : SD_TS_GOOD};
    fx->base.pf.clock = fx->base.clock;
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, s, N, NULL), 0);

    seen_t a = {.last = INT64_MIN};
    int more = -1;
    assert_int_equal(
        sd_ts_each_raw(fx->base.st, fx->p2, t0, t0 + 3 * D, INT64_MIN, 100, see_value, &a, &more),
        0);
    assert_int_equal(a.n, 100);
    assert_int_equal(more, 1);
    a = (seen_t){.last = INT64_MIN, .stop_at = 5};
    assert_int_equal(
        sd_ts_each_raw(fx->base.st, fx->p2, t0, t0 + 3 * D, INT64_MIN, 100, see_value, &a, &more),
        42);
    assert_int_equal(a.n, 5);

    /* hours: 72, each of 3 samples but the one holding the missing sample */
    a = (seen_t){.last = INT64_MIN};
    assert_int_equal(
        sd_ts_each_agg(fx->base.st, fx->p2, t0, t0 + 3 * D, SD_TS_AGG_HOUR, see_bucket, &a), 0);
    assert_int_equal(a.n, 72);
    a = (seen_t){.last = INT64_MIN, .stop_at = 3};
    assert_int_equal(
        sd_ts_each_agg(fx->base.st, fx->p2, t0, t0 + 3 * D, SD_TS_AGG_HOUR, see_bucket, &a), 42);
    assert_int_equal(a.n, 3);
    /* JST days: Oct 30, Oct 31, Nov 1; the months: October (two days) and November */
    sd_ts_bucket_t *days = NULL, *months = NULL;
    size_t nd = 0, nm = 0;
    assert_int_equal(sd_ts_read_agg(fx->base.st, fx->p2, t0, t0 + 3 * D, SD_TS_AGG_DAY, &days, &nd),
                     0);
    assert_int_equal(nd, 3);
    assert_int_equal(days[0].count, 71);
    double naive = 0;
    for (int i = 0; i < 72; i++)
        naive = i ? naive + (i == 7 ? 0 : 0.1 * i) : 0.1 * i;
    assert_true(days[0].sum == naive); /* time order */
    assert_int_equal(
        sd_ts_read_agg(fx->base.st, fx->p2, t0, t0 + 3 * D, SD_TS_AGG_MONTH, &months, &nm), 0);
    assert_int_equal(nm, 2);
    assert_int_equal(months[0].start_ms, sd_test_time("2026-10-01T00:00:00+09:00"));
    assert_int_equal(months[0].count, days[0].count + days[1].count);
    assert_true(months[0].sum == days[0].sum + days[1].sum);
    assert_true(months[0].min == days[0].min && months[0].max == days[1].max);
    assert_true(months[1].sum == days[2].sum && months[1].count == days[2].count);
    free(days);
    free(months);

    /* latest by data ID */
    sd_ts_value_t v;
    int no_point = -1;
    assert_int_equal(sd_ts_latest_of(fx->base.st, fx->ta, "gorin.flow", &v, &no_point), 0);
    assert_int_equal(no_point, 0);
    assert_int_equal(v.ts_ms, t0 + (N - 1) * 20 * 60000);
    assert_true(v.value == 0.1 * (N - 1));
    assert_int_equal(v.quality, SD_TS_GOOD);
    assert_int_equal(sd_ts_latest_of(fx->base.st, fx->ta, "gorin.level", &v, &no_point),
                     SD_ENOTFOUND);
    assert_int_equal(no_point, 0);
    assert_int_equal(sd_ts_latest_of(fx->base.st, fx->ta, "otaru.level", &v, &no_point),
                     SD_ENOTFOUND);
    assert_int_equal(no_point, 1); /* another tenant's point is no point here */
    assert_int_equal(sd_ts_latest_of(fx->base.st, fx->ta, "nope", &v, &no_point), SD_ENOTFOUND);
    assert_int_equal(no_point, 1);

    /* JST years: the three days straddle no year end, so one bucket holding them all; then a
     * sample at 2026-12-31T15:00Z (JST 2027-01-01 00:00) opens the JST year 2027 */
    sd_ts_sample_t ny = {"gorin.flow", sd_test_time("2027-01-01T00:00:00+09:00"), 5, SD_TS_GOOD};
    sd_clock_fake_set_wall(fx->base.clock, sd_test_time("2027-01-01T12:00:00+09:00"));
    assert_int_equal(sd_ts_ingest(&fx->base.pf, fx->ta, 0, &ny, 1, NULL), 0);
    sd_ts_bucket_t *years = NULL;
    size_t ny_n = 0;
    int64_t y0 = sd_test_time("2026-01-01T00:00:00+09:00");
    assert_int_equal(sd_ts_read_agg(fx->base.st, fx->p2, y0,
                                    sd_test_time("2028-01-01T00:00:00+09:00"), SD_TS_AGG_YEAR,
                                    &years, &ny_n),
                     0);
    assert_int_equal(ny_n, 2);
    assert_int_equal(years[0].start_ms, y0);
    assert_int_equal(years[0].count, N - 1);
    assert_int_equal(years[1].start_ms, sd_test_time("2027-01-01T00:00:00+09:00"));
    assert_int_equal(years[1].count, 1);
    assert_true(years[1].sum == 5 && years[1].min == 5 && years[1].max == 5);
    free(years);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_buckets),
    };
#define T(f) cmocka_unit_test_setup_teardown(f, setup, sd_test_pf_teardown)
    const struct CMUnitTest store[] = {
        T(test_ingest_idempotent), T(test_ingest_refused), T(test_backfill_and_raw),
        T(test_aggregates),        T(test_streamed_reads),
    };
    int failed = cmocka_run_group_tests_name("ts pure", pure, NULL, NULL);
    failed += SD_TEST_PF_RUN("ts store", store, SD_TEST_SQLITE | SD_TEST_PG);
    return failed ? 1 : 0;
}
