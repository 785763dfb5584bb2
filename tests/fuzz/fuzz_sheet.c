/* fuzz_sheet.c - libFuzzer target for the sheet validator: sane findings, round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/master/sheet.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small fixed master, so references, duplicates and L3 rules meet existing objects too. */
static const char master_csv[] =
    "kind,facility,device,data_id,name,type,estate,model,branch,office,terminal,tel,signal,input,"
    "unit,scale_lo,scale_hi,severity,drives\r\n"
    "facility,222,,,F,simple,222,,,,,,,,,,,,\r\n"
    "device,222,g2,,G2,,222,L2,01,02,01,0115812221,,,,,,,\r\n"
    "device,222,g3,,G3,,222,L3,01,02,02,0115812222,,,,,,,\r\n"
    "point,,g2,lv,L,,,,,,,,analog,Ai1,m,0,5,,\r\n"
    "point,,g3,a,A,,,,,,,,alarm,Di2,,,,major,\r\n"
    "output,,g2,o1,O,,,,,,,,,Out1,,,,,pump\r\n";

static void check(const uint8_t *data, size_t size, const sd_sheet_items_t *master)
{
    sd_sheet_items_t it = {0}, again = {0};
    sd_sheet_errors_t e = {0};
    int rc = sd_sheet_check(data, size, master, &it, &e, NULL);
    CHECK(rc == 0 || rc == SD_EFIELD || rc == SD_ENOMEM);
    if (rc == SD_EFIELD) {
        CHECK(it.n == 0 && (e.n > 0 || e.dropped > 0));
        for (size_t i = 0; i < e.n; i++) {
            CHECK(e.v[i].reason[0] != '\0');
            CHECK(memchr(e.v[i].field, 0, sizeof e.v[i].field));
            if (i)
                CHECK(e.v[i - 1].row < e.v[i].row ||
                      (e.v[i - 1].row == e.v[i].row && e.v[i - 1].column <= e.v[i].column));
        }
    }
    if (rc == 0) {
        CHECK(e.n == 0);
        /* what was accepted writes back as a sheet that is accepted with the same items */
        sd_buf_t out = {0};
        CHECK(sd_sheet_write_csv(&it, &out) == 0);
        sd_sheet_errors_t e2 = {0};
        CHECK(sd_sheet_check(out.data, out.len, master, &again, &e2, NULL) == 0);
        CHECK(again.n == it.n);
        for (size_t i = 0; i < it.n; i++)
            for (int c = 0; c < SD_SHEET_COL__COUNT; c++)
                CHECK(strcmp(it.v[i].f[c], again.v[i].f[c]) == 0);
        sd_sheet_items_t merged = {0};
        CHECK(sd_sheet_merge(master, &it, &merged) == 0);
        sd_sheet_items_free(&merged);
        sd_sheet_errors_free(&e2);
        sd_buf_free(&out);
    }
    sd_sheet_items_free(&it);
    sd_sheet_items_free(&again);
    sd_sheet_errors_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sd_sheet_items_t master;
    static int loaded;
    if (!loaded) {
        sd_sheet_errors_t e = {0};
        CHECK(sd_sheet_check(master_csv, sizeof master_csv - 1, NULL, &master, &e, NULL) == 0);
        loaded = 1;
    }
    check(data, size, NULL);
    check(data, size, &master);
    return 0;
}
