/* sheets.h - the initial-information sheet workflow: submit, list, read, approve or reject. */
#ifndef SD_PF_SHEETS_H
#define SD_PF_SHEETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/master/sheet.h"
#include "pf/pf.h"

/*
 * A sheet (table sheets, owned here) is submitted by one user and approved or rejected by
 * another (four eyes); approving re-checks it against the master as it is then and applies it
 * (sd_pf_master_apply) in the same transaction as the sheet's new status and the audit record.
 */

/* "shift_jis" or "utf-8", as stored in sheets.encoding and answered. Pure. */
const char *sd_sheets_encoding_name(sd_csv_encoding_t e);

/* What a submission found. */
typedef struct {
    int64_t id; /* the new sheet (0 when refused) */
    sd_csv_encoding_t enc;
    size_t objects;                      /* items of the sheet */
    size_t counts[SD_SHEET_KIND__COUNT]; /* of them, per kind */
    sd_sheet_errors_t errs;              /* findings on SD_EFIELD; sd_sheet_errors_free() */
} sd_sheet_submit_t;

/*
 * Check the CSV body against the tenant's master and store it as "submitted" by who (a user),
 * audited "sheet.submit" in the same transaction. SD_EFIELD: the sheet has findings (out->errs),
 * nothing was stored and the refusal is audited; SD_ESTORE, SD_ENOMEM.
 */
int sd_sheets_submit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, const void *body,
                     size_t len, const char *filename, sd_sheet_submit_t *out);

/*
 * The tenant's sheets, newest first (status NULL = any; org 0 = every organisation's, else only
 * those submitted by users of org), without raw and errors.
 */
int sd_sheets_list(sd_store_t *st, int64_t tenant, int64_t org, const char *status,
                   sd_pf_items_t *out);

/*
 * The organisation a sheet of tenant belongs to: its submitter's (what the policy's O scope is
 * measured against: a vendor admin sees the sheets of its own vendor). SD_ENOTFOUND, SD_E*.
 */
int sd_sheets_org(sd_store_t *st, int64_t tenant, int64_t id, int64_t *org);

/* One sheet of the tenant as JSON with its findings ("errors"). SD_ENOTFOUND, SD_E*. */
int sd_sheets_get(sd_store_t *st, int64_t tenant, int64_t id, json_t **out);

/* The file as uploaded (*raw malloc'ed, caller frees) and its encoding. SD_ENOTFOUND, SD_E*. */
int sd_sheets_raw(sd_store_t *st, int64_t tenant, int64_t id, void **raw, size_t *len,
                  sd_csv_encoding_t *enc);

/* What a decision did. */
typedef struct {
    int refused;            /* 0, or SD_ECONFLICT / SD_EFORBIDDEN with why: nothing changed
                               (except, for a sheet that no longer fits, its stored findings) */
    const char *why;        /* static text */
    sd_sheet_errors_t errs; /* the findings when it no longer fits; sd_sheet_errors_free() */
    sd_csv_encoding_t enc;
    int64_t version; /* approved: the master's new version */
    size_t objects;  /* approved: the items applied */
} sd_sheet_decision_t;

/*
 * Approve (apply atomically) or reject (with reason, may be NULL) sheet id of tenant, by user
 * who: one transaction with the audit record ("sheet.approve" / "sheet.reject"). Returns 0 with
 * out->refused set when the sheet is not waiting (SD_ECONFLICT), who submitted it (SD_EFORBIDDEN)
 * or it no longer fits the master (SD_ECONFLICT, out->errs); SD_ENOTFOUND, SD_ESTORE, SD_ENOMEM.
 */
int sd_sheets_decide(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, int64_t id,
                     bool approve, const char *reason, sd_sheet_decision_t *out);

#endif
