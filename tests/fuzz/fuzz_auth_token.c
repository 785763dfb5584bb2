/* fuzz_auth_token.c - libFuzzer target: token parsing and TOTP code checking on arbitrary input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "auth/totp.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    sd_token_kind_t k;
    if (sd_token_parse(in, size, &k) == 0) {
        const char *p = sd_token_prefix(k);
        if (size != SD_TOKEN_LEN || !p || memcmp(in, p, 3) != 0 || in[3] != '_')
            abort();
        char d[SD_TOKEN_DIGEST_SIZE];
        if (sd_token_digest(in, size, d) != 0 || strlen(d) != 64)
            abort();
    }
    /* the input as a typed code: accepted only if it is the exact 6-digit code of a window step */
    in[size] = '\0';
    static const uint8_t key[20] = "12345678901234567890";
    int64_t now = 1700000000, m = -5;
    int rc = sd_totp_verify(key, sizeof key, in, now, SD_TOTP_NEVER_USED, &m);
    if (rc == 0) {
        char want[7];
        if (strlen(in) != 6 || m < sd_totp_step(now) - 1 || m > sd_totp_step(now) + 1 ||
            sd_hotp_code(key, sizeof key, (uint64_t)m, 6, want, sizeof want) != 0 ||
            strcmp(want, in) != 0)
            abort();
    } else if (rc != SD_EOTP || m != -5) {
        abort();
    }
    free(in);
    return 0;
}
