/* contact_http.c - HTTP: contact lists (連絡体制表) submitted, approved (four eyes), withdrawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/notify/contact.h"

#define COLS                                                                                       \
    "id, tenant_id, org_id, facility, name, entries, status, submitted_by, submitted_at, "        \
    "decided_by, decided_at, reason"

/* A row of COLS as the API shows it: entries as JSON, not as the stored text. */
static json_t *list_json(sd_stmt_t *s)
{
    json_t *o = sd_pf_row_json(s, "iiiss-sisiis");
    size_t len = 0;
    const char *txt = sd_stmt_text(s, 5, &len);
    json_t *e = NULL;
    if (o && sd_json_parse(txt ? txt : "[]", txt ? len : 2, &e, NULL) == 0)
        sd_json_set(o, "entries", e);
    return o;
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0};
    const char *ts = sd_http_req_query(req, "tenant_id");
    int64_t tid = ts ? strtoll(ts, NULL, 10) : 0;
    if (tid > 0)
        home.tenant_id = tid;
    if (sd_api_require(req, SD_ACT_CONTACT_READ, &home))
        return;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT " COLS " FROM contact_lists WHERE CAST($1 AS BIGINT) = 0 "
                            "OR tenant_id = $1 ORDER BY id",
                            SD_PARAMS(SD_V_INT(tid > 0 ? tid : 0)), &s);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *items = json_array();
    while (items && (rc = sd_stmt_next(s)) == 1) {
        sd_scope_t sc = {.tenant_id = sd_stmt_int64(s, 1), .org_id = sd_stmt_int64(s, 2)};
        if (sd_policy_check(who, SD_ACT_CONTACT_READ, &sc))
            continue;
        if (json_array_append_new(items, list_json(s)))
            rc = SD_ENOMEM;
    }
    sd_stmt_done(s);
    if (!items || rc < 0) {
        json_decref(items);
        sd_api_reply_rc(req, items ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", items));
}

/* Validate a submitted body; the facility must be one of the tenant's master. Replies on error. */
static int check_body(sd_http_req_t *req, sd_pf_t *pf, json_t *b, int64_t *tid, const char **fac,
                      const char **name, json_t **entries)
{
    sd_json_err_t e;
    sd_json_field_t f[] = {
        {"tenant_id", SD_JSON_INT, 0, tid, 1, INT64_MAX},
        {"facility", SD_JSON_STR, 0, fac, 0, 64},
        {"name", SD_JSON_STR, SD_JSON_REQ, name, 1, 128},
        {"entries", SD_JSON_ARR, SD_JSON_REQ, entries, 0, 0},
    };
    int rc = sd_json_fields(b, f, sizeof f / sizeof *f, SD_JSON_STRICT, &e);
    if (!rc)
        rc = sd_contact_entries_parse(*entries, NULL, NULL, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return rc;
    }
    if (**fac) {
        sd_stmt_t *s = NULL;
        rc = sd_store_query_row(pf->store,
                                "SELECT id FROM facilities WHERE tenant_id = $1 AND code = $2",
                                SD_PARAMS(SD_V_INT(*tid), SD_V_TEXT(*fac)), &s);
        sd_stmt_done(s);
        if (rc == SD_ENOTFOUND) {
            sd_http_reply_error(req, SD_EFIELD, "facility", "no facility with this code");
            return SD_EFIELD;
        }
        if (rc) {
            sd_api_reply_rc(req, rc);
            return rc;
        }
    }
    return 0;
}

static int reply_one(sd_http_req_t *req, sd_pf_t *pf, int status, int64_t id)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT " COLS " FROM contact_lists WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return sd_api_reply_rc(req, rc);
    json_t *o = list_json(s);
    sd_stmt_done(s);
    return sd_http_reply_json(req, status, o);
}

static void h_submit(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    json_t *b = NULL;
    if (!who) {
        sd_http_reply_error(req, SD_EUNAUTH, NULL, NULL);
        return;
    }
    int64_t tid = who->tenant_id, id = 0;
    const char *fac = "", *name = NULL;
    json_t *entries = NULL;
    if (sd_api_body(req, &b))
        return;
    /* who may submit for the named tenant is decided before the body is judged */
    json_t *jt = json_object_get(b, "tenant_id");
    sd_scope_t sc = {.tenant_id = json_is_integer(jt) ? json_integer_value(jt) : tid,
                     .org_id = who->org_id};
    if (sd_api_require(req, SD_ACT_CONTACT_SUBMIT, &sc))
        goto out;
    if (check_body(req, pf, b, &tid, &fac, &name, &entries))
        goto out;
    char *txt = json_dumps(entries, JSON_COMPACT);
    int rc = txt ? sd_store_begin(pf->store) : SD_ENOMEM;
    if (!rc)
        rc = sd_store_insert(pf->store,
                             "INSERT INTO contact_lists (tenant_id, org_id, facility, name, "
                             "entries, status, submitted_by, submitted_at) VALUES ($1, $2, $3, "
                             "$4, $5, 'submitted', $6, $7) RETURNING id",
                             SD_PARAMS(SD_V_INT(tid), SD_V_INT(who->org_id), SD_V_TEXT(fac),
                                       SD_V_TEXT(name), SD_V_TEXT(txt), SD_V_INT(who->subject_id),
                                       SD_V_INT(sd_pf_now_ms(pf))),
                             &id);
    char obj[48], detail[160];
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)id);
    snprintf(detail, sizeof detail, "{\"entries\":%zu}", json_array_size(entries));
    if (!rc)
        rc = sd_api_audit_req(pf, req, tid, "contact.submit", obj, detail);
    if (!rc)
        rc = sd_store_commit(pf->store);
    else if (txt)
        sd_store_rollback(pf->store);
    free(txt);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_one(req, pf, 201, id);
out:
    json_decref(b);
}

/* Load the list of the path's id and check the caller may do act on it (404 when it may not
 * even read it). *status is the list's status (static storage). */
static int load(sd_http_req_t *req, sd_pf_t *pf, sd_action_t act, int64_t *id, int64_t *tid,
                int64_t *submitter, char status[16], char facility[72])
{
    if (sd_api_param_id(req, "id", id))
        return SD_ENOTFOUND;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT tenant_id, org_id, status, submitted_by, facility "
                                "FROM contact_lists WHERE id = $1",
                                SD_PARAMS(SD_V_INT(*id)), &s);
    if (rc)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = sd_stmt_int64(s, 0), .org_id = sd_stmt_int64(s, 1)};
    *tid = sc.tenant_id;
    snprintf(status, 16, "%s", sd_stmt_text(s, 2, NULL));
    *submitter = sd_stmt_int64(s, 3);
    snprintf(facility, 72, "%s", sd_stmt_text(s, 4, NULL));
    sd_stmt_done(s);
    return sd_api_require_visible(req, SD_ACT_CONTACT_READ, act, &sc);
}

static void h_update(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tid, by;
    char status[16], fac0[72];
    if (load(req, pf, SD_ACT_CONTACT_SUBMIT, &id, &tid, &by, status, fac0))
        return;
    if (!strcmp(status, "approved") || !strcmp(status, "superseded")) {
        sd_http_reply_error(req, SD_ECONFLICT, "status",
                            "an approved list is not changed: submit a new list for the same "
                            "scope, which replaces it once approved");
        return;
    }
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    int64_t btid = tid;
    const char *fac = "", *name = NULL;
    json_t *entries = NULL;
    if (check_body(req, pf, b, &btid, &fac, &name, &entries))
        goto out;
    if (btid != tid) {
        sd_http_reply_error(req, SD_EFIELD, "tenant_id", "a list cannot move to another tenant");
        goto out;
    }
    char *txt = json_dumps(entries, JSON_COMPACT);
    const sd_principal_t *who = sd_api_principal(req);
    int rc = txt ? sd_store_begin(pf->store) : SD_ENOMEM;
    if (!rc)
        rc = sd_store_exec(pf->store,
                           "UPDATE contact_lists SET facility = $1, name = $2, entries = $3, "
                           "status = 'submitted', submitted_by = $4, submitted_at = $5, "
                           "decided_by = 0, decided_at = 0, reason = '' WHERE id = $6",
                           SD_PARAMS(SD_V_TEXT(fac), SD_V_TEXT(name), SD_V_TEXT(txt),
                                     SD_V_INT(who->subject_id), SD_V_INT(sd_pf_now_ms(pf)),
                                     SD_V_INT(id)),
                           NULL);
    char obj[48];
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)id);
    if (!rc)
        rc = sd_api_audit_req(pf, req, tid, "contact.update", obj, NULL);
    if (!rc)
        rc = sd_store_commit(pf->store);
    else if (txt)
        sd_store_rollback(pf->store);
    free(txt);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_one(req, pf, 200, id);
out:
    json_decref(b);
}

static void h_delete(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tid, by;
    char status[16], fac[72], obj[48], detail[64];
    if (load(req, pf, SD_ACT_CONTACT_SUBMIT, &id, &tid, &by, status, fac))
        return;
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)id);
    snprintf(detail, sizeof detail, "{\"status\":\"%s\"}", status);
    int rc = sd_store_begin(pf->store);
    if (!rc)
        rc = sd_store_exec(pf->store, "DELETE FROM contact_lists WHERE id = $1",
                           SD_PARAMS(SD_V_INT(id)), NULL);
    if (!rc)
        rc = sd_api_audit_req(pf, req, tid, "contact.delete", obj, detail);
    if (!rc)
        rc = sd_store_commit(pf->store);
    else
        sd_store_rollback(pf->store);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_empty(req, 204);
}

static void decide(sd_http_req_t *req, sd_pf_t *pf, int approve)
{
    int64_t id, tid, by;
    char status[16], fac[72], obj[48];
    if (load(req, pf, SD_ACT_CONTACT_APPROVE, &id, &tid, &by, status, fac))
        return;
    json_t *b = NULL;
    const char *reason = "";
    size_t blen = 0;
    sd_http_req_body(req, &blen);
    if (blen) {
        sd_json_err_t je;
        if (sd_api_body(req, &b))
            return;
        sd_json_field_t f[] = {{"reason", SD_JSON_STR, 0, &reason, 0, 512}};
        if (sd_json_fields(b, f, 1, SD_JSON_STRICT, &je)) {
            sd_http_reply_json_error(req, SD_EFIELD, &je);
            json_decref(b);
            return;
        }
    }
    const sd_principal_t *who = sd_api_principal(req);
    int rc = 0;
    if (strcmp(status, "submitted") != 0) {
        sd_http_reply_error(req, SD_ECONFLICT, "status", "the list is %s, not waiting for a "
                            "decision", status);
        goto out;
    }
    if (by == who->subject_id) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL,
                            "the submitter of a contact list cannot decide on it (four eyes)");
        goto out;
    }
    snprintf(obj, sizeof obj, "contact_list:%lld", (long long)id);
    int64_t now = sd_pf_now_ms(pf);
    rc = sd_store_begin(pf->store);
    /* one approved list per scope: the new one replaces the old in the same transaction */
    if (!rc && approve)
        rc = sd_store_exec(pf->store,
                           "UPDATE contact_lists SET status = 'superseded' WHERE tenant_id = $1 "
                           "AND facility = $2 AND status = 'approved'",
                           SD_PARAMS(SD_V_INT(tid), SD_V_TEXT(fac)), NULL);
    if (!rc)
        rc = sd_store_exec(pf->store,
                           "UPDATE contact_lists SET status = $1, decided_by = $2, decided_at = $3, "
                           "reason = $4 WHERE id = $5 AND status = 'submitted'",
                           SD_PARAMS(SD_V_TEXT(approve ? "approved" : "rejected"),
                                     SD_V_INT(who->subject_id), SD_V_INT(now), SD_V_TEXT(reason),
                                     SD_V_INT(id)),
                           NULL);
    if (!rc)
        rc = sd_api_audit_req(pf, req, tid, approve ? "contact.approve" : "contact.reject", obj,
                             NULL);
    if (!rc)
        rc = sd_store_commit(pf->store);
    else
        sd_store_rollback(pf->store);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_one(req, pf, 200, id);
out:
    json_decref(b);
}

static void h_approve(sd_http_req_t *req, void *ctx)
{
    decide(req, ctx, 1);
}

static void h_reject(sd_http_req_t *req, void *ctx)
{
    decide(req, ctx, 0);
}

int sd_contact_routes(sd_pf_t *pf)
{
    static const struct {
        const char *method, *pattern;
        sd_http_handler_fn fn;
    } routes[] = {
        {"GET", "/api/v1/contacts", h_list},
        {"POST", "/api/v1/contacts", h_submit},
        {"PUT", "/api/v1/contacts/{id}", h_update},
        {"DELETE", "/api/v1/contacts/{id}", h_delete},
        {"POST", "/api/v1/contacts/{id}/approve", h_approve},
        {"POST", "/api/v1/contacts/{id}/reject", h_reject},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        int rc = sd_http_route(pf->http, routes[i].method, routes[i].pattern, routes[i].fn, pf,
                               NULL);
        if (rc)
            return rc;
    }
    return 0;
}
