/* totp_qr.h - a QR code as SVG (libqrencode), for the portal's TOTP enrolment. Pure. */
#ifndef SD_PF_ACCOUNTS_TOTP_QR_H
#define SD_PF_ACCOUNTS_TOTP_QR_H

#include <stddef.h>

#include "core/buf.h"

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

#endif
