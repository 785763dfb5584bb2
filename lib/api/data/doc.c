/* doc.c - HTTP for AP-IF #11-13 documents: create, read, list, update and delete by version.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/data/doc.h"

#define LIST_DEFAULT 100
#define LIST_MAX     1000

/* The caller's home tenant checked for act, and the collection of the path (replies on failure). */
static int doc_scope(sd_http_req_t *req, sd_action_t act, int64_t *tid, const char **coll)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, act, &sc);
    if (rc)
        return rc;
    *tid = sc.tenant_id;
    *coll = sd_http_req_param(req, "name");
    if (sd_doc_collection_check(*coll)) {
        sd_http_reply_error(req, SD_EFIELD, "collection", "collection names are [a-z0-9_-]{1,64}");
        return SD_EFIELD;
    }
    return 0;
}

/* The body as compact JSON text (malloc'ed), or reply 400/413 and NULL. */
static char *body_text(sd_http_req_t *req)
{
    json_t *o = NULL;
    if (sd_api_body(req, &o))
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(o);
    if (!s)
        sd_http_reply_error(req, SD_ENOMEM, NULL, NULL);
    else if (strlen(s) > SD_DOC_MAX_BYTES) {
        sd_http_reply_error(req, SD_ETOOBIG, NULL, "a document is at most 256 KiB of JSON");
        free(s);
        s = NULL;
    }
    return s;
}

/* The If-Match version (replies 428 when missing, 400 when malformed). */
static int if_match(sd_http_req_t *req, int64_t *version)
{
    const char *v = sd_http_req_header(req, "If-Match");
    if (!v) {
        sd_http_reply_json(
            req, 428,
            sd_json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "precondition_required", "message",
                         "send If-Match with the document's version", "field", "If-Match"));
        return SD_EINVAL;
    }
    if (sd_doc_if_match(v, version)) {
        sd_http_reply_error(req, SD_EFIELD, "If-Match", "If-Match must be a version like \"3\"");
        return SD_EFIELD;
    }
    return 0;
}

static void set_etag(sd_http_req_t *req, int64_t version)
{
    char e[32];
    snprintf(e, sizeof e, "\"%" PRId64 "\"", version);
    sd_http_reply_header(req, "ETag", e);
}

/* The reply after a failed change: 409 with the current version, or the plain error. */
static void reply_fail(sd_http_req_t *req, int rc, int64_t current)
{
    if (rc != SD_ECONFLICT) {
        sd_api_reply_rc(req, rc);
        return;
    }
    set_etag(req, current);
    sd_http_reply_json(
        req, 409,
        sd_json_pack("{s:{s:s,s:s,s:s},s:I}", "error", "code", "version_mismatch", "message",
                     "the document was changed: read it again and retry with its version", "field",
                     "If-Match", "current_version", (json_int_t)current));
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, id = 0;
    const char *coll;
    if (doc_scope(req, SD_ACT_DOC_WRITE, &tid, &coll))
        return;
    char *body = body_text(req);
    if (!body)
        return;
    int rc = sd_doc_add(pf, sd_api_principal(req), tid, coll, body, &id);
    free(body);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    set_etag(req, 1);
    sd_http_reply_json(
        req, 201,
        sd_json_pack("{s:I,s:s,s:i}", "id", (json_int_t)id, "collection", coll, "version", 1));
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, id, version = 0, cr = 0, up = 0;
    const char *coll;
    if (doc_scope(req, SD_ACT_DOC_READ, &tid, &coll) || sd_api_param_id(req, "id", &id))
        return;
    char *body = NULL;
    int rc = sd_doc_get(pf->store, pf->secret_key, tid, coll, id, &body, &version, &cr, &up);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *data = json_loads(body, 0, NULL);
    free(body);
    set_etag(req, version);
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:s,s:I,s:I,s:I,s:o}", "id", (json_int_t)id, "collection",
                                    coll, "version", (json_int_t)version, "created_at",
                                    (json_int_t)cr, "updated_at", (json_int_t)up, "data",
                                    data ? data : json_object()));
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid;
    const char *coll;
    if (doc_scope(req, SD_ACT_DOC_READ, &tid, &coll))
        return;
    int64_t limit = LIST_DEFAULT, after = 0;
    const char *l = sd_http_req_query(req, "limit"), *a = sd_http_req_query(req, "after");
    char *end = NULL;
    if (l && ((limit = strtoll(l, &end, 10)) < 1 || limit > LIST_MAX || *end || end == l)) {
        sd_http_reply_error(req, SD_EFIELD, "limit", "limit must be 1 to 1000");
        return;
    }
    if (a && ((after = strtoll(a, &end, 10)) < 0 || *end || end == a)) {
        sd_http_reply_error(req, SD_EFIELD, "after", "after must be a document id");
        return;
    }
    int64_t last = 0, n = 0;
    json_t *items = json_array();
    int rc = items
                 ? sd_doc_list(pf->store, pf->secret_key, tid, coll, after, limit, items, &n, &last)
                 : SD_ENOMEM;
    if (rc) {
        json_decref(items);
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *out = sd_json_pack("{s:s,s:o}", "collection", coll, "items", items);
    if (out && n == limit)
        json_object_set_new(out, "next_after", json_integer(last));
    sd_http_reply_json(req, 200, out);
}

/* PUT and DELETE: the same guard, audit and 409 shape. */
static void change(sd_http_req_t *req, sd_pf_t *pf, int del)
{
    int64_t tid, id, expect, version = 0;
    const char *coll;
    if (doc_scope(req, SD_ACT_DOC_WRITE, &tid, &coll) || sd_api_param_id(req, "id", &id) ||
        if_match(req, &expect))
        return;
    char *body = del ? NULL : body_text(req);
    if (!del && !body)
        return;
    int rc = sd_doc_change(pf, sd_api_principal(req), tid, coll, id, expect, body, &version);
    free(body);
    if (rc) {
        reply_fail(req, rc, version);
        return;
    }
    if (del) {
        sd_http_reply_empty(req, 204);
        return;
    }
    set_etag(req, version);
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "collection", coll,
                                    "version", (json_int_t)version));
}

static void h_put(sd_http_req_t *req, void *ctx)
{
    change(req, ctx, 0);
}

static void h_delete(sd_http_req_t *req, void *ctx)
{
    change(req, ctx, 1);
}

int sd_api_doc_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    /* a little over the document limit: JSON may shrink when made compact */
    static const sd_http_route_opts_t big = {.max_body = SD_DOC_MAX_BYTES + 16 * 1024};
    static const struct {
        const char *method, *pattern;
        sd_http_handler_fn fn;
        const sd_http_route_opts_t *opts;
    } routes[] = {
        {"POST", "/apif/v1/collections/{name}/documents", h_create, &big},
        {"GET", "/apif/v1/collections/{name}/documents", h_list, NULL},
        {"GET", "/apif/v1/collections/{name}/documents/{id}", h_get, NULL},
        {"PUT", "/apif/v1/collections/{name}/documents/{id}", h_put, &big},
        {"DELETE", "/apif/v1/collections/{name}/documents/{id}", h_delete, NULL},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        int rc = sd_http_route(http, routes[i].method, routes[i].pattern, routes[i].fn, pf,
                               routes[i].opts);
        if (rc)
            return rc;
    }
    return 0;
}
