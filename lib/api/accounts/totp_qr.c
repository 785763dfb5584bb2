/* totp_qr.c - the QR code of a pending TOTP enrolment, as SVG, for the portal (libqrencode). */
#include <errno.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "auth/totp.h"
#include "core/err.h"
#include "api/accounts/totp_qr.h"
#include "api/accounts/user.h"

int sd_qr_svg(const char *text, sd_buf_t *out, int *modules)
{
    if (!text || !*text)
        return SD_EINVAL;
    /* 8-bit mode keeps the URI's case and punctuation; level M is what authenticator apps
     * expect of a code shown on a screen (15 % of it may be unreadable) */
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!qr)
        return errno == ERANGE ? SD_ETOOBIG : errno == EINVAL ? SD_EINVAL : SD_ENOMEM;
    int w = qr->width, side = w + 2 * SD_QR_QUIET;
    int rc = sd_buf_printf(out,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                           "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">"
                           "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                           side, side, side * 6, side * 6, side, side);
    /* one subpath per horizontal run of dark modules ("M x,y h n v1 h -n z"), not one rect per
     * module: a few kilobytes for the version 7 or so of an otpauth URI */
    for (int y = 0; y < w && !rc; y++)
        for (int x = 0; x < w && !rc;) {
            if (!(qr->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            rc = sd_buf_printf(out, "M%d,%dh%dv1h-%dz", x + SD_QR_QUIET, y + SD_QR_QUIET, run, run);
            x += run;
        }
    if (!rc)
        rc = sd_buf_append_str(out, "\"/></svg>\n");
    if (modules)
        *modules = w;
    QRcode_free(qr);
    return rc;
}

static void h_qr(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t sc = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    if (sd_api_require(req, SD_ACT_USER_SELF, &sc) != 0)
        return;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT login, totp_secret, totp_enabled FROM users WHERE id = $1",
                                SD_PARAMS(SD_V_INT(p->subject_id)), &s);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char login[72];
    uint8_t sealed[SD_USER_SEALED_MAX];
    size_t n = 0;
    snprintf(login, sizeof login, "%s", sd_stmt_text(s, 0, NULL));
    const void *b = sd_stmt_blob(s, 1, &n);
    int enabled = (int)sd_stmt_int64(s, 2);
    if (b && n <= sizeof sealed)
        memcpy(sealed, b, n);
    else
        n = 0;
    sd_stmt_done(s);
    if (enabled || n == 0) {
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "no pending enrolment (POST /api/v1/me/totp)");
        return;
    }
    uint8_t key[SD_TOTP_KEY_MAX];
    size_t klen = 0;
    sd_buf_t uri = {0}, svg = {0};
    rc = sd_user_open(pf, sealed, n, key, sizeof key, &klen);
    if (rc == 0)
        rc = sd_totp_uri(pf->issuer ? pf->issuer : "suido", login, key, klen, &uri);
    sodium_memzero(key, sizeof key);
    if (rc == 0)
        rc = sd_qr_svg(uri.data, &svg, NULL);
    if (uri.data)
        sodium_memzero(uri.data, uri.len);
    sd_buf_free(&uri);
    if (rc != 0) {
        sd_buf_free(&svg);
        sd_api_reply_rc(req, rc);
        return;
    }
    /* the picture is the secret: never cached, never embedded in another site */
    sd_http_reply_header(req, "Cache-Control", "no-store");
    sd_http_reply_buf(req, 200, "image/svg+xml", &svg);
}

int sd_totp_qr_routes(sd_pf_t *pf)
{
    return sd_http_route(pf->http, "GET", "/api/v1/me/totp/qr.svg", h_qr, pf, NULL);
}
