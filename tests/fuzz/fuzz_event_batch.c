/* fuzz_event_batch.c - libFuzzer driver for the GW-IF event batch parser (docs/gwif.md). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/alarms/alarm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_event_batch_t b;
    sd_json_err_t e;
    int rc = sd_event_batch_parse(data, size, 8, &b, &e);
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
    if (b.n < 1 || b.n > 8 || !b.id || strlen(b.id) > 64)
        abort();
    for (size_t i = 0; i < b.n; i++) {
        const sd_event_t *v = &b.v[i];
        size_t k = strlen(v->kind);
        if (k < 1 || k > 32 || strspn(v->kind, "abcdefghijklmnopqrstuvwxyz_") != k)
            abort();
        if (strlen(v->device) > 64 || strlen(v->data_id) > 64 || strlen(v->message) > 512)
            abort();
        if (v->severity < 0 || v->severity > 4 || v->ts_ms < 0)
            abort();
        if (v->detail && (strlen(v->detail) > 4096 || v->detail[0] != '{'))
            abort();
    }
    sd_event_batch_free(&b);
    return 0;
}
