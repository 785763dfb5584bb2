/* http_mhderr.c - libmicrohttpd's own error pages answered in the one JSON error shape.
 *
 * A request libmicrohttpd refuses before our access handler sees it (request line or headers
 * too large, a malformed line, no Host in HTTP/1.1, a bad Content-Length or chunk, an HTTP
 * version it does not speak) gets a small HTML page built in connection.c with
 * MHD_create_response_from_buffer(PERSISTENT) and no Content-Type; 0.9.75 has no option to
 * replace it (issue 11: "every error the server sends is the JSON shape"). The library calls
 * that function through its PLT, so the definition below, in the program, takes its place for
 * the whole process: a buffer that is one of those pages becomes the matching JSON error with
 * the server's usual headers; every other call keeps the library's exact behaviour through
 * MHD_create_response_from_buffer_with_free_callback, which does not come back here.
 * tests/integration/http_errors.sh sends the malformed requests over the wire.
 */
#include "http/http_int.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_PREFIX "<html><head><title>"

typedef struct {
    const char *needle; /* in the page's text; first match wins */
    const char *json;
} page_map_t;

#define J(code, msg) "{\"error\":{\"code\":\"" code "\",\"message\":\"" msg "\"}}"

static const page_map_t PAGES[] = {
    {"&quot;Host:&quot; header required",
     J("syntax", "an HTTP/1.1 request needs a Host header / Host ヘッダがありません")},
    {"chunked encoding was syntactically incorrect",
     J("syntax", "malformed chunked body / chunked 形式の誤り")},
    {"chunk size", J("too_large", "chunk too large / チャンクが大きすぎます")},
    {"too large value for <b>Content-Length",
     J("too_large", "Content-Length too large / Content-Length が大きすぎます")},
    {"wrong value for <b>Content-Length",
     J("syntax", "malformed Content-Length / Content-Length の誤り")},
    {"Request too big",
     J("too_large", "request line or headers too large / リクエストヘッダが大きすぎます")},
    {"HTTP version", J("unsupported", "HTTP version not supported / 未対応の HTTP バージョン")},
    {"Internal server error", J("internal", "internal error / 内部エラー")},
    {"Request malformed", J("syntax", "malformed HTTP request / HTTP リクエストの形式の誤り")},
};

static const char FALLBACK[] = J("syntax", "malformed HTTP request / HTTP リクエストの形式の誤り");

static int is_page(const void *buffer, size_t size)
{
    return buffer && size >= sizeof PAGE_PREFIX - 1 &&
           !memcmp(buffer, PAGE_PREFIX, sizeof PAGE_PREFIX - 1);
}

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (!memcmp(hay + i, needle, m))
            return 1;
    return 0;
}

static struct MHD_Response *json_for_page(const char *page, size_t size)
{
    const char *json = FALLBACK;
    for (size_t i = 0; i < sizeof PAGES / sizeof PAGES[0]; i++)
        if (contains(page, size, PAGES[i].needle)) {
            json = PAGES[i].json;
            break;
        }
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
        strlen(json), (void *)(uintptr_t)json, NULL);
    if (r) {
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "Cache-Control", "no-store");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    }
    return r;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
    if (mode == MHD_RESPMEM_PERSISTENT && is_page(buffer, size))
        return json_for_page(buffer, size);
    if (mode == MHD_RESPMEM_MUST_FREE)
        return MHD_create_response_from_buffer_with_free_callback(size, buffer, free);
    if (mode == MHD_RESPMEM_MUST_COPY && size) {
        void *copy = malloc(size);
        if (!copy)
            return NULL;
        memcpy(copy, buffer, size);
        struct MHD_Response *r =
            MHD_create_response_from_buffer_with_free_callback(size, copy, free);
        if (!r)
            free(copy);
        return r;
    }
    return MHD_create_response_from_buffer_with_free_callback(size, buffer, NULL);
}
