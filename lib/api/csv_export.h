/* csv_export.h - a list answered as a CSV download (format=csv), the same way for every list:
 * alarms, incidents, and whatever list comes next. */
#ifndef SD_API_CSV_EXPORT_H
#define SD_API_CSV_EXPORT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "http/http.h"

/*
 * How a member of a list row becomes a field. TIME takes milliseconds since the epoch or an
 * ISO 8601 string and writes JST wall time "2026-11-24 14:00:12" (utility staff read local time;
 * the header says JST); null or absent is an empty field.
 */
typedef enum {
    SD_API_CSV_TEXT = 0,
    SD_API_CSV_INT,
    SD_API_CSV_TIME,
    SD_API_CSV_BOOL, /* 1 / 0 */
} sd_api_csv_kind_t;

/* One column: the row's member key, its header ("日本語 / English": Japanese first). */
typedef struct {
    const char *key;
    const char *head;
    sd_api_csv_kind_t kind;
} sd_api_csv_col_t;

/*
 * The export format req asks for: 0 JSON (format absent or json), 1 CSV UTF-8 with BOM
 * (format=csv), 2 CSV Shift_JIS (format=csv&encoding=sjis). Anything else replies 400 naming
 * "format" or "encoding" and returns SD_EFIELD.
 */
int sd_api_csv_format(sd_http_req_t *req);

/*
 * rows (a JSON array of objects, borrowed) as CSV into out: a header row, then one row per
 * object, through the one writer (sd_csv_write_row, formula guard on), CRLF. sjis = 0: UTF-8
 * with a BOM first (so Excel reads it as UTF-8); sjis = 1: Shift_JIS (CP932), no BOM.
 * 0, SD_ENOMEM, SD_EUNSUPPORTED, SD_EINVAL (n == 0 or n > 32).
 */
int sd_api_csv_build(const sd_api_csv_col_t *cols, size_t n, const json_t *rows, int sjis,
                     sd_buf_t *out);

/*
 * Reply 200 with sd_api_csv_build() as a download (lib/api/download.h) called name, with
 * "text/csv; charset=utf-8" or "text/csv; charset=Shift_JIS". fmt is sd_api_csv_format()'s 1 or
 * 2. Returns 0 or the SD_E* it replied with.
 */
int sd_api_csv_reply(sd_http_req_t *req, int fmt, const char *name, const sd_api_csv_col_t *cols,
                     size_t n, const json_t *rows);

#endif
