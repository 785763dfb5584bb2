/* maint.c - HTTP for the maintenance workplace (issue 12): facilities and their contractor,
 * monthly plans and visits, checklist templates, inspections, defects. Every object's scope is
 * {its tenant, the tenant's contractor}: operator staff read and instruct in their tenant, the
 * contractor's users (vendor roles, O cells) read and record only where their organisation is
 * the contractor of a tenant it serves. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/accounts/org.h"
#include "pf/accounts/user.h"
#include "pf/maint/defect.h"
#include "pf/maint/inspection.h"
#include "pf/maint/plan.h"
#include "pf/maint/staff.h"

/* The facility numbered by text s (query or body), checked for read (404) and act (403). */
static int load_facility(sd_http_req_t *req, sd_pf_t *pf, const char *field, int64_t id,
                         sd_action_t act, sd_maint_facility_t *f)
{
    if (id <= 0)
        return sd_http_reply_error(req, SD_EFIELD, field, "required: a facility id");
    int rc = sd_maint_facility(pf, id, f);
    if (rc == SD_ENOTFOUND)
        return sd_http_reply_error(req, SD_ENOTFOUND, field, "no such facility");
    if (rc)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = f->tenant_id, .org_id = f->contractor};
    return sd_api_require_visible(req, SD_ACT_MAINT_READ, act, &sc);
}

/* ?tenant_id= (default: the caller's home tenant) as a list scope {tenant, its contractor}. */
static int list_tenant(sd_http_req_t *req, sd_pf_t *pf, int64_t *tid)
{
    const sd_principal_t *who = sd_api_principal(req);
    *tid = who ? who->tenant_id : 0;
    if (sd_api_query_int(req, "tenant_id", 1, INT64_MAX, tid))
        return SD_EFIELD;
    int64_t org = 0;
    int rc = *tid > 0 ? sd_maint_contractor(pf, *tid, &org) : 0;
    if (rc)
        return sd_api_reply_rc(req, rc);
    /* one's own home tenant may always be listed (a vendor's holds no facilities); the items
     * are filtered by their own scope either way */
    if (who && *tid == who->tenant_id)
        org = who->org_id;
    sd_scope_t sc = {.tenant_id = *tid, .org_id = org};
    return sd_api_require(req, SD_ACT_MAINT_READ, &sc);
}

static void h_facilities(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid;
    if (list_tenant(req, pf, &tid))
        return;
    sd_pf_items_t items;
    int rc = sd_maint_facilities(pf, tid, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_MAINT_READ, &items);
}

static void h_contractor(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, org = 0;
    json_t *b = NULL;
    if (sd_api_param_id(req, "tenant", &tid))
        return;
    sd_scope_t sc = {.tenant_id = tid};
    if (sd_api_require(req, SD_ACT_TENANT_MANAGE, &sc) || sd_api_body(req, &b))
        return;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"org_id", SD_JSON_INT, SD_JSON_REQ, &org, 1, INT64_MAX}};
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    json_decref(b);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    sd_org_kind_t kind;
    rc = sd_org_lookup(pf, org, NULL, &kind);
    if (rc == SD_ENOTFOUND ||
        (!rc && kind != SD_ORG_KIND_AP_VENDOR && kind != SD_ORG_KIND_GW_VENDOR)) {
        sd_http_reply_error(req, SD_EFIELD, "org_id", "no such vendor organisation");
        return;
    }
    if (!rc && (rc = sd_org_serves(pf, org, tid)) == SD_ENOTFOUND) {
        sd_http_reply_error(req, SD_EFIELD, "org_id",
                            "the organisation does not serve tenant %" PRId64, tid);
        return;
    }
    if (!rc)
        rc = sd_maint_contractor_set(pf, sd_api_principal(req), tid, org);
    sd_api_reply_result(
        req, rc, 200,
        sd_json_pack("{s:I,s:I}", "tenant_id", (json_int_t)tid, "org_id", (json_int_t)org));
}

static void h_plan_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t fid = 0;
    sd_maint_facility_t f;
    const char *month = sd_http_req_query(req, "month");
    char def[8];
    if (sd_api_query_int(req, "facility", 1, INT64_MAX, &fid) ||
        load_facility(req, pf, "facility", fid, SD_ACT_MAINT_READ, &f))
        return;
    if (!month) {
        char today[11];
        sd_maint_today(pf, today);
        snprintf(def, sizeof def, "%.7s", today);
        month = def;
    }
    if (sd_maint_month_check(month)) {
        sd_http_reply_error(req, SD_EFIELD, "month", "expected YYYY-MM");
        return;
    }
    json_t *o = NULL;
    int rc = sd_maint_plan_get(pf, &f, month, &o);
    sd_api_reply_result(req, rc, 200, o);
}

static void h_plan_post(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    json_t *b = NULL;
    if (!sd_api_principal(req)) {
        sd_http_reply_error(req, SD_EUNAUTH, NULL, NULL);
        return;
    }
    if (sd_api_body(req, &b))
        return;
    int64_t fid = 0, annual = 0;
    const char *month = NULL;
    sd_json_err_t e;
    sd_json_field_t fl[] = {
        {"facility", SD_JSON_INT, SD_JSON_REQ, &fid, 1, INT64_MAX},
        {"month", SD_JSON_STR, SD_JSON_REQ, &month, 7, 7},
        {"annual_month", SD_JSON_INT, 0, &annual, 1, 12},
    };
    int rc = sd_json_fields(b, fl, 3, SD_JSON_STRICT, &e);
    if (!rc && sd_maint_month_check(month))
        rc = sd_json_err_set(&e, "month", "expected YYYY-MM");
    sd_maint_facility_t f;
    if (rc)
        sd_http_reply_json_error(req, rc, &e);
    else if (!load_facility(req, pf, "facility", fid, SD_ACT_MAINT_RECORD, &f)) {
        int n = 0;
        rc = sd_maint_plan_generate(pf, sd_api_principal(req), &f, month, (int)annual, &n);
        if (rc == SD_ECONFLICT)
            sd_http_reply_error(req, rc, "month", "%s is already planned for this facility", month);
        else if (rc == SD_EFIELD)
            sd_http_reply_error(req, rc, "facility", "facility type %s has no cycles", f.type);
        else if (rc)
            sd_api_reply_rc(req, rc);
        else if (!(rc = sd_maint_facility(pf, fid, &f))) {
            json_t *o = NULL;
            rc = sd_maint_plan_get(pf, &f, month, &o);
            sd_api_reply_result(req, rc, 201, o);
        } else
            sd_api_reply_rc(req, rc);
    }
    json_decref(b);
}

static void h_visit_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, fid;
    int done;
    if (sd_api_param_id(req, "id", &id))
        return;
    int rc = sd_maint_visit_facility(pf, id, &fid, &done);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_maint_facility_t f;
    if (load_facility(req, pf, "id", fid, SD_ACT_MAINT_RECORD, &f))
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *on = NULL;
    sd_json_err_t e;
    sd_json_field_t fl[] = {{"planned_on", SD_JSON_STR, SD_JSON_REQ, &on, 10, 10}};
    rc = sd_json_fields(b, fl, 1, SD_JSON_STRICT, &e);
    if (!rc && sd_maint_date_check(on))
        rc = sd_json_err_set(&e, "planned_on", "expected a date YYYY-MM-DD");
    if (rc)
        sd_http_reply_json_error(req, rc, &e);
    else if (done)
        sd_http_reply_error(req, SD_ECONFLICT, "planned_on", "the visit is already recorded");
    else {
        char month[8];
        snprintf(month, sizeof month, "%.7s", on);
        rc = sd_maint_visit_move(pf, sd_api_principal(req), f.tenant_id, id, on);
        json_t *o = NULL;
        if (!rc)
            rc = sd_maint_plan_get(pf, &f, month, &o);
        sd_api_reply_result(req, rc, 200, o);
    }
    json_decref(b);
}

static void h_templates(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    const char *cycle = sd_http_req_query(req, "cycle");
    /* templates are the contract's, the same for every tenant: anyone who may read some
     * tenant's maintenance work may read them */
    sd_scope_t home = sd_api_home(req);
    if (who && sd_policy_rule(who->role, SD_ACT_MAINT_READ) == SD_SCOPE_ORG)
        home.org_id = who->org_id;
    if (sd_api_require(req, SD_ACT_MAINT_READ, &home))
        return;
    if (cycle && sd_maint_cycle_check(cycle)) {
        sd_http_reply_error(req, SD_EFIELD, "cycle", "one of daily, monthly, quarterly, yearly");
        return;
    }
    json_t *a = NULL;
    int rc = sd_maint_templates(pf, cycle, &a);
    sd_api_reply_result(req, rc, 200, rc ? NULL : sd_json_pack("{s:o}", "items", a));
}

/* Who records which inspection follows the 業務区分 of 別紙3; replies 403 (or 400) and returns
 * non-zero when the caller's duty does not allow cycle. */
static int may_record(sd_http_req_t *req, sd_pf_t *pf, const char *cycle)
{
    static const char *const ja[] = {"manager", "管理技術者", "chief",  "主任技術者", "engineer",
                                     "技術者",  "technician", "技術員", "worker",     "作業員"};
    if (sd_maint_cycle_check(cycle))
        return sd_http_reply_error(req, SD_EFIELD, "cycle",
                                   "one of daily, monthly, quarterly, "
                                   "yearly");
    char duty[16] = "";
    int rc = sd_maint_staff_duty(pf, sd_api_principal(req)->subject_id, duty);
    if (rc && rc != SD_ENOTFOUND)
        return sd_api_reply_rc(req, rc);
    if (!sd_maint_duty_may(rc ? NULL : duty, cycle))
        return 0;
    const char *label = "なし (none)";
    for (int i = 0; i < 10; i += 2)
        if (!strcmp(duty, ja[i]))
            label = ja[i + 1];
    return sd_http_reply_error(req, SD_EFORBIDDEN, "cycle",
                               "業務区分 %s (%s) may not record a %s inspection (別紙3)", label,
                               *duty ? duty : "none set", cycle);
}

static void h_insp_post(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    json_t *b = NULL, *answers = NULL, *end = NULL;
    if (!sd_api_principal(req)) {
        sd_http_reply_error(req, SD_EUNAUTH, NULL, NULL);
        return;
    }
    if (sd_api_body(req, &b))
        return;
    int64_t fid = 0, tpl = 0, visit = 0, done_at = 0;
    const char *cycle = NULL, *remarks = "";
    sd_json_err_t e;
    sd_json_field_t fl[] = {
        {"facility", SD_JSON_INT, SD_JSON_REQ, &fid, 1, INT64_MAX},
        {"cycle", SD_JSON_STR, SD_JSON_REQ, &cycle, 1, 16},
        {"template_id", SD_JSON_INT, SD_JSON_REQ, &tpl, 1, INT64_MAX},
        {"visit_id", SD_JSON_INT, 0, &visit, 1, INT64_MAX},
        {"done_at", SD_JSON_INT, 0, &done_at, 946684800000, 32503680000000},
        {"remarks", SD_JSON_STR, 0, &remarks, 0, 4000},
        {"answers", SD_JSON_ARR, SD_JSON_REQ, &answers, 0, 0},
        {"end_checks", SD_JSON_OBJ, SD_JSON_REQ, &end, 0, 0},
    };
    int rc = sd_json_fields(b, fl, sizeof fl / sizeof *fl, SD_JSON_STRICT, &e);
    sd_maint_facility_t f;
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
    } else if (!load_facility(req, pf, "facility", fid, SD_ACT_MAINT_RECORD, &f) &&
               !may_record(req, pf, cycle)) {
        sd_maint_record_t r = {.facility = &f,
                               .cycle = cycle,
                               .remarks = remarks,
                               .template_id = tpl,
                               .visit_id = visit,
                               .done_at = done_at,
                               .answers = answers,
                               .end_checks = end};
        int64_t id = 0;
        rc = sd_maint_inspection_record(pf, sd_api_principal(req), &r, &e, &id);
        if (rc == SD_EFIELD) {
            sd_http_reply_json_error(req, rc, &e);
        } else {
            json_t *o = NULL;
            if (!rc)
                rc = sd_maint_inspection_get(pf, id, &o);
            sd_api_reply_result(req, rc, 201, o);
        }
    }
    json_decref(b);
}

static void h_insp_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, fid = 0;
    const char *month = sd_http_req_query(req, "month");
    if (list_tenant(req, pf, &tid) || sd_api_query_int(req, "facility", 1, INT64_MAX, &fid))
        return;
    if (month && sd_maint_month_check(month)) {
        sd_http_reply_error(req, SD_EFIELD, "month", "expected YYYY-MM");
        return;
    }
    sd_pf_items_t items;
    int rc = sd_maint_inspection_list(pf, tid, fid, month, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_MAINT_READ, &items);
}

static void h_insp_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, fid;
    sd_maint_facility_t f;
    if (sd_api_param_id(req, "id", &id))
        return;
    int rc = sd_maint_inspection_facility(pf, id, &fid);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (load_facility(req, pf, "id", fid, SD_ACT_MAINT_READ, &f))
        return;
    json_t *o = NULL;
    rc = sd_maint_inspection_get(pf, id, &o);
    sd_api_reply_result(req, rc, 200, o);
}

static void h_defect_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, fid = 0;
    const char *st = sd_http_req_query(req, "status");
    if (list_tenant(req, pf, &tid) || sd_api_query_int(req, "facility", 1, INT64_MAX, &fid))
        return;
    if (st && sd_maint_defect_status_check(st)) {
        sd_http_reply_error(req, SD_EFIELD, "status",
                            "one of awaiting, estimating, considering, arranged, done");
        return;
    }
    sd_pf_items_t items;
    int rc = sd_maint_defect_list(pf, tid, fid, st, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_MAINT_READ, &items);
}

static void h_defect_post(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    json_t *b = NULL;
    if (!sd_api_principal(req)) {
        sd_http_reply_error(req, SD_EUNAUTH, NULL, NULL);
        return;
    }
    if (sd_api_body(req, &b))
        return;
    int64_t fid = 0;
    const char *place = NULL, *desc = NULL, *urgency = "normal";
    sd_json_err_t e;
    sd_json_field_t fl[] = {
        {"facility", SD_JSON_INT, SD_JSON_REQ, &fid, 1, INT64_MAX},
        {"place", SD_JSON_STR, SD_JSON_REQ, &place, 1, 200},
        {"description", SD_JSON_STR, SD_JSON_REQ, &desc, 1, 4000},
        {"urgency", SD_JSON_STR, 0, &urgency, 1, 16},
    };
    int rc = sd_json_fields(b, fl, sizeof fl / sizeof *fl, SD_JSON_STRICT, &e);
    if (!rc && sd_maint_urgency_check(urgency))
        rc = sd_json_err_set(&e, "urgency", "one of high, normal, low");
    sd_maint_facility_t f;
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
    } else if (!load_facility(req, pf, "facility", fid, SD_ACT_MAINT_RECORD, &f)) {
        sd_maint_defect_new_t d = {.tenant_id = f.tenant_id,
                                   .facility_id = f.id,
                                   .place = place,
                                   .description = desc,
                                   .urgency = urgency};
        int64_t id = 0;
        json_t *o = NULL;
        rc = sd_maint_defect_create(pf, sd_api_principal(req), &d, &id);
        if (!rc)
            rc = sd_maint_defect_get(pf, id, &o);
        sd_api_reply_result(req, rc, 201, o);
    }
    json_decref(b);
}

/* The path's defect, checked for read (404); its tenant and facility. */
static int load_defect(sd_http_req_t *req, sd_pf_t *pf, int64_t *id, sd_maint_facility_t *f)
{
    int64_t tid, fid;
    if (sd_api_param_id(req, "id", id))
        return SD_ENOTFOUND;
    int rc = sd_maint_defect_where(pf, *id, &tid, &fid);
    if (rc)
        return sd_api_reply_rc(req, rc);
    return load_facility(req, pf, "id", fid, SD_ACT_MAINT_READ, f);
}

static void h_defect_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    sd_maint_facility_t f;
    if (load_defect(req, pf, &id, &f))
        return;
    json_t *o = NULL;
    int rc = sd_maint_defect_get(pf, id, &o);
    sd_api_reply_result(req, rc, 200, o);
}

static void h_defect_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    sd_maint_facility_t f;
    if (load_defect(req, pf, &id, &f))
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *status = NULL, *instr = NULL, *on = NULL, *note = "";
    sd_json_err_t e;
    sd_json_field_t fl[] = {
        {"status", SD_JSON_STR, 0, &status, 1, 16},
        {"instruction", SD_JSON_STR, 0, &instr, 1, 16},
        {"instruction_on", SD_JSON_STR, 0, &on, 10, 10},
        {"note", SD_JSON_STR, 0, &note, 0, 2000},
    };
    int rc = sd_json_fields(b, fl, sizeof fl / sizeof *fl, SD_JSON_STRICT, &e);
    if (!rc && status && sd_maint_defect_status_check(status))
        rc = sd_json_err_set(&e, "status",
                             "one of awaiting, estimating, considering, arranged, done");
    if (!rc && instr && sd_maint_instruction_check(instr))
        rc = sd_json_err_set(&e, "instruction", "one of repair, watch, other");
    if (!rc && on && sd_maint_date_check(on))
        rc = sd_json_err_set(&e, "instruction_on", "expected a date YYYY-MM-DD");
    if (!rc && on && !instr)
        rc = sd_json_err_set(&e, "instruction_on", "goes with an instruction");
    if (!rc && !status && !instr && !*note)
        rc = sd_json_err_set(&e, "", "nothing to change");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    /* the 修繕要望 status is the contractor's to report, the instruction the utility's to give;
     * a note alone needs either */
    sd_scope_t sc = {.tenant_id = f.tenant_id, .org_id = f.contractor};
    const sd_principal_t *who = sd_api_principal(req);
    if ((status && sd_api_require(req, SD_ACT_MAINT_RECORD, &sc)) ||
        (instr && sd_api_require(req, SD_ACT_MAINT_INSTRUCT, &sc)) ||
        (!status && !instr && sd_policy_check(who, SD_ACT_MAINT_RECORD, &sc) &&
         sd_api_require(req, SD_ACT_MAINT_INSTRUCT, &sc))) {
        json_decref(b);
        return;
    }
    char today[11];
    sd_maint_today(pf, today);
    rc = sd_maint_defect_update(pf, who, f.tenant_id, id, status, instr,
                                instr ? (on ? on : today) : NULL, note);
    json_t *o = NULL;
    if (!rc)
        rc = sd_maint_defect_get(pf, id, &o);
    sd_api_reply_result(req, rc, 200, o);
    json_decref(b);
}

static void h_staff_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t org = 0;
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_USER_READ, &home) ||
        sd_api_query_int(req, "org_id", 1, INT64_MAX, &org))
        return;
    sd_pf_items_t items;
    int rc = sd_maint_staff_list(pf, org, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_USER_READ, &items);
}

/* A person's 業務区分: set by an administrator of their own organisation (or the platform). */
static void h_staff_put(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t uid;
    sd_scope_t sc;
    sd_role_t role;
    if (sd_api_param_id(req, "user", &uid))
        return;
    int rc = sd_user_scope(pf, uid, &sc, &role);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require_visible(req, SD_ACT_USER_READ, SD_ACT_USER_MANAGE, &sc))
        return;
    const sd_principal_t *who = sd_api_principal(req);
    if (who->role != SD_ROLE_PLATFORM_ADMIN && who->org_id != sc.org_id) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL, "not a person of your organisation");
        return;
    }
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *duty = NULL;
    sd_json_err_t e;
    sd_json_field_t fl[] = {{"duty", SD_JSON_STR, SD_JSON_REQ, &duty, 1, 16}};
    rc = sd_json_fields(b, fl, 1, SD_JSON_STRICT, &e);
    if (!rc && sd_maint_duty_check(duty))
        rc = sd_json_err_set(&e, "duty", "one of manager, chief, engineer, technician, worker");
    if (!rc && role != SD_ROLE_APVENDOR_GENERAL && role != SD_ROLE_APVENDOR_ADMIN &&
        role != SD_ROLE_GWVENDOR_GENERAL && role != SD_ROLE_GWVENDOR_ADMIN)
        rc = sd_json_err_set(&e, "duty", "only a contractor's (vendor) user has a 業務区分");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
    } else {
        rc = sd_maint_staff_set(pf, who, uid, sc.org_id, sc.tenant_id, duty);
        sd_api_reply_result(req, rc, 200,
                            sd_json_pack("{s:I,s:I,s:s}", "user_id", (json_int_t)uid, "org_id",
                                         (json_int_t)sc.org_id, "duty", duty));
    }
    json_decref(b);
}

int sd_maint_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    static const struct {
        const char *method, *path;
        void (*fn)(sd_http_req_t *, void *);
    } r[] = {
        {"GET", "/api/v1/maint/facilities", h_facilities},
        {"PUT", "/api/v1/maint/contractors/{tenant}", h_contractor},
        {"GET", "/api/v1/maint/plan", h_plan_get},
        {"POST", "/api/v1/maint/plan", h_plan_post},
        {"PATCH", "/api/v1/maint/visits/{id}", h_visit_patch},
        {"GET", "/api/v1/maint/templates", h_templates},
        {"GET", "/api/v1/maint/inspections", h_insp_list},
        {"POST", "/api/v1/maint/inspections", h_insp_post},
        {"GET", "/api/v1/maint/inspections/{id}", h_insp_get},
        {"GET", "/api/v1/maint/defects", h_defect_list},
        {"POST", "/api/v1/maint/defects", h_defect_post},
        {"GET", "/api/v1/maint/defects/{id}", h_defect_get},
        {"PATCH", "/api/v1/maint/defects/{id}", h_defect_patch},
        {"GET", "/api/v1/maint/staff", h_staff_list},
        {"PUT", "/api/v1/maint/staff/{user}", h_staff_put},
    };
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof r / sizeof *r; i++)
        rc = sd_http_route(http, r[i].method, r[i].path, r[i].fn, pf, NULL);
    return rc;
}
