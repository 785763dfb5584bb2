/* notify.h - e-mail notification (§2.6 監視情報共有・通知): a durable outbox sent over SMTP by a
 * worker, alarm notification by severity and duty, escalation until acknowledged, daily digest. */
#ifndef SD_PF_NOTIFY_H
#define SD_PF_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "pf/alarms/alarm.h"
#include "pf/pf.h"

typedef struct sd_notify sd_notify_t;

typedef struct {
    const char *smtp_url; /* smtp://host:port, smtps://host:port; NULL = nothing is sent
                             (messages wait in the outbox, each attempt logged as failed) */
    const char *from;     /* envelope and From: address */
    const char *username; /* SMTP AUTH, optional */
    const char *password;
    int starttls;           /* smtp:// must upgrade with STARTTLS (CURLUSESSL_ALL) */
    const char *cacert;     /* CA file for smtps/STARTTLS, NULL = system store */
    const char *portal_url; /* base of the links in e-mails, e.g. https://suido.example.jp */
    int64_t escalate_ms[5]; /* by severity 1..4: next step when not acknowledged this long */
    int repeats;            /* times the whole ladder is run again after its last step */
    int digest_min;         /* JST minute of the day of the daily digest, -1 = none */
    int64_t retry_base_ms;  /* first retry after a failed send; doubles up to retry_max_ms */
    int64_t retry_max_ms;
    const char *ops_to; /* platform operators, comma-separated (resource alerts) */
} sd_notify_config_t;

/* Defaults: escalation 15/30/60/0 min (0 = no escalation for info), 2 repeats, digest 08:30
 * JST, retries from 30 s up to 15 min. */
void sd_notify_config_defaults(sd_notify_config_t *cfg);

/* A notifier on pf (strings of cfg are copied). Nothing runs until sd_notify_start(). */
int sd_notify_new(sd_pf_t *pf, const sd_notify_config_t *cfg, sd_notify_t **out);
/* Start the worker thread (lib/core/worker.h: sd_notify_tick() when woken and every 250 ms on
 * the monotonic clock). SD_EINVAL when started already. */
int sd_notify_start(sd_notify_t *n);
/* Stop the worker and free. Pending messages stay in the outbox for the next start. */
void sd_notify_free(sd_notify_t *n);

/*
 * One pass of the worker, on the calling thread: escalations due at pf->clock's now, the daily
 * digest when its time has come, then every outbox message due (sent, or rescheduled with
 * back-off). Returns the number of messages handed to SMTP successfully, or SD_E*.
 * Unit tests call it with a fake clock instead of starting the thread.
 */
int sd_notify_tick(sd_notify_t *n);

/* Wake the worker now (after enqueueing). */
void sd_notify_wake(sd_notify_t *n);

/*
 * Write one message to the outbox (durable when this returns 0; joins the caller's transaction
 * if one is open). kind: "alarm", "escalation", "digest", "resource", "test", "drill".
 * *id (may be NULL) gets the row id.
 */
int sd_notify_enqueue(sd_notify_t *n, int64_t tenant_id, const char *kind, int64_t alarm_id,
                      int step, const char *rcpt, const char *subject, const char *body,
                      int64_t *id);

/*
 * The alarm listener (ctx = the notifier): register with sd_alarms_listen(a, sd_notify_alarm, n).
 * RAISED notifies step 1 and starts the escalation; ACKED, CLEARED, SHELVED and
 * OUT_OF_SERVICE stop it. It only copies the event into a queue and wakes the worker, so the
 * alarm engine is not slowed by a flood: the worker persists all queued events in one
 * transaction (the outbox rows and escalations) before sending. A crash in the milliseconds
 * between the alarm's commit and that transaction loses the e-mail, not the alarm.
 */
void sd_notify_alarm(void *ctx, const sd_alarm_event_t *ev);

/* 1 when an SMTP server is configured (monitoring), 0 when mails can only wait. */
int sd_notify_has_smtp(const sd_notify_t *n);

/* Messages waiting in the outbox (monitoring). */
int sd_notify_outbox_depth(sd_notify_t *n, int64_t *depth);

/*
 * Mails still waiting after a failed attempt (monitoring): *waiting, and the largest SMTP result
 * text among them into last (lastsz bytes, "" when none). 0 or SD_E*.
 */
int sd_notify_failing(sd_notify_t *n, int64_t *waiting, char *last, size_t lastsz);

/* Mail platform operators (cfg.ops_to) through the outbox, e.g. a resource alert. */
int sd_notify_ops(sd_notify_t *n, const char *kind, const char *subject, const char *body);

/* The base of links in e-mails (notify.portal_url), NULL when not configured. */
const char *sd_notify_portal_url(const sd_notify_t *n);

/* The platform context of n (for the api layer's route registration). */
sd_pf_t *sd_notify_pf(sd_notify_t *n);

/* ---- the notification log, test messages and drills (the api's services) ------------------- */

/*
 * The log, newest first, of tenant_id (0 = every tenant), at most limit rows {id, tenant_id,
 * kind, alarm_id, step, rcpt, subject, state, attempts, next_at, created_at, sent_at, smtp_code,
 * smtp_result}; scope tenant of each. 0 or SD_E*.
 */
int sd_notify_list(sd_notify_t *n, int64_t tenant_id, int limit, sd_pf_items_t *out);

/*
 * A test message to the entries of contact list list_id (tenant_id, list_name, entries as
 * stored) of escalation step order (0 = every step), audited "notify.test" by who, in one
 * transaction, then the worker is woken. *ids: the new outbox ids (new array). 0 or SD_E*.
 */
int sd_notify_test(sd_notify_t *n, const sd_principal_t *who, int64_t tenant_id, int64_t list_id,
                   const char *list_name, const json_t *entries, int order, json_t **ids);

/*
 * A drill of an approved list: run its ladder as if an alarm of severity 1 were raised, under
 * a new drill id (its escalation row has alarm_id -id; the id is taken in the transaction that
 * inserts that row, so concurrent drills get distinct ids), audited "notify.drill" by who.
 * *drill_id, *queued (mails of step 1). 0 or SD_E*.
 */
int sd_notify_drill(sd_notify_t *n, const sd_principal_t *who, int64_t tenant_id, int64_t list_id,
                    const char *list_name, const json_t *entries, int64_t *drill_id, int *queued);

/* The tenant and escalation state ("active", "acked", "done") of a drill. 0, SD_ENOTFOUND. */
int sd_notify_drill_state(sd_notify_t *n, int64_t drill_id, int64_t *tenant_id, char state[16]);

/* Acknowledge a drill (its escalation stops), audited "notify.drill_ack" by who. 0 or SD_E*. */
int sd_notify_drill_ack(sd_notify_t *n, const sd_principal_t *who, int64_t tenant_id,
                        int64_t drill_id);

/* ---- pure parts (tested directly) ------------------------------------------------------------ */

/* "重故障" (1), "中故障" (2), "軽故障" (3), "情報" (4); "?" otherwise. */
const char *sd_notify_severity_ja(int severity);

/*
 * An RFC 5322 message: From, To, Subject (RFC 2047 B-encoded UTF-8, split into words on
 * character boundaries), Date (JST), Message-ID, MIME headers, and body as base64 UTF-8 text.
 * CRLF line ends. 0 or SD_ENOMEM / SD_EINVAL (CR or LF in an address or the subject).
 */
int sd_notify_format(const char *from, const char *to, const char *subject, const char *body,
                     int64_t now_ms, int64_t msg_id, sd_buf_t *out);

/* Delay before retry number attempts (1 = after the first failure): base * 2^(attempts-1),
 * at most max. */
int64_t sd_notify_backoff(int attempts, int64_t base_ms, int64_t max_ms);

#endif
