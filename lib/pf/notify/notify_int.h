/* notify_int.h - the notifier's state, shared by notify.c and notify_http.c (not an API). */
#ifndef SD_PF_NOTIFY_INT_H
#define SD_PF_NOTIFY_INT_H

#include <curl/curl.h>
#include <pthread.h>

#include "pf/notify/notify.h"

struct sd_notify {
    sd_pf_t *pf;
    sd_notify_config_t cfg; /* strings point into own[] */
    char *own[7];
    pthread_t thr;
    int inited, running, stop, wake;
    pthread_mutex_t mu; /* stop, wake, the queue */
    struct sd__notify_ev *q_head, *q_tail; /* transitions not yet persisted (notify.c) */
    size_t q_len;
    pthread_cond_t cv;
    pthread_mutex_t tick_mu; /* one pass at a time (worker, tests, benches) */
    CURL *curl;              /* used under tick_mu only: keeps the SMTP connection */
};

/* Notify step 1 of entries (list list_id) for ev and start its escalation. *queued = mails. */
int sd__notify_raise(sd_notify_t *n, const sd_alarm_event_t *ev, int64_t list_id,
                     const json_t *entries, int *queued);

#endif
