/* fuzz_dialplan.c - libFuzzer target for the dial plan parser and lookup. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "link/dialplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_dialplan_t *dp;
    sd_dialplan_error_t err;
    int r = sd_dialplan_parse((const char *)data, size, &dp, &err);
    if (r) {
        assert(r < 0 && dp == NULL);
        assert(err.code == r && err.line >= 0 && memchr(err.msg, '\0', sizeof err.msg));
        return 0;
    }
    /* every tel prefix of a few shapes, through buffers big and small */
    static const char *tels[] = {"0", "0312345678", "012345678901", "9", "0599000000  "};
    char url[64];
    for (size_t i = 0; i < sizeof tels / sizeof tels[0]; i++) {
        r = sd_dialplan_lookup(dp, tels[i], url, sizeof url);
        assert(r == 0 || r == SD_ENOTFOUND || r == SD_ETOOBIG);
        assert(memchr(url, '\0', sizeof url));
        if (r == SD_ETOOBIG)
            assert(url[0] == '\0');
        (void)sd_dialplan_lookup(dp, tels[i], url, 1);
    }
    sd_dialplan_free(dp);
    return 0;
}
