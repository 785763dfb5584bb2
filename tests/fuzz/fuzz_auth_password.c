/* fuzz_auth_password.c - libFuzzer target: the password policy (UTF-8 decoding, substrings). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * SD_PW_MAX_BYTES)
        return 0;
    /* "password\nlogin": the first newline splits the two NUL-terminated strings */
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *login = memchr(in, '\n', size);
    if (login)
        *login++ = '\0';
    sd_pw_reason_t why = (sd_pw_reason_t)-1;
    int rc = sd_pw_policy_check(in, login, &why);
    size_t n = strlen(in);
    if ((rc == 0) != (why == SD_PW_OK) || (rc != 0 && rc != SD_EFIELD) || !sd_pw_reason_str(why))
        abort();
    /* 12 code points take at least 12 bytes; anything over the limit is refused as too long */
    if ((rc == 0 && n < 12) || (n > SD_PW_MAX_BYTES && why != SD_PW_TOO_LONG))
        abort();
    free(in);
    return 0;
}
