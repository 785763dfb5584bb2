/* bulletin.c - HTTP for the bulletin board (掲示板): posts, read marks, attachments as downloads.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/download.h"
#include "api/routes.h"
#include "core/err.h"
#include "gwif/gwif.h"
#include "pf/desk/bulletin.h"

#define TITLE_MAX 200
#define BODY_MAX  20000

/* The post of path parameter "id", readable by the caller now (replies 404 otherwise). */
static int post_seen(sd_http_req_t *req, sd_bulletin_t *b, sd_action_t act, sd_bulletin_info_t *p)
{
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return SD_ENOTFOUND;
    int rc = sd_bulletin_info(b, id, p);
    if (rc == SD_ENOTFOUND) {
        /* first what the caller may do at all (401), then that there is no such post */
        sd_scope_t home = sd_api_home(req);
        if (sd_api_require(req, SD_ACT_PORTAL_READ, &home) == 0)
            sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return rc;
    }
    if (rc)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = p->tenant_id};
    if ((rc = sd_api_require_visible(req, SD_ACT_PORTAL_READ, act, &sc)) != 0)
        return rc;
    const sd_principal_t *who = sd_api_principal(req);
    if (!sd_bulletin_may_see(who, p, sd_pf_now_ms(sd_bulletin_pf(b)))) {
        sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    return 0;
}

/* A post the caller may change: bulletin.post on its board, and its own or bulletin.manage. */
static int post_changeable(sd_http_req_t *req, sd_bulletin_t *b, sd_bulletin_info_t *p)
{
    int rc = post_seen(req, b, SD_ACT_BULLETIN_POST, p);
    if (rc)
        return rc;
    const sd_principal_t *who = sd_api_principal(req);
    if (who->subject_id == p->author_id)
        return 0;
    sd_scope_t sc = {.tenant_id = p->tenant_id};
    return sd_api_require(req, SD_ACT_BULLETIN_MANAGE, &sc);
}

/* valid_from / valid_until: an ISO 8601 time with zone, or null / "" (= now / no end). */
static int get_time(const json_t *b, const char *name, int64_t *out, sd_json_err_t *e)
{
    json_t *v = json_object_get(b, name);
    if (!v)
        return 0;
    if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
        *out = 0;
        return 0;
    }
    if (!json_is_string(v) || sd_ts_parse_time(json_string_value(v), out))
        return sd_json_err_set(e, name, "expected ISO 8601 time with zone, or null");
    return 0;
}

/* The fields of a POST (create) or PATCH body into f; replies 400 on failure. */
static int read_fields(sd_http_req_t *req, const json_t *b, bool create, int64_t *tenant,
                       sd_bulletin_fields_t *f)
{
    sd_json_err_t e;
    sd_json_field_t fl[] = {
        {"category", SD_JSON_STR, create ? SD_JSON_REQ : 0, &f->category, 1, 20},
        {"title", SD_JSON_STR, create ? SD_JSON_REQ : 0, &f->title, 1, TITLE_MAX},
        {"body", SD_JSON_STR, 0, &f->body, 0, BODY_MAX},
        {"valid_from", SD_JSON_ANY, 0, NULL, 0, 0},
        {"valid_until", SD_JSON_ANY, 0, NULL, 0, 0},
        {"tenant_id", SD_JSON_INT, 0, tenant, 1, INT64_MAX},
    };
    int rc = sd_json_fields(b, fl, create ? 6 : 5, SD_JSON_STRICT, &e);
    if (!rc && f->category && !sd_bulletin_category_ok(f->category))
        rc = sd_json_err_set(&e, "category", "expected notice, failure or maintenance");
    if (!rc && f->title && strpbrk(f->title, "\r\n"))
        rc = sd_json_err_set(&e, "title", "one line");
    if (!rc)
        rc = get_time(b, "valid_from", &f->valid_from, &e);
    if (!rc)
        rc = get_time(b, "valid_until", &f->valid_until, &e);
    if (!rc && f->valid_until > 0 && f->valid_from > 0 && f->valid_until <= f->valid_from)
        rc = sd_json_err_set(&e, "valid_until", "must be after valid_from");
    if (rc)
        sd_http_reply_json_error(req, rc, &e);
    return rc;
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = sd_api_home(req);
    int64_t tid = 0;
    if (sd_api_query_int(req, "tenant_id", 1, INT64_MAX, &tid))
        return;
    if (tid)
        sc.tenant_id = tid;
    if (sd_api_require(req, SD_ACT_PORTAL_READ, &sc))
        return;
    const char *cat = sd_http_req_query(req, "category"), *all = sd_http_req_query(req, "all");
    if (cat && *cat && !sd_bulletin_category_ok(cat)) {
        sd_http_reply_error(req, SD_EFIELD, "category", "expected notice, failure or maintenance");
        return;
    }
    if (all && strcmp(all, "0") && strcmp(all, "1")) {
        sd_http_reply_error(req, SD_EFIELD, "all", "expected 0 or 1");
        return;
    }
    json_t *items = NULL;
    int rc =
        sd_bulletin_list(b, who, tid, cat && *cat ? cat : NULL, all && !strcmp(all, "1"), &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", items));
}

static void h_unread(sd_http_req_t *req, void *ctx)
{
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_PORTAL_READ, &home))
        return;
    int64_t n = 0;
    int rc = sd_bulletin_unread(ctx, sd_api_principal(req), &n);
    sd_api_reply_result(req, rc, 200, sd_json_pack("{s:I}", "unread", (json_int_t)n));
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    sd_scope_t sc = sd_api_home(req);
    json_t *body = NULL;
    if (sd_api_require(req, SD_ACT_PORTAL_READ, &sc) || sd_api_body(req, &body))
        return;
    sd_bulletin_fields_t f = {0};
    int64_t tid = sc.tenant_id, id = 0;
    if (read_fields(req, body, true, &tid, &f)) {
        json_decref(body);
        return;
    }
    sc = (sd_scope_t){.tenant_id = tid};
    if (sd_api_require(req, SD_ACT_BULLETIN_POST, &sc)) {
        json_decref(body);
        return;
    }
    int rc = sd_bulletin_create(b, sd_api_principal(req), tid, &f, &id);
    json_t *o = NULL;
    if (!rc)
        rc = sd_bulletin_get(b, sd_api_principal(req), id, &o);
    sd_api_reply_result(req, rc, 201, o);
    json_decref(body);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    sd_bulletin_info_t p;
    if (post_seen(req, b, SD_ACT_PORTAL_READ, &p))
        return;
    json_t *o = NULL;
    int rc = sd_bulletin_get(b, sd_api_principal(req), p.id, &o);
    sd_api_reply_result(req, rc, 200, o);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    sd_bulletin_info_t p;
    json_t *body = NULL;
    if (post_changeable(req, b, &p) || sd_api_body(req, &body))
        return;
    sd_bulletin_fields_t f = {.valid_from = -1, .valid_until = -1};
    int64_t tid = 0;
    if (read_fields(req, body, false, &tid, &f)) {
        json_decref(body);
        return;
    }
    int64_t from = f.valid_from >= 0 ? f.valid_from : p.valid_from;
    int64_t until = f.valid_until >= 0 ? f.valid_until : p.valid_until;
    if (f.valid_from == 0)
        f.valid_from = sd_pf_now_ms(sd_bulletin_pf(b)), from = f.valid_from;
    if (until > 0 && until <= from) {
        sd_http_reply_error(req, SD_EFIELD, "valid_until", "must be after valid_from");
        json_decref(body);
        return;
    }
    int rc = sd_bulletin_update(b, sd_api_principal(req), p.id, &f);
    json_t *o = NULL;
    if (!rc)
        rc = sd_bulletin_get(b, sd_api_principal(req), p.id, &o);
    sd_api_reply_result(req, rc, 200, o);
    json_decref(body);
}

static void h_delete(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    sd_bulletin_info_t p;
    if (post_changeable(req, b, &p))
        return;
    int rc = sd_bulletin_delete(b, sd_api_principal(req), p.id);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_empty(req, 204);
}

static void h_read(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    sd_bulletin_info_t p;
    if (post_seen(req, b, SD_ACT_PORTAL_READ, &p))
        return;
    int rc = sd_bulletin_mark_read(b, sd_api_principal(req), p.id);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_empty(req, 204);
}

/* ---- attachments: streamed in, served as downloads ------------------------------------------- */

typedef struct {
    sd_objstore_put_t *up;
    int64_t id;
    char name[SD_OBJ_SEG_MAX + 1];
} upload_t;

static void upload_free(void *p)
{
    upload_t *u = p;
    sd_objstore_put_free(u->up);
    free(u);
}

static void reply_quota(sd_http_req_t *req, sd_bulletin_t *b)
{
    sd_http_reply_json(req, 413,
                       sd_json_pack("{s:{s:s,s:s,s:s},s:I}", "error", "code", "quota_exceeded",
                                    "message", "the tenant's file quota would be exceeded", "field",
                                    "body", "quota",
                                    (json_int_t)sd_objstore_quota(sd_bulletin_objstore(b))));
}

/* The upload of req, started on first use after every check (replies and NULL on refusal). */
static upload_t *upload_of(sd_http_req_t *req, sd_bulletin_t *b)
{
    upload_t *u = sd_http_req_data(req);
    if (u)
        return u;
    sd_bulletin_info_t p;
    if (post_changeable(req, b, &p))
        return NULL;
    const char *name = sd_http_req_query(req, "name"), *why = NULL;
    size_t off = 0;
    if (sd_objpath_check_name(name, name ? strlen(name) : 0, &why, &off)) {
        sd_http_reply_error(req, SD_EFIELD, "name", "%s (at byte %zu)", why ? why : "required",
                            off);
        return NULL;
    }
    int64_t room = 0;
    int rc = sd_bulletin_attach_room(b, p.tenant_id, &room);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return NULL;
    }
    const char *cl = sd_http_req_header(req, "Content-Length");
    if (cl && strtoll(cl, NULL, 10) > room) {
        reply_quota(req, b);
        return NULL;
    }
    if (!(u = calloc(1, sizeof *u))) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return NULL;
    }
    u->id = p.id;
    snprintf(u->name, sizeof u->name, "%s", name);
    rc = sd_objstore_put_begin(sd_bulletin_objstore(b), p.tenant_id, room == INT64_MAX ? -1 : room,
                               &u->up);
    if (rc) {
        free(u);
        sd_api_reply_rc(req, rc);
        return NULL;
    }
    sd_http_req_set_data(req, u, upload_free);
    return u;
}

static int on_body(sd_http_req_t *req, const void *data, size_t len, void *ctx)
{
    upload_t *u = upload_of(req, ctx);
    if (!u)
        return SD_EINVAL; /* already replied */
    int rc = sd_objstore_put_write(u->up, data, len);
    if (rc == SD_ETOOBIG)
        reply_quota(req, ctx);
    else if (rc)
        sd_api_reply_rc(req, rc);
    return rc;
}

static void h_attach(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    upload_t *u = upload_of(req, b); /* an empty body never called on_body */
    if (!u)
        return;
    sd_objstore_put_t *up = u->up;
    u->up = NULL; /* taken by attach */
    json_t *o = NULL;
    int rc = sd_bulletin_attach(b, sd_api_principal(req), u->id, u->name, up, &o);
    if (rc == SD_ETOOBIG)
        reply_quota(req, b);
    else
        sd_api_reply_result(req, rc, 201, o);
}

static void h_attachment(sd_http_req_t *req, void *ctx)
{
    sd_bulletin_t *b = ctx;
    sd_bulletin_info_t p;
    int64_t att;
    if (post_seen(req, b, SD_ACT_PORTAL_READ, &p) || sd_api_param_id(req, "att", &att))
        return;
    char name[SD_OBJ_SEG_MAX + 1], sha[SD_OBJ_SHA256_HEX];
    sd_objstore_blob_t *blob = NULL;
    int64_t size = 0;
    int rc = sd_bulletin_attachment(b, p.id, att, name, sizeof name, sha, &size, &blob);
    if (!rc) /* user content: a download, never a page; streamed */
        rc = sd_api_reply_blob(req, blob, size, sha, name);
    if (rc)
        sd_api_reply_rc(req, rc);
}

int sd_bulletin_routes(sd_http_server_t *http, sd_bulletin_t *b)
{
    const sd_http_route_opts_t stream = {.max_body = SIZE_MAX, .on_body = on_body};
    int rc = sd_http_route(http, "GET", "/api/v1/bulletin", h_list, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/bulletin", h_create, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/bulletin/unread", h_unread, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/bulletin/{id}", h_get, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "PATCH", "/api/v1/bulletin/{id}", h_patch, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "DELETE", "/api/v1/bulletin/{id}", h_delete, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/bulletin/{id}/read", h_read, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/bulletin/{id}/attachments", h_attach, b, &stream);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/bulletin/{id}/attachments/{att}", h_attachment, b,
                           NULL);
    return rc;
}
