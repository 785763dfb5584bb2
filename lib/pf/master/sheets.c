/* sheets.c - the sheet workflow: submission, listing, and the four-eyes decision that applies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/master/master.h"
#include "pf/master/sheets.h"

const char *sd_sheets_encoding_name(sd_csv_encoding_t e)
{
    return e == SD_CSV_ENC_CP932 ? "shift_jis" : "utf-8";
}

/* ---- submit ---------------------------------------------------------------------------------- */

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t tenant;
    const void *body;
    size_t len;
    const char *filename;
    sd_sheet_submit_t *out;
} submit_t;

static int submit_tx(sd_store_t *st, void *ctx)
{
    submit_t *s = ctx;
    int rc = sd_store_insert(
        st,
        "INSERT INTO sheets (tenant_id, status, submitted_by, submitted_at, "
        "filename, raw, encoding, objects) VALUES ($1, 'submitted', $2, $3, "
        "$4, $5, $6, $7) RETURNING id",
        SD_PARAMS(SD_V_INT(s->tenant), SD_V_INT(s->who->subject_id), SD_V_INT(sd_pf_now_ms(s->pf)),
                  SD_V_TEXT(s->filename ? s->filename : ""), SD_V_BLOB(s->body, s->len),
                  SD_V_TEXT(sd_sheets_encoding_name(s->out->enc)), SD_V_INT(s->out->objects)),
        &s->out->id);
    if (rc)
        return rc;
    char obj[48], detail[96];
    snprintf(obj, sizeof obj, "sheet:%lld", (long long)s->out->id);
    snprintf(detail, sizeof detail, "{\"status\":\"submitted\",\"objects\":%zu}", s->out->objects);
    return sd_pf_audit(s->pf, s->who, s->tenant, "sheet.submit", obj, detail);
}

int sd_sheets_submit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, const void *body,
                     size_t len, const char *filename, sd_sheet_submit_t *out)
{
    *out = (sd_sheet_submit_t){.enc = SD_CSV_ENC_UTF8};
    sd_sheet_items_t master = {0}, items = {0};
    int rc = sd_pf_master_load(pf->store, tenant, &master, NULL);
    if (!rc)
        rc = sd_sheet_check(body, len, &master, &items, &out->errs, &out->enc);
    sd_sheet_items_free(&master);
    if (rc == SD_EFIELD) {
        char obj[48], detail[96];
        snprintf(detail, sizeof detail, "{\"status\":\"invalid\",\"findings\":%zu}",
                 out->errs.n + out->errs.dropped);
        snprintf(obj, sizeof obj, "tenant:%lld", (long long)tenant);
        sd_pf_audit(pf, who, tenant, "sheet.submit", obj, detail);
        return rc;
    }
    out->objects = items.n;
    for (size_t i = 0; i < items.n; i++)
        out->counts[items.v[i].kind]++;
    sd_sheet_items_free(&items);
    if (rc)
        return rc;
    submit_t s = {pf, who, tenant, body, len, filename, out};
    rc = sd_store_tx(pf->store, submit_tx, &s);
    if (rc)
        out->id = 0;
    return rc;
}

/* ---- read ------------------------------------------------------------------------------------ */

#define SHEET_COLS                                                                                 \
    "id, tenant_id, status, submitted_by, submitted_at, filename, encoding, objects, "             \
    "decided_by, decided_at, reason, version"
#define SHEET_TYPES "iisiissiiisi"

/* A sheet belongs to the organisation of the user who submitted it (a vendor's, or the operator's).
 */
#define SHEET_OF_ORG "submitted_by IN (SELECT id FROM users WHERE org_id = $3)"

int sd_sheets_list(sd_store_t *st, int64_t tenant, int64_t org, const char *status,
                   sd_pf_items_t *out)
{
    /* $3 is always bound: 0 (no org filter) or the organisation */
    return sd_pf_query_items(
        st,
        "SELECT " SHEET_COLS " FROM sheets WHERE tenant_id = $1 AND "
        "($2 = '' OR status = $2) AND ($3 = 0 OR " SHEET_OF_ORG ") "
        "ORDER BY id DESC",
        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(status ? status : ""), SD_V_INT(org)), SHEET_TYPES,
        NULL, out);
}

int sd_sheets_org(sd_store_t *st, int64_t tenant, int64_t id, int64_t *org)
{
    *org = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT COALESCE((SELECT org_id FROM users WHERE users.id = "
                                "sheets.submitted_by), 0) FROM sheets "
                                "WHERE id = $1 AND tenant_id = $2",
                                SD_PARAMS(SD_V_INT(id), SD_V_INT(tenant)), &s);
    if (rc)
        return rc;
    *org = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return 0;
}

int sd_sheets_get(sd_store_t *st, int64_t tenant, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    /* the tenant is part of the key: another tenant's sheet id is simply not found */
    int rc = sd_store_query_row(st,
                                "SELECT " SHEET_COLS ", errors FROM sheets "
                                "WHERE id = $1 AND tenant_id = $2",
                                SD_PARAMS(SD_V_INT(id), SD_V_INT(tenant)), &s);
    if (rc)
        return rc;
    json_t *o = sd_pf_row_json(s, SHEET_TYPES);
    json_t *errs = NULL;
    const char *et = sd_stmt_text(s, 12, NULL);
    if (et)
        sd_json_parse(et, strlen(et), &errs, NULL);
    sd_stmt_done(s);
    if (!o || sd_json_set(o, "errors", errs ? errs : json_array()) != 0) {
        json_decref(o);
        return SD_ENOMEM;
    }
    *out = o;
    return 0;
}

int sd_sheets_raw(sd_store_t *st, int64_t tenant, int64_t id, void **raw, size_t *len,
                  sd_csv_encoding_t *enc)
{
    sd_stmt_t *s = NULL;
    int rc =
        sd_store_query_row(st, "SELECT raw, encoding FROM sheets WHERE id = $1 AND tenant_id = $2",
                           SD_PARAMS(SD_V_INT(id), SD_V_INT(tenant)), &s);
    if (rc)
        return rc;
    size_t n = 0;
    const void *b = sd_stmt_blob(s, 0, &n);
    *enc = strcmp(sd_stmt_text(s, 1, NULL), "shift_jis") == 0 ? SD_CSV_ENC_CP932 : SD_CSV_ENC_UTF8;
    *raw = malloc(n ? n : 1);
    if (*raw && n)
        memcpy(*raw, b, n);
    *len = n;
    sd_stmt_done(s);
    return *raw ? 0 : SD_ENOMEM;
}

/* ---- approve / reject ------------------------------------------------------------------------ */

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t tid, id, by;
    bool approve;
    const char *reason;
    sd_sheet_decision_t *d;
} decide_t;

static int decide_tx(sd_store_t *st, void *vctx)
{
    decide_t *c = vctx;
    sd_sheet_decision_t *d = c->d;
    sd_sheet_errors_free(&d->errs);
    d->refused = 0;
    d->why = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT status, submitted_by, raw FROM sheets "
                                "WHERE id = $1 AND tenant_id = $2",
                                SD_PARAMS(SD_V_INT(c->id), SD_V_INT(c->tid)), &s);
    if (rc)
        return rc;
    const char *status = sd_stmt_text(s, 0, NULL);
    if (strcmp(status, "submitted") != 0) {
        d->refused = SD_ECONFLICT;
        d->why = !strcmp(status, "applied")    ? "the sheet is already applied"
                 : !strcmp(status, "rejected") ? "the sheet was rejected"
                                               : "the sheet is not waiting for a decision";
        sd_stmt_done(s);
        return 0;
    }
    if (sd_stmt_int64(s, 1) == c->by) {
        d->refused = SD_EFORBIDDEN;
        d->why = "the submitter of a sheet cannot decide on it (four eyes)";
        sd_stmt_done(s);
        return 0;
    }
    char obj[48], detail[160];
    snprintf(obj, sizeof obj, "sheet:%lld", (long long)c->id);
    int64_t now = sd_pf_now_ms(c->pf);
    if (!c->approve) {
        sd_stmt_done(s);
        rc = sd_store_exec(st,
                           "UPDATE sheets SET status = 'rejected', decided_by = $1, "
                           "decided_at = $2, reason = $3 WHERE id = $4",
                           SD_PARAMS(SD_V_INT(c->by), SD_V_INT(now),
                                     SD_V_TEXT(c->reason ? c->reason : ""), SD_V_INT(c->id)),
                           NULL);
        json_t *dj = sd_json_pack("{s:s}", "reason", c->reason ? c->reason : "");
        char *dt = dj ? json_dumps(dj, JSON_COMPACT) : NULL;
        json_decref(dj);
        if (!rc)
            rc = sd_pf_audit(c->pf, c->who, c->tid, "sheet.reject", obj, dt ? dt : "{}");
        free(dt);
        return rc;
    }
    /* re-validate against the master as it is now: another sheet may have landed meanwhile */
    size_t len = 0;
    const void *raw = sd_stmt_blob(s, 2, &len);
    sd_sheet_items_t master = {0}, items = {0};
    rc = sd_pf_master_load(st, c->tid, &master, NULL);
    if (!rc)
        rc = sd_sheet_check(raw ? raw : "", len, &master, &items, &d->errs, &d->enc);
    sd_stmt_done(s);
    sd_sheet_items_free(&master);
    if (rc == SD_EFIELD) {
        json_t *ej = sd_pf_sheet_errors_json(&d->errs);
        char *et = ej ? json_dumps(ej, JSON_COMPACT) : NULL;
        json_decref(ej);
        rc = et ? sd_store_exec(st, "UPDATE sheets SET errors = $1 WHERE id = $2",
                                SD_PARAMS(SD_V_TEXT(et), SD_V_INT(c->id)), NULL)
                : SD_ENOMEM;
        free(et);
        d->refused = SD_ECONFLICT;
        d->why = "the sheet no longer fits the current master; nothing was applied";
        return rc;
    }
    if (!rc)
        rc = sd_pf_master_apply(st, c->tid, &items, c->id, c->by, now, &d->version);
    d->objects = items.n;
    sd_sheet_items_free(&items);
    if (!rc)
        rc = sd_store_exec(
            st,
            "UPDATE sheets SET status = 'applied', decided_by = $1, "
            "decided_at = $2, version = $3, errors = '[]' WHERE id = $4",
            SD_PARAMS(SD_V_INT(c->by), SD_V_INT(now), SD_V_INT(d->version), SD_V_INT(c->id)), NULL);
    snprintf(detail, sizeof detail, "{\"version\":%lld,\"objects\":%zu}", (long long)d->version,
             d->objects);
    if (!rc)
        rc = sd_pf_audit(c->pf, c->who, c->tid, "sheet.approve", obj, detail);
    return rc;
}

int sd_sheets_decide(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                     bool approve, const char *reason, sd_sheet_decision_t *out)
{
    *out = (sd_sheet_decision_t){.enc = SD_CSV_ENC_UTF8};
    decide_t c = {.pf = pf,
                  .who = who,
                  .tid = tenant,
                  .id = id,
                  .approve = approve,
                  .reason = reason,
                  .by = who ? who->subject_id : 0,
                  .d = out};
    return sd_store_tx(pf->store, decide_tx, &c);
}
