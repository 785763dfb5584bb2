/* csv.c - RFC 4180 CSV reader and writer; Shift_JIS (CP932) decoded with iconv. */
#include "core/csv.h"

#include "core/utf8.h"

#include "core/err.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t off; /* start in text */
    size_t len;
} field_t;

typedef struct {
    size_t first; /* index of its first field */
    size_t line;
} row_t;

struct sd_csv {
    sd_buf_t text; /* every field, each followed by a NUL */
    field_t *f;
    size_t nf, capf;
    row_t *r;
    size_t nr, capr;
    sd_csv_encoding_t enc;
};

typedef struct {
    const unsigned char *p;
    size_t len, pos, line;
    sd_csv_opts_t o;
    sd_csv_encoding_t enc;
    bool neither; /* auto-detection found neither encoding valid */
    bool mixed;   /* auto-detection found UTF-8 text before a byte that is not UTF-8 */
    iconv_t cd;
    sd_csv_error_t *err;
    size_t row, col, expected;
    struct sd_csv *t; /* where fields go; in stream mode emptied after each row */
    sd_csv_row_fn fn;
    void *ctx;
    const char **ptrs; /* stream mode: the row's field pointers and lengths */
    size_t *lens;
    size_t capptrs, caplens;
} parser_t;

static int fail(parser_t *P, int code, size_t line, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(parser_t *P, int code, size_t line, size_t off, const char *fmt, ...)
{
    sd_csv_error_t *e = P->err;
    e->err = code;
    e->line = line;
    e->row = P->row;
    e->column = P->col;
    e->offset = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    va_end(ap);
    return code;
}

/* iconv() takes char ** for its input although it never writes through it. */
static char *unconst(const unsigned char *p)
{
    return (char *)(uintptr_t)p;
}

/* Offset of the first byte CP932 cannot decode, or SIZE_MAX. */
static size_t cp932_bad(iconv_t cd, const unsigned char *s, size_t n)
{
    char scratch[1024];
    char *in = unconst(s);
    size_t inleft = n;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (inleft) {
        char *o = scratch;
        size_t oleft = sizeof scratch;
        if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 && errno != E2BIG)
            return (size_t)((const unsigned char *)in - s);
    }
    return SIZE_MAX;
}

/*
 * Does the valid UTF-8 p[0..n) hold a sequence of three or more bytes (kana, kanji, full-width
 * forms)? Pure Shift_JIS almost never does before its first non-UTF-8 byte: its kana and most
 * kanji start with 0x81-0x9F, which UTF-8 refuses at once. Two-byte sequences are not counted,
 * since pairs of half-width katakana (e.g. "ﾄｲ", C4 B2) are also valid UTF-8.
 */
static bool utf8_text_before(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0xE0)
            return true;
    return false;
}

/* Line terminators completed in p[a..b); a CR whose LF lies beyond b is not yet complete. */
static size_t count_lines(const parser_t *P, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        if (P->p[i] == '\n')
            n++;
        else if (P->p[i] == '\r' && !(i + 1 < P->len && P->p[i + 1] == '\n'))
            n++;
    }
    return n;
}

/* Room for need (>= 1) elements: the array, maybe moved, or NULL with arr left as it was. */
static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            return NULL;
        c *= 2;
    }
    void *np = realloc(arr, c * elem);
    if (np)
        *cap = c;
    return np;
}

/* Decode input bytes [s, e) of the current field onto the text buffer; run_line is line of s. */
static int append_run(parser_t *P, size_t s, size_t e, size_t run_line)
{
    size_t n = e - s;
    if (!n)
        return 0;
    sd_buf_t *b = &P->t->text;
    const unsigned char *in0 = P->p + s;
    size_t bad = SIZE_MAX;
    if (P->enc == SD_CSV_ENC_UTF8) {
        bad = sd_utf8_check(in0, n);
        if (bad == n)
            return sd_buf_append(b, in0, n);
    } else {
        size_t i = 0;
        while (i < n && in0[i] < 0x80)
            i++;
        if (i == n)
            return sd_buf_append(b, in0, n);
        char *in = unconst(in0);
        size_t inleft = n;
        iconv(P->cd, NULL, NULL, NULL, NULL);
        while (inleft) {
            /* a CP932 byte becomes at most 3 UTF-8 bytes (half-width kana: 1 -> 3) */
            if (inleft > SIZE_MAX / 4 || sd_buf_reserve(b, inleft * 3 + 4))
                return fail(P, SD_ENOMEM, run_line, s, "out of memory");
            char *o = b->data + b->len;
            size_t oleft = b->cap - b->len - 1;
            size_t r = iconv(P->cd, &in, &inleft, &o, &oleft);
            b->len = (size_t)(o - b->data);
            b->data[b->len] = '\0';
            if (r == (size_t)-1 && errno != E2BIG) {
                bad = (size_t)((const unsigned char *)in - in0);
                break;
            }
        }
        if (bad == SIZE_MAX)
            return 0;
    }
    size_t off = s + bad;
    size_t line = run_line + count_lines(P, s, off);
    if (P->mixed)
        return fail(P, SD_EENCODING, line, off,
                    "byte 0x%02X is not UTF-8 in a UTF-8 file (mixed with Shift_JIS?): save the "
                    "file in one encoding",
                    P->p[off]);
    if (P->neither)
        return fail(P, SD_EENCODING, line, off,
                    "invalid byte 0x%02X: neither UTF-8 nor Shift_JIS (CP932)", P->p[off]);
    if (P->enc == SD_CSV_ENC_UTF8)
        return fail(P, SD_EENCODING, line, off, "invalid UTF-8 byte 0x%02X", P->p[off]);
    return fail(P, SD_EENCODING, line, off, "invalid Shift_JIS (CP932) byte 0x%02X", P->p[off]);
}

/* Stream mode: hand the finished row to the callback and empty the sink. */
static int emit(parser_t *P, size_t rec_line, size_t rec_off)
{
    struct sd_csv *t = P->t;
    size_t first = t->r[t->nr - 1].first, n = t->nf - first;
    if (!P->fn)
        return 0;
    void *np = grow(P->ptrs, &P->capptrs, n, sizeof *P->ptrs);
    if (np)
        P->ptrs = np;
    void *nl = np ? grow(P->lens, &P->caplens, n, sizeof *P->lens) : NULL;
    if (!nl)
        return fail(P, SD_ENOMEM, rec_line, rec_off, "out of memory");
    P->lens = nl;
    for (size_t i = 0; i < n; i++) {
        P->ptrs[i] = t->text.data + t->f[first + i].off;
        P->lens[i] = t->f[first + i].len;
    }
    sd_csv_row_t row = {
        .row = P->row,
        .line = rec_line,
        .offset = rec_off,
        .nfields = n,
        .fields = P->ptrs,
        .lens = P->lens,
    };
    int rc = P->fn(P->ctx, &row);
    t->text.len = 0;
    t->nf = 0;
    t->nr = 0;
    if (rc) {
        P->col = 0;
        return fail(P, rc, rec_line, rec_off, "stopped by caller");
    }
    return 0;
}

static int record(parser_t *P)
{
    const unsigned char *p = P->p;
    struct sd_csv *t = P->t;
    size_t rec_off = P->pos, rec_line = P->line;
    P->row++;
    P->col = 1;
    if (P->row > P->o.max_rows)
        return fail(P, SD_ETOOBIG, rec_line, rec_off, "more than %zu rows", P->o.max_rows);
    void *nr = grow(t->r, &t->capr, t->nr + 1, sizeof *t->r);
    if (!nr)
        return fail(P, SD_ENOMEM, rec_line, rec_off, "out of memory");
    t->r = nr;
    t->r[t->nr++] = (row_t){.first = t->nf, .line = rec_line};
    P->col = 0;
    for (;;) {
        P->col++;
        size_t fstart = P->pos, fline = P->line, e;
        if (P->o.strict && P->expected && P->col > P->expected)
            return fail(P, SD_ESYNTAX, fline, fstart, "more than %zu fields (as in row 1)",
                        P->expected);
        void *nf = grow(t->f, &t->capf, t->nf + 1, sizeof *t->f);
        if (!nf)
            return fail(P, SD_ENOMEM, fline, fstart, "out of memory");
        t->f = nf;
        size_t tstart = t->text.len;
        int rc;
        if (P->pos < P->len && p[P->pos] == '"') {
            P->pos++;
            for (;;) {
                for (e = P->pos; e < P->len && p[e] != '"' && p[e] != 0;)
                    e++;
                if (e - rec_off > P->o.max_line)
                    return fail(P, SD_ETOOBIG, rec_line, rec_off, "record longer than %zu bytes",
                                P->o.max_line);
                if ((rc = append_run(P, P->pos, e, P->line)))
                    return rc;
                P->line += count_lines(P, P->pos, e);
                P->pos = e;
                if (e == P->len)
                    return fail(P, SD_ESYNTAX, fline, fstart, "unterminated quoted field");
                if (p[e] == 0)
                    return fail(P, SD_EENCODING, P->line, e, "NUL byte");
                if (e + 1 < P->len && p[e + 1] == '"') {
                    if (sd_buf_append_byte(&t->text, '"'))
                        return fail(P, SD_ENOMEM, fline, fstart, "out of memory");
                    P->pos = e + 2;
                    continue;
                }
                P->pos = e + 1;
                break;
            }
            e = P->pos;
            if (e < P->len && p[e] == 0)
                return fail(P, SD_EENCODING, P->line, e, "NUL byte");
            if (e < P->len && p[e] != ',' && p[e] != '\r' && p[e] != '\n')
                return fail(P, SD_ESYNTAX, P->line, e, "unexpected character after closing quote");
        } else {
            for (e = P->pos; e < P->len; e++) {
                unsigned char c = p[e];
                if (c == ',' || c == '\r' || c == '\n' || c == '"' || c == 0)
                    break;
            }
            if (e - rec_off > P->o.max_line)
                return fail(P, SD_ETOOBIG, rec_line, rec_off, "record longer than %zu bytes",
                            P->o.max_line);
            if ((rc = append_run(P, P->pos, e, P->line)))
                return rc;
            P->pos = e;
            if (e < P->len && p[e] == '"')
                return fail(P, SD_ESYNTAX, P->line, e, "quote in unquoted field");
            if (e < P->len && p[e] == 0)
                return fail(P, SD_EENCODING, P->line, e, "NUL byte");
        }
        size_t flen = t->text.len - tstart;
        if (flen > P->o.max_field)
            return fail(P, SD_ETOOBIG, fline, fstart, "field longer than %zu bytes",
                        P->o.max_field);
        if (sd_buf_append_byte(&t->text, '\0'))
            return fail(P, SD_ENOMEM, fline, fstart, "out of memory");
        t->f[t->nf++] = (field_t){.off = tstart, .len = flen};
        if (P->pos < P->len && p[P->pos] == ',') {
            P->pos++;
            continue;
        }
        break;
    }
    if (P->o.strict) {
        if (!P->expected) {
            P->expected = P->col;
        } else if (P->col < P->expected) {
            size_t have = P->col;
            P->col++;
            return fail(P, SD_ESYNTAX, P->line, P->pos, "%zu fields, row 1 has %zu", have,
                        P->expected);
        }
    }
    if (P->pos < P->len) {
        if (p[P->pos] == '\r')
            P->pos++;
        if (P->pos < P->len && p[P->pos] == '\n')
            P->pos++;
        P->line++;
    }
    return emit(P, rec_line, rec_off);
}

static int run(parser_t *P)
{
    const unsigned char *p = P->p;
    size_t len = P->len;
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    bool has_bom = len >= 3 && memcmp(p, bom, 3) == 0;
    P->enc = P->o.encoding;
    P->line = 1;
    P->row = P->col = 1; /* where the early failures below point */
    if (P->enc == SD_CSV_ENC_AUTO) {
        if (has_bom) {
            P->enc = SD_CSV_ENC_UTF8;
        } else if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
            return fail(P, SD_EENCODING, 1, 0, "UTF-16 is not supported; use UTF-8 or Shift_JIS");
        } else {
            size_t u8 = sd_utf8_check(p, len);
            P->enc = SD_CSV_ENC_UTF8;
            if (u8 != len && utf8_text_before(p, u8)) {
                /* Japanese UTF-8 text, then a byte that is not: most such files also pass as
                 * CP932 and would be silently read as mojibake. Parse as UTF-8 so the failure
                 * names the row and column of the first offending byte. */
                P->mixed = true;
            } else if (u8 != len) {
                if ((P->cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1)
                    return fail(P, SD_EUNSUPPORTED, 1, 0, "no CP932 converter (iconv)");
                size_t sj = cp932_bad(P->cd, p, len);
                /* neither fits: blame the one that got further, the likelier intent */
                if (sj != SIZE_MAX)
                    P->neither = true;
                if (sj > u8)
                    P->enc = SD_CSV_ENC_CP932;
            }
        }
    }
    if (P->enc == SD_CSV_ENC_CP932 && P->cd == (iconv_t)-1 &&
        (P->cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1)
        return fail(P, SD_EUNSUPPORTED, 1, 0, "no CP932 converter (iconv)");
    P->t->enc = P->enc;
    if (P->enc == SD_CSV_ENC_UTF8 && has_bom)
        P->pos = 3;
    P->row = 0;
    while (P->pos < len) {
        if (p[P->pos] == '\r' || p[P->pos] == '\n') {
            /* an empty line is not a row */
            if (p[P->pos] == '\r' && P->pos + 1 < len && p[P->pos + 1] == '\n')
                P->pos++;
            P->pos++;
            P->line++;
            continue;
        }
        int rc = record(P);
        if (rc)
            return rc;
    }
    return 0;
}

static void table_free(struct sd_csv *t)
{
    sd_buf_free(&t->text);
    free(t->f);
    free(t->r);
}

static int parse(const void *buf, size_t len, const sd_csv_opts_t *opts, struct sd_csv *t,
                 sd_csv_row_fn fn, void *ctx, sd_csv_error_t *err)
{
    sd_csv_error_t dummy;
    parser_t P = {
        .p = buf,
        .len = len,
        .cd = (iconv_t)-1,
        .err = err ? err : &dummy,
        .t = t,
        .fn = fn,
        .ctx = ctx,
    };
    memset(P.err, 0, sizeof *P.err);
    if (opts)
        P.o = *opts;
    if (!P.o.max_field)
        P.o.max_field = SD_CSV_DEFAULT_MAX_FIELD;
    if (!P.o.max_line)
        P.o.max_line = SD_CSV_DEFAULT_MAX_LINE;
    if (!P.o.max_rows)
        P.o.max_rows = SD_CSV_DEFAULT_MAX_ROWS;
    int rc;
    if (!buf && len)
        rc = fail(&P, SD_EINVAL, 0, 0, "no input");
    else if (P.o.encoding != SD_CSV_ENC_AUTO && P.o.encoding != SD_CSV_ENC_UTF8 &&
             P.o.encoding != SD_CSV_ENC_CP932)
        rc = fail(&P, SD_EINVAL, 0, 0, "unknown encoding");
    else
        rc = run(&P);
    if (P.cd != (iconv_t)-1)
        iconv_close(P.cd);
    free(P.ptrs);
    free(P.lens);
    return rc;
}

int sd_csv_parse(const void *buf, size_t len, const sd_csv_opts_t *opts, sd_csv_t **out,
                 sd_csv_error_t *err)
{
    *out = NULL;
    struct sd_csv *t = calloc(1, sizeof *t);
    if (!t) {
        if (err) {
            memset(err, 0, sizeof *err);
            err->err = SD_ENOMEM;
            snprintf(err->reason, sizeof err->reason, "out of memory");
        }
        return SD_ENOMEM;
    }
    int rc = parse(buf, len, opts, t, NULL, NULL, err);
    if (rc) {
        sd_csv_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int sd_csv_parse_stream(const void *buf, size_t len, const sd_csv_opts_t *opts, sd_csv_row_fn fn,
                        void *ctx, sd_csv_error_t *err)
{
    struct sd_csv t = {0};
    int rc = parse(buf, len, opts, &t, fn, ctx, err);
    table_free(&t);
    return rc;
}

void sd_csv_free(sd_csv_t *csv)
{
    if (!csv)
        return;
    table_free(csv);
    free(csv);
}

size_t sd_csv_rows(const sd_csv_t *csv)
{
    return csv->nr;
}

size_t sd_csv_fields(const sd_csv_t *csv, size_t r)
{
    if (r >= csv->nr)
        return 0;
    return (r + 1 < csv->nr ? csv->r[r + 1].first : csv->nf) - csv->r[r].first;
}

const char *sd_csv_field(const sd_csv_t *csv, size_t r, size_t c)
{
    if (c >= sd_csv_fields(csv, r))
        return NULL;
    return csv->text.data + csv->f[csv->r[r].first + c].off;
}

size_t sd_csv_field_len(const sd_csv_t *csv, size_t r, size_t c)
{
    if (c >= sd_csv_fields(csv, r))
        return 0;
    return csv->f[csv->r[r].first + c].len;
}

size_t sd_csv_line(const sd_csv_t *csv, size_t r)
{
    return r < csv->nr ? csv->r[r].line : 0;
}

sd_csv_encoding_t sd_csv_encoding(const sd_csv_t *csv)
{
    return csv->enc;
}

/* Trim ASCII whitespace and U+3000 (E3 80 80, the full-width space of Japanese sheets). */
static void trim(const char **s, size_t *n)
{
    const char *a = *s, *b = a + *n;
    for (;;) {
        if (a < b && strchr(" \t\r\n\v\f", *a))
            a++;
        else if (b - a >= 3 && memcmp(a, "\xE3\x80\x80", 3) == 0)
            a += 3;
        else
            break;
    }
    for (;;) {
        if (a < b && strchr(" \t\r\n\v\f", b[-1]))
            b--;
        else if (b - a >= 3 && memcmp(b - 3, "\xE3\x80\x80", 3) == 0)
            b -= 3;
        else
            break;
    }
    *s = a;
    *n = (size_t)(b - a);
}

int sd_csv_find(const char *const *fields, size_t n, const char *name)
{
    const char *w = name;
    size_t wn = strlen(name);
    trim(&w, &wn);
    int found = SD_ENOTFOUND;
    for (size_t i = 0; i < n && i <= (size_t)INT32_MAX; i++) {
        const char *f = fields[i];
        size_t fn = strlen(f);
        trim(&f, &fn);
        if (fn == wn && memcmp(f, w, wn) == 0) {
            if (found >= 0)
                return SD_ECONFLICT;
            found = (int)i;
        }
    }
    return found;
}

int sd_csv_find_column(const sd_csv_t *csv, const char *name)
{
    size_t n = sd_csv_fields(csv, 0);
    if (!n)
        return SD_ENOTFOUND;
    const char **f = malloc(n * sizeof *f);
    if (!f)
        return SD_ENOMEM;
    for (size_t i = 0; i < n; i++)
        f[i] = sd_csv_field(csv, 0, i);
    int rc = sd_csv_find(f, n, name);
    free(f);
    return rc;
}

/* Is s[0..n) a plain decimal number: [+-]digits[.digits][e[+-]digits] (or .digits), no more? */
static bool is_number(const char *s, size_t n)
{
    size_t i = 0, d = 0;
#define DIGIT (i < n && s[i] >= '0' && s[i] <= '9')
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; DIGIT; i++)
        d++;
    if (i < n && s[i] == '.')
        for (i++; DIGIT; i++)
            d++;
    if (!d)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!DIGIT)
            return false;
        while (DIGIT)
            i++;
    }
#undef DIGIT
    return i == n;
}

/* Would a spreadsheet read s[0..n) as a formula (or a DDE command)? */
static bool formula_like(const char *s, size_t n)
{
    /* full-width ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20) */
    if (n >= 3 && (!memcmp(s, "\xEF\xBC\x9D", 3) || !memcmp(s, "\xEF\xBC\x8B", 3) ||
                   !memcmp(s, "\xEF\xBC\x8D", 3) || !memcmp(s, "\xEF\xBC\xA0", 3)))
        return true;
    return n && memchr("=+-@\t\r", s[0], 6) && !is_number(s, n);
}

size_t sd_csv_guard_len(const char *s, size_t n)
{
    return n > 1 && s[0] == '\'' && formula_like(s + 1, n - 1) ? 1 : 0;
}

int sd_csv_write_field(sd_buf_t *out, const char *s, unsigned flags)
{
    size_t n = strlen(s);
    bool guard = !(flags & SD_CSV_W_RAW) && formula_like(s, n);
    /* OWASP: the apostrophe and double quotes around the whole cell */
    bool quote =
        guard || (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));
    /* a leading U+FEFF would read back as a BOM if the field opened the file */
    if (!quote)
        quote = strpbrk(s, ",\"\r\n") != NULL || strncmp(s, SD_CSV_UTF8_BOM, 3) == 0;
    if (!quote) {
        if (guard && sd_buf_append_byte(out, '\''))
            return SD_ENOMEM;
        return sd_buf_append(out, s, n);
    }
    if (sd_buf_reserve(out, n + 4))
        return SD_ENOMEM;
    if (sd_buf_append_byte(out, '"') || (guard && sd_buf_append_byte(out, '\'')))
        return SD_ENOMEM;
    for (const char *q; (q = strchr(s, '"')); s = q + 1)
        if (sd_buf_append(out, s, (size_t)(q - s) + 1) || sd_buf_append_byte(out, '"'))
            return SD_ENOMEM;
    if (sd_buf_append_str(out, s) || sd_buf_append_byte(out, '"'))
        return SD_ENOMEM;
    return 0;
}

int sd_csv_write_row(sd_buf_t *out, const char *const *fields, size_t n, unsigned flags)
{
    if (!n)
        return SD_EINVAL;
    if (n == 1 && !fields[0][0])
        return sd_buf_append_str(out, "\"\"\r\n");
    for (size_t i = 0; i < n; i++) {
        if (i && sd_buf_append_byte(out, ','))
            return SD_ENOMEM;
        int rc = sd_csv_write_field(out, fields[i], flags);
        if (rc)
            return rc;
    }
    return sd_buf_append(out, "\r\n", 2);
}

/* ---- UTF-8 to CP932, for exports ---------------------------------------------------------- */

/* The length of the UTF-8 sequence at p (1 for a byte that starts none) and its code point. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len = p[0] < 0x80             ? 1
                 : (p[0] & 0xE0) == 0xC0 ? 2
                 : (p[0] & 0xF0) == 0xE0 ? 3
                 : (p[0] & 0xF8) == 0xF0 ? 4
                                         : 0;
    *cp = 0;
    if (len == 0 || len > n) {
        return 1;
    }
    uint32_t c = len == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> len));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 1;
        c = c << 6 | (p[i] & 0x3F);
    }
    *cp = c;
    return len;
}

/* CP932 (Windows) bytes for the code points that JIS-based mappings give a twin; 0 = none. */
static const char *cp932_twin(uint32_t cp)
{
    switch (cp) {
    case 0x301C: /* WAVE DASH -> FULLWIDTH TILDE */
        return "\x81\x60";
    case 0x2016: /* DOUBLE VERTICAL LINE -> PARALLEL TO */
        return "\x81\x61";
    case 0x2212: /* MINUS SIGN -> FULLWIDTH HYPHEN-MINUS */
        return "\x81\x7C";
    case 0x00A2:
        return "\x81\x91";
    case 0x00A3:
        return "\x81\x92";
    case 0x00AC:
        return "\x81\xCA";
    default:
        return NULL;
    }
}

int sd_csv_to_cp932(const char *utf8, size_t n, sd_buf_t *out)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    if (cd == (iconv_t)-1)
        return SD_EUNSUPPORTED;
    const unsigned char *s = (const unsigned char *)utf8;
    char *in = unconst(s);
    size_t inleft = n;
    int rc = 0;
    while (!rc && inleft) {
        if ((rc = sd_buf_reserve(out, inleft + 16)) != 0)
            break;
        char *o = out->data + out->len;
        size_t room = out->cap - out->len, oleft = room;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        out->len += room - oleft;
        if (r != (size_t)-1 || errno == E2BIG)
            continue;
        /* EILSEQ or EINVAL: one character CP932 has no code for (or not UTF-8) */
        uint32_t cp;
        size_t len = utf8_seq((const unsigned char *)in, inleft, &cp);
        const char *twin = cp932_twin(cp);
        rc = twin ? sd_buf_append(out, twin, 2) : sd_buf_append_byte(out, '?');
        in += len;
        inleft -= len;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    if (!rc && (rc = sd_buf_reserve(out, 1)) == 0)
        out->data[out->len] = '\0'; /* iconv wrote past the last append */
    return rc;
}
