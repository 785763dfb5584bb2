/* fuzz_at_result.c - libFuzzer target for the Hayes result-code line parser. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "link/at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_at_result_t r;
    int rc = sd_at_result_parse((const char *)data, size, &r);
    assert(rc == 0 || rc == SD_ESYNTAX || rc == SD_EFIELD);
    if (rc == 0) {
        assert(r.speed >= 0 && r.speed <= 10000000);
        assert(r.code == SD_AT_CONNECT || r.speed == 0);
        assert(sd_at_code_str(r.code)[0] != '?');
        (void)sd_at_code_err(r.code);
    }
    return 0;
}
