/* notify.c - HTTP: the notification log, test messages and drills of a contact list. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/notify/contact.h"
#include "pf/notify/notify.h"

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    /* with the org: a vendor reads only its own organisation's (contact.read is O for it) */
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0, .org_id = who ? who->org_id : 0};
    const char *ts = sd_http_req_query(req, "tenant_id"), *ls = sd_http_req_query(req, "limit");
    int64_t tid = ts ? strtoll(ts, NULL, 10) : 0;
    long limit = ls ? strtol(ls, NULL, 10) : 100;
    if (limit < 1 || limit > 1000)
        limit = 100;
    if (tid > 0)
        home.tenant_id = tid;
    if (sd_api_require(req, SD_ACT_CONTACT_READ, &home))
        return;
    sd_pf_items_t items;
    int rc = sd_notify_list(n, tid, (int)limit, &items);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_api_reply_items(req, SD_ACT_CONTACT_READ, &items);
}

/* POST /api/v1/notifications/test {"list_id", "order"?, "drill"?} */
static void h_test(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    int64_t lid = 0, order = 0;
    bool drill = false;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"list_id", SD_JSON_INT, SD_JSON_REQ, &lid, 1, INT64_MAX},
                           {"order", SD_JSON_INT, 0, &order, 1, 9},
                           {"drill", SD_JSON_BOOL, 0, &drill, 0, 0}};
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    json_decref(b);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    sd_contact_info_t li;
    rc = sd_contact_list_info(sd_notify_pf(n), lid, &li);
    if (rc == SD_ENOTFOUND) {
        sd_http_reply_error(req, rc, "list_id", NULL);
        return;
    }
    if (rc) {
        sd_contact_info_free(&li);
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {.tenant_id = li.tenant_id, .org_id = li.org_id};
    if (sd_api_require_visible(req, SD_ACT_CONTACT_READ, SD_ACT_CONTACT_SUBMIT, &sc))
        goto out;
    const sd_principal_t *who = sd_api_principal(req);
    if (drill) {
        /* a drill runs the ladder in force, so only an approved list */
        if (strcmp(li.status, "approved") != 0) {
            sd_http_reply_error(req, SD_ECONFLICT, "list_id",
                                "a drill needs an approved list (this one is %s)", li.status);
            goto out;
        }
        int64_t did = 0;
        int queued = 0;
        rc = sd_notify_drill(n, who, sc.tenant_id, lid, li.name, li.entries, &did, &queued);
        if (rc) {
            sd_api_reply_rc(req, rc);
            goto out;
        }
        sd_http_reply_json(
            req, 202, sd_json_pack("{s:I,s:i}", "drill_id", (json_int_t)did, "queued", queued));
        goto out;
    }
    json_t *ids = NULL;
    rc = sd_notify_test(n, who, sc.tenant_id, lid, li.name, li.entries, (int)order, &ids);
    if (rc) {
        sd_api_reply_rc(req, rc);
        goto out;
    }
    sd_http_reply_json(req, 202, sd_json_pack("{s:o}", "ids", ids));
out:
    sd_contact_info_free(&li);
}

/* POST /api/v1/notifications/drills/{id}/ack: whoever sees the tenant's lists may answer. */
static void h_drill_ack(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    int64_t id, tid = 0;
    if (sd_api_param_id(req, "id", &id))
        return;
    char state[16];
    int rc = sd_notify_drill_state(n, id, &tid, state);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {.tenant_id = tid};
    if (sd_api_require_visible(req, SD_ACT_CONTACT_READ, SD_ACT_CONTACT_READ, &sc))
        return;
    if (strcmp(state, "active") != 0) {
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "the drill is already %s", state);
        return;
    }
    rc = sd_notify_drill_ack(n, sd_api_principal(req), sc.tenant_id, id);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:s}", "drill_id", (json_int_t)id, "state", "acked"));
}

int sd_notify_routes(sd_http_server_t *http, sd_notify_t *n)
{
    int rc = sd_http_route(http, "GET", "/api/v1/notifications", h_list, n, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/notifications/test", h_test, n, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/notifications/drills/{id}/ack", h_drill_ack, n,
                           NULL);
    return rc;
}
