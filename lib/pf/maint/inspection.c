/* inspection.c - templates and inspection records; answers are checked against the template's
 * items so a record always says what was looked at, and "not good" becomes a defect at once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/maint/defect.h"
#include "pf/maint/inspection.h"

const char *const sd_maint_end_checks[] = {"switches",    "manholes", "alarm", "gas", "fire",
                                           "water_valve", "lights",   "doors", NULL};

int sd_maint_templates(sd_pf_t *pf, const char *cycle, json_t **out)
{
    json_t *a = json_array();
    sd_stmt_t *s = NULL;
    int rc = a ? sd_store_query(pf->store,
                                "SELECT t.id, t.cycle, t.name, t.name_en, i.id, i.pos, i.label, "
                                "i.label_en, i.kind, i.unit FROM maint_templates t JOIN "
                                "maint_template_items i ON i.template_id = t.id WHERE ($1 = '' "
                                "OR t.cycle = $1) ORDER BY t.id, i.pos",
                                SD_PARAMS(SD_V_TEXT(cycle ? cycle : "")), &s)
               : SD_ENOMEM;
    json_t *cur = NULL, *items = NULL;
    int64_t cur_id = 0;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        if (!cur || sd_stmt_int64(s, 0) != cur_id) {
            cur_id = sd_stmt_int64(s, 0);
            items = json_array();
            cur = sd_json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)cur_id, "cycle",
                               sd_stmt_text(s, 1, NULL), "name", sd_stmt_text(s, 2, NULL),
                               "name_en", sd_stmt_text(s, 3, NULL), "items", items);
            if (!cur || json_array_append_new(a, cur)) {
                rc = SD_ENOMEM;
                break;
            }
        }
        json_t *it =
            sd_json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)sd_stmt_int64(s, 4), "pos",
                         (json_int_t)sd_stmt_int64(s, 5), "label", sd_stmt_text(s, 6, NULL),
                         "label_en", sd_stmt_text(s, 7, NULL), "kind", sd_stmt_text(s, 8, NULL),
                         "unit", sd_stmt_text(s, 9, NULL));
        rc = json_array_append_new(items, it) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(s);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

#define MAX_ITEMS 64

typedef struct {
    int64_t id;
    char label[256], kind[8], unit[16];
    int answered;
} item_t;

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    const sd_maint_record_t *r;
    item_t items[MAX_ITEMS];
    int n_items;
    char *end_txt;
    int64_t id;
} rec_tx_t;

static item_t *item_of(rec_tx_t *t, int64_t id)
{
    for (int i = 0; i < t->n_items; i++)
        if (t->items[i].id == id)
            return &t->items[i];
    return NULL;
}

/* the template's items into t; SD_EFIELD "template_id" when it is not one of cycle */
static int load_template(rec_tx_t *t, sd_json_err_t *e)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(t->pf->store,
                            "SELECT i.id, i.label, i.kind, i.unit, t.cycle FROM maint_templates "
                            "t JOIN maint_template_items i ON i.template_id = t.id WHERE t.id = "
                            "$1 ORDER BY i.pos",
                            SD_PARAMS(SD_V_INT(t->r->template_id)), &s);
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        if (strcmp(sd_stmt_text(s, 4, NULL), t->r->cycle)) {
            sd_stmt_done(s);
            return sd_json_err_set(e, "template_id", "template %" PRId64 " is not a %s template",
                                   t->r->template_id, t->r->cycle);
        }
        if (t->n_items == MAX_ITEMS) {
            rc = SD_ETOOBIG;
            break;
        }
        item_t *it = &t->items[t->n_items++];
        it->id = sd_stmt_int64(s, 0);
        snprintf(it->label, sizeof it->label, "%s", sd_stmt_text(s, 1, NULL));
        snprintf(it->kind, sizeof it->kind, "%s", sd_stmt_text(s, 2, NULL));
        snprintf(it->unit, sizeof it->unit, "%s", sd_stmt_text(s, 3, NULL));
        rc = 0;
    }
    sd_stmt_done(s);
    if (rc < 0)
        return rc;
    if (!t->n_items)
        return sd_json_err_set(e, "template_id", "no template %" PRId64, t->r->template_id);
    return 0;
}

static int check_answers(rec_tx_t *t, sd_json_err_t *e)
{
    const json_t *a = t->r->answers;
    if (!json_is_array(a) || json_array_size(a) > MAX_ITEMS)
        return sd_json_err_set(e, "answers", "expected an array of at most %d answers", MAX_ITEMS);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char f[160];
        int64_t item = 0;
        const char *result = "", *unit = NULL, *note = "";
        double value = 0;
        sd_json_field_t fl[] = {
            {"item_id", SD_JSON_INT, SD_JSON_REQ, &item, 1, INT64_MAX},
            {"result", SD_JSON_STR, 0, &result, 0, 16},
            {"value", SD_JSON_NUM, 0, &value, 0, 0},
            {"unit", SD_JSON_STR, 0, &unit, 0, 16},
            {"note", SD_JSON_STR, 0, &note, 0, 1000},
        };
        sd_json_err_t ie;
        int rc = json_is_object(v) ? sd_json_fields(v, fl, 5, SD_JSON_STRICT, &ie) : SD_EFIELD;
        if (rc) {
            snprintf(f, sizeof f, "answers[%zu]%s%s", i, json_is_object(v) ? "." : "",
                     json_is_object(v) ? ie.field : "");
            return sd_json_err_set(e, f, "%s",
                                   json_is_object(v) ? ie.message : "expected an object");
        }
        item_t *it = item_of(t, item);
        snprintf(f, sizeof f, "answers[%zu].item_id", i);
        if (!it)
            return sd_json_err_set(e, f, "item %" PRId64 " is not in template %" PRId64, item,
                                   t->r->template_id);
        if (it->answered)
            return sd_json_err_set(e, f, "item %" PRId64 " answered twice", item);
        it->answered = 1;
        int has_value = json_object_get(v, "value") && !json_is_null(json_object_get(v, "value"));
        snprintf(f, sizeof f, "answers[%zu].result", i);
        if (*result && strcmp(result, "good") && strcmp(result, "not_good") && strcmp(result, "na"))
            return sd_json_err_set(e, f, "one of good, not_good, na");
        if (!strcmp(it->kind, "check") && !*result)
            return sd_json_err_set(e, f, "required for \"%s\": good, not_good or na", it->label);
        snprintf(f, sizeof f, "answers[%zu].value", i);
        if (!strcmp(it->kind, "value") && !has_value && strcmp(result, "na"))
            return sd_json_err_set(e, f, "a number in %s for \"%s\" (or result na)", it->unit,
                                   it->label);
        if (!strcmp(it->kind, "check") && has_value)
            return sd_json_err_set(e, f, "\"%s\" takes a result, not a value", it->label);
        snprintf(f, sizeof f, "answers[%zu].unit", i);
        if (unit && strcmp(unit, it->unit))
            return sd_json_err_set(e, f, "\"%s\" is measured in \"%s\"", it->label, it->unit);
    }
    for (int k = 0; k < t->n_items; k++)
        if (!t->items[k].answered && !strcmp(t->items[k].kind, "check"))
            return sd_json_err_set(e, "answers", "item %" PRId64 " (%s) not answered",
                                   t->items[k].id, t->items[k].label);
    return 0;
}

static int check_end(rec_tx_t *t, sd_json_err_t *e)
{
    const json_t *o = t->r->end_checks;
    if (!json_is_object(o))
        return sd_json_err_set(e, "end_checks", "expected an object of the 終業点検 items");
    if (sd_json_check_known(o, sd_maint_end_checks, 8, e))
        return sd_json_err_set(e, "end_checks",
                               "unknown item (known: switches, manholes, alarm, "
                               "gas, fire, water_valve, lights, doors)");
    for (int i = 0; sd_maint_end_checks[i]; i++) {
        if (!json_is_boolean(json_object_get(o, sd_maint_end_checks[i]))) {
            char f[48];
            snprintf(f, sizeof f, "end_checks.%s", sd_maint_end_checks[i]);
            return sd_json_err_set(e, f, "required: true (checked) or false");
        }
    }
    t->end_txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    return t->end_txt ? 0 : SD_ENOMEM;
}

static int check_visit(rec_tx_t *t, sd_json_err_t *e)
{
    if (t->r->visit_id <= 0)
        return 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(t->pf->store,
                                "SELECT facility_id, cycle, inspection_id FROM maint_visits "
                                "WHERE id = $1",
                                SD_PARAMS(SD_V_INT(t->r->visit_id)), &s);
    if (rc == SD_ENOTFOUND)
        return sd_json_err_set(e, "visit_id", "no such visit of this facility");
    if (rc)
        return rc;
    int64_t fac = sd_stmt_int64(s, 0);
    int same = !strcmp(sd_stmt_text(s, 1, NULL), t->r->cycle), done = !sd_stmt_is_null(s, 2);
    sd_stmt_done(s);
    if (fac != t->r->facility->id)
        return sd_json_err_set(e, "visit_id", "no such visit of this facility");
    if (!same)
        return sd_json_err_set(e, "visit_id", "the visit is of another cycle");
    if (done)
        return sd_json_err_set(e, "visit_id", "the visit is already recorded");
    return 0;
}

static int record_tx(sd_store_t *st, void *ctx)
{
    rec_tx_t *t = ctx;
    const sd_maint_record_t *r = t->r;
    int64_t now = sd_pf_now_ms(t->pf), tenant = r->facility->tenant_id;
    int rc = sd_store_insert(
        st,
        "INSERT INTO maint_inspections (tenant_id, org_id, facility_id, visit_id, cycle, "
        "template_id, by_user, done_at, remarks, end_checks, created_at) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11) RETURNING id",
        SD_PARAMS(SD_V_INT(tenant), SD_V_INT(t->who ? t->who->org_id : 0),
                  SD_V_INT(r->facility->id), r->visit_id > 0 ? SD_V_INT(r->visit_id) : SD_V_NULL,
                  SD_V_TEXT(r->cycle), SD_V_INT(r->template_id),
                  SD_V_INT(t->who ? t->who->subject_id : 0),
                  SD_V_INT(r->done_at > 0 ? r->done_at : now),
                  SD_V_TEXT(r->remarks ? r->remarks : ""), SD_V_TEXT(t->end_txt), SD_V_INT(now)),
        &t->id);
    size_t i;
    json_t *v;
    json_array_foreach(r->answers, i, v)
    {
        if (rc)
            break;
        int64_t item = json_integer_value(json_object_get(v, "item_id"));
        const item_t *it = item_of(t, item);
        const char *result = json_string_value(json_object_get(v, "result"));
        const char *note = json_string_value(json_object_get(v, "note"));
        json_t *val = json_object_get(v, "value");
        rc = sd_store_exec(
            st,
            "INSERT INTO maint_answers (inspection_id, item_id, result, value, "
            "unit, note) VALUES ($1, $2, $3, $4, $5, $6)",
            SD_PARAMS(SD_V_INT(t->id), SD_V_INT(item), SD_V_TEXT(result ? result : ""),
                      json_is_number(val) ? SD_V_DOUBLE(json_number_value(val)) : SD_V_NULL,
                      SD_V_TEXT(it->unit), SD_V_TEXT(note ? note : "")),
            NULL);
        if (!rc && result && !strcmp(result, "not_good")) {
            char desc[1400];
            snprintf(desc, sizeof desc, "%s: 不良%s%s", it->label, note && *note ? " — " : "",
                     note ? note : "");
            sd_maint_defect_new_t d = {.tenant_id = tenant,
                                       .facility_id = r->facility->id,
                                       .inspection_id = t->id,
                                       .item_id = item,
                                       .place = it->label,
                                       .description = desc,
                                       .urgency = "normal"};
            int64_t did;
            rc = sd_maint_defect_insert(t->pf, st, t->who, &d, &did);
        }
    }
    if (!rc && r->visit_id > 0)
        rc = sd_store_exec(st, "UPDATE maint_visits SET inspection_id = $1 WHERE id = $2",
                           SD_PARAMS(SD_V_INT(t->id), SD_V_INT(r->visit_id)), NULL);
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "inspection:%" PRId64, t->id);
    snprintf(detail, sizeof detail, "{\"facility_id\":%" PRId64 ",\"cycle\":\"%.10s\"}",
             r->facility->id, r->cycle);
    return rc ? rc : sd_pf_audit(t->pf, t->who, tenant, "maint.inspection", obj, detail);
}

int sd_maint_inspection_record(sd_pf_t *pf, const sd_principal_t *who, const sd_maint_record_t *r,
                               sd_json_err_t *e, int64_t *id)
{
    *id = 0;
    rec_tx_t *t = calloc(1, sizeof *t);
    if (!t)
        return SD_ENOMEM;
    t->pf = pf;
    t->who = who;
    t->r = r;
    int rc = sd_maint_cycle_check(r->cycle)
                 ? sd_json_err_set(e, "cycle", "one of daily, monthly, quarterly, yearly")
                 : 0;
    if (!rc)
        rc = load_template(t, e);
    if (!rc)
        rc = check_visit(t, e);
    if (!rc)
        rc = check_answers(t, e);
    if (!rc)
        rc = check_end(t, e);
    if (!rc)
        rc = sd_store_tx(pf->store, record_tx, t);
    if (!rc)
        *id = t->id;
    free(t->end_txt);
    free(t);
    return rc;
}

int sd_maint_inspection_facility(sd_pf_t *pf, int64_t id, int64_t *facility)
{
    sd_stmt_t *s = NULL;
    int rc =
        sd_store_query_row(pf->store, "SELECT facility_id FROM maint_inspections WHERE id = $1",
                           SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    *facility = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return 0;
}

#define INSP_COLS                                                                                  \
    "i.id, i.tenant_id, i.facility_id, f.code AS facility_code, f.name AS facility_name, "         \
    "COALESCE(i.visit_id, 0) AS visit_id, i.cycle, i.template_id, i.by_user, i.org_id, "           \
    "i.done_at, i.remarks, COALESCE((SELECT c.org_id FROM maint_contractors c WHERE "              \
    "c.tenant_id = i.tenant_id), 0) AS contractor_id, (SELECT COUNT(*) FROM maint_answers a "      \
    "WHERE a.inspection_id = i.id AND a.result = 'not_good') AS not_good"
#define INSP_TYPES "iiissisiiiisii"

int sd_maint_inspection_get(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT " INSP_COLS ", i.end_checks FROM maint_inspections i "
                                "JOIN facilities f ON f.id = i.facility_id WHERE i.id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    json_t *o = sd_pf_row_json(s, INSP_TYPES "-"), *ec = NULL;
    size_t len = 0;
    const char *txt = sd_stmt_text(s, 14, &len);
    if (o && sd_json_parse(txt, len, &ec, NULL) == 0)
        sd_json_set(o, "end_checks", ec);
    sd_stmt_done(s);
    json_t *ans = json_array(), *defects = json_array();
    rc = o && ans && defects ? sd_store_query(pf->store,
                                              "SELECT a.item_id, t.label, t.label_en, t.kind, "
                                              "a.result, a.value, a.unit, a.note FROM "
                                              "maint_answers a JOIN maint_template_items t ON "
                                              "t.id = a.item_id WHERE a.inspection_id = $1 ORDER "
                                              "BY t.pos",
                                              SD_PARAMS(SD_V_INT(id)), &s)
                             : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        json_t *a = sd_pf_row_json(s, "issss---");
        if (a)
            sd_json_set(a, "value",
                        sd_stmt_is_null(s, 5) ? json_null() : json_real(sd_stmt_double(s, 5)));
        if (a)
            sd_json_set(a, "unit", json_string(sd_stmt_text(s, 6, NULL)));
        if (a)
            sd_json_set(a, "note", json_string(sd_stmt_text(s, 7, NULL)));
        rc = json_array_append_new(ans, a) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(s);
    if (!rc)
        rc = sd_store_query(pf->store,
                            "SELECT id FROM maint_defects WHERE inspection_id = $1 ORDER BY id",
                            SD_PARAMS(SD_V_INT(id)), &s);
    while (!rc && (rc = sd_stmt_next(s)) == 1)
        rc = json_array_append_new(defects, json_integer(sd_stmt_int64(s, 0))) ? SD_ENOMEM : 0;
    sd_stmt_done(s);
    if (rc < 0 || sd_json_set(o, "answers", ans) || sd_json_set(o, "defect_ids", defects)) {
        json_decref(o);
        return rc < 0 ? rc : SD_ENOMEM;
    }
    *out = o;
    return 0;
}

int sd_maint_inspection_list(sd_pf_t *pf, int64_t tenant, int64_t facility, const char *month,
                             sd_pf_items_t *out)
{
    int64_t from = 0, to = INT64_MAX;
    int y, m;
    if (month && sscanf(month, "%4d-%2d", &y, &m) == 2) {
        /* days from 1970-01-01 to the 1st of the month (civil calendar), JST = UTC+9 */
        for (int k = 0; k < 2; k++) {
            int yy = y + (m + k > 12), mm = (m + k - 1) % 12 + 1;
            int a = (14 - mm) / 12, yc = yy + 4800 - a, mc = mm + 12 * a - 3;
            int64_t jdn =
                1 + (153 * mc + 2) / 5 + 365 * (int64_t)yc + yc / 4 - yc / 100 + yc / 400 - 32045;
            int64_t ms = (jdn - 2440588) * 86400000 - 9 * 3600000;
            if (k == 0)
                from = ms;
            else
                to = ms;
        }
    }
    sd_pf_scope_cols_t cols = {1, 12, -1};
    return sd_pf_query_items(
        pf->store,
        "SELECT " INSP_COLS " FROM maint_inspections i JOIN facilities f ON "
        "f.id = i.facility_id WHERE i.tenant_id = $1 AND (CAST($2 AS BIGINT) "
        "= 0 OR i.facility_id = $2) AND i.done_at >= $3 AND i.done_at < $4 "
        "ORDER BY i.done_at DESC, i.id DESC LIMIT 500",
        SD_PARAMS(SD_V_INT(tenant), SD_V_INT(facility), SD_V_INT(from), SD_V_INT(to)), INSP_TYPES,
        &cols, out);
}
