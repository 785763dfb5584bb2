/* fuzz_time.c - ISO 8601 and YYMMDDhhmm parsers: never crash, and what parses round-trips. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t t, back;
    if (sd_iso8601_parse(s, &t) == 0) {
        char out[32];
        sd_iso8601_format(t, out, sizeof out);
        if (sd_iso8601_parse(out, &back) != 0 || back != t)
            __builtin_trap();
    }
    if (size >= 10 && sd_ymdhm_parse(s, &t) == 0) {
        char out[10];
        sd_ymdhm_format(t, out);
        if (memcmp(out, s, 10) != 0)
            __builtin_trap(); /* a valid field is written back byte for byte */
    }
    return 0;
}
