/* fuzz_auth_base32.c - libFuzzer target: strict base32 decode, and re-encode round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/base32.h"

static char up(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* an exact-size heap copy so ASan sees any read past len */
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    size_t cap = sd_base32_decoded_max(size);
    uint8_t *out = malloc(cap ? cap : 1);
    size_t n = 0;
    int rc = sd_base32_decode(in, size, out, cap, &n);
    if (rc == 0) {
        if (n > cap)
            abort();
        /* strict decoding: exactly one spelling per byte string, up to case and padding */
        int pad = memchr(in, '=', size) != NULL;
        size_t elen = sd_base32_encoded_len(n, pad);
        char *enc = malloc(elen + 1);
        if (!enc || sd_base32_encode(out, n, pad, enc, elen + 1) != 0 || elen != size)
            abort();
        for (size_t i = 0; i < size; i++)
            if (enc[i] != up(in[i]))
                abort();
        free(enc);
    } else if (n != 0) {
        abort();
    }
    free(out);
    free(in);
    return 0;
}
