/* time.c - civil calendar arithmetic (Howard Hinnant's algorithms) and the JST field formats. */
#include "core/time.h"

#include "core/err.h"

#include <stdio.h>
#include <string.h>

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

bool sd_civil_valid(const sd_civil_t *c)
{
    return c->year >= 1 && c->year <= 9999 && c->mon >= 1 && c->mon <= 12 && c->day >= 1 &&
           c->day <= days_in_month(c->year, c->mon) && c->hour >= 0 && c->hour <= 23 &&
           c->min >= 0 && c->min <= 59 && c->sec >= 0 && c->sec <= 59;
}

int64_t sd_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sd_civil_from_days(int64_t z, int *year, int *mon, int *day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    const int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *mon = m;
    *day = d;
}

int64_t sd_civil_to_unix(const sd_civil_t *c, int offset_s)
{
    return sd_days_from_civil(c->year, c->mon, c->day) * 86400 + c->hour * 3600 + c->min * 60 +
           c->sec - offset_s;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void sd_civil_from_unix(int64_t unix_s, int offset_s, sd_civil_t *out)
{
    int64_t t = unix_s + offset_s;
    int64_t days = floor_div(t, 86400);
    int64_t rem = t - days * 86400;
    sd_civil_from_days(days, &out->year, &out->mon, &out->day);
    out->hour = (int)(rem / 3600);
    out->min = (int)(rem % 3600 / 60);
    out->sec = (int)(rem % 60);
}

static int digits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return SD_EFIELD;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

int sd_ymdhm_parse(const char *p, int64_t *unix_s)
{
    sd_civil_t c = {0};
    int yy;
    if (digits(p, 2, &yy) || digits(p + 2, 2, &c.mon) || digits(p + 4, 2, &c.day) ||
        digits(p + 6, 2, &c.hour) || digits(p + 8, 2, &c.min))
        return SD_EFIELD;
    c.year = 2000 + yy;
    if (!sd_civil_valid(&c))
        return SD_EFIELD;
    *unix_s = sd_civil_to_unix(&c, SD_JST_OFFSET_S);
    return 0;
}

void sd_ymdhm_format(int64_t unix_s, char out[10])
{
    sd_civil_t c;
    char tmp[16];
    sd_civil_from_unix(unix_s, SD_JST_OFFSET_S, &c);
    snprintf(tmp, sizeof tmp, "%02d%02d%02d%02d%02d", (c.year % 100 + 100) % 100, c.mon, c.day,
             c.hour, c.min);
    memcpy(out, tmp, 10);
}

void sd_iso8601_format(int64_t unix_s, char *out, size_t outsz)
{
    sd_civil_t c;
    sd_civil_from_unix(unix_s, 0, &c);
    snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.mon, c.day, c.hour, c.min,
             c.sec);
}

int sd_iso8601_parse(const char *s, int64_t *unix_s)
{
    sd_civil_t c = {0};
    size_t n = strlen(s);
    if (n < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return SD_EFIELD;
    if (digits(s, 4, &c.year) || digits(s + 5, 2, &c.mon) || digits(s + 8, 2, &c.day) ||
        digits(s + 11, 2, &c.hour) || digits(s + 14, 2, &c.min) || digits(s + 17, 2, &c.sec))
        return SD_EFIELD;
    if (!sd_civil_valid(&c))
        return SD_EFIELD;
    const char *z = s + 19;
    if (*z == '.') { /* fractional seconds are accepted and dropped */
        z++;
        while (*z >= '0' && *z <= '9')
            z++;
    }
    int offset = 0;
    if (*z == 'Z' && z[1] == '\0') {
        offset = 0;
    } else if ((*z == '+' || *z == '-') && strlen(z) == 6 && z[3] == ':') {
        int oh, om;
        if (digits(z + 1, 2, &oh) || digits(z + 4, 2, &om) || oh > 23 || om > 59)
            return SD_EFIELD;
        offset = (oh * 3600 + om * 60) * (*z == '-' ? -1 : 1);
    } else {
        return SD_EFIELD;
    }
    *unix_s = sd_civil_to_unix(&c, offset);
    return 0;
}
