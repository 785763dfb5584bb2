/* files.c - HTTP for AP-IF #14-16 files: streamed uploads, downloads, listing, deletion. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/download.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/data/doc.h"
#include "pf/data/objstore.h"
#include "pf/desk/inquiry.h"

#define LIST_MAX 1000

typedef struct {
    sd_pf_t *pf;
    sd_objstore_t *os;
} fctx_t;

/* An upload in progress, kept in the request's data slot between body chunks. */
typedef struct {
    sd_objstore_put_t *up;
    int64_t tid;
    char path[SD_OBJ_PATH_MAX + 1];
} upload_t;

static void upload_free(void *p)
{
    upload_t *u = p;
    sd_objstore_put_free(u->up);
    free(u);
}

/* The caller's home tenant checked for act (replies on failure). */
static int file_tenant(sd_http_req_t *req, sd_action_t act, int64_t *tid)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, act, &sc);
    if (!rc)
        *tid = sc.tenant_id;
    return rc;
}

/* Paths the platform keeps in the tenant's store for itself (inquiry attachments): an
 * application neither reads, lists, replaces nor deletes them. */
static int reserved(const char *p)
{
    return !strncmp(p, SD_INQUIRY_PATH_PREFIX, strlen(SD_INQUIRY_PATH_PREFIX));
}

/*
 * The file path of the request, or reply 400 and NULL. The router has percent-decoded it, so an
 * encoded '/' or '\' would pass as a separator: those are refused on the raw path first.
 */
static const char *file_path(sd_http_req_t *req)
{
    const char *raw = sd_http_req_path(req), *p = sd_http_req_param(req, "path");
    for (const char *s = raw ? strchr(raw, '%') : NULL; s; s = strchr(s + 1, '%'))
        if (!strncasecmp(s, "%2f", 3) || !strncasecmp(s, "%5c", 3)) {
            sd_http_reply_error(req, SD_EFIELD, "path", "encoded '/' or '\\' is not allowed");
            return NULL;
        }
    const char *why = NULL;
    size_t off = 0;
    if (sd_objpath_check(p, p ? strlen(p) : 0, &why, &off)) {
        sd_http_reply_error(req, SD_EFIELD, "path", "%s (at byte %zu)", why, off);
        return NULL;
    }
    if (reserved(p)) {
        sd_http_reply_error(req, SD_EFIELD, "path", "paths under %s are the platform's",
                            SD_INQUIRY_PATH_PREFIX);
        return NULL;
    }
    return p;
}

static void reply_quota(sd_http_req_t *req, const sd_objstore_t *os)
{
    sd_http_reply_json(req, 413,
                       sd_json_pack("{s:{s:s,s:s,s:s},s:I}", "error", "code", "quota_exceeded",
                                    "message", "the tenant's file quota would be exceeded", "field",
                                    "body", "quota", (json_int_t)sd_objstore_quota(os)));
}

/* The upload of req, started on first use (replies and returns NULL on refusal). */
static upload_t *upload_of(sd_http_req_t *req, fctx_t *fc)
{
    upload_t *u = sd_http_req_data(req);
    if (u)
        return u;
    int64_t tid, room = 0;
    if (file_tenant(req, SD_ACT_FILE_WRITE, &tid))
        return NULL;
    const char *path = file_path(req);
    if (!path)
        return NULL;
    int rc = sd_objstore_room(fc->os, tid, path, &room);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return NULL;
    }
    const char *cl = sd_http_req_header(req, "Content-Length");
    if (cl && strtoll(cl, NULL, 10) > room) {
        reply_quota(req, fc->os);
        return NULL;
    }
    if (!(u = calloc(1, sizeof *u))) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return NULL;
    }
    u->tid = tid;
    snprintf(u->path, sizeof u->path, "%s", path);
    if ((rc = sd_objstore_put_begin(fc->os, tid, room == INT64_MAX ? -1 : room, &u->up)) != 0) {
        free(u);
        sd_api_reply_rc(req, rc);
        return NULL;
    }
    sd_http_req_set_data(req, u, upload_free);
    return u;
}

static int on_body(sd_http_req_t *req, const void *data, size_t len, void *ctx)
{
    fctx_t *fc = ctx;
    upload_t *u = upload_of(req, fc);
    if (!u)
        return SD_EINVAL; /* already replied */
    int rc = sd_objstore_put_write(u->up, data, len);
    if (rc == SD_ETOOBIG)
        reply_quota(req, fc->os);
    else if (rc)
        sd_api_reply_rc(req, rc);
    return rc;
}

static json_t *info_json(const char *path, const sd_objstore_info_t *in)
{
    return sd_json_pack("{s:s,s:I,s:s,s:I}", "path", path, "size", (json_int_t)in->size, "sha256",
                        in->sha256, "updated_at", (json_int_t)in->updated_ms);
}

static void h_put(sd_http_req_t *req, void *ctx)
{
    fctx_t *fc = ctx;
    upload_t *u = upload_of(req, fc); /* an empty body never called on_body */
    if (!u)
        return;
    sd_objstore_info_t in = {0};
    int created = 0;
    sd_objstore_put_t *up = u->up;
    u->up = NULL; /* commit frees it */
    int rc = sd_objstore_commit(fc->os, up, u->tid, u->path, sd_pf_now_ms(fc->pf), &in, &created);
    if (rc == SD_ETOOBIG) {
        reply_quota(req, fc->os);
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char obj[64 + SD_OBJ_PATH_MAX], det[128];
    snprintf(obj, sizeof obj, "file:%s", u->path);
    snprintf(det, sizeof det, "{\"size\":%" PRId64 ",\"sha256\":\"%s\"}", in.size, in.sha256);
    sd_api_audit_req(fc->pf, req, u->tid, "file.put", obj, det);
    sd_http_reply_header(req, "X-Content-SHA256", in.sha256);
    sd_http_reply_json(req, created ? 201 : 200, info_json(u->path, &in));
}

static void h_list(sd_http_req_t *req, void *ctx);

static void h_get(sd_http_req_t *req, void *ctx)
{
    fctx_t *fc = ctx;
    int64_t tid;
    const char *rest = sd_http_req_param(req, "path");
    if (!rest || !*rest) { /* the router gives "/apif/v1/files" to "{path*}" with an empty rest */
        h_list(req, ctx);
        return;
    }
    if (file_tenant(req, SD_ACT_FILE_READ, &tid))
        return;
    const char *path = file_path(req);
    if (!path)
        return;
    sd_objstore_info_t in;
    int rc = sd_objstore_stat(fc->os, tid, path, &in);
    if (!rc) {
        /* the content hash is the strong ETag; X-Content-SHA256 says it without quotes */
        sd_http_reply_header(req, "X-Content-SHA256", in.sha256);
        /* user content from the portal's origin: a download, never a page that runs; streamed */
        rc = sd_api_reply_blob_of(req, fc->os, tid, in.sha256, in.size, path);
    }
    if (rc == SD_ENOTFOUND)
        sd_http_reply_error(req, rc, "path", "no such file");
    else if (rc)
        sd_api_reply_rc(req, rc);
}

static void h_delete(sd_http_req_t *req, void *ctx)
{
    fctx_t *fc = ctx;
    int64_t tid;
    if (file_tenant(req, SD_ACT_FILE_WRITE, &tid))
        return;
    const char *path = file_path(req);
    if (!path)
        return;
    int rc = sd_objstore_delete(fc->os, tid, path);
    if (rc == SD_ENOTFOUND) {
        sd_http_reply_error(req, rc, "path", "no such file");
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char obj[64 + SD_OBJ_PATH_MAX];
    snprintf(obj, sizeof obj, "file:%s", path);
    sd_api_audit_req(fc->pf, req, tid, "file.delete", obj, NULL);
    sd_http_reply_empty(req, 204);
}

static int add_item(const char *path, const sd_objstore_info_t *in, void *ctx)
{
    if (reserved(path))
        return 0;
    return json_array_append_new(ctx, info_json(path, in)) ? SD_ENOMEM : 0;
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    fctx_t *fc = ctx;
    int64_t tid, used = 0;
    if (file_tenant(req, SD_ACT_FILE_READ, &tid))
        return;
    const char *prefix = sd_http_req_query(req, "prefix"), *after = sd_http_req_query(req, "after");
    const char *l = sd_http_req_query(req, "limit"), *why = NULL;
    size_t off = 0;
    if (prefix && sd_objpath_check_prefix(prefix, strlen(prefix), &why, &off)) {
        sd_http_reply_error(req, SD_EFIELD, "prefix", "%s (at byte %zu)", why, off);
        return;
    }
    char *end = NULL;
    long long limit = l ? strtoll(l, &end, 10) : LIST_MAX;
    if (l && (limit < 1 || limit > LIST_MAX || end == l || *end)) {
        sd_http_reply_error(req, SD_EFIELD, "limit", "limit must be 1 to 1000");
        return;
    }
    json_t *items = json_array();
    int rc = items ? sd_objstore_list(fc->os, tid, prefix, after, (int)limit, add_item, items)
                   : SD_ENOMEM;
    if (!rc)
        rc = sd_objstore_usage(fc->os, tid, &used);
    if (rc) {
        json_decref(items);
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:o,s:I,s:I}", "items", items, "usage", (json_int_t)used,
                                    "quota", (json_int_t)sd_objstore_quota(fc->os)));
}

int sd_api_file_routes(sd_http_server_t *http, sd_pf_t *pf, sd_objstore_t *os)
{
    /* lives as long as the server: suidod registers once per process */
    static fctx_t fc;
    fc = (fctx_t){pf, os};
    const sd_http_route_opts_t stream = {.max_body = SIZE_MAX, .on_body = on_body};
    int rc = sd_http_route(http, "PUT", "/apif/v1/files/{path*}", h_put, &fc, &stream);
    if (!rc)
        rc = sd_http_route(http, "GET", "/apif/v1/files/{path*}", h_get, &fc, NULL);
    if (!rc)
        rc = sd_http_route(http, "DELETE", "/apif/v1/files/{path*}", h_delete, &fc, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/apif/v1/files", h_list, &fc, NULL);
    return rc;
}

int sd_api_object_routes(sd_http_server_t *http, sd_pf_t *pf, sd_objstore_t *os)
{
    int rc = sd_api_doc_routes(http, pf);
    if (!rc)
        rc = sd_api_file_routes(http, pf, os);
    return rc;
}
