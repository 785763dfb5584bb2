/* sheet.h - the initial-information sheet (初期情報設定シート): CSV in, checked row by row, CSV
 * out. */
#ifndef SD_PF_SHEET_H
#define SD_PF_SHEET_H

#include <stddef.h>

#include "core/buf.h"
#include "core/csv.h"

/*
 * One CSV, one object per row, told apart by the `kind` column: facility (施設), device (端末),
 * point (計測・警報点) and output (制御出力). Columns are named by the first row, in English or
 * with the Japanese label below; a column may be missing when no row needs it; their order is
 * free. Rows whose `kind` starts with '#' are comments; rows with every field empty are skipped.
 * A sheet is a change: each row creates or replaces the object with its key (facility code,
 * device code or data ID) in the tenant's master; objects not named stay as they are.
 * docs/master-data.md is the reference for engineers.
 *
 * Everything here is pure (no I/O, no globals): parse and validate a buffer against a snapshot of
 * the current master, and write items back as a sheet. Fields are normalised while parsing
 * (codes zero-padded, tel without '-', Japanese aliases to the English value, numbers in their
 * shortest form), so master -> CSV -> parse gives the same items again.
 */

/* XX(ENUM, "name", "日本語") - in the order a written sheet has them. */
/* clang-format off */
#define SD_SHEET_COLUMN_MAP(XX)                                                                    \
    XX(KIND,        "kind",        "種別")                                                         \
    XX(FACILITY,    "facility",    "施設コード")                                                   \
    XX(DEVICE,      "device",      "端末コード")                                                   \
    XX(DATA_ID,     "data_id",     "データID")                                                     \
    XX(NAME,        "name",        "名称")                                                         \
    XX(TYPE,        "type",        "給水種別")                                                     \
    XX(ESTATE,      "estate",      "団地コード")                                                   \
    XX(ESTATE_NAME, "estate_name", "団地名")                                                       \
    XX(SUPPLY,      "supply",      "給水方式")                                                     \
    XX(TANK_M3,     "tank_m3",     "受水槽容量(m3)")                                               \
    XX(HOUSEHOLDS,  "households",  "給水戸数")                                                     \
    XX(ADDRESS,     "address",     "所在地")                                                       \
    XX(MODEL,       "model",       "端末種別")                                                     \
    XX(BRANCH,      "branch",      "支社コード")                                                   \
    XX(OFFICE,      "office",      "事業所コード")                                                 \
    XX(TERMINAL,    "terminal",    "端末番号")                                                     \
    XX(TEL,         "tel",         "電話番号")                                                     \
    XX(GATEWAY,     "gateway",     "ゲートウェイ")                                                 \
    XX(SIGNAL,      "signal",      "信号種別")                                                     \
    XX(INPUT,       "input",       "入出力位置")                                                   \
    XX(UNIT,        "unit",        "単位")                                                         \
    XX(SCALE_LO,    "scale_lo",    "4mA値")                                                        \
    XX(SCALE_HI,    "scale_hi",    "20mA値")                                                       \
    XX(FACTOR,      "factor",      "換算係数")                                                     \
    XX(LIMIT_LO,    "limit_lo",    "下限値")                                                       \
    XX(LIMIT_HI,    "limit_hi",    "上限値")                                                       \
    XX(SEVERITY,    "severity",    "重要度")                                                       \
    XX(DRIVES,      "drives",      "制御対象")
/* clang-format on */

typedef enum {
#define SD_SHEET_COL_ENUM_(e, name, ja) SD_SHEET_COL_##e,
    SD_SHEET_COLUMN_MAP(SD_SHEET_COL_ENUM_)
#undef SD_SHEET_COL_ENUM_
        SD_SHEET_COL__COUNT
} sd_sheet_col_t;

typedef enum {
    SD_SHEET_FACILITY = 0,
    SD_SHEET_DEVICE,
    SD_SHEET_POINT,
    SD_SHEET_OUTPUT,
    SD_SHEET_KIND__COUNT
} sd_sheet_kind_t;

/* Limits of the hardware (terminal-protocol.md §4-5) and of the sheet itself. */
#define SD_SHEET_MAX_DI      48 /* L2 digital inputs; an L3 has 16 alarm inputs */
#define SD_SHEET_MAX_L3_DI   16
#define SD_SHEET_MAX_PI      16
#define SD_SHEET_MAX_AI      16
#define SD_SHEET_MAX_INTEG   4
#define SD_SHEET_MAX_OUT     8
#define SD_SHEET_MAX_PULSE   6  /* pulse (積算) inputs per L2 */
#define SD_SHEET_MAX_RUNTIME 12 /* run-time (運転時間積算) inputs per L2 */
#define SD_SHEET_MAX_ROWS    100000
#define SD_SHEET_MAX_ERRORS  10000 /* more are counted in sd_sheet_errors_t.dropped */
#define SD_SHEET_MAX_ID      64    /* facility / device codes and data IDs: [A-Za-z0-9_.-]{1,64} */
#define SD_SHEET_MAX_GATEWAY 64    /* a device's gateway: a registry name, 0-64 bytes */

/*
 * One object. f[c] is the normalised text of column c, "" when empty (never NULL in a parsed or
 * loaded item). row is the 1-based CSV record it came from (the header is row 1), 0 for items
 * of a master snapshot. Owned by the list that holds it.
 */
typedef struct {
    sd_sheet_kind_t kind;
    size_t row;
    char *f[SD_SHEET_COL__COUNT];
} sd_sheet_item_t;

/* A list of items: a parsed sheet or a snapshot of a tenant's master. Plain; zero-initialise. */
typedef struct {
    sd_sheet_item_t *v;
    size_t n;
    size_t cap;
} sd_sheet_items_t;

/*
 * One finding. row: 1-based CSV record (1 = header; 0 = the sheet as a whole). column: 1-based
 * position of the column in the sheet, 0 when the finding is about a whole row or the column is
 * absent from the sheet. field: the column's English name ("" when none). reason: English text.
 */
typedef struct {
    size_t row;
    size_t column;
    char field[16];
    char reason[160];
} sd_sheet_error_t;

typedef struct {
    sd_sheet_error_t *v;
    size_t n;
    size_t cap;
    size_t dropped; /* findings beyond SD_SHEET_MAX_ERRORS, not stored */
} sd_sheet_errors_t;

/* The English name and the Japanese label of a column; of a kind ("facility"); NULL if out of
 * range. */
const char *sd_sheet_col_name(sd_sheet_col_t c);
const char *sd_sheet_col_label_ja(sd_sheet_col_t c);
const char *sd_sheet_kind_name(sd_sheet_kind_t k);

/* The key of an item: facility code, device code or data ID. */
const char *sd_sheet_item_key(const sd_sheet_item_t *it);

/*
 * Append a copy of an item (f and its fields may be NULL for ""; f[SD_SHEET_COL_KIND] is set from
 * kind), keeping kind and row. 0 or SD_ENOMEM.
 */
int sd_sheet_items_add(sd_sheet_items_t *l, sd_sheet_kind_t kind, size_t row,
                       const char *const f[SD_SHEET_COL__COUNT]);
void sd_sheet_items_free(sd_sheet_items_t *l); /* leaves l empty; NULL-safe */

/* Sort into sheet order: facilities, devices, points, outputs, each by key. */
void sd_sheet_items_sort(sd_sheet_items_t *l);

/* Add a finding (formatted reason). 0 or SD_ENOMEM; beyond the cap only counts it. */
int sd_sheet_error_add(sd_sheet_errors_t *e, size_t row, size_t column, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sd_sheet_errors_free(sd_sheet_errors_t *e); /* leaves e empty; NULL-safe */

/*
 * Parse and validate a sheet, buf[0..len) in UTF-8 or Shift_JIS (CP932), auto-detected, against
 * master (the tenant's current master; NULL = empty). Every finding goes to errs, sorted by row
 * and column: CSV syntax and encoding, header (missing `kind`, unknown or repeated columns),
 * per field (required, not used by the kind, syntax, ranges), per row (signal vs input module,
 * scaling lo < hi, limits), and across rows and the master (duplicate keys, unknown facility or
 * device, estate of a device vs its facility, terminal codes and tel unique, one object per
 * input, pulse / run-time counts, what an L3 can have).
 * Returns 0 with items filled (normalised, in sheet order) and errs empty; SD_EFIELD when errs
 * holds at least one finding (items then empty); SD_ENOMEM. enc (may be NULL) gets the encoding
 * used (SD_CSV_ENC_UTF8 when the CSV could not be read). items and errs must be empty on entry;
 * the caller frees both in every case.
 */
int sd_sheet_check(const void *buf, size_t len, const sd_sheet_items_t *master,
                   sd_sheet_items_t *items, sd_sheet_errors_t *errs, sd_csv_encoding_t *enc);

/*
 * master overlaid with sheet (an item of sheet replaces the master item of the same kind and
 * key), in sheet order, copied into out (empty on entry). 0 or SD_ENOMEM.
 */
int sd_sheet_merge(const sd_sheet_items_t *master, const sd_sheet_items_t *sheet,
                   sd_sheet_items_t *out);

/*
 * Append items as a sheet: the header of every column, a comment row of the Japanese labels,
 * then one row per item in the list's order (sort first for the canonical form). UTF-8, CRLF.
 * 0 or SD_ENOMEM.
 */
int sd_sheet_write_csv(const sd_sheet_items_t *items, sd_buf_t *out);

/* Format a number as the sheet does (shortest text that reads back to the same double). */
void sd_sheet_format_num(double v, char out[32]);

#endif
