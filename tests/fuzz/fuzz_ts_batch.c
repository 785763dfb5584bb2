/* fuzz_ts_batch.c - libFuzzer driver for the GW-IF upload batch parser and the time helpers. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/data/ts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_ts_batch_t b;
    sd_json_err_t e;
    int rc = sd_ts_batch_parse(data, size, 16, &b, &e);
    if (rc) {
        /* refusals are one of the documented classes, leave nothing behind, and name a reason */
        if (rc != SD_ESYNTAX && rc != SD_EENCODING && rc != SD_EFIELD && rc != SD_ETOOBIG &&
            rc != SD_ENOMEM)
            abort();
        if (b.v || b.n || b.root || (rc != SD_ENOMEM && !e.message[0]))
            abort();
        if (strlen(e.field) >= sizeof e.field)
            abort();
        return 0;
    }
    if (b.n < 1 || b.n > 16)
        abort();
    for (size_t i = 0; i < b.n; i++) {
        const sd_ts_sample_t *s = &b.v[i];
        size_t dl = strlen(s->data_id);
        if (dl < 1 || dl > 64 || !isfinite(s->value) || (unsigned)s->quality > 3)
            abort();
        /* years 1970..9999 (after the zone offset) format and parse back to themselves */
        if (s->ts_ms < 0 || s->ts_ms >= INT64_C(253402300800000))
            continue;
        char t[40];
        int64_t back = 0;
        sd_ts_format_time(s->ts_ms, t, sizeof t);
        if (sd_ts_parse_time(t, &back) || back != s->ts_ms)
            abort();
        /* every bucket holds its sample and the next bucket starts after it */
        for (int a = SD_TS_AGG_HOUR; a <= SD_TS_AGG_MONTH; a++) {
            int64_t st = sd_ts_bucket_start(s->ts_ms, (sd_ts_agg_t)a);
            if (st > s->ts_ms || sd_ts_bucket_next(st, (sd_ts_agg_t)a) <= s->ts_ms)
                abort();
        }
    }
    sd_ts_batch_free(&b);
    return 0;
}
