/* fuzz_values_csv.c - the import of stored values as CSV (CSV投入, pf/data/values_csv.h): never
 * crash; findings are bounded and name a row; a file without findings gives samples of the
 * header's data IDs at times inside the storage window, finite values. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gwif/gwif.h"
#include "pf/data/values_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int64_t now = INT64_C(1795000000000); /* 2026-11-18 */
    sd_vcsv_t v;
    if (sd_vcsv_parse(data, size, now, &v) == 0) {
        if (v.nf > SD_VCSV_MAX_FINDINGS || v.nf > v.nfindings)
            __builtin_trap();
        for (size_t i = 0; i < v.nf; i++)
            if (!memchr(v.f[i].reason, '\0', sizeof v.f[i].reason))
                __builtin_trap();
        if (!v.nfindings) {
            if (v.nids == 0 || v.nids > SD_VCSV_MAX_POINTS)
                __builtin_trap();
            for (size_t i = 0; i < v.n; i++) {
                int known = 0;
                for (size_t k = 0; k < v.nids; k++)
                    known |= v.s[i].data_id == v.ids[k];
                if (!known || !isfinite(v.s[i].value) || !sd_gwif_ts_in_window(v.s[i].ts_ms, now))
                    __builtin_trap();
            }
        }
    }
    sd_vcsv_free(&v);
    return 0;
}
