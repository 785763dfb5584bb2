/* values_csv.h - stored values as a CSV sheet (one column per point, a row per JST time), out and
 * back in: the export a utility opens in Excel and the import of the same sheet, corrected. */
#ifndef SD_PF_VALUES_CSV_H
#define SD_PF_VALUES_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "pf/data/ts.h"
#include "pf/pf.h"

/*
 * The sheet: a header row "日時(JST) / Time (JST)", then the data IDs, one per column; then a row
 * per time, "YYYY-MM-DD hh:mm:ss[.mmm]" JST wall time, and the points' values (an empty cell: no
 * value at that time). The import also takes the times Excel writes back when it saves the sheet
 * ("YYYY/M/D h:mm[:ss]") and ISO 8601 with a zone. Aggregated exports carry the bucket averages at
 * the bucket starts. Imported values are stored with quality "good"; an exported "missing" sample
 * is an empty cell.
 */
#define SD_VCSV_TIME_HEAD "日時(JST) / Time (JST)"

/* Most points in one sheet, most samples one import stores, findings kept (more are counted). */
#define SD_VCSV_MAX_POINTS   64
#define SD_VCSV_MAX_SAMPLES  ((size_t)500000)
#define SD_VCSV_MAX_FINDINGS 100

/*
 * Export: the values of points pids[0..n) (data IDs ids[0..n), the header) over [from, to) by agg
 * (raw: the stored values; others: bucket averages), merged by time, as UTF-8 CSV through the one
 * writer (formula guard on), a BOM first, into out. SD_ETOOBIG when a point has more than
 * SD_VCSV_MAX_SAMPLES rows in the period (the caller asks for a shorter one). 0 or SD_E*.
 */
int sd_vcsv_export(sd_store_t *st, const int64_t *pids, const char *const *ids, size_t n,
                   int64_t from, int64_t to, sd_ts_agg_t agg, sd_buf_t *out);

/* One finding of an import: 1-based row (the header is row 1) and column (0: the whole row or
 * file), and why, in English. */
typedef struct {
    size_t row;
    size_t column;
    char reason[112];
} sd_vcsv_finding_t;

/* A parsed import: the header's data IDs, the samples (data_id borrowed from ids), the findings
 * (at most SD_VCSV_MAX_FINDINGS kept, nfindings counts all). */
typedef struct {
    char **ids;
    size_t nids;
    sd_ts_sample_t *s;
    size_t n;
    sd_vcsv_finding_t *f;
    size_t nf;        /* kept */
    size_t nfindings; /* found */
} sd_vcsv_t;

/*
 * Parse and check buf[0..len) (UTF-8 with or without BOM, or Shift_JIS), every row: a header
 * with the time column and 1..SD_VCSV_MAX_POINTS distinct non-empty data IDs; per row a time
 * (in [2000-01-01, now_ms + 1 day], not a time of an earlier row) and numbers or empty cells;
 * no more cells than the header. Returns 0 with out filled (findings or not: the caller applies
 * nothing when nfindings > 0), or SD_ENOMEM. Pure. sd_vcsv_free() in any case.
 */
int sd_vcsv_parse(const void *buf, size_t len, int64_t now_ms, sd_vcsv_t *out);
void sd_vcsv_free(sd_vcsv_t *v);

/* Add a finding to v (kept while fewer than SD_VCSV_MAX_FINDINGS): for the caller's own checks,
 * e.g. a header data ID that is not in the tenant. */
void sd_vcsv_finding(sd_vcsv_t *v, size_t row, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
