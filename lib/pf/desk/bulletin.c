/* bulletin.c - the bulletin board: posts, validity, attachments, read marks, announcements. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "pf/desk/bulletin.h"
#include "pf/notify/contact.h"

#include <sodium.h>

#define LIST_MAX 500

struct sd_bulletin {
    sd_pf_t *pf;
    sd_objstore_t *os;
    sd_notify_t *notify;
};

int sd_bulletin_new(sd_pf_t *pf, sd_objstore_t *os, sd_notify_t *n, sd_bulletin_t **out)
{
    sd_bulletin_t *b = calloc(1, sizeof *b);
    if (!b)
        return SD_ENOMEM;
    *b = (sd_bulletin_t){pf, os, n};
    *out = b;
    return 0;
}

void sd_bulletin_free(sd_bulletin_t *b)
{
    free(b);
}

sd_pf_t *sd_bulletin_pf(const sd_bulletin_t *b)
{
    return b->pf;
}

sd_objstore_t *sd_bulletin_objstore(const sd_bulletin_t *b)
{
    return b->os;
}

bool sd_bulletin_category_ok(const char *s)
{
    return s && (!strcmp(s, "notice") || !strcmp(s, "failure") || !strcmp(s, "maintenance"));
}

bool sd_bulletin_current(const sd_bulletin_info_t *p, int64_t now)
{
    return p->valid_from <= now && (p->valid_until == 0 || now < p->valid_until);
}

bool sd_bulletin_may_see(const sd_principal_t *who, const sd_bulletin_info_t *p, int64_t now)
{
    sd_scope_t sc = {.tenant_id = p->tenant_id};
    if (!who || sd_policy_check(who, SD_ACT_PORTAL_READ, &sc))
        return false;
    if (sd_bulletin_current(p, now))
        return true;
    /* out of its period: its author and the board's managers still see it (to fix or renew) */
    return (who->subject_id == p->author_id && who->role != SD_ROLE_APPLICATION &&
            who->role != SD_ROLE_GATEWAY) ||
           sd_policy_check(who, SD_ACT_BULLETIN_MANAGE, &sc) == 0;
}

int sd_bulletin_info(sd_bulletin_t *b, int64_t id, sd_bulletin_info_t *out)
{
    sd_stmt_t *st = NULL;
    int rc = sd_store_query_row(b->pf->store,
                                "SELECT id, tenant_id, author_id, valid_from, valid_until FROM "
                                "bulletin_posts WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &st);
    if (!rc)
        *out =
            (sd_bulletin_info_t){sd_stmt_int64(st, 0), sd_stmt_int64(st, 1), sd_stmt_int64(st, 2),
                                 sd_stmt_int64(st, 3), sd_stmt_int64(st, 4)};
    sd_stmt_done(st);
    return rc;
}

/* The columns of a listed post; the read mark is who's (user id $1). */
#define POST_COLS                                                                                  \
    "SELECT p.id, p.tenant_id, p.category, p.title, p.valid_from, p.valid_until, p.author_id, "    \
    "p.maintenance_id, p.created_at, p.updated_at, (SELECT COUNT(*) FROM bulletin_attachments a "  \
    "WHERE a.post_id = p.id) AS attachments, (SELECT COUNT(*) FROM bulletin_reads r WHERE "        \
    "r.post_id = p.id AND r.user_id = $1) AS read"
#define POST_TYPES "iissiiiiiiib"

static json_t *post_json(sd_stmt_t *st, int64_t now, bool *current)
{
    json_t *o = sd_pf_row_json(st, POST_TYPES);
    sd_bulletin_info_t p = {.valid_from = sd_stmt_int64(st, 4),
                            .valid_until = sd_stmt_int64(st, 5)};
    *current = sd_bulletin_current(&p, now);
    if (o && sd_json_set(o, "current", json_boolean(*current))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

int sd_bulletin_list(sd_bulletin_t *b, const sd_principal_t *who, int64_t tenant_id,
                     const char *category, bool all, json_t **out)
{
    *out = NULL;
    int64_t now = sd_pf_now_ms(b->pf);
    int64_t t1 = tenant_id ? tenant_id : who->tenant_id,
            t2 = tenant_id ? tenant_id : SD_TENANT_COMMON;
    sd_stmt_t *st = NULL;
    int rc = sd_store_query(b->pf->store,
                            POST_COLS " FROM bulletin_posts p WHERE p.tenant_id IN ($2, $3) AND "
                                      "($4 = '' OR p.category = $4) ORDER BY p.id DESC LIMIT 2000",
                            SD_PARAMS(SD_V_INT(who->subject_id), SD_V_INT(t1), SD_V_INT(t2),
                                      SD_V_TEXT(category ? category : "")),
                            &st);
    json_t *arr = json_array();
    if (!arr && !rc)
        rc = SD_ENOMEM;
    size_t n = 0;
    while (!rc && n < LIST_MAX && (rc = sd_stmt_next(st)) == 1) {
        rc = 0;
        sd_bulletin_info_t p = {sd_stmt_int64(st, 0), sd_stmt_int64(st, 1), sd_stmt_int64(st, 6),
                                sd_stmt_int64(st, 4), sd_stmt_int64(st, 5)};
        if (!sd_bulletin_current(&p, now) && (!all || !sd_bulletin_may_see(who, &p, now)))
            continue;
        bool cur;
        json_t *o = post_json(st, now, &cur);
        if (!o || json_array_append_new(arr, o))
            rc = SD_ENOMEM;
        n++;
    }
    sd_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int sd_bulletin_unread(sd_bulletin_t *b, const sd_principal_t *who, int64_t *count)
{
    int64_t now = sd_pf_now_ms(b->pf);
    sd_stmt_t *st = NULL;
    int rc = sd_store_query_row(
        b->pf->store,
        "SELECT COUNT(*) FROM bulletin_posts p WHERE p.tenant_id IN ($1, $2) AND p.valid_from <= "
        "$3 AND (p.valid_until = 0 OR p.valid_until > $3) AND NOT EXISTS (SELECT 1 FROM "
        "bulletin_reads r WHERE r.post_id = p.id AND r.user_id = $4)",
        SD_PARAMS(SD_V_INT(who->tenant_id), SD_V_INT(SD_TENANT_COMMON), SD_V_INT(now),
                  SD_V_INT(who->subject_id)),
        &st);
    *count = rc ? 0 : sd_stmt_int64(st, 0);
    sd_stmt_done(st);
    return rc;
}

int sd_bulletin_get(sd_bulletin_t *b, const sd_principal_t *who, int64_t id, json_t **out)
{
    *out = NULL;
    int64_t now = sd_pf_now_ms(b->pf);
    sd_stmt_t *st = NULL;
    int rc =
        sd_store_query_row(b->pf->store, POST_COLS ", p.body FROM bulletin_posts p WHERE p.id = $2",
                           SD_PARAMS(SD_V_INT(who->subject_id), SD_V_INT(id)), &st);
    json_t *o = NULL;
    if (!rc) {
        bool cur;
        size_t len = 0;
        const char *body = sd_stmt_text(st, 12, &len);
        o = post_json(st, now, &cur);
        if (!o || sd_json_set(o, "body", json_stringn(body ? body : "", body ? len : 0)))
            rc = SD_ENOMEM;
    }
    sd_stmt_done(st);
    sd_pf_items_t att = {0};
    if (!rc)
        rc = sd_pf_query_items(b->pf->store,
                               "SELECT id, name, size, sha256, created_at FROM "
                               "bulletin_attachments WHERE post_id = $1 ORDER BY id",
                               SD_PARAMS(SD_V_INT(id)), "isisi", NULL, &att);
    if (!rc) {
        if (sd_json_set(o, "attachments", json_incref(att.rows)))
            rc = SD_ENOMEM;
    }
    sd_pf_items_free(&att);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- changes ----------------------------------------------------------------------------------
 */

typedef struct {
    sd_bulletin_t *b;
    const sd_principal_t *who;
    int64_t tenant_id, id, maintenance_id;
    const sd_bulletin_fields_t *f;
} post_tx_t;

static int audit_post(post_tx_t *t, const char *action, const char *detail)
{
    char obj[48];
    snprintf(obj, sizeof obj, "bulletin:%" PRId64, t->id);
    return sd_pf_audit(t->b->pf, t->who, t->tenant_id, action, obj, detail);
}

static int create_tx(sd_store_t *st, void *ctx)
{
    post_tx_t *t = ctx;
    int64_t now = sd_pf_now_ms(t->b->pf);
    const sd_bulletin_fields_t *f = t->f;
    int rc = sd_store_insert(
        st,
        "INSERT INTO bulletin_posts (tenant_id, category, title, body, valid_from, valid_until, "
        "author_id, maintenance_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $9) RETURNING id",
        SD_PARAMS(SD_V_INT(t->tenant_id), SD_V_TEXT(f->category), SD_V_TEXT(f->title),
                  SD_V_TEXT(f->body ? f->body : ""),
                  SD_V_INT(f->valid_from > 0 ? f->valid_from : now),
                  SD_V_INT(f->valid_until > 0 ? f->valid_until : 0), SD_V_INT(t->who->subject_id),
                  SD_V_INT(t->maintenance_id), SD_V_INT(now)),
        &t->id);
    if (!rc) {
        json_t *d = sd_json_pack("{s:s,s:s}", "category", f->category, "title", f->title);
        sd_buf_t buf = {0};
        rc = d ? sd_json_dump(d, &buf) : SD_ENOMEM;
        if (!rc)
            rc = audit_post(t, "bulletin.create", buf.data);
        sd_buf_free(&buf);
        json_decref(d);
    }
    return rc;
}

int sd_bulletin_create(sd_bulletin_t *b, const sd_principal_t *who, int64_t tenant_id,
                       const sd_bulletin_fields_t *f, int64_t *id)
{
    post_tx_t t = {.b = b, .who = who, .tenant_id = tenant_id, .f = f};
    int rc = sd_store_tx(b->pf->store, create_tx, &t);
    *id = rc ? 0 : t.id;
    return rc;
}

static int update_tx(sd_store_t *st, void *ctx)
{
    post_tx_t *t = ctx;
    const sd_bulletin_fields_t *f = t->f;
    int64_t changed = 0;
    int rc = sd_store_exec(
        st,
        "UPDATE bulletin_posts SET category = COALESCE($2, category), title = COALESCE($3, title), "
        "body = COALESCE($4, body), valid_from = CASE WHEN $5 < 0 THEN valid_from ELSE $5 END, "
        "valid_until = CASE WHEN $6 < 0 THEN valid_until ELSE $6 END, updated_at = $7 WHERE id = "
        "$1",
        SD_PARAMS(SD_V_INT(t->id), f->category ? SD_V_TEXT(f->category) : SD_V_NULL,
                  f->title ? SD_V_TEXT(f->title) : SD_V_NULL,
                  f->body ? SD_V_TEXT(f->body) : SD_V_NULL, SD_V_INT(f->valid_from),
                  SD_V_INT(f->valid_until), SD_V_INT(sd_pf_now_ms(t->b->pf))),
        &changed);
    if (!rc && !changed)
        rc = SD_ENOTFOUND;
    if (!rc)
        rc = audit_post(t, "bulletin.update", NULL);
    return rc;
}

int sd_bulletin_update(sd_bulletin_t *b, const sd_principal_t *who, int64_t id,
                       const sd_bulletin_fields_t *f)
{
    sd_bulletin_info_t p;
    int rc = sd_bulletin_info(b, id, &p);
    if (rc)
        return rc;
    post_tx_t t = {.b = b, .who = who, .tenant_id = p.tenant_id, .id = id, .f = f};
    return sd_store_tx(b->pf->store, update_tx, &t);
}

static int delete_tx(sd_store_t *st, void *ctx)
{
    post_tx_t *t = ctx;
    int64_t changed = 0;
    int rc = sd_store_exec(st, "DELETE FROM bulletin_reads WHERE post_id = $1",
                           SD_PARAMS(SD_V_INT(t->id)), NULL);
    if (!rc)
        rc = sd_store_exec(st, "DELETE FROM bulletin_attachments WHERE post_id = $1",
                           SD_PARAMS(SD_V_INT(t->id)), NULL);
    if (!rc)
        rc = sd_store_exec(st, "DELETE FROM bulletin_posts WHERE id = $1",
                           SD_PARAMS(SD_V_INT(t->id)), &changed);
    if (!rc && !changed)
        rc = SD_ENOTFOUND;
    if (!rc)
        rc = audit_post(t, "bulletin.delete", NULL);
    return rc;
}

int sd_bulletin_delete(sd_bulletin_t *b, const sd_principal_t *who, int64_t id)
{
    sd_bulletin_info_t p;
    int rc = sd_bulletin_info(b, id, &p);
    if (rc)
        return rc;
    /* the attachments' ids before their rows go; their files after the commit */
    sd_stmt_t *st = NULL;
    json_t *paths = json_array();
    rc = paths ? sd_store_query(b->pf->store,
                                "SELECT path FROM bulletin_attachments WHERE post_id = $1",
                                SD_PARAMS(SD_V_INT(id)), &st)
               : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(st)) == 1)
        rc = json_array_append_new(paths, json_string(sd_stmt_text(st, 0, NULL))) ? SD_ENOMEM : 0;
    sd_stmt_done(st);
    post_tx_t t = {.b = b, .who = who, .tenant_id = p.tenant_id, .id = id};
    if (rc >= 0)
        rc = sd_store_tx(b->pf->store, delete_tx, &t);
    for (size_t i = 0; !rc && b->os && i < json_array_size(paths); i++)
        (void)sd_objstore_delete(b->os, p.tenant_id, json_string_value(json_array_get(paths, i)));
    json_decref(paths);
    return rc < 0 ? rc : 0;
}

int sd_bulletin_mark_read(sd_bulletin_t *b, const sd_principal_t *who, int64_t id)
{
    return sd_store_exec(
        b->pf->store,
        "INSERT INTO bulletin_reads (post_id, user_id, read_at) VALUES ($1, $2, "
        "$3) ON CONFLICT (post_id, user_id) DO NOTHING",
        SD_PARAMS(SD_V_INT(id), SD_V_INT(who->subject_id), SD_V_INT(sd_pf_now_ms(b->pf))), NULL);
}

/* ---- attachments ------------------------------------------------------------------------------
 */

int sd_bulletin_attach_room(sd_bulletin_t *b, int64_t tenant_id, int64_t *room)
{
    if (!b->os)
        return SD_EUNSUPPORTED;
    return sd_objstore_room(b->os, tenant_id, NULL, room);
}

typedef struct {
    post_tx_t t;
    const char *name, *path;
    const sd_objstore_info_t *in;
    int64_t att, now;
} attach_tx_t;

static int attach_tx(sd_store_t *st, void *ctx)
{
    attach_tx_t *a = ctx;
    int rc = sd_store_insert(st,
                             "INSERT INTO bulletin_attachments (post_id, name, path, size, sha256, "
                             "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                             SD_PARAMS(SD_V_INT(a->t.id), SD_V_TEXT(a->name), SD_V_TEXT(a->path),
                                       SD_V_INT(a->in->size), SD_V_TEXT(a->in->sha256),
                                       SD_V_INT(a->now)),
                             &a->att);
    if (!rc) {
        json_t *d = sd_json_pack("{s:I,s:s,s:I,s:s}", "attachment", (json_int_t)a->att, "name",
                                 a->name, "size", (json_int_t)a->in->size, "sha256", a->in->sha256);
        sd_buf_t buf = {0};
        rc = d ? sd_json_dump(d, &buf) : SD_ENOMEM;
        if (!rc)
            rc = audit_post(&a->t, "bulletin.attach", buf.data);
        sd_buf_free(&buf);
        json_decref(d);
    }
    return rc;
}

int sd_bulletin_attach(sd_bulletin_t *b, const sd_principal_t *who, int64_t id, const char *name,
                       sd_objstore_put_t *up, json_t **att)
{
    *att = NULL;
    sd_bulletin_info_t p;
    int rc = b->os ? sd_bulletin_info(b, id, &p) : SD_EUNSUPPORTED;
    if (rc) {
        sd_objstore_put_free(up);
        return rc;
    }
    /* a fresh random name per attachment: two uploads of one post never replace each other */
    unsigned char r[12];
    char hex[2 * sizeof r + 1], path[96];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(path, sizeof path, "/bulletin/%" PRId64 "/%s", id, hex);
    sd_objstore_info_t in = {0};
    int created = 0;
    int64_t now = sd_pf_now_ms(b->pf);
    rc = sd_objstore_commit(b->os, up, p.tenant_id, path, now, &in, &created);
    if (rc)
        return rc;
    attach_tx_t a = {.t = {.b = b, .who = who, .tenant_id = p.tenant_id, .id = id},
                     .name = name,
                     .path = path,
                     .in = &in,
                     .now = now};
    rc = sd_store_tx(b->pf->store, attach_tx, &a);
    if (rc) { /* the post went meanwhile, or the store failed: the file goes too */
        (void)sd_objstore_delete(b->os, p.tenant_id, path);
        return rc;
    }
    *att = sd_json_pack("{s:I,s:s,s:I,s:s,s:I}", "id", (json_int_t)a.att, "name", name, "size",
                        (json_int_t)in.size, "sha256", in.sha256, "created_at", (json_int_t)now);
    return *att ? 0 : SD_ENOMEM;
}

int sd_bulletin_attachment(sd_bulletin_t *b, int64_t id, int64_t att, char *name, size_t namesz,
                           char sha256[SD_OBJ_SHA256_HEX], int64_t *size, sd_objstore_blob_t **blob)
{
    sd_stmt_t *st = NULL;
    int64_t tenant = 0;
    *blob = NULL;
    int rc = b->os ? sd_store_query_row(b->pf->store,
                                        "SELECT a.name, a.size, a.sha256, p.tenant_id FROM "
                                        "bulletin_attachments a JOIN bulletin_posts p ON p.id = "
                                        "a.post_id WHERE a.id = $1 AND a.post_id = $2",
                                        SD_PARAMS(SD_V_INT(att), SD_V_INT(id)), &st)
                   : SD_EUNSUPPORTED;
    if (!rc) {
        snprintf(name, namesz, "%s", sd_stmt_text(st, 0, NULL));
        *size = sd_stmt_int64(st, 1);
        snprintf(sha256, SD_OBJ_SHA256_HEX, "%s", sd_stmt_text(st, 2, NULL));
        tenant = sd_stmt_int64(st, 3);
    }
    sd_stmt_done(st);
    if (!rc)
        rc = sd_objstore_blob_open(b->os, tenant, sha256, blob);
    /* a blob that does not open is damage in the store (logged there): a 500 */
    return rc == SD_EDECRYPT || rc == SD_ESYNTAX || rc == SD_ECONFLICT ? SD_EINTERNAL : rc;
}

/* ---- maintenance announcements ----------------------------------------------------------------
 */

static void jst(int64_t ms, char *out, size_t n)
{
    sd_civil_t c;
    sd_civil_from_unix(ms / 1000, SD_JST_OFFSET_S, &c);
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d", c.year % 10000, c.mon % 100, c.day % 100,
             c.hour % 100, c.min % 100);
}

int sd_bulletin_maintenance_text(int64_t from, int64_t to, const char *title, const char *url,
                                 char **subject, char **body)
{
    char f[32], t[32];
    jst(from, f, sizeof f);
    jst(to, t, sizeof t);
    sd_buf_t s = {0}, b = {0};
    int rc = sd_buf_printf(&s, "[suido] メンテナンスのお知らせ / Maintenance notice: %s", title);
    if (!rc)
        rc = sd_buf_printf(
            &b,
            "水道標準プラットフォームの計画メンテナンスを実施します。\n"
            "メンテナンス中はサービスをご利用いただけない場合があります。\n\n"
            "件名: %s\n期間: %s 〜 %s (JST)\n%s%s%s\n"
            "----\n"
            "Planned maintenance of the water platform (suido). Services may be unavailable "
            "during the window.\n\n"
            "Subject: %s\nWindow: %s to %s (JST)\n%s%s%s\n",
            title, f, t, url ? "詳細は掲示板をご覧ください: " : "", url ? url : "",
            url ? "/#/bulletin\n" : "", title, f, t, url ? "Details on the bulletin board: " : "",
            url ? url : "", url ? "/#/bulletin\n" : "");
    if (rc) {
        sd_buf_free(&s);
        sd_buf_free(&b);
        return SD_ENOMEM;
    }
    /* a title is one line in the API, but a subject must never carry a line break */
    for (size_t i = 0; i < s.len; i++)
        if (s.data[i] == '\r' || s.data[i] == '\n')
            s.data[i] = ' ';
    *subject = sd_buf_steal(&s);
    *body = sd_buf_steal(&b);
    return 0;
}

/* Every address of the approved lists, once per tenant: mailed in the caller's transaction. */
static int mail_contacts(sd_bulletin_t *b, const char *subject, const char *body, int *queued)
{
    sd_stmt_t *st = NULL;
    json_t *rows = json_array();
    int rc = rows ? sd_store_query(b->pf->store,
                                   "SELECT tenant_id, entries FROM contact_lists WHERE status = "
                                   "'approved' ORDER BY tenant_id, id",
                                   SD_NOPARAMS, &st)
                  : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(st)) == 1) {
        size_t len = 0;
        const char *e = sd_stmt_text(st, 1, &len);
        json_t *entries = NULL;
        rc = 0;
        if (e && sd_json_parse(e, len, &entries, NULL) == 0)
            rc = json_array_append_new(
                     rows,
                     sd_json_pack("{s:I,s:o}", "t", (json_int_t)sd_stmt_int64(st, 0), "e", entries))
                     ? SD_ENOMEM
                     : 0;
    }
    sd_stmt_done(st);
    json_t *seen = json_object();
    size_t i;
    json_t *row;
    if (!seen && rc >= 0)
        rc = SD_ENOMEM;
    json_array_foreach(rows, i, row)
    {
        if (rc < 0)
            break;
        json_int_t tenant = json_integer_value(json_object_get(row, "t"));
        size_t k;
        json_t *ent;
        json_array_foreach(json_object_get(row, "e"), k, ent)
        {
            const char *addr = json_string_value(json_object_get(ent, "email"));
            char key[400];
            if (!addr || !sd_contact_email_ok(addr, strlen(addr)))
                continue;
            snprintf(key, sizeof key, "%lld/%s", (long long)tenant, addr);
            if (json_object_get(seen, key))
                continue;
            json_object_set_new(seen, key, json_true());
            rc = sd_notify_enqueue(b->notify, tenant, "maintenance", 0, 0, addr, subject, body,
                                   NULL);
            if (rc)
                break;
            (*queued)++;
        }
    }
    json_decref(seen);
    json_decref(rows);
    return rc < 0 ? rc : 0;
}

int sd_bulletin_announce(void *ctx, const sd_principal_t *who, int64_t id, int64_t from, int64_t to,
                         const char *title)
{
    sd_bulletin_t *b = ctx;
    char *subject = NULL, *body = NULL;
    int rc = sd_bulletin_maintenance_text(from, to, title, b->pf->public_url, &subject, &body);
    if (rc)
        return rc;
    /* the post: shown from now until the window has ended (then it is history, for admins) */
    sd_bulletin_fields_t f = {.category = "maintenance",
                              .title = title,
                              .body = body,
                              .valid_from = sd_pf_now_ms(b->pf),
                              .valid_until = to};
    post_tx_t t = {
        .b = b, .who = who, .tenant_id = SD_TENANT_COMMON, .maintenance_id = id, .f = &f};
    rc = create_tx(b->pf->store, &t); /* in the caller's transaction */
    int queued = 0;
    if (!rc && b->notify)
        rc = mail_contacts(b, subject, body, &queued);
    free(subject);
    free(body);
    if (!rc && queued)
        sd_notify_wake(b->notify); /* the worker also looks every 250 ms: a wake before the
                                      commit is not lost */
    return rc;
}
