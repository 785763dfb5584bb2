/* download.h - how every route that hands back user-supplied content replies: as a download. */
#ifndef SD_API_DOWNLOAD_H
#define SD_API_DOWNLOAD_H

#include <stddef.h>

#include "http/http.h"
#include "pf/data/objstore.h"

/*
 * Files, sheets and exports are content that users put in. Served inline from the portal's origin
 * an uploaded .html page would run with the session of whoever opens it (and the portal's
 * script-src 'self' would let it load an uploaded .js). So such replies are always downloads:
 * Content-Disposition: attachment, a CSP of default-src 'none' plus sandbox (nothing runs even
 * if a browser renders it), and an active type (HTML, script, SVG, XML) becomes
 * application/octet-stream. X-Content-Type-Options: nosniff comes with every reply already.
 */

/* The CSP sent with every download. */
#define SD_API_DOWNLOAD_CSP "default-src 'none'; sandbox"

/*
 * Content-Disposition for name (a base name; a path is cut at its last '/'), per RFC 6266 with the
 * RFC 5987 form for non-ASCII names: attachment; filename="<ASCII, others as _>";
 * filename*=UTF-8''<percent-encoded>. 0, or SD_ETOOBIG when out (n bytes) is too small. Pure.
 */
int sd_api_content_disposition(const char *name, char *out, size_t n);

/* The Content-Type to send for a stored file called name: passive types keep theirs, anything
 * a browser could execute becomes application/octet-stream. Pure. */
const char *sd_api_download_type(const char *name);

/* Add the download headers above for name to req's reply. 0, SD_ENOMEM, SD_EINVAL. */
int sd_api_download_headers(sd_http_req_t *req, const char *name);

/*
 * Reply 200 with blob b (taken: closed however this ends) as a download called name: the headers
 * above, its SHA-256 as strong ETag (If-None-Match -> 304), Content-Length size (as recorded),
 * and the body streamed chunk by chunk as the client reads, so a download costs a chunk of
 * memory, not the file. Each chunk is authenticated as it is read and the last bytes are held
 * back until the end of the blob and its SHA-256 are checked: a blob that breaks off, is
 * tampered with or is not size bytes long is logged and its connection closed short, never
 * delivered as complete. 0, or an error with nothing replied: SD_EINTERNAL (an empty blob that
 * does not check), SD_ENOMEM, SD_EINVAL.
 */
int sd_api_reply_blob(sd_http_req_t *req, sd_objstore_blob_t *b, int64_t size, const char *sha256,
                      const char *name);

/*
 * sd_api_reply_blob() of the tenant's blob sha256, opened here. Errors, nothing replied:
 * SD_ENOTFOUND, SD_EINTERNAL (a blob that does not open: damage in the store, logged), SD_EIO, ...
 */
int sd_api_reply_blob_of(sd_http_req_t *req, sd_objstore_t *os, int64_t tenant, const char *sha256,
                         int64_t size, const char *name);

#endif
