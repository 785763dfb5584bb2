/* clock.h - injectable clock, so schedules, timeouts and expiries are tested without sleeping. */
#ifndef SD_CORE_CLOCK_H
#define SD_CORE_CLOCK_H

#include <stdint.h>

/*
 * A clock is a pair of readings: wall time (UTC, milliseconds since the Unix epoch) for anything
 * stored or shown, and monotonic time (milliseconds, arbitrary origin) for timeouts.
 * The system clock is a static singleton; a fake clock is owned by its creator.
 */
typedef struct sd_clock sd_clock_t;

struct sd_clock_ops {
    int64_t (*wall_ms)(void *ctx);
    int64_t (*mono_ms)(void *ctx);
};

struct sd_clock {
    const struct sd_clock_ops *ops;
    void *ctx;
};

/* The process's real clock (CLOCK_REALTIME / CLOCK_MONOTONIC). Never NULL, never freed. */
sd_clock_t *sd_clock_system(void);

/*
 * A fake clock starting at wall_ms (monotonic starts at 0) that only moves when told.
 * Returns NULL on allocation failure; free with sd_clock_fake_free().
 */
sd_clock_t *sd_clock_fake_new(int64_t wall_ms);
void sd_clock_fake_advance(sd_clock_t *c, int64_t ms);
void sd_clock_fake_set_wall(sd_clock_t *c, int64_t wall_ms);
void sd_clock_fake_free(sd_clock_t *c);

/*
 * A scaled clock: time runs `factor` times faster than `base` from the moment of creation, with
 * wall time starting at start_wall_ms (or base's wall time when start_wall_ms < 0). Used by the
 * terminal simulator to make days of hourly data appear in seconds.
 */
sd_clock_t *sd_clock_scaled_new(sd_clock_t *base, double factor, int64_t start_wall_ms);
void sd_clock_scaled_free(sd_clock_t *c);

static inline int64_t sd_clock_wall_ms(sd_clock_t *c)
{
    return c->ops->wall_ms(c->ctx);
}

static inline int64_t sd_clock_mono_ms(sd_clock_t *c)
{
    return c->ops->mono_ms(c->ctx);
}

#endif
