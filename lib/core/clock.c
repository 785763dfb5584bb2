/* clock.c - system, fake and scaled clocks behind one ops table. */
#include "core/clock.h"

#include <stdlib.h>
#include <time.h>

static int64_t read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sys_wall(void *ctx)
{
    (void)ctx;
    return read_clock(CLOCK_REALTIME);
}

static int64_t sys_mono(void *ctx)
{
    (void)ctx;
    return read_clock(CLOCK_MONOTONIC);
}

static const struct sd_clock_ops sys_ops = {sys_wall, sys_mono};
static sd_clock_t sys_clock = {&sys_ops, NULL};

sd_clock_t *sd_clock_system(void)
{
    return &sys_clock;
}

struct fake {
    sd_clock_t clock;
    int64_t wall;
    int64_t mono;
};

static int64_t fake_wall(void *ctx)
{
    return ((struct fake *)ctx)->wall;
}

static int64_t fake_mono(void *ctx)
{
    return ((struct fake *)ctx)->mono;
}

static const struct sd_clock_ops fake_ops = {fake_wall, fake_mono};

sd_clock_t *sd_clock_fake_new(int64_t wall_ms)
{
    struct fake *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->clock.ops = &fake_ops;
    f->clock.ctx = f;
    f->wall = wall_ms;
    return &f->clock;
}

void sd_clock_fake_advance(sd_clock_t *c, int64_t ms)
{
    struct fake *f = c->ctx;
    f->wall += ms;
    f->mono += ms;
}

void sd_clock_fake_set_wall(sd_clock_t *c, int64_t wall_ms)
{
    ((struct fake *)c->ctx)->wall = wall_ms;
}

void sd_clock_fake_free(sd_clock_t *c)
{
    if (c)
        free(c->ctx);
}

struct scaled {
    sd_clock_t clock;
    sd_clock_t *base;
    double factor;
    int64_t base_mono0;
    int64_t wall0;
};

static int64_t scaled_elapsed(struct scaled *s)
{
    return (int64_t)((double)(sd_clock_mono_ms(s->base) - s->base_mono0) * s->factor);
}

static int64_t scaled_wall(void *ctx)
{
    struct scaled *s = ctx;
    return s->wall0 + scaled_elapsed(s);
}

static int64_t scaled_mono(void *ctx)
{
    return scaled_elapsed(ctx);
}

static const struct sd_clock_ops scaled_ops = {scaled_wall, scaled_mono};

sd_clock_t *sd_clock_scaled_new(sd_clock_t *base, double factor, int64_t start_wall_ms)
{
    struct scaled *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->clock.ops = &scaled_ops;
    s->clock.ctx = s;
    s->base = base;
    s->factor = factor > 0 ? factor : 1.0;
    s->base_mono0 = sd_clock_mono_ms(base);
    s->wall0 = start_wall_ms >= 0 ? start_wall_ms : sd_clock_wall_ms(base);
    return &s->clock;
}

void sd_clock_scaled_free(sd_clock_t *c)
{
    if (c)
        free(c->ctx);
}
