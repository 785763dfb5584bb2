/* defect.c - defects and their history: the 修繕要望 status is the contractor's, the instruction
 * the utility's; the api layer decides who may change which. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "pf/maint/defect.h"

static int one_of(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (s && !strcmp(s, names[i]))
            return 0;
    return SD_EFIELD;
}

int sd_maint_defect_status_check(const char *s)
{
    static const char *const v[] = {"awaiting", "estimating", "considering", "arranged", "done"};
    return one_of(s, v, 5);
}

int sd_maint_instruction_check(const char *s)
{
    static const char *const v[] = {"repair", "watch", "other"};
    return one_of(s, v, 3);
}

int sd_maint_urgency_check(const char *s)
{
    static const char *const v[] = {"high", "normal", "low"};
    return one_of(s, v, 3);
}

static int history(sd_store_t *st, int64_t id, int64_t at, const sd_principal_t *who,
                   const char *field, const char *from, const char *to, const char *note)
{
    return sd_store_exec(st,
                         "INSERT INTO maint_defect_history (defect_id, at, by_user, field, "
                         "from_value, to_value, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                         SD_PARAMS(SD_V_INT(id), SD_V_INT(at), SD_V_INT(who ? who->subject_id : 0),
                                   SD_V_TEXT(field), SD_V_TEXT(from), SD_V_TEXT(to),
                                   SD_V_TEXT(note ? note : "")),
                         NULL);
}

int sd_maint_defect_insert(sd_pf_t *pf, sd_store_t *st, const sd_principal_t *who,
                           const sd_maint_defect_new_t *d, int64_t *id)
{
    int64_t now = sd_pf_now_ms(pf);
    int rc = sd_store_insert(
        st,
        "INSERT INTO maint_defects (tenant_id, facility_id, inspection_id, item_id, place, "
        "description, urgency, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, 'awaiting', $8, $9, $9) RETURNING id",
        SD_PARAMS(SD_V_INT(d->tenant_id), SD_V_INT(d->facility_id),
                  d->inspection_id > 0 ? SD_V_INT(d->inspection_id) : SD_V_NULL,
                  d->item_id > 0 ? SD_V_INT(d->item_id) : SD_V_NULL, SD_V_TEXT(d->place),
                  SD_V_TEXT(d->description), SD_V_TEXT(d->urgency),
                  SD_V_INT(who ? who->subject_id : 0), SD_V_INT(now)),
        id);
    if (!rc)
        rc = history(st, *id, now, who, "created", "", "awaiting", d->description);
    char obj[48], detail[64];
    snprintf(obj, sizeof obj, "defect:%" PRId64, *id);
    snprintf(detail, sizeof detail, "{\"inspection_id\":%" PRId64 "}", d->inspection_id);
    return rc ? rc : sd_pf_audit(pf, who, d->tenant_id, "maint.defect_create", obj, detail);
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    const sd_maint_defect_new_t *d;
    int64_t tenant, id;
    const char *status, *instr, *instr_on, *note;
} defect_tx_t;

static int create_tx(sd_store_t *st, void *ctx)
{
    defect_tx_t *t = ctx;
    return sd_maint_defect_insert(t->pf, st, t->who, t->d, &t->id);
}

int sd_maint_defect_create(sd_pf_t *pf, const sd_principal_t *who, const sd_maint_defect_new_t *d,
                           int64_t *id)
{
    defect_tx_t t = {.pf = pf, .who = who, .d = d};
    int rc = sd_store_tx(pf->store, create_tx, &t);
    *id = rc ? 0 : t.id;
    return rc;
}

int sd_maint_defect_where(sd_pf_t *pf, int64_t id, int64_t *tenant, int64_t *facility)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT tenant_id, facility_id FROM maint_defects WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    *tenant = sd_stmt_int64(s, 0);
    *facility = sd_stmt_int64(s, 1);
    sd_stmt_done(s);
    return 0;
}

static int update_tx(sd_store_t *st, void *ctx)
{
    defect_tx_t *t = ctx;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT status, instruction, instruction_on FROM maint_defects "
                                "WHERE id = $1",
                                SD_PARAMS(SD_V_INT(t->id)), &s);
    if (rc)
        return rc;
    char st0[16], in0[16], on0[16];
    snprintf(st0, sizeof st0, "%s", sd_stmt_text(s, 0, NULL));
    snprintf(in0, sizeof in0, "%s", sd_stmt_text(s, 1, NULL));
    snprintf(on0, sizeof on0, "%s", sd_stmt_text(s, 2, NULL));
    sd_stmt_done(s);
    int64_t now = sd_pf_now_ms(t->pf);
    int ch_status = t->status && strcmp(t->status, st0);
    const char *in1 = t->instr ? t->instr : in0, *on1 = t->instr_on ? t->instr_on : on0;
    int ch_instr = strcmp(in1, in0) || strcmp(on1, on0);
    if (ch_status)
        rc = history(st, t->id, now, t->who, "status", st0, t->status, t->note);
    if (!rc && ch_instr) {
        char from[40], to[40];
        snprintf(from, sizeof from, "%s%s%s", in0, *on0 ? " " : "", on0);
        snprintf(to, sizeof to, "%s%s%s", in1, *on1 ? " " : "", on1);
        rc = history(st, t->id, now, t->who, "instruction", from, to, t->note);
    }
    if (!rc && !ch_status && !ch_instr && t->note && *t->note)
        rc = history(st, t->id, now, t->who, "note", "", "", t->note);
    if (!rc)
        rc = sd_store_exec(st,
                           "UPDATE maint_defects SET status = $1, instruction = $2, "
                           "instruction_on = $3, updated_at = $4 WHERE id = $5",
                           SD_PARAMS(SD_V_TEXT(ch_status ? t->status : st0), SD_V_TEXT(in1),
                                     SD_V_TEXT(on1), SD_V_INT(now), SD_V_INT(t->id)),
                           NULL);
    char obj[48], detail[160];
    snprintf(obj, sizeof obj, "defect:%" PRId64, t->id);
    snprintf(detail, sizeof detail,
             "{\"status\":\"%.15s\",\"instruction\":\"%.15s\",\"instruction_on\":\"%.10s\"}",
             ch_status ? t->status : st0, in1, on1);
    return rc ? rc : sd_pf_audit(t->pf, t->who, t->tenant, "maint.defect_update", obj, detail);
}

int sd_maint_defect_update(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                           const char *status, const char *instruction, const char *instruction_on,
                           const char *note)
{
    defect_tx_t t = {.pf = pf,
                     .who = who,
                     .tenant = tenant,
                     .id = id,
                     .status = status,
                     .instr = instruction,
                     .instr_on = instruction_on,
                     .note = note};
    return sd_store_tx(pf->store, update_tx, &t);
}

#define DEFECT_COLS                                                                                \
    "d.id, d.tenant_id, d.facility_id, f.code AS facility_code, f.name AS facility_name, "         \
    "COALESCE(d.inspection_id, 0) AS inspection_id, COALESCE(d.item_id, 0) AS item_id, d.place, "  \
    "d.description, d.urgency, d.status, d.instruction, d.instruction_on, d.created_by, "          \
    "d.created_at, d.updated_at, COALESCE((SELECT c.org_id FROM maint_contractors c WHERE "        \
    "c.tenant_id = d.tenant_id), 0) AS contractor_id"
#define DEFECT_TYPES "iiissiissssssiiii"

int sd_maint_defect_get(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT " DEFECT_COLS " FROM maint_defects d JOIN facilities f ON "
                                "f.id = d.facility_id WHERE d.id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    json_t *o = sd_pf_row_json(s, DEFECT_TYPES);
    sd_stmt_done(s);
    json_t *h = json_array();
    rc = o && h ? sd_store_query(pf->store,
                                 "SELECT at, by_user, field, from_value, to_value, note FROM "
                                 "maint_defect_history WHERE defect_id = $1 ORDER BY id",
                                 SD_PARAMS(SD_V_INT(id)), &s)
                : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(s)) == 1)
        rc = json_array_append_new(h, sd_pf_row_json(s, "iissss")) ? SD_ENOMEM : 0;
    sd_stmt_done(s);
    if (rc < 0 || sd_json_set(o, "history", h)) {
        json_decref(o);
        return rc < 0 ? rc : SD_ENOMEM;
    }
    *out = o;
    return 0;
}

int sd_maint_defect_list(sd_pf_t *pf, int64_t tenant, int64_t facility, const char *status,
                         sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {1, 16, -1};
    return sd_pf_query_items(
        pf->store,
        "SELECT " DEFECT_COLS " FROM maint_defects d JOIN facilities f ON "
        "f.id = d.facility_id WHERE d.tenant_id = $1 AND (CAST($2 AS "
        "BIGINT) = 0 OR d.facility_id = $2) AND ($3 = '' OR d.status = $3) "
        "ORDER BY d.id DESC LIMIT 500",
        SD_PARAMS(SD_V_INT(tenant), SD_V_INT(facility), SD_V_TEXT(status ? status : "")),
        DEFECT_TYPES, &cols, out);
}
