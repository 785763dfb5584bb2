/* totp_qr.h - the QR code of a pending TOTP enrolment, as SVG, for the portal (libqrencode). */
#ifndef SD_PF_TOTP_QR_H
#define SD_PF_TOTP_QR_H

#include <stddef.h>

#include "core/buf.h"
#include "api/api.h"

/* Blank modules around the symbol: the QR specification asks for four. */
#define SD_QR_QUIET 4

/*
 * Encode text (8-bit mode, error correction level M, smallest version that holds it) as an SVG
 * document appended to out: one <path> of dark modules in a viewBox of (width + 2 * quiet)
 * units, so it scales crisply. *modules (may be NULL) receives the symbol's width in modules
 * (17 + 4 * version). Pure. SD_EINVAL for empty text, SD_ETOOBIG when no version holds it,
 * SD_ENOMEM.
 */
int sd_qr_svg(const char *text, sd_buf_t *out, int *modules);

/*
 * Route (under /api/v1):
 *   GET /me/totp/qr.svg   user.self: the otpauth URI of the caller's own pending enrolment
 *                         (POST /me/totp, not yet confirmed) as an SVG QR code, no-store;
 *                         409 conflict when nothing is pending (none asked for, or already on).
 * The secret stays sealed in the store; it is opened only to draw the code, so the portal
 * never has to put the URI into the page itself.
 */
int sd_totp_qr_routes(sd_pf_t *pf);

#endif
