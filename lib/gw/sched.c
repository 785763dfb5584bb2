/* sched.c - collection slots and L3 report dues (sched.h). */
#include "gw/sched.h"

#include "core/time.h"
#include "gw/conv.h"

/* FNV-1a: stable across runs and platforms, so a terminal keeps its slot after a restart. */
static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Usable minutes: 6..54 of each hour, i.e. 49 per hour. */
#define USABLE_PER_HOUR 49

int64_t sd_gw_daily_slot(const char *code, int64_t day_start_ms, int start_min, int len_min)
{
    if (len_min < 1)
        len_min = 1;
    /* count usable minutes in the window, then pick the k-th one */
    int usable = 0;
    for (int m = start_min; m < start_min + len_min; m++)
        usable += (m % 60) >= 6 && (m % 60) <= 54;
    if (usable == 0) {
        int m = start_min - start_min % 60 + 30;
        return day_start_ms + (int64_t)m * 60000;
    }
    uint32_t h = hash(code);
    int k = (int)(h % (uint32_t)usable);
    int sec = (int)((h >> 16) % 50); /* seconds within the minute, still clear of minute 55 */
    for (int m = start_min;; m++) {
        if ((m % 60) < 6 || (m % 60) > 54)
            continue;
        if (k-- == 0)
            return day_start_ms + (int64_t)m * 60000 + sec * 1000;
    }
}

bool sd_gw_x_allowed_ms(int64_t unix_ms)
{
    int64_t s = unix_ms / 1000;
    int64_t in_hour = ((s % 3600) + 3600) % 3600;
    return in_hour > 300 && in_hour < 3300;
}

int64_t sd_gw_x_next_allowed(int64_t unix_ms)
{
    if (sd_gw_x_allowed_ms(unix_ms))
        return unix_ms;
    int64_t s = unix_ms / 1000;
    int64_t hour = s - ((s % 3600) + 3600) % 3600;
    int64_t in_hour = s - hour;
    int64_t next = in_hour <= 300 ? hour + 301 : hour + 3600 + 301;
    return next * 1000;
}

int64_t sd_gw_l3_last_due(const sd_line_l3_desig_t *d, int64_t now_ms)
{
    if (!d || d->day < 1 || d->day > 28)
        return 0;
    sd_civil_t c;
    sd_civil_from_unix(now_ms / 1000, SD_JST_OFFSET_S, &c);
    int y = c.year, mo = c.mon;
    for (int i = 0; i < 26; i++) {
        bool month_ok = d->interval == 0 || (d->interval == 1 && mo % 2 == 1) ||
                        (d->interval == 2 && mo % 2 == 0);
        if (month_ok) {
            sd_civil_t due = {y, mo, d->day, d->hour, d->min, 0};
            int64_t t = sd_civil_to_unix(&due, SD_JST_OFFSET_S) * 1000;
            if (t <= now_ms)
                return t;
        }
        if (--mo == 0) {
            mo = 12;
            y--;
        }
    }
    return 0;
}

int64_t sd_gw_backoff_ms(int n, int64_t base_ms, int64_t max_ms)
{
    int64_t v = base_ms;
    for (int i = 1; i < n && v < max_ms; i++)
        v *= 2;
    return v < max_ms ? v : max_ms;
}
