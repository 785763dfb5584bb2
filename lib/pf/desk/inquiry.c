/* inquiry.c - inquiries and their threads; mails to the other party join the change's
 * transaction, so a reply is never stored without its mail nor mailed without being stored. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/desk/inquiry.h"

static const char *const statuses[] = {"received", "in_progress", "answered", "closed"};
static const char *const statuses_ja[] = {"受付", "対応中", "回答済", "完了"};
static const char *const categories[] = {"usage", "failure", "account", "data", "request", "other"};

static int idx_of(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (s && !strcmp(s, names[i]))
            return i;
    return -1;
}

int sd_inquiry_status_check(const char *s)
{
    return idx_of(statuses, 4, s) < 0 ? SD_EFIELD : 0;
}

int sd_inquiry_category_check(const char *s)
{
    return idx_of(categories, 6, s) < 0 ? SD_EFIELD : 0;
}

int sd_inquiry_text_check(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return SD_EFIELD;
    return 0;
}

int sd_inquiry_transition(const char *from, const char *to, int answerer)
{
    /* rows from, columns to: received, in_progress, answered, closed */
    static const char ans[4][4] = {{0, 1, 1, 1}, {0, 0, 1, 1}, {0, 1, 0, 1}, {0, 0, 0, 0}};
    static const char req[4][4] = {{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 0}};
    int f = idx_of(statuses, 4, from), t = idx_of(statuses, 4, to);
    if (f < 0 || t < 0)
        return SD_EFIELD;
    return (answerer ? ans : req)[f][t] ? 0 : SD_ECONFLICT;
}

static const char *status_ja(const char *s)
{
    int i = idx_of(statuses, 4, s);
    return i < 0 ? s : statuses_ja[i];
}

int sd_inquiry_ref(sd_pf_t *pf, int64_t id, sd_inquiry_ref_t *ref)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT tenant_id, org_id, opened_by, addressee, status FROM "
                                "inquiries WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    *ref = (sd_inquiry_ref_t){.id = id,
                              .tenant_id = sd_stmt_int64(s, 0),
                              .org_id = sd_stmt_int64(s, 1),
                              .opened_by = sd_stmt_int64(s, 2)};
    snprintf(ref->addressee, sizeof ref->addressee, "%s", sd_stmt_text(s, 3, NULL));
    snprintf(ref->status, sizeof ref->status, "%s", sd_stmt_text(s, 4, NULL));
    sd_stmt_done(s);
    return 0;
}

sd_scope_t sd_inquiry_scope(const sd_inquiry_ref_t *ref)
{
    return (sd_scope_t){.tenant_id = ref->tenant_id, .org_id = ref->org_id};
}

int sd_inquiry_visible(const sd_principal_t *who, const sd_inquiry_ref_t *ref)
{
    if (!who)
        return 0;
    return who->role != SD_ROLE_PLATFORM_ADMIN || !strcmp(ref->addressee, "platform");
}

int sd_inquiry_is_answerer(const sd_principal_t *who, const sd_inquiry_ref_t *ref)
{
    if (!who)
        return 0;
    if (!strcmp(ref->addressee, "platform"))
        return who->role == SD_ROLE_PLATFORM_ADMIN;
    return who->role != SD_ROLE_PLATFORM_ADMIN && sd_policy_role_is_admin(who->role) &&
           who->tenant_id == ref->tenant_id && who->subject_id != ref->opened_by;
}

int sd_inquiry_list(sd_pf_t *pf, const sd_inquiry_filter_t *f, sd_pf_items_t *out)
{
    /* q as a LIKE pattern: lower-cased (ASCII), with the pattern characters escaped */
    sd_buf_t q = {0};
    int rc = 0;
    if (f->q && *f->q) {
        rc = sd_buf_append(&q, "%", 1);
        for (const char *p = f->q; !rc && *p; p++) {
            char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
            if (c == '%' || c == '_' || c == '\\')
                rc = sd_buf_append(&q, "\\", 1);
            if (!rc)
                rc = sd_buf_append(&q, &c, 1);
        }
        if (!rc)
            rc = sd_buf_append(&q, "%", 1);
    }
    if (rc) {
        sd_buf_free(&q);
        *out = (sd_pf_items_t){0};
        return rc;
    }
    sd_pf_scope_cols_t cols = {1, 2, -1};
    rc = sd_pf_query_items(
        pf->store,
        "SELECT i.id, i.tenant_id, i.org_id, i.opened_by, i.addressee, i.category, i.subject, "
        "i.status, i.created_at, i.updated_at FROM inquiries i WHERE (CAST($1 AS BIGINT) = 0 OR "
        "i.tenant_id = $1) AND (CAST($2 AS BIGINT) = 0 OR i.org_id = $2) AND (CAST($3 AS "
        "BIGINT) = 0 OR i.addressee = 'platform') AND ($4 = '' OR i.status = $4) AND ($5 = '' OR "
        "i.category = $5) AND ($6 = '' OR LOWER(i.subject) LIKE $6 ESCAPE '\\' OR EXISTS (SELECT "
        "1 FROM inquiry_messages m WHERE m.inquiry_id = i.id AND LOWER(m.body) LIKE $6 ESCAPE "
        "'\\')) ORDER BY i.id DESC LIMIT 500",
        SD_PARAMS(SD_V_INT(f->tenant > 0 ? f->tenant : 0), SD_V_INT(f->org > 0 ? f->org : 0),
                  SD_V_INT(f->platform_only ? 1 : 0), SD_V_TEXT(f->status ? f->status : ""),
                  SD_V_TEXT(f->category ? f->category : ""), SD_V_TEXT(q.len ? q.data : "")),
        "iiiissssii", &cols, out);
    sd_buf_free(&q);
    return rc;
}

static int add_rows(sd_pf_t *pf, json_t *o, const char *key, const char *sql, int64_t id,
                    const char *types)
{
    sd_stmt_t *s = NULL;
    json_t *a = json_array();
    int rc = a ? sd_store_query(pf->store, sql, SD_PARAMS(SD_V_INT(id)), &s) : SD_ENOMEM;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        json_t *r = sd_pf_row_json(s, types);
        rc = !r || json_array_append_new(a, r) ? SD_ENOMEM : 0;
    }
    sd_stmt_done(s);
    if (rc < 0 || sd_json_set(o, key, a))
        return rc < 0 ? rc : SD_ENOMEM;
    return 0;
}

int sd_inquiry_get(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT id, tenant_id, org_id, opened_by, addressee, category, "
                                "subject, status, created_at, updated_at FROM inquiries WHERE "
                                "id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc)
        return rc;
    json_t *o = sd_pf_row_json(s, "iiiissssii");
    sd_stmt_done(s);
    rc = o ? add_rows(pf, o, "messages",
                      "SELECT m.id, m.kind, m.by_user, COALESCE(u.login, '') AS by_login, "
                      "m.side, m.body, m.from_status, m.to_status, m.file_id, m.at FROM "
                      "inquiry_messages m LEFT JOIN users u ON u.id = m.by_user WHERE "
                      "m.inquiry_id = $1 ORDER BY m.id",
                      id, "isisssssii")
           : SD_ENOMEM;
    if (!rc)
        rc = add_rows(pf, o, "files",
                      "SELECT id, name, size, sha256, by_user, at FROM inquiry_files "
                      "WHERE inquiry_id = $1 ORDER BY id",
                      id, "isisii");
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- changes: each one thread row, one audit record and its mails, in one transaction ------ */

typedef struct {
    sd_pf_t *pf;
    sd_notify_t *n;
    const sd_principal_t *who;
    sd_inquiry_ref_t ref; /* create: filled in the transaction */
    const char *addressee, *category, *subject, *body, *to, *name, *path, *sha256;
    int64_t size, file_id;
    int answerer;
    char status[16]; /* after */
} inq_tx_t;

/* The e-mail addresses of the party that is not who's side, who excluded. */
static int recipients(inq_tx_t *t, int to_answerers, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sd_stmt_t *s = NULL;
    int rc;
    if (!to_answerers)
        rc =
            sd_store_query(t->pf->store,
                           "SELECT id, role, org_id, tenant_id, email FROM users WHERE id = $1 "
                           "AND id <> $2 AND disabled = 0",
                           SD_PARAMS(SD_V_INT(t->ref.opened_by), SD_V_INT(t->who->subject_id)), &s);
    else if (!strcmp(t->ref.addressee, "platform"))
        rc = sd_store_query(t->pf->store,
                            "SELECT id, role, org_id, tenant_id, email FROM users WHERE role = "
                            "'platform_admin' AND id <> $1 AND disabled = 0 ORDER BY id",
                            SD_PARAMS(SD_V_INT(t->who->subject_id)), &s);
    else
        rc = sd_store_query(t->pf->store,
                            "SELECT id, role, org_id, tenant_id, email FROM users WHERE "
                            "tenant_id = $1 AND id <> $2 AND id <> $3 AND disabled = 0 ORDER BY id",
                            SD_PARAMS(SD_V_INT(t->ref.tenant_id), SD_V_INT(t->who->subject_id),
                                      SD_V_INT(t->ref.opened_by)),
                            &s);
    char **list = NULL;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = 0;
        sd_role_t role;
        const char *rn = sd_stmt_text(s, 1, NULL), *email = sd_stmt_text(s, 4, NULL);
        if (sd_policy_role_parse(rn, strlen(rn), &role) || !email || !*email)
            continue;
        sd_principal_t p = {.role = role,
                            .subject_id = sd_stmt_int64(s, 0),
                            .org_id = sd_stmt_int64(s, 2),
                            .tenant_id = sd_stmt_int64(s, 3)};
        sd_inquiry_ref_t r = t->ref;
        sd_scope_t sc = sd_inquiry_scope(&r);
        /* the tenant's answering admins are those who may see it (a vendor admin: its own org) */
        if (to_answerers &&
            (!sd_inquiry_is_answerer(&p, &r) || sd_policy_check(&p, SD_ACT_INQUIRY_READ, &sc)))
            continue;
        char **nl = realloc(list, (*n + 1) * sizeof *nl);
        if (!nl || !(nl[*n] = strdup(email))) {
            list = nl ? nl : list;
            rc = SD_ENOMEM;
            break;
        }
        list = nl;
        (*n)++;
    }
    sd_stmt_done(s);
    *out = list;
    return rc < 0 ? rc : 0;
}

/* Mail the other party of t->who: what ("reply", "status", "create"), Japanese first. */
static int mail_other(inq_tx_t *t, const char *what, const char *subject, const char *text)
{
    if (!t->n)
        return 0;
    char **to = NULL;
    size_t n = 0;
    int rc = recipients(t, !t->answerer, &to, &n);
    sd_buf_t subj = {0}, body = {0};
    const char *url = sd_notify_portal_url(t->n);
    const char *ja = !strcmp(what, "create")  ? "新しい問い合わせ"
                     : !strcmp(what, "reply") ? "返信"
                                              : "状況の変更";
    const char *en = !strcmp(what, "create")  ? "New inquiry"
                     : !strcmp(what, "reply") ? "Reply"
                                              : "Status change";
    if (!rc && n)
        rc = sd_buf_printf(&subj, "[suido] 問い合わせ #%" PRId64 " %s: %s (%s)", t->ref.id, ja,
                           subject, en);
    if (!rc && n)
        rc = sd_buf_printf(
            &body,
            "問い合わせ #%" PRId64 "「%s」に%sがありました。\n状況: %s\n\n%s\n\n%s%s%s%" PRId64
            "\n\n----\n%s on inquiry #%" PRId64 " \"%s\". Status: %s\n%s%s%s%" PRId64 "\n",
            t->ref.id, subject, ja, status_ja(t->status), text ? text : "", url ? "ポータル: " : "",
            url ? url : "", url ? "/#/inquiries?id=" : "", url ? t->ref.id : 0, en, t->ref.id,
            subject, t->status, url ? "Portal: " : "", url ? url : "",
            url ? "/#/inquiries?id=" : "", url ? t->ref.id : 0);
    for (size_t i = 0; !rc && i < n; i++)
        rc = sd_notify_enqueue(t->n, t->ref.tenant_id, "inquiry", 0, 0, to[i], subj.data, body.data,
                               NULL);
    for (size_t i = 0; i < n; i++)
        free(to[i]);
    free(to);
    sd_buf_free(&subj);
    sd_buf_free(&body);
    return rc;
}

static int subject_of(inq_tx_t *t, char **out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(t->pf->store, "SELECT subject FROM inquiries WHERE id = $1",
                                SD_PARAMS(SD_V_INT(t->ref.id)), &s);
    if (!rc) {
        *out = strdup(sd_stmt_text(s, 0, NULL));
        rc = *out ? 0 : SD_ENOMEM;
    }
    sd_stmt_done(s);
    return rc;
}

static int add_message(inq_tx_t *t, const char *kind, const char *body, const char *from,
                       int64_t file_id, int64_t now)
{
    return sd_store_exec(
        t->pf->store,
        "INSERT INTO inquiry_messages (inquiry_id, kind, by_user, side, body, "
        "from_status, to_status, file_id, at) VALUES ($1, $2, $3, $4, $5, $6, "
        "$7, $8, $9)",
        SD_PARAMS(SD_V_INT(t->ref.id), SD_V_TEXT(kind), SD_V_INT(t->who->subject_id),
                  SD_V_TEXT(t->answerer ? "answerer" : "requester"), SD_V_TEXT(body ? body : ""),
                  SD_V_TEXT(from), SD_V_TEXT(t->status), SD_V_INT(file_id), SD_V_INT(now)),
        NULL);
}

static int audit(inq_tx_t *t, const char *action, const char *detail)
{
    char obj[48];
    snprintf(obj, sizeof obj, "inquiry:%" PRId64, t->ref.id);
    return sd_pf_audit(t->pf, t->who, t->ref.tenant_id, action, obj, detail);
}

static int create_tx(sd_store_t *st, void *ctx)
{
    inq_tx_t *t = ctx;
    int64_t now = sd_pf_now_ms(t->pf);
    t->ref.tenant_id = t->who->tenant_id;
    t->ref.org_id = t->who->org_id;
    t->ref.opened_by = t->who->subject_id;
    snprintf(t->ref.addressee, sizeof t->ref.addressee, "%s", t->addressee);
    snprintf(t->status, sizeof t->status, "received");
    int rc =
        sd_store_insert(st,
                        "INSERT INTO inquiries (tenant_id, org_id, opened_by, addressee, "
                        "category, subject, status, created_at, updated_at) VALUES ($1, $2, "
                        "$3, $4, $5, $6, 'received', $7, $7) RETURNING id",
                        SD_PARAMS(SD_V_INT(t->ref.tenant_id), SD_V_INT(t->ref.org_id),
                                  SD_V_INT(t->ref.opened_by), SD_V_TEXT(t->addressee),
                                  SD_V_TEXT(t->category), SD_V_TEXT(t->subject), SD_V_INT(now)),
                        &t->ref.id);
    t->answerer = 0;
    if (!rc)
        rc = add_message(t, "message", t->body, "", 0, now);
    char det[64];
    snprintf(det, sizeof det, "{\"addressee\":\"%s\",\"category\":\"%s\"}", t->addressee,
             t->category);
    if (!rc)
        rc = audit(t, "inquiry.create", det);
    if (!rc)
        rc = mail_other(t, "create", t->subject, t->body);
    return rc;
}

int sd_inquiry_create(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who, const char *addressee,
                      const char *category, const char *subject, const char *body, int64_t *id)
{
    inq_tx_t t = {.pf = pf,
                  .n = n,
                  .who = who,
                  .addressee = addressee,
                  .category = category,
                  .subject = subject,
                  .body = body};
    int rc = sd_store_tx(pf->store, create_tx, &t);
    *id = rc ? 0 : t.ref.id;
    if (!rc && n)
        sd_notify_wake(n);
    return rc;
}

/* The status of ref now, re-read in the transaction: a concurrent close wins. */
static int status_now(inq_tx_t *t, char out[16])
{
    sd_inquiry_ref_t r;
    int rc = sd_inquiry_ref(t->pf, t->ref.id, &r);
    if (!rc)
        memcpy(out, r.status, 16);
    return rc;
}

static int change_tx(sd_store_t *st, void *ctx)
{
    inq_tx_t *t = ctx;
    int64_t now = sd_pf_now_ms(t->pf);
    char from[16], *subject = NULL;
    int rc = status_now(t, from);
    if (rc)
        return rc;
    if (!strcmp(from, "closed"))
        return SD_ECONFLICT;
    const char *to = t->to;
    if (!to) { /* a reply: an answer answers, a follow-up question reopens */
        to = t->answerer && strcmp(from, "answered")     ? "answered"
             : !t->answerer && !strcmp(from, "answered") ? "in_progress"
                                                         : from;
    } else if ((rc = sd_inquiry_transition(from, to, t->answerer)) != 0) {
        return rc;
    }
    snprintf(t->status, sizeof t->status, "%s", to);
    rc = sd_store_exec(st, "UPDATE inquiries SET status = $1, updated_at = $2 WHERE id = $3",
                       SD_PARAMS(SD_V_TEXT(to), SD_V_INT(now), SD_V_INT(t->ref.id)), NULL);
    if (!rc)
        rc = add_message(t, t->to ? "status" : "message", t->body, from, 0, now);
    char det[80];
    snprintf(det, sizeof det, "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);
    if (!rc)
        rc = audit(t, t->to ? "inquiry.status" : "inquiry.reply", det);
    if (!rc)
        rc = subject_of(t, &subject);
    if (!rc)
        rc = mail_other(t, t->to ? "status" : "reply", subject, t->body);
    free(subject);
    return rc;
}

static int change(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who,
                  const sd_inquiry_ref_t *ref, const char *to, const char *body, char *status)
{
    inq_tx_t t = {.pf = pf,
                  .n = n,
                  .who = who,
                  .ref = *ref,
                  .to = to,
                  .body = body,
                  .answerer = sd_inquiry_is_answerer(who, ref)};
    int rc = sd_store_tx(pf->store, change_tx, &t);
    if (!rc && status)
        memcpy(status, t.status, 16);
    if (!rc && n)
        sd_notify_wake(n);
    return rc;
}

int sd_inquiry_reply(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who,
                     const sd_inquiry_ref_t *ref, const char *body, char new_status[16])
{
    return change(pf, n, who, ref, NULL, body, new_status);
}

int sd_inquiry_set_status(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who,
                          const sd_inquiry_ref_t *ref, const char *to, const char *note)
{
    return change(pf, n, who, ref, to, note, NULL);
}

void sd_inquiry_file_path(int64_t id, char *buf, size_t n)
{
    unsigned char r[16];
    char hex[33];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(buf, n, SD_INQUIRY_PATH_PREFIX "inquiries/%" PRId64 "/%s", id, hex);
}

static int attach_tx(sd_store_t *st, void *ctx)
{
    inq_tx_t *t = ctx;
    int64_t now = sd_pf_now_ms(t->pf);
    int rc = status_now(t, t->status);
    if (!rc && !strcmp(t->status, "closed"))
        rc = SD_ECONFLICT;
    if (!rc)
        rc = sd_store_insert(st,
                             "INSERT INTO inquiry_files (inquiry_id, name, path, size, sha256, "
                             "by_user, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                             SD_PARAMS(SD_V_INT(t->ref.id), SD_V_TEXT(t->name), SD_V_TEXT(t->path),
                                       SD_V_INT(t->size), SD_V_TEXT(t->sha256),
                                       SD_V_INT(t->who->subject_id), SD_V_INT(now)),
                             &t->file_id);
    if (!rc)
        rc = add_message(t, "file", t->name, t->status, t->file_id, now);
    if (!rc)
        rc = sd_store_exec(st, "UPDATE inquiries SET updated_at = $1 WHERE id = $2",
                           SD_PARAMS(SD_V_INT(now), SD_V_INT(t->ref.id)), NULL);
    char det[160];
    snprintf(det, sizeof det, "{\"file\":%" PRId64 ",\"size\":%" PRId64 ",\"sha256\":\"%s\"}",
             t->file_id, t->size, t->sha256);
    if (!rc)
        rc = audit(t, "inquiry.attach", det);
    return rc;
}

int sd_inquiry_attach(sd_pf_t *pf, const sd_principal_t *who, const sd_inquiry_ref_t *ref,
                      const char *name, const char *path, int64_t size, const char *sha256,
                      int64_t *file_id)
{
    inq_tx_t t = {.pf = pf,
                  .who = who,
                  .ref = *ref,
                  .name = name,
                  .path = path,
                  .size = size,
                  .sha256 = sha256,
                  .answerer = sd_inquiry_is_answerer(who, ref)};
    int rc = sd_store_tx(pf->store, attach_tx, &t);
    *file_id = rc ? 0 : t.file_id;
    return rc;
}

int sd_inquiry_file(sd_pf_t *pf, int64_t id, int64_t file_id, char name[1024], char path[1024])
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT name, path FROM inquiry_files WHERE id = $1 AND "
                                "inquiry_id = $2",
                                SD_PARAMS(SD_V_INT(file_id), SD_V_INT(id)), &s);
    if (rc)
        return rc;
    snprintf(name, 1024, "%s", sd_stmt_text(s, 0, NULL));
    snprintf(path, 1024, "%s", sd_stmt_text(s, 1, NULL));
    sd_stmt_done(s);
    return 0;
}
