/* lockout.h - pure back-off after failed logins: when is an account locked, and until when. */
#ifndef SD_AUTH_LOCKOUT_H
#define SD_AUTH_LOCKOUT_H

#include <stdint.h>

/*
 * After `threshold` consecutive failures the account is locked for base_s seconds from the last
 * failure; each further failure doubles that, up to cap_s. A success resets the count.
 * Attempts made while locked are refused without checking the password and are NOT counted, so
 * the lock cannot be extended by hammering it; the next real failure after it expires doubles.
 * Default: 5 failures -> 1 min, 6 -> 2 min, 7 -> 4, 8 -> 8, 9 -> 16, 10 -> 32, 11+ -> 1 h.
 */
typedef struct {
    uint32_t threshold;
    int64_t base_s;
    int64_t cap_s;
} sd_lockout_policy_t;

#define SD_LOCKOUT_POLICY_DEFAULT ((sd_lockout_policy_t){5, 60, 3600})

/* What the platform persists per account (or per client credential). Zero = clean. */
typedef struct {
    uint32_t failures;      /* consecutive failures since the last success */
    int64_t last_failure_s; /* Unix seconds of the latest counted failure */
} sd_lockout_t;

/* Lock length for a failure count: 0 below the threshold, else base * 2^(n - threshold), capped. */
int64_t sd_lockout_duration(const sd_lockout_policy_t *p, uint32_t failures);

/*
 * Is the account locked at now_s? Returns 0 (free; *until_s = 0) or SD_ELOCKED with *until_s the
 * first second at which it is free again. until_s may be NULL. A clock that went backwards keeps
 * the lock (until is measured from the recorded failure).
 */
int sd_lockout_check(const sd_lockout_policy_t *p, const sd_lockout_t *st, int64_t now_s,
                     int64_t *until_s);

/* Record a failed attempt (one that was checked, i.e. not refused for being locked). */
void sd_lockout_fail(sd_lockout_t *st, int64_t now_s);

/* Record a success: the count starts again from zero. */
void sd_lockout_succeed(sd_lockout_t *st);

#endif
