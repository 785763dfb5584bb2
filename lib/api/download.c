/* download.c - replies of user content as downloads (see download.h for why). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/download.h"
#include "core/err.h"
#include "core/log.h"

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

/* One streamed blob download: the piece being sent and where it is. */
typedef struct {
    sd_objstore_blob_t *b;
    uint64_t size, pos;
    const unsigned char *d; /* next bytes to send: in the blob's buffer, or tail */
    size_t have;
    unsigned char *tail; /* the last piece, copied before the end of the blob is checked */
    char sha[SD_OBJ_SHA256_HEX];
    int replied; /* the status is out: an error now can only cut the connection */
} blobrd_t;

static int blob_fail(blobrd_t *rd, int rc, const char *why)
{
    if (!rd->replied) /* before the reply: a 500 */
        sd_error("download: blob %s does not open: %s", rd->sha, why);
    else
        sd_error("download: blob %s breaks off at byte %" PRIu64 " of %" PRIu64 ": %s", rd->sha,
                 rd->pos, rd->size, why);
    return rc;
}

/* Give rd its next piece if it has none; the last one only once the blob's end has checked. */
static int blob_fill(blobrd_t *rd)
{
    const unsigned char *d;
    size_t len;
    int rc;
    if (rd->have || rd->pos == rd->size)
        return 0;
    if (rd->tail)
        return blob_fail(rd, SD_ESYNTAX, "read past the end");
    if ((rc = sd_objstore_blob_read(rd->b, &d, &len)) != 0)
        return blob_fail(rd, rc, sd_objstore_blob_error(rd->b));
    if (!len)
        return blob_fail(rd, SD_ESYNTAX, "the blob is shorter than recorded");
    if (rd->pos + len > rd->size)
        return blob_fail(rd, SD_ECONFLICT, "the blob is longer than recorded");
    rd->d = d;
    rd->have = len;
    if (rd->pos + len == rd->size) {
        /* the last bytes go out only once the blob's end and SHA-256 have checked: a client
         * never holds a complete-looking body of a blob that is not sound */
        if (!(rd->tail = malloc(len)))
            return blob_fail(rd, SD_ENOMEM, "out of memory");
        memcpy(rd->tail, d, len);
        rd->d = rd->tail;
        if ((rc = sd_objstore_blob_read(rd->b, &d, &len)) != 0)
            return blob_fail(rd, rc, sd_objstore_blob_error(rd->b));
        if (len)
            return blob_fail(rd, SD_ECONFLICT, "the blob is longer than recorded");
    }
    return 0;
}

static int blob_read(void *ctx, uint64_t pos, char *buf, size_t max, size_t *got)
{
    blobrd_t *rd = ctx;
    if (pos != rd->pos)
        return blob_fail(rd, SD_EINVAL, "out-of-order read");
    int rc = blob_fill(rd);
    if (rc)
        return rc;
    size_t n = rd->have < max ? rd->have : max;
    memcpy(buf, rd->d, n);
    rd->d += n;
    rd->have -= n;
    rd->pos += n;
    *got = n;
    return 0;
}

static void blob_free(void *ctx)
{
    blobrd_t *rd = ctx;
    sd_objstore_blob_close(rd->b);
    free(rd->tail);
    free(rd);
}

int sd_api_reply_blob(sd_http_req_t *req, sd_objstore_blob_t *b, int64_t size, const char *sha256,
                      const char *name)
{
    blobrd_t *rd = size >= 0 ? calloc(1, sizeof *rd) : NULL;
    if (!rd) {
        sd_objstore_blob_close(b);
        return size >= 0 ? SD_ENOMEM : SD_EINVAL;
    }
    rd->b = b;
    rd->size = (uint64_t)size;
    snprintf(rd->sha, sizeof rd->sha, "%s", sha256);
    /* the first piece (a small file: all of it, checked) is read before the status is sent, so
     * a blob damaged there is a clean 500; damage further on cuts the connection */
    int rc = blob_fill(rd);
    if (size == 0 && !rc) { /* no read will come: the (empty) blob's end is checked now */
        const unsigned char *d;
        size_t len;
        rc = sd_objstore_blob_read(b, &d, &len);
        if (rc || len)
            rc = blob_fail(rd, SD_ECONFLICT, rc ? sd_objstore_blob_error(b) : "not empty");
    }
    if (rc == SD_EDECRYPT || rc == SD_ESYNTAX || rc == SD_ECONFLICT)
        rc = SD_EINTERNAL; /* damage in the store, not a fault of the request */
    if (!rc)
        rc = sd_api_download_headers(req, name);
    if (rc) {
        blob_free(rd);
        return rc;
    }
    rd->replied = 1;
    return sd_http_reply_reader(req, 200, sd_api_download_type(name), (uint64_t)size, sha256,
                                blob_read, blob_free, rd);
}

int sd_api_reply_blob_of(sd_http_req_t *req, sd_objstore_t *os, int64_t tenant, const char *sha256,
                         int64_t size, const char *name)
{
    sd_objstore_blob_t *b = NULL;
    int rc = sd_objstore_blob_open(os, tenant, sha256, &b);
    /* a blob that does not open is damage in the store (logged there), not a fault of the
     * request: a 500 */
    if (rc == SD_EDECRYPT || rc == SD_ESYNTAX || rc == SD_ECONFLICT)
        return SD_EINTERNAL;
    return rc ? rc : sd_api_reply_blob(req, b, size, sha256, name);
}
