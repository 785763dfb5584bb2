/* credmail.h - provisional credentials sent to the user's own address (§2.2): an administrator
 * issues or resets an account and never sees the password; it travels through the notifier's
 * durable outbox in the same transaction as the account change, so neither exists alone. */
#ifndef SD_PF_ACCOUNTS_CREDMAIL_H
#define SD_PF_ACCOUNTS_CREDMAIL_H

#include <stdint.h>

#include "auth/policy.h"
#include "pf/notify/notify.h"
#include "pf/pf.h"

/* The outbox kind of these mails: the worker blanks their body once sent. */
#define SD_CREDMAIL_KIND "credentials"

/*
 * Subject and body (Japanese first, English below) telling login and the provisional password pw,
 * with the portal's address portal_url (NULL = none) and whether it is a reset. Pure; *subject and
 * *body are new (free()). 0 or SD_ENOMEM.
 */
int sd_credmail_compose(const char *portal_url, int reset, const char *login, const char *pw,
                        char **subject, char **body);

/*
 * Issue a user (sd_user_issue()) and queue its credentials mail to email, in one transaction;
 * the worker is woken after the commit. *id the new user, *mail_id the outbox row. The password
 * never leaves this function. 0 or sd_user_issue()'s / the store's errors.
 */
int sd_credmail_issue(sd_pf_t *pf, sd_notify_t *n, int64_t org_id, sd_role_t role,
                      const char *email, const char *name, int64_t *id, int64_t *mail_id);

/*
 * Reset user id of tenant (sd_user_reset(), audited "user.reset" by who) and queue the new
 * provisional password to the user's address, in one transaction. *mail_id the outbox row.
 */
int sd_credmail_reset(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who, int64_t id,
                      int64_t tenant, int64_t *mail_id);

#endif
