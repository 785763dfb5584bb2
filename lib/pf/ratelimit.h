/* ratelimit.h - token buckets per tenant, so one tenant's flood cannot starve another (§2.10). */
#ifndef SD_PF_RATELIMIT_H
#define SD_PF_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct sd_ratelimit sd_ratelimit_t;

/*
 * Buckets of `burst` tokens refilled at `rate` per second, one per key (a tenant id, or any
 * non-zero 64-bit hash), created full on first use. Buckets that have refilled are dropped when
 * the table would grow, so many short-lived keys (addresses) cost memory only while they wait. NULL
 * on ENOMEM or a rate/burst that is not positive. Thread-safe.
 */
sd_ratelimit_t *sd_ratelimit_new(double rate, double burst);
void sd_ratelimit_free(sd_ratelimit_t *rl); /* NULL-safe */

/*
 * The bucket key of len bytes of data (an address, an address and a client id): SipHash under a
 * key drawn once per process, so nobody can aim two values at one bucket; positive, never 0 (the
 * bucket table's empty slot).
 */
int64_t sd_ratelimit_key(const void *data, size_t len);

/*
 * Take one token from key's bucket at monotonic time now_ms. Returns 0, or SD_ERATE with
 * *retry_after_ms set to when the next token is due. Time going backwards is treated as still.
 */
int sd_ratelimit_take(sd_ratelimit_t *rl, int64_t key, int64_t now_ms, int64_t *retry_after_ms);

/*
 * Would sd_ratelimit_take() succeed now? Like it, but takes nothing and creates no bucket: for
 * limits that count only failures (take on each failure, peek before each attempt).
 */
int sd_ratelimit_peek(sd_ratelimit_t *rl, int64_t key, int64_t now_ms, int64_t *retry_after_ms);

/* Give one token back to key's bucket (never above the burst), e.g. when only failures are to
 * count: take before the work, give back when it succeeded. A key without a bucket is ignored. */
void sd_ratelimit_give(sd_ratelimit_t *rl, int64_t key, int64_t now_ms);

/*
 * Keys are any non-zero int64 (tenant ids, hashed client addresses). A bucket that has refilled
 * to its burst says nothing a new one would not, so the table drops those when it would grow:
 * its size follows the keys active recently, not every key ever seen.
 */

#endif
