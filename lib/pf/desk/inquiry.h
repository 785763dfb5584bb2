/* inquiry.h - inquiries (問い合わせ対応, 表2-1 No.2): a user opens one to the platform operator or
 * to its tenant's admins; a thread of replies, status changes and files; e-mail to the other
 * party on each reply, through the notifier's durable outbox. */
#ifndef SD_PF_INQUIRY_H
#define SD_PF_INQUIRY_H

#include <stdint.h>

#include "core/json.h"
#include "pf/notify/notify.h"
#include "pf/pf.h"

/* Object store paths of attachments start with this (lib/api/data/files.c refuses it to apps). */
#define SD_INQUIRY_PATH_PREFIX ".suido/"

/*
 * Statuses: received (受付) -> in_progress (対応中) -> answered (回答済) -> closed (完了).
 * The answering party moves between the first three freely forward, back from answered to
 * in_progress, and closes; the requesting party may only close. Closed is final.
 * Pure: 0, SD_ECONFLICT (not allowed), SD_EFIELD (unknown name).
 */
int sd_inquiry_transition(const char *from, const char *to, int answerer);
int sd_inquiry_status_check(const char *s); /* 0 or SD_EFIELD */

/* Categories: usage (操作方法), failure (障害・不具合), account (アカウント・権限), data (データ・
 * マスタ), request (要望), other (その他). 0 or SD_EFIELD. Pure. */
int sd_inquiry_category_check(const char *s);

/* A subject or a file name: no control characters (a subject goes into a mail header). Pure. */
int sd_inquiry_text_check(const char *s);

/* What the checks of the api need of one inquiry. */
typedef struct {
    int64_t id, tenant_id, org_id, opened_by;
    char addressee[16]; /* "platform" or "tenant" */
    char status[16];
} sd_inquiry_ref_t;

/* Load ref of inquiry id. 0, SD_ENOTFOUND, SD_E*. */
int sd_inquiry_ref(sd_pf_t *pf, int64_t id, sd_inquiry_ref_t *ref);

/* The policy scope of an inquiry: its tenant and the opener's organisation. */
sd_scope_t sd_inquiry_scope(const sd_inquiry_ref_t *ref);

/*
 * Beyond the policy table: the platform operator sees only inquiries addressed to the platform
 * (an operator's question to its own admins is not its business). 1 visible, 0 not.
 */
int sd_inquiry_visible(const sd_principal_t *who, const sd_inquiry_ref_t *ref);

/* Is who the answering party of ref: the platform operator for "platform", an admin of the
 * tenant other than the opener for "tenant"? 1 or 0. Everybody else writes as the requester. */
int sd_inquiry_is_answerer(const sd_principal_t *who, const sd_inquiry_ref_t *ref);

typedef struct {
    int64_t tenant;       /* 0 = every tenant */
    int64_t org;          /* 0 = every organisation */
    int platform_only;    /* only those addressed to the platform */
    const char *status;   /* NULL or "" = any */
    const char *category; /* NULL or "" = any */
    const char *q;        /* NULL or "" = any; else in the subject or any message (ASCII
                             case-insensitive, % and _ literal) */
} sd_inquiry_filter_t;

/*
 * Inquiries matching f, newest first, at most 500: rows {id, tenant_id, org_id, opened_by,
 * addressee, category, subject, status, created_at, updated_at}, scoped by tenant and org.
 */
int sd_inquiry_list(sd_pf_t *pf, const sd_inquiry_filter_t *f, sd_pf_items_t *out);

/* One inquiry as JSON with "messages" (the thread, oldest first) and "files". SD_ENOTFOUND. */
int sd_inquiry_get(sd_pf_t *pf, int64_t id, json_t **out);

/*
 * Open an inquiry in who's home tenant and organisation (who is a user): the inquiry, its first
 * message (body), the audit record "inquiry.create" and a mail to the answering party, in one
 * transaction; n may be NULL (no mail). 0 or SD_E*.
 */
int sd_inquiry_create(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who, const char *addressee,
                      const char *category, const char *subject, const char *body, int64_t *id);

/*
 * A reply by who: the message, the status it moves to (an answer makes received / in_progress
 * answered; the requester's reply makes answered in_progress again), audit "inquiry.reply" and a
 * mail to the other party, in one transaction. SD_ECONFLICT when closed. new_status (may be
 * NULL) gets the status after. 0 or SD_E*.
 */
int sd_inquiry_reply(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who,
                     const sd_inquiry_ref_t *ref, const char *body, char new_status[16]);

/*
 * Change the status to to (checked with sd_inquiry_transition for who's side), with a thread
 * row (note), audit "inquiry.status" and a mail to the other party. 0, SD_ECONFLICT, SD_E*.
 */
int sd_inquiry_set_status(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who,
                          const sd_inquiry_ref_t *ref, const char *to, const char *note);

/* A fresh object store path for a file of inquiry id: SD_INQUIRY_PATH_PREFIX "inquiries/<id>/
 * <random hex>", into buf (at least 96 bytes). */
void sd_inquiry_file_path(int64_t id, char *buf, size_t n);

/* Record a stored file (name, path, size, sha256) on the thread, audit "inquiry.attach". */
int sd_inquiry_attach(sd_pf_t *pf, const sd_principal_t *who, const sd_inquiry_ref_t *ref,
                      const char *name, const char *path, int64_t size, const char *sha256,
                      int64_t *file_id);

/* File file_id of inquiry id: its name and object store path (buffers of 1024 bytes). */
int sd_inquiry_file(sd_pf_t *pf, int64_t id, int64_t file_id, char name[1024], char path[1024]);

#endif
