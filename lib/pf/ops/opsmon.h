/* opsmon.h - operation monitoring (§2.6 動作監視, §2.1 #3 status): alive of gateways and
 * applications, resources of the suidod host with thresholds, performance per interface. */
#ifndef SD_PF_OPSMON_H
#define SD_PF_OPSMON_H

#include <stdint.h>

#include "core/json.h"
#include "pf/notify/notify.h"
#include "pf/pf.h"

typedef struct sd_opsmon sd_opsmon_t;

/* Resources, in this order in the status and in the config keys monitor.<name>_warn/_fault. */
typedef enum {
    SD_RES_CPU,    /* % of all CPUs busy since the previous sample */
    SD_RES_MEMORY, /* % of MemTotal not available */
    SD_RES_DISK,   /* % of the data.dir file system used */
    SD_RES_DB,     /* database size, MiB */
    SD_RES_OUTBOX, /* e-mails waiting to be sent */
    SD_RES__COUNT
} sd_resource_t;

typedef struct {
    const char *data_dir;        /* disk usage of this directory's file system */
    double warn[SD_RES__COUNT];  /* state warn when value >= warn */
    double fault[SD_RES__COUNT]; /* state fault when value >= fault */
    int64_t interval_ms;         /* resource sampling period */
} sd_opsmon_config_t;

/* Defaults: cpu 80/95 %, memory 85/95 %, disk 80/90 %, db 10240/20480 MiB, outbox 100/1000,
 * every 60 s. */
void sd_opsmon_config_defaults(sd_opsmon_config_t *cfg);

/* notify may be NULL (no alerts by e-mail). Strings of cfg are copied. */
int sd_opsmon_new(sd_pf_t *pf, const sd_opsmon_config_t *cfg, sd_notify_t *notify,
                  sd_opsmon_t **out);
/* A thread (sd_worker) sampling resources every interval (a crossing of a threshold mails the
 * platform's operators through notify, and so does the return to ok). */
int sd_opsmon_start(sd_opsmon_t *m);
void sd_opsmon_free(sd_opsmon_t *m);

/* One sampling pass on the calling thread (tests). */
int sd_opsmon_sample(sd_opsmon_t *m);

/*
 * Count a finished request for the performance figures of its interface (path /apif/..., /gwif/...,
 * /api/... = portal; others are ignored), kept for the last 60 s. Any thread.
 */
void sd_opsmon_record(sd_opsmon_t *m, const char *path, int64_t duration_ms, int status);

/* The platform context the monitor was made with (for the api layer's routes). */
sd_pf_t *sd_opsmon_pf(const sd_opsmon_t *m);

/*
 * GET /api/v1/status for who (already checked for monitor.read on its home scope): services,
 * resources and performance when who is on the operator side (platform admin, operator admin or
 * general), then the gateways and applications who may see (monitor.read on each), as
 * {"generated_at","components","resources","performance"} in *out. 0, SD_ENOMEM, SD_ESTORE.
 */
int sd_opsmon_status(sd_opsmon_t *m, const sd_principal_t *who, json_t **out);

/* "ok", "warn" or "fault" for a value against its thresholds. Pure. */
const char *sd_opsmon_state(double value, double warn, double fault);

/* Percentile p (0..100) of n durations (sorted in place), nearest rank. 0 for n = 0. Pure. */
double sd_opsmon_percentile(int64_t *v, size_t n, double p);

#endif
