/* bulletin.h - the bulletin board (掲示板, 表2-1): a board per tenant and the common board (tenant
 * 1) every tenant and vendor reads; notices, failure information and maintenance, each with a
 * validity period, attachments in the object store and read marks per user. Announcing a
 * maintenance window (pf/ops/sla.h) posts it on the common board and mails every tenant's
 * contacts (§3: "ポータル機能またはメールにてご連絡"). */
#ifndef SD_PF_BULLETIN_H
#define SD_PF_BULLETIN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/data/objstore.h"
#include "pf/notify/notify.h"
#include "pf/pf.h"

typedef struct sd_bulletin sd_bulletin_t;

/* A board on pf; attachments in os, maintenance mail through n (either may be NULL in tests:
 * then attachments are refused with SD_EUNSUPPORTED and no mail is written). */
int sd_bulletin_new(sd_pf_t *pf, sd_objstore_t *os, sd_notify_t *n, sd_bulletin_t **out);
void sd_bulletin_free(sd_bulletin_t *b); /* NULL-safe */
sd_pf_t *sd_bulletin_pf(const sd_bulletin_t *b);
sd_objstore_t *sd_bulletin_objstore(const sd_bulletin_t *b);

/* Categories as stored and in the API: "notice" (お知らせ), "failure" (障害情報), "maintenance"
 * (メンテナンス). 1 when s is one of them. Pure. */
bool sd_bulletin_category_ok(const char *s);

/* What a post is, for the api's checks. */
typedef struct {
    int64_t id, tenant_id, author_id, valid_from, valid_until;
} sd_bulletin_info_t;

/* The post id: 0, SD_ENOTFOUND. */
int sd_bulletin_info(sd_bulletin_t *b, int64_t id, sd_bulletin_info_t *out);

/* Is the post in its validity period at now_ms (valid_from <= now < valid_until, 0 = no end)? */
bool sd_bulletin_current(const sd_bulletin_info_t *p, int64_t now_ms);

/*
 * May who see post p at all (its board readable: portal.read) and now (current, or who wrote it,
 * or who may manage the board: bulletin.manage)? Pure apart from the policy table.
 */
bool sd_bulletin_may_see(const sd_principal_t *who, const sd_bulletin_info_t *p, int64_t now_ms);

/*
 * The posts of board tenant_id (0 = who's home board and the common board), newest first, at most
 * 500: {id, tenant_id, category, title, valid_from, valid_until, author_id, maintenance_id,
 * created_at, updated_at, attachments (count), read (by who), current}. category NULL = all.
 * Posts out of their period are left out, unless all and who wrote them or may manage their
 * board. The caller checked portal.read on the boards. *out a new array. 0 or SD_E*.
 */
int sd_bulletin_list(sd_bulletin_t *b, const sd_principal_t *who, int64_t tenant_id,
                     const char *category, bool all, json_t **out);

/* Posts current now on who's home and the common board that who has not read. */
int sd_bulletin_unread(sd_bulletin_t *b, const sd_principal_t *who, int64_t *count);

/* One post as listed plus body and attachments [{id, name, size, sha256, created_at}]. */
int sd_bulletin_get(sd_bulletin_t *b, const sd_principal_t *who, int64_t id, json_t **out);

/* A post's fields; on update NULL / -1 leave a field as it is. */
typedef struct {
    const char *category, *title, *body;
    int64_t valid_from, valid_until;
} sd_bulletin_fields_t;

/*
 * Post f on board tenant_id by who (valid_from 0 = now), audited "bulletin.create". The caller
 * checked bulletin.post and the fields. *id the new post. 0 or SD_E*.
 */
int sd_bulletin_create(sd_bulletin_t *b, const sd_principal_t *who, int64_t tenant_id,
                       const sd_bulletin_fields_t *f, int64_t *id);
/* Change post id, audited "bulletin.update". 0, SD_ENOTFOUND, SD_E*. */
int sd_bulletin_update(sd_bulletin_t *b, const sd_principal_t *who, int64_t id,
                       const sd_bulletin_fields_t *f);
/* Withdraw post id with its attachments and read marks, audited "bulletin.delete". */
int sd_bulletin_delete(sd_bulletin_t *b, const sd_principal_t *who, int64_t id);
/* Mark post id read by who (a user); again is no change. 0 or SD_E*. */
int sd_bulletin_mark_read(sd_bulletin_t *b, const sd_principal_t *who, int64_t id);

/*
 * Attach an upload (begun with sd_objstore_put_begin() for the post's tenant, limit from
 * sd_bulletin_attach_room()) to post id as name (checked with sd_objpath_check_name() by the
 * caller), audited "bulletin.attach". up is taken. *att the new attachment {id, name, size,
 * sha256, created_at}. 0, SD_ETOOBIG (quota), SD_EIO, SD_ESTORE.
 */
int sd_bulletin_attach(sd_bulletin_t *b, const sd_principal_t *who, int64_t id, const char *name,
                       sd_objstore_put_t *up, json_t **att);
/* Bytes the board's tenant may still store for an attachment (INT64_MAX = unlimited). */
int sd_bulletin_attach_room(sd_bulletin_t *b, int64_t tenant_id, int64_t *room);
/*
 * Attachment att of post id: its name, SHA-256 and size, and its blob opened to stream
 * (sd_objstore_blob_open(); the caller closes it). 0, SD_ENOTFOUND, SD_EINTERNAL (a blob that does
 * not open: damage in the store, logged), SD_EIO, SD_ESTORE, SD_EUNSUPPORTED (no file store).
 */
int sd_bulletin_attachment(sd_bulletin_t *b, int64_t id, int64_t att, char *name, size_t namesz,
                           char sha256[SD_OBJ_SHA256_HEX], int64_t *size,
                           sd_objstore_blob_t **blob);

/*
 * The maintenance announcement (an sd_sla_announce_fn, ctx = the board): post window id
 * [from, to) "title" on the common board (category maintenance, shown until the window ends)
 * and write a mail, Japanese first, to every address on the approved contact lists of every
 * tenant (once per tenant and address), in the caller's transaction. 0 or SD_E*.
 */
int sd_bulletin_announce(void *ctx, const sd_principal_t *who, int64_t id, int64_t from, int64_t to,
                         const char *title);

/* The text of the announcement, Japanese first, English below (JST times). Pure. *subject and
 * *body new strings (free()). 0 or SD_ENOMEM. */
int sd_bulletin_maintenance_text(int64_t from, int64_t to, const char *title, const char *url,
                                 char **subject, char **body);

#endif
