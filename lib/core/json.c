/* json.c - jansson helpers: parsing with positions, table-driven typed fields, dumping. */
#include "core/json.h"

#include "core/dtoa.h"
#include "core/err.h"
#include "core/log.h"
#include "core/utf8.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* snprintf that truncates on purpose (field paths and messages are bounded for clients) */
static void fmt_trunc(char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fmt_trunc(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

static void err_clear(sd_json_err_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

int sd_json_err_set(sd_json_err_t *err, const char *field, const char *fmt, ...)
{
    if (!err)
        return SD_EFIELD;
    memset(err, 0, sizeof *err);
    fmt_trunc(err->field, sizeof err->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return SD_EFIELD;
}

void sd_json_err_prefix(sd_json_err_t *err, const char *parent, long index)
{
    if (!err || !parent)
        return;
    char path[sizeof err->field];
    char idx[32] = "";
    if (index >= 0)
        snprintf(idx, sizeof idx, "[%ld]", index);
    fmt_trunc(path, sizeof path, "%s%s%s%s", parent, idx, err->field[0] ? "." : "", err->field);
    memcpy(err->field, path, sizeof path);
}

int sd_json_parse(const void *buf, size_t len, json_t **out, sd_json_err_t *err)
{
    *out = NULL;
    err_clear(err);
    json_error_t je;
    json_t *v = json_loadb(buf ? buf : "", len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (v) {
        *out = v;
        return 0;
    }
    int rc = SD_ESYNTAX;
    switch (json_error_code(&je)) {
    case json_error_out_of_memory:
        rc = SD_ENOMEM;
        break;
    case json_error_invalid_utf8:
        rc = SD_EENCODING;
        break;
    default:
        break;
    }
    if (err) {
        err->line = je.line > 0 ? je.line : 1;
        err->column = je.column > 0 ? je.column : 1;
        err->position = je.position > 0 ? (size_t)je.position : 0;
        fmt_trunc(err->message, sizeof err->message, "line %d column %d: %s", err->line,
                  err->column, je.text);
    }
    return rc;
}

static const char *type_name(sd_json_type_t t)
{
    switch (t) {
    case SD_JSON_STR:
        return "string";
    case SD_JSON_INT:
        return "integer";
    case SD_JSON_NUM:
        return "number";
    case SD_JSON_BOOL:
        return "boolean";
    case SD_JSON_OBJ:
        return "object";
    case SD_JSON_ARR:
        return "array";
    case SD_JSON_ANY:
        break;
    }
    return "value";
}

static int type_ok(const json_t *v, sd_json_type_t t)
{
    switch (t) {
    case SD_JSON_STR:
        return json_is_string(v);
    case SD_JSON_INT:
        return json_is_integer(v);
    case SD_JSON_NUM:
        return json_is_number(v);
    case SD_JSON_BOOL:
        return json_is_boolean(v);
    case SD_JSON_OBJ:
        return json_is_object(v);
    case SD_JSON_ARR:
        return json_is_array(v);
    case SD_JSON_ANY:
        return 1;
    }
    return 0;
}

static int read_field(const json_t *obj, const sd_json_field_t *f, sd_json_err_t *err)
{
    const json_t *v = json_object_get(obj, f->name);
    if (!v || json_is_null(v)) {
        if (f->flags & SD_JSON_REQ)
            return sd_json_err_set(err, f->name, "required");
        return 0;
    }
    if (!type_ok(v, f->type))
        return sd_json_err_set(err, f->name, "expected %s", type_name(f->type));
    int bounded = f->min < f->max;
    switch (f->type) {
    case SD_JSON_STR: {
        int64_t n = (int64_t)json_string_length(v);
        if (bounded && (n < f->min || n > f->max))
            return sd_json_err_set(err, f->name, "length must be between %" PRId64 " and %" PRId64,
                                   f->min, f->max);
        if (f->out)
            *(const char **)f->out = json_string_value(v);
        break;
    }
    case SD_JSON_INT: {
        int64_t i = (int64_t)json_integer_value(v);
        if (bounded && (i < f->min || i > f->max))
            return sd_json_err_set(err, f->name, "must be between %" PRId64 " and %" PRId64, f->min,
                                   f->max);
        if (f->out)
            *(int64_t *)f->out = i;
        break;
    }
    case SD_JSON_NUM:
        if (f->out)
            *(double *)f->out = json_number_value(v);
        break;
    case SD_JSON_BOOL:
        if (f->out)
            *(bool *)f->out = json_is_true(v);
        break;
    case SD_JSON_ARR: {
        int64_t n = (int64_t)json_array_size(v);
        if (bounded && (n < f->min || n > f->max))
            return sd_json_err_set(err, f->name,
                                   "must have between %" PRId64 " and %" PRId64 " elements", f->min,
                                   f->max);
    }
        /* fall through */
    case SD_JSON_OBJ:
    case SD_JSON_ANY:
        if (f->out)
            *(const json_t **)f->out = v;
        break;
    }
    return 0;
}

int sd_json_fields(const json_t *obj, const sd_json_field_t *fields, size_t n, unsigned flags,
                   sd_json_err_t *err)
{
    err_clear(err);
    if (!json_is_object(obj))
        return sd_json_err_set(err, "", "expected an object");
    for (size_t i = 0; i < n; i++) {
        int rc = read_field(obj, &fields[i], err);
        if (rc)
            return rc;
    }
    if (flags & SD_JSON_STRICT) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)(uintptr_t)obj, key, v)
        {
            size_t i = 0;
            while (i < n && strcmp(fields[i].name, key))
                i++;
            if (i == n)
                return sd_json_err_set(err, key, "unknown field");
        }
    }
    return 0;
}

int sd_json_check_known(const json_t *obj, const char *const *names, size_t n, sd_json_err_t *err)
{
    err_clear(err);
    if (!json_is_object(obj))
        return sd_json_err_set(err, "", "expected an object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)(uintptr_t)obj, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(names[i], key))
            i++;
        if (i == n)
            return sd_json_err_set(err, key, "unknown field");
    }
    return 0;
}

static int get_one(const json_t *obj, const char *name, sd_json_type_t t, unsigned flags, void *out,
                   sd_json_err_t *err)
{
    sd_json_field_t f = {.name = name, .type = t, .flags = flags & SD_JSON_REQ, .out = out};
    return sd_json_fields(obj, &f, 1, 0, err);
}

int sd_json_get_str(const json_t *obj, const char *name, unsigned flags, const char **out,
                    sd_json_err_t *err)
{
    return get_one(obj, name, SD_JSON_STR, flags, out, err);
}

int sd_json_get_int(const json_t *obj, const char *name, unsigned flags, int64_t *out,
                    sd_json_err_t *err)
{
    return get_one(obj, name, SD_JSON_INT, flags, out, err);
}

int sd_json_get_num(const json_t *obj, const char *name, unsigned flags, double *out,
                    sd_json_err_t *err)
{
    return get_one(obj, name, SD_JSON_NUM, flags, out, err);
}

int sd_json_get_bool(const json_t *obj, const char *name, unsigned flags, bool *out,
                     sd_json_err_t *err)
{
    return get_one(obj, name, SD_JSON_BOOL, flags, out, err);
}

static int dump_cb(const char *s, size_t n, void *ctx)
{
    return sd_buf_append(ctx, s, n) ? -1 : 0;
}

int sd_json_dump(const json_t *v, sd_buf_t *out)
{
    size_t before = out->len;
    if (json_dump_callback(v, dump_cb, out, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
        return SD_ENOMEM;
    }
    /* an empty value never dumps to nothing; make sure the buffer is a valid string anyway */
    return sd_buf_reserve(out, 0);
}

json_t *sd_json_pack(const char *fmt, ...)
{
    json_error_t je;
    va_list ap;
    va_start(ap, fmt);
    json_t *v = json_vpack_ex(&je, 0, fmt, ap);
    va_end(ap);
    if (!v)
        sd_error("json pack \"%s\": %s", fmt, je.text);
    return v;
}

int sd_json_set(json_t *obj, const char *key, json_t *v)
{
    if (!v)
        return SD_EINVAL;
    if (!json_is_object(obj)) {
        json_decref(v);
        return SD_EINVAL;
    }
    /* json_object_set_new() drops v's reference itself when it fails */
    return json_object_set_new(obj, key, v) ? SD_ENOMEM : 0;
}

/* ---- writing ------------------------------------------------------------------------------- */

int sd_json_put_str(sd_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF"; /* jansson writes \u001F */
    size_t n = strlen(s);
    if (sd_utf8_check(s, n) != n)
        return SD_EENCODING;
    if (sd_buf_reserve(b, n + 2) != 0) /* escapes grow it further */
        return SD_ENOMEM;
    b->data[b->len++] = '"';
    size_t run = 0; /* bytes copied as they are, flushed before an escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[6] = {'\\', 0};
        size_t k = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            k = 6;
        }
        if (sd_buf_append(b, s + run, i - run) || sd_buf_append(b, esc, k))
            return SD_ENOMEM;
        run = i + 1;
    }
    if (sd_buf_append(b, s + run, n - run) || sd_buf_append_byte(b, '"'))
        return SD_ENOMEM;
    return 0;
}

int sd_json_put_real(sd_buf_t *b, double v)
{
    if (sd_buf_reserve(b, SD_DTOA_MAX) != 0)
        return SD_ENOMEM;
    size_t n = sd_dtoa(v, b->data + b->len);
    if (n == 0) {
        b->data[b->len] = '\0';
        return SD_EINVAL;
    }
    b->len += n;
    return 0;
}

int sd_json_put_int(sd_buf_t *b, int64_t v)
{
    char t[24], *p = t + sizeof t;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return sd_buf_append(b, p, (size_t)(t + sizeof t - p));
}
