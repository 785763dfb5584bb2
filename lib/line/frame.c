/* frame.c - L2/L3 line framing: SUM, envelope checks, NAK and EOT. */
#include "line/frame.h"

#include "core/hex.h"
#include <stdarg.h>
#include <stdio.h>

#include "core/err.h"

int sd_line_err_set(sd_line_err_t *err, int code, size_t offset, const char *field, const char *fmt,
                    ...)
{
    if (err) {
        err->code = code;
        err->offset = offset;
        err->field = field;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->why, sizeof err->why, fmt, ap);
        va_end(ap);
    }
    return code;
}

uint16_t sd_line_sum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return (uint16_t)s;
}

void sd_line_sum_hex(uint16_t sum, char out[4])
{
    static const char hx[] = "0123456789ABCDEF";
    out[0] = hx[(sum >> 12) & 15];
    out[1] = hx[(sum >> 8) & 15];
    out[2] = hx[(sum >> 4) & 15];
    out[3] = hx[sum & 15];
}

int sd_line_sum_parse(const uint8_t p[4], uint16_t *sum)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = sd_hex_value(p[i]);
        if (h < 0)
            return SD_ECHECKSUM;
        v = v << 4 | (unsigned)h;
    }
    *sum = (uint16_t)v;
    return 0;
}

int sd_line_frame_check(const uint8_t *buf, size_t len, sd_line_err_t *err)
{
    if (len == 0 || (buf[0] != SD_LINE_STX && buf[0] != SD_LINE_ENQ))
        return sd_line_err_set(err, SD_EFRAME, 0, "frame", "does not start with STX or ENQ");
    if (len < 7)
        return sd_line_err_set(err, SD_EFRAME, len, "frame", "%zu bytes is too short", len);
    if (len > SD_LINE_MAX_FRAME)
        return sd_line_err_set(err, SD_EFRAME, SD_LINE_MAX_FRAME, "frame",
                               "%zu bytes exceeds the longest text (%d)", len, SD_LINE_MAX_FRAME);
    if (buf[len - 1] != SD_LINE_CR)
        return sd_line_err_set(err, SD_EFRAME, len - 1, "frame", "does not end with CR");
    uint16_t want, got = sd_line_sum(buf + 1, len - 6);
    if (sd_line_sum_parse(buf + len - 5, &want))
        return sd_line_err_set(err, SD_ECHECKSUM, len - 5, "sum", "SUM is not 4 hex digits");
    if (want != got)
        return sd_line_err_set(err, SD_ECHECKSUM, len - 5, "sum",
                               "SUM says %04X, bytes add up to %04X", want, got);
    return 0;
}

size_t sd_line_frame_seal(uint8_t *buf, size_t len)
{
    sd_line_sum_hex(sd_line_sum(buf + 1, len - 1), (char *)buf + len);
    buf[len + 4] = SD_LINE_CR;
    return len + 5;
}

int sd_line_nak_encode(int code, sd_buf_t *out)
{
    if (code < 0 || code > 255)
        return SD_EINVAL;
    static const char hx[] = "0123456789ABCDEF";
    char f[SD_LINE_NAK_LEN] = {SD_LINE_NAK, hx[code >> 4], hx[code & 15], SD_LINE_CR};
    return sd_buf_append(out, f, sizeof f);
}

int sd_line_eot_encode(sd_buf_t *out)
{
    static const char f[SD_LINE_EOT_LEN] = {SD_LINE_EOT, SD_LINE_CR};
    return sd_buf_append(out, f, sizeof f);
}

int sd_line_nak_decode(const uint8_t *buf, size_t len, int *code, sd_line_err_t *err)
{
    if (len != SD_LINE_NAK_LEN || buf[0] != SD_LINE_NAK || buf[3] != SD_LINE_CR)
        return sd_line_err_set(err, SD_EFRAME, 0, "frame", "a NAK is NAK, 2 hex digits, CR");
    int hi = sd_hex_value(buf[1]), lo = sd_hex_value(buf[2]);
    if (hi < 0 || lo < 0)
        return sd_line_err_set(err, SD_EFRAME, hi < 0 ? 1 : 2, "nak_code",
                               "NAK code is not 2 hex digits");
    *code = hi << 4 | lo;
    return 0;
}

const char *sd_line_nak_str(int code)
{
    switch (code) {
    case SD_LINE_NAK_PARITY:
        return "parity error";
    case SD_LINE_NAK_OVERRUN:
        return "overrun error";
    case SD_LINE_NAK_FRAMING:
        return "framing error";
    case SD_LINE_NAK_PROTO:
        return "protocol error";
    case SD_LINE_NAK_CHECKSUM:
        return "checksum error";
    case SD_LINE_NAK_ABORT:
        return "aborted";
    default:
        return "unknown";
    }
}
