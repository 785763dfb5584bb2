/* fuzz_http_query.c - libFuzzer driver for sd_http_query_parse(): any bytes, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_http_query_t q;
    size_t off = 0;
    int rc = sd_http_query_parse((const char *)data, size, &q, &off);
    if (rc) {
        if (off > size || q.n || q.kv || q.mem_)
            abort();
        if (rc != SD_ESYNTAX && rc != SD_EENCODING && rc != SD_ETOOBIG && rc != SD_ENOMEM)
            abort();
        return 0;
    }
    if (q.n > SD_HTTP_MAX_QUERY_PARAMS)
        abort();
    size_t total = 0;
    for (size_t i = 0; i < q.n; i++) {
        const sd_http_kv_t *kv = &q.kv[i];
        /* decoded strings are C strings of the stated length, never longer than the input */
        if (strlen(kv->key) != kv->key_len || strlen(kv->value) != kv->value_len || !kv->key_len)
            abort();
        total += kv->key_len + kv->value_len;
        if (!sd_http_query_get(&q, kv->key) || sd_http_query_count(&q, kv->key) == 0)
            abort();
    }
    if (total > size)
        abort();
    sd_http_query_free(&q);
    return 0;
}
