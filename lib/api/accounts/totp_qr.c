/* totp_qr.c - GET /api/v1/me/totp/qr.svg: the caller's pending TOTP enrolment as a QR code. */
#include <sodium.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/accounts/account.h"
#include "pf/accounts/totp_qr.h"

static void h_qr(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t sc = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_USER_SELF, &sc) != 0)
        return;
    sd_buf_t uri = {0}, svg = {0};
    int rc = sd_account_totp_uri(pf, p->subject_id, &uri);
    if (rc == SD_ECONFLICT) {
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "no pending enrolment (POST /api/v1/me/totp)");
        return;
    }
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

int sd_totp_qr_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    return sd_http_route(http, "GET", "/api/v1/me/totp/qr.svg", h_qr, pf, NULL);
}
