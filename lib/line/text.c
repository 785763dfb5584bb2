/* text.c - the table-driven engine over layout.c: classify, decode, encode, annotate texts. */
#include "line/text.h"

#include "core/hex.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "line/line_int.h"

typedef enum { DIR_DEC, DIR_ENC, DIR_ANN, DIR_INIT } dir_t;

typedef struct {
    dir_t dir;
    const uint8_t *r; /* DEC / ANN: the frame */
    uint8_t *w;       /* ENC: the frame being written, pre-filled with spaces */
    size_t limit;     /* fields must end at or before this offset (the SUM) */
    int cnt[C_N];
    sd_line_err_t *err;
    sd_buf_t *ann;
    int first;     /* ANN: the first error met */
    char path[48]; /* ANN: enclosing block names, "hour[3]." */
} cx_t;

/* --- small helpers --------------------------------------------------------------------------- */

static bool blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ')
            return false;
    return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '0')
            return false;
    return n > 0;
}

/*
 * May this element be blank although it is fitted? Where the table says so (FL_BLANK), and
 * for any element a count governs (.dep): within the count an input may still be unwired, and
 * a blank field is what the profile calls "not fitted" [profile: liberal].
 */
static bool may_blank(const field_t *f)
{
    return (f->flags & FL_BLANK) || f->dep;
}

static bool in_set(const char *set, int c)
{
    return c != 0 && strchr(set, c) != NULL;
}

static long field_max(const field_t *f)
{
    if (f->max || f->min)
        return f->max;
    long m = 1;
    for (unsigned i = 0; i < f->len; i++)
        m *= f->kind == F_HEX ? 16 : 10;
    return m - 1;
}

/* Report a field error at absolute offset off; the element index goes into the message. */
static int bad(cx_t *cx, const field_t *f, unsigned idx, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int bad(cx_t *cx, const field_t *f, unsigned idx, size_t off, const char *fmt, ...)
{
    char why[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (f->n > 1)
        return sd_line_err_set(cx->err, SD_EFIELD, off, f->name, "[%u] %s", idx, why);
    return sd_line_err_set(cx->err, SD_EFIELD, off, f->name, "%s", why);
}

static int check_num(cx_t *cx, const field_t *f, unsigned idx, size_t off, long v)
{
    long lo = f->min, hi = field_max(f);
    if (v < lo || v > hi)
        return bad(cx, f, idx, off, "%ld is outside %ld-%ld", v, lo, hi);
    if (f->mult && v % f->mult)
        return bad(cx, f, idx, off, "%ld is not a multiple of %u", v, f->mult);
    return 0;
}

static void set_unfitted(const field_t *f, char *dst)
{
    switch (f->kind) {
    case F_DEC:
    case F_HEX:
        *(int *)(void *)dst = SD_LINE_UNFITTED;
        break;
    case F_DATE:
        *(int64_t *)(void *)dst = SD_LINE_NO_TIME;
        break;
    case F_TEL:
        dst[0] = '\0';
        break;
    default:
        break;
    }
}

/* --- one element, wire -> struct ------------------------------------------------------------- */

static int dec_chars(cx_t *cx, const field_t *f, size_t off, char *dst, bool fitted)
{
    const uint8_t *p = cx->r + off;
    long fit_n = f->dep ? (long)cx->cnt[f->dep] * f->per : (long)f->len;
    for (unsigned j = 0; j < f->len; j++) {
        int c = p[j];
        if (!fitted || (long)j >= fit_n) {
            if (c != ' ' && !(c == '0' && (f->flags & FL_ZPAD)))
                return bad(cx, f, 0, off + j, "input %u is beyond the count (%ld) but not blank",
                           j + 1, fitted ? fit_n : 0);
            c = ' '; /* a zero pad reads as the blank it stands for */
        } else if (c == ' ' ? !may_blank(f) : !in_set(f->set, c)) {
            return bad(cx, f, 0, off + j, "input %u is 0x%02X, not one of \"%s\"", j + 1, c,
                       f->set);
        }
        dst[j] = (char)c;
    }
    dst[f->len] = '\0';
    return 0;
}

static int dec_elem(cx_t *cx, const field_t *f, unsigned idx, size_t off, char *dst, bool fitted)
{
    const uint8_t *p = cx->r + off;
    size_t n = f->len;
    switch (f->kind) {
    case F_LIT:
        for (size_t i = 0; i < n; i++)
            if (p[i] != (uint8_t)f->set[i])
                return bad(cx, f, idx, off + i, "expected \"%s\"", f->set);
        return 0;
    case F_SPACES:
        for (size_t i = 0; i < n; i++)
            if (p[i] != ' ' && !(p[i] == '0' && (f->flags & FL_ZERO)))
                return bad(cx, f, idx, off + i, "spare byte %zu is 0x%02X, not a space", i + 1,
                           p[i]);
        return 0;
    case F_CHARS:
        return dec_chars(cx, f, off, dst, fitted);
    case F_CHAR:
        if (!in_set(f->set, p[0]))
            return bad(cx, f, idx, off, "0x%02X is not one of \"%s\"", p[0], f->set);
        *dst = (char)p[0];
        return 0;
    default:
        break;
    }
    bool b = blank(p, n);
    bool z = (f->flags & FL_ZERO) && all_zero(p, n); /* zeros standing for blank */
    if (!fitted || ((b || z) && may_blank(f))) {
        if (!b && !z) {
            size_t i = 0;
            while (p[i] == ' ')
                i++;
            return bad(cx, f, idx, off + i, "must be blank: beyond the count before it");
        }
        set_unfitted(f, dst);
        if (f->cnt)
            cx->cnt[f->cnt] = 0;
        return 0;
    }
    if (b && f->kind != F_WPAIR)
        return bad(cx, f, idx, off, "blank, but the field is required here");
    switch (f->kind) {
    case F_DEC:
    case F_HEX: {
        long v = 0;
        size_t i0 = 0;
        /* a decimal padded with leading spaces (printf "%3d") is still one number [profile] */
        while (f->kind == F_DEC && p[i0] == ' ')
            i0++;
        for (size_t i = i0; i < n; i++) {
            int d = f->kind == F_HEX ? sd_hex_value(p[i])
                                     : (p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : -1);
            if (d < 0)
                return bad(cx, f, idx, off + i, "0x%02X is not a %s digit", p[i],
                           f->kind == F_HEX ? "hex" : "decimal");
            v = v * (f->kind == F_HEX ? 16 : 10) + d;
        }
        int rc = check_num(cx, f, idx, off, v);
        if (rc)
            return rc;
        *(int *)(void *)dst = (int)v;
        if (f->cnt)
            cx->cnt[f->cnt] = (int)v;
        return 0;
    }
    case F_DATE: {
        for (size_t i = 0; i < 10; i++)
            if (p[i] < '0' || p[i] > '9')
                return bad(cx, f, idx, off + i, "0x%02X in YYMMDDhhmm is not a digit", p[i]);
        int64_t t;
        if (sd_ymdhm_parse((const char *)p, &t))
            return bad(cx, f, idx, off, "%.10s is not a real date-time", (const char *)p);
        *(int64_t *)(void *)dst = t;
        return 0;
    }
    case F_TEL: {
        /* left-aligned is the profile; right-aligned digits are read the same [profile] */
        size_t s0 = 0;
        while (s0 < 12 && p[s0] == ' ')
            s0++;
        size_t i = s0;
        while (i < 12 && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == s0)
            return bad(cx, f, idx, off + s0, "tel starts with 0x%02X, not a digit", p[s0]);
        for (size_t k = i; k < 12; k++)
            if (p[k] != ' ')
                return bad(cx, f, idx, off + k, "tel byte %zu is 0x%02X: digits, then spaces",
                           k + 1, p[k]);
        memcpy(dst, p + s0, i - s0);
        dst[i - s0] = '\0';
        return 0;
    }
    case F_WPAIR:
        if (p[0] == '0' && p[1] == '0')
            *(int *)(void *)dst = SD_LINE_OUT_KEEP;
        else if (p[0] == '1' && p[1] == '0')
            *(int *)(void *)dst = SD_LINE_OUT_ON;
        else if (p[0] == '0' && p[1] == '1')
            *(int *)(void *)dst = SD_LINE_OUT_OFF;
        else if (p[0] == '1' && p[1] == '1')
            return bad(cx, f, idx, off, "output %u: \"11\" (ON and OFF at once) is refused",
                       idx + 1);
        else
            return bad(cx, f, idx, off, "output %u: \"%c%c\" is not 00, 10 or 01", idx + 1,
                       p[0] >= 0x20 && p[0] < 0x7f ? p[0] : '?',
                       p[1] >= 0x20 && p[1] < 0x7f ? p[1] : '?');
        return 0;
    default:
        return sd_line_err_set(cx->err, SD_EINTERNAL, off, f->name, "bad table kind");
    }
}

/* --- one element, struct -> wire -------------------------------------------------------------- */

static void put_num(uint8_t *p, size_t n, unsigned long v, unsigned base)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = n; i-- > 0;) {
        p[i] = (uint8_t)hx[v % base];
        v /= base;
    }
}

static int enc_chars(cx_t *cx, const field_t *f, size_t off, const char *src, bool fitted)
{
    const char *end = memchr(src, '\0', (size_t)f->len + 1);
    if (!end)
        return bad(cx, f, 0, off, "string is longer than %u characters", f->len);
    size_t slen = (size_t)(end - src);
    long fit_n = f->dep ? (long)cx->cnt[f->dep] * f->per : (long)f->len;
    uint8_t *p = cx->w + off;
    for (unsigned j = 0; j < f->len; j++) {
        int c = j < slen ? (unsigned char)src[j] : ' ';
        if (!fitted || (long)j >= fit_n) {
            if (c != ' ')
                return bad(cx, f, 0, off + j, "input %u is beyond the count (%ld) but not blank",
                           j + 1, fitted ? fit_n : 0);
        } else if (c == ' ' ? !may_blank(f) : !in_set(f->set, c)) {
            return bad(cx, f, 0, off + j, "input %u is 0x%02X, not one of \"%s\"", j + 1, c,
                       f->set);
        }
        p[j] = (uint8_t)c;
    }
    return 0;
}

static bool is_unset(const field_t *f, const char *src)
{
    switch (f->kind) {
    case F_DEC:
    case F_HEX:
        return *(const int *)(const void *)src == SD_LINE_UNFITTED;
    case F_DATE:
        return *(const int64_t *)(const void *)src == SD_LINE_NO_TIME;
    case F_TEL:
        return src[0] == '\0';
    default:
        return false;
    }
}

static int enc_elem(cx_t *cx, const field_t *f, unsigned idx, size_t off, const char *src,
                    bool fitted)
{
    uint8_t *p = cx->w + off;
    switch (f->kind) {
    case F_LIT:
        memcpy(p, f->set, f->len);
        return 0;
    case F_SPACES:
        return 0;
    case F_CHARS:
        return enc_chars(cx, f, off, src, fitted);
    case F_CHAR:
        if (!in_set(f->set, (unsigned char)*src))
            return bad(cx, f, idx, off, "0x%02X is not one of \"%s\"", (unsigned char)*src, f->set);
        p[0] = (uint8_t)*src;
        return 0;
    default:
        break;
    }
    if (is_unset(f, src)) {
        if (fitted && !may_blank(f))
            return bad(cx, f, idx, off, "is unset, but the field is required here");
        if (f->cnt)
            cx->cnt[f->cnt] = 0;
        return 0; /* already spaces */
    }
    if (!fitted)
        return bad(cx, f, idx, off, "must be unset: beyond the count before it");
    switch (f->kind) {
    case F_DEC:
    case F_HEX: {
        int v = *(const int *)(const void *)src;
        int rc = check_num(cx, f, idx, off, v);
        if (rc)
            return rc;
        put_num(p, f->len, (unsigned long)v, f->kind == F_HEX ? 16 : 10);
        if (f->cnt)
            cx->cnt[f->cnt] = v;
        return 0;
    }
    case F_DATE: {
        int64_t t = *(const int64_t *)(const void *)src;
        /* 2000-01-01 00:00 JST .. 2099-12-31 23:59 JST, the years YY can say */
        if (t < 946652400 || t > 4102412399)
            return bad(cx, f, idx, off, "%lld is outside the years 2000-2099 (JST)", (long long)t);
        char tmp[10];
        sd_ymdhm_format(t, tmp);
        memcpy(p, tmp, 10);
        return 0;
    }
    case F_TEL: {
        size_t i = 0;
        while (i < 13 && src[i] >= '0' && src[i] <= '9')
            i++;
        if (i > 12 || src[i] != '\0')
            return bad(cx, f, idx, off + (i < 12 ? i : 12), "tel must be 1-12 digits");
        memcpy(p, src, i);
        return 0;
    }
    case F_WPAIR: {
        int v = *(const int *)(const void *)src;
        static const char *const pairs[] = {"00", "10", "01"};
        if (v < SD_LINE_OUT_KEEP || v > SD_LINE_OUT_OFF)
            return bad(cx, f, idx, off, "output %u: %d is not KEEP, ON or OFF", idx + 1, v);
        memcpy(p, pairs[v], 2);
        return 0;
    }
    default:
        return sd_line_err_set(cx->err, SD_EINTERNAL, off, f->name, "bad table kind");
    }
}

static void init_elem(const field_t *f, char *dst)
{
    switch (f->kind) {
    case F_CHARS:
        dst[0] = '\0';
        break;
    case F_CHAR:
        *dst = ' ';
        break;
    case F_WPAIR:
        *(int *)(void *)dst = SD_LINE_OUT_KEEP;
        break;
    default:
        set_unfitted(f, dst);
    }
}

/* --- annotation of one element ---------------------------------------------------------------- */

static void ann_line(cx_t *cx, const field_t *f, unsigned idx, size_t off, size_t len,
                     const char *val, int rc)
{
    char name[96];
    if (f->n > 1)
        snprintf(name, sizeof name, "%s%s[%u]", cx->path, f->name, idx);
    else
        snprintf(name, sizeof name, "%s%s", cx->path, f->name);
    sd_buf_t *b = cx->ann;
    sd_buf_printf(b, "%5zu %4zu  %-24s \"", off, len, name);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = cx->r[off + i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            sd_buf_append_byte(b, (char)c);
        else
            sd_buf_printf(b, "\\x%02X", c);
    }
    if (rc)
        sd_buf_printf(b, "\"  ! %s\n", cx->err->why);
    else
        sd_buf_printf(b, "\"  %s\n", val);
}

static void ann_value(const field_t *f, unsigned idx, const char *o, char *val, size_t vsz)
{
    (void)idx;
    switch (f->kind) {
    case F_DEC:
    case F_HEX: {
        int v = *(const int *)(const void *)o;
        if (v == SD_LINE_UNFITTED)
            snprintf(val, vsz, "unfitted");
        else
            snprintf(val, vsz, "%d", v);
        break;
    }
    case F_DATE: {
        int64_t t = *(const int64_t *)(const void *)o;
        if (t == SD_LINE_NO_TIME) {
            snprintf(val, vsz, "blank");
        } else {
            sd_civil_t c;
            sd_civil_from_unix(t, SD_JST_OFFSET_S, &c);
            snprintf(val, vsz, "%04d-%02d-%02d %02d:%02d JST", c.year, c.mon, c.day, c.hour, c.min);
        }
        break;
    }
    case F_TEL:
        snprintf(val, vsz, "%s", o[0] ? o : "blank");
        break;
    case F_CHAR:
        snprintf(val, vsz, "'%c'", *o);
        break;
    case F_WPAIR: {
        static const char *const w[] = {"keep", "ON", "OFF"};
        snprintf(val, vsz, "%s", w[*(const int *)(const void *)o]);
        break;
    }
    case F_LIT:
        snprintf(val, vsz, "ok");
        break;
    case F_SPACES:
        snprintf(val, vsz, "spare");
        break;
    default:
        snprintf(val, vsz, "ok");
    }
}

/* --- the walker ------------------------------------------------------------------------------- */

static int walk(cx_t *cx, const layout_t *L, size_t base, char *obj, bool fitted);

static int do_elem(cx_t *cx, const field_t *f, unsigned idx, size_t off, char *o, bool fit)
{
    switch (cx->dir) {
    case DIR_INIT:
        init_elem(f, o);
        return 0;
    case DIR_ENC:
        if (off + f->len > cx->limit)
            return sd_line_err_set(cx->err, SD_EINTERNAL, off, f->name, "field beyond the text");
        return enc_elem(cx, f, idx, off, o, fit);
    case DIR_DEC:
        if (off + f->len > cx->limit)
            return sd_line_err_set(cx->err, SD_EPROTO, off, f->name, "text ends before field");
        return dec_elem(cx, f, idx, off, o, fit);
    case DIR_ANN: {
        if (off + f->len > cx->limit) {
            sd_buf_printf(cx->ann, "%5zu %4u  %s%s  ! text ends before this field\n", off, f->len,
                          cx->path, f->name);
            return sd_line_err_set(cx->err, SD_EPROTO, off, f->name, "text ends before field");
        }
        int rc = dec_elem(cx, f, idx, off, o, fit);
        char val[64] = "";
        if (!rc)
            ann_value(f, idx, o, val, sizeof val);
        ann_line(cx, f, idx, off, f->len, val, rc);
        if (rc && !cx->first)
            cx->first = rc;
        return rc;
    }
    }
    return SD_EINTERNAL;
}

static int walk(cx_t *cx, const layout_t *L, size_t base, char *obj, bool fitted)
{
    for (size_t k = 0; k < L->nf; k++) {
        const field_t *f = &L->f[k];
        unsigned n = f->n ? f->n : 1;
        size_t esz = f->kind == F_BLOCKS ? f->sub->size : f->len;
        long fit_n = f->dep && f->kind != F_CHARS ? (long)cx->cnt[f->dep] * f->per : (long)n;
        for (unsigned i = 0; i < n; i++) {
            bool fit = fitted && (long)i < fit_n;
            char *o = obj + f->soff + (size_t)i * f->sstride;
            size_t off = base + f->off + (size_t)i * esz;
            int rc;
            if (f->kind == F_BLOCKS) {
                if (!fit && (f->flags & FL_DYN)) {
                    if (cx->dir == DIR_DEC || cx->dir == DIR_INIT || cx->dir == DIR_ANN) {
                        dir_t d = cx->dir;
                        cx->dir = DIR_INIT;
                        walk(cx, f->sub, off, o, false);
                        cx->dir = d;
                    }
                    continue;
                }
                size_t plen = strlen(cx->path);
                if (cx->dir == DIR_ANN && strcmp(f->name, "header") != 0) {
                    if (n > 1)
                        snprintf(cx->path + plen, sizeof cx->path - plen, "%s[%u].", f->name, i);
                    else
                        snprintf(cx->path + plen, sizeof cx->path - plen, "%s.", f->name);
                }
                rc = walk(cx, f->sub, off, o, fit);
                cx->path[plen] = '\0';
            } else {
                rc = do_elem(cx, f, i, off, o, fit);
            }
            if (rc && (cx->dir != DIR_ANN || rc != SD_EFIELD))
                return rc;
        }
    }
    return 0;
}

/* --- classification --------------------------------------------------------------------------- */

static sd_line_type_t letter_lookup(const letter_map_t *m, uint8_t c)
{
    for (; m->letter; m++)
        if (m->letter == c)
            return m->type;
    return SD_LINE_T_NONE;
}

static int classify(const uint8_t *buf, size_t len, sd_line_type_t *type, sd_line_err_t *err)
{
    *type = SD_LINE_T_NONE;
    if (len == 0)
        return sd_line_err_set(err, SD_EFRAME, 0, "frame", "empty");
    switch (buf[0]) {
    case SD_LINE_NAK:
        if (len != SD_LINE_NAK_LEN || buf[len - 1] != SD_LINE_CR)
            return sd_line_err_set(err, SD_EFRAME, 0, "frame", "a NAK is NAK, 2 hex digits, CR");
        *type = SD_LINE_T_NAK;
        return 0;
    case SD_LINE_EOT:
        if (len != SD_LINE_EOT_LEN || buf[1] != SD_LINE_CR)
            return sd_line_err_set(err, SD_EFRAME, 0, "frame", "an EOT is EOT CR");
        *type = SD_LINE_T_EOT;
        return 0;
    case SD_LINE_ENQ:
    case SD_LINE_STX:
        break;
    default:
        return sd_line_err_set(err, SD_EFRAME, 0, "frame", "starts with 0x%02X, not a text",
                               buf[0]);
    }
    if (len < 7 || len > SD_LINE_MAX_FRAME || buf[len - 1] != SD_LINE_CR)
        return sd_line_err_set(err, SD_EFRAME, len < 7 ? len : len - 1, "frame",
                               len < 7                   ? "too short"
                               : len > SD_LINE_MAX_FRAME ? "too long"
                                                         : "no CR at the end");
    sd_line_type_t t;
    if (buf[0] == SD_LINE_ENQ) {
        t = SD_LINE_T_ENQ;
    } else if (len == 70) {
        /* The three L3 texts share a length: a report starts with its letter, a designation's
         * spare begins at byte 8 where a request still has date digits [profile]. */
        t = in_set("YXZ", buf[1]) ? SD_LINE_T_L3_REPORT
            : buf[8] == ' '       ? SD_LINE_T_L3_DESIG
                                  : SD_LINE_T_L3_REQ;
    } else if (buf[1] >= '0' && buf[1] <= '9') {
        t = letter_lookup(sd__line_header_letters, buf[3]);
        if (!t)
            return sd_line_err_set(err, SD_EPROTO, 3, "type", "unknown report type 0x%02X", buf[3]);
        if (t == SD_LINE_T_XREPORT) {
            if (len < SD__LINE_X_LEN(0))
                return sd_line_err_set(err, SD_EPROTO, len - 5, "frame",
                                       "an X report is at least %u bytes, got %zu",
                                       SD__LINE_X_LEN(0), len);
            const uint8_t *p = buf + SD__LINE_X_NOFF;
            /* two digits, or a space and a digit (as any decimal field) */
            if ((p[0] != ' ' && (p[0] < '0' || p[0] > '9')) || p[1] < '0' || p[1] > '9')
                return sd_line_err_set(err, SD_EFIELD, SD__LINE_X_NOFF, "n_blocks",
                                       "hourly block count is not 2 digits");
            unsigned nb = (unsigned)(p[0] == ' ' ? 0 : p[0] - '0') * 10 + (unsigned)(p[1] - '0');
            if (nb > 96)
                return sd_line_err_set(err, SD_EFIELD, SD__LINE_X_NOFF, "n_blocks",
                                       "%u hourly blocks, at most 96", nb);
            if (len != SD__LINE_X_LEN(nb))
                return sd_line_err_set(err, SD_EPROTO, len - 5, "frame",
                                       "an X report with %u blocks is %u bytes, got %zu", nb,
                                       SD__LINE_X_LEN(nb), len);
            *type = t;
            return 0;
        }
    } else {
        t = letter_lookup(sd__line_center_letters, buf[1]);
        if (!t)
            return sd_line_err_set(err, SD_EPROTO, 1, "type", "unknown text type 0x%02X", buf[1]);
    }
    if (len != sd__line_types[t].len)
        return sd_line_err_set(err, SD_EPROTO, len - 5, "frame", "a %s text is %u bytes, got %zu",
                               sd__line_types[t].name, sd__line_types[t].len, len);
    *type = t;
    return 0;
}

sd_line_type_t sd_line_classify(const uint8_t *buf, size_t len, sd_line_err_t *err)
{
    sd_line_type_t t;
    if (classify(buf, len, &t, err))
        return SD_LINE_T_NONE;
    return t;
}

/* --- public entry points ---------------------------------------------------------------------- */

const char *sd_line_type_name(sd_line_type_t t)
{
    if (t <= SD_LINE_T_NONE || t >= SD_LINE_T_COUNT_)
        return "unknown";
    return sd__line_types[t].name;
}

static const layout_t *layout_of(const tdesc_t *d, const uint8_t *buf, size_t len, const void *obj)
{
    return d->variant ? d->variant(buf, len, obj) : d->lay;
}

static int decode_typed(sd_line_type_t t, const uint8_t *buf, size_t len, sd_line_text_t *out,
                        sd_line_err_t *err)
{
    out->type = t;
    if (t == SD_LINE_T_NAK)
        return sd_line_nak_decode(buf, len, &out->u.nak, err);
    if (t == SD_LINE_T_EOT)
        return 0;
    const tdesc_t *d = &sd__line_types[t];
    if (t == SD_LINE_T_ENQ) {
        out->u.enq.seq = SD_LINE_UNFITTED;
        out->u.enq.sched[0] = '\0';
    }
    cx_t cx = {.dir = DIR_DEC, .r = buf, .limit = len - 5, .err = err};
    int rc = walk(&cx, layout_of(d, buf, len, NULL), 0, (char *)&out->u, true);
    if (!rc && d->norm)
        d->norm(&out->u);
    if (!rc && d->check)
        rc = d->check(&out->u, err);
    return rc;
}

int sd_line_decode(const uint8_t *buf, size_t len, sd_line_text_t *out, sd_line_err_t *err)
{
    sd_line_type_t t;
    int rc = classify(buf, len, &t, err);
    if (rc)
        return rc;
    if (t != SD_LINE_T_NAK && t != SD_LINE_T_EOT && (rc = sd_line_frame_check(buf, len, err)))
        return rc;
    return decode_typed(t, buf, len, out, err);
}

int sd_line_decode_as(sd_line_type_t want, const uint8_t *buf, size_t len, sd_line_text_t *out,
                      sd_line_err_t *err)
{
    sd_line_type_t t;
    int rc = classify(buf, len, &t, err);
    if (rc)
        return rc;
    if (t != want)
        return sd_line_err_set(err, SD_EPROTO, 0, "type", "expected %s, got %s",
                               sd_line_type_name(want), sd_line_type_name(t));
    if (t != SD_LINE_T_NAK && t != SD_LINE_T_EOT && (rc = sd_line_frame_check(buf, len, err)))
        return rc;
    return decode_typed(t, buf, len, out, err);
}

size_t sd_line_encoded_len(const sd_line_text_t *t)
{
    if (t->type <= SD_LINE_T_NONE || t->type >= SD_LINE_T_COUNT_)
        return 0;
    if (t->type == SD_LINE_T_XREPORT) {
        int nb = t->u.x.n_blocks;
        return nb < 0 || nb > 96 ? 0 : SD__LINE_X_LEN(nb);
    }
    return sd__line_types[t->type].len;
}

int sd_line_encode(const sd_line_text_t *t, sd_buf_t *out, sd_line_err_t *err)
{
    if (t->type <= SD_LINE_T_NONE || t->type >= SD_LINE_T_COUNT_)
        return sd_line_err_set(err, SD_EINVAL, 0, "type", "unknown text type %d", (int)t->type);
    if (t->type == SD_LINE_T_NAK) {
        if (t->u.nak < 0 || t->u.nak > 255)
            return sd_line_err_set(err, SD_EFIELD, 1, "nak_code", "%d is not 0-255", t->u.nak);
        return sd_line_nak_encode(t->u.nak, out);
    }
    if (t->type == SD_LINE_T_EOT)
        return sd_line_eot_encode(out);
    size_t flen = sd_line_encoded_len(t);
    if (!flen)
        return sd_line_err_set(err, SD_EFIELD, SD__LINE_X_NOFF, "n_blocks",
                               "%d hourly blocks, 0-96 allowed", t->u.x.n_blocks);
    if (sd_buf_reserve(out, flen))
        return sd_line_err_set(err, SD_ENOMEM, 0, "frame", "out of memory");
    const tdesc_t *d = &sd__line_types[t->type];
    uint8_t *w = (uint8_t *)out->data + out->len;
    memset(w, ' ', flen);
    w[0] = d->start;
    cx_t cx = {.dir = DIR_ENC, .w = w, .limit = flen - 5, .err = err};
    int rc = walk(&cx, layout_of(d, NULL, 0, &t->u), 0, (char *)(uintptr_t)&t->u, true);
    if (!rc && d->check)
        rc = d->check(&t->u, err);
    if (rc) {
        w[0] = '\0';
        return rc;
    }
    sd_line_frame_seal(w, flen - 5);
    out->len += flen;
    out->data[out->len] = '\0';
    return 0;
}

void sd_line_text_init(sd_line_text_t *t, sd_line_type_t type)
{
    memset(t, 0, sizeof *t);
    t->type = type;
    if (type <= SD_LINE_T_NONE || type >= SD_LINE_T_COUNT_ || !sd__line_types[type].lay)
        return;
    const tdesc_t *d = &sd__line_types[type];
    cx_t cx = {.dir = DIR_INIT};
    if (type == SD_LINE_T_ENQ) {
        t->u.enq.reqno = SD_LINE_UNFITTED;
        t->u.enq.seq = SD_LINE_UNFITTED;
        return;
    }
    walk(&cx, d->lay, 0, (char *)&t->u, false);
}

int sd_line_annotate(const uint8_t *buf, size_t len, sd_buf_t *out)
{
    sd_line_err_t err = {0};
    size_t before = out->len;
    sd_line_type_t t;
    int rc = classify(buf, len, &t, &err);
    if (rc) {
        sd_buf_printf(out, "%zu bytes, not a text: %s at byte %zu (%s)\n", len, err.why, err.offset,
                      err.field ? err.field : "?");
        goto out;
    }
    sd_buf_printf(out, "%s, %zu bytes\n", sd_line_type_name(t), len);
    if (t == SD_LINE_T_NAK || t == SD_LINE_T_EOT) {
        sd_line_text_t tx;
        rc = decode_typed(t, buf, len, &tx, &err);
        if (t == SD_LINE_T_NAK)
            sd_buf_printf(out, "    1    2  nak_code                 \"%c%c\"  %s\n", buf[1],
                          buf[2], rc ? err.why : sd_line_nak_str(tx.u.nak));
        goto out;
    }
    const tdesc_t *d = &sd__line_types[t];
    sd_line_text_t *tx = malloc(sizeof *tx);
    if (!tx)
        return SD_ENOMEM;
    sd_line_text_init(tx, t);
    cx_t cx = {.dir = DIR_ANN, .r = buf, .limit = len - 5, .err = &err, .ann = out};
    sd_buf_printf(out, "    0    1  start                    %s\n",
                  buf[0] == SD_LINE_ENQ ? "ENQ" : "STX");
    rc = walk(&cx, layout_of(d, buf, len, NULL), 0, (char *)&tx->u, true);
    if (!rc)
        rc = cx.first;
    if (!rc && d->norm)
        d->norm(&tx->u);
    if (!rc && d->check) {
        rc = d->check(&tx->u, &err);
        if (rc)
            sd_buf_printf(out, "%5zu       %-24s ! %s\n", err.offset, err.field, err.why);
    }
    free(tx);
    uint16_t want, got = sd_line_sum(buf + 1, len - 6);
    bool sum_ok = !sd_line_sum_parse(buf + len - 5, &want) && want == got;
    if (sd_line_sum_parse(buf + len - 5, &want))
        sd_buf_printf(out, "%5zu    4  sum                      \"%.4s\"  ! not 4 hex digits\n",
                      len - 5, (const char *)buf + len - 5);
    else
        sd_buf_printf(out,
                      "%5zu    4  sum                      \"%.4s\"  %s (bytes add up to %04X)\n",
                      len - 5, (const char *)buf + len - 5, want == got ? "ok" : "! WRONG", got);
    sd_buf_printf(out, "%5zu    1  end                      CR\n", len - 1);
    if (!sum_ok)
        rc = SD_ECHECKSUM; /* as sd_line_decode(): the envelope is checked before the fields */
out:
    if (out->len == before)
        return SD_ENOMEM;
    return rc;
}

char sd_line_enq_request(int reqno)
{
    /* [profile] request number -> the request the center answers with */
    static const char map[9] = {0, 'X', 'Y', 'V', 0, 'I', 'K', 'G', 'H'};
    return reqno >= 0 && reqno <= 8 ? map[reqno] : 0;
}

sd_line_type_t sd_line_answer_type(char req_letter)
{
    return letter_lookup(sd__line_header_letters, (uint8_t)req_letter);
}
