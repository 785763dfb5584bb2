/* contact.c - contact lists: duty grammar, JP holidays, entry validation (pure), and the
 * contact_lists table: submit, change, withdraw, decide (four eyes), the list in force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "pf/master/master.h"
#include "pf/notify/contact.h"

/* ---- Japanese public holidays --------------------------------------------------------------- */

/* Monday = 0 .. Sunday = 6; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* The nth Monday of a month, as a day of the month. */
static int nth_monday(int y, int m, int n)
{
    int w = weekday(sd_days_from_civil(y, m, 1));
    return 1 + (7 - w) % 7 + 7 * (n - 1);
}

/* Equinox days by the usual approximation, valid 1980-2099 (the cabinet announces the same). */
static int equinox(int y, double base)
{
    return (int)(base + 0.242194 * (y - 1980) - (double)((y - 1980) / 4));
}

/* The days named by the Act on National Holidays, before substitutes and citizens' days. */
static bool named_holiday(int64_t days)
{
    int y, m, d;
    sd_civil_from_days(days, &y, &m, &d);
    switch (m) {
    case 1:
        return d == 1 || d == nth_monday(y, 1, 2);
    case 2:
        return d == 11 || (y >= 2020 && d == 23);
    case 3:
        return d == equinox(y, 20.8431);
    case 4:
        return d == 29;
    case 5:
        return d >= 3 && d <= 5;
    case 7:
        return d == nth_monday(y, 7, 3);
    case 8:
        return y >= 2016 && d == 11;
    case 9:
        return d == nth_monday(y, 9, 3) || d == equinox(y, 23.2488);
    case 10:
        return d == nth_monday(y, 10, 2);
    case 11:
        return d == 3 || d == 23;
    case 12:
        return y <= 2018 && d == 23;
    default:
        return false;
    }
}

static bool holiday_days(int64_t days)
{
    if (named_holiday(days))
        return true;
    /* substitute holiday: the first non-holiday after a holiday that fell on a Sunday */
    for (int64_t k = days - 1; named_holiday(k); k--)
        if (weekday(k) == 6)
            return true;
    /* citizens' holiday: a weekday squeezed between two holidays */
    return weekday(days) != 6 && named_holiday(days - 1) && named_holiday(days + 1);
}

bool sd_jp_holiday(int year, int mon, int day)
{
    return holiday_days(sd_days_from_civil(year, mon, day));
}

/* ---- duty grammar -----------------------------------------------------------------------------
 */

static const char *const day_names[8] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "hol"};

typedef struct {
    const char *s;
    size_t len, i;
    const char *why;
} cur_t;

static int fail(cur_t *c, const char *why)
{
    c->why = why;
    return SD_EFIELD;
}

static int day(cur_t *c, int *out)
{
    for (int k = 0; k < 8; k++)
        if (c->len - c->i >= 3 && !memcmp(c->s + c->i, day_names[k], 3)) {
            c->i += 3;
            *out = k;
            return 0;
        }
    return fail(c, "expected a day name (mon tue wed thu fri sat sun hol)");
}

static int two_digits(cur_t *c, int *out)
{
    if (c->len - c->i < 2 || c->s[c->i] < '0' || c->s[c->i] > '9' || c->s[c->i + 1] < '0' ||
        c->s[c->i + 1] > '9')
        return fail(c, "expected two digits");
    *out = (c->s[c->i] - '0') * 10 + (c->s[c->i + 1] - '0');
    c->i += 2;
    return 0;
}

static int expect(cur_t *c, char ch, const char *why)
{
    if (c->i >= c->len || c->s[c->i] != ch)
        return fail(c, why);
    c->i++;
    return 0;
}

static int hhmm(cur_t *c, int *min)
{
    int h, m;
    size_t at = c->i;
    if (two_digits(c, &h) || expect(c, ':', "expected ':' in HH:MM") || two_digits(c, &m))
        return SD_EFIELD;
    if (m > 59 || h > 24 || (h == 24 && m != 0)) {
        c->i = at;
        return fail(c, "time out of range (00:00 .. 24:00)");
    }
    *min = h * 60 + m;
    return 0;
}

static int period(cur_t *c, uint8_t *days, uint16_t *start, uint16_t *end)
{
    *days = 0;
    for (;;) {
        int a, b;
        if (day(c, &a))
            return SD_EFIELD;
        b = a;
        if (c->i < c->len && c->s[c->i] == '-') {
            c->i++;
            if (day(c, &b))
                return SD_EFIELD;
            if ((a == SD_DUTY_HOL) != (b == SD_DUTY_HOL)) {
                c->i -= 3;
                return fail(c, "hol cannot be part of a day range");
            }
        }
        for (int k = a;; k = (k + 1) % 7) {
            *days |= (uint8_t)(1u << k);
            if (k == b)
                break;
        }
        if (c->i < c->len && c->s[c->i] == ',') {
            c->i++;
            continue;
        }
        break;
    }
    int s, e;
    if (expect(c, ' ', "expected one space before the time range") || hhmm(c, &s))
        return SD_EFIELD;
    size_t at = c->i;
    if (expect(c, '-', "expected '-' between start and end") || hhmm(c, &e))
        return SD_EFIELD;
    if (s == e || (s == 1440)) {
        c->i = at;
        return fail(c, s == 1440 ? "a period cannot start at 24:00" : "empty period");
    }
    *start = (uint16_t)s;
    *end = (uint16_t)e;
    return 0;
}

int sd_duty_parse(const char *s, size_t len, sd_duty_t *out, size_t *err_off, const char **why)
{
    cur_t c = {.s = s ? s : "", .len = s ? len : 0};
    sd_duty_t d = {0};
    int rc = 0;
    if (c.len == 6 && !memcmp(c.s, "always", 6)) {
        d.always = 1;
        goto done;
    }
    for (;;) {
        if (d.n == SD_DUTY_MAX) {
            rc = fail(&c, "too many periods (at most 8)");
            break;
        }
        if ((rc = period(&c, &d.p[d.n].days, &d.p[d.n].start_min, &d.p[d.n].end_min)))
            break;
        d.n++;
        if (c.i == c.len)
            break;
        if ((rc = expect(&c, ';', "expected ';' or the end"))) {
            break;
        }
    }
done:
    if (rc) {
        if (err_off)
            *err_off = c.i;
        if (why)
            *why = c.why;
        return rc;
    }
    if (out)
        *out = d;
    return 0;
}

/* Bit of the JST date days: its weekday, or "hol" for a public holiday. */
static uint8_t day_bit(int64_t days)
{
    return (uint8_t)(1u << (holiday_days(days) ? SD_DUTY_HOL : weekday(days)));
}

bool sd_duty_covers(const sd_duty_t *d, int64_t ms)
{
    if (d->always)
        return true;
    /* floor divisions: the instant's JST minute of the day and its JST date */
    int64_t jst_min = ms / 60000 - (ms % 60000 < 0) + SD_JST_OFFSET_S / 60;
    int64_t days = jst_min / 1440 - (jst_min % 1440 < 0);
    int m = (int)(jst_min - days * 1440);
    uint8_t today = day_bit(days), yesterday = day_bit(days - 1);
    for (int i = 0; i < d->n; i++) {
        int s = d->p[i].start_min, e = d->p[i].end_min;
        if (e > s) {
            if ((d->p[i].days & today) && m >= s && m < e)
                return true;
        } else if (((d->p[i].days & today) && m >= s) || ((d->p[i].days & yesterday) && m < e)) {
            return true;
        }
    }
    return false;
}

/* ---- entries ----------------------------------------------------------------------------------
 */

bool sd_contact_email_ok(const char *a, size_t len)
{
    if (len < 3 || len > 254)
        return false;
    size_t at = 0, nat = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)a[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>\",;()[]\\:", ch))
            return false;
        if (ch == '@')
            at = i, nat++;
    }
    if (nat != 1 || at == 0 || at > 64 || at + 1 >= len)
        return false;
    /* the domain: dot-separated labels, none empty */
    const char *dom = a + at + 1;
    size_t dl = len - at - 1;
    if (dom[0] == '.' || dom[dl - 1] == '.' || dom[0] == '-')
        return false;
    for (size_t i = 1; i < dl; i++)
        if (dom[i] == '.' && dom[i - 1] == '.')
            return false;
    return true;
}

int sd_contact_entries_parse(const json_t *arr, sd_contact_t *out, size_t *n, sd_json_err_t *err)
{
    if (!json_is_array(arr))
        return sd_json_err_set(err, "entries", "expected an array");
    size_t cnt = json_array_size(arr);
    if (cnt < 1 || cnt > SD_CONTACT_MAX_ENTRIES)
        return sd_json_err_set(err, "entries", "between 1 and %d entries", SD_CONTACT_MAX_ENTRIES);
    bool have_step1 = false;
    for (size_t i = 0; i < cnt; i++) {
        const json_t *e = json_array_get(arr, i);
        sd_contact_t c = {.phone = ""};
        const char *duty = NULL;
        int64_t order = 0, sev = 0;
        sd_json_field_t f[] = {
            {"name", SD_JSON_STR, SD_JSON_REQ, &c.name, 1, 64},
            {"email", SD_JSON_STR, SD_JSON_REQ, &c.email, 3, 254},
            {"phone", SD_JSON_STR, 0, &c.phone, 0, 32},
            {"order", SD_JSON_INT, SD_JSON_REQ, &order, 1, 9},
            {"min_severity", SD_JSON_INT, SD_JSON_REQ, &sev, 1, 4},
            {"duty", SD_JSON_STR, SD_JSON_REQ, &duty, 1, 256},
        };
        int rc = sd_json_fields(e, f, sizeof f / sizeof *f, SD_JSON_STRICT, err);
        if (!rc && !sd_contact_email_ok(c.email, strlen(c.email)))
            rc = sd_json_err_set(err, "email", "not a plain address like name@example.jp");
        for (const char *p = c.phone; !rc && *p; p++)
            if (!strchr("0123456789+-() ", *p))
                rc = sd_json_err_set(err, "phone", "digits, spaces and + - ( ) only");
        for (const char *p = c.name; !rc && p && *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                rc = sd_json_err_set(err, "name", "control characters are not allowed");
        size_t off = 0;
        const char *why = NULL;
        if (!rc && sd_duty_parse(duty, strlen(duty), &c.duty, &off, &why))
            rc = sd_json_err_set(err, "duty", "at byte %zu: %s", off, why);
        if (rc) {
            sd_json_err_prefix(err, "entries", (long)i);
            return rc;
        }
        c.order = (int)order;
        c.min_severity = (int)sev;
        have_step1 |= c.order == 1;
        if (out)
            out[i] = c;
    }
    if (!have_step1)
        return sd_json_err_set(err, "entries", "no entry has order 1 (the first to call)");
    if (n)
        *n = cnt;
    return 0;
}

int sd_contact_active(sd_store_t *st, int64_t tenant_id, const char *facility, int64_t *list_id,
                      json_t **entries)
{
    *list_id = 0;
    *entries = NULL;
    sd_stmt_t *s = NULL;
    /* the facility's own list wins over the tenant-wide one ('' sorts first, so DESC) */
    int rc =
        sd_store_query_row(st,
                           "SELECT id, entries FROM contact_lists WHERE tenant_id = $1 "
                           "AND status = 'approved' AND (facility = $2 OR facility = '') "
                           "ORDER BY facility DESC LIMIT 1",
                           SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(facility ? facility : "")), &s);
    if (rc == SD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    size_t len = 0;
    const char *txt = sd_stmt_text(s, 1, &len);
    json_t *j = NULL;
    rc = sd_json_parse(txt, len, &j, NULL);
    if (!rc) {
        *list_id = sd_stmt_int64(s, 0);
        *entries = j;
    }
    sd_stmt_done(s);
    return rc;
}

/* ---- the contact_lists table ----------------------------------------------------------------- */

#define COLS                                                                                       \
    "id, tenant_id, org_id, facility, name, entries, status, submitted_by, submitted_at, "         \
    "decided_by, decided_at, reason"
#define COL_TYPES "iiissssisiis" /* entries as text, then parsed */

/* A row of COLS as the API shows it: entries as JSON (last member), not as the stored text. */
static int entries_json(json_t *o)
{
    if (!o)
        return SD_ENOMEM;
    json_t *t = json_object_get(o, "entries");
    const char *txt = json_is_string(t) ? json_string_value(t) : NULL;
    size_t len = txt ? json_string_length(t) : 0;
    json_t *e = NULL;
    int rc = sd_json_parse(txt ? txt : "[]", txt ? len : 2, &e, NULL);
    json_object_del(o, "entries");
    if (rc == 0)
        sd_json_set(o, "entries", e);
    return 0;
}

int sd_contact_lists(sd_pf_t *pf, int64_t tenant_id, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {1, 2, -1};
    int rc = sd_pf_query_items(pf->store,
                               "SELECT " COLS " FROM contact_lists WHERE CAST($1 AS BIGINT) = 0 "
                               "OR tenant_id = $1 ORDER BY id",
                               SD_PARAMS(SD_V_INT(tenant_id > 0 ? tenant_id : 0)), COL_TYPES, &cols,
                               out);
    for (size_t i = 0; !rc && i < out->n; i++)
        rc = entries_json(json_array_get(out->rows, i));
    if (rc)
        sd_pf_items_free(out);
    return rc;
}

int sd_contact_list_json(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT " COLS " FROM contact_lists WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    json_t *o = sd_pf_row_json(s, COL_TYPES);
    sd_stmt_done(s);
    rc = entries_json(o);
    if (!rc)
        *out = o;
    return rc;
}

int sd_contact_list_info(sd_pf_t *pf, int64_t id, sd_contact_info_t *out)
{
    memset(out, 0, sizeof *out);
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT tenant_id, org_id, status, submitted_by, facility, name, "
                                "entries FROM contact_lists WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    out->id = id;
    out->tenant_id = sd_stmt_int64(s, 0);
    out->org_id = sd_stmt_int64(s, 1);
    const char *t = sd_stmt_text(s, 2, NULL);
    snprintf(out->status, sizeof out->status, "%s", t ? t : "");
    out->submitted_by = sd_stmt_int64(s, 3);
    t = sd_stmt_text(s, 4, NULL);
    snprintf(out->facility, sizeof out->facility, "%s", t ? t : "");
    t = sd_stmt_text(s, 5, NULL);
    snprintf(out->name, sizeof out->name, "%s", t ? t : "");
    size_t len = 0;
    t = sd_stmt_text(s, 6, &len);
    rc = sd_json_parse(t, len, &out->entries, NULL);
    sd_stmt_done(s);
    return rc;
}

void sd_contact_info_free(sd_contact_info_t *info)
{
    if (info && info->entries) {
        json_decref(info->entries);
        info->entries = NULL;
    }
}

int sd_contact_entries_of(sd_store_t *st, int64_t list_id, json_t **entries)
{
    *entries = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st, "SELECT entries FROM contact_lists WHERE id = $1",
                                SD_PARAMS(SD_V_INT(list_id)), &s);
    if (!rc) {
        size_t len = 0;
        const char *t = sd_stmt_text(s, 0, &len);
        rc = sd_json_parse(t, len, entries, NULL);
    }
    sd_stmt_done(s);
    return rc;
}

int sd_contact_facility_check(sd_pf_t *pf, int64_t tenant_id, const char *facility)
{
    return sd_pf_master_facility_id(pf->store, tenant_id, facility, NULL);
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t tenant, id;
    const char *facility, *name, *txt, *status, *reason;
    size_t n_entries;
    int approve;
} change_t;

static int submit_tx(sd_store_t *st, void *vctx)
{
    change_t *c = vctx;
    int rc =
        sd_store_insert(st,
                        "INSERT INTO contact_lists (tenant_id, org_id, facility, name, "
                        "entries, status, submitted_by, submitted_at) VALUES ($1, $2, $3, "
                        "$4, $5, 'submitted', $6, $7) RETURNING id",
                        SD_PARAMS(SD_V_INT(c->tenant), SD_V_INT(c->who->org_id),
                                  SD_V_TEXT(c->facility), SD_V_TEXT(c->name), SD_V_TEXT(c->txt),
                                  SD_V_INT(c->who->subject_id), SD_V_INT(sd_pf_now_ms(c->pf))),
                        &c->id);
    char obj[48], detail[160];
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)c->id);
    snprintf(detail, sizeof detail, "{\"entries\":%zu}", c->n_entries);
    if (!rc)
        rc = sd_pf_audit(c->pf, c->who, c->tenant, "contact.submit", obj, detail);
    return rc;
}

int sd_contact_submit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id,
                      const char *facility, const char *name, const json_t *entries, int64_t *id)
{
    char *txt = json_dumps(entries, JSON_COMPACT);
    if (!txt)
        return SD_ENOMEM;
    change_t c = {.pf = pf,
                  .who = who,
                  .tenant = tenant_id,
                  .facility = facility,
                  .name = name,
                  .txt = txt,
                  .n_entries = json_array_size(entries)};
    int rc = sd_store_tx(pf->store, submit_tx, &c);
    free(txt);
    if (!rc)
        *id = c.id;
    return rc;
}

static int update_tx(sd_store_t *st, void *vctx)
{
    change_t *c = vctx;
    int rc = sd_store_exec(st,
                           "UPDATE contact_lists SET facility = $1, name = $2, entries = $3, "
                           "status = 'submitted', submitted_by = $4, submitted_at = $5, "
                           "decided_by = 0, decided_at = 0, reason = '' WHERE id = $6",
                           SD_PARAMS(SD_V_TEXT(c->facility), SD_V_TEXT(c->name), SD_V_TEXT(c->txt),
                                     SD_V_INT(c->who->subject_id), SD_V_INT(sd_pf_now_ms(c->pf)),
                                     SD_V_INT(c->id)),
                           NULL);
    char obj[48];
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)c->id);
    if (!rc)
        rc = sd_pf_audit(c->pf, c->who, c->tenant, "contact.update", obj, NULL);
    return rc;
}

int sd_contact_update(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, int64_t id,
                      const char *facility, const char *name, const json_t *entries)
{
    char *txt = json_dumps(entries, JSON_COMPACT);
    if (!txt)
        return SD_ENOMEM;
    change_t c = {.pf = pf,
                  .who = who,
                  .tenant = tenant_id,
                  .id = id,
                  .facility = facility,
                  .name = name,
                  .txt = txt};
    int rc = sd_store_tx(pf->store, update_tx, &c);
    free(txt);
    return rc;
}

static int delete_tx(sd_store_t *st, void *vctx)
{
    change_t *c = vctx;
    char obj[48], detail[64];
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)c->id);
    snprintf(detail, sizeof detail, "{\"status\":\"%s\"}", c->status);
    int rc = sd_store_exec(st, "DELETE FROM contact_lists WHERE id = $1",
                           SD_PARAMS(SD_V_INT(c->id)), NULL);
    if (!rc)
        rc = sd_pf_audit(c->pf, c->who, c->tenant, "contact.delete", obj, detail);
    return rc;
}

int sd_contact_delete(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, int64_t id,
                      const char *status)
{
    change_t c = {.pf = pf, .who = who, .tenant = tenant_id, .id = id, .status = status};
    return sd_store_tx(pf->store, delete_tx, &c);
}

static int decide_tx(sd_store_t *st, void *vctx)
{
    change_t *c = vctx;
    int64_t now = sd_pf_now_ms(c->pf);
    char obj[48];
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)c->id);
    int rc = 0;
    /* one approved list per scope: the new one replaces the old in the same transaction */
    if (c->approve)
        rc = sd_store_exec(st,
                           "UPDATE contact_lists SET status = 'superseded' WHERE tenant_id = $1 "
                           "AND facility = $2 AND status = 'approved'",
                           SD_PARAMS(SD_V_INT(c->tenant), SD_V_TEXT(c->facility)), NULL);
    if (!rc)
        rc = sd_store_exec(
            st,
            "UPDATE contact_lists SET status = $1, decided_by = $2, decided_at = $3, "
            "reason = $4 WHERE id = $5 AND status = 'submitted'",
            SD_PARAMS(SD_V_TEXT(c->approve ? "approved" : "rejected"), SD_V_INT(c->who->subject_id),
                      SD_V_INT(now), SD_V_TEXT(c->reason), SD_V_INT(c->id)),
            NULL);
    if (!rc)
        rc = sd_pf_audit(c->pf, c->who, c->tenant,
                         c->approve ? "contact.approve" : "contact.reject", obj, NULL);
    return rc;
}

int sd_contact_decide(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, int64_t id,
                      const char *facility, int approve, const char *reason)
{
    change_t c = {.pf = pf,
                  .who = who,
                  .tenant = tenant_id,
                  .id = id,
                  .facility = facility,
                  .approve = approve,
                  .reason = reason ? reason : ""};
    return sd_store_tx(pf->store, decide_tx, &c);
}
