/* fuzz_csv.c - libFuzzer target for the CSV reader: sane errors, stream = table, read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/err.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const sd_csv_t *t;
    size_t r;
} cmp_t;

static int same_row(void *ctx, const sd_csv_row_t *row)
{
    cmp_t *c = ctx;
    CHECK(c->r < sd_csv_rows(c->t));
    CHECK(row->row == c->r + 1);
    CHECK(row->line == sd_csv_line(c->t, c->r));
    CHECK(row->nfields == sd_csv_fields(c->t, c->r));
    for (size_t i = 0; i < row->nfields; i++) {
        CHECK(row->lens[i] == sd_csv_field_len(c->t, c->r, i));
        CHECK(memcmp(row->fields[i], sd_csv_field(c->t, c->r, i), row->lens[i] + 1) == 0);
    }
    c->r++;
    return 0;
}

/* The error's line must be the physical line its offset lies on. */
static void check_error(const uint8_t *data, size_t size, int rc, const sd_csv_error_t *e)
{
    CHECK(rc < 0 && e->err == rc && e->reason[0]);
    CHECK(e->offset <= size);
    size_t line = 1;
    for (size_t i = 0; i < e->offset; i++)
        if (data[i] == '\n' || (data[i] == '\r' && !(i + 1 < size && data[i + 1] == '\n')))
            line++;
    CHECK(e->line == line);
    CHECK(e->row >= 1 && e->column >= 1);
}

static void roundtrip(const sd_csv_t *t)
{
    sd_buf_t out = {0};
    for (size_t r = 0; r < sd_csv_rows(t); r++) {
        size_t n = sd_csv_fields(t, r);
        const char **f = malloc(n * sizeof *f);
        CHECK(f);
        for (size_t i = 0; i < n; i++)
            f[i] = sd_csv_field(t, r, i);
        CHECK(sd_csv_write_row(&out, f, n, SD_CSV_W_RAW) == 0);
        free(f);
    }
    sd_csv_opts_t o = {.encoding = SD_CSV_ENC_UTF8, .max_line = SIZE_MAX, .max_field = SIZE_MAX};
    sd_csv_t *u = NULL;
    sd_csv_error_t e;
    CHECK(sd_csv_parse(out.data ? out.data : "", out.len, &o, &u, &e) == 0);
    CHECK(sd_csv_rows(u) == sd_csv_rows(t));
    for (size_t r = 0; r < sd_csv_rows(t); r++) {
        CHECK(sd_csv_fields(u, r) == sd_csv_fields(t, r));
        for (size_t i = 0; i < sd_csv_fields(t, r); i++)
            CHECK(strcmp(sd_csv_field(u, r, i), sd_csv_field(t, r, i)) == 0);
    }
    /* the spreadsheet guard only ever adds quotes and apostrophes: still parses */
    sd_buf_reset(&out);
    for (size_t r = 0; r < sd_csv_rows(t) && r < 4; r++)
        for (size_t i = 0; i < sd_csv_fields(t, r); i++)
            CHECK(sd_csv_write_field(&out, sd_csv_field(t, r, i), 0) == 0);
    sd_csv_free(u);
    sd_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sd_csv_opts_t variants[] = {
        {.encoding = SD_CSV_ENC_AUTO},
        {.encoding = SD_CSV_ENC_UTF8, .strict = true},
        {.encoding = SD_CSV_ENC_CP932},
        {.encoding = SD_CSV_ENC_AUTO,
         .strict = true,
         .max_field = 16,
         .max_line = 64,
         .max_rows = 4},
    };
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        sd_csv_t *t = NULL;
        sd_csv_error_t e;
        int rc = sd_csv_parse(data, size, &variants[v], &t, &e);
        if (rc) {
            CHECK(!t);
            check_error(data, size, rc, &e);
            continue;
        }
        for (size_t r = 0; r < sd_csv_rows(t); r++)
            for (size_t i = 0; i < sd_csv_fields(t, r); i++)
                CHECK(strlen(sd_csv_field(t, r, i)) == sd_csv_field_len(t, r, i));
        cmp_t c = {t, 0};
        CHECK(sd_csv_parse_stream(data, size, &variants[v], same_row, &c, &e) == 0);
        CHECK(c.r == sd_csv_rows(t));
        roundtrip(t);
        const char *h = sd_csv_field(t, 0, 0);
        if (h) {
            int col = sd_csv_find_column(t, h);
            CHECK(col >= 0 || col == SD_ECONFLICT);
        }
        sd_csv_free(t);
    }
    return 0;
}
