/* sla.h - the service level of §3: per-minute internal probes of AP-IF, storage and GW-IF,
 * announced maintenance excluded, monthly availability and the refund rate of table 3-1. */
#ifndef SD_PF_SLA_H
#define SD_PF_SLA_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

enum { SD_SLA_APIF, SD_SLA_STORAGE, SD_SLA_GWIF, SD_SLA__COUNT };

/* One probed minute: ok[i] 1 when service i answered. */
typedef struct {
    int64_t minute_ms; /* start of the minute, UTC ms */
    uint8_t ok[SD_SLA__COUNT];
} sd_sla_minute_t;

/* An announced maintenance window [start, end). */
typedef struct {
    int64_t start_ms, end_ms;
} sd_sla_window_t;

typedef struct {
    int64_t minutes;  /* in the measured period */
    int64_t excluded; /* of them, inside announced maintenance */
    int64_t down[SD_SLA__COUNT];
    int64_t down_any; /* minutes where at least one service was down */
    double pct[SD_SLA__COUNT];
    double pct_all; /* availability of the whole (SLA 3.2.2: all three needed) */
    int refund_pct;
} sd_sla_result_t;

/*
 * The figures of [from, to) (whole minutes) from rows sorted by minute (minutes without a row
 * count as down for every service: nothing answered) and maintenance windows (a minute is
 * excluded when it starts inside one). Availability = (minutes - excluded - down) /
 * (minutes - excluded), 100 when nothing was measured. Pure.
 */
void sd_sla_compute(int64_t from, int64_t to, const sd_sla_minute_t *rows, size_t n,
                    const sd_sla_window_t *maint, size_t nm, sd_sla_result_t *out);

/*
 * Table 3-1 (返金に関する料率), by the month's availability: >= 99.95 % 0 %, >= 99.80 % 1 %,
 * >= 99.00 % 3 %, below 10 %. (The table's minute column, 21 min 36 s etc., is the same for a
 * 30-day month; the rate is what 3.2.1 promises, so it decides.) Pure.
 */
int sd_sla_refund_pct(double availability_pct);

typedef struct sd_sla sd_sla_t;

/* Probes against base_url (http://127.0.0.1:port of this suidod) once a minute, on a thread
 * (sd_worker) started after the server. */
int sd_sla_new(sd_pf_t *pf, sd_sla_t **out);
int sd_sla_start(sd_sla_t *s, const char *base_url);
void sd_sla_free(sd_sla_t *s);
/* Probe once now and record the current minute (tests). */
int sd_sla_probe(sd_sla_t *s);

/* The platform context of s (for the api layer's routes). */
sd_pf_t *sd_sla_pf(const sd_sla_t *s);

/*
 * The report of a JST calendar month ("YYYY-MM"; NULL = this month), measured from the first
 * probe ever to now: {"month","services":[{name,availability_pct,down_minutes,
 * excluded_minutes}],"availability_pct","refund_pct","target_pct","measured_minutes",
 * "down_minutes","excluded_minutes"} in *out. SD_EFIELD (not YYYY-MM), SD_ESTORE, SD_ENOMEM.
 */
int sd_sla_report(sd_sla_t *s, const char *month, json_t **out);

/* Announced maintenance windows, newest start first (at most 500): {id, starts_at, ends_at,
 * title, created_by, created_at}. */
int sd_sla_maintenance_list(sd_sla_t *s, sd_pf_items_t *out);

/* Record a window [from, to) announced by who, audited "maintenance.create" in the common
 * tenant in the same transaction, with the announcement (sd_sla_on_announce()) in it too. The
 * caller validated the times. 0 or SD_E*. */
int sd_sla_maintenance_add(sd_sla_t *s, const sd_principal_t *who, int64_t from, int64_t to,
                           const char *title, int64_t *id);

/*
 * Who announces a new window (the bulletin board: a post and the tenants' mail, pf/desk), called
 * inside the transaction that records it, so a window is never recorded unannounced; a non-zero
 * return rolls the window back. One; set before the server starts. fn NULL = none.
 */
typedef int (*sd_sla_announce_fn)(void *ctx, const sd_principal_t *who, int64_t id, int64_t from,
                                  int64_t to, const char *title);
void sd_sla_on_announce(sd_sla_t *s, sd_sla_announce_fn fn, void *ctx);

#endif
