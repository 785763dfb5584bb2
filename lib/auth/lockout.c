/* lockout.c - exponential back-off lock after consecutive failed logins. */
#include "auth/lockout.h"

#include "core/err.h"

int64_t sd_lockout_duration(const sd_lockout_policy_t *p, uint32_t failures)
{
    if (!p || p->threshold == 0 || failures < p->threshold || p->base_s <= 0)
        return 0;
    uint32_t extra = failures - p->threshold;
    int64_t d = p->base_s;
    /* double step by step so a huge count saturates at the cap instead of overflowing */
    while (extra-- > 0 && d < p->cap_s)
        d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
    return d > p->cap_s ? p->cap_s : d;
}

int sd_lockout_check(const sd_lockout_policy_t *p, const sd_lockout_t *st, int64_t now_s,
                     int64_t *until_s)
{
    if (until_s)
        *until_s = 0;
    if (!p || !st)
        return SD_EINVAL;
    int64_t d = sd_lockout_duration(p, st->failures);
    if (d <= 0)
        return 0;
    int64_t until = st->last_failure_s > INT64_MAX - d ? INT64_MAX : st->last_failure_s + d;
    if (now_s >= until)
        return 0;
    if (until_s)
        *until_s = until;
    return SD_ELOCKED;
}

void sd_lockout_fail(sd_lockout_t *st, int64_t now_s)
{
    if (!st)
        return;
    if (st->failures < UINT32_MAX)
        st->failures++;
    st->last_failure_s = now_s;
}

void sd_lockout_succeed(sd_lockout_t *st)
{
    if (st)
        *st = (sd_lockout_t){0, 0};
}
