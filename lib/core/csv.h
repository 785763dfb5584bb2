/* csv.h - RFC 4180 CSV reader (UTF-8 or Shift_JIS/CP932 in, UTF-8 out) and writer. */
#ifndef SD_CORE_CSV_H
#define SD_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/*
 * Reading. Input is RFC 4180: fields separated by ',', records ended by CRLF, LF or a lone CR
 * (the last record may lack one), fields optionally in double quotes, a quote inside a quoted
 * field written twice, line ends kept verbatim inside quoted fields. Deliberate choices:
 *   - completely empty lines are skipped (they are not rows), but still counted as lines;
 *   - no whitespace trimming, no quote after leading spaces (` "a"` is an error, not `a`);
 *   - a UTF-8 BOM at offset 0 is dropped (and, in auto mode, means UTF-8);
 *   - fields come out as NUL-terminated UTF-8, so a NUL byte in the input is an error;
 *   - Shift_JIS input is decoded as CP932 (glibc iconv "CP932"), the Windows superset that also
 *     has NEC/IBM extensions such as ① and ㈱, which Excel writes for "CSV (comma delimited)".
 *
 * Error positions, in sd_csv_error_t and everywhere else:
 *   line   1-based physical line of `offset` (CRLF, LF and lone CR each end a line, inside
 *          quotes too); a row's line is the line it starts on;
 *   row    1-based record number (the header is row 1; skipped empty lines do not count);
 *   column 1-based field index within the row;
 *   offset 0-based byte offset into the caller's input (a BOM counts), pointing at:
 *     unterminated quote -> the opening quote;      quote in unquoted field -> that quote;
 *     junk after a closing quote -> the junk byte;   NUL / bad encoding -> the offending byte;
 *     field too long -> the field's first byte;      record too long -> the record's first byte;
 *     too many rows -> the first byte of the extra row;
 *     ragged (strict) -> too many fields: the surplus field's first byte (column = expected+1);
 *                        too few: the end of the record (column = fields present + 1).
 */

typedef enum {
    /* BOM -> UTF-8; valid UTF-8 -> UTF-8; valid CP932 -> CP932; but UTF-8 kana/kanji followed
     * by a non-UTF-8 byte is a mixed file: SD_EENCODING at that byte (row, column, offset) */
    SD_CSV_ENC_AUTO = 0,
    SD_CSV_ENC_UTF8,
    SD_CSV_ENC_CP932,
} sd_csv_encoding_t;

#define SD_CSV_DEFAULT_MAX_FIELD ((size_t)64 * 1024)   /* bytes of one decoded field */
#define SD_CSV_DEFAULT_MAX_LINE  ((size_t)1024 * 1024) /* input bytes of one record */
#define SD_CSV_DEFAULT_MAX_ROWS  ((size_t)1000000)

/* Zero-initialise and set what you need; a zero limit means the default, SIZE_MAX no limit. */
typedef struct {
    sd_csv_encoding_t encoding;
    size_t max_field; /* SD_ETOOBIG when a field decodes to more bytes than this */
    size_t max_line;  /* SD_ETOOBIG when a record spans more input bytes (sans terminator) */
    size_t max_rows;  /* SD_ETOOBIG when there are more rows (header included) */
    bool strict;      /* every row must have as many fields as the first: else SD_ESYNTAX */
} sd_csv_opts_t;

/*
 * Filled on every parse failure. err is the returned code: SD_ESYNTAX (quoting, ragged rows),
 * SD_EENCODING (invalid UTF-8/CP932, NUL byte, UTF-16), SD_ETOOBIG (limits), SD_ENOMEM,
 * SD_EUNSUPPORTED (no CP932 converter), or a callback's own code. reason is English text.
 */
typedef struct {
    int err;
    size_t line;
    size_t row;
    size_t column;
    size_t offset;
    char reason[128];
} sd_csv_error_t;

/* One record as handed to a streaming callback; everything is borrowed for the call only. */
typedef struct {
    size_t row;                /* 1-based record number */
    size_t line;               /* physical line the record starts on */
    size_t offset;             /* byte offset of its first byte */
    size_t nfields;            /* >= 1 */
    const char *const *fields; /* nfields NUL-terminated UTF-8 strings */
    const size_t *lens;        /* their lengths in bytes */
} sd_csv_row_t;

/* Return 0 to continue or a negative SD_E* to stop the parse with that code. */
typedef int (*sd_csv_row_fn)(void *ctx, const sd_csv_row_t *row);

/* Parsed table; rows and columns indexed from 0 in the accessors below. */
typedef struct sd_csv sd_csv_t;

/*
 * Parse buf[0..len) into a table. opts may be NULL (defaults: auto encoding, not strict).
 * On success *out is the caller's (sd_csv_free); on failure *out is NULL and, if err is not
 * NULL, *err says what and where. Pure: no I/O, no globals.
 */
int sd_csv_parse(const void *buf, size_t len, const sd_csv_opts_t *opts, sd_csv_t **out,
                 sd_csv_error_t *err);

/*
 * Same parser, handing each record to fn as soon as it is complete, so an importer can report
 * its own (row, column, reason) findings without holding the whole table. Rows already handed
 * over stay delivered when a later error stops the parse. A nonzero return from fn stops the
 * parse and is returned; *err then holds that code, the row, column 0 and "stopped by caller".
 */
int sd_csv_parse_stream(const void *buf, size_t len, const sd_csv_opts_t *opts, sd_csv_row_fn fn,
                        void *ctx, sd_csv_error_t *err);

void sd_csv_free(sd_csv_t *csv); /* NULL-safe */

size_t sd_csv_rows(const sd_csv_t *csv);
/* Field count of row r, 0 if r is out of range. */
size_t sd_csv_fields(const sd_csv_t *csv, size_t r);
/* Field c of row r (borrowed, lives as long as csv), or NULL if out of range. */
const char *sd_csv_field(const sd_csv_t *csv, size_t r, size_t c);
/* Byte length of field c of row r (strlen of it, since fields hold no NUL), 0 if out of range. */
size_t sd_csv_field_len(const sd_csv_t *csv, size_t r, size_t c);
/* Physical line row r starts on (1-based), 0 if r is out of range. */
size_t sd_csv_line(const sd_csv_t *csv, size_t r);
/* The encoding actually used: SD_CSV_ENC_UTF8 or SD_CSV_ENC_CP932. */
sd_csv_encoding_t sd_csv_encoding(const sd_csv_t *csv);

/*
 * Find a header by name: compares name and each of fields[0..n) after trimming ASCII
 * whitespace and the ideographic space U+3000 from both ends of both. Returns the 0-based
 * index, SD_ENOTFOUND, or SD_ECONFLICT when two columns have that name (an ambiguous sheet).
 */
int sd_csv_find(const char *const *fields, size_t n, const char *name);
/* sd_csv_find() over row 0 of a parsed table. */
int sd_csv_find_column(const sd_csv_t *csv, const char *name);

/*
 * Writing. Fields are quoted when they contain ',', '"', CR or LF, begin or end with a space or
 * tab, or begin with U+FEFF (which would read back as a BOM); quotes inside are doubled.
 * Records end with CRLF. Output is UTF-8; prepend SD_CSV_UTF8_BOM when the file is meant for
 * Excel, which otherwise reads CSV as CP932.
 *
 * Every field is guarded against CSV/formula injection (OWASP), since every CSV suido writes is
 * an export someone may open in a spreadsheet: a field that starts with '=', '+', '-', '@', TAB
 * or CR, or with the full-width ＝ ＋ － ＠ (Excel on a Japanese desktop reads those as formula
 * starts too), gets a leading apostrophe and double quotes (OWASP) so that the spreadsheet shows it
 * as text. Plain numbers ("-1.5", "+3", "2e-3") are left alone: they are data, not formulas.
 * SD_CSV_W_RAW turns the guard off, for text that a program (a test, the fuzzer) reads back
 * byte for byte; never use it for a reply or a file meant for people.
 */
#define SD_CSV_W_RAW    0x2u
#define SD_CSV_UTF8_BOM "\xEF\xBB\xBF"

/*
 * 1 when s[0..n) is a guarded field as the writer makes it (an apostrophe, then what a spreadsheet
 * would take for a formula), else 0: a reader that takes back its own exports skips that many
 * bytes, so that an export re-submitted as it is reads as what was exported. Pure.
 */
size_t sd_csv_guard_len(const char *s, size_t n);

/* Append one field (no separator). 0 or SD_ENOMEM (out may then hold part of the field). */
int sd_csv_write_field(sd_buf_t *out, const char *s, unsigned flags);

/*
 * Append n fields separated by ',' and a CRLF. A row of one empty field is written as `""`
 * so that it does not read back as a skipped empty line. SD_EINVAL if n == 0.
 */
int sd_csv_write_row(sd_buf_t *out, const char *const *fields, size_t n, unsigned flags);

/*
 * Append utf8[0..n) to out as Shift_JIS (CP932, the code page Excel on a Japanese desktop reads a
 * CSV in), for exports asked for with encoding=sjis. Characters Unicode has twice but CP932 once
 * (〜 U+301C, ‖ U+2016, − U+2212, ¢ £ ¬) take CP932's form; anything else CP932 cannot hold
 * (emoji, most non-Japanese scripts) becomes '?', one per character, so that an export never
 * fails for one odd name; a byte that is not UTF-8 becomes '?' too. 0, SD_ENOMEM or
 * SD_EUNSUPPORTED (no CP932 converter).
 */
int sd_csv_to_cp932(const char *utf8, size_t n, sd_buf_t *out);

#endif
