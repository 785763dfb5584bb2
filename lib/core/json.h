/* json.h - small helpers over jansson: parse with positions, typed fields with precise errors. */
#ifndef SD_CORE_JSON_H
#define SD_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * What went wrong, for the error body {"error":{"code","message","field"}}. field is the
 * dotted path of the offending member ("" when the problem is not about one member); message is
 * short and safe to show a client ("expected integer", "required", "unknown field",
 * "line 2 column 7: unexpected token near '}'"). line/column/position are set (1-based lines and
 * columns, 0-based byte position) only for sd_json_parse() errors, 0 otherwise.
 */
typedef struct {
    char field[96];
    char message[160];
    int line;
    int column;
    size_t position;
} sd_json_err_t;

/*
 * Parse buf[0..len) as one JSON value of any type. Pure. Duplicate object keys are refused (a
 * request smuggling the same member twice is malformed, not "last one wins"); NUL in strings is
 * refused. On success *out is a new reference for the caller. On failure *out is NULL and err
 * (if not NULL) holds line/column: SD_ESYNTAX for malformed JSON, SD_EENCODING for invalid
 * UTF-8, SD_ENOMEM.
 */
int sd_json_parse(const void *buf, size_t len, json_t **out, sd_json_err_t *err);

/* Value types a field may be required to have. NUM accepts integers and reals. */
typedef enum {
    SD_JSON_STR,
    SD_JSON_INT,
    SD_JSON_NUM,
    SD_JSON_BOOL,
    SD_JSON_OBJ,
    SD_JSON_ARR,
    SD_JSON_ANY
} sd_json_type_t;

/* Field flags. */
#define SD_JSON_REQ 0x1u /* the member must be present and not null */
/* sd_json_fields() flag: members not named in the table are an error ("unknown field"). */
#define SD_JSON_STRICT 0x100u

/*
 * One member to read. out points to: STR const char * (borrowed from the object, valid while it
 * lives), INT int64_t, NUM double, BOOL bool, OBJ/ARR/ANY json_t * (borrowed). A member that is
 * absent or null and not SD_JSON_REQ leaves *out untouched, so set defaults before the call.
 * Bounds apply when min < max: INT value in [min, max], STR byte length in [min, max],
 * ARR element count in [min, max]. out may be NULL to only validate.
 */
typedef struct {
    const char *name;
    sd_json_type_t type;
    unsigned flags;
    void *out;
    int64_t min;
    int64_t max;
} sd_json_field_t;

/*
 * Read fields[0..n) from obj. Pure. Returns 0, or SD_EFIELD with err naming the first bad member
 * and why: "expected an object" (obj itself, field ""), "required", "expected <type>",
 * "must be between <min> and <max>", "length must be between ...", "unknown field" (with
 * SD_JSON_STRICT in flags). Outputs of members read before the failure may have been written.
 */
int sd_json_fields(const json_t *obj, const sd_json_field_t *fields, size_t n, unsigned flags,
                   sd_json_err_t *err);

/* Single-member shorthands of sd_json_fields(); flags is 0 or SD_JSON_REQ. Same errors. */
int sd_json_get_str(const json_t *obj, const char *name, unsigned flags, const char **out,
                    sd_json_err_t *err);
int sd_json_get_int(const json_t *obj, const char *name, unsigned flags, int64_t *out,
                    sd_json_err_t *err);
int sd_json_get_num(const json_t *obj, const char *name, unsigned flags, double *out,
                    sd_json_err_t *err);
int sd_json_get_bool(const json_t *obj, const char *name, unsigned flags, bool *out,
                     sd_json_err_t *err);

/* SD_EFIELD "unknown field" for the first member of obj not in names[0..n); 0 otherwise. */
int sd_json_check_known(const json_t *obj, const char *const *names, size_t n, sd_json_err_t *err);

/*
 * Prefix err->field with "<parent>." (or "<parent>[<index>]." when index >= 0), so a helper that
 * validated a nested object reports the full path ("location.lat", "points[3].id").
 */
void sd_json_err_prefix(sd_json_err_t *err, const char *parent, long index);

/* Fill err with field and a printf message; for callers' own validation. Returns SD_EFIELD. */
int sd_json_err_set(sd_json_err_t *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append v as compact JSON (any type, UTF-8 kept as is) to out. 0 or SD_ENOMEM. */
int sd_json_dump(const json_t *v, sd_buf_t *out);

/*
 * json_pack() that logs the format error (a programming bug) instead of returning it silently.
 * "s?" and "o?" give null for NULL arguments. Returns a new reference or NULL.
 */
json_t *sd_json_pack(const char *fmt, ...);

/*
 * Set obj[key] = v, taking v's reference even on failure. 0, SD_EINVAL (obj not an object, or v
 * NULL: a failed constructor) or SD_ENOMEM (also for a key that is not valid UTF-8).
 */
int sd_json_set(json_t *obj, const char *key, json_t *v);

/* ---- writing JSON straight into a buffer, for large replies: no tree, no %.17g ----------------
 * Each appends to b and returns 0 or an SD_E*; on failure b may hold part of the value (the
 * caller drops the whole reply). They write what sd_json_dump() writes for the same value,
 * except that reals are the shortest decimals that read back the same (core/dtoa.h). */

/* s as a JSON string, escaped as jansson escapes ('"', '\\' and control characters; UTF-8 kept
 * as is). SD_EENCODING when s is not valid UTF-8 (json_string() refuses it too). */
int sd_json_put_str(sd_buf_t *b, const char *s);
/* v as a JSON real ("0.1", "100.0", "1e300"). SD_EINVAL for NaN and the infinities, which are
 * no JSON numbers (json_real() refuses them too). */
int sd_json_put_real(sd_buf_t *b, double v);
/* v as a JSON integer. */
int sd_json_put_int(sd_buf_t *b, int64_t v);

#endif
