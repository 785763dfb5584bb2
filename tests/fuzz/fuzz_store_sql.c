/* fuzz_store_sql.c - libFuzzer target: the store's $N -> ?N SQL scanner and its UTF-8 check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1), *out = malloc(size + 1);
    if (!in || !out)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';
    size_t n = strlen(in);
    if (sd__store_sql_dollar_to_qmark(in, out, n + 1) == 0) {
        /* the translation only ever turns a '$' into a '?', in place */
        if (strlen(out) != n)
            abort();
        for (size_t i = 0; i < n; i++)
            if (in[i] != out[i] && !(in[i] == '$' && out[i] == '?'))
                abort();
    }
    if (sd__store_sql_dollar_to_qmark(in, out, n) == 0 && n > 0)
        abort(); /* too small a buffer is refused */
    (void)sd__store_utf8_ok((const char *)data, size);
    free(in);
    free(out);
    return 0;
}
