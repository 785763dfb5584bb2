/* test_csv.c - unit tests for lib/core/csv: RFC 4180, encodings, every error, writer round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/err.h"

/* Parse s (strlen) with opts and expect success. */
static sd_csv_t *ok(const char *s, size_t len, const sd_csv_opts_t *o)
{
    sd_csv_t *c = NULL;
    sd_csv_error_t e;
    int rc = sd_csv_parse(s, len, o, &c, &e);
    if (rc)
        fail_msg("parse failed: %s at line %zu col %zu off %zu: %s", sd_err_name(rc), e.line,
                 e.column, e.offset, e.reason);
    assert_non_null(c);
    return c;
}

/* Expect failure code rc at (line, row, column, offset). */
static void bad(const char *s, size_t len, const sd_csv_opts_t *o, int rc, size_t line, size_t row,
                size_t col, size_t off)
{
    sd_csv_t *c = (sd_csv_t *)1;
    sd_csv_error_t e;
    int got = sd_csv_parse(s, len, o, &c, &e);
    assert_null(c);
    if (got != rc || e.err != rc || e.line != line || e.row != row || e.column != col ||
        e.offset != off)
        fail_msg("want %s %zu/%zu/%zu/%zu, got %s %zu/%zu/%zu/%zu (%s)", sd_err_name(rc), line, row,
                 col, off, sd_err_name(got), e.line, e.row, e.column, e.offset, e.reason);
    assert_true(e.reason[0] != '\0');
}

#define OK(lit, o)                           ok(lit, sizeof(lit) - 1, o)
#define BAD(lit, o, rc, line, row, col, off) bad(lit, sizeof(lit) - 1, o, rc, line, row, col, off)

static void test_basic(void **state)
{
    (void)state;
    sd_csv_t *c = OK("a,b,c\r\n1,2,3\r\n", NULL);
    assert_int_equal(sd_csv_rows(c), 2);
    assert_int_equal(sd_csv_fields(c, 0), 3);
    assert_string_equal(sd_csv_field(c, 0, 0), "a");
    assert_string_equal(sd_csv_field(c, 1, 2), "3");
    assert_int_equal(sd_csv_field_len(c, 1, 2), 1);
    assert_null(sd_csv_field(c, 1, 3));
    assert_null(sd_csv_field(c, 2, 0));
    assert_int_equal(sd_csv_fields(c, 2), 0);
    assert_int_equal(sd_csv_line(c, 1), 2);
    assert_int_equal(sd_csv_line(c, 2), 0);
    assert_int_equal(sd_csv_encoding(c), SD_CSV_ENC_UTF8);
    sd_csv_free(c);
    sd_csv_free(NULL);

    /* empty input, only line ends, only a BOM: no rows */
    c = OK("", NULL);
    assert_int_equal(sd_csv_rows(c), 0);
    sd_csv_free(c);
    c = OK("\r\n\n\r", NULL);
    assert_int_equal(sd_csv_rows(c), 0);
    sd_csv_free(c);
    c = OK("\xEF\xBB\xBF", NULL);
    assert_int_equal(sd_csv_rows(c), 0);
    sd_csv_free(c);
}

static void test_quoting_and_lines(void **state)
{
    (void)state;
    /* quoted comma, doubled quote, embedded CRLF and LF, empty quoted, trailing empty field,
     * CR-only and LF-only ends, skipped blank lines, last record without terminator */
    const char in[] = "\"a,b\",\"c\"\"d\",\"e\r\nf\"\n"
                      "\"\",x,\r"
                      "\r\n"
                      "\n"
                      "\"g\nh\ni\",\"\"\"\"\n"
                      "last";
    sd_csv_t *c = OK(in, NULL);
    assert_int_equal(sd_csv_rows(c), 4);
    assert_int_equal(sd_csv_fields(c, 0), 3);
    assert_string_equal(sd_csv_field(c, 0, 0), "a,b");
    assert_string_equal(sd_csv_field(c, 0, 1), "c\"d");
    assert_string_equal(sd_csv_field(c, 0, 2), "e\r\nf");
    assert_int_equal(sd_csv_line(c, 0), 1);
    assert_int_equal(sd_csv_fields(c, 1), 3);
    assert_string_equal(sd_csv_field(c, 1, 0), "");
    assert_string_equal(sd_csv_field(c, 1, 1), "x");
    assert_string_equal(sd_csv_field(c, 1, 2), "");
    assert_int_equal(sd_csv_line(c, 1), 3);
    /* a lone CR ended line 3, then line 4 (CRLF) and line 5 (LF) were empty */
    assert_int_equal(sd_csv_line(c, 2), 6);
    assert_string_equal(sd_csv_field(c, 2, 0), "g\nh\ni");
    assert_string_equal(sd_csv_field(c, 2, 1), "\"");
    assert_int_equal(sd_csv_line(c, 3), 9);
    assert_int_equal(sd_csv_fields(c, 3), 1);
    assert_string_equal(sd_csv_field(c, 3, 0), "last");
    sd_csv_free(c);

    /* spaces are data; a lone comma is two empty fields */
    c = OK(" a , b \n,\n", NULL);
    assert_string_equal(sd_csv_field(c, 0, 0), " a ");
    assert_string_equal(sd_csv_field(c, 0, 1), " b ");
    assert_int_equal(sd_csv_fields(c, 1), 2);
    sd_csv_free(c);

    /* not strict: ragged rows are fine */
    c = OK("a,b,c\n1\n1,2,3,4\n", NULL);
    assert_int_equal(sd_csv_fields(c, 1), 1);
    assert_int_equal(sd_csv_fields(c, 2), 4);
    sd_csv_free(c);
}

static void test_bom(void **state)
{
    (void)state;
    sd_csv_t *c = OK("\xEF\xBB\xBF名前,値\r\n札幌,1\r\n", NULL);
    assert_int_equal(sd_csv_encoding(c), SD_CSV_ENC_UTF8);
    assert_string_equal(sd_csv_field(c, 0, 0), "名前");
    assert_int_equal(sd_csv_find_column(c, "名前"), 0);
    assert_int_equal(sd_csv_find_column(c, "値"), 1);
    assert_string_equal(sd_csv_field(c, 1, 0), "札幌");
    sd_csv_free(c);
    /* explicit UTF-8 drops the BOM too; offsets still count it */
    sd_csv_opts_t o = {.encoding = SD_CSV_ENC_UTF8};
    c = OK("\xEF\xBB\xBF"
           "a",
           &o);
    assert_string_equal(sd_csv_field(c, 0, 0), "a");
    sd_csv_free(c);
    BAD("\xEF\xBB\xBF"
        "a\"b",
        NULL, SD_ESYNTAX, 1, 1, 1, 4);
}

/* UTF-8 -> CP932 (or another charset) with iconv, as a utility's Excel export would be. */
static char *encode(const char *to, const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inleft = strlen(utf8), cap = inleft * 2 + 1, oleft = cap;
    char *out = malloc(cap), *o = out;
    char *in = (char *)(uintptr_t)utf8;
    size_t r = iconv(cd, &in, &inleft, &o, &oleft);
    iconv_close(cd);
    if (r == (size_t)-1) {
        free(out);
        return NULL;
    }
    *outlen = (size_t)(o - out);
    return out;
}

static void test_shift_jis(void **state)
{
    (void)state;
    const char *utf8 = "施設名,コード,備考\r\n"
                       "札幌平岸配水池,1,\"表示,ソフト\"\r\n"
                       "澄川,2,\r\n"
                       "北広島駅前,3,\"複数\r\n行\"\r\n"
                       "五輪①㈱ｱ,4,半角ｶﾅ\r\n";
    const char *want[5][3] = {
        {"施設名", "コード", "備考"},
        {"札幌平岸配水池", "1", "表示,ソフト"}, /* 表 = 95 5C, ソ = 83 5C: trail byte '\' */
        {"澄川", "2", ""},
        {"北広島駅前", "3", "複数\r\n行"},
        {"五輪①㈱ｱ", "4", "半角ｶﾅ"},
    };
    /* ① and ㈱ are NEC extensions: plain Shift_JIS (JIS X 0208) cannot encode them */
    size_t n;
    char *plain = encode("SHIFT_JIS", "①㈱", &n);
    assert_null(plain);
    char *sj = encode("CP932", utf8, &n);
    assert_non_null(sj);
    assert_true(memchr(sj, 0x5C, n) != NULL);

    sd_csv_opts_t modes[2] = {{.encoding = SD_CSV_ENC_AUTO, .strict = true},
                              {.encoding = SD_CSV_ENC_CP932, .strict = true}};
    for (int m = 0; m < 2; m++) {
        sd_csv_t *c = ok(sj, n, &modes[m]);
        assert_int_equal(sd_csv_encoding(c), SD_CSV_ENC_CP932);
        assert_int_equal(sd_csv_rows(c), 5);
        for (size_t r = 0; r < 5; r++)
            for (size_t f = 0; f < 3; f++)
                assert_string_equal(sd_csv_field(c, r, f), want[r][f]);
        assert_int_equal(sd_csv_line(c, 4), 6);
        assert_int_equal(sd_csv_find_column(c, "コード"), 1);
        sd_csv_free(c);
    }
    /* the same bytes read as UTF-8 are refused at the first kanji byte */
    sd_csv_opts_t u8 = {.encoding = SD_CSV_ENC_UTF8};
    bad(sj, n, &u8, SD_EENCODING, 1, 1, 1, 0);
    free(sj);

    /* CP932 decoding errors: a lead byte with a bad trail, one cut by a comma, one at EOF */
    sd_csv_opts_t cp = {.encoding = SD_CSV_ENC_CP932};
    BAD("ab,c\x81 d", &cp, SD_EENCODING, 1, 1, 2, 4);
    BAD("a\x81,b", &cp, SD_EENCODING, 1, 1, 1, 1);
    /* errors come in input order: the cut character before the missing closing quote */
    BAD("a,b\n\"x\ny\x81", &cp, SD_EENCODING, 3, 2, 1, 8);
}

/*
 * Issue 11: a UTF-8 sheet with one Shift_JIS sequence was read as CP932 (every kanji became
 * mojibake, silently). Now refused at the row and column of the first non-UTF-8 byte.
 */
static void test_mixed_encoding(void **state)
{
    (void)state;
    size_t n;
    char *sj = encode("CP932", "澄川", &n); /* 9F 60 90 EC */
    assert_non_null(sj);
    assert_int_equal(n, 4);
    sd_buf_t in = {0};
    /* these UTF-8 words are also valid CP932 byte pairs (名前 -> 蜷榊燕) */
    sd_buf_append_str(&in, "名前,番号,住所\r\n東京,1,給水\r\n");
    size_t at = in.len + 2; /* row 3, column 2: after "2," */
    sd_buf_append_str(&in, "2,");
    sd_buf_append(&in, sj, n);
    sd_buf_append_str(&in, ",x\r\n");
    free(sj);
    /* the whole thing also passes as CP932: that is what made it silent */
    sd_csv_opts_t cp = {.encoding = SD_CSV_ENC_CP932};
    sd_csv_t *c = ok(in.data, in.len, &cp);
    sd_csv_free(c);
    bad(in.data, in.len, NULL, SD_EENCODING, 3, 3, 2, at);
    sd_csv_error_t e;
    assert_int_equal(sd_csv_parse(in.data, in.len, NULL, &c, &e), SD_EENCODING);
    assert_non_null(strstr(e.reason, "mixed with Shift_JIS"));
    sd_buf_free(&in);
    /* pure Shift_JIS still reads, half-width kana pairs that look like UTF-8 included */
    char *pure = encode("CP932", "ﾄｲﾚ,施設\r\n澄川,1\r\n", &n);
    assert_non_null(pure);
    c = ok(pure, n, NULL);
    assert_int_equal(sd_csv_encoding(c), SD_CSV_ENC_CP932);
    assert_string_equal(sd_csv_field(c, 0, 0), "ﾄｲﾚ");
    assert_string_equal(sd_csv_field(c, 1, 0), "澄川");
    sd_csv_free(c);
    free(pure);
}

static void test_bad_encoding(void **state)
{
    (void)state;
    /* 0x80 is neither UTF-8 (a lone continuation byte) nor CP932 (unassigned) */
    sd_csv_error_t e;
    sd_csv_t *c;
    const char in[] = "id,name\r\n1,ab\x80"
                      "cd\r\n";
    assert_int_equal(sd_csv_parse(in, sizeof in - 1, NULL, &c, &e), SD_EENCODING);
    assert_null(c);
    assert_int_equal(e.err, SD_EENCODING);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.row, 2);
    assert_int_equal(e.column, 2);
    assert_int_equal(e.offset, 13);
    assert_non_null(strstr(e.reason, "neither UTF-8 nor Shift_JIS"));
    /* in a multi-line quoted field the line is that of the bad byte */
    BAD("h\n\"a\r\nb\nc\xFF\"", NULL, SD_EENCODING, 4, 2, 1, 9);
    /* mostly UTF-8 with one stray byte: blamed as UTF-8 (it got further than CP932) */
    const char mixed[] = "名前\n札幌\xFF\n";
    assert_int_equal(sd_csv_parse(mixed, sizeof mixed - 1, NULL, &c, &e), SD_EENCODING);
    assert_int_equal(e.offset, 13);
    assert_int_equal(e.line, 2);
    /* overlong, surrogate, beyond U+10FFFF, truncated: invalid UTF-8 */
    sd_csv_opts_t u8 = {.encoding = SD_CSV_ENC_UTF8};
    BAD("x,\xC0\xAF", &u8, SD_EENCODING, 1, 1, 2, 2);
    BAD("x,\xED\xA0\x80", &u8, SD_EENCODING, 1, 1, 2, 2);
    BAD("x,\xF4\x90\x80\x80", &u8, SD_EENCODING, 1, 1, 2, 2);
    BAD("x,\xE6\x9C", &u8, SD_EENCODING, 1, 1, 2, 2);
    BAD("x,\"\xE6\x9C\"", &u8, SD_EENCODING, 1, 1, 2, 3);
    /* UTF-16 (Excel's "Unicode text") is named as such */
    assert_int_equal(sd_csv_parse("\xFF\xFE"
                                  "a\0",
                                  4, NULL, &c, &e),
                     SD_EENCODING);
    assert_int_equal(e.offset, 0);
    assert_non_null(strstr(e.reason, "UTF-16"));
    /* NUL bytes, unquoted and quoted and right after a closing quote */
    BAD("a,b\0c", NULL, SD_EENCODING, 1, 1, 2, 3);
    BAD("a\n\"b\0\"", NULL, SD_EENCODING, 2, 2, 1, 4);
    BAD("\"b\"\0", NULL, SD_EENCODING, 1, 1, 1, 3);
    /* an unknown encoding value */
    sd_csv_opts_t o = {.encoding = (sd_csv_encoding_t)7};
    assert_int_equal(sd_csv_parse("a", 1, &o, &c, &e), SD_EINVAL);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    /* unterminated quote: reported at the opening quote */
    BAD("a,b\r\nc,\"de\r\nf", NULL, SD_ESYNTAX, 2, 2, 2, 7);
    /* a quote inside an unquoted field, and text after a closing quote */
    BAD("x\nab\"c", NULL, SD_ESYNTAX, 2, 2, 1, 4);
    BAD("\"ab\"c,d", NULL, SD_ESYNTAX, 1, 1, 1, 4);
    BAD(" \"a\"", NULL, SD_ESYNTAX, 1, 1, 1, 1);
    BAD("a,\"b\" ,c", NULL, SD_ESYNTAX, 1, 1, 2, 5);
    /* strict: too many fields (at the surplus field), too few (at the record's end) */
    sd_csv_opts_t s = {.strict = true};
    BAD("a,b\n1,2,3\n", &s, SD_ESYNTAX, 2, 2, 3, 8);
    BAD("a,b,c\n1,2\n", &s, SD_ESYNTAX, 2, 2, 3, 9);
    BAD("a,b,c\n\n1,2", &s, SD_ESYNTAX, 3, 2, 3, 10);
    sd_csv_t *c = OK("a,b\n\"1\n\",2\n", &s);
    sd_csv_free(c);
}

static void test_limits(void **state)
{
    (void)state;
    /* field: decoded bytes, reported at the field's start */
    sd_csv_opts_t f = {.max_field = 4};
    sd_csv_t *c = OK("abcd,\"ab\"\"c\"\n", &f);
    sd_csv_free(c);
    BAD("abc,abcde\n", &f, SD_ETOOBIG, 1, 1, 2, 4);
    BAD("x\n\"a\"\"b\"\"c\"\n", &f, SD_ETOOBIG, 2, 2, 1, 2);
    /* record: input bytes without terminator, reported at the record's start */
    sd_csv_opts_t l = {.max_line = 8};
    c = OK("ab,cd\nabc,efgh\n", &l);
    sd_csv_free(c);
    BAD("ab,cd\nabcd,efgh,ij\n", &l, SD_ETOOBIG, 2, 2, 2, 6);
    BAD("ab\n\"a\nb\nc\nd\ne\"\n", &l, SD_ETOOBIG, 2, 2, 1, 3);
    BAD("a\n,,,,,,,,,,,,\n", &l, SD_ETOOBIG, 2, 2, 10, 2);
    /* rows: the header counts, reported at the extra row */
    sd_csv_opts_t r = {.max_rows = 2};
    c = OK("a\n\nb\n", &r);
    sd_csv_free(c);
    BAD("a\nb\n\nc\n", &r, SD_ETOOBIG, 4, 3, 1, 5);
    /* defaults: a 64 KiB field passes, one byte more does not */
    size_t big = SD_CSV_DEFAULT_MAX_FIELD + 1;
    char *s = malloc(big + 3);
    memset(s, 'x', big);
    memcpy(s + big, ",y", 3);
    bad(s, big + 2, NULL, SD_ETOOBIG, 1, 1, 1, 0);
    c = ok(s + 1, big + 1, NULL);
    assert_int_equal(sd_csv_field_len(c, 0, 0), SD_CSV_DEFAULT_MAX_FIELD);
    sd_csv_free(c);
    free(s);
}

typedef struct {
    size_t rows;
    size_t lines[4];
    char got[256];
    int stop_at;
} collect_t;

static int collect(void *ctx, const sd_csv_row_t *row)
{
    collect_t *c = ctx;
    if ((int)row->row == c->stop_at)
        return SD_EFIELD;
    c->lines[c->rows++ % 4] = row->line;
    for (size_t i = 0; i < row->nfields; i++) {
        assert_int_equal(strlen(row->fields[i]), row->lens[i]);
        strcat(c->got, row->fields[i]);
        strcat(c->got, i + 1 < row->nfields ? "|" : ";");
    }
    return 0;
}

static void test_stream(void **state)
{
    (void)state;
    collect_t c = {0};
    sd_csv_error_t e;
    const char in[] = "a,b\n\"x\ny\",z\n\nlast,\n";
    assert_int_equal(sd_csv_parse_stream(in, sizeof in - 1, NULL, collect, &c, &e), 0);
    assert_int_equal(c.rows, 3);
    assert_string_equal(c.got, "a|b;x\ny|z;last|;");
    assert_int_equal(c.lines[1], 2);
    assert_int_equal(c.lines[2], 5);
    /* the callback stops the parse with its own code; earlier rows stay delivered */
    collect_t s = {.stop_at = 3};
    assert_int_equal(sd_csv_parse_stream(in, sizeof in - 1, NULL, collect, &s, &e), SD_EFIELD);
    assert_int_equal(e.err, SD_EFIELD);
    assert_int_equal(e.row, 3);
    assert_int_equal(e.line, 5);
    assert_int_equal(e.column, 0);
    assert_int_equal(e.offset, 13);
    assert_int_equal(s.rows, 2);
    /* a syntax error after good rows */
    collect_t t = {0};
    assert_int_equal(sd_csv_parse_stream("a\nb\"", 4, NULL, collect, &t, &e), SD_ESYNTAX);
    assert_int_equal(t.rows, 1);
    assert_int_equal(e.offset, 3);
    /* a NULL error pointer is allowed */
    assert_int_equal(sd_csv_parse_stream("\"", 1, NULL, collect, &t, NULL), SD_ESYNTAX);
}

static void test_find(void **state)
{
    (void)state;
    const char *h[] = {" 施設名 ", "コード\xE3\x80\x80", "\xE3\x80\x80", "dup", "dup"};
    assert_int_equal(sd_csv_find(h, 5, "施設名"), 0);
    assert_int_equal(sd_csv_find(h, 5, "\tコード "), 1);
    assert_int_equal(sd_csv_find(h, 5, ""), 2);
    assert_int_equal(sd_csv_find(h, 5, "dup"), SD_ECONFLICT);
    assert_int_equal(sd_csv_find(h, 5, "施設"), SD_ENOTFOUND);
    assert_int_equal(sd_csv_find(h, 0, "施設名"), SD_ENOTFOUND);
    sd_csv_t *c = OK("", NULL);
    assert_int_equal(sd_csv_find_column(c, "x"), SD_ENOTFOUND);
    sd_csv_free(c);
}

static void test_writer(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    const char *row[] = {"plain", "a,b", "say \"hi\"", "two\nlines", " pad", "", "札幌"};
    assert_int_equal(sd_csv_write_row(&b, row, 7, 0), 0);
    assert_string_equal(b.data,
                        "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",,札幌\r\n");
    sd_buf_reset(&b);
    const char *empty[] = {""};
    assert_int_equal(sd_csv_write_row(&b, empty, 1, 0), 0);
    assert_string_equal(b.data, "\"\"\r\n");
    assert_int_equal(sd_csv_write_row(&b, empty, 0, 0), SD_EINVAL);
    sd_buf_reset(&b);
    /* injection guard on by default, only on the first character, never on plain numbers */
    const char *f[] = {"=SUM(A1:A9)", "+1", "-5", "@cmd", "\tx", "a=b", "=a,b", "5"};
    assert_int_equal(sd_csv_write_row(&b, f, 8, SD_CSV_W_RAW), 0);
    assert_string_equal(b.data, "=SUM(A1:A9),+1,-5,@cmd,\"\tx\",a=b,\"=a,b\",5\r\n");
    sd_buf_reset(&b);
    assert_int_equal(sd_csv_write_row(&b, f, 8, 0), 0);
    assert_string_equal(b.data, "\"'=SUM(A1:A9)\",+1,-5,\"'@cmd\",\"'\tx\",a=b,\"'=a,b\",5\r\n");
    sd_buf_reset(&b);
    assert_int_equal(sd_csv_write_field(&b, "\r=", 0), 0);
    assert_string_equal(b.data, "\"'\r=\"");
    sd_buf_reset(&b);
    /* a field starting with U+FEFF is quoted, else it would read back as a BOM */
    sd_buf_reset(&b);
    const char *z[] = {"\xEF\xBB\xBFx"};
    assert_int_equal(sd_csv_write_row(&b, z, 1, 0), 0);
    assert_string_equal(b.data, "\"\xEF\xBB\xBFx\"\r\n");
    sd_csv_t *c = ok(b.data, b.len, NULL);
    assert_string_equal(sd_csv_field(c, 0, 0), z[0]);
    sd_csv_free(c);
    sd_buf_free(&b);
}

/* Issue 11: =cmd|... cells were exported verbatim. Every export is guarded; numbers stay numbers.
 */
static void test_writer_formula_guard(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""},
        {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
        {"@SUM(1)", "\"'@SUM(1)\""},
        {"+cmd", "\"'+cmd\""},
        {"-cmd", "\"'-cmd\""},
        {"-", "\"'-\""},
        {"\tcmd", "\"'\tcmd\""},
        {"\rcmd", "\"'\rcmd\""},
        {"\xEF\xBC\x9D"
         "1+1",
         "\"'\xEF\xBC\x9D"
         "1+1\""}, /* ＝ */
        {"\xEF\xBC\x8B"
         "1",
         "\"'\xEF\xBC\x8B"
         "1\""}, /* ＋ */
        {"\xEF\xBC\x8D"
         "1",
         "\"'\xEF\xBC\x8D"
         "1\""}, /* － */
        {"\xEF\xBC\xA0"
         "x",
         "\"'\xEF\xBC\xA0"
         "x\""}, /* ＠ */
        {"-1.5", "-1.5"},
        {"+3", "+3"},
        {"-0.25e-3", "-0.25e-3"},
        {"-.5", "-.5"},
        {"-1.5x", "\"'-1.5x\""},
        {"-1e", "\"'-1e\""},
        {"-inf", "\"'-inf\""},
        {"12", "12"},
        {"a=1", "a=1"},
        {"札幌=1", "札幌=1"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sd_buf_t b = {0};
        assert_int_equal(sd_csv_write_field(&b, cases[i].in, 0), 0);
        assert_string_equal(b.data ? b.data : "", cases[i].out);
        /* read back, the guard is recognised as such and only then */
        if (b.len) {
            sd_csv_t *c = ok(b.data, b.len, NULL);
            const char *f = sd_csv_field(c, 0, 0);
            size_t g = sd_csv_guard_len(f, strlen(f));
            assert_int_equal(g, strcmp(cases[i].in, cases[i].out) != 0);
            if (g)
                assert_string_equal(f + g, cases[i].in);
            sd_csv_free(c);
        }
        sd_buf_free(&b);
    }
    assert_int_equal(sd_csv_guard_len("'hello", 6), 0);
    assert_int_equal(sd_csv_guard_len("'-1.5", 5), 0);
    assert_int_equal(sd_csv_guard_len("'", 1), 0);
    assert_int_equal(sd_csv_guard_len("'=1", 3), 1);
}

/* Random fields from pieces that stress quoting; write them, read them back unchanged. */
static void test_roundtrip(void **state)
{
    (void)state;
    static const char *pieces[] = {"a", ",",  "\"", "\r", "\n", "\r\n", " ",   "\t",
                                   "é", "札", "=",  "-",  "'",  "x y",  "\"\""};
    srand(4180);
    for (int iter = 0; iter < 2000; iter++) {
        size_t nrows = 1 + (size_t)rand() % 5, nf = 1 + (size_t)rand() % 5;
        char *cells[5][5];
        sd_buf_t out = {0};
        if (iter & 1)
            sd_buf_append_str(&out, SD_CSV_UTF8_BOM);
        for (size_t r = 0; r < nrows; r++) {
            for (size_t f = 0; f < nf; f++) {
                sd_buf_t cell = {0};
                sd_buf_append_str(&cell, "");
                for (int k = rand() % 6; k > 0; k--)
                    sd_buf_append_str(&cell, pieces[(size_t)rand() % 15]);
                cells[r][f] = sd_buf_steal(&cell);
            }
            assert_int_equal(
                sd_csv_write_row(&out, (const char *const *)cells[r], nf, SD_CSV_W_RAW), 0);
        }
        sd_csv_opts_t o = {.strict = true, .encoding = (sd_csv_encoding_t)(iter % 2)};
        sd_csv_t *c = ok(out.data, out.len, &o);
        assert_int_equal(sd_csv_rows(c), nrows);
        for (size_t r = 0; r < nrows; r++) {
            assert_int_equal(sd_csv_fields(c, r), nf);
            for (size_t f = 0; f < nf; f++) {
                assert_string_equal(sd_csv_field(c, r, f), cells[r][f]);
                free(cells[r][f]);
            }
        }
        sd_csv_free(c);
        sd_buf_free(&out);
    }
}

/* Exports asked for in Shift_JIS: CP932 bytes, twins mapped, the rest '?', read back by the reader.
 */
static void test_to_cp932(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    /* 件名 = 8C 8F 96 BC; 〜 (U+301C) = 81 60; the emoji has no code: '?' */
    const char *u = "ID,\xE4\xBB\xB6\xE5\x90\x8D\xE3\x80\x9C\xF0\x9F\x92\xA7x\r\n";
    assert_int_equal(sd_csv_to_cp932(u, strlen(u), &b), 0);
    assert_int_equal(b.len, 13);
    assert_memory_equal(b.data, "ID,\x8C\x8F\x96\xBC\x81\x60?x\r\n", 13);
    assert_int_equal(b.data[b.len], '\0');
    sd_csv_t *csv = NULL;
    sd_csv_opts_t o = {.encoding = SD_CSV_ENC_CP932};
    assert_int_equal(sd_csv_parse(b.data, b.len, &o, &csv, NULL), 0);
    assert_string_equal(sd_csv_field(csv, 0, 1), "\xE4\xBB\xB6\xE5\x90\x8D\xEF\xBD\x9E?x");
    sd_csv_free(csv);
    sd_buf_free(&b);
    /* a byte that is not UTF-8, and a long text crossing the converter's buffer */
    assert_int_equal(sd_csv_to_cp932("a\xFF"
                                     "b",
                                     3, &b),
                     0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a?b", 3);
    sd_buf_free(&b);
    sd_buf_t big = {0};
    for (int k = 0; k < 5000; k++)
        assert_int_equal(sd_buf_append_str(&big, "\xE6\xB0\xB4"), 0); /* 水 = 90 85 */
    assert_int_equal(sd_csv_to_cp932(big.data, big.len, &b), 0);
    assert_int_equal(b.len, 10000);
    assert_memory_equal(b.data + 9998, "\x90\x85", 2);
    sd_buf_free(&b);
    sd_buf_free(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_quoting_and_lines),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_shift_jis),
        cmocka_unit_test(test_bad_encoding),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_formula_guard),
        cmocka_unit_test(test_mixed_encoding),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_to_cp932),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
