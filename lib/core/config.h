/* config.h - the suido configuration file: INI-like `key = value` lines parsed into flat keys. */
#ifndef SD_CORE_CONFIG_H
#define SD_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * Format (UTF-8, an optional BOM, LF / CRLF / CR line ends):
 *
 *     # comment            ; comment too
 *     log.level = info     # top-level keys may carry their own dots
 *     [http]               # following keys are http.<key>
 *     listen  = 127.0.0.1:8080
 *     banner  = "Sapporo \"north\"\n"  # double quotes: \\ \" \n \r \t \xHH (01-7F)
 *     root    = 'C:\suido\www'          # single quotes: literal, no escapes
 *     [store.sqlite]                    # dotted sections: store.sqlite.<key>
 *
 * Keys and section names are dot-separated words of [A-Za-z0-9_-], case-sensitive. Whitespace
 * around keys and values is trimmed. In an unquoted value, '#' or ';' after whitespace starts
 * a comment (so "a#b" is kept whole; quote a value that must contain " #"). A value may be
 * empty. A key given twice in one file is an error (the usual typo); sd_config_set() overrides.
 * Control characters other than TAB, invalid UTF-8 and NUL are refused.
 */

typedef struct sd_config sd_config_t;

/*
 * What went wrong and where. line/column are 1-based (column counts bytes) and 0 when the
 * problem is not tied to a place in the file (e.g. a value given by sd_config_set()). msg names
 * the key whenever the problem is about one.
 */
typedef struct {
    size_t line;
    size_t column;
    char msg[256];
} sd_config_error_t;

/* An empty configuration (for programs run without a file). NULL on ENOMEM. */
sd_config_t *sd_config_new(void);

/*
 * Parse buf[0..len). Pure. On success *out is the caller's (sd_config_free); on failure *out is
 * NULL and *err (if not NULL) is set. SD_ESYNTAX for malformed lines and duplicate keys,
 * SD_EENCODING for invalid UTF-8 or NUL, SD_ENOMEM.
 */
int sd_config_parse(const char *buf, size_t len, sd_config_t **out, sd_config_error_t *err);

/*
 * Read and parse the file at path (at most 4 MiB: else SD_ETOOBIG). SD_ENOTFOUND when it does
 * not exist, another SD_E* from errno when it cannot be read (err->msg then names path), or any
 * sd_config_parse() error.
 */
int sd_config_load_file(const char *path, sd_config_t **out, sd_config_error_t *err);

void sd_config_free(sd_config_t *cfg); /* NULL-safe */

/*
 * Set key ("section.key") to value (copied, taken literally: no quotes or escapes), replacing a
 * value from the file; for command-line overrides. SD_EINVAL for a malformed key or a value that
 * is not valid UTF-8, SD_ENOMEM. Pointers from sd_config_get_string() for that key
 * become invalid.
 */
int sd_config_set(sd_config_t *cfg, const char *key, const char *value);

/* sd_config_set() from "section.key=value" (as after --set or the "--" of --section.key=value). */
int sd_config_set_arg(sd_config_t *cfg, const char *arg);

bool sd_config_has(const sd_config_t *cfg, const char *key);

/* The value of key, or def when it is not set. Borrowed: valid until cfg is freed or key set. */
const char *sd_config_get_string(const sd_config_t *cfg, const char *key, const char *def);

/*
 * Typed getters. A missing key yields def and returns 0 (use sd_config_has() for required keys).
 * A present but malformed or out-of-range value returns SD_EFIELD, leaves *out alone and, if
 * err is not NULL, fills it with the key's line (0 if it was set by sd_config_set()) and a
 * message such as "http.port: 70000 is not in 1..65535".
 *
 * int:      decimal or 0x-hex, optional sign, min <= v <= max.
 * bool:     true/false, yes/no, on/off, 1/0 (any case).
 * duration: one or more <number><unit>, units s, m, h, d ("30s", "5m", "1h30m", "7d"), or "0";
 *           in seconds, min <= v <= max.
 */
int sd_config_get_int(const sd_config_t *cfg, const char *key, int64_t min, int64_t max,
                      int64_t def, int64_t *out, sd_config_error_t *err);
int sd_config_get_bool(const sd_config_t *cfg, const char *key, bool def, bool *out,
                       sd_config_error_t *err);
int sd_config_get_duration(const sd_config_t *cfg, const char *key, int64_t min, int64_t max,
                           int64_t def, int64_t *out, sd_config_error_t *err);

/*
 * Call fn for every key in the order first set (file order, then overrides), with the line it
 * was set on (0 for sd_config_set()). A nonzero return stops the walk and is returned. Programs
 * use it to warn about keys they do not know.
 */
typedef int (*sd_config_fn)(void *ctx, const char *key, const char *value, size_t line);
int sd_config_foreach(const sd_config_t *cfg, sd_config_fn fn, void *ctx);

/*
 * Append every key as a `key = "value"` line (escaped, in foreach order) to out, e.g. for
 * --print-config. Parsing the result gives back the same keys and values. 0 or SD_ENOMEM.
 */
int sd_config_write(const sd_config_t *cfg, sd_buf_t *out);

/*
 * The configuration a program starts with: the file (NULL = none), then each "section.key=value"
 * of sets in order; with print, the effective keys are written to stdout and the program is done.
 * Errors go to stderr as "<prog>: ...". Returns -1 to go on with *out set, else the exit status:
 * 0 after print, 2 for a bad file or --set, 1 when out of memory.
 */
int sd_config_for_program(const char *prog, const char *file, const char *const *sets, int nsets,
                          int print, sd_config_t **out);

#endif
