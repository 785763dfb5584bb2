/* doc.h - AP-IF #11-13: JSON documents in named collections of a tenant, with versions. */
#ifndef SD_PF_DOC_H
#define SD_PF_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"
#include "store/store.h"

/*
 * A document is a JSON object in a collection of one tenant, with an id (unique in the store),
 * a version (1 at creation, +1 per update) for optimistic concurrency, and times. Collections
 * are just names ([a-z0-9_-]{1,64}): they exist while they have documents.
 */

#define SD_DOC_MAX_BYTES      ((size_t)256 * 1024) /* of a document's JSON text */
#define SD_DOC_COLLECTION_MAX 64

/* Is name a collection name ([a-z0-9_-], 1..64 bytes, NUL-terminated)? 0 or SD_EFIELD. Pure. */
int sd_doc_collection_check(const char *name);

/*
 * The storage operations. json is the document's text (a JSON object, at most SD_DOC_MAX_BYTES:
 * SD_ETOOBIG). None starts a transaction: the HTTP layer wraps each change and its audit
 * record in one. Errors: SD_ENOTFOUND (no such document in this tenant and collection),
 * SD_ECONFLICT (the version is not expect: *version then has the current one), SD_ESTORE.
 * Encryption at rest (§2.5): the body column holds the text sealed (seal.h, "sdenc1:...") under
 * the tenant's document key derived from master (pf->secret_key, 32 bytes) with "doc:<tenant>:<id>"
 * as associated data, so a body copied to another row or tenant does not open (SD_EINTERNAL,
 * the reason logged). Bodies stored before encryption (plain JSON) are read as they are and sealed
 * at their next update.
 */
int sd_doc_create(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
                  const char *json, int64_t now_ms, int64_t *id);
/* *json is malloc'ed (caller frees); times may be NULL; master may be NULL when json is. */
int sd_doc_get(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
               int64_t id, char **json, int64_t *version, int64_t *created_ms, int64_t *updated_ms);
/* Replace the body when the current version is expect; *version gets the new (or current). */
int sd_doc_update(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
                  int64_t id, int64_t expect, const char *json, int64_t now_ms, int64_t *version);
/* Delete when the current version is expect; on SD_ECONFLICT *version is the current one. */
int sd_doc_delete(sd_store_t *st, int64_t tenant, const char *coll, int64_t id, int64_t expect,
                  int64_t *version);

/*
 * The service operations of the AP-IF routes: each change and its audit record (doc.create /
 * doc.update / doc.delete, object "doc:<coll>/<id>", by who) in one transaction (sd_store_tx).
 * Errors as the storage operations above; on SD_ECONFLICT *version is the current version.
 */
int sd_doc_add(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, const char *coll,
               const char *json, int64_t *id);
/* json NULL = delete, else replace; *version gets the new version (delete: expect). */
int sd_doc_change(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant, const char *coll,
                  int64_t id, int64_t expect, const char *json, int64_t *version);

/*
 * A page of a collection: up to limit documents with id > after, by id, as JSON objects
 * {id, version, created_at, updated_at, data} appended to items; *n the count, *last the last
 * id. 0, SD_ESTORE, SD_ENOMEM, SD_EINTERNAL (a body does not open).
 */
int sd_doc_list(sd_store_t *st, const unsigned char *master, int64_t tenant, const char *coll,
                int64_t after, int64_t limit, json_t *items, int64_t *n, int64_t *last);

/*
 * Parse an If-Match value into a version: "3", "\"3\"" or "W/\"3\"" (what GET sent as ETag).
 * Pure. 0 or SD_EFIELD.
 */
int sd_doc_if_match(const char *v, int64_t *version);

#endif
