/* doc.c - AP-IF documents: names, If-Match, and the versioned storage operations. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/data/doc.h"
#include "pf/data/seal.h"

int sd_doc_collection_check(const char *name)
{
    if (!name)
        return SD_EFIELD;
    size_t n = strlen(name);
    if (n < 1 || n > SD_DOC_COLLECTION_MAX)
        return SD_EFIELD;
    return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n ? 0 : SD_EFIELD;
}

int sd_doc_if_match(const char *v, int64_t *version)
{
    if (!v)
        return SD_EFIELD;
    while (*v == ' ')
        v++;
    if (!strncmp(v, "W/", 2))
        v += 2;
    int quoted = *v == '"';
    v += quoted;
    if (*v < '1' || *v > '9')
        return SD_EFIELD;
    int64_t x = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        if (x > (INT64_MAX - 9) / 10)
            return SD_EFIELD;
        x = x * 10 + (*v - '0');
    }
    if (quoted && *v++ != '"')
        return SD_EFIELD;
    while (*v == ' ')
        v++;
    if (*v)
        return SD_EFIELD;
    *version = x;
    return 0;
}

/* The body as stored: sealed under the tenant's document key, bound to tenant and id. */
static int seal_body(const unsigned char *master, int64_t tenant, int64_t id, const char *json,
                     char **out)
{
    unsigned char k[SD_SEAL_KEY];
    char ad[64];
    snprintf(ad, sizeof ad, "doc:%" PRId64 ":%" PRId64, tenant, id);
    sd_seal_tenant_key(master, "suidodoc", tenant, k);
    int rc = sd_seal_text(k, ad, json, out);
    sodium_memzero(k, sizeof k);
    return rc;
}

/* The stored body b (NULL = "{}") as JSON text: opened, or as it is when stored in plaintext. */
static int open_body(const unsigned char *master, int64_t tenant, int64_t id, const char *b,
                     char **out)
{
    unsigned char k[SD_SEAL_KEY];
    char ad[64];
    int sealed = 0;
    snprintf(ad, sizeof ad, "doc:%" PRId64 ":%" PRId64, tenant, id);
    sd_seal_tenant_key(master, "suidodoc", tenant, k);
    int rc = sd_seal_text_open(k, ad, b ? b : "{}", out, &sealed);
    sodium_memzero(k, sizeof k);
    if (rc && rc != SD_ENOMEM)
        sd_error("document %" PRId64 " of tenant %" PRId64 " does not open (%s): tampered, "
                 "moved, or sealed under another secret key",
                 id, tenant, rc == SD_EDECRYPT ? "does not authenticate" : "not sealed text");
    /* the store is damaged, not the request: a 500 for the client, the reason in the log */
    return rc && rc != SD_ENOMEM ? SD_EINTERNAL : rc;
}

int sd_doc_create(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
                  const char *json, int64_t now_ms, int64_t *id)
{
    if (sd_doc_collection_check(coll))
        return SD_EFIELD;
    if (strlen(json) > SD_DOC_MAX_BYTES)
        return SD_ETOOBIG;
    /* the id is part of the sealed body's associated data: insert, then seal with it */
    int rc =
        sd_store_insert(st,
                        "INSERT INTO documents (tenant_id, collection, version, body, created_at,"
                        " updated_at) VALUES ($1, $2, 1, '', $3, $3) RETURNING id",
                        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(coll), SD_V_INT(now_ms)), id);
    char *body = NULL;
    if (!rc)
        rc = seal_body(master, tenant, *id, json, &body);
    if (!rc)
        rc = sd_store_exec(st, "UPDATE documents SET body = $1 WHERE id = $2",
                           SD_PARAMS(SD_V_TEXT(body), SD_V_INT(*id)), NULL);
    free(body);
    return rc;
}

int sd_doc_get(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
               int64_t id, char **json, int64_t *version, int64_t *created_ms, int64_t *updated_ms)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT body, version, created_at, updated_at FROM documents"
                                " WHERE id = $1 AND tenant_id = $2 AND collection = $3",
                                SD_PARAMS(SD_V_INT(id), SD_V_INT(tenant), SD_V_TEXT(coll)), &s);
    if (rc)
        return rc;
    if (json && (rc = open_body(master, tenant, id, sd_stmt_text(s, 0, NULL), json)) != 0) {
        sd_stmt_done(s);
        return rc;
    }
    if (version)
        *version = sd_stmt_int64(s, 1);
    if (created_ms)
        *created_ms = sd_stmt_int64(s, 2);
    if (updated_ms)
        *updated_ms = sd_stmt_int64(s, 3);
    sd_stmt_done(s);
    return 0;
}

/* After a guarded change touched no row: SD_ENOTFOUND, or SD_ECONFLICT with the current version. */
static int why_not(sd_store_t *st, int64_t tenant, const char *coll, int64_t id, int64_t *version)
{
    int rc = sd_doc_get(st, NULL, tenant, coll, id, NULL, version, NULL, NULL);
    return rc ? rc : SD_ECONFLICT;
}

int sd_doc_update(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
                  int64_t id, int64_t expect, const char *json, int64_t now_ms, int64_t *version)
{
    if (strlen(json) > SD_DOC_MAX_BYTES)
        return SD_ETOOBIG;
    int64_t n = 0;
    char *body = NULL;
    int rc = seal_body(master, tenant, id, json, &body);
    if (rc)
        return rc;
    /* the version in the WHERE makes check-and-write one statement: no lost update between them */
    rc = sd_store_exec(st,
                       "UPDATE documents SET body = $1, version = version + 1, updated_at = $2"
                       " WHERE id = $3 AND tenant_id = $4 AND collection = $5 AND version = $6",
                       SD_PARAMS(SD_V_TEXT(body), SD_V_INT(now_ms), SD_V_INT(id), SD_V_INT(tenant),
                                 SD_V_TEXT(coll), SD_V_INT(expect)),
                       &n);
    free(body);
    if (rc)
        return rc;
    if (n == 0)
        return why_not(st, tenant, coll, id, version);
    *version = expect + 1;
    return 0;
}

int sd_doc_delete(sd_store_t *st, int64_t tenant, const char *coll, int64_t id, int64_t expect,
                  int64_t *version)
{
    int64_t n = 0;
    int rc = sd_store_exec(
        st,
        "DELETE FROM documents WHERE id = $1 AND tenant_id = $2"
        " AND collection = $3 AND version = $4",
        SD_PARAMS(SD_V_INT(id), SD_V_INT(tenant), SD_V_TEXT(coll), SD_V_INT(expect)), &n);
    if (rc)
        return rc;
    if (n == 0)
        return why_not(st, tenant, coll, id, version);
    *version = expect;
    return 0;
}

/* ---- service operations: change + audit in one transaction ------------------------------- */

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t tenant, id, expect, version;
    const char *coll, *json;
    int create;
} doc_tx_t;

static int doc_tx(sd_store_t *st, void *ctx)
{
    doc_tx_t *d = ctx;
    int rc;
    const char *action;
    if (d->create) {
        rc = sd_doc_create(st, d->pf->secret_key, d->tenant, d->coll, d->json, sd_pf_now_ms(d->pf),
                           &d->id);
        d->version = 1;
        action = "doc.create";
    } else if (!d->json) {
        rc = sd_doc_delete(st, d->tenant, d->coll, d->id, d->expect, &d->version);
        action = "doc.delete";
    } else {
        rc = sd_doc_update(st, d->pf->secret_key, d->tenant, d->coll, d->id, d->expect, d->json,
                           sd_pf_now_ms(d->pf), &d->version);
        action = "doc.update";
    }
    if (rc)
        return rc;
    char obj[128], det[64];
    snprintf(obj, sizeof obj, "doc:%s/%" PRId64, d->coll, d->id);
    snprintf(det, sizeof det, "{\"version\":%" PRId64 "}", d->version);
    return sd_pf_audit(d->pf, d->who, d->tenant, action, obj, det);
}

int sd_doc_add(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, const char *coll,
               const char *json, int64_t *id)
{
    doc_tx_t d = {.pf = pf, .who = who, .tenant = tenant, .coll = coll, .json = json, .create = 1};
    int rc = sd_store_tx(pf->store, doc_tx, &d);
    if (!rc)
        *id = d.id;
    return rc;
}

int sd_doc_change(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, const char *coll,
                  int64_t id, int64_t expect, const char *json, int64_t *version)
{
    doc_tx_t d = {.pf = pf,
                  .who = who,
                  .tenant = tenant,
                  .coll = coll,
                  .json = json,
                  .id = id,
                  .expect = expect};
    int rc = sd_store_tx(pf->store, doc_tx, &d);
    *version = d.version;
    return rc;
}

int sd_doc_list(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
                int64_t after, int64_t limit, json_t *items, int64_t *n, int64_t *last)
{
    sd_stmt_t *s = NULL;
    *n = *last = 0;
    int rc = sd_store_query(
        st,
        "SELECT id, version, created_at, updated_at, body FROM documents"
        " WHERE tenant_id = $1 AND collection = $2 AND id > $3"
        " ORDER BY id LIMIT $4",
        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(coll), SD_V_INT(after), SD_V_INT(limit)), &s);
    if (rc)
        return rc;
    while ((rc = sd_stmt_next(s)) == 1) {
        char *b = NULL;
        *last = sd_stmt_int64(s, 0);
        if ((rc = open_body(master, tenant, *last, sd_stmt_text(s, 4, NULL), &b)) != 0)
            break;
        json_t *data = json_loads(b, 0, NULL);
        free(b);
        (*n)++;
        if (json_array_append_new(items,
                                  sd_json_pack("{s:I,s:I,s:I,s:I,s:o}", "id", (json_int_t)*last,
                                               "version", (json_int_t)sd_stmt_int64(s, 1),
                                               "created_at", (json_int_t)sd_stmt_int64(s, 2),
                                               "updated_at", (json_int_t)sd_stmt_int64(s, 3),
                                               "data", data ? data : json_object()))) {
            rc = SD_ENOMEM;
            break;
        }
    }
    sd_stmt_done(s);
    return rc < 0 ? rc : 0;
}
