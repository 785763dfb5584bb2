/* totp_qr.c - a QR code as SVG (libqrencode), for the portal's TOTP enrolment. Pure. */
#include <errno.h>
#include <qrencode.h>

#include "core/err.h"
#include "pf/accounts/totp_qr.h"

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
    int rc =
        sd_buf_printf(out,
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
