/* contact.c - HTTP: contact lists (連絡体制表) submitted, approved (four eyes), withdrawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/notify/contact.h"

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    /* with the org: a vendor reads only its own organisation's (contact.read is O for it) */
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0, .org_id = who ? who->org_id : 0};
    const char *ts = sd_http_req_query(req, "tenant_id");
    int64_t tid = ts ? strtoll(ts, NULL, 10) : 0;
    if (tid > 0)
        home.tenant_id = tid;
    if (sd_api_require(req, SD_ACT_CONTACT_READ, &home))
        return;
    sd_pf_items_t items;
    int rc = sd_contact_lists(pf, tid, &items);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_api_reply_items(req, SD_ACT_CONTACT_READ, &items);
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
        rc = sd_contact_facility_check(pf, *tid, *fac);
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
    json_t *o = NULL;
    int rc = sd_contact_list_json(pf, id, &o);
    if (rc)
        return sd_api_reply_rc(req, rc);
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
    int rc = sd_contact_submit(pf, who, tid, fac, name, entries, &id);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_one(req, pf, 201, id);
out:
    json_decref(b);
}

/* Load the list of the path's id and check the caller may do act on it (404 when it may not
 * even read it). */
static int load(sd_http_req_t *req, sd_pf_t *pf, sd_action_t act, sd_contact_info_t *info)
{
    int64_t id;
    memset(info, 0, sizeof *info);
    if (sd_api_param_id(req, "id", &id))
        return SD_ENOTFOUND;
    int rc = sd_contact_list_info(pf, id, info);
    if (rc) {
        sd_contact_info_free(info);
        return sd_api_reply_rc(req, rc);
    }
    sd_scope_t sc = {.tenant_id = info->tenant_id, .org_id = info->org_id};
    rc = sd_api_require_visible(req, SD_ACT_CONTACT_READ, act, &sc);
    if (rc)
        sd_contact_info_free(info);
    return rc;
}

static void h_update(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_contact_info_t info;
    if (load(req, pf, SD_ACT_CONTACT_SUBMIT, &info))
        return;
    int64_t id = info.id, tid = info.tenant_id;
    int frozen = !strcmp(info.status, "approved") || !strcmp(info.status, "superseded");
    sd_contact_info_free(&info);
    if (frozen) {
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
    int rc = sd_contact_update(pf, sd_api_principal(req), tid, id, fac, name, entries);
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
    sd_contact_info_t info;
    if (load(req, pf, SD_ACT_CONTACT_SUBMIT, &info))
        return;
    int rc = sd_contact_delete(pf, sd_api_principal(req), info.tenant_id, info.id, info.status);
    sd_contact_info_free(&info);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_empty(req, 204);
}

static void decide(sd_http_req_t *req, sd_pf_t *pf, int approve)
{
    sd_contact_info_t info;
    if (load(req, pf, SD_ACT_CONTACT_APPROVE, &info))
        return;
    json_t *b = NULL;
    const char *reason = "";
    size_t blen = 0;
    sd_http_req_body(req, &blen);
    if (blen) {
        sd_json_err_t je;
        if (sd_api_body(req, &b))
            goto out;
        sd_json_field_t f[] = {{"reason", SD_JSON_STR, 0, &reason, 0, 512}};
        if (sd_json_fields(b, f, 1, SD_JSON_STRICT, &je)) {
            sd_http_reply_json_error(req, SD_EFIELD, &je);
            goto out;
        }
    }
    const sd_principal_t *who = sd_api_principal(req);
    if (strcmp(info.status, "submitted") != 0) {
        sd_http_reply_error(req, SD_ECONFLICT, "status",
                            "the list is %s, not waiting for a "
                            "decision",
                            info.status);
        goto out;
    }
    if (info.submitted_by == who->subject_id) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL,
                            "the submitter of a contact list cannot decide on it (four eyes)");
        goto out;
    }
    int rc = sd_contact_decide(pf, who, info.tenant_id, info.id, info.facility, approve, reason);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_one(req, pf, 200, info.id);
out:
    sd_contact_info_free(&info);
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

int sd_contact_routes(sd_http_server_t *http, sd_pf_t *pf)
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
        int rc = sd_http_route(http, routes[i].method, routes[i].pattern, routes[i].fn, pf, NULL);
        if (rc)
            return rc;
    }
    return 0;
}
