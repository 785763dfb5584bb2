/* test_pf_sheet.c - lib/pf/sheet: the sample, every error class, Shift_JIS, round trip. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/master/sheet.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static char *read_sample(size_t *len)
{
    const char *root = getenv("SUIDO_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/etc/sample-sheet.csv", root ? root : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the repository root or set SUIDO_ROOT)", path);
    sd_buf_t b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(sd_buf_append(&b, tmp, n), 0);
    fclose(f);
    *len = b.len;
    return sd_buf_steal(&b);
}

static char *to_cp932(const char *s, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = len * 2 + 16, inleft = len, oleft = cap;
    char *out = malloc(cap), *o = out;
    char *in = (char *)(uintptr_t)s;
    assert_true(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
    iconv_close(cd);
    *outlen = cap - oleft;
    return out;
}

static void dump_errors(const sd_sheet_errors_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        print_message("  row %zu col %zu %s: %s\n", e->v[i].row, e->v[i].column, e->v[i].field,
                      e->v[i].reason);
}

/* Check a sheet that must be valid. */
static void good(const char *csv, size_t len, const sd_sheet_items_t *master, sd_sheet_items_t *out)
{
    sd_sheet_errors_t e = {0};
    int rc = sd_sheet_check(csv, len, master, out, &e, NULL);
    if (rc) {
        dump_errors(&e);
        fail_msg("sheet rejected: %s, %zu findings", sd_err_name(rc), e.n);
    }
    sd_sheet_errors_free(&e);
}

/*
 * The sheet header used by the small cases below, and a row built from "col=value|col=value".
 * Columns (1-based): kind 1, facility 2, device 3, data_id 4, name 5, type 6, estate 7, model 8,
 * branch 9, office 10, terminal 11, tel 12, signal 13, input 14, unit 15, scale_lo 16,
 * scale_hi 17, factor 18, limit_lo 19, limit_hi 20, severity 21, drives 22.
 */
static const char *const hcols[] = {
    "kind",     "facility", "device",   "data_id",  "name",     "type",  "estate", "model",
    "branch",   "office",   "terminal", "tel",      "signal",   "input", "unit",   "scale_lo",
    "scale_hi", "factor",   "limit_lo", "limit_hi", "severity", "drives"};
#define NH (sizeof hcols / sizeof *hcols)

static void add_row(sd_buf_t *b, const char *kv)
{
    const char *f[NH] = {0};
    char *copy = strdup(kv), *save = NULL;
    for (char *p = strtok_r(copy, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(p, '=');
        assert_non_null(eq);
        *eq = '\0';
        size_t i = 0;
        while (i < NH && strcmp(hcols[i], p) != 0)
            i++;
        if (i == NH)
            fail_msg("test bug: column %s", p);
        f[i] = eq + 1;
    }
    for (size_t i = 0; i < NH; i++)
        if (!f[i])
            f[i] = "";
    assert_int_equal(sd_csv_write_row(b, f, NH, SD_CSV_W_RAW), 0);
    free(copy);
}

#define FAC "kind=facility|facility=222|name=五輪|type=簡易専用|estate=222"
#define DEV2                                                                                       \
    "kind=device|facility=222|device=g2|name=G2|model=L2|branch=1|office=2|estate=222|"            \
    "terminal=1|tel=011-581-2221"
#define DEV3                                                                                       \
    "kind=device|facility=222|device=g3|name=G3|model=L3|branch=01|office=02|"                     \
    "estate=222|terminal=02|tel=0115812222"
#define LEVEL                                                                                      \
    "kind=point|device=g2|data_id=lv|name=水位|signal=analog|input=Ai1|unit=m|"                  \
    "scale_lo=0|scale_hi=5"

/* Build a sheet from rows (NULL-terminated) after the header. */
static char *sheet(size_t *len, ...)
{
    sd_buf_t b = {0};
    assert_int_equal(sd_csv_write_row(&b, hcols, NH, SD_CSV_W_RAW), 0);
    va_list ap;
    va_start(ap, len);
    for (const char *r; (r = va_arg(ap, const char *));)
        add_row(&b, r);
    va_end(ap);
    *len = b.len;
    return sd_buf_steal(&b);
}

/* Expect findings; each (row, column, reason fragment) must be among them, and no others. */
typedef struct {
    size_t row, col;
    const char *frag;
} want_t;

static void expect(const char *csv, size_t len, const sd_sheet_items_t *master, const want_t *w,
                   size_t nw)
{
    sd_sheet_items_t it = {0};
    sd_sheet_errors_t e = {0};
    int rc = sd_sheet_check(csv, len, master, &it, &e, NULL);
    assert_int_equal(rc, SD_EFIELD);
    assert_int_equal(it.n, 0);
    bool bad = e.n != nw;
    for (size_t i = 0; i < nw; i++) {
        bool found = false;
        for (size_t j = 0; j < e.n && !found; j++)
            found = e.v[j].row == w[i].row && e.v[j].column == w[i].col &&
                    strstr(e.v[j].reason, w[i].frag);
        if (!found) {
            print_message("missing: row %zu col %zu '%s'\n", w[i].row, w[i].col, w[i].frag);
            bad = true;
        }
    }
    for (size_t j = 1; j < e.n; j++) /* sorted by row, then column */
        assert_true(e.v[j - 1].row < e.v[j].row ||
                    (e.v[j - 1].row == e.v[j].row && e.v[j - 1].column <= e.v[j].column));
    if (bad) {
        dump_errors(&e);
        fail_msg("findings differ (%zu, want %zu)", e.n, nw);
    }
    sd_sheet_errors_free(&e);
    sd_sheet_items_free(&it);
}

#define W(...)                                                                                     \
    ((const want_t[]){__VA_ARGS__}), sizeof((const want_t[]){__VA_ARGS__}) / sizeof(want_t)
#define EXPECT(master, want, ...)                                                                  \
    do {                                                                                           \
        size_t len_;                                                                               \
        char *s_ = sheet(&len_, __VA_ARGS__, NULL);                                                \
        expect(s_, len_, master, want);                                                            \
        free(s_);                                                                                  \
    } while (0)

static size_t count_kind(const sd_sheet_items_t *l, sd_sheet_kind_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->v[i].kind == k;
    return n;
}

static const sd_sheet_item_t *find(const sd_sheet_items_t *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(sd_sheet_item_key(&l->v[i]), key))
            return &l->v[i];
    return NULL;
}

static void same_items(const sd_sheet_items_t *a, const sd_sheet_items_t *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->v[i].kind, b->v[i].kind);
        for (int c = 0; c < SD_SHEET_COL__COUNT; c++)
            if (strcmp(a->v[i].f[c], b->v[i].f[c]) != 0)
                fail_msg("item %zu (%s) column %s: '%s' vs '%s'", i, sd_sheet_item_key(&a->v[i]),
                         sd_sheet_col_name(c), a->v[i].f[c], b->v[i].f[c]);
    }
}

/* ---- the sample ------------------------------------------------------------------------------ */

static void test_sample(void **state)
{
    (void)state;
    size_t len;
    char *csv = read_sample(&len);
    sd_sheet_items_t it = {0};
    sd_sheet_errors_t e = {0};
    sd_csv_encoding_t enc;
    int rc = sd_sheet_check(csv, len, NULL, &it, &e, &enc);
    if (rc)
        dump_errors(&e);
    assert_int_equal(rc, 0);
    assert_int_equal(enc, SD_CSV_ENC_UTF8);
    assert_int_equal(count_kind(&it, SD_SHEET_FACILITY), 6);
    assert_int_equal(count_kind(&it, SD_SHEET_DEVICE), 7);
    assert_int_equal(count_kind(&it, SD_SHEET_OUTPUT), 3);
    /* the simulator's wiring, as the gateway will scale it */
    const sd_sheet_item_t *lv = find(&it, "gorin-l2.tank_level");
    assert_non_null(lv);
    assert_string_equal(lv->f[SD_SHEET_COL_INPUT], "Ai1");
    assert_string_equal(lv->f[SD_SHEET_COL_SCALE_HI], "5");
    assert_string_equal(find(&it, "gorin-l2.delivery_pressure")->f[SD_SHEET_COL_SCALE_HI], "1");
    assert_string_equal(find(&it, "gorin-l2.flow")->f[SD_SHEET_COL_SCALE_HI], "60");
    assert_string_equal(find(&it, "gorin-l2.pump2_current")->f[SD_SHEET_COL_INPUT], "Ai5");
    assert_string_equal(find(&it, "gorin-l2.water_meter")->f[SD_SHEET_COL_INPUT], "Pi13");
    assert_string_equal(find(&it, "gorin-l2.water_meter")->f[SD_SHEET_COL_FACTOR], "0.1");
    assert_string_equal(find(&it, "gorin-l2.energy_meter")->f[SD_SHEET_COL_INPUT], "Pi14");
    assert_string_equal(find(&it, "gorin-l2.intrusion")->f[SD_SHEET_COL_INPUT], "Di10");
    assert_string_equal(find(&it, "gorin-l2.valve_out")->f[SD_SHEET_COL_INPUT], "Out3");
    const sd_sheet_item_t *d = find(&it, "kitahiroshima2-l3");
    assert_string_equal(d->f[SD_SHEET_COL_TEL], "0113722792");
    assert_string_equal(d->f[SD_SHEET_COL_ESTATE], "279");
    assert_string_equal(find(&it, "305-1")->f[SD_SHEET_COL_TYPE], "direct_boost");
    int di = 0;
    for (size_t i = 0; i < it.n; i++)
        di += !strcmp(it.v[i].f[SD_SHEET_COL_DEVICE], "gorin-l2") &&
              !strncmp(it.v[i].f[SD_SHEET_COL_INPUT], "Di", 2);
    assert_int_equal(di, 10);
    /* items come back in sheet order: facilities, devices, points, outputs, by key */
    for (size_t i = 1; i < it.n; i++)
        assert_true(it.v[i - 1].kind < it.v[i].kind ||
                    (it.v[i - 1].kind == it.v[i].kind &&
                     strcmp(sd_sheet_item_key(&it.v[i - 1]), sd_sheet_item_key(&it.v[i])) < 0));

    /* the same sheet again over itself as master: a no-op change, still valid */
    sd_sheet_items_t again = {0};
    good(csv, len, &it, &again);
    same_items(&it, &again);
    sd_sheet_items_free(&again);
    sd_sheet_items_free(&it);
    sd_sheet_errors_free(&e);
    free(csv);
}

static void test_shift_jis(void **state)
{
    (void)state;
    size_t len, slen;
    char *csv = read_sample(&len);
    char *sj = to_cp932(csv, len, &slen);
    assert_true(slen != len || memcmp(sj, csv, len) != 0);
    sd_sheet_items_t a = {0}, b = {0};
    sd_sheet_errors_t e = {0};
    sd_csv_encoding_t enc;
    good(csv, len, NULL, &a);
    assert_int_equal(sd_sheet_check(sj, slen, NULL, &b, &e, &enc), 0);
    assert_int_equal(enc, SD_CSV_ENC_CP932);
    same_items(&a, &b);
    assert_string_equal(find(&b, "222")->f[SD_SHEET_COL_NAME], "五輪");
    sd_sheet_items_free(&a);
    sd_sheet_items_free(&b);
    free(sj);
    free(csv);
}

/*
 * Issue 11: the sample (UTF-8) with one name pasted in as Shift_JIS was read whole as CP932 (all
 * mojibake, no finding). Now one finding at the row and column of that name.
 */
static void test_mixed_encoding(void **state)
{
    (void)state;
    size_t len, slen;
    char *csv = read_sample(&len);
    /* where the first 五輪 is, as row and column */
    sd_csv_t *t = NULL;
    assert_int_equal(sd_csv_parse(csv, len, NULL, &t, NULL), 0);
    size_t row = 0, col = 0;
    for (size_t r = 0; r < sd_csv_rows(t) && !row; r++)
        for (size_t c = 0; c < sd_csv_fields(t, r) && !row; c++)
            if (strstr(sd_csv_field(t, r, c), "五輪"))
                row = r + 1, col = c + 1;
    sd_csv_free(t);
    assert_true(row > 1);
    char *at = memmem(csv, len, "五輪", strlen("五輪"));
    assert_non_null(at);
    char *sj = to_cp932("五輪", strlen("五輪"), &slen);
    sd_buf_t mixed = {0};
    sd_buf_append(&mixed, csv, (size_t)(at - csv));
    sd_buf_append(&mixed, sj, slen);
    sd_buf_append(&mixed, at + strlen("五輪"), len - (size_t)(at - csv) - strlen("五輪"));
    sd_sheet_items_t it = {0};
    sd_sheet_errors_t e = {0};
    sd_csv_encoding_t enc;
    assert_int_equal(sd_sheet_check(mixed.data, mixed.len, NULL, &it, &e, &enc), SD_EFIELD);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.v[0].row, row);
    assert_int_equal(e.v[0].column, col);
    assert_non_null(strstr(e.v[0].reason, "mixed with Shift_JIS"));
    assert_int_equal(it.n, 0);
    sd_sheet_items_free(&it);
    sd_sheet_errors_free(&e);
    sd_buf_free(&mixed);
    free(sj);
    free(csv);
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t len;
    char *csv = read_sample(&len);
    sd_sheet_items_t a = {0}, b = {0}, c = {0};
    good(csv, len, NULL, &a);
    sd_buf_t out = {0};
    assert_int_equal(sd_sheet_write_csv(&a, &out), 0);
    good(out.data, out.len, NULL, &b);
    same_items(&a, &b);
    /* written again: byte for byte the same (the form is canonical) */
    sd_buf_t out2 = {0};
    assert_int_equal(sd_sheet_write_csv(&b, &out2), 0);
    assert_int_equal(out.len, out2.len);
    assert_memory_equal(out.data, out2.data, out.len);
    /* merge with an empty master is the sheet; the merged master validates against itself */
    assert_int_equal(sd_sheet_merge(NULL, &a, &c), 0);
    same_items(&a, &c);
    sd_buf_free(&out);
    sd_buf_free(&out2);
    sd_sheet_items_free(&a);
    sd_sheet_items_free(&b);
    sd_sheet_items_free(&c);
    free(csv);
}

/* Normalisation: aliases, padding, tel, numbers, Japanese headers, comments, blank rows. */
static void test_normalise(void **state)
{
    (void)state;
    const char *csv = "種別,施設コード,名称,給水種別,団地コード\r\n"
                      "#comment,x,,,\r\n"
                      ",,,,\r\n"
                      "施設, A1 ,\xE3\x80\x80名\xE3\x80\x80,直結増圧,7\r\n";
    sd_sheet_items_t it = {0};
    good(csv, strlen(csv), NULL, &it);
    assert_int_equal(it.n, 1);
    assert_string_equal(it.v[0].f[SD_SHEET_COL_KIND], "facility");
    assert_string_equal(it.v[0].f[SD_SHEET_COL_FACILITY], "A1");
    assert_string_equal(it.v[0].f[SD_SHEET_COL_NAME], "名");
    assert_string_equal(it.v[0].f[SD_SHEET_COL_TYPE], "direct_boost");
    assert_string_equal(it.v[0].f[SD_SHEET_COL_ESTATE], "007");
    assert_int_equal(it.v[0].row, 4);
    sd_sheet_items_free(&it);

    size_t len;
    char *s = sheet(&len, FAC, DEV2,
                    "kind=point|device=g2|data_id=p|name=P|signal=パルス|input=pi01|unit=m3|"
                    "factor=0.10",
                    "kind=point|device=g2|data_id=a|name=A|signal=analog|input=ai2|unit=MPa|"
                    "scale_lo=-0.0|scale_hi=1e0|limit_lo=.2|severity=重故障",
                    NULL);
    good(s, len, NULL, &it);
    const sd_sheet_item_t *d = find(&it, "g2");
    assert_string_equal(d->f[SD_SHEET_COL_BRANCH], "01");
    assert_string_equal(d->f[SD_SHEET_COL_TEL], "0115812221");
    const sd_sheet_item_t *p = find(&it, "p");
    assert_string_equal(p->f[SD_SHEET_COL_SIGNAL], "pulse");
    assert_string_equal(p->f[SD_SHEET_COL_INPUT], "Pi1");
    assert_string_equal(p->f[SD_SHEET_COL_FACTOR], "0.1");
    const sd_sheet_item_t *a = find(&it, "a");
    assert_string_equal(a->f[SD_SHEET_COL_SCALE_LO], "0");
    assert_string_equal(a->f[SD_SHEET_COL_SCALE_HI], "1");
    assert_string_equal(a->f[SD_SHEET_COL_LIMIT_LO], "0.2");
    assert_string_equal(a->f[SD_SHEET_COL_SEVERITY], "major");
    assert_string_equal(a->f[SD_SHEET_COL_INPUT], "Ai2");
    sd_sheet_items_free(&it);
    free(s);
}

/* ---- every error class ----------------------------------------------------------------------- */

static void test_sheet_level(void **state)
{
    (void)state;
    const char *unterminated = "kind,facility\r\nfacility,\"222\r\n";
    expect(unterminated, strlen(unterminated), NULL, W({2, 2, "quote"}));
    expect("", 0, NULL, W({0, 0, "empty"}));
    const char *nokind = "facility,name\r\n222,x\r\n";
    expect(nokind, strlen(nokind), NULL, W({1, 0, "missing column 'kind'"}));
    const char *hdr = "kind,facility,name,type,estate,colour,name\r\n";
    expect(hdr, strlen(hdr), NULL,
           W({1, 6, "unknown column 'colour'"}, {1, 7, "repeated"}, {0, 0, "no rows"}));
    const char *nohdr = "kind,facility,name,estate\r\nfacility,222,x,222\r\n";
    expect(nohdr, strlen(nohdr), NULL, W({1, 0, "missing column 'type'"}));
    const char *extra = "kind,facility,name,type,estate\r\nfacility,222,x,simple,222,oops\r\n";
    expect(extra, strlen(extra), NULL, W({2, 6, "beyond the last column"}));
    const char *nul = "kind\r\nfac\0ility\r\n";
    expect(nul, 17, NULL, W({2, 1, "NUL"}));
}

static void test_fields(void **state)
{
    (void)state;
    EXPECT(NULL, W({2, 1, "unknown kind"}), "kind=pump|facility=222");
    EXPECT(NULL, W({2, 5, "required"}, {2, 6, "required"}, {2, 7, "required"}),
           "kind=facility|facility=222");
    EXPECT(NULL, W({2, 13, "not used by a facility"}, {2, 22, "not used by a facility"}),
           FAC "|signal=alarm|drives=x");
    EXPECT(NULL, W({2, 2, "A-Z a-z"}), "kind=facility|facility=2 2|name=x|type=simple|estate=1");
    EXPECT(NULL, W({2, 2, "longer than 64"}),
           "kind=facility|facility=0123456789012345678901234567890123456789012345678901234567890"
           "1234|name=x|type=simple|estate=1");
    EXPECT(NULL, W({2, 6, "unknown type"}), "kind=facility|facility=1|name=x|type=big|estate=1");
    EXPECT(NULL, W({2, 7, "000-999"}), "kind=facility|facility=1|name=x|type=small|estate=1000");
    EXPECT(NULL, W({2, 5, "control characters"}),
           "kind=facility|facility=1|name=a\nb|type=small|estate=1");
    EXPECT(NULL, W({3, 8, "L2 or L3"}, {3, 9, "00-99"}, {3, 10, "00-99"}, {3, 11, "00-99"}), FAC,
           "kind=device|facility=222|device=d|name=D|model=L4|branch=100|office=x|"
           "estate=222|terminal=-1|tel=1");
    EXPECT(NULL, W({3, 12, "1-12 digits"}), FAC,
           "kind=device|facility=222|device=d|name=D|model=L2|branch=1|office=1|estate=222|"
           "terminal=1|tel=0123456789012");
    EXPECT(NULL, W({3, 12, "1-12 digits"}), FAC,
           "kind=device|facility=222|device=d|name=D|model=L2|branch=1|office=1|estate=222|"
           "terminal=1|tel=011-abc");
    EXPECT(NULL, W({4, 13, "unknown signal"}), FAC, DEV2,
           "kind=point|device=g2|data_id=x|name=X|signal=smoke|input=Di1");
    /* input positions within the terminal's hardware */
    EXPECT(NULL,
           W({4, 14, "Di49 is outside"}, {5, 14, "Pi17 is outside"}, {6, 14, "Ai17 is outside"},
             {7, 14, "Integ5 is outside"}, {8, 14, "Out9 is outside"}, {9, 14, "must be Di1-48"}),
           FAC, DEV2, "kind=point|device=g2|data_id=a|name=A|signal=alarm|input=Di49|severity=info",
           "kind=point|device=g2|data_id=b|name=B|signal=pulse|input=Pi17|unit=m3",
           "kind=point|device=g2|data_id=c|name=C|signal=analog|input=Ai17|unit=m|scale_lo=0|"
           "scale_hi=1",
           "kind=point|device=g2|data_id=d|name=D|signal=integration|input=Integ5|unit=m3",
           "kind=output|device=g2|data_id=e|name=E|input=Out9",
           "kind=point|device=g2|data_id=f|name=F|signal=monitor|input=Xx1");
    EXPECT(NULL, W({4, 16, "not a number"}, {4, 17, "not a number"}, {4, 19, "not a number"}), FAC,
           DEV2,
           "kind=point|device=g2|data_id=a|name=A|signal=analog|input=Ai1|unit=m|scale_lo=abc|"
           "scale_hi=inf|limit_lo=0x10|severity=info");
}

/* tank_m3 is not in the small header: use a sheet of its own. */
static void test_fields_extra(void **state)
{
    (void)state;
    const char *s = "kind,facility,name,type,estate,tank_m3,households\r\n"
                    "facility,1,x,small,1,-3,1.5\r\n";
    expect(s, strlen(s), NULL, W({2, 6, "negative"}, {2, 7, "whole number"}));
}

/* The optional `gateway` of a device row (0-64 bytes, a registry name), kept as written. */
static void test_gateway_column(void **state)
{
    (void)state;
    const char *hdr = "kind,facility,device,name,type,estate,model,branch,office,terminal,tel,"
                      "gateway,signal\r\n";
    const char *fac = "facility,222,,F,simple,222,,,,,,,\r\n";
    char csv[1024];
    snprintf(csv, sizeof csv,
             "%s%sdevice,222,g2,G,,222,L2,1,2,1,011,札幌 GW-1,\r\n"
             "device,222,g3,G,,222,L2,1,2,2,012,,\r\n",
             hdr, fac);
    sd_sheet_items_t it = {0};
    good(csv, strlen(csv), NULL, &it);
    const sd_sheet_item_t *g2 = NULL, *g3 = NULL;
    for (size_t i = 0; i < it.n; i++) {
        if (!strcmp(sd_sheet_item_key(&it.v[i]), "g2"))
            g2 = &it.v[i];
        if (!strcmp(sd_sheet_item_key(&it.v[i]), "g3"))
            g3 = &it.v[i];
    }
    assert_non_null(g2);
    assert_non_null(g3);
    assert_string_equal(g2->f[SD_SHEET_COL_GATEWAY], "札幌 GW-1");
    assert_string_equal(g3->f[SD_SHEET_COL_GATEWAY], "");
    /* it survives master -> CSV -> parse */
    sd_buf_t out = {0};
    assert_int_equal(sd_sheet_write_csv(&it, &out), 0);
    sd_sheet_items_t again = {0};
    good(out.data, out.len, NULL, &again);
    same_items(&it, &again);
    sd_sheet_items_free(&again);
    sd_buf_free(&out);
    sd_sheet_items_free(&it);
    /* 65 bytes, a control character, and a gateway on a facility row */
    snprintf(csv, sizeof csv,
             "%s%sdevice,222,g2,G,,222,L2,1,2,1,011,"
             "01234567890123456789012345678901234567890123456789012345678901234,\r\n"
             "device,222,g3,G,,222,L2,1,2,2,012,\"a\tb\",\r\n"
             "facility,223,,F,simple,223,,,,,,gw,\r\n",
             hdr, fac);
    expect(csv, strlen(csv), NULL,
           W({3, 12, "longer than 64 bytes"}, {4, 12, "control characters"},
             {5, 12, "not used by a facility"}));
}

static void test_rows(void **state)
{
    (void)state;
    /* signal vs module; outputs and points on the wrong side */
    EXPECT(NULL,
           W({4, 14, "analog point is on Ai"}, {5, 14, "integration point is on Integ"},
             {6, 14, "digital input"}, {7, 14, "an output is Out"}, {8, 14, "use an output row"}),
           FAC, DEV2,
           "kind=point|device=g2|data_id=a|name=A|signal=analog|input=Di1|unit=m|scale_lo=0|"
           "scale_hi=1",
           "kind=point|device=g2|data_id=b|name=B|signal=integration|input=Ai1|unit=m3",
           "kind=point|device=g2|data_id=c|name=C|signal=pulse|input=Ai2|unit=m3",
           "kind=output|device=g2|data_id=d|name=D|input=Di5",
           "kind=point|device=g2|data_id=e|name=E|signal=monitor|input=Out1");
    /* scaling, limits, units, severity, factor */
    EXPECT(NULL,
           W({4, 15, "required for an analog"}, {4, 16, "required for an analog"},
             {4, 17, "required for an analog"}, {5, 17, "greater than scale_lo"},
             {6, 20, "greater than limit_lo"}, {6, 21, "required when a limit"},
             {7, 16, "only analog"}, {7, 18, "only pulse and integration"},
             {8, 18, "greater than 0"}, {9, 21, "required for an alarm"},
             {10, 21, "has no severity"}, {11, 15, "required for a pulse"}),
           FAC, DEV2, "kind=point|device=g2|data_id=a|name=A|signal=analog|input=Ai1",
           "kind=point|device=g2|data_id=b|name=B|signal=analog|input=Ai2|unit=m|scale_lo=5|"
           "scale_hi=5",
           "kind=point|device=g2|data_id=c|name=C|signal=analog|input=Ai3|unit=m|scale_lo=0|"
           "scale_hi=5|limit_lo=4|limit_hi=1",
           "kind=point|device=g2|data_id=d|name=D|signal=monitor|input=Di1|scale_lo=0|factor=2",
           "kind=point|device=g2|data_id=e|name=E|signal=pulse|input=Pi1|unit=m3|factor=0",
           "kind=point|device=g2|data_id=f|name=F|signal=alarm|input=Di2",
           "kind=point|device=g2|data_id=g|name=G|signal=runtime|input=Pi2|severity=major",
           "kind=point|device=g2|data_id=h|name=H|signal=pulse|input=Pi3");
}

static void test_cross(void **state)
{
    (void)state;
    /* duplicates: keys within the sheet, a data ID shared by a point and an output */
    EXPECT(NULL, W({3, 2, "already defined at row 2"}, {6, 4, "already defined at row 5"}), FAC,
           FAC, DEV2, LEVEL, "kind=output|device=g2|data_id=lv|name=O|input=Out1");
    /* references */
    EXPECT(NULL, W({2, 2, "unknown facility 'nope'"}, {3, 3, "unknown device 'g9'"}),
           "kind=device|facility=nope|device=g2|name=G2|model=L2|branch=1|office=2|estate=222|"
           "terminal=1|tel=1",
           "kind=point|device=g9|data_id=x|name=X|signal=monitor|input=Di1");
    /* estate of a device vs its facility */
    EXPECT(NULL, W({3, 7, "estate 305 but facility '222' has estate 222"}), FAC,
           "kind=device|facility=222|device=g2|name=G2|model=L2|branch=1|office=2|estate=305|"
           "terminal=1|tel=1");
    /* one device per terminal code and per tel */
    EXPECT(NULL,
           W({4, 11, "01-02-222-01 is already device 'g2' (row 3)"},
             {4, 12, "tel 0115812221 is already device 'g2' (row 3)"}),
           FAC, DEV2,
           "kind=device|facility=222|device=gx|name=GX|model=L2|branch=1|office=2|estate=222|"
           "terminal=1|tel=0115812221");
    /* one object per input; at most 6 pulse inputs */
    EXPECT(NULL,
           W({5, 14, "Ai1 of device 'g2' is already 'lv' (row 4)"},
             {12, 13, "more than 6 pulse inputs"}),
           FAC, DEV2, LEVEL,
           "kind=point|device=g2|data_id=lv2|name=L|signal=analog|input=Ai1|unit=m|scale_lo=0|"
           "scale_hi=5",
           "kind=point|device=g2|data_id=p1|name=P|signal=pulse|input=Pi1|unit=m3",
           "kind=point|device=g2|data_id=p2|name=P|signal=pulse|input=Pi2|unit=m3",
           "kind=point|device=g2|data_id=p3|name=P|signal=pulse|input=Pi3|unit=m3",
           "kind=point|device=g2|data_id=p4|name=P|signal=pulse|input=Pi4|unit=m3",
           "kind=point|device=g2|data_id=p5|name=P|signal=pulse|input=Pi5|unit=m3",
           "kind=point|device=g2|data_id=p6|name=P|signal=pulse|input=Pi6|unit=m3",
           "kind=point|device=g2|data_id=p7|name=P|signal=pulse|input=Pi7|unit=m3");
    /* what an L3 can have: alarms on Di1-16, no outputs */
    EXPECT(NULL, W({4, 13, "only alarm inputs"}, {5, 14, "Di1-16 only"}, {6, 14, "has no outputs"}),
           FAC, DEV3, "kind=point|device=g3|data_id=a|name=A|signal=monitor|input=Di1",
           "kind=point|device=g3|data_id=b|name=B|signal=alarm|input=Di17|severity=info",
           "kind=output|device=g3|data_id=c|name=C|input=Out1");
    /* the other 12 run-time inputs are fine */
    size_t len;
    char *s =
        sheet(&len, FAC, DEV3,
              "kind=point|device=g3|data_id=b|name=B|signal=alarm|input=Di16|severity=info", NULL);
    sd_sheet_items_t it = {0};
    good(s, len, NULL, &it);
    sd_sheet_items_free(&it);
    free(s);
}

/* Findings against the current master, and changes the master makes possible. */
static void test_master(void **state)
{
    (void)state;
    size_t len;
    char *s = sheet(&len, FAC, DEV2, LEVEL,
                    "kind=output|device=g2|data_id=o1|name=O|input=Out1|drives=pump", NULL);
    sd_sheet_items_t master = {0}, it = {0};
    good(s, len, NULL, &master);
    free(s);

    /* a point may hang from a device only in the master; a device's facility too */
    s = sheet(&len, "kind=point|device=g2|data_id=x|name=X|signal=monitor|input=Di1", DEV3, NULL);
    good(s, len, &master, &it);
    assert_int_equal(it.n, 2);
    sd_sheet_items_t merged = {0};
    assert_int_equal(sd_sheet_merge(&master, &it, &merged), 0);
    assert_int_equal(merged.n, master.n + 2);
    sd_sheet_items_free(&merged);
    sd_sheet_items_free(&it);
    free(s);

    /* replacing a master object by its key is allowed, even moving its input */
    s = sheet(&len,
              "kind=point|device=g2|data_id=lv|name=水位2|signal=analog|input=Ai2|unit=m|"
              "scale_lo=0|scale_hi=4",
              NULL);
    good(s, len, &master, &it);
    assert_int_equal(sd_sheet_merge(&master, &it, &merged), 0);
    assert_int_equal(merged.n, master.n);
    assert_string_equal(find(&merged, "lv")->f[SD_SHEET_COL_SCALE_HI], "4");
    sd_sheet_items_free(&merged);
    sd_sheet_items_free(&it);
    free(s);

    /* conflicts with the master are the sheet's rows' findings */
    EXPECT(&master,
           W({2, 4, "is an output in the master"}, {3, 11, "(the master)"}, {3, 12, "(the master)"},
             {4, 14, "Ai1 of device 'g2' is already 'lv' (the master)"}),
           "kind=point|device=g2|data_id=o1|name=X|signal=monitor|input=Di3",
           "kind=device|facility=222|device=gx|name=GX|model=L3|branch=1|office=2|estate=222|"
           "terminal=1|tel=0115812221",
           "kind=point|device=g2|data_id=lv3|name=L|signal=analog|input=Ai1|unit=m|scale_lo=0|"
           "scale_hi=5");
    /* a changed parent is checked against children left in the master */
    EXPECT(&master, W({2, 7, "device 'g2' has estate 222 but facility '222' has estate 300"}),
           "kind=facility|facility=222|name=五輪|type=simple|estate=300");
    EXPECT(&master, W({2, 8, "only alarm inputs"}, {2, 8, "has no outputs"}),
           "kind=device|facility=222|device=g2|name=G2|model=L3|branch=1|office=2|estate=222|"
           "terminal=1|tel=0115812221");
    sd_sheet_items_free(&master);
}

/* Every finding is reported, not only the first; the cap counts the rest. */
static void test_many(void **state)
{
    (void)state;
    sd_buf_t b = {0};
    assert_int_equal(sd_csv_write_row(&b, hcols, NH, SD_CSV_W_RAW), 0);
    for (int i = 0; i < 300; i++)
        add_row(&b, "kind=facility|facility=bad id|name=x|type=big|estate=1000");
    sd_sheet_items_t it = {0};
    sd_sheet_errors_t e = {0};
    assert_int_equal(sd_sheet_check(b.data, b.len, NULL, &it, &e, NULL), SD_EFIELD);
    assert_int_equal(e.n, 900);
    assert_int_equal(e.v[899].row, 301);
    assert_int_equal(e.v[899].column, 7);
    assert_string_equal(e.v[899].field, "estate");
    sd_sheet_errors_free(&e);
    sd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),         cmocka_unit_test(test_shift_jis),
        cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_sheet_level),    cmocka_unit_test(test_fields),
        cmocka_unit_test(test_fields_extra),   cmocka_unit_test(test_gateway_column),
        cmocka_unit_test(test_rows),           cmocka_unit_test(test_cross),
        cmocka_unit_test(test_master),         cmocka_unit_test(test_many),
        cmocka_unit_test(test_mixed_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
