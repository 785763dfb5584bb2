/* conv.h - terminal texts to platform samples, with the master's point definitions. */
#ifndef SD_GW_CONV_H
#define SD_GW_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "gw/inv.h"
#include "gwif/gwif.h"
#include "line/text.h"

/*
 * Conversion rules [profile] (docs/master-data.md "Analog scaling"; README "suido-gw"):
 * - alarm / monitor on Di n or Pi n: the state character of input n, '1' 'A' 'P' -> 1,
 *   '0' '@' 'Q' -> 0, ' ' (not fitted) -> no sample;
 * - analog Ai n: scale_lo + (scale_hi - scale_lo) * raw / 255;
 * - integration Integ n: counter n x factor;
 * - pulse Pi n: the X report's hourly pulse counters are numbered in input order, so the k-th
 *   pulse point of the device (by Pi number) reads counter k; value = count in the hour x factor;
 * - runtime Pi n: likewise the k-th run-time point reads run-time slot k; value = ON minutes of
 *   that JST day, stamped at the day's start (00:00 JST). Today's value grows over the day and
 *   each collection replaces it (samples are keyed by point and time).
 * Hourly blocks are stamped at the end of their hour: block b of an X report covers
 * [start + b h, start + (b+1) h), so its sample time is start + (b+1) h, in UTC (the wire's
 * JST date-times are decoded to UTC by the codec).
 */
typedef struct {
    char data_id[65];
    int64_t ts_ms;
    double value;
    sd_ts_quality_t quality; /* GW-IF's (gwif.h): SD_TS_GOOD for what a terminal reported */
} sd_gw_sample_t;

typedef struct {
    sd_gw_sample_t *v;
    size_t n, cap;
} sd_gw_samples_t;

void sd_gw_samples_free(sd_gw_samples_t *s); /* leaves s empty and reusable */

/* What an X report covered: its hourly blocks' end times (ms), 0 when it had none. */
typedef struct {
    int64_t first_end_ms, last_end_ms;
    int blocks_used; /* blocks newer than after_ms */
} sd_gw_xinfo_t;

/*
 * Samples of an X report for device d: the hourly blocks that end after after_ms (0 = all) and
 * the run-time days from after_ms's JST day on (the day of the report and up to 3 before it).
 * Appends to out; 0 or SD_ENOMEM.
 */
int sd_gw_conv_x(const sd_gw_device_t *d, const sd_line_xreport_t *x, int64_t after_ms,
                 sd_gw_samples_t *out, sd_gw_xinfo_t *info);
/* Y Z I K G H report: Di/Pi states, analog, integration at ts_ms. 0 or SD_ENOMEM. */
int sd_gw_conv_alarm(const sd_gw_device_t *d, const sd_line_alarm_t *a, int64_t ts_ms,
                     sd_gw_samples_t *out);
/* V answer: states, analog, integration at ts_ms; run-time of today at the day's start. */
int sd_gw_conv_monitor(const sd_gw_device_t *d, const sd_line_monitor_t *m, int64_t ts_ms,
                       sd_gw_samples_t *out);
/* L3 report: the 16 alarm inputs are Di 1-16. */
int sd_gw_conv_l3(const sd_gw_device_t *d, const sd_line_l3_report_t *r, int64_t ts_ms,
                  sd_gw_samples_t *out);

/*
 * The sample as a GW-IF sample object {"data_id","ts","value","quality"}, as gwif builds it
 * (sd_gwif_sample_json(), ts as ISO 8601 UTC): the queue's row for it. 0, SD_EINVAL (a sample
 * gwif refuses: no data ID, not finite, bad quality) or SD_ENOMEM.
 */
int sd_gw_sample_json(const sd_gw_sample_t *s, sd_buf_t *out);

/* Start of the JST day containing unix_ms, in UTC ms. */
int64_t sd_gw_jst_day_start_ms(int64_t unix_ms);

#endif
