/* test_pf_notify.c - duty grammar, JP holidays, mail format, back-off, the escalation timeline
 * with a fake clock, and outbox retries against a refused SMTP connection. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/notify/contact.h"
#include "pf/notify/notify.h"
#include "pf/data/ts.h"

#define MIN INT64_C(60000)

static sd_duty_t duty(const char *s)
{
    sd_duty_t d;
    size_t off = 0;
    const char *why = NULL;
    int rc = sd_duty_parse(s, strlen(s), &d, &off, &why);
    if (rc)
        fail_msg("'%s' at %zu: %s", s, off, why);
    return d;
}

static void test_duty_grammar(void **st)
{
    (void)st;
    assert_true(duty("always").always);
    sd_duty_t d = duty("mon-fri 08:30-17:15;sat,sun,hol 00:00-24:00");
    assert_int_equal(d.n, 2);
    assert_int_equal(d.p[0].days, 0x1f);
    assert_int_equal(d.p[0].start_min, 510);
    assert_int_equal(d.p[0].end_min, 1035);
    assert_int_equal(d.p[1].days, 0xe0);
    assert_int_equal(d.p[1].end_min, 1440);
    assert_int_equal(duty("fri-mon 00:00-01:00").p[0].days, 0x71); /* fri sat sun mon */
    static const struct {
        const char *s;
        size_t off;
    } bad[] = {
        {"", 0},
        {"Always", 0},
        {"always ", 0},
        {"mon-fri", 7},
        {"mon-fri  08:30-17:15", 8},
        {"mon-fri 8:30-17:15", 8},
        {"mon-fri 08:60-17:15", 8},
        {"mon-fri 24:01-17:15", 8},
        {"mon-fri 24:00-17:15", 13},
        {"mon-fri 08:30-08:30", 13},
        {"mon-fri 08:30 17:15", 13},
        {"mon-hol 08:30-17:15", 4},
        {"mon,xyz 08:30-17:15", 4},
        {"mon 08:30-17:15;", 16},
        {"mon 08:30-17:15,tue 01:00-02:00", 15},
        {"mon 00:00-01:00;mon 00:00-01:00;mon 00:00-01:00;mon 00:00-01:00;mon 00:00-01:00;"
         "mon 00:00-01:00;mon 00:00-01:00;mon 00:00-01:00;mon 00:00-01:00",
         128},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t off = 999;
        const char *why = NULL;
        sd_duty_t x;
        int rc = sd_duty_parse(bad[i].s, strlen(bad[i].s), &x, &off, &why);
        if (rc != SD_EFIELD || off != bad[i].off)
            fail_msg("'%s': rc %d off %zu (want %zu) %s", bad[i].s, rc, off, bad[i].off,
                     why ? why : "");
        assert_non_null(why);
    }
}

static void test_duty_covers(void **st)
{
    (void)st;
    sd_duty_t office = duty("mon-fri 08:30-17:15");
    /* 2026-11-24 is a Tuesday */
    assert_true(sd_duty_covers(&office, sd_test_time("2026-11-24T08:30:00+09:00")));
    assert_true(sd_duty_covers(&office, sd_test_time("2026-11-24T17:14:59+09:00")));
    assert_false(sd_duty_covers(&office, sd_test_time("2026-11-24T17:15:00+09:00")));
    assert_false(sd_duty_covers(&office, sd_test_time("2026-11-24T08:29:59+09:00")));
    /* JST, not UTC: 00:00Z is 09:00 JST */
    assert_true(sd_duty_covers(&office, sd_test_time("2026-11-24T00:00:00Z")));
    /* 2026-11-23 (Monday) is 勤労感謝の日: only "hol" matches it */
    assert_false(sd_duty_covers(&office, sd_test_time("2026-11-23T10:00:00+09:00")));
    sd_duty_t hol = duty("hol 00:00-24:00");
    assert_true(sd_duty_covers(&hol, sd_test_time("2026-11-23T10:00:00+09:00")));
    assert_false(sd_duty_covers(&hol, sd_test_time("2026-11-24T10:00:00+09:00")));
    /* overnight: Monday evening into Tuesday morning; Friday night into Saturday */
    sd_duty_t night = duty("mon-fri 17:15-08:30");
    assert_true(sd_duty_covers(&night, sd_test_time("2026-11-25T03:00:00+09:00")));
    /* ... but the holiday Monday's evening is "hol", so its night shift is not this one */
    assert_false(sd_duty_covers(&night, sd_test_time("2026-11-24T03:00:00+09:00")));
    assert_true(
        sd_duty_covers(&night, sd_test_time("2026-11-28T08:29:00+09:00"))); /* Sat morning */
    assert_false(sd_duty_covers(&night, sd_test_time("2026-11-29T03:00:00+09:00"))); /* Sun */
    assert_false(sd_duty_covers(&night, sd_test_time("2026-11-25T12:00:00+09:00")));
    sd_duty_t late = duty("sat,sun 22:00-24:00");
    assert_true(sd_duty_covers(&late, sd_test_time("2026-11-29T23:59:59+09:00")));
    assert_false(sd_duty_covers(&late, sd_test_time("2026-11-30T00:00:00+09:00")));
}

static void test_holidays(void **st)
{
    (void)st;
    assert_true(sd_jp_holiday(2026, 1, 1));
    assert_true(sd_jp_holiday(2026, 1, 12)); /* 成人の日, 2nd Monday */
    assert_false(sd_jp_holiday(2026, 1, 5));
    assert_true(sd_jp_holiday(2026, 2, 23)); /* 天皇誕生日 */
    assert_true(sd_jp_holiday(2026, 3, 20)); /* 春分の日 */
    assert_false(sd_jp_holiday(2026, 3, 21));
    assert_true(sd_jp_holiday(2026, 5, 6));  /* 5/3 was a Sunday: substitute after 5/4, 5/5 */
    assert_true(sd_jp_holiday(2026, 9, 21)); /* 敬老の日 */
    assert_true(sd_jp_holiday(2026, 9, 22)); /* 国民の休日, between two holidays */
    assert_true(sd_jp_holiday(2026, 9, 23)); /* 秋分の日 */
    assert_true(sd_jp_holiday(2026, 11, 23));
    assert_false(sd_jp_holiday(2026, 11, 24));
    assert_true(sd_jp_holiday(2025, 11, 24)); /* 11/23 was a Sunday */
    assert_false(sd_jp_holiday(2026, 12, 23));
    assert_true(sd_jp_holiday(2018, 12, 24)); /* 12/23 (then a holiday) was a Sunday */
}

static void test_entries(void **st)
{
    (void)st;
    sd_json_err_t e;
    sd_contact_t v[SD_CONTACT_MAX_ENTRIES];
    size_t n = 0;
    json_t *a = json_loads("[{\"name\":\"a\",\"email\":\"a@b.jp\",\"order\":1,\"min_severity\":2,"
                           "\"duty\":\"always\"},{\"name\":\"b\",\"email\":\"b@b.jp\",\"order\":2,"
                           "\"min_severity\":4,\"duty\":\"sun 01:00-02:00\",\"phone\":\"+81 11\"}]",
                           0, NULL);
    assert_int_equal(sd_contact_entries_parse(a, v, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[1].email, "b@b.jp");
    assert_int_equal(v[1].min_severity, 4);
    json_decref(a);
    static const struct {
        const char *json, *field;
    } bad[] = {
        {"[]", "entries"},
        {"[{\"name\":\"a\",\"email\":\"a@b.jp\",\"order\":2,\"min_severity\":2,\"duty\":"
         "\"always\"}]",
         "entries"},
        {"[{\"name\":\"a\",\"email\":\"a@@b.jp\",\"order\":1,\"min_severity\":2,\"duty\":"
         "\"always\"}]",
         "entries[0].email"},
        {"[{\"name\":\"a\",\"email\":\"a@b.jp\",\"order\":1,\"min_severity\":5,\"duty\":"
         "\"always\"}]",
         "entries[0].min_severity"},
        {"[{\"name\":\"a\",\"email\":\"a@b.jp\",\"order\":1,\"min_severity\":1,\"duty\":"
         "\"never\"}]",
         "entries[0].duty"},
        {"[{\"name\":\"a\",\"email\":\"a@b.jp\",\"order\":1,\"min_severity\":1,\"duty\":"
         "\"always\",\"pager\":1}]",
         "entries[0].pager"},
        {"[{\"name\":\"a\",\"email\":\"a@b.jp\",\"order\":1,\"min_severity\":1,\"duty\":"
         "\"always\",\"phone\":\"call me\"}]",
         "entries[0].phone"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = json_loads(bad[i].json, 0, NULL);
        assert_non_null(j);
        assert_int_equal(sd_contact_entries_parse(j, NULL, NULL, &e), SD_EFIELD);
        assert_string_equal(e.field, bad[i].field);
        json_decref(j);
    }
    assert_true(sd_contact_email_ok("a.b-c@x.example.jp", 18));
    assert_false(sd_contact_email_ok("a@x..jp", 7));
    assert_false(sd_contact_email_ok("a b@x.jp", 8));
    assert_false(sd_contact_email_ok("a@x.jp\r\nRCPT", 13));
}

/* The subject's encoded words, decoded and joined, give the subject back. */
static void test_format(void **st)
{
    (void)st;
    const char *subj = "【重故障】222 gorin-l2.tank_level 2026-11-24 12:00:00 JST 受水槽水位低下";
    sd_buf_t b = {0};
    assert_int_equal(sd_notify_format("pf@x.jp", "c1@x.jp", subj, "本文\n",
                                      sd_test_time("2026-11-24T03:"
                                                   "00:00Z"),
                                      7, &b),
                     0);
    assert_non_null(strstr(b.data, "Date: Tue, 24 Nov 2026 12:00:00 +0900\r\n"));
    assert_non_null(strstr(b.data, "To: c1@x.jp\r\n"));
    char dec[512] = "";
    for (const char *p = strstr(b.data, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
        p += 10;
        const char *q = strstr(p, "?=");
        assert_non_null(q);
        unsigned char bin[128];
        size_t bl = 0;
        assert_int_equal(sodium_base642bin(bin, sizeof bin, p, (size_t)(q - p), NULL, &bl, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_true(bl <= 45);
        strncat(dec, (const char *)bin, bl);
        p = q;
    }
    assert_string_equal(dec, subj);
    sd_buf_free(&b);
    assert_int_equal(sd_notify_format("pf@x.jp", "c1@x.jp", "a\r\nBcc: x@y", "b", 0, 1, &b),
                     SD_EINVAL);
    sd_buf_free(&b);
    assert_int_equal(sd_notify_backoff(1, 30000, 900000), 30000);
    assert_int_equal(sd_notify_backoff(2, 30000, 900000), 60000);
    assert_int_equal(sd_notify_backoff(5, 30000, 900000), 480000);
    assert_int_equal(sd_notify_backoff(6, 30000, 900000), 900000);
    assert_int_equal(sd_notify_backoff(60, 30000, 900000), 900000);
    assert_string_equal(sd_notify_severity_ja(1), "重故障");
}

/* ---- with a store and a fake clock ------------------------------------------------------------
 */

typedef struct {
    sd_test_pf_t base;
    sd_notify_t *n;
    int64_t tenant, list;
} fx_t;

static int setup(void **state)
{
    /* Tuesday 2026-11-24 10:00 JST */
    fx_t *fx = sd_test_pf_new(sizeof *fx, sd_test_time("2026-11-24T10:00:00+09:00"));
    fx->tenant = sd_test_pf_tenant(&fx->base, "t", SD_TENANT_KIND_DEDICATED_OPERATOR);
    const char *entries =
        "[{\"name\":\"one\",\"email\":\"c1@x.jp\",\"order\":1,\"min_severity\":2,\"duty\":"
        "\"always\"},{\"name\":\"night\",\"email\":\"n1@x.jp\",\"order\":1,\"min_severity\":4,"
        "\"duty\":\"mon-fri 17:15-08:30\"},{\"name\":\"two\",\"email\":\"c2@x.jp\",\"order\":2,"
        "\"min_severity\":3,\"duty\":\"always\"},{\"name\":\"three\",\"email\":\"c3@x.jp\","
        "\"order\":3,\"min_severity\":1,\"duty\":\"always\"}]";
    fx->list =
        sd_test_pf_insert(&fx->base,
                          "INSERT INTO contact_lists (tenant_id, org_id, name, entries, status, "
                          "submitted_by, submitted_at) VALUES ($1, 1, 'l', $2, 'approved', 1, 0) "
                          "RETURNING id",
                          SD_PARAMS(SD_V_INT(fx->tenant), SD_V_TEXT(entries)));
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    sd_notify_free(fx->n);
    return sd_test_pf_teardown(state);
}

static sd_notify_t *notifier(fx_t *fx, const char *url)
{
    sd_notify_config_t c;
    sd_notify_config_defaults(&c);
    c.smtp_url = url;
    c.repeats = 1;
    c.digest_min = -1;
    assert_int_equal(sd_notify_new(&fx->base.pf, &c, &fx->n), 0);
    return fx->n;
}

/* "rcpt,rcpt,..." of the outbox in id order, from id > after */
static void outbox(fx_t *fx, int64_t after, char *out, size_t outsz)
{
    sd_stmt_t *s = NULL;
    out[0] = 0;
    assert_int_equal(sd_store_query(fx->base.st,
                                    "SELECT rcpt, kind FROM notifications WHERE id > $1 "
                                    "ORDER BY id",
                                    SD_PARAMS(SD_V_INT(after)), &s),
                     0);
    while (sd_stmt_next(s) == 1) {
        size_t l = strlen(out);
        snprintf(out + l, outsz - l, "%s%s/%s", l ? "," : "", sd_stmt_text(s, 0, NULL),
                 sd_stmt_text(s, 1, NULL));
    }
    sd_stmt_done(s);
}

static int64_t last_id(fx_t *fx)
{
    return sd_test_pf_int(&fx->base, "SELECT COALESCE(MAX(id), 0) FROM notifications", SD_NOPARAMS);
}

static sd_alarm_event_t ev(int64_t id, int64_t tenant, sd_alarm_transition_t t, int sev, int64_t at)
{
    return (sd_alarm_event_t){.alarm_id = id,
                              .tenant_id = tenant,
                              .transition = t,
                              .severity = sev,
                              .at_ms = at,
                              .facility = "222",
                              .device = "gorin-l2",
                              .data_id = "gorin-l2.tank_level",
                              .message = "受水槽水位低下",
                              .by = "system",
                              .comment = ""};
}

/* The listener only queues: the worker's next pass (here: at once) persists and mails. */
static void raise_now(sd_notify_t *n, const sd_alarm_event_t *e)
{
    sd_notify_alarm(n, e);
    sd_notify_tick(n);
}

static void test_escalation_timeline(void **state)
{
    fx_t *fx = *state;
    sd_notify_t *n = notifier(fx, NULL);
    char got[512];
    int64_t t0 = sd_clock_wall_ms(fx->base.clock), mark;
    sd_alarm_event_t e = ev(41, fx->tenant, SD_ALARM_RAISED, 1, t0);
    raise_now(n, &e);
    outbox(fx, 0, got, sizeof got);
    /* step 1 on duty at 10:00 on a Tuesday: c1, not the night shift */
    assert_string_equal(got, "c1@x.jp/alarm");
    mark = last_id(fx);
    sd_clock_fake_advance(fx->base.clock, 15 * MIN - 1);
    sd_notify_tick(n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "");
    sd_clock_fake_advance(fx->base.clock, 1);
    sd_notify_tick(n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "c2@x.jp/escalation");
    mark = last_id(fx);
    sd_clock_fake_advance(fx->base.clock, 15 * MIN);
    sd_notify_tick(n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "c3@x.jp/escalation");
    /* after the last step the ladder starts again (repeats = 1) */
    mark = last_id(fx);
    sd_clock_fake_advance(fx->base.clock, 15 * MIN);
    sd_notify_tick(n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "c1@x.jp/escalation");
    /* acknowledged: nothing more, ever */
    mark = last_id(fx);
    e.transition = SD_ALARM_ACKED;
    raise_now(n, &e);
    for (int i = 0; i < 8; i++) {
        sd_clock_fake_advance(fx->base.clock, 15 * MIN);
        sd_notify_tick(n);
    }
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "");

    /* a minor alarm (3) at night: c1 and c3 cover up to 2 and 1 only; the night shift (4) is
       called; minor alarms escalate after 60 min, skipping steps nobody covers; an
       unacknowledged ladder stops after its repeats */
    sd_clock_fake_set_wall(fx->base.clock, sd_test_time("2026-11-24T22:00:00+09:00"));
    mark = last_id(fx);
    e = ev(42, fx->tenant, SD_ALARM_RAISED, 3, sd_clock_wall_ms(fx->base.clock));
    raise_now(n, &e);
    for (int i = 0; i < 10; i++) {
        sd_clock_fake_advance(fx->base.clock, 60 * MIN);
        sd_notify_tick(n);
    }
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "n1@x.jp/alarm,c2@x.jp/escalation,n1@x.jp/escalation,"
                             "c2@x.jp/escalation");
    /* info (4) does not escalate by default; a tenant without a list mails nobody */
    mark = last_id(fx);
    e = ev(43, fx->tenant, SD_ALARM_RAISED, 4, sd_clock_wall_ms(fx->base.clock));
    raise_now(n, &e);
    e = ev(44, fx->tenant + 100, SD_ALARM_RAISED, 1, sd_clock_wall_ms(fx->base.clock));
    raise_now(n, &e);
    sd_clock_fake_advance(fx->base.clock, 600 * MIN);
    sd_notify_tick(n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "n1@x.jp/alarm");
}

/* The daily digest: once per JST day at its time, to the step-1 entries of the tenant-wide list. */
static void test_digest(void **state)
{
    fx_t *fx = *state;
    sd_notify_config_t c;
    sd_notify_config_defaults(&c);
    c.digest_min = 8 * 60 + 30;
    assert_int_equal(sd_notify_new(&fx->base.pf, &c, &fx->n), 0);
    char got[512];
    sd_clock_fake_set_wall(fx->base.clock, sd_test_time("2026-11-24T08:29:59+09:00"));
    sd_notify_tick(fx->n);
    outbox(fx, 0, got, sizeof got);
    assert_string_equal(got, "");
    sd_clock_fake_advance(fx->base.clock, 1000);
    sd_notify_tick(fx->n);
    outbox(fx, 0, got, sizeof got);
    assert_string_equal(got, "c1@x.jp/digest,n1@x.jp/digest");
    int64_t mark = last_id(fx);
    sd_clock_fake_set_wall(fx->base.clock, sd_test_time("2026-11-24T23:59:00+09:00"));
    sd_notify_tick(fx->n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "");
    /* the next JST day (15:00 UTC is already tomorrow in Japan, but before 08:30: nothing) */
    sd_clock_fake_set_wall(fx->base.clock, sd_test_time("2026-11-25T08:00:00+09:00"));
    sd_notify_tick(fx->n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "");
    sd_clock_fake_set_wall(fx->base.clock, sd_test_time("2026-11-25T09:00:00+09:00"));
    sd_notify_tick(fx->n);
    outbox(fx, mark, got, sizeof got);
    assert_string_equal(got, "c1@x.jp/digest,n1@x.jp/digest");
}

/* A refused connection (a real one: nothing listens on port 1) is retried with back-off and
 * the failure logged; the message is never dropped. */
static void test_outbox_retry(void **state)
{
    fx_t *fx = *state;
    sd_notify_t *n = notifier(fx, "smtp://127.0.0.1:1");
    int64_t id = 0, t0 = sd_clock_wall_ms(fx->base.clock);
    assert_int_equal(sd_notify_enqueue(n, fx->tenant, "test", 0, 1, "c1@x.jp", "件名", "本文", &id),
                     0);
    int64_t depth = 0;
    assert_int_equal(sd_notify_outbox_depth(n, &depth), 0);
    assert_int_equal(depth, 1);
    assert_int_equal(sd_notify_tick(n), 0);
    sd_stmt_t *s = NULL;
    const char *q = "SELECT state, attempts, next_at, smtp_code, smtp_result FROM notifications "
                    "WHERE id = $1";
    assert_int_equal(sd_store_query_row(fx->base.st, q, SD_PARAMS(SD_V_INT(id)), &s), 0);
    assert_string_equal(sd_stmt_text(s, 0, NULL), "pending");
    assert_int_equal(sd_stmt_int64(s, 1), 1);
    assert_int_equal(sd_stmt_int64(s, 2), t0 + 30000);
    assert_int_equal(sd_stmt_int64(s, 3), 0);
    assert_non_null(strstr(sd_stmt_text(s, 4, NULL), "onnect"));
    sd_stmt_done(s);
    /* not due yet: no attempt */
    sd_clock_fake_advance(fx->base.clock, 29999);
    sd_notify_tick(n);
    assert_int_equal(sd_store_query_row(fx->base.st, q, SD_PARAMS(SD_V_INT(id)), &s), 0);
    assert_int_equal(sd_stmt_int64(s, 1), 1);
    sd_stmt_done(s);
    sd_clock_fake_advance(fx->base.clock, 1);
    sd_notify_tick(n);
    assert_int_equal(sd_store_query_row(fx->base.st, q, SD_PARAMS(SD_V_INT(id)), &s), 0);
    assert_int_equal(sd_stmt_int64(s, 1), 2);
    assert_int_equal(sd_stmt_int64(s, 2), t0 + 30000 + 60000);
    sd_stmt_done(s);
    assert_int_equal(sd_notify_outbox_depth(n, &depth), 0);
    assert_int_equal(depth, 1);
}

/* Drills started at once from several threads get distinct ids (taken in their transaction). */
typedef struct {
    fx_t *fx;
    json_t *entries;
    int64_t id;
    int rc, queued;
} drill_arg_t;

static void *drill_thread(void *arg)
{
    drill_arg_t *d = arg;
    d->rc = sd_notify_drill(d->fx->n, NULL, d->fx->tenant, d->fx->list, "l", d->entries, &d->id,
                            &d->queued);
    sd_store_release(d->fx->base.st);
    return NULL;
}

static void test_drills(void **state)
{
    fx_t *fx = *state;
    sd_notify_t *n = notifier(fx, NULL);
    sd_contact_info_t li;
    assert_int_equal(sd_contact_list_info(&fx->base.pf, fx->list, &li), 0);
    assert_string_equal(li.status, "approved");
    enum { N = 4 };
    drill_arg_t d[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        d[i] = (drill_arg_t){.fx = fx, .entries = li.entries};
        assert_int_equal(pthread_create(&th[i], NULL, drill_thread, &d[i]), 0);
    }
    int seen = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(d[i].rc, 0);
        assert_int_equal(d[i].queued, 1); /* of step 1, "one" is on duty at 10:00 */
        assert_true(d[i].id >= 1 && d[i].id <= N);
        assert_false(seen & (1 << d[i].id));
        seen |= 1 << d[i].id;
    }
    sd_contact_info_free(&li);
    int64_t tid = 0;
    char st[16];
    assert_int_equal(sd_notify_drill_state(n, 2, &tid, st), 0);
    assert_int_equal(tid, fx->tenant);
    assert_string_equal(st, "active");
    assert_int_equal(sd_notify_drill_ack(n, NULL, fx->tenant, 2), 0);
    assert_int_equal(sd_notify_drill_state(n, 2, &tid, st), 0);
    assert_string_equal(st, "acked");
    assert_int_equal(sd_notify_drill_state(n, N + 1, &tid, st), SD_ENOTFOUND);
    sd_pf_items_t items;
    assert_int_equal(sd_notify_list(n, fx->tenant, 100, &items), 0);
    assert_int_equal(items.n, N);
    sd_pf_items_free(&items);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_duty_grammar), cmocka_unit_test(test_duty_covers),
        cmocka_unit_test(test_holidays),     cmocka_unit_test(test_entries),
        cmocka_unit_test(test_format),
    };
    const struct CMUnitTest store[] = {
        cmocka_unit_test_setup_teardown(test_escalation_timeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drills, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("notify pure", pure, NULL, NULL);
    failed += SD_TEST_PF_RUN("notify store", store, SD_TEST_SQLITE);
    /* concurrent drills on PostgreSQL (READ COMMITTED: a taken id fails on the key, retried) */
    const struct CMUnitTest pg[] = {
        cmocka_unit_test_setup_teardown(test_drills, setup, teardown),
    };
    failed += SD_TEST_PF_RUN("notify store", pg, SD_TEST_PG);
    return failed;
}
