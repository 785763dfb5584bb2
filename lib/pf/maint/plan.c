/* plan.c - which inspections a facility needs and when: the monthly plan, spread evenly (§9). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "pf/maint/plan.h"

static const char *const cycles[] = {"daily", "monthly", "quarterly", "yearly"};

int sd_maint_cycle_check(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, cycles[i]))
            return 0;
    return SD_EFIELD;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : d[m - 1];
}

/* digits at s[i..i+n) as a number, -1 when any is not a digit */
static int num(const char *s, int i, int n)
{
    int v = 0;
    for (int k = i; k < i + n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

int sd_maint_month_check(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return SD_EFIELD;
    int y = num(s, 0, 4), m = num(s, 5, 2);
    return y >= 2000 && y <= 2999 && m >= 1 && m <= 12 ? 0 : SD_EFIELD;
}

int sd_maint_date_check(const char *s)
{
    if (!s || strlen(s) != 10 || s[7] != '-')
        return SD_EFIELD;
    char m[8];
    memcpy(m, s, 7);
    m[7] = 0;
    if (sd_maint_month_check(m))
        return SD_EFIELD;
    int d = num(s, 8, 2);
    return d >= 1 && d <= days_in(num(s, 0, 4), num(s, 5, 2)) ? 0 : SD_EFIELD;
}

void sd_maint_today(const sd_pf_t *pf, char out[11])
{
    time_t t = (time_t)(sd_pf_now_s(pf) + 9 * 3600); /* JST has no daylight saving */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int sd_maint_plan_slots(const char *type, int year, int month, int annual_month,
                        sd_maint_slot_t *out, size_t max, size_t *n)
{
    *n = 0;
    if (!type || month < 1 || month > 12 || annual_month < 1 || annual_month > 12 || year < 2000 ||
        year > 2999)
        return SD_EFIELD;
    int daily = 0, monthly = 0, quarterly = 0;
    if (!strcmp(type, "dedicated") || !strcmp(type, "simple"))
        daily = monthly = 1;
    else if (!strcmp(type, "small"))
        monthly = 1;
    else if (!strcmp(type, "direct_boost"))
        quarterly = 1;
    else
        return SD_EFIELD;
    int nd = days_in(year, month), off = (month - annual_month + 12) % 12;
    /* the once-a-month visit on the 10th, the daily ones in the middle of each third */
    if (off == 0 && *n < max)
        out[(*n)++] = (sd_maint_slot_t){"yearly", nd / 3};
    else if (monthly && *n < max)
        out[(*n)++] = (sd_maint_slot_t){"monthly", nd / 3};
    else if (quarterly && off % 3 == 0 && *n < max)
        out[(*n)++] = (sd_maint_slot_t){"quarterly", nd / 3};
    for (int k = 0; daily && k < 3 && *n < max; k++)
        out[(*n)++] = (sd_maint_slot_t){"daily", (2 * k + 1) * nd / 6 + 1};
    return 0;
}

#define CONTRACTOR_OF(t)                                                                           \
    "COALESCE((SELECT c.org_id FROM maint_contractors c WHERE c.tenant_id = " t "), 0)"

int sd_maint_facility(sd_pf_t *pf, int64_t id, sd_maint_facility_t *out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        pf->store,
        "SELECT f.id, f.tenant_id, f.type, f.code, f.name, COALESCE(m.annual_month, "
        "4), " CONTRACTOR_OF(
            "f.tenant_id") " FROM facilities f LEFT JOIN maint_facilities m ON m.facility_id = "
                           "f.id WHERE f.id = $1",
        SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->id = sd_stmt_int64(s, 0);
    out->tenant_id = sd_stmt_int64(s, 1);
    snprintf(out->type, sizeof out->type, "%s", sd_stmt_text(s, 2, NULL));
    snprintf(out->code, sizeof out->code, "%s", sd_stmt_text(s, 3, NULL));
    snprintf(out->name, sizeof out->name, "%s", sd_stmt_text(s, 4, NULL));
    out->annual_month = (int)sd_stmt_int64(s, 5);
    out->contractor = sd_stmt_int64(s, 6);
    sd_stmt_done(s);
    return 0;
}

int sd_maint_facilities(sd_pf_t *pf, int64_t tenant, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {1, 6, -1};
    return sd_pf_query_items(
        pf->store,
        "SELECT f.id, f.tenant_id, f.code, f.name, f.type, COALESCE(m.annual_month, 4) AS "
        "annual_month, " CONTRACTOR_OF("f.tenant_id") " AS contractor_id FROM facilities f LEFT "
                                                      "JOIN maint_facilities m ON "
                                                      "m.facility_id = f.id WHERE f.tenant_id = "
                                                      "$1 ORDER BY f.code",
        SD_PARAMS(SD_V_INT(tenant)), "iisssii", &cols, out);
}

int sd_maint_contractor(sd_pf_t *pf, int64_t tenant, int64_t *org)
{
    sd_stmt_t *s = NULL;
    *org = 0;
    int rc =
        sd_store_query_row(pf->store, "SELECT org_id FROM maint_contractors WHERE tenant_id = $1",
                           SD_PARAMS(SD_V_INT(tenant)), &s);
    if (rc == SD_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    *org = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return 0;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    const sd_maint_facility_t *f;
    int64_t tenant, org, id;
    const char *month, *on;
    int annual, created;
} plan_tx_t;

static int contractor_tx(sd_store_t *st, void *ctx)
{
    plan_tx_t *t = ctx;
    int rc = sd_store_exec(st,
                           "INSERT INTO maint_contractors (tenant_id, org_id, set_by, set_at) "
                           "VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET "
                           "org_id = excluded.org_id, set_by = excluded.set_by, set_at = "
                           "excluded.set_at",
                           SD_PARAMS(SD_V_INT(t->tenant), SD_V_INT(t->org),
                                     SD_V_INT(t->who ? t->who->subject_id : 0),
                                     SD_V_INT(sd_pf_now_ms(t->pf))),
                           NULL);
    char obj[48];
    snprintf(obj, sizeof obj, "org:%" PRId64, t->org);
    return rc ? rc : sd_pf_audit(t->pf, t->who, t->tenant, "maint.contractor", obj, NULL);
}

int sd_maint_contractor_set(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t org)
{
    plan_tx_t t = {.pf = pf, .who = who, .tenant = tenant, .org = org};
    return sd_store_tx(pf->store, contractor_tx, &t);
}

static int generate_tx(sd_store_t *st, void *ctx)
{
    plan_tx_t *t = ctx;
    const sd_maint_facility_t *f = t->f;
    int annual = t->annual > 0 ? t->annual : f->annual_month;
    int64_t n = 0, now = sd_pf_now_ms(t->pf);
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT COUNT(*) FROM maint_visits WHERE facility_id = $1 AND "
                                "month = $2",
                                SD_PARAMS(SD_V_INT(f->id), SD_V_TEXT(t->month)), &s);
    if (rc)
        return rc;
    n = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    if (n > 0)
        return SD_ECONFLICT;
    if (t->annual > 0)
        rc = sd_store_exec(st,
                           "INSERT INTO maint_facilities (facility_id, tenant_id, annual_month) "
                           "VALUES ($1, $2, $3) ON CONFLICT (facility_id) DO UPDATE SET "
                           "annual_month = excluded.annual_month",
                           SD_PARAMS(SD_V_INT(f->id), SD_V_INT(f->tenant_id), SD_V_INT(annual)),
                           NULL);
    sd_maint_slot_t slots[8];
    size_t ns = 0;
    int y = 0, m = 0;
    if (!rc && sscanf(t->month, "%4d-%2d", &y, &m) != 2)
        rc = SD_EFIELD;
    if (!rc)
        rc = sd_maint_plan_slots(f->type, y, m, annual, slots, 8, &ns);
    for (size_t i = 0; !rc && i < ns; i++) {
        int seq = 1;
        for (size_t j = 0; j < i; j++)
            seq += !strcmp(slots[j].cycle, slots[i].cycle);
        char on[16];
        snprintf(on, sizeof on, "%.7s-%02u", t->month, (unsigned)slots[i].day % 100u);
        rc = sd_store_exec(st,
                           "INSERT INTO maint_visits (tenant_id, facility_id, cycle, month, seq, "
                           "planned_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                           SD_PARAMS(SD_V_INT(f->tenant_id), SD_V_INT(f->id),
                                     SD_V_TEXT(slots[i].cycle), SD_V_TEXT(t->month), SD_V_INT(seq),
                                     SD_V_TEXT(on), SD_V_INT(now)),
                           NULL);
    }
    t->created = (int)ns;
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "facility:%" PRId64, f->id);
    snprintf(detail, sizeof detail, "{\"month\":\"%.7s\",\"visits\":%d,\"annual_month\":%d}",
             t->month, (int)ns, annual);
    return rc ? rc : sd_pf_audit(t->pf, t->who, f->tenant_id, "maint.plan", obj, detail);
}

int sd_maint_plan_generate(sd_pf_t *pf, const sd_principal_t *who, const sd_maint_facility_t *f,
                           const char *month, int annual_month, int *created)
{
    plan_tx_t t = {.pf = pf, .who = who, .f = f, .month = month, .annual = annual_month};
    int rc = sd_maint_month_check(month) ? SD_EFIELD : sd_store_tx(pf->store, generate_tx, &t);
    *created = rc ? 0 : t.created;
    return rc;
}

int sd_maint_plan_get(sd_pf_t *pf, const sd_maint_facility_t *f, const char *month, json_t **out)
{
    char today[11];
    sd_maint_today(pf, today);
    json_t *v = json_array();
    sd_stmt_t *s = NULL;
    int rc = v ? sd_store_query(pf->store,
                                "SELECT id, cycle, seq, planned_on, inspection_id FROM "
                                "maint_visits WHERE facility_id = $1 AND month = $2 ORDER BY "
                                "planned_on, id",
                                SD_PARAMS(SD_V_INT(f->id), SD_V_TEXT(month)), &s)
               : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        const char *on = sd_stmt_text(s, 3, NULL);
        int done = !sd_stmt_is_null(s, 4);
        const char *state = done ? "done" : strcmp(on, today) < 0 ? "overdue" : "planned";
        json_t *o =
            sd_json_pack("{s:I,s:s,s:I,s:s,s:s,s:o}", "id", (json_int_t)sd_stmt_int64(s, 0),
                         "cycle", sd_stmt_text(s, 1, NULL), "seq", (json_int_t)sd_stmt_int64(s, 2),
                         "planned_on", on, "state", state, "inspection_id",
                         done ? json_integer(sd_stmt_int64(s, 4)) : json_null());
        rc = json_array_append_new(v, o) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(s);
    if (rc < 0) {
        json_decref(v);
        return rc;
    }
    *out = sd_json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:i,s:s,s:o}", "facility_id", (json_int_t)f->id,
                        "tenant_id", (json_int_t)f->tenant_id, "code", f->code, "name", f->name,
                        "type", f->type, "month", month, "annual_month", f->annual_month, "today",
                        today, "visits", v);
    return *out ? 0 : SD_ENOMEM;
}

int sd_maint_visit_facility(sd_pf_t *pf, int64_t id, int64_t *facility_id, int *done)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT facility_id, inspection_id FROM maint_visits WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    *facility_id = sd_stmt_int64(s, 0);
    *done = !sd_stmt_is_null(s, 1);
    sd_stmt_done(s);
    return 0;
}

static int move_tx(sd_store_t *st, void *ctx)
{
    plan_tx_t *t = ctx;
    sd_stmt_t *s = NULL;
    char old[16] = "";
    int rc = sd_store_query_row(st, "SELECT planned_on FROM maint_visits WHERE id = $1",
                                SD_PARAMS(SD_V_INT(t->id)), &s);
    if (rc)
        return rc;
    snprintf(old, sizeof old, "%s", sd_stmt_text(s, 0, NULL));
    sd_stmt_done(s);
    rc = sd_store_exec(st,
                       "UPDATE maint_visits SET planned_on = $1, moved_by = $2, moved_at = $3 "
                       "WHERE id = $4",
                       SD_PARAMS(SD_V_TEXT(t->on), SD_V_INT(t->who ? t->who->subject_id : 0),
                                 SD_V_INT(sd_pf_now_ms(t->pf)), SD_V_INT(t->id)),
                       NULL);
    char obj[48], detail[80];
    snprintf(obj, sizeof obj, "visit:%" PRId64, t->id);
    snprintf(detail, sizeof detail, "{\"from\":\"%.10s\",\"to\":\"%.10s\"}", old, t->on);
    return rc ? rc : sd_pf_audit(t->pf, t->who, t->tenant, "maint.visit_move", obj, detail);
}

int sd_maint_visit_move(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                        const char *on)
{
    if (sd_maint_date_check(on))
        return SD_EFIELD;
    plan_tx_t t = {.pf = pf, .who = who, .tenant = tenant, .id = id, .on = on};
    return sd_store_tx(pf->store, move_tx, &t);
}
