/* time.c - GW-IF times (the one rule: ISO 8601 with an offset, or epoch milliseconds), the
 * storage window, and sample qualities. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "gwif/gwif.h"

static const char *const quality_names[] = {"good", "estimated", "missing", "out_of_range"};

const char *sd_ts_quality_name(sd_ts_quality_t q)
{
    return (unsigned)q < 4 ? quality_names[q] : NULL;
}

int sd_gwif_quality_parse(const json_t *v, sd_ts_quality_t *q)
{
    *q = SD_TS_GOOD;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > 3)
            return SD_EFIELD;
        *q = (sd_ts_quality_t)i;
        return 0;
    }
    if (json_is_string(v))
        for (int i = 0; i < 4; i++)
            if (!strcmp(json_string_value(v), quality_names[i])) {
                *q = (sd_ts_quality_t)i;
                return 0;
            }
    return SD_EFIELD;
}

/* ---- ISO 8601 ------------------------------------------------------------------------------ */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int sd_ts_parse_time(const char *s, int64_t *ms)
{
    if (!s)
        return SD_EFIELD;
    sd_civil_t c = {0};
    size_t n = strnlen(s, 64);
    if (n < 17 || n >= 64 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':')
        return SD_EFIELD;
    if (digits(s, 4, &c.year) || digits(s + 5, 2, &c.mon) || digits(s + 8, 2, &c.day) ||
        digits(s + 11, 2, &c.hour) || digits(s + 14, 2, &c.min))
        return SD_EFIELD;
    const char *p = s + 16;
    int64_t frac = 0;
    if (*p == ':') {
        if (digits(p + 1, 2, &c.sec))
            return SD_EFIELD;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            if (*p < '0' || *p > '9')
                return SD_EFIELD; /* "12:00:00.Z" */
            for (int scale = 100; *p >= '0' && *p <= '9'; p++, scale /= 10)
                frac += (*p - '0') * scale; /* digits past the millisecond add 0 */
        }
    }
    if (c.year < 1970 || !sd_civil_valid(&c))
        return SD_EFIELD;
    int off = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        size_t zl = strlen(p + 1);
        if (digits(p + 1, 2, &oh))
            return SD_EFIELD;
        /* +hh:mm, +hhmm or +hh */
        bool ok = zl == 2 || (zl == 5 && p[3] == ':' && !digits(p + 4, 2, &om)) ||
                  (zl == 4 && !digits(p + 3, 2, &om));
        if (!ok || oh > 23 || om > 59)
            return SD_EFIELD;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return SD_EFIELD; /* no offset: a local time is ambiguous */
    }
    int64_t v = sd_civil_to_unix(&c, off) * 1000 + frac;
    if (v < 0 || v > SD_GWIF_TS_MAX_MS)
        return SD_EFIELD; /* 1970-01-01T00:30+01:00, 9999-12-31T23:00-02:00 */
    *ms = v;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void sd_ts_format_time(int64_t ms, char *out, size_t outsz)
{
    sd_civil_t c;
    int64_t sec = floor_div(ms, 1000);
    int rem = (int)(ms - sec * 1000);
    sd_civil_from_unix(sec, 0, &c);
    if (rem)
        snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.mon, c.day, c.hour,
                 c.min, c.sec, rem);
    else
        snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.mon, c.day, c.hour, c.min,
                 c.sec);
}

/* ---- the rule ---------------------------------------------------------------------------- */

int sd_gwif_ts_parse(const json_t *v, int64_t *ms)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > SD_GWIF_TS_MAX_MS)
            return SD_EFIELD;
        *ms = (int64_t)i;
        return 0;
    }
    if (json_is_real(v)) { /* 1.764e12 from a sender whose numbers are all doubles */
        double d = json_real_value(v);
        if (!(d >= 0 && d <= (double)SD_GWIF_TS_MAX_MS) || d != floor(d))
            return SD_EFIELD; /* a fraction is likely seconds.ms: ambiguous */
        *ms = (int64_t)d;
        return 0;
    }
    if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
        return sd_ts_parse_time(json_string_value(v), ms);
    return SD_EFIELD;
}

bool sd_gwif_ts_in_window(int64_t ts_ms, int64_t now_ms)
{
    return ts_ms >= SD_TS_MIN_MS && ts_ms <= now_ms + SD_TS_FUTURE_MS;
}

int sd_gwif_samples_window(const sd_ts_sample_t *s, size_t n, const char *array, int64_t now_ms,
                           size_t *bad, sd_json_err_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (!sd_gwif_ts_in_window(s[i].ts_ms, now_ms)) {
            char f[64];
            snprintf(f, sizeof f, "%s[%zu].ts", array ? array : "samples", i);
            if (bad)
                *bad = i;
            return sd_json_err_set(err, f, SD_GWIF_WINDOW_ERROR);
        }
    return 0;
}
