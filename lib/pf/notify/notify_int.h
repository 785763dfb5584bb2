/* notify_int.h - the notifier's state, internal to notify.c (not an API). */
#ifndef SD_PF_NOTIFY_INT_H
#define SD_PF_NOTIFY_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/worker.h"

#include "pf/notify/notify.h"

struct sd_notify {
    sd_pf_t *pf;
    sd_notify_config_t cfg; /* strings point into own[] */
    char *own[7];
    sd_worker_t *w; /* the worker thread (sd_notify_start), NULL before; under mu */
    int inited;
    atomic_int stop;    /* sd_notify_free() began: a pass in progress ends early */
    pthread_mutex_t mu; /* w, the queue */
    struct sd__notify_ev *q_head, *q_tail; /* transitions not yet persisted (notify.c) */
    size_t q_len;
    pthread_mutex_t tick_mu; /* one pass at a time (worker, tests, benches) */
    CURL *curl;              /* used under tick_mu only: keeps the SMTP connection */
};

#endif
