/* sched.h - when the gateway calls: daily collection slots, the X blackout, L3 report dues. */
#ifndef SD_GW_SCHED_H
#define SD_GW_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "line/text.h"

/*
 * Every L2 terminal is collected once per JST day at its own slot: a stable hash of its code
 * spreads the fleet evenly over the window [start_min, start_min + len_min) of the JST day,
 * using only minutes 6..54 of each hour: X is never sent within 5 minutes of the top of an
 * hour (the terminal is closing its hourly block then, docs/terminal-protocol.md 4.1).
 * Pure functions of their arguments.
 */

/* The slot (UTC ms) of device code on the JST day starting day_start_ms. */
int64_t sd_gw_daily_slot(const char *code, int64_t day_start_ms, int start_min, int len_min);

/* True when an X may be sent at unix_ms (outside +-5 min of the top of an hour). */
bool sd_gw_x_allowed_ms(int64_t unix_ms);

/* The next instant >= unix_ms at which an X is allowed. */
int64_t sd_gw_x_next_allowed(int64_t unix_ms);

/*
 * The most recent instant <= now_ms (UTC ms) at which an L3 device designated with d should
 * have made its scheduled report (JST day d->day at d->hour:d->min, every month, odd or even
 * months), or 0 when d is not set (day 0).
 */
int64_t sd_gw_l3_last_due(const sd_line_l3_desig_t *d, int64_t now_ms);

/* Back-off before retry n (1-based) of a failed call: base_ms doubling, capped at max_ms. */
int64_t sd_gw_backoff_ms(int n, int64_t base_ms, int64_t max_ms);

#endif
