/* values_csv.c - stored values as a CSV sheet out and back in (one column per point, JST times). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/dtoa.h"
#include "core/err.h"
#include "core/time.h"
#include "gwif/gwif.h"
#include "pf/data/values_csv.h"

/* ---- export -----------------------------------------------------------------------------------
 */

typedef struct {
    int64_t *ts;
    double *v;
    unsigned char *has; /* 0: an empty cell ("missing") */
    size_t n, cap;
} col_t;

static int col_add(col_t *c, int64_t ts, double v, int has)
{
    if (c->n == SD_VCSV_MAX_SAMPLES)
        return SD_ETOOBIG;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        int64_t *t = realloc(c->ts, cap * sizeof *t);
        if (t)
            c->ts = t;
        double *v2 = t ? realloc(c->v, cap * sizeof *v2) : NULL;
        if (v2)
            c->v = v2;
        unsigned char *h = v2 ? realloc(c->has, cap) : NULL;
        if (!h)
            return SD_ENOMEM;
        c->has = h;
        c->cap = cap;
    }
    c->ts[c->n] = ts;
    c->v[c->n] = v;
    c->has[c->n++] = (unsigned char)has;
    return 0;
}

static int take_value(void *ctx, const sd_ts_value_t *v)
{
    return col_add(ctx, v->ts_ms, v->value, v->quality != SD_TS_MISSING);
}

static int take_bucket(void *ctx, const sd_ts_bucket_t *b)
{
    return col_add(ctx, b->start_ms, b->avg, 1);
}

/* JST wall time "YYYY-MM-DD hh:mm:ss", ".mmm" only when not whole seconds. */
static void jst_time(int64_t ms, char *t, size_t tn)
{
    int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int rem = (int)(ms - s * 1000);
    sd_civil_t c;
    sd_civil_from_unix(s, SD_JST_OFFSET_S, &c);
    int k = snprintf(t, tn, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.mon, c.day, c.hour, c.min,
                     c.sec);
    if (rem && k > 0 && (size_t)k < tn)
        snprintf(t + k, tn - (size_t)k, ".%03d", rem);
}

int sd_vcsv_export(sd_store_t *st, const int64_t *pids, const char *const *ids, size_t n,
                   int64_t from, int64_t to, sd_ts_agg_t agg, sd_buf_t *out)
{
    if (n == 0 || n > SD_VCSV_MAX_POINTS)
        return SD_EINVAL;
    col_t *cols = calloc(n, sizeof *cols);
    size_t *at = calloc(n, sizeof *at);
    const char **f = calloc(n + 1, sizeof *f);
    char(*cell)[32] = calloc(n + 1, sizeof *cell);
    int rc = cols && at && f && cell ? 0 : SD_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        int more = 0;
        if (agg == SD_TS_AGG_RAW) {
            rc = sd_ts_each_raw(st, pids[i], from, to, INT64_MIN, SD_VCSV_MAX_SAMPLES, take_value,
                                &cols[i], &more);
            if (!rc && more)
                rc = SD_ETOOBIG;
        } else {
            rc = sd_ts_each_agg(st, pids[i], from, to, agg, take_bucket, &cols[i]);
        }
    }
    if (!rc)
        rc = sd_buf_append_str(out, SD_CSV_UTF8_BOM);
    if (!rc) {
        f[0] = SD_VCSV_TIME_HEAD;
        for (size_t i = 0; i < n; i++)
            f[i + 1] = ids[i];
        rc = sd_csv_write_row(out, f, n + 1, 0);
    }
    /* merge the columns by time: each is in time order; at most 64 heads to compare */
    while (!rc) {
        int64_t t = INT64_MAX;
        int any = 0;
        for (size_t i = 0; i < n; i++)
            if (at[i] < cols[i].n && (!any || cols[i].ts[at[i]] < t)) {
                t = cols[i].ts[at[i]];
                any = 1;
            }
        if (!any)
            break;
        jst_time(t, cell[0], sizeof cell[0]);
        f[0] = cell[0];
        for (size_t i = 0; i < n; i++) {
            cell[i + 1][0] = '\0';
            if (at[i] < cols[i].n && cols[i].ts[at[i]] == t) {
                if (cols[i].has[at[i]]) {
                    /* shortest round trip; "2", not JSON's "2.0": a sheet shows numbers */
                    size_t k = sd_dtoa(cols[i].v[at[i]], cell[i + 1]);
                    if (k > 2 && !strcmp(cell[i + 1] + k - 2, ".0"))
                        k -= 2;
                    cell[i + 1][k] = '\0';
                }
                at[i]++;
            }
            f[i + 1] = cell[i + 1];
        }
        rc = sd_csv_write_row(out, f, n + 1, 0);
    }
    for (size_t i = 0; cols && i < n; i++) {
        free(cols[i].ts);
        free(cols[i].v);
        free(cols[i].has);
    }
    free(cols);
    free(at);
    free(f);
    free(cell);
    return rc;
}

/* ---- import -----------------------------------------------------------------------------------
 */

void sd_vcsv_finding(sd_vcsv_t *v, size_t row, size_t column, const char *fmt, ...)
{
    v->nfindings++;
    if (v->nf >= SD_VCSV_MAX_FINDINGS)
        return;
    if (!v->f) {
        v->f = calloc(SD_VCSV_MAX_FINDINGS, sizeof *v->f);
        if (!v->f)
            return;
    }
    sd_vcsv_finding_t *x = &v->f[v->nf++];
    x->row = row;
    x->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->reason, sizeof x->reason, fmt, ap);
    va_end(ap);
}

/* n digits at *p (advanced): 0 and *out, or -1. */
static int digits(const char **p, int min, int max, int *out)
{
    int v = 0, k = 0;
    while (k < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    if (k < min)
        return -1;
    *out = v;
    return 0;
}

/* A JST wall time "YYYY-MM-DD hh:mm[:ss[.fff]]" or Excel's "YYYY/M/D h:mm[:ss]", or ISO 8601
 * with a zone: 0 and *ms, or -1. */
static int parse_time(const char *s, int64_t *ms)
{
    if (strchr(s, 'T') || strchr(s, 'Z') || strchr(s, '+'))
        return sd_ts_parse_time(s, ms) ? -1 : 0;
    const char *p = s;
    sd_civil_t c = {0};
    int frac = 0;
    if (digits(&p, 4, 4, &c.year))
        return -1;
    char sep = *p;
    if (sep != '-' && sep != '/')
        return -1;
    p++;
    if (digits(&p, 1, 2, &c.mon) || *p++ != sep || digits(&p, 1, 2, &c.day) || *p++ != ' ' ||
        digits(&p, 1, 2, &c.hour) || *p++ != ':' || digits(&p, 2, 2, &c.min))
        return -1;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, 2, &c.sec))
            return -1;
        if (*p == '.') {
            p++;
            int k = 0;
            while (*p >= '0' && *p <= '9') {
                if (k < 3)
                    frac = frac * 10 + (*p - '0');
                k++;
                p++;
            }
            if (k == 0)
                return -1;
            for (; k < 3; k++)
                frac *= 10;
        }
    }
    if (*p || !sd_civil_valid(&c))
        return -1;
    *ms = sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000 + frac;
    return 0;
}

/* A value cell: 0 and *v, or -1. Plain decimal numbers only (no hex, inf, nan), finite. */
static int parse_number(const char *s, double *v)
{
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    errno = 0;
    char *end = NULL;
    double d = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(d))
        return -1;
    *v = d;
    return 0;
}

typedef struct {
    sd_vcsv_t *v;
    int64_t now_ms;
    int stopped; /* on_row stopped the parse, its finding made */
    size_t cap;
    int64_t *row_ts; /* time of each data row, for duplicates */
    size_t *row_no;
    size_t nrows, rcap;
} parse_t;

static int add_sample(parse_t *p, const char *id, int64_t ts, double val)
{
    sd_vcsv_t *v = p->v;
    if (v->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        sd_ts_sample_t *s = realloc(v->s, cap * sizeof *s);
        if (!s)
            return SD_ENOMEM;
        v->s = s;
        p->cap = cap;
    }
    v->s[v->n++] = (sd_ts_sample_t){id, ts, val, SD_TS_GOOD};
    return 0;
}

static int header(parse_t *p, const sd_csv_row_t *r)
{
    sd_vcsv_t *v = p->v;
    if (r->nfields < 2) {
        sd_vcsv_finding(v, 1, 0, "header needs the time column and at least one data ID");
        return 0;
    }
    if (r->nfields - 1 > SD_VCSV_MAX_POINTS) {
        sd_vcsv_finding(v, 1, SD_VCSV_MAX_POINTS + 2, "more than %d data IDs", SD_VCSV_MAX_POINTS);
        return 0;
    }
    v->ids = calloc(r->nfields - 1, sizeof *v->ids);
    if (!v->ids)
        return SD_ENOMEM;
    v->nids = r->nfields - 1;
    for (size_t c = 1; c < r->nfields; c++) {
        const char *id = r->fields[c];
        id += sd_csv_guard_len(id, r->lens[c]);
        if (!(v->ids[c - 1] = strdup(id)))
            return SD_ENOMEM;
        if (!*id)
            sd_vcsv_finding(v, 1, c + 1, "empty data ID");
        for (size_t k = 1; k < c; k++)
            if (*id && !strcmp(v->ids[k - 1], id)) {
                sd_vcsv_finding(v, 1, c + 1, "data ID %.64s also in column %zu", id, k + 1);
                break;
            }
    }
    return 0;
}

static int on_row(void *ctx, const sd_csv_row_t *r)
{
    parse_t *p = ctx;
    sd_vcsv_t *v = p->v;
    if (r->row == 1)
        return header(p, r);
    if (!v->ids) /* a header that was refused: its rows cannot be read */
        return 0;
    if (r->nfields > v->nids + 1)
        sd_vcsv_finding(v, r->row, v->nids + 2, "more cells than the header has columns");
    int64_t ts = 0;
    if (parse_time(r->fields[0], &ts)) {
        sd_vcsv_finding(v, r->row, 1, "not a time (expected YYYY-MM-DD hh:mm:ss, JST)");
        return 0;
    }
    if (!sd_gwif_ts_in_window(ts, p->now_ms)) {
        sd_vcsv_finding(v, r->row, 1, "time %s", SD_GWIF_WINDOW_ERROR);
        return 0;
    }
    if (p->nrows == p->rcap) {
        size_t cap = p->rcap ? p->rcap * 2 : 256;
        int64_t *t = realloc(p->row_ts, cap * sizeof *t);
        if (!t)
            return SD_ENOMEM;
        p->row_ts = t;
        size_t *no = realloc(p->row_no, cap * sizeof *no);
        if (!no)
            return SD_ENOMEM;
        p->row_no = no;
        p->rcap = cap;
    }
    p->row_ts[p->nrows] = ts;
    p->row_no[p->nrows++] = r->row;
    for (size_t c = 1; c < r->nfields && c <= v->nids; c++) {
        if (!r->lens[c])
            continue;
        double d;
        if (parse_number(r->fields[c], &d)) {
            sd_vcsv_finding(v, r->row, c + 1, "not a number");
            continue;
        }
        if (v->n >= SD_VCSV_MAX_SAMPLES) {
            sd_vcsv_finding(v, r->row, c + 1, "more than %zu values in one file",
                            SD_VCSV_MAX_SAMPLES);
            p->stopped = 1;
            return SD_ETOOBIG; /* stop: the rest would only repeat it */
        }
        int rc = add_sample(p, v->ids[c - 1], ts, d);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct {
    int64_t ts;
    size_t row;
} row_time_t;

static int by_time(const void *a, const void *b)
{
    const row_time_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Two rows of one time would leave it to the order of the rows which value is kept. */
static int duplicates(parse_t *p)
{
    if (p->nrows < 2)
        return 0;
    row_time_t *ix = malloc(p->nrows * sizeof *ix);
    if (!ix)
        return SD_ENOMEM;
    for (size_t i = 0; i < p->nrows; i++)
        ix[i] = (row_time_t){p->row_ts[i], p->row_no[i]};
    qsort(ix, p->nrows, sizeof *ix, by_time);
    for (size_t i = 1; i < p->nrows; i++)
        if (ix[i].ts == ix[i - 1].ts)
            sd_vcsv_finding(p->v, ix[i].row, 1, "same time as row %zu", ix[i - 1].row);
    free(ix);
    return 0;
}

int sd_vcsv_parse(const void *buf, size_t len, int64_t now_ms, sd_vcsv_t *out)
{
    memset(out, 0, sizeof *out);
    parse_t p = {.v = out, .now_ms = now_ms};
    sd_csv_opts_t o = {.encoding = SD_CSV_ENC_AUTO};
    sd_csv_error_t e = {0};
    int rc = sd_csv_parse_stream(buf, len, &o, on_row, &p, &e);
    if (rc == SD_ENOMEM) {
        free(p.row_ts);
        free(p.row_no);
        return rc;
    }
    if (rc && !p.stopped) /* the reader's own: quoting, encoding, limits */
        sd_vcsv_finding(out, e.row, e.column, "%s", e.reason);
    if (!out->nfindings && !out->ids)
        sd_vcsv_finding(out, 1, 0, "empty file: expected a header row");
    else if (!out->nfindings && p.nrows == 0)
        sd_vcsv_finding(out, 2, 0, "no data rows");
    rc = duplicates(&p);
    free(p.row_ts);
    free(p.row_no);
    if (!rc && out->nfindings && !out->f)
        rc = SD_ENOMEM;
    return rc;
}

void sd_vcsv_free(sd_vcsv_t *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nids; i++)
        free(v->ids[i]);
    free(v->ids);
    free(v->s);
    free(v->f);
    memset(v, 0, sizeof *v);
}
