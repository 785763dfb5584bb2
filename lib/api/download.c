/* download.c - replies of user content as downloads (see download.h for why). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/download.h"
#include "core/err.h"

/* RFC 5987 attr-char: sent as is in filename*; everything else is %XX. */
static int attr_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

int sd_api_content_disposition(const char *name, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *slash = name ? strrchr(name, '/') : NULL;
    const char *base = slash ? slash + 1 : name ? name : "";
    if (!*base)
        base = "download";
    size_t len = strlen(base), o = 0;
    /* worst case: fixed text, one byte per name byte in the fallback, three in filename* */
    if (len > (SIZE_MAX - 64) / 4 || n < 64 + 4 * len)
        return SD_ETOOBIG;
    o += (size_t)snprintf(out, n, "attachment; filename=\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)base[i];
        /* the quoted fallback is for old clients: plain printable ASCII, one '_' per other
         * character (UTF-8 continuation bytes add none) */
        if (c >= 0x80 && c < 0xC0)
            continue;
        out[o++] = (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%') ? (char)c : '_';
    }
    o += (size_t)snprintf(out + o, n - o, "\"; filename*=UTF-8''");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)base[i];
        if (attr_char(c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

const char *sd_api_download_type(const char *name)
{
    const char *t = sd_http_content_type(name ? name : "");
    static const char *const active[] = {
        "text/html",       "application/xhtml", "text/javascript", "application/javascript",
        "image/svg",       "application/xml",   "text/xml",        "text/css",
        "application/wasm"};
    for (size_t i = 0; i < sizeof active / sizeof *active; i++)
        if (!strncasecmp(t, active[i], strlen(active[i])))
            return "application/octet-stream";
    return t;
}

int sd_api_download_headers(sd_http_req_t *req, const char *name)
{
    char cd[4 * 1024 + 128];
    int rc = sd_api_content_disposition(name, cd, sizeof cd);
    if (rc == SD_ETOOBIG) /* longer than any name the stores accept: a generic one will do */
        rc = sd_api_content_disposition("download", cd, sizeof cd);
    if (!rc)
        rc = sd_http_reply_header(req, "Content-Disposition", cd);
    if (!rc)
        rc = sd_http_reply_header(req, "Content-Security-Policy", SD_API_DOWNLOAD_CSP);
    return rc;
}
