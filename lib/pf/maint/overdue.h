/* overdue.h - the daily check of the maintenance plan (issue 12): a visit planned before today
 * (JST) and not recorded is overdue; each one is mailed once, through the notifier's durable
 * outbox, to the contractor's 管理技術者 (duty manager) and to step 1 of the utility's approved
 * contact list (連絡体制表) of the facility. The owner of maint_visits.overdue_notified_at. */
#ifndef SD_PF_MAINT_OVERDUE_H
#define SD_PF_MAINT_OVERDUE_H

#include <stdint.h>

#include "pf/notify/notify.h"
#include "pf/pf.h"

/* Kind of the outbox rows (the notification log). */
#define SD_MAINT_OVERDUE_KIND "maint_overdue"

/*
 * One pass at pf->clock's now: every visit overdue and not yet notified gets its mails queued
 * (one outbox row per recipient, Japanese first, English below) and is marked notified in the
 * same transaction, so it is never notified twice, even by two passes at once. A visit with no
 * recipient is marked too. *visits (may be NULL) the visits notified, *mails (may be NULL) the
 * rows queued. 0 or SD_E*.
 */
int sd_maint_overdue_check(sd_pf_t *pf, sd_notify_t *n, int *visits, int *mails);

typedef struct sd_maint_overdue sd_maint_overdue_t;

/* A worker thread that runs the check at start and then every every_ms (a pass is one indexed
 * query when nothing is due, so hourly is cheap and catches the change of the JST day). */
int sd_maint_overdue_start(sd_pf_t *pf, sd_notify_t *n, int64_t every_ms, sd_maint_overdue_t **out);
/* Stop and free; NULL-safe. */
void sd_maint_overdue_stop(sd_maint_overdue_t *o);

#endif
