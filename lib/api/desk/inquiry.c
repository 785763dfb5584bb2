/* inquiry.c - HTTP for inquiries (問い合わせ対応, 表2-1 No.2): list and search, open, read, reply,
 * change status, attach and download files. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/download.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/desk/inquiry.h"

#define FILE_MAX ((int64_t)20 * 1024 * 1024) /* bytes of one attachment */

typedef struct {
    sd_pf_t *pf;
    sd_notify_t *n;
    sd_objstore_t *os;
} ictx_t;

static const char *const STATUS_WHY = "one of received, in_progress, answered, closed";
static const char *const CATEGORY_WHY = "one of usage, failure, account, data, request, other";

static void reply_inquiry(sd_http_req_t *req, sd_pf_t *pf, int status, int64_t id)
{
    json_t *o = NULL;
    int rc = sd_inquiry_get(pf, id, &o);
    if (o)
        sd_http_reply_json(req, status, o);
    else
        sd_api_reply_rc(req, rc);
}

/* The path's inquiry, visible to the caller for inquiry.read (else 404) and allowed act (403). */
static int load(sd_http_req_t *req, ictx_t *c, sd_action_t act, sd_inquiry_ref_t *ref)
{
    int64_t id;
    if (sd_api_param_id(req, "id", &id))
        return SD_ENOTFOUND;
    int rc = sd_inquiry_ref(c->pf, id, ref);
    if (rc)
        return sd_api_reply_rc(req, rc);
    if (!sd_inquiry_visible(sd_api_principal(req), ref)) {
        sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    sd_scope_t sc = sd_inquiry_scope(ref);
    return sd_api_require_visible(req, SD_ACT_INQUIRY_READ, act, &sc);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0, .org_id = who ? who->org_id : 0};
    if (sd_api_require(req, SD_ACT_INQUIRY_READ, &home))
        return;
    sd_inquiry_filter_t f = {.status = sd_http_req_query(req, "status"),
                             .category = sd_http_req_query(req, "category"),
                             .q = sd_http_req_query(req, "q")};
    if (f.status && *f.status && sd_inquiry_status_check(f.status)) {
        sd_http_reply_error(req, SD_EFIELD, "status", "%s", STATUS_WHY);
        return;
    }
    if (f.category && *f.category && sd_inquiry_category_check(f.category)) {
        sd_http_reply_error(req, SD_EFIELD, "category", "%s", CATEGORY_WHY);
        return;
    }
    if (f.q && strlen(f.q) > 200) {
        sd_http_reply_error(req, SD_EFIELD, "q", "at most 200 bytes");
        return;
    }
    sd_scope_rule_t r = sd_policy_rule(who->role, SD_ACT_INQUIRY_READ);
    if (r == SD_SCOPE_ANY) {
        f.platform_only = 1; /* the platform operator: what is addressed to it */
    } else {
        f.tenant = who->tenant_id; /* inquiries live in their opener's home tenant */
        if (r == SD_SCOPE_ORG)
            f.org = who->org_id;
    }
    sd_pf_items_t items;
    int rc = sd_inquiry_list(c->pf, &f, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_INQUIRY_READ, &items);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0, .org_id = who ? who->org_id : 0};
    if (sd_api_require(req, SD_ACT_INQUIRY_CREATE, &home))
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *addressee = NULL, *category = NULL, *subject = NULL, *body = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {
        {"addressee", SD_JSON_STR, SD_JSON_REQ, &addressee, 1, 16},
        {"category", SD_JSON_STR, SD_JSON_REQ, &category, 1, 16},
        {"subject", SD_JSON_STR, SD_JSON_REQ, &subject, 1, 200},
        {"body", SD_JSON_STR, SD_JSON_REQ, &body, 1, 10000},
    };
    int rc = sd_json_fields(b, f, sizeof f / sizeof *f, SD_JSON_STRICT, &e);
    if (!rc && strcmp(addressee, "platform") && strcmp(addressee, "tenant"))
        rc = sd_json_err_set(&e, "addressee", "one of platform, tenant");
    if (!rc && sd_inquiry_category_check(category))
        rc = sd_json_err_set(&e, "category", "%s", CATEGORY_WHY);
    if (!rc && sd_inquiry_text_check(subject))
        rc = sd_json_err_set(&e, "subject", "no control characters (one line)");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    int64_t id = 0;
    rc = sd_inquiry_create(c->pf, c->n, who, addressee, category, subject, body, &id);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_inquiry(req, c->pf, 201, id);
    json_decref(b);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    sd_inquiry_ref_t ref;
    if (!load(req, c, SD_ACT_INQUIRY_READ, &ref))
        reply_inquiry(req, c->pf, 200, ref.id);
}

static void h_reply(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    sd_inquiry_ref_t ref;
    if (load(req, c, SD_ACT_INQUIRY_MANAGE, &ref))
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *body = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"body", SD_JSON_STR, SD_JSON_REQ, &body, 1, 10000}};
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
    } else if ((rc = sd_inquiry_reply(c->pf, c->n, sd_api_principal(req), &ref, body, NULL))) {
        if (rc == SD_ECONFLICT)
            sd_http_reply_error(req, rc, "status", "a closed inquiry takes no replies");
        else
            sd_api_reply_rc(req, rc);
    } else {
        reply_inquiry(req, c->pf, 201, ref.id);
    }
    json_decref(b);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    sd_inquiry_ref_t ref;
    if (load(req, c, SD_ACT_INQUIRY_MANAGE, &ref))
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *to = NULL, *note = "";
    sd_json_err_t e;
    sd_json_field_t f[] = {{"status", SD_JSON_STR, SD_JSON_REQ, &to, 1, 16},
                           {"note", SD_JSON_STR, 0, &note, 0, 10000}};
    int rc = sd_json_fields(b, f, 2, SD_JSON_STRICT, &e);
    if (!rc && sd_inquiry_status_check(to))
        rc = sd_json_err_set(&e, "status", "%s", STATUS_WHY);
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    const sd_principal_t *who = sd_api_principal(req);
    rc = sd_inquiry_set_status(c->pf, c->n, who, &ref, to, note);
    if (rc == SD_ECONFLICT)
        sd_http_reply_error(req, rc, "status", "cannot go from %s to %s as the %s", ref.status, to,
                            sd_inquiry_is_answerer(who, &ref) ? "answering party"
                                                              : "requester (who may only close)");
    else if (rc)
        sd_api_reply_rc(req, rc);
    else
        reply_inquiry(req, c->pf, 200, ref.id);
    json_decref(b);
}

/* ---- files: streamed into the object store under the inquiry's reserved path ------------- */

typedef struct {
    sd_objstore_put_t *up;
    sd_inquiry_ref_t ref;
    char name[256];
} upload_t;

static void upload_free(void *p)
{
    upload_t *u = p;
    sd_objstore_put_free(u->up);
    free(u);
}

static void reply_quota(sd_http_req_t *req, int64_t limit)
{
    sd_http_reply_json(req, 413,
                       sd_json_pack("{s:{s:s,s:s,s:s},s:I}", "error", "code", "too_large",
                                    "message",
                                    "the file is too large (20 MiB) or the tenant's quota is full",
                                    "field", "body", "limit", (json_int_t)limit));
}

static upload_t *upload_of(sd_http_req_t *req, ictx_t *c)
{
    upload_t *u = sd_http_req_data(req);
    if (u)
        return u;
    sd_inquiry_ref_t ref;
    if (load(req, c, SD_ACT_INQUIRY_MANAGE, &ref))
        return NULL;
    const char *name = sd_http_req_query(req, "name"), *why = NULL;
    size_t off = 0;
    if (!name || sd_objpath_check_name(name, strlen(name), &why, &off)) {
        sd_http_reply_error(req, SD_EFIELD, "name", "%s (at byte %zu)",
                            name ? why : "the file name is required (?name=)", off);
        return NULL;
    }
    if (!strcmp(ref.status, "closed")) {
        sd_http_reply_error(req, SD_ECONFLICT, "status", "a closed inquiry takes no files");
        return NULL;
    }
    int64_t room = 0;
    int rc = sd_objstore_room(c->os, ref.tenant_id, NULL, &room);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return NULL;
    }
    if (room > FILE_MAX)
        room = FILE_MAX;
    const char *cl = sd_http_req_header(req, "Content-Length");
    if (cl && strtoll(cl, NULL, 10) > room) {
        reply_quota(req, room);
        return NULL;
    }
    if (!(u = calloc(1, sizeof *u))) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return NULL;
    }
    u->ref = ref;
    snprintf(u->name, sizeof u->name, "%s", name);
    if ((rc = sd_objstore_put_begin(c->os, ref.tenant_id, room, &u->up)) != 0) {
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
        reply_quota(req, FILE_MAX);
    else if (rc)
        sd_api_reply_rc(req, rc);
    return rc;
}

static void h_attach(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    upload_t *u = upload_of(req, c);
    if (!u)
        return;
    if (sd_objstore_put_size(u->up) == 0) {
        sd_http_reply_error(req, SD_EFIELD, "body", "the file is empty");
        return;
    }
    char path[128];
    sd_inquiry_file_path(u->ref.id, path, sizeof path);
    sd_objstore_info_t in = {0};
    int created = 0;
    sd_objstore_put_t *up = u->up;
    u->up = NULL; /* commit frees it */
    int rc =
        sd_objstore_commit(c->os, up, u->ref.tenant_id, path, sd_pf_now_ms(c->pf), &in, &created);
    int64_t fid = 0;
    if (!rc)
        rc = sd_inquiry_attach(c->pf, sd_api_principal(req), &u->ref, u->name, path, in.size,
                               in.sha256, &fid);
    if (rc == SD_ETOOBIG)
        reply_quota(req, FILE_MAX);
    else if (rc == SD_ECONFLICT)
        sd_http_reply_error(req, rc, "status", "a closed inquiry takes no files");
    else if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 201,
                           sd_json_pack("{s:I,s:s,s:I,s:s}", "id", (json_int_t)fid, "name", u->name,
                                        "size", (json_int_t)in.size, "sha256", in.sha256));
}

static void h_download(sd_http_req_t *req, void *ctx)
{
    ictx_t *c = ctx;
    sd_inquiry_ref_t ref;
    int64_t fid;
    if (load(req, c, SD_ACT_INQUIRY_READ, &ref) || sd_api_param_id(req, "fid", &fid))
        return;
    char name[1024], path[1024];
    sd_objstore_info_t in;
    int rc = sd_inquiry_file(c->pf, ref.id, fid, name, path);
    if (!rc)
        rc = sd_objstore_stat(c->os, ref.tenant_id, path, &in);
    if (!rc) /* user content: a download, never a page; streamed */
        rc = sd_api_reply_blob_of(req, c->os, ref.tenant_id, in.sha256, in.size, name);
    if (rc == SD_ENOTFOUND)
        sd_http_reply_error(req, rc, "fid", "no such file");
    else if (rc)
        sd_api_reply_rc(req, rc);
}

int sd_inquiry_routes(sd_http_server_t *http, sd_pf_t *pf, sd_notify_t *n, sd_objstore_t *os)
{
    static ictx_t c; /* lives as long as the server: suidod registers once per process */
    c = (ictx_t){pf, n, os};
    const sd_http_route_opts_t stream = {.max_body = FILE_MAX + 1, .on_body = on_body};
    static const struct {
        const char *method, *pattern;
        sd_http_handler_fn fn;
    } routes[] = {
        {"GET", "/api/v1/inquiries", h_list},
        {"POST", "/api/v1/inquiries", h_create},
        {"GET", "/api/v1/inquiries/{id}", h_get},
        {"PATCH", "/api/v1/inquiries/{id}", h_patch},
        {"POST", "/api/v1/inquiries/{id}/replies", h_reply},
        {"GET", "/api/v1/inquiries/{id}/files/{fid}", h_download},
    };
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof routes / sizeof *routes; i++)
        rc = sd_http_route(http, routes[i].method, routes[i].pattern, routes[i].fn, &c, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/inquiries/{id}/files", h_attach, &c, &stream);
    return rc;
}
