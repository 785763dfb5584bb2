/* time.h - civil dates and the JST wall time terminals speak; everything stored is UTC. */
#ifndef SD_CORE_TIME_H
#define SD_CORE_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Japan has no daylight saving: JST is always UTC+9. */
#define SD_JST_OFFSET_S (9 * 3600)

typedef struct {
    int year; /* full year, e.g. 2003 */
    int mon;  /* 1-12 */
    int day;  /* 1-31 */
    int hour; /* 0-23 */
    int min;  /* 0-59 */
    int sec;  /* 0-59 */
} sd_civil_t;

/* True when c names a real calendar instant (leap years included, no leap seconds). */
bool sd_civil_valid(const sd_civil_t *c);

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. Pure integer arithmetic. */
int64_t sd_days_from_civil(int year, int mon, int day);
void sd_civil_from_days(int64_t days, int *year, int *mon, int *day);

/* Seconds since the epoch for c taken as a wall time at UTC offset offset_s, and back. */
int64_t sd_civil_to_unix(const sd_civil_t *c, int offset_s);
void sd_civil_from_unix(int64_t unix_s, int offset_s, sd_civil_t *out);

/*
 * The terminal date-time field: 10 ASCII digits YYMMDDhhmm in JST, years 2000-2099 [profile].
 * sd_ymdhm_parse() reads exactly 10 bytes (not NUL-terminated) and rejects non-digits and
 * impossible dates with SD_EFIELD; on success *unix_s is the UTC instant (seconds = 0).
 * sd_ymdhm_format() writes exactly 10 bytes (no NUL) for the JST wall time of unix_s.
 */
int sd_ymdhm_parse(const char *p, int64_t *unix_s);
void sd_ymdhm_format(int64_t unix_s, char out[10]);

/* ISO 8601 UTC "2026-11-24T01:02:03Z" into out (at least 21 bytes). */
void sd_iso8601_format(int64_t unix_s, char *out, size_t outsz);

/* Parse ISO 8601 "YYYY-MM-DDThh:mm:ss" with "Z" or "+hh:mm"/"-hh:mm"; SD_EFIELD if malformed. */
int sd_iso8601_parse(const char *s, int64_t *unix_s);

#endif
