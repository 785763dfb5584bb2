/* csv_export.c - lists as CSV downloads: the one writer, JST times, UTF-8+BOM or Shift_JIS. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/csv_export.h"
#include "api/download.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/time.h"
#include "gwif/gwif.h"

int sd_api_csv_format(sd_http_req_t *req)
{
    const char *f = sd_http_req_query(req, "format"), *e = sd_http_req_query(req, "encoding");
    if (f && strcmp(f, "json") != 0 && strcmp(f, "csv") != 0) {
        sd_http_reply_error(req, SD_EFIELD, "format", "format must be json or csv");
        return SD_EFIELD;
    }
    int csv = f && !strcmp(f, "csv");
    if (e &&
        (!csv || (strcmp(e, "utf-8") != 0 && strcmp(e, "utf8") != 0 && strcmp(e, "sjis") != 0))) {
        sd_http_reply_error(req, SD_EFIELD, "encoding",
                            csv ? "encoding must be utf-8 or sjis" : "encoding needs format=csv");
        return SD_EFIELD;
    }
    return !csv ? 0 : e && !strcmp(e, "sjis") ? 2 : 1;
}

/* The field for v of kind, written into t when it is not v's own string; returns the text (t or v's
 * own string). */
static const char *field(const json_t *v, sd_api_csv_kind_t kind, char *t, size_t tn)
{
    t[0] = '\0';
    if (!v || json_is_null(v))
        return t;
    switch (kind) {
    case SD_API_CSV_TIME: {
        int64_t ms = 0;
        if (json_is_integer(v))
            ms = json_integer_value(v);
        else if (!json_is_string(v) || sd_ts_parse_time(json_string_value(v), &ms) != 0)
            return json_is_string(v) ? json_string_value(v) : t;
        int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
        sd_civil_t c;
        sd_civil_from_unix(s, SD_JST_OFFSET_S, &c);
        snprintf(t, tn, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.mon, c.day, c.hour, c.min,
                 c.sec);
        return t;
    }
    case SD_API_CSV_BOOL:
        return json_is_true(v) ? "1" : "0";
    default:
        if (json_is_string(v))
            return json_string_value(v);
        if (json_is_integer(v))
            snprintf(t, tn, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else if (json_is_real(v))
            snprintf(t, tn, "%.17g", json_real_value(v));
        else if (json_is_boolean(v))
            return json_is_true(v) ? "1" : "0";
        return t;
    }
}

int sd_api_csv_build(const sd_api_csv_col_t *cols, size_t n, const json_t *rows, int sjis,
                     sd_buf_t *out)
{
    if (n == 0 || n > 32)
        return SD_EINVAL;
    const char *f[32];
    char tmp[32][64];
    sd_buf_t u = {0};
    int rc = sjis ? 0 : sd_buf_append_str(&u, SD_CSV_UTF8_BOM);
    for (size_t c = 0; c < n; c++)
        f[c] = cols[c].head;
    if (!rc)
        rc = sd_csv_write_row(&u, f, n, 0);
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (rc)
            break;
        for (size_t c = 0; c < n; c++)
            f[c] = field(json_object_get(row, cols[c].key), cols[c].kind, tmp[c], sizeof tmp[c]);
        rc = sd_csv_write_row(&u, f, n, 0);
    }
    if (!rc && sjis)
        rc = sd_csv_to_cp932(u.data ? u.data : "", u.len, out);
    else if (!rc)
        rc = sd_buf_append(out, u.data ? u.data : "", u.len);
    sd_buf_free(&u);
    return rc;
}

int sd_api_csv_reply(sd_http_req_t *req, int fmt, const char *name, const sd_api_csv_col_t *cols,
                     size_t n, const json_t *rows)
{
    sd_buf_t b = {0};
    int rc = sd_api_csv_build(cols, n, rows, fmt == 2, &b);
    if (!rc)
        rc = sd_api_download_headers(req, name);
    if (rc) {
        sd_buf_free(&b);
        return sd_api_reply_rc(req, rc);
    }
    return sd_http_reply_buf(
        req, 200, fmt == 2 ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8", &b);
}
